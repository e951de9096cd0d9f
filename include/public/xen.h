/*
 * XG guest ABI: the core of the Xen interface.
 *
 * Hypercall numbers, domain ids, virtual IRQs, page-table update requests,
 * multicalls, and the pages a PV guest shares with the hypervisor
 * (shared_info, vcpu_info, start_info).  Binary-compatible with Xen's
 * public xen.h (latest interface version: no legacy variants); the text is
 * XG's own.  Include as "public/xen.h" with -I<repo>/include.
 *
 * Every header of this directory ends with _Static_assert checks of the
 * sizes and offsets of its structures for the width being compiled
 * (__x86_64__ or __i386__); tests/unit/abi compares everything against
 * Xen's own headers.  The 32-bit layouts, as a 64-bit hypervisor sees
 * them, are in compat/x86_32.h.
 */
#ifndef XG_PUBLIC_XEN_H
#define XG_PUBLIC_XEN_H

#include "xen-compat.h"

#ifndef __ASSEMBLY__
#include <stddef.h>
#include <stdint.h>
#endif

/* ---- helpers used by all headers ----------------------------------------- */

/* Constants of a fixed C type (unsigned, unsigned long, unsigned long
 * long); the argument is macro-expanded first.  Plain in assembly. */
#ifdef __ASSEMBLY__
#define xen_mk_uint(x) x
#define xen_mk_ulong(x) x
#define xen_mk_ullong(x) x
#else
#define __xen_mk_uint(x) x##U
#define __xen_mk_ulong(x) x##UL
#ifndef __xen_mk_ullong
#define __xen_mk_ullong(x) x##ULL
#endif
#define xen_mk_uint(x) __xen_mk_uint(x)
#define xen_mk_ulong(x) __xen_mk_ulong(x)
#define xen_mk_ullong(x) __xen_mk_ullong(x)
#endif

/* Dimension of a trailing variable-length array member. */
#define XEN_FLEX_ARRAY_DIM

/*
 * XG_ABI_*: compile-time layout checks (XG's, not Xen's).  XG_ABI_PICK
 * chooses the 64-bit or the 32-bit expected value; C++ before C++11 and
 * C before C11 skip the checks.
 */
#if defined(__cplusplus) && __cplusplus >= 201103L
#define XG_ABI_ASSERT(cond) static_assert(cond, #cond);
#elif !defined(__cplusplus) && defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define XG_ABI_ASSERT(cond) _Static_assert(cond, #cond);
#else
#define XG_ABI_ASSERT(cond)
#endif
#if defined(__x86_64__)
#define XG_ABI_PICK(n64, n32) (n64)
#else
#define XG_ABI_PICK(n64, n32) (n32)
#endif
#define XG_ABI_SIZE(type, n64, n32) XG_ABI_ASSERT(sizeof(type) == XG_ABI_PICK(n64, n32))
#define XG_ABI_OFFSET(type, member, n64, n32)                                                      \
	XG_ABI_ASSERT(offsetof(type, member) == XG_ABI_PICK(n64, n32))

/* Guest handles, frame numbers, selectors, trap tables, vCPU context. */
#include "arch-x86/xen.h"

#ifndef __ASSEMBLY__
/* Handles of the basic types (Xen defines long/ulong ones only for old
 * interface versions; they are kept here for existing callers). */
DEFINE_XEN_GUEST_HANDLE(char);
__DEFINE_XEN_GUEST_HANDLE(uchar, unsigned char);
DEFINE_XEN_GUEST_HANDLE(int);
__DEFINE_XEN_GUEST_HANDLE(uint, unsigned int);
DEFINE_XEN_GUEST_HANDLE(long);
__DEFINE_XEN_GUEST_HANDLE(ulong, unsigned long);
DEFINE_XEN_GUEST_HANDLE(void);
DEFINE_XEN_GUEST_HANDLE(uint64_t);
DEFINE_XEN_GUEST_HANDLE(xen_pfn_t);
DEFINE_XEN_GUEST_HANDLE(xen_ulong_t);
#endif

