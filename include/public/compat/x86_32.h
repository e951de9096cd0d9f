/*
 * XG guest ABI: the 32-bit PAE PV layouts, for a 64-bit hypervisor.
 *
 * XG's own header (Xen generates its compat_* headers at build time; XG
 * writes them by hand).  Each struct compat_X has exactly the layout that
 * struct X of the other headers has when compiled for i386 (gcc -m32):
 * members of the same names, with fixed-width types instead of `long` and
 * pointers, and 64-bit members only 4-byte aligned, as the i386 ABI places
 * them.  Structures whose layout is the same for both widths have no
 * compat_ version: use the ordinary one (tests/unit/abi checks both
 * claims against Xen's headers compiled with -m32).
 *
 * This header compiles for either target and gives the same layouts.
 */
#ifndef XG_PUBLIC_COMPAT_X86_32_H
#define XG_PUBLIC_COMPAT_X86_32_H

#include "../xen.h"

/* ---- basic types ------------------------------------------------------------------- */
typedef uint32_t compat_ptr_t;   /* a 32-bit guest's pointer */
typedef uint32_t compat_ulong_t; /* its unsigned long (xen_ulong_t) */
typedef uint32_t compat_pfn_t;   /* its xen_pfn_t */
typedef int32_t compat_long_t;   /* its long */
/* 64-bit integers as i386 lays them out in structures: 4-byte aligned. */
typedef uint64_t compat_uint64_t __attribute__((aligned(4)));
typedef int64_t compat_int64_t __attribute__((aligned(4)));
typedef compat_uint64_t compat_tsc_timestamp_t; /* its tsc_timestamp_t */

/* A 32-bit guest handle: the guest's 32-bit pointer, to be translated. */
#define COMPAT_HANDLE(name) __compat_handle_##name
#define DEFINE_COMPAT_HANDLE(name)                                                                 \
	typedef struct {                                                                           \
		compat_ptr_t c;                                                                    \
	} __compat_handle_##name
DEFINE_COMPAT_HANDLE(void);
DEFINE_COMPAT_HANDLE(const_void);
DEFINE_COMPAT_HANDLE(int);
DEFINE_COMPAT_HANDLE(uint);
DEFINE_COMPAT_HANDLE(xen_pfn_t);
DEFINE_COMPAT_HANDLE(xen_ulong_t);
DEFINE_COMPAT_HANDLE(evtchn_port_t);
DEFINE_COMPAT_HANDLE(vcpu_runstate_info_t);
DEFINE_COMPAT_HANDLE(vcpu_time_info_t);
DEFINE_COMPAT_HANDLE(xen_vmemrange_t);

/* ---- constants that differ for 32-bit guests ------------------------------------------ */
#define COMPAT_FLAT_RING1_CS 0xe019 /* kernel code, GDT entry 259 */
#define COMPAT_FLAT_RING1_DS 0xe021 /* kernel data, GDT entry 260 */
#define COMPAT_FLAT_RING1_SS 0xe021
#define COMPAT_FLAT_RING3_CS 0xe02b /* user code, GDT entry 261 */
#define COMPAT_FLAT_RING3_DS 0xe033 /* user data, GDT entry 262 */
#define COMPAT_FLAT_RING3_SS 0xe033
#define COMPAT_FLAT_KERNEL_CS COMPAT_FLAT_RING1_CS
#define COMPAT_FLAT_KERNEL_DS COMPAT_FLAT_RING1_DS
#define COMPAT_FLAT_KERNEL_SS COMPAT_FLAT_RING1_SS
#define COMPAT_FLAT_USER_CS COMPAT_FLAT_RING3_CS
#define COMPAT_FLAT_USER_DS COMPAT_FLAT_RING3_DS
#define COMPAT_FLAT_USER_SS COMPAT_FLAT_RING3_SS

/* Default start of the hypervisor's range and the M2P (4-byte entries);
 * a guest may ask for a lower start with XEN_ELFNOTE_HV_START_LOW. */
#define COMPAT_HYPERVISOR_VIRT_START 0xF5800000u
#define COMPAT_MACH2PHYS_VIRT_START 0xF5800000u
#define COMPAT_MACH2PHYS_VIRT_END 0xF6800000u
#define COMPAT_MACH2PHYS_NR_ENTRIES ((COMPAT_MACH2PHYS_VIRT_END - COMPAT_MACH2PHYS_VIRT_START) >> 2)

