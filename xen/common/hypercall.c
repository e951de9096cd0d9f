/* The hypercall table and the checks every hypercall shares. */
#include <errno.h>

#include "hv/hypercall.h"
#include "public/xen.h"

typedef long (*hypercall_fn)(struct hcall_ctx *ctx, const uint64_t a[5]);

static const hypercall_fn table[] = {
	[__HYPERVISOR_set_trap_table] = do_set_trap_table,
	[__HYPERVISOR_set_gdt] = do_set_gdt,
	[__HYPERVISOR_fpu_taskswitch] = do_fpu_taskswitch,
	[__HYPERVISOR_set_debugreg] = do_set_debugreg,
	[__HYPERVISOR_get_debugreg] = do_get_debugreg,
	[__HYPERVISOR_update_descriptor] = do_update_descriptor,
	[__HYPERVISOR_stack_switch] = do_stack_switch,
	[__HYPERVISOR_set_callbacks] = do_set_callbacks,
	[__HYPERVISOR_iret] = do_iret,
	[__HYPERVISOR_set_segment_base] = do_set_segment_base,
	[__HYPERVISOR_callback_op] = do_callback_op,
	[__HYPERVISOR_mmu_update] = do_mmu_update,
	[__HYPERVISOR_multicall] = do_multicall,
	[__HYPERVISOR_update_va_mapping] = do_update_va_mapping,
	[__HYPERVISOR_update_va_mapping_otherdomain] = do_update_va_mapping_otherdomain,
	[__HYPERVISOR_mmuext_op] = do_mmuext_op,
	[__HYPERVISOR_console_io] = do_console_io,
	[__HYPERVISOR_xen_version] = do_xen_version,
	[__HYPERVISOR_memory_op] = do_memory_op,
	[__HYPERVISOR_vm_assist] = do_vm_assist,
	[__HYPERVISOR_sched_op] = do_sched_op,
	[__HYPERVISOR_set_timer_op] = do_set_timer_op,
	[__HYPERVISOR_vcpu_op] = do_vcpu_op,
	[__HYPERVISOR_event_channel_op] = do_event_channel_op,
	[__HYPERVISOR_event_channel_op_compat] = do_event_channel_op_compat,
	[__HYPERVISOR_physdev_op] = do_physdev_op,
	[__HYPERVISOR_domctl] = do_domctl,
	[__HYPERVISOR_sysctl] = do_sysctl,
};

long hypercall_dispatch(struct hcall_ctx *ctx, unsigned int nr, const uint64_t args[5])
{
	atomic_fetch_add(&ctx->caller->hypercalls, 1);
	if (nr >= sizeof(table) / sizeof(table[0]) || !table[nr])
		return -ENOSYS;
	return table[nr](ctx, args);
}

struct domain *hcall_target_domain(struct hcall_ctx *ctx, uint16_t domid, int *err)
{
	if (domid == DOMID_SELF || domid == ctx->caller->id) {
		atomic_fetch_add(&ctx->caller->refcnt, 1);
		return ctx->caller;
	}
	if (!ctx->caller->is_privileged) {
		*err = -EPERM;
		return NULL;
	}
	struct domain *d = domain_get(domid);
	if (!d)
		*err = -ESRCH;
	return d;
}

void hypercall_continue(struct hcall_ctx *ctx, const uint64_t args[5])
{
	ctx->preempted = true;
	for (int i = 0; i < 5; i++)
		ctx->cont_args[i] = args[i];
}

/* A preempted batch is marked by count's top bit, as in Xen. */
#define MMU_UPDATE_PREEMPTED (~(~0U >> 1))

int hcall_batch_begin(struct hcall_ctx *ctx, const uint64_t a[5], struct hcall_batch *b)
{
	*b = (struct hcall_batch){ .list = a[0], .count = a[1] & ~(uint64_t)MMU_UPDATE_PREEMPTED, .pdone = a[2] };
	if (a[1] & MMU_UPDATE_PREEMPTED) {
		unsigned int so_far = 0;
		if (!ctx->vcpu)
			return -EINVAL;
		if (b->pdone && copy_from_guest(ctx, &so_far, b->pdone, sizeof(so_far)))
			return -EFAULT;
		b->done_before = so_far;
	}
	return b->count > 0x7fffffff ? -EINVAL : 0;
}

/* Stop before item i and have the call continued from there. */
static long batch_preempt(struct hcall_ctx *ctx, const uint64_t a[5], const struct hcall_batch *b, uint64_t i,
			  size_t item_size)
{
	unsigned int so_far = (unsigned int)(b->done_before + i);
	if (b->pdone && copy_to_guest(ctx, b->pdone, &so_far, sizeof(so_far)))
		return -EFAULT;
	uint64_t next[5] = { b->list + i * item_size, (b->count - i) | MMU_UPDATE_PREEMPTED, b->pdone, a[3], a[4] };
	hypercall_continue(ctx, next);
	return 0;
}

/* Record that i items are done; rc, or -EFAULT if that fails. */
static long batch_end(struct hcall_ctx *ctx, const struct hcall_batch *b, uint64_t i, long rc)
{
	unsigned int total = (unsigned int)(b->done_before + i);
	if (b->pdone && copy_to_guest(ctx, b->pdone, &total, sizeof(total)) && !rc)
		rc = -EFAULT;
	return rc;
}

long hcall_batch_run(struct hcall_ctx *ctx, const uint64_t a[5], const struct hcall_batch *b, struct domain *d,
		     size_t item_size, uint64_t per_call, hcall_batch_item_fn fn)
{
	long rc = 0;
	uint64_t i;
	for (i = 0; i < b->count; i++) {
		if (ctx->vcpu && i == per_call)
			return batch_preempt(ctx, a, b, i, item_size);
		rc = fn(ctx, d, b->list + i * item_size);
		/* An item that stopped part-way (a big table left partially
		 * validated) is asked again: by the guest's continued call, or
		 * here for the toolstack, each step with the locks let go. */
		while (rc == -ERESTART && !ctx->vcpu)
			rc = fn(ctx, d, b->list + i * item_size);
		if (rc == -ERESTART)
			return batch_preempt(ctx, a, b, i, item_size);
		if (rc)
			break;
	}
	return batch_end(ctx, b, i, rc);
}
