/*
 * HYPERVISOR_vcpu_op(cmd, vcpuid, arg): a guest's vCPUs, as Xen has them.
 * Bringing them up and down, initialising one from a context, their
 * runstates and the copies of them a guest registers; the timer sub-ops
 * are in xen/arch/x86/time.c.
 *
 * Every vCPU of a domain exists from its creation (max_vcpus, the
 * configuration's vcpus) and starts down; the toolstack's context for
 * vCPU 0 says online, and a guest brings the others up with
 * VCPUOP_initialise and VCPUOP_up, as Linux does for its secondary CPUs.
 */
#include <errno.h>
#include <stdlib.h>

#include "hv/event.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "hv/runstate.h"
#include "hv/vcpu_info.h"
#include "public/compat/x86_32.h"
#include "public/sched.h"
#include "public/vcpu.h"
#include "public/xen.h"

/* VCPUOP_initialise: the context of a vCPU that has none yet, in the
 * guest's layout at arg; it stays down until VCPUOP_up. */
static long initialise(struct hcall_ctx *ctx, struct vcpu *v, uint64_t arg)
{
	struct domain *d = v->domain;
	size_t len = pv_vcpu_context_size(d);
	void *buf = malloc(len);
	if (!buf)
		return -ENOMEM;
	long rc = copy_from_guest(ctx, buf, arg, len) ? -EFAULT : 0;
	if (!rc)
		rc = pv_set_vcpu_context(v, buf, len, true);
	free(buf);
	return rc;
}

static long up(struct vcpu *v)
{
	struct domain *d = v->domain;
	pthread_mutex_lock(&d->lock);
	if (!v->initialised) {
		pthread_mutex_unlock(&d->lock);
		return -EINVAL;
	}
	v->down = false;
	pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);
	/* A vCPU initialised by the guest has no thread yet. */
	return domain_start_vcpus(d);
}

/* VCPUOP_down: the vCPU stops running (at once for another vCPU, after
 * this call for the caller itself) until VCPUOP_up.  As in Xen, taking
 * down the last vCPU that is up powers the domain off instead. */
static long down(struct vcpu *v)
{
	struct domain *d = v->domain;
	pthread_mutex_lock(&d->lock);
	bool others_up = false;
	for (unsigned int i = 0; i < d->max_vcpus && !others_up; i++) {
		struct vcpu *o = d->vcpus[i];
		others_up = o && o != v && o->initialised && !o->down;
	}
	if (!others_up) {
		pthread_mutex_unlock(&d->lock);
		domain_shutdown(d, SHUTDOWN_poweroff);
		return 0;
	}
	v->down = true;
	pthread_mutex_unlock(&d->lock);
	vcpu_kick(v);
	vcpu_wake(v);
	return 0;
}

static long is_up(struct vcpu *v)
{
	struct domain *d = v->domain;
	pthread_mutex_lock(&d->lock);
	long rc = v->initialised && !v->down;
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static long get_runstate_info(struct hcall_ctx *ctx, struct vcpu *v, uint64_t arg)
{
	struct vcpu_runstate_info r;
	runstate_get(v, &r);
	if (!ctx->compat)
		return copy_to_guest(ctx, arg, &r, sizeof(r)) ? -EFAULT : 0;
	struct compat_vcpu_runstate_info c = { .state = r.state, .state_entry_time = r.state_entry_time };
	for (unsigned int i = 0; i < 4; i++)
		c.time[i] = r.time[i];
	return copy_to_guest(ctx, arg, &c, sizeof(c)) ? -EFAULT : 0;
}

/* Whether a copy of the runstate at guest virtual address va may be
 * written at all, as Xen's guest_handle_okay has it: a 64-bit guest's
 * address in the lower canonical half or above the hypervisor's range
 * (the start is enough: a copy running past it faults first), a 32-bit
 * guest's whole copy below the hypervisor's range. */
static bool runstate_va_okay(const struct domain *d, uint64_t va)
{
	if (domain_is_pv32(d))
		return va + sizeof(struct compat_vcpu_runstate_info) - 1 < PV32_HV_START;
	return va < (1ull << 47) || va >= PV64_RESERVED_END;
}

/* The registration arguments: one address, as a long for the virtual
 * one, 64 bits for the physical one. */
static long register_runstate(struct hcall_ctx *ctx, unsigned int cmd, struct vcpu *v, uint64_t arg)
{
	uint64_t addr;
	if (cmd == VCPUOP_register_runstate_phys_area) {
		if (copy_from_guest(ctx, &addr, arg, sizeof(addr)))
			return -EFAULT;
		return runstate_register_phys(v, addr);
	}
	if (copy_long_from_guest(ctx, arg, 0, &addr))
		return -EFAULT;
	/* Refused, the registration in place stays. */
	if (!runstate_va_okay(v->domain, addr))
		return -EFAULT;
	return runstate_register_va(v, ctx->vcpu, addr);
}

long do_vcpu_op(struct hcall_ctx *ctx, const uint64_t a[5])
{
	unsigned int cmd = (unsigned int)a[0];
	uint32_t vcpuid = (uint32_t)a[1];
	uint64_t arg = a[2];
	struct domain *d = ctx->caller;
	if (!ctx->vcpu)
		return -EPERM; /* a guest's own vCPUs */
	struct vcpu *v = vcpuid < d->max_vcpus ? d->vcpus[vcpuid] : NULL;
	if (!v)
		return -ENOENT;
	switch (cmd) {
	case VCPUOP_initialise:
		return initialise(ctx, v, arg);
	case VCPUOP_up:
		return up(v);
	case VCPUOP_down:
		return down(v);
	case VCPUOP_is_up:
		return is_up(v);
	case VCPUOP_get_runstate_info:
		return get_runstate_info(ctx, v, arg);
	case VCPUOP_register_vcpu_info:
		return vcpu_register_vcpu_info(ctx, v, arg);
	case VCPUOP_send_nmi:
		if (arg)
			return -EINVAL;
		if (!atomic_exchange(&v->nmi_pending, true))
			vcpu_kick(v);
		return 0;
	case VCPUOP_register_runstate_memory_area:
	case VCPUOP_register_runstate_phys_area:
		return register_runstate(ctx, cmd, v, arg);
	default:
		return time_vcpu_op(ctx, cmd, v, arg);
	}
}
