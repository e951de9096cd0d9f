/*
 * Domain events through libxg's watch API against a running hypervisor
 * (started by domain-events.sh): the exact sequence for a guest's life, pause,
 * rename and destroy; a watcher that never reads (overflow, and the
 * hypervisor goes on); a watcher that disconnects; the watcher limit.
 *   test_domain_events GUEST_DIR
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "public/xen.h"
#include "tests/tap.h"
#include "xg/xg.h"

static const char *guest_dir;

static int create(xg_handle *h, const char *name, const char *guest, bool paused, uint32_t *domid)
{
	struct xg_config cfg;
	xg_config_init(&cfg);
	snprintf(cfg.name, sizeof(cfg.name), "%s", name);
	char kernel[1024];
	snprintf(kernel, sizeof(kernel), "%s/%s.elf", guest_dir, guest);
	cfg.kernel = strdup(kernel);
	cfg.memory_mib = 16;
	int rc = xg_domain_create(h, &cfg, paused ? XG_CREATE_PAUSED : 0, NULL, domid);
	xg_config_dispose(&cfg);
	return rc;
}

/* "created ev1 paused", "state ev1 shutdown poweroff", ... */
static void describe(const struct xg_event *e, char *out, size_t size)
{
	if (e->type == XG_EVENT_OVERFLOW)
		snprintf(out, size, "overflow");
	else if (e->type == XG_EVENT_STATE && e->state == XG_DOMAIN_SHUTDOWN)
		snprintf(out, size, "state %s shutdown %s", e->name, xg_shutdown_reason_name(e->shutdown_reason));
	else
		snprintf(out, size, "%s %s %s", xg_event_type_name(e->type), e->name, xg_domain_state_name(e->state));
}

/* Read events of domid (others are skipped) until `until` is seen or 20 s
 * pass; append their descriptions to out, separated by ", ". */
static void collect(xg_event_watch *w, uint32_t domid, const char *until, char *out, size_t size,
		    uint64_t *last_seq, bool *seq_ok)
{
	out[0] = '\0';
	time_t end = time(NULL) + 20;
	while (time(NULL) < end) {
		struct xg_event e;
		int rc = xg_event_read(w, &e, 1000);
		if (rc < 0) {
			snprintf(out + strlen(out), size - strlen(out), "%sERROR %s", out[0] ? ", " : "", xg_last_error());
			return;
		}
		if (rc == 0)
			continue;
		if (last_seq) {
			if (e.seq != *last_seq + 1)
				*seq_ok = false;
			*last_seq = e.seq;
		}
		if (e.domid != domid && e.type != XG_EVENT_OVERFLOW)
			continue;
		char one[200];
		describe(&e, one, sizeof(one));
		snprintf(out + strlen(out), size - strlen(out), "%s%s", out[0] ? ", " : "", one);
		if (!strcmp(one, until))
			return;
	}
}

/* A watcher that reads everything as it comes (on its own thread). */
struct reader {
	xg_event_watch *w;
	uint32_t domid;
	_Atomic long events;     /* events of domid read */
	_Atomic bool overflowed;
	_Atomic bool done;       /* saw the domain destroyed, or an error */
};

