/*
 * The control path without a socket: hypercalls issued as the toolstack
 * issues them (buffers in a request's data area), against the real core with
 * the emulating backend.  Covers handle checking, domain creation, memory
 * population with address limits and quotas, the page-table checks made
 * when tables are pinned, and that destruction returns every frame.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

#include "hv/domain.h"
#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/m2p.h"
#include "hv/pv.h"
#include "hv/sched_credit.h"
#include "public/event_channel.h"
#include "public/memory.h"
#include "public/io/console.h"
#include "public/sched.h"
#include "public/xen.h"
#include "public/xg_control.h"
#include "tests/tap.h"
#include "tests/lib/inproc_hypervisor.h"

/* A request's data area, as libxg builds it. */
static struct inproc_req req;

static uint64_t put(const void *src, size_t len)
{
	return inproc_put(&req, src, len);
}

static void *at(uint64_t handle)
{
	return inproc_at(&req, handle);
}

static long call(struct domain *caller, bool readonly, unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2,
		 uint64_t a3)
{
	req.caller = caller;
	req.readonly = readonly;
	return inproc_call(&req, nr, a0, a1, a2, a3);
}

static long domctl(struct domain *caller, bool readonly, struct xg_domctl *op)
{
	req.caller = caller;
	req.readonly = readonly;
	return inproc_domctl(&req, op);
}

static long populate(struct domain *caller, uint16_t domid, uint64_t n, unsigned int order, unsigned int flags,
		     uint64_t *mfns)
{
	req.caller = caller;
	req.readonly = false;
	return inproc_populate(&req, domid, n, order, flags, mfns);
}

static long decrease(struct domain *caller, uint16_t domid, const uint64_t *mfns, uint64_t n)
{
	req.used = 0;
	uint64_t list = put(mfns, n * 8);
	struct xen_memory_reservation r = { .nr_extents = n, .domid = domid };
	r.extent_start.p = (xen_pfn_t *)(uintptr_t)list;
	uint64_t h = put(&r, sizeof(r));
	return call(caller, false, __HYPERVISOR_memory_op, XENMEM_decrease_reservation, h, 0, 0);
}

static long pin_l4(struct domain *caller, uint16_t domid, uint64_t mfn)
{
	req.caller = caller;
	req.readonly = false;
	return inproc_mmuext1(&req, domid, MMUEXT_PIN_L4_TABLE, mfn);
}

static uint64_t *frame(uint64_t mfn)
{
	return machine_frame(&hv->machine, mfn);
}

#define P 0x7ull /* present, writable, user */

static void test_handles(struct domain *d0)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_getdomaininfo, .domain = 0 };
	TAP_CHECK(domctl(d0, false, &op) == 0 && op.u.getdomaininfo.domid == 0, "getdomaininfo of domain 0");
	req.used = 64;
	TAP_CHECK(call(d0, false, __HYPERVISOR_domctl, XG_CTL_DATA_BASE + 60, 0, 0, 0) == -EFAULT,
		  "a structure running past the data area is refused (-EFAULT)");
	TAP_CHECK(call(d0, false, __HYPERVISOR_domctl, 0x1000, 0, 0, 0) == -EFAULT,
		  "a handle below the data area is refused");
	TAP_CHECK(call(d0, false, __HYPERVISOR_domctl, ~0ull, 0, 0, 0) == -EFAULT, "a wrapping handle is refused");
	TAP_CHECK(call(d0, false, 9999, 0, 0, 0, 0) == -ENOSYS, "an unknown hypercall is -ENOSYS");
	op = (struct xg_domctl){ .cmd = 77 };
	TAP_CHECK(domctl(d0, false, &op) == -ENOSYS, "an unknown domctl is -ENOSYS");
	req.used = 0;
	struct xg_domctl old = { .cmd = XG_DOMCTL_getdomaininfo, .interface_version = 99 };
	uint64_t h = put(&old, sizeof(old));
	TAP_CHECK(call(d0, false, __HYPERVISOR_domctl, h, 0, 0, 0) == -EACCES, "a wrong interface version is refused");
}

static void test_machine_map(struct domain *d0)
{
	req.used = 0;
	uint64_t buf = put(NULL, 8 * sizeof(struct e820entry));
	struct xen_memory_map map = { .nr_entries = 8 };
	map.buffer.p = (void *)(uintptr_t)buf;
	uint64_t h = put(&map, sizeof(map));
	long rc = call(d0, false, __HYPERVISOR_memory_op, XENMEM_machine_memory_map, h, 0, 0);
	struct xen_memory_map *out = at(h);
	struct e820entry *e = at(buf);
	TAP_CHECK(rc == 0 && out->nr_entries == 3, "the machine map of 1 GiB has 3 entries (%ld, %u)", rc,
		  out->nr_entries);
	TAP_CHECK(e[0].addr == 0 && e[0].size == 640 << 10 && e[0].type == E820_RAM, "RAM below 640 KiB");
	TAP_CHECK(e[1].addr == 640 << 10 && e[1].type == E820_RESERVED, "the legacy area is reserved");
	TAP_CHECK(e[2].addr == 1 << 20 && e[2].type == E820_RAM &&
			  (e[0].size + e[2].size) >> 12 == hv->machine.ram_frames,
		  "RAM from 1 MiB covers the rest");
	out->nr_entries = 2;
	TAP_CHECK(call(d0, false, __HYPERVISOR_memory_op, XENMEM_machine_memory_map, h, 0, 0) == -EINVAL,
		  "a buffer too small is -EINVAL");
	TAP_CHECK(call(d0, false, __HYPERVISOR_memory_op, XENMEM_maximum_ram_page, 0, 0, 0) ==
			  (long)hv->machine.nr_frames,
		  "maximum_ram_page is one past the highest frame");
}

static struct domain *make_domain(struct domain *d0, const char *name, uint64_t max_pages)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_createdomain };
	snprintf(op.u.createdomain.name, sizeof(op.u.createdomain.name), "%s", name);
	op.u.createdomain.max_vcpus = 1;
	op.u.createdomain.max_pages = max_pages;
	if (domctl(d0, false, &op))
		return NULL;
	return domain_get(op.domain);
}

static void test_memory(struct domain *d0, uint64_t free0)
{
	struct domain *d = make_domain(d0, "mem", 600);
	TAP_CHECK(d != NULL, "create a domain with a 600-page limit");
	if (!d)
		return;
	struct xg_domctl dup = { .cmd = XG_DOMCTL_createdomain };
	strcpy(dup.u.createdomain.name, "mem");
	dup.u.createdomain.max_vcpus = 1;
	TAP_CHECK(domctl(d0, false, &dup) == -EEXIST, "a second domain of the same name is refused");

	uint64_t mfns[1024];
	long n = populate(d0, d->id, 256, 0, XENMEMF_address_bits(32), mfns);
	bool low = n == 256;
	for (long i = 0; i < n; i++)
		low = low && mfns[i] < (1ull << 20) && domain_owns(d, mfns[i]);
	TAP_CHECK(low, "256 frames below 4 GiB, each owned by the domain (%ld)", n);
	n = populate(d0, d->id, 1, 9, 0, mfns + 256);
	TAP_CHECK(n == 0, "a 512-page extent beyond the 600-page limit is refused (%ld)", n);
	n = populate(d0, d->id, 400, 0, 0, mfns + 256);
	TAP_CHECK(n == 344, "filling up to the limit stops at 600 pages (%ld)", n);
	TAP_CHECK(populate(d0, d->id, 1, 0, XENMEMF_address_bits(8), NULL) == -EINVAL,
		  "an address limit below one page is -EINVAL");
	TAP_CHECK(populate(d0, 0x7fe0, 1, 0, 0, NULL) == -ESRCH, "populating a domain that does not exist: -ESRCH");
	TAP_CHECK(populate(d, DOMID_SELF, 1, 0, 0, NULL) == 0, "a full domain populating itself gets nothing more");
	TAP_CHECK(populate(d, 0, 1, 0, 0, NULL) == -EPERM, "a domain may not populate another (-EPERM)");

	struct xg_domctl op = { .cmd = XG_DOMCTL_destroydomain, .domain = d->id };
	TAP_CHECK(domctl(d0, true, &op) == -EPERM, "the read-only socket cannot destroy");
	TAP_CHECK(domctl(d, false, &op) == -EPERM, "a guest cannot destroy (domctl is toolstack-only)");
	TAP_CHECK(domctl(d0, false, &op) == 0, "the toolstack destroys it");
	domain_put(d);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back after destruction");
}

