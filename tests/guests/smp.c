/*
 * smp (and smp32, the same source built for a 32-bit PAE kernel): a 2-vCPU
 * guest bringing up its second vCPU as Linux does (VCPUOP_initialise with
 * a context, then VCPUOP_up) and exchanging IPIs with it through event
 * channels: each vCPU has an IPI port and waits on its own with
 * SCHEDOP_poll while the other sends.  vCPU 1's context names a trap
 * handler and an event callback, as Linux's cpu_initialize_context does:
 * vCPU 1 takes a #UD through the one and, blocked, one more IPI through the
 * other.  Then vCPU 1 takes itself down.
 *
 * Runstates: vCPU 0 registers a copy of its runstate by virtual address,
 * vCPU 1 one by physical address; both must show real transitions (blocked
 * time from the polls, running time, vCPU 1 offline at the end) and times
 * that add up to the time since the vCPUs were created, which is the same
 * moment for both.  Both vCPUs' vcpu_info move out of shared_info into a
 * page of the guest's (VCPUOP_register_vcpu_info, as Linux does at boot):
 * vCPU 0's by itself, vCPU 1's while it is down (for smp32 4 bytes off an
 * 8-byte boundary, which the compat layout allows).
 *
 * Hostile inputs: vCPUs that do not exist, a second initialise, a VIRQ
 * bound twice on one vCPU; runstate areas across a page, misaligned, on a
 * page table, on a frame that is not the guest's, in the hypervisor's
 * range, on a read-only mapping, unmapped and mapped again, on a frame
 * given back while registered (kept until released, or until the domain
 * dies); vcpu_info misaligned, across a page, on a page table, on a frame
 * that is not the guest's, and its page given back at the end.  With
 * "lastdown" on its command line it only takes its last vCPU down, which
 * powers the domain off.
 */
#include "guest.h"
#include "public/event_channel.h"
#include "public/memory.h"
#include "public/vcpu.h"

#ifdef __i386__
const char guest_name[] = "smp32";
#define PTE_FLAGS 0x3ull /* present, writable */
/* vCPU 1's vcpu_info: 4-byte aligned is enough for the compat layout. */
#define VINFO1_OFFSET (sizeof(struct vcpu_info) + 4)
#define MISALIGNED 2
#else
const char guest_name[] = "smp";
#define PTE_FLAGS 0x7ull /* present, writable, user (the kernel's ring is 3) */
#define VINFO1_OFFSET sizeof(struct vcpu_info)
#define MISALIGNED 4
#endif

#define ENOENT 2
#define ENXIO 6
#define EACCES 13
#define EFAULT 14
#define EBUSY 16
#define EEXIST 17
#define EINVAL 22

#define MS 1000000ull
#define ROUNDS 20
#define BITS_PER_LONG (sizeof(unsigned long) * 8)

/* Pages of their own: each is unmapped, given back or registered whole. */
#define PAGE_OF(type, name)                                                                        \
	static union {                                                                             \
		type v;                                                                            \
		uint8_t bytes[4096];                                                               \
	} name __attribute__((aligned(4096)))

static struct shared_info *shinfo;
/* Where each vCPU's vcpu_info is: first shared_info, then vinfo_page. */
static volatile struct vcpu_info *vinfo[2];
PAGE_OF(struct vcpu_info, vinfo_page);
static volatile evtchn_port_t port0, port1;
static volatile unsigned int round_seen_by_1, vcpu1_failed;
static struct vcpu_runstate_info area0;
/* vCPU 1's copy, registered by machine address. */
PAGE_OF(struct vcpu_runstate_info, area1);
/* Copies that are unmapped, given back while held, or held until the end. */
PAGE_OF(struct vcpu_runstate_info, va_page);
PAGE_OF(struct vcpu_runstate_info, freed_page);
PAGE_OF(struct vcpu_runstate_info, held_page);
static uint8_t stack1[16384] __attribute__((aligned(16)));
static struct vcpu_guest_context ctxt1;

/* What vCPU 1's trap handler and event callback (from its context) saw;
 * the assembly stubs below count ud_seen_by_1. */
volatile unsigned int ud_seen_by_1;
static volatile unsigned int upcall_hits_1, upcalls_1, mask_in_upcall_1, ready_for_upcall;

static long vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
	return hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, (unsigned long)arg, 0, 0);
}

