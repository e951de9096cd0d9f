/* Hypercalls, console output, checks and shutdown for the test guests. */
#include "guest.h"

start_info_t *guest_start_info;
static bool use_page;
static bool any_failure;

/* Filled by the hypervisor when a guest declares XEN_ELFNOTE_HYPERCALL_PAGE
 * (see hello.c); page-aligned by the linker script. */
__attribute__((section(".hypercall_page"), aligned(4096))) char hypercall_page[4096];

void guest_use_hypercall_page(void)
{
	use_page = true;
}

#ifdef __i386__
/* 32-bit PV ABI: `int $0x82`, number in eax, arguments in ebx, ecx, edx,
 * esi, edi; the result in eax.  The argument registers may be rewritten
 * (a preempted call is continued with updated arguments). */
long hypercall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
	       unsigned long a5)
{
	long ret = nr;
	if (use_page) {
		void *stub = hypercall_page + nr * 32;
		__asm__ volatile("call *%[stub]"
				 : "+a"(ret), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5)
				 : [stub] "m"(stub)
				 : "memory");
	} else {
		__asm__ volatile("int $0x82"
				 : "+a"(ret), "+b"(a1), "+c"(a2), "+d"(a3), "+S"(a4), "+D"(a5)
				 :
				 : "memory");
	}
	return ret;
}
#else
/* 64-bit PV ABI: number in rax, arguments in rdi, rsi, rdx, r10, r8;
 * rcx and r11 are clobbered, and so may be the argument registers (the
 * hypervisor rewrites them when it continues a preempted call). */
long hypercall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
	       unsigned long a5)
{
	register unsigned long r10 __asm__("r10") = a4;
	register unsigned long r8 __asm__("r8") = a5;
	long ret = nr;
	if (use_page) {
		void *stub = hypercall_page + nr * 32;
		__asm__ volatile("call *%[stub]"
				 : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
				 : [stub] "r"(stub)
				 : "rcx", "r11", "r9", "memory");
	} else {
		__asm__ volatile("syscall"
				 : "+a"(ret), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
				 :
				 : "rcx", "r11", "memory");
	}
	return ret;
}
#endif

/* Heap sort, so checking that P2M entries are distinct stays cheap (a
 * 32-bit guest's every instruction is emulated on some hosts). */
static void sift(xen_pfn_t *a, size_t n, size_t i)
{
	for (;;) {
		size_t big = i, l = 2 * i + 1, r = l + 1;
		if (l < n && a[l] > a[big])
			big = l;
		if (r < n && a[r] > a[big])
			big = r;
		if (big == i)
			return;
		xen_pfn_t t = a[i];
		a[i] = a[big];
		a[big] = t;
		i = big;
	}
}

void guest_sort_pfns(xen_pfn_t *a, size_t n)
{
	for (size_t i = n / 2; i-- > 0;)
		sift(a, n, i);
	for (size_t end = n; end-- > 1;) {
		xen_pfn_t t = a[0];
		a[0] = a[end];
		a[end] = t;
		sift(a, end, 0);
	}
}

size_t guest_strlen(const char *s)
{
	size_t n = 0;
	while (s[n])
		n++;
	return n;
}

int guest_strncmp(const char *a, const char *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (a[i] != b[i])
			return (unsigned char)a[i] - (unsigned char)b[i];
		if (!a[i])
			return 0;
	}
	return 0;
}

const char *guest_strstr(const char *hay, const char *needle)
{
	size_t n = guest_strlen(needle);
	for (; *hay; hay++)
		if (!guest_strncmp(hay, needle, n))
			return hay;
	return n ? NULL : hay;
}

void guest_puts(const char *s)
{
	HYPERVISOR_console_io(CONSOLEIO_write, (int)guest_strlen(s), s);
}

/* A small vsnprintf: %s %c %d %i %u %x %p %%, with l/ll/z, width and 0. */
struct out {
	char *buf;
	size_t size, len;
};

