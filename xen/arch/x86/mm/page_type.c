/* Page types and validation of 64-bit PV page tables. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv/guest_walk.h"
#include "hv/hypervisor.h"
#include "hv/m2p.h"
#include "hv/pv.h"
#include "public/xen.h"

static unsigned int type_level(uint64_t type)
{
	return (unsigned int)(type >> PGT_TYPE_SHIFT);
}

static int validate_table(struct domain *d, uint64_t mfn, unsigned int level, char *why, size_t whylen);
static void release_entries(struct domain *d, uint64_t mfn, unsigned int level, unsigned int upto);

bool pv_get_page(struct domain *d, uint64_t mfn)
{
	if (mfn >= hv->machine.nr_frames)
		return false;
	struct page_info *pg = mfn_to_page(&hv->heap, mfn);
	if (atomic_load(&pg->owner) != d->id)
		return false;
	uint64_t c = atomic_load(&pg->count_info);
	do {
		/* A frame the domain has let go of takes no new references. */
		if (!(c & PGC_ALLOCATED) || (c & PGC_COUNT_MASK) == PGC_COUNT_MASK)
			return false;
	} while (!atomic_compare_exchange_weak(&pg->count_info, &c, c + 1));
	return true;
}

void pv_put_page(struct domain *d, uint64_t mfn)
{
	struct page_info *pg = mfn_to_page(&hv->heap, mfn);
	uint64_t c = atomic_fetch_sub(&pg->count_info, 1);
	if ((c & PGC_COUNT_MASK) == 1)
		domain_release_frame(d, mfn);
}

int pv_get_page_and_type(struct domain *d, uint64_t mfn, uint64_t type, char *why, size_t whylen)
{
	if (!pv_get_page(d, mfn)) {
		snprintf(why, whylen, "frame %#llx does not belong to the domain", (unsigned long long)mfn);
		return -EINVAL;
	}
	int rc = pv_get_page_type(d, mfn, type, why, whylen);
	if (rc)
		pv_put_page(d, mfn);
	return rc;
}

void pv_put_page_and_type(struct domain *d, uint64_t mfn)
{
	pv_put_page_type(d, mfn);
	pv_put_page(d, mfn);
}

int pv_get_page_type(struct domain *d, uint64_t mfn, uint64_t type, char *why, size_t whylen)
{
	struct page_info *pg = mfn_to_page(&hv->heap, mfn);
	uint64_t t = atomic_load(&pg->type_info);
	uint64_t count = t & PGT_COUNT_MASK;
	if (count && (t & PGT_TYPE_MASK) != type) {
		snprintf(why, whylen, "frame %#llx is in use as type %u, wanted as type %u",
			 (unsigned long long)mfn, type_level(t & PGT_TYPE_MASK), type_level(type));
		return -EINVAL;
	}
	if (count == PGT_COUNT_MASK) {
		snprintf(why, whylen, "type count of frame %#llx would overflow", (unsigned long long)mfn);
		return -EINVAL;
	}
	bool is_table = type >= PGT_l1_page_table && type <= PGT_l4_page_table;
	if (!count) {
		/* A frame nobody uses changes type freely (validated clears),
		 * but one that was mapped writable may still be writable through
		 * a stale TLB entry on some vCPU: those go first, as Xen's TLB
		 * flush clock ensures. */
		if (is_table && pg->tlbflush_stamp) {
			if ((int32_t)(atomic_load(&d->tlb_epoch) - pg->tlbflush_stamp) < 0)
				domain_flush_tlbs_sync(d);
			pg->tlbflush_stamp = 0;
		}
		t = type;
	}
	atomic_store(&pg->type_info, t + 1);

	if (is_table && !(t & PGT_validated)) {
		int rc = validate_table(d, mfn, type_level(type), why, whylen);
		if (rc) {
			atomic_store(&pg->type_info, t);
			return rc;
		}
		atomic_fetch_or(&pg->type_info, PGT_validated);
	}
	return 0;
}

