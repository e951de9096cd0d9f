/*
 * The f6/f7 group for the emu backend: test, not, neg, mul, imul, div,
 * idiv.  Division works on unsigned magnitudes in 128-bit arithmetic, so
 * no case (INT_MIN / -1 included) is undefined behaviour here: the
 * overflow becomes #DE, as on hardware.
 */
#include "emu_internal.h"

typedef unsigned __int128 u128;

static uint64_t rmw_not(uint64_t old, uint64_t arg, unsigned int size, uint64_t *fl,
			unsigned int kind)
{
	(void)arg, (void)fl, (void)kind;
	return ~old & emu_size_mask[size];
}

static uint64_t rmw_neg(uint64_t old, uint64_t arg, unsigned int size, uint64_t *fl,
			unsigned int kind)
{
	(void)arg, (void)kind;
	return emu_neg(size, old, fl);
}

static void multiply(struct exec_vcpu *v, unsigned int size, uint64_t src, bool sign)
{
	unsigned int bits = size * 8;
	uint64_t m = emu_size_mask[size];
	uint64_t a = size == 1 ? v->gpr[R_AX] & 0xff : v->gpr[R_AX] & m;
	u128 p;

	if (sign)
		p = (u128)((__int128)(int64_t)emu_sext(a, size) * (int64_t)emu_sext(src, size));
	else
		p = (u128)a * (src & m);
	uint64_t lo = (uint64_t)p & m;
	uint64_t hi = (uint64_t)(p >> bits) & m;

	uint64_t f = emu_szp(lo, size);
	if (sign ? hi != (emu_msb(lo, size) ? m : 0) : hi != 0)
		f |= X86_RFLAGS_CF | X86_RFLAGS_OF;
	if (size == 1) {
		emu_set_reg(v, R_AX, 2, 0, (hi << 8) | lo);
	} else {
		emu_set_reg(v, R_AX, size, 0, lo);
		emu_set_reg(v, R_DX, size, 0, hi);
	}
	v->rflags = (v->rflags & ~EMU_FL_ARITH) | f;
}

static void divide(struct exec_vcpu *v, unsigned int size, uint64_t divisor, bool sign)
{
	unsigned int bits = size * 8;
	uint64_t m = emu_size_mask[size];
	u128 hi, lo;

	if (size == 1) {
		hi = (v->gpr[R_AX] >> 8) & 0xff;
		lo = v->gpr[R_AX] & 0xff;
	} else {
		hi = v->gpr[R_DX] & m;
		lo = v->gpr[R_AX] & m;
	}
	divisor &= m;
	if (!divisor)
		emu_raise(v, X86_EXC_DE);

	u128 full = bits == 64 ? ~(u128)0 : ((u128)1 << (2 * bits)) - 1;
	u128 n = (hi << bits) | lo;
	uint64_t dmag = divisor;
	bool nneg = false, dneg = false;
	if (sign) {
		nneg = (hi >> (bits - 1)) & 1;
		if (nneg)
			n = (0 - n) & full;
		dneg = emu_msb(divisor, size);
		if (dneg)
			dmag = (0 - divisor) & m;
	}
	u128 q = n / dmag, r = n % dmag;
	if (sign) {
		bool qneg = nneg != dneg;
		u128 lim = ((u128)1 << (bits - 1)) - (qneg ? 0 : 1);
		if (q > lim)
			emu_raise(v, X86_EXC_DE);
		if (qneg)
			q = 0 - q;
		if (nneg)
			r = 0 - r;
	} else if (q > m) {
		emu_raise(v, X86_EXC_DE);
	}
	if (size == 1) {
		emu_set_reg(v, R_AX, 2, 0, (((uint64_t)r & 0xff) << 8) | ((uint64_t)q & 0xff));
	} else {
		emu_set_reg(v, R_AX, size, 0, (uint64_t)q & m);
		emu_set_reg(v, R_DX, size, 0, (uint64_t)r & m);
	}
}

void emu_exec_group3(struct exec_vcpu *v, struct insn *d, unsigned int size)
{
	switch (d->reg & 7) {
	case 0:
	case 1: {
		uint64_t imm = size == 8 ? emu_sext(d->imm, 4) : d->imm;
		emu_logic_flags(emu_rm_read(v, d, size) & imm, size, &v->rflags);
		return;
	}
	case 2:
		emu_rmw(v, d, size, rmw_not, 0, 0);
		return;
	case 3:
		emu_rmw(v, d, size, rmw_neg, 0, 0);
		return;
	case 4:
	case 5:
		multiply(v, size, emu_rm_read(v, d, size), d->reg & 1);
		return;
	default:
		divide(v, size, emu_rm_read(v, d, size), d->reg & 1);
		return;
	}
}
