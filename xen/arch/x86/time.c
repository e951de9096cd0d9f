/*
 * Guest time, as Xen gives it to PV guests (xen/arch/x86/time.c,
 * xen/common/sched/core.c):
 * - system time is ns since the hypervisor started (CLOCK_MONOTONIC);
 * - each vCPU's vcpu_time_info holds a (TSC, system time) pair taken
 *   together and the scale from TSC ticks to ns, updated with Xen's
 *   version protocol (odd while being written); guests extrapolate with
 *   rdtsc.  The guest's TSC is the host's: the emulating backend executes
 *   rdtsc on the host, and the KVM backend sets each vCPU's TSC to the
 *   host's when it creates it (xen/backend/kvm/kvm_vcpu.c); KVM may move
 *   it later (an unstable host TSC), so each record takes the guest's
 *   TSC as the backend reports it (guest_tsc_offset);
 * - the wallclock in shared_info is the real time at system time 0;
 * - set_timer_op and the singleshot timer, and the periodic timer (10 ms
 *   by default for PV vCPUs, as in Xen), all raise VIRQ_TIMER.  Timers
 *   run on the hypervisor's timer thread (xen/common/timer.c).
 */
#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <stdlib.h>
#include <time.h>

#include "hv/vcpu_info.h"
#include "hv/event.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/page_alloc.h"
#include "public/compat/x86_32.h"
#include "public/vcpu.h"
#include "public/xen.h"

#define MILLISECS(ms) ((uint64_t)(ms) * 1000000ull)
#define STIME_DELTA_MAX ((uint64_t)~0ull >> 2) /* Xen's limit on a period */
/* How stale a vCPU's time record may get before it is rewritten on the
 * way into the guest (the TSC extrapolates it in between). */
#define TIME_REFRESH_NS MILLISECS(1000)

static pthread_once_t calibrate_once = PTHREAD_ONCE_INIT;
static uint64_t tsc_hz;
static uint32_t tsc_mul;
static int8_t tsc_shift;

uint64_t time_host_tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/*
 * The scale Xen's set_time_scale computes: shift the TSC delta until the
 * rate lies in (1e9, 2e9] ticks per second, then multiply by the 32.32
 * fraction 1e9 / rate, which is below 1.
 */
static void compute_scale(uint64_t hz, uint32_t *mul, int8_t *shift)
{
	int s = 0;
	uint64_t t = hz;
	while (t > 2000000000ull) {
		t >>= 1;
		s--;
	}
	while (t <= 1000000000ull) {
		t <<= 1;
		s++;
	}
	*mul = (uint32_t)((1000000000ull << 32) / t);
	*shift = (int8_t)s;
}

/* A TSC reading and the monotonic time it was taken at: the TSC read
 * between two clock reads, retried until they lie close together, so that
 * a preemption between the reads (which a loaded host, or a vCPU of an
 * emulated machine, makes long) cannot skew the pair. */
static void clock_pair(uint64_t *ns, uint64_t *tsc)
{
	uint64_t before = 0, after = 0;
	for (unsigned int tries = 0; tries < 1000; tries++) {
		before = now_ns();
		*tsc = time_host_tsc();
		after = now_ns();
		if (after - before < 20000) /* 20 us */
			break;
	}
	*ns = before + (after - before) / 2;
}

static int compare_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* The host TSC's rate against CLOCK_MONOTONIC, once: the median of three
 * 20 ms windows, each bounded by clock_pair()s.  A guest's pvclock
 * scales its TSC with this rate, so an error here is the same error in
 * the guest's clock (a Linux guest's boot clock ran three times too fast
 * when a preemption fell between the two reads of a single window). */
static void calibrate(void)
{
	uint64_t rates[3];
	for (unsigned int i = 0; i < 3; i++) {
		uint64_t t0, c0, t1, c1;
		clock_pair(&t0, &c0);
		struct timespec ts = { 0, 20000000 };
		while (nanosleep(&ts, &ts))
			;
		clock_pair(&t1, &c1);
		rates[i] = t1 > t0 ? (uint64_t)((unsigned __int128)(c1 - c0) * 1000000000u / (t1 - t0)) : 0;
	}
	qsort(rates, 3, sizeof(rates[0]), compare_u64);
	tsc_hz = rates[1];
	if (!tsc_hz)
		tsc_hz = 1000000000ull;
	compute_scale(tsc_hz, &tsc_mul, &tsc_shift);
	printk("time: host TSC %llu kHz (mul %#x, shift %d; windows %llu, %llu, %llu kHz)\n",
	       (unsigned long long)(tsc_hz / 1000), (unsigned)tsc_mul, tsc_shift, (unsigned long long)(rates[0] / 1000),
	       (unsigned long long)(rates[1] / 1000), (unsigned long long)(rates[2] / 1000));
}

