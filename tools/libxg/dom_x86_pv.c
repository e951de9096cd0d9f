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
/* The entries Xen's builder writes, for both guest types: L1 entries
 * present, writable, accessed (no USER: the hypervisor adds it for 64-bit
 * kernels, which run in ring 3, as it validates them; 32-bit PAE kernels
 * run in ring 1); upper levels also dirty and user (a 64-bit hypervisor
 * runs a 32-bit guest's L3 as an ordinary long-mode L3, not as PDPTEs). */
#define PT_L1_PROT (PT_PRESENT | PT_RW | PT_ACCESSED)
#define PT_UPPER_PROT (PT_PRESENT | PT_RW | PT_ACCESSED | PT_DIRTY | PT_USER)

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

/* The guest's virtual-address width, as Xen's builder cuts addresses. */
static uint64_t vaddr_mask(const struct xg_pv_layout *l)
{
	return l->pv32 ? 0xffffffffull : (1ull << 48) - 1;
}

/* Count the tables range number r needs to map [from, to] (inclusive)
 * when its tables start at pfn: as Xen's builder, each level covers the
 * range rounded out to whole tables, less what an earlier range's tables
 * of that level already cover; the top level exists once, in range 0.  A
 * 32-bit PAE range 0 ending below 0xC0000000 also gets the L2 of L3 slot
 * 3.  -EINVAL if the ranges overlap. */
static int count_range(struct xg_pv_layout *l, unsigned int r, uint64_t from, uint64_t to, uint64_t pfn)
{
	struct xg_pt_range *m = &l->ranges[r];
	/* (Xen's builder compares the new range uncut with the cut earlier
	 * ones, which misses an overlap in the upper half; this compares
	 * like with like.) */
	for (unsigned int i = 0; i < r; i++)
		if ((from & vaddr_mask(l)) <= l->ranges[i].to && (to & vaddr_mask(l)) >= l->ranges[i].from)
			return -EINVAL;
	memset(m, 0, sizeof(*m));
	m->from = from & vaddr_mask(l);
	m->to = to & vaddr_mask(l);
	for (int lv = (int)l->levels - 1; lv >= 0; lv--) {
		struct xg_pt_level *v = &m->lv[lv];
		v->pfn = pfn + m->tables;
		if (lv == (int)l->levels - 1) {
			if (r == 0) {
				v->from = 0;
				v->to = vaddr_mask(l);
				v->count = 1;
				m->tables++;
			}
			continue;
		}
		uint64_t mask = (1ull << table_shift((unsigned int)lv + 1)) - 1;
		v->from = m->from & ~mask;
		v->to = m->to | mask;
		if (l->pv32 && r == 0 && to < PAE_SLOT3_VA && lv == 1)
			v->to = vaddr_mask(l);
		for (unsigned int i = 0; i < r; i++) {
			const struct xg_pt_level *o = &l->ranges[i].lv[lv];
			if (o->from == o->to)
				continue;
			if (v->from >= o->from && v->to <= o->to) {
				v->from = v->to = 0;
				break;
			}
			if (v->from >= o->from && v->from <= o->to)
				v->from = o->to + 1;
			if (v->to >= o->from && v->to <= o->to)
				v->to = o->from - 1;
		}
		if (v->from < v->to)
			v->count = ((v->to - v->from) >> table_shift((unsigned int)lv + 1)) + 1;
		m->tables += v->count;
	}
	return 0;
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
	l->p2m_pages = pages_for(nr_pages * l->pfn_size);
	/* As Xen's builder: an INIT_P2M address is used by 64-bit kernels
	 * only, and only below VIRT_BASE and page-aligned; otherwise the
	 * list is in the initial mapping after the kernel (and module). */
	l->p2m_separate = !l->pv32 && k->notes.init_p2m != XG_UNSET_ADDR && k->notes.init_p2m < k->virt_base &&
			  !(k->notes.init_p2m & (XG_PAGE_SIZE - 1));
	if (!l->p2m_separate) {
		l->p2m_pfn = next;
		next += l->p2m_pages;
	}
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
		count_range(l, 0, k->virt_base, last, 0);
		pages = l->ranges[0].tables + extra;
		if (alloc_end_va + pages * XG_PAGE_SIZE <= last + 1)
			break;
	}
	struct xg_pt_range *r0 = &l->ranges[0];
	l->nr_ranges = 1;
	for (unsigned int lv = 0; lv < l->levels; lv++)
		r0->lv[lv].pfn += next;
	l->nr_l1 = r0->lv[0].count;
	l->nr_l2 = r0->lv[1].count;
	l->nr_l3 = r0->lv[2].count;
	l->nr_l4 = l->pv32 ? 0 : r0->lv[3].count;
	l->pgtables_pfn = next;
	l->pgtables_pages = r0->tables;
	next += l->pgtables_pages;
	l->bootstack_pfn = next++;
	l->alloc_end_pfn = next;
	l->virt_end = last + 1;

	uint64_t mapped = (l->virt_end - k->virt_base) / XG_PAGE_SIZE;
	/* An unmapped module follows the initial mapping. */
	if (l->module_unmapped)
		l->module_pfn = mapped;
	uint64_t needed = l->module_unmapped ? mapped + l->module_pages : mapped;
	l->p2m_virt = l->virt_base + l->p2m_pfn * XG_PAGE_SIZE;
	if (l->p2m_separate) {
		/* The list and then its own page tables follow everything
		 * else; its mapping covers the list only. */
		l->p2m_pfn = needed;
		l->p2m_virt = k->notes.init_p2m;
		uint64_t p2m_last = l->p2m_virt + l->p2m_pages * XG_PAGE_SIZE - 1;
		if (p2m_last < l->p2m_virt || count_range(l, 1, l->p2m_virt, p2m_last, l->p2m_pfn)) {
			snprintf(err, errlen,
				 "the P2M list at the INIT_P2M address 0x%" PRIx64 " (%" PRIu64
				 " pages) would overlap the initial mapping",
				 l->p2m_virt, l->p2m_pages);
			return -EINVAL;
		}
		l->nr_ranges = 2;
		l->ranges[1].pfn = l->p2m_pfn;
		for (unsigned int lv = 0; lv < l->levels; lv++)
			l->ranges[1].lv[lv].pfn += l->p2m_pages;
		l->p2m_tables = l->ranges[1].tables;
		needed += l->p2m_pages + l->p2m_tables;
	}
	if (needed > nr_pages) {
		snprintf(err, errlen,
			 "%" PRIu64 " KiB of memory is too little: the kernel%s and its initial mapping%s need %" PRIu64
			 " KiB",
			 nr_pages * 4, l->module_pages ? ", its ramdisk" : "",
			 l->p2m_separate ? " and the P2M list at INIT_P2M" : "", needed * 4);
		return -ENOMEM;
	}
	return 0;
}

