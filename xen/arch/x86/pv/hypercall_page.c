/*
 * The hypercall page a guest asks for with XEN_ELFNOTE_HYPERCALL_PAGE:
 * 32-byte stubs, stub n making hypercall n with the instruction the ABI
 * prescribes.  The byte sequences are Xen's, so guests that inspect or
 * patch them keep working.
 */
#include <string.h>

#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "public/xen.h"

#define STUB_SIZE 32

static void put_bytes(uint8_t **p, const uint8_t *b, size_t n)
{
	memcpy(*p, b, n);
	*p += n;
}

static void put_u32(uint8_t **p, uint32_t v)
{
	memcpy(*p, &v, 4);
	*p += 4;
}

/* 32-bit guests: int $0x82, which clobbers nothing. */
static void write_ring1_stubs(uint8_t *page)
{
	for (unsigned int nr = 0; nr < PAGE_SIZE / STUB_SIZE; nr++) {
		uint8_t *p = page + nr * STUB_SIZE;
		if (nr == __HYPERVISOR_iret)
			put_bytes(&p, (const uint8_t[]){ 0x50 }, 1); /* push %eax */
		put_bytes(&p, (const uint8_t[]){ 0xb8 }, 1);         /* mov $nr, %eax */
		put_u32(&p, nr);
		put_bytes(&p, (const uint8_t[]){ 0xcd, PV32_HYPERCALL_VECTOR }, 2); /* int $0x82 */
		if (nr != __HYPERVISOR_iret)
			put_bytes(&p, (const uint8_t[]){ 0xc3 }, 1); /* ret */
	}
}

void pv_write_hypercall_page(struct domain *d, uint64_t mfn)
{
	uint8_t *page = machine_frame(&hv->machine, mfn);
	/* Unused bytes trap if executed. */
	memset(page, 0xcc, PAGE_SIZE);
	if (domain_is_pv32(d)) {
		write_ring1_stubs(page);
		return;
	}
	for (unsigned int nr = 0; nr < PAGE_SIZE / STUB_SIZE; nr++) {
		uint8_t *p = page + nr * STUB_SIZE;
		/* 64-bit: syscall clobbers rcx and r11, so the stub saves them. */
		put_bytes(&p, (const uint8_t[]){ 0x51, 0x41, 0x53 }, 3); /* push %rcx; push %r11 */
		if (nr == __HYPERVISOR_iret) {
			/* iret never returns to the stub: the frame is on the stack. */
			put_bytes(&p, (const uint8_t[]){ 0x50 }, 1); /* push %rax */
			put_bytes(&p, (const uint8_t[]){ 0xb8 }, 1); /* mov $nr, %eax */
			put_u32(&p, nr);
			put_bytes(&p, (const uint8_t[]){ 0x0f, 0x05 }, 2); /* syscall */
			continue;
		}
		put_bytes(&p, (const uint8_t[]){ 0xb8 }, 1); /* mov $nr, %eax */
		put_u32(&p, nr);
		put_bytes(&p, (const uint8_t[]){ 0x0f, 0x05 }, 2);       /* syscall */
		put_bytes(&p, (const uint8_t[]){ 0x41, 0x5b, 0x59 }, 3); /* pop %r11; pop %rcx */
		put_bytes(&p, (const uint8_t[]){ 0xc3 }, 1);             /* ret */
	}
}
