/*
 * bench/build: how long libxg's builder takes to build a PV domain of
 * 256 MiB and of 2 GiB (Debian's kernel when tests/kvm-cache or
 * $XG_KVM_CACHE has it, else the largest test guest), and where the time
 * goes: decompression (reading and unpacking the kernel), population,
 * loading (kernel, P2M list) and page tables (writing and pinning), from
 * the timing line the builder prints in its log.  The baseline, measured
 * in the same run: a bare populate of the same memory size into an empty
 * (pre-ballooned) domain, in the 2 MiB extents the builder uses.
 * Prints medians and ratios.
 *
 *   build BUILDDIR [RUNS]
 */
#include <fcntl.h>
#include <glob.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench/measure.h"
#include "bench/private_hypervisor.h"
#include "xg/xg.h"

static double now_ms(void)
{
	return now_seconds() * 1e3;
}

/* Debian's kernel if cached, else the largest test guest ELF. */
static void pick_kernel(const char *builddir, char *path, size_t len)
{
	char pattern[1024];
	const char *cache = getenv("XG_KVM_CACHE");
	if (cache && *cache)
		snprintf(pattern, sizeof(pattern), "%s/linux-image-*/boot/vmlinuz-*", cache);
	else
		snprintf(pattern, sizeof(pattern), "%s/tests/kvm-cache/linux-image-*/boot/vmlinuz-*", builddir);
	glob_t g;
	if (glob(pattern, 0, NULL, &g) == 0 && g.gl_pathc) {
		snprintf(path, len, "%s", g.gl_pathv[0]);
		globfree(&g);
		return;
	}
	snprintf(pattern, sizeof(pattern), "%s/tests/guests/*.elf", builddir);
	off_t best = -1;
	path[0] = 0;
	if (glob(pattern, 0, NULL, &g) == 0) {
		for (size_t i = 0; i < g.gl_pathc; i++) {
			struct stat st;
			if (!stat(g.gl_pathv[i], &st) && st.st_size > best && !strstr(g.gl_pathv[i], "32")) {
				best = st.st_size;
				snprintf(path, len, "%s", g.gl_pathv[i]);
			}
		}
		globfree(&g);
	}
}

struct times {
	double total, decompress, parse, populate, load, pt, other;
};

/* One build, paused, then destroyed; the builder's own timing line. */
static int build_once(xg_handle *h, const char *kernel, unsigned int mib, struct times *t)
{
	struct xg_config cfg;
	xg_config_init(&cfg);
	snprintf(cfg.name, sizeof(cfg.name), "bench-build");
	cfg.kernel = strdup(kernel);
	cfg.memory_mib = mib;
	char *log = NULL;
	size_t loglen = 0;
	FILE *f = open_memstream(&log, &loglen);
	uint32_t domid;
	double t0 = now_ms();
	int rc = xg_domain_create(h, &cfg, XG_CREATE_PAUSED, f, &domid);
	double wall = now_ms() - t0;
	fclose(f);
	if (rc) {
		fprintf(stderr, "build of %u MiB failed: %s\n", mib, xg_last_error());
	} else {
		xg_domain_destroy(h, domid);
		const char *line = strstr(log, "xg builder: time: total ");
		double pw, pp;
		if (!line || sscanf(line, "xg builder: time: total %lf ms: decompress %lf, parse %lf, populate %lf, load %lf, "
					  "page tables %lf (write %lf, pin %lf)",
				    &t->total, &t->decompress, &t->parse, &t->populate, &t->load, &t->pt, &pw, &pp) != 8) {
			fprintf(stderr, "no timing line in the builder log\n");
			rc = -1;
		} else {
			(void)wall;
			t->other = t->total - t->decompress - t->parse - t->populate - t->load - t->pt;
		}
	}
	free(log);
	xg_config_dispose(&cfg);
	return rc;
}

/* The baseline: populate mib MiB into a domain of 16 MiB already built
 * (hello, paused) with room to grow, in 2 MiB extents. */
