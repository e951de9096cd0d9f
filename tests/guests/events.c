/*
 * events (and events32, the same source built for a 32-bit PAE kernel):
 * event channels, upcalls, blocking, polling and timers from inside a PV
 * guest, as Xen's ABI has them.  It registers an event callback whose
 * handler scans the 2-level bitmaps as Linux does (clear
 * evtchn_upcall_pending, take evtchn_pending_sel, clear each pending and
 * unmasked port) and records the ports it saw.  Then: vcpu_time_info and
 * the wallclock; VIRQ_TIMER with singleshot timers, set_timer_op and the
 * periodic timer while blocked; IPIs to itself; masks and the upcall
 * mask; a loopback interdomain channel; status of each kind of port;
 * poll with and without pending ports; and what a hostile guest tries:
 * bad VIRQs and vCPUs, ports out of range (beyond the allocated buckets,
 * beyond either width's limit), other domains' ports (one that does not
 * exist, the control domain, and with "peer=ID" on the command line a
 * paused guest the system test started), polls of ports nothing can make
 * pending, and timer deadlines in the past and far in the future; the
 * sched_op sub-ops beyond block and poll (remote_shutdown and
 * pin_override refused, watchdogs created, re-armed, killed and run out).
 * With "block" on its command line it blocks forever with no timer, for
 * the test that a blocked vCPU uses no host CPU; with "storm" it only makes
 * hypercalls for 2 s under a 1 ms periodic timer, with "userstorm" (64-bit)
 * it spends 2 s in user mode on a user L4 of its own under that timer.  With "watchdog-expire"
 * it arms an 8 s watchdog and blocks forever (the watchdog must shut it
 * down); with "watchdog-destroy" it arms two (6 s and 7 s) and blocks
 * forever (it is destroyed first); with "shutdown-code" it latches
 * SHUTDOWN_watchdog (then SHUTDOWN_crash, which must not count) before
 * its usual poweroff; with "shutdown-code-crash" it latches
 * SHUTDOWN_reboot and crashes (a page fault with no trap table).
 */
#include "guest.h"
#include "public/callback.h"
#include "public/event_channel.h"
#include "public/vcpu.h"

#ifdef __i386__
const char guest_name[] = "events32";
#else
const char guest_name[] = "events";
#endif

#define EINVAL 22
#define ENOENT 2
#define ESRCH 3
#define EFAULT 14
#define EPERM 1
#define EBUSY 16
#define EEXIST 17
#define ENOSPC 28
#define ENOSYS 38
#define ETIME 62

#define MS 1000000ull
#define BITS_PER_WORD (sizeof(unsigned long) * 8)
#define MAX_PORTS (BITS_PER_WORD * BITS_PER_WORD)

static struct shared_info *shinfo;
static struct vcpu_info *vi;

/* What the event handler saw. */
static volatile unsigned int upcalls;
static volatile unsigned int port_hits[MAX_PORTS];
static volatile unsigned int last_port;
static volatile unsigned long frame_flags, frame_cs;
static volatile unsigned int mask_in_handler, upcalls_from_user;

void event_c(unsigned long *frame);

/* The event callback: Xen's bounce frame, no error code.  Like traps.c's
 * stubs: save what C may clobber, call event_c(frame), return with the
 * iret hypercall, which restores the upcall mask from the frame's IF. */
#ifdef __i386__
/* Frame: eip, cs (saved mask in bits 16-23), eflags. */
__asm__(".text\n.globl event_entry\nevent_entry:\n"
	"pusha\nlea 32(%esp), %eax\npush %eax\ncall event_c\nadd $4, %esp\npopa\n"
	"push %eax\nmov $23, %eax\nint $0x82\n");
#else
/* Frame: rcx, r11, rip, cs (saved mask in bits 32-39), rflags, rsp, ss. */
__asm__(".text\n.globl event_entry\nevent_entry:\n"
	"pop %rcx\npop %r11\n"
	"push %rax\npush %rcx\npush %rdx\npush %rsi\npush %rdi\n"
	"push %r8\npush %r9\npush %r10\npush %r11\n"
	"lea 72(%rsp), %rdi\n"
	"push %rbp\nmov %rsp, %rbp\nand $-16, %rsp\ncall event_c\nmov %rbp, %rsp\npop %rbp\n"
	"pop %r11\npop %r10\npop %r9\npop %r8\npop %rdi\npop %rsi\npop %rdx\npop %rcx\npop %rax\n"
	"push $0\npush %rcx\npush %r11\npush %rax\nmov $23, %eax\nsyscall\n");
#endif
void event_entry(void);

void event_c(unsigned long *frame)
{
	/* frame: ip, cs, flags */
	frame_cs = frame[1];
	frame_flags = frame[2];
	upcalls_from_user += (frame_cs & 3) == 3;
	mask_in_handler = vi->evtchn_upcall_mask;
	upcalls++;
	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	unsigned long sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	while (sel) {
		unsigned int w = (unsigned int)__builtin_ctzl(sel);
		sel &= sel - 1;
		unsigned long bits = __atomic_load_n(&shinfo->evtchn_pending[w], __ATOMIC_SEQ_CST) &
				     ~__atomic_load_n(&shinfo->evtchn_mask[w], __ATOMIC_SEQ_CST);
		while (bits) {
			unsigned int b = (unsigned int)__builtin_ctzl(bits);
			bits &= bits - 1;
			__atomic_fetch_and(&shinfo->evtchn_pending[w], ~(1ul << b), __ATOMIC_SEQ_CST);
			unsigned int port = w * (unsigned int)BITS_PER_WORD + b;
			port_hits[port]++;
			last_port = port;
		}
	}
}

static long evtchn_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_event_channel_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static long vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
	return hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, (unsigned long)arg, 0, 0);
}

static long set_timer_op(uint64_t t)
{
#ifdef __i386__
	return hypercall(__HYPERVISOR_set_timer_op, (uint32_t)t, (uint32_t)(t >> 32), 0, 0, 0);
#else
	return hypercall(__HYPERVISOR_set_timer_op, t, 0, 0, 0, 0);
#endif
}

static long block(void)
{
	return HYPERVISOR_sched_op(SCHEDOP_block, 0);
}

static long poll(evtchn_port_t *ports, unsigned int n, uint64_t timeout)
{
	struct sched_poll p = { .nr_ports = n, .timeout = timeout };
	p.ports.p = ports;
	return HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}

/* Whether a wait of `took` ns (the guest's clock) lasted at least ms: the
 * hypervisor ends waits by its own clock, and the guest's, scaled from
 * the TSC, may be off by the calibration error (large under QEMU's
 * emulation in kvm-nested.sh), hence a quarter of slack. */
static bool not_before(uint64_t took, uint64_t ms)
{
	return took >= ms * MS * 3 / 4;
}

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* (delta * mul) >> 32 without 128-bit or library arithmetic. */
static uint64_t mul_frac(uint64_t delta, uint32_t mul)
{
	uint64_t lo = (uint64_t)(uint32_t)delta * mul;
	uint64_t hi = (uint64_t)(uint32_t)(delta >> 32) * mul;
	return hi + (lo >> 32);
}

/* System time now, from vcpu_time_info and the TSC (Xen's protocol). */
static uint64_t now(void)
{
	volatile struct vcpu_time_info *t = &vi->time;
	uint32_t ver;
	uint64_t ts, st, tsc;
	uint32_t mul;
	int8_t shift;
	do {
		ver = t->version;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		ts = t->tsc_timestamp;
		st = t->system_time;
		mul = t->tsc_to_system_mul;
		shift = t->tsc_shift;
		tsc = rdtsc();
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	} while ((ver & 1) || ver != t->version);
	uint64_t delta = tsc - ts;
	if (shift < 0)
		delta >>= -shift;
	else
		delta <<= shift;
	return st + mul_frac(delta, mul);
}

static bool port_pending(unsigned int port)
{
	return __atomic_load_n(&shinfo->evtchn_pending[port / BITS_PER_WORD], __ATOMIC_SEQ_CST) &
	       (1ul << (port % BITS_PER_WORD));
}

