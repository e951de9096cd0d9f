/*
 * Walking a 64-bit PV guest's 4-level page tables, as the CPU would for an
 * access at CPL 3.  Used by the core to reach guest buffers named by
 * virtual address and by the emulating backend to translate every access.
 */
#ifndef HV_GUEST_WALK_H
#define HV_GUEST_WALK_H

#include <stdbool.h>
#include <stdint.h>

/* Returns the 4 KiB page of machine frame mfn if the walker may touch it
 * (the guest owns it or may otherwise reach it), else NULL. */
typedef uint8_t *(*frame_lookup_fn)(void *ctx, uint64_t mfn);

enum walk_access {
	WALK_READ = 0,
	WALK_WRITE = 1 << 0,
	WALK_USER = 1 << 1,  /* the access is made at CPL 3 */
	WALK_FETCH = 1 << 2, /* instruction fetch (checks NX) */
};

struct walk_result {
	uint64_t maddr;    /* machine address of the byte at va */
	uint32_t pf_error; /* x86 #PF error code when the walk fails */
	int frame_missing; /* nonzero: a table or the target frame is not reachable */
	uint64_t missing_mfn;
};

#define PTE_PRESENT (1ull << 0)
#define PTE_RW (1ull << 1)
#define PTE_USER (1ull << 2)
#define PTE_PWT (1ull << 3)
#define PTE_PCD (1ull << 4)
#define PTE_ACCESSED (1ull << 5)
#define PTE_DIRTY (1ull << 6)
#define PTE_PSE (1ull << 7)
#define PTE_GLOBAL (1ull << 8)
#define PTE_GNTTAB (1ull << 62) /* Xen keeps it for grant mappings */
#define PTE_NX (1ull << 63)
#define PTE_ADDR_MASK 0x000ffffffffff000ull

static inline bool va_is_canonical(uint64_t va)
{
	return (uint64_t)((int64_t)(va << 16) >> 16) == va;
}

/*
 * Translate va.  Returns 0 and fills r->maddr, or -1 with r->pf_error set
 * (a fault the guest would take) or r->frame_missing set (the tables lead
 * to a frame the lookup refused: the caller treats it as fatal).
 * Large pages (PSE) are reserved for PV guests and fault with RSVD.
 * When set_ad is true the accessed and dirty bits are set as hardware does.
 */
int guest_walk(frame_lookup_fn lookup, void *ctx, uint64_t cr3, uint64_t va, unsigned int access,
	       bool set_ad, struct walk_result *r);

#endif
