/*
 * Guests' xenstore rings (start_info.store_mfn/store_evtchn), served by the
 * hypervisor in place of xenstored.  The builder names the ring's frame
 * (XG_DOMCTL_xenstore_attach); the hypervisor holds it for the domain's
 * lifetime and binds a port to it.  When the guest notifies the port its
 * requests are read (a message may arrive in pieces: the bytes are kept
 * until it is whole), processed, and the answers and watch events queued
 * for any connection are moved into their rings.  docs/xenstore.md.
 *
 * The page is the guest's to scribble on.  Indexes are read once; a ring
 * whose indexes are more than its size apart, or a message longer than
 * XENSTORE_PAYLOAD_MAX, makes the store stop serving that ring (as
 * xenstored ignores such a connection): `error` in the page says why.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/domain.h"
#include "hv/event.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "hv/xenstore.h"

struct xs_ring {
	struct domain *d;
	struct xs_conn *conn;
	uint64_t mfn; /* MFN_INVALID once released; under the store lock */
	uint32_t port;
	bool ignored; /* the guest broke the protocol: no longer served */
	/* The message being read: header, then payload. */
	struct xsd_sockmsg hdr;
	uint32_t have; /* bytes of header + payload read so far */
	char payload[XENSTORE_PAYLOAD_MAX];
};

static void guest_notified(struct domain *d, void *arg);

static const struct evtchn_host_service xenstore_service = {
	.name = "xenstore",
	.notify = guest_notified,
};

static struct xenstore_domain_interface *page(struct xs_ring *r)
{
	return machine_frame(&hv->machine, r->mfn);
}

static void stop_serving(struct xs_ring *r, uint32_t error, const char *why)
{
	r->ignored = true;
	__atomic_store_n(&page(r)->error, error, __ATOMIC_RELEASE);
	printk("d%u: xenstore ring: %s; the ring is no longer served\n", r->d->id, why);
}

/* Read what the guest wrote; process each whole message while the
 * answers waiting for it are few.  True if req_cons moved. */
static bool read_requests(struct xs_ring *r)
{
	struct xenstore_domain_interface *intf = page(r);
	bool moved = false;
	while (!r->ignored && xs_conn_outq_len(r->conn) < XS_OUTQ_PAUSE) {
		uint32_t cons = __atomic_load_n(&intf->req_cons, __ATOMIC_RELAXED);
		uint32_t prod = __atomic_load_n(&intf->req_prod, __ATOMIC_ACQUIRE);
		uint32_t avail = prod - cons;
		if (avail > XENSTORE_RING_SIZE) {
			stop_serving(r, XENSTORE_ERROR_RINGIDX, "request indexes impossible");
			break;
		}
		if (!avail)
			break;
		uint32_t want = r->have < sizeof(r->hdr) ? (uint32_t)sizeof(r->hdr) - r->have
							  : (uint32_t)sizeof(r->hdr) + r->hdr.len - r->have;
		uint32_t n = avail < want ? avail : want;
		for (uint32_t i = 0; i < n; i++) {
			char b = __atomic_load_n(&intf->req[MASK_XENSTORE_IDX(cons + i)], __ATOMIC_RELAXED);
			if (r->have < sizeof(r->hdr))
				((char *)&r->hdr)[r->have] = b;
			else
				r->payload[r->have - sizeof(r->hdr)] = b;
			r->have++;
		}
		__atomic_store_n(&intf->req_cons, cons + n, __ATOMIC_RELEASE);
		moved = true;
		if (r->have == sizeof(r->hdr) && r->hdr.len > XENSTORE_PAYLOAD_MAX) {
			stop_serving(r, XENSTORE_ERROR_PROTO, "message longer than XENSTORE_PAYLOAD_MAX");
			break;
		}
		if (r->have >= sizeof(r->hdr) && r->have == sizeof(r->hdr) + r->hdr.len) {
			xs_process_locked(r->conn, &r->hdr, r->payload);
			r->have = 0;
		}
	}
	return moved;
}

/* Move queued output into rsp[]: true if rsp_prod moved. */
static bool flush(struct xs_conn *c)
{
	struct xs_ring *r = xs_conn_ring(c);
	if (r->ignored || r->mfn == MFN_INVALID)
		return false;
	struct xenstore_domain_interface *intf = page(r);
	uint32_t cons = __atomic_load_n(&intf->rsp_cons, __ATOMIC_ACQUIRE);
	uint32_t prod = __atomic_load_n(&intf->rsp_prod, __ATOMIC_RELAXED);
	if (prod - cons > XENSTORE_RING_SIZE) {
		stop_serving(r, XENSTORE_ERROR_RINGIDX, "answer indexes impossible");
		return false;
	}
	uint32_t room = XENSTORE_RING_SIZE - (prod - cons);
	char buf[XENSTORE_RING_SIZE];
	size_t n = xs_conn_outq_peek(c, buf, room);
	if (!n)
		return false;
	for (size_t i = 0; i < n; i++)
		__atomic_store_n(&intf->rsp[MASK_XENSTORE_IDX(prod + (uint32_t)i)], buf[i], __ATOMIC_RELAXED);
	__atomic_store_n(&intf->rsp_prod, prod + (uint32_t)n, __ATOMIC_RELEASE);
	xs_conn_outq_drop(c, n);
	return true;
}

