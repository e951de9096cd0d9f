/*
 * Where the hypervisor lives in a PV guest's address space, by guest width.
 * These are Xen's values: guests compute their own limits from them.
 */
#ifndef HV_PV_LAYOUT_H
#define HV_PV_LAYOUT_H

/* 64-bit PV: the range Xen reserves for itself in every address space. */
#define PV64_RESERVED_START 0xffff800000000000ull
#define PV64_RESERVED_END 0xffff880000000000ull
#define PV64_RESERVED_FIRST_L4 256
#define PV64_RESERVED_LAST_L4 271
#define PV64_M2P_L4 256 /* MACH2PHYS_VIRT_START: the read-only M2P */

/*
 * 32-bit PAE PV: everything from HYPERVISOR_VIRT_START up is the
 * hypervisor's.  It is mapped by the L2 in the guest's L3 slot 3 (type
 * PGT_pae_xen_l2), whose slots from PV32_FIRST_XEN_L2 on the guest cannot
 * write; the compat M2P occupies them up to PV32_M2P_END.
 */
#define PV32_HV_START 0xf5800000u
#define PV32_M2P_START PV32_HV_START
#define PV32_M2P_END 0xffe00000u
#define PV32_M2P_ENTRIES ((PV32_M2P_END - PV32_M2P_START) / 4u)
#define PV32_FIRST_XEN_L2 ((PV32_HV_START >> 21) & 511u) /* 428 */
#define PV32_XEN_L2_SLOTS (512u - PV32_FIRST_XEN_L2)
/* A 32-bit guest's top-level table has 4 entries; the one for 3-4 GiB is
 * the hypervisor's L2. */
#define PV32_L3_ENTRIES 4u
#define PV32_L3_XEN_SLOT 3u
/* 32-bit guests make hypercalls with int $0x82. */
#define PV32_HYPERCALL_VECTOR 0x82

#endif
