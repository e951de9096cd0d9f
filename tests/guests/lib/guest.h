/*
 * The test-guest framework: hypercalls, console output, checks and the
 * final report.  Guests implement guest_main() and return GUEST_PASS,
 * GUEST_FAIL or GUEST_SKIP; the framework prints "RESULT: <what> <name>"
 * and shuts the domain down (poweroff).
 */
#ifndef GUEST_H
#define GUEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lib/notes.h"
#include "public/sched.h"
#include "public/version.h"
#include "public/xen.h"

/* Where the guest's mapping starts (its VIRT_BASE note, and the linker
 * script's VIRT_BASE): Linux's addresses for each width. */
#ifdef __i386__
#define GUEST_VIRT_BASE 0xc0000000
#else
#define GUEST_VIRT_BASE 0xffffffff80000000
#endif

enum guest_result { GUEST_PASS, GUEST_FAIL, GUEST_SKIP };

/* The guest's name for its RESULT line; each guest defines it. */
extern const char guest_name[];
int guest_main(start_info_t *si);

extern start_info_t *guest_start_info;

/* Route hypercalls through the hypercall page instead of `syscall` (or
 * `int $0x82` in a 32-bit guest). */
void guest_use_hypercall_page(void);
long hypercall(unsigned int nr, unsigned long a1, unsigned long a2, unsigned long a3, unsigned long a4,
	       unsigned long a5);

static inline long HYPERVISOR_console_io(int cmd, int count, const char *buf)
{
	return hypercall(__HYPERVISOR_console_io, (unsigned long)cmd, (unsigned long)count, (unsigned long)buf, 0, 0);
}

static inline long HYPERVISOR_sched_op(int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_sched_op, (unsigned long)cmd, (unsigned long)arg, 0, 0, 0);
}

static inline long HYPERVISOR_xen_version(int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_xen_version, (unsigned long)cmd, (unsigned long)arg, 0, 0, 0);
}

void guest_puts(const char *s);
void guest_printf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int guest_vsnprintf(char *buf, size_t size, const char *fmt, va_list ap);

/* A failed check prints "FAIL: <message>" and makes the result FAIL. */
bool guest_check(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
bool guest_failed(void);

void guest_finish(int result) __attribute__((noreturn));
void guest_shutdown(unsigned int reason) __attribute__((noreturn));
/* The reason the framework shuts down with after the RESULT line
 * (SHUTDOWN_poweroff unless the guest changes it). */
extern unsigned int guest_exit_reason;

/* Sort frame numbers in place (heap sort). */
void guest_sort_pfns(xen_pfn_t *a, size_t n);
/* Check the P2M list start_info names (no frame twice, room for all). */
void guest_check_p2m(start_info_t *si);

/* Map shared_info at a free page of the initial mapping; NULL (and a
 * failed check) if that fails. */
struct shared_info *guest_map_shared_info(start_info_t *si);

/* Fill a vCPU context to start in the kernel at entry on stack sp (also
 * its kernel stack) with events enabled in its flags, on Xen's flat kernel
 * selectors (a 32-bit context's callbacks on FLAT_KERNEL_CS too), as
 * Linux's cpu_initialize_context does; the rest is the caller's. */
void guest_context_start(struct vcpu_guest_context *c, void (*entry)(void), unsigned long sp);
/* Where the initial mapping shows machine frame mfn (found through the
 * P2M list), NULL if it is not one of the domain's first nr_pages. */
void *guest_frame_va(start_info_t *si, xen_pfn_t mfn);

size_t guest_strlen(const char *s);
int guest_strncmp(const char *a, const char *b, size_t n);
const char *guest_strstr(const char *hay, const char *needle);

#endif
