/*
 * traps: a 64-bit PV kernel taking exceptions and running user mode as
 * Xen's ABI has it.  It installs a virtual IDT, raises #UD, #BP, #DE, #GP,
 * #PF and software interrupts in kernel mode and checks each frame (error
 * code, return address, the RPL-0 CS that marks kernel context, the saved
 * upcall mask and IF, CR2 in vcpu_info), returning with the iret
 * hypercall.  It runs a 32-bit user process (user32.h).  Then it enters
 * user mode with iret on its own user base pointer, where `int $0x80`, a
 * page fault and `syscall` come back to the kernel on the stack_switch
 * stack with the GS bases swapped, and finishes from the syscall callback.
 */
#include "guest.h"
#include "public/callback.h"

const char guest_name[] = "traps";

#define EINVAL 22
#define RPL(cs) ((cs) & 3)
#define PFEC_PRESENT 1
#define PFEC_WRITE 2
#define PFEC_USER 4
#define UNMAPPED 0xffffc90000000000ul

/* What the entry stubs push: the registers a C function may clobber. */
struct saved {
	uint64_t r11, r10, r9, r8, rdi, rsi, rdx, rcx, rax;
};

/* Xen's frame above the saved registers: [error code,] rip, cs, rflags,
 * rsp, ss (rcx and r11, below them, were popped back by the stub). */
struct seen {
	unsigned int count, vector;
	uint64_t error, rip, cs, rflags, rsp, ss, rax;
};
static volatile struct seen seen;
static volatile unsigned long skip; /* bytes the handler steps over */

void trap_c(struct saved *s, unsigned long vector, unsigned long has_error);
#include "nmi.h"
static volatile unsigned long iret_iopl = ~0ul; /* see iopl.h */
static volatile unsigned long iret_fix; /* see segments.h */

/* One stub per vector: restore rcx/r11 from the frame, save, call
 * trap_c(saved, vector, has_error), restore, and return through the iret
 * hypercall with the frame rebuilt as struct iret_context (flags 0: rcx
 * and r11 come back from it). */
__asm__(".macro drop_error_code\nadd $8, %rsp\n.endm\n");
#define STUB_NOERR(name, vec)                                                                      \
	__asm__(".text\n.globl " #name "\n" #name ":\n"                                             \
		"pop %rcx\npop %r11\n"                                                              \
		"push %rax\npush %rcx\npush %rdx\npush %rsi\npush %rdi\n"                           \
		"push %r8\npush %r9\npush %r10\npush %r11\n"                                        \
		"mov %rsp, %rdi\nmov $" #vec ", %esi\nxor %edx, %edx\n"                             \
		"push %rbp\nmov %rsp, %rbp\nand $-16, %rsp\ncall trap_c\nmov %rbp, %rsp\npop %rbp\n" \
		"pop %r11\npop %r10\npop %r9\npop %r8\npop %rdi\npop %rsi\npop %rdx\npop %rcx\n"    \
		"pop %rax\n"                                                                        \
		"push $0\npush %rcx\npush %r11\npush %rax\nmov $23, %eax\nsyscall\n");              \
	void name(void)
#define STUB_ERR(name, vec)                                                                        \
	__asm__(".text\n.globl " #name "\n" #name ":\n"                                             \
		"pop %rcx\npop %r11\n"                                                              \
		"push %rax\npush %rcx\npush %rdx\npush %rsi\npush %rdi\n"                           \
		"push %r8\npush %r9\npush %r10\npush %r11\n"                                        \
		"mov %rsp, %rdi\nmov $" #vec ", %esi\nmov $1, %edx\n"                               \
		"push %rbp\nmov %rsp, %rbp\nand $-16, %rsp\ncall trap_c\nmov %rbp, %rsp\npop %rbp\n" \
		"pop %r11\npop %r10\npop %r9\npop %r8\npop %rdi\npop %rsi\npop %rdx\npop %rcx\n"    \
		"pop %rax\ndrop_error_code\n"                                                       \
		"push $0\npush %rcx\npush %r11\npush %rax\nmov $23, %eax\nsyscall\n");              \
	void name(void)

