/*
 * The baseline the benchmarks compare XG against: a bare VM with one vCPU
 * whose code does nothing but exit to its host.  With a usable /dev/kvm it
 * is raw KVM (no XG code at all): real-mode code `out %al, $0x10; jmp
 * back`.  Without one (this development machine: no /dev/kvm), it is the
 * emulating backend that XG itself runs guests on then, driven directly
 * through struct exec_backend (no XG core): a CPL-3 page `syscall; jmp
 * back` mapped by a 4-level page table.  Either way the first run of the
 * vCPU ends at the first exit, and each further run executes the jmp and
 * the next exit, so one run is one bare exit round trip.
 *
 * Guest time-stamp counter: a guest's rdtsc counts host TSC cycles on both
 * backends, so guest-reported cycles compare with host_rdtsc() cycles.
 * KVM runs rdtsc natively (the guest TSC is the host's plus an offset; XG
 * sets no TSC scaling, so the rate is the host's).  The emulating backend
 * executes rdtsc (0f 31, emu_ops0f.c) by executing the host's rdtsc
 * instruction itself: the same counter, not even an offset.
 */
#ifndef XG_BENCH_BARE_VM_H
#define XG_BENCH_BARE_VM_H

#include <stdbool.h>
#include <stddef.h>

enum bare_vm_backend { BARE_VM_KVM, BARE_VM_EMU };

/* Picks the backend this host offers (KVM if a bare KVM VM runs to its
 * exit, else the emulating backend) and prepares it outside any timing
 * (the emulator's machine memory).  0, or -1 with a reason in why. */
int bare_vm_init(enum bare_vm_backend *backend, char *why, size_t whylen);

/* "kvm" or "emu", as `xg info` names the backends. */
const char *bare_vm_backend_name(enum bare_vm_backend backend);
/* What the baseline is, for the benchmarks' output. */
const char *bare_vm_description(enum bare_vm_backend backend);

/* Seconds from nothing to the first exit: create the VM and its vCPU,
 * load the code, run to the exit, then tear it down (not timed).  -1 if
 * any step failed. */
double bare_vm_time_to_first_exit(enum bare_vm_backend backend);

/* The round trip of one bare exit (run the vCPU until its next exit and
 * back to the host), averaged over `iterations` round trips, for each of
 * `runs` runs into per_run[0..runs).  The VM is created and run once
 * before any timing, so neither creation nor first touches count. */
struct bare_exit_cost {
	double ns;     /* CLOCK_MONOTONIC */
	double cycles; /* host TSC */
};
int bare_vm_exit_round_trips(enum bare_vm_backend backend, unsigned int iterations, unsigned int runs,
			     struct bare_exit_cost *per_run);
/* The medians of ns and of cycles over v[0..n) (n > 0). */
struct bare_exit_cost bare_exit_cost_median(const struct bare_exit_cost *v, unsigned int n);

#endif
