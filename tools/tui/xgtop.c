/*
 * xgtop: a live view of the domains on xg-hypervisor, in the manner of
 * Xen's xentop.  An ncurses dashboard, or plain text with -b for scripts.
 * It uses libxg's public API only (docs/xgtop.md).
 */
#include <curses.h>
#include <errno.h>
#include <getopt.h>
#include <locale.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "top_model.h"
#include "xg/xg.h"

#ifndef XG_VERSION
#define XG_VERSION "0.0"
#endif

/* Exit codes, as xg's (docs/xg.md). */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

#define DEFAULT_DELAY_S 3.0 /* xentop's */
/* Shortest and longest pause between samples that D and -d accept. */
#define MIN_DELAY_S 0.1
#define MAX_DELAY_S 86400.0
/* Rates need two samples: the first screen waits this long (or the delay,
 * if shorter) for a second one rather than show every rate as 0. */
#define PRIME_INTERVAL_S 1.0
#define MAX_NAME_WIDTH (XG_NAME_MAX - 1)
#define LINE_MAX_CHARS 512

struct options {
	const char *rundir;
	bool batch;
	long iterations; /* 0: until quit */
	double delay_s;
	bool color;
	bool show_vcpus;
};

static volatile sig_atomic_t stop_requested;

static void request_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static uint64_t monotonic_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Sleep until the monotonic clock reads deadline_ns (or a signal asks us
 * to stop). */
static void sleep_until(uint64_t deadline_ns)
{
	while (!stop_requested) {
		uint64_t now = monotonic_ns();
		if (now >= deadline_ns)
			return;
		uint64_t left = deadline_ns - now;
		struct timespec t = { (time_t)(left / 1000000000u), (long)(left % 1000000000u) };
		nanosleep(&t, NULL);
	}
}

static uint64_t seconds_to_ns(double s)
{
	return (uint64_t)llround(s * 1e9);
}

static void clock_text(char out[16])
{
	time_t now = time(NULL);
	struct tm tm;
	if (!localtime_r(&now, &tm) || !strftime(out, 16, "%H:%M:%S", &tm))
		snprintf(out, 16, "--:--:--");
}

/* ---- sampling --------------------------------------------------------- */

static void sample_dispose(struct top_sample *s)
{
	free(s->domains);
	s->domains = NULL;
	s->count = 0;
}

/* Read the domains and the host; 0, or a negative errno with
 * xg_last_error() saying why. */
static int sample_take(xg_handle *h, struct top_sample *out)
{
	struct top_sample s = { 0 };
	int rc = xg_domain_list(h, &s.domains, &s.count);
	if (rc < 0)
		return rc;
	/* After the list: its uptime is the moment both readings describe,
	 * on the clock the domains' CPU times use. */
	rc = xg_physinfo(h, &s.host);
	if (rc < 0) {
		free(s.domains);
		return rc;
	}
	s.taken_ns = s.host.uptime_ns;
	*out = s;
	return 0;
}

/* The rows to show: rates from prev to cur, filtered, sorted.  *rows is
 * replaced (malloc'd); returns the count, or -1 when out of memory. */
static long build_rows(const struct top_sample *prev, const struct top_sample *cur, const char *filter,
		       enum top_sort_key key, bool reverse, struct top_row **rows)
{
	struct top_row *r = calloc(cur->count ? cur->count : 1, sizeof(*r));
	if (!r)
		return -1;
	top_compute_rows(prev, cur, r);
	size_t n = top_filter_rows(r, cur->count, filter);
	top_sort_rows(r, n, key, reverse);
	free(*rows);
	*rows = r;
	return (long)n;
}

/* ---- batch mode --------------------------------------------------------- */

static void print_frame(FILE *out, const struct top_sample *cur, const struct top_row *rows, size_t n,
			bool show_vcpus)
{
	char line[LINE_MAX_CHARS], now[16];
	clock_text(now);
	for (unsigned int i = 0; i < TOP_SUMMARY_LINES; i++)
		fprintf(out, "%s\n", top_format_summary(line, sizeof(line), i, cur, now));
	int name_width = top_name_width(rows, n, MAX_NAME_WIDTH);
	fprintf(out, "%s\n", top_format_header(line, sizeof(line), name_width));
	for (size_t i = 0; i < n; i++) {
		fprintf(out, "%s\n", top_format_row(line, sizeof(line), &rows[i], &cur->host, name_width));
		if (show_vcpus)
			fprintf(out, "%s\n", top_format_vcpu_line(line, sizeof(line), &rows[i]));
	}
	fflush(out);
}