/* Most tests of the memory calls need a domain with 16 frames (m) and a
 * bystander domain with one (o). */
struct pair {
	struct domain *d, *other;
	uint64_t m[16], o[1];
};

static void pair_destroy(struct domain *d0, struct pair *p)
{
	struct domain *doms[2] = { p->d, p->other };
	for (int i = 0; i < 2; i++) {
		if (!doms[i])
			continue;
		struct xg_domctl op = { .cmd = XG_DOMCTL_destroydomain, .domain = doms[i]->id };
		domctl(d0, false, &op);
		domain_put(doms[i]);
	}
}

static bool pair_setup(struct domain *d0, struct pair *p, const char *name, const char *other_name)
{
	p->d = make_domain(d0, name, 64);
	p->other = make_domain(d0, other_name, 8);
	if (p->d && p->other && populate(d0, p->d->id, 16, 0, 0, p->m) == 16 &&
	    populate(d0, p->other->id, 1, 0, 0, p->o) == 1)
		return true;
	tap_skip("cannot set up domains");
	pair_destroy(d0, p);
	return false;
}

/* Builds L4 -> L3 -> L2 -> L1 at mfns[0..3], mapping mfns[4..7] at va 0. */
static void build_tables(const uint64_t *m)
{
	for (int i = 0; i < 8; i++)
		memset(frame(m[i]), 0, 4096);
	frame(m[0])[0] = m[1] << 12 | P;
	frame(m[1])[0] = m[2] << 12 | P;
	frame(m[2])[0] = m[3] << 12 | P;
	for (int i = 0; i < 4; i++)
		frame(m[3])[i] = m[4 + i] << 12 | P;
}

static void test_pinning(struct domain *d0, uint64_t free0)
{
	struct pair p;
	if (!pair_setup(d0, &p, "tables", "other"))
		return;
	struct domain *d = p.d;
	const uint64_t *m = p.m, *o = p.o;
	build_tables(m);
	frame(m[3])[4] = m[2] << 12 | P; /* the L2 mapped writable */
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == -EBUSY, "tables mapping a page table writable are refused");
	frame(m[3])[4] = m[2] << 12 | 0x5;
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == 0, "mapping it read-only is fine");
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == -EINVAL, "pinning twice is -EINVAL");
	uint64_t t = atomic_load(&mfn_to_page(&hv->heap, m[4])->type_info);
	TAP_CHECK((t & PGT_TYPE_MASK) == PGT_writable_page && (t & PGT_COUNT_MASK) == 1,
		  "a writable mapping counts as one writable reference");
	t = atomic_load(&mfn_to_page(&hv->heap, m[2])->type_info);
	TAP_CHECK((t & PGT_TYPE_MASK) == PGT_l2_page_table && (t & PGT_validated), "the L2 is typed and validated");

	req.used = 0;
	struct mmuext_op un = { .cmd = MMUEXT_UNPIN_TABLE };
	un.arg1.mfn = m[0];
	uint64_t h = put(&un, sizeof(un));
	TAP_CHECK(call(d0, false, __HYPERVISOR_mmuext_op, h, 1, 0, d->id) == 0, "unpin");
	t = atomic_load(&mfn_to_page(&hv->heap, m[2])->type_info);
	TAP_CHECK((t & PGT_COUNT_MASK) == 0 && !(t & PGT_validated), "unpinning releases the whole tree");
	TAP_CHECK(call(d0, false, __HYPERVISOR_mmuext_op, h, 1, 0, d->id) == -EINVAL, "unpinning again is -EINVAL");

	build_tables(m);
	frame(m[3])[5] = o[0] << 12 | P;
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == -EBUSY, "tables reaching another domain's frame are refused");
	build_tables(m);
	frame(m[3])[5] = (hv->machine.nr_frames + 5) << 12 | P;
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == -EINVAL, "tables reaching past machine memory are refused");
	build_tables(m);
	frame(m[2])[1] = m[8] << 12 | P | 0x80;
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == -EINVAL, "a large-page mapping is refused");
	build_tables(m);
	frame(m[0])[1] = m[0] << 12 | P;
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == -EINVAL, "a recursive L4 mapping is refused");
	build_tables(m);
	frame(m[2])[1] = m[1] << 12 | P;
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == -EINVAL, "an L3 used as an L1 is refused");
	build_tables(m);
	frame(m[0])[260] = m[9] << 12 | P; /* inside the hypervisor's reserved slots */
	long prc = pin_l4(d0, d->id, m[0]);
	TAP_CHECK(prc == 0 && frame(m[0])[260] == 0,
		  "the reserved L4 slots are replaced by the hypervisor's own entries");
	TAP_CHECK(pin_l4(d0, d->id, o[0]) == -EINVAL, "pinning another domain's frame is refused");

	pair_destroy(d0, &p);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back, pinned tables included");
}

static long unpin(struct domain *caller, uint16_t domid, uint64_t mfn)
{
	req.used = 0;
	struct mmuext_op op = { .cmd = MMUEXT_UNPIN_TABLE };
	op.arg1.mfn = mfn;
	uint64_t h = put(&op, sizeof(op));
	return call(caller, false, __HYPERVISOR_mmuext_op, h, 1, 0, domid);
}

/* mmu_update from the toolstack on d's tables: foreigndom names d as the
 * owner of both the tables and the frames. */
static long mmu_update(struct domain *d0, struct domain *d, const struct mmu_update *reqs, unsigned int n,
		       unsigned int *done)
{
	req.used = 0;
	uint64_t h = put(reqs, n * sizeof(*reqs));
	uint64_t pdone = put(NULL, sizeof(unsigned int));
	long rc = call(d0, false, __HYPERVISOR_mmu_update, h, n, pdone, ((uint64_t)(d->id + 1) << 16) | d->id);
	if (done)
		memcpy(done, at(pdone), sizeof(*done));
	return rc;
}

static long mmu_update1(struct domain *d0, struct domain *d, uint64_t ptr, uint64_t val)
{
	struct mmu_update r = { .ptr = ptr, .val = val };
	return mmu_update(d0, d, &r, 1, NULL);
}

static uint64_t type_count(uint64_t mfn)
{
	return atomic_load(&mfn_to_page(&hv->heap, mfn)->type_info) & PGT_COUNT_MASK;
}

static uint64_t ref_count(uint64_t mfn)
{
	return atomic_load(&mfn_to_page(&hv->heap, mfn)->count_info) & PGC_COUNT_MASK;
}

