/*
 * Xen ELF notes: what a PV kernel tells the domain builder about itself,
 * in notes named "Xen" (PT_NOTE segments).  Numeric values are 4 or 8
 * bytes, strings NUL-terminated.
 */
#ifndef XG_PUBLIC_ELFNOTE_H
#define XG_PUBLIC_ELFNOTE_H

#define XEN_ELFNOTE_INFO 0           /* (obsolete) free-form information */
#define XEN_ELFNOTE_ENTRY 1          /* virtual entry address */
#define XEN_ELFNOTE_HYPERCALL_PAGE 2 /* virtual address of the hypercall page */
#define XEN_ELFNOTE_VIRT_BASE 3      /* virtual address where the mapping starts */
#define XEN_ELFNOTE_PADDR_OFFSET 4   /* virt = paddr + VIRT_BASE - PADDR_OFFSET */
#define XEN_ELFNOTE_XEN_VERSION 5    /* "xen-3.0" */
#define XEN_ELFNOTE_GUEST_OS 6       /* e.g. "linux" */
#define XEN_ELFNOTE_GUEST_VERSION 7
#define XEN_ELFNOTE_LOADER 8         /* "generic" */
#define XEN_ELFNOTE_PAE_MODE 9       /* "yes", "no", "yes[extended-cr3]", "bimodal" */
#define XEN_ELFNOTE_FEATURES 10      /* '|'-separated XENFEAT names; '!' = required */
#define XEN_ELFNOTE_BSD_SYMTAB 11    /* "yes": load the symbol table too */
#define XEN_ELFNOTE_HV_START_LOW 12  /* lowest hypervisor address a 32-bit guest allows */
#define XEN_ELFNOTE_L1_MFN_VALID 13  /* mask and value that mark valid L1 entries */
#define XEN_ELFNOTE_SUSPEND_CANCEL 14 /* the guest supports suspend cancellation */
#define XEN_ELFNOTE_INIT_P2M 15      /* virtual address for the initial P2M list */
#define XEN_ELFNOTE_MOD_START_PFN 16 /* mod_start may be given as a pfn */
#define XEN_ELFNOTE_SUPPORTED_FEATURES 17 /* XENFEAT bitmap the kernel supports */
#define XEN_ELFNOTE_PHYS32_ENTRY 18  /* 32-bit physical entry (PVH) */
#define XEN_ELFNOTE_MAX XEN_ELFNOTE_PHYS32_ENTRY

/* Notes in crash dumps. */
#define XEN_ELFNOTE_CRASH_INFO 0x1000001
#define XEN_ELFNOTE_CRASH_REGS 0x1000002
#define XEN_ELFNOTE_DUMPCORE_NONE 0x2000000
#define XEN_ELFNOTE_DUMPCORE_HEADER 0x2000001
#define XEN_ELFNOTE_DUMPCORE_XEN_VERSION 0x2000002
#define XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION 0x2000003

#endif
