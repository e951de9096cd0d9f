/*
 * The emu backend's run loop, its exits, and the one-byte opcode map.
 *
 * An instruction handler reads its operands, performs every memory access
 * that can fault, and only then changes registers; the new rip is d->next
 * (a branch replaces it), committed by emu_step() after the handler
 * returns.  Exits unwind to emu_vcpu_run() with longjmp().
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "emu_internal.h"
#include "hv/guest_walk.h"

_Noreturn void emu_exit(struct exec_vcpu *v, enum exec_exit_reason reason)
{
	v->exit->reason = reason;
	longjmp(v->jb, 1);
}

_Noreturn void emu_raise(struct exec_vcpu *v, unsigned int vector)
{
	v->exit->vector = vector;
	v->exit->has_error_code = false;
	emu_exit(v, EXEC_EXIT_TRAP);
}

_Noreturn void emu_raise_err(struct exec_vcpu *v, unsigned int vector, uint32_t error)
{
	v->exit->vector = vector;
	v->exit->has_error_code = true;
	v->exit->error_code = error;
	emu_exit(v, EXEC_EXIT_TRAP);
}

_Noreturn void emu_raise_pf(struct exec_vcpu *v, uint64_t cr2, uint32_t error)
{
	v->exit->cr2 = cr2;
	v->st.sys.cr2 = cr2;
	emu_raise_err(v, X86_EXC_PF, error);
}

_Noreturn void emu_fatal(struct exec_vcpu *v, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(v->exit->detail, sizeof(v->exit->detail), fmt, ap);
	va_end(ap);
	emu_exit(v, EXEC_EXIT_FATAL);
}

_Noreturn void emu_unimplemented(struct exec_vcpu *v, const struct insn *d)
{
	char bytes[3 * 15 + 1] = "";
	unsigned int n = d->oplen < 15 ? d->oplen : 15, pos = 0;
	for (unsigned int i = 0; i < n; i++)
		pos += (unsigned int)snprintf(bytes + pos, sizeof(bytes) - pos, "%s%02x",
					      i ? " " : "", d->b[i]);
	emu_fatal(v, "emu: unimplemented instruction %s at rip 0x%llx", bytes,
		  (unsigned long long)d->start);
}

uint64_t emu_rm_read(struct exec_vcpu *v, const struct insn *d, unsigned int size)
{
	if (d->mem)
		return emu_read(v, emu_la(v, d, d->ea, size, false), size, d->fv);
	return emu_reg(v, d->rm, size, d->rex);
}

void emu_rm_write(struct exec_vcpu *v, const struct insn *d, unsigned int size, uint64_t val)
{
	if (d->mem)
		emu_write(v, emu_la(v, d, d->ea, size, true), size, val, d->fv);
	else
		emu_set_reg(v, d->rm, size, d->rex, val);
}

void emu_push(struct exec_vcpu *v, unsigned int size, uint64_t val)
{
	uint64_t rsp = v->gpr[R_SP] - size;
	if (__builtin_expect(v->compat, 0))
		rsp &= 0xffffffffull;
	emu_write(v, rsp, size, val, X86_EXC_SS);
	v->gpr[R_SP] = rsp;
}

uint64_t emu_pop(struct exec_vcpu *v, unsigned int size)
{
	uint64_t sp = emu_sp(v);
	uint64_t val = emu_read(v, sp, size, X86_EXC_SS);
	emu_set_sp(v, sp + size);
	return val;
}

#define branch_target(v, target) emu_branch_target((v), d, (target))

/* Instructions of compat mode this backend does not run (yet): the run
 * ends with a detail naming the instruction. */
_Noreturn static void compat_unsupported(struct exec_vcpu *v, const struct insn *d,
					 const char *what)
{
	emu_fatal(v, "emu: %s not supported in compat mode (rip 0x%llx)", what,
		  (unsigned long long)d->start);
}

/* An iret or a far call, jump or return of compatibility-mode code to
 * sel: as the KVM backend's CPU on its compat GDT, which holds no code
 * segment or gate a guest may use, #GP(selector) (#GP(0) for a null one),
 * which the core carries out (traps.c, far_call.c). */
_Noreturn static void compat_far_transfer(struct exec_vcpu *v, uint16_t sel)
{
	emu_raise_err(v, X86_EXC_GP, sel & 0xfffcu);
}

/* pusha/popa (compat mode only). */
static void exec_pusha(struct exec_vcpu *v, const struct insn *d)
{
	unsigned int s = d->opsz16 ? 2 : 4;
	uint64_t sp = emu_sp(v);
	/* eax, ecx, edx, ebx, the original esp, ebp, esi, edi */
	for (unsigned int r = 0; r < 8; r++)
		emu_write(v, (sp - (r + 1) * s) & 0xffffffffull, s, v->gpr[r], X86_EXC_SS);
	emu_set_sp(v, sp - 8 * s);
}

static void exec_popa(struct exec_vcpu *v, const struct insn *d)
{
	unsigned int s = d->opsz16 ? 2 : 4;
	uint64_t sp = emu_sp(v), val[8];
	for (unsigned int r = 0; r < 8; r++)
		val[r] = emu_read(v, (sp + (7 - r) * s) & 0xffffffffull, s, X86_EXC_SS);
	for (unsigned int r = 0; r < 8; r++)
		if (r != R_SP) /* the saved esp is skipped */
			emu_set_reg(v, r, s, 0, val[r]);
	emu_set_sp(v, sp + 8 * s);
}

