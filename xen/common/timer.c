/*
 * Hypervisor timers: one thread sleeps on a condition variable (monotonic
 * clock) until the earliest deadline of a sorted list, then runs the
 * callbacks that are due, each without the lock.  A vCPU's timers
 * (set_timer_op, VCPUOP_*_timer) live here; a blocked vCPU sleeps on its
 * domain's condition variable and is woken by the event its timer sends.
 */
#include "hv/timer.h"

#include <errno.h>
#include <pthread.h>
#include <stddef.h>
#include <time.h>

#include "hv/domain.h"
#include "hv/hypervisor.h"

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t timer_wake;  /* the head changed, or stop */
static pthread_cond_t timer_done;  /* a callback finished */
static struct hv_timer *head;
static struct hv_timer *running;   /* whose callback runs now */
static pthread_t timer_thread;
static bool thread_started, stopping;

uint64_t time_system_ns(void)
{
	return now_ns() - hv->start_ns;
}

/* Unlink t if it is armed.  Caller holds timer_lock. */
static void unlink_timer(struct hv_timer *t)
{
	if (!t->active)
		return;
	for (struct hv_timer **p = &head; *p; p = &(*p)->next) {
		if (*p == t) {
			*p = t->next;
			break;
		}
	}
	t->active = false;
	t->next = NULL;
}

static void *timer_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "xg-timer");
	pthread_mutex_lock(&timer_lock);
	while (!stopping) {
		uint64_t now = time_system_ns();
		if (head && head->expires <= now) {
			struct hv_timer *t = head;
			head = t->next;
			t->next = NULL;
			t->active = false;
			running = t;
			pthread_mutex_unlock(&timer_lock);
			t->fn(t->data);
			pthread_mutex_lock(&timer_lock);
			running = NULL;
			pthread_cond_broadcast(&timer_done);
			continue;
		}
		if (!head) {
			pthread_cond_wait(&timer_wake, &timer_lock);
			continue;
		}
		/* A deadline so far away that the clock cannot say it (centuries):
		 * wait until the list changes, not round and round. */
		uint64_t abs = hv->start_ns + head->expires;
		if (abs < head->expires) {
			pthread_cond_wait(&timer_wake, &timer_lock);
			continue;
		}
		struct timespec ts = { .tv_sec = (time_t)(abs / 1000000000ull), .tv_nsec = (long)(abs % 1000000000ull) };
		pthread_cond_timedwait(&timer_wake, &timer_lock, &ts);
	}
	pthread_mutex_unlock(&timer_lock);
	return NULL;
}

int timer_subsystem_init(void)
{
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&timer_wake, &attr);
	pthread_cond_init(&timer_done, &attr);
	pthread_condattr_destroy(&attr);
	stopping = false;
	int rc = -pthread_create(&timer_thread, NULL, timer_main, NULL);
	thread_started = !rc;
	return rc;
}

void timer_subsystem_fini(void)
{
	if (!thread_started)
		return;
	pthread_mutex_lock(&timer_lock);
	stopping = true;
	pthread_cond_broadcast(&timer_wake);
	pthread_mutex_unlock(&timer_lock);
	pthread_join(timer_thread, NULL);
	thread_started = false;
	pthread_cond_destroy(&timer_wake);
	pthread_cond_destroy(&timer_done);
}

void timer_init(struct hv_timer *t, void (*fn)(void *data), void *data)
{
	*t = (struct hv_timer){ .fn = fn, .data = data };
}

void timer_set(struct hv_timer *t, uint64_t expires)
{
	pthread_mutex_lock(&timer_lock);
	if (t->killed) {
		pthread_mutex_unlock(&timer_lock);
		return;
	}
	unlink_timer(t);
	t->expires = expires;
	struct hv_timer **p = &head;
	while (*p && (*p)->expires <= expires)
		p = &(*p)->next;
	t->next = *p;
	*p = t;
	t->active = true;
	if (head == t)
		pthread_cond_broadcast(&timer_wake);
	pthread_mutex_unlock(&timer_lock);
}

void timer_stop(struct hv_timer *t)
{
	pthread_mutex_lock(&timer_lock);
	unlink_timer(t);
	pthread_mutex_unlock(&timer_lock);
}

void timer_kill(struct hv_timer *t)
{
	pthread_mutex_lock(&timer_lock);
	t->killed = true;
	unlink_timer(t);
	while (running == t)
		pthread_cond_wait(&timer_done, &timer_lock);
	pthread_mutex_unlock(&timer_lock);
}

bool timer_active(struct hv_timer *t)
{
	pthread_mutex_lock(&timer_lock);
	bool a = t->active;
	pthread_mutex_unlock(&timer_lock);
	return a;
}
