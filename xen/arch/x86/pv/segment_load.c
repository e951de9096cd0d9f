/*
 * Loads of guest-defined selectors into segment registers (`mov r,
 * %sreg`, `pop %fs/%gs`, and in compatibility mode `pop %ds/%es/%ss`), and
 * of the data selectors a vCPU context names (a failed one enters the
 * failsafe callback).
 *
 * The backends run guests on the hypervisor's own GDT, which holds at
 * most Xen's flat selectors (for 32-bit guests none) but not the guest's
 * descriptors, so loading a selector of the guest's GDT or LDT faults with
 * #GP(selector).  The load is carried
 * out here as the CPU would on the guest's tables: the descriptor must
 * exist, be a data or readable code segment and allow the guest's
 * privilege (the descriptor checks of set_gdt/update_descriptor have
 * already raised every DPL to the guest kernel's ring); a descriptor that
 * is not present is #NP(selector).  The register then holds the guest's
 * selector and the descriptor as the CPU caches it (vcpu_sysregs
 * data_desc, which the backends give compatibility-mode code), and FS and
 * GS the descriptor's base.  docs/pv-cpu.md, "Segment registers".
 */
#include <errno.h>
#include <string.h>

#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "hv/pv_layout.h"
#include "hv/x86_modrm.h"
#include "public/compat/x86_32.h"
#include "public/xen.h"

bool pv_guest_descriptor(struct vcpu *v, uint16_t sel, uint64_t *desc)
{
	unsigned int index = sel >> 3;
	if (index >= FIRST_RESERVED_GDT_ENTRY)
		return false;
	if (sel & 4) {
		if (index >= v->ldt_ents)
			return false;
		struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v };
		return copy_from_guest(&ctx, desc, v->ldt_base + index * 8ull, 8) == 0;
	}
	if (index >= v->gdt_ents)
		return false;
	const _Atomic uint64_t *descs = machine_frame(&hv->machine, v->gdt_frames[index / 512]);
	*desc = atomic_load(&descs[index % 512]);
	return true;
}

int pv_data_segment(struct vcpu *v, uint16_t sel, unsigned int cpl, uint64_t *desc)
{
	*desc = 0;
	if (!(sel & ~3u))
		return 0;
	uint64_t d = xen_flat_descriptor(domain_is_pv32(v->domain), sel);
	if (!d && !pv_guest_descriptor(v, sel, &d))
		return -EINVAL;
	unsigned int dpl = desc_dpl(d);
	if (!desc_data_usable(d) || (!desc_conforming_code(d) && (dpl < cpl || dpl < (sel & 3u))))
		return -EINVAL;
	if (!(d & DESC_P))
		return -ENOENT;
	*desc = d | DESC_ACCESSED;
	return 0;
}

void pv_set_data_segment(struct vcpu_sysregs *sys, unsigned int slot, uint16_t sel, uint64_t desc)
{
	sys->data_sel[slot] = sel;
	sys->data_desc[slot] = desc;
}

void pv_drop_data_segments_below(struct vcpu_sysregs *sys, unsigned int ring)
{
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t d = sys->data_desc[i];
		if (d && !desc_conforming_code(d) && desc_dpl(d) < ring)
			pv_set_data_segment(sys, i, 0, 0);
	}
}

int pv_code_segment(struct vcpu *v, uint16_t sel, bool *compat)
{
	bool pv32 = domain_is_pv32(v->domain);
	*compat = pv32;
	if (pv32) {
		/* A 32-bit guest's: ring 1's and ring 3's, each for its RPL. */
		if (sel == COMPAT_FLAT_RING1_CS || sel == COMPAT_FLAT_RING3_CS)
			return 0;
	} else if ((sel | 3) == FLAT_RING3_CS64) {
		return 0;
	} else if ((sel | 3) == FLAT_RING3_CS32) {
		*compat = true;
		return 0;
	}
	uint64_t desc;
	if (!(sel & ~3u) || !pv_guest_descriptor(v, sel, &desc))
		return -EINVAL;
	unsigned int dpl = desc_dpl(desc), rpl = sel & 3u;
	if (!(desc & DESC_S) || !(desc & DESC_CODE) || (desc & DESC_CONFORMING ? dpl > rpl : dpl != rpl))
		return -EINVAL;
	if (!(desc & DESC_P))
		return -ENOENT;
	if ((desc & DESC_L) && !pv32)
		return desc & DESC_DB ? -EINVAL : 0;
	*compat = true;
	/* The backends run 32-bit code on Xen's flat selector. */
	return (desc & DESC_DB) && desc_flat_4g(desc) ? 0 : -EOPNOTSUPP;
}

