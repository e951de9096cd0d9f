/*
 * Arithmetic and flags for the emu backend.
 *
 * All arithmetic is done on uint64_t masked to the operand size, so no
 * signed overflow or oversized shift can occur in the emulator itself.
 * Where the SDM leaves a flag undefined we produce a deterministic value
 * (usually the one the defined cases' formula gives).
 */
#include "emu_internal.h"

#define CF X86_RFLAGS_CF
#define PF X86_RFLAGS_PF
#define AF X86_RFLAGS_AF
#define ZF X86_RFLAGS_ZF
#define SF X86_RFLAGS_SF
#define OF X86_RFLAGS_OF

const uint64_t emu_size_mask[9] = {
	0, 0xffull, 0xffffull, 0, 0xffffffffull, 0, 0, 0, ~0ull,
};

static inline uint64_t keep(uint64_t fl, uint64_t computed)
{
	return (fl & ~EMU_FL_ARITH) | computed;
}

static uint64_t add_flags(unsigned int size, uint64_t a, uint64_t b, uint64_t res, bool carry)
{
	uint64_t m = emu_size_mask[size];
	uint64_t f = emu_szp(res, size);
	a &= m;
	b &= m;
	res &= m;
	if (carry ? res <= a : res < a)
		f |= CF;
	if (emu_msb((a ^ res) & (b ^ res), size))
		f |= OF;
	if ((a ^ b ^ res) & 0x10)
		f |= AF;
	return f;
}

static uint64_t sub_flags(unsigned int size, uint64_t a, uint64_t b, uint64_t res, bool borrow)
{
	uint64_t m = emu_size_mask[size];
	uint64_t f = emu_szp(res, size);
	a &= m;
	b &= m;
	res &= m;
	if (borrow ? a <= b : a < b)
		f |= CF;
	if (emu_msb((a ^ b) & (a ^ res), size))
		f |= OF;
	if ((a ^ b ^ res) & 0x10)
		f |= AF;
	return f;
}

void emu_logic_flags(uint64_t res, unsigned int size, uint64_t *fl)
{
	*fl = keep(*fl, emu_szp(res, size));
}

uint64_t emu_alu(unsigned int op, unsigned int size, uint64_t a, uint64_t b, uint64_t *fl)
{
	uint64_t m = emu_size_mask[size], res;
	bool c = *fl & CF;

	switch (op) {
	case ALU_ADD:
		res = (a + b) & m;
		*fl = keep(*fl, add_flags(size, a, b, res, false));
		return res;
	case ALU_ADC:
		res = (a + b + c) & m;
		*fl = keep(*fl, add_flags(size, a, b, res, c));
		return res;
	case ALU_SUB:
	case ALU_CMP:
		res = (a - b) & m;
		*fl = keep(*fl, sub_flags(size, a, b, res, false));
		return res;
	case ALU_SBB:
		res = (a - b - c) & m;
		*fl = keep(*fl, sub_flags(size, a, b, res, c));
		return res;
	case ALU_OR:
		res = (a | b) & m;
		break;
	case ALU_AND:
		res = (a & b) & m;
		break;
	default:
		res = (a ^ b) & m;
		break;
	}
	emu_logic_flags(res, size, fl);
	return res;
}

uint64_t emu_incdec(bool dec, unsigned int size, uint64_t a, uint64_t *fl)
{
	uint64_t res = (dec ? a - 1 : a + 1) & emu_size_mask[size];
	uint64_t f = dec ? sub_flags(size, a, 1, res, false) : add_flags(size, a, 1, res, false);
	/* inc and dec leave CF alone. */
	*fl = keep(*fl, (f & ~CF) | (*fl & CF));
	return res;
}

uint64_t emu_neg(unsigned int size, uint64_t a, uint64_t *fl)
{
	uint64_t res = (0 - a) & emu_size_mask[size];
	*fl = keep(*fl, sub_flags(size, 0, a, res, false));
	return res;
}

bool emu_cond(unsigned int cc, uint64_t fl)
{
	bool r;
	switch ((cc >> 1) & 7) {
	case 0:
		r = fl & OF;
		break;
	case 1:
		r = fl & CF;
		break;
	case 2:
		r = fl & ZF;
		break;
	case 3:
		r = fl & (CF | ZF);
		break;
	case 4:
		r = fl & SF;
		break;
	case 5:
		r = fl & PF;
		break;
	case 6:
		r = !(fl & SF) != !(fl & OF);
		break;
	default:
		r = (fl & ZF) || (!(fl & SF) != !(fl & OF));
		break;
	}
	return (cc & 1) ? !r : r;
}

/*
 * Shifts and rotates: kind is the ModRM reg field of the c0/c1/d0-d3
 * groups (rol, ror, rcl, rcr, shl, shr, sal, sar).  The count is masked to
 * 5 bits (6 for 64-bit operands); a masked count of zero changes nothing,
 * flags included.
 */
