/*
 * Lazy FPU switching for PV guests: the guest's CR0.TS.
 *
 * A PV kernel cannot write CR0, so Xen gives it fpu_taskswitch (and
 * emulates clts and a mov to CR0 that changes only TS).  While TS is set,
 * the first instruction that uses x87, MMX or SSE state faults with #NM;
 * the hypervisor clears TS and bounces #NM to the guest, which then loads
 * the task's FPU state.  The state itself belongs to the vCPU: KVM keeps
 * each vCPU's FPU registers across exits, and the emulating backend has
 * none (docs/pv-cpu.md).
 */
#include <errno.h>

#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"

void pv_set_guest_ts(struct vcpu *v, bool set)
{
	struct vcpu_sysregs *sys = &hv->backend->vcpu_state(v->exec)->sys;
	sys->cr0 = set ? sys->cr0 | X86_CR0_TS : sys->cr0 & ~X86_CR0_TS;
}

bool pv_device_not_available(struct vcpu *v)
{
	struct vcpu_sysregs *sys = &hv->backend->vcpu_state(v->exec)->sys;
	if (sys->cr0 & X86_CR0_TS)
		pv_set_guest_ts(v, false); /* as Xen: the guest need not clts */
	return pv_inject_exception(v, X86_EXC_NM, false, 0, 0);
}

/* HYPERVISOR_fpu_taskswitch(set): the calling vCPU's TS. */
long do_fpu_taskswitch(struct hcall_ctx *ctx, const uint64_t a[5])
{
	if (!ctx->vcpu)
		return -EPERM;
	pv_set_guest_ts(ctx->vcpu, (int)a[0] != 0);
	return 0;
}
