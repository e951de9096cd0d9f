/*
 * The Xen guest ABI as XG implements it: basic types, hypercall numbers,
 * and the structures every PV guest shares with the hypervisor.
 *
 * Binary-compatible with Xen's public headers (same names, numbers and
 * layouts); the layout checks at the end of each header keep it so.
 * Include with -I<repo>/include as "public/xen.h".
 */
#ifndef XG_PUBLIC_XEN_H
#define XG_PUBLIC_XEN_H

#include <stdint.h>

#include "arch-x86/xen.h"

/* ---- hypercall numbers ------------------------------------------------- */
#define __HYPERVISOR_set_trap_table 0
#define __HYPERVISOR_mmu_update 1
#define __HYPERVISOR_set_gdt 2
#define __HYPERVISOR_stack_switch 3
#define __HYPERVISOR_set_callbacks 4
#define __HYPERVISOR_fpu_taskswitch 5
#define __HYPERVISOR_sched_op_compat 6 /* obsolete form of sched_op */
#define __HYPERVISOR_platform_op 7
#define __HYPERVISOR_set_debugreg 8
#define __HYPERVISOR_get_debugreg 9
#define __HYPERVISOR_update_descriptor 10
#define __HYPERVISOR_memory_op 12
#define __HYPERVISOR_multicall 13
#define __HYPERVISOR_update_va_mapping 14
#define __HYPERVISOR_set_timer_op 15
#define __HYPERVISOR_event_channel_op_compat 16
#define __HYPERVISOR_xen_version 17
#define __HYPERVISOR_console_io 18
#define __HYPERVISOR_physdev_op_compat 19
#define __HYPERVISOR_grant_table_op 20
#define __HYPERVISOR_vm_assist 21
#define __HYPERVISOR_update_va_mapping_otherdomain 22
#define __HYPERVISOR_iret 23
#define __HYPERVISOR_vcpu_op 24
#define __HYPERVISOR_set_segment_base 25 /* 64-bit guests only */
#define __HYPERVISOR_mmuext_op 26
#define __HYPERVISOR_xsm_op 27
#define __HYPERVISOR_nmi_op 28
#define __HYPERVISOR_sched_op 29
#define __HYPERVISOR_callback_op 30
#define __HYPERVISOR_xenoprof_op 31
#define __HYPERVISOR_event_channel_op 32
#define __HYPERVISOR_physdev_op 33
#define __HYPERVISOR_hvm_op 34
#define __HYPERVISOR_sysctl 35
#define __HYPERVISOR_domctl 36
#define __HYPERVISOR_kexec_op 37
#define __HYPERVISOR_tmem_op 38
#define __HYPERVISOR_argo_op 39
#define __HYPERVISOR_xenpmu_op 40
#define __HYPERVISOR_dm_op 41
#define __HYPERVISOR_hypfs_op 42
/* Numbers each architecture assigns itself. */
#define __HYPERVISOR_arch_0 48
#define __HYPERVISOR_arch_1 49
#define __HYPERVISOR_arch_2 50
#define __HYPERVISOR_arch_3 51
#define __HYPERVISOR_arch_4 52
#define __HYPERVISOR_arch_5 53
#define __HYPERVISOR_arch_6 54
#define __HYPERVISOR_arch_7 55

/* ---- virtual interrupts (event channel VIRQs) --------------------------- */
#define VIRQ_TIMER 0      /* per-vCPU timer */
#define VIRQ_DEBUG 1      /* request for debug output */
#define VIRQ_CONSOLE 2    /* (control domain) hypervisor console has input */
#define VIRQ_DOM_EXC 3    /* (control domain) a domain changed state */
#define VIRQ_TBUF 4       /* (control domain) trace buffer has records */
#define VIRQ_DEBUGGER 6   /* (control domain) a domain hit a breakpoint */
#define VIRQ_XENOPROF 7   /* profiling samples are ready */
#define VIRQ_CON_RING 8   /* (control domain) hypervisor console ring has data */
#define VIRQ_PCPU_STATE 9 /* (control domain) a physical CPU changed state */
#define VIRQ_MEM_EVENT 10 /* (control domain) a memory event is pending */
#define VIRQ_ARGO 11      /* an Argo message arrived */
#define VIRQ_ENOMEM 12    /* (control domain) the hypervisor ran low on memory */
#define VIRQ_XENPMU 13    /* PMU interrupt */
#define VIRQ_ARCH_0 16
#define VIRQ_ARCH_1 17
#define VIRQ_ARCH_2 18
#define VIRQ_ARCH_3 19
#define VIRQ_ARCH_4 20
#define VIRQ_ARCH_5 21
#define VIRQ_ARCH_6 22
#define VIRQ_ARCH_7 23
#define NR_VIRQS 24