static void emit(struct out *o, char c)
{
	if (o->len + 1 < o->size)
		o->buf[o->len] = c;
	o->len++;
}

/* v /= base, returning the remainder, with 32-bit arithmetic only: a
 * 32-bit guest has no libgcc for 64-bit division.  Long division in 16-bit
 * steps: each partial dividend stays below base << 16. */
static unsigned int divide(unsigned long long *v, unsigned int base)
{
	unsigned long long q = 0;
	uint32_t r = 0;
	for (int shift = 48; shift >= 0; shift -= 16) {
		uint32_t part = (r << 16) | (uint32_t)((*v >> shift) & 0xffff);
		q |= (unsigned long long)(part / base) << shift;
		r = part % base;
	}
	*v = q;
	return r;
}

static void emit_number(struct out *o, unsigned long long v, unsigned int base, bool negative, int width,
			char pad)
{
	char digits[24];
	int n = 0;
	do {
		unsigned int d = divide(&v, base);
		digits[n++] = (char)(d < 10 ? '0' + d : 'a' + d - 10);
	} while (v);
	int total = n + (negative ? 1 : 0);
	if (negative && pad == '0')
		emit(o, '-');
	for (; total < width; total++)
		emit(o, pad);
	if (negative && pad != '0')
		emit(o, '-');
	while (n)
		emit(o, digits[--n]);
}

int guest_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	for (; *fmt; fmt++) {
		if (*fmt != '%') {
			emit(&o, *fmt);
			continue;
		}
		fmt++;
		char pad = ' ';
		int width = 0, longs = 0; /* 1: long or size_t, 2: long long */
		if (*fmt == '0') {
			pad = '0';
			fmt++;
		}
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + (*fmt++ - '0');
		while (*fmt == 'l' || *fmt == 'z') {
			longs++; /* size_t is unsigned long on both widths */
			fmt++;
		}
		switch (*fmt) {
		case 'd':
		case 'i': {
			long long v = longs > 1 ? va_arg(ap, long long) : longs ? va_arg(ap, long) : va_arg(ap, int);
			unsigned long long mag = v < 0 ? 0ull - (unsigned long long)v : (unsigned long long)v;
			emit_number(&o, mag, 10, v < 0, width, pad);
			break;
		}
		case 'u':
		case 'x': {
			unsigned long long v = longs > 1 ? va_arg(ap, unsigned long long)
					       : longs  ? va_arg(ap, unsigned long)
							: va_arg(ap, unsigned int);
			emit_number(&o, v, *fmt == 'x' ? 16 : 10, false, width, pad);
			break;
		}
		case 'p':
			emit(&o, '0');
			emit(&o, 'x');
			emit_number(&o, (unsigned long long)(uintptr_t)va_arg(ap, void *), 16, false, width, pad);
			break;
		case 's': {
			const char *s = va_arg(ap, const char *);
			if (!s)
				s = "(null)";
			for (int len = (int)guest_strlen(s); len < width; len++)
				emit(&o, ' ');
			while (*s)
				emit(&o, *s++);
			break;
		}
		case 'c':
			emit(&o, (char)va_arg(ap, int));
			break;
		case '%':
			emit(&o, '%');
			break;
		default:
			emit(&o, '%');
			if (*fmt)
				emit(&o, *fmt);
			else
				fmt--;
			break;
		}
	}
	if (size)
		buf[o.len < size ? o.len : size - 1] = '\0';
	return (int)o.len;
}

void guest_printf(const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	va_start(ap, fmt);
	guest_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	guest_puts(buf);
}

bool guest_check(bool cond, const char *fmt, ...)
{
	if (cond)
		return true;
	char buf[400];
	va_list ap;
	va_start(ap, fmt);
	guest_vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	guest_printf("FAIL: %s\n", buf);
	any_failure = true;
	return false;
}

bool guest_failed(void)
{
	return any_failure;
}

void guest_shutdown(unsigned int reason)
{
	struct sched_shutdown s = { .reason = reason };
	HYPERVISOR_sched_op(SCHEDOP_shutdown, &s);
	for (;;)
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
}

