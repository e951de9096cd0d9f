/*
 * Xen's credit scheduler parameters, weight and cap, for domains whose
 * vCPUs are host threads (docs/scheduling.md).
 *
 * The host kernel schedules the vCPU threads; XG does not replace it but
 * steers it:
 *  - weight: each vCPU thread gets the nice value whose CFS weight is
 *    nearest to the domain's share, 1024 * weight / 256 divided among the
 *    domain's active vCPUs (so the default 256 leaves a lone vCPU at the
 *    hypervisor's own nice).  Where threads compete for a host CPU they
 *    get CPU time in proportion to those weights, as domains under Xen's
 *    credit scheduler do.
 *  - cap: an accountant thread reads the CPU clocks of a capped domain's
 *    vCPU threads every tick (10 ms) and keeps its credit: cap% of the
 *    time that passed, less the CPU time used, at most one accounting
 *    period (30 ms) of cap ahead.  Below zero the domain is parked: its
 *    vCPUs are kicked out of the guest and do not run (their threads
 *    sleep on the domain's condition variable) until the credit is back
 *    at zero.  Debts are repaid, so over time the domain gets its cap.
 *  - every accounting period (30 ms) the accountant also counts the
 *    active vCPUs of domains with several vCPU threads (those that used
 *    at least 1 ms of CPU in the period or want to run now) and shares
 *    the domain's weight among them, as Xen's csched_acct does.
 * Blocked vCPUs keep sleeping either way; a domain with neither a cap nor
 * a second vCPU thread costs the accountant nothing, and with no such
 * domain it sleeps.
 *
 * Locking: the accountant's own lock (acct_lock) is innermost; it takes
 * each domain's lock in turn with nothing else held.
 */
#include "hv/sched_credit.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "hv/console.h"
#include "hv/hypervisor.h"
#include "public/xg_control.h"

#define ACTIVE_MIN_NS (SCHED_CREDIT_PERIOD_NS / 30) /* 1 ms of CPU in a period: active */

/* The host's CFS weight for nice -20..19 (the kernel's sched_prio_to_weight). */
static const unsigned int prio_to_weight[40] = {
	88761, 71755, 56483, 46273, 36291, 29154, 23254, 18705, 14949, 11916,
	9548,  7620,  6100,  4904,  3906,  3121,  2501,  1991,  1586,  1277,
	1024,  820,   655,   526,   423,   335,   272,   215,   172,   137,
	110,   87,    70,    56,    45,    36,    29,    23,    18,    15,
};

static pthread_mutex_t acct_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t acct_wake;
static pthread_t acct_thread;
static bool acct_started, acct_stopping, acct_poked;
static int base_nice;          /* the hypervisor's own nice: that of weight 256 */
static atomic_bool nice_warned;

int sched_credit_nice(unsigned int weight, unsigned int active)
{
	double target = 1024.0 * weight / SCHED_CREDIT_DEFAULT_WEIGHT / (active ? active : 1);
	int best = 0;
	double best_ratio = 0;
	for (int i = 0; i < 40; i++) {
		double w = prio_to_weight[i];
		double ratio = w > target ? w / target : target / w;
		if (i == 0 || ratio < best_ratio) {
			best = i;
			best_ratio = ratio;
		}
	}
	return best - 20;
}

static int thread_nice(const struct domain *d)
{
	int nice = base_nice + sched_credit_nice(d->sched_weight, d->credit_active);
	return nice < -20 ? -20 : nice > 19 ? 19 : nice;
}

static bool thread_live(const struct vcpu *v)
{
	return v && v->thread_started && !v->thread_exited;
}

/* Give v's thread the domain's nice value; d->lock held.  A thread that
 * has not yet reached sched_credit_thread_started() takes it there. */
static int apply_nice(struct vcpu *v, int nice)
{
	if (!thread_live(v) || !v->sched_tid || v->sched_nice == nice)
		return 0;
	if (setpriority(PRIO_PROCESS, (id_t)v->sched_tid, nice))
		return errno == ESRCH ? 0 : -errno;
	v->sched_nice = nice;
	return 0;
}

/* Every vCPU thread of d to its nice value; the first error, after trying all. */
static int apply_weight(struct domain *d)
{
	int nice = thread_nice(d), rc = 0;
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		int r = apply_nice(d->vcpus[i], nice);
		if (r && !rc)
			rc = r;
	}
	return rc;
}

