/*
 * XG guest ABI: Xen ELF notes.
 *
 * A PV (or PVH) kernel describes itself to the domain builder with ELF
 * notes of name "Xen" (in PT_NOTE segments or SHT_NOTE sections).  Numeric
 * descriptors are 4 or 8 bytes, little-endian; strings are NUL-terminated.
 * Crash-dump notes live in the same number space.
 */
#ifndef XG_PUBLIC_ELFNOTE_H
#define XG_PUBLIC_ELFNOTE_H

#define XEN_ELFNOTE_INFO 0            /* (obsolete) free-form text */
#define XEN_ELFNOTE_ENTRY 1           /* number: virtual entry point */
#define XEN_ELFNOTE_HYPERCALL_PAGE 2  /* number: virtual address for a hypercall page */
#define XEN_ELFNOTE_VIRT_BASE 3       /* number: virtual address the image is linked at */
#define XEN_ELFNOTE_PADDR_OFFSET 4    /* number: VIRT_BASE minus the segments' paddr base */
#define XEN_ELFNOTE_XEN_VERSION 5     /* string: interface version, "xen-3.0" */
#define XEN_ELFNOTE_GUEST_OS 6        /* string: e.g. "linux" */
#define XEN_ELFNOTE_GUEST_VERSION 7   /* string: the kernel's version */
#define XEN_ELFNOTE_LOADER 8          /* string: "generic" */
#define XEN_ELFNOTE_PAE_MODE 9        /* string: "yes", "no", "yes[extended-cr3]", "bimodal" */
#define XEN_ELFNOTE_FEATURES 10       /* string: XENFEAT names joined by '|'; '!' = required */
#define XEN_ELFNOTE_BSD_SYMTAB 11     /* string: "yes" = load the symbol table after the image */
#define XEN_ELFNOTE_HV_START_LOW 12   /* number: 32-bit guests: lowest hypervisor address */
#define XEN_ELFNOTE_L1_MFN_VALID 13   /* numbers: mask and value of L1 entries holding MFNs */
#define XEN_ELFNOTE_SUSPEND_CANCEL 14 /* number: the kernel can resume after a cancelled suspend */
#define XEN_ELFNOTE_INIT_P2M 15       /* number: virtual address for the initial P2M list */
#define XEN_ELFNOTE_MOD_START_PFN 16  /* number: start_info.mod_start may be a pfn */
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17 /* number: bitmap of XENFEAT_* the kernel supports */
#define XEN_ELFNOTE_PHYS32_ENTRY 18   /* number: 32-bit physical entry point (PVH) */
#define XEN_ELFNOTE_PHYS32_RELOC 19   /* numbers: PVH relocation range (Xen 4.19) */
#define XEN_ELFNOTE_MAX XEN_ELFNOTE_PHYS32_RELOC /* highest note number above */

/* Crash notes (kexec). */
#define XEN_ELFNOTE_CRASH_INFO 0x1000001 /* hypervisor crash information */
#define XEN_ELFNOTE_CRASH_REGS 0x1000002 /* registers at the crash */

/* Notes of the dump-core file format. */
#define XEN_ELFNOTE_DUMPCORE_NONE 0x2000000           /* placeholder */
#define XEN_ELFNOTE_DUMPCORE_HEADER 0x2000001         /* xen_dumpcore_elfnote_header */
#define XEN_ELFNOTE_DUMPCORE_XEN_VERSION 0x2000002    /* version information */
#define XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION 0x2000003 /* format version */

#endif
