/*
 * bench/mmu: the cost of the PV page-table checks, against baselines
 * measured in the same run.
 *
 *   1. Validation: a 4-level tree mapping 1 GiB of the domain's own frames
 *      (512 L1 tables), writable and then read-only, is pinned with
 *      MMUEXT_PIN_L4_TABLE (every entry checked and referenced) and
 *      unpinned with MMUEXT_UNPIN_TABLE (every reference given back).
 *      Writable mappings cost more: each takes a type reference too.
 *      Baseline: a plain C walk of the same tree that reads every entry
 *      and checks its frame against the domain's lowest and highest frame,
 *      the least any check must do.
 *   2. mmu_update: batches of 512 MMU_NORMAL_PT_UPDATE requests on the
 *      entries of a pinned L1; each batch moves every entry between its two
 *      data frames, so each update takes references on one frame and drops
 *      them on another.  Baseline: the same 512 values written with atomic
 *      stores into a scratch page.
 *   3. One-entry calls: mmu_update of a single entry of a pinned L1,
 *      rewritten unchanged (as a guest re-setting an entry) and moved to
 *      another frame, one call at a time.  Baseline: the round trip of a
 *      bare VM's exit (bench/bare_vm.h: raw KVM where /dev/kvm works, else
 *      the emulating backend without the core), since a guest pays that
 *      exit on top of the core's work for every hypercall.  The ratio says
 *      how the core's work compares with the exit; the full guest round
 *      trip, both together, is what bench/hypercall measures.
 *      update_va_mapping is not here: it walks the calling vCPU's page
 *      tables, and in-process calls come from the control domain, which
 *      has no vCPU; bench/hypercall times it from a guest.
 *
 * The hypervisor core runs in this process, set up as
 * tests/unit/test_control.c does, and the calls go through
 * hypercall_dispatch() as the control domain's requests (buffers in a
 * request data area), so what is timed is the handlers and the page-type
 * code alone, without the control socket.  No guest runs: /dev/kvm is
 * neither needed nor used, and the emulating backend only provides the
 * VM object domains are created with.
 *
 *   mmu [RUNS]
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/domain.h"
#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/memory.h"
#include "public/xen.h"
#include "public/xg_control.h"
#include "bench/bare_vm.h"
#include "bench/measure.h"
#include "tests/lib/inproc_hypervisor.h"

#define PTE_FLAGS_WRITABLE 0x7ull /* present, writable, user */
#define PTE_FLAGS_READ_ONLY 0x5ull /* present, user */
#define ENTRIES_PER_TABLE 512
#define NR_L1_TABLES 512
#define NR_DATA_FRAMES ((uint64_t)NR_L1_TABLES * ENTRIES_PER_TABLE) /* 1 GiB */
#define EXTENT_ORDER 9 /* 2 MiB extents, as the domain builder asks for */
#define EXTENT_FRAMES (1ull << EXTENT_ORDER)
/* The data, the L4, L3, L2 and L1s of the tree, and the L1 for mmu_update,
 * rounded up to whole extents. */
#define NR_DOMAIN_EXTENTS ((NR_DATA_FRAMES + 3 + NR_L1_TABLES + 1 + EXTENT_FRAMES - 1) / EXTENT_FRAMES)
#define MACHINE_BYTES (4ull << 30)
#define UPDATE_BATCH 512
#define UPDATE_BATCHES_PER_RUN 500
#define ONE_ENTRY_CALLS 20000 /* per run, as bench/hypercall's guest loops */
_Static_assert(UPDATE_BATCHES_PER_RUN % 2 == 0, "each run must leave the entries where it found them");
_Static_assert(ONE_ENTRY_CALLS % 2 == 0, "each run must leave the entry where it found it");

/* A request's data area, as libxg builds it. */
static struct inproc_req request;

