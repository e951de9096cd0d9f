/*
 * bench/hypercall: what a PV guest's calls into the hypervisor cost, as
 * ratios to a bare exit measured in the same run.
 *
 * A private xg-hypervisor runs the `hypercall` test guest
 * (tests/guests/hypercall.c), which times with rdtsc each operation of its
 * table (a bare hypercall exit, a null hypercall, an exception bounce
 * round trip, mmu_update, update_va_mapping, cpuid, ...) and reports the
 * median TSC cycles per operation.  Around the guest, this program times
 * the baseline with the same iterations and runs: the round trip of a
 * bare VM's exit (bench/bare_vm.h: raw KVM where /dev/kvm works, else the
 * emulating backend without the XG core, which is what XG runs on then).
 * Guest rdtsc and host rdtsc count the same cycles on both backends, so
 * the ratio is what XG's core and the guest ABI add to the exit itself.
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
#define GUEST_MEMORY_MIB 32

/* What the guest reported: one entry per line "hypercall: op KEY CYCLES
 * RATIO | DESCRIPTION", in the guest's order. */
struct guest_report {
	unsigned int nr;
	struct {
		char key[64];
		double cycles;
		double ratio_to_guest_bare_exit;
		char what[160];
	} op[MAX_OPERATIONS];
	bool passed;
};

static void parse_guest_line(const char *line, void *ctx)
{
	struct guest_report *r = ctx;
	if (strstr(line, "RESULT: PASS hypercall"))
		r->passed = true;
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
		     private_hypervisor_guest_config(&hv, "hypercall", GUEST_MEMORY_MIB, cmdline, cfg, sizeof(cfg));
	if (!failed) {
		private_hypervisor_backend(&hv, guest_backend, sizeof(guest_backend));
		failed = private_hypervisor_xg(&hv, create, parse_guest_line, &report);
	}
	private_hypervisor_stop(&hv);
	if (failed || !report.passed || !report.nr) {
		fprintf(stderr, "hypercall: the hypercall guest did not run to its report\n");
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
	printf("  baseline, bare exit round trip: %.0f cycles, %.1f ns (median of %d runs before the guest and after;\n"
	       "    before alone %.0f cycles, after alone %.0f)\n",
	       baseline.cycles, baseline.ns, 2 * runs, before.cycles, after.cycles);
	printf("  %-58s %8s %11s %13s\n", "operation (in the guest)", "cycles", "/bare exit", "/guest ENOSYS");
	for (unsigned int i = 0; i < report.nr; i++)
		printf("  %-58s %8.0f %11.2f %13.2f\n", report.op[i].what, report.op[i].cycles,
		       report.op[i].cycles / baseline.cycles, report.op[i].ratio_to_guest_bare_exit);
	return 0;
}
