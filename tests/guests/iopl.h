/*
 * The virtual-IOPL checks both traps guests run in their kernel (64-bit,
 * and 32-bit in ring 1).  The including guest provides seen (count,
 * vector, error and the frame's flags as SEEN_FLAGS), expect(), ud_insn,
 * and a trap handler that writes its iret_iopl (when not ~0) into the
 * IOPL bits of the flags it returns with.
 *
 * Without a virtual IOPL, cli and in are #GP(0); with PHYSDEVOP_set_iopl
 * they are carried out as Xen does for a domain without I/O ports (cli
 * and sti do nothing, in reads all ones, out is dropped; ins stores all
 * ones, outs reads its source, both moving their index and count
 * registers as the CPU does, up to a #PF the handler can resume from).
 * Exception
 * frames show the virtual IOPL only with the architectural_iopl assist,
 * which also makes the iret's flags set it.
 */
#ifndef GUEST_IOPL_H
#define GUEST_IOPL_H

#include "public/physdev.h"

__asm__(".text\ncli_insn: cli\nret\nin_insn: in $0x80, %al\nret\ninsb_insn: insb\nret\n");
void cli_insn(void), in_insn(void), insb_insn(void);

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

/* ins/outs at the end of a page whose successor is unmapped. */
static uint8_t io_pages[2][4096] __attribute__((aligned(4096)));

static long unmap_page(const void *va)
{
#ifdef __x86_64__
	return hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)va, 0, UVMF_INVLPG | UVMF_LOCAL, 0, 0);
#else /* the PTE in two halves */
	return hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)va, 0, 0, UVMF_INVLPG | UVMF_LOCAL, 0);
#endif
}

static void test_string_io(void)
{
	uint8_t *buf = io_pages[0];
	unsigned long di = (unsigned long)buf, si, cx = 5;
	for (unsigned int i = 0; i < 16; i++)
		buf[i] = 0x11;
	__asm__ volatile("rep insb" : "+D"(di), "+c"(cx) : "d"(0x80) : "memory");
	guest_check(buf[0] == 0xff && buf[4] == 0xff && buf[5] == 0x11 && di == (unsigned long)buf + 5 && cx == 0,
		    "rep insb stores 5 bytes of all ones, rdi +5, rcx 0 (%x %x, %lx, %lu)", buf[4], buf[5],
		    di - (unsigned long)buf, cx);
	di = (unsigned long)&buf[10];
	__asm__ volatile("std\ninsw\ncld" : "+D"(di) : "d"(0x71) : "memory");
	guest_check(buf[10] == 0xff && buf[11] == 0xff && buf[12] == 0x11 && di == (unsigned long)&buf[8],
		    "insw with DF set stores 2 bytes and moves rdi down (%x %x, %ld)", buf[11], buf[12],
		    (long)(di - (unsigned long)&buf[10]));
	si = (unsigned long)buf;
	cx = 3;
	__asm__ volatile("rep outsl" : "+S"(si), "+c"(cx) : "d"(0x3f8) : "memory");
	guest_check(si == (unsigned long)buf + 12 && cx == 0 && buf[12] == 0x11,
		    "rep outsl reads 3 elements and changes nothing (rsi +%lu, rcx %lu)", si - (unsigned long)buf, cx);

	unsigned int before = seen.count;
	long rc = unmap_page(io_pages[1]);
	guest_check(rc == 0, "unmapping the page after the buffer: %ld", rc);
	di = (unsigned long)&io_pages[0][4093];
	cx = 8;
	skip = 2; /* the handler returns past the instruction */
	__asm__ volatile("ins_fault: rep insb\n" : "+D"(di), "+c"(cx) : "d"(0x80) : "memory");
	skip = 0;
	extern char ins_fault[];
	guest_check(seen.count == before + 1 && seen.vector == 14 && (seen.error & 3) == 2 &&
			    SEEN_IP == (unsigned long)ins_fault,
		    "rep insb into an unmapped page is a not-present write #PF at the instruction (%u, %lx)",
		    seen.vector, (unsigned long)seen.error);
	guest_check(vcpu0->arch.cr2 == (unsigned long)io_pages[1], "CR2 is the first byte of the unmapped page");
	guest_check(di == (unsigned long)io_pages[1] && cx == 5 && io_pages[0][4095] == 0xff,
		    "the elements before it are done: rdi at the page, rcx 5 (%lx, %lu)", di, cx);
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
	expect(13, insb_insn, 1, "insb without IOPL");

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
	test_string_io();

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