int pv_stack_segment(struct vcpu *v, uint16_t sel, bool compat)
{
	if (domain_is_pv32(v->domain) ? sel == COMPAT_FLAT_RING1_SS || sel == COMPAT_FLAT_RING3_SS
				       : (sel | 3) == FLAT_RING3_DS32)
		return 0;
	uint64_t desc;
	if (!(sel & ~3u) || !pv_guest_descriptor(v, sel, &desc))
		return -EINVAL;
	unsigned int dpl = desc_dpl(desc);
	if (!(desc & DESC_S) || (desc & DESC_CODE) || !(desc & DESC_WRITABLE) || dpl != (sel & 3u))
		return -EINVAL;
	if (!(desc & DESC_P))
		return -ENOENT;
	/* 64-bit code ignores the stack segment's base and limit; 32-bit
	 * code runs on Xen's flat one. */
	return !compat || (desc_flat_4g(desc) && !(desc & DESC_EXPAND_DOWN)) ? 0 : -EOPNOTSUPP;
}

/*
 * Xen keeps the data selectors a vCPU context names and loads them when it
 * next switches to the vCPU (load_segments); one that does not load is
 * left null and the vCPU enters its failsafe callback instead, with all
 * four selectors as the context named them in the frame.  Here the load
 * happens at the vCPU's first entry after the context was set, in the
 * guest kernel's ring.  A 64-bit vCPU's FS and GS bases are then the
 * context's own (Xen writes them after the selectors), a 32-bit one's
 * those of the descriptors.
 */
bool pv_load_context_segments(struct vcpu *v)
{
	if (!v->context_segments_pending)
		return true;
	v->context_segments_pending = false;
	struct vcpu_sysregs *sys = &hv->backend->vcpu_state(v->exec)->sys;
	bool pv32 = domain_is_pv32(v->domain), all_loaded = true;
	uint16_t named[4];
	memcpy(named, v->context_data_sel, sizeof(named));
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t desc;
		uint16_t sel = named[i];
		if (pv_data_segment(v, sel, pv32 ? 1 : 3, &desc)) {
			sel = 0;
			desc = 0;
			all_loaded = false;
		}
		v->context_data_sel[i] = sel;
		pv_set_data_segment(sys, i, sel, desc);
		if (pv32 && i == 2)
			sys->fs_base = desc_base(desc);
		if (pv32 && i == 3)
			sys->gs_base = desc_base(desc);
	}
	return all_loaded || pv_failsafe_callback(v, named);
}

/* The instruction loading a segment register that faulted: `mov r/m16,
 * %sreg`, `pop %fs`/`%gs`, `lss`/`lfs`/`lgs` and, in compatibility mode,
 * `pop %ds`/`%es`/`%ss` and `lds`/`les`. */
struct segment_load_insn {
	unsigned int len;       /* bytes */
	unsigned int sreg;      /* encoding number: ES 0, CS 1, SS 2, DS 3, FS 4, GS 5 */
	unsigned int pop_bytes; /* pop: what it takes off the stack */
	uint16_t sel;
	/* lds and the rest: the offset for register far_reg, of far_size bytes
	 * (0: none). */
	unsigned int far_reg, far_size;
	uint64_t far_offset;
};

bool pv_operand_address(const struct vcpu_sysregs *sys, unsigned int seg, uint64_t ea, unsigned int size,
			bool write, uint64_t *la)
{
	if (sys->compat)
		return compat_segment_address(sys, seg, ea, size, write, la);
	*la = ea + (seg == 4 ? sys->fs_base : seg == 5 ? sys->gs_base : 0);
	return true;
}

