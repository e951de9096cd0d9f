/*
 * How a PV guest kernel takes exceptions and runs user mode, as in Xen:
 * the virtual IDT (set_trap_table), bounce frames on the guest kernel
 * stack, the iret hypercall, the kernel stack for traps from user mode
 * (stack_switch), callbacks (set_callbacks, callback_op), segment bases,
 * and the switch between kernel and user mode: for a 64-bit guest its two
 * base pointers (both run at CPL 3), for a 32-bit one ring 1 and ring 3.
 *
 * Everything here runs on the vCPU's own thread (hypercalls and exits of
 * that vCPU), so the trap table and callbacks need no lock; the switch of
 * base pointers takes d->lock as every base-pointer change does.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "hv/vcpu_info.h"
#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/callback.h"
#include "public/compat/x86_32.h"
#include "public/xen.h"

#define RFLAGS_NT (1ull << 14)
/* Flags a bounce clears, as the CPU does on an exception (and AC). */
#define BOUNCE_CLEARED_RFLAGS (X86_RFLAGS_TF | X86_RFLAGS_AC | X86_RFLAGS_RF | RFLAGS_NT)

/* Exceptions whose frame carries an error code. */
#define VECTORS_WITH_ERROR_CODE                                                                          \
	(1u << X86_EXC_DF | 1u << X86_EXC_TS | 1u << X86_EXC_NP | 1u << X86_EXC_SS | 1u << X86_EXC_GP |      \
	 1u << X86_EXC_PF | 1u << X86_EXC_AC)

/* The vcpu_info's bytes: a 32-bit guest's may be only 4-byte aligned
 * (VCPUOP_register_vcpu_info), so it is reached through byte offsets or
 * the compat layout, never as a struct vcpu_info. */
#define UPCALL_PENDING offsetof(struct vcpu_info, evtchn_upcall_pending)
#define UPCALL_MASK offsetof(struct vcpu_info, evtchn_upcall_mask)
_Static_assert(offsetof(struct compat_vcpu_info, evtchn_upcall_pending) == UPCALL_PENDING &&
		       offsetof(struct compat_vcpu_info, evtchn_upcall_mask) == UPCALL_MASK,
	       "the upcall bytes sit at the same place in both layouts");

void pv_set_upcall_mask(struct vcpu *v, bool masked)
{
	uint8_t *vi = vcpu_info_bytes(v);
	if (vi)
		__atomic_store_n(vi + UPCALL_MASK, masked, __ATOMIC_RELAXED);
}

/* The upcall mask sits at the same place in both layouts; cr2 does not. */
static void set_vcpu_info_cr2(struct vcpu *v, uint64_t cr2)
{
	uint8_t *vi = vcpu_info_bytes(v);
	if (vi && domain_is_pv32(v->domain))
		((struct compat_vcpu_info *)vi)->arch.cr2 = (uint32_t)cr2;
	else if (vi)
		((struct vcpu_info *)vi)->arch.cr2 = cr2;
}

static bool upcall_mask(struct vcpu *v)
{
	uint8_t *vi = vcpu_info_bytes(v);
	return vi && __atomic_load_n(vi + UPCALL_MASK, __ATOMIC_RELAXED);
}

/*
 * Kernel <-> user mode of a 64-bit guest: the other base pointer, and the
 * GS bases swapped (the kernel's is live in kernel mode).  false: there are
 * no user page tables to switch to.
 */
static bool toggle_guest_mode(struct vcpu *v)
{
	struct domain *d = v->domain;
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	pthread_mutex_lock(&d->lock);
	if (v->kernel_mode && !v->has_user_cr3) {
		pthread_mutex_unlock(&d->lock);
		return false;
	}
	v->kernel_mode = !v->kernel_mode;
	pv_vcpu_load_root(v, v->kernel_mode ? v->cr3_mfn : v->user_cr3_mfn);
	pthread_mutex_unlock(&d->lock);
	uint64_t gs = st->sys.gs_base;
	st->sys.gs_base = st->sys.kernel_gs_base;
	st->sys.kernel_gs_base = gs;
	hv->backend->flush_tlb(v->exec);
	return true;
}

/* A guest stack address the hypervisor may write a frame below. */
static bool stack_ok(const struct domain *d, uint64_t rsp)
{
	return va_is_canonical(rsp) && va_is_canonical(rsp - 128) && !pv_va_reserved(d, rsp - 1) &&
	       !pv_va_reserved(d, rsp - 128);
}

/* Move rip back over the len-byte instruction that exited, within eip in
 * compatibility mode. */
static void rewind_rip(struct vcpu_state *st, unsigned int len)
{
	st->regs.rip -= len;
	if (st->sys.compat)
		st->regs.rip = (uint32_t)st->regs.rip;
}