void pv_put_page_type(struct domain *d, uint64_t mfn)
{
	struct page_info *pg = mfn_to_page(&hv->heap, mfn);
	uint64_t t = atomic_load(&pg->type_info);
	if (!(t & PGT_COUNT_MASK))
		return;
	uint64_t type = t & PGT_TYPE_MASK;
	if ((t & PGT_COUNT_MASK) == 1 && type == PGT_writable_page)
		pg->tlbflush_stamp = atomic_load(&d->tlb_epoch) + 1;
	if ((t & PGT_COUNT_MASK) == 1 && type >= PGT_l1_page_table && type <= PGT_l4_page_table &&
	    (t & PGT_validated)) {
		release_entries(d, mfn, type_level(type), 512);
		t &= ~PGT_validated;
	}
	atomic_store(&pg->type_info, t - 1);
}

static bool slot_reserved(unsigned int level, unsigned int i)
{
	return level == 4 && i >= PV64_RESERVED_FIRST_L4 && i <= PV64_RESERVED_LAST_L4;
}

/* What reference entry e of a level-`level` table holds, if any. */
static uint64_t entry_ref_type(uint64_t e, unsigned int level)
{
	if (level > 1)
		return (uint64_t)(level - 1) << PGT_TYPE_SHIFT;
	return (e & PTE_RW) ? PGT_writable_page : PGT_none;
}

/* Flag bits a 64-bit PV guest may not set (Xen's L<n>_DISALLOW_MASK for a
 * domain without I/O memory): cache attributes, large pages, global
 * upper-level entries, and the bit Xen keeps for grant mappings. */
static uint64_t disallowed_flags(unsigned int level)
{
	uint64_t base = PTE_PWT | PTE_PCD | PTE_PSE | PTE_GLOBAL;
	return level == 1 ? (base & ~PTE_GLOBAL) | PTE_GNTTAB : base;
}

/* A 64-bit PV kernel runs at CPL 3, so every present entry is made
 * user-accessible, as Xen's adjust_guest_l<n>e does. */
static uint64_t adjust_entry(uint64_t e)
{
	return (e & PTE_PRESENT) ? e | PTE_USER : e;
}

static int check_entry_flags(uint64_t e, unsigned int level, char *why, size_t whylen)
{
	uint64_t bad = e & disallowed_flags(level);
	if (!bad)
		return 0;
	snprintf(why, whylen, "L%u entry %#llx uses flags %#llx, which a PV guest may not", level,
		 (unsigned long long)e, (unsigned long long)bad);
	return -EINVAL;
}

static _Atomic uint64_t *table_entries(uint64_t mfn)
{
	return machine_frame(&hv->machine, mfn);
}

/* Take the references a present entry holds: a general reference on the
 * frame it names, and a type reference (writable, or the next lower
 * table level, validating it on first use).  As in Xen, an L1 entry that
 * cannot take its references is -EBUSY; bad flags and higher levels are
 * -EINVAL. */
static int get_entry_refs(struct domain *d, uint64_t e, unsigned int level, char *why, size_t whylen)
{
	uint64_t target = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
	int rc = check_entry_flags(e, level, why, whylen);
	if (rc)
		return rc;
	if (target >= hv->machine.nr_frames) {
		snprintf(why, whylen, "L%u entry %#llx names frame %#llx, past the end of memory", level,
			 (unsigned long long)e, (unsigned long long)target);
		return -EINVAL;
	}
	uint64_t type = entry_ref_type(e, level);
	if (type != PGT_none) {
		rc = pv_get_page_and_type(d, target, type, why, whylen);
	} else if (!pv_get_page(d, target)) {
		snprintf(why, whylen, "frame %#llx does not belong to the domain", (unsigned long long)target);
		rc = -EINVAL;
	}
	if (rc && level == 1)
		rc = -EBUSY;
	return rc;
}

static void put_entry_refs(struct domain *d, uint64_t e, unsigned int level)
{
	uint64_t target = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
	if (entry_ref_type(e, level) != PGT_none)
		pv_put_page_and_type(d, target);
	else
		pv_put_page(d, target);
}

