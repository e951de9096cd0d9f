/*
 * The x86 PV layout, 64-bit and 32-bit PAE: where the kernel, P2M list,
 * start_info, xenstore and console pages, initial page tables and boot stack
 * go, in the order and with the sizes Xen's builder uses, and the page
 * tables that map them.  The two differ only in the number of levels, the
 * size of a P2M entry, the entry flags and, for 32-bit PAE, the L2 that
 * always exists for L3 slot 3 (where the hypervisor's mappings live).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "dom.h"
#include "public/compat/x86_32.h"
#include "public/xen.h"

#define PT_PRESENT (1ull << 0)
#define PT_RW (1ull << 1)
#define PT_USER (1ull << 2)
#define PT_ACCESSED (1ull << 5)
#define PT_DIRTY (1ull << 6)
/* 64-bit PV guest kernels run in ring 3, so every level carries USER. */
#define PT_PROT (PT_PRESENT | PT_RW | PT_USER | PT_ACCESSED | PT_DIRTY)
/* 32-bit PAE kernels run in ring 1: Xen's builder gives the L1 entries
 * (the pages themselves) no USER bit, and the L2 and L3 entries the same
 * flags as 64-bit upper levels (a 64-bit hypervisor runs the guest's L3 as
 * an ordinary long-mode L3, not as PDPTEs). */
#define PT32_L1_PROT (PT_PRESENT | PT_RW | PT_ACCESSED)
#define PT32_UPPER_PROT (PT_PRESENT | PT_RW | PT_ACCESSED | PT_DIRTY | PT_USER)

/* The initial mapping always extends 512 KiB past everything allocated,
 * and ends on a 4 MiB boundary. */
#define EXTRA_MAPPED_PAGES ((512u * 1024) / XG_PAGE_SIZE)
#define MAPPING_ALIGN_MASK ((4ull << 20) - 1)
/* 32-bit PAE: L3 slot 3 maps 0xC0000000 and up. */
#define PAE_SLOT3_VA 0xC0000000ull
#define PAE_TOP_VA 0xFFFFFFFFull

static uint64_t pages_for(uint64_t bytes)
{
	return (bytes + XG_PAGE_SIZE - 1) / XG_PAGE_SIZE;
}

static uint64_t tables_at(uint64_t start, uint64_t last, unsigned int shift)
{
	return (last >> shift) - (start >> shift) + 1;
}

/* Bits of address space one table of a level maps: 21 for an L1, 30 for
 * an L2, 39 for an L3 (one 32-bit PAE L3 maps all 32 bits). */
static unsigned int table_shift(unsigned int level)
{
	return 12 + 9 * level;
}

const char *xg_pv_guest_type(const struct xg_pv_layout *l)
{
	return l->pv32 ? "xen-3.0-x86_32p" : "xen-3.0-x86_64";
}

bool xg_pv_l3_below_4g(const struct xg_kernel *k)
{
	return !k->is_64bit && !k->extended_cr3;
}

/* How many tables of each level map [virt_base, last]. */
static void count_tables(struct xg_pv_layout *l, uint64_t last)
{
	uint64_t base = l->virt_base;
	if (l->pv32) {
		/* Xen's builder always gives L3 slot 3 its L2: the L2 range
		 * runs to the top of the address space when the mapping
		 * ends below slot 3. */
		uint64_t l2_last = last < PAE_SLOT3_VA ? PAE_TOP_VA : last;
		l->nr_l4 = 0;
		l->nr_l3 = 1;
		l->nr_l2 = tables_at(base, l2_last, table_shift(2));
	} else {
		l->nr_l4 = 1;
		l->nr_l3 = tables_at(base, last, table_shift(3));
		l->nr_l2 = tables_at(base, last, table_shift(2));
	}
	l->nr_l1 = tables_at(base, last, table_shift(1));
}