static const struct xs_ring_ops ring_ops = { .flush = flush };

/* Rings to notify once the store lock is let go; each holds a reference
 * on its domain so the port table outlives the notification. */
struct notify_list {
	struct xs_ring *v[64];
	unsigned int n;
	bool overflow;
};

static void add_notify(void *ring, void *arg)
{
	struct notify_list *l = arg;
	struct xs_ring *r = ring;
	for (unsigned int i = 0; i < l->n; i++)
		if (l->v[i] == r)
			return;
	if (l->n == sizeof(l->v) / sizeof(l->v[0])) {
		l->overflow = true;
		return;
	}
	atomic_fetch_add(&r->d->refcnt, 1);
	l->v[l->n++] = r;
}

static void send_notifications(struct notify_list *l)
{
	for (unsigned int i = 0; i < l->n; i++) {
		struct xs_ring *r = l->v[i];
		evtchn_notify_from_host(r->d, r->port, &xenstore_service, r);
		domain_put(r->d);
	}
	l->n = 0;
}

/* Flush every ring and notify those that moved, in rounds of as many as
 * the list holds (the store lock is let go between rounds). */
static void flush_and_notify(struct notify_list *l)
{
	do {
		l->overflow = false;
		xs_lock();
		xs_flush_all_locked(add_notify, l);
		xs_unlock();
		send_notifications(l);
	} while (l->overflow);
}

static void guest_notified(struct domain *d, void *arg)
{
	(void)d;
	struct xs_ring *r = arg;
	struct notify_list l = { .n = 0 };
	xs_lock();
	if (r->mfn != MFN_INVALID && !r->ignored && read_requests(r))
		add_notify(r, &l); /* the guest may wait for room in req[] */
	xs_unlock();
	send_notifications(&l);
	flush_and_notify(&l);
}

void xenstore_kick_rings(void)
{
	struct notify_list l = { .n = 0 };
	flush_and_notify(&l);
}

long xenstore_ring_attach(struct domain *d, uint64_t mfn, uint32_t *port)
{
	struct xs_ring *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->d = d;
	r->mfn = mfn;
	pthread_mutex_lock(&d->lock);
	long rc = d->xenstore_ring && !d->is_dying ? -EEXIST : pv_hold_ring_page(d, mfn);
	pthread_mutex_unlock(&d->lock);
	if (rc) {
		free(r);
		return rc;
	}
	r->conn = xs_conn_new(d->id, d->is_privileged);
	int p = r->conn ? evtchn_bind_host_service(d, &xenstore_service, r) : -ENOMEM;
	xs_lock();
	pthread_mutex_lock(&d->lock);
	if (p < 0 || d->is_dying || d->xenstore_ring) {
		/* The port, if any, goes with the domain's other ports. */
		pv_release_ring_page(d, mfn);
		pthread_mutex_unlock(&d->lock);
		xs_unlock();
		xs_conn_free(r->conn);
		free(r);
		return p < 0 ? p : d->is_dying ? -ESRCH : -EEXIST;
	}
	r->port = (uint32_t)p;
	xs_conn_set_ring(r->conn, r, &ring_ops);
	__atomic_store_n(&d->xenstore_ring, r, __ATOMIC_RELEASE);
	pthread_mutex_unlock(&d->lock);
	xs_fire_special_locked("@introduceDomain");
	xs_unlock();
	*port = r->port;
	struct notify_list l = { .n = 0 };
	flush_and_notify(&l);
	return 0;
}

void xenstore_domain_destroy(struct domain *d)
{
	xs_lock();
	struct xs_ring *r = d->xenstore_ring;
	if (r) {
		pthread_mutex_lock(&d->lock);
		if (r->mfn != MFN_INVALID) {
			pv_release_ring_page(d, r->mfn);
			r->mfn = MFN_INVALID;
		}
		pthread_mutex_unlock(&d->lock);
	}
	xs_domain_gone_locked(d->id);
	xs_fire_special_locked("@releaseDomain");
	xs_unlock();
	if (r) {
		/* Its watches and transactions go with it. */
		xs_conn_free(r->conn);
		r->conn = NULL;
	}
	struct notify_list l = { .n = 0 };
	flush_and_notify(&l);
}

void xenstore_domain_free(struct domain *d)
{
	free(d->xenstore_ring);
	d->xenstore_ring = NULL;
}
