/* xgtop's model (tools/tui/top_model.c): rates between samples, xentop's
 * state letters, sorting, filtering, and the text lines. */
#include <math.h>
#include <string.h>

#include "tests/tap.h"
#include "tools/tui/top_model.h"

static struct xg_domain_info domain(uint32_t domid, const char *name, enum xg_domain_state state,
				    uint64_t cpu_time_ns, uint64_t hypercalls, uint64_t created_ns)
{
	struct xg_domain_info d = { .domid = domid, .state = state, .cpu_time_ns = cpu_time_ns,
				    .hypercalls = hypercalls, .created_ns = created_ns, .nr_vcpus = 1,
				    .nr_online_vcpus = 1, .tot_frames = 4096, .max_frames = 8192 };
	snprintf(d.name, sizeof(d.name), "%s", name);
	d.paused = state == XG_DOMAIN_PAUSED;
	return d;
}

static bool near(double a, double b)
{
	return fabs(a - b) < 1e-6;
}

static const struct top_row *row_of(const struct top_row *rows, size_t n, uint32_t domid)
{
	for (size_t i = 0; i < n; i++)
		if (rows[i].info.domid == domid)
			return &rows[i];
	return NULL;
}

static void check_state_letters(void)
{
	char s[7];
	struct xg_domain_info d = domain(1, "a", XG_DOMAIN_RUNNING, 0, 0, 0);
	top_state_letters(&d, s);
	TAP_CHECK(!strcmp(s, "-----r"), "running reads -----r (%s)", s);
	d.state = XG_DOMAIN_BLOCKED;
	top_state_letters(&d, s);
	TAP_CHECK(!strcmp(s, "--b---"), "blocked reads --b--- (%s)", s);
	d.state = XG_DOMAIN_PAUSED;
	d.paused = true;
	top_state_letters(&d, s);
	TAP_CHECK(!strcmp(s, "----p-"), "paused reads ----p- (%s)", s);
	d.state = XG_DOMAIN_SHUTDOWN;
	top_state_letters(&d, s);
	TAP_CHECK(!strcmp(s, "-s--p-"), "shut down while paused keeps both letters (%s)", s);
	d.paused = false;
	d.state = XG_DOMAIN_CRASHED;
	top_state_letters(&d, s);
	TAP_CHECK(!strcmp(s, "---c--"), "crashed reads ---c-- (%s)", s);
	d.state = XG_DOMAIN_DYING;
	top_state_letters(&d, s);
	TAP_CHECK(!strcmp(s, "d-----"), "dying reads d----- (%s)", s);
}

