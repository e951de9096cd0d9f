/*
 * The writable-pagetables assist: a PV kernel (64-bit, or 32-bit PAE in
 * compatibility mode) writes an entry of one of its own L1 tables as if it
 * were writable.  The table is mapped read-only (it must be), so the write
 * faults; the hypervisor decodes the instruction and performs the write as
 * an mmu_update would, with the same checks and references.  A write that
 * is not to an L1 entry, or whose new entry is refused, is not emulated:
 * the fault goes to the guest.
 *
 * A 32-bit PAE kernel writes its 8-byte entries in two 4-byte halves (or
 * with cmpxchg8b).  Each half is merged with the other half of the current
 * entry and the result checked; as in Xen, a plain 4-byte store to the
 * upper half whose merged entry is present but refused is taken as the
 * first of two stores in the wrong order: it is written with the present
 * bit cleared, the lower half being expected next.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv/emulate_store.h"
#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/xen.h"

struct ptwr_ctx {
	struct domain *d;
	bool pv32;
	uint64_t table_mfn; /* the L1 written */
	uint64_t page_la;   /* the faulting page's linear address */
	char why[200];
};

/* The entry index an access of size bytes at la touches; -1 unless it
 * lies in the faulting page and is naturally aligned (so within one entry),
 * as Xen requires. */
static int entry_index(const struct ptwr_ctx *c, uint64_t la, unsigned int size)
{
	if ((la & ~(uint64_t)(PAGE_SIZE - 1)) != c->page_la || (la & (size - 1)))
		return -1;
	return (int)((la & (PAGE_SIZE - 1)) / 8);
}

static int ptwr_read(void *ctx, uint64_t la, unsigned int size, uint64_t *val)
{
	struct ptwr_ctx *c = ctx;
	int i = entry_index(c, la, size);
	if (i < 0)
		return -EFAULT;
	const _Atomic uint64_t *t = machine_frame(&hv->machine, c->table_mfn);
	*val = atomic_load(&t[i]) >> ((la & 7) * 8);
	return 0;
}

static int ptwr_write(void *ctx, uint64_t la, unsigned int size, uint64_t val, bool atomic)
{
	struct ptwr_ctx *c = ctx;
	int i = entry_index(c, la, size);
	if (i < 0)
		return -EFAULT;
	/* A partial write keeps the rest of the entry. */
	const _Atomic uint64_t *t = machine_frame(&hv->machine, c->table_mfn);
	uint64_t e = atomic_load(&t[i]);
	unsigned int shift = (unsigned int)(la & 7) * 8;
	uint64_t mask = (size == 8 ? ~0ull : (1ull << (size * 8)) - 1) << shift;
	e = (e & ~mask) | ((val << shift) & mask);
	int rc = pv_update_entry(c->d, c->table_mfn, 1, (unsigned int)i, e, false, false, c->why, sizeof(c->why));
	if (rc && c->pv32 && size == 4 && shift == 32 && !atomic && (e & PTE_PRESENT)) {
		/* The upper half first (Xen's fix-up for PAE entries). */
		char why[sizeof(c->why)];
		rc = pv_update_entry(c->d, c->table_mfn, 1, (unsigned int)i, e & ~PTE_PRESENT, false, false, why,
				     sizeof(why));
		if (!rc)
			c->why[0] = '\0';
	}
	return rc;
}

static const struct store_ops ptwr_ops = { ptwr_read, ptwr_write };

bool pv_ptwr_fault(struct vcpu *v, const struct exec_exit *e)
{
	struct domain *d = v->domain;
	const uint32_t want = X86_PFEC_PRESENT | X86_PFEC_WRITE;
	if (!(d->vm_assist & (1ul << VMASST_TYPE_writable_pagetables)) || e->vector != X86_EXC_PF ||
	    (e->error_code & (want | X86_PFEC_RSVD | X86_PFEC_FETCH)) != want || !v->kernel_mode ||
	    pv_va_reserved(d, e->cr2))
		return false;

	/* A 32-bit guest's kernel runs in compatibility mode at CPL 1: its
	 * faulting address lies below 4 GiB (pv_va_reserved() refused the
	 * rest) and its walk starts at the vCPU's root L4, whose slot 0 is its
	 * L3. */
	bool pv32 = domain_is_pv32(d);
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	struct walk_result r;
	/* The kernel's own access: at CPL 3 for a 64-bit guest, at CPL 1 (a
	 * supervisor access) for a 32-bit one. */
	if (guest_walk(pv_domain_frame, d, st->sys.cr3, e->cr2, WALK_READ | (pv32 ? 0 : WALK_USER), false, &r))
		return false;
	uint8_t insn[X86_MAX_INSN_LEN];
	unsigned int avail = pv_fetch_insn(v, insn);
	if (!avail)
		return false;

	struct ptwr_ctx c = { .d = d,
			      .pv32 = pv32,
			      .table_mfn = r.maddr >> PAGE_SHIFT,
			      .page_la = e->cr2 & ~(uint64_t)(PAGE_SIZE - 1) };
	/* Compatibility mode: the data registers' bases (CS and SS are flat). */
	bool compat = pv32;
	const uint64_t seg_bases[6] = { compat ? data_seg_base(&st->sys, 0) : 0, 0, 0,
					compat ? data_seg_base(&st->sys, 1) : 0, st->sys.fs_base, st->sys.gs_base };
	int rc = 0;
	pthread_mutex_lock(&d->lock);
	if (!d->is_dying && pv_table_level(c.table_mfn) == 1)
		rc = emulate_store(&st->regs, compat ? STORE_MODE_COMPAT : STORE_MODE_64, seg_bases, insn, avail,
				   &ptwr_ops, &c);
	pthread_mutex_unlock(&d->lock);
	if (rc <= 0 && c.why[0])
		printk("d%u: vCPU %u page-table write at %#llx refused: %s\n", d->id, v->id,
		       (unsigned long long)e->cr2, c.why);
	return rc > 0;
}
