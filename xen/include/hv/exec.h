/*
 * The execution interface: how the hypervisor core reaches a CPU.
 *
 * The core (xen/common, xen/arch/x86) never includes a KVM header.  It runs
 * guest code through one of the backends below, each of which implements
 * struct exec_backend.  A backend only executes guest instructions and
 * reports the first event the core must handle; everything Xen-specific
 * (hypercalls, bouncing exceptions, emulating privileged instructions)
 * stays in the core.
 *
 * Address model: a guest-physical address is a machine address (MFN << 12).
 * A backend may only let the guest reach frames it was told about with
 * map_frames(); an access to any other frame ends the run with
 * EXEC_EXIT_FATAL, never with a read or write of that frame.
 *
 * Threading: vcpu_run(), vcpu_state() and flush_tlb() are called only by
 * the vCPU's own host thread.  vcpu_kick() may be called from any thread
 * at any time.  map_frames()/unmap_frames() are called with the owning
 * domain's lock held and must be safe against concurrent vcpu_run() of the
 * same VM (a vCPU may observe the change at its next instruction).
 */
#ifndef HV_EXEC_H
#define HV_EXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/descriptor.h"

struct exec_vm;
struct exec_vcpu;

/* General registers, in the order of the x86-64 encoding (rax = 0 ... r15 = 15). */
struct vcpu_regs {
	uint64_t rax, rcx, rdx, rbx, rsp, rbp, rsi, rdi;
	uint64_t r8, r9, r10, r11, r12, r13, r14, r15;
	uint64_t rip, rflags;
};
_Static_assert(offsetof(struct vcpu_regs, r15) == 15 * sizeof(uint64_t), "registers in encoding order");

/* The general registers as an array indexed by their encoding number. */
static inline uint64_t *vcpu_gprs(struct vcpu_regs *r)
{
	return &r->rax;
}

/* System state the core controls.  Guest kernels run at CPL 3.  cr0's TS
 * is the guest's (fpu_taskswitch): while it is set, an instruction using
 * x87, MMX or SSE state raises #NM before anything else. */
struct vcpu_sysregs {
	uint64_t cr0, cr2, cr3, cr4, efer;
	uint64_t fs_base, gs_base, kernel_gs_base;
	/* Debug registers as the guest set them (set_debugreg): backends make
	 * the breakpoints DR0-3/DR7 enable fire and record #DB causes in dr6. */
	uint64_t dr[4], dr6, dr7;
	bool compat; /* true: 32-bit (compatibility mode) code segment */
	/* With compat: 32-bit code of a 64-bit guest (its 32-bit user
	 * processes), which runs on Xen's 64-bit GDT selectors FLAT_USER_CS32
	 * and FLAT_USER_SS32 (0xe023, 0xe02b) rather than on a 32-bit guest's
	 * ring-1 or ring-3 ones. */
	bool compat_in_pv64;
	uint8_t cpl; /* 3 for 64-bit PV guests (kernel and user, either code size), 1 or 3 for 32-bit */
	/* The selectors in ES, DS, FS and GS as the guest loaded them (null,
	 * one of Xen's flat ones, or one of its own descriptors:
	 * segment_load.c), and the descriptors they loaded as the CPU caches
	 * them (0 for null; hv/descriptor.h).  64-bit code uses only the
	 * selectors and the FS/GS bases; compatibility-mode code also the
	 * bases of ES and DS, every limit and the access rights (a null or
	 * unusable register faults when used).  The bases of FS and GS are
	 * fs_base and gs_base in both modes, whatever the descriptor says. */
	uint16_t data_sel[4];
	uint64_t data_desc[4];
};

/* The base compatibility-mode code gets from a data register slot. */
static inline uint32_t data_seg_base(const struct vcpu_sysregs *sys, unsigned int slot)
{
	if (slot >= 2)
		return (uint32_t)(slot == 2 ? sys->fs_base : sys->gs_base);
	return desc_base(sys->data_desc[slot]);
}

