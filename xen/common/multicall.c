/*
 * HYPERVISOR_multicall: a batch of hypercalls in one guest call, each
 * entry's result written back.  A call in the batch that stops part-way
 * leaves its continuation arguments in its entry, and the multicall
 * continues from that entry, as Xen's does.
 */
#include <errno.h>
#include <stddef.h>

#include "hv/hypercall.h"
#include "public/compat/x86_32.h"
#include "public/xen.h"

/* Entries handled per guest call before the guest re-issues it. */
#define MULTICALL_BATCH 64

/* Entries are struct multicall_entry, or compat_multicall_entry (32-bit
 * op, result and arguments) from a 32-bit guest. */
static int read_entry(struct hcall_ctx *ctx, uint64_t at, struct multicall_entry *call)
{
	if (!ctx->compat)
		return copy_from_guest(ctx, call, at, sizeof(*call));
	struct compat_multicall_entry c;
	if (copy_from_guest(ctx, &c, at, sizeof(c)))
		return -EFAULT;
	*call = (struct multicall_entry){ .op = c.op, .result = c.result };
	for (unsigned int j = 0; j < 6; j++)
		call->args[j] = c.args[j];
	return 0;
}

static int write_args(struct hcall_ctx *ctx, uint64_t at, const uint64_t args[5])
{
	size_t off = ctx->compat ? offsetof(struct compat_multicall_entry, args)
				 : offsetof(struct multicall_entry, args);
	for (unsigned int j = 0; j < 5; j++)
		if (copy_long_to_guest(ctx, at + off, j, args[j]))
			return -EFAULT;
	return 0;
}

static int write_result(struct hcall_ctx *ctx, uint64_t at, long result)
{
	size_t off = ctx->compat ? offsetof(struct compat_multicall_entry, result)
				 : offsetof(struct multicall_entry, result);
	return copy_long_to_guest(ctx, at + off, 0, (uint64_t)result);
}

long do_multicall(struct hcall_ctx *ctx, const uint64_t a[5])
{
	uint64_t list = a[0];
	uint64_t nr = (uint32_t)a[1];
	if (!ctx->vcpu || ctx->in_multicall)
		return -EINVAL;
	size_t entry_size = ctx->compat ? sizeof(struct compat_multicall_entry) : sizeof(struct multicall_entry);
	for (uint64_t i = 0; i < nr; i++) {
		uint64_t at = list + i * entry_size;
		if (i == MULTICALL_BATCH) {
			uint64_t next[5] = { at, nr - i, 0, 0, 0 };
			hypercall_continue(ctx, next);
			return 0;
		}
		struct multicall_entry call;
		if (read_entry(ctx, at, &call))
			return -EFAULT;
		struct hcall_ctx sub = *ctx;
		sub.in_multicall = true;
		sub.preempted = false;
		uint64_t args[5] = { call.args[0], call.args[1], call.args[2], call.args[3], call.args[4] };
		long result = call.op > UINT32_MAX ? -ENOSYS : hypercall_dispatch(&sub, (unsigned int)call.op, args);
		if (sub.preempted) {
			if (write_args(ctx, at, sub.cont_args))
				return -EFAULT;
			uint64_t next[5] = { at, nr - i, 0, 0, 0 };
			hypercall_continue(ctx, next);
			return 0;
		}
		if (write_result(ctx, at, result))
			return -EFAULT;
	}
	return 0;
}