static void test_mmu_update(struct domain *d0, uint64_t free0)
{
	struct pair p;
	if (!pair_setup(d0, &p, "updates", "neighbour"))
		return;
	struct domain *d = p.d, *other = p.other;
	const uint64_t *m = p.m, *o = p.o;
	build_tables(m);
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == 0, "pin a tree for the updates");
	uint64_t l1e8 = (m[3] << 12) + 8 * 8, refs9 = ref_count(m[9]);
	TAP_CHECK(mmu_update1(d0, d, l1e8, m[9] << 12 | P) == 0 && frame(m[3])[8] == (m[9] << 12 | P),
		  "an L1 entry mapping a data frame writable is written");
	TAP_CHECK(type_count(m[9]) == 1 && ref_count(m[9]) == refs9 + 1,
		  "the frame gains a writable type reference and a general one");
	TAP_CHECK(mmu_update1(d0, d, l1e8 | MMU_PT_UPDATE_PRESERVE_AD, m[9] << 12 | P) == 0 &&
			  type_count(m[9]) == 1,
		  "rewriting the same mapping takes no second reference");
	frame(m[3])[8] |= 0x60; /* as the CPU would set accessed and dirty */
	TAP_CHECK(mmu_update1(d0, d, l1e8 | MMU_PT_UPDATE_PRESERVE_AD, m[9] << 12 | P) == 0 &&
			  (frame(m[3])[8] & 0x60) == 0x60,
		  "MMU_PT_UPDATE_PRESERVE_AD keeps accessed and dirty");
	TAP_CHECK(mmu_update1(d0, d, l1e8, m[9] << 12 | 0x5) == 0 && type_count(m[9]) == 0 &&
			  ref_count(m[9]) == refs9 + 1,
		  "making it read-only drops the writable reference only");
	TAP_CHECK(mmu_update1(d0, d, l1e8, m[9] << 12 | 0x1) == 0 && frame(m[3])[8] == (m[9] << 12 | 0x5),
		  "a present entry is made user-accessible, as for a 64-bit PV kernel");

	uint64_t before = frame(m[3])[8];
	TAP_CHECK(mmu_update1(d0, d, l1e8, m[2] << 12 | P) == -EBUSY && frame(m[3])[8] == before,
		  "mapping a page table writable is -EBUSY and changes nothing");
	TAP_CHECK(mmu_update1(d0, d, l1e8, o[0] << 12 | P) == -EBUSY && frame(m[3])[8] == before,
		  "mapping another domain's frame is -EBUSY");
	TAP_CHECK(mmu_update1(d0, d, l1e8, (hv->machine.nr_frames + 1) << 12 | P) == -EINVAL,
		  "mapping a frame past the end of memory is -EINVAL");
	TAP_CHECK(mmu_update1(d0, d, l1e8, m[9] << 12 | P | 0x10) == -EINVAL && frame(m[3])[8] == before,
		  "a cache-disable flag is -EINVAL");
	TAP_CHECK(mmu_update1(d0, d, (m[2] << 12) + 8, m[1] << 12 | P) == -EINVAL,
		  "an L2 entry pointing at the L3 is -EINVAL");
	TAP_CHECK(mmu_update1(d0, d, (m[2] << 12) + 8, m[10] << 12 | P | 0x80) == -EINVAL,
		  "a large-page L2 entry is -EINVAL");
	TAP_CHECK(mmu_update1(d0, d, (m[0] << 12) + 256 * 8, m[10] << 12 | P) == -EINVAL,
		  "writing a reserved L4 slot is -EINVAL");
	TAP_CHECK(mmu_update1(d0, d, (o[0] << 12), 5) == -EINVAL, "updating another domain's frame is -EINVAL");
	TAP_CHECK(mmu_update1(d0, d, l1e8 | 5, 0) == -ENOSYS, "an unknown command is -ENOSYS");

	/* A new L2 entry validates the L1 it names. */
	memset(frame(m[11]), 0, 4096);
	frame(m[11])[0] = m[12] << 12 | P;
	TAP_CHECK(mmu_update1(d0, d, (m[2] << 12) + 8, m[11] << 12 | P) == 0 &&
			  (atomic_load(&mfn_to_page(&hv->heap, m[11])->type_info) & PGT_TYPE_MASK) == PGT_l1_page_table &&
			  type_count(m[12]) == 1,
		  "a new L2 entry validates its L1, which references its frames");
	TAP_CHECK(mmu_update1(d0, d, (m[12] << 12), 42) == 0 && frame(m[12])[0] == 42,
		  "a frame the guest maps writable can be written through mmu_update too");
	TAP_CHECK(mmu_update1(d0, d, (m[13] << 12) + 16, 0x1234) == 0 && frame(m[13])[2] == 0x1234,
		  "a frame that is no table in use is written plainly");
	TAP_CHECK(mmu_update1(d0, d, (m[2] << 12) + 8, 0) == 0 && type_count(m[11]) == 0 && type_count(m[12]) == 0,
		  "clearing the entry devalidates the L1 and drops its references");

	struct mmu_update batch[3] = {
		{ (m[3] << 12) + 9 * 8, m[13] << 12 | P },
		{ (m[3] << 12) + 10 * 8, m[1] << 12 | P },
		{ (m[3] << 12) + 11 * 8, m[14] << 12 | P },
	};
	unsigned int done = 99;
	TAP_CHECK(mmu_update(d0, d, batch, 3, &done) == -EBUSY && done == 1 && frame(m[3])[9] &&
			  !frame(m[3])[11],
		  "a batch stops at its first bad request, reporting how many were done (%u)", done);

	struct mmu_update mp = { (m[5] << 12) | MMU_MACHPHYS_UPDATE, 0x1234 };
	TAP_CHECK(mmu_update(d0, d, &mp, 1, NULL) == 0 && m2p_get(m[5]) == 0x1234,
		  "MMU_MACHPHYS_UPDATE sets the M2P entry");
	mp.ptr = (o[0] << 12) | MMU_MACHPHYS_UPDATE;
	TAP_CHECK(mmu_update(d0, d, &mp, 1, NULL) == -EINVAL, "but not for another domain's frame");
	req.used = 0;
	uint64_t h = put(&mp, sizeof(mp));
	TAP_CHECK(call(d0, false, __HYPERVISOR_mmu_update, h, 1, 0, ((uint64_t)(d->id + 1) << 16) | other->id) ==
			  -EPERM,
		  "tables of one domain pointing at another's frames are -EPERM");
	TAP_CHECK(call(d, false, __HYPERVISOR_mmu_update, h, 1, 0, other->id) == -EPERM,
		  "a guest naming another domain is -EPERM");

	/* A frame that was mapped writable becomes a table only after every
	 * vCPU's TLB has dropped the old mapping. */
	memset(frame(m[15]), 0, 4096);
	uint64_t l1e12 = (m[3] << 12) + 12 * 8;
	TAP_CHECK(mmu_update1(d0, d, l1e12, m[15] << 12 | P) == 0 && mmu_update1(d0, d, l1e12, 0) == 0,
		  "map a frame writable and unmap it");
	uint32_t epoch0 = atomic_load(&d->tlb_epoch);
	TAP_CHECK(mmu_update1(d0, d, (m[2] << 12) + 8, m[15] << 12 | P) == 0 && atomic_load(&d->tlb_epoch) == epoch0 + 1,
		  "making it an L1 flushes every vCPU's TLB first");
	TAP_CHECK(mmu_update1(d0, d, (m[2] << 12) + 8, 0) == 0 &&
			  mmu_update1(d0, d, (m[2] << 12) + 8, m[15] << 12 | P) == 0 &&
			  atomic_load(&d->tlb_epoch) == epoch0 + 1,
		  "making it an L1 again, never writable since, needs no flush");
	TAP_CHECK(mmu_update1(d0, d, (m[2] << 12) + 8, 0) == 0, "and unhook it");

	TAP_CHECK(unpin(d0, d->id, m[0]) == 0 && type_count(m[9]) == 0 && type_count(m[13]) == 0 &&
			  type_count(m[3]) == 0,
		  "unpinning releases every reference the updates took");
	pair_destroy(d0, &p);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back");
	TAP_CHECK(m2p_get(m[5]) == M2P_INVALID, "freed frames leave the M2P");
}

static void test_decrease(struct domain *d0, uint64_t free0)
{
	struct pair p;
	if (!pair_setup(d0, &p, "shrink", "bystander"))
		return;
	struct domain *d = p.d, *other = p.other;
	const uint64_t *m = p.m, *o = p.o;
	uint64_t free1 = heap_free_frames(&hv->heap);
	TAP_CHECK(decrease(d0, d->id, &m[10], 1) == 1 && heap_free_frames(&hv->heap) == free1 + 1 &&
			  !domain_owns(d, m[10]) && d->frames.frames == 15,
		  "an unmapped frame given back is freed at once");
	TAP_CHECK(decrease(d0, d->id, &m[10], 1) == 0, "giving it back twice does nothing");
	TAP_CHECK(decrease(d0, d->id, o, 1) == 0 && domain_owns(other, o[0]), "another domain's frame cannot be given back");
	TAP_CHECK(decrease(d0, d->id, &d->shared_info_mfn, 1) == 0, "the shared_info page cannot be given back");
	TAP_CHECK(decrease(d, 0, &m[11], 1) == -EPERM, "a guest cannot shrink another domain");

	build_tables(m);
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == 0, "pin a tree mapping frames 4-7");
	uint64_t back[2] = { m[5], m[3] }; /* a mapped page and the L1 itself */
	free1 = heap_free_frames(&hv->heap);
	TAP_CHECK(decrease(d0, d->id, back, 2) == 2, "a mapped page and a page table can be given back");
	TAP_CHECK(heap_free_frames(&hv->heap) == free1 && d->frames.frames == 15,
		  "but they stay while the tables still refer to them");
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == -EINVAL, "the tree stays pinned");
	TAP_CHECK(unpin(d0, d->id, m[0]) == 0 && heap_free_frames(&hv->heap) == free1 + 2 && d->frames.frames == 13 &&
			  !domain_owns(d, m[5]) && !domain_owns(d, m[3]),
		  "unpinning drops the last references: both frames are freed");
	/* L4 -> L3 -> L2 -> the frame given back (never written: it is free). */
	for (int i = 0; i < 3; i++)
		memset(frame(m[i]), 0, 4096);
	frame(m[0])[0] = m[1] << 12 | P;
	frame(m[1])[0] = m[2] << 12 | P;
	frame(m[2])[0] = m[3] << 12 | P;
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == -EINVAL, "tables using a frame given back are refused");

	pair_destroy(d0, &p);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back");
}