static void *reader_main(void *arg)
{
	struct reader *r = arg;
	while (!atomic_load(&r->done)) {
		struct xg_event e;
		int rc = xg_event_read(r->w, &e, 20000);
		if (rc <= 0)
			break;
		if (e.type == XG_EVENT_OVERFLOW)
			atomic_store(&r->overflowed, true);
		if (e.domid == r->domid) {
			atomic_fetch_add(&r->events, 1);
			if (e.type == XG_EVENT_DESTROYED)
				break;
		}
	}
	atomic_store(&r->done, true);
	return NULL;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		printf("Bail out! usage: test_domain_events GUEST_DIR\n");
		return 1;
	}
	guest_dir = argv[1];
	int err;
	xg_handle *h = xg_open(NULL, 0, &err);
	if (!h) {
		printf("Bail out! cannot connect: %s\n", xg_last_error());
		return 1;
	}
	xg_event_watch *w = xg_event_watch_open(h, &err);
	TAP_CHECK(w && err == 0, "a watch opens on the control socket: %s", w ? "" : xg_last_error());
	xg_handle *ro = xg_open(NULL, XG_OPEN_READONLY, &err);
	xg_event_watch *wro = ro ? xg_event_watch_open(ro, &err) : NULL;
	TAP_CHECK(wro != NULL, "and on the monitoring socket: %s", wro ? "" : xg_last_error());
	xg_close(ro); /* the watch is its own connection */
	/* A watcher that will not read until much later. */
	xg_event_watch *slow = xg_event_watch_open(h, &err);
	TAP_CHECK(slow != NULL, "a third watch opens");
	if (!w || !wro || !slow)
		return tap_done();
	struct xg_event e;
	TAP_CHECK(xg_event_read(w, &e, 0) == 0, "with nothing happening there is no event, and reading does not wait");

	/* A guest's whole life: hello powers off, on_poweroff destroy. */
	uint32_t d1;
	uint64_t seq = 0;
	bool seq_ok = true;
	TAP_CHECK(create(h, "ev-hello", "hello", false, &d1) == 0, "hello is created and started");
	char got[4096];
	collect(w, d1, "destroyed ev-hello dying", got, sizeof(got), &seq, &seq_ok);
	const char *want = "created ev-hello paused, state ev-hello running, state ev-hello shutdown poweroff, "
			   "state ev-hello dying, destroyed ev-hello dying";
	TAP_CHECK(!strcmp(got, want), "its events, in order: %s", got);
	TAP_CHECK(seq_ok && seq == 5, "numbered 1 to 5 (last %llu)", (unsigned long long)seq);
	collect(wro, d1, "destroyed ev-hello dying", got, sizeof(got), NULL, NULL);
	TAP_CHECK(!strcmp(got, want), "the read-only watch sees the same: %s", got);

	/* Pause, unpause, rename, destroy. */
	uint32_t d2;
	TAP_CHECK(create(h, "ev-spin", "spin", true, &d2) == 0, "spin is created paused");
	TAP_CHECK(xg_domain_unpause(h, d2) == 0 && xg_domain_pause(h, d2) == 0 && xg_domain_pause(h, d2) == 0 &&
			  xg_domain_unpause(h, d2) == 0 && xg_domain_unpause(h, d2) == 0,
		  "unpaused, paused twice, unpaused twice");
	TAP_CHECK(xg_domain_unpause(h, d2) == -EINVAL, "unpausing a domain the toolstack did not pause: -EINVAL");
	/* Reading a vCPU context pauses the domain inside the hypervisor:
	 * not a state change anyone asked for, so no event. */
	struct vcpu_guest_context ctxt;
	TAP_CHECK(xg_vcpu_getcontext(h, d2, 0, &ctxt, sizeof(ctxt)) == 0, "its vCPU context is read");
	TAP_CHECK(xg_domain_rename(h, d2, "ev-renamed") == 0, "renamed");
	TAP_CHECK(xg_domain_destroy(h, d2) == 0, "destroyed");
	collect(w, d2, "destroyed ev-renamed dying", got, sizeof(got), &seq, &seq_ok);
	want = "created ev-spin paused, state ev-spin running, state ev-spin paused, state ev-spin running, "
	       "renamed ev-renamed running, state ev-renamed dying, destroyed ev-renamed dying";
	TAP_CHECK(!strcmp(got, want), "its events: a second pause and a hypervisor pause are no change: %s", got);
	TAP_CHECK(seq_ok, "the numbers have no gap");

	/* A failed create: the domain existed for a moment and is gone. */
	uint32_t d3;
	TAP_CHECK(create(h, "ev-bad", "no-such-guest", false, &d3) < 0, "a create with a missing kernel fails");
	TAP_CHECK(xg_event_read(w, &e, 300) == 0, "it failed before creating anything: no event");

	/* A burst of 1000 events (renames: no vCPU needs stopping, so they come
	 * fast) while `slow` never reads and another watcher reads on its own
	 * thread.  The reader must get every one, `slow` an overflow; renaming
	 * must not wait for `slow`. */
	uint32_t d4;
	TAP_CHECK(create(h, "ev-burst", "spin", true, &d4) == 0, "a burst domain is created paused");
	struct reader r = { .w = xg_event_watch_open(h, &err), .domid = d4 };
	pthread_t t;
	bool reader_ok = r.w && pthread_create(&t, NULL, reader_main, &r) == 0;
	TAP_CHECK(reader_ok, "a reading watcher starts");
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	int failures = 0;
	enum { BURST = 1000 };
	for (int i = 0; i < BURST; i++) {
		failures += xg_domain_rename(h, d4, i % 2 ? "ev-burst" : "ev-burst-b") != 0;
		/* Let the reader keep up (a loaded host may not schedule it):
		 * it is to see everything; only `slow` falls behind. */
		if (i % 100 == 99)
			for (int spins = 0; reader_ok && atomic_load(&r.events) < i + 1 && spins < 5000; spins++)
				usleep(1000);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	TAP_CHECK(failures == 0, "1000 renames succeed while a watcher does not read (%.2f s)",
		  (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	xg_domain_destroy(h, d4);
	if (reader_ok)
		pthread_join(t, NULL);
	TAP_CHECK(atomic_load(&r.events) == BURST + 2 && !atomic_load(&r.overflowed),
		  "the reading watcher got all 1002 events of the burst domain, no overflow (%ld)", atomic_load(&r.events));
	xg_event_watch_close(r.w);
	/* Now `slow` reads: what fitted in its queue, then one overflow. */
	long before = 0, overflows = 0, after_overflow = 0;
	uint64_t last = 0;
	bool gap = false;
	while (xg_event_read(slow, &e, 500) == 1) {
		if (e.type == XG_EVENT_OVERFLOW) {
			overflows++;
			gap = e.seq > last + 1;
		} else if (overflows) {
			after_overflow++;
		} else {
			before++;
			last = e.seq;
		}
	}
	TAP_CHECK(overflows == 1 && before >= 256 && before < 1000 && gap,
		  "the watcher that did not read gets %ld events, then one overflow whose number skips the lost ones", before);
	uint32_t d5;
	TAP_CHECK(create(h, "ev-after", "spin", true, &d5) == 0, "another domain is created");
	collect(slow, d5, "created ev-after paused", got, sizeof(got), NULL, NULL);
	TAP_CHECK(!strcmp(got, "created ev-after paused"), "after the overflow the slow watcher sees new events: %s", got);
	xg_event_watch_close(slow);

	/* A watcher that hangs up while its thread is blocked writing to it. */
	xg_event_watch *gone = xg_event_watch_open(h, &err);
	for (int i = 0; i < 600; i++)
		xg_domain_rename(h, d5, i % 2 ? "ev-after" : "ev-after-b");
	xg_event_watch_close(gone);
	TAP_CHECK(gone != NULL && xg_domain_unpause(h, d5) == 0 && xg_domain_pause(h, d5) == 0,
		  "a watcher that disconnects with unread events leaves the hypervisor working");

	/* The limit: 128 watchers; w and wro are two of them.  Slots freed
	 * by closed watches come back (the hypervisor notices a hang-up on
	 * its own thread, so allow it a moment). */
	enum { LIMIT = 128 };
	xg_event_watch *many[LIMIT];
	int opened = 0, last_err = 0;
	for (int tries = 0; tries < 50 && opened < LIMIT - 2; tries++) {
		while (opened < LIMIT - 2 && (many[opened] = xg_event_watch_open(h, &last_err)))
			opened++;
		if (opened < LIMIT - 2)
			usleep(100000);
	}
	TAP_CHECK(opened == LIMIT - 2, "126 more watchers open (the closed ones' places are free again): %d", opened);
	xg_event_watch *extra = xg_event_watch_open(h, &last_err);
	TAP_CHECK(!extra && last_err == -EBUSY && strstr(xg_last_error(), "most event watchers (128)"),
		  "the 129th is refused: %s", xg_last_error());
	xg_event_watch_close(extra);
	TAP_CHECK(xg_domain_unpause(h, d5) == 0, "with 128 watchers the domain is unpaused");
	int saw = 0;
	for (int i = 0; i < opened; i++) {
		collect(many[i], d5, "state ev-after running", got, sizeof(got), NULL, NULL);
		saw += !strcmp(got, "state ev-after running");
	}
	TAP_CHECK(saw == opened, "each of the watchers gets the event (%d of %d)", saw, opened);
	for (int i = 0; i < opened; i++)
		xg_event_watch_close(many[i]);
	xg_domain_destroy(h, d5);
	/* w has not been read since the burst: it overflowed too, so the
	 * last domain's destruction, which came while it was full, is lost
	 * and an overflow is the last thing it reads; a client re-lists then.
	 * Events after that come through again. */
	long w_overflows = 0;
	bool last_is_overflow = false;
	while (xg_event_read(w, &e, 1000) == 1) {
		w_overflows += e.type == XG_EVENT_OVERFLOW;
		last_is_overflow = e.type == XG_EVENT_OVERFLOW;
	}
	TAP_CHECK(w_overflows >= 1 && last_is_overflow,
		  "the first watch, unread since the burst, ends with an overflow (%ld in all)", w_overflows);
	uint32_t d6;
	TAP_CHECK(create(h, "ev-last", "spin", true, &d6) == 0 && xg_domain_destroy(h, d6) == 0,
		  "one more domain is created and destroyed");
	collect(w, d6, "destroyed ev-last dying", got, sizeof(got), NULL, NULL);
	TAP_CHECK(!strcmp(got, "created ev-last paused, state ev-last dying, destroyed ev-last dying"),
		  "and the first watch sees that whole: %s", got);
	xg_event_watch_close(w);
	xg_event_watch_close(wro);
	xg_close(h);
	return tap_done();
}