/* Page-table frames (of either range) are never mapped writable. */
static bool is_pagetable(const struct xg_pv_layout *l, uint64_t pfn)
{
	for (unsigned int r = 0; r < l->nr_ranges; r++) {
		uint64_t first = l->ranges[r].lv[l->levels - 1].pfn;
		if (pfn >= first && pfn < first + l->ranges[r].tables)
			return true;
	}
	return false;
}

static uint64_t entry_prot(const struct xg_pv_layout *l, unsigned int lv, uint64_t pfn)
{
	if (lv > 0)
		return PT_UPPER_PROT;
	return is_pagetable(l, pfn) ? PT_L1_PROT & ~PT_RW : PT_L1_PROT;
}

void xg_pv_write_pagetables(const struct xg_pv_layout *l, const uint64_t *p2m, xg_pfn_map_fn frame,
			    void *ctx)
{
	for (unsigned int r = 0; r < l->nr_ranges; r++) {
		uint64_t first = l->ranges[r].lv[l->levels - 1].pfn;
		for (uint64_t i = 0; i < l->ranges[r].tables; i++)
			memset(frame(ctx, first + i), 0, XG_PAGE_SIZE);
	}
	/* Each level's tables of each range point at what every range has
	 * below them within their span: the next level's tables, or (L1)
	 * the mapped pages.  A level's tables are consecutive frames, so
	 * entry p is entry p % 512 of its (p / 512)th table. */
	for (int lv = (int)l->levels - 1; lv >= 0; lv--) {
		unsigned int shift = table_shift((unsigned int)lv);
		for (unsigned int r1 = 0; r1 < l->nr_ranges; r1++) {
			const struct xg_pt_level *t = &l->ranges[r1].lv[lv];
			if (!t->count)
				continue;
			for (unsigned int r2 = 0; r2 < l->nr_ranges; r2++) {
				const struct xg_pt_range *m = &l->ranges[r2];
				struct xg_pt_level below = lv > 0 ? m->lv[lv - 1]
								  : (struct xg_pt_level){ m->from, m->to, m->pfn, 1 };
				if (!below.count || below.from >= t->to || below.to <= t->from)
					continue;
				uint64_t lo = below.from > t->from ? below.from : t->from;
				uint64_t hi = below.to < t->to ? below.to : t->to;
				uint64_t pfn = ((lo - below.from) >> shift) + below.pfn;
				for (uint64_t p = (lo - t->from) >> shift; p <= (hi - t->from) >> shift; p++, pfn++) {
					uint64_t *entries = frame(ctx, t->pfn + p / 512);
					entries[p % 512] = (p2m[pfn] << 12) | entry_prot(l, (unsigned int)lv, pfn);
				}
			}
		}
	}
}

static uint64_t pfn_va(const struct xg_pv_layout *l, uint64_t pfn)
{
	return l->virt_base + pfn * XG_PAGE_SIZE;
}

