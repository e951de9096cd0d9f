/*
 * Compatibility-mode (32-bit PV) tests of the emu backend: decoding without
 * REX (40-4f are inc/dec), absolute disp32 instead of rip-relative, 82,
 * arpl, 16-bit addressing, 32-bit eip/esp/addresses with their wrap-around
 * and limit faults, pusha/popa, into, the exits a 32-bit guest uses
 * (int $0x82, int $0x80, syscall, sysenter), cmpxchg8b, CPL 1 paging
 * (supervisor accesses, #PF without the U bit) and the instructions that
 * end the run with a named FATAL.  Known answers, worked out from the SDM,
 * and a few snippets run differentially against the host CPU in its own
 * 32-bit code segment (Linux's __USER32_CS, selector 0x23).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "emu_test.h"

#define BE exec_backend_emu

/* 32-bit guest code, assembled with .code32. */
#define T_ASM32(name, body) T_ASM(name, ".code32\n\t" body "\n\t.code64")

#define C_LOW_VA 0x1000ull      /* one page for 16-bit addressing */
#define C_TOP_VA 0xfffff000ull  /* the last page below 4 GiB */
#define C_SUP_VA 0x58000000ull  /* supervisor read/write */
#define C_RO_VA 0x58001000ull   /* user read-only */
#define C_NP_VA 0x58002000ull   /* not present */
#define C_DATA (T_DATA_VA + 0x30000)

#define RET_BP(ex, st) \
	((ex).reason == EXEC_EXIT_TRAP && (ex).vector == X86_EXC_BP && (st)->regs.rip == T_RET_VA + 1)

static struct vcpu_state *st;
static struct exec_exit ex;

/* A compat run from rip at cpl, with the 32-bit return address T_RET_VA
 * at esp (t_setup_call stored it as a quadword at T_STACK_TOP - 8). */
static uint64_t setup(uint64_t rip, unsigned int cpl)
{
	t_setup_call(st, rip);
	st->sys.compat = true;
	st->sys.cpl = (uint8_t)cpl;
	/* DS and ES hold the ring's flat data selector, FS and GS null, as a
	 * 32-bit kernel loads them. */
	uint16_t data = cpl == 1 ? 0xe021 : 0xe033;
	for (unsigned int i = 0; i < 4; i++) {
		st->sys.data_sel[i] = i < 2 ? data : 0;
		st->sys.data_desc[i] = i < 2 ? xen_flat_descriptor(true, data) : 0;
	}
	st->sys.fs_base = st->sys.gs_base = 0;
	return rip;
}

static void diag(void)
{
	t_diag("reason %d vector %u err %d/%#x cr2 %#llx rip %#llx rsp %#llx %s", ex.reason,
	       ex.vector, ex.has_error_code, ex.error_code, (unsigned long long)ex.cr2,
	       (unsigned long long)st->regs.rip, (unsigned long long)st->regs.rsp, ex.detail);
}

#define CHECK(cond, ...)                     \
	do {                                 \
		if (!T_CHECK(cond, __VA_ARGS__)) \
			diag();              \
	} while (0)

static uint32_t rd32(uint64_t va)
{
	uint32_t x;
	memcpy(&x, t_host(va), 4);
	return x;
}

static void wr32(uint64_t va, uint32_t x)
{
	memcpy(t_host(va), &x, 4);
}

/* ---- decoding ---- */
/* 40 (inc eax), 48 (dec eax), 66 41 (inc cx), then 48 89 c3: dec eax;
 * mov %eax, %ebx (in 64-bit mode it would be mov %rax, %rbx). */
T_ASM32(c_incdec, "inc %eax\n\tdec %edx\n\tinc %cx\n\t.byte 0x48, 0x89, 0xc3\n\tret");
/* mod=00 rm=101: an absolute address, not rip-relative; moffs 32 bits;
 * ah..bh for 8-bit registers 4-7. */
T_ASM32(c_abs, ".byte 0x8b, 0x0d\n\t.long 0x20030010\n\tmovl 0x20030014, %eax\n\t"
	       "movb %al, 0x20030020\n\tmovb %ah, %bl\n\tmov 0x20030028(,%esi,4), %edx\n\tret");
T_ASM32(c_op82, ".byte 0x82, 0xc0, 0x05\n\t.byte 0x82, 0xeb, 0x01\n\tret"); /* add al,5; sub bl,1 */
T_ASM32(c_arpl, "arpl %bx, %ax\n\tpushf\n\tpop %esi\n\tarpl %bx, %cx\n\tpushf\n\tpop %edi\n\tret");
/* 16-bit addressing: [bx+si], [bp+di+disp8] (an ss access), [disp16]. */
T_ASM32(c_addr16, ".byte 0x67, 0x8b, 0x00\n\t.byte 0x67, 0x8b, 0x53, 0x04\n\t"
		  ".byte 0x67, 0x8b, 0x0e, 0x08, 0x10\n\tret");
T_ASM32(c_opsz16, "addw $1, %ax\n\tmovw $0x1234, %dx\n\tret");

