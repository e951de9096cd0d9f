/*
 * memops: a 64-bit PV guest reading the M2P where the ABI puts it and
 * using the memory calls around it: machphys_mapping, exchange, the
 * page clear/copy and LDT operations, user base pointers and m2p_strict.
 * Each refused call must change nothing.
 */
#include "guest.h"
#include "public/memory.h"

const char guest_name[] = "memops";

#define EINVAL 22
#define EACCES 13
#define PTE_P 0x1ul
#define KERNEL_BASE 0xffffffff80000000ul
#define VMASST_CMD_enable 0
#define VMASST_CMD_disable 1

static const xen_pfn_t *p2m;
static unsigned long nr_pages;
static const volatile unsigned long *m2p;

static uint8_t page_a[4096] __attribute__((aligned(4096)));
static uint8_t page_b[4096] __attribute__((aligned(4096)));

static unsigned long mfn_of(const void *va)
{
	return p2m[((unsigned long)va - KERNEL_BASE) >> 12];
}

static long memory_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static long mmuext1(unsigned int cmd, unsigned long arg1, unsigned long arg2)
{
	struct mmuext_op op = { .cmd = cmd };
	op.arg1.mfn = arg1;
	op.arg2.nr_ents = (unsigned int)arg2;
	if (cmd == MMUEXT_COPY_PAGE)
		op.arg2.src_mfn = arg2;
	return hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
}

static void test_m2p(void)
{
	struct xen_machphys_mapping map;
	long rc = memory_op(XENMEM_machphys_mapping, &map);
	guest_check(rc == 0 && map.v_start == 0xffff800000000000ul && map.v_end > map.v_start,
		    "machphys_mapping: the M2P at %#lx-%#lx (%ld)", (unsigned long)map.v_start,
		    (unsigned long)map.v_end, rc);
	m2p = (const volatile unsigned long *)map.v_start;
	unsigned long wrong = 0, highest = 0;
	for (unsigned long pfn = 0; pfn < nr_pages; pfn++) {
		if (m2p[p2m[pfn]] != pfn)
			wrong++;
		if (p2m[pfn] > highest)
			highest = p2m[pfn];
	}
	guest_check(wrong == 0, "the M2P maps each of our %lu frames back to its pfn (%lu wrong)", nr_pages, wrong);
	guest_check(map.max_mfn >= highest && (map.max_mfn + 1) * 8 <= map.v_end - map.v_start,
		    "max_mfn (%#lx) covers our highest frame (%#lx) and lies inside the mapping",
		    (unsigned long)map.max_mfn, highest);

	struct mmu_update u = { .ptr = (p2m[nr_pages - 2] << 12) | MMU_MACHPHYS_UPDATE, .val = 0x4242 };
	rc = hypercall(__HYPERVISOR_mmu_update, (unsigned long)&u, 1, 0, DOMID_SELF, 0);
	guest_check(rc == 0 && m2p[p2m[nr_pages - 2]] == 0x4242, "MMU_MACHPHYS_UPDATE shows in the mapping (%ld)",
		    rc);
	u.val = nr_pages - 2;
	hypercall(__HYPERVISOR_mmu_update, (unsigned long)&u, 1, 0, DOMID_SELF, 0);
}

static void test_exchange(void)
{
	/* The top frame is not mapped by the builder: free to trade. */
	xen_pfn_t in = p2m[nr_pages - 1], out = nr_pages - 1;
	struct xen_memory_exchange x = {
		.in = { .nr_extents = 1, .domid = DOMID_SELF },
		.out = { .nr_extents = 1, .mem_flags = XENMEMF_address_bits(32), .domid = DOMID_SELF },
	};
	set_xen_guest_handle(x.in.extent_start, &in);
	set_xen_guest_handle(x.out.extent_start, &out);
	long before = memory_op(XENMEM_current_reservation, &(domid_t){ DOMID_SELF });
	long rc = memory_op(XENMEM_exchange, &x);
	long after = memory_op(XENMEM_current_reservation, &(domid_t){ DOMID_SELF });
	guest_check(rc == 0 && x.nr_exchanged == 1 && out < (1ul << 20) && before == after,
		    "exchange a frame for one below 4 GiB: %#lx -> %#lx (%ld, %lu pages before, %lu after)",
		    (unsigned long)in, (unsigned long)out, rc, before, after);
	guest_check(m2p[out] == nr_pages - 1, "the new frame is in the M2P at the pfn we gave (%#lx)", m2p[out]);

	xen_pfn_t mapped = mfn_of(page_a);
	set_xen_guest_handle(x.in.extent_start, &mapped);
	x.nr_exchanged = 0;
	rc = memory_op(XENMEM_exchange, &x);
	guest_check(rc == -EINVAL && x.nr_exchanged == 0, "a frame we still map cannot be exchanged (%ld)", rc);
	x.out.nr_extents = 2;
	rc = memory_op(XENMEM_exchange, &x);
	guest_check(rc == -EINVAL, "in and out must be the same amount of memory (%ld)", rc);
}

