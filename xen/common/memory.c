/* HYPERVISOR_memory_op: growing a domain's memory and reading its size. */
#include <errno.h>
#include <stddef.h>

#include "hv/hypercall.h"
#include "hv/m2p.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/compat/x86_32.h"
#include "public/memory.h"
#include "public/xen.h"

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
	if (ctx->compat) {
		struct compat_xen_memory_reservation c;
		if (copy_from_guest(ctx, &c, arg, sizeof(c)))
			return -EFAULT;
		*r = (struct xen_memory_reservation){ .nr_extents = c.nr_extents, .extent_order = c.extent_order,
						      .mem_flags = c.mem_flags, .domid = c.domid };
		r->extent_start.p = (xen_pfn_t *)(uintptr_t)c.extent_start.c;
	} else if (copy_from_guest(ctx, r, arg, sizeof(*r))) {
		return -EFAULT;
	}
	if (r->extent_order > max_order(ctx->caller))
		return -EPERM;
	if (start > r->nr_extents)
		return -EINVAL;
	return 0;
}

/* A guest's long populate/decrease is continued every MEMOP_BATCH
 * extents, its progress (extent i) in cmd's upper bits as Xen does: true
 * when the call was continued here. */
static bool continued_at(struct hcall_ctx *ctx, unsigned int cmd, uint64_t arg, uint64_t start, uint64_t i)
{
	if (!ctx->vcpu || i - start != MEMOP_BATCH)
		return false;
	uint64_t next[5] = { cmd | (i << MEMOP_EXTENT_SHIFT), arg, 0, 0, 0 };
	hypercall_continue(ctx, next);
	return true;
}

/* The address width d's frames must keep to: a 32-bit guest's must be
 * in the compat M2P (and so, on big machines, below some limit). */
