/*
 * Tests of the interpreting execution backend (exec_backend_emu): exits,
 * faults with their exact error codes, frame isolation, kicks, locked
 * operations across threads, string instructions, and (in emu_diff.c and
 * emu_guest_c.c) differential runs against the host CPU.
 *
 *   test_emu           TAP output
 *   test_emu --bench   instructions per second (not a test)
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "emu_test.h"
#include "tests/tap.h"

#define BE exec_backend_emu

struct exec_machine t_mach;
struct exec_vm *t_vm;
struct exec_vcpu *t_vcpu;
uint64_t t_cr3;
static uint64_t next_frame = 1;

int t_check(int ok, const char *file, int line, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	return tap_result(ok, file, line, "%s", buf);
}

void t_skip(const char *why)
{
	tap_skip(why);
}

void t_diag(const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	tap_diag("%s", buf);
}

uint64_t t_rand(void)
{
	static uint64_t s = 0x9e3779b97f4a7c15ull;
	s ^= s >> 12;
	s ^= s << 25;
	s ^= s >> 27;
	return s * 0x2545f4914f6cdd1dull;
}

uint8_t *t_frame_ptr(uint64_t mfn)
{
	return t_mach.base + mfn * 4096;
}

static uint64_t alloc_unassigned(void)
{
	if (next_frame >= T_NR_FRAMES) {
		fprintf(stderr, "test machine out of frames\n");
		exit(99);
	}
	uint64_t mfn = next_frame++;
	memset(t_frame_ptr(mfn), 0, 4096);
	return mfn;
}

uint64_t t_alloc_frame(void)
{
	uint64_t mfn = alloc_unassigned();
	BE.map_frames(t_vm, mfn, 1);
	return mfn;
}

static uint64_t *table_slot(uint64_t cr3, uint64_t va, bool create)
{
	uint64_t table = cr3 & PTE_ADDR_MASK;
	for (int level = 3; level > 0; level--) {
		uint64_t *e = (uint64_t *)(void *)(t_mach.base + table) + ((va >> (12 + 9 * level)) & 511);
		if (!(*e & 1)) {
			if (!create)
				return NULL;
			*e = (t_alloc_frame() << 12) | T_PTE_URW;
		}
		table = *e & PTE_ADDR_MASK;
	}
	return (uint64_t *)(void *)(t_mach.base + table) + ((va >> 12) & 511);
}

void t_map(uint64_t cr3, uint64_t va, uint64_t mfn, uint64_t flags)
{
	*table_slot(cr3, va, true) = (mfn << 12) | flags;
}

uint64_t *t_pte(uint64_t cr3, uint64_t va)
{
	return table_slot(cr3, va, false);
}

uint8_t *t_host(uint64_t va)
{
	uint64_t *e = t_pte(t_cr3, va);
	if (!e || !(*e & 1))
		return NULL;
	return t_mach.base + (*e & PTE_ADDR_MASK) + (va & 0xfff);
}

void t_map_range(uint64_t va, uint64_t len, uint64_t flags)
{
	for (uint64_t a = va & ~0xfffull; a < va + len; a += 4096)
		t_map(t_cr3, a, t_alloc_frame(), flags);
}

void t_setup_call(struct vcpu_state *st, uint64_t rip)
{
	memset(st, 0, sizeof(*st));
	st->regs.rip = rip;
	st->regs.rsp = T_STACK_TOP - 8;
	st->regs.rflags = 0x202;
	uint64_t ret = T_RET_VA;
	memcpy(t_host(T_STACK_TOP - 8), &ret, 8);
	st->sys.cr3 = t_cr3;
	st->sys.cpl = 3;
	st->sys.cr0 = 0x80050033;
	st->sys.efer = 0xd01;
}

int t_run(struct exec_exit *ex)
{
	int rc = BE.vcpu_run(t_vcpu, ex);
	if (rc)
		return -1;
	return ex->reason;
}

uint64_t t_load_code(const void *code, size_t len, uint64_t off)
{
	for (size_t i = 0; i < len; i++)
		*t_host(T_CODE_VA + off + i) = ((const uint8_t *)code)[i];
	return T_CODE_VA + off;
}

static void machine_init(void)
{
	size_t size = (size_t)T_NR_FRAMES * 4096;
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		       -1, 0);
	if (p == MAP_FAILED) {
		perror("mmap");
		exit(99);
	}
	t_mach.base = p;
	t_mach.nr_frames = T_NR_FRAMES;
	t_mach.memfd = -1;
	if (BE.vm_create(&t_mach, &t_vm) || BE.vcpu_create(t_vm, 0, &t_vcpu)) {
		fprintf(stderr, "emu: vm/vcpu create failed\n");
		exit(99);
	}
	t_cr3 = t_alloc_frame() << 12;
	t_map_range(T_CODE_VA, 16 * 4096, T_PTE_URW);
	t_map_range(T_DATA_VA, 64 * 4096, T_PTE_URW);
	t_map_range(T_STACK_TOP - 16 * 4096, 16 * 4096, T_PTE_URW);
	t_map_range(T_RET_VA, 4096, T_PTE_URW);
	memset(t_host(T_RET_VA), 0xcc, 4096);
}

/* ---- special pages for the fault tests ---- */
enum {
	SP_NOTPRESENT = 0, /* not mapped (tables exist) */
	SP_READONLY = 1,
	SP_SUPERVISOR = 2,
	SP_NX = 3,
	SP_UNASSIGNED = 4, /* maps a frame the VM does not have */
	SP_STRADDLE_A = 5, /* present; SP_STRADDLE_A + 1 is not */
	SP_RO_THEN_RW = 7, /* read-only, followed by a writable page */
	SP_TWO_RW = 9,     /* 9 and 10: two writable pages, 11 read-only */
};
#define SP(n) (T_SPECIAL_VA + (uint64_t)(n) * 4096)

static uint64_t unassigned_mfn;