static void test_page_ops(start_info_t *si)
{
	for (unsigned int i = 0; i < 4096; i++)
		page_a[i] = (uint8_t)(i * 7);
	long rc = mmuext1(MMUEXT_COPY_PAGE, mfn_of(page_b), mfn_of(page_a));
	bool same = true;
	for (unsigned int i = 0; i < 4096; i++)
		same = same && page_b[i] == page_a[i];
	guest_check(rc == 0 && same, "COPY_PAGE copies a frame (%ld)", rc);
	rc = mmuext1(MMUEXT_CLEAR_PAGE, mfn_of(page_b), 0);
	bool zero = true;
	for (unsigned int i = 0; i < 4096; i++)
		zero = zero && page_b[i] == 0;
	guest_check(rc == 0 && zero, "CLEAR_PAGE zeroes it (%ld)", rc);
	unsigned long l4 = p2m[(si->pt_base - KERNEL_BASE) >> 12];
	rc = mmuext1(MMUEXT_CLEAR_PAGE, l4, 0);
	guest_check(rc == -EINVAL, "clearing our own L4 is -EINVAL (%ld)", rc);
	rc = mmuext1(MMUEXT_COPY_PAGE, mfn_of(page_b), 0x10);
	guest_check(rc == -EINVAL, "copying a frame we do not own is -EINVAL (%ld)", rc);
	rc = mmuext1(MMUEXT_FLUSH_CACHE, 0, 0);
	guest_check(rc == -EACCES, "a cache flush without device memory is -EACCES (%ld)", rc);
}

static void test_ldt(void)
{
	struct mmuext_op op = { .cmd = MMUEXT_SET_LDT };
	op.arg1.linear_addr = (unsigned long)page_a;
	op.arg2.nr_ents = 16;
	long rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == 0, "SET_LDT on a page of ours (%ld)", rc);
	op.arg1.linear_addr = (unsigned long)page_a + 8;
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == -EINVAL, "a misaligned LDT is -EINVAL (%ld)", rc);
	op.arg1.linear_addr = 0xffff800000000000ul;
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == -EINVAL, "an LDT in the hypervisor's range is -EINVAL (%ld)", rc);
	op.arg1.linear_addr = (unsigned long)page_a;
	op.arg2.nr_ents = 8193;
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == -EINVAL, "more than 8192 entries is -EINVAL (%ld)", rc);
	op.arg2.nr_ents = 0;
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == 0, "no LDT again (%ld)", rc);
}

/* The L4 is mapped read-only by the builder, so we can look at its slots. */
static const volatile uint64_t *l4_va(start_info_t *si)
{
	return (const volatile uint64_t *)si->pt_base;
}

static void test_user_baseptr(start_info_t *si)
{
	unsigned long l4 = p2m[(si->pt_base - KERNEL_BASE) >> 12];
	long rc = hypercall(__HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_m2p_strict, 0, 0, 0);
	guest_check(rc == 0, "enable m2p_strict (%ld)", rc);
	rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, l4, 0);
	guest_check(rc == 0 && l4_va(si)[256] == 0,
		    "with m2p_strict, our L4 as user base pointer loses the M2P (%ld, slot %#lx)", rc,
		    (unsigned long)l4_va(si)[256]);
	rc = mmuext1(MMUEXT_NEW_BASEPTR, l4, 0);
	guest_check(rc == 0 && l4_va(si)[256] != 0 && m2p[p2m[0]] == 0,
		    "as kernel base pointer it gets it back, readable (%ld)", rc);
	rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, 0, 0);
	guest_check(rc == 0, "clearing the user base pointer (%ld)", rc);
	rc = mmuext1(MMUEXT_NEW_USER_BASEPTR, mfn_of(page_a), 0);
	guest_check(rc == -EINVAL, "a data frame as user base pointer is -EINVAL (%ld)", rc);
	rc = hypercall(__HYPERVISOR_vm_assist, VMASST_CMD_disable, VMASST_TYPE_m2p_strict, 0, 0, 0);
	guest_check(rc == 0, "disable m2p_strict (%ld)", rc);
}

int guest_main(start_info_t *si)
{
	p2m = (const xen_pfn_t *)si->mfn_list;
	nr_pages = si->nr_pages;
	test_m2p();
	test_exchange();
	test_page_ops(si);
	test_ldt();
	test_user_baseptr(si);
	return GUEST_PASS;
}