/* ---- hypercall numbers (rax / eax) ---------------------------------------- */
#define __HYPERVISOR_set_trap_table 0          /* install the virtual IDT */
#define __HYPERVISOR_mmu_update 1              /* batch of page-table / M2P writes */
#define __HYPERVISOR_set_gdt 2                 /* install GDT frames */
#define __HYPERVISOR_stack_switch 3            /* set the kernel stack (ss, sp) */
#define __HYPERVISOR_set_callbacks 4           /* event and failsafe callbacks */
#define __HYPERVISOR_fpu_taskswitch 5          /* set or clear CR0.TS */
#define __HYPERVISOR_sched_op_compat 6         /* old form of sched_op */
#define __HYPERVISOR_platform_op 7             /* host platform control (dom0) */
#define __HYPERVISOR_set_debugreg 8            /* write a debug register */
#define __HYPERVISOR_get_debugreg 9            /* read a debug register */
#define __HYPERVISOR_update_descriptor 10      /* write one GDT/LDT descriptor */
/* 11 is unused */
#define __HYPERVISOR_memory_op 12              /* memory reservation (memory.h) */
#define __HYPERVISOR_multicall 13              /* several hypercalls in one */
#define __HYPERVISOR_update_va_mapping 14      /* write the PTE mapping one address */
#define __HYPERVISOR_set_timer_op 15           /* one-shot timer (absolute ns) */
#define __HYPERVISOR_event_channel_op_compat 16 /* old form of event_channel_op */
#define __HYPERVISOR_xen_version 17            /* version and features (version.h) */
#define __HYPERVISOR_console_io 18             /* hypervisor console (CONSOLEIO_*) */
#define __HYPERVISOR_physdev_op_compat 19      /* old form of physdev_op */
#define __HYPERVISOR_grant_table_op 20         /* grant tables */
#define __HYPERVISOR_vm_assist 21              /* enable/disable a VM assist */
#define __HYPERVISOR_update_va_mapping_otherdomain 22 /* same, in a foreign domain */
#define __HYPERVISOR_iret 23                   /* return from an exception/event (x86) */
#define __HYPERVISOR_vcpu_op 24                /* vCPU control (vcpu.h) */
#define __HYPERVISOR_set_segment_base 25       /* FS/GS bases (64-bit guests only) */
#define __HYPERVISOR_mmuext_op 26              /* pins, base pointers, flushes */
#define __HYPERVISOR_xsm_op 27                 /* security module */
#define __HYPERVISOR_nmi_op 28                 /* NMI callback */
#define __HYPERVISOR_sched_op 29               /* yield, block, shutdown (sched.h) */
#define __HYPERVISOR_callback_op 30            /* register callbacks */
#define __HYPERVISOR_xenoprof_op 31            /* profiling */
#define __HYPERVISOR_event_channel_op 32       /* event channels (event_channel.h) */
#define __HYPERVISOR_physdev_op 33             /* physical devices, IRQs */
#define __HYPERVISOR_hvm_op 34                 /* HVM/PVH parameters */
#define __HYPERVISOR_sysctl 35                 /* toolstack: host-wide control */
#define __HYPERVISOR_domctl 36                 /* toolstack: domain control */
#define __HYPERVISOR_kexec_op 37               /* kexec */
#define __HYPERVISOR_tmem_op 38                /* transcendent memory (removed) */
#define __HYPERVISOR_argo_op 39                /* Argo inter-domain messages */
#define __HYPERVISOR_xenpmu_op 40              /* PMU virtualisation */
#define __HYPERVISOR_dm_op 41                  /* device-model operations */
#define __HYPERVISOR_hypfs_op 42               /* hypervisor file system */
/* 48-55: numbers each architecture defines for itself (x86: see
 * arch-x86/xen-mca.h for arch_0). */
