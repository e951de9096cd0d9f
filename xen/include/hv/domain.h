/*
 * Domains and their vCPUs.
 *
 * Locking (outermost first):
 *   domain table lock (domain.c)  -- membership of the table, name lookups
 *   struct domain.lock            -- all mutable fields of the domain and of
 *                                    its vCPUs' scheduling state
 *   heap lock (page_alloc.c)
 * struct domain.watchdog_lock (SCHEDOP_watchdog) is taken alone; only the
 * timer lock is taken inside it (docs/events.md, Locking).
 * A vCPU thread never holds its domain's lock while it runs guest code.
 * Domains are reference counted: domain_get()/domain_put(); the last put
 * after domain_destroy() frees the structure.
 */
#ifndef HV_DOMAIN_H
#define HV_DOMAIN_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "hv/console.h"
#include "hv/exec.h"
#include "hv/timer.h"
#include "public/vcpu.h"

#define DOMID_CONTROL 0
#define DOMAIN_MAX_VCPUS 128
#define DOMAIN_NAME_MAX 64
#define DOMAIN_CONSOLE_HISTORY (64u << 10)
#define DOMAIN_NR_VIRQS 24 /* NR_VIRQS */
#define VMCE_BANKS 2 /* Xen's GUEST_MC_BANK_NUM */
#define NR_DOMAIN_WATCHDOG_TIMERS 2 /* Xen's: SCHEDOP_watchdog ids 1 and 2 */
#define SHUTDOWN_CODE_INVALID (~0u) /* no shutdown code latched yet */

struct domain;

struct frame_range {
	uint64_t mfn, count;
};

/* The frames a domain owns, as sorted, merged ranges. */
struct frame_set {
	struct frame_range *v;
	size_t n, cap;
	uint64_t frames;
};

int frame_set_add(struct frame_set *s, uint64_t mfn, uint64_t count);
int frame_set_remove(struct frame_set *s, uint64_t mfn, uint64_t count);
bool frame_set_contains(const struct frame_set *s, uint64_t mfn);
void frame_set_clear(struct frame_set *s);

/* A guest's virtual IDT entry (its trap_info without the vector). */
struct pv_trap {
	uint8_t flags; /* TI_*: DPL that may raise it with int, mask events */
	uint16_t cs;
	uint64_t address; /* 0: no handler */
};

/* A callback the guest registered (CALLBACKTYPE_*). */
struct pv_callback {
	uint64_t address; /* 0: none */
	uint16_t cs;      /* 32-bit guests: the code selector */
	bool mask_events;
};
#define PV_NR_CALLBACKS 8

struct vcpu {
	struct domain *domain;
	unsigned int id;
	struct exec_vcpu *exec;
	pthread_t thread;
	bool thread_started;

	/* Under domain->lock. */
	bool initialised;  /* has a context: may run once unpaused */
	bool running;      /* its thread is in or around guest execution */
	bool stop;         /* its thread must leave */
	bool kernel_mode;  /* guest kernel (true) or guest user mode */
	uint64_t cr3_mfn;  /* kernel top-level table; holds a type reference */
	bool has_cr3;
	uint64_t user_cr3_mfn; /* user top-level table (64-bit PV); likewise */
	bool has_user_cr3;
	uint64_t ldt_base; /* MMUEXT_SET_LDT: linear address and entries */
	unsigned int ldt_ents;
	/* set_gdt: the frames (each holding a PGT_seg_desc_page reference)
	 * and how many entries of them are the GDT. */
	uint64_t gdt_frames[14]; /* FIRST_RESERVED_GDT_PAGE */
	unsigned int gdt_ents;
	/* How the hypervisor enters the guest kernel (xen/arch/x86/pv/traps.c):
	 * set by the vCPU's own hypercalls or by the toolstack while the
	 * vCPU is not running. */
	struct pv_trap traps[256];
	struct pv_callback callbacks[PV_NR_CALLBACKS];
	uint64_t kernel_ss, kernel_sp; /* the stack for traps from user mode */
	uint32_t iopl; /* the virtual IOPL, in EFLAGS' bits 12-13 */
	/* A 64-bit guest's code and stack selectors as it named them in its
	 * last iret (RPL 3; Xen's flat kernel ones after an event), which
	 * its exception frames show; the CPU runs Xen's flat equivalent.
	 * The vCPU's own thread's. */
	uint16_t code_sel, stack_sel;
	/* ES, DS, FS, GS as the last vCPU context named them; loaded at the
	 * vCPU's next entry while context_segments_pending (segment_load.c).
	 * Set with the context, under the domain lock, while the vCPU does
	 * not run; then the vCPU's own thread's. */
	uint16_t context_data_sel[4];
	bool context_segments_pending;
	uint64_t guest_cr4; /* CR4 as the guest reads and writes it (pv_fixup_guest_cr4) */
	_Atomic bool flush_pending; /* another vCPU asked for a TLB flush */
	/* Set before the thread checks flush_pending and enters the guest,
	 * cleared when it is back: what domain_flush_tlbs_sync() waits on. */
	_Atomic bool in_guest;
	/* Under the domain lock: set by the thread as the last thing it does,
	 * with cpu_time_ns its CPU time then; until then the thread's CPU
	 * clock is read (vcpu_cpu_time_ns). */
	bool thread_exited;
	uint64_t cpu_time_ns;

