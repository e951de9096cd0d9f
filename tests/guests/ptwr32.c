/*
 * ptwr32: a 32-bit PAE PV guest (pv32pae) with the writable-pagetables
 * assist writes the 8-byte entries of one of its L1 tables directly, as a
 * 32-bit kernel does: each half with a 4-byte mov (low half first, high
 * half first, and a high half whose merged entry the hypervisor refuses,
 * which Xen writes with the present bit cleared), xchg, lock and/bts on
 * the low half, and cmpxchg8b (locked and not, matching and not).  After
 * each write it reads the data through the remapped page.
 *
 * Its command line picks a failure to show instead:
 *   "refused"   write an entry that would map the L1 itself writable
 *   "noassist"  write an entry without enabling the assist
 * Both must crash the guest with the page fault (no trap table yet).
 */
#include "guest.h"
#include "public/memory.h"

const char guest_name[] = "ptwr32";

#define PTE_P 0x1u
#define PTE_RW 0x2u
#define LO_ADDR_MASK 0xfffff000u
#define PTE_NX_HI 0x80000000u	     /* bit 63, in the high half */
#define BAD_HI 0x000fffffu	     /* address bits 32-51: a frame past any machine's memory */
#define VIRT_BASE ((unsigned long)GUEST_VIRT_BASE)
#define NEW_L2_SLOT 100 /* of the L2 behind L3 slot 3 (0xc0000000-): 0xcc800000 */
#define NEW_VA (0xc0000000ul + NEW_L2_SLOT * 0x200000ul)
#define VMASST_CMD_enable 0

static const xen_pfn_t *p2m;
/* The L1's entries, as 32-bit halves: entry i is lo = pte[2i], hi = pte[2i + 1]. */
static volatile uint32_t *const pte = (volatile uint32_t *)(NEW_VA + 4096);
static volatile uint32_t *const page = (volatile uint32_t *)NEW_VA;

/* The same address in a register, as a kernel's pointer to an entry:
 * the plain stores below use absolute addresses (a3, 89 05, c7 05), the
 * read-modify-writes this one (a ModRM base register). */
static volatile uint32_t *in_register(volatile uint32_t *p)
{
	__asm__("" : "+r"(p));
	return p;
}

static long mmu_update1(uint64_t ptr, uint64_t val)
{
	struct mmu_update req = { .ptr = ptr, .val = val };
	return hypercall(__HYPERVISOR_mmu_update, (unsigned long)&req, 1, 0, DOMID_SELF, 0);
}

static void flush(void)
{
	struct mmuext_op op = { .cmd = MMUEXT_TLB_FLUSH_LOCAL };
	hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
}

/* The machine address of the L2 entry for va (above 3 GiB): L3 slot 3's
 * L2 is mapped read-only at its pfn's kernel address. */
static uint64_t l2_entry_maddr(start_info_t *si, unsigned long va)
{
	const volatile uint64_t *l3 = (const volatile uint64_t *)si->pt_base;
	xen_pfn_t l2 = (xen_pfn_t)((l3[(va >> 30) & 3] & 0x000ffffffffff000ull) >> 12);
	return ((uint64_t)l2 << 12) + ((va >> 21) & 511) * 8;
}

static uint64_t entry(unsigned int i)
{
	uint32_t hi = pte[2 * i + 1], lo = pte[2 * i];
	return (uint64_t)hi << 32 | lo;
}

/* One plain 4-byte store each: movl from a register, movl of an immediate. */
static void store_reg(volatile uint32_t *p, uint32_t v)
{
	__asm__ volatile("movl %1, %0" : "=m"(*p) : "r"(v) : "memory");
}
#define STORE_IMM(p, imm) __asm__ volatile("movl %1, %0" : "=m"(*(p)) : "i"(imm) : "memory")

static uint32_t xchg(volatile uint32_t *p, uint32_t v)
{
	__asm__ volatile("xchgl %0, %1" : "+r"(v), "+m"(*p) : : "memory");
	return v;
}

static bool cmpxchg8b(volatile uint32_t *lo, uint64_t *expected, uint64_t val, bool lock)
{
	volatile uint64_t *p = (volatile uint64_t *)lo;
	bool ok;
	if (lock)
		__asm__ volatile("lock cmpxchg8b %1"
				 : "=@ccz"(ok), "+m"(*p), "+A"(*expected)
				 : "b"((uint32_t)val), "c"((uint32_t)(val >> 32))
				 : "memory");
	else
		__asm__ volatile("cmpxchg8b %1"
				 : "=@ccz"(ok), "+m"(*p), "+A"(*expected)
				 : "b"((uint32_t)val), "c"((uint32_t)(val >> 32))
				 : "memory");
	return ok;
}