void sched_credit_thread_started(struct vcpu *v)
{
	struct domain *d = v->domain;
	v->sched_tid = (pid_t)syscall(SYS_gettid);
	v->credit_sampled = false;
	v->sched_nice = base_nice; /* what it inherited */
	int rc = apply_nice(v, thread_nice(d));
	if (rc && !atomic_exchange(&nice_warned, true))
		printk("d%u: cannot give vCPU %u's thread nice %d for weight %u (%s): weights above the default "
		       "need CAP_SYS_NICE\n",
		       d->id, v->id, thread_nice(d), d->sched_weight, strerror(-rc));
}

void sched_credit_domain_init(struct domain *d)
{
	d->sched_weight = SCHED_CREDIT_DEFAULT_WEIGHT;
	d->sched_cap = 0;
	d->credit_active = 1;
}

void sched_credit_wake(void)
{
	pthread_mutex_lock(&acct_lock);
	acct_poked = true;
	pthread_cond_signal(&acct_wake);
	pthread_mutex_unlock(&acct_lock);
}

/* d->lock held. */
static void park(struct domain *d)
{
	d->sched_parked = true;
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		if (d->vcpus[i])
			vcpu_kick(d->vcpus[i]);
}

static void unpark(struct domain *d)
{
	d->sched_parked = false;
	pthread_cond_broadcast(&d->changed);
}

#define WORK_FOLLOWED 1u /* some domain is followed: tick again */
#define WORK_CAPPED 2u   /* some domain is capped: tick at SCHED_CREDIT_TICK_NS */

/* One tick for d; d->lock held, d not dying. */
static unsigned int account(struct domain *d, uint64_t now, bool period_end)
{
	unsigned int threads = 0;
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		threads += thread_live(d->vcpus[i]);
	bool capped = d->sched_cap != 0;
	if (!capped && threads < 2) {
		d->credit_valid = false;
		if (d->sched_parked)
			unpark(d);
		return 0;
	}
	unsigned int work = WORK_FOLLOWED | (capped ? WORK_CAPPED : 0);
	if (!d->credit_valid) {
		/* Start from here: nothing before this tick is charged. */
		for (unsigned int i = 0; i < d->max_vcpus; i++) {
			struct vcpu *v = d->vcpus[i];
			if (!thread_live(v))
				continue;
			v->credit_last_cpu = vcpu_cpu_time_ns(v);
			v->credit_sampled = true;
			v->credit_period_cpu = 0;
		}
		d->credit = 0;
		d->credit_last_ns = now;
		d->credit_valid = true;
		if (d->sched_parked)
			unpark(d);
		return work;
	}

	uint64_t used = 0;
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];
		if (!thread_live(v))
			continue;
		uint64_t t = vcpu_cpu_time_ns(v);
		if (v->credit_sampled && t >= v->credit_last_cpu) {
			used += t - v->credit_last_cpu;
			v->credit_period_cpu += t - v->credit_last_cpu;
		}
		v->credit_last_cpu = t;
		v->credit_sampled = true;
	}
	uint64_t elapsed = now > d->credit_last_ns ? now - d->credit_last_ns : 0;
	d->credit_last_ns = now;

	if (capped) {
		int64_t most = (int64_t)(d->sched_cap * SCHED_CREDIT_PERIOD_NS / 100);
		int64_t least = -(int64_t)(SCHED_CREDIT_PERIOD_NS * threads);
		d->credit += (int64_t)(d->sched_cap * elapsed / 100) - (int64_t)used;
		if (d->credit > most)
			d->credit = most;
		if (d->credit < least)
			d->credit = least;
		if (d->credit < 0 && !d->sched_parked)
			park(d);
		else if (d->credit >= 0 && d->sched_parked)
			unpark(d);
	}

	if (period_end) {
		unsigned int active = 0;
		for (unsigned int i = 0; i < d->max_vcpus; i++) {
			struct vcpu *v = d->vcpus[i];
			if (!thread_live(v))
				continue;
			bool wants_cpu = v->initialised && !v->down && !atomic_load(&v->blocked);
			active += v->credit_period_cpu >= ACTIVE_MIN_NS || wants_cpu;
			v->credit_period_cpu = 0;
		}
		if (!active)
			active = 1;
		if (active != d->credit_active) {
			d->credit_active = active;
			apply_weight(d); /* a failure was reported when the weight was set */
		}
	}
	return work;
}

