/*
 * A 32-bit user process of a 64-bit PV kernel (Xen's compat user mode, as
 * Linux's IA32 emulation runs it), for traps.c.  The kernel mirrors its
 * image below 4 GiB (L4 slot 0 and L3 slot 0 name its own L3 and L2, so
 * kernel address a is also a - GUEST_VIRT_BASE) and irets to
 * FLAT_USER_CS32 there.  The process raises five events: int $0x80,
 * syscall, sysenter, a page fault and a final int $0x80 that returns to
 * the kernel.  Before each it sets edx with `xor %edx, %edx; dec %edx`
 * written as 31 d2 4a 90: -1 only in compatibility mode (in 64-bit mode
 * 4a is a REX prefix of the nop), so each frame also shows that the
 * process came back to 32-bit code after the event before it.
 *
 * It runs twice: without syscall32 and sysenter callbacks (syscall is #UD
 * at the instruction, sysenter #GP(0) with Xen's sysenter frame) and with
 * them (the syscall32 one masking events).  The including guest provides
 * struct saved (rcx, r11, rdx, rax), seen, vcpu0, the stack_switch stack
 * kernel_trap_stack, and calls user32_event() from trap_c for frames
 * whose CS is FLAT_USER_CS32 or sysenter's 3; vectors 257 and 258 are the
 * syscall32 and sysenter callbacks.
 */
#ifndef GUEST_USER32_H
#define GUEST_USER32_H

#define USER32_ALIAS(p) ((uint64_t)(p) - GUEST_VIRT_BASE)
#define USER32_UNMAPPED 0x20000000u /* below 4 GiB, beyond the mirrored image */
#define USER32_DONE 1
#define USER32_RFLAGS_DF 0x400ul

STUB_NOERR(syscall32_entry, 257);
STUB_NOERR(sysenter_entry, 258);

__asm__(".text\n.code32\n"
	"user32_entry:\n"
	".byte 0x31, 0xd2, 0x4a, 0x90\n"
	"mov $0x32, %eax\nint $0x80\n"
	"user32_after_int80:\n"
	".byte 0x31, 0xd2, 0x4a, 0x90\n"
	"std\n"
	"user32_syscall: syscall\n"
	"user32_after_syscall: cld\n"
	".byte 0x31, 0xd2, 0x4a, 0x90\n"
	"mov %esp, %ecx\n" /* the way back after sysenter, as Linux's vDSO keeps it in ebp */
	"user32_sysenter: sysenter\n"
	"user32_after_sysenter:\n"
	".byte 0x31, 0xd2, 0x4a, 0x90\n"
	"user32_pf: movb 0x20000000, %al\n" /* 5 bytes: a0 and the address */
	".byte 0x31, 0xd2, 0x4a, 0x90\n"
	/* a far call to Xen's flat 32-bit code selector, through a pointer
	 * on the stack; the callee sets ecx and returns with lret */
	"call 1f\n1: pop %ebx\nlea (user32_far - 1b)(%ebx), %ecx\n"
	"push $0xe023\npush %ecx\nlcall *(%esp)\nadd $8, %esp\n"
	"mov $1, %eax\nint $0x80\n"
	"ud2\n"
	"user32_far: mov $0x600d, %ecx\nlret\n"
	"ud2\n"
	".code64\n"
	/* run_user32(iret_context): callee-saved registers and rsp kept for
	 * user32_resume, where the last event's handler returns in kernel mode. */
	"run_user32:\n"
	"push %rbx\npush %rbp\npush %r12\npush %r13\npush %r14\npush %r15\n"
	"mov %rsp, user32_kernel_rsp(%rip)\n"
	"mov %rdi, %rsp\nmov $23, %eax\nsyscall\n"
	"user32_resume:\n"
	"mov user32_kernel_rsp(%rip), %rsp\n"
	"pop %r15\npop %r14\npop %r13\npop %r12\npop %rbp\npop %rbx\nret\n");
