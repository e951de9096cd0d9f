/*
 * Validation in bounded steps (Xen's preemptible get_page_type): a tree of
 * 1024 L1s (half a million entries) is pinned step by step, each step
 * leaving the tables part-way validated (PGT_partial) with one type
 * reference for the next to adopt; counts are exact when it completes, and
 * nothing is left behind when the guest abandons a partial tree or a
 * later step finds a bad entry.
 */
#include <errno.h>
#include <string.h>

#include "hv/domain.h"
#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/memory.h"
#include "public/xen.h"
#include "public/xg_control.h"
#include "tests/lib/inproc_hypervisor.h"
#include "tests/tap.h"

#define NR_L1 1024
#define FRAMES (4 + NR_L1 + 4)
#define DATA_A (4 + NR_L1)
#define DATA_B (DATA_A + 1)
#define SPARE (DATA_A + 2)
#define PR 0x5ull /* present, user: read-only */
#define PW 0x7ull

static struct inproc_req req;
static uint64_t m[FRAMES];

static uint64_t *frame(uint64_t mfn)
{
	return machine_frame(&hv->machine, mfn);
}

static uint64_t type_info(uint64_t mfn)
{
	return atomic_load(&mfn_to_page(&hv->heap, mfn)->type_info);
}

static uint64_t refs(uint64_t mfn)
{
	return atomic_load(&mfn_to_page(&hv->heap, mfn)->count_info) & PGC_COUNT_MASK;
}

/* L4 m[0] -> L3 m[1] -> L2s m[2], m[3] -> 1024 L1s, every entry mapping
 * DATA_A or DATA_B read-only. */
static void build_tree(uint64_t l4)
{
	memset(frame(l4), 0, 4096);
	memset(frame(m[1]), 0, 4096);
	frame(l4)[0] = m[1] << 12 | PW;
	for (int j = 0; j < 2; j++) {
		memset(frame(m[2 + j]), 0, 4096);
		frame(m[1])[j] = m[2 + j] << 12 | PW;
		for (int i = 0; i < 512; i++)
			frame(m[2 + j])[i] = m[4 + j * 512 + i] << 12 | PW;
	}
	for (int l = 0; l < NR_L1; l++)
		for (int i = 0; i < 512; i++)
			frame(m[4 + l])[i] = m[(i & 1) ? DATA_B : DATA_A] << 12 | PR;
}

