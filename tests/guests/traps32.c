/*
 * traps32: a 32-bit PAE PV kernel (ring 1) taking exceptions and running
 * user mode (ring 3) as Xen's compat ABI has it.  It installs a virtual
 * IDT, raises #UD, #BP, #DE, #GP, #PF and software interrupts in ring 1
 * and checks each compat frame (error code, eip, the ring-1 CS with the
 * saved upcall mask in bits 16-23, IF, CR2 in vcpu_info), returning with
 * the iret hypercall.  Then it irets to ring 3 on a page it made
 * user-accessible, where `int $0x80` and a page fault come back to the
 * kernel on the stack_switch stack with ring 3's esp and ss in the frame.
 * sysenter is tried in both rings.
 */
#include "guest.h"
#include "public/callback.h"

const char guest_name[] = "traps32";

#define RING(cs) ((cs) & 3)
#define PFEC_WRITE 2
#define PFEC_USER 4
#define UNMAPPED 0xa0000000ul /* below the kernel: nothing maps it */

/* What pusha leaves, lowest address first. */
struct saved {
	uint32_t edi, esi, ebp, esp, ebx, edx, ecx, eax;
};

struct seen {
	unsigned int count, vector;
	uint32_t error, eip, cs, eflags, esp, ss, eax;
};
static volatile struct seen seen;
static volatile unsigned long skip;

void trap_c(struct saved *s, unsigned long vector, unsigned long has_error);
#include "nmi.h"
static volatile unsigned long iret_iopl = ~0ul; /* see iopl.h */
static volatile unsigned long iret_fix; /* see test_iret_segments() */

/* Stubs: save, call trap_c(saved, vector, has_error), restore, drop the
 * error code if any, and return through the iret hypercall with eax
 * pushed on top of the frame as Xen's compat iret wants it. */
#define STUB(name, vec, err, drop)                                                                  \
	__asm__(".text\n.globl " #name "\n" #name ":\n"                                             \
		"pusha\nmov %esp, %eax\npush $" #err "\npush $" #vec "\npush %eax\ncall trap_c\n"   \
		"add $12, %esp\npopa\n" drop                                                        \
		"push %eax\nmov $23, %eax\nint $0x82\n");                                           \
	void name(void)
STUB(trap_de, 0, 0, "");
STUB(nmi_entry, 0x102, 0, "");
STUB(trap_db, 1, 0, "");
STUB(trap_bp, 3, 0, "");
STUB(trap_ud, 6, 0, "");
STUB(trap_nm, 7, 0, "");
STUB(trap_np, 11, 1, "add $4, %esp\n");
STUB(trap_gp, 13, 1, "add $4, %esp\n");
STUB(trap_pf, 14, 1, "add $4, %esp\n");
STUB(trap_int80, 0x80, 0, "");
/* The sysenter and syscall32 callbacks: vectors 0x100 and 0x101 for trap_c. */
STUB(sysenter_entry, 0x100, 0, "");
STUB(syscall32_entry, 0x101, 0, "");

__asm__(".text\n"
	"ud_insn: ud2\nret\n"
	"bp_insn: int3\nret\n"
	"de_insn: xor %edx, %edx\nmov $1, %eax\nxor %ecx, %ecx\nde_at: div %ecx\nret\n"
	"gp_insn: wbinvd\nret\n"
	"pf_insn: mov 4(%esp), %eax\nmovb $1, (%eax)\nret\n"
	"int80_insn: int $0x80\nret\n"
	"int81_insn: int $0x81\nret\n");
void ud_insn(void), bp_insn(void), de_insn(void), de_at(void), gp_insn(void), pf_insn(void *),
	int80_insn(void), int81_insn(void);

/* Ring 3's page: its code, stack and what it writes, alone in one page
 * the kernel maps user-accessible. */
