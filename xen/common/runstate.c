/*
 * vCPU runstates: how long each vCPU has been running, runnable, blocked
 * and offline, as Xen accounts them (struct vcpu_runstate_info), and the
 * copies a guest registers to read them (VCPUOP_register_runstate_*).
 *
 * Transitions are real ones, made by the vCPU's own thread: it runs
 * (running), sleeps in block or poll (blocked), or waits while it is
 * paused, down or not yet initialised (offline).  A vCPU thread that is
 * ready but waits for a host CPU is runnable: the host kernel's schedstat
 * for the thread (its run delay) says how much of a running period was
 * spent so, and that part is counted as runnable, which is what a guest's
 * steal clock wants.  The four times always add up to the time since the
 * vCPU was created (state_entry_time - creation).
 *
 * Locking: v->runstate_lock guards the runstate, the registered areas and
 * the writes into them; where d->lock is held too, it is taken first.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "hv/runstate.h"
#include "hv/timer.h"
#include "public/compat/x86_32.h"
#include "public/vcpu.h"
#include "public/xen.h"

/* The vCPU thread's time spent waiting for a CPU (ns), or 0 if the host
 * does not report it.  The file stays open: opening it costs more than
 * the rest of a block-and-wake (~20 us here), reading it again does not. */
static uint64_t thread_run_delay(struct vcpu *v)
{
	char buf[96];
	if (v->schedstat_fd < 0)
		return 0;
	ssize_t n = pread(v->schedstat_fd, buf, sizeof(buf) - 1, 0);
	if (n <= 0)
		return 0;
	buf[n] = 0;
	uint64_t on_cpu, delay;
	return sscanf(buf, "%" SCNu64 " %" SCNu64, &on_cpu, &delay) == 2 ? delay : 0;
}

void runstate_init(struct vcpu *v)
{
	pthread_mutex_init(&v->runstate_lock, NULL);
	v->runstate = (struct vcpu_runstate_info){ .state = RUNSTATE_offline,
						   .state_entry_time = time_system_ns() };
	v->runstate_phys_mfn = MFN_INVALID;
	v->schedstat_fd = -1;
}

/* The runstate in the guest's layout: 48 bytes, or 44 for a 32-bit guest
 * (its uint64_t members are 4-byte aligned). */
static size_t guest_layout(const struct vcpu *v, const struct vcpu_runstate_info *r, uint8_t out[48])
{
	if (!domain_is_pv32(v->domain)) {
		memcpy(out, r, sizeof(*r));
		return sizeof(*r);
	}
	struct compat_vcpu_runstate_info c = { .state = r->state, .state_entry_time = r->state_entry_time };
	for (unsigned int i = 0; i < 4; i++)
		c.time[i] = r->time[i];
	memcpy(out, &c, sizeof(c));
	return sizeof(c);
}

/* Where the byte holding XEN_RUNSTATE_UPDATE (bit 63 of
 * state_entry_time) is in the guest's layout. */
static size_t update_flag_byte(const struct vcpu *v)
{
	return (domain_is_pv32(v->domain) ? offsetof(struct compat_vcpu_runstate_info, state_entry_time)
					  : offsetof(struct vcpu_runstate_info, state_entry_time)) +
	       7;
}

/* Write the registered copies, with Xen's XEN_RUNSTATE_UPDATE protocol when
 * the guest asked for it: the flag is set in the copy first, then the copy
 * is written, then the flag is cleared, each step visible in that order.
 * caller: whose address space a virtual-address area is written through.
 * Under runstate_lock. */
static void write_areas(struct vcpu *v, struct vcpu *caller)
{
	bool flag = v->domain->vm_assist & (1ul << VMASST_TYPE_runstate_update_flag);
	struct vcpu_runstate_info r = v->runstate;
	uint8_t bytes[48];
	if (flag)
		r.state_entry_time |= XEN_RUNSTATE_UPDATE;
	size_t len = guest_layout(v, &r, bytes), at = update_flag_byte(v);
	uint8_t set = bytes[at], clear = (uint8_t)(set & 0x7f);

	if (v->runstate_phys_mfn != MFN_INVALID) {
		volatile uint8_t *p = (uint8_t *)machine_frame(&hv->machine, v->runstate_phys_mfn) +
				      v->runstate_phys_offset;
		if (flag) {
			p[at] = set;
			atomic_thread_fence(memory_order_release);
		}
		for (size_t i = 0; i < len; i++)
			p[i] = bytes[i];
		if (flag) {
			atomic_thread_fence(memory_order_release);
			p[at] = clear;
		}
	}
	if (v->runstate_va && caller) {
		struct hcall_ctx ctx = { .caller = v->domain, .vcpu = caller, .compat = domain_is_pv32(v->domain) };
		uint64_t va = v->runstate_va;
		/* A guest that unmapped its area just loses the update, as in
		 * Xen. */
		if (flag && pv_copy_to_guest_kernel(&ctx, va + at, &set, 1))
			return;
		atomic_thread_fence(memory_order_release);
		if (pv_copy_to_guest_kernel(&ctx, va, bytes, len))
			return;
		atomic_thread_fence(memory_order_release);
		if (flag)
			pv_copy_to_guest_kernel(&ctx, va + at, &clear, 1);
	}
}