static bool decode_segment_load(struct vcpu *v, struct vcpu_state *st, struct segment_load_insn *in)
{
	bool compat = st->sys.compat;
	struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v };
	uint8_t b[X86_MAX_INSN_LEN];
	unsigned int avail = pv_fetch_insn(v, b);
	unsigned int len = 0, rex = 0;
	bool opsize16 = false;
	int seg = -1; /* an override */
	for (; len < avail; len++) {
		if (b[len] == 0x66)
			opsize16 = true;
		else if (x86_segment_override(b[len]) >= 0)
			seg = x86_segment_override(b[len]);
		else
			break;
	}
	if (!compat && len < avail && (b[len] & 0xf0) == 0x40)
		rex = b[len++];
	/* pop: 64-bit stack slots in 64-bit mode; far pointers: 32-bit
	 * offsets by default in both modes. */
	unsigned int pop_size = opsize16 ? 2 : compat ? 4 : 8;
	unsigned int offset_size = rex & 8 ? 8 : opsize16 ? 2 : 4;
	if (len + 1 >= avail && !(compat && len < avail && (b[len] == 0x07 || b[len] == 0x17 || b[len] == 0x1f)))
		return false;
	*in = (struct segment_load_insn){ 0 };
	uint64_t sp = compat ? (uint32_t)st->regs.rsp : st->regs.rsp;
	if (b[len] == 0x0f && (b[len + 1] == 0xa1 || b[len + 1] == 0xa9)) {
		in->sreg = b[len + 1] == 0xa1 ? 4 : 5;
		in->len = len + 2;
		in->pop_bytes = pop_size;
		return copy_from_guest(&ctx, &in->sel, sp, sizeof(in->sel)) == 0;
	}
	if (compat && (b[len] == 0x07 || b[len] == 0x17 || b[len] == 0x1f)) {
		in->sreg = b[len] >> 3; /* es, ss, ds */
		in->len = len + 1;
		in->pop_bytes = pop_size;
		return copy_from_guest(&ctx, &in->sel, sp, sizeof(in->sel)) == 0;
	}
	/* ModRM forms: 8e (mov), c4/c5 (les/lds: compat only, VEX in 64-bit
	 * mode), 0f b2/b4/b5 (lss/lfs/lgs). */
	unsigned int i = len + 1, far_sreg = 0;
	if (b[len] == 0x8e) {
	} else if (compat && (b[len] == 0xc4 || b[len] == 0xc5)) {
		far_sreg = b[len] == 0xc4 ? 0 : 3;
	} else if (b[len] == 0x0f && (b[len + 1] == 0xb2 || b[len + 1] == 0xb4 || b[len + 1] == 0xb5)) {
		far_sreg = b[len + 1] == 0xb2 ? 2 : b[len + 1] - 0xb0;
		i++;
	} else {
		return false;
	}
	bool far = b[len] != 0x8e;
	struct modrm_operand m;
	if (!modrm_decode(vcpu_gprs(&st->regs), compat, (uint8_t)rex, b, avail, &i, &m))
		return false;
	in->len = i;
	in->sreg = far ? far_sreg : m.reg & 7;
	if (m.mod == 3) {
		in->sel = (uint16_t)vcpu_gprs(&st->regs)[m.rm];
		return !far; /* a far pointer is always in memory */
	}
	uint64_t ea = m.rip_relative ? m.ea + st->regs.rip + i : m.ea;
	if (!far)
		offset_size = 0;
	uint64_t la;
	if (!pv_operand_address(&st->sys, modrm_segment(&m, seg), ea, offset_size + 2, false, &la))
		return false;
	if (copy_from_guest(&ctx, &in->sel, la + offset_size, sizeof(in->sel)))
		return false;
	if (far) {
		in->far_reg = m.reg;
		in->far_size = offset_size;
		if (copy_from_guest(&ctx, &in->far_offset, la, offset_size))
			return false;
	}
	return true;
}

static void step_past(struct vcpu_state *st, const struct segment_load_insn *in)
{
	uint64_t mask = st->sys.compat ? 0xffffffffull : ~0ull;
	st->regs.rip = (st->regs.rip + in->len) & mask;
	if (in->pop_bytes)
		st->regs.rsp = (st->regs.rsp + in->pop_bytes) & mask;
	if (in->far_size) {
		/* A 16-bit write keeps the rest of the register, a 32-bit one
		 * zeroes the upper half. */
		uint64_t *r = &vcpu_gprs(&st->regs)[in->far_reg];
		if (in->far_size == 2)
			*r = (*r & ~0xffffull) | (in->far_offset & 0xffff);
		else
			*r = in->far_size == 4 ? (uint32_t)in->far_offset : in->far_offset;
	}
}

/* SS: a stack segment of the CPL's ring that the backends can run (Xen's
 * flat one, or a flat one of the guest's tables), which frames then show;
 * not present is #SS(selector). */
static bool load_stack_segment(struct vcpu *v, struct vcpu_state *st, const struct segment_load_insn *in)
{
	if ((in->sel & 3u) != st->sys.cpl)
		return false;
	int rc = pv_stack_segment(v, in->sel, st->sys.compat);
	if (rc == -ENOENT) {
		if (!pv_inject_exception(v, X86_EXC_SS, true, in->sel & 0xfffc, 0))
			domain_crash(v->domain, "vCPU %u: #SS(%#x) without a handler", v->id, in->sel & 0xfffc);
		return true;
	}
	if (rc)
		return false;
	v->stack_sel = in->sel;
	step_past(st, in);
	return true;
}

bool pv_load_segment(struct vcpu *v, uint32_t error_code)
{
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	struct segment_load_insn in;
	if (!decode_segment_load(v, st, &in))
		return false;
	if ((in.sel & 0xfffc) != error_code)
		return false;
	if (in.sreg == 2)
		return load_stack_segment(v, st, &in);
	int slot = sreg_data_slot(in.sreg);
	if (slot < 0)
		return false;
	uint64_t desc;
	int rc = pv_data_segment(v, in.sel, st->sys.cpl, &desc);
	if (rc == -EINVAL)
		return false;
	if (rc == -ENOENT) {
		if (!pv_inject_exception(v, X86_EXC_NP, true, in.sel & 0xfffc, 0))
			domain_crash(v->domain, "vCPU %u: #NP(%#x) without a handler", v->id, in.sel & 0xfffc);
		return true;
	}
	pv_set_data_segment(&st->sys, (unsigned int)slot, in.sel, desc);
	if (in.sreg == 4)
		st->sys.fs_base = desc_base(desc);
	if (in.sreg == 5)
		st->sys.gs_base = desc_base(desc);
	step_past(st, &in);
	return true;
}
