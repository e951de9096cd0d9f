/*
 * XG guest ABI: __HYPERVISOR_xen_version(cmd, arg) -- which hypervisor,
 * with which features.
 */
#ifndef XG_PUBLIC_VERSION_H
#define XG_PUBLIC_VERSION_H

#include "xen.h"

/* Returns (major << 16) | minor; arg is NULL. */
#define XENVER_version 0

/* Copies the extra version string ("-xg", ".0"...). */
#define XENVER_extraversion 1
typedef char xen_extraversion_t[16];
#define XEN_EXTRAVERSION_LEN (sizeof(xen_extraversion_t))

/* Copies how the hypervisor was built. */
#define XENVER_compile_info 2
struct xen_compile_info {
	char compiler[64];       /* compiler and version */
	char compile_by[16];     /* user */
	char compile_domain[32]; /* host domain */
	char compile_date[32];   /* date */
};
typedef struct xen_compile_info xen_compile_info_t;

/* Copies the space-separated guest types the hypervisor runs, such as
 * "xen-3.0-x86_64 xen-3.0-x86_32p". */
#define XENVER_capabilities 3
typedef char xen_capabilities_info_t[1024];
#define XEN_CAPABILITIES_INFO_LEN (sizeof(xen_capabilities_info_t))

/* Copies the source revision. */
#define XENVER_changeset 4
typedef char xen_changeset_info_t[64];
#define XEN_CHANGESET_INFO_LEN (sizeof(xen_changeset_info_t))

/* Where the hypervisor's reserved range starts, as the caller sees it. */
#define XENVER_platform_parameters 5
struct xen_platform_parameters {
	xen_ulong_t virt_start;
};
typedef struct xen_platform_parameters xen_platform_parameters_t;

/* One 32-bit word of the XENFEAT_* bitmap. */
#define XENVER_get_features 6
struct xen_feature_info {
	unsigned int submap_idx; /* IN: which word (< XENFEAT_NR_SUBMAPS) */
	uint32_t submap;         /* OUT: its bits */
};
typedef struct xen_feature_info xen_feature_info_t;

/* The feature numbers come with this call. */
#include "features.h"

/* Returns the page size in bytes; arg is NULL. */
#define XENVER_pagesize 7

/* Copies the caller's xen_domain_handle_t. */
#define XENVER_guest_handle 8

/* Copies the hypervisor's command line (privileged). */
#define XENVER_commandline 9
typedef char xen_commandline_t[1024];

/* Copies the hypervisor's build id (privileged); returns its length. */
#define XENVER_build_id 10
struct xen_build_id {
	uint32_t len;                          /* IN: bytes available in buf */
	unsigned char buf[XEN_FLEX_ARRAY_DIM]; /* OUT: the id */
};
typedef struct xen_build_id xen_build_id_t;

XG_ABI_SIZE(struct xen_compile_info, 144, 144)
XG_ABI_OFFSET(struct xen_compile_info, compile_date, 112, 112)
XG_ABI_SIZE(struct xen_platform_parameters, 8, 4)
XG_ABI_SIZE(struct xen_feature_info, 8, 8)
XG_ABI_SIZE(struct xen_build_id, 4, 4)
XG_ABI_OFFSET(struct xen_build_id, buf, 4, 4)
XG_ABI_SIZE(xen_commandline_t, 1024, 1024)

#endif