static void test_decode(void)
{
	uint64_t rip = setup(T_LOAD(c_incdec, 0), 3);
	st->regs.rax = 0xaaaaaaaa00000010ull;
	st->regs.rdx = 0x5555555500000000ull;
	st->regs.rcx = 0x123456789abcffffull;
	st->regs.rflags = 0x203; /* CF set: inc/dec leave it */
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rax == 0x10 && st->regs.rbx == 0x10 &&
		      st->regs.rdx == 0xffffffffull && st->regs.rcx == 0x123456789abc0000ull &&
		      (st->regs.rflags & 0x8c5) == 0x01 && st->regs.rsp == T_STACK_TOP - 4,
	      "compat: 40-4f are inc/dec (not REX); 32-bit writes zero the upper half, 16-bit "
	      "ones keep it; CF kept (rflags %#llx)",
	      (unsigned long long)st->regs.rflags);
	(void)rip;

	wr32(C_DATA + 0x10, 0xcafef00d);
	wr32(C_DATA + 0x14, 0x8765abcd);
	wr32(C_DATA + 0x30, 0x01020304);
	setup(T_LOAD(c_abs, 0), 3);
	st->regs.rbx = 0xffffffffffffffffull;
	st->regs.rsi = 0xffffffff00000002ull; /* the upper half is not part of the address */
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rcx == 0xcafef00d && st->regs.rax == 0x8765abcd &&
		      *t_host(C_DATA + 0x20) == 0xcd && st->regs.rbx == 0xffffffffffffffabull &&
		      st->regs.rdx == 0x01020304,
	      "compat: modrm 00/101 is an absolute disp32, moffs are 32-bit, 8-bit reg 3 after "
	      "ah is bl/ah, index registers are 32-bit");

	setup(T_LOAD(c_op82, 0), 3);
	st->regs.rax = 0x1fe;
	st->regs.rbx = 0x300;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rax == 0x103 && st->regs.rbx == 0x3ff &&
		      (st->regs.rflags & 0x81) == 0x81,
	      "compat: 82 is the 80 group (add al, 5; sub bl, 1)");

	setup(T_LOAD(c_arpl, 0), 3);
	st->regs.rax = 0x10;
	st->regs.rbx = 0x2b;
	st->regs.rcx = 0x33;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rax == 0x13 && (st->regs.rsi & 0x40) &&
		      st->regs.rcx == 0x33 && !(st->regs.rdi & 0x40),
	      "compat: 63 is arpl (raises the RPL, ZF says whether it did)");

	wr32(C_LOW_VA + 0x30, 0x11111111);
	wr32(C_LOW_VA + 0x44, 0x22222222);
	wr32(C_LOW_VA + 0x8, 0x33333333);
	setup(T_LOAD(c_addr16, 0), 3);
	st->regs.rbx = 0xabcd1010; /* bx = 0x1010 */
	st->regs.rsi = 0x77770020; /* si = 0x0020 */
	st->regs.rbp = 0xffff1020; /* bp = 0x1020 */
	st->regs.rdi = 0x00000020; /* bp + di + 4 = 0x1044 */
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rax == 0x11111111 && st->regs.rdx == 0x22222222 &&
		      st->regs.rcx == 0x33333333,
	      "compat: 67 gives 16-bit addressing ([bx+si], [bp+di+d8], [d16])");

	setup(T_LOAD(c_opsz16, 0), 3);
	st->regs.rax = 0xffffffffull;
	st->regs.rdx = 0x1111111122222222ull;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rax == 0xffff0000ull &&
		      st->regs.rdx == 0x1111111122221234ull,
	      "compat: 66 gives 16-bit operands");
}

/* ---- stack, branches and wrap-around ---- */
T_ASM32(c_call, "call 1f\n1:\tpop %eax\n\tpush $-2\n\tpop %ecx\n\tpushw $7\n\tpopw %dx\n\t"
		"enter $8, $0\n\tmov %esp, %esi\n\tmov %ebp, %edi\n\tleave\n\tret");
T_ASM32(c_pusha, "pusha\n\tmov %esp, %ebp\n\txor %eax, %eax\n\txor %ecx, %ecx\n\txor %edx, %edx\n\t"
		 "xor %ebx, %ebx\n\txor %esi, %esi\n\txor %edi, %edi\n\tmov %ebp, %esp\n\t"
		 "mov $0x99, %ebp\n\tpopa\n\tret");
T_ASM32(c_loop, "1: inc %eax\n\tloop 1b\n\tjecxz 2f\n\tud2\n2:\tret");
T_ASM32(c_load, "mov (%ebx), %eax\n\tret");
T_ASM32(c_store, "mov %eax, (%ebx)\n\tret");
T_ASM32(c_push, "push %eax\n\tud2");
T_ASM32(c_jmpind, "jmp *%ebx");
T_ASM32(c_repmovs, "rep movsb\n\tret");

