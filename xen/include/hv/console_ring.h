/*
 * The hypervisor as the backend of guests' PV console rings
 * (xen/common/console_ring.c, docs/console.md).
 */
#ifndef HV_CONSOLE_RING_H
#define HV_CONSOLE_RING_H

#include <stddef.h>
#include <stdint.h>

#include "hv/domain.h"

/* Serve the ring in frame mfn of d (the toolstack's call, once per
 * domain): hold the frame as a writable page, bind a port for it (*port).
 * -EINVAL: not d's frame; -EACCES: it is typed otherwise (a page table);
 * -EEXIST: d already has one. */
long console_ring_attach(struct domain *d, uint64_t mfn, uint32_t *port);
/* Take what the guest wrote and tell it there is room (SCHEDOP_yield). */
void console_ring_poll(struct domain *d);
/* Take what the guest wrote, without an event: it is stopping. */
void console_ring_flush(struct domain *d);
/* Queue input for the guest: bytes taken (0 when its ring is full),
 * -ENODEV without a ring, -EIO when the guest broke the ring's indexes,
 * -ESRCH once the domain is dying. */
long console_ring_write_input(struct domain *d, const char *buf, size_t len);
/* Drain a last time and give the frame back; caller holds d->lock (the
 * domain is being destroyed, before its frames are freed). */
void console_ring_release_locked(struct domain *d);
/* Free the ring's state with the domain. */
void console_ring_free(struct domain *d);

#endif
