/*
 * XG guest ABI: the PV console ring (start_info.console.domU.mfn).
 *
 * Two byte rings in one shared page: `in` carries input to the guest,
 * `out` its output.  Indexes run freely and wrap at 2^32; the producer
 * writes data, then advances its prod index; the consumer reads up to prod,
 * then advances cons; each side signals the console event channel after
 * moving its index.  Bytes waiting = prod - cons.
 */
#ifndef XG_PUBLIC_IO_CONSOLE_H
#define XG_PUBLIC_IO_CONSOLE_H

#include "../xen.h"

typedef uint32_t XENCONS_RING_IDX; /* a free-running ring index */

/* Position in `ring` (an array whose size is a power of two) of index idx. */
#define MASK_XENCONS_IDX(idx, ring) ((idx) & (sizeof(ring) - 1))

struct xencons_interface {
	char in[1024];  /* hypervisor/backend -> guest */
	char out[2048]; /* guest -> backend */
	XENCONS_RING_IDX in_cons, in_prod;   /* guest consumes, backend produces */
	XENCONS_RING_IDX out_cons, out_prod; /* backend consumes, guest produces */
};

XG_ABI_SIZE(struct xencons_interface, 3088, 3088)
XG_ABI_OFFSET(struct xencons_interface, out, 1024, 1024)
XG_ABI_OFFSET(struct xencons_interface, in_cons, 3072, 3072)
XG_ABI_OFFSET(struct xencons_interface, out_prod, 3084, 3084)

#endif
