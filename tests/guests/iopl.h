/*
 * The virtual-IOPL checks both traps guests run in their kernel (64-bit,
 * and 32-bit in ring 1).  The including guest provides seen (count,
 * vector, error and the frame's flags as SEEN_FLAGS), expect(), ud_insn,
 * and a trap handler that writes its iret_iopl (when not ~0) into the
 * IOPL bits of the flags it returns with.
 *
 * Without a virtual IOPL, cli and in are #GP(0); with PHYSDEVOP_set_iopl
 * they are carried out as Xen does for a domain without I/O ports (cli
 * and sti do nothing, in reads all ones, out is dropped).  Exception
 * frames show the virtual IOPL only with the architectural_iopl assist,
 * which also makes the iret's flags set it.
 */
#ifndef GUEST_IOPL_H
#define GUEST_IOPL_H

#include "public/physdev.h"

__asm__(".text\ncli_insn: cli\nret\nin_insn: in $0x80, %al\nret\n");
void cli_insn(void), in_insn(void);

static long set_iopl(unsigned int iopl)
{
	struct physdev_set_iopl op = { .iopl = iopl };
	return hypercall(__HYPERVISOR_physdev_op, PHYSDEVOP_set_iopl, (unsigned long)&op, 0, 0, 0);
}

static long architectural_iopl(bool on)
{
	return hypercall(__HYPERVISOR_vm_assist, on ? VMASST_CMD_enable : VMASST_CMD_disable,
			 VMASST_TYPE_architectural_iopl, 0, 0, 0);
}

static unsigned int frame_iopl(void)
{
	return (unsigned int)(SEEN_FLAGS >> 12) & 3;
}

static void test_virtual_iopl(void)
{
	expect(13, cli_insn, 1, "cli without IOPL");
	guest_check(seen.error == 0, "cli without IOPL is #GP(0) (%lx)", (unsigned long)seen.error);
	expect(13, in_insn, 2, "in without IOPL");

	long rc = set_iopl(1);
	guest_check(rc == 0, "PHYSDEVOP_set_iopl 1: %ld", rc);
	rc = set_iopl(4);
	guest_check(rc == -22, "PHYSDEVOP_set_iopl 4 is -EINVAL: %ld", rc);
	unsigned int before = seen.count;
	uint32_t eax = 0x12345678;
	unsigned long wide = ~0ul;
	__asm__ volatile("cli\nsti\ninb $0x80, %%al" : "+a"(eax));
	guest_check(eax == 0x123456ff, "in %%al reads all ones and keeps the rest of eax (%x)", (unsigned)eax);
	eax = 0x12345678;
	__asm__ volatile("inw $0x71, %%ax" : "+a"(eax));
	guest_check(eax == 0x1234ffff, "in %%ax reads all ones (%x)", (unsigned)eax);
	__asm__ volatile("inl (%%dx), %%eax" : "+a"(wide) : "d"(0x3f8));
	guest_check(wide == 0xfffffffful, "in %%eax reads all ones, upper half cleared (%lx)", wide);
	__asm__ volatile("outb %%al, $0x80\noutl %%eax, (%%dx)" : : "a"(0), "d"(0xcf8));
	guest_check(seen.count == before, "with IOPL 1 the kernel's cli, sti, in and out do not fault (%u)",
		    seen.count - before);

	expect(6, ud_insn, 2, "ud2 with IOPL 1");
	guest_check(frame_iopl() == 0, "without the architectural_iopl assist frames show IOPL 0 (%u)",
		    frame_iopl());
	rc = architectural_iopl(true);
	guest_check(rc == 0, "enabling architectural_iopl: %ld", rc);
	expect(6, ud_insn, 2, "ud2 with the assist");
	guest_check(frame_iopl() == 1, "with it the frame shows the virtual IOPL 1 (%u)", frame_iopl());
	iret_iopl = 3;
	expect(6, ud_insn, 2, "ud2, returning with IOPL 3");
	iret_iopl = ~0ul;
	expect(6, ud_insn, 2, "ud2 after that iret");
	guest_check(frame_iopl() == 3, "iret's flags set the virtual IOPL (now %u)", frame_iopl());
	rc = architectural_iopl(false);
	guest_check(rc == 0, "disabling architectural_iopl: %ld", rc);
	rc = set_iopl(0);
	guest_check(rc == 0, "PHYSDEVOP_set_iopl 0: %ld", rc);
	expect(13, cli_insn, 1, "cli with IOPL 0 again");
}

#endif
