/* Domain events streamed to control-socket watchers (see hv/watch.h). */
#include "common/stream_io.h"
#include "hv/watch.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "hv/domain.h"
#include "hv/hypervisor.h"
#include "public/xg_control.h"

/* The socket buffer of a watch connection is kept small, so that a client
 * that stops reading overflows its queue after a few hundred events
 * instead of pinning a large kernel buffer. */
#define WATCH_SNDBUF 8192

struct watcher {
	struct watcher *next;
	int wake_fd; /* eventfd: the queue has something, or overflowed */
	/* Under watch_lock. */
	struct xg_ctl_event queue[XG_CTL_WATCH_QUEUE];
	unsigned int head, len;
	uint64_t seq;    /* events generated for this watcher so far */
	bool overflowed; /* events were dropped since the queue was last drained */
};

static pthread_mutex_t watch_lock = PTHREAD_MUTEX_INITIALIZER;
static struct watcher *watchers;
static unsigned int nr_watchers;

void watch_post(unsigned int type, uint16_t domid, const char *name, unsigned int state,
		unsigned int shutdown_reason)
{
	struct xg_ctl_event ev = {
		.magic = XG_CTL_EVENT_MAGIC,
		.type = type,
		.time_ns = now_ns() - hv->start_ns,
		.domid = domid,
		.state = state,
		.shutdown_reason = shutdown_reason,
	};
	snprintf(ev.name, sizeof(ev.name), "%s", name);
	pthread_mutex_lock(&watch_lock);
	for (struct watcher *w = watchers; w; w = w->next) {
		ev.seq = ++w->seq;
		if (w->len == XG_CTL_WATCH_QUEUE) {
			/* A watcher that does not keep up loses events, never
			 * the hypervisor's time: it is told to re-list. */
			w->overflowed = true;
		} else {
			w->queue[(w->head + w->len) % XG_CTL_WATCH_QUEUE] = ev;
			w->len++;
		}
		uint64_t one = 1;
		/* Cannot block: the eventfd is non-blocking and its counter
		 * would need 2^64 writes to fill. */
		if (write(w->wake_fd, &one, sizeof(one)) < 0) {
			/* nothing to do: the watcher is woken by the next event */
		}
	}
	pthread_mutex_unlock(&watch_lock);
}

struct watcher *watch_register(int *err)
{
	struct watcher *w = calloc(1, sizeof(*w));
	if (!w) {
		*err = -ENOMEM;
		return NULL;
	}
	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (w->wake_fd < 0) {
		*err = -errno;
		free(w);
		return NULL;
	}
	pthread_mutex_lock(&watch_lock);
	if (nr_watchers >= XG_CTL_MAX_WATCHERS) {
		pthread_mutex_unlock(&watch_lock);
		close(w->wake_fd);
		free(w);
		*err = -EBUSY;
		return NULL;
	}
	w->next = watchers;
	watchers = w;
	nr_watchers++;
	pthread_mutex_unlock(&watch_lock);
	*err = 0;
	return w;
}

static void unregister(struct watcher *w)
{
	pthread_mutex_lock(&watch_lock);
	for (struct watcher **p = &watchers; *p; p = &(*p)->next) {
		if (*p == w) {
			*p = w->next;
			nr_watchers--;
			break;
		}
	}
	pthread_mutex_unlock(&watch_lock);
	close(w->wake_fd);
	free(w);
}

void watch_stream(struct watcher *w, int fd)
{
	int sndbuf = WATCH_SNDBUF;
	setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf));
	/* Room for a whole queue and the overflow record after it. */
	struct xg_ctl_event *out = malloc((XG_CTL_WATCH_QUEUE + 1) * sizeof(*out));
	if (!out) {
		unregister(w);
		return;
	}
	for (;;) {
		struct pollfd p[2] = {
			{ .fd = fd, .events = POLLIN },
			{ .fd = w->wake_fd, .events = POLLIN },
		};
		if (poll(p, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		/* The client sent something (not allowed on a watch) or hung up. */
		if (p[0].revents)
			break;
		if (!(p[1].revents & POLLIN))
			continue;
		uint64_t count;
		if (read(w->wake_fd, &count, sizeof(count)) < 0 && errno != EAGAIN)
			break;
		size_t n = 0;
		pthread_mutex_lock(&watch_lock);
		for (; w->len; w->len--, w->head = (w->head + 1) % XG_CTL_WATCH_QUEUE)
			out[n++] = w->queue[w->head];
		/* Everything dropped happened after what was queued (a full
		 * queue takes nothing more), and everything queued from now
		 * on happens after the loss: the record goes in between. */
		if (w->overflowed) {
			out[n++] = (struct xg_ctl_event){
				.magic = XG_CTL_EVENT_MAGIC,
				.type = XG_CTL_EVENT_OVERFLOW,
				.seq = w->seq,
				.time_ns = now_ns() - hv->start_ns,
			};
			w->overflowed = false;
		}
		pthread_mutex_unlock(&watch_lock);
		/* May block while the client does not read; only this client's
		 * thread waits, and a hang-up ends the write with an error. */
		if (n && stream_transfer(fd, out, n * sizeof(*out), true))
			break;
	}
	free(out);
	unregister(w);
}