static uint64_t rmw_arpl(uint64_t old, uint64_t src, unsigned int size, uint64_t *fl,
			 unsigned int kind)
{
	(void)size, (void)kind;
	if ((old & 3) < (src & 3)) {
		*fl |= X86_RFLAGS_ZF;
		return (old & ~3ull) | (src & 3);
	}
	*fl &= ~X86_RFLAGS_ZF;
	return old;
}

/* Generic read-modify-write of the ModRM operand; fn computes the new
 * value and flags from the old one.  With a lock prefix the update is a
 * compare-and-swap loop on the host mapping, so other vCPUs' locked
 * operations on the same memory stay atomic. */
uint64_t emu_rmw(struct exec_vcpu *v, const struct insn *d, unsigned int size, emu_rmw_fn fn,
		 uint64_t arg, unsigned int kind)
{
	uint64_t fl = v->rflags, old, res;
	if (!d->mem) {
		old = emu_reg(v, d->rm, size, d->rex);
		res = fn(old, arg, size, &fl, kind);
		emu_set_reg(v, d->rm, size, d->rex, res);
		v->rflags = fl;
		return old;
	}
	struct emu_ref ref;
	emu_ref_get(v, emu_la(v, d, d->ea, size, true), size, d->fv, true, &ref);
	old = emu_ref_load(&ref);
	if (d->lock) {
		do {
			fl = v->rflags;
			res = fn(old, arg, size, &fl, kind);
		} while (!emu_ref_cas(&ref, &old, res));
	} else {
		res = fn(old, arg, size, &fl, kind);
		emu_ref_store(&ref, res);
	}
	v->rflags = fl;
	return old;
}

static uint64_t rmw_alu(uint64_t old, uint64_t arg, unsigned int size, uint64_t *fl,
			unsigned int kind)
{
	return emu_alu(kind, size, old, arg, fl);
}

static uint64_t rmw_incdec(uint64_t old, uint64_t arg, unsigned int size, uint64_t *fl,
			   unsigned int kind)
{
	(void)arg;
	return emu_incdec(kind, size, old, fl);
}

static uint64_t rmw_shift(uint64_t old, uint64_t arg, unsigned int size, uint64_t *fl,
			  unsigned int kind)
{
	return emu_shift(kind, size, old, (unsigned int)arg, fl);
}

static uint64_t rmw_xchg(uint64_t old, uint64_t arg, unsigned int size, uint64_t *fl,
			 unsigned int kind)
{
	(void)old, (void)size, (void)fl, (void)kind;
	return arg;
}

/* The ALU forms with the ModRM operand as destination. */
static void alu_rm(struct exec_vcpu *v, const struct insn *d, unsigned int op,
		   unsigned int size, uint64_t src)
{
	if (op == ALU_CMP) {
		uint64_t fl = v->rflags;
		emu_alu(op, size, emu_rm_read(v, d, size), src, &fl);
		v->rflags = fl;
		return;
	}
	if (!d->mem) {
		/* The hot path: no function pointer for register operands. */
		uint64_t fl = v->rflags;
		uint64_t res = emu_alu(op, size, emu_reg(v, d->rm, size, d->rex), src, &fl);
		emu_set_reg(v, d->rm, size, d->rex, res);
		v->rflags = fl;
		return;
	}
	emu_rmw(v, d, size, rmw_alu, src, op);
}

static void emu_shift_rm(struct exec_vcpu *v, const struct insn *d, unsigned int size,
		  unsigned int count)
{
	emu_rmw(v, d, size, rmw_shift, count, d->reg & 7);
}

/* Which instructions accept a lock prefix (with a memory destination);
 * anything else is #UD, as on hardware. */
static bool lockable(const struct insn *d)
{
	if (!d->mem)
		return false;
	unsigned int op = d->op, r = d->reg & 7;
	if (op < 0x40)
		return (op & 7) < 2 && (op >> 3) != ALU_CMP;
	switch (op) {
	case 0x80:
	case 0x81:
	case 0x82:
	case 0x83:
		return r != ALU_CMP;
	case 0x86:
	case 0x87:
		return true;
	case 0xf6:
	case 0xf7:
		return r == 2 || r == 3;
	case 0xfe:
	case 0xff:
		return r < 2;
	case 0x1ab:
	case 0x1b3:
	case 0x1bb:
	case 0x1b0:
	case 0x1b1:
	case 0x1c0:
	case 0x1c1:
		return true;
	case 0x1ba:
		return r >= 5;
	case 0x1c7:
		return r == 1;
	}
	return false;
}

/* The rflags bits popf and iret may load: IF only with CPL <= IOPL, IOPL
 * only at CPL 0 (never here). */
static uint64_t loadable_flags(const struct exec_vcpu *v)
{
	uint64_t mask = X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | X86_RFLAGS_SF |
			X86_RFLAGS_TF | X86_RFLAGS_DF | X86_RFLAGS_OF | EMU_FL_NT | X86_RFLAGS_AC | X86_RFLAGS_ID;
	if (v->st.sys.cpl <= ((v->rflags & X86_RFLAGS_IOPL) >> 12))
		mask |= X86_RFLAGS_IF;
	return mask;
}

