/*
 * libxg: the XG toolstack library.
 *
 * Everything a management program needs to run domains on xg-hypervisor:
 * connect to it, list and control domains, build and start PV guests from
 * a configuration, and read their consoles.  The wire protocol is hidden.
 *
 * Conventions
 *  - Functions that can fail return 0 (or a count) on success and a
 *    negative errno value on failure; xg_last_error() then describes the
 *    failure in words.  Nothing is changed by a call that fails.
 *  - An xg_handle may be shared between threads: calls on one handle are
 *    serialised internally.  The error message is per thread.
 *  - Version: XG_API_VERSION below; the library's soname changes only when
 *    this interface changes incompatibly.
 */
#ifndef XG_XG_H
#define XG_XG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

#define XG_API_VERSION 7 /* 2: struct xg_config grew the lifecycle actions; events, vCPU info; 3: xg_console_write;
			    4: xenstore (xg_xs_*); 5: xg_config.maxvcpus; 6: xg_config.weight and cap,
			    scheduling parameters (xg_sched_credit_*), max_event_channels;
			    7: requests to guests (xg_domain_shutdown, xg_domain_wait_shutdown,
			    xg_domain_set_memory_target, xg_domain_set_online_vcpus), triggers
			    (xg_domain_trigger), XG_FORCE, xg_domain_set_max_memory_flags */

typedef struct xg_handle xg_handle;

/* Where the hypervisor's sockets live when neither an argument nor
 * $XG_RUNDIR says otherwise. */
#define XG_DEFAULT_RUNDIR "/run/xg"

enum xg_open_flags {
	XG_OPEN_READONLY = 1 << 0, /* use the monitoring socket (list, info only) */
};

/* Connect to the hypervisor.  rundir NULL means $XG_RUNDIR, else
 * XG_DEFAULT_RUNDIR.  On failure returns NULL and *err (if given) is set to
 * a negative errno; xg_last_error() says why. */
xg_handle *xg_open(const char *rundir, unsigned int flags, int *err);
void xg_close(xg_handle *h);

/* The message of the last failed call made by this thread ("" if none). */
const char *xg_last_error(void);

/* ---- the host ---------------------------------------------------------- */

struct xg_physinfo {
	uint64_t total_frames;   /* RAM frames in the machine */
	uint64_t free_frames;    /* frames not owned by any domain */
	uint64_t quota_frames;   /* most frames all domains together may own */
	uint64_t used_frames;    /* frames owned by domains now */
	uint32_t nr_cpus;        /* host CPUs */
	uint32_t nr_domains;
	uint32_t xen_major, xen_minor; /* the Xen interface version emulated */
	char xen_extra[16];
	char backend[16];        /* "kvm" or "emu" */
	uint64_t uptime_ns;
};
int xg_physinfo(xg_handle *h, struct xg_physinfo *out);

/* The hypervisor's log.  *text is malloc'd and NUL-terminated; free() it.
 * With clear set, the log is emptied after reading. */
int xg_dmesg(xg_handle *h, bool clear, char **text, size_t *len);

/* ---- domains ------------------------------------------------------------ */

enum xg_domain_state {
	XG_DOMAIN_RUNNING = 0, /* at least one vCPU running or runnable */
	XG_DOMAIN_BLOCKED,     /* every vCPU waits for an event */
	XG_DOMAIN_PAUSED,
	XG_DOMAIN_SHUTDOWN,    /* the guest asked to stop; see shutdown_reason */
	XG_DOMAIN_CRASHED,
	XG_DOMAIN_DYING,
};

/* Xen's shutdown reasons (SHUTDOWN_* in include/public/sched.h). */
enum xg_shutdown_reason {
	XG_SHUTDOWN_POWEROFF = 0,
	XG_SHUTDOWN_REBOOT = 1,
	XG_SHUTDOWN_SUSPEND = 2,
	XG_SHUTDOWN_CRASH = 3,
	XG_SHUTDOWN_WATCHDOG = 4,
	XG_SHUTDOWN_SOFT_RESET = 5,
	/* In a domain not shut down: no code latched (SCHEDOP_shutdown_code). */
	XG_SHUTDOWN_CODE_NONE = 255,
};

#define XG_NAME_MAX 64

