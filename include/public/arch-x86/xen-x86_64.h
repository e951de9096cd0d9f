/*
 * XG guest ABI, 64-bit PV guests: selectors, the hypervisor's reserved
 * virtual range, registers, CR3 encoding.
 *
 * The guest kernel and its user space both run in ring 3; the kernel
 * makes hypercalls with `syscall` (rax = number; rdi, rsi, rdx, r10, r8 =
 * arguments; rcx and r11 clobbered).  Included through arch-x86/xen.h.
 */
#if !defined(__x86_64__)
#error "arch-x86/xen-x86_64.h is for x86_64 builds"
#endif
#include "xen.h"

#ifndef XG_PUBLIC_ARCH_X86_XEN_X86_64_H
#define XG_PUBLIC_ARCH_X86_XEN_X86_64_H

/* ---- flat segments in the hypervisor's part of the GDT ----------------------- */
#define FLAT_RING3_CS32 0xe023 /* 32-bit code, GDT entry 260 */
#define FLAT_RING3_CS64 0xe033 /* 64-bit code, GDT entry 262 */
#define FLAT_RING3_DS32 0xe02b /* data, GDT entry 261 */
#define FLAT_RING3_DS64 0x0000 /* the null selector */
#define FLAT_RING3_SS32 0xe02b /* stack, GDT entry 261 */
#define FLAT_RING3_SS64 0xe02b /* stack, GDT entry 261 */

/* Kernel and user use the same ring-3 segments. */
#define FLAT_KERNEL_DS64 FLAT_RING3_DS64
#define FLAT_KERNEL_DS32 FLAT_RING3_DS32
#define FLAT_KERNEL_DS FLAT_KERNEL_DS64
#define FLAT_KERNEL_CS64 FLAT_RING3_CS64
#define FLAT_KERNEL_CS32 FLAT_RING3_CS32
#define FLAT_KERNEL_CS FLAT_KERNEL_CS64
#define FLAT_KERNEL_SS64 FLAT_RING3_SS64
#define FLAT_KERNEL_SS32 FLAT_RING3_SS32
#define FLAT_KERNEL_SS FLAT_KERNEL_SS64

#define FLAT_USER_DS64 FLAT_RING3_DS64
#define FLAT_USER_DS32 FLAT_RING3_DS32
#define FLAT_USER_DS FLAT_USER_DS64
#define FLAT_USER_CS64 FLAT_RING3_CS64
#define FLAT_USER_CS32 FLAT_RING3_CS32
#define FLAT_USER_CS FLAT_USER_CS64
#define FLAT_USER_SS64 FLAT_RING3_SS64
#define FLAT_USER_SS32 FLAT_RING3_SS32
#define FLAT_USER_SS FLAT_USER_SS64

/* ---- reserved virtual range ---------------------------------------------------- */
/* The hypervisor owns [HYPERVISOR_VIRT_START, HYPERVISOR_VIRT_END) of every
 * address space (L4 slots 256-271); the read-only M2P table is at its
 * start, 8 bytes per machine frame. */
#define __HYPERVISOR_VIRT_START 0xFFFF800000000000
#define __HYPERVISOR_VIRT_END 0xFFFF880000000000
#define __MACH2PHYS_VIRT_START 0xFFFF800000000000
#define __MACH2PHYS_VIRT_END 0xFFFF804000000000
#ifndef HYPERVISOR_VIRT_START
#define HYPERVISOR_VIRT_START xen_mk_ulong(__HYPERVISOR_VIRT_START)
#define HYPERVISOR_VIRT_END xen_mk_ulong(__HYPERVISOR_VIRT_END)
#endif
#define MACH2PHYS_VIRT_START xen_mk_ulong(__MACH2PHYS_VIRT_START)
#define MACH2PHYS_VIRT_END xen_mk_ulong(__MACH2PHYS_VIRT_END)
#define MACH2PHYS_NR_ENTRIES ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)

/* ---- set_segment_base ------------------------------------------------------------ */
#define SEGBASE_FS 0          /* set the FS base */
#define SEGBASE_GS_USER 1     /* set the user-mode GS base */
#define SEGBASE_GS_KERNEL 2   /* set the kernel-mode GS base */
#define SEGBASE_GS_USER_SEL 3 /* load the user %gs selector given in bits 15:0 */

/* ---- iret ---------------------------------------------------------------------- */
/*
 * __HYPERVISOR_iret pops a struct iret_context from the guest stack.  If
 * `flags` has VGCF_in_syscall, the return is like sysret: rcx and r11 are
 * not restored from the frame; otherwise they are.
 */
#define _VGCF_in_syscall 8
#define VGCF_in_syscall (1 << _VGCF_in_syscall)
#define VGCF_IN_SYSCALL VGCF_in_syscall

#ifndef __ASSEMBLY__
/* The iret frame, lowest address (the guest's rsp) first. */
struct iret_context {
	uint64_t rax, r11, rcx; /* restored registers */
	uint64_t flags;         /* VGCF_in_syscall */
	uint64_t rip, cs, rflags, rsp, ss; /* the hardware-style return frame */
};

/* ---- registers ------------------------------------------------------------------ */
/* Each register under all its names (rax, eax, ax, al, ah ...), as in Xen's
 * hypervisor and toolstack view; the layout is one 64-bit slot each. */
