/* xg console and xg dmesg. */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "cli.h"

#define ESCAPE_CHAR 0x1d /* Ctrl-] */

static bool write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		buf += n;
		len -= (size_t)n;
	}
	return true;
}

/*
 * Following a console is two loops: a thread copies the domain's output
 * to stdout (it waits inside the hypervisor for output, on a connection
 * of its own so input is never queued behind that wait), and the caller's
 * thread forwards stdin to the guest's console ring until the escape
 * character, the end of the domain or a signal.
 */
struct console_follow {
	xg_handle *h;
	uint32_t domid;
	_Atomic bool detach; /* set by the input side: stop following */
	_Atomic bool done;   /* set by the output side: nothing more will come */
	int rc;              /* the output side's error, if any */
};

#define OUTPUT_WAIT_MS 100
#define INPUT_RETRY_MS 10

static void *follow_output(void *arg)
{
	struct console_follow *f = arg;
	uint64_t pos = 0;
	char buf[8192];
	while (!atomic_load(&f->detach)) {
		long n = xg_console_read(f->h, f->domid, &pos, buf, sizeof(buf), OUTPUT_WAIT_MS);
		if (n == -ENOENT || n == -ESRCH)
			break; /* the domain stopped and everything it wrote is shown */
		if (n < 0) {
			f->rc = (int)n;
			break;
		}
		if (n > 0 && !write_all(1, buf, (size_t)n))
			break; /* nobody reads our output any more */
	}
	atomic_store(&f->done, true);
	return NULL;
}

/* Queue len bytes for the guest, waiting while its ring is full: false
 * when input cannot be delivered (told once on stderr). */
static bool forward_input(xg_handle *h, struct console_follow *f, const char *buf, size_t len)
{
	while (len && !atomic_load(&f->done)) {
		long n = xg_console_write(h, f->domid, buf, len);
		if (n < 0) {
			if (n != -ENOENT) /* it is gone: the output side says so */
				fprintf(stderr, "\r\nxg: input is not delivered: %s\r\n", xg_last_error());
			return false;
		}
		buf += n;
		len -= (size_t)n;
		if (len)
			poll(NULL, 0, INPUT_RETRY_MS);
	}
	return true;
}

static volatile sig_atomic_t console_signalled;

static void on_console_signal(int sig)
{
	(void)sig;
	console_signalled = 1;
}

int cli_follow_console(struct cli *cli, xg_handle *h, uint32_t domid)
{
	struct console_follow f = { .domid = domid };
	int err;
	f.h = xg_open(cli->rundir, 0, &err);
	if (!f.h) {
		cli_error("%s", xg_last_error());
		return -1;
	}
	struct termios saved;
	bool tty = isatty(0) && tcgetattr(0, &saved) == 0;
	if (tty) {
		/* Every key goes to the guest as typed (its tty echoes and edits);
		 * output keeps \n -> \r\n for guests that print bare newlines. */
		struct termios t = saved;
		t.c_iflag &= (tcflag_t) ~(IGNBRK | BRKINT | PARMRK | ISTRIP | INLCR | IGNCR | ICRNL | IXON);
		t.c_lflag &= (tcflag_t) ~(ECHO | ECHONL | ICANON | ISIG | IEXTEN);
		t.c_cflag = (t.c_cflag & (tcflag_t)~(CSIZE | PARENB)) | CS8;
		t.c_cc[VMIN] = 1;
		t.c_cc[VTIME] = 0;
		tcsetattr(0, TCSANOW, &t);
	}
	struct sigaction sa = { .sa_handler = on_console_signal }, old_term, old_hup;
	sigaction(SIGTERM, &sa, &old_term);
	sigaction(SIGHUP, &sa, &old_hup);
	pthread_t output;
	int rc = pthread_create(&output, NULL, follow_output, &f);
	if (rc) {
		cli_error("cannot start following the console: %s", strerror(rc));
		rc = -1;
	} else {
		bool input_open = true;
		while (!atomic_load(&f.done) && !console_signalled) {
			struct pollfd p = { .fd = 0, .events = POLLIN };
			if (!input_open || poll(&p, 1, OUTPUT_WAIT_MS) <= 0) {
				if (!input_open)
					poll(NULL, 0, OUTPUT_WAIT_MS);
				continue;
			}
			char in[256];
			ssize_t n = read(0, in, sizeof(in));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				input_open = false; /* keep showing output until the domain stops */
				continue;
			}
			char *esc = memchr(in, ESCAPE_CHAR, (size_t)n);
			size_t len = esc ? (size_t)(esc - in) : (size_t)n;
			if (input_open && !forward_input(h, &f, in, len))
				input_open = false;
			if (esc)
				break;
		}
		atomic_store(&f.detach, true);
		pthread_join(output, NULL);
		if (f.rc < 0) {
			cli_error("cannot read the console of domain %u: %s", domid, strerror(-f.rc));
			rc = -1;
		}
	}
	sigaction(SIGTERM, &old_term, NULL);
	sigaction(SIGHUP, &old_hup, NULL);
	if (tty)
		tcsetattr(0, TCSANOW, &saved);
	xg_close(f.h);
	return rc;
}

int cmd_console(struct cli *cli, int argc, char **argv)
{
	const struct command *self = cli_find_command("console");
	int first = cli_operands(cli, argc, argv, self->name, 1, 1);
	if (first < 0)
		return cli_options_status(first);
	if (cli->json) {
		cli_error("console has no --json: it is interactive (xg dmesg --json gives the hypervisor's log)");
		return EXIT_USAGE;
	}
	uint32_t domid;
	xg_handle *h = cli_connect_guest(cli, argv[first], "it has no console here (see xg dmesg)", &domid);
	if (!h)
		return EXIT_FAIL;
	int rc = cli_follow_console(cli, h, domid);
	xg_close(h);
	return rc ? EXIT_FAIL : EXIT_OK;
}

int cmd_dmesg(struct cli *cli, int argc, char **argv)
{
	const struct command *self = cli_find_command("dmesg");
	static const struct option opts[] = { { "clear", no_argument, NULL, 'c' }, CLI_COMMON_OPTIONS };
	bool clear = false;
	int c;
	optind = 0;
	while ((c = cli_getopt(cli, self, argc, argv, "ch", opts)) >= 0)
		clear = true; /* -c */
	if (c != -1)
		return cli_options_status(c);
	if (optind != argc) {
		cli_command_usage(self, true);
		return EXIT_USAGE;
	}
	if (clear && cli->dry_run) {
		fprintf(stderr, "xg: dry run (-N): the log is shown, not cleared\n");
		clear = false;
	}
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	char *text;
	size_t len;
	int rc = xg_dmesg(h, clear, &text, &len);
	if (rc < 0) {
		cli_error("%s", xg_last_error());
	} else if (cli->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "lines", cli_lines_json(text, len));
		json_object_object_add(o, "cleared", json_object_new_boolean(clear));
		cli_print_json(o);
		free(text);
	} else {
		write_all(1, text, len);
		free(text);
	}
	xg_close(h);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