static double bare_populate(xg_handle *h, const char *builddir, unsigned int mib)
{
	struct xg_config cfg;
	xg_config_init(&cfg);
	snprintf(cfg.name, sizeof(cfg.name), "bench-populate");
	char k[1024];
	snprintf(k, sizeof(k), "%s/tests/guests/hello.elf", builddir);
	cfg.kernel = strdup(k);
	cfg.memory_mib = 16;
	cfg.maxmem_mib = 16 + mib;
	uint32_t domid;
	double t = -1;
	if (xg_domain_create(h, &cfg, XG_CREATE_PAUSED, NULL, &domid) == 0) {
		uint64_t extents = (uint64_t)mib * 256 / 512;
		uint64_t *mfns = malloc(extents * sizeof(uint64_t));
		double t0 = now_ms();
		long got = xg_domain_populate_at(h, domid, 4096, extents, 9, 0, mfns);
		t = now_ms() - t0;
		if (got != (long)extents) {
			fprintf(stderr, "bare populate got %ld of %llu extents: %s\n", got, (unsigned long long)extents,
				xg_last_error());
			t = -1;
		}
		free(mfns);
		xg_domain_destroy(h, domid);
	} else {
		fprintf(stderr, "baseline domain: %s\n", xg_last_error());
	}
	xg_config_dispose(&cfg);
	return t;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s BUILDDIR [RUNS]\n", argv[0]);
		return 2;
	}
	const char *builddir = argv[1];
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	if (runs < 1 || runs > 100)
		runs = 5;
	char kernel[1024];
	pick_kernel(builddir, kernel, sizeof(kernel));
	if (!kernel[0]) {
		fprintf(stderr, "no kernel to build\n");
		return 1;
	}
	struct private_hypervisor hv;
	if (private_hypervisor_start(&hv, builddir, "3G"))
		return 1;
	int err = 0;
	xg_handle *h = xg_open(hv.rundir, 0, &err);
	if (!h) {
		fprintf(stderr, "cannot reach the hypervisor: %s\n", xg_last_error());
		private_hypervisor_stop(&hv);
		return 1;
	}
	printf("bench/build: %s, %d runs each, medians\n", kernel, runs);
	printf("%-7s %9s %11s %9s %9s %9s %10s %9s %9s %7s %7s\n", "memory", "build ms", "decompress", "parse",
	       "populate", "load", "pg tables", "other", "baseline", "build/", "popul./");
	printf("%-7s %9s %11s %9s %9s %9s %10s %9s %9s %7s %7s\n", "", "", "", "", "", "", "", "", "populate", "base",
	       "base");
	static const unsigned int sizes[] = { 256, 2048 };
	int status = 0;
	for (size_t s = 0; s < 2; s++) {
		double v[7][100], base[100];
		int good = 0;
		for (int r = 0; r < runs; r++) {
			struct times t;
			double b = bare_populate(h, builddir, sizes[s]);
			if (b < 0 || build_once(h, kernel, sizes[s], &t))
				continue;
			double *f[7] = { &t.total, &t.decompress, &t.parse, &t.populate, &t.load, &t.pt, &t.other };
			for (int i = 0; i < 7; i++)
				v[i][good] = *f[i];
			base[good++] = b;
		}
		if (!good) {
			status = 1;
			continue;
		}
		double m[7];
		for (int i = 0; i < 7; i++)
			m[i] = median(v[i], good);
		double mb = median(base, good);
		char label[16];
		snprintf(label, sizeof(label), "%u MiB", sizes[s]);
		printf("%-7s %9.1f %5.1f (%2.0f%%) %9.1f %4.1f (%2.0f%%) %9.1f %4.1f (%2.0f%%) %9.1f %9.1f %7.2f %7.2f\n",
		       label, m[0], m[1], 100 * m[1] / m[0], m[2], m[3], 100 * m[3] / m[0], m[4], m[5],
		       100 * m[5] / m[0], m[6], mb, m[0] / mb, m[3] / mb);
	}
	xg_close(h);
	private_hypervisor_stop(&hv);
	return status;
}
