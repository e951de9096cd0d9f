/* HYPERVISOR_xen_version: what hypervisor the guest runs on. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/features.h"
#include "public/version.h"

#ifndef XG_VERSION
#define XG_VERSION "0.0"
#endif

/* Xen's capability strings for the guest types XG runs. */
#define XG_CAPABILITIES "xen-3.0-x86_64 xen-3.0-x86_32p"

static const char *hypervisor_cmdline = "";

void version_set_cmdline(const char *cmdline)
{
	hypervisor_cmdline = cmdline;
}

static long copy_string(struct hcall_ctx *ctx, uint64_t dst, size_t size, const char *s)
{
	char buf[XEN_CAPABILITIES_INFO_LEN];
	if (size > sizeof(buf))
		size = sizeof(buf);
	memset(buf, 0, size);
	snprintf(buf, size, "%s", s);
	return copy_to_guest(ctx, dst, buf, size) ? -EFAULT : 0;
}

long do_xen_version(struct hcall_ctx *ctx, const uint64_t a[5])
{
	unsigned int cmd = (unsigned int)a[0];
	uint64_t arg = a[1];

	switch (cmd) {
	case XENVER_version:
		return (XG_XEN_MAJOR << 16) | XG_XEN_MINOR;
	case XENVER_extraversion:
		return copy_string(ctx, arg, sizeof(xen_extraversion_t), XG_XEN_EXTRA);
	case XENVER_compile_info: {
		struct xen_compile_info info;
		memset(&info, 0, sizeof(info));
		snprintf(info.compiler, sizeof(info.compiler), "gcc %s", __VERSION__);
		snprintf(info.compile_by, sizeof(info.compile_by), "xg");
		snprintf(info.compile_domain, sizeof(info.compile_domain), "xg");
		snprintf(info.compile_date, sizeof(info.compile_date), "%s", __DATE__);
		return copy_to_guest(ctx, arg, &info, sizeof(info)) ? -EFAULT : 0;
	}
	case XENVER_capabilities:
		return copy_string(ctx, arg, sizeof(xen_capabilities_info_t), XG_CAPABILITIES);
	case XENVER_changeset:
		return copy_string(ctx, arg, sizeof(xen_changeset_info_t), "xg " XG_VERSION);
	case XENVER_platform_parameters:
		/* Where the hypervisor's part of the caller's address space starts. */
		if (ctx->compat)
			return copy_long_to_guest(ctx, arg, 0, PV32_HV_START) ? -EFAULT : 0;
		return copy_long_to_guest(ctx, arg, 0, PV64_RESERVED_START) ? -EFAULT : 0;
	case XENVER_get_features: {
		struct xen_feature_info fi;
		if (copy_from_guest(ctx, &fi, arg, sizeof(fi)))
			return -EFAULT;
		/* The features Xen offers a PV domain that XG implements; the
		 * others (time areas by physical address, vNUMA)
		 * arrive with the code behind them.  gnttab_map_avail_bits
		 * says how grant mappings treat a PTE's available bits; Xen
		 * offers it to every PV domain and Linux refuses to boot
		 * without it.  Grant operations themselves are -ENOSYS until
		 * grant tables exist, so nothing contradicts it. */
		if (fi.submap_idx >= XENFEAT_NR_SUBMAPS)
			return -EINVAL;
		fi.submap = 0;
		if (fi.submap_idx == 0) {
			fi.submap = 1u << XENFEAT_mmu_pt_update_preserve_ad | 1u << XENFEAT_highmem_assist |
				    1u << XENFEAT_gnttab_map_avail_bits | 1u << XENFEAT_direct_mapped |
				    1u << XENFEAT_runstate_phys_area;
			if (ctx->caller->vm_assist & (1ul << VMASST_TYPE_pae_extended_cr3))
				fi.submap |= 1u << XENFEAT_pae_pgdir_above_4gb;
		}
		return copy_to_guest(ctx, arg, &fi, sizeof(fi)) ? -EFAULT : 0;
	}
	case XENVER_pagesize:
		return 4096;
	case XENVER_guest_handle:
		return copy_to_guest(ctx, arg, ctx->caller->uuid, sizeof(xen_domain_handle_t)) ? -EFAULT : 0;
	case XENVER_commandline:
		if (!ctx->caller->is_privileged)
			return -EPERM;
		return copy_string(ctx, arg, sizeof(xen_commandline_t), hypervisor_cmdline);
	case XENVER_build_id:
		if (!ctx->caller->is_privileged)
			return -EPERM;
		return -ENODATA;
	default:
		return -ENOSYS;
	}
}
