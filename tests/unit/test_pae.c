/*
 * 32-bit PAE PV page tables without running guest code: the L3's four
 * entries and the hypervisor's slot-3 L2, flags, the L3-below-4-GiB rule
 * with its toolstack exception and the extended-CR3 assist, the compat
 * M2P mapped into every slot-3 L2, and a vCPU context in the 32-bit layout
 * running on the per-vCPU L4 the hypervisor keeps.  The machine has 8 GiB,
 * so frames exist on both sides of 4 GiB.
 */
#include <errno.h>
#include <string.h>

#include "hv/arch.h"
#include "hv/domain.h"
#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/m2p.h"
#include "hv/pv.h"
#include "public/callback.h"
#include "public/compat/x86_32.h"
#include "public/memory.h"
#include "public/version.h"
#include "public/xen.h"
#include "public/xg_control.h"
#include "tests/lib/inproc_hypervisor.h"
#include "tests/tap.h"

#define P 0x1ull    /* present: all a PDPTE may say */
#define PW 0x3ull   /* present, writable: a kernel mapping at CPL 1 */
#define PWU 0x7ull  /* and user */
#define FOUR_GIB_FRAMES (1ull << 20)

static struct inproc_req req;

static uint64_t *frame(uint64_t mfn)
{
	return machine_frame(&hv->machine, mfn);
}

static uint64_t type_info(uint64_t mfn)
{
	return atomic_load(&mfn_to_page(&hv->heap, mfn)->type_info);
}

static uint64_t type_count(uint64_t mfn)
{
	return type_info(mfn) & PGT_COUNT_MASK;
}

static struct domain *make_domain(const char *name, uint32_t flags)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_createdomain };
	snprintf(op.u.createdomain.name, sizeof(op.u.createdomain.name), "%s", name);
	op.u.createdomain.max_vcpus = 2;
	op.u.createdomain.max_pages = 128;
	op.u.createdomain.flags = flags;
	/* A crash leaves the domain for destroy() (no reaper races it). */
	op.u.createdomain.on_crash = XG_DOMACT_PRESERVE;
	long rc = inproc_domctl(&req, &op);
	return rc ? NULL : domain_get(op.domain);
}

static void destroy(struct domain *d)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_destroydomain, .domain = d->id };
	inproc_domctl(&req, &op);
	domain_put(d);
}

/* The frames of one guest: low ones (below 4 GiB) and high ones. */
struct guest {
	struct domain *d;
	uint64_t lo[16], hi[32];
};

static bool guest_setup(struct guest *g, const char *name)
{
	memset(g, 0, sizeof(*g));
	g->d = make_domain(name, XG_DOMCRF_pv32);
	if (g->d && inproc_populate(&req, g->d->id, 16, 0, XENMEMF_address_bits(32), g->lo) == 16 &&
	    inproc_populate(&req, g->d->id, 32, 0, 0, g->hi) == 32)
		return true;
	tap_skip("cannot set up a 32-bit domain");
	if (g->d)
		destroy(g->d);
	return false;
}

/*
 * L3 lo[0]: slot 0 -> L2 lo[1] -> L1 lo[2] mapping hi[4..7] at 0 (the
 * first without user), slot 3 -> L2 lo[3] (the hypervisor's part).
 * Junk past the four entries and in the hypervisor's L2 slots.
 */
static void build_pae(const struct guest *g, uint64_t l3)
{
	for (int i = 0; i < 4; i++)
		memset(frame(g->lo[i]), 0, 4096);
	memset(frame(l3), 0, 4096);
	frame(l3)[0] = g->lo[1] << 12 | P;
	frame(l3)[3] = g->lo[3] << 12 | P;
	frame(l3)[7] = g->hi[9] << 12 | P;
	frame(g->lo[1])[0] = g->lo[2] << 12 | PWU;
	frame(g->lo[2])[0] = g->hi[4] << 12 | PW;
	for (int i = 1; i < 4; i++)
		frame(g->lo[2])[i] = g->hi[4 + i] << 12 | PWU;
	frame(g->lo[3])[500] = g->hi[10] << 12 | PWU;
}

