/* x86 PV guest support: address-space rules, page-table checks, vCPU context. */
#ifndef HV_PV_H
#define HV_PV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/domain.h"
#include "hv/pv_layout.h"
#include "hv/x86_modrm.h"

/* An address the guest cannot use for its own mappings or buffers: the
 * hypervisor's range, and for a 32-bit guest anything it cannot address. */
static inline bool pv_va_reserved(const struct domain *d, uint64_t va)
{
	if (domain_is_pv32(d))
		return va >= PV32_HV_START;
	return va >= PV64_RESERVED_START && va < PV64_RESERVED_END;
}

/*
 * Page types, as in Xen: a frame used as a page table of level N has type
 * LN and a type count (one per reference from a higher table, a pin, or a
 * vCPU's CR3); a frame mapped writable has type "writable" counted per
 * writable mapping.  A frame has one type at a time, so a page table can
 * never be mapped writable.  A table is validated when its type count goes
 * from 0 to 1 (its entries take their own references) and devalidated when
 * it drops back to 0.
 *
 * Until the full PV memory model lands this covers 64-bit tables only and
 * is stricter than Xen: no large pages, no linear (recursive) mappings,
 * and the reserved L4 slots hold the hypervisor's entries whatever the guest
 * put there.  Callers hold d->lock.
 * get returns 0 or -EINVAL/-EPERM/-EBUSY with the reason in why.
 */
int pv_get_page_type(struct domain *d, uint64_t mfn, uint64_t type, char *why, size_t whylen);
void pv_put_page_type(struct domain *d, uint64_t mfn);

/*
 * General references (count_info's low bits): the allocation holds one,
 * and every page-table entry, pin and CR3 naming the frame holds another.
 * When the domain gives a frame back (decrease_reservation) only the
 * allocation's reference goes; the frame is freed, and leaves the domain's
 * VM, when the last reference does.  Callers hold d->lock.
 */
bool pv_get_page(struct domain *d, uint64_t mfn);
void pv_put_page(struct domain *d, uint64_t mfn);
int pv_get_page_and_type(struct domain *d, uint64_t mfn, uint64_t type, char *why, size_t whylen);
void pv_put_page_and_type(struct domain *d, uint64_t mfn);
/*
 * A frame of d that the hypervisor itself serves as a shared ring (the
 * console's, the xenstore's) for the domain's lifetime, as a backend's
 * writable foreign mapping holds it on Xen: a general and a writable type
 * reference, so the guest can neither make it a page table nor free it
 * while it is served.  Callers hold d->lock.  hold: 0, -ESRCH (d is
 * dying), -EINVAL (not d's frame), -EACCES (typed otherwise).
 */
int pv_hold_ring_page(struct domain *d, uint64_t mfn);
void pv_release_ring_page(struct domain *d, uint64_t mfn);
/*
 * The same, but validating a big tree is done in bounded steps: when a
 * step's budget is spent it returns -ERESTART holding no reference, and
 * the tables below are left part-way validated (PGT_partial) for the
 * caller to continue by asking again (a guest's call is continued, the
 * toolstack's repeated).  Xen's preemptible get_page_type.
 */
int pv_get_page_and_type_preemptible(struct domain *d, uint64_t mfn, uint64_t type, char *why, size_t whylen);
/* Entries one such step validates (tests lower it to make steps small). */
extern unsigned int pv_validation_budget;

/*
 * The machine-check MSRs (vmce.c), as Xen's vMCE: 1 handled (*val set),
 * 0 not one of them, -1 #GP.  The vCPU's own thread only.
 */
int vmce_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val);
int vmce_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val);

/*
 * The level (1-4) of the validated page table at mfn, or 0 when the frame
 * is not one in use.  Caller holds d->lock.
 */
unsigned int pv_table_level(uint64_t mfn);

/*
 * Write entry i of the level-`level` table at table_mfn as mmu_update and
 * update_va_mapping do: the new entry is checked and takes its references
 * before the old one gives its own back; present entries are made
 * user-accessible.  preserve_ad keeps the accessed/dirty bits already set.
 * 0, or -EINVAL/-EBUSY with the reason in why, or with preemptible
 * -ERESTART when the table the entry names is big and left part-way
 * validated (nothing written: ask again).  Caller holds d->lock.
 */
int pv_update_entry(struct domain *d, uint64_t table_mfn, unsigned int level, unsigned int i, uint64_t e,
		    bool preserve_ad, bool preemptible, char *why, size_t whylen);

/*
 * Show or hide the M2P in the validated L4 at l4_mfn (m2p_strict: kernel
 * base pointers show it, user ones do not).  Caller holds d->lock and
 * flushes the TLBs that may hold the old entry.
 */
void pv_set_m2p_slot(uint64_t l4_mfn, bool present);

