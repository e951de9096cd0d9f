/*
 * The page-table write emulator (hv/emulate_store.h) on a 16-byte memory
 * at linear address 0x1000: each handled instruction form writes what the
 * CPU would, sets the registers and flags it would, and reports its
 * length; everything else is declined without a change.
 */
#include <errno.h>
#include <string.h>

#include "hv/emulate_store.h"
#include "tests/tap.h"

#define MEM_LA 0x1000ull
static uint8_t mem[16];
static int reads, writes;
static bool fail_reads;

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

static int mem_write(void *ctx, uint64_t la, unsigned int size, uint64_t val)
{
	(void)ctx;
	writes++;
	if (la < MEM_LA || la + size > MEM_LA + sizeof(mem))
		return -EFAULT;
	memcpy(&mem[la - MEM_LA], &val, size);
	return 0;
}

static const struct store_ops ops = { mem_read, mem_write };

static uint64_t mem64(unsigned int off)
{
	uint64_t v;
	memcpy(&v, &mem[off], 8);
	return v;
}

/* Run bytes with rdi = MEM_LA and the given rax/rcx/rdx; mem preset to
 * 0x8877665544332211 in its first 8 bytes. */
static int run(const uint8_t *insn, unsigned int len, struct vcpu_regs *r)
{
	uint64_t init = 0x8877665544332211ull;
	memset(mem, 0, sizeof(mem));
	memcpy(mem, &init, 8);
	reads = writes = 0;
	r->rdi = MEM_LA;
	r->rip = 0x400000;
	return emulate_store(r, 0x100, (uint64_t)-0x40, insn, len, &ops, NULL);
}

#define RUN(r, ...) run((const uint8_t[]){ __VA_ARGS__ }, sizeof((const uint8_t[]){ __VA_ARGS__ }), r)

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
	return tap_done();
}
