/* Emulating the memory-writing instructions kernels use on page tables (hv/emulate_store.h). */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "hv/emulate_store.h"
#include "hv/x86_modrm.h"

#define ARITH_FLAGS                                                                                          \
	(X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | X86_RFLAGS_SF | X86_RFLAGS_OF)

enum store_kind { MOV, XCHG, CMPXCHG, CMPXCHG8B, OR, AND, XOR, BTS, BTR, BTC };

struct decoded {
	enum store_kind kind;
	unsigned int size; /* operand bytes */
	unsigned int reg;  /* ModRM reg (with REX.R) */
	bool rex, has_imm, lock;
	uint64_t imm; /* sign-extended to the operand size */
	uint64_t la;  /* linear address of the memory operand */
	unsigned int len;
};

static uint64_t size_mask(unsigned int size)
{
	return size == 8 ? ~0ull : (1ull << (size * 8)) - 1;
}

static uint64_t sign_extend(uint64_t v, unsigned int bytes)
{
	unsigned int shift = 64 - bytes * 8;
	return (uint64_t)((int64_t)(v << shift) >> shift);
}

static uint64_t get_reg(const uint64_t *g, unsigned int r, unsigned int size, bool rex)
{
	if (size == 1 && !rex && r >= 4 && r < 8)
		return (g[r - 4] >> 8) & 0xff; /* ah, ch, dh, bh */
	return g[r] & size_mask(size);
}

static void set_reg(uint64_t *g, unsigned int r, unsigned int size, bool rex, uint64_t v)
{
	if (size == 1 && !rex && r >= 4 && r < 8)
		g[r - 4] = (g[r - 4] & ~0xff00ull) | ((v & 0xff) << 8);
	else if (size == 1 || size == 2)
		g[r] = (g[r] & ~size_mask(size)) | (v & size_mask(size));
	else
		g[r] = v & size_mask(size); /* 32-bit results zero-extend */
}

static uint64_t result_flags(uint64_t res, unsigned int size)
{
	uint64_t f = 0;
	res &= size_mask(size);
	if (!res)
		f |= X86_RFLAGS_ZF;
	if (res >> (size * 8 - 1))
		f |= X86_RFLAGS_SF;
	if (!__builtin_parity((unsigned int)(res & 0xff)))
		f |= X86_RFLAGS_PF;
	return f;
}

/* The flags of cmp a, b (a - b) at the given size. */
static uint64_t compare_flags(uint64_t a, uint64_t b, unsigned int size)
{
	uint64_t m = size_mask(size), res = (a - b) & m;
	unsigned int top = size * 8 - 1;
	uint64_t f = result_flags(res, size);
	if ((a & m) < (b & m))
		f |= X86_RFLAGS_CF;
	if ((((a ^ b) & (a ^ res)) >> top) & 1)
		f |= X86_RFLAGS_OF;
	if ((a ^ b ^ res) & 0x10)
		f |= X86_RFLAGS_AF;
	return f;
}

/* Fetch helper: false when the instruction runs past the bytes given. */
static bool next_byte(const uint8_t *insn, unsigned int avail, unsigned int *i, uint8_t *b)
{
	if (*i >= avail || *i >= X86_MAX_INSN_LEN)
		return false;
	*b = insn[(*i)++];
	return true;
}

static bool next_bytes(const uint8_t *insn, unsigned int avail, unsigned int *i, unsigned int n, uint64_t *v)
{
	*v = 0;
	for (unsigned int k = 0; k < n; k++) {
		uint8_t b;
		if (!next_byte(insn, avail, i, &b))
			return false;
		*v |= (uint64_t)b << (8 * k);
	}
	return true;
}

/* The opcode's kind, operand size class and immediate size; false if not
 * one this emulator handles.  group is the ModRM reg field for the
 * opcodes that use it as an extension. */