struct xg_domain_info {
	uint32_t domid;
	char name[XG_NAME_MAX];
	uint8_t uuid[16];
	enum xg_domain_state state;
	/* In XG_DOMAIN_SHUTDOWN: why.  In any other state, as Xen's
	 * getdomaininfo: the code the guest latched for its later shutdown
	 * (SCHEDOP_shutdown_code; XG_SHUTDOWN_CRASH once crashed), or
	 * XG_SHUTDOWN_CODE_NONE. */
	unsigned int shutdown_reason;
	bool paused;                  /* paused by the toolstack (also while shut down) */
	uint64_t tot_frames;          /* frames the domain owns */
	uint64_t max_frames;          /* its limit */
	uint32_t nr_vcpus;            /* vCPUs that exist */
	uint32_t nr_online_vcpus;
	uint64_t cpu_time_ns;         /* summed over vCPUs */
	uint64_t hypercalls;          /* hypercalls made so far */
	uint64_t created_ns;          /* hypervisor uptime when it was created */
};

/* One letter per state as `xl list` prints them: "r", "b", "p", "s", "c", "d". */
const char *xg_domain_state_name(enum xg_domain_state s);
/* "poweroff", "reboot", ... */
const char *xg_shutdown_reason_name(unsigned int reason);

/* All domains, including dom0 (the host).  *list is malloc'd; free() it. */
int xg_domain_list(xg_handle *h, struct xg_domain_info **list, size_t *count);
int xg_domain_info(xg_handle *h, uint32_t domid, struct xg_domain_info *out);
/* A domain by name or by decimal id.  -ENOENT if there is none. */
int xg_domain_lookup(xg_handle *h, const char *name_or_id, uint32_t *domid);

/* Give a domain another name (unique among live domains, printable). */
int xg_domain_rename(xg_handle *h, uint32_t domid, const char *name);
int xg_domain_pause(xg_handle *h, uint32_t domid);
int xg_domain_unpause(xg_handle *h, uint32_t domid);
/* Tear the domain down now, whatever it is doing; its memory returns to the host. */
int xg_domain_destroy(xg_handle *h, uint32_t domid);
/* Flags of the calls that check more than the hypervisor does. */
enum xg_force_flags {
	/* Past libxg's own checks of the request (see each call that takes
	 * the flag); the hypervisor's checks and limits still hold. */
	XG_FORCE = 1u << 0,
};

/* The most memory the domain may own (KiB, rounded down to whole pages);
 * at most the host's RAM.  libxg refuses less than it owns now (-EINVAL),
 * as xl's mem-max does.  The recorded configuration keeps its maxmem. */
int xg_domain_set_max_memory(xg_handle *h, uint32_t domid, uint64_t max_kib);
/* The same; with XG_FORCE less than it owns now is set too, as Xen's
 * XEN_DOMCTL_max_mem allows: the domain keeps what it has but is given
 * no more until it is below the limit (API 7). */
int xg_domain_set_max_memory_flags(xg_handle *h, uint32_t domid, uint64_t max_kib, unsigned int flags);

/* ---- vCPUs --------------------------------------------------------------- */

#define XG_MAX_HOST_CPUS 1024 /* affinity bitmaps: bit n of byte n / 8 is host CPU n */

struct xg_vcpu_info {
	uint32_t vcpu;
	bool online;   /* it has a context and is up (vCPU 0 from the builder, others once the guest brings them up) */
	bool running;  /* its host thread is running it now */
	bool blocked;  /* it waits for an event (SCHEDOP_block or SCHEDOP_poll) */
	bool pinned;   /* a hard affinity was set (else: every host CPU) */
	int cpu;       /* host CPU it last ran on; -1 if it never ran */
	uint64_t cpu_time_ns;
	uint8_t affinity[XG_MAX_HOST_CPUS / 8]; /* hard affinity (every host CPU when not pinned) */
};

/* One vCPU of a domain (vcpu < its nr_vcpus; -EINVAL otherwise). */
int xg_vcpu_info(xg_handle *h, uint32_t domid, uint32_t vcpu, struct xg_vcpu_info *out);
/* Pin the vCPU's host thread to the CPUs set in mask (hard affinity, as
 * Xen's vcpu-pin; XG has no soft affinity).  Every set bit must be a host
 * CPU (< xg_physinfo's nr_cpus), at least one must be set; a mask of every
 * host CPU unpins it.  A vCPU not yet online keeps it for when it starts. */