static long evtchn_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_event_channel_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static long memory_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0, 0, 0);
}

/* Map va to the machine address in pte (with its flags), or unmap it
 * (pte 0), on every vCPU. */
static long map_va(const volatile void *va, uint64_t pte)
{
#ifdef __i386__
	return hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)va, (uint32_t)pte, (uint32_t)(pte >> 32),
			 UVMF_INVLPG | UVMF_ALL, 0);
#else
	return hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)va, pte, UVMF_INVLPG | UVMF_ALL, 0, 0);
#endif
}

static long send(evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };
	return evtchn_op(EVTCHNOP_send, &s);
}

static unsigned long *pending_word(evtchn_port_t port)
{
	return &shinfo->evtchn_pending[port / BITS_PER_LONG];
}

static unsigned long port_bit(evtchn_port_t port)
{
	return 1ul << (port % BITS_PER_LONG);
}

/* Wait on vCPU `self` until port is pending (or the timeout, ns of
 * system time from now), then clear it. */
static bool wait_port(unsigned int self, evtchn_port_t port, uint64_t timeout_ns)
{
	evtchn_port_t ports[1] = { port };
	volatile struct vcpu_time_info *t = &vinfo[self]->time;
	struct sched_poll p = { .nr_ports = 1, .timeout = t->system_time + timeout_ns };
	p.ports.p = ports;
	unsigned long *word = pending_word(port), bit = port_bit(port);
	for (int tries = 0; tries < 100; tries++) {
		if (__atomic_fetch_and(word, ~bit, __ATOMIC_SEQ_CST) & bit)
			return true;
		if (HYPERVISOR_sched_op(SCHEDOP_poll, &p) < 0)
			return false;
		if (t->system_time > p.timeout)
			return (__atomic_fetch_and(word, ~bit, __ATOMIC_SEQ_CST) & bit) != 0;
	}
	return false;
}

/* vCPU 0 blocks for about ms (a poll of no port): two runstate
 * transitions, blocked and back to running. */
static void nap(uint64_t ms)
{
	struct sched_poll p = { .nr_ports = 0, .timeout = vinfo[0]->time.system_time + ms * MS };
	HYPERVISOR_sched_op(SCHEDOP_poll, &p);
}

static unsigned long mfn_of(const volatile void *va)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)guest_start_info->mfn_list;
	return p2m[((unsigned long)va - GUEST_VIRT_BASE) >> 12];
}

static long register_phys(unsigned int vcpu, uint64_t gaddr)
{
	return vcpu_op(VCPUOP_register_runstate_phys_area, vcpu, &gaddr);
}

static long register_va(unsigned int vcpu, uint64_t va)
{
	struct vcpu_register_runstate_memory_area a = { .addr.p = va };
	return vcpu_op(VCPUOP_register_runstate_memory_area, vcpu, &a);
}

static long reservation(void)
{
	domid_t self = DOMID_SELF;
	return memory_op(XENMEM_current_reservation, &self);
}

/* decrease_reservation of one frame: 1 if it was given back. */
static long give_back(unsigned long mfn)
{
	xen_pfn_t list[1] = { mfn };
	struct xen_memory_reservation r = { .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF };
	r.extent_start.p = list;
	return memory_op(XENMEM_decrease_reservation, &r);
}

/* ---- vCPU 1 ------------------------------------------------------------------------ */

/* Its #UD handler and event callback, named by its context.  Both return
 * with the iret hypercall; the #UD handler steps over the ud2. */
void upcall_c(void);
#ifdef __i386__
/* Frame: eip, cs, eflags (ring 1 to ring 1: no stack switch). */
__asm__(".text\n.globl ud_entry\nud_entry:\n"
	"addl $2, (%esp)\nlock incl ud_seen_by_1\n"
	"push %eax\nmov $23, %eax\nint $0x82\n"
	".globl upcall_entry\nupcall_entry:\n"
	"pusha\ncall upcall_c\npopa\n"
	"push %eax\nmov $23, %eax\nint $0x82\n"
	".globl failsafe_entry\nfailsafe_entry:\nud2\n");
