/*
 * Event channels with Xen's semantics (xen/common/event_channel.c):
 * HYPERVISOR_event_channel_op and the ports behind it.  The bits in
 * shared_info are event_2l.c's; docs/events.md has the model.
 *
 * A domain's ports live in buckets of 64 that are allocated as ports are
 * needed and never move or go away before the domain is freed, so a port
 * below `valid` can be looked at without racing a reallocation.  Every
 * port operation holds the domain's event lock; an interdomain bind or
 * close holds both domains' locks, the lower domain id's first.  A send
 * on an interdomain port holds only the sender's lock: the connection
 * cannot change under it (closing either end needs both locks) and the
 * peer cannot finish dying (its destruction closes this port first).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "hv/event.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "public/event_channel.h"
#include "public/xen.h"

_Static_assert(DOMAIN_NR_VIRQS == NR_VIRQS, "virq_to_evtchn covers every VIRQ");

enum {
	ECS_FREE,
	ECS_RESERVED, /* port 0 */
	ECS_UNBOUND,
	ECS_INTERDOMAIN,
	ECS_VIRQ,
	ECS_IPI,
	ECS_HOST, /* connected to a service of the hypervisor (evtchn_bind_host_service) */
};

struct evtchn {
	uint8_t state;
	uint32_t notify_vcpu;
	union {
		uint16_t remote_domid; /* ECS_UNBOUND: who may bind */
		struct {
			struct domain *dom;
			uint32_t port;
		} interdomain;
		uint32_t virq;
		struct {
			const struct evtchn_host_service *svc;
			void *arg;
		} host;
	} u;
};

#define EVTCHNS_PER_BUCKET 64
#define MAX_BUCKETS (EVTCHN_2L_NR_CHANNELS / EVTCHNS_PER_BUCKET)

struct evtchn_domain {
	pthread_mutex_t lock;
	struct evtchn *bucket[MAX_BUCKETS];
	_Atomic unsigned int valid; /* ports below this have a bucket */
	unsigned int max_port;      /* highest port the domain may have */
	unsigned int active;        /* ports in use (not free, not port 0) */
	bool dead;                  /* destroyed: no new ports */
	bool resetting;
};

static struct evtchn *chn_of(struct domain *d, unsigned int port)
{
	return &d->evtchn->bucket[port / EVTCHNS_PER_BUCKET][port % EVTCHNS_PER_BUCKET];
}

static bool port_is_valid(struct domain *d, uint32_t port)
{
	return d->evtchn && port < atomic_load(&d->evtchn->valid);
}

static struct vcpu *domain_vcpu(struct domain *d, uint32_t id)
{
	return id < d->max_vcpus ? d->vcpus[id] : NULL;
}

/* Xen's VIRQ classes: per vCPU, per domain, or global (one handler for
 * the whole machine, the hardware domain unless another was named). */
enum virq_type { VIRQ_VCPU, VIRQ_DOMAIN, VIRQ_GLOBAL };
static enum virq_type virq_type(uint32_t virq)
{
	switch (virq) {
	case VIRQ_TIMER:
	case VIRQ_DEBUG:
	case VIRQ_XENOPROF:
	case VIRQ_XENPMU:
		return VIRQ_VCPU;
	case VIRQ_ARGO:
		return VIRQ_DOMAIN;
	default:
		return VIRQ_GLOBAL; /* x86's architectural VIRQs are global too */
	}
}

int evtchn_domain_init(struct domain *d, unsigned int max_port)
{
	struct evtchn_domain *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	e->bucket[0] = calloc(EVTCHNS_PER_BUCKET, sizeof(struct evtchn));
	if (!e->bucket[0]) {
		free(e);
		return -ENOMEM;
	}
	pthread_mutex_init(&e->lock, NULL);
	atomic_init(&e->valid, EVTCHNS_PER_BUCKET);
	/* The toolstack's limit (Xen's max_evtchn_port), within the 2-level
	 * ABI's: every port has a bit. */
	e->max_port = evtchn_2l_max_ports(d) - 1;
	if (max_port && max_port < e->max_port)
		e->max_port = max_port;
	e->bucket[0][0].state = ECS_RESERVED;
	d->evtchn = e;
	return 0;
}

