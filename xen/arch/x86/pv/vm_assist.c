/*
 * HYPERVISOR_vm_assist: the assists of Xen's mask for the guest's type;
 * others are -EINVAL, as in Xen.
 */
#include <errno.h>

#include "hv/hypercall.h"
#include "hv/pv.h"
#include "public/xen.h"

unsigned long pv_vm_assist_valid(const struct domain *d)
{
	if (d->is_privileged)
		return 0;
	/* Xen's masks.  4gb_segments(_notify) are accepted and, as on Xen's
	 * x86-64, have no effect (64-bit hypervisors never emulated
	 * wrapping segments); for 64-bit guests extended CR3 is the only
	 * format, also accepted with no effect; runstate_update_flag governs
	 * runstate-area updates (docs/hypercalls.md). */
	unsigned long pv32 = 1ul << VMASST_TYPE_4gb_segments | 1ul << VMASST_TYPE_4gb_segments_notify |
			     1ul << VMASST_TYPE_writable_pagetables | 1ul << VMASST_TYPE_pae_extended_cr3 |
			     1ul << VMASST_TYPE_architectural_iopl | 1ul << VMASST_TYPE_runstate_update_flag;
	return domain_is_pv32(d) ? pv32 : pv32 | 1ul << VMASST_TYPE_m2p_strict;
}

long do_vm_assist(struct hcall_ctx *ctx, const uint64_t a[5])
{
	unsigned int cmd = (unsigned int)a[0];
	uint64_t type = a[1];
	struct domain *d = ctx->caller;
	if (cmd != VMASST_CMD_enable && cmd != VMASST_CMD_disable)
		return -ENOSYS;
	if (type >= sizeof(unsigned long) * 8 || !(pv_vm_assist_valid(d) & (1ul << type)))
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	if (cmd == VMASST_CMD_enable)
		d->vm_assist |= 1ul << type;
	else
		d->vm_assist &= ~(1ul << type);
	pthread_mutex_unlock(&d->lock);
	return 0;
}