#else
/* Frame: rcx, r11, rip, cs, rflags, rsp, ss. */
__asm__(".text\n.globl ud_entry\nud_entry:\n"
	"pop %rcx\npop %r11\naddq $2, (%rsp)\nlock incl ud_seen_by_1(%rip)\n"
	"push $0\npush %rcx\npush %r11\npush %rax\nmov $23, %eax\nsyscall\n"
	".globl upcall_entry\nupcall_entry:\n"
	"pop %rcx\npop %r11\n"
	"push %rax\npush %rcx\npush %rdx\npush %rsi\npush %rdi\n"
	"push %r8\npush %r9\npush %r10\npush %r11\n"
	"push %rbp\nmov %rsp, %rbp\nand $-16, %rsp\ncall upcall_c\nmov %rbp, %rsp\npop %rbp\n"
	"pop %r11\npop %r10\npop %r9\npop %r8\npop %rdi\npop %rsi\npop %rdx\npop %rcx\npop %rax\n"
	"push $0\npush %rcx\npush %r11\npush %rax\nmov $23, %eax\nsyscall\n"
	".globl failsafe_entry\nfailsafe_entry:\nud2\n");
#endif
void ud_entry(void), upcall_entry(void), failsafe_entry(void);

/* The 2-level scan for vCPU 1's own IPI port. */
void upcall_c(void)
{
	volatile struct vcpu_info *v = vinfo[1];
	mask_in_upcall_1 = v->evtchn_upcall_mask;
	upcalls_1++;
	v->evtchn_upcall_pending = 0;
	unsigned long sel = __atomic_exchange_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	unsigned int w = port1 / BITS_PER_LONG;
	if (((sel >> w) & 1) && (__atomic_fetch_and(pending_word(port1), ~port_bit(port1), __ATOMIC_SEQ_CST) &
				 port_bit(port1)))
		upcall_hits_1++;
}

/* One IPI through the event callback: with events masked, as Linux
 * idles, block (which unmasks) until the callback has seen the port. */
static void upcall_round(void)
{
	volatile struct vcpu_info *v = vinfo[1];
	/* The polls left the selector and the upcall flag set. */
	v->evtchn_upcall_pending = 0;
	__atomic_store_n(&v->evtchn_pending_sel, 0, __ATOMIC_SEQ_CST);
	__atomic_fetch_and(pending_word(port1), ~port_bit(port1), __ATOMIC_SEQ_CST);
	ready_for_upcall = 1;
	/* Masked while it looks, so that the upcall cannot come between the
	 * look and the block (block unmasks by itself). */
	for (int tries = 0; tries < 1000; tries++) {
		v->evtchn_upcall_mask = 1;
		if (upcall_hits_1)
			break;
		HYPERVISOR_sched_op(SCHEDOP_block, 0);
	}
	send(port0);
}

/* vCPU 1: registers its runstate copy by physical address, takes a #UD,
 * answers each IPI from vCPU 0 with one of its own, takes one more through
 * its event callback, then goes down. */
void secondary_main(void);
void secondary_main(void)
{
	if (register_phys(1, (uint64_t)mfn_of(&area1) << 12))
		vcpu1_failed = 1;
	__asm__ volatile("ud2" ::: "memory");
	for (unsigned int i = 0; i < ROUNDS && !vcpu1_failed; i++) {
		if (!wait_port(1, port1, 2000 * MS)) {
			vcpu1_failed = 2;
			break;
		}
		round_seen_by_1 = i + 1;
		send(port0);
	}
	if (!vcpu1_failed)
		upcall_round();
	vcpu_op(VCPUOP_down, 1, 0);
	for (;;) /* never resumed */
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
}
#ifdef __i386__
__asm__(".text\nsecondary_entry:\nand $-16, %esp\ncall secondary_main\nud2\n");
#else
__asm__(".text\nsecondary_entry:\nand $-16, %rsp\ncall secondary_main\nud2\n");
#endif
void secondary_entry(void);

/* Its context, as Linux's cpu_initialize_context: our tables, its own
 * stack, kernel mode, the #UD handler, the event and failsafe callbacks. */
static void make_context(start_info_t *si)
{
	guest_context_start(&ctxt1, secondary_entry, (unsigned long)stack1 + sizeof(stack1));
#ifdef __i386__
	ctxt1.user_regs.ds = ctxt1.user_regs.es = FLAT_KERNEL_DS;
#endif
	ctxt1.event_callback_eip = (unsigned long)upcall_entry;
	ctxt1.failsafe_callback_eip = (unsigned long)failsafe_entry;
	/* The virtual IDT is indexed by vector. */
	ctxt1.trap_ctxt[6] = (struct trap_info){ .vector = 6, .cs = FLAT_KERNEL_CS, .address = (unsigned long)ud_entry };
	ctxt1.ctrlreg[3] = xen_pfn_to_cr3(mfn_of((void *)si->pt_base));
}

