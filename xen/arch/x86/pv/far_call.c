/*
 * Far calls and jumps of compatibility-mode code (`lcall`/`ljmp` with a
 * ptr16:32 immediate or an m16:32 operand), directly to a code segment or
 * through a call gate of the guest's GDT or LDT.  The backends' compat
 * GDT holds no code segment or gate a guest may use, so each faults with
 * #GP(selector) and is carried out here as the CPU would on the guest's
 * tables; a failed check is the CPU's fault at the instruction, nothing
 * changed.  A call through a gate to a more privileged ring (a 32-bit
 * guest's ring 3 calling its ring-1 code) switches to the kernel stack
 * `stack_switch` named and copies the gate's parameters, as Xen's
 * emulation of call gates does (the only inner stack it knows is the
 * kernel's).  A 64-bit guest's 32-bit processes get the same direct
 * transfers (to 64-bit code too), no gates: Xen emulates those for 32-bit
 * guests only.  Returns are `lret` (traps.c).  docs/pv-cpu.md.
 */
#include <errno.h>
#include <string.h>

#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "hv/pv_layout.h"
#include "hv/x86_modrm.h"
#include "public/compat/x86_32.h"

struct far_insn {
	bool call;
	uint16_t sel;
	uint32_t offset;
	unsigned int len;
};

/* 9a/ea ptr16:32, ff /3 and ff /5 m16:32, with 32-bit operands (the
 * operand-size prefix is declined). */
static bool decode_far(struct vcpu *v, struct vcpu_state *st, struct far_insn *in)
{
	struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v, .compat = true };
	uint8_t b[X86_MAX_INSN_LEN];
	unsigned int avail = pv_fetch_insn(v, b), len = 0;
	int seg = -1;
	for (; len < avail && x86_segment_override(b[len]) >= 0; len++)
		seg = x86_segment_override(b[len]);
	if (len >= avail)
		return false;
	if (b[len] == 0x9a || b[len] == 0xea) {
		if (len + 7 > avail)
			return false;
		in->call = b[len] == 0x9a;
		memcpy(&in->offset, &b[len + 1], 4);
		memcpy(&in->sel, &b[len + 5], 2);
		in->len = len + 7;
		return true;
	}
	if (b[len] != 0xff)
		return false;
	unsigned int i = len + 1;
	struct modrm_operand m;
	if (!modrm_decode(vcpu_gprs(&st->regs), true, 0, b, avail, &i, &m) || m.mod == 3 ||
	    ((m.reg & 7) != 3 && (m.reg & 7) != 5))
		return false;
	in->call = (m.reg & 7) == 3;
	in->len = i;
	uint64_t la;
	uint8_t ptr[6];
	if (!pv_operand_address(&st->sys, modrm_segment(&m, seg), m.ea, sizeof(ptr), false, &la) ||
	    copy_from_guest(&ctx, ptr, la, sizeof(ptr)))
		return false;
	memcpy(&in->offset, ptr, 4);
	memcpy(&in->sel, &ptr[4], 2);
	return true;
}

/* A fault of the instruction, at it; the guest is crashed without a
 * handler. */
static bool fault(struct vcpu *v, unsigned int vector, uint16_t sel)
{
	if (!pv_inject_exception(v, vector, true, sel & 0xfffcu, 0))
		domain_crash(v->domain, "vCPU %u: far call or jump faults (%u, %#x), without a handler", v->id, vector,
			     sel & 0xfffcu);
	return true;
}

/* The code segment sel names (the guest's, or one of Xen's flat ones). */
static bool code_descriptor(struct vcpu *v, uint16_t sel, uint64_t *desc)
{
	*desc = xen_flat_descriptor(domain_is_pv32(v->domain), sel);
	return *desc || ((sel & ~3u) && pv_guest_descriptor(v, sel, desc));
}

static bool write_frame(struct vcpu *v, uint32_t esp, const uint32_t *words, unsigned int n)
{
	struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v, .compat = true };
	if (!copy_to_guest(&ctx, esp, words, n * 4))
		return true;
	domain_crash(v->domain, "vCPU %u: fault writing the far call's frame at %#x", v->id, esp);
	return false;
}

