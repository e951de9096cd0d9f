/*
 * The 2-level event ABI's bits, as Xen sets them (xen/common/event_2l.c):
 * shared_info.evtchn_pending[] and evtchn_mask[] (one bit per port), the
 * notified vCPU's evtchn_pending_sel (one bit per word of those arrays)
 * and its evtchn_upcall_pending.  A 64-bit guest's words are 64 bits, a
 * 32-bit guest's 32 (compat shared_info: the mask array starts at 2176
 * instead of 2560, the selector is 4 bytes at offset 4 of vcpu_info).
 * Bit n of either array is the same bit of memory in both layouts (x86 is
 * little-endian), so the arrays are operated on as 32-bit words here; only
 * the selector's bit number and width differ.  Every change is an atomic
 * read-modify-write, as the guest's own bit operations are.
 */
#include <stddef.h>

#include "hv/vcpu_info.h"
#include "hv/event.h"
#include "hv/hypervisor.h"
#include "hv/page_alloc.h"
#include "public/compat/x86_32.h"
#include "public/event_channel.h"
#include "public/xen.h"

_Static_assert(offsetof(struct shared_info, evtchn_pending) == 2048, "64-bit pending array");
_Static_assert(offsetof(struct shared_info, evtchn_mask) == 2560, "64-bit mask array");
_Static_assert(offsetof(struct compat_shared_info, evtchn_pending) == 2048, "compat pending array");
_Static_assert(offsetof(struct compat_shared_info, evtchn_mask) == 2176, "compat mask array");
_Static_assert(offsetof(struct vcpu_info, evtchn_pending_sel) == 8, "64-bit selector");
_Static_assert(offsetof(struct compat_vcpu_info, evtchn_pending_sel) == 4, "compat selector");

unsigned int evtchn_2l_max_ports(const struct domain *d)
{
	return domain_is_pv32(d) ? COMPAT_EVTCHN_2L_NR_CHANNELS : EVTCHN_2L_NR_CHANNELS;
}

static uint8_t *shared_info_of(struct domain *d)
{
	if (d->shared_info_mfn == MFN_INVALID)
		return NULL; /* the control domain has none */
	return machine_frame(&hv->machine, d->shared_info_mfn);
}

static uint32_t *pending_word(struct domain *d, unsigned int port)
{
	uint8_t *si = shared_info_of(d);
	return si ? (uint32_t *)(si + offsetof(struct shared_info, evtchn_pending)) + port / 32 : NULL;
}

static uint32_t *mask_word(struct domain *d, unsigned int port)
{
	uint8_t *si = shared_info_of(d);
	size_t off = domain_is_pv32(d) ? offsetof(struct compat_shared_info, evtchn_mask)
				       : offsetof(struct shared_info, evtchn_mask);
	return si ? (uint32_t *)(si + off) + port / 32 : NULL;
}


static bool test_and_set(uint32_t *w, unsigned int bit)
{
	return __atomic_fetch_or(w, 1u << bit, __ATOMIC_SEQ_CST) & (1u << bit);
}

static bool test_and_clear(uint32_t *w, unsigned int bit)
{
	return __atomic_fetch_and(w, ~(1u << bit), __ATOMIC_SEQ_CST) & (1u << bit);
}

static bool test_bit32(uint32_t *w, unsigned int bit)
{
	return __atomic_load_n(w, __ATOMIC_SEQ_CST) & (1u << bit);
}

/* Set the selector bit for port's word; true if it was already set. */
static bool test_and_set_sel(struct vcpu *v, unsigned int port)
{
	uint8_t *vi = vcpu_info_bytes(v);
	if (!vi)
		return true;
	if (domain_is_pv32(v->domain))
		return test_and_set((uint32_t *)(vi + offsetof(struct compat_vcpu_info, evtchn_pending_sel)),
				    port / 32);
	uint64_t *sel = (uint64_t *)(vi + offsetof(struct vcpu_info, evtchn_pending_sel));
	uint64_t bit = 1ull << (port / 64);
	return __atomic_fetch_or(sel, bit, __ATOMIC_SEQ_CST) & bit;
}

bool vcpu_upcall_pending(struct vcpu *v)
{
	uint8_t *vi = vcpu_info_bytes(v);
	return vi && __atomic_load_n(vi + offsetof(struct vcpu_info, evtchn_upcall_pending), __ATOMIC_SEQ_CST);
}

bool vcpu_upcall_masked(struct vcpu *v)
{
	uint8_t *vi = vcpu_info_bytes(v);
	return !vi || __atomic_load_n(vi + offsetof(struct vcpu_info, evtchn_upcall_mask), __ATOMIC_SEQ_CST);
}

bool vcpu_events_need_delivery(struct vcpu *v)
{
	return vcpu_upcall_pending(v) && !vcpu_upcall_masked(v);
}

void vcpu_mark_events_pending(struct vcpu *v)
{
	uint8_t *vi = vcpu_info_bytes(v);
	if (!vi || __atomic_exchange_n(vi + offsetof(struct vcpu_info, evtchn_upcall_pending), 1, __ATOMIC_SEQ_CST))
		return;
	/* Running guest code: kick it so that the upcall is delivered on
	 * its way back (schedule.c sets in_guest before it checks). */
	if (atomic_load(&v->in_guest))
		vcpu_kick(v);
	atomic_store(&v->event_woken, true);
	vcpu_wake(v);
}

void evtchn_2l_set_pending(struct domain *d, unsigned int notify, unsigned int port)
{
	uint32_t *pw = pending_word(d, port);
	if (!pw || notify >= d->max_vcpus || !d->vcpus[notify])
		return;
	if (test_and_set(pw, port % 32))
		return;
	struct vcpu *v = d->vcpus[notify];
	if (!test_bit32(mask_word(d, port), port % 32) && !test_and_set_sel(v, port))
		vcpu_mark_events_pending(v);
	/* Wake pollers of this port (SCHEDOP_poll waits for pending bits,
	 * masked or not). */
	if (atomic_load(&d->pollers)) {
		for (unsigned int i = 0; i < d->max_vcpus; i++)
			if (d->vcpus[i] && atomic_load(&d->vcpus[i]->polling))
				vcpu_wake(d->vcpus[i]);
	}
}

void evtchn_2l_clear_pending(struct domain *d, unsigned int port)
{
	uint32_t *pw = pending_word(d, port);
	if (pw)
		test_and_clear(pw, port % 32);
}

void evtchn_2l_unmask(struct domain *d, unsigned int notify, unsigned int port)
{
	uint32_t *mw = mask_word(d, port);
	if (!mw || notify >= d->max_vcpus || !d->vcpus[notify])
		return;
	struct vcpu *v = d->vcpus[notify];
	if (test_and_clear(mw, port % 32) && test_bit32(pending_word(d, port), port % 32) &&
	    !test_and_set_sel(v, port))
		vcpu_mark_events_pending(v);
}

bool evtchn_2l_is_pending(struct domain *d, unsigned int port)
{
	uint32_t *pw = pending_word(d, port);
	return port < evtchn_2l_max_ports(d) && pw && test_bit32(pw, port % 32);
}
