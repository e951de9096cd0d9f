/* HYPERVISOR_console_io: guest output into its console history and the log. */
#include <errno.h>
#include <string.h>

#include "hv/hypercall.h"
#include "public/xen.h"

/* Work done per call before the guest re-issues it for the rest. */
#define CONSOLE_WRITE_BATCH 16384
#define CONSOLE_CHUNK 256

long do_console_io(struct hcall_ctx *ctx, const uint64_t a[5])
{
	unsigned int cmd = (unsigned int)a[0];
	uint64_t count = a[1], buffer = a[2];
	struct domain *d = ctx->caller;

	switch (cmd) {
	case CONSOLEIO_write: {
		if (!ctx->vcpu)
			return -EPERM; /* the control domain has the host's console */
		uint64_t done = 0;
		char chunk[CONSOLE_CHUNK];
		/* Xen treats count as an int; negative counts write nothing. */
		if ((int64_t)(int32_t)count < 0)
			return -EINVAL;
		count = (uint32_t)count;
		while (done < count) {
			if (done == CONSOLE_WRITE_BATCH) {
				uint64_t next[5] = { cmd, count - done, buffer + done, 0, 0 };
				hypercall_continue(ctx, next);
				return 0;
			}
			size_t n = count - done < sizeof(chunk) ? (size_t)(count - done) : sizeof(chunk);
			if (copy_from_guest(ctx, chunk, buffer + done, n))
				return -EFAULT;
			text_ring_write(&d->console, chunk, n);
			printk_guest_output(d->id, chunk, n);
			done += n;
		}
		return 0;
	}
	case CONSOLEIO_read:
		/* Xen gives console input this way to the hardware domain only;
		 * other guests read theirs from the console ring. */
		return -ENOSYS;
	default:
		return -ENOSYS;
	}
}
