/*
 * bench/create_latency: how long from `xg create -c` to the guest's first
 * console line, against a baseline measured in the same run: a bare VM with
 * one vCPU created and run to its first exit (bench/bare_vm.h: raw KVM
 * where /dev/kvm works, else the emulating backend's bare VM, which is what
 * XG itself runs on then).  Prints medians and their ratio.
 *
 *   create_latency BUILDDIR [RUNS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "bench/bare_vm.h"
#include "bench/measure.h"
#include "bench/private_hypervisor.h"

struct first_line {
	double at; /* now_seconds() when the first line arrived; < 0 before */
};

static void note_first_line(const char *line, void *ctx)
{
	(void)line;
	struct first_line *f = ctx;
	if (f->at < 0)
		f->at = now_seconds();
}

/* Runs `xg create CONFIG -c` and returns the seconds to its first line. */
static double create_to_first_line(const struct private_hypervisor *hv, const char *cfg)
{
	struct first_line first = { -1 };
	const char *args[] = { "create", cfg, "-c", NULL };
	double t0 = now_seconds();
	if (private_hypervisor_xg(hv, args, note_first_line, &first) || first.at < 0)
		return -1;
	return first.at - t0;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s BUILDDIR [RUNS]\n", argv[0]);
		return 2;
	}
	int runs = argc > 2 ? atoi(argv[2]) : 20;
	if (runs < 1 || runs > 1000)
		runs = 20;
	enum bare_vm_backend backend;
	char why[200];
	if (bare_vm_init(&backend, why, sizeof(why))) {
		fprintf(stderr, "create-latency: %s\n", why);
		return 1;
	}
	struct private_hypervisor hv;
	char cfg[1024];
	if (private_hypervisor_start(&hv, argv[1], "2G") ||
	    private_hypervisor_guest_config(&hv, "hello", 16, 0, NULL, cfg, sizeof(cfg))) {
		private_hypervisor_stop(&hv);
		return 1;
	}
	char hv_backend[32];
	private_hypervisor_backend(&hv, hv_backend, sizeof(hv_backend));
	double *full = calloc((size_t)runs, sizeof(double)), *base = calloc((size_t)runs, sizeof(double));
	int good = 0;
	for (int i = 0; i < runs; i++) {
		double b = bare_vm_time_to_first_exit(backend);
		double c = create_to_first_line(&hv, cfg);
		if (b < 0 || c < 0) {
			fprintf(stderr, "run %d failed (baseline %g, create %g)\n", i, b, c);
			continue;
		}
		base[good] = b;
		full[good] = c;
		good++;
		usleep(20000); /* let the destroy of the previous domain finish */
	}
	private_hypervisor_stop(&hv);
	if (!good)
		return 1;
	double mb = median(base, good), mc = median(full, good);
	printf("create-latency: %d runs, guests on backend %s; baseline: bare VM on %s, %s\n", good, hv_backend,
	       bare_vm_backend_name(backend), bare_vm_description(backend));
	printf("  xg create -c to the guest's first console line: median %8.3f ms\n", mc * 1e3);
	printf("  baseline, bare VM + 1 vCPU created and run to its first exit: median %8.3f ms\n", mb * 1e3);
	printf("  ratio (create / baseline): %.1f\n", mc / mb);
	free(full);
	free(base);
	return 0;
}