void evtchn_domain_free(struct domain *d)
{
	struct evtchn_domain *e = d->evtchn;
	if (!e)
		return;
	for (unsigned int i = 0; i < MAX_BUCKETS; i++)
		free(e->bucket[i]);
	pthread_mutex_destroy(&e->lock);
	free(e);
	d->evtchn = NULL;
}

/* The lowest free port, allocating its bucket if need be.  Caller holds
 * d's event lock. */
static int get_free_port(struct domain *d)
{
	struct evtchn_domain *e = d->evtchn;
	if (e->dead)
		return -EINVAL;
	for (unsigned int port = 1; port <= e->max_port; port++) {
		if (port < atomic_load(&e->valid)) {
			if (chn_of(d, port)->state == ECS_FREE) {
				e->active++;
				return (int)port;
			}
			continue;
		}
		unsigned int b = port / EVTCHNS_PER_BUCKET;
		e->bucket[b] = calloc(EVTCHNS_PER_BUCKET, sizeof(struct evtchn));
		if (!e->bucket[b])
			return -ENOMEM;
		atomic_store(&e->valid, (b + 1) * EVTCHNS_PER_BUCKET);
		e->active++;
		return (int)port;
	}
	return -ENOSPC;
}

static void evtchn_free(struct domain *d, unsigned int port)
{
	struct evtchn *chn = chn_of(d, port);
	/* A rebound port starts without a stale event, as in Xen. */
	evtchn_2l_clear_pending(d, port);
	memset(chn, 0, sizeof(*chn));
	d->evtchn->active--;
}

/* Lock two domains' event locks in domain-id order (one if the same). */
static void lock_pair(struct domain *a, struct domain *b)
{
	if (a == b) {
		pthread_mutex_lock(&a->evtchn->lock);
		return;
	}
	if (a->id > b->id) {
		struct domain *t = a;
		a = b;
		b = t;
	}
	pthread_mutex_lock(&a->evtchn->lock);
	pthread_mutex_lock(&b->evtchn->lock);
}

static void unlock_pair(struct domain *a, struct domain *b)
{
	if (a != b)
		pthread_mutex_unlock(&b->evtchn->lock);
	pthread_mutex_unlock(&a->evtchn->lock);
}

/* Copy a sub-op's arguments (len bytes at arg into op) and take the domain
 * its domain field (dom, inside op) names: NULL with *err set if either
 * fails (-EFAULT, -ESRCH).  As in Xen the domain is looked up before
 * anything is asked about the caller's rights to it (may_act_on), so a
 * domain that does not exist is -ESRCH for anyone.  The caller puts the
 * domain. */
static struct domain *read_op_for_domain(struct hcall_ctx *ctx, uint64_t arg, void *op, size_t len,
					  const domid_t *dom, int *err)
{
	if (copy_from_guest(ctx, op, arg, len)) {
		*err = -EFAULT;
		return NULL;
	}
	if (*dom == DOMID_SELF || *dom == ctx->caller->id) {
		atomic_fetch_add(&ctx->caller->refcnt, 1);
		return ctx->caller;
	}
	struct domain *d = domain_get(*dom);
	if (!d)
		*err = -ESRCH;
	return d;
}

/* Xen's XSM_TARGET rule (the dummy policy): a domain's own ports, or any
 * domain's for the control domain. */
static bool may_act_on(struct hcall_ctx *ctx, struct domain *d)
{
	return d == ctx->caller || ctx->caller->is_privileged;
}

