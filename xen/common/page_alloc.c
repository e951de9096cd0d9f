#include "hv/page_alloc.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>

static unsigned int zone_of(uint64_t mfn)
{
	return mfn ? 64 - (unsigned int)__builtin_clzll(mfn) : 0;
}

/* The largest chunk a zone can hold: zone z spans 2^(z-1) frames. */
static unsigned int zone_max_order(unsigned int zone)
{
	unsigned int max = zone ? zone - 1 : 0;
	return max < HEAP_MAX_ORDER ? max : HEAP_MAX_ORDER;
}

static void list_push(struct heap *h, uint64_t mfn, unsigned int order)
{
	struct page_info *pg = &h->frames[mfn];
	uint64_t *head = &h->free_lists[zone_of(mfn)][order];
	pg->free_order = order;
	pg->prev = MFN_INVALID;
	pg->next = *head;
	if (*head != MFN_INVALID)
		h->frames[*head].prev = mfn;
	*head = mfn;
	atomic_store(&pg->count_info, PGC_FREE | PGC_FREE_HEAD);
}

static void list_remove(struct heap *h, uint64_t mfn)
{
	struct page_info *pg = &h->frames[mfn];
	uint64_t *head = &h->free_lists[zone_of(mfn)][pg->free_order];
	if (pg->prev != MFN_INVALID)
		h->frames[pg->prev].next = pg->next;
	else
		*head = pg->next;
	if (pg->next != MFN_INVALID)
		h->frames[pg->next].prev = pg->prev;
	atomic_store(&pg->count_info, PGC_FREE);
}

/* Insert a free chunk, merging it with its buddies while they are free. */
static void free_chunk(struct heap *h, uint64_t mfn, unsigned int order)
{
	unsigned int max = zone_max_order(zone_of(mfn));
	while (order < max) {
		uint64_t buddy = mfn ^ (1ull << order);
		if (buddy >= h->machine->nr_frames)
			break;
		struct page_info *b = &h->frames[buddy];
		uint64_t c = atomic_load(&b->count_info);
		if (!(c & PGC_FREE_HEAD) || b->free_order != order)
			break;
		list_remove(h, buddy);
		mfn &= ~(1ull << order);
		order++;
	}
	list_push(h, mfn, order);
}

int heap_init(struct heap *h, const struct machine *m, uint64_t quota_frames)
{
	memset(h, 0, sizeof(*h));
	pthread_mutex_init(&h->lock, NULL);
	h->machine = m;
	/* Sparse: only entries that are touched cost host memory. */
	size_t bytes = m->nr_frames * sizeof(struct page_info);
	h->frames = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
			 -1, 0);
	if (h->frames == MAP_FAILED) {
		h->frames = NULL;
		return -errno;
	}
	for (unsigned int z = 0; z < HEAP_NR_ZONES; z++)
		for (unsigned int o = 0; o <= HEAP_MAX_ORDER; o++)
			h->free_lists[z][o] = MFN_INVALID;

	for (unsigned int r = 0; r < m->nr_regions; r++) {
		uint64_t mfn = m->regions[r].start_mfn;
		uint64_t end = mfn + m->regions[r].nr_frames;
		while (mfn < end) {
			unsigned int order = zone_max_order(zone_of(mfn));
			while (order && ((mfn & ((1ull << order) - 1)) || mfn + (1ull << order) > end))
				order--;
			free_chunk(h, mfn, order);
			mfn += 1ull << order;
		}
	}
	h->free_frames = m->ram_frames;
	h->quota_frames = quota_frames < m->ram_frames ? quota_frames : m->ram_frames;
	return 0;
}

void heap_destroy(struct heap *h)
{
	if (h->frames)
		munmap(h->frames, h->machine->nr_frames * sizeof(struct page_info));
	pthread_mutex_destroy(&h->lock);
	h->frames = NULL;
}

uint64_t heap_alloc(struct heap *h, unsigned int order, unsigned int address_bits, uint32_t owner)
{
	if (order > HEAP_MAX_ORDER)
		return MFN_INVALID;
	unsigned int top = HEAP_NR_ZONES - 1;
	if (address_bits) {
		if (address_bits <= PAGE_SHIFT)
			return MFN_INVALID;
		/* Frames below 2^(address_bits - 12) lie in zones up to that number. */
		if (address_bits - PAGE_SHIFT < top)
			top = address_bits - PAGE_SHIFT;
	}

	pthread_mutex_lock(&h->lock);
	uint64_t mfn = MFN_INVALID;
	unsigned int found = 0;
	if (h->used_frames + (1ull << order) > h->quota_frames)
		goto out;
	for (int z = (int)top; z >= 0 && mfn == MFN_INVALID; z--) {
		for (unsigned int o = order; o <= zone_max_order((unsigned int)z); o++) {
			if (h->free_lists[z][o] != MFN_INVALID) {
				mfn = h->free_lists[z][o];
				found = o;
				break;
			}
		}
	}
	if (mfn == MFN_INVALID)
		goto out;
	list_remove(h, mfn);
	/* Hand back the upper halves, keep the lowest part. */
	while (found > order) {
		found--;
		list_push(h, mfn + (1ull << found), found);
	}
	for (uint64_t i = 0; i < (1ull << order); i++) {
		struct page_info *pg = &h->frames[mfn + i];
		atomic_store(&pg->type_info, PGT_none);
		atomic_store(&pg->owner, owner);
		atomic_store(&pg->count_info, PGC_ALLOCATED | 1);
		pg->tlbflush_stamp = 0;
	}
	h->free_frames -= 1ull << order;
	h->used_frames += 1ull << order;
out:
	pthread_mutex_unlock(&h->lock);
	return mfn;
}

void heap_free_range(struct heap *h, uint64_t mfn, uint64_t count)
{
	if (!count)
		return;
	machine_discard(h->machine, mfn, count);
	pthread_mutex_lock(&h->lock);
	for (uint64_t i = 0; i < count; i++) {
		struct page_info *pg = &h->frames[mfn + i];
		atomic_store(&pg->owner, OWNER_NONE);
		atomic_store(&pg->type_info, PGT_none);
		if (h->m2p)
			atomic_store(&h->m2p[mfn + i], UINT64_MAX);
		if (mfn + i < h->compat_m2p_entries)
			atomic_store(&h->compat_m2p[mfn + i], UINT32_MAX);
		free_chunk(h, mfn + i, 0);
	}
	h->free_frames += count;
	h->used_frames -= count;
	pthread_mutex_unlock(&h->lock);
}

uint64_t heap_free_frames(struct heap *h)
{
	pthread_mutex_lock(&h->lock);
	uint64_t n = h->free_frames;
	pthread_mutex_unlock(&h->lock);
	return n;
}

uint64_t heap_used_frames(struct heap *h)
{
	pthread_mutex_lock(&h->lock);
	uint64_t n = h->used_frames;
	pthread_mutex_unlock(&h->lock);
	return n;
}
