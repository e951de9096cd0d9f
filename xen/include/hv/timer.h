/*
 * Hypervisor timers (xen/common/timer.c): one thread for the whole
 * hypervisor keeps the armed timers sorted by deadline and runs each
 * callback when its deadline passes.  Deadlines are system time: ns since
 * the hypervisor started (time_system_ns()), the clock guests see.
 *
 * Callbacks run on the timer thread without the timer lock held, so they
 * may take any other lock (event locks, domain locks) and may set timers,
 * their own included.  Locking: the timer lock is innermost -- timer_set
 * and timer_stop may be called with any other lock held; timer_kill waits
 * for a running callback and must be called with none that the callback
 * takes.
 */
#ifndef HV_TIMER_H
#define HV_TIMER_H

#include <stdbool.h>
#include <stdint.h>

struct hv_timer {
	/* Under the timer lock. */
	uint64_t expires;
	bool active;
	bool killed;
	struct hv_timer *next;
	void (*fn)(void *data);
	void *data;
};

int timer_subsystem_init(void);
void timer_subsystem_fini(void);

void timer_init(struct hv_timer *t, void (*fn)(void *data), void *data);
/* Arm (or re-arm) t for system time `expires`; a deadline already past
 * fires as soon as the timer thread sees it.  Ignored once killed. */
void timer_set(struct hv_timer *t, uint64_t expires);
/* Disarm t (a callback already running still finishes). */
void timer_stop(struct hv_timer *t);
/* Disarm t for good and wait until its callback is not running. */
void timer_kill(struct hv_timer *t);
bool timer_active(struct hv_timer *t);

/* System time: ns since the hypervisor started. */
uint64_t time_system_ns(void);

#endif