static void test_type_rules(void)
{
	struct guest g;
	if (!guest_setup(&g, "pae-types"))
		return;
	struct domain *d = g.d;
	TAP_CHECK(d->type == DOMAIN_PV32, "createdomain with XG_DOMCRF_pv32 makes a 32-bit PV domain");
	bool low = true, high = true;
	for (int i = 0; i < 16; i++)
		low &= g.lo[i] < FOUR_GIB_FRAMES;
	for (int i = 0; i < 32; i++)
		high &= g.hi[i] >= FOUR_GIB_FRAMES;
	TAP_CHECK(low && high, "address-limited frames lie below 4 GiB, the others above");

	build_pae(&g, g.lo[0]);
	frame(g.lo[0])[3] = 0;
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L3_TABLE, g.lo[0]) == -EINVAL,
		  "an L3 without its slot-3 L2 is refused");
	frame(g.lo[0])[3] = g.lo[3] << 12 | P | 0x10;
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L3_TABLE, g.lo[0]) == -EINVAL,
		  "an L3 entry with a cache-attribute flag is refused");
	frame(g.lo[0])[3] = g.lo[3] << 12 | P | 1ull << 63;
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L3_TABLE, g.lo[0]) == -EINVAL,
		  "an L3 entry with NX (a high PDPTE flag) is refused");
	frame(g.lo[0])[3] = g.lo[3] << 12 | P;
	TAP_CHECK(type_count(g.lo[1]) == 0 && type_count(g.lo[3]) == 0 && type_count(g.lo[2]) == 0,
		  "the refusals left no type behind");

	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L3_TABLE, g.lo[0]) == 0, "pin a well-formed 32-bit L3");
	TAP_CHECK(frame(g.lo[0])[7] == 0, "entries past the L3's four are cleared, as Xen does");
	TAP_CHECK((frame(g.lo[0])[0] & PWU) == PWU && (frame(g.lo[0])[3] & PWU) == PWU,
		  "L3 entries become user and writable long-mode entries");
	TAP_CHECK(frame(g.lo[2])[0] == (g.hi[4] << 12 | PW), "an L1 entry keeps its kernel-only mapping (no user bit forced)");
	uint64_t t3 = type_info(g.lo[3]);
	TAP_CHECK((t3 & PGT_TYPE_MASK) == PGT_l2_page_table && (t3 & PGT_pae_xen_l2) && (t3 & PGT_validated),
		  "the slot-3 L2 is typed as the hypervisor's L2");
	TAP_CHECK(frame(g.lo[3])[500] == m2p_compat_l2_entry(500 - PV32_FIRST_XEN_L2) &&
			  frame(g.lo[3])[PV32_FIRST_XEN_L2] == m2p_compat_l2_entry(0) && m2p_compat_l2_entry(0),
		  "its slots from %u on hold the compat M2P's entries, the guest's replaced", PV32_FIRST_XEN_L2);
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L2_TABLE, g.lo[3]) == -EINVAL,
		  "the slot-3 L2 cannot also be used as an ordinary L2");

	/* A second L3 sharing the slot-3 L2, or using it in another slot. */
	memset(frame(g.lo[4]), 0, 4096);
	frame(g.lo[4])[3] = g.lo[3] << 12 | P;
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L3_TABLE, g.lo[4]) == -EINVAL,
		  "a slot-3 L2 shared by two L3s is refused");
	frame(g.lo[4])[0] = g.lo[3] << 12 | P;
	frame(g.lo[4])[3] = 0;
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L3_TABLE, g.lo[4]) == -EINVAL,
		  "the slot-3 L2 in another slot is refused");
	TAP_CHECK(type_count(g.lo[3]) == 1, "and its type count is still one");

	/* Updates through mmu_update. */
	TAP_CHECK(inproc_mmu_update1(&req, d->id, g.lo[0], 3, g.lo[5] << 12 | P) == -EINVAL &&
			  (frame(g.lo[0])[3] & ~0xfffull) == g.lo[3] << 12,
		  "L3 slot 3 cannot be changed in a table in use");
	TAP_CHECK(inproc_mmu_update1(&req, d->id, g.lo[0], 4, g.lo[5] << 12 | P) == -EINVAL,
		  "nor can the slots past the L3's four");
	memset(frame(g.lo[5]), 0, 4096);
	TAP_CHECK(inproc_mmu_update1(&req, d->id, g.lo[0], 1, g.lo[5] << 12 | P) == 0 &&
			  (frame(g.lo[0])[1] & PWU) == PWU &&
			  (type_info(g.lo[5]) & PGT_TYPE_MASK) == PGT_l2_page_table,
		  "a new L2 in slot 1 is validated and made user+writable");
	TAP_CHECK(inproc_mmu_update1(&req, d->id, g.lo[3], PV32_FIRST_XEN_L2, g.hi[11] << 12 | PWU) == -EINVAL,
		  "the hypervisor's slots of the slot-3 L2 cannot be written");
	memset(frame(g.lo[6]), 0, 4096);
	TAP_CHECK(inproc_mmu_update1(&req, d->id, g.lo[3], 10, g.lo[6] << 12 | PWU) == 0 &&
			  (type_info(g.lo[6]) & PGT_TYPE_MASK) == PGT_l1_page_table,
		  "the guest's own slots of the slot-3 L2 take ordinary L1s");
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L4_TABLE, g.hi[12]) == -EINVAL,
		  "a 32-bit guest cannot pin an L4");

	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_UNPIN_TABLE, g.lo[0]) == 0 && type_count(g.lo[3]) == 0 &&
			  type_count(g.lo[1]) == 0 && type_count(g.lo[5]) == 0 && type_count(g.lo[6]) == 0,
		  "unpinning releases the whole tree");
	uint64_t free_before = heap_free_frames(&hv->heap);
	destroy(d);
	TAP_CHECK(heap_free_frames(&hv->heap) == free_before + 48 + 2 + 1,
		  "destruction returns the domain's frames, shared_info and both vCPUs' root L4s");
}