static uint64_t request_put(const void *src, size_t len)
{
	uint64_t h = inproc_put(&request, src, len);
	if (!h) {
		fprintf(stderr, "mmu: request data area too small\n");
		exit(1);
	}
	return h;
}

static void *request_at(uint64_t handle)
{
	return inproc_at(&request, handle);
}

static long hypercall_as_control(struct domain *d0, unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2,
				 uint64_t a3)
{
	request.caller = d0;
	return inproc_call(&request, nr, a0, a1, a2, a3);
}

static uint64_t *frame_entries(uint64_t mfn)
{
	return machine_frame(&hv->machine, mfn);
}

static struct domain *create_domain(struct domain *d0, const char *name, uint64_t max_pages)
{
	request.used = 0;
	struct xg_domctl op = { .cmd = XG_DOMCTL_createdomain, .interface_version = XG_DOMCTL_INTERFACE_VERSION };
	snprintf(op.u.createdomain.name, sizeof(op.u.createdomain.name), "%s", name);
	op.u.createdomain.max_vcpus = 1;
	op.u.createdomain.max_pages = max_pages;
	uint64_t h = request_put(&op, sizeof(op));
	if (hypercall_as_control(d0, __HYPERVISOR_domctl, h, 0, 0, 0))
		return NULL;
	return domain_get(((struct xg_domctl *)request_at(h))->domain);
}

static long destroy_domain(struct domain *d0, struct domain *d)
{
	request.used = 0;
	struct xg_domctl op = { .cmd = XG_DOMCTL_destroydomain, .interface_version = XG_DOMCTL_INTERFACE_VERSION,
				.domain = d->id };
	uint64_t h = request_put(&op, sizeof(op));
	return hypercall_as_control(d0, __HYPERVISOR_domctl, h, 0, 0, 0);
}

/* Every frame of the domain, in the order the heap handed them out. */
static long populate(struct domain *d0, struct domain *d, uint64_t *frames)
{
	request.used = 0;
	uint64_t list = request_put(NULL, NR_DOMAIN_EXTENTS * sizeof(xen_pfn_t));
	xen_pfn_t *gpfns = request_at(list);
	for (uint64_t i = 0; i < NR_DOMAIN_EXTENTS; i++)
		gpfns[i] = i << EXTENT_ORDER;
	struct xen_memory_reservation r = { .nr_extents = NR_DOMAIN_EXTENTS, .extent_order = EXTENT_ORDER,
					    .domid = d->id };
	r.extent_start.p = (xen_pfn_t *)(uintptr_t)list;
	uint64_t h = request_put(&r, sizeof(r));
	long rc = hypercall_as_control(d0, __HYPERVISOR_memory_op, XENMEM_populate_physmap, h, 0, 0);
	for (long i = 0; i < rc; i++)
		for (uint64_t j = 0; j < EXTENT_FRAMES; j++)
			frames[(uint64_t)i * EXTENT_FRAMES + j] = gpfns[i] + j;
	return rc;
}

static long mmuext(struct domain *d0, struct domain *d, unsigned int cmd, uint64_t mfn)
{
	request.used = 0;
	struct mmuext_op op = { .cmd = cmd };
	op.arg1.mfn = mfn;
	uint64_t h = request_put(&op, sizeof(op));
	return hypercall_as_control(d0, __HYPERVISOR_mmuext_op, h, 1, 0, d->id);
}

struct tree {
	uint64_t l4, l3, l2, l1[NR_L1_TABLES];
	uint64_t lowest_frame, highest_frame; /* of the domain, for the baseline's check */
};

/* L4[0] -> L3[0] -> L2[0..511] -> the L1s, each mapping 512 data frames
 * with data_flags, as a guest writes its tables before it pins them. */
