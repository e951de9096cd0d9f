/* Reaching a hypercall caller's buffers. */
#include <errno.h>
#include <string.h>

#include "hv/guest_walk.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/xg_control.h"

uint8_t *pv_domain_frame(void *ctx, uint64_t mfn)
{
	struct domain *d = ctx;
	if (!domain_owns(d, mfn) && mfn != d->shared_info_mfn && !pv_root_frame(d, mfn))
		return NULL;
	return machine_frame(&hv->machine, mfn);
}

/* Copy len bytes between the hypervisor and guest virtual address va, page
 * by page, through the page tables at root (a CR3 value). */
static int copy_guest_va_in(struct vcpu *v, uint64_t root, uint64_t va, void *buf, size_t len, bool to_guest)
{
	struct domain *d = v->domain;
	uint8_t *p = buf;
	while (len) {
		if (pv_va_reserved(d, va))
			return -EFAULT;
		struct walk_result r;
		unsigned int access = to_guest ? WALK_WRITE : WALK_READ;
		if (guest_walk(pv_domain_frame, d, root, va, access, false, &r))
			return -EFAULT;
		size_t chunk = PAGE_SIZE - (va & (PAGE_SIZE - 1));
		if (chunk > len)
			chunk = len;
		uint8_t *m = hv->machine.base + r.maddr;
		if (to_guest)
			memcpy(m, p, chunk);
		else
			memcpy(p, m, chunk);
		p += chunk;
		va += chunk;
		len -= chunk;
	}
	return 0;
}

/* The same through the vCPU's current page tables. */
static int copy_guest_va(struct vcpu *v, uint64_t va, void *buf, size_t len, bool to_guest)
{
	return copy_guest_va_in(v, hv->backend->vcpu_state(v->exec)->sys.cr3, va, buf, len, to_guest);
}

int pv_copy_to_guest_kernel(struct hcall_ctx *ctx, uint64_t addr, const void *src, size_t len)
{
	struct vcpu *v = ctx->vcpu;
	uint64_t root = hv->backend->vcpu_state(v->exec)->sys.cr3;
	/* A 64-bit guest in user mode has its user tables loaded. */
	if (!domain_is_pv32(v->domain) && !v->kernel_mode && v->has_cr3)
		root = v->cr3_mfn << PAGE_SHIFT;
	return copy_guest_va_in(v, root, addr, (void *)src, len, true);
}

static uint8_t *control_data(struct hcall_ctx *ctx, uint64_t addr, size_t len)
{
	if (addr < XG_CTL_DATA_BASE)
		return NULL;
	uint64_t off = addr - XG_CTL_DATA_BASE;
	if (off > ctx->data_len || len > ctx->data_len - off)
		return NULL;
	return ctx->data + off;
}

unsigned int pv_fetch_insn(struct vcpu *v, uint8_t insn[X86_MAX_INSN_LEN])
{
	const struct vcpu_state *st = hv->backend->vcpu_state(v->exec);
	bool compat = st->sys.compat;
	struct hcall_ctx ctx = { .caller = v->domain, .vcpu = v, .compat = compat };
	uint64_t ip = compat ? (uint32_t)st->regs.rip : st->regs.rip;
	if ((!compat || ip + X86_MAX_INSN_LEN <= 1ull << 32) && !copy_from_guest(&ctx, insn, ip, X86_MAX_INSN_LEN))
		return X86_MAX_INSN_LEN;
	/* The instruction may end just before an unmapped page: then take
	 * what is there, byte by byte.  eip wraps at 4 GiB. */
	unsigned int avail = 0;
	while (avail < X86_MAX_INSN_LEN &&
	       !copy_from_guest(&ctx, &insn[avail], compat ? (uint32_t)(ip + avail) : ip + avail, 1))
		avail++;
	return avail;
}

int copy_from_guest(struct hcall_ctx *ctx, void *dst, uint64_t addr, size_t len)
{
	if (!len)
		return 0;
	if (ctx->vcpu)
		return copy_guest_va(ctx->vcpu, addr, dst, len, false);
	uint8_t *src = control_data(ctx, addr, len);
	if (!src)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int copy_to_guest(struct hcall_ctx *ctx, uint64_t addr, const void *src, size_t len)
{
	if (!len)
		return 0;
	if (ctx->vcpu)
		return copy_guest_va(ctx->vcpu, addr, (void *)src, len, true);
	uint8_t *dst = control_data(ctx, addr, len);
	if (!dst)
		return -EFAULT;
	memcpy(dst, src, len);
	return 0;
}

int copy_long_from_guest(struct hcall_ctx *ctx, uint64_t array, uint64_t i, uint64_t *val)
{
	if (ctx->compat) {
		uint32_t v32;
		if (copy_from_guest(ctx, &v32, array + i * sizeof(v32), sizeof(v32)))
			return -EFAULT;
		*val = v32;
		return 0;
	}
	return copy_from_guest(ctx, val, array + i * sizeof(*val), sizeof(*val));
}

int copy_long_to_guest(struct hcall_ctx *ctx, uint64_t array, uint64_t i, uint64_t val)
{
	if (ctx->compat) {
		uint32_t v32 = (uint32_t)val;
		return copy_to_guest(ctx, array + i * sizeof(v32), &v32, sizeof(v32));
	}
	return copy_to_guest(ctx, array + i * sizeof(val), &val, sizeof(val));
}
