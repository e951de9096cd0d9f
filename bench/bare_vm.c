#include "bench/bare_vm.h"

#include <fcntl.h>
#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "bench/measure.h"
#include "hv/exec.h"
#include "hv/machine.h"

/* out %al, $0x10; jmp back to the out (real mode, at guest address 0). */
static const uint8_t kvm_exit_loop[] = { 0xe6, 0x10, 0xeb, 0xfc };
/* syscall; jmp back to the syscall (64-bit, CPL 3, at linear address 0). */
static const uint8_t emu_exit_loop[] = { 0x0f, 0x05, 0xeb, 0xfc };

/* The emulator's frames: L4, L3, L2, L1 and the code page, in a machine
 * made once by bare_vm_init() so that no timing includes the memfd. */
#define EMU_FIRST_FRAME 0x1000
#define EMU_MACHINE_BYTES (64ull << 20)
static struct machine emu_machine;
static bool emu_machine_ready;

struct bare_vm {
	enum bare_vm_backend backend;
	/* KVM */
	int kvm, vm, vcpu;
	struct kvm_run *run;
	size_t run_size;
	uint8_t *mem;
	/* emulating backend */
	struct exec_vm *exec_vm;
	struct exec_vcpu *exec_vcpu;
};

static void kvm_destroy(struct bare_vm *b)
{
	if (b->run)
		munmap(b->run, b->run_size);
	if (b->mem)
		munmap(b->mem, 4096);
	if (b->vcpu >= 0)
		close(b->vcpu);
	if (b->vm >= 0)
		close(b->vm);
	if (b->kvm >= 0)
		close(b->kvm);
}

