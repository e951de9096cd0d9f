/*
 * vCPU threads.  Each vCPU that has a context gets one host thread that
 * runs it through the execution backend and handles its exits; the host
 * kernel's scheduler shares the CPUs between them, steered by each
 * domain's weight and cap (sched_credit.c).  A vCPU runs only while
 * its domain is neither paused, shut down, crashed, dying nor parked by its cap.
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hv/arch.h"
#include "hv/domain.h"
#include "hv/event.h"
#include "hv/hypervisor.h"
#include "hv/runstate.h"
#include "hv/sched_credit.h"

struct vcpu *vcpu_create(struct domain *d, unsigned int id)
{
	struct vcpu *v = calloc(1, sizeof(*v));
	if (!v)
		return NULL;
	v->domain = d;
	v->id = id;
	if (hv->backend->vcpu_create(d->vm, id, &v->exec)) {
		free(v);
		return NULL;
	}
	v->kernel_mode = true;
	v->down = true; /* until a context with VGCF_online, or VCPUOP_up */
	vcpu_timers_init(v);
	runstate_init(v);
	d->vcpus[id] = v;
	arch_vcpu_reset(v);
	return v;
}

void vcpu_kick(struct vcpu *v)
{
	if (v->exec)
		hv->backend->vcpu_kick(v->exec);
}

static bool vcpu_runnable(const struct vcpu *v)
{
	const struct domain *d = v->domain;
	return v->initialised && !v->down && !v->stop && !d->pause_count && !d->is_shutdown && !d->is_crashed &&
	       !d->is_dying && !d->sched_parked;
}

uint64_t vcpu_cpu_time_ns(struct vcpu *v)
{
	if (!v->thread_started || v->thread_exited)
		return v->cpu_time_ns;
	/* Alive: it sets thread_exited under the lock before it returns. */
	clockid_t clock;
	struct timespec ts;
	if (pthread_getcpuclockid(v->thread, &clock) || clock_gettime(clock, &ts))
		return v->cpu_time_ns;
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *vcpu_main(void *arg)
{
	struct vcpu *v = arg;
	struct domain *d = v->domain;
	char name[16];
	snprintf(name, sizeof(name), "d%uv%u", d->id, v->id);
	pthread_setname_np(pthread_self(), name);
	runstate_thread_started(v);

	pthread_mutex_lock(&d->lock);
	sched_credit_thread_started(v);
	for (;;) {
		while (!v->stop && !vcpu_runnable(v)) {
			if (v->running) {
				v->running = false;
				pthread_cond_broadcast(&d->changed);
			}
			runstate_change(v, RUNSTATE_offline);
			pthread_cond_wait(&d->changed, &d->lock);
		}
		if (v->stop)
			break;
		v->running = true;
		runstate_change(v, RUNSTATE_running);
		pthread_mutex_unlock(&d->lock);

		/* in_guest before the check for events: a sender that sees it
		 * clear knows the check below will see its event. */
		atomic_store(&v->in_guest, true);
		if (!arch_vcpu_enter_guest(v)) {
			atomic_store(&v->in_guest, false);
			pthread_mutex_lock(&d->lock);
			continue;
		}
		if (atomic_exchange(&v->flush_pending, false))
			hv->backend->flush_tlb(v->exec);
		struct exec_exit e;
		int rc = hv->backend->vcpu_run(v->exec, &e);
		atomic_store(&v->in_guest, false);
		if (rc) {
			e.reason = EXEC_EXIT_FATAL;
			snprintf(e.detail, sizeof(e.detail), "backend run failed: %s", strerror(-rc));
		}
		arch_vcpu_handle_exit(v, &e);

		int cpu = sched_getcpu();
		pthread_mutex_lock(&d->lock);
		v->cpu_seen = cpu >= 0 ? (unsigned int)cpu + 1 : 0;
	}
	v->running = false;
	/* Its CPU time is the thread's (vcpu_cpu_time_ns): what the host
	 * actually ran it for, the handling of its exits included (charged
	 * to it, as Xen does), time waiting for a host CPU not.  Kept here
	 * for after the thread is gone. */
	struct timespec ts;
	if (!clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		v->cpu_time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	v->thread_exited = true;
	pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);
	return NULL;
}

void vcpu_wake(struct vcpu *v)
{
	if (!atomic_load(&v->blocked))
		return;
	struct domain *d = v->domain;
	pthread_mutex_lock(&d->lock);
	pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);
}

/*
 * Sleep inside a hypercall (SCHEDOP_block, SCHEDOP_poll) until done(v)
 * holds, the system time reaches deadline (0: none), or the vCPU must
 * stop.  The thread waits on d->changed and uses no CPU; meanwhile the
 * vCPU counts as not running, so pausing the domain does not wait for it,
 * and it returns only while the domain may run.  Whoever makes done()
 * true calls vcpu_wake() afterwards (it reads `blocked`, set here before
 * done() is checked: one of the two sees the other).
 */
void vcpu_block_until(struct vcpu *v, bool (*done)(struct vcpu *v, void *arg), void *arg, uint64_t deadline)
{
	struct domain *d = v->domain;
	vcpu_periodic_pause(v);
	pthread_mutex_lock(&d->lock);
	atomic_store(&v->blocked, true);
	runstate_change(v, RUNSTATE_blocked);
	for (;;) {
		if (v->stop)
			break;
		bool runnable = vcpu_runnable(v);
		if (runnable && (done(v, arg) || (deadline && time_system_ns() >= deadline)))
			break;
		if (v->running) {
			v->running = false;
			pthread_cond_broadcast(&d->changed);
		}
		if (deadline && runnable) {
			uint64_t abs = hv->start_ns + deadline;
			struct timespec ts = { .tv_sec = (time_t)(abs / 1000000000ull),
					       .tv_nsec = (long)(abs % 1000000000ull) };
			pthread_cond_timedwait(&d->changed, &d->lock, &ts);
		} else {
			pthread_cond_wait(&d->changed, &d->lock);
		}
	}
	atomic_store(&v->blocked, false);
	v->running = true;
	runstate_change(v, RUNSTATE_running);
	pthread_mutex_unlock(&d->lock);
	vcpu_periodic_resume(v);
	time_update_vcpu(v);
}

void vcpu_request_flush(struct vcpu *v)
{
	atomic_store(&v->flush_pending, true);
	vcpu_kick(v);
}

void domain_flush_tlbs_sync(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *o = d->vcpus[i];
		if (!o)
			continue;
		vcpu_request_flush(o);
		/* A vCPU in the guest is kicked out and flushes before it goes
		 * back; one outside flushes before it next enters. */
		for (unsigned int spins = 1; atomic_load(&o->in_guest) && atomic_load(&o->flush_pending); spins++) {
			if (spins % 64 == 0)
				vcpu_kick(o);
			sched_yield();
		}
	}
	atomic_fetch_add(&d->tlb_epoch, 1);
}

int domain_start_vcpus(struct domain *d)
{
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	for (unsigned int i = 0; i < d->max_vcpus && !rc; i++) {
		struct vcpu *v = d->vcpus[i];
		if (!v || !v->initialised || v->thread_started || d->is_dying)
			continue;
		rc = -pthread_create(&v->thread, NULL, vcpu_main, v);
		if (!rc)
			v->thread_started = true;
		if (!rc && v->pinned)
			vcpu_apply_affinity(v); /* a mask that no longer fits the host leaves it unpinned */
	}
	pthread_mutex_unlock(&d->lock);
	sched_credit_wake(); /* a second vCPU thread shares the domain's weight */
	return rc;
}
