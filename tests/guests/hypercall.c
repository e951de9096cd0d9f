/*
 * hypercall: the guest side of bench/hypercall.  Times with rdtsc the
 * operations in the table below, in `runs` rounds (the command line
 * "iterations=N runs=R" sets both, so the benchmark's host-side baseline
 * can use the same numbers), and prints each operation's median over the
 * rounds in TSC cycles per operation and as a ratio to the first entry,
 * the guest's own bare exit:
 *
 *   hypercall: op KEY CYCLES RATIO-TO-ENOSYS | DESCRIPTION
 *
 * Two kinds of operation.  The hypercall-like ones run N times in a row
 * and a round's value is the mean.  The event and timer ones are
 * latencies, each sample timed on its own (N / 20 IPI round trips, N / 100
 * timers per round), and a round's value is the median sample:
 *
 * - event send to the other vCPU and the IPI round trip (this guest needs
 *   "vcpus": 2): vCPU 1, brought up as Linux does (VCPUOP_initialise,
 *   VCPUOP_up), answers each IPI on its port from its event upcall with an
 *   IPI back; vCPU 0 times its EVTCHNOP_send (the sender's cost) and the
 *   round trip to the entry of its own upcall for the answer.  Two
 *   variants: vCPU 1 asleep in SCHEDOP_block (as Linux's idle vCPUs wait;
 *   vCPU 0 sends only once vCPU 1's runstate copy shows it blocked), and
 *   vCPU 1 spinning in the guest with events enabled (the send kicks it).
 *   vCPU 0 spins for the answer either way;
 * - timer interrupt lateness: vCPU 0 arms its singleshot timer
 *   (VCPUOP_set_singleshot_timer) for now + 500 us and takes the system
 *   time (vcpu_time_info and the TSC) at the entry of the VIRQ_TIMER
 *   upcall; lateness is that minus the deadline, in ns, printed as cycles
 *   (and as ns on a "hypercall: info" line).  Variants: vCPU 0 asleep in
 *   SCHEDOP_block, or spinning with events enabled.
 *
 * A latency measurement takes at most ROUND_BUDGET_MS of a round (at
 * least MIN_SAMPLES samples); "hypercall: info" lines give the counts.
 *
 * Each operation checks its result: an IPI that is not answered or a
 * timer that does not fire within 5 s ("timeout_ms=N"; vCPU 1 watches a
 * blocked vCPU 0 and wakes it), or a timer that fires early, prints FAIL
 * and ends the guest with RESULT: FAIL instead of numbers.  "fault=ipi"
 * and "fault=timer" lose an event on purpose, for tests/system/events.sh.
 */
#include "guest.h"
#include "public/callback.h"
#include "public/event_channel.h"
#include "public/vcpu.h"

const char guest_name[] = "hypercall";

#define DEFAULT_ITERATIONS 20000
#define DEFAULT_RUNS 5
#define MAX_RUNS 64
#define KERNEL_BASE 0xffffffff80000000ul
#define UNIMPLEMENTED_HYPERCALL 47 /* a number nothing implements: the core returns -ENOSYS */

#define US 1000ull
#define MS 1000000ull
#define IPI_DIVISOR 20     /* IPI round trips per round: iterations / 20 */
#define TIMER_DIVISOR 100  /* timers per round: iterations / 100 */
#define MIN_SAMPLES 3
#define MAX_SAMPLES 4096   /* per round */
#define TIMER_DELAY_NS (500 * US)
#define WAIT_TIMEOUT_MS 5000 /* an answer or timer later than this is lost ("timeout_ms=") */
#define SETTLE_NS (5 * US)   /* after vCPU 1 shows blocked, before the send */
/* A latency measurement stops after this much of a round (but not before
 * MIN_SAMPLES): spinning vCPUs on a busy host can take a host time slice
 * per sample. */
#define ROUND_BUDGET_MS 1000

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The L1 entry mapping the kernel's first page and its machine address:
 * mmu_update and update_va_mapping rewrite it unchanged (the core's fast
 * path: same frame, same rights), so the loops change nothing. */
static uint64_t kernel_pte, kernel_pte_machine_address;

/* #UD's handler, from the trap table: step over the 2-byte ud2 and return
 * with the iret hypercall.  On entry the stack holds Xen's bounce frame
 * (rcx, r11, rip, cs, rflags, rsp, ss); iret takes struct iret_context
 * (rax, r11, rcx, flags, rip, ...), flags 0 restoring rcx and r11 from it,
 * so the interrupted code sees every register as it left it. */
__asm__(".text\n"
	"ud_step_over:\n"
	"pop %rcx\npop %r11\n"
	"addq $2, (%rsp)\n"
	"push $0\npush %rcx\npush %r11\npush %rax\n"
	"mov $23, %eax\nsyscall\n");