#define __HYPERVISOR_arch_0 48
#define __HYPERVISOR_arch_1 49
#define __HYPERVISOR_arch_2 50
#define __HYPERVISOR_arch_3 51
#define __HYPERVISOR_arch_4 52
#define __HYPERVISOR_arch_5 53
#define __HYPERVISOR_arch_6 54
#define __HYPERVISOR_arch_7 55

/* ---- virtual IRQs (bound with EVTCHNOP_bind_virq) ------------------------- */
/* "per vCPU" ones are bound per vCPU; the others once, to one vCPU. */
#define VIRQ_TIMER 0       /* per vCPU: timer expired / time update */
#define VIRQ_DEBUG 1       /* per vCPU: dump debug state, please */
#define VIRQ_CONSOLE 2     /* control domain: hypervisor console input */
#define VIRQ_DOM_EXC 3     /* control domain: a domain changed state */
#define VIRQ_TBUF 4        /* control domain: trace records available */
#define VIRQ_DEBUGGER 6    /* control domain: a domain paused for a debugger */
#define VIRQ_XENOPROF 7    /* per vCPU: profiling sample ready */
#define VIRQ_CON_RING 8    /* control domain: hypervisor console ring has data */
#define VIRQ_PCPU_STATE 9  /* control domain: a physical CPU changed state */
#define VIRQ_MEM_EVENT 10  /* control domain: a memory event occurred */
#define VIRQ_ARGO 11       /* an Argo message arrived */
#define VIRQ_ENOMEM 12     /* control domain: hypervisor heap is low */
#define VIRQ_XENPMU 13     /* per vCPU: PMU interrupt */
#define VIRQ_ARCH_0 16     /* 16-23: architecture-specific */
#define VIRQ_ARCH_1 17
#define VIRQ_ARCH_2 18
#define VIRQ_ARCH_3 19
#define VIRQ_ARCH_4 20
#define VIRQ_ARCH_5 21
#define VIRQ_ARCH_6 22
#define VIRQ_ARCH_7 23
#define NR_VIRQS 24        /* number of VIRQ numbers */

/* ---- mmu_update ------------------------------------------------------------ */
/* Request type, in the low 2 bits of mmu_update.ptr (the rest is the
 * machine address, 8-byte aligned). */
#define MMU_NORMAL_PT_UPDATE 0       /* validated write of a page-table entry */
#define MMU_MACHPHYS_UPDATE 1        /* set M2P[ptr >> PAGE_SHIFT] = val */
#define MMU_PT_UPDATE_PRESERVE_AD 2  /* as NORMAL, keeping the entry's A/D bits */
#define MMU_PT_UPDATE_NO_TRANSLATE 3 /* as NORMAL; val is never translated */

#ifndef __ASSEMBLY__
/* One request of __HYPERVISOR_mmu_update. */
struct mmu_update {
	uint64_t ptr; /* machine address of the entry | MMU_* type */
	uint64_t val; /* new contents */
};
typedef struct mmu_update mmu_update_t;
DEFINE_XEN_GUEST_HANDLE(mmu_update_t);
#endif