static int run_batch(const struct options *opt, xg_handle *h)
{
	struct top_sample prev = { 0 }, cur = { 0 };
	struct top_row *rows = NULL;
	int status = EXIT_OK;
	double prime_s = opt->delay_s < PRIME_INTERVAL_S ? opt->delay_s : PRIME_INTERVAL_S;
	uint64_t next = monotonic_ns();
	if (sample_take(h, &prev) < 0)
		goto failed;
	/* Deadlines, not sleeps: the time spent sampling and printing does
	 * not add up over the iterations. */
	next += seconds_to_ns(prime_s);
	for (long i = 0; !opt->iterations || i < opt->iterations; i++) {
		sleep_until(next);
		if (stop_requested)
			break;
		next += seconds_to_ns(opt->delay_s);
		if (sample_take(h, &cur) < 0)
			goto failed;
		long n = build_rows(&prev, &cur, NULL, TOP_SORT_DOMID, false, &rows);
		if (n < 0) {
			fprintf(stderr, "xgtop: out of memory\n");
			status = EXIT_FAIL;
			break;
		}
		print_frame(stdout, &cur, rows, (size_t)n, opt->show_vcpus);
		sample_dispose(&prev);
		prev = cur;
		cur = (struct top_sample){ 0 };
	}
	goto out;
failed:
	fprintf(stderr, "xgtop: cannot read the domains: %s\n", xg_last_error());
	status = EXIT_FAIL;
out:
	sample_dispose(&prev);
	sample_dispose(&cur);
	free(rows);
	return status;
}

/* ---- the interactive screen -------------------------------------------- */

enum ui_mode {
	MODE_NORMAL,
	MODE_PROMPT_DELAY,
	MODE_PROMPT_FILTER,
	MODE_CONFIRM_PAUSE,   /* pause, or unpause when the domain is paused */
	MODE_CONFIRM_DESTROY,
};

/* Colour pairs for the STATE column. */
enum {
	PAIR_RUNNING = 1,
	PAIR_BLOCKED,
	PAIR_PAUSED,
	PAIR_SHUTDOWN,
	PAIR_CRASHED,
};

struct ui {
	xg_handle *h;
	bool read_only;      /* only the monitoring socket could be opened */
	double delay_s;
	struct top_sample prev, cur;
	bool have_prev, have_cur;
	struct top_row *rows; /* the view: filtered and sorted */
	size_t nrows;
	enum top_sort_key sort;
	bool reverse;
	bool show_vcpus;
	bool color;
	char filter[XG_NAME_MAX];

	/* The selection follows a domain (by id) when the order changes. */
	bool have_selection;
	uint32_t selected_domid;
	size_t selected;      /* its index in rows */
	size_t first_visible; /* the index of the top row on screen */

	enum ui_mode mode;
	char input[XG_NAME_MAX]; /* what a prompt has been given so far */
	size_t input_len;
	uint32_t target_domid; /* what a confirmation is about */
	char target_name[XG_NAME_MAX];
	bool target_paused;

	char message[160];    /* the last action's outcome, shown until the next key */
	bool message_is_error;
	char sample_error[160]; /* why the last sample failed; "" when it did not */
};

