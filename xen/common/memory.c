/* HYPERVISOR_memory_op: growing a domain's memory and reading its size. */
#include <errno.h>

#include "hv/hypercall.h"
#include "hv/m2p.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/memory.h"

/* Xen encodes a preempted call's progress in the upper bits of cmd. */
#define MEMOP_CMD_MASK 63u
#define MEMOP_EXTENT_SHIFT 6
/* Extents handled per guest call before the guest re-issues it. */
#define MEMOP_BATCH 512

/* The largest extent a guest may ask for; the toolstack may ask for more. */
static unsigned int max_order(const struct domain *caller)
{
	return caller->is_privileged ? HEAP_MAX_ORDER : 9;
}

/* The reservation a populate/increase/decrease call names, checked as far
 * as it does not depend on the call; 0 or -EFAULT/-EPERM/-EINVAL. */
static long read_reservation(struct hcall_ctx *ctx, uint64_t arg, uint64_t start, struct xen_memory_reservation *r)
{
	if (copy_from_guest(ctx, r, arg, sizeof(*r)))
		return -EFAULT;
	if (r->extent_order > max_order(ctx->caller))
		return -EPERM;
	if (start > r->nr_extents)
		return -EINVAL;
	return 0;
}

static long populate(struct hcall_ctx *ctx, unsigned int cmd, uint64_t start, uint64_t arg)
{
	struct xen_memory_reservation r;
	long rc = read_reservation(ctx, arg, start, &r);
	if (rc)
		return rc;
	unsigned int bits = XENMEMF_get_address_bits(r.mem_flags);
	if (bits && bits <= PAGE_SHIFT + r.extent_order)
		return -EINVAL;

	int err = 0;
	struct domain *d = hcall_target_domain(ctx, r.domid, &err);
	if (!d)
		return err;

	uint64_t list = guest_handle_addr(r.extent_start);
	uint64_t i;
	for (i = start; i < r.nr_extents; i++) {
		if (ctx->vcpu && i - start == MEMOP_BATCH) {
			uint64_t next[5] = { cmd | (i << MEMOP_EXTENT_SHIFT), arg, 0, 0, 0 };
			hypercall_continue(ctx, next);
			goto out;
		}
		uint64_t pages = 1ull << r.extent_order;
		pthread_mutex_lock(&d->lock);
		bool over = d->frames.frames + pages > d->max_pages;
		pthread_mutex_unlock(&d->lock);
		if (over)
			break;
		xen_pfn_t gpfn = M2P_INVALID;
		if (cmd == XENMEM_populate_physmap) {
			if (copy_from_guest(ctx, &gpfn, list + i * sizeof(gpfn), sizeof(gpfn))) {
				rc = i ? 0 : -EFAULT;
				break;
			}
		}
		uint64_t mfn = heap_alloc(&hv->heap, r.extent_order, bits, OWNER_NONE);
		if (mfn == MFN_INVALID)
			break;
		if (domain_assign_frames(d, mfn, pages)) {
			heap_free_range(&hv->heap, mfn, pages);
			break;
		}
		/* As in Xen, a PV guest's populated frames enter the M2P at the
		 * guest frame numbers it asked for; increase_reservation leaves
		 * that to the guest (MMU_MACHPHYS_UPDATE). */
		if (cmd == XENMEM_populate_physmap)
			for (uint64_t j = 0; j < pages; j++)
				m2p_set(mfn + j, gpfn == M2P_INVALID ? M2P_INVALID : gpfn + j);
		/* A PV guest learns the machine frame it was given. */
		if (list) {
			xen_pfn_t out = mfn;
			if (copy_to_guest(ctx, list + i * sizeof(out), &out, sizeof(out))) {
				rc = i ? 0 : -EFAULT;
				i++;
				break;
			}
		}
	}
	if (!rc)
		rc = (long)i;
out:
	domain_put(d);
	return rc;
}

/* Give one frame back: it must be in the domain's reservation and not
 * given back already.  The frame is freed once nothing maps it. */
static bool give_back(struct domain *d, uint64_t mfn)
{
	bool ok = false;
	pthread_mutex_lock(&d->lock);
	struct page_info *pg = mfn < hv->machine.nr_frames ? mfn_to_page(&hv->heap, mfn) : NULL;
	if (pg && !d->is_dying && frame_set_contains(&d->frames, mfn) &&
	    (atomic_fetch_and(&pg->count_info, ~PGC_ALLOCATED) & PGC_ALLOCATED)) {
		pv_put_page(d, mfn);
		ok = true;
	}
	pthread_mutex_unlock(&d->lock);
	return ok;
}