	/* Events (xen/common/event_channel.c): the port each VIRQ is bound
	 * to (0: none), under the domain's event lock. */
	uint32_t virq_to_evtchn[DOMAIN_NR_VIRQS];
	/* In SCHEDOP_block or SCHEDOP_poll, waiting on domain->changed;
	 * what vcpu_wake() looks at (seq_cst against the pending bits). */
	_Atomic bool blocked;
	_Atomic bool polling;
	_Atomic bool event_woken; /* an upcall became pending (ends a poll) */
	/* Time (xen/arch/x86/time.c): set_timer_op and the singleshot timer,
	 * the periodic timer (period 0: off; Xen's default for PV is 10 ms). */
	struct hv_timer singleshot_timer, periodic_timer;
	pthread_mutex_t periodic_lock;
	uint64_t periodic_period, periodic_last_event; /* under periodic_lock */
	bool periodic_paused;                          /* under periodic_lock */
	_Atomic uint64_t time_updated_ns; /* system time of the last vcpu_time_info update */

	/* Up and down (VCPUOP_up/down, VGCF_online in a context): a vCPU that
	 * is down does not run.  Under the domain lock. */
	bool down;
	/* VCPUOP_send_nmi: an NMI waits for the vCPU's next entry (any
	 * thread sets it); nmi_masked from its delivery to the guest's next
	 * iret (the vCPU's own thread). */
	_Atomic bool nmi_pending;
	bool nmi_masked;
	/* VCPUOP_register_vcpu_info: the machine address of the vcpu_info the
	 * guest registered, 0 while it is the shared_info slot.  Set once,
	 * under the domain lock; read by any thread (acquire). */
	_Atomic uint64_t vcpu_info_maddr;
	/* Runstate (xen/common/runstate.c), under runstate_lock. */
	pthread_mutex_t runstate_lock;
	struct vcpu_runstate_info runstate;
	pid_t tid;                   /* its host thread, for the run delay */
	int schedstat_fd;            /* that thread's /proc schedstat, open; -1 if none */
	/* The machine-check registers the guest sees (pv/vmce.c); its own
	 * thread only. */
	struct {
		uint64_t mcg_status;
		struct {
			uint64_t status, addr, misc, ctl2;
		} bank[VMCE_BANKS];
	} vmce;
	uint64_t run_delay_at_entry; /* the thread's run delay when it last began running */
	uint64_t runstate_va;        /* registered copy by virtual address, 0: none */
	uint64_t runstate_phys_mfn;  /* by physical address: the frame held, or MFN_INVALID */
	unsigned int runstate_phys_offset;
	unsigned int cpu_seen;   /* under the domain lock: host CPU of its last run plus 1; 0 if it never ran */
	/* Under the domain lock: the host CPUs its thread may run on (bit n
	 * of byte n / 8), when pinned; applied when the thread starts. */
	bool pinned;
	uint8_t affinity[128]; /* XG_MAX_HOST_CPUS / 8 */
	/* Credit scheduling (xen/common/sched_credit.c), under the domain
	 * lock: the nice value its thread was given, and the accountant's
	 * samples of the thread's CPU time. */
	pid_t sched_tid;            /* its thread's id, set by the thread when it starts */
	int sched_nice;
	bool credit_sampled;        /* credit_last_cpu holds a sample */
	uint64_t credit_last_cpu;   /* CPU time at the last tick */
	uint64_t credit_period_cpu; /* CPU time used in this accounting period */
};

/* One of a domain's SCHEDOP_watchdog timers (xen/common/sched_op.c). */
struct domain_watchdog {
	struct hv_timer timer;
	struct domain *domain;
	unsigned int id; /* 0-based; the guest's id is id + 1 */
};

enum domain_type {
	DOMAIN_PV64,
	DOMAIN_PV32,
};

struct domain {
	uint16_t id;
	char name[DOMAIN_NAME_MAX];
	uint8_t uuid[16];
	enum domain_type type;
	bool is_privileged;
	_Atomic int refcnt;

