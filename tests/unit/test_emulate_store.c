/*
 * The page-table write emulator (hv/emulate_store.h) on a 16-byte memory
 * at linear address 0x1000: each handled instruction form writes what the
 * CPU would, sets the registers and flags it would, and reports its
 * length; everything else is declined without a change.  Both modes:
 * 64-bit code and compatibility-mode (32-bit) code.
 */
#include <errno.h>
#include <string.h>

#include "hv/emulate_store.h"
#include "tests/tap.h"

#define MEM_LA 0x1000ull
static uint8_t mem[16];
static int reads, writes;
static bool fail_reads, last_atomic;

static int mem_read(void *ctx, uint64_t la, unsigned int size, uint64_t *val)
{
	(void)ctx;
	reads++;
	if (fail_reads || la < MEM_LA || la + size > MEM_LA + sizeof(mem))
		return -EFAULT;
	*val = 0;
	memcpy(val, &mem[la - MEM_LA], size);
	return 0;
}

static int mem_write(void *ctx, uint64_t la, unsigned int size, uint64_t val, bool atomic)
{
	(void)ctx;
	writes++;
	last_atomic = atomic;
	if (la < MEM_LA || la + size > MEM_LA + sizeof(mem))
		return -EFAULT;
	memcpy(&mem[la - MEM_LA], &val, size);
	return 0;
}

static const struct store_ops ops = { mem_read, mem_write };
/* ES, CS, SS, DS, FS, GS. */
static uint64_t seg_bases[6] = { 0, 0, 0, 0, 0x100, (uint64_t)-0x40 };

static uint64_t mem64(unsigned int off)
{
	uint64_t v;
	memcpy(&v, &mem[off], 8);
	return v;
}

/* Run bytes in the given mode with the given registers, rdi = MEM_LA and
 * rip = 0x400000 unless set; mem preset to 0x8877665544332211 in its
 * first 8 bytes.  FS base 0x100, GS base -0x40. */
static int run_mode(enum store_mode mode, const uint8_t *insn, unsigned int len, struct vcpu_regs *r)
{
	uint64_t init = 0x8877665544332211ull;
	memset(mem, 0, sizeof(mem));
	memcpy(mem, &init, 8);
	reads = writes = 0;
	last_atomic = false;
	if (!r->rdi)
		r->rdi = MEM_LA;
	if (!r->rip)
		r->rip = 0x400000;
	return emulate_store(r, mode, seg_bases, insn, len, &ops, NULL);
}

static int run(const uint8_t *insn, unsigned int len, struct vcpu_regs *r)
{
	return run_mode(STORE_MODE_64, insn, len, r);
}

#define BYTES(...) (const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ })
#define RUN(r, ...) run(BYTES(__VA_ARGS__), r)
#define RUN32(r, ...) run_mode(STORE_MODE_COMPAT, BYTES(__VA_ARGS__), r)

