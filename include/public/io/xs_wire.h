/*
 * XG guest ABI: the xenstore wire protocol and the shared ring page
 * (start_info.store_mfn, start_info.store_evtchn).  docs/xenstore.md.
 *
 * A message is a struct xsd_sockmsg header followed by len bytes of
 * payload (at most XENSTORE_PAYLOAD_MAX), usually NUL-terminated strings.
 * The guest writes requests into req[] and the store answers in rsp[];
 * both are byte rings with free-running 32-bit indexes (bytes waiting =
 * prod - cons, position = MASK_XENSTORE_IDX(index)).  A producer writes
 * the bytes, then moves prod; a consumer reads up to prod, then moves
 * cons; each side signals the store's event channel after moving an index.
 * Errors come back as XS_ERROR with the error's name ("ENOENT") as payload.
 */
#ifndef XG_PUBLIC_IO_XS_WIRE_H
#define XG_PUBLIC_IO_XS_WIRE_H

#include "../xen.h"

enum xsd_sockmsg_type {
	XS_CONTROL, /* 0 */
#define XS_DEBUG XS_CONTROL
	XS_DIRECTORY,            /* 1: "path\0" -> children, each followed by \0 */
	XS_READ,                 /* 2: "path\0" -> the value's bytes */
	XS_GET_PERMS,            /* 3: "path\0" -> "<perm><domid>\0" per entry */
	XS_WATCH,                /* 4: "path\0token\0" */
	XS_UNWATCH,              /* 5: "path\0token\0" */
	XS_TRANSACTION_START,    /* 6: "\0" -> "<id>\0" */
	XS_TRANSACTION_END,      /* 7: "T\0" commit, "F\0" abort */
	XS_INTRODUCE,            /* 8 */
	XS_RELEASE,              /* 9 */
	XS_GET_DOMAIN_PATH,      /* 10: "<domid>\0" -> "/local/domain/<domid>\0" */
	XS_WRITE,                /* 11: "path\0value" */
	XS_MKDIR,                /* 12: "path\0" */
	XS_RM,                   /* 13: "path\0" */
	XS_SET_PERMS,            /* 14: "path\0<perm><domid>\0..." */
	XS_WATCH_EVENT,          /* 15: (store to guest) "path\0token\0" */
	XS_ERROR,                /* 16: (store to guest) "ENOENT\0" */
	XS_IS_DOMAIN_INTRODUCED, /* 17 */
	XS_RESUME,               /* 18 */
	XS_SET_TARGET,           /* 19 */
	/* 20 was XS_RESTRICT, removed */
	XS_RESET_WATCHES = XS_SET_TARGET + 2, /* 21 */
	XS_DIRECTORY_PART,                    /* 22 */

	XS_TYPE_COUNT, /* number of valid types */

	XS_INVALID = 0xffff /* guaranteed to remain an invalid type */
};

/* Modes of XS_WRITE in old xenstored protocols (not used by XS_WRITE today). */
#define XS_WRITE_NONE "NONE"
#define XS_WRITE_CREATE "CREATE"
#define XS_WRITE_CREATE_EXCL "CREATE|EXCL"

struct xsd_sockmsg {
	uint32_t type;   /* XS_* */
	uint32_t req_id; /* echoed in the store's answer */
	uint32_t tx_id;  /* transaction id, 0 outside a transaction */
	uint32_t len;    /* payload bytes that follow */
};

/* The two strings of a XS_WATCH_EVENT payload. */
enum xs_watch_type {
	XS_WATCH_PATH = 0,
	XS_WATCH_TOKEN
};

#define XENSTORE_RING_SIZE 1024
typedef uint32_t XENSTORE_RING_IDX;
#define MASK_XENSTORE_IDX(idx) ((idx) & (XENSTORE_RING_SIZE - 1))

struct xenstore_domain_interface {
	char req[XENSTORE_RING_SIZE]; /* requests: the guest produces */
	char rsp[XENSTORE_RING_SIZE]; /* answers and watch events: the store produces */
	XENSTORE_RING_IDX req_cons, req_prod;
	XENSTORE_RING_IDX rsp_cons, rsp_prod;
	uint32_t server_features; /* XENSTORE_SERVER_FEATURE_*, set by the store */
	uint32_t connection;      /* XENSTORE_CONNECTED or XENSTORE_RECONNECT */
	uint32_t error;           /* XENSTORE_ERROR_*: why the store stopped serving the ring */
};

XG_ABI_SIZE(struct xenstore_domain_interface, 2076, 2076)
XG_ABI_OFFSET(struct xenstore_domain_interface, rsp, 1024, 1024)
XG_ABI_OFFSET(struct xenstore_domain_interface, req_cons, 2048, 2048)
XG_ABI_OFFSET(struct xenstore_domain_interface, rsp_prod, 2060, 2060)
XG_ABI_OFFSET(struct xenstore_domain_interface, error, 2072, 2072)

#define XENSTORE_PAYLOAD_MAX 4096     /* bytes after the header, either way */
#define XENSTORE_ABS_PATH_MAX 3072    /* an absolute path's length */
#define XENSTORE_REL_PATH_MAX 2048    /* a path's length below /local/domain/<id>/ */

#define XENSTORE_SERVER_FEATURE_RECONNECTION 1
#define XENSTORE_SERVER_FEATURE_ERROR 2

#define XENSTORE_CONNECTED 0
#define XENSTORE_RECONNECT 1

#define XENSTORE_ERROR_NONE 0
#define XENSTORE_ERROR_COMM 1    /* communication problem */
#define XENSTORE_ERROR_RINGIDX 2 /* impossible ring index */
#define XENSTORE_ERROR_PROTO 3   /* protocol violation (payload too long) */

#endif