/*
 * Segment registers: a PV guest's code and stack selectors are Xen's flat
 * ones, fixed by mode (include/public/arch-x86): 64-bit code runs on
 * FLAT_RING3_CS64/SS, a 64-bit guest's compat code on FLAT_RING3_CS32/SS32,
 * a 32-bit guest's at CPL 1 on the ring-1 ones and at CPL 3 on the ring-3
 * ones.  ES, DS, FS and GS hold what the guest loaded (sys.data_sel and
 * data_desc): null or Xen's flat selectors here, the guest's own
 * descriptors through the core (segment_load.c).  Order: es, cs, ss, ds,
 * fs, gs.
 */
static uint16_t sreg_selector(const struct exec_vcpu *v, unsigned int seg)
{
	if (seg != SEG_CS && seg != SEG_SS)
		return v->st.sys.data_sel[sreg_data_slot(seg)];
	uint16_t code = 0xe033, stack = 0xe02b;
	if (v->compat && v->st.sys.compat_in_pv64)
		code = 0xe023;
	else if (v->compat && v->st.sys.cpl == 1)
		code = 0xe019, stack = 0xe021;
	else if (v->compat)
		code = 0xe02b, stack = 0xe033;
	return seg == SEG_CS ? code : stack;
}

/* A load of a segment register (not CS) as the CPU makes it on the
 * backend's GDT, which is Xen's of the vCPU's kind: a null selector (not
 * into SS), or one of Xen's flat data or readable code segments the CPL
 * may use (into SS only the mode's stack selector).  Any other is
 * #GP(selector), which the core completes for a descriptor of the guest's
 * own, as with the KVM backend, whose CPU raises the same #GP.  A flat
 * selector gives FS and GS base 0; a null one keeps the base, as on
 * Intel. */
static void load_sreg(struct exec_vcpu *v, unsigned int seg, uint16_t sel)
{
	if (seg == SEG_SS) {
		if (sel != sreg_selector(v, SEG_SS))
			emu_raise_err(v, X86_EXC_GP, sel & ~3u);
		return;
	}
	uint64_t desc = 0;
	if (sel & ~3u) {
		desc = xen_flat_descriptor(v->compat && !v->st.sys.compat_in_pv64, sel);
		unsigned int cpl = v->compat ? v->st.sys.cpl : 3, dpl = desc_dpl(desc);
		if (!desc || !desc_data_usable(desc) || dpl < cpl || dpl < (sel & 3u))
			emu_raise_err(v, X86_EXC_GP, sel & ~3u);
		if (seg == SEG_FS)
			v->st.sys.fs_base = 0;
		if (seg == SEG_GS)
			v->st.sys.gs_base = 0;
	}
	unsigned int slot = (unsigned int)sreg_data_slot(seg);
	v->st.sys.data_sel[slot] = sel;
	v->st.sys.data_desc[slot] = desc;
}

/* mov Sreg, r/m: the selector, zero-extended into a register. */
static void exec_mov_from_sreg(struct exec_vcpu *v, struct insn *d)
{
	unsigned int seg = d->reg & 7;
	if (seg > SEG_GS)
		emu_raise(v, X86_EXC_UD);
	uint16_t sel = sreg_selector(v, seg);
	if (d->mem)
		emu_rm_write(v, d, 2, sel);
	else
		emu_set_reg(v, d->rm, d->opsize == 2 ? 2 : d->opsize, d->rex, sel);
}

static void exec_mov_to_sreg(struct exec_vcpu *v, struct insn *d)
{
	unsigned int seg = d->reg & 7;
	if (seg == SEG_CS || seg > SEG_GS)
		emu_raise(v, X86_EXC_UD);
	load_sreg(v, seg, (uint16_t)emu_rm_read(v, d, 2));
}

void emu_load_far_pointer(struct exec_vcpu *v, struct insn *d, unsigned int seg)
{
	if (!d->mem)
		emu_raise(v, X86_EXC_UD);
	unsigned int size = d->opsize;
	uint64_t la = emu_la(v, d, d->ea, size + 2, false);
	uint64_t offset = emu_read(v, la, size, d->fv);
	uint16_t sel = (uint16_t)emu_read(v, la + size, 2, d->fv);
	load_sreg(v, seg, sel);
	emu_set_reg(v, d->reg, size, d->rex, offset);
}

void emu_push_sreg(struct exec_vcpu *v, const struct insn *d, unsigned int seg)
{
	emu_push(v, emu_stack_size(v, d), sreg_selector(v, seg));
}

void emu_pop_sreg(struct exec_vcpu *v, const struct insn *d, unsigned int seg)
{
	unsigned int size = emu_stack_size(v, d);
	uint64_t sp = emu_sp(v);
	load_sreg(v, seg, (uint16_t)emu_read(v, sp, size, X86_EXC_SS));
	emu_set_sp(v, sp + size);
}

/* iretq at CPL 3 to CPL 3 (the only return a 64-bit PV kernel can make
 * with the instruction): rip, cs, rflags, rsp, ss from the stack, cs and
 * ss Xen's flat ring-3 ones, rflags as popf would set them. */
static void exec_iretq(struct exec_vcpu *v, struct insn *d)
{
	if (d->opsize != 8)
		emu_unimplemented(v, d);
	uint64_t sp = emu_sp(v), f[5];
	for (unsigned int i = 0; i < 5; i++)
		f[i] = emu_read(v, sp + i * 8, 8, X86_EXC_SS);
	if ((uint16_t)f[1] != sreg_selector(v, SEG_CS))
		emu_raise_err(v, X86_EXC_GP, (uint32_t)f[1] & 0xfffc);
	if ((uint16_t)f[4] != sreg_selector(v, SEG_SS))
		emu_raise_err(v, X86_EXC_GP, (uint32_t)f[4] & 0xfffc);
	if (!va_is_canonical(f[0]))
		emu_raise_err(v, X86_EXC_GP, 0);
	uint64_t mask = loadable_flags(v);
	v->rflags = ((v->rflags & ~mask) | (f[2] & mask) | X86_RFLAGS_FIXED) & ~EMU_FL_RF;
	v->gpr[R_SP] = f[3];
	d->next = f[0];
}