/* Compatibility-mode decoding: 32-bit operands and addresses, no REX. */
static void test_compat(void)
{
	struct vcpu_regs r = { .rax = 0xffffffffcafef00dull, .rdi = 0xabcd000000000000ull | MEM_LA };
	TAP_CHECK(RUN32(&r, 0x89, 0x07) == 2 && mem64(0) == 0x88776655cafef00dull && r.rip == 0x400002 &&
			  !last_atomic,
		  "compat mov %%eax,(%%edi): 4 bytes at edi (the register's upper half ignored), a plain store");
	r = (struct vcpu_regs){ .rax = 0x1122334455667788ull };
	TAP_CHECK(RUN32(&r, 0x48, 0x89, 0x07) == 0 && !writes && r.rip == 0x400000,
		  "compat: 0x48 is dec %%eax, not REX.W: declined");
	r = (struct vcpu_regs){ .rax = 0x42 };
	TAP_CHECK(RUN32(&r, 0x40, 0x89, 0x07) == 0 && !writes, "compat: 0x40 (inc %%eax) is declined");
	r = (struct vcpu_regs){ .rax = 0x77 };
	TAP_CHECK(RUN32(&r, 0x89, 0x05, 0x08, 0x10, 0x00, 0x00) == 6 && mem64(8) == 0x77,
		  "compat mod 00 rm 101: an absolute disp32 (0x1008), not rip-relative");
	r = (struct vcpu_regs){ .rax = 0x77 };
	TAP_CHECK(RUN(&r, 0x89, 0x05, 0x08, 0x10, 0x00, 0x00) == -EFAULT && !mem64(8) && r.rip == 0x400000,
		  "the same bytes in 64-bit mode are rip-relative (outside the memory)");
	r = (struct vcpu_regs){ .rax = 0xaabbccdd };
	TAP_CHECK(RUN32(&r, 0xa3, 0x08, 0x10, 0x00, 0x00) == 5 && mem64(8) == 0xaabbccdd && r.rip == 0x400005,
		  "compat mov %%eax,moffs32 (a3): a 4-byte absolute address");
	r = (struct vcpu_regs){ .rax = 0x5a };
	TAP_CHECK(RUN32(&r, 0x64, 0xa2, 0x08, 0x0f, 0x00, 0x00) == 6 && mem[8] == 0x5a && mem[9] == 0,
		  "compat mov %%al,%%fs:moffs32 (64 a2): one byte, the FS base added");
	seg_bases[3] = 0x8;
	r = (struct vcpu_regs){ .rax = 0x66, .rdi = MEM_LA - 8 };
	TAP_CHECK(RUN32(&r, 0x88, 0x07) == 2 && mem[0] == 0x66,
		  "compat mov %%al,(%%edi): DS's base added");
	r = (struct vcpu_regs){ .rax = 0x77, .rdi = MEM_LA + 1 };
	TAP_CHECK(RUN32(&r, 0x26, 0x88, 0x07) == 3 && mem[1] == 0x77, "with an ES override, ES's base (0)");
	r = (struct vcpu_regs){ .rax = 0x55, .rbp = MEM_LA + 2 };
	TAP_CHECK(RUN32(&r, 0x88, 0x45, 0x00) == 3 && mem[2] == 0x55, "ebp-based: SS's (0), not DS's");
	seg_bases[3] = 0;
	r = (struct vcpu_regs){ .rax = 0x1122334455667788ull };
	TAP_CHECK(RUN(&r, 0x48, 0xa3, 0x08, 0x10, 0, 0, 0, 0, 0, 0) == 10 && mem64(8) == 0x1122334455667788ull,
		  "64-bit mov %%rax,moffs64 (REX.W a3): an 8-byte absolute address");
	r = (struct vcpu_regs){ .rax = 0x1122 };
	TAP_CHECK(RUN(&r, 0x66, 0xa3, 0x08, 0x10, 0, 0, 0, 0, 0) == 0 && !writes,
		  "64-bit a3 with a truncated 8-byte address is declined");
	r = (struct vcpu_regs){ .rax = 0x12345678 };
	TAP_CHECK(RUN32(&r, 0xc7, 0x47, 0x08, 0xff, 0xff, 0xff, 0xff) == 7 && mem64(8) == 0xffffffffull,
		  "compat movl $-1, 8(%%edi): 4 bytes");
	r = (struct vcpu_regs){ .rax = 0xabcd };
	TAP_CHECK(RUN32(&r, 0x66, 0x89, 0x47, 0x04) == 4 && mem64(0) == 0x8877abcd44332211ull,
		  "compat 66 prefix: 2 bytes");
	r = (struct vcpu_regs){ .rax = 0x5a00 };
	TAP_CHECK(RUN32(&r, 0x88, 0x67, 0x04) == 3 && mem[4] == 0x5a, "compat mov %%ah,4(%%edi)");
	r = (struct vcpu_regs){ .rax = 0x99, .rcx = 2 };
	TAP_CHECK(RUN32(&r, 0x89, 0x04, 0x8f) == 3 && mem64(8) == 0x99, "compat SIB: (%%edi,%%ecx,4)");
	r = (struct vcpu_regs){ .rax = 0x99, .rcx = 0x402 };
	TAP_CHECK(RUN32(&r, 0x89, 0x04, 0x8d, 0x00, 0x00, 0x00, 0x00) == 7 && mem64(8) == 0x99,
		  "compat SIB without a base: disp32(,%%ecx,4)");
	r = (struct vcpu_regs){ .rax = 0x31, .rdi = 0xfffff000 };
	TAP_CHECK(RUN32(&r, 0x89, 0x87, 0x08, 0x20, 0x00, 0x00) == 6 && mem64(8) == 0x31,
		  "compat: the effective address wraps at 4 GiB (0xfffff000 + 0x2008 = 0x1008)");
	r = (struct vcpu_regs){ .rax = 0x31, .rdi = 0xfffff000 };
	TAP_CHECK(RUN(&r, 0x89, 0x87, 0x08, 0x20, 0x00, 0x00) == -EFAULT && !mem64(8) && r.rip == 0x400000,
		  "in 64-bit mode the same address does not wrap");
	r = (struct vcpu_regs){ .rax = 0x66 };
	TAP_CHECK(RUN32(&r, 0x65, 0x89, 0x47, 0x48) == 4 && mem64(8) == 0x66,
		  "compat gs prefix: the segment base is added");
	r = (struct vcpu_regs){ .rax = 0x66, .rip = 0xfffffffe };
	TAP_CHECK(RUN32(&r, 0x89, 0x07) == 2 && r.rip == 0, "compat: eip wraps at 4 GiB");
	r = (struct vcpu_regs){ .rax = 0x66 };
	TAP_CHECK(RUN32(&r, 0x67, 0x89, 0x07) == 0 && !writes, "compat 0x67 (16-bit addressing) is declined");
	r = (struct vcpu_regs){ .rax = 0x66 };
	TAP_CHECK(RUN(&r, 0x67, 0x89, 0x07) == 0 && !writes, "64-bit 0x67 (32-bit addressing) is declined");
	r = (struct vcpu_regs){ .rax = 0xffffffff00001234ull };
	TAP_CHECK(RUN32(&r, 0x87, 0x07) == 2 && mem64(0) == 0x8877665500001234ull && r.rax == 0x44332211 &&
			  last_atomic,
		  "compat xchg: 4 bytes swapped, eax zero-extended, atomic");
	r = (struct vcpu_regs){ .rax = 0x40 };
	TAP_CHECK(RUN32(&r, 0xf0, 0x09, 0x07) == 3 && mem[0] == 0x51 && last_atomic, "compat lock or: atomic");
	r = (struct vcpu_regs){ .rax = 0x40 };
	TAP_CHECK(RUN32(&r, 0x09, 0x07) == 2 && mem[0] == 0x51 && !last_atomic, "compat or without lock: plain");
	r = (struct vcpu_regs){ .rax = 0x44332211, .rdx = 0x1 };
	TAP_CHECK(RUN32(&r, 0xf0, 0x0f, 0xb1, 0x57, 0x04) == 5 && mem64(0) == 0x8877665544332211ull && !writes &&
			  r.rax == 0x88776655 && !(r.rflags & X86_RFLAGS_ZF),
		  "compat lock cmpxchg %%edx,4(%%edi) that does not match: eax gets the upper half");
}

