/*
 * XG guest ABI: __HYPERVISOR_memory_op(cmd, arg) -- a domain's memory
 * reservation, the M2P table, physmap changes and memory maps.
 *
 * All of Xen's sub-op numbers are here; docs/hypercalls.md says which XG
 * implements.  The structures of the toolstack-only paging, access and
 * sharing sub-ops, and XENMEM_reserved_device_memory_map's (which needs
 * physdev.h), are not described.
 */
#ifndef XG_PUBLIC_MEMORY_H
#define XG_PUBLIC_MEMORY_H

#include "xen.h"

/* ---- reservations ----------------------------------------------------------------- */
#define XENMEM_increase_reservation 0 /* allocate extents (struct xen_memory_reservation) */
#define XENMEM_decrease_reservation 1 /* give extents back */
#define XENMEM_populate_physmap 6     /* allocate extents at given pfns */

/* xen_memory_reservation.mem_flags */
#define XENMEMF_address_bits(x) (x)               /* frames must lie below 2^x bytes */
#define XENMEMF_get_address_bits(x) ((x) & 0xffu) /* ... read back */
#define XENMEMF_node(x) (((x) + 1) << 8)          /* prefer NUMA node x */
#define XENMEMF_get_node(x) ((((x) >> 8) - 1) & 0xffu) /* ... read back */
#define XENMEMF_populate_on_demand (1 << 16)      /* populate-on-demand entries only */
#define XENMEMF_exact_node_request (1 << 17)      /* the node is a requirement */
#define XENMEMF_exact_node(n) (XENMEMF_node(n) | XENMEMF_exact_node_request)
#define XENMEMF_vnode (1 << 18)                   /* the node is a virtual node */

struct xen_memory_reservation {
	/* increase: OUT machine frames allocated; decrease: IN frames to free;
	 * populate_physmap: IN pfns to fill, OUT frames used (PV guests). */
	XEN_GUEST_HANDLE(xen_pfn_t) extent_start;
	xen_ulong_t nr_extents;    /* entries of extent_start */
	unsigned int extent_order; /* each extent is 2^order pages */
	unsigned int mem_flags;    /* XENMEMF_* */
	domid_t domid;             /* DOMID_SELF, or another domain (privileged) */
};
typedef struct xen_memory_reservation xen_memory_reservation_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_reservation_t);

/* Trade extents for others (e.g. below an address limit). */
#define XENMEM_exchange 11
struct xen_memory_exchange {
	struct xen_memory_reservation in;  /* IN: extents given up */
	struct xen_memory_reservation out; /* IN/OUT: extents wanted; OUT: their frames */
	xen_ulong_t nr_exchanged;          /* OUT: input extents done (the caller sets 0) */
};
typedef struct xen_memory_exchange xen_memory_exchange_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_exchange_t);

/* Return a number; arg is a domid_t (maximum_ram_page takes no arg). */
#define XENMEM_maximum_ram_page 2    /* highest machine frame of the host */
#define XENMEM_current_reservation 3 /* pages the domain has */
#define XENMEM_maximum_reservation 4 /* pages it may have */
#define XENMEM_maximum_gpfn 14       /* its highest pfn */
struct xen_memory_domain {
	domid_t domid; /* the domain asked about */
};

/* ---- the M2P table ------------------------------------------------------------------ */
/* The frames holding the M2P, one per 2 MiB of the table. */
#define XENMEM_machphys_mfn_list 5
struct xen_machphys_mfn_list {
	unsigned int max_extents;                 /* IN: room in extent_start */
	XEN_GUEST_HANDLE(xen_pfn_t) extent_start; /* OUT: frames (0 for holes) */
	unsigned int nr_extents;                  /* OUT: entries written */
};
typedef struct xen_machphys_mfn_list xen_machphys_mfn_list_t;
DEFINE_XEN_GUEST_HANDLE(xen_machphys_mfn_list_t);

/* The same for the M2P table of 32-bit guests. */
#define XENMEM_machphys_compat_mfn_list 25

/* Where the M2P is mapped in the caller. */
#define XENMEM_machphys_mapping 12
struct xen_machphys_mapping {
	xen_ulong_t v_start, v_end; /* virtual range of the table */
	xen_ulong_t max_mfn;        /* highest frame it covers */
};
typedef struct xen_machphys_mapping xen_machphys_mapping_t;
DEFINE_XEN_GUEST_HANDLE(xen_machphys_mapping_t);

