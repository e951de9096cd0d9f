/*
 * HYPERVISOR_mmu_update and update_va_mapping: a PV guest's writes to its
 * own page tables, each entry checked and referenced as validation does.
 */
#include <errno.h>
#include <stdio.h>

#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/m2p.h"
#include "hv/pv.h"
#include "public/xen.h"

/* Requests handled per guest call before the guest re-issues it. */
#define MMU_UPDATE_BATCH 512

/*
 * The domains a call acts for, as Xen reads foreigndom: the low 16 bits
 * name the owner of the frames new entries point at, the high 16 bits
 * (plus one) the owner of the tables updated, the caller when zero.
 * Mappings of one domain's frames in another's tables need grant tables,
 * so both must be the same domain here.
 */
static struct domain *owner_domain(struct hcall_ctx *ctx, uint32_t foreigndom, int *err)
{
	uint16_t pg_id = (uint16_t)foreigndom;
	uint16_t pt_id = (foreigndom >> 16) ? (uint16_t)((foreigndom >> 16) - 1) : DOMID_SELF;
	struct domain *pg = hcall_target_domain(ctx, pg_id, err);
	if (!pg)
		return NULL;
	struct domain *pt = hcall_target_domain(ctx, pt_id, err);
	if (!pt) {
		domain_put(pg);
		return NULL;
	}
	domain_put(pt);
	if (pt != pg) {
		domain_put(pg);
		*err = -EPERM;
		return NULL;
	}
	return pg;
}

static long normal_update(struct domain *d, uint64_t ptr, uint64_t val, bool preserve_ad)
{
	uint64_t mfn = ptr >> PAGE_SHIFT;
	unsigned int index = (unsigned int)((ptr & (PAGE_SIZE - 1)) / sizeof(uint64_t));
	char why[200] = "";
	if (mfn >= hv->machine.nr_frames || !domain_owns(d, mfn))
		return -EINVAL;
	pthread_mutex_lock(&d->lock);
	long rc;
	unsigned int level = pv_table_level(mfn);
	if (d->is_dying) {
		rc = -EINVAL;
	} else if (level) {
		rc = pv_update_entry(d, mfn, level, index, val, preserve_ad, true, why, sizeof(why));
	} else {
		/* Not a table in use: a plain write, allowed only where the
		 * guest could map the frame writable. */
		rc = pv_get_page_and_type(d, mfn, PGT_writable_page, why, sizeof(why));
		if (!rc) {
			_Atomic uint64_t *t = machine_frame(&hv->machine, mfn);
			atomic_store(&t[index], val);
			pv_put_page_and_type(d, mfn);
		}
	}
	pthread_mutex_unlock(&d->lock);
	if (rc && rc != -ERESTART)
		printk("d%u: mmu_update of %#llx to %#llx refused: %s\n", d->id, (unsigned long long)ptr,
		       (unsigned long long)val, why);
	return rc;
}

static long machphys_update(struct domain *d, uint64_t ptr, uint64_t gpfn)
{
	uint64_t mfn = ptr >> PAGE_SHIFT;
	if (mfn >= hv->machine.nr_frames || !domain_owns(d, mfn))
		return -EINVAL;
	m2p_set(mfn, gpfn);
	return 0;
}

static long mmu_update_one(struct hcall_ctx *ctx, struct domain *d, uint64_t addr)
{
	struct mmu_update req;
	if (copy_from_guest(ctx, &req, addr, sizeof(req)))
		return -EFAULT;
	unsigned int cmd = (unsigned int)(req.ptr & (sizeof(uint64_t) - 1));
	uint64_t ptr = req.ptr - cmd;
	switch (cmd) {
	case MMU_NORMAL_PT_UPDATE:
	case MMU_PT_UPDATE_NO_TRANSLATE:
	case MMU_PT_UPDATE_PRESERVE_AD:
		return normal_update(d, ptr, req.val, cmd == MMU_PT_UPDATE_PRESERVE_AD);
	case MMU_MACHPHYS_UPDATE:
		return machphys_update(d, ptr, req.val);
	default:
		return -ENOSYS;
	}
}