void user32_entry(void), user32_after_int80(void), user32_syscall(void), user32_after_syscall(void),
	user32_sysenter(void), user32_after_sysenter(void), user32_pf(void), user32_resume(void);
void run_user32(const struct iret_context *ic);
volatile uint64_t user32_kernel_rsp;

/* What each event's frame held. */
struct user32_event {
	unsigned int vector;
	uint64_t error, rip, cs, rflags, rsp, ss, rax, rcx, rdx, r11, frame_at, handler_rflags;
	uint8_t mask_in_handler;
};
static volatile struct user32_event user32_log[8];
static volatile unsigned int user32_events;
/* The process's code and stack selectors: Xen's flat ones, or (the last
 * run) the kernel's own from its GDT, as Linux's __USER32_CS/__USER_DS. */
static volatile uint16_t user32_cs = FLAT_USER_CS32, user32_ss = FLAT_USER_SS32;
static uint8_t user32_stack[4096] __attribute__((aligned(16)));

static void user32_event(struct saved *s, uint64_t *f, unsigned long vector)
{
	uint64_t handler_rflags;
	__asm__ volatile("pushf\npop %0" : "=r"(handler_rflags));
	if (user32_events < 8) {
		volatile struct user32_event *e = &user32_log[user32_events++];
		*e = (struct user32_event){ .vector = (unsigned int)vector, .error = seen.error, .rip = f[0],
					    .cs = f[1], .rflags = f[2], .rsp = f[3], .ss = f[4], .rax = s->rax,
					    .rcx = s->rcx, .rdx = s->rdx, .r11 = s->r11,
					    .frame_at = (uint64_t)f - (seen.error != ~0ul ? 3 : 2) * 8,
					    .handler_rflags = handler_rflags,
					    .mask_in_handler = vcpu0->evtchn_upcall_mask };
	}
	if ((uint16_t)f[1] == 3) { /* sysenter's frame: back to the process as its vDSO would */
		f[0] = USER32_ALIAS(user32_after_sysenter);
		f[1] = user32_cs;
		f[3] = (uint32_t)s->rcx;
		f[4] = user32_ss;
	} else if (vector == 6 || vector == 14) {
		f[0] += vector == 6 ? 2 : 5; /* over the syscall, over the load */
	} else if (vector == 0x80 && s->rax == USER32_DONE) {
		f[0] = (uint64_t)user32_resume; /* the kernel again, RPL 0 */
		f[1] = FLAT_KERNEL_CS & ~3;
		f[3] = user32_kernel_rsp;
		f[4] = FLAT_KERNEL_SS;
	}
}

static bool user32_is_frame(uint64_t cs)
{
	return (uint16_t)cs == FLAT_USER_CS32 || (uint16_t)cs == user32_cs || (uint16_t)cs == 3;
}

static long user32_mmu_update(uint64_t ptr, uint64_t val)
{
	struct mmu_update u = { .ptr = ptr, .val = val };
	return hypercall(__HYPERVISOR_mmu_update, (unsigned long)&u, 1, 0, DOMID_SELF, 0);
}

#define USER32_PTE_ADDR 0x000ffffffffff000ul

/* Mirror the image below 4 GiB (on) or take the mirror away. */
static bool user32_mirror(start_info_t *si, bool on)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	uint64_t l4_maddr = (uint64_t)p2m[(si->pt_base - GUEST_VIRT_BASE) >> 12] << 12;
	uint64_t l4e = ((const uint64_t *)si->pt_base)[511];
	const uint64_t *l3 = guest_frame_va(si, (l4e & USER32_PTE_ADDR) >> 12);
	if (!guest_check(l3 != NULL, "the kernel's L3 is in the initial mapping"))
		return false;
	uint64_t l3e = l3[(GUEST_VIRT_BASE >> 30) & 511];
	long rc;
	if (on) {
		rc = user32_mmu_update(l4e & USER32_PTE_ADDR, l3e);
		if (!rc)
			rc = user32_mmu_update(l4_maddr, l4e);
	} else {
		rc = user32_mmu_update(l4_maddr, 0);
		if (!rc)
			rc = user32_mmu_update(l4e & USER32_PTE_ADDR, 0);
	}
	return guest_check(rc == 0, "%s the image's mirror below 4 GiB: %ld", on ? "making" : "removing", rc);
}