static void set_geometry(const struct xg_kernel *k, struct xg_pv_layout *l)
{
	l->pv32 = !k->is_64bit;
	l->levels = l->pv32 ? 3 : 4;
	l->pfn_size = l->pv32 ? sizeof(uint32_t) : sizeof(uint64_t);
	if (!l->pv32)
		return;
	/* HV_START_LOW may lower the start of the hypervisor's range (its
	 * mappings then start there); the initial mapping must end below it. */
	l->hv_start = COMPAT_HYPERVISOR_VIRT_START;
	if (k->notes.hv_start_low < l->hv_start && k->notes.hv_start_low >= PAE_SLOT3_VA)
		l->hv_start = k->notes.hv_start_low;
}

int xg_pv_layout(const struct xg_kernel *k, uint64_t nr_pages, struct xg_pv_layout *l, char *err,
		 size_t errlen)
{
	return xg_pv_layout_module(k, nr_pages, 0, l, err, errlen);
}

int xg_pv_layout_module(const struct xg_kernel *k, uint64_t nr_pages, uint64_t module_bytes,
			struct xg_pv_layout *l, char *err, size_t errlen)
{
	memset(l, 0, sizeof(*l));
	l->nr_pages = nr_pages;
	l->virt_base = k->virt_base;
	if ((k->virt_kstart | k->virt_base) & (XG_PAGE_SIZE - 1)) {
		snprintf(err, errlen, "the kernel does not start on a page boundary");
		return -EINVAL;
	}
	set_geometry(k, l);
	/* The end of the address space the initial mapping may use. */
	uint64_t limit = l->pv32 ? l->hv_start - 1 : UINT64_MAX;
	uint64_t next = 0; /* next free pfn */
	l->kernel_pfn = (k->virt_kstart - k->virt_base) / XG_PAGE_SIZE;
	l->kernel_pages = pages_for(k->virt_kend - k->virt_kstart);
	next = l->kernel_pfn + l->kernel_pages;
	l->module_pages = pages_for(module_bytes);
	l->module_unmapped = module_bytes && k->notes.mod_start_pfn;
	if (l->module_pages > nr_pages) {
		snprintf(err, errlen, "the %" PRIu64 " KiB ramdisk does not fit in %" PRIu64 " KiB of memory",
			 l->module_pages * 4, nr_pages * 4);
		return -ENOMEM;
	}
	if (l->module_pages && !l->module_unmapped) {
		l->module_pfn = next;
		next += l->module_pages;
	}
	l->p2m_pfn = next;
	l->p2m_pages = pages_for(nr_pages * l->pfn_size);
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
		if (last < alloc_end_va || last > limit || alloc_end_va < k->virt_base) {
			if (l->pv32)
				snprintf(err, errlen,
					 "the initial mapping does not fit below the hypervisor's range at 0x%" PRIx64,
					 l->hv_start);
			else
				snprintf(err, errlen, "the initial mapping does not fit in the address space");
			return -EINVAL;
		}
		count_tables(l, last);
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
	/* An unmapped module follows the initial mapping. */
	if (l->module_unmapped)
		l->module_pfn = mapped;
	uint64_t needed = l->module_unmapped ? mapped + l->module_pages : mapped;
	if (needed > nr_pages) {
		snprintf(err, errlen,
			 "%" PRIu64 " KiB of memory is too little: the kernel%s and its initial mapping need %" PRIu64
			 " KiB",
			 nr_pages * 4, l->module_pages ? ", its ramdisk" : "", needed * 4);
		return -ENOMEM;
	}
	return 0;
}

static bool is_pagetable(const struct xg_pv_layout *l, uint64_t pfn)
{
	return pfn >= l->pgtables_pfn && pfn < l->pgtables_pfn + l->pgtables_pages;
}

/* The run of tables of one level: its first pfn, how many, and the first
 * address its first table maps. */
struct table_run {
	uint64_t pfn, count, va;
};

/* Tables in Xen's order: the top level, then each level down, each run
 * covering the mapping from its start. */
static void table_runs(const struct xg_pv_layout *l, struct table_run run[5])
{
	const uint64_t count[5] = { 0, l->nr_l1, l->nr_l2, l->nr_l3, l->nr_l4 };
	uint64_t pfn = l->pgtables_pfn;
	for (unsigned int level = l->levels; level >= 1; level--) {
		run[level].pfn = pfn;
		run[level].count = count[level];
		run[level].va = level == l->levels ? 0 : l->virt_base & ~((1ull << table_shift(level)) - 1);
		pfn += count[level];
	}
}

