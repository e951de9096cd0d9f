/*
 * XG guest ABI: the E820 memory-map entry (XG's header, not in Xen's set).
 *
 * XENMEM_memory_map, XENMEM_machine_memory_map and XENMEM_set_memory_map
 * exchange arrays of entries "in the format of the BIOS INT 15h, AX=E820h
 * call"; Xen's public headers do not spell that format out, so it is
 * written down here: 20 bytes, no padding.
 */
#ifndef XG_PUBLIC_ARCH_X86_E820_H
#define XG_PUBLIC_ARCH_X86_E820_H

#include "../xen.h"

/* Region types. */
#define E820_RAM 1       /* usable RAM */
#define E820_RESERVED 2  /* reserved, not usable */
#define E820_ACPI 3      /* ACPI tables, reclaimable */
#define E820_NVS 4       /* ACPI non-volatile storage */
#define E820_UNUSABLE 5  /* bad memory */

#ifndef __ASSEMBLY__
/* One region of a memory map. */
struct e820entry {
	uint64_t addr; /* first byte */
	uint64_t size; /* length in bytes */
	uint32_t type; /* E820_* */
} __attribute__((packed));

XG_ABI_SIZE(struct e820entry, 20, 20)
XG_ABI_OFFSET(struct e820entry, size, 8, 8)
XG_ABI_OFFSET(struct e820entry, type, 16, 16)
#endif

#endif
