/*
 * bench/create-latency: how long from `xg create -c` to the guest's first
 * console line, against a baseline measured in the same run: a bare VM with
 * one vCPU created and run to its first exit.  With /dev/kvm the baseline is
 * raw KVM (no XG code); without it, the emulating backend's bare VM, which
 * is what XG itself runs on then.  Prints medians and their ratio.
 *
 *   create_latency BUILDDIR [RUNS]
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/kvm.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "hv/exec.h"
#include "hv/machine.h"

static double now(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Raw KVM: a VM, 4 KiB of memory with `out` at 0 in real mode, one vCPU. */
static double bare_kvm(void)
{
	double t0 = now();
	int kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (kvm < 0)
		return -1;
	int vm = ioctl(kvm, KVM_CREATE_VM, 0);
	uint8_t *mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	mem[0] = 0xe6; /* out %al, $0x10 */
	mem[1] = 0x10;
	struct kvm_userspace_memory_region r = { .slot = 0, .guest_phys_addr = 0, .memory_size = 4096,
						 .userspace_addr = (uint64_t)(uintptr_t)mem };
	ioctl(vm, KVM_SET_USER_MEMORY_REGION, &r);
	int vcpu = ioctl(vm, KVM_CREATE_VCPU, 0);
	int size = ioctl(kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	struct kvm_run *run = mmap(NULL, (size_t)size, PROT_READ | PROT_WRITE, MAP_SHARED, vcpu, 0);
	struct kvm_sregs s;
	ioctl(vcpu, KVM_GET_SREGS, &s);
	s.cs.base = 0;
	s.cs.selector = 0;
	ioctl(vcpu, KVM_SET_SREGS, &s);
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	ioctl(vcpu, KVM_SET_REGS, &regs);
	int rc = ioctl(vcpu, KVM_RUN, 0);
	double t = now() - t0;
	bool ok = rc == 0 && run->exit_reason == KVM_EXIT_IO;
	munmap(run, (size_t)size);
	close(vcpu);
	close(vm);
	close(kvm);
	munmap(mem, 4096);
	return ok ? t : -1;
}

/* The emulating backend: a VM, page tables mapping one page of code that
 * executes `syscall`, one vCPU run to that exit. */
static double bare_emu(struct machine *m)
{
	double t0 = now();
	struct exec_machine em = { m->base, m->nr_frames, m->memfd };
	struct exec_vm *vm;
	struct exec_vcpu *v;
	if (exec_backend_emu.vm_create(&em, &vm))
		return -1;
	uint64_t base = 0x1000; /* frames 0x1000..0x1004: L4, L3, L2, L1, code */
	exec_backend_emu.map_frames(vm, base, 5);
	for (uint64_t level = 0; level < 4; level++) {
		uint64_t *table = machine_frame(m, base + level);
		table[0] = (base + level + 1) << 12 | (level == 3 ? 5 : 7);
	}
	uint8_t *code = machine_frame(m, base + 4);
	code[0] = 0x0f;
	code[1] = 0x05;
	exec_backend_emu.vcpu_create(vm, 0, &v);
	struct vcpu_state *st = exec_backend_emu.vcpu_state(v);
	st->sys.cr3 = base << 12;
	st->sys.cpl = 3;
	st->regs.rip = 0;
	st->regs.rflags = 0x202;
	struct exec_exit e;
	int rc = exec_backend_emu.vcpu_run(v, &e);
	double elapsed = now() - t0;
	exec_backend_emu.vcpu_destroy(v);
	exec_backend_emu.vm_destroy(vm);
	return rc == 0 && e.reason == EXEC_EXIT_SYSCALL ? elapsed : -1;
}

/* Runs `xg create CONFIG -c` and returns the seconds to its first line. */
static double create_to_first_line(const char *builddir, const char *rundir, const char *cfg)
{
	int p[2];
	if (pipe(p))
		return -1;
	/* The real binary, not libtool's wrapper script (which costs a shell
	 * and more per run than everything measured here). */
	char xg[1024], libs[1024];
	snprintf(xg, sizeof(xg), "%s/.libs/xg", builddir);
	snprintf(libs, sizeof(libs), "%s/.libs", builddir);
	if (access(xg, X_OK))
		snprintf(xg, sizeof(xg), "%s/xg", builddir);
	double t0 = now();
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		setenv("XG_RUNDIR", rundir, 1);
		setenv("LD_LIBRARY_PATH", libs, 1);
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 2);
		execl(xg, "xg", "create", cfg, "-c", (char *)NULL);
		_exit(127);
	}
	close(p[1]);
	char c;
	double t = -1;
	while (read(p[0], &c, 1) == 1) {
		if (c == '\n' && t < 0)
			t = now() - t0;
	}
	close(p[0]);
	int status;
	waitpid(pid, &status, 0);
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? t : -1;
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s BUILDDIR [RUNS]\n", argv[0]);
		return 2;
	}
	const char *builddir = argv[1];
	int runs = argc > 2 ? atoi(argv[2]) : 20;
	if (runs < 1 || runs > 1000)
		runs = 20;
	char rundir[512];
	const char *tmp = getenv("TMPDIR");
	snprintf(rundir, sizeof(rundir), "%s/xg-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(rundir)) {
		perror("mkdtemp");
		return 1;
	}
	char cfg[1024], hvpath[1024];
	snprintf(cfg, sizeof(cfg), "%s/hello.json", rundir);
	FILE *f = fopen(cfg, "w");
	fprintf(f, "{ \"name\": \"bench\", \"kernel\": \"%s/tests/guests/hello.elf\", \"memory\": 16 }\n", builddir);
	fclose(f);
	snprintf(hvpath, sizeof(hvpath), "%s/xg-hypervisor", builddir);
	pid_t hvpid = fork();
	if (hvpid == 0) {
		int null = open("/dev/null", O_WRONLY);
		dup2(null, 1);
		dup2(null, 2);
		execl(hvpath, "xg-hypervisor", "--rundir", rundir, "--memory", "2G", (char *)NULL);
		_exit(127);
	}
	char sock[1024];
	snprintf(sock, sizeof(sock), "%s/hypervisor.sock", rundir);
	for (int i = 0; i < 200 && access(sock, F_OK); i++)
		usleep(10000);

	bool have_kvm = bare_kvm() >= 0;
	struct machine m;
	if (!have_kvm && machine_init(&m, 64ull << 20)) {
		fprintf(stderr, "no machine memory for the baseline\n");
		return 1;
	}
	double *full = calloc((size_t)runs, sizeof(double)), *base = calloc((size_t)runs, sizeof(double));
	int good = 0;
	for (int i = 0; i < runs; i++) {
		double b = have_kvm ? bare_kvm() : bare_emu(&m);
		double c = create_to_first_line(builddir, rundir, cfg);
		if (b < 0 || c < 0) {
			fprintf(stderr, "run %d failed (baseline %g, create %g)\n", i, b, c);
			continue;
		}
		base[good] = b;
		full[good] = c;
		good++;
		usleep(20000); /* let the destroy of the previous domain finish */
	}
	kill(hvpid, SIGTERM);
	waitpid(hvpid, NULL, 0);
	if (!good)
		return 1;
	double mb = median(base, good), mc = median(full, good);
	printf("create-latency: %d runs, backend %s\n", good, have_kvm ? "kvm" : "emu (no /dev/kvm here)");
	printf("  xg create -c to the guest's first console line: median %8.3f ms\n", mc * 1e3);
	printf("  baseline, bare %s VM + 1 vCPU to its first exit: median %8.3f ms\n", have_kvm ? "KVM" : "emulated",
	       mb * 1e3);
	printf("  ratio (create / baseline): %.1f\n", mc / mb);
	free(full);
	free(base);
	return 0;
}
