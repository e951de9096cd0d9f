/*
 * The per-domain monitor `xg create` leaves behind, as xl does: it follows
 * the domain's events and, when the domain stops for a reason whose action
 * is restart or rename-restart, restarts it (xg_domain_restart) from its
 * recorded configuration.  Destroy and preserve are the hypervisor's; the
 * monitor then ends.  Restarts are at least a minimum interval apart, so a
 * guest that reboots in a loop does not restart at full speed
 * (docs/xg.md, "Lifecycle actions").
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define DEFAULT_MIN_RESTART_INTERVAL_S 10.0

static double now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void logf_(FILE *log, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void logf_(FILE *log, const char *fmt, ...)
{
	char stamp[32];
	time_t t = time(NULL);
	struct tm tm;
	strftime(stamp, sizeof(stamp), "%Y-%m-%d %H:%M:%S", localtime_r(&t, &tm));
	fprintf(log, "%s xg monitor[%ld]: ", stamp, (long)getpid());
	va_list ap;
	va_start(ap, fmt);
	vfprintf(log, fmt, ap);
	va_end(ap);
	fputc('\n', log);
	fflush(log);
}

double cli_min_restart_interval(void)
{
	const char *s = getenv("XG_MIN_RESTART_INTERVAL");
	if (s && *s) {
		char *end;
		double v = strtod(s, &end);
		if (!*end && v >= 0 && v <= 86400)
			return v;
	}
	return DEFAULT_MIN_RESTART_INTERVAL_S;
}

bool cli_config_needs_monitor(const struct xg_config *cfg)
{
	const enum xg_action a[] = { cfg->on_poweroff, cfg->on_reboot, cfg->on_watchdog, cfg->on_crash };
	for (size_t i = 0; i < sizeof(a) / sizeof(a[0]); i++)
		if (a[i] == XG_ACTION_RESTART || a[i] == XG_ACTION_RENAME_RESTART)
			return true;
	return false;
}

/* Wait until deadline (monotonic seconds) for domid's destruction; true if
 * it was destroyed (by someone else) in the meantime. */
static bool destroyed_before(xg_handle *h, xg_event_watch *w, uint32_t domid, double deadline)
{
	for (;;) {
		double left = deadline - now_s();
		if (left <= 0)
			return false;
		struct xg_event ev;
		int rc = xg_event_read(w, &ev, (int)(left * 1000) + 1);
		if (rc < 0)
			return false;
		if (rc == 1 && ev.domid == domid && ev.type == XG_EVENT_DESTROYED)
			return true;
		if (rc == 1 && ev.type == XG_EVENT_OVERFLOW) {
			struct xg_domain_info info;
			if (xg_domain_info(h, domid, &info) == -ESRCH)
				return true;
		}
	}
}

/*
 * Follow domid until it is gone or kept (preserve), restarting it as its
 * configuration says.  w was opened before domid's state is first read, so
 * nothing falls between.  Returns the exit status.
 */
static int monitor_loop(xg_handle *h, xg_event_watch *w, uint32_t domid, FILE *log)
{
	double started = now_s();
	double min_interval = cli_min_restart_interval();
	/* The stop an event told of, for when the hypervisor has destroyed
	 * the domain before the monitor could look at it. */
	char stopped_why[64] = "";
	for (;;) {
		struct xg_domain_info info;
		int rc = xg_domain_info(h, domid, &info);
		if (rc == 0 && info.state == XG_DOMAIN_DYING && stopped_why[0])
			logf_(log, "domain %s (%u) stopped: %s; action destroy (by the hypervisor)", info.name, domid,
			      stopped_why);
		if (rc == -ESRCH) {
			if (stopped_why[0])
				logf_(log, "domain %u stopped: %s; action destroy (by the hypervisor)", domid, stopped_why);
			logf_(log, "domain %u is gone; nothing more to do", domid);
			return EXIT_OK;
		}
		if (rc < 0) {
			logf_(log, "%s", xg_last_error());
			return EXIT_FAIL;
		}
		if (info.state == XG_DOMAIN_SHUTDOWN || info.state == XG_DOMAIN_CRASHED) {
			struct xg_config cfg;
			if (xg_domain_config(h, domid, &cfg) < 0) {
				logf_(log, "%s", xg_last_error());
				return EXIT_FAIL;
			}
			enum xg_action action = xg_config_action_for(&cfg, info.state, info.shutdown_reason);
			const char *why = info.state == XG_DOMAIN_CRASHED ? "crashed"
									   : xg_shutdown_reason_name(info.shutdown_reason);
			xg_config_dispose(&cfg);
			logf_(log, "domain %s (%u) stopped: %s; action %s", info.name, domid, why, xg_action_name(action));
			if (action == XG_ACTION_PRESERVE) {
				logf_(log, "domain %s (%u) is kept as it is; the monitor ends", info.name, domid);
				return EXIT_OK;
			}
			if (action == XG_ACTION_RESTART || action == XG_ACTION_RENAME_RESTART) {
				double ran = now_s() - started;
				if (ran < min_interval) {
					logf_(log,
					      "domain %s (%u) ran %.1f s, less than the %.1f s between restarts: "
					      "restarting in %.1f s (xg destroy %s stops this)",
					      info.name, domid, ran, min_interval, min_interval - ran, info.name);
					if (destroyed_before(h, w, domid, started + min_interval)) {
						logf_(log, "domain %u was destroyed before its restart; the monitor ends", domid);
						return EXIT_OK;
					}
				}
				uint32_t new_domid;
				if (xg_domain_restart(h, domid, action == XG_ACTION_RENAME_RESTART, &new_domid) < 0) {
					logf_(log, "restart failed: %s", xg_last_error());
					return EXIT_FAIL;
				}
				logf_(log, "domain %s restarted as domain %u", info.name, new_domid);
				domid = new_domid;
				started = now_s();
				stopped_why[0] = '\0';
				continue;
			}
			/* destroy: the hypervisor is doing it; wait for it below. */
		}
		/* Wait for the next event that concerns domid. */
		for (;;) {
			struct xg_event ev;
			rc = xg_event_read(w, &ev, -1);
			if (rc < 0) {
				logf_(log, "%s; the monitor ends", xg_last_error());
				return rc == -EPIPE ? EXIT_OK : EXIT_FAIL;
			}
			if (ev.type == XG_EVENT_OVERFLOW)
				break; /* events were lost: look at the domain again */
			if (ev.domid != domid)
				continue;
			if (ev.type == XG_EVENT_DESTROYED) {
				logf_(log, "domain %s (%u) was destroyed; the monitor ends", ev.name, domid);
				return EXIT_OK;
			}
			if (ev.type == XG_EVENT_STATE &&
			    (ev.state == XG_DOMAIN_SHUTDOWN || ev.state == XG_DOMAIN_CRASHED)) {
				snprintf(stopped_why, sizeof(stopped_why), "%s",
					 ev.state == XG_DOMAIN_CRASHED ? "crashed" : xg_shutdown_reason_name(ev.shutdown_reason));
				break;
			}
		}
	}
}