/* ---- physmap changes ------------------------------------------------------------------ */
/* What to map: xen_add_to_physmap.space */
#define XENMAPSPACE_shared_info 0  /* the shared_info page */
#define XENMAPSPACE_grant_table 1  /* a grant-table frame */
#define XENMAPSPACE_gmfn 2         /* one of the domain's frames */
#define XENMAPSPACE_gmfn_range 3   /* several of them (add_to_physmap only) */
#define XENMAPSPACE_gmfn_foreign 4 /* another domain's frame (batch only) */
#define XENMAPSPACE_dev_mmio 5     /* device MMIO (Arm only) */

/* Map a page at a pfn (auto-translated guests). */
#define XENMEM_add_to_physmap 7
struct xen_add_to_physmap {
	domid_t domid;      /* the domain whose physmap changes */
	uint16_t size;      /* pages, for XENMAPSPACE_gmfn_range */
	unsigned int space; /* XENMAPSPACE_* */
#define XENMAPIDX_grant_table_status 0x80000000 /* idx flag: status frames */
	xen_ulong_t idx;    /* which page of the space */
	xen_pfn_t gpfn;     /* where it appears */
};
typedef struct xen_add_to_physmap xen_add_to_physmap_t;
DEFINE_XEN_GUEST_HANDLE(xen_add_to_physmap_t);

/* Several at once. */
#define XENMEM_add_to_physmap_batch 23
struct xen_add_to_physmap_batch {
	domid_t domid;  /* the domain whose physmap changes */
	uint16_t space; /* XENMAPSPACE_* */
	uint16_t size;  /* entries in the lists */
	union xen_add_to_physmap_batch_extra {
		domid_t foreign_domid; /* XENMAPSPACE_gmfn_foreign: the owner */
		uint16_t res0;         /* other spaces: zero */
	} u;
	XEN_GUEST_HANDLE(xen_ulong_t) idxs; /* IN: pages of the space */
	XEN_GUEST_HANDLE(xen_pfn_t) gpfns;  /* IN: where they appear */
	XEN_GUEST_HANDLE(int) errs;         /* OUT: one error code each */
};
typedef struct xen_add_to_physmap_batch xen_add_to_physmap_batch_t;
DEFINE_XEN_GUEST_HANDLE(xen_add_to_physmap_batch_t);

/* Unmap what is at a pfn. */
#define XENMEM_remove_from_physmap 15
struct xen_remove_from_physmap {
	domid_t domid;  /* the domain whose physmap changes */
	xen_pfn_t gpfn; /* the pfn */
};
typedef struct xen_remove_from_physmap xen_remove_from_physmap_t;
DEFINE_XEN_GUEST_HANDLE(xen_remove_from_physmap_t);

/* ---- memory maps ------------------------------------------------------------------------- */
/* E820-format maps (struct e820entry, arch-x86/e820.h). */
#define XENMEM_memory_map 9          /* the caller's pseudo-physical map */
#define XENMEM_machine_memory_map 10 /* the host's machine map (privileged) */
struct xen_memory_map {
	unsigned int nr_entries;       /* IN: room in buffer; OUT: entries written */
	XEN_GUEST_HANDLE(void) buffer; /* struct e820entry[] */
};
typedef struct xen_memory_map xen_memory_map_t;
DEFINE_XEN_GUEST_HANDLE(xen_memory_map_t);

/* Set a domain's pseudo-physical map (toolstack). */
#define XENMEM_set_memory_map 13
struct xen_foreign_memory_map {
	domid_t domid;
	struct xen_memory_map map;
};
typedef struct xen_foreign_memory_map xen_foreign_memory_map_t;
DEFINE_XEN_GUEST_HANDLE(xen_foreign_memory_map_t);

/* ---- populate on demand ---------------------------------------------------------------- */
#define XENMEM_set_pod_target 16
#define XENMEM_get_pod_target 17
struct xen_pod_target {
	uint64_t target_pages;    /* IN: the target */
	uint64_t tot_pages;       /* OUT */
	uint64_t pod_cache_pages; /* OUT */
	uint64_t pod_entries;     /* OUT */
	domid_t domid;            /* IN */
};
typedef struct xen_pod_target xen_pod_target_t;

/* ---- toolstack sub-ops: numbers only ------------------------------------------------------ */
#define XENMEM_get_sharing_freed_pages 18
#define XENMEM_get_sharing_shared_pages 19

#define XENMEM_paging_op 20
#define XENMEM_paging_op_nominate 0
#define XENMEM_paging_op_evict 1
#define XENMEM_paging_op_prep 2

