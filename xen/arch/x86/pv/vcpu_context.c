/* Setting and reading a PV vCPU's context: struct vcpu_guest_context, or
 * struct compat_vcpu_guest_context for a 32-bit guest. */
#include <errno.h>
#include <string.h>

#include "hv/arch.h"
#include "hv/guest_walk.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/callback.h"
#include "public/compat/x86_32.h"
#include "public/xen.h"

#define RFLAGS_VM (1ull << 17)

#define CR4_PAE (1ull << 5)
#define CR4_MCE (1ull << 6)
#define CR4_OSFXSR (1ull << 9)
#define CR4_OSXMMEXCPT (1ull << 10)

uint64_t pv_fixup_guest_cr4(const struct vcpu *v, uint64_t val)
{
	(void)val; /* no guest-chosen bit is offered (see pv.h) */
	return hv->backend->vcpu_state(v->exec)->sys.cr4 & (CR4_PAE | CR4_MCE | CR4_OSFXSR | CR4_OSXMMEXCPT);
}

uint64_t pv_sanitize_rflags(uint64_t rflags)
{
	return (rflags & PV_GUEST_RFLAGS) | X86_RFLAGS_IF | X86_RFLAGS_FIXED;
}

void arch_vcpu_reset(struct vcpu *v)
{
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	memset(st, 0, sizeof(*st));
	st->regs.rflags = X86_RFLAGS_IF | X86_RFLAGS_FIXED;
	/* 64-bit PV kernels run at CPL 3; 32-bit ones in ring 1, as in Xen. */
	st->sys.compat = domain_is_pv32(v->domain);
	st->sys.cpl = st->sys.compat ? 1 : 3;
	/* What Xen's builders give a 64-bit vCPU's data segments. */
	for (unsigned int i = 0; i < 4; i++)
		st->sys.data_sel[i] = st->sys.compat ? 0 : FLAT_KERNEL_DS64;
	v->code_sel = st->sys.compat ? COMPAT_FLAT_KERNEL_CS : FLAT_KERNEL_CS;
	v->stack_sel = st->sys.compat ? COMPAT_FLAT_KERNEL_SS : FLAT_KERNEL_SS;
	/* PE, MP, ET, NE, WP, PG: what a PV guest's CR0 reads as. */
	st->sys.cr0 = 0x80050033;
	st->sys.cr4 = 0x6a0; /* PAE, PGE, OSFXSR, OSXMMEXCPT */
	st->sys.efer = 0xd01; /* SCE, LME, LMA, NXE */
	st->sys.dr6 = X86_DR6_DEFAULT;
	st->sys.dr7 = X86_DR7_DEFAULT;
	v->guest_cr4 = pv_fixup_guest_cr4(v, 0);
}

/* What a vCPU context sets, read from either guest width's layout. */
struct context_values {
	struct vcpu_regs regs;
	uint64_t flags, vm_assist;
	uint64_t cr0; /* only TS is taken from it */
	uint64_t cr3_mfn, user_cr3_mfn; /* user: 0 for none */
	uint16_t data_sel[4]; /* es, ds, fs, gs */
	uint64_t fs_base, gs_base_kernel, gs_base_user;
	/* The virtual IDT (one of the two, by the guest's width), callbacks
	 * (with their code selectors for a 32-bit guest) and kernel stack to
	 * take over. */
	const struct trap_info *traps;
	const struct compat_trap_info *compat_traps;
	uint64_t kernel_ss, kernel_sp;
	uint64_t event_callback, failsafe_callback, syscall_callback;
	uint16_t event_callback_cs, failsafe_callback_cs;
	/* Descriptor tables: GDT frames (the first of FIRST_RESERVED_GDT_PAGE
	 * that gdt_ents needs) and the LDT. */
	uint64_t gdt_frames[FIRST_RESERVED_GDT_PAGE];
	uint64_t gdt_ents, ldt_base, ldt_ents;
	uint64_t debugreg[8];
};