static void exec_popf(struct exec_vcpu *v, unsigned int size)
{
	uint64_t val = emu_read(v, emu_sp(v), size, X86_EXC_SS);
	uint64_t mask = loadable_flags(v);
	if (size == 2)
		mask &= 0xffff;
	emu_set_sp(v, emu_sp(v) + size);
	v->rflags = ((v->rflags & ~mask) | (val & mask) | X86_RFLAGS_FIXED) & ~EMU_FL_RF;
}

static void exec_group5(struct exec_vcpu *v, struct insn *d)
{
	unsigned int size = d->opsize;
	switch (d->reg & 7) {
	case 0:
	case 1:
		emu_rmw(v, d, size, rmw_incdec, 0, d->reg & 1);
		return;
	case 2: { /* near calls and jumps are 64-bit whatever the prefixes */
		unsigned int s = emu_near_size(v, d);
		uint64_t target = branch_target(v, emu_rm_read(v, d, s));
		emu_push(v, s, d->next);
		d->next = target;
		return;
	}
	case 4:
		d->next = branch_target(v, emu_rm_read(v, d, emu_near_size(v, d)));
		return;
	case 6: {
		unsigned int s = emu_stack_size(v, d);
		emu_push(v, s, emu_rm_read(v, d, s));
		return;
	}
	case 3:
	case 5:
		if (v->compat) {
			if (!d->mem)
				emu_raise(v, X86_EXC_UD);
			unsigned int osz = d->opsize;
			compat_far_transfer(v, (uint16_t)emu_read(v, emu_la(v, d, d->ea, osz + 2, false) + osz, 2,
								  d->fv));
		}
		emu_unimplemented(v, d);
	default:
		emu_raise(v, X86_EXC_UD);
	}
}

static void exec_enter(struct exec_vcpu *v, struct insn *d)
{
	unsigned int size = emu_stack_size(v, d);
	if (d->imm2 & 31)
		emu_unimplemented(v, d); /* nesting levels: no compiler emits them */
	uint64_t am = v->compat ? 0xffffffffull : ~0ull;
	uint64_t frame = (emu_sp(v) - size) & am;
	uint64_t rsp = (frame - d->imm) & am;
	/* The new stack bottom must be reachable before anything changes. */
	emu_write(v, frame, size, v->gpr[R_BP], X86_EXC_SS);
	if (size == 8)
		v->gpr[R_BP] = frame;
	else
		emu_set_reg(v, R_BP, v->compat ? 4 : 2, 0, frame);
	v->gpr[R_SP] = rsp;
}

