/*
 * The machine-to-physical table: for every machine frame, the guest frame
 * number its owner gave it (a PV guest's P2M is its own business; the M2P
 * is the hypervisor's).  It lives in machine frames the hypervisor owns,
 * so it can be mapped read-only into PV guests at the ABI's address.
 * Entries are set by populate_physmap and MMU_MACHPHYS_UPDATE and become
 * M2P_INVALID when a frame is freed.  Entries are atomics; no lock.
 *
 * Every 64-bit PV guest sees the table read-only at MACH2PHYS_VIRT_START
 * (L4 slot 256) through tables built once here and shared by all guests;
 * they too live in hypervisor frames, so no guest can name or change them.
 */
#ifndef HV_M2P_H
#define HV_M2P_H

#include <stdbool.h>
#include <stdint.h>

#include "hv/pv_layout.h"

#define M2P_INVALID UINT64_MAX

/* Allocate the table (before any domain exists) / give it back. */
int m2p_init(void);
void m2p_fini(void);

void m2p_set(uint64_t mfn, uint64_t gpfn);
uint64_t m2p_get(uint64_t mfn);

/* The frames a VM must reach to read the table through its mapping (the
 * table and the tables mapping it); false before m2p_init(). */
bool m2p_frames(uint64_t *first, uint64_t *count);
/* The L4 entry for slot 256 that maps the table read-only; 0 if none. */
uint64_t m2p_l4_entry(void);
/* Frame i of the table itself (MFN_INVALID past its end), and its size in
 * bytes (whole pages; entries past the last machine frame are invalid). */
uint64_t m2p_table_mfn(uint64_t i);
uint64_t m2p_table_size(void);

/*
 * The compat M2P: 32-bit entries for 32-bit PV guests, read-only at
 * PV32_M2P_START (0xF5800000) through the L2 slots of the hypervisor's part
 * of each guest's slot-3 L2 (hv/pv.h).  Entry i of those slots from the
 * first, 0 past the table; kept by m2p_set() and every free.
 */
uint64_t m2p_compat_l2_entry(unsigned int i);
/* Machine frames the compat table covers: a 32-bit guest's frames must lie
 * below this, or it could not look them up. */
uint64_t m2p_compat_limit(void);
/* Frame i of the compat table itself (MFN_INVALID past its end). */
uint64_t m2p_compat_table_mfn(uint64_t i);

#endif
