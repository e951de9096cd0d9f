/* KVM backend: vCPUs, running them, and turning exits into core events. */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "hv/console.h"
#include "hv/guest_walk.h"
#include "kvm_internal.h"

#define MSR_IA32_TSC 0x10
#define MSR_SYSENTER_CS 0x174
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_FMASK 0xc0000084
#define MSR_KERNEL_GS_BASE 0xc0000102
#define MSR_MISC_FEATURES_ENABLES 0x140
#define MISC_FEATURES_CPUID_FAULTING 1ull

#define KICK_SIGNAL SIGUSR1

static _Thread_local struct kvm_run *current_run;
static pthread_once_t signal_once = PTHREAD_ONCE_INIT;

/* A kick interrupts KVM_RUN: the ioctl returns EINTR, or, if the signal
 * lands just before it, immediate_exit makes it return at once. */
static void kick_handler(int sig)
{
	(void)sig;
	if (current_run)
		current_run->immediate_exit = 1;
}

static void install_kick_handler(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = kick_handler;
	sigemptyset(&sa.sa_mask);
	sigaction(KICK_SIGNAL, &sa, NULL);
}

static int set_msrs(struct exec_vcpu *v, const uint32_t *index, const uint64_t *value, unsigned int n)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[8];
	} m;
	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = n;
	for (unsigned int i = 0; i < n; i++) {
		m.e[i].index = index[i];
		m.e[i].data = value[i];
	}
	int rc = ioctl(v->fd, KVM_SET_MSRS, &m);
	return rc == (int)n ? 0 : -EINVAL;
}

static uint64_t host_tsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

int64_t kvm_guest_tsc_offset(struct exec_vcpu *v)
{
	struct {
		struct kvm_msrs hdr;
		struct kvm_msr_entry e[1];
	} m;
	memset(&m, 0, sizeof(m));
	m.hdr.nmsrs = 1;
	m.e[0].index = MSR_IA32_TSC;
	uint64_t before = host_tsc();
	int rc = ioctl(v->fd, KVM_GET_MSRS, &m);
	uint64_t after = host_tsc();
	if (rc != 1)
		return 0;
	return (int64_t)(m.e[0].data - (before + (after - before) / 2));
}

/* The guest's segments: 64-bit code at CPL 3, or 32-bit (compatibility
 * mode) code at the vCPU's CPL (1 for a 32-bit kernel, 3 for its user
 * code, and for a 64-bit guest's 32-bit user processes), with the data
 * segments at the same privilege.  The CPU takes the CPL from SS's DPL. */
static struct kvm_segment guest_code(const struct vcpu_sysregs *sys)
{
	if (!sys->compat)
		return (struct kvm_segment){ .selector = SEL_GUEST_CS, .limit = 0xffffffff, .type = 11,
					     .present = 1, .dpl = 3, .s = 1, .l = 1, .g = 1 };
	uint16_t sel = sys->compat_in_pv64 ? SEL_GUEST_CS32 : sys->cpl == 3 ? SEL_COMPAT_RING3_CS : SEL_COMPAT_RING1_CS;
	return (struct kvm_segment){ .selector = sel, .limit = 0xffffffff, .type = 11, .present = 1, .dpl = sys->cpl,
				     .s = 1, .db = 1, .g = 1 };
}

static struct kvm_segment guest_data(const struct vcpu_sysregs *sys)
{
	if (!sys->compat || sys->compat_in_pv64)
		return (struct kvm_segment){ .selector = SEL_GUEST_DS, .limit = 0xffffffff, .type = 3,
					     .present = 1, .dpl = 3, .s = 1, .db = 1, .g = 1 };
	return (struct kvm_segment){ .selector = sys->cpl == 3 ? SEL_COMPAT_RING3_DS : SEL_COMPAT_RING1_DS,
				     .limit = 0xffffffff, .type = 3, .present = 1, .dpl = sys->cpl, .s = 1,
				     .db = 1, .g = 1 };
}

/* A 64-bit guest's data segment as it loaded it: null, or a flat data
 * segment under its own selector (in 64-bit mode only the selector, the
 * null-ness and the FS/GS bases matter, and load_state sets the bases). */
static struct kvm_segment loaded_data(uint16_t sel)
{
	if (!(sel & ~3u))
		return (struct kvm_segment){ .selector = sel, .unusable = 1 };
	return (struct kvm_segment){ .selector = sel, .limit = 0xffffffff, .type = 3, .present = 1, .dpl = 3,
				     .s = 1, .db = 1, .g = 1 };
}

/* A data segment register of compatibility-mode code: the guest's
 * selector over the descriptor it loaded (hv/descriptor.h), unusable when
 * null. */