/* ---- mmuext_op ------------------------------------------------------------- */
#define MMUEXT_PIN_L1_TABLE 0        /* pin a frame as an L1 table (arg1.mfn) */
#define MMUEXT_PIN_L2_TABLE 1        /* ... as an L2 table */
#define MMUEXT_PIN_L3_TABLE 2        /* ... as an L3 table */
#define MMUEXT_PIN_L4_TABLE 3        /* ... as an L4 table */
#define MMUEXT_UNPIN_TABLE 4         /* drop the pin (arg1.mfn) */
#define MMUEXT_NEW_BASEPTR 5         /* switch the kernel page tables (arg1.mfn) */
#define MMUEXT_TLB_FLUSH_LOCAL 6     /* flush this vCPU's TLB */
#define MMUEXT_INVLPG_LOCAL 7        /* invalidate arg1.linear_addr on this vCPU */
#define MMUEXT_TLB_FLUSH_MULTI 8     /* flush the vCPUs in arg2.vcpumask */
#define MMUEXT_INVLPG_MULTI 9        /* invalidate one address on those vCPUs */
#define MMUEXT_TLB_FLUSH_ALL 10      /* flush all of the domain's vCPUs */
#define MMUEXT_INVLPG_ALL 11         /* invalidate one address on all of them */
#define MMUEXT_FLUSH_CACHE 12        /* write back and invalidate caches */
#define MMUEXT_SET_LDT 13            /* LDT at arg1.linear_addr, arg2.nr_ents */
#define MMUEXT_NEW_USER_BASEPTR 15   /* user page tables of a 64-bit guest */
#define MMUEXT_CLEAR_PAGE 16         /* zero frame arg1.mfn */
#define MMUEXT_COPY_PAGE 17          /* copy arg2.src_mfn to arg1.mfn */
#define MMUEXT_FLUSH_CACHE_GLOBAL 18 /* cache flush on all physical CPUs */
#define MMUEXT_MARK_SUPER 19         /* mark a 2 MiB superpage */
#define MMUEXT_UNMARK_SUPER 20       /* unmark it */

#ifndef __ASSEMBLY__
/* One request of __HYPERVISOR_mmuext_op. */
struct mmuext_op {
	unsigned int cmd; /* MMUEXT_* */
	union {
		xen_pfn_t mfn;             /* pins, base pointers, page ops, superpages */
		unsigned long linear_addr; /* INVLPG_*, SET_LDT */
	} arg1;
	union {
		unsigned int nr_ents;                  /* SET_LDT */
		XEN_GUEST_HANDLE(const_void) vcpumask; /* *_MULTI: bitmap of vCPUs */
		xen_pfn_t src_mfn;                     /* COPY_PAGE */
	} arg2;
};
typedef struct mmuext_op mmuext_op_t;
DEFINE_XEN_GUEST_HANDLE(mmuext_op_t);
#endif

/* ---- update_va_mapping flags ---------------------------------------------- */
/* Bits 0-1: which flush; bit 2: where.  For INVLPG/TLB_FLUSH with MULTI,
 * the flags word is a pointer to a vCPU bitmap instead. */
#define UVMF_NONE (xen_mk_ulong(0) << 0)           /* no flush */
#define UVMF_TLB_FLUSH (xen_mk_ulong(1) << 0)      /* flush whole TLBs */
#define UVMF_INVLPG (xen_mk_ulong(2) << 0)         /* flush the one entry */
#define UVMF_FLUSHTYPE_MASK (xen_mk_ulong(3) << 0) /* the flush-type bits */
#define UVMF_MULTI (xen_mk_ulong(0) << 2)          /* on the vCPUs of a bitmap */
#define UVMF_LOCAL (xen_mk_ulong(0) << 2)          /* on this vCPU */
#define UVMF_ALL (xen_mk_ulong(1) << 2)            /* on all of the domain's vCPUs */

/* ---- console_io ------------------------------------------------------------ */
#define CONSOLEIO_write 0 /* write bytes to the hypervisor console */
#define CONSOLEIO_read 1  /* read console input (control domain) */

/* ---- vm_assist ------------------------------------------------------------- */
#define VMASST_CMD_enable 0  /* turn an assist on */
#define VMASST_CMD_disable 1 /* turn it off */
#define VMASST_TYPE_4gb_segments 0         /* emulate 4 GiB segments (32-bit) */
#define VMASST_TYPE_4gb_segments_notify 1  /* ... and tell the guest (trap 15) */
#define VMASST_TYPE_writable_pagetables 2  /* trap-and-emulate page-table writes */
#define VMASST_TYPE_pae_extended_cr3 3     /* 32-bit PAE: L3 may be above 4 GiB */
#define VMASST_TYPE_architectural_iopl 4   /* IOPL as hardware defines it */
#define VMASST_TYPE_runstate_update_flag 5 /* XEN_RUNSTATE_UPDATE protocol */
#define VMASST_TYPE_m2p_strict 32          /* 64-bit: M2P mapped read-only in user tables */