/* The GDT frames a context of either width names. */
#define READ_DESCRIPTOR_TABLES(c, cv)                                               \
	do {                                                                        \
		for (unsigned int i_ = 0; i_ < FIRST_RESERVED_GDT_PAGE; i_++)        \
			(cv)->gdt_frames[i_] = (c)->gdt_frames[i_];                  \
		(cv)->gdt_ents = (c)->gdt_ents;                                     \
		(cv)->ldt_base = (c)->ldt_base;                                     \
		(cv)->ldt_ents = (c)->ldt_ents;                                     \
		for (unsigned int i_ = 0; i_ < 8; i_++)                             \
			(cv)->debugreg[i_] = (c)->debugreg[i_];                      \
	} while (0)

/* The data selectors of either width's registers, in data_sel order. */
#define READ_DATA_SELECTORS(r, cv)                                                   \
	do {                                                                        \
		(cv)->data_sel[0] = (r)->es;                                        \
		(cv)->data_sel[1] = (r)->ds;                                        \
		(cv)->data_sel[2] = (r)->fs;                                        \
		(cv)->data_sel[3] = (r)->gs;                                        \
	} while (0)

static void read_native(const struct vcpu_guest_context *c, struct context_values *cv)
{
	const struct cpu_user_regs *r = &c->user_regs;
	cv->regs = (struct vcpu_regs){
		.rax = r->rax, .rcx = r->rcx, .rdx = r->rdx, .rbx = r->rbx,
		.rsp = r->rsp, .rbp = r->rbp, .rsi = r->rsi, .rdi = r->rdi,
		.r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11,
		.r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
		.rip = r->rip, .rflags = r->rflags,
	};
	READ_DATA_SELECTORS(r, cv);
	cv->flags = c->flags;
	cv->vm_assist = c->vm_assist;
	cv->cr0 = c->ctrlreg[0];
	cv->cr3_mfn = xen_cr3_to_pfn(c->ctrlreg[3]);
	cv->user_cr3_mfn = xen_cr3_to_pfn(c->ctrlreg[1]);
	cv->fs_base = c->fs_base;
	cv->gs_base_kernel = c->gs_base_kernel;
	cv->gs_base_user = c->gs_base_user;
	cv->traps = c->trap_ctxt;
	cv->kernel_ss = c->kernel_ss;
	cv->kernel_sp = c->kernel_sp;
	cv->event_callback = c->event_callback_eip;
	cv->failsafe_callback = c->failsafe_callback_eip;
	cv->syscall_callback = c->syscall_callback_eip;
	READ_DESCRIPTOR_TABLES(c, cv);
}

static bool canonical_handlers(const struct context_values *cv)
{
	if (!va_is_canonical(cv->event_callback) || !va_is_canonical(cv->failsafe_callback) ||
	    !va_is_canonical(cv->syscall_callback))
		return false;
	for (unsigned int i = 0; cv->traps && i < 256; i++)
		if (!va_is_canonical(cv->traps[i].address))
			return false;
	return true;
}

/* A 32-bit guest's code selector with a ring-0 RPL means its kernel's
 * ring, ring 1 (Xen's fixup_guest_code_selector). */
static uint16_t compat_kernel_rpl(uint32_t sel)
{
	return (uint16_t)((sel & 3) ? sel : sel | 1);
}

/* The virtual IDT (indexed by vector), callbacks and kernel stack a
 * context carries, as Xen's arch_set_info_guest takes them. */
static void load_traps(struct vcpu *v, const struct context_values *cv)
{
	memset(v->traps, 0, sizeof(v->traps));
	memset(v->callbacks, 0, sizeof(v->callbacks));
	if (!cv->traps && !cv->compat_traps)
		return;
	for (unsigned int i = 0; i < 256; i++)
		v->traps[i] = cv->traps ? (struct pv_trap){ .flags = cv->traps[i].flags, .cs = cv->traps[i].cs,
							    .address = cv->traps[i].address }
					: (struct pv_trap){ .flags = cv->compat_traps[i].flags,
							    .cs = compat_kernel_rpl(cv->compat_traps[i].cs),
							    .address = cv->compat_traps[i].address };
	v->callbacks[CALLBACKTYPE_event] =
		(struct pv_callback){ .address = cv->event_callback, .cs = cv->event_callback_cs };
	v->callbacks[CALLBACKTYPE_failsafe] =
		(struct pv_callback){ .address = cv->failsafe_callback, .cs = cv->failsafe_callback_cs,
				      .mask_events = cv->flags & VGCF_failsafe_disables_events };
	if (cv->traps)
		v->callbacks[CALLBACKTYPE_syscall] = (struct pv_callback){
			.address = cv->syscall_callback, .mask_events = cv->flags & VGCF_syscall_disables_events };
	v->kernel_ss = cv->kernel_ss;
	v->kernel_sp = cv->kernel_sp;
}