void ud_step_over(void);

static uint64_t bare_exit_loop(unsigned long n)
{
	uint64_t t = rdtsc();
	for (unsigned long i = 0; i < n; i++)
		hypercall(UNIMPLEMENTED_HYPERCALL, 0, 0, 0, 0, 0);
	return rdtsc() - t;
}

static uint64_t null_hypercall_loop(unsigned long n)
{
	uint64_t t = rdtsc();
	for (unsigned long i = 0; i < n; i++)
		HYPERVISOR_xen_version(XENVER_version, 0);
	return rdtsc() - t;
}

static uint64_t exception_bounce_loop(unsigned long n)
{
	uint64_t t = rdtsc();
	for (unsigned long i = 0; i < n; i++)
		__asm__ volatile("ud2" : : : "memory");
	return rdtsc() - t;
}

static uint64_t mmu_update_loop(unsigned long n)
{
	struct mmu_update u = { .ptr = kernel_pte_machine_address | MMU_NORMAL_PT_UPDATE, .val = kernel_pte };
	uint64_t t = rdtsc();
	for (unsigned long i = 0; i < n; i++)
		hypercall(__HYPERVISOR_mmu_update, (unsigned long)&u, 1, 0, DOMID_SELF, 0);
	return rdtsc() - t;
}

static uint64_t update_va_mapping_loop(unsigned long n)
{
	uint64_t t = rdtsc();
	for (unsigned long i = 0; i < n; i++)
		hypercall(__HYPERVISOR_update_va_mapping, KERNEL_BASE, kernel_pte, 0, 0, 0);
	return rdtsc() - t;
}

static uint64_t cpuid_loop(unsigned long n)
{
	uint64_t t = rdtsc();
	for (unsigned long i = 0; i < n; i++) {
		uint32_t a = 0, b, c = 0, d;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	}
	return rdtsc() - t;
}

/* ---- events: two vCPUs, IPIs and the timer ------------------------------ */

static struct shared_info *shinfo;
static struct vcpu_info *vinfo[2];
static evtchn_port_t ipi_port[2]; /* the IPI port that notifies vCPU i */
static evtchn_port_t timer_port;  /* vCPU 0's VIRQ_TIMER */
/* The ports (all in word 0) each vCPU's upcall handles: both scan the
 * shared pending words, so each takes only its own, as Linux's per-CPU
 * masks do. */
static unsigned long ports_of[2];
static uint64_t cycles_per_ms, wait_limit;
static unsigned long wait_timeout_ms = WAIT_TIMEOUT_MS;
/* "fault=ipi": vCPU 1 stops answering after its fourth IPI; "fault=timer":
 * the first blocked timer is armed 1000 s late.  For the test that a
 * lost event ends the guest with FAIL rather than a hang. */
enum { FAULT_NONE, FAULT_IPI, FAULT_TIMER };
static unsigned int fault;

/* What vCPU 0's upcall saw. */
static volatile unsigned int answers, timer_hits;
static volatile uint64_t answer_tsc, timer_hit_ns;
/* vCPU 1: how it waits for IPIs, what it has seen and done. */
enum { MODE_BLOCK = 1, MODE_SPIN, MODE_WATCHDOG };
static volatile unsigned int v1_mode = MODE_BLOCK, v1_mode_seen, v1_failed, v1_handled, v1_spin_ack, rescues;
/* System time since which vCPU 0 sleeps for its timer (0: it does not):
 * vCPU 1 wakes it after wait_timeout_ms. */
static volatile uint64_t v0_waiting_since;
/* Both vCPUs' runstate copies, registered by virtual address (as Linux
 * does for its steal clock). */
static volatile struct vcpu_runstate_info runstate[2] __attribute__((aligned(64)));
static uint8_t stack1[16384] __attribute__((aligned(16)));
static struct vcpu_guest_context ctxt1;

static long evtchn_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_event_channel_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static long vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
	return hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, (unsigned long)arg, 0, 0);
}

static long send(evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };
	return evtchn_op(EVTCHNOP_send, &s);
}

static void mask_events(unsigned int cpu)
{
	__atomic_store_n(&vinfo[cpu]->evtchn_upcall_mask, 1, __ATOMIC_SEQ_CST);
}

/* Enable upcalls; one already pending comes with a hypercall, as Linux's
 * xen_force_evtchn_callback. */
static void unmask_events(unsigned int cpu)
{
	__atomic_store_n(&vinfo[cpu]->evtchn_upcall_mask, 0, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&vinfo[cpu]->evtchn_upcall_pending, __ATOMIC_SEQ_CST))
		HYPERVISOR_xen_version(0, 0);
}