static uint8_t *any_frame(void *ctx, uint64_t mfn)
{
	(void)ctx;
	return mfn < hv->machine.nr_frames ? (uint8_t *)frame(mfn) : NULL;
}

static void test_m2p_mapping(struct domain *d0, uint64_t free0)
{
	struct pair p;
	if (!pair_setup(d0, &p, "m2pmap", "m2pother"))
		return;
	struct domain *d = p.d;
	const uint64_t *m = p.m;
	build_tables(m);
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == 0 && frame(m[0])[256] == m2p_l4_entry() && m2p_l4_entry(),
		  "a validated L4 gets the M2P's mapping in slot 256");
	struct mmu_update mp = { (m[5] << 12) | MMU_MACHPHYS_UPDATE, 4321 };
	TAP_CHECK(mmu_update(d0, d, &mp, 1, NULL) == 0, "set one M2P entry");
	struct walk_result r;
	uint64_t va = MACH2PHYS_VIRT_START + m[5] * 8;
	int wrc = guest_walk(any_frame, NULL, m[0] << 12, va, WALK_READ | WALK_USER, false, &r);
	TAP_CHECK(wrc == 0 && *(uint64_t *)(hv->machine.base + r.maddr) == 4321,
		  "the guest reads the entry at MACH2PHYS_VIRT_START + 8 * mfn");
	wrc = guest_walk(any_frame, NULL, m[0] << 12, va, WALK_WRITE | WALK_USER, false, &r);
	TAP_CHECK(wrc == -1 && r.pf_error == (X86_PFEC_PRESENT | X86_PFEC_WRITE | X86_PFEC_USER),
		  "and cannot write it (#PF, present + write)");
	uint64_t past = MACH2PHYS_VIRT_START + m2p_table_size();
	wrc = guest_walk(any_frame, NULL, m[0] << 12, past, WALK_READ | WALK_USER, false, &r);
	TAP_CHECK(wrc == -1 && !(r.pf_error & X86_PFEC_PRESENT), "nothing is mapped past the table");

	req.used = 0;
	uint64_t h = put(NULL, sizeof(struct xen_machphys_mapping));
	struct xen_machphys_mapping *mm = at(h);
	TAP_CHECK(call(d0, false, __HYPERVISOR_memory_op, XENMEM_machphys_mapping, h, 0, 0) == 0 &&
			  mm->v_start == MACH2PHYS_VIRT_START && mm->v_end == past &&
			  mm->max_mfn == hv->machine.nr_frames - 1 && (mm->max_mfn + 1) * 8 <= mm->v_end - mm->v_start,
		  "machphys_mapping: where the table is and the frames it covers");
	req.used = 0;
	uint64_t list = put(NULL, 4 * sizeof(xen_pfn_t));
	struct xen_machphys_mfn_list ml = { .max_extents = 4 };
	ml.extent_start.p = (xen_pfn_t *)(uintptr_t)list;
	h = put(&ml, sizeof(ml));
	uint64_t expected = (m2p_table_size() / PAGE_SIZE + 511) / 512;
	const struct xen_machphys_mfn_list *mlo = at(h);
	TAP_CHECK(call(d0, false, __HYPERVISOR_memory_op, XENMEM_machphys_mfn_list, h, 0, 0) == 0 &&
			  mlo->nr_extents == (expected < 4 ? expected : 4) &&
			  ((xen_pfn_t *)at(list))[0] == m2p_table_mfn(0),
		  "machphys_mfn_list: the frame of each 2 MiB of the table");

	TAP_CHECK(unpin(d0, d->id, m[0]) == 0, "unpin");
	d->vm_assist |= 1ul << VMASST_TYPE_m2p_strict;
	build_tables(m);
	frame(m[0])[256] = 0;
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == 0 && frame(m[0])[256] == 0,
		  "with m2p_strict a newly validated L4 has no M2P until it is a kernel base pointer");
	d->vm_assist = 0;

	struct shared_info *si = (struct shared_info *)frame(d->shared_info_mfn);
	req.used = 0;
	domid_t id = d->id;
	h = put(&id, sizeof(id));
	si->arch.max_pfn = 16;
	long g1 = call(d0, false, __HYPERVISOR_memory_op, XENMEM_maximum_gpfn, h, 0, 0);
	si->arch.max_pfn = 0;
	long g0 = call(d0, false, __HYPERVISOR_memory_op, XENMEM_maximum_gpfn, h, 0, 0);
	TAP_CHECK(g1 == 15 && g0 == 0, "maximum_gpfn is the guest's max_pfn - 1 (%ld, %ld)", g1, g0);

	pair_destroy(d0, &p);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back");
}

static long exchange(struct domain *d0, struct domain *d, const uint64_t *in, uint64_t n_in, unsigned int in_order,
		     const uint64_t *gpfns, uint64_t n_out, unsigned int out_order, unsigned int bits, uint64_t *out,
		     uint64_t *nr_exchanged)
{
	req.used = 0;
	uint64_t in_list = put(in, n_in * 8), out_list = put(gpfns, n_out * 8);
	struct xen_memory_exchange x = {
		.in = { .nr_extents = n_in, .extent_order = in_order, .domid = d->id },
		.out = { .nr_extents = n_out, .extent_order = out_order, .mem_flags = XENMEMF_address_bits(bits),
			 .domid = d->id },
	};
	x.in.extent_start.p = (xen_pfn_t *)(uintptr_t)in_list;
	x.out.extent_start.p = (xen_pfn_t *)(uintptr_t)out_list;
	uint64_t h = put(&x, sizeof(x));
	long rc = call(d0, false, __HYPERVISOR_memory_op, XENMEM_exchange, h, 0, 0);
	memcpy(out, at(out_list), n_out * 8);
	*nr_exchanged = ((struct xen_memory_exchange *)at(h))->nr_exchanged;
	return rc;
}

static long page_op(struct domain *d0, struct domain *d, unsigned int cmd, uint64_t dst, uint64_t src)
{
	req.used = 0;
	struct mmuext_op op = { .cmd = cmd };
	op.arg1.mfn = dst;
	op.arg2.src_mfn = src;
	uint64_t h = put(&op, sizeof(op));
	return call(d0, false, __HYPERVISOR_mmuext_op, h, 1, 0, d->id);
}

