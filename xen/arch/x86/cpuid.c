/*
 * CPUID as PV guests see it: the host's leaves with what a PV guest cannot
 * use hidden, and Xen's leaves at 0x40000000 so guests recognise Xen.
 */
#include <cpuid.h>
#include <string.h>

#include "hv/hypervisor.h"
#include "hv/pv.h"

#define XEN_CPUID_BASE 0x40000000u
#define XEN_CPUID_LAST (XEN_CPUID_BASE + 2)

/* Leaf 1 ECX/EDX bits hidden from PV guests. */
#define L1_ECX_MONITOR (1u << 3)
#define L1_ECX_VMX (1u << 5)
#define L1_ECX_SMX (1u << 6)
#define L1_ECX_X2APIC (1u << 21)
#define L1_ECX_TSC_DEADLINE (1u << 24)
#define L1_ECX_OSXSAVE (1u << 27)
#define L1_ECX_HYPERVISOR (1u << 31)
#define L1_EDX_APIC (1u << 9)
#define L1_EDX_MTRR (1u << 12)
#define L1_EDX_PSE36 (1u << 17)
#define L1_EDX_ACPI (1u << 22)
#define L1_EDX_PSE (1u << 3)
#define L1_EDX_DS (1u << 21)
#define L1_ECX_PCID (1u << 17)
/* Leaf 7 (subleaf 0): features whose CR4 bit a PV guest does not control
 * here (Xen's PV policy hides SMEP, SMAP, PCID, INVPCID and PKU too; XG
 * also lacks FSGSBASE, see pv_fixup_guest_cr4). */
#define L7_EBX_FSGSBASE (1u << 0)
#define L7_EBX_SMEP (1u << 7)
#define L7_EBX_INVPCID (1u << 10)
#define L7_EBX_SMAP (1u << 20)
#define L7_ECX_UMIP (1u << 2)
#define L7_ECX_PKU (1u << 3)
#define L7_ECX_OSPKE (1u << 4)
#define E1_ECX_SVM (1u << 2)
#define E1_EDX_PAGE1GB (1u << 26)

static void xen_leaf(uint32_t leaf, uint32_t out[4])
{
	switch (leaf - XEN_CPUID_BASE) {
	case 0:
		out[0] = XEN_CPUID_LAST;
		memcpy(&out[1], "XenV", 4);
		memcpy(&out[2], "MMXe", 4);
		memcpy(&out[3], "nVMM", 4);
		break;
	case 1:
		out[0] = (XG_XEN_MAJOR << 16) | XG_XEN_MINOR;
		break;
	case 2:
		out[0] = 1;           /* hypercall pages */
		out[1] = 0x40000000u; /* MSR to ask for one */
		break;
	}
}

void pv_cpuid(struct domain *d, uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	(void)d;
	memset(out, 0, 4 * sizeof(uint32_t));
	if (leaf >= XEN_CPUID_BASE && leaf <= XEN_CPUID_LAST) {
		xen_leaf(leaf, out);
		return;
	}
	if (leaf >= XEN_CPUID_BASE && leaf < 0x80000000u)
		return;
	__cpuid_count(leaf, subleaf, out[0], out[1], out[2], out[3]);
	switch (leaf) {
	case 1:
		out[2] &= ~(L1_ECX_MONITOR | L1_ECX_VMX | L1_ECX_SMX | L1_ECX_PCID | L1_ECX_X2APIC |
			    L1_ECX_TSC_DEADLINE | L1_ECX_OSXSAVE);
		out[2] |= L1_ECX_HYPERVISOR;
		out[3] &= ~(L1_EDX_APIC | L1_EDX_MTRR | L1_EDX_PSE36 | L1_EDX_ACPI | L1_EDX_PSE | L1_EDX_DS);
		/* Each guest sees one logical processor per package for now. */
		out[1] &= 0x0000ffffu;
		break;
	case 0x7:
		if (subleaf == 0) {
			out[1] &= ~(L7_EBX_FSGSBASE | L7_EBX_SMEP | L7_EBX_INVPCID | L7_EBX_SMAP);
			out[2] &= ~(L7_ECX_UMIP | L7_ECX_PKU | L7_ECX_OSPKE);
		}
		break;
	case 0x80000001:
		out[2] &= ~E1_ECX_SVM;
		out[3] &= ~E1_EDX_PAGE1GB;
		break;
	case 0x6: /* power management */
	case 0xa: /* performance monitoring */
		memset(out, 0, 4 * sizeof(uint32_t));
		break;
	}
	if (hv->backend && hv->backend->cpuid_filter)
		hv->backend->cpuid_filter(leaf, subleaf, out);
}