STUB_NOERR(trap_de, 0);
STUB_NOERR(nmi_entry, 0x102);
STUB_NOERR(trap_db, 1);
STUB_NOERR(trap_bp, 3);
STUB_NOERR(trap_ud, 6);
STUB_NOERR(trap_nm, 7);
STUB_ERR(trap_np, 11);
STUB_ERR(trap_ss, 12);
STUB_ERR(trap_gp, 13);
STUB_ERR(trap_pf, 14);
STUB_NOERR(trap_int80, 0x80);
/* The syscall callback: vector 256 for trap_c. */
STUB_NOERR(syscall_entry, 256);

/* Instructions that fault, each followed by ret. */
__asm__(".text\n"
	"ud_insn: ud2\nret\n"
	"bp_insn: int3\nret\n"
	"de_insn: xor %edx, %edx\nmov $1, %eax\nxor %ecx, %ecx\nde_at: div %ecx\nret\n"
	"gp_insn: wbinvd\nret\n"
	"pf_insn: movb $1, (%rdi)\nret\n"
	"int80_insn: int $0x80\nret\n"
	"int81_insn: int $0x81\nret\n"
	"rdmsr_insn: mov %edi, %ecx\nrdmsr_at: rdmsr\nret\n");
void rdmsr_insn(uint32_t msr), rdmsr_at(void);
void ud_insn(void), bp_insn(void), de_insn(void), de_at(void), gp_insn(void), pf_insn(void *),
	int80_insn(void), int81_insn(void);

static volatile uint64_t kernel_gs_word = 0x4b4b4b4b, user_gs_word = 0x55555555;
static uint64_t read_gs0(void);
static volatile unsigned int user_step, user_int80, mask_in_handler;
static volatile uint64_t user_pf_error = ~0ul;
static volatile uint64_t user_gs_seen, kernel_gs_in_syscall, syscall_frame_at;
static uint8_t user_stack[8192] __attribute__((aligned(16)));
static uint8_t kernel_trap_stack[8192] __attribute__((aligned(16)));
static struct vcpu_info *vcpu0;
static void user_mode_done(void) __attribute__((noreturn));
#include "user32.h"

static uint64_t read_gs0(void)
{
	uint64_t v;
	__asm__ volatile("mov %%gs:0, %0" : "=r"(v));
	return v;
}

void trap_c(struct saved *s, unsigned long vector, unsigned long has_error)
{
	uint64_t *f = (uint64_t *)(s + 1);
	if (has_error)
		seen.error = *f++;
	else
		seen.error = ~0ul;
	seen.vector = (unsigned int)vector;
	seen.rip = f[0];
	seen.cs = f[1];
	seen.rflags = f[2];
	seen.rsp = f[3];
	seen.ss = f[4];
	seen.rax = s->rax;
	seen.count++;
	if (user32_is_frame(seen.cs)) {
		user32_event(s, f, vector);
		return;
	}
	f[0] += skip;
	if (iret_fix) { /* back to the kernel's flat selectors */
		f[1] = FLAT_KERNEL_CS & ~3;
		f[4] = FLAT_KERNEL_SS;
	}
	if (iret_iopl != ~0ul)
		f[2] = (f[2] & ~0x3000ul) | iret_iopl << 12;
	if (vector == 1) /* resume past the breakpoint, stop single-stepping */
		f[2] = (f[2] & ~0x100ul) | 0x10000ul;
	if (vector == 0x102)
		nmi_seen();
	if (vector == 6)
		mask_in_handler = vcpu0->evtchn_upcall_mask;
	if (RPL(seen.cs) == 3 && vector == 0x80)
		user_int80 = 1;
	if (RPL(seen.cs) == 3 && vector == 14) {
		user_pf_error = seen.error;
		f[0] += 2; /* the user's 2-byte load */
	}
	if (vector == 256) {
		/* From user mode: the frame sits on the stack_switch stack. */
		syscall_frame_at = (uint64_t)(f - 2);
		kernel_gs_in_syscall = read_gs0();
		if (s->rax == 60)
			user_mode_done();
	}
}

