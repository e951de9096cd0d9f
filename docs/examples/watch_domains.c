/*
 * Print domain events as they happen, from a poll() loop: how a management
 * program follows XG's domains with libxg's watch API.
 *
 *   cc watch_domains.c $(pkg-config --cflags --libs libxg) -o watch_domains
 *   ./watch_domains [COUNT]     # stop after COUNT events (default: never)
 *
 * It first prints "watching", then the domains that exist (as "exists"
 * lines: the watch is opened before the list, so nothing falls between),
 * then one line per event:
 *   created 3 web paused
 *   state 3 web running
 *   state 3 web shutdown reboot
 *   renamed 3 web-old running
 *   destroyed 3 web-old dying
 * After an "overflow" (it fell behind) it lists the domains again.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <xg/xg.h>

static int list_domains(xg_handle *h)
{
	struct xg_domain_info *domains;
	size_t n;
	if (xg_domain_list(h, &domains, &n) < 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		printf("exists %u %s %s\n", domains[i].domid, domains[i].name, xg_domain_state_name(domains[i].state));
	free(domains);
	return 0;
}

int main(int argc, char **argv)
{
	long limit = argc > 1 ? strtol(argv[1], NULL, 10) : -1;
	int err;
	xg_handle *h = xg_open(NULL, XG_OPEN_READONLY, &err);
	if (!h) {
		fprintf(stderr, "watch_domains: %s\n", xg_last_error());
		return 1;
	}
	xg_event_watch *w = xg_event_watch_open(h, &err);
	if (!w) {
		fprintf(stderr, "watch_domains: %s\n", xg_last_error());
		xg_close(h);
		return 1;
	}
	printf("watching\n");
	int status = list_domains(h) < 0 ? 1 : 0;
	fflush(stdout);
	for (long seen = 0; !status && seen != limit;) {
		/* A real program polls its other descriptors here too. */
		struct pollfd p = { .fd = xg_event_watch_fd(w), .events = POLLIN };
		if (poll(&p, 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			perror("watch_domains: poll");
			status = 1;
			break;
		}
		/* Take every event that has arrived, without waiting. */
		struct xg_event ev;
		int rc;
		while (seen != limit && (rc = xg_event_read(w, &ev, 0)) == 1) {
			seen++;
			if (ev.type == XG_EVENT_OVERFLOW) {
				printf("overflow\n");
				if (list_domains(h) < 0)
					status = 1;
			} else if (ev.type == XG_EVENT_STATE && ev.state == XG_DOMAIN_SHUTDOWN) {
				printf("state %u %s shutdown %s\n", ev.domid, ev.name,
				       xg_shutdown_reason_name(ev.shutdown_reason));
			} else {
				printf("%s %u %s %s\n", xg_event_type_name(ev.type), ev.domid, ev.name,
				       xg_domain_state_name(ev.state));
			}
		}
		fflush(stdout);
		if (seen != limit && rc < 0) {
			fprintf(stderr, "watch_domains: %s\n", xg_last_error());
			status = 1;
		}
	}
	if (status && xg_last_error()[0])
		fprintf(stderr, "watch_domains: %s\n", xg_last_error());
	xg_event_watch_close(w);
	xg_close(h);
	return status;
}
