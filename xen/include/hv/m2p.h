/*
 * The machine-to-physical table: for every machine frame, the guest frame
 * number its owner gave it (a PV guest's P2M is its own business; the M2P
 * is the hypervisor's).  It lives in machine frames the hypervisor owns,
 * so it can be mapped read-only into PV guests at the ABI's address.
 * Entries are set by populate_physmap and MMU_MACHPHYS_UPDATE and become
 * M2P_INVALID when a frame is freed.  Entries are atomics; no lock.
 */
#ifndef HV_M2P_H
#define HV_M2P_H

#include <stdbool.h>
#include <stdint.h>

#define M2P_INVALID UINT64_MAX

/* Allocate the table (before any domain exists) / give it back. */
int m2p_init(void);
void m2p_fini(void);

void m2p_set(uint64_t mfn, uint64_t gpfn);
uint64_t m2p_get(uint64_t mfn);

#endif