static void read_compat(const struct compat_vcpu_guest_context *c, struct context_values *cv)
{
	const struct compat_cpu_user_regs *r = &c->user_regs;
	cv->regs = (struct vcpu_regs){
		.rax = r->eax, .rcx = r->ecx, .rdx = r->edx, .rbx = r->ebx,
		.rsp = r->esp, .rbp = r->ebp, .rsi = r->esi, .rdi = r->edi,
		.rip = r->eip, .rflags = r->eflags,
	};
	READ_DATA_SELECTORS(r, cv);
	cv->flags = c->flags;
	cv->vm_assist = c->vm_assist;
	cv->cr0 = c->ctrlreg[0];
	cv->cr3_mfn = compat_xen_cr3_to_pfn(c->ctrlreg[3]);
	/* Its trap table, callbacks (CS:EIP) and ring-1 stack, as 32-bit
	 * Linux's cpu_initialize_context gives them. */
	cv->compat_traps = c->trap_ctxt;
	cv->kernel_ss = compat_kernel_rpl(c->kernel_ss);
	cv->kernel_sp = c->kernel_sp;
	cv->event_callback_cs = compat_kernel_rpl(c->event_callback_cs);
	cv->event_callback = c->event_callback_eip;
	cv->failsafe_callback_cs = compat_kernel_rpl(c->failsafe_callback_cs);
	cv->failsafe_callback = c->failsafe_callback_eip;
	READ_DESCRIPTOR_TABLES(c, cv);
}

size_t pv_vcpu_context_size(const struct domain *d)
{
	return domain_is_pv32(d) ? sizeof(struct compat_vcpu_guest_context)
				      : sizeof(struct vcpu_guest_context);
}

static bool own_frame(struct domain *d, uint64_t mfn)
{
	return mfn < hv->machine.nr_frames && domain_owns(d, mfn);
}

/* Validate a (possibly big) tree in bounded steps, letting d->lock go
 * between them so the domain's vCPUs are not held up; d->lock held. */
static int get_root_in_steps(struct domain *d, uint64_t mfn, uint64_t type, char *why, size_t whylen)
{
	int rc;
	while ((rc = pv_get_page_and_type_preemptible(d, mfn, type, why, whylen)) == -ERESTART) {
		pthread_mutex_unlock(&d->lock);
		pthread_mutex_lock(&d->lock);
		if (d->is_dying)
			return -EINVAL;
	}
	return rc;
}