/* (delta * mul) >> 32 */
static uint64_t mul_frac(uint64_t delta, uint32_t mul)
{
	uint64_t lo = (uint64_t)(uint32_t)delta * mul;
	uint64_t hi = (uint64_t)(uint32_t)(delta >> 32) * mul;
	return hi + (lo >> 32);
}

/* A consistent copy of a vCPU's vcpu_time_info (Xen's protocol: the
 * version is odd while the hypervisor writes it). */
struct time_record {
	uint64_t tsc, ns;
	uint32_t mul;
	int8_t shift;
};

static struct time_record time_record(unsigned int cpu)
{
	volatile struct vcpu_time_info *t = &vinfo[cpu]->time;
	struct time_record r;
	uint32_t ver;
	do {
		ver = t->version;
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
		r = (struct time_record){ t->tsc_timestamp, t->system_time, t->tsc_to_system_mul, t->tsc_shift };
		__atomic_thread_fence(__ATOMIC_SEQ_CST);
	} while ((ver & 1) || ver != t->version);
	return r;
}

/* The system time at TSC value tsc by record r. */
static uint64_t record_time_at(const struct time_record *r, uint64_t tsc)
{
	bool before = tsc < r->tsc;
	uint64_t delta = before ? r->tsc - tsc : tsc - r->tsc;
	if (r->shift < 0)
		delta >>= -r->shift;
	else
		delta <<= r->shift;
	uint64_t ns = mul_frac(delta, r->mul);
	return before ? r->ns - ns : r->ns + ns;
}

static uint64_t time_at(unsigned int cpu, uint64_t tsc)
{
	struct time_record r = time_record(cpu);
	return record_time_at(&r, tsc);
}

static uint64_t now_of(unsigned int cpu)
{
	return time_at(cpu, rdtsc());
}

/* TSC cycles per ms, from the scale in vcpu_time_info (its inverse). */
static uint64_t tsc_cycles_per_ms(void)
{
	volatile struct vcpu_time_info *t = &vinfo[0]->time;
	uint32_t mul = t->tsc_to_system_mul;
	int8_t shift = t->tsc_shift;
	if (!mul)
		return 0;
	uint64_t scaled = (MS << 32) / mul;
	return shift >= 0 ? scaled >> shift : scaled << -shift;
}

static int64_t ns_to_cycles(int64_t ns)
{
	uint64_t mag = ns < 0 ? (uint64_t)-ns : (uint64_t)ns, c = mag * cycles_per_ms / MS;
	return ns < 0 ? -(int64_t)c : (int64_t)c;
}

/* The event upcalls, one entry per vCPU (vCPU 0's registered with
 * callback_op, vCPU 1's from its initial context): save what C may
 * clobber, call event_c(cpu), return with the iret hypercall, which
 * restores the upcall mask from the frame.  Frame: rcx, r11, rip, cs,
 * rflags, rsp, ss; iret takes rax, r11, rcx, flags (0), rip, ... */
#define EVENT_ENTRY(n)                                                                            \
	".text\n.globl event_entry" #n "\nevent_entry" #n ":\n"                                   \
	"pop %rcx\npop %r11\n"                                                                    \
	"push %rax\npush %rcx\npush %rdx\npush %rsi\npush %rdi\npush %r8\npush %r9\npush %r10\n"  \
	"push %r11\nmov $" #n ", %edi\n"                                                          \
	"push %rbp\nmov %rsp, %rbp\nand $-16, %rsp\ncall event_c\nmov %rbp, %rsp\npop %rbp\n"     \
	"pop %r11\npop %r10\npop %r9\npop %r8\npop %rdi\npop %rsi\npop %rdx\npop %rcx\npop %rax\n" \
	"push $0\npush %rcx\npush %r11\npush %rax\nmov $23, %eax\nsyscall\n"
__asm__(EVENT_ENTRY(0) EVENT_ENTRY(1));
void event_entry0(void);
void event_entry1(void);

static void handle_port(unsigned int cpu, evtchn_port_t port, uint64_t tsc)
{
	if (cpu == 1 && port == ipi_port[1]) {
		/* vCPU 1 answers every IPI with one back. */
		if (fault == FAULT_IPI && v1_handled >= 4)
			return;
		v1_handled++;
		if (send(ipi_port[0]))
			v1_failed = 1;
	} else if (port == ipi_port[0]) {
		answer_tsc = tsc;
		answers++;
	} else if (port == timer_port) {
		timer_hit_ns = time_at(0, tsc);
		timer_hits++;
	}
}

/* The 2-level scan, as Linux's: clear evtchn_upcall_pending, take the
 * selector, then each pending, unmasked port of this vCPU.  Only word 0
 * holds ports here. */