static uint64_t upper_prot(const struct xg_pv_layout *l)
{
	return l->pv32 ? PT32_UPPER_PROT : PT_PROT;
}

static uint64_t l1_prot(const struct xg_pv_layout *l, uint64_t pfn)
{
	uint64_t prot = l->pv32 ? PT32_L1_PROT : PT_PROT;
	if (is_pagetable(l, pfn))
		prot &= ~PT_RW; /* a page table is never mapped writable */
	return prot;
}

void xg_pv_write_pagetables(const struct xg_pv_layout *l, const uint64_t *p2m, xg_pfn_map_fn frame,
			    void *ctx)
{
	struct table_run run[5];
	table_runs(l, run);
	for (uint64_t i = 0; i < l->pgtables_pages; i++)
		memset(frame(ctx, l->pgtables_pfn + i), 0, XG_PAGE_SIZE);

	/* Each upper-level table points at every table of the level below
	 * that lies in its range. */
	for (unsigned int level = l->levels; level >= 2; level--) {
		const struct table_run *up = &run[level], *down = &run[level - 1];
		unsigned int down_shift = table_shift(level - 1);
		for (uint64_t j = 0; j < down->count; j++) {
			uint64_t va = down->va + (j << down_shift);
			uint64_t table = level == l->levels ? 0 : (va >> table_shift(level)) - (up->va >> table_shift(level));
			uint64_t *entries = frame(ctx, up->pfn + table);
			entries[(va >> down_shift) & 511] = (p2m[down->pfn + j] << 12) | upper_prot(l);
		}
	}

	/* The L1 entries map the pages of the initial mapping. */
	uint64_t start = l->virt_base, last = l->virt_end - 1;
	for (uint64_t va = start; va <= last && va >= start; va += XG_PAGE_SIZE) {
		uint64_t pfn = (va - start) / XG_PAGE_SIZE;
		uint64_t table = (va >> table_shift(1)) - (run[1].va >> table_shift(1));
		uint64_t *l1 = frame(ctx, run[1].pfn + table);
		l1[(va >> 12) & 511] = (p2m[pfn] << 12) | l1_prot(l, pfn);
	}
}

static uint64_t pfn_va(const struct xg_pv_layout *l, uint64_t pfn)
{
	return l->virt_base + pfn * XG_PAGE_SIZE;
}

static void start_info64(const struct xg_pv_layout *l, const uint64_t *p2m, uint64_t shared_info_mfn,
			 const char *cmdline, start_info_t *si)
{
	snprintf(si->magic, sizeof(si->magic), "%s", xg_pv_guest_type(l));
	si->nr_pages = l->nr_pages;
	si->shared_info = shared_info_mfn << 12;
	si->store_mfn = p2m[l->xenstore_pfn];
	si->console.domU.mfn = p2m[l->console_pfn];
	si->pt_base = pfn_va(l, l->pgtables_pfn);
	si->nr_pt_frames = l->pgtables_pages;
	si->mfn_list = pfn_va(l, l->p2m_pfn);
	si->first_p2m_pfn = l->p2m_pfn;
	si->nr_p2m_frames = l->p2m_pages;
	if (l->module_pages) {
		si->mod_start = l->module_unmapped ? l->module_pfn : pfn_va(l, l->module_pfn);
		si->mod_len = l->module_pages * XG_PAGE_SIZE;
		if (l->module_unmapped)
			si->flags |= SIF_MOD_START_PFN;
	}
	if (cmdline)
		snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s", cmdline);
}

/* struct compat_start_info: the same fields in 32-bit words; pt_base is
 * the virtual address of the L3. */
