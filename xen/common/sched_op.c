/*
 * HYPERVISOR_sched_op: yield, block, poll, shutdown.  Blocking and polling
 * sleep on the domain's condition variable (vcpu_block_until in
 * schedule.c) without using host CPU until an event, a timeout or the
 * domain's end; docs/events.md.
 */
#include <errno.h>
#include <sched.h>

#include "hv/event.h"
#include "hv/hypercall.h"
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

long do_sched_op(struct hcall_ctx *ctx, const uint64_t a[5])
{
	unsigned int cmd = (unsigned int)a[0];
	if (!ctx->vcpu)
		return -EPERM; /* scheduling ops act on the calling vCPU */

	switch (cmd) {
	case SCHEDOP_yield:
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
	default:
		return -ENOSYS;
	}
}
