/*
 * PV guests' descriptor tables: HYPERVISOR_set_gdt, update_descriptor and
 * the segment-descriptor page type.
 *
 * As in Xen, every descriptor a guest gives is checked and corrected
 * before it is kept: a descriptor may not grant more privilege than the
 * guest kernel has (its DPL is raised to the kernel's ring: 3 for 64-bit
 * guests, 1 for 32-bit ones), system descriptors other than call gates are
 * refused, and call gates must lead to the guest's own code.  A frame in a
 * GDT has the PGT_seg_desc_page type, so it can never be mapped writable
 * while it is one, and its 512 descriptors were all checked when it took
 * the type (page_type.c calls pv_validate_segdesc_page).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv/descriptor.h"
#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "hv/pv_layout.h"
#include "public/compat/x86_32.h"
#include "public/xen.h"

static unsigned int kernel_ring(const struct domain *d)
{
	return domain_is_pv32(d) ? 1 : 3;
}

/* Xen's rule for the code selector a call gate names: one of the guest's
 * own GDT entries, an LDT entry, or the flat kernel code selector. */
static bool gate_selector_ok(const struct domain *d, unsigned int sel)
{
	unsigned int flat_kernel_cs = domain_is_pv32(d) ? COMPAT_FLAT_KERNEL_CS : FLAT_KERNEL_CS;
	return (sel >> 3) < FIRST_RESERVED_GDT_ENTRY || sel == flat_kernel_cs || (sel & 4);
}

bool pv_check_descriptor(const struct domain *d, uint64_t *desc)
{
	uint64_t x = *desc;
	if (!(x & DESC_P))
		return true; /* loading it faults, whatever else it says */

	unsigned int dpl = desc_dpl(x);
	if (dpl < kernel_ring(d))
		dpl = kernel_ring(d);
	x = (x & ~DESC_DPL) | (uint64_t)dpl << DESC_DPL_SHIFT;

	if (x & DESC_S) {
		/* Code and data: any base and limit, except that a 32-bit
		 * guest has no 64-bit code, and flat segments that stop just
		 * short of 4 GiB (older PAE Linux ends them at 0xf6800000)
		 * are extended over the compat M2P, as Xen does. */
		if (domain_is_pv32(d)) {
			if (x & DESC_L)
				return false;
			if (desc_base(x) == 0 && desc_limit(x) + 1ull > PV32_HV_START)
				x |= 0xffffull | 0xfull << 48; /* limit 0xfffff */
		}
		*desc = x;
		return true;
	}

	/* Type 0 is harmless: it is the upper half of a 64-bit call gate. */
	if ((x & DESC_TYPE) == 0)
		return true;
	if ((x & DESC_TYPE) != DESC_TYPE_CALL_GATE)
		return false;
	unsigned int cs = (unsigned int)(x >> 16) & 0xffff;
	if (!gate_selector_ok(d, cs))
		return false;
	/* A gate may never be used directly (a 64-bit kernel is not in ring
	 * 0, a 32-bit one has only 64-bit gates): DPL 0 makes its use fault,
	 * and the DPL the guest meant is kept in the selector's RPL. */
	x &= ~DESC_DPL;
	cs = (cs & ~3u) | dpl;
	x = (x & ~0xffff0000ull) | (uint64_t)cs << 16;
	if ((x >> 32) & (domain_is_pv32(d) ? 0xe0u : 0xffu))
		return false; /* reserved bits */
	*desc = x;
	return true;
}

int pv_validate_segdesc_page(struct domain *d, uint64_t mfn, char *why, size_t whylen)
{
	_Atomic uint64_t *descs = machine_frame(&hv->machine, mfn);
	for (unsigned int i = 0; i < 512; i++) {
		uint64_t desc = atomic_load(&descs[i]);
		if (!pv_check_descriptor(d, &desc)) {
			snprintf(why, whylen, "descriptor %u of frame %#llx (%#llx) is not allowed in a PV guest's table",
				 i, (unsigned long long)mfn, (unsigned long long)desc);
			return -EINVAL;
		}
		atomic_store(&descs[i], desc);
	}
	return 0;
}