/* ---- domain ids ------------------------------------------------------------- */
#define DOMID_FIRST_RESERVED xen_mk_uint(0x7FF0) /* first id that is not a domain */
#define DOMID_SELF xen_mk_uint(0x7FF0)           /* the caller */
#define DOMID_IO xen_mk_uint(0x7FF1)             /* owner of I/O memory */
#define DOMID_XEN xen_mk_uint(0x7FF2)            /* the hypervisor itself */
#define DOMID_COW xen_mk_uint(0x7FF3)            /* owner of shared copy-on-write frames */
#define DOMID_INVALID xen_mk_uint(0x7FF4)        /* no domain */
#define DOMID_IDLE xen_mk_uint(0x7FFF)           /* the idle domain */
#define DOMID_MASK xen_mk_uint(0x7FFF)           /* bits of a domain id */

#ifndef __ASSEMBLY__
typedef uint16_t domid_t; /* domain id */

/* ---- multicall -------------------------------------------------------------- */
/* One hypercall of a __HYPERVISOR_multicall batch. */
struct multicall_entry {
	xen_ulong_t op;      /* hypercall number */
	xen_ulong_t result;  /* OUT: its return value */
	xen_ulong_t args[6]; /* its arguments */
};
typedef struct multicall_entry multicall_entry_t;
DEFINE_XEN_GUEST_HANDLE(multicall_entry_t);

/* ---- time ------------------------------------------------------------------- */
/*
 * Per-vCPU system time.  The hypervisor makes version odd while it updates
 * the record and even afterwards: read version, the fields, version again,
 * and retry if it was odd or changed.  Now, in ns since boot:
 *   system_time + (((tsc - tsc_timestamp) << tsc_shift) * tsc_to_system_mul >> 32)
 * (a negative tsc_shift shifts right).
 */
struct vcpu_time_info {
	uint32_t version;           /* odd while being updated */
	uint32_t pad0;
	uint64_t tsc_timestamp;     /* TSC when system_time was taken */
	uint64_t system_time;       /* ns since the domain booted */
	uint32_t tsc_to_system_mul; /* TSC-to-ns multiplier (32.32 fixed point) */
	int8_t tsc_shift;           /* shift applied to the TSC delta first */
	uint8_t flags;              /* XEN_PVCLOCK_* */
	uint8_t pad1[2];
};
typedef struct vcpu_time_info vcpu_time_info_t;
#endif

#define XEN_PVCLOCK_TSC_STABLE_BIT (1 << 0) /* the TSC is the same on all CPUs */
#define XEN_PVCLOCK_GUEST_STOPPED (1 << 1)  /* the guest was paused by the toolstack */

#ifndef __ASSEMBLY__
/* ---- per-vCPU shared data ---------------------------------------------------- */
/* Event delivery state and time of one vCPU; the first XEN_LEGACY_MAX_VCPUS
 * live in shared_info, others where VCPUOP_register_vcpu_info puts them. */
struct vcpu_info {
	uint8_t evtchn_upcall_pending;  /* set by the hypervisor: an event waits */
	uint8_t evtchn_upcall_mask;     /* set by the guest: no upcalls (its "cli") */
	xen_ulong_t evtchn_pending_sel; /* which evtchn_pending words to scan */
	struct arch_vcpu_info arch;
	vcpu_time_info_t time;
};
typedef struct vcpu_info vcpu_info_t;

/* ---- shared_info ------------------------------------------------------------- */
/* The page every domain shares with the hypervisor (start_info.shared_info). */
struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	/* 2-level event channels: one pending and one mask bit per port; a
	 * port's pending bit going 0->1 while unmasked sets the bit of its word
	 * in the vCPU's evtchn_pending_sel. */
	xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
	xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];
	/* Wall-clock time at system time 0 (version protocol as above). */
	uint32_t wc_version;
	uint32_t wc_sec;  /* seconds since the epoch, low 32 bits */
	uint32_t wc_nsec;