static void test_stack_branch(void)
{
	uint64_t rip = setup(T_LOAD(c_call, 0), 3);
	st->regs.rax = st->regs.rcx = st->regs.rsi = ~0ull;
	st->regs.rdx = 0xffffffffffff0000ull;
	st->regs.rbp = 0xdeadbeef12345678ull;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rax == rip + 5 && st->regs.rcx == 0xfffffffe &&
		      st->regs.rdx == 0xffffffffffff0007ull &&
		      st->regs.rsi == T_STACK_TOP - 8 - 4 - 8 && st->regs.rdi == T_STACK_TOP - 8 - 4 &&
		      st->regs.rbp == 0x12345678 && st->regs.rsp == T_STACK_TOP - 4,
	      "compat: call/pop/push imm/pushw/enter/leave/ret use esp and 4-byte slots");

	rip = setup(T_LOAD(c_pusha, 0), 3);
	static const uint64_t in[8] = { 0x1111, 0x2222, 0x3333, 0x4444, 0, 0x6666, 0x7777, 0x8888 };
	uint64_t *r = &st->regs.rax;
	for (int i = 0; i < 8; i++)
		if (i != 4)
			r[i] = in[i] | 0xabcd000000000000ull;
	uint64_t esp0 = st->regs.rsp;
	t_run(&ex);
	bool mem = true;
	for (int i = 0; i < 8; i++)
		mem = mem && rd32(esp0 - 4 * (i + 1)) == (i == 4 ? esp0 : in[i]);
	bool regs = true;
	for (int i = 0; i < 8; i++)
		if (i != 4)
			regs = regs && r[i] == in[i];
	CHECK(RET_BP(ex, st) && mem && regs && st->regs.rsp == esp0 + 4,
	      "compat: pusha stores eax..edi with the original esp, popa restores all but esp");

	rip = setup(T_LOAD(c_loop, 0), 3);
	st->regs.rcx = 0xffffffff00000005ull;
	st->regs.rax = 0;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rax == 5 && st->regs.rcx == 0,
	      "compat: loop/jecxz count ecx only");

	/* eip wraps: a jmp rel32 from the last page lands at T_CODE_VA. */
	uint8_t jmp[5] = { 0xe9 };
	uint32_t rel = (uint32_t)(T_CODE_VA - (C_TOP_VA + 0xff0 + 5));
	memcpy(jmp + 1, &rel, 4);
	memcpy(t_host(C_TOP_VA + 0xff0), jmp, 5);
	T_LOAD(c_load, 0);
	setup(C_TOP_VA + 0xff0, 3);
	st->regs.rbx = C_DATA + 0x10;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rax == 0xcafef00d,
	      "compat: a jmp wraps eip at 4 GiB");

	/* Falling through 0xffffffff: the next eip is 0 (page 0 is not
	 * mapped, so the fetch faults there). */
	*t_host(C_TOP_VA + 0xfff) = 0x40; /* inc %eax */
	setup(C_TOP_VA + 0xfff, 3);
	st->regs.rax = 1;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_PF && ex.cr2 == 0 &&
		      st->regs.rip == 0 && st->regs.rax == 2,
	      "compat: eip after an instruction ending at 4 GiB wraps to 0");

	/* 66 e9 rel16: the target is truncated to 16 bits (ip). */
	static const uint8_t jmp16[] = { 0x66, 0xe9, 0x00, 0x00 };
	t_load_code(jmp16, sizeof(jmp16), 0x200);
	setup(T_CODE_VA + 0x200, 3);
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_PF &&
		      st->regs.rip == ((T_CODE_VA + 0x204) & 0xffff) && ex.cr2 == st->regs.rip,
	      "compat: 66 jmp rel16 truncates the target to ip");

	/* An instruction at 0xfffffffe running past 4 GiB: #GP(0). */
	static const uint8_t movimm[] = { 0xb8, 1, 2, 3, 4 };
	memcpy(t_host(C_TOP_VA + 0xffe), movimm, 2);
	setup(C_TOP_VA + 0xffe, 3);
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.has_error_code &&
		      ex.error_code == 0 && st->regs.rip == C_TOP_VA + 0xffe,
	      "compat: an instruction crossing 4 GiB is #GP(0) (code segment limit)");

	/* Data: a dword at 0xfffffffe is beyond the flat segment's limit:
	 * #GP(0), #SS(0) on the stack; 0xfffffffc is fine; addresses wrap. */
	wr32(C_TOP_VA + 0xffc, 0x5a5a5a5a);
	T_LOAD(c_load, 0);
	setup(T_CODE_VA, 3);
	st->regs.rbx = 0xfffffffe;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.has_error_code &&
		      ex.error_code == 0 && st->regs.rip == T_CODE_VA,
	      "compat: a dword load at 0xfffffffe is #GP(0), not a wrap");
	setup(T_CODE_VA, 3);
	st->regs.rbx = 0x7fffffffcull; /* only ebx counts */
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rax == 0x5a5a5a5a, "compat: a load at 0xfffffffc");
	T_LOAD(c_push, 0);
	setup(T_CODE_VA, 3);
	st->regs.rsp = 2;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_SS && ex.error_code == 0 &&
		      st->regs.rsp == 2,
	      "compat: push with esp 2 is #SS(0)");
	setup(T_CODE_VA, 3);
	st->regs.rsp = 0x100000000ull; /* esp 0 */
	st->regs.rax = 0x600df00d;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_UD &&
		      st->regs.rsp == 0xfffffffcull && rd32(0xfffffffc) == 0x600df00d,
	      "compat: push with esp 0 wraps to 0xfffffffc");

	/* An indirect jmp uses the 32-bit register. */
	T_LOAD(c_load, 0x300);
	T_LOAD(c_jmpind, 0);
	setup(T_CODE_VA, 3);
	st->regs.rbx = 0xffffffff00000000ull | (T_CODE_VA + 0x300);
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rax == rd32(T_CODE_VA + 0x300),
	      "compat: jmp *%%ebx ignores the upper half of rbx (so does [ebx])");

	memcpy(t_host(C_DATA + 0x100), "compat-string!", 14);
	T_LOAD(c_repmovs, 0);
	setup(T_CODE_VA, 3);
	st->regs.rsi = 0x1100000000ull | (C_DATA + 0x100);
	st->regs.rdi = 0x2200000000ull | (C_DATA + 0x200);
	st->regs.rcx = 0x3300000000ull | 14;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && !memcmp(t_host(C_DATA + 0x200), "compat-string!", 14) &&
		      st->regs.rsi == C_DATA + 0x10e && st->regs.rdi == C_DATA + 0x20e &&
		      st->regs.rcx == 0,
	      "compat: rep movsb uses esi/edi/ecx");
}

/* ---- exits ---- */
T_ASM32(c_int82, "mov $3, %eax\n\tint $0x82\n\tud2");
T_ASM32(c_syscall, "syscall\n\tud2");
T_ASM32(c_sysenter, "sysenter");
T_ASM32(c_into, "into\n\tmov $0x7f, %al\n\tinc %al\n\tinto\n\tud2");
T_ASM32(c_int3, "int3");
T_ASM32(c_priv, "cli");
T_ASM32(c_cx8, "lock cmpxchg8b (%esi)\n\tpushf\n\tpop %ebp\n\tcmpxchg8b 8(%esi)\n\tret");

