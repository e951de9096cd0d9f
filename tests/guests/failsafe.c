/*
 * failsafe (and failsafe32, the same source for a 32-bit PAE kernel): a
 * 2-vCPU guest whose second vCPU's context names data selectors of which
 * two cannot be loaded, one for a descriptor that is not present and one
 * beyond its GDT.  Xen loads a context's selectors when it switches to the
 * vCPU and, when one fails, enters the vCPU's failsafe callback instead of
 * its rip, with Xen's frame: the selectors as named (ds, es, fs, gs),
 * then the interrupted rip, cs, flags (and for 64-bit rsp, ss; rcx and r11
 * below them).  The callback records its frame, with events masked
 * (VGCF_failsafe_disables_events), and which selectors its registers hold
 * (the failed ones null; the 32-bit callback runs with its own DS), then
 * takes the vCPU down; vCPU 0 checks what it saw.
 */
#include "guest.h"
#include "public/vcpu.h"

#ifdef __i386__
const char guest_name[] = "failsafe32";
#define RPL 1 /* the kernel's ring */
#define GDT_PTE_FLAGS 0x1ull /* present, read-only */
#define DATA_DESC 0x00cfb2000000ffffull /* flat data, DPL 1 */
#define ABSENT_DESC 0x00cf32000000ffffull /* the same, P clear */
#define FLAT_DATA FLAT_KERNEL_DS
typedef uint32_t word_t;
#else
const char guest_name[] = "failsafe";
#define RPL 3
#define GDT_PTE_FLAGS 0x5ull /* present, user, read-only */
#define DATA_DESC 0x00cff2000000ffffull /* flat data, DPL 3 */
#define ABSENT_DESC 0x00cf72000000ffffull
#define FLAT_DATA FLAT_RING3_DS32 /* Xen's flat data selector (FLAT_USER_DS is null) */
typedef uint64_t word_t;
#endif

/* The second vCPU's GDT: null, a data segment, one that is not present. */
static uint64_t gdt[512] __attribute__((aligned(4096)));
#define GOOD_SEL (1 << 3 | RPL)
#define ABSENT_SEL (2 << 3 | RPL)
#define BEYOND_SEL (3 << 3 | RPL) /* the GDT has 3 entries */

static uint8_t stack1[8192] __attribute__((aligned(16)));
static struct vcpu_guest_context ctxt1;
static struct shared_info *shinfo;

/* What the callback saw. */
#define FRAME_WORDS 11
static volatile word_t frame_seen[FRAME_WORDS];
static volatile uint16_t live_sel[4]; /* ds, es, fs, gs as loaded */
static volatile unsigned int callback_ran, mask_in_callback;

void failsafe_c(const word_t *frame);
void failsafe_c(const word_t *frame)
{
	for (unsigned int i = 0; i < FRAME_WORDS; i++)
		frame_seen[i] = frame[i];
	uint16_t s[4];
	__asm__ volatile("mov %%ds, %0\nmov %%es, %1\nmov %%fs, %2\nmov %%gs, %3"
			 : "=r"(s[0]), "=r"(s[1]), "=r"(s[2]), "=r"(s[3]));
	for (unsigned int i = 0; i < 4; i++)
		live_sel[i] = s[i];
	mask_in_callback = shinfo->vcpu_info[1].evtchn_upcall_mask;
	__atomic_store_n(&callback_ran, 1, __ATOMIC_SEQ_CST);
	hypercall(__HYPERVISOR_vcpu_op, VCPUOP_down, 1, 0, 0, 0);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
}

#ifdef __i386__
__asm__(".text\nfailsafe_entry:\nmov %esp, %eax\nand $-16, %esp\nsub $12, %esp\npush %eax\ncall failsafe_c\nud2\n"
	"never_entry: ud2\n");
#else
__asm__(".text\nfailsafe_entry:\nmov %rsp, %rdi\nand $-16, %rsp\ncall failsafe_c\nud2\n"
	"never_entry: ud2\n");
#endif
void failsafe_entry(void), never_entry(void);

static unsigned long mfn_of(start_info_t *si, const void *va)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	return p2m[((unsigned long)va - GUEST_VIRT_BASE) >> 12];
}

