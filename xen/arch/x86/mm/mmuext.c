/* HYPERVISOR_mmuext_op: pinning, base pointers, TLB flushes. */
#include <errno.h>

#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
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
		rc = pv_get_page_and_type(d, mfn, types[cmd], why, sizeof(why));
		if (rc)
			printk("d%u: pin of L%u %#llx refused: %s\n", d->id, cmd + 1, (unsigned long long)mfn, why);
		else
			atomic_fetch_or(&pg->type_info, PGT_pinned);
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

/* The calling vCPU's kernel page tables become the L4 at mfn. */
static long new_baseptr(struct vcpu *v, uint64_t mfn)
{
	struct domain *d = v->domain;
	char why[200];
	pthread_mutex_lock(&d->lock);
	long rc = pv_get_page_and_type(d, mfn, PGT_l4_page_table, why, sizeof(why));
	if (rc) {
		printk("d%u: vCPU %u base pointer %#llx refused: %s\n", d->id, v->id, (unsigned long long)mfn, why);
	} else {
		if (v->has_cr3)
			pv_put_page_and_type(d, v->cr3_mfn);
		v->cr3_mfn = mfn;
		v->has_cr3 = true;
		hv->backend->vcpu_state(v->exec)->sys.cr3 = mfn << PAGE_SHIFT;
	}
	pthread_mutex_unlock(&d->lock);
	if (!rc)
		hv->backend->flush_tlb(v->exec);
	return rc;
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

static long mmuext_one(struct hcall_ctx *ctx, struct domain *d, uint64_t addr)
{
	struct mmuext_op op;
	if (copy_from_guest(ctx, &op, addr, sizeof(op)))
		return -EFAULT;
	switch (op.cmd) {
	case MMUEXT_PIN_L1_TABLE:
	case MMUEXT_PIN_L2_TABLE:
	case MMUEXT_PIN_L3_TABLE:
	case MMUEXT_PIN_L4_TABLE:
		return pin(d, op.cmd, op.arg1.mfn);
	case MMUEXT_UNPIN_TABLE:
		return unpin(d, op.arg1.mfn);
	case MMUEXT_NEW_BASEPTR:
		/* Only a vCPU can change its own page tables. */
		return ctx->vcpu && d == ctx->caller ? new_baseptr(ctx->vcpu, op.arg1.mfn) : -EINVAL;
	case MMUEXT_TLB_FLUSH_LOCAL:
	case MMUEXT_INVLPG_LOCAL:
	case MMUEXT_TLB_FLUSH_MULTI:
	case MMUEXT_INVLPG_MULTI:
	case MMUEXT_TLB_FLUSH_ALL:
	case MMUEXT_INVLPG_ALL:
		/* A whole flush serves every variant; precision can come later. */
		if (!ctx->vcpu || d != ctx->caller)
			return -EINVAL;
		pv_flush_tlb(ctx->vcpu, op.cmd != MMUEXT_TLB_FLUSH_LOCAL && op.cmd != MMUEXT_INVLPG_LOCAL ? ~0ull : 0);
		return 0;
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
	long rc = hcall_batch_run(ctx, a, &b, d, sizeof(struct mmuext_op), MMUEXT_BATCH, mmuext_one);
	domain_put(d);
	return rc;
}