static long evtchn_alloc_unbound(struct hcall_ctx *ctx, uint64_t arg)
{
	struct evtchn_alloc_unbound op = { 0 };
	int err = 0;
	struct domain *d = read_op_for_domain(ctx, arg, &op, sizeof(op), &op.dom, &err);
	if (!d)
		return err;
	if (!may_act_on(ctx, d)) {
		domain_put(d);
		return -EPERM;
	}
	pthread_mutex_lock(&d->evtchn->lock);
	int port = get_free_port(d);
	if (port >= 0) {
		struct evtchn *chn = chn_of(d, (unsigned int)port);
		chn->state = ECS_UNBOUND;
		chn->u.remote_domid = op.remote_dom == DOMID_SELF ? ctx->caller->id : op.remote_dom;
	}
	pthread_mutex_unlock(&d->evtchn->lock);
	domain_put(d);
	if (port < 0)
		return port;
	op.port = (uint32_t)port;
	return copy_to_guest(ctx, arg, &op, sizeof(op)) ? -EFAULT : 0;
}

static long evtchn_bind_interdomain(struct hcall_ctx *ctx, uint64_t arg)
{
	struct evtchn_bind_interdomain op;
	if (copy_from_guest(ctx, &op, arg, sizeof(op)))
		return -EFAULT;
	struct domain *ld = ctx->caller, *rd;
	if (op.remote_dom == DOMID_SELF || op.remote_dom == ld->id) {
		rd = ld;
		atomic_fetch_add(&rd->refcnt, 1);
	} else if (!(rd = domain_get(op.remote_dom))) {
		return -ESRCH;
	}
	long rc = 0;
	lock_pair(ld, rd);
	int lport = get_free_port(ld);
	if (lport < 0) {
		rc = lport;
		goto out;
	}
	struct evtchn *rchn = port_is_valid(rd, op.remote_port) ? chn_of(rd, op.remote_port) : NULL;
	if (!rchn || rd->evtchn->dead || rchn->state != ECS_UNBOUND || rchn->u.remote_domid != ld->id) {
		ld->evtchn->active--; /* the port stays free */
		rc = -EINVAL;
		goto out;
	}
	struct evtchn *lchn = chn_of(ld, (unsigned int)lport);
	lchn->state = ECS_INTERDOMAIN;
	lchn->u.interdomain.dom = rd;
	lchn->u.interdomain.port = op.remote_port;
	rchn->state = ECS_INTERDOMAIN;
	rchn->u.interdomain.dom = ld;
	rchn->u.interdomain.port = (uint32_t)lport;
	/* Notifications sent to the unbound port may be lost: Xen always
	 * marks the new local port pending. */
	evtchn_2l_set_pending(ld, lchn->notify_vcpu, (unsigned int)lport);
	op.local_port = (uint32_t)lport;
out:
	unlock_pair(ld, rd);
	domain_put(rd);
	if (!rc && copy_to_guest(ctx, arg, &op, sizeof(op)))
		rc = -EFAULT;
	return rc;
}

static long evtchn_bind_virq(struct hcall_ctx *ctx, uint64_t arg)
{
	struct evtchn_bind_virq op;
	if (copy_from_guest(ctx, &op, arg, sizeof(op)))
		return -EFAULT;
	struct domain *d = ctx->caller;
	if (op.virq >= NR_VIRQS)
		return -EINVAL;
	enum virq_type type = virq_type(op.virq);
	if (type != VIRQ_VCPU && op.vcpu != 0)
		return -EINVAL;
	struct vcpu *v = domain_vcpu(d, op.vcpu);
	if (!v)
		return -ENOENT;
	long rc = 0;
	pthread_mutex_lock(&d->evtchn->lock);
	/* Global VIRQs go to the hardware domain (the host here, which has
	 * no vCPUs to take them). */
	if (type == VIRQ_GLOBAL && d->id != DOMID_CONTROL) {
		rc = -EBUSY;
	} else if (v->virq_to_evtchn[op.virq]) {
		rc = -EEXIST;
	} else {
		int port = get_free_port(d);
		if (port < 0) {
			rc = port;
		} else {
			struct evtchn *chn = chn_of(d, (unsigned int)port);
			chn->state = ECS_VIRQ;
			chn->notify_vcpu = op.vcpu;
			chn->u.virq = op.virq;
			v->virq_to_evtchn[op.virq] = (uint32_t)port;
			op.port = (uint32_t)port;
		}
	}
	pthread_mutex_unlock(&d->evtchn->lock);
	if (rc)
		return rc;
	if (op.virq == VIRQ_TIMER)
		vcpu_timer_virq_bound(v);
	return copy_to_guest(ctx, arg, &op, sizeof(op)) ? -EFAULT : 0;
}

