/* xgtop's model: rates between samples, sorting, filtering, text lines. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "top_model.h"

/* The table's columns after NAME, in order, with xentop's widths; each is
 * preceded by one space. */
struct top_column {
	enum top_sort_key key;
	const char *header;
	int width;
};

static const struct top_column columns[] = {
	{ TOP_SORT_STATE, "STATE", 6 },
	{ TOP_SORT_CPU_TIME, "CPU(sec)", 10 },
	{ TOP_SORT_CPU_PERCENT, "CPU(%)", 6 },
	{ TOP_SORT_MEM, "MEM(k)", 10 },
	{ TOP_SORT_MEM, "MEM(%)", 6 },
	{ TOP_SORT_MAXMEM, "MAXMEM(k)", 10 },
	{ TOP_SORT_MAXMEM, "MAXMEM(%)", 9 },
	{ TOP_SORT_VCPUS, "VCPUS", 5 },
	{ TOP_SORT_HYPERCALLS, "HCALLS/s", 10 },
};
#define NR_COLUMNS (sizeof(columns) / sizeof(columns[0]))

/* xentop's shortest NAME column. */
#define TOP_MIN_NAME_WIDTH 10

const char *top_sort_key_name(enum top_sort_key key)
{
	switch (key) {
	case TOP_SORT_DOMID: return "ID";
	case TOP_SORT_NAME: return "NAME";
	case TOP_SORT_STATE: return "STATE";
	case TOP_SORT_CPU_TIME: return "CPU(sec)";
	case TOP_SORT_CPU_PERCENT: return "CPU(%)";
	case TOP_SORT_MEM: return "MEM(k)";
	case TOP_SORT_MAXMEM: return "MAXMEM(k)";
	case TOP_SORT_VCPUS: return "VCPUS";
	case TOP_SORT_HYPERCALLS: return "HCALLS/s";
	case TOP_SORT_KEYS: break;
	}
	return "?";
}

void top_state_letters(const struct xg_domain_info *d, char out[7])
{
	memcpy(out, "------", 7);
	if (d->state == XG_DOMAIN_DYING)
		out[0] = 'd';
	if (d->state == XG_DOMAIN_SHUTDOWN)
		out[1] = 's';
	if (d->state == XG_DOMAIN_BLOCKED)
		out[2] = 'b';
	if (d->state == XG_DOMAIN_CRASHED)
		out[3] = 'c';
	/* A domain the toolstack paused stays marked so while it is shut
	 * down too, as xl and xentop show it. */
	if (d->paused || d->state == XG_DOMAIN_PAUSED)
		out[4] = 'p';
	if (d->state == XG_DOMAIN_RUNNING)
		out[5] = 'r';
}

double top_cpu_percent(uint64_t cpu_delta_ns, uint64_t elapsed_ns)
{
	if (!elapsed_ns)
		return 0.0;
	return (double)cpu_delta_ns * 100.0 / (double)elapsed_ns;
}

double top_rate_per_s(uint64_t delta, uint64_t elapsed_ns)
{
	if (!elapsed_ns)
		return 0.0;
	return (double)delta * 1e9 / (double)elapsed_ns;
}

static const struct xg_domain_info *find_same_domain(const struct top_sample *s, const struct xg_domain_info *d)
{
	/* A domain id can be reused after a destroy: the creation time tells
	 * a new domain from the one that had the id before. */
	for (size_t i = 0; i < s->count; i++)
		if (s->domains[i].domid == d->domid && s->domains[i].created_ns == d->created_ns)
			return &s->domains[i];
	return NULL;
}

/* later - earlier, or 0 if the counter went backwards. */
static uint64_t counter_delta(uint64_t later, uint64_t earlier)
{
	return later > earlier ? later - earlier : 0;
}