void runstate_change(struct vcpu *v, int state)
{
	pthread_mutex_lock(&v->runstate_lock);
	struct vcpu_runstate_info *r = &v->runstate;
	if (r->state == state) {
		pthread_mutex_unlock(&v->runstate_lock);
		return;
	}
	uint64_t now = time_system_ns();
	if (now < r->state_entry_time)
		now = r->state_entry_time;
	uint64_t elapsed = now - r->state_entry_time;
	if (r->state == RUNSTATE_running && v->tid) {
		/* Of a running period, the part the host kept the thread
		 * waiting for a CPU was runnable. */
		uint64_t delay = thread_run_delay(v), waited = delay - v->run_delay_at_entry;
		if (delay >= v->run_delay_at_entry && waited <= elapsed) {
			r->time[RUNSTATE_runnable] += waited;
			elapsed -= waited;
		}
	}
	r->time[r->state] += elapsed;
	r->state = state;
	r->state_entry_time = now;
	if (state == RUNSTATE_running && v->tid)
		v->run_delay_at_entry = thread_run_delay(v);
	write_areas(v, v);
	pthread_mutex_unlock(&v->runstate_lock);
}

void runstate_thread_started(struct vcpu *v)
{
	char path[64];
	pid_t tid = (pid_t)syscall(SYS_gettid);
	snprintf(path, sizeof(path), "/proc/self/task/%d/schedstat", (int)tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	pthread_mutex_lock(&v->runstate_lock);
	v->tid = tid;
	if (v->schedstat_fd >= 0)
		close(v->schedstat_fd);
	v->schedstat_fd = fd;
	pthread_mutex_unlock(&v->runstate_lock);
}

void runstate_get(struct vcpu *v, struct vcpu_runstate_info *out)
{
	pthread_mutex_lock(&v->runstate_lock);
	*out = v->runstate;
	pthread_mutex_unlock(&v->runstate_lock);
	/* Up to now: the current state's time so far, as Xen's
	 * vcpu_runstate_get() adds it. */
	uint64_t now = time_system_ns();
	if (now > out->state_entry_time)
		out->time[out->state] += now - out->state_entry_time;
}

long runstate_register_va(struct vcpu *v, struct vcpu *caller, uint64_t va)
{
	pthread_mutex_lock(&v->runstate_lock);
	v->runstate_va = va;
	if (va)
		write_areas(v, caller);
	pthread_mutex_unlock(&v->runstate_lock);
	return 0;
}

static void release_phys(struct vcpu *v)
{
	if (v->runstate_phys_mfn != MFN_INVALID)
		pv_put_page_and_type(v->domain, v->runstate_phys_mfn);
	v->runstate_phys_mfn = MFN_INVALID;
}

long runstate_register_phys(struct vcpu *v, uint64_t gaddr)
{
	struct domain *d = v->domain;
	uint64_t mfn = MFN_INVALID;
	unsigned int size = domain_is_pv32(d) ? sizeof(struct compat_vcpu_runstate_info)
					      : sizeof(struct vcpu_runstate_info);
	unsigned int align = domain_is_pv32(d) ? 4 : 8;
	if (gaddr != ~0ull) {
		/* Xen's rules: within one page, aligned like a long, in a frame
		 * of the domain that can be written (not a page table). */
		if ((gaddr >> PAGE_SHIFT) != ((gaddr + size - 1) >> PAGE_SHIFT) || (gaddr & (align - 1)))
			return -ENXIO;
		mfn = gaddr >> PAGE_SHIFT;
		char why[160];
		pthread_mutex_lock(&d->lock);
		int rc = pv_get_page(d, mfn) ? 0 : -EINVAL;
		if (!rc && pv_get_page_type(d, mfn, PGT_writable_page, why, sizeof(why))) {
			pv_put_page(d, mfn);
			rc = -EACCES;
		}
		pthread_mutex_unlock(&d->lock);
		if (rc)
			return rc;
	}
	pthread_mutex_lock(&d->lock);
	pthread_mutex_lock(&v->runstate_lock);
	release_phys(v);
	v->runstate_phys_mfn = mfn;
	v->runstate_phys_offset = (unsigned int)(gaddr & (PAGE_SIZE - 1));
	if (mfn != MFN_INVALID)
		write_areas(v, NULL);
	pthread_mutex_unlock(&v->runstate_lock);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

void runstate_release_locked(struct vcpu *v)
{
	pthread_mutex_lock(&v->runstate_lock);
	release_phys(v);
	v->runstate_va = 0;
	if (v->schedstat_fd >= 0)
		close(v->schedstat_fd);
	v->schedstat_fd = -1;
	pthread_mutex_unlock(&v->runstate_lock);
}
