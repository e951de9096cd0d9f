/*
 * What happens when a PV vCPU leaves guest code: hypercalls,
 * emulated instructions, and faults the guest cannot handle.
 */
#include <stdio.h>
#include <string.h>

#include "hv/arch.h"
#include "hv/event.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"

/* Xen's forced-emulation prefix: ud2a; .ascii "xen"; then the instruction. */
static const uint8_t forced_emulation_cpuid[] = { 0x0f, 0x0b, 0x78, 0x65, 0x6e, 0x0f, 0xa2 };

static const char *const exception_names[32] = {
	"#DE", "#DB", "NMI", "#BP", "#OF", "#BR", "#UD", "#NM", "#DF", "#09", "#TS",
	"#NP", "#SS", "#GP", "#PF", "#15", "#MF", "#AC", "#MC", "#XM",
};

static void emulate_cpuid(struct vcpu *v, struct vcpu_state *st, unsigned int len)
{
	uint32_t out[4];
	pv_cpuid(v->domain, (uint32_t)st->regs.rax, (uint32_t)st->regs.rcx, out);
	st->regs.rax = out[0];
	st->regs.rbx = out[1];
	st->regs.rcx = out[2];
	st->regs.rdx = out[3];
	st->regs.rip += len;
}

static void hypercall(struct vcpu *v, struct vcpu_state *st)
{
	struct vcpu_regs *r = &st->regs;
	/* syscall put the guest's flags in r11; the hypercall returns with them. */
	r->rflags = pv_sanitize_rflags(r->r11);
	struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v };
	uint64_t args[5] = { r->rdi, r->rsi, r->rdx, r->r10, r->r8 };
	unsigned int nr = (unsigned int)r->rax;
	long ret = hypercall_dispatch(&ctx, nr, args);
	if (ctx.preempted) {
		/* Re-issue the call: back over the 2-byte syscall. */
		r->rax = nr;
		r->rdi = ctx.cont_args[0];
		r->rsi = ctx.cont_args[1];
		r->rdx = ctx.cont_args[2];
		r->r10 = ctx.cont_args[3];
		r->r8 = ctx.cont_args[4];
		r->rip -= 2;
		return;
	}
	r->rax = (uint64_t)ret;
}

/* 32-bit PV ABI: int $0x82 with the number in eax and arguments in ebx,
 * ecx, edx, esi, edi; the result in eax, nothing else clobbered. */
static void compat_hypercall(struct vcpu *v, struct vcpu_state *st)
{
	struct vcpu_regs *r = &st->regs;
	struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v, .compat = true };
	uint64_t args[5] = { (uint32_t)r->rbx, (uint32_t)r->rcx, (uint32_t)r->rdx, (uint32_t)r->rsi,
			     (uint32_t)r->rdi };
	unsigned int nr = (uint32_t)r->rax;
	long ret = hypercall_dispatch(&ctx, nr, args);
	if (ctx.preempted) {
		/* Re-issue the call: back over the 2-byte int $0x82. */
		r->rax = nr;
		r->rbx = (uint32_t)ctx.cont_args[0];
		r->rcx = (uint32_t)ctx.cont_args[1];
		r->rdx = (uint32_t)ctx.cont_args[2];
		r->rsi = (uint32_t)ctx.cont_args[3];
		r->rdi = (uint32_t)ctx.cont_args[4];
		r->rip = (uint32_t)(r->rip - 2);
		return;
	}
	r->rax = (uint32_t)ret;
}

