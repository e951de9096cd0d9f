/*
 * XG guest ABI: __HYPERVISOR_sched_op(cmd, arg) -- yielding, blocking,
 * polling, shutting down.
 */
#ifndef XG_PUBLIC_SCHED_H
#define XG_PUBLIC_SCHED_H

#include "event_channel.h"

#define SCHEDOP_yield 0           /* let others run; stay runnable (arg unused) */
#define SCHEDOP_block 1           /* sleep until an event is pending (arg unused) */
#define SCHEDOP_shutdown 2        /* stop the domain (struct sched_shutdown) */
#define SCHEDOP_poll 3            /* block until one of some ports is pending (struct sched_poll) */
#define SCHEDOP_remote_shutdown 4 /* stop another domain (struct sched_remote_shutdown) */
#define SCHEDOP_shutdown_code 5   /* record a reason for a later shutdown (struct sched_shutdown) */
#define SCHEDOP_watchdog 6        /* set up or feed a watchdog (struct sched_watchdog) */
#define SCHEDOP_pin_override 7    /* control domain: pin to a physical CPU (struct sched_pin_override) */

/* SCHEDOP_shutdown, SCHEDOP_shutdown_code. */
struct sched_shutdown {
	unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;
DEFINE_XEN_GUEST_HANDLE(sched_shutdown_t);

/* SCHEDOP_poll. */
struct sched_poll {
	XEN_GUEST_HANDLE(evtchn_port_t) ports; /* ports to wait for */
	unsigned int nr_ports;
	uint64_t timeout; /* absolute system time in ns; 0 = none */
};
typedef struct sched_poll sched_poll_t;
DEFINE_XEN_GUEST_HANDLE(sched_poll_t);

/* SCHEDOP_remote_shutdown. */
struct sched_remote_shutdown {
	domid_t domain_id;   /* the domain to stop */
	unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_remote_shutdown sched_remote_shutdown_t;
DEFINE_XEN_GUEST_HANDLE(sched_remote_shutdown_t);

/* SCHEDOP_watchdog: id 0 creates a watchdog (its id is returned); a
 * timeout of 0 destroys watchdog id; otherwise the timeout restarts. */
struct sched_watchdog {
	uint32_t id;
	uint32_t timeout; /* seconds */
};
typedef struct sched_watchdog sched_watchdog_t;
DEFINE_XEN_GUEST_HANDLE(sched_watchdog_t);

/* SCHEDOP_pin_override. */
struct sched_pin_override {
	int32_t pcpu; /* physical CPU, or -1 to end the override */
};
typedef struct sched_pin_override sched_pin_override_t;
DEFINE_XEN_GUEST_HANDLE(sched_pin_override_t);

/* Why a domain stopped. */
#define SHUTDOWN_poweroff 0   /* it is done: clean up */
#define SHUTDOWN_reboot 1     /* clean up and start it again */
#define SHUTDOWN_suspend 2    /* clean up after its state has been saved */
#define SHUTDOWN_crash 3      /* it crashed */
#define SHUTDOWN_watchdog 4   /* its watchdog expired */
#define SHUTDOWN_soft_reset 5 /* reset its state but keep its memory */
#define SHUTDOWN_MAX 5        /* highest reason */

XG_ABI_SIZE(struct sched_shutdown, 4, 4)
XG_ABI_SIZE(struct sched_poll, 24, 16)
XG_ABI_OFFSET(struct sched_poll, nr_ports, 8, 4)
XG_ABI_OFFSET(struct sched_poll, timeout, 16, 8)
XG_ABI_SIZE(struct sched_remote_shutdown, 8, 8)
XG_ABI_OFFSET(struct sched_remote_shutdown, reason, 4, 4)
XG_ABI_SIZE(struct sched_watchdog, 8, 8)
XG_ABI_SIZE(struct sched_pin_override, 4, 4)

#endif