/* ---- vCPU 0's checks ---------------------------------------------------------------- */

static uint64_t sum(const volatile struct vcpu_runstate_info *r)
{
	return r->time[0] + r->time[1] + r->time[2] + r->time[3];
}

/* Per-vCPU VIRQs: one port per vCPU, a second binding on the same vCPU
 * -EEXIST (Xen's evtchn_bind_virq), another vCPU's binding unaffected. */
static void test_virq_twice(void)
{
	vcpu_op(VCPUOP_stop_periodic_timer, 0, 0);
	vcpu_op(VCPUOP_stop_periodic_timer, 1, 0);
	struct evtchn_bind_virq b0 = { .virq = VIRQ_DEBUG, .vcpu = 0 }, b1 = { .virq = VIRQ_DEBUG, .vcpu = 1 };
	long r0 = evtchn_op(EVTCHNOP_bind_virq, &b0), r1 = evtchn_op(EVTCHNOP_bind_virq, &b1);
	guest_check(r0 == 0 && r1 == 0 && b0.port && b1.port && b0.port != b1.port,
		    "VIRQ_DEBUG on vCPU 0 and on vCPU 1: two ports (%ld %ld, ports %u %u)", r0, r1, b0.port, b1.port);
	struct evtchn_bind_virq again = { .virq = VIRQ_DEBUG, .vcpu = 1 };
	long rc = evtchn_op(EVTCHNOP_bind_virq, &again);
	guest_check(rc == -EEXIST, "VIRQ_DEBUG on vCPU 1 again: -EEXIST (%ld)", rc);
	struct evtchn_bind_virq t1 = { .virq = VIRQ_TIMER, .vcpu = 1 };
	r1 = evtchn_op(EVTCHNOP_bind_virq, &t1);
	again = (struct evtchn_bind_virq){ .virq = VIRQ_TIMER, .vcpu = 1 };
	rc = evtchn_op(EVTCHNOP_bind_virq, &again);
	guest_check(r1 == 0 && rc == -EEXIST, "VIRQ_TIMER of vCPU 1 (down), then again: -EEXIST (%ld %ld)", r1, rc);
	struct evtchn_status st = { .dom = DOMID_SELF, .port = t1.port };
	rc = evtchn_op(EVTCHNOP_status, &st);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_virq && st.u.virq == VIRQ_TIMER && st.vcpu == 1,
		    "its port's status names vCPU 1 (%ld, %u, vcpu %u)", rc, st.status, st.vcpu);
	struct evtchn_close c = { .port = b1.port };
	r1 = evtchn_op(EVTCHNOP_close, &c);
	again = (struct evtchn_bind_virq){ .virq = VIRQ_DEBUG, .vcpu = 1 };
	rc = evtchn_op(EVTCHNOP_bind_virq, &again);
	guest_check(r1 == 0 && rc == 0 && again.port == b1.port,
		    "once closed it binds again, on the lowest free port (%ld %ld, port %u)", r1, rc, again.port);
	evtchn_port_t ports[] = { b0.port, again.port, t1.port };
	for (unsigned int i = 0; i < 3; i++) {
		c.port = ports[i];
		evtchn_op(EVTCHNOP_close, &c);
	}
}