/* 2-level event channels: 32 words of 32 bits. */
#define COMPAT_EVTCHN_2L_NR_CHANNELS (sizeof(compat_ulong_t) * sizeof(compat_ulong_t) * 64)

/* CR3 of a 32-bit guest: the frame number rotated left by 12 bits. */
#define compat_xen_pfn_to_cr3(pfn) ((uint32_t)((uint32_t)(pfn) << 12 | (uint32_t)(pfn) >> 20))
#define compat_xen_cr3_to_pfn(cr3) ((uint32_t)((uint32_t)(cr3) >> 12 | (uint32_t)(cr3) << 20))

/* ---- xen.h ---------------------------------------------------------------------------- */
struct compat_mmu_update {
	compat_uint64_t ptr;
	compat_uint64_t val;
};
typedef struct compat_mmu_update compat_mmu_update_t;

struct compat_mmuext_op {
	uint32_t cmd;
	union {
		compat_pfn_t mfn;
		compat_ulong_t linear_addr;
	} arg1;
	union {
		uint32_t nr_ents;
		COMPAT_HANDLE(const_void) vcpumask;
		compat_pfn_t src_mfn;
	} arg2;
};
typedef struct compat_mmuext_op compat_mmuext_op_t;

struct compat_multicall_entry {
	compat_ulong_t op;
	compat_ulong_t result;
	compat_ulong_t args[6];
};
typedef struct compat_multicall_entry compat_multicall_entry_t;

struct compat_vcpu_time_info {
	uint32_t version;
	uint32_t pad0;
	compat_uint64_t tsc_timestamp;
	compat_uint64_t system_time;
	uint32_t tsc_to_system_mul;
	int8_t tsc_shift;
	uint8_t flags;
	uint8_t pad1[2];
};
typedef struct compat_vcpu_time_info compat_vcpu_time_info_t;

struct compat_arch_vcpu_info {
	compat_ulong_t cr2;
	compat_ulong_t pad[5];
};
typedef struct compat_arch_vcpu_info compat_arch_vcpu_info_t;

struct compat_vcpu_info {
	uint8_t evtchn_upcall_pending;
	uint8_t evtchn_upcall_mask;
	compat_ulong_t evtchn_pending_sel;
	struct compat_arch_vcpu_info arch;
	struct compat_vcpu_time_info time;
};
typedef struct compat_vcpu_info compat_vcpu_info_t;

struct compat_arch_shared_info {
	compat_ulong_t max_pfn;
	compat_pfn_t pfn_to_mfn_frame_list_list;
	compat_ulong_t nmi_reason;
	compat_ulong_t p2m_cr3;
	compat_ulong_t p2m_vaddr;
	compat_ulong_t p2m_generation;
	uint32_t wc_sec_hi; /* where 32-bit guests keep the high half of wc_sec */
};
typedef struct compat_arch_shared_info compat_arch_shared_info_t;

struct compat_shared_info {
	struct compat_vcpu_info vcpu_info[XEN_LEGACY_MAX_VCPUS];
	compat_ulong_t evtchn_pending[sizeof(compat_ulong_t) * 8];
	compat_ulong_t evtchn_mask[sizeof(compat_ulong_t) * 8];
	uint32_t wc_version;
	uint32_t wc_sec;
	uint32_t wc_nsec;
	struct compat_arch_shared_info arch;
};
typedef struct compat_shared_info compat_shared_info_t;

struct compat_start_info {
	char magic[32]; /* "xen-3.0-x86_32p" */
	compat_ulong_t nr_pages;
	compat_ulong_t shared_info;
	uint32_t flags;
	compat_pfn_t store_mfn;
	uint32_t store_evtchn;
	union {
		struct {
			compat_pfn_t mfn;
			uint32_t evtchn;
		} domU;
		struct {
			uint32_t info_off;
			uint32_t info_size;
		} dom0;
	} console;
	compat_ulong_t pt_base;
	compat_ulong_t nr_pt_frames;
	compat_ulong_t mfn_list;
	compat_ulong_t mod_start;
	compat_ulong_t mod_len;
	int8_t cmd_line[MAX_GUEST_CMDLINE];
	compat_ulong_t first_p2m_pfn;
	compat_ulong_t nr_p2m_frames;
};
typedef struct compat_start_info compat_start_info_t;

