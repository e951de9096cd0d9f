/*
 * XG guest ABI, x86: what 64-bit and 32-bit PV guests have in common.
 *
 * Guest handles, frame numbers, the reserved GDT area, trap tables, the
 * full vCPU context and the x86 part of shared_info.  The parts that differ
 * by guest width (selectors, the reserved virtual range, registers) are in
 * xen-x86_64.h and xen-x86_32.h; the compiler's target picks one, as with
 * Xen's headers, and compat/x86_32.h gives the 32-bit layouts to 64-bit
 * code.
 *
 * Hypercall instructions:
 *   64-bit guest kernel: `syscall`, number in rax, arguments in rdi, rsi,
 *     rdx, r10, r8; result in rax; rcx and r11 are clobbered.
 *   32-bit guest kernel: `int $0x82`, number in eax, arguments in ebx, ecx,
 *     edx, esi, edi; result in eax.
 *   Hypercall page (XEN_ELFNOTE_HYPERCALL_PAGE): one 32-byte stub per
 *     hypercall, stub n at offset n * 32, each doing the above.
 */
#include "../xen.h"

#ifndef XG_PUBLIC_ARCH_X86_XEN_H
#define XG_PUBLIC_ARCH_X86_XEN_H

/* ---- guest handles ------------------------------------------------------------ */
/*
 * A guest handle is a guest virtual address wrapped in a one-member struct,
 * so that handles of different types cannot be mixed up and guest pointers
 * are never dereferenced by accident.  On x86 it is pointer-sized (8 bytes
 * for 64-bit guests, 4 for 32-bit ones).  DEFINE_XEN_GUEST_HANDLE(t) makes
 * handles of t and of const t (named const_t).
 */
#define ___DEFINE_XEN_GUEST_HANDLE(name, type)                                                     \
	typedef struct {                                                                           \
		type *p;                                                                           \
	} __guest_handle_##name
