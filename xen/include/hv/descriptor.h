/*
 * Code and data segment descriptors (the 8-byte entries of a GDT or LDT,
 * Intel SDM vol. 3, 3.4.5), as the core checks and loads guests' own and
 * the backends build and cache Xen's flat ones.  Bits are numbered in the
 * whole 64-bit descriptor.
 */
#ifndef HV_DESCRIPTOR_H
#define HV_DESCRIPTOR_H

#include <stdbool.h>
#include <stdint.h>

#define DESC_ACCESSED (1ull << 40)
#define DESC_WRITABLE (1ull << 41)    /* data */
#define DESC_READABLE (1ull << 41)    /* code */
#define DESC_EXPAND_DOWN (1ull << 42) /* data */
#define DESC_CONFORMING (1ull << 42)  /* code */
#define DESC_CODE (1ull << 43)
#define DESC_S (1ull << 44) /* code or data, not a system descriptor */
#define DESC_DPL_SHIFT 45
#define DESC_DPL (3ull << DESC_DPL_SHIFT)
#define DESC_P (1ull << 47)
#define DESC_L (1ull << 53)
#define DESC_DB (1ull << 54)
#define DESC_G (1ull << 55)
#define DESC_TYPE (15ull << 40)
#define DESC_TYPE_CALL_GATE (12ull << 40)

static inline uint32_t desc_base(uint64_t desc)
{
	return (uint32_t)(((desc >> 16) & 0xffffff) | ((desc >> 32) & 0xff000000));
}

/* The limit as the CPU applies it: in bytes, scaled by the granularity. */
static inline uint32_t desc_limit(uint64_t desc)
{
	uint32_t limit = (uint32_t)((desc & 0xffff) | ((desc >> 32) & 0xf0000));
	return desc & DESC_G ? limit << 12 | 0xfff : limit;
}

static inline unsigned int desc_dpl(uint64_t desc)
{
	return (unsigned int)(desc >> DESC_DPL_SHIFT) & 3;
}

/* A descriptor from its base, 20-bit limit, access byte (type, S, DPL, P)
 * and flags nibble (AVL, L, D/B, G). */
static inline uint64_t desc_make(uint32_t base, uint32_t limit, uint8_t access, uint8_t flags)
{
	return (limit & 0xffffull) | ((uint64_t)(base & 0xffffff) << 16) | ((uint64_t)access << 40) |
	       ((uint64_t)((limit >> 16) & 0xf) << 48) | ((uint64_t)(flags & 0xf) << 52) |
	       ((uint64_t)(base >> 24) << 56);
}

/* A flat 4 GiB segment: base 0, limit 0xfffff in pages. */
static inline bool desc_flat_4g(uint64_t desc)
{
	return desc_base(desc) == 0 && desc_limit(desc) == 0xffffffffu;
}

/* Conforming code: usable from rings at or above its DPL, whose
 * privilege checks it is exempt from. */
static inline bool desc_conforming_code(uint64_t desc)
{
	return (desc & DESC_CODE) && (desc & DESC_CONFORMING);
}

/* Whether a data segment register may hold it: data, or readable code. */
static inline bool desc_data_usable(uint64_t desc)
{
	return (desc & DESC_S) && (!(desc & DESC_CODE) || (desc & DESC_READABLE));
}

/* Whether a data segment register holding desc (0: null) lets size bytes
 * at offset be read or written: its rights and limit (an expand-down
 * segment's offsets lie above its limit, up to 4 GiB or, without D/B,
 * 64 KiB).  Offsets are 32-bit: compatibility mode. */
static inline bool desc_allows(uint64_t desc, uint64_t offset, uint64_t size, bool write)
{
	if (!(desc & DESC_P))
		return false;
	bool code = desc & DESC_CODE;
	if (write ? code || !(desc & DESC_WRITABLE) : code && !(desc & DESC_READABLE))
		return false;
	uint64_t last = offset + size - 1;
	if (!code && (desc & DESC_EXPAND_DOWN))
		return offset > desc_limit(desc) && last <= (desc & DESC_DB ? 0xffffffffull : 0xffffull);
	return last <= desc_limit(desc);
}

/*
 * The descriptors of Xen's flat selectors (include/public/arch-x86) that
 * every PV guest may use, in the GDT of its kind (compat: a 32-bit
 * guest's, whose selectors reuse the slots of the 64-bit ones with other
 * contents); 0 for any other selector.  Flat 4 GiB, D/B set, accessed.
 */
static inline uint64_t xen_flat_descriptor(bool compat_gdt, uint16_t sel)
{
	switch (sel & ~3u) {
	case 0xe018: /* compat FLAT_RING1_CS */
		return compat_gdt ? desc_make(0, 0xfffff, 0xbb, 0xc) : 0;
	case 0xe020: /* compat FLAT_RING1_DS; 64-bit FLAT_RING3_CS32 */
		return compat_gdt ? desc_make(0, 0xfffff, 0xb3, 0xc) : desc_make(0, 0xfffff, 0xfb, 0xc);
	case 0xe028: /* compat FLAT_RING3_CS; 64-bit FLAT_RING3_DS32/SS */
		return desc_make(0, 0xfffff, compat_gdt ? 0xfb : 0xf3, 0xc);
	case 0xe030: /* compat FLAT_RING3_DS; 64-bit FLAT_RING3_CS64 */
		return compat_gdt ? desc_make(0, 0xfffff, 0xf3, 0xc) : desc_make(0, 0, 0xfb, 0x2);
	default:
		return 0;
	}
}

#endif