static void ui_message(struct ui *ui, bool error, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void ui_message(struct ui *ui, bool error, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(ui->message, sizeof(ui->message), fmt, ap);
	va_end(ap);
	ui->message_is_error = error;
}

/* Rebuild the view from the samples and keep the selection on its domain
 * (or, when that is gone or filtered out, on the row at its place). */
static void ui_rebuild(struct ui *ui)
{
	/* Rows wait for the second sample: with one, every rate would read
	 * 0, and a busy domain would look idle for the first interval. */
	if (!ui->have_cur || !ui->have_prev)
		return;
	long n = build_rows(ui->have_prev ? &ui->prev : NULL, &ui->cur, ui->filter, ui->sort, ui->reverse, &ui->rows);
	if (n < 0) {
		ui_message(ui, true, "out of memory");
		ui->nrows = 0;
		return;
	}
	ui->nrows = (size_t)n;
	if (!ui->nrows) {
		ui->have_selection = false;
		ui->selected = 0;
		return;
	}
	bool found = false;
	for (size_t i = 0; ui->have_selection && i < ui->nrows; i++) {
		if (ui->rows[i].info.domid == ui->selected_domid) {
			ui->selected = i;
			found = true;
			break;
		}
	}
	if (!found) {
		if (ui->selected >= ui->nrows)
			ui->selected = ui->nrows - 1;
		ui->selected_domid = ui->rows[ui->selected].info.domid;
		ui->have_selection = true;
	}
}

static void ui_sample(struct ui *ui)
{
	struct top_sample s;
	if (sample_take(ui->h, &s) < 0) {
		/* Keep the last picture and say why it is not refreshed; the
		 * next refresh tries again (the hypervisor may be back). */
		snprintf(ui->sample_error, sizeof(ui->sample_error), "cannot read the domains: %s", xg_last_error());
		return;
	}
	ui->sample_error[0] = '\0';
	if (ui->have_prev)
		sample_dispose(&ui->prev);
	if (ui->have_cur) {
		ui->prev = ui->cur;
		ui->have_prev = true;
	}
	ui->cur = s;
	ui->have_cur = true;
	ui_rebuild(ui);
}

/* Screen lines: the summary, the column header, the rows, a status line
 * and the key (or prompt) line. */
#define FIRST_ROW_LINE (TOP_SUMMARY_LINES + 1)
#define BOTTOM_LINES 2

static int lines_per_domain(const struct ui *ui)
{
	return ui->show_vcpus ? 2 : 1;
}

static size_t visible_domains(const struct ui *ui)
{
	int room = LINES - FIRST_ROW_LINE - BOTTOM_LINES;
	return room > 0 ? (size_t)(room / lines_per_domain(ui)) : 0;
}

/* Scroll so the selected row is on screen. */
static void ui_keep_selection_visible(struct ui *ui)
{
	size_t visible = visible_domains(ui);
	if (!visible)
		return;
	if (ui->selected < ui->first_visible)
		ui->first_visible = ui->selected;
	if (ui->selected >= ui->first_visible + visible)
		ui->first_visible = ui->selected - visible + 1;
	/* Don't leave empty lines at the bottom while rows are above. */
	if (ui->nrows <= visible)
		ui->first_visible = 0;
	else if (ui->first_visible > ui->nrows - visible)
		ui->first_visible = ui->nrows - visible;
}

static short state_pair(const struct xg_domain_info *d)
{
	switch (d->state) {
	case XG_DOMAIN_RUNNING: return PAIR_RUNNING;
	case XG_DOMAIN_BLOCKED: return PAIR_BLOCKED;
	case XG_DOMAIN_PAUSED: return PAIR_PAUSED;
	case XG_DOMAIN_SHUTDOWN: return PAIR_SHUTDOWN;
	case XG_DOMAIN_CRASHED:
	case XG_DOMAIN_DYING: return PAIR_CRASHED;
	}
	return 0;
}

/* One line of text at y, cut at the screen's width, the rest cleared. */
static void put_line(int y, const char *text)
{
	move(y, 0);
	clrtoeol();
	mvaddnstr(y, 0, text, COLS);
}

static void draw_key_help(void)
{
	static const struct {
		char key;
		const char *rest;
	} keys[] = {
		{ 'D', "elay" }, { 'V', "CPUs" }, { 'S', "ort" }, { 'R', "everse" }, { '/', " filter" },
		{ 'P', "ause" }, { 'X', " destroy" }, { 'Q', "uit" },
	};
	move(LINES - 1, 0);
	clrtoeol();
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		addch((chtype)keys[i].key | A_REVERSE);
		addstr(keys[i].rest);
		addstr("  ");
	}
}