long do_mmu_update(struct hcall_ctx *ctx, const uint64_t a[5])
{
	struct hcall_batch b;
	int err = hcall_batch_begin(ctx, a, &b);
	if (err)
		return err;
	struct domain *d = owner_domain(ctx, (uint32_t)a[3], &err);
	if (!d)
		return err;
	long rc = hcall_batch_run(ctx, a, &b, d, sizeof(struct mmu_update), MMU_UPDATE_BATCH, mmu_update_one);
	domain_put(d);
	return rc;
}

/* The L1 table that maps va in the vCPU's current page tables, or
 * MFN_INVALID when an upper level is not present.  Caller holds d->lock. */
static uint64_t l1_table_of(struct vcpu *v, uint64_t va)
{
	if (!v->has_cr3)
		return MFN_INVALID;
	uint64_t mfn = v->cr3_mfn;
	/* A 32-bit guest's top level is its L3 (va is below 4 GiB). */
	unsigned int top = domain_is_pv32(v->domain) ? 3 : 4;
	for (unsigned int level = top; level > 1; level--) {
		const _Atomic uint64_t *t = machine_frame(&hv->machine, mfn);
		uint64_t e = atomic_load(&t[(va >> (PAGE_SHIFT + 9 * (level - 1))) & 511]);
		if (!(e & PTE_PRESENT) || (e & PTE_PSE))
			return MFN_INVALID;
		mfn = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
	}
	return pv_table_level(mfn) == 1 ? mfn : MFN_INVALID;
}

/* The TLB flush update_va_mapping's flags ask for, after the update. */
static long flush_as_asked(struct hcall_ctx *ctx, uint64_t flags)
{
	if (!(flags & UVMF_FLUSHTYPE_MASK))
		return 0;
	uint64_t target = flags & ~(uint64_t)UVMF_FLUSHTYPE_MASK;
	if (target == UVMF_LOCAL) {
		pv_flush_tlb(ctx->vcpu, 0);
	} else if (target == UVMF_ALL) {
		pv_flush_tlb(ctx->vcpu, ~0ull);
	} else {
		/* UVMF_MULTI: the rest of flags points at a vCPU bitmap. */
		uint64_t mask;
		if (copy_long_from_guest(ctx, target, 0, &mask))
			return -EFAULT;
		pv_flush_tlb(ctx->vcpu, mask);
	}
	return 0;
}

static long update_va_mapping(struct hcall_ctx *ctx, uint64_t va, uint64_t val, uint64_t flags, uint16_t domid)
{
	struct vcpu *v = ctx->vcpu;
	if (!v)
		return -EINVAL;
	struct domain *d = v->domain;
	/* Another domain's frames in our tables would need grant tables. */
	if (domid != DOMID_SELF && domid != d->id)
		return -EPERM;
	if (!va_is_canonical(va) || pv_va_reserved(d, va))
		return -EINVAL;
	char why[200] = "";
	pthread_mutex_lock(&d->lock);
	uint64_t l1 = l1_table_of(v, va);
	long rc;
	if (l1 == MFN_INVALID) {
		snprintf(why, sizeof(why), "no L1 table maps %#llx", (unsigned long long)va);
		rc = -EINVAL;
	} else {
		rc = pv_update_entry(d, l1, 1, (unsigned int)((va >> PAGE_SHIFT) & 511), val, false, false, why,
				     sizeof(why));
	}
	pthread_mutex_unlock(&d->lock);
	if (rc) {
		printk("d%u: update_va_mapping of %#llx to %#llx refused: %s\n", d->id, (unsigned long long)va,
		       (unsigned long long)val, why);
		return rc;
	}
	return flush_as_asked(ctx, flags);
}

/* A 32-bit guest passes the 64-bit entry in two registers, low half
 * first: (va, lo, hi, flags[, domid]). */
long do_update_va_mapping(struct hcall_ctx *ctx, const uint64_t a[5])
{
	if (ctx->compat)
		return update_va_mapping(ctx, a[0], (uint32_t)a[1] | a[2] << 32, a[3], DOMID_SELF);
	return update_va_mapping(ctx, a[0], a[1], a[2], DOMID_SELF);
}

long do_update_va_mapping_otherdomain(struct hcall_ctx *ctx, const uint64_t a[5])
{
	if (ctx->compat)
		return update_va_mapping(ctx, a[0], (uint32_t)a[1] | a[2] << 32, a[3], (uint16_t)a[4]);
	return update_va_mapping(ctx, a[0], a[1], a[2], (uint16_t)a[3]);
}
