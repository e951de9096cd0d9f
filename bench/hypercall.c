/*
 * bench/hypercall: what a PV guest's calls into the hypervisor cost, as
 * ratios to a bare exit measured in the same run.
 *
 * A private xg-hypervisor runs the `hypercall` test guest
 * (tests/guests/hypercall.c), which times with rdtsc each operation of its
 * table (a bare hypercall exit, a null hypercall, an exception bounce
 * round trip, mmu_update, update_va_mapping, cpuid, ...) and reports the
 * median TSC cycles per operation.  It also times latencies sample by
 * sample, reporting median samples: an event sent to its second vCPU
 * (the sender's cost and the IPI round trip, with that vCPU asleep in
 * SCHEDOP_block or spinning; the domain gets "vcpus": 2 for it) and how
 * late after its deadline a singleshot timer's VIRQ_TIMER upcall arrives
 * (vCPU asleep or spinning).  Around the guest, this program times
 * the baseline with the same iterations and runs: the round trip of a
 * bare VM's exit (bench/bare_vm.h: raw KVM where /dev/kvm works, else the
 * emulating backend without the XG core, which is what XG runs on then).
 * Guest rdtsc and host rdtsc count the same cycles on both backends, so
 * the ratio is what XG's core and the guest ABI add to the exit itself
 * (for the latencies: how many bare exits the wait is worth).  The ns
 * column converts cycles with the host TSC rate the baseline measured.
 *
 *   hypercall BUILDDIR [ITERATIONS [RUNS]]
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench/bare_vm.h"
#include "bench/private_hypervisor.h"

#define DEFAULT_ITERATIONS 20000
#define DEFAULT_RUNS 5
#define MAX_RUNS 64 /* the guest keeps at most 64 */
#define MAX_OPERATIONS 32
#define MAX_NOTES 16
#define GUEST_MEMORY_MIB 32
#define GUEST_VCPUS 2 /* the event operations' second vCPU */

/* What the guest reported: one entry per line "hypercall: op KEY CYCLES
 * RATIO | DESCRIPTION", in the guest's order; its "hypercall: info" lines,
 * printed as notes; its "FAIL:" lines, printed if it fails. */
struct guest_report {
	unsigned int nr;
	struct {
		char key[64];
		double cycles;
		double ratio_to_guest_bare_exit;
		char what[160];
	} op[MAX_OPERATIONS];
	unsigned int nr_notes, nr_failures;
	char note[MAX_NOTES][256], failure[MAX_NOTES][256];
	bool passed;
};

static void parse_guest_line(const char *line, void *ctx)
{
	struct guest_report *r = ctx;
	if (strstr(line, "RESULT: PASS hypercall"))
		r->passed = true;
	const char *info = strstr(line, "hypercall: info ");
	if (info && r->nr_notes < MAX_NOTES)
		snprintf(r->note[r->nr_notes++], sizeof(r->note[0]), "%s", info + strlen("hypercall: info "));
	const char *fail = strstr(line, "FAIL");
	if (fail && r->nr_failures < MAX_NOTES)
		snprintf(r->failure[r->nr_failures++], sizeof(r->failure[0]), "%s", fail);
	if (r->nr == MAX_OPERATIONS)
		return;
	int what_at = 0;
	if (sscanf(line, "hypercall: op %63s %lf %lf | %n", r->op[r->nr].key, &r->op[r->nr].cycles,
		   &r->op[r->nr].ratio_to_guest_bare_exit, &what_at) == 3 &&
	    what_at > 0) {
		snprintf(r->op[r->nr].what, sizeof(r->op[r->nr].what), "%s", line + what_at);
		r->nr++;
	}
}

/* Samples per run of a latency as the guest takes them: iterations /
 * divisor, 3 to 4096 (tests/guests/hypercall.c). */
static int latency_samples(int iterations, int divisor)
{
	int n = iterations / divisor;
	return n < 3 ? 3 : n > 4096 ? 4096 : n;
}

