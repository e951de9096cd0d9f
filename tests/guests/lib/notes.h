/*
 * Emitting Xen ELF notes from assembly or C (top-level asm).  A note is
 * namesz, descsz, type, the name "Xen" and the descriptor, each 4-aligned.
 */
#ifndef GUEST_NOTES_H
#define GUEST_NOTES_H

#include "public/elfnote.h"

#define GUEST_STR(x) #x
#define GUEST_XSTR(x) GUEST_STR(x)

#define XEN_NOTE(type, desc)                                                                       \
	".pushsection .note.Xen, \"a\", @note\n"                                                   \
	".balign 4\n"                                                                              \
	".long 2f - 1f\n"                                                                          \
	".long 4f - 3f\n"                                                                          \
	".long " GUEST_XSTR(type) "\n"                                                             \
	"1: .asciz \"Xen\"\n"                                                                      \
	"2: .balign 4\n"                                                                           \
	"3: " desc "\n"                                                                            \
	"4: .balign 4\n"                                                                           \
	".popsection\n"

#endif