static void base_context(struct compat_vcpu_guest_context *c, uint64_t l3, uint32_t vm_assist)
{
	memset(c, 0, sizeof(*c));
	c->flags = VGCF_in_kernel | VGCF_online;
	c->user_regs.eip = 0x1000;
	c->user_regs.esp = 0x2000;
	c->user_regs.cs = COMPAT_FLAT_KERNEL_CS;
	c->user_regs.eflags = 1u << 9;
	c->ctrlreg[3] = compat_xen_pfn_to_cr3((uint32_t)l3);
	c->vm_assist = vm_assist;
}

static long put_context(struct domain *d, unsigned int vcpu, const struct compat_vcpu_guest_context *c)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_setvcpucontext, .domain = d->id };
	req.used = 0;
	op.interface_version = XG_DOMCTL_INTERFACE_VERSION;
	op.u.vcpucontext.vcpu = vcpu;
	uint64_t h = inproc_put(&req, &op, sizeof(op));
	struct xg_domctl *opp = inproc_at(&req, h);
	opp->u.vcpucontext.ctxt = inproc_put(&req, c, sizeof(*c));
	return inproc_call(&req, __HYPERVISOR_domctl, h, 0, 0, 0);
}

static long set_context(struct domain *d, unsigned int vcpu, uint64_t l3, uint32_t vm_assist)
{
	struct compat_vcpu_guest_context c;
	base_context(&c, l3, vm_assist);
	return put_context(d, vcpu, &c);
}

/* A GDT in a vCPU context: its frames become descriptor tables, checked
 * and corrected like set_gdt's; a bad one refuses the whole context. */
static void test_context_gdt(struct guest *g)
{
	struct domain *d = g->d;
	uint64_t *good = frame(g->hi[20]), *bad = frame(g->hi[21]);
	memset(good, 0, 4096);
	memset(bad, 0, 4096);
	good[1] = 0x00cf9a000000ffffull; /* flat code, DPL 0 */
	bad[2] = 0x0000890000000067ull;  /* a TSS */
	struct compat_vcpu_guest_context c;
	base_context(&c, g->lo[0], 0);
	c.gdt_frames[0] = (uint32_t)g->hi[20];
	c.gdt_ents = 16;
	TAP_CHECK(put_context(d, 0, &c) == 0 && d->vcpus[0]->gdt_ents == 16 &&
			  (type_info(g->hi[20]) & PGT_TYPE_MASK) == PGT_seg_desc_page && type_count(g->hi[20]) == 1,
		  "a context's GDT frame becomes a descriptor table with one type reference");
	TAP_CHECK(good[1] == 0x00cfba000000ffffull, "its ring-0 code descriptor now has DPL 1 (%#llx)",
		  (unsigned long long)good[1]);
	c.gdt_frames[0] = (uint32_t)g->hi[21];
	TAP_CHECK(put_context(d, 0, &c) == -EINVAL && d->vcpus[0]->gdt_frames[0] == g->hi[20] &&
			  type_count(g->hi[20]) == 1 && type_count(g->hi[21]) == 0,
		  "a context whose GDT holds a TSS descriptor is refused and the old GDT stays");
	c.gdt_ents = 14 * 512 + 1;
	TAP_CHECK(put_context(d, 0, &c) == -EINVAL, "a GDT past FIRST_RESERVED_GDT_ENTRY is refused");
	c.gdt_ents = 0;
	c.ldt_base = 0x1001;
	c.ldt_ents = 1;
	TAP_CHECK(put_context(d, 0, &c) == -EINVAL, "an LDT not page aligned is refused");
	c.ldt_base = 0x10000;
	TAP_CHECK(put_context(d, 0, &c) == 0 && type_count(g->hi[20]) == 0 && d->vcpus[0]->ldt_base == 0x10000,
		  "a context without a GDT releases the old one; its LDT is recorded");
}

