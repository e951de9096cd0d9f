/* Domain lifecycle: creation, lookup, pause, shutdown, crash, destruction. */
#include "hv/domain.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hv/arch.h"
#include "hv/console_ring.h"
#include "hv/xenstore.h"
#include "hv/event.h"
#include "hv/hypervisor.h"
#include "hv/m2p.h"
#include "hv/page_alloc.h"
#include "hv/runstate.h"
#include "hv/sched_credit.h"
#include "hv/watch.h"
#include "public/sched.h"
#include "public/xg_control.h"

/* Ids 0x7FF0 and up are Xen's reserved DOMID_* values. */
#define DOMID_LIMIT 0x7ff0

static pthread_mutex_t table_lock = PTHREAD_MUTEX_INITIALIZER;
static struct domain *table[DOMID_LIMIT];
static unsigned int nr_domains;
static uint16_t next_domid = 1;

/* The last few destroyed domains stay readable (their console history), so
 * a console client that was between two reads loses nothing. */
#define GRAVEYARD_SIZE 16
static struct domain *graveyard[GRAVEYARD_SIZE];
static unsigned int graveyard_next;

/* Lifecycle actions run on their own thread: a vCPU cannot tear down the
 * domain it belongs to from its own thread. */
static pthread_t reaper;
static pthread_mutex_t reaper_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reaper_wake = PTHREAD_COND_INITIALIZER;
static struct domain *reaper_queue[64];
static unsigned int reaper_len;
static bool reaper_stop;

uint64_t now_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void *reaper_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&reaper_lock);
	for (;;) {
		while (!reaper_len && !reaper_stop)
			pthread_cond_wait(&reaper_wake, &reaper_lock);
		if (!reaper_len && reaper_stop)
			break;
		struct domain *d = reaper_queue[--reaper_len];
		pthread_mutex_unlock(&reaper_lock);
		printk("d%u: destroying (lifecycle action)\n", d->id);
		domain_destroy(d);
		domain_put(d);
		pthread_mutex_lock(&reaper_lock);
	}
	pthread_mutex_unlock(&reaper_lock);
	return NULL;
}

/* Queue a destroy; retries until the queue has room (it is drained quickly). */
static void reaper_queue_destroy(struct domain *d)
{
	atomic_fetch_add(&d->refcnt, 1);
	pthread_mutex_lock(&reaper_lock);
	while (reaper_len == sizeof(reaper_queue) / sizeof(reaper_queue[0])) {
		pthread_mutex_unlock(&reaper_lock);
		struct timespec ts = { 0, 1000000 };
		nanosleep(&ts, NULL);
		pthread_mutex_lock(&reaper_lock);
	}
	reaper_queue[reaper_len++] = d;
	pthread_cond_signal(&reaper_wake);
	pthread_mutex_unlock(&reaper_lock);
}

int domain_subsystem_init(void)
{
	int rc = timer_subsystem_init();
	if (!rc)
		rc = sched_credit_init();
	return rc ? rc : -pthread_create(&reaper, NULL, reaper_main, NULL);
}

void domain_subsystem_fini(void)
{
	sched_credit_fini();
	/* Destroy what is left, then stop the reaper. */
	for (;;) {
		struct domain *d = domain_next(1);
		if (!d)
			break;
		domain_destroy(d);
		domain_put(d);
	}
	pthread_mutex_lock(&reaper_lock);
	reaper_stop = true;
	pthread_cond_signal(&reaper_wake);
	pthread_mutex_unlock(&reaper_lock);
	pthread_join(reaper, NULL);
	timer_subsystem_fini();
	pthread_mutex_lock(&table_lock);
	for (unsigned int i = 0; i < GRAVEYARD_SIZE; i++) {
		domain_put(graveyard[i]);
		graveyard[i] = NULL;
	}
	if (table[0]) {
		struct domain *d0 = table[0];
		table[0] = NULL;
		nr_domains--;
		pthread_mutex_unlock(&table_lock);
		domain_put(d0);
	} else {
		pthread_mutex_unlock(&table_lock);
	}
}