static struct kvm_segment loaded_descriptor(uint16_t sel, uint64_t desc, uint64_t base)
{
	if (!(desc & DESC_P))
		return (struct kvm_segment){ .selector = sel, .unusable = 1 };
	return (struct kvm_segment){ .base = base, .limit = desc_limit(desc), .selector = sel,
				     .type = (uint8_t)((desc | DESC_ACCESSED) >> 40 & 15), .present = 1,
				     .dpl = (uint8_t)desc_dpl(desc), .db = !!(desc & DESC_DB), .s = 1,
				     .g = !!(desc & DESC_G) };
}

/* The descriptor a data segment register holds, as the core keeps it. */
static uint64_t held_descriptor(const struct kvm_segment *seg)
{
	if (seg->unusable || !seg->present)
		return 0;
	uint8_t access = (uint8_t)(seg->type | seg->s << 4 | seg->dpl << 5 | 0x80);
	uint8_t flags = (uint8_t)(seg->avl | seg->l << 1 | seg->db << 2 | seg->g << 3);
	return desc_make((uint32_t)seg->base, seg->g ? seg->limit >> 12 : seg->limit, access, flags);
}

/* The modes the segments above describe. */
static bool mode_supported(const struct vcpu_sysregs *sys)
{
	if (sys->compat && !sys->compat_in_pv64)
		return sys->cpl == 1 || sys->cpl == 3;
	return sys->cpl == 3;
}

/* Registers hold 32-bit values after compatibility-mode code. */
static uint64_t mode_mask(const struct exec_vcpu *v)
{
	return v->state.sys.compat ? 0xffffffffull : ~0ull;
}

static void init_tss(struct exec_vm *vm, unsigned int id)
{
	unsigned int first = HVA_PG_VCPU + id * HVA_VCPU_PAGES;
	uint8_t *tss = kvm_area_page(vm, first);
	uint64_t stack_top = kvm_area_va(first + HVA_VCPU_PAGES);
	memset(tss, 0, TSS_IOMAP_OFFSET);
	memcpy(tss + 4, &stack_top, 8); /* rsp0 */
	uint16_t iomap = TSS_IOMAP_OFFSET;
	memcpy(tss + 102, &iomap, 2);
	/* Every port denied but the two the stub and trampoline use. */
	uint8_t *bitmap = tss + TSS_IOMAP_OFFSET;
	memset(bitmap, 0xff, 8192 + 1);
	bitmap[KVM_STUB_PORT / 8] &= (uint8_t)~(1u << (KVM_STUB_PORT % 8));
	bitmap[KVM_SYSCALL_PORT / 8] &= (uint8_t)~(1u << (KVM_SYSCALL_PORT % 8));
}

static struct kvm_sregs base_sregs_for(struct exec_vm *vm, unsigned int id, const struct kvm_sregs *now)
{
	struct kvm_sregs s = *now;
	const struct vcpu_sysregs native = { .cpl = 3 };
	s.cs = guest_code(&native);
	s.ss = s.ds = s.es = s.fs = s.gs = guest_data(&native);
	s.tr = (struct kvm_segment){ .base = kvm_area_va(HVA_PG_VCPU + id * HVA_VCPU_PAGES),
				     .limit = TSS_LIMIT, .selector = (uint16_t)(SEL_TSS_BASE + 16 * id),
				     .type = 11, .present = 1 };
	s.ldt = (struct kvm_segment){ .type = 2, .unusable = 1 };
	s.gdt.base = kvm_area_va(HVA_PG_GDT);
	s.gdt.limit = HVA_GDT_PAGES * 4096 - 1;
	s.idt.base = kvm_area_va(HVA_PG_IDT);
	s.idt.limit = 256 * 16 - 1;
	(void)vm;
	return s;
}

