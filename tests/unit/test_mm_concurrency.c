/*
 * Several threads, standing in for a guest's vCPUs and toolstack callers,
 * change one domain's page tables at once through the hypercalls the
 * toolstack issues (caller domain 0, no vCPU, buffers in a request's data
 * area): shared L1 tables pinned and unpinned, L2/L3/L4 entries hooking
 * tables in and out (so whole subtrees are validated and devalidated while
 * other threads use them), and L1 entries mapping data frames writable or
 * read-only, some trying to map a page table writable.
 *
 * Every result must be one docs/memory.md allows, and the attempts whose
 * outcome does not depend on the interleaving must get exactly that
 * outcome.  Afterwards a scan of the domain's frames must find every type
 * count and general count equal to the references that exist, no page
 * table with a writable mapping, and destroying the domain must give every
 * frame back.  The checker is shown to catch counts and entries changed by
 * hand, so a pass means something.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "hv/domain.h"
#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/memory.h"
#include "public/xen.h"
#include "public/xg_control.h"
#include "tests/tap.h"
#include "tests/lib/inproc_hypervisor.h"

#define NR_THREADS 4
#ifndef OPS_PER_THREAD /* override with -D for longer runs by hand */
#define OPS_PER_THREAD 5000
#endif
#define NR_SHARED_L1 6
#define NR_DATA 8 /* few: concurrent updates meet on the same counts */

/*
 * The domain's frames, by role.  The pinned tables stay pinned for the
 * whole run, so they are validated tables at every moment: attempts
 * against them have one right answer whatever the other threads do.  The
 * hooked tables are in use only while an entry of a table in use names
 * them, so hooking and unhooking them validates and devalidates them.
 */
enum frame_role {
	L4_PINNED,
	L3_PINNED,
	L3_HOOKED,
	L2_PINNED,
	L2_HOOKED,
	L1_PINNED,
	FIRST_SHARED_L1, /* pinned, unpinned, hooked and unhooked by the threads */
	FIRST_DATA = FIRST_SHARED_L1 + NR_SHARED_L1,
	NR_FRAMES = FIRST_DATA + NR_DATA,
};

/* Slots the threads write: few enough that they collide often. */
#define L4_SLOTS 4
#define L3_SLOTS 8
#define L2_SLOTS 16
#define L1_SLOTS 32

#define PTE_P_RW_U (PTE_PRESENT | PTE_RW | PTE_USER)
#define PTE_P_U (PTE_PRESENT | PTE_USER)

static struct domain *d0, *dom;
static uint64_t m[NR_FRAMES];

enum op_kind {
	OP_PIN,
	OP_UNPIN,
	OP_HOOK_L2,
	OP_HOOK_L3,
	OP_HOOK_L4,
	OP_MAP,
	OP_TABLE_WRITABLE, /* a pinned table mapped writable in the pinned L1: always -EBUSY */
	OP_WRONG_LEVEL,    /* a pinned table named at the wrong level: always -EINVAL */
	NR_OP_KINDS,
};

static const char *const op_names[NR_OP_KINDS] = {
	[OP_PIN] = "pin L1",
	[OP_UNPIN] = "unpin",
	[OP_HOOK_L2] = "L2 entry",
	[OP_HOOK_L3] = "L3 entry",
	[OP_HOOK_L4] = "L4 entry",
	[OP_MAP] = "L1 entry",
	[OP_TABLE_WRITABLE] = "table mapped writable",
	[OP_WRONG_LEVEL] = "table at the wrong level",
};

enum result { RESULT_OK, RESULT_EINVAL, RESULT_EBUSY, RESULT_OTHER, NR_RESULTS };

enum role { ROLE_PINNER, ROLE_HOOKER, ROLE_MAPPER, ROLE_MIXED };

/* One caller: its own request data area (the hypercall reads and writes
 * it, so callers must not share one) and its own tally. */