static void domain_free(struct domain *d)
{
	for (unsigned int i = 0; i < DOMAIN_MAX_VCPUS; i++) {
		if (d->vcpus[i])
			pthread_mutex_destroy(&d->vcpus[i]->periodic_lock);
		free(d->vcpus[i]);
	}
	evtchn_domain_free(d);
	console_ring_free(d);
	xenstore_domain_free(d);
	text_ring_destroy(&d->console);
	frame_set_clear(&d->frames);
	free(d->toolstack_data);
	pthread_mutex_destroy(&d->watchdog_lock);
	pthread_mutex_destroy(&d->lock);
	pthread_cond_destroy(&d->changed);
	free(d);
}

void domain_put(struct domain *d)
{
	if (d && atomic_fetch_sub(&d->refcnt, 1) == 1)
		domain_free(d);
}

struct domain *domain_get(uint16_t domid)
{
	if (domid >= DOMID_LIMIT)
		return NULL;
	pthread_mutex_lock(&table_lock);
	struct domain *d = table[domid];
	if (d)
		atomic_fetch_add(&d->refcnt, 1);
	pthread_mutex_unlock(&table_lock);
	return d;
}

struct domain *domain_get_destroyed(uint16_t domid)
{
	struct domain *found = NULL;
	pthread_mutex_lock(&table_lock);
	for (unsigned int i = 0; i < GRAVEYARD_SIZE && !found; i++) {
		if (graveyard[i] && graveyard[i]->id == domid) {
			found = graveyard[i];
			atomic_fetch_add(&found->refcnt, 1);
		}
	}
	pthread_mutex_unlock(&table_lock);
	return found;
}

struct domain *domain_get_by_name(const char *name)
{
	struct domain *found = NULL;
	pthread_mutex_lock(&table_lock);
	for (unsigned int i = 0; i < DOMID_LIMIT && !found; i++) {
		if (table[i] && !strcmp(table[i]->name, name)) {
			found = table[i];
			atomic_fetch_add(&found->refcnt, 1);
		}
	}
	pthread_mutex_unlock(&table_lock);
	return found;
}

struct domain *domain_next(uint16_t first)
{
	struct domain *found = NULL;
	pthread_mutex_lock(&table_lock);
	for (unsigned int i = first; i < DOMID_LIMIT && !found; i++) {
		if (table[i]) {
			found = table[i];
			atomic_fetch_add(&found->refcnt, 1);
		}
	}
	pthread_mutex_unlock(&table_lock);
	return found;
}

unsigned int domain_count(void)
{
	pthread_mutex_lock(&table_lock);
	unsigned int n = nr_domains;
	pthread_mutex_unlock(&table_lock);
	return n;
}

static struct domain *domain_alloc(const struct domain_create_args *args)
{
	struct domain *d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	if (text_ring_init(&d->console, DOMAIN_CONSOLE_HISTORY)) {
		free(d);
		return NULL;
	}
	d->type = args->type;
	if (evtchn_domain_init(d, args->max_evtchn_port)) {
		text_ring_destroy(&d->console);
		free(d);
		return NULL;
	}
	pthread_mutex_init(&d->lock, NULL);
	watchdog_domain_init(d);
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&d->changed, &attr);
	pthread_condattr_destroy(&attr);
	atomic_init(&d->refcnt, 1);
	snprintf(d->name, sizeof(d->name), "%s", args->name);
	if (args->uuid)
		memcpy(d->uuid, args->uuid, 16);
	d->type = args->type;
	d->max_vcpus = args->max_vcpus;
	d->max_pages = args->max_pages;
	d->on_poweroff = args->on_poweroff;
	d->on_crash = args->on_crash;
	d->on_reboot = args->on_reboot;
	d->on_watchdog = args->on_watchdog;
	d->shutdown_code = SHUTDOWN_CODE_INVALID;
	d->shared_info_mfn = MFN_INVALID;
	d->pv32_roots_mfn = MFN_INVALID;
	d->created_ns = now_ns() - hv->start_ns;
	sched_credit_domain_init(d);
	return d;
}

