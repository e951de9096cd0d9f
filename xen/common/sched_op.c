/*
 * HYPERVISOR_sched_op: yield, block, poll, shutdown, shutdown_code,
 * remote_shutdown, watchdog, pin_override, with Xen's semantics
 * (xen/common/sched/core.c do_sched_op, domain_watchdog).  Blocking and
 * polling sleep on the domain's condition variable (vcpu_block_until in
 * schedule.c) without using host CPU until an event, a timeout or the
 * domain's end; docs/events.md.
 */
#include <errno.h>
#include <sched.h>

#include "hv/console_ring.h"
#include "hv/domain.h"
#include "hv/event.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/compat/x86_32.h"
#include "public/sched.h"

#define POLL_MAX_PORTS 128 /* Xen's "fairly arbitrary limit" */

static bool block_done(struct vcpu *v, void *arg)
{
	(void)arg;
	return vcpu_events_need_delivery(v);
}

/* SCHEDOP_block: enable event delivery (clear the upcall mask), then
 * sleep until an upcall is due, as Xen's vcpu_block_enable_events. */
static long do_block(struct vcpu *v)
{
	pv_set_upcall_mask(v, false);
	vcpu_block_until(v, block_done, NULL, 0);
	return 0;
}

struct poll_ports {
	uint32_t port[POLL_MAX_PORTS];
	unsigned int n;
};

static bool poll_done(struct vcpu *v, void *arg)
{
	const struct poll_ports *p = arg;
	if (atomic_load(&v->event_woken) || vcpu_events_need_delivery(v))
		return true;
	for (unsigned int i = 0; i < p->n; i++)
		if (evtchn_port_poll(v->domain, p->port[i]) > 0)
			return true;
	return false;
}

/* SCHEDOP_poll: return when one of the ports is pending (masked or not),
 * an upcall becomes pending, or the timeout (absolute system time, 0:
 * none) passes.  A port that is not valid is -EINVAL before any wait. */
static long do_poll(struct hcall_ctx *ctx, uint64_t arg)
{
	struct vcpu *v = ctx->vcpu;
	struct domain *d = v->domain;
	uint64_t ports, timeout;
	uint32_t nr_ports;
	if (ctx->compat) {
		struct compat_sched_poll c;
		if (copy_from_guest(ctx, &c, arg, sizeof(c)))
			return -EFAULT;
		ports = c.ports.c;
		nr_ports = c.nr_ports;
		timeout = c.timeout;
	} else {
		struct sched_poll sp;
		if (copy_from_guest(ctx, &sp, arg, sizeof(sp)))
			return -EFAULT;
		ports = guest_handle_addr(sp.ports);
		nr_ports = sp.nr_ports;
		timeout = sp.timeout;
	}
	if (nr_ports > POLL_MAX_PORTS)
		return -EINVAL;
	/* Xen arms its poll timer with an s_time_t: a timeout with bit 63 set
	 * (~0, say) is long past and ends the wait at once. */
	if ((int64_t)timeout < 0)
		timeout = 1;
	struct poll_ports p = { .n = nr_ports };
	if (p.n && copy_from_guest(ctx, p.port, ports, p.n * sizeof(uint32_t)))
		return -EFAULT;

	long rc = 0;
	atomic_store(&v->event_woken, false);
	atomic_store(&v->polling, true);
	atomic_fetch_add(&d->pollers, 1);
	if (vcpu_events_need_delivery(v))
		goto out;
	for (unsigned int i = 0; i < p.n; i++) {
		int r = evtchn_port_poll(d, p.port[i]);
		if (r) {
			rc = r < 0 ? r : 0;
			goto out;
		}
	}
	vcpu_block_until(v, poll_done, &p, timeout);
out:
	atomic_fetch_sub(&d->pollers, 1);
	atomic_store(&v->polling, false);
	return rc;
}

/* A watchdog expired: shut the domain down with SHUTDOWN_watchdog, unless
 * it is stopping already (Xen's domain_watchdog_timeout).  Runs on the
 * timer thread with no lock held; domain_destroy kills the timer, waiting
 * for this, before the domain can be freed. */
static void watchdog_fired(void *data)
{
	struct domain_watchdog *w = data;
	struct domain *d = w->domain;
	pthread_mutex_lock(&d->lock);
	bool stopping = d->is_shutdown || d->is_crashed || d->is_dying;
	pthread_mutex_unlock(&d->lock);
	if (stopping)
		return;
	printk("d%u: watchdog timer %u fired\n", d->id, w->id + 1);
	domain_shutdown(d, SHUTDOWN_watchdog);
}