int guest_main(start_info_t *si)
{
	shinfo = guest_map_shared_info(si);
	if (!shinfo)
		return GUEST_FAIL;
	gdt[1] = DATA_DESC;
	gdt[2] = ABSENT_DESC;
	uint64_t pte = (uint64_t)mfn_of(si, gdt) << 12 | GDT_PTE_FLAGS;
#ifdef __i386__
	long rc = hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)gdt, (uint32_t)pte, (uint32_t)(pte >> 32),
			    UVMF_INVLPG, 0);
#else
	long rc = hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)gdt, pte, UVMF_INVLPG, 0, 0);
#endif
	guest_check(rc == 0, "the GDT page mapped read-only: %ld", rc);

	unsigned long sp = (unsigned long)stack1 + sizeof(stack1);
	guest_context_start(&ctxt1, never_entry, sp);
	ctxt1.flags |= VGCF_failsafe_disables_events;
	ctxt1.gdt_frames[0] = mfn_of(si, gdt);
	ctxt1.gdt_ents = 3;
	ctxt1.failsafe_callback_eip = (unsigned long)failsafe_entry;
	ctxt1.user_regs.ds = GOOD_SEL;
	ctxt1.user_regs.es = ABSENT_SEL;
	ctxt1.user_regs.fs = FLAT_DATA;
	ctxt1.user_regs.gs = BEYOND_SEL;
	ctxt1.ctrlreg[3] = xen_pfn_to_cr3(mfn_of(si, (void *)si->pt_base));

	rc = hypercall(__HYPERVISOR_vcpu_op, VCPUOP_initialise, 1, (unsigned long)&ctxt1, 0, 0);
	guest_check(rc == 0, "VCPUOP_initialise of vCPU 1: %ld", rc);
	shinfo->vcpu_info[1].evtchn_upcall_mask = 0;
	rc = hypercall(__HYPERVISOR_vcpu_op, VCPUOP_up, 1, 0, 0, 0);
	guest_check(rc == 0, "VCPUOP_up: %ld", rc);
	for (unsigned long spins = 0; spins < 10000000 && !__atomic_load_n(&callback_ran, __ATOMIC_SEQ_CST); spins++)
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	if (!guest_check(callback_ran, "vCPU 1 entered its failsafe callback, not its rip"))
		return GUEST_FAIL;

	const volatile word_t *f = frame_seen;
#ifdef __x86_64__
	f += 2; /* rcx, r11 */
#endif
	guest_check(f[0] == GOOD_SEL && f[1] == ABSENT_SEL && f[2] == FLAT_DATA && f[3] == BEYOND_SEL,
		    "the frame holds ds, es, fs, gs as the context named them (%lx %lx %lx %lx)",
		    (unsigned long)f[0], (unsigned long)f[1], (unsigned long)f[2], (unsigned long)f[3]);
	guest_check(f[4] == (unsigned long)never_entry, "then the rip the context named (%lx)", (unsigned long)f[4]);
#ifdef __i386__
	guest_check((f[5] & 0xffff) == FLAT_KERNEL_CS && !(f[5] >> 16 & 0xff) && (f[6] & 0x200),
		    "then the ring-1 code selector with the upcall mask it had (0) and the flags with IF (%x %x)",
		    (unsigned)f[5], (unsigned)f[6]);
#else
	guest_check((f[5] & 0xffff) == (FLAT_KERNEL_CS & ~3u) && !(f[5] >> 32 & 0xff) && (f[6] & 0x200) && f[7] == sp &&
			    f[8] == FLAT_KERNEL_SS,
		    "then cs with RPL 0 (kernel mode) and the upcall mask it had (0), the flags with IF, the context's "
		    "rsp and ss (%lx %lx %lx %lx)",
		    (unsigned long)f[5], (unsigned long)f[6], (unsigned long)f[7], (unsigned long)f[8]);
#endif
	guest_check(live_sel[0] == GOOD_SEL && live_sel[1] == 0 && live_sel[2] == FLAT_DATA && live_sel[3] == 0,
		    "the registers hold the selectors that loaded and null for the others (%x %x %x %x)", live_sel[0],
		    live_sel[1], live_sel[2], live_sel[3]);
	guest_check(mask_in_callback == 1, "events are masked in the callback (VGCF_failsafe_disables_events)");
	for (unsigned long spins = 0;
	     spins < 1000000 && hypercall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0, 0, 0) == 1; spins++)
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	guest_check(hypercall(__HYPERVISOR_vcpu_op, VCPUOP_is_up, 1, 0, 0, 0) == 0, "vCPU 1 went down");
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