static void build_tree(struct tree *t, const uint64_t *data_frames, uint64_t data_flags)
{
	uint64_t *l4 = frame_entries(t->l4), *l3 = frame_entries(t->l3), *l2 = frame_entries(t->l2);
	memset(l4, 0, PAGE_SIZE);
	memset(l3, 0, PAGE_SIZE);
	memset(l2, 0, PAGE_SIZE);
	l4[0] = t->l3 << PAGE_SHIFT | PTE_FLAGS_WRITABLE;
	l3[0] = t->l2 << PAGE_SHIFT | PTE_FLAGS_WRITABLE;
	for (unsigned int i = 0; i < NR_L1_TABLES; i++) {
		l2[i] = t->l1[i] << PAGE_SHIFT | PTE_FLAGS_WRITABLE;
		uint64_t *l1 = frame_entries(t->l1[i]);
		for (unsigned int j = 0; j < ENTRIES_PER_TABLE; j++)
			l1[j] = data_frames[i * ENTRIES_PER_TABLE + j] << PAGE_SHIFT | data_flags;
	}
}

/* Present entries the tree holds outside the reserved L4 slots. */
static uint64_t tree_entries(void)
{
	return 1 + 1 + NR_L1_TABLES + NR_DATA_FRAMES;
}

/* The least a validation must do: read every present entry of every level
 * and check the frame it names.  Returns the entries that passed, so the
 * walk cannot be optimised away and its result can be checked. */
static uint64_t walk_and_check(const struct tree *t)
{
	const uint64_t lowest = t->lowest_frame, span = t->highest_frame - t->lowest_frame + 1;
	uint64_t passed = 0;
	const uint64_t *l4 = frame_entries(t->l4);
	for (unsigned int i4 = 0; i4 < ENTRIES_PER_TABLE; i4++) {
		uint64_t e4 = l4[i4];
		if (!(e4 & PTE_PRESENT) || (i4 >= PV64_RESERVED_FIRST_L4 && i4 <= PV64_RESERVED_LAST_L4))
			continue;
		uint64_t f3 = (e4 & PTE_ADDR_MASK) >> PAGE_SHIFT;
		if (f3 - lowest >= span)
			continue;
		passed++;
		const uint64_t *l3 = frame_entries(f3);
		for (unsigned int i3 = 0; i3 < ENTRIES_PER_TABLE; i3++) {
			uint64_t e3 = l3[i3];
			uint64_t f2 = (e3 & PTE_ADDR_MASK) >> PAGE_SHIFT;
			if (!(e3 & PTE_PRESENT) || f2 - lowest >= span)
				continue;
			passed++;
			const uint64_t *l2 = frame_entries(f2);
			for (unsigned int i2 = 0; i2 < ENTRIES_PER_TABLE; i2++) {
				uint64_t e2 = l2[i2];
				uint64_t f1 = (e2 & PTE_ADDR_MASK) >> PAGE_SHIFT;
				if (!(e2 & PTE_PRESENT) || f1 - lowest >= span)
					continue;
				passed++;
				const uint64_t *l1 = frame_entries(f1);
				for (unsigned int i1 = 0; i1 < ENTRIES_PER_TABLE; i1++) {
					uint64_t e1 = l1[i1];
					passed += (e1 & PTE_PRESENT) &&
						  ((e1 & PTE_ADDR_MASK) >> PAGE_SHIFT) - lowest < span;
				}
			}
		}
	}
	return passed;
}

static uint64_t type_info(uint64_t mfn)
{
	return atomic_load(&mfn_to_page(&hv->heap, mfn)->type_info);
}

static uint64_t ref_count(uint64_t mfn)
{
	return atomic_load(&mfn_to_page(&hv->heap, mfn)->count_info) & PGC_COUNT_MASK;
}

/* Pin and unpin the tree mapping the data frames with data_flags.  The
 * walk runs right before each pin, so both find the tables as the previous
 * unpin left them in the caches. */
