/*
 * The debug-register checks both traps guests run in their kernel (see
 * iopl.h for what the including guest provides; SEEN_IP is the frame's
 * rip, SEEN_COUNT the number of frames seen, and the guest's #DB handler
 * returns with TF clear and RF set).
 * set_debugreg and get_debugreg with Xen's rules (no breakpoints on the
 * hypervisor's range, DR6/DR7 within 32 bits with their fixed bits, no
 * general detect, no I/O breakpoints, DR4/DR5 as DR6/DR7), mov to and from
 * %drN, an instruction breakpoint that fires once with B0 in DR6, a
 * single step with BS, a write breakpoint (R/W 01) and a read/write one
 * (R/W 11) firing after the instruction that touched their bytes, with
 * its effect kept, and accesses beside them or of the wrong kind not
 * firing.
 */
#ifndef GUEST_DEBUGREG_H
#define GUEST_DEBUGREG_H

#define ENODEV 19
#define DR6_DEFAULT 0xffff0ff0ul
#define DR7_DEFAULT 0x400ul

/* Data breakpoints watch dbg_watched[1]; the accesses: a store to it, a
 * load of it, a store beside it. */
volatile uint32_t dbg_watched[4] __attribute__((aligned(16)));
#ifdef __i386__
__asm__(".text\nbp_target: nop\nret\n"
	"step_insn: pushf\norl $0x100, (%esp)\npopf\nnop\nstep_after: ret\n"
	"dw_store: movl $1, dbg_watched + 4\ndw_store_after: ret\n"
	"dw_load: movl dbg_watched + 4, %eax\ndw_load_after: ret\n"
	"dw_store_beside: movl $2, dbg_watched + 8\nret\n");
#else
__asm__(".text\nbp_target: nop\nret\n"
	"step_insn: pushf\norq $0x100, (%rsp)\npopf\nnop\nstep_after: ret\n"
	"dw_store: movl $1, dbg_watched + 4(%rip)\ndw_store_after: ret\n"
	"dw_load: movl dbg_watched + 4(%rip), %eax\ndw_load_after: ret\n"
	"dw_store_beside: movl $2, dbg_watched + 8(%rip)\nret\n");
#endif
void bp_target(void), step_insn(void), step_after(void);
void dw_store(void), dw_store_after(void), dw_load(void), dw_load_after(void), dw_store_beside(void);

static long set_dr(unsigned int reg, unsigned long value)
{
	return hypercall(__HYPERVISOR_set_debugreg, reg, value, 0, 0, 0);
}

static unsigned long get_dr(unsigned int reg)
{
	return (unsigned long)hypercall(__HYPERVISOR_get_debugreg, reg, 0, 0, 0, 0);
}

/* DR7 for breakpoint n: L<n>, R/W and LEN (1, 2, 4 or 8 bytes). */
static unsigned long dr7_data(unsigned int n, unsigned int rw, unsigned int len)
{
	unsigned int len_field = len == 1 ? 0 : len == 2 ? 1 : len == 8 ? 2 : 3;
	return 1ul << (2 * n) | (unsigned long)(rw | len_field << 2) << (16 + 4 * n);
}

/* Arm data breakpoint n alone on dbg_watched[1] and check that it took. */
static void arm_data_breakpoint(unsigned int n, unsigned int rw, unsigned int len)
{
	long rc = set_dr(n, (unsigned long)&dbg_watched[1]);
	if (rc == 0)
		rc = set_dr(7, dr7_data(n, rw, len));
	guest_check(rc == 0 && get_dr(7) == (DR7_DEFAULT | dr7_data(n, rw, len)),
		    "data breakpoint %u (R/W %u, %u bytes) is armed: %ld", n, rw, len, rc);
}

/* access fires breakpoint n: #DB with rip at after, B<n> alone in DR6. */
static void expect_data_hit(bool hw_breakpoints, unsigned int n, void (*access)(void), void (*after)(void),
			    const char *what)
{
	if (!hw_breakpoints) {
		unsigned int before = SEEN_COUNT;
		access();
		guest_printf("SKIP: whether %s fires it (nohwbp; here it %s)\n", what,
			     SEEN_COUNT != before ? "did" : "did not");
		set_dr(6, 0);
		return;
	}
	expect(1, access, 0, what);
	guest_check(SEEN_IP == (unsigned long)after && (get_dr(6) & 0xf) == 1u << n,
		    "%s: #DB after it, B%u in DR6 (%lx)", what, n, get_dr(6));
	set_dr(6, 0);
}

/* A write breakpoint (DR0, 4 bytes) and a read/write one (DR1: 8 bytes
 * rounded down to cover dbg_watched[0-1] in a 64-bit guest, 2 bytes in a
 * 32-bit one), each with accesses that must not fire it. */
static void test_data_breakpoints(bool hw_breakpoints)
{
	arm_data_breakpoint(0, 1, 4);
	unsigned int before = SEEN_COUNT;
	dw_load();
	dw_store_beside();
	guest_check(SEEN_COUNT == before && dbg_watched[2] == 2,
		    "a load of its bytes and a store beside them do not fire it");
	expect_data_hit(hw_breakpoints, 0, dw_store, dw_store_after, "a store to the watched bytes");
	guest_check(dbg_watched[1] == 1, "the store was done");
	arm_data_breakpoint(1, 3, sizeof(long) == 8 ? 8 : 2);
	before = SEEN_COUNT;
	dw_store_beside();
	guest_check(SEEN_COUNT == before, "a store beside its bytes does not fire it");
	expect_data_hit(hw_breakpoints, 1, dw_load, dw_load_after, "a load of the watched bytes");
	set_dr(7, 0);
	set_dr(6, 0);
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
	test_data_breakpoints(hw_breakpoints);
}

#endif
