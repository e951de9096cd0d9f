/*
 * smp: a 2-vCPU guest (64-bit) bringing up its second vCPU as Linux does
 * (VCPUOP_initialise with a context, then VCPUOP_up) and exchanging IPIs
 * with it through event channels: each vCPU has an IPI port and waits on
 * its own with SCHEDOP_poll while the other sends.  Then vCPU 1 takes
 * itself down.  Runstates: vCPU 0 registers a copy of its runstate by
 * virtual address, vCPU 1 one by physical address; both must show real
 * transitions (blocked time from the polls, running time, vCPU 1 offline
 * at the end) and times that add up to the time since the vCPUs were
 * created, which is the same moment for both.  Both vCPUs' vcpu_info move
 * out of shared_info into a page of the guest's (VCPUOP_register_vcpu_info,
 * as Linux does at boot): vCPU 0's by itself, vCPU 1's while it is down.  Hostile inputs: vCPUs that
 * do not exist, a second initialise, runstate areas across a page,
 * misaligned, on a page table or on a frame that is not the guest's.
 */
#include "guest.h"
#include "public/event_channel.h"
#include "public/vcpu.h"

const char guest_name[] = "smp";

#define ENOENT 2
#define EINVAL 22
#define EACCES 13
#define EEXIST 17
#define ENXIO 6

#define MS 1000000ull
#define ROUNDS 20

static struct shared_info *shinfo;
/* Where each vCPU's vcpu_info is: first shared_info, then vcpu_infos. */
static volatile struct vcpu_info *vinfo[2];
static struct vcpu_info vcpu_infos[64] __attribute__((aligned(4096)));
static volatile evtchn_port_t port0, port1;
static volatile unsigned int round_seen_by_1, vcpu1_failed;
static struct vcpu_runstate_info area0;
/* vCPU 1's copy, registered by machine address: alone in its page. */
static struct vcpu_runstate_info area1 __attribute__((aligned(4096)));
static uint8_t stack1[16384] __attribute__((aligned(16)));
static struct vcpu_guest_context ctxt1;

static long vcpu_op(unsigned int cmd, unsigned int vcpu, void *arg)
{
	return hypercall(__HYPERVISOR_vcpu_op, cmd, vcpu, (unsigned long)arg, 0, 0);
}

static long evtchn_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_event_channel_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static long send(evtchn_port_t port)
{
	struct evtchn_send s = { .port = port };
	return evtchn_op(EVTCHNOP_send, &s);
}

/* Wait on vCPU `self` until port is pending (or the timeout, ns of
 * system time from now), then clear it. */
static bool wait_port(unsigned int self, evtchn_port_t port, uint64_t timeout_ns)
{
	evtchn_port_t ports[1] = { port };
	volatile struct vcpu_time_info *t = &vinfo[self]->time;
	struct sched_poll p = { .nr_ports = 1, .timeout = t->system_time + timeout_ns };
	p.ports.p = ports;
	unsigned long *word = &shinfo->evtchn_pending[port / 64], bit = 1ul << (port % 64);
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

static unsigned long mfn_of(const void *va)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)guest_start_info->mfn_list;
	return p2m[((unsigned long)va - GUEST_VIRT_BASE) >> 12];
}

/* vCPU 1: registers its runstate copy by physical address, then answers
 * each IPI from vCPU 0 with one of its own, then goes down. */
void secondary_main(void);
void secondary_main(void)
{
	uint64_t gaddr = (uint64_t)mfn_of(&area1) << 12;
	if (vcpu_op(VCPUOP_register_runstate_phys_area, 1, &gaddr))
		vcpu1_failed = 1;
	for (unsigned int i = 0; i < ROUNDS; i++) {
		if (!wait_port(1, port1, 2000 * MS)) {
			vcpu1_failed = 2;
			break;
		}
		round_seen_by_1 = i + 1;
		send(port0);
	}
	vcpu_op(VCPUOP_down, 1, 0);
	for (;;) /* never resumed */
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
}
__asm__(".text\nsecondary_entry:\nand $-16, %rsp\ncall secondary_main\nud2\n");
void secondary_entry(void);

static uint64_t sum(const struct vcpu_runstate_info *r)
{
	return r->time[0] + r->time[1] + r->time[2] + r->time[3];
}