#if !defined(__i386__)
	uint32_t wc_sec_hi; /* seconds, high 32 bits */
#define xen_wc_sec_hi wc_sec_hi
#else
#define xen_wc_sec_hi arch.wc_sec_hi /* 32-bit: kept in arch_shared_info */
#endif
	struct arch_shared_info arch;
};
typedef struct shared_info shared_info_t;

/* ---- start_info -------------------------------------------------------------- */
/*
 * What the domain builder hands a PV kernel at boot (rsi / esi points at
 * it, in the kernel's initial mapping).  The first block is filled again on
 * resume; the rest only at boot.
 */
#define MAX_GUEST_CMDLINE 1024 /* bytes of start_info.cmd_line */
struct start_info {
	char magic[32];            /* "xen-<version>-<platform>", e.g. "xen-3.0-x86_64" */
	unsigned long nr_pages;    /* pages the domain has */
	unsigned long shared_info; /* machine address of the shared_info page */
	uint32_t flags;            /* SIF_* */
	xen_pfn_t store_mfn;       /* xenstore ring frame */
	uint32_t store_evtchn;     /* xenstore event channel */
	union {
		struct {
			xen_pfn_t mfn;   /* console ring frame (xencons_interface) */
			uint32_t evtchn; /* console event channel */
		} domU;
		struct {
			uint32_t info_off;  /* offset of a dom0_vga_console_info */
			uint32_t info_size; /* its size */
		} dom0;
	} console;
	/* Boot only: */
	unsigned long pt_base;      /* virtual address of the top-level page table */
	unsigned long nr_pt_frames; /* frames of the initial page tables */
	unsigned long mfn_list;     /* virtual address of the P2M list */
	unsigned long mod_start;    /* virtual address (or pfn, SIF_MOD_START_PFN) of the module */
	unsigned long mod_len;      /* module size in bytes */
	int8_t cmd_line[MAX_GUEST_CMDLINE]; /* kernel command line */
	unsigned long first_p2m_pfn; /* first pfn of the initial P2M table frames */
	unsigned long nr_p2m_frames; /* their number */
};
typedef struct start_info start_info_t;
#endif /* !__ASSEMBLY__ */

/* start_info.flags */
#define SIF_PRIVILEGED (1 << 0)      /* the domain is privileged */
#define SIF_INITDOMAIN (1 << 1)      /* the domain is the initial control domain */
#define SIF_MULTIBOOT_MOD (1 << 2)   /* the module is a multiboot module list */
#define SIF_MOD_START_PFN (1 << 3)   /* mod_start is a pfn */
#define SIF_VIRT_P2M_4TOOLS (1 << 4) /* tools may use the virtually mapped P2M */
#define SIF_PM_MASK (0xFF << 8)      /* reserved for power-management options */

#ifndef __ASSEMBLY__
/* Entry of the module list when SIF_MULTIBOOT_MOD is set. */
struct xen_multiboot_mod_list {
	uint32_t mod_start; /* first byte of the module */
	uint32_t mod_end;   /* last byte (inclusive) */
	uint32_t cmdline;   /* its NUL-terminated command line */
	uint32_t pad;       /* zero */
};