int xg_vcpu_set_affinity(xg_handle *h, uint32_t domid, uint32_t vcpu, const uint8_t mask[XG_MAX_HOST_CPUS / 8]);

/* ---- scheduling ---------------------------------------------------------- */

/*
 * How host CPU time is shared between domains: the parameters of Xen's
 * credit scheduler (`xl sched-credit`), carried out on the vCPUs' host
 * threads (docs/scheduling.md).
 *  - weight, 1 to 65535 (default 256): where domains compete for host
 *    CPUs, each gets CPU time in proportion to its weight (weight 512 twice
 *    as much as 256), shared among the vCPUs it keeps busy;
 *  - cap, percent of one host CPU (0: no cap): the most CPU time the domain
 *    may use, even with idle host CPUs; 100 is one whole CPU, and a domain
 *    may have up to 100 per vCPU.
 * Domain 0 (the host) has none (-EINVAL).
 */
#define XG_SCHED_WEIGHT_DEFAULT 256
/* max_event_channels: libxl's default, and the 2-level ABI's last port. */
#define XG_EVENT_CHANNELS_DEFAULT 1023
#define XG_EVENT_CHANNELS_MAX 4095
#define XG_SCHED_WEIGHT_MAX 65535
#define XG_SCHED_KEEP UINT32_MAX /* for xg_sched_credit_set(): leave this one as it is */

struct xg_sched_credit {
	uint32_t weight;
	uint32_t cap;
};

int xg_sched_credit_get(xg_handle *h, uint32_t domid, struct xg_sched_credit *out);
/* Set the weight, the cap or both (XG_SCHED_KEEP in the other).  As libxl,
 * a weight outside 1-65535 and a cap above 100 per vCPU of the domain are
 * -EINVAL; -EPERM when the hypervisor may not raise its threads' priority
 * for a weight above the default (it lacks CAP_SYS_NICE). */
int xg_sched_credit_set(xg_handle *h, uint32_t domid, const struct xg_sched_credit *params);

/* ---- domain events ------------------------------------------------------- */

/*
 * A stream of domain state changes, for a poll() loop: open a watch, poll
 * its fd for POLLIN, and call xg_event_read() with timeout 0 until it
 * returns 0.  Events concern every domain (filter on domid yourself).
 *
 * To follow the domains without a gap, open the watch first and then list
 * the domains (xg_domain_list): every change after the list is then an
 * event.  A watcher that falls behind (the hypervisor keeps at most a few
 * hundred unread events for it; it never waits for a watcher) loses events
 * and receives one XG_EVENT_OVERFLOW in their place: list the domains again.
 *
 * A watch is its own connection, independent of the handle it was opened
 * from (which may be closed afterwards); use one watch from one thread at a
 * time.  Watches on the monitoring socket (XG_OPEN_READONLY) are allowed.
 * The hypervisor accepts at most 128 watchers at once (-EBUSY beyond).
 */
typedef struct xg_event_watch xg_event_watch;

enum xg_event_type {
	XG_EVENT_CREATED = 1,   /* a domain exists (state XG_DOMAIN_PAUSED until its builder starts it) */
	XG_EVENT_STATE = 2,     /* its lifecycle state changed: see state, shutdown_reason */
	XG_EVENT_RENAMED = 3,   /* name is its new name */
	XG_EVENT_DESTROYED = 4, /* it is gone */
	XG_EVENT_OVERFLOW = 5,  /* events were lost (domid 0, no name): list the domains again */
};

struct xg_event {
	enum xg_event_type type;
	uint32_t domid;
	char name[XG_NAME_MAX];        /* the domain's name after the event */
	/* The state after the event: XG_DOMAIN_RUNNING (events do not tell
	 * running from blocked, which changes at every wait), _PAUSED (by the
	 * toolstack), _SHUTDOWN, _CRASHED or _DYING (being destroyed). */
	enum xg_domain_state state;
	unsigned int shutdown_reason;  /* enum xg_shutdown_reason, when state is XG_DOMAIN_SHUTDOWN */
	uint64_t seq;                  /* the event's number on this watch, from 1; skips after an overflow */
	uint64_t time_ns;              /* hypervisor uptime when it happened */
};