void event_c(unsigned int cpu);
void event_c(unsigned int cpu)
{
	uint64_t tsc = rdtsc(); /* when the event reached the guest */
	struct vcpu_info *vi = vinfo[cpu];
	__atomic_store_n(&vi->evtchn_upcall_pending, 0, __ATOMIC_SEQ_CST);
	unsigned long sel = __atomic_exchange_n(&vi->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	if (!(sel & 1))
		return;
	unsigned long bits = __atomic_load_n(&shinfo->evtchn_pending[0], __ATOMIC_SEQ_CST) &
			     ~__atomic_load_n(&shinfo->evtchn_mask[0], __ATOMIC_SEQ_CST) & ports_of[cpu];
	while (bits) {
		unsigned int b = (unsigned int)__builtin_ctzl(bits);
		bits &= bits - 1;
		__atomic_fetch_and(&shinfo->evtchn_pending[0], ~(1ul << b), __ATOMIC_SEQ_CST);
		handle_port(cpu, b, tsc);
	}
}

/* vCPU 1: waits for IPIs as v1_mode says, answering each from its
 * upcall.  MODE_BLOCK sleeps in SCHEDOP_block (as Linux's idle loop);
 * MODE_SPIN spins with events enabled; MODE_WATCHDOG polls its port with
 * a 100 ms timeout and wakes vCPU 0 when it has slept for its timer
 * longer than wait_timeout_ms. */
void secondary_main(void);
void secondary_main(void)
{
	struct vcpu_register_runstate_memory_area r = { .addr.v = (struct vcpu_runstate_info *)&runstate[1] };
	if (vcpu_op(VCPUOP_register_runstate_memory_area, 1, &r))
		v1_failed = 2;
	for (;;) {
		unsigned int mode = v1_mode;
		v1_mode_seen = mode;
		if (mode == MODE_SPIN) {
			unmask_events(1);
			while (v1_mode == MODE_SPIN)
				v1_spin_ack = v1_handled;
		} else if (mode == MODE_WATCHDOG) {
			unmask_events(1);
			evtchn_port_t ports[1] = { ipi_port[1] };
			struct sched_poll p = { .nr_ports = 1, .timeout = now_of(1) + 100 * MS };
			p.ports.p = ports;
			if (HYPERVISOR_sched_op(SCHEDOP_poll, &p))
				v1_failed = 3;
			uint64_t since = v0_waiting_since;
			if (since && now_of(1) > since + wait_timeout_ms * MS) {
				rescues++;
				send(ipi_port[0]);
			}
		} else {
			/* Masked until SCHEDOP_block, which enables events and
			 * sleeps only if none is due: no IPI slips in between. */
			mask_events(1);
			if (v1_mode == MODE_BLOCK)
				HYPERVISOR_sched_op(SCHEDOP_block, 0);
			unmask_events(1);
		}
	}
}
__asm__(".text\nsecondary_entry:\nand $-16, %rsp\ncall secondary_main\nud2\n");
void secondary_entry(void);

/* Spin with events enabled until *p == v (want_equal) or *p != v, or
 * wait_timeout_ms: whether it happened. */
static bool spin_until(const volatile unsigned int *p, unsigned int v, bool want_equal)
{
	uint64_t t0 = rdtsc();
	for (unsigned long i = 1; (*p == v) != want_equal; i++)
		if (!(i & 255) && rdtsc() - t0 > wait_limit)
			return (*p == v) == want_equal;
	return true;
}

static void spin_cycles(uint64_t cycles)
{
	uint64_t t0 = rdtsc();
	while (rdtsc() - t0 < cycles)
		;
}

/* Put vCPU 1 in a mode: an IPI wakes it wherever it waits, and it
 * answers; then it shows that it took the mode. */
static bool vcpu1_enter(unsigned int mode)
{
	v1_mode = mode;
	unsigned int before = answers;
	long rc = send(ipi_port[1]);
	bool answered = rc == 0 && spin_until(&answers, before, false);
	bool taken = answered && spin_until(&v1_mode_seen, mode, true);
	return guest_check(answered && taken && !v1_failed,
			   "vCPU 1 answers an IPI and takes mode %u (send %ld, answered %d, in mode %u, failure %u)",
			   mode, rc, answered, v1_mode_seen, v1_failed);
}

/* Samples (signed) kept biased so that guest_sort_pfns orders them. */
#define SAMPLE_BIAS (1ul << 63)
static unsigned long send_samples[MAX_SAMPLES], rtt_samples[MAX_SAMPLES], late_samples[MAX_SAMPLES];

static int64_t sorted_median(unsigned long *v, unsigned long n)
{
	guest_sort_pfns((xen_pfn_t *)v, n);
	int64_t a = (int64_t)(v[(n - 1) / 2] ^ SAMPLE_BIAS), b = (int64_t)(v[n / 2] ^ SAMPLE_BIAS);
	return a + (b - a) / 2;
}

static unsigned long ipi_samples[2], ipi_overtaken[2], ipi_over_1ms[2];

/* Samples 0, 1, ... of a measurement until n or ROUND_BUDGET_MS (at least
 * MIN_SAMPLES): how many, or 0 if one failed. */
static unsigned long take_samples(bool (*sample)(bool blocked, unsigned long i), bool blocked, unsigned long n)
{
	uint64_t t0 = rdtsc();
	for (unsigned long i = 0; i < n; i++) {
		if (i >= MIN_SAMPLES && rdtsc() - t0 > ROUND_BUDGET_MS * cycles_per_ms)
			return i;
		if (!sample(blocked, i))
			return 0;
	}
	return n;
}

/* One IPI round trip: vCPU 1 waiting as the mode has it, vCPU 0 sends,
 * vCPU 1's upcall answers, vCPU 0's upcall notes when the answer came. */
static bool ipi_sample(bool blocked, unsigned long i)
{
	bool ready;
	if (blocked) {
		ready = spin_until((const volatile unsigned int *)&runstate[1].state, RUNSTATE_blocked, true);
		/* Let it get from the state change into its sleep. */
		spin_cycles(SETTLE_NS * cycles_per_ms / MS);
	} else {
		ready = spin_until(&v1_spin_ack, v1_handled, true);
	}
	if (!guest_check(ready, "vCPU 1 is back %s before IPI %lu (runstate %d)",
			 blocked ? "asleep in SCHEDOP_block" : "in its spin loop", i, runstate[1].state))
		return false;
	unsigned int before = answers, handled = v1_handled;
	uint64_t t0 = rdtsc();
	long rc = send(ipi_port[1]);
	uint64_t t1 = rdtsc();
	/* vCPU 1 answered before the send came back: the host ran it while
	 * the sender's thread waited (e.g. woken onto the sender's CPU). */
	if (v1_handled != handled)
		ipi_overtaken[blocked]++;
	ipi_samples[blocked]++;
	bool answered = rc == 0 && spin_until(&answers, before, false);
	if (!guest_check(answered && !v1_failed, "IPI %lu to vCPU 1 %s is answered (send %ld, failure %u)", i,
			 blocked ? "in SCHEDOP_block" : "spinning", rc, v1_failed))
		return false;
	if (answer_tsc - t0 > cycles_per_ms)
		ipi_over_1ms[blocked]++;
	send_samples[i] = (t1 - t0) ^ SAMPLE_BIAS;
	rtt_samples[i] = (answer_tsc - t0) ^ SAMPLE_BIAS;
	return true;
}

static bool ipi_round_trips(bool blocked, unsigned long n, int64_t *medians)
{
	if (!vcpu1_enter(blocked ? MODE_BLOCK : MODE_SPIN))
		return false;
	n = take_samples(ipi_sample, blocked, n);
	if (!n)
		return false;
	medians[0] = sorted_median(send_samples, n);
	medians[1] = sorted_median(rtt_samples, n);
	/* vCPU 1 sleeps again, using no host CPU during the other
	 * operations. */
	return blocked || vcpu1_enter(MODE_BLOCK);
}

static bool ipi_blocked(unsigned long n, int64_t *medians)
{
	return ipi_round_trips(true, n, medians);
}

static bool ipi_running(unsigned long n, int64_t *medians)
{
	return ipi_round_trips(false, n, medians);
}

/* Over all rounds, per timer variant: for the info lines. */
static struct timer_stats {
	unsigned long samples, slept;
	int64_t min_ns, max_ns;
} timer_stats[2];

/* One singleshot timer for now + TIMER_DELAY_NS; the lateness of its
 * upcall, in ns of system time. */
static bool timer_sample(bool blocked, unsigned long i)
{
	unsigned int before = timer_hits, rescued = rescues;
	uint64_t blocked_ns = runstate[0].time[RUNSTATE_blocked];
	if (blocked)
		mask_events(0);
	uint64_t deadline = now_of(0) + TIMER_DELAY_NS;
	struct vcpu_set_singleshot_timer ss = { .timeout_abs_ns = deadline, .flags = 0 };
	if (fault == FAULT_TIMER && blocked)
		ss.timeout_abs_ns += 1000000 * MS;
	long rc = vcpu_op(VCPUOP_set_singleshot_timer, 0, &ss);
	bool fired;
	if (blocked) {
		v0_waiting_since = deadline - TIMER_DELAY_NS;
		while (rc == 0 && timer_hits == before && rescues == rescued) {
			HYPERVISOR_sched_op(SCHEDOP_block, 0);
			mask_events(0);
		}
		v0_waiting_since = 0;
		unmask_events(0);
		fired = rc == 0 && timer_hits != before;
	} else {
		fired = rc == 0 && spin_until(&timer_hits, before, false);
	}
	if (!guest_check(fired, "timer %lu (%s) fires within %lu ms (set_singleshot_timer %ld)", i,
			 blocked ? "SCHEDOP_block" : "spinning", wait_timeout_ms, rc))
		return false;
	int64_t late = (int64_t)(timer_hit_ns - deadline);
	if (!guest_check(late >= -(int64_t)(TIMER_DELAY_NS / 4), "timer %lu fires no earlier than its deadline (%ld ns)",
			 i, (long)late))
		return false;
	struct timer_stats *st = &timer_stats[blocked];
	if (!st->samples || late < st->min_ns)
		st->min_ns = late;
	if (!st->samples || late > st->max_ns)
		st->max_ns = late;
	st->samples++;
	if (runstate[0].time[RUNSTATE_blocked] != blocked_ns)
		st->slept++;
	late_samples[i] = (unsigned long)late ^ SAMPLE_BIAS;
	return true;
}

static bool timer_lateness(bool blocked, unsigned long n, int64_t *medians)
{
	/* vCPU 1 watches a sleeping vCPU 0. */
	if (blocked && !vcpu1_enter(MODE_WATCHDOG))
		return false;
	n = take_samples(timer_sample, blocked, n);
	if (!n)
		return false;
	medians[0] = sorted_median(late_samples, n);
	return !blocked || vcpu1_enter(MODE_BLOCK);
}

static bool timer_blocked(unsigned long n, int64_t *medians)
{
	return timer_lateness(true, n, medians);
}

static bool timer_running(unsigned long n, int64_t *medians)
{
	return timer_lateness(false, n, medians);
}

/* shared_info, the upcall, the ports, the runstate copies, then vCPU 1
 * up and asleep in MODE_BLOCK. */
static bool setup_events(start_info_t *si)
{
	shinfo = guest_map_shared_info(si);
	if (!shinfo)
		return false;
	vinfo[0] = &shinfo->vcpu_info[0];
	vinfo[1] = &shinfo->vcpu_info[1];
	cycles_per_ms = tsc_cycles_per_ms();
	wait_limit = wait_timeout_ms * cycles_per_ms;
	if (!guest_check(cycles_per_ms > 0, "vcpu_time_info has a TSC scale"))
		return false;

	long rc = vcpu_op(VCPUOP_is_up, 1, 0);
	if (!guest_check(rc == 0, "vCPU 1 exists and is down (the domain needs \"vcpus\": 2): %ld", rc))
		return false;
	struct callback_register cb = { .type = CALLBACKTYPE_event, .address = (unsigned long)event_entry0 };
	rc = hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
	if (!guest_check(rc == 0, "registering vCPU 0's event callback: %ld", rc))
		return false;
	/* Linux stops the default 100 Hz tick, and so do we: no tick in
	 * the other operations. */
	rc = vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
	struct evtchn_bind_virq bv = { .virq = VIRQ_TIMER, .vcpu = 0 };
	rc |= evtchn_op(EVTCHNOP_bind_virq, &bv);
	struct evtchn_bind_ipi b0 = { .vcpu = 0 }, b1 = { .vcpu = 1 };
	rc |= evtchn_op(EVTCHNOP_bind_ipi, &b0);
	rc |= evtchn_op(EVTCHNOP_bind_ipi, &b1);
	timer_port = bv.port;
	ipi_port[0] = b0.port;
	ipi_port[1] = b1.port;
	if (!guest_check(rc == 0 && timer_port && ipi_port[0] && ipi_port[1] && timer_port < 64 && ipi_port[0] < 64 &&
				 ipi_port[1] < 64,
			 "VIRQ_TIMER port %u, IPI ports %u (vCPU 0) and %u (vCPU 1): %ld", timer_port, ipi_port[0],
			 ipi_port[1], rc))
		return false;
	ports_of[0] = 1ul << ipi_port[0] | 1ul << timer_port;
	ports_of[1] = 1ul << ipi_port[1];
	struct vcpu_register_runstate_memory_area r = { .addr.v = (struct vcpu_runstate_info *)&runstate[0] };
	rc = vcpu_op(VCPUOP_register_runstate_memory_area, 0, &r);
	if (!guest_check(rc == 0, "registering vCPU 0's runstate copy: %ld", rc))
		return false;
	unmask_events(0);

	/* vCPU 1's context, as Linux's cpu_initialize_context: our page
	 * tables, its own stack, kernel mode, its event callback. */
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	ctxt1.flags = VGCF_in_kernel;
	ctxt1.user_regs.rip = (unsigned long)secondary_entry;
	ctxt1.user_regs.rsp = (unsigned long)stack1 + sizeof(stack1);
	ctxt1.user_regs.rflags = 0x202;
	ctxt1.user_regs.cs = FLAT_KERNEL_CS;
	ctxt1.user_regs.ss = FLAT_KERNEL_SS;
	ctxt1.kernel_ss = FLAT_KERNEL_SS;
	ctxt1.kernel_sp = ctxt1.user_regs.rsp;
	ctxt1.event_callback_eip = (unsigned long)event_entry1;
	ctxt1.ctrlreg[3] = xen_pfn_to_cr3(p2m[(si->pt_base - KERNEL_BASE) >> 12]);
	rc = vcpu_op(VCPUOP_initialise, 1, &ctxt1);
	long up = rc ? rc : vcpu_op(VCPUOP_up, 1, 0);
	if (!guest_check(rc == 0 && up == 0, "vCPU 1 initialised (%ld) and up (%ld)", rc, up))
		return false;
	return vcpu1_enter(MODE_BLOCK);
}

/* What is timed.  The first entry is the reference for the guest-side
 * ratios; bench/hypercall prints whatever this table holds, so a new
 * measurement is one more entry here.  An entry has either a loop (n in a
 * row; a round's value is the mean) or a latency measurement (n samples,
 * n = iterations / divisor; a round's value is the median sample), which
 * fills the value of its own entry and of the entries after it that have
 * neither. */
static const struct operation {
	const char *key; /* one word, for bench/hypercall */
	const char *what;
	uint64_t (*loop)(unsigned long n); /* TSC cycles for n operations */
	bool (*latency)(unsigned long n, int64_t *medians);
	unsigned int divisor;
	bool in_ns; /* the latency's values are ns of system time */
} operations[] = {
	{ .key = "bare_exit", .what = "bare hypercall exit (unimplemented number, -ENOSYS)", .loop = bare_exit_loop },
	{ .key = "null_hypercall", .what = "null hypercall (xen_version)", .loop = null_hypercall_loop },
	{ .key = "exception_bounce",
	  .what = "exception bounce (ud2 -> #UD handler -> iret hypercall)",
	  .loop = exception_bounce_loop },
	{ .key = "mmu_update", .what = "mmu_update, 1 entry", .loop = mmu_update_loop },
	{ .key = "update_va_mapping", .what = "update_va_mapping", .loop = update_va_mapping_loop },
	{ .key = "cpuid", .what = "cpuid (the core asks the host CPU)", .loop = cpuid_loop },
	{ .key = "ipi_send_blocked",
	  .what = "event send to vCPU 1 in SCHEDOP_block (sender's cost)",
	  .latency = ipi_blocked,
	  .divisor = IPI_DIVISOR },
	{ .key = "ipi_rtt_blocked", .what = "IPI round trip, vCPU 1 woken from SCHEDOP_block" },
	{ .key = "ipi_send_running",
	  .what = "event send to vCPU 1 spinning (sender's cost)",
	  .latency = ipi_running,
	  .divisor = IPI_DIVISOR },
	{ .key = "ipi_rtt_running", .what = "IPI round trip, vCPU 1 spinning in the guest" },
	{ .key = "timer_late_blocked",
	  .what = "timer lateness, vCPU in SCHEDOP_block (VIRQ_TIMER upcall)",
	  .latency = timer_blocked,
	  .divisor = TIMER_DIVISOR,
	  .in_ns = true },
	{ .key = "timer_late_running",
	  .what = "timer lateness, vCPU spinning (VIRQ_TIMER upcall)",
	  .latency = timer_running,
	  .divisor = TIMER_DIVISOR,
	  .in_ns = true },
};
#define NR_OPERATIONS (sizeof(operations) / sizeof(operations[0]))

/* The number after "name=" on the command line, or fallback. */
static unsigned long option(start_info_t *si, const char *name, unsigned long fallback)
{
	const char *at = guest_strstr((const char *)si->cmd_line, name);
	if (!at)
		return fallback;
	unsigned long v = 0;
	for (at += guest_strlen(name); *at >= '0' && *at <= '9'; at++)
		v = v * 10 + (unsigned long)(*at - '0');
	return v ? v : fallback;
}

static int64_t median(int64_t *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			int64_t x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Where the initial mapping shows the frame mfn (the builder maps every
 * page table there). */
static const volatile uint64_t *table_va(start_info_t *si, uint64_t mfn)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	for (unsigned long pfn = 0; pfn < si->nr_pages; pfn++)
		if (p2m[pfn] == mfn)
			return (const volatile uint64_t *)(KERNEL_BASE + pfn * 4096);
	return 0;
}

static bool find_kernel_pte(start_info_t *si)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	uint64_t mfn = p2m[(si->pt_base - KERNEL_BASE) >> 12];
	for (unsigned int level = 4; level > 1; level--) {
		const volatile uint64_t *t = table_va(si, mfn);
		if (!t)
			return false;
		mfn = (t[(KERNEL_BASE >> (12 + 9 * (level - 1))) & 511] & 0x000ffffffffff000ul) >> 12;
	}
	const volatile uint64_t *l1 = table_va(si, mfn);
	if (!l1)
		return false;
	kernel_pte = l1[0];
	kernel_pte_machine_address = mfn << 12;
	return true;
}