static void ui_draw(struct ui *ui)
{
	char line[LINE_MAX_CHARS];
	erase();
	if (LINES < FIRST_ROW_LINE + BOTTOM_LINES + 1 || COLS < 20) {
		put_line(0, "xgtop: the terminal is too small");
		refresh();
		return;
	}
	if (ui->have_cur) {
		char now[16];
		clock_text(now);
		for (unsigned int i = 0; i < TOP_SUMMARY_LINES; i++)
			put_line((int)i, top_format_summary(line, sizeof(line), i, &ui->cur, now));
	} else {
		put_line(0, "xgtop: waiting for the first sample");
	}

	int name_width = top_name_width(ui->rows, ui->nrows, MAX_NAME_WIDTH);
	top_format_header(line, sizeof(line), name_width);
	/* The header is a reverse-video bar across the screen, its sort
	 * column in bold, as in xentop. */
	size_t len = strlen(line), bar = (size_t)COLS < sizeof(line) - 1 ? (size_t)COLS : sizeof(line) - 1;
	if (len < bar) {
		memset(line + len, ' ', bar - len);
		line[bar] = '\0';
	}
	attron(A_REVERSE);
	put_line(TOP_SUMMARY_LINES, line);
	attroff(A_REVERSE);
	int col, width;
	if (top_column_span(ui->sort, name_width, &col, &width) && col < COLS)
		mvchgat(TOP_SUMMARY_LINES, col, width, A_REVERSE | A_BOLD | A_UNDERLINE, 0, NULL);

	ui_keep_selection_visible(ui);
	size_t visible = visible_domains(ui);
	int y = FIRST_ROW_LINE;
	int state_col, state_width;
	top_column_span(TOP_SORT_STATE, name_width, &state_col, &state_width);
	for (size_t i = ui->first_visible; i < ui->nrows && i < ui->first_visible + visible; i++) {
		const struct top_row *r = &ui->rows[i];
		bool selected = ui->have_selection && i == ui->selected;
		put_line(y, top_format_row(line, sizeof(line), r, &ui->cur.host, name_width));
		attr_t base = selected ? A_REVERSE : A_NORMAL;
		if (selected)
			mvchgat(y, 0, -1, A_REVERSE, 0, NULL);
		if (ui->color && state_col < COLS)
			mvchgat(y, state_col, state_width, base | A_BOLD, state_pair(&r->info), NULL);
		y++;
		if (ui->show_vcpus)
			put_line(y++, top_format_vcpu_line(line, sizeof(line), r));
	}
	if (ui->have_cur && !ui->have_prev)
		put_line(y, "(taking a second sample: rates need two)");
	else if (!ui->nrows && ui->have_cur)
		put_line(y, ui->filter[0] ? "(no domain name contains the filter)" : "(no domains)");

	/* The status line: what is selected and how the view is arranged,
	 * or the outcome of the last action. */
	int status_y = LINES - 2;
	if (ui->sample_error[0]) {
		put_line(status_y, ui->sample_error);
		if (ui->color)
			mvchgat(status_y, 0, -1, A_BOLD, PAIR_CRASHED, NULL);
	} else if (ui->message[0]) {
		put_line(status_y, ui->message);
		if (ui->color && ui->message_is_error)
			mvchgat(status_y, 0, -1, A_BOLD, PAIR_CRASHED, NULL);
	} else {
		char selected[XG_NAME_MAX + 32] = "none";
		if (ui->have_selection && ui->selected < ui->nrows)
			snprintf(selected, sizeof(selected), "%s (id %u)", ui->rows[ui->selected].info.name,
				 ui->rows[ui->selected].info.domid);
		snprintf(line, sizeof(line), "Selected: %s   Sort: %s%s   Filter: %s   Delay: %gs%s", selected,
			 top_sort_key_name(ui->sort), ui->reverse ? " (reversed)" : "",
			 ui->filter[0] ? ui->filter : "(none)", ui->delay_s, ui->read_only ? "   read-only" : "");
		put_line(status_y, line);
	}

	switch (ui->mode) {
	case MODE_NORMAL:
		draw_key_help();
		break;
	case MODE_PROMPT_DELAY:
		snprintf(line, sizeof(line), "Delay (seconds): %s", ui->input);
		put_line(LINES - 1, line);
		break;
	case MODE_PROMPT_FILTER:
		snprintf(line, sizeof(line), "Filter (name contains, empty for all): %s", ui->input);
		put_line(LINES - 1, line);
		break;
	case MODE_CONFIRM_PAUSE:
	case MODE_CONFIRM_DESTROY:
		snprintf(line, sizeof(line), "%s domain %s (id %u)? [y/n] ",
			 ui->mode == MODE_CONFIRM_DESTROY ? "Destroy"
			 : ui->target_paused	       ? "Unpause"
							       : "Pause",
			 ui->target_name, ui->target_domid);
		put_line(LINES - 1, line);
		if (ui->color)
			mvchgat(LINES - 1, 0, -1, A_BOLD, ui->mode == MODE_CONFIRM_DESTROY ? PAIR_CRASHED : PAIR_PAUSED,
				NULL);
		break;
	}
	refresh();
}