static void test_vcpu_info(start_info_t *si)
{
	uint8_t *page = vinfo_page.bytes;
	struct vcpu_register_vcpu_info r = { .mfn = mfn_of(page), .offset = MISALIGNED };
	long rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &r);
	guest_check(rc == -ENXIO, "a misaligned vcpu_info (offset %u) is -ENXIO: %ld", MISALIGNED, rc);
	r.offset = 4096 - 32;
	rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &r);
	guest_check(rc == -ENXIO, "one running off its page is -ENXIO: %ld", rc);
	r = (struct vcpu_register_vcpu_info){ .mfn = 0x10, .offset = 0 };
	rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &r);
	guest_check(rc == -EINVAL, "one on a frame that is not ours is -EINVAL: %ld", rc);
	r = (struct vcpu_register_vcpu_info){ .mfn = 1ull << 40, .offset = 0 };
	rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &r);
	guest_check(rc == -EINVAL, "one on a frame beyond the machine is -EINVAL: %ld", rc);
	r = (struct vcpu_register_vcpu_info){ .mfn = mfn_of((void *)si->pt_base), .offset = 0 };
	rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &r);
	guest_check(rc == -EINVAL, "one on a page table is -EINVAL: %ld", rc);

	volatile struct vcpu_info *v1 = (volatile struct vcpu_info *)(page + VINFO1_OFFSET);
	r = (struct vcpu_register_vcpu_info){ .mfn = mfn_of(page), .offset = VINFO1_OFFSET };
	rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &r);
	guest_check(rc == 0 && v1->evtchn_upcall_mask == 1 && v1->evtchn_upcall_pending == 1,
		    "vCPU 1's vcpu_info moves (offset %u) while it is down, its mask kept, everything marked "
		    "pending: %ld",
		    (unsigned int)VINFO1_OFFSET, rc);
	rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &r);
	guest_check(rc == -EINVAL, "moving it again is -EINVAL: %ld", rc);
	vinfo[1] = v1;
	v1->evtchn_upcall_pending = 0;
	v1->evtchn_pending_sel = 0;

	volatile struct vcpu_info *v0 = (volatile struct vcpu_info *)page;
	uint32_t version = shinfo->vcpu_info[0].time.version;
	r.offset = 0;
	rc = vcpu_op(VCPUOP_register_vcpu_info, 0, &r);
	guest_check(rc == 0 && v0->evtchn_pending_sel == ~0ul && v0->evtchn_upcall_pending == 1,
		    "vCPU 0 moves its own: %ld", rc);
	vinfo[0] = v0;
	v0->evtchn_upcall_pending = 0;
	v0->evtchn_pending_sel = 0;
	HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	guest_check(v0->time.version != 0 && v0->time.system_time && shinfo->vcpu_info[0].time.version == version,
		    "its time is kept there now, not in shared_info");
}

/* vCPU 1's context was taken whole: its trap handler and event callback
 * ran.  vCPU 1 has answered the IPI rounds; now one more IPI, which it
 * takes blocked, through its event callback. */
static void test_context_handlers(void)
{
	for (unsigned int spins = 0; spins < 1000000 && !ready_for_upcall && !vcpu1_failed; spins++)
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	send(port1);
	bool acked = wait_port(0, port0, 5000 * MS);
	guest_check(ud_seen_by_1 == 1, "vCPU 1's #UD went to the handler in its context's trap table (%u)",
		    ud_seen_by_1);
	guest_check(acked && upcall_hits_1 == 1 && mask_in_upcall_1 == 1,
		    "blocked, vCPU 1 took an IPI through the event callback of its context (%u hits in %u upcalls, "
		    "mask %u, answered %d)",
		    upcall_hits_1, upcalls_1, mask_in_upcall_1, acked);
}

static void test_hostile(start_info_t *si)
{
	long rc = vcpu_op(VCPUOP_is_up, 2, 0);
	guest_check(rc == -ENOENT, "is_up of vCPU 2 (there are 2) is -ENOENT: %ld", rc);
	rc = vcpu_op(VCPUOP_initialise, 7, &ctxt1);
	guest_check(rc == -ENOENT, "initialise of vCPU 7 is -ENOENT: %ld", rc);
	static uint8_t page[8192] __attribute__((aligned(4096)));
	uint64_t gaddr = ((uint64_t)mfn_of(page) << 12) + 4096 - 8;
	rc = register_phys(0, gaddr);
	guest_check(rc == -ENXIO, "a physical runstate area across a page is -ENXIO: %ld", rc);
	gaddr = ((uint64_t)mfn_of(page) << 12) + MISALIGNED;
	rc = register_phys(0, gaddr);
	guest_check(rc == -ENXIO, "a misaligned one is -ENXIO: %ld", rc);
	gaddr = (uint64_t)mfn_of((void *)si->pt_base) << 12;
	rc = register_phys(0, gaddr);
	guest_check(rc == -EACCES, "one on a page table is -EACCES: %ld", rc);
	rc = register_phys(0, 0x10ull << 12);
	guest_check(rc == -EINVAL, "one on a frame that is not ours is -EINVAL: %ld", rc);
	rc = register_phys(0, 1ull << 52);
	guest_check(rc == -EINVAL, "one beyond the machine is -EINVAL: %ld", rc);
}

