/*
 * Compile-time checks that the structures shared with guests have Xen's
 * sizes and offsets, for whichever guest width is being compiled.
 * (tests/unit/abi compares them with Debian's Xen headers as well.)
 */
#ifndef XG_PUBLIC_LAYOUT_CHECKS_H
#define XG_PUBLIC_LAYOUT_CHECKS_H

#include <stddef.h>

#if defined(__cplusplus)
#define XG_LAYOUT(cond, what) static_assert(cond, what)
#else
#define XG_LAYOUT(cond, what) _Static_assert(cond, what)
#endif

XG_LAYOUT(sizeof(struct vcpu_time_info) == 32, "vcpu_time_info");
XG_LAYOUT(sizeof(struct vcpu_info) == 64, "vcpu_info");
XG_LAYOUT(sizeof(struct mmu_update) == 16, "mmu_update");

#if defined(__x86_64__)
XG_LAYOUT(sizeof(struct cpu_user_regs) == 200, "cpu_user_regs");
XG_LAYOUT(offsetof(struct cpu_user_regs, rip) == 128, "cpu_user_regs.rip");
XG_LAYOUT(offsetof(struct cpu_user_regs, saved_upcall_mask) == 140, "cpu_user_regs.saved_upcall_mask");
XG_LAYOUT(offsetof(struct cpu_user_regs, gs) == 192, "cpu_user_regs.gs");
XG_LAYOUT(sizeof(struct trap_info) == 16, "trap_info");
XG_LAYOUT(sizeof(struct vcpu_guest_context) == 5168, "vcpu_guest_context");
XG_LAYOUT(offsetof(struct vcpu_guest_context, ctrlreg) == 4984, "vcpu_guest_context.ctrlreg");
XG_LAYOUT(offsetof(struct vcpu_guest_context, fs_base) == 5144, "vcpu_guest_context.fs_base");
XG_LAYOUT(sizeof(struct start_info) == 1168, "start_info");
XG_LAYOUT(offsetof(struct start_info, cmd_line) == 128, "start_info.cmd_line");
XG_LAYOUT(offsetof(struct start_info, nr_p2m_frames) == 1160, "start_info.nr_p2m_frames");
XG_LAYOUT(sizeof(struct shared_info) == 3136, "shared_info");
XG_LAYOUT(offsetof(struct shared_info, evtchn_pending) == 2048, "shared_info.evtchn_pending");
XG_LAYOUT(offsetof(struct shared_info, wc_version) == 3072, "shared_info.wc_version");
XG_LAYOUT(sizeof(struct mmuext_op) == 24, "mmuext_op");
XG_LAYOUT(sizeof(struct multicall_entry) == 64, "multicall_entry");
#elif defined(__i386__)
XG_LAYOUT(sizeof(struct cpu_user_regs) == 68, "cpu_user_regs");
XG_LAYOUT(offsetof(struct cpu_user_regs, eip) == 32, "cpu_user_regs.eip");
XG_LAYOUT(sizeof(struct trap_info) == 8, "trap_info");
XG_LAYOUT(sizeof(struct start_info) == 1112, "start_info");
XG_LAYOUT(offsetof(struct start_info, cmd_line) == 80, "start_info.cmd_line");
XG_LAYOUT(sizeof(struct vcpu_guest_context) == 2800, "vcpu_guest_context");
XG_LAYOUT(sizeof(struct shared_info) == 2344, "shared_info");
XG_LAYOUT(sizeof(struct mmuext_op) == 12, "mmuext_op");
XG_LAYOUT(sizeof(struct multicall_entry) == 32, "multicall_entry");
#endif

#undef XG_LAYOUT

#endif
