/*
 * The tables a 32-bit PV vCPU really runs on.  Its guest's top level is a
 * PAE L3 of four entries, but the CPU is in long mode, so (as in Xen) each
 * vCPU gets an L4 the hypervisor owns whose slot 0 points at the guest's
 * current L3; compatibility-mode addresses all fall in that slot.  The
 * L4s live in hypervisor frames the VM can reach but the guest cannot name,
 * so no guest entry can ever map or change them.
 */
#include <errno.h>
#include <string.h>

#include "hv/arch.h"
#include "hv/guest_walk.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"

/* The guest's L3 entries decide access; the L4 entry allows everything. */
#define ROOT_SLOT0_FLAGS (PTE_PRESENT | PTE_RW | PTE_USER | PTE_ACCESSED)

static uint64_t vcpu_root_mfn(const struct vcpu *v)
{
	return v->domain->pv32_roots_mfn + v->id;
}

int arch_domain_init(struct domain *d)
{
	if (!domain_is_pv32(d))
		return 0;
	unsigned int order = 0;
	while ((1u << order) < d->max_vcpus)
		order++;
	uint64_t mfn = heap_alloc(&hv->heap, order, 0, OWNER_HYPERVISOR);
	if (mfn == MFN_INVALID)
		return -ENOMEM;
	heap_free_range(&hv->heap, mfn + d->max_vcpus, (1ull << order) - d->max_vcpus);
	int rc = hv->backend->map_frames(d->vm, mfn, d->max_vcpus);
	if (rc) {
		heap_free_range(&hv->heap, mfn, d->max_vcpus);
		return rc;
	}
	d->pv32_roots_mfn = mfn;
	/* Whatever the backend needs in the reserved slots, it needs here too. */
	uint64_t reserved[16] = { 0 };
	if (hv->backend->reserved_l4_entries)
		hv->backend->reserved_l4_entries(d->vm, reserved);
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		uint64_t *l4 = machine_frame(&hv->machine, mfn + i);
		memcpy(&l4[PV64_RESERVED_FIRST_L4], reserved, sizeof(reserved));
	}
	return 0;
}

void arch_domain_fini(struct domain *d)
{
	if (d->pv32_roots_mfn == MFN_INVALID)
		return;
	heap_free_range(&hv->heap, d->pv32_roots_mfn, d->max_vcpus);
	d->pv32_roots_mfn = MFN_INVALID;
}

bool pv_root_frame(const struct domain *d, uint64_t mfn)
{
	return d->pv32_roots_mfn != MFN_INVALID && mfn >= d->pv32_roots_mfn &&
	       mfn - d->pv32_roots_mfn < d->max_vcpus;
}

uint64_t pv_root_type(const struct domain *d)
{
	return domain_is_pv32(d) ? PGT_l3_page_table : PGT_l4_page_table;
}

void pv_vcpu_load_root(struct vcpu *v, uint64_t mfn)
{
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	if (!domain_is_pv32(v->domain)) {
		st->sys.cr3 = mfn << PAGE_SHIFT;
		return;
	}
	uint64_t root = vcpu_root_mfn(v);
	_Atomic uint64_t *l4 = machine_frame(&hv->machine, root);
	atomic_store(&l4[0], mfn ? (mfn << PAGE_SHIFT) | ROOT_SLOT0_FLAGS : 0);
	st->sys.cr3 = root << PAGE_SHIFT;
}
