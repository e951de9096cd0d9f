/*
 * String instructions (movs, cmps, stos, lods, scas) with rep/repe/repne
 * for the emu backend.
 *
 * A rep instruction runs at most EMU_REP_CHUNK elements per interpreter
 * step and then leaves rip at itself, so kicks and frame changes are seen
 * in the middle of a long copy; registers are updated per element (or per
 * page chunk), which is exactly the state hardware leaves when a rep
 * string instruction is interrupted or faults.
 */
#include <string.h>

#include "emu_internal.h"

struct str_ctx {
	unsigned int size;
	uint64_t am;    /* address-size mask for rsi, rdi, rcx */
	uint64_t delta; /* +size or -size (mod 2^64) */
};

static void advance(struct exec_vcpu *v, const struct insn *d, unsigned int r,
		    const struct str_ctx *c, uint64_t bytes_delta)
{
	emu_set_reg(v, r, d->adsize, 0, (v->gpr[r] + bytes_delta) & c->am);
}

/* rep movs/stos forward: copy whole runs that stay inside one page of
 * source and destination.  Returns the elements done (0: the next
 * element crosses a page, leave it to the element loop). */
static uint64_t fast_chunk(struct exec_vcpu *v, const struct insn *d, const struct str_ctx *c,
			   uint64_t count)
{
	bool movs = d->op <= 0xa5;
	uint64_t rdi = v->gpr[R_DI] & c->am, rsi = v->gpr[R_SI] & c->am;
	/* Page room of each side's first element (in compatibility mode the
	 * segment bases move the page offsets). */
	uint64_t dst_la = emu_es_la(v, rdi, c->size, true);
	uint64_t src_la = movs ? emu_la(v, d, rsi, c->size, false) : 0;
	uint64_t room = EMU_PAGE_SIZE - (dst_la & 0xfff);
	if (movs && EMU_PAGE_SIZE - (src_la & 0xfff) < room)
		room = EMU_PAGE_SIZE - (src_la & 0xfff);
	uint64_t n = room / c->size;
	if (n > count)
		n = count;
	if (!n)
		return 0;
	/* Ranges wrapping the address size are left to the element loop. */
	if (((rdi + n * c->size - 1) & c->am) < rdi || (movs && ((rsi + n * c->size - 1) & c->am) < rsi))
		return 0;

	uint64_t bytes = n * c->size;
	/* A run reaching past a segment's limit is left to the element loop,
	 * which faults at the first element past it. */
	if (v->compat && (!emu_compat_within(v, SEG_ES, rdi, bytes, true) ||
			  (movs && !emu_compat_within(v, emu_operand_seg(d), rsi, bytes, false))))
		return 0;
	if (movs) {
		const uint8_t *s = emu_xlate(v, EMU_ACC_READ, src_la, X86_EXC_GP);
		uint8_t *dst = emu_xlate(v, EMU_ACC_WRITE, dst_la, X86_EXC_GP);
		uintptr_t sp = (uintptr_t)s, dp = (uintptr_t)dst;
		if (dp > sp && dp < sp + bytes) {
			/* The destination overlaps the source ahead of it: the
			 * element-by-element semantics replicate a pattern. */
			for (uint64_t i = 0; i < bytes; i += c->size)
				memmove(dst + i, s + i, c->size);
		} else {
			memmove(dst, s, bytes);
		}
		advance(v, d, R_SI, c, bytes);
	} else {
		uint8_t *dst = emu_xlate(v, EMU_ACC_WRITE, dst_la, X86_EXC_GP);
		uint64_t val = v->gpr[R_AX];
		if (c->size == 1) {
			memset(dst, (int)(val & 0xff), bytes);
		} else {
			for (uint64_t i = 0; i < bytes; i += c->size)
				memcpy(dst + i, &val, c->size);
		}
	}
	advance(v, d, R_DI, c, bytes);
	return n;
}

void emu_exec_string(struct exec_vcpu *v, struct insn *d)
{
	unsigned int op = d->op;
	struct str_ctx c;
	c.size = (op & 1) ? d->opsize : 1;
	c.am = emu_admask(d);
	c.delta = (v->rflags & X86_RFLAGS_DF) ? 0 - (uint64_t)c.size : c.size;

	bool rep = d->rep != 0;
	uint64_t count = rep ? v->gpr[R_CX] & c.am : 1;
	uint64_t budget = (v->rflags & X86_RFLAGS_TF) ? 1 : EMU_REP_CHUNK;
	bool cmp = op == 0xa6 || op == 0xa7 || op == 0xae || op == 0xaf;

	while (count && budget) {
		/* Watched memory goes element by element: a data breakpoint
		 * stops the instruction after the element that hit it. */
		if (rep && !cmp && op != 0xac && op != 0xad && budget > 1 &&
		    !(v->rflags & X86_RFLAGS_DF) && !emu_watching(v)) {
			uint64_t n = fast_chunk(v, d, &c, count);
			if (n) {
				count -= n;
				emu_set_reg(v, R_CX, d->adsize, 0, count);
				budget = budget > n ? budget - n : 0;
				continue;
			}
		}
		uint64_t rsi = v->gpr[R_SI] & c.am, rdi = v->gpr[R_DI] & c.am;
		uint64_t a, b, fl;
		switch (op) {
		case 0xa4:
		case 0xa5:
			a = emu_read(v, emu_la(v, d, rsi, c.size, false), c.size, X86_EXC_GP);
			emu_write(v, emu_es_la(v, rdi, c.size, true), c.size, a, X86_EXC_GP);
			advance(v, d, R_SI, &c, c.delta);
			advance(v, d, R_DI, &c, c.delta);
			break;
		case 0xaa:
		case 0xab:
			emu_write(v, emu_es_la(v, rdi, c.size, true), c.size, v->gpr[R_AX], X86_EXC_GP);
			advance(v, d, R_DI, &c, c.delta);
			break;
		case 0xac:
		case 0xad:
			a = emu_read(v, emu_la(v, d, rsi, c.size, false), c.size, X86_EXC_GP);
			emu_set_reg(v, R_AX, c.size, 0, a);
			advance(v, d, R_SI, &c, c.delta);
			break;
		case 0xa6:
		case 0xa7:
			a = emu_read(v, emu_la(v, d, rsi, c.size, false), c.size, X86_EXC_GP);
			b = emu_read(v, emu_es_la(v, rdi, c.size, false), c.size, X86_EXC_GP);
			fl = v->rflags;
			emu_alu(ALU_CMP, c.size, a, b, &fl);
			v->rflags = fl;
			advance(v, d, R_SI, &c, c.delta);
			advance(v, d, R_DI, &c, c.delta);
			break;
		default: /* scas */
			b = emu_read(v, emu_es_la(v, rdi, c.size, false), c.size, X86_EXC_GP);
			fl = v->rflags;
			emu_alu(ALU_CMP, c.size, v->gpr[R_AX], b, &fl);
			v->rflags = fl;
			advance(v, d, R_DI, &c, c.delta);
			break;
		}
		budget--;
		if (!rep)
			return;
		count--;
		emu_set_reg(v, R_CX, d->adsize, 0, count);
		if (cmp) {
			bool zf = v->rflags & X86_RFLAGS_ZF;
			if (d->rep == 0xf3 ? !zf : zf)
				return;
		}
		if (v->db_hits)
			break;
	}
	if (count)
		d->next = d->start; /* more to do: run this instruction again */
}
