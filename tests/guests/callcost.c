/*
 * callcost: the guest side of bench/callcost.sh.  Times, with rdtsc, N
 * round trips of a bare exit (a hypercall number nobody implements: the
 * backend stops, the core looks it up and returns -ENOSYS), a null
 * hypercall (xen_version), a one-entry mmu_update (the fast path: same
 * frame, same rights), update_va_mapping and cpuid (whose answer the core
 * takes from the host CPU), and prints each in TSC cycles and as a ratio
 * to the bare exit.  Not a test: it always passes.
 */
#include "guest.h"

const char guest_name[] = "callcost";

#define N 20000
#define KERNEL_BASE 0xffffffff80000000ul

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

static uint64_t cpuid_loop(void)
{
	uint64_t t = rdtsc();
	for (int i = 0; i < N; i++) {
		uint32_t a = 0, b, c = 0, d;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	}
	return rdtsc() - t;
}

static uint64_t bare_loop(void)
{
	uint64_t t = rdtsc();
	for (int i = 0; i < N; i++)
		hypercall(47, 0, 0, 0, 0, 0);
	return rdtsc() - t;
}

static uint64_t version_loop(void)
{
	uint64_t t = rdtsc();
	for (int i = 0; i < N; i++)
		HYPERVISOR_xen_version(XENVER_version, 0);
	return rdtsc() - t;
}

static uint64_t mmu_update_loop(uint64_t ptr, uint64_t val)
{
	struct mmu_update u = { .ptr = ptr, .val = val };
	uint64_t t = rdtsc();
	for (int i = 0; i < N; i++)
		hypercall(__HYPERVISOR_mmu_update, (unsigned long)&u, 1, 0, DOMID_SELF, 0);
	return rdtsc() - t;
}

static uint64_t uvm_loop(uint64_t va, uint64_t val)
{
	uint64_t t = rdtsc();
	for (int i = 0; i < N; i++)
		hypercall(__HYPERVISOR_update_va_mapping, va, val, 0, 0, 0);
	return rdtsc() - t;
}

/* cycles: for N operations; base: cycles of one bare exit. */
static void report(const char *what, uint64_t cycles, uint64_t base)
{
	uint64_t per = cycles / N, hundredths = per * 100 / base;
	guest_printf("callcost: %s: %lu cycles, ratio %lu.%lu%lu\n", what, (unsigned long)per,
		     (unsigned long)(hundredths / 100), (unsigned long)(hundredths / 10 % 10),
		     (unsigned long)(hundredths % 10));
}

/* Where the initial mapping shows the frame mfn (the builder maps every
 * page table there). */
static const volatile uint64_t *table_va(start_info_t *si, uint64_t mfn)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	for (unsigned long pfn = 0; pfn < si->nr_pages; pfn++)
		if (p2m[pfn] == mfn)
			return (const volatile uint64_t *)(KERNEL_BASE + pfn * 4096);
	return 0;
}

int guest_main(start_info_t *si)
{
	/* The entry that maps the kernel's first page, rewritten unchanged. */
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	uint64_t mfn = p2m[(si->pt_base - KERNEL_BASE) >> 12];
	for (unsigned int level = 4; level > 1; level--) {
		const volatile uint64_t *t = table_va(si, mfn);
		if (!t)
			return GUEST_FAIL;
		mfn = (t[(KERNEL_BASE >> (12 + 9 * (level - 1))) & 511] & 0x000ffffffffff000ul) >> 12;
	}
	const volatile uint64_t *l1 = table_va(si, mfn);
	if (!l1)
		return GUEST_FAIL;
	uint64_t pte = l1[0];

	uint64_t base = bare_loop() / N;
	if (!base)
		base = 1;
	guest_printf("callcost: %d round trips each, TSC cycles per operation\n", N);
	report("bare exit (hypercall 47, -ENOSYS)", base * N, base);
	report("cpuid (host CPUID behind it)", cpuid_loop(), base);
	report("xen_version (null hypercall)", version_loop(), base);
	report("mmu_update, 1 entry", mmu_update_loop(mfn << 12, pte), base);
	report("update_va_mapping", uvm_loop(KERNEL_BASE, pte), base);
	return GUEST_PASS;
}
