/*
 * The two-byte (0f xx) opcode map for the emu backend: conditional moves
 * and branches, bit operations, cmpxchg/xadd, and the system instructions
 * a CPL 3 guest may try (most of which fault, as on hardware).
 */
#include "emu_internal.h"
#include "hv/guest_walk.h"

#define CF X86_RFLAGS_CF
#define ZF X86_RFLAGS_ZF

static uint64_t rmw_bit(uint64_t old, uint64_t bit, unsigned int size, uint64_t *fl,
			unsigned int kind)
{
	(void)size;
	uint64_t mask = 1ull << bit;
	*fl = (old & mask) ? (*fl | CF) : (*fl & ~CF);
	switch (kind) {
	case 1:
		return old | mask;
	case 2:
		return old & ~mask;
	default:
		return old ^ mask;
	}
}

static uint64_t rmw_xadd(uint64_t old, uint64_t src, unsigned int size, uint64_t *fl,
			 unsigned int kind)
{
	(void)kind;
	return emu_alu(ALU_ADD, size, old, src, fl);
}

/* bt, bts, btr, btc (kind 0-3).  A register bit offset reaches memory
 * beyond the operand: the signed offset selects the operand-sized word. */
static void exec_bt(struct exec_vcpu *v, struct insn *d, unsigned int kind, uint64_t off,
		    bool imm)
{
	unsigned int size = d->opsize, bits = size * 8;
	uint64_t bit = off & (bits - 1);

	if (!d->mem || imm) {
		if (!kind) {
			uint64_t val = emu_rm_read(v, d, size);
			v->rflags = (val >> bit) & 1 ? v->rflags | CF : v->rflags & ~CF;
			return;
		}
		emu_rmw(v, d, size, rmw_bit, bit, kind);
		return;
	}
	struct insn at = *d;
	unsigned int shift = size == 2 ? 4 : size == 4 ? 5 : 6;
	at.ea += (uint64_t)((int64_t)emu_sext(off, size) >> shift) * size;
	at.ea &= emu_admask(d);
	if (!kind) {
		uint64_t val = emu_rm_read(v, &at, size);
		v->rflags = (val >> bit) & 1 ? v->rflags | CF : v->rflags & ~CF;
		return;
	}
	emu_rmw(v, &at, size, rmw_bit, bit, kind);
}

static void exec_cmpxchg(struct exec_vcpu *v, struct insn *d, unsigned int size)
{
	uint64_t src = emu_reg(v, d->reg, size, d->rex);
	uint64_t acc = emu_reg(v, R_AX, size, 0);
	uint64_t cur, fl = v->rflags;

	if (!d->mem) {
		cur = emu_reg(v, d->rm, size, d->rex);
		emu_alu(ALU_CMP, size, acc, cur, &fl);
		if (cur == acc)
			emu_set_reg(v, d->rm, size, d->rex, src);
		else
			emu_set_reg(v, R_AX, size, 0, cur);
		v->rflags = fl;
		return;
	}
	/* Always a compare-and-swap: correct with or without lock. */
	struct emu_ref ref;
	emu_ref_get(v, emu_la(v, d, d->ea, size, true), size, d->fv, true, &ref);
	cur = acc;
	bool ok = emu_ref_cas(&ref, &cur, src);
	emu_alu(ALU_CMP, size, acc, ok ? acc : cur, &fl);
	if (!ok)
		emu_set_reg(v, R_AX, size, 0, cur);
	v->rflags = fl;
}

static void exec_cmpxchg8b16b(struct exec_vcpu *v, struct insn *d)
{
	if (!d->mem)
		emu_raise(v, X86_EXC_UD);
	uint64_t la = emu_la(v, d, d->ea, d->rex & 8 ? 16 : 8, true);
	bool ok;
	if (d->rex & 8) {
		if (la & 15)
			emu_raise_err(v, X86_EXC_GP, 0);
		uint8_t *p = emu_xlate(v, EMU_ACC_WRITE, la, d->fv);
		emu_watch(v, la, 16, true);
		uint64_t lo = v->gpr[R_AX], hi = v->gpr[R_DX];
		ok = emu_cas128(p, &lo, &hi, v->gpr[R_BX], v->gpr[R_CX]);
		if (!ok) {
			v->gpr[R_AX] = lo;
			v->gpr[R_DX] = hi;
		}
	} else {
		struct emu_ref ref;
		emu_ref_get(v, la, 8, d->fv, true, &ref);
		uint64_t cur = (v->gpr[R_DX] << 32) | (v->gpr[R_AX] & 0xffffffffull);
		uint64_t val = (v->gpr[R_CX] << 32) | (v->gpr[R_BX] & 0xffffffffull);
		ok = emu_ref_cas(&ref, &cur, val);
		if (!ok) {
			v->gpr[R_AX] = cur & 0xffffffffull;
			v->gpr[R_DX] = cur >> 32;
		}
	}
	v->rflags = ok ? v->rflags | ZF : v->rflags & ~ZF;
}