void watchdog_domain_init(struct domain *d)
{
	pthread_mutex_init(&d->watchdog_lock, NULL);
	d->watchdog_inuse_map = 0;
	for (unsigned int i = 0; i < NR_DOMAIN_WATCHDOG_TIMERS; i++) {
		d->watchdog[i].domain = d;
		d->watchdog[i].id = i;
		timer_init(&d->watchdog[i].timer, watchdog_fired, &d->watchdog[i]);
	}
}

void watchdog_domain_destroy(struct domain *d)
{
	for (unsigned int i = 0; i < NR_DOMAIN_WATCHDOG_TIMERS; i++)
		timer_kill(&d->watchdog[i].timer);
}

/* Xen's domain_watchdog: the checks in its order, timeouts in seconds from
 * now (a new watchdog with timeout 0 expires at once, as in Xen). */
long domain_watchdog(struct domain *d, uint32_t id, uint32_t timeout)
{
	if (id > NR_DOMAIN_WATCHDOG_TIMERS)
		return -EINVAL;
	uint64_t expires = time_system_ns() + (uint64_t)timeout * 1000000000ull;
	pthread_mutex_lock(&d->watchdog_lock);
	if (id == 0) {
		for (id = 0; id < NR_DOMAIN_WATCHDOG_TIMERS; id++) {
			if (d->watchdog_inuse_map & (1u << id))
				continue;
			d->watchdog_inuse_map |= 1u << id;
			timer_set(&d->watchdog[id].timer, expires);
			break;
		}
		pthread_mutex_unlock(&d->watchdog_lock);
		return id == NR_DOMAIN_WATCHDOG_TIMERS ? -ENOSPC : (long)id + 1;
	}
	id -= 1;
	long rc = 0;
	if (!(d->watchdog_inuse_map & (1u << id))) {
		rc = -EINVAL;
	} else if (timeout == 0) {
		timer_stop(&d->watchdog[id].timer);
		d->watchdog_inuse_map &= ~(1u << id);
	} else {
		timer_set(&d->watchdog[id].timer, expires);
	}
	pthread_mutex_unlock(&d->watchdog_lock);
	return rc;
}

/* SCHEDOP_remote_shutdown: Xen's order of checks -- the argument
 * (-EFAULT), the domain (-ESRCH: none with that id, DOMID_SELF included),
 * then the caller's right over it, -EPERM (XSM_DM_PRIV: the control
 * domain, or a device model over its target; not a domain over itself).
 * The callers here are guests, never privileged and never device models
 * (the control domain is the host, which makes no guest hypercalls), so
 * every domain that exists is -EPERM. */
static long do_remote_shutdown(struct hcall_ctx *ctx, uint64_t arg)
{
	struct sched_remote_shutdown r;
	if (copy_from_guest(ctx, &r, arg, sizeof(r)))
		return -EFAULT;
	struct domain *d = domain_get(r.domain_id);
	if (!d)
		return -ESRCH;
	domain_put(d);
	return -EPERM;
}

long do_sched_op(struct hcall_ctx *ctx, const uint64_t a[5])
{
	unsigned int cmd = (unsigned int)a[0];
	if (!ctx->vcpu)
		return -EPERM; /* scheduling ops act on the calling vCPU */

	switch (cmd) {
	case SCHEDOP_yield:
		/* A guest waiting for room in its console ring may yield
		 * instead of notifying (Linux's early console does). */
		console_ring_poll(ctx->caller);
		sched_yield();
		return 0;
	case SCHEDOP_block:
		return do_block(ctx->vcpu);
	case SCHEDOP_poll:
		return do_poll(ctx, a[1]);
	case SCHEDOP_shutdown: {
		struct sched_shutdown s;
		if (copy_from_guest(ctx, &s, a[1], sizeof(s)))
			return -EFAULT;
		if (s.reason > SHUTDOWN_MAX)
			return -EINVAL;
		domain_shutdown(ctx->caller, s.reason);
		return 0;
	}
	case SCHEDOP_shutdown_code: {
		/* Any value, kept in 8 bits; only the first one counts. */
		struct sched_shutdown s;
		if (copy_from_guest(ctx, &s, a[1], sizeof(s)))
			return -EFAULT;
		domain_set_shutdown_code(ctx->caller, s.reason);
		return 0;
	}
	case SCHEDOP_remote_shutdown:
		return do_remote_shutdown(ctx, a[1]);
	case SCHEDOP_watchdog: {
		struct sched_watchdog w;
		if (copy_from_guest(ctx, &w, a[1], sizeof(w)))
			return -EFAULT;
		return domain_watchdog(ctx->caller, w.id, w.timeout);
	}
	case SCHEDOP_pin_override:
		/* The hardware domain's only (checked before its argument is
		 * read); here that is the host, which makes no hypercalls. */
		return -EPERM;
	default:
		return -ENOSYS;
	}
}
