/*
 * Guest entry: the builder starts vCPU 0 here in 64-bit mode at CPL 3 with
 * rsi = &start_info and rsp at the top of the boot stack.  The framework
 * clears .bss, runs guest_main(), prints its RESULT line and powers off.
 */
#include "guest.h"

/* Notes every test guest carries (see docs/test-guests.md). */
__asm__(XEN_NOTE(XEN_ELFNOTE_GUEST_OS, ".asciz \"XG-test\"")
	XEN_NOTE(XEN_ELFNOTE_GUEST_VERSION, ".asciz \"1\"")
	XEN_NOTE(XEN_ELFNOTE_XEN_VERSION, ".asciz \"xen-3.0\"")
	XEN_NOTE(XEN_ELFNOTE_LOADER, ".asciz \"generic\"")
	XEN_NOTE(XEN_ELFNOTE_VIRT_BASE, ".quad 0xffffffff80000000")
	XEN_NOTE(XEN_ELFNOTE_PADDR_OFFSET, ".quad 0")
	XEN_NOTE(XEN_ELFNOTE_ENTRY, ".quad _start")
	XEN_NOTE(XEN_ELFNOTE_FEATURES, ".asciz \"\""));

__asm__(".pushsection .text.entry, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"	mov %rsi, %r12\n"
	"	lea __bss_start(%rip), %rdi\n"
	"	lea __bss_end(%rip), %rcx\n"
	"	sub %rdi, %rcx\n"
	"	xor %eax, %eax\n"
	"	cld\n"
	"	rep stosb\n"
	"	mov %r12, %rdi\n"
	"	and $-16, %rsp\n"
	"	call guest_start\n"
	"	ud2\n"
	".popsection\n");

void guest_start(start_info_t *si);
void guest_start(start_info_t *si)
{
	guest_start_info = si;
	int result = guest_main(si);
	guest_finish(result);
}