static void start_info64(const struct xg_pv_layout *l, const uint64_t *p2m, const struct xg_pv_start_info_args *a,
			 start_info_t *si)
{
	snprintf(si->magic, sizeof(si->magic), "%s", xg_pv_guest_type(l));
	si->nr_pages = l->nr_pages;
	si->shared_info = a->shared_info_mfn << 12;
	si->store_mfn = p2m[l->xenstore_pfn];
	si->console.domU.mfn = p2m[l->console_pfn];
	si->console.domU.evtchn = a->console_evtchn;
	si->store_evtchn = a->store_evtchn;
	si->pt_base = pfn_va(l, l->pgtables_pfn);
	si->nr_pt_frames = l->pgtables_pages;
	si->mfn_list = l->p2m_virt;
	/* As Xen's builder: only a P2M list at INIT_P2M has its frames
	 * (the list and the tables mapping it) named here. */
	if (l->p2m_separate) {
		si->first_p2m_pfn = l->p2m_pfn;
		si->nr_p2m_frames = l->p2m_pages + l->p2m_tables;
	}
	if (l->module_pages) {
		si->mod_start = l->module_unmapped ? l->module_pfn : pfn_va(l, l->module_pfn);
		si->mod_len = l->module_pages * XG_PAGE_SIZE;
		if (l->module_unmapped)
			si->flags |= SIF_MOD_START_PFN;
	}
	if (a->cmdline)
		snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s", a->cmdline);
}

/* struct compat_start_info: the same fields in 32-bit words; pt_base is
 * the virtual address of the L3. */
static void start_info32(const struct xg_pv_layout *l, const uint64_t *p2m, const struct xg_pv_start_info_args *a,
			 compat_start_info_t *si)
{
	snprintf(si->magic, sizeof(si->magic), "%s", xg_pv_guest_type(l));
	si->nr_pages = (uint32_t)l->nr_pages;
	si->shared_info = (uint32_t)(a->shared_info_mfn << 12);
	si->store_mfn = (uint32_t)p2m[l->xenstore_pfn];
	si->console.domU.mfn = (uint32_t)p2m[l->console_pfn];
	si->console.domU.evtchn = a->console_evtchn;
	si->store_evtchn = a->store_evtchn;
	si->pt_base = (uint32_t)pfn_va(l, l->pgtables_pfn);
	si->nr_pt_frames = (uint32_t)l->pgtables_pages;
	si->mfn_list = (uint32_t)l->p2m_virt; /* never at INIT_P2M: Xen's builder ignores it for pv32 */
	if (l->module_pages) {
		si->mod_start = (uint32_t)(l->module_unmapped ? l->module_pfn : pfn_va(l, l->module_pfn));
		si->mod_len = (uint32_t)(l->module_pages * XG_PAGE_SIZE);
		if (l->module_unmapped)
			si->flags |= SIF_MOD_START_PFN;
	}
	if (a->cmdline)
		snprintf((char *)si->cmd_line, sizeof(si->cmd_line), "%s", a->cmdline);
}

void xg_pv_write_start_info(const struct xg_pv_layout *l, const uint64_t *p2m,
			    const struct xg_pv_start_info_args *args, void *page)
{
	memset(page, 0, XG_PAGE_SIZE); /* flags: none yet */
	if (l->pv32)
		start_info32(l, p2m, args, page);
	else
		start_info64(l, p2m, args, page);
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
		fprintf(log, "  INIT_P2M = 0x%" PRIx64 "%s\n", n->init_p2m,
			!k->is_64bit ? " (ignored: a 32-bit kernel)"
			: n->init_p2m >= k->virt_base || (n->init_p2m & (XG_PAGE_SIZE - 1))
				? " (ignored: not a page below VIRT_BASE)"
				: "");
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
	if (!l->p2m_separate)
		region(log, "phys2mach", l, l->p2m_pfn, l->p2m_pages, p2m);
	region(log, "start info", l, l->start_info_pfn, 1, p2m);
	region(log, "xenstore", l, l->xenstore_pfn, 1, p2m);
	region(log, "console", l, l->console_pfn, 1, p2m);
	region(log, "page tables", l, l->pgtables_pfn, l->pgtables_pages, p2m);
	region(log, "boot stack", l, l->bootstack_pfn, 1, p2m);
	if (l->module_unmapped)
		region(log, "module", l, l->module_pfn, l->module_pages, p2m);
	if (l->p2m_separate) {
		fprintf(log, "  phys2mach   : 0x%016" PRIx64 " -> 0x%016" PRIx64 "  (pfn 0x%" PRIx64 " + 0x%" PRIx64
			" pages)",
			l->p2m_virt, l->p2m_virt + l->p2m_pages * XG_PAGE_SIZE, l->p2m_pfn, l->p2m_pages);
		if (p2m)
			fprintf(log, "  mfn 0x%" PRIx64, p2m[l->p2m_pfn]);
		const struct xg_pt_range *r = &l->ranges[1];
		fprintf(log, "\n  P2M tables  : pfn 0x%" PRIx64 " + 0x%" PRIx64 " (%" PRIu64 " L3, %" PRIu64 " L2, %" PRIu64
			" L1; not mapped); start_info first_p2m_pfn 0x%" PRIx64 ", nr_p2m_frames 0x%" PRIx64 "\n",
			l->p2m_pfn + l->p2m_pages, l->p2m_tables, r->lv[2].count, r->lv[1].count, r->lv[0].count,
			l->p2m_pfn, l->p2m_pages + l->p2m_tables);
	}
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
