/*
 * A small TAP producer for XG's C tests (run by Automake's tap-driver).
 *
 *   TAP_CHECK(cond, "what is checked")  one test point
 *   tap_skip("why")                     one skipped point
 *   return tap_done();                  prints the plan, exit status
 *
 * Every test point is counted by the test driver, so the CI summary counts
 * checks, not programs.  A check that fails prints where and what.
 */
#ifndef XG_TESTS_TAP_H
#define XG_TESTS_TAP_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static int tap_count, tap_failed;

static inline int tap_result(int ok, const char *file, int line, const char *fmt, ...)
{
	va_list ap;
	tap_count++;
	printf("%s %d - ", ok ? "ok" : "not ok", tap_count);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
	if (!ok) {
		tap_failed++;
		printf("#   failed at %s:%d\n", file, line);
	}
	fflush(stdout);
	return ok;
}

#define TAP_CHECK(cond, ...) tap_result(!!(cond), __FILE__, __LINE__, __VA_ARGS__)

static inline void tap_skip(const char *why)
{
	tap_count++;
	printf("ok %d # SKIP %s\n", tap_count, why);
	fflush(stdout);
}

static inline void tap_diag(const char *fmt, ...)
{
	va_list ap;
	printf("# ");
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Every test point is printed before the plan, so a crash shows as a
 * missing plan (an error) rather than as silence. */
static inline int tap_done(void)
{
	printf("1..%d\n", tap_count);
	return tap_failed ? 1 : 0;
}

#endif