/*
 * Enter the guest kernel at handler with Xen's frame on its stack, lowest
 * address first: rcx, r11, [words: an error code, or the failsafe
 * callback's data selectors], rip, cs (bits 32-39: the upcall mask it
 * had), rflags (IF: events were unmasked), rsp, ss.  cs and ss are the
 * interrupted code's selectors.  From user mode the kernel's tables and
 * its stack (stack_switch) are used; in kernel mode the current stack,
 * and the frame's CS has RPL 0 so that iret knows.  The handler runs as
 * 64-bit code.  false, with the domain crashed, if the frame cannot be
 * written.
 */
#define MAX_FRAME_WORDS 4
static bool bounce_frame(struct vcpu *v, uint64_t handler, bool mask_events, const uint64_t *words,
			 unsigned int nr_words, uint64_t cs, uint64_t ss)
{
	struct domain *d = v->domain;
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	struct vcpu_regs *r = &st->regs;
	uint64_t old_rip = r->rip, old_rsp = r->rsp, old_rflags = r->rflags, rsp;
	if (v->kernel_mode) {
		cs &= ~3ull;
		rsp = old_rsp;
	} else {
		if (!toggle_guest_mode(v)) {
			domain_crash(d, "vCPU %u: cannot switch to kernel mode", v->id);
			return false;
		}
		rsp = v->kernel_sp;
	}
	rsp &= ~15ull;
	if (!stack_ok(d, rsp)) {
		domain_crash(d, "vCPU %u: bad kernel stack %#llx for a bounce to %#llx", v->id,
			     (unsigned long long)rsp, (unsigned long long)handler);
		return false;
	}
	bool was_masked = upcall_mask(v);
	if (mask_events)
		pv_set_upcall_mask(v, true);
	uint64_t frame[7 + MAX_FRAME_WORDS];
	unsigned int n = 0;
	frame[n++] = r->rcx;
	frame[n++] = r->r11;
	for (unsigned int i = 0; i < nr_words && i < MAX_FRAME_WORDS; i++)
		frame[n++] = words[i];
	frame[n++] = old_rip;
	frame[n++] = cs | (uint64_t)was_masked << 32;
	frame[n++] = (old_rflags & ~(X86_RFLAGS_IF | X86_RFLAGS_IOPL)) | (was_masked ? 0 : X86_RFLAGS_IF) |
		     pv_visible_iopl(v);
	frame[n++] = old_rsp;
	frame[n++] = ss;
	rsp -= n * 8;
	struct hcall_ctx ctx = { .caller = d, .vcpu = v };
	if (copy_to_guest(&ctx, rsp, frame, n * 8)) {
		domain_crash(d, "vCPU %u: fault writing the exception frame at %#llx", v->id,
			     (unsigned long long)rsp);
		return false;
	}
	r->rsp = rsp;
	r->rip = handler;
	r->rflags = pv_sanitize_rflags(old_rflags & ~BOUNCE_CLEARED_RFLAGS);
	st->sys.compat = false;
	st->sys.compat_in_pv64 = false;
	v->code_sel = FLAT_KERNEL_CS;
	v->stack_sel = FLAT_KERNEL_SS;
	return true;
}

static bool bounce_as(struct vcpu *v, uint64_t handler, bool mask_events, bool has_error, uint32_t error,
		      uint64_t cs, uint64_t ss)
{
	uint64_t error_word = error;
	return bounce_frame(v, handler, mask_events, &error_word, has_error, cs, ss);
}

/* The same from whatever the vCPU runs, under the selectors its last
 * iret named (by default FLAT_USER_CS, which is also the kernel's, or
 * FLAT_USER_CS32 for a 32-bit user process). */
static bool bounce(struct vcpu *v, uint64_t handler, bool mask_events, bool has_error, uint32_t error)
{
	return bounce_as(v, handler, mask_events, has_error, error, v->code_sel, v->stack_sel);
}

/*
 * The same for a 32-bit guest, Xen's compat frame, lowest address first:
 * [words: an error code or the failsafe callback's selectors], eip, cs
 * (bits 16-23: the upcall mask it had), eflags, and from ring 3 also esp,
 * ss.  cs is the interrupted code's selector; with RPL 3 (or 2: Xen tests
 * that bit) the frame is a ring-3 one, on the kernel's stack_switch
 * stack, and the vCPU goes to ring 1.  The handler's selector must not be
 * null.
 */