/* ---- mmu_update ----------------------------------------------------------- */
/* The low two bits of mmu_update.ptr say what the request is. */
#define MMU_NORMAL_PT_UPDATE 0       /* checked update of a page-table entry */
#define MMU_MACHPHYS_UPDATE 1        /* set the M2P entry of a frame */
#define MMU_PT_UPDATE_PRESERVE_AD 2  /* as NORMAL, keeping accessed/dirty */
#define MMU_PT_UPDATE_NO_TRANSLATE 3 /* as NORMAL, ptr is never translated */

struct mmu_update {
	uint64_t ptr; /* machine address of the entry, plus the command */
	uint64_t val; /* its new contents */
};
typedef struct mmu_update mmu_update_t;
DEFINE_XEN_GUEST_HANDLE(mmu_update_t);

/* ---- mmuext_op ------------------------------------------------------------ */
#define MMUEXT_PIN_L1_TABLE 0
#define MMUEXT_PIN_L2_TABLE 1
#define MMUEXT_PIN_L3_TABLE 2
#define MMUEXT_PIN_L4_TABLE 3
#define MMUEXT_UNPIN_TABLE 4
#define MMUEXT_NEW_BASEPTR 5
#define MMUEXT_TLB_FLUSH_LOCAL 6
#define MMUEXT_INVLPG_LOCAL 7
#define MMUEXT_TLB_FLUSH_MULTI 8
#define MMUEXT_INVLPG_MULTI 9
#define MMUEXT_TLB_FLUSH_ALL 10
#define MMUEXT_INVLPG_ALL 11
#define MMUEXT_FLUSH_CACHE 12
#define MMUEXT_SET_LDT 13
#define MMUEXT_NEW_USER_BASEPTR 15
#define MMUEXT_CLEAR_PAGE 16
#define MMUEXT_COPY_PAGE 17
#define MMUEXT_FLUSH_CACHE_GLOBAL 18
#define MMUEXT_MARK_SUPER 19
#define MMUEXT_UNMARK_SUPER 20


struct mmuext_op {
	unsigned int cmd; /* MMUEXT_* */
	union {
		xen_pfn_t mfn;             /* pin, unpin, base pointers, clear/copy */
		unsigned long linear_addr; /* invlpg, set_ldt */
	} arg1;
	union {
		unsigned int nr_ents;                /* set_ldt */
		XEN_GUEST_HANDLE(const_void) vcpumask; /* the _MULTI flushes */
		xen_pfn_t src_mfn;                   /* copy_page */
	} arg2;
};
typedef struct mmuext_op mmuext_op_t;
DEFINE_XEN_GUEST_HANDLE(mmuext_op_t);

/* update_va_mapping flags: which flush, and where. */
#define UVMF_NONE (xen_mk_ulong(0) << 0)
#define UVMF_TLB_FLUSH (xen_mk_ulong(1) << 0)
#define UVMF_INVLPG (xen_mk_ulong(2) << 0)
#define UVMF_FLUSHTYPE_MASK (xen_mk_ulong(3) << 0)
#define UVMF_MULTI (xen_mk_ulong(0) << 2)
#define UVMF_LOCAL (xen_mk_ulong(0) << 2)
#define UVMF_ALL (xen_mk_ulong(1) << 2)

/* ---- console_io ----------------------------------------------------------- */
#define CONSOLEIO_write 0
#define CONSOLEIO_read 1

/* ---- vm_assist ------------------------------------------------------------ */
#define VMASST_CMD_enable 0
#define VMASST_CMD_disable 1
#define VMASST_TYPE_4gb_segments 0
#define VMASST_TYPE_4gb_segments_notify 1
#define VMASST_TYPE_writable_pagetables 2
#define VMASST_TYPE_pae_extended_cr3 3
#define VMASST_TYPE_architectural_iopl 4
#define VMASST_TYPE_runstate_update_flag 5
#define VMASST_TYPE_m2p_strict 32