/* Runstate areas by virtual address: the hypervisor's range is -EFAULT
 * (Xen's guest_handle_okay); a read-only mapping (here of a page table)
 * takes the registration but no write. */
static void test_va_area_hostile(start_info_t *si)
{
#ifdef __i386__
	static const uint64_t bad[] = { 0xf5800000u, 0xf57ffff0u /* runs into it */, 0xfffffff0u };
#else
	static const uint64_t bad[] = { 0xffff800000000000ull, 0xffff87fffffffff0ull,
					0x0000800000000000ull /* not canonical */ };
#endif
	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		long rc = register_va(0, bad[i]);
		guest_check(rc == -EFAULT, "a runstate area at 0x%llx (the hypervisor's) is -EFAULT: %ld",
			    (unsigned long long)bad[i], rc);
	}
	/* The copy by virtual address still works after the refusals. */
	uint64_t before = area0.state_entry_time;
	nap(1);
	guest_check(area0.state_entry_time > before, "they left the registered copy in place");

	const volatile uint8_t *pt = (const volatile uint8_t *)si->pt_base;
	uint8_t snap[64];
	for (unsigned int i = 0; i < sizeof(snap); i++)
		snap[i] = pt[i];
	long rc = register_va(0, si->pt_base);
	nap(1);
	nap(1);
	bool same = true;
	for (unsigned int i = 0; i < sizeof(snap); i++)
		same &= snap[i] == pt[i];
	guest_check(rc == 0 && same, "one on its page table, mapped read-only, is taken but never written (%ld)", rc);
	rc = register_va(0, (unsigned long)&area0);
	guest_check(rc == 0 && area0.state == RUNSTATE_running, "the first copy registered again: %ld", rc);
}

/* A copy by virtual address whose page is unmapped: the updates are
 * skipped (Xen's __copy_to_guest fails quietly) and land again once it is
 * mapped back. */
static void test_va_area_unmapped(void)
{
	volatile struct vcpu_runstate_info *a = &va_page.v;
	unsigned long mfn = mfn_of(a);
	long rc = register_va(0, (unsigned long)a);
	nap(1);
	uint64_t before = a->state_entry_time;
	guest_check(rc == 0 && a->state == RUNSTATE_running && before, "a copy on a page of its own: %ld", rc);
	rc = map_va(a, 0);
	nap(1);
	nap(1);
	long rc2 = map_va(a, (uint64_t)mfn << 12 | PTE_FLAGS);
	struct vcpu_runstate_info r;
	long rc3 = vcpu_op(VCPUOP_get_runstate_info, 0, &r);
	guest_check(rc == 0 && rc2 == 0 && rc3 == 0 && a->state_entry_time == before && r.state_entry_time > before,
		    "while its page was unmapped the copy was not written (%llu), the runstate went on (%llu)",
		    (unsigned long long)a->state_entry_time, (unsigned long long)r.state_entry_time);
	nap(1);
	rc = vcpu_op(VCPUOP_get_runstate_info, 0, &r);
	guest_check(rc == 0 && a->state_entry_time > before && a->state_entry_time == r.state_entry_time &&
			    a->time[RUNSTATE_blocked] == r.time[RUNSTATE_blocked],
		    "mapped back, it is written again and agrees with get_runstate_info");
	rc = register_va(0, (unsigned long)&area0);
	guest_check(rc == 0, "the first copy registered again: %ld", rc);
}

/* A copy by physical address on a frame the guest gives back: the
 * registration keeps the frame (the domain's page count does not drop)
 * until it is released, then the frame is freed.  XG refuses new
 * references to a frame given back (docs/events.md). */