#define __DEFINE_XEN_GUEST_HANDLE(name, type)                                                      \
	___DEFINE_XEN_GUEST_HANDLE(name, type);                                                    \
	___DEFINE_XEN_GUEST_HANDLE(const_##name, const type)
#define DEFINE_XEN_GUEST_HANDLE(name) __DEFINE_XEN_GUEST_HANDLE(name, name)
#define __XEN_GUEST_HANDLE(name) __guest_handle_##name
#define XEN_GUEST_HANDLE(name) __XEN_GUEST_HANDLE(name)
#define XEN_GUEST_HANDLE_PARAM(name) XEN_GUEST_HANDLE(name)
#define set_xen_guest_handle_raw(hnd, val)                                                         \
	do {                                                                                       \
		(hnd).p = (val);                                                                   \
	} while (0)
#define set_xen_guest_handle(hnd, val) set_xen_guest_handle_raw(hnd, val)

#if defined(__i386__)
#include "xen-x86_32.h"
#elif defined(__x86_64__)
#include "xen-x86_64.h"
#else
#error "XG's public headers describe x86 guests only"
#endif

/* The machine-to-physical table a PV guest reads (mapped read-only). */
#ifndef machine_to_phys_mapping
#define machine_to_phys_mapping ((unsigned long *)MACH2PHYS_VIRT_START)
#endif

#ifndef __ASSEMBLY__
typedef unsigned long xen_pfn_t; /* a frame number (machine or pseudo-physical) */
#define PRI_xen_pfn "lx"
#define PRIu_xen_pfn "lu"
#endif

#define XEN_HAVE_PV_GUEST_ENTRY 1 /* start_info and the PV boot protocol exist */
#define XEN_HAVE_PV_UPCALL_MASK 1 /* vcpu_info.evtchn_upcall_mask exists */

/* The hypervisor's GDT entries: a PV guest's GDT may use frames 0-13 only
 * (entries below FIRST_RESERVED_GDT_ENTRY). */
#define FIRST_RESERVED_GDT_PAGE 14
#define FIRST_RESERVED_GDT_BYTE (FIRST_RESERVED_GDT_PAGE * 4096)
#define FIRST_RESERVED_GDT_ENTRY (FIRST_RESERVED_GDT_BYTE / 8)

/* vCPUs whose vcpu_info is in shared_info. */
#define XEN_LEGACY_MAX_VCPUS 32

#ifndef __ASSEMBLY__
typedef unsigned long xen_ulong_t; /* the ABI's machine word */
#define PRI_xen_ulong "lx"

/* ---- trap table ---------------------------------------------------------------- */
/* trap_info.flags: bits 0-1 the DPL allowed to raise the vector with int;
 * bit 2 masks events (like an interrupt gate) on entry. */
#define TI_GET_DPL(ti) ((ti)->flags & 3)
#define TI_GET_IF(ti) ((ti)->flags & 4)
#define TI_SET_DPL(ti, dpl) ((ti)->flags |= (dpl))
#define TI_SET_IF(ti, on) ((ti)->flags |= ((!!(on)) << 2))

/* One entry of the virtual IDT (__HYPERVISOR_set_trap_table; a list ends
 * with an entry whose address is 0). */
struct trap_info {
	uint8_t vector;        /* exception / interrupt vector */
	uint8_t flags;         /* TI_* bits above */
	uint16_t cs;           /* handler code selector */
	unsigned long address; /* handler address */
};
typedef struct trap_info trap_info_t;
DEFINE_XEN_GUEST_HANDLE(trap_info_t);

typedef uint64_t tsc_timestamp_t; /* a TSC value */

/* ---- vCPU context ------------------------------------------------------------------ */
/* The complete state of a PV vCPU (VCPUOP_initialise, and the toolstack's
 * set/getvcpucontext). */
struct vcpu_guest_context {
	struct {
		char x[512];
	} fpu_ctxt; /* FXSAVE image, first so that it stays 16-byte aligned */
#define VGCF_I387_VALID (1 << 0)
#define VGCF_IN_KERNEL (1 << 2)
#define _VGCF_i387_valid 0 /* fpu_ctxt holds valid state */
#define VGCF_i387_valid (1 << _VGCF_i387_valid)
#define _VGCF_in_kernel 2 /* the vCPU is in kernel mode */
#define VGCF_in_kernel (1 << _VGCF_in_kernel)
#define _VGCF_failsafe_disables_events 3 /* the failsafe callback masks events */
#define VGCF_failsafe_disables_events (1 << _VGCF_failsafe_disables_events)
#define _VGCF_syscall_disables_events 4 /* the syscall callback masks events */
#define VGCF_syscall_disables_events (1 << _VGCF_syscall_disables_events)
#define _VGCF_online 5 /* the vCPU is up */
#define VGCF_online (1 << _VGCF_online)
	unsigned long flags;                    /* VGCF_* */
	struct cpu_user_regs user_regs;         /* general registers */
	struct trap_info trap_ctxt[256];        /* virtual IDT */
	unsigned long ldt_base, ldt_ents;       /* LDT: linear address, entries */
	unsigned long gdt_frames[16], gdt_ents; /* GDT: frames, entries */
	unsigned long kernel_ss, kernel_sp;     /* kernel stack for traps from user mode */
	unsigned long ctrlreg[8];               /* CR0-CR7; CR3 as xen_pfn_to_cr3(), and
	                                         * 64-bit guests' user CR3 in ctrlreg[1] */
	unsigned long debugreg[8];              /* DR0-DR7 */
#ifdef __i386__
	unsigned long event_callback_cs;     /* event upcall entry, CS:EIP */
	unsigned long event_callback_eip;
	unsigned long failsafe_callback_cs;  /* failsafe callback (bad segment on return) */
	unsigned long failsafe_callback_eip;
#else
	unsigned long event_callback_eip;    /* event upcall entry */
	unsigned long failsafe_callback_eip; /* failsafe callback */
	unsigned long syscall_callback_eip;  /* 64-bit user-mode syscall entry */
#endif
	unsigned long vm_assist;             /* VMASST_TYPE_* bits enabled */
#ifdef __x86_64__
	uint64_t fs_base;        /* FS base */
	uint64_t gs_base_kernel; /* GS base in kernel mode */
	uint64_t gs_base_user;   /* GS base in user mode */
#endif
};
typedef struct vcpu_guest_context vcpu_guest_context_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_guest_context_t);