bool pv_emulate_far_call(struct vcpu *v, uint32_t error_code)
{
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	struct far_insn in;
	bool pv32 = domain_is_pv32(v->domain);
	if (!st->sys.compat || !decode_far(v, st, &in) || (in.sel & 0xfffcu) != error_code)
		return false;
	unsigned int cpl = st->sys.cpl;
	uint64_t desc;
	if (!code_descriptor(v, in.sel, &desc))
		return false;
	uint16_t target = in.sel;
	uint32_t offset = in.offset;
	unsigned int params = 0;
	bool gate = !(desc & DESC_S);
	if (gate) {
		/* Xen emulates call gates for 32-bit guests only. */
		if (!pv32 || (desc & DESC_TYPE) != DESC_TYPE_CALL_GATE)
			return false;
		/* set_gdt/update_descriptor keep the gate's DPL in the RPL of
		 * its code selector (descriptor_tables.c). */
		unsigned int gate_dpl = (unsigned int)(desc >> 16) & 3;
		if (gate_dpl < cpl || gate_dpl < (in.sel & 3u))
			return false;
		if (!(desc & DESC_P))
			return fault(v, X86_EXC_NP, in.sel);
		target = (uint16_t)(desc >> 16) & 0xfffc;
		offset = (uint32_t)(desc & 0xffff) | (uint32_t)(desc >> 32 & 0xffff0000);
		params = (unsigned int)(desc >> 32) & 0x1f;
		if (!code_descriptor(v, target, &desc))
			return fault(v, X86_EXC_GP, target);
	}
	unsigned int dpl = desc_dpl(desc);
	bool conforming = desc_conforming_code(desc);
	/* Directly: a conforming segment at or above the CPL, another at it
	 * with an RPL no higher.  Through a gate: a call may go inward, a
	 * jump only to the CPL's ring (or conforming code). */
	bool allowed = conforming ? dpl <= cpl
				  : gate ? (in.call ? dpl <= cpl : dpl == cpl) : dpl == cpl && (in.sel & 3u) <= cpl;
	if (!(desc & DESC_S) || !(desc & DESC_CODE) || !allowed)
		return fault(v, X86_EXC_GP, target);
	if (!(desc & DESC_P))
		return fault(v, X86_EXC_NP, target);
	/* A 64-bit guest's 32-bit process may go to 64-bit code. */
	bool to_64bit = !pv32 && (desc & DESC_L) && !(desc & DESC_DB);
	if (!to_64bit && (!(desc & DESC_DB) || !desc_flat_4g(desc))) {
		domain_crash(v->domain, "vCPU %u: far call or jump to code segment %#x: 16-bit or non-flat 32-bit "
			     "segments are not supported", v->id, target);
		return true;
	}
	if (pv_va_reserved(v->domain, offset)) {
		domain_crash(v->domain, "vCPU %u: far call or jump to %#x in the hypervisor's range", v->id, offset);
		return true;
	}

	struct vcpu_regs *r = &st->regs;
	uint32_t next = (uint32_t)(r->rip + in.len);
	unsigned int ring = conforming ? cpl : dpl;
	if (in.call && ring < cpl) {
		/* Inward through the gate, onto the kernel's stack: [eip, cs,
		 * params, esp, ss] from the lowest address. */
		uint16_t ss = (uint16_t)v->kernel_ss;
		if (ring != 1 || (ss & 3u) != ring || pv_stack_segment(v, ss, true))
			return fault(v, X86_EXC_TS, ss);
		uint32_t frame[4 + 0x1f];
		uint32_t esp = (uint32_t)v->kernel_sp - (4 + params) * 4;
		frame[0] = next;
		frame[1] = v->code_sel;
		struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v, .compat = true };
		if (params && copy_from_guest(&ctx, &frame[2], (uint32_t)r->rsp, params * 4))
			return fault(v, X86_EXC_GP, in.sel); /* the caller's stack: Xen's answer too */
		frame[2 + params] = (uint32_t)r->rsp;
		frame[3 + params] = v->stack_sel;
		if (!write_frame(v, esp, frame, 4 + params))
			return true;
		r->rsp = esp;
		v->stack_sel = ss;
		st->sys.cpl = (uint8_t)ring;
		v->kernel_mode = true;
	} else if (in.call) {
		const uint32_t frame[2] = { next, v->code_sel };
		uint32_t esp = (uint32_t)r->rsp - 8;
		if (!write_frame(v, esp, frame, 2))
			return true;
		r->rsp = esp;
	}
	r->rip = offset;
	st->sys.compat = !to_64bit;
	st->sys.compat_in_pv64 = !pv32 && !to_64bit;
	v->code_sel = (uint16_t)((target & ~3u) | ring);
	return true;
}