static void exec_bitscan(struct exec_vcpu *v, struct insn *d)
{
	unsigned int size = d->opsize, bits = size * 8;
	uint64_t src = emu_rm_read(v, d, size);
	uint64_t fl = v->rflags, res;
	bool forward = d->op == 0x1bc;

	if (d->rep == 0xf3) { /* tzcnt, lzcnt */
		if (!src)
			res = bits;
		else if (forward)
			res = (uint64_t)__builtin_ctzll(src);
		else
			res = (uint64_t)__builtin_clzll(src) - (64 - bits);
		fl &= ~(CF | ZF);
		if (!src)
			fl |= CF;
		if (!res)
			fl |= ZF;
		emu_set_reg(v, d->reg, size, d->rex, res);
		v->rflags = fl;
		return;
	}
	if (!src) {
		/* The destination is left alone (as AMD documents and Intel
		 * CPUs do). */
		v->rflags = fl | ZF;
		return;
	}
	res = forward ? (uint64_t)__builtin_ctzll(src) : 63 - (uint64_t)__builtin_clzll(src);
	emu_set_reg(v, d->reg, size, d->rex, res);
	v->rflags = fl & ~ZF;
}

static void exec_group15(struct exec_vcpu *v, struct insn *d)
{
	unsigned int r = d->reg & 7;
	if (d->mod == 3) {
		if (d->rep == 0xf3 && r < 4) { /* rd/wr fs/gs base */
			if (!(v->st.sys.cr4 & EMU_CR4_FSGSBASE) || v->compat)
				emu_raise(v, X86_EXC_UD);
			uint64_t *base = (r & 1) ? &v->st.sys.gs_base : &v->st.sys.fs_base;
			unsigned int size = (d->rex & 8) ? 8 : 4;
			if (r < 2) {
				emu_set_reg(v, d->rm, size, d->rex, *base);
			} else {
				uint64_t val = emu_reg(v, d->rm, size, d->rex);
				if (!va_is_canonical(val))
					emu_raise_err(v, X86_EXC_GP, 0);
				*base = val;
			}
			return;
		}
		if (!d->rep && !d->opsz16 && r >= 5) { /* lfence, mfence, sfence */
			atomic_thread_fence(memory_order_seq_cst);
			return;
		}
		emu_unimplemented(v, d);
	}
	if (r == 7 && !d->rep && !d->opsz16) { /* clflush: only the address is checked */
		emu_xlate(v, EMU_ACC_READ, emu_la(v, d, d->ea, 1, false), d->fv);
		return;
	}
	emu_unimplemented(v, d);
}

static void exec_group7(struct exec_vcpu *v, struct insn *d)
{
	unsigned int r = d->reg & 7;
	if (d->mod != 3) {
		switch (r) {
		case 0: /* sgdt, sidt, smsw: allowed at CPL 3 unless UMIP */
		case 1:
		case 4:
			if (v->st.sys.cr4 & EMU_CR4_UMIP)
				emu_raise_err(v, X86_EXC_GP, 0);
			emu_unimplemented(v, d);
		case 5:
			emu_raise(v, X86_EXC_UD);
		default: /* lgdt, lidt, lmsw, invlpg */
			emu_raise_err(v, X86_EXC_GP, 0);
		}
	}
	switch (0xc0 | (r << 3) | (d->rm & 7)) {
	case 0xc8: /* monitor, mwait */
	case 0xc9:
	case 0xca: /* clac, stac: CPL 0 only */
	case 0xcb:
	case 0xf9: /* rdtscp: not offered to guests */
		emu_raise(v, X86_EXC_UD);
	case 0xd1: /* xsetbv */
	case 0xf8: /* swapgs */
		emu_raise_err(v, X86_EXC_GP, 0);
	}
	if (r == 4) {
		if (v->st.sys.cr4 & EMU_CR4_UMIP)
			emu_raise_err(v, X86_EXC_GP, 0);
		emu_unimplemented(v, d);
	}
	if (r == 6)
		emu_raise_err(v, X86_EXC_GP, 0);
	emu_unimplemented(v, d);
}