/* ---- arch-x86 ---------------------------------------------------------------------------- */
/* Registers with their 32/16/8-bit names, as struct cpu_user_regs has them
 * on i386. */
#define XG_COMPAT_REG_ABCD(R)                                                                      \
	union {                                                                                    \
		uint32_t e##R##x;                                                                  \
		uint16_t R##x;                                                                     \
		struct {                                                                           \
			uint8_t R##l, R##h;                                                        \
		};                                                                                 \
	}
#define XG_COMPAT_REG_WORD(n)                                                                      \
	union {                                                                                    \
		uint32_t e##n, _e##n;                                                              \
		uint16_t n;                                                                        \
	}
struct compat_cpu_user_regs {
	XG_COMPAT_REG_ABCD(b);
	XG_COMPAT_REG_ABCD(c);
	XG_COMPAT_REG_ABCD(d);
	XG_COMPAT_REG_WORD(si);
	XG_COMPAT_REG_WORD(di);
	XG_COMPAT_REG_WORD(bp);
	XG_COMPAT_REG_ABCD(a);
	uint16_t error_code;
	uint16_t entry_vector;
	XG_COMPAT_REG_WORD(ip);
	uint16_t cs;
	uint8_t saved_upcall_mask;
	uint8_t _pad0;
	XG_COMPAT_REG_WORD(flags);
	XG_COMPAT_REG_WORD(sp);
	uint16_t ss, _pad1;
	uint16_t es, _pad2;
	uint16_t ds, _pad3;
	uint16_t fs, _pad4;
	uint16_t gs, _pad5;
};
typedef struct compat_cpu_user_regs compat_cpu_user_regs_t;
#undef XG_COMPAT_REG_ABCD
#undef XG_COMPAT_REG_WORD

struct compat_trap_info {
	uint8_t vector;
	uint8_t flags;
	uint16_t cs;
	compat_ulong_t address;
};
typedef struct compat_trap_info compat_trap_info_t;

struct compat_vcpu_guest_context {
	struct {
		char x[512];
	} fpu_ctxt;
	compat_ulong_t flags; /* VGCF_* (no VGCF_in_syscall) */
	struct compat_cpu_user_regs user_regs;
	struct compat_trap_info trap_ctxt[256];
	compat_ulong_t ldt_base, ldt_ents;
	compat_ulong_t gdt_frames[16], gdt_ents;
	compat_ulong_t kernel_ss, kernel_sp;
	compat_ulong_t ctrlreg[8]; /* CR3 as compat_xen_pfn_to_cr3() */
	compat_ulong_t debugreg[8];
	compat_ulong_t event_callback_cs;
	compat_ulong_t event_callback_eip;
	compat_ulong_t failsafe_callback_cs;
	compat_ulong_t failsafe_callback_eip;
	compat_ulong_t vm_assist;
};
typedef struct compat_vcpu_guest_context compat_vcpu_guest_context_t;

struct compat_xen_callback {
	compat_ulong_t cs;
	compat_ulong_t eip;
};
typedef struct compat_xen_callback compat_xen_callback_t;

/* ---- callback.h --------------------------------------------------------------------------- */
struct compat_callback_register {
	uint16_t type;
	uint16_t flags;
	compat_xen_callback_t address;
};
typedef struct compat_callback_register compat_callback_register_t;

struct compat_xen_msr_entry {
	uint32_t idx;
	uint32_t flags;
	compat_uint64_t val;
};
typedef struct compat_xen_msr_entry compat_xen_msr_entry_t;

/* ---- version.h ---------------------------------------------------------------------------- */
struct compat_xen_platform_parameters {
	compat_ulong_t virt_start;
};
typedef struct compat_xen_platform_parameters compat_xen_platform_parameters_t;

/* ---- sched.h ------------------------------------------------------------------------------ */
struct compat_sched_poll {
	COMPAT_HANDLE(evtchn_port_t) ports;
	uint32_t nr_ports;
	compat_uint64_t timeout;
};
typedef struct compat_sched_poll compat_sched_poll_t;

