/*
 * Loads of a 64-bit guest's own descriptors into its data segment
 * registers (xen/arch/x86/pv/segment_load.c), as Linux loads __USER_DS
 * (0x2b) when it starts a process, and irets to its own code and stack
 * selectors (as Linux returns to user mode on __USER_CS/__USER_DS, and to
 * 32-bit processes on __USER32_CS).  Included by traps.c: uses its trap
 * table (#GP, #NP, #SS), expect(), seen, iret_fix and rdmsr64().
 */
#define SEL_FLAT_DATA 0x2bu     /* entry 5: flat data, DPL 3 (Linux's __USER_DS) */
#define SEL_BASED_DATA 0x33u    /* entry 6: data based at BASED_DATA_BASE */
#define SEL_NOT_PRESENT 0x3bu   /* entry 7: data, not present */
#define SEL_EXEC_ONLY 0x43u     /* entry 8: code that cannot be read */
#define SEL_READABLE_CODE 0x4bu /* entry 9: readable code */
#define SEL_CODE32 0x53u        /* entry 10: flat 32-bit code (Linux's __USER32_CS) */
#define SEL_CODE_ABSENT 0x5bu   /* entry 11: 64-bit code, not present */
#define SEL_CODE16 0x63u        /* entry 12: 16-bit code */
#define SEL_BEYOND 0x6bu        /* entry 13: past the 13 entries given */
#define SEG_GDT_ENTRIES 13
#define BASED_DATA_BASE 0x12345000ull
#define MSR_FS_BASE 0xc0000100u
#define MSR_SHADOW_GS_BASE 0xc0000102u

#include "segment_loads.h"

static uint64_t seg_gdt[512] __attribute__((aligned(4096)));

/* `mov seg_sel(%rip), %fs` and `lfs seg_far(%rip), %eax` (the offset into
 * seg_got). */
static volatile struct __attribute__((packed)) {
	uint32_t offset;
	uint16_t sel;
} seg_far;
static volatile uint32_t seg_got;
__asm__(".text\nload_fs_from_memory: mov seg_sel(%rip), %fs\nret\n"
	"load_far_fs: lfs seg_far(%rip), %eax\nmov %eax, seg_got(%rip)\nret\n");
void load_fs_from_memory(void), load_far_fs(void);