__asm__(".section .user_page, \"awx\", @progbits\n.balign 4096\n.globl user_page\nuser_page:\n"
	"user_entry:\n"
	"mov %fs, user_fs\nmov %gs, user_gs\n"
	"movl $1, user_step\n"
	"int $0x80\n"
	"movl $2, user_step\n"
	"movb 0xa0000000, %al\n"
	"movl $3, user_step\n"
	"sysenter\n"
	".globl user_after_sysenter\nuser_after_sysenter:\n"
	"movl $4, user_step\n"
	"syscall\n"
	".globl user_after_syscall\nuser_after_syscall:\n"
	"movl $5, user_step\n"
	"mov $60, %eax\nint $0x80\n"
	"ud2\n"
	/* Entered by the kernel's own iret instruction (native_ring3). */
	"native_user_entry:\n"
	"mov %fs, native_user_fs\n"
	"push $0x5eed\n"
	"lcall $0x63, $0\n" /* GATE3P: into ring 1 with the parameter, which its lret $4 releases */
	".globl native_user_after_lcall\nnative_user_after_lcall:\n"
	"mov $61, %eax\nint $0x80\n"
	".globl native_user_after\nnative_user_after:\n"
	"ud2\n"
	".balign 4\nuser_step: .long 0\nuser_fs: .long 0xffff\nuser_gs: .long 0xffff\n"
	"native_user_fs: .long 0xffff\n"
	".balign 4096\nuser_stack_top:\n.previous\n");
extern uint8_t user_page[], user_stack_top[];

/* sysenter in ring 1, with the callee-saved registers and esp kept for
 * ring1_resume, where the handler returns (sysenter saves no way back). */
__asm__(".text\nring1_sysenter:\n"
	"push %ebx\npush %esi\npush %edi\npush %ebp\nmov %esp, ring1_esp\n"
	"sysenter\n"
	"ring1_resume:\nmov ring1_esp, %esp\npop %ebp\npop %edi\npop %esi\npop %ebx\nret\n");
void ring1_sysenter(void), ring1_resume(void);
/* native_ring3(): ring 3 entered with the iret instruction, which comes
 * back through int $0x80 (eax 61) to ring1_resume. */
__asm__(".text\nnative_ring3:\n"
	"push %ebx\npush %esi\npush %edi\npush %ebp\nmov %esp, ring1_esp\n"
	"pushl $0xe033\npushl $user_stack_top\npushl $0x202\npushl $0xe02b\npushl $native_user_entry\niret\n");
void native_ring3(void), native_user_after(void), native_user_after_lcall(void);
/* What int $0x80 from it was given: eip, cs, esp, ss. */
static volatile uint32_t native_ring3_frame[4];
volatile uint32_t ring1_esp;
static volatile bool in_ring1_sysenter;
/* What the handler was given: vector, error, eip, cs, esp, ss, frame address. */
static volatile uint32_t ring1_frame[7];
void user_entry(void), user_after_sysenter(void), user_after_syscall(void);
extern volatile unsigned int user_step, user_fs, user_gs, native_user_fs;

static volatile unsigned int user_int80, mask_in_handler, user_ud;
/* What the sysenter and syscall32 callbacks were given: eip, cs, esp, ss. */
static volatile uint32_t sysenter_frame[4] = { ~0u, ~0u, ~0u, ~0u }, syscall_frame[4] = { ~0u, ~0u, ~0u, ~0u };
static volatile uint32_t user_pf_error = ~0u, user_frame_esp, user_frame_ss, frame_at;
static uint8_t kernel_trap_stack[4096] __attribute__((aligned(16)));
static struct vcpu_info *vcpu0;
static void user_mode_done(void) __attribute__((noreturn));