#define XENMEM_access_op 21
#define XENMEM_access_op_set_access 0
#define XENMEM_access_op_get_access 1
#define XENMEM_access_op_set_access_multi 4
/* Page access rights of a mem_access listener. */
typedef enum {
	XENMEM_access_n,       /* none */
	XENMEM_access_r,       /* read */
	XENMEM_access_w,       /* write */
	XENMEM_access_rw,      /* read, write */
	XENMEM_access_x,       /* execute */
	XENMEM_access_rx,      /* read, execute */
	XENMEM_access_wx,      /* write, execute */
	XENMEM_access_rwx,     /* all */
	XENMEM_access_rx2rw,   /* rx, becomes rw on the first write */
	XENMEM_access_n2rwx,   /* none, becomes rwx on access (logged, no pause) */
	XENMEM_access_default  /* the domain's default */
} xenmem_access_t;

#define XENMEM_sharing_op 22
#define XENMEM_sharing_op_nominate_gfn 0
#define XENMEM_sharing_op_nominate_gref 1
#define XENMEM_sharing_op_share 2
#define XENMEM_sharing_op_debug_gfn 3
#define XENMEM_sharing_op_debug_mfn 4
#define XENMEM_sharing_op_debug_gref 5
#define XENMEM_sharing_op_add_physmap 6
#define XENMEM_sharing_op_audit 7
#define XENMEM_sharing_op_range_share 8
#define XENMEM_sharing_op_fork 9
#define XENMEM_sharing_op_fork_reset 10
#define XENMEM_SHARING_OP_S_HANDLE_INVALID (-10) /* bad source handle */
#define XENMEM_SHARING_OP_C_HANDLE_INVALID (-9)  /* bad client handle */
/* A sharing-op gfn field that holds a grant reference instead. */
#define XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG (xen_mk_ullong(1) << 62)
#define XENMEM_SHARING_OP_FIELD_MAKE_GREF(field, val)                                              \
	(field) = (XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG | (val))
#define XENMEM_SHARING_OP_FIELD_IS_GREF(field) ((field) & XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG)
#define XENMEM_SHARING_OP_FIELD_GET_GREF(field) ((field) & (~XENMEM_SHARING_OP_FIELD_IS_GREF_FLAG))
/* Flags of a fork. */
#define XENMEM_FORK_WITH_IOMMU_ALLOWED (1u << 0)
#define XENMEM_FORK_BLOCK_INTERRUPTS (1u << 1)
#define XENMEM_FORK_RESET_STATE (1u << 2)
#define XENMEM_FORK_RESET_MEMORY (1u << 3)

/* Stake a claim on free memory for a domain about to be built. */
#define XENMEM_claim_pages 24

/* Regions reserved for devices (RMRRs). */
#define XENMEM_reserved_device_memory_map 27
struct xen_reserved_device_memory {
	xen_pfn_t start_pfn;  /* first frame */
	xen_ulong_t nr_pages; /* length */
};
typedef struct xen_reserved_device_memory xen_reserved_device_memory_t;
DEFINE_XEN_GUEST_HANDLE(xen_reserved_device_memory_t);
#define XENMEM_RDM_ALL 1 /* flag: all regions, not only one device's */

/* ---- resources -------------------------------------------------------------------------- */
/* Map frames of a domain's resource (ioreq server, grant table ...). */
#define XENMEM_acquire_resource 28
struct xen_mem_acquire_resource {
	domid_t domid; /* IN: the domain owning the resource */
	uint16_t type; /* IN: XENMEM_resource_* */
#define XENMEM_resource_ioreq_server 0
#define XENMEM_resource_grant_table 1
#define XENMEM_resource_vmtrace_buf 2
	uint32_t id;   /* IN: which one of that type (0 unless said otherwise) */
#define XENMEM_resource_grant_table_id_shared 0
#define XENMEM_resource_grant_table_id_status 1
	/* IN/OUT: frames to map; with frame_list NULL and 0 here, OUT is the
	 * size of the resource. */
	uint32_t nr_frames;
	uint32_t pad;   /* zero */
	uint64_t frame; /* IN: first frame of the resource */
#define XENMEM_resource_ioreq_server_frame_bufioreq 0
#define XENMEM_resource_ioreq_server_frame_ioreq(n) (1 + (n))
	/* PV caller: OUT the machine frames; HVM caller: IN the gfns where
	 * they are to appear. */
	XEN_GUEST_HANDLE(xen_pfn_t) frame_list;
};
typedef struct xen_mem_acquire_resource xen_mem_acquire_resource_t;
DEFINE_XEN_GUEST_HANDLE(xen_mem_acquire_resource_t);