void top_compute_rows(const struct top_sample *prev, const struct top_sample *cur, struct top_row *rows)
{
	for (size_t i = 0; i < cur->count; i++) {
		const struct xg_domain_info *d = &cur->domains[i];
		struct top_row *r = &rows[i];
		r->info = *d;
		r->cpu_percent = 0.0;
		r->hypercalls_per_s = 0.0;
		if (!prev)
			continue;
		const struct xg_domain_info *before = find_same_domain(prev, d);
		uint64_t cpu_then = 0, hypercalls_then = 0, then_ns = d->created_ns;
		if (before) {
			cpu_then = before->cpu_time_ns;
			hypercalls_then = before->hypercalls;
			then_ns = prev->taken_ns;
		}
		uint64_t elapsed = counter_delta(cur->taken_ns, then_ns);
		r->cpu_percent = top_cpu_percent(counter_delta(d->cpu_time_ns, cpu_then), elapsed);
		r->hypercalls_per_s = top_rate_per_s(counter_delta(d->hypercalls, hypercalls_then), elapsed);
	}
}

static int compare_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

static int compare_double(double a, double b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

/* xentop's state order: a domain with a flag earlier in "dsbcpr" first. */
static int compare_state(const struct xg_domain_info *a, const struct xg_domain_info *b)
{
	char sa[7], sb[7];
	top_state_letters(a, sa);
	top_state_letters(b, sb);
	for (int i = 0; i < 6; i++) {
		if (sa[i] != '-' && sb[i] == '-')
			return -1;
		if (sa[i] == '-' && sb[i] != '-')
			return 1;
	}
	return 0;
}

struct sort_order {
	enum top_sort_key key;
	bool reverse;
};

static int compare_rows(const void *pa, const void *pb, void *arg)
{
	const struct top_row *a = pa, *b = pb;
	const struct sort_order *order = arg;
	int c = 0;
	switch (order->key) {
	case TOP_SORT_NAME: c = strcasecmp(a->info.name, b->info.name); break;
	case TOP_SORT_STATE: c = compare_state(&a->info, &b->info); break;
	/* Quantities: largest first, so the busiest domain leads. */
	case TOP_SORT_CPU_TIME: c = -compare_u64(a->info.cpu_time_ns, b->info.cpu_time_ns); break;
	case TOP_SORT_CPU_PERCENT: c = -compare_double(a->cpu_percent, b->cpu_percent); break;
	case TOP_SORT_MEM: c = -compare_u64(a->info.tot_frames, b->info.tot_frames); break;
	case TOP_SORT_MAXMEM: c = -compare_u64(a->info.max_frames, b->info.max_frames); break;
	case TOP_SORT_VCPUS: c = -compare_u64(a->info.nr_vcpus, b->info.nr_vcpus); break;
	case TOP_SORT_HYPERCALLS: c = -compare_double(a->hypercalls_per_s, b->hypercalls_per_s); break;
	case TOP_SORT_DOMID:
	case TOP_SORT_KEYS: break;
	}
	/* Ties by domain id keep equal rows from trading places between
	 * refreshes (qsort is not stable). */
	if (!c)
		c = compare_u64(a->info.domid, b->info.domid);
	return order->reverse ? -c : c;
}

void top_sort_rows(struct top_row *rows, size_t count, enum top_sort_key key, bool reverse)
{
	struct sort_order order = { key, reverse };
	qsort_r(rows, count, sizeof(*rows), compare_rows, &order);
}

bool top_name_matches(const char *name, const char *filter)
{
	return !filter || !*filter || strcasestr(name, filter) != NULL;
}

size_t top_filter_rows(struct top_row *rows, size_t count, const char *filter)
{
	size_t kept = 0;
	for (size_t i = 0; i < count; i++)
		if (top_name_matches(rows[i].info.name, filter))
			rows[kept++] = rows[i];
	return kept;
}

void top_count_states(const struct top_sample *s, struct top_state_counts *out)
{
	memset(out, 0, sizeof(*out));
	out->total = (unsigned int)s->count;
	for (size_t i = 0; i < s->count; i++) {
		switch (s->domains[i].state) {
		case XG_DOMAIN_RUNNING: out->running++; break;
		case XG_DOMAIN_BLOCKED: out->blocked++; break;
		case XG_DOMAIN_PAUSED: out->paused++; break;
		case XG_DOMAIN_SHUTDOWN: out->shutdown++; break;
		case XG_DOMAIN_CRASHED: out->crashed++; break;
		case XG_DOMAIN_DYING: out->dying++; break;
		}
	}
}

char *top_format_summary(char *buf, size_t size, unsigned int line, const struct top_sample *s,
			 const char *clock_text)
{
	const struct xg_physinfo *h = &s->host;
	struct top_state_counts n;
	switch (line) {
	case 0:
		snprintf(buf, size, "xgtop - %s   Xen %u.%u%s   backend %s", clock_text, h->xen_major, h->xen_minor,
			 h->xen_extra, h->backend);
		break;
	case 1:
		top_count_states(s, &n);
		snprintf(buf, size, "%u domains: %u running, %u blocked, %u paused, %u crashed, %u dying, %u shutdown",
			 n.total, n.running, n.blocked, n.paused, n.crashed, n.dying, n.shutdown);
		break;
	default:
		/* "used" is what is not free, as xentop counts it: the domains'
		 * frames and the hypervisor's own (its M2P, for one). */
		snprintf(buf, size, "Mem: %lluk total, %lluk used, %lluk free    CPUs: %u",
			 (unsigned long long)h->total_frames * 4,
			 (unsigned long long)counter_delta(h->total_frames, h->free_frames) * 4,
			 (unsigned long long)h->free_frames * 4, h->nr_cpus);
		break;
	}
	return buf;
}

char *top_format_header(char *buf, size_t size, int name_width)
{
	int used = snprintf(buf, size, "%-*s", name_width, "NAME");
	for (size_t i = 0; i < NR_COLUMNS && used >= 0 && (size_t)used < size; i++)
		used += snprintf(buf + used, size - (size_t)used, " %*s", columns[i].width, columns[i].header);
	return buf;
}

static double percent_of(uint64_t part, uint64_t whole)
{
	return whole ? (double)part * 100.0 / (double)whole : 0.0;
}

char *top_format_row(char *buf, size_t size, const struct top_row *row, const struct xg_physinfo *host,
		     int name_width)
{
	const struct xg_domain_info *d = &row->info;
	char state[7];
	top_state_letters(d, state);
	/* CPU(sec) in whole seconds, as xentop prints it. */
	snprintf(buf, size, "%-*.*s %6s %10llu %6.1f %10llu %6.1f %10llu %9.1f %5u %10.1f", name_width, name_width,
		 d->name, state, (unsigned long long)(d->cpu_time_ns / 1000000000u), row->cpu_percent,
		 (unsigned long long)d->tot_frames * 4, percent_of(d->tot_frames, host->total_frames),
		 (unsigned long long)d->max_frames * 4, percent_of(d->max_frames, host->total_frames), d->nr_vcpus,
		 row->hypercalls_per_s);
	return buf;
}

char *top_format_vcpu_line(char *buf, size_t size, const struct top_row *row)
{
	/* XG reports CPU time summed over a domain's vCPUs only: say so
	 * rather than share the total out among them. */
	snprintf(buf, size, "    VCPUs: %u of %u online; per-vCPU CPU time and runstate: not available from XG yet",
		 row->info.nr_online_vcpus, row->info.nr_vcpus);
	return buf;
}

bool top_column_span(enum top_sort_key key, int name_width, int *start, int *width)
{
	if (key == TOP_SORT_NAME) {
		*start = 0;
		*width = name_width;
		return true;
	}
	int at = name_width;
	for (size_t i = 0; i < NR_COLUMNS; i++) {
		at += 1;
		if (columns[i].key == key) {
			*start = at;
			*width = columns[i].width;
			return true;
		}
		at += columns[i].width;
	}
	return false;
}

int top_name_width(const struct top_row *rows, size_t count, int max_width)
{
	int width = TOP_MIN_NAME_WIDTH;
	for (size_t i = 0; i < count; i++) {
		int len = (int)strnlen(rows[i].info.name, sizeof(rows[i].info.name));
		if (len > width)
			width = len;
	}
	return width < max_width ? width : max_width;
}