/* ---- x86 part of shared_info ----------------------------------------------------------- */
struct arch_shared_info {
	unsigned long max_pfn; /* valid P2M entries: pfns 0 .. max_pfn-1 */
	/* Frame of the list of frames of the lists of P2M frames (3-level P2M
	 * tree); 0 = not set up, ~0 = not usable, use p2m_vaddr. */
	xen_pfn_t pfn_to_mfn_frame_list_list;
	unsigned long nmi_reason; /* pending NMI reasons (control domain) */
	/* The linear P2M list, valid when p2m_cr3 != 0: */
	unsigned long p2m_cr3;        /* its address space, as xen_pfn_to_cr3() */
	unsigned long p2m_vaddr;      /* its virtual address */
	unsigned long p2m_generation; /* odd while the guest changes its mapping */
#ifdef __i386__
	uint32_t wc_sec_hi; /* high 32 bits of shared_info.wc_sec */
#endif
};
typedef struct arch_shared_info arch_shared_info_t;

/* ---- domain creation (toolstack) --------------------------------------------------------- */
/* x86 part of a domain's configuration. */
struct xen_arch_domainconfig {
#define _XEN_X86_EMU_LAPIC 0 /* emulated devices of an HVM/PVH domain */
#define XEN_X86_EMU_LAPIC (1U << _XEN_X86_EMU_LAPIC)
#define _XEN_X86_EMU_HPET 1
#define XEN_X86_EMU_HPET (1U << _XEN_X86_EMU_HPET)
#define _XEN_X86_EMU_PM 2
#define XEN_X86_EMU_PM (1U << _XEN_X86_EMU_PM)
#define _XEN_X86_EMU_RTC 3
#define XEN_X86_EMU_RTC (1U << _XEN_X86_EMU_RTC)
#define _XEN_X86_EMU_IOAPIC 4
#define XEN_X86_EMU_IOAPIC (1U << _XEN_X86_EMU_IOAPIC)
#define _XEN_X86_EMU_PIC 5
#define XEN_X86_EMU_PIC (1U << _XEN_X86_EMU_PIC)
#define _XEN_X86_EMU_VGA 6
#define XEN_X86_EMU_VGA (1U << _XEN_X86_EMU_VGA)
#define _XEN_X86_EMU_IOMMU 7
#define XEN_X86_EMU_IOMMU (1U << _XEN_X86_EMU_IOMMU)
#define _XEN_X86_EMU_PIT 8
#define XEN_X86_EMU_PIT (1U << _XEN_X86_EMU_PIT)
#define _XEN_X86_EMU_USE_PIRQ 9
#define XEN_X86_EMU_USE_PIRQ (1U << _XEN_X86_EMU_USE_PIRQ)
#define _XEN_X86_EMU_VPCI 10
#define XEN_X86_EMU_VPCI (1U << _XEN_X86_EMU_VPCI)
#define XEN_X86_EMU_ALL                                                                            \
	(XEN_X86_EMU_LAPIC | XEN_X86_EMU_HPET | XEN_X86_EMU_PM | XEN_X86_EMU_RTC |                 \
	 XEN_X86_EMU_IOAPIC | XEN_X86_EMU_PIC | XEN_X86_EMU_VGA | XEN_X86_EMU_IOMMU |              \
	 XEN_X86_EMU_PIT | XEN_X86_EMU_USE_PIRQ | XEN_X86_EMU_VPCI)
	uint32_t emulation_flags; /* XEN_X86_EMU_* */
#define XEN_X86_MSR_RELAXED (1u << 0) /* unknown MSRs read as 0, writes ignored */
	uint32_t misc_flags;
};
#define XEN_X86_MISC_FLAGS_MAX XEN_X86_MSR_RELAXED

/* One CPUID leaf of a domain's CPU policy. */
typedef struct xen_cpuid_leaf {
#define XEN_CPUID_NO_SUBLEAF 0xffffffffu /* the leaf has no subleaves */
	uint32_t leaf, subleaf;
	uint32_t a, b, c, d; /* eax, ebx, ecx, edx */
} xen_cpuid_leaf_t;
DEFINE_XEN_GUEST_HANDLE(xen_cpuid_leaf_t);

/* One MSR of a domain's CPU policy. */
typedef struct xen_msr_entry {
	uint32_t idx;   /* MSR index */
	uint32_t flags; /* zero */
	uint64_t val;
} xen_msr_entry_t;
DEFINE_XEN_GUEST_HANDLE(xen_msr_entry_t);
#endif /* !__ASSEMBLY__ */

/* The forced-emulation prefix (ud2a; .ascii "xen"): a PV guest puts it
 * before cpuid to get the hypervisor's view of CPUID. */