static unsigned int frame_limit_bits(const struct domain *d, unsigned int bits)
{
	if (!domain_is_pv32(d) || m2p_compat_limit() >= hv->machine.nr_frames)
		return bits;
	unsigned int limit = PAGE_SHIFT;
	while ((1ull << (limit + 1 - PAGE_SHIFT)) <= m2p_compat_limit())
		limit++;
	return bits && bits < limit ? bits : limit;
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
		if (continued_at(ctx, cmd, arg, start, i))
			goto out;
		uint64_t pages = 1ull << r.extent_order;
		pthread_mutex_lock(&d->lock);
		bool over = d->frames.frames + pages > d->max_pages;
		pthread_mutex_unlock(&d->lock);
		if (over)
			break;
		uint64_t gpfn = M2P_INVALID;
		if (cmd == XENMEM_populate_physmap) {
			if (copy_long_from_guest(ctx, list, i, &gpfn)) {
				rc = i ? 0 : -EFAULT;
				break;
			}
		}
		uint64_t mfn = heap_alloc(&hv->heap, r.extent_order, frame_limit_bits(d, bits), OWNER_NONE);
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
			if (copy_long_to_guest(ctx, list, i, mfn)) {
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
		if (continued_at(ctx, cmd, arg, start, i)) {
			domain_put(d);
			return 0;
		}
		uint64_t gmfn;
		if (copy_long_from_guest(ctx, list, i, &gmfn)) {
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

/* The domain a call's domid_t argument names (referenced), or NULL with
 * *err set. */
static struct domain *domid_arg_target(struct hcall_ctx *ctx, uint64_t arg, int *err)
{
	domid_t domid;
	if (copy_from_guest(ctx, &domid, arg, sizeof(domid))) {
		*err = -EFAULT;
		return NULL;
	}
	return hcall_target_domain(ctx, domid, err);
}

static long reservation_size(struct hcall_ctx *ctx, unsigned int cmd, uint64_t arg)
{
	int err = 0;
	struct domain *d = domid_arg_target(ctx, arg, &err);
	if (!d)
		return err;
	pthread_mutex_lock(&d->lock);
	long n = (long)(cmd == XENMEM_current_reservation ? d->frames.frames : d->max_pages);
	pthread_mutex_unlock(&d->lock);
	domain_put(d);
	return n;
}

static int read_memory_map(struct hcall_ctx *ctx, uint64_t arg, struct xen_memory_map *map)
{
	if (!ctx->compat)
		return copy_from_guest(ctx, map, arg, sizeof(*map));
	struct compat_xen_memory_map c;
	if (copy_from_guest(ctx, &c, arg, sizeof(c)))
		return -EFAULT;
	map->nr_entries = c.nr_entries;
	map->buffer.p = (void *)(uintptr_t)c.buffer.c;
	return 0;
}

/* The machine's map as a BIOS would report it: the RAM regions, and the
 * legacy VGA/BIOS area as reserved. */
static long machine_memory_map(struct hcall_ctx *ctx, uint64_t arg)
{
	if (!ctx->caller->is_privileged)
		return -EPERM;
	struct xen_memory_map map;
	if (read_memory_map(ctx, arg, &map))
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
	/* nr_entries comes first in both layouts. */
	return copy_to_guest(ctx, arg, &n, sizeof(n)) ? -EFAULT : 0;
}

/* Where the M2P is mapped in a PV guest and the frames it covers. */
static long machphys_mapping(struct hcall_ctx *ctx, uint64_t arg)
{
	if (ctx->compat) {
		struct compat_xen_machphys_mapping c = {
			.v_start = PV32_M2P_START,
			.v_end = PV32_M2P_END,
			.max_mfn = (compat_ulong_t)(m2p_compat_limit() - 1),
		};
		return copy_to_guest(ctx, arg, &c, sizeof(c)) ? -EFAULT : 0;
	}
	struct xen_machphys_mapping m = {
		.v_start = MACH2PHYS_VIRT_START,
		.v_end = MACH2PHYS_VIRT_START + m2p_table_size(),
		.max_mfn = hv->machine.nr_frames - 1,
	};
	return copy_to_guest(ctx, arg, &m, sizeof(m)) ? -EFAULT : 0;
}

/* The frame starting each 2 MiB of the M2P (the toolstack maps the table
 * through these).  The table is contiguous, so each is 512 frames on. */
static long machphys_mfn_list(struct hcall_ctx *ctx, uint64_t arg)
{
	/* A 32-bit caller asks about its own (compat) table. */
	unsigned int max;
	uint64_t list;
	if (ctx->compat) {
		struct compat_xen_machphys_mfn_list c;
		if (copy_from_guest(ctx, &c, arg, sizeof(c)))
			return -EFAULT;
		max = c.max_extents;
		list = c.extent_start.c;
	} else {
		struct xen_machphys_mfn_list l;
		if (copy_from_guest(ctx, &l, arg, sizeof(l)))
			return -EFAULT;
		max = l.max_extents;
		list = guest_handle_addr(l.extent_start);
	}
	unsigned int i;
	for (i = 0; i < max; i++) {
		uint64_t mfn = ctx->compat ? m2p_compat_table_mfn((uint64_t)i * 512) : m2p_table_mfn((uint64_t)i * 512);
		if (mfn == MFN_INVALID)
			break;
		if (copy_long_to_guest(ctx, list, i, mfn))
			return -EFAULT;
	}
	/* nr_extents follows max_extents and the handle in both layouts. */
	size_t at = ctx->compat ? offsetof(struct compat_xen_machphys_mfn_list, nr_extents)
				: offsetof(struct xen_machphys_mfn_list, nr_extents);
	return copy_to_guest(ctx, arg + at, &i, sizeof(i)) ? -EFAULT : 0;
}

/* A PV guest states its highest pfn + 1 in shared_info (arch.max_pfn), as
 * Xen reads it. */
static long maximum_gpfn(struct hcall_ctx *ctx, uint64_t arg)
{
	int err = 0;
	struct domain *d = domid_arg_target(ctx, arg, &err);
	if (!d)
		return err;
	const void *si = machine_frame(&hv->machine, d->shared_info_mfn);
	uint64_t max_pfn = domain_is_pv32(d)
				   ? __atomic_load_n(&((const struct compat_shared_info *)si)->arch.max_pfn, __ATOMIC_RELAXED)
				   : __atomic_load_n(&((const struct shared_info *)si)->arch.max_pfn, __ATOMIC_RELAXED);
	domain_put(d);
	return (long)((max_pfn ? max_pfn : 1) - 1);
}

/* An input frame can be exchanged when the allocation's is the only
 * reference left and nothing types it (Xen's steal_page). */
static bool can_steal(struct domain *d, uint64_t mfn)
{
	if (mfn >= hv->machine.nr_frames || !frame_set_contains(&d->frames, mfn))
		return false;
	const struct page_info *pg = mfn_to_page(&hv->heap, mfn);
	return atomic_load(&pg->count_info) == (PGC_ALLOCATED | 1) && !(atomic_load(&pg->type_info) & PGT_COUNT_MASK);
}

/*
 * One chunk of an exchange: in_n input extents of order in.extent_order
 * for out_n output extents, the same number of frames.  All or nothing:
 * new frames are allocated first, the inputs are checked and released
 * under the domain's lock, then the new frames join the domain.
 */
static long exchange_chunk(struct hcall_ctx *ctx, struct domain *d, const struct xen_memory_exchange *x,
			   uint64_t in_first, uint64_t in_n, uint64_t out_first, uint64_t out_n)
{
	unsigned int bits = XENMEMF_get_address_bits(x->out.mem_flags);
	uint64_t in_pages = 1ull << x->in.extent_order, out_pages = 1ull << x->out.extent_order;
	uint64_t in_mfns[512], out_mfns[512], gpfns[512];
	uint64_t in_list = guest_handle_addr(x->in.extent_start), out_list = guest_handle_addr(x->out.extent_start);
	for (uint64_t i = 0; i < in_n; i++)
		if (copy_long_from_guest(ctx, in_list, in_first + i, &in_mfns[i]))
			return -EFAULT;
	for (uint64_t i = 0; i < out_n; i++)
		if (copy_long_from_guest(ctx, out_list, out_first + i, &gpfns[i]))
			return -EFAULT;
	uint64_t got;
	for (got = 0; got < out_n; got++) {
		out_mfns[got] = heap_alloc(&hv->heap, x->out.extent_order, frame_limit_bits(d, bits), OWNER_NONE);
		if (out_mfns[got] == MFN_INVALID)
			break;
	}
	long rc = got < out_n ? -ENOMEM : 0;

	pthread_mutex_lock(&d->lock);
	for (uint64_t i = 0; i < in_n && !rc; i++) {
		if (in_mfns[i] + in_pages < in_mfns[i])
			rc = -EINVAL;
		for (uint64_t j = 0; j < in_pages && !rc; j++)
			if (d->is_dying || !can_steal(d, in_mfns[i] + j))
				rc = -EINVAL;
		/* An input named twice would be released twice. */
		for (uint64_t k = 0; k < i && !rc; k++)
			if (in_mfns[k] < in_mfns[i] + in_pages && in_mfns[i] < in_mfns[k] + in_pages)
				rc = -EINVAL;
	}
	if (!rc) {
		for (uint64_t i = 0; i < in_n; i++) {
			for (uint64_t j = 0; j < in_pages; j++) {
				struct page_info *pg = mfn_to_page(&hv->heap, in_mfns[i] + j);
				atomic_fetch_and(&pg->count_info, ~PGC_ALLOCATED);
				pv_put_page(d, in_mfns[i] + j);
			}
		}
	}
	/* The new frames join under the same lock: the domain's size never
	 * passes its maximum, not even between the two steps. */
	for (uint64_t i = 0; i < got; i++) {
		if (!rc && domain_assign_frames_locked(d, out_mfns[i], out_pages))
			rc = -ENOMEM;
		if (rc) {
			heap_free_range(&hv->heap, out_mfns[i], out_pages);
			continue;
		}
		for (uint64_t j = 0; j < out_pages; j++)
			m2p_set(out_mfns[i] + j, gpfns[i] + j);
	}
	pthread_mutex_unlock(&d->lock);
	for (uint64_t i = 0; i < out_n && !rc; i++)
		if (copy_long_to_guest(ctx, out_list, out_first + i, out_mfns[i]))
			rc = -EFAULT;
	return rc;
}

static int read_exchange(struct hcall_ctx *ctx, uint64_t arg, struct xen_memory_exchange *x)
{
	if (!ctx->compat)
		return copy_from_guest(ctx, x, arg, sizeof(*x));
	struct compat_xen_memory_exchange c;
	if (copy_from_guest(ctx, &c, arg, sizeof(c)))
		return -EFAULT;
	const struct compat_xen_memory_reservation *cr[2] = { &c.in, &c.out };
	struct xen_memory_reservation *r[2] = { &x->in, &x->out };
	for (int i = 0; i < 2; i++) {
		*r[i] = (struct xen_memory_reservation){ .nr_extents = cr[i]->nr_extents,
							 .extent_order = cr[i]->extent_order,
							 .mem_flags = cr[i]->mem_flags,
							 .domid = cr[i]->domid };
		r[i]->extent_start.p = (xen_pfn_t *)(uintptr_t)cr[i]->extent_start.c;
	}
	x->nr_exchanged = c.nr_exchanged;
	return 0;
}

/* Only nr_exchanged is written back, as in Xen. */
static int write_exchanged(struct hcall_ctx *ctx, uint64_t arg, const struct xen_memory_exchange *x)
{
	size_t at = ctx->compat ? offsetof(struct compat_xen_memory_exchange, nr_exchanged)
				: offsetof(struct xen_memory_exchange, nr_exchanged);
	return copy_long_to_guest(ctx, arg + at, 0, x->nr_exchanged);
}

/* XENMEM_exchange: trade frames for others (typically below an address
 * limit, or contiguous).  nr_exchanged tells how many inputs are done, also
 * when the call fails part-way or is continued. */
static long exchange(struct hcall_ctx *ctx, uint64_t arg)
{
	struct xen_memory_exchange x;
	if (read_exchange(ctx, arg, &x))
		return -EFAULT;
	unsigned int in_order = x.in.extent_order, out_order = x.out.extent_order;
	if (in_order > max_order(ctx->caller) || out_order > max_order(ctx->caller))
		return -EPERM;
	if (x.in.nr_extents > (1ull << 40) || x.out.nr_extents > (1ull << 40) ||
	    (x.in.nr_extents << in_order) != (x.out.nr_extents << out_order) || x.nr_exchanged > x.in.nr_extents ||
	    x.in.domid != x.out.domid)
		return -EINVAL;
	unsigned int bits = XENMEMF_get_address_bits(x.out.mem_flags);
	if (bits && bits <= PAGE_SHIFT + out_order)
		return -EINVAL;
	int err = 0;
	struct domain *d = hcall_target_domain(ctx, x.in.domid, &err);
	if (!d)
		return err;
	/* A chunk is one extent of the larger order and the matching number of
	 * the smaller; at most 512 extents either way (order difference <= 9). */
	unsigned int big = in_order > out_order ? in_order : out_order;
	uint64_t in_per = 1ull << (big - in_order), out_per = 1ull << (big - out_order);
	long rc = 0;
	if (in_per > 512 || out_per > 512)
		rc = -EINVAL;
	unsigned int chunks = 0;
	while (!rc && x.nr_exchanged < x.in.nr_extents) {
		if (ctx->vcpu && chunks++ == MEMOP_BATCH) {
			if (write_exchanged(ctx, arg, &x)) {
				rc = -EFAULT;
				break;
			}
			uint64_t next[5] = { XENMEM_exchange, arg, 0, 0, 0 };
			hypercall_continue(ctx, next);
			domain_put(d);
			return 0;
		}
		uint64_t chunk = x.nr_exchanged / in_per;
		rc = exchange_chunk(ctx, d, &x, chunk * in_per, in_per, chunk * out_per, out_per);
		if (!rc)
			x.nr_exchanged += in_per;
	}
	domain_put(d);
	if (write_exchanged(ctx, arg, &x))
		return -EFAULT;
	return rc;
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
	case XENMEM_maximum_gpfn:
		return maximum_gpfn(ctx, a[1]);
	case XENMEM_exchange:
		return exchange(ctx, a[1]);
	case XENMEM_machphys_mapping:
		return machphys_mapping(ctx, a[1]);
	case XENMEM_machphys_mfn_list:
		return machphys_mfn_list(ctx, a[1]);
	default:
		return -ENOSYS;
	}
}
