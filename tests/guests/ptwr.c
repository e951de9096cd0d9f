/*
 * ptwr: a 64-bit PV guest with the writable-pagetables assist writes the
 * entries of one of its L1 tables directly, with the instructions kernels
 * use (mov, xchg, cmpxchg, lock and/or, bts/btr on a byte or a quadword),
 * and checks each write took effect as a checked update.
 *
 * Its command line picks a failure to show instead:
 *   "refused"   write an entry that would map the L1 itself writable
 *   "noassist"  write an entry without enabling the assist
 * Both must crash the guest with the page fault (no trap table yet).
 */
#include "guest.h"

const char guest_name[] = "ptwr";

#define PTE_P 0x1ul
#define PTE_RW 0x2ul
#define PTE_U 0x4ul
#define ADDR_MASK 0x000ffffffffff000ul
#define KERNEL_BASE 0xffffffff80000000ul
#define NEW_L2_SLOT 100
#define NEW_VA (KERNEL_BASE + NEW_L2_SLOT * 0x200000ul)
#define VMASST_CMD_enable 0

static const xen_pfn_t *p2m;

static long mmu_update1(unsigned long ptr, unsigned long val)
{
	struct mmu_update req = { .ptr = ptr, .val = val };
	return hypercall(__HYPERVISOR_mmu_update, (unsigned long)&req, 1, 0, DOMID_SELF, 0);
}

static void flush(void)
{
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
	hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
}

/* The machine address of the L2 entry for va (the builder's tables are
 * mapped read-only at their pfn's kernel address). */
static unsigned long l2_entry_maddr(start_info_t *si, unsigned long va)
{
	unsigned long mfn = p2m[(si->pt_base - KERNEL_BASE) >> 12];
	for (unsigned int level = 4; level > 2; level--) {
		const volatile uint64_t *t = 0;
		for (unsigned long pfn = 0; pfn < si->nr_pages && !t; pfn++)
			if (p2m[pfn] == mfn)
				t = (const volatile uint64_t *)(KERNEL_BASE + pfn * 4096);
		unsigned int index = (va >> (12 + 9 * (level - 1))) & 511;
		mfn = (t[index] & ADDR_MASK) >> 12;
	}
	return (mfn << 12) + ((va >> 21) & 511) * 8;
}

int guest_main(start_info_t *si)
{
	p2m = (const xen_pfn_t *)si->mfn_list;
	unsigned long n = si->nr_pages;
	unsigned long l1 = p2m[n - 1], data = p2m[n - 2], data2 = p2m[n - 3];
	const char *cmd = (const char *)si->cmd_line;
	bool noassist = !guest_strncmp(cmd, "noassist", 9), refused = !guest_strncmp(cmd, "refused", 8);

	if (!noassist) {
		long rc = hypercall(__HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_writable_pagetables, 0, 0, 0);
		guest_check(rc == 0, "enable writable_pagetables (%ld)", rc);
	}
	/* A new L1 at NEW_VA: entry 0 maps data, entry 1 the L1 itself read-only. */
	guest_check(mmu_update1(l1 << 12, data << 12 | PTE_P | PTE_RW) == 0 &&
			    mmu_update1((l1 << 12) + 8, l1 << 12 | PTE_P) == 0 &&
			    mmu_update1(l2_entry_maddr(si, NEW_VA), l1 << 12 | PTE_P | PTE_RW) == 0,
		    "a new L1 mapping a data frame and itself (read-only)");
	volatile uint64_t *page = (volatile uint64_t *)NEW_VA;
	volatile uint64_t *pte = (volatile uint64_t *)(NEW_VA + 4096);
	page[0] = 0x1111;

	if (noassist || refused) {
		guest_printf("ptwr guest: about to write an L1 entry (%s)\n", cmd);
		pte[2] = refused ? (l1 << 12 | PTE_P | PTE_RW) : (data2 << 12 | PTE_P);
		guest_puts("ptwr guest: the write went through\n");
		return GUEST_FAIL;
	}

	pte[0] = data2 << 12 | PTE_P | PTE_RW; /* mov */
	flush();
	guest_check((pte[0] & ADDR_MASK) == data2 << 12 && (pte[0] & PTE_U) && page[0] != 0x1111,
		    "mov to an L1 entry remaps the page (entry %#lx, made user-accessible)", (unsigned long)pte[0]);
	page[0] = 0x2222;
	uint64_t old = __atomic_exchange_n(&pte[0], data << 12 | PTE_P | PTE_RW, __ATOMIC_SEQ_CST); /* xchg */
	flush();
	guest_check((old & ADDR_MASK) == data2 << 12 && page[0] == 0x1111, "xchg returns the old entry and remaps");
	uint64_t expected = pte[0];
	bool swapped = __atomic_compare_exchange_n(&pte[0], &expected, data2 << 12 | PTE_P | PTE_RW, false,
						   __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST); /* lock cmpxchg */
	flush();
	guest_check(swapped && page[0] == 0x2222, "a matching cmpxchg writes");
	expected = 0x1234;
	swapped = __atomic_compare_exchange_n(&pte[0], &expected, 0, false, __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
	guest_check(!swapped && (expected & ADDR_MASK) == data2 << 12 && page[0] == 0x2222,
		    "a failing cmpxchg changes nothing and returns the entry");

	/* clear_bit(_PAGE_BIT_RW) as Linux does it: lock andb on the entry's first byte. */
	__asm__ volatile("lock andb %1, %0" : "+m"(*(volatile uint8_t *)&pte[0]) : "iq"((uint8_t)~PTE_RW) : "memory");
	flush();
	guest_check(!(pte[0] & PTE_RW) && (pte[0] & PTE_P), "lock andb clears the RW bit (%#lx)", (unsigned long)pte[0]);
	__asm__ volatile("lock btsq $1, %0" : "+m"(pte[0]) : : "memory", "cc");
	flush();
	page[0] = 0x3333;
	guest_check((pte[0] & PTE_RW) && page[0] == 0x3333, "lock bts sets it again; the page is writable");
	__atomic_fetch_and(&pte[0], ~PTE_P, __ATOMIC_SEQ_CST); /* lock and */
	guest_check(!(pte[0] & PTE_P), "lock and clears the present bit");
	__atomic_fetch_or(&pte[0], PTE_P, __ATOMIC_SEQ_CST); /* lock or */
	flush();
	guest_check((pte[0] & PTE_P) && page[0] == 0x3333, "lock or makes it present again");
	pte[3] = data << 12 | PTE_P; /* a second, read-only mapping of data */
	flush();
	guest_check(((volatile uint64_t *)(NEW_VA + 3 * 4096))[0] == 0x1111, "a new read-only mapping shows data");
	pte[3] = 0;

	/* Tear down: the L1 stops being a table. */
	guest_check(mmu_update1(l2_entry_maddr(si, NEW_VA), 0) == 0, "unhook the L1");
	return GUEST_PASS;
}
