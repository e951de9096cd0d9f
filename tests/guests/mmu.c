/*
 * mmu: a 64-bit PV guest changing its own page tables the ways Xen
 * allows (mmu_update, update_va_mapping, multicall) and the ways it
 * refuses, checking from inside that each change took effect or that a
 * refused one changed nothing.
 *
 * It builds its own mapping in a fresh 2 MiB region: a new L1 table and
 * data frames taken from the top of its memory, which the domain builder
 * leaves unmapped.
 */
#include "guest.h"

const char guest_name[] = "mmu";

#define EINVAL 22
#define EBUSY 16
#define ENOSYS 38

#define PTE_P 0x1ul
#define PTE_RW 0x2ul
#define PTE_U 0x4ul
#define PTE_PCD 0x10ul
#define ADDR_MASK 0x000ffffffffff000ul
#define KERNEL_BASE 0xffffffff80000000ul

/* Entry 100 of the L2 that maps the kernel: unused by the builder. */
#define NEW_L2_SLOT 100
#define NEW_VA (KERNEL_BASE + NEW_L2_SLOT * 0x200000ul)

static const xen_pfn_t *p2m;
static unsigned long nr_pages;

static long mmu_update(const struct mmu_update *req, unsigned int count, unsigned int *done)
{
	return hypercall(__HYPERVISOR_mmu_update, (unsigned long)req, count, (unsigned long)done, DOMID_SELF, 0);
}

static long mmu_update1(unsigned long ptr, unsigned long val)
{
	struct mmu_update req = { .ptr = ptr, .val = val };
	return mmu_update(&req, 1, 0);
}

static long update_va_mapping(unsigned long va, unsigned long val, unsigned long flags)
{
	return hypercall(__HYPERVISOR_update_va_mapping, va, val, flags, 0, 0);
}

/* The virtual address of one of our frames mapped by the builder. */
static const volatile uint64_t *frame_va(unsigned long mfn)
{
	for (unsigned long pfn = 0; pfn < nr_pages; pfn++)
		if (p2m[pfn] == mfn)
			return (const volatile uint64_t *)(KERNEL_BASE + pfn * 4096);
	return 0;
}

/* The machine address of the entry that maps va at `level`. */
static unsigned long entry_maddr(start_info_t *si, unsigned long va, unsigned int level)
{
	unsigned long mfn = p2m[(si->pt_base - KERNEL_BASE) >> 12];
	for (unsigned int l = 4;; l--) {
		unsigned int index = (va >> (12 + 9 * (l - 1))) & 511;
		if (l == level)
			return (mfn << 12) + index * 8;
		const volatile uint64_t *t = frame_va(mfn);
		if (!t || !(t[index] & PTE_P))
			return 0;
		mfn = (t[index] & ADDR_MASK) >> 12;
	}
}