/*
 * Flush v's TLB now, and have each other vCPU of its domain whose bit is
 * set in `others` flush before it next runs guest code (it is kicked out
 * of the guest if running).
 */
void pv_flush_tlb(struct vcpu *v, uint64_t others);

/*
 * The writable-pagetables assist (xen/arch/x86/mm/ptwr.c): if exit e is a
 * write fault of v's kernel on one of its L1 tables, perform the write as
 * a checked update and advance the vCPU past it.  false: not such a write,
 * or the update was refused; the fault is the guest's.
 */
bool pv_ptwr_fault(struct vcpu *v, const struct exec_exit *e);

/* A guest_walk() lookup for walks on behalf of domain ctx: its own frames,
 * its shared_info page and (32-bit) its vCPUs' root L4s, nothing else. */
uint8_t *pv_domain_frame(void *ctx, uint64_t mfn);

/*
 * 32-bit PV guests' per-vCPU L4s (pv32_root.c), allocated and freed by
 * arch_domain_init/fini (hv/arch.h).  pv_vcpu_load_root
 * makes the kernel table at mfn (an L4, or a 32-bit guest's L3) the one v
 * runs on, with d->lock held; pv_root_frame tells whether mfn is one of
 * d's L4s (the walker may start there).
 */
void pv_vcpu_load_root(struct vcpu *v, uint64_t mfn);
/* The page type of d's top-level tables: L4, or L3 for a 32-bit guest. */
uint64_t pv_root_type(const struct domain *d);
/* MMUEXT_NEW_BASEPTR (user: NEW_USER_BASEPTR) for the calling vCPU: 0,
 * -ERESTART part-way through validating the table, or the refusal. */
long pv_new_baseptr(struct vcpu *v, uint64_t mfn, bool user);
bool pv_root_frame(const struct domain *d, uint64_t mfn);

/* Set or read a vCPU's state as a vcpu_guest_context in buf, in the
 * layout of the domain's guest width, pv_vcpu_context_size() bytes.
 * first: only a vCPU without a context may take it (-EEXIST otherwise,
 * checked under the domain lock: VCPUOP_initialise). */
size_t pv_vcpu_context_size(const struct domain *d);
int pv_set_vcpu_context(struct vcpu *v, const void *ctxt, size_t len, bool first);
int pv_get_vcpu_context(struct vcpu *v, void *ctxt, size_t len);

/*
 * Descriptor tables (xen/arch/x86/pv/descriptor_tables.c).
 * pv_check_descriptor: whether d may hold the descriptor, correcting it in
 *   place as Xen does (DPL raised to the kernel's ring, call gates made
 *   unusable directly, 32-bit flat segments extended to 4 GiB).
 * pv_validate_segdesc_page: all 512 descriptors of a frame taking the
 *   PGT_seg_desc_page type, corrected in place; -EINVAL and why if not.
 * pv_set_gdt: make frames (entries descriptors, at most
 *   FIRST_RESERVED_GDT_ENTRY) v's GDT, releasing the old one; -EINVAL and
 *   nothing changed if a frame cannot be a descriptor table.
 * pv_destroy_gdt: v has no GDT.  Both with d->lock held.
 */
bool pv_check_descriptor(const struct domain *d, uint64_t *desc);
/* Xen's checks on an LDT (MMUEXT_SET_LDT, vCPU contexts): page aligned,
 * canonical, outside the hypervisor's range, at most 8192 entries. */
#define PV_LDT_MAX_ENTS 8192
bool pv_ldt_valid(const struct domain *d, uint64_t base, unsigned int ents);
int pv_validate_segdesc_page(struct domain *d, uint64_t mfn, char *why, size_t whylen);
int pv_set_gdt(struct vcpu *v, const uint64_t *frames, unsigned int entries);
void pv_destroy_gdt(struct vcpu *v);

/* Fill the page at mfn with Xen's hypercall stubs for d's guest width. */
void pv_write_hypercall_page(struct domain *d, uint64_t mfn);

/* The VM assists XG implements for d's guest type (VMASST_TYPE_* bits):
 * only these can be enabled, by vm_assist or in a vCPU context. */
unsigned long pv_vm_assist_valid(const struct domain *d);

/*
 * The virtual IOPL (xen/arch/x86/physdev.c).  The real IOPL is always 0;
 * the guest sets v->iopl with PHYSDEVOP_set_iopl or, with the
 * architectural_iopl assist, through the flags it returns with iret.
 * pv_iopl_ok: whether v's current ring may use cli, sti, in and out (its
 *   kernel counts as ring 1, or ring 0 with the assist, as in Xen).
 * pv_visible_iopl: the IOPL bits the guest sees in flags (0 without the
 *   assist).  pv_iret_iopl: what an iret with these flags does to it.
 */
