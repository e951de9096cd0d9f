/*
 * mmu32: a 32-bit PAE PV guest changing its own page tables the ways Xen
 * allows and the ways it refuses, checking from inside that each change
 * took effect or that a refused one changed nothing: a new L1 mapping
 * frames above 4 GiB (entries passed in two halves), the hypervisor's
 * slots of its slot-3 L2 and its L3's fixed slots, the compat M2P, and an
 * L3 of its own above 4 GiB, refused with -ERANGE until it enables the
 * extended-CR3 assist.
 *
 * It takes its new tables and data frames from the top of its memory,
 * which the domain builder leaves unmapped.
 */
#include "guest.h"
#include "public/memory.h"

const char guest_name[] = "mmu32";

#define EINVAL 22
#define EBUSY 16
#define ERANGE 34

#define PTE_P 0x1ull
#define PTE_RW 0x2ull
#define PTE_U 0x4ull
#define PTE_PCD 0x10ull
#define ADDR_MASK 0x000ffffffffff000ull
#define KERNEL_BASE 0xc0000000ul
#define HV_START 0xf5800000ul
#define FIRST_XEN_L2_SLOT 428

/* Entry 100 of the kernel's L2 (the slot-3 L2): unused by the builder. */
#define NEW_L2_SLOT 100
#define NEW_VA (KERNEL_BASE + NEW_L2_SLOT * 0x200000ul)

static const xen_pfn_t *p2m;
static unsigned long nr_pages;

static long mmu_update(const struct mmu_update *req, unsigned int count, unsigned int *done)
{
	return hypercall(__HYPERVISOR_mmu_update, (unsigned long)req, count, (unsigned long)done, DOMID_SELF, 0);
}

static long mmu_update1(uint64_t ptr, uint64_t val)
{
	struct mmu_update req = { .ptr = ptr, .val = val };
	return mmu_update(&req, 1, 0);
}

/* A 32-bit guest passes the 64-bit entry as two halves. */
static long update_va_mapping(unsigned long va, uint64_t val, unsigned long flags)
{
	return hypercall(__HYPERVISOR_update_va_mapping, va, (unsigned long)val, (unsigned long)(val >> 32), flags,
			 0);
}

static long mmuext1(unsigned int cmd, xen_pfn_t mfn)
{
	struct mmuext_op op = { .cmd = cmd };
	op.arg1.mfn = mfn;
	return hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
}

static uint64_t maddr(xen_pfn_t mfn)
{
	return (uint64_t)mfn << 12;
}

static xen_pfn_t l3_mfn(start_info_t *si)
{
	return p2m[(si->pt_base - KERNEL_BASE) >> 12];
}

/* The L2 the kernel lives in: the one in L3 slot 3. */
static xen_pfn_t kernel_l2_mfn(start_info_t *si)
{
	const volatile uint64_t *l3 = (const volatile uint64_t *)si->pt_base;
	return (xen_pfn_t)((l3[3] & ADDR_MASK) >> 12);
}