static long set_trap_table(const struct trap_info *t)
{
	return hypercall(__HYPERVISOR_set_trap_table, (unsigned long)t, 0, 0, 0, 0);
}

static bool expect(unsigned int vector, void (*insn)(void), unsigned long step, const char *what)
{
	unsigned int before = seen.count;
	guest_printf("%s\n", what);
	skip = step;
	insn();
	skip = 0;
	return guest_check(seen.count == before + 1 && seen.vector == vector, "%s: vector %u delivered once (%u)",
			   what, vector, seen.vector);
}

#define SEEN_FLAGS seen.rflags
#define SEEN_IP seen.rip
#include "iopl.h"
#define SEEN_COUNT seen.count
#include "fpu.h"
#include "debugreg.h"

/* What Xen emulates for a PV kernel: the FS/GS base MSRs, reading CRs. */
static void test_privileged(start_info_t *si)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	uint64_t want = (uint64_t)p2m[(si->pt_base - GUEST_VIRT_BASE) >> 12] << 12, cr3, cr0;
	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	guest_check(cr3 == want && (cr0 & 0x80000001) == 0x80000001,
		    "mov from CR3 gives its L4 (%lx), CR0 has PE and PG (%lx)", (unsigned long)cr3,
		    (unsigned long)cr0);
	uint64_t base = (uint64_t)&kernel_gs_word;
	__asm__ volatile("wrmsr" : : "c"(0xc0000101), "a"((uint32_t)base), "d"((uint32_t)(base >> 32)));
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(0xc0000101));
	guest_check(read_gs0() == kernel_gs_word && ((uint64_t)hi << 32 | lo) == base,
		    "wrmsr/rdmsr of GS_BASE set and read the kernel's GS base");
	unsigned int before = seen.count;
	skip = 2;
	rdmsr_insn(0x1b);
	skip = 0;
	guest_check(seen.count == before + 1 && seen.vector == 13 && seen.error == 0 &&
			    seen.rip == (uint64_t)rdmsr_at,
		    "an MSR Xen does not offer (APIC base) is #GP(0) in the guest");

	/* mov to CR3: MMUEXT_NEW_BASEPTR, as Xen; a frame that cannot be an
	 * L4 (this code's own page, mapped writable) is the guest's #GP(0). */
	before = seen.count;
	skip = 3;
	__asm__ volatile("mov %0, %%cr3" : : "a"(cr3) : "memory");
	uint64_t text = (uint64_t)p2m[((unsigned long)&kernel_gs_word - GUEST_VIRT_BASE) >> 12] << 12, now;
	__asm__ volatile("mov %0, %%cr3" : : "a"(text) : "memory");
	skip = 0;
	__asm__ volatile("mov %%cr3, %0" : "=r"(now));
	guest_check(seen.count == before + 1 && seen.vector == 13 && seen.error == 0 && now == cr3,
		    "mov to CR3 of its L4 is taken, of a data frame #GP(0) with CR3 unchanged (%u faults, %lx)",
		    seen.count - before, (unsigned long)now);
}

static uint64_t rdmsr64(uint32_t msr)
{
	uint32_t lo, hi;
	__asm__ volatile("rdmsr" : "=a"(lo), "=d"(hi) : "c"(msr));
	return (uint64_t)hi << 32 | lo;
}

#include "segments.h"

static void wrmsr64(uint32_t msr, uint64_t val)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "a"((uint32_t)val), "d"((uint32_t)(val >> 32)));
}

/* The machine-check MSRs as Xen's vMCE has them: what Linux reads at
 * boot (mcheck_cpu_init) must not fault. */