static void ui_start_prompt(struct ui *ui, enum ui_mode mode, const char *initial)
{
	ui->mode = mode;
	snprintf(ui->input, sizeof(ui->input), "%s", initial);
	ui->input_len = strlen(ui->input);
}

static void ui_commit_prompt(struct ui *ui)
{
	if (ui->mode == MODE_PROMPT_DELAY) {
		char *end;
		errno = 0;
		double s = strtod(ui->input, &end);
		if (end == ui->input || *end || errno || !(s >= MIN_DELAY_S && s <= MAX_DELAY_S))
			ui_message(ui, true, "the delay must be a number of seconds from %g to %g, not '%s'",
				   MIN_DELAY_S, MAX_DELAY_S, ui->input);
		else
			ui->delay_s = s;
	} else {
		snprintf(ui->filter, sizeof(ui->filter), "%s", ui->input);
		ui->have_selection = false;
		ui->selected = 0;
		ui->first_visible = 0;
		ui_rebuild(ui);
	}
	ui->mode = MODE_NORMAL;
}

/* p and x: ask about the selected domain. */
static void ui_start_confirm(struct ui *ui, enum ui_mode mode)
{
	if (!ui->have_selection || ui->selected >= ui->nrows) {
		ui_message(ui, true, "no domain selected");
		return;
	}
	const struct xg_domain_info *d = &ui->rows[ui->selected].info;
	if (d->domid == 0) {
		ui_message(ui, true, "domain 0 is the host itself: it cannot be paused or destroyed");
		return;
	}
	if (ui->read_only) {
		ui_message(ui, true, "connected read-only (the control socket could not be opened): no pause or destroy");
		return;
	}
	ui->mode = mode;
	ui->target_domid = d->domid;
	snprintf(ui->target_name, sizeof(ui->target_name), "%s", d->name);
	ui->target_paused = d->paused;
}

/* y on a confirmation: do it, say how it went, and show the result now
 * rather than at the next refresh. */
static void ui_confirmed(struct ui *ui)
{
	const char *what;
	int rc;
	if (ui->mode == MODE_CONFIRM_DESTROY) {
		what = "destroyed";
		rc = xg_domain_destroy(ui->h, ui->target_domid);
	} else if (ui->target_paused) {
		what = "unpaused";
		rc = xg_domain_unpause(ui->h, ui->target_domid);
	} else {
		what = "paused";
		rc = xg_domain_pause(ui->h, ui->target_domid);
	}
	if (rc < 0)
		ui_message(ui, true, "%s (id %u): %s", ui->target_name, ui->target_domid, xg_last_error());
	else
		ui_message(ui, false, "%s %s (id %u)", what, ui->target_name, ui->target_domid);
	ui->mode = MODE_NORMAL;
	ui_sample(ui);
}

static void ui_move_selection(struct ui *ui, long by)
{
	if (!ui->nrows)
		return;
	long to = (long)ui->selected + by;
	if (to < 0)
		to = 0;
	if (to >= (long)ui->nrows)
		to = (long)ui->nrows - 1;
	ui->selected = (size_t)to;
	ui->selected_domid = ui->rows[to].info.domid;
	ui->have_selection = true;
}

#define KEY_CTRL_L 12
#define KEY_ESC 27