static void check_rates(void)
{
	TAP_CHECK(near(top_cpu_percent(500000000, 1000000000), 50.0), "0.5 s of CPU in 1 s is 50%%");
	TAP_CHECK(near(top_cpu_percent(3000000000u, 1500000000), 200.0), "two busy vCPUs read 200%%, as in xentop");
	TAP_CHECK(near(top_cpu_percent(123, 0), 0.0), "no elapsed time: 0, not a division by zero");
	TAP_CHECK(near(top_rate_per_s(300, 2000000000), 150.0), "300 hypercalls in 2 s are 150/s");

	struct xg_domain_info before[] = {
		domain(0, "Domain-0", XG_DOMAIN_RUNNING, 0, 1000, 0),
		domain(1, "spin", XG_DOMAIN_RUNNING, 10000000000u, 5, 1000),
		domain(2, "idle", XG_DOMAIN_PAUSED, 200000000, 7, 2000),
		domain(3, "reused", XG_DOMAIN_RUNNING, 50000000000u, 900, 3000),
	};
	struct xg_domain_info after[] = {
		domain(0, "Domain-0", XG_DOMAIN_RUNNING, 0, 1040, 0),
		domain(1, "spin", XG_DOMAIN_RUNNING, 11980000000u, 5, 1000),
		domain(2, "idle", XG_DOMAIN_PAUSED, 200000000, 7, 2000),
		/* Destroyed and its id given to a new domain 0.5 s ago. */
		domain(3, "newcomer", XG_DOMAIN_RUNNING, 250000000, 60, 20000000000u - 500000000),
		/* Created 0.25 s ago. */
		domain(4, "fresh", XG_DOMAIN_RUNNING, 100000000, 10, 20000000000u - 250000000),
	};
	struct top_sample prev = { before, 4, { .total_frames = 1 << 19 }, 18000000000u };
	struct top_sample cur = { after, 5, { .total_frames = 1 << 19 }, 20000000000u };
	struct top_row rows[5];
	top_compute_rows(&prev, &cur, rows);
	TAP_CHECK(near(row_of(rows, 5, 1)->cpu_percent, 99.0), "1.98 s of CPU over 2 s: 99%% (%.3f)",
		  row_of(rows, 5, 1)->cpu_percent);
	TAP_CHECK(near(row_of(rows, 5, 2)->cpu_percent, 0.0), "a paused domain: 0%%");
	TAP_CHECK(near(row_of(rows, 5, 0)->hypercalls_per_s, 20.0), "40 hypercalls over 2 s: 20/s");
	TAP_CHECK(near(row_of(rows, 5, 3)->cpu_percent, 50.0) && near(row_of(rows, 5, 3)->hypercalls_per_s, 120.0),
		  "a reused domain id is measured from the new domain's creation (%.3f%%, %.3f/s)",
		  row_of(rows, 5, 3)->cpu_percent, row_of(rows, 5, 3)->hypercalls_per_s);
	TAP_CHECK(near(row_of(rows, 5, 4)->cpu_percent, 40.0), "a new domain: from its creation (%.3f%%)",
		  row_of(rows, 5, 4)->cpu_percent);

	top_compute_rows(NULL, &cur, rows);
	TAP_CHECK(near(rows[1].cpu_percent, 0.0) && near(rows[0].hypercalls_per_s, 0.0),
		  "without a previous sample every rate reads 0");

	/* A counter that went backwards (it cannot, but a reset must not
	 * show as an enormous rate). */
	after[1].cpu_time_ns = 1;
	top_compute_rows(&prev, &cur, rows);
	TAP_CHECK(near(row_of(rows, 5, 1)->cpu_percent, 0.0), "a counter going backwards reads 0, not a wrap");
}

static void check_sort_and_filter(void)
{
	struct top_row rows[4] = { 0 };
	rows[0].info = domain(0, "Domain-0", XG_DOMAIN_RUNNING, 0, 0, 0);
	rows[1].info = domain(5, "beta", XG_DOMAIN_PAUSED, 9, 0, 0);
	rows[2].info = domain(2, "Alpha", XG_DOMAIN_BLOCKED, 3, 0, 0);
	rows[3].info = domain(7, "gamma-web", XG_DOMAIN_RUNNING, 5, 0, 0);
	rows[0].cpu_percent = 1.0;
	rows[1].cpu_percent = 0.0;
	rows[2].cpu_percent = 97.5;
	rows[3].cpu_percent = 40.0;
	rows[3].info.tot_frames = 1 << 20;

	top_sort_rows(rows, 4, TOP_SORT_DOMID, false);
	TAP_CHECK(rows[0].info.domid == 0 && rows[1].info.domid == 2 && rows[2].info.domid == 5 &&
			  rows[3].info.domid == 7,
		  "by domain id");
	top_sort_rows(rows, 4, TOP_SORT_CPU_PERCENT, false);
	TAP_CHECK(rows[0].info.domid == 2 && rows[1].info.domid == 7 && rows[2].info.domid == 0 &&
			  rows[3].info.domid == 5,
		  "by CPU(%%): the busiest first");
	top_sort_rows(rows, 4, TOP_SORT_CPU_PERCENT, true);
	TAP_CHECK(rows[0].info.domid == 5 && rows[3].info.domid == 2, "reversed: the idlest first");
	top_sort_rows(rows, 4, TOP_SORT_NAME, false);
	TAP_CHECK(!strcmp(rows[0].info.name, "Alpha") && !strcmp(rows[1].info.name, "beta") &&
			  !strcmp(rows[2].info.name, "Domain-0"),
		  "by name, ignoring case");
	top_sort_rows(rows, 4, TOP_SORT_STATE, false);
	TAP_CHECK(rows[0].info.domid == 2 && rows[1].info.domid == 5 && rows[2].info.domid == 0 &&
			  rows[3].info.domid == 7,
		  "by state in xentop's order (blocked, paused, running; ties by id)");
	top_sort_rows(rows, 4, TOP_SORT_MEM, false);
	TAP_CHECK(rows[0].info.domid == 7 && rows[1].info.domid == 0, "by memory: the largest first, ties by id");

	TAP_CHECK(top_name_matches("gamma-web", "WEB") && !top_name_matches("beta", "web"),
		  "the filter is a case-insensitive substring");
	TAP_CHECK(top_name_matches("beta", "") && top_name_matches("beta", NULL), "an empty filter passes all");
	top_sort_rows(rows, 4, TOP_SORT_DOMID, false);
	size_t n = top_filter_rows(rows, 4, "a");
	TAP_CHECK(n == 4, "'a' is in every name here (%zu)", n);
	n = top_filter_rows(rows, 4, "ta");
	TAP_CHECK(n == 1 && rows[0].info.domid == 5, "'ta' keeps beta only");
	n = top_filter_rows(rows, n, "zzz");
	TAP_CHECK(n == 0, "a filter matching nothing keeps nothing");
}