/* Entry 0 maps frame mfn (present, ignoring accessed/dirty). */
static bool maps(xen_pfn_t mfn)
{
	uint64_t e = entry(0);
	return (e & PTE_P) && (e & 0x000ffffffffff000ull) == (uint64_t)mfn << 12;
}

/* The low-half-first stores need frames whose high halves are 0: trade
 * the last three pages for frames below 4 GiB if they are not already
 * (XENMEM_exchange, the way a kernel gets DMA-able memory). */
static void frames_below_4g(start_info_t *si)
{
	xen_pfn_t *list = (xen_pfn_t *)si->mfn_list;
	unsigned long n = si->nr_pages;
	if (list[n - 1] < 0x100000 && list[n - 2] < 0x100000 && list[n - 3] < 0x100000)
		return;
	static xen_pfn_t in[3], out[3];
	for (int i = 0; i < 3; i++) {
		in[i] = list[n - 1 - i];
		out[i] = n - 1 - i;
	}
	struct xen_memory_exchange x = {
		.in = { .nr_extents = 3, .domid = DOMID_SELF },
		.out = { .nr_extents = 3, .mem_flags = XENMEMF_address_bits(32), .domid = DOMID_SELF },
	};
	x.in.extent_start.p = in;
	x.out.extent_start.p = out;
	long rc = hypercall(__HYPERVISOR_memory_op, XENMEM_exchange, (unsigned long)&x, 0, 0, 0);
	guest_check(rc == 0 && x.nr_exchanged == 3, "exchanging the test frames for ones below 4 GiB: %ld", rc);
	for (int i = 0; i < 3 && rc == 0; i++)
		list[n - 1 - i] = out[i];
}

