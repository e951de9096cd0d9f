/*
 * Several threads, standing in for a guest's vCPUs and the toolstack,
 * change one domain's page tables at once: L1 and L2 entries rewritten,
 * L1 tables pinned and unpinned, page tables mapped writable.  Afterwards
 * every frame's type count and general count must equal the references
 * that exist (found by scanning the validated tables and the pins), and
 * destroying the domain must give every frame back.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>

#include "hv/domain.h"
#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/m2p.h"
#include "hv/pv.h"
#include "public/memory.h"
#include "public/xen.h"
#include "public/xg_control.h"
#include "tests/tap.h"

static struct hypervisor the_hypervisor;
struct hypervisor *hv = &the_hypervisor;

#define THREADS 4
#define OPS_PER_THREAD 50000
#define NR_FRAMES 40
#define NR_L1 4 /* m[3..6] */
#define FIRST_DATA 8

static struct domain *d0, *dom;
static uint64_t m[NR_FRAMES];

/* One caller's request data area. */
struct caller {
	uint8_t data[4096];
	uint64_t seed;
	unsigned int bad_rc, done, refused;
};

static long call_as_toolstack(struct caller *c, unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	struct hcall_ctx ctx = { .caller = d0, .data = c->data, .data_len = sizeof(c->data) };
	uint64_t args[5] = { a0, a1, a2, a3, 0 };
	return hypercall_dispatch(&ctx, nr, args);
}

static long mmu_update1(struct caller *c, uint64_t ptr, uint64_t val)
{
	struct mmu_update u = { ptr, val };
	memcpy(c->data, &u, sizeof(u));
	return call_as_toolstack(c, __HYPERVISOR_mmu_update, XG_CTL_DATA_BASE, 1, 0,
				 ((uint64_t)(dom->id + 1) << 16) | dom->id);
}

static long mmuext1(struct caller *c, unsigned int cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd };
	op.arg1.mfn = mfn;
	memcpy(c->data, &op, sizeof(op));
	return call_as_toolstack(c, __HYPERVISOR_mmuext_op, XG_CTL_DATA_BASE, 1, 0, dom->id);
}

static uint64_t next_random(struct caller *c)
{
	c->seed ^= c->seed << 13;
	c->seed ^= c->seed >> 7;
	c->seed ^= c->seed << 17;
	return c->seed;
}

static void *worker(void *arg)
{
	struct caller *c = arg;
	for (unsigned int n = 0; n < OPS_PER_THREAD; n++) {
		uint64_t r = next_random(c);
		uint64_t l1 = m[3 + r % NR_L1], slot = (r >> 8) % 16;
		long rc;
		switch ((r >> 16) % 6) {
		case 0: /* an L1 entry maps a data frame, writable or not */
		case 1:
			rc = mmu_update1(c, (l1 << 12) + slot * 8,
					 m[FIRST_DATA + (r >> 24) % (NR_FRAMES - FIRST_DATA)] << 12 | PTE_PRESENT |
						 ((r >> 40) & 1 ? PTE_RW : 0));
			break;
		case 2: /* an L1 entry tries to map one of the tables writable */
			rc = mmu_update1(c, (l1 << 12) + slot * 8, m[(r >> 24) % 7] << 12 | PTE_PRESENT | PTE_RW);
			break;
		case 3: /* an L2 entry hooks an L1 in or out */
			rc = mmu_update1(c, (m[2] << 12) + (slot % 8) * 8,
					 (r >> 40) & 1 ? l1 << 12 | PTE_PRESENT | PTE_RW : 0);
			break;
		case 4:
			rc = mmuext1(c, MMUEXT_PIN_L1_TABLE, l1);
			break;
		default:
			rc = mmuext1(c, MMUEXT_UNPIN_TABLE, l1);
			break;
		}
		if (rc == 0)
			c->done++;
		else if (rc == -EINVAL || rc == -EBUSY)
			c->refused++;
		else
			c->bad_rc++;
	}
	return NULL;
}

static struct page_info *page(uint64_t mfn)
{
	return mfn_to_page(&hv->heap, mfn);
}

/* The references each frame should hold, counted from what exists. */
struct expected {
	uint64_t general, type_count, type;
};

