/*
 * A PV guest's debug registers: set_debugreg, get_debugreg, mov to and
 * from %drN in its kernel, and the debugreg[] of vCPU contexts, with Xen's
 * rules.  Breakpoints may not watch the hypervisor's range, DR6 and DR7
 * keep their reserved bits as the architecture has them, DR7's general-
 * detect bit is refused, and I/O breakpoints need CR4.DE, which PV guests
 * do not have (so DR4/DR5 are DR6/DR7's old names).  The values live in
 * the vCPU's sysregs, from where the backend makes them fire.
 */
#include <errno.h>

#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "hv/pv_layout.h"

#define DR6_ZEROS 0x1000ull      /* bit 12 reads as 0 */
#define DR7_ZEROS 0xd800ull      /* bits 11-12 and 14-15 (RTM: not offered) */
#define DR7_GENERAL_DETECT 0x2000ull
#define DR7_ACTIVE_MASK 0xffull  /* L0-3, G0-3 */
#define DR7_RW_IO 2u

/* Xen's breakpoint_addr_ok: the lower half, or above its reserved range. */
static bool breakpoint_addr_ok(uint64_t addr)
{
	return addr < (1ull << 47) || addr >= PV64_RESERVED_END;
}

int pv_set_debugreg(struct vcpu *v, unsigned int reg, uint64_t value)
{
	struct vcpu_sysregs *sys = &hv->backend->vcpu_state(v->exec)->sys;
	switch (reg) {
	case 0 ... 3:
		if (!breakpoint_addr_ok(value))
			return -EPERM;
		sys->dr[reg] = value;
		return 0;
	case 4:
	case 6:
		if (value != (uint32_t)value)
			return -EINVAL;
		sys->dr6 = (value | X86_DR6_DEFAULT) & ~DR6_ZEROS;
		return 0;
	case 5:
	case 7:
		if (value != (uint32_t)value)
			return -EINVAL;
		value = (value & ~DR7_ZEROS) | X86_DR7_DEFAULT;
		if (value & DR7_GENERAL_DETECT)
			return -EPERM;
		if (value & DR7_ACTIVE_MASK)
			for (unsigned int i = 16; i < 32; i += 4)
				if (((value >> i) & 3) == DR7_RW_IO)
					return -EPERM; /* no CR4.DE */
		sys->dr7 = value;
		return 0;
	default:
		return -ENODEV;
	}
}

int pv_get_debugreg(struct vcpu *v, unsigned int reg, uint64_t *value)
{
	const struct vcpu_sysregs *sys = &hv->backend->vcpu_state(v->exec)->sys;
	switch (reg) {
	case 0 ... 3:
		*value = sys->dr[reg];
		return 0;
	case 4:
	case 6:
		*value = sys->dr6;
		return 0;
	case 5:
	case 7:
		*value = sys->dr7;
		return 0;
	default:
		return -ENODEV;
	}
}

int pv_check_context_debugregs(const uint64_t dr[8], bool compat)
{
	if (!compat && (dr[6] != (uint32_t)dr[6] || dr[7] != (uint32_t)dr[7]))
		return -EINVAL;
	for (unsigned int i = 0; i < 4; i++)
		if (!breakpoint_addr_ok(dr[i]))
			return -EINVAL;
	return 0;
}

/* HYPERVISOR_set_debugreg(reg, value): the calling vCPU's. */
long do_set_debugreg(struct hcall_ctx *ctx, const uint64_t a[5])
{
	if (!ctx->vcpu)
		return -EPERM;
	uint64_t value = ctx->compat ? (uint32_t)a[1] : a[1];
	return pv_set_debugreg(ctx->vcpu, (unsigned int)a[0], value);
}

/* HYPERVISOR_get_debugreg(reg): the value itself is the result. */
long do_get_debugreg(struct hcall_ctx *ctx, const uint64_t a[5])
{
	uint64_t value;
	if (!ctx->vcpu)
		return -EPERM;
	int rc = pv_get_debugreg(ctx->vcpu, (unsigned int)a[0], &value);
	return rc ? rc : (long)value;
}