static long evtchn_bind_ipi(struct hcall_ctx *ctx, uint64_t arg)
{
	struct evtchn_bind_ipi op;
	if (copy_from_guest(ctx, &op, arg, sizeof(op)))
		return -EFAULT;
	struct domain *d = ctx->caller;
	if (!domain_vcpu(d, op.vcpu))
		return -ENOENT;
	pthread_mutex_lock(&d->evtchn->lock);
	int port = get_free_port(d);
	if (port >= 0) {
		struct evtchn *chn = chn_of(d, (unsigned int)port);
		chn->state = ECS_IPI;
		chn->notify_vcpu = op.vcpu;
	}
	pthread_mutex_unlock(&d->evtchn->lock);
	if (port < 0)
		return port;
	op.port = (uint32_t)port;
	return copy_to_guest(ctx, arg, &op, sizeof(op)) ? -EFAULT : 0;
}

/* Close port of d1 (Xen's evtchn_close).  No lock held on entry. */
static long evtchn_close(struct domain *d1, uint32_t port)
{
	if (!port_is_valid(d1, port))
		return -EINVAL;
	struct domain *d2 = NULL;
	long rc = 0;
	pthread_mutex_lock(&d1->evtchn->lock);
	for (;;) {
		struct evtchn *chn = chn_of(d1, port);
		switch (chn->state) {
		case ECS_FREE:
		case ECS_RESERVED:
			rc = -EINVAL;
			goto out;
		case ECS_UNBOUND:
		case ECS_IPI:
		case ECS_HOST:
			evtchn_free(d1, port);
			goto out;
		case ECS_VIRQ: {
			struct vcpu *v = d1->vcpus[virq_type(chn->u.virq) == VIRQ_VCPU ? chn->notify_vcpu : 0];
			v->virq_to_evtchn[chn->u.virq] = 0;
			evtchn_free(d1, port);
			goto out;
		}
		case ECS_INTERDOMAIN:
			break;
		}
		struct domain *peer = chn->u.interdomain.dom;
		if (d2 && peer != d2) {
			/* Closed and rebound while the locks were let go: it
			 * went through "free", so that is the answer. */
			rc = -EINVAL;
			goto out;
		}
		if (!d2 && peer != d1) {
			/* Both locks, the lower id first: keep the peer alive
			 * while d1's lock is let go. */
			d2 = peer;
			atomic_fetch_add(&d2->refcnt, 1);
			if (d1->id < d2->id) {
				pthread_mutex_lock(&d2->evtchn->lock);
			} else {
				pthread_mutex_unlock(&d1->evtchn->lock);
				pthread_mutex_lock(&d2->evtchn->lock);
				pthread_mutex_lock(&d1->evtchn->lock);
				continue; /* look again */
			}
		}
		struct evtchn *rchn = chn_of(peer, chn->u.interdomain.port);
		rchn->state = ECS_UNBOUND;
		rchn->u.remote_domid = d1->id;
		evtchn_free(d1, port);
		goto out;
	}
out:
	pthread_mutex_unlock(&d1->evtchn->lock);
	if (d2) {
		pthread_mutex_unlock(&d2->evtchn->lock);
		domain_put(d2);
	}
	return rc;
}