static unsigned int frame_index(uint64_t mfn)
{
	for (unsigned int i = 0; i < NR_FRAMES; i++)
		if (m[i] == mfn)
			return i;
	return NR_FRAMES;
}

/* 0 if every count matches; else the number of frames that do not. */
static unsigned int check_counts(void)
{
	struct expected e[NR_FRAMES];
	memset(e, 0, sizeof(e));
	for (unsigned int i = 0; i < NR_FRAMES; i++) {
		uint64_t t = atomic_load(&page(m[i])->type_info);
		e[i].general += 1; /* the allocation */
		if (t & PGT_pinned) {
			e[i].general++;
			e[i].type_count++;
			e[i].type = t & PGT_TYPE_MASK;
		}
		if (!(t & PGT_validated) || !(t & PGT_COUNT_MASK))
			continue;
		unsigned int level = (unsigned int)((t & PGT_TYPE_MASK) >> PGT_TYPE_SHIFT);
		const uint64_t *entries = machine_frame(&hv->machine, m[i]);
		for (unsigned int s = 0; s < 512; s++) {
			if (level == 4 && s >= PV64_RESERVED_FIRST_L4 && s <= PV64_RESERVED_LAST_L4)
				continue;
			uint64_t pte = entries[s];
			if (!(pte & PTE_PRESENT))
				continue;
			unsigned int j = frame_index((pte & PTE_ADDR_MASK) >> 12);
			if (j == NR_FRAMES)
				return NR_FRAMES + 1; /* an entry names a frame not ours */
			e[j].general++;
			if (level > 1 || (pte & PTE_RW)) {
				e[j].type_count++;
				e[j].type = level > 1 ? (uint64_t)(level - 1) << PGT_TYPE_SHIFT : PGT_writable_page;
			}
		}
	}
	unsigned int wrong = 0;
	for (unsigned int i = 0; i < NR_FRAMES; i++) {
		uint64_t t = atomic_load(&page(m[i])->type_info), c = atomic_load(&page(m[i])->count_info);
		bool ok = (c & PGC_COUNT_MASK) == e[i].general && (t & PGT_COUNT_MASK) == e[i].type_count &&
			  (!e[i].type_count || (t & PGT_TYPE_MASK) == e[i].type);
		if (!ok) {
			wrong++;
			printf("# frame %u (%#llx): count %llu type %#llx/%llu, expected %llu and %#llx/%llu\n", i,
			       (unsigned long long)m[i], (unsigned long long)(c & PGC_COUNT_MASK),
			       (unsigned long long)(t & PGT_TYPE_MASK), (unsigned long long)(t & PGT_COUNT_MASK),
			       (unsigned long long)e[i].general, (unsigned long long)e[i].type,
			       (unsigned long long)e[i].type_count);
		}
	}
	return wrong;
}

static bool setup(void)
{
	struct caller c = { .seed = 1 };
	struct xg_domctl op = { .cmd = XG_DOMCTL_createdomain, .interface_version = XG_DOMCTL_INTERFACE_VERSION };
	snprintf(op.u.createdomain.name, sizeof(op.u.createdomain.name), "concurrency");
	op.u.createdomain.max_vcpus = 1;
	op.u.createdomain.max_pages = 64;
	memcpy(c.data, &op, sizeof(op));
	if (call_as_toolstack(&c, __HYPERVISOR_domctl, XG_CTL_DATA_BASE, 0, 0, 0))
		return false;
	memcpy(&op, c.data, sizeof(op));
	dom = domain_get(op.domain);
	struct xen_memory_reservation r = { .nr_extents = NR_FRAMES, .domid = dom->id };
	r.extent_start.p = (xen_pfn_t *)(uintptr_t)(XG_CTL_DATA_BASE + 512);
	memset(c.data + 512, 0, NR_FRAMES * 8);
	memcpy(c.data, &r, sizeof(r));
	if (call_as_toolstack(&c, __HYPERVISOR_memory_op, XENMEM_populate_physmap, XG_CTL_DATA_BASE, 0, 0) !=
	    NR_FRAMES)
		return false;
	memcpy(m, c.data + 512, sizeof(m));
	for (unsigned int i = 0; i < NR_FRAMES; i++)
		memset(machine_frame(&hv->machine, m[i]), 0, PAGE_SIZE);
	uint64_t *l4 = machine_frame(&hv->machine, m[0]), *l3 = machine_frame(&hv->machine, m[1]);
	l4[0] = m[1] << 12 | PTE_PRESENT | PTE_RW;
	l3[0] = m[2] << 12 | PTE_PRESENT | PTE_RW;
	return mmuext1(&c, MMUEXT_PIN_L4_TABLE, m[0]) == 0;
}