static void test_new_l1(start_info_t *si)
{
	xen_pfn_t l1 = p2m[nr_pages - 1], data = p2m[nr_pages - 2], data2 = p2m[nr_pages - 3];
	uint64_t l2e = maddr(kernel_l2_mfn(si)) + NEW_L2_SLOT * 8;
	guest_printf("new L1 at mfn %lx, data at %lx and %lx\n", (unsigned long)l1, (unsigned long)data,
		     (unsigned long)data2);

	long rc = mmu_update1(maddr(l1), maddr(data) | PTE_P | PTE_RW);
	guest_check(rc == 0, "writing a frame that is no table: %ld", rc);
	rc = mmu_update1(l2e, maddr(l1) | PTE_P | PTE_RW);
	guest_check(rc == 0, "hooking the new L1 into the kernel's L2: %ld", rc);
	volatile uint32_t *p = (volatile uint32_t *)NEW_VA;
	p[0] = 0x1111;
	p[1023] = 0x2222;
	guest_check(p[0] == 0x1111 && p[1023] == 0x2222, "the new mapping reads back what was written");

	rc = update_va_mapping(NEW_VA, maddr(data2) | PTE_P | PTE_RW, UVMF_INVLPG | UVMF_LOCAL);
	guest_check(rc == 0, "update_va_mapping to another frame: %ld", rc);
	p[0] = 0x3333;
	rc = update_va_mapping(NEW_VA, maddr(data) | PTE_P | PTE_RW, UVMF_TLB_FLUSH | UVMF_ALL);
	guest_check(rc == 0 && p[0] == 0x1111, "mapping the first frame back shows its contents (%ld, %#lx)", rc,
		    (unsigned long)p[0]);
	if (data >= 0x100000)
		guest_printf("the data frame lies above 4 GiB: the entry's high half was used\n");

	rc = update_va_mapping(NEW_VA + 4096, maddr(l1) | PTE_P | PTE_RW, UVMF_INVLPG | UVMF_LOCAL);
	guest_check(rc == -EBUSY, "mapping the L1 writable is -EBUSY: %ld", rc);
	rc = update_va_mapping(NEW_VA + 4096, maddr(l1) | PTE_P, UVMF_INVLPG | UVMF_LOCAL);
	volatile uint64_t *self = (volatile uint64_t *)(NEW_VA + 4096);
	guest_check(rc == 0 && (self[0] & ADDR_MASK) == maddr(data) && !(self[0] & PTE_U),
		    "mapped read-only it shows its entries, no user bit added at CPL 1 (%ld, %#llx)", rc,
		    (unsigned long long)self[0]);
	rc = update_va_mapping(NEW_VA + 8192, maddr(0x10) | PTE_P, 0);
	guest_check(rc == -EBUSY, "mapping a frame it does not own is -EBUSY: %ld", rc);
	rc = update_va_mapping(NEW_VA + 8192, maddr(data) | PTE_P | PTE_PCD, 0);
	guest_check(rc == -EINVAL, "an uncached mapping is -EINVAL: %ld", rc);
	rc = update_va_mapping(HV_START, maddr(data) | PTE_P, 0);
	guest_check(rc == -EINVAL, "a VA in the hypervisor's range is -EINVAL: %ld", rc);

	static struct mmu_update batch[700];
	for (unsigned int i = 0; i < 700; i++) {
		batch[i].ptr = maddr(l1) + 2 * 8;
		batch[i].val = maddr(i & 1 ? data : data2) | PTE_P;
	}
	unsigned int done = 0;
	rc = mmu_update(batch, 700, &done);
	guest_check(rc == 0 && done == 700, "700 updates in one call, continued by the hypervisor (%ld, %u)", rc, done);

	static struct multicall_entry calls[2];
	uint64_t val = maddr(data2) | PTE_P | PTE_RW;
	calls[0] = (struct multicall_entry){ .op = __HYPERVISOR_update_va_mapping,
					     .args = { NEW_VA, (unsigned long)val, (unsigned long)(val >> 32),
						       UVMF_INVLPG | UVMF_LOCAL } };
	calls[1] = (struct multicall_entry){ .op = __HYPERVISOR_xen_version, .args = { XENVER_version } };
	rc = hypercall(__HYPERVISOR_multicall, (unsigned long)calls, 2, 0, 0, 0);
	guest_check(rc == 0 && calls[0].result == 0 && p[0] == 0x3333 &&
			    (long)calls[1].result == HYPERVISOR_xen_version(XENVER_version, 0),
		    "a multicall of 32-bit entries remaps the page and answers (%ld, %lx)", rc,
		    (unsigned long)calls[0].result);

	rc = mmu_update1(l2e, 0);
	guest_check(rc == 0, "unhooking the L1: %ld", rc);
}

static void test_fixed_slots(start_info_t *si)
{
	xen_pfn_t l3 = l3_mfn(si), l2x = kernel_l2_mfn(si);
	const volatile uint64_t *kl2 = (const volatile uint64_t *)(si->pt_base + 4096);
	uint64_t before = kl2[FIRST_XEN_L2_SLOT];
	long rc = mmu_update1(maddr(l2x) + FIRST_XEN_L2_SLOT * 8, maddr(p2m[nr_pages - 2]) | PTE_P);
	guest_check(rc == -EINVAL && kl2[FIRST_XEN_L2_SLOT] == before,
		    "the hypervisor's slots of the slot-3 L2 are -EINVAL and unchanged: %ld", rc);
	guest_check(before != 0, "and they hold the hypervisor's mapping (%#llx)", (unsigned long long)before);
	rc = mmu_update1(maddr(l3) + 3 * 8, maddr(p2m[nr_pages - 4]) | PTE_P);
	guest_check(rc == -EINVAL, "L3 slot 3 cannot be changed while in use: %ld", rc);
	rc = mmu_update1(maddr(l3) + 5 * 8, maddr(p2m[nr_pages - 4]) | PTE_P);
	guest_check(rc == -EINVAL, "nor any slot past the L3's four: %ld", rc);
	rc = mmu_update1(maddr(l3) + 1 * 8, maddr(l2x) | PTE_P);
	guest_check(rc == -EINVAL, "the slot-3 L2 cannot appear in another slot: %ld", rc);
	rc = update_va_mapping(si->pt_base, maddr(l3) | PTE_P | PTE_RW, UVMF_INVLPG | UVMF_LOCAL);
	guest_check(rc == -EBUSY, "mapping its L3 writable is -EBUSY: %ld", rc);
	rc = mmuext1(MMUEXT_PIN_L3_TABLE, l3);
	guest_check(rc == -EINVAL, "pinning its L3 again: %ld", rc);
	rc = mmuext1(MMUEXT_PIN_L2_TABLE, l2x);
	guest_check(rc == -EINVAL, "pinning its slot-3 L2 as an ordinary L2: %ld", rc);
	rc = mmuext1(MMUEXT_PIN_L3_TABLE, p2m[0]);
	guest_check(rc < 0, "pinning a page mapped writable (its kernel) as an L3: %ld", rc);
	rc = mmuext1(MMUEXT_PIN_L1_TABLE, 0x10);
	guest_check(rc == -EINVAL, "pinning a frame it does not own: %ld", rc);
	rc = mmuext1(MMUEXT_UNPIN_TABLE, p2m[nr_pages - 6]);
	guest_check(rc == -EINVAL, "unpinning what is not pinned: %ld", rc);
	rc = mmuext1(MMUEXT_PIN_L4_TABLE, p2m[nr_pages - 4]);
	guest_check(rc == -EINVAL, "a 32-bit guest cannot pin an L4: %ld", rc);
	rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, l3);
	guest_check(rc == -EINVAL, "nor set user page tables: %ld", rc);
}

