/*
 * The emu backend's VM and vCPU objects, the frame bitmap and the
 * exec_backend table.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu_internal.h"

static int emu_probe(char *why, size_t whylen)
{
	/* Interpretation needs nothing from the host. */
	if (why && whylen)
		snprintf(why, whylen, "always available (interpreter)");
	return 0;
}

static int emu_vm_create(const struct exec_machine *m, struct exec_vm **out)
{
	if (!m || !out || !m->base)
		return -EINVAL;
	struct exec_vm *vm = calloc(1, sizeof(*vm));
	if (!vm)
		return -ENOMEM;
	vm->m = *m;
	vm->map_words = (m->nr_frames + 63) / 64;
	vm->map = calloc(vm->map_words ? vm->map_words : 1, sizeof(*vm->map));
	if (!vm->map) {
		free(vm);
		return -ENOMEM;
	}
	atomic_init(&vm->gen, 1);
	*out = vm;
	return 0;
}

static void emu_vm_destroy(struct exec_vm *vm)
{
	if (!vm)
		return;
	free((void *)vm->map);
	free(vm);
}

static int emu_change_frames(struct exec_vm *vm, uint64_t mfn, uint64_t count, bool on)
{
	if (!vm || mfn > vm->m.nr_frames || count > vm->m.nr_frames - mfn)
		return -EINVAL;
	for (uint64_t f = mfn; f < mfn + count; f++) {
		uint64_t bit = 1ull << (f & 63);
		if (on)
			atomic_fetch_or_explicit(&vm->map[f / 64], bit, memory_order_release);
		else
			atomic_fetch_and_explicit(&vm->map[f / 64], ~bit, memory_order_release);
	}
	/* Running vCPUs compare the generation before every instruction, so
	 * none keeps using a translation to a frame that just left. */
	if (!on && count)
		atomic_fetch_add_explicit(&vm->gen, 1, memory_order_seq_cst);
	return 0;
}

static int emu_map_frames(struct exec_vm *vm, uint64_t mfn, uint64_t count)
{
	return emu_change_frames(vm, mfn, count, true);
}

static int emu_unmap_frames(struct exec_vm *vm, uint64_t mfn, uint64_t count)
{
	return emu_change_frames(vm, mfn, count, false);
}

uint8_t *emu_frame(struct exec_vm *vm, uint64_t mfn)
{
	if (mfn >= vm->m.nr_frames)
		return NULL;
	uint64_t w = atomic_load_explicit(&vm->map[mfn / 64], memory_order_acquire);
	if (!(w & (1ull << (mfn & 63))))
		return NULL;
	return vm->m.base + mfn * EMU_PAGE_SIZE;
}

void emu_tlb_flush(struct exec_vcpu *v)
{
	for (unsigned int k = 0; k < EMU_ACC_KINDS; k++)
		for (unsigned int i = 0; i < EMU_TLB_SIZE; i++)
			v->tlb[k][i].vpn = EMU_TLB_INVALID;
	v->tlb_cr3 = v->st.sys.cr3;
	v->tlb_user = v->user;
	v->tlb_gen = atomic_load_explicit(&v->vm->gen, memory_order_acquire);
}

static int emu_vcpu_create(struct exec_vm *vm, unsigned int id, struct exec_vcpu **out)
{
	if (!vm || !out)
		return -EINVAL;
	struct exec_vcpu *v = calloc(1, sizeof(*v));
	if (!v)
		return -ENOMEM;
	v->vm = vm;
	v->id = id;
	atomic_init(&v->kick, false);
	v->st.regs.rflags = X86_RFLAGS_FIXED;
	v->st.sys.cpl = 3;
	emu_tlb_flush(v);
	*out = v;
	return 0;
}

static void emu_vcpu_destroy(struct exec_vcpu *v)
{
	free(v);
}

static struct vcpu_state *emu_vcpu_state(struct exec_vcpu *v)
{
	return &v->st;
}

static void emu_vcpu_kick(struct exec_vcpu *v)
{
	atomic_store_explicit(&v->kick, true, memory_order_release);
}

static void emu_flush_tlb(struct exec_vcpu *v)
{
	emu_tlb_flush(v);
}

const struct exec_backend exec_backend_emu = {
	.name = "emu",
	.runs_compat = true,
	.cpuid_filter = emu_cpuid_filter,
	.probe = emu_probe,
	.vm_create = emu_vm_create,
	.vm_destroy = emu_vm_destroy,
	.map_frames = emu_map_frames,
	.unmap_frames = emu_unmap_frames,
	.vcpu_create = emu_vcpu_create,
	.vcpu_destroy = emu_vcpu_destroy,
	.vcpu_state = emu_vcpu_state,
	.vcpu_run = emu_vcpu_run,
	.vcpu_kick = emu_vcpu_kick,
	.flush_tlb = emu_flush_tlb,
};