struct caller {
	struct inproc_req req;
	enum role role;
	uint64_t rng;
	unsigned int results[NR_OP_KINDS][NR_RESULTS];
	unsigned int strict_wrong;
	long last_unexpected_rc;
	unsigned int ops, interleavings;
	struct timespec began, ended;
};

/*
 * Threads start their operations together, and none stops before every
 * one has completed an operation: otherwise on a busy machine the first
 * could be done before the last is scheduled, and nothing would have run
 * at the same time.
 */
static pthread_barrier_t start_line;
static _Atomic unsigned int threads_under_way;
static _Atomic uint64_t ops_completed; /* by all threads: shows interleaving */

static long domctl(struct caller *c, struct xg_domctl *op)
{
	c->req.caller = d0;
	return inproc_domctl(&c->req, op);
}

static long populate(struct caller *c, uint16_t domid, uint64_t n, uint64_t *mfns)
{
	c->req.caller = d0;
	return inproc_populate(&c->req, domid, n, 0, 0, mfns);
}

static long mmuext1(struct caller *c, unsigned int cmd, uint64_t mfn)
{
	c->req.caller = d0;
	return inproc_mmuext1(&c->req, dom->id, cmd, mfn);
}

/* Entry `slot` of the table at frame `table`: foreigndom names the domain
 * as the owner of both the tables and the frames they map. */
static long mmu_update1(struct caller *c, uint64_t table, unsigned int slot, uint64_t val)
{
	c->req.caller = d0;
	return inproc_mmu_update1(&c->req, dom->id, table, slot, val);
}