static void test_new_table(start_info_t *si)
{
	unsigned long l1 = p2m[nr_pages - 1], data = p2m[nr_pages - 2], data2 = p2m[nr_pages - 3];
	unsigned long l2e = entry_maddr(si, NEW_VA, 2);
	guest_check(l2e != 0, "the kernel's L2 is reachable");

	/* The new L1 is no table yet: writes to it are plain stores. */
	long rc = mmu_update1(l1 << 12, data << 12 | PTE_P | PTE_RW);
	guest_check(rc == 0, "writing a frame that is no table: %ld", rc);
	rc = mmu_update1(l2e, l1 << 12 | PTE_P | PTE_RW);
	guest_check(rc == 0, "hooking the new L1 into the L2: %ld", rc);
	volatile uint64_t *p = (volatile uint64_t *)NEW_VA;
	p[0] = 0x1111;
	p[511] = 0x2222;
	guest_check(p[0] == 0x1111 && p[511] == 0x2222, "the new mapping reads back what was written");

	rc = update_va_mapping(NEW_VA, data2 << 12 | PTE_P | PTE_RW, UVMF_INVLPG | UVMF_LOCAL);
	guest_check(rc == 0, "update_va_mapping to another frame: %ld", rc);
	p[0] = 0x3333;
	rc = update_va_mapping(NEW_VA, data << 12 | PTE_P | PTE_RW, UVMF_TLB_FLUSH | UVMF_ALL);
	guest_check(rc == 0 && p[0] == 0x1111, "mapping the first frame back shows its contents (%ld, %#lx)", rc,
		    (unsigned long)p[0]);
	rc = update_va_mapping(NEW_VA, data2 << 12 | PTE_P, UVMF_INVLPG | UVMF_LOCAL);
	guest_check(rc == 0 && p[0] == 0x3333, "and the second frame kept its own (%ld)", rc);

	/* The L1 itself: never writable, readable. */
	rc = update_va_mapping(NEW_VA + 4096, l1 << 12 | PTE_P | PTE_RW, UVMF_INVLPG | UVMF_LOCAL);
	guest_check(rc == -EBUSY, "mapping the L1 writable is -EBUSY: %ld", rc);
	rc = update_va_mapping(NEW_VA + 4096, l1 << 12 | PTE_P, UVMF_INVLPG | UVMF_LOCAL);
	volatile uint64_t *self = (volatile uint64_t *)(NEW_VA + 4096);
	guest_check(rc == 0 && (self[0] & ADDR_MASK) == data2 << 12 && (self[0] & PTE_U),
		    "mapped read-only it shows its entries, made user-accessible (%ld, %#lx)", rc,
		    (unsigned long)self[0]);
	rc = update_va_mapping(NEW_VA + 8192, 0x10ul << 12 | PTE_P, 0);
	guest_check(rc == -EBUSY, "mapping a frame it does not own is -EBUSY: %ld", rc);
	rc = update_va_mapping(NEW_VA + 8192, data << 12 | PTE_P | PTE_PCD, 0);
	guest_check(rc == -EINVAL, "an uncached mapping is -EINVAL: %ld", rc);
	rc = update_va_mapping(NEW_VA + 0x200000, data << 12 | PTE_P, 0);
	guest_check(rc == -EINVAL, "a VA without an L1 is -EINVAL: %ld", rc);
	rc = update_va_mapping(0xffff800000000000ul, data << 12 | PTE_P, 0);
	guest_check(rc == -EINVAL, "a VA in the hypervisor's range is -EINVAL: %ld", rc);
	rc = mmu_update1(entry_maddr(si, NEW_VA, 2) + 8, l1 << 12 | PTE_P | PTE_RW);
	guest_check(rc == 0, "a second L2 entry may name the same L1: %ld", rc);
	rc = mmu_update1(entry_maddr(si, NEW_VA, 2) + 8, 0);
	guest_check(rc == 0, "and be cleared again: %ld", rc);

	/* A batch bigger than one continuation. */
	static struct mmu_update batch[700];
	unsigned long e2 = (l1 << 12) + 2 * 8;
	for (unsigned int i = 0; i < 700; i++) {
		batch[i].ptr = e2;
		batch[i].val = (i & 1 ? data : data2) << 12 | PTE_P;
	}
	unsigned int done = 0;
	rc = mmu_update(batch, 700, &done);
	guest_check(rc == 0 && done == 700, "700 updates in one call, continued by the hypervisor (%ld, %u)", rc, done);
	batch[3].val = l1 << 12 | PTE_P | PTE_RW;
	done = 0;
	rc = mmu_update(batch, 10, &done);
	guest_check(rc == -EBUSY && done == 3, "a batch stops at its first refused update (%ld, %u)", rc, done);

	/* Unhooking the L1 makes it a plain frame again. */
	rc = mmu_update1(l2e, 0);
	guest_check(rc == 0, "unhooking the L1: %ld", rc);
}

static void test_refused(start_info_t *si)
{
	unsigned long l4 = p2m[(si->pt_base - KERNEL_BASE) >> 12];
	long rc = mmu_update1((l4 << 12) + 256 * 8, l4 << 12 | PTE_P);
	guest_check(rc == -EINVAL, "writing a reserved L4 slot is -EINVAL: %ld", rc);
	rc = mmu_update1((l4 << 12) + 5 * 8, l4 << 12 | PTE_P);
	guest_check(rc == -EINVAL, "a recursive L4 entry is -EINVAL: %ld", rc);
	unsigned long l1_of_kernel = entry_maddr(si, KERNEL_BASE, 1);
	rc = mmu_update1(l1_of_kernel, l4 << 12 | PTE_P | PTE_RW);
	guest_check(rc == -EBUSY, "mapping the L4 writable is -EBUSY: %ld", rc);
	rc = mmu_update1(0x10ul << 12, 0);
	guest_check(rc == -EINVAL, "updating a frame it does not own is -EINVAL: %ld", rc);
	rc = mmu_update1(l1_of_kernel | 6, 0);
	guest_check(rc == -ENOSYS, "an unknown mmu_update command is -ENOSYS: %ld", rc);
	rc = hypercall(__HYPERVISOR_mmu_update, 0, 1, 0, 0, 0);
	guest_check(rc == -1, "mmu_update naming domain 0 is -EPERM: %ld", rc);
	rc = hypercall(__HYPERVISOR_update_va_mapping_otherdomain, NEW_VA, 0, 0, 0, 0);
	guest_check(rc == -1, "update_va_mapping_otherdomain on domain 0 is -EPERM: %ld", rc);
	struct mmu_update m2p = { .ptr = (l4 << 12) | MMU_MACHPHYS_UPDATE, .val = 7 };
	rc = mmu_update(&m2p, 1, 0);
	guest_check(rc == 0, "MMU_MACHPHYS_UPDATE on its own frame: %ld", rc);
	m2p.ptr = (0x10ul << 12) | MMU_MACHPHYS_UPDATE;
	rc = mmu_update(&m2p, 1, 0);
	guest_check(rc == -EINVAL, "MMU_MACHPHYS_UPDATE on a frame it does not own: %ld", rc);
}