void emu_exec_0f(struct exec_vcpu *v, struct insn *d)
{
	unsigned int op = d->op & 0xff, size = d->opsize;
	uint64_t val, fl;

	switch (op) {
	case 0x00:
		switch (d->reg & 7) {
		case 0: /* sldt, str */
		case 1:
			if (v->st.sys.cr4 & EMU_CR4_UMIP)
				emu_raise_err(v, X86_EXC_GP, 0);
			emu_unimplemented(v, d);
		case 2: /* lldt, ltr */
		case 3:
			emu_raise_err(v, X86_EXC_GP, 0);
		case 4:
		case 5:
			emu_unimplemented(v, d);
		default:
			emu_raise(v, X86_EXC_UD);
		}
	case 0x01:
		exec_group7(v, d);
		return;
	case 0x05:
		/* Xen PV: a syscall is the core's business (hypercall or the
		 * guest kernel's callback); the CPU part is rcx and r11. */
		v->gpr[R_CX] = d->next;
		v->gpr[11] = v->rflags & ~EMU_FL_RF;
		v->rip = d->next;
		emu_exit(v, EXEC_EXIT_SYSCALL);
	case 0x06: /* clts, sysret, invd, wbinvd: CPL 0 only */
	case 0x07:
	case 0x08:
	case 0x09:
	case 0x20 ... 0x23: /* mov to/from cr, dr */
	case 0x30: /* wrmsr */
	case 0x32: /* rdmsr */
	case 0x33: /* rdpmc (CR4.PCE is never offered) */
	case 0x35: /* sysexit */
		emu_raise_err(v, X86_EXC_GP, 0);
	case 0x34:
		/* sysenter: #UD in 64-bit mode at CPL 3 (as measured); in
		 * compat mode #GP(0), the hardware's answer with SYSENTER_CS
		 * 0 (the core decodes it). */
		if (v->compat)
			emu_raise_err(v, X86_EXC_GP, 0);
		emu_raise(v, X86_EXC_UD);
	case 0xa0: /* push fs, push gs */
	case 0xa8:
		emu_push_sreg(v, d, op == 0xa0 ? SEG_FS : SEG_GS);
		return;
	case 0xb2: /* lss, lfs, lgs */
	case 0xb4:
	case 0xb5:
		emu_load_far_pointer(v, d, op == 0xb2 ? SEG_SS : op == 0xb4 ? SEG_FS : SEG_GS);
		return;
	case 0xa1: /* pop fs, pop gs */
	case 0xa9:
		emu_pop_sreg(v, d, op == 0xa1 ? SEG_FS : SEG_GS);
		return;
	case 0x0b: /* ud2, ud1, ud0 */
	case 0xb9:
	case 0xff:
		emu_raise(v, X86_EXC_UD);
	case 0x0d: /* prefetch hints and reserved nops */
	case 0x18 ... 0x1f:
		return;
	case 0x31: {
		if (v->st.sys.cr4 & EMU_CR4_TSD)
			emu_raise_err(v, X86_EXC_GP, 0);
		uint32_t lo, hi;
		__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
		v->gpr[R_AX] = lo;
		v->gpr[R_DX] = hi;
		return;
	}
	case 0x40 ... 0x4f:
		val = emu_rm_read(v, d, size);
		if (emu_cond(op & 15, v->rflags))
			emu_set_reg(v, d->reg, size, d->rex, val);
		else if (size == 4) /* a 32-bit cmov always writes (zero-extends) */
			emu_set_reg(v, d->reg, 4, d->rex, v->gpr[d->reg]);
		return;
	case 0x80 ... 0x8f:
		if (emu_cond(op & 15, v->rflags))
			d->next = emu_branch_target(v, d, d->next + emu_sext(d->imm, 4));
		return;
	case 0x90 ... 0x9f:
		emu_rm_write(v, d, 1, emu_cond(op & 15, v->rflags));
		return;
	case 0xa2:
		emu_exit(v, EXEC_EXIT_CPUID);
	case 0xa3:
	case 0xab:
	case 0xb3:
	case 0xbb:
		exec_bt(v, d, (op >> 3) & 3, emu_reg(v, d->reg, size, d->rex), false);
		return;
	case 0xba:
		if ((d->reg & 7) < 4)
			emu_raise(v, X86_EXC_UD);
		exec_bt(v, d, d->reg & 3, d->imm, true);
		return;
	case 0xa4:
	case 0xa5:
	case 0xac:
	case 0xad: {
		unsigned int count = (op & 1) ? v->gpr[R_CX] & 0xff : d->imm & 0xff;
		val = emu_rm_read(v, d, size);
		fl = v->rflags;
		val = emu_shld(op >= 0xac, size, val, emu_reg(v, d->reg, size, d->rex), count, &fl);
		emu_rm_write(v, d, size, val);
		v->rflags = fl;
		return;
	}
	case 0xae:
		exec_group15(v, d);
		return;
	case 0xaf:
		val = emu_rm_read(v, d, size);
		fl = v->rflags;
		val = emu_imul2(size, emu_reg(v, d->reg, size, d->rex), val, &fl);
		emu_set_reg(v, d->reg, size, d->rex, val);
		v->rflags = fl;
		return;
	case 0xb0:
	case 0xb1:
		exec_cmpxchg(v, d, op == 0xb0 ? 1 : size);
		return;
	case 0xb6:
	case 0xb7:
		val = emu_rm_read(v, d, op == 0xb6 ? 1 : 2);
		emu_set_reg(v, d->reg, size, d->rex, val);
		return;
	case 0xbe:
	case 0xbf:
		val = emu_sext(emu_rm_read(v, d, op == 0xbe ? 1 : 2), op == 0xbe ? 1 : 2);
		emu_set_reg(v, d->reg, size, d->rex, val);
		return;
	case 0xb8:
		if (d->rep != 0xf3)
			emu_raise(v, X86_EXC_UD);
		val = emu_rm_read(v, d, size);
		emu_set_reg(v, d->reg, size, d->rex, (uint64_t)__builtin_popcountll(val));
		v->rflags = (v->rflags & ~EMU_FL_ARITH) | (val ? 0 : ZF);
		return;
	case 0xbc:
	case 0xbd:
		exec_bitscan(v, d);
		return;
	case 0xc0:
	case 0xc1: {
		unsigned int s = op == 0xc0 ? 1 : size;
		uint64_t src = emu_reg(v, d->reg, s, d->rex);
		if (!d->mem) {
			uint64_t dst = emu_reg(v, d->rm, s, d->rex);
			fl = v->rflags;
			val = emu_alu(ALU_ADD, s, dst, src, &fl);
			emu_set_reg(v, d->reg, s, d->rex, dst);
			emu_set_reg(v, d->rm, s, d->rex, val);
			v->rflags = fl;
			return;
		}
		val = emu_rmw(v, d, s, rmw_xadd, src, 0);
		emu_set_reg(v, d->reg, s, d->rex, val);
		return;
	}
	case 0xc7:
		if ((d->reg & 7) == 1) {
			exec_cmpxchg8b16b(v, d);
			return;
		}
		if (d->mod == 3 && (d->reg & 7) >= 6 && d->rep != 0xf3)
			emu_unimplemented(v, d); /* rdrand, rdseed */
		emu_raise(v, X86_EXC_UD);
	case 0xc8 ... 0xcf: {
		unsigned int r = (op & 7) | ((d->rex & 1) << 3);
		if (size == 8)
			v->gpr[r] = __builtin_bswap64(v->gpr[r]);
		else if (size == 4)
			v->gpr[r] = __builtin_bswap32((uint32_t)v->gpr[r]);
		else /* undefined for 16 bits; CPUs clear the word */
			emu_set_reg(v, r, 2, 0, 0);
		return;
	}
	default:
		emu_unimplemented(v, d);
	}
}