static void special_init(void)
{
	t_map(t_cr3, SP(SP_NOTPRESENT), t_alloc_frame(), 0);
	t_map(t_cr3, SP(SP_READONLY), t_alloc_frame(), 1 | 4);
	t_map(t_cr3, SP(SP_SUPERVISOR), t_alloc_frame(), 1 | 2);
	t_map(t_cr3, SP(SP_NX), t_alloc_frame(), T_PTE_URW | PTE_NX);
	memset(t_frame_ptr(*t_pte(t_cr3, SP(SP_NX)) >> 12 & 0xffffffffffull), 0xc3, 4096);
	unassigned_mfn = alloc_unassigned();
	t_map(t_cr3, SP(SP_UNASSIGNED), unassigned_mfn, T_PTE_URW);
	t_map(t_cr3, SP(SP_STRADDLE_A), t_alloc_frame(), T_PTE_URW);
	t_map(t_cr3, SP(SP_STRADDLE_A + 1), t_alloc_frame(), 0);
	t_map(t_cr3, SP(SP_RO_THEN_RW), t_alloc_frame(), 1 | 4);
	t_map(t_cr3, SP(SP_RO_THEN_RW + 1), t_alloc_frame(), T_PTE_URW);
	t_map(t_cr3, SP(SP_TWO_RW), t_alloc_frame(), T_PTE_URW);
	t_map(t_cr3, SP(SP_TWO_RW + 1), t_alloc_frame(), T_PTE_URW);
	t_map(t_cr3, SP(SP_TWO_RW + 2), t_alloc_frame(), 1 | 4);
}

/* ---- guest code for the targeted tests ---- */
T_ASM(g_syscall, "mov $23, %eax\n\tsyscall\n\tud2");
T_ASM(g_int80, "int $0x80\n\tud2");
T_ASM(g_int3, "nop\n\tint3\n\tud2");
T_ASM(g_int_3, ".byte 0xcd, 0x03\n\tud2");
T_ASM(g_ud2, "nop\n\tud2");
T_ASM(g_cpuid, "mov $1, %eax\n\tcpuid\n\tud2");
T_ASM(g_div0, "xor %ecx, %ecx\n\tdiv %rcx\n\tud2");
T_ASM(g_idivmin, "mov $0x8000000000000000, %rax\n\tcqto\n\tmov $-1, %rcx\n\tidiv %rcx");
T_ASM(g_load, "mov (%rbx), %rax\n\tret");
T_ASM(g_store, "mov %rax, (%rbx)\n\tret");
T_ASM(g_store32, "movl %eax, (%rbx)\n\tret");
T_ASM(g_jmp_rbx, "jmp *%rbx");
T_ASM(g_load_rbp, "mov 8(%rbp), %rax\n\tret");
T_ASM(g_push, "push %rax\n\tret");
T_ASM(g_loop, "1: inc %rax\n\tjmp 1b");
T_ASM(g_count, "1: dec %rcx\n\tjnz 1b\n\tret");
T_ASM(g_lockinc, "1: lock incq (%rbx)\n\tmov $1, %edx\n\tlock xaddq %rdx, 8(%rbx)\n\tmov 16(%rbx), %rax\n\t"
		 "2: lea 1(%rax), %rsi\n\tlock cmpxchgq %rsi, 16(%rbx)\n\tjnz 2b\n\t"
		 "dec %rcx\n\tjnz 1b\n\tret");
T_ASM(g_repmovsb, "rep movsb\n\tret");
T_ASM(g_repstosq, "rep stosq\n\tret");
T_ASM(g_std_repmovsb, "std\n\trep movsb\n\tcld\n\tret");
T_ASM(g_std_repstosq, "std\n\trep stosq\n\tcld\n\tret");
T_ASM(g_repmovsq, "rep movsq\n\tret");
T_ASM(g_repcmpsb, "repe cmpsb\n\tret");
T_ASM(g_repnescasb, "repne scasb\n\tret");
T_ASM(g_lodsq, "lodsq\n\tret");
T_ASM(g_fs_load, "mov %fs:8, %rax\n\tmov %gs:(%rbx), %rdx\n\tret");
T_ASM(g_moffs, "movabs 0x20000010, %rax\n\tmovabs %al, 0x20000020\n\tret");
T_ASM(g_riprel, "lea 0(%rip), %rax\n\tmov 1f(%rip), %rdx\n\tret\n1: .quad 0x1122334455667788");
T_ASM(g_kernel_abs, "movq $0xffffffff80001000, %rbx\n\tmovq 0xffffffff80001000, %rax\n\t"
		    "movl $0x55, 0xffffffff80001008\n\tret");
T_ASM(g_popf_if, "pushfq\n\tandq $~0x200, (%rsp)\n\torq $0x3000, (%rsp)\n\tpopfq\n\tpushfq\n\tpop %rax\n\tret");
T_ASM(g_tf, "pushfq\n\torq $0x100, (%rsp)\n\tpopfq\n\tnop\n\tnop\n\tret");
T_ASM(g_rdtsc, "rdtsc\n\tret");
T_ASM(g_rdtscp, "rdtscp\n\tret");
T_ASM(g_rdfsbase, "rdfsbase %rax\n\twrgsbase %rbx\n\tret");
T_ASM(g_movbe, "movbe (%rbx), %eax\n\tret");
T_ASM(g_xgetbv, "xgetbv\n\tret");
/* Linux's iret_to_self: a frame of its own selectors, then iretq. */
T_ASM(g_iretq, "mov %ss, %eax\n\tpush %rax\n\tpush %rsp\n\taddq $8, (%rsp)\n\tpushfq\n\t"
	       "mov %cs, %eax\n\tpush %rax\n\tlea 1f(%rip), %rax\n\tpush %rax\n\tiretq\n1:\tmov $7, %edx\n\tret");
T_ASM(g_iretq_badcs, "mov %ss, %eax\n\tpush %rax\n\tpush %rsp\n\tpushfq\n\tpushq $0xe008\n\tpushq $0\n\tiretq");
T_ASM(g_sreg, "mov %cs, %eax\n\tmov %ss, %ecx\n\tmov %ds, %edx\n\tmov %ss, %r8d\n\tmov %r8d, %ds\n\t"
	      "xor %r9d, %r9d\n\tmov %r9d, %es\n\tret");
T_ASM(g_sreg_bad, "mov $0xe008, %eax\n\tmov %eax, %ds");
T_ASM(g_sysenter, "sysenter");
T_ASM(g_toolong, ".fill 14, 1, 0x66\n\tnop\n\t.fill 15, 1, 0x66\n\tnop");
T_ASM(g_lock_bad, ".byte 0xf0, 0x48, 0x01, 0xc3");
T_ASM(g_cx16_misaligned, "cmpxchg16b 8(%rbx)");