static int bench_validation(struct domain *d0, struct domain *d, struct tree *t, const uint64_t *data_frames,
			    uint64_t data_flags, int runs)
{
	build_tree(t, data_frames, data_flags);
	const bool writable = data_flags & PTE_RW;
	const uint64_t last_data = data_frames[NR_DATA_FRAMES - 1];
	double *pin_s = calloc((size_t)runs, sizeof(double)), *unpin_s = calloc((size_t)runs, sizeof(double));
	double *walk_s = calloc((size_t)runs, sizeof(double));
	/* One round first: it faults in the frame table and the tables, which
	 * is start-up cost, not validation. */
	for (int run = -1; run < runs; run++) {
		double t0 = now_seconds();
		uint64_t passed = walk_and_check(t);
		double t1 = now_seconds();
		long pin_rc = mmuext(d0, d, MMUEXT_PIN_L4_TABLE, t->l4);
		double t2 = now_seconds();
		/* The mapping holds a general reference beside the allocation's,
		 * and a writable one a type reference. */
		bool validated = (type_info(t->l1[NR_L1_TABLES - 1]) & PGT_validated) && ref_count(last_data) == 2 &&
				 (type_info(last_data) & PGT_COUNT_MASK) == (writable ? 1u : 0u);
		double t3 = now_seconds();
		long unpin_rc = mmuext(d0, d, MMUEXT_UNPIN_TABLE, t->l4);
		double t4 = now_seconds();
		bool released = !(type_info(t->l1[0]) & (PGT_validated | PGT_COUNT_MASK)) &&
				ref_count(last_data) == 1 && !(type_info(last_data) & PGT_COUNT_MASK);
		if (passed != tree_entries() || pin_rc || unpin_rc || !validated || !released) {
			fprintf(stderr,
				"mmu: validation run %d went wrong (walk passed %llu of %llu, pin %ld, unpin %ld, "
				"validated %d, released %d)\n",
				run, (unsigned long long)passed, (unsigned long long)tree_entries(), pin_rc, unpin_rc,
				validated, released);
			return -1;
		}
		if (run < 0)
			continue;
		walk_s[run] = t1 - t0;
		pin_s[run] = t2 - t1;
		unpin_s[run] = t4 - t3;
	}
	double pin = median(pin_s, runs), unpin = median(unpin_s, runs), walk = median(walk_s, runs);
	double mib = (double)(NR_DATA_FRAMES * PAGE_SIZE) / (1 << 20), entries = (double)tree_entries();
	printf("validation of a tree mapping 1 GiB %s (%llu present entries), medians of %d runs:\n",
	       writable ? "writable" : "read-only", (unsigned long long)tree_entries(), runs);
	printf("  %-34s %9.3f ms %9.0f MiB/s %7.2f ns/entry\n", "MMUEXT_PIN_L4_TABLE (validate)", pin * 1e3,
	       mib / pin, pin / entries * 1e9);
	printf("  %-34s %9.3f ms %9.0f MiB/s %7.2f ns/entry\n", "MMUEXT_UNPIN_TABLE (devalidate)", unpin * 1e3,
	       mib / unpin, unpin / entries * 1e9);
	printf("  %-34s %9.3f ms %9.0f MiB/s %7.2f ns/entry\n", "baseline: walk + frame range check", walk * 1e3,
	       mib / walk, walk / entries * 1e9);
	printf("  ratio pin / baseline %.1f, unpin / baseline %.1f\n", pin / walk, unpin / walk);
	free(pin_s);
	free(unpin_s);
	free(walk_s);
	return 0;
}

/* The requests moving every entry of the L1 at l1 to frames[i]. */
static uint64_t put_update_batch(uint64_t l1, const uint64_t *frames)
{
	struct mmu_update reqs[UPDATE_BATCH];
	for (unsigned int i = 0; i < UPDATE_BATCH; i++)
		reqs[i] = (struct mmu_update){ .ptr = (l1 << PAGE_SHIFT) + i * sizeof(uint64_t) + MMU_NORMAL_PT_UPDATE,
					       .val = frames[i] << PAGE_SHIFT | PTE_FLAGS_WRITABLE };
	return request_put(reqs, sizeof(reqs));
}