static void set_mask(unsigned int port, bool masked)
{
	unsigned long bit = 1ul << (port % BITS_PER_WORD);
	if (masked)
		__atomic_fetch_or(&shinfo->evtchn_mask[port / BITS_PER_WORD], bit, __ATOMIC_SEQ_CST);
	else
		__atomic_fetch_and(&shinfo->evtchn_mask[port / BITS_PER_WORD], ~bit, __ATOMIC_SEQ_CST);
}

static struct evtchn_status status_of(unsigned int port, long *rc)
{
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
	*rc = evtchn_op(EVTCHNOP_status, &st);
	return st;
}

static unsigned int bind_timer(void)
{
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	long rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
	guest_check(rc == 0 && bv.port > 0, "bind_virq(VIRQ_TIMER): %ld, port %u", rc, bv.port);
	return bv.port;
}

static void test_time(void)
{
	volatile struct vcpu_time_info *t = &vi->time;
	guest_check(!(t->version & 1) && t->version && t->tsc_to_system_mul && t->system_time,
		    "vcpu_time_info is filled in (version %u, mul 0x%x, shift %d, system time %llu)", t->version,
		    t->tsc_to_system_mul, t->tsc_shift, (unsigned long long)t->system_time);
	guest_check(!(shinfo->wc_version & 1) && shinfo->wc_version && shinfo->wc_sec > 1600000000u,
		    "the wallclock is set (version %u, %u s %u ns)", shinfo->wc_version, shinfo->wc_sec,
		    shinfo->wc_nsec);
	uint64_t a = now();
	for (volatile unsigned int i = 0; i < 20000; i++)
		;
	uint64_t b = now();
	guest_check(b > a, "system time advances (%llu then %llu)", (unsigned long long)a, (unsigned long long)b);
}

/* Block until VIRQ_TIMER has come since `before` (or, should block return
 * for something else, until max_ms after t0).  Events are masked while it
 * looks: an upcall between the look and the block would otherwise leave
 * it blocked with nothing left to wake it; block unmasks them itself, as
 * Linux's safe_halt has it. */
static void block_for_timer(unsigned int tp, unsigned int before, uint64_t t0, uint64_t max_ms)
{
	for (;;) {
		vi->evtchn_upcall_mask = 1;
		if (port_hits[tp] != before || now() - t0 >= max_ms * MS)
			break;
		block();
	}
	vi->evtchn_upcall_mask = 0;
	HYPERVISOR_xen_version(0, 0); /* delivers what came while masked */
}

static void test_timers(unsigned int tp)
{
	long rc;
	/* A singleshot timer wakes a blocked vCPU at its deadline. */
	uint64_t t0 = now();
	struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = t0 + 50 * MS, .flags = VCPU_SSHOTTMR_future };
	unsigned int before = port_hits[tp];
	rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss);
	guest_check(rc == 0, "set_singleshot_timer: %ld", rc);
	vi->evtchn_upcall_mask = 1; /* block must unmask by itself */
	rc = block();
	uint64_t took = now() - t0;
	guest_check(rc == 0 && port_hits[tp] == before + 1 && last_port == tp,
		    "SCHEDOP_block wakes on VIRQ_TIMER and the upcall names its port (%ld, %u hits, port %u)", rc,
		    port_hits[tp] - before, last_port);
	guest_check(not_before(took, 50) && took < 3000 * MS, "the singleshot timer fired after 50 ms (%llu ns)",
		    (unsigned long long)took);
	guest_check(vi->evtchn_upcall_mask == 0, "block left event delivery enabled");
	guest_check(mask_in_handler == 1, "the upcall masked events on entry");
#ifdef __i386__
	guest_check(((frame_cs >> 16) & 0xff) == 0 && (frame_flags & 0x200),
		    "the frame's saved mask is 0 and IF set (cs %lx, eflags %lx)", frame_cs, frame_flags);
#else
	guest_check(((frame_cs >> 32) & 0xff) == 0 && (frame_flags & 0x200),
		    "the frame's saved mask is 0 and IF set (cs %lx, rflags %lx)", frame_cs, frame_flags);
#endif

	/* set_timer_op: absolute time; 0 cancels. */
	t0 = now();
	rc = set_timer_op(t0 + 30 * MS);
	before = port_hits[tp];
	block_for_timer(tp, before, t0, 5000);
	took = now() - t0;
	guest_check(rc == 0 && port_hits[tp] == before + 1 && not_before(took, 30),
		    "set_timer_op fires VIRQ_TIMER at its deadline (%llu ns)", (unsigned long long)took);
	set_timer_op(now() + 20 * MS);
	set_timer_op(0);
	evtchn_port_t pp = tp;
	before = port_hits[tp];
	t0 = now();
	rc = poll(&pp, 1, t0 + 100 * MS);
	took = now() - t0;
	guest_check(rc == 0 && not_before(took, 100) && port_hits[tp] == before,
		    "set_timer_op(0) cancels: a poll of the timer port times out (%ld, %llu ns)", rc,
		    (unsigned long long)took);

	/* Deadlines in the past: -ETIME with the flag (Xen 4.17), at once
	 * without it. */
	ss = (struct vcpu_set_singleshot_timer){ .timeout_abs_ns = now() - MS, .flags = VCPU_SSHOTTMR_future };
	rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss);
	guest_check(rc == -ETIME, "a past singleshot deadline with VCPU_SSHOTTMR_future is -ETIME (%ld)", rc);
	ss = (struct vcpu_set_singleshot_timer){ .timeout_abs_ns = 1, .flags = 0 };
	before = port_hits[tp];
	t0 = now();
	rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss);
	block_for_timer(tp, before, t0, 5000);
	took = now() - t0;
	guest_check(rc == 0 && port_hits[tp] == before + 1 && took < 2000 * MS,
		    "a past deadline without the flag fires at once (%ld, %llu ns)", rc, (unsigned long long)took);

	/* Far future: no event. */
	ss = (struct vcpu_set_singleshot_timer){ .timeout_abs_ns = now() + 1000000 * MS, .flags = 0 };
	rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss);
	before = port_hits[tp];
	t0 = now();
	long prc = poll(&pp, 1, t0 + 80 * MS);
	took = now() - t0;
	guest_check(rc == 0 && prc == 0 && port_hits[tp] == before && not_before(took, 80),
		    "a far-future timer does not fire (%ld, %ld, %u)", rc, prc, port_hits[tp] - before);
	rc = vcpu_op(VCPUOP_stop_singleshot_timer, 0, 0);
	guest_check(rc == 0, "stop_singleshot_timer: %ld", rc);
	/* A timer wrapped negative: Xen's workaround gives an event in 100 ms. */
	before = port_hits[tp];
	t0 = now();
	rc = set_timer_op(0x8000000000000000ull);
	block_for_timer(tp, before, t0, 5000);
	took = now() - t0;
	guest_check(rc == 0 && port_hits[tp] == before + 1 && not_before(took, 95),
		    "a negative set_timer_op deadline becomes 100 ms (%llu ns)", (unsigned long long)took);

	/* Another vCPU's singleshot timer is -EINVAL; no such vCPU -ENOENT. */
	rc = vcpu_op(VCPUOP_stop_singleshot_timer, 1, 0);
	guest_check(rc == -ENOENT, "timers of a vCPU that does not exist: -ENOENT (%ld)", rc);

	/* The periodic timer: 20 ms ticks while the vCPU runs (as in Xen it
	 * is stopped while the vCPU is blocked): each tick kicks the running
	 * vCPU out of the guest and comes back as an upcall. */
	struct vcpu_set_periodic_timer per = { .period_ns = MS / 2 };
	rc = vcpu_op(VCPUOP_set_periodic_timer, 0, &per);
	guest_check(rc == -EINVAL, "a period under 1 ms is -EINVAL (%ld)", rc);
	per.period_ns = 20 * MS;
	before = port_hits[tp];
	t0 = now();
	rc = vcpu_op(VCPUOP_set_periodic_timer, 0, &per);
	while (now() - t0 < 300 * MS)
		;
	unsigned int ticks = port_hits[tp] - before;
	long rc2 = vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
	/* At most one per period; fewer when the host is so busy that this
	 * vCPU does not run between ticks (a tick finding its port still
	 * pending adds nothing, as on Xen). */
	guest_check(rc == 0 && rc2 == 0 && ticks >= 3 && ticks <= 17,
		    "a 20 ms periodic timer ticks repeatedly, at most every 20 ms (%u in 300 ms)", ticks);
	before = port_hits[tp];
	t0 = now();
	while (now() - t0 < 60 * MS)
		;
	guest_check(port_hits[tp] == before && !port_pending(tp), "stopped, it ticks no more");
}

