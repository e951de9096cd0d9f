/*
 * Guest memory for the emu backend: translation through the guest page
 * tables (with a small software TLB), guarded loads and stores, and the
 * atomic read-modify-write used by locked instructions.
 *
 * The host is little-endian x86-64 like the guest, so a guest value is its
 * bytes in host order.
 */
#include <pthread.h>
#include <string.h>

#include "emu_internal.h"
#include "hv/guest_walk.h"

static uint8_t *lookup_frame(void *ctx, uint64_t mfn)
{
	return emu_frame(ctx, mfn);
}

uint8_t *emu_tlb_fill(struct exec_vcpu *v, enum emu_acc kind, uint64_t la, unsigned int fv)
{
	static const unsigned int walk_access[EMU_ACC_KINDS] = {
		[EMU_ACC_READ] = WALK_READ,
		[EMU_ACC_WRITE] = WALK_WRITE,
		[EMU_ACC_FETCH] = WALK_FETCH,
	};
	struct walk_result r;

	/* Compat-mode addresses are below 4 GiB, always canonical. */
	if (!va_is_canonical(la))
		emu_raise_err(v, fv, 0);
	/* CPL 0-2 (a 32-bit PV kernel at CPL 1) is a supervisor access: no
	 * user bit needed, read-only pages still fault on writes (CR0.WP),
	 * and the #PF error code has U clear.  No SMEP/SMAP. */
	unsigned int access = walk_access[kind] | (v->user ? WALK_USER : 0);
	if (guest_walk(lookup_frame, v->vm, v->st.sys.cr3, la, access, true, &r)) {
		if (r.frame_missing)
			emu_fatal(v,
				  "emu: guest access to machine frame 0x%llx not assigned to this VM at va 0x%llx",
				  (unsigned long long)r.missing_mfn, (unsigned long long)la);
		emu_raise_pf(v, la, r.pf_error);
	}
	uint8_t *page = emu_frame(v->vm, r.maddr >> 12);
	if (!page) /* the walker checked it, but the map may change under us */
		emu_fatal(v,
			  "emu: guest access to machine frame 0x%llx not assigned to this VM at va 0x%llx",
			  (unsigned long long)(r.maddr >> 12), (unsigned long long)la);

	struct emu_tlb_entry *e = &v->tlb[kind][(la >> 12) & (EMU_TLB_SIZE - 1)];
	e->vpn = la >> 12;
	e->host = page;
	return page + (la & 0xfff);
}

/*
 * Compatibility-mode segments: CS and SS are Xen's flat ones of the mode
 * (the core refuses any other at iret), the data registers hold what the
 * guest loaded (sys.data_desc, 0 for null).  Offsets wrap at the address
 * size; a flat segment's limit stops an access from wrapping past 4 GiB.
 */
bool emu_compat_within(const struct exec_vcpu *v, unsigned int seg, uint64_t ea, uint64_t size, bool write)
{
	uint64_t la;
	return compat_segment_address(&v->st.sys, seg, ea, size, write, &la);
}

uint64_t emu_compat_la(struct exec_vcpu *v, unsigned int seg, uint64_t ea, uint64_t size, bool write)
{
	uint64_t la;
	if (!compat_segment_address(&v->st.sys, seg, ea, size, write, &la))
		emu_raise_err(v, seg == SEG_SS ? X86_EXC_SS : X86_EXC_GP, 0);
	return la;
}

void emu_check_span(struct exec_vcpu *v, uint64_t la, unsigned int size, unsigned int fv)
{
	if (v->compat) {
		/* A flat 4 GiB segment's limit check: an access reaching past
		 * 0xffffffff faults (#GP(0), #SS(0) for the stack) rather than
		 * wrapping to 0. */
		if (la + size - 1 > 0xffffffffull)
			emu_raise_err(v, fv, 0);
		return;
	}
	if (!va_is_canonical(la + size - 1))
		emu_raise_err(v, fv, 0);
}