/* splitmix64: each thread's sequence depends on its seed alone. */
static uint64_t next_random(struct caller *c)
{
	uint64_t z = (c->rng += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint64_t pick(struct caller *c, uint64_t n)
{
	return next_random(c) % n;
}

static uint64_t shared_l1(struct caller *c)
{
	return m[FIRST_SHARED_L1 + pick(c, NR_SHARED_L1)];
}

/* An L1 the L2 entries can name: the pinned one or a shared one. */
static uint64_t any_l1(struct caller *c)
{
	uint64_t i = pick(c, NR_SHARED_L1 + 1);
	return i == NR_SHARED_L1 ? m[L1_PINNED] : m[FIRST_SHARED_L1 + i];
}

static enum op_kind hooker_op(struct caller *c)
{
	uint64_t r = pick(c, 100);
	return r < 60 ? OP_HOOK_L2 : r < 85 ? OP_HOOK_L3 : r < 95 ? OP_HOOK_L4 : OP_WRONG_LEVEL;
}

static enum op_kind choose_op(struct caller *c)
{
	switch (c->role) {
	case ROLE_PINNER:
		return pick(c, 2) ? OP_PIN : OP_UNPIN;
	case ROLE_HOOKER:
		return hooker_op(c);
	case ROLE_MAPPER:
		return OP_MAP;
	default:
		switch (pick(c, 3)) {
		case 0:
			return pick(c, 2) ? OP_PIN : OP_UNPIN;
		case 1:
			return hooker_op(c);
		default:
			return OP_MAP;
		}
	}
}

/* A present entry or an empty one, half and half. */
static uint64_t entry_or_empty(struct caller *c, uint64_t mfn)
{
	return pick(c, 2) ? mfn << PAGE_SHIFT | PTE_P_RW_U : 0;
}

/*
 * One L1 entry update.  A page table mapped writable through the pinned L1
 * has a fixed answer; through a shared L1 it depends on whether that L1 and
 * the target are tables in use at that moment, so only the scan afterwards
 * can judge it.
 */
static long map_op(struct caller *c, enum op_kind *kind)
{
	bool in_pinned_l1 = pick(c, 3) == 0;
	uint64_t l1 = in_pinned_l1 ? m[L1_PINNED] : shared_l1(c);
	unsigned int slot = (unsigned int)pick(c, L1_SLOTS);
	uint64_t r = pick(c, 100), val;
	if (r < 20) {
		val = 0;
	} else if (r < 55) {
		val = m[FIRST_DATA + pick(c, NR_DATA)] << PAGE_SHIFT | PTE_P_U;
	} else if (r < 90) {
		val = m[FIRST_DATA + pick(c, NR_DATA)] << PAGE_SHIFT | PTE_P_RW_U;
	} else {
		static const enum frame_role always_tables[] = { L4_PINNED, L3_PINNED, L2_PINNED, L1_PINNED };
		uint64_t table;
		if (in_pinned_l1 && pick(c, 2)) {
			table = m[always_tables[pick(c, 4)]];
			*kind = OP_TABLE_WRITABLE;
		} else {
			table = m[pick(c, FIRST_DATA)];
		}
		val = table << PAGE_SHIFT | PTE_P_RW_U;
	}
	return mmu_update1(c, l1, slot, val);
}

static long do_op(struct caller *c, enum op_kind *kind)
{
	switch (*kind) {
	case OP_PIN:
		return mmuext1(c, MMUEXT_PIN_L1_TABLE, shared_l1(c));
	case OP_UNPIN:
		return mmuext1(c, MMUEXT_UNPIN_TABLE, shared_l1(c));
	case OP_HOOK_L2:
		return mmu_update1(c, m[pick(c, 2) ? L2_PINNED : L2_HOOKED], (unsigned int)pick(c, L2_SLOTS),
				   entry_or_empty(c, any_l1(c)));
	case OP_HOOK_L3:
		return mmu_update1(c, m[pick(c, 2) ? L3_PINNED : L3_HOOKED], (unsigned int)pick(c, L3_SLOTS),
				   entry_or_empty(c, m[pick(c, 2) ? L2_PINNED : L2_HOOKED]));
	case OP_HOOK_L4:
		return mmu_update1(c, m[L4_PINNED], (unsigned int)pick(c, L4_SLOTS),
				   entry_or_empty(c, m[pick(c, 2) ? L3_PINNED : L3_HOOKED]));
	case OP_WRONG_LEVEL:
		/* The pinned L2 naming the L3 or the L4, the pinned L3 naming
		 * the pinned L1: their types are fixed, so always refused. */
		if (pick(c, 2))
			return mmu_update1(c, m[L2_PINNED], (unsigned int)pick(c, L2_SLOTS),
					   m[pick(c, 2) ? L3_PINNED : L4_PINNED] << PAGE_SHIFT | PTE_P_RW_U);
		return mmu_update1(c, m[L3_PINNED], (unsigned int)pick(c, L3_SLOTS),
				   m[L1_PINNED] << PAGE_SHIFT | PTE_P_RW_U);
	case OP_MAP:
		return map_op(c, kind);
	default:
		return -ENOSYS; /* not chosen: counted as an unexpected result */
	}
}

static enum result classify(long rc)
{
	return rc == 0 ? RESULT_OK : rc == -EINVAL ? RESULT_EINVAL : rc == -EBUSY ? RESULT_EBUSY : RESULT_OTHER;
}

static void *worker(void *arg)
{
	struct caller *c = arg;
	pthread_barrier_wait(&start_line);
	clock_gettime(CLOCK_MONOTONIC, &c->began);
	uint64_t seen = atomic_load(&ops_completed);
	while (c->ops < OPS_PER_THREAD || atomic_load(&threads_under_way) < NR_THREADS) {
		enum op_kind kind = choose_op(c);
		long rc = do_op(c, &kind);
		enum result res = classify(rc);
		c->results[kind][res]++;
		if (res == RESULT_OTHER)
			c->last_unexpected_rc = rc;
		if ((kind == OP_TABLE_WRITABLE && rc != -EBUSY) || (kind == OP_WRONG_LEVEL && rc != -EINVAL))
			c->strict_wrong++;
		if (atomic_fetch_add(&ops_completed, 1) != seen)
			c->interleavings++;
		seen = atomic_load(&ops_completed);
		if (c->ops++ == 0)
			atomic_fetch_add(&threads_under_way, 1);
		/* A thread that releases d->lock takes it again before a woken
		 * waiter runs, so without this each thread would do long
		 * stretches alone; half the time, so runs of both kinds occur. */
		if (pick(c, 2))
			sched_yield();
	}
	clock_gettime(CLOCK_MONOTONIC, &c->ended);
	return NULL;
}

/* ---- the invariant checker ------------------------------------------------ */

/* The domain's frames, in increasing order, as d->frames holds them. */
static size_t domain_frames(struct domain *d, uint64_t *out, size_t max)
{
	size_t n = 0;
	pthread_mutex_lock(&d->lock);
	for (size_t r = 0; r < d->frames.n; r++)
		for (uint64_t i = 0; i < d->frames.v[r].count && n < max; i++)
			out[n++] = d->frames.v[r].mfn + i;
	pthread_mutex_unlock(&d->lock);
	return n;
}

/* What the references found by scanning say a frame's counts must be. */
struct expected {
	uint64_t general, typed, type;
	bool type_conflict;
	unsigned int writable_refs;
};

static void want_type(struct expected *e, uint64_t type)
{
	if (e->typed++ == 0)
		e->type = type;
	else if (e->type != type)
		e->type_conflict = true;
	if (type == PGT_writable_page)
		e->writable_refs++;
}

static size_t index_of(const uint64_t *mfns, size_t n, uint64_t mfn)
{
	for (size_t i = 0; i < n; i++)
		if (mfns[i] == mfn)
			return i;
	return n;
}

static const char *role_name(uint64_t mfn, char *buf, size_t len)
{
	static const char *const names[] = { "pinned L4", "pinned L3", "hooked L3",
					     "pinned L2", "hooked L2", "pinned L1" };
	size_t i = index_of(m, NR_FRAMES, mfn);
	if (i < FIRST_SHARED_L1)
		snprintf(buf, len, "%s", names[i]);
	else if (i < FIRST_DATA)
		snprintf(buf, len, "shared L1 %zu", i - FIRST_SHARED_L1);
	else if (i < NR_FRAMES)
		snprintf(buf, len, "data %zu", i - FIRST_DATA);
	else
		snprintf(buf, len, "frame");
	return buf;
}

static bool is_table_type(uint64_t type)
{
	return type >= PGT_l1_page_table && type <= PGT_l4_page_table;
}

struct check {
	unsigned int bad_frames;
	uint64_t first_bad; /* MFN_INVALID when none */
};

static void report(struct check *ck, uint64_t mfn, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(struct check *ck, uint64_t mfn, const char *fmt, ...)
{
	char what[300], name[32];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	tap_diag("%s %#llx: %s", role_name(mfn, name, sizeof(name)), (unsigned long long)mfn, what);
	if (ck->first_bad == MFN_INVALID)
		ck->first_bad = mfn;
}

/*
 * Count, from what exists, the references each of d's frames must hold
 * (docs/memory.md): general ones from the allocation, every present entry
 * of a validated table, every pin and CR3; type ones from entries of
 * validated tables (the next level down, or writable for a writable L1
 * entry), pins and CR3s.  Then compare with the frame table.  Run only
 * while nothing changes d's tables.
 */
static struct check check_references(struct domain *d)
{
	enum { MAX_FRAMES = 128 };
	uint64_t mfns[MAX_FRAMES];
	struct expected e[MAX_FRAMES];
	struct check ck = { 0, MFN_INVALID };
	size_t n = domain_frames(d, mfns, MAX_FRAMES);
	memset(e, 0, sizeof(e));
	bool table_bad[MAX_FRAMES] = { false };

	for (unsigned int v = 0; v < d->max_vcpus; v++) {
		const struct vcpu *vc = d->vcpus[v];
		uint64_t roots[2] = { vc && vc->has_cr3 ? vc->cr3_mfn : MFN_INVALID,
				      vc && vc->has_user_cr3 ? vc->user_cr3_mfn : MFN_INVALID };
		for (int k = 0; k < 2; k++) {
			if (roots[k] == MFN_INVALID)
				continue;
			size_t j = index_of(mfns, n, roots[k]);
			if (j == n) {
				report(&ck, roots[k], "a vCPU's CR3 names a frame not the domain's");
				continue;
			}
			e[j].general++;
			want_type(&e[j], PGT_l4_page_table);
		}
	}
	for (size_t i = 0; i < n; i++) {
		const struct page_info *pg = mfn_to_page(&hv->heap, mfns[i]);
		uint64_t c = atomic_load(&pg->count_info), t = atomic_load(&pg->type_info);
		uint64_t type = t & PGT_TYPE_MASK;
		if (c & PGC_ALLOCATED)
			e[i].general++;
		if (t & PGT_pinned) {
			e[i].general++;
			want_type(&e[i], type);
		}
		if (!(t & PGT_validated) || !is_table_type(type))
			continue;
		unsigned int level = (unsigned int)(type >> PGT_TYPE_SHIFT);
		const _Atomic uint64_t *entries = machine_frame(&hv->machine, mfns[i]);
		for (unsigned int s = 0; s < 512; s++) {
			uint64_t pte = atomic_load(&entries[s]);
			bool reserved = level == 4 && s >= PV64_RESERVED_FIRST_L4 && s <= PV64_RESERVED_LAST_L4;
			if (!(pte & PTE_PRESENT) || reserved)
				continue; /* the hypervisor's slots hold no references */
			size_t j = index_of(mfns, n, (pte & PTE_ADDR_MASK) >> PAGE_SHIFT);
			if (j == n) {
				table_bad[i] = true;
				report(&ck, mfns[i], "entry %u (%#llx) names a frame not the domain's", s,
				       (unsigned long long)pte);
				continue;
			}
			e[j].general++;
			if (level > 1)
				want_type(&e[j], (uint64_t)(level - 1) << PGT_TYPE_SHIFT);
			else if (pte & PTE_RW)
				want_type(&e[j], PGT_writable_page);
		}
	}

	for (size_t i = 0; i < n; i++) {
		const struct page_info *pg = mfn_to_page(&hv->heap, mfns[i]);
		uint64_t c = atomic_load(&pg->count_info), t = atomic_load(&pg->type_info);
		uint64_t general = c & PGC_COUNT_MASK, typed = t & PGT_COUNT_MASK, type = t & PGT_TYPE_MASK;
		bool validated = t & PGT_validated, bad = table_bad[i];
		if (general != e[i].general) {
			bad = true;
			report(&ck, mfns[i], "general count %llu, references found %llu", (unsigned long long)general,
			       (unsigned long long)e[i].general);
		}
		if (typed != e[i].typed) {
			bad = true;
			report(&ck, mfns[i], "type count %llu, type references found %llu", (unsigned long long)typed,
			       (unsigned long long)e[i].typed);
		}
		if (e[i].type_conflict || (e[i].typed && type != e[i].type)) {
			bad = true;
			report(&ck, mfns[i], "type %llu, but references want type %llu%s",
			       (unsigned long long)(type >> PGT_TYPE_SHIFT),
			       (unsigned long long)(e[i].type >> PGT_TYPE_SHIFT),
			       e[i].type_conflict ? " and another one" : "");
		}
		if (validated != (is_table_type(type) && typed > 0)) {
			bad = true;
			report(&ck, mfns[i], "validated is %d with type %llu and type count %llu", validated,
			       (unsigned long long)(type >> PGT_TYPE_SHIFT), (unsigned long long)typed);
		}
		if (e[i].writable_refs && validated && is_table_type(type)) {
			bad = true;
			report(&ck, mfns[i], "a validated page table with %u writable mappings", e[i].writable_refs);
		}
		if (bad)
			ck.bad_frames++;
	}
	return ck;
}

/* ---- setup and the run ---------------------------------------------------- */

static uint64_t *frame(uint64_t mfn)
{
	return machine_frame(&hv->machine, mfn);
}

static bool setup(struct caller *c)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_createdomain };
	snprintf(op.u.createdomain.name, sizeof(op.u.createdomain.name), "concurrency");
	op.u.createdomain.max_vcpus = 1;
	op.u.createdomain.max_pages = 64;
	if (domctl(c, &op))
		return false;
	dom = domain_get(op.domain);
	if (!dom || populate(c, dom->id, NR_FRAMES, m) != NR_FRAMES)
		return false;
	for (unsigned int i = 0; i < NR_FRAMES; i++)
		memset(frame(m[i]), 0, PAGE_SIZE);
	/* Hooked tables start in use, so the first unhooks devalidate. */
	frame(m[L4_PINNED])[0] = m[L3_PINNED] << PAGE_SHIFT | PTE_P_RW_U;
	frame(m[L4_PINNED])[1] = m[L3_HOOKED] << PAGE_SHIFT | PTE_P_RW_U;
	frame(m[L3_PINNED])[0] = m[L2_PINNED] << PAGE_SHIFT | PTE_P_RW_U;
	frame(m[L3_HOOKED])[0] = m[L2_HOOKED] << PAGE_SHIFT | PTE_P_RW_U;
	frame(m[L2_PINNED])[0] = m[L1_PINNED] << PAGE_SHIFT | PTE_P_RW_U;
	frame(m[L2_HOOKED])[0] = m[FIRST_SHARED_L1] << PAGE_SHIFT | PTE_P_RW_U;
	frame(m[L1_PINNED])[0] = m[FIRST_DATA] << PAGE_SHIFT | PTE_P_RW_U;
	static const struct {
		enum frame_role role;
		unsigned int cmd;
	} pins[] = { { L4_PINNED, MMUEXT_PIN_L4_TABLE },
		     { L3_PINNED, MMUEXT_PIN_L3_TABLE },
		     { L2_PINNED, MMUEXT_PIN_L2_TABLE },
		     { L1_PINNED, MMUEXT_PIN_L1_TABLE } };
	for (size_t i = 0; i < sizeof(pins) / sizeof(pins[0]); i++)
		if (mmuext1(c, pins[i].cmd, m[pins[i].role]))
			return false;
	return true;
}

static double seconds_since(const struct timespec *start)
{
	struct timespec now;
	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - start->tv_sec) + (double)(now.tv_nsec - start->tv_nsec) / 1e9;
}

