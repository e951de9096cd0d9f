/*
 * XG guest ABI: __HYPERVISOR_vcpu_op(cmd, vcpuid, arg) -- bringing vCPUs
 * up and down, their timers, runstate and vcpu_info placement.
 */
#ifndef XG_PUBLIC_VCPU_H
#define XG_PUBLIC_VCPU_H

#include "xen.h"

#define VCPUOP_initialise 0 /* set an offline vCPU's context (struct vcpu_guest_context) */
#define VCPUOP_up 1         /* start an initialised vCPU */
#define VCPUOP_down 2       /* stop a vCPU */
#define VCPUOP_is_up 3      /* returns 1 if the vCPU is up */

/* ---- runstate ------------------------------------------------------------------ */
#define VCPUOP_get_runstate_info 4 /* copy the vCPU's struct vcpu_runstate_info */

/* Time accounting of a vCPU. */
struct vcpu_runstate_info {
	int state;                 /* RUNSTATE_* it is in */
	uint64_t state_entry_time; /* system time (ns) it entered that state */
	/* Set in state_entry_time while the hypervisor updates a registered
	 * area (with VMASST_TYPE_runstate_update_flag on). */
#define XEN_RUNSTATE_UPDATE (xen_mk_ullong(1) << 63)
	uint64_t time[4]; /* ns spent in each state; they add up to system time */
};
typedef struct vcpu_runstate_info vcpu_runstate_info_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_runstate_info_t);

#define RUNSTATE_running 0  /* on a physical CPU */
#define RUNSTATE_runnable 1 /* ready, waiting for a CPU */
#define RUNSTATE_blocked 2  /* waiting for an event */
#define RUNSTATE_offline 3  /* down, or paused by the toolstack */

/* Keep a copy of the runstate at a guest virtual address (addr.v), updated
 * whenever the vCPU is descheduled and rescheduled. */
#define VCPUOP_register_runstate_memory_area 5
struct vcpu_register_runstate_memory_area {
	union {
		XEN_GUEST_HANDLE(vcpu_runstate_info_t) h;
		struct vcpu_runstate_info *v;
		uint64_t p; /* physical address, for the _phys_area call */
	} addr;
};
typedef struct vcpu_register_runstate_memory_area vcpu_register_runstate_memory_area_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_register_runstate_memory_area_t);

/* ---- timers ---------------------------------------------------------------------- */
#define VCPUOP_set_periodic_timer 6  /* struct vcpu_set_periodic_timer */
#define VCPUOP_stop_periodic_timer 7 /* arg NULL */
struct vcpu_set_periodic_timer {
	uint64_t period_ns;
};
typedef struct vcpu_set_periodic_timer vcpu_set_periodic_timer_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_set_periodic_timer_t);

#define VCPUOP_set_singleshot_timer 8  /* struct vcpu_set_singleshot_timer */
#define VCPUOP_stop_singleshot_timer 9 /* arg NULL */
struct vcpu_set_singleshot_timer {
	uint64_t timeout_abs_ns; /* absolute system time */
	uint32_t flags;          /* VCPU_SSHOTTMR_* */
};
typedef struct vcpu_set_singleshot_timer vcpu_set_singleshot_timer_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_set_singleshot_timer_t);

/* Fail with -ETIME if the timeout has already passed (a hint: the
 * hypervisor may ignore it). */
#define _VCPU_SSHOTTMR_future (0)
#define VCPU_SSHOTTMR_future (1U << _VCPU_SSHOTTMR_future)

/* ---- vcpu_info placement ------------------------------------------------------------ */
/* Move the vCPU's vcpu_info out of shared_info into a page of the guest's
 * (needed for vCPUs beyond XEN_LEGACY_MAX_VCPUS). */
#define VCPUOP_register_vcpu_info 10
struct vcpu_register_vcpu_info {
	uint64_t mfn;    /* frame holding it */
	uint32_t offset; /* its offset in the frame */
	uint32_t rsvd;   /* zero */
};
typedef struct vcpu_register_vcpu_info vcpu_register_vcpu_info_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_register_vcpu_info_t);

/* Send an NMI to the vCPU (arg NULL). */
#define VCPUOP_send_nmi 11

/* The physical CPU identifiers behind a vCPU (control domain). */
#define VCPUOP_get_physid 12
struct vcpu_get_physid {
	uint64_t phys_id; /* APIC id in bits 0-31, ACPI id in bits 32-63 */
};
typedef struct vcpu_get_physid vcpu_get_physid_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_get_physid_t);
#define xen_vcpu_physid_to_x86_apicid(physid) ((uint32_t)(physid))
#define xen_vcpu_physid_to_x86_acpiid(physid) ((uint32_t)((physid) >> 32))

/* Keep a copy of the vCPU's vcpu_time_info at a guest virtual address
 * (addr.v), for user-space clocks. */
#define VCPUOP_register_vcpu_time_memory_area 13
DEFINE_XEN_GUEST_HANDLE(vcpu_time_info_t);
struct vcpu_register_time_memory_area {
	union {
		XEN_GUEST_HANDLE(vcpu_time_info_t) h;
		struct vcpu_time_info *v;
		uint64_t p; /* physical address, for the _phys_area call */
	} addr;
};
typedef struct vcpu_register_time_memory_area vcpu_register_time_memory_area_t;
DEFINE_XEN_GUEST_HANDLE(vcpu_register_time_memory_area_t);

/* As VCPUOP_register_runstate_memory_area and
 * VCPUOP_register_vcpu_time_memory_area, but addr.p is a guest physical
 * address, mapped once at registration (added in Xen 4.19). */
#define VCPUOP_register_runstate_phys_area 14
#define VCPUOP_register_vcpu_time_phys_area 15

XG_ABI_SIZE(struct vcpu_runstate_info, 48, 44)
XG_ABI_OFFSET(struct vcpu_runstate_info, state_entry_time, 8, 4)
XG_ABI_OFFSET(struct vcpu_runstate_info, time, 16, 12)
XG_ABI_SIZE(struct vcpu_register_runstate_memory_area, 8, 8)
XG_ABI_SIZE(struct vcpu_set_periodic_timer, 8, 8)
XG_ABI_SIZE(struct vcpu_set_singleshot_timer, 16, 12)
XG_ABI_OFFSET(struct vcpu_set_singleshot_timer, flags, 8, 8)
XG_ABI_SIZE(struct vcpu_register_vcpu_info, 16, 16)
XG_ABI_OFFSET(struct vcpu_register_vcpu_info, offset, 8, 8)
XG_ABI_SIZE(struct vcpu_get_physid, 8, 8)
XG_ABI_SIZE(struct vcpu_register_time_memory_area, 8, 8)

#endif