/* ---- domain ids ----------------------------------------------------------- */
typedef uint16_t domid_t;
#define DOMID_FIRST_RESERVED xen_mk_uint(0x7FF0)
#define DOMID_SELF xen_mk_uint(0x7FF0)    /* the calling domain */
#define DOMID_IO xen_mk_uint(0x7FF1)      /* owner of I/O memory */
#define DOMID_XEN xen_mk_uint(0x7FF2)     /* the hypervisor's own frames */
#define DOMID_COW xen_mk_uint(0x7FF3)     /* shared copy-on-write frames */
#define DOMID_INVALID xen_mk_uint(0x7FF4) /* no domain */
#define DOMID_IDLE xen_mk_uint(0x7FFF)
#define DOMID_MASK xen_mk_uint(0x7FFF)

/* ---- multicall ------------------------------------------------------------ */
struct multicall_entry {
	xen_ulong_t op, result;
	xen_ulong_t args[6];
};
typedef struct multicall_entry multicall_entry_t;
DEFINE_XEN_GUEST_HANDLE(multicall_entry_t);

/* ---- shared_info and vcpu_info ---------------------------------------------- */
/* System time as the guest computes it from the TSC (version protocol:
 * odd while the hypervisor updates it). */
struct vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	uint64_t tsc_timestamp;     /* TSC when system_time was sampled */
	uint64_t system_time;       /* ns since the domain's boot */
	uint32_t tsc_to_system_mul; /* ns = ((tsc << shift) * mul) >> 32 */
	int8_t tsc_shift;
	uint8_t flags;              /* XEN_PVCLOCK_* */
	uint8_t pad1[2];
};
typedef struct vcpu_time_info vcpu_time_info_t;

#define XEN_PVCLOCK_TSC_STABLE_BIT (1 << 0)
#define XEN_PVCLOCK_GUEST_STOPPED (1 << 1)

struct vcpu_info {
	uint8_t evtchn_upcall_pending; /* an event is waiting for the upcall */
	uint8_t evtchn_upcall_mask;    /* the guest's interrupt flag, inverted */
	xen_ulong_t evtchn_pending_sel; /* which pending words to look at */
	struct arch_vcpu_info arch;
	vcpu_time_info_t time;
};
typedef struct vcpu_info vcpu_info_t;

struct shared_info {
	struct vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	/* 2-level event channel bitmaps. */
	xen_ulong_t evtchn_pending[sizeof(xen_ulong_t) * 8];
	xen_ulong_t evtchn_mask[sizeof(xen_ulong_t) * 8];
	/* Wallclock at system time 0 (same version protocol as vcpu_time_info). */
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
#if !defined(__i386__)
	uint32_t wc_sec_hi;
#endif
	struct arch_shared_info arch;
};
typedef struct shared_info shared_info_t;

/* ---- start_info ------------------------------------------------------------ */
/* What the builder tells a PV guest at boot (rsi/esi points at it). */
#define MAX_GUEST_CMDLINE 1024
struct start_info {
	char magic[32];            /* "xen-3.0-x86_64" or "xen-3.0-x86_32p" */
	unsigned long nr_pages;    /* pages the domain has */
	unsigned long shared_info; /* machine address of shared_info */
	uint32_t flags;            /* SIF_* */
	xen_pfn_t store_mfn;       /* xenstore ring frame */
	uint32_t store_evtchn;
	union {
		struct {
			xen_pfn_t mfn;   /* console ring frame */
			uint32_t evtchn;
		} domU;
		struct {
			uint32_t info_off;  /* offset of dom0_vga_console_info */
			uint32_t info_size;
		} dom0;
	} console;
	unsigned long pt_base;       /* virtual address of the top-level table */
	unsigned long nr_pt_frames;  /* frames of the initial page tables */
	unsigned long mfn_list;      /* virtual address of the P2M list */
	unsigned long mod_start;     /* virtual address (or pfn) of the module */
	unsigned long mod_len;       /* its size in bytes */
	int8_t cmd_line[MAX_GUEST_CMDLINE];
	unsigned long first_p2m_pfn; /* first pfn of the initial P2M list */
	unsigned long nr_p2m_frames; /* its frames */
};
typedef struct start_info start_info_t;

#define SIF_PRIVILEGED (1 << 0)      /* the guest is privileged */
#define SIF_INITDOMAIN (1 << 1)      /* the guest is the initial domain */
#define SIF_MULTIBOOT_MOD (1 << 2)   /* mod_start is a multiboot module list */
#define SIF_MOD_START_PFN (1 << 3)   /* mod_start is a pfn, not an address */
#define SIF_VIRT_P2M_4TOOLS (1 << 4) /* the P2M is virtually mapped for tools */
#define SIF_PM_MASK (0xFF << 8)      /* power-management flags */

typedef uint8_t xen_domain_handle_t[16];

#include "layout_checks.h"

#endif