/* A value with two decimals, signed. */
static void hundredths(int64_t h, char *buf)
{
	uint64_t mag = h < 0 ? (uint64_t)-h : (uint64_t)h;
	char *p = buf;
	if (h < 0)
		*p++ = '-';
	char digits[24];
	int n = 0;
	uint64_t whole = mag / 100;
	do {
		digits[n++] = (char)('0' + whole % 10);
		whole /= 10;
	} while (whole);
	while (n)
		*p++ = digits[--n];
	*p++ = '.';
	*p++ = (char)('0' + mag / 10 % 10);
	*p++ = (char)('0' + mag % 10);
	*p = 0;
}

int guest_main(start_info_t *si)
{
	unsigned long iterations = option(si, "iterations=", DEFAULT_ITERATIONS);
	unsigned long runs = option(si, "runs=", DEFAULT_RUNS);
	if (runs > MAX_RUNS)
		runs = MAX_RUNS;
	wait_timeout_ms = option(si, "timeout_ms=", WAIT_TIMEOUT_MS);
	const char *cmdline = (const char *)si->cmd_line;
	fault = guest_strstr(cmdline, "fault=ipi")     ? FAULT_IPI
		: guest_strstr(cmdline, "fault=timer") ? FAULT_TIMER
						       : FAULT_NONE;
	if (!guest_check(find_kernel_pte(si), "the L1 entry mapping the kernel is found"))
		return GUEST_FAIL;
	static struct trap_info table[] = {
		{ 6, 0, FLAT_KERNEL_CS, (unsigned long)ud_step_over },
		{ 0, 0, 0, 0 },
	};
	long rc = hypercall(__HYPERVISOR_set_trap_table, (unsigned long)table, 0, 0, 0, 0);
	if (!guest_check(rc == 0, "set_trap_table: %ld", rc))
		return GUEST_FAIL;
	if (!setup_events(si))
		return GUEST_FAIL;

	/* Rounds interleave the operations, so a slow patch of the host
	 * weighs on all of them alike. */
	static int64_t value[NR_OPERATIONS][MAX_RUNS];
	for (unsigned long run = 0; run < runs; run++)
		for (unsigned int op = 0; op < NR_OPERATIONS; op++) {
			const struct operation *o = &operations[op];
			if (o->loop) {
				value[op][run] = (int64_t)(o->loop(iterations) / iterations);
				continue;
			}
			if (!o->latency)
				continue; /* filled by the entry before */
			unsigned long n = iterations / o->divisor;
			n = n < MIN_SAMPLES ? MIN_SAMPLES : n > MAX_SAMPLES ? MAX_SAMPLES : n;
			int64_t medians[NR_OPERATIONS];
			if (!o->latency(n, medians))
				return GUEST_FAIL;
			for (unsigned int k = 0; op + k < NR_OPERATIONS; k++) {
				if (k && (operations[op + k].loop || operations[op + k].latency))
					break;
				value[op + k][run] = medians[k];
			}
		}

	guest_printf("hypercall: iterations %lu runs %lu, TSC cycles per operation (median of the runs)\n",
		     iterations, runs);
	int64_t reference = 0;
	for (unsigned int op = 0; op < NR_OPERATIONS; op++) {
		const struct operation *o = &operations[op];
		int64_t per = median(value[op], (unsigned int)runs), ns = per;
		if (o->in_ns)
			per = ns_to_cycles(ns);
		if (op == 0)
			reference = per > 0 ? per : 1;
		char ratio[32];
		hundredths(per * 100 / reference, ratio);
		guest_printf("hypercall: op %s %ld %s | %s\n", o->key, (long)per, ratio, o->what);
		if (o->in_ns) {
			const struct timer_stats *st = &timer_stats[o->latency == timer_blocked];
			guest_printf("hypercall: info %s: median %ld ns after the deadline (min %ld, max %ld ns), %lu "
				     "timers for now + %llu us, %lu of them woke the vCPU from a sleep\n",
				     o->key, (long)ns, (long)st->min_ns, (long)st->max_ns, st->samples,
				     TIMER_DELAY_NS / US, st->slept);
		}
	}
	for (int blocked = 1; blocked >= 0; blocked--)
		guest_printf("hypercall: info ipi_%s: %lu round trips, %lu over 1 ms; in %lu vCPU 1 had answered "
			     "before the sender's EVTCHNOP_send returned\n",
			     blocked ? "blocked" : "running", ipi_samples[blocked], ipi_over_1ms[blocked],
			     ipi_overtaken[blocked]);
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