int pv_set_vcpu_context(struct vcpu *v, const void *buf, size_t len, bool first)
{
	struct domain *d = v->domain;
	struct context_values cv = { 0 };
	/* -EEXIST before anything about the context, as Xen answers it; the
	 * check that counts is repeated below, where the context is taken. */
	if (first) {
		pthread_mutex_lock(&d->lock);
		bool initialised = v->initialised;
		pthread_mutex_unlock(&d->lock);
		if (initialised)
			return -EEXIST;
	}
	if (len < pv_vcpu_context_size(d))
		return -EINVAL;
	if (domain_is_pv32(d))
		read_compat(buf, &cv);
	else
		read_native(buf, &cv);

	/* A 64-bit context in user mode is not supported yet; a 32-bit guest
	 * always starts in its kernel, whatever the flag says (as in Xen). */
	if (!(cv.flags & VGCF_in_kernel) && !domain_is_pv32(d))
		return -EOPNOTSUPP;
	/* 32-bit guests cannot enter vm86 mode (Xen refuses it too). */
	if (domain_is_pv32(d) && (cv.regs.rflags & RFLAGS_VM))
		return -EINVAL;
	if (!va_is_canonical(cv.regs.rip) || !va_is_canonical(cv.regs.rsp) || !va_is_canonical(cv.fs_base) ||
	    !va_is_canonical(cv.gs_base_kernel) || !va_is_canonical(cv.gs_base_user) || !canonical_handlers(&cv))
		return -EINVAL;
	/* The toolstack sets the VM assists a kernel needs this way, before
	 * the first vCPU runs. */
	if (cv.vm_assist & ~pv_vm_assist_valid(d))
		return -EINVAL;
	if (!own_frame(d, cv.cr3_mfn) || (cv.user_cr3_mfn && !own_frame(d, cv.user_cr3_mfn)))
		return -EINVAL;
	if (cv.gdt_ents > FIRST_RESERVED_GDT_ENTRY || cv.ldt_ents > PV_LDT_MAX_ENTS ||
	    !pv_ldt_valid(d, cv.ldt_base, (unsigned int)cv.ldt_ents) ||
	    pv_check_context_debugregs(cv.debugreg, domain_is_pv32(d)))
		return -EINVAL;

	pthread_mutex_lock(&d->lock);
	if (d->is_dying || (first && v->initialised)) {
		bool dying = d->is_dying;
		pthread_mutex_unlock(&d->lock);
		return dying ? -EINVAL : -EEXIST;
	}
	/* Assists first: they decide how the tables below are validated.  As
	 * in Xen, only vCPU 0's context sets them (the toolstack's; a guest's
	 * VCPUOP_initialise of another vCPU leaves them). */
	if (v->id == 0)
		d->vm_assist = cv.vm_assist;
	char why[200];
	int rc = get_root_in_steps(d, cv.cr3_mfn, pv_root_type(d), why, sizeof(why));
	if (rc) {
		pthread_mutex_unlock(&d->lock);
		printk("d%u: vCPU %u context refused: %s\n", d->id, v->id, why);
		return rc;
	}
	if (cv.user_cr3_mfn && (rc = get_root_in_steps(d, cv.user_cr3_mfn, PGT_l4_page_table, why, sizeof(why)))) {
		pv_put_page_and_type(d, cv.cr3_mfn);
		pthread_mutex_unlock(&d->lock);
		printk("d%u: vCPU %u context refused: user tables: %s\n", d->id, v->id, why);
		return rc;
	}
	if ((rc = pv_set_gdt(v, cv.gdt_frames, (unsigned int)cv.gdt_ents))) {
		if (cv.user_cr3_mfn)
			pv_put_page_and_type(d, cv.user_cr3_mfn);
		pv_put_page_and_type(d, cv.cr3_mfn);
		pthread_mutex_unlock(&d->lock);
		return rc;
	}
	v->ldt_base = cv.ldt_ents ? cv.ldt_base : 0;
	v->ldt_ents = (unsigned int)cv.ldt_ents;
	if (v->has_cr3)
		pv_put_page_and_type(d, v->cr3_mfn);
	v->cr3_mfn = cv.cr3_mfn;
	v->has_cr3 = true;
	if (v->has_user_cr3)
		pv_put_page_and_type(d, v->user_cr3_mfn);
	v->user_cr3_mfn = cv.user_cr3_mfn;
	v->has_user_cr3 = cv.user_cr3_mfn != 0;
	if (d->vm_assist & (1ul << VMASST_TYPE_m2p_strict)) {
		pv_set_m2p_slot(cv.cr3_mfn, true);
		if (cv.user_cr3_mfn && cv.user_cr3_mfn != cv.cr3_mfn)
			pv_set_m2p_slot(cv.user_cr3_mfn, false);
	}

	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	arch_vcpu_reset(v);
	st->regs = cv.regs;
	st->regs.rflags = pv_sanitize_rflags(cv.regs.rflags);
	v->iopl = (uint32_t)(cv.regs.rflags & X86_RFLAGS_IOPL); /* the virtual IOPL, as in Xen */
	pv_set_guest_ts(v, cv.cr0 & X86_CR0_TS);
	/* As Xen: each register set in turn, one refused keeps its reset value. */
	for (unsigned int i = 0; i < 8; i++)
		if (i != 4 && i != 5)
			pv_set_debugreg(v, i, cv.debugreg[i]);
	pv_vcpu_load_root(v, cv.cr3_mfn);
	st->sys.fs_base = cv.fs_base;
	st->sys.gs_base = cv.gs_base_kernel;
	st->sys.kernel_gs_base = cv.gs_base_user;
	load_traps(v, &cv);
	/* Loaded at its next entry, as Xen loads them when it switches to it. */
	memcpy(v->context_data_sel, cv.data_sel, sizeof(v->context_data_sel));
	v->context_segments_pending = true;
	v->kernel_mode = true;
	v->initialised = true;
	v->down = !(cv.flags & VGCF_online); /* as Xen: up only if the context says online */
	pthread_mutex_unlock(&d->lock);
	if (hv->backend->flush_tlb)
		hv->backend->flush_tlb(v->exec);
	return 0;
}