/* Subscribe to domain events over a new connection to h's hypervisor and
 * socket.  NULL on failure, with *err (if given) a negative errno. */
xg_event_watch *xg_event_watch_open(xg_handle *h, int *err);
/* The descriptor to poll() for POLLIN (also set on hang-up). */
int xg_event_watch_fd(const xg_event_watch *w);
/*
 * The next event.  Waits up to timeout_ms for it (0: don't wait, -1:
 * forever).  Returns 1 with *ev filled, 0 when no whole event arrived in
 * time, -EPIPE when the hypervisor closed the watch (it stopped), or
 * another negative errno.
 */
int xg_event_read(xg_event_watch *w, struct xg_event *ev, int timeout_ms);
void xg_event_watch_close(xg_event_watch *w);
/* "created", "state", "renamed", "destroyed", "overflow". */
const char *xg_event_type_name(enum xg_event_type type);

/* ---- building and starting domains -------------------------------------- */

/*
 * What happens when a domain shuts down, per reason (xl's on_poweroff,
 * on_reboot, on_watchdog, on_crash).  The hypervisor carries out destroy
 * and preserve itself.  Restarting needs the builder, so the hypervisor
 * keeps such a domain (as preserve) and a toolstack process watching the
 * domain's events does the rest: `xg create` leaves a monitor for that
 * (docs/xg.md), and other programs call xg_domain_restart() themselves.
 */
enum xg_action {
	XG_ACTION_DESTROY = 0,        /* the domain goes away */
	XG_ACTION_PRESERVE = 1,       /* it stays, shut down or crashed, for inspection */
	XG_ACTION_RESTART = 2,        /* destroyed, and created again from its configuration */
	XG_ACTION_RENAME_RESTART = 3, /* renamed NAME-1 (NAME-2, ...) and kept; a new NAME is created */
};

struct xg_config {
	char name[XG_NAME_MAX];
	uint8_t uuid[16];       /* all zero: generate one */
	char *kernel;           /* path; malloc'd */
	char *cmdline;          /* may be NULL; malloc'd */
	uint64_t memory_mib;
	uint32_t vcpus;
	enum xg_action on_poweroff;
	enum xg_action on_crash;
	char *ramdisk;          /* the module (initrd) path; may be NULL; malloc'd */
	uint64_t maxmem_mib;    /* most memory it may balloon up to; 0: memory_mib */
	enum xg_action on_reboot;   /* the guest asked to reboot (default restart, as xl) */
	enum xg_action on_watchdog; /* its watchdog fired (default destroy) */
	uint32_t maxvcpus;      /* vCPUs that exist (the guest may bring up); 0: vcpus */
	uint32_t weight;        /* CPU weight (cpu_weight), 1-65535, default 256 (xg_sched_credit_set) */
	uint32_t cap;           /* CPU cap in percent of one host CPU, at most 100 per vCPU; 0: none */
	uint32_t max_event_channels; /* highest event channel port (xl's max_event_channels), default 1023 */
};

/* Errors found in a configuration: where, which field, and why. */
struct xg_config_error {
	char file[256];
	char field[128]; /* the key as the format spells it: JSON or xl.cfg key
			    ("memory"), XML element path ("os/kernel");
			    empty for the whole file */
	char reason[256]; /* xl.cfg and XML reasons begin with "line N: " */
};

/* Defaults as xl's: memory 64, vcpus 1, on_reboot restart, other actions
 * destroy, weight 256, no cap. */
void xg_config_init(struct xg_config *cfg);
/* The action cfg gives for a domain that stopped: state XG_DOMAIN_CRASHED
 * (on_crash) or XG_DOMAIN_SHUTDOWN with a reason (poweroff: on_poweroff,
 * reboot: on_reboot, watchdog: on_watchdog, crash: on_crash).  Suspend
 * and soft reset wait for the toolstack: XG_ACTION_PRESERVE. */
enum xg_action xg_config_action_for(const struct xg_config *cfg, enum xg_domain_state state,
				    unsigned int shutdown_reason);