bool pv_iopl_ok(const struct vcpu *v);
uint64_t pv_visible_iopl(const struct vcpu *v);
void pv_iret_iopl(struct vcpu *v, uint64_t rflags);

/*
 * The guest's CR0.TS (xen/arch/x86/pv/fpu.c): set or cleared by
 * fpu_taskswitch, clts and mov to CR0; pv_device_not_available handles
 * the #NM it causes (TS cleared, #NM bounced; false: no handler).
 */
void pv_set_guest_ts(struct vcpu *v, bool set);
bool pv_device_not_available(struct vcpu *v);

/*
 * Debug registers (xen/arch/x86/pv/debugreg.c), with Xen's checks:
 * 0, or -EPERM (a breakpoint on the hypervisor's range, general detect,
 * an I/O breakpoint), -EINVAL (DR6/DR7 beyond 32 bits), -ENODEV (no such
 * register).  pv_check_context_debugregs: a context's debugreg[] as
 * Xen's arch_set_info_guest checks it before setting each register.
 */
int pv_set_debugreg(struct vcpu *v, unsigned int reg, uint64_t value);
int pv_get_debugreg(struct vcpu *v, unsigned int reg, uint64_t *value);
int pv_check_context_debugregs(const uint64_t dr[8], bool compat);

/* CR4 as a PV guest sees it after writing val, as Xen's
 * pv_fixup_guest_cr4: of the bits a guest may choose (TSD, DE, FSGSBASE,
 * OSXSAVE) XG offers none yet, so it always reads the hardware bits it
 * may observe (PAE, MCE, OSFXSR, OSXMMEXCPT as the vCPU has them). */
uint64_t pv_fixup_guest_cr4(const struct vcpu *v, uint64_t val);

/* The flags a PV guest may hold: IF on, IOPL 0, no system flags. */
uint64_t pv_sanitize_rflags(uint64_t rflags);
/* Flags a PV guest may set; IF is always on and IOPL always 0 in hardware
 * (the guest's own interrupt flag is the event mask in vcpu_info).  TF and
 * RF are the guest's own debugging (single steps, resuming after an
 * instruction breakpoint), as in Xen. */
#define PV_GUEST_RFLAGS                                                                           \
	(X86_RFLAGS_CF | X86_RFLAGS_PF | X86_RFLAGS_AF | X86_RFLAGS_ZF | X86_RFLAGS_SF |           \
	 X86_RFLAGS_TF | X86_RFLAGS_DF | X86_RFLAGS_OF | X86_RFLAGS_RF | X86_RFLAGS_AC | X86_RFLAGS_ID)

/*
 * Entering a 64-bit guest kernel (xen/arch/x86/pv/traps.c).  Each returns
 * false when the guest has no handler (the caller crashes the domain);
 * true when the handler was entered, or the domain was crashed because
 * its stack could not take the frame.
 *   pv_inject_exception: an exception, through the guest's trap table
 *     (for #PF, cr2 goes to vcpu_info and the U bit follows guest mode);
 *   pv_software_interrupt: `int $vector` (rip after it): the handler if
 *     the entry's DPL is 3, else #GP(vector << 3 | 2) at the instruction;
 *   pv_syscall_callback: a 64-bit guest's `syscall` that is no hypercall
 *     (from user mode, or from 32-bit code): the syscall or syscall32
 *     callback, or #UD without one, as in Xen.
 */
bool pv_inject_exception(struct vcpu *v, unsigned int vector, bool has_error, uint32_t error, uint64_t cr2);
bool pv_software_interrupt(struct vcpu *v, unsigned int vector);
bool pv_syscall_callback(struct vcpu *v);
/* 32-bit guests' syscall (to the syscall32 callback), and sysenter in
 * guests of either width (to the sysenter callback; false if the
 * instruction at rip is not sysenter or nothing handles it). */
bool pv_compat_syscall(struct vcpu *v);
bool pv_sysenter(struct vcpu *v);
/* A #GP(0) of v's kernel at a privileged instruction Xen emulates for PV
 * guests (xen/arch/x86/pv/emul_priv_op.c): carried out and rip advanced
 * (true), or the guest's own #GP (false). */
bool pv_emulate_privileged(struct vcpu *v);
/* ins/outs under the virtual IOPL (emul_string_io.c): done, partly done
 * (a long rep, or a #PF delivered), or false for the guest's #GP. */
bool pv_emulate_string_io(struct vcpu *v);
/* Whether the first avail bytes of an instruction could be ins or outs:
 * prefixes, then 6c-6f, or prefixes only. */
bool pv_maybe_string_io(const uint8_t *b, unsigned int avail);
/* A #GP(selector) at a load of a data segment register with one of the
 * guest's own descriptors (segment_load.c has the instructions): the load
 * carried out, or #NP delivered (true); false if it stays the guest's
 * #GP. */