static void expect_trap(const char *what, const uint8_t *code, size_t len, unsigned int vector,
			int errcode, uint64_t rip_off)
{
	struct vcpu_state *st = BE.vcpu_state(t_vcpu);
	struct exec_exit ex;
	uint64_t rip = t_load_code(code, len, 0x8000);
	t_setup_call(st, rip);
	t_run(&ex);
	bool ok = ex.reason == EXEC_EXIT_TRAP && ex.vector == vector &&
		  (errcode < 0 ? !ex.has_error_code
			       : ex.has_error_code && ex.error_code == (uint32_t)errcode) &&
		  st->regs.rip == rip + rip_off;
	if (!TAP_CHECK(ok, "%s -> vector %u", what, vector))
		tap_diag("reason %d vector %u err %d/%#x rip %#llx (want %#llx) %s", ex.reason, ex.vector,
			 ex.has_error_code, ex.error_code, (unsigned long long)st->regs.rip,
			 (unsigned long long)(rip + rip_off), ex.detail);
}

#define EXPECT_TRAP(what, name, vec, err, ripoff) \
	expect_trap(what, name, (size_t)(name##_end - name), vec, err, ripoff)

static void test_exits(void)
{
	struct vcpu_state *st = BE.vcpu_state(t_vcpu);
	struct exec_exit ex;

	uint64_t rip = T_LOAD(g_syscall, 0);
	t_setup_call(st, rip);
	st->regs.rflags = 0x283;
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_SYSCALL && st->regs.rip == rip + 7 &&
			  st->regs.rcx == rip + 7 && st->regs.r11 == 0x283 && st->regs.rax == 23,
		  "syscall exit: rip and rcx after it, r11 = rflags");

	rip = T_LOAD(g_int80, 0);
	t_setup_call(st, rip);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_SOFTINT && ex.vector == 0x80 && st->regs.rip == rip + 2,
		  "int $0x80 -> SOFTINT 0x80, rip after");

	EXPECT_TRAP("int3 (rip after it)", g_int3, X86_EXC_BP, -1, 2);
	EXPECT_TRAP("int $3 (rip after it)", g_int_3, X86_EXC_BP, -1, 2);
	EXPECT_TRAP("ud2 (rip at it)", g_ud2, X86_EXC_UD, -1, 1);
	EXPECT_TRAP("div by zero", g_div0, X86_EXC_DE, -1, 2);
	EXPECT_TRAP("idiv INT64_MIN / -1", g_idivmin, X86_EXC_DE, -1, 19);
	EXPECT_TRAP("rdtscp", g_rdtscp, X86_EXC_UD, -1, 0);
	EXPECT_TRAP("rdfsbase with CR4.FSGSBASE clear", g_rdfsbase, X86_EXC_UD, -1, 0);
	EXPECT_TRAP("sysenter", g_sysenter, X86_EXC_UD, -1, 0);
	EXPECT_TRAP("instruction longer than 15 bytes", g_toolong, X86_EXC_GP, 0, 15);
	EXPECT_TRAP("lock on a register operand", g_lock_bad, X86_EXC_UD, -1, 0);

	rip = T_LOAD(g_cpuid, 0);
	t_setup_call(st, rip);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_CPUID && st->regs.rip == rip + 5 && st->regs.rax == 1,
		  "cpuid exit with rip at the instruction");

	/* Privileged instructions at CPL 3: #GP(0) with rip at the instruction. */
	static const struct {
		const char *name;
		uint8_t bytes[4];
		uint8_t len;
	} priv[] = {
		{ "hlt", { 0xf4 }, 1 },
		{ "cli", { 0xfa }, 1 },
		{ "sti", { 0xfb }, 1 },
		{ "in al, dx", { 0xec }, 1 },
		{ "out dx, al", { 0xee }, 1 },
		{ "out imm8, eax", { 0xe7, 0x80 }, 2 },
		{ "insb", { 0x6c }, 1 },
		{ "mov cr3, rax", { 0x0f, 0x22, 0xd8 }, 3 },
		{ "mov rax, cr0", { 0x0f, 0x20, 0xc0 }, 3 },
		{ "mov dr7, rax", { 0x0f, 0x23, 0xf8 }, 3 },
		{ "wrmsr", { 0x0f, 0x30 }, 2 },
		{ "rdmsr", { 0x0f, 0x32 }, 2 },
		{ "rdpmc", { 0x0f, 0x33 }, 2 },
		{ "lgdt [rax]", { 0x0f, 0x01, 0x10 }, 3 },
		{ "lidt [rax]", { 0x0f, 0x01, 0x18 }, 3 },
		{ "lldt ax", { 0x0f, 0x00, 0xd0 }, 3 },
		{ "ltr ax", { 0x0f, 0x00, 0xd8 }, 3 },
		{ "invlpg [rax]", { 0x0f, 0x01, 0x38 }, 3 },
		{ "swapgs", { 0x0f, 0x01, 0xf8 }, 3 },
		{ "clts", { 0x0f, 0x06 }, 2 },
		{ "wbinvd", { 0x0f, 0x09 }, 2 },
		{ "invd", { 0x0f, 0x08 }, 2 },
		{ "sysret", { 0x48, 0x0f, 0x07 }, 3 },
		{ "xsetbv", { 0x0f, 0x01, 0xd1 }, 3 },
		{ "lmsw ax", { 0x0f, 0x01, 0xf0 }, 3 },
	};
	for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
		expect_trap(priv[i].name, priv[i].bytes, priv[i].len, X86_EXC_GP, 0, 0);

	static const uint8_t clac[] = { 0x0f, 0x01, 0xca }, monitor[] = { 0x0f, 0x01, 0xc8 };
	expect_trap("clac at CPL 3", clac, 3, X86_EXC_UD, -1, 0);
	expect_trap("monitor at CPL 3", monitor, 3, X86_EXC_UD, -1, 0);

	/* IOPL 3 lets cli/sti through. */
	static const uint8_t cli[] = { 0xfa, 0xc3 };
	rip = t_load_code(cli, 2, 0);
	t_setup_call(st, rip);
	st->regs.rflags = 0x3202;
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == 3 && !(st->regs.rflags & 0x200),
		  "cli with IOPL 3 clears IF");

	/* Unimplemented: fatal, naming the bytes. */
	rip = T_LOAD(g_movbe, 0);
	t_setup_call(st, rip);
	t_run(&ex);
	char want[96];
	snprintf(want, sizeof(want), "emu: unimplemented instruction 0f 38 f0 at rip 0x%llx",
		 (unsigned long long)rip);
	TAP_CHECK(ex.reason == EXEC_EXIT_FATAL && !strcmp(ex.detail, want) && st->regs.rip == rip,
		  "movbe is FATAL: %s", ex.detail);
	rip = T_LOAD(g_xgetbv, 0);
	t_setup_call(st, rip);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_FATAL && strstr(ex.detail, "0f 01"),
		  "xgetbv is FATAL: %s", ex.detail);
	rip = T_LOAD(g_iretq, 0);
	t_setup_call(st, rip);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_BP && st->regs.rdx == 7 &&
			  st->regs.rsp == T_STACK_TOP,
		  "iretq to the same ring with Xen's flat selectors returns (Linux's iret_to_self)");
	rip = T_LOAD(g_iretq_badcs, 0);
	t_setup_call(st, rip);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.error_code == 0xe008,
		  "iretq to another code selector is #GP(selector)");
	rip = T_LOAD(g_sreg, 0);
	t_setup_call(st, rip);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && st->regs.rax == 0xe033 && st->regs.rcx == 0xe02b &&
			  st->regs.rdx == 0,
		  "segment registers read as Xen's flat 64-bit selectors (cs %#llx ss %#llx ds %#llx)",
		  (unsigned long long)st->regs.rax, (unsigned long long)st->regs.rcx,
		  (unsigned long long)st->regs.rdx);
	rip = T_LOAD(g_sreg_bad, 0);
	t_setup_call(st, rip);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.error_code == 0xe008,
		  "loading a selector that is not flat is #GP(selector)");

	/* Single-step: a trap after the first instruction run with TF. */
	rip = T_LOAD(g_tf, 0);
	t_setup_call(st, rip);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_DB && !ex.has_error_code &&
			  st->regs.rip == rip + 11,
		  "TF: #DB after the instruction following popf (rip %#llx)",
		  (unsigned long long)(st->regs.rip - rip));

	rip = T_LOAD(g_popf_if, 0);
	t_setup_call(st, rip);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == 3 && (st->regs.rax & 0x3200) == 0x200,
		  "popf at CPL 3 with IOPL 0 changes neither IF nor IOPL");

	rip = T_LOAD(g_rdtsc, 0);
	t_setup_call(st, rip);
	st->regs.rax = st->regs.rdx = ~0ull;
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == 3 && st->regs.rdx < (1ull << 32) &&
			  (st->regs.rax | st->regs.rdx) != 0,
		  "rdtsc reads the host TSC");
	t_setup_call(st, rip);
	st->sys.cr4 = 1u << 2;
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && st->regs.rip == rip,
		  "rdtsc with CR4.TSD -> #GP");

	rip = T_LOAD(g_rdfsbase, 0);
	t_setup_call(st, rip);
	st->sys.cr4 = 1u << 16;
	st->sys.fs_base = 0x1234;
	st->regs.rbx = 0x5678;
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == 3 && st->regs.rax == 0x1234 &&
			  st->sys.gs_base == 0x5678,
		  "rdfsbase/wrgsbase with CR4.FSGSBASE");
}