/* "destroy", "preserve", "restart", "rename-restart". */
const char *xg_action_name(enum xg_action action);
void xg_config_dispose(struct xg_config *cfg);
/* Parse a JSON domain configuration (schema in docs/config.md).  On error
 * returns -EINVAL (or -errno for I/O) and fills *err. */
int xg_config_load_json(const char *path, struct xg_config *cfg, struct xg_config_error *err);

/* Parse a kernel (ELF, or bzImage with any compressed payload) and print
 * its Xen notes and the layout a domain of memory_mib would get, without
 * creating anything.  Returns 0 if XG can start this kernel, else the
 * reason (after printing what it could). */
int xg_kernel_describe(const char *path, uint64_t memory_mib, FILE *out);
/* The same for a configuration: its kernel, memory and ramdisk (which must
 * be readable). */
int xg_config_describe(const struct xg_config *cfg, FILE *out);

/* The same from text in memory (relative kernel paths stay as given). */
int xg_config_parse_json(const char *text, struct xg_config *cfg, struct xg_config_error *err);
/* A configuration as JSON that xg_config_parse_json() reads back to the
 * same values; malloc'd, free() it.  NULL when out of memory. */
char *xg_config_to_json(const struct xg_config *cfg);

/*
 * The three formats a configuration file may be in (docs/config.md):
 * XG's JSON, Xen's xl.cfg, and libvirt's domain XML (<domain type='xen'>).
 */
enum xg_config_format {
	XG_CONFIG_AUTO = 0, /* detect it (xg_config_detect_format) */
	XG_CONFIG_JSON,
	XG_CONFIG_XLCFG,
	XG_CONFIG_XML,
};

/* Which format text (a file's content) is in: the first character other
 * than white space (after a UTF-8 byte order mark) decides, '{' JSON and
 * '<' XML; otherwise path's extension does, ".json" JSON and ".xml" XML,
 * and anything else is xl.cfg.  path may be NULL. */
enum xg_config_format xg_config_detect_format(const char *path, const char *text);
/* "JSON", "xl.cfg", "libvirt XML". */
const char *xg_config_format_name(enum xg_config_format fmt);

/* Read a configuration file in whichever format it is in; *format (if not
 * NULL) is set to the format it was read as.  Errors as
 * xg_config_load_json(). */
int xg_config_load_file(const char *path, struct xg_config *cfg, struct xg_config_error *err,
			enum xg_config_format *format);

/* Parse an xl.cfg(5) file: KEY = VALUE statements ended by a newline or
 * ';', values quoted strings, numbers or [lists], '#' comments.  The keys
 * XG takes are name, uuid, type (or builder), kernel, ramdisk, cmdline
 * (or root and extra), memory, maxmem, vcpus, on_poweroff, on_crash,
 * on_reboot, on_watchdog, cpu_weight, cap; the
 * other keys xl knows are refused as "not supported by XG", unknown keys
 * and keys given twice as errors.  err->field is the key; err->reason
 * begins with "line N: ".  On error returns -EINVAL (or -errno for I/O),
 * and cfg holds nothing. */
int xg_config_load_xlcfg(const char *path, struct xg_config *cfg, struct xg_config_error *err);
/* The same from text in memory (relative paths stay relative). */
int xg_config_parse_xlcfg(const char *text, struct xg_config *cfg, struct xg_config_error *err);

/* Parse a libvirt domain XML file, <domain type='xen'> with name, uuid,
 * memory and currentMemory (unit attribute, KiB by default; whole MiB),
 * vcpu, os (type linux, kernel, initrd, cmdline), on_poweroff, on_crash,
 * cputune holding at most shares (the CPU weight, as libvirt's libxl
 * driver has it) and devices holding at most a pty console.  Any other element or attribute
 * is an error naming it.  err->field is the element's path below <domain>
 * ("os/kernel"); err->reason begins with "line N: ".  DOCTYPEs and
 * entities are refused; nothing is fetched from the network. */
