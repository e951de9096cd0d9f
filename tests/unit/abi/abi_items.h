/*
 * The ABI facts compared between XG's public headers and Xen's: each X()
 * is a constant, a size or an offset.  ABI_COMMON holds what exists for
 * both guest widths; ABI_64 and ABI_32 what exists for one.
 */
#define ABI_COMMON(X)                                                                              \
	X(__HYPERVISOR_set_trap_table) X(__HYPERVISOR_mmu_update) X(__HYPERVISOR_set_gdt)          \
	X(__HYPERVISOR_stack_switch) X(__HYPERVISOR_set_callbacks) X(__HYPERVISOR_fpu_taskswitch)  \
	X(__HYPERVISOR_sched_op_compat) X(__HYPERVISOR_platform_op) X(__HYPERVISOR_set_debugreg)   \
	X(__HYPERVISOR_get_debugreg) X(__HYPERVISOR_update_descriptor) X(__HYPERVISOR_memory_op)   \
	X(__HYPERVISOR_multicall) X(__HYPERVISOR_update_va_mapping) X(__HYPERVISOR_set_timer_op)   \
	X(__HYPERVISOR_event_channel_op_compat) X(__HYPERVISOR_xen_version)                        \
	X(__HYPERVISOR_console_io) X(__HYPERVISOR_physdev_op_compat)                               \
	X(__HYPERVISOR_grant_table_op) X(__HYPERVISOR_vm_assist)                                   \
	X(__HYPERVISOR_update_va_mapping_otherdomain) X(__HYPERVISOR_iret) X(__HYPERVISOR_vcpu_op) \
	X(__HYPERVISOR_set_segment_base) X(__HYPERVISOR_mmuext_op) X(__HYPERVISOR_xsm_op)          \
	X(__HYPERVISOR_nmi_op) X(__HYPERVISOR_sched_op) X(__HYPERVISOR_callback_op)                \
	X(__HYPERVISOR_xenoprof_op) X(__HYPERVISOR_event_channel_op) X(__HYPERVISOR_physdev_op)    \
	X(__HYPERVISOR_hvm_op) X(__HYPERVISOR_sysctl) X(__HYPERVISOR_domctl)                       \
	X(__HYPERVISOR_kexec_op) X(__HYPERVISOR_tmem_op) X(__HYPERVISOR_argo_op)                   \
	X(__HYPERVISOR_xenpmu_op) X(__HYPERVISOR_dm_op) X(__HYPERVISOR_hypfs_op)                   \
	X(__HYPERVISOR_arch_0) X(__HYPERVISOR_arch_1) X(__HYPERVISOR_arch_7)                       \
	X(VIRQ_TIMER) X(VIRQ_DEBUG) X(VIRQ_CONSOLE) X(VIRQ_DOM_EXC) X(VIRQ_TBUF) X(VIRQ_DEBUGGER)  \
	X(VIRQ_XENOPROF) X(VIRQ_CON_RING) X(VIRQ_PCPU_STATE) X(VIRQ_MEM_EVENT) X(VIRQ_ARGO)        \
	X(VIRQ_ENOMEM) X(VIRQ_XENPMU) X(VIRQ_ARCH_0) X(VIRQ_ARCH_7) X(NR_VIRQS)                    \
	X(MMU_NORMAL_PT_UPDATE) X(MMU_MACHPHYS_UPDATE) X(MMU_PT_UPDATE_PRESERVE_AD)                \
	X(MMU_PT_UPDATE_NO_TRANSLATE)                                      \
	X(MMUEXT_PIN_L1_TABLE) X(MMUEXT_PIN_L2_TABLE) X(MMUEXT_PIN_L3_TABLE)                       \
	X(MMUEXT_PIN_L4_TABLE) X(MMUEXT_UNPIN_TABLE) X(MMUEXT_NEW_BASEPTR)                         \
	X(MMUEXT_TLB_FLUSH_LOCAL) X(MMUEXT_INVLPG_LOCAL) X(MMUEXT_TLB_FLUSH_MULTI)                 \
	X(MMUEXT_INVLPG_MULTI) X(MMUEXT_TLB_FLUSH_ALL) X(MMUEXT_INVLPG_ALL) X(MMUEXT_FLUSH_CACHE)  \
	X(MMUEXT_SET_LDT) X(MMUEXT_NEW_USER_BASEPTR) X(MMUEXT_CLEAR_PAGE) X(MMUEXT_COPY_PAGE)      \
	X(MMUEXT_FLUSH_CACHE_GLOBAL) X(MMUEXT_MARK_SUPER) X(MMUEXT_UNMARK_SUPER)                   \
	X(UVMF_NONE) X(UVMF_TLB_FLUSH) X(UVMF_INVLPG) X(UVMF_FLUSHTYPE_MASK) X(UVMF_MULTI)         \
	X(UVMF_LOCAL) X(UVMF_ALL) X(CONSOLEIO_write) X(CONSOLEIO_read)                             \
	X(VMASST_CMD_enable) X(VMASST_CMD_disable) X(VMASST_TYPE_4gb_segments)                     \
	X(VMASST_TYPE_4gb_segments_notify) X(VMASST_TYPE_writable_pagetables)                      \
	X(VMASST_TYPE_pae_extended_cr3) X(VMASST_TYPE_architectural_iopl)                          \
	X(VMASST_TYPE_runstate_update_flag) X(VMASST_TYPE_m2p_strict)                              \
	X(DOMID_FIRST_RESERVED) X(DOMID_SELF) X(DOMID_IO) X(DOMID_XEN) X(DOMID_COW)                \
	X(DOMID_INVALID) X(DOMID_IDLE) X(DOMID_MASK) X(XEN_LEGACY_MAX_VCPUS) X(MAX_GUEST_CMDLINE)  \
	X(SIF_PRIVILEGED) X(SIF_INITDOMAIN) X(SIF_MULTIBOOT_MOD) X(SIF_MOD_START_PFN)              \
	X(SIF_VIRT_P2M_4TOOLS) X(SIF_PM_MASK)                                                      \
	X(sizeof(struct mmu_update)) X(sizeof(struct mmuext_op))                                   \
	X(offsetof(struct mmuext_op, arg1)) X(offsetof(struct mmuext_op, arg2))                    \
	X(sizeof(struct multicall_entry)) X(offsetof(struct multicall_entry, args))                \
	X(sizeof(struct vcpu_time_info)) X(offsetof(struct vcpu_time_info, tsc_timestamp))         \
	X(offsetof(struct vcpu_time_info, system_time))                                            \
	X(offsetof(struct vcpu_time_info, tsc_to_system_mul))                                      \
	X(offsetof(struct vcpu_time_info, tsc_shift)) X(offsetof(struct vcpu_time_info, flags))    \
	X(sizeof(struct vcpu_info)) X(offsetof(struct vcpu_info, evtchn_upcall_mask))              \
	X(offsetof(struct vcpu_info, evtchn_pending_sel)) X(offsetof(struct vcpu_info, arch))      \
	X(offsetof(struct vcpu_info, time)) X(sizeof(struct arch_vcpu_info))                       \
	X(sizeof(struct shared_info)) X(offsetof(struct shared_info, evtchn_pending))              \
	X(offsetof(struct shared_info, evtchn_mask)) X(offsetof(struct shared_info, wc_version))   \
	X(offsetof(struct shared_info, wc_sec)) X(offsetof(struct shared_info, wc_nsec))           \
	X(offsetof(struct shared_info, arch)) X(sizeof(struct arch_shared_info))                   \
	X(offsetof(struct arch_shared_info, pfn_to_mfn_frame_list_list))                           \
	X(offsetof(struct arch_shared_info, p2m_vaddr))                                            \
	X(offsetof(struct arch_shared_info, p2m_generation))                                       \
	X(sizeof(struct start_info)) X(offsetof(struct start_info, nr_pages))                      \
	X(offsetof(struct start_info, shared_info)) X(offsetof(struct start_info, flags))          \
	X(offsetof(struct start_info, store_mfn)) X(offsetof(struct start_info, store_evtchn))     \
	X(offsetof(struct start_info, console.domU.mfn))                                           \
	X(offsetof(struct start_info, console.domU.evtchn))                                        \
	X(offsetof(struct start_info, pt_base)) X(offsetof(struct start_info, nr_pt_frames))       \
	X(offsetof(struct start_info, mfn_list)) X(offsetof(struct start_info, mod_start))         \
	X(offsetof(struct start_info, mod_len)) X(offsetof(struct start_info, cmd_line))           \
	X(offsetof(struct start_info, first_p2m_pfn)) X(offsetof(struct start_info, nr_p2m_frames)) \
	X(sizeof(struct cpu_user_regs)) X(offsetof(struct cpu_user_regs, cs))                      \
	X(offsetof(struct cpu_user_regs, saved_upcall_mask))                                       \
	X(offsetof(struct cpu_user_regs, ss)) X(offsetof(struct cpu_user_regs, gs))                \
	X(sizeof(struct trap_info)) X(offsetof(struct trap_info, address))                         \
	X(sizeof(struct vcpu_guest_context)) X(offsetof(struct vcpu_guest_context, flags))         \
	X(offsetof(struct vcpu_guest_context, user_regs))                                          \
	X(offsetof(struct vcpu_guest_context, trap_ctxt))                                          \
	X(offsetof(struct vcpu_guest_context, ldt_base))                                           \
	X(offsetof(struct vcpu_guest_context, gdt_frames))                                         \
	X(offsetof(struct vcpu_guest_context, kernel_ss))                                          \
	X(offsetof(struct vcpu_guest_context, ctrlreg))                                            \
	X(offsetof(struct vcpu_guest_context, debugreg))                                           \
	X(offsetof(struct vcpu_guest_context, event_callback_eip))                                 \
	X(offsetof(struct vcpu_guest_context, failsafe_callback_eip))                              \
	X(offsetof(struct vcpu_guest_context, vm_assist))                                          \
	X(XEN_ELFNOTE_INFO) X(XEN_ELFNOTE_ENTRY) X(XEN_ELFNOTE_HYPERCALL_PAGE)                     \
	X(XEN_ELFNOTE_VIRT_BASE) X(XEN_ELFNOTE_PADDR_OFFSET) X(XEN_ELFNOTE_XEN_VERSION)            \
	X(XEN_ELFNOTE_GUEST_OS) X(XEN_ELFNOTE_GUEST_VERSION) X(XEN_ELFNOTE_LOADER)                 \
	X(XEN_ELFNOTE_PAE_MODE) X(XEN_ELFNOTE_FEATURES) X(XEN_ELFNOTE_BSD_SYMTAB)                  \
	X(XEN_ELFNOTE_HV_START_LOW) X(XEN_ELFNOTE_L1_MFN_VALID) X(XEN_ELFNOTE_SUSPEND_CANCEL)      \
	X(XEN_ELFNOTE_INIT_P2M) X(XEN_ELFNOTE_MOD_START_PFN) X(XEN_ELFNOTE_SUPPORTED_FEATURES)     \
	X(XEN_ELFNOTE_PHYS32_ENTRY) X(XEN_ELFNOTE_MAX) X(XEN_ELFNOTE_CRASH_INFO)                   \
	X(XEN_ELFNOTE_CRASH_REGS) X(XEN_ELFNOTE_DUMPCORE_NONE) X(XEN_ELFNOTE_DUMPCORE_HEADER)      \
	X(XEN_ELFNOTE_DUMPCORE_XEN_VERSION) X(XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION)                 \
	X(XENVER_version) X(XENVER_extraversion) X(XENVER_compile_info) X(XENVER_capabilities)     \
	X(XENVER_changeset) X(XENVER_platform_parameters) X(XENVER_get_features)                   \
	X(XENVER_pagesize) X(XENVER_guest_handle) X(XENVER_commandline) X(XENVER_build_id)         \
	X(sizeof(xen_extraversion_t)) X(sizeof(struct xen_compile_info))                           \
	X(offsetof(struct xen_compile_info, compile_date)) X(sizeof(xen_capabilities_info_t))      \
	X(sizeof(xen_changeset_info_t)) X(sizeof(struct xen_platform_parameters))                  \
	X(sizeof(struct xen_feature_info)) X(sizeof(xen_commandline_t))                            \
	X(XENFEAT_writable_page_tables) X(XENFEAT_writable_descriptor_tables)                      \
	X(XENFEAT_auto_translated_physmap) X(XENFEAT_supervisor_mode_kernel)                       \
	X(XENFEAT_pae_pgdir_above_4gb) X(XENFEAT_mmu_pt_update_preserve_ad)                        \
	X(XENFEAT_highmem_assist) X(XENFEAT_gnttab_map_avail_bits) X(XENFEAT_hvm_callback_vector)  \
	X(XENFEAT_hvm_safe_pvclock) X(XENFEAT_hvm_pirqs) X(XENFEAT_dom0)                           \
	X(XENFEAT_memory_op_vnode_supported)                         \
	X(XENFEAT_ARM_SMCCC_supported) X(XENFEAT_linux_rsdp_unrestricted)                          \
	X(XENFEAT_not_direct_mapped) X(XENFEAT_direct_mapped) X(XENFEAT_NR_SUBMAPS)                \
	X(SCHEDOP_yield) X(SCHEDOP_block) X(SCHEDOP_shutdown) X(SCHEDOP_poll)                      \
	X(SCHEDOP_remote_shutdown) X(SCHEDOP_shutdown_code) X(SCHEDOP_watchdog)                    \
	X(SCHEDOP_pin_override) X(SHUTDOWN_poweroff) X(SHUTDOWN_reboot) X(SHUTDOWN_suspend)        \
	X(SHUTDOWN_crash) X(SHUTDOWN_watchdog) X(SHUTDOWN_soft_reset) X(SHUTDOWN_MAX)              \
	X(sizeof(struct sched_shutdown)) X(sizeof(struct sched_poll))                              \
	X(offsetof(struct sched_poll, timeout)) X(sizeof(struct sched_remote_shutdown))            \
	X(sizeof(struct sched_watchdog)) X(sizeof(struct sched_pin_override))                      \
	X(XENMEM_increase_reservation) X(XENMEM_decrease_reservation) X(XENMEM_populate_physmap)   \
	X(XENMEM_exchange) X(XENMEM_maximum_ram_page) X(XENMEM_current_reservation)                \
	X(XENMEM_maximum_reservation) X(XENMEM_maximum_gpfn) X(XENMEM_machphys_mfn_list)           \
	X(XENMEM_machphys_compat_mfn_list) X(XENMEM_machphys_mapping) X(XENMEM_add_to_physmap)     \
	X(XENMEM_add_to_physmap_batch) X(XENMEM_remove_from_physmap) X(XENMEM_memory_map)          \
	X(XENMEM_machine_memory_map) X(XENMEM_set_memory_map) X(XENMEM_claim_pages)                \
	X(XENMEM_acquire_resource) X(XENMEMF_address_bits(32)) X(XENMEMF_get_address_bits(0x1234)) \
	X(XENMEMF_node(3)) X(XENMEMF_populate_on_demand) X(XENMEMF_exact_node_request)             \
	X(XENMEMF_vnode) X(sizeof(struct xen_memory_reservation))                                  \
	X(offsetof(struct xen_memory_reservation, nr_extents))                                     \
	X(offsetof(struct xen_memory_reservation, extent_order))                                   \
	X(offsetof(struct xen_memory_reservation, mem_flags))                                      \
	X(offsetof(struct xen_memory_reservation, domid)) X(sizeof(struct xen_memory_exchange))    \
	X(offsetof(struct xen_memory_exchange, nr_exchanged))                                      \
	X(sizeof(struct xen_machphys_mfn_list)) X(sizeof(struct xen_machphys_mapping))             \
	X(sizeof(struct xen_memory_map)) X(offsetof(struct xen_memory_map, buffer))                \
	X(EVTCHNOP_bind_interdomain) X(EVTCHNOP_bind_virq) X(EVTCHNOP_bind_pirq) X(EVTCHNOP_close) \
	X(EVTCHNOP_send) X(EVTCHNOP_status) X(EVTCHNOP_alloc_unbound) X(EVTCHNOP_bind_ipi)         \
	X(EVTCHNOP_bind_vcpu) X(EVTCHNOP_unmask) X(EVTCHNOP_reset) X(EVTCHNOP_init_control)        \
	X(EVTCHNOP_expand_array) X(EVTCHNOP_set_priority)                   \
	X(sizeof(evtchn_port_t)) X(FLAT_KERNEL_CS) X(FLAT_KERNEL_DS) X(FLAT_KERNEL_SS)             \
	X(FLAT_USER_CS) X(FLAT_USER_DS) X(FLAT_USER_SS) X(HYPERVISOR_VIRT_START)                   \
	X(MACH2PHYS_VIRT_START) X(MACH2PHYS_VIRT_END) X(VGCF_i387_valid) X(VGCF_in_kernel)         \
	X(VGCF_failsafe_disables_events) X(VGCF_syscall_disables_events) X(VGCF_online)            \
	X(xen_pfn_to_cr3(0x12345)) X(xen_cr3_to_pfn(0x12345000)) X(xen_pfn_to_cr3(0x123456))

