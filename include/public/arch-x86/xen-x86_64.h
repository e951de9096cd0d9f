/*
 * 64-bit PV guests: reserved virtual range, flat selectors, registers.
 *
 * Hypercalls: `syscall` with the number in rax and arguments in rdi, rsi,
 * rdx, r10, r8; the result comes back in rax; rcx and r11 are clobbered.
 */
#ifndef XG_PUBLIC_ARCH_X86_XEN_X86_64_H
#define XG_PUBLIC_ARCH_X86_XEN_X86_64_H

/* Selectors of Xen's flat segments (GDT entries 260-262 of the reserved
 * area): the guest kernel and user both run in ring 3. */
#define FLAT_RING3_CS32 0xe023
#define FLAT_RING3_CS64 0xe033
#define FLAT_RING3_DS32 0xe02b
#define FLAT_RING3_DS64 0x0000 /* the null selector */
#define FLAT_RING3_SS32 0xe02b
#define FLAT_RING3_SS64 0xe02b

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

/* The range the hypervisor keeps in every address space, and the
 * read-only machine-to-physical table at its start. */
#define __HYPERVISOR_VIRT_START 0xFFFF800000000000
#define __HYPERVISOR_VIRT_END 0xFFFF880000000000
#define __MACH2PHYS_VIRT_START 0xFFFF800000000000
#define __MACH2PHYS_VIRT_END 0xFFFF804000000000
#define HYPERVISOR_VIRT_START xen_mk_ulong(__HYPERVISOR_VIRT_START)
#define HYPERVISOR_VIRT_END xen_mk_ulong(__HYPERVISOR_VIRT_END)
#define MACH2PHYS_VIRT_START xen_mk_ulong(__MACH2PHYS_VIRT_START)
#define MACH2PHYS_VIRT_END xen_mk_ulong(__MACH2PHYS_VIRT_END)
#define MACH2PHYS_NR_ENTRIES ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 3)

/*
 * The iret hypercall pops this frame from the guest stack.  With
 * VGCF_in_syscall set, rcx and r11 are restored from it and the return is
 * a sysret-like one; otherwise rcx and r11 are left as they are.
 */
#define _VGCF_in_syscall 8
#define VGCF_in_syscall (1 << _VGCF_in_syscall)
#define VGCF_IN_SYSCALL VGCF_in_syscall

struct iret_context {
	uint64_t rax, r11, rcx, flags, rip, cs, rflags, rsp, ss;
	/* Bottom of the frame when returning to user mode. */
};

/* Anonymous unions give each register its 64- and 32-bit names. */
#define __DECL_REG_LOHI(which) union { uint64_t r##which##x; uint32_t e##which##x; }
#define __DECL_REG_LO8(name) union { uint64_t r##name; uint32_t e##name; }
#define __DECL_REG_LO16(name) union { uint64_t r##name; uint32_t e##name; }
#define __DECL_REG_HI(num) union { uint64_t r##num; uint32_t r##num##d; }

struct cpu_user_regs {
	__DECL_REG_HI(15);
	__DECL_REG_HI(14);
	__DECL_REG_HI(13);
	__DECL_REG_HI(12);
	__DECL_REG_LO8(bp);
	__DECL_REG_LOHI(b);
	__DECL_REG_HI(11);
	__DECL_REG_HI(10);
	__DECL_REG_HI(9);
	__DECL_REG_HI(8);
	__DECL_REG_LOHI(a);
	__DECL_REG_LOHI(c);
	__DECL_REG_LOHI(d);
	__DECL_REG_LO8(si);
	__DECL_REG_LO8(di);
	uint32_t error_code;   /* hypervisor-private */
	uint32_t entry_vector; /* hypervisor-private */
	__DECL_REG_LO16(ip);
	uint16_t cs, _pad0[1];
	uint8_t saved_upcall_mask; /* event mask when the frame was made */
	uint8_t _pad1[3];
	__DECL_REG_LO16(flags);
	__DECL_REG_LO8(sp);
	uint16_t ss, _pad2[3];
	uint16_t es, _pad3[3];
	uint16_t ds, _pad4[3];
	uint16_t fs, _pad5[3];
	uint16_t gs, _pad6[3];
};
typedef struct cpu_user_regs cpu_user_regs_t;

#undef __DECL_REG_LOHI
#undef __DECL_REG_LO8
#undef __DECL_REG_LO16
#undef __DECL_REG_HI

struct arch_vcpu_info {
	unsigned long cr2; /* faulting address of the last #PF delivered */
	unsigned long pad; /* keeps vcpu_info at 64 bytes */
};
typedef struct arch_vcpu_info arch_vcpu_info_t;

/* 64-bit guests give CR3 as a plain frame number. */
#define xen_pfn_to_cr3(pfn) ((unsigned long)(pfn) << 12)
#define xen_cr3_to_pfn(cr3) ((unsigned long)(cr3) >> 12)

#endif
