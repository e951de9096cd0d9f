/*
 * The interpreting execution backend ("emu"): shared definitions.
 *
 * The backend runs a 64-bit PV guest at CPL 3 by decoding and executing
 * each instruction in C.  Every guest memory access goes through the
 * guest page-table walker and the VM's frame bitmap, so a guest can reach
 * nothing but the frames map_frames() gave it.
 *
 * Faults and exits leave the interpreter with longjmp() back to
 * vcpu_run(): an instruction commits its register results only after all
 * of its memory accesses succeeded, so an exception leaves the
 * architectural state as it was before the instruction, as on hardware.
 */
#ifndef EMU_INTERNAL_H
#define EMU_INTERNAL_H

#include <setjmp.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv/exec.h"
#include "hv/guest_walk.h"

#define EMU_PAGE_SIZE 4096u
#define EMU_TLB_SIZE 256u /* entries per access kind, direct mapped */

/* How often (in instructions) the run loop re-checks kicks and the frame
 * generation even when nothing else happens. */
#define EMU_CHECK_INTERVAL 1024u

/* Elements a rep string instruction moves per interpreter step before the
 * run loop looks at kicks again. */
#define EMU_REP_CHUNK 4096u

enum emu_acc { EMU_ACC_READ, EMU_ACC_WRITE, EMU_ACC_FETCH, EMU_ACC_KINDS };

struct emu_tlb_entry {
	uint64_t vpn;  /* la >> 12, or EMU_TLB_INVALID */
	uint8_t *host; /* the host mapping of the guest page */
};
#define EMU_TLB_INVALID (~0ull)

struct exec_vm {
	struct exec_machine m;
	_Atomic uint64_t *map; /* one bit per machine frame: the VM may reach it */
	uint64_t map_words;
	/* Bumped whenever a frame leaves the VM: vCPUs drop their cached
	 * translations when they see it change. */
	_Atomic uint64_t gen;
};

struct exec_vcpu {
	struct exec_vm *vm;
	unsigned int id;
	struct vcpu_state st; /* what the core sees between runs */
	atomic_bool kick;

	/* Working copy of the registers while running. */
	uint64_t gpr[16];
	uint64_t rip, rflags;

	/* Translation cache, valid for tlb_cr3 and tlb_gen. */
	uint64_t tlb_cr3, tlb_gen;
	struct emu_tlb_entry tlb[EMU_ACC_KINDS][EMU_TLB_SIZE];

	/* Mode of the current run (from st.sys at its start). */
	bool compat; /* 32-bit code segment: 32-bit eip, esp and addresses */
	bool user;   /* CPL 3: paging checks the user bit (else supervisor) */
	bool tlb_user; /* the privilege the translation cache was built for */
	/* Data breakpoints armed in DR7 at the run's start: DR0-3 (bits 0-3)
	 * watching writes (R/W 01) and reads and writes (R/W 11); and those
	 * the current instruction's accesses hit, reported as one #DB trap
	 * after it completes. */
	uint8_t watch_write, watch_rw, db_hits;

	struct exec_exit *exit;
	jmp_buf jb;
	uint64_t insns; /* instructions retired, for benchmarks */
};

/* Registers by encoding number. */
enum { R_AX, R_CX, R_DX, R_BX, R_SP, R_BP, R_SI, R_DI };

/* rflags bits an instruction may compute. */
#define EMU_FL_ARITH                                                                       \
	(X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | X86_RFLAGS_SF | \
	 X86_RFLAGS_OF)
#define EMU_FL_RF (1ull << 16)
#define EMU_FL_NT (1ull << 14)

#define EMU_CR4_TSD (1ull << 2)
#define EMU_CR4_UMIP (1ull << 11)
#define EMU_CR4_FSGSBASE (1ull << 16)

/* ---- Decoded instruction ---- */

/* Segment registers by their encoding number; SEG_NONE: no override. */
enum emu_seg { SEG_ES, SEG_CS, SEG_SS, SEG_DS, SEG_FS, SEG_GS, SEG_NONE };

struct insn {
	uint64_t start;     /* rip of the first byte */
	uint64_t next;      /* rip after the instruction */
	const uint8_t *b;   /* instruction bytes (at least len of them) */
	uint8_t buf[16];    /* bytes of an instruction crossing a page */
	unsigned int avail; /* bytes readable at b without another fetch */
	unsigned int len;   /* bytes consumed so far */
	unsigned int oplen; /* bytes up to and including the opcode */