void trap_c(struct saved *s, unsigned long vector, unsigned long has_error)
{
	uint32_t *f = (uint32_t *)(s + 1);
	frame_at = (uint32_t)f;
	seen.error = has_error ? *f++ : ~0u;
	seen.vector = (unsigned int)vector;
	seen.eip = f[0];
	seen.cs = f[1];
	seen.eflags = f[2];
	seen.eax = s->eax;
	seen.count++;
	f[0] += skip;
	if (iret_fix)
		f[1] = FLAT_KERNEL_CS; /* back to Xen's ring-1 code selector */
	if (iret_iopl != ~0ul)
		f[2] = (f[2] & ~0x3000u) | (uint32_t)iret_iopl << 12;
	if (vector == 1) /* resume past the breakpoint, stop single-stepping */
		f[2] = (f[2] & ~0x100u) | 0x10000u;
	if (vector == 0x102)
		nmi_seen();
	if (vector == 6)
		mask_in_handler = vcpu0->evtchn_upcall_mask;
	if (in_ring1_sysenter) {
		uint32_t got[7] = { (uint32_t)vector, seen.error, f[0], f[1], f[3], f[4], frame_at };
		for (unsigned int i = 0; i < 7; i++)
			ring1_frame[i] = got[i];
		f[0] = (uint32_t)ring1_resume;
		f[1] = FLAT_KERNEL_CS;
		return;
	}
	if (RING(seen.cs) == 3 && vector == 0x80 && s->eax == 61) {
		const uint32_t got[4] = { f[0], f[1], f[3], f[4] };
		for (unsigned int i = 0; i < 4; i++)
			native_ring3_frame[i] = got[i];
		f[0] = (uint32_t)ring1_resume;
		f[1] = FLAT_KERNEL_CS;
		return;
	}
	if (RING(seen.cs) == 3) {
		user_frame_esp = f[3];
		user_frame_ss = f[4];
		if (vector == 0x80 && s->eax == 60)
			user_mode_done();
		if (vector == 0x80)
			user_int80 = 1;
		if (vector == 14) {
			user_pf_error = seen.error;
			f[0] += 5; /* the user's movb 0xa0000000, %al */
		}
		if (vector == 0x100 || vector == 0x101) {
			volatile uint32_t *seen_frame = vector == 0x100 ? sysenter_frame : syscall_frame;
			for (unsigned int i = 0; i < 4; i++)
				seen_frame[i] = f[i == 0 ? 0 : i == 1 ? 1 : i + 1];
		}
		if (vector == 0x100) { /* sysenter leaves the way back to us */
			f[0] = (uint32_t)user_after_sysenter;
			f[1] = FLAT_USER_CS; /* its frame's cs is a null selector */
			f[3] = (uint32_t)user_stack_top;
		}
		if (vector == 6) { /* a syscall the backend did not complete */
			user_ud = 1;
			f[0] += 2;
		}
	}
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

/* The kernel's own GDT: flat ring-1 code and data, code that is not
 * present, then segments32.h's data segments and farcalls32.h's gates. */
static uint64_t own_gdt[512] __attribute__((aligned(4096)));
#define OWN_KERNEL_CS 0x09u
#define OWN_KERNEL_DS 0x11u
#define OWN_ABSENT_CS 0x19u
#include "segments32.h"
#include "farcalls32.h"
#define SEEN_FLAGS seen.eflags
#define SEEN_IP seen.eip
#include "iopl.h"
#define SEEN_COUNT seen.count
#include "fpu.h"
#include "debugreg.h"

static void test_kernel_traps(void)
{
	guest_check(vcpu0->evtchn_upcall_mask == 1, "the vCPU starts with events masked");
	vcpu0->evtchn_upcall_mask = 0;
	expect(6, ud_insn, 2, "ud2");
	guest_check(seen.eip == (uint32_t)ud_insn && seen.error == ~0u, "#UD: eip at the ud2, no error code");
	guest_check((seen.cs & 0xffff) == FLAT_KERNEL_CS && RING(seen.cs) == 1,
		    "#UD in the kernel: the frame's CS is the ring-1 selector (%x)", seen.cs);
	guest_check(((seen.cs >> 16) & 0xff) == 0 && (seen.eflags & (1u << 9)),
		    "events were unmasked: saved mask 0 and IF set (eflags %x)", seen.eflags);
	guest_check(mask_in_handler == 1, "the handler ran with events masked (its entry asked)");
	guest_check(vcpu0->evtchn_upcall_mask == 0, "iret restored the upcall mask from IF");

	vcpu0->evtchn_upcall_mask = 1;
	expect(3, bp_insn, 0, "int3");
	guest_check(seen.eip == (uint32_t)bp_insn + 1, "#BP: eip after the int3");
	guest_check(((seen.cs >> 16) & 0xff) == 1 && !(seen.eflags & (1u << 9)) && vcpu0->evtchn_upcall_mask == 1,
		    "with events masked the frame says so and iret keeps them masked");
	vcpu0->evtchn_upcall_mask = 0;

	expect(0, de_insn, 2, "div by zero");
	guest_check(seen.eip == (uint32_t)de_at, "#DE: eip at the div");
	expect(13, gp_insn, 2, "wbinvd in ring 1");
	guest_check(seen.error == 0 && seen.eip == (uint32_t)gp_insn, "#GP(0) at the privileged instruction");

	unsigned int before = seen.count;
	skip = 3;
	pf_insn((void *)UNMAPPED);
	skip = 0;
	guest_check(seen.count == before + 1 && seen.vector == 14 && seen.error == PFEC_WRITE,
		    "a ring-1 write to an unmapped address: #PF, write, not present, kernel (%x)", seen.error);
	guest_check(vcpu0->arch.cr2 == UNMAPPED, "CR2 in vcpu_info (%lx)", (unsigned long)vcpu0->arch.cr2);

	expect(0x80, int80_insn, 0, "int $0x80");
	guest_check(seen.eip == (uint32_t)int80_insn + 2, "int $0x80 (DPL 3): eip after it");
	expect(13, int81_insn, 2, "int $0x81 without a handler");
	guest_check(seen.error == (0x81 << 3 | 2) && seen.eip == (uint32_t)int81_insn,
		    "it is #GP with the IDT error code at the int (%x)", seen.error);
}

static void user_mode_done(void)
{
	guest_check(user_step == 5, "ring 3 ran all its steps (%u)", user_step);
	guest_check(user_fs == 0 && user_gs == SEG32_USER_DATA,
		    "the return to ring 3 nulled FS (the kernel's DPL-1 segment), kept GS (DPL 3): 0x%x 0x%x", user_fs,
		    user_gs);
	guest_check(sysenter_frame[0] == 0 && sysenter_frame[1] == 3 && sysenter_frame[2] == 0 &&
			    sysenter_frame[3] == FLAT_USER_SS,
		    "sysenter reached its callback with Xen's frame: eip 0, cs 3, esp 0, ss %x (%x %x %x %x)",
		    FLAT_USER_SS, sysenter_frame[0], sysenter_frame[1], sysenter_frame[2], sysenter_frame[3]);
	/* On Intel CPUs too: both backends complete the #UD as AMD does
	 * (docs/backend-kvm.md). */
	guest_check(!user_ud && syscall_frame[0] == (uint32_t)user_after_syscall &&
			    (syscall_frame[1] & 0xffff) == FLAT_USER_CS &&
			    syscall_frame[2] == (uint32_t)user_stack_top && syscall_frame[3] == FLAT_USER_SS,
		    "syscall reached the syscall32 callback, returning after it (%x %x %x %x)", syscall_frame[0],
		    syscall_frame[1], syscall_frame[2], syscall_frame[3]);
	guest_check(user_int80, "int $0x80 from ring 3 reached its handler");
	guest_check(user_pf_error == PFEC_USER, "a ring-3 read of an unmapped page: #PF with the user bit (%x)",
		    user_pf_error);
	guest_check(user_frame_ss == FLAT_USER_SS && user_frame_esp == (uint32_t)user_stack_top,
		    "frames from ring 3 carry its esp and ss (%x, %x)", user_frame_esp, user_frame_ss);
	guest_check(frame_at + 5 * 4 == (uint32_t)kernel_trap_stack + sizeof(kernel_trap_stack),
		    "and lie on the stack_switch stack (%x)", frame_at);
	guest_finish(guest_failed() ? GUEST_FAIL : GUEST_PASS);
}

/* sysenter from ring 1: Xen's frame says ring 3 whatever ran it, so it
 * lands on the stack_switch stack like ring 3's; without a callback it is
 * #GP(0) with that frame. */
static void test_ring1_sysenter(void)
{
	uint32_t top = (uint32_t)kernel_trap_stack + sizeof(kernel_trap_stack);
	long rc = hypercall(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS, top, 0, 0, 0);
	guest_check(rc == 0, "stack_switch: %ld", rc);
	for (unsigned int with_callback = 0; with_callback < 2; with_callback++) {
		if (with_callback) {
			struct callback_register cb = { .type = CALLBACKTYPE_sysenter,
							.address = { FLAT_KERNEL_CS, (unsigned long)sysenter_entry } };
			rc = hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
			guest_check(rc == 0, "registering the sysenter callback: %ld", rc);
		}
		guest_printf("sysenter in ring 1 %s a callback\n", with_callback ? "with" : "without");
		ring1_frame[0] = ~0u;
		in_ring1_sysenter = true;
		ring1_sysenter();
		in_ring1_sysenter = false;
		unsigned int want_vector = with_callback ? 0x100 : 13, words = with_callback ? 5 : 6;
		guest_check(ring1_frame[0] == want_vector && ring1_frame[1] == (with_callback ? ~0u : 0),
			    "it reached %s (vector %x, error %x)", with_callback ? "the callback" : "#GP(0)",
			    ring1_frame[0], ring1_frame[1]);
		guest_check(ring1_frame[2] == 0 && ring1_frame[3] == 3 && ring1_frame[4] == 0 &&
				    ring1_frame[5] == FLAT_USER_SS,
			    "with Xen's frame: eip 0, cs 3, esp 0, ss %x (%x %x %x %x)", FLAT_USER_SS, ring1_frame[2],
			    ring1_frame[3], ring1_frame[4], ring1_frame[5]);
		guest_check(ring1_frame[6] + words * 4 == top, "on the stack_switch stack, as from ring 3 (%x)",
			    ring1_frame[6]);
	}
}


/* iret32_here(cs, eflags): the iret hypercall to the instruction after it,
 * in ring 1 on the same stack; a fault at the target comes back there too
 * once trap_c has put Xen's ring-1 selector into the frame (iret_fix). */
__asm__(".text\niret32_here:\nmov 4(%esp), %ecx\nmov 8(%esp), %edx\n"
	"push %edx\npush %ecx\npush $1f\npush $0\nmov $23, %eax\nint $0x82\n1: ret\n");
void iret32_here(uint32_t cs, uint32_t eflags);

static uint32_t flags_now(void)
{
	return vcpu0->evtchn_upcall_mask ? 0x2 : 0x202;
}

static void iret32_faults(uint32_t cs, unsigned int vector, const char *what)
{
	unsigned int before = seen.count;
	iret_fix = 1;
	iret32_here(cs, flags_now());
	iret_fix = 0;
	guest_check(seen.count == before + 1 && seen.vector == vector && seen.error == (cs & ~3u) &&
			    (uint16_t)seen.cs == cs,
		    "%s: vector %u error 0x%x with cs 0x%x in the frame (%u, 0x%x, 0x%x)", what, vector, cs & ~3u, cs,
		    seen.vector, seen.error, seen.cs);
}

/* iret to the kernel's own code selectors, checked as the CPU checks them. */
static void test_iret_segments(start_info_t *si)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	own_gdt[1] = 0x00cfba000000ffffull; /* flat code, DPL 1 */
	own_gdt[2] = 0x00cfb2000000ffffull; /* flat data, DPL 1 */
	own_gdt[3] = 0x00cf3a000000ffffull; /* code, DPL 1, P clear */
	seg32_fill_gdt(own_gdt);
	farcalls32_fill_gdt(own_gdt);
	uint32_t va = (uint32_t)own_gdt;
	uint64_t pte = (uint64_t)p2m[(va - GUEST_VIRT_BASE) >> 12] << 12 | 0x1;
	long rc = hypercall(__HYPERVISOR_update_va_mapping, va, (uint32_t)pte, (uint32_t)(pte >> 32), UVMF_INVLPG, 0);
	unsigned long frames[1] = { (unsigned long)(pte >> 12) };
	if (!guest_check(rc == 0, "the GDT page mapped read-only: %ld", rc))
		return;
	rc = hypercall(__HYPERVISOR_set_gdt, (unsigned long)frames, SEG32_GDT_ENTRIES, 0, 0, 0);
	if (!guest_check(rc == 0, "set_gdt of %u entries: %ld", SEG32_GDT_ENTRIES, rc))
		return;
	unsigned int before = seen.count;
	iret32_here(OWN_KERNEL_CS, flags_now());
	guest_check(seen.count == before, "iret to the GDT's ring-1 code segment");
	expect(6, ud_insn, 2, "ud2 on it");
	guest_check((uint16_t)seen.cs == OWN_KERNEL_CS, "the frame shows that selector (0x%x)", seen.cs);
	iret32_here(FLAT_KERNEL_CS, flags_now());
	expect(6, ud_insn, 2, "ud2 back on Xen's selector");
	guest_check((uint16_t)seen.cs == FLAT_KERNEL_CS, "the frame shows Xen's ring-1 selector again (0x%x)", seen.cs);
	iret32_faults(OWN_KERNEL_DS, 13, "iret to a data segment: #GP");
	iret32_faults(OWN_ABSENT_CS, 11, "iret to code that is not present: #NP");
	iret32_faults(SEG32_BEYOND, 13, "iret past the GDT: #GP");
	iret32_faults(FLAT_USER_CS & ~2u, 13, "iret to Xen's ring-3 code selector with RPL 1: #GP");
}

