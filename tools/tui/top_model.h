/*
 * xgtop's model: what it computes from two samples of the hypervisor's
 * domain list, and how it lays that out as text.  Nothing here talks to the
 * hypervisor or the terminal, so tests/unit/test_top_model checks it alone.
 */
#ifndef XG_TOP_MODEL_H
#define XG_TOP_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xg/xg.h"

/* One reading of the hypervisor: its domains and the host. */
struct top_sample {
	struct xg_domain_info *domains; /* malloc'd */
	size_t count;
	struct xg_physinfo host;
	/* When the sample was taken, on the hypervisor's clock (its uptime):
	 * the same clock as each domain's created_ns and CPU time. */
	uint64_t taken_ns;
};

/* A domain as xgtop shows it: its latest reading and the rates between
 * the previous sample and this one. */
struct top_row {
	struct xg_domain_info info;
	double cpu_percent;      /* of one host CPU, as xentop: 2 busy vCPUs read 200 */
	double hypercalls_per_s;
};

/* The sort keys, in the order the S key cycles through them.  Domain id
 * first: it is the default, as in xentop. */
enum top_sort_key {
	TOP_SORT_DOMID = 0,
	TOP_SORT_NAME,
	TOP_SORT_STATE,
	TOP_SORT_CPU_TIME,
	TOP_SORT_CPU_PERCENT,
	TOP_SORT_MEM,
	TOP_SORT_MAXMEM,
	TOP_SORT_VCPUS,
	TOP_SORT_HYPERCALLS,
	TOP_SORT_KEYS
};

/* The column header the key sorts by ("CPU(%)"; "ID" for the domain id,
 * which has no column). */
const char *top_sort_key_name(enum top_sort_key key);

/*
 * xentop's six state letters, one position per flag, '-' where it is not
 * set, in xentop's order: d(ying) s(hutdown) b(locked) c(rashed) p(aused)
 * r(unning).  A running domain reads "-----r", a paused one "----p-".
 */
void top_state_letters(const struct xg_domain_info *d, char out[7]);

/* Percent of one CPU that cpu_delta_ns of CPU time over elapsed_ns of wall
 * time is; 0 when no time passed (never divides by zero). */
double top_cpu_percent(uint64_t cpu_delta_ns, uint64_t elapsed_ns);
/* Events per second that delta events over elapsed_ns are. */
double top_rate_per_s(uint64_t delta, uint64_t elapsed_ns);

/*
 * The rows for cur, with rates against prev (NULL: no previous sample).
 * A domain already in prev (same domid and creation time) is measured
 * from its reading there; one created since, from its creation (CPU time
 * and hypercalls 0 then).  Without prev, rates read 0, as in xentop's
 * first screen.  rows must hold cur->count entries.
 */
void top_compute_rows(const struct top_sample *prev, const struct top_sample *cur, struct top_row *rows);

/* Sort rows by key: names and states ascending, quantities largest first
 * (xentop's directions), ties by domain id; reverse flips the whole order. */
void top_sort_rows(struct top_row *rows, size_t count, enum top_sort_key key, bool reverse);

/* Whether a domain name passes the filter: a case-insensitive substring;
 * an empty or NULL filter passes everything. */
bool top_name_matches(const char *name, const char *filter);
/* Keep the rows whose names match, in order; returns how many remain. */
size_t top_filter_rows(struct top_row *rows, size_t count, const char *filter);

/* How many domains are in each state, for the summary line. */
struct top_state_counts {
	unsigned int total, running, blocked, paused, crashed, dying, shutdown;
};
void top_count_states(const struct top_sample *s, struct top_state_counts *out);

/*
 * Text lines, shared by the batch output and the screen.  Each writes one
 * line without its newline into buf (truncated to size) and returns buf.
 * name_width is the NAME column's width (top_name_width()).
 */
#define TOP_SUMMARY_LINES 3
/* Line 0: "xgtop - HH:MM:SS   Xen 4.17-xg", line 1: domain counts by
 * state, line 2: memory and CPUs.  clock_text is the local time to show. */
char *top_format_summary(char *buf, size_t size, unsigned int line, const struct top_sample *s,
			 const char *clock_text);
char *top_format_header(char *buf, size_t size, int name_width);
char *top_format_row(char *buf, size_t size, const struct top_row *row, const struct xg_physinfo *host,
		     int name_width);
/* The per-domain vCPU line (the V key): what XG can tell of the vCPUs. */
char *top_format_vcpu_line(char *buf, size_t size, const struct top_row *row);
/* Where a column starts and how wide it is in the lines above, for
 * highlighting it (the sort column); false for TOP_SORT_DOMID (no column). */
bool top_column_span(enum top_sort_key key, int name_width, int *start, int *width);

/* The NAME column's width for these rows: the longest name, at least
 * xentop's 10, at most max_width. */
int top_name_width(const struct top_row *rows, size_t count, int max_width);

#endif