static void test_exits(void)
{
	uint64_t rip = setup(T_LOAD(c_int82, 0), 1);
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_SOFTINT && ex.vector == 0x82 && st->regs.rip == rip + 7 &&
		      st->regs.rax == 3,
	      "compat CPL 1: int $0x82 -> SOFTINT 0x82, rip after");
	setup(rip, 3);
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_SOFTINT && ex.vector == 0x82, "compat CPL 3: int $0x82");

	rip = setup(T_LOAD(c_syscall, 0), 3);
	st->regs.rflags = 0x246;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_SYSCALL && st->regs.rip == rip + 2 &&
		      st->regs.rcx == rip + 2 && st->regs.r11 == 0x246,
	      "compat: syscall exit (rcx = next eip, r11 = rflags)");

	rip = setup(T_LOAD(c_sysenter, 0), 3);
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.has_error_code &&
		      ex.error_code == 0 && st->regs.rip == rip,
	      "compat: sysenter -> #GP(0)");

	rip = setup(T_LOAD(c_into, 0), 3);
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_OF && !ex.has_error_code &&
		      st->regs.rip == rip + 6,
	      "compat: into is a nop without OF, #OF (rip after) with it");

	rip = setup(T_LOAD(c_int3, 0), 1);
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_BP && st->regs.rip == rip + 1,
	      "compat CPL 1: int3 -> #BP, rip after");

	static const uint8_t priv[][3] = { { 0xfa }, { 0xfb }, { 0xf4 }, { 0xee },
					   { 0x0f, 0x22, 0xd8 }, { 0x0f, 0x30 } };
	static const uint8_t plen[] = { 1, 1, 1, 1, 3, 2 };
	bool all = true;
	for (size_t i = 0; i < sizeof(plen); i++) {
		rip = setup(t_load_code(priv[i], plen[i], 0), 1);
		t_run(&ex);
		all = all && ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP &&
		      ex.error_code == 0 && st->regs.rip == rip;
	}
	CHECK(all, "compat CPL 1: cli/sti/hlt/out/mov cr/wrmsr -> #GP(0)");

	/* cmpxchg8b: a locked success, then a failure loading edx:eax. */
	uint64_t m0 = 0x1122334455667788ull, m1 = 0x99aabbccddeeff00ull;
	memcpy(t_host(C_DATA + 0x400), &m0, 8);
	memcpy(t_host(C_DATA + 0x408), &m1, 8);
	setup(T_LOAD(c_cx8, 0), 1);
	st->regs.rsi = C_DATA + 0x400;
	st->regs.rax = 0x55667788;
	st->regs.rdx = 0x11223344;
	st->regs.rbx = 0xfeedface;
	st->regs.rcx = 0x0badcafe;
	t_run(&ex);
	uint64_t n0, n1;
	memcpy(&n0, t_host(C_DATA + 0x400), 8);
	memcpy(&n1, t_host(C_DATA + 0x408), 8);
	CHECK(RET_BP(ex, st) && n0 == 0x0badcafefeedfaceull && (st->regs.rbp & 0x40) &&
		      n1 == m1 && st->regs.rax == 0xddeeff00 && st->regs.rdx == 0x99aabbcc &&
		      !(st->regs.rflags & 0x40),
	      "compat CPL 1: lock cmpxchg8b succeeds (ZF), then fails loading edx:eax");
}

/* ---- CPL 1 paging ---- */
static void test_paging(void)
{
	uint64_t rip = T_LOAD(c_load, 0);
	wr32(C_SUP_VA + 0x40, 0x51515151);

	setup(rip, 1);
	st->regs.rbx = C_SUP_VA + 0x40;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rax == 0x51515151,
	      "compat CPL 1: reads a supervisor page");
	setup(rip, 3);
	st->regs.rbx = C_SUP_VA + 0x40;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_PF &&
		      ex.error_code == (X86_PFEC_PRESENT | X86_PFEC_USER) &&
		      ex.cr2 == C_SUP_VA + 0x40 && st->regs.rip == rip,
	      "compat CPL 3 after CPL 1: the supervisor page faults (no stale translation)");

	T_LOAD(c_store, 0);
	setup(rip, 1);
	st->regs.rbx = C_RO_VA + 8;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_PF &&
		      ex.error_code == (X86_PFEC_PRESENT | X86_PFEC_WRITE) && ex.cr2 == C_RO_VA + 8,
	      "compat CPL 1: a write to a read-only page faults (WP), U clear");
	setup(rip, 3);
	st->regs.rbx = C_RO_VA + 8;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_PF &&
		      ex.error_code == (X86_PFEC_PRESENT | X86_PFEC_WRITE | X86_PFEC_USER),
	      "compat CPL 3: the same write has U set");
	setup(rip, 1);
	st->regs.rbx = C_NP_VA + 0x10;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_PF &&
		      ex.error_code == X86_PFEC_WRITE && ex.cr2 == C_NP_VA + 0x10,
	      "compat CPL 1: not present -> #PF error W only");
	setup(rip, 1);
	st->regs.rbx = C_SUP_VA + 0x80;
	st->regs.rax = 0x77;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && rd32(C_SUP_VA + 0x80) == 0x77,
	      "compat CPL 1: writes a supervisor page");
}