/* native_iret(cs, eflags): the iret instruction in ring 1 to the
 * instruction after it, on the same stack; a fault at the iret (skip 1)
 * lands there too. */
__asm__(".text\nnative_iret:\npush %ebp\nmov %esp, %ebp\npushl 12(%ebp)\npushl 8(%ebp)\npush $1f\n"
	"native_iret_at: iret\n1: mov %ebp, %esp\npop %ebp\nret\n");
void native_iret(uint32_t cs, uint32_t eflags), native_iret_at(void);

static void native_iret_faults(uint32_t cs, unsigned int vector, const char *what)
{
	guest_printf("%s\n", what);
	unsigned int before = seen.count;
	skip = 1;
	native_iret(cs, flags_now());
	skip = 0;
	guest_check(seen.count == before + 1 && seen.vector == vector && seen.error == (cs & ~3u) &&
			    seen.eip == (uint32_t)native_iret_at && (uint16_t)seen.cs == FLAT_KERNEL_CS,
		    "%s: vector %u error 0x%x at the instruction (%u, 0x%x, eip 0x%x, cs 0x%x)", what, vector, cs & ~3u,
		    seen.vector, seen.error, seen.eip, seen.cs);
}

/* The kernel's own iret instruction (32-bit Linux returns with it), which
 * XG carries out on the guest's tables (traps.c, pv_emulate_far_return). */
