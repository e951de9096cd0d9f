/*
 * Privileged instructions a PV guest kernel executes and Xen emulates for
 * it (Xen's emul-priv-op.c): they fault with #GP(0) because the kernel
 * does not run at CPL 0, and are carried out here on the guest's own view
 * of the CPU.  What is not emulated stays the guest's #GP.
 *
 * Emulated so far, in guest kernel mode only:
 *   rdmsr/wrmsr of FS_BASE, GS_BASE, SHADOW_GS_BASE (64-bit guests; the
 *   bases must be canonical), rdmsr of EFER;
 *   mov from CR0, CR2, CR3 (the guest's own table in the Xen encoding of
 *   its width) and CR4.
 */
#include <string.h>

#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/compat/x86_32.h"
#include "public/xen.h"

#define MSR_EFER 0xc0000080u
#define MSR_FS_BASE 0xc0000100u
#define MSR_GS_BASE 0xc0000101u
#define MSR_SHADOW_GS_BASE 0xc0000102u

/* The MSRs whose value lives in the vCPU state: where, or NULL. */
static uint64_t *base_msr(struct vcpu *v, struct vcpu_sysregs *sys, uint32_t msr)
{
	if (v->domain->type != DOMAIN_PV64)
		return NULL;
	switch (msr) {
	case MSR_FS_BASE:
		return &sys->fs_base;
	case MSR_GS_BASE: /* the live one: the kernel's, in kernel mode */
		return &sys->gs_base;
	case MSR_SHADOW_GS_BASE:
		return &sys->kernel_gs_base;
	default:
		return NULL;
	}
}

static bool wrmsr(struct vcpu *v, struct vcpu_state *st)
{
	uint32_t msr = (uint32_t)st->regs.rcx;
	uint64_t val = (uint32_t)st->regs.rax | st->regs.rdx << 32;
	uint64_t *slot = base_msr(v, &st->sys, msr);
	if (!slot || !va_is_canonical(val))
		return false;
	*slot = val;
	return true;
}

static bool rdmsr(struct vcpu *v, struct vcpu_state *st)
{
	uint32_t msr = (uint32_t)st->regs.rcx;
	uint64_t *slot = base_msr(v, &st->sys, msr), val;
	if (slot)
		val = *slot;
	else if (msr == MSR_EFER)
		val = st->sys.efer;
	else
		return false;
	st->regs.rax = (uint32_t)val;
	st->regs.rdx = val >> 32;
	return true;
}

static bool read_cr(struct vcpu *v, struct vcpu_state *st, unsigned int cr, uint64_t *val)
{
	bool pv32 = domain_is_pv32(v->domain);
	switch (cr) {
	case 0:
		*val = st->sys.cr0;
		return true;
	case 2:
		*val = st->sys.cr2;
		return true;
	case 3: {
		uint64_t mfn = v->kernel_mode || pv32 ? v->cr3_mfn : v->user_cr3_mfn;
		*val = pv32 ? compat_xen_pfn_to_cr3((uint32_t)mfn) : xen_pfn_to_cr3(mfn);
		return true;
	}
	case 4:
		*val = st->sys.cr4;
		return true;
	default:
		return false;
	}
}

bool pv_emulate_privileged(struct vcpu *v)
{
	if (!v->kernel_mode)
		return false;
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	bool pv32 = domain_is_pv32(v->domain);
	/* At most 4 bytes (rex, 0f, op, modrm); the instruction may end
	 * right before an unmapped page, so take only what can be read. */
	uint8_t b[4] = { 0 };
	struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v, .compat = pv32 };
	for (unsigned int i = 0; i < sizeof(b); i++)
		if (copy_from_guest(&ctx, &b[i], st->regs.rip + i, 1)) {
			if (i < 2)
				return false;
			break;
		}
	unsigned int len = 0, rex = 0;
	if (!pv32 && (b[0] & 0xf0) == 0x40)
		rex = b[len++];
	if (b[len] != 0x0f)
		return false;
	uint8_t op = b[len + 1];
	len += 2;
	bool done;
	switch (op) {
	case 0x30:
		done = !rex && wrmsr(v, st);
		break;
	case 0x32:
		done = !rex && rdmsr(v, st);
		break;
	case 0x20: { /* mov %crN, reg: always the register form */
		uint8_t modrm = b[len++];
		unsigned int cr = ((modrm >> 3) & 7) | ((rex & 4) << 1), reg = (modrm & 7) | ((rex & 1) << 3);
		uint64_t val;
		done = read_cr(v, st, cr, &val);
		if (done)
			vcpu_gprs(&st->regs)[reg] = pv32 ? (uint32_t)val : val;
		break;
	}
	default:
		done = false;
	}
	if (done)
		st->regs.rip = pv32 ? (uint32_t)(st->regs.rip + len) : st->regs.rip + len;
	return done;
}