/* The state watchers are told of (XG_CTL_EVSTATE_*); d->lock held. */
static unsigned int lifecycle_state(const struct domain *d)
{
	if (d->is_dying)
		return XG_CTL_EVSTATE_DYING;
	if (d->is_crashed)
		return XG_CTL_EVSTATE_CRASHED;
	if (d->is_shutdown)
		return XG_CTL_EVSTATE_SHUTDOWN;
	if (d->toolstack_pauses)
		return XG_CTL_EVSTATE_PAUSED;
	return XG_CTL_EVSTATE_RUNNING;
}

/* Tell watchers of an event of d; d->lock held, so a domain's events are
 * queued in the order they happen.  A state event is sent only when the
 * state (or the shutdown reason) differs from the last one reported. */
static void notify_locked(struct domain *d, unsigned int type)
{
	unsigned int state = lifecycle_state(d);
	unsigned int reason = state == XG_CTL_EVSTATE_SHUTDOWN ? d->shutdown_reason : 0;
	if (type == XG_CTL_EVENT_STATE && state == d->reported_state && reason == d->reported_reason)
		return;
	d->reported_state = state;
	d->reported_reason = reason;
	watch_post(type, d->id, d->name, state, reason);
}

/* Insert into the table under a free id; the name must be unique. */
static int table_insert(struct domain *d, bool control)
{
	int rc = 0;
	pthread_mutex_lock(&table_lock);
	for (unsigned int i = 0; i < DOMID_LIMIT; i++) {
		if (table[i] && !strcmp(table[i]->name, d->name)) {
			rc = -EEXIST;
			goto out;
		}
	}
	if (control) {
		d->id = DOMID_CONTROL;
	} else {
		unsigned int tries;
		for (tries = 0; tries < DOMID_LIMIT; tries++) {
			if (next_domid >= DOMID_LIMIT)
				next_domid = 1;
			if (!table[next_domid])
				break;
			next_domid++;
		}
		if (tries == DOMID_LIMIT) {
			rc = -ENOSPC;
			goto out;
		}
		d->id = next_domid++;
	}
	table[d->id] = d;
	nr_domains++;
	if (!control) {
		/* Announced while the table lock is held: nobody can reach the
		 * domain (and cause another event) before its creation is told. */
		pthread_mutex_lock(&d->lock);
		notify_locked(d, XG_CTL_EVENT_CREATED);
		pthread_mutex_unlock(&d->lock);
	}
out:
	pthread_mutex_unlock(&table_lock);
	return rc;
}

int domain_create_control(void)
{
	struct domain_create_args args = { .name = "Domain-0", .max_vcpus = 0 };
	struct domain *d = domain_alloc(&args);
	if (!d)
		return -ENOMEM;
	d->is_privileged = true;
	int rc = table_insert(d, true);
	if (rc)
		domain_free(d);
	return rc;
}