int guest_main(start_info_t *si)
{
	p2m = (const xen_pfn_t *)si->mfn_list;
	unsigned long n = si->nr_pages;
	frames_below_4g(si);
	xen_pfn_t l1 = p2m[n - 1], data = p2m[n - 2], data2 = p2m[n - 3];
	const char *cmd = (const char *)si->cmd_line;
	bool noassist = !guest_strncmp(cmd, "noassist", 9), refused = !guest_strncmp(cmd, "refused", 8);

	/* Low-half-first stores need the frames' high halves to be 0. */
	if (!guest_check(l1 < 0x100000 && data < 0x100000 && data2 < 0x100000,
			 "the test frames (%lx %lx %lx) lie below 4 GiB", (unsigned long)l1, (unsigned long)data,
			 (unsigned long)data2))
		return GUEST_FAIL;
	if (!noassist) {
		long rc = hypercall(__HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_writable_pagetables, 0, 0, 0);
		guest_check(rc == 0, "enable writable_pagetables (%ld)", rc);
	}
	/* A new L1 at NEW_VA: entry 0 maps data, entry 1 the L1 itself read-only. */
	uint64_t l1_ma = (uint64_t)l1 << 12;
	if (!guest_check(mmu_update1(l1_ma, (uint64_t)data << 12 | PTE_P | PTE_RW) == 0 &&
				 mmu_update1(l1_ma + 8, l1_ma | PTE_P) == 0 &&
				 mmu_update1(l2_entry_maddr(si, NEW_VA), l1_ma | PTE_P | PTE_RW) == 0,
			 "a new L1 mapping a data frame and itself (read-only)"))
		return GUEST_FAIL;
	page[0] = 0x1111;

	if (noassist || refused) {
		guest_printf("ptwr32 guest: about to write an L1 entry (%s)\n", cmd);
		store_reg(&pte[4], refused ? (uint32_t)(l1 << 12) | PTE_P | PTE_RW : (uint32_t)(data2 << 12) | PTE_P);
		guest_puts("ptwr32 guest: the write went through\n");
		return GUEST_FAIL;
	}

	/* The low half alone: the entry names another frame. */
	store_reg(&pte[0], (uint32_t)(data2 << 12) | PTE_P | PTE_RW);
	flush();
	guest_check(maps(data2) && page[0] != 0x1111, "mov to the low half remaps the page (entry %llx)",
		    (unsigned long long)entry(0));
	page[0] = 0x2222;

	/* High half first, with a high half the merged entry cannot have:
	 * written with the present bit cleared, the low half kept. */
	STORE_IMM(&pte[1], BAD_HI);
	uint64_t e = entry(0);
	guest_check((uint32_t)(e >> 32) == BAD_HI && !(e & PTE_P) && (e & LO_ADDR_MASK) == (uint32_t)(data2 << 12),
		    "a refused upper half is written not present (entry %llx)", (unsigned long long)e);
	/* Then the right high half (still not present) and the low half. */
	store_reg(&pte[1], 0);
	guest_check(!(entry(0) & PTE_P), "the entry stays not present until the low half comes");
	store_reg(&pte[0], (uint32_t)(data << 12) | PTE_P | PTE_RW);
	flush();
	guest_check(maps(data) && page[0] == 0x1111, "high half then low half remaps the page (entry %llx)",
		    (unsigned long long)entry(0));

	/* A high half whose merged entry is valid stays present: NX. */
	store_reg(&pte[1], PTE_NX_HI);
	flush();
	e = entry(0);
	guest_check((uint32_t)(e >> 32) == PTE_NX_HI && maps(data) && page[0] == 0x1111,
		    "an upper half that is valid with the low half is written as is (entry %llx)", (unsigned long long)e);
	store_reg(&pte[1], 0);

	/* Clear as Linux does (low half, then high half), then set the low
	 * half of the empty entry and its high half after it. */
	store_reg(&pte[0], 0);
	STORE_IMM(&pte[1], 0);
	guest_check(entry(0) == 0, "low then high clears the entry (%llx)", (unsigned long long)entry(0));
	flush();
	store_reg(&pte[0], (uint32_t)(data2 << 12) | PTE_P | PTE_RW);
	store_reg(&pte[1], 0);
	flush();
	guest_check(maps(data2) && page[0] == 0x2222, "low then high sets it again (entry %llx)",
		    (unsigned long long)entry(0));

	volatile uint32_t *ptr = in_register(pte);
	/* xchg on the low half. */
	uint32_t old = xchg(&ptr[0], (uint32_t)(data << 12) | PTE_P | PTE_RW);
	flush();
	guest_check((old & LO_ADDR_MASK) == (uint32_t)(data2 << 12) && maps(data) && page[0] == 0x1111,
		    "xchg returns the old low half (%x) and remaps", old);

	/* clear_bit/set_bit on the low half, as a 32-bit kernel does. */
	__asm__ volatile("lock andb %1, %0" : "+m"(*(volatile uint8_t *)&ptr[0]) : "iq"((uint8_t)~PTE_RW) : "memory");
	flush();
	guest_check(!(entry(0) & PTE_RW) && maps(data), "lock andb clears the RW bit (%llx)",
		    (unsigned long long)entry(0));
	__asm__ volatile("lock btsl $1, %0" : "+m"(ptr[0]) : : "memory", "cc");
	flush();
	page[0] = 0x1112;
	guest_check((entry(0) & PTE_RW) && page[0] == 0x1112, "lock bts sets it again; the page is writable");
	page[0] = 0x1111;

	/* cmpxchg8b: the whole entry compared, the old one returned on a mismatch. */
	uint64_t expected = entry(0), want = (uint64_t)data2 << 12 | PTE_P | PTE_RW;
	bool swapped = cmpxchg8b(&ptr[0], &expected, want, true);
	flush();
	guest_check(swapped && maps(data2) && page[0] == 0x2222, "a matching lock cmpxchg8b remaps (entry %llx)",
		    (unsigned long long)entry(0));
	uint64_t before = entry(0);
	expected = before ^ (1ull << 32); /* differs in the high half only */
	swapped = cmpxchg8b(&ptr[0], &expected, (uint64_t)data << 12 | PTE_P | PTE_RW, true);
	flush();
	guest_check(!swapped && expected == before && entry(0) == before && page[0] == 0x2222,
		    "a lock cmpxchg8b whose high half differs changes nothing and returns the entry (%llx)",
		    (unsigned long long)expected);
	expected = 0x1234;
	swapped = cmpxchg8b(&ptr[0], &expected, 0, false);
	guest_check(!swapped && expected == before && maps(data2), "a failing cmpxchg8b without lock, likewise");
	expected = before;
	swapped = cmpxchg8b(&ptr[0], &expected, (uint64_t)data << 12 | PTE_P, false);
	flush();
	guest_check(swapped && maps(data) && !(entry(0) & PTE_RW) && page[0] == 0x1111,
		    "a matching cmpxchg8b without lock maps data read-only");

	/* Tear down: the L1 stops being a table. */
	guest_check(mmu_update1(l2_entry_maddr(si, NEW_VA), 0) == 0, "unhook the L1");
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