static int bench_mmu_update(struct domain *d0, struct domain *d, uint64_t l1, const uint64_t *data_frames, int runs)
{
	/* Entry i alternates between data frames i and 512 + i. */
	const uint64_t *frames_a = data_frames, *frames_b = data_frames + UPDATE_BATCH;
	uint64_t *entries = frame_entries(l1);
	for (unsigned int i = 0; i < UPDATE_BATCH; i++)
		entries[i] = frames_a[i] << PAGE_SHIFT | PTE_FLAGS_WRITABLE;
	long rc = mmuext(d0, d, MMUEXT_PIN_L1_TABLE, l1);
	if (rc) {
		fprintf(stderr, "mmu: pinning the L1 failed (%ld)\n", rc);
		return -1;
	}
	/* Both lists stay in the data area: what is timed is the hypercall,
	 * not the toolstack building requests. */
	request.used = 0;
	uint64_t to_b = put_update_batch(l1, frames_b), to_a = put_update_batch(l1, frames_a);
	uint64_t done_handle = request_put(NULL, sizeof(unsigned int));
	const uint64_t foreigndom = ((uint64_t)(d->id + 1) << 16) | d->id;
	const struct mmu_update *values_b = request_at(to_b), *values_a = request_at(to_a);
	static _Atomic uint64_t scratch[UPDATE_BATCH];

	double *update_s = calloc((size_t)runs, sizeof(double)), *store_s = calloc((size_t)runs, sizeof(double));
	for (int run = -1; run < runs; run++) {
		double t0 = now_seconds();
		for (int b = 0; b < UPDATE_BATCHES_PER_RUN; b++) {
			const struct mmu_update *v = b & 1 ? values_a : values_b;
			for (unsigned int i = 0; i < UPDATE_BATCH; i++)
				atomic_store(&scratch[i], v[i].val);
		}
		double t1 = now_seconds();
		for (int b = 0; b < UPDATE_BATCHES_PER_RUN; b++) {
			rc = hypercall_as_control(d0, __HYPERVISOR_mmu_update, b & 1 ? to_a : to_b, UPDATE_BATCH,
						  done_handle, foreigndom);
			unsigned int done = *(unsigned int *)request_at(done_handle);
			if (rc || done != UPDATE_BATCH) {
				fprintf(stderr, "mmu: mmu_update batch failed (%ld, %u done)\n", rc, done);
				return -1;
			}
		}
		double t2 = now_seconds();
		/* An even number of batches leaves every entry on frames_a. */
		if ((type_info(frames_a[0]) & PGT_COUNT_MASK) != 1 || (type_info(frames_b[0]) & PGT_COUNT_MASK) != 0) {
			fprintf(stderr, "mmu: type counts wrong after the updates\n");
			return -1;
		}
		if (run < 0)
			continue;
		store_s[run] = t1 - t0;
		update_s[run] = t2 - t1;
	}
	double n = (double)UPDATE_BATCHES_PER_RUN * UPDATE_BATCH;
	double update = median(update_s, runs) / n, store = median(store_s, runs) / n;
	printf("mmu_update: %d batches of %d MMU_NORMAL_PT_UPDATE on a pinned L1, medians of %d runs:\n",
	       UPDATE_BATCHES_PER_RUN, UPDATE_BATCH, runs);
	printf("  %-34s %9.2f ns/entry %12.0f updates/s\n", "mmu_update (checked, referenced)", update * 1e9,
	       1 / update);
	printf("  %-34s %9.2f ns/entry %12.0f updates/s\n", "baseline: atomic stores", store * 1e9, 1 / store);
	printf("  ratio mmu_update / baseline %.1f\n", update / store);
	free(update_s);
	free(store_s);
	rc = mmuext(d0, d, MMUEXT_UNPIN_TABLE, l1);
	return rc ? -1 : 0;
}