static void test_exchange_and_page_ops(struct domain *d0, uint64_t free0)
{
	struct pair p;
	if (!pair_setup(d0, &p, "exchange", "exother"))
		return;
	struct domain *d = p.d;
	const uint64_t *m = p.m, *o = p.o;
	build_tables(m);
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == 0, "pin a tree");
	uint64_t before = d->frames.frames, out[2] = { 0, 0 }, done = 9;
	uint64_t gpfn = 77, low_limit = 1ull << (29 - PAGE_SHIFT);
	long rc = exchange(d0, d, &m[12], 1, 0, &gpfn, 1, 0, 29, out, &done);
	TAP_CHECK(rc == 0 && done == 1 && out[0] < low_limit && !domain_owns(d, m[12]) && domain_owns(d, out[0]),
		  "exchange a frame for one below 512 MiB (rc %ld, new %#llx)", rc, (unsigned long long)out[0]);
	TAP_CHECK(m2p_get(out[0]) == 77 && m2p_get(m[12]) == M2P_INVALID && d->frames.frames == before,
		  "the new frame is in the M2P at the pfn asked for; the old one is freed; the size is unchanged");
	rc = exchange(d0, d, &m[4], 1, 0, &gpfn, 1, 0, 0, out, &done);
	TAP_CHECK(rc == -EINVAL && done == 0 && domain_owns(d, m[4]), "a frame still mapped cannot be exchanged");
	rc = exchange(d0, d, &m[2], 1, 0, &gpfn, 1, 0, 0, out, &done);
	TAP_CHECK(rc == -EINVAL && domain_owns(d, m[2]), "nor a page table");
	rc = exchange(d0, d, o, 1, 0, &gpfn, 1, 0, 0, out, &done);
	TAP_CHECK(rc == -EINVAL && domain_owns(p.other, o[0]), "nor another domain's frame");
	uint64_t twice[2] = { m[13], m[13] }, gp2[2] = { 1, 2 };
	rc = exchange(d0, d, twice, 2, 0, gp2, 2, 0, 0, out, &done);
	TAP_CHECK(rc == -EINVAL && done == 1 && !domain_owns(d, m[13]) && domain_owns(d, out[0]) &&
			  d->frames.frames == before,
		  "a frame named twice: the first is exchanged, the second refused, nr_exchanged says 1");
	rc = exchange(d0, d, &m[14], 1, 0, gp2, 2, 0, 0, out, &done);
	TAP_CHECK(rc == -EINVAL && domain_owns(d, m[14]), "in and out must be the same amount of memory");
	uint64_t pairin[2] = { m[14], m[15] };
	rc = exchange(d0, d, pairin, 2, 0, &gpfn, 1, 1, 0, out, &done);
	TAP_CHECK(rc == 0 && done == 2 && !domain_owns(d, m[14]) && !domain_owns(d, m[15]) && domain_owns(d, out[0]) &&
			  domain_owns(d, out[0] + 1) && d->frames.frames == before,
		  "two frames for one contiguous 2-frame extent");
	uint64_t big_in[2] = { out[0], out[0] };
	rc = exchange(d0, d, big_in, 1, 1, gp2, 2, 0, 0, out, &done);
	TAP_CHECK(rc == 0 && done == 1 && !domain_owns(d, big_in[0]) && domain_owns(d, out[0]) &&
			  domain_owns(d, out[1]) && d->frames.frames == before,
		  "and back: one 2-frame extent for two frames");

	uint64_t *src = frame(m[10]), *dst = frame(m[11]);
	for (int i = 0; i < 512; i++)
		src[i] = 0x1111111111111111ull * (uint64_t)(i & 15);
	TAP_CHECK(page_op(d0, d, MMUEXT_COPY_PAGE, m[11], m[10]) == 0 && !memcmp(src, dst, 4096),
		  "COPY_PAGE copies a frame");
	TAP_CHECK(page_op(d0, d, MMUEXT_CLEAR_PAGE, m[11], 0) == 0 && dst[0] == 0 && dst[511] == 0,
		  "CLEAR_PAGE zeroes it");
	uint64_t l2_first = frame(m[2])[0];
	TAP_CHECK(page_op(d0, d, MMUEXT_COPY_PAGE, m[2], m[10]) == -EINVAL && frame(m[2])[0] == l2_first,
		  "COPY_PAGE onto a page table in use is refused and changes nothing");
	TAP_CHECK(page_op(d0, d, MMUEXT_CLEAR_PAGE, m[2], 0) == -EINVAL && frame(m[2])[0] == l2_first,
		  "CLEAR_PAGE of a page table in use likewise");
	TAP_CHECK(page_op(d0, d, MMUEXT_COPY_PAGE, m[11], o[0]) == -EINVAL, "copying another domain's frame is refused");
	TAP_CHECK(page_op(d0, d, MMUEXT_NEW_BASEPTR, m[0], 0) == -EPERM,
		  "NEW_BASEPTR on another domain is -EPERM (only a vCPU sets its own)");
	TAP_CHECK(page_op(d0, d, MMUEXT_FLUSH_CACHE, 0, 0) == -EPERM, "a cache flush on another domain is -EPERM");
	TAP_CHECK(page_op(d0, d0, MMUEXT_FLUSH_CACHE, 0, 0) == -EINVAL, "and needs a vCPU");
	TAP_CHECK(page_op(d0, d, 19, 0, 0) == -ENOSYS, "MARK_SUPER (removed from Xen) is -ENOSYS");

	pair_destroy(d0, &p);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back, exchanged ones included");
}

/* The emulating backend offers only what it executes. */
static void test_cpuid(struct domain *d0)
{
	uint32_t l1[4], l7[4], e1[4];
	pv_cpuid(d0, 1, 0, l1);
	pv_cpuid(d0, 7, 0, l7);
	pv_cpuid(d0, 0x80000001, 0, e1);
	TAP_CHECK(!(l1[3] & (1u << 25 | 1u << 26 | 1u << 24 | 1u << 0)) && !(l1[2] & (1u << 0 | 1u << 26 | 1u << 28)),
		  "leaf 1 hides FPU, FXSR, SSE, SSE2, SSE3, XSAVE and AVX on the emu backend (%#x %#x)", l1[3], l1[2]);
	TAP_CHECK((l1[2] & (1u << 31)) && (l1[3] & (1u << 15)), "and keeps the hypervisor bit and CMOV");
	TAP_CHECK(!(l7[1] & (1u << 5 | 1u << 8)) && !l7[2] && !l7[3], "leaf 7 hides AVX2 and BMI2");
	TAP_CHECK((e1[3] & (1u << 29 | 1u << 20)) == (1u << 29 | 1u << 20), "long mode and NX stay");
}

/* One event_channel_op from `caller` with its own request (threads). */
static long evtchn_as(struct inproc_req *r, struct domain *caller, unsigned int cmd, void *op, size_t len)
{
	r->caller = caller;
	r->readonly = false;
	r->used = 0;
	uint64_t h = inproc_put(r, op, len);
	long rc = inproc_call(r, __HYPERVISOR_event_channel_op, cmd, h, 0, 0);
	memcpy(op, inproc_at(r, h), len);
	return rc;
}

static bool port_pending_in(struct domain *d, unsigned int port)
{
	const uint8_t *si = machine_frame(&hv->machine, d->shared_info_mfn);
	return si[offsetof(struct shared_info, evtchn_pending) + port / 8] & (1u << (port % 8));
}

struct churn {
	struct domain *offerer, *binder;
	unsigned int rounds, failures;
	bool binder_closes_first;
};

/* Offer a port, bind it from the other domain, close both ends (in the
 * order given), again and again: with a mirror thread this takes the two
 * domains' event locks from both sides at once. */
static void *churn_main(void *arg)
{
	struct churn *c = arg;
	struct inproc_req r;
	memset(&r, 0, sizeof(r));
	for (unsigned int i = 0; i < c->rounds; i++) {
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = c->binder->id };
		struct evtchn_bind_interdomain bi = { .remote_dom = c->offerer->id };
		long rc = evtchn_as(&r, c->offerer, EVTCHNOP_alloc_unbound, &au, sizeof(au));
		bi.remote_port = au.port;
		rc = rc ? rc : evtchn_as(&r, c->binder, EVTCHNOP_bind_interdomain, &bi, sizeof(bi));
		struct evtchn_close c1 = { .port = c->binder_closes_first ? bi.local_port : au.port };
		struct evtchn_close c2 = { .port = c->binder_closes_first ? au.port : bi.local_port };
		struct domain *first = c->binder_closes_first ? c->binder : c->offerer;
		struct domain *second = c->binder_closes_first ? c->offerer : c->binder;
		rc = rc ? rc : evtchn_as(&r, first, EVTCHNOP_close, &c1, sizeof(c1));
		rc = rc ? rc : evtchn_as(&r, second, EVTCHNOP_close, &c2, sizeof(c2));
		if (rc)
			c->failures++;
	}
	return NULL;
}

/* Interdomain channels between two domains as the toolstack and the
 * domains themselves would make them (no vCPU runs: events only set bits). */
/* createdomain's max_evtchn_port (xl's max_event_channels): ports up to
 * it are handed out, then -ENOSPC. */
static void test_port_limit(struct domain *d0, uint64_t free0)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_createdomain };
	strcpy(op.u.createdomain.name, "evt-limit");
	op.u.createdomain.max_vcpus = 1;
	op.u.createdomain.max_pages = 16;
	op.u.createdomain.max_evtchn_port = 10;
	if (!TAP_CHECK(domctl(d0, false, &op) == 0, "a domain whose highest port is 10"))
		return;
	struct domain *d = domain_get(op.domain);
	struct inproc_req r;
	memset(&r, 0, sizeof(r));
	long rc = 0;
	unsigned int last = 0, n = 0;
	while (n < 100) {
		struct evtchn_alloc_unbound au = { .dom = DOMID_SELF, .remote_dom = DOMID_SELF };
		if ((rc = evtchn_as(&r, d, EVTCHNOP_alloc_unbound, &au, sizeof(au))))
			break;
		last = au.port;
		n++;
	}
	TAP_CHECK(rc == -ENOSPC && last == 10 && n == 10, "ports 1 to 10, then -ENOSPC (%ld, last %u, %u ports)", rc,
		  last, n);
	struct xg_domctl destroy = { .cmd = XG_DOMCTL_destroydomain, .domain = d->id };
	domctl(d0, false, &destroy);
	domain_put(d);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back after it");
}

