/* The machine-to-physical table and its read-only mapping (hv/m2p.h). */
#include <errno.h>
#include <string.h>

#include "hv/guest_walk.h"
#include "hv/hypervisor.h"
#include "hv/m2p.h"
#include "public/xen.h"

#define ENTRIES_PER_TABLE 512u

/* One allocation holds the table, then the tables that map it:
 * [first, first + table_frames) the M2P, then one L3, the L2s, the L1s;
 * then the compat table (compat_frames) and the L1s that map it. */
static uint64_t first_mfn = MFN_INVALID, table_frames, total_frames, l3_mfn;
static uint64_t compat_mfn, compat_frames, compat_l1_mfn, compat_nr_l1;

static uint64_t div_round_up(uint64_t n, uint64_t d)
{
	return (n + d - 1) / d;
}

/* The mapping is the same in every guest and never written by one: entries
 * are read-only at every level and pre-set accessed, so no CPU ever writes
 * to these tables either. */
static const uint64_t mapping_flags = PTE_PRESENT | PTE_USER | PTE_ACCESSED;

static void build_mapping(uint64_t nr_l2, uint64_t nr_l1)
{
	uint64_t l2_first = l3_mfn + 1, l1_first = l2_first + nr_l2;
	memset(machine_frame(&hv->machine, l3_mfn), 0, (1 + nr_l2 + nr_l1) * PAGE_SIZE);
	uint64_t *l3 = machine_frame(&hv->machine, l3_mfn);
	for (uint64_t i = 0; i < nr_l2; i++)
		l3[i] = ((l2_first + i) << PAGE_SHIFT) | mapping_flags;
	for (uint64_t i = 0; i < nr_l1; i++) {
		uint64_t *l2 = machine_frame(&hv->machine, l2_first + i / ENTRIES_PER_TABLE);
		l2[i % ENTRIES_PER_TABLE] = ((l1_first + i) << PAGE_SHIFT) | mapping_flags;
	}
	for (uint64_t i = 0; i < table_frames; i++) {
		uint64_t *l1 = machine_frame(&hv->machine, l1_first + i / ENTRIES_PER_TABLE);
		l1[i % ENTRIES_PER_TABLE] = ((first_mfn + i) << PAGE_SHIFT) | mapping_flags | PTE_NX;
	}
}

/* The compat mapping is only ever reached at CPL 1 (a 32-bit guest
 * kernel), so it is supervisor-only as in Xen; guest user code cannot read
 * it.  The L1s that map it come right after the compat table. */
static const uint64_t compat_mapping_flags = PTE_PRESENT | PTE_ACCESSED;

static void build_compat_mapping(void)
{
	memset(machine_frame(&hv->machine, compat_l1_mfn), 0, compat_nr_l1 * PAGE_SIZE);
	for (uint64_t i = 0; i < compat_frames; i++) {
		uint64_t *l1 = machine_frame(&hv->machine, compat_l1_mfn + i / ENTRIES_PER_TABLE);
		l1[i % ENTRIES_PER_TABLE] = ((compat_mfn + i) << PAGE_SHIFT) | compat_mapping_flags | PTE_NX;
	}
}

