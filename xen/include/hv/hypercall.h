/*
 * Hypercalls: who is calling, how their buffers are reached, and the
 * handlers.  The same handlers serve guests (arguments from registers,
 * buffers by guest virtual address) and the toolstack (arguments from a
 * control request, buffers inside its data area), as Xen's handlers serve
 * both guests and privcmd.
 */
#ifndef HV_HYPERCALL_H
#define HV_HYPERCALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/domain.h"

struct hcall_ctx {
	struct domain *caller; /* the calling domain (the control domain for requests) */
	struct vcpu *vcpu;     /* the calling vCPU; NULL for control requests */
	uint8_t *data;         /* control request: its data area */
	size_t data_len;
	bool readonly;         /* control request from the monitoring socket */
	/* A guest handler that stops part-way sets preempted and the
	 * arguments to continue with: the guest re-executes the call. */
	bool preempted;
	bool in_multicall; /* multicalls do not nest */
	/* A 32-bit PV guest's call: its structures have the compat layouts
	 * (include/public/compat/x86_32.h) and its longs are 4 bytes. */
	bool compat;
	uint64_t cont_args[5];
};

/* Ask for the call to be re-issued with new arguments (guests only). */
void hypercall_continue(struct hcall_ctx *ctx, const uint64_t args[5]);

/* Copy between a caller's buffer and the hypervisor.  0 or -EFAULT; a
 * failed copy may have copied part of the bytes. */
int copy_from_guest(struct hcall_ctx *ctx, void *dst, uint64_t addr, size_t len);
int copy_to_guest(struct hcall_ctx *ctx, uint64_t addr, const void *src, size_t len);

/* Copy to a guest virtual address as the guest kernel sees it (the kernel's
 * page tables even while a 64-bit guest runs user mode), as Xen writes the
 * areas a guest registers.  ctx->vcpu must be set. */
int pv_copy_to_guest_kernel(struct hcall_ctx *ctx, uint64_t addr, const void *src, size_t len);

/* Element i of an array of the caller's unsigned longs (xen_pfn_t,
 * xen_ulong_t): 4 bytes each for a 32-bit guest, else 8.  0 or -EFAULT. */
int copy_long_from_guest(struct hcall_ctx *ctx, uint64_t array, uint64_t i, uint64_t *val);
int copy_long_to_guest(struct hcall_ctx *ctx, uint64_t array, uint64_t i, uint64_t val);

/* The address a guest handle holds, as the caller gave it. */
#define guest_handle_addr(h) ((uint64_t)(uintptr_t)(h).p)

/*
 * Xen's protocol for the batched memory calls (mmu_update, mmuext_op):
 * arguments (list, count, pdone, domid); a continued call has count's top
 * bit set and its progress so far in *pdone, which always ends up holding
 * the total done.
 */
struct hcall_batch {
	uint64_t list, count, pdone, done_before;
};
/* Read the arguments; 0 or -EINVAL/-EFAULT. */
int hcall_batch_begin(struct hcall_ctx *ctx, const uint64_t a[5], struct hcall_batch *b);
/* One item of a batch, at guest address addr: 0, or an error that stops
 * the batch there. */
typedef long (*hcall_batch_item_fn)(struct hcall_ctx *ctx, struct domain *d, uint64_t addr);
/* Run the items of b for d, item_size bytes each, at most per_call of
 * them before the call is continued (guests only). */
long hcall_batch_run(struct hcall_ctx *ctx, const uint64_t a[5], const struct hcall_batch *b, struct domain *d,
		     size_t item_size, uint64_t per_call, hcall_batch_item_fn fn);

long hypercall_dispatch(struct hcall_ctx *ctx, unsigned int nr, const uint64_t args[5]);

/* What XENVER_commandline reports (the hypervisor's own command line). */
void version_set_cmdline(const char *cmdline);

/* Handlers, by Xen's hypercall names. */
long do_console_io(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_sched_op(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_xen_version(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_memory_op(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_mmu_update(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_update_va_mapping(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_update_va_mapping_otherdomain(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_multicall(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_mmuext_op(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_vm_assist(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_set_trap_table(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_stack_switch(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_set_callbacks(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_callback_op(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_set_segment_base(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_iret(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_fpu_taskswitch(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_set_debugreg(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_get_debugreg(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_physdev_op(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_set_gdt(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_update_descriptor(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_event_channel_op(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_event_channel_op_compat(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_set_timer_op(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_vcpu_op(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_domctl(struct hcall_ctx *ctx, const uint64_t a[5]);
long do_sysctl(struct hcall_ctx *ctx, const uint64_t a[5]);

/* The domain a call names: DOMID_SELF or an id, checked against the
 * caller's privilege.  Returns a referenced domain or NULL with *err set. */
struct domain *hcall_target_domain(struct hcall_ctx *ctx, uint16_t domid, int *err);

#endif