bool pv_ldt_valid(const struct domain *d, uint64_t base, unsigned int ents)
{
	if (!ents)
		return true;
	return !(base & (PAGE_SIZE - 1)) && ents <= PV_LDT_MAX_ENTS && va_is_canonical(base) &&
	       !pv_va_reserved(d, base) && !pv_va_reserved(d, base + (uint64_t)ents * 8 - 1);
}

void pv_destroy_gdt(struct vcpu *v)
{
	unsigned int nr_frames = (v->gdt_ents + 511) / 512;
	for (unsigned int i = 0; i < nr_frames; i++)
		pv_put_page_and_type(v->domain, v->gdt_frames[i]);
	memset(v->gdt_frames, 0, sizeof(v->gdt_frames));
	v->gdt_ents = 0;
}

int pv_set_gdt(struct vcpu *v, const uint64_t *frames, unsigned int entries)
{
	struct domain *d = v->domain;
	if (entries > FIRST_RESERVED_GDT_ENTRY)
		return -EINVAL;
	unsigned int nr_frames = (entries + 511) / 512, i;
	char why[160];
	for (i = 0; i < nr_frames; i++) {
		if (pv_get_page_and_type(d, frames[i], PGT_seg_desc_page, why, sizeof(why))) {
			printk("d%u: vCPU %u set_gdt refused: %s\n", d->id, v->id, why);
			while (i-- > 0)
				pv_put_page_and_type(d, frames[i]);
			return -EINVAL;
		}
	}
	pv_destroy_gdt(v);
	memcpy(v->gdt_frames, frames, nr_frames * sizeof(frames[0]));
	v->gdt_ents = entries;
	return 0;
}

/* HYPERVISOR_set_gdt(frame_list, entries): the calling vCPU's GDT. */
long do_set_gdt(struct hcall_ctx *ctx, const uint64_t a[5])
{
	struct vcpu *v = ctx->vcpu;
	uint64_t frames[FIRST_RESERVED_GDT_PAGE];
	unsigned int entries = (unsigned int)a[1];
	if (!v)
		return -EPERM; /* it acts on the calling vCPU */
	if (a[1] > FIRST_RESERVED_GDT_ENTRY)
		return -EINVAL;
	for (unsigned int i = 0; i < (entries + 511) / 512; i++)
		if (copy_long_from_guest(ctx, a[0], i, &frames[i]))
			return -EFAULT;
	struct domain *d = v->domain;
	pthread_mutex_lock(&d->lock);
	long rc = pv_set_gdt(v, frames, entries);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/*
 * HYPERVISOR_update_descriptor(machine address, descriptor); a 32-bit
 * guest passes each in two halves.  The frame must be the caller's and
 * either in use as a descriptor table or free to be written.
 */
long do_update_descriptor(struct hcall_ctx *ctx, const uint64_t a[5])
{
	struct domain *d = ctx->caller;
	uint64_t maddr = a[0], desc = a[1];
	if (ctx->compat) {
		maddr = (uint32_t)a[0] | (uint64_t)(uint32_t)a[1] << 32;
		desc = (uint32_t)a[2] | (uint64_t)(uint32_t)a[3] << 32;
	}
	if ((maddr & 7) || !pv_check_descriptor(d, &desc))
		return -EINVAL;
	uint64_t mfn = maddr >> PAGE_SHIFT;
	long rc = -EINVAL;
	pthread_mutex_lock(&d->lock);
	if (!pv_get_page(d, mfn))
		goto out;
	struct page_info *pg = mfn_to_page(&hv->heap, mfn);
	uint64_t type = (atomic_load(&pg->type_info) & PGT_TYPE_MASK) == PGT_seg_desc_page ? PGT_seg_desc_page
											    : PGT_writable_page;
	char why[160];
	if (!pv_get_page_type(d, mfn, type, why, sizeof(why))) {
		_Atomic uint64_t *descs = machine_frame(&hv->machine, mfn);
		atomic_store(&descs[(maddr & (PAGE_SIZE - 1)) / 8], desc);
		pv_put_page_type(d, mfn);
		rc = 0;
	}
	pv_put_page(d, mfn);
out:
	pthread_mutex_unlock(&d->lock);
	return rc;
}