static long get_context(struct domain *d, unsigned int vcpu, struct compat_vcpu_guest_context *back)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_getvcpucontext, .domain = d->id };
	req.used = 0;
	op.interface_version = XG_DOMCTL_INTERFACE_VERSION;
	op.u.vcpucontext.vcpu = vcpu;
	uint64_t h = inproc_put(&req, &op, sizeof(op));
	uint64_t out = inproc_put(&req, NULL, sizeof(*back));
	((struct xg_domctl *)inproc_at(&req, h))->u.vcpucontext.ctxt = out;
	long rc = inproc_call(&req, __HYPERVISOR_domctl, h, 0, 0, 0);
	memcpy(back, inproc_at(&req, out), sizeof(*back));
	return rc;
}

/* A 32-bit context's virtual IDT, callbacks (CS:EIP) and ring-1 stack are
 * taken as Xen's arch_set_info_guest takes them (ring-0 selectors become
 * ring 1), and given back by getvcpucontext; vm86 is refused. */
static void test_context_traps(struct guest *g)
{
	struct domain *d = g->d;
	struct vcpu *v = d->vcpus[0];
	struct compat_vcpu_guest_context c, back;
	base_context(&c, g->lo[0], 0);
	c.flags |= VGCF_failsafe_disables_events;
	c.trap_ctxt[6] = (struct compat_trap_info){ .vector = 6, .flags = 4, .cs = COMPAT_FLAT_KERNEL_CS, .address = 0x3000 };
	c.trap_ctxt[14] = (struct compat_trap_info){ .vector = 14, .cs = COMPAT_FLAT_KERNEL_CS & ~3u, .address = 0x3100 };
	c.event_callback_cs = COMPAT_FLAT_KERNEL_CS;
	c.event_callback_eip = 0x3200;
	c.failsafe_callback_cs = COMPAT_FLAT_KERNEL_CS & ~3u;
	c.failsafe_callback_eip = 0x3300;
	c.kernel_ss = COMPAT_FLAT_KERNEL_SS;
	c.kernel_sp = 0x4000;
	TAP_CHECK(put_context(d, 0, &c) == 0 && v->traps[6].address == 0x3000 && v->traps[6].flags == 4 &&
			  v->traps[6].cs == COMPAT_FLAT_KERNEL_CS && v->traps[14].cs == COMPAT_FLAT_KERNEL_CS &&
			  v->traps[13].address == 0,
		  "a 32-bit context's trap table is taken, a ring-0 selector made ring 1");
	TAP_CHECK(v->callbacks[CALLBACKTYPE_event].address == 0x3200 &&
			  v->callbacks[CALLBACKTYPE_event].cs == COMPAT_FLAT_KERNEL_CS &&
			  v->callbacks[CALLBACKTYPE_failsafe].address == 0x3300 &&
			  v->callbacks[CALLBACKTYPE_failsafe].cs == COMPAT_FLAT_KERNEL_CS &&
			  v->callbacks[CALLBACKTYPE_failsafe].mask_events && v->kernel_ss == COMPAT_FLAT_KERNEL_SS &&
			  v->kernel_sp == 0x4000,
		  "and so are its event and failsafe callbacks (CS:EIP) and its ring-1 stack");
	long rc = get_context(d, 0, &back);
	TAP_CHECK(rc == 0 && back.trap_ctxt[6].address == 0x3000 && back.trap_ctxt[6].vector == 6 &&
			  back.event_callback_cs == COMPAT_FLAT_KERNEL_CS && back.event_callback_eip == 0x3200 &&
			  back.failsafe_callback_eip == 0x3300 && back.kernel_sp == 0x4000 &&
			  (back.flags & VGCF_failsafe_disables_events),
		  "getvcpucontext gives them back");
	c.user_regs.eflags |= 1u << 17;
	TAP_CHECK(put_context(d, 0, &c) == -EINVAL && v->kernel_sp == 0x4000, "a context in vm86 mode is refused");
	base_context(&c, g->lo[0], 0);
	c.flags = VGCF_online;
	TAP_CHECK(put_context(d, 0, &c) == 0 && v->kernel_mode && !v->callbacks[CALLBACKTYPE_event].address &&
			  !v->traps[6].address,
		  "one without VGCF_in_kernel starts in the kernel anyway, as Xen's; it clears the trap table");
}

