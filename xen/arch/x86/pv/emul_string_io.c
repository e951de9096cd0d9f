/*
 * The string forms of port I/O, `ins` and `outs` (with or without a rep
 * prefix), for a PV guest whose ring the virtual IOPL allows, as Xen
 * emulates them for a domain without I/O ports: each element `ins` reads
 * is all ones and is stored at ES:rDI, each element `outs` reads from
 * seg:rSI (DS unless overridden) is dropped, and the index register moves
 * by the element size in the direction EFLAGS.DF gives.
 *
 * The memory side is the CPU's: the addressing width (0x67 selects 32 bits
 * in 64-bit code and 16 bits in 32-bit code), the FS/GS bases of 64-bit
 * code, and a #PF at the element that faults, with the elements before it
 * done and rCX/rSI/rDI describing the rest, so the guest's handler can
 * resume the instruction.  A long rep runs in batches: rip stays on the
 * instruction until rCX reaches zero, so events are delivered between
 * batches as between the iterations of a real one.
 */
#include <string.h>

#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "hv/x86_modrm.h"

/* Elements one exit carries out before the instruction runs again. */
#define STRING_IO_BATCH 4096u

enum { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_DEFAULT };

struct string_io {
	unsigned int len;     /* bytes of the instruction */
	unsigned int size;    /* element size: 1, 2 or 4 */
	uint64_t addr_mask;   /* of rSI, rDI and rCX */
	bool rep, is_out;
	unsigned int seg;     /* outs' source segment */
};

/* The prefixes that start b, recorded in io (and the operand and address
 * size ones in *opsize16, *addrsize); returns where the opcode is. */
static unsigned int read_prefixes(const uint8_t *b, unsigned int avail, bool long_mode, struct string_io *io,
				  bool *opsize16, bool *addrsize)
{
	unsigned int i = 0;
	for (; i < avail; i++) {
		switch (b[i]) {
		case 0x66: *opsize16 = true; continue;
		case 0x67: *addrsize = true; continue;
		case 0xf2: /* repne acts as rep for ins and outs */
		case 0xf3: io->rep = true; continue;
		}
		if (x86_segment_override(b[i]) < 0)
			break;
		io->seg = (unsigned int)x86_segment_override(b[i]);
	}
	/* A REX prefix counts only right before the opcode; none of its
	 * bits changes these instructions (REX.W leaves them 32-bit). */
	if (long_mode && i < avail && (b[i] & 0xf0) == 0x40)
		i++;
	return i;
}

static bool is_string_io_opcode(uint8_t op)
{
	return op >= 0x6c && op <= 0x6f;
}

bool pv_maybe_string_io(const uint8_t *b, unsigned int avail)
{
	struct string_io io = { 0 };
	bool opsize16 = false, addrsize = false;
	unsigned int i = read_prefixes(b, avail, true, &io, &opsize16, &addrsize);
	return i >= avail || is_string_io_opcode(b[i]);
}

static bool decode(const uint8_t *b, unsigned int avail, bool long_mode, struct string_io *io)
{
	bool opsize16 = false, addrsize = false;
	*io = (struct string_io){ .seg = SEG_DEFAULT };
	unsigned int i = read_prefixes(b, avail, long_mode, io, &opsize16, &addrsize);
	if (i >= avail || !is_string_io_opcode(b[i]))
		return false;
	io->is_out = b[i] & 2;
	io->size = !(b[i] & 1) ? 1 : opsize16 ? 2 : 4;
	io->len = i + 1;
	if (long_mode)
		io->addr_mask = addrsize ? 0xffffffffull : ~0ull;
	else
		io->addr_mask = addrsize ? 0xffffull : 0xffffffffull;
	return true;
}

/* A register the instruction uses as an address or count: 16-bit
 * addressing changes only the low word; 32-bit writes zero-extend. */
static void set_index(uint64_t *reg, uint64_t val, uint64_t mask)
{
	*reg = mask == 0xffff ? (*reg & ~0xffffull) | (val & 0xffff) : val & mask;
}

/*
 * One element at va, through the vCPU's current tables as the CPU would
 * access it from the guest's ring; false with the #PF error code and the
 * faulting address if it cannot.
 */
static bool access_element(struct vcpu *v, const struct vcpu_state *st, uint64_t va, unsigned int size,
			   bool write, uint32_t *pf_error, uint64_t *fault_va)
{
	static const uint8_t ones[4] = { 0xff, 0xff, 0xff, 0xff };
	struct domain *d = v->domain;
	unsigned int access = (write ? WALK_WRITE : WALK_READ) | (st->sys.cpl == 3 ? WALK_USER : 0);
	for (unsigned int done = 0; done < size;) {
		uint64_t at = st->sys.compat ? (uint32_t)(va + done) : va + done;
		struct walk_result r;
		if (!va_is_canonical(at) || pv_va_reserved(d, at)) {
			/* The hypervisor's range: present, but not the guest's. */
			*pf_error = X86_PFEC_PRESENT | (write ? X86_PFEC_WRITE : 0);
			*fault_va = at;
			return false;
		}
		if (guest_walk(pv_domain_frame, d, st->sys.cr3, at, access, true, &r)) {
			*pf_error = r.pf_error;
			*fault_va = at;
			return false;
		}
		unsigned int chunk = PAGE_SIZE - (unsigned int)(at & (PAGE_SIZE - 1));
		if (chunk > size - done)
			chunk = size - done;
		if (write)
			memcpy(hv->machine.base + r.maddr, ones, chunk);
		done += chunk;
	}
	return true;
}

bool pv_emulate_string_io(struct vcpu *v)
{
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	uint8_t b[X86_MAX_INSN_LEN];
	unsigned int avail = pv_fetch_insn(v, b);
	struct string_io io;
	if (!decode(b, avail, !st->sys.compat, &io))
		return false;
	/* ins writes ES:rDI, outs reads DS:rSI or its override. */
	unsigned int seg = !io.is_out ? SEG_ES : io.seg == SEG_DEFAULT ? SEG_DS : io.seg;

	struct vcpu_regs *r = &st->regs;
	uint64_t *index = io.is_out ? &r->rsi : &r->rdi;
	uint64_t left = io.rep ? r->rcx & io.addr_mask : 1;
	int64_t step = (r->rflags & X86_RFLAGS_DF) ? -(int64_t)io.size : (int64_t)io.size;
	for (unsigned int n = 0; left && n < STRING_IO_BATCH; n++) {
		uint32_t pf_error;
		uint64_t la, fault_va;
		if (!pv_operand_address(&st->sys, seg, *index & io.addr_mask, io.size, !io.is_out, &la))
			return false; /* #GP(0), the elements before it done */
		if (!access_element(v, st, la, io.size, !io.is_out, &pf_error, &fault_va)) {
			/* rip stays on the instruction, as the CPU leaves it. */
			if (!pv_inject_exception(v, X86_EXC_PF, true, pf_error, fault_va))
				domain_crash(v->domain, "vCPU %u: #PF at %#llx in %s without a handler", v->id,
					     (unsigned long long)fault_va, io.is_out ? "outs" : "ins");
			return true;
		}
		set_index(index, *index + (uint64_t)step, io.addr_mask);
		left--;
		if (io.rep)
			set_index(&r->rcx, left, io.addr_mask);
	}
	if (!left)
		r->rip = st->sys.compat ? (uint32_t)(r->rip + io.len) : r->rip + io.len;
	return true;
}