static void exec_onebyte(struct exec_vcpu *v, struct insn *d)
{
	unsigned int op = d->op, size = d->opsize;
	uint64_t fl, val;

	if (op < 0x40) {
		unsigned int alu = op >> 3, s = (op & 1) ? size : 1;
		switch (op & 7) {
		case 0:
		case 1:
			alu_rm(v, d, alu, s, emu_reg(v, d->reg, s, d->rex));
			return;
		case 2:
		case 3:
			val = emu_rm_read(v, d, s);
			fl = v->rflags;
			val = emu_alu(alu, s, emu_reg(v, d->reg, s, d->rex), val, &fl);
			if (alu != ALU_CMP)
				emu_set_reg(v, d->reg, s, d->rex, val);
			v->rflags = fl;
			return;
		case 4:
		case 5:
			val = size == 8 ? emu_sext(d->imm, 4) : d->imm;
			fl = v->rflags;
			val = emu_alu(alu, s, emu_reg(v, R_AX, s, 0), val, &fl);
			if (alu != ALU_CMP)
				emu_set_reg(v, R_AX, s, 0, val);
			v->rflags = fl;
			return;
		case 6:
		case 7:
			/* push/pop es/cs/ss/ds (pop cs is the 0f escape). */
			if (v->compat && op < 0x20) {
				if (op & 1)
					emu_pop_sreg(v, d, op >> 3);
				else
					emu_push_sreg(v, d, op >> 3);
				return;
			}
			/* fall through */
		default:
			/* push/pop es/cs/ss/ds, daa/das/aaa/aas: invalid in 64-bit
			 * mode. */
			if (v->compat) {
				static const char *const what[8] = {
					"push es", "pop es", "push cs", "(0f)", "push ss", "pop ss",
					"push ds", "pop ds"
				};
				static const char *const bcd[4] = { "daa", "das", "aaa", "aas" };
				compat_unsupported(v, d, op < 0x20 ? what[((op >> 3) << 1) | (op & 1)]
						   : (op & 7) == 7 ? bcd[(op - 0x27) >> 3]
								   : "?");
			}
			emu_raise(v, X86_EXC_UD);
		}
	}

	switch (op) {
	case 0x40 ... 0x4f: /* compat mode only (REX prefixes in 64-bit mode) */
		fl = v->rflags;
		val = emu_incdec(op >= 0x48, size, v->gpr[op & 7], &fl);
		emu_set_reg(v, op & 7, size, 0, val);
		v->rflags = fl;
		return;
	case 0x50 ... 0x57:
		emu_push(v, emu_stack_size(v, d), v->gpr[(op & 7) | ((d->rex & 1) << 3)]);
		return;
	case 0x58 ... 0x5f: {
		unsigned int s = emu_stack_size(v, d);
		val = emu_pop(v, s);
		emu_set_reg(v, (op & 7) | ((d->rex & 1) << 3), s, d->rex, val);
		return;
	}
	case 0x60:
	case 0x61:
		if (!v->compat)
			emu_raise(v, X86_EXC_UD);
		if (op == 0x60)
			exec_pusha(v, d);
		else
			exec_popa(v, d);
		return;
	case 0x62:
		if (!v->compat)
			emu_raise(v, X86_EXC_UD);
		compat_unsupported(v, d, "bound");
	case 0x63:
		if (v->compat) { /* arpl */
			emu_rmw(v, d, 2, rmw_arpl, emu_reg(v, d->reg, 2, 0), 0);
			return;
		}
		/* movsxd; without REX.W an ordinary mov */
		val = emu_rm_read(v, d, 4);
		emu_set_reg(v, d->reg, size, d->rex, size == 8 ? emu_sext(val, 4) : val);
		return;
	case 0x68:
		emu_push(v, emu_stack_size(v, d), d->opsz16 ? d->imm : emu_sext(d->imm, 4));
		return;
	case 0x6a:
		emu_push(v, emu_stack_size(v, d), emu_sext(d->imm, 1));
		return;
	case 0x69:
	case 0x6b:
		val = emu_rm_read(v, d, size);
		fl = v->rflags;
		val = emu_imul2(size, val,
				op == 0x6b ? emu_sext(d->imm, 1) : emu_sext(d->imm, size == 2 ? 2 : 4),
				&fl);
		emu_set_reg(v, d->reg, size, d->rex, val);
		v->rflags = fl;
		return;
	case 0x6c ... 0x6f: /* ins/outs: no I/O permission at CPL 3 */
	case 0xe4 ... 0xe7:
	case 0xec ... 0xef:
		emu_raise_err(v, X86_EXC_GP, 0);
	case 0x70 ... 0x7f:
		if (emu_cond(op & 15, v->rflags))
			d->next = branch_target(v, d->next + emu_sext(d->imm, 1));
		return;
	case 0x82: /* an alias of 80 in compat mode, invalid in 64-bit mode */
		if (!v->compat)
			emu_raise(v, X86_EXC_UD);
		__attribute__((fallthrough));
	case 0x80:
	case 0x81:
	case 0x83: {
		unsigned int s = op == 0x80 || op == 0x82 ? 1 : size;
		val = op == 0x81 ? (size == 8 ? emu_sext(d->imm, 4) : d->imm)
				 : emu_sext(d->imm, 1) & emu_size_mask[s];
		alu_rm(v, d, d->reg & 7, s, val);
		return;
	}
	case 0x84:
	case 0x85: {
		unsigned int s = op == 0x84 ? 1 : size;
		val = emu_rm_read(v, d, s) & emu_reg(v, d->reg, s, d->rex);
		emu_logic_flags(val, s, &v->rflags);
		return;
	}
	case 0x86:
	case 0x87: {
		unsigned int s = op == 0x86 ? 1 : size;
		uint64_t r = emu_reg(v, d->reg, s, d->rex);
		if (d->mem) {
			/* xchg with memory is locked whatever the prefixes. */
			struct insn locked = *d;
			locked.lock = true;
			val = emu_rmw(v, &locked, s, rmw_xchg, r, 0);
		} else {
			val = emu_reg(v, d->rm, s, d->rex);
			emu_set_reg(v, d->rm, s, d->rex, r);
		}
		emu_set_reg(v, d->reg, s, d->rex, val);
		return;
	}
	case 0x88:
		emu_rm_write(v, d, 1, emu_reg(v, d->reg, 1, d->rex));
		return;
	case 0x89:
		emu_rm_write(v, d, size, v->gpr[d->reg]);
		return;
	case 0x8a:
		emu_set_reg(v, d->reg, 1, d->rex, emu_rm_read(v, d, 1));
		return;
	case 0x8b:
		emu_set_reg(v, d->reg, size, d->rex, emu_rm_read(v, d, size));
		return;
	case 0x8d:
		if (!d->mem)
			emu_raise(v, X86_EXC_UD);
		emu_set_reg(v, d->reg, size, d->rex, d->ea);
		return;
	case 0x8f: {
		if (d->reg & 7)
			emu_unimplemented(v, d); /* XOP */
		unsigned int s = emu_stack_size(v, d);
		val = emu_read(v, emu_sp(v), s, X86_EXC_SS);
		if (d->mem) {
			/* An rsp-based destination is addressed after the pop. */
			struct insn after = *d;
			if (d->base == R_SP)
				after.ea = (after.ea + s) & emu_admask(d);
			emu_rm_write(v, &after, s, val);
			emu_set_sp(v, emu_sp(v) + s);
		} else {
			emu_set_sp(v, emu_sp(v) + s);
			emu_set_reg(v, d->rm, s, d->rex, val);
		}
		return;
	}
	case 0x90:
		if (!(d->rex & 1))
			return; /* nop, pause */
		/* xchg r8, rax */
		__attribute__((fallthrough));
	case 0x91 ... 0x97: {
		unsigned int r = (op & 7) | ((d->rex & 1) << 3);
		val = emu_reg(v, r, size, d->rex);
		emu_set_reg(v, r, size, d->rex, emu_reg(v, R_AX, size, 0));
		emu_set_reg(v, R_AX, size, 0, val);
		return;
	}
	case 0x98:
		emu_set_reg(v, R_AX, size, 0, emu_sext(v->gpr[R_AX], size / 2));
		return;
	case 0x99:
		emu_set_reg(v, R_DX, size, 0, emu_msb(v->gpr[R_AX], size) ? ~0ull : 0);
		return;
	case 0x9b: /* fwait: no x87 state to wait for */
		return;
	case 0x9c:
		emu_push(v, emu_stack_size(v, d), v->rflags & ~(EMU_FL_RF | (1ull << 17)));
		return;
	case 0x9d:
		exec_popf(v, emu_stack_size(v, d));
		return;
	case 0x9e: {
		const uint64_t m = X86_RFLAGS_SF | X86_RFLAGS_ZF | X86_RFLAGS_AF | X86_RFLAGS_PF |
				   X86_RFLAGS_CF;
		v->rflags = (v->rflags & ~m) | ((v->gpr[R_AX] >> 8) & m);
		return;
	}
	case 0x9f:
		emu_set_reg(v, R_SP, 1, 0, (v->rflags & 0xd5) | X86_RFLAGS_FIXED); /* ah */
		return;
	case 0xa0:
	case 0xa1:
		size = op == 0xa0 ? 1 : size;
		emu_set_reg(v, R_AX, size, 0, emu_read(v, emu_la(v, d, d->ea, size, false), size, X86_EXC_GP));
		return;
	case 0xa2:
	case 0xa3:
		size = op == 0xa2 ? 1 : size;
		emu_write(v, emu_la(v, d, d->ea, size, true), size, v->gpr[R_AX], X86_EXC_GP);
		return;
	case 0xa4 ... 0xa7:
	case 0xaa ... 0xaf:
		emu_exec_string(v, d);
		return;
	case 0xa8:
	case 0xa9: {
		unsigned int s = op == 0xa8 ? 1 : size;
		val = v->gpr[R_AX] & (s == 8 ? emu_sext(d->imm, 4) : d->imm);
		emu_logic_flags(val, s, &v->rflags);
		return;
	}
	case 0xb0 ... 0xb7:
		emu_set_reg(v, (op & 7) | ((d->rex & 1) << 3), 1, d->rex, d->imm);
		return;
	case 0xb8 ... 0xbf:
		emu_set_reg(v, (op & 7) | ((d->rex & 1) << 3), size, d->rex, d->imm);
		return;
	case 0xc0:
	case 0xc1:
		emu_shift_rm(v, d, op == 0xc0 ? 1 : size, (unsigned int)d->imm);
		return;
	case 0xd0:
	case 0xd1:
		emu_shift_rm(v, d, op == 0xd0 ? 1 : size, 1);
		return;
	case 0xd2:
	case 0xd3:
		emu_shift_rm(v, d, op == 0xd2 ? 1 : size, v->gpr[R_CX] & 0xff);
		return;
	case 0xc2:
	case 0xc3: {
		unsigned int s = emu_near_size(v, d);
		uint64_t target = branch_target(v, emu_read(v, emu_sp(v), s, X86_EXC_SS));
		emu_set_sp(v, emu_sp(v) + s + (op == 0xc2 ? d->imm : 0));
		d->next = target;
		return;
	}
	case 0xc6:
	case 0xc7:
		if (d->reg & 7) {
			if (d->mod == 3 && (d->reg & 7) == 7)
				emu_unimplemented(v, d); /* xabort, xbegin */
			emu_raise(v, X86_EXC_UD);
		}
		emu_rm_write(v, d, op == 0xc6 ? 1 : size,
			     op == 0xc6 ? d->imm : size == 8 ? emu_sext(d->imm, 4) : d->imm);
		return;
	case 0xc8:
		exec_enter(v, d);
		return;
	case 0xc9: {
		unsigned int s = emu_stack_size(v, d);
		uint64_t bp = v->compat ? v->gpr[R_BP] & 0xffffffffull : v->gpr[R_BP];
		val = emu_read(v, bp, s, X86_EXC_SS);
		emu_set_sp(v, bp + s);
		emu_set_reg(v, R_BP, s, 0, val);
		return;
	}
	case 0xcc:
		v->rip = d->next;
		emu_raise(v, X86_EXC_BP);
	case 0xcd:
		v->rip = d->next;
		if (d->imm == 3)
			emu_raise(v, X86_EXC_BP);
		v->exit->vector = (uint8_t)d->imm;
		emu_exit(v, EXEC_EXIT_SOFTINT);
	case 0xce:
		if (!v->compat)
			emu_raise(v, X86_EXC_UD);
		if (v->rflags & X86_RFLAGS_OF) { /* into: a trap, like int3 */
			v->rip = d->next;
			emu_raise(v, X86_EXC_OF);
		}
		return;
	case 0xcf:
		if (v->compat) /* cs follows eip on the stack */
			compat_far_transfer(v, (uint16_t)emu_read(v, (emu_sp(v) + d->opsize) & 0xffffffffull, 2,
								  X86_EXC_SS));
		exec_iretq(v, d);
		return;
	case 0xd7:
		val = emu_read(v, emu_la(v, d, (v->gpr[R_BX] + (v->gpr[R_AX] & 0xff)) & emu_admask(d), 1, false),
			       1, X86_EXC_GP);
		emu_set_reg(v, R_AX, 1, 0, val);
		return;
	case 0xe0 ... 0xe2: {
		uint64_t am = emu_admask(d);
		uint64_t cx = (v->gpr[R_CX] - 1) & am;
		bool take = cx != 0;
		if (op == 0xe0)
			take = take && !(v->rflags & X86_RFLAGS_ZF);
		else if (op == 0xe1)
			take = take && (v->rflags & X86_RFLAGS_ZF);
		uint64_t target = take ? branch_target(v, d->next + emu_sext(d->imm, 1)) : d->next;
		emu_set_reg(v, R_CX, d->adsize, 0, cx);
		d->next = target;
		return;
	}
	case 0xe3:
		if (!(v->gpr[R_CX] & emu_admask(d)))
			d->next = branch_target(v, d->next + emu_sext(d->imm, 1));
		return;
	case 0xe8: {
		uint64_t target = branch_target(v, d->next + emu_sext(d->imm, 4));
		emu_push(v, emu_near_size(v, d), d->next);
		d->next = target;
		return;
	}
	case 0xe9:
		d->next = branch_target(v, d->next + emu_sext(d->imm, 4));
		return;
	case 0xeb:
		d->next = branch_target(v, d->next + emu_sext(d->imm, 1));
		return;
	case 0xf1:
		v->rip = d->next;
		emu_raise(v, X86_EXC_DB);
	case 0xf4:
		emu_raise_err(v, X86_EXC_GP, 0);
	case 0xf5:
		v->rflags ^= X86_RFLAGS_CF;
		return;
	case 0xf6:
	case 0xf7:
		emu_exec_group3(v, d, op == 0xf6 ? 1 : size);
		return;
	case 0xf8:
		v->rflags &= ~X86_RFLAGS_CF;
		return;
	case 0xf9:
		v->rflags |= X86_RFLAGS_CF;
		return;
	case 0xfa:
	case 0xfb:
		if (v->st.sys.cpl > ((v->rflags & X86_RFLAGS_IOPL) >> 12))
			emu_raise_err(v, X86_EXC_GP, 0);
		if (op == 0xfa)
			v->rflags &= ~X86_RFLAGS_IF;
		else
			v->rflags |= X86_RFLAGS_IF;
		return;
	case 0xfc:
		v->rflags &= ~X86_RFLAGS_DF;
		return;
	case 0xfd:
		v->rflags |= X86_RFLAGS_DF;
		return;
	case 0xfe:
		if ((d->reg & 7) >= 2)
			emu_raise(v, X86_EXC_UD);
		emu_rmw(v, d, 1, rmw_incdec, 0, d->reg & 1);
		return;
	case 0xff:
		exec_group5(v, d);
		return;
	case 0x9a:
	case 0xea:
		if (v->compat) /* the selector follows the offset */
			compat_far_transfer(v, (uint16_t)emu_read(v, (d->start + d->len + d->opsize) & 0xffffffffull, 2,
								  X86_EXC_GP));
		emu_raise(v, X86_EXC_UD);
	case 0xc4:
	case 0xc5: /* les/lds in compat mode; VEX in 64-bit mode */
		if (v->compat) {
			emu_load_far_pointer(v, d, op == 0xc4 ? SEG_ES : SEG_DS);
			return;
		}
		emu_unimplemented(v, d);
	case 0xca:
	case 0xcb: /* far return */
		if (v->compat)
			compat_far_transfer(v, (uint16_t)emu_read(v, (emu_sp(v) + d->opsize) & 0xffffffffull, 2,
								  X86_EXC_SS));
		emu_unimplemented(v, d);
	case 0xd4:
	case 0xd5:
		if (v->compat)
			compat_unsupported(v, d, op == 0xd4 ? "aam" : "aad");
		emu_raise(v, X86_EXC_UD);
	case 0x8c:
		exec_mov_from_sreg(v, d);
		return;
	case 0x8e:
		exec_mov_to_sreg(v, d);
		return;
	case 0xd8 ... 0xdf: /* x87 */
		emu_unimplemented(v, d);
	default:
		/* 60-62, 82, 9a, ce, d4-d6, ea: invalid in 64-bit mode; d6
		 * (salc) is #UD in compat mode here too. */
		emu_raise(v, X86_EXC_UD);
	}
}