static void test_faults(void)
{
	struct vcpu_state *st = BE.vcpu_state(t_vcpu);
	struct exec_exit ex;
	static const struct {
		const char *what;
		const uint8_t *code, *end;
		uint64_t rbx;
		uint64_t cr2;
		uint32_t err;
	} pf[] = {
		{ "read of a not-present page", g_load, g_load_end, SP(SP_NOTPRESENT) + 0x18,
		  SP(SP_NOTPRESENT) + 0x18, X86_PFEC_USER },
		{ "write to a not-present page", g_store, g_store_end, SP(SP_NOTPRESENT) + 0x20,
		  SP(SP_NOTPRESENT) + 0x20, X86_PFEC_USER | X86_PFEC_WRITE },
		{ "write to a read-only page", g_store, g_store_end, SP(SP_READONLY) + 8,
		  SP(SP_READONLY) + 8, X86_PFEC_USER | X86_PFEC_WRITE | X86_PFEC_PRESENT },
		{ "read of a supervisor page", g_load, g_load_end, SP(SP_SUPERVISOR) + 0x100,
		  SP(SP_SUPERVISOR) + 0x100, X86_PFEC_USER | X86_PFEC_PRESENT },
		{ "fetch from an NX page", g_jmp_rbx, g_jmp_rbx_end, SP(SP_NX) + 0x40, SP(SP_NX) + 0x40,
		  X86_PFEC_USER | X86_PFEC_PRESENT | X86_PFEC_FETCH },
		{ "fetch from a not-present page", g_jmp_rbx, g_jmp_rbx_end, SP(SP_NOTPRESENT) + 1,
		  SP(SP_NOTPRESENT) + 1, X86_PFEC_USER | X86_PFEC_FETCH },
		{ "read straddling into a not-present page", g_load, g_load_end,
		  SP(SP_STRADDLE_A) + 4092, SP(SP_STRADDLE_A + 1), X86_PFEC_USER },
		{ "write straddling from a read-only page", g_store, g_store_end,
		  SP(SP_RO_THEN_RW) + 4093, SP(SP_RO_THEN_RW) + 4093,
		  X86_PFEC_USER | X86_PFEC_WRITE | X86_PFEC_PRESENT },
		{ "write straddling into a read-only page", g_store, g_store_end,
		  SP(SP_TWO_RW + 2) - 2, SP(SP_TWO_RW + 2),
		  X86_PFEC_USER | X86_PFEC_WRITE | X86_PFEC_PRESENT },
	};
	for (size_t i = 0; i < sizeof(pf) / sizeof(pf[0]); i++) {
		uint64_t rip = t_load_code(pf[i].code, (size_t)(pf[i].end - pf[i].code), 0);
		t_setup_call(st, rip);
		st->regs.rbx = pf[i].rbx;
		st->regs.rax = 0x1122334455667788ull;
		t_run(&ex);
		bool ok = ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_PF &&
			  ex.has_error_code && ex.error_code == pf[i].err && ex.cr2 == pf[i].cr2 &&
			  st->sys.cr2 == pf[i].cr2 &&
			  st->regs.rip == (pf[i].err & X86_PFEC_FETCH ? pf[i].rbx : rip) &&
			  st->regs.rax == 0x1122334455667788ull;
		if (!TAP_CHECK(ok, "#PF: %s (err %#x)", pf[i].what, pf[i].err))
			tap_diag("reason %d vector %u err %#x cr2 %#llx rip-off %lld %s", ex.reason,
				 ex.vector, ex.error_code, (unsigned long long)ex.cr2,
				 (long long)(st->regs.rip - rip), ex.detail);
	}
	/* The straddling write to a page just before a read-only one must not
	 * have written its first half either. */
	TAP_CHECK(!memcmp(t_host(SP(SP_TWO_RW + 2) - 2), "\0\0", 2),
		  "a faulting straddling write changes nothing");

	/* A successful straddling access. */
	uint64_t rip = T_LOAD(g_store, 0);
	t_setup_call(st, rip);
	st->regs.rbx = SP(SP_TWO_RW) + 4091;
	st->regs.rax = 0x0807060504030201ull;
	t_run(&ex);
	uint8_t *a = t_host(SP(SP_TWO_RW) + 4091), *b = t_host(SP(SP_TWO_RW + 1));
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == 3 && a[0] == 1 && a[4] == 5 &&
			  b[0] == 6 && b[2] == 8,
		  "a write straddling two pages lands in both frames");

	/* An instruction straddling into a missing page. */
	static const uint8_t movabs[] = { 0x48, 0xb8, 1, 2, 3, 4, 5, 6, 7, 8 };
	memcpy(t_host(SP(SP_STRADDLE_A) + 4090), movabs, 6);
	t_setup_call(st, SP(SP_STRADDLE_A) + 4090);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_PF &&
			  ex.cr2 == SP(SP_STRADDLE_A + 1) &&
			  ex.error_code == (X86_PFEC_USER | X86_PFEC_FETCH) &&
			  st->regs.rip == SP(SP_STRADDLE_A) + 4090,
		  "an instruction crossing into a missing page: fetch #PF at the boundary");
	/* ... and one crossing between two present pages runs. */
	memcpy(t_host(SP(SP_TWO_RW) + 4090), movabs, 6);
	memcpy(t_host(SP(SP_TWO_RW + 1)), movabs + 6, 4);
	*t_host(SP(SP_TWO_RW + 1) + 4) = 0xc3;
	t_setup_call(st, SP(SP_TWO_RW) + 4090);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == 3 &&
			  st->regs.rax == 0x0807060504030201ull,
		  "an instruction crossing two code pages");

	/* Non-canonical addresses: #GP, or #SS for the stack segment. */
	rip = T_LOAD(g_load, 0);
	t_setup_call(st, rip);
	st->regs.rbx = 0x8000000000000000ull;
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && ex.error_code == 0 &&
			  st->regs.rip == rip,
		  "non-canonical data address -> #GP(0)");
	rip = T_LOAD(g_load_rbp, 0);
	t_setup_call(st, rip);
	st->regs.rbp = 0x0000800000000000ull;
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_SS && ex.has_error_code &&
			  ex.error_code == 0,
		  "non-canonical rbp-based address -> #SS(0)");
	rip = T_LOAD(g_store, 0);
	t_setup_call(st, rip);
	st->regs.rbx = 0x00007ffffffffffcull;
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP,
		  "an access running past the canonical boundary -> #GP");
	rip = T_LOAD(g_push, 0);
	t_setup_call(st, rip);
	st->regs.rsp = 0x8000000000000008ull;
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_SS &&
			  st->regs.rsp == 0x8000000000000008ull,
		  "push with a non-canonical rsp -> #SS(0), rsp unchanged");
	rip = T_LOAD(g_jmp_rbx, 0);
	t_setup_call(st, rip);
	st->regs.rbx = 0x0000800000000000ull;
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP && st->regs.rip == rip,
		  "jump to a non-canonical address -> #GP at the jump");
	rip = T_LOAD(g_cx16_misaligned, 0);
	t_setup_call(st, rip);
	st->regs.rbx = T_DATA_VA;
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_GP,
		  "cmpxchg16b on a misaligned operand -> #GP(0)");

	/* A frame the VM does not have. */
	rip = T_LOAD(g_load, 0);
	t_setup_call(st, rip);
	st->regs.rbx = SP(SP_UNASSIGNED) + 0x10;
	t_run(&ex);
	char want[160];
	snprintf(want, sizeof(want),
		 "emu: guest access to machine frame 0x%llx not assigned to this VM at va 0x%llx",
		 (unsigned long long)unassigned_mfn, (unsigned long long)(SP(SP_UNASSIGNED) + 0x10));
	TAP_CHECK(ex.reason == EXEC_EXIT_FATAL && !strcmp(ex.detail, want),
		  "access to an unassigned frame is FATAL: %s", ex.detail);

	/* A page table frame the VM does not have. */
	uint64_t va = 0x7000000000ull; /* a fresh L3 slot */
	t_map(t_cr3, va, t_alloc_frame(), T_PTE_URW);
	uint64_t *l4e = (uint64_t *)(void *)(t_mach.base + t_cr3) + ((va >> 39) & 511);
	uint64_t l3_mfn = (*l4e & PTE_ADDR_MASK) >> 12;
	BE.unmap_frames(t_vm, l3_mfn, 1);
	t_setup_call(st, rip);
	st->regs.rbx = va;
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_FATAL && strstr(ex.detail, "not assigned"),
		  "a page table in an unassigned frame is FATAL");
	BE.map_frames(t_vm, l3_mfn, 1);

	/* Frames taken away while translations are cached. */
	uint64_t *pte = t_pte(t_cr3, T_DATA_VA + 0x3000);
	uint64_t mfn = (*pte & PTE_ADDR_MASK) >> 12;
	t_setup_call(st, rip);
	st->regs.rbx = T_DATA_VA + 0x3000;
	t_run(&ex);
	bool first = ex.reason == EXEC_EXIT_TRAP && ex.vector == 3;
	BE.unmap_frames(t_vm, mfn, 1);
	t_setup_call(st, rip);
	st->regs.rbx = T_DATA_VA + 0x3000;
	t_run(&ex);
	TAP_CHECK(first && ex.reason == EXEC_EXIT_FATAL && strstr(ex.detail, "not assigned"),
		  "unmap_frames drops cached translations");
	BE.map_frames(t_vm, mfn, 1);

	/* Accessed and dirty bits are set by the walk. */
	*pte &= ~(PTE_ACCESSED | PTE_DIRTY);
	BE.flush_tlb(t_vcpu);
	rip = T_LOAD(g_load, 0);
	t_setup_call(st, rip);
	st->regs.rbx = T_DATA_VA + 0x3000;
	t_run(&ex);
	bool a_only = (*pte & PTE_ACCESSED) && !(*pte & PTE_DIRTY);
	rip = T_LOAD(g_store, 0);
	t_setup_call(st, rip);
	st->regs.rbx = T_DATA_VA + 0x3000;
	t_run(&ex);
	TAP_CHECK(a_only && (*pte & PTE_DIRTY), "A set by a read, D by a write");

	/* A cr3 change between runs is honoured. */
	uint64_t cr3b = t_alloc_frame() << 12;
	uint64_t code_mfn = (*t_pte(t_cr3, T_CODE_VA) & PTE_ADDR_MASK) >> 12;
	t_map(cr3b, T_CODE_VA, code_mfn, T_PTE_URW);
	t_map(cr3b, T_RET_VA, (*t_pte(t_cr3, T_RET_VA) & PTE_ADDR_MASK) >> 12, T_PTE_URW);
	t_map(cr3b, T_STACK_TOP - 4096, (*t_pte(t_cr3, T_STACK_TOP - 4096) & PTE_ADDR_MASK) >> 12,
	      T_PTE_URW);
	uint64_t other = t_alloc_frame();
	memcpy(t_frame_ptr(other) + 0x10, "\x42\0\0\0\0\0\0\0", 8);
	t_map(cr3b, T_DATA_VA, other, T_PTE_URW);
	memcpy(t_host(T_DATA_VA + 0x10), "\x17\0\0\0\0\0\0\0", 8);
	rip = T_LOAD(g_load, 0);
	t_setup_call(st, rip);
	st->regs.rbx = T_DATA_VA + 0x10;
	t_run(&ex);
	uint64_t v1 = st->regs.rax;
	t_setup_call(st, rip);
	st->sys.cr3 = cr3b;
	st->regs.rbx = T_DATA_VA + 0x10;
	t_run(&ex);
	TAP_CHECK(v1 == 0x17 && st->regs.rax == 0x42, "a new cr3 gets new translations");

	/* flush_tlb drops a translation the guest's tables no longer have. */
	t_setup_call(st, rip);
	st->regs.rbx = T_DATA_VA + 0x10;
	t_run(&ex);
	uint64_t *dpte = t_pte(t_cr3, T_DATA_VA);
	uint64_t saved = *dpte;
	*dpte = 0;
	t_setup_call(st, rip);
	st->regs.rbx = T_DATA_VA + 0x10;
	t_run(&ex);
	bool stale = ex.reason == EXEC_EXIT_TRAP && ex.vector == 3; /* allowed, as hardware */
	BE.flush_tlb(t_vcpu);
	t_setup_call(st, rip);
	st->regs.rbx = T_DATA_VA + 0x10;
	t_run(&ex);
	TAP_CHECK(stale && ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_PF,
		  "flush_tlb forgets a translation");
	*dpte = saved;
	BE.flush_tlb(t_vcpu);
}