uint64_t emu_shift(unsigned int kind, unsigned int size, uint64_t a, unsigned int count,
		   uint64_t *fl)
{
	unsigned int bits = size * 8;
	uint64_t m = emu_size_mask[size];
	uint64_t res, f = *fl;

	count &= size == 8 ? 63 : 31;
	if (!count)
		return a & m;
	a &= m;

	switch (kind & 7) {
	case 0: { /* rol */
		unsigned int n = count % bits;
		res = n ? ((a << n) | (a >> (bits - n))) & m : a;
		f &= ~(CF | OF);
		if (res & 1)
			f |= CF;
		if (emu_msb(res, size) ^ (res & 1))
			f |= OF;
		*fl = f;
		return res;
	}
	case 1: { /* ror */
		unsigned int n = count % bits;
		res = n ? ((a >> n) | (a << (bits - n))) & m : a;
		f &= ~(CF | OF);
		if (emu_msb(res, size))
			f |= CF;
		if (emu_msb(res, size) ^ ((res >> (bits - 2)) & 1))
			f |= OF;
		*fl = f;
		return res;
	}
	case 2: { /* rcl: rotate the (bits + 1)-bit value CF:a */
		unsigned int n = size < 4 ? count % (bits + 1) : count;
		uint64_t c = f & CF ? 1 : 0;
		res = a;
		for (unsigned int i = 0; i < n; i++) {
			uint64_t out = emu_msb(res, size);
			res = ((res << 1) | c) & m;
			c = out;
		}
		f &= ~(CF | OF);
		if (c)
			f |= CF;
		if (emu_msb(res, size) ^ c)
			f |= OF;
		*fl = f;
		return res;
	}
	case 3: { /* rcr */
		unsigned int n = size < 4 ? count % (bits + 1) : count;
		uint64_t c = f & CF ? 1 : 0;
		/* OF for a count of one uses the operand before rotating. */
		uint64_t of = emu_msb(a, size) ^ c;
		res = a;
		for (unsigned int i = 0; i < n; i++) {
			uint64_t out = res & 1;
			res = (res >> 1) | (c << (bits - 1));
			c = out;
		}
		f &= ~(CF | OF);
		if (c)
			f |= CF;
		if (count == 1 ? of : emu_msb(res, size) ^ ((res >> (bits - 2)) & 1))
			f |= OF;
		*fl = f;
		return res;
	}
	case 4:
	case 6: { /* shl/sal */
		uint64_t cf = count <= bits ? (a >> (bits - count)) & 1 : 0;
		res = count < bits ? (a << count) & m : 0;
		f = emu_szp(res, size);
		if (cf)
			f |= CF;
		if (emu_msb(res, size) ^ cf)
			f |= OF;
		*fl = keep(*fl, f);
		return res;
	}
	case 5: { /* shr */
		uint64_t cf = count <= bits ? (a >> (count - 1)) & 1 : 0;
		res = count < bits ? a >> count : 0;
		f = emu_szp(res, size);
		if (cf)
			f |= CF;
		if (count == 1 && emu_msb(a, size))
			f |= OF;
		*fl = keep(*fl, f);
		return res;
	}
	default: { /* sar */
		uint64_t s = emu_sext(a, size);
		unsigned int n = count < bits ? count : bits - 1;
		uint64_t cf = count < bits ? (s >> (count - 1)) & 1 : emu_msb(a, size);
		res = (uint64_t)((int64_t)s >> n) & m;
		if (count >= bits)
			res = emu_msb(a, size) ? m : 0;
		f = emu_szp(res, size);
		if (cf)
			f |= CF;
		*fl = keep(*fl, f);
		return res;
	}
	}
}

/* shld (right == false) / shrd: shift dst, filling from src. */
uint64_t emu_shld(bool right, unsigned int size, uint64_t dst, uint64_t src,
		  unsigned int count, uint64_t *fl)
{
	unsigned int bits = size * 8;
	uint64_t m = emu_size_mask[size];
	uint64_t res, cf, f;

	count &= size == 8 ? 63 : 31;
	if (!count)
		return dst & m;
	dst &= m;
	src &= m;
	if (count > bits) {
		/* Only 16-bit operands get here; the result is undefined.  Shift
		 * the 32-bit pattern src:dst (as many CPUs do) modulo 32. */
		uint64_t wide = right ? (src << 16) | dst : (dst << 16) | src;
		uint64_t both = wide | (wide << 32);
		if (right) {
			res = (both >> count) & m;
			cf = (both >> (count - 1)) & 1;
		} else {
			res = (both >> (32 - count + 16)) & m;
			cf = (both >> (48 - count + 1)) & 1;
		}
	} else if (right) {
		res = count == bits ? src : ((dst >> count) | (src << (bits - count))) & m;
		cf = (dst >> (count - 1)) & 1;
	} else {
		res = count == bits ? src : ((dst << count) | (src >> (bits - count))) & m;
		cf = (dst >> (bits - count)) & 1;
	}
	f = emu_szp(res, size);
	if (cf)
		f |= CF;
	if (emu_msb(res ^ dst, size))
		f |= OF;
	*fl = keep(*fl, f);
	return res;
}

/* Two- and three-operand imul: the truncated product; CF = OF = the
 * product did not fit. */
uint64_t emu_imul2(unsigned int size, uint64_t a, uint64_t b, uint64_t *fl)
{
	__int128 p = (__int128)(int64_t)emu_sext(a, size) * (int64_t)emu_sext(b, size);
	uint64_t res = (uint64_t)p & emu_size_mask[size];
	uint64_t f = emu_szp(res, size);
	if ((__int128)(int64_t)emu_sext(res, size) != p)
		f |= CF | OF;
	*fl = keep(*fl, f);
	return res;
}