static void crash_on_trap(struct vcpu *v, const struct vcpu_state *st, const struct exec_exit *e)
{
	const char *name = e->vector < 32 && exception_names[e->vector] ? exception_names[e->vector] : "?";
	char extra[64] = "";
	if (e->vector == X86_EXC_PF)
		snprintf(extra, sizeof(extra), " cr2 %#llx", (unsigned long long)e->cr2);
	/* The registers and the top of the guest's stack, for whoever debugs
	 * the guest (a kernel that panics early has its message in them). */
	const uint64_t *r = vcpu_gprs((struct vcpu_regs *)&st->regs);
	static const char *const names[16] = { "rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi",
					       "r8",  "r9",  "r10", "r11", "r12", "r13", "r14", "r15" };
	for (unsigned int i = 0; i < 16; i += 4)
		printk("d%u: vCPU %u %-3s %016llx %-3s %016llx %-3s %016llx %-3s %016llx\n", v->domain->id, v->id,
		       names[i], (unsigned long long)r[i], names[i + 1], (unsigned long long)r[i + 1], names[i + 2],
		       (unsigned long long)r[i + 2], names[i + 3], (unsigned long long)r[i + 3]);
	struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v, .compat = domain_is_pv32(v->domain) };
	for (unsigned int line = 0; line < 4; line++) {
		uint64_t words[4], at = st->regs.rsp + line * sizeof(words);
		if (copy_from_guest(&ctx, words, at, sizeof(words)))
			break;
		printk("d%u: vCPU %u stack at %#llx: %016llx %016llx %016llx %016llx\n", v->domain->id, v->id,
		       (unsigned long long)at, (unsigned long long)words[0], (unsigned long long)words[1],
		       (unsigned long long)words[2], (unsigned long long)words[3]);
	}
	domain_crash(v->domain,
		     "vCPU %u: unhandled %s (vector %u) error %#x%s at rip %#llx rsp %#llx (no handler)",
		     v->id, name, e->vector, e->has_error_code ? e->error_code : 0, extra,
		     (unsigned long long)st->regs.rip, (unsigned long long)st->regs.rsp);
}

static bool at_forced_emulation(struct vcpu *v, const struct vcpu_state *st)
{
	uint8_t bytes[sizeof(forced_emulation_cpuid)];
	struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v };
	return !copy_from_guest(&ctx, bytes, st->regs.rip, sizeof(bytes)) &&
	       !memcmp(bytes, forced_emulation_cpuid, sizeof(bytes));
}

bool arch_vcpu_enter_guest(struct vcpu *v)
{
	time_refresh_vcpu(v);
	return pv_load_context_segments(v) && pv_deliver_nmi(v) && pv_deliver_event_upcall(v);
}

void arch_vcpu_handle_exit(struct vcpu *v, const struct exec_exit *e)
{
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	switch (e->reason) {
	case EXEC_EXIT_SYSCALL:
		if (domain_is_pv32(v->domain)) {
			if (!pv_compat_syscall(v))
				domain_crash(v->domain, "vCPU %u: syscall without a syscall32 callback or #GP handler",
					     v->id);
			return;
		}
		if (!v->kernel_mode || st->sys.compat) {
			if (!pv_syscall_callback(v))
				domain_crash(v->domain, "vCPU %u: syscall without a callback or #UD handler", v->id);
			return;
		}
		hypercall(v, st);
		return;
	case EXEC_EXIT_CPUID:
		emulate_cpuid(v, st, 2);
		return;
	case EXEC_EXIT_TRAP:
		if (e->vector == X86_EXC_UD && at_forced_emulation(v, st)) {
			emulate_cpuid(v, st, sizeof(forced_emulation_cpuid));
			return;
		}
		if (e->vector == X86_EXC_UD && pv_sysenter(v))
			return;
		if (e->vector == X86_EXC_PF && pv_ptwr_fault(v, e))
			return;
		if (e->vector == X86_EXC_GP && e->has_error_code && !e->error_code &&
		    (pv_emulate_privileged(v) || pv_sysenter(v)))
			return;
		if (e->vector == X86_EXC_GP && e->has_error_code && e->error_code &&
		    (pv_load_segment(v, e->error_code) || pv_emulate_far_return(v, e->error_code) ||
		     pv_emulate_far_call(v, e->error_code)))
			return;
		if (e->vector == X86_EXC_NM) {
			if (!pv_device_not_available(v))
				crash_on_trap(v, st, e);
			return;
		}
		if (pv_inject_exception(v, e->vector, e->has_error_code, e->error_code, e->cr2))
			return;
		crash_on_trap(v, st, e);
		return;
	case EXEC_EXIT_SOFTINT:
		if (e->vector == PV32_HYPERCALL_VECTOR && domain_is_pv32(v->domain) && v->kernel_mode) {
			compat_hypercall(v, st);
			return;
		}
		if (pv_software_interrupt(v, e->vector))
			return;
		domain_crash(v->domain, "vCPU %u: int $%#x at rip %#llx (no trap table)", v->id, e->vector,
			     (unsigned long long)st->regs.rip);
		return;
	case EXEC_EXIT_KICKED:
		return;
	case EXEC_EXIT_FATAL:
		domain_crash(v->domain, "vCPU %u: %s (rip %#llx)", v->id, e->detail,
			     (unsigned long long)st->regs.rip);
		return;
	}
	domain_crash(v->domain, "vCPU %u: unknown exit %d", v->id, (int)e->reason);
}