static void test_m2p(start_info_t *si)
{
	struct xen_machphys_mapping m;
	long rc = hypercall(__HYPERVISOR_memory_op, XENMEM_machphys_mapping, (unsigned long)&m, 0, 0, 0);
	guest_check(rc == 0 && m.v_start == HV_START && m.v_end == 0xffe00000ul,
		    "the compat M2P lies at %#lx-%#lx (%ld)", (unsigned long)m.v_start, (unsigned long)m.v_end, rc);
	const volatile uint32_t *m2p = (const volatile uint32_t *)m.v_start;
	unsigned long bad = 0, n = nr_pages < 4096 ? nr_pages : 4096;
	for (unsigned long pfn = 0; pfn < n; pfn++)
		if (p2m[pfn] > m.max_mfn || m2p[p2m[pfn]] != pfn)
			bad++;
	guest_check(bad == 0, "the M2P maps each of its first %lu frames back to its pfn (%lu wrong)", n, bad);

	xen_pfn_t mfn = p2m[nr_pages - 5];
	struct mmu_update u = { .ptr = maddr(mfn) | MMU_MACHPHYS_UPDATE, .val = 7 };
	rc = mmu_update(&u, 1, 0);
	guest_check(rc == 0 && m2p[mfn] == 7, "MMU_MACHPHYS_UPDATE shows in the compat M2P (%ld)", rc);
	u.val = nr_pages - 5;
	mmu_update(&u, 1, 0);
	(void)si;
}

/* An L3 of its own, and the slot-3 L2 it needs, from the top of memory. */
static void test_l3_placement(void)
{
	xen_pfn_t l3 = 0, l2x = p2m[nr_pages - 7];
	for (unsigned long pfn = nr_pages - 8; pfn > nr_pages - 64 && !l3; pfn--)
		if (p2m[pfn] >= 0x100000)
			l3 = p2m[pfn];
	if (!l3) {
		guest_printf("SKIP: no frame above 4 GiB to try an L3 on\n");
		return;
	}
	for (unsigned int i = 0; i < 512; i++) {
		mmu_update1(maddr(l3) + i * 8, 0);
		mmu_update1(maddr(l2x) + i * 8, 0);
	}
	mmu_update1(maddr(l3) + 3 * 8, maddr(l2x) | PTE_P);
	long rc = mmuext1(MMUEXT_PIN_L3_TABLE, l3);
	guest_check(rc == -ERANGE, "an L3 above 4 GiB (mfn %lx) is -ERANGE without extended CR3: %ld",
		    (unsigned long)l3, rc);
	rc = hypercall(__HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_m2p_strict, 0, 0, 0);
	guest_check(rc == -EINVAL, "m2p_strict is no 32-bit assist: %ld", rc);
	rc = hypercall(__HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3, 0, 0, 0);
	guest_check(rc == 0, "enabling pae_extended_cr3: %ld", rc);
	rc = mmuext1(MMUEXT_PIN_L3_TABLE, l3);
	guest_check(rc == 0, "then the same L3 pins: %ld", rc);
	rc = mmuext1(MMUEXT_UNPIN_TABLE, l3);
	guest_check(rc == 0, "and unpins: %ld", rc);
}

int guest_main(start_info_t *si)
{
	p2m = (const xen_pfn_t *)si->mfn_list;
	nr_pages = si->nr_pages;
	test_fixed_slots(si);
	test_new_l1(si);
	test_m2p(si);
	test_l3_placement();
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