/* ---- vcpu.h ------------------------------------------------------------------------------- */
struct compat_vcpu_runstate_info {
	int32_t state;
	compat_uint64_t state_entry_time;
	compat_uint64_t time[4];
};
typedef struct compat_vcpu_runstate_info compat_vcpu_runstate_info_t;

struct compat_vcpu_register_runstate_memory_area {
	union {
		COMPAT_HANDLE(vcpu_runstate_info_t) h;
		compat_ptr_t v;
		compat_uint64_t p;
	} addr;
};
typedef struct compat_vcpu_register_runstate_memory_area compat_vcpu_register_runstate_memory_area_t;

struct compat_vcpu_set_periodic_timer {
	compat_uint64_t period_ns;
};
typedef struct compat_vcpu_set_periodic_timer compat_vcpu_set_periodic_timer_t;

struct compat_vcpu_set_singleshot_timer {
	compat_uint64_t timeout_abs_ns;
	uint32_t flags;
};
typedef struct compat_vcpu_set_singleshot_timer compat_vcpu_set_singleshot_timer_t;

struct compat_vcpu_register_vcpu_info {
	compat_uint64_t mfn;
	uint32_t offset;
	uint32_t rsvd;
};
typedef struct compat_vcpu_register_vcpu_info compat_vcpu_register_vcpu_info_t;

struct compat_vcpu_get_physid {
	compat_uint64_t phys_id;
};
typedef struct compat_vcpu_get_physid compat_vcpu_get_physid_t;

struct compat_vcpu_register_time_memory_area {
	union {
		COMPAT_HANDLE(vcpu_time_info_t) h;
		compat_ptr_t v;
		compat_uint64_t p;
	} addr;
};
typedef struct compat_vcpu_register_time_memory_area compat_vcpu_register_time_memory_area_t;

/* ---- memory.h ----------------------------------------------------------------------------- */
struct compat_xen_memory_reservation {
	COMPAT_HANDLE(xen_pfn_t) extent_start;
	compat_ulong_t nr_extents;
	uint32_t extent_order;
	uint32_t mem_flags;
	domid_t domid;
};
typedef struct compat_xen_memory_reservation compat_xen_memory_reservation_t;

struct compat_xen_memory_exchange {
	struct compat_xen_memory_reservation in;
	struct compat_xen_memory_reservation out;
	compat_ulong_t nr_exchanged;
};
typedef struct compat_xen_memory_exchange compat_xen_memory_exchange_t;

struct compat_xen_machphys_mfn_list {
	uint32_t max_extents;
	COMPAT_HANDLE(xen_pfn_t) extent_start;
	uint32_t nr_extents;
};
typedef struct compat_xen_machphys_mfn_list compat_xen_machphys_mfn_list_t;

struct compat_xen_machphys_mapping {
	compat_ulong_t v_start, v_end;
	compat_ulong_t max_mfn;
};
typedef struct compat_xen_machphys_mapping compat_xen_machphys_mapping_t;

struct compat_xen_add_to_physmap {
	domid_t domid;
	uint16_t size;
	uint32_t space;
	compat_ulong_t idx;
	compat_pfn_t gpfn;
};
typedef struct compat_xen_add_to_physmap compat_xen_add_to_physmap_t;

struct compat_xen_add_to_physmap_batch {
	domid_t domid;
	uint16_t space;
	uint16_t size;
	union {
		domid_t foreign_domid;
		uint16_t res0;
	} u;
	COMPAT_HANDLE(xen_ulong_t) idxs;
	COMPAT_HANDLE(xen_pfn_t) gpfns;
	COMPAT_HANDLE(int) errs;
};
typedef struct compat_xen_add_to_physmap_batch compat_xen_add_to_physmap_batch_t;

struct compat_xen_remove_from_physmap {
	domid_t domid;
	compat_pfn_t gpfn;
};
typedef struct compat_xen_remove_from_physmap compat_xen_remove_from_physmap_t;

struct compat_xen_memory_map {
	uint32_t nr_entries;
	COMPAT_HANDLE(void) buffer;
};
typedef struct compat_xen_memory_map compat_xen_memory_map_t;

struct compat_xen_foreign_memory_map {
	domid_t domid;
	struct compat_xen_memory_map map;
};
typedef struct compat_xen_foreign_memory_map compat_xen_foreign_memory_map_t;