static void test_native_iret(void)
{
	unsigned int before = seen.count;
	guest_puts("the iret instruction to its own code\n");
	skip = 1; /* should it fault, the check below says how */
	native_iret(OWN_KERNEL_CS, flags_now());
	skip = 0;
	guest_check(seen.count == before, "the iret instruction to the GDT's ring-1 code segment (%s: %u, 0x%x)",
		    seen.count == before ? "no fault" : "fault", seen.vector, seen.error);
	expect(6, ud_insn, 2, "ud2 after it");
	guest_check((uint16_t)seen.cs == OWN_KERNEL_CS, "the frame shows that selector (0x%x)", seen.cs);
	native_iret(FLAT_KERNEL_CS, flags_now());
	expect(6, ud_insn, 2, "ud2 after the iret instruction back to Xen's selector");
	guest_check((uint16_t)seen.cs == FLAT_KERNEL_CS, "the frame shows Xen's ring-1 selector (0x%x)", seen.cs);
	uint8_t mask = vcpu0->evtchn_upcall_mask;
	uint32_t flags;
	guest_puts("the iret instruction with DF set and IF clear\n");
	native_iret(FLAT_KERNEL_CS, 0x402); /* DF set, IF clear */
	__asm__ volatile("pushf\npop %0\ncld" : "=r"(flags));
	guest_check((flags & 0x400) && (flags & 0x200) && vcpu0->evtchn_upcall_mask == mask,
		    "the iret instruction loads DF but not IF, and leaves the upcall mask (flags 0x%x)", flags);
	native_iret_faults(OWN_KERNEL_DS, 13, "the iret instruction to a data segment: #GP");
	native_iret_faults(OWN_ABSENT_CS, 11, "the iret instruction to code that is not present: #NP");
	native_iret_faults(SEG32_BEYOND, 13, "the iret instruction past the GDT: #GP");
	native_iret_faults(FLAT_USER_CS & ~2u, 13, "the iret instruction to ring-3 code with RPL 1: #GP");
	native_iret_faults(FLAT_KERNEL_CS & ~1u, 13, "the iret instruction to ring 0: #GP");
}