static bool before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static void run_threads(void)
{
	static struct caller callers[NR_THREADS];
	pthread_t threads[NR_THREADS];
	struct timespec start;
	pthread_barrier_init(&start_line, NULL, NR_THREADS + 1);
	unsigned int started = 0;
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		callers[i].role = (enum role)(i % 4);
		callers[i].rng = 0x5eed0000ull + i;
		if (pthread_create(&threads[i], NULL, worker, &callers[i]))
			break;
		started++;
	}
	if (started < NR_THREADS) {
		printf("Bail out! cannot start %u threads\n", NR_THREADS);
		exit(1);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	pthread_barrier_wait(&start_line);
	for (unsigned int i = 0; i < NR_THREADS; i++)
		pthread_join(threads[i], NULL);
	double elapsed = seconds_since(&start);
	pthread_barrier_destroy(&start_line);
	bool overlapped = true;
	for (unsigned int i = 0; i < NR_THREADS; i++)
		for (unsigned int j = 0; j < NR_THREADS; j++)
			overlapped = overlapped && before(&callers[i].began, &callers[j].ended);
	TAP_CHECK(overlapped, "the %u threads ran at the same time (each began before any finished)", NR_THREADS);

	unsigned int total[NR_OP_KINDS][NR_RESULTS] = { { 0 } }, strict_wrong = 0, other = 0, ops = 0;
	unsigned int interleavings = 0;
	long unexpected = 0;
	for (unsigned int i = 0; i < NR_THREADS; i++) {
		ops += callers[i].ops;
		interleavings += callers[i].interleavings;
		for (int k = 0; k < NR_OP_KINDS; k++)
			for (int r = 0; r < NR_RESULTS; r++)
				total[k][r] += callers[i].results[k][r];
		strict_wrong += callers[i].strict_wrong;
		if (callers[i].last_unexpected_rc)
			unexpected = callers[i].last_unexpected_rc;
	}
	tap_diag("%u operations in %.3f s; %u synchronous TLB flushes before a frame once writable became a table",
		 ops, elapsed, (unsigned int)atomic_load(&dom->tlb_epoch));
	bool every_kind_succeeded = true;
	for (int k = 0; k < NR_OP_KINDS; k++) {
		tap_diag("%-24s ok %5u  -EINVAL %5u  -EBUSY %5u  other %u", op_names[k], total[k][RESULT_OK],
			 total[k][RESULT_EINVAL], total[k][RESULT_EBUSY], total[k][RESULT_OTHER]);
		other += total[k][RESULT_OTHER];
		if (k != OP_TABLE_WRITABLE && k != OP_WRONG_LEVEL && !total[k][RESULT_OK])
			every_kind_succeeded = false;
	}
	/* Each time another thread's operation came between two of a thread's
	 * own counts once.  On an idle host that is thousands of times; on a
	 * loaded one (CI runs tests side by side on 2 CPUs) the threads may
	 * take turns by time slices and it falls to a few dozen, which still
	 * mixes every kind of operation between the threads. */
	TAP_CHECK(interleavings >= 20, "the threads' operations interleaved (%u times)", interleavings);
	TAP_CHECK(other == 0, "every result was 0, -EINVAL or -EBUSY (%u were not, e.g. %ld)", other, unexpected);
	TAP_CHECK(strict_wrong == 0 && total[OP_TABLE_WRITABLE][RESULT_EBUSY] > 0 &&
			  total[OP_WRONG_LEVEL][RESULT_EINVAL] > 0,
		  "a table in use mapped writable was always -EBUSY, one named at the wrong level always -EINVAL "
		  "(%u otherwise)",
		  strict_wrong);
	TAP_CHECK(every_kind_succeeded, "every kind of operation succeeded at times (the run tested something)");
	unsigned int refused = 0;
	for (int k = 0; k < NR_OP_KINDS; k++)
		refused += total[k][RESULT_EINVAL] + total[k][RESULT_EBUSY];
	TAP_CHECK(refused > ops / 20, "and many were refused (%u)", refused);
}

