/* HYPERVISOR_sched_op: yield and shutdown (block/poll come with events). */
#include <errno.h>
#include <sched.h>

#include "hv/hypercall.h"
#include "public/sched.h"

long do_sched_op(struct hcall_ctx *ctx, const uint64_t a[5])
{
	unsigned int cmd = (unsigned int)a[0];
	if (!ctx->vcpu)
		return -EPERM; /* scheduling ops act on the calling vCPU */

	switch (cmd) {
	case SCHEDOP_yield:
		sched_yield();
		return 0;
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
