/*
 * The x86-64 PV layout: where the kernel, P2M list, start_info, xenstore and
 * console pages, initial page tables and boot stack go, in the order and
 * with the sizes Xen's builder uses, and the page tables that map them.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dom.h"

#define PT_PRESENT (1ull << 0)
#define PT_RW (1ull << 1)
#define PT_USER (1ull << 2)
#define PT_ACCESSED (1ull << 5)
#define PT_DIRTY (1ull << 6)
/* 64-bit PV guest kernels run in ring 3, so every level carries USER. */
#define PT_PROT (PT_PRESENT | PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY)

/* The initial mapping always extends 512 KiB past everything allocated,
 * and ends on a 4 MiB boundary. */
#define EXTRA_MAPPED_PAGES ((512u * 1024) / XG_PAGE_SIZE)
#define MAPPING_ALIGN_MASK ((4ull << 20) - 1)

static uint64_t pages_for(uint64_t bytes)
{
	return (bytes + XG_PAGE_SIZE - 1) / XG_PAGE_SIZE;
}

static uint64_t tables_at(uint64_t start, uint64_t last, unsigned int shift)
{
	return (last >> shift) - (start >> shift) + 1;
}

int xg_pv_layout(const struct xg_kernel *k, uint64_t nr_pages, struct xg_pv_layout *l, char *err,
		 size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->nr_pages = nr_pages;
	l->virt_base = k->virt_base;
	if ((k->virt_kstart | k->virt_base) & (XG_PAGE_SIZE - 1)) {
		snprintf(err, errlen, "the kernel does not start on a page boundary");
		return -EINVAL;
	}
	uint64_t next = 0; /* next free pfn */
	l->kernel_pfn = (k->virt_kstart - k->virt_base) / XG_PAGE_SIZE;
	l->kernel_pages = pages_for(k->virt_kend - k->virt_kstart);
	next = l->kernel_pfn + l->kernel_pages;
	l->p2m_pfn = next;
	l->p2m_pages = pages_for(nr_pages * sizeof(uint64_t));
	next += l->p2m_pages;
	l->start_info_pfn = next++;
	l->xenstore_pfn = next++;
	l->console_pfn = next++;

	/* Page tables map themselves, so their number and the mapping's end
	 * depend on each other: grow until they agree. */
	uint64_t extra = 1 + EXTRA_MAPPED_PAGES; /* boot stack + slack */
	uint64_t pages = extra, last;
	uint64_t alloc_end_va = k->virt_base + next * XG_PAGE_SIZE;
	for (;;) {
		last = (alloc_end_va + pages * XG_PAGE_SIZE) | MAPPING_ALIGN_MASK;
		if (last < alloc_end_va) {
			snprintf(err, errlen, "the initial mapping does not fit in the address space");
			return -EINVAL;
		}
		l->nr_l4 = 1;
		l->nr_l3 = tables_at(k->virt_base, last, 39);
		l->nr_l2 = tables_at(k->virt_base, last, 30);
		l->nr_l1 = tables_at(k->virt_base, last, 21);
		uint64_t tables = l->nr_l4 + l->nr_l3 + l->nr_l2 + l->nr_l1;
		pages = tables + extra;
		if (alloc_end_va + pages * XG_PAGE_SIZE <= last + 1)
			break;
	}
	l->pgtables_pfn = next;
	l->pgtables_pages = l->nr_l4 + l->nr_l3 + l->nr_l2 + l->nr_l1;
	next += l->pgtables_pages;
	l->bootstack_pfn = next++;
	l->alloc_end_pfn = next;
	l->virt_end = last + 1;

	uint64_t mapped = (l->virt_end - k->virt_base) / XG_PAGE_SIZE;
	if (mapped > nr_pages) {
		snprintf(err, errlen,
			 "%" PRIu64 " KiB of memory is too little: the kernel and its initial mapping need %" PRIu64
			 " KiB",
			 nr_pages * 4, mapped * 4);
		return -ENOMEM;
	}
	return 0;
}

static bool is_pagetable(const struct xg_pv_layout *l, uint64_t pfn)
{
	return pfn >= l->pgtables_pfn && pfn < l->pgtables_pfn + l->pgtables_pages;
}