/*
 * An L2 of 16 full L1s (8192 entries): more than the hypervisor validates
 * in one step, so the pin is continued part-way through, invisibly.
 */
#define BIG_L1S 16
static struct mmu_update fill[BIG_L1S * 512 + BIG_L1S];

static void test_big_pin(void)
{
	unsigned long l2 = p2m[nr_pages - 4], data = p2m[nr_pages - 2];
	unsigned int n = 0;
	for (unsigned int l = 0; l < BIG_L1S; l++) {
		unsigned long l1 = p2m[nr_pages - 5 - l];
		for (unsigned int i = 0; i < 512; i++)
			fill[n++] = (struct mmu_update){ .ptr = (l1 << 12) + i * 8, .val = data << 12 | PTE_P };
		fill[n++] = (struct mmu_update){ .ptr = (l2 << 12) + l * 8, .val = l1 << 12 | PTE_P | PTE_RW };
	}
	unsigned int done = 0;
	long rc = mmu_update(fill, n, &done);
	guest_check(rc == 0 && done == n, "writing 16 L1s and their L2 as plain frames (%ld, %u)", rc, done);
	struct mmuext_op op = { .cmd = MMUEXT_PIN_L2_TABLE };
	op.arg1.mfn = l2;
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == 0, "pinning an L2 of 8192 entries (validated in continued steps): %ld", rc);
	unsigned long last_l1 = p2m[nr_pages - 5 - (BIG_L1S - 1)];
	rc = mmu_update1((last_l1 << 12) + 8, l2 << 12 | PTE_P | PTE_RW);
	guest_check(rc == -EBUSY, "its last L1 is a validated table: mapping the L2 writable in it is -EBUSY (%ld)", rc);
	op.cmd = MMUEXT_UNPIN_TABLE;
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == 0, "unpinning it: %ld", rc);
	rc = mmu_update1((last_l1 << 12) + 8, 0);
	guest_check(rc == 0, "afterwards the L1 is a plain frame again: %ld", rc);
}

static void test_multicall(void)
{
	static struct multicall_entry calls[4];
	calls[0].op = __HYPERVISOR_xen_version;
	calls[0].args[0] = XENVER_version;
	calls[1].op = 200;
	calls[2].op = __HYPERVISOR_multicall;
	calls[3].op = __HYPERVISOR_update_va_mapping;
	calls[3].args[0] = 0xffff800000000000ul;
	long rc = hypercall(__HYPERVISOR_multicall, (unsigned long)calls, 4, 0, 0, 0);
	long version = HYPERVISOR_xen_version(XENVER_version, 0);
	guest_check(rc == 0, "a multicall of four: %ld", rc);
	guest_check((long)calls[0].result == version, "its xen_version result: %#lx", (unsigned long)calls[0].result);
	guest_check((long)calls[1].result == -ENOSYS, "an unknown hypercall in it: %ld", (long)calls[1].result);
	guest_check((long)calls[2].result == -EINVAL, "a nested multicall: %ld", (long)calls[2].result);
	guest_check((long)calls[3].result == -EINVAL, "a refused update in it: %ld", (long)calls[3].result);

	static struct multicall_entry many[150];
	for (unsigned int i = 0; i < 150; i++) {
		many[i].op = __HYPERVISOR_xen_version;
		many[i].args[0] = XENVER_version;
		many[i].result = 1;
	}
	rc = hypercall(__HYPERVISOR_multicall, (unsigned long)many, 150, 0, 0, 0);
	bool all = rc == 0;
	for (unsigned int i = 0; i < 150; i++)
		all = all && (long)many[i].result == version;
	guest_check(all, "150 calls in one multicall, continued by the hypervisor, all answered");
}

int guest_main(start_info_t *si)
{
	p2m = (const xen_pfn_t *)si->mfn_list;
	nr_pages = si->nr_pages;
	test_refused(si);
	test_new_table(si);
	test_big_pin();
	test_multicall();
	return GUEST_PASS;
}
