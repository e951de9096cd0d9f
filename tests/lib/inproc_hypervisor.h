/*
 * The hypervisor core brought up inside a test or benchmark process: a
 * sparse machine, the heap, the M2P, the emulating backend and domain 0,
 * with no control socket and no vCPU threads of its own.  Calls are made
 * with hypercall_dispatch() as the toolstack makes them.
 */
#ifndef XG_TESTS_INPROC_HYPERVISOR_H
#define XG_TESTS_INPROC_HYPERVISOR_H

#include <stdint.h>

#include "hv/domain.h"

/* Domain 0 (referenced), or NULL with *why saying what failed. */
struct domain *inproc_hypervisor_start(uint64_t machine_bytes, const char **why);
/* Drop d0's reference and take everything down again. */
void inproc_hypervisor_stop(struct domain *d0);

#endif