static void enter_ring3(start_info_t *si)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	uint32_t va = (uint32_t)user_page;
	uint64_t pte = (uint64_t)p2m[(va - GUEST_VIRT_BASE) >> 12] << 12 | 0x7;
	long rc = hypercall(__HYPERVISOR_update_va_mapping, va, (uint32_t)pte, (uint32_t)(pte >> 32),
			    UVMF_INVLPG | UVMF_LOCAL, 0);
	guest_check(rc == 0, "making ring 3's page user-accessible: %ld", rc);
	rc = hypercall(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
		       (unsigned long)kernel_trap_stack + sizeof(kernel_trap_stack), 0, 0, 0);
	guest_check(rc == 0, "stack_switch: %ld", rc);
	struct callback_register cb = { .type = CALLBACKTYPE_sysenter,
					.address = { FLAT_KERNEL_CS, (unsigned long)sysenter_entry } };
	rc = hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
	guest_check(rc == 0, "registering the sysenter callback: %ld", rc);
	cb = (struct callback_register){ .type = CALLBACKTYPE_syscall32,
					 .address = { FLAT_KERNEL_CS, (unsigned long)syscall32_entry } };
	rc = hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
	guest_check(rc == 0, "registering the syscall32 callback: %ld", rc);
	/* Ring 3 through the iret instruction first: the return nulls FS
	 * (the kernel's DPL-1 segment) there too. */
	__asm__ volatile("mov %0, %%ds\nmov %0, %%es\nmov %1, %%fs" : : "r"(FLAT_USER_DS), "r"(SEG32_BASED));
	guest_puts("ring 3 by the iret instruction\n");
	native_ring3();
	guest_check(native_ring3_frame[0] == (uint32_t)native_user_after && (native_ring3_frame[1] & 0xffff) == FLAT_USER_CS &&
			    native_ring3_frame[2] == (uint32_t)user_stack_top && native_ring3_frame[3] == FLAT_USER_SS,
		    "its int $0x80 came from ring 3 with its eip, cs, esp and ss (%x %x %x %x)", native_ring3_frame[0],
		    native_ring3_frame[1], native_ring3_frame[2], native_ring3_frame[3]);
	guest_check(native_user_fs == 0, "and ring 3 found FS nulled by that return (0x%x)", native_user_fs);
	uint32_t top = (uint32_t)kernel_trap_stack + sizeof(kernel_trap_stack);
	guest_check(gate_frame[0] == (uint32_t)native_user_after_lcall && (gate_frame[1] & 0xffff) == FLAT_USER_CS &&
			    gate_frame[2] == 0x5eed && gate_frame[3] == (uint32_t)user_stack_top - 4 &&
			    (gate_frame[4] & 0xffff) == FLAT_USER_SS && gate_esp == top - 5 * 4,
		    "ring 3's lcall through a gate ran ring 1 on the stack_switch stack with [eip, cs, parameter, esp, "
		    "ss] (%x %x %x %x %x at %x), and lret went back", gate_frame[0], gate_frame[1], gate_frame[2],
		    gate_frame[3], gate_frame[4], gate_esp);
	static uint32_t frame[6];
	frame[0] = 0; /* eax */
	frame[1] = (uint32_t)user_entry;
	frame[2] = FLAT_USER_CS;
	frame[3] = 0x202;
	frame[4] = (uint32_t)user_stack_top;
	frame[5] = FLAT_USER_SS;
	guest_puts("entering ring 3\n");
	/* Ring 3's data segments: the return to ring 3 nulls the kernel's
	 * (DPL 1), as the CPU's iret does under Xen; FS is left one of them. */
	__asm__ volatile("mov %1, %%ds\nmov %1, %%es\nmov %2, %%fs\nmov %3, %%gs\n"
			 "mov %0, %%esp\nmov $23, %%eax\nint $0x82\n"
			 : : "r"(frame), "r"(FLAT_USER_DS), "r"(SEG32_BASED), "r"(SEG32_USER_DATA) : "memory");
	__builtin_unreachable();
}

