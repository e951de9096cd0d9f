/*
 * The console ring: the backend side of a guest's PV console
 * (start_info.console.domU), which on Xen is xenconsoled in the control
 * domain and here is the hypervisor itself.  The builder names the ring's
 * frame (XG_DOMCTL_console_attach); the hypervisor holds it as a writable
 * page for the domain's lifetime and binds a port to it.  Output is moved
 * into the domain's console history when the guest notifies the port,
 * yields, shuts down or crashes; input comes from the toolstack
 * (XG_DOMCTL_console_write).  docs/console.md has the protocol.
 *
 * Everything in the shared page is the guest's to scribble on: indexes
 * are read once, checked (at most a ring's size apart) and never trusted
 * to address anything but the ring's own bytes.
 */
#include "hv/console_ring.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/event.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/io/console.h"

struct console_ring {
	/* Inner to the domain lock; the history's and the log's locks are
	 * inner to it.  Never held while an event lock is taken. */
	pthread_mutex_t lock;
	uint64_t mfn; /* the ring's frame, holding a writable type reference; MFN_INVALID once released */
	uint32_t port;
	bool broken_reported; /* the guest's indexes were found impossible (logged once) */
};

static void guest_notified(struct domain *d, void *arg);

static const struct evtchn_host_service console_service = {
	.name = "console",
	.notify = guest_notified,
};

static struct xencons_interface *ring_page(struct console_ring *cr)
{
	return machine_frame(&hv->machine, cr->mfn);
}

static void report_broken(struct domain *d, struct console_ring *cr, const char *which, uint32_t cons,
			  uint32_t prod)
{
	if (cr->broken_reported)
		return;
	cr->broken_reported = true;
	printk("d%u: console ring: %s indexes impossible (cons %u, prod %u); ignored until the guest mends them\n",
	       d->id, which, cons, prod);
}

/* Move the guest's output into its history; true if anything was taken
 * (the guest may be waiting for room).  Caller holds cr->lock. */
static bool drain_locked(struct domain *d, struct console_ring *cr)
{
	if (cr->mfn == MFN_INVALID)
		return false;
	struct xencons_interface *intf = ring_page(cr);
	uint32_t cons = __atomic_load_n(&intf->out_cons, __ATOMIC_RELAXED);
	uint32_t prod = __atomic_load_n(&intf->out_prod, __ATOMIC_ACQUIRE); /* the bytes before prod */
	uint32_t avail = prod - cons;
	if (avail == 0)
		return false;
	if (avail > sizeof(intf->out)) {
		report_broken(d, cr, "output", cons, prod);
		return false;
	}
	char bytes[sizeof(intf->out)];
	for (uint32_t i = 0; i < avail; i++)
		bytes[i] = __atomic_load_n(&intf->out[MASK_XENCONS_IDX(cons + i, intf->out)], __ATOMIC_RELAXED);
	/* The guest may reuse the room only after we read the bytes. */
	__atomic_store_n(&intf->out_cons, prod, __ATOMIC_RELEASE);
	text_ring_write(&d->console, bytes, avail);
	printk_guest_output(d->id, bytes, avail);
	return true;
}

static void service(struct domain *d, struct console_ring *cr, bool notify)
{
	pthread_mutex_lock(&cr->lock);
	bool took = drain_locked(d, cr);
	pthread_mutex_unlock(&cr->lock);
	if (took && notify)
		evtchn_notify_from_host(d, cr->port, &console_service, cr);
}

static void guest_notified(struct domain *d, void *arg)
{
	service(d, arg, true);
}

static struct console_ring *ring_of(struct domain *d)
{
	return __atomic_load_n(&d->console_ring, __ATOMIC_ACQUIRE);
}

long console_ring_attach(struct domain *d, uint64_t mfn, uint32_t *port)
{
	struct console_ring *cr = calloc(1, sizeof(*cr));
	if (!cr)
		return -ENOMEM;
	pthread_mutex_init(&cr->lock, NULL);
	cr->mfn = mfn;
	long rc;
	pthread_mutex_lock(&d->lock);
	if (d->console_ring && !d->is_dying)
		rc = -EEXIST;
	else
		rc = pv_hold_ring_page(d, mfn);
	pthread_mutex_unlock(&d->lock);
	if (rc) {
		pthread_mutex_destroy(&cr->lock);
		free(cr);
		return rc;
	}
	int p = evtchn_bind_host_service(d, &console_service, cr);
	pthread_mutex_lock(&d->lock);
	if (p < 0 || d->is_dying) {
		/* The port, if any, goes with the domain's other ports. */
		pv_release_ring_page(d, mfn);
		pthread_mutex_unlock(&d->lock);
		pthread_mutex_destroy(&cr->lock);
		free(cr);
		return p < 0 ? p : -ESRCH;
	}
	cr->port = (uint32_t)p;
	__atomic_store_n(&d->console_ring, cr, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&d->lock);
	*port = cr->port;
	return 0;
}

void console_ring_poll(struct domain *d)
{
	struct console_ring *cr = ring_of(d);
	if (cr)
		service(d, cr, true);
}

void console_ring_flush(struct domain *d)
{
	struct console_ring *cr = ring_of(d);
	if (cr)
		service(d, cr, false);
}

long console_ring_write_input(struct domain *d, const char *buf, size_t len)
{
	struct console_ring *cr = ring_of(d);
	if (!cr)
		return -ENODEV;
	pthread_mutex_lock(&cr->lock);
	long rc;
	if (cr->mfn == MFN_INVALID) {
		rc = -ESRCH;
	} else {
		struct xencons_interface *intf = ring_page(cr);
		uint32_t cons = __atomic_load_n(&intf->in_cons, __ATOMIC_ACQUIRE); /* it is done with the bytes before cons */
		uint32_t prod = __atomic_load_n(&intf->in_prod, __ATOMIC_RELAXED);
		uint32_t queued = prod - cons;
		if (queued > sizeof(intf->in)) {
			report_broken(d, cr, "input", cons, prod);
			rc = -EIO;
		} else {
			size_t n = sizeof(intf->in) - queued;
			if (n > len)
				n = len;
			for (size_t i = 0; i < n; i++)
				__atomic_store_n(&intf->in[MASK_XENCONS_IDX(prod + (uint32_t)i, intf->in)], buf[i],
						 __ATOMIC_RELAXED);
			__atomic_store_n(&intf->in_prod, prod + (uint32_t)n, __ATOMIC_RELEASE);
			rc = (long)n;
		}
	}
	pthread_mutex_unlock(&cr->lock);
	if (rc > 0)
		evtchn_notify_from_host(d, cr->port, &console_service, cr);
	return rc;
}

void console_ring_release_locked(struct domain *d)
{
	struct console_ring *cr = d->console_ring;
	if (!cr)
		return;
	pthread_mutex_lock(&cr->lock);
	if (cr->mfn != MFN_INVALID) {
		drain_locked(d, cr);
		pv_release_ring_page(d, cr->mfn);
		cr->mfn = MFN_INVALID;
	}
	pthread_mutex_unlock(&cr->lock);
}

void console_ring_free(struct domain *d)
{
	struct console_ring *cr = d->console_ring;
	if (!cr)
		return;
	pthread_mutex_destroy(&cr->lock);
	free(cr);
	d->console_ring = NULL;
}
