/* The machine-to-physical table (hv/m2p.h). */
#include <errno.h>
#include <string.h>

#include "hv/hypervisor.h"
#include "hv/m2p.h"

static uint64_t first_mfn = MFN_INVALID, nr_frames;

int m2p_init(void)
{
	uint64_t pages = (hv->machine.nr_frames * sizeof(uint64_t) + PAGE_SIZE - 1) / PAGE_SIZE;
	unsigned int order = 0;
	while ((1ull << order) < pages)
		order++;
	if (order > HEAP_MAX_ORDER)
		return -E2BIG;
	uint64_t mfn = heap_alloc(&hv->heap, order, 0, OWNER_HYPERVISOR);
	if (mfn == MFN_INVALID)
		return -ENOMEM;
	/* The buddy chunk's tail beyond the table goes straight back. */
	heap_free_range(&hv->heap, mfn + pages, (1ull << order) - pages);
	first_mfn = mfn;
	nr_frames = pages;
	memset(machine_frame(&hv->machine, mfn), 0xff, pages * PAGE_SIZE);
	hv->heap.m2p = machine_frame(&hv->machine, mfn);
	return 0;
}

void m2p_fini(void)
{
	if (first_mfn == MFN_INVALID)
		return;
	hv->heap.m2p = NULL;
	heap_free_range(&hv->heap, first_mfn, nr_frames);
	first_mfn = MFN_INVALID;
	nr_frames = 0;
}

void m2p_set(uint64_t mfn, uint64_t gpfn)
{
	if (hv->heap.m2p && mfn < hv->machine.nr_frames)
		atomic_store(&hv->heap.m2p[mfn], gpfn);
}

uint64_t m2p_get(uint64_t mfn)
{
	if (!hv->heap.m2p || mfn >= hv->machine.nr_frames)
		return M2P_INVALID;
	return atomic_load(&hv->heap.m2p[mfn]);
}
