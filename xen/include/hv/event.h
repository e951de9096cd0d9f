/*
 * Event channels, Xen's 2-level ABI (xen/common/event_channel.c for the
 * ports, xen/common/event_2l.c for the bits in shared_info), and the
 * per-vCPU time and timers that raise VIRQ_TIMER (xen/arch/x86/time.c).
 * docs/events.md describes the model and the locking.
 *
 * Locking, outermost first:
 *   a vCPU's periodic_lock (the periodic timer sends its event under it);
 *   a domain's event lock (struct evtchn_domain.lock): its port table and
 *     its vCPUs' virq_to_evtchn; with two domains (interdomain bind and
 *     close) the lower domain id's lock is taken first;
 *   struct domain.lock (only to wake a blocked or polling vCPU);
 *   the timer lock (xen/common/timer.c).
 * No path takes an event lock while holding a domain lock.  Pending and
 * mask bits live in the guest's shared_info and are changed with atomic
 * operations only, as the guest changes them.
 */
#ifndef HV_EVENT_H
#define HV_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/domain.h"

/* Allocate a domain's port table (port 0 reserved) and free it.  Ports
 * above max_port (0: none but the ABI's) are never handed out. */
int evtchn_domain_init(struct domain *d, unsigned int max_port);
void evtchn_domain_free(struct domain *d);
/* Close every port (peers' ends become unbound); no new port afterwards.
 * Called while the domain is dying, with no lock held. */
void evtchn_domain_destroy(struct domain *d);

/*
 * Ports whose other end is a service of the hypervisor itself (the console
 * backend), standing in for a backend in the control domain: to the guest
 * they are interdomain ports connected to DOMID_CONTROL.  When the guest
 * sends on one, notify(d, arg) runs on the sender's thread with no lock
 * held; it must be quick.  arg must live as long as the domain.
 */
struct evtchn_host_service {
	const char *name;
	void (*notify)(struct domain *d, void *arg);
};
/* A new port of d bound to svc: the port, or a negative errno. */
int evtchn_bind_host_service(struct domain *d, const struct evtchn_host_service *svc, void *arg);
/* Mark port pending for the guest if it is still bound to svc/arg (the
 * guest may have closed it): whether it was. */
bool evtchn_notify_from_host(struct domain *d, uint32_t port, const struct evtchn_host_service *svc, void *arg);

/* Raise a per-vCPU VIRQ (VIRQ_TIMER, VIRQ_DEBUG) on v if bound. */
void evtchn_send_vcpu_virq(struct vcpu *v, unsigned int virq);
bool evtchn_virq_bound(struct vcpu *v, unsigned int virq);

/* Whether port is a valid port of d that is pending (SCHEDOP_poll):
 * 1 pending, 0 not, -EINVAL not a valid port. */
int evtchn_port_poll(struct domain *d, uint32_t port);

/* 2-level bits (event_2l.c).  set_pending marks port pending for vCPU
 * notify and, unless masked, sets the selector and the upcall (waking or
 * kicking the vCPU).  Callers hold d's event lock. */
void evtchn_2l_set_pending(struct domain *d, unsigned int notify, unsigned int port);
void evtchn_2l_clear_pending(struct domain *d, unsigned int port);
void evtchn_2l_unmask(struct domain *d, unsigned int notify, unsigned int port);
bool evtchn_2l_is_pending(struct domain *d, unsigned int port);
/* Ports of the 2-level ABI for d: 4096 (64-bit), 1024 (32-bit). */
unsigned int evtchn_2l_max_ports(const struct domain *d);

/* vcpu_info's upcall bits (NULL-safe for vCPUs without a vcpu_info). */
bool vcpu_upcall_pending(struct vcpu *v);
bool vcpu_upcall_masked(struct vcpu *v);
/* An upcall is due: pending and not masked (Xen's local_events_need_delivery). */
bool vcpu_events_need_delivery(struct vcpu *v);
/* Set evtchn_upcall_pending and, if it was clear, get v to notice: kick
 * it out of the guest or wake it from block/poll. */
void vcpu_mark_events_pending(struct vcpu *v);
/* Wake v if it sleeps in block or poll (schedule.c). */
void vcpu_wake(struct vcpu *v);

/* Time (xen/arch/x86/time.c). */
/* Write v's vcpu_time_info (and the domain's wallclock the first time). */
void time_update_vcpu(struct vcpu *v);
/* Measure the host TSC's rate (once; otherwise the first vCPU entry
 * does): the hypervisor does it at start, off any domain's path. */
void time_calibrate(void);
/* The same if the last update is older than the refresh interval. */
void time_refresh_vcpu(struct vcpu *v);
/* vCPU timers: set up at vCPU creation, killed at destruction. */
void vcpu_timers_init(struct vcpu *v);
void vcpu_timers_kill(struct vcpu *v);
/* The periodic timer runs while the vCPU is not blocked (as in Xen, where
 * it runs while the vCPU is scheduled): stopped when it blocks, caught up
 * (one event if a period passed) when it wakes. */
void vcpu_periodic_pause(struct vcpu *v);
void vcpu_periodic_resume(struct vcpu *v);
/* VIRQ_TIMER was just bound on v: start the periodic timer's phase. */
void vcpu_timer_virq_bound(struct vcpu *v);
/* Host TSC and its conversion to ns (calibrated once). */
uint64_t time_host_tsc(void);
struct hcall_ctx;
/* The timer sub-ops of vcpu_op for v (xen/arch/x86/time.c); -ENOSYS for
 * any other. */
long time_vcpu_op(struct hcall_ctx *ctx, unsigned int cmd, struct vcpu *v, uint64_t arg);

#endif
