/* Serving libxg clients on the control sockets. */
#include "common/stream_io.h"
#include "hv/control.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "hv/domain.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/watch.h"
#include "public/xen.h"
#include "public/xg_control.h"

#define MAX_CLIENTS 256

static int listen_fd[2] = { -1, -1 }; /* privileged, read-only */
static char socket_path[2][sizeof(((struct sockaddr_un *)0)->sun_path)];
static int wake_pipe[2] = { -1, -1 };
static pthread_t accept_thread;
static bool accepting;
static _Atomic int nr_clients;

struct client {
	int fd;
	bool readonly;
};

static int send_reply(int fd, int64_t ret, const uint8_t *data, size_t len, int pass_fd)
{
	struct xg_ctl_reply rep = { .magic = XG_CTL_MAGIC, .size = (uint32_t)(sizeof(rep) + len), .ret = ret };
	struct iovec iov[2] = { { &rep, sizeof(rep) }, { (void *)data, len } };
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} control;
	struct msghdr msg = { .msg_iov = iov, .msg_iovlen = len ? 2 : 1 };
	if (pass_fd >= 0) {
		memset(&control, 0, sizeof(control));
		msg.msg_control = control.buf;
		msg.msg_controllen = sizeof(control.buf);
		struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &pass_fd, sizeof(int));
	}
	size_t total = sizeof(rep) + len;
	ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	if (n < 0)
		return -1;
	/* Anything the first sendmsg did not take goes out plainly. */
	size_t sent = (size_t)n;
	while (sent < total) {
		const uint8_t *p;
		size_t left;
		if (sent < sizeof(rep)) {
			p = (const uint8_t *)&rep + sent;
			left = sizeof(rep) - sent;
		} else {
			p = data + (sent - sizeof(rep));
			left = total - sent;
		}
		ssize_t m = send(fd, p, left, MSG_NOSIGNAL);
		if (m < 0 && errno == EINTR)
			continue;
		if (m <= 0)
			return -1;
		sent += (size_t)m;
	}
	return 0;
}

/* Hypercalls the monitoring socket may make (each also checks its sub-op). */
static bool allowed_readonly(uint32_t op)
{
	return op == __HYPERVISOR_sysctl || op == __HYPERVISOR_domctl || op == __HYPERVISOR_xen_version;
}

/* One request; returns -1 to drop the client. */
static int serve_one(struct client *c, struct domain *dom0)
{
	struct xg_ctl_request req;
	if (stream_transfer(c->fd, &req, sizeof(req), false))
		return -1;
	if (req.magic != XG_CTL_MAGIC || req.size < sizeof(req) ||
	    req.size - sizeof(req) > XG_CTL_MAX_DATA) {
		printk("control: malformed request header (magic %#x size %u); dropping client\n",
		       req.magic, req.size);
		return -1;
	}
	size_t len = req.size - sizeof(req);
	uint8_t *data = NULL;
	if (len) {
		data = malloc(len);
		if (!data || stream_transfer(c->fd, data, len, false)) {
			free(data);
			return -1;
		}
	}

	if (req.op == XG_CTL_OP_WATCH_DOMAINS) {
		/* The connection becomes a stream of events and stays so until
		 * the client leaves (hv/watch.h). */
		int err = -EINVAL;
		struct watcher *w = len ? NULL : watch_register(&err);
		int rc = send_reply(c->fd, err, data, len, -1);
		free(data);
		if (!w)
			return rc;
		watch_stream(w, c->fd); /* a failed reply ends it at once: the peer is gone */
		return -1;
	}

	int64_t ret;
	int pass_fd = -1;
	if (req.op == XG_CTL_OP_MACHINE_MEMORY) {
		ret = c->readonly ? -EPERM : 0;
		if (!c->readonly)
			pass_fd = hv->machine.memfd;
	} else if (req.op >= XG_CTL_OP_BASE) {
		ret = -ENOSYS;
	} else if (c->readonly && !allowed_readonly(req.op)) {
		ret = -EPERM;
	} else {
		struct hcall_ctx ctx = {
			.caller = dom0, .data = data, .data_len = len, .readonly = c->readonly,
		};
		ret = hypercall_dispatch(&ctx, req.op, req.args);
	}
	int rc = send_reply(c->fd, ret, data, len, pass_fd);
	free(data);
	return rc;
}