struct compat_xen_pod_target {
	compat_uint64_t target_pages;
	compat_uint64_t tot_pages;
	compat_uint64_t pod_cache_pages;
	compat_uint64_t pod_entries;
	domid_t domid;
};
typedef struct compat_xen_pod_target compat_xen_pod_target_t;

struct compat_xen_reserved_device_memory {
	compat_pfn_t start_pfn;
	compat_ulong_t nr_pages;
};
typedef struct compat_xen_reserved_device_memory compat_xen_reserved_device_memory_t;

struct compat_xen_mem_acquire_resource {
	domid_t domid;
	uint16_t type;
	uint32_t id;
	uint32_t nr_frames;
	uint32_t pad;
	compat_uint64_t frame;
	COMPAT_HANDLE(xen_pfn_t) frame_list;
};
typedef struct compat_xen_mem_acquire_resource compat_xen_mem_acquire_resource_t;

struct compat_xen_vmemrange {
	compat_uint64_t start, end;
	uint32_t flags;
	uint32_t nid;
};
typedef struct compat_xen_vmemrange compat_xen_vmemrange_t;

struct compat_xen_vnuma_topology_info {
	domid_t domid;
	uint16_t pad;
	uint32_t nr_vnodes;
	uint32_t nr_vcpus;
	uint32_t nr_vmemranges;
	union {
		COMPAT_HANDLE(uint) h;
		compat_uint64_t pad;
	} vdistance;
	union {
		COMPAT_HANDLE(uint) h;
		compat_uint64_t pad;
	} vcpu_to_vnode;
	union {
		COMPAT_HANDLE(xen_vmemrange_t) h;
		compat_uint64_t pad;
	} vmemrange;
};
typedef struct compat_xen_vnuma_topology_info compat_xen_vnuma_topology_info_t;

/* ---- event_channel.h ---------------------------------------------------------------------- */
struct compat_evtchn_init_control {
	compat_uint64_t control_gfn;
	uint32_t offset;
	uint32_t vcpu;
	uint8_t link_bits;
	uint8_t _pad[7];
};
typedef struct compat_evtchn_init_control compat_evtchn_init_control_t;

struct compat_evtchn_expand_array {
	compat_uint64_t array_gfn;
};
typedef struct compat_evtchn_expand_array compat_evtchn_expand_array_t;