static void test_segment_loads(start_info_t *si)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	seg_gdt[5] = 0x00cff2000000ffffull; /* flat data, DPL 3 */
	seg_gdt[6] = 0x12cff2345000ffffull; /* data at 0x12345000 */
	seg_gdt[7] = 0x00cf72000000ffffull; /* data, P clear */
	seg_gdt[8] = 0x0020f80000000000ull; /* 64-bit code, execute only */
	seg_gdt[9] = 0x0020fa0000000000ull; /* 64-bit code, readable */
	seg_gdt[10] = 0x00cffa000000ffffull; /* flat 32-bit code */
	seg_gdt[11] = 0x0020780000000000ull; /* 64-bit code, P clear */
	seg_gdt[12] = 0x00009a000000ffffull; /* 16-bit code */
	uint64_t mfn = p2m[((unsigned long)seg_gdt - GUEST_VIRT_BASE) >> 12];
	long rc = hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)seg_gdt, mfn << 12 | 0x5 /* P, U */, 0,
			    UVMF_INVLPG, 0);
	unsigned long frames[1] = { mfn };
	if (!guest_check(rc == 0, "the GDT page mapped read-only: %ld", rc))
		return;
	rc = hypercall(__HYPERVISOR_set_gdt, (unsigned long)frames, SEG_GDT_ENTRIES, 0, 0, 0);
	if (!guest_check(rc == 0, "set_gdt of %u entries: %ld", SEG_GDT_ENTRIES, rc))
		return;

	guest_check(loads(load_ds, SEL_FLAT_DATA) && read_ds() == SEL_FLAT_DATA,
		    "a GDT data selector loads into DS and reads back (0x%x)", read_ds());
	guest_check(loads(load_es, SEL_FLAT_DATA) && read_es() == SEL_FLAT_DATA,
		    "and into ES (0x%x)", read_es());
	HYPERVISOR_xen_version(0, 0);
	guest_check(read_ds() == SEL_FLAT_DATA && read_es() == SEL_FLAT_DATA,
		    "DS and ES keep it across a hypercall (0x%x 0x%x)", read_ds(), read_es());
	guest_check(loads(load_fs, SEL_BASED_DATA) && read_fs() == SEL_BASED_DATA &&
			    rdmsr64(MSR_FS_BASE) == BASED_DATA_BASE,
		    "loading FS gives it the descriptor's base (0x%x, 0x%llx)", read_fs(),
		    (unsigned long long)rdmsr64(MSR_FS_BASE));
	__asm__ volatile("wrmsr" : : "c"(MSR_FS_BASE), "a"(0), "d"(0));
	seg_sel = SEL_BASED_DATA;
	unsigned int before = seen.count;
	load_fs_from_memory();
	guest_check(seen.count == before && read_fs() == SEL_BASED_DATA &&
			    rdmsr64(MSR_FS_BASE) == BASED_DATA_BASE,
		    "a load from memory (mov m16, %%fs) too (0x%x, 0x%llx)", read_fs(),
		    (unsigned long long)rdmsr64(MSR_FS_BASE));
	seg_far.offset = 0x1234;
	seg_far.sel = SEL_FLAT_DATA;
	load_far_fs();
	guest_check(seen.count == before && read_fs() == SEL_FLAT_DATA && seg_got == 0x1234 &&
			    rdmsr64(MSR_FS_BASE) == 0,
		    "lfs loads FS and the offset (0x%x, 0x%x)", read_fs(), seg_got);
	guest_check(loads(load_ds, SEL_READABLE_CODE) && read_ds() == SEL_READABLE_CODE,
		    "readable code loads into DS (0x%x)", read_ds());
	load_faults(load_es, SEL_NOT_PRESENT, 11, "a descriptor that is not present: #NP");
	load_faults(load_es, SEL_EXEC_ONLY, 13, "execute-only code: #GP");
	load_faults(load_ds, SEL_BEYOND, 13, "a selector past the GDT's entries: #GP");
	load_faults(load_ds, 0xe03b, 13, "Xen's ring-0 code selector into DS: #GP");
	guest_check(read_es() == SEL_FLAT_DATA && read_ds() == SEL_READABLE_CODE,
		    "a refused load changes nothing (0x%x 0x%x)", read_es(), read_ds());
	guest_check(loads(load_ds, 0xe033) && read_ds() == 0xe033,
		    "Xen's flat 64-bit code selector, readable, loads into DS as on Xen (0x%x)", read_ds());
	guest_check(loads(load_ds, 0) && loads(load_es, 0) && loads(load_fs, 0) && read_ds() == 0 &&
			    read_es() == 0 && read_fs() == 0,
		    "null selectors load (0x%x 0x%x 0x%x)", read_ds(), read_es(), read_fs());
	HYPERVISOR_xen_version(0, 0);
	guest_check(read_ds() == 0 && read_es() == 0 && read_fs() == 0,
		    "and stay null across a hypercall (0x%x 0x%x 0x%x)", read_ds(), read_es(), read_fs());
	__asm__ volatile("wrmsr" : : "c"(MSR_FS_BASE), "a"(0), "d"(0));

	/* The user's GS through set_segment_base, as Linux's load_gs_index. */
	uint64_t user_gs_base = rdmsr64(MSR_SHADOW_GS_BASE);
	rc = hypercall(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL, SEL_BASED_DATA, 0, 0, 0);
	guest_check(rc == 0 && read_gs() == SEL_BASED_DATA && rdmsr64(MSR_SHADOW_GS_BASE) == BASED_DATA_BASE,
		    "SEGBASE_GS_USER_SEL loads a descriptor of the GDT with its base (%ld, 0x%x, 0x%llx)", rc,
		    read_gs(), (unsigned long long)rdmsr64(MSR_SHADOW_GS_BASE));
	rc = hypercall(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER_SEL, SEL_EXEC_ONLY, 0, 0, 0);
	guest_check(rc == 0 && read_gs() == 0 && rdmsr64(MSR_SHADOW_GS_BASE) == 0,
		    "one that cannot be loaded leaves GS null, as Xen (%ld, 0x%x)", rc, read_gs());
	rc = hypercall(__HYPERVISOR_set_segment_base, SEGBASE_GS_USER, user_gs_base, 0, 0, 0);
	guest_check(rc == 0, "the user's GS base set back: %ld", rc);
}