/*
 * Whether the instruction uses x87, MMX or SSE state, so that CR0.TS makes
 * it #NM (the guest's lazy FPU switching) even though this backend cannot
 * execute it: x87 and wait (CR0.MP is always set); the two-byte SSE/MMX
 * rows; fxsave/fxrstor, ldmxcsr/stmxcsr and xsave* (0f ae /0-/6 on memory),
 * not the fences or clflush; the three-byte maps except 0f 38 f0-ff
 * (movbe, crc32, adcx/adox).
 */
static bool uses_fpu_state(const struct insn *d)
{
	unsigned int op = d->op;
	if ((op >= 0xd8 && op <= 0xdf) || op == 0x9b)
		return true;
	if (op >= 0x300)
		return true;
	if (op >= 0x200)
		return (op & 0xff) < 0xf0;
	if (op < 0x100)
		return false;
	op &= 0xff;
	if (op == 0xae)
		return d->mem && (d->reg & 7) != 7 && !d->rep && !d->opsz16; /* not clwb, clflushopt */
	return op == 0x0e || (op >= 0x10 && op <= 0x17) || (op >= 0x28 && op <= 0x2f) ||
	       (op >= 0x50 && op <= 0x7f) || op == 0xc2 || (op >= 0xc4 && op <= 0xc6) || (op >= 0xd0 && op <= 0xfe);
}

