/*
 * The xenstore, served by the hypervisor itself (xen/common/xenstore.c for
 * the tree and the protocol, xen/common/xenstore_ring.c for the guests'
 * rings).  docs/xenstore.md.
 *
 * Locking: one lock for the whole store (the tree, every connection, its
 * watches, transactions and queues).  It is outer to every domain lock
 * (releasing a ring's frame takes the domain lock under it) and is never
 * held while an event lock is taken: notifications are sent after it is
 * let go.
 */
#ifndef HV_XENSTORE_H
#define HV_XENSTORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "public/io/xs_wire.h"

struct domain;

/* Xen's xenstored defaults for an unprivileged domain. */
#define XS_QUOTA_NODES 1000   /* nodes a domain owns */
#define XS_QUOTA_WATCHES 128  /* watches of a connection */
#define XS_QUOTA_TRANS 10     /* transactions open at once */
#define XS_QUOTA_PERMS 5      /* entries of a node's permission list */
#define XS_QUOTA_NODESZ 2048  /* a node's record: value, children's names, permissions */
/* Transactions, store-wide, that may hold a copy of the tree (taken at a
 * transaction's first change): beyond it a transaction's commit is
 * EAGAIN.  docs/xenstore.md. */
#define XS_TRANS_COPIES 16
/* Answers waiting for a guest above which its requests wait in its ring,
 * and watch events above which further events for it are dropped. */
#define XS_OUTQ_PAUSE 8192
#define XS_OUTQ_MAX (64u << 10)

/* A client of the store: a guest's ring, the toolstack's control
 * connection, or a test's. */
struct xs_conn;

/* Empty the store: the root (owned by domain 0, no access for others) and
 * /local/domain/0 (name Domain-0).  Connections must all be gone. */
void xs_reset(void);
/* A connection for domid (privileged: the control domain's rights). */
struct xs_conn *xs_conn_new(uint32_t domid, bool privileged);
/* Drop its watches and transactions and free it. */
void xs_conn_free(struct xs_conn *c);

/* One request (header and hdr->len bytes of payload) from c; the answer
 * and any watch events go to the connections' output queues.  Caller
 * holds the store lock. */
void xs_process_locked(struct xs_conn *c, const struct xsd_sockmsg *hdr, const char *payload);
/* Take the first queued message of c into buf (room bytes): its size, 0
 * if none is queued, -ENOSPC if it does not fit. */
long xs_take_output_locked(struct xs_conn *c, void *buf, size_t room);
void xs_lock(void);
void xs_unlock(void);

/* The toolstack's request (XG_SYSCTL_xenstore): msg holds a header and
 * its payload (len bytes in all); the answer replaces it (at most room
 * bytes).  Its size, or a negative errno for a malformed request. */
long xs_control_request(void *msg, size_t len, size_t room);

/* Guests' rings (xenstore_ring.c). */
/* Serve the xenstore ring in frame mfn of d; *port: its event channel.
 * Fires @introduceDomain.  -EINVAL: not d's frame; -EACCES: typed
 * otherwise; -EEXIST: d has one; -ESRCH: d is dying. */
long xenstore_ring_attach(struct domain *d, uint64_t mfn, uint32_t *port);
/* The domain is being destroyed (no lock held, its vCPUs stopped): stop
 * serving its ring and give the frame back, drop its connection, remove
 * /local/domain/<id> and its /vm path, fire @releaseDomain. */
void xenstore_domain_destroy(struct domain *d);
/* Move what is queued for every ring (watch events a toolstack request
 * fired) into it and notify those that moved.  No lock held. */
void xenstore_kick_rings(void);
/* Free the connection with the domain. */
void xenstore_domain_free(struct domain *d);

/* Internal to the store (xenstore.c <-> xenstore_ring.c). */
struct xs_ring_ops {
	/* Move queued output into the connection's ring; true if anything
	 * moved (the guest gets an event). */
	bool (*flush)(struct xs_conn *c);
};
void xs_conn_set_ring(struct xs_conn *c, void *ring, const struct xs_ring_ops *ops);
void *xs_conn_ring(struct xs_conn *c);
/* Flush every connection with queued output; for each one whose ring
 * moved, call done(ring) (after which the caller notifies it). */
void xs_flush_all_locked(void (*moved)(void *ring, void *arg), void *arg);
/* Bytes of output waiting in c's queue. */
size_t xs_conn_outq_len(const struct xs_conn *c);
/* Copy up to len bytes of c's queued output (from its start) / drop n. */
size_t xs_conn_outq_peek(const struct xs_conn *c, char *buf, size_t len);
void xs_conn_outq_drop(struct xs_conn *c, size_t n);
/* Transactions holding a copy of the tree now (for the tests). */
unsigned int xs_trans_copies_locked(void);
/* Fire a special watch ("@introduceDomain", "@releaseDomain"). */
void xs_fire_special_locked(const char *path);
/* Remove what the store holds of a destroyed domain: its home and /vm
 * path, its ownership (given to domain 0) and its permission entries. */
void xs_domain_gone_locked(uint32_t domid);

#endif