/*
 * A data breakpoint watches the LEN bytes (1, 2, 4 or 8, DR7 encodings 00,
 * 01, 11, 10) at its address rounded down to LEN, as hardware aligns it;
 * any access overlapping them hits, however it straddles them.  The
 * differences are taken modulo 2^64 so that no sum can overflow.
 */
void emu_watch_check(struct exec_vcpu *v, uint64_t la, unsigned int size, bool write)
{
	static const uint8_t len_of[4] = { 1, 2, 8, 4 };
	unsigned int armed = v->watch_rw | (write ? v->watch_write : 0);
	for (unsigned int i = 0; i < 4; i++) {
		if (!(armed >> i & 1))
			continue;
		uint64_t len = len_of[(v->st.sys.dr7 >> (18 + 4 * i)) & 3];
		uint64_t start = v->st.sys.dr[i] & ~(len - 1);
		if (la - start < len || start - la < size)
			v->db_hits |= (uint8_t)(1u << i);
	}
}

uint64_t emu_read(struct exec_vcpu *v, uint64_t la, unsigned int size, unsigned int fv)
{
	uint64_t val = 0;
	unsigned int off = la & 0xfff;

	emu_watch(v, la, size, false);
	if (off + size <= EMU_PAGE_SIZE) {
		memcpy(&val, emu_xlate(v, EMU_ACC_READ, la, fv), size);
		return val;
	}
	/* Both pages are checked before anything is used; a fault on the
	 * second reports the page boundary, the first byte that faults. */
	unsigned int n0 = EMU_PAGE_SIZE - off;
	/* The whole access must be canonical (or within the 4 GiB limit)
	 * before paging is consulted. */
	emu_check_span(v, la, size, fv);
	uint8_t *p0 = emu_xlate(v, EMU_ACC_READ, la, fv);
	uint8_t *p1 = emu_xlate(v, EMU_ACC_READ, la + n0, fv);
	uint8_t tmp[8];
	memcpy(tmp, p0, n0);
	memcpy(tmp + n0, p1, size - n0);
	memcpy(&val, tmp, size);
	return val;
}

void emu_write(struct exec_vcpu *v, uint64_t la, unsigned int size, uint64_t val,
	       unsigned int fv)
{
	unsigned int off = la & 0xfff;

	emu_watch(v, la, size, true);
	if (off + size <= EMU_PAGE_SIZE) {
		memcpy(emu_xlate(v, EMU_ACC_WRITE, la, fv), &val, size);
		return;
	}
	unsigned int n0 = EMU_PAGE_SIZE - off;
	emu_check_span(v, la, size, fv);
	uint8_t *p0 = emu_xlate(v, EMU_ACC_WRITE, la, fv);
	uint8_t *p1 = emu_xlate(v, EMU_ACC_WRITE, la + n0, fv);
	uint8_t tmp[8];
	memcpy(tmp, &val, size);
	memcpy(p0, tmp, n0);
	memcpy(p1, tmp + n0, size - n0);
}

void emu_ref_get(struct exec_vcpu *v, uint64_t la, unsigned int size, unsigned int fv,
		 bool write, struct emu_ref *r)
{
	enum emu_acc kind = write ? EMU_ACC_WRITE : EMU_ACC_READ;
	unsigned int off = la & 0xfff;

	emu_watch(v, la, size, write);
	r->size = size;
	if (off + size > EMU_PAGE_SIZE)
		emu_check_span(v, la, size, fv);
	r->p0 = emu_xlate(v, kind, la, fv);
	if (off + size <= EMU_PAGE_SIZE) {
		r->p1 = NULL;
		r->n0 = size;
	} else {
		r->n0 = EMU_PAGE_SIZE - off;
		r->p1 = emu_xlate(v, kind, la + r->n0, fv);
	}
}