static void test_memory_forms(void)
{
	struct vcpu_state *st = BE.vcpu_state(t_vcpu);
	struct exec_exit ex;

	uint64_t rip = T_LOAD(g_fs_load, 0);
	t_setup_call(st, rip);
	st->sys.fs_base = T_DATA_VA + 0x100;
	st->sys.gs_base = T_DATA_VA + 0x200;
	st->regs.rbx = 0x18;
	memcpy(t_host(T_DATA_VA + 0x108), "\x11\x22\0\0\0\0\0\0", 8);
	memcpy(t_host(T_DATA_VA + 0x218), "\x33\x44\0\0\0\0\0\0", 8);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && st->regs.rax == 0x2211 && st->regs.rdx == 0x4433,
		  "fs/gs segment overrides use fs_base/gs_base");

	rip = T_LOAD(g_moffs, 0);
	t_setup_call(st, rip);
	memcpy(t_host(T_DATA_VA + 0x10), "\x99\x88\x77\x66\x55\x44\x33\x22", 8);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && st->regs.rax == 0x2233445566778899ull &&
			  *t_host(T_DATA_VA + 0x20) == 0x99,
		  "mov with a 64-bit moffs");

	rip = T_LOAD(g_riprel, 0x100);
	t_setup_call(st, rip);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && st->regs.rax == rip + 7 &&
			  st->regs.rdx == 0x1122334455667788ull,
		  "rip-relative addressing");

	/* mcmodel=kernel style: code and data in the top 2 GiB, addressed
	 * with sign-extended 32-bit absolutes. */
	uint64_t kva = 0xffffffff80000000ull;
	uint64_t kcode = t_alloc_frame(), kdata = t_alloc_frame();
	t_map(t_cr3, kva, kcode, T_PTE_URW);
	t_map(t_cr3, kva + 0x1000, kdata, T_PTE_URW);
	memcpy(t_frame_ptr(kcode), g_kernel_abs, (size_t)(g_kernel_abs_end - g_kernel_abs));
	memcpy(t_frame_ptr(kdata), "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
	t_setup_call(st, kva);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == 3 && st->regs.rbx == kva + 0x1000 &&
			  st->regs.rax == 0x0807060504030201ull && t_frame_ptr(kdata)[8] == 0x55,
		  "code at 0xffffffff80000000 with sign-extended absolute addresses");
}

