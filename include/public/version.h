/* HYPERVISOR_xen_version: which hypervisor a guest runs on. */
#ifndef XG_PUBLIC_VERSION_H
#define XG_PUBLIC_VERSION_H

#include "xen.h"

/* Returns (major << 16) | minor. */
#define XENVER_version 0

#define XENVER_extraversion 1
typedef char xen_extraversion_t[16];
#define XEN_EXTRAVERSION_LEN (sizeof(xen_extraversion_t))

#define XENVER_compile_info 2
struct xen_compile_info {
	char compiler[64];
	char compile_by[16];
	char compile_domain[32];
	char compile_date[32];
};
typedef struct xen_compile_info xen_compile_info_t;

/* Space-separated guest types the hypervisor runs, e.g. "xen-3.0-x86_64". */
#define XENVER_capabilities 3
typedef char xen_capabilities_info_t[1024];
#define XEN_CAPABILITIES_INFO_LEN (sizeof(xen_capabilities_info_t))

#define XENVER_changeset 4
typedef char xen_changeset_info_t[64];
#define XEN_CHANGESET_INFO_LEN (sizeof(xen_changeset_info_t))

/* Where the hypervisor's reserved range starts in the guest's view. */
#define XENVER_platform_parameters 5
struct xen_platform_parameters {
	xen_ulong_t virt_start;
};
typedef struct xen_platform_parameters xen_platform_parameters_t;

/* One 32-bit word of the XENFEAT_* bitmap (features.h). */
#define XENVER_get_features 6
struct xen_feature_info {
	unsigned int submap_idx; /* IN: which word */
	uint32_t submap;         /* OUT: its bits */
};
typedef struct xen_feature_info xen_feature_info_t;

/* Returns the page size in bytes. */
#define XENVER_pagesize 7

/* Copies the domain's handle (xen_domain_handle_t, its UUID). */
#define XENVER_guest_handle 8

#define XENVER_commandline 9
typedef char xen_commandline_t[1024];

/* The hypervisor's build id (buffer of the given length). */
#define XENVER_build_id 10
struct xen_build_id {
	uint32_t len;          /* IN: size of buf */
	unsigned char buf[];   /* OUT: the id */
};
typedef struct xen_build_id xen_build_id_t;

#endif