bool pv_load_segment(struct vcpu *v, uint32_t error_code);
/* The bytes of the instruction at the vCPU's rip, as many as can be read
 * up to X86_MAX_INSN_LEN (guest_access.c): how many. */
unsigned int pv_fetch_insn(struct vcpu *v, uint8_t insn[X86_MAX_INSN_LEN]);
/* A #GP(selector) at a compatibility-mode `iret` or `lret` (traps.c):
 * carried out, or its fault delivered or the guest crashed (true); false
 * if it stays the guest's #GP. */
bool pv_emulate_far_return(struct vcpu *v, uint32_t error_code);
/* Whether a guest's data segment register at cpl can hold sel (null,
 * Xen's flat ones, or a usable descriptor of its own GDT or LDT): 0 with
 * the descriptor as the CPU caches it (0 for null), -ENOENT if that
 * descriptor is not present, -EINVAL if the load would be #GP. */
int pv_data_segment(struct vcpu *v, uint16_t sel, unsigned int cpl, uint64_t *desc);
/* The descriptor a selector names in v's GDT or LDT; false if it lies
 * beyond the table, in Xen's reserved entries (or the table cannot be
 * read). */
bool pv_guest_descriptor(struct vcpu *v, uint16_t sel, uint64_t *desc);
/* The linear address of size bytes at ea of segment register seg (ES 0,
 * CS 1, SS 2, DS 3, FS 4, GS 5) as an instruction of the vCPU's mode reads
 * or writes them: 64-bit code has only FS and GS bases; compatibility-mode
 * code its data registers' bases, limits and rights and Xen's flat CS
 * (not writable) and SS.  false where the CPU would fault (#GP(0)) on the
 * access. */
bool pv_operand_address(const struct vcpu_sysregs *sys, unsigned int seg, uint64_t ea, unsigned int size,
			bool write, uint64_t *la);
/* A #GP(selector) at a far call or jump of compatibility-mode code
 * (far_call.c): carried out, or its fault delivered or the guest crashed
 * (true); false if it stays the guest's #GP. */
bool pv_emulate_far_call(struct vcpu *v, uint32_t error_code);
/* Put a selector and its descriptor (pv_data_segment) into a data
 * register slot (sreg_data_slot); FS and GS bases are the caller's. */
void pv_set_data_segment(struct vcpu_sysregs *sys, unsigned int slot, uint16_t sel, uint64_t desc);
/* What the CPU's return to an outer ring does: data registers holding a
 * segment the ring may not use (DPL below it, not conforming code) become
 * null. */
void pv_drop_data_segments_below(struct vcpu_sysregs *sys, unsigned int ring);
/* The segments a guest's iret returns to, checked as the CPU's iret
 * checks them at the ring of sel's RPL (3 for a 64-bit guest, 1 or 3 for
 * a 32-bit one): Xen's flat selectors of that ring (by the guest's width)
 * or descriptors of the guest's own GDT/LDT.  0 when usable
 * (pv_code_segment: *compat for 32-bit code), -EINVAL for the CPU's
 * #GP(sel), -ENOENT for a descriptor that is not present (#NP(sel) for
 * code, #SS(sel) for the stack), -EOPNOTSUPP for 16-bit code or 32-bit
 * code or stack that is not flat (the backends run 32-bit code on
 * Xen's flat selectors; docs/pv-cpu.md). */
int pv_code_segment(struct vcpu *v, uint16_t sel, bool *compat);
int pv_stack_segment(struct vcpu *v, uint16_t sel, bool compat);
/* At a vCPU's entry: load the data selectors its last context named
 * (context_segments_pending), entering the failsafe callback if one does
 * not load.  false if that crashed the domain. */
bool pv_load_context_segments(struct vcpu *v);
/* Enter the failsafe callback with Xen's frame, which carries the data
 * selectors (ES, DS, FS, GS order here) that did not all load.  false,
 * with the domain crashed, without a callback or a usable stack. */
bool pv_failsafe_callback(struct vcpu *v, const uint16_t data_sel[4]);

/* If v has an event upcall due (evtchn_upcall_pending and not masked)
 * and an event callback, enter the callback with Xen's frame and events
 * masked.  false if that crashed the domain (an unusable stack). */
bool pv_deliver_event_upcall(struct vcpu *v);
bool pv_deliver_nmi(struct vcpu *v);

/* vcpu_info.evtchn_upcall_mask, the guest's virtual interrupt flag. */
void pv_set_upcall_mask(struct vcpu *v, bool masked);

/* CPUID as a PV guest sees it. */
void pv_cpuid(struct domain *d, uint32_t leaf, uint32_t subleaf, uint32_t out[4]);

#endif
