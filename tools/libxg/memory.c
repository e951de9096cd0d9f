/* Populating domains, listing their frames, mapping them, vCPU contexts. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "public/compat/x86_32.h"
#include "public/memory.h"
#include "public/xen.h"
#include "public/xg_control.h"
#include "xg_private.h"

#define POPULATE_BATCH 1024

XG_EXPORT long xg_domain_populate(xg_handle *h, uint32_t domid, uint64_t nr, unsigned int order,
				  unsigned int address_bits, uint64_t *mfns)
{
	return xg_domain_populate_at(h, domid, 0, nr, order, address_bits, mfns);
}

XG_EXPORT long xg_domain_populate_at(xg_handle *h, uint32_t domid, uint64_t first_pfn, uint64_t nr,
				     unsigned int order, unsigned int address_bits, uint64_t *mfns)
{
	if (domid > 0xffff || address_bits > 0xff)
		return xg_error(-EINVAL, "invalid domain id or address width");
	uint64_t done = 0;
	while (done < nr) {
		uint64_t want = nr - done > POPULATE_BATCH ? POPULATE_BATCH : nr - done;
		struct xg_call c = { 0 };
		uint64_t list = xg_call_put(&c, NULL, want * sizeof(xen_pfn_t));
		uint64_t at = xg_call_put(&c, NULL, sizeof(struct xen_memory_reservation));
		if (!list || !at) {
			xg_call_free(&c);
			return xg_error(-ENOMEM, "out of memory");
		}
		/* For a PV domain the hypervisor enters each frame in the M2P
		 * at the guest frame number given here, as Xen does. */
		xen_pfn_t *in = xg_call_at(&c, list);
		for (uint64_t i = 0; i < want; i++)
			in[i] = first_pfn + ((done + i) << order);
		struct xen_memory_reservation *r = xg_call_at(&c, at);
		r->extent_start.p = (xen_pfn_t *)(uintptr_t)list;
		r->nr_extents = want;
		r->extent_order = order;
		r->mem_flags = XENMEMF_address_bits(address_bits);
		r->domid = (domid_t)domid;
		uint64_t args[5] = { XENMEM_populate_physmap, at };
		long rc = xg_hypercall(h, __HYPERVISOR_memory_op, args, &c);
		if (rc > 0)
			memcpy(mfns + done, xg_call_at(&c, list), (size_t)rc * sizeof(uint64_t));
		xg_call_free(&c);
		if (rc < 0)
			return done ? (long)done
				    : xg_error((int)rc, "cannot populate domain %u: %s", domid, strerror((int)-rc));
		done += (uint64_t)rc;
		if ((uint64_t)rc < want)
			break;
	}
	return (long)done;
}