static void test_vcpu_info(void)
{
	struct vcpu_register_vcpu_info r = { .mfn = mfn_of(vcpu_infos), .offset = 4 };
	long rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &r);
	guest_check(rc == -ENXIO, "a misaligned vcpu_info is -ENXIO: %ld", rc);
	r.offset = 4096 - 32;
	rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &r);
	guest_check(rc == -ENXIO, "one running off its page is -ENXIO: %ld", rc);
	r = (struct vcpu_register_vcpu_info){ .mfn = 0x10, .offset = 0 };
	rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &r);
	guest_check(rc == -EINVAL, "one on a frame that is not ours is -EINVAL: %ld", rc);

	r = (struct vcpu_register_vcpu_info){ .mfn = mfn_of(vcpu_infos), .offset = sizeof(struct vcpu_info) };
	rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &r);
	guest_check(rc == 0 && vcpu_infos[1].evtchn_upcall_mask == 1 && vcpu_infos[1].evtchn_upcall_pending == 1,
		    "vCPU 1's vcpu_info moves while it is down, its mask kept, everything marked pending: %ld", rc);
	rc = vcpu_op(VCPUOP_register_vcpu_info, 1, &r);
	guest_check(rc == -EINVAL, "moving it again is -EINVAL: %ld", rc);
	vinfo[1] = &vcpu_infos[1];
	vcpu_infos[1].evtchn_upcall_pending = 0;
	vcpu_infos[1].evtchn_pending_sel = 0;

	uint32_t version = shinfo->vcpu_info[0].time.version;
	r.offset = 0;
	rc = vcpu_op(VCPUOP_register_vcpu_info, 0, &r);
	guest_check(rc == 0 && vcpu_infos[0].evtchn_pending_sel == ~0ul && vcpu_infos[0].evtchn_upcall_pending == 1,
		    "vCPU 0 moves its own: %ld", rc);
	vinfo[0] = &vcpu_infos[0];
	vcpu_infos[0].evtchn_upcall_pending = 0;
	vcpu_infos[0].evtchn_pending_sel = 0;
	HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	guest_check(vcpu_infos[0].time.version != 0 && vcpu_infos[0].time.system_time &&
			    shinfo->vcpu_info[0].time.version == version,
		    "its time is kept there now, not in shared_info");
}

static void test_hostile(start_info_t *si)
{
	long rc = vcpu_op(VCPUOP_is_up, 2, 0);
	guest_check(rc == -ENOENT, "is_up of vCPU 2 (there are 2) is -ENOENT: %ld", rc);
	rc = vcpu_op(VCPUOP_initialise, 7, &ctxt1);
	guest_check(rc == -ENOENT, "initialise of vCPU 7 is -ENOENT: %ld", rc);
	static uint8_t page[8192] __attribute__((aligned(4096)));
	uint64_t gaddr = ((uint64_t)mfn_of(page) << 12) + 4096 - 8;
	rc = vcpu_op(VCPUOP_register_runstate_phys_area, 0, &gaddr);
	guest_check(rc == -ENXIO, "a physical runstate area across a page is -ENXIO: %ld", rc);
	gaddr = ((uint64_t)mfn_of(page) << 12) + 4;
	rc = vcpu_op(VCPUOP_register_runstate_phys_area, 0, &gaddr);
	guest_check(rc == -ENXIO, "a misaligned one is -ENXIO: %ld", rc);
	gaddr = (uint64_t)mfn_of((void *)si->pt_base) << 12;
	rc = vcpu_op(VCPUOP_register_runstate_phys_area, 0, &gaddr);
	guest_check(rc == -EACCES, "one on a page table is -EACCES: %ld", rc);
	gaddr = 0x10ull << 12;
	rc = vcpu_op(VCPUOP_register_runstate_phys_area, 0, &gaddr);
	guest_check(rc == -EINVAL, "one on a frame that is not ours is -EINVAL: %ld", rc);
}

