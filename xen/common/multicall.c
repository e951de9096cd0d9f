/*
 * HYPERVISOR_multicall: a batch of hypercalls in one guest call, each
 * entry's result written back.  A call in the batch that stops part-way
 * leaves its continuation arguments in its entry, and the multicall
 * continues from that entry, as Xen's does.
 */
#include <errno.h>
#include <stddef.h>

#include "hv/hypercall.h"
#include "public/xen.h"

/* Entries handled per guest call before the guest re-issues it. */
#define MULTICALL_BATCH 64

long do_multicall(struct hcall_ctx *ctx, const uint64_t a[5])
{
	uint64_t list = a[0];
	uint64_t nr = (uint32_t)a[1];
	if (!ctx->vcpu || ctx->in_multicall)
		return -EINVAL;
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t at = list + i * sizeof(struct multicall_entry);
		if (i == MULTICALL_BATCH) {
			uint64_t next[5] = { at, nr - i, 0, 0, 0 };
			hypercall_continue(ctx, next);
			return 0;
		}
		struct multicall_entry call;
		if (copy_from_guest(ctx, &call, at, sizeof(call)))
			return -EFAULT;
		struct hcall_ctx sub = *ctx;
		sub.in_multicall = true;
		sub.preempted = false;
		uint64_t args[5] = { call.args[0], call.args[1], call.args[2], call.args[3], call.args[4] };
		long result = call.op > UINT32_MAX ? -ENOSYS : hypercall_dispatch(&sub, (unsigned int)call.op, args);
		if (sub.preempted) {
			for (unsigned int j = 0; j < 5; j++)
				call.args[j] = sub.cont_args[j];
			if (copy_to_guest(ctx, at + offsetof(struct multicall_entry, args), call.args,
					  sizeof(call.args)))
				return -EFAULT;
			uint64_t next[5] = { at, nr - i, 0, 0, 0 };
			hypercall_continue(ctx, next);
			return 0;
		}
		call.result = (xen_ulong_t)result;
		if (copy_to_guest(ctx, at + offsetof(struct multicall_entry, result), &call.result,
				  sizeof(call.result)))
			return -EFAULT;
	}
	return 0;
}