static unsigned int account_all(uint64_t now, bool period_end)
{
	unsigned int work = 0;
	struct domain *d = domain_next(1);
	while (d) {
		pthread_mutex_lock(&d->lock);
		if (!d->is_dying)
			work |= account(d, now, period_end);
		pthread_mutex_unlock(&d->lock);
		unsigned int next = d->id + 1u;
		domain_put(d);
		d = next <= UINT16_MAX ? domain_next((uint16_t)next) : NULL;
	}
	return work;
}

static void *acct_main(void *arg)
{
	(void)arg;
	pthread_setname_np(pthread_self(), "xg-credit");
	uint64_t period_start = now_ns();
	pthread_mutex_lock(&acct_lock);
	while (!acct_stopping) {
		acct_poked = false;
		pthread_mutex_unlock(&acct_lock);
		uint64_t now = now_ns();
		bool period_end = now - period_start >= SCHED_CREDIT_PERIOD_NS;
		if (period_end)
			period_start = now;
		unsigned int work = account_all(now, period_end);
		pthread_mutex_lock(&acct_lock);
		if (!work) {
			/* Nothing to follow until a cap or a second vCPU thread. */
			while (!acct_poked && !acct_stopping)
				pthread_cond_wait(&acct_wake, &acct_lock);
			period_start = now_ns();
			continue;
		}
		uint64_t abs = now + ((work & WORK_CAPPED) ? SCHED_CREDIT_TICK_NS : SCHED_CREDIT_PERIOD_NS);
		struct timespec ts = { .tv_sec = (time_t)(abs / 1000000000ull), .tv_nsec = (long)(abs % 1000000000ull) };
		while (!acct_poked && !acct_stopping && pthread_cond_timedwait(&acct_wake, &acct_lock, &ts) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&acct_lock);
	return NULL;
}

int sched_credit_init(void)
{
	errno = 0;
	int nice = getpriority(PRIO_PROCESS, 0);
	base_nice = errno ? 0 : nice;
	pthread_condattr_t attr;
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&acct_wake, &attr);
	pthread_condattr_destroy(&attr);
	acct_stopping = false;
	int rc = -pthread_create(&acct_thread, NULL, acct_main, NULL);
	acct_started = !rc;
	return rc;
}

void sched_credit_fini(void)
{
	if (!acct_started)
		return;
	pthread_mutex_lock(&acct_lock);
	acct_stopping = true;
	pthread_cond_signal(&acct_wake);
	pthread_mutex_unlock(&acct_lock);
	pthread_join(acct_thread, NULL);
	acct_started = false;
	pthread_cond_destroy(&acct_wake);
}

long sched_credit_adjust(struct domain *d, struct xg_domctl_scheduler_op *op)
{
	if (op->sched_id != XG_SCHEDULER_CREDIT)
		return -EINVAL;
	if (op->cmd == XG_DOMCTL_SCHEDOP_getinfo) {
		pthread_mutex_lock(&d->lock);
		op->u.credit.weight = (uint16_t)d->sched_weight;
		op->u.credit.cap = (uint16_t)d->sched_cap;
		pthread_mutex_unlock(&d->lock);
		return 0;
	}
	if (op->cmd != XG_DOMCTL_SCHEDOP_putinfo)
		return -EINVAL;
	unsigned int weight = op->u.credit.weight, cap = op->u.credit.cap;
	long rc = 0;
	bool wake = false;
	pthread_mutex_lock(&d->lock);
	if (d->is_dying || (cap != XG_SCHED_CAP_KEEP && cap > d->max_vcpus * 100u)) {
		rc = -EINVAL;
	} else {
		if (weight && weight != d->sched_weight) {
			unsigned int old = d->sched_weight;
			d->sched_weight = weight;
			rc = apply_weight(d);
			if (rc) {
				d->sched_weight = old;
				apply_weight(d);
				rc = rc == -EACCES ? -EPERM : rc;
			}
		}
		if (!rc && cap != XG_SCHED_CAP_KEEP && cap != d->sched_cap) {
			d->sched_cap = cap;
			d->credit_valid = false;
			if (!cap && d->sched_parked)
				unpark(d);
			wake = cap != 0;
		}
	}
	unsigned int now_weight = d->sched_weight, now_cap = d->sched_cap;
	pthread_mutex_unlock(&d->lock);
	if (wake)
		sched_credit_wake();
	if (!rc)
		printk("d%u: credit scheduling: weight %u, cap %u\n", d->id, now_weight, now_cap);
	return rc;
}