	pthread_mutex_t lock;
	pthread_cond_t changed; /* a vCPU stopped running, or the state changed */

	/* Under lock. */
	unsigned int pause_count; /* pauses in force: the toolstack's and the hypervisor's own */
	/* Pauses the toolstack asked for (createdomain's initial one, then
	 * pausedomain); what events and `p` report.  The hypervisor's own
	 * short pauses (reading a vCPU context) are not state changes. */
	unsigned int toolstack_pauses;
	/* The lifecycle state last reported to watchers (XG_CTL_EVSTATE_*)
	 * and its shutdown reason: a state event is sent when they change. */
	unsigned int reported_state, reported_reason;
	bool is_shutdown;
	unsigned int shutdown_reason;
	/* Xen's d->shutdown_code: the reason a shutdown reports, latched by
	 * the first SCHEDOP_shutdown_code or shutdown (8 bits, as Xen keeps
	 * it), SHUTDOWN_CODE_INVALID until then; a later shutdown's own
	 * reason gives way to it.  What getdomaininfo reports in every state. */
	unsigned int shutdown_code;
	bool is_crashed;
	bool is_dying;
	bool action_pending; /* on_poweroff/on_crash queued for the reaper */
	unsigned int on_poweroff, on_crash, on_reboot, on_watchdog; /* XG_DOMACT_* */
	struct frame_set frames;
	uint64_t max_pages;
	uint64_t shared_info_mfn;
	/* 32-bit PV: the L4 each vCPU runs on, one frame per vCPU from this
	 * one (hypervisor-owned; see xen/arch/x86/pv/pv32_root.c), else
	 * MFN_INVALID. */
	uint64_t pv32_roots_mfn;
	unsigned long vm_assist; /* VMASST_TYPE_* bits enabled */
	void *toolstack_data;    /* opaque to the hypervisor (malloc'd) */
	uint32_t toolstack_size;

	/* Completed synchronous flushes of every vCPU's TLB: a frame whose
	 * last writable mapping went at epoch E may hold stale TLB entries
	 * until the epoch passes E (page_info.tlbflush_stamp). */
	_Atomic uint32_t tlb_epoch;

	unsigned int max_vcpus;
	struct vcpu *vcpus[DOMAIN_MAX_VCPUS];
	struct exec_vm *vm;

	struct text_ring console;
	/* The PV console ring the hypervisor serves (console_ring.c): set
	 * once under lock (release), read without it (acquire). */
	struct console_ring *console_ring;
	/* The xenstore ring the hypervisor serves (xenstore_ring.c): set once
	 * under the store lock and this lock; its state is the store lock's. */
	struct xs_ring *xenstore_ring;
	/* Event channels (opaque: xen/common/event_channel.c). */
	struct evtchn_domain *evtchn;
	_Atomic unsigned int pollers; /* vCPUs in SCHEDOP_poll */
	/* SCHEDOP_watchdog (xen/common/sched_op.c): which timers are in use
	 * (bit n: id n + 1), under watchdog_lock, which is taken with no
	 * other lock held and is held across timer_set/timer_stop. */
	pthread_mutex_t watchdog_lock;
	uint32_t watchdog_inuse_map;
	struct domain_watchdog watchdog[NR_DOMAIN_WATCHDOG_TIMERS];
	_Atomic bool wallclock_set;
	uint64_t created_ns;
	_Atomic uint64_t hypercalls;

	/* Credit scheduling (xen/common/sched_credit.c, docs/scheduling.md),
	 * under lock.  weight 1-65535 (256 by default), cap in percent of one
	 * host CPU (0: none).  A capped domain that used more than its cap
	 * is parked: its vCPUs do not run until its credit is positive again. */
	unsigned int sched_weight, sched_cap;
	bool sched_parked;
	bool credit_valid;        /* credit and the vCPUs' samples are current */
	int64_t credit;           /* ns of CPU time the cap still allows */
	uint64_t credit_last_ns;  /* when credit was last brought up to date */
	unsigned int credit_active; /* vCPUs sharing the weight (at least 1) */
};

static inline bool domain_is_pv32(const struct domain *d)
{
	return d->type == DOMAIN_PV32;
}

struct domain_create_args {
	const char *name;
	const uint8_t *uuid;
	enum domain_type type;
	unsigned int max_vcpus;
	uint64_t max_pages;
	unsigned int on_poweroff, on_crash, on_reboot, on_watchdog;
	unsigned int max_evtchn_port; /* 0: the ABI's limit */
};

/* Hypervisor-wide state every part of the core may reach. */
struct hypervisor;
extern struct hypervisor *hv;

