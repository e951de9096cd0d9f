/*
 * Privileged instructions a PV guest kernel executes and Xen emulates for
 * it (Xen's emul-priv-op.c): they fault with #GP(0) because the kernel
 * does not run at CPL 0, and are carried out here on the guest's own view
 * of the CPU.  What is not emulated stays the guest's #GP.
 *
 * Emulated so far, in guest kernel mode:
 *   rdmsr/wrmsr of FS_BASE, GS_BASE, SHADOW_GS_BASE (64-bit guests; the
 *   bases must be canonical), rdmsr of EFER, the machine-check MSRs
 *   (vmce.c);
 *   mov from CR0, CR2, CR3 (the guest's own table in the Xen encoding of
 *   its width) and CR4 (the guest's view); clts, mov to CR0 changing
 *   only TS (fpu.c), mov to CR3 (MMUEXT_NEW_BASEPTR), mov to CR4 (bits
 *   the guest may not set dropped);
 *   mov to and from the debug registers (debugreg.c);
 * and in any mode whose ring the virtual IOPL allows: cli, sti, in, out,
 * ins and outs (emul_string_io.c).
 */
#include <errno.h>
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
	if (!slot)
		return vmce_wrmsr(v, msr, val) > 0;
	if (!va_is_canonical(val))
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
	else if (vmce_rdmsr(v, msr, &val) <= 0)
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
		*val = v->guest_cr4;
		return true;
	default:
		return false;
	}
}

/*
 * cli, sti, in and out, allowed by the virtual IOPL (physdev.c).  A guest
 * has no I/O ports, so, as Xen does for such a domain, cli and sti do
 * nothing (events are masked through vcpu_info), in reads all ones and
 * out is dropped (the string forms: emul_string_io.c).  Returns the instruction's
 * length, or 0 if it is not one of these.
 */
static unsigned int emulate_io(struct vcpu_state *st, const uint8_t *b, unsigned int len,
			       bool opsize16)
{
	uint8_t op = b[len++];
	unsigned int size;
	switch (op) {
	case 0xfa: /* cli */
	case 0xfb: /* sti */
		return len;
	case 0xe4: /* in $imm8, %al / %eax */
	case 0xe5:
	case 0xe6: /* out */
	case 0xe7:
		len++;
		break;
	case 0xec: /* in (%dx), %al / %eax */
	case 0xed:
	case 0xee: /* out */
	case 0xef:
		break;
	default:
		return 0;
	}
	if (op & 2)
		return len; /* out: dropped */
	size = !(op & 1) ? 1 : opsize16 ? 2 : 4;
	uint64_t *rax = &st->regs.rax;
	if (size == 4)
		*rax = 0xffffffffu; /* a 32-bit result clears the upper half */
	else
		*rax |= size == 1 ? 0xffu : 0xffffu;
	return len;
}

/* The instruction's bytes at rip: up to 4 (prefix, rex, 0f, op, modrm
 * never exceed that here), as many as are readable; false if none are. */
static bool fetch(struct vcpu *v, struct vcpu_state *st, uint8_t b[4])
{
	struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v, .compat = domain_is_pv32(v->domain) };
	for (unsigned int i = 0; i < 4; i++)
		if (copy_from_guest(&ctx, &b[i], st->regs.rip + i, 1))
			return i > 0;
	return true;
}

bool pv_emulate_privileged(struct vcpu *v)
{
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	bool pv32 = domain_is_pv32(v->domain);
	uint8_t b[4] = { 0 };
	if (!fetch(v, st, b))
		return false;
	if (pv_maybe_string_io(b, sizeof(b)))
		return pv_iopl_ok(v) && pv_emulate_string_io(v);
	unsigned int len = 0, rex = 0;
	bool opsize16 = b[0] == 0x66;
	if (opsize16)
		len++;
	if (!pv32 && (b[len] & 0xf0) == 0x40)
		rex = b[len++];
	unsigned int io_len = pv_iopl_ok(v) ? emulate_io(st, b, len, opsize16) : 0;
	if (io_len) {
		len = io_len;
		goto done;
	}
	if (!v->kernel_mode || opsize16 || b[len] != 0x0f)
		return false;
	uint8_t op = b[len + 1];
	len += 2;
	bool ok;
	switch (op) {
	case 0x30:
		ok = !rex && wrmsr(v, st);
		break;
	case 0x32:
		ok = !rex && rdmsr(v, st);
		break;
	case 0x06: /* clts */
		pv_set_guest_ts(v, false);
		ok = true;
		break;
	case 0x22: { /* mov reg, %crN: of CR0 only TS may change, as in Xen */
		uint8_t modrm = b[len++];
		unsigned int cr = ((modrm >> 3) & 7) | ((rex & 4) << 1), reg = (modrm & 7) | ((rex & 1) << 3);
		uint64_t val = vcpu_gprs(&st->regs)[reg];
		if (pv32)
			val = (uint32_t)val;
		if (cr == 4) { /* as Xen: taken, with what the guest may not set dropped */
			v->guest_cr4 = pv_fixup_guest_cr4(v, val);
			ok = true;
			break;
		}
		if (cr == 3) { /* as Xen: a new kernel base pointer, in the Xen encoding of the guest's width */
			uint64_t mfn = pv32 ? (uint32_t)(val >> 12 | val << 20) : val >> 12;
			long rc = pv_new_baseptr(v, mfn, false);
			if (rc == -ERESTART)
				return true; /* the instruction runs again and goes on validating */
			ok = rc == 0;
			break;
		}
		ok = cr == 0 && !((val ^ st->sys.cr0) & ~X86_CR0_TS);
		if (ok)
			pv_set_guest_ts(v, val & X86_CR0_TS);
		break;
	}
	case 0x21: /* mov %drN, reg */
	case 0x23: { /* mov reg, %drN */
		uint8_t modrm = b[len++];
		unsigned int dr = ((modrm >> 3) & 7) | ((rex & 4) << 1), reg = (modrm & 7) | ((rex & 1) << 3);
		uint64_t *gpr = &vcpu_gprs(&st->regs)[reg], val = pv32 ? (uint32_t)*gpr : *gpr;
		int rc = op == 0x21 ? pv_get_debugreg(v, dr, &val) : pv_set_debugreg(v, dr, val);
		if (rc == -ENODEV) {
			/* As Xen: #UD for a register that does not exist. */
			if (!pv_inject_exception(v, X86_EXC_UD, false, 0, 0))
				domain_crash(v->domain, "vCPU %u: mov %%dr%u: #UD without a handler", v->id, dr);
			return true;
		}
		ok = rc == 0;
		if (ok && op == 0x21)
			*gpr = pv32 ? (uint32_t)val : val;
		break;
	}
	case 0x20: { /* mov %crN, reg: always the register form */
		uint8_t modrm = b[len++];
		unsigned int cr = ((modrm >> 3) & 7) | ((rex & 4) << 1), reg = (modrm & 7) | ((rex & 1) << 3);
		uint64_t val;
		ok = read_cr(v, st, cr, &val);
		if (ok)
			vcpu_gprs(&st->regs)[reg] = pv32 ? (uint32_t)val : val;
		break;
	}
	default:
		ok = false;
	}
	if (!ok)
		return false;
done:
	st->regs.rip = st->sys.compat ? (uint32_t)(st->regs.rip + len) : st->regs.rip + len;
	return true;
}