int cli_monitor_foreground(struct cli *cli, uint32_t domid)
{
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	int err;
	xg_event_watch *w = xg_event_watch_open(h, &err);
	if (!w) {
		cli_error("%s", xg_last_error());
		xg_close(h);
		return EXIT_FAIL;
	}
	int status = monitor_loop(h, w, domid, stderr);
	xg_event_watch_close(w);
	xg_close(h);
	return status;
}

/* The run directory xg talks to (as libxg chooses it). */
static const char *rundir_of(const struct cli *cli)
{
	const char *d = cli->rundir;
	if (!d || !*d)
		d = getenv("XG_RUNDIR");
	return d && *d ? d : XG_DEFAULT_RUNDIR;
}

int cli_monitor_start(struct cli *cli, uint32_t domid, const char *name)
{
	char dir[512], logpath[600], pidpath[600];
	snprintf(dir, sizeof(dir), "%s/monitors", rundir_of(cli));
	if (mkdir(dir, 0755) < 0 && errno != EEXIST) {
		cli_error("cannot create %s for the domain's monitor: %s", dir, strerror(errno));
		return -1;
	}
	snprintf(logpath, sizeof(logpath), "%s/%s.log", dir, name);
	snprintf(pidpath, sizeof(pidpath), "%s/%s.pid", dir, name);
	int logfd = open(logpath, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (logfd < 0) {
		cli_error("cannot open the monitor's log %s: %s", logpath, strerror(errno));
		return -1;
	}
	int ready[2];
	if (pipe2(ready, O_CLOEXEC) < 0) {
		cli_error("cannot start the domain's monitor: %s", strerror(errno));
		close(logfd);
		return -1;
	}
	fflush(NULL);
	pid_t child = fork();
	if (child < 0) {
		cli_error("cannot start the domain's monitor: %s", strerror(errno));
		close(logfd);
		close(ready[0]);
		close(ready[1]);
		return -1;
	}
	if (child == 0) {
		/* Detach: a new session, and a grandchild that init adopts. */
		close(ready[0]);
		setsid();
		signal(SIGHUP, SIG_IGN);
		pid_t monitor = fork();
		if (monitor != 0)
			_exit(monitor < 0 ? 1 : 0);
		int devnull = open("/dev/null", O_RDWR);
		if (devnull >= 0)
			dup2(devnull, 0);
		dup2(logfd, 1);
		dup2(logfd, 2);
		/* Nothing of the caller's stays open (a test harness waits for
		 * its pipes to close), except the readiness pipe. */
		for (int fd = 3; fd < 1024; fd++)
			if (fd != ready[1])
				close(fd);
		FILE *log = fdopen(2, "a");
		if (!log)
			_exit(1);
		FILE *pidf = fopen(pidpath, "w");
		if (pidf) {
			fprintf(pidf, "%ld\n", (long)getpid());
			fclose(pidf);
		}
		int err;
		xg_handle *h = xg_open(cli->rundir, 0, &err);
		xg_event_watch *w = h ? xg_event_watch_open(h, &err) : NULL;
		if (!w) {
			char msg[600];
			int n = snprintf(msg, sizeof(msg), "%s", xg_last_error());
			if (write(ready[1], msg, (size_t)n) < 0) {
				/* the parent sees an empty message and reports that */
			}
			_exit(1);
		}
		logf_(log, "watching domain %s (%u)", name, domid);
		if (write(ready[1], "", 1) < 0) {
			/* the parent is gone: carry on watching */
		}
		close(ready[1]);
		int status = monitor_loop(h, w, domid, log);
		xg_event_watch_close(w);
		xg_close(h);
		unlink(pidpath);
		_exit(status);
	}
	close(ready[1]);
	close(logfd);
	int st;
	waitpid(child, &st, 0);
	char msg[600];
	ssize_t n = read(ready[0], msg, sizeof(msg) - 1);
	close(ready[0]);
	if (n == 1 && msg[0] == '\0')
		return 0;
	msg[n > 0 ? n : 0] = '\0';
	cli_error("the domain's monitor did not start: %s (see %s)", n > 0 ? msg : "it exited at once", logpath);
	return -1;
}