int domain_subsystem_init(void);
void domain_subsystem_fini(void);

/* Create Domain-0, the host's own entry (privileged, no VM). */
int domain_create_control(void);
/* Create a domain (paused: its vCPUs have no context yet). */
int domain_create(const struct domain_create_args *args, struct domain **out);
/* Take a reference; NULL if no such live domain. */
struct domain *domain_get(uint16_t domid);
struct domain *domain_get_by_name(const char *name);
/* A recently destroyed domain, kept for its console history. */
struct domain *domain_get_destroyed(uint16_t domid);
void domain_put(struct domain *d);
/* Stop every vCPU, release every frame, remove the domain. */
int domain_destroy(struct domain *d);
/* Rename a domain; -EEXIST if another live domain has the name. */
int domain_rename(struct domain *d, const char *name);
int domain_pause(struct domain *d);
int domain_unpause(struct domain *d);
/* Pause and unpause on the toolstack's behalf (pausedomain, unpausedomain):
 * the same, and watchers are told.  Unpausing a domain the toolstack did
 * not pause is -EINVAL. */
int domain_toolstack_pause(struct domain *d);
int domain_toolstack_unpause(struct domain *d);
/* Guest-requested stop; called from any thread.  As Xen's: the first
 * shutdown code latched (SCHEDOP_shutdown_code, or this reason when there
 * is none) is the reason reported and acted on. */
void domain_shutdown(struct domain *d, unsigned int reason);
/* SCHEDOP_shutdown_code: latch code (its low 8 bits) for a later
 * shutdown, unless one is latched already. */
void domain_set_shutdown_code(struct domain *d, unsigned int code);
/* The guest did something it cannot survive.  reason is logged. */
void domain_crash(struct domain *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* SCHEDOP_watchdog (sched_op.c, Xen's domain_watchdog): id 0 arms a new
 * timer (its id, or -ENOSPC), id n re-arms it, or stops it for a timeout
 * of 0; -EINVAL for an id not in use.  The timer's expiry shuts the
 * domain down with SHUTDOWN_watchdog. */
long domain_watchdog(struct domain *d, uint32_t id, uint32_t timeout);
/* Set up d's watchdog timers (domain_alloc) and kill them, waiting for a
 * callback under way (domain_destroy, once no vCPU can arm one; called
 * with no lock held). */
void watchdog_domain_init(struct domain *d);
void watchdog_domain_destroy(struct domain *d);
/* Start vCPU threads for initialised vCPUs that have none. */
int domain_start_vcpus(struct domain *d);
/* Iterate live domains with id >= first: returns a referenced domain or NULL. */
struct domain *domain_next(uint16_t first);
unsigned int domain_count(void);

struct xg_domaininfo;
/* The toolstack's view of a domain (getdomaininfo and the domain list). */
void fill_domaininfo(struct domain *d, struct xg_domaininfo *info);

/* Assign freshly allocated frames to d (and map them into its VM). */
int domain_assign_frames(struct domain *d, uint64_t mfn, uint64_t count);
int domain_assign_frames_locked(struct domain *d, uint64_t mfn, uint64_t count); /* d->lock held */
bool domain_owns(struct domain *d, uint64_t mfn);
/* The last reference to a frame of d went: it leaves d's memory and its VM
 * and returns to the heap.  Called with d->lock held. */
void domain_release_frame(struct domain *d, uint64_t mfn);

struct vcpu *vcpu_create(struct domain *d, unsigned int id);
void vcpu_kick(struct vcpu *v);
/* The CPU time v's host thread has used (0 before it started); d->lock held. */
uint64_t vcpu_cpu_time_ns(struct vcpu *v);
/* Sleep in v's hypercall until done(v, arg), the system-time deadline (0:
 * none) or the vCPU must stop (schedule.c); see vcpu_wake() in hv/event.h. */
void vcpu_block_until(struct vcpu *v, bool (*done)(struct vcpu *v, void *arg), void *arg, uint64_t deadline);
/* Give v's thread its affinity (v->affinity if pinned, else every CPU);
 * d->lock held, the thread started and not yet joined.  0 or -errno. */
int vcpu_apply_affinity(struct vcpu *v);

/* Have v flush its TLB before it next runs guest code, kicking it out of
 * the guest if it is there. */
void vcpu_request_flush(struct vcpu *v);

/* Flush every vCPU's TLB and return only when none can still use a stale
 * entry (each has left the guest or flushed), then advance d->tlb_epoch.
 * May be called with d->lock held: vCPU threads leave the guest without it. */
void domain_flush_tlbs_sync(struct domain *d);

uint64_t now_ns(void);

#endif
