/* What the arch-neutral core asks of xen/arch/x86. */
#ifndef HV_ARCH_H
#define HV_ARCH_H

#include "hv/domain.h"
#include "hv/exec.h"

/* Handle one exit of v's backend run (hypercall, trap, ...).  Runs on v's
 * thread without the domain lock. */
void arch_vcpu_handle_exit(struct vcpu *v, const struct exec_exit *e);

/* v's thread is about to run guest code (after every exit, hypercall or
 * not): refresh its time record and deliver a pending event upcall.
 * false if the domain was crashed meanwhile (no run this time). */
bool arch_vcpu_enter_guest(struct vcpu *v);

/* What a new domain needs beyond the common parts (32-bit PV: its vCPUs'
 * root tables), and giving it back; fini is safe after a failed init. */
int arch_domain_init(struct domain *d);
void arch_domain_fini(struct domain *d);

/* The initial register state of a vCPU before the toolstack gives it a context. */
void arch_vcpu_reset(struct vcpu *v);

#endif