static void run_string(const uint8_t *code, size_t len, uint64_t rsi, uint64_t rdi, uint64_t rcx,
		       uint64_t rax, struct exec_exit *ex)
{
	struct vcpu_state *st = BE.vcpu_state(t_vcpu);
	t_setup_call(st, t_load_code(code, len, 0));
	st->regs.rsi = rsi;
	st->regs.rdi = rdi;
	st->regs.rcx = rcx;
	st->regs.rax = rax;
	/* A long rep may take several steps; kicks are not involved. */
	t_run(ex);
}

#define RUN_STRING(name, rsi, rdi, rcx, rax, ex) \
	run_string(name, (size_t)(name##_end - name), rsi, rdi, rcx, rax, ex)

static void test_strings(void)
{
	struct vcpu_state *st = BE.vcpu_state(t_vcpu);
	struct exec_exit ex;
	uint8_t *src = t_host(T_DATA_VA + 0x1000);
	uint64_t S = T_DATA_VA + 0x1000, D = T_DATA_VA + 0x5000;

	/* Fill 3 pages of source (pages are contiguous frames here?) byte by
	 * byte through t_host, as frames need not be contiguous. */
	for (unsigned int i = 0; i < 3 * 4096; i++)
		*t_host(S + i) = (uint8_t)(i * 7 + 3);
	(void)src;
	RUN_STRING(g_repmovsb, S + 5, D + 9, 9000, 0, &ex);
	bool ok = ex.reason == EXEC_EXIT_TRAP && ex.vector == 3 && st->regs.rcx == 0 &&
		  st->regs.rsi == S + 5 + 9000 && st->regs.rdi == D + 9 + 9000;
	for (unsigned int i = 0; ok && i < 9000; i++)
		ok = *t_host(D + 9 + i) == (uint8_t)((i + 5) * 7 + 3);
	ok = ok && *t_host(D + 8) == 0 && *t_host(D + 9 + 9000) == 0;
	TAP_CHECK(ok, "rep movsb, DF=0, 9000 bytes across pages");

	RUN_STRING(g_std_repmovsb, S + 100, D + 0x3000 + 50, 77, 0, &ex);
	ok = ex.reason == EXEC_EXIT_TRAP && st->regs.rcx == 0 && st->regs.rsi == S + 100 - 77 &&
	     st->regs.rdi == D + 0x3000 + 50 - 77 && !(st->regs.rflags & X86_RFLAGS_DF);
	for (unsigned int i = 0; ok && i < 77; i++)
		ok = *t_host(D + 0x3000 + 50 - i) == (uint8_t)((100 - i) * 7 + 3);
	TAP_CHECK(ok, "rep movsb, DF=1");

	RUN_STRING(g_repstosq, 0, D + 0x4000 - 16, 5, 0x1122334455667788ull, &ex);
	ok = ex.reason == EXEC_EXIT_TRAP && st->regs.rcx == 0 && st->regs.rdi == D + 0x4000 + 24;
	for (unsigned int i = 0; ok && i < 5; i++) {
		uint64_t q = 0;
		for (unsigned int j = 0; j < 8; j++)
			q |= (uint64_t)*t_host(D + 0x4000 - 16 + 8 * i + j) << (8 * j);
		ok = q == 0x1122334455667788ull;
	}
	TAP_CHECK(ok, "rep stosq, DF=0, across a page boundary");

	RUN_STRING(g_std_repstosq, 0, D + 0x2000, 3, 0xa5a5a5a5a5a5a5a5ull, &ex);
	ok = ex.reason == EXEC_EXIT_TRAP && st->regs.rcx == 0 && st->regs.rdi == D + 0x2000 - 24 &&
	     *t_host(D + 0x2000) == 0xa5 && *t_host(D + 0x2000 - 16) == 0xa5 &&
	     *t_host(D + 0x2000 - 17) != 0xa5;
	TAP_CHECK(ok, "rep stosq, DF=1");

	/* Overlapping forward copy replicates, as the element semantics say. */
	for (unsigned int i = 0; i < 4; i++)
		*t_host(D + 0x6000 + i) = (uint8_t)(i + 1);
	RUN_STRING(g_repmovsb, D + 0x6000, D + 0x6004, 12, 0, &ex);
	ok = ex.reason == EXEC_EXIT_TRAP;
	for (unsigned int i = 0; ok && i < 16; i++)
		ok = *t_host(D + 0x6000 + i) == (uint8_t)(i % 4 + 1);
	TAP_CHECK(ok, "overlapping rep movsb replicates the pattern");

	/* rep movsq into a missing page: the state at the fault is exact. */
	RUN_STRING(g_repmovsq, S, SP(SP_STRADDLE_A) + 4096 - 24, 10, 0, &ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && ex.vector == X86_EXC_PF &&
			  ex.cr2 == SP(SP_STRADDLE_A + 1) && st->regs.rcx == 7 &&
			  st->regs.rsi == S + 24 && st->regs.rip == T_CODE_VA,
		  "rep movsq faulting midway leaves rcx/rsi/rdi at the faulting element");

	memcpy(t_host(D + 0x7000), "abcdefgh", 8);
	memcpy(t_host(D + 0x7100), "abcdXfgh", 8);
	RUN_STRING(g_repcmpsb, D + 0x7000, D + 0x7100, 8, 0, &ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && st->regs.rcx == 3 && st->regs.rsi == D + 0x7005 &&
			  !(st->regs.rflags & X86_RFLAGS_ZF),
		  "repe cmpsb stops at the first difference");
	RUN_STRING(g_repnescasb, 0, D + 0x7000, 100, 'e', &ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && st->regs.rcx == 95 && st->regs.rdi == D + 0x7005 &&
			  (st->regs.rflags & X86_RFLAGS_ZF),
		  "repne scasb finds the byte");
	RUN_STRING(g_lodsq, D + 0x7000, 0, 0, 0, &ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_TRAP && st->regs.rax == 0x6867666564636261ull &&
			  st->regs.rsi == D + 0x7008,
		  "lodsq");
}

/* ---- kicks and concurrency ---- */
static void *kicker(void *arg)
{
	usleep(20000);
	BE.vcpu_kick(arg);
	return NULL;
}

struct worker {
	struct exec_vcpu *v;
	uint64_t iters;
	int reason;
};

static void *lock_worker(void *arg)
{
	struct worker *w = arg;
	struct vcpu_state *st = BE.vcpu_state(w->v);
	struct exec_exit ex;
	memset(st, 0, sizeof(*st));
	st->regs.rip = T_CODE_VA + 0x2000;
	/* Separate stacks, each with T_RET_VA to return to. */
	st->regs.rsp = T_STACK_TOP - 8 - (w->v == t_vcpu ? 0 : 0x4000);
	uint64_t ret = T_RET_VA;
	memcpy(t_host(st->regs.rsp), &ret, 8);
	st->regs.rflags = 0x202;
	st->regs.rbx = T_DATA_VA + 0x9000;
	st->regs.rcx = w->iters;
	st->regs.rdx = 1;
	st->sys.cr3 = t_cr3;
	st->sys.cpl = 3;
	do {
		BE.vcpu_run(w->v, &ex);
	} while (ex.reason == EXEC_EXIT_KICKED);
	w->reason = ex.reason == EXEC_EXIT_TRAP && ex.vector == 3 ? 0 : -1;
	return NULL;
}

static void test_threads(void)
{
	struct vcpu_state *st = BE.vcpu_state(t_vcpu);
	struct exec_exit ex;

	uint64_t rip = T_LOAD(g_loop, 0);
	t_setup_call(st, rip);
	pthread_t t;
	pthread_create(&t, NULL, kicker, t_vcpu);
	t_run(&ex);
	pthread_join(t, NULL);
	TAP_CHECK(ex.reason == EXEC_EXIT_KICKED && st->regs.rax > 1000 &&
			  (st->regs.rip == rip || st->regs.rip == rip + 3),
		  "a kick from another thread ends an endless loop (%llu iterations)",
		  (unsigned long long)st->regs.rax);

	t_setup_call(st, rip);
	BE.vcpu_kick(t_vcpu);
	t_run(&ex);
	TAP_CHECK(ex.reason == EXEC_EXIT_KICKED && st->regs.rax == 0 && st->regs.rip == rip,
		  "a kick before the run returns at once");

	/* Two vCPUs hammer one counter with lock inc, lock xadd and a
	 * lock cmpxchg loop. */
	T_LOAD(g_lockinc, 0x2000);
	memset(t_host(T_DATA_VA + 0x9000), 0, 24);
	struct exec_vcpu *v2;
	BE.vcpu_create(t_vm, 1, &v2);
	struct worker w1 = { t_vcpu, 200000, 0 }, w2 = { v2, 200000, 0 };
	pthread_t t1, t2;
	pthread_create(&t1, NULL, lock_worker, &w1);
	pthread_create(&t2, NULL, lock_worker, &w2);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	uint64_t c[3];
	memcpy(c, t_host(T_DATA_VA + 0x9000), 24);
	TAP_CHECK(!w1.reason && !w2.reason && c[0] == 400000 && c[1] == 400000 && c[2] == 400000,
		  "locked inc/xadd/cmpxchg from two vCPU threads are atomic (%llu %llu %llu)",
		  (unsigned long long)c[0], (unsigned long long)c[1], (unsigned long long)c[2]);
	BE.vcpu_destroy(v2);
}

/* ---- hostile code: random bytes must only ever produce exits ---- */
static atomic_bool fuzz_done;

static void *fuzz_kicker(void *arg)
{
	while (!atomic_load(&fuzz_done)) {
		usleep(500);
		BE.vcpu_kick(arg);
	}
	return NULL;
}

static void test_fuzz(void)
{
	struct vcpu_state *st = BE.vcpu_state(t_vcpu);
	struct exec_exit ex;
	unsigned int counts[EXEC_EXIT_FATAL + 1] = { 0 };
	bool sane = true;
	pthread_t t;

	atomic_store(&fuzz_done, false);
	pthread_create(&t, NULL, fuzz_kicker, t_vcpu);
	for (unsigned int i = 0; i < 20000; i++) {
		uint8_t code[64];
		for (unsigned int j = 0; j < sizeof(code); j++)
			code[j] = (uint8_t)t_rand();
		/* Half the blobs end on a page boundary with nothing after. */
		uint64_t off = (i & 1) ? 0x3000 - sizeof(code) : 0x3000;
		uint64_t rip = t_load_code(code, sizeof(code), off);
		t_setup_call(st, rip);
		uint64_t *r[15] = { &st->regs.rax, &st->regs.rcx, &st->regs.rdx, &st->regs.rbx,
				    &st->regs.rbp, &st->regs.rsi, &st->regs.rdi, &st->regs.r8,
				    &st->regs.r9,  &st->regs.r10, &st->regs.r11, &st->regs.r12,
				    &st->regs.r13, &st->regs.r14, &st->regs.r15 };
		/* Registers often point at mapped data. */
		for (unsigned int j = 0; j < 15; j++)
			*r[j] = (t_rand() & 1) ? T_DATA_VA + (t_rand() & 0x3fff8) : t_rand();
		st->regs.rflags = 0x202 | (t_rand() & 0xcd5);
		if (BE.vcpu_run(t_vcpu, &ex) || ex.reason < EXEC_EXIT_SYSCALL ||
		    ex.reason > EXEC_EXIT_FATAL) {
			sane = false;
			break;
		}
		counts[ex.reason]++;
		if (ex.reason == EXEC_EXIT_FATAL && !strstr(ex.detail, "unimplemented") &&
		    !strstr(ex.detail, "not supported") && !strstr(ex.detail, "not assigned")) {
			tap_diag("unexpected fatal: %s", ex.detail);
			sane = false;
		}
	}
	atomic_store(&fuzz_done, true);
	pthread_join(t, NULL);
	TAP_CHECK(sane, "20000 random code blobs end in exits (syscall %u softint %u trap %u cpuid %u "
			"kicked %u fatal %u)",
		  counts[EXEC_EXIT_SYSCALL], counts[EXEC_EXIT_SOFTINT], counts[EXEC_EXIT_TRAP],
		  counts[EXEC_EXIT_CPUID], counts[EXEC_EXIT_KICKED], counts[EXEC_EXIT_FATAL]);
}

/* ---- benchmark ---- */
T_ASM(g_bench_copy, "1: mov (%rsi), %rax\n\tmov %rax, (%rdi)\n\tadd $8, %rsi\n\tadd $8, %rdi\n\t"
		    "and $0x3ffff, %rsi\n\tand $0x3ffff, %rdi\n\tor %rbx, %rsi\n\tor %rdx, %rdi\n\t"
		    "dec %rcx\n\tjnz 1b\n\tret");

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int bench(void)
{
	struct vcpu_state *st = BE.vcpu_state(t_vcpu);
	struct exec_exit ex;
	uint64_t n = 50000000;

	t_setup_call(st, T_LOAD(g_count, 0));
	st->regs.rcx = n;
	double t0 = now();
	t_run(&ex);
	double dt = now() - t0;
	printf("dec/jnz loop: %.1f M instructions/s (%.2f s for %llu)\n", 2 * n / dt / 1e6, dt,
	       (unsigned long long)(2 * n));

	n = 5000000;
	t_setup_call(st, T_LOAD(g_bench_copy, 0x100));
	st->regs.rsi = st->regs.rbx = T_DATA_VA;
	st->regs.rdi = st->regs.rdx = T_DATA_VA + 0x40000;
	st->regs.rcx = n;
	t_map_range(T_DATA_VA + 0x40000, 0x40000, T_PTE_URW);
	t0 = now();
	t_run(&ex);
	dt = now() - t0;
	printf("copy loop: %.1f M instructions/s (%.2f s for %llu; exit %d)\n", 10 * n / dt / 1e6, dt,
	       (unsigned long long)(10 * n), ex.reason);
	return 0;
}

int main(int argc, char **argv)
{
	char why[128];
	TAP_CHECK(BE.probe(why, sizeof(why)) == 0 && !strcmp(BE.name, "emu"), "emu backend probes");
	machine_init();
	special_init();
	if (argc > 1 && !strcmp(argv[1], "--bench"))
		return bench();
	test_exits();
	test_faults();
	test_memory_forms();
	test_strings();
	test_threads();
	test_diff();
	test_guest_c();
	test_compat();
	test_data_breakpoints();
	test_fuzz(); /* last: random code may scribble on guest memory */
	BE.vcpu_destroy(t_vcpu);
	BE.vm_destroy(t_vm);
	munmap(t_mach.base, (size_t)T_NR_FRAMES * 4096);
	return tap_done();
}