	unsigned int op; /* 0x000-0x0ff one byte, 0x100-0x1ff 0f xx */
	uint8_t opsize;  /* 2, 4 or 8 for "v" operands */
	uint8_t adsize;  /* 2 (compat with 67), 4 or 8 */
	uint8_t rex;     /* 0 or 0x40-0x4f */
	uint8_t rep;     /* 0, 0xf2 or 0xf3 (the last one seen) */
	bool lock, opsz16;
	uint8_t seg; /* enum emu_seg */

	bool has_modrm, mem;
	uint8_t mod, reg, rm; /* reg and rm include the REX extensions */
	uint8_t base;         /* base register of a memory operand, or 0xff */
	uint8_t fv;           /* X86_EXC_GP or X86_EXC_SS for a non-canonical ea */
	bool riprel;
	uint64_t ea; /* effective address (offset), before the segment base */
	uint64_t imm, imm2;
};

/* ---- emu_cpuid.c ---- */
void emu_cpuid_filter(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

/* ---- emu_vm.c ---- */
uint8_t *emu_frame(struct exec_vm *vm, uint64_t mfn);
void emu_tlb_flush(struct exec_vcpu *v);

/* ---- exits (emu_exec.c); these do not return ---- */
_Noreturn void emu_exit(struct exec_vcpu *v, enum exec_exit_reason reason);
_Noreturn void emu_raise(struct exec_vcpu *v, unsigned int vector);
_Noreturn void emu_raise_err(struct exec_vcpu *v, unsigned int vector, uint32_t error);
_Noreturn void emu_raise_pf(struct exec_vcpu *v, uint64_t cr2, uint32_t error);
_Noreturn void emu_fatal(struct exec_vcpu *v, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
_Noreturn void emu_unimplemented(struct exec_vcpu *v, const struct insn *d);

/* ---- emu_mem.c ---- */
uint8_t *emu_tlb_fill(struct exec_vcpu *v, enum emu_acc kind, uint64_t la, unsigned int fv);

/* Host pointer to the guest byte at la, translated for kind; faults the
 * guest (fv for a non-canonical address) or ends the run. */
static inline uint8_t *emu_xlate(struct exec_vcpu *v, enum emu_acc kind, uint64_t la,
				 unsigned int fv)
{
	uint64_t vpn = la >> 12;
	struct emu_tlb_entry *e = &v->tlb[kind][vpn & (EMU_TLB_SIZE - 1)];
	if (__builtin_expect(e->vpn == vpn, 1))
		return e->host + (la & 0xfff);
	return emu_tlb_fill(v, kind, la, fv);
}

/* Record the data breakpoints an access of size bytes at la hits. */
void emu_watch_check(struct exec_vcpu *v, uint64_t la, unsigned int size, bool write);
static inline void emu_watch(struct exec_vcpu *v, uint64_t la, unsigned int size, bool write)
{
	if (__builtin_expect(v->watch_write | v->watch_rw, 0))
		emu_watch_check(v, la, size, write);
}
static inline bool emu_watching(const struct exec_vcpu *v)
{
	return v->watch_write | v->watch_rw;
}

uint64_t emu_read(struct exec_vcpu *v, uint64_t la, unsigned int size, unsigned int fv);
void emu_write(struct exec_vcpu *v, uint64_t la, unsigned int size, uint64_t val,
	       unsigned int fv);

/* A memory operand translated once for a read-modify-write. */
struct emu_ref {
	uint8_t *p0, *p1; /* p1 != NULL: the operand crosses into a second page */
	unsigned int n0, size;
};
void emu_ref_get(struct exec_vcpu *v, uint64_t la, unsigned int size, unsigned int fv,
		 bool write, struct emu_ref *r);
uint64_t emu_ref_load(const struct emu_ref *r);
void emu_ref_store(const struct emu_ref *r, uint64_t val);
/* Atomically replace *old with val; on failure *old is the current value. */
bool emu_ref_cas(const struct emu_ref *r, uint64_t *old, uint64_t val);
/* Serialises locked operations that cross a page (no host atomic spans two
 * mappings). */
void emu_split_lock(void);
void emu_split_unlock(void);
bool emu_cas128(uint8_t *p, uint64_t *old_lo, uint64_t *old_hi, uint64_t new_lo,
		uint64_t new_hi);

/* ---- emu_decode.c ---- */
void emu_decode(struct exec_vcpu *v, struct insn *d);

/* ---- emu_alu.c ---- */
enum alu_op { ALU_ADD, ALU_OR, ALU_ADC, ALU_SBB, ALU_AND, ALU_SUB, ALU_XOR, ALU_CMP };

extern const uint64_t emu_size_mask[9];

static inline uint64_t emu_sext(uint64_t x, unsigned int size)
{
	unsigned int sh = 64 - size * 8;
	return (uint64_t)((int64_t)(x << sh) >> sh);
}

static inline uint64_t emu_msb(uint64_t x, unsigned int size)
{
	return (x >> (size * 8 - 1)) & 1;
}

/* SF, ZF and PF of a result of the given size. */
static inline uint64_t emu_szp(uint64_t res, unsigned int size)
{
	uint64_t f = 0;
	res &= emu_size_mask[size];
	if (!res)
		f |= X86_RFLAGS_ZF;
	if (emu_msb(res, size))
		f |= X86_RFLAGS_SF;
	if (!__builtin_parity((unsigned int)(res & 0xff)))
		f |= X86_RFLAGS_PF;
	return f;
}

/* Each returns the result; *fl holds rflags on entry (for carry in and
 * flags an instruction leaves alone) and the new rflags on return. */
uint64_t emu_alu(unsigned int op, unsigned int size, uint64_t a, uint64_t b, uint64_t *fl);
uint64_t emu_incdec(bool dec, unsigned int size, uint64_t a, uint64_t *fl);
uint64_t emu_neg(unsigned int size, uint64_t a, uint64_t *fl);
uint64_t emu_shift(unsigned int kind, unsigned int size, uint64_t a, unsigned int count,
		   uint64_t *fl);
uint64_t emu_shld(bool right, unsigned int size, uint64_t dst, uint64_t src,
		  unsigned int count, uint64_t *fl);
uint64_t emu_imul2(unsigned int size, uint64_t a, uint64_t b, uint64_t *fl);
void emu_logic_flags(uint64_t res, unsigned int size, uint64_t *fl);
bool emu_cond(unsigned int cc, uint64_t fl);

/* ---- registers ---- */
static inline uint64_t emu_reg(const struct exec_vcpu *v, unsigned int r, unsigned int size,
			       uint8_t rex)
{
	if (size == 1 && !rex && r >= 4 && r < 8)
		return (v->gpr[r - 4] >> 8) & 0xff;
	return v->gpr[r] & emu_size_mask[size];
}

static inline void emu_set_reg(struct exec_vcpu *v, unsigned int r, unsigned int size,
			       uint8_t rex, uint64_t val)
{
	switch (size) {
	case 1:
		if (!rex && r >= 4 && r < 8)
			v->gpr[r - 4] = (v->gpr[r - 4] & ~0xff00ull) | ((val & 0xff) << 8);
		else
			v->gpr[r] = (v->gpr[r] & ~0xffull) | (val & 0xff);
		break;
	case 2:
		v->gpr[r] = (v->gpr[r] & ~0xffffull) | (val & 0xffff);
		break;
	case 4: /* 32-bit results zero-extend into the full register */
		v->gpr[r] = val & 0xffffffffull;
		break;
	default:
		v->gpr[r] = val;
		break;
	}
}

/* ---- emu_exec.c / emu_ops*.c ---- */
int emu_vcpu_run(struct exec_vcpu *v, struct exec_exit *exit);
void emu_step(struct exec_vcpu *v);
void emu_exec_0f(struct exec_vcpu *v, struct insn *d);
void emu_exec_string(struct exec_vcpu *v, struct insn *d);
void emu_exec_group3(struct exec_vcpu *v, struct insn *d, unsigned int size);
/* push and pop of a segment register (enum emu_seg). */
void emu_push_sreg(struct exec_vcpu *v, const struct insn *d, unsigned int seg);
void emu_pop_sreg(struct exec_vcpu *v, const struct insn *d, unsigned int seg);
/* lds, les, lss, lfs, lgs: a far pointer's selector into seg, its offset
 * into the ModRM reg. */
void emu_load_far_pointer(struct exec_vcpu *v, struct insn *d, unsigned int seg);

/* The linear address of size bytes at offset ea of a segment register
 * (enum emu_seg) in compatibility mode, after the checks of its limit and
 * rights (emu_mem.c); #GP(0), or #SS(0) for the stack, if they fail. */
uint64_t emu_compat_la(struct exec_vcpu *v, unsigned int seg, uint64_t ea, uint64_t size, bool write);
/* Whether those checks pass. */
bool emu_compat_within(const struct exec_vcpu *v, unsigned int seg, uint64_t ea, uint64_t size, bool write);

/* The segment a decoded memory operand uses: its override, else SS for
 * rsp/rbp-based operands, else DS. */
static inline unsigned int emu_operand_seg(const struct insn *d)
{
	if (d->seg != SEG_NONE)
		return d->seg;
	return d->mem && (d->base == R_SP || d->base == R_BP) ? SEG_SS : SEG_DS;
}

/* Linear address of size bytes at offset ea of a decoded instruction's
 * memory operand.  64-bit mode adds only an FS or GS base; compatibility
 * mode applies the segment's base, limit and rights. */
static inline uint64_t emu_la(struct exec_vcpu *v, const struct insn *d, uint64_t ea, unsigned int size,
			      bool write)
{
	if (__builtin_expect(v->compat, 0))
		return emu_compat_la(v, emu_operand_seg(d), ea, size, write);
	if (d->seg == SEG_FS)
		return ea + v->st.sys.fs_base;
	if (d->seg == SEG_GS)
		return ea + v->st.sys.gs_base;
	return ea;
}

/* The destination of a string instruction: ES:rDI (no override). */
static inline uint64_t emu_es_la(struct exec_vcpu *v, uint64_t ea, uint64_t size, bool write)
{
	return __builtin_expect(v->compat, 0) ? emu_compat_la(v, SEG_ES, ea, size, write) : ea;
}

/* Mask of the address size (rsi/rdi/rcx of string and loop instructions,
 * effective addresses). */
static inline uint64_t emu_admask(const struct insn *d)
{
	return d->adsize == 8 ? ~0ull : d->adsize == 4 ? 0xffffffffull : 0xffffull;
}

/* The stack pointer as an address: esp in compat mode (a 32-bit stack
 * segment), rsp otherwise. */
static inline uint64_t emu_sp(const struct exec_vcpu *v)
{
	return __builtin_expect(v->compat, 0) ? v->gpr[R_SP] & 0xffffffffull : v->gpr[R_SP];
}

/* Set the stack pointer; in compat mode esp, written as a 32-bit
 * register (the upper half becomes zero, as hardware shows it). */
static inline void emu_set_sp(struct exec_vcpu *v, uint64_t sp)
{
	v->gpr[R_SP] = __builtin_expect(v->compat, 0) ? sp & 0xffffffffull : sp;
}

/* A near branch target: 64-bit mode faults on the branch itself for a
 * non-canonical target; compat mode truncates it to eip (ip with 66). */
static inline uint64_t emu_branch_target(struct exec_vcpu *v, const struct insn *d,
					 uint64_t target)
{
	if (__builtin_expect(v->compat, 0))
		return target & (d->opsz16 ? 0xffffull : 0xffffffffull);
	if (!va_is_canonical(target))
		emu_raise_err(v, X86_EXC_GP, 0);
	return target;
}

/* Size of a near call/ret's return address: 8 in 64-bit mode (66 is
 * ignored there), 4 (2 with 66) in compat mode. */
static inline unsigned int emu_near_size(const struct exec_vcpu *v, const struct insn *d)
{
	return v->compat ? (d->opsz16 ? 2 : 4) : 8;
}

/* Size of a push/pop/call/ret stack slot: 8 (or 2 with 66) in 64-bit
 * mode, 4 (or 2) in compat mode. */
static inline unsigned int emu_stack_size(const struct exec_vcpu *v, const struct insn *d)
{
	return d->opsz16 ? 2 : v->compat ? 4 : 8;
}

uint64_t emu_rm_read(struct exec_vcpu *v, const struct insn *d, unsigned int size);
void emu_rm_write(struct exec_vcpu *v, const struct insn *d, unsigned int size, uint64_t val);
void emu_push(struct exec_vcpu *v, unsigned int size, uint64_t val);
/* Read the stack slot at the stack pointer and pop it. */
uint64_t emu_pop(struct exec_vcpu *v, unsigned int size);
/* An access of size bytes at la that crosses a page: the whole access
 * must be canonical (64-bit mode) or below 4 GiB (compat mode: the limit
 * of a flat segment), else fault fv. */
void emu_check_span(struct exec_vcpu *v, uint64_t la, unsigned int size, unsigned int fv);
typedef uint64_t (*emu_rmw_fn)(uint64_t old, uint64_t arg, unsigned int size, uint64_t *fl,
			       unsigned int kind);
/* Read-modify-write the ModRM operand (atomically with a lock prefix);
 * returns the old value. */
uint64_t emu_rmw(struct exec_vcpu *v, const struct insn *d, unsigned int size, emu_rmw_fn fn,
		 uint64_t arg, unsigned int kind);

#endif