uint64_t emu_ref_load(const struct emu_ref *r)
{
	uint64_t val = 0;
	if (!r->p1) {
		/* Aligned loads of a naturally aligned operand must not tear
		 * against other vCPUs' atomic stores. */
		switch (r->size) {
		case 1:
			return __atomic_load_n(r->p0, __ATOMIC_RELAXED);
		case 2:
			if (!((uintptr_t)r->p0 & 1))
				return __atomic_load_n((uint16_t *)(void *)r->p0, __ATOMIC_RELAXED);
			break;
		case 4:
			if (!((uintptr_t)r->p0 & 3))
				return __atomic_load_n((uint32_t *)(void *)r->p0, __ATOMIC_RELAXED);
			break;
		case 8:
			if (!((uintptr_t)r->p0 & 7))
				return __atomic_load_n((uint64_t *)(void *)r->p0, __ATOMIC_RELAXED);
			break;
		}
		memcpy(&val, r->p0, r->size);
		return val;
	}
	uint8_t tmp[8];
	memcpy(tmp, r->p0, r->n0);
	memcpy(tmp + r->n0, r->p1, r->size - r->n0);
	memcpy(&val, tmp, r->size);
	return val;
}

void emu_ref_store(const struct emu_ref *r, uint64_t val)
{
	if (!r->p1) {
		memcpy(r->p0, &val, r->size);
		return;
	}
	uint8_t tmp[8];
	memcpy(tmp, &val, r->size);
	memcpy(r->p0, tmp, r->n0);
	memcpy(r->p1, tmp + r->n0, r->size - r->n0);
}

#if defined(__x86_64__)
/* x86 lock cmpxchg works at any alignment; the C atomics do not promise
 * that, so a misaligned locked operand goes through the instruction. */
#define EMU_CAS_ASM(type, suffix)                                                            \
	static bool cas_##suffix(uint8_t *p, uint64_t *old, uint64_t val)                     \
	{                                                                                     \
		type expect = (type)*old;                                                     \
		bool ok;                                                                      \
		__asm__ volatile("lock cmpxchg" #suffix " %3, %1"                              \
				 : "+a"(expect), "+m"(*(volatile type *)(void *)p), "=@ccz"(ok) \
				 : "r"((type)val)                                               \
				 : "memory");                                                   \
		*old = expect;                                                                \
		return ok;                                                                    \
	}
EMU_CAS_ASM(uint8_t, b)
EMU_CAS_ASM(uint16_t, w)
EMU_CAS_ASM(uint32_t, l)
EMU_CAS_ASM(uint64_t, q)

bool emu_cas128(uint8_t *p, uint64_t *old_lo, uint64_t *old_hi, uint64_t new_lo,
		uint64_t new_hi)
{
	bool ok;
	uint64_t lo = *old_lo, hi = *old_hi;
	__asm__ volatile("lock cmpxchg16b %1"
			 : "+a"(lo), "+m"(*(volatile uint64_t(*)[2])(void *)p), "+d"(hi),
			   "=@ccz"(ok)
			 : "b"(new_lo), "c"(new_hi)
			 : "memory");
	*old_lo = lo;
	*old_hi = hi;
	return ok;
}
#else
#error "the emu backend's atomics need an x86-64 host"
#endif

static pthread_mutex_t split_lock = PTHREAD_MUTEX_INITIALIZER;

void emu_split_lock(void)
{
	pthread_mutex_lock(&split_lock);
}

void emu_split_unlock(void)
{
	pthread_mutex_unlock(&split_lock);
}

bool emu_ref_cas(const struct emu_ref *r, uint64_t *old, uint64_t val)
{
	if (r->p1) {
		/* No host atomic covers two mappings: serialise split locked
		 * operations among themselves (as a bus lock would). */
		bool ok;
		emu_split_lock();
		uint64_t cur = emu_ref_load(r);
		ok = cur == *old;
		if (ok)
			emu_ref_store(r, val);
		else
			*old = cur;
		emu_split_unlock();
		return ok;
	}
	switch (r->size) {
	case 1:
		return cas_b(r->p0, old, val);
	case 2:
		return cas_w(r->p0, old, val);
	case 4:
		return cas_l(r->p0, old, val);
	default:
		return cas_q(r->p0, old, val);
	}
}