static long user32_register(unsigned int type, void (*entry)(void), unsigned int flags)
{
	struct callback_register cb = { .type = (uint16_t)type, .flags = (uint16_t)flags,
					.address = (unsigned long)entry };
	return hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
}

static void user32_run(void)
{
	static struct iret_context ic;
	ic = (struct iret_context){ .rip = USER32_ALIAS(user32_entry), .cs = user32_cs, .rflags = 0x202,
				    .rsp = USER32_ALIAS(user32_stack + sizeof(user32_stack)), .ss = user32_ss };
	user32_events = 0;
	vcpu0->evtchn_upcall_mask = 0;
	/* Its data segments, as Linux gives a compat process __USER_DS (a
	 * 64-bit kernel's are null, FLAT_KERNEL_DS64, and compatibility mode
	 * faults on a null one). */
	__asm__ volatile("mov %0, %%ds\nmov %0, %%es" : : "r"((uint32_t)user32_ss));
	run_user32(&ic);
	__asm__ volatile("mov %0, %%ds\nmov %0, %%es" : : "r"(0u));
}

/* Checks common to both runs: every frame names 32-bit user code with
 * 32-bit stack values, and edx shows compatibility mode. */
static void user32_check_common(const char *run)
{
	uint64_t top = USER32_ALIAS(user32_stack + sizeof(user32_stack));
	guest_check(user32_events == 5, "%s: five events reached the kernel (%u)", run, user32_events);
	for (unsigned int i = 0; i < user32_events && i < 5; i++) {
		const volatile struct user32_event *e = &user32_log[i];
		bool sysenter = i == 2;
		guest_check(e->rdx == 0xfffffffful, "%s: event %u came from compatibility mode (edx %lx)", run, i,
			    (unsigned long)e->rdx);
		/* Xen's CSTAR entry builds its frame with its flat selectors;
		 * exceptions show those the process runs on. */
		bool cstar = e->vector == 257;
		uint16_t cs = cstar ? FLAT_USER_CS32 : user32_cs, ss = cstar ? FLAT_USER_SS32 : user32_ss;
		if (!sysenter)
			guest_check((uint16_t)e->cs == cs && e->ss == ss && e->rsp == top,
				    "%s: event %u: CS %x, SS %x and the 32-bit esp %lx in its frame", run, i,
				    (unsigned int)(uint16_t)e->cs, (unsigned int)e->ss, (unsigned long)e->rsp);
		guest_check(((e->cs >> 32) & 0xff) == 0 && (e->rflags & 0x200),
			    "%s: event %u: events were unmasked (saved mask 0, IF)", run, i);
		guest_check(e->frame_at == (uint64_t)kernel_trap_stack + sizeof(kernel_trap_stack) -
						   (e->error != ~0ul ? 8 : 7) * 8,
			    "%s: event %u: the frame lies on the stack_switch stack (%lx)", run, i,
			    (unsigned long)e->frame_at);
	}
	const volatile struct user32_event *e = &user32_log[0];
	guest_check(e->vector == 0x80 && e->rax == 0x32 && e->rip == USER32_ALIAS(user32_after_int80),
		    "%s: int $0x80 reached its handler with eip after it (%lx)", run, (unsigned long)e->rip);
	e = &user32_log[2];
	guest_check(e->rip == 0 && (uint16_t)e->cs == 3 && e->rsp == 0 && e->ss == FLAT_USER_SS,
		    "%s: sysenter's frame is Xen's: rip 0, cs 3, rsp 0, ss %x (%lx %lx %lx %lx)", run,
		    (unsigned int)FLAT_USER_SS, (unsigned long)e->rip, (unsigned long)e->cs, (unsigned long)e->rsp,
		    (unsigned long)e->ss);
	e = &user32_log[3];
	guest_check(e->vector == 14 && e->error == 4 && e->rip == USER32_ALIAS(user32_pf) &&
			    vcpu0->arch.cr2 == USER32_UNMAPPED,
		    "%s: a 32-bit read of an unmapped page is #PF with the user bit at its eip, CR2 %lx (%lx)", run,
		    (unsigned long)vcpu0->arch.cr2, (unsigned long)e->error);
	e = &user32_log[4];
	guest_check(e->vector == 0x80 && e->rax == USER32_DONE, "%s: the last int $0x80 ended the process", run);
	guest_check(e->rcx == 0x600d, "%s: a far call to Xen's 32-bit code selector ran its callee and lret came back "
		    "(ecx %lx)", run, (unsigned long)e->rcx);
}