static void start_info32(const struct xg_pv_layout *l, const uint64_t *p2m, uint64_t shared_info_mfn,
			 const char *cmdline, compat_start_info_t *si)
{
	snprintf(si->magic, sizeof(si->magic), "%s", xg_pv_guest_type(l));
	si->nr_pages = (uint32_t)l->nr_pages;
	si->shared_info = (uint32_t)(shared_info_mfn << 12);
	si->store_mfn = (uint32_t)p2m[l->xenstore_pfn];
	si->console.domU.mfn = (uint32_t)p2m[l->console_pfn];
	si->pt_base = (uint32_t)pfn_va(l, l->pgtables_pfn);
	si->nr_pt_frames = (uint32_t)l->pgtables_pages;
	si->mfn_list = (uint32_t)pfn_va(l, l->p2m_pfn);
	si->first_p2m_pfn = (uint32_t)l->p2m_pfn;
	si->nr_p2m_frames = (uint32_t)l->p2m_pages;
	if (l->module_pages) {
		si->mod_start = (uint32_t)(l->module_unmapped ? l->module_pfn : pfn_va(l, l->module_pfn));
		si->mod_len = (uint32_t)(l->module_pages * XG_PAGE_SIZE);
		if (l->module_unmapped)
			si->flags |= SIF_MOD_START_PFN;
	}
	if (cmdline)
		snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s", cmdline);
}

void xg_pv_write_start_info(const struct xg_pv_layout *l, const uint64_t *p2m, uint64_t shared_info_mfn,
			    const char *cmdline, void *page)
{
	memset(page, 0, XG_PAGE_SIZE); /* flags, event channels: none yet */
	if (l->pv32)
		start_info32(l, p2m, shared_info_mfn, cmdline, page);
	else
		start_info64(l, p2m, shared_info_mfn, cmdline, page);
}

static void region(FILE *log, const char *name, const struct xg_pv_layout *l, uint64_t pfn, uint64_t pages,
		   const uint64_t *p2m)
{
	uint64_t va = l->virt_base + pfn * XG_PAGE_SIZE;
	int width = l->pv32 ? 8 : 16;
	fprintf(log, "  %-12s: 0x%0*" PRIx64 " -> 0x%0*" PRIx64 "  (pfn 0x%" PRIx64 " + 0x%" PRIx64 " pages)", name,
		width, va, width, va + pages * XG_PAGE_SIZE, pfn, pages);
	if (p2m)
		fprintf(log, "  mfn 0x%" PRIx64, p2m[pfn]);
	fputc('\n', log);
}