/* The checker must be able to fail: each deliberate corruption is found,
 * on the frame it was made on, and undoing it makes the scan clean again. */
static void test_checker_fails(void)
{
	tap_diag("deliberate corruptions follow; the reports below them are expected");
	struct page_info *l2 = mfn_to_page(&hv->heap, m[L2_PINNED]);
	atomic_fetch_add(&l2->type_info, 1);
	struct check ck = check_references(dom);
	atomic_fetch_sub(&l2->type_info, 1);
	TAP_CHECK(ck.bad_frames == 1 && ck.first_bad == m[L2_PINNED],
		  "a type count one too high is found (frames off: %u)", ck.bad_frames);

	struct page_info *data = mfn_to_page(&hv->heap, m[FIRST_DATA + 1]);
	atomic_fetch_add(&data->count_info, 1);
	ck = check_references(dom);
	atomic_fetch_sub(&data->count_info, 1);
	TAP_CHECK(ck.bad_frames == 1 && ck.first_bad == m[FIRST_DATA + 1],
		  "a general count one too high is found (frames off: %u)", ck.bad_frames);

	/* An entry in a validated L1 mapping a pinned table writable, written
	 * behind the hypervisor's back (slot 511: the threads write only the
	 * first L1_SLOTS, so it was empty). */
	_Atomic uint64_t *slot = &((_Atomic uint64_t *)frame(m[L1_PINNED]))[511];
	uint64_t saved = atomic_exchange(slot, m[L3_PINNED] << PAGE_SHIFT | PTE_P_RW_U);
	ck = check_references(dom);
	atomic_store(slot, saved);
	TAP_CHECK(ck.bad_frames == 1 && ck.first_bad == m[L3_PINNED],
		  "a page table mapped writable behind the hypervisor's back is found (frames off: %u)", ck.bad_frames);
	tap_diag("end of deliberate corruptions");
	TAP_CHECK(check_references(dom).bad_frames == 0, "undone, the scan is clean again");
}

