/*
 * Loads of guest-defined selectors into the data segment registers of a
 * 64-bit PV guest (`mov r, %ds/%es/%fs/%gs`), and of the data selectors a
 * vCPU context names (both widths; a failed one enters the failsafe
 * callback).
 *
 * The backends run guests on the hypervisor's own GDT, which holds Xen's
 * flat selectors but not the guest's descriptors, so loading a selector of
 * the guest's GDT or LDT faults with #GP(selector).  The load is carried
 * out here as the CPU would on the guest's tables: the descriptor must
 * exist, be a data or readable code segment and allow the guest's
 * privilege (the descriptor checks of set_gdt/update_descriptor have
 * already raised every DPL to 3); a descriptor that is not present is
 * #NP(selector).  The register then holds the guest's selector (the vCPU
 * state keeps it across exits) and, for FS and GS, the descriptor's base,
 * as a 64-bit load does.  Only the register form of the instruction is
 * handled: the form Linux uses.  docs/pv-cpu.md, "Segment registers".
 */
#include <errno.h>
#include <string.h>

#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "hv/pv_layout.h"
#include "public/compat/x86_32.h"
#include "public/xen.h"

#define SEG_CODE (1ull << 43)
#define SEG_READABLE (1ull << 41)
#define SEG_S (1ull << 44)
#define SEG_P (1ull << 47)
#define SEG_DPL_SHIFT 45

/* The descriptor a selector names in v's GDT or LDT; false if it lies
 * beyond the table, in Xen's reserved entries (or the table cannot be
 * read). */
static bool guest_descriptor(struct vcpu *v, uint16_t sel, uint64_t *desc)
{
	unsigned int index = sel >> 3;
	if (index >= FIRST_RESERVED_GDT_ENTRY)
		return false;
	if (sel & 4) {
		if (index >= v->ldt_ents)
			return false;
		struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v };
		return copy_from_guest(&ctx, desc, v->ldt_base + index * 8ull, 8) == 0;
	}
	if (index >= v->gdt_ents)
		return false;
	const _Atomic uint64_t *descs = machine_frame(&hv->machine, v->gdt_frames[index / 512]);
	*desc = atomic_load(&descs[index % 512]);
	return true;
}

static uint32_t descriptor_base(uint64_t desc)
{
	return (uint32_t)(((desc >> 16) & 0xffffff) | ((desc >> 32) & 0xff000000));
}

int pv_data_segment(struct vcpu *v, uint16_t sel, unsigned int cpl, uint64_t *base)
{
	*base = 0;
	if (!(sel & ~3u))
		return 0;
	unsigned int dpl;
	if (xen_flat_data_selector64(sel)) {
		dpl = 3;
	} else if ((sel | 3) == (COMPAT_FLAT_RING1_DS | 3) || (sel | 3) == (COMPAT_FLAT_RING1_CS | 3)) {
		dpl = 1; /* a 32-bit kernel's flat data and readable code */
	} else {
		uint64_t desc;
		if (!guest_descriptor(v, sel, &desc))
			return -EINVAL;
		dpl = (desc >> SEG_DPL_SHIFT) & 3;
		bool usable = (desc & SEG_S) && (!(desc & SEG_CODE) || (desc & SEG_READABLE));
		if (!usable || dpl < cpl || dpl < (sel & 3u))
			return -EINVAL;
		if (!(desc & SEG_P))
			return -ENOENT;
		*base = descriptor_base(desc);
		return 0;
	}
	return dpl < cpl || dpl < (sel & 3u) ? -EINVAL : 0;
}

#define SEG_CONFORMING (1ull << 42)   /* code */
#define SEG_EXPAND_DOWN (1ull << 42)  /* data */
#define SEG_WRITABLE (1ull << 41)
#define SEG_L (1ull << 53)
#define SEG_DB (1ull << 54)
#define SEG_G (1ull << 55)

/* A flat 4 GiB segment: base 0, limit 0xfffff in pages. */
static bool flat_4g(uint64_t desc)
{
	uint64_t limit = (desc & 0xffff) | ((desc >> 32) & 0xf0000);
	return descriptor_base(desc) == 0 && limit == 0xfffff && (desc & SEG_G);
}

