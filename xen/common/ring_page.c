/*
 * Frames the hypervisor serves as shared rings for a domain's lifetime
 * (the console's and the xenstore's): held as a backend's writable
 * foreign mapping holds them on Xen.  hv/pv.h.
 */
#include <errno.h>

#include "hv/domain.h"
#include "hv/page_alloc.h"
#include "hv/pv.h"

int pv_hold_ring_page(struct domain *d, uint64_t mfn)
{
	char why[160];
	if (d->is_dying)
		return -ESRCH;
	if (!pv_get_page(d, mfn))
		return -EINVAL; /* not a frame of the domain */
	if (pv_get_page_type(d, mfn, PGT_writable_page, why, sizeof(why))) {
		pv_put_page(d, mfn);
		return -EACCES; /* a page table or descriptor page */
	}
	return 0;
}

void pv_release_ring_page(struct domain *d, uint64_t mfn)
{
	pv_put_page_and_type(d, mfn);
}
