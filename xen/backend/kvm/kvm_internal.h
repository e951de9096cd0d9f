/*
 * The KVM execution backend.  See docs/backend-kvm.md for the design; in
 * short: 64-bit guest kernels run at CPL 3 in long mode, 32-bit ones in
 * compatibility mode at CPL 1 (their user code at CPL 3).  A hypervisor area, mapped
 * supervisor-only through L4 slot 271 of every guest table (inside the range
 * Xen reserves), holds a tiny CPL-0 stub, the IDT, GDT and per-vCPU TSS and
 * stacks.  Every vector enters the stub, which pushes the vector number and
 * leaves to user space with one `out`; LSTAR and CSTAR point at
 * one-instruction trampolines (`out`) that work whether `syscall` lands at
 * CPL 0 (VT-x, AMD-V) or stays at CPL 3 (kvm_pvm).  The backend then resumes the guest by
 * setting its registers and segments directly (KVM_CAP_SYNC_REGS), so the
 * stub never returns.
 *
 * The hypervisor area lives outside machine memory: guest-physical addresses
 * from hv_gpa up, backed by memory of this backend's own.
 */
#ifndef KVM_INTERNAL_H
#define KVM_INTERNAL_H

#include <linux/kvm.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "hv/exec.h"

#define KVM_STUB_PORT 0xf4    /* stub: a vector was taken (stub.S) */
#define KVM_SYSCALL_PORT 0xf5 /* LSTAR trampoline: the guest executed syscall */
#define KVM_SYSCALL32_PORT 0xf6 /* CSTAR trampoline: syscall from compatibility mode */
#define KVM_FLUSH_PORT 0xf7     /* the TLB flush routine is done */

#define KVM_MAX_VCPUS 128

/* The hypervisor area's virtual layout: L4 slot 271. */
#define HVA_L4_SLOT 271
#define HVA_VIRT (0xffff000000000000ull | ((uint64_t)HVA_L4_SLOT << 39))
/* Pages of the area, in order. */
#define HVA_PG_L3 0
#define HVA_PG_L2 1
#define HVA_PG_L1 2   /* 2 L1 tables: 1024 pages mapped */
#define HVA_NR_L1 2
#define HVA_PG_STUB 4 /* supervisor code: per-vector entries */
#define HVA_PG_TRAMPOLINE 5 /* user-accessible: the syscall trampolines */
#define HVA_CSTAR_OFFSET 16 /* the CSTAR trampoline, within that page */
#define HVA_PG_IDT 6
#define HVA_PG_GDT 7  /* 16 pages: Xen's flat selectors live at 0xe000+ */
#define HVA_GDT_PAGES 16
/* A second GDT for compatibility-mode vCPUs: Xen's 32-bit flat selectors
 * reuse the slots of its 64-bit ones (0xe02b is ring-3 data for a 64-bit
 * guest, ring-3 code for a 32-bit one), so, as in Xen, each kind of guest
 * gets its own GDT. */
#define HVA_PG_GDT32 23
#define HVA_PG_VCPU 39 /* per vCPU: 3 TSS pages (I/O bitmap) + 1 stack page */
#define HVA_VCPU_PAGES 4
/* Supervisor code: the TLB flush routine (kvm_flush_tlb). */
#define HVA_PG_FLUSH (HVA_PG_VCPU + KVM_MAX_VCPUS * HVA_VCPU_PAGES)
#define HVA_NR_PAGES (HVA_PG_FLUSH + 1)

#define HVA_STUB_ENTRY_SIZE 16

/* GDT selectors. */
#define SEL_HV_CS 0x08
#define SEL_HV_DS 0x10
#define SEL_TSS_BASE 0x40 /* vCPU n's TSS descriptor at 0x40 + 16n */
#define SEL_GUEST_CS 0xe033 /* FLAT_RING3_CS64 */
#define SEL_GUEST_DS 0xe02b /* FLAT_RING3_DS64, also FLAT_RING3_SS32 */
#define SEL_GUEST_CS32 0xe023 /* FLAT_RING3_CS32: a 64-bit guest's 32-bit code */
/* In the compat GDT (include/public/compat/x86_32.h's values). */
#define SEL_COMPAT_RING1_CS 0xe019
#define SEL_COMPAT_RING1_DS 0xe021
#define SEL_COMPAT_RING3_CS 0xe02b
#define SEL_COMPAT_RING3_DS 0xe033