/* What a context reports in its data selectors: for a 64-bit vCPU those
 * it holds (or, before it ran, those its context named); a 32-bit vCPU
 * runs on flat ones and reports those its context named, a failed one
 * as null. */
#define WRITE_DATA_SELECTORS(r, sel)                                                 \
	do {                                                                        \
		(r)->es = (sel)[0];                                                 \
		(r)->ds = (sel)[1];                                                 \
		(r)->fs = (sel)[2];                                                 \
		(r)->gs = (sel)[3];                                                 \
	} while (0)

static void write_compat(struct vcpu *v, const struct vcpu_state *st, struct compat_vcpu_guest_context *c)
{
	memset(c, 0, sizeof(*c));
	struct compat_cpu_user_regs *r = &c->user_regs;
	r->eax = (uint32_t)st->regs.rax; r->ecx = (uint32_t)st->regs.rcx;
	r->edx = (uint32_t)st->regs.rdx; r->ebx = (uint32_t)st->regs.rbx;
	r->esp = (uint32_t)st->regs.rsp; r->ebp = (uint32_t)st->regs.rbp;
	r->esi = (uint32_t)st->regs.rsi; r->edi = (uint32_t)st->regs.rdi;
	r->eip = (uint32_t)st->regs.rip;
	r->eflags = (uint32_t)st->regs.rflags | v->iopl;
	r->cs = v->code_sel;
	r->ss = v->stack_sel;
	WRITE_DATA_SELECTORS(r, v->context_segments_pending ? v->context_data_sel : st->sys.data_sel);
	c->flags = (v->kernel_mode ? VGCF_in_kernel : 0) | (v->initialised && !v->down ? VGCF_online : 0);
	c->vm_assist = (compat_ulong_t)v->domain->vm_assist;
	c->ctrlreg[0] = (compat_ulong_t)st->sys.cr0;
	c->ctrlreg[2] = (compat_ulong_t)st->sys.cr2;
	c->ctrlreg[3] = v->has_cr3 ? compat_xen_pfn_to_cr3(v->cr3_mfn) : 0;
	c->ctrlreg[4] = (compat_ulong_t)v->guest_cr4;
	c->ldt_base = (compat_ulong_t)v->ldt_base;
	c->ldt_ents = v->ldt_ents;
	for (unsigned int i = 0; i < FIRST_RESERVED_GDT_PAGE; i++)
		c->gdt_frames[i] = (compat_ulong_t)v->gdt_frames[i];
	c->gdt_ents = v->gdt_ents;
	for (unsigned int i = 0; i < 4; i++)
		c->debugreg[i] = (compat_ulong_t)st->sys.dr[i];
	c->debugreg[6] = (compat_ulong_t)st->sys.dr6;
	c->debugreg[7] = (compat_ulong_t)st->sys.dr7;
	for (unsigned int i = 0; i < 256; i++)
		c->trap_ctxt[i] = (struct compat_trap_info){ .vector = (uint8_t)i, .flags = v->traps[i].flags,
							     .cs = v->traps[i].cs,
							     .address = (compat_ulong_t)v->traps[i].address };
	c->kernel_ss = (compat_ulong_t)v->kernel_ss;
	c->kernel_sp = (compat_ulong_t)v->kernel_sp;
	c->event_callback_cs = v->callbacks[CALLBACKTYPE_event].cs;
	c->event_callback_eip = (compat_ulong_t)v->callbacks[CALLBACKTYPE_event].address;
	c->failsafe_callback_cs = v->callbacks[CALLBACKTYPE_failsafe].cs;
	c->failsafe_callback_eip = (compat_ulong_t)v->callbacks[CALLBACKTYPE_failsafe].address;
	if (v->callbacks[CALLBACKTYPE_failsafe].mask_events)
		c->flags |= VGCF_failsafe_disables_events;
}