static void *client_main(void *arg)
{
	struct client *c = arg;
	struct domain *dom0 = domain_get(DOMID_CONTROL);
	while (dom0 && serve_one(c, dom0) == 0)
		;
	domain_put(dom0);
	close(c->fd);
	free(c);
	atomic_fetch_sub(&nr_clients, 1);
	return NULL;
}

static bool peer_allowed(int fd)
{
	struct ucred cred;
	socklen_t len = sizeof(cred);
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0)
		return false;
	return cred.uid == 0 || cred.uid == geteuid();
}

static void accept_client(int lfd, bool readonly)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	if (!readonly && !peer_allowed(fd)) {
		printk("control: refused a client without privilege\n");
		close(fd);
		return;
	}
	if (atomic_fetch_add(&nr_clients, 1) >= MAX_CLIENTS) {
		atomic_fetch_sub(&nr_clients, 1);
		close(fd);
		return;
	}
	struct client *c = malloc(sizeof(*c));
	pthread_t t;
	pthread_attr_t attr;
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (!c || (c->fd = fd, c->readonly = readonly, pthread_create(&t, &attr, client_main, c))) {
		free(c);
		close(fd);
		atomic_fetch_sub(&nr_clients, 1);
	}
	pthread_attr_destroy(&attr);
}

static void *accept_main(void *arg)
{
	(void)arg;
	struct pollfd p[3] = {
		{ .fd = listen_fd[0], .events = POLLIN },
		{ .fd = listen_fd[1], .events = POLLIN },
		{ .fd = wake_pipe[0], .events = POLLIN },
	};
	for (;;) {
		if (poll(p, 3, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[2].revents)
			break;
		if (p[0].revents & POLLIN)
			accept_client(listen_fd[0], false);
		if (p[1].revents & POLLIN)
			accept_client(listen_fd[1], true);
	}
	return NULL;
}

/* Bind path, replacing a stale socket but never a live hypervisor's. */
static int bind_socket(const char *path, mode_t mode)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	if (strlen(path) >= sizeof(addr.sun_path))
		return -ENAMETOOLONG;
	strcpy(addr.sun_path, path);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) == 0) {
		close(fd);
		return -EADDRINUSE;
	}
	close(fd);
	unlink(path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	mode_t old = umask(0777 & ~mode);
	int rc = bind(fd, (struct sockaddr *)&addr, sizeof(addr));
	umask(old);
	if (rc < 0 || chmod(path, mode) < 0 || listen(fd, 64) < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	return fd;
}

int control_start(const char *rundir)
{
	if (mkdir(rundir, 0755) < 0 && errno != EEXIST) {
		int rc = -errno;
		printk("control: cannot create %s: %s\n", rundir, strerror(errno));
		return rc;
	}
	const char *names[2] = { CONTROL_SOCKET, CONTROL_SOCKET_RO };
	const mode_t modes[2] = { 0600, 0666 };
	for (int i = 0; i < 2; i++) {
		int n = snprintf(socket_path[i], sizeof(socket_path[i]), "%s/%s", rundir, names[i]);
		if (n < 0 || (size_t)n >= sizeof(socket_path[i])) {
			printk("control: run directory path too long: %s\n", rundir);
			return -ENAMETOOLONG;
		}
		listen_fd[i] = bind_socket(socket_path[i], modes[i]);
		if (listen_fd[i] < 0) {
			int rc = listen_fd[i];
			printk("control: cannot listen on %s: %s%s\n", socket_path[i], strerror(-rc),
			       rc == -EADDRINUSE ? " (another xg-hypervisor is running there)" : "");
			socket_path[i][0] = '\0';
			control_stop();
			return rc;
		}
	}
	if (pipe2(wake_pipe, O_CLOEXEC) < 0 || pthread_create(&accept_thread, NULL, accept_main, NULL)) {
		control_stop();
		return -EAGAIN;
	}
	accepting = true;
	printk("control: listening on %s (and %s for monitoring)\n", socket_path[0], socket_path[1]);
	return 0;
}

void control_stop(void)
{
	if (wake_pipe[1] >= 0) {
		if (accepting && write(wake_pipe[1], "x", 1) == 1)
			pthread_join(accept_thread, NULL);
		accepting = false;
		close(wake_pipe[0]);
		close(wake_pipe[1]);
		wake_pipe[0] = wake_pipe[1] = -1;
	}
	for (int i = 0; i < 2; i++) {
		if (listen_fd[i] >= 0)
			close(listen_fd[i]);
		listen_fd[i] = -1;
		if (socket_path[i][0])
			unlink(socket_path[i]);
		socket_path[i][0] = '\0';
	}
}