int xg_config_load_xml(const char *path, struct xg_config *cfg, struct xg_config_error *err);
/* The same from len bytes of text in memory. */
int xg_config_parse_xml(const char *text, size_t len, struct xg_config *cfg, struct xg_config_error *err);
/* A configuration as libvirt domain XML that xg_config_parse_xml() reads
 * back to the same values; malloc'd, free() it.  NULL (with
 * xg_last_error() set) when out of memory or when a string of cfg cannot be
 * carried by XML 1.0 (invalid UTF-8, control characters other than tab,
 * newline and carriage return). */
char *xg_config_to_xml(const struct xg_config *cfg);

/*
 * Change a configuration as xl does with KEY=VALUE arguments after the
 * file (`xg create g.cfg memory=32 'name="x"'`): each of the n overrides is
 * one xl.cfg statement, for the keys xg_config_load_xlcfg() takes except
 * root and extra (give the whole cmdline).  Relative paths stay relative
 * to the current directory.  A key may be overridden once; maxmem is
 * checked against memory afterwards.  On error returns -EINVAL, fills
 * *err (file "(command line)", field the key, reason "override N
 * 'TEXT': ...") and leaves cfg as it was.
 */
int xg_config_apply_overrides(struct xg_config *cfg, const char *const *overrides, size_t n,
			      struct xg_config_error *err);

/* The effective configuration a domain was created with (its UUID filled
 * in, its kernel path absolute).  -ENODATA for domains libxg did not build. */
int xg_domain_config(xg_handle *h, uint32_t domid, struct xg_config *cfg);

enum xg_create_flags {
	XG_CREATE_PAUSED = 1 << 0, /* build it but leave vCPU 0 paused */
};

/* Build the domain the configuration describes and start it (unless
 * XG_CREATE_PAUSED).  If log is not NULL the builder writes its layout
 * there.  On failure no domain is left behind. */
int xg_domain_create(xg_handle *h, const struct xg_config *cfg, unsigned int flags, FILE *log,
		     uint32_t *domid);

/*
 * Restart a domain that stopped, from its recorded configuration
 * (xg_domain_config), as xl's restart and rename-restart do.  restart:
 * the domain is destroyed and created again under the same name and UUID.
 * rename-restart: the old domain is renamed NAME-N (the smallest N >= 1 not
 * in use) and kept as it is, and a new NAME is created with a new UUID.
 * *new_domid is the new domain's id.  If the new domain cannot be built
 * the old one is gone (restart) or keeps its new name (rename-restart),
 * and the error says so.
 */
int xg_domain_restart(xg_handle *h, uint32_t domid, bool rename_old, uint32_t *new_domid);

/* ---- building blocks (what the builder itself is made of) --------------- */

/*
 * Give a domain nr extents of 2^order machine frames each, below
 * 2^address_bits bytes when address_bits is not 0 (Xen's populate_physmap
 * for a PV domain), for the guest frames from first_pfn on: the hypervisor
 * records each frame in the M2P at its guest frame number.  The first
 * frame of each extent given is written to mfns (which must hold nr
 * entries).  Returns the number of extents given, which is less than nr
 * when the domain's limit or the host's memory runs out, or a negative
 * errno.  xg_domain_populate() is the same with first_pfn 0.
 */
long xg_domain_populate_at(xg_handle *h, uint32_t domid, uint64_t first_pfn, uint64_t nr, unsigned int order,
			   unsigned int address_bits, uint64_t *mfns);
long xg_domain_populate(xg_handle *h, uint32_t domid, uint64_t nr, unsigned int order,
			unsigned int address_bits, uint64_t *mfns);

/* The machine frames a domain owns, in ascending order, from the index
 * start on.  Returns the number written (at most max). */
long xg_domain_frames(xg_handle *h, uint32_t domid, uint64_t start, uint64_t *mfns, size_t max);

/* Map count machine frames from mfn on into this process (prot as for
 * mmap).  Every frame must belong to domid: otherwise NULL with -EPERM.
 * Undo with xg_unmap_foreign().  The mapping is shared with the guest. */
void *xg_map_foreign(xg_handle *h, uint32_t domid, uint64_t mfn, size_t count, int prot);
void xg_unmap_foreign(void *addr, size_t count);

/* A vCPU's context as Xen's struct vcpu_guest_context for the domain's
 * guest width (include/public/arch-x86/xen.h).  Setting it validates the
 * page tables CR3 names and makes the vCPU runnable (once unpaused). */