static void unpin_everything(struct caller *c)
{
	unsigned int wrong = 0;
	for (unsigned int i = 0; i < NR_SHARED_L1; i++) {
		uint64_t mfn = m[FIRST_SHARED_L1 + i];
		bool was_pinned = atomic_load(&mfn_to_page(&hv->heap, mfn)->type_info) & PGT_pinned;
		if (mmuext1(c, MMUEXT_UNPIN_TABLE, mfn) != (was_pinned ? 0 : -EINVAL))
			wrong++;
	}
	TAP_CHECK(wrong == 0, "the shared L1s left pinned unpin, the others are -EINVAL (%u otherwise)", wrong);
	static const enum frame_role pinned[] = { L1_PINNED, L2_PINNED, L3_PINNED, L4_PINNED };
	bool unpinned = true;
	for (size_t i = 0; i < sizeof(pinned) / sizeof(pinned[0]); i++)
		unpinned = mmuext1(c, MMUEXT_UNPIN_TABLE, m[pinned[i]]) == 0 && unpinned;
	TAP_CHECK(unpinned, "unpin the pinned L1, L2, L3 and L4");
	unsigned int in_use = 0;
	for (unsigned int i = 0; i < NR_FRAMES; i++) {
		const struct page_info *pg = mfn_to_page(&hv->heap, m[i]);
		uint64_t t = atomic_load(&pg->type_info), count = atomic_load(&pg->count_info);
		if ((t & (PGT_COUNT_MASK | PGT_validated | PGT_pinned)) || count != (PGC_ALLOCATED | 1))
			in_use++;
	}
	TAP_CHECK(in_use == 0 && check_references(dom).bad_frames == 0,
		  "with no table pinned every frame holds only its allocation's reference (%u do not)", in_use);
}