#ifdef __ASSEMBLY__
#define XEN_EMULATE_PREFIX .byte 0x0f, 0x0b, 0x78, 0x65, 0x6e;
#define XEN_CPUID XEN_EMULATE_PREFIX cpuid
#else
#define XEN_EMULATE_PREFIX ".byte 0x0f,0x0b,0x78,0x65,0x6e ; "
#define XEN_CPUID XEN_EMULATE_PREFIX "cpuid"
#endif

/* I/O port of the debug console of HVM/PVH guests. */
#define XEN_HVM_DEBUGCONS_IOPORT 0xe9

/* XG's names for facts of the hypercall instructions (see the top). */
#define XG_HYPERCALL_STUB_SIZE 32   /* bytes per hypercall-page stub */
#define XG_HYPERCALL_VECTOR_32 0x82 /* vector of a 32-bit guest's int $0x82 */

/* The x86-specific hypercall number (arch_0). */
#include "xen-mca.h"

#ifndef __ASSEMBLY__
/* ---- layout checks ------------------------------------------------------------------------- */
XG_ABI_SIZE(struct trap_info, 16, 8)
XG_ABI_OFFSET(struct trap_info, cs, 2, 2)
XG_ABI_OFFSET(struct trap_info, address, 8, 4)
XG_ABI_SIZE(struct vcpu_guest_context, 5168, 2800)
XG_ABI_OFFSET(struct vcpu_guest_context, flags, 512, 512)
XG_ABI_OFFSET(struct vcpu_guest_context, user_regs, 520, 516)
XG_ABI_OFFSET(struct vcpu_guest_context, trap_ctxt, 720, 584)
XG_ABI_OFFSET(struct vcpu_guest_context, ldt_base, 4816, 2632)
XG_ABI_OFFSET(struct vcpu_guest_context, gdt_frames, 4832, 2640)
XG_ABI_OFFSET(struct vcpu_guest_context, gdt_ents, 4960, 2704)
XG_ABI_OFFSET(struct vcpu_guest_context, kernel_ss, 4968, 2708)
XG_ABI_OFFSET(struct vcpu_guest_context, kernel_sp, 4976, 2712)
XG_ABI_OFFSET(struct vcpu_guest_context, ctrlreg, 4984, 2716)
XG_ABI_OFFSET(struct vcpu_guest_context, debugreg, 5048, 2748)
XG_ABI_OFFSET(struct vcpu_guest_context, event_callback_eip, 5112, 2784)
XG_ABI_OFFSET(struct vcpu_guest_context, failsafe_callback_eip, 5120, 2792)
XG_ABI_OFFSET(struct vcpu_guest_context, vm_assist, 5136, 2796)
#ifdef __x86_64__
XG_ABI_OFFSET(struct vcpu_guest_context, syscall_callback_eip, 5128, 0)
XG_ABI_OFFSET(struct vcpu_guest_context, fs_base, 5144, 0)
XG_ABI_OFFSET(struct vcpu_guest_context, gs_base_kernel, 5152, 0)
XG_ABI_OFFSET(struct vcpu_guest_context, gs_base_user, 5160, 0)
#else
XG_ABI_OFFSET(struct vcpu_guest_context, event_callback_cs, 0, 2780)
XG_ABI_OFFSET(struct vcpu_guest_context, failsafe_callback_cs, 0, 2788)
#endif
XG_ABI_SIZE(struct arch_shared_info, 48, 28)
XG_ABI_OFFSET(struct arch_shared_info, pfn_to_mfn_frame_list_list, 8, 4)
XG_ABI_OFFSET(struct arch_shared_info, nmi_reason, 16, 8)
XG_ABI_OFFSET(struct arch_shared_info, p2m_cr3, 24, 12)
XG_ABI_OFFSET(struct arch_shared_info, p2m_vaddr, 32, 16)
XG_ABI_OFFSET(struct arch_shared_info, p2m_generation, 40, 20)
XG_ABI_SIZE(struct xen_arch_domainconfig, 8, 8)
XG_ABI_SIZE(struct xen_cpuid_leaf, 24, 24)
XG_ABI_SIZE(struct xen_msr_entry, 16, 16)
#endif

#endif /* XG_PUBLIC_ARCH_X86_XEN_H */