static bool bounce32_frame(struct vcpu *v, uint16_t handler_cs, uint64_t handler, bool mask_events,
			   const uint32_t *words, unsigned int nr_words, uint32_t cs)
{
	struct domain *d = v->domain;
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	struct vcpu_regs *r = &st->regs;
	bool code32;
	if ((handler_cs & 3) != 1 || pv_code_segment(v, handler_cs, &code32)) { /* null fails the second */
		domain_crash(d, "vCPU %u: bounce to selector %#x, which is no usable ring-1 code segment", v->id,
			     handler_cs);
		return false;
	}
	bool from_user = cs & 2;
	uint32_t esp = from_user ? (uint32_t)v->kernel_sp : (uint32_t)r->rsp;
	bool was_masked = upcall_mask(v);
	if (mask_events)
		pv_set_upcall_mask(v, true);
	uint32_t frame[5 + MAX_FRAME_WORDS];
	unsigned int n = 0;
	for (unsigned int i = 0; i < nr_words && i < MAX_FRAME_WORDS; i++)
		frame[n++] = words[i];
	frame[n++] = (uint32_t)r->rip;
	frame[n++] = cs | (uint32_t)was_masked << 16;
	frame[n++] = ((uint32_t)r->rflags & ~(uint32_t)(X86_RFLAGS_IF | X86_RFLAGS_IOPL)) |
		     (was_masked ? 0 : (uint32_t)X86_RFLAGS_IF) | (uint32_t)pv_visible_iopl(v);
	if (from_user) {
		frame[n++] = (uint32_t)r->rsp;
		/* sysenter's frame (null cs 3) has Xen's user stack selector. */
		frame[n++] = cs & ~3u ? v->stack_sel : COMPAT_FLAT_USER_SS;
	}
	esp -= n * 4;
	struct hcall_ctx ctx = { .caller = d, .vcpu = v };
	if (pv_va_reserved(d, esp) || pv_va_reserved(d, (uint64_t)esp + n * 4 - 1) ||
	    copy_to_guest(&ctx, esp, frame, n * 4)) {
		domain_crash(d, "vCPU %u: fault writing the exception frame at %#x", v->id, esp);
		return false;
	}
	st->sys.cpl = 1;
	v->kernel_mode = true;
	v->code_sel = handler_cs;
	if (from_user)
		v->stack_sel = (uint16_t)v->kernel_ss;
	r->rsp = esp;
	r->rip = (uint32_t)handler;
	r->rflags = pv_sanitize_rflags(r->rflags & ~BOUNCE_CLEARED_RFLAGS);
	return true;
}

static bool bounce32_as(struct vcpu *v, uint16_t handler_cs, uint64_t handler, bool mask_events, bool has_error,
			uint32_t error, uint32_t cs)
{
	return bounce32_frame(v, handler_cs, handler, mask_events, &error, has_error, cs);
}

/* From what the vCPU runs, under the code selector its last iret (or the
 * trap table entry that entered the kernel) named. */
static bool bounce32(struct vcpu *v, uint16_t handler_cs, uint64_t handler, bool mask_events, bool has_error,
		     uint32_t error)
{
	return bounce32_as(v, handler_cs, handler, mask_events, has_error, error, v->code_sel);
}

static bool enter_handler(struct vcpu *v, const struct pv_trap *t, bool has_error, uint32_t error)
{
	if (domain_is_pv32(v->domain))
		return bounce32(v, t->cs, t->address, t->flags & 4, has_error, error);
	return bounce(v, t->address, t->flags & 4, has_error, error);
}

bool pv_inject_exception(struct vcpu *v, unsigned int vector, bool has_error, uint32_t error, uint64_t cr2)
{
	if (vector > 255)
		return false;
	const struct pv_trap *t = &v->traps[vector];
	if (!t->address)
		return false;
	if (vector == X86_EXC_PF) {
		/* The guest sees its own idea of kernel and user mode, not the
		 * CPL its kernel really runs at. */
		error &= ~X86_PFEC_USER;
		if (!v->kernel_mode)
			error |= X86_PFEC_USER;
		hv->backend->vcpu_state(v->exec)->sys.cr2 = cr2;
		set_vcpu_info_cr2(v, cr2);
	}
	has_error = has_error && vector < 32 && (VECTORS_WITH_ERROR_CODE >> vector & 1);
	enter_handler(v, t, has_error, error);
	return true;
}

bool pv_software_interrupt(struct vcpu *v, unsigned int vector)
{
	const struct pv_trap *t = &v->traps[vector & 255];
	/* The entry's DPL must allow the caller's ring, as in Xen: a 64-bit
	 * guest's kernel and user code both run with RPL 3, a 32-bit
	 * kernel in ring 1. */
	unsigned int ring = domain_is_pv32(v->domain) ? hv->backend->vcpu_state(v->exec)->sys.cpl : 3;
	if (t->address && (t->flags & 3u) >= ring) {
		enter_handler(v, t, false, 0);
		return true;
	}
	/* Otherwise #GP with the IDT-entry error code, at the int. */
	rewind_rip(hv->backend->vcpu_state(v->exec), 2);
	return pv_inject_exception(v, X86_EXC_GP, true, (vector & 255) << 3 | 2, 0);
}

bool pv_deliver_event_upcall(struct vcpu *v)
{
	uint8_t *vi = vcpu_info_bytes(v);
	if (!vi || !__atomic_load_n(vi + UPCALL_PENDING, __ATOMIC_SEQ_CST) ||
	    __atomic_load_n(vi + UPCALL_MASK, __ATOMIC_SEQ_CST))
		return true;
	const struct pv_callback *cb = &v->callbacks[CALLBACKTYPE_event];
	if (!cb->address)
		return true; /* no callback: the event waits (Xen would jump to 0) */
	/* Xen's frame, no error code, events masked on entry; the pending
	 * flag is the guest's to clear. */
	if (domain_is_pv32(v->domain))
		return bounce32(v, cb->cs, cb->address, true, false, 0);
	return bounce(v, cb->address, true, false, 0);
}