/* own_cs/own_ss: the kernel's own 32-bit code and stack selectors for a
 * last run (0: none). */
static void test_user32(start_info_t *si, uint16_t own_cs, uint16_t own_ss)
{
	long rc = hypercall(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
			    (unsigned long)kernel_trap_stack + sizeof(kernel_trap_stack), 0, 0, 0);
	guest_check(rc == 0, "stack_switch: %ld", rc);
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	struct mmuext_op op = { .cmd = MMUEXT_NEW_USER_BASEPTR };
	op.arg1.mfn = p2m[(si->pt_base - GUEST_VIRT_BASE) >> 12];
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == 0, "user page tables (the kernel's own L4): %ld", rc);
	if (!user32_mirror(si, true))
		return;

	guest_puts("a 32-bit user process without syscall32 and sysenter callbacks\n");
	user32_run();
	user32_check_common("no callbacks");
	const volatile struct user32_event *e = &user32_log[1];
	guest_check(e->vector == 6 && e->rip == USER32_ALIAS(user32_syscall) && (e->rflags & USER32_RFLAGS_DF),
		    "syscall without a syscall32 callback is #UD at the instruction, DF kept (%lx)",
		    (unsigned long)e->rip);
	e = &user32_log[2];
	guest_check(e->vector == 13 && e->error == 0, "sysenter without a callback is #GP(0) (%u, %lx)", e->vector,
		    (unsigned long)e->error);

	rc = user32_register(CALLBACKTYPE_syscall32, syscall32_entry, CALLBACKF_mask_events);
	guest_check(rc == 0, "registering the syscall32 callback: %ld", rc);
	rc = user32_register(CALLBACKTYPE_sysenter, sysenter_entry, 0);
	guest_check(rc == 0, "registering the sysenter callback: %ld", rc);
	guest_puts("a 32-bit user process with syscall32 and sysenter callbacks\n");
	user32_run();
	user32_check_common("callbacks");
	e = &user32_log[1];
	guest_check(e->vector == 257 && e->rip == USER32_ALIAS(user32_after_syscall) && e->rcx == e->rip &&
			    e->r11 == e->rflags,
		    "syscall reached the syscall32 callback, returning after it, rcx and r11 its eip and flags");
	guest_check((e->rflags & USER32_RFLAGS_DF) && !(e->handler_rflags & USER32_RFLAGS_DF) &&
			    e->mask_in_handler == 1,
		    "the callback ran with DF clear and events masked (its flag), the frame keeps DF (%lx %lx)",
		    (unsigned long)e->rflags, (unsigned long)e->handler_rflags);
	e = &user32_log[2];
	guest_check(e->vector == 258 && e->mask_in_handler == 0,
		    "sysenter reached its callback, events left unmasked (%u)", e->vector);

	if (own_cs) {
		guest_puts("a 32-bit user process on the kernel's own selectors\n");
		user32_cs = own_cs;
		user32_ss = own_ss;
		user32_run();
		user32_check_common("own selectors");
		user32_cs = FLAT_USER_CS32;
		user32_ss = FLAT_USER_SS32;
	}

	user32_register(CALLBACKTYPE_syscall32, 0, 0);
	user32_register(CALLBACKTYPE_sysenter, 0, 0);
	user32_mirror(si, false);
}

#endif
