/*
 * Data breakpoints of the emu backend: DR7 R/W 01 (writes) and 11 (reads
 * and writes) with each LEN, checked against every access an instruction
 * makes (operands, stack pushes, locked read-modify-writes, each element
 * of a rep string instruction), reported as one #DB trap after the
 * instruction with its effects kept and B0-B3 in DR6; a miss, a disabled
 * breakpoint and a fetch do not fire, and an instruction that faults
 * reports its fault only.
 */
#include <string.h>

#include "emu_test.h"

#define BE exec_backend_emu

#define W (T_DATA_VA + 0x100)  /* the watched bytes */
#define UNMAPPED 0x60000000ull /* nothing maps it */

#define DR7_RW_WRITE 1u
#define DR7_RW_ANY 3u
/* DR7's LEN field for 1, 2, 4 and 8 bytes. */
static unsigned int len_field(unsigned int len)
{
	return len == 1 ? 0 : len == 2 ? 1 : len == 8 ? 2 : 3;
}

/* L<n> with R/W and LEN for breakpoint n. */
static uint64_t dr7_bp(unsigned int n, unsigned int rw, unsigned int len)
{
	return 1ull << (2 * n) | (uint64_t)(rw | len_field(len) << 2) << (16 + 4 * n);
}

T_ASM(d_store4, "movl $0x11223344, (%rdi)\n\tint3");          /* 6 bytes, then int3 */
T_ASM(d_store1, "movb $0x55, (%rdi)\n\tint3");                /* 3 bytes */
T_ASM(d_load4, "movl (%rdi), %eax\n\tint3");                  /* 2 bytes */
T_ASM(d_push, "push %rax\n\tint3");                           /* 1 byte */
T_ASM(d_lock_inc, "lock incl (%rdi)\n\tint3");                /* 3 bytes */
T_ASM(d_rep_stosb, "rep stosb\n\tint3");                      /* 2 bytes */
T_ASM(d_rep_movsb, "rep movsb\n\tint3");                      /* 2 bytes */
T_ASM(d_movsq, "movsq\n\tint3");                              /* 2 bytes */
T_ASM(d_fetch, "nop\n\tnop\n\tint3");
T_ASM(d_tf, "pushf\n\torq $0x100, (%rsp)\n\tpopf\n\tmovl %eax, (%rdi)\n\tint3"); /* the store at +10, 2 bytes */

static struct vcpu_state *st;
static struct exec_exit ex;

/* Load code and arm breakpoint n at addr with dr7 (DR6 clear, rdi = W);
 * returns the code's address. */
static uint64_t arm(const uint8_t *code, size_t len, unsigned int n, uint64_t addr, uint64_t dr7)
{
	uint64_t rip = t_load_code(code, len, 0x6000);
	t_setup_call(st, rip);
	st->sys.dr6 = X86_DR6_DEFAULT;
	st->sys.dr7 = X86_DR7_DEFAULT | dr7;
	st->sys.dr[n] = addr;
	st->regs.rdi = W;
	return rip;
}
#define ARM(code, n, addr, dr7) arm(code, (size_t)(code##_end - code), (n), (addr), (dr7))

/* The same, run over zeroed watched bytes. */
static uint64_t run_with(const uint8_t *code, size_t len, unsigned int n, uint64_t addr, uint64_t dr7)
{
	uint64_t rip = arm(code, len, n, addr, dr7);
	memset(t_host(W - 0x10), 0, 0x40);
	t_run(&ex);
	return rip;
}
#define RUN(code, n, addr, dr7) run_with(code, (size_t)(code##_end - code), (n), (addr), (dr7))

static bool is_db(void)
{
	return ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_DB && !ex.has_error_code;
}

static bool is_bp(void)
{
	return ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_BP;
}

static uint32_t host32(uint64_t va)
{
	uint32_t v;
	memcpy(&v, t_host(va), 4);
	return v;
}

static void test_write_and_read_breakpoints(void)
{
	uint64_t rip = RUN(d_store4, 0, W, dr7_bp(0, DR7_RW_WRITE, 4));
	T_CHECK(is_db() && st->regs.rip == rip + 6 && host32(W) == 0x11223344 && (st->sys.dr6 & 0xf) == 1 &&
			(st->sys.dr6 & ~0xfull) == (X86_DR6_DEFAULT & ~0xfull),
		"a write breakpoint: #DB after the store, the store done, B0 in DR6 (rip +%llu, dr6 %#llx)",
		(unsigned long long)(st->regs.rip - rip), (unsigned long long)st->sys.dr6);
	RUN(d_load4, 0, W, dr7_bp(0, DR7_RW_WRITE, 4));
	T_CHECK(is_bp() && st->sys.dr6 == X86_DR6_DEFAULT, "a read does not fire a write breakpoint");
	memcpy(t_host(W), "\x78\x56\x34\x12", 4);
	rip = ARM(d_load4, 1, W, dr7_bp(1, DR7_RW_ANY, 8));
	t_run(&ex);
	T_CHECK(is_db() && st->regs.rip == rip + 2 && st->regs.rax == 0x12345678 && (st->sys.dr6 & 0xf) == 2,
		"a read/write breakpoint fires on a read, B1, the load done (rax %#llx)",
		(unsigned long long)st->regs.rax);
	RUN(d_store4, 3, W, dr7_bp(3, DR7_RW_ANY, 1));
	T_CHECK(is_db() && (st->sys.dr6 & 0xf) == 8, "and on a write, B3");
	RUN(d_store4, 0, W, dr7_bp(0, DR7_RW_WRITE, 4) & ~3ull);
	T_CHECK(is_bp() && st->sys.dr6 == X86_DR6_DEFAULT, "a breakpoint without L0/G0 does not fire");
	RUN(d_store4, 0, W, dr7_bp(0, 0, 1));
	T_CHECK(is_bp() && st->sys.dr6 == X86_DR6_DEFAULT, "an execution breakpoint on the bytes does not fire on the store");
	RUN(d_fetch, 0, T_CODE_VA + 0x6000, dr7_bp(0, DR7_RW_ANY, 1));
	T_CHECK(is_bp(), "fetching the watched bytes as instructions does not fire");
}