/* The VM assists vCPU 0 starts with, by name. */
static void print_vm_assist(FILE *log, unsigned long assist)
{
	static const char *const names[] = {
		[VMASST_TYPE_4gb_segments] = "4gb_segments",
		[VMASST_TYPE_4gb_segments_notify] = "4gb_segments_notify",
		[VMASST_TYPE_writable_pagetables] = "writable_pagetables",
		[VMASST_TYPE_pae_extended_cr3] = "pae_extended_cr3",
	};
	fprintf(log, "  VM assists  : %#lx", assist);
	const char *sep = " (";
	for (unsigned int i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (assist & (1ul << i)) {
			fprintf(log, "%s%s", sep, names[i]);
			sep = ", ";
		}
	fprintf(log, "%s\n", assist ? ")" : " (none)");
}

static void print_notes(FILE *log, const struct xg_kernel *k)
{
	const struct xg_elf_notes *n = &k->notes;
	if (n->source == XG_NOTES_XEN_GUEST)
		fprintf(log, "xg builder: no Xen ELF notes; legacy __xen_guest section: \"%s\"\n", n->xen_guest);
	else
		fprintf(log, "xg builder: ELF notes%s:\n", n->source == XG_NOTES_SECTION ? " (from SHT_NOTE sections)" : "");
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
	if (n->pae_mode[0] && k->is_64bit) {
		fprintf(log, "  PAE_MODE = \"%s\" (ignored: a 64-bit kernel)\n", n->pae_mode);
	} else if (!k->is_64bit) {
		static const char *const modes[] = { "no PAE", "PAE, L3 below 4 GiB", "PAE, extended CR3",
						      "bimodal, extended CR3" };
		fprintf(log, "  %s = \"%s\" (%s)\n", n->source == XG_NOTES_XEN_GUEST ? "PAE" : "PAE_MODE", n->pae_mode,
			modes[n->pae]);
	}
	if (n->supported_features)
		fprintf(log, "  SUPPORTED_FEATURES = 0x%08x\n", n->supported_features);
	if (n->suspend_cancel || n->mod_start_pfn)
		fprintf(log, "  SUSPEND_CANCEL = %d, MOD_START_PFN = %d\n", n->suspend_cancel, n->mod_start_pfn);
}

/* pv32pae: where the L3 is, and whether that is where it must be. */
static void print_l3(FILE *log, const struct xg_kernel *k, const struct xg_pv_layout *l, const uint64_t *p2m)
{
	bool must_be_low = xg_pv_l3_below_4g(k);
	fprintf(log, "  L3 table    : pfn 0x%" PRIx64, l->pgtables_pfn);
	if (p2m) {
		uint64_t mfn = p2m[l->pgtables_pfn];
		fprintf(log, ", mfn 0x%" PRIx64 " (%s 4 GiB)", mfn, mfn < (1ull << 20) ? "below" : "above");
	}
	fprintf(log, "; %s\n",
		must_be_low ? "must lie below 4 GiB (no extended-CR3 support)"
			    : "may lie anywhere (extended CR3: VMASST_TYPE_pae_extended_cr3)");
}

void xg_pv_print_layout(FILE *log, const struct xg_kernel *k, const struct xg_pv_layout *l,
			const uint64_t *p2m)
{
	print_notes(log, k);
	fprintf(log, "xg builder: %s guest (%s), layout of %" PRIu64 " pages (%" PRIu64 " MiB):\n",
		l->pv32 ? "pv32pae" : "pv64", xg_pv_guest_type(l), l->nr_pages, l->nr_pages >> 8);
	print_vm_assist(log, xg_kernel_vm_assist(k));
	region(log, "kernel", l, l->kernel_pfn, l->kernel_pages, p2m);
	if (l->module_pages && !l->module_unmapped)
		region(log, "module", l, l->module_pfn, l->module_pages, p2m);
	region(log, "phys2mach", l, l->p2m_pfn, l->p2m_pages, p2m);
	region(log, "start info", l, l->start_info_pfn, 1, p2m);
	region(log, "xenstore", l, l->xenstore_pfn, 1, p2m);
	region(log, "console", l, l->console_pfn, 1, p2m);
	region(log, "page tables", l, l->pgtables_pfn, l->pgtables_pages, p2m);
	region(log, "boot stack", l, l->bootstack_pfn, 1, p2m);
	if (l->module_unmapped)
		region(log, "module", l, l->module_pfn, l->module_pages, p2m);
	if (l->module_pages)
		fprintf(log, "  module      : start_info mod_start = %s 0x%" PRIx64 ", mod_len = 0x%" PRIx64 "%s\n",
			l->module_unmapped ? "pfn" : "address",
			l->module_unmapped ? l->module_pfn : l->virt_base + l->module_pfn * XG_PAGE_SIZE,
			l->module_pages * XG_PAGE_SIZE,
			l->module_unmapped ? " (SIF_MOD_START_PFN: unmapped, as MOD_START_PFN asks)" : "");
	if (l->pv32) {
		fprintf(log,
			"  page tables: %" PRIu64 " L3, %" PRIu64 " L2 (through L3 slot 3), %" PRIu64
			" L1; mapping ends at 0x%" PRIx64 " (hypervisor from 0x%" PRIx64 ")\n",
			l->nr_l3, l->nr_l2, l->nr_l1, l->virt_end, l->hv_start);
		print_l3(log, k, l, p2m);
	} else {
		fprintf(log,
			"  page tables: %" PRIu64 " L4, %" PRIu64 " L3, %" PRIu64 " L2, %" PRIu64
			" L1; mapping ends at 0x%" PRIx64 "\n",
			l->nr_l4, l->nr_l3, l->nr_l2, l->nr_l1, l->virt_end);
	}
}