int guest_main(start_info_t *si)
{
	struct shared_info *shinfo = guest_map_shared_info(si);
	if (!shinfo)
		return GUEST_FAIL;
	vcpu0 = &shinfo->vcpu_info[0];

	static struct trap_info table[] = {
		{ 0, 0, FLAT_KERNEL_CS, (unsigned long)trap_de },
		{ 1, 0, FLAT_KERNEL_CS, (unsigned long)trap_db },
		{ 3, 3, FLAT_KERNEL_CS, (unsigned long)trap_bp },
		{ 6, 4, FLAT_KERNEL_CS, (unsigned long)trap_ud },
		{ 7, 0, FLAT_KERNEL_CS, (unsigned long)trap_nm },
		{ 11, 0, FLAT_KERNEL_CS, (unsigned long)trap_np },
		{ 13, 0, FLAT_KERNEL_CS, (unsigned long)trap_gp },
		{ 14, 0, FLAT_KERNEL_CS, (unsigned long)trap_pf },
		{ 0x80, 3, FLAT_KERNEL_CS, (unsigned long)trap_int80 },
		{ 0, 0, 0, 0 },
	};
	long rc = hypercall(__HYPERVISOR_set_trap_table, (unsigned long)table, 0, 0, 0, 0);
	guest_check(rc == 0, "set_trap_table: %ld", rc);
	test_kernel_traps();
	test_virtual_iopl();
	test_lazy_fpu();
	test_debug_registers(!guest_strstr((const char *)si->cmd_line, "nohwbp"));
	test_nmi();
	test_ring1_sysenter();
	test_iret_segments(si);
	test_data_segments32(!guest_strstr((const char *)si->cmd_line, "nolimits"));
	test_native_iret();
	test_far_calls32();
	if (guest_failed())
		return GUEST_FAIL;
	enter_ring3(si);
	return GUEST_FAIL;
}
