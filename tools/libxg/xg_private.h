/* libxg internals shared by its source files. */
#ifndef XG_PRIVATE_H
#define XG_PRIVATE_H

#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "xg/xg.h"

#define XG_EXPORT __attribute__((visibility("default")))
#define XG_FRAME_SIZE 4096ul

struct xg_handle {
	int fd;
	pthread_mutex_t lock; /* one request on the socket at a time */
	int memfd;            /* machine memory, fetched on first use; -1 until then */
	uint8_t *machine;     /* its mapping */
	size_t machine_size;
	char rundir[256];
	unsigned int flags;   /* as given to xg_open() */
};

/* Connect a socket to the hypervisor of rundir (flags: XG_OPEN_*); the fd
 * or a negative errno with the message set. */
int xg_connect_socket(const char *rundir, unsigned int flags);

/* Record the error message for this thread; returns err (a negative errno). */
int xg_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The data area of one control request: structures and buffers, each
 * referred to by the handle address xg_call_put() returns. */
struct xg_call {
	uint8_t *data;
	size_t len, cap;
};

uint64_t xg_call_put(struct xg_call *c, const void *src, size_t len);
void *xg_call_at(struct xg_call *c, uint64_t handle);
void xg_call_free(struct xg_call *c);

/* Issue hypercall op with args; the data area is updated in place from the
 * reply.  Returns the hypercall's result, or -errno for transport errors
 * (with a message set). */
long xg_hypercall(xg_handle *h, uint32_t op, const uint64_t args[5], struct xg_call *c);

/* domctl/sysctl with their structure as the only data. */
struct xg_domctl;
struct xg_sysctl;
long xg_do_domctl(xg_handle *h, struct xg_domctl *op);
long xg_do_sysctl(xg_handle *h, struct xg_sysctl *op);

/* Map machine memory (the hypervisor's memfd) into this process. */
int xg_machine_map(xg_handle *h);
/* The page of machine frame mfn (after xg_machine_map). */
static inline void *xg_frame(xg_handle *h, uint64_t mfn)
{
	return h->machine + (mfn << 12);
}

#endif