static void test_ipi_and_masks(unsigned int *ipi_port)
{
	long rc;
	struct evtchn_bind_ipi bi = { .vcpu = 0 };
	rc = evtchn_op(EVTCHNOP_bind_ipi, &bi);
	guest_check(rc == 0 && bi.port > 0, "bind_ipi: %ld, port %u", rc, bi.port);
	unsigned int pi = bi.port;
	*ipi_port = pi;
	struct evtchn_status st = status_of(pi, &rc);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_ipi && st.vcpu == 0, "status of an IPI port (%ld, %u)", rc,
		    st.status);

	vi->evtchn_upcall_mask = 0;
	struct evtchn_send s = { .port = pi };
	unsigned int before = port_hits[pi];
	rc = evtchn_op(EVTCHNOP_send, &s);
	guest_check(rc == 0 && port_hits[pi] == before + 1 && last_port == pi,
		    "an IPI to itself is an upcall on the way back from send (%ld)", rc);

	/* A masked port: pending, no upcall; unmask delivers it. */
	set_mask(pi, true);
	before = upcalls;
	rc = evtchn_op(EVTCHNOP_send, &s);
	guest_check(rc == 0 && upcalls == before && port_pending(pi) && !vi->evtchn_upcall_pending,
		    "a masked port becomes pending without an upcall");
	before = port_hits[pi];
	struct evtchn_unmask um = { .port = pi };
	rc = evtchn_op(EVTCHNOP_unmask, &um);
	guest_check(rc == 0 && port_hits[pi] == before + 1 && !port_pending(pi),
		    "EVTCHNOP_unmask of a pending port delivers it (%ld)", rc);

	/* The upcall mask: pending waits; clearing it and any hypercall (as
	 * Linux's xen_force_evtchn_callback, xen_version(0)) delivers. */
	vi->evtchn_upcall_mask = 1;
	before = port_hits[pi];
	rc = evtchn_op(EVTCHNOP_send, &s);
	guest_check(rc == 0 && port_hits[pi] == before && vi->evtchn_upcall_pending,
		    "with the upcall mask set an event only sets evtchn_upcall_pending");
	vi->evtchn_upcall_mask = 0;
	HYPERVISOR_xen_version(0, 0);
	guest_check(port_hits[pi] == before + 1, "unmasking and xen_version(0) delivers it");

	/* Poll: a pending port returns at once, masked or not. */
	set_mask(pi, true);
	evtchn_op(EVTCHNOP_send, &s);
	evtchn_port_t pp = pi;
	uint64_t t0 = now();
	rc = poll(&pp, 1, t0 + 10000 * MS);
	uint64_t took = now() - t0;
	guest_check(rc == 0 && took < 2000 * MS, "poll of a pending (masked) port returns at once (%ld, %llu ns)", rc,
		    (unsigned long long)took);
	__atomic_fetch_and(&shinfo->evtchn_pending[pi / BITS_PER_WORD], ~(1ul << (pi % BITS_PER_WORD)),
			   __ATOMIC_SEQ_CST);
	set_mask(pi, false);
}

static void test_interdomain_loopback(void)
{
	long rc;
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
	guest_check(rc == 0 && au.port > 0, "alloc_unbound: %ld, port %u", rc, au.port);
	unsigned int pu = au.port;
	struct evtchn_status st = status_of(pu, &rc);
	domid_t self = st.u.unbound.dom;
	guest_check(rc == 0 && st.status == EVTCHNSTAT_unbound && self > 0 && self < 0x7ff0,
		    "status of an unbound port names who may bind: this domain (%ld, %u, dom %u)", rc, st.status,
		    self);
	struct evtchn_send s = { .port = pu };
	rc = evtchn_op(EVTCHNOP_send, &s);
	guest_check(rc == 0 && !port_pending(pu), "send on an unbound port is dropped silently (%ld)", rc);

	struct evtchn_bind_interdomain bi = { .remote_dom = DOMID_SELF, .remote_port = pu };
	unsigned int before = upcalls;
	rc = evtchn_op(EVTCHNOP_bind_interdomain, &bi);
	unsigned int pl = bi.local_port;
	guest_check(rc == 0 && pl > 0 && pl != pu, "bind_interdomain to its own unbound port: %ld, port %u", rc, pl);
	guest_check(upcalls == before + 1 && port_hits[pl] == 1,
		    "binding marks the new port pending, as Xen does (%u)", port_hits[pl]);
	st = status_of(pl, &rc);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == self &&
			    st.u.interdomain.port == pu,
		    "status of an interdomain port names the peer (%u, %u)", st.u.interdomain.dom,
		    st.u.interdomain.port);
	st = status_of(pu, &rc);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.port == pl,
		    "and so does the other end");
	s.port = pl;
	before = port_hits[pu];
	rc = evtchn_op(EVTCHNOP_send, &s);
	guest_check(rc == 0 && port_hits[pu] == before + 1, "send on one end raises the other (%ld)", rc);

	struct evtchn_bind_vcpu bv = { .port = pl, .vcpu = 0 };
	rc = evtchn_op(EVTCHNOP_bind_vcpu, &bv);
	guest_check(rc == 0, "bind_vcpu of an interdomain port to vCPU 0: %ld", rc);

	struct evtchn_close c = { .port = pl };
	rc = evtchn_op(EVTCHNOP_close, &c);
	st = status_of(pu, &rc);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == self,
		    "closing one end leaves the other unbound (%u)", st.status);
	c.port = pu;
	rc = evtchn_op(EVTCHNOP_close, &c);
	st = status_of(pu, &rc);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_closed, "a closed port's status is closed (%u)", st.status);
	rc = evtchn_op(EVTCHNOP_close, &c);
	guest_check(rc == -EINVAL, "closing it again: -EINVAL (%ld)", rc);
	s.port = pu;
	rc = evtchn_op(EVTCHNOP_send, &s);
	guest_check(rc == -EINVAL, "sending on a closed port: -EINVAL (%ld)", rc);

	/* Poll of a valid but unbound port waits for the timeout. */
	evtchn_port_t pp = pu;
	uint64_t t0 = now();
	rc = poll(&pp, 1, t0 + 50 * MS);
	uint64_t took = now() - t0;
	guest_check(rc == 0 && not_before(took, 50), "poll of a closed port waits out its timeout (%ld, %llu ns)", rc,
		    (unsigned long long)took);
}