static void test_event_channels(struct domain *d0, uint64_t free0)
{
	struct domain *a = make_domain(d0, "evt-a", 64), *b = make_domain(d0, "evt-b", 64),
		      *c = make_domain(d0, "evt-c", 64);
	if (!TAP_CHECK(a && b && c, "three domains for event channels"))
		return;
	struct inproc_req r;
	memset(&r, 0, sizeof(r));
	/* The toolstack offers a port of A to B. */
	struct evtchn_alloc_unbound au = { .dom = a->id, .remote_dom = b->id };
	long rc = evtchn_as(&r, d0, EVTCHNOP_alloc_unbound, &au, sizeof(au));
	TAP_CHECK(rc == 0 && au.port == 1, "the control domain allocates an unbound port in A for B (%ld, port %u)", rc, au.port);
	struct evtchn_alloc_unbound au2 = { .dom = a->id, .remote_dom = b->id };
	rc = evtchn_as(&r, b, EVTCHNOP_alloc_unbound, &au2, sizeof(au2));
	TAP_CHECK(rc == -EPERM, "B cannot allocate ports in A (%ld)", rc);
	struct evtchn_bind_interdomain bi = { .remote_dom = a->id, .remote_port = au.port };
	rc = evtchn_as(&r, c, EVTCHNOP_bind_interdomain, &bi, sizeof(bi));
	TAP_CHECK(rc == -EINVAL, "C cannot bind a port offered to B (%ld)", rc);
	rc = evtchn_as(&r, b, EVTCHNOP_bind_interdomain, &bi, sizeof(bi));
	unsigned int pb = bi.local_port;
	TAP_CHECK(rc == 0 && pb == 1, "B binds it (%ld, port %u)", rc, pb);
	rc = evtchn_as(&r, b, EVTCHNOP_bind_interdomain, &bi, sizeof(bi));
	TAP_CHECK(rc == -EINVAL, "binding a connected port again is -EINVAL (%ld)", rc);
	struct evtchn_status st = { .dom = a->id, .port = au.port };
	rc = evtchn_as(&r, d0, EVTCHNOP_status, &st, sizeof(st));
	TAP_CHECK(rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == b->id &&
		   st.u.interdomain.port == pb,
	   "A's end is interdomain to B's port");
	rc = evtchn_as(&r, b, EVTCHNOP_status, &st, sizeof(st));
	TAP_CHECK(rc == -EPERM, "B may not read the status of A's port (%ld)", rc);
	struct evtchn_send s = { .port = pb };
	rc = evtchn_as(&r, b, EVTCHNOP_send, &s, sizeof(s));
	const struct vcpu_info *vi = &((const struct shared_info *)machine_frame(&hv->machine, a->shared_info_mfn))->vcpu_info[0];
	TAP_CHECK(rc == 0 && port_pending_in(a, au.port) && (vi->evtchn_pending_sel & 1) && vi->evtchn_upcall_pending,
	   "B's send makes A's port pending, with A's selector and upcall (%ld)", rc);
	s.port = au.port;
	rc = evtchn_as(&r, c, EVTCHNOP_send, &s, sizeof(s));
	TAP_CHECK(rc == -EINVAL, "C sending on the port number of A's port sends on its own (free) port: -EINVAL (%ld)", rc);

	/* Both directions at once: the lower id's lock is always taken first. */
	struct churn c1 = { .offerer = a, .binder = b, .rounds = 400, .binder_closes_first = true };
	struct churn c2 = { .offerer = b, .binder = a, .rounds = 400, .binder_closes_first = false };
	pthread_t t1, t2;
	pthread_create(&t1, NULL, churn_main, &c1);
	pthread_create(&t2, NULL, churn_main, &c2);
	pthread_join(t1, NULL);
	pthread_join(t2, NULL);
	TAP_CHECK(c1.failures == 0 && c2.failures == 0,
	   "two threads binding and closing between A and B in opposite directions: no failure, no deadlock (%u, %u)",
	   c1.failures, c2.failures);

	/* Destroying A leaves B's end unbound, offered to A again. */
	struct xg_domctl op = { .cmd = XG_DOMCTL_destroydomain, .domain = a->id };
	domctl(d0, false, &op);
	st = (struct evtchn_status){ .dom = DOMID_SELF, .port = pb };
	rc = evtchn_as(&r, b, EVTCHNOP_status, &st, sizeof(st));
	TAP_CHECK(rc == 0 && st.status == EVTCHNSTAT_unbound && st.u.unbound.dom == a->id,
	   "after A is destroyed B's port is unbound (%ld, %u)", rc, st.status);
	s.port = pb;
	rc = evtchn_as(&r, b, EVTCHNOP_send, &s, sizeof(s));
	TAP_CHECK(rc == 0, "and a send on it is dropped (%ld)", rc);
	struct domain *doms[] = { b, c };
	for (unsigned int i = 0; i < 2; i++) {
		op = (struct xg_domctl){ .cmd = XG_DOMCTL_destroydomain, .domain = doms[i]->id };
		domctl(d0, false, &op);
	}
	domain_put(a);
	domain_put(b);
	domain_put(c);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back after the event-channel domains");
}

static long console_attach(struct domain *d0, uint16_t domid, uint64_t mfn, uint32_t *port)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_console_attach, .domain = domid };
	op.u.console_attach.mfn = mfn;
	long rc = domctl(d0, false, &op);
	if (!rc)
		*port = op.u.console_attach.port;
	return rc;
}

/* Input for the guest's ring: the count queued, or the error. */
static long console_write(struct domain *d0, bool readonly, uint16_t domid, const char *bytes, uint32_t len)
{
	req.used = 0;
	struct xg_domctl op = { .cmd = XG_DOMCTL_console_write, .interface_version = XG_DOMCTL_INTERFACE_VERSION,
				.domain = domid };
	op.u.console_write.buffer = put(bytes, len);
	op.u.console_write.len = len;
	uint64_t h = put(&op, sizeof(op));
	req.caller = d0;
	req.readonly = readonly;
	long rc = inproc_call(&req, __HYPERVISOR_domctl, h, 0, 0, 0);
	return rc ? rc : (long)((struct xg_domctl *)at(h))->u.console_write.count;
}

static bool history_is(struct domain *d, const char *want)
{
	char got[256];
	uint64_t pos = 0;
	size_t n = text_ring_read(&d->console, &pos, got, sizeof(got) - 1, 0);
	got[n] = 0;
	return !strcmp(got, want);
}

/* The hypervisor as the backend of a console ring (console_ring.c): what
 * the toolstack may name as the ring, input and output through it, and
 * what a guest may do to the shared indexes. */