/* Average seconds per call of `calls` one-entry mmu_updates, alternating
 * between the requests at first and second (the same handle twice for a
 * rewrite of an unchanged entry). */
static double time_one_entry_updates(struct domain *d0, uint64_t first, uint64_t second, uint64_t foreigndom,
				     unsigned int calls)
{
	double t0 = now_seconds();
	for (unsigned int i = 0; i < calls; i++)
		if (hypercall_as_control(d0, __HYPERVISOR_mmu_update, i & 1 ? second : first, 1, 0, foreigndom))
			return -1;
	return (now_seconds() - t0) / calls;
}

static int bench_one_entry_update(struct domain *d0, struct domain *d, uint64_t l1, const uint64_t *data_frames,
				  enum bare_vm_backend backend, int runs)
{
	uint64_t *entries = frame_entries(l1);
	memset(entries, 0, PAGE_SIZE);
	const uint64_t on_a = data_frames[0] << PAGE_SHIFT | PTE_FLAGS_WRITABLE,
		       on_b = data_frames[1] << PAGE_SHIFT | PTE_FLAGS_WRITABLE;
	entries[0] = on_a;
	long rc = mmuext(d0, d, MMUEXT_PIN_L1_TABLE, l1);
	if (rc) {
		fprintf(stderr, "mmu: pinning the L1 failed (%ld)\n", rc);
		return -1;
	}
	request.used = 0;
	const struct mmu_update to_a = { .ptr = (l1 << PAGE_SHIFT) + MMU_NORMAL_PT_UPDATE, .val = on_a },
				to_b = { .ptr = (l1 << PAGE_SHIFT) + MMU_NORMAL_PT_UPDATE, .val = on_b };
	const uint64_t to_a_handle = request_put(&to_a, sizeof(to_a)), to_b_handle = request_put(&to_b, sizeof(to_b));
	const uint64_t foreigndom = ((uint64_t)(d->id + 1) << 16) | d->id;

	double *unchanged_s = calloc((size_t)runs, sizeof(double)), *moved_s = calloc((size_t)runs, sizeof(double));
	for (int run = -1; run < runs; run++) {
		double unchanged = time_one_entry_updates(d0, to_a_handle, to_a_handle, foreigndom, ONE_ENTRY_CALLS);
		/* An even number of calls leaves the entry on frame a. */
		double moved = time_one_entry_updates(d0, to_b_handle, to_a_handle, foreigndom, ONE_ENTRY_CALLS);
		if (unchanged < 0 || moved < 0 || entries[0] != on_a) {
			fprintf(stderr, "mmu: a one-entry mmu_update failed\n");
			return -1;
		}
		if (run < 0)
			continue; /* warm-up */
		unchanged_s[run] = unchanged;
		moved_s[run] = moved;
	}
	struct bare_exit_cost *exit_runs = calloc((size_t)runs, sizeof(*exit_runs));
	if (bare_vm_exit_round_trips(backend, ONE_ENTRY_CALLS, (unsigned int)runs, exit_runs)) {
		fprintf(stderr, "mmu: the bare VM's exit loop failed\n");
		return -1;
	}
	const struct bare_exit_cost exit_cost = bare_exit_cost_median(exit_runs, (unsigned int)runs);
	free(exit_runs);
	double unchanged = median(unchanged_s, runs) * 1e9, moved = median(moved_s, runs) * 1e9;
	printf("one-entry mmu_update, %d calls per run, medians of %d runs, against a bare exit round trip\n"
	       "  (bare VM on %s, %s):\n",
	       ONE_ENTRY_CALLS, runs, bare_vm_backend_name(backend), bare_vm_description(backend));
	printf("  %-42s %9.1f ns/call\n", "mmu_update, entry rewritten unchanged", unchanged);
	printf("  %-42s %9.1f ns/call\n", "mmu_update, entry moved to another frame", moved);
	printf("  %-42s %9.1f ns/exit\n", "baseline: bare exit round trip", exit_cost.ns);
	printf("  ratio unchanged / baseline %.2f, moved / baseline %.2f\n", unchanged / exit_cost.ns,
	       moved / exit_cost.ns);
	printf("  (the core's work alone, called in-process; a guest pays it on top of its exit:\n"
	       "   the full guest round trip is measured by bench/hypercall)\n");
	free(unchanged_s);
	free(moved_s);
	rc = mmuext(d0, d, MMUEXT_UNPIN_TABLE, l1);
	return rc ? -1 : 0;
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 21;
	if (runs < 1 || runs > 1000)
		runs = 21;
	enum bare_vm_backend backend;
	char bare_vm_why[200];
	if (bare_vm_init(&backend, bare_vm_why, sizeof(bare_vm_why))) {
		fprintf(stderr, "mmu: %s\n", bare_vm_why);
		return 1;
	}
	/* Sparse memfd: only the frames written (the tables) cost memory. */
	const char *why = "";
	struct domain *d0 = inproc_hypervisor_start(MACHINE_BYTES, &why);
	if (!d0) {
		fprintf(stderr, "mmu: %s\n", why);
		return 1;
	}
	uint64_t free_before = heap_free_frames(&hv->heap);