/* cmpxchg8b (0f c7 /1): 8 bytes compared with edx:eax, ecx:ebx written. */
static void test_cmpxchg8b(void)
{
	for (int compat = 0; compat < 2; compat++) {
		enum store_mode mode = compat ? STORE_MODE_COMPAT : STORE_MODE_64;
		const char *m = compat ? "compat" : "64-bit";
		/* Only the low halves of rax/rdx take part. */
		struct vcpu_regs r = { .rax = 0xdead000044332211ull, .rdx = 0x88776655, .rbx = 0xbbbbbbbb,
				       .rcx = 0xcccccccc };
		int rc = run_mode(mode, BYTES(0xf0, 0x0f, 0xc7, 0x0f), &r);
		TAP_CHECK(rc == 4 && mem64(0) == 0xccccccccbbbbbbbbull && (r.rflags & X86_RFLAGS_ZF) && last_atomic &&
				  r.rax == 0xdead000044332211ull && r.rdx == 0x88776655 && r.rip == 0x400004,
			  "%s lock cmpxchg8b (%%edi) that matches: ecx:ebx written, ZF set, registers kept", m);
		r = (struct vcpu_regs){ .rax = 0x44332211, .rdx = 0x88776656, .rbx = 1, .rcx = 2,
					.rflags = X86_RFLAGS_ZF | X86_RFLAGS_CF };
		rc = run_mode(mode, BYTES(0x0f, 0xc7, 0x0f), &r);
		TAP_CHECK(rc == 3 && !writes && mem64(0) == 0x8877665544332211ull && !(r.rflags & X86_RFLAGS_ZF) &&
				  (r.rflags & X86_RFLAGS_CF) && r.rax == 0x44332211 && r.rdx == 0x88776655,
			  "%s cmpxchg8b (no lock) that does not match: nothing written, ZF clear (CF kept), "
			  "edx:eax = memory",
			  m);
		r = (struct vcpu_regs){ .rax = 0xffffffff00000000ull, .rdx = 0xffffffff00000000ull, .rbx = 5 };
		rc = run_mode(mode, BYTES(0xf0, 0x0f, 0xc7, 0x4f, 0x08), &r);
		TAP_CHECK(rc == 5 && mem64(8) == 5 && (r.rflags & X86_RFLAGS_ZF),
			  "%s lock cmpxchg8b 8(%%edi): disp8, compared with the low halves (0)", m);
		r = (struct vcpu_regs){ .rax = 1, .rdx = 0xffffffff00000000ull };
		rc = run_mode(mode, BYTES(0x0f, 0xc7, 0x4f, 0x08), &r);
		TAP_CHECK(rc == 4 && r.rax == 0 && r.rdx == 0, "%s failing cmpxchg8b zero-extends eax and edx", m);
		r = (struct vcpu_regs){ 0 };
		TAP_CHECK(run_mode(mode, BYTES(0x0f, 0xc7, 0x07), &r) == 0 && !writes && !reads,
			  "%s 0f c7 /0 is declined", m);
		r = (struct vcpu_regs){ 0 };
		TAP_CHECK(run_mode(mode, BYTES(0x0f, 0xc7, 0xcf), &r) == 0 && !writes, "%s 0f c7 with a register is declined",
			  m);
		r = (struct vcpu_regs){ 0 };
		TAP_CHECK(run_mode(mode, BYTES(0xf0, 0x0f, 0xc7, 0x0f, 0x00), &r) == 4 && r.rip == 0x400004,
			  "%s cmpxchg8b's length does not include the byte after it", m);
	}
	struct vcpu_regs r = { .rax = 0x44332211, .rdx = 0x88776655 };
	TAP_CHECK(RUN(&r, 0xf0, 0x48, 0x0f, 0xc7, 0x0f) == 0 && !writes && !reads && r.rip == 0x400000,
		  "64-bit lock cmpxchg16b (REX.W) is declined");
	r = (struct vcpu_regs){ .rax = 0x44332211, .rdx = 0x88776655 };
	TAP_CHECK(RUN32(&r, 0xf0, 0x48, 0x0f, 0xc7, 0x0f) == 0 && !writes, "compat: 0x48 before 0f c7 is declined");
}

