/*
 * Whole transfers over a stream socket, shared by the hypervisor's control
 * server and libxg (internal: not installed, not part of any ABI).
 */
#ifndef XG_COMMON_STREAM_IO_H
#define XG_COMMON_STREAM_IO_H

#include <errno.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

/* Send (out) or receive exactly len bytes, retrying after signals and
 * short transfers; never SIGPIPE.  0, or -1 when the peer has gone or the
 * socket failed. */
static inline int stream_transfer(int fd, void *buf, size_t len, bool out)
{
	uint8_t *p = buf;
	while (len) {
		ssize_t n = out ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

#endif