int pv_code_segment(struct vcpu *v, uint16_t sel, bool *compat)
{
	bool pv32 = domain_is_pv32(v->domain);
	*compat = pv32;
	if (pv32) {
		/* A 32-bit guest's: ring 1's and ring 3's, each for its RPL. */
		if (sel == COMPAT_FLAT_RING1_CS || sel == COMPAT_FLAT_RING3_CS)
			return 0;
	} else if ((sel | 3) == FLAT_RING3_CS64) {
		return 0;
	} else if ((sel | 3) == FLAT_RING3_CS32) {
		*compat = true;
		return 0;
	}
	uint64_t desc;
	if (!(sel & ~3u) || !guest_descriptor(v, sel, &desc))
		return -EINVAL;
	unsigned int dpl = (desc >> SEG_DPL_SHIFT) & 3, rpl = sel & 3u;
	if (!(desc & SEG_S) || !(desc & SEG_CODE) || (desc & SEG_CONFORMING ? dpl > rpl : dpl != rpl))
		return -EINVAL;
	if (!(desc & SEG_P))
		return -ENOENT;
	if ((desc & SEG_L) && !pv32)
		return desc & SEG_DB ? -EINVAL : 0;
	*compat = true;
	/* The backends run 32-bit code on Xen's flat selector. */
	return (desc & SEG_DB) && flat_4g(desc) ? 0 : -EOPNOTSUPP;
}

int pv_stack_segment(struct vcpu *v, uint16_t sel, bool compat)
{
	if (domain_is_pv32(v->domain) ? sel == COMPAT_FLAT_RING1_SS || sel == COMPAT_FLAT_RING3_SS
				       : (sel | 3) == FLAT_RING3_DS32)
		return 0;
	uint64_t desc;
	if (!(sel & ~3u) || !guest_descriptor(v, sel, &desc))
		return -EINVAL;
	unsigned int dpl = (desc >> SEG_DPL_SHIFT) & 3;
	if (!(desc & SEG_S) || (desc & SEG_CODE) || !(desc & SEG_WRITABLE) || dpl != (sel & 3u))
		return -EINVAL;
	if (!(desc & SEG_P))
		return -ENOENT;
	/* 64-bit code ignores the stack segment's base and limit; 32-bit
	 * code runs on Xen's flat one. */
	return !compat || (flat_4g(desc) && !(desc & SEG_EXPAND_DOWN)) ? 0 : -EOPNOTSUPP;
}

/*
 * Xen keeps the data selectors a vCPU context names and loads them when it
 * next switches to the vCPU (load_segments); one that does not load is
 * left null and the vCPU enters its failsafe callback instead, with all
 * four selectors as the context named them in the frame.  Here the load
 * happens at the vCPU's first entry after the context was set, in the
 * guest kernel's ring.  A 64-bit vCPU's registers then hold what loaded
 * (the bases are the context's own FS/GS bases, as Xen writes them after
 * the selectors); a 32-bit guest's run on its mode's flat selectors
 * whatever it named (guest descriptors for 32-bit code are not supported
 * yet: docs/pv-cpu.md), so there only the failsafe callback shows a
 * selector that does not load.
 */
bool pv_load_context_segments(struct vcpu *v)
{
	if (!v->context_segments_pending)
		return true;
	v->context_segments_pending = false;
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	bool pv32 = domain_is_pv32(v->domain), all_loaded = true;
	uint16_t named[4];
	memcpy(named, v->context_data_sel, sizeof(named));
	for (unsigned int i = 0; i < 4; i++) {
		uint64_t base;
		uint16_t sel = named[i];
		if (pv_data_segment(v, sel, pv32 ? 1 : 3, &base)) {
			sel = 0;
			all_loaded = false;
		}
		v->context_data_sel[i] = sel;
		if (!pv32)
			st->sys.data_sel[i] = sel;
	}
	return all_loaded || pv_failsafe_callback(v, named);
}

bool pv_load_segment(struct vcpu *v, uint32_t error_code)
{
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	if (domain_is_pv32(v->domain) || st->sys.compat)
		return false;
	struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v };
	uint8_t b[4];
	if (copy_from_guest(&ctx, b, st->regs.rip, sizeof(b)))
		return false;
	unsigned int len = 0, rex = 0;
	if (b[len] == 0x66)
		len++;
	if ((b[len] & 0xf0) == 0x40)
		rex = b[len++];
	if (b[len] != 0x8e)
		return false;
	uint8_t modrm = b[len + 1];
	unsigned int sreg = (modrm >> 3) & 7;
	int slot = sreg_data_slot(sreg); /* register operands only */
	if ((modrm >> 6) != 3 || slot < 0)
		return false;
	uint16_t sel = (uint16_t)vcpu_gprs(&st->regs)[(modrm & 7) | ((rex & 1) << 3)];
	if ((sel & 0xfffc) != error_code)
		return false;
	uint64_t base;
	int rc = pv_data_segment(v, sel, st->sys.cpl, &base);
	if (rc == -EINVAL)
		return false;
	if (rc == -ENOENT) {
		if (!pv_inject_exception(v, X86_EXC_NP, true, sel & 0xfffc, 0))
			domain_crash(v->domain, "vCPU %u: #NP(%#x) without a handler", v->id, sel & 0xfffc);
		return true;
	}
	st->sys.data_sel[slot] = sel;
	if (sreg == 4)
		st->sys.fs_base = base;
	if (sreg == 5)
		st->sys.gs_base = base;
	st->regs.rip += len + 2;
	return true;
}
