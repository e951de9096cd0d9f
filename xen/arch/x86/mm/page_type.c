/* Page types and validation of 64-bit and 32-bit PAE PV page tables. */
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

/*
 * How much validation one call may do before it stops part-way (a NULL
 * budget: no limit, for updates that cannot be continued, such as an
 * emulated store).  4096 entries make a step of about 0.1 ms.
 */
unsigned int pv_validation_budget = 4096;
struct budget {
	unsigned int left; /* entries this call may still validate */
};

static int get_type(struct domain *d, uint64_t mfn, uint64_t type, struct budget *b, char *why, size_t whylen);
static int validate_table(struct domain *d, uint64_t mfn, uint64_t type, struct budget *b, char *why,
			  size_t whylen);
static void release_entries(struct domain *d, uint64_t mfn, uint64_t type, unsigned int upto);
static void release_partial(struct domain *d, uint64_t mfn, uint64_t type);

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
	if ((c & PGC_COUNT_MASK) != 1)
		return;
	/* A table left part-way validated holds a type reference without a
	 * general one; it goes with the frame, and so do its entries'. */
	if (atomic_load(&pg->type_info) & PGT_partial)
		pv_put_page_type(d, mfn);
	domain_release_frame(d, mfn);
}

static int get_page_and_type(struct domain *d, uint64_t mfn, uint64_t type, struct budget *b, char *why,
			     size_t whylen)
{
	if (!pv_get_page(d, mfn)) {
		snprintf(why, whylen, "frame %#llx does not belong to the domain", (unsigned long long)mfn);
		return -EINVAL;
	}
	int rc = get_type(d, mfn, type, b, why, whylen);
	if (rc)
		pv_put_page(d, mfn);
	return rc;
}

int pv_get_page_and_type(struct domain *d, uint64_t mfn, uint64_t type, char *why, size_t whylen)
{
	return get_page_and_type(d, mfn, type, NULL, why, whylen);
}

int pv_get_page_and_type_preemptible(struct domain *d, uint64_t mfn, uint64_t type, char *why, size_t whylen)
{
	struct budget b = { pv_validation_budget };
	return get_page_and_type(d, mfn, type, &b, why, whylen);
}

void pv_put_page_and_type(struct domain *d, uint64_t mfn)
{
	pv_put_page_type(d, mfn);
	pv_put_page(d, mfn);
}

/* The part of type_info two users of a frame must agree on. */
#define PGT_KIND_MASK (PGT_TYPE_MASK | PGT_pae_xen_l2)

static bool is_table_type(uint64_t type)
{
	type &= PGT_TYPE_MASK;
	return type >= PGT_l1_page_table && type <= PGT_l4_page_table;
}

int pv_get_page_type(struct domain *d, uint64_t mfn, uint64_t type, char *why, size_t whylen)
{
	return get_type(d, mfn, type, NULL, why, whylen);
}

/* A validation failed: the reference taken for it goes, and a frame left
 * unused has no type, as in Xen (so the next user of any type starts
 * afresh). */
static void drop_unvalidated_type(struct page_info *pg, uint64_t t)
{
	uint64_t left = t - 1;
	atomic_store(&pg->type_info, (left & PGT_COUNT_MASK) ? left : PGT_none);
}

/*
 * As in Xen, a validation that runs out of budget leaves the table
 * PGT_partial with exactly one type reference and returns -ERESTART: the
 * next caller to get that type (the continued hypercall, or anyone else)
 * adopts the reference instead of taking a new one and carries on from
 * nr_validated.  A failure drops the reference and every entry's.
 */