int kvm_vcpu_create(struct exec_vm *vm, unsigned int id, struct exec_vcpu **out)
{
	if (id >= KVM_MAX_VCPUS)
		return -EINVAL;
	pthread_once(&signal_once, install_kick_handler);
	struct exec_vcpu *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->id = id;
	v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (v->fd < 0)
		goto fail;
	v->run_size = (size_t)kvm_run_size;
	v->run = mmap(NULL, v->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
	if (v->run == MAP_FAILED) {
		v->run = NULL;
		goto fail;
	}
	if (vm->cpuid && ioctl(v->fd, KVM_SET_CPUID2, vm->cpuid) < 0)
		goto fail;
	init_tss(vm, id);
	struct kvm_sregs now;
	if (ioctl(v->fd, KVM_GET_SREGS, &now) < 0)
		goto fail;
	v->run->s.regs.sregs = base_sregs_for(vm, id, &now);

	/* SYSENTER_CS 0: sysenter faults (#GP(0) on Intel, #UD on AMD in
	 * long mode; decode_trap reports what the emu backend reports). */
	uint32_t idx[] = { MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_FMASK, MSR_SYSENTER_CS };
	uint64_t val[] = { (uint64_t)SEL_HV_CS << 32, kvm_area_va(HVA_PG_TRAMPOLINE),
			   kvm_area_va(HVA_PG_TRAMPOLINE) + HVA_CSTAR_OFFSET, 1ull << 8 /* TF */, 0 };
	if (set_msrs(v, idx, val, 5))
		goto fail;
	/* With CPUID faulting the guest's cpuid traps to us, so PV guests see
	 * the hypervisor's CPUID policy on every KVM. */
	uint32_t misc = MSR_MISC_FEATURES_ENABLES;
	uint64_t faulting = MISC_FEATURES_CPUID_FAULTING;
	v->cpuid_faulting = set_msrs(v, &misc, &faulting, 1) == 0;
	/* The guest's TSC is the host's (KVM starts it at 0): vcpu_time_info
	 * holds host TSC values (xen/arch/x86/time.c).  The write is off by
	 * the ioctl's latency, a few microseconds at most. */
	uint32_t tsc_idx = MSR_IA32_TSC;
	uint64_t tsc = host_tsc();
	set_msrs(v, &tsc_idx, &tsc, 1);
	*out = v;
	return 0;
fail:;
	int rc = errno ? -errno : -EINVAL;
	if (v->run)
		munmap(v->run, v->run_size);
	if (v->fd >= 0)
		close(v->fd);
	free(v);
	return rc;
}

void kvm_vcpu_destroy(struct exec_vcpu *v)
{
	if (!v)
		return;
	munmap(v->run, v->run_size);
	close(v->fd);
	free(v);
}

struct vcpu_state *kvm_vcpu_state(struct exec_vcpu *v)
{
	return &v->state;
}

void kvm_vcpu_kick(struct exec_vcpu *v)
{
	atomic_store(&v->kick, true);
	if (atomic_load(&v->thread_known))
		pthread_kill(atomic_load(&v->thread), KICK_SIGNAL);
}

/* Called on the vCPU's own thread before its next run.  KVM_SET_SREGS is
 * no flush (and a 32-bit vCPU's cr3, its hypervisor-owned L4, never
 * changes when the guest switches L3s), so the vCPU runs the flush
 * routine itself before it goes back to the guest (run_flush). */
void kvm_flush_tlb(struct exec_vcpu *v)
{
	if (v->entered)
		v->flush_pending = true;
}

/* The stub, the trampolines and the flush routine: code of ours, never
 * the guest's. */
static bool in_hypervisor_area(uint64_t rip)
{
	return rip >= kvm_area_va(0) && rip < kvm_area_va(HVA_NR_PAGES);
}

static void load_state(struct exec_vcpu *v)
{
	struct kvm_run *run = v->run;
	const struct vcpu_state *st = &v->state;
	struct kvm_regs *r = &run->s.regs.regs;
	r->rax = st->regs.rax; r->rbx = st->regs.rbx; r->rcx = st->regs.rcx; r->rdx = st->regs.rdx;
	r->rsi = st->regs.rsi; r->rdi = st->regs.rdi; r->rsp = st->regs.rsp; r->rbp = st->regs.rbp;
	r->r8 = st->regs.r8; r->r9 = st->regs.r9; r->r10 = st->regs.r10; r->r11 = st->regs.r11;
	r->r12 = st->regs.r12; r->r13 = st->regs.r13; r->r14 = st->regs.r14; r->r15 = st->regs.r15;
	r->rip = st->regs.rip;
	r->rflags = st->regs.rflags;
	v->entry_rip = st->regs.rip;
	v->entry_rsp = st->regs.rsp;
	v->entry_rflags = st->regs.rflags;
	struct kvm_sregs *s = &run->s.regs.sregs;
	/* Every exit may have left the vCPU in the stub at CPL 0: the guest
	 * is resumed by loading its segments, not by the stub's iret.  This
	 * is also how it changes between 64-bit and compatibility mode and
	 * between CPL 1 and 3: each kind has its GDT and selectors. */
	s->cs = guest_code(&st->sys);
	s->ss = guest_data(&st->sys);
	struct kvm_segment *data[4] = { &s->es, &s->ds, &s->fs, &s->gs };
	for (unsigned int i = 0; i < 4; i++)
		*data[i] = st->sys.compat ? loaded_descriptor(st->sys.data_sel[i], st->sys.data_desc[i],
							       data_seg_base(&st->sys, i))
					  : loaded_data(st->sys.data_sel[i]);
	s->gdt.base = kvm_area_va(st->sys.compat && !st->sys.compat_in_pv64 ? HVA_PG_GDT32 : HVA_PG_GDT);
	s->fs.base = st->sys.fs_base;
	s->gs.base = st->sys.gs_base;
	s->cr0 = st->sys.cr0;
	s->cr2 = st->sys.cr2;
	s->cr3 = st->sys.cr3;
	s->cr4 = st->sys.cr4;
	s->efer = st->sys.efer;
	run->kvm_valid_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS | KVM_SYNC_X86_EVENTS;
	run->kvm_dirty_regs = KVM_SYNC_X86_REGS | KVM_SYNC_X86_SREGS;
}

static void save_state(struct exec_vcpu *v)
{
	const struct kvm_regs *r = &v->run->s.regs.regs;
	struct vcpu_state *st = &v->state;
	st->regs.rax = r->rax; st->regs.rbx = r->rbx; st->regs.rcx = r->rcx; st->regs.rdx = r->rdx;
	st->regs.rsi = r->rsi; st->regs.rdi = r->rdi; st->regs.rsp = r->rsp; st->regs.rbp = r->rbp;
	st->regs.r8 = r->r8; st->regs.r9 = r->r9; st->regs.r10 = r->r10; st->regs.r11 = r->r11;
	st->regs.r12 = r->r12; st->regs.r13 = r->r13; st->regs.r14 = r->r14; st->regs.r15 = r->r15;
	st->regs.rip = r->rip;
	st->regs.rflags = r->rflags;
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	/* Stopped in compatibility-mode guest code (a kick, an emulation
	 * failure): eip and esp are 32 bits.  Stub exits are decoded from
	 * the trap frame instead. */
	if (!s->cs.l && s->cs.dpl != 0) {
		st->regs.rip &= 0xffffffffull;
		st->regs.rsp &= 0xffffffffull;
	}
	st->sys.cr2 = s->cr2;
	st->sys.fs_base = s->fs.base;
	st->sys.gs_base = s->gs.base;
	/* Exceptions, syscall and kicks leave the data segments as the guest
	 * had them (it may have loaded null or flat ones itself, or an iret
	 * to ring 3 nulled some). */
	const struct kvm_segment *data[4] = { &s->es, &s->ds, &s->fs, &s->gs };
	for (unsigned int i = 0; i < 4; i++) {
		st->sys.data_sel[i] = data[i]->selector;
		st->sys.data_desc[i] = held_descriptor(data[i]);
	}
}

struct lookup_ctx {
	struct exec_vm *vm;
};

/* A frame the VM has a slot for, for decoding the guest's instructions. */
static uint8_t *vm_frame(void *ctx, uint64_t mfn)
{
	struct exec_vm *vm = ((struct lookup_ctx *)ctx)->vm;
	uint8_t *p = NULL;
	pthread_mutex_lock(&vm->slots_lock);
	for (size_t i = 0; i < vm->nr_slots; i++)
		if (mfn >= vm->slots[i].gfn && mfn - vm->slots[i].gfn < vm->slots[i].count)
			p = vm->machine->base + (mfn << 12);
	pthread_mutex_unlock(&vm->slots_lock);
	return p;
}

/* Instruction bytes at va, fetched with the privilege of the code that ran
 * there (user: CPL 3). */
static int read_guest_code(struct exec_vcpu *v, uint64_t va, uint8_t *buf, size_t len, bool user)
{
	struct lookup_ctx ctx = { v->vm };
	for (size_t i = 0; i < len; i++) {
		struct walk_result r;
		if (guest_walk(vm_frame, &ctx, v->state.sys.cr3, (va + i) & mode_mask(v),
			       WALK_FETCH | (user ? WALK_USER : 0), false, &r))
			return -1;
		buf[i] = v->vm->machine->base[r.maddr];
	}
	return 0;
}

static bool has_error_code(unsigned int vec)
{
	return vec == 8 || (vec >= 10 && vec <= 14) || vec == 17 || vec == 21 || vec == 29 || vec == 30;
}

/* The guest's debug registers, given to KVM when they changed (an ioctl
 * is costly; they rarely change). */
static int load_debugregs(struct exec_vcpu *v)
{
	const struct vcpu_sysregs *sys = &v->state.sys;
	uint64_t want[6] = { sys->dr[0], sys->dr[1], sys->dr[2], sys->dr[3], sys->dr6, sys->dr7 };
	if (!memcmp(want, v->debugregs_set, sizeof(want)))
		return 0;
	struct kvm_debugregs d = { .db = { want[0], want[1], want[2], want[3] }, .dr6 = want[4], .dr7 = want[5] };
	if (ioctl(v->fd, KVM_SET_DEBUGREGS, &d) < 0)
		return -1;
	memcpy(v->debugregs_set, want, sizeof(want));
	return 0;
}

/* After a #DB: what caused it, in DR6. */
static void save_dr6(struct exec_vcpu *v)
{
	struct kvm_debugregs d;
	if (ioctl(v->fd, KVM_GET_DEBUGREGS, &d) == 0) {
		v->state.sys.dr6 = d.dr6;
		v->debugregs_set[4] = d.dr6;
	}
}

/* The stub left [vector, error, rip, cs, rflags, rsp, ss] on the vCPU's stack. */
static int decode_trap(struct exec_vcpu *v, struct exec_exit *e)
{
	unsigned int first = HVA_PG_VCPU + v->id * HVA_VCPU_PAGES;
	uint64_t stack_lo = kvm_area_va(first + HVA_VCPU_PAGES - 1);
	uint64_t rsp = v->run->s.regs.regs.rsp;
	if (rsp < stack_lo || rsp + 7 * 8 > stack_lo + 4096) {
		snprintf(e->detail, sizeof(e->detail), "kvm: stub exit with a bad stack (%#llx)",
			 (unsigned long long)rsp);
		e->reason = EXEC_EXIT_FATAL;
		return 0;
	}
	uint64_t frame[7];
	memcpy(frame, kvm_area_page(v->vm, first + HVA_VCPU_PAGES - 1) + (rsp - stack_lo), sizeof(frame));
	unsigned int vec = (unsigned int)frame[0] & 0xff;
	unsigned int rpl = (unsigned int)frame[3] & 3;
	if (v->nr_exit_notes) {
		struct kvm_exit_note *note = &v->exit_notes[(v->nr_exit_notes - 1) % KVM_EXIT_NOTES];
		note->trap = true;
		note->vector = (uint8_t)vec;
		note->error = frame[1];
		note->guest_rip = frame[2];
	}
	if (vec == X86_EXC_DB)
		save_dr6(v);
	bool compat = v->state.sys.compat;
	v->state.regs.rip = frame[2] & mode_mask(v);
	v->state.regs.rflags = frame[4];
	v->state.regs.rsp = frame[5] & mode_mask(v);
	if (rpl == 0) {
		snprintf(e->detail, sizeof(e->detail), "kvm: vector %u taken in the hypervisor area at %#llx",
			 vec, (unsigned long long)frame[2]);
		e->reason = EXEC_EXIT_FATAL;
		return 0;
	}
	/* int $0x82 from CPL 1 and int $0x80 through their gates (hardware
	 * KVM): rip is already past the instruction. */
	if (vec == KVM_HYPERCALL32_VECTOR || vec == KVM_INT80_VECTOR) {
		e->reason = EXEC_EXIT_SOFTINT;
		e->vector = (uint8_t)vec;
		return 0;
	}

	uint8_t insn[2] = { 0, 0 };
	bool have_insn = read_guest_code(v, v->state.regs.rip, insn, 2, rpl == 3) == 0;
	/* Other software interrupts: #UD at `int n` under kvm_pvm, #GP(n<<3|2)
	 * through a gate of lower DPL elsewhere; QEMU's emulated CPU reports
	 * the gate's byte offset in the 64-bit IDT instead (n<<4|2). */
	uint64_t idt_error = ((uint64_t)insn[1] << 3) | 2, qemu_idt_error = ((uint64_t)insn[1] << 4) | 2;
	if (have_insn && insn[0] == 0xcd &&
	    (vec == 6 || (vec == 13 && (frame[1] == idt_error || frame[1] == qemu_idt_error)))) {
		e->reason = EXEC_EXIT_SOFTINT;
		e->vector = insn[1];
		v->state.regs.rip = (v->state.regs.rip + 2) & mode_mask(v);
		return 0;
	}
	/* sysenter: what the emu backend reports (#GP(0) in compatibility
	 * mode, as Intel does with SYSENTER_CS 0; #UD in 64-bit mode, as
	 * AMD and kvm_pvm do), whichever of the two the CPU raised. */
	if (have_insn && insn[0] == 0x0f && insn[1] == 0x34 && (vec == 6 || (vec == 13 && frame[1] == 0))) {
		e->reason = EXEC_EXIT_TRAP;
		e->vector = compat ? X86_EXC_GP : X86_EXC_UD;
		e->has_error_code = compat;
		return 0;
	}
	/* syscall in compatibility mode is #UD on Intel (and kvm_pvm), AMD
	 * goes through CSTAR: complete it as AMD does, as the emu backend. */
	if (compat && vec == 6 && have_insn && insn[0] == 0x0f && insn[1] == 0x05) {
		v->state.regs.r11 = v->state.regs.rflags;
		v->state.regs.rcx = (v->state.regs.rip + 2) & mode_mask(v);
		v->state.regs.rip = v->state.regs.rcx;
		e->reason = EXEC_EXIT_SYSCALL;
		return 0;
	}
	if (vec == 13 && frame[1] == 0 && have_insn && insn[0] == 0x0f && insn[1] == 0xa2 &&
	    v->cpuid_faulting) {
		e->reason = EXEC_EXIT_CPUID;
		return 0;
	}
	e->reason = EXEC_EXIT_TRAP;
	e->vector = (uint8_t)vec;
	e->has_error_code = has_error_code(vec);
	e->error_code = (uint32_t)frame[1];
	if (vec == 14) {
		e->cr2 = v->run->s.regs.sregs.cr2;
		v->state.sys.cr2 = e->cr2;
	}
	return 0;
}

static void fatal(struct exec_exit *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fatal(struct exec_exit *e, const char *fmt, ...)
{
	va_list ap;
	e->reason = EXEC_EXIT_FATAL;
	va_start(ap, fmt);
	vsnprintf(e->detail, sizeof(e->detail), fmt, ap);
	va_end(ap);
}

/*
 * kvm_pvm only, and untested (no kvm_pvm host can run this backend yet):
 * emulated guest code (CPL 1, compatibility mode) that executes `int $n`
 * or `int3` ends in an emulation failure with rip at the instruction and,
 * usually, its bytes in the exit.  Turn those into the exits hardware
 * gives; anything else stays fatal.  True if e was filled.
 */
static bool decode_emulation_failure(struct exec_vcpu *v, struct exec_exit *e)
{
	const struct kvm_run *run = v->run;
	if (run->emulation_failure.suberror != KVM_INTERNAL_ERROR_EMULATION || run->s.regs.sregs.cs.dpl == 0)
		return false;
	uint8_t insn[2] = { 0, 0 };
	if (run->emulation_failure.ndata >= 3 &&
	    (run->emulation_failure.flags & KVM_INTERNAL_ERROR_EMULATION_FLAG_INSTRUCTION_BYTES) &&
	    run->emulation_failure.insn_size >= 1)
		memcpy(insn, run->emulation_failure.insn_bytes, 2);
	else if (read_guest_code(v, v->state.regs.rip, insn, 2, run->s.regs.sregs.cs.dpl == 3))
		return false;
	unsigned int len;
	if (insn[0] == 0xcc) {
		len = 1;
	} else if (insn[0] == 0xcd) {
		len = 2;
	} else {
		return false;
	}
	v->state.regs.rip = (v->state.regs.rip + len) & mode_mask(v);
	if (insn[0] == 0xcc || insn[1] == X86_EXC_BP) {
		e->reason = EXEC_EXIT_TRAP;
		e->vector = X86_EXC_BP;
	} else {
		e->reason = EXEC_EXIT_SOFTINT;
		e->vector = insn[1];
	}
	return true;
}

static void note_exit(struct exec_vcpu *v, const char *run, int rc)
{
	const struct kvm_run *r = v->run;
	v->exit_notes[v->nr_exit_notes++ % KVM_EXIT_NOTES] = (struct kvm_exit_note){
		.run = run, .rc = rc, .reason = r->exit_reason,
		.port = r->exit_reason == KVM_EXIT_IO ? r->io.port : 0,
		.cs = r->s.regs.sregs.cs.selector, .rip = r->s.regs.regs.rip, .cr3 = r->s.regs.sregs.cr3,
		.rax = r->s.regs.regs.rax };
}

/* The entry of a page table's L4 slot that maps the hypervisor area. */
static uint64_t hva_l4_entry(const struct exec_vcpu *v, uint64_t cr3, bool *found)
{
	uint64_t entry = 0;
	uint8_t *table = vm_frame(&(struct lookup_ctx){ v->vm }, cr3 >> 12);
	*found = table != NULL;
	if (table)
		memcpy(&entry, table + HVA_L4_SLOT * 8, 8);
	return entry;
}

/* What is known when KVM gives up on a vCPU (a triple fault, a flush that
 * did not finish): the registers KVM reports (after a triple fault SVM
 * has already reset them), the hypervisor area's entry in the tables the
 * vCPU was given, and the last runs. */
static void log_cpu_state(const struct exec_vcpu *v, const char *what)
{
	const struct kvm_regs *r = &v->run->s.regs.regs;
	const struct kvm_sregs *s = &v->run->s.regs.sregs;
	bool found;
	uint64_t entry = hva_l4_entry(v, v->state.sys.cr3, &found);
	printk("kvm: vCPU %u %s: rip %#llx rsp %#llx cs %#x cr0 %#llx cr3 %#llx cr4 %#llx efer %#llx; "
	       "its tables %#llx: L4 slot %u %#llx%s\n",
	       v->id, what, (unsigned long long)r->rip, (unsigned long long)r->rsp, s->cs.selector,
	       (unsigned long long)s->cr0, (unsigned long long)s->cr3, (unsigned long long)s->cr4,
	       (unsigned long long)s->efer, (unsigned long long)v->state.sys.cr3, HVA_L4_SLOT,
	       (unsigned long long)entry, found ? "" : " (not a frame of the VM)");
	printk("kvm: vCPU %u was last entered at rip %#llx rsp %#llx rflags %#llx (%s, cpl %u)\n", v->id,
	       (unsigned long long)v->entry_rip, (unsigned long long)v->entry_rsp,
	       (unsigned long long)v->entry_rflags, v->state.sys.compat ? "compatibility mode" : "64-bit",
	       v->state.sys.cpl);
	unsigned int n = v->nr_exit_notes < KVM_EXIT_NOTES ? v->nr_exit_notes : KVM_EXIT_NOTES;
	for (unsigned int i = n; i > 0; i--) {
		const struct kvm_exit_note *e = &v->exit_notes[(v->nr_exit_notes - i) % KVM_EXIT_NOTES];
		char trap[80] = "";
		if (e->trap)
			snprintf(trap, sizeof(trap), ", vector %u error %#llx at %#llx", e->vector,
				 (unsigned long long)e->error, (unsigned long long)e->guest_rip);
		printk("kvm: vCPU %u, %u runs before: %s run, rc %d, exit %u port %#x, rip %#llx cs %#x cr3 %#llx "
		       "rax %#llx%s\n",
		       v->id, i - 1, e->run, e->rc, e->reason, e->port, (unsigned long long)e->rip, e->cs,
		       (unsigned long long)e->cr3, (unsigned long long)e->rax, trap);
	}
}

/* KVM_RUN gave up because of a kick: EINTR from the signal, or EAGAIN
 * from immediate_exit set just before the ioctl. */
static bool run_kicked(int rc, int err)
{
	return rc < 0 && (err == EINTR || err == EAGAIN);
}

/* Run the flush routine at CPL 0 on the guest's page tables (every one
 * maps the area).  0 when done; 1 with *e filled (a kick, or fatal).  No
 * register is saved from this run: load_state rewrites them all. */
static int run_flush(struct exec_vcpu *v, struct exec_exit *e)
{
	load_state(v);
	struct kvm_regs *r = &v->run->s.regs.regs;
	struct kvm_sregs *s = &v->run->s.regs.sregs;
	r->rip = kvm_area_va(HVA_PG_FLUSH);
	r->rflags = X86_RFLAGS_FIXED; /* IF clear: nothing is injected */
	r->rsp = kvm_area_va(HVA_PG_VCPU + (v->id + 1) * HVA_VCPU_PAGES);
	s->cs = (struct kvm_segment){ .selector = SEL_HV_CS, .limit = 0xffffffff, .type = 11, .present = 1,
				      .s = 1, .l = 1, .g = 1 };
	s->ss = s->ds = s->es = (struct kvm_segment){ .selector = SEL_HV_DS, .limit = 0xffffffff, .type = 3,
						      .present = 1, .s = 1, .db = 1, .g = 1 };
	int rc = ioctl(v->fd, KVM_RUN, 0);
	int err = errno;
	v->run->immediate_exit = 0;
	note_exit(v, "flush", rc < 0 ? -err : rc);
	if (run_kicked(rc, err)) {
		atomic_store(&v->kick, false);
		e->reason = EXEC_EXIT_KICKED;
		return 1;
	}
	if (rc < 0) {
		fatal(e, "kvm: the TLB flush run failed: %s", strerror(err));
		return 1;
	}
	if (v->run->exit_reason != KVM_EXIT_IO || v->run->io.port != KVM_FLUSH_PORT) {
		log_cpu_state(v, "did not finish the TLB flush");
		fatal(e, "kvm: the TLB flush routine ended with exit reason %u", v->run->exit_reason);
		return 1;
	}
	v->flush_pending = false;
	return 0;
}

int kvm_vcpu_run(struct exec_vcpu *v, struct exec_exit *e)
{
	memset(e, 0, sizeof(*e));
	if (!atomic_load(&v->thread_known)) {
		atomic_store(&v->thread, pthread_self());
		atomic_store(&v->thread_known, true);
	}
	current_run = v->run;
	if (atomic_exchange(&v->kick, false)) {
		e->reason = EXEC_EXIT_KICKED;
		return 0;
	}
	if (!mode_supported(&v->state.sys)) {
		fatal(e, "kvm: cpl %u is not supported in %s mode", v->state.sys.cpl,
		      v->state.sys.compat ? "compatibility" : "64-bit");
		return 0;
	}
	if (v->state.sys.kernel_gs_base != v->kernel_gs_base_set) {
		uint32_t idx = MSR_KERNEL_GS_BASE;
		if (set_msrs(v, &idx, &v->state.sys.kernel_gs_base, 1) == 0)
			v->kernel_gs_base_set = v->state.sys.kernel_gs_base;
	}
	if (v->flush_pending && run_flush(v, e))
		return 0;
	if (load_debugregs(v)) {
		fatal(e, "kvm: KVM_SET_DEBUGREGS failed: %s", strerror(errno));
		return 0;
	}
	load_state(v);
	v->entered = true;
	int rc, err;
	for (const char *run = "guest";; run = "guest again") {
		rc = ioctl(v->fd, KVM_RUN, 0);
		err = errno;
		v->run->immediate_exit = 0;
		note_exit(v, run, rc < 0 ? -err : rc);
		bool interrupted = run_kicked(rc, err) || (rc == 0 && v->run->exit_reason == KVM_EXIT_INTR);
		const struct kvm_vcpu_events *ev = &v->run->s.regs.events;
		bool delivering = ev->exception.injected || ev->exception.pending;
		if (!interrupted || !(delivering || in_hypervisor_area(v->run->s.regs.regs.rip)))
			break;
		/* A kick stopped the vCPU between the guest's syscall or
		 * exception and the `out` that reports it: the guest's state
		 * is half in the stub's frame, in rcx/r11, or in an exception
		 * KVM has yet to deliver to the stub, not in the registers.
		 * Let the hypervisor code finish from where it is (nothing
		 * loaded, or the core could move the guest under an exception
		 * KVM then delivers at the wrong place) and keep the kick for
		 * the next run. */
		atomic_store(&v->kick, true);
		v->run->kvm_dirty_regs = 0;
	}
	if (run_kicked(rc, err)) {
		save_state(v);
		atomic_store(&v->kick, false);
		e->reason = EXEC_EXIT_KICKED;
		return 0;
	}
	if (rc < 0)
		return -err;
	save_state(v);

	struct kvm_run *run = v->run;
	switch (run->exit_reason) {
	case KVM_EXIT_IO:
		if (run->io.port == KVM_STUB_PORT)
			return decode_trap(v, e);
		if (run->io.port == KVM_SYSCALL_PORT || run->io.port == KVM_SYSCALL32_PORT) {
			/* LSTAR from 64-bit code, CSTAR from compatibility mode. */
			if ((run->io.port == KVM_SYSCALL32_PORT) != v->state.sys.compat) {
				fatal(e, "kvm: syscall through %s from %s mode",
				      run->io.port == KVM_SYSCALL32_PORT ? "CSTAR" : "LSTAR",
				      v->state.sys.compat ? "compatibility" : "64-bit");
				return 0;
			}
			/* rcx holds the return address, r11 the flags. */
			v->state.regs.rip = v->state.regs.rcx & mode_mask(v);
			v->state.regs.rsp &= mode_mask(v);
			e->reason = EXEC_EXIT_SYSCALL;
			return 0;
		}
		fatal(e, "kvm: unexpected I/O to port %#x", run->io.port);
		return 0;
	case KVM_EXIT_MMIO:
		fatal(e, "kvm: guest access to machine address %#llx outside its memory",
		      (unsigned long long)run->mmio.phys_addr);
		return 0;
	case KVM_EXIT_SHUTDOWN:
		log_cpu_state(v, "triple fault");
		fatal(e, "kvm: triple fault");
		return 0;
	case KVM_EXIT_INTERNAL_ERROR:
		if (decode_emulation_failure(v, e))
			return 0;
		fatal(e, "kvm: internal error, suberror %u", run->internal.suberror);
		return 0;
	case KVM_EXIT_FAIL_ENTRY:
		fatal(e, "kvm: entry failed, hardware reason %#llx",
		      (unsigned long long)run->fail_entry.hardware_entry_failure_reason);
		return 0;
	case KVM_EXIT_INTR:
		e->reason = EXEC_EXIT_KICKED;
		return 0;
	case KVM_EXIT_HLT:
		fatal(e, "kvm: the stub halted");
		return 0;
	default:
		fatal(e, "kvm: unexpected exit reason %u", run->exit_reason);
		return 0;
	}
}
