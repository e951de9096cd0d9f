/*
 * Requests to a guest through its xenstore nodes, as libxl makes them for
 * PV guests (docs/xenstore.md): shutdown and reboot write
 * control/shutdown, which the guest watches; the memory target goes to
 * memory/target for its balloon driver; the vCPUs it should have online to
 * cpu/<k>/availability for its hotplug watch.  The guest acts on them, or
 * not.  Waiting for the shutdown follows the domain events.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "xg_private.h"

/* A transaction that meets other changes is tried again, a few times. */
#define TRANSACTION_TRIES 10

/* The domain must exist and be a guest (domain 0 is the host: it has no
 * store of its own to ask through). */
static int guest_info(xg_handle *h, uint32_t domid, const char *what, struct xg_domain_info *info)
{
	if (domid == 0)
		return xg_error(-EINVAL, "domain 0 is the host itself: %s does not apply to it", what);
	return xg_domain_info(h, domid, info);
}

static void node_path(char *out, size_t size, uint32_t domid, const char *rel)
{
	snprintf(out, size, "/local/domain/%" PRIu32 "/%s", domid, rel);
}

static int write_node(xg_handle *h, uint32_t tx, uint32_t domid, const char *rel, const char *value)
{
	char path[128];
	node_path(path, sizeof(path), domid, rel);
	return xg_xs_write(h, tx, path, value, strlen(value));
}

/* Run fill(h, tx, domid, arg) in a transaction and commit it, again while
 * the store says another change got in between (-EAGAIN). */
static int in_transaction(xg_handle *h, uint32_t domid, int (*fill)(xg_handle *h, uint32_t tx, uint32_t domid, void *arg),
			  void *arg)
{
	for (int tries = 0; tries < TRANSACTION_TRIES; tries++) {
		uint32_t tx;
		int rc = xg_xs_transaction_start(h, &tx);
		if (rc)
			return rc;
		if ((rc = fill(h, tx, domid, arg))) {
			xg_xs_transaction_end(h, tx, false);
			return rc;
		}
		rc = xg_xs_transaction_end(h, tx, true);
		if (rc != -EAGAIN)
			return rc;
	}
	return xg_error(-EAGAIN, "domain %" PRIu32 "'s store kept changing: the request was not written", domid);
}

/* As libxl__domain_pvcontrol_write: only where control/ exists, so a
 * domain destroyed meanwhile (its nodes removed) is not given a new one. */
static int write_control(xg_handle *h, uint32_t tx, uint32_t domid, void *arg)
{
	char path[128];
	node_path(path, sizeof(path), domid, "control");
	char **names;
	unsigned int n;
	int rc = xg_xs_directory(h, tx, path, &names, &n);
	if (rc == -ENOENT)
		return xg_error(-ENOENT, "domain %" PRIu32 " has no control node in the store (%s): it cannot be asked",
				domid, path);
	if (rc)
		return rc;
	free(names);
	return write_node(h, tx, domid, "control/shutdown", arg);
}

XG_EXPORT int xg_domain_shutdown(xg_handle *h, uint32_t domid, enum xg_shutdown_reason reason)
{
	const char *what = reason == XG_SHUTDOWN_POWEROFF ? "poweroff" : reason == XG_SHUTDOWN_REBOOT ? "reboot" : NULL;
	if (!what)
		return xg_error(-EINVAL, "a guest can be asked to power off or reboot, not to %s",
				xg_shutdown_reason_name(reason));
	struct xg_domain_info info;
	int rc = guest_info(h, domid, reason == XG_SHUTDOWN_REBOOT ? "reboot" : "shutdown", &info);
	if (rc)
		return rc;
	return in_transaction(h, domid, write_control, (void *)what);
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

struct waiting {
	const uint32_t *ids;
	bool *done;
	bool *stopped; /* its stop was reported (with until_gone: it is not done yet) */
	size_t n, left;
	bool until_gone;
	void (*progress)(const struct xg_shutdown_progress *p, void *arg);
	void *arg;
};

static void note(struct waiting *w, uint32_t domid, bool gone, unsigned int reason)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->ids[i] != domid || w->done[i] || (!gone && w->stopped[i]))
			continue;
		struct xg_shutdown_progress p = { .domid = domid, .gone = gone, .reason = reason };
		if (w->progress)
			w->progress(&p, w->arg);
		w->stopped[i] = true;
		if (gone || !w->until_gone) {
			w->done[i] = true;
			w->left--;
		}
	}
}

/* What the hypervisor says of each domain not done yet: after the watch
 * is open, so that together with its events nothing is missed. */
static void look(xg_handle *h, struct waiting *w)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->done[i])
			continue;
		struct xg_domain_info info;
		int rc = xg_domain_info(h, w->ids[i], &info);
		if (rc == -ESRCH)
			note(w, w->ids[i], true, 0);
		else if (!rc && info.state == XG_DOMAIN_CRASHED)
			note(w, w->ids[i], false, XG_SHUTDOWN_CRASH);
		else if (!rc && info.state == XG_DOMAIN_SHUTDOWN)
			note(w, w->ids[i], false, info.shutdown_reason);
	}
}

