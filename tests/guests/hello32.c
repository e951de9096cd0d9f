/*
 * hello32: the hello guest for 32-bit PAE PV (pv32pae).  Greets, then
 * checks what a 32-bit PV guest is entitled to at boot: the compat
 * start_info page, the P2M list of 32-bit entries, its initial PAE page
 * tables (one L3; the L2 for L3 slot 3; page tables mapped read-only),
 * its L3 below 4 GiB unless it declared extended-CR3 support, the boot
 * stack and xen_version.  Built from the same framework as the 64-bit
 * guests with -m32; hypercalls are `int $0x82`.  With "hypercall-page" on
 * its command line it makes every hypercall through the hypercall page.
 */
#include "guest.h"
#include "public/features.h"

const char guest_name[] = "hello32";

#ifndef GUEST_XEN_GUEST_SECTION /* there: HYPERCALL_PAGE in the __xen_guest string */
__asm__(XEN_NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, ".long hypercall_page"));
#endif

#define VIRT_BASE ((unsigned long)GUEST_VIRT_BASE)
#define PTE_PRESENT 1ull
#define PTE_RW 2ull
#define PTE_MFN(e) ((xen_pfn_t)(((e) & 0x000ffffffffff000ull) >> 12))


static void check_start_info(start_info_t *si)
{
	guest_check(!guest_strncmp(si->magic, "xen-3.0-x86_32p", 16), "start_info magic is '%s'", si->magic);
	guest_check(si->nr_pages > 0, "nr_pages is 0");
	guest_check(si->shared_info && !(si->shared_info & 0xfff), "shared_info %lx is not a page address",
		    si->shared_info);
	guest_check(si->pt_base >= VIRT_BASE && !(si->pt_base & 0xfff), "pt_base %lx", si->pt_base);
	guest_check(si->mfn_list >= VIRT_BASE, "mfn_list %lx lies below the kernel", si->mfn_list);
	guest_check(si->nr_pt_frames >= 3, "only %lu page-table frames (PAE needs an L3, an L2 and an L1)",
		    si->nr_pt_frames);
	guest_check(si->store_mfn && si->console.domU.mfn && si->store_mfn != si->console.domU.mfn,
		    "xenstore (%lx) and console (%lx) frames", si->store_mfn, si->console.domU.mfn);
	guest_check(si->mod_start == 0 && si->mod_len == 0, "a module was given without asking");

	size_t len = 0;
	while (len < MAX_GUEST_CMDLINE && si->cmd_line[len])
		len++;
	guest_check(len < MAX_GUEST_CMDLINE, "cmd_line is not NUL-terminated");
	guest_printf("cmdline: %s\n", len < MAX_GUEST_CMDLINE ? (const char *)si->cmd_line : "(bad)");
}


/* The builder's order: the L3, then the L2 (one: the kernel lives in
 * slot 3), then the L1s. */
static void check_page_tables(start_info_t *si)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	size_t l3_pfn = (si->pt_base - VIRT_BASE) >> 12;
	const uint64_t *l3 = (const uint64_t *)si->pt_base;
	uint64_t e3 = l3[(VIRT_BASE >> 30) & 3];
	guest_check((e3 & PTE_PRESENT) && PTE_MFN(e3) == p2m[l3_pfn + 1],
		    "L3 slot 3 does not point at the L2 that follows the L3 (%llx)", (unsigned long long)e3);
	const uint64_t *l2 = (const uint64_t *)(si->pt_base + 4096);
	uint64_t e2 = l2[(VIRT_BASE >> 21) & 511];
	guest_check((e2 & PTE_PRESENT) && PTE_MFN(e2) == p2m[l3_pfn + 2],
		    "the kernel's L2 entry does not point at the first L1 (%llx)", (unsigned long long)e2);
	const uint64_t *l1 = (const uint64_t *)(si->pt_base + 2 * 4096);
	uint64_t pt = l1[(si->pt_base >> 12) & 511];
	guest_check((pt & PTE_PRESENT) && !(pt & PTE_RW) && PTE_MFN(pt) == p2m[l3_pfn],
		    "the L3's own mapping is not read-only (%llx)", (unsigned long long)pt);

	xen_pfn_t l3_mfn = p2m[l3_pfn];
	unsigned long high = 0;
	for (unsigned long pfn = 0; pfn < si->nr_pages; pfn++)
		high += p2m[pfn] >= 0x100000;
	guest_printf("frames above 4 GiB: %lu of %lu\n", high, si->nr_pages);
#ifdef GUEST_XEN_GUEST_SECTION
	guest_check(l3_mfn < 0x100000, "the L3 (mfn %lx) lies above 4 GiB without extended-CR3 support",
		    (unsigned long)l3_mfn);
	guest_printf("L3 at mfn %lx, below 4 GiB\n", (unsigned long)l3_mfn);
#else
	guest_printf("L3 at mfn %lx (%s 4 GiB; extended CR3 allowed)\n", (unsigned long)l3_mfn,
		     l3_mfn < 0x100000 ? "below" : "above");
#endif
	volatile char probe[64];
	for (int i = 0; i < 64; i++)
		probe[i] = (char)i;
	guest_check(probe[63] == 63, "the boot stack does not hold what was written");
}

static void check_version(void)
{
	long v = HYPERVISOR_xen_version(XENVER_version, 0);
	guest_check(v >= (3 << 16), "xen_version returned %ld", v);
	guest_printf("Xen version: %ld.%ld\n", v >> 16, v & 0xffff);
	static xen_capabilities_info_t caps;
	long rc = HYPERVISOR_xen_version(XENVER_capabilities, caps);
	guest_check(rc == 0 && guest_strstr(caps, "xen-3.0-x86_32p"), "capabilities '%s' (rc %ld)", caps, rc);
	guest_check(HYPERVISOR_xen_version(XENVER_pagesize, 0) == 4096, "page size is not 4096");
	struct xen_feature_info fi = { .submap_idx = 0 };
	rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
#ifdef GUEST_XEN_GUEST_SECTION
	bool above_4g = false; /* plain PAE: the builder set no assist */
#else
	bool above_4g = true; /* PAE_MODE "yes": the builder enabled extended CR3 */
#endif
	guest_check(rc == 0 && !!(fi.submap & (1u << XENFEAT_pae_pgdir_above_4gb)) == above_4g,
		    "XENFEAT_pae_pgdir_above_4gb is %s (features %#x)", above_4g ? "offered" : "not offered",
		    fi.submap);
}

int guest_main(start_info_t *si)
{
	if (guest_strstr((const char *)si->cmd_line, "hypercall-page")) {
		guest_use_hypercall_page();
		guest_puts("using hypercall page\n");
	}
	guest_printf("Hello from XG guest %s!\n", guest_name);
	check_start_info(si);
	guest_check_p2m(si);
	check_page_tables(si);
	check_version();
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