	uint64_t nr_frames = NR_DOMAIN_EXTENTS * EXTENT_FRAMES;
	uint64_t *frames = calloc(nr_frames, sizeof(uint64_t));
	struct tree *t = calloc(1, sizeof(*t));
	struct domain *d = create_domain(d0, "mmu-bench", nr_frames);
	long populated = d ? populate(d0, d, frames) : -1;
	if (populated != (long)NR_DOMAIN_EXTENTS) {
		fprintf(stderr, "mmu: cannot create and populate the domain (%ld extents)\n", populated);
		return 1;
	}
	/* The data frames first, then the tables from the rest. */
	const uint64_t *data_frames = frames;
	uint64_t next = NR_DATA_FRAMES;
	t->l4 = frames[next++];
	t->l3 = frames[next++];
	t->l2 = frames[next++];
	for (unsigned int i = 0; i < NR_L1_TABLES; i++)
		t->l1[i] = frames[next++];
	uint64_t update_l1 = frames[next++];
	t->lowest_frame = UINT64_MAX;
	t->highest_frame = 0;
	for (uint64_t i = 0; i < nr_frames; i++) {
		if (frames[i] < t->lowest_frame)
			t->lowest_frame = frames[i];
		if (frames[i] > t->highest_frame)
			t->highest_frame = frames[i];
	}

	printf("bench/mmu: the hypervisor core in-process, calls as the control domain; times are medians,\n"
	       "each next to a baseline measured in the same run and the ratio (higher: costlier than baseline).\n"
	       "  ns/entry: per present page-table entry handled; MiB/s: guest memory mapped per second.\n");
	int failed = bench_validation(d0, d, t, data_frames, PTE_FLAGS_WRITABLE, runs);
	if (!failed)
		failed = bench_validation(d0, d, t, data_frames, PTE_FLAGS_READ_ONLY, runs);
	if (!failed)
		failed = bench_mmu_update(d0, d, update_l1, data_frames, runs);
	if (!failed)
		failed = bench_one_entry_update(d0, d, update_l1, data_frames, backend, runs);

	long destroy_rc = destroy_domain(d0, d);
	domain_put(d);
	if (destroy_rc || heap_free_frames(&hv->heap) != free_before) {
		fprintf(stderr, "mmu: frames missing after the domain was destroyed (%ld, %llu of %llu free)\n",
			destroy_rc, (unsigned long long)heap_free_frames(&hv->heap), (unsigned long long)free_before);
		failed = 1;
	}
	free(frames);
	free(t);
	inproc_hypervisor_stop(d0);
	return failed ? 1 : 0;
}