static void test_hostile(unsigned int tp, unsigned int pi)
{
	long rc;
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
	guest_check(rc == -EEXIST, "binding VIRQ_TIMER twice: -EEXIST (%ld)", rc);
	bv = (struct evtchn_bind_virq){ .virq = VIRQ_TIMER, .vcpu = 1 };
	rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
	guest_check(rc == -ENOENT, "VIRQ_TIMER of a vCPU that does not exist: -ENOENT (%ld)", rc);
	bv = (struct evtchn_bind_virq){ .virq = VIRQ_DEBUG, .vcpu = 0xffffffffu };
	rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
	guest_check(rc == -ENOENT, "vCPU 0xffffffff: -ENOENT (%ld)", rc);
	bv = (struct evtchn_bind_virq){ .virq = VIRQ_CONSOLE, .vcpu = 1 };
	rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
	guest_check(rc == -EINVAL, "a global VIRQ on vCPU 1: -EINVAL (%ld)", rc);
	bv = (struct evtchn_bind_virq){ .virq = VIRQ_DOM_EXC, .vcpu = 0 };
	rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
	guest_check(rc == -EBUSY, "a global VIRQ that belongs to the control domain: -EBUSY (%ld)", rc);
	bv = (struct evtchn_bind_virq){ .virq = NR_VIRQS, .vcpu = 0 };
	rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
	guest_check(rc == -EINVAL, "VIRQ %u: -EINVAL (%ld)", NR_VIRQS, rc);
	bv = (struct evtchn_bind_virq){ .virq = 0x80000000u, .vcpu = 0 };
	rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
	guest_check(rc == -EINVAL, "VIRQ 0x80000000: -EINVAL (%ld)", rc);
	struct evtchn_bind_ipi bi = { .vcpu = 7 };
	rc = evtchn_op(EVTCHNOP_bind_ipi, &bi);
	guest_check(rc == -ENOENT, "an IPI port for a vCPU that does not exist: -ENOENT (%ld)", rc);

	struct evtchn_close c = { .port = 0 };
	rc = evtchn_op(EVTCHNOP_close, &c);
	guest_check(rc == -EINVAL, "closing port 0: -EINVAL (%ld)", rc);
	struct evtchn_status st = status_of(0, &rc);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_closed, "port 0 is reserved and reads as closed (%ld)", rc);
	unsigned int bad[] = { (unsigned int)MAX_PORTS, (unsigned int)MAX_PORTS - 1, 100000, 0xffffffffu };
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct evtchn_send s = { .port = bad[i] };
		long r1 = evtchn_op(EVTCHNOP_send, &s);
		c.port = bad[i];
		long r2 = evtchn_op(EVTCHNOP_close, &c);
		struct evtchn_unmask um = { .port = bad[i] };
		long r3 = evtchn_op(EVTCHNOP_unmask, &um);
		status_of(bad[i], &rc);
		struct evtchn_bind_vcpu bvc = { .port = bad[i], .vcpu = 0 };
		long r4 = evtchn_op(EVTCHNOP_bind_vcpu, &bvc);
		guest_check(r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL && rc == -EINVAL && r4 == -EINVAL,
			    "port %u (not allocated): send, close, unmask, status, bind_vcpu -EINVAL (%ld %ld %ld %ld %ld)",
			    bad[i], r1, r2, r3, rc, r4);
		evtchn_port_t pp = bad[i];
		rc = poll(&pp, 1, now() + 1000 * MS);
		guest_check(rc == -EINVAL, "poll of port %u: -EINVAL (%ld)", bad[i], rc);
	}
	struct evtchn_bind_vcpu bvc = { .port = pi, .vcpu = 0 };
	rc = evtchn_op(EVTCHNOP_bind_vcpu, &bvc);
	guest_check(rc == -EINVAL, "bind_vcpu of an IPI port: -EINVAL (%ld)", rc);
	bvc = (struct evtchn_bind_vcpu){ .port = tp, .vcpu = 0 };
	rc = evtchn_op(EVTCHNOP_bind_vcpu, &bvc);
	guest_check(rc == -EINVAL, "bind_vcpu of a per-vCPU VIRQ: -EINVAL (%ld)", rc);
	bvc = (struct evtchn_bind_vcpu){ .port = tp, .vcpu = 3 };
	rc = evtchn_op(EVTCHNOP_bind_vcpu, &bvc);
	guest_check(rc == -ENOENT, "bind_vcpu to a vCPU that does not exist: -ENOENT (%ld)", rc);

	/* Other domains' ports. */
	struct evtchn_status ost = { .dom = 0, .port = 1 };
	rc = evtchn_op(EVTCHNOP_status, &ost);
	guest_check(rc == -EPERM, "status of the control domain's port: -EPERM (%ld)", rc);
	struct evtchn_alloc_unbound au = { .dom = 0, .remote_dom = DOMID_SELF };
	rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
	guest_check(rc == -EPERM, "alloc_unbound in another domain: -EPERM (%ld)", rc);
	struct evtchn_reset rs = { .dom = 0 };
	rc = evtchn_op(EVTCHNOP_reset, &rs);
	guest_check(rc == -EPERM, "reset of another domain: -EPERM (%ld)", rc);
	struct evtchn_bind_interdomain bid = { .remote_dom = 0x7000, .remote_port = 1 };
	rc = evtchn_op(EVTCHNOP_bind_interdomain, &bid);
	guest_check(rc == -ESRCH, "bind_interdomain to a domain that does not exist: -ESRCH (%ld)", rc);
	bid = (struct evtchn_bind_interdomain){ .remote_dom = 0, .remote_port = 1 };
	rc = evtchn_op(EVTCHNOP_bind_interdomain, &bid);
	guest_check(rc == -EINVAL, "bind_interdomain to a port not offered to it: -EINVAL (%ld)", rc);
	bid = (struct evtchn_bind_interdomain){ .remote_dom = DOMID_SELF, .remote_port = tp };
	rc = evtchn_op(EVTCHNOP_bind_interdomain, &bid);
	guest_check(rc == -EINVAL, "bind_interdomain to a VIRQ port: -EINVAL (%ld)", rc);
	bid = (struct evtchn_bind_interdomain){ .remote_dom = DOMID_SELF, .remote_port = 0 };
	rc = evtchn_op(EVTCHNOP_bind_interdomain, &bid);
	guest_check(rc == -EINVAL, "bind_interdomain to port 0: -EINVAL (%ld)", rc);

	/* Bad buffers, bad poll lists, the FIFO ABI. */
	rc = evtchn_op(EVTCHNOP_status, (void *)0x1000);
	guest_check(rc == -EFAULT, "an unmapped argument: -EFAULT (%ld)", rc);
	rc = poll((evtchn_port_t *)0x1000, 1, 0);
	guest_check(rc == -EFAULT, "poll with an unmapped port list: -EFAULT (%ld)", rc);
	static evtchn_port_t many[129];
	rc = poll(many, 129, 0);
	guest_check(rc == -EINVAL, "poll of 129 ports: -EINVAL (%ld)", rc);
	static struct evtchn_init_control ic;
	rc = evtchn_op(EVTCHNOP_init_control, &ic);
	long r2 = evtchn_op(EVTCHNOP_expand_array, &ic);
	long r3 = evtchn_op(EVTCHNOP_set_priority, &ic);
	guest_check(rc == -ENOSYS && r2 == -ENOSYS && r3 == -ENOSYS,
		    "the FIFO ABI is not offered: -ENOSYS (%ld %ld %ld)", rc, r2, r3);
	rc = evtchn_op(99, &ic);
	guest_check(rc == -ENOSYS, "an unknown op: -ENOSYS (%ld)", rc);

	/* The old interface, hypercall 16: struct evtchn_op. */
	static struct evtchn_op op;
	op.cmd = EVTCHNOP_status;
	op.u.status = (struct evtchn_status){ .dom = DOMID_SELF, .port = pi };
	rc = hypercall(__HYPERVISOR_event_channel_op_compat, (unsigned long)&op, 0, 0, 0, 0);
	guest_check(rc == 0 && op.u.status.status == EVTCHNSTAT_ipi, "event_channel_op_compat status (%ld, %u)", rc,
		    op.u.status.status);
}

/* The number after "KEY=" on the command line, or 0. */
static unsigned int cmdline_number(const char *cmdline, const char *key)
{
	const char *p = guest_strstr(cmdline, key);
	unsigned int n = 0;
	for (p = p ? p + guest_strlen(key) : ""; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (unsigned int)(*p - '0');
	return n;
}

/* Allocate ports until the limit: the domain's max_event_channels when
 * "maxport=N" on the command line says what it is, else the 2-level
 * ABI's 4096 (64-bit) or 1024 (32-bit) ports, port 0 reserved; then reset
 * closes them all. */
static void test_limits(start_info_t *si)
{
	unsigned int want = cmdline_number((const char *)si->cmd_line, "maxport=");
	if (!want || want > MAX_PORTS - 1)
		want = MAX_PORTS - 1;
	long rc = 0;
	unsigned int n = 0, last = 0;
	for (;;) {
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
		rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
		if (rc)
			break;
		n++;
		last = au.port;
		if (n > MAX_PORTS)
			break;
	}
	guest_check(rc == -ENOSPC && last == want,
		    "ports run out at the domain's limit (%u): -ENOSPC after port %u (%ld, %u allocated)", want, last, rc,
		    n);
	guest_printf("ports: -ENOSPC after port %u\n", last);
	struct evtchn_status st = status_of(last, &rc);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_unbound, "the last port %u works", last);
	struct evtchn_reset rs = { .dom = DOMID_SELF };
	rc = evtchn_op(EVTCHNOP_reset, &rs);
	guest_check(rc == 0, "EVTCHNOP_reset: %ld", rc);
	st = status_of(last, &rc);
	long rc1;
	struct evtchn_status s1 = status_of(1, &rc1);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_closed && rc1 == 0 && s1.status == EVTCHNSTAT_closed,
		    "after reset every port is closed");
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
	guest_check(rc == 0 && au.port == 1, "and port 1 is the first free one again (%u)", au.port);
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	rc = evtchn_op(EVTCHNOP_bind_virq, &bv);
	guest_check(rc == 0, "VIRQ_TIMER can be bound again after reset (%ld)", rc);
}

