/* Setting and reading a 64-bit PV vCPU's context (struct vcpu_guest_context). */
#include <errno.h>
#include <string.h>

#include "hv/arch.h"
#include "hv/guest_walk.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/xen.h"

/* Flags a PV guest may set; IF is always on and IOPL always 0 in hardware
 * (the guest's own interrupt flag is the event mask in vcpu_info). */
#define GUEST_RFLAGS_MASK                                                                          \
	(X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | X86_RFLAGS_SF |           \
	 X86_RFLAGS_DF | X86_RFLAGS_OF | X86_RFLAGS_AC | X86_RFLAGS_ID)

uint64_t pv_sanitize_rflags(uint64_t rflags)
{
	return (rflags & GUEST_RFLAGS_MASK) | X86_RFLAGS_IF | X86_RFLAGS_FIXED;
}

void arch_vcpu_reset(struct vcpu *v)
{
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	memset(st, 0, sizeof(*st));
	st->regs.rflags = X86_RFLAGS_IF | X86_RFLAGS_FIXED;
	st->sys.cpl = 3;
	st->sys.compat = v->domain->type == DOMAIN_PV32;
	/* PE, MP, ET, NE, WP, PG: what a PV guest's CR0 reads as. */
	st->sys.cr0 = 0x80050033;
	st->sys.cr4 = 0x6a0; /* PAE, PGE, OSFXSR, OSXMMEXCPT */
	st->sys.efer = 0xd01; /* SCE, LME, LMA, NXE */
}

static bool trap_table_empty(const struct vcpu_guest_context *c)
{
	for (unsigned int i = 0; i < sizeof(c->trap_ctxt) / sizeof(c->trap_ctxt[0]); i++)
		if (c->trap_ctxt[i].address)
			return false;
	return true;
}

int pv_set_vcpu_context(struct vcpu *v, const void *buf, size_t len)
{
	const struct vcpu_guest_context *c = buf;
	struct domain *d = v->domain;
	if (len < sizeof(*c))
		return -EINVAL;
	const struct cpu_user_regs *r = &c->user_regs;

	/* What the skeleton does not support yet is refused, not ignored. */
	if (c->gdt_ents || c->ldt_ents || !trap_table_empty(c) || c->event_callback_eip ||
	    c->failsafe_callback_eip || c->syscall_callback_eip)
		return -EOPNOTSUPP;
	if (!(c->flags & VGCF_in_kernel))
		return -EOPNOTSUPP;
	if (!va_is_canonical(r->rip) || !va_is_canonical(r->rsp) || !va_is_canonical(c->fs_base) ||
	    !va_is_canonical(c->gs_base_kernel) || !va_is_canonical(c->gs_base_user))
		return -EINVAL;

	/* The toolstack sets the VM assists a kernel needs this way, before
	 * the first vCPU runs. */
	if (c->vm_assist & ~pv_vm_assist_valid(d))
		return -EINVAL;

	uint64_t mfn = xen_cr3_to_pfn(c->ctrlreg[3]);
	if (mfn >= hv->machine.nr_frames || !domain_owns(d, mfn))
		return -EINVAL;
	/* A 64-bit guest's user page tables (0: none yet). */
	uint64_t user_mfn = xen_cr3_to_pfn(c->ctrlreg[1]);
	if (user_mfn && (user_mfn >= hv->machine.nr_frames || !domain_owns(d, user_mfn)))
		return -EINVAL;

	pthread_mutex_lock(&d->lock);
	if (d->is_dying) {
		pthread_mutex_unlock(&d->lock);
		return -EINVAL;
	}
	/* Assists first: they decide how the tables below are validated. */
	d->vm_assist = c->vm_assist;
	char why[200];
	int rc = pv_get_page_and_type(d, mfn, PGT_l4_page_table, why, sizeof(why));
	if (rc) {
		pthread_mutex_unlock(&d->lock);
		printk("d%u: vCPU %u context refused: %s\n", d->id, v->id, why);
		return rc;
	}
	if (user_mfn && (rc = pv_get_page_and_type(d, user_mfn, PGT_l4_page_table, why, sizeof(why)))) {
		pv_put_page_and_type(d, mfn);
		pthread_mutex_unlock(&d->lock);
		printk("d%u: vCPU %u context refused: user tables: %s\n", d->id, v->id, why);
		return rc;
	}
	if (v->has_cr3)
		pv_put_page_and_type(d, v->cr3_mfn);
	v->cr3_mfn = mfn;
	v->has_cr3 = true;
	if (v->has_user_cr3)
		pv_put_page_and_type(d, v->user_cr3_mfn);
	v->user_cr3_mfn = user_mfn;
	v->has_user_cr3 = user_mfn != 0;
	if (d->vm_assist & (1ul << VMASST_TYPE_m2p_strict)) {
		pv_set_m2p_slot(mfn, true);
		if (user_mfn && user_mfn != mfn)
			pv_set_m2p_slot(user_mfn, false);
	}

	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	arch_vcpu_reset(v);
	st->regs = (struct vcpu_regs){
		.rax = r->rax, .rcx = r->rcx, .rdx = r->rdx, .rbx = r->rbx,
		.rsp = r->rsp, .rbp = r->rbp, .rsi = r->rsi, .rdi = r->rdi,
		.r8 = r->r8, .r9 = r->r9, .r10 = r->r10, .r11 = r->r11,
		.r12 = r->r12, .r13 = r->r13, .r14 = r->r14, .r15 = r->r15,
		.rip = r->rip, .rflags = pv_sanitize_rflags(r->rflags),
	};
	st->sys.cr3 = mfn << PAGE_SHIFT;
	st->sys.fs_base = c->fs_base;
	st->sys.gs_base = c->gs_base_kernel;
	st->sys.kernel_gs_base = c->gs_base_user;
	v->kernel_mode = true;
	v->initialised = true;
	pthread_mutex_unlock(&d->lock);
	if (hv->backend->flush_tlb)
		hv->backend->flush_tlb(v->exec);
	return 0;
}