int main(void)
{
	if (machine_init(&hv->machine, 1ull << 30) || heap_init(&hv->heap, &hv->machine, hv->machine.ram_frames) ||
	    m2p_init()) {
		printf("Bail out! no machine memory\n");
		return 1;
	}
	hv->backend = &exec_backend_emu;
	hv->exec_machine = (struct exec_machine){ hv->machine.base, hv->machine.nr_frames, hv->machine.memfd };
	hv->nr_cpus = 1;
	console_init(false);
	if (domain_subsystem_init() || domain_create_control()) {
		printf("Bail out! no domain subsystem\n");
		return 1;
	}
	d0 = domain_get(0);
	uint64_t free0 = heap_free_frames(&hv->heap);
	if (!setup()) {
		printf("Bail out! cannot set up the domain\n");
		return 1;
	}
	TAP_CHECK(check_counts() == 0, "the counts of a freshly pinned tree match its references");

	static struct caller callers[THREADS];
	pthread_t threads[THREADS];
	for (unsigned int i = 0; i < THREADS; i++) {
		callers[i].seed = 0x9e3779b97f4a7c15ull * (i + 1);
		pthread_create(&threads[i], NULL, worker, &callers[i]);
	}
	unsigned int bad = 0, done = 0, refused = 0;
	for (unsigned int i = 0; i < THREADS; i++) {
		pthread_join(threads[i], NULL);
		bad += callers[i].bad_rc;
		done += callers[i].done;
		refused += callers[i].refused;
	}
	TAP_CHECK(bad == 0, "every operation returned 0, -EINVAL or -EBUSY (%u did not)", bad);
	TAP_CHECK(done > THREADS * OPS_PER_THREAD / 4 && refused > THREADS * OPS_PER_THREAD / 10,
		  "many operations succeeded (%u) and many were refused (%u)", done, refused);
	unsigned int wrong = check_counts();
	TAP_CHECK(wrong == 0, "after %u concurrent operations every type and general count matches the references (%u frames off)",
		  THREADS * OPS_PER_THREAD, wrong);
	unsigned int tables_writable = 0;
	for (unsigned int i = 0; i < NR_FRAMES; i++) {
		uint64_t t = atomic_load(&page(m[i])->type_info);
		if ((t & PGT_validated) && (t & PGT_TYPE_MASK) == PGT_writable_page)
			tables_writable++;
	}
	TAP_CHECK(tables_writable == 0, "no validated table is typed writable");

	/* The checker must be able to fail. */
	atomic_fetch_add(&page(m[2])->type_info, 1);
	TAP_CHECK(check_counts() == 1, "the checker notices one type count off by one");
	atomic_fetch_sub(&page(m[2])->type_info, 1);

	struct caller c = { .seed = 1 };
	for (unsigned int i = 3; i < 3 + NR_L1; i++)
		mmuext1(&c, MMUEXT_UNPIN_TABLE, m[i]);
	TAP_CHECK(mmuext1(&c, MMUEXT_UNPIN_TABLE, m[0]) == 0 && check_counts() == 0,
		  "after unpinning everything the counts still match");
	struct xg_domctl op = { .cmd = XG_DOMCTL_destroydomain, .interface_version = XG_DOMCTL_INTERFACE_VERSION,
				.domain = dom->id };
	memcpy(c.data, &op, sizeof(op));
	TAP_CHECK(call_as_toolstack(&c, __HYPERVISOR_domctl, XG_CTL_DATA_BASE, 0, 0, 0) == 0, "destroy the domain");
	domain_put(dom);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back");

	domain_put(d0);
	domain_subsystem_fini();
	console_fini();
	m2p_fini();
	heap_destroy(&hv->heap);
	machine_destroy(&hv->machine);
	return tap_done();
}