/* The guest's event and timer operations, timed sample by sample. */
static bool is_latency(const char *key)
{
	return !strncmp(key, "ipi_", 4) || !strncmp(key, "timer_", 6);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s BUILDDIR [ITERATIONS [RUNS]]\n", argv[0]);
		return 2;
	}
	int iterations = argc > 2 ? atoi(argv[2]) : DEFAULT_ITERATIONS;
	int runs = argc > 3 ? atoi(argv[3]) : DEFAULT_RUNS;
	if (iterations < 1 || iterations > 10000000)
		iterations = DEFAULT_ITERATIONS;
	if (runs < 1 || runs > MAX_RUNS)
		runs = DEFAULT_RUNS;

	enum bare_vm_backend baseline_backend;
	char why[200];
	if (bare_vm_init(&baseline_backend, why, sizeof(why))) {
		fprintf(stderr, "hypercall: %s\n", why);
		return 1;
	}
	/* The baseline's runs before and after the guest's, and its median
	 * over both, so that a change of the host's speed during the run
	 * (other load on a shared machine) weighs on both sides alike. */
	struct bare_exit_cost baseline_runs[2 * MAX_RUNS];
	if (bare_vm_exit_round_trips(baseline_backend, (unsigned int)iterations, (unsigned int)runs, baseline_runs)) {
		fprintf(stderr, "hypercall: the bare VM's exit loop failed\n");
		return 1;
	}

	struct private_hypervisor hv;
	char cfg[1024], cmdline[64], guest_backend[32] = "unknown";
	snprintf(cmdline, sizeof(cmdline), "iterations=%d runs=%d", iterations, runs);
	struct guest_report report = { 0 };
	const char *create[] = { "create", cfg, "-c", NULL };
	int failed = private_hypervisor_start(&hv, argv[1], "1G") ||
		     private_hypervisor_guest_config(&hv, "hypercall", GUEST_MEMORY_MIB, GUEST_VCPUS, cmdline, cfg,
						     sizeof(cfg));
	if (!failed) {
		private_hypervisor_backend(&hv, guest_backend, sizeof(guest_backend));
		failed = private_hypervisor_xg(&hv, create, parse_guest_line, &report);
	}
	private_hypervisor_stop(&hv);
	if (failed || !report.passed || !report.nr) {
		fprintf(stderr, "hypercall: the hypercall guest did not run to its report\n");
		for (unsigned int i = 0; i < report.nr_failures; i++)
			fprintf(stderr, "  guest: %s\n", report.failure[i]);
		return 1;
	}
	if (bare_vm_exit_round_trips(baseline_backend, (unsigned int)iterations, (unsigned int)runs,
				     baseline_runs + runs)) {
		fprintf(stderr, "hypercall: the bare VM's exit loop failed\n");
		return 1;
	}
	const struct bare_exit_cost before = bare_exit_cost_median(baseline_runs, (unsigned int)runs),
				    after = bare_exit_cost_median(baseline_runs + runs, (unsigned int)runs),
				    baseline = bare_exit_cost_median(baseline_runs, 2 * (unsigned int)runs);

	printf("hypercall: guest on backend %s; baseline: bare VM on %s, %s\n", guest_backend,
	       bare_vm_backend_name(baseline_backend), bare_vm_description(baseline_backend));
	printf("  %d iterations per run, medians of %d runs, TSC cycles per operation\n", iterations, runs);
	printf("  (latencies: up to %d IPI round trips and %d timers per variant and run, at most 1 s each;\n"
	       "  the notes give the counts)\n",
	       latency_samples(iterations, 20), latency_samples(iterations, 100));
	printf("  baseline, bare exit round trip: %.0f cycles, %.1f ns (median of %d runs before the guest and after;\n"
	       "    before alone %.0f cycles, after alone %.0f)\n",
	       baseline.cycles, baseline.ns, 2 * runs, before.cycles, after.cycles);
	printf("  %-58s %8s %10s %10s %13s\n", "operation (in the guest)", "cycles", "ns", "/bare exit",
	       "/guest ENOSYS");
	const double ns_per_cycle = baseline.ns / baseline.cycles;
	for (unsigned int i = 0; i < report.nr; i++) {
		if (is_latency(report.op[i].key) && (i == 0 || !is_latency(report.op[i - 1].key)))
			printf("  latencies, median sample; event send: vCPU 0's EVTCHNOP_send; round trip: until vCPU 0's\n"
			       "  upcall for vCPU 1's answer; timer lateness: from the deadline to the VIRQ_TIMER upcall\n");
		printf("  %-58s %8.0f %10.0f %10.2f %13.2f\n", report.op[i].what, report.op[i].cycles,
		       report.op[i].cycles * ns_per_cycle, report.op[i].cycles / baseline.cycles,
		       report.op[i].ratio_to_guest_bare_exit);
	}
	for (unsigned int i = 0; i < report.nr_notes; i++)
		printf("  note: %s\n", report.note[i]);
	return 0;
}
