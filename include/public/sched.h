/* HYPERVISOR_sched_op: yielding, blocking, polling and shutting down. */
#ifndef XG_PUBLIC_SCHED_H
#define XG_PUBLIC_SCHED_H

#include "event_channel.h"

#define SCHEDOP_yield 0           /* give up the CPU, stay runnable */
#define SCHEDOP_block 1           /* sleep until an event is pending */
#define SCHEDOP_shutdown 2        /* struct sched_shutdown */
#define SCHEDOP_poll 3            /* struct sched_poll */
#define SCHEDOP_remote_shutdown 4 /* struct sched_remote_shutdown (privileged) */
#define SCHEDOP_shutdown_code 5   /* record a reason without shutting down */
#define SCHEDOP_watchdog 6        /* struct sched_watchdog */
#define SCHEDOP_pin_override 7    /* struct sched_pin_override (control domain) */

struct sched_shutdown {
	unsigned int reason; /* SHUTDOWN_* */
};
typedef struct sched_shutdown sched_shutdown_t;
DEFINE_XEN_GUEST_HANDLE(sched_shutdown_t);

struct sched_poll {
	XEN_GUEST_HANDLE(evtchn_port_t) ports;
	unsigned int nr_ports;
	uint64_t timeout; /* absolute system time, 0 for none */
};
typedef struct sched_poll sched_poll_t;
DEFINE_XEN_GUEST_HANDLE(sched_poll_t);

struct sched_remote_shutdown {
	domid_t domain_id;
	unsigned int reason;
};
typedef struct sched_remote_shutdown sched_remote_shutdown_t;
DEFINE_XEN_GUEST_HANDLE(sched_remote_shutdown_t);

struct sched_watchdog {
	uint32_t id;      /* 0 to create a new watchdog */
	uint32_t timeout; /* seconds; 0 destroys the watchdog */
};
typedef struct sched_watchdog sched_watchdog_t;
DEFINE_XEN_GUEST_HANDLE(sched_watchdog_t);

struct sched_pin_override {
	int32_t pcpu; /* -1 ends the override */
};
typedef struct sched_pin_override sched_pin_override_t;
DEFINE_XEN_GUEST_HANDLE(sched_pin_override_t);

#define SHUTDOWN_poweroff 0   /* the domain is done: clean up */
#define SHUTDOWN_reboot 1     /* clean up and start it again */
#define SHUTDOWN_suspend 2    /* save its state, then clean up */
#define SHUTDOWN_crash 3      /* the guest reports that it crashed */
#define SHUTDOWN_watchdog 4   /* its watchdog expired */
#define SHUTDOWN_soft_reset 5 /* reset the domain's state, keep its memory */
#define SHUTDOWN_MAX 5

#endif
