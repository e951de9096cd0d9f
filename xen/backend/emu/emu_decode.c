/*
 * Instruction decoding for the emu backend: prefixes, opcode, ModRM/SIB,
 * displacement and immediates of one instruction, in 64-bit mode or (with
 * v->compat) in compatibility mode: no REX (40-4f are inc/dec), 32-bit
 * default address size (16-bit with 67), no rip-relative addressing.
 *
 * Every byte is fetched through fetch8()/fetch_n(), which never read more
 * than 15 bytes (longer instructions take #GP(0), as on hardware) and only
 * touch the next code page when the instruction really extends into it, so
 * the fault for a missing second page has the page boundary as cr2.
 */
#include <string.h>

#include "emu_internal.h"

/* Decode table entries: ModRM present, immediate kind. */
enum {
	D_M = 1,
	I_B = 1 << 1,  /* imm8 */
	I_W = 2 << 1,  /* imm16 */
	I_Z = 3 << 1,  /* imm16 or imm32 by operand size */
	I_V = 4 << 1,  /* imm16, imm32 or imm64 by operand size (mov r, imm) */
	I_D = 5 << 1,  /* imm32 whatever the operand size (rel32) */
	I_WB = 6 << 1, /* imm16, imm8 (enter) */
	I_MO = 7 << 1, /* moffs: address-size offset */
	I_MASK = 7 << 1,
};

#define N 0
#define M D_M
#define B I_B
#define W I_W
#define Z I_Z
#define V I_V
#define D I_D
#define E I_WB
#define O I_MO
#define MB (D_M | I_B)
#define MZ (D_M | I_Z)

static const uint8_t onebyte[256] = {
	/*      0   1   2   3   4   5   6   7   8   9   a   b   c   d   e   f */
	/* 0 */ M,  M,  M,  M,  B,  Z,  N,  N,  M,  M,  M,  M,  B,  Z,  N,  N,
	/* 1 */ M,  M,  M,  M,  B,  Z,  N,  N,  M,  M,  M,  M,  B,  Z,  N,  N,
	/* 2 */ M,  M,  M,  M,  B,  Z,  N,  N,  M,  M,  M,  M,  B,  Z,  N,  N,
	/* 3 */ M,  M,  M,  M,  B,  Z,  N,  N,  M,  M,  M,  M,  B,  Z,  N,  N,
	/* 4 */ N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,
	/* 5 */ N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,
	/* 6 */ N,  N,  N,  M,  N,  N,  N,  N,  Z,  MZ, B,  MB, N,  N,  N,  N,
	/* 7 */ B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,  B,
	/* 8 */ MB, MZ, N,  MB, M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,
	/* 9 */ N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,
	/* a */ O,  O,  O,  O,  N,  N,  N,  N,  B,  Z,  N,  N,  N,  N,  N,  N,
	/* b */ B,  B,  B,  B,  B,  B,  B,  B,  V,  V,  V,  V,  V,  V,  V,  V,
	/* c */ MB, MB, W,  N,  N,  N,  MB, MZ, E,  N,  W,  N,  N,  B,  N,  N,
	/* d */ M,  M,  M,  M,  N,  N,  N,  N,  M,  M,  M,  M,  M,  M,  M,  M,
	/* e */ B,  B,  B,  B,  B,  B,  B,  B,  D,  D,  N,  B,  N,  N,  N,  N,
	/* f */ N,  N,  N,  N,  N,  N,  M,  M,  N,  N,  N,  N,  N,  N,  M,  M,
};

static const uint8_t twobyte[256] = {
	/*      0   1   2   3   4   5   6   7   8   9   a   b   c   d   e   f */
	/* 0 */ M,  M,  M,  M,  N,  N,  N,  N,  N,  N,  N,  N,  N,  M,  N,  N,
	/* 1 */ M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,
	/* 2 */ M,  M,  M,  M,  N,  N,  N,  N,  M,  M,  M,  M,  M,  M,  M,  M,
	/* 3 */ N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,  N,
	/* 4 */ M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,
	/* 5 */ M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,
	/* 6 */ M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,
	/* 7 */ MB, MB, MB, MB, M,  M,  M,  N,  M,  M,  N,  N,  M,  M,  M,  M,
	/* 8 */ D,  D,  D,  D,  D,  D,  D,  D,  D,  D,  D,  D,  D,  D,  D,  D,
	/* 9 */ M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,
	/* a */ N,  N,  N,  M,  MB, M,  N,  N,  N,  N,  N,  M,  MB, M,  M,  M,
	/* b */ M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  MB, M,  M,  M,  M,  M,
	/* c */ M,  M,  MB, M,  MB, MB, MB, M,  N,  N,  N,  N,  N,  N,  N,  N,
	/* d */ M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,
	/* e */ M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,
	/* f */ M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,  M,
};