/* ---- refused modes and instructions ---- */
static void test_refused(void)
{
	static const uint8_t ud2[] = { 0x0f, 0x0b };
	uint64_t rip = t_load_code(ud2, 2, 0);

	setup(rip, 0);
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_FATAL && strstr(ex.detail, "cpl 0"),
	      "compat CPL 0 is FATAL: %s", ex.detail);
	setup(rip, 1);
	st->sys.compat = false;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_FATAL && strstr(ex.detail, "64-bit"),
	      "64-bit CPL 1 is FATAL: %s", ex.detail);

	static const struct {
		uint8_t b[7];
		uint8_t len;
		const char *name;
	} fat[] = {
		{ { 0x27 }, 1, "daa" },
		{ { 0x3f }, 1, "aas" },
		{ { 0xd4, 0x0a }, 2, "aam" },
		{ { 0x62, 0x03 }, 2, "bound" },
	};
	for (size_t i = 0; i < sizeof(fat) / sizeof(fat[0]); i++) {
		rip = setup(t_load_code(fat[i].b, fat[i].len, 0), 3);
		t_run(&ex);
		CHECK(ex.reason == EXEC_EXIT_FATAL && strstr(ex.detail, fat[i].name) &&
			      strstr(ex.detail, "compat") && st->regs.rip == rip,
		      "compat: %s is FATAL: %s", fat[i].name, ex.detail);
	}

	/* The compat-only opcodes stay #UD in 64-bit mode. */
	static const uint8_t ud64[][3] = { { 0x60 }, { 0x61 }, { 0x62, 0x03 }, { 0x82, 0xc0, 1 },
					   { 0xce }, { 0x06 }, { 0x27 }, { 0xd4, 0x0a } };
	static const uint8_t udlen[] = { 1, 1, 2, 3, 1, 1, 1, 2 };
	bool all = true;
	for (size_t i = 0; i < sizeof(udlen); i++) {
		rip = t_load_code(ud64[i], udlen[i], 0);
		t_setup_call(st, rip);
		t_run(&ex);
		if (!(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_UD && st->regs.rip == rip)) {
			all = false;
			t_diag("64-bit %02x: reason %d vector %u", ud64[i][0], ex.reason, ex.vector);
		}
	}
	CHECK(all, "64-bit mode: 60/61/62/82/ce/06/27/d4 stay #UD");
}

/* ---- differential: the host CPU in compatibility mode ----
 *
 * A bridge copied below 4 GiB (a far call with a 32-bit operand pushes a
 * 32-bit return address) switches to a stack below 4 GiB, loads every
 * register and the flags, far-calls the 32-bit snippet through
 * selector 0x23 (the snippet ends in lret), and stores everything back.
 * The slots at the end of the bridge: the saved rsp, the low stack top,
 * the far pointer and scratch. */
T_ASM(c_bridge,
      "push %rbx\n\tpush %rbp\n\tpush %r12\n\tpush %r13\n\tpush %r14\n\tpush %r15\n\t"
      "push %rdi\n\tmov %rsp, 1f(%rip)\n\tmov 2f(%rip), %rsp\n\t"
      "pushq 128(%rdi)\n\tpopfq\n\t"
      "mov 0(%rdi), %rax\n\tmov 8(%rdi), %rcx\n\tmov 16(%rdi), %rdx\n\tmov 24(%rdi), %rbx\n\t"
      "mov 40(%rdi), %rbp\n\tmov 48(%rdi), %rsi\n\tmov 64(%rdi), %r8\n\tmov 72(%rdi), %r9\n\t"
      "mov 80(%rdi), %r10\n\tmov 88(%rdi), %r11\n\tmov 96(%rdi), %r12\n\tmov 104(%rdi), %r13\n\t"
      "mov 112(%rdi), %r14\n\tmov 120(%rdi), %r15\n\tmov 56(%rdi), %rdi\n\t"
      "lcall *3f(%rip)\n\t"
      "mov %rdi, 4f(%rip)\n\tmov %rsp, 5f(%rip)\n\tmov 1f(%rip), %rsp\n\tmov (%rsp), %rdi\n\t"
      "mov %rax, 0(%rdi)\n\tmov %rcx, 8(%rdi)\n\tmov %rdx, 16(%rdi)\n\tmov %rbx, 24(%rdi)\n\t"
      "mov %rbp, 40(%rdi)\n\tmov %rsi, 48(%rdi)\n\tmov %r8, 64(%rdi)\n\tmov %r9, 72(%rdi)\n\t"
      "mov %r10, 80(%rdi)\n\tmov %r11, 88(%rdi)\n\tmov %r12, 96(%rdi)\n\tmov %r13, 104(%rdi)\n\t"
      "mov %r14, 112(%rdi)\n\tmov %r15, 120(%rdi)\n\tpushfq\n\tpopq 128(%rdi)\n\t"
      "mov 4f(%rip), %rax\n\tmov %rax, 56(%rdi)\n\tmov 5f(%rip), %rax\n\tmov %rax, 32(%rdi)\n\t"
      "pop %rdi\n\tpushq $2\n\tpopfq\n\t"
      "pop %r15\n\tpop %r14\n\tpop %r13\n\tpop %r12\n\tpop %rbp\n\tpop %rbx\n\tret\n\t"
      ".p2align 3\n1: .quad 0\n2: .quad 0\n3: .long 0\n\t.word 0x23, 0\n4: .quad 0\n5: .quad 0");
#define BRIDGE_SLOT_STACK 32 /* bytes before the end: 2f */
#define BRIDGE_SLOT_FAR 24   /* 3f */

/* Snippets (32-bit code; each must keep esp balanced and touch memory
 * only on its own stack). */