int guest_main(start_info_t *si)
{
	uint64_t va = si->pt_base + (si->nr_pt_frames + 2) * 4096;
	long rc = hypercall(__HYPERVISOR_update_va_mapping, va, si->shared_info | 0x7, UVMF_INVLPG | UVMF_LOCAL, 0, 0);
	guest_check(rc == 0, "mapping shared_info: %ld", rc);
	shinfo = (struct shared_info *)va;
	vinfo[0] = &shinfo->vcpu_info[0];
	vinfo[1] = &shinfo->vcpu_info[1];

	guest_check(vcpu_op(VCPUOP_is_up, 0, 0) == 1 && vcpu_op(VCPUOP_is_up, 1, 0) == 0,
		    "vCPU 0 is up, vCPU 1 is down at boot");
	struct vcpu_runstate_info r;
	rc = vcpu_op(VCPUOP_get_runstate_info, 1, &r);
	guest_check(rc == 0 && r.state == RUNSTATE_offline, "vCPU 1 is offline (%ld, state %d)", rc, r.state);
	rc = vcpu_op(VCPUOP_register_runstate_memory_area, 0, &(struct vcpu_register_runstate_memory_area){
								       .addr.v = &area0 });
	guest_check(rc == 0 && area0.state == RUNSTATE_running && area0.state_entry_time,
		    "vCPU 0's runstate copy is written at once, state running (%ld, %d)", rc, area0.state);

	struct evtchn_bind_ipi ipi = { .vcpu = 0 };
	rc = evtchn_op(EVTCHNOP_bind_ipi, &ipi);
	port0 = ipi.port;
	ipi = (struct evtchn_bind_ipi){ .vcpu = 1 };
	rc |= evtchn_op(EVTCHNOP_bind_ipi, &ipi);
	port1 = ipi.port;
	guest_check(rc == 0 && port0 && port1, "IPI ports %u (vCPU 0) and %u (vCPU 1)", port0, port1);

	/* vCPU 1's context: our tables, its own stack, kernel mode, as
	 * Linux's cpu_initialize_context. */
	ctxt1.flags = VGCF_in_kernel;
	ctxt1.user_regs.rip = (unsigned long)secondary_entry;
	ctxt1.user_regs.rsp = (unsigned long)stack1 + sizeof(stack1);
	ctxt1.user_regs.rflags = 0x202;
	ctxt1.user_regs.cs = FLAT_KERNEL_CS;
	ctxt1.user_regs.ss = FLAT_KERNEL_SS;
	ctxt1.kernel_ss = FLAT_KERNEL_SS;
	ctxt1.kernel_sp = ctxt1.user_regs.rsp;
	ctxt1.ctrlreg[3] = xen_pfn_to_cr3(mfn_of((void *)si->pt_base));
	rc = vcpu_op(VCPUOP_initialise, 1, &ctxt1);
	guest_check(rc == 0 && vcpu_op(VCPUOP_is_up, 1, 0) == 0, "initialise vCPU 1 (still down): %ld", rc);
	rc = vcpu_op(VCPUOP_initialise, 1, &ctxt1);
	guest_check(rc == -EEXIST, "a second initialise is -EEXIST: %ld", rc);
	test_vcpu_info();
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

	for (int spins = 0; spins < 100000 && vcpu_op(VCPUOP_is_up, 1, 0) == 1; spins++)
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	guest_check(vcpu_op(VCPUOP_is_up, 1, 0) == 0, "vCPU 1 took itself down");
	for (int spins = 0; spins < 100000 && area1.state != RUNSTATE_offline; spins++)
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);

	rc = vcpu_op(VCPUOP_get_runstate_info, 1, &r);
	guest_check(rc == 0 && r.state == RUNSTATE_offline && r.time[RUNSTATE_running] > 0 &&
			    r.time[RUNSTATE_blocked] > 0,
		    "vCPU 1 ran, blocked in its polls and is offline (running %llu blocked %llu ns)",
		    (unsigned long long)r.time[RUNSTATE_running], (unsigned long long)r.time[RUNSTATE_blocked]);
	guest_check(area1.state == RUNSTATE_offline && area1.state_entry_time == r.state_entry_time &&
			    area1.time[RUNSTATE_blocked] == r.time[RUNSTATE_blocked],
		    "its copy by physical address shows the same (state %d)", area1.state);
	guest_check(area0.time[RUNSTATE_blocked] > 0 && area0.state == RUNSTATE_running,
		    "vCPU 0's copy by virtual address shows its polls as blocked time (%llu ns)",
		    (unsigned long long)area0.time[RUNSTATE_blocked]);
	uint64_t created0 = area0.state_entry_time - sum(&area0), created1 = area1.state_entry_time - sum(&area1);
	uint64_t now = shinfo->vcpu_info[0].time.system_time;
	guest_check(created0 <= now && (created0 > created1 ? created0 - created1 : created1 - created0) < 50 * MS,
		    "both copies' times add up to the time since the vCPUs were created (%llu and %llu ns)",
		    (unsigned long long)created0, (unsigned long long)created1);
	guest_check(!(area0.state_entry_time >> 63) && !(area1.state_entry_time >> 63),
		    "no copy is left marked XEN_RUNSTATE_UPDATE");
	test_hostile(si);
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