static long sched_watchdog(uint32_t id, uint32_t timeout)
{
	struct sched_watchdog w = { .id = id, .timeout = timeout };
	return HYPERVISOR_sched_op(SCHEDOP_watchdog, &w);
}

static long shutdown_code(unsigned int reason)
{
	struct sched_shutdown sc = { .reason = reason };
	return HYPERVISOR_sched_op(SCHEDOP_shutdown_code, &sc);
}

/* This domain's id: who may bind an unbound port it offers to itself. */
static domid_t own_domid(void)
{
	struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
	long rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
	struct evtchn_status st = status_of(au.port, &rc);
	struct evtchn_close c = { .port = au.port };
	evtchn_op(EVTCHNOP_close, &c);
	return st.u.unbound.dom;
}

/* remote_shutdown and pin_override are privileged: a domU gets Xen's
 * errors, in Xen's order of checks.  Watchdogs (Xen's domain_watchdog):
 * ids 1 and 2, created lowest first, re-armed, killed with timeout 0. */
static void test_sched_ops(unsigned int tp)
{
	long rc;
	domid_t self = own_domid();
	guest_check(self > 0 && self < 0x7ff0, "own domain id %u", self);

	struct sched_remote_shutdown rs = { .domain_id = 0x7000, .reason = SHUTDOWN_poweroff };
	rc = HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs);
	guest_check(rc == -ESRCH, "remote_shutdown of a domain that does not exist: -ESRCH (%ld)", rc);
	rs.domain_id = DOMID_SELF;
	rc = HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs);
	guest_check(rc == -ESRCH, "remote_shutdown of DOMID_SELF (no such domain): -ESRCH (%ld)", rc);
	rs.domain_id = self;
	rc = HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs);
	guest_check(rc == -EPERM, "remote_shutdown of itself by id: -EPERM (%ld)", rc);
	rs.domain_id = 0;
	rc = HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, &rs);
	guest_check(rc == -EPERM, "remote_shutdown of the control domain: -EPERM (%ld)", rc);
	rc = HYPERVISOR_sched_op(SCHEDOP_remote_shutdown, (void *)0x1000);
	guest_check(rc == -EFAULT, "remote_shutdown with an unmapped argument: -EFAULT (%ld)", rc);

	struct sched_pin_override po = { .pcpu = 0 };
	rc = HYPERVISOR_sched_op(SCHEDOP_pin_override, &po);
	long r2 = HYPERVISOR_sched_op(SCHEDOP_pin_override, (void *)0x1000);
	po.pcpu = -1;
	long r3 = HYPERVISOR_sched_op(SCHEDOP_pin_override, &po);
	guest_check(rc == -EPERM && r2 == -EPERM && r3 == -EPERM,
		    "pin_override is the hardware domain's: -EPERM, before its argument is read (%ld %ld %ld)", rc, r2,
		    r3);

	rc = HYPERVISOR_sched_op(SCHEDOP_shutdown_code, (void *)0x1000);
	guest_check(rc == -EFAULT, "shutdown_code with an unmapped argument: -EFAULT (%ld)", rc);

	/* Watchdog ids that are not in use, or past the two. */
	rc = HYPERVISOR_sched_op(SCHEDOP_watchdog, (void *)0x1000);
	guest_check(rc == -EFAULT, "watchdog with an unmapped argument: -EFAULT (%ld)", rc);
	rc = sched_watchdog(3, 10);
	r2 = sched_watchdog(0xffffffffu, 0);
	r3 = sched_watchdog(1, 10);
	long r4 = sched_watchdog(2, 0);
	guest_check(rc == -EINVAL && r2 == -EINVAL && r3 == -EINVAL && r4 == -EINVAL,
		    "watchdog ids 3 and 0xffffffff, and 1 and 2 before they exist: -EINVAL (%ld %ld %ld %ld)", rc, r2,
		    r3, r4);

	/* Two 3 s watchdogs: the first re-armed for 600 s, the second
	 * killed, both long before 3 s pass; a third is -ENOSPC. */
	long w1 = sched_watchdog(0, 3);
	long w2 = sched_watchdog(0, 3);
	rc = sched_watchdog(1, 600);
	r2 = sched_watchdog(2, 0);
	guest_check(w1 == 1 && w2 == 2 && rc == 0 && r2 == 0,
		    "two watchdogs are ids 1 and 2; re-arming one and killing the other: 0 (%ld %ld %ld %ld)", w1, w2,
		    rc, r2);
	rc = sched_watchdog(2, 0);
	r2 = sched_watchdog(2, 10);
	guest_check(rc == -EINVAL && r2 == -EINVAL, "a killed watchdog's id is -EINVAL again (%ld %ld)", rc, r2);
	w2 = sched_watchdog(0, 600);
	rc = sched_watchdog(0, 600);
	guest_check(w2 == 2 && rc == -ENOSPC, "the free id 2 is reused, then a third watchdog is -ENOSPC (%ld %ld)",
		    w2, rc);
	/* Wait past the first 3 s: neither the re-armed nor the killed
	 * watchdog may shut the domain down. */
	evtchn_port_t pp = tp;
	uint64_t t0 = now();
	while (now() - t0 < 4000 * MS)
		poll(&pp, 1, t0 + 4000 * MS);
	guest_printf("4 s after arming two 3 s watchdogs, re-arming one and killing the other: still running\n");
	rc = sched_watchdog(2, 0);
	guest_check(rc == 0, "killing watchdog 2: %ld", rc);
	/* Watchdog 1 (600 s) stays armed: the domain's destruction after
	 * its poweroff must kill it. */
}

/* ---- Hostile inputs, second part: port ranges, other domains' ports,
 * unbound ports, extreme timer deadlines ---------------------------------- */

/* Ports out of range: the first one beyond the allocated buckets (ports
 * come in buckets of 64, Xen's EVTCHNS_PER_BUCKET), the last one of the
 * last bucket, ports beyond this width's limit and the other width's. */