#define C_SNIPS(X)                                                                        \
	X(c_d_incdec, "inc %eax; dec %ecx; inc %dx; dec %bx; inc %esi")                       \
	X(c_d_pusha, "pusha; popa")                                                           \
	X(c_d_pushaw, "pushaw; popaw")                                                        \
	X(c_d_pusha_rd, "pusha; mov (%esp), %ebp; mov 8(%esp), %esi; mov 16(%esp), %ebx; "    \
			"add $32, %esp")                                                      \
	X(c_d_arpl, "arpl %si, %di; setz %al; arpl %cx, %dx")                                 \
	X(c_d_widen, "cwtl; cltd; movzbl %ah, %ecx; mov %dh, %bl; xchg %esi, %ebp")           \
	X(c_d_mul, "imul %ebx, %ecx; mul %esi; imul $-7, %edi, %ebp")                         \
	X(c_d_lea, "lea 0x10(%eax,%ebx,2), %ecx; lea -1(%esi,%edi), %edx; "                   \
		   ".byte 0x67, 0x8d, 0x28") /* lea (%bx,%si), %ebp */                        \
	X(c_d_cx8, "push %edi; push %esi; lock cmpxchg8b (%esp); pop %esi; pop %edi")         \
	X(c_d_shift, "bswap %eax; shl $3, %ecx; rol %cl, %edx; sar $1, %esi; shrd $5, %ebx, %edi") \
	X(c_d_stack, "push %esi; pop %edi; pushl $-5; pop %ebp; pushw %si; popw %bx; "        \
		     "enter $12, $0; leave")                                                  \
	X(c_d_op82, ".byte 0x82, 0xc3, 0x33; .byte 0x82, 0xf9, 0x80; adc %dl, %dh")

#define C_SNIP_ASM(name, body) T_ASM32(name, body);
C_SNIPS(C_SNIP_ASM)
#undef C_SNIP_ASM

static const struct {
	const char *name;
	const uint8_t *code, *end;
} c_snips[] = {
#define C_SNIP_ENT(name, body) { #name, name, name##_end },
	C_SNIPS(C_SNIP_ENT)
#undef C_SNIP_ENT
};

static sigjmp_buf segv_jb;

static void on_segv(int sig)
{
	(void)sig;
	siglongjmp(segv_jb, 1);
}

#define LOW_SIZE (64 * 4096)

static int __attribute__((noinline)) run_native(void (*bridge)(struct t_regs *), struct t_regs *r)
{
	if (sigsetjmp(segv_jb, 1))
		return -1;
	bridge(r);
	return 0;
}

static void test_diff32(void)
{
	uint8_t *low = mmap(NULL, LOW_SIZE, PROT_READ | PROT_WRITE | PROT_EXEC,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_32BIT, -1, 0);
	if (low == MAP_FAILED || (uintptr_t)low + LOW_SIZE > (1ull << 32)) {
		t_skip("compat differential: no MAP_32BIT memory");
		return;
	}
	size_t blen = (size_t)(c_bridge_end - c_bridge);
	memcpy(low, c_bridge, blen);
	uint64_t stack_top = (uint64_t)(uintptr_t)low + LOW_SIZE - 64;
	memcpy(low + blen - BRIDGE_SLOT_STACK, &stack_top, 8);
	uint8_t *code = low + 4096; /* the snippet, then lret */
	void (*bridge)(struct t_regs *) = (void (*)(struct t_regs *))(void *)low;

	struct sigaction sa, old_segv, old_bus;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_segv;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGSEGV, &sa, &old_segv);
	sigaction(SIGBUS, &sa, &old_bus);

	/* The bridge itself, checked through the 64-bit code segment (0x33)
	 * with code that means the same in both modes: mov $5, %eax; lret. */
	static const uint8_t probe[] = { 0xb8, 5, 0, 0, 0, 0xcb };
	memcpy(code, probe, sizeof(probe));
	uint32_t eip = (uint32_t)(uintptr_t)code;
	uint16_t sel = 0x33;
	memcpy(low + blen - BRIDGE_SLOT_FAR, &eip, 4);
	memcpy(low + blen - BRIDGE_SLOT_FAR + 4, &sel, 2);
	struct t_regs pin, pout;
	for (int r = 0; r < 16; r++)
		pin.gpr[r] = t_rand();
	pin.rflags = 0x2d7;
	pout = pin;
	int rc = run_native(bridge, &pout);
	bool same = rc == 0 && pout.gpr[0] == 5 && pout.gpr[4] == stack_top &&
		    (pout.rflags & 0x8d5) == (pin.rflags & 0x8d5);
	for (int r = 1; r < 16; r++)
		same = same && (r == 4 || pout.gpr[r] == pin.gpr[r]);
	if (!T_CHECK(same, "compat differential: the far-call bridge round-trips every register "
			   "(through selector 0x33)")) {
		t_diag("rc %d rax %#llx rsp %#llx (stack top %#llx)", rc,
		       (unsigned long long)pout.gpr[0], (unsigned long long)pout.gpr[4],
		       (unsigned long long)stack_top);
		goto out;
	}
	sel = 0x23;
	memcpy(low + blen - BRIDGE_SLOT_FAR + 4, &sel, 2);
	pout = pin;
	if (run_native(bridge, &pout)) {
		t_skip("compat differential: the host has no 32-bit user code segment (0x23); "
		       "Linux booted with ia32_emulation=off?");
		goto out;
	}

	for (size_t i = 0; i < sizeof(c_snips) / sizeof(c_snips[0]); i++) {
		size_t len = (size_t)(c_snips[i].end - c_snips[i].code);
		memcpy(code, c_snips[i].code, len);
		code[len] = 0xcb; /* lret */
		uint64_t emu_rip = t_load_code(c_snips[i].code, len, 0);
		*t_host(emu_rip + len) = 0xcc;

		unsigned int bad = 0, runs = 16;
		char first[512] = "";
		for (unsigned int n = 0; n < runs; n++) {
			struct t_regs in, nat, emu;
			for (int r = 0; r < 16; r++)
				in.gpr[r] = t_rand();
			if (n & 1) /* some small values for the 16-bit addresses */
				in.gpr[3] &= 0xffffffff0000ffffull;
			in.rflags = 0x202 | (t_rand() & 0x8d5);
			in.gpr[4] = 0;
			nat = in;
			if (run_native(bridge, &nat)) {
				T_CHECK(0, "compat differential: the host faulted in %s", c_snips[i].name);
				goto out;
			}

			setup(emu_rip, 3);
			uint64_t *g = &st->regs.rax;
			for (int r = 0; r < 16; r++)
				if (r != 4)
					g[r] = in.gpr[r];
			st->regs.rflags = in.rflags;
			uint64_t esp0 = st->regs.rsp;
			t_run(&ex);
			for (int r = 0; r < 16; r++)
				emu.gpr[r] = g[r];
			emu.rflags = st->regs.rflags;

			/* esp: compare how far each moved (the far call frame
			 * is popped natively, the int3 ends the run before ret here). */
			bool ok = ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_BP &&
				  st->regs.rip == emu_rip + len + 1 &&
				  nat.gpr[4] - stack_top == emu.gpr[4] - esp0 &&
				  !((nat.rflags ^ emu.rflags) & 0x8d5);
			for (int r = 0; r < 16; r++)
				ok = ok && (r == 4 || nat.gpr[r] == emu.gpr[r]);
			if (ok)
				continue;
			if (!bad++) {
				int k = snprintf(first, sizeof(first), "exit %d/%u %s;", ex.reason,
						 ex.vector, ex.detail);
				for (int r = 0; r < 16 && k < (int)sizeof(first) - 60; r++)
					if (nat.gpr[r] != emu.gpr[r])
						k += snprintf(first + k, sizeof(first) - (size_t)k,
							      " r%d %#llx: %#llx/%#llx", r,
							      (unsigned long long)in.gpr[r],
							      (unsigned long long)nat.gpr[r],
							      (unsigned long long)emu.gpr[r]);
				if (k < (int)sizeof(first) - 40)
					snprintf(first + k, sizeof(first) - (size_t)k,
						 " flags %#llx/%#llx", (unsigned long long)nat.rflags,
						 (unsigned long long)emu.rflags);
			}
		}
		if (!T_CHECK(!bad, "compat differential vs the host CPU: %s (%u inputs)",
			     c_snips[i].name, runs))
			t_diag("%u mismatches; first (native/emu): %s", bad, first);
	}