#undef N
#undef M
#undef B
#undef W
#undef Z
#undef V
#undef D
#undef E
#undef O
#undef MB
#undef MZ

/* The instruction continues past what is fetched: either it is longer
 * than 15 bytes or it crosses into the next code page. */
static void __attribute__((noinline)) fetch_more(struct exec_vcpu *v, struct insn *d)
{
	if (d->len >= 15)
		emu_raise_err(v, X86_EXC_GP, 0);
	uint64_t next_page = (d->start | 0xfff) + 1;
	/* Compat mode: an instruction running past 0xffffffff exceeds the
	 * flat code segment's limit. */
	if (v->compat && next_page > 0xffffffffull)
		emu_raise_err(v, X86_EXC_GP, 0);
	uint8_t *p = emu_xlate(v, EMU_ACC_FETCH, next_page, X86_EXC_GP);
	memcpy(d->buf + d->avail, p, 15 - d->avail);
	d->avail = 15;
}

static inline uint8_t fetch8(struct exec_vcpu *v, struct insn *d)
{
	if (__builtin_expect(d->len >= d->avail, 0))
		fetch_more(v, d);
	return d->b[d->len++];
}

static inline uint64_t fetch_n(struct exec_vcpu *v, struct insn *d, unsigned int n)
{
	uint64_t x = 0;
	if (__builtin_expect(d->len + n <= d->avail, 1)) {
		memcpy(&x, d->b + d->len, n);
		d->len += n;
		return x;
	}
	for (unsigned int i = 0; i < n; i++)
		x |= (uint64_t)fetch8(v, d) << (8 * i);
	return x;
}

/* 16-bit addressing (compat mode with 67): bx/bp + si/di + disp. */
static void decode_modrm16(struct exec_vcpu *v, struct insn *d, unsigned int rmlow)
{
	static const uint8_t base[8] = { R_BX, R_BX, R_BP, R_BP, R_SI, R_DI, R_BP, R_BX };
	static const uint8_t index[8] = { R_SI, R_DI, R_SI, R_DI, 0xff, 0xff, 0xff, 0xff };
	uint64_t ea = 0;

	if (d->mod == 0 && rmlow == 6) {
		ea = fetch_n(v, d, 2);
	} else {
		d->base = base[rmlow];
		ea = v->gpr[d->base];
		if (index[rmlow] != 0xff)
			ea += v->gpr[index[rmlow]];
		if (d->mod == 1)
			ea += emu_sext(fetch8(v, d), 1);
		else if (d->mod == 2)
			ea += fetch_n(v, d, 2);
	}
	d->ea = ea & 0xffff;
	d->fv = d->base == R_BP && d->seg == SEG_NONE ? X86_EXC_SS : X86_EXC_GP;
}

static void decode_modrm(struct exec_vcpu *v, struct insn *d)
{
	uint8_t m = fetch8(v, d);
	unsigned int rmlow = m & 7;

	d->mod = m >> 6;
	d->reg = ((m >> 3) & 7) | ((d->rex & 4) << 1);
	d->base = 0xff;
	if (d->mod == 3) {
		d->rm = rmlow | ((d->rex & 1) << 3);
		return;
	}
	d->mem = true;
	d->rm = rmlow;
	if (__builtin_expect(d->adsize == 2, 0)) {
		decode_modrm16(v, d, rmlow);
		return;
	}

	uint64_t ea = 0;
	bool disp32 = d->mod == 2;
	if (rmlow == 4) {
		uint8_t sib = fetch8(v, d);
		unsigned int idx = ((sib >> 3) & 7) | ((d->rex & 2) << 2);
		unsigned int b = sib & 7;
		if (idx != 4)
			ea += v->gpr[idx] << (sib >> 6);
		if (b == 5 && d->mod == 0) {
			disp32 = true;
		} else {
			d->base = b | ((d->rex & 1) << 3);
			ea += v->gpr[d->base];
		}
	} else if (rmlow == 5 && d->mod == 0) {
		/* rip-relative in 64-bit mode, an absolute disp32 in compat. */
		d->riprel = !v->compat;
		disp32 = true;
	} else {
		d->base = rmlow | ((d->rex & 1) << 3);
		ea += v->gpr[d->base];
	}
	if (d->mod == 1)
		ea += emu_sext(fetch8(v, d), 1);
	else if (disp32)
		ea += emu_sext(fetch_n(v, d, 4), 4);
	d->ea = ea;
	/* rsp/rbp-based operands are stack-segment accesses: a non-canonical
	 * address is #SS there, #GP elsewhere. */
	d->fv = (d->base == R_SP || d->base == R_BP) && d->seg == SEG_NONE ? X86_EXC_SS
									   : X86_EXC_GP;
}

