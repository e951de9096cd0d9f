/*
 * The CPUID features the emu backend can execute: what the interpreter
 * implements (docs/backend-emu.md) and nothing else, so a guest that
 * trusts CPUID never meets an instruction the backend would end its run
 * on.  The core's own filtering (xen/arch/x86/cpuid.c) comes first.
 */
#include <string.h>

#include "emu_internal.h"

/* Leaf 1 EDX: TSC, MSR (#GP, as for any PV guest), PAE, CX8, PGE, CMOV,
 * PAT, CLFSH.  No FPU, MMX, FXSR, SSE, SSE2, SYSENTER. */
#define L1_EDX_KEEP ((1u << 4) | (1u << 5) | (1u << 6) | (1u << 8) | (1u << 13) | (1u << 15) | (1u << 16) | (1u << 19))
/* Leaf 1 ECX: CX16, POPCNT, and the hypervisor bit. */
#define L1_ECX_KEEP ((1u << 13) | (1u << 23) | (1u << 31))
/* Leaf 7 EBX: FSGSBASE, BMI1, ERMS (rep movs/stos are implemented). */
#define L7_EBX_KEEP ((1u << 0) | (1u << 3) | (1u << 9))
/* 0x80000001 ECX: LAHF/SAHF, ABM (lzcnt), PREFETCHW; EDX: SYSCALL, NX, LM. */
#define E1_ECX_KEEP ((1u << 0) | (1u << 5) | (1u << 8))
#define E1_EDX_KEEP ((1u << 11) | (1u << 20) | (1u << 29))

void emu_cpuid_filter(uint32_t leaf, uint32_t subleaf, uint32_t out[4])
{
	switch (leaf) {
	case 1:
		out[2] &= L1_ECX_KEEP;
		out[3] &= L1_EDX_KEEP;
		break;
	case 7:
		if (subleaf == 0) {
			out[0] = 0; /* no further subleaves */
			out[1] &= L7_EBX_KEEP;
		} else {
			out[1] = 0;
		}
		out[2] = out[3] = 0;
		break;
	case 0xd: /* XSAVE state: none */
		memset(out, 0, 4 * sizeof(uint32_t));
		break;
	case 0x80000001:
		out[2] &= E1_ECX_KEEP;
		out[3] &= E1_EDX_KEEP;
		break;
	}
}