static long evtchn_send(struct domain *d, uint32_t port)
{
	if (!port_is_valid(d, port))
		return -EINVAL;
	long rc = 0;
	const struct evtchn_host_service *svc = NULL;
	void *svc_arg = NULL;
	pthread_mutex_lock(&d->evtchn->lock);
	struct evtchn *chn = chn_of(d, port);
	switch (chn->state) {
	case ECS_HOST:
		svc = chn->u.host.svc;
		svc_arg = chn->u.host.arg;
		break;
	case ECS_INTERDOMAIN: {
		struct domain *rd = chn->u.interdomain.dom;
		uint32_t rport = chn->u.interdomain.port;
		/* The peer's notify vCPU may change under its own lock
		 * (bind_vcpu): read it once. */
		uint32_t notify = __atomic_load_n(&chn_of(rd, rport)->notify_vcpu, __ATOMIC_RELAXED);
		evtchn_2l_set_pending(rd, notify, rport);
		break;
	}
	case ECS_IPI:
		evtchn_2l_set_pending(d, chn->notify_vcpu, port);
		break;
	case ECS_UNBOUND:
		break; /* silently dropped, as in Xen */
	default:
		rc = -EINVAL;
		break;
	}
	pthread_mutex_unlock(&d->evtchn->lock);
	/* The service runs without the event lock: it may take its own
	 * locks and notify the guest back.  Its state lives as long as the
	 * domain, which the sender is. */
	if (svc)
		svc->notify(d, svc_arg);
	return rc;
}

static long evtchn_status(struct hcall_ctx *ctx, uint64_t arg)
{
	struct evtchn_status op = { 0 };
	int err = 0;
	struct domain *d = read_op_for_domain(ctx, arg, &op, sizeof(op), &op.dom, &err);
	if (!d)
		return err;
	/* Xen's order: the port, then the caller's rights to the domain. */
	long rc = !port_is_valid(d, op.port) ? -EINVAL : !may_act_on(ctx, d) ? -EPERM : 0;
	if (rc) {
		domain_put(d);
		return rc;
	}
	pthread_mutex_lock(&d->evtchn->lock);
	struct evtchn *chn = chn_of(d, op.port);
	memset(&op.u, 0, sizeof(op.u));
	switch (chn->state) {
	case ECS_FREE:
	case ECS_RESERVED:
		op.status = EVTCHNSTAT_closed;
		break;
	case ECS_UNBOUND:
		op.status = EVTCHNSTAT_unbound;
		op.u.unbound.dom = chn->u.remote_domid;
		break;
	case ECS_INTERDOMAIN:
		op.status = EVTCHNSTAT_interdomain;
		op.u.interdomain.dom = chn->u.interdomain.dom->id;
		op.u.interdomain.port = chn->u.interdomain.port;
		break;
	case ECS_HOST:
		/* The hypervisor's services stand in for the control domain's
		 * backends; there is no port table on that side. */
		op.status = EVTCHNSTAT_interdomain;
		op.u.interdomain.dom = DOMID_CONTROL;
		op.u.interdomain.port = 0;
		break;
	case ECS_VIRQ:
		op.status = EVTCHNSTAT_virq;
		op.u.virq = chn->u.virq;
		break;
	case ECS_IPI:
		op.status = EVTCHNSTAT_ipi;
		break;
	}
	op.vcpu = chn->notify_vcpu;
	pthread_mutex_unlock(&d->evtchn->lock);
	domain_put(d);
	return copy_to_guest(ctx, arg, &op, sizeof(op)) ? -EFAULT : 0;
}

static long evtchn_bind_vcpu(struct domain *d, uint32_t port, uint32_t vcpu)
{
	if (!domain_vcpu(d, vcpu))
		return -ENOENT;
	if (!port_is_valid(d, port))
		return -EINVAL;
	long rc = 0;
	pthread_mutex_lock(&d->evtchn->lock);
	struct evtchn *chn = chn_of(d, port);
	switch (chn->state) {
	case ECS_VIRQ:
		if (virq_type(chn->u.virq) != VIRQ_VCPU)
			__atomic_store_n(&chn->notify_vcpu, vcpu, __ATOMIC_RELAXED);
		else
			rc = -EINVAL;
		break;
	case ECS_UNBOUND:
	case ECS_INTERDOMAIN:
	case ECS_HOST:
		__atomic_store_n(&chn->notify_vcpu, vcpu, __ATOMIC_RELAXED);
		break;
	default:
		rc = -EINVAL;
		break;
	}
	pthread_mutex_unlock(&d->evtchn->lock);
	return rc;
}

