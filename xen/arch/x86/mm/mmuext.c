/* HYPERVISOR_mmuext_op: pinning, base pointers, LDT, TLB flushes, page clear/copy. */
#include <errno.h>
#include <string.h>

#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/compat/x86_32.h"
#include "public/xen.h"

/* Operations handled per guest call before the guest re-issues it. */
#define MMUEXT_BATCH 64

static long pin(struct domain *d, unsigned int cmd, uint64_t mfn)
{
	char why[200];
	static const uint64_t types[] = {
		[MMUEXT_PIN_L1_TABLE] = PGT_l1_page_table,
		[MMUEXT_PIN_L2_TABLE] = PGT_l2_page_table,
		[MMUEXT_PIN_L3_TABLE] = PGT_l3_page_table,
		[MMUEXT_PIN_L4_TABLE] = PGT_l4_page_table,
	};
	if (mfn >= hv->machine.nr_frames || !domain_owns(d, mfn))
		return -EINVAL;
	struct page_info *pg = mfn_to_page(&hv->heap, mfn);
	pthread_mutex_lock(&d->lock);
	long rc;
	if (d->is_dying) {
		rc = -EINVAL;
	} else if (atomic_load(&pg->type_info) & PGT_pinned) {
		rc = -EINVAL;
	} else {
		rc = pv_get_page_and_type_preemptible(d, mfn, types[cmd], why, sizeof(why));
		if (!rc)
			atomic_fetch_or(&pg->type_info, PGT_pinned);
		else if (rc != -ERESTART)
			printk("d%u: pin of L%u %#llx refused: %s\n", d->id, cmd + 1, (unsigned long long)mfn, why);
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static long unpin(struct domain *d, uint64_t mfn)
{
	if (mfn >= hv->machine.nr_frames || !domain_owns(d, mfn))
		return -EINVAL;
	struct page_info *pg = mfn_to_page(&hv->heap, mfn);
	pthread_mutex_lock(&d->lock);
	long rc = -EINVAL;
	if (!d->is_dying && (atomic_load(&pg->type_info) & PGT_pinned)) {
		atomic_fetch_and(&pg->type_info, ~PGT_pinned);
		pv_put_page_and_type(d, mfn);
		rc = 0;
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static bool m2p_strict(const struct domain *d)
{
	return d->vm_assist & (1ul << VMASST_TYPE_m2p_strict);
}

/*
 * The calling vCPU's kernel (user: false) or user (user: true) page tables
 * become the L4 (32-bit: L3) at mfn; the slot holds a type reference.  mfn 0 clears the
 * user tables, as in Xen.  With m2p_strict the M2P is shown in kernel
 * tables and hidden in user ones.
 */
long pv_new_baseptr(struct vcpu *v, uint64_t mfn, bool user)
{
	struct domain *d = v->domain;
	char why[200];
	uint64_t *slot = user ? &v->user_cr3_mfn : &v->cr3_mfn;
	bool *has = user ? &v->has_user_cr3 : &v->has_cr3;
	long rc = 0;
	/* A 32-bit guest has one set of tables for kernel and user. */
	if (user && domain_is_pv32(d))
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	if (user && mfn == 0) {
		/* no new reference */
	} else if ((rc = pv_get_page_and_type_preemptible(d, mfn, pv_root_type(d), why, sizeof(why)))) {
		if (rc != -ERESTART)
			printk("d%u: vCPU %u %sbase pointer %#llx refused: %s\n", d->id, v->id,
			       user ? "user " : "", (unsigned long long)mfn, why);
		pthread_mutex_unlock(&d->lock);
		return rc;
	} else if (m2p_strict(d)) {
		pv_set_m2p_slot(mfn, !user);
	}
	if (*has)
		pv_put_page_and_type(d, *slot);
	*slot = mfn;
	*has = !(user && mfn == 0);
	if (!user)
		pv_vcpu_load_root(v, mfn);
	pthread_mutex_unlock(&d->lock);
	hv->backend->flush_tlb(v->exec);
	return 0;
}

/* A frame of d's that can be written as data (not a table in use):
 * referenced and typed writable until put_data_frame(). */
static bool get_data_frame(struct domain *d, uint64_t mfn, bool write)
{
	char why[200];
	if (!write)
		return pv_get_page(d, mfn);
	return !pv_get_page_and_type(d, mfn, PGT_writable_page, why, sizeof(why));
}

static void put_data_frame(struct domain *d, uint64_t mfn, bool write)
{
	if (write)
		pv_put_page_and_type(d, mfn);
	else
		pv_put_page(d, mfn);
}

/* CLEAR_PAGE (src == MFN_INVALID) and COPY_PAGE: both frames must be the
 * domain's, and the destination one it could map writable. */
static long clear_or_copy(struct domain *d, uint64_t dst, uint64_t src)
{
	long rc = -EINVAL;
	pthread_mutex_lock(&d->lock);
	if (d->is_dying || dst >= hv->machine.nr_frames || (src != MFN_INVALID && src >= hv->machine.nr_frames))
		goto out;
	if (src != MFN_INVALID && !get_data_frame(d, src, false))
		goto out;
	if (get_data_frame(d, dst, true)) {
		if (src == MFN_INVALID)
			memset(machine_frame(&hv->machine, dst), 0, PAGE_SIZE);
		else
			memmove(machine_frame(&hv->machine, dst), machine_frame(&hv->machine, src), PAGE_SIZE);
		put_data_frame(d, dst, true);
		rc = 0;
	}
	if (src != MFN_INVALID)
		put_data_frame(d, src, false);
out:
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* The LDT a vCPU's segment selectors with TI set refer to. */
static long set_ldt(struct vcpu *v, uint64_t base, unsigned int ents)
{
	if (!ents)
		base = 0;
	if (!pv_ldt_valid(v->domain, base, ents))
		return -EINVAL;
	pthread_mutex_lock(&v->domain->lock);
	v->ldt_base = base;
	v->ldt_ents = ents;
	pthread_mutex_unlock(&v->domain->lock);
	return 0;
}

void pv_flush_tlb(struct vcpu *v, uint64_t others)
{
	hv->backend->flush_tlb(v->exec);
	struct domain *d = v->domain;
	for (unsigned int i = 0; i < d->max_vcpus && i < 64; i++) {
		struct vcpu *o = d->vcpus[i];
		if (o && o != v && (others & (1ull << i)))
			vcpu_request_flush(o);
	}
}

/* The operations that act on the calling vCPU. */
#define VCPU_OPS                                                                                             \
	(1u << MMUEXT_NEW_BASEPTR | 1u << MMUEXT_NEW_USER_BASEPTR | 1u << MMUEXT_SET_LDT |                   \
	 1u << MMUEXT_TLB_FLUSH_LOCAL | 1u << MMUEXT_INVLPG_LOCAL | 1u << MMUEXT_TLB_FLUSH_MULTI |            \
	 1u << MMUEXT_INVLPG_MULTI | 1u << MMUEXT_TLB_FLUSH_ALL | 1u << MMUEXT_INVLPG_ALL |                   \
	 1u << MMUEXT_FLUSH_CACHE | 1u << MMUEXT_FLUSH_CACHE_GLOBAL)

static long vcpu_op(struct vcpu *v, const struct mmuext_op *op)
{
	switch (op->cmd) {
	case MMUEXT_NEW_BASEPTR:
		return pv_new_baseptr(v, op->arg1.mfn, false);
	case MMUEXT_NEW_USER_BASEPTR:
		return pv_new_baseptr(v, op->arg1.mfn, true);
	case MMUEXT_SET_LDT:
		return set_ldt(v, op->arg1.linear_addr, op->arg2.nr_ents);
	case MMUEXT_FLUSH_CACHE:
	case MMUEXT_FLUSH_CACHE_GLOBAL:
		/* Only domains with device memory may; XG gives none any. */
		return -EACCES;
	default:
		/* The TLB flush family: a whole flush serves every variant;
		 * precision can come later. */
		pv_flush_tlb(v, op->cmd != MMUEXT_TLB_FLUSH_LOCAL && op->cmd != MMUEXT_INVLPG_LOCAL ? ~0ull : 0);
		return 0;
	}
}

static int read_op(struct hcall_ctx *ctx, uint64_t addr, struct mmuext_op *op)
{
	if (!ctx->compat)
		return copy_from_guest(ctx, op, addr, sizeof(*op));
	struct compat_mmuext_op c;
	if (copy_from_guest(ctx, &c, addr, sizeof(c)))
		return -EFAULT;
	/* Every arg1/arg2 member is a 32-bit value in the compat layout:
	 * zero-extended into the widest member it reads back from each. */
	*op = (struct mmuext_op){ .cmd = c.cmd };
	op->arg1.mfn = c.arg1.mfn;
	op->arg2.src_mfn = c.arg2.src_mfn;
	return 0;
}

static long mmuext_one(struct hcall_ctx *ctx, struct domain *d, uint64_t addr)
{
	struct mmuext_op op;
	if (read_op(ctx, addr, &op))
		return -EFAULT;
	if (op.cmd < 32 && (VCPU_OPS >> op.cmd) & 1) {
		/* Only on a guest's own domain, as in Xen. */
		if (d != ctx->caller)
			return -EPERM;
		return ctx->vcpu ? vcpu_op(ctx->vcpu, &op) : -EINVAL;
	}
	switch (op.cmd) {
	case MMUEXT_PIN_L1_TABLE:
	case MMUEXT_PIN_L2_TABLE:
	case MMUEXT_PIN_L3_TABLE:
	case MMUEXT_PIN_L4_TABLE:
		return pin(d, op.cmd, op.arg1.mfn);
	case MMUEXT_UNPIN_TABLE:
		return unpin(d, op.arg1.mfn);
	case MMUEXT_CLEAR_PAGE:
		return clear_or_copy(d, op.arg1.mfn, MFN_INVALID);
	case MMUEXT_COPY_PAGE:
		return clear_or_copy(d, op.arg1.mfn, op.arg2.src_mfn);
	default:
		return -ENOSYS;
	}
}

long do_mmuext_op(struct hcall_ctx *ctx, const uint64_t a[5])
{
	struct hcall_batch b;
	int err = hcall_batch_begin(ctx, a, &b);
	if (err)
		return err;
	struct domain *d = hcall_target_domain(ctx, (domid_t)a[3], &err);
	if (!d)
		return err;
	size_t op_size = ctx->compat ? sizeof(struct compat_mmuext_op) : sizeof(struct mmuext_op);
	long rc = hcall_batch_run(ctx, a, &b, d, op_size, MMUEXT_BATCH, mmuext_one);
	domain_put(d);
	return rc;
}