/* The control domain's boot console (start_info.console.dom0). */
typedef struct dom0_vga_console_info {
	uint8_t video_type; /* XEN_VGATYPE_* */
#define XEN_VGATYPE_TEXT_MODE_3 0x03 /* VGA text mode */
#define XEN_VGATYPE_VESA_LFB 0x23    /* VESA linear frame buffer */
#define XEN_VGATYPE_EFI_LFB 0x70     /* EFI frame buffer */
	union {
		struct {
			uint16_t font_height;        /* pixels */
			uint16_t cursor_x, cursor_y; /* cursor column and row */
			uint16_t rows, columns;      /* screen size in characters */
		} text_mode_3;
		struct {
			uint16_t width, height;   /* pixels */
			uint16_t bytes_per_line;  /* scan line length */
			uint16_t bits_per_pixel;
			uint32_t lfb_base;        /* frame buffer address, low 32 bits */
			uint32_t lfb_size;        /* in 64 KiB units */
			uint8_t red_pos, red_size; /* colour masks (VBE 1.2+) */
			uint8_t green_pos, green_size;
			uint8_t blue_pos, blue_size;
			uint8_t rsvd_pos, rsvd_size;
			uint32_t gbl_caps;        /* VESA capabilities */
			uint16_t mode_attrs;      /* VESA mode attributes */
			uint16_t pad;
			uint32_t ext_lfb_base;    /* frame buffer address, high 32 bits */
		} vesa_lfb;
	} u;
} dom0_vga_console_info_t;
#define xen_vga_console_info dom0_vga_console_info
#define xen_vga_console_info_t dom0_vga_console_info_t

typedef uint8_t xen_domain_handle_t[16]; /* a domain's UUID */

__DEFINE_XEN_GUEST_HANDLE(uint8, uint8_t);
__DEFINE_XEN_GUEST_HANDLE(uint16, uint16_t);
__DEFINE_XEN_GUEST_HANDLE(uint32, uint32_t);
__DEFINE_XEN_GUEST_HANDLE(uint64, uint64_t);

/* A UUID, bytes in RFC 4122 (big-endian) order. */
typedef struct {
	uint8_t a[16];
} xen_uuid_t;

/* Initialiser of a xen_uuid_t from the usual 8-4-4-4-12 groups:
 * a (32 bits), b, c, d (16 bits), e1..e6 (bytes). */
#define XEN_DEFINE_UUID_(a, b, c, d, e1, e2, e3, e4, e5, e6)                                       \
	{                                                                                          \
		{                                                                                  \
			((a) >> 24) & 0xFF, ((a) >> 16) & 0xFF, ((a) >> 8) & 0xFF, (a) & 0xFF,    \
			((b) >> 8) & 0xFF, (b) & 0xFF, ((c) >> 8) & 0xFF, (c) & 0xFF,              \
			((d) >> 8) & 0xFF, (d) & 0xFF, e1, e2, e3, e4, e5, e6                      \
		}                                                                                  \
	}
#if defined(__cplusplus)
#define XEN_DEFINE_UUID(a, b, c, d, e1, e2, e3, e4, e5, e6)                                        \
	XEN_DEFINE_UUID_(a, b, c, d, e1, e2, e3, e4, e5, e6)
#else
#define XEN_DEFINE_UUID(a, b, c, d, e1, e2, e3, e4, e5, e6)                                        \
	((xen_uuid_t)XEN_DEFINE_UUID_(a, b, c, d, e1, e2, e3, e4, e5, e6))
#endif

/* 64-bit quantities and handles with the same layout for 32- and 64-bit
 * callers (toolstack interfaces). */
#ifndef int64_aligned_t
#define int64_aligned_t int64_t
#endif
#ifndef uint64_aligned_t
#define uint64_aligned_t uint64_t
#endif
#ifndef XEN_GUEST_HANDLE_64
#define XEN_GUEST_HANDLE_64(name) XEN_GUEST_HANDLE(name)
#endif

/* A bitmap passed by the toolstack (CPU maps, node maps). */
struct xenctl_bitmap {
	XEN_GUEST_HANDLE_64(uint8) bitmap;
	uint32_t nr_bits; /* bits in the bitmap */
};
typedef struct xenctl_bitmap xenctl_bitmap_t;