static long vm_assist(struct domain *d, unsigned int cmd, unsigned int type)
{
	struct inproc_req as_guest = { .caller = d };
	return inproc_call(&as_guest, __HYPERVISOR_vm_assist, cmd, type, 0, 0);
}

static void test_l3_placement_and_context(void)
{
	struct guest g;
	if (!guest_setup(&g, "pae-l3"))
		return;
	struct domain *d = g.d;

	/* Before vCPU 0 runs, the toolstack may use an L3 anywhere. */
	build_pae(&g, g.hi[0]);
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L3_TABLE, g.hi[0]) == 0,
		  "the toolstack may pin an L3 above 4 GiB before vCPU 0 is initialised");
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_UNPIN_TABLE, g.hi[0]) == 0, "and unpin it");

	build_pae(&g, g.lo[0]);
	TAP_CHECK(set_context(d, 0, g.lo[0], 0) == 0, "vCPU 0 gets a 32-bit context with an L3 below 4 GiB");
	struct vcpu *v = d->vcpus[0];
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	uint64_t root = st->sys.cr3 >> 12;
	TAP_CHECK(st->sys.compat && pv_root_frame(d, root) && frame(root)[0] == (g.lo[0] << 12 | PWU | PTE_ACCESSED),
		  "it runs in compat mode on the hypervisor's L4 whose slot 0 is the guest's L3");
	TAP_CHECK((type_info(g.lo[0]) & PGT_TYPE_MASK) == PGT_l3_page_table && type_count(g.lo[0]) == 1,
		  "the L3 holds one type reference for the vCPU");

	struct walk_result r;
	TAP_CHECK(guest_walk(pv_domain_frame, d, st->sys.cr3, 0x1234, WALK_READ, false, &r) == 0 &&
			  r.maddr == (g.hi[5] << 12 | 0x234),
		  "a kernel address translates through the guest's L3, L2 and L1");
	TAP_CHECK(guest_walk(pv_domain_frame, d, st->sys.cr3, 0x0, WALK_READ | WALK_USER, false, &r) != 0 &&
			  (r.pf_error & X86_PFEC_USER),
		  "user mode cannot read a kernel-only page");
	uint64_t m2p_va = PV32_M2P_START + 4 * g.hi[4];
	TAP_CHECK(guest_walk(pv_domain_frame, d, st->sys.cr3, m2p_va, WALK_READ, false, &r) == -1 && r.frame_missing,
		  "hypercall buffers never reach the compat M2P's tables");

	struct compat_vcpu_guest_context back;
	struct xg_domctl op = { .cmd = XG_DOMCTL_getvcpucontext, .domain = d->id };
	req.used = 0;
	op.interface_version = XG_DOMCTL_INTERFACE_VERSION;
	uint64_t h = inproc_put(&req, &op, sizeof(op));
	uint64_t out = inproc_put(&req, NULL, sizeof(back));
	((struct xg_domctl *)inproc_at(&req, h))->u.vcpucontext.ctxt = out;
	long rc = inproc_call(&req, __HYPERVISOR_domctl, h, 0, 0, 0);
	memcpy(&back, inproc_at(&req, out), sizeof(back));
	TAP_CHECK(rc == 0 && back.user_regs.eip == 0x1000 && back.user_regs.esp == 0x2000 &&
			  back.ctrlreg[3] == compat_xen_pfn_to_cr3((uint32_t)g.lo[0]) &&
			  back.user_regs.cs == COMPAT_FLAT_KERNEL_CS,
		  "getvcpucontext returns the 32-bit layout with the guest's L3 as CR3");
	test_context_gdt(&g);
	test_context_traps(&g);

	/* Now vCPU 0 is initialised: the rule applies. */
	build_pae(&g, g.hi[1]);
	frame(g.hi[1])[3] = g.lo[8] << 12 | P;
	memset(frame(g.lo[8]), 0, 4096);
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L3_TABLE, g.hi[1]) == -ERANGE &&
			  type_count(g.hi[1]) == 0 && type_count(g.lo[8]) == 0,
		  "an L3 above 4 GiB is -ERANGE once vCPU 0 is initialised, and nothing changed");
	TAP_CHECK(vm_assist(d, VMASST_CMD_enable, VMASST_TYPE_m2p_strict) == -EINVAL,
		  "m2p_strict is not an assist a 32-bit guest has");
	TAP_CHECK(vm_assist(d, VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3) == 0,
		  "the guest enables pae_extended_cr3");
	TAP_CHECK(inproc_mmuext1(&req, d->id, MMUEXT_PIN_L3_TABLE, g.hi[1]) == 0,
		  "with extended CR3 the same L3 above 4 GiB is accepted");
	TAP_CHECK(set_context(d, 1, g.hi[1], 1u << VMASST_TYPE_pae_extended_cr3) == 0 &&
			  d->vcpus[1]->cr3_mfn == g.hi[1],
		  "a context can name it in the extended-CR3 encoding (frame %#llx)", (unsigned long long)g.hi[1]);
	TAP_CHECK(set_context(d, 1, g.hi[1], 1u << 6) == -EINVAL,
		  "a 32-bit context asking for an assist outside Xen's 32-bit mask (type 6) is refused");
	TAP_CHECK(vm_assist(d, VMASST_CMD_enable, VMASST_TYPE_4gb_segments) == 0 &&
			  vm_assist(d, VMASST_CMD_enable, VMASST_TYPE_runstate_update_flag) == 0 &&
			  vm_assist(d, VMASST_CMD_enable, VMASST_TYPE_architectural_iopl) == 0 &&
			  vm_assist(d, VMASST_CMD_disable, VMASST_TYPE_4gb_segments) == 0 &&
			  vm_assist(d, VMASST_CMD_disable, VMASST_TYPE_runstate_update_flag) == 0 &&
			  vm_assist(d, VMASST_CMD_disable, VMASST_TYPE_architectural_iopl) == 0,
		  "4gb_segments, runstate_update_flag and architectural_iopl are in Xen's 32-bit mask");

	TAP_CHECK(vm_assist(d, VMASST_CMD_enable, VMASST_TYPE_writable_pagetables) == 0 &&
			  vm_assist(d, VMASST_CMD_disable, VMASST_TYPE_writable_pagetables) == 0,
		  "a 32-bit guest may enable and disable writable_pagetables");
	destroy(d);
}

