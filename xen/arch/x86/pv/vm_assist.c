/*
 * HYPERVISOR_vm_assist.  An assist can be enabled only once XG implements
 * it; Xen's other assists return -EINVAL, as Xen does for types outside its
 * mask, so a guest learns at once instead of failing later.
 */
#include <errno.h>

#include "hv/hypercall.h"
#include "hv/pv.h"
#include "public/xen.h"

unsigned long pv_vm_assist_valid(const struct domain *d)
{
	if (d->is_privileged)
		return 0;
	/* m2p_strict is 64-bit only in Xen. */
	if (domain_is_pv32(d))
		return 1ul << VMASST_TYPE_pae_extended_cr3 | 1ul << VMASST_TYPE_writable_pagetables;
	/* For 64-bit guests extended CR3 is the only format: accepted, no effect. */
	return 1ul << VMASST_TYPE_pae_extended_cr3 | 1ul << VMASST_TYPE_m2p_strict |
	       1ul << VMASST_TYPE_writable_pagetables;
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
