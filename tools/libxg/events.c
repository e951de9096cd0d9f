/* Domain events: a watch connection to the hypervisor (xg.h, "domain events"). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/stream_io.h"
#include "public/xg_control.h"
#include "xg_private.h"

_Static_assert(XG_CTL_EVSTATE_RUNNING == XG_DOMAIN_RUNNING && XG_CTL_EVSTATE_PAUSED == XG_DOMAIN_PAUSED &&
		       XG_CTL_EVSTATE_SHUTDOWN == XG_DOMAIN_SHUTDOWN && XG_CTL_EVSTATE_CRASHED == XG_DOMAIN_CRASHED &&
		       XG_CTL_EVSTATE_DYING == XG_DOMAIN_DYING,
	       "event states are libxg's domain states");
_Static_assert(XG_CTL_EVENT_CREATED == XG_EVENT_CREATED && XG_CTL_EVENT_STATE == XG_EVENT_STATE &&
		       XG_CTL_EVENT_RENAMED == XG_EVENT_RENAMED && XG_CTL_EVENT_DESTROYED == XG_EVENT_DESTROYED &&
		       XG_CTL_EVENT_OVERFLOW == XG_EVENT_OVERFLOW,
	       "event types are libxg's");

struct xg_event_watch {
	int fd;
	/* A record being received: recv() never takes more than the rest of
	 * one record, so bytes of the next one stay in the socket and poll()
	 * keeps reporting them. */
	struct xg_ctl_event partial;
	size_t have;
};

XG_EXPORT const char *xg_event_type_name(enum xg_event_type type)
{
	switch (type) {
	case XG_EVENT_CREATED: return "created";
	case XG_EVENT_STATE: return "state";
	case XG_EVENT_RENAMED: return "renamed";
	case XG_EVENT_DESTROYED: return "destroyed";
	case XG_EVENT_OVERFLOW: return "overflow";
	}
	return "unknown";
}

XG_EXPORT xg_event_watch *xg_event_watch_open(xg_handle *h, int *err)
{
	int dummy;
	if (!err)
		err = &dummy;
	int fd = xg_connect_socket(h->rundir, h->flags);
	if (fd < 0) {
		*err = fd;
		return NULL;
	}
	struct xg_ctl_request req = { .magic = XG_CTL_MAGIC, .size = sizeof(req), .op = XG_CTL_OP_WATCH_DOMAINS };
	struct xg_ctl_reply rep;
	int rc = 0;
	if (stream_transfer(fd, &req, sizeof(req), true) || stream_transfer(fd, &rep, sizeof(rep), false))
		rc = xg_error(-EPIPE, "lost the connection to the hypervisor while subscribing to events");
	else if (rep.magic != XG_CTL_MAGIC || rep.size != sizeof(rep))
		rc = xg_error(-EPROTO, "malformed reply from the hypervisor");
	else if (rep.ret == -EBUSY)
		rc = xg_error(-EBUSY, "the hypervisor already has its most event watchers (%u)", XG_CTL_MAX_WATCHERS);
	else if (rep.ret == -ENOSYS)
		rc = xg_error(-ENOSYS, "this hypervisor has no domain events");
	else if (rep.ret < 0)
		rc = xg_error((int)rep.ret, "cannot subscribe to domain events: %s", strerror((int)-rep.ret));
	xg_event_watch *w = rc ? NULL : calloc(1, sizeof(*w));
	if (!rc && !w)
		rc = xg_error(-ENOMEM, "out of memory");
	if (!rc && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
		rc = xg_error(-errno, "cannot make the event connection non-blocking: %s", strerror(errno));
	if (rc) {
		free(w);
		close(fd);
		*err = rc;
		return NULL;
	}
	w->fd = fd;
	*err = 0;
	return w;
}

XG_EXPORT int xg_event_watch_fd(const xg_event_watch *w)
{
	return w->fd;
}

static uint64_t now_ms(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

XG_EXPORT int xg_event_read(xg_event_watch *w, struct xg_event *ev, int timeout_ms)
{
	uint64_t deadline = timeout_ms > 0 ? now_ms() + (uint64_t)timeout_ms : 0;
	for (;;) {
		ssize_t n = recv(w->fd, (uint8_t *)&w->partial + w->have, sizeof(w->partial) - w->have, 0);
		if (n == 0)
			return xg_error(-EPIPE, "the hypervisor closed the event watch");
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)
			return xg_error(-errno, "cannot read domain events: %s", strerror(errno));
		if (n > 0) {
			w->have += (size_t)n;
			if (w->have < sizeof(w->partial))
				continue;
			w->have = 0;
			const struct xg_ctl_event *e = &w->partial;
			if (e->magic != XG_CTL_EVENT_MAGIC || e->type < XG_EVENT_CREATED || e->type > XG_EVENT_OVERFLOW)
				return xg_error(-EPROTO, "malformed event from the hypervisor");
			memset(ev, 0, sizeof(*ev));
			ev->type = (enum xg_event_type)e->type;
			ev->domid = e->domid;
			memcpy(ev->name, e->name, sizeof(ev->name));
			ev->name[sizeof(ev->name) - 1] = '\0';
			ev->state = (enum xg_domain_state)e->state;
			ev->shutdown_reason = e->shutdown_reason;
			ev->seq = e->seq;
			ev->time_ns = e->time_ns;
			return 1;
		}
		/* Nothing more to read now. */
		int wait_ms = -1;
		if (timeout_ms == 0)
			return 0;
		if (timeout_ms > 0) {
			uint64_t now = now_ms();
			if (now >= deadline)
				return 0;
			wait_ms = (int)(deadline - now);
		}
		struct pollfd p = { .fd = w->fd, .events = POLLIN };
		int r = poll(&p, 1, wait_ms);
		if (r < 0 && errno != EINTR)
			return xg_error(-errno, "cannot wait for domain events: %s", strerror(errno));
	}
}

XG_EXPORT void xg_event_watch_close(xg_event_watch *w)
{
	if (!w)
		return;
	close(w->fd);
	free(w);
}
