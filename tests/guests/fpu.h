/*
 * The lazy-FPU checks both traps guests run in their kernel (see iopl.h
 * for what the including guest provides; SEEN_IP is the frame's rip).  fpu_taskswitch sets the
 * guest's CR0.TS; the next x87 or SSE instruction is #NM, after which TS
 * is clear again (as Xen clears it); clts and a mov to CR0 that changes
 * only TS are emulated, a mov to CR0 that changes anything else is #GP.
 */
#ifndef GUEST_FPU_H
#define GUEST_FPU_H

#define CR0_TS 0x8ul
#define CR0_WP 0x10000ul

#ifdef __i386__
__asm__(".text\nfninit_insn: fninit\nret\nsse_insn: xorps %xmm0, %xmm0\nret\n"
	"cr0_wp_insn: mov %cr0, %eax\nbtr $16, %eax\ncr0_wp_at: mov %eax, %cr0\nret\n");
#else
__asm__(".text\nfninit_insn: fninit\nret\nsse_insn: xorps %xmm0, %xmm0\nret\n"
	"cr0_wp_insn: mov %cr0, %rax\nbtr $16, %rax\ncr0_wp_at: mov %rax, %cr0\nret\n");
#endif
void fninit_insn(void), sse_insn(void), cr0_wp_insn(void), cr0_wp_at(void);

static unsigned long read_cr0(void)
{
	unsigned long v;
	__asm__ volatile("mov %%cr0, %0" : "=r"(v));
	return v;
}

static long fpu_taskswitch(int set)
{
	return hypercall(__HYPERVISOR_fpu_taskswitch, (unsigned long)set, 0, 0, 0, 0);
}

static void test_lazy_fpu(void)
{
	guest_check(!(read_cr0() & CR0_TS), "CR0.TS starts clear (%lx)", read_cr0());
	long rc = fpu_taskswitch(1);
	guest_check(rc == 0 && (read_cr0() & CR0_TS), "fpu_taskswitch(1) sets TS: %ld", rc);
	expect(7, fninit_insn, 2, "fninit with TS set");
	guest_check(seen.error == (__typeof__(seen.error))~0ul && SEEN_IP == (unsigned long)fninit_insn,
		    "#NM at the x87 instruction, no error code");
	guest_check(!(read_cr0() & CR0_TS), "delivering #NM cleared TS (%lx)", read_cr0());
	fpu_taskswitch(1);
	expect(7, sse_insn, 3, "xorps with TS set");
	fpu_taskswitch(1);
	__asm__ volatile("clts");
	guest_check(!(read_cr0() & CR0_TS), "clts clears TS (%lx)", read_cr0());
	unsigned long cr0 = read_cr0() | CR0_TS;
	__asm__ volatile("mov %0, %%cr0" : : "r"(cr0));
	guest_check(read_cr0() == cr0, "mov to CR0 may set TS (%lx)", read_cr0());
	rc = fpu_taskswitch(0);
	guest_check(rc == 0 && !(read_cr0() & CR0_TS), "fpu_taskswitch(0) clears it: %ld", rc);
	expect(13, cr0_wp_insn, 3, "mov to CR0 clearing WP");
	guest_check(SEEN_IP == (unsigned long)cr0_wp_at && (read_cr0() & CR0_WP),
		    "changing another CR0 bit is #GP and changes nothing");
}

#endif