/* Returns false when the user quits. */
static bool ui_key(struct ui *ui, int ch)
{
	if (ch == KEY_RESIZE) {
		/* ncurses has the new size already; clear() makes the next
		 * refresh repaint every cell, so nothing of the old layout
		 * stays behind. */
		clear();
		return true;
	}
	switch (ui->mode) {
	case MODE_PROMPT_DELAY:
	case MODE_PROMPT_FILTER:
		if (ch == '\n' || ch == '\r' || ch == KEY_ENTER)
			ui_commit_prompt(ui);
		else if (ch == KEY_ESC)
			ui->mode = MODE_NORMAL;
		else if ((ch == KEY_BACKSPACE || ch == 127 || ch == 8) && ui->input_len)
			ui->input[--ui->input_len] = '\0';
		else if (ch >= 0x20 && ch < 0x7f && ui->input_len + 1 < sizeof(ui->input)) {
			ui->input[ui->input_len++] = (char)ch;
			ui->input[ui->input_len] = '\0';
		}
		return true;
	case MODE_CONFIRM_PAUSE:
	case MODE_CONFIRM_DESTROY:
		if (ch == 'y' || ch == 'Y') {
			ui_confirmed(ui);
		} else {
			ui_message(ui, false, "%s of %s cancelled",
				   ui->mode == MODE_CONFIRM_DESTROY ? "destroy" : ui->target_paused ? "unpause" : "pause",
				   ui->target_name);
			ui->mode = MODE_NORMAL;
		}
		return true;
	case MODE_NORMAL:
		break;
	}
	ui->message[0] = '\0';
	switch (ch) {
	case 'q': case 'Q': case KEY_ESC:
		return false;
	case 'd': case 'D':
		ui_start_prompt(ui, MODE_PROMPT_DELAY, "");
		break;
	case '/':
		ui_start_prompt(ui, MODE_PROMPT_FILTER, ui->filter);
		break;
	case 'v': case 'V':
		ui->show_vcpus = !ui->show_vcpus;
		break;
	case 's': case 'S':
		ui->sort = (enum top_sort_key)((ui->sort + 1) % TOP_SORT_KEYS);
		ui_rebuild(ui);
		break;
	case 'r': case 'R':
		ui->reverse = !ui->reverse;
		ui_rebuild(ui);
		break;
	case 'p': case 'P':
		ui_start_confirm(ui, MODE_CONFIRM_PAUSE);
		break;
	case 'x': case 'X':
		ui_start_confirm(ui, MODE_CONFIRM_DESTROY);
		break;
	case KEY_UP: ui_move_selection(ui, -1); break;
	case KEY_DOWN: ui_move_selection(ui, 1); break;
	case KEY_PPAGE: ui_move_selection(ui, -(long)(visible_domains(ui) ? visible_domains(ui) : 1)); break;
	case KEY_NPAGE: ui_move_selection(ui, (long)(visible_domains(ui) ? visible_domains(ui) : 1)); break;
	case KEY_HOME: ui_move_selection(ui, -(long)ui->nrows); break;
	case KEY_END: ui_move_selection(ui, (long)ui->nrows); break;
	case KEY_CTRL_L: clear(); break;
	default: break;
	}
	return true;
}

static void ui_init_colors(void)
{
	start_color();
	use_default_colors(); /* -1: the terminal's own background */
	init_pair(PAIR_RUNNING, COLOR_GREEN, -1);
	init_pair(PAIR_BLOCKED, COLOR_CYAN, -1);
	init_pair(PAIR_PAUSED, COLOR_YELLOW, -1);
	init_pair(PAIR_SHUTDOWN, COLOR_MAGENTA, -1);
	init_pair(PAIR_CRASHED, COLOR_RED, -1);
}

static int run_interactive(const struct options *opt, xg_handle *h, bool read_only)
{
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "xgtop: the interactive view needs a terminal; use -b for plain text\n");
		return EXIT_FAIL;
	}
	SCREEN *screen = newterm(NULL, stdout, stdin);
	if (!screen) {
		fprintf(stderr, "xgtop: cannot use the terminal '%s' (check $TERM); use -b for plain text\n",
			getenv("TERM") ? getenv("TERM") : "");
		return EXIT_FAIL;
	}
	cbreak();
	noecho();
	keypad(stdscr, TRUE);
	curs_set(0);
	/* Escape alone cancels a prompt: don't wait a whole second to tell it
	 * from the start of an arrow key's sequence. */
	set_escdelay(50);

	struct ui ui = { .h = h, .read_only = read_only, .delay_s = opt->delay_s,
			 .show_vcpus = opt->show_vcpus };
	ui.color = opt->color && has_colors();
	if (ui.color)
		ui_init_colors();

	ui_draw(&ui);
	double prime_s = opt->delay_s < PRIME_INTERVAL_S ? opt->delay_s : PRIME_INTERVAL_S;
	ui_sample(&ui);
	uint64_t next_sample = monotonic_ns() + seconds_to_ns(prime_s);
	long frames = 0;
	bool running = true;
	while (running && !stop_requested) {
		uint64_t now = monotonic_ns();
		if (now >= next_sample) {
			if (opt->iterations && frames >= opt->iterations)
				break;
			ui_sample(&ui);
			frames++;
			next_sample = now + seconds_to_ns(ui.delay_s);
		}
		ui_draw(&ui);
		now = monotonic_ns();
		uint64_t wait_ms = next_sample > now ? (next_sample - now + 999999) / 1000000 : 0;
		timeout(wait_ms > 1000 ? 1000 : (int)wait_ms); /* the clock in the header moves each second */
		int ch = getch();
		if (ch != ERR)
			running = ui_key(&ui, ch);
	}
	endwin();
	delscreen(screen);
	sample_dispose(&ui.prev);
	sample_dispose(&ui.cur);
	free(ui.rows);
	return EXIT_OK;
}