/* Software-interrupt vectors whose gates software may use directly: Xen's
 * 32-bit hypercall vector (from ring 1) and Linux's 32-bit system call
 * vector (from ring 3).  Nothing is ever injected at these vectors, so the
 * stub's entry for them always means `int $n`. */
#define KVM_HYPERCALL32_VECTOR 0x82
#define KVM_INT80_VECTOR 0x80

#define TSS_IOMAP_OFFSET 104
#define TSS_LIMIT (TSS_IOMAP_OFFSET + 8192)

struct kvm_slot {
	uint32_t id;
	uint64_t gfn, count;
};

struct exec_vm {
	int fd;
	const struct exec_machine *machine;
	uint8_t *area;     /* the hypervisor area, HVA_NR_PAGES pages */
	uint64_t area_gpa; /* its guest-physical address */
	pthread_mutex_t slots_lock;
	struct kvm_slot *slots;
	size_t nr_slots, cap_slots;
	uint32_t next_slot_id;
	uint32_t *free_ids;
	size_t nr_free_ids;
	struct kvm_cpuid2 *cpuid;
};

/* One KVM_RUN as it ended, kept for the log when a vCPU dies in a way
 * that loses its state (SVM resets a vCPU after a triple fault). */
struct kvm_exit_note {
	const char *run;  /* "guest", "guest again" (finishing our code), "flush" */
	int rc;           /* KVM_RUN's result: 0 or -errno */
	uint32_t reason;  /* kvm_run's exit_reason */
	uint16_t port;    /* for KVM_EXIT_IO */
	uint16_t cs;
	uint64_t rip, cr3;
	uint64_t rax;       /* the guest's (a hypercall's number at a syscall exit) */
	/* A stub exit: the vector, its error code and where the guest was. */
	bool trap;
	uint8_t vector;
	uint64_t error, guest_rip;
};
#define KVM_EXIT_NOTES 8

struct exec_vcpu {
	struct exec_vm *vm;
	unsigned int id;
	int fd;
	struct kvm_run *run;
	size_t run_size;
	struct vcpu_state state;
	_Atomic bool kick;
	_Atomic(pthread_t) thread;
	_Atomic bool thread_known;
	uint64_t kernel_gs_base_set; /* last value written to the MSR */
	uint64_t debugregs_set[6];   /* DR0-3, DR6, DR7 as last given to KVM */
	bool cpuid_faulting;
	bool entered;       /* has run guest code: it may have cached translations */
	bool flush_pending; /* run the flush routine before the guest */
	struct kvm_exit_note exit_notes[KVM_EXIT_NOTES]; /* the last runs, a ring */
	uint64_t entry_rip, entry_rsp, entry_rflags; /* what the last load_state gave the guest */
	unsigned int nr_exit_notes;
};

extern int kvm_dev_fd;
extern int kvm_run_size;

uint8_t *kvm_area_page(struct exec_vm *vm, unsigned int page);
uint64_t kvm_area_gpa(struct exec_vm *vm, unsigned int page);
uint64_t kvm_area_va(unsigned int page);

int kvm_vcpu_create(struct exec_vm *vm, unsigned int id, struct exec_vcpu **out);
void kvm_vcpu_destroy(struct exec_vcpu *v);
struct vcpu_state *kvm_vcpu_state(struct exec_vcpu *v);
int kvm_vcpu_run(struct exec_vcpu *v, struct exec_exit *exit);
void kvm_vcpu_kick(struct exec_vcpu *v);
int64_t kvm_guest_tsc_offset(struct exec_vcpu *v);
void kvm_flush_tlb(struct exec_vcpu *v);

/* The stub's code, assembled in stub.S. */
extern const uint8_t kvm_stub_start[], kvm_stub_end[];
extern const uint8_t kvm_trampoline_start[], kvm_trampoline_end[];
extern const uint8_t kvm_trampoline32_start[], kvm_trampoline32_end[];
extern const uint8_t kvm_flush_start[], kvm_flush_end[];

#endif