/* ---- virtual NUMA ----------------------------------------------------------------------- */
#define XENMEM_get_vnumainfo 26
/* One memory range of a virtual node. */
struct xen_vmemrange {
	uint64_t start, end;
	unsigned int flags;
	unsigned int nid; /* its virtual node */
};
typedef struct xen_vmemrange xen_vmemrange_t;
DEFINE_XEN_GUEST_HANDLE(xen_vmemrange_t);

/* A domain's virtual NUMA topology. */
struct xen_vnuma_topology_info {
	domid_t domid; /* IN */
	uint16_t pad;
	unsigned int nr_vnodes;     /* IN: room; OUT: count */
	unsigned int nr_vcpus;      /* IN: room; OUT: count */
	unsigned int nr_vmemranges; /* IN: room; OUT: count */
	union {
		XEN_GUEST_HANDLE(uint) h; /* OUT: nr_vnodes^2 distances */
		uint64_t pad;
	} vdistance;
	union {
		XEN_GUEST_HANDLE(uint) h; /* OUT: node of each vCPU */
		uint64_t pad;
	} vcpu_to_vnode;
	union {
		XEN_GUEST_HANDLE(xen_vmemrange_t) h; /* OUT: the ranges */
		uint64_t pad;
	} vmemrange;
};
typedef struct xen_vnuma_topology_info xen_vnuma_topology_info_t;
DEFINE_XEN_GUEST_HANDLE(xen_vnuma_topology_info_t);

/* The E820 entry layout the memory-map sub-ops use. */
#include "arch-x86/e820.h"

/* ---- layout checks ------------------------------------------------------------------------ */
XG_ABI_SIZE(struct xen_memory_reservation, 32, 20)
XG_ABI_OFFSET(struct xen_memory_reservation, nr_extents, 8, 4)
XG_ABI_OFFSET(struct xen_memory_reservation, extent_order, 16, 8)
XG_ABI_OFFSET(struct xen_memory_reservation, mem_flags, 20, 12)
XG_ABI_OFFSET(struct xen_memory_reservation, domid, 24, 16)
XG_ABI_SIZE(struct xen_memory_exchange, 72, 44)
XG_ABI_OFFSET(struct xen_memory_exchange, out, 32, 20)
XG_ABI_OFFSET(struct xen_memory_exchange, nr_exchanged, 64, 40)
XG_ABI_SIZE(struct xen_memory_domain, 2, 2)
XG_ABI_SIZE(struct xen_machphys_mfn_list, 24, 12)
XG_ABI_OFFSET(struct xen_machphys_mfn_list, extent_start, 8, 4)
XG_ABI_OFFSET(struct xen_machphys_mfn_list, nr_extents, 16, 8)
XG_ABI_SIZE(struct xen_machphys_mapping, 24, 12)
XG_ABI_SIZE(struct xen_add_to_physmap, 24, 16)
XG_ABI_OFFSET(struct xen_add_to_physmap, space, 4, 4)
XG_ABI_OFFSET(struct xen_add_to_physmap, idx, 8, 8)
XG_ABI_OFFSET(struct xen_add_to_physmap, gpfn, 16, 12)
XG_ABI_SIZE(struct xen_add_to_physmap_batch, 32, 20)
XG_ABI_OFFSET(struct xen_add_to_physmap_batch, idxs, 8, 8)
XG_ABI_OFFSET(struct xen_add_to_physmap_batch, errs, 24, 16)
XG_ABI_SIZE(struct xen_remove_from_physmap, 16, 8)
XG_ABI_SIZE(struct xen_memory_map, 16, 8)
XG_ABI_OFFSET(struct xen_memory_map, buffer, 8, 4)
XG_ABI_SIZE(struct xen_foreign_memory_map, 24, 12)
XG_ABI_SIZE(struct xen_pod_target, 40, 36)
XG_ABI_SIZE(struct xen_reserved_device_memory, 16, 8)
XG_ABI_SIZE(struct xen_mem_acquire_resource, 32, 28)
XG_ABI_OFFSET(struct xen_mem_acquire_resource, frame, 16, 16)
XG_ABI_OFFSET(struct xen_mem_acquire_resource, frame_list, 24, 24)
XG_ABI_SIZE(struct xen_vmemrange, 24, 24)
XG_ABI_SIZE(struct xen_vnuma_topology_info, 40, 40)
XG_ABI_OFFSET(struct xen_vnuma_topology_info, vdistance, 16, 16)
XG_ABI_OFFSET(struct xen_vnuma_topology_info, vmemrange, 32, 32)

#endif