static void write_native(struct vcpu *v, const struct vcpu_state *st, struct vcpu_guest_context *c)
{
	memset(c, 0, sizeof(*c));
	struct cpu_user_regs *r = &c->user_regs;
	r->rax = st->regs.rax; r->rcx = st->regs.rcx; r->rdx = st->regs.rdx; r->rbx = st->regs.rbx;
	r->rsp = st->regs.rsp; r->rbp = st->regs.rbp; r->rsi = st->regs.rsi; r->rdi = st->regs.rdi;
	r->r8 = st->regs.r8; r->r9 = st->regs.r9; r->r10 = st->regs.r10; r->r11 = st->regs.r11;
	r->r12 = st->regs.r12; r->r13 = st->regs.r13; r->r14 = st->regs.r14; r->r15 = st->regs.r15;
	r->rip = st->regs.rip;
	r->rflags = st->regs.rflags | v->iopl;
	r->cs = v->code_sel;
	r->ss = v->stack_sel;
	WRITE_DATA_SELECTORS(r, v->context_segments_pending ? v->context_data_sel : st->sys.data_sel);
	c->flags = (v->kernel_mode ? VGCF_in_kernel : 0) | (v->initialised && !v->down ? VGCF_online : 0);
	c->vm_assist = v->domain->vm_assist;
	c->ctrlreg[0] = st->sys.cr0;
	c->ctrlreg[2] = st->sys.cr2;
	c->ctrlreg[3] = v->has_cr3 ? xen_pfn_to_cr3(v->cr3_mfn) : 0;
	c->ctrlreg[1] = v->has_user_cr3 ? xen_pfn_to_cr3(v->user_cr3_mfn) : 0;
	c->ldt_base = v->ldt_base;
	c->ldt_ents = v->ldt_ents;
	for (unsigned int i = 0; i < FIRST_RESERVED_GDT_PAGE; i++)
		c->gdt_frames[i] = v->gdt_frames[i];
	c->gdt_ents = v->gdt_ents;
	for (unsigned int i = 0; i < 4; i++)
		c->debugreg[i] = st->sys.dr[i];
	c->debugreg[6] = st->sys.dr6;
	c->debugreg[7] = st->sys.dr7;
	c->ctrlreg[4] = v->guest_cr4;
	c->fs_base = st->sys.fs_base;
	c->gs_base_kernel = v->kernel_mode ? st->sys.gs_base : st->sys.kernel_gs_base;
	c->gs_base_user = v->kernel_mode ? st->sys.kernel_gs_base : st->sys.gs_base;
	for (unsigned int i = 0; i < 256; i++)
		c->trap_ctxt[i] = (struct trap_info){ .vector = (uint8_t)i, .flags = v->traps[i].flags,
						      .cs = v->traps[i].cs, .address = v->traps[i].address };
	c->kernel_ss = v->kernel_ss;
	c->kernel_sp = v->kernel_sp;
	c->event_callback_eip = v->callbacks[CALLBACKTYPE_event].address;
	c->failsafe_callback_eip = v->callbacks[CALLBACKTYPE_failsafe].address;
	c->syscall_callback_eip = v->callbacks[CALLBACKTYPE_syscall].address;
	if (v->callbacks[CALLBACKTYPE_failsafe].mask_events)
		c->flags |= VGCF_failsafe_disables_events;
	if (v->callbacks[CALLBACKTYPE_syscall].mask_events)
		c->flags |= VGCF_syscall_disables_events;
}

int pv_get_vcpu_context(struct vcpu *v, void *buf, size_t len)
{
	if (len < pv_vcpu_context_size(v->domain))
		return -EINVAL;
	const struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	if (domain_is_pv32(v->domain))
		write_compat(v, st, buf);
	else
		write_native(v, st, buf);
	return 0;
}