static void test_compat_m2p(void)
{
	struct guest g;
	if (!guest_setup(&g, "pae-m2p"))
		return;
	const _Atomic uint32_t *compat = hv->heap.compat_m2p;
	bool same = true;
	for (int i = 0; i < 32; i++)
		same &= compat[g.hi[i]] == (uint32_t)m2p_get(g.hi[i]);
	TAP_CHECK(same, "the compat M2P has the same entries as the M2P for a guest's frames");
	uint64_t mfn = g.hi[3];
	destroy(g.d);
	TAP_CHECK(compat[mfn] == UINT32_MAX && m2p_get(mfn) == M2P_INVALID,
		  "a freed frame's entries become invalid in both");
	TAP_CHECK(m2p_compat_limit() == hv->machine.nr_frames, "an 8 GiB machine is covered by the compat M2P entirely");
}

/* A guest call from vCPU 0 of d in the 32-bit layouts. */
static long guest_call(struct domain *d, unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3,
		       uint64_t a4)
{
	struct hcall_ctx ctx = { .caller = d, .vcpu = d->vcpus[0], .compat = true };
	uint64_t args[5] = { a0, a1, a2, a3, a4 };
	return hypercall_dispatch(&ctx, nr, args);
}

/* The guest's view of its page at va 0x1000 + off (frame hi[5]). */
static uint8_t *guest_bytes(const struct guest *g, unsigned int off)
{
	return (uint8_t *)frame(g->hi[5]) + off;
}