static long evtchn_unmask(struct domain *d, uint32_t port)
{
	if (!port_is_valid(d, port))
		return -EINVAL;
	pthread_mutex_lock(&d->evtchn->lock);
	evtchn_2l_unmask(d, chn_of(d, port)->notify_vcpu, port);
	pthread_mutex_unlock(&d->evtchn->lock);
	return 0;
}

/* Close every port of d (Xen's evtchn_reset, without preemption: at most
 * 4096 ports). */
static long evtchn_reset(struct hcall_ctx *ctx, uint64_t arg, bool cont)
{
	struct evtchn_reset op = { 0 };
	int err = 0;
	struct domain *d = read_op_for_domain(ctx, arg, &op, sizeof(op), &op.dom, &err);
	if (!d)
		return err;
	if (!may_act_on(ctx, d)) {
		domain_put(d);
		return -EPERM;
	}
	long rc = 0;
	pthread_mutex_lock(&d->lock);
	bool paused = d->pause_count > 0;
	pthread_mutex_unlock(&d->lock);
	pthread_mutex_lock(&d->evtchn->lock);
	/* Another domain's ports only while its controller has it paused;
	 * a continuation with no reset under way is -EBUSY, as in Xen. */
	if (d != ctx->caller && !paused)
		rc = -EINVAL;
	else if (cont || d->evtchn->resetting)
		rc = -EBUSY;
	else
		d->evtchn->resetting = true;
	pthread_mutex_unlock(&d->evtchn->lock);
	if (rc) {
		domain_put(d);
		return rc;
	}
	unsigned int valid = atomic_load(&d->evtchn->valid);
	for (unsigned int port = 1; port < valid; port++)
		evtchn_close(d, port);
	pthread_mutex_lock(&d->evtchn->lock);
	d->evtchn->resetting = false;
	if (d->evtchn->active)
		rc = -EAGAIN; /* something bound a port meanwhile */
	pthread_mutex_unlock(&d->evtchn->lock);
	domain_put(d);
	return rc;
}

int evtchn_bind_host_service(struct domain *d, const struct evtchn_host_service *svc, void *arg)
{
	pthread_mutex_lock(&d->evtchn->lock);
	int port = get_free_port(d);
	if (port >= 0) {
		struct evtchn *chn = chn_of(d, (unsigned int)port);
		chn->state = ECS_HOST;
		chn->u.host.svc = svc;
		chn->u.host.arg = arg;
	}
	pthread_mutex_unlock(&d->evtchn->lock);
	return port;
}

bool evtchn_notify_from_host(struct domain *d, uint32_t port, const struct evtchn_host_service *svc, void *arg)
{
	if (!port_is_valid(d, port))
		return false;
	pthread_mutex_lock(&d->evtchn->lock);
	struct evtchn *chn = chn_of(d, port);
	/* The guest may have closed the port and reused its number. */
	bool bound = chn->state == ECS_HOST && chn->u.host.svc == svc && chn->u.host.arg == arg;
	if (bound)
		evtchn_2l_set_pending(d, chn->notify_vcpu, port);
	pthread_mutex_unlock(&d->evtchn->lock);
	return bound;
}

void evtchn_domain_destroy(struct domain *d)
{
	if (!d->evtchn)
		return;
	pthread_mutex_lock(&d->evtchn->lock);
	d->evtchn->dead = true;
	pthread_mutex_unlock(&d->evtchn->lock);
	unsigned int valid = atomic_load(&d->evtchn->valid);
	for (unsigned int port = 1; port < valid; port++)
		evtchn_close(d, port);
}

void evtchn_send_vcpu_virq(struct vcpu *v, unsigned int virq)
{
	struct domain *d = v->domain;
	if (virq >= NR_VIRQS || !d->evtchn)
		return;
	pthread_mutex_lock(&d->evtchn->lock);
	uint32_t port = v->virq_to_evtchn[virq];
	if (port)
		evtchn_2l_set_pending(d, v->id, port);
	pthread_mutex_unlock(&d->evtchn->lock);
}