static bool classify(unsigned int op, unsigned int group, struct decoded *d, unsigned int vsize, unsigned int *imm)
{
	*imm = 0;
	d->size = vsize;
	switch (op) {
	case 0x88: d->size = 1; /* fall through */
	case 0x89: d->kind = MOV; return true;
	case 0xc6: d->size = 1; *imm = 1; d->kind = MOV; return group == 0;
	case 0xc7: *imm = vsize == 2 ? 2 : 4; d->kind = MOV; return group == 0;
	case 0x86: d->size = 1; /* fall through */
	case 0x87: d->kind = XCHG; return true;
	case 0x1b0: d->size = 1; /* fall through */
	case 0x1b1: d->kind = CMPXCHG; return true;
	case 0x1c7: /* cmpxchg8b; with REX.W it is cmpxchg16b (declined) */
		d->size = 8;
		d->kind = CMPXCHG8B;
		return group == 1 && vsize != 8;
	case 0x08: d->size = 1; /* fall through */
	case 0x09: d->kind = OR; return true;
	case 0x20: d->size = 1; /* fall through */
	case 0x21: d->kind = AND; return true;
	case 0x30: d->size = 1; /* fall through */
	case 0x31: d->kind = XOR; return true;
	case 0x80: case 0x81: case 0x83:
		if (op == 0x80)
			d->size = 1;
		*imm = op == 0x81 ? (vsize == 2 ? 2 : 4) : 1;
		switch (group) {
		case 1: d->kind = OR; return true;
		case 4: d->kind = AND; return true;
		case 6: d->kind = XOR; return true;
		default: return false;
		}
	case 0x1ab: d->kind = BTS; return true;
	case 0x1b3: d->kind = BTR; return true;
	case 0x1bb: d->kind = BTC; return true;
	case 0x1ba:
		*imm = 1;
		switch (group) {
		case 5: d->kind = BTS; return true;
		case 6: d->kind = BTR; return true;
		case 7: d->kind = BTC; return true;
		default: return false;
		}
	default:
		return false;
	}
}

static bool decode(const uint64_t *g, enum store_mode mode, uint64_t rip, const uint64_t seg_bases[6],
		   const uint8_t *insn, unsigned int avail, struct decoded *d)
{
	bool compat = mode == STORE_MODE_COMPAT;
	unsigned int i = 0;
	uint8_t b, rex = 0;
	bool opsize16 = false;
	int seg = -1; /* an override: ES 0, CS 1, SS 2, DS 3, FS 4, GS 5 */
	for (;;) {
		if (!next_byte(insn, avail, &i, &b))
			return false;
		if (b == 0x66)
			opsize16 = true;
		else if (b == 0xf0)
			d->lock = true; /* the caller makes the access atomic */
		else if (x86_segment_override(b) >= 0)
			seg = x86_segment_override(b);
		else if (b == 0x67)
			return false; /* 32-bit (64-bit mode) or 16-bit (compat) addressing */
		else
			break;
	}
	/* In compatibility mode 0x40-0x4f are inc/dec, which no handled
	 * opcode is: they are declined below. */
	if (!compat && (b & 0xf0) == 0x40) {
		rex = b;
		if (!next_byte(insn, avail, &i, &b))
			return false;
	}
	unsigned int op = b;
	if (b == 0x0f) {
		if (!next_byte(insn, avail, &i, &b))
			return false;
		op = 0x100 | b;
	}
	unsigned int vsize = (rex & 8) ? 8 : opsize16 ? 2 : 4, imm_len;
	if (op == 0xa2 || op == 0xa3) {
		/* mov moffs, al/eAX/rAX: an absolute address of the address
		 * size (8 bytes in 64-bit mode, 4 in compat), no ModRM. */
		uint64_t moffs;
		if (!next_bytes(insn, avail, &i, compat ? 4 : 8, &moffs))
			return false;
		d->kind = MOV;
		d->size = op == 0xa2 ? 1 : vsize;
		d->reg = 0;
		d->len = i;
		uint64_t seg_base = seg_bases[seg >= 0 ? seg : 3];
		d->la = compat ? (uint32_t)(moffs + seg_base) : moffs + seg_base;
		return true;
	}
	struct modrm_operand m;
	if (!modrm_decode(g, compat, rex, insn, avail, &i, &m))
		return false;
	d->reg = m.reg;
	d->rex = rex != 0;
	if (m.mod == 3 || !classify(op, m.reg & 7, d, vsize, &imm_len))
		return false; /* a register operand writes no memory */
	if ((d->kind >= BTS) && d->size == 1)
		return false;
	uint64_t ea = m.ea;
	d->has_imm = imm_len != 0;
	if (imm_len) {
		if (!next_bytes(insn, avail, &i, imm_len, &d->imm))
			return false;
		d->imm = sign_extend(d->imm, imm_len) & size_mask(d->size);
	}
	d->len = i;
	if (m.rip_relative)
		ea += rip + i;
	uint64_t seg_base = seg_bases[modrm_segment(&m, seg)];
	d->la = ea + seg_base;
	/* 32-bit addressing: the offset and the linear address wrap at 4 GiB. */
	if (compat)
		d->la = (uint32_t)((uint32_t)ea + seg_base);
	return true;
}