/* ---- layout checks (i386 values, whatever the target) --------------------------------------- */
#define XG_COMPAT_SIZE(type, n) XG_ABI_ASSERT(sizeof(type) == (n))
#define XG_COMPAT_OFFSET(type, member, n) XG_ABI_ASSERT(offsetof(type, member) == (n))
XG_COMPAT_SIZE(struct compat_mmu_update, 16)
XG_COMPAT_SIZE(struct compat_mmuext_op, 12)
XG_COMPAT_OFFSET(struct compat_mmuext_op, arg2, 8)
XG_COMPAT_SIZE(struct compat_multicall_entry, 32)
XG_COMPAT_SIZE(struct compat_vcpu_time_info, 32)
XG_COMPAT_SIZE(struct compat_vcpu_info, 64)
XG_COMPAT_OFFSET(struct compat_vcpu_info, evtchn_pending_sel, 4)
XG_COMPAT_OFFSET(struct compat_vcpu_info, arch, 8)
XG_COMPAT_OFFSET(struct compat_vcpu_info, time, 32)
XG_COMPAT_SIZE(struct compat_arch_shared_info, 28)
XG_COMPAT_SIZE(struct compat_shared_info, 2344)
XG_COMPAT_OFFSET(struct compat_shared_info, evtchn_pending, 2048)
XG_COMPAT_OFFSET(struct compat_shared_info, evtchn_mask, 2176)
XG_COMPAT_OFFSET(struct compat_shared_info, wc_version, 2304)
XG_COMPAT_OFFSET(struct compat_shared_info, arch, 2316)
XG_COMPAT_OFFSET(struct compat_shared_info, arch.wc_sec_hi, 2340)
XG_COMPAT_SIZE(struct compat_start_info, 1112)
XG_COMPAT_OFFSET(struct compat_start_info, store_mfn, 44)
XG_COMPAT_OFFSET(struct compat_start_info, console.domU.evtchn, 56)
XG_COMPAT_OFFSET(struct compat_start_info, cmd_line, 80)
XG_COMPAT_OFFSET(struct compat_start_info, nr_p2m_frames, 1108)
XG_COMPAT_SIZE(struct compat_cpu_user_regs, 68)
XG_COMPAT_OFFSET(struct compat_cpu_user_regs, eax, 24)
XG_COMPAT_OFFSET(struct compat_cpu_user_regs, eip, 32)
XG_COMPAT_OFFSET(struct compat_cpu_user_regs, saved_upcall_mask, 38)
XG_COMPAT_OFFSET(struct compat_cpu_user_regs, eflags, 40)
XG_COMPAT_OFFSET(struct compat_cpu_user_regs, gs, 64)
XG_COMPAT_SIZE(struct compat_trap_info, 8)
XG_COMPAT_SIZE(struct compat_vcpu_guest_context, 2800)
XG_COMPAT_OFFSET(struct compat_vcpu_guest_context, user_regs, 516)
XG_COMPAT_OFFSET(struct compat_vcpu_guest_context, trap_ctxt, 584)
XG_COMPAT_OFFSET(struct compat_vcpu_guest_context, ctrlreg, 2716)
XG_COMPAT_OFFSET(struct compat_vcpu_guest_context, event_callback_cs, 2780)
XG_COMPAT_OFFSET(struct compat_vcpu_guest_context, vm_assist, 2796)
XG_COMPAT_SIZE(struct compat_xen_callback, 8)
XG_COMPAT_SIZE(struct compat_callback_register, 12)
XG_COMPAT_SIZE(struct compat_xen_msr_entry, 16)
XG_COMPAT_SIZE(struct compat_xen_platform_parameters, 4)
XG_COMPAT_SIZE(struct compat_sched_poll, 16)
XG_COMPAT_OFFSET(struct compat_sched_poll, timeout, 8)
XG_COMPAT_SIZE(struct compat_vcpu_runstate_info, 44)
XG_COMPAT_OFFSET(struct compat_vcpu_runstate_info, state_entry_time, 4)
XG_COMPAT_OFFSET(struct compat_vcpu_runstate_info, time, 12)
XG_COMPAT_SIZE(struct compat_vcpu_register_runstate_memory_area, 8)
XG_COMPAT_SIZE(struct compat_vcpu_set_periodic_timer, 8)
XG_COMPAT_SIZE(struct compat_vcpu_set_singleshot_timer, 12)
XG_COMPAT_SIZE(struct compat_vcpu_register_vcpu_info, 16)
XG_COMPAT_SIZE(struct compat_vcpu_get_physid, 8)
XG_COMPAT_SIZE(struct compat_vcpu_register_time_memory_area, 8)
XG_COMPAT_SIZE(struct compat_xen_memory_reservation, 20)
XG_COMPAT_OFFSET(struct compat_xen_memory_reservation, domid, 16)
XG_COMPAT_SIZE(struct compat_xen_memory_exchange, 44)
XG_COMPAT_SIZE(struct compat_xen_machphys_mfn_list, 12)
XG_COMPAT_SIZE(struct compat_xen_machphys_mapping, 12)
XG_COMPAT_SIZE(struct compat_xen_add_to_physmap, 16)
XG_COMPAT_SIZE(struct compat_xen_add_to_physmap_batch, 20)
XG_COMPAT_SIZE(struct compat_xen_remove_from_physmap, 8)
XG_COMPAT_SIZE(struct compat_xen_memory_map, 8)
XG_COMPAT_SIZE(struct compat_xen_foreign_memory_map, 12)
XG_COMPAT_SIZE(struct compat_xen_pod_target, 36)
XG_COMPAT_SIZE(struct compat_xen_reserved_device_memory, 8)
XG_COMPAT_SIZE(struct compat_xen_mem_acquire_resource, 28)
XG_COMPAT_OFFSET(struct compat_xen_mem_acquire_resource, frame_list, 24)
XG_COMPAT_SIZE(struct compat_xen_vmemrange, 24)
XG_COMPAT_SIZE(struct compat_xen_vnuma_topology_info, 40)
XG_COMPAT_SIZE(struct compat_evtchn_init_control, 24)
XG_COMPAT_SIZE(struct compat_evtchn_expand_array, 8)
#undef XG_COMPAT_SIZE
#undef XG_COMPAT_OFFSET

#endif /* XG_PUBLIC_COMPAT_X86_32_H */
