/*
 * XG's control interface: the messages libxg sends to xg-hypervisor over its
 * UNIX socket, and the toolstack-only hypercalls (domctl, sysctl) carried in
 * them.  Not part of the guest ABI and not binary-compatible with Xen's
 * domctl/sysctl (it is modelled on them); guests that issue domctl or sysctl
 * get -EPERM.
 *
 * A request is one hypercall made on behalf of the control domain (domid 0),
 * as Xen's toolstack makes them through privcmd: the hypercall number, its
 * five arguments, and a data area holding every buffer the call refers to.
 * Pointers (guest handles) in the arguments and in the structures point into
 * that area: address XG_CTL_DATA_BASE + offset.  The reply carries the
 * return value and the data area back, as the hypervisor left it.
 *
 *   request:  struct xg_ctl_request, then `size - sizeof(request)` data bytes
 *   reply:    struct xg_ctl_reply,   then the same number of data bytes
 *
 * Requests whose op is not a hypercall number (XG_CTL_OP_*) are control
 * operations of the socket itself.
 */
#ifndef XG_PUBLIC_XG_CONTROL_H
#define XG_PUBLIC_XG_CONTROL_H

#include <stdint.h>

#define XG_CTL_MAGIC 0x31434758u /* "XGC1" */
#define XG_CTL_DATA_BASE 0x10000ull
#define XG_CTL_MAX_DATA (16u << 20)

/* Socket operations that are not hypercalls. */
#define XG_CTL_OP_BASE 0x10000u
/* Reply carries the machine-memory memfd as SCM_RIGHTS (privileged socket only). */
#define XG_CTL_OP_MACHINE_MEMORY (XG_CTL_OP_BASE + 1)
/*
 * Subscribe to domain events (both sockets).  After a reply with ret 0 the
 * connection carries only struct xg_ctl_event records, hypervisor to
 * client, until either side closes it; anything the client sends after
 * the request ends the subscription.  ret -EBUSY: too many watchers
 * (XG_CTL_MAX_WATCHERS).  Each watcher has its own queue of
 * XG_CTL_WATCH_QUEUE records; when a watcher does not read and its queue
 * is full, later events are dropped and, once it reads again, it gets
 * one XG_CTL_EVENT_OVERFLOW record: it must list the domains again.
 */
#define XG_CTL_OP_WATCH_DOMAINS (XG_CTL_OP_BASE + 2)
#define XG_CTL_MAX_WATCHERS 128
#define XG_CTL_WATCH_QUEUE 256

#define XG_CTL_EVENT_MAGIC 0x31455847u /* "XGE1" */
#define XG_CTL_EVENT_CREATED 1   /* a new domain (paused until its builder unpauses it) */
#define XG_CTL_EVENT_STATE 2     /* its lifecycle state changed: state, shutdown_reason */
#define XG_CTL_EVENT_RENAMED 3   /* name is the new name */
#define XG_CTL_EVENT_DESTROYED 4 /* it no longer exists */
#define XG_CTL_EVENT_OVERFLOW 5  /* events were lost (domid 0): list the domains again */

/* Lifecycle states in events (the values of libxg's enum xg_domain_state).
 * Events do not tell running from blocked: that changes at every wait
 * for an event, so a state event says RUNNING for "not paused, not
 * stopped". */
#define XG_CTL_EVSTATE_RUNNING 0
#define XG_CTL_EVSTATE_PAUSED 2
#define XG_CTL_EVSTATE_SHUTDOWN 3
#define XG_CTL_EVSTATE_CRASHED 4
#define XG_CTL_EVSTATE_DYING 5

struct xg_ctl_event {
	uint32_t magic;
	uint32_t type;            /* XG_CTL_EVENT_* */
	uint64_t seq;             /* this watcher's count of events generated, from 1; a gap follows an overflow */
	uint64_t time_ns;         /* hypervisor uptime when it happened */
	uint16_t domid;
	uint16_t pad0;
	uint32_t state;           /* XG_CTL_EVSTATE_*, the state after the event */
	uint32_t shutdown_reason; /* SHUTDOWN_* when state is SHUTDOWN */
	uint32_t pad1;
	char name[64];            /* the domain's name (after the event) */
};
_Static_assert(sizeof(struct xg_ctl_event) == 104, "xg_ctl_event layout");

struct xg_ctl_request {
	uint32_t magic;
	uint32_t size; /* whole message in bytes */
	uint32_t op;   /* hypercall number or XG_CTL_OP_* */
	uint32_t reserved;
	uint64_t args[5];
};

struct xg_ctl_reply {
	uint32_t magic;
	uint32_t size;
	int64_t ret; /* the hypercall's return value (negative errno on failure) */
};

