/*
 * XG guest ABI, 32-bit PAE PV guests: selectors, the hypervisor's reserved
 * virtual range, registers, CR3 encoding.
 *
 * The guest kernel runs in ring 1 and makes hypercalls with `int $0x82`
 * (eax = number; ebx, ecx, edx, esi, edi = arguments; result in eax).
 * Included through arch-x86/xen.h when compiling for i386; a 64-bit
 * hypervisor uses compat/x86_32.h instead.
 */
#if !defined(__i386__)
#error "arch-x86/xen-x86_32.h is for i386 builds; 64-bit code uses compat/x86_32.h"
#endif
#include "xen.h"

#ifndef XG_PUBLIC_ARCH_X86_XEN_X86_32_H
#define XG_PUBLIC_ARCH_X86_XEN_X86_32_H

/* ---- flat segments in the hypervisor's part of the GDT ----------------------- */
#define FLAT_RING1_CS 0xe019 /* kernel code, GDT entry 259 */
#define FLAT_RING1_DS 0xe021 /* kernel data, GDT entry 260 */
#define FLAT_RING1_SS 0xe021 /* kernel stack, GDT entry 260 */
#define FLAT_RING3_CS 0xe02b /* user code, GDT entry 261 */
#define FLAT_RING3_DS 0xe033 /* user data, GDT entry 262 */
#define FLAT_RING3_SS 0xe033 /* user stack, GDT entry 262 */

#define FLAT_KERNEL_CS FLAT_RING1_CS
#define FLAT_KERNEL_DS FLAT_RING1_DS
#define FLAT_KERNEL_SS FLAT_RING1_SS
#define FLAT_USER_CS FLAT_RING3_CS
#define FLAT_USER_DS FLAT_RING3_DS
#define FLAT_USER_SS FLAT_RING3_SS

/* ---- reserved virtual range ---------------------------------------------------- */
/* PAE guests: the hypervisor owns the top of the address space from
 * HYPERVISOR_VIRT_START (a guest may ask for a lower start with
 * XEN_ELFNOTE_HV_START_LOW); the read-only M2P table, 4 bytes per machine
 * frame, starts there.  The _NONPAE values are those of the old 2-level
 * guests, kept for reference. */
#define __HYPERVISOR_VIRT_START_PAE 0xF5800000
#define __MACH2PHYS_VIRT_START_PAE 0xF5800000
#define __MACH2PHYS_VIRT_END_PAE 0xF6800000
#define HYPERVISOR_VIRT_START_PAE xen_mk_ulong(__HYPERVISOR_VIRT_START_PAE)
#define MACH2PHYS_VIRT_START_PAE xen_mk_ulong(__MACH2PHYS_VIRT_START_PAE)
#define MACH2PHYS_VIRT_END_PAE xen_mk_ulong(__MACH2PHYS_VIRT_END_PAE)

#define __HYPERVISOR_VIRT_START_NONPAE 0xFC000000
#define __MACH2PHYS_VIRT_START_NONPAE 0xFC000000
#define __MACH2PHYS_VIRT_END_NONPAE 0xFC400000
#define HYPERVISOR_VIRT_START_NONPAE xen_mk_ulong(__HYPERVISOR_VIRT_START_NONPAE)
#define MACH2PHYS_VIRT_START_NONPAE xen_mk_ulong(__MACH2PHYS_VIRT_START_NONPAE)
#define MACH2PHYS_VIRT_END_NONPAE xen_mk_ulong(__MACH2PHYS_VIRT_END_NONPAE)

#define __HYPERVISOR_VIRT_START __HYPERVISOR_VIRT_START_PAE
#define __MACH2PHYS_VIRT_START __MACH2PHYS_VIRT_START_PAE
#define __MACH2PHYS_VIRT_END __MACH2PHYS_VIRT_END_PAE
#ifndef HYPERVISOR_VIRT_START
#define HYPERVISOR_VIRT_START xen_mk_ulong(__HYPERVISOR_VIRT_START)
#endif
#define MACH2PHYS_VIRT_START xen_mk_ulong(__MACH2PHYS_VIRT_START)
#define MACH2PHYS_VIRT_END xen_mk_ulong(__MACH2PHYS_VIRT_END)
#define MACH2PHYS_NR_ENTRIES ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 2)

/* ---- 64-bit-clean handles and quantities --------------------------------------- */
/* Toolstack structures keep 64-bit members 8-byte aligned on 32-bit
 * callers too, and each handle has a 64-bit variant (XEN_GUEST_HANDLE_64)
 * whose upper half set_xen_guest_handle clears. */
#define int64_aligned_t int64_t __attribute__((aligned(8)))
#define uint64_aligned_t uint64_t __attribute__((aligned(8)))
#undef ___DEFINE_XEN_GUEST_HANDLE
#define ___DEFINE_XEN_GUEST_HANDLE(name, type)                                                     \
	typedef struct {                                                                           \
		type *p;                                                                           \
	} __guest_handle_##name;                                                                   \
	typedef struct {                                                                           \
		union {                                                                            \
			type *p;                                                                   \
			uint64_aligned_t q;                                                        \
		};                                                                                 \
	} __guest_handle_64_##name
