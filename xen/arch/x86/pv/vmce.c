/*
 * The machine-check MSRs as Xen's vMCE gives them to every PV guest
 * (xen/arch/x86/cpu/mcheck/vmce.c, msr.c): CPUID shows MCE and MCA, so
 * guests read MCG_CAP and walk the banks it announces (Linux does at
 * boot).  Two banks; MCi_CTL reads as all ones and ignores writes;
 * MCi_STATUS, ADDR and MISC (and on Intel MCi_CTL2) of those banks keep
 * what the guest writes; every other bank MSR and MCG_CTL read as 0 and
 * ignore writes; MCG_STATUS keeps its value; MCG_CAP is read-only;
 * MCG_EXT_CTL is #GP (no LMCE).  XG injects no machine checks, so the
 * banks only ever hold what the guest wrote.
 */
#include <cpuid.h>
#include <string.h>

#include "hv/pv.h"

#define MSR_P5_MC_ADDR 0x0u
#define MSR_P5_MC_TYPE 0x1u
#define MSR_MCG_CAP 0x179u
#define MSR_MCG_STATUS 0x17au
#define MSR_MCG_CTL 0x17bu
#define MSR_MC0_CTL2 0x280u
#define MSR_MC31_CTL2 0x29fu
#define MSR_MC0_CTL 0x400u
#define MSR_MC31_MISC 0x47fu
#define MSR_MCG_EXT_CTL 0x4d0u

#define MCG_CMCI_P (1ull << 10)
#define MCG_TES_P (1ull << 11)
#define MCG_SER_P (1ull << 24)

static bool host_is_intel(void)
{
	unsigned int a, b, c, d;
	char vendor[13];
	__cpuid(0, a, b, c, d);
	memcpy(vendor, &b, 4);
	memcpy(vendor + 4, &d, 4);
	memcpy(vendor + 8, &c, 4);
	vendor[12] = 0;
	/* Xen's Intel path also serves Centaur and Shanghai. */
	return !strcmp(vendor, "GenuineIntel") || !strcmp(vendor, "CentaurHauls") || !strcmp(vendor, "  Shanghai  ");
}

static uint64_t guest_mcg_cap(void)
{
	return host_is_intel() ? MCG_SER_P | MCG_TES_P | MCG_CMCI_P | VMCE_BANKS : VMCE_BANKS;
}

/* The stored register of bank MSR msr (0x400 + 4 * bank + kind), or NULL
 * for MCi_CTL and the banks the guest does not have. */
static uint64_t *bank_reg(struct vcpu *v, uint32_t msr)
{
	unsigned int bank = (msr - MSR_MC0_CTL) / 4;
	if (bank >= VMCE_BANKS)
		return NULL;
	switch ((msr - MSR_MC0_CTL) % 4) {
	case 1:
		return &v->vmce.bank[bank].status;
	case 2:
		return &v->vmce.bank[bank].addr;
	case 3:
		return &v->vmce.bank[bank].misc;
	default:
		return NULL;
	}
}

static uint64_t *ctl2_reg(struct vcpu *v, uint32_t msr)
{
	unsigned int bank = msr - MSR_MC0_CTL2;
	return host_is_intel() && bank < VMCE_BANKS ? &v->vmce.bank[bank].ctl2 : NULL;
}

int vmce_rdmsr(struct vcpu *v, uint32_t msr, uint64_t *val)
{
	uint64_t *reg;
	*val = 0;
	if (msr == MSR_MCG_CAP) {
		*val = guest_mcg_cap();
	} else if (msr == MSR_MCG_STATUS) {
		*val = v->vmce.mcg_status;
	} else if (msr == MSR_MCG_EXT_CTL) {
		return -1;
	} else if (msr >= MSR_MC0_CTL && msr <= MSR_MC31_MISC) {
		if ((msr - MSR_MC0_CTL) % 4 == 0 && (msr - MSR_MC0_CTL) / 4 < VMCE_BANKS)
			*val = ~0ull;
		else if ((reg = bank_reg(v, msr)))
			*val = *reg;
	} else if (msr >= MSR_MC0_CTL2 && msr <= MSR_MC31_CTL2) {
		if ((reg = ctl2_reg(v, msr)))
			*val = *reg;
	} else if (msr != MSR_MCG_CTL && msr != MSR_P5_MC_ADDR && msr != MSR_P5_MC_TYPE) {
		return 0;
	}
	return 1;
}

int vmce_wrmsr(struct vcpu *v, uint32_t msr, uint64_t val)
{
	uint64_t *reg = NULL;
	if (msr == MSR_MCG_STATUS)
		reg = &v->vmce.mcg_status;
	else if (msr == MSR_MCG_EXT_CTL)
		return -1;
	else if (msr >= MSR_MC0_CTL && msr <= MSR_MC31_MISC)
		reg = bank_reg(v, msr);
	else if (msr >= MSR_MC0_CTL2 && msr <= MSR_MC31_CTL2)
		reg = ctl2_reg(v, msr);
	else if (msr != MSR_MCG_CAP && msr != MSR_MCG_CTL)
		return 0;
	if (reg)
		*reg = val;
	return 1;
}