_Static_assert(sizeof(struct xg_ctl_request) == 56, "xg_ctl_request layout");
_Static_assert(sizeof(struct xg_ctl_reply) == 16, "xg_ctl_reply layout");

/* ---- domctl: one domain (hypercall __HYPERVISOR_domctl) ----------------- */

#define XG_DOMCTL_INTERFACE_VERSION 2

#define XG_DOMCTL_createdomain 1
#define XG_DOMCTL_destroydomain 2
#define XG_DOMCTL_pausedomain 3
#define XG_DOMCTL_unpausedomain 4
#define XG_DOMCTL_getdomaininfo 5
#define XG_DOMCTL_max_mem 6
#define XG_DOMCTL_setvcpucontext 7
#define XG_DOMCTL_getvcpucontext 8
#define XG_DOMCTL_hypercall_init 9
#define XG_DOMCTL_console_read 10
#define XG_DOMCTL_getmemlist 11
#define XG_DOMCTL_setdomainname 12 /* u.setdomainname: unique, printable */
/* The toolstack's own record of a domain (its effective configuration),
 * kept by the hypervisor as opaque bytes for the domain's lifetime. */
#define XG_DOMCTL_set_toolstack_data 13
#define XG_DOMCTL_get_toolstack_data 14
#define XG_TOOLSTACK_DATA_MAX (64u << 10)
#define XG_DOMCTL_getvcpuinfo 15     /* u.vcpuinfo: one vCPU's state, time, host CPU and affinity */
#define XG_DOMCTL_setvcpuaffinity 16 /* u.vcpuaffinity: the host CPUs a vCPU's thread may run on */
/* The guest's PV console ring (docs/console.md): the builder names its
 * frame, the hypervisor serves it and returns the port for start_info;
 * console_write queues input for the guest. */
#define XG_DOMCTL_console_attach 17 /* u.console_attach */
#define XG_DOMCTL_console_write 18  /* u.console_write */
/* The guest's xenstore ring (docs/xenstore.md): the builder names its
 * frame, the hypervisor serves it and returns the port for start_info. */
#define XG_DOMCTL_xenstore_attach 19 /* u.xenstore_attach */
#define XG_DOMCTL_scheduler_op 20    /* u.scheduler_op: Xen's XEN_DOMCTL_scheduler_op (credit only) */
#define XG_DOMCTL_sendtrigger 21     /* u.sendtrigger: Xen's XEN_DOMCTL_sendtrigger */

/* XG_DOMCTL_sendtrigger, with Xen's trigger numbers and results for a PV
 * domain: NMI makes the vCPU's NMI pending (as VCPUOP_send_nmi) and kicks
 * it; POWER and SLEEP (HVM ACPI buttons) are -EINVAL; any other -ENOSYS;
 * a vCPU the domain does not have -ESRCH. */
#define XG_DOMCTL_SENDTRIGGER_NMI 0
#define XG_DOMCTL_SENDTRIGGER_RESET 1
#define XG_DOMCTL_SENDTRIGGER_INIT 2
#define XG_DOMCTL_SENDTRIGGER_POWER 3
#define XG_DOMCTL_SENDTRIGGER_SLEEP 4

/* createdomain flags */
#define XG_DOMCRF_pv32 (1u << 0) /* a 32-bit PAE PV guest (else 64-bit PV) */

/* What the hypervisor does when a domain shuts down or crashes.  Restarting
 * is the toolstack's work (it has the builder): it asks for PRESERVE and
 * acts on the domain's events. */
#define XG_DOMACT_DESTROY 0
#define XG_DOMACT_PRESERVE 1

/* Domain states as getdomaininfo reports them. */
#define XG_DOMINF_running (1u << 0)
#define XG_DOMINF_blocked (1u << 1)
#define XG_DOMINF_paused (1u << 2)
#define XG_DOMINF_shutdown (1u << 3)
#define XG_DOMINF_crashed (1u << 4)
#define XG_DOMINF_dying (1u << 5)

/* getdomaininfo's shutdown_reason before any shutdown code is latched
 * (SCHEDOP_shutdown_code, a shutdown or a crash): Xen's 8-bit field then
 * reads 255. */
#define XG_CTL_SHUTDOWN_CODE_NONE 255