int main(void)
{
	const char *why = "";
	d0 = inproc_hypervisor_start(1ull << 30, &why);
	if (!d0) {
		printf("Bail out! %s\n", why);
		return 1;
	}
	uint64_t free0 = heap_free_frames(&hv->heap);
	/* Tiny validation steps: trees are left part-way validated between
	 * steps (the lock let go), for the other threads to run into. */
	pv_validation_budget = 3;
	static struct caller main_caller;
	if (!setup(&main_caller)) {
		printf("Bail out! cannot set up the domain and its tables\n");
		return 1;
	}
	TAP_CHECK(check_references(dom).bad_frames == 0, "the counts of the freshly pinned tree match its references");

	run_threads();
	struct check ck = check_references(dom);
	TAP_CHECK(ck.bad_frames == 0,
		  "after the run every type and general count equals the references found, and no table is "
		  "mapped writable (%u frames off)",
		  ck.bad_frames);

	test_checker_fails();
	unpin_everything(&main_caller);

	struct xg_domctl op = { .cmd = XG_DOMCTL_destroydomain, .domain = dom->id };
	TAP_CHECK(domctl(&main_caller, &op) == 0, "destroy the domain");
	domain_put(dom);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back in the heap");

	inproc_hypervisor_stop(d0);
	return tap_done();
}