static int get_type(struct domain *d, uint64_t mfn, uint64_t type, struct budget *b, char *why, size_t whylen)
{
	struct page_info *pg = mfn_to_page(&hv->heap, mfn);
	uint64_t t = atomic_load(&pg->type_info);
	uint64_t count = t & PGT_COUNT_MASK;
	if (domain_is_pv32(d) && (type & PGT_TYPE_MASK) == PGT_l4_page_table) {
		snprintf(why, whylen, "a 32-bit guest has no L4 tables");
		return -EINVAL;
	}
	if (count && (t & PGT_KIND_MASK) != type) {
		snprintf(why, whylen, "frame %#llx is in use as type %u%s, wanted as type %u%s",
			 (unsigned long long)mfn, type_level(t & PGT_TYPE_MASK),
			 (t & PGT_pae_xen_l2) ? " (slot-3 L2)" : "", type_level(type),
			 (type & PGT_pae_xen_l2) ? " (slot-3 L2)" : "");
		return -EINVAL;
	}
	bool adopt = t & PGT_partial;
	if (!adopt && count == PGT_COUNT_MASK) {
		snprintf(why, whylen, "type count of frame %#llx would overflow", (unsigned long long)mfn);
		return -EINVAL;
	}
	bool is_table = is_table_type(type);
	bool checked = is_table || type == PGT_seg_desc_page; /* contents validated */
	if (!count) {
		/* A frame nobody uses changes type freely (validated clears),
		 * but one that was mapped writable may still be writable through
		 * a stale TLB entry on some vCPU: those go first, as Xen's TLB
		 * flush clock ensures. */
		if (checked && pg->tlbflush_stamp) {
			if ((int32_t)(atomic_load(&d->tlb_epoch) - pg->tlbflush_stamp) < 0)
				domain_flush_tlbs_sync(d);
			pg->tlbflush_stamp = 0;
		}
		t = type;
		pg->nr_validated = 0;
		pg->partial_flags = 0;
	}
	t = adopt ? t & ~PGT_partial : t + 1;
	atomic_store(&pg->type_info, t);

	if (is_table && !(t & PGT_validated)) {
		int rc = validate_table(d, mfn, type, b, why, whylen);
		if (rc == -ERESTART) {
			atomic_store(&pg->type_info, t | PGT_partial);
			return rc;
		}
		if (rc) {
			drop_unvalidated_type(pg, t);
			return rc;
		}
		atomic_fetch_or(&pg->type_info, PGT_validated);
	} else if (type == PGT_seg_desc_page && !(t & PGT_validated)) {
		int rc = pv_validate_segdesc_page(d, mfn, why, whylen);
		if (rc) {
			drop_unvalidated_type(pg, t);
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
	uint64_t type = t & PGT_KIND_MASK;
	if ((t & PGT_COUNT_MASK) == 1 && type == PGT_writable_page)
		pg->tlbflush_stamp = atomic_load(&d->tlb_epoch) + 1;
	if ((t & PGT_COUNT_MASK) == 1 && is_table_type(type) && (t & PGT_validated)) {
		release_entries(d, mfn, type, 512);
		t &= ~PGT_validated;
	} else if ((t & PGT_COUNT_MASK) == 1 && (t & PGT_partial)) {
		release_partial(d, mfn, type);
		t &= ~PGT_partial;
	}
	atomic_store(&pg->type_info, t - 1);
}

/* Whether slot i of a table of this type holds the guest's entry; the
 * others are the hypervisor's (64-bit L4 slots 256-271, the top of a
 * 32-bit guest's slot-3 L2) or, past a 32-bit L3's four, unused. */
static bool guest_slot(const struct domain *d, uint64_t type, unsigned int i)
{
	switch (type & PGT_TYPE_MASK) {
	case PGT_l4_page_table:
		return i < PV64_RESERVED_FIRST_L4 || i > PV64_RESERVED_LAST_L4;
	case PGT_l3_page_table:
		return !domain_is_pv32(d) || i < PV32_L3_ENTRIES;
	case PGT_l2_page_table:
		return !(type & PGT_pae_xen_l2) || i < PV32_FIRST_XEN_L2;
	default:
		return true;
	}
}

/* What reference entry e of a level-`level` table holds, if any. */
static uint64_t entry_ref_type(uint64_t e, unsigned int level)
{
	if (level > 1)
		return (uint64_t)(level - 1) << PGT_TYPE_SHIFT;
	return (e & PTE_RW) ? PGT_writable_page : PGT_none;
}

/* Flag bits a PV guest may not set (Xen's L<n>_DISALLOW_MASK for a domain
 * without I/O memory): cache attributes, large pages, global upper-level
 * entries, and the bit Xen keeps for grant mappings.  A 32-bit guest's L3
 * entries are PAE PDPTEs: none of the high flag bits either. */
static uint64_t disallowed_flags(const struct domain *d, unsigned int level)
{
	uint64_t base = PTE_PWT | PTE_PCD | PTE_PSE | PTE_GLOBAL;
	if (level == 3 && domain_is_pv32(d))
		return base | 0xfff0000000000000ull;
	return level == 1 ? (base & ~PTE_GLOBAL) | PTE_GNTTAB : base;
}

/* Bits the hypervisor adds to a present entry, as Xen's adjust_guest_l<n>e:
 * a 64-bit PV kernel runs at CPL 3, so every level is user-accessible; a
 * 32-bit one runs at CPL 1 and keeps its own user bits below the L3, whose
 * PDPTE-style entries become ordinary long-mode L3 entries. */
static uint64_t adjust_bits(const struct domain *d, unsigned int level)
{
	if (!domain_is_pv32(d))
		return PTE_USER;
	return level == 3 ? PTE_USER | PTE_RW : 0;
}

static uint64_t adjust_entry(const struct domain *d, unsigned int level, uint64_t e)
{
	return (e & PTE_PRESENT) ? e | adjust_bits(d, level) : e;
}

static int check_entry_flags(const struct domain *d, uint64_t e, unsigned int level, char *why, size_t whylen)
{
	uint64_t bad = e & disallowed_flags(d, level);
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
 * table level, validating it on first use; ref_type overrides that).  As
 * in Xen, an L1 entry that cannot take its references is -EBUSY; bad flags
 * and higher levels are -EINVAL. */
static int get_entry_refs(struct domain *d, uint64_t e, unsigned int level, uint64_t ref_type, struct budget *b,
			  char *why, size_t whylen)
{
	uint64_t target = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
	int rc = check_entry_flags(d, e, level, why, whylen);
	if (rc)
		return rc;
	if (target >= hv->machine.nr_frames) {
		snprintf(why, whylen, "L%u entry %#llx names frame %#llx, past the end of memory", level,
			 (unsigned long long)e, (unsigned long long)target);
		return -EINVAL;
	}
	if (ref_type != PGT_none) {
		if (!pv_get_page(d, target)) {
			snprintf(why, whylen, "frame %#llx does not belong to the domain", (unsigned long long)target);
			rc = -EINVAL;
		} else {
			rc = get_type(d, target, ref_type, b, why, whylen);
			/* Stopped part-way: the entry keeps its general reference
			 * while the table below is partial. */
			if (rc && rc != -ERESTART)
				pv_put_page(d, target);
		}
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

/* The hypervisor's part of a 32-bit guest's slot-3 L2: the compat M2P. */
static void install_pae_xen_slots(uint64_t mfn)
{
	_Atomic uint64_t *t = table_entries(mfn);
	for (unsigned int i = 0; i < PV32_XEN_L2_SLOTS; i++)
		atomic_store(&t[PV32_FIRST_XEN_L2 + i], m2p_compat_l2_entry(i));
}

static void release_entries(struct domain *d, uint64_t mfn, uint64_t type, unsigned int upto)
{
	_Atomic uint64_t *t = table_entries(mfn);
	unsigned int level = type_level(type);
	for (unsigned int i = 0; i < upto; i++) {
		uint64_t e = atomic_load(&t[i]);
		if ((e & PTE_PRESENT) && guest_slot(d, type, i))
			put_entry_refs(d, e, level);
	}
}

static int refuse_entry(int rc, char *why, size_t whylen, unsigned int level, uint64_t mfn, unsigned int i)
{
	size_t n = strlen(why);
	snprintf(why + n, whylen - n, " (L%u %#llx entry %u)", level, (unsigned long long)mfn, i);
	return rc;
}

/*
 * The rules only a 32-bit guest's L3 has, checked before its entries: Xen
 * refuses one at or above 4 GiB unless the guest understands the extended
 * CR3 format, sparing the toolstack before vCPU 0 runs; and only four
 * entries exist, so the rest of the page is cleared as Xen does.
 */
static int prepare_pv32_l3(struct domain *d, uint64_t mfn, char *why, size_t whylen)
{
	if (mfn >= (1ull << (32 - PAGE_SHIFT)) && !(d->vm_assist & (1ul << VMASST_TYPE_pae_extended_cr3)) &&
	    d->vcpus[0] && d->vcpus[0]->initialised) {
		snprintf(why, whylen, "L3 %#llx is at or above 4 GiB and the guest has not enabled pae_extended_cr3",
			 (unsigned long long)mfn);
		return -ERANGE;
	}
	_Atomic uint64_t *t = table_entries(mfn);
	for (unsigned int i = PV32_L3_ENTRIES; i < 512; i++)
		atomic_store(&t[i], 0);
	return 0;
}

/* Carry on with an entry whose table below stopped part-way: the entry
 * holds a general reference already, and adopts the partial type one. */
static int resume_entry_refs(struct domain *d, uint64_t e, uint64_t ref_type, struct budget *b, char *why,
			     size_t whylen)
{
	uint64_t target = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
	int rc = get_type(d, target, ref_type, b, why, whylen);
	if (rc && rc != -ERESTART)
		pv_put_page(d, target);
	return rc;
}

/* Slot 3 of a 32-bit L3: a present L2 of the slot-3 kind that no other L3
 * uses (it holds the hypervisor's mappings, so it is never shared). */
static int get_pv32_l3_slot3(struct domain *d, uint64_t e, bool resume, struct budget *b, char *why,
			     size_t whylen)
{
	const uint64_t type = PGT_l2_page_table | PGT_pae_xen_l2;
	if (!(e & PTE_PRESENT)) {
		snprintf(why, whylen, "L3 slot 3 (3-4 GiB, the hypervisor's part) is not present");
		return -EINVAL;
	}
	int rc = resume ? resume_entry_refs(d, e, type, b, why, whylen) : get_entry_refs(d, e, 3, type, b, why, whylen);
	if (rc)
		return rc;
	uint64_t l2 = (e & PTE_ADDR_MASK) >> PAGE_SHIFT;
	if ((atomic_load(&mfn_to_page(&hv->heap, l2)->type_info) & PGT_COUNT_MASK) != 1) {
		put_entry_refs(d, e, 3);
		snprintf(why, whylen, "the slot-3 L2 %#llx is already used by another L3", (unsigned long long)l2);
		return -EINVAL;
	}
	return 0;
}

/* Stop before entry i; child: entry i's table is itself partial. */
static int stop_part_way(struct page_info *pg, unsigned int i, bool child)
{
	pg->nr_validated = i;
	pg->partial_flags = child ? PAGE_PARTIAL_CHILD : 0;
	return -ERESTART;
}

/*
 * Take the references of the table's entries from where an earlier call
 * stopped (page_info.nr_validated).  With a budget, stop with -ERESTART
 * once it is spent, but only after this call has done at least one entry
 * of this table, so every call makes progress.
 */
static int validate_table(struct domain *d, uint64_t mfn, uint64_t type, struct budget *b, char *why,
			  size_t whylen)
{
	struct page_info *pg = mfn_to_page(&hv->heap, mfn);
	unsigned int level = type_level(type), start = pg->nr_validated;
	bool resume_child = pg->partial_flags & PAGE_PARTIAL_CHILD;
	bool pv32_l3 = level == 3 && domain_is_pv32(d);
	if (pv32_l3 && !start && !resume_child) {
		int rc = prepare_pv32_l3(d, mfn, why, whylen);
		if (rc)
			return rc;
	}
	_Atomic uint64_t *t = table_entries(mfn);
	for (unsigned int i = start; i < 512; i++) {
		if (!guest_slot(d, type, i))
			continue; /* reserved slots are overwritten below */
		bool resume = resume_child && i == start;
		uint64_t e = atomic_load(&t[i]);
		if (!resume && !(e & PTE_PRESENT) && !(pv32_l3 && i == PV32_L3_XEN_SLOT))
			continue;
		if (b && !b->left && i > start)
			return stop_part_way(pg, i, false);
		int rc;
		if (pv32_l3 && i == PV32_L3_XEN_SLOT)
			rc = get_pv32_l3_slot3(d, e, resume, b, why, whylen);
		else if (resume)
			rc = resume_entry_refs(d, e, entry_ref_type(e, level), b, why, whylen);
		else
			rc = get_entry_refs(d, e, level, entry_ref_type(e, level), b, why, whylen);
		if (rc == -ERESTART)
			return stop_part_way(pg, i, true);
		if (rc) {
			release_entries(d, mfn, type, i);
			pg->nr_validated = 0;
			pg->partial_flags = 0;
			return refuse_entry(rc, why, whylen, level, mfn, i);
		}
		if (b && b->left)
			b->left--;
		atomic_fetch_or(&t[i], adjust_bits(d, level));
	}
	pg->nr_validated = 0;
	pg->partial_flags = 0;
	if (level == 4)
		install_reserved_slots(d, mfn);
	if (type & PGT_pae_xen_l2)
		install_pae_xen_slots(mfn);
	return 0;
}

/* Give back what a partial table holds: its validated entries, and the
 * general reference and partial type of the entry it stopped in. */
static void release_partial(struct domain *d, uint64_t mfn, uint64_t type)
{
	struct page_info *pg = mfn_to_page(&hv->heap, mfn);
	unsigned int upto = pg->nr_validated;
	bool child = pg->partial_flags & PAGE_PARTIAL_CHILD;
	pg->nr_validated = 0;
	pg->partial_flags = 0;
	release_entries(d, mfn, type, upto);
	if (child)
		put_entry_refs(d, atomic_load(&table_entries(mfn)[upto]), type_level(type));
}

unsigned int pv_table_level(uint64_t mfn)
{
	uint64_t t = atomic_load(&mfn_to_page(&hv->heap, mfn)->type_info);
	if (!(t & PGT_COUNT_MASK) || !(t & PGT_validated) || !is_table_type(t))
		return 0;
	return type_level(t & PGT_TYPE_MASK);
}

int pv_update_entry(struct domain *d, uint64_t table_mfn, unsigned int level, unsigned int i, uint64_t e,
		    bool preserve_ad, bool preemptible, char *why, size_t whylen)
{
	uint64_t type = atomic_load(&mfn_to_page(&hv->heap, table_mfn)->type_info) & PGT_KIND_MASK;
	/* A 32-bit L3's slot 3 holds the hypervisor's L2: Xen refuses to
	 * change it in a table in use, as keeping it valid meanwhile is hard. */
	if (!guest_slot(d, type, i) || (level == 3 && domain_is_pv32(d) && i >= PV32_L3_XEN_SLOT)) {
		snprintf(why, whylen, "L%u slot %u is the hypervisor's", level, i);
		return -EINVAL;
	}
	_Atomic uint64_t *slot = &table_entries(table_mfn)[i];
	uint64_t old = atomic_load(slot);
	e = adjust_entry(d, level, e);
	if (preserve_ad)
		e |= old & (PTE_ACCESSED | PTE_DIRTY);
	/* Same frame, same presence and writability: only flags change, no
	 * reference does (Xen's fast path). */
	const uint64_t ref_bits = PTE_ADDR_MASK | PTE_PRESENT | PTE_RW;
	if ((e & PTE_PRESENT) && (old & PTE_PRESENT) && !((e ^ old) & ref_bits)) {
		int rc = check_entry_flags(d, e, level, why, whylen);
		if (!rc)
			atomic_store(slot, e);
		return rc;
	}
	if (e & PTE_PRESENT) {
		struct budget b = { pv_validation_budget };
		int rc = get_entry_refs(d, e, level, entry_ref_type(e, level), preemptible ? &b : NULL, why, whylen);
		if (rc == -ERESTART) {
			/* Nothing is written; the table below stays partial for
			 * the continued call to carry on with. */
			pv_put_page(d, (e & PTE_ADDR_MASK) >> PAGE_SHIFT);
			return rc;
		}
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