#define XG_REG_ABCD(R)                                                                             \
	union {                                                                                    \
		uint64_t r##R##x;                                                                  \
		uint32_t e##R##x;                                                                  \
		uint16_t R##x;                                                                     \
		struct {                                                                           \
			uint8_t R##l, R##h;                                                        \
		};                                                                                 \
	}
#define XG_REG_BYTE(n) /* rsi, rdi, rbp, rsp: have a low byte, no high byte */                     \
	union {                                                                                    \
		uint64_t r##n;                                                                     \
		uint32_t e##n;                                                                     \
		uint16_t n;                                                                        \
		uint8_t n##l;                                                                      \
	}
#define XG_REG_WORD(n) /* rip, rflags: no byte names */                                            \
	union {                                                                                    \
		uint64_t r##n;                                                                     \
		uint32_t e##n;                                                                     \
		uint16_t n;                                                                        \
	}
#define XG_REG_NUM(n) /* r8 .. r15 */                                                              \
	union {                                                                                    \
		uint64_t r##n;                                                                     \
		uint32_t r##n##d;                                                                  \
		uint16_t r##n##w;                                                                  \
		uint8_t r##n##b;                                                                   \
	}

/* Guest registers, in the order the hypervisor saves them. */
struct cpu_user_regs {
	XG_REG_NUM(15);
	XG_REG_NUM(14);
	XG_REG_NUM(13);
	XG_REG_NUM(12);
	XG_REG_BYTE(bp);
	XG_REG_ABCD(b);
	XG_REG_NUM(11);
	XG_REG_NUM(10);
	XG_REG_NUM(9);
	XG_REG_NUM(8);
	XG_REG_ABCD(a);
	XG_REG_ABCD(c);
	XG_REG_ABCD(d);
	XG_REG_BYTE(si);
	XG_REG_BYTE(di);
	uint32_t error_code;   /* hypervisor-private */
	uint32_t entry_vector; /* hypervisor-private */
	XG_REG_WORD(ip);
	uint16_t cs, _pad0[1];
	uint8_t saved_upcall_mask; /* evtchn_upcall_mask when the frame was made */
	uint8_t _pad1[3];
	XG_REG_WORD(flags); /* rflags; its IF is the inverse of saved_upcall_mask */
	XG_REG_BYTE(sp);
	uint16_t ss, _pad2[3];
	uint16_t es, _pad3[3];
	uint16_t ds, _pad4[3];
	uint16_t fs, _pad5[3];
	uint16_t gs, _pad6[3];
};
typedef struct cpu_user_regs cpu_user_regs_t;
DEFINE_XEN_GUEST_HANDLE(cpu_user_regs_t);

#undef XG_REG_ABCD
#undef XG_REG_BYTE
#undef XG_REG_WORD
#undef XG_REG_NUM
#endif /* !__ASSEMBLY__ */

/* 64-bit guests put the plain frame number in CR3. */
#define xen_pfn_to_cr3(pfn) ((unsigned long)(pfn) << 12)
#define xen_cr3_to_pfn(cr3) ((unsigned long)(cr3) >> 12)

#ifndef __ASSEMBLY__
/* x86 part of vcpu_info. */
struct arch_vcpu_info {
	unsigned long cr2; /* fault address of the last page fault delivered */
	unsigned long pad; /* keeps vcpu_info at 64 bytes */
};
typedef struct arch_vcpu_info arch_vcpu_info_t;

typedef unsigned long xen_callback_t; /* a callback: its address */

XG_ABI_SIZE(struct iret_context, 72, 0)
XG_ABI_OFFSET(struct iret_context, rip, 32, 0)
XG_ABI_SIZE(struct cpu_user_regs, 200, 0)
XG_ABI_OFFSET(struct cpu_user_regs, rbp, 32, 0)
XG_ABI_OFFSET(struct cpu_user_regs, rbx, 40, 0)
XG_ABI_OFFSET(struct cpu_user_regs, rax, 80, 0)
XG_ABI_OFFSET(struct cpu_user_regs, rdi, 112, 0)
XG_ABI_OFFSET(struct cpu_user_regs, error_code, 120, 0)
XG_ABI_OFFSET(struct cpu_user_regs, entry_vector, 124, 0)
XG_ABI_OFFSET(struct cpu_user_regs, rip, 128, 0)
XG_ABI_OFFSET(struct cpu_user_regs, cs, 136, 0)
XG_ABI_OFFSET(struct cpu_user_regs, saved_upcall_mask, 140, 0)
XG_ABI_OFFSET(struct cpu_user_regs, rflags, 144, 0)
XG_ABI_OFFSET(struct cpu_user_regs, rsp, 152, 0)
XG_ABI_OFFSET(struct cpu_user_regs, ss, 160, 0)
XG_ABI_OFFSET(struct cpu_user_regs, gs, 192, 0)
XG_ABI_OFFSET(struct cpu_user_regs, ah, 81, 0)
XG_ABI_SIZE(struct arch_vcpu_info, 16, 0)
#endif

#endif /* XG_PUBLIC_ARCH_X86_XEN_X86_64_H */