#define ABI_64(X)                                                                                  \
	X(offsetof(struct cpu_user_regs, r15)) X(offsetof(struct cpu_user_regs, rbx))              \
	X(offsetof(struct cpu_user_regs, rax)) X(offsetof(struct cpu_user_regs, rdi))              \
	X(offsetof(struct cpu_user_regs, error_code)) X(offsetof(struct cpu_user_regs, rip))       \
	X(offsetof(struct cpu_user_regs, rflags)) X(offsetof(struct cpu_user_regs, rsp))           \
	X(offsetof(struct vcpu_guest_context, syscall_callback_eip))                               \
	X(offsetof(struct vcpu_guest_context, fs_base))                                            \
	X(offsetof(struct vcpu_guest_context, gs_base_kernel))                                     \
	X(offsetof(struct vcpu_guest_context, gs_base_user)) X(offsetof(struct shared_info, wc_sec_hi)) \
	X(FLAT_RING3_CS32) X(FLAT_RING3_CS64) X(FLAT_RING3_DS32) X(FLAT_RING3_DS64)                \
	X(FLAT_RING3_SS32) X(FLAT_RING3_SS64) X(FLAT_KERNEL_CS32) X(FLAT_KERNEL_DS32)              \
	X(HYPERVISOR_VIRT_END) X(MACH2PHYS_NR_ENTRIES) X(VGCF_in_syscall)                          \
	X(sizeof(struct iret_context))

#define ABI_32(X)                                                                                  \
	X(offsetof(struct cpu_user_regs, ebx)) X(offsetof(struct cpu_user_regs, eax))              \
	X(offsetof(struct cpu_user_regs, error_code)) X(offsetof(struct cpu_user_regs, eip))       \
	X(offsetof(struct cpu_user_regs, eflags)) X(offsetof(struct cpu_user_regs, esp))           \
	X(offsetof(struct vcpu_guest_context, event_callback_cs))                                  \
	X(offsetof(struct vcpu_guest_context, failsafe_callback_cs))                               \
	X(offsetof(struct arch_shared_info, wc_sec_hi)) X(FLAT_RING1_CS) X(FLAT_RING1_DS)          \
	X(FLAT_RING3_CS) X(FLAT_RING3_DS) X(HYPERVISOR_VIRT_START_PAE) X(MACH2PHYS_VIRT_START_PAE) \
	X(MACH2PHYS_VIRT_END_PAE) X(MACH2PHYS_NR_ENTRIES)
