/*
 * Guest entry: the builder starts vCPU 0 here with &start_info in rsi/esi
 * and the stack pointer at the top of the boot stack: in 64-bit mode at
 * CPL 3 (pv64), or in 32-bit protected mode at CPL 1 (pv32pae, built with
 * -m32).  The framework clears .bss, runs guest_main(), prints its RESULT
 * line and powers off.
 */
#include "guest.h"

#ifdef GUEST_XEN_GUEST_SECTION
/* The legacy way (hello32): no Xen ELF notes at all, only the __xen_guest
 * string, which is how Xen lets a 32-bit kernel declare plain PAE (its L3
 * must lie below 4 GiB).  HYPERCALL_PAGE is a page number relative to
 * VIRT_BASE; the linker script computes its hex digits. */
__asm__(".pushsection __xen_guest, \"\", @progbits\n"
	".ascii \"GUEST_OS=XG-test,GUEST_VER=1,XEN_VER=xen-3.0,LOADER=generic,\"\n"
	".ascii \"VIRT_BASE=" GUEST_XSTR(GUEST_VIRT_BASE) ",ELF_PADDR_OFFSET=0,\"\n"
	".ascii \"HYPERCALL_PAGE=0x\"\n"
	".byte __xen_guest_hypercall_page_hex2, __xen_guest_hypercall_page_hex1\n"
	".byte __xen_guest_hypercall_page_hex0\n"
	".asciz \",PAE=yes\"\n"
	".popsection\n");
#else
/* Notes every test guest carries (see docs/test-guests.md). */
__asm__(XEN_NOTE(XEN_ELFNOTE_GUEST_OS, ".asciz \"XG-test\"")
	XEN_NOTE(XEN_ELFNOTE_GUEST_VERSION, ".asciz \"1\"")
	XEN_NOTE(XEN_ELFNOTE_XEN_VERSION, ".asciz \"xen-3.0\"")
	XEN_NOTE(XEN_ELFNOTE_LOADER, ".asciz \"generic\"")
	XEN_NOTE(XEN_ELFNOTE_FEATURES, ".asciz \"\""));
#endif

#ifdef __i386__
#ifndef GUEST_XEN_GUEST_SECTION
/* A 32-bit PV kernel must use PAE paging.  A PAE_MODE note of "yes" is
 * how Xen's libelf reads extended-CR3 support (the L3 may lie anywhere);
 * plain PAE has no note spelling, hence __xen_guest above. */
__asm__(XEN_NOTE(XEN_ELFNOTE_VIRT_BASE, ".long " GUEST_XSTR(GUEST_VIRT_BASE))
	XEN_NOTE(XEN_ELFNOTE_PADDR_OFFSET, ".long 0")
	XEN_NOTE(XEN_ELFNOTE_ENTRY, ".long _start")
	XEN_NOTE(XEN_ELFNOTE_PAE_MODE, ".asciz \"yes\""));
#endif

__asm__(".pushsection .text.entry, \"ax\"\n"
	".globl _start\n"
	"_start:\n"
	"	mov %esi, %ebx\n"
	"	mov $__bss_start, %edi\n"
	"	mov $__bss_end, %ecx\n"
	"	sub %edi, %ecx\n"
	"	xor %eax, %eax\n"
	"	cld\n"
	"	rep stosb\n"
	"	and $-16, %esp\n"
	"	sub $12, %esp\n"
	"	push %ebx\n"
	"	call guest_start\n"
	"	ud2\n"
	".popsection\n");
#else
__asm__(XEN_NOTE(XEN_ELFNOTE_VIRT_BASE, ".quad " GUEST_XSTR(GUEST_VIRT_BASE))
	XEN_NOTE(XEN_ELFNOTE_PADDR_OFFSET, ".quad 0")
	XEN_NOTE(XEN_ELFNOTE_ENTRY, ".quad _start"));

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
#endif

void guest_start(start_info_t *si);
void guest_start(start_info_t *si)
{
	guest_start_info = si;
	int result = guest_main(si);
	guest_finish(result);
}