/* Xen's version_update_begin/end: odd while the record is written. */
static void version_begin(uint32_t *ver)
{
	uint32_t v = __atomic_load_n(ver, __ATOMIC_RELAXED);
	__atomic_store_n(ver, (v + 1) | 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
}

static void version_end(uint32_t *ver)
{
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	uint32_t v = __atomic_load_n(ver, __ATOMIC_RELAXED);
	__atomic_store_n(ver, (v + 1) & ~1u, __ATOMIC_RELAXED);
}

/* shared_info's wallclock: the real time at system time 0. */
static void update_wallclock(struct domain *d)
{
	struct timespec rt;
	clock_gettime(CLOCK_REALTIME, &rt);
	uint64_t real = (uint64_t)rt.tv_sec * 1000000000ull + (uint64_t)rt.tv_nsec;
	uint64_t wc = real - time_system_ns();
	uint64_t sec = wc / 1000000000ull;
	uint32_t nsec = (uint32_t)(wc % 1000000000ull);
	uint8_t *si = machine_frame(&hv->machine, d->shared_info_mfn);
	if (domain_is_pv32(d)) {
		struct compat_shared_info *s = (struct compat_shared_info *)si;
		version_begin(&s->wc_version);
		s->wc_sec = (uint32_t)sec;
		s->wc_nsec = nsec;
		s->arch.wc_sec_hi = (uint32_t)(sec >> 32);
		version_end(&s->wc_version);
	} else {
		struct shared_info *s = (struct shared_info *)si;
		version_begin(&s->wc_version);
		s->wc_sec = (uint32_t)sec;
		s->wc_nsec = nsec;
		s->wc_sec_hi = (uint32_t)(sec >> 32);
		version_end(&s->wc_version);
	}
}

void time_calibrate(void)
{
	pthread_once(&calibrate_once, calibrate);
}

void time_update_vcpu(struct vcpu *v)
{
	time_calibrate();
	uint8_t *vi = vcpu_info_bytes(v);
	if (!vi)
		return;
	struct domain *d = v->domain;
	if (!atomic_exchange(&d->wallclock_set, true))
		update_wallclock(d);
	/* Same offsets in both layouts; compat only aligns them by 4, and a
	 * 32-bit guest's vcpu_info may be only 4-byte aligned, so its record
	 * is written through the compat type. */
	_Static_assert(offsetof(struct vcpu_info, time) == offsetof(struct compat_vcpu_info, time), "time");
	_Static_assert(sizeof(struct vcpu_time_info) == sizeof(struct compat_vcpu_time_info), "time size");
	uint8_t *rec = vi + offsetof(struct vcpu_info, time);
	/* A TSC value and the system time at (about) the same instant, the
	 * TSC as the guest reads it: a record ahead of the guest's TSC would
	 * make it compute a time far in the future (a negative delta read as
	 * unsigned), after which Linux's pvclock holds its clock still. */
	uint64_t c0 = time_host_tsc();
	uint64_t st = time_system_ns();
	uint64_t c1 = time_host_tsc();
	if (v->exec && hv->backend->guest_tsc_offset) {
		int64_t offset = hv->backend->guest_tsc_offset(v->exec);
		c0 += (uint64_t)offset;
		c1 += (uint64_t)offset;
	}
#define WRITE_TIME(t)                                                                              \
	do {                                                                                       \
		version_begin(&(t)->version);                                                      \
		(t)->tsc_timestamp = c0 + (c1 - c0) / 2;                                           \
		(t)->system_time = st;                                                             \
		(t)->tsc_to_system_mul = tsc_mul;                                                  \
		(t)->tsc_shift = tsc_shift;                                                        \
		(t)->flags = 0;                                                                    \
		version_end(&(t)->version);                                                        \
	} while (0)
	if (domain_is_pv32(d))
		WRITE_TIME((struct compat_vcpu_time_info *)rec);
	else
		WRITE_TIME((struct vcpu_time_info *)rec);
#undef WRITE_TIME
	atomic_store(&v->time_updated_ns, st);
}

void time_refresh_vcpu(struct vcpu *v)
{
	uint64_t last = atomic_load(&v->time_updated_ns);
	if (!last || time_system_ns() - last >= TIME_REFRESH_NS)
		time_update_vcpu(v);
}

/* ---- timers ------------------------------------------------------------ */

static void send_timer_event(struct vcpu *v)
{
	evtchn_send_vcpu_virq(v, VIRQ_TIMER);
}

static void singleshot_fn(void *data)
{
	send_timer_event(data);
}

/* Xen's vcpu_periodic_timer_work: one event if a period has passed since
 * the last, then the timer for the next.  Caller holds periodic_lock.  The
 * timer is only armed while VIRQ_TIMER is bound (without a port its
 * events go nowhere, and the timer thread stays idle). */
static void periodic_work_locked(struct vcpu *v)
{
	if (!v->periodic_period || v->periodic_paused || !evtchn_virq_bound(v, VIRQ_TIMER))
		return;
	uint64_t now = time_system_ns();
	uint64_t next = v->periodic_last_event + v->periodic_period;
	if (now >= next) {
		send_timer_event(v);
		v->periodic_last_event = now;
		next = now + v->periodic_period;
	}
	timer_set(&v->periodic_timer, next);
}

static void periodic_fn(void *data)
{
	struct vcpu *v = data;
	pthread_mutex_lock(&v->periodic_lock);
	periodic_work_locked(v);
	pthread_mutex_unlock(&v->periodic_lock);
}

void vcpu_timers_init(struct vcpu *v)
{
	timer_init(&v->singleshot_timer, singleshot_fn, v);
	timer_init(&v->periodic_timer, periodic_fn, v);
	pthread_mutex_init(&v->periodic_lock, NULL);
	v->periodic_period = MILLISECS(10); /* PV guests' default 100 Hz tick */
}

void vcpu_timers_kill(struct vcpu *v)
{
	timer_kill(&v->singleshot_timer);
	timer_kill(&v->periodic_timer);
}

void vcpu_periodic_pause(struct vcpu *v)
{
	pthread_mutex_lock(&v->periodic_lock);
	v->periodic_paused = true;
	timer_stop(&v->periodic_timer);
	pthread_mutex_unlock(&v->periodic_lock);
}

void vcpu_periodic_resume(struct vcpu *v)
{
	pthread_mutex_lock(&v->periodic_lock);
	v->periodic_paused = false;
	periodic_work_locked(v);
	pthread_mutex_unlock(&v->periodic_lock);
}

void vcpu_timer_virq_bound(struct vcpu *v)
{
	pthread_mutex_lock(&v->periodic_lock);
	/* The first tick one period from now. */
	v->periodic_last_event = time_system_ns();
	periodic_work_locked(v);
	pthread_mutex_unlock(&v->periodic_lock);
}

static void set_periodic(struct vcpu *v, uint64_t period)
{
	pthread_mutex_lock(&v->periodic_lock);
	timer_stop(&v->periodic_timer);
	v->periodic_period = period;
	periodic_work_locked(v);
	pthread_mutex_unlock(&v->periodic_lock);
}

/* HYPERVISOR_set_timer_op(timeout): the singleshot timer at an absolute
 * system time; 0 stops it.  A 32-bit guest passes it in two registers. */
long do_set_timer_op(struct hcall_ctx *ctx, const uint64_t a[5])
{
	struct vcpu *v = ctx->vcpu;
	if (!v)
		return -ENOSYS;
	int64_t timeout = ctx->compat ? (int64_t)((uint64_t)(uint32_t)a[1] << 32 | (uint32_t)a[0]) : (int64_t)a[0];
	int64_t offset = timeout - (int64_t)time_system_ns();
	if (timeout == 0) {
		timer_stop(&v->singleshot_timer);
	} else if (timeout < 0 || (offset > 0 && (uint32_t)(offset >> 50) != 0)) {
		/* Xen's Linux workaround: a wrapped or very distant (2^50 ns,
		 * about 13 days) timeout gives an event in 100 ms. */
		timer_set(&v->singleshot_timer, time_system_ns() + MILLISECS(100));
	} else {
		timer_set(&v->singleshot_timer, (uint64_t)timeout);
	}
	return 0;
}

long time_vcpu_op(struct hcall_ctx *ctx, unsigned int cmd, struct vcpu *v, uint64_t arg)
{
	switch (cmd) {
	case VCPUOP_set_periodic_timer: {
		struct vcpu_set_periodic_timer set;
		if (copy_from_guest(ctx, &set, arg, sizeof(set)))
			return -EFAULT;
		if (set.period_ns < MILLISECS(1) || set.period_ns > STIME_DELTA_MAX)
			return -EINVAL;
		set_periodic(v, set.period_ns);
		return 0;
	}
	case VCPUOP_stop_periodic_timer:
		set_periodic(v, 0);
		return 0;
	case VCPUOP_set_singleshot_timer: {
		if (v != ctx->vcpu)
			return -EINVAL;
		struct vcpu_set_singleshot_timer set = { 0 };
		size_t len = ctx->compat ? sizeof(struct compat_vcpu_set_singleshot_timer) : sizeof(set);
		if (copy_from_guest(ctx, &set, arg, len))
			return -EFAULT;
		/* Xen up to 4.17 (the version XG reports) honours the flag;
		 * 4.18 and later ignore it and send the event at once. */
		if ((set.flags & VCPU_SSHOTTMR_future) && set.timeout_abs_ns < time_system_ns())
			return -ETIME;
		/* Xen's timers take an s_time_t: a deadline with bit 63 set
		 * (~0, say) is negative, long past, and fires at once.  The
		 * unsigned comparison above lets it through, as in Xen. */
		timer_set(&v->singleshot_timer, (int64_t)set.timeout_abs_ns < 0 ? 0 : set.timeout_abs_ns);
		return 0;
	}
	case VCPUOP_stop_singleshot_timer:
		if (v != ctx->vcpu)
			return -EINVAL;
		timer_stop(&v->singleshot_timer);
		return 0;
	default:
		return -ENOSYS;
	}
}