static void check_lines(void)
{
	struct xg_domain_info list[] = {
		domain(0, "Domain-0", XG_DOMAIN_RUNNING, 0, 0, 0),
		domain(1, "a-rather-long-domain-name", XG_DOMAIN_BLOCKED, 0, 0, 0),
		domain(2, "p", XG_DOMAIN_PAUSED, 0, 0, 0),
		domain(3, "off", XG_DOMAIN_SHUTDOWN, 0, 0, 0),
	};
	struct top_sample s = { list, 4, { .total_frames = 1 << 19, .free_frames = (1 << 19) - 1024, .nr_cpus = 2,
					  .xen_major = 4, .xen_minor = 17, .xen_extra = "-xg", .backend = "emu" },
				0 };
	char buf[512];
	TAP_CHECK(!strcmp(top_format_summary(buf, sizeof(buf), 0, &s, "12:00:00"),
			  "xgtop - 12:00:00   Xen 4.17-xg   backend emu"),
		  "summary: time and version (%s)", buf);
	TAP_CHECK(!strcmp(top_format_summary(buf, sizeof(buf), 1, &s, ""),
			  "4 domains: 1 running, 1 blocked, 1 paused, 0 crashed, 0 dying, 1 shutdown"),
		  "summary: domains by state (%s)", buf);
	TAP_CHECK(!strcmp(top_format_summary(buf, sizeof(buf), 2, &s, ""),
			  "Mem: 2097152k total, 4096k used, 2093056k free    CPUs: 2"),
		  "summary: memory and CPUs (%s)", buf);

	struct top_row rows[4];
	top_compute_rows(NULL, &s, rows);
	TAP_CHECK(top_name_width(rows, 1, 63) == 10, "NAME is at least xentop's 10 wide");
	TAP_CHECK(top_name_width(rows, 4, 63) == 25, "and as wide as the longest name");
	TAP_CHECK(top_name_width(rows, 4, 12) == 12, "up to the limit given");
	top_format_header(buf, sizeof(buf), 10);
	TAP_CHECK(!strcmp(buf, "NAME        STATE   CPU(sec) CPU(%)     MEM(k) MEM(%)  MAXMEM(k) MAXMEM(%) VCPUS   HCALLS/s"),
		  "the header (%s)", buf);
	rows[2].info.cpu_time_ns = 12999999999u;
	rows[2].cpu_percent = 12.345;
	rows[2].hypercalls_per_s = 7.5;
	top_format_row(buf, sizeof(buf), &rows[2], &s.host, 10);
	TAP_CHECK(!strcmp(buf, "p          ----p-         12   12.3      16384    0.8      32768       1.6     1        7.5"),
		  "a row: whole CPU seconds, kB, percent of the host (%s)", buf);
	int start = -1, width = -1;
	bool spanned = top_column_span(TOP_SORT_CPU_PERCENT, 10, &start, &width);
	TAP_CHECK(spanned && width == 6 && !strncmp(buf + start, "  12.3", 6),
		  "the CPU(%%) column's span covers its values (start %d)", start);
	TAP_CHECK(!top_column_span(TOP_SORT_DOMID, 10, &start, &width), "the domain id has no column");
	top_format_vcpu_line(buf, sizeof(buf), &rows[2]);
	TAP_CHECK(strstr(buf, "1 of 1 online") && strstr(buf, "not available"),
		  "the vCPU line says what exists and what does not (%s)", buf);
}

int main(void)
{
	check_state_letters();
	check_rates();
	check_sort_and_filter();
	check_lines();
	return tap_done();
}