static void test_port_ranges(unsigned int pi)
{
	long rc;
	unsigned int edge = 0;
	for (unsigned int p = 64; p < MAX_PORTS && !edge; p += 64) {
		status_of(p, &rc);
		if (rc == -EINVAL)
			edge = p;
	}
	guest_check(edge != 0, "a port beyond the allocated buckets: %u", edge);
	if (!edge)
		return;

	/* The last port of the last bucket: valid, not in use. */
	unsigned int last = edge - 1;
	struct evtchn_status st = status_of(last, &rc);
	struct evtchn_send s = { .port = last };
	long r1 = evtchn_op(EVTCHNOP_send, &s);
	struct evtchn_close c = { .port = last };
	long r2 = evtchn_op(EVTCHNOP_close, &c);
	struct evtchn_bind_vcpu bvc = { .port = last, .vcpu = 0 };
	long r3 = evtchn_op(EVTCHNOP_bind_vcpu, &bvc);
	struct evtchn_unmask um = { .port = last };
	long r4 = evtchn_op(EVTCHNOP_unmask, &um);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_closed && r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL &&
			    r4 == 0,
		    "port %u, the last one allocated, free: status closed, send, close, bind_vcpu -EINVAL, unmask 0 "
		    "(%ld %u %ld %ld %ld %ld)",
		    last, rc, st.status, r1, r2, r3, r4);
	evtchn_port_t pp = last;
	uint64_t t0 = now();
	rc = poll(&pp, 1, t0 + 30 * MS);
	uint64_t took = now() - t0;
	guest_check(rc == 0 && not_before(took, 30), "poll of it waits out its timeout (%ld, %llu ns)", rc,
		    (unsigned long long)took);

	/* Beyond: every op -EINVAL, unmask and poll included. */
	unsigned int beyond[] = { edge,
#ifdef __i386__
				  1024, 2048, 4095 /* a 64-bit guest's last port */,
#else
				  4097, 8191, 1u << 20,
#endif
				  0x80000000u };
	for (unsigned int i = 0; i < sizeof(beyond) / sizeof(beyond[0]); i++) {
		unsigned int p = beyond[i];
		status_of(p, &rc);
		s.port = p;
		r1 = evtchn_op(EVTCHNOP_send, &s);
		c.port = p;
		r2 = evtchn_op(EVTCHNOP_close, &c);
		bvc = (struct evtchn_bind_vcpu){ .port = p, .vcpu = 0 };
		r3 = evtchn_op(EVTCHNOP_bind_vcpu, &bvc);
		um.port = p;
		r4 = evtchn_op(EVTCHNOP_unmask, &um);
		pp = p;
		long r5 = poll(&pp, 1, now() + 1000 * MS);
		guest_check(rc == -EINVAL && r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL && r4 == -EINVAL &&
				    r5 == -EINVAL,
			    "port %u: status, send, close, bind_vcpu, unmask, poll -EINVAL (%ld %ld %ld %ld %ld %ld)", p,
			    rc, r1, r2, r3, r4, r5);
	}

	/* A poll list is checked in order: a pending port before an invalid
	 * one returns, after it the list is -EINVAL. */
	set_mask(pi, true);
	s.port = pi;
	evtchn_op(EVTCHNOP_send, &s);
	evtchn_port_t two[2] = { pi, edge };
	r1 = poll(two, 2, now() + 1000 * MS);
	two[0] = edge;
	two[1] = pi;
	r2 = poll(two, 2, now() + 1000 * MS);
	guest_check(r1 == 0 && r2 == -EINVAL,
		    "poll of a pending port then an invalid one returns (%ld), the other way round -EINVAL (%ld)", r1,
		    r2);
	__atomic_fetch_and(&shinfo->evtchn_pending[pi / BITS_PER_WORD], ~(1ul << (pi % BITS_PER_WORD)),
			   __ATOMIC_SEQ_CST);
	set_mask(pi, false);
}

/* The domain id of another guest the system test started, paused
 * ("peer=ID"), or 0. */
static unsigned int peer_from(const char *cmdline)
{
	return cmdline_number(cmdline, "peer=");
}

static long alloc_unbound(domid_t dom, domid_t remote, unsigned int *port)
{
	struct evtchn_alloc_unbound au = { .dom = dom, .remote_dom = remote };
	long rc = evtchn_op(EVTCHNOP_alloc_unbound, &au);
	*port = au.port;
	return rc;
}

/* Ports of other domains, in Xen's order of checks: no such domain
 * -ESRCH, a port the domain does not have -EINVAL, then a domU's lack of
 * rights -EPERM; a port offered to another domain cannot be bound. */
static void test_other_domains(start_info_t *si)
{
	long rc;
	unsigned int pu, po;
	rc = alloc_unbound(DOMID_SELF, DOMID_SELF, &pu);
	struct evtchn_status st = status_of(pu, &rc);
	domid_t self = st.u.unbound.dom;
	st = (struct evtchn_status){ .dom = self, .port = pu };
	rc = evtchn_op(EVTCHNOP_status, &st);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_unbound, "status naming its own id (%u) as dom: %ld", self,
		    rc);
	struct evtchn_close c = { .port = pu };
	evtchn_op(EVTCHNOP_close, &c);

	const domid_t none = 0x7000;
	st = (struct evtchn_status){ .dom = none, .port = 1 };
	long r1 = evtchn_op(EVTCHNOP_status, &st);
	long r2 = alloc_unbound(none, DOMID_SELF, &po);
	struct evtchn_reset rs = { .dom = none };
	long r3 = evtchn_op(EVTCHNOP_reset, &rs);
	guest_check(r1 == -ESRCH && r2 == -ESRCH && r3 == -ESRCH,
		    "status, alloc_unbound, reset in a domain that does not exist: -ESRCH (%ld %ld %ld)", r1, r2, r3);
	st = (struct evtchn_status){ .dom = 0, .port = MAX_PORTS - 1 };
	rc = evtchn_op(EVTCHNOP_status, &st);
	guest_check(rc == -EINVAL, "status of a port the control domain does not have: -EINVAL, before -EPERM (%ld)",
		    rc);

	/* One of ours, offered to the control domain: not ours to bind. */
	rc = alloc_unbound(DOMID_SELF, 0, &po);
	struct evtchn_bind_interdomain bid = { .remote_dom = DOMID_SELF, .remote_port = po };
	r1 = evtchn_op(EVTCHNOP_bind_interdomain, &bid);
	st = status_of(po, &r2);
	guest_check(rc == 0 && r1 == -EINVAL && r2 == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == 0,
		    "a port of its own offered to domain 0 cannot be bound by itself: -EINVAL (%ld %ld), still "
		    "unbound",
		    rc, r1);
	c.port = po;
	evtchn_op(EVTCHNOP_close, &c);

	unsigned int peer = peer_from((const char *)si->cmd_line);
	if (!peer) {
		guest_puts("no peer= on the command line: another guest's ports not tried\n");
		return;
	}
	st = (struct evtchn_status){ .dom = (domid_t)peer, .port = 1 };
	r1 = evtchn_op(EVTCHNOP_status, &st);
	st = (struct evtchn_status){ .dom = (domid_t)peer, .port = 64 };
	r2 = evtchn_op(EVTCHNOP_status, &st);
	guest_check(r1 == -EPERM && r2 == -EINVAL,
		    "status of guest %u's port 1: -EPERM; of its port 64, beyond its buckets: -EINVAL (%ld %ld)", peer,
		    r1, r2);
	r1 = alloc_unbound((domid_t)peer, DOMID_SELF, &po);
	rs.dom = (domid_t)peer;
	r2 = evtchn_op(EVTCHNOP_reset, &rs);
	guest_check(r1 == -EPERM && r2 == -EPERM, "alloc_unbound and reset in guest %u: -EPERM (%ld %ld)", peer, r1,
		    r2);
	unsigned int rports[] = { 1, 63, 64, 0 };
	for (unsigned int i = 0; i < sizeof(rports) / sizeof(rports[0]); i++) {
		bid = (struct evtchn_bind_interdomain){ .remote_dom = (domid_t)peer, .remote_port = rports[i] };
		rc = evtchn_op(EVTCHNOP_bind_interdomain, &bid);
		guest_check(rc == -EINVAL, "bind_interdomain to guest %u's port %u, which it did not offer: -EINVAL (%ld)",
			    peer, rports[i], rc);
	}
	rc = alloc_unbound(DOMID_SELF, (domid_t)peer, &po);
	bid = (struct evtchn_bind_interdomain){ .remote_dom = DOMID_SELF, .remote_port = po };
	r1 = evtchn_op(EVTCHNOP_bind_interdomain, &bid);
	st = status_of(po, &r2);
	guest_check(rc == 0 && r1 == -EINVAL && st.u.unbound.dom == peer,
		    "a port of its own offered to guest %u cannot be bound by itself: -EINVAL (%ld %ld)", peer, rc, r1);
	c.port = po;
	evtchn_op(EVTCHNOP_close, &c);
}