static void test_vmce(void)
{
	uint64_t cap = rdmsr64(0x179);
	guest_check((cap & 0xff) == 2 && !(cap & (1ull << 8)), "MCG_CAP: 2 banks, no MCG_CTL (%lx)",
		    (unsigned long)cap);
	wrmsr64(0x179, 0x55);
	guest_check(rdmsr64(0x179) == cap, "MCG_CAP is read-only");
	guest_check(rdmsr64(0x400) == ~0ull && rdmsr64(0x404) == ~0ull, "MC0_CTL and MC1_CTL read as all ones");
	wrmsr64(0x400, 0);
	guest_check(rdmsr64(0x400) == ~0ull, "and ignore writes");
	wrmsr64(0x401, 0x1234);
	wrmsr64(0x406, 0x5678);
	wrmsr64(0x17a, 4);
	guest_check(rdmsr64(0x401) == 0x1234 && rdmsr64(0x406) == 0x5678 && rdmsr64(0x17a) == 4,
		    "MC0_STATUS, MC1_ADDR and MCG_STATUS keep what is written");
	wrmsr64(0x411, 0x99);
	guest_check(rdmsr64(0x410) == 0 && rdmsr64(0x411) == 0 && rdmsr64(0x17b) == 0,
		    "a bank beyond the two, and MCG_CTL, read as 0 and ignore writes");
	wrmsr64(0x401, 0);
	wrmsr64(0x406, 0);
	wrmsr64(0x17a, 0);
	unsigned int before = seen.count;
	skip = 2;
	rdmsr_insn(0x4d0);
	skip = 0;
	guest_check(seen.count == before + 1 && seen.vector == 13 && seen.rip == (uint64_t)rdmsr_at,
		    "MCG_EXT_CTL (no LMCE) is #GP");
}

static void test_kernel_traps(void)
{
	guest_check(vcpu0->evtchn_upcall_mask == 1, "the vCPU starts with events masked, as Xen's builder leaves it");
	vcpu0->evtchn_upcall_mask = 0; /* the guest's "sti" */
	expect(6, ud_insn, 2, "ud2");
	guest_check(seen.rip == (uint64_t)ud_insn && seen.error == ~0ul, "#UD: rip at the ud2 (%lx), no error code",
		    seen.rip);
	guest_check(RPL(seen.cs) == 0 && (seen.cs & 0xfffc) == (FLAT_KERNEL_CS & 0xfffc),
		    "#UD from the kernel: CS %lx has RPL 0 (kernel context)", (unsigned long)seen.cs);
	guest_check(((seen.cs >> 32) & 0xff) == 0 && (seen.rflags & (1u << 9)),
		    "events were unmasked: saved upcall mask 0 and IF set (rflags %lx)", seen.rflags);
	guest_check(mask_in_handler == 1, "the handler ran with events masked (its trap-table entry asked)");
	guest_check(vcpu0->evtchn_upcall_mask == 0, "iret restored the upcall mask from IF");

	vcpu0->evtchn_upcall_mask = 1;
	expect(3, bp_insn, 0, "int3");
	guest_check(seen.rip == (uint64_t)bp_insn + 1, "#BP: rip after the int3");
	guest_check(((seen.cs >> 32) & 0xff) == 1 && !(seen.rflags & (1u << 9)) && vcpu0->evtchn_upcall_mask == 1,
		    "with events masked the frame says so (mask 1, IF clear) and iret keeps them masked");
	vcpu0->evtchn_upcall_mask = 0;
	expect(0, de_insn, 2, "div by zero");
	guest_check(seen.rip == (uint64_t)de_at, "#DE: rip at the div");
	expect(13, gp_insn, 2, "wbinvd");
	guest_check(seen.error == 0 && seen.rip == (uint64_t)gp_insn, "#GP(0) at the privileged instruction (%lx)",
		    seen.error);

	unsigned int before = seen.count;
	skip = 3;
	pf_insn((void *)UNMAPPED);
	skip = 0;
	guest_check(seen.count == before + 1 && seen.vector == 14, "a write to an unmapped address: #PF");
	guest_check(seen.error == PFEC_WRITE, "#PF error code: write, not present, kernel mode (%lx)", seen.error);
	guest_check(vcpu0->arch.cr2 == UNMAPPED, "CR2 in vcpu_info is the faulting address (%lx)",
		    (unsigned long)vcpu0->arch.cr2);

	expect(0x80, int80_insn, 0, "int $0x80");
	guest_check(seen.rip == (uint64_t)int80_insn + 2, "int $0x80 (DPL 3): rip after the instruction");
	expect(13, int81_insn, 2, "int $0x81 without a handler");
	guest_check(seen.error == (0x81 << 3 | 2) && seen.rip == (uint64_t)int81_insn,
		    "it is #GP with the IDT error code %x at the int (%lx)", 0x81 << 3 | 2, seen.error);
}

