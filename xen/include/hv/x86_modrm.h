/*
 * The operand a ModRM byte names (with its SIB byte and displacement), in
 * 64-bit code or compatibility-mode code with the default address size,
 * for the hypervisor's small instruction emulators (emulate_store.c,
 * segment_load.c).  The 0x67 address-size prefix is the callers' to
 * decline.
 */
#ifndef HV_X86_MODRM_H
#define HV_X86_MODRM_H

#include <stdbool.h>
#include <stdint.h>

/* The maximum length of an x86 instruction. */
#define X86_MAX_INSN_LEN 15

struct modrm_operand {
	unsigned int mod;  /* 3: a register operand (rm), else memory */
	unsigned int reg;  /* the reg field, with REX.R */
	unsigned int rm;   /* the rm field, with REX.B when it names a register */
	/* Memory operands: the effective address (compat: wrapped at 4 GiB),
	 * without a segment base and, when rip_relative, without the address
	 * of the next instruction, which only the caller knows. */
	uint64_t ea;
	bool rip_relative; /* 64-bit mode, mod 00 rm 101 */
	bool stack;        /* based on rsp or rbp: SS by default, else DS */
};

/* The segment register a segment-override prefix names (ES 0, CS 1, SS
 * 2, DS 3, FS 4, GS 5), or -1 for any other byte. */
static inline int x86_segment_override(uint8_t b)
{
	switch (b) {
	case 0x26: return 0;
	case 0x2e: return 1;
	case 0x36: return 2;
	case 0x3e: return 3;
	case 0x64: return 4;
	case 0x65: return 5;
	default: return -1;
	}
}

/* The segment register a memory operand uses: the override (-1: none),
 * else SS for rsp/rbp-based operands, else DS. */
static inline unsigned int modrm_segment(const struct modrm_operand *m, int override)
{
	return override >= 0 ? (unsigned int)override : m->stack ? 2u : 3u;
}

/* Decode the ModRM byte at insn[*i] and what follows it, moving *i past
 * them; false if the avail bytes run out first.  gprs are the general
 * registers in encoding order. */
bool modrm_decode(const uint64_t *gprs, bool compat, uint8_t rex, const uint8_t *insn, unsigned int avail,
		  unsigned int *i, struct modrm_operand *m);

#endif