/* A VM, 4 KiB of memory holding the loop at 0 in real mode, one vCPU. */
static int kvm_create(struct bare_vm *b)
{
	b->kvm = b->vm = b->vcpu = -1;
	b->kvm = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (b->kvm < 0)
		return -1;
	b->vm = ioctl(b->kvm, KVM_CREATE_VM, 0);
	if (b->vm < 0)
		return -1;
	b->mem = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (b->mem == MAP_FAILED) {
		b->mem = NULL;
		return -1;
	}
	memcpy(b->mem, kvm_exit_loop, sizeof(kvm_exit_loop));
	struct kvm_userspace_memory_region r = { .slot = 0, .guest_phys_addr = 0, .memory_size = 4096,
						 .userspace_addr = (uint64_t)(uintptr_t)b->mem };
	if (ioctl(b->vm, KVM_SET_USER_MEMORY_REGION, &r))
		return -1;
	b->vcpu = ioctl(b->vm, KVM_CREATE_VCPU, 0);
	int size = b->vcpu < 0 ? -1 : ioctl(b->kvm, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (size <= 0)
		return -1;
	b->run_size = (size_t)size;
	b->run = mmap(NULL, b->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, b->vcpu, 0);
	if (b->run == MAP_FAILED) {
		b->run = NULL;
		return -1;
	}
	struct kvm_sregs s;
	if (ioctl(b->vcpu, KVM_GET_SREGS, &s))
		return -1;
	s.cs.base = 0;
	s.cs.selector = 0;
	struct kvm_regs regs = { .rip = 0, .rflags = 2 };
	return ioctl(b->vcpu, KVM_SET_SREGS, &s) || ioctl(b->vcpu, KVM_SET_REGS, &regs) ? -1 : 0;
}

static void emu_destroy(struct bare_vm *b)
{
	if (b->exec_vcpu)
		exec_backend_emu.vcpu_destroy(b->exec_vcpu);
	if (b->exec_vm)
		exec_backend_emu.vm_destroy(b->exec_vm);
}

/* Page tables mapping one page of code at linear address 0, one vCPU at
 * CPL 3 (where XG's 64-bit PV guest kernels run too). */
static int emu_create(struct bare_vm *b)
{
	struct machine *m = &emu_machine;
	struct exec_machine em = { m->base, m->nr_frames, m->memfd };
	if (exec_backend_emu.vm_create(&em, &b->exec_vm)) {
		b->exec_vm = NULL;
		return -1;
	}
	const uint64_t first = EMU_FIRST_FRAME;
	if (exec_backend_emu.map_frames(b->exec_vm, first, 5))
		return -1;
	for (uint64_t level = 0; level < 4; level++) {
		uint64_t *table = machine_frame(m, first + level);
		/* Present, user, and writable except for the code page. */
		table[0] = (first + level + 1) << 12 | (level == 3 ? 5 : 7);
	}
	memcpy(machine_frame(m, first + 4), emu_exit_loop, sizeof(emu_exit_loop));
	if (exec_backend_emu.vcpu_create(b->exec_vm, 0, &b->exec_vcpu)) {
		b->exec_vcpu = NULL;
		return -1;
	}
	struct vcpu_state *st = exec_backend_emu.vcpu_state(b->exec_vcpu);
	st->sys.cr3 = first << 12;
	st->sys.cpl = 3;
	st->regs.rip = 0;
	st->regs.rflags = 0x202;
	return 0;
}

static void bare_vm_destroy(struct bare_vm *b)
{
	if (b->backend == BARE_VM_KVM)
		kvm_destroy(b);
	else
		emu_destroy(b);
}

static int bare_vm_create(enum bare_vm_backend backend, struct bare_vm *b)
{
	memset(b, 0, sizeof(*b));
	b->backend = backend;
	int rc = backend == BARE_VM_KVM ? kvm_create(b) : emu_create(b);
	if (rc)
		bare_vm_destroy(b);
	return rc;
}

/* Run to the next exit; true if it was the loop's exit. */
static bool bare_vm_run_to_exit(struct bare_vm *b)
{
	if (b->backend == BARE_VM_KVM)
		return ioctl(b->vcpu, KVM_RUN, 0) == 0 && b->run->exit_reason == KVM_EXIT_IO;
	struct exec_exit e;
	return exec_backend_emu.vcpu_run(b->exec_vcpu, &e) == 0 && e.reason == EXEC_EXIT_SYSCALL;
}

int bare_vm_init(enum bare_vm_backend *backend, char *why, size_t whylen)
{
	if (bare_vm_time_to_first_exit(BARE_VM_KVM) >= 0) {
		*backend = BARE_VM_KVM;
		return 0;
	}
	*backend = BARE_VM_EMU;
	if (!emu_machine_ready) {
		if (machine_init(&emu_machine, EMU_MACHINE_BYTES)) {
			snprintf(why, whylen, "no machine memory for the emulated bare VM");
			return -1;
		}
		emu_machine_ready = true;
	}
	if (bare_vm_time_to_first_exit(BARE_VM_EMU) < 0) {
		snprintf(why, whylen, "the emulated bare VM does not reach its exit");
		return -1;
	}
	return 0;
}

const char *bare_vm_backend_name(enum bare_vm_backend backend)
{
	return backend == BARE_VM_KVM ? "kvm" : "emu";
}

const char *bare_vm_description(enum bare_vm_backend backend)
{
	return backend == BARE_VM_KVM ? "raw KVM, no XG code"
				      : "XG's emulating backend without the XG core; no usable /dev/kvm here";
}

double bare_vm_time_to_first_exit(enum bare_vm_backend backend)
{
	struct bare_vm b;
	double t0 = now_seconds();
	if (bare_vm_create(backend, &b))
		return -1;
	bool exited = bare_vm_run_to_exit(&b);
	double elapsed = now_seconds() - t0;
	bare_vm_destroy(&b);
	return exited ? elapsed : -1;
}

int bare_vm_exit_round_trips(enum bare_vm_backend backend, unsigned int iterations, unsigned int runs,
			     struct bare_exit_cost *per_run)
{
	struct bare_vm b;
	if (!iterations || bare_vm_create(backend, &b))
		return -1;
	bool exited = bare_vm_run_to_exit(&b);
	for (unsigned int run = 0; exited && run < runs; run++) {
		double t0 = now_seconds();
		uint64_t c0 = host_rdtsc();
		for (unsigned int i = 0; exited && i < iterations; i++)
			exited = bare_vm_run_to_exit(&b);
		uint64_t c1 = host_rdtsc();
		double t1 = now_seconds();
		per_run[run].ns = (t1 - t0) * 1e9 / iterations;
		per_run[run].cycles = (double)(c1 - c0) / iterations;
	}
	bare_vm_destroy(&b);
	return exited ? 0 : -1;
}

struct bare_exit_cost bare_exit_cost_median(const struct bare_exit_cost *v, unsigned int n)
{
	double *ns = calloc(n, sizeof(double)), *cycles = calloc(n, sizeof(double));
	struct bare_exit_cost m = { -1, -1 };
	if (ns && cycles) {
		for (unsigned int i = 0; i < n; i++) {
			ns[i] = v[i].ns;
			cycles[i] = v[i].cycles;
		}
		m.ns = median(ns, (int)n);
		m.cycles = median(cycles, (int)n);
	}
	free(ns);
	free(cycles);
	return m;
}