/* ---- the command line ------------------------------------------------ */

static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xgtop [-b] [-i N] [-d SECONDS] [-v] [-C] [--rundir DIR]\n"
		"A live view of the domains on xg-hypervisor, in the manner of xentop.\n\n"
		"  -b, --batch          print plain text, one frame per sample, no terminal needed\n"
		"  -i, --iterations N   stop after N samples (default: until quit)\n"
		"  -d, --delay SECONDS  time between samples (default %g; fractions allowed)\n"
		"  -v, --vcpus          show a vCPU line under each domain\n"
		"  -C, --no-color       no colours (also when $NO_COLOR is set)\n"
		"      --rundir DIR     the hypervisor's run directory (else $XG_RUNDIR, else " XG_DEFAULT_RUNDIR ")\n"
		"  -h, --help           this help\n"
		"  -V, --version        the version\n\n"
		"Keys: D delay, V vCPU lines, S sort column, R reverse, / filter by name,\n"
		"      arrows/PgUp/PgDn select, P pause/unpause, X destroy (each asks y/n), Q quit.\n",
		DEFAULT_DELAY_S);
}

static bool parse_positive_long(const char *text, long *out)
{
	char *end;
	errno = 0;
	long v = strtol(text, &end, 10);
	if (end == text || *end || errno || v <= 0)
		return false;
	*out = v;
	return true;
}

static bool parse_delay(const char *text, double *out)
{
	char *end;
	errno = 0;
	double v = strtod(text, &end);
	if (end == text || *end || errno || !(v >= MIN_DELAY_S && v <= MAX_DELAY_S))
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	static const struct option long_options[] = {
		{ "batch", no_argument, NULL, 'b' },
		{ "iterations", required_argument, NULL, 'i' },
		{ "delay", required_argument, NULL, 'd' },
		{ "vcpus", no_argument, NULL, 'v' },
		{ "no-color", no_argument, NULL, 'C' },
		{ "no-colour", no_argument, NULL, 'C' },
		{ "rundir", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	struct options opt = { .delay_s = DEFAULT_DELAY_S, .color = true };
	const char *no_color = getenv("NO_COLOR");
	if (no_color && *no_color)
		opt.color = false;
	int c;
	while ((c = getopt_long(argc, argv, "bi:d:vChV", long_options, NULL)) != -1) {
		switch (c) {
		case 'b':
			opt.batch = true;
			break;
		case 'i':
			if (!parse_positive_long(optarg, &opt.iterations)) {
				fprintf(stderr, "xgtop: -i needs a positive number of iterations, not '%s'\n", optarg);
				return EXIT_USAGE;
			}
			break;
		case 'd':
			if (!parse_delay(optarg, &opt.delay_s)) {
				fprintf(stderr, "xgtop: -d needs a number of seconds from %g to %g, not '%s'\n",
					MIN_DELAY_S, MAX_DELAY_S, optarg);
				return EXIT_USAGE;
			}
			break;
		case 'v':
			opt.show_vcpus = true;
			break;
		case 'C':
			opt.color = false;
			break;
		case 'r':
			opt.rundir = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("xgtop %s\n", XG_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xgtop: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return EXIT_USAGE;
	}
	setlocale(LC_ALL, "");

	struct sigaction sa = { .sa_handler = request_stop };
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* Batch mode only reads: the monitoring socket is enough.  The
	 * screen wants the control socket for P and X, and falls back to
	 * watching when only the monitoring socket may be opened. */
	int err;
	bool read_only = opt.batch;
	xg_handle *h = xg_open(opt.rundir, read_only ? XG_OPEN_READONLY : 0, &err);
	if (!h && !read_only && err == -EACCES) {
		read_only = true;
		h = xg_open(opt.rundir, XG_OPEN_READONLY, &err);
	}
	if (!h) {
		fprintf(stderr, "xgtop: %s (is xg-hypervisor running?)\n", xg_last_error());
		return EXIT_FAIL;
	}
	int status = opt.batch ? run_batch(&opt, h) : run_interactive(&opt, h, read_only);
	xg_close(h);
	return status;
}
