/*
 * hello: greets, then checks what a PV guest is entitled to at boot: the
 * start_info page, the P2M list, its initial page tables, the boot stack
 * and xen_version.  With "hypercall-page" on its command line it makes
 * every hypercall through the hypercall page instead of `syscall`.  With
 * "module" it checks the module (ramdisk) the builder loaded: mapped right
 * after the kernel, mod_len whole pages, and holding the test pattern
 * byte[i] = (7 * i + (i >> 9)) & 0xff (tests/system/lifecycle.sh).
 */
#include "guest.h"
#include "public/features.h"

const char guest_name[] = "hello";

__asm__(XEN_NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, ".quad hypercall_page"));

#define VIRT_BASE 0xffffffff80000000ul


static void check_start_info(start_info_t *si)
{
	guest_check(!guest_strncmp(si->magic, "xen-3.0-x86_64", 14), "start_info magic is '%s'", si->magic);
	guest_check(si->nr_pages > 0, "nr_pages is 0");
	guest_check(si->shared_info && !(si->shared_info & 0xfff), "shared_info %lx is not a page address",
		    si->shared_info);
	guest_check(si->pt_base >= VIRT_BASE && !(si->pt_base & 0xfff), "pt_base %lx", si->pt_base);
	guest_check(si->mfn_list >= VIRT_BASE, "mfn_list %lx lies below the kernel", si->mfn_list);
	guest_check(si->nr_pt_frames >= 4, "only %lu page-table frames (a 64-bit guest needs 4 levels)",
		    si->nr_pt_frames);
	guest_check(si->store_mfn && si->console.domU.mfn && si->store_mfn != si->console.domU.mfn,
		    "xenstore (%lx) and console (%lx) frames", si->store_mfn, si->console.domU.mfn);
	if (!guest_strstr((const char *)si->cmd_line, "module"))
		guest_check(si->mod_start == 0 && si->mod_len == 0, "a module was given without asking");

	size_t len = 0;
	while (len < MAX_GUEST_CMDLINE && si->cmd_line[len])
		len++;
	guest_check(len < MAX_GUEST_CMDLINE, "cmd_line is not NUL-terminated");
	guest_printf("cmdline: %s\n", len < MAX_GUEST_CMDLINE ? (const char *)si->cmd_line : "(bad)");
}

static void check_module(start_info_t *si)
{
	guest_check(si->mod_start && si->mod_len, "no module was given (mod_start %lx, mod_len %lx)", si->mod_start,
		    si->mod_len);
	guest_check(!(si->flags & SIF_MOD_START_PFN), "mod_start is a pfn, but this kernel did not ask for that");
	guest_check(!(si->mod_start & 0xfff) && !(si->mod_len & 0xfff) && si->mod_start >= VIRT_BASE &&
			    si->mod_start + si->mod_len <= si->mfn_list,
		    "the module (%lx + %lx) is not page-aligned between the kernel and the P2M list", si->mod_start,
		    si->mod_len);
	if (guest_failed())
		return;
	const unsigned char *m = (const unsigned char *)si->mod_start;
	unsigned long i, bad = 0, zeros = 0;
	for (i = 0; i < si->mod_len && m[i] == (unsigned char)(7 * i + (i >> 9)); i++)
		;
	unsigned long pattern = i;
	for (; i < si->mod_len; i++)
		if (m[i])
			bad++;
		else
			zeros++;
	guest_check(pattern > 0 && bad == 0 && pattern + zeros == si->mod_len,
		    "the module holds %lu pattern bytes, then %lu bytes that are neither pattern nor padding", pattern,
		    bad);
	guest_printf("module: %lu bytes at %p (%lu pattern bytes, %lu zero padding)\n", si->mod_len,
		     (void *)si->mod_start, pattern, zeros);
}


static void check_page_tables(start_info_t *si)
{
	const uint64_t *l4 = (const uint64_t *)si->pt_base;
	uint64_t e = l4[(VIRT_BASE >> 39) & 511];
	guest_check(e & 1, "the L4 entry mapping the kernel is not present (%lx)", (unsigned long)e);
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	size_t pt_pfn = (si->pt_base - VIRT_BASE) >> 12;
	/* The builder places the first L3 right after the L4 (Xen's order). */
	guest_check(pt_pfn + 1 < si->nr_pages && p2m[pt_pfn + 1] == ((e & 0x000ffffffffff000ull) >> 12),
		    "the kernel's L4 entry does not point at the L3 that follows the L4");
	/* The stack is writable. */
	volatile char probe[64];
	for (int i = 0; i < 64; i++)
		probe[i] = (char)i;
	guest_check(probe[63] == 63, "the boot stack does not hold what was written");
}

static void check_version(void)
{
	long v = HYPERVISOR_xen_version(XENVER_version, 0);
	xen_extraversion_t extra;
	long rc = HYPERVISOR_xen_version(XENVER_extraversion, extra);
	guest_check(v >= (3 << 16), "xen_version returned %ld", v);
	guest_printf("Xen version: %ld.%ld%s\n", v >> 16, v & 0xffff, rc == 0 ? extra : "(?)");
	static xen_capabilities_info_t caps;
	rc = HYPERVISOR_xen_version(XENVER_capabilities, caps);
	guest_check(rc == 0 && guest_strstr(caps, "xen-3.0-x86_64"), "capabilities '%s' (rc %ld)", caps, rc);
	struct xen_feature_info fi = { .submap_idx = 0 };
	rc = HYPERVISOR_xen_version(XENVER_get_features, &fi);
	guest_check(rc == 0, "XENVER_get_features failed: %ld", rc);
	guest_check((fi.submap & (1u << XENFEAT_mmu_pt_update_preserve_ad | 1u << XENFEAT_direct_mapped)) ==
			    (1u << XENFEAT_mmu_pt_update_preserve_ad | 1u << XENFEAT_direct_mapped) &&
			    !(fi.submap & (1u << XENFEAT_pae_pgdir_above_4gb | 1u << XENFEAT_auto_translated_physmap)),
		    "features %#x: preserve-A/D updates and direct mapping, no L3 above 4 GiB before the assist",
		    fi.submap);
	fi.submap_idx = XENFEAT_NR_SUBMAPS;
	guest_check(HYPERVISOR_xen_version(XENVER_get_features, &fi) < 0, "a feature submap past the end was accepted");
	guest_check(HYPERVISOR_xen_version(XENVER_pagesize, 0) == 4096, "page size is not 4096");
	guest_check(HYPERVISOR_xen_version(12345, 0) == -38, "an unknown sub-op did not return -ENOSYS");
}

int guest_main(start_info_t *si)
{
	if (guest_strstr((const char *)si->cmd_line, "hypercall-page")) {
		guest_use_hypercall_page();
		guest_puts("using hypercall page\n");
	}
	guest_printf("Hello from XG guest %s!\n", guest_name);
	check_start_info(si);
	if (guest_strstr((const char *)si->cmd_line, "module"))
		check_module(si);
	guest_check_p2m(si);
	check_page_tables(si);
	check_version();
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
