/*
 * x86 parts of the guest ABI shared by 64-bit and 32-bit PV guests: guest
 * handles, frame numbers, trap tables and the vCPU context.  The
 * width-specific parts come from xen-x86_64.h or xen-x86_32.h, chosen by the
 * compiler's target as Xen's headers choose them.
 */
#ifndef XG_PUBLIC_ARCH_X86_XEN_H
#define XG_PUBLIC_ARCH_X86_XEN_H

#include <stdint.h>

/* Integer constants whose type the ABI fixes (the argument is expanded
 * first, so it may itself be a macro); plain numbers in assembly. */
#ifdef __ASSEMBLY__
#define xen_mk_uint(x) x
#define xen_mk_ulong(x) x
#define xen_mk_ullong(x) x
#else
#define __xen_mk_uint(x) x##U
#define __xen_mk_ulong(x) x##UL
#define __xen_mk_ullong(x) x##ULL
#define xen_mk_uint(x) __xen_mk_uint(x)
#define xen_mk_ulong(x) __xen_mk_ulong(x)
#define xen_mk_ullong(x) __xen_mk_ullong(x)
#endif

/* A guest handle wraps a pointer into the caller's memory, so handles of
 * different types cannot be mixed up. */
#define ___DEFINE_XEN_GUEST_HANDLE(name, type) typedef struct { type *p; } __guest_handle_##name
#define __DEFINE_XEN_GUEST_HANDLE(name, type)                                                      \
	___DEFINE_XEN_GUEST_HANDLE(name, type);                                                    \
	___DEFINE_XEN_GUEST_HANDLE(const_##name, const type)
#define DEFINE_XEN_GUEST_HANDLE(name) __DEFINE_XEN_GUEST_HANDLE(name, name)
#define __XEN_GUEST_HANDLE(name) __guest_handle_##name
#define XEN_GUEST_HANDLE(name) __XEN_GUEST_HANDLE(name)
#define XEN_GUEST_HANDLE_PARAM(name) XEN_GUEST_HANDLE(name)
#define set_xen_guest_handle_raw(hnd, val) do { (hnd).p = (val); } while (0)
#define set_xen_guest_handle(hnd, val) set_xen_guest_handle_raw(hnd, val)

#if defined(__i386__)
#include "xen-x86_32.h"
#elif defined(__x86_64__)
#include "xen-x86_64.h"
#else
#error "XG's public headers describe x86 guests only"
#endif

/* Frame numbers and the ABI's unsigned long. */
typedef unsigned long xen_pfn_t;
#define PRI_xen_pfn "lx"
#define PRIu_xen_pfn "lu"
typedef unsigned long xen_ulong_t;
#define PRI_xen_ulong "lx"

__DEFINE_XEN_GUEST_HANDLE(uchar, unsigned char);
__DEFINE_XEN_GUEST_HANDLE(uint, unsigned int);
__DEFINE_XEN_GUEST_HANDLE(ulong, unsigned long);
DEFINE_XEN_GUEST_HANDLE(char);
DEFINE_XEN_GUEST_HANDLE(int);
DEFINE_XEN_GUEST_HANDLE(long);
DEFINE_XEN_GUEST_HANDLE(void);
DEFINE_XEN_GUEST_HANDLE(uint64_t);
DEFINE_XEN_GUEST_HANDLE(xen_pfn_t);
DEFINE_XEN_GUEST_HANDLE(xen_ulong_t);

/* vCPUs whose vcpu_info lives in shared_info (others register their own). */
#define XEN_LEGACY_MAX_VCPUS 32

/* One entry of a PV guest's virtual IDT (set_trap_table). */
struct trap_info {
	uint8_t vector;        /* exception vector */
	uint8_t flags;         /* bits 0-1: DPL; bit 2: mask events on entry */
	uint16_t cs;           /* handler's code selector */
	unsigned long address; /* handler's address */
};
typedef struct trap_info trap_info_t;
DEFINE_XEN_GUEST_HANDLE(trap_info_t);

typedef uint64_t tsc_timestamp_t;

/* A vCPU's complete PV context (VCPUOP_initialise, the toolstack's
 * setvcpucontext). */
struct vcpu_guest_context {
	struct { char x[512]; } fpu_ctxt; /* FXSAVE image */
#define VGCF_I387_VALID (1 << 0)
#define VGCF_IN_KERNEL (1 << 2)
#define _VGCF_i387_valid 0
#define VGCF_i387_valid (1 << _VGCF_i387_valid)
#define _VGCF_in_kernel 2
#define VGCF_in_kernel (1 << _VGCF_in_kernel)
#define _VGCF_failsafe_disables_events 3
#define VGCF_failsafe_disables_events (1 << _VGCF_failsafe_disables_events)
#define _VGCF_syscall_disables_events 4
#define VGCF_syscall_disables_events (1 << _VGCF_syscall_disables_events)
#define _VGCF_online 5
#define VGCF_online (1 << _VGCF_online)
	unsigned long flags;               /* VGCF_* */
	struct cpu_user_regs user_regs;
	struct trap_info trap_ctxt[256];   /* the virtual IDT */
	unsigned long ldt_base, ldt_ents;  /* LDT: linear address, entries */
	unsigned long gdt_frames[16], gdt_ents; /* GDT: machine frames, entries */
	unsigned long kernel_ss, kernel_sp; /* kernel stack for ring transitions */
	unsigned long ctrlreg[8];          /* CR0-CR7 (CR3 as xen_pfn_to_cr3) */
	unsigned long debugreg[8];         /* DR0-DR7 */
#ifdef __i386__
	unsigned long event_callback_cs;
	unsigned long event_callback_eip;
	unsigned long failsafe_callback_cs;
	unsigned long failsafe_callback_eip;
#else
	unsigned long event_callback_eip;
	unsigned long failsafe_callback_eip;
	unsigned long syscall_callback_eip;
#endif
	unsigned long vm_assist;           /* VMASST_TYPE_* bits */
#ifdef __x86_64__
	uint64_t fs_base;
	uint64_t gs_base_kernel;
	uint64_t gs_base_user;
#endif
};
typedef struct vcpu_guest_context vcpu_guest_context_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_guest_context_t);

struct arch_shared_info {
	unsigned long max_pfn;                 /* highest pfn + 1 */
	xen_pfn_t pfn_to_mfn_frame_list_list;  /* frame of the P2M frame list list */
	unsigned long nmi_reason;
	unsigned long p2m_cr3;                 /* address space of the virtual P2M */
	unsigned long p2m_vaddr;               /* its virtual address */
	unsigned long p2m_generation;          /* changes while the P2M is updated */
#ifdef __i386__
	uint32_t wc_sec_hi;
#endif
};
typedef struct arch_shared_info arch_shared_info_t;

#endif
