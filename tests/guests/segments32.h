/*
 * A 32-bit kernel's own data segments in DS, ES, FS and GS
 * (xen/arch/x86/pv/segment_load.c), used with their bases, limits and
 * rights, as 32-bit Linux keeps its per-CPU area in FS.  Included by
 * traps32.c: its GDT (own_gdt) gets these entries, and the tests use its
 * trap table (#GP, #NP), expect(), seen and skip.
 */
#define SEG32_BASED 0x21u       /* entry 4: data based SEG32_OFFSET below based_area, 0x200 bytes, DPL 1 */
#define SEG32_READ_ONLY 0x29u   /* entry 5: flat read-only data, DPL 1 */
#define SEG32_EXPAND_DOWN 0x31u /* entry 6: expand-down data, offsets above 0xfff, based 0x1000 below based_area */
#define SEG32_ABSENT 0x39u      /* entry 7: data, not present */
#define SEG32_USER_DATA 0x43u   /* entry 8: flat data, DPL 3 (Linux's __USER_DS) */
#define SEG32_EXEC_ONLY 0x49u   /* entry 9: code that cannot be read */
/* Entries 10-12: farcalls32.h's call gates. */
#define SEG32_BEYOND 0x69u      /* entry 13: past the entries given */
#define SEG32_GDT_ENTRIES 13
#define SEG32_OFFSET 0x100u

#include "segment_loads.h"

static volatile uint32_t based_area[64] __attribute__((aligned(256)));
volatile uint32_t seg32_off, seg32_val, seg32_got;

static uint64_t seg32_descriptor(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffffull) | (uint64_t)(base & 0xffffff) << 16 | (uint64_t)access << 40 |
	       (uint64_t)((limit >> 16) & 0xf) << 48 | (uint64_t)flags << 52 | (uint64_t)(base >> 24) << 56;
}

/* Access bytes: present, DPL, code/data, type (accessed set). */
static void seg32_fill_gdt(uint64_t *gdt)
{
	uint32_t area = (uint32_t)based_area;
	gdt[4] = seg32_descriptor(area - SEG32_OFFSET, 0x1ff, 0xb3, 0x4);
	gdt[5] = seg32_descriptor(0, 0xfffff, 0xb1, 0xc);
	gdt[6] = seg32_descriptor(area - 0x1000, 0xfff, 0xb7, 0x4);
	gdt[7] = seg32_descriptor(0, 0xfffff, 0x33, 0xc);
	gdt[8] = seg32_descriptor(0, 0xfffff, 0xf3, 0xc);
	gdt[9] = seg32_descriptor(0, 0xfffff, 0xb9, 0xc);
}


/* A far pointer for lfs and lds: offset, selector. */
volatile struct __attribute__((packed)) {
	uint32_t offset;
	uint16_t sel;
} seg32_far;
__asm__(".text\nseg32_load_fs_from_memory: mov seg_sel, %fs\nret\n"
	"seg32_lfs: lfs seg32_far, %eax\nmov %eax, seg32_got\nret\n"
	/* lds, then the offset stored through the DS it loaded */
	"seg32_lds: lds seg32_far, %eax\nmov %eax, seg32_got\nret\n");
void seg32_load_fs_from_memory(void), seg32_lfs(void), seg32_lds(void);

/* Accesses at seg32_off, each a 3-byte instruction at its _at label
 * (`stosl`: 1 byte) that a fault steps over. */
__asm__(".text\n"
	"seg32_fs_read: mov seg32_off, %eax\nseg32_fs_read_at: mov %fs:(%eax), %eax\nmov %eax, seg32_got\nret\n"
	"seg32_gs_read: mov seg32_off, %eax\nseg32_gs_read_at: mov %gs:(%eax), %eax\nmov %eax, seg32_got\nret\n"
	"seg32_es_write: mov seg32_off, %eax\nmov seg32_val, %edx\nseg32_es_write_at: mov %edx, %es:(%eax)\nret\n"
	"seg32_stosl: push %edi\nmov seg32_off, %edi\nmov seg32_val, %eax\nseg32_stosl_at: stosl\n"
	"mov %edi, seg32_got\npop %edi\nret\n"
	/* pop of seg_sel: returns esp after the pop minus before the push
	 * (0 when the pop took it off the stack). */
	"seg32_pop_fs: push %ebx\nmov %esp, %ebx\npushl seg_sel\nseg32_pop_fs_at: pop %fs\n"
	"mov %esp, %eax\nsub %ebx, %eax\nmov %ebx, %esp\npop %ebx\nret\n"
	"seg32_pop_ds: push %ebx\nmov %esp, %ebx\npushl seg_sel\nseg32_pop_ds_at: pop %ds\n"
	"mov %esp, %eax\nsub %ebx, %eax\nmov %ebx, %esp\npop %ebx\nret\n");
void seg32_fs_read(void), seg32_fs_read_at(void), seg32_gs_read(void), seg32_gs_read_at(void),
	seg32_es_write(void), seg32_es_write_at(void), seg32_stosl(void), seg32_stosl_at(void);
int32_t seg32_pop_fs(void), seg32_pop_ds(void);

/* Whether the CPU checks segment limits and rights: QEMU's emulated CPU
 * (TCG) does not, for speed, which the command line says with
 * "nolimits"; there the accesses that must fault are not made at all
 * (they would write past based_area). */
static bool seg32_limits_checked = true;