int m2p_init(void)
{
	uint64_t pages = div_round_up(hv->machine.nr_frames * sizeof(uint64_t), PAGE_SIZE);
	uint64_t nr_l1 = div_round_up(pages, ENTRIES_PER_TABLE);
	uint64_t nr_l2 = div_round_up(nr_l1, ENTRIES_PER_TABLE);
	/* The ABI gives the table one L4 slot's worth of address space. */
	if (pages * PAGE_SIZE > MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START)
		return -E2BIG;
	/* The compat table covers what fits below the end of its area; a
	 * 32-bit guest gets no frame above that (m2p_compat_limit). */
	uint64_t compat_entries = hv->machine.nr_frames;
	if (compat_entries > PV32_M2P_ENTRIES)
		compat_entries = PV32_M2P_ENTRIES;
	uint64_t cpages = div_round_up(compat_entries * sizeof(uint32_t), PAGE_SIZE);
	uint64_t cnr_l1 = div_round_up(cpages, ENTRIES_PER_TABLE);
	uint64_t total = pages + 1 + nr_l2 + nr_l1 + cpages + cnr_l1;
	unsigned int order = 0;
	while ((1ull << order) < total)
		order++;
	if (order > HEAP_MAX_ORDER)
		return -E2BIG;
	uint64_t mfn = heap_alloc(&hv->heap, order, 0, OWNER_HYPERVISOR);
	if (mfn == MFN_INVALID)
		return -ENOMEM;
	/* The buddy chunk's tail beyond what is needed goes straight back. */
	heap_free_range(&hv->heap, mfn + total, (1ull << order) - total);
	first_mfn = mfn;
	table_frames = pages;
	total_frames = total;
	l3_mfn = mfn + pages;
	memset(machine_frame(&hv->machine, mfn), 0xff, pages * PAGE_SIZE);
	build_mapping(nr_l2, nr_l1);
	compat_mfn = l3_mfn + 1 + nr_l2 + nr_l1;
	compat_frames = cpages;
	compat_l1_mfn = compat_mfn + cpages;
	compat_nr_l1 = cnr_l1;
	memset(machine_frame(&hv->machine, compat_mfn), 0xff, cpages * PAGE_SIZE);
	build_compat_mapping();
	hv->heap.m2p = machine_frame(&hv->machine, mfn);
	hv->heap.compat_m2p = machine_frame(&hv->machine, compat_mfn);
	hv->heap.compat_m2p_entries = compat_entries;
	return 0;
}

void m2p_fini(void)
{
	if (first_mfn == MFN_INVALID)
		return;
	hv->heap.m2p = NULL;
	hv->heap.compat_m2p = NULL;
	hv->heap.compat_m2p_entries = 0;
	heap_free_range(&hv->heap, first_mfn, total_frames);
	first_mfn = MFN_INVALID;
	table_frames = total_frames = 0;
}

void m2p_set(uint64_t mfn, uint64_t gpfn)
{
	if (hv->heap.m2p && mfn < hv->machine.nr_frames)
		atomic_store(&hv->heap.m2p[mfn], gpfn);
	/* Xen's compat entries are the low 32 bits, invalid staying invalid. */
	if (mfn < hv->heap.compat_m2p_entries)
		atomic_store(&hv->heap.compat_m2p[mfn], gpfn == M2P_INVALID ? UINT32_MAX : (uint32_t)gpfn);
}

uint64_t m2p_get(uint64_t mfn)
{
	if (!hv->heap.m2p || mfn >= hv->machine.nr_frames)
		return M2P_INVALID;
	return atomic_load(&hv->heap.m2p[mfn]);
}

bool m2p_frames(uint64_t *first, uint64_t *count)
{
	if (first_mfn == MFN_INVALID)
		return false;
	*first = first_mfn;
	*count = total_frames;
	return true;
}

uint64_t m2p_l4_entry(void)
{
	return first_mfn == MFN_INVALID ? 0 : (l3_mfn << PAGE_SHIFT) | mapping_flags;
}

uint64_t m2p_table_mfn(uint64_t i)
{
	return first_mfn == MFN_INVALID || i >= table_frames ? MFN_INVALID : first_mfn + i;
}

uint64_t m2p_table_size(void)
{
	return table_frames * PAGE_SIZE;
}

uint64_t m2p_compat_l2_entry(unsigned int i)
{
	if (first_mfn == MFN_INVALID || i >= compat_nr_l1)
		return 0;
	return ((compat_l1_mfn + i) << PAGE_SHIFT) | compat_mapping_flags;
}

uint64_t m2p_compat_limit(void)
{
	return hv->heap.compat_m2p_entries;
}

uint64_t m2p_compat_table_mfn(uint64_t i)
{
	return first_mfn == MFN_INVALID || i >= compat_frames ? MFN_INVALID : compat_mfn + i;
}
