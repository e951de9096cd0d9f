/*
 * XG guest ABI: __HYPERVISOR_event_channel_op(cmd, arg) -- event
 * channels, the PV interrupt mechanism.
 *
 * A port is bound to a source (another domain's port, a VIRQ, a physical
 * IRQ, an IPI); when the source signals, the port becomes pending in the
 * 2-level bitmaps of shared_info (or in the FIFO event array) and the
 * bound vCPU gets an upcall unless masked.
 */
#ifndef XG_PUBLIC_EVENT_CHANNEL_H
#define XG_PUBLIC_EVENT_CHANNEL_H

#include "xen.h"

#define EVTCHNOP_bind_interdomain 0 /* struct evtchn_bind_interdomain */
#define EVTCHNOP_bind_virq 1        /* struct evtchn_bind_virq */
#define EVTCHNOP_bind_pirq 2        /* struct evtchn_bind_pirq */
#define EVTCHNOP_close 3            /* struct evtchn_close */
#define EVTCHNOP_send 4             /* struct evtchn_send */
#define EVTCHNOP_status 5           /* struct evtchn_status */
#define EVTCHNOP_alloc_unbound 6    /* struct evtchn_alloc_unbound */
#define EVTCHNOP_bind_ipi 7         /* struct evtchn_bind_ipi */
#define EVTCHNOP_bind_vcpu 8        /* struct evtchn_bind_vcpu */
#define EVTCHNOP_unmask 9           /* struct evtchn_unmask */
#define EVTCHNOP_reset 10           /* struct evtchn_reset */
#define EVTCHNOP_init_control 11    /* struct evtchn_init_control (FIFO ABI) */
#define EVTCHNOP_expand_array 12    /* struct evtchn_expand_array (FIFO ABI) */
#define EVTCHNOP_set_priority 13    /* struct evtchn_set_priority (FIFO ABI) */
#define EVTCHNOP_reset_cont 14      /* hypervisor-internal continuation of reset */

typedef uint32_t evtchn_port_t; /* a port number */
DEFINE_XEN_GUEST_HANDLE(evtchn_port_t);

/* Make a port that domain remote_dom may connect to. */
struct evtchn_alloc_unbound {
	domid_t dom;          /* IN: owner of the new port (DOMID_SELF) */
	domid_t remote_dom;   /* IN: who may bind to it */
	evtchn_port_t port;   /* OUT */
};
typedef struct evtchn_alloc_unbound evtchn_alloc_unbound_t;

/* Connect a new local port to another domain's unbound port. */
struct evtchn_bind_interdomain {
	domid_t remote_dom;        /* IN */
	evtchn_port_t remote_port; /* IN */
	evtchn_port_t local_port;  /* OUT */
};
typedef struct evtchn_bind_interdomain evtchn_bind_interdomain_t;

/* Bind a VIRQ_* of one vCPU to a new port. */
struct evtchn_bind_virq {
	uint32_t virq;      /* IN: VIRQ_* */
	uint32_t vcpu;      /* IN */
	evtchn_port_t port; /* OUT */
};
typedef struct evtchn_bind_virq evtchn_bind_virq_t;

/* Bind a physical IRQ to a new port (privileged). */
struct evtchn_bind_pirq {
	uint32_t pirq;  /* IN */
#define BIND_PIRQ__WILL_SHARE 1 /* the IRQ may be shared */
	uint32_t flags; /* IN: BIND_PIRQ__* */
	evtchn_port_t port; /* OUT */
};
typedef struct evtchn_bind_pirq evtchn_bind_pirq_t;

/* A new port for IPIs to a vCPU of the caller. */
struct evtchn_bind_ipi {
	uint32_t vcpu;      /* IN */
	evtchn_port_t port; /* OUT */
};
typedef struct evtchn_bind_ipi evtchn_bind_ipi_t;

/* Close a port (the remote end becomes unbound). */
struct evtchn_close {
	evtchn_port_t port; /* IN */
};
typedef struct evtchn_close evtchn_close_t;

/* Signal the other end of a port. */
struct evtchn_send {
	evtchn_port_t port; /* IN */
};
typedef struct evtchn_send evtchn_send_t;

/* What a port is bound to. */
struct evtchn_status {
	domid_t dom;        /* IN: DOMID_SELF, or a domain (privileged) */
	evtchn_port_t port; /* IN */
#define EVTCHNSTAT_closed 0      /* not in use */
#define EVTCHNSTAT_unbound 1     /* waiting for a remote domain */
#define EVTCHNSTAT_interdomain 2 /* connected to a remote domain */
#define EVTCHNSTAT_pirq 3        /* bound to a physical IRQ */
#define EVTCHNSTAT_virq 4        /* bound to a VIRQ */
#define EVTCHNSTAT_ipi 5         /* bound to IPIs */
	uint32_t status; /* OUT: EVTCHNSTAT_* */
	uint32_t vcpu;   /* OUT: the vCPU it notifies */
	union {
		struct {
			domid_t dom; /* who may bind */
		} unbound;
		struct {
			domid_t dom;        /* remote domain */
			evtchn_port_t port; /* remote port */
		} interdomain;
		uint32_t pirq; /* the IRQ, when EVTCHNSTAT_pirq */
		uint32_t virq; /* the VIRQ, when EVTCHNSTAT_virq */
	} u;
};
typedef struct evtchn_status evtchn_status_t;

/* Notify another vCPU from now on. */
struct evtchn_bind_vcpu {
	evtchn_port_t port; /* IN */
	uint32_t vcpu;      /* IN */
};
typedef struct evtchn_bind_vcpu evtchn_bind_vcpu_t;