bool pv_failsafe_callback(struct vcpu *v, const uint16_t data_sel[4])
{
	const struct pv_callback *cb = &v->callbacks[CALLBACKTYPE_failsafe];
	if (!cb->address) {
		domain_crash(v->domain, "vCPU %u: data selectors %#x %#x %#x %#x do not load and there is no failsafe callback",
			     v->id, data_sel[1], data_sel[0], data_sel[2], data_sel[3]);
		return false;
	}
	/* Xen's order, lowest address first: ds, es, fs, gs. */
	if (domain_is_pv32(v->domain)) {
		const uint32_t words[4] = { data_sel[1], data_sel[0], data_sel[2], data_sel[3] };
		return bounce32_frame(v, cb->cs, cb->address, cb->mask_events, words, 4, v->code_sel);
	}
	const uint64_t words[4] = { data_sel[1], data_sel[0], data_sel[2], data_sel[3] };
	return bounce_frame(v, cb->address, cb->mask_events, words, 4, v->code_sel, v->stack_sel);
}

/*
 * An NMI sent with VCPUOP_send_nmi goes to the NMI callback as Xen
 * delivers it: events masked, no error code, and no further NMI until the
 * guest's next iret.  Without a callback it stays pending.
 */
bool pv_deliver_nmi(struct vcpu *v)
{
	const struct pv_callback *cb = &v->callbacks[CALLBACKTYPE_nmi];
	if (!atomic_load(&v->nmi_pending) || v->nmi_masked || !cb->address)
		return true;
	atomic_store(&v->nmi_pending, false);
	v->nmi_masked = true;
	if (domain_is_pv32(v->domain))
		return bounce32(v, cb->cs, cb->address, true, false, 0);
	return bounce(v, cb->address, true, false, 0);
}

/*
 * A 64-bit guest's `syscall` that is no hypercall, as Xen's LSTAR and
 * CSTAR entries take it: from 64-bit user code to the syscall callback,
 * from 32-bit code (a compat user process; CPUs with syscall in
 * compatibility mode) to the syscall32 one.  The frame's rflags are the
 * caller's (r11); the callback runs with DF clear (the PV ABI's fixed
 * SYSCALL_MASK).  Without the callback: #UD at the instruction.
 */
bool pv_syscall_callback(struct vcpu *v)
{
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	const struct pv_callback *cb = &v->callbacks[st->sys.compat ? CALLBACKTYPE_syscall32 : CALLBACKTYPE_syscall];
	st->regs.rflags = pv_sanitize_rflags(st->regs.r11);
	if (!cb->address) {
		rewind_rip(st, 2);
		return pv_inject_exception(v, X86_EXC_UD, false, 0, 0);
	}
	/* Xen's LSTAR/CSTAR entries build the frame with its flat selectors. */
	bool compat = st->sys.compat;
	if (bounce_as(v, cb->address, cb->mask_events, false, 0, compat ? FLAT_USER_CS32 : FLAT_USER_CS,
		      compat ? FLAT_USER_SS32 : FLAT_USER_SS))
		st->regs.rflags &= ~X86_RFLAGS_DF;
	return true;
}

/*
 * A 32-bit guest's `syscall` (CPUs that have it in compatibility mode):
 * Xen bounces it to the syscall32 callback with a frame whose eip is the
 * return address and whose eflags are the caller's (r11); without a
 * callback it is #GP(0) at the instruction.
 */
bool pv_compat_syscall(struct vcpu *v)
{
	const struct pv_callback *cb = &v->callbacks[CALLBACKTYPE_syscall32];
	struct vcpu_regs *r = &hv->backend->vcpu_state(v->exec)->regs;
	if (!(cb->cs & ~3u) || !cb->address) {
		rewind_rip(hv->backend->vcpu_state(v->exec), 2);
		return pv_inject_exception(v, X86_EXC_GP, true, 0, 0);
	}
	r->rflags = pv_sanitize_rflags(r->r11);
	bool ring3 = hv->backend->vcpu_state(v->exec)->sys.cpl == 3;
	return bounce32_as(v, cb->cs, cb->address, cb->mask_events, false, 0,
			   ring3 ? COMPAT_FLAT_USER_CS : COMPAT_FLAT_KERNEL_CS);
}

/*
 * `sysenter` (the backends report #GP(0) at it in compatibility mode, #UD
 * in 64-bit mode), as Xen's sysenter entry takes it on CPUs that have the
 * instruction: the CPU saves neither eip nor esp, so the sysenter
 * callback gets a frame with eip 0, cs 3 (a null ring-3 selector), esp 0
 * and the user stack selector, and the guest finds its way back itself.
 * Without a callback: #GP(0) with that same frame.  The frame's cs makes
 * it a frame from user mode whatever ring or mode executed the
 * instruction: a 32-bit kernel's sysenter in ring 1 lands on its
 * stack_switch stack like ring 3's; a 64-bit kernel's goes on its current
 * stack, now 0 (Xen writes the frame below address 0, which no guest
 * maps: the guest is crashed).
 */
