/*
 * HYPERVISOR_physdev_op.  XG gives guests no physical devices, interrupts
 * or I/O ports, so of Xen's operations only the virtual IOPL applies; the
 * others are -ENOSYS (docs/hypercalls.md).
 *
 * With a virtual IOPL the guest's ring may execute cli, sti, in and out:
 * the hypervisor emulates them (emul_priv_op.c) as Xen does for a domain
 * with no I/O ports: cli and sti do nothing (events are masked through
 * vcpu_info), in reads all ones, out is dropped.
 */
#include <errno.h>

#include "hv/hypercall.h"
#include "hv/pv.h"
#include "public/physdev.h"
#include "public/xen.h"

static bool architectural_iopl(const struct domain *d)
{
	return d->vm_assist & (1ul << VMASST_TYPE_architectural_iopl);
}

bool pv_iopl_ok(const struct vcpu *v)
{
	unsigned int ring = v->kernel_mode ? (architectural_iopl(v->domain) ? 0 : 1) : 3;
	return (uint64_t)ring << 12 <= v->iopl;
}

uint64_t pv_visible_iopl(const struct vcpu *v)
{
	return architectural_iopl(v->domain) ? v->iopl : 0;
}

void pv_iret_iopl(struct vcpu *v, uint64_t rflags)
{
	if (architectural_iopl(v->domain))
		v->iopl = (uint32_t)(rflags & X86_RFLAGS_IOPL);
}

long do_physdev_op(struct hcall_ctx *ctx, const uint64_t a[5])
{
	switch ((unsigned int)a[0]) {
	case PHYSDEVOP_set_iopl: {
		struct physdev_set_iopl op;
		if (!ctx->vcpu)
			return -EPERM; /* it sets the calling vCPU's */
		if (copy_from_guest(ctx, &op, a[1], sizeof(op)))
			return -EFAULT;
		if (op.iopl > 3)
			return -EINVAL;
		ctx->vcpu->iopl = op.iopl << 12;
		return 0;
	}
	default:
		return -ENOSYS;
	}
}