XG_EXPORT long xg_domain_frames(xg_handle *h, uint32_t domid, uint64_t start, uint64_t *mfns, size_t max)
{
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	size_t done = 0;
	while (done < max) {
		size_t want = max - done > 65536 ? 65536 : max - done;
		struct xg_call c = { 0 };
		uint64_t at = xg_call_put(&c, NULL, sizeof(struct xg_domctl));
		uint64_t buf = xg_call_put(&c, NULL, want * sizeof(uint64_t));
		if (!at || !buf) {
			xg_call_free(&c);
			return xg_error(-ENOMEM, "out of memory");
		}
		struct xg_domctl *op = xg_call_at(&c, at);
		op->cmd = XG_DOMCTL_getmemlist;
		op->interface_version = XG_DOMCTL_INTERFACE_VERSION;
		op->domain = (uint16_t)domid;
		op->u.getmemlist.start = start + done;
		op->u.getmemlist.max = want;
		op->u.getmemlist.buffer = buf;
		uint64_t args[5] = { at };
		long rc = xg_hypercall(h, __HYPERVISOR_domctl, args, &c);
		uint64_t got = rc < 0 ? 0 : ((struct xg_domctl *)xg_call_at(&c, at))->u.getmemlist.count;
		if (got > want)
			got = want;
		memcpy(mfns + done, xg_call_at(&c, buf), got * sizeof(uint64_t));
		xg_call_free(&c);
		if (rc < 0)
			return xg_error((int)rc, "cannot list the frames of domain %u: %s", domid, strerror((int)-rc));
		done += got;
		if (got < want)
			break;
	}
	return (long)done;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

XG_EXPORT void *xg_map_foreign(xg_handle *h, uint32_t domid, uint64_t mfn, size_t count, int prot)
{
	struct xg_domain_info info;
	if (!count || xg_domain_info(h, domid, &info) < 0) {
		if (!count)
			xg_error(-EINVAL, "nothing to map");
		return NULL;
	}
	uint64_t *owned = malloc((info.tot_frames + 1) * sizeof(uint64_t));
	if (!owned) {
		xg_error(-ENOMEM, "out of memory");
		return NULL;
	}
	long n = xg_domain_frames(h, domid, 0, owned, info.tot_frames + 1);
	bool all_owned = n > 0;
	for (size_t i = 0; i < count && all_owned; i++) {
		uint64_t want = mfn + i;
		all_owned = bsearch(&want, owned, (size_t)n, sizeof(uint64_t), cmp_u64) != NULL;
	}
	free(owned);
	if (n < 0)
		return NULL;
	if (!all_owned) {
		xg_error(-EPERM, "frames %#llx-%#llx do not all belong to domain %u", (unsigned long long)mfn,
			 (unsigned long long)(mfn + count - 1), domid);
		return NULL;
	}
	if (xg_machine_map(h) < 0)
		return NULL;
	void *p = mmap(NULL, count * XG_FRAME_SIZE, prot, MAP_SHARED, h->memfd, (off_t)(mfn * XG_FRAME_SIZE));
	if (p == MAP_FAILED) {
		xg_error(-errno, "cannot map frames of domain %u: %s", domid, strerror(errno));
		return NULL;
	}
	return p;
}

XG_EXPORT void xg_unmap_foreign(void *addr, size_t count)
{
	if (addr)
		munmap(addr, count * XG_FRAME_SIZE);
}

static int vcpu_context(xg_handle *h, uint32_t cmd, uint32_t domid, uint32_t vcpu, void *ctxt, size_t size)
{
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	/* The layout follows the domain's guest width: struct
	 * vcpu_guest_context for 64-bit PV, struct compat_vcpu_guest_context
	 * for 32-bit PAE; the hypervisor checks that it matches the domain. */
	if (size != sizeof(struct vcpu_guest_context) && size != sizeof(struct compat_vcpu_guest_context))
		return xg_error(-EINVAL, "a vCPU context is %zu (64-bit) or %zu (32-bit) bytes, not %zu",
				sizeof(struct vcpu_guest_context), sizeof(struct compat_vcpu_guest_context), size);
	struct xg_call c = { 0 };
	uint64_t at = xg_call_put(&c, NULL, sizeof(struct xg_domctl));
	uint64_t buf = xg_call_put(&c, ctxt, size);
	if (!at || !buf) {
		xg_call_free(&c);
		return xg_error(-ENOMEM, "out of memory");
	}
	struct xg_domctl *op = xg_call_at(&c, at);
	op->cmd = cmd;
	op->interface_version = XG_DOMCTL_INTERFACE_VERSION;
	op->domain = (uint16_t)domid;
	op->u.vcpucontext.vcpu = vcpu;
	op->u.vcpucontext.ctxt = buf;
	uint64_t args[5] = { at };
	long rc = xg_hypercall(h, __HYPERVISOR_domctl, args, &c);
	if (rc == 0 && cmd == XG_DOMCTL_getvcpucontext)
		memcpy(ctxt, xg_call_at(&c, buf), size);
	xg_call_free(&c);
	if (rc < 0)
		return xg_error((int)rc, "cannot %s the context of vCPU %u of domain %u: %s",
				cmd == XG_DOMCTL_getvcpucontext ? "read" : "set", vcpu, domid, strerror((int)-rc));
	return 0;
}

XG_EXPORT int xg_vcpu_getcontext(xg_handle *h, uint32_t domid, uint32_t vcpu, void *ctxt, size_t size)
{
	return vcpu_context(h, XG_DOMCTL_getvcpucontext, domid, vcpu, ctxt, size);
}

XG_EXPORT int xg_vcpu_setcontext(xg_handle *h, uint32_t domid, uint32_t vcpu, const void *ctxt, size_t size)
{
	return vcpu_context(h, XG_DOMCTL_setvcpucontext, domid, vcpu, (void *)ctxt, size);
}
