/*
 * descriptors: a guest's own descriptor tables (set_gdt, update_descriptor)
 * from inside, built for both guest widths (descriptors.elf, 64-bit;
 * descriptors32.elf, 32-bit PAE).  Checked: a frame becomes a GDT only
 * while nothing maps it writable, and cannot be mapped writable while it
 * is one; every descriptor is checked and corrected as Xen does (DPL
 * raised to the kernel's ring, call gates made DPL 0 with the meant DPL in
 * the selector's RPL, 32-bit flat segments stretched over the M2P); the
 * descriptors Xen refuses (system descriptors, gates to foreign code,
 * 64-bit code in a 32-bit guest, reserved bits) are refused and change
 * nothing; and bad sizes, addresses and frames are refused.
 */
#include "guest.h"

const char guest_name[] = "descriptors";

#define EINVAL 22
#define EFAULT 14

#define PTE_P 0x1ull
#define PTE_RW 0x2ull

#ifdef __i386__
#define KERNEL_RING 1u
#define FLAT_KERNEL_CODE_SEL 0xe019u /* FLAT_RING1_CS of the compat ABI */
#define CODE_DESC 0x00cf9a000000ffffull /* 32-bit flat code, DPL 0 */
#else
#define KERNEL_RING 3u
#define FLAT_KERNEL_CODE_SEL 0xe033u /* FLAT_KERNEL_CS64 */
#define CODE_DESC 0x00209a0000000000ull /* 64-bit code, DPL 0 */
#endif
#define DATA_DPL0 0x00cf92000000ffffull
#define DATA_DPL3 0x00cff2000000ffffull
#define NOT_PRESENT 0x0000700012345678ull /* P clear: kept as it is */
#define TSS_DESC 0x0000890000000067ull    /* a system descriptor: refused */

static uint64_t gdt[512] __attribute__((aligned(4096)));
static uint64_t spare[512] __attribute__((aligned(4096)));

static const xen_pfn_t *p2m;

static unsigned long mfn_of(const void *va)
{
	return p2m[((unsigned long)va - GUEST_VIRT_BASE) >> 12];
}

static uint64_t maddr_of(const void *va)
{
	return (uint64_t)mfn_of(va) << 12 | ((unsigned long)va & 4095);
}

static unsigned int dpl(uint64_t desc)
{
	return (unsigned int)(desc >> 45) & 3;
}

/* A 32-bit guest passes 64-bit values in two halves. */
static long update_va_mapping(const void *va, uint64_t val)
{
#ifdef __i386__
	return hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)va, (unsigned long)val,
			 (unsigned long)(val >> 32), UVMF_INVLPG | UVMF_LOCAL, 0);
#else
	return hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)va, val, UVMF_INVLPG | UVMF_LOCAL, 0, 0);
#endif
}

static long update_descriptor(uint64_t maddr, uint64_t desc)
{
#ifdef __i386__
	return hypercall(__HYPERVISOR_update_descriptor, (unsigned long)maddr, (unsigned long)(maddr >> 32),
			 (unsigned long)desc, (unsigned long)(desc >> 32), 0);
#else
	return hypercall(__HYPERVISOR_update_descriptor, maddr, desc, 0, 0, 0);
#endif
}

static long set_gdt(const unsigned long *frames, unsigned long entries)
{
	return hypercall(__HYPERVISOR_set_gdt, (unsigned long)frames, entries, 0, 0, 0);
}

static long map(const void *va, bool writable)
{
	return update_va_mapping(va, (uint64_t)mfn_of(va) << 12 | PTE_P | (writable ? PTE_RW : 0));
}

/* A call gate to the flat kernel code selector (or sel), meant for ring
 * `ring`; in a 64-bit guest the gate's upper half is the next entry. */
static uint64_t call_gate(unsigned int sel, unsigned int ring)
{
	return 0x0000000000001000ull | (uint64_t)sel << 16 | (uint64_t)(0x8c00u | ring << 13) << 32;
}

static void test_becoming_a_gdt(const unsigned long *frames)
{
	gdt[1] = CODE_DESC;
	gdt[2] = DATA_DPL0;
	gdt[3] = DATA_DPL3;
	gdt[4] = NOT_PRESENT;
	gdt[5] = TSS_DESC;
	/* Flat data ending at 0xf6800000, as older PAE Linux made them. */
	gdt[6] = 0x00cf9200000067ffull;

	long rc = set_gdt(frames, 8);
	guest_check(rc == -EINVAL, "set_gdt of a frame mapped writable is -EINVAL: %ld", rc);
	rc = map(gdt, false);
	guest_check(rc == 0, "the frame can be mapped read-only: %ld", rc);
	rc = set_gdt(frames, 8);
	guest_check(rc == -EINVAL, "set_gdt of a frame holding a TSS descriptor is -EINVAL: %ld", rc);
	rc = map(gdt, true);
	guest_check(rc == 0, "after the refusal the frame can be mapped writable again: %ld", rc);
	map(gdt, false);

	rc = update_descriptor(maddr_of(&gdt[5]), DATA_DPL0);
	guest_check(rc == 0, "update_descriptor replaces the TSS descriptor: %ld", rc);
	guest_check(gdt[5] == ((DATA_DPL0 & ~(3ull << 45)) | (uint64_t)KERNEL_RING << 45),
		    "the stored descriptor has DPL %u: 0x%llx", KERNEL_RING, (unsigned long long)gdt[5]);
	rc = set_gdt(frames, 8);
	guest_check(rc == 0, "set_gdt of a read-only frame of good descriptors: %ld", rc);
	guest_check(dpl(gdt[1]) == KERNEL_RING && dpl(gdt[2]) == KERNEL_RING,
		    "ring-0 code and data descriptors now have DPL %u: 0x%llx 0x%llx", KERNEL_RING,
		    (unsigned long long)gdt[1], (unsigned long long)gdt[2]);
	guest_check(gdt[3] == DATA_DPL3, "a ring-3 descriptor is unchanged: 0x%llx", (unsigned long long)gdt[3]);
	guest_check(gdt[4] == NOT_PRESENT, "a not-present one is unchanged: 0x%llx", (unsigned long long)gdt[4]);
#ifdef __i386__
	guest_check(gdt[6] == (0x00cf92000000ffffull | (uint64_t)KERNEL_RING << 45),
		    "a flat segment ending at 0xf6800000 reaches 4 GiB: 0x%llx", (unsigned long long)gdt[6]);
#endif

	rc = map(gdt, true);
	guest_check(rc != 0, "a GDT frame cannot be mapped writable: %ld", rc);
}