bool evtchn_virq_bound(struct vcpu *v, unsigned int virq)
{
	struct domain *d = v->domain;
	if (virq >= NR_VIRQS || !d->evtchn)
		return false;
	pthread_mutex_lock(&d->evtchn->lock);
	bool bound = v->virq_to_evtchn[virq] != 0;
	pthread_mutex_unlock(&d->evtchn->lock);
	return bound;
}

int evtchn_port_poll(struct domain *d, uint32_t port)
{
	if (!port_is_valid(d, port))
		return -EINVAL;
	return evtchn_2l_is_pending(d, port) ? 1 : 0;
}

long do_event_channel_op(struct hcall_ctx *ctx, const uint64_t a[5])
{
	unsigned int cmd = (unsigned int)a[0];
	uint64_t arg = a[1];
	struct domain *d = ctx->caller;
	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
		return evtchn_alloc_unbound(ctx, arg);
	case EVTCHNOP_bind_interdomain:
		return evtchn_bind_interdomain(ctx, arg);
	case EVTCHNOP_bind_virq:
		return evtchn_bind_virq(ctx, arg);
	case EVTCHNOP_bind_ipi:
		return evtchn_bind_ipi(ctx, arg);
	case EVTCHNOP_bind_pirq: {
		struct evtchn_bind_pirq op;
		if (copy_from_guest(ctx, &op, arg, sizeof(op)))
			return -EFAULT;
		return -EPERM; /* XG gives no domain physical IRQs */
	}
	case EVTCHNOP_close: {
		struct evtchn_close op;
		if (copy_from_guest(ctx, &op, arg, sizeof(op)))
			return -EFAULT;
		return evtchn_close(d, op.port);
	}
	case EVTCHNOP_send: {
		struct evtchn_send op;
		if (copy_from_guest(ctx, &op, arg, sizeof(op)))
			return -EFAULT;
		return evtchn_send(d, op.port);
	}
	case EVTCHNOP_status:
		return evtchn_status(ctx, arg);
	case EVTCHNOP_bind_vcpu: {
		struct evtchn_bind_vcpu op;
		if (copy_from_guest(ctx, &op, arg, sizeof(op)))
			return -EFAULT;
		return evtchn_bind_vcpu(d, op.port, op.vcpu);
	}
	case EVTCHNOP_unmask: {
		struct evtchn_unmask op;
		if (copy_from_guest(ctx, &op, arg, sizeof(op)))
			return -EFAULT;
		return evtchn_unmask(d, op.port);
	}
	case EVTCHNOP_reset:
	case EVTCHNOP_reset_cont:
		return evtchn_reset(ctx, arg, cmd == EVTCHNOP_reset_cont);
	default:
		/* The FIFO ABI (init_control, expand_array, set_priority) is
		 * not offered: guests stay on the 2-level ABI. */
		return -ENOSYS;
	}
}

/* The old interface: struct evtchn_op { cmd; union } in one buffer. */
long do_event_channel_op_compat(struct hcall_ctx *ctx, const uint64_t a[5])
{
	uint32_t cmd;
	if (copy_from_guest(ctx, &cmd, a[0], sizeof(cmd)))
		return -EFAULT;
	uint64_t args[5] = { cmd, a[0] + offsetof(struct evtchn_op, u), 0, 0, 0 };
	switch (cmd) {
	case EVTCHNOP_alloc_unbound:
	case EVTCHNOP_bind_interdomain:
	case EVTCHNOP_bind_virq:
	case EVTCHNOP_bind_pirq:
	case EVTCHNOP_close:
	case EVTCHNOP_send:
	case EVTCHNOP_status:
	case EVTCHNOP_bind_ipi:
	case EVTCHNOP_bind_vcpu:
	case EVTCHNOP_unmask:
		return do_event_channel_op(ctx, args);
	default:
		return -ENOSYS;
	}
}