static void test_lengths_and_straddling(void)
{
	/* LEN rounds the address down: 4 bytes from W + 3 watch W..W+3. */
	RUN(d_store1, 0, W + 3, dr7_bp(0, DR7_RW_WRITE, 4));
	T_CHECK(is_db(), "LEN 4 at W+3 watches W: a byte written at W fires");
	static const struct {
		uint64_t at;
		unsigned int len;
		int64_t store; /* offset of the 4-byte store from the watched start */
		bool hit;
	} cases[] = {
		{ W + 8, 2, -3, true },  /* the store's last byte */
		{ W + 8, 2, -4, false }, /* ends just before */
		{ W + 8, 2, 1, true },   /* its first byte on the second watched one */
		{ W + 8, 2, 2, false },  /* starts just after */
		{ W + 8, 8, 4, true },   /* inside eight bytes */
		{ W + 8, 8, 8, false },
		{ W + 8, 1, -2, true },  /* straddles one byte */
	};
	for (unsigned int i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ARM(d_store4, 2, cases[i].at, dr7_bp(2, DR7_RW_WRITE, cases[i].len));
		st->regs.rdi = cases[i].at + (uint64_t)cases[i].store;
		t_run(&ex);
		T_CHECK(cases[i].hit ? is_db() && (st->sys.dr6 & 0xf) == 4 : is_bp(),
			"a 4-byte store at %+lld from %u watched bytes %s", (long long)cases[i].store, cases[i].len,
			cases[i].hit ? "fires B2" : "does not fire");
	}
}

static void test_implicit_accesses(void)
{
	uint64_t rip = RUN(d_push, 0, T_STACK_TOP - 16, dr7_bp(0, DR7_RW_WRITE, 8));
	T_CHECK(is_db() && st->regs.rip == rip + 1 && st->regs.rsp == T_STACK_TOP - 16,
		"a push onto the watched stack slot fires after the push (rsp %#llx)",
		(unsigned long long)st->regs.rsp);
	rip = RUN(d_lock_inc, 0, W, dr7_bp(0, DR7_RW_WRITE, 4));
	T_CHECK(is_db() && st->regs.rip == rip + 3 && host32(W) == 1, "a locked increment of it fires after it");

	/* rep stosb over 16 bytes with W+5 watched: #DB after the sixth
	 * element, rip still at the instruction, rcx and rdi as it left them. */
	for (unsigned int last = 0; last < 2; last++) {
		rip = ARM(d_rep_stosb, 0, last ? W + 15 : W + 5, dr7_bp(0, DR7_RW_WRITE, 1));
		memset(t_host(W), 0, 32);
		st->regs.rcx = 16;
		st->regs.rax = 0xaa;
		t_run(&ex);
		if (!last)
			T_CHECK(is_db() && st->regs.rip == rip && st->regs.rcx == 10 && st->regs.rdi == W + 6 &&
					*t_host(W + 5) == 0xaa && *t_host(W + 6) == 0,
				"rep stosb stops after the element that hit (rcx %llu, rip at the instruction)",
				(unsigned long long)st->regs.rcx);
		else
			T_CHECK(is_db() && st->regs.rip == rip + 2 && st->regs.rcx == 0,
				"a hit on its last element leaves rip after it");
	}
	rip = ARM(d_rep_movsb, 0, W + 8, dr7_bp(0, DR7_RW_ANY, 4));
	st->regs.rsi = W + 6;
	st->regs.rdi = W + 0x20;
	st->regs.rcx = 8;
	t_run(&ex);
	T_CHECK(is_db() && st->regs.rcx == 5 && st->regs.rip == rip,
		"rep movsb reading the watched bytes stops after the first element read from them (rcx %llu)",
		(unsigned long long)st->regs.rcx);

	/* A faulting instruction reports its fault, not the breakpoint. */
	rip = ARM(d_movsq, 0, W, dr7_bp(0, DR7_RW_ANY, 8));
	st->regs.rsi = W;
	st->regs.rdi = UNMAPPED;
	t_run(&ex);
	T_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_PF && st->regs.rip == rip &&
			st->sys.dr6 == X86_DR6_DEFAULT,
		"movs reading watched bytes but faulting on its store is #PF only, DR6 untouched");

	/* With TF as well: one #DB with BS and B0. */
	rip = RUN(d_tf, 0, W, dr7_bp(0, DR7_RW_WRITE, 4));
	T_CHECK(is_db() && st->regs.rip == rip + 12 && (st->sys.dr6 & (X86_DR6_BS | 0xf)) == (X86_DR6_BS | 1),
		"a single-stepped store to watched bytes: one #DB with BS and B0 (dr6 %#llx)",
		(unsigned long long)st->sys.dr6);
}

void test_data_breakpoints(void)
{
	st = BE.vcpu_state(t_vcpu);
	test_write_and_read_breakpoints();
	test_lengths_and_straddling();
	test_implicit_accesses();
	memset(st, 0, sizeof(*st));
}