out:
	sigaction(SIGSEGV, &old_segv, NULL);
	sigaction(SIGBUS, &old_bus, NULL);
	munmap(low, LOW_SIZE);
}

/* ---- data segments ---- */
T_ASM32(c_ds_read, "mov (%eax), %ecx\n\tret");
T_ASM32(c_es_read, "mov %es:(%eax), %ecx\n\tret");
T_ASM32(c_ds_write, "mov %ecx, (%eax)\n\tret");
T_ASM32(c_ebp_read, "mov (%ebp), %ecx\n\tret"); /* an SS access */
T_ASM32(c_stosb, "stosb\n\tret");
T_ASM32(c_sreg_stack, "push %es\n\tpop %ds\n\tpush %cs\n\tpop %ecx\n\tret");
T_ASM32(c_pop_fs, "pop %fs\n\tret");
T_ASM32(c_iret, "iret");
T_ASM32(c_lds, "lds (%eax), %ecx\n\tret");
T_ASM32(c_lcall_imm, ".byte 0x9a\n\t.long 0x1000\n\t.word 0xe02b\n\tret");
T_ASM32(c_ljmp_mem, "ljmp *(%eax)");
T_ASM32(c_lret, "lret");
T_ASM32(c_lfs, "lfs (%eax), %ecx\n\tret");

/* DS holding desc under selector 0x23 (the core loads guests' own). */
static void give_ds(uint64_t desc)
{
	st->sys.data_sel[1] = 0x23;
	st->sys.data_desc[1] = desc;
}

/* A run that must end in #GP(0) (or #SS(0)) at the first instruction. */
static bool faults_at(uint64_t rip, unsigned int vector)
{
	t_run(&ex);
	return ex.reason == EXEC_EXIT_TRAP && ex.vector == vector && ex.error_code == 0 && st->regs.rip == rip;
}