static int step(struct domain *d, uint64_t l4)
{
	char why[200];
	pthread_mutex_lock(&d->lock);
	int rc = pv_get_page_and_type_preemptible(d, l4, PGT_l4_page_table, why, sizeof(why));
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static bool l1s_untyped(void)
{
	for (int l = 0; l < NR_L1; l++)
		if (type_info(m[4 + l]) & (PGT_COUNT_MASK | PGT_partial))
			return false;
	return true;
}

static void test_steps(struct domain *d)
{
	uint64_t base_a = refs(m[DATA_A]), base_b = refs(m[DATA_B]);
	build_tree(m[0]);
	int rc = step(d, m[0]);
	uint64_t t4 = type_info(m[0]);
	TAP_CHECK(rc == -ERESTART && (t4 & PGT_partial) && !(t4 & PGT_validated) && (t4 & PGT_COUNT_MASK) == 1,
		  "a big tree stops part-way: the L4 is partial with one type reference (%d)", rc);
	TAP_CHECK(refs(m[0]) == 1, "and the stopped call holds no general reference on it");
	uint64_t done = refs(m[DATA_A]) - base_a;
	TAP_CHECK(done > 0 && done < 4096, "one step validated a bounded number of entries (%llu to one frame)",
		  (unsigned long long)done);
	TAP_CHECK((type_info(m[1]) & PGT_partial) && (type_info(m[2]) & PGT_partial) &&
			  (type_info(m[4]) & PGT_validated) && !(type_info(m[4 + NR_L1 - 1]) & PGT_COUNT_MASK),
		  "the L3 and first L2 are partial too, the first L1 validated, the last not touched");

	unsigned int steps = 1;
	while ((rc = step(d, m[0])) == -ERESTART && steps < 100000)
		steps++;
	steps++;
	t4 = type_info(m[0]);
	TAP_CHECK(rc == 0 && (t4 & PGT_validated) && !(t4 & PGT_partial) && (t4 & PGT_COUNT_MASK) == 1,
		  "continuing adopts the reference each time and completes in %u steps", steps);
	TAP_CHECK(steps >= NR_L1 * 512 / pv_validation_budget, "no step did more than its budget");
	bool all = true;
	for (int l = 0; l < NR_L1; l++)
		all = all && (type_info(m[4 + l]) & PGT_COUNT_MASK) == 1 && (type_info(m[4 + l]) & PGT_validated);
	TAP_CHECK(all && refs(m[DATA_A]) == base_a + NR_L1 * 256 && refs(m[DATA_B]) == base_b + NR_L1 * 256,
		  "every L1 has exactly one type reference and every entry its general one");

	pthread_mutex_lock(&d->lock);
	pv_put_page_and_type(d, m[0]);
	pthread_mutex_unlock(&d->lock);
	TAP_CHECK(l1s_untyped() && refs(m[DATA_A]) == base_a && (type_info(m[0]) & PGT_COUNT_MASK) == 0,
		  "dropping the tree releases everything");
}

static void test_abandoned(struct domain *d)
{
	uint64_t base_a = refs(m[DATA_A]);
	uint64_t l4 = m[SPARE];
	build_tree(l4);
	for (int i = 0; i < 40; i++)
		step(d, l4);
	TAP_CHECK((type_info(l4) & PGT_partial) && refs(m[DATA_A]) > base_a, "a tree left part-way after 40 steps");
	req.used = 0;
	uint64_t list = inproc_put(&req, &l4, 8);
	struct xen_memory_reservation r = { .nr_extents = 1, .domid = d->id };
	r.extent_start.p = (xen_pfn_t *)(uintptr_t)list;
	uint64_t h = inproc_put(&req, &r, sizeof(r));
	long n = inproc_call(&req, __HYPERVISOR_memory_op, XENMEM_decrease_reservation, h, 0, 0);
	TAP_CHECK(n == 1 && !domain_owns(d, l4), "the guest gives the partial L4's frame back: it is freed");
	TAP_CHECK(l1s_untyped() && refs(m[DATA_A]) == base_a && !(type_info(m[1]) & (PGT_COUNT_MASK | PGT_partial)),
		  "and every reference the partial tree held goes with it");
}

static void test_failure_later(struct domain *d)
{
	uint64_t base_a = refs(m[DATA_A]);
	build_tree(m[0]);
	TAP_CHECK(step(d, m[0]) == -ERESTART, "start again part-way");
	frame(m[4 + NR_L1 - 1])[511] = 0x10ull << 12 | PR; /* not the domain's */
	int rc;
	while ((rc = step(d, m[0])) == -ERESTART)
		;
	TAP_CHECK(rc == -EBUSY, "a bad entry met in a later step fails the whole tree as Xen does (%d)", rc);
	TAP_CHECK(l1s_untyped() && refs(m[DATA_A]) == base_a &&
			  !(type_info(m[0]) & (PGT_COUNT_MASK | PGT_partial)) &&
			  !(type_info(m[1]) & (PGT_COUNT_MASK | PGT_partial)),
		  "and leaves no type, no partial table and no reference behind");
	frame(m[4 + NR_L1 - 1])[511] = m[DATA_B] << 12 | PR;
}

static void test_through_hypercalls(struct domain *d)
{
	uint64_t base_a = refs(m[DATA_A]);
	build_tree(m[0]);
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L4_TABLE, m[0]) == 0 &&
			  (type_info(m[0]) & PGT_pinned) && refs(m[DATA_A]) == base_a + NR_L1 * 256,
		  "the toolstack's pin of the big tree takes its steps and completes");
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_UNPIN_TABLE, m[0]) == 0 && l1s_untyped(), "unpin");

	/* An L4 entry naming the big L3, written by mmu_update in steps. */
	memset(frame(m[SPARE + 1]), 0, 4096);
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L4_TABLE, m[SPARE + 1]) == 0, "pin an empty L4");
	unsigned int budget = pv_validation_budget;
	pv_validation_budget = 7;
	long rc = inproc_mmu_update1(&req, d->id, m[SPARE + 1], 3, m[1] << 12 | PW);
	pv_validation_budget = budget;
	TAP_CHECK(rc == 0 && (type_info(m[1]) & PGT_validated) && refs(m[DATA_A]) == base_a + NR_L1 * 256,
		  "an mmu_update hooking the big L3 in (7 entries a step) completes");
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_UNPIN_TABLE, m[SPARE + 1]) == 0 && l1s_untyped() &&
			  refs(m[DATA_A]) == base_a,
		  "unpinning that L4 releases the whole tree");
}

int main(void)
{
	const char *why = "";
	struct domain *d0 = inproc_hypervisor_start(1ull << 30, &why);
	if (!d0) {
		printf("Bail out! %s\n", why);
		return 1;
	}
	req.caller = d0;
	uint64_t free0 = heap_free_frames(&hv->heap);
	struct xg_domctl op = { .cmd = XG_DOMCTL_createdomain };
	snprintf(op.u.createdomain.name, sizeof(op.u.createdomain.name), "steps");
	op.u.createdomain.max_vcpus = 1;
	op.u.createdomain.max_pages = FRAMES;
	struct domain *d = inproc_domctl(&req, &op) ? NULL : domain_get(op.domain);
	if (!d || inproc_populate(&req, d->id, FRAMES, 0, 0, m) != FRAMES) {
		printf("Bail out! cannot set up the domain\n");
		return 1;
	}
	test_steps(d);
	test_abandoned(d);
	test_failure_later(d);
	test_through_hypercalls(d);
	struct xg_domctl destroy = { .cmd = XG_DOMCTL_destroydomain, .domain = d->id };
	inproc_domctl(&req, &destroy);
	domain_put(d);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back");
	inproc_hypervisor_stop(d0);
	return tap_done();
}