/* Poll of ports that nothing can make pending waits out its timeout. */
static void test_poll_unbound(void)
{
	unsigned int pu;
	long rc = alloc_unbound(DOMID_SELF, DOMID_SELF, &pu);
	struct evtchn_send s = { .port = pu };
	long rs = evtchn_op(EVTCHNOP_send, &s);
	evtchn_port_t pp = pu;
	uint64_t t0 = now();
	long rp = poll(&pp, 1, t0 + 40 * MS);
	uint64_t took = now() - t0;
	guest_check(rc == 0 && rs == 0 && rp == 0 && not_before(took, 40) && !port_pending(pu),
		    "poll of an unbound port someone sent on waits out its timeout (%ld %ld %ld, %llu ns)", rc, rs, rp,
		    (unsigned long long)took);
	t0 = now();
	rp = poll(NULL, 0, t0 + 30 * MS);
	took = now() - t0;
	guest_check(rp == 0 && not_before(took, 30), "poll of no port waits out its timeout (%ld, %llu ns)", rp,
		    (unsigned long long)took);
	t0 = now();
	rp = poll(&pp, 1, 1);
	took = now() - t0;
	guest_check(rp == 0 && took < 1000 * MS, "poll with a timeout already past returns at once (%ld, %llu ns)", rp,
		    (unsigned long long)took);
	struct evtchn_close c = { .port = pu };
	evtchn_op(EVTCHNOP_close, &c);
}

/* Wait (polling the timer port) until VIRQ_TIMER has come since `before`
 * or max_ms passed; how long it took. */
static uint64_t wait_timer(unsigned int tp, unsigned int before, uint64_t max_ms)
{
	evtchn_port_t pp = tp;
	uint64_t t0 = now();
	while (port_hits[tp] == before && now() - t0 < max_ms * MS)
		poll(&pp, 1, now() + 20 * MS);
	return now() - t0;
}

/* Deadlines in the past and far in the future, as Xen's set_timer_op,
 * VCPUOP_set_singleshot_timer and SCHEDOP_poll take them: s_time_t, so a
 * deadline with bit 63 set is long past. */
static void test_timer_extremes(unsigned int tp)
{
	const uint64_t max_pos = 0x7fffffffffffffffull, all = ~0ull;
	unsigned int before = port_hits[tp];
	long rc = set_timer_op(1);
	uint64_t took = wait_timer(tp, before, 2000);
	guest_check(rc == 0 && port_hits[tp] == before + 1 && took < 2000 * MS,
		    "set_timer_op in the past fires at once (%ld, %llu ns)", rc, (unsigned long long)took);

	before = port_hits[tp];
	rc = set_timer_op(now() + (1ull << 49));
	took = wait_timer(tp, before, 100);
	guest_check(rc == 0 && port_hits[tp] == before,
		    "set_timer_op 2^49 ns (6.5 days) ahead is taken as it is: no event (%ld)", rc);
	set_timer_op(0);
	uint64_t huge[] = { 0 /* now + 2^50 + 1 s, below */, max_pos, all };
	for (unsigned int i = 0; i < sizeof(huge) / sizeof(huge[0]); i++) {
		uint64_t t = huge[i] ? huge[i] : now() + (1ull << 50) + 1000 * MS;
		before = port_hits[tp];
		rc = set_timer_op(t);
		took = wait_timer(tp, before, 3000);
		guest_check(rc == 0 && port_hits[tp] == before + 1 && not_before(took, 95) && took < 3000 * MS,
			    "set_timer_op(0x%llx), beyond 2^50 ns ahead or negative, gives an event in 100 ms (%llu ns)",
			    (unsigned long long)t, (unsigned long long)took);
	}

	struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = max_pos, .flags = 0 };
	before = port_hits[tp];
	rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss);
	ss.flags = VCPU_SSHOTTMR_future;
	long r2 = vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss);
	wait_timer(tp, before, 80);
	guest_check(rc == 0 && r2 == 0 && port_hits[tp] == before,
		    "a singleshot timer at 2^63-1 ns, with VCPU_SSHOTTMR_future or not, does not fire (%ld %ld)", rc,
		    r2);
	vcpu_op(VCPUOP_stop_singleshot_timer, 0, 0);
	uint64_t past[] = { all, 1ull << 63 };
	for (unsigned int i = 0; i < 2; i++) {
		ss = (struct vcpu_set_singleshot_timer){ .timeout_abs_ns = past[i], .flags = VCPU_SSHOTTMR_future };
		before = port_hits[tp];
		rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss);
		took = wait_timer(tp, before, 2000);
		guest_check(rc == 0 && port_hits[tp] == before + 1 && took < 2000 * MS,
			    "a singleshot timer at 0x%llx (negative as Xen's s_time_t; VCPU_SSHOTTMR_future compares "
			    "unsigned, so no -ETIME) fires at once (%ld, %llu ns)",
			    (unsigned long long)past[i], rc, (unsigned long long)took);
	}

	evtchn_port_t pp = tp;
	for (unsigned int i = 0; i < 2; i++) {
		uint64_t t0 = now();
		rc = poll(&pp, 1, past[i]);
		took = now() - t0;
		guest_check(rc == 0 && took < 1000 * MS, "poll with the timeout 0x%llx returns at once (%ld, %llu ns)",
			    (unsigned long long)past[i], rc, (unsigned long long)took);
	}
}

/* "storm": two seconds of hypercalls in a row, each result checked, under
 * a 1 ms periodic timer.  Every timer event interrupts the vCPU wherever it
 * is; on KVM that is sometimes between a hypercall's syscall and the
 * trampoline that reports it (docs/backend-kvm.md, "Kicks"). */
static void hypercall_storm(unsigned int tp)
{
	unsigned int before = port_hits[tp];
	long version = HYPERVISOR_xen_version(XENVER_version, 0);
	struct vcpu_set_periodic_timer period = { .period_ns = MS };
	long rc = vcpu_op(VCPUOP_set_periodic_timer, 0, &period);
	guest_check(rc == 0, "set_periodic_timer(1 ms): %ld", rc);
	vi->evtchn_upcall_mask = 0;
	unsigned long calls = 0, wrong = 0;
	uint64_t end = now() + 2000 * MS;
	while (now() < end) {
		for (unsigned int i = 0; i < 50; i++, calls += 2) {
			wrong += HYPERVISOR_xen_version(XENVER_version, 0) != version;
			wrong += vcpu_op(VCPUOP_is_up, 0, 0) != 1;
		}
	}
	vi->evtchn_upcall_mask = 1;
	rc = vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
	guest_check(rc == 0, "stop_periodic_timer: %ld", rc);
	unsigned int ticks = port_hits[tp] - before;
	guest_printf("storm: %lu hypercalls, %u timer events\n", calls, ticks);
	guest_check(wrong == 0, "every hypercall under the timer storm returned its value (%lu of %lu did not)",
		    wrong, calls);
	guest_check(ticks >= 20, "the periodic timer interrupted the hypercalls (%u events in 2 s)", ticks);
}

#ifdef __x86_64__
/*
 * "userstorm": two seconds in user mode on a user L4 of its own (as Linux
 * gives each process) under a 1 ms periodic timer.  Each timer event
 * interrupts user code, enters the event callback on the kernel's tables
 * and returns to user mode with the iret hypercall, back on the user L4:
 * on KVM every one of those switches makes the vCPU run the TLB flush
 * routine on the table it switches to, the pattern after which Debian's
 * kernel once died (docs/linux-pv.md).  Each round of the user code also
 * makes a system call that comes straight back, as a busy process does;
 * it checks its own arithmetic and ends with one that finishes the test.
 */
static uint64_t user_l4[512] __attribute__((aligned(4096)));
static uint8_t user_stack[8192] __attribute__((aligned(16)));
static uint8_t kernel_trap_stack[8192] __attribute__((aligned(16)));
static volatile unsigned long user_rounds, user_wrong;
volatile unsigned long user_syscalls; /* counted by the syscall callback */
static volatile unsigned int userstorm_port, userstorm_before;
static volatile uint64_t user_end;

static void user_main(void) __attribute__((noreturn, used));
static void user_main(void)
{
	while (now() < user_end) {
		uint64_t a = 0, b = 0;
		for (uint64_t i = 0; i < 1000; i++) {
			a += i;
			b += 2 * i;
			__asm__ volatile("" : "+r"(a), "+r"(b));
		}
		user_wrong += b != 2 * a;
		user_rounds++;
		/* A system call that comes straight back: to the kernel's
		 * tables and back to the user L4 once more. */
		unsigned long nr = 1;
		__asm__ volatile("syscall" : "+a"(nr) : : "rcx", "r11", "memory");
		user_wrong += nr != 1;
	}
	__asm__ volatile("syscall" : : "a"(60ul) : "rcx", "r11", "memory");
	__builtin_unreachable();
}
/* The syscall callback (Xen's frame: rcx, r11, rip, cs, rflags, rsp, ss):
 * rax 60 ends the storm, anything else is counted and returns with the
 * iret hypercall. */
