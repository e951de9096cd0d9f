/*
 * HYPERVISOR_memory_op: a domain's memory reservation and the machine's
 * memory map.  Sub-op numbers are all Xen's; docs/hypercalls.md says which
 * XG implements.
 */
#ifndef XG_PUBLIC_MEMORY_H
#define XG_PUBLIC_MEMORY_H

#include "xen.h"

#define XENMEM_increase_reservation 0 /* struct xen_memory_reservation */
#define XENMEM_decrease_reservation 1
#define XENMEM_populate_physmap 6

/* mem_flags of a reservation. */
#define XENMEMF_address_bits(x) (x)               /* frames below 2^x bytes */
#define XENMEMF_get_address_bits(x) ((x) & 0xffu)
#define XENMEMF_node(x) (((x) + 1) << 8)          /* NUMA node hint */
#define XENMEMF_get_node(x) ((((x) >> 8) - 1) & 0xffu)
#define XENMEMF_populate_on_demand (1 << 16)
#define XENMEMF_exact_node_request (1 << 17)
#define XENMEMF_exact_node(n) (XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode (1 << 18)

struct xen_memory_reservation {
	/* IN: pfns (populate_physmap) or frames (decrease); OUT for PV guests:
	 * the machine frames given. */
	XEN_GUEST_HANDLE(xen_pfn_t) extent_start;
	xen_ulong_t nr_extents;    /* extents in the list */
	unsigned int extent_order; /* each extent is 2^order pages */
	unsigned int mem_flags;    /* XENMEMF_* */
	domid_t domid;             /* DOMID_SELF, or a domain (privileged) */
};
typedef struct xen_memory_reservation xen_memory_reservation_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_reservation_t);

#define XENMEM_exchange 11
struct xen_memory_exchange {
	struct xen_memory_reservation in;  /* frames given up */
	struct xen_memory_reservation out; /* frames wanted instead */
	xen_ulong_t nr_exchanged;          /* OUT: input extents exchanged */
};
typedef struct xen_memory_exchange xen_memory_exchange_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_exchange_t);

/* Return a number; the argument is a domid_t (the first needs none). */
#define XENMEM_maximum_ram_page 2
#define XENMEM_current_reservation 3
#define XENMEM_maximum_reservation 4
#define XENMEM_maximum_gpfn 14

/* The machine frames holding the M2P table, as seen by the guest. */
#define XENMEM_machphys_mfn_list 5
#define XENMEM_machphys_compat_mfn_list 25
struct xen_machphys_mfn_list {
	unsigned int max_extents;            /* IN: room in extent_start */
	XEN_GUEST_HANDLE(xen_pfn_t) extent_start; /* OUT: one frame per 2 MiB */
	unsigned int nr_extents;             /* OUT */
};
typedef struct xen_machphys_mfn_list xen_machphys_mfn_list_t;
DEFINE_XEN_GUEST_HANDLE(xen_machphys_mfn_list_t);

/* Where the M2P table is mapped in the guest. */
#define XENMEM_machphys_mapping 12
struct xen_machphys_mapping {
	xen_ulong_t v_start, v_end; /* virtual range */
	xen_ulong_t max_mfn;        /* its highest entry */
};
typedef struct xen_machphys_mapping xen_machphys_mapping_t;
DEFINE_XEN_GUEST_HANDLE(xen_machphys_mapping_t);

#define XENMEM_add_to_physmap 7
#define XENMEM_add_to_physmap_batch 23
#define XENMEM_remove_from_physmap 15

/* E820-style maps: of the domain's pseudo-physical space, of the machine. */
#define XENMEM_memory_map 9
#define XENMEM_machine_memory_map 10
#define XENMEM_set_memory_map 13
struct xen_memory_map {
	unsigned int nr_entries; /* IN: room in buffer; OUT: entries written */
	XEN_GUEST_HANDLE(void) buffer; /* struct e820entry[] */
};
typedef struct xen_memory_map xen_memory_map_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_map_t);

/* One entry of a memory map, in the BIOS E820 layout (packed, 20 bytes). */
struct e820entry {
	uint64_t addr;
	uint64_t size;
	uint32_t type; /* E820_RAM, E820_RESERVED, ... */
} __attribute__((packed));
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_ACPI 3
#define E820_NVS 4
#define E820_UNUSABLE 5

#define XENMEM_set_pod_target 16
#define XENMEM_get_pod_target 17
#define XENMEM_get_sharing_freed_pages 18
#define XENMEM_get_sharing_shared_pages 19
#define XENMEM_paging_op 20
#define XENMEM_access_op 21
#define XENMEM_sharing_op 22
#define XENMEM_claim_pages 24
#define XENMEM_get_vnumainfo 26
#define XENMEM_reserved_device_memory_map 27
#define XENMEM_acquire_resource 28

#endif
