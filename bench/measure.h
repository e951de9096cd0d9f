/*
 * What every benchmark here measures with: the monotonic clock, the host's
 * time-stamp counter and medians of repeated runs.
 */
#ifndef XG_BENCH_MEASURE_H
#define XG_BENCH_MEASURE_H

#include <stdint.h>

/* Seconds on CLOCK_MONOTONIC. */
double now_seconds(void);

/* The host CPU's time-stamp counter.  A guest's rdtsc counts at the same
 * rate on both backends (see bench/bare_vm.h), so cycles measured here and
 * cycles a guest reports can be compared directly. */
static inline uint64_t host_rdtsc(void)
{
	uint32_t lo, hi;
	__asm__ volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* The median of v[0..n) (n > 0); sorts v. */
double median(double *v, int n);

#endif
