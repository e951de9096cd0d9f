/*
 * The facts of the guest ABI as one set of headers states them: every
 * constant, and the size, alignment and member offsets/sizes/types of every
 * structure of include/public/.  Compiled against
 *   XG's headers:  -I<repo>/include             (includes "public/X.h")
 *   Xen's headers: -DABI_XEN -D__XEN_TOOLS__    (includes "xen/X.h")
 * for x86_64 or for i386 (-m32 -ffreestanding), it puts one 128-byte
 * record per fact (NUL-padded name, then the value as a little-endian
 * uint64) into the section .abi_table.  Nothing needs to run on the target:
 * abi-check.sh extracts the section with objcopy and abi_dump prints it as
 * "NAME VALUE" lines.
 *
 * Two more modes describe 32-bit guests for the comparison with
 * compat/x86_32.h:
 *   -DABI_COMPAT      (XG's headers, 64-bit): each 32-bit fact, taken from
 *                     struct compat_X / COMPAT_X where the layout differs by
 *                     width, from the ordinary struct X / X where it does not;
 *   -DABI_COMPAT_LIST (Xen's headers, -m32): the same list from the
 *                     ordinary names.
 * Both compare only the signedness of members (compat_ types are
 * fixed-width, not long) and leave out the constants marked KX (no compat_
 * version: old 2-level or per-guest values).
 *
 * The list:  K(x) constant; KW(x) width-dependent constant (COMPAT_x);
 *   KX(x) constant without compat_ version; E(name, expr) and
 *   EW(name, expr, compat-expr) expressions; S(k, tag) struct tag; T(k, t)
 *   typedef'd type; M(k, tag, member) member of struct tag, MA for an array
 *   member (with its element type), MAT only the element type, MP a
 *   pointer member (held as a 32-bit integer in compat_ structs).  k is N (same
 *   layout for both widths) or C (32-bit layout in struct compat_<tag>).
 */
#include <stddef.h>
#include <stdint.h>

#define ABI_STR_(x) #x
#define ABI_STR(x) ABI_STR_(x)
#ifdef ABI_XEN
#define ABI_HEADER(h) ABI_STR(xen/h)
#else
#define ABI_HEADER(h) ABI_STR(public/h)
#endif

#include ABI_HEADER(xen.h)
#include ABI_HEADER(arch-x86/xen.h)
#include ABI_HEADER(arch-x86/xen-mca.h)
#include ABI_HEADER(elfnote.h)
#include ABI_HEADER(features.h)
#include ABI_HEADER(version.h)
#include ABI_HEADER(event_channel.h)
#include ABI_HEADER(sched.h)
#include ABI_HEADER(callback.h)
#include ABI_HEADER(physdev.h)
#include ABI_HEADER(vcpu.h)
#include ABI_HEADER(memory.h)
#include ABI_HEADER(io/console.h)
#include ABI_HEADER(io/xs_wire.h)
#ifdef ABI_COMPAT
#include ABI_HEADER(compat/x86_32.h)
#endif

#if defined(ABI_COMPAT) || defined(ABI_COMPAT_LIST)
#define ABI_LIST_32 1 /* the 32-bit list ... */
#define ABI_NO_TYPES 1 /* ... comparing only the signedness of members */
#elif defined(__x86_64__)
#define ABI_LIST_64 1
#else
#define ABI_LIST_32 1
#endif

struct abi_row {
	char name[120];
	uint64_t value;
};
_Static_assert(sizeof(struct abi_row) == 128, "record size");

#define ROW(name, value) { name, (uint64_t)(value) },

/* Which expression a row uses. */
#ifdef ABI_COMPAT
#define EW(name, expr, cexpr) ROW(name, cexpr)
#define TYPE_N(tag) tag
#define TYPE_C(tag) compat_##tag
#define KX(x)
#else
#define EW(name, expr, cexpr) ROW(name, expr)
#define TYPE_N(tag) tag
#define TYPE_C(tag) tag
#ifdef ABI_COMPAT_LIST
#define KX(x)
#else
#define KX(x) ROW(HDR ":" #x, x)
#endif
#endif

#define E(name, expr) ROW(name, expr)
#define K(x) ROW(HDR ":" #x, x)
#define KW(x) EW(HDR ":" #x, x, COMPAT_##x)

/* Type code of an integer member (0: anything else). */
#define TYPECODE(x)                                                                                \
	_Generic((x), char: 1, signed char: 2, unsigned char: 3, short: 4, unsigned short: 5,      \
		 int: 6, unsigned int: 7, long: 8, unsigned long: 9, long long: 10,                 \
		 unsigned long long: 11, _Bool: 12, default: 0)

/* Signedness of an integer member: 1 signed, 2 unsigned (0: anything
 * else); what the compat comparison can check, where types are fixed-width
 * instead of long. */
#define SIGNCODE(x)                                                                                \
	_Generic((x), char: ((char)-1 < 0 ? 1 : 2), signed char: 1, unsigned char: 2, short: 1,     \
		 unsigned short: 2, int: 1, unsigned int: 2, long: 1, unsigned long: 2,             \
		 long long: 1, unsigned long long: 2, _Bool: 2, default: 0)

