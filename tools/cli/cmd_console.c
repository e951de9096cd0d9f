/* xg console and xg dmesg. */
#include <errno.h>
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

/* True if the user typed the escape character (stdin is a terminal). */
static bool escape_typed(void)
{
	struct pollfd p = { .fd = 0, .events = POLLIN };
	char c;
	while (poll(&p, 1, 0) > 0 && (p.revents & POLLIN)) {
		if (read(0, &c, 1) != 1)
			return false;
		if (c == ESCAPE_CHAR)
			return true;
	}
	return false;
}

int cli_follow_console(xg_handle *h, uint32_t domid)
{
	struct termios saved;
	bool raw = isatty(0) && tcgetattr(0, &saved) == 0;
	if (raw) {
		struct termios t = saved;
		t.c_lflag &= (tcflag_t) ~(ICANON | ECHO | ISIG);
		t.c_cc[VMIN] = 0;
		t.c_cc[VTIME] = 0;
		tcsetattr(0, TCSANOW, &t);
	}
	uint64_t pos = 0;
	char buf[8192];
	int rc = 0;
	for (;;) {
		long n = xg_console_read(h, domid, &pos, buf, sizeof(buf), raw ? 200 : 1000);
		if (n == -ENOENT || n == -ESRCH)
			break; /* the domain stopped and everything it wrote is shown */
		if (n < 0) {
			rc = (int)n;
			break;
		}
		if (n > 0 && !write_all(1, buf, (size_t)n))
			break; /* nobody reads our output any more */
		if (raw && escape_typed())
			break;
	}
	if (raw)
		tcsetattr(0, TCSANOW, &saved);
	return rc;
}

int cmd_console(struct cli *cli, int argc, char **argv)
{
	return cli_on_domain(cli, argc, argv, cli_find_command("console"), cli_follow_console);
}

int cmd_dmesg(struct cli *cli, int argc, char **argv)
{
	const struct command *self = cli_find_command("dmesg");
	bool clear = false;
	int c;
	optind = 0;
	while ((c = getopt(argc, argv, "ch")) != -1) {
		if (c == 'c') {
			clear = true;
		} else if (c == 'h') {
			cli_command_usage(self, false);
			return EXIT_OK;
		} else {
			cli_command_usage(self, true);
			return EXIT_USAGE;
		}
	}
	if (optind != argc) {
		cli_command_usage(self, true);
		return EXIT_USAGE;
	}
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	char *text;
	size_t len;
	int rc = xg_dmesg(h, clear, &text, &len);
	if (rc < 0) {
		cli_error("%s", xg_last_error());
	} else {
		write_all(1, text, len);
		free(text);
	}
	xg_close(h);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}
