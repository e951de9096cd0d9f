/* The connection to xg-hypervisor and the request/reply exchange. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/stream_io.h"
#include "public/xen.h"
#include "public/xg_control.h"
#include "xg_private.h"

static _Thread_local char last_error[512];

XG_EXPORT const char *xg_last_error(void)
{
	return last_error;
}

int xg_error(int err, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof(last_error), fmt, ap);
	va_end(ap);
	return err;
}

int xg_connect_socket(const char *rundir, unsigned int flags)
{
	struct sockaddr_un addr = { .sun_family = AF_UNIX };
	int n = snprintf(addr.sun_path, sizeof(addr.sun_path), "%s/%s", rundir,
			 (flags & XG_OPEN_READONLY) ? "hypervisor-ro.sock" : "hypervisor.sock");
	if (n < 0 || (size_t)n >= sizeof(addr.sun_path))
		return xg_error(-ENAMETOOLONG, "run directory path too long: %s", rundir);
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return xg_error(-e, "cannot connect to the hypervisor at %s: %s", addr.sun_path, strerror(e));
	}
	return fd;
}

XG_EXPORT xg_handle *xg_open(const char *rundir, unsigned int flags, int *err)
{
	int dummy;
	if (!err)
		err = &dummy;
	if (!rundir || !*rundir)
		rundir = getenv("XG_RUNDIR");
	if (!rundir || !*rundir)
		rundir = XG_DEFAULT_RUNDIR;
	if (strlen(rundir) >= sizeof(((xg_handle *)0)->rundir)) {
		*err = xg_error(-ENAMETOOLONG, "run directory path too long: %s", rundir);
		return NULL;
	}
	xg_handle *h = calloc(1, sizeof(*h));
	if (!h) {
		*err = xg_error(-ENOMEM, "out of memory");
		return NULL;
	}
	h->memfd = -1;
	h->flags = flags;
	snprintf(h->rundir, sizeof(h->rundir), "%s", rundir);
	h->fd = xg_connect_socket(rundir, flags);
	if (h->fd < 0) {
		*err = h->fd;
		free(h);
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	*err = 0;
	return h;
}

XG_EXPORT void xg_close(xg_handle *h)
{
	if (!h)
		return;
	if (h->machine)
		munmap(h->machine, h->machine_size);
	if (h->memfd >= 0)
		close(h->memfd);
	close(h->fd);
	pthread_mutex_destroy(&h->lock);
	free(h);
}

uint64_t xg_call_put(struct xg_call *c, const void *src, size_t len)
{
	size_t off = (c->len + 7) & ~(size_t)7;
	if (off + len > c->cap) {
		size_t cap = c->cap ? c->cap : 256;
		while (cap < off + len)
			cap *= 2;
		uint8_t *d = realloc(c->data, cap);
		if (!d)
			return 0;
		c->data = d;
		c->cap = cap;
	}
	memset(c->data + c->len, 0, off - c->len);
	if (src)
		memcpy(c->data + off, src, len);
	else
		memset(c->data + off, 0, len);
	c->len = off + len;
	return XG_CTL_DATA_BASE + off;
}

void *xg_call_at(struct xg_call *c, uint64_t handle)
{
	return c->data + (handle - XG_CTL_DATA_BASE);
}

void xg_call_free(struct xg_call *c)
{
	free(c->data);
	memset(c, 0, sizeof(*c));
}

/* Receive exactly len bytes; the first chunk may carry a file descriptor. */
static int read_full(int fd, void *buf, size_t len, int *passed_fd)
{
	uint8_t *p = buf;
	while (len) {
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} control;
		struct iovec iov = { p, len };
		struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1 };
		if (passed_fd) {
			msg.msg_control = control.buf;
			msg.msg_controllen = sizeof(control.buf);
		}
		ssize_t n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		if (passed_fd) {
			for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c))
				if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
					memcpy(passed_fd, CMSG_DATA(c), sizeof(int));
		}
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

static long exchange(xg_handle *h, uint32_t op, const uint64_t args[5], struct xg_call *c, int *passed_fd)
{
	size_t len = c ? c->len : 0;
	if (len > XG_CTL_MAX_DATA)
		return xg_error(-E2BIG, "request too large (%zu bytes)", len);
	struct xg_ctl_request req = { .magic = XG_CTL_MAGIC, .size = (uint32_t)(sizeof(req) + len), .op = op };
	if (args)
		memcpy(req.args, args, sizeof(req.args));
	struct xg_ctl_reply rep;
	long rc;
	pthread_mutex_lock(&h->lock);
	if (stream_transfer(h->fd, &req, sizeof(req), true) || (len && stream_transfer(h->fd, c->data, len, true)) ||
	    read_full(h->fd, &rep, sizeof(rep), passed_fd)) {
		rc = xg_error(-EPIPE, "lost the connection to the hypervisor");
		goto out;
	}
	if (rep.magic != XG_CTL_MAGIC || rep.size != sizeof(rep) + len) {
		rc = xg_error(-EPROTO, "malformed reply from the hypervisor");
		goto out;
	}
	if (len && read_full(h->fd, c->data, len, NULL)) {
		rc = xg_error(-EPIPE, "lost the connection to the hypervisor");
		goto out;
	}
	rc = (long)rep.ret;
out:
	pthread_mutex_unlock(&h->lock);
	return rc;
}

long xg_hypercall(xg_handle *h, uint32_t op, const uint64_t args[5], struct xg_call *c)
{
	return exchange(h, op, args, c, NULL);
}

long xg_do_domctl(xg_handle *h, struct xg_domctl *op)
{
	struct xg_call c = { 0 };
	op->interface_version = XG_DOMCTL_INTERFACE_VERSION;
	uint64_t at = xg_call_put(&c, op, sizeof(*op));
	if (!at)
		return xg_error(-ENOMEM, "out of memory");
	uint64_t args[5] = { at };
	long rc = xg_hypercall(h, __HYPERVISOR_domctl, args, &c);
	memcpy(op, xg_call_at(&c, at), sizeof(*op));
	xg_call_free(&c);
	return rc;
}

long xg_do_sysctl(xg_handle *h, struct xg_sysctl *op)
{
	struct xg_call c = { 0 };
	op->interface_version = XG_SYSCTL_INTERFACE_VERSION;
	uint64_t at = xg_call_put(&c, op, sizeof(*op));
	if (!at)
		return xg_error(-ENOMEM, "out of memory");
	uint64_t args[5] = { at };
	long rc = xg_hypercall(h, __HYPERVISOR_sysctl, args, &c);
	memcpy(op, xg_call_at(&c, at), sizeof(*op));
	xg_call_free(&c);
	return rc;
}

int xg_machine_map(xg_handle *h)
{
	if (h->machine)
		return 0;
	int fd = -1;
	long rc = exchange(h, XG_CTL_OP_MACHINE_MEMORY, NULL, NULL, &fd);
	if (rc < 0) {
		if (fd >= 0)
			close(fd);
		return rc == -EPERM ? xg_error((int)rc, "not allowed to map machine memory") : (int)rc;
	}
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0)
		return xg_error(-EPROTO, "the hypervisor did not pass its machine memory");
	void *m = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (m == MAP_FAILED) {
		int e = errno;
		close(fd);
		return xg_error(-e, "cannot map machine memory: %s", strerror(e));
	}
	h->memfd = fd;
	h->machine = m;
	h->machine_size = (size_t)st.st_size;
	return 0;
}