bool pv_sysenter(struct vcpu *v)
{
	const struct pv_callback *cb = &v->callbacks[CALLBACKTYPE_sysenter];
	const struct pv_trap *gp = &v->traps[X86_EXC_GP];
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	uint8_t insn[2];
	struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v };
	if (copy_from_guest(&ctx, insn, st->regs.rip, 2) || insn[0] != 0x0f || insn[1] != 0x34 ||
	    (!cb->address && !gp->address))
		return false;
	st->regs.rip = 0;
	st->regs.rsp = 0;
	st->regs.rflags &= ~X86_RFLAGS_RF; /* the instruction clears it before Xen saves the flags */
	if (domain_is_pv32(v->domain)) {
		if (!cb->address)
			return bounce32_as(v, gp->cs, gp->address, gp->flags & 4, true, 0, 3);
		return bounce32_as(v, cb->cs, cb->address, cb->mask_events, false, 0, 3);
	}
	if (!cb->address)
		return bounce_as(v, gp->address, gp->flags & 4, true, 0, 3, FLAT_USER_SS);
	return bounce_as(v, cb->address, cb->mask_events, false, 0, 3, FLAT_USER_SS);
}

/* Entry i of a guest's trap_info list in its own layout. */
static int read_trap_info(struct hcall_ctx *ctx, uint64_t list, unsigned int i, struct trap_info *ti)
{
	if (!ctx->compat)
		return copy_from_guest(ctx, ti, list + i * sizeof(*ti), sizeof(*ti));
	struct compat_trap_info c;
	if (copy_from_guest(ctx, &c, list + i * sizeof(c), sizeof(c)))
		return -EFAULT;
	/* A ring-0 selector means the kernel's ring, ring 1 (Xen's fixup). */
	*ti = (struct trap_info){ .vector = c.vector, .flags = c.flags,
				  .cs = (c.cs & 3) ? c.cs : (uint16_t)(c.cs | 1), .address = c.address };
	return 0;
}

long do_set_trap_table(struct hcall_ctx *ctx, const uint64_t a[5])
{
	struct vcpu *v = ctx->vcpu;
	if (!v)
		return -ENOSYS;
	uint64_t list = a[0];
	if (!list) {
		memset(v->traps, 0, sizeof(v->traps));
		return 0;
	}
	/* Entries until one with address 0, each replacing its vector's. */
	for (unsigned int i = 0; i < 256; i++) {
		struct trap_info ti;
		if (read_trap_info(ctx, list, i, &ti))
			return -EFAULT;
		if (!ti.address)
			break;
		if (!va_is_canonical(ti.address) || pv_va_reserved(v->domain, ti.address))
			return -EINVAL;
		v->traps[ti.vector] = (struct pv_trap){ .flags = ti.flags, .cs = ti.cs, .address = ti.address };
	}
	return 0;
}

long do_stack_switch(struct hcall_ctx *ctx, const uint64_t a[5])
{
	struct vcpu *v = ctx->vcpu;
	if (!v)
		return -ENOSYS;
	v->kernel_ss = a[0];
	v->kernel_sp = a[1];
	return 0;
}

static long set_callback(struct vcpu *v, unsigned int type, uint16_t cs, uint64_t address, bool mask_events)
{
	switch (type) {
	case CALLBACKTYPE_event:
	case CALLBACKTYPE_failsafe:
	case CALLBACKTYPE_syscall:
	case CALLBACKTYPE_syscall32:
	case CALLBACKTYPE_sysenter:
	case CALLBACKTYPE_nmi:
		break;
	default:
		return -EINVAL;
	}
	if (address && (!va_is_canonical(address) || pv_va_reserved(v->domain, address)))
		return -EINVAL;
	/* A 32-bit guest's ring-0 selector means its kernel's ring, ring 1
	 * (Xen's fixup_guest_code_selector). */
	if (domain_is_pv32(v->domain) && !(cs & 3))
		cs |= 1;
	v->callbacks[type] = (struct pv_callback){ .address = address, .cs = cs, .mask_events = mask_events };
	return 0;
}

long do_set_callbacks(struct hcall_ctx *ctx, const uint64_t a[5])
{
	struct vcpu *v = ctx->vcpu;
	if (!v)
		return -ENOSYS;
	/* 64-bit (event, failsafe, syscall); 32-bit (event cs, eip, failsafe
	 * cs, eip).  Xen masks events for the failsafe one. */
	if (ctx->compat) {
		long rc = set_callback(v, CALLBACKTYPE_event, (uint16_t)a[0], (uint32_t)a[1], false);
		return rc ? rc : set_callback(v, CALLBACKTYPE_failsafe, (uint16_t)a[2], (uint32_t)a[3], true);
	}
	long rc = set_callback(v, CALLBACKTYPE_event, 0, a[0], false);
	if (!rc)
		rc = set_callback(v, CALLBACKTYPE_failsafe, 0, a[1], true);
	if (!rc)
		rc = set_callback(v, CALLBACKTYPE_syscall, 0, a[2], false);
	return rc;
}