/* User mode: each step traps to the kernel and comes back. */
__asm__(".text\n"
	"user_entry:\n"
	"mov %gs:0, %rax\nmov %rax, user_gs_seen(%rip)\n"
	"movl $1, user_step(%rip)\n"
	"int $0x80\n"
	"movl $2, user_step(%rip)\n"
	"mov $0xffffc90000000000, %rdi\n"
	"user_pf: movb (%rdi), %al\n"
	"movl $3, user_step(%rip)\n"
	"mov $1, %eax\nsyscall\n"
	"movl $4, user_step(%rip)\n"
	"mov $60, %eax\nsyscall\n"
	"ud2\n");
void user_entry(void), user_pf(void);

static void user_mode_done(void)
{
	guest_check(user_step == 4, "user mode ran all its steps (%u)", user_step);
	guest_check(user_int80, "int $0x80 from user mode reached its handler with a user CS");
	guest_check(user_pf_error == (PFEC_USER), "a user-mode read of an unmapped page: #PF with the user bit (%lx)",
		    (unsigned long)user_pf_error);
	guest_check(seen.vector == 256 && RPL(seen.cs) == 3 && seen.rax == 60,
		    "the last syscall reached the kernel's syscall callback from user mode");
	guest_check(syscall_frame_at + 7 * 8 == ((uint64_t)kernel_trap_stack + sizeof(kernel_trap_stack)),
		    "its frame lies on the stack_switch stack (%lx)", (unsigned long)syscall_frame_at);
	guest_check(user_gs_seen == user_gs_word, "user mode sees its own GS base (%lx)",
		    (unsigned long)user_gs_seen);
	guest_check(kernel_gs_in_syscall == kernel_gs_word, "the kernel sees its GS base again on entry (%lx)",
		    (unsigned long)kernel_gs_in_syscall);
	guest_finish(guest_failed() ? GUEST_FAIL : GUEST_PASS);
}

static void enter_user_mode(start_info_t *si, uint64_t kernel_sp)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	xen_pfn_t l4 = p2m[(si->pt_base - GUEST_VIRT_BASE) >> 12];
	struct mmuext_op op = { .cmd = MMUEXT_NEW_USER_BASEPTR };
	op.arg1.mfn = l4;
	long rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == 0, "user page tables (the kernel's own L4): %ld", rc);
	rc = hypercall(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, kernel_sp, 0, 0, 0);
	guest_check(rc == 0, "stack_switch: %ld", rc);
	rc = hypercall(__HYPERVISOR_set_segment_base, SEGBASE_GS_KERNEL, (unsigned long)&kernel_gs_word, 0, 0, 0);
	guest_check(rc == 0 && read_gs0() == kernel_gs_word, "the kernel GS base is set and used: %ld", rc);
	rc = hypercall(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER, (unsigned long)&user_gs_word, 0, 0, 0);
	guest_check(rc == 0 && read_gs0() == kernel_gs_word, "setting the user GS base leaves the kernel's: %ld", rc);
	struct callback_register cb = { .type = CALLBACKTYPE_syscall, .address = (unsigned long)syscall_entry };
	rc = hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
	guest_check(rc == 0, "registering the syscall callback: %ld", rc);
	cb.type = 99;
	rc = hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
	guest_check(rc == -EINVAL, "an unknown callback type: %ld", rc);

	static struct iret_context ic;
	ic = (struct iret_context){ .rip = (uint64_t)user_entry, .cs = FLAT_USER_CS, .rflags = 0x202,
				    .rsp = (uint64_t)user_stack + sizeof(user_stack), .ss = FLAT_USER_SS };
	guest_puts("entering user mode\n");
	__asm__ volatile("mov %0, %%rsp\nmov $23, %%eax\nsyscall\n" : : "r"(&ic) : "memory");
	__builtin_unreachable();
}

