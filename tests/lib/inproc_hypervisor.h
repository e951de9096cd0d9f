/*
 * The hypervisor core brought up inside a test or benchmark process: a
 * sparse machine, the heap, the M2P, the emulating backend and domain 0,
 * with no control socket and no vCPU threads of its own.  Calls are made
 * with hypercall_dispatch() as the toolstack makes them.
 */
#ifndef XG_TESTS_INPROC_HYPERVISOR_H
#define XG_TESTS_INPROC_HYPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hv/domain.h"
#include "public/xg_control.h"

/* Domain 0 (referenced), or NULL with *why saying what failed. */
struct domain *inproc_hypervisor_start(uint64_t machine_bytes, const char **why);
/* Drop d0's reference and take everything down again. */
void inproc_hypervisor_stop(struct domain *d0);

/*
 * A toolstack request: its data area (what the hypercall reads and
 * writes, so concurrent callers each need their own) and the calls
 * libxg makes through one.  Handles are addresses inside the area.
 */
#define INPROC_REQ_DATA (1u << 20)
struct inproc_req {
	struct domain *caller; /* domain 0, or a guest to test what it may not do */
	bool readonly;         /* as from the monitoring socket */
	size_t used;
	uint8_t data[INPROC_REQ_DATA];
};

/* Copy len bytes (zeros if src is NULL) into the area; their handle. */
uint64_t inproc_put(struct inproc_req *r, const void *src, size_t len);
void *inproc_at(struct inproc_req *r, uint64_t handle);
long inproc_call(struct inproc_req *r, unsigned int nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3);
/* Each of these starts a fresh area. */
long inproc_domctl(struct inproc_req *r, struct xg_domctl *op);
/* populate_physmap of n extents of 2^order for domid; the MFNs into mfns
 * (if not NULL).  Returns extents done or -errno. */
long inproc_populate(struct inproc_req *r, uint16_t domid, uint64_t n, unsigned int order, unsigned int flags,
		     uint64_t *mfns);
long inproc_mmuext1(struct inproc_req *r, uint16_t domid, unsigned int cmd, uint64_t mfn);
/* One MMU_NORMAL_PT_UPDATE of entry `slot` of the table at `table`, for
 * domid's tables and frames. */
long inproc_mmu_update1(struct inproc_req *r, uint16_t domid, uint64_t table, unsigned int slot, uint64_t val);

#endif