long do_callback_op(struct hcall_ctx *ctx, const uint64_t a[5])
{
	struct vcpu *v = ctx->vcpu;
	if (!v)
		return -ENOSYS;
	switch (a[0]) {
	case CALLBACKOP_register: {
		if (ctx->compat) {
			struct compat_callback_register cb;
			if (copy_from_guest(ctx, &cb, a[1], sizeof(cb)))
				return -EFAULT;
			/* 64-bit syscall has no meaning for a 32-bit guest. */
			if (cb.type == CALLBACKTYPE_syscall)
				return -EINVAL;
			return set_callback(v, cb.type, (uint16_t)cb.address.cs, cb.address.eip,
					    cb.flags & CALLBACKF_mask_events);
		}
		struct callback_register cb;
		if (copy_from_guest(ctx, &cb, a[1], sizeof(cb)))
			return -EFAULT;
		return set_callback(v, cb.type, 0, cb.address, cb.flags & CALLBACKF_mask_events);
	}
	case CALLBACKOP_unregister: {
		struct callback_unregister cb;
		if (copy_from_guest(ctx, &cb, a[1], sizeof(cb)))
			return -EFAULT;
		/* Only the NMI callback can be taken away, as in Xen. */
		if (cb.type != CALLBACKTYPE_nmi)
			return -EINVAL;
		v->callbacks[CALLBACKTYPE_nmi] = (struct pv_callback){ 0 };
		return 0;
	}
	default:
		return -ENOSYS;
	}
}

long do_set_segment_base(struct hcall_ctx *ctx, const uint64_t a[5])
{
	struct vcpu *v = ctx->vcpu;
	if (!v || ctx->compat)
		return -ENOSYS;
	struct vcpu_sysregs *sys = &hv->backend->vcpu_state(v->exec)->sys;
	uint64_t base = a[1];
	/* In kernel mode the user's GS base waits in kernel_gs_base. */
	uint64_t *user_gs = v->kernel_mode ? &sys->kernel_gs_base : &sys->gs_base;
	uint64_t *kernel_gs = v->kernel_mode ? &sys->gs_base : &sys->kernel_gs_base;
	switch (a[0]) {
	case SEGBASE_FS:
	case SEGBASE_GS_USER:
	case SEGBASE_GS_KERNEL:
		if (!va_is_canonical(base))
			return -EINVAL;
		*(a[0] == SEGBASE_FS ? &sys->fs_base : a[0] == SEGBASE_GS_USER ? user_gs : kernel_gs) = base;
		return 0;
	case SEGBASE_GS_USER_SEL: {
		/* As Xen: RPL 3 for a non-null selector, and one that cannot be
		 * loaded leaves GS null; never an error (Linux BUG()s on one).
		 * The user's GS base is the descriptor's (0 for null, as Xen
		 * makes it on AMD). */
		uint16_t sel = (uint16_t)base;
		if (sel > 3)
			sel |= 3;
		uint64_t desc;
		if (pv_data_segment(v, sel, 3, &desc))
			sel = 0, desc = 0;
		pv_set_data_segment(sys, 3, sel, desc);
		*user_gs = desc_base(desc);
		return 0;
	}
	default:
		return -EINVAL;
	}
}

/* What the CPU's checks of an iret's segments found. */
struct iret_check {
	bool compat;          /* the code segment passed and is 32-bit code (a 64-bit guest's) */
	unsigned int fault;   /* 0, or the vector the iret raises */
	uint16_t bad_sel;     /* the selector that failed */
};

/*
 * Check the code segment cs and, with check_ss, the stack segment ss an
 * iret returns to (pv_code_segment, pv_stack_segment).  false, with the
 * guest crashed, for segments XG cannot run; otherwise *check says
 * whether the iret faults, and with what.
 */
static bool check_iret_segments(struct vcpu *v, uint16_t cs, uint16_t ss, bool check_ss, struct iret_check *check)
{
	*check = (struct iret_check){ 0 };
	int cs_rc = pv_code_segment(v, cs, &check->compat);
	int ss_rc = cs_rc || !check_ss ? 0 : pv_stack_segment(v, ss, check->compat);
	if (cs_rc == -EOPNOTSUPP || ss_rc == -EOPNOTSUPP) {
		domain_crash(v->domain, "vCPU %u: iret to %s segment %#x: 16-bit or non-flat 32-bit segments are not supported",
			     v->id, cs_rc ? "code" : "stack", cs_rc ? cs : ss);
		return false;
	}
	if (cs_rc || ss_rc) {
		check->fault = cs_rc == -ENOENT ? X86_EXC_NP : ss_rc == -ENOENT ? X86_EXC_SS : X86_EXC_GP;
		check->bad_sel = cs_rc ? cs : ss;
	}
	return true;
}

