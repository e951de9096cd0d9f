/*
 * 32-bit PAE PV guests: reserved range, selectors, registers.
 *
 * Hypercalls: `int $0x82` with the number in eax and arguments in ebx,
 * ecx, edx, esi, edi; the result comes back in eax.  The guest kernel runs
 * in ring 1.
 */
#ifndef XG_PUBLIC_ARCH_X86_XEN_X86_32_H
#define XG_PUBLIC_ARCH_X86_XEN_X86_32_H

#define FLAT_RING1_CS 0xe019 /* GDT index 259 */
#define FLAT_RING1_DS 0xe021 /* GDT index 260 */
#define FLAT_RING1_SS 0xe021
#define FLAT_RING3_CS 0xe02b /* GDT index 261 */
#define FLAT_RING3_DS 0xe033 /* GDT index 262 */
#define FLAT_RING3_SS 0xe033
#define FLAT_KERNEL_CS FLAT_RING1_CS
#define FLAT_KERNEL_DS FLAT_RING1_DS
#define FLAT_KERNEL_SS FLAT_RING1_SS
#define FLAT_USER_CS FLAT_RING3_CS
#define FLAT_USER_DS FLAT_RING3_DS
#define FLAT_USER_SS FLAT_RING3_SS

#define __HYPERVISOR_VIRT_START_PAE 0xF5800000
#define __MACH2PHYS_VIRT_START_PAE 0xF5800000
#define __MACH2PHYS_VIRT_END_PAE 0xF6800000
#define HYPERVISOR_VIRT_START_PAE xen_mk_ulong(__HYPERVISOR_VIRT_START_PAE)
#define MACH2PHYS_VIRT_START_PAE xen_mk_ulong(__MACH2PHYS_VIRT_START_PAE)
#define MACH2PHYS_VIRT_END_PAE xen_mk_ulong(__MACH2PHYS_VIRT_END_PAE)
#define __HYPERVISOR_VIRT_START __HYPERVISOR_VIRT_START_PAE
#define __MACH2PHYS_VIRT_START __MACH2PHYS_VIRT_START_PAE
#define __MACH2PHYS_VIRT_END __MACH2PHYS_VIRT_END_PAE
#define HYPERVISOR_VIRT_START xen_mk_ulong(__HYPERVISOR_VIRT_START)
#define MACH2PHYS_VIRT_START xen_mk_ulong(__MACH2PHYS_VIRT_START)
#define MACH2PHYS_VIRT_END xen_mk_ulong(__MACH2PHYS_VIRT_END)
#define MACH2PHYS_NR_ENTRIES ((MACH2PHYS_VIRT_END - MACH2PHYS_VIRT_START) >> 2)

#define __DECL_REG_LO8(which) uint32_t e##which##x
#define __DECL_REG_LO16(name) uint32_t e##name

struct cpu_user_regs {
	__DECL_REG_LO8(b);
	__DECL_REG_LO8(c);
	__DECL_REG_LO8(d);
	__DECL_REG_LO16(si);
	__DECL_REG_LO16(di);
	__DECL_REG_LO16(bp);
	__DECL_REG_LO8(a);
	uint16_t error_code;   /* hypervisor-private */
	uint16_t entry_vector; /* hypervisor-private */
	__DECL_REG_LO16(ip);
	uint16_t cs;
	uint8_t saved_upcall_mask;
	uint8_t _pad0;
	__DECL_REG_LO16(flags);
	__DECL_REG_LO16(sp);
	uint16_t ss, _pad1;
	uint16_t es, _pad2;
	uint16_t ds, _pad3;
	uint16_t fs, _pad4;
	uint16_t gs, _pad5;
};
typedef struct cpu_user_regs cpu_user_regs_t;

#undef __DECL_REG_LO8
#undef __DECL_REG_LO16

struct arch_vcpu_info {
	unsigned long cr2;
	unsigned long pad[5]; /* keeps vcpu_info at 64 bytes */
};
typedef struct arch_vcpu_info arch_vcpu_info_t;

/* 32-bit guests give CR3 in the extended-CR3 encoding: the frame number
 * rotated so frames above 4 GiB fit in 32 bits. */
#define xen_pfn_to_cr3(pfn) (((unsigned)(pfn) << 12) | ((unsigned)(pfn) >> 20))
#define xen_cr3_to_pfn(cr3) (((unsigned)(cr3) >> 12) | ((unsigned)(cr3) << 20))

#endif
