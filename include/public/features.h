/*
 * XG guest ABI: optional features (XENFEAT_*).
 *
 * The hypervisor reports them with XENVER_get_features, 32 per submap; a
 * kernel names the ones it supports or requires in XEN_ELFNOTE_FEATURES
 * and XEN_ELFNOTE_SUPPORTED_FEATURES.
 */
#ifndef XG_PUBLIC_FEATURES_H
#define XG_PUBLIC_FEATURES_H

#define XENFEAT_writable_page_tables 0       /* page tables may be written directly */
#define XENFEAT_writable_descriptor_tables 1 /* so may GDT/LDT pages */
#define XENFEAT_auto_translated_physmap 2    /* the hypervisor translates pfns (no P2M) */
#define XENFEAT_supervisor_mode_kernel 3     /* the kernel runs in ring 0 */
#define XENFEAT_pae_pgdir_above_4gb 4        /* a 32-bit PAE L3 may lie above 4 GiB */
#define XENFEAT_mmu_pt_update_preserve_ad 5  /* MMU_PT_UPDATE_PRESERVE_AD exists */
#define XENFEAT_highmem_assist 6             /* (x86-32) highmem assist */
#define XENFEAT_gnttab_map_avail_bits 7      /* grant mappings keep the PTE's AVAIL bits */
#define XENFEAT_hvm_callback_vector 8        /* HVM: events through a callback vector */
#define XENFEAT_hvm_safe_pvclock 9           /* HVM: PV clock usable */
#define XENFEAT_hvm_pirqs 10                 /* HVM: pirqs usable */
#define XENFEAT_dom0 11                      /* the kernel can be a control domain */
/* 12: grant_map_identity, withdrawn by Xen (not defined) */
#define XENFEAT_memory_op_vnode_supported 13 /* XENMEMF_vnode understood */
#define XENFEAT_ARM_SMCCC_supported 14       /* Arm: SMCCC calls */
#define XENFEAT_linux_rsdp_unrestricted 15   /* the RSDP may be anywhere (Linux boot) */
#define XENFEAT_not_direct_mapped 16         /* memory is not 1:1 mapped */
#define XENFEAT_direct_mapped 17             /* memory is 1:1 mapped */
#define XENFEAT_runstate_phys_area 18        /* VCPUOP_register_runstate_phys_area (Xen 4.19) */
#define XENFEAT_vcpu_time_phys_area 19       /* VCPUOP_register_vcpu_time_phys_area (Xen 4.19) */

#define XENFEAT_NR_SUBMAPS 1 /* 32-bit words of features */

#endif