int guest_main(start_info_t *si)
{
	struct shared_info *shinfo = guest_map_shared_info(si);
	if (!shinfo)
		return GUEST_FAIL;
	vcpu0 = &shinfo->vcpu_info[0];

	/* Hostile endings, each of which must crash this guest alone. */
	const char *cmdline = (const char *)si->cmd_line;
	if (!guest_strncmp(cmdline, "badiret", 8)) {
		static struct iret_context bad = { .rip = 0x8000000000000000ul, .cs = FLAT_KERNEL_CS & ~3,
						   .rflags = 0x202, .ss = FLAT_KERNEL_SS };
		bad.rsp = (uint64_t)user_stack + sizeof(user_stack);
		guest_puts("iret to a non-canonical address\n");
		__asm__ volatile("mov %0, %%rsp\nmov $23, %%eax\nsyscall\n" : : "r"(&bad) : "memory");
		return GUEST_FAIL;
	}
	static struct trap_info table[] = {
		{ 0, 0, FLAT_KERNEL_CS, (unsigned long)trap_de },
		{ 1, 0, FLAT_KERNEL_CS, (unsigned long)trap_db },
		{ 3, 3, FLAT_KERNEL_CS, (unsigned long)trap_bp },
		{ 6, 4, FLAT_KERNEL_CS, (unsigned long)trap_ud }, /* events masked on entry */
		{ 7, 0, FLAT_KERNEL_CS, (unsigned long)trap_nm },
		{ 11, 0, FLAT_KERNEL_CS, (unsigned long)trap_np },
		{ 12, 0, FLAT_KERNEL_CS, (unsigned long)trap_ss },
		{ 13, 0, FLAT_KERNEL_CS, (unsigned long)trap_gp },
		{ 14, 0, FLAT_KERNEL_CS, (unsigned long)trap_pf },
		{ 0x80, 3, FLAT_KERNEL_CS, (unsigned long)trap_int80 },
		{ 0, 0, 0, 0 },
	};
	long rc = set_trap_table(table);
	guest_check(rc == 0, "set_trap_table: %ld", rc);
	if (!guest_strncmp(cmdline, "badstack", 9)) {
		guest_puts("user mode with an unmapped kernel stack\n");
		enter_user_mode(si, UNMAPPED);
	}
	if (!guest_strncmp(cmdline, "iret16", 7)) {
		test_segment_loads(si);
		guest_puts("iret to 16-bit code\n");
		iret_here(SEL_CODE16 & ~3u, FLAT_KERNEL_SS, flags_now());
		return GUEST_FAIL;
	}
	test_kernel_traps();
	test_privileged(si);
	test_vmce();
	test_virtual_iopl();
	test_lazy_fpu();
	test_debug_registers(!guest_strstr((const char *)si->cmd_line, "nohwbp"));
	test_nmi();
	test_segment_loads(si);
	test_iret_segments();
	if (guest_failed())
		return GUEST_FAIL;
	test_user32(si, SEL_CODE32, SEL_FLAT_DATA);
	if (guest_failed())
		return GUEST_FAIL;
	(void)user_pf;
	enter_user_mode(si, (uint64_t)kernel_trap_stack + sizeof(kernel_trap_stack));
	return GUEST_FAIL;
}