/* The sys.data_sel slot of a segment register by its encoding number
 * (ES 0, CS 1, SS 2, DS 3, FS 4, GS 5): -1 for CS, SS and numbers that
 * name no register. */
static inline int sreg_data_slot(unsigned int sreg)
{
	static const int slot[8] = { 0, -1, -1, 1, 2, 3, -1, -1 };
	return slot[sreg & 7];
}

/*
 * The linear address compatibility-mode code reaches at offset ea of
 * segment register seg (encoding number, as sreg_data_slot) for size
 * bytes: CS and SS are Xen's flat segments of the mode (CS not writable),
 * the data registers have their bases, limits and rights.  Offsets wrap at
 * 4 GiB; false where the CPU faults (#GP(0), #SS(0) for SS).
 */
static inline bool compat_segment_address(const struct vcpu_sysregs *sys, unsigned int seg, uint64_t ea,
					  uint64_t size, bool write, uint64_t *la)
{
	ea &= 0xffffffffull;
	if (seg == 1 || seg == 2) {
		*la = ea;
		return !(seg == 1 && write) && ea + size - 1 <= 0xffffffffull;
	}
	unsigned int slot = (unsigned int)sreg_data_slot(seg);
	*la = (data_seg_base(sys, slot) + ea) & 0xffffffffull;
	return desc_allows(sys->data_desc[slot], ea, size, write);
}

struct vcpu_state {
	struct vcpu_regs regs;
	struct vcpu_sysregs sys;
};

enum exec_exit_reason {
	/* The guest executed `syscall`.  regs.rip is the next instruction,
	 * rcx = that address and r11 = rflags, as the instruction defines. */
	EXEC_EXIT_SYSCALL = 1,
	/* The guest executed `int $vector` (other than int3/into).  regs.rip
	 * is the next instruction. */
	EXEC_EXIT_SOFTINT,
	/* An exception: vector, error code (if the vector has one), cr2 for
	 * #PF.  regs.rip is the faulting instruction (the next one for int3).
	 * Nothing has been delivered to the guest. */
	EXEC_EXIT_TRAP,
	/* The guest executed `cpuid` (at any privilege).  regs.rip is at the
	 * instruction; the core supplies the result and advances rip by 2. */
	EXEC_EXIT_CPUID,
	/* vcpu_kick() was called; nothing else happened. */
	EXEC_EXIT_KICKED,
	/* The backend cannot continue this vCPU (triple fault, access to a
	 * frame the VM does not have, unsupported instruction, host error).
	 * detail says what happened; the core crashes the domain. */
	EXEC_EXIT_FATAL,
};

struct exec_exit {
	enum exec_exit_reason reason;
	uint8_t vector;
	bool has_error_code;
	uint32_t error_code;
	uint64_t cr2;
	char detail[160];
};

/* How a backend sees machine memory: the core's mapping of the memfd. */
struct exec_machine {
	uint8_t *base;      /* MFN n is at base + n * 4096 */
	uint64_t nr_frames; /* frames in the machine (including holes) */
	int memfd;          /* the memfd behind base */
};