int emulate_store(struct vcpu_regs *regs, enum store_mode mode, const uint64_t seg_bases[6],
		  const uint8_t *insn, unsigned int avail, const struct store_ops *ops, void *ctx)
{
	uint64_t g[16];
	memcpy(g, regs, sizeof(g));
	struct decoded d = { 0 };
	if (!decode(g, mode, regs->rip, seg_bases, insn, avail, &d))
		return 0;
	/* xchg and the compare-exchanges are atomic without a lock prefix. */
	bool atomic = d.lock || d.kind == XCHG || d.kind == CMPXCHG || d.kind == CMPXCHG8B;

	unsigned int size = d.size, bits = size * 8;
	uint64_t m = size_mask(size), flags = regs->rflags, src = d.has_imm ? d.imm : get_reg(g, d.reg, size, d.rex);
	uint64_t old = 0, val;
	int rc;
	if (d.kind != MOV && (rc = ops->read(ctx, d.la, size, &old)))
		return rc;
	old &= m;
	switch (d.kind) {
	case MOV:
		val = src;
		break;
	case XCHG:
		val = src;
		set_reg(g, d.reg, size, d.rex, old);
		break;
	case CMPXCHG:
		flags = (flags & ~ARITH_FLAGS) | compare_flags(g[0], old, size);
		if ((g[0] & m) != old) {
			set_reg(g, 0, size, false, old);
			goto done; /* nothing is written */
		}
		val = src;
		break;
	case CMPXCHG8B: {
		/* edx:eax against the quadword; ecx:ebx written if equal, else
		 * the quadword loaded into edx:eax (32-bit writes: zero-extended). */
		uint64_t expected = g[2] << 32 | (uint32_t)g[0];
		if (old != expected) {
			flags &= ~X86_RFLAGS_ZF;
			g[0] = (uint32_t)old;
			g[2] = old >> 32;
			goto done;
		}
		flags |= X86_RFLAGS_ZF;
		val = g[1] << 32 | (uint32_t)g[3];
		break;
	}
	case OR:
	case AND:
	case XOR:
		val = d.kind == OR ? old | src : d.kind == AND ? old & src : old ^ src;
		flags = (flags & ~ARITH_FLAGS) | result_flags(val, size);
		break;
	default: { /* BTS, BTR, BTC */
		/* With a register offset the bit may lie outside the operand
		 * (a bit string); such writes are declined. */
		uint64_t bit = d.has_imm ? src & (bits - 1) : src;
		if (bit >= bits)
			return 0;
		flags = (flags & ~X86_RFLAGS_CF) | ((old >> bit) & 1 ? X86_RFLAGS_CF : 0);
		uint64_t mask = 1ull << bit;
		val = d.kind == BTS ? old | mask : d.kind == BTR ? old & ~mask : old ^ mask;
		break;
	}
	}
	if ((rc = ops->write(ctx, d.la, size, val & m, atomic)))
		return rc;
done:
	memcpy(regs, g, sizeof(g));
	regs->rflags = flags;
	regs->rip += d.len;
	if (mode == STORE_MODE_COMPAT)
		regs->rip = (uint32_t)regs->rip; /* eip */
	return (int)d.len;
}
