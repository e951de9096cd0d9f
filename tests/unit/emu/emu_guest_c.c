/*
 * gcc-compiled C run as guest code: the test program's own image (text,
 * rodata, data) is copied into guest frames mapped at the same virtual
 * addresses, so functions compiled into this file run unchanged under the
 * emulator, and their results are compared with native calls.
 */
#include <link.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "emu_test.h"

#define BE exec_backend_emu

/* No instrumentation and no stack protector (it would read %fs:0x28),
 * no SSE: the guest has neither the sanitizer runtime nor a TLS block. */
#define GUEST_FN                                                                  \
	__attribute__((noinline, no_sanitize("address", "undefined"), no_stack_protector, \
		       target("general-regs-only")))

#pragma GCC push_options
#pragma GCC optimize("O0")
#define GFN(name) name##_O0
#include "emu_guest_fns.h"
#undef GFN
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC optimize("O2", "no-tree-loop-distribute-patterns")
#define GFN(name) name##_O2
#include "emu_guest_fns.h"
#undef GFN
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC optimize("Os", "no-tree-loop-distribute-patterns")
#define GFN(name) name##_Os
#include "emu_guest_fns.h"
#undef GFN
#pragma GCC pop_options

static bool mirror_ok;

/* The image includes sanitizer redzones: copy it without the checked
 * (and intercepted) memcpy. */
__attribute__((no_sanitize("address"))) static void copy_page_raw(uint8_t *dst,
								  const volatile uint8_t *src)
{
	for (unsigned int i = 0; i < 4096; i++)
		dst[i] = src[i];
}

static int mirror_cb(struct dl_phdr_info *info, size_t size, void *arg)
{
	(void)size;
	(void)arg;
	for (int i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_R))
			continue;
		uint64_t start = (info->dlpi_addr + ph->p_vaddr) & ~0xfffull;
		uint64_t end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz + 0xfff) & ~0xfffull;
		if (end > T_CODE_VA && start < T_SPECIAL_VA + 0x100000)
			return 1; /* would overlap the test layout */
		for (uint64_t va = start; va < end; va += 4096) {
			uint64_t *pte = t_pte(t_cr3, va);
			if (pte && (*pte & 1))
				continue; /* segments sharing a page */
			uint64_t mfn = t_alloc_frame();
			copy_page_raw(t_frame_ptr(mfn), (const volatile uint8_t *)(uintptr_t)va);
			t_map(t_cr3, va, mfn, T_PTE_URW);
		}
	}
	mirror_ok = true;
	return 1; /* the main program only */
}

/* Call fn(args...) in the guest; returns rax, or sets *failed. */
static uint64_t guest_call(const void *fn, const uint64_t *args, unsigned int nargs,
			   bool *failed, char *why, size_t whylen)
{
	struct vcpu_state *st = BE.vcpu_state(t_vcpu);
	struct exec_exit ex;
	t_setup_call(st, (uint64_t)(uintptr_t)fn);
	uint64_t *regs[6] = { &st->regs.rdi, &st->regs.rsi, &st->regs.rdx,
			      &st->regs.rcx, &st->regs.r8,  &st->regs.r9 };
	/* Stack arguments above the return address. */
	uint64_t rsp = T_STACK_TOP - 256;
	uint64_t ret = T_RET_VA;
	memcpy(t_host(rsp), &ret, 8);
	for (unsigned int i = 0; i < nargs; i++) {
		if (i < 6)
			*regs[i] = args[i];
		else
			memcpy(t_host(rsp + 8 * (i - 5)), &args[i], 8);
	}
	st->regs.rsp = rsp;
	st->regs.rax = 0; /* no vector registers used by a varargs call */
	uint64_t insns = 0;
	for (;;) {
		if (BE.vcpu_run(t_vcpu, &ex)) {
			*failed = true;
			snprintf(why, whylen, "vcpu_run error");
			return 0;
		}
		if (ex.reason != EXEC_EXIT_KICKED)
			break;
		insns++;
	}
	if (ex.reason != EXEC_EXIT_TRAP || ex.vector != X86_EXC_BP || st->regs.rip != T_RET_VA + 1) {
		*failed = true;
		snprintf(why, whylen, "exit %d vector %u err %#x cr2 %#llx rip %#llx %s", ex.reason,
			 ex.vector, ex.error_code, (unsigned long long)ex.cr2,
			 (unsigned long long)st->regs.rip, ex.detail);
		return 0;
	}
	*failed = false;
	return st->regs.rax;
}

#define A(x) ((uint64_t)(uintptr_t)(x))

struct variant {
	const char *level;
	void (*sort)(int64_t *, long, int (*)(int64_t, int64_t));
	int (*cmp_asc)(int64_t, int64_t), (*cmp_desc)(int64_t, int64_t);
	int (*format)(char *, long, const char *, ...);
	uint64_t (*mix)(const uint8_t *, long, uint64_t);
	long (*strings)(char *, const char *, long);
};