void emu_step(struct exec_vcpu *v)
{
	struct insn d;
	emu_decode(v, &d);
	if (__builtin_expect(v->st.sys.cr0 & X86_CR0_TS, 0) && uses_fpu_state(&d))
		emu_raise(v, X86_EXC_NM);
	if (d.lock && !lockable(&d))
		emu_raise(v, X86_EXC_UD);
	if (d.op < 0x100)
		exec_onebyte(v, &d);
	else if (d.op < 0x200)
		emu_exec_0f(v, &d);
	else
		emu_unimplemented(v, &d);
	v->rip = d.next;
}

static void load_state(struct exec_vcpu *v)
{
	struct vcpu_regs *r = &v->st.regs;
	memcpy(v->gpr, vcpu_gprs(r), sizeof(v->gpr));
	v->rip = v->compat ? r->rip & 0xffffffffull : r->rip;
	v->rflags = (r->rflags | X86_RFLAGS_FIXED) & ~((1ull << 3) | (1ull << 5) | (1ull << 15));
}

static void save_state(struct exec_vcpu *v)
{
	struct vcpu_regs *r = &v->st.regs;
	memcpy(vcpu_gprs(r), v->gpr, sizeof(v->gpr));
	r->rip = v->rip;
	r->rflags = v->rflags;
}