/* As Xen does, whatever the guest put in the reserved slots is replaced by
 * the hypervisor's own entries: the M2P's read-only mapping (left out with
 * m2p_strict until the table becomes a kernel base pointer) and what the
 * backend needs.  This happens only while no vCPU can be using the table
 * (its type count just went from 0 to 1). */
static void install_reserved_slots(struct domain *d, uint64_t mfn)
{
	uint64_t entries[16] = { 0 };
	if (hv->backend->reserved_l4_entries)
		hv->backend->reserved_l4_entries(d->vm, entries);
	if (!(d->vm_assist & (1ul << VMASST_TYPE_m2p_strict)))
		entries[PV64_M2P_L4 - PV64_RESERVED_FIRST_L4] = m2p_l4_entry();
	_Atomic uint64_t *t = table_entries(mfn);
	for (unsigned int i = 0; i < 16; i++)
		atomic_store(&t[PV64_RESERVED_FIRST_L4 + i], entries[i]);
}

static void release_entries(struct domain *d, uint64_t mfn, unsigned int level, unsigned int upto)
{
	_Atomic uint64_t *t = table_entries(mfn);
	for (unsigned int i = 0; i < upto; i++) {
		uint64_t e = atomic_load(&t[i]);
		if ((e & PTE_PRESENT) && !slot_reserved(level, i))
			put_entry_refs(d, e, level);
	}
}

static int validate_table(struct domain *d, uint64_t mfn, unsigned int level, char *why, size_t whylen)
{
	_Atomic uint64_t *t = table_entries(mfn);
	for (unsigned int i = 0; i < 512; i++) {
		uint64_t e = atomic_load(&t[i]);
		if (slot_reserved(level, i) || !(e & PTE_PRESENT))
			continue; /* reserved slots are overwritten below */
		int rc = get_entry_refs(d, e, level, why, whylen);
		if (rc) {
			size_t n = strlen(why);
			snprintf(why + n, whylen - n, " (L%u %#llx entry %u)", level, (unsigned long long)mfn, i);
			release_entries(d, mfn, level, i);
			return rc;
		}
		atomic_fetch_or(&t[i], PTE_USER);
	}
	if (level == 4)
		install_reserved_slots(d, mfn);
	return 0;
}

unsigned int pv_table_level(uint64_t mfn)
{
	uint64_t t = atomic_load(&mfn_to_page(&hv->heap, mfn)->type_info);
	uint64_t type = t & PGT_TYPE_MASK;
	if (!(t & PGT_COUNT_MASK) || !(t & PGT_validated) || type < PGT_l1_page_table || type > PGT_l4_page_table)
		return 0;
	return type_level(type);
}

int pv_update_entry(struct domain *d, uint64_t table_mfn, unsigned int level, unsigned int i, uint64_t e,
		    bool preserve_ad, char *why, size_t whylen)
{
	if (slot_reserved(level, i)) {
		snprintf(why, whylen, "L4 slot %u is the hypervisor's", i);
		return -EINVAL;
	}
	_Atomic uint64_t *slot = &table_entries(table_mfn)[i];
	uint64_t old = atomic_load(slot);
	e = adjust_entry(e);
	if (preserve_ad)
		e |= old & (PTE_ACCESSED | PTE_DIRTY);
	/* Same frame, same presence and writability: only flags change, no
	 * reference does (Xen's fast path). */
	const uint64_t ref_bits = PTE_ADDR_MASK | PTE_PRESENT | PTE_RW;
	if ((e & PTE_PRESENT) && (old & PTE_PRESENT) && !((e ^ old) & ref_bits)) {
		int rc = check_entry_flags(e, level, why, whylen);
		if (!rc)
			atomic_store(slot, e);
		return rc;
	}
	if (e & PTE_PRESENT) {
		int rc = get_entry_refs(d, e, level, why, whylen);
		if (rc)
			return rc;
	}
	old = atomic_exchange(slot, e);
	if (old & PTE_PRESENT)
		put_entry_refs(d, old, level);
	return 0;
}

void pv_set_m2p_slot(uint64_t l4_mfn, bool present)
{
	atomic_store(&table_entries(l4_mfn)[PV64_M2P_L4], present ? m2p_l4_entry() : 0);
}