static void test_phys_area_given_back(void)
{
	volatile struct vcpu_runstate_info *a = &freed_page.v;
	unsigned long mfn = mfn_of(a);
	uint64_t gaddr = (uint64_t)mfn << 12;
	long rc = register_phys(0, gaddr);
	guest_check(rc == 0 && a->state == RUNSTATE_running && a->state_entry_time,
		    "vCPU 0's copy by physical address on a page of its own: %ld", rc);
	long pages = reservation();
	rc = map_va(a, 0);
	long n = give_back(mfn);
	long held = reservation();
	guest_check(rc == 0 && n == 1 && pages > 0 && held == pages,
		    "its frame, unmapped and given back, stays the domain's while registered (%ld, %ld pages, %ld "
		    "before)",
		    n, held, pages);
	nap(1);
	nap(1);
	rc = register_phys(1, gaddr);
	long rm = map_va(a, gaddr | PTE_FLAGS);
	guest_check(rc == -EINVAL && rm == -EBUSY,
		    "a frame given back takes no new reference: registering it -EINVAL, mapping it -EBUSY (%ld %ld)",
		    rc, rm);
	struct vcpu_runstate_info r;
	long rc2 = vcpu_op(VCPUOP_get_runstate_info, 0, &r);
	guest_check(rc2 == 0 && r.state == RUNSTATE_running && area0.state_entry_time == r.state_entry_time,
		    "vCPU 0 went on blocking and running, its other copy kept up to date");
	rc = register_phys(0, ~0ull);
	long after = reservation();
	guest_check(rc == 0 && after == pages - 1, "released, the frame is freed (%ld pages)", after);
}

/* Frames given back while the hypervisor holds them until the domain
 * dies: vCPU 1's copy (it is down) and the page of both vcpu_infos.  The
 * system test checks that every frame comes back after the guest. */
static void test_held_until_the_end(void)
{
	volatile struct vcpu_runstate_info *a = &held_page.v;
	unsigned long mfn = mfn_of(a), vmfn = mfn_of(vinfo_page.bytes);
	long rc = register_phys(1, (uint64_t)mfn << 12);
	guest_check(rc == 0 && a->state == RUNSTATE_offline, "vCPU 1's copy moved to another page: %ld", rc);
	long pages = reservation();
	long r1 = map_va(a, 0), r2 = map_va(vinfo_page.bytes, 0);
	long n1 = give_back(mfn), n2 = give_back(vmfn);
	long held = reservation();
	guest_check(r1 == 0 && r2 == 0 && n1 == 1 && n2 == 1 && held == pages,
		    "it and the vcpu_info page, unmapped and given back, are kept (%ld pages, %ld before)", held,
		    pages);
	/* Events still reach vCPU 0 through the vcpu_info it can no longer
	 * see, and the poll still finds the port. */
	long rs = send(port0);
	evtchn_port_t ports[1] = { port0 };
	struct sched_poll p = { .nr_ports = 1, .timeout = 0 };
	p.ports.p = ports;
	rc = HYPERVISOR_sched_op(SCHEDOP_poll, &p);
	bool pending = __atomic_fetch_and(pending_word(port0), ~port_bit(port0), __ATOMIC_SEQ_CST) & port_bit(port0);
	guest_check(rs == 0 && rc == 0 && pending, "an IPI to itself still arrives (%ld %ld)", rs, rc);
}

/* With "lastdown" on the command line: vCPU 0, the only one up, takes
 * itself down, which in Xen powers the domain off (the system test checks
 * the shutdown reason and that nothing is printed after). */
static int last_down(void)
{
	long rc = vcpu_op(VCPUOP_down, 1, 0);
	guest_check(rc == 0 && vcpu_op(VCPUOP_is_up, 1, 0) == 0, "vCPU 1, never up, taken down: %ld", rc);
	guest_puts("taking down its last vCPU\n");
	vcpu_op(VCPUOP_down, 0, 0);
	for (unsigned int i = 0; i < 10000; i++)
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	guest_check(false, "vCPU 0 still runs after taking itself down");
	return GUEST_FAIL;
}