static void test_console_ring(struct domain *d0, uint64_t free0)
{
	struct pair p;
	if (!pair_setup(d0, &p, "console", "neighbour"))
		return;
	struct domain *d = p.d;
	const uint64_t *m = p.m;
	uint32_t port = 0;
	TAP_CHECK(console_write(d0, false, d->id, "x", 1) == -ENODEV, "input for a domain without a ring is -ENODEV");
	TAP_CHECK(console_attach(d0, d->id, p.o[0], &port) == -EINVAL, "another domain's frame cannot be the ring");
	TAP_CHECK(console_attach(d0, d->id, hv->machine.nr_frames + 3, &port) == -EINVAL,
		  "nor a frame beyond machine memory");
	build_tables(m);
	TAP_CHECK(pin_l4(d0, d->id, m[0]) == 0, "pin a tree");
	TAP_CHECK(console_attach(d0, d->id, m[2], &port) == -EACCES, "a page table cannot be the ring (-EACCES)");
	TAP_CHECK(console_attach(d0, d->id, m[10], &port) == 0 && port > 0, "a plain frame can (port %u)", port);
	TAP_CHECK(console_attach(d0, d->id, m[11], &port) == -EEXIST, "a second ring is -EEXIST");
	TAP_CHECK(unpin(d0, d->id, m[0]) == 0, "unpin it");
	frame(m[2])[0] = m[10] << 12 | P; /* the ring as an L1 */
	long rc = pin_l4(d0, d->id, m[0]);
	TAP_CHECK(rc == -EINVAL, "the ring cannot become a page table while it is served (%ld)", rc);
	frame(m[2])[0] = m[3] << 12 | P;

	struct inproc_req r;
	memset(&r, 0, sizeof(r));
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
	rc = evtchn_as(&r, d, EVTCHNOP_status, &st, sizeof(st));
	TAP_CHECK(rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == 0,
		  "to the guest the port is interdomain with domain 0 (%ld, %u)", rc, st.status);

	struct xencons_interface *ring = (struct xencons_interface *)frame(m[10]);
	TAP_CHECK(console_write(d0, true, d->id, "x", 1) == -EPERM, "the read-only socket cannot give input");
	TAP_CHECK(console_write(d0, false, d->id, "abc", 3) == 3 && ring->in_prod == 3 && !memcmp(ring->in, "abc", 3) &&
			  port_pending_in(d, port),
		  "input lands in the ring's in[] with in_prod moved, and the port pending");
	char big[2000];
	memset(big, 'z', sizeof(big));
	TAP_CHECK(console_write(d0, false, d->id, big, sizeof(big)) == 1021, "only the room left is taken (1021)");
	TAP_CHECK(console_write(d0, false, d->id, big, 1) == 0, "a full ring takes nothing");
	ring->in_cons = 1024;
	TAP_CHECK(console_write(d0, false, d->id, "wrap", 4) == 4 && !memcmp(ring->in, "wrap", 4),
		  "once the guest has read it, input wraps around to the start");
	ring->in_cons = ring->in_prod + 5000;
	TAP_CHECK(console_write(d0, false, d->id, "x", 1) == -EIO, "impossible input indexes are -EIO");
	ring->in_cons = ring->in_prod;

	ring->out[2046] = 'h'; /* across the end of out[] */
	ring->out[2047] = 'i';
	ring->out[0] = '\n';
	ring->out_cons = ring->out_prod = 2046;
	ring->out_prod += 3;
	struct evtchn_send send = { .port = port };
	rc = evtchn_as(&r, d, EVTCHNOP_send, &send, sizeof(send));
	TAP_CHECK(rc == 0 && ring->out_cons == 2049 && history_is(d, "hi\n"),
		  "a notify moves the output, wrapped around, into the history (%ld)", rc);
	ring->out_prod += 3000;
	rc = evtchn_as(&r, d, EVTCHNOP_send, &send, sizeof(send));
	TAP_CHECK(rc == 0 && ring->out_cons == 2049 && history_is(d, "hi\n"),
		  "output indexes 3000 apart are left alone (%ld)", rc);

	uint64_t free1 = heap_free_frames(&hv->heap);
	TAP_CHECK(decrease(d, DOMID_SELF, &m[10], 1) == 1 && heap_free_frames(&hv->heap) == free1,
		  "the guest may give the ring's frame back, but it stays allocated while served");
	pair_destroy(d0, &p);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back after the domain, the ring's included");
}

/* A domain whose every lifecycle action is preserve: it stays for the
 * checks after its shutdown. */
static struct domain *make_preserved(struct domain *d0, const char *name)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_createdomain };
	snprintf(op.u.createdomain.name, sizeof(op.u.createdomain.name), "%s", name);
	op.u.createdomain.max_vcpus = 1;
	op.u.createdomain.max_pages = 64;
	op.u.createdomain.on_poweroff = op.u.createdomain.on_crash = XG_DOMACT_PRESERVE;
	op.u.createdomain.on_reboot = op.u.createdomain.on_watchdog = XG_DOMACT_PRESERVE;
	if (domctl(d0, false, &op))
		return NULL;
	return domain_get(op.domain);
}

static struct xg_domaininfo info_of(struct domain *d0, struct domain *d)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_getdomaininfo, .domain = d->id };
	domctl(d0, false, &op);
	return op.u.getdomaininfo;
}

static void destroy(struct domain *d0, struct domain *d)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_destroydomain, .domain = d->id };
	domctl(d0, false, &op);
	domain_put(d);
}

/* SCHEDOP_shutdown_code and SCHEDOP_watchdog below the hypercall (the
 * guest side is tests/guests/events.c): the code getdomaininfo reports,
 * which reason wins, and watchdogs that expire at once or are destroyed
 * while they fire. */
static void test_shutdown_codes_and_watchdogs(struct domain *d0, uint64_t free0)
{
	struct domain *a = make_preserved(d0, "code-a"), *b = make_preserved(d0, "code-b"),
		      *c = make_preserved(d0, "code-c"), *w = make_preserved(d0, "dog");
	if (!TAP_CHECK(a && b && c && w, "four domains for shutdown codes and watchdogs"))
		return;
	struct xg_domaininfo i = info_of(d0, a);
	TAP_CHECK(i.shutdown_reason == XG_CTL_SHUTDOWN_CODE_NONE && !(i.flags & XG_DOMINF_shutdown),
		  "a new domain has no shutdown code: getdomaininfo says 255, as Xen's 8-bit field (%u)",
		  i.shutdown_reason);
	domain_set_shutdown_code(a, SHUTDOWN_reboot);
	i = info_of(d0, a);
	TAP_CHECK(i.shutdown_reason == SHUTDOWN_reboot && !(i.flags & XG_DOMINF_shutdown),
		  "a latched code shows in getdomaininfo before any shutdown (%u)", i.shutdown_reason);
	domain_set_shutdown_code(a, SHUTDOWN_crash);
	domain_shutdown(a, SHUTDOWN_poweroff);
	i = info_of(d0, a);
	TAP_CHECK((i.flags & XG_DOMINF_shutdown) && !(i.flags & XG_DOMINF_crashed) && i.shutdown_reason == SHUTDOWN_reboot,
		  "the first code wins over a second code and the shutdown's own reason (%#x, %u)", i.flags,
		  i.shutdown_reason);

	domain_set_shutdown_code(b, 0x104);
	i = info_of(d0, b);
	TAP_CHECK(i.shutdown_reason == SHUTDOWN_watchdog, "a code is kept in 8 bits, as Xen's u8 (%u)", i.shutdown_reason);
	domain_crash(b, "a test crash");
	i = info_of(d0, b);
	TAP_CHECK((i.flags & XG_DOMINF_shutdown) && !(i.flags & XG_DOMINF_crashed) && i.shutdown_reason == SHUTDOWN_watchdog,
		  "a crash gives way to a latched code: shut down for reason watchdog (%#x, %u)", i.flags,
		  i.shutdown_reason);
	domain_crash(c, "a test crash");
	i = info_of(d0, c);
	TAP_CHECK((i.flags & XG_DOMINF_crashed) && !(i.flags & XG_DOMINF_shutdown) && i.shutdown_reason == SHUTDOWN_crash,
		  "without a code a crash is a crash, its code SHUTDOWN_crash (%#x, %u)", i.flags, i.shutdown_reason);

	long r1 = domain_watchdog(w, 3, 10), r2 = domain_watchdog(w, 1, 10), r3 = domain_watchdog(w, 2, 0);
	TAP_CHECK(r1 == -EINVAL && r2 == -EINVAL && r3 == -EINVAL,
		  "watchdog id 3, and ids 1 and 2 not in use: -EINVAL (%ld %ld %ld)", r1, r2, r3);
	r1 = domain_watchdog(w, 0, 100);
	r2 = domain_watchdog(w, 0, 100);
	r3 = domain_watchdog(w, 0, 100);
	TAP_CHECK(r1 == 1 && r2 == 2 && r3 == -ENOSPC, "watchdogs 1 and 2, then -ENOSPC (%ld %ld %ld)", r1, r2, r3);
	r1 = domain_watchdog(w, 2, 0);
	r2 = domain_watchdog(w, 2, 0);
	r3 = domain_watchdog(w, 1, 200);
	TAP_CHECK(r1 == 0 && r2 == -EINVAL && r3 == 0, "killing 2, killing it again (-EINVAL), re-arming 1 (%ld %ld %ld)",
		  r1, r2, r3);
	/* A new watchdog with timeout 0 expires at once, as in Xen. */
	r1 = domain_watchdog(w, 0, 0);
	bool down = false;
	for (unsigned int n = 0; n < 2000 && !down; n++) {
		i = info_of(d0, w);
		down = i.flags & XG_DOMINF_shutdown;
		if (!down) {
			struct timespec ts = { 0, 1000000 };
			nanosleep(&ts, NULL);
		}
	}
	TAP_CHECK(r1 == 2 && down && i.shutdown_reason == SHUTDOWN_watchdog,
		  "a new watchdog with timeout 0 (id %ld) shuts the domain down at once, reason watchdog (%u)", r1,
		  i.shutdown_reason);

	/* Destroyed while their watchdogs expire: each destruction waits for
	 * an expiry under way, none runs after (the sanitizers' builds see a
	 * callback on freed memory). */
	unsigned int ok = 0;
	for (unsigned int n = 0; n < 40; n++) {
		struct domain *x = make_preserved(d0, "dog-race");
		if (!x)
			break;
		if (domain_watchdog(x, 0, 0) == 1 && domain_watchdog(x, 0, 100) == 2)
			ok++;
		if (n & 1) {
			struct timespec ts = { 0, 100000 * (n % 7) };
			nanosleep(&ts, NULL);
		}
		destroy(d0, x);
	}
	TAP_CHECK(ok == 40, "40 domains destroyed as their watchdogs expire (%u armed)", ok);
	destroy(d0, a);
	destroy(d0, b);
	destroy(d0, c);
	destroy(d0, w);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back after the shutdown-code domains");
}

