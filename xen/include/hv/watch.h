/*
 * Domain events for the control socket's watchers (XG_CTL_OP_WATCH_DOMAINS,
 * include/public/xg_control.h).
 *
 * Locking: the watch lock is the innermost lock of all.  watch_post() is
 * called with the domain's lock held (and sometimes the domain table lock
 * too: table lock, domain lock, watch lock), so that each watcher sees a
 * domain's events in the order they happened.  It only copies the record
 * into each watcher's queue and wakes the watcher's thread (an eventfd
 * write): it never blocks on a client, whatever the client does.  Each
 * watcher's own client thread does the socket writes, outside every lock.
 */
#ifndef HV_WATCH_H
#define HV_WATCH_H

#include <stdint.h>

/* Record one event for every watcher.  name is the domain's (current) name. */
void watch_post(unsigned int type, uint16_t domid, const char *name, unsigned int state,
		unsigned int shutdown_reason);

struct watcher;
/* Register a watcher; NULL with *err -EBUSY when there are already
 * XG_CTL_MAX_WATCHERS, or -ENOMEM / -errno. */
struct watcher *watch_register(int *err);
/* Stream the watcher's events to fd until the client sends anything, hangs
 * up, or a write fails; then unregister and free it. */
void watch_stream(struct watcher *w, int fd);

#endif