int guest_main(start_info_t *si)
{
	shinfo = guest_map_shared_info(si);
	if (!shinfo)
		return GUEST_FAIL;
	vinfo[0] = &shinfo->vcpu_info[0];
	vinfo[1] = &shinfo->vcpu_info[1];
	if (guest_strstr((const char *)si->cmd_line, "lastdown"))
		return last_down();

	guest_check(vcpu_op(VCPUOP_is_up, 0, 0) == 1 && vcpu_op(VCPUOP_is_up, 1, 0) == 0,
		    "vCPU 0 is up, vCPU 1 is down at boot");
	struct vcpu_runstate_info r;
	long rc = vcpu_op(VCPUOP_get_runstate_info, 1, &r);
	guest_check(rc == 0 && r.state == RUNSTATE_offline, "vCPU 1 is offline (%ld, state %d)", rc, r.state);
	rc = register_va(0, (unsigned long)&area0);
	guest_check(rc == 0 && area0.state == RUNSTATE_running && area0.state_entry_time,
		    "vCPU 0's runstate copy is written at once, state running (%ld, %d)", rc, area0.state);
	test_virq_twice();

	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	rc = evtchn_op(EVTCHNOP_bind_ipi, &ipi);
	port0 = ipi.port;
	ipi = (struct evtchn_bind_ipi){ .vcpu = 1 };
	rc |= evtchn_op(EVTCHNOP_bind_ipi, &ipi);
	port1 = ipi.port;
	guest_check(rc == 0 && port0 && port1, "IPI ports %u (vCPU 0) and %u (vCPU 1)", port0, port1);

	make_context(si);
	rc = vcpu_op(VCPUOP_initialise, 1, &ctxt1);
	guest_check(rc == 0 && vcpu_op(VCPUOP_is_up, 1, 0) == 0, "initialise vCPU 1 (still down): %ld", rc);
	rc = vcpu_op(VCPUOP_initialise, 1, &ctxt1);
	guest_check(rc == -EEXIST, "a second initialise is -EEXIST: %ld", rc);
	test_vcpu_info(si);
	rc = vcpu_op(VCPUOP_up, 1, 0);
	guest_check(rc == 0 && vcpu_op(VCPUOP_is_up, 1, 0) == 1, "VCPUOP_up: %ld", rc);

	unsigned int answered = 0;
	for (unsigned int i = 0; i < ROUNDS && !vcpu1_failed; i++) {
		send(port1);
		if (!wait_port(0, port0, 2000 * MS))
			break;
		answered++;
	}
	guest_check(answered == ROUNDS && round_seen_by_1 == ROUNDS && !vcpu1_failed,
		    "%u IPIs each way between the vCPUs (%u answered, vCPU 1 saw %u, failure %u)", ROUNDS, answered,
		    round_seen_by_1, vcpu1_failed);
	test_context_handlers();

	for (int spins = 0; spins < 100000 && vcpu_op(VCPUOP_is_up, 1, 0) == 1; spins++)
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	guest_check(vcpu_op(VCPUOP_is_up, 1, 0) == 0, "vCPU 1 took itself down");
	for (int spins = 0; spins < 100000 && area1.v.state != RUNSTATE_offline; spins++)
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);

	rc = vcpu_op(VCPUOP_get_runstate_info, 1, &r);
	guest_check(rc == 0 && r.state == RUNSTATE_offline && r.time[RUNSTATE_running] > 0 &&
			    r.time[RUNSTATE_blocked] > 0,
		    "vCPU 1 ran, blocked in its polls and is offline (running %llu blocked %llu ns)",
		    (unsigned long long)r.time[RUNSTATE_running], (unsigned long long)r.time[RUNSTATE_blocked]);
	guest_check(area1.v.state == RUNSTATE_offline && area1.v.state_entry_time == r.state_entry_time &&
			    area1.v.time[RUNSTATE_blocked] == r.time[RUNSTATE_blocked],
		    "its copy by physical address shows the same (state %d)", area1.v.state);
	guest_check(area0.time[RUNSTATE_blocked] > 0 && area0.state == RUNSTATE_running,
		    "vCPU 0's copy by virtual address shows its polls as blocked time (%llu ns)",
		    (unsigned long long)area0.time[RUNSTATE_blocked]);
	uint64_t created0 = area0.state_entry_time - sum(&area0), created1 = area1.v.state_entry_time - sum(&area1.v);
	uint64_t now = vinfo[0]->time.system_time;
	guest_check(created0 <= now && (created0 > created1 ? created0 - created1 : created1 - created0) < 50 * MS,
		    "both copies' times add up to the time since the vCPUs were created (%llu and %llu ns)",
		    (unsigned long long)created0, (unsigned long long)created1);
	guest_check(!(area0.state_entry_time >> 63) && !(area1.v.state_entry_time >> 63),
		    "no copy is left marked XEN_RUNSTATE_UPDATE");
	test_hostile(si);
	test_va_area_hostile(si);
	test_va_area_unmapped();
	test_phys_area_given_back();
	test_held_until_the_end();
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