int pv_get_vcpu_context(struct vcpu *v, void *buf, size_t len)
{
	struct vcpu_guest_context *c = buf;
	if (len < sizeof(*c))
		return -EINVAL;
	memset(c, 0, sizeof(*c));
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	struct cpu_user_regs *r = &c->user_regs;
	r->rax = st->regs.rax; r->rcx = st->regs.rcx; r->rdx = st->regs.rdx; r->rbx = st->regs.rbx;
	r->rsp = st->regs.rsp; r->rbp = st->regs.rbp; r->rsi = st->regs.rsi; r->rdi = st->regs.rdi;
	r->r8 = st->regs.r8; r->r9 = st->regs.r9; r->r10 = st->regs.r10; r->r11 = st->regs.r11;
	r->r12 = st->regs.r12; r->r13 = st->regs.r13; r->r14 = st->regs.r14; r->r15 = st->regs.r15;
	r->rip = st->regs.rip;
	r->rflags = st->regs.rflags;
	r->cs = FLAT_KERNEL_CS;
	r->ss = FLAT_KERNEL_SS;
	c->flags = (v->kernel_mode ? VGCF_in_kernel : 0) | (v->initialised ? VGCF_online : 0);
	c->vm_assist = v->domain->vm_assist;
	c->ctrlreg[0] = st->sys.cr0;
	c->ctrlreg[2] = st->sys.cr2;
	c->ctrlreg[3] = xen_pfn_to_cr3(st->sys.cr3 >> PAGE_SHIFT);
	c->ctrlreg[1] = v->has_user_cr3 ? xen_pfn_to_cr3(v->user_cr3_mfn) : 0;
	c->ldt_base = v->ldt_base;
	c->ldt_ents = v->ldt_ents;
	c->ctrlreg[4] = st->sys.cr4;
	c->fs_base = st->sys.fs_base;
	c->gs_base_kernel = st->sys.gs_base;
	c->gs_base_user = st->sys.kernel_gs_base;
	return 0;
}
