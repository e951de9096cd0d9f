/*
 * Where a vCPU's vcpu_info is: its slot in shared_info (vCPUs below
 * XEN_LEGACY_MAX_VCPUS) until the guest moves it with
 * VCPUOP_register_vcpu_info into a page of its own, as Linux does for
 * every CPU at boot.  Events, upcalls, time and exception delivery all
 * find it through vcpu_info_bytes().
 */
#include <errno.h>
#include <string.h>

#include "hv/event.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "hv/vcpu_info.h"
#include "public/compat/x86_32.h"
#include "public/vcpu.h"
#include "public/xen.h"

_Static_assert(sizeof(struct vcpu_info) == 64 && sizeof(struct compat_vcpu_info) == 64,
	       "one vcpu_info size for both guest widths");

uint8_t *vcpu_info_bytes(struct vcpu *v)
{
	uint64_t maddr = atomic_load_explicit(&v->vcpu_info_maddr, memory_order_acquire);
	if (maddr)
		return hv->machine.base + maddr;
	struct domain *d = v->domain;
	if (d->shared_info_mfn == MFN_INVALID || v->id >= XEN_LEGACY_MAX_VCPUS)
		return NULL; /* none: events wait in the bitmaps */
	return (uint8_t *)machine_frame(&hv->machine, d->shared_info_mfn) + (size_t)v->id * sizeof(struct vcpu_info);
}

long vcpu_register_vcpu_info(struct hcall_ctx *ctx, struct vcpu *v, uint64_t arg)
{
	struct vcpu_register_vcpu_info info;
	if (copy_from_guest(ctx, &info, arg, sizeof(info)))
		return -EFAULT;
	/* Within the page, and aligned as the guest's vcpu_info is (its
	 * words: 8 bytes, or 4 for a 32-bit guest), else -ENXIO, as Xen's
	 * map_vcpu_info.  Every access to it goes through byte offsets, 4-byte
	 * words or the compat layout, so a 32-bit guest's 4-byte alignment is
	 * enough. */
	struct domain *d = v->domain;
	unsigned int align = domain_is_pv32(d) ? 4 : 8;
	if (info.offset > PAGE_SIZE - sizeof(struct vcpu_info) || (info.offset & (align - 1)))
		return -ENXIO;
	char why[160];
	long rc = 0;
	pthread_mutex_lock(&d->lock);
	/* Once only, and on the caller itself or on a vCPU that is down. */
	if (atomic_load(&v->vcpu_info_maddr) || (v != ctx->vcpu && !v->down))
		rc = -EINVAL;
	else if (!pv_get_page(d, info.mfn))
		rc = -EINVAL;
	else if (pv_get_page_type(d, info.mfn, PGT_writable_page, why, sizeof(why))) {
		pv_put_page(d, info.mfn);
		rc = -EINVAL;
	}
	if (rc) {
		pthread_mutex_unlock(&d->lock);
		return rc;
	}
	/* The frame keeps both references until the domain goes away. */
	uint64_t maddr = info.mfn << PAGE_SHIFT | info.offset;
	uint8_t *old = vcpu_info_bytes(v), *new = hv->machine.base + maddr;
	if (old) {
		memcpy(new, old, sizeof(struct vcpu_info));
	} else {
		memset(new, 0, sizeof(struct vcpu_info));
		new[offsetof(struct vcpu_info, evtchn_upcall_mask)] = 1;
	}
	atomic_store_explicit(&v->vcpu_info_maddr, maddr, memory_order_release);
	pthread_mutex_unlock(&d->lock);
	/* As Xen: everything marked pending once it is in place, so that an
	 * event that raced with the move is not lost (a spurious upcall the
	 * guest copes with). */
	__atomic_store_n(new + offsetof(struct vcpu_info, evtchn_upcall_pending), 1, __ATOMIC_SEQ_CST);
	if (domain_is_pv32(d))
		__atomic_store_n((uint32_t *)(new + offsetof(struct compat_vcpu_info, evtchn_pending_sel)), ~0u,
				 __ATOMIC_SEQ_CST);
	else
		__atomic_store_n((uint64_t *)(new + offsetof(struct vcpu_info, evtchn_pending_sel)), ~0ull,
				 __ATOMIC_SEQ_CST);
	vcpu_kick(v);
	vcpu_wake(v);
	return 0;
}