static long sched_op(struct domain *caller, bool readonly, uint16_t domid, uint32_t sched_id, uint32_t cmd,
		     uint16_t *weight, uint16_t *cap)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_scheduler_op, .domain = domid };
	op.u.scheduler_op.sched_id = sched_id;
	op.u.scheduler_op.cmd = cmd;
	op.u.scheduler_op.u.credit.weight = *weight;
	op.u.scheduler_op.u.credit.cap = *cap;
	long rc = domctl(caller, readonly, &op);
	*weight = op.u.scheduler_op.u.credit.weight;
	*cap = op.u.scheduler_op.u.credit.cap;
	return rc;
}

/* XG_DOMCTL_scheduler_op (Xen's scheduler_op with the credit scheduler's
 * weight and cap) and the weight's nice values (docs/scheduling.md). */
static void test_sched_credit(struct domain *d0, uint64_t free0)
{
	struct xg_domctl create = { .cmd = XG_DOMCTL_createdomain };
	strcpy(create.u.createdomain.name, "sched");
	create.u.createdomain.max_vcpus = 2;
	create.u.createdomain.max_pages = 16;
	TAP_CHECK(domctl(d0, false, &create) == 0, "create a 2-vCPU domain");
	uint16_t id = create.domain, w = 0, c = 0;
	TAP_CHECK(sched_op(d0, false, id, XG_SCHEDULER_CREDIT, XG_DOMCTL_SCHEDOP_getinfo, &w, &c) == 0 && w == 256 &&
			  c == 0,
		  "a new domain has weight 256 and no cap (%u, %u)", w, c);
	w = 0, c = 0;
	TAP_CHECK(sched_op(d0, true, id, XG_SCHEDULER_CREDIT, XG_DOMCTL_SCHEDOP_getinfo, &w, &c) == 0 && w == 256,
		  "getinfo is allowed on the read-only socket");
	w = 512, c = 150;
	TAP_CHECK(sched_op(d0, true, id, XG_SCHEDULER_CREDIT, XG_DOMCTL_SCHEDOP_putinfo, &w, &c) == -EPERM,
		  "putinfo is not (-EPERM)");
	w = 512, c = 150;
	TAP_CHECK(sched_op(d0, false, id, XG_SCHEDULER_CREDIT, XG_DOMCTL_SCHEDOP_putinfo, &w, &c) == 0,
		  "putinfo weight 512, cap 150");
	w = 0, c = XG_SCHED_CAP_KEEP;
	TAP_CHECK(sched_op(d0, false, id, XG_SCHEDULER_CREDIT, XG_DOMCTL_SCHEDOP_putinfo, &w, &c) == 0,
		  "putinfo with weight 0 and cap 0xffff (Xen's \"leave it\")");
	TAP_CHECK(sched_op(d0, false, id, XG_SCHEDULER_CREDIT, XG_DOMCTL_SCHEDOP_getinfo, &w, &c) == 0 && w == 512 &&
			  c == 150,
		  "changes nothing (%u, %u)", w, c);
	w = 0, c = 200;
	TAP_CHECK(sched_op(d0, false, id, XG_SCHEDULER_CREDIT, XG_DOMCTL_SCHEDOP_putinfo, &w, &c) == 0,
		  "a cap of 100 per vCPU is taken");
	w = 300, c = 201;
	TAP_CHECK(sched_op(d0, false, id, XG_SCHEDULER_CREDIT, XG_DOMCTL_SCHEDOP_putinfo, &w, &c) == -EINVAL,
		  "a cap above 100 per vCPU is -EINVAL");
	TAP_CHECK(sched_op(d0, false, id, XG_SCHEDULER_CREDIT, XG_DOMCTL_SCHEDOP_getinfo, &w, &c) == 0 && w == 512 &&
			  c == 200,
		  "and changes nothing, the weight given with it neither (%u, %u)", w, c);
	w = 256, c = 0;
	TAP_CHECK(sched_op(d0, false, id, 6 /* credit2 */, XG_DOMCTL_SCHEDOP_getinfo, &w, &c) == -EINVAL,
		  "another scheduler's id is -EINVAL");
	TAP_CHECK(sched_op(d0, false, id, XG_SCHEDULER_CREDIT, 7, &w, &c) == -EINVAL, "an unknown sub-op is -EINVAL");
	TAP_CHECK(sched_op(d0, false, 0, XG_SCHEDULER_CREDIT, XG_DOMCTL_SCHEDOP_getinfo, &w, &c) == -EINVAL,
		  "domain 0 (the host) has no parameters: -EINVAL");
	TAP_CHECK(sched_op(d0, false, 0x7fe0, XG_SCHEDULER_CREDIT, XG_DOMCTL_SCHEDOP_getinfo, &w, &c) == -ESRCH,
		  "no such domain: -ESRCH");
	struct domain *d = domain_get(id);
	TAP_CHECK(d && sched_op(d, false, id, XG_SCHEDULER_CREDIT, XG_DOMCTL_SCHEDOP_getinfo, &w, &c) == -EPERM,
		  "a guest may not (domctl is toolstack-only)");
	if (d)
		domain_put(d);
	struct xg_domctl op = { .cmd = XG_DOMCTL_destroydomain, .domain = id };
	domctl(d0, false, &op);
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back after destruction");

	/* Weight to nice: the CFS weight nearest by ratio to 1024 * w / 256 / active. */
	TAP_CHECK(sched_credit_nice(256, 1) == 0, "weight 256: nice 0");
	TAP_CHECK(sched_credit_nice(768, 1) == -5, "weight 768: nice -5 (3121, 3.05 times nice 0)");
	TAP_CHECK(sched_credit_nice(512, 1) == -3, "weight 512: nice -3 (1991)");
	TAP_CHECK(sched_credit_nice(128, 1) == 3, "weight 128: nice 3 (526)");
	TAP_CHECK(sched_credit_nice(285, 1) == 0 && sched_credit_nice(286, 1) == -1 &&
			  sched_credit_nice(230, 1) == 0 && sched_credit_nice(229, 1) == 1,
		  "weights 230 to 285 are nice 0, 286 is -1, 229 is 1");
	TAP_CHECK(sched_credit_nice(65535, 1) == -20 && sched_credit_nice(19952, 1) == -20 &&
			  sched_credit_nice(19950, 1) == -19,
		  "weights from 19952 up are nice -20");
	TAP_CHECK(sched_credit_nice(1, 1) == 19 && sched_credit_nice(4, 1) == 19 && sched_credit_nice(5, 1) == 18,
		  "weights 1 to 4 are nice 19");
	TAP_CHECK(sched_credit_nice(512, 2) == 0 && sched_credit_nice(256, 4) == 6,
		  "a domain's weight is shared by its active vCPUs (512 over 2: nice 0; 256 over 4: nice 6)");
}

int main(void)
{
	const char *why = "";
	struct domain *d0 = inproc_hypervisor_start(1ull << 30, &why);
	if (!d0) {
		printf("Bail out! %s\n", why);
		return 1;
	}
	uint64_t free0 = heap_free_frames(&hv->heap);
	test_handles(d0);
	test_cpuid(d0);
	test_machine_map(d0);
	test_memory(d0, free0);
	test_pinning(d0, free0);
	test_decrease(d0, free0);
	test_mmu_update(d0, free0);
	test_m2p_mapping(d0, free0);
	test_exchange_and_page_ops(d0, free0);
	test_event_channels(d0, free0);
	test_port_limit(d0, free0);
	test_console_ring(d0, free0);
	test_shutdown_codes_and_watchdogs(d0, free0);
	test_sched_credit(d0, free0);
	inproc_hypervisor_stop(d0);
	return tap_done();
}