static void test_compat_hypercalls(void)
{
	struct guest g;
	if (!guest_setup(&g, "pae-calls"))
		return;
	struct domain *d = g.d;
	build_pae(&g, g.lo[0]);
	if (set_context(d, 0, g.lo[0], 0)) {
		tap_skip("no 32-bit context");
		destroy(d);
		return;
	}
	memset(frame(g.hi[5]), 0xaa, 4096);
	uint32_t w[4];

	TAP_CHECK(guest_call(d, __HYPERVISOR_xen_version, XENVER_platform_parameters, 0x1000, 0, 0, 0) == 0 &&
			  memcpy(w, guest_bytes(&g, 0), 8) && w[0] == PV32_HV_START && w[1] == 0xaaaaaaaau,
		  "platform_parameters: a 4-byte virt_start of %#x", PV32_HV_START);
	TAP_CHECK(guest_call(d, __HYPERVISOR_memory_op, XENMEM_machphys_mapping, 0x1000, 0, 0, 0) == 0 &&
			  memcpy(w, guest_bytes(&g, 0), 16) && w[0] == PV32_M2P_START && w[1] == PV32_M2P_END &&
			  w[2] == m2p_compat_limit() - 1 && w[3] == 0xaaaaaaaau,
		  "machphys_mapping: the compat M2P's place in the 32-bit layout");

	struct compat_xen_memory_reservation res = { .nr_extents = 2, .domid = DOMID_SELF };
	res.extent_start.c = 0x1200;
	memcpy(guest_bytes(&g, 0x100), &res, sizeof(res));
	uint32_t gpfns[2] = { 100, 101 };
	memcpy(guest_bytes(&g, 0x200), gpfns, sizeof(gpfns));
	long rc = guest_call(d, __HYPERVISOR_memory_op, XENMEM_populate_physmap, 0x1100, 0, 0, 0);
	uint32_t got[3];
	memcpy(got, guest_bytes(&g, 0x200), sizeof(got));
	TAP_CHECK(rc == 2 && domain_owns(d, got[0]) && domain_owns(d, got[1]) && got[2] == 0xaaaaaaaau,
		  "populate_physmap reads and writes 32-bit frame lists (%ld)", rc);
	TAP_CHECK(hv->heap.compat_m2p[got[0]] == 100 && hv->heap.compat_m2p[got[1]] == 101,
		  "and the compat M2P has the frames at the pfns asked for");

	struct compat_xen_memory_exchange x = {
		.in = { .nr_extents = 1, .domid = DOMID_SELF },
		.out = { .nr_extents = 1, .mem_flags = XENMEMF_address_bits(32), .domid = DOMID_SELF },
	};
	x.in.extent_start.c = 0x1700;
	x.out.extent_start.c = 0x1710;
	memcpy(guest_bytes(&g, 0x600), &x, sizeof(x));
	uint32_t in_out[5] = { got[1], 0xaaaaaaaau, 0xaaaaaaaau, 0xaaaaaaaau, 200 };
	memcpy(guest_bytes(&g, 0x700), in_out, 12);
	memcpy(guest_bytes(&g, 0x710), &in_out[4], 4);
	rc = guest_call(d, __HYPERVISOR_memory_op, XENMEM_exchange, 0x1600, 0, 0, 0);
	memcpy(&x, guest_bytes(&g, 0x600), sizeof(x));
	uint32_t new_mfn;
	memcpy(&new_mfn, guest_bytes(&g, 0x710), 4);
	TAP_CHECK(rc == 0 && x.nr_exchanged == 1 && new_mfn < FOUR_GIB_FRAMES && domain_owns(d, new_mfn) &&
			  !domain_owns(d, got[1]) && hv->heap.compat_m2p[new_mfn] == 200,
		  "exchange in the compat layout trades a frame for one below 4 GiB (%ld)", rc);

	memset(frame(g.lo[9]), 0, 4096);
	struct compat_mmuext_op op = { .cmd = MMUEXT_PIN_L1_TABLE };
	op.arg1.mfn = (uint32_t)g.lo[9];
	memcpy(guest_bytes(&g, 0x300), &op, sizeof(op));
	op.cmd = MMUEXT_UNPIN_TABLE;
	memcpy(guest_bytes(&g, 0x300 + sizeof(op)), &op, sizeof(op));
	uint32_t done = 0;
	memcpy(guest_bytes(&g, 0x400), &done, 4);
	TAP_CHECK(guest_call(d, __HYPERVISOR_mmuext_op, 0x1300, 1, 0x1400, DOMID_SELF, 0) == 0 &&
			  (type_info(g.lo[9]) & PGT_pinned) && type_count(g.lo[9]) == 1,
		  "mmuext_op reads 12-byte compat operations: pin");
	TAP_CHECK(guest_call(d, __HYPERVISOR_mmuext_op, 0x1300 + sizeof(op), 1, 0, DOMID_SELF, 0) == 0 &&
			  type_count(g.lo[9]) == 0,
		  "and unpin the next one");

	uint64_t val = g.hi[12] << 12 | PWU;
	TAP_CHECK(g.hi[12] >> 20 && guest_call(d, __HYPERVISOR_update_va_mapping, 0x3000, (uint32_t)val, val >> 32,
					      UVMF_INVLPG | UVMF_LOCAL, 0) == 0 &&
			  frame(g.lo[2])[3] == (val | PTE_ACCESSED | PTE_DIRTY) - (PTE_ACCESSED | PTE_DIRTY),
		  "update_va_mapping takes the entry as low and high halves (frame above 4 GiB)");

	struct compat_multicall_entry mc[2] = {
		{ .op = __HYPERVISOR_update_va_mapping, .result = 0xdead,
		  .args = { 0x2000, (uint32_t)(g.hi[13] << 12 | PWU), (uint32_t)(g.hi[13] >> 20), 0 } },
		{ .op = 999, .result = 0xdead },
	};
	memcpy(guest_bytes(&g, 0x500), mc, sizeof(mc));
	rc = guest_call(d, __HYPERVISOR_multicall, 0x1500, 2, 0, 0, 0);
	memcpy(mc, guest_bytes(&g, 0x500), sizeof(mc));
	TAP_CHECK(rc == 0 && mc[0].result == 0 && frame(g.lo[2])[2] == (g.hi[13] << 12 | PWU) &&
			  mc[1].result == (uint32_t)-ENOSYS,
		  "multicall runs 32-byte compat entries and writes 32-bit results");

	/* The way in: int $0x82 from the kernel. */
	struct vcpu *v = d->vcpus[0];
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	st->regs.rax = __HYPERVISOR_xen_version;
	st->regs.rbx = XENVER_version;
	st->regs.rip = 0x1002;
	struct exec_exit e = { .reason = EXEC_EXIT_SOFTINT, .vector = 0x82 };
	arch_vcpu_handle_exit(v, &e);
	TAP_CHECK(st->regs.rax == (uint32_t)hypercall_dispatch(&(struct hcall_ctx){ .caller = d }, __HYPERVISOR_xen_version, (uint64_t[5]){ 0 }) && st->regs.rip == 0x1002 &&
			  !d->is_crashed,
		  "int $0x82 is a hypercall: eax in, result in eax (%#llx)", (unsigned long long)st->regs.rax);
	e.vector = 0x80;
	arch_vcpu_handle_exit(v, &e);
	TAP_CHECK(d->is_crashed, "int $0x80 without a trap table crashes the guest");
	destroy(d);
}

int main(void)
{
	const char *why = "";
	struct domain *d0 = inproc_hypervisor_start(8ull << 30, &why);
	if (!d0) {
		printf("Bail out! %s\n", why);
		return 1;
	}
	req.caller = d0;
	uint64_t free0 = heap_free_frames(&hv->heap);
	test_type_rules();
	test_l3_placement_and_context();
	test_compat_m2p();
	test_compat_hypercalls();
	TAP_CHECK(heap_free_frames(&hv->heap) == free0, "every frame is back at the end (%lld missing)",
		  (long long)(free0 - heap_free_frames(&hv->heap)));
	inproc_hypervisor_stop(d0);
	return tap_done();
}