/* As on Xen: the fault of an iret is the guest's own at the target (the
 * registers already hold it), its frame holding the selectors named. */
static void fault_at_iret_target(struct vcpu *v, const struct iret_check *check, uint16_t cs, uint16_t ss)
{
	const struct pv_trap *t = &v->traps[check->fault];
	uint32_t error = check->bad_sel & ~3u;
	bool delivered = t->address && (domain_is_pv32(v->domain)
						? bounce32_as(v, t->cs, t->address, t->flags & 4, true, error, cs)
						: bounce_as(v, t->address, t->flags & 4, true, error, cs, ss));
	if (!delivered)
		domain_crash(v->domain, "vCPU %u: iret to selector %#x faults, without a handler", v->id,
			     check->bad_sel);
}

/* Xen's compat iret: [eax, eip, cs, eflags] on the stack, and [esp, ss]
 * when returning to ring 3; a return to ring 0 (or 2) crashes the guest. */
static long iret32(struct vcpu *v)
{
	struct domain *d = v->domain;
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	struct vcpu_regs *r = &st->regs;
	struct hcall_ctx ctx = { .caller = d, .vcpu = v, .compat = true };
	uint32_t esp = (uint32_t)r->rsp, f[6];
	if (copy_from_guest(&ctx, f, esp, 4 * 4)) {
		domain_crash(d, "vCPU %u: fault reading the iret frame at %#x", v->id, esp);
		return 0;
	}
	unsigned int ring = f[2] & 3;
	if (ring == 0 || ring == 2) {
		domain_crash(d, "vCPU %u: iret to ring %u", v->id, ring);
		return 0;
	}
	if (ring == 3 && copy_from_guest(&ctx, &f[4], esp + 16, 2 * 4)) {
		domain_crash(d, "vCPU %u: fault reading the iret frame at %#x", v->id, esp);
		return 0;
	}
	if (pv_va_reserved(d, f[1])) {
		domain_crash(d, "vCPU %u: iret to %#x in the hypervisor's range", v->id, f[1]);
		return 0;
	}
	/* The CPU's checks of the code segment (and, to ring 3, the stack). */
	uint16_t cs = (uint16_t)f[2], ss = ring == 3 ? (uint16_t)f[5] : v->stack_sel;
	struct iret_check check;
	if (!check_iret_segments(v, cs, ss, ring == 3, &check))
		return 0;
	r->rip = f[1];
	v->nmi_masked = false; /* as Xen's async_exception_cleanup */
	pv_iret_iopl(v, f[3]);
	r->rflags = pv_sanitize_rflags(f[3]);
	r->rsp = ring == 3 ? f[4] : esp + 16;
	st->sys.cpl = (uint8_t)ring;
	pv_drop_data_segments_below(&st->sys, ring);
	v->kernel_mode = ring == 1;
	pv_set_upcall_mask(v, !(f[3] & X86_RFLAGS_IF));
	r->rax = (uint32_t)f[0];
	v->code_sel = cs;
	v->stack_sel = ss;
	if (check.fault)
		fault_at_iret_target(v, &check, cs, ss);
	return (long)(int32_t)r->rax;
}

/*
 * The far returns of compatibility-mode code: `iret` (a 32-bit kernel's:
 * 32-bit Linux returns with it everywhere but to vm86 mode and from NMIs;
 * or a 32-bit process's) and `lret`.  The backends' compat GDT holds no
 * code segment a guest may use, so each faults with #GP(cs) and is
 * carried out here as the CPU's would be on the guest's tables: [eip, cs,
 * eflags] (lret: [eip, cs], then imm16 bytes released) and, to an outer
 * ring, [esp, ss]; a selector that fails its checks is the CPU's fault at
 * the instruction, nothing changed.  iret loads the flags as at CPL 1 or
 * 3 with IOPL 0: IF and IOPL stay, since a guest's interrupt flag is its
 * upcall mask, which only the iret hypercall restores (as on Xen, whose
 * guests' own iret cannot change IF either).
 */