/* iret_here(cs, ss, rflags): the iret hypercall to the instruction after
 * it, in kernel mode (cs with RPL 0) on the same stack, with cs and ss as
 * given.  A fault at the target comes back to that instruction too, once
 * trap_c has put Xen's flat selectors into the frame (iret_fix). */
__asm__(".text\niret_here:\nmov %rsp, %rax\npush %rsi\npush %rax\npush %rdx\npush %rdi\n"
	"lea 1f(%rip), %rcx\npush %rcx\npush $0\npush %rcx\npush %r11\npush $0\nmov $23, %eax\nsyscall\n"
	"1: ret\n");
void iret_here(uint64_t cs, uint64_t ss, uint64_t rflags);

static uint64_t flags_now(void)
{
	return vcpu0->evtchn_upcall_mask ? 0x2 : 0x202;
}

/* An iret to cs:ss that must fault with vector and error at its target. */
static void iret_faults(uint16_t cs, uint16_t ss, unsigned int vector, uint16_t error, const char *what)
{
	unsigned int before = seen.count;
	iret_fix = 1;
	iret_here(cs & ~3u, ss, flags_now()); /* RPL 0: to kernel mode */
	iret_fix = 0;
	guest_check(seen.count == before + 1 && seen.vector == vector && seen.error == error &&
			    (uint16_t)seen.cs == (cs & ~3u) && seen.ss == (ss | 3u),
		    "%s: vector %u error 0x%x with cs 0x%x ss 0x%x in the frame (%u, 0x%lx, 0x%lx 0x%lx)", what, vector,
		    error, cs & ~3u, ss | 3u, seen.vector, (unsigned long)seen.error, (unsigned long)seen.cs,
		    (unsigned long)seen.ss);
}

static void test_iret_segments(void)
{
	unsigned int before = seen.count;
	iret_here(SEL_READABLE_CODE & ~3u, FLAT_KERNEL_SS, flags_now());
	guest_check(seen.count == before, "iret to a 64-bit code segment of the GDT");
	expect(6, ud_insn, 2, "ud2 on it");
	guest_check((uint16_t)seen.cs == (SEL_READABLE_CODE & ~3u), "the frame shows that selector (0x%lx)",
		    (unsigned long)seen.cs);
	iret_here(SEL_EXEC_ONLY & ~3u, SEL_FLAT_DATA, flags_now());
	guest_check(seen.count == before + 1, "execute-only code and a stack segment of the GDT");
	expect(6, ud_insn, 2, "ud2 on them");
	guest_check((uint16_t)seen.cs == (SEL_EXEC_ONLY & ~3u) && seen.ss == SEL_FLAT_DATA,
		    "the frame shows both (0x%lx 0x%lx)", (unsigned long)seen.cs, (unsigned long)seen.ss);
	iret_here(FLAT_KERNEL_CS & ~3u, FLAT_KERNEL_SS, flags_now());
	expect(6, ud_insn, 2, "ud2 back on Xen's selectors");
	guest_check((uint16_t)seen.cs == (FLAT_KERNEL_CS & ~3u) && seen.ss == FLAT_KERNEL_SS,
		    "the frame shows Xen's flat selectors again (0x%lx 0x%lx)", (unsigned long)seen.cs,
		    (unsigned long)seen.ss);

	iret_faults(SEL_FLAT_DATA, FLAT_KERNEL_SS, 13, SEL_FLAT_DATA & ~3u, "iret to a data segment: #GP");
	iret_faults(SEL_CODE_ABSENT, FLAT_KERNEL_SS, 11, SEL_CODE_ABSENT & ~3u, "iret to code that is not present: #NP");
	iret_faults(SEL_BEYOND, FLAT_KERNEL_SS, 13, SEL_BEYOND & ~3u, "iret past the GDT: #GP");
	iret_faults(0xe008, FLAT_KERNEL_SS, 13, 0xe008, "iret to Xen's own code selector: #GP");
	iret_faults(FLAT_KERNEL_CS, SEL_READABLE_CODE, 13, SEL_READABLE_CODE & ~3u, "iret with code as its stack: #GP");
	iret_faults(FLAT_KERNEL_CS, SEL_NOT_PRESENT, 12, SEL_NOT_PRESENT & ~3u,
		    "iret to a stack segment that is not present: #SS");
	iret_faults(FLAT_KERNEL_CS, 0, 13, 0, "iret with a null stack segment: #GP(0)");
}