/* Unmask a port and deliver an event if it is pending. */
struct evtchn_unmask {
	evtchn_port_t port; /* IN */
};
typedef struct evtchn_unmask evtchn_unmask_t;

/* Close all of a domain's ports. */
struct evtchn_reset {
	domid_t dom; /* IN: DOMID_SELF, or a domain (privileged) */
};
typedef struct evtchn_reset evtchn_reset_t;

/* Switch a vCPU to the FIFO ABI with its control block. */
struct evtchn_init_control {
	uint64_t control_gfn; /* IN: frame of the control block */
	uint32_t offset;      /* IN: its offset in the frame */
	uint32_t vcpu;        /* IN */
	uint8_t link_bits;    /* OUT: EVTCHN_FIFO_LINK_BITS */
	uint8_t _pad[7];
};
typedef struct evtchn_init_control evtchn_init_control_t;

/* Add a page to the FIFO event array. */
struct evtchn_expand_array {
	uint64_t array_gfn; /* IN */
};
typedef struct evtchn_expand_array evtchn_expand_array_t;

/* Set a port's FIFO priority. */
struct evtchn_set_priority {
	evtchn_port_t port; /* IN */
	uint32_t priority;  /* IN: EVTCHN_FIFO_PRIORITY_* range */
};
typedef struct evtchn_set_priority evtchn_set_priority_t;

/* The argument of __HYPERVISOR_event_channel_op_compat. */
struct evtchn_op {
	uint32_t cmd; /* EVTCHNOP_* */
	union {
		evtchn_alloc_unbound_t alloc_unbound;
		evtchn_bind_interdomain_t bind_interdomain;
		evtchn_bind_virq_t bind_virq;
		evtchn_bind_pirq_t bind_pirq;
		evtchn_bind_ipi_t bind_ipi;
		evtchn_close_t close;
		evtchn_send_t send;
		evtchn_status_t status;
		evtchn_bind_vcpu_t bind_vcpu;
		evtchn_unmask_t unmask;
	} u;
};
typedef struct evtchn_op evtchn_op_t;
DEFINE_XEN_GUEST_HANDLE(evtchn_op_t);

/* Ports of the 2-level ABI: one bit per port in shared_info. */
#define EVTCHN_2L_NR_CHANNELS (sizeof(xen_ulong_t) * sizeof(xen_ulong_t) * 64)

/* ---- FIFO ABI ------------------------------------------------------------------------- */
#define EVTCHN_FIFO_PRIORITY_MAX 0     /* most urgent */
#define EVTCHN_FIFO_PRIORITY_DEFAULT 7
#define EVTCHN_FIFO_PRIORITY_MIN 15    /* least urgent */
#define EVTCHN_FIFO_MAX_QUEUES (EVTCHN_FIFO_PRIORITY_MIN + 1)

typedef uint32_t event_word_t; /* one port's word in the event array */
#define EVTCHN_FIFO_PENDING 31 /* bit numbers of an event word */
#define EVTCHN_FIFO_MASKED 30
#define EVTCHN_FIFO_LINKED 29
#define EVTCHN_FIFO_BUSY 28
#define EVTCHN_FIFO_LINK_BITS 17 /* low bits: the next port of the queue */
#define EVTCHN_FIFO_LINK_MASK ((1 << EVTCHN_FIFO_LINK_BITS) - 1)
#define EVTCHN_FIFO_NR_CHANNELS (1 << EVTCHN_FIFO_LINK_BITS)

/* Per-vCPU control block of the FIFO ABI. */
struct evtchn_fifo_control_block {
	uint32_t ready; /* bit per priority with a non-empty queue */
	uint32_t _rsvd;
	uint32_t head[EVTCHN_FIFO_MAX_QUEUES]; /* first port of each queue */
};
typedef struct evtchn_fifo_control_block evtchn_fifo_control_block_t;

XG_ABI_SIZE(struct evtchn_alloc_unbound, 8, 8)
XG_ABI_OFFSET(struct evtchn_alloc_unbound, port, 4, 4)
XG_ABI_SIZE(struct evtchn_bind_interdomain, 12, 12)
XG_ABI_SIZE(struct evtchn_bind_virq, 12, 12)
XG_ABI_SIZE(struct evtchn_bind_pirq, 12, 12)
XG_ABI_SIZE(struct evtchn_bind_ipi, 8, 8)
XG_ABI_SIZE(struct evtchn_close, 4, 4)
XG_ABI_SIZE(struct evtchn_send, 4, 4)
XG_ABI_SIZE(struct evtchn_status, 24, 24)
XG_ABI_OFFSET(struct evtchn_status, status, 8, 8)
XG_ABI_OFFSET(struct evtchn_status, u, 16, 16)
XG_ABI_SIZE(struct evtchn_bind_vcpu, 8, 8)
XG_ABI_SIZE(struct evtchn_unmask, 4, 4)
XG_ABI_SIZE(struct evtchn_reset, 2, 2)
XG_ABI_SIZE(struct evtchn_init_control, 24, 24)
XG_ABI_OFFSET(struct evtchn_init_control, link_bits, 16, 16)
XG_ABI_SIZE(struct evtchn_expand_array, 8, 8)
XG_ABI_SIZE(struct evtchn_set_priority, 8, 8)
XG_ABI_SIZE(struct evtchn_op, 28, 28)
XG_ABI_SIZE(struct evtchn_fifo_control_block, 72, 72)

#endif