/* An access at off that faults with #GP(0) at the instruction. */
static void seg32_access_faults(void (*fn)(void), void (*at)(void), unsigned int len, uint32_t off, const char *what)
{
	seg32_off = off;
	if (!seg32_limits_checked) {
		guest_printf("SKIP: whether %s faults (nolimits)\n", what);
		return;
	}
	if (expect(13, fn, len, what))
		guest_check(seen.error == 0 && seen.eip == (uint32_t)at, "%s: #GP(0) at the instruction (%x, eip %x)",
			    what, seen.error, seen.eip);
}

static void test_data_segments32(bool limits_checked)
{
	seg32_limits_checked = limits_checked;
	for (unsigned int i = 0; i < 64; i++)
		based_area[i] = 0x1000u + i;

	guest_check(loads(load_fs, SEG32_BASED) && read_fs() == SEG32_BASED,
		    "the kernel's own based data segment loads into FS (0x%x)", read_fs());
	seg32_off = SEG32_OFFSET + 4;
	seg32_fs_read();
	guest_check(seg32_got == 0x1001, "FS has the descriptor's base: %%fs:0x104 is the second word (0x%x)",
		    seg32_got);
	seg32_off = SEG32_OFFSET + 0xfc;
	seg32_fs_read();
	guest_check(seg32_got == 0x103f, "the last 4 bytes within FS's limit read (0x%x)", seg32_got);
	seg32_access_faults(seg32_fs_read, seg32_fs_read_at, 3, 0x1fe, "4 bytes reaching past FS's limit");

	guest_check(loads(load_es, SEG32_READ_ONLY), "read-only data loads into ES");
	seg32_val = 0xdead;
	seg32_access_faults(seg32_es_write, seg32_es_write_at, 3, (uint32_t)&based_area[0],
			    "a write through read-only ES");
	guest_check(based_area[0] == 0x1000, "and it wrote nothing (0x%x)", based_area[0]);
	guest_check(loads(load_es, SEG32_BASED), "the based segment loads into ES");
	seg32_off = SEG32_OFFSET + 8;
	seg32_val = 0xabcd;
	seg32_stosl();
	guest_check(based_area[2] == 0xabcd && seg32_got == SEG32_OFFSET + 12,
		    "stosl stores at ES's base plus edi, edi advanced (0x%x, 0x%x)", based_area[2], seg32_got);
	seg32_access_faults(seg32_stosl, seg32_stosl_at, 1, 0x200, "stosl past ES's limit");
	guest_check(loads(load_es, 0) && read_es() == 0, "a null selector loads into ES");
	seg32_access_faults(seg32_stosl, seg32_stosl_at, 1, (uint32_t)&based_area[3], "stosl through a null ES");

	guest_check(loads(load_gs, SEG32_EXPAND_DOWN), "expand-down data loads into GS");
	seg32_off = 0x1004;
	seg32_gs_read();
	guest_check(seg32_got == 0x1001, "GS reads above its limit, at its base (0x%x)", seg32_got);
	seg32_access_faults(seg32_gs_read, seg32_gs_read_at, 3, 0xffe, "a read reaching down to GS's limit");

	load_faults(load_fs, SEG32_ABSENT, 11, "a descriptor that is not present: #NP");
	load_faults(load_fs, SEG32_EXEC_ONLY, 13, "execute-only code: #GP");
	load_faults(load_fs, SEG32_BEYOND, 13, "a selector past the GDT's entries: #GP");
	guest_check(read_fs() == SEG32_BASED, "FS kept its segment through the faults (0x%x)", read_fs());

	guest_puts("pop %fs, pop %ds\n");
	guest_check(loads(load_fs, 0) && read_fs() == 0, "a null selector loads into FS");
	seg_sel = SEG32_BASED;
	guest_check(seg32_pop_fs() == 0 && read_fs() == SEG32_BASED,
		    "pop %%fs loads the based segment and takes it off the stack");
	seg_sel = SEG32_USER_DATA;
	guest_check(seg32_pop_ds() == 0 && read_ds() == SEG32_USER_DATA, "pop %%ds loads the user's flat data (0x%x)",
		    read_ds());
	guest_puts("mov m16, %fs; lfs; lds\n");
	unsigned int before = seen.count;
	seg_sel = SEG32_EXPAND_DOWN;
	seg32_load_fs_from_memory();
	guest_check(seen.count == before && read_fs() == SEG32_EXPAND_DOWN, "mov from memory loads FS (0x%x)",
		    read_fs());
	seg32_far.offset = 0x1234;
	seg32_far.sel = SEG32_BASED;
	seg32_lfs();
	guest_check(seen.count == before && read_fs() == SEG32_BASED && seg32_got == 0x1234,
		    "lfs loads FS and the offset (0x%x, 0x%x)", read_fs(), seg32_got);
	seg32_off = SEG32_OFFSET + 12;
	seg32_fs_read();
	guest_check(seg32_got == 0x1003, "and FS has the descriptor's base (0x%x)", seg32_got);
	seg32_far.offset = 0x5678;
	seg32_far.sel = FLAT_KERNEL_DS;
	seg32_lds();
	guest_check(seen.count == before && read_ds() == FLAT_KERNEL_DS && seg32_got == 0x5678,
		    "lds loads DS (Xen's flat one) and the offset (0x%x, 0x%x)", read_ds(), seg32_got);
	based_area[4] = 0x55;
	guest_check(based_area[4] == 0x55, "memory through it is flat memory");
	seg_sel = FLAT_KERNEL_DS;
	load_ds();
	load_es();
}
