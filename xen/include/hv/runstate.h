/*
 * vCPU runstates (xen/common/runstate.c): the time each vCPU spends
 * running, runnable, blocked and offline, and the copies guests register.
 */
#ifndef HV_RUNSTATE_H
#define HV_RUNSTATE_H

#include <stdint.h>

#include "hv/domain.h"
#include "public/vcpu.h"

/* A new vCPU: offline from now. */
void runstate_init(struct vcpu *v);
/* Called first by the vCPU's thread, so that its run delay can be read. */
void runstate_thread_started(struct vcpu *v);
/* The vCPU's own thread enters RUNSTATE_*; registered copies are updated. */
void runstate_change(struct vcpu *v, int state);
/* A snapshot, the current state's time counted up to now. */
void runstate_get(struct vcpu *v, struct vcpu_runstate_info *out);
/* VCPUOP_register_runstate_memory_area: a copy at guest virtual address va
 * (0: none), written through caller's address space now and through v's
 * (its kernel's tables) on each change. */
long runstate_register_va(struct vcpu *v, struct vcpu *caller, uint64_t va);
/* VCPUOP_register_runstate_phys_area: a copy at machine address gaddr
 * (~0: none) in a frame the domain owns, held (a writable type reference)
 * until replaced.  -ENXIO across a page or misaligned, -EINVAL not the
 * domain's frame, -EACCES a frame that cannot be written (a page table). */
long runstate_register_phys(struct vcpu *v, uint64_t gaddr);
/* Forget the registered copies, giving back the frame held for one, and
 * what the thread's accounting kept open: the domain is being destroyed,
 * its vCPU threads have ended.  Caller holds the domain lock. */
void runstate_release_locked(struct vcpu *v);

#endif