XG_EXPORT int xg_domain_wait_shutdown(xg_handle *h, const uint32_t *domids, size_t n, bool until_gone,
				      int timeout_ms,
				      void (*progress)(const struct xg_shutdown_progress *p, void *arg), void *arg)
{
	int err = 0;
	xg_event_watch *watch = xg_event_watch_open(h, &err);
	if (!watch)
		return err;
	struct waiting w = { .ids = domids, .n = n, .left = n, .until_gone = until_gone, .progress = progress,
			     .arg = arg };
	w.done = calloc(n ? n : 1, sizeof(bool));
	w.stopped = calloc(n ? n : 1, sizeof(bool));
	int rc = 0;
	if (!w.done || !w.stopped) {
		rc = xg_error(-ENOMEM, "out of memory");
		goto out;
	}
	look(h, &w);
	uint64_t deadline = timeout_ms >= 0 ? now_ms() + (uint64_t)timeout_ms : 0;
	while (w.left) {
		int wait_ms = -1;
		if (timeout_ms >= 0) {
			uint64_t t = now_ms();
			if (t >= deadline) {
				rc = xg_error(-ETIMEDOUT, "%zu of the %zu domains had not %s after %d ms", w.left, n,
					      until_gone ? "gone" : "shut down", timeout_ms);
				break;
			}
			wait_ms = (int)(deadline - t);
		}
		struct xg_event ev;
		rc = xg_event_read(watch, &ev, wait_ms);
		if (rc < 0) {
			rc = xg_error(rc, "waiting for the domains: %s", strerror(-rc));
			break;
		}
		if (rc == 0)
			continue; /* the time is up: the loop says so */
		rc = 0;
		if (ev.type == XG_EVENT_DESTROYED)
			note(&w, ev.domid, true, 0);
		else if (ev.type == XG_EVENT_STATE && ev.state == XG_DOMAIN_CRASHED)
			note(&w, ev.domid, false, XG_SHUTDOWN_CRASH);
		else if (ev.type == XG_EVENT_STATE && ev.state == XG_DOMAIN_SHUTDOWN)
			note(&w, ev.domid, false, ev.shutdown_reason);
		else if (ev.type == XG_EVENT_OVERFLOW)
			look(h, &w); /* events were lost: ask again */
	}
out:
	xg_event_watch_close(watch);
	free(w.done);
	free(w.stopped);
	return rc;
}

/* libxl_set_memory_target's check: at most memory/static-max. */
struct memory_target {
	uint64_t kib;
	bool force;
};

static int read_number(xg_handle *h, uint32_t tx, uint32_t domid, const char *rel, uint64_t *out)
{
	char path[128], *v;
	size_t len;
	node_path(path, sizeof(path), domid, rel);
	int rc = xg_xs_read(h, tx, path, &v, &len);
	if (rc)
		return rc;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	bool bad = !len || errno || end != v + len || v[0] == '-';
	free(v);
	if (bad)
		return xg_error(-EINVAL, "%s is not a number", path);
	*out = n;
	return 0;
}

static int write_target(xg_handle *h, uint32_t tx, uint32_t domid, void *arg)
{
	const struct memory_target *t = arg;
	uint64_t max = 0;
	int rc = read_number(h, tx, domid, "memory/static-max", &max);
	if (rc)
		return rc;
	if (t->kib > max && !t->force)
		return xg_error(-EINVAL,
				"%" PRIu64 " KiB is more than domain %" PRIu32 "'s maximum (memory/static-max, %" PRIu64
				" KiB)",
				t->kib, domid, max);
	char v[24];
	snprintf(v, sizeof(v), "%" PRIu64, t->kib);
	return write_node(h, tx, domid, "memory/target", v);
}

XG_EXPORT int xg_domain_set_memory_target(xg_handle *h, uint32_t domid, uint64_t target_kib, unsigned int flags)
{
	if (flags & ~(unsigned int)XG_FORCE)
		return xg_error(-EINVAL, "unknown flags %#x", flags);
	if (!target_kib)
		return xg_error(-EINVAL, "a memory target of 0 KiB leaves the guest nothing");
	struct xg_domain_info info;
	int rc = guest_info(h, domid, "a memory target", &info);
	if (rc)
		return rc;
	struct memory_target t = { .kib = target_kib, .force = flags & XG_FORCE };
	return in_transaction(h, domid, write_target, &t);
}

struct online_vcpus {
	uint32_t online, all;
};

/* As libxl_set_vcpuonline: every vCPU the domain has gets a state. */
static int write_availability(xg_handle *h, uint32_t tx, uint32_t domid, void *arg)
{
	const struct online_vcpus *o = arg;
	int rc = 0;
	for (uint32_t k = 0; !rc && k < o->all; k++) {
		char rel[48];
		snprintf(rel, sizeof(rel), "cpu/%" PRIu32 "/availability", k);
		rc = write_node(h, tx, domid, rel, k < o->online ? "online" : "offline");
	}
	return rc;
}

XG_EXPORT int xg_domain_set_online_vcpus(xg_handle *h, uint32_t domid, uint32_t n)
{
	struct xg_domain_info info;
	int rc = guest_info(h, domid, "vCPU hotplug", &info);
	if (rc)
		return rc;
	if (n == 0)
		return xg_error(-EINVAL, "a guest needs at least 1 vCPU online");
	if (n > info.nr_vcpus)
		return xg_error(-EINVAL,
				"domain %" PRIu32 " has at most %" PRIu32 " vCPUs (its maxvcpus); %" PRIu32 " asked for",
				domid, info.nr_vcpus, n);
	struct online_vcpus o = { .online = n, .all = info.nr_vcpus };
	return in_transaction(h, domid, write_availability, &o);
}