#undef set_xen_guest_handle_raw
#define set_xen_guest_handle_raw(hnd, val)                                                         \
	do {                                                                                       \
		if (sizeof(hnd) == sizeof(uint64_t))                                               \
			*(uint64_t *)(void *)&(hnd) = 0;                                           \
		(hnd).p = (val);                                                                   \
	} while (0)
#define __XEN_GUEST_HANDLE_64(name) __guest_handle_64_##name
#define XEN_GUEST_HANDLE_64(name) __XEN_GUEST_HANDLE_64(name)

#ifndef __ASSEMBLY__
/* ---- registers ------------------------------------------------------------------ */
/* Each register under its 32-, 16- and 8-bit names, as in Xen's hypervisor
 * and toolstack view; the layout is one 32-bit slot each. */
#define XG_REG_ABCD(R)                                                                             \
	union {                                                                                    \
		uint32_t e##R##x;                                                                  \
		uint16_t R##x;                                                                     \
		struct {                                                                           \
			uint8_t R##l, R##h;                                                        \
		};                                                                                 \
	}
#define XG_REG_WORD(n)                                                                             \
	union {                                                                                    \
		uint32_t e##n, _e##n;                                                              \
		uint16_t n;                                                                        \
	}

/* Guest registers, in the order the hypervisor saves them. */
struct cpu_user_regs {
	XG_REG_ABCD(b);
	XG_REG_ABCD(c);
	XG_REG_ABCD(d);
	XG_REG_WORD(si);
	XG_REG_WORD(di);
	XG_REG_WORD(bp);
	XG_REG_ABCD(a);
	uint16_t error_code;   /* hypervisor-private */
	uint16_t entry_vector; /* hypervisor-private */
	XG_REG_WORD(ip);
	uint16_t cs;
	uint8_t saved_upcall_mask; /* evtchn_upcall_mask when the frame was made */
	uint8_t _pad0;
	XG_REG_WORD(flags); /* eflags; its IF is the inverse of saved_upcall_mask */
	XG_REG_WORD(sp);
	uint16_t ss, _pad1;
	uint16_t es, _pad2;
	uint16_t ds, _pad3;
	uint16_t fs, _pad4;
	uint16_t gs, _pad5;
};
typedef struct cpu_user_regs cpu_user_regs_t;
DEFINE_XEN_GUEST_HANDLE(cpu_user_regs_t);

#undef XG_REG_ABCD
#undef XG_REG_WORD
#endif /* !__ASSEMBLY__ */

/* 32-bit guests give CR3 as the frame number rotated left by 12 bits, so
 * that frames above 4 GiB fit (the extended-CR3 format). */
#define xen_pfn_to_cr3(pfn) (((unsigned)(pfn) << 12) | ((unsigned)(pfn) >> 20))
#define xen_cr3_to_pfn(cr3) (((unsigned)(cr3) >> 12) | ((unsigned)(cr3) << 20))

#ifndef __ASSEMBLY__
/* x86 part of vcpu_info. */
struct arch_vcpu_info {
	unsigned long cr2;    /* fault address of the last page fault delivered */
	unsigned long pad[5]; /* keeps vcpu_info at 64 bytes */
};
typedef struct arch_vcpu_info arch_vcpu_info_t;

/* A callback: code selector and address. */
struct xen_callback {
	unsigned long cs;
	unsigned long eip;
};
typedef struct xen_callback xen_callback_t;

XG_ABI_SIZE(struct cpu_user_regs, 0, 68)
XG_ABI_OFFSET(struct cpu_user_regs, ebp, 0, 20)
XG_ABI_OFFSET(struct cpu_user_regs, eax, 0, 24)
XG_ABI_OFFSET(struct cpu_user_regs, error_code, 0, 28)
XG_ABI_OFFSET(struct cpu_user_regs, entry_vector, 0, 30)
XG_ABI_OFFSET(struct cpu_user_regs, eip, 0, 32)
XG_ABI_OFFSET(struct cpu_user_regs, cs, 0, 36)
XG_ABI_OFFSET(struct cpu_user_regs, saved_upcall_mask, 0, 38)
XG_ABI_OFFSET(struct cpu_user_regs, eflags, 0, 40)
XG_ABI_OFFSET(struct cpu_user_regs, esp, 0, 44)
XG_ABI_OFFSET(struct cpu_user_regs, ss, 0, 48)
XG_ABI_OFFSET(struct cpu_user_regs, gs, 0, 64)
XG_ABI_SIZE(struct arch_vcpu_info, 0, 24)
XG_ABI_SIZE(struct xen_callback, 0, 8)
#endif

#endif /* XG_PUBLIC_ARCH_X86_XEN_X86_32_H */
