/* The hypervisor core inside a test or benchmark process (inproc_hypervisor.h). */
#include "tests/lib/inproc_hypervisor.h"

#include <stdlib.h>
#include <string.h>

#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/xenstore.h"
#include "hv/m2p.h"
#include "public/memory.h"
#include "public/xen.h"

static struct hypervisor the_hypervisor;
struct hypervisor *hv = &the_hypervisor;

struct domain *inproc_hypervisor_start(uint64_t machine_bytes, const char **why)
{
	if (machine_init(&hv->machine, machine_bytes) || heap_init(&hv->heap, &hv->machine, hv->machine.ram_frames)) {
		*why = "no machine memory";
		return NULL;
	}
	if (m2p_init()) {
		*why = "no M2P";
		return NULL;
	}
	hv->backend = &exec_backend_emu;
	hv->exec_machine = (struct exec_machine){ hv->machine.base, hv->machine.nr_frames, hv->machine.memfd };
	hv->nr_cpus = 1;
	console_init(getenv("XG_TEST_LOG") != NULL);
	xs_reset(); /* an empty store (the in-process tests start several hypervisors) */
	if (domain_subsystem_init() || domain_create_control()) {
		*why = "no domain subsystem";
		return NULL;
	}
	return domain_get(DOMID_CONTROL);
}

void inproc_hypervisor_stop(struct domain *d0)
{
	domain_put(d0);
	domain_subsystem_fini();
	console_fini();
	m2p_fini();
	heap_destroy(&hv->heap);
	machine_destroy(&hv->machine);
}

uint64_t inproc_put(struct inproc_req *r, const void *src, size_t len)
{
	size_t off = (r->used + 7) & ~(size_t)7;
	if (off + len > sizeof(r->data))
		return 0; /* no such handle: the call fails with -EFAULT */
	if (src)
		memcpy(r->data + off, src, len);
	else
		memset(r->data + off, 0, len);
	r->used = off + len;
	return XG_CTL_DATA_BASE + off;
}

void *inproc_at(struct inproc_req *r, uint64_t handle)
{
	return r->data + (handle - XG_CTL_DATA_BASE);
}

long inproc_call(struct inproc_req *r, unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3)
{
	/* A context per call, as each control request gets its own. */
	struct hcall_ctx ctx = { .caller = r->caller, .data = r->data, .data_len = r->used, .readonly = r->readonly };
	uint64_t args[5] = { a0, a1, a2, a3, 0 };
	return hypercall_dispatch(&ctx, nr, args);
}

long inproc_domctl(struct inproc_req *r, struct xg_domctl *op)
{
	r->used = 0;
	op->interface_version = XG_DOMCTL_INTERFACE_VERSION;
	uint64_t h = inproc_put(r, op, sizeof(*op));
	long rc = inproc_call(r, __HYPERVISOR_domctl, h, 0, 0, 0);
	memcpy(op, inproc_at(r, h), sizeof(*op));
	return rc;
}

long inproc_populate(struct inproc_req *r, uint16_t domid, uint64_t n, unsigned int order, unsigned int flags,
		     uint64_t *mfns)
{
	r->used = 0;
	uint64_t list = inproc_put(r, NULL, n * 8);
	struct xen_memory_reservation res = { .nr_extents = n, .extent_order = order, .mem_flags = flags,
					      .domid = domid };
	res.extent_start.p = (xen_pfn_t *)(uintptr_t)list;
	uint64_t h = inproc_put(r, &res, sizeof(res));
	long rc = inproc_call(r, __HYPERVISOR_memory_op, XENMEM_populate_physmap, h, 0, 0);
	if (rc > 0 && mfns)
		memcpy(mfns, inproc_at(r, list), (size_t)rc * 8);
	return rc;
}

long inproc_mmuext1(struct inproc_req *r, uint16_t domid, unsigned int cmd, uint64_t mfn)
{
	r->used = 0;
	struct mmuext_op op = { .cmd = cmd };
	op.arg1.mfn = mfn;
	uint64_t h = inproc_put(r, &op, sizeof(op));
	return inproc_call(r, __HYPERVISOR_mmuext_op, h, 1, 0, domid);
}

long inproc_mmu_update1(struct inproc_req *r, uint16_t domid, uint64_t table, unsigned int slot, uint64_t val)
{
	r->used = 0;
	struct mmu_update u = { .ptr = (table << PAGE_SHIFT) + slot * 8 + MMU_NORMAL_PT_UPDATE, .val = val };
	uint64_t h = inproc_put(r, &u, sizeof(u));
	/* foreigndom names domid as the owner of both tables and frames. */
	return inproc_call(r, __HYPERVISOR_mmu_update, h, 1, 0, ((uint64_t)(domid + 1) << 16) | domid);
}
