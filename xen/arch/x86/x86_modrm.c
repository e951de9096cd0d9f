/* Decoding ModRM operands (hv/x86_modrm.h). */
#include "hv/x86_modrm.h"

static bool fetch(const uint8_t *insn, unsigned int avail, unsigned int *i, unsigned int n, uint64_t *v)
{
	if (*i + n > avail)
		return false;
	*v = 0;
	for (unsigned int k = 0; k < n; k++)
		*v |= (uint64_t)insn[*i + k] << (8 * k);
	*i += n;
	return true;
}

static uint64_t sign_extend(uint64_t v, unsigned int bytes)
{
	unsigned int shift = 64 - bytes * 8;
	return (uint64_t)((int64_t)(v << shift) >> shift);
}

bool modrm_decode(const uint64_t *gprs, bool compat, uint8_t rex, const uint8_t *insn, unsigned int avail,
		  unsigned int *i, struct modrm_operand *m)
{
	uint64_t modrm, sib, disp;
	if (!fetch(insn, avail, i, 1, &modrm))
		return false;
	*m = (struct modrm_operand){ .mod = (unsigned int)modrm >> 6,
				     .reg = (((unsigned int)modrm >> 3) & 7) | ((rex & 4u) << 1) };
	unsigned int rm = modrm & 7;
	if (m->mod == 3) {
		m->rm = rm | ((rex & 1u) << 3);
		return true;
	}
	m->rm = rm;
	uint64_t ea = 0;
	unsigned int base = 0xff;
	if (rm == 4) {
		if (!fetch(insn, avail, i, 1, &sib))
			return false;
		unsigned int index = ((sib >> 3) & 7) | ((rex & 2u) << 2);
		if (index != 4)
			ea += gprs[index] << (sib >> 6);
		if ((sib & 7) == 5 && m->mod == 0) {
			if (!fetch(insn, avail, i, 4, &disp))
				return false;
			ea += sign_extend(disp, 4);
		} else {
			base = (sib & 7) | ((rex & 1u) << 3);
		}
	} else if (rm == 5 && m->mod == 0) {
		/* rip-relative in 64-bit mode, an absolute disp32 in compat. */
		m->rip_relative = !compat;
		if (!fetch(insn, avail, i, 4, &disp))
			return false;
		ea += sign_extend(disp, 4);
	} else {
		base = rm | ((rex & 1u) << 3);
	}
	if (base != 0xff)
		ea += gprs[base];
	m->stack = base == 4 || base == 5; /* not r12 and r13 */
	if (m->mod == 1 || m->mod == 2) {
		unsigned int n = m->mod == 1 ? 1 : 4;
		if (!fetch(insn, avail, i, n, &disp))
			return false;
		ea += sign_extend(disp, n);
	}
	m->ea = compat ? (uint32_t)ea : ea;
	return true;
}