int domain_create(const struct domain_create_args *args, struct domain **out)
{
	if (!args->name || !args->name[0] || strlen(args->name) >= DOMAIN_NAME_MAX)
		return -EINVAL;
	if (args->max_vcpus < 1 || args->max_vcpus > DOMAIN_MAX_VCPUS)
		return -EINVAL;
	if (args->on_poweroff > XG_DOMACT_PRESERVE || args->on_crash > XG_DOMACT_PRESERVE ||
	    args->on_reboot > XG_DOMACT_PRESERVE || args->on_watchdog > XG_DOMACT_PRESERVE)
		return -EINVAL;

	struct domain *d = domain_alloc(args);
	if (!d)
		return -ENOMEM;
	int rc = hv->backend->vm_create(&hv->exec_machine, &d->vm);
	if (rc)
		goto fail;
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		if (!vcpu_create(d, i)) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	/* The shared_info page belongs to the domain but is not part of its
	 * reservation (Xen allocates it from the hypervisor's own heap). */
	/* Below 4 GiB, as Xen allocates it: a 32-bit guest's start_info
	 * holds its machine address in 32 bits. */
	uint64_t mfn = heap_alloc(&hv->heap, 0, 32, OWNER_NONE);
	if (mfn == MFN_INVALID) {
		rc = -ENOMEM;
		goto fail;
	}
	d->shared_info_mfn = mfn;
	rc = hv->backend->map_frames(d->vm, mfn, 1);
	if (rc)
		goto fail;
	rc = arch_domain_init(d);
	if (rc)
		goto fail;
	/* Every PV guest reads the M2P through its read-only mapping. */
	uint64_t m2p_first, m2p_count;
	if (m2p_frames(&m2p_first, &m2p_count)) {
		rc = hv->backend->map_frames(d->vm, m2p_first, m2p_count);
		if (rc)
			goto fail;
	}
	/* Domains start paused, as in Xen: the toolstack unpauses them once built. */
	d->pause_count = 1;
	d->toolstack_pauses = 1;
	rc = table_insert(d, false);
	if (rc)
		goto fail;
	atomic_store(&mfn_to_page(&hv->heap, mfn)->owner, d->id);
	printk("d%u: created '%s' (%s, %u vCPU%s, max %llu pages)\n", d->id, d->name,
	       domain_is_pv32(d) ? "pv32pae" : "pv64", d->max_vcpus, d->max_vcpus == 1 ? "" : "s",
	       (unsigned long long)d->max_pages);
	atomic_fetch_add(&d->refcnt, 1);
	*out = d;
	return 0;
fail:
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i] && d->vcpus[i]->exec)
			hv->backend->vcpu_destroy(d->vcpus[i]->exec);
	if (d->vm)
		hv->backend->vm_destroy(d->vm);
	if (d->shared_info_mfn != MFN_INVALID)
		heap_free_range(&hv->heap, d->shared_info_mfn, 1);
	arch_domain_fini(d);
	domain_free(d);
	return rc;
}

static bool any_vcpu_running(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i] && d->vcpus[i]->running)
			return true;
	return false;
}

static void kick_all(struct domain *d)
{
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			vcpu_kick(d->vcpus[i]);
}

int domain_destroy(struct domain *d)
{
	if (d->id == DOMID_CONTROL)
		return -EPERM;
	pthread_mutex_lock(&d->lock);
	if (d->is_dying) {
		pthread_mutex_unlock(&d->lock);
		return 0;
	}
	d->is_dying = true;
	notify_locked(d, XG_CTL_EVENT_STATE);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			d->vcpus[i]->stop = true;
	kick_all(d);
	pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);

	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];
		if (v && v->thread_started)
			pthread_join(v->thread, NULL);
		if (v && v->exec)
			hv->backend->vcpu_destroy(v->exec);
		if (v)
			v->exec = NULL;
	}
	hv->backend->vm_destroy(d->vm);
	d->vm = NULL;

	/* No vCPU runs: stop their timers and the domain's watchdogs
	 * (waiting for a callback under way; none can be armed again), then
	 * close every port, which unbinds the peers' ends. */
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			vcpu_timers_kill(d->vcpus[i]);
	watchdog_domain_destroy(d);
	evtchn_domain_destroy(d);
	/* Its ring and its place in the store go before its frames do. */
	xenstore_domain_destroy(d);

	/* No vCPU runs and the VM is gone.  The frames are released under the
	 * domain's lock, which every operation that checks a frame's owner and
	 * then uses the frame holds across both (so it sees is_dying instead). */
	pthread_mutex_lock(&d->lock);
	console_ring_release_locked(d);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			runstate_release_locked(d->vcpus[i]);
	uint64_t freed = d->frames.frames + 1;
	for (size_t i = 0; i < d->frames.n; i++)
		heap_free_range(&hv->heap, d->frames.v[i].mfn, d->frames.v[i].count);
	frame_set_clear(&d->frames);
	heap_free_range(&hv->heap, d->shared_info_mfn, 1);
	d->shared_info_mfn = MFN_INVALID;
	arch_domain_fini(d);
	pthread_mutex_unlock(&d->lock);
	text_ring_close(&d->console);

	pthread_mutex_lock(&table_lock);
	table[d->id] = NULL;
	nr_domains--;
	pthread_mutex_lock(&d->lock);
	notify_locked(d, XG_CTL_EVENT_DESTROYED);
	pthread_mutex_unlock(&d->lock);
	struct domain *evicted = graveyard[graveyard_next];
	graveyard[graveyard_next] = d;
	graveyard_next = (graveyard_next + 1) % GRAVEYARD_SIZE;
	atomic_fetch_add(&d->refcnt, 1);
	pthread_mutex_unlock(&table_lock);
	domain_put(evicted);
	printk("d%u: destroyed '%s', %llu frames returned\n", d->id, d->name,
	       (unsigned long long)freed);
	domain_put(d); /* the table's reference */
	return 0;
}