static const struct variant variants[] = {
	{ "O0", sort_O0, cmp_asc_O0, cmp_desc_O0, format_O0, mix_O0, strings_O0 },
	{ "O2", sort_O2, cmp_asc_O2, cmp_desc_O2, format_O2, mix_O2, strings_O2 },
	{ "Os", sort_Os, cmp_asc_Os, cmp_desc_Os, format_Os, mix_Os, strings_Os },
};

static void run_variant(const struct variant *v)
{
	char why[256] = "";
	bool failed;

	/* sort: 500 numbers in guest memory vs a native run. */
	enum { N = 500 };
	static int64_t native[N];
	uint64_t gbuf = T_DATA_VA + 0x10000;
	for (int pass = 0; pass < 2; pass++) {
		int (*cmp)(int64_t, int64_t) = pass ? v->cmp_desc : v->cmp_asc;
		for (int i = 0; i < N; i++) {
			native[i] = (int64_t)t_rand() >> (t_rand() % 60);
			memcpy(t_host(gbuf + 8 * (uint64_t)i), &native[i], 8);
		}
		v->sort(native, N, cmp);
		uint64_t args[] = { gbuf, N, A(cmp) };
		guest_call((const void *)v->sort, args, 3, &failed, why, sizeof(why));
		bool same = !failed;
		for (int i = 0; same && i < N; i++)
			same = !memcmp(t_host(gbuf + 8 * (uint64_t)i), &native[i], 8);
		if (!T_CHECK(same, "guest C (-%s): sort %s of %d numbers", v->level,
			       pass ? "descending" : "ascending", N))
			t_diag("%s", why);
	}

	/* format: the same string natively and in the guest. */
	static const char *const fmt = "[%d|%5i|%-6u|%08x|%X|%lo|%c|%s|%-8s|%lld|%zu|%p|%%|%ld]";
	static const char *const word = "guest";
	char out[256];
	int64_t big = -(int64_t)0x7edcba9876543210ll;
	int n = v->format(out, sizeof(out), fmt, -12345, 42, 7u, 0xbeefu, 0xabcdefu, 0777ul, 'Z',
			  word, "left", big, (size_t)99, (void *)0x1234, (long)-1);
	uint64_t gout = T_DATA_VA + 0x20000;
	uint64_t args[] = { gout, sizeof(out), A(fmt), (uint64_t)-12345, 42, 7, 0xbeef, 0xabcdef,
			    0777, 'Z', A(word), A("left"), (uint64_t)big, 99, 0x1234, (uint64_t)-1 };
	/* "left" must be the same object natively: string literals merge. */
	uint64_t r = guest_call((const void *)v->format, args, 16, &failed, why, sizeof(why));
	char gstr[256];
	for (int i = 0; i < 256; i++)
		gstr[i] = (char)*t_host(gout + (uint64_t)i);
	gstr[255] = 0;
	if (!T_CHECK(!failed && (int)r == n && !strcmp(gstr, out), "guest C (-%s): format \"%s\"",
		       v->level, out))
		t_diag("guest: %s (%d) %s", gstr, (int)r, why);

	/* mix: arithmetic of all kinds over a buffer. */
	uint8_t data[300];
	for (unsigned int i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)t_rand();
	uint64_t gdata = T_DATA_VA + 0x30000;
	for (unsigned int i = 0; i < sizeof(data); i++)
		*t_host(gdata + i) = data[i];
	bool all = true;
	for (uint64_t seed = 0; seed < 8 && all; seed++) {
		uint64_t want = v->mix(data, sizeof(data), seed * 0x9e3779b97f4a7c15ull);
		uint64_t margs[] = { gdata, sizeof(data), seed * 0x9e3779b97f4a7c15ull };
		uint64_t got = guest_call((const void *)v->mix, margs, 3, &failed, why, sizeof(why));
		all = !failed && got == want;
		if (!all)
			t_diag("seed %llu: native %#llx guest %#llx %s", (unsigned long long)seed,
				 (unsigned long long)want, (unsigned long long)got, why);
	}
	T_CHECK(all, "guest C (-%s): integer mix over 8 seeds", v->level);

	/* strings */
	static const char *const src = "The quick brown fox jumps over the lazy dog";
	char nd[100];
	long nl = v->strings(nd, src, sizeof(nd));
	uint64_t gd = T_DATA_VA + 0x28000;
	uint64_t sargs[] = { gd, A(src), sizeof(nd) };
	r = guest_call((const void *)v->strings, sargs, 3, &failed, why, sizeof(why));
	bool same = !failed && (long)r == nl;
	for (unsigned int i = 0; same && i < sizeof(nd); i++)
		same = *t_host(gd + i) == (uint8_t)nd[i];
	if (!T_CHECK(same, "guest C (-%s): string loops", v->level))
		t_diag("%s", why);
}

void test_guest_c(void)
{
	dl_iterate_phdr(mirror_cb, NULL);
	if (!mirror_ok) {
		for (int i = 0; i < 12; i++)
			t_skip("the test image overlaps the guest test layout");
		return;
	}
	for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++)
		run_variant(&variants[i]);
}
