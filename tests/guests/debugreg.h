/*
 * The debug-register checks both traps guests run in their kernel (see
 * iopl.h for what the including guest provides; SEEN_IP is the frame's
 * rip, and the guest's #DB handler returns with TF clear and RF set).
 * set_debugreg and get_debugreg with Xen's rules (no breakpoints on the
 * hypervisor's range, DR6/DR7 within 32 bits with their fixed bits, no
 * general detect, no I/O breakpoints, DR4/DR5 as DR6/DR7), mov to and from
 * %drN, an instruction breakpoint that fires once with B0 in DR6, and a
 * single step with BS.
 */
#ifndef GUEST_DEBUGREG_H
#define GUEST_DEBUGREG_H

#define ENODEV 19
#define DR6_DEFAULT 0xffff0ff0ul
#define DR7_DEFAULT 0x400ul

#ifdef __i386__
__asm__(".text\nbp_target: nop\nret\n"
	"step_insn: pushf\norl $0x100, (%esp)\npopf\nnop\nstep_after: ret\n");
#else
__asm__(".text\nbp_target: nop\nret\n"
	"step_insn: pushf\norq $0x100, (%rsp)\npopf\nnop\nstep_after: ret\n");
#endif
void bp_target(void), step_insn(void), step_after(void);

static long set_dr(unsigned int reg, unsigned long value)
{
	return hypercall(__HYPERVISOR_set_debugreg, reg, value, 0, 0, 0);
}

static unsigned long get_dr(unsigned int reg)
{
	return (unsigned long)hypercall(__HYPERVISOR_get_debugreg, reg, 0, 0, 0, 0);
}

/* hw_breakpoints: false where the platform is known not to fire them
 * (the command line says "nohwbp"); the rest is checked everywhere. */
static void test_debug_registers(bool hw_breakpoints)
{
	guest_check(get_dr(6) == DR6_DEFAULT && get_dr(7) == DR7_DEFAULT, "DR6 and DR7 start at %lx and %lx (%lx %lx)",
		    DR6_DEFAULT, DR7_DEFAULT, get_dr(6), get_dr(7));
	long rc = set_dr(0, (unsigned long)bp_target);
	guest_check(rc == 0 && get_dr(0) == (unsigned long)bp_target, "DR0 holds a kernel address: %ld", rc);
#ifndef __i386__
	rc = set_dr(1, 0xffff800000001000ul);
	guest_check(rc == -1, "a breakpoint on the hypervisor's range is -EPERM: %ld", rc);
	rc = set_dr(7, 1ul << 32);
	guest_check(rc == -22, "DR7 beyond 32 bits is -EINVAL: %ld", rc);
#endif
	rc = set_dr(7, 0x2000);
	guest_check(rc == -1, "general detect is -EPERM: %ld", rc);
	rc = set_dr(7, 0x1 | 2ul << 16);
	guest_check(rc == -1, "an I/O breakpoint is -EPERM (no CR4.DE): %ld", rc);
	rc = set_dr(8, 0);
	guest_check(rc == -ENODEV, "DR8 is -ENODEV: %ld", rc);
	rc = set_dr(5, 0);
	guest_check(rc == 0 && get_dr(7) == DR7_DEFAULT && get_dr(5) == DR7_DEFAULT,
		    "DR5 is DR7 and keeps its fixed bit: %ld %lx", rc, get_dr(7));
	unsigned long dr;
	__asm__ volatile("mov %%dr0, %0" : "=r"(dr));
	guest_check(dr == (unsigned long)bp_target, "mov from %%dr0 reads it (%lx)", dr);
	dr = 0x1234;
	__asm__ volatile("mov %0, %%dr1" : : "r"(dr));
	guest_check(get_dr(1) == 0x1234, "mov to %%dr1 writes it (%lx)", get_dr(1));

	rc = set_dr(7, 0x1); /* L0, execute, one byte */
	guest_check(rc == 0 && get_dr(7) == (DR7_DEFAULT | 1), "an instruction breakpoint is armed: %ld", rc);
	if (hw_breakpoints) {
		expect(1, bp_target, 0, "call a function with a breakpoint on it");
		guest_check(SEEN_IP == (unsigned long)bp_target && (get_dr(6) & 0xf) == 1,
			    "#DB before its first instruction, B0 in DR6 (%lx)", get_dr(6));
	} else {
		guest_puts("SKIP: whether the breakpoint fires (nohwbp: this platform does not)\n");
	}
	set_dr(7, 0);
	set_dr(6, 0);
	guest_check(get_dr(6) == DR6_DEFAULT, "DR6 cleared back to its fixed bits (%lx)", get_dr(6));

	expect(1, step_insn, 0, "set TF with popf");
	guest_check(SEEN_IP == (unsigned long)step_after && (get_dr(6) & 0x4000),
		    "a single step traps after the next instruction with BS in DR6 (%lx)", get_dr(6));
	set_dr(6, 0);
}

#endif