static long decrease(struct hcall_ctx *ctx, unsigned int cmd, uint64_t start, uint64_t arg)
{
	struct xen_memory_reservation r;
	long rc = read_reservation(ctx, arg, start, &r);
	if (rc)
		return rc;
	int err = 0;
	struct domain *d = hcall_target_domain(ctx, r.domid, &err);
	if (!d)
		return err;
	uint64_t list = guest_handle_addr(r.extent_start);
	uint64_t i;
	for (i = start; i < r.nr_extents; i++) {
		if (ctx->vcpu && i - start == MEMOP_BATCH) {
			uint64_t next[5] = { cmd | (i << MEMOP_EXTENT_SHIFT), arg, 0, 0, 0 };
			hypercall_continue(ctx, next);
			domain_put(d);
			return 0;
		}
		xen_pfn_t gmfn;
		if (copy_from_guest(ctx, &gmfn, list + i * sizeof(gmfn), sizeof(gmfn))) {
			rc = i ? 0 : -EFAULT;
			break;
		}
		/* A PV domain names machine frames; each must be its own. */
		bool ok = true;
		for (uint64_t j = 0; j < (1ull << r.extent_order) && ok; j++)
			ok = give_back(d, gmfn + j);
		if (!ok)
			break;
	}
	if (!rc)
		rc = (long)i;
	domain_put(d);
	return rc;
}

static long reservation_size(struct hcall_ctx *ctx, unsigned int cmd, uint64_t arg)
{
	domid_t domid;
	if (copy_from_guest(ctx, &domid, arg, sizeof(domid)))
		return -EFAULT;
	int err = 0;
	struct domain *d = hcall_target_domain(ctx, domid, &err);
	if (!d)
		return err;
	pthread_mutex_lock(&d->lock);
	long n = (long)(cmd == XENMEM_current_reservation ? d->frames.frames : d->max_pages);
	pthread_mutex_unlock(&d->lock);
	domain_put(d);
	return n;
}

/* The machine's map as a BIOS would report it: the RAM regions, and the
 * legacy VGA/BIOS area as reserved. */
static long machine_memory_map(struct hcall_ctx *ctx, uint64_t arg)
{
	if (!ctx->caller->is_privileged)
		return -EPERM;
	struct xen_memory_map map;
	if (copy_from_guest(ctx, &map, arg, sizeof(map)))
		return -EFAULT;
	struct e820entry e[MACHINE_MAX_REGIONS + 1];
	unsigned int n = 0;
	for (unsigned int i = 0; i < hv->machine.nr_regions; i++) {
		const struct machine_region *r = &hv->machine.regions[i];
		e[n++] = (struct e820entry){ r->start_mfn << PAGE_SHIFT, r->nr_frames << PAGE_SHIFT, E820_RAM };
		if (r->start_mfn == 0)
			e[n++] = (struct e820entry){ MACHINE_LOW_RAM_END, MACHINE_HIGH_RAM_START - MACHINE_LOW_RAM_END,
						     E820_RESERVED };
	}
	if (map.nr_entries < n)
		return -EINVAL; /* the caller's buffer is too small */
	if (copy_to_guest(ctx, guest_handle_addr(map.buffer), e, n * sizeof(e[0])))
		return -EFAULT;
	map.nr_entries = n;
	return copy_to_guest(ctx, arg, &map, sizeof(map)) ? -EFAULT : 0;
}

long do_memory_op(struct hcall_ctx *ctx, const uint64_t a[5])
{
	unsigned int cmd = (unsigned int)a[0] & MEMOP_CMD_MASK;
	uint64_t start = a[0] >> MEMOP_EXTENT_SHIFT;

	switch (cmd) {
	case XENMEM_increase_reservation:
	case XENMEM_populate_physmap:
		return populate(ctx, cmd, start, a[1]);
	case XENMEM_maximum_ram_page:
		/* One past the highest machine frame (Xen's max_page). */
		return (long)hv->machine.nr_frames;
	case XENMEM_machine_memory_map:
		return machine_memory_map(ctx, a[1]);
	case XENMEM_decrease_reservation:
		return decrease(ctx, cmd, start, a[1]);
	case XENMEM_current_reservation:
	case XENMEM_maximum_reservation:
		return reservation_size(ctx, cmd, a[1]);
	default:
		return -ENOSYS;
	}
}
