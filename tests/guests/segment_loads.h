/*
 * Loads of segment registers from inside a guest, for segments.h (traps,
 * 64-bit) and segments32.h (traps32): `mov %eax, %sreg` of seg_sel and
 * the checks of a load that must go through or fault.  The including
 * guest provides its trap table, expect(), seen and skip.
 */
#ifndef GUEST_SEGMENT_LOADS_H
#define GUEST_SEGMENT_LOADS_H

static volatile uint32_t seg_sel;

/* load_ds() and the rest: `mov %eax, %ds` (2 bytes) of seg_sel;
 * read_ds() and the rest: the register's selector. */
#define SEGMENT_ACCESSORS(seg)                                                  \
	static __attribute__((unused)) void load_##seg(void)                    \
	{                                                                       \
		__asm__ volatile("mov %%eax, %%" #seg : : "a"(seg_sel));         \
	}                                                                       \
	static __attribute__((unused)) uint16_t read_##seg(void)                \
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

#endif