unsigned int guest_exit_reason = SHUTDOWN_poweroff;

void guest_finish(int result)
{
	if (result == GUEST_PASS && any_failure)
		result = GUEST_FAIL;
	static const char *const words[] = { "PASS", "FAIL", "SKIP" };
	guest_printf("RESULT: %s %s\n", words[result], guest_name);
	guest_shutdown(guest_exit_reason);
}

/* The P2M list: no frame twice among the first entries, and enough
 * frames for all of them (xen_pfn_t is the guest's width). */
#define MAX_CHECKED_PFNS 4096
void guest_check_p2m(start_info_t *si)
{
	static xen_pfn_t sorted[MAX_CHECKED_PFNS];
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	size_t n = si->nr_pages < MAX_CHECKED_PFNS ? si->nr_pages : MAX_CHECKED_PFNS;
	for (size_t i = 0; i < n; i++)
		sorted[i] = p2m[i];
	guest_sort_pfns(sorted, n);
	size_t dups = 0;
	for (size_t i = 1; i < n; i++)
		if (sorted[i] == sorted[i - 1])
			dups++;
	guest_check(dups == 0, "%lu P2M entries repeat a frame", (unsigned long)dups);
	/* Xen's builder names the P2M's frames only for a list at the
	 * kernel's INIT_P2M address (and then with the tables mapping it). */
	unsigned long per_frame = 4096 / sizeof(xen_pfn_t);
	guest_check(si->nr_p2m_frames == 0 || si->nr_p2m_frames * per_frame >= si->nr_pages,
		    "%lu P2M frames cannot hold %lu entries", (unsigned long)si->nr_p2m_frames,
		    (unsigned long)si->nr_pages);
}

struct shared_info *guest_map_shared_info(start_info_t *si)
{
	/* The first pages after the boot tables and stack are mapped but
	 * unused (the builder's 512 KiB of slack). */
	unsigned long va = si->pt_base + (si->nr_pt_frames + 2) * 4096;
#ifdef __i386__
	uint64_t pte = (uint64_t)si->shared_info | 0x3;
	long rc = hypercall(__HYPERVISOR_update_va_mapping, va, (uint32_t)pte, (uint32_t)(pte >> 32),
			    UVMF_INVLPG | UVMF_LOCAL, 0);
#else
	long rc = hypercall(__HYPERVISOR_update_va_mapping, va, si->shared_info | 0x7, UVMF_INVLPG | UVMF_LOCAL, 0, 0);
#endif
	if (!guest_check(rc == 0, "mapping shared_info: %ld", rc))
		return NULL;
	return (struct shared_info *)va;
}

void *guest_frame_va(start_info_t *si, xen_pfn_t mfn)
{
	const xen_pfn_t *p2m = (const xen_pfn_t *)si->mfn_list;
	for (unsigned long pfn = 0; pfn < si->nr_pages; pfn++)
		if (p2m[pfn] == mfn)
			return (void *)(GUEST_VIRT_BASE + pfn * 4096);
	return NULL;
}

void guest_context_start(struct vcpu_guest_context *c, void (*entry)(void), unsigned long sp)
{
	c->flags |= VGCF_in_kernel;
#ifdef __i386__
	c->user_regs.eip = (unsigned long)entry;
	c->user_regs.esp = sp;
	c->user_regs.eflags = 0x202;
	c->event_callback_cs = FLAT_KERNEL_CS;
	c->failsafe_callback_cs = FLAT_KERNEL_CS;
#else
	c->user_regs.rip = (unsigned long)entry;
	c->user_regs.rsp = sp;
	c->user_regs.rflags = 0x202;
#endif
	c->user_regs.cs = FLAT_KERNEL_CS;
	c->user_regs.ss = FLAT_KERNEL_SS;
	c->kernel_ss = FLAT_KERNEL_SS;
	c->kernel_sp = sp;
}
