/*
 * hypercall: the guest side of bench/hypercall.  Times with rdtsc the
 * operations in the table below, each `iterations` times in a row, in
 * `runs` rounds (the command line "iterations=N runs=R" sets both, so the
 * benchmark's host-side baseline can use the same numbers), and prints
 * each operation's median over the rounds in TSC cycles per operation and
 * as a ratio to the first entry, the guest's own bare exit:
 *
 *   hypercall: op KEY CYCLES RATIO-TO-ENOSYS | DESCRIPTION
 *
 * Not a test: it always passes unless its set-up fails.
 */
#include "guest.h"

const char guest_name[] = "hypercall";

#define DEFAULT_ITERATIONS 20000
#define DEFAULT_RUNS 5
#define MAX_RUNS 64
#define KERNEL_BASE 0xffffffff80000000ul
#define UNIMPLEMENTED_HYPERCALL 47 /* a number nothing implements: the core returns -ENOSYS */

static inline uint64_t rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The L1 entry mapping the kernel's first page and its machine address:
 * mmu_update and update_va_mapping rewrite it unchanged (the core's fast
 * path: same frame, same rights), so the loops change nothing. */
static uint64_t kernel_pte, kernel_pte_machine_address;

/* #UD's handler, from the trap table: step over the 2-byte ud2 and return
 * with the iret hypercall.  On entry the stack holds Xen's bounce frame
 * (rcx, r11, rip, cs, rflags, rsp, ss); iret takes struct iret_context
 * (rax, r11, rcx, flags, rip, ...), flags 0 restoring rcx and r11 from it,
 * so the interrupted code sees every register as it left it. */
__asm__(".text\n"
	"ud_step_over:\n"
	"pop %rcx\npop %r11\n"
	"addq $2, (%rsp)\n"
	"push $0\npush %rcx\npush %r11\npush %rax\n"
	"mov $23, %eax\nsyscall\n");
void ud_step_over(void);

static uint64_t bare_exit_loop(unsigned long n)
{
	uint64_t t = rdtsc();
	for (unsigned long i = 0; i < n; i++)
		hypercall(UNIMPLEMENTED_HYPERCALL, 0, 0, 0, 0, 0);
	return rdtsc() - t;
}

static uint64_t null_hypercall_loop(unsigned long n)
{
	uint64_t t = rdtsc();
	for (unsigned long i = 0; i < n; i++)
		HYPERVISOR_xen_version(XENVER_version, 0);
	return rdtsc() - t;
}

static uint64_t exception_bounce_loop(unsigned long n)
{
	uint64_t t = rdtsc();
	for (unsigned long i = 0; i < n; i++)
		__asm__ volatile("ud2" : : : "memory");
	return rdtsc() - t;
}

static uint64_t mmu_update_loop(unsigned long n)
{
	struct mmu_update u = { .ptr = kernel_pte_machine_address | MMU_NORMAL_PT_UPDATE, .val = kernel_pte };
	uint64_t t = rdtsc();
	for (unsigned long i = 0; i < n; i++)
		hypercall(__HYPERVISOR_mmu_update, (unsigned long)&u, 1, 0, DOMID_SELF, 0);
	return rdtsc() - t;
}

static uint64_t update_va_mapping_loop(unsigned long n)
{
	uint64_t t = rdtsc();
	for (unsigned long i = 0; i < n; i++)
		hypercall(__HYPERVISOR_update_va_mapping, KERNEL_BASE, kernel_pte, 0, 0, 0);
	return rdtsc() - t;
}

static uint64_t cpuid_loop(unsigned long n)
{
	uint64_t t = rdtsc();
	for (unsigned long i = 0; i < n; i++) {
		uint32_t a = 0, b, c = 0, d;
		__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	}
	return rdtsc() - t;
}

/* What is timed.  The first entry is the reference for the guest-side
 * ratios; bench/hypercall prints whatever this table holds, so a new
 * measurement is one more entry here. */