struct xg_domaininfo {
	uint16_t domid;
	uint16_t pad0;
	uint32_t flags; /* XG_DOMINF_* */
	uint32_t shutdown_reason; /* the latched SHUTDOWN_* code in any state, else XG_CTL_SHUTDOWN_CODE_NONE */
	uint32_t nr_vcpus;
	uint32_t nr_online_vcpus;
	uint32_t pad1;
	uint64_t tot_pages;
	uint64_t max_pages;
	uint64_t shared_info_mfn;
	uint64_t cpu_time_ns;
	uint64_t hypercalls;
	uint64_t created_ns;
	uint8_t uuid[16];
	char name[64];
};

struct xg_domctl_createdomain {
	char name[64];    /* unique among live domains */
	uint8_t uuid[16];
	uint32_t flags;   /* XG_DOMCRF_* */
	uint32_t max_vcpus;
	uint64_t max_pages;
	uint32_t on_poweroff; /* XG_DOMACT_*: shutdown with SHUTDOWN_poweroff */
	uint32_t on_crash;    /* a crash, or SHUTDOWN_crash */
	uint32_t on_reboot;   /* SHUTDOWN_reboot */
	uint32_t on_watchdog; /* SHUTDOWN_watchdog */
	/* The highest event channel port the domain may use (Xen's
	 * max_evtchn_port; xl's max_event_channels); 0 or above the 2-level
	 * ABI's limit: that limit (4095, or 1023 for a 32-bit guest). */
	uint32_t max_evtchn_port;
	uint32_t pad;
};

/* Host CPUs as a bitmap: bit n of byte n / 8 is CPU n. */
#define XG_MAX_HOST_CPUS 1024

#define XG_VCPUINFO_online (1u << 0)  /* has a context and is up (VCPUOP_up, VGCF_online) */
#define XG_VCPUINFO_running (1u << 1) /* its thread is running it now */
#define XG_VCPUINFO_blocked (1u << 2) /* waiting for an event (SCHEDOP_block, SCHEDOP_poll) */
#define XG_VCPUINFO_pinned (1u << 3)  /* affinity was set (else: every host CPU) */

struct xg_domctl_vcpuinfo {
	uint32_t vcpu;       /* IN */
	uint32_t flags;      /* OUT: XG_VCPUINFO_* */
	int32_t cpu;         /* OUT: host CPU it last ran on, -1 if it never ran */
	uint32_t max_vcpus;  /* OUT: vCPUs the domain has */
	uint64_t cpu_time_ns; /* OUT */
	uint8_t affinity[XG_MAX_HOST_CPUS / 8]; /* OUT: hard affinity */
};

struct xg_domctl_vcpuaffinity {
	uint32_t vcpu;
	uint32_t pad;
	uint8_t affinity[XG_MAX_HOST_CPUS / 8]; /* at least one of the host's CPUs */
};

/*
 * XG_DOMCTL_scheduler_op, as Xen's XEN_DOMCTL_scheduler_op with the credit
 * scheduler (docs/scheduling.md).  getinfo fills u.credit; putinfo sets
 * what it gives: a weight of 0 and a cap of XG_SCHED_CAP_KEEP leave
 * those unchanged (Xen's rule).  The hypervisor refuses a cap above 100
 * per vCPU of the domain (which libxl checks in Xen) with -EINVAL, and
 * with -EPERM a weight it cannot give the vCPU threads (raising their
 * priority needs CAP_SYS_NICE).  getinfo is allowed on the read-only
 * socket.
 */
#define XG_SCHEDULER_CREDIT 5 /* XEN_SCHEDULER_CREDIT */
#define XG_DOMCTL_SCHEDOP_putinfo 0
#define XG_DOMCTL_SCHEDOP_getinfo 1
#define XG_SCHED_CAP_KEEP 0xffffu

struct xg_domctl_scheduler_op {
	uint32_t sched_id; /* XG_SCHEDULER_CREDIT; others are -EINVAL */
	uint32_t cmd;      /* XG_DOMCTL_SCHEDOP_* */
	union {
		struct {
			uint16_t weight; /* 1-65535, default 256; 0 on putinfo: unchanged */
			uint16_t cap;    /* percent of one host CPU, 0: none */
		} credit;
		uint8_t pad[24];
	} u;
};

struct xg_domctl_vcpucontext {
	uint32_t vcpu;
	uint32_t pad;
	uint64_t ctxt; /* handle to struct vcpu_guest_context (guest width) */
};

struct xg_domctl_console_read {
	uint64_t pos;     /* IN: first byte wanted; OUT: position after the last copied */
	uint64_t buffer;  /* handle to the output bytes */
	uint32_t len;     /* buffer size */
	int32_t timeout_ms;
	uint32_t count;   /* OUT: bytes copied */
	uint32_t stopped; /* OUT: 1 if the domain has stopped and everything was read */
};

