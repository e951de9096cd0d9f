/*
 * The frame table and the heap of free machine frames.
 *
 * Every MFN has a struct page_info.  Free frames live in a buddy allocator
 * split into zones by address width (zone z holds frames whose number has
 * z significant bits), as Xen's heap is: allocations are served from the
 * highest zone that has a chunk, and a caller that needs memory below an
 * address limit names it, so the search starts in the highest zone below
 * the limit.  Nothing is allocated elsewhere and moved afterwards.
 *
 * Locking: the heap has one mutex; page_info fields of allocated frames
 * are updated with atomics by their owner's code.
 */
#ifndef HV_PAGE_ALLOC_H
#define HV_PAGE_ALLOC_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

#include "hv/machine.h"

#define HEAP_MAX_ORDER 18
#define HEAP_NR_ZONES 64
#define MFN_INVALID UINT64_MAX

/* count_info: flags in the top bits, a reference count below. */
#define PGC_FREE (1ull << 63)          /* in the heap */
#define PGC_FREE_HEAD (1ull << 62)     /* first frame of a free chunk */
#define PGC_ALLOCATED (1ull << 61)     /* owned by a domain (or the hypervisor) */
#define PGC_COUNT_MASK ((1ull << 48) - 1)

/* type_info: what the frame is used as, and how many uses. */
#define PGT_TYPE_SHIFT 60
#define PGT_TYPE_MASK (15ull << PGT_TYPE_SHIFT)
#define PGT_none (0ull << PGT_TYPE_SHIFT)
#define PGT_l1_page_table (1ull << PGT_TYPE_SHIFT)
#define PGT_l2_page_table (2ull << PGT_TYPE_SHIFT)
#define PGT_l3_page_table (3ull << PGT_TYPE_SHIFT)
#define PGT_l4_page_table (4ull << PGT_TYPE_SHIFT)
#define PGT_seg_desc_page (5ull << PGT_TYPE_SHIFT)
#define PGT_writable_page (6ull << PGT_TYPE_SHIFT)
#define PGT_pinned (1ull << 59)
#define PGT_validated (1ull << 58)
/* With PGT_l2_page_table: a 32-bit PAE guest's L2 in its L3's slot 3, which
 * also holds the hypervisor's mappings (part of the type, as in Xen). */
#define PGT_pae_xen_l2 (1ull << 57)
/* A table whose validation stopped part-way (see page_info.nr_validated):
 * its one type reference is left for whoever gets the type next, who
 * carries on from there (Xen's PGT_partial). */
#define PGT_partial (1ull << 56)
#define PGT_COUNT_MASK ((1ull << 32) - 1)

/* Owner of frames that belong to no domain. */
#define OWNER_NONE 0xffffffffu
/* Owner of frames the hypervisor keeps for itself (stub, tables). */
#define OWNER_HYPERVISOR 0xfffffffeu

struct page_info {
	_Atomic uint64_t count_info;
	_Atomic uint64_t type_info;
	_Atomic uint32_t owner;
	union {
		uint32_t free_order;     /* on a free chunk's head */
		uint32_t tlbflush_stamp; /* allocated: see domain.tlb_epoch */
	};
	union {
		struct {
			uint64_t next, prev; /* free list links, as frame numbers */
		};
		/* Allocated, PGT_partial: entries [0, nr_validated) hold their
		 * references; PAGE_PARTIAL_CHILD: entry nr_validated holds a
		 * general reference on a table that is itself partial. */
		struct {
			uint32_t nr_validated;
			uint32_t partial_flags;
		};
	};
};
#define PAGE_PARTIAL_CHILD 1u

struct heap {
	pthread_mutex_t lock;
	const struct machine *machine;
	struct page_info *frames; /* the frame table: one entry per MFN */
	uint64_t free_lists[HEAP_NR_ZONES][HEAP_MAX_ORDER + 1];
	uint64_t free_frames;
	uint64_t quota_frames; /* most frames that may be allocated at once */
	uint64_t used_frames;
	/* The machine-to-physical table (hv/m2p.h), or NULL: a freed frame's
	 * entry becomes invalid, as it is no guest's frame any more. */
	_Atomic uint64_t *m2p;
	/* Its 32-bit copy for 32-bit PV guests: the first compat_m2p_entries
	 * machine frames. */
	_Atomic uint32_t *compat_m2p;
	uint64_t compat_m2p_entries;
};

int heap_init(struct heap *h, const struct machine *m, uint64_t quota_frames);
void heap_destroy(struct heap *h);

/*
 * Allocate 2^order contiguous frames below 2^address_bits bytes (0: no
 * limit) for owner.  Returns the first MFN or MFN_INVALID when no such
 * chunk exists or the quota would be exceeded.  The frames read as zeros.
 */
uint64_t heap_alloc(struct heap *h, unsigned int order, unsigned int address_bits, uint32_t owner);

/* Return frames [mfn, mfn + count) to the heap and their memory to the
 * host.  Each frame must have been allocated and not freed since. */
void heap_free_range(struct heap *h, uint64_t mfn, uint64_t count);

uint64_t heap_free_frames(struct heap *h);
uint64_t heap_used_frames(struct heap *h);

static inline struct page_info *mfn_to_page(const struct heap *h, uint64_t mfn)
{
	return &h->frames[mfn];
}

#endif