struct exec_backend {
	const char *name;
	/* Runs compatibility-mode code (32-bit PV guests, CPL 1 and 3). */
	bool runs_compat;
	/* Clear the CPUID feature bits of leaf/subleaf this backend cannot
	 * execute (NULL: the CPU runs the guest and has them all). */
	void (*cpuid_filter)(uint32_t leaf, uint32_t subleaf, uint32_t out[4]);
	/* 0 if this backend can run on this host, else -errno (and a reason). */
	int (*probe)(char *why, size_t whylen);
	int (*vm_create)(const struct exec_machine *m, struct exec_vm **out);
	void (*vm_destroy)(struct exec_vm *vm);
	/* Let the VM reach frames [mfn, mfn + count) / take them away again. */
	int (*map_frames)(struct exec_vm *vm, uint64_t mfn, uint64_t count);
	int (*unmap_frames)(struct exec_vm *vm, uint64_t mfn, uint64_t count);
	int (*vcpu_create)(struct exec_vm *vm, unsigned int id, struct exec_vcpu **out);
	void (*vcpu_destroy)(struct exec_vcpu *v);
	/* The vCPU's state, readable and writable by the core between runs. */
	struct vcpu_state *(*vcpu_state)(struct exec_vcpu *v);
	/* Run until the next exit; 0 with *exit filled, or -errno on a host error. */
	int (*vcpu_run)(struct exec_vcpu *v, struct exec_exit *exit);
	/* Make a current or the next vcpu_run() return EXEC_EXIT_KICKED soon. */
	void (*vcpu_kick)(struct exec_vcpu *v);
	/* Forget cached translations of this vCPU (after page-table changes). */
	void (*flush_tlb)(struct exec_vcpu *v);
	/* The vCPU's TSC as the guest reads it now, minus the host's; NULL
	 * where the guest reads the host's TSC.  (KVM moves a vCPU's TSC
	 * when the host's is unstable.)  Called on the vCPU's own thread. */
	int64_t (*guest_tsc_offset)(struct exec_vcpu *v);
	/* The entries this backend needs in L4 slots 256..271 (the range Xen
	 * reserves) of every top-level table; 0 where it needs none.  The core
	 * writes them when it validates an L4, before any vCPU uses it. */
	void (*reserved_l4_entries)(struct exec_vm *vm, uint64_t entries[16]);
};

extern const struct exec_backend exec_backend_kvm;
extern const struct exec_backend exec_backend_emu;

/* x86 exception vectors the core and backends name. */
enum {
	X86_EXC_DE = 0, X86_EXC_DB = 1, X86_EXC_NMI = 2, X86_EXC_BP = 3,
	X86_EXC_OF = 4, X86_EXC_BR = 5, X86_EXC_UD = 6, X86_EXC_NM = 7,
	X86_EXC_DF = 8, X86_EXC_TS = 10, X86_EXC_NP = 11, X86_EXC_SS = 12,
	X86_EXC_GP = 13, X86_EXC_PF = 14, X86_EXC_MF = 16, X86_EXC_AC = 17,
	X86_EXC_MC = 18, X86_EXC_XM = 19,
};

/* #PF error code bits. */
#define X86_PFEC_PRESENT (1u << 0)
#define X86_PFEC_WRITE (1u << 1)
#define X86_PFEC_USER (1u << 2)
#define X86_PFEC_RSVD (1u << 3)
#define X86_PFEC_FETCH (1u << 4)

#define X86_CR0_TS (1ull << 3)

/* DR6 and DR7 as the architecture resets them; DR6's B0-B3 and BS. */
#define X86_DR6_DEFAULT 0xffff0ff0ull
#define X86_DR7_DEFAULT 0x400ull
#define X86_DR6_BS (1ull << 14)

#define X86_RFLAGS_CF (1ull << 0)
#define X86_RFLAGS_FIXED (1ull << 1)
#define X86_RFLAGS_PF (1ull << 2)
#define X86_RFLAGS_AF (1ull << 4)
#define X86_RFLAGS_ZF (1ull << 6)
#define X86_RFLAGS_SF (1ull << 7)
#define X86_RFLAGS_TF (1ull << 8)
#define X86_RFLAGS_IF (1ull << 9)
#define X86_RFLAGS_DF (1ull << 10)
#define X86_RFLAGS_OF (1ull << 11)
#define X86_RFLAGS_IOPL (3ull << 12)
#define X86_RFLAGS_RF (1ull << 16)
#define X86_RFLAGS_AC (1ull << 18)
#define X86_RFLAGS_ID (1ull << 21)

#endif