static const struct operation {
	const char *key; /* one word, for bench/hypercall */
	const char *what;
	uint64_t (*loop)(unsigned long n); /* TSC cycles for n operations */
} operations[] = {
	{ "bare_exit", "bare hypercall exit (unimplemented number, -ENOSYS)", bare_exit_loop },
	{ "null_hypercall", "null hypercall (xen_version)", null_hypercall_loop },
	{ "exception_bounce", "exception bounce (ud2 -> #UD handler -> iret hypercall)", exception_bounce_loop },
	{ "mmu_update", "mmu_update, 1 entry", mmu_update_loop },
	{ "update_va_mapping", "update_va_mapping", update_va_mapping_loop },
	{ "cpuid", "cpuid (the core asks the host CPU)", cpuid_loop },
};
#define NR_OPERATIONS (sizeof(operations) / sizeof(operations[0]))

/* The number after "name=" on the command line, or fallback. */
static unsigned long option(start_info_t *si, const char *name, unsigned long fallback)
{
	const char *at = guest_strstr((const char *)si->cmd_line, name);
	if (!at)
		return fallback;
	unsigned long v = 0;
	for (at += guest_strlen(name); *at >= '0' && *at <= '9'; at++)
		v = v * 10 + (unsigned long)(*at - '0');
	return v ? v : fallback;
}

static uint64_t median(uint64_t *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++)
		for (unsigned int j = i; j > 0 && v[j - 1] > v[j]; j--) {
			uint64_t x = v[j];
			v[j] = v[j - 1];
			v[j - 1] = x;
		}
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
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

static bool find_kernel_pte(start_info_t *si)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	uint64_t mfn = p2m[(si->pt_base - KERNEL_BASE) >> 12];
	for (unsigned int level = 4; level > 1; level--) {
		const volatile uint64_t *t = table_va(si, mfn);
		if (!t)
			return false;
		mfn = (t[(KERNEL_BASE >> (12 + 9 * (level - 1))) & 511] & 0x000ffffffffff000ul) >> 12;
	}
	const volatile uint64_t *l1 = table_va(si, mfn);
	if (!l1)
		return false;
	kernel_pte = l1[0];
	kernel_pte_machine_address = mfn << 12;
	return true;
}

int guest_main(start_info_t *si)
{
	unsigned long iterations = option(si, "iterations=", DEFAULT_ITERATIONS);
	unsigned long runs = option(si, "runs=", DEFAULT_RUNS);
	if (runs > MAX_RUNS)
		runs = MAX_RUNS;
	if (!guest_check(find_kernel_pte(si), "the L1 entry mapping the kernel is found"))
		return GUEST_FAIL;
	static struct trap_info table[] = {
		{ 6, 0, FLAT_KERNEL_CS, (unsigned long)ud_step_over },
		{ 0, 0, 0, 0 },
	};
	long rc = hypercall(__HYPERVISOR_set_trap_table, (unsigned long)table, 0, 0, 0, 0);
	if (!guest_check(rc == 0, "set_trap_table: %ld", rc))
		return GUEST_FAIL;

	/* Rounds interleave the operations, so a slow patch of the host
	 * weighs on all of them alike. */
	static uint64_t cycles[NR_OPERATIONS][MAX_RUNS];
	for (unsigned long run = 0; run < runs; run++)
		for (unsigned int op = 0; op < NR_OPERATIONS; op++)
			cycles[op][run] = operations[op].loop(iterations) / iterations;

	guest_printf("hypercall: iterations %lu runs %lu, TSC cycles per operation (median of the runs)\n",
		     iterations, runs);
	uint64_t reference = 0;
	for (unsigned int op = 0; op < NR_OPERATIONS; op++) {
		uint64_t per = median(cycles[op], (unsigned int)runs);
		if (op == 0)
			reference = per ? per : 1;
		uint64_t hundredths = per * 100 / reference;
		guest_printf("hypercall: op %s %lu %lu.%lu%lu | %s\n", operations[op].key, (unsigned long)per,
			     (unsigned long)(hundredths / 100), (unsigned long)(hundredths / 10 % 10),
			     (unsigned long)(hundredths % 10), operations[op].what);
	}
	return GUEST_PASS;
}