int domain_rename(struct domain *d, const char *name)
{
	int rc = 0;
	pthread_mutex_lock(&table_lock);
	for (unsigned int i = 0; i < DOMID_LIMIT && !rc; i++)
		if (table[i] && table[i] != d && !strcmp(table[i]->name, name))
			rc = -EEXIST;
	if (!rc) {
		pthread_mutex_lock(&d->lock);
		if (d->is_dying) {
			rc = -EINVAL;
		} else {
			printk("d%u: renamed '%s' to '%s'\n", d->id, d->name, name);
			snprintf(d->name, sizeof(d->name), "%s", name);
			notify_locked(d, XG_CTL_EVENT_RENAMED);
		}
		pthread_mutex_unlock(&d->lock);
	}
	pthread_mutex_unlock(&table_lock);
	return rc;
}

int domain_pause(struct domain *d)
{
	pthread_mutex_lock(&d->lock);
	if (d->is_dying) {
		pthread_mutex_unlock(&d->lock);
		return -EINVAL;
	}
	d->pause_count++;
	kick_all(d);
	while (any_vcpu_running(d))
		pthread_cond_wait(&d->changed, &d->lock);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int domain_unpause(struct domain *d)
{
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	if (d->is_dying)
		rc = -EINVAL;
	else if (!d->pause_count)
		rc = -EINVAL;
	else if (--d->pause_count == 0)
		pthread_cond_broadcast(&d->changed);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

int domain_toolstack_pause(struct domain *d)
{
	int rc = domain_pause(d);
	if (rc)
		return rc;
	pthread_mutex_lock(&d->lock);
	d->toolstack_pauses++;
	notify_locked(d, XG_CTL_EVENT_STATE);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

int domain_toolstack_unpause(struct domain *d)
{
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	if (d->is_dying || !d->toolstack_pauses || !d->pause_count) {
		rc = -EINVAL;
	} else {
		d->toolstack_pauses--;
		if (--d->pause_count == 0)
			pthread_cond_broadcast(&d->changed);
		notify_locked(d, XG_CTL_EVENT_STATE);
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* Called with d->lock held: stop the vCPUs and queue the configured action. */
static void stop_and_act(struct domain *d, unsigned int action)
{
	notify_locked(d, XG_CTL_EVENT_STATE);
	kick_all(d);
	pthread_cond_broadcast(&d->changed);
	text_ring_close(&d->console);
	if (action == XG_DOMACT_DESTROY && !d->action_pending) {
		d->action_pending = true;
		reaper_queue_destroy(d);
	}
}

static const char *const shutdown_names[] = {
	"poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset",
};

/* Stop d for reason, the latched shutdown code; d->lock held, d neither
 * shut down, crashed nor dying. */
static void shutdown_locked(struct domain *d, unsigned int reason)
{
	d->is_shutdown = true;
	d->shutdown_reason = reason;
	printk("d%u: shutdown: %s\n", d->id,
	       reason < sizeof(shutdown_names) / sizeof(shutdown_names[0]) ? shutdown_names[reason]
									    : "unknown reason");
	/* Each reason has its action, as xl's on_poweroff, on_reboot,
	 * on_watchdog and on_crash; a suspended (or soft-reset) domain waits
	 * for the toolstack, and so does one whose reason is unknown (a code
	 * latched with SCHEDOP_shutdown_code can be any 8-bit value).
	 * Restarts are the toolstack's: it asked for PRESERVE and acts on the
	 * shutdown event. */
	unsigned int action = XG_DOMACT_PRESERVE;
	if (reason == SHUTDOWN_poweroff)
		action = d->on_poweroff;
	else if (reason == SHUTDOWN_reboot)
		action = d->on_reboot;
	else if (reason == SHUTDOWN_watchdog)
		action = d->on_watchdog;
	else if (reason == SHUTDOWN_crash)
		action = d->on_crash;
	stop_and_act(d, action);
}

/* Xen keeps the code in 8 bits (domain_shutdown's u8 reason). */
static void latch_shutdown_code(struct domain *d, unsigned int code)
{
	if (d->shutdown_code == SHUTDOWN_CODE_INVALID)
		d->shutdown_code = code & 0xff;
}

void domain_shutdown(struct domain *d, unsigned int reason)
{
	console_ring_flush(d); /* its last words, if it did not notify */
	pthread_mutex_lock(&d->lock);
	/* As Xen's domain_shutdown: a code latched before (by
	 * SCHEDOP_shutdown_code) wins over this reason. */
	latch_shutdown_code(d, reason);
	if (!d->is_shutdown && !d->is_crashed && !d->is_dying)
		shutdown_locked(d, d->shutdown_code);
	pthread_mutex_unlock(&d->lock);
}

void domain_set_shutdown_code(struct domain *d, unsigned int code)
{
	pthread_mutex_lock(&d->lock);
	latch_shutdown_code(d, code);
	pthread_mutex_unlock(&d->lock);
}

void domain_crash(struct domain *d, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);

	console_ring_flush(d);
	pthread_mutex_lock(&d->lock);
	if (d->is_crashed || d->is_dying) {
		pthread_mutex_unlock(&d->lock);
		return;
	}
	printk("d%u: crashed: %s\n", d->id, why);
	char line[600];
	int n = snprintf(line, sizeof(line), "\n(XG) domain crashed: %s\n", why);
	text_ring_write(&d->console, line, (size_t)n < sizeof(line) ? (size_t)n : sizeof(line) - 1);
	/* Xen's domain_crash is domain_shutdown(SHUTDOWN_crash): a different
	 * code the guest latched before is what the toolstack is told, and
	 * that reason's action applies. */
	latch_shutdown_code(d, SHUTDOWN_crash);
	if (d->shutdown_code != SHUTDOWN_crash && !d->is_shutdown) {
		shutdown_locked(d, d->shutdown_code);
	} else {
		d->is_crashed = true;
		stop_and_act(d, d->on_crash);
	}
	pthread_mutex_unlock(&d->lock);
}

int domain_assign_frames_locked(struct domain *d, uint64_t mfn, uint64_t count)
{
	int rc = d->is_dying ? -EINVAL : frame_set_add(&d->frames, mfn, count);
	if (!rc) {
		rc = hv->backend->map_frames(d->vm, mfn, count);
		if (rc)
			frame_set_remove(&d->frames, mfn, count);
	}
	if (!rc)
		for (uint64_t i = 0; i < count; i++)
			atomic_store(&mfn_to_page(&hv->heap, mfn + i)->owner, d->id);
	return rc;
}

int domain_assign_frames(struct domain *d, uint64_t mfn, uint64_t count)
{
	pthread_mutex_lock(&d->lock);
	int rc = domain_assign_frames_locked(d, mfn, count);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

void domain_release_frame(struct domain *d, uint64_t mfn)
{
	/* The shared_info page is never given back; everything else came from
	 * the domain's reservation. */
	if (frame_set_remove(&d->frames, mfn, 1) == 0) {
		hv->backend->unmap_frames(d->vm, mfn, 1);
		heap_free_range(&hv->heap, mfn, 1);
	}
}

bool domain_owns(struct domain *d, uint64_t mfn)
{
	if (mfn >= hv->machine.nr_frames)
		return false;
	return atomic_load(&mfn_to_page(&hv->heap, mfn)->owner) == d->id &&
	       (atomic_load(&mfn_to_page(&hv->heap, mfn)->count_info) & PGC_ALLOCATED);
}
