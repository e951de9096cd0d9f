/*
 * hostile: what a guest may try with the hypercalls it has, each of which
 * must fail with Xen's error and change nothing; plus a console write long
 * enough that the hypervisor has to continue it.
 */
#include "guest.h"
#include "public/memory.h"
#include "public/xg_control.h"

const char guest_name[] = "hostile";

#define EPERM 1
#define ESRCH 3
#define EFAULT 14
#define EINVAL 22
#define ENOSYS 38

static char big[20000];

static long memory_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_memory_op, cmd, (unsigned long)arg, 0, 0, 0);
}

int guest_main(start_info_t *si)
{
	long rc;
	rc = HYPERVISOR_console_io(CONSOLEIO_write, 100, (const char *)0xffffc90000000000ul);
	guest_check(rc == -EFAULT, "console_io from an unmapped buffer: %ld", rc);
	rc = HYPERVISOR_console_io(CONSOLEIO_write, 16, (const char *)0xffff830000000000ul);
	guest_check(rc == -EFAULT, "console_io from the hypervisor's range: %ld", rc);
	rc = HYPERVISOR_console_io(CONSOLEIO_write, -5, "x");
	guest_check(rc == -EINVAL, "console_io with a negative count: %ld", rc);
	rc = HYPERVISOR_console_io(99, 1, "x");
	guest_check(rc == -ENOSYS, "an unknown console_io command: %ld", rc);

	struct sched_shutdown bad = { .reason = 99 };
	rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, &bad);
	guest_check(rc == -EINVAL, "shutdown with reason 99: %ld", rc);
	rc = HYPERVISOR_sched_op(SCHEDOP_shutdown, (void *)0xffffc90000000000ul);
	guest_check(rc == -EFAULT, "shutdown with an unmapped argument: %ld", rc);
	rc = HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	guest_check(rc == 0, "yield: %ld", rc);

	rc = hypercall(200, 0, 0, 0, 0, 0);
	guest_check(rc == -ENOSYS, "hypercall 200: %ld", rc);
	rc = hypercall(__HYPERVISOR_xenoprof_op, 0, 0, 0, 0, 0);
	guest_check(rc == -ENOSYS, "a hypercall XG refuses by design (xenoprof) is -ENOSYS: %ld", rc);
	static struct trap_info bad_traps[2] = { { .vector = 3, .flags = 3, .address = 0x8000000000000000ul } };
	rc = hypercall(__HYPERVISOR_set_trap_table, (unsigned long)bad_traps, 0, 0, 0, 0);
	guest_check(rc == -EINVAL, "a trap handler at a non-canonical address: %ld", rc);
	bad_traps[0].address = 0xffff800000001000ul;
	rc = hypercall(__HYPERVISOR_set_trap_table, (unsigned long)bad_traps, 0, 0, 0, 0);
	guest_check(rc == -EINVAL, "a trap handler in the hypervisor's range: %ld", rc);
	rc = hypercall(__HYPERVISOR_set_segment_base, SEGBASE_FS, 0x8000000000000000ul, 0, 0, 0);
	guest_check(rc == -EINVAL, "a non-canonical FS base: %ld", rc);
	struct xg_domctl dc = { .cmd = XG_DOMCTL_destroydomain, .interface_version = XG_DOMCTL_INTERFACE_VERSION };
	rc = hypercall(__HYPERVISOR_domctl, (unsigned long)&dc, 0, 0, 0, 0);
	guest_check(rc == -EPERM, "domctl from a guest: %ld", rc);
	rc = hypercall(__HYPERVISOR_sysctl, (unsigned long)&dc, 0, 0, 0, 0);
	guest_check(rc == -EPERM, "sysctl from a guest: %ld", rc);
	static xen_commandline_t cmdline;
	rc = HYPERVISOR_xen_version(XENVER_commandline, cmdline);
	guest_check(rc == -EPERM, "reading the hypervisor's command line: %ld", rc);

	/* VM assists: Xen's mask for 64-bit PV guests, nothing else. */
	rc = hypercall(__HYPERVISOR_vm_assist, VMASST_CMD_enable, 6, 0, 0, 0);
	guest_check(rc == -EINVAL, "an assist type outside Xen's mask (6): %ld", rc);
	rc = hypercall(__HYPERVISOR_vm_assist, VMASST_CMD_enable, VMASST_TYPE_pae_extended_cr3, 0, 0, 0);
	guest_check(rc == 0, "extended CR3 is accepted (no effect for 64-bit guests): %ld", rc);
	rc = hypercall(__HYPERVISOR_vm_assist, VMASST_CMD_enable, 64, 0, 0, 0);
	guest_check(rc == -EINVAL, "an assist number past the word: %ld", rc);
	rc = hypercall(__HYPERVISOR_vm_assist, 7, VMASST_TYPE_pae_extended_cr3, 0, 0, 0);
	guest_check(rc == -ENOSYS, "an unknown vm_assist command: %ld", rc);

	/* Memory: nothing beyond the domain's limit, nothing for others. */
	xen_pfn_t pfn = 0x100000;
	struct xen_memory_reservation r = { .nr_extents = 1, .extent_order = 0, .domid = DOMID_SELF };
	set_xen_guest_handle(r.extent_start, &pfn);
	rc = memory_op(XENMEM_populate_physmap, &r);
	guest_check(rc == 0, "populating beyond the limit gives nothing: %ld", rc);
	r.domid = 0;
	rc = memory_op(XENMEM_populate_physmap, &r);
	guest_check(rc == -EPERM, "populating another domain: %ld", rc);
	r.domid = DOMID_SELF;
	r.extent_order = 10;
	rc = memory_op(XENMEM_populate_physmap, &r);
	guest_check(rc == -EPERM, "an extent larger than a guest may ask for: %ld", rc);
	static struct e820entry map[8];
	struct xen_memory_map mm = { .nr_entries = 8 };
	set_xen_guest_handle(mm.buffer, map);
	rc = memory_op(XENMEM_machine_memory_map, &mm);
	guest_check(rc == -EPERM, "reading the machine's memory map: %ld", rc);
	rc = memory_op(XENMEM_maximum_ram_page, 0);
	guest_check(rc > 0x100, "maximum_ram_page: %ld", rc);
	domid_t self = DOMID_SELF;
	rc = memory_op(XENMEM_current_reservation, &self);
	guest_check(rc == (long)si->nr_pages, "current_reservation is nr_pages: %ld", rc);

	/* Page tables: its own L4 is in use; foreign and bogus frames. */
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	struct mmuext_op op = { .cmd = MMUEXT_PIN_L4_TABLE };
	op.arg1.mfn = p2m[(si->pt_base - 0xffffffff80000000ul) >> 12];
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == -EINVAL, "pinning its L4 again: %ld", rc);
	op.arg1.mfn = p2m[0]; /* a kernel page, not a table; mapped writable */
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc < 0, "pinning a writable kernel page as an L4: %ld", rc);
	op.arg1.mfn = 0x10;
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == -EINVAL, "pinning a frame it does not own: %ld", rc);
	/* Pinning a table already in use at its level is fine, and undone. */
	const uint64_t *l4 = (const uint64_t *)si->pt_base;
	uint64_t l3 = (l4[511] & 0x000ffffffffff000ull) >> 12;
	op.cmd = MMUEXT_PIN_L3_TABLE;
	op.arg1.mfn = l3;
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == 0, "pinning its own L3: %ld", rc);
	op.cmd = MMUEXT_PIN_L2_TABLE;
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc < 0, "pinning its L3 as an L2: %ld", rc);
	op.cmd = MMUEXT_UNPIN_TABLE;
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == 0, "unpinning it: %ld", rc);
	/* Base pointers: the current L4 again works; a data page does not. */
	op.cmd = MMUEXT_NEW_BASEPTR;
	op.arg1.mfn = p2m[(si->pt_base - 0xffffffff80000000ul) >> 12];
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == 0, "switching to its own L4: %ld", rc);
	op.arg1.mfn = p2m[0];
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc < 0, "switching to a data page as page tables: %ld", rc);
	op.cmd = MMUEXT_TLB_FLUSH_ALL;
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == 0, "a TLB flush: %ld", rc);
	op.cmd = 14; /* a hole in Xen's numbering */
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == -ENOSYS, "an unknown mmuext command: %ld", rc);
	op.cmd = MMUEXT_UNPIN_TABLE;
	op.arg1.mfn = p2m[1];
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, DOMID_SELF, 0);
	guest_check(rc == -EINVAL, "unpinning what is not pinned: %ld", rc);
	rc = hypercall(__HYPERVISOR_mmuext_op, (unsigned long)&op, 1, 0, 0, 0);
	guest_check(rc == -EPERM, "an mmuext_op on another domain: %ld", rc);

	/* A console write long enough to be continued. */
	for (unsigned int i = 0; i < sizeof(big); i++)
		big[i] = (char)('a' + i % 26);
	for (unsigned int i = 99; i < sizeof(big); i += 100)
		big[i] = '\n';
	guest_puts("long write begins\n");
	rc = HYPERVISOR_console_io(CONSOLEIO_write, sizeof(big), big);
	guest_check(rc == 0, "a 20000-byte console write: %ld", rc);
	guest_puts("\nlong write ends\n");
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