int xg_vcpu_getcontext(xg_handle *h, uint32_t domid, uint32_t vcpu, void *ctxt, size_t size);
int xg_vcpu_setcontext(xg_handle *h, uint32_t domid, uint32_t vcpu, const void *ctxt, size_t size);

/* ---- consoles ----------------------------------------------------------- */

/*
 * Read a domain's console history from byte offset *pos on.  Waits up to
 * timeout_ms (0: don't wait, -1: forever) for output beyond *pos.  Returns
 * the number of bytes copied into buf (0 on timeout) and advances *pos.
 * Returns -ENOENT once the domain no longer exists, and -ESRCH when it has
 * stopped (shut down, crashed, dying) and everything it wrote has been read.
 * If the history no longer holds *pos (it keeps the most recent output
 * only), reading starts at the oldest byte it still has.
 */
long xg_console_read(xg_handle *h, uint32_t domid, uint64_t *pos, char *buf, size_t len,
		     int timeout_ms);
/*
 * Queue len bytes of input for a domain's console (its PV console ring,
 * which holds 1024 bytes the guest has not read yet).  Returns the number
 * of bytes queued: fewer than len, possibly 0, while the ring is full;
 * try the rest again once the guest has read some.  -ENOENT: no such
 * domain (or it is being destroyed); -ENODEV: the domain has no console
 * ring; -EIO: the guest has broken the ring's indexes.
 */
long xg_console_write(xg_handle *h, uint32_t domid, const char *buf, size_t len);

/* ---- requests to a guest -------------------------------------------------- */

/*
 * What a toolstack asks of a PV guest through its xenstore nodes, as xl
 * does (docs/xenstore.md): the guest acts on the request, or not.  Each
 * checks the domain first: -ESRCH if there is none, -EINVAL for domain 0
 * (the host); errors of the store (docs/xenstore.md) as the xg_xs_*
 * calls return them.  Nothing is written when a call fails.
 */

/* Ask the guest to power off (XG_SHUTDOWN_POWEROFF) or reboot
 * (XG_SHUTDOWN_REBOOT): control/shutdown is written, in a transaction
 * that finds the domain's control/ node (-ENOENT without one: libxg did
 * not build the domain).  Other reasons are -EINVAL.  Returns once asked;
 * see xg_domain_wait_shutdown(). */
int xg_domain_shutdown(xg_handle *h, uint32_t domid, enum xg_shutdown_reason reason);

/* A domain xg_domain_wait_shutdown() waits for has stopped or gone. */
struct xg_shutdown_progress {
	uint32_t domid;
	bool gone;           /* it was destroyed; else it shut down or crashed */
	unsigned int reason; /* when not gone: enum xg_shutdown_reason (XG_SHUTDOWN_CRASH once crashed) */
};

/*
 * Wait until each of the n domains has shut down (or crashed) or is gone,
 * or with until_gone until each is gone (xl shutdown -w and -ww).
 * progress (if not NULL) is called once when a domain stops and once when
 * it goes (after which it is not waited for).  Domains that are stopped or
 * gone already count at once, so a request made before the call is never
 * missed.  timeout_ms -1 waits as long as it takes.  0 when all are done,
 * -ETIMEDOUT, or another negative errno (the watch: xg_event_watch_open).
 */
int xg_domain_wait_shutdown(xg_handle *h, const uint32_t *domids, size_t n, bool until_gone, int timeout_ms,
			    void (*progress)(const struct xg_shutdown_progress *p, void *arg), void *arg);

/* Ask the guest's balloon driver to use target_kib (memory/target, as xl
 * mem-set).  More than the domain's memory/static-max is -EINVAL
 * (libxl's check) unless flags has XG_FORCE; 0 is -EINVAL.  The
 * hypervisor's limit (xg_domain_set_max_memory) is not changed: a guest
 * cannot balloon past it whatever the target says. */
int xg_domain_set_memory_target(xg_handle *h, uint32_t domid, uint64_t target_kib, unsigned int flags);

/* Ask the guest to have vCPUs 0 to n-1 online and the rest offline
 * (cpu/<k>/availability for each vCPU it has, as xl vcpu-set).  n from 1
 * to the domain's vCPUs (maxvcpus); otherwise -EINVAL. */
