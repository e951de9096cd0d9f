/*
 * XG guest ABI: __HYPERVISOR_callback_op(cmd, arg) -- where the hypervisor
 * enters the guest kernel for events, failed returns, system calls and
 * NMIs.  (64-bit guests can also use __HYPERVISOR_set_callbacks.)
 */
#ifndef XG_PUBLIC_CALLBACK_H
#define XG_PUBLIC_CALLBACK_H

#include "xen.h"

#define CALLBACKTYPE_event 0               /* event-channel upcalls */
#define CALLBACKTYPE_failsafe 1            /* a return to the guest that faulted */
#define CALLBACKTYPE_syscall 2             /* 64-bit syscall from guest user mode */
#define CALLBACKTYPE_sysenter_deprecated 3 /* old number of sysenter */
#define CALLBACKTYPE_nmi 4                 /* NMIs */
#define CALLBACKTYPE_sysenter 5            /* sysenter from 32-bit user mode */
#define CALLBACKTYPE_syscall32 7           /* syscall from 32-bit user mode */

/* Events stay masked on entry (evtchn_upcall_mask set), as a trap-table
 * entry with TI_SET_IF asks. */
#define _CALLBACKF_mask_events 0
#define CALLBACKF_mask_events (1U << _CALLBACKF_mask_events)

#define CALLBACKOP_register 0
struct callback_register {
	uint16_t type;  /* CALLBACKTYPE_* */
	uint16_t flags; /* CALLBACKF_* */
	xen_callback_t address;
};
typedef struct callback_register callback_register_t;
DEFINE_XEN_GUEST_HANDLE(callback_register_t);

#define CALLBACKOP_unregister 1
struct callback_unregister {
	uint16_t type;
	uint16_t _unused;
};
typedef struct callback_unregister callback_unregister_t;
DEFINE_XEN_GUEST_HANDLE(callback_unregister_t);

XG_ABI_SIZE(struct callback_register, 16, 12)
XG_ABI_OFFSET(struct callback_register, address, 8, 4)
XG_ABI_SIZE(struct callback_unregister, 4, 4)

#endif