void emu_decode(struct exec_vcpu *v, struct insn *d)
{
	uint64_t rip = v->rip;
	unsigned int off = rip & 0xfff;
	const uint8_t *p = emu_xlate(v, EMU_ACC_FETCH, rip, X86_EXC_GP);

	d->start = rip;
	d->len = 0;
	if (EMU_PAGE_SIZE - off >= 15) {
		d->b = p;
		d->avail = 15;
	} else {
		d->avail = EMU_PAGE_SIZE - off;
		memcpy(d->buf, p, d->avail);
		d->b = d->buf;
	}
	d->rex = 0;
	d->rep = 0;
	d->lock = false;
	d->opsz16 = false;
	d->adsize = v->compat ? 4 : 8;
	d->seg = SEG_NONE;
	d->mem = false;
	d->riprel = false;
	d->has_modrm = false;
	d->imm = 0;

	uint8_t c;
	for (;;) {
		c = fetch8(v, d);
		if ((c & 0xf0) == 0x40 && !v->compat) {
			d->rex = c;
			continue;
		}
		switch (c) {
		case 0x66:
			d->opsz16 = true;
			break;
		case 0x67:
			d->adsize = v->compat ? 2 : 4;
			break;
		case 0xf0:
			d->lock = true;
			break;
		case 0xf2:
		case 0xf3:
			d->rep = c;
			break;
		case 0x26:
		case 0x2e:
		case 0x36:
		case 0x3e:
			/* Ignored in 64-bit mode. */
			if (v->compat)
				d->seg = (c >> 3) & 3;
			break;
		case 0x64:
			d->seg = SEG_FS;
			break;
		case 0x65:
			d->seg = SEG_GS;
			break;
		default:
			goto opcode;
		}
		/* A REX prefix counts only immediately before the opcode. */
		d->rex = 0;
	}
opcode:
	d->opsize = (d->rex & 8) ? 8 : d->opsz16 ? 2 : 4;

	uint8_t flags;
	if (c != 0x0f) {
		d->op = c;
		flags = onebyte[c];
		/* les/lds in compat mode; VEX prefixes in 64-bit mode. */
		if (v->compat && (c == 0xc4 || c == 0xc5))
			flags = D_M;
		if (__builtin_expect(v->compat, 0) && c == 0x82)
			flags = D_M | I_B; /* an alias of 80 outside 64-bit mode */
	} else {
		c = fetch8(v, d);
		if (c == 0x38 || c == 0x3a) {
			/* Three-byte maps: nothing here the backend runs. */
			d->op = (c == 0x38 ? 0x200 : 0x300) | fetch8(v, d);
			d->oplen = d->len;
			d->next = (rip + d->len) & (v->compat ? 0xffffffffull : ~0ull);
			return;
		}
		d->op = 0x100 | c;
		flags = twobyte[c];
	}
	d->oplen = d->len;

	if (flags & D_M) {
		d->has_modrm = true;
		decode_modrm(v, d);
	}

	switch (flags & I_MASK) {
	case I_B:
		d->imm = fetch8(v, d);
		break;
	case I_W:
		d->imm = fetch_n(v, d, 2);
		break;
	case I_Z:
		d->imm = d->opsize == 2 ? fetch_n(v, d, 2) : fetch_n(v, d, 4);
		break;
	case I_V:
		d->imm = fetch_n(v, d, d->opsize);
		break;
	case I_D:
		/* rel16 with 66 in compat mode; 64-bit mode ignores 66 here. */
		if (__builtin_expect(v->compat && d->opsz16, 0))
			d->imm = emu_sext(fetch_n(v, d, 2), 2) & 0xffffffffull;
		else
			d->imm = fetch_n(v, d, 4);
		break;
	case I_WB:
		d->imm = fetch_n(v, d, 2);
		d->imm2 = fetch8(v, d);
		break;
	case I_MO:
		d->ea = fetch_n(v, d, d->adsize);
		d->mem = true;
		d->fv = X86_EXC_GP;
		break;
	}
	/* test rm, imm is the only ModRM group with an immediate on some
	 * of its members. */
	if ((d->op == 0xf6 || d->op == 0xf7) && (d->reg & 7) < 2)
		d->imm = d->op == 0xf6 ? fetch8(v, d) : d->opsize == 2 ? fetch_n(v, d, 2)
									: fetch_n(v, d, 4);

	d->next = rip + d->len;
	if (d->riprel)
		d->ea += d->next;
	if (d->adsize == 4)
		d->ea &= 0xffffffffull;
	if (__builtin_expect(v->compat, 0))
		d->next &= 0xffffffffull; /* eip wraps at 4 GiB */
}