int xg_domain_set_online_vcpus(xg_handle *h, uint32_t domid, uint32_t n);

/* ---- triggers ------------------------------------------------------------ */

/* xl trigger's names, with Xen's XEN_DOMCTL_SENDTRIGGER_* numbers for the
 * ones the hypervisor is asked (s3resume is the toolstack's). */
enum xg_trigger {
	XG_TRIGGER_NMI = 0,
	XG_TRIGGER_RESET = 1,
	XG_TRIGGER_INIT = 2,
	XG_TRIGGER_POWER = 3,
	XG_TRIGGER_SLEEP = 4,
	XG_TRIGGER_S3RESUME = 5,
};

/* "nmi", "reset", "init", "power", "sleep", "s3resume"; NULL for another value. */
const char *xg_trigger_name(enum xg_trigger trigger);
/* The trigger of that name: 0, or -EINVAL with the message naming it. */
int xg_trigger_from_name(const char *name, enum xg_trigger *trigger);

/*
 * Send a trigger to one vCPU of a domain, as Xen's XEN_DOMCTL_sendtrigger
 * for a PV domain: nmi makes an NMI pending on the vCPU (as
 * VCPUOP_send_nmi; the guest takes it with its CALLBACKTYPE_nmi callback,
 * docs/pv-cpu.md) and kicks it.  A vCPU the domain does not have is
 * -ESRCH.  As Xen for PV domains, power and sleep (ACPI buttons of HVM
 * guests) are -EINVAL, reset and init -ENOSYS; s3resume is -EINVAL (libxl
 * has it for HVM guests only).
 */
int xg_domain_trigger(xg_handle *h, uint32_t domid, enum xg_trigger trigger, uint32_t vcpu);

/* ---- xenstore ---------------------------------------------------------- */

/*
 * The xenstore the hypervisor serves (docs/xenstore.md), as the control
 * domain: every node may be read and written.  Paths are absolute
 * ("/local/domain/3/name").  tx is 0, or a transaction from
 * xg_xs_transaction_start (its changes are seen by others once it
 * commits).  Errors are the store's, as negative errnos: -ENOENT (no such
 * node), -EINVAL (a malformed path or value), -EACCES, -EAGAIN (a
 * transaction that met other changes: start again), ...; the message is
 * in xg_last_error().
 */
#define XG_XS_PERM_NONE 0u
#define XG_XS_PERM_READ 1u
#define XG_XS_PERM_WRITE 2u
#define XG_XS_PERM_BOTH 3u
/* One entry of a node's permission list; the first names the owner (who
 * may do anything) and gives everyone else its perms; later entries give
 * a domain other rights than that. */
struct xg_xs_perm {
	uint32_t domid;
	unsigned int perms; /* XG_XS_PERM_* */
};
/* *value: the node's bytes and a NUL (malloc'd; free it); *len the bytes. */
int xg_xs_read(xg_handle *h, uint32_t tx, const char *path, char **value, size_t *len);
/* Write a node's value, making it and its missing parents. */
int xg_xs_write(xg_handle *h, uint32_t tx, const char *path, const void *value, size_t len);
/* Make a node (and its parents) if it does not exist. */
int xg_xs_mkdir(xg_handle *h, uint32_t tx, const char *path);
/* Remove a node and everything below it; 0 if it did not exist but its parent does. */
int xg_xs_rm(xg_handle *h, uint32_t tx, const char *path);
/* A node's children's names: *names is one malloc'd block (free(*names)). */
int xg_xs_directory(xg_handle *h, uint32_t tx, const char *path, char ***names, unsigned int *n);
/* A node's permission list (*perms malloc'd), and setting it (n >= 1). */
int xg_xs_get_perms(xg_handle *h, uint32_t tx, const char *path, struct xg_xs_perm **perms, unsigned int *n);
int xg_xs_set_perms(xg_handle *h, uint32_t tx, const char *path, const struct xg_xs_perm *perms, unsigned int n);
int xg_xs_transaction_start(xg_handle *h, uint32_t *tx);
/* Commit (commit true) or abandon a transaction. */
int xg_xs_transaction_end(xg_handle *h, uint32_t tx, bool commit);

#ifdef __cplusplus
}
#endif

#endif