#define STYPE(k, tag) struct TYPE_##k(tag)
#define S(k, tag)                                                                                  \
	ROW("sizeof(" #tag ")", sizeof(STYPE(k, tag)))                                             \
	ROW("alignof(" #tag ")", _Alignof(STYPE(k, tag)))
#define T(k, t)                                                                                    \
	ROW("sizeof(" #t ")", sizeof(TYPE_##k(t)))                                                 \
	ROW("alignof(" #t ")", _Alignof(TYPE_##k(t)))
#define MEMBER(k, tag, m) (((STYPE(k, tag) *)0)->m)
#ifdef ABI_NO_TYPES
#define MTYPE(k, tag, m) ROW("sign(" #tag "." #m ")", SIGNCODE(MEMBER(k, tag, m)))
#define MAT(k, tag, m) ROW("sign(" #tag "." #m "[0])", SIGNCODE(MEMBER(k, tag, m)[0]))
#else
#define MTYPE(k, tag, m) ROW("type(" #tag "." #m ")", TYPECODE(MEMBER(k, tag, m)))
#define MAT(k, tag, m) ROW("type(" #tag "." #m "[0])", TYPECODE(MEMBER(k, tag, m)[0]))
#endif
#define MOFF(k, tag, m)                                                                            \
	ROW("offsetof(" #tag "," #m ")", offsetof(STYPE(k, tag), m))                               \
	ROW("sizeof(" #tag "." #m ")", sizeof(MEMBER(k, tag, m)))
#define M(k, tag, m) MOFF(k, tag, m) MTYPE(k, tag, m)
/* An array member: also the type of its elements. */
#define MA(k, tag, m) M(k, tag, m) MAT(k, tag, m)
/* A pointer that the compat_ struct holds as a 32-bit integer. */
#ifdef ABI_NO_TYPES
#define MP(k, tag, m) MOFF(k, tag, m)
#else
#define MP(k, tag, m) M(k, tag, m)
#endif
/* Members of a typedef'd struct without a usable tag. */
#define MT(k, t, m)                                                                                \
	ROW("offsetof(" #t "," #m ")", offsetof(TYPE_##k(t), m))                                   \
	ROW("sizeof(" #t "." #m ")", sizeof(((TYPE_##k(t) *)0)->m))

__attribute__((section(".abi_table"), used)) static const struct abi_row abi_table[] = {

/* ======================================================================== xen.h */
#define HDR "xen.h"
	K(__XEN_LATEST_INTERFACE_VERSION__) K(__XEN_INTERFACE_VERSION__)
	K(__HYPERVISOR_set_trap_table) K(__HYPERVISOR_mmu_update) K(__HYPERVISOR_set_gdt)
	K(__HYPERVISOR_stack_switch) K(__HYPERVISOR_set_callbacks) K(__HYPERVISOR_fpu_taskswitch)
	K(__HYPERVISOR_sched_op_compat) K(__HYPERVISOR_platform_op) K(__HYPERVISOR_set_debugreg)
	K(__HYPERVISOR_get_debugreg) K(__HYPERVISOR_update_descriptor) K(__HYPERVISOR_memory_op)
	K(__HYPERVISOR_multicall) K(__HYPERVISOR_update_va_mapping) K(__HYPERVISOR_set_timer_op)
	K(__HYPERVISOR_event_channel_op_compat) K(__HYPERVISOR_xen_version)
	K(__HYPERVISOR_console_io) K(__HYPERVISOR_physdev_op_compat)
	K(__HYPERVISOR_grant_table_op) K(__HYPERVISOR_vm_assist)
	K(__HYPERVISOR_update_va_mapping_otherdomain) K(__HYPERVISOR_iret)
	K(__HYPERVISOR_vcpu_op) K(__HYPERVISOR_set_segment_base) K(__HYPERVISOR_mmuext_op)
	K(__HYPERVISOR_xsm_op) K(__HYPERVISOR_nmi_op) K(__HYPERVISOR_sched_op)
	K(__HYPERVISOR_callback_op) K(__HYPERVISOR_xenoprof_op) K(__HYPERVISOR_event_channel_op)
	K(__HYPERVISOR_physdev_op) K(__HYPERVISOR_hvm_op) K(__HYPERVISOR_sysctl)
	K(__HYPERVISOR_domctl) K(__HYPERVISOR_kexec_op) K(__HYPERVISOR_tmem_op)
	K(__HYPERVISOR_argo_op) K(__HYPERVISOR_xenpmu_op) K(__HYPERVISOR_dm_op)
	K(__HYPERVISOR_hypfs_op)
	K(__HYPERVISOR_arch_0) K(__HYPERVISOR_arch_1) K(__HYPERVISOR_arch_2) K(__HYPERVISOR_arch_3)
	K(__HYPERVISOR_arch_4) K(__HYPERVISOR_arch_5) K(__HYPERVISOR_arch_6) K(__HYPERVISOR_arch_7)
	K(VIRQ_TIMER) K(VIRQ_DEBUG) K(VIRQ_CONSOLE) K(VIRQ_DOM_EXC) K(VIRQ_TBUF) K(VIRQ_DEBUGGER)
	K(VIRQ_XENOPROF) K(VIRQ_CON_RING) K(VIRQ_PCPU_STATE) K(VIRQ_MEM_EVENT) K(VIRQ_ARGO)
	K(VIRQ_ENOMEM) K(VIRQ_XENPMU) K(VIRQ_ARCH_0) K(VIRQ_ARCH_1) K(VIRQ_ARCH_2) K(VIRQ_ARCH_3)
	K(VIRQ_ARCH_4) K(VIRQ_ARCH_5) K(VIRQ_ARCH_6) K(VIRQ_ARCH_7) K(NR_VIRQS)
	K(MMU_NORMAL_PT_UPDATE) K(MMU_MACHPHYS_UPDATE) K(MMU_PT_UPDATE_PRESERVE_AD)
	K(MMU_PT_UPDATE_NO_TRANSLATE)
	K(MMUEXT_PIN_L1_TABLE) K(MMUEXT_PIN_L2_TABLE) K(MMUEXT_PIN_L3_TABLE)
	K(MMUEXT_PIN_L4_TABLE) K(MMUEXT_UNPIN_TABLE) K(MMUEXT_NEW_BASEPTR)
	K(MMUEXT_TLB_FLUSH_LOCAL) K(MMUEXT_INVLPG_LOCAL) K(MMUEXT_TLB_FLUSH_MULTI)
	K(MMUEXT_INVLPG_MULTI) K(MMUEXT_TLB_FLUSH_ALL) K(MMUEXT_INVLPG_ALL) K(MMUEXT_FLUSH_CACHE)
	K(MMUEXT_SET_LDT) K(MMUEXT_NEW_USER_BASEPTR) K(MMUEXT_CLEAR_PAGE) K(MMUEXT_COPY_PAGE)
	K(MMUEXT_FLUSH_CACHE_GLOBAL) K(MMUEXT_MARK_SUPER) K(MMUEXT_UNMARK_SUPER)
	K(UVMF_NONE) K(UVMF_TLB_FLUSH) K(UVMF_INVLPG) K(UVMF_FLUSHTYPE_MASK) K(UVMF_MULTI)
	K(UVMF_LOCAL) K(UVMF_ALL)
	K(CONSOLEIO_write) K(CONSOLEIO_read)
	K(VMASST_CMD_enable) K(VMASST_CMD_disable) K(VMASST_TYPE_4gb_segments)
	K(VMASST_TYPE_4gb_segments_notify) K(VMASST_TYPE_writable_pagetables)
	K(VMASST_TYPE_pae_extended_cr3) K(VMASST_TYPE_architectural_iopl)
	K(VMASST_TYPE_runstate_update_flag) K(VMASST_TYPE_m2p_strict)
	K(DOMID_FIRST_RESERVED) K(DOMID_SELF) K(DOMID_IO) K(DOMID_XEN) K(DOMID_COW)
	K(DOMID_INVALID) K(DOMID_IDLE) K(DOMID_MASK)
	K(XEN_PVCLOCK_TSC_STABLE_BIT) K(XEN_PVCLOCK_GUEST_STOPPED)
	K(MAX_GUEST_CMDLINE)
	K(SIF_PRIVILEGED) K(SIF_INITDOMAIN) K(SIF_MULTIBOOT_MOD) K(SIF_MOD_START_PFN)
	K(SIF_VIRT_P2M_4TOOLS) K(SIF_PM_MASK)
	K(XEN_VGATYPE_TEXT_MODE_3) K(XEN_VGATYPE_VESA_LFB) K(XEN_VGATYPE_EFI_LFB)
	K(xen_mk_uint(7)) K(xen_mk_ulong(7)) K(xen_mk_ullong(7))
	E("sizeof(xen_mk_uint(7))", sizeof(xen_mk_uint(7)))
	EW("sizeof(xen_mk_ulong(7))", sizeof(xen_mk_ulong(7)), 4)
	E("sizeof(xen_mk_ullong(7))", sizeof(xen_mk_ullong(7)))

	T(N, domid_t) T(N, xen_domain_handle_t) T(N, xen_uuid_t) MT(N, xen_uuid_t, a)
	S(C, mmu_update) M(C, mmu_update, ptr) M(C, mmu_update, val)
	S(C, mmuext_op) M(C, mmuext_op, cmd) M(C, mmuext_op, arg1) M(C, mmuext_op, arg1.mfn)
	M(C, mmuext_op, arg1.linear_addr) M(C, mmuext_op, arg2) M(C, mmuext_op, arg2.nr_ents)
	M(C, mmuext_op, arg2.vcpumask) M(C, mmuext_op, arg2.src_mfn)
	S(C, multicall_entry) M(C, multicall_entry, op) M(C, multicall_entry, result)
	MA(C, multicall_entry, args)
	S(C, vcpu_time_info) M(C, vcpu_time_info, version) M(C, vcpu_time_info, pad0)
	M(C, vcpu_time_info, tsc_timestamp) M(C, vcpu_time_info, system_time)
	M(C, vcpu_time_info, tsc_to_system_mul) M(C, vcpu_time_info, tsc_shift)
	M(C, vcpu_time_info, flags) MA(C, vcpu_time_info, pad1)
	S(C, vcpu_info) M(C, vcpu_info, evtchn_upcall_pending) M(C, vcpu_info, evtchn_upcall_mask)
	M(C, vcpu_info, evtchn_pending_sel) M(C, vcpu_info, arch) M(C, vcpu_info, time)
	S(C, shared_info) M(C, shared_info, vcpu_info) MA(C, shared_info, evtchn_pending)
	MA(C, shared_info, evtchn_mask) M(C, shared_info, wc_version) M(C, shared_info, wc_sec)
	M(C, shared_info, wc_nsec) M(C, shared_info, arch)
	S(C, start_info) MA(C, start_info, magic) M(C, start_info, nr_pages)
	M(C, start_info, shared_info) M(C, start_info, flags) M(C, start_info, store_mfn)
	M(C, start_info, store_evtchn) M(C, start_info, console)
	M(C, start_info, console.domU.mfn) M(C, start_info, console.domU.evtchn)
	M(C, start_info, console.dom0.info_off) M(C, start_info, console.dom0.info_size)
	M(C, start_info, pt_base) M(C, start_info, nr_pt_frames) M(C, start_info, mfn_list)
	M(C, start_info, mod_start) M(C, start_info, mod_len) MA(C, start_info, cmd_line)
	M(C, start_info, first_p2m_pfn) M(C, start_info, nr_p2m_frames)
	S(N, xen_multiboot_mod_list) M(N, xen_multiboot_mod_list, mod_start)
	M(N, xen_multiboot_mod_list, mod_end) M(N, xen_multiboot_mod_list, cmdline)
	M(N, xen_multiboot_mod_list, pad)
	S(N, dom0_vga_console_info) M(N, dom0_vga_console_info, video_type)
	M(N, dom0_vga_console_info, u)
	M(N, dom0_vga_console_info, u.text_mode_3.font_height)
	M(N, dom0_vga_console_info, u.text_mode_3.cursor_x)
	M(N, dom0_vga_console_info, u.text_mode_3.cursor_y)
	M(N, dom0_vga_console_info, u.text_mode_3.rows)
	M(N, dom0_vga_console_info, u.text_mode_3.columns)
	M(N, dom0_vga_console_info, u.vesa_lfb.width) M(N, dom0_vga_console_info, u.vesa_lfb.height)
	M(N, dom0_vga_console_info, u.vesa_lfb.bytes_per_line)
	M(N, dom0_vga_console_info, u.vesa_lfb.bits_per_pixel)
	M(N, dom0_vga_console_info, u.vesa_lfb.lfb_base)
	M(N, dom0_vga_console_info, u.vesa_lfb.lfb_size)
	M(N, dom0_vga_console_info, u.vesa_lfb.red_pos)
	M(N, dom0_vga_console_info, u.vesa_lfb.red_size)
	M(N, dom0_vga_console_info, u.vesa_lfb.green_pos)
	M(N, dom0_vga_console_info, u.vesa_lfb.green_size)
	M(N, dom0_vga_console_info, u.vesa_lfb.blue_pos)
	M(N, dom0_vga_console_info, u.vesa_lfb.blue_size)
	M(N, dom0_vga_console_info, u.vesa_lfb.rsvd_pos)
	M(N, dom0_vga_console_info, u.vesa_lfb.rsvd_size)
	M(N, dom0_vga_console_info, u.vesa_lfb.gbl_caps)
	M(N, dom0_vga_console_info, u.vesa_lfb.mode_attrs)
	M(N, dom0_vga_console_info, u.vesa_lfb.pad)
	M(N, dom0_vga_console_info, u.vesa_lfb.ext_lfb_base)
	T(N, dom0_vga_console_info_t) T(N, xen_vga_console_info_t)
	S(N, xenctl_bitmap) M(N, xenctl_bitmap, bitmap) M(N, xenctl_bitmap, nr_bits)
	E("sizeof(uint64_aligned_t)", sizeof(uint64_aligned_t))
	E("alignof(uint64_aligned_t)", _Alignof(uint64_aligned_t))
	E("sizeof(int64_aligned_t)", sizeof(int64_aligned_t))
	E("alignof(int64_aligned_t)", _Alignof(int64_aligned_t))
	E("sizeof(XEN_GUEST_HANDLE_64(uint8))", sizeof(XEN_GUEST_HANDLE_64(uint8)))
	E("alignof(XEN_GUEST_HANDLE_64(uint8))", _Alignof(XEN_GUEST_HANDLE_64(uint8)))
	EW("sizeof(XEN_GUEST_HANDLE(void))", sizeof(XEN_GUEST_HANDLE(void)), sizeof(COMPAT_HANDLE(void)))
	EW("alignof(XEN_GUEST_HANDLE(void))", _Alignof(XEN_GUEST_HANDLE(void)), _Alignof(COMPAT_HANDLE(void)))
	EW("sizeof(XEN_GUEST_HANDLE(const_uint64))", sizeof(XEN_GUEST_HANDLE(const_uint64)), 4)
	EW("sizeof(XEN_GUEST_HANDLE(mmu_update_t))", sizeof(XEN_GUEST_HANDLE(mmu_update_t)), 4)
	EW("sizeof(XEN_GUEST_HANDLE_PARAM(char))", sizeof(XEN_GUEST_HANDLE_PARAM(char)), 4)
#undef HDR

/* ============================================================== arch-x86/xen.h */
#define HDR "arch-x86/xen.h"
	KW(FLAT_KERNEL_CS) KW(FLAT_KERNEL_DS) KW(FLAT_KERNEL_SS)
	KW(FLAT_USER_CS) KW(FLAT_USER_DS) KW(FLAT_USER_SS)
	EW(HDR ":__HYPERVISOR_VIRT_START", __HYPERVISOR_VIRT_START, COMPAT_HYPERVISOR_VIRT_START)
	EW(HDR ":__MACH2PHYS_VIRT_START", __MACH2PHYS_VIRT_START, COMPAT_MACH2PHYS_VIRT_START)
	EW(HDR ":__MACH2PHYS_VIRT_END", __MACH2PHYS_VIRT_END, COMPAT_MACH2PHYS_VIRT_END)
	KW(HYPERVISOR_VIRT_START) KW(MACH2PHYS_VIRT_START) KW(MACH2PHYS_VIRT_END)
	KW(MACH2PHYS_NR_ENTRIES)
	EW(HDR ":xen_pfn_to_cr3(0x123456)", xen_pfn_to_cr3(0x123456), compat_xen_pfn_to_cr3(0x123456))
	EW(HDR ":xen_pfn_to_cr3(0xfff12)", xen_pfn_to_cr3(0xfff12), compat_xen_pfn_to_cr3(0xfff12))
	EW(HDR ":xen_cr3_to_pfn(0x12345678)", xen_cr3_to_pfn(0x12345678), compat_xen_cr3_to_pfn(0x12345678))
	EW(HDR ":xen_cr3_to_pfn(0xfff12123)", xen_cr3_to_pfn(0xfff12123), compat_xen_cr3_to_pfn(0xfff12123))
	EW(HDR ":xen_pfn_to_cr3(0xfedcba987654)", xen_pfn_to_cr3(0xfedcba987654ull),
	   compat_xen_pfn_to_cr3(0xfedcba987654ull))
	EW(HDR ":xen_cr3_to_pfn(0xfedcba987654321)", xen_cr3_to_pfn(0xfedcba987654321ull),
	   compat_xen_cr3_to_pfn(0xfedcba987654321ull))
	K(XEN_HAVE_PV_GUEST_ENTRY) K(XEN_HAVE_PV_UPCALL_MASK)
	K(FIRST_RESERVED_GDT_PAGE) K(FIRST_RESERVED_GDT_BYTE) K(FIRST_RESERVED_GDT_ENTRY)
	K(XEN_LEGACY_MAX_VCPUS)
	K(VGCF_I387_VALID) K(VGCF_IN_KERNEL) K(_VGCF_i387_valid) K(VGCF_i387_valid)
	K(_VGCF_in_kernel) K(VGCF_in_kernel) K(_VGCF_failsafe_disables_events)
	K(VGCF_failsafe_disables_events) K(_VGCF_syscall_disables_events)
	K(VGCF_syscall_disables_events) K(_VGCF_online) K(VGCF_online)
	K(_XEN_X86_EMU_LAPIC) K(XEN_X86_EMU_LAPIC) K(_XEN_X86_EMU_HPET) K(XEN_X86_EMU_HPET)
	K(_XEN_X86_EMU_PM) K(XEN_X86_EMU_PM) K(_XEN_X86_EMU_RTC) K(XEN_X86_EMU_RTC)
	K(_XEN_X86_EMU_IOAPIC) K(XEN_X86_EMU_IOAPIC) K(_XEN_X86_EMU_PIC) K(XEN_X86_EMU_PIC)
	K(_XEN_X86_EMU_VGA) K(XEN_X86_EMU_VGA) K(_XEN_X86_EMU_IOMMU) K(XEN_X86_EMU_IOMMU)
	K(_XEN_X86_EMU_PIT) K(XEN_X86_EMU_PIT) K(_XEN_X86_EMU_USE_PIRQ) K(XEN_X86_EMU_USE_PIRQ)
	K(_XEN_X86_EMU_VPCI) K(XEN_X86_EMU_VPCI) K(XEN_X86_EMU_ALL)
	K(XEN_X86_MSR_RELAXED) K(XEN_X86_MISC_FLAGS_MAX) K(XEN_CPUID_NO_SUBLEAF)
	K(XEN_HVM_DEBUGCONS_IOPORT)
	E(HDR ":sizeof(XEN_EMULATE_PREFIX)", sizeof(XEN_EMULATE_PREFIX))
	E(HDR ":sizeof(XEN_CPUID)", sizeof(XEN_CPUID))
	E(HDR ":sizeof(PRI_xen_pfn)", sizeof(PRI_xen_pfn))
	E(HDR ":sizeof(PRIu_xen_pfn)", sizeof(PRIu_xen_pfn))
	E(HDR ":sizeof(PRI_xen_ulong)", sizeof(PRI_xen_ulong))
	EW("sizeof(xen_pfn_t)", sizeof(xen_pfn_t), sizeof(compat_pfn_t))
	EW("sizeof(xen_ulong_t)", sizeof(xen_ulong_t), sizeof(compat_ulong_t))
	T(C, tsc_timestamp_t)
	EW("alignof(tsc_timestamp_t@struct)", offsetof(struct { char c; tsc_timestamp_t t; }, t),
	   offsetof(struct { char c; compat_uint64_t t; }, t))
	S(C, trap_info) M(C, trap_info, vector) M(C, trap_info, flags) M(C, trap_info, cs)
	M(C, trap_info, address)
	S(C, vcpu_guest_context) M(C, vcpu_guest_context, fpu_ctxt)
	M(C, vcpu_guest_context, flags) M(C, vcpu_guest_context, user_regs)
	M(C, vcpu_guest_context, trap_ctxt) M(C, vcpu_guest_context, ldt_base)
	M(C, vcpu_guest_context, ldt_ents) MA(C, vcpu_guest_context, gdt_frames)
	M(C, vcpu_guest_context, gdt_ents) M(C, vcpu_guest_context, kernel_ss)
	M(C, vcpu_guest_context, kernel_sp) MA(C, vcpu_guest_context, ctrlreg)
	MA(C, vcpu_guest_context, debugreg) M(C, vcpu_guest_context, event_callback_eip)
	M(C, vcpu_guest_context, failsafe_callback_eip) M(C, vcpu_guest_context, vm_assist)
	M(C, vcpu_guest_context, user_regs.eip) M(C, vcpu_guest_context, trap_ctxt[255].address)
	S(C, arch_shared_info) M(C, arch_shared_info, max_pfn)
	M(C, arch_shared_info, pfn_to_mfn_frame_list_list) M(C, arch_shared_info, nmi_reason)
	M(C, arch_shared_info, p2m_cr3) M(C, arch_shared_info, p2m_vaddr)
	M(C, arch_shared_info, p2m_generation)
	S(C, arch_vcpu_info) M(C, arch_vcpu_info, cr2) M(C, arch_vcpu_info, pad)
	S(N, xen_arch_domainconfig) M(N, xen_arch_domainconfig, emulation_flags)
	M(N, xen_arch_domainconfig, misc_flags)
	S(N, xen_cpuid_leaf) M(N, xen_cpuid_leaf, leaf) M(N, xen_cpuid_leaf, subleaf)
	M(N, xen_cpuid_leaf, a) M(N, xen_cpuid_leaf, b) M(N, xen_cpuid_leaf, c)
	M(N, xen_cpuid_leaf, d)
	S(C, xen_msr_entry) M(C, xen_msr_entry, idx) M(C, xen_msr_entry, flags)
	M(C, xen_msr_entry, val)
	S(C, cpu_user_regs)
	M(C, cpu_user_regs, ebx) M(C, cpu_user_regs, bx) M(C, cpu_user_regs, bl)
	M(C, cpu_user_regs, bh) M(C, cpu_user_regs, ecx) M(C, cpu_user_regs, cx)
	M(C, cpu_user_regs, cl) M(C, cpu_user_regs, ch) M(C, cpu_user_regs, edx)
	M(C, cpu_user_regs, dx) M(C, cpu_user_regs, dl) M(C, cpu_user_regs, dh)
	M(C, cpu_user_regs, eax) M(C, cpu_user_regs, ax) M(C, cpu_user_regs, al)
	M(C, cpu_user_regs, ah) M(C, cpu_user_regs, esi) M(C, cpu_user_regs, si)
	M(C, cpu_user_regs, edi) M(C, cpu_user_regs, di) M(C, cpu_user_regs, ebp)
	M(C, cpu_user_regs, bp) M(C, cpu_user_regs, error_code) M(C, cpu_user_regs, entry_vector)
	M(C, cpu_user_regs, eip) M(C, cpu_user_regs, ip) M(C, cpu_user_regs, cs)
	M(C, cpu_user_regs, _pad0) M(C, cpu_user_regs, saved_upcall_mask)
	M(C, cpu_user_regs, eflags) M(C, cpu_user_regs, flags) M(C, cpu_user_regs, esp)
	M(C, cpu_user_regs, sp) M(C, cpu_user_regs, ss) M(C, cpu_user_regs, _pad1)
	M(C, cpu_user_regs, es) M(C, cpu_user_regs, _pad2) M(C, cpu_user_regs, ds)
	M(C, cpu_user_regs, _pad3) M(C, cpu_user_regs, fs) M(C, cpu_user_regs, _pad4)
	M(C, cpu_user_regs, gs) M(C, cpu_user_regs, _pad5)
#ifdef ABI_LIST_64
	K(FLAT_RING3_CS32) K(FLAT_RING3_CS64) K(FLAT_RING3_DS32) K(FLAT_RING3_DS64)
	K(FLAT_RING3_SS32) K(FLAT_RING3_SS64)
	K(FLAT_KERNEL_DS64) K(FLAT_KERNEL_DS32) K(FLAT_KERNEL_CS64) K(FLAT_KERNEL_CS32)
	K(FLAT_KERNEL_SS64) K(FLAT_KERNEL_SS32) K(FLAT_USER_DS64) K(FLAT_USER_DS32)
	K(FLAT_USER_CS64) K(FLAT_USER_CS32) K(FLAT_USER_SS64) K(FLAT_USER_SS32)
	K(__HYPERVISOR_VIRT_END) K(HYPERVISOR_VIRT_END)
	K(SEGBASE_FS) K(SEGBASE_GS_USER) K(SEGBASE_GS_KERNEL) K(SEGBASE_GS_USER_SEL)
	K(_VGCF_in_syscall) K(VGCF_in_syscall) K(VGCF_IN_SYSCALL)
	T(N, xen_callback_t)
	S(N, iret_context) M(N, iret_context, rax) M(N, iret_context, r11)
	M(N, iret_context, rcx) M(N, iret_context, flags) M(N, iret_context, rip)
	M(N, iret_context, cs) M(N, iret_context, rflags) M(N, iret_context, rsp)
	M(N, iret_context, ss)
	M(N, vcpu_guest_context, syscall_callback_eip) M(N, vcpu_guest_context, fs_base)
	M(N, vcpu_guest_context, gs_base_kernel) M(N, vcpu_guest_context, gs_base_user)
	M(N, vcpu_guest_context, user_regs.rip) M(N, vcpu_guest_context, user_regs.r15)
	M(N, shared_info, wc_sec_hi)
	M(N, cpu_user_regs, r15) M(N, cpu_user_regs, r15d) M(N, cpu_user_regs, r15w)
	M(N, cpu_user_regs, r15b) M(N, cpu_user_regs, r14) M(N, cpu_user_regs, r14d)
	M(N, cpu_user_regs, r14w) M(N, cpu_user_regs, r14b) M(N, cpu_user_regs, r13)
	M(N, cpu_user_regs, r13d) M(N, cpu_user_regs, r13w) M(N, cpu_user_regs, r13b)
	M(N, cpu_user_regs, r12) M(N, cpu_user_regs, r12d) M(N, cpu_user_regs, r12w)
	M(N, cpu_user_regs, r12b) M(N, cpu_user_regs, rbp) M(N, cpu_user_regs, bpl)
	M(N, cpu_user_regs, rbx) M(N, cpu_user_regs, r11) M(N, cpu_user_regs, r11d)
	M(N, cpu_user_regs, r11w) M(N, cpu_user_regs, r11b) M(N, cpu_user_regs, r10)
	M(N, cpu_user_regs, r10d) M(N, cpu_user_regs, r10w) M(N, cpu_user_regs, r10b)
	M(N, cpu_user_regs, r9) M(N, cpu_user_regs, r9d) M(N, cpu_user_regs, r9w)
	M(N, cpu_user_regs, r9b) M(N, cpu_user_regs, r8) M(N, cpu_user_regs, r8d)
	M(N, cpu_user_regs, r8w) M(N, cpu_user_regs, r8b) M(N, cpu_user_regs, rax)
	M(N, cpu_user_regs, rcx) M(N, cpu_user_regs, rdx) M(N, cpu_user_regs, rsi)
	M(N, cpu_user_regs, sil) M(N, cpu_user_regs, rdi) M(N, cpu_user_regs, dil)
	M(N, cpu_user_regs, rip) M(N, cpu_user_regs, rflags) M(N, cpu_user_regs, rsp)
	M(N, cpu_user_regs, spl) M(N, cpu_user_regs, _pad6)
	MAT(N, cpu_user_regs, _pad0) MAT(N, cpu_user_regs, _pad1) MAT(N, cpu_user_regs, _pad2)
	MAT(N, cpu_user_regs, _pad3) MAT(N, cpu_user_regs, _pad4) MAT(N, cpu_user_regs, _pad5)
	MAT(N, cpu_user_regs, _pad6)
#endif
#ifdef ABI_LIST_32
	KW(FLAT_RING1_CS) KW(FLAT_RING1_DS) KW(FLAT_RING1_SS)
	KW(FLAT_RING3_CS) KW(FLAT_RING3_DS) KW(FLAT_RING3_SS)
	KX(__HYPERVISOR_VIRT_START_PAE) KX(__MACH2PHYS_VIRT_START_PAE)
	KX(__MACH2PHYS_VIRT_END_PAE) KX(HYPERVISOR_VIRT_START_PAE) KX(MACH2PHYS_VIRT_START_PAE)
	KX(MACH2PHYS_VIRT_END_PAE) KX(__HYPERVISOR_VIRT_START_NONPAE)
	KX(__MACH2PHYS_VIRT_START_NONPAE) KX(__MACH2PHYS_VIRT_END_NONPAE)
	KX(HYPERVISOR_VIRT_START_NONPAE) KX(MACH2PHYS_VIRT_START_NONPAE)
	KX(MACH2PHYS_VIRT_END_NONPAE)
	T(C, xen_callback_t)
	S(C, xen_callback) M(C, xen_callback, cs) M(C, xen_callback, eip)
	M(C, vcpu_guest_context, event_callback_cs) M(C, vcpu_guest_context, failsafe_callback_cs)
	M(C, arch_shared_info, wc_sec_hi) MAT(C, arch_vcpu_info, pad)
	M(C, cpu_user_regs, _esi) M(C, cpu_user_regs, _edi) M(C, cpu_user_regs, _ebp)
	M(C, cpu_user_regs, _eip) M(C, cpu_user_regs, _eflags) M(C, cpu_user_regs, _esp)
#endif
#undef HDR

/* ======================================================== arch-x86/xen-mca.h */
#define HDR "arch-x86/xen-mca.h"
	K(__HYPERVISOR_mca) K(XEN_MCA_INTERFACE_VERSION)
#undef HDR

/* ================================================================= elfnote.h */
#define HDR "elfnote.h"
	K(XEN_ELFNOTE_INFO) K(XEN_ELFNOTE_ENTRY) K(XEN_ELFNOTE_HYPERCALL_PAGE)
	K(XEN_ELFNOTE_VIRT_BASE) K(XEN_ELFNOTE_PADDR_OFFSET) K(XEN_ELFNOTE_XEN_VERSION)
	K(XEN_ELFNOTE_GUEST_OS) K(XEN_ELFNOTE_GUEST_VERSION) K(XEN_ELFNOTE_LOADER)
	K(XEN_ELFNOTE_PAE_MODE) K(XEN_ELFNOTE_FEATURES) K(XEN_ELFNOTE_BSD_SYMTAB)
	K(XEN_ELFNOTE_HV_START_LOW) K(XEN_ELFNOTE_L1_MFN_VALID) K(XEN_ELFNOTE_SUSPEND_CANCEL)
	K(XEN_ELFNOTE_INIT_P2M) K(XEN_ELFNOTE_MOD_START_PFN) K(XEN_ELFNOTE_SUPPORTED_FEATURES)
	K(XEN_ELFNOTE_PHYS32_ENTRY) K(XEN_ELFNOTE_MAX)
	K(XEN_ELFNOTE_CRASH_INFO) K(XEN_ELFNOTE_CRASH_REGS) K(XEN_ELFNOTE_DUMPCORE_NONE)
	K(XEN_ELFNOTE_DUMPCORE_HEADER) K(XEN_ELFNOTE_DUMPCORE_XEN_VERSION)
	K(XEN_ELFNOTE_DUMPCORE_FORMAT_VERSION)
#undef HDR

/* ================================================================ features.h */
#define HDR "features.h"
	K(XENFEAT_writable_page_tables) K(XENFEAT_writable_descriptor_tables)
	K(XENFEAT_auto_translated_physmap) K(XENFEAT_supervisor_mode_kernel)
	K(XENFEAT_pae_pgdir_above_4gb) K(XENFEAT_mmu_pt_update_preserve_ad)
	K(XENFEAT_highmem_assist) K(XENFEAT_gnttab_map_avail_bits) K(XENFEAT_hvm_callback_vector)
	K(XENFEAT_hvm_safe_pvclock) K(XENFEAT_hvm_pirqs) K(XENFEAT_dom0)
	K(XENFEAT_memory_op_vnode_supported) K(XENFEAT_ARM_SMCCC_supported)
	K(XENFEAT_linux_rsdp_unrestricted) K(XENFEAT_not_direct_mapped) K(XENFEAT_direct_mapped)
	K(XENFEAT_NR_SUBMAPS)
#undef HDR

/* ================================================================= version.h */
#define HDR "version.h"
	K(XENVER_version) K(XENVER_extraversion) K(XENVER_compile_info) K(XENVER_capabilities)
	K(XENVER_changeset) K(XENVER_platform_parameters) K(XENVER_get_features)
	K(XENVER_pagesize) K(XENVER_guest_handle) K(XENVER_commandline) K(XENVER_build_id)
	K(XEN_EXTRAVERSION_LEN) K(XEN_CAPABILITIES_INFO_LEN) K(XEN_CHANGESET_INFO_LEN)
	T(N, xen_extraversion_t) T(N, xen_capabilities_info_t) T(N, xen_changeset_info_t)
	T(N, xen_commandline_t)
	S(N, xen_compile_info) MA(N, xen_compile_info, compiler) MA(N, xen_compile_info, compile_by)
	MA(N, xen_compile_info, compile_domain) MA(N, xen_compile_info, compile_date)
	S(C, xen_platform_parameters) M(C, xen_platform_parameters, virt_start)
	S(N, xen_feature_info) M(N, xen_feature_info, submap_idx) M(N, xen_feature_info, submap)
	S(N, xen_build_id) M(N, xen_build_id, len) E("offsetof(xen_build_id,buf)", offsetof(struct xen_build_id, buf))
#undef HDR

/* =========================================================== event_channel.h */
#define HDR "event_channel.h"
	K(EVTCHNOP_bind_interdomain) K(EVTCHNOP_bind_virq) K(EVTCHNOP_bind_pirq) K(EVTCHNOP_close)
	K(EVTCHNOP_send) K(EVTCHNOP_status) K(EVTCHNOP_alloc_unbound) K(EVTCHNOP_bind_ipi)
	K(EVTCHNOP_bind_vcpu) K(EVTCHNOP_unmask) K(EVTCHNOP_reset) K(EVTCHNOP_init_control)
	K(EVTCHNOP_expand_array) K(EVTCHNOP_set_priority)
	K(BIND_PIRQ__WILL_SHARE) K(EVTCHNSTAT_closed) K(EVTCHNSTAT_unbound)
	K(EVTCHNSTAT_interdomain) K(EVTCHNSTAT_pirq) K(EVTCHNSTAT_virq) K(EVTCHNSTAT_ipi)
	KW(EVTCHN_2L_NR_CHANNELS)
	K(EVTCHN_FIFO_PRIORITY_MAX) K(EVTCHN_FIFO_PRIORITY_DEFAULT) K(EVTCHN_FIFO_PRIORITY_MIN)
	K(EVTCHN_FIFO_MAX_QUEUES) K(EVTCHN_FIFO_PENDING) K(EVTCHN_FIFO_MASKED)
	K(EVTCHN_FIFO_LINKED) K(EVTCHN_FIFO_BUSY) K(EVTCHN_FIFO_LINK_BITS)
	K(EVTCHN_FIFO_LINK_MASK) K(EVTCHN_FIFO_NR_CHANNELS)
	T(N, evtchn_port_t) T(N, event_word_t)
	S(N, evtchn_alloc_unbound) M(N, evtchn_alloc_unbound, dom)
	M(N, evtchn_alloc_unbound, remote_dom) M(N, evtchn_alloc_unbound, port)
	S(N, evtchn_bind_interdomain) M(N, evtchn_bind_interdomain, remote_dom)
	M(N, evtchn_bind_interdomain, remote_port) M(N, evtchn_bind_interdomain, local_port)
	S(N, evtchn_bind_virq) M(N, evtchn_bind_virq, virq) M(N, evtchn_bind_virq, vcpu)
	M(N, evtchn_bind_virq, port)
	S(N, evtchn_bind_pirq) M(N, evtchn_bind_pirq, pirq) M(N, evtchn_bind_pirq, flags)
	M(N, evtchn_bind_pirq, port)
	S(N, evtchn_bind_ipi) M(N, evtchn_bind_ipi, vcpu) M(N, evtchn_bind_ipi, port)
	S(N, evtchn_close) M(N, evtchn_close, port)
	S(N, evtchn_send) M(N, evtchn_send, port)
	S(N, evtchn_status) M(N, evtchn_status, dom) M(N, evtchn_status, port)
	M(N, evtchn_status, status) M(N, evtchn_status, vcpu) M(N, evtchn_status, u)
	M(N, evtchn_status, u.unbound.dom) M(N, evtchn_status, u.interdomain.dom)
	M(N, evtchn_status, u.interdomain.port) M(N, evtchn_status, u.pirq)
	M(N, evtchn_status, u.virq)
	S(N, evtchn_bind_vcpu) M(N, evtchn_bind_vcpu, port) M(N, evtchn_bind_vcpu, vcpu)
	S(N, evtchn_unmask) M(N, evtchn_unmask, port)
	S(N, evtchn_reset) M(N, evtchn_reset, dom)
	S(C, evtchn_init_control) M(C, evtchn_init_control, control_gfn)
	M(C, evtchn_init_control, offset) M(C, evtchn_init_control, vcpu)
	M(C, evtchn_init_control, link_bits) MA(C, evtchn_init_control, _pad)
	S(C, evtchn_expand_array) M(C, evtchn_expand_array, array_gfn)
	S(N, evtchn_set_priority) M(N, evtchn_set_priority, port) M(N, evtchn_set_priority, priority)
	S(N, evtchn_op) M(N, evtchn_op, cmd) M(N, evtchn_op, u) M(N, evtchn_op, u.alloc_unbound)
	M(N, evtchn_op, u.bind_interdomain) M(N, evtchn_op, u.bind_virq)
	M(N, evtchn_op, u.bind_pirq) M(N, evtchn_op, u.bind_ipi) M(N, evtchn_op, u.close)
	M(N, evtchn_op, u.send) M(N, evtchn_op, u.status) M(N, evtchn_op, u.bind_vcpu)
	M(N, evtchn_op, u.unmask)
	S(N, evtchn_fifo_control_block) M(N, evtchn_fifo_control_block, ready)
	M(N, evtchn_fifo_control_block, _rsvd) MA(N, evtchn_fifo_control_block, head)
#undef HDR

/* =================================================================== callback.h */
#define HDR "callback.h"
	K(CALLBACKTYPE_event) K(CALLBACKTYPE_failsafe) K(CALLBACKTYPE_syscall)
	K(CALLBACKTYPE_sysenter_deprecated) K(CALLBACKTYPE_nmi) K(CALLBACKTYPE_sysenter)
	K(CALLBACKTYPE_syscall32) K(_CALLBACKF_mask_events) K(CALLBACKF_mask_events)
	K(CALLBACKOP_register) K(CALLBACKOP_unregister)
	S(C, callback_register) M(C, callback_register, type) M(C, callback_register, flags)
	M(C, callback_register, address)
	S(N, callback_unregister) M(N, callback_unregister, type) M(N, callback_unregister, _unused)
#undef HDR

/* =================================================================== physdev.h */
#define HDR "physdev.h"
	K(PHYSDEVOP_set_iopl)
	S(N, physdev_set_iopl) M(N, physdev_set_iopl, iopl)
#undef HDR

/* =================================================================== sched.h */
#define HDR "sched.h"
	K(SCHEDOP_yield) K(SCHEDOP_block) K(SCHEDOP_shutdown) K(SCHEDOP_poll)
	K(SCHEDOP_remote_shutdown) K(SCHEDOP_shutdown_code) K(SCHEDOP_watchdog)
	K(SCHEDOP_pin_override)
	K(SHUTDOWN_poweroff) K(SHUTDOWN_reboot) K(SHUTDOWN_suspend) K(SHUTDOWN_crash)
	K(SHUTDOWN_watchdog) K(SHUTDOWN_soft_reset) K(SHUTDOWN_MAX)
	S(N, sched_shutdown) M(N, sched_shutdown, reason)
	S(C, sched_poll) M(C, sched_poll, ports) M(C, sched_poll, nr_ports)
	M(C, sched_poll, timeout)
	S(N, sched_remote_shutdown) M(N, sched_remote_shutdown, domain_id)
	M(N, sched_remote_shutdown, reason)
	S(N, sched_watchdog) M(N, sched_watchdog, id) M(N, sched_watchdog, timeout)
	S(N, sched_pin_override) M(N, sched_pin_override, pcpu)
#undef HDR

/* ==================================================================== vcpu.h */
#define HDR "vcpu.h"
	K(VCPUOP_initialise) K(VCPUOP_up) K(VCPUOP_down) K(VCPUOP_is_up)
	K(VCPUOP_get_runstate_info) K(VCPUOP_register_runstate_memory_area)
	K(VCPUOP_set_periodic_timer) K(VCPUOP_stop_periodic_timer)
	K(VCPUOP_set_singleshot_timer) K(VCPUOP_stop_singleshot_timer)
	K(VCPUOP_register_vcpu_info) K(VCPUOP_send_nmi) K(VCPUOP_get_physid)
	K(VCPUOP_register_vcpu_time_memory_area)
	K(XEN_RUNSTATE_UPDATE) K(RUNSTATE_running) K(RUNSTATE_runnable) K(RUNSTATE_blocked)
	K(RUNSTATE_offline) K(_VCPU_SSHOTTMR_future) K(VCPU_SSHOTTMR_future)
	E(HDR ":xen_vcpu_physid_to_x86_apicid(0x123456789abcdef0)",
	  xen_vcpu_physid_to_x86_apicid(0x123456789abcdef0ull))
	E(HDR ":xen_vcpu_physid_to_x86_acpiid(0x123456789abcdef0)",
	  xen_vcpu_physid_to_x86_acpiid(0x123456789abcdef0ull))
	S(C, vcpu_runstate_info) M(C, vcpu_runstate_info, state)
	M(C, vcpu_runstate_info, state_entry_time) MA(C, vcpu_runstate_info, time)
	S(C, vcpu_register_runstate_memory_area)
	M(C, vcpu_register_runstate_memory_area, addr)
	M(C, vcpu_register_runstate_memory_area, addr.h)
	MP(C, vcpu_register_runstate_memory_area, addr.v)
	M(C, vcpu_register_runstate_memory_area, addr.p)
	S(C, vcpu_set_periodic_timer) M(C, vcpu_set_periodic_timer, period_ns)
	S(C, vcpu_set_singleshot_timer) M(C, vcpu_set_singleshot_timer, timeout_abs_ns)
	M(C, vcpu_set_singleshot_timer, flags)
	S(C, vcpu_register_vcpu_info) M(C, vcpu_register_vcpu_info, mfn)
	M(C, vcpu_register_vcpu_info, offset) M(C, vcpu_register_vcpu_info, rsvd)
	S(C, vcpu_get_physid) M(C, vcpu_get_physid, phys_id)
	S(C, vcpu_register_time_memory_area) M(C, vcpu_register_time_memory_area, addr)
	M(C, vcpu_register_time_memory_area, addr.h) MP(C, vcpu_register_time_memory_area, addr.v)
	M(C, vcpu_register_time_memory_area, addr.p)
#undef HDR

/* ================================================================== memory.h */
#define HDR "memory.h"
	K(XENMEM_increase_reservation) K(XENMEM_decrease_reservation) K(XENMEM_populate_physmap)
	K(XENMEM_exchange) K(XENMEM_maximum_ram_page) K(XENMEM_current_reservation)
	K(XENMEM_maximum_reservation) K(XENMEM_maximum_gpfn) K(XENMEM_machphys_mfn_list)
	K(XENMEM_machphys_compat_mfn_list) K(XENMEM_machphys_mapping) K(XENMEM_add_to_physmap)
	K(XENMEM_add_to_physmap_batch) K(XENMEM_remove_from_physmap) K(XENMEM_memory_map)
	K(XENMEM_machine_memory_map) K(XENMEM_set_memory_map) K(XENMEM_set_pod_target)
	K(XENMEM_get_pod_target) K(XENMEM_get_sharing_freed_pages)
	K(XENMEM_get_sharing_shared_pages) K(XENMEM_paging_op) K(XENMEM_access_op)
	K(XENMEM_sharing_op) K(XENMEM_claim_pages) K(XENMEM_reserved_device_memory_map)
	K(XENMEM_acquire_resource) K(XENMEM_get_vnumainfo)
	K(XENMEMF_address_bits(32)) K(XENMEMF_get_address_bits(0xfffff3))
	K(XENMEMF_node(3)) K(XENMEMF_get_node(0x500)) K(XENMEMF_get_node(0xffffff00))
	K(XENMEMF_populate_on_demand) K(XENMEMF_exact_node_request) K(XENMEMF_exact_node(2))
	K(XENMEMF_vnode)
	K(XENMAPSPACE_shared_info) K(XENMAPSPACE_grant_table) K(XENMAPSPACE_gmfn)
	K(XENMAPSPACE_gmfn_range) K(XENMAPSPACE_gmfn_foreign) K(XENMAPSPACE_dev_mmio)
	K(XENMAPIDX_grant_table_status)
	K(XENMEM_paging_op_nominate) K(XENMEM_paging_op_evict) K(XENMEM_paging_op_prep)
	K(XENMEM_access_op_set_access) K(XENMEM_access_op_get_access)
	K(XENMEM_access_op_set_access_multi)
	K(XENMEM_access_n) K(XENMEM_access_r) K(XENMEM_access_w) K(XENMEM_access_rw)
	K(XENMEM_access_x) K(XENMEM_access_rx) K(XENMEM_access_wx) K(XENMEM_access_rwx)
	K(XENMEM_access_rx2rw) K(XENMEM_access_n2rwx) K(XENMEM_access_default)
	T(N, xenmem_access_t)
	K(XENMEM_sharing_op_nominate_gfn) K(XENMEM_sharing_op_nominate_gref)
	K(XENMEM_sharing_op_share) K(XENMEM_sharing_op_debug_gfn) K(XENMEM_sharing_op_debug_mfn)
	K(XENMEM_sharing_op_debug_gref) K(XENMEM_sharing_op_add_physmap)
	K(XENMEM_sharing_op_audit) K(XENMEM_sharing_op_range_share) K(XENMEM_sharing_op_fork)
	K(XENMEM_sharing_op_fork_reset) K(XENMEM_SHARING_OP_S_HANDLE_INVALID)
	K(XENMEM_SHARING_OP_C_HANDLE_INVALID) K(XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG)
	K(XENMEM_SHARING_OP_FIELD_IS_GREF(0x4000000000000123ull))
	K(XENMEM_SHARING_OP_FIELD_GET_GREF(0x4000000000000123ull))
	K(XENMEM_SHARING_OP_FIELD_GET_GREF(0xffffffffffffffffull))
	K(XENMEM_FORK_WITH_IOMMU_ALLOWED) K(XENMEM_FORK_BLOCK_INTERRUPTS)
	K(XENMEM_FORK_RESET_STATE) K(XENMEM_FORK_RESET_MEMORY)
	K(XENMEM_RDM_ALL)
	K(XENMEM_resource_ioreq_server) K(XENMEM_resource_grant_table)
	K(XENMEM_resource_vmtrace_buf) K(XENMEM_resource_grant_table_id_shared)
	K(XENMEM_resource_grant_table_id_status) K(XENMEM_resource_ioreq_server_frame_bufioreq)
	K(XENMEM_resource_ioreq_server_frame_ioreq(3))
	S(C, xen_memory_reservation) M(C, xen_memory_reservation, extent_start)
	M(C, xen_memory_reservation, nr_extents) M(C, xen_memory_reservation, extent_order)
	M(C, xen_memory_reservation, mem_flags) M(C, xen_memory_reservation, domid)
	S(C, xen_memory_exchange) M(C, xen_memory_exchange, in) M(C, xen_memory_exchange, out)
	M(C, xen_memory_exchange, nr_exchanged) M(C, xen_memory_exchange, out.domid)
	S(N, xen_memory_domain) M(N, xen_memory_domain, domid)
	S(C, xen_machphys_mfn_list) M(C, xen_machphys_mfn_list, max_extents)
	M(C, xen_machphys_mfn_list, extent_start) M(C, xen_machphys_mfn_list, nr_extents)
	S(C, xen_machphys_mapping) M(C, xen_machphys_mapping, v_start)
	M(C, xen_machphys_mapping, v_end) M(C, xen_machphys_mapping, max_mfn)
	S(C, xen_add_to_physmap) M(C, xen_add_to_physmap, domid) M(C, xen_add_to_physmap, size)
	M(C, xen_add_to_physmap, space) M(C, xen_add_to_physmap, idx)
	M(C, xen_add_to_physmap, gpfn)
	S(C, xen_add_to_physmap_batch) M(C, xen_add_to_physmap_batch, domid)
	M(C, xen_add_to_physmap_batch, space) M(C, xen_add_to_physmap_batch, size)
	M(C, xen_add_to_physmap_batch, u) M(C, xen_add_to_physmap_batch, u.foreign_domid)
	M(C, xen_add_to_physmap_batch, u.res0) M(C, xen_add_to_physmap_batch, idxs)
	M(C, xen_add_to_physmap_batch, gpfns) M(C, xen_add_to_physmap_batch, errs)
	S(C, xen_remove_from_physmap) M(C, xen_remove_from_physmap, domid)
	M(C, xen_remove_from_physmap, gpfn)
	S(C, xen_memory_map) M(C, xen_memory_map, nr_entries) M(C, xen_memory_map, buffer)
	S(C, xen_foreign_memory_map) M(C, xen_foreign_memory_map, domid)
	M(C, xen_foreign_memory_map, map) M(C, xen_foreign_memory_map, map.buffer)
	S(C, xen_pod_target) M(C, xen_pod_target, target_pages) M(C, xen_pod_target, tot_pages)
	M(C, xen_pod_target, pod_cache_pages) M(C, xen_pod_target, pod_entries)
	M(C, xen_pod_target, domid)
	S(C, xen_reserved_device_memory) M(C, xen_reserved_device_memory, start_pfn)
	M(C, xen_reserved_device_memory, nr_pages)
	S(C, xen_mem_acquire_resource) M(C, xen_mem_acquire_resource, domid)
	M(C, xen_mem_acquire_resource, type) M(C, xen_mem_acquire_resource, id)
	M(C, xen_mem_acquire_resource, nr_frames) M(C, xen_mem_acquire_resource, pad)
	M(C, xen_mem_acquire_resource, frame) M(C, xen_mem_acquire_resource, frame_list)
	S(C, xen_vmemrange) M(C, xen_vmemrange, start) M(C, xen_vmemrange, end)
	M(C, xen_vmemrange, flags) M(C, xen_vmemrange, nid)
	S(C, xen_vnuma_topology_info) M(C, xen_vnuma_topology_info, domid)
	M(C, xen_vnuma_topology_info, pad) M(C, xen_vnuma_topology_info, nr_vnodes)
	M(C, xen_vnuma_topology_info, nr_vcpus) M(C, xen_vnuma_topology_info, nr_vmemranges)
	M(C, xen_vnuma_topology_info, vdistance) M(C, xen_vnuma_topology_info, vdistance.h)
	M(C, xen_vnuma_topology_info, vdistance.pad) M(C, xen_vnuma_topology_info, vcpu_to_vnode)
	M(C, xen_vnuma_topology_info, vcpu_to_vnode.h) M(C, xen_vnuma_topology_info, vmemrange)
	M(C, xen_vnuma_topology_info, vmemrange.h)
#undef HDR

/* ================================================================ io/console.h */
#define HDR "io/console.h"
	T(N, XENCONS_RING_IDX)
	S(N, xencons_interface) MA(N, xencons_interface, in) MA(N, xencons_interface, out)
	M(N, xencons_interface, in_cons) M(N, xencons_interface, in_prod)
	M(N, xencons_interface, out_cons) M(N, xencons_interface, out_prod)
	E(HDR ":MASK_XENCONS_IDX(5000,out)",
	  MASK_XENCONS_IDX(5000u, ((struct xencons_interface *)0)->out))
	E(HDR ":MASK_XENCONS_IDX(0xffffffff,out)",
	  MASK_XENCONS_IDX(0xffffffffu, ((struct xencons_interface *)0)->out))
	E(HDR ":MASK_XENCONS_IDX(5000,in)",
	  MASK_XENCONS_IDX(5000u, ((struct xencons_interface *)0)->in))
#undef HDR
/* ================================================================ io/xs_wire.h */
#define HDR "io/xs_wire.h"
	K(XS_CONTROL) K(XS_DEBUG) K(XS_DIRECTORY) K(XS_READ) K(XS_GET_PERMS) K(XS_WATCH) K(XS_UNWATCH)
	K(XS_TRANSACTION_START) K(XS_TRANSACTION_END) K(XS_INTRODUCE) K(XS_RELEASE) K(XS_GET_DOMAIN_PATH)
	K(XS_WRITE) K(XS_MKDIR) K(XS_RM) K(XS_SET_PERMS) K(XS_WATCH_EVENT) K(XS_ERROR)
	K(XS_IS_DOMAIN_INTRODUCED) K(XS_RESUME) K(XS_SET_TARGET) K(XS_RESET_WATCHES) K(XS_DIRECTORY_PART)
	K(XS_TYPE_COUNT) K(XS_INVALID) K(XS_WATCH_PATH) K(XS_WATCH_TOKEN)
	E(HDR ":sizeof(XS_WRITE_CREATE_EXCL)", sizeof(XS_WRITE_CREATE_EXCL))
	S(N, xsd_sockmsg) M(N, xsd_sockmsg, type) M(N, xsd_sockmsg, req_id) M(N, xsd_sockmsg, tx_id)
	M(N, xsd_sockmsg, len)
	K(XENSTORE_RING_SIZE) T(N, XENSTORE_RING_IDX)
	E(HDR ":MASK_XENSTORE_IDX(5000)", MASK_XENSTORE_IDX(5000u))
	E(HDR ":MASK_XENSTORE_IDX(0xffffffff)", MASK_XENSTORE_IDX(0xffffffffu))
	S(N, xenstore_domain_interface) MA(N, xenstore_domain_interface, req)
	MA(N, xenstore_domain_interface, rsp) M(N, xenstore_domain_interface, req_cons)
	M(N, xenstore_domain_interface, req_prod) M(N, xenstore_domain_interface, rsp_cons)
	M(N, xenstore_domain_interface, rsp_prod) M(N, xenstore_domain_interface, server_features)
	M(N, xenstore_domain_interface, connection) M(N, xenstore_domain_interface, error)
	K(XENSTORE_PAYLOAD_MAX) K(XENSTORE_ABS_PATH_MAX) K(XENSTORE_REL_PATH_MAX)
	K(XENSTORE_SERVER_FEATURE_RECONNECTION) K(XENSTORE_SERVER_FEATURE_ERROR)
	K(XENSTORE_CONNECTED) K(XENSTORE_RECONNECT) K(XENSTORE_ERROR_NONE) K(XENSTORE_ERROR_COMM)
	K(XENSTORE_ERROR_RINGIDX) K(XENSTORE_ERROR_PROTO)
#undef HDR
};