struct xg_domctl_console_attach {
	uint64_t mfn;  /* a frame of the domain, not typed otherwise */
	uint32_t port; /* OUT: the guest's end (start_info.console.domU.evtchn) */
	uint32_t pad;
};

struct xg_domctl_xenstore_attach {
	uint64_t mfn;  /* a frame of the domain, not typed otherwise */
	uint32_t port; /* OUT: the guest's end (start_info.store_evtchn) */
	uint32_t pad;
};

struct xg_domctl_console_write {
	uint64_t buffer; /* handle to the bytes */
	uint32_t len;    /* at most XG_CTL_MAX_DATA */
	uint32_t count;  /* OUT: bytes queued (fewer when the guest's ring is full) */
};

struct xg_domctl_getmemlist {
	uint64_t start;  /* index of the first frame wanted, in MFN order */
	uint64_t max;    /* entries the buffer holds */
	uint64_t buffer; /* handle to uint64_t MFNs */
	uint64_t count;  /* OUT: entries written */
};

struct xg_domctl {
	uint32_t cmd;
	uint32_t interface_version;
	uint16_t domain;
	uint16_t pad[3];
	union {
		struct xg_domctl_createdomain createdomain;
		struct xg_domaininfo getdomaininfo;
		struct { uint64_t max_kb; } max_mem;
		struct xg_domctl_vcpucontext vcpucontext;
		struct { uint64_t gmfn; } hypercall_init;
		struct xg_domctl_console_read console_read;
		struct xg_domctl_console_attach console_attach;
		struct xg_domctl_console_write console_write;
		struct xg_domctl_xenstore_attach xenstore_attach;
		struct xg_domctl_getmemlist getmemlist;
		struct { char name[64]; } setdomainname;
		struct xg_domctl_vcpuinfo vcpuinfo;
		struct xg_domctl_vcpuaffinity vcpuaffinity;
		struct xg_domctl_scheduler_op scheduler_op;
		struct {
			uint32_t trigger; /* XG_DOMCTL_SENDTRIGGER_* */
			uint32_t vcpu;
		} sendtrigger;
		struct {
			uint64_t buffer; /* handle */
			uint32_t size;   /* IN: bytes to set / room to get; OUT (get): bytes held */
			uint32_t pad;
		} toolstack_data;
		uint8_t pad[256];
	} u;
};

_Static_assert(sizeof(struct xg_domctl) == 272, "xg_domctl layout");

/* ---- sysctl: the host (hypercall __HYPERVISOR_sysctl) ------------------- */

#define XG_SYSCTL_INTERFACE_VERSION 1

#define XG_SYSCTL_physinfo 1
#define XG_SYSCTL_getdomaininfolist 2
#define XG_SYSCTL_readconsole 3
/* One xenstore request as the control domain (privileged), in Xen's wire
 * format: a struct xsd_sockmsg and its payload in, the answer (the same
 * header with the reply's type and length, or XS_ERROR) out.  Watches are
 * not available this way (XS_ERROR "ENOSYS"). */
#define XG_SYSCTL_xenstore 4

struct xg_sysctl_physinfo {
	uint64_t total_pages;
	uint64_t free_pages;
	uint64_t quota_pages;
	uint64_t used_pages;
	uint32_t nr_cpus;
	uint32_t nr_domains;
	uint64_t uptime_ns;
	char backend[16];
};

struct xg_sysctl_getdomaininfolist {
	uint16_t first_domain;
	uint16_t pad[3];
	uint32_t max_domains;
	uint32_t num_domains; /* OUT */
	uint64_t buffer;      /* handle to struct xg_domaininfo[max_domains] */
};

struct xg_sysctl_readconsole {
	uint64_t buffer; /* handle */
	uint32_t count;  /* IN: buffer size; OUT: bytes copied */
	uint32_t clear;  /* empty the log after reading */
	uint64_t pos;    /* IN/OUT: read position (0: oldest kept) */
};

struct xg_sysctl_xenstore {
	uint64_t buffer; /* handle: the request in, the answer out */
	uint32_t len;    /* IN: request bytes; OUT: answer bytes */
	uint32_t size;   /* room in buffer (at least the header and XENSTORE_PAYLOAD_MAX) */
};

struct xg_sysctl {
	uint32_t cmd;
	uint32_t interface_version;
	union {
		struct xg_sysctl_physinfo physinfo;
		struct xg_sysctl_getdomaininfolist getdomaininfolist;
		struct xg_sysctl_readconsole readconsole;
		struct xg_sysctl_xenstore xenstore;
		uint8_t pad[128];
	} u;
};

_Static_assert(sizeof(struct xg_sysctl) == 136, "xg_sysctl layout");

#endif