int main(void)
{
	struct vcpu_regs r = { .rax = 0x1122334455667788ull };
	TAP_CHECK(RUN(&r, 0x48, 0x89, 0x07) == 3 && mem64(0) == 0x1122334455667788ull && r.rip == 0x400003 && !reads,
		  "mov %%rax,(%%rdi): 8 bytes, no read, rip advanced");
	r = (struct vcpu_regs){ .rax = 0xdeadbeefcafef00dull };
	TAP_CHECK(RUN(&r, 0x89, 0x07) == 2 && mem64(0) == 0x88776655cafef00dull, "mov %%eax,(%%rdi): 4 bytes");
	r = (struct vcpu_regs){ .rax = 0xabcd };
	TAP_CHECK(RUN(&r, 0x66, 0x89, 0x07) == 3 && mem64(0) == 0x887766554433abcdull, "66 prefix: 2 bytes");
	r = (struct vcpu_regs){ .rax = 0x5a00 };
	TAP_CHECK(RUN(&r, 0x88, 0x27) == 2 && mem[0] == 0x5a && mem[1] == 0x22, "mov %%ah,(%%rdi)");
	r = (struct vcpu_regs){ 0 };
	TAP_CHECK(RUN(&r, 0x48, 0xc7, 0x07, 0xff, 0xff, 0xff, 0xff) == 7 && mem64(0) == ~0ull,
		  "movq $-1: the immediate is sign-extended");
	r = (struct vcpu_regs){ .rax = 0x99 };
	TAP_CHECK(RUN(&r, 0x48, 0x89, 0x47, 0x08) == 4 && mem64(8) == 0x99 && mem64(0) == 0x8877665544332211ull,
		  "disp8");
	r = (struct vcpu_regs){ .rax = 0x77, .rcx = 1 };
	r.rdi = MEM_LA;
	TAP_CHECK(RUN(&r, 0x48, 0x89, 0x04, 0xcf) == 4 && mem64(8) == 0x77, "SIB: (%%rdi,%%rcx,8)");
	r = (struct vcpu_regs){ .rax = 0x55 };
	uint64_t target_rip = 0x1008 - 7 - 0x400000;
	uint8_t riprel[7] = { 0x48, 0x89, 0x05 };
	memcpy(&riprel[3], &target_rip, 4);
	TAP_CHECK(run(riprel, 7, &r) == 7 && mem64(8) == 0x55, "rip-relative, from the end of the instruction");
	r = (struct vcpu_regs){ .rax = 0x66 };
	TAP_CHECK(RUN(&r, 0x65, 0x48, 0x89, 0x47, 0x48) == 5 && mem64(8) == 0x66, "gs segment base added");

	r = (struct vcpu_regs){ .rax = 0x1234 };
	TAP_CHECK(RUN(&r, 0x48, 0x87, 0x07) == 3 && mem64(0) == 0x1234 && r.rax == 0x8877665544332211ull,
		  "xchg: memory and register swap");
	r = (struct vcpu_regs){ .rax = 0x8877665544332211ull, .rdx = 0xabc };
	TAP_CHECK(RUN(&r, 0xf0, 0x48, 0x0f, 0xb1, 0x17) == 5 && mem64(0) == 0xabc && (r.rflags & X86_RFLAGS_ZF),
		  "lock cmpxchg that matches: written, ZF set");
	r = (struct vcpu_regs){ .rax = 5, .rdx = 0xabc };
	TAP_CHECK(RUN(&r, 0xf0, 0x48, 0x0f, 0xb1, 0x17) == 5 && mem64(0) == 0x8877665544332211ull &&
			  !(r.rflags & X86_RFLAGS_ZF) && r.rax == 0x8877665544332211ull && !writes,
		  "lock cmpxchg that does not: nothing written, ZF clear, rax gets memory");
	r = (struct vcpu_regs){ 0 };
	TAP_CHECK(RUN(&r, 0xf0, 0x80, 0x27, 0xfd) == 4 && mem[0] == 0x11 && mem[1] == 0x22,
		  "lock andb $0xfd: clear_bit(1) of an entry");
	r = (struct vcpu_regs){ 0 };
	TAP_CHECK(RUN(&r, 0xf0, 0x80, 0x27, 0xfe) == 4 && mem[0] == 0x10, "lock andb $0xfe clears bit 0");
	r = (struct vcpu_regs){ .rflags = X86_RFLAGS_CF };
	TAP_CHECK(RUN(&r, 0x48, 0x83, 0x0f, 0x40) == 4 && mem[0] == 0x51 && !(r.rflags & X86_RFLAGS_CF),
		  "orq $0x40: flags of a logic op (CF cleared)");
	r = (struct vcpu_regs){ .rax = 0xff };
	TAP_CHECK(RUN(&r, 0x48, 0x31, 0x07) == 3 && mem[0] == 0xee, "xor %%rax,(%%rdi)");
	r = (struct vcpu_regs){ 0 };
	TAP_CHECK(RUN(&r, 0xf0, 0x48, 0x0f, 0xba, 0x2f, 0x01) == 6 && mem[0] == 0x13 && !(r.rflags & X86_RFLAGS_CF),
		  "lock bts $1: set, CF = old bit 0");
	r = (struct vcpu_regs){ .rax = 4 };
	TAP_CHECK(RUN(&r, 0xf0, 0x48, 0x0f, 0xb3, 0x07) == 5 && mem[0] == 0x01 && (r.rflags & X86_RFLAGS_CF),
		  "lock btr %%rax: cleared, CF = old bit 4");
	r = (struct vcpu_regs){ .rax = 64 };
	TAP_CHECK(RUN(&r, 0x48, 0x0f, 0xb3, 0x07) == 0 && !writes, "btr with a bit outside the operand is declined");

	struct vcpu_regs before = { .rax = 1 };
	r = before;
	TAP_CHECK(RUN(&r, 0x48, 0x89, 0xc7) == 0 && r.rip == 0x400000 && !writes,
		  "a register destination is declined");
	r = before;
	TAP_CHECK(RUN(&r, 0x48, 0x01, 0x07) == 0 && !writes, "add (not a page-table idiom) is declined");
	r = before;
	TAP_CHECK(RUN(&r, 0xf3, 0x48, 0xab) == 0 && !writes, "rep stos is declined");
	r = before;
	TAP_CHECK(RUN(&r, 0x48, 0xc7, 0x07, 0xff) == 0 && !writes, "a truncated instruction is declined");
	r = before;
	fail_reads = true;
	int rc = RUN(&r, 0x48, 0x87, 0x07);
	fail_reads = false;
	TAP_CHECK(rc == -EFAULT && r.rax == 1 && r.rip == 0x400000 && !writes,
		  "a failing read abandons the instruction with no change");
	r = (struct vcpu_regs){ .rax = 1 };
	TAP_CHECK(RUN(&r, 0x48, 0x89, 0x07) == 3 && !last_atomic, "mov is a plain store");
	r = (struct vcpu_regs){ .rax = 0x8877665544332211ull };
	TAP_CHECK(RUN(&r, 0x48, 0x0f, 0xb1, 0x17) == 4 && writes && last_atomic, "cmpxchg without lock is atomic");
	r = (struct vcpu_regs){ .rax = 1 };
	TAP_CHECK(RUN(&r, 0xf0, 0x48, 0x09, 0x07) == 4 && last_atomic, "lock or is atomic");

	test_compat();
	test_cmpxchg8b();
	return tap_done();
}
