/*
 * hello: greets, then checks what a PV guest is entitled to at boot: the
 * start_info page, the P2M list, its initial page tables, the boot stack
 * and xen_version.  With "hypercall-page" on its command line it makes
 * every hypercall through the hypercall page instead of `syscall`.  With
 * "module" it checks the module (ramdisk) the builder loaded: mapped right
 * after the kernel, mod_len whole pages, and holding the test pattern
 * byte[i] = (7 * i + (i >> 9)) & 0xff (tests/system/lifecycle.sh).
 * hello-p2m is the build with an INIT_P2M note: its P2M list must be at
 * that address, outside the initial mapping, with start_info naming its
 * frames.  Both check every P2M entry against the M2P and the entries of
 * the initial L1 tables.  With "shutdown=reboot", "shutdown=watchdog" or
 * "shutdown=crash" it ends with that SCHEDOP_shutdown reason instead of
 * poweroff (restart.sh).
 */
#include "guest.h"
#include "public/features.h"
#include "public/memory.h"

const char guest_name[] = "hello";

__asm__(XEN_NOTE(XEN_ELFNOTE_HYPERCALL_PAGE, ".quad hypercall_page"));
#ifdef GUEST_INIT_P2M /* hello-p2m: asks for its P2M list there, as Linux does */
__asm__(XEN_NOTE(XEN_ELFNOTE_INIT_P2M, ".quad " GUEST_XSTR(GUEST_INIT_P2M)));
#endif

#define VIRT_BASE 0xffffffff80000000ul


static void check_start_info(start_info_t *si)
{
	guest_check(!guest_strncmp(si->magic, "xen-3.0-x86_64", 14), "start_info magic is '%s'", si->magic);
	guest_check(si->nr_pages > 0, "nr_pages is 0");
	guest_check(si->shared_info && !(si->shared_info & 0xfff), "shared_info %lx is not a page address",
		    si->shared_info);
	guest_check(si->pt_base >= VIRT_BASE && !(si->pt_base & 0xfff), "pt_base %lx", si->pt_base);
#ifdef GUEST_INIT_P2M
	/* As Xen's builder: the list at the note's address, its frames (the
	 * list, then the tables mapping it) after the initial mapping. */
	unsigned long list_pages = (si->nr_pages * 8 + 4095) / 4096;
	unsigned long mapped_end = (si->pt_base - VIRT_BASE) / 4096 + si->nr_pt_frames + 1; /* + boot stack */
	guest_check(si->mfn_list == GUEST_INIT_P2M, "mfn_list %lx is not the INIT_P2M address %lx", si->mfn_list,
		    (unsigned long)GUEST_INIT_P2M);
	guest_check(si->first_p2m_pfn >= mapped_end && si->nr_p2m_frames > list_pages &&
			    si->first_p2m_pfn + si->nr_p2m_frames <= si->nr_pages,
		    "first_p2m_pfn %lx, nr_p2m_frames %lx: not the list (%lx pages) and its tables after the initial "
		    "mapping",
		    si->first_p2m_pfn, si->nr_p2m_frames, list_pages);
	guest_printf("P2M list at %p: pfns %lx + %lx (list and its page tables)\n", (void *)si->mfn_list,
		     si->first_p2m_pfn, si->nr_p2m_frames);
#else
	guest_check(si->mfn_list >= VIRT_BASE, "mfn_list %lx lies below the kernel", si->mfn_list);
	guest_check(si->first_p2m_pfn == 0 && si->nr_p2m_frames == 0,
		    "first_p2m_pfn %lx, nr_p2m_frames %lx: Xen names them only for an INIT_P2M list", si->first_p2m_pfn,
		    si->nr_p2m_frames);
#endif
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
	/* Every P2M entry names the frame the M2P maps back to its pfn, and
	 * the pages of the initial mapping are those the L1 entries (after
	 * the L4, one L3 and one L2) name. */
	struct xen_machphys_mapping map;
	long rc = hypercall(__HYPERVISOR_memory_op, XENMEM_machphys_mapping, (unsigned long)&map, 0, 0, 0);
	unsigned long wrong = 0;
	const volatile unsigned long *m2p = (const volatile unsigned long *)map.v_start;
	for (unsigned long pfn = 0; rc == 0 && pfn < si->nr_pages; pfn++)
		wrong += m2p[p2m[pfn]] != pfn;
	guest_check(rc == 0 && wrong == 0, "%lu of %lu P2M entries disagree with the M2P (rc %ld)", wrong,
		    si->nr_pages, rc);
	const uint64_t *l1 = (const uint64_t *)(si->pt_base + 3 * 4096);
	unsigned long nr_mapped = (si->nr_pt_frames - 3) * 512;
	wrong = 0;
	for (unsigned long pfn = 0; pfn < nr_mapped; pfn++)
		wrong += ((l1[pfn] & 0x000ffffffffff000ull) >> 12) != p2m[pfn];
	guest_check(si->nr_pt_frames > 3 && wrong == 0, "%lu of %lu L1 entries disagree with the P2M list", wrong,
		    nr_mapped);
	guest_printf("P2M list: %lu entries agree with the M2P and the %lu initial L1 entries\n", si->nr_pages,
		     nr_mapped);
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
	if (guest_strstr((const char *)si->cmd_line, "shutdown=reboot"))
		guest_exit_reason = SHUTDOWN_reboot;
	else if (guest_strstr((const char *)si->cmd_line, "shutdown=watchdog"))
		guest_exit_reason = SHUTDOWN_watchdog;
	else if (guest_strstr((const char *)si->cmd_line, "shutdown=crash"))
		guest_exit_reason = SHUTDOWN_crash;
	check_start_info(si);
	if (guest_strstr((const char *)si->cmd_line, "module"))
		check_module(si);
	guest_check_p2m(si);
	check_page_tables(si);
	check_version();
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
