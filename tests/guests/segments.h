/*
 * Loads of a 64-bit guest's own descriptors into its data segment
 * registers (xen/arch/x86/pv/segment_load.c), as Linux loads __USER_DS
 * (0x2b) when it starts a process.  Included by traps.c: uses its trap
 * table (#GP, #NP), expect(), seen and rdmsr64().
 */
#define SEL_FLAT_DATA 0x2bu     /* entry 5: flat data, DPL 3 (Linux's __USER_DS) */
#define SEL_BASED_DATA 0x33u    /* entry 6: data based at BASED_DATA_BASE */
#define SEL_NOT_PRESENT 0x3bu   /* entry 7: data, not present */
#define SEL_EXEC_ONLY 0x43u     /* entry 8: code that cannot be read */
#define SEL_READABLE_CODE 0x4bu /* entry 9: readable code */
#define SEL_BEYOND 0x53u        /* entry 10: past the 10 entries given */
#define BASED_DATA_BASE 0x12345000ull
#define MSR_FS_BASE 0xc0000100u
#define MSR_SHADOW_GS_BASE 0xc0000102u

static uint64_t seg_gdt[512] __attribute__((aligned(4096)));
static volatile uint32_t seg_sel;

/* load_ds() and the rest: `mov %eax, %ds` (2 bytes) of seg_sel;
 * read_ds() and the rest: the register's selector. */
#define SEGMENT_ACCESSORS(seg)                                                  \
	static __attribute__((unused)) void load_##seg(void)                    \
	{                                                                       \
		__asm__ volatile("mov %%eax, %%" #seg : : "a"(seg_sel));         \
	}                                                                       \
	static uint16_t read_##seg(void)                                        \
	{                                                                       \
		uint16_t s;                                                     \
		__asm__ volatile("mov %%" #seg ", %0" : "=r"(s));               \
		return s;                                                       \
	}
SEGMENT_ACCESSORS(ds)
SEGMENT_ACCESSORS(es)
SEGMENT_ACCESSORS(fs)
SEGMENT_ACCESSORS(gs)

/* A load that must go through without a fault (one that faults anyway is
 * stepped over, so the check fails rather than loops). */
static bool loads(void (*load)(void), uint32_t sel)
{
	unsigned int before = seen.count;
	seg_sel = sel;
	skip = 2;
	load();
	skip = 0;
	return seen.count == before;
}

/* A load that must fault with vector and error code (the `mov` is 2 bytes). */
static void load_faults(void (*load)(void), uint32_t sel, unsigned int vector, const char *what)
{
	seg_sel = sel;
	if (expect(vector, load, 2, what))
		guest_check(seen.error == (sel & 0xfffc), "%s: error code 0x%x (0x%lx)", what, sel & 0xfffc,
			    (unsigned long)seen.error);
}

static void test_segment_loads(start_info_t *si)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	seg_gdt[5] = 0x00cff2000000ffffull; /* flat data, DPL 3 */
	seg_gdt[6] = 0x12cff2345000ffffull; /* data at 0x12345000 */
	seg_gdt[7] = 0x00cf72000000ffffull; /* data, P clear */
	seg_gdt[8] = 0x0020f80000000000ull; /* 64-bit code, execute only */
	seg_gdt[9] = 0x0020fa0000000000ull; /* 64-bit code, readable */
	uint64_t mfn = p2m[((unsigned long)seg_gdt - GUEST_VIRT_BASE) >> 12];
	long rc = hypercall(__HYPERVISOR_update_va_mapping, (unsigned long)seg_gdt, mfn << 12 | 0x5 /* P, U */, 0,
			    UVMF_INVLPG, 0);
	unsigned long frames[1] = { mfn };
	if (!guest_check(rc == 0, "the GDT page mapped read-only: %ld", rc))
		return;
	rc = hypercall(__HYPERVISOR_set_gdt, (unsigned long)frames, 10, 0, 0, 0);
	if (!guest_check(rc == 0, "set_gdt of 10 entries: %ld", rc))
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