void xg_pv_write_pagetables(const struct xg_pv_layout *l, const uint64_t *p2m, xg_pfn_map_fn frame,
			    void *ctx)
{
	uint64_t start = l->virt_base, last = l->virt_end - 1;
	/* Tables in order: the L4, then L3s, L2s and L1s, each run covering
	 * the mapping from its start. */
	uint64_t l3_first = l->pgtables_pfn + 1;
	uint64_t l2_first = l3_first + l->nr_l3;
	uint64_t l1_first = l2_first + l->nr_l2;

	uint64_t *l4 = frame(ctx, l->pgtables_pfn);
	memset(l4, 0, XG_PAGE_SIZE);
	for (uint64_t i = 0; i < l->nr_l3; i++)
		memset(frame(ctx, l3_first + i), 0, XG_PAGE_SIZE);
	for (uint64_t i = 0; i < l->nr_l2; i++)
		memset(frame(ctx, l2_first + i), 0, XG_PAGE_SIZE);
	for (uint64_t i = 0; i < l->nr_l1; i++)
		memset(frame(ctx, l1_first + i), 0, XG_PAGE_SIZE);

	for (uint64_t va = start; va <= last && va >= start; va += XG_PAGE_SIZE) {
		uint64_t pfn = (va - start) / XG_PAGE_SIZE;
		uint64_t l3_pfn = l3_first + ((va >> 39) - (start >> 39));
		uint64_t l2_pfn = l2_first + ((va >> 30) - (start >> 30));
		uint64_t l1_pfn = l1_first + ((va >> 21) - (start >> 21));
		uint64_t *l3 = frame(ctx, l3_pfn), *l2 = frame(ctx, l2_pfn), *l1 = frame(ctx, l1_pfn);
		l4[(va >> 39) & 511] = (p2m[l3_pfn] << 12) | PT_PROT;
		l3[(va >> 30) & 511] = (p2m[l2_pfn] << 12) | PT_PROT;
		l2[(va >> 21) & 511] = (p2m[l1_pfn] << 12) | PT_PROT;
		uint64_t prot = PT_PROT;
		if (is_pagetable(l, pfn))
			prot &= ~PT_RW; /* a page table is never mapped writable */
		l1[(va >> 12) & 511] = (p2m[pfn] << 12) | prot;
	}
}

static void region(FILE *log, const char *name, const struct xg_pv_layout *l, uint64_t pfn, uint64_t pages,
		   const uint64_t *p2m)
{
	uint64_t va = l->virt_base + pfn * XG_PAGE_SIZE;
	fprintf(log, "  %-12s: 0x%016" PRIx64 " -> 0x%016" PRIx64 "  (pfn 0x%" PRIx64 " + 0x%" PRIx64
		     " pages)",
		name, va, va + pages * XG_PAGE_SIZE, pfn, pages);
	if (p2m)
		fprintf(log, "  mfn 0x%" PRIx64, p2m[pfn]);
	fputc('\n', log);
}

void xg_pv_print_layout(FILE *log, const struct xg_kernel *k, const struct xg_pv_layout *l,
			const uint64_t *p2m)
{
	const struct xg_elf_notes *n = &k->notes;
	fprintf(log, "xg builder: ELF notes:\n");
	fprintf(log, "  GUEST_OS = \"%s\", GUEST_VERSION = \"%s\", XEN_VERSION = \"%s\", LOADER = \"%s\"\n",
		n->guest_os, n->guest_version, n->xen_version, n->loader);
	fprintf(log, "  VIRT_BASE = 0x%" PRIx64 ", ENTRY = 0x%" PRIx64 ", FEATURES = \"%s\"\n", k->virt_base,
		k->virt_entry, n->features);
	if (n->hypercall_page != XG_UNSET_ADDR)
		fprintf(log, "  HYPERCALL_PAGE = 0x%" PRIx64 "\n", n->hypercall_page);
	if (n->init_p2m != XG_UNSET_ADDR)
		fprintf(log, "  INIT_P2M = 0x%" PRIx64 " (not used yet: the P2M is mapped in the initial region)\n",
			n->init_p2m);
	if (n->hv_start_low != XG_UNSET_ADDR)
		fprintf(log, "  HV_START_LOW = 0x%" PRIx64 "\n", n->hv_start_low);
	if (n->pae_mode[0])
		fprintf(log, "  PAE_MODE = \"%s\"\n", n->pae_mode);
	if (n->supported_features)
		fprintf(log, "  SUPPORTED_FEATURES = 0x%08x\n", n->supported_features);
	if (n->suspend_cancel || n->mod_start_pfn)
		fprintf(log, "  SUSPEND_CANCEL = %d, MOD_START_PFN = %d\n", n->suspend_cancel, n->mod_start_pfn);
	fprintf(log, "xg builder: layout of %" PRIu64 " pages (%" PRIu64 " MiB):\n", l->nr_pages,
		l->nr_pages >> 8);
	region(log, "kernel", l, l->kernel_pfn, l->kernel_pages, p2m);
	region(log, "phys2mach", l, l->p2m_pfn, l->p2m_pages, p2m);
	region(log, "start info", l, l->start_info_pfn, 1, p2m);
	region(log, "xenstore", l, l->xenstore_pfn, 1, p2m);
	region(log, "console", l, l->console_pfn, 1, p2m);
	region(log, "page tables", l, l->pgtables_pfn, l->pgtables_pages, p2m);
	region(log, "boot stack", l, l->bootstack_pfn, 1, p2m);
	fprintf(log, "  page tables: %" PRIu64 " L4, %" PRIu64 " L3, %" PRIu64 " L2, %" PRIu64
		     " L1; mapping ends at 0x%" PRIx64 "\n",
		l->nr_l4, l->nr_l3, l->nr_l2, l->nr_l1, l->virt_end);
}