bool pv_emulate_far_return(struct vcpu *v, uint32_t error_code)
{
	struct domain *d = v->domain;
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	struct vcpu_regs *r = &st->regs;
	struct hcall_ctx ctx = { .caller = d, .vcpu = v, .compat = true };
	uint8_t insn[3];
	uint32_t esp = (uint32_t)r->rsp, f[3];
	if (!st->sys.compat || copy_from_guest(&ctx, insn, r->rip, 1))
		return false;
	bool iret = insn[0] == 0xcf;
	unsigned int release = 0;
	if (insn[0] == 0xca) { /* lret imm16 */
		if (copy_from_guest(&ctx, &insn[1], r->rip + 1, 2))
			return false;
		release = (unsigned int)insn[1] | (unsigned int)insn[2] << 8;
	} else if (!iret && insn[0] != 0xcb) {
		return false;
	}
	unsigned int words = iret ? 3 : 2;
	if (copy_from_guest(&ctx, f, esp, words * 4))
		return false;
	uint16_t cs = (uint16_t)f[1];
	unsigned int ring = cs & 3u, cpl = st->sys.cpl;
	if ((cs & 0xfffc) != error_code || ring < cpl)
		return false; /* the CPU's #GP(cs) stands */
	bool outer = ring > cpl;
	if (outer && (ring != 3 || !domain_is_pv32(d))) {
		domain_crash(d, "vCPU %u: far return to ring %u", v->id, ring);
		return true;
	}
	uint32_t outer_sp[2] = { 0, 0 }; /* esp, ss */
	if (outer && copy_from_guest(&ctx, outer_sp, esp + words * 4 + release, sizeof(outer_sp)))
		return false;
	uint16_t ss = outer ? (uint16_t)outer_sp[1] : v->stack_sel;
	struct iret_check check;
	if (!check_iret_segments(v, cs, ss, outer, &check))
		return true;
	if (check.fault) {
		if (!pv_inject_exception(v, check.fault, true, check.bad_sel & ~3u, 0))
			domain_crash(d, "vCPU %u: return to selector %#x faults, without a handler", v->id,
				     check.bad_sel);
		return true;
	}
	if (pv_va_reserved(d, f[0])) {
		domain_crash(d, "vCPU %u: return to %#x in the hypervisor's range", v->id, f[0]);
		return true;
	}
	r->rip = f[0];
	if (iret)
		r->rflags = (r->rflags & ~PV_GUEST_RFLAGS) | (f[2] & PV_GUEST_RFLAGS);
	r->rsp = outer ? (uint32_t)(outer_sp[0] + release) : (uint32_t)(esp + words * 4 + release);
	st->sys.compat = check.compat;
	st->sys.compat_in_pv64 = check.compat && !domain_is_pv32(d);
	if (outer) {
		st->sys.cpl = (uint8_t)ring;
		pv_drop_data_segments_below(&st->sys, ring);
		v->kernel_mode = false;
		v->stack_sel = ss;
	}
	v->code_sel = cs;
	return true;
}

long do_iret(struct hcall_ctx *ctx, const uint64_t a[5])
{
	(void)a;
	struct vcpu *v = ctx->vcpu;
	if (!v)
		return -ENOSYS;
	if (ctx->compat)
		return iret32(v);
	struct domain *d = v->domain;
	struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	struct vcpu_regs *r = &st->regs;
	struct iret_context ic;
	if (copy_from_guest(ctx, &ic, r->rsp, sizeof(ic))) {
		domain_crash(d, "vCPU %u: fault reading the iret frame at %#llx", v->id, (unsigned long long)r->rsp);
		return 0;
	}
	/* As Xen, the selectors with RPL 3 (the ring the guest runs in), then
	 * the CPU's checks: the code segment decides 64-bit or 32-bit code,
	 * whose eip must lie below 4 GiB. */
	uint16_t cs = (uint16_t)(ic.cs | 3), ss = (uint16_t)(ic.ss | 3);
	struct iret_check check;
	if (!check_iret_segments(v, cs, ss, true, &check))
		return 0;
	bool compat = check.compat; /* only set for a code segment that passed */
	if (!va_is_canonical(ic.rip) || !va_is_canonical(ic.rsp) || pv_va_reserved(d, ic.rip) ||
	    (compat && ic.rip > 0xffffffffull)) {
		domain_crash(d, "vCPU %u: iret to %#llx with stack %#llx", v->id, (unsigned long long)ic.rip,
			     (unsigned long long)ic.rsp);
		return 0;
	}
	/* RPL 3 in the frame's CS means user mode (kernel frames have RPL 0). */
	if ((ic.cs & 3) == 3 && v->kernel_mode && !toggle_guest_mode(v)) {
		domain_crash(d, "vCPU %u: iret to user mode without user page tables", v->id);
		return 0;
	}
	r->rip = ic.rip;
	r->rsp = compat ? (uint32_t)ic.rsp : ic.rsp;
	v->nmi_masked = false; /* as Xen's async_exception_cleanup */
	pv_iret_iopl(v, ic.rflags);
	r->rflags = pv_sanitize_rflags(ic.rflags);
	if (!(ic.flags & VGCF_in_syscall)) {
		r->r11 = ic.r11;
		r->rcx = ic.rcx;
	}
	pv_set_upcall_mask(v, !(ic.rflags & X86_RFLAGS_IF));
	r->rax = ic.rax;
	if (check.fault) {
		fault_at_iret_target(v, &check, cs, ss);
		return (long)r->rax;
	}
	st->sys.compat = compat;
	st->sys.compat_in_pv64 = compat;
	v->code_sel = cs;
	v->stack_sel = ss;
	return (long)ic.rax;
}