static void test_segments(void)
{
	wr32(C_DATA + 0x40, 0x600df00d);
	wr32(C_DATA + 0x44, 0x0ddba11);
	setup(T_LOAD(c_ds_read, 0), 3);
	give_ds(desc_make((uint32_t)C_DATA, 0x47, 0xf3, 0x4)); /* based at C_DATA, 0x48 bytes */
	st->regs.rax = 0x40;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rcx == 0x600df00d, "compat: DS's base is added to the offset");
	uint64_t rip = setup(T_LOAD(c_ds_read, 0), 3);
	give_ds(desc_make((uint32_t)C_DATA, 0x47, 0xf3, 0x4));
	st->regs.rax = 0x45; /* 4 bytes from 0x45 end at 0x48, past the limit */
	CHECK(faults_at(rip, X86_EXC_GP), "compat: an access reaching past DS's limit is #GP(0)");
	rip = setup(T_LOAD(c_ds_read, 0), 3);
	give_ds(0);
	st->regs.rax = C_DATA;
	CHECK(faults_at(rip, X86_EXC_GP), "compat: an access through a null DS is #GP(0)");
	rip = setup(T_LOAD(c_ds_write, 0), 3);
	give_ds(desc_make(0, 0xfffff, 0xf1, 0xc)); /* flat, read-only */
	st->regs.rax = C_DATA + 0x40;
	CHECK(faults_at(rip, X86_EXC_GP) && rd32(C_DATA + 0x40) == 0x600df00d,
	      "compat: a write through read-only DS is #GP(0) and writes nothing");
	setup(T_LOAD(c_ds_read, 0), 3);
	give_ds(desc_make((uint32_t)C_DATA - 0x1000, 0xfff, 0xf7, 0x4)); /* expand-down above 0xfff */
	st->regs.rax = 0x1044;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rcx == 0x0ddba11, "compat: expand-down DS reads above its limit");
	rip = setup(T_LOAD(c_ds_read, 0), 3);
	give_ds(desc_make((uint32_t)C_DATA - 0x1000, 0xfff, 0xf7, 0x4));
	st->regs.rax = 0xffe;
	CHECK(faults_at(rip, X86_EXC_GP), "compat: and faults at or below it");

	/* Overrides and defaults pick their segment: ES by its prefix, SS for
	 * ebp (DS here is based and would move the address), ES for stos. */
	setup(T_LOAD(c_es_read, 0), 3);
	give_ds(desc_make(0x1000, 0xfffff, 0xf3, 0xc));
	st->regs.rax = C_DATA + 0x40;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rcx == 0x600df00d, "compat: 26 reads through ES, not DS");
	setup(T_LOAD(c_ebp_read, 0), 3);
	give_ds(desc_make(0x1000, 0xfffff, 0xf3, 0xc));
	st->regs.rbp = C_DATA + 0x44;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rcx == 0x0ddba11, "compat: an ebp-based operand uses SS");
	rip = setup(T_LOAD(c_stosb, 0), 3);
	st->sys.data_sel[0] = 0;
	st->sys.data_desc[0] = 0;
	st->regs.rdi = C_DATA;
	CHECK(faults_at(rip, X86_EXC_GP), "compat: stos through a null ES is #GP(0)");

	/* push/pop of segment registers, with Xen's flat selectors. */
	setup(T_LOAD(c_sreg_stack, 0), 3);
	give_ds(0);
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->sys.data_sel[1] == 0xe033 && st->sys.data_desc[1] == st->sys.data_desc[0] &&
		      st->regs.rcx == 0xe02b && st->regs.rsp == T_STACK_TOP - 4,
	      "compat: push %%es; pop %%ds copies ES, push %%cs pushes ring 3's code selector");
	rip = setup(T_LOAD(c_pop_fs, 0), 3);
	st->regs.rsp -= 4;
	wr32(st->regs.rsp, 0x23);
	uint64_t sp = st->regs.rsp;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.error_code == 0x20 && st->regs.rip == rip &&
		      st->regs.rsp == sp,
	      "compat: pop of a selector not in Xen's GDT is #GP(selector) for the core, esp kept");
	rip = setup(T_LOAD(c_pop_fs, 0), 1);
	st->regs.rsp -= 4;
	wr32(st->regs.rsp, 0xe033);
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->sys.data_sel[2] == 0xe033, "compat CPL 1: pop %%fs loads ring 3's flat data");
	rip = setup(T_LOAD(c_pop_fs, 0), 3);
	st->regs.rsp -= 4;
	wr32(st->regs.rsp, 0xe021);
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.error_code == 0xe020 && st->regs.rip == rip,
	      "compat CPL 3: ring 1's data is #GP(selector)");
	rip = setup(T_LOAD(c_iret, 0), 1);
	st->regs.rsp -= 12;
	wr32(st->regs.rsp + 4, 0xe02b);
	sp = st->regs.rsp;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.error_code == 0xe028 && st->regs.rip == rip &&
		      st->regs.rsp == sp,
	      "compat: iret is #GP(cs) for the core to carry out, esp kept");

	/* Far pointers: offset, then selector. */
	wr32(C_DATA + 0x80, 0x12345678);
	wr32(C_DATA + 0x84, 0xe033);
	setup(T_LOAD(c_lds, 0), 3);
	give_ds(desc_make(0, 0xfffff, 0xf3, 0xc));
	st->regs.rax = C_DATA + 0x80;
	t_run(&ex);
	CHECK(RET_BP(ex, st) && st->regs.rcx == 0x12345678 && st->sys.data_sel[1] == 0xe033,
	      "compat: lds loads DS with the selector and ecx with the offset");
	wr32(C_DATA + 0x84, 0x23);
	rip = setup(T_LOAD(c_lfs, 0), 3);
	st->regs.rax = C_DATA + 0x80;
	st->regs.rcx = 7;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.error_code == 0x20 && st->regs.rip == rip &&
		      st->regs.rcx == 7,
	      "compat: lfs of a selector not in Xen's GDT is #GP(selector), ecx kept");

	/* Far transfers: #GP(selector), as the KVM backend's CPU. */
	rip = setup(T_LOAD(c_lcall_imm, 0), 3);
	sp = st->regs.rsp;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.error_code == 0xe028 && st->regs.rip == rip &&
		      st->regs.rsp == sp,
	      "compat: lcall ptr16:32 is #GP(selector), nothing pushed");
	wr32(C_DATA + 0x84, 0x23);
	rip = setup(T_LOAD(c_ljmp_mem, 0), 3);
	st->regs.rax = C_DATA + 0x80;
	t_run(&ex);
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.error_code == 0x20 && st->regs.rip == rip,
	      "compat: ljmp m16:32 is #GP(selector)");
	rip = setup(T_LOAD(c_lret, 0), 1);
	t_run(&ex); /* the stack holds T_RET_VA, then 0 as the selector */
	CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.error_code == 0 && st->regs.rip == rip,
	      "compat: lret to a null selector is #GP(0)");
}

void test_compat(void)
{
	st = BE.vcpu_state(t_vcpu);
	t_map_range(C_LOW_VA, 4096, T_PTE_URW);
	t_map_range(C_TOP_VA, 4096, T_PTE_URW);
	t_map(t_cr3, C_SUP_VA, t_alloc_frame(), 1 | 2);
	t_map(t_cr3, C_RO_VA, t_alloc_frame(), 1 | 4);
	t_map(t_cr3, C_NP_VA, t_alloc_frame(), 0);
	test_decode();
	test_stack_branch();
	test_exits();
	test_paging();
	test_refused();
	test_segments();
	test_diff32();
}
