#include "hv/guest_walk.h"

#include <stdatomic.h>
#include <stddef.h>

#include "hv/exec.h"

/* Bits 51..MAXPHYADDR are reserved in every entry; we treat machine
 * addresses as 52-bit, so only the PSE bit below L1 is reserved for PV. */
int guest_walk(frame_lookup_fn lookup, void *ctx, uint64_t cr3, uint64_t va, unsigned int access,
	       bool set_ad, struct walk_result *r)
{
	uint32_t pfec_base = 0;
	if (access & WALK_WRITE)
		pfec_base |= X86_PFEC_WRITE;
	if (access & WALK_USER)
		pfec_base |= X86_PFEC_USER;
	if (access & WALK_FETCH)
		pfec_base |= X86_PFEC_FETCH;

	r->frame_missing = 0;
	r->pf_error = pfec_base;
	if (!va_is_canonical(va)) {
		/* Not a page fault: callers treat a non-canonical address as #GP. */
		r->pf_error = 0;
		return -1;
	}

	uint64_t table = cr3 & PTE_ADDR_MASK;
	bool writable = true, user = true, exec = true;
	_Atomic uint64_t *entries[4];
	uint64_t values[4];

	for (int level = 3; level >= 0; level--) {
		uint8_t *page = lookup(ctx, table >> 12);
		if (!page) {
			r->frame_missing = 1;
			r->missing_mfn = table >> 12;
			return -1;
		}
		unsigned int index = (va >> (12 + 9 * level)) & 511;
		_Atomic uint64_t *slot = (_Atomic uint64_t *)(page + index * 8);
		uint64_t e = atomic_load_explicit(slot, memory_order_relaxed);
		if (!(e & PTE_PRESENT))
			return -1;
		if (level > 0 && (e & PTE_PSE)) {
			r->pf_error |= X86_PFEC_PRESENT | X86_PFEC_RSVD;
			return -1;
		}
		writable = writable && (e & PTE_RW);
		user = user && (e & PTE_USER);
		exec = exec && !(e & PTE_NX);
		entries[level] = slot;
		values[level] = e;
		table = e & PTE_ADDR_MASK;
	}

	r->pf_error |= X86_PFEC_PRESENT;
	if ((access & WALK_USER) && !user)
		return -1;
	if ((access & WALK_WRITE) && !writable)
		return -1;
	if ((access & WALK_FETCH) && !exec)
		return -1;
	if (!lookup(ctx, table >> 12)) {
		r->frame_missing = 1;
		r->missing_mfn = table >> 12;
		return -1;
	}

	if (set_ad) {
		for (int level = 3; level >= 0; level--) {
			uint64_t want = PTE_ACCESSED;
			if (level == 0 && (access & WALK_WRITE))
				want |= PTE_DIRTY;
			if ((values[level] & want) != want)
				atomic_fetch_or_explicit(entries[level], want, memory_order_relaxed);
		}
	}

	r->pf_error = 0;
	r->maddr = table | (va & 0xfff);
	return 0;
}