__asm__(".text\nuser_entry:\nand $-16, %rsp\ncall user_main\nud2\n"
	"userstorm_syscall:\ncmp $60, %rax\nje 1f\nlock incq user_syscalls(%rip)\n"
	"pop %rcx\npop %r11\npush $0\npush %rcx\npush %r11\npush %rax\nmov $23, %eax\nsyscall\n"
	"1: and $-16, %rsp\ncall userstorm_done\nud2\n");
void user_entry(void), userstorm_syscall(void);

void userstorm_done(void) __attribute__((noreturn));
void userstorm_done(void)
{
	vi->evtchn_upcall_mask = 1;
	long rc = vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
	guest_check(rc == 0, "stop_periodic_timer: %ld", rc);
	unsigned int ticks = port_hits[userstorm_port] - userstorm_before;
	guest_printf("userstorm: %lu rounds in user mode, %lu system calls, %u timer events\n", user_rounds,
		     user_syscalls, ticks);
	guest_check(user_wrong == 0, "user code computed right across every event (%lu of %lu rounds did not)",
		    user_wrong, user_rounds);
	guest_check(user_syscalls == user_rounds && user_rounds >= 100,
		    "each round's system call came back (%lu of %lu rounds)", user_syscalls, user_rounds);
	/* Nested under QEMU a kick takes ~100 ms to reach user code: a few
	 * events from user mode are what can be asked everywhere. */
	guest_check(upcalls_from_user >= 5, "the periodic timer interrupted user mode (%u events in 2 s, %u from user mode)",
		    ticks, upcalls_from_user);
	guest_finish(guest_failed() ? GUEST_FAIL : GUEST_PASS);
}

static long mmuext1(unsigned int cmd, unsigned long mfn)
{
	struct mmuext_op op = { .cmd = cmd };
	op.arg1.mfn = mfn;
	return hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
}

static void user_storm(start_info_t *si, unsigned int tp)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	unsigned long mfn = p2m[((unsigned long)user_l4 - GUEST_VIRT_BASE) >> 12];
	const uint64_t *kernel_l4 = (const uint64_t *)si->pt_base;
	for (unsigned int i = 0; i < 512; i++)
		user_l4[i] = kernel_l4[i];
	long rc = hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)user_l4, (uint64_t)mfn << 12 | 0x5,
			    UVMF_INVLPG, 0, 0);
	guest_check(rc == 0, "the user L4 mapped read-only: %ld", rc);
	rc = mmuext1(MMUEXT_PIN_L4_TABLE, mfn);
	guest_check(rc == 0, "the user L4 pinned: %ld", rc);
	rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, mfn);
	guest_check(rc == 0, "the user L4 as user base pointer: %ld", rc);
	rc = hypercall(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
		       (unsigned long)kernel_trap_stack + sizeof(kernel_trap_stack), 0, 0, 0);
	guest_check(rc == 0, "stack_switch: %ld", rc);
	struct callback_register cb = { .type = CALLBACKTYPE_syscall, .address = (unsigned long)userstorm_syscall };
	rc = hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
	guest_check(rc == 0, "registering the syscall callback: %ld", rc);
	if (guest_failed())
		guest_finish(GUEST_FAIL);
	struct vcpu_set_periodic_timer period = { .period_ns = MS };
	rc = vcpu_op(VCPUOP_set_periodic_timer, 0, &period);
	guest_check(rc == 0, "set_periodic_timer(1 ms): %ld", rc);
	userstorm_port = tp;
	userstorm_before = port_hits[tp];
	user_end = now() + 2000 * MS;
	static struct iret_context ic;
	ic = (struct iret_context){ .rip = (uint64_t)user_entry, .cs = FLAT_USER_CS, .rflags = 0x202,
				    .rsp = (uint64_t)user_stack + sizeof(user_stack), .ss = FLAT_USER_SS };
	guest_puts("entering user mode for the storm\n");
	vi->evtchn_upcall_mask = 0;
	__asm__ volatile("mov %0, %%rsp\nmov $23, %%eax\nsyscall\n" : : "r"(&ic) : "memory");
	__builtin_unreachable();
}
#endif

static void block_forever(unsigned int tp)
{
	(void)tp;
	guest_puts("blocking with no timer\n");
	for (;;)
		block();
}

int guest_main(start_info_t *si)
{
	shinfo = guest_map_shared_info(si);
	if (!shinfo)
		return GUEST_FAIL;
	vi = &shinfo->vcpu_info[0];
#ifdef __i386__
	long rc = hypercall(__HYPERVISOR_set_callbacks, FLAT_KERNEL_CS, (unsigned long)event_entry, FLAT_KERNEL_CS,
		       (unsigned long)event_entry, 0);
	guest_check(rc == 0, "set_callbacks: %ld", rc);
#else
	struct callback_register cb = { .type = CALLBACKTYPE_event, .address = (unsigned long)event_entry };
	long rc = hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
	guest_check(rc == 0, "registering the event callback: %ld", rc);
#endif
	if (guest_failed())
		return GUEST_FAIL;

	test_time();
	/* Linux stops the 100 Hz default tick first, and so do we. */
	rc = vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
	guest_check(rc == 0, "stop_periodic_timer: %ld", rc);
	unsigned int tp = bind_timer();
	struct evtchn_status st = status_of(tp, &rc);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER && st.vcpu == 0,
		    "status of the VIRQ_TIMER port (%ld, %u, virq %u)", rc, st.status, st.u.virq);

	const char *cmdline = (const char *)si->cmd_line;
	if (guest_strstr(cmdline, "block"))
		block_forever(tp);
	if (guest_strstr(cmdline, "userstorm")) {
#ifdef __x86_64__
		user_storm(si, tp);
#endif
		return GUEST_SKIP; /* 32-bit user mode shares the kernel's tables */
	}
	if (guest_strstr(cmdline, "storm")) {
		hypercall_storm(tp);
		return guest_failed() ? GUEST_FAIL : GUEST_PASS;
	}
	if (guest_strstr(cmdline, "watchdog-expire")) {
		rc = sched_watchdog(0, 8);
		guest_check(rc == 1, "an 8 s watchdog: id %ld", rc);
		guest_puts("watchdog armed\n");
		block_forever(tp);
	}
	if (guest_strstr(cmdline, "watchdog-destroy")) {
		rc = sched_watchdog(0, 6);
		long r2 = sched_watchdog(0, 7);
		guest_check(rc == 1 && r2 == 2, "two watchdogs: ids %ld and %ld", rc, r2);
		guest_puts("watchdogs armed\n");
		block_forever(tp);
	}
	if (guest_strstr(cmdline, "shutdown-code-crash")) {
		rc = shutdown_code(SHUTDOWN_reboot);
		guest_check(rc == 0, "shutdown_code(reboot): %ld", rc);
		guest_puts("crashing with shutdown code reboot\n");
		*(volatile unsigned long *)0x1000 = 1; /* no trap table: the domain crashes */
		return GUEST_FAIL;
	}
	if (guest_strstr(cmdline, "shutdown-code")) {
		rc = shutdown_code(SHUTDOWN_watchdog);
		long r2 = shutdown_code(SHUTDOWN_crash);
		guest_check(rc == 0 && r2 == 0, "shutdown_code(watchdog), then shutdown_code(crash): 0 (%ld %ld)", rc, r2);
		guest_puts("shutdown code latched; powering off\n");
		return guest_failed() ? GUEST_FAIL : GUEST_PASS;
	}

	test_timers(tp);
	unsigned int pi = 0;
	test_ipi_and_masks(&pi);
	test_interdomain_loopback();
	test_hostile(tp, pi);
	/* Hostile inputs, second part. */
	test_port_ranges(pi);
	test_other_domains(si);
	test_poll_unbound();
	test_timer_extremes(tp);
	test_limits(si);
	test_sched_ops(tp);
	guest_printf("%u upcalls\n", upcalls);
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