static void test_updates(void)
{
	uint64_t before = gdt[7];
	long rc = update_descriptor(maddr_of(&gdt[7]), DATA_DPL3);
	guest_check(rc == 0 && gdt[7] == DATA_DPL3, "update_descriptor writes into the GDT in use: %ld 0x%llx", rc,
		    (unsigned long long)gdt[7]);
	before = gdt[7];
	rc = update_descriptor(maddr_of(&gdt[7]), TSS_DESC);
	guest_check(rc == -EINVAL && gdt[7] == before, "a TSS descriptor is -EINVAL and changes nothing: %ld", rc);
	rc = update_descriptor(maddr_of(&gdt[7]) + 4, DATA_DPL3);
	guest_check(rc == -EINVAL && gdt[7] == before, "a misaligned address is -EINVAL: %ld", rc);

	rc = update_descriptor(maddr_of(&spare[7]), DATA_DPL0);
	guest_check(rc == 0 && dpl(spare[7]) == KERNEL_RING,
		    "an ordinary frame takes a (corrected) descriptor: %ld 0x%llx", rc, (unsigned long long)spare[7]);

	const volatile uint64_t *pt = (const volatile uint64_t *)guest_start_info->pt_base;
	uint64_t pt0 = pt[0];
	rc = update_descriptor(maddr_of((const void *)guest_start_info->pt_base), DATA_DPL3);
	guest_check(rc == -EINVAL && pt[0] == pt0, "a page-table frame is -EINVAL and unchanged: %ld", rc);
	rc = update_descriptor((uint64_t)0x10 << 12, DATA_DPL3);
	guest_check(rc == -EINVAL, "a frame that is not ours is -EINVAL: %ld", rc);

	/* Call gates: usable only through the hypervisor (DPL 0), the DPL
	 * meant kept as the selector's RPL; a gate into another ring's code
	 * is refused. */
	rc = update_descriptor(maddr_of(&gdt[8]), call_gate(FLAT_KERNEL_CODE_SEL, 3));
	unsigned int sel = (unsigned int)(gdt[8] >> 16) & 0xffff;
	guest_check(rc == 0 && dpl(gdt[8]) == 0 && sel == ((FLAT_KERNEL_CODE_SEL & ~3u) | 3),
		    "a call gate gets DPL 0 and RPL 3 in its selector: %ld 0x%llx", rc, (unsigned long long)gdt[8]);
	before = gdt[10];
	rc = update_descriptor(maddr_of(&gdt[10]), call_gate(0xe008, 3));
	guest_check(rc == -EINVAL && gdt[10] == before, "a call gate to the hypervisor's code is -EINVAL: %ld", rc);
	rc = update_descriptor(maddr_of(&gdt[10]), call_gate(FLAT_KERNEL_CODE_SEL, 3) | 0x20ull << 32);
	guest_check(rc == -EINVAL && gdt[10] == before, "a call gate with reserved bits set is -EINVAL: %ld", rc);
#ifdef __i386__
	rc = update_descriptor(maddr_of(&gdt[10]), 0x0020fa0000000000ull);
	guest_check(rc == -EINVAL && gdt[10] == before, "64-bit code in a 32-bit guest is -EINVAL: %ld", rc);
#endif
}

static void test_bad_tables(const unsigned long *frames)
{
	long rc = set_gdt(frames, 14 * 512 + 1);
	guest_check(rc == -EINVAL, "more than FIRST_RESERVED_GDT_ENTRY entries is -EINVAL: %ld", rc);
	rc = set_gdt((const unsigned long *)0x1000, 8);
	guest_check(rc == -EFAULT, "an unmapped frame list is -EFAULT: %ld", rc);
	unsigned long two[2] = { frames[0], 0x10 };
	rc = set_gdt(two, 600);
	guest_check(rc == -EINVAL, "a second frame that is not ours is -EINVAL: %ld", rc);
	rc = map(gdt, true);
	guest_check(rc != 0, "after a refused set_gdt the old GDT is still in place: %ld", rc);
	unsigned long spares[2] = { mfn_of(spare), mfn_of(spare) };
	map(spare, false);
	rc = set_gdt(spares, 600);
	guest_check(rc == 0, "one frame may appear twice in a GDT (two type references): %ld", rc);
	rc = map(gdt, true);
	guest_check(rc == 0, "the old GDT frame is released by a new set_gdt: %ld", rc);
	rc = set_gdt(0, 0);
	guest_check(rc == 0, "set_gdt with no entries drops the GDT: %ld", rc);
	rc = map(spare, true);
	guest_check(rc == 0, "and its frames can be mapped writable again: %ld", rc);
}

int guest_main(start_info_t *si)
{
	p2m = (const xen_pfn_t *)si->mfn_list;
	unsigned long frames[1] = { mfn_of(gdt) };
	test_becoming_a_gdt(frames);
	test_updates();
	test_bad_tables(frames);
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