/*
 * Instruction breakpoints: DR0-3 enabled in DR7 for execution (R/W 00)
 * at this instruction's linear address are a fault before it runs, with
 * their B bits set in DR6; RF set spares the instruction (the guest's
 * handler resumes with it).  Data breakpoints are traps after the
 * instruction (emu_watch_check); I/O breakpoints are not emulated (PV
 * guests cannot set them).
 */
static void check_insn_breakpoints(struct exec_vcpu *v)
{
	const struct vcpu_sysregs *sys = &v->st.sys;
	uint64_t hit = 0;
	for (unsigned int i = 0; i < 4; i++) {
		bool enabled = (sys->dr7 >> (2 * i)) & 3;
		unsigned int rw = (unsigned int)(sys->dr7 >> (16 + 4 * i)) & 3;
		if (enabled && rw == 0 && sys->dr[i] == v->rip)
			hit |= 1ull << i;
	}
	if (hit) {
		v->st.sys.dr6 |= hit;
		emu_raise(v, X86_EXC_DB);
	}
}

int emu_vcpu_run(struct exec_vcpu *v, struct exec_exit *exit)
{
	memset(exit, 0, sizeof(*exit));
	v->exit = exit;
	/* 64-bit code at CPL 3 (64-bit PV), compat code at CPL 1 or 3
	 * (32-bit PV kernel and user). */
	if (v->st.sys.cpl != 3 && !(v->st.sys.compat && v->st.sys.cpl == 1)) {
		exit->reason = EXEC_EXIT_FATAL;
		snprintf(exit->detail, sizeof(exit->detail),
			 "emu: cpl %u is not supported in %s mode (CPL 3, or CPL 1 in compat mode)",
			 v->st.sys.cpl, v->st.sys.compat ? "compat" : "64-bit");
		return 0;
	}
	v->compat = v->st.sys.compat;
	v->user = v->st.sys.cpl == 3;
	v->watch_write = v->watch_rw = 0;
	for (unsigned int i = 0; i < 4; i++) {
		if (!((v->st.sys.dr7 >> (2 * i)) & 3))
			continue;
		unsigned int rw = (unsigned int)(v->st.sys.dr7 >> (16 + 4 * i)) & 3;
		if (rw == 1)
			v->watch_write |= (uint8_t)(1u << i);
		else if (rw == 3)
			v->watch_rw |= (uint8_t)(1u << i);
	}
	load_state(v);
	/* The core may have changed cr3 or the privilege, or taken frames
	 * away since the last run: supervisor translations must not serve
	 * user accesses. */
	if (v->st.sys.cr3 != v->tlb_cr3 || v->user != v->tlb_user ||
	    atomic_load_explicit(&v->vm->gen, memory_order_acquire) != v->tlb_gen)
		emu_tlb_flush(v);

	if (setjmp(v->jb)) {
		save_state(v);
		return 0;
	}
	for (;;) {
		if (atomic_load_explicit(&v->kick, memory_order_relaxed) &&
		    atomic_exchange_explicit(&v->kick, false, memory_order_acq_rel))
			emu_exit(v, EXEC_EXIT_KICKED);
		if (atomic_load_explicit(&v->vm->gen, memory_order_acquire) != v->tlb_gen)
			emu_tlb_flush(v);
		if (__builtin_expect(v->st.sys.dr7 & 0xff, 0) && !(v->rflags & EMU_FL_RF))
			check_insn_breakpoints(v);
		uint64_t tf = v->rflags & X86_RFLAGS_TF;
		v->db_hits = 0;
		emu_step(v);
		v->rflags &= ~EMU_FL_RF; /* it spares one instruction only */
		v->insns++;
		/* One #DB trap after the instruction, with its effects kept, for
		 * a single step (it began with TF) and the data breakpoints its
		 * accesses hit. */
		if (tf | v->db_hits) {
			v->st.sys.dr6 |= v->db_hits | (tf ? X86_DR6_BS : 0);
			emu_raise(v, X86_EXC_DB);
		}
	}
}