/* ---- layout checks ------------------------------------------------------------ */
XG_ABI_SIZE(struct mmu_update, 16, 16)
XG_ABI_OFFSET(struct mmu_update, val, 8, 8)
XG_ABI_SIZE(struct mmuext_op, 24, 12)
XG_ABI_OFFSET(struct mmuext_op, arg1, 8, 4)
XG_ABI_OFFSET(struct mmuext_op, arg2, 16, 8)
XG_ABI_SIZE(struct multicall_entry, 64, 32)
XG_ABI_OFFSET(struct multicall_entry, args, 16, 8)
XG_ABI_SIZE(struct vcpu_time_info, 32, 32)
XG_ABI_OFFSET(struct vcpu_time_info, tsc_timestamp, 8, 8)
XG_ABI_OFFSET(struct vcpu_time_info, system_time, 16, 16)
XG_ABI_OFFSET(struct vcpu_time_info, tsc_to_system_mul, 24, 24)
XG_ABI_OFFSET(struct vcpu_time_info, tsc_shift, 28, 28)
XG_ABI_OFFSET(struct vcpu_time_info, flags, 29, 29)
XG_ABI_SIZE(struct vcpu_info, 64, 64)
XG_ABI_OFFSET(struct vcpu_info, evtchn_upcall_mask, 1, 1)
XG_ABI_OFFSET(struct vcpu_info, evtchn_pending_sel, 8, 4)
XG_ABI_OFFSET(struct vcpu_info, arch, 16, 8)
XG_ABI_OFFSET(struct vcpu_info, time, 32, 32)
XG_ABI_SIZE(struct shared_info, 3136, 2344)
XG_ABI_OFFSET(struct shared_info, evtchn_pending, 2048, 2048)
XG_ABI_OFFSET(struct shared_info, evtchn_mask, 2560, 2176)
XG_ABI_OFFSET(struct shared_info, wc_version, 3072, 2304)
XG_ABI_OFFSET(struct shared_info, wc_sec, 3076, 2308)
XG_ABI_OFFSET(struct shared_info, wc_nsec, 3080, 2312)
XG_ABI_OFFSET(struct shared_info, arch, 3088, 2316)
XG_ABI_SIZE(struct start_info, 1168, 1112)
XG_ABI_OFFSET(struct start_info, nr_pages, 32, 32)
XG_ABI_OFFSET(struct start_info, shared_info, 40, 36)
XG_ABI_OFFSET(struct start_info, flags, 48, 40)
XG_ABI_OFFSET(struct start_info, store_mfn, 56, 44)
XG_ABI_OFFSET(struct start_info, store_evtchn, 64, 48)
XG_ABI_OFFSET(struct start_info, console.domU.mfn, 72, 52)
XG_ABI_OFFSET(struct start_info, console.domU.evtchn, 80, 56)
XG_ABI_OFFSET(struct start_info, pt_base, 88, 60)
XG_ABI_OFFSET(struct start_info, nr_pt_frames, 96, 64)
XG_ABI_OFFSET(struct start_info, mfn_list, 104, 68)
XG_ABI_OFFSET(struct start_info, mod_start, 112, 72)
XG_ABI_OFFSET(struct start_info, mod_len, 120, 76)
XG_ABI_OFFSET(struct start_info, cmd_line, 128, 80)
XG_ABI_OFFSET(struct start_info, first_p2m_pfn, 1152, 1104)
XG_ABI_OFFSET(struct start_info, nr_p2m_frames, 1160, 1108)
XG_ABI_SIZE(struct xen_multiboot_mod_list, 16, 16)
XG_ABI_SIZE(struct dom0_vga_console_info, 40, 40)
XG_ABI_OFFSET(struct dom0_vga_console_info, u.vesa_lfb.lfb_base, 12, 12)
XG_ABI_OFFSET(struct dom0_vga_console_info, u.vesa_lfb.ext_lfb_base, 36, 36)
XG_ABI_SIZE(xen_uuid_t, 16, 16)
XG_ABI_SIZE(struct xenctl_bitmap, 16, 16)
#endif /* !__ASSEMBLY__ */

#endif /* XG_PUBLIC_XEN_H */
