/*
 * xg shutdown, reboot, mem-set, vcpu-set: requests to a guest through its
 * xenstore nodes, as xl makes them for PV guests (docs/xenstore.md,
 * docs/xg.md).  The guest acts on them (or not): shutdown and reboot
 * write control/shutdown, which the guest watches; mem-set writes
 * memory/target for its balloon driver; vcpu-set writes
 * cpu/<k>/availability for its vCPU hotplug watch.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static int write_node(xg_handle *h, uint32_t tx, uint32_t domid, const char *rel, const char *value)
{
	char path[128];
	snprintf(path, sizeof(path), "/local/domain/%" PRIu32 "/%s", domid, rel);
	return xg_xs_write(h, tx, path, value, strlen(value));
}

/* A node of the domain's as a number; -1 after printing why not. */
static int read_number(xg_handle *h, uint32_t tx, uint32_t domid, const char *rel, uint64_t *out)
{
	char path[128], *v;
	size_t len;
	snprintf(path, sizeof(path), "/local/domain/%" PRIu32 "/%s", domid, rel);
	if (xg_xs_read(h, tx, path, &v, &len)) {
		cli_error("%s", xg_last_error());
		return -1;
	}
	char *end;
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	bool bad = !len || errno || end != v + len;
	free(v);
	if (bad) {
		cli_error("%s is not a number", path);
		return -1;
	}
	*out = n;
	return 0;
}

/*
 * As libxl__domain_pvcontrol_write: the request goes to control/shutdown
 * (in a transaction, so a domain destroyed meanwhile is not given a new
 * node).  A PV guest always has the control interface (libxl's
 * pvcontrol_available is true for PV), so -F, xl's fallback to an ACPI
 * power button for HVM guests without PV drivers, never applies here.
 */
static int ask(xg_handle *h, uint32_t domid, const char *what)
{
	for (int tries = 0; tries < 10; tries++) {
		uint32_t tx;
		if (xg_xs_transaction_start(h, &tx))
			break;
		char path[64];
		snprintf(path, sizeof(path), "/local/domain/%" PRIu32 "/control", domid);
		char **names;
		unsigned int n;
		if (xg_xs_directory(h, tx, path, &names, &n)) {
			xg_xs_transaction_end(h, tx, false);
			break; /* no control/ node: not a domain with a store */
		}
		free(names);
		if (write_node(h, tx, domid, "control/shutdown", what)) {
			xg_xs_transaction_end(h, tx, false);
			break;
		}
		int rc = xg_xs_transaction_end(h, tx, true);
		if (rc != -EAGAIN)
			return rc;
	}
	return -1;
}

/* Domains to wait for: the ids, and which are done. */
struct waiting {
	uint32_t *ids;
	bool *done;
	size_t n, left;
};

static void mark(struct waiting *w, uint32_t domid, const char *how, unsigned int reason, bool shutdown,
		 bool until_gone)
{
	for (size_t i = 0; i < w->n; i++) {
		if (w->ids[i] != domid || w->done[i])
			continue;
		if (shutdown) {
			fprintf(stderr, "Domain %" PRIu32 " has been shut down, reason code %u\n", domid, reason);
			if (until_gone) {
				fprintf(stderr, "Domain %" PRIu32 " continue waiting for death\n", domid);
				return;
			}
		} else {
			fprintf(stderr, "Domain %" PRIu32 " has been %s\n", domid, how);
		}
		w->done[i] = true;
		w->left--;
	}
}

/* Wait until each domain has shut down or gone (until_gone: gone), as
 * xl's wait_for_domain_deaths.  The watch was opened before the requests,
 * and each domain's state is read once after them: nothing is missed. */
static int wait_for(xg_handle *h, xg_event_watch *watch, struct waiting *w, bool until_gone)
{
	fprintf(stderr, "Waiting for %zu domains\n", w->n);
	for (size_t i = 0; i < w->n; i++) {
		struct xg_domain_info info;
		int rc = xg_domain_info(h, w->ids[i], &info);
		if (rc == -ESRCH)
			mark(w, w->ids[i], "destroyed", 0, false, until_gone);
		else if (!rc && !until_gone && (info.state == XG_DOMAIN_SHUTDOWN || info.state == XG_DOMAIN_CRASHED))
			mark(w, w->ids[i], NULL, info.state == XG_DOMAIN_CRASHED ? XG_SHUTDOWN_CRASH : info.shutdown_reason,
			     true, false);
	}
	while (w->left) {
		struct xg_event ev;
		int rc = xg_event_read(watch, &ev, -1);
		if (rc < 0) {
			cli_error("waiting for the domains: %s", strerror(-rc));
			return -1;
		}
		if (rc == 0)
			continue;
		if (ev.type == XG_EVENT_DESTROYED)
			mark(w, ev.domid, "destroyed", 0, false, until_gone);
		else if (ev.type == XG_EVENT_STATE && (ev.state == XG_DOMAIN_SHUTDOWN || ev.state == XG_DOMAIN_CRASHED))
			mark(w, ev.domid, NULL, ev.state == XG_DOMAIN_CRASHED ? XG_SHUTDOWN_CRASH : ev.shutdown_reason,
			     true, until_gone);
		else if (ev.type == XG_EVENT_OVERFLOW) {
			struct xg_domain_info info;
			for (size_t i = 0; i < w->n; i++)
				if (!w->done[i] && xg_domain_info(h, w->ids[i], &info) == -ESRCH)
					mark(w, w->ids[i], "destroyed", 0, false, until_gone);
		}
	}
	return 0;
}

static int request_stop(struct cli *cli, int argc, char **argv, const char *name, bool reboot)
{
	const struct command *self = cli_find_command(name);
	static const struct option opts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ "all", no_argument, NULL, 'a' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool all = false;
	int wait = 0, c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+wahF", opts, NULL)) != -1) {
		if (c == 'a') {
			all = true;
		} else if (c == 'w') {
			wait++;
		} else if (c == 'F') {
			/* xl's ACPI fallback for HVM guests: every guest here is PV */
		} else if (c == 'h') {
			cli_command_usage(self, false);
			return EXIT_OK;
		} else {
			cli_command_usage(self, true);
			return EXIT_USAGE;
		}
	}
	if (all ? optind != argc : argc - optind != 1) {
		cli_command_usage(self, true);
		return EXIT_USAGE;
	}
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	struct waiting w = { 0 };
	struct xg_domain_info *list = NULL;
	size_t nlist = 0;
	int status = EXIT_OK;
	xg_event_watch *watch = NULL;
	if (wait) {
		int err;
		if (!(watch = xg_event_watch_open(h, &err))) {
			cli_error("cannot watch the domains: %s", xg_last_error());
			status = EXIT_FAIL;
			goto out;
		}
	}
	if (all) {
		if (xg_domain_list(h, &list, &nlist) < 0) {
			cli_error("%s", xg_last_error());
			status = EXIT_FAIL;
			goto out;
		}
	} else {
		uint32_t domid;
		char why_not[64];
		snprintf(why_not, sizeof(why_not), "xg %s does not apply to it", name);
		if (cli_guest_domain(h, argv[optind], why_not, &domid) < 0) {
			status = EXIT_FAIL;
			goto out;
		}
		list = calloc(1, sizeof(*list));
		if (!list) {
			status = EXIT_FAIL;
			goto out;
		}
		list[0].domid = domid;
		nlist = 1;
	}
	w.ids = calloc(nlist ? nlist : 1, sizeof(*w.ids));
	w.done = calloc(nlist ? nlist : 1, sizeof(*w.done));
	if (!w.ids || !w.done) {
		status = EXIT_FAIL;
		goto out;
	}
	for (size_t i = 0; i < nlist; i++) {
		uint32_t domid = list[i].domid;
		if (domid == 0)
			continue;
		fprintf(stderr, "%s domain %" PRIu32 "\n", reboot ? "Rebooting" : "Shutting down", domid);
		if (ask(h, domid, reboot ? "reboot" : "poweroff")) {
			cli_error("%s failed for domain %" PRIu32 ": %s", name, domid, xg_last_error());
			status = EXIT_FAIL;
			goto out; /* as xl: the first failure ends the command */
		}
		w.ids[w.n++] = domid;
	}
	w.left = w.n;
	if (wait && wait_for(h, watch, &w, wait > 1) < 0)
		status = EXIT_FAIL;
out:
	if (watch)
		xg_event_watch_close(watch);
	free(w.ids);
	free(w.done);
	free(list);
	xg_close(h);
	return status;
}

int cmd_shutdown(struct cli *cli, int argc, char **argv)
{
	return request_stop(cli, argc, argv, "shutdown", false);
}

int cmd_reboot(struct cli *cli, int argc, char **argv)
{
	return request_stop(cli, argc, argv, "reboot", true);
}

/* xl mem-set: memory/target (KiB) for the guest's balloon driver, at most
 * memory/static-max (libxl_set_memory_target's check). */
int cmd_mem_set(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(argc, argv, "mem-set", 2, 2, NULL);
	if (first < 0)
		return cli_operands_status(first);
	uint64_t kib;
	if (cli_memory_operand(argv[first + 1], &kib) < 0)
		return EXIT_FAIL;
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	uint32_t domid;
	uint64_t max;
	int status = EXIT_FAIL;
	if (cli_guest_domain(h, argv[first], "xg mem-set does not apply to it", &domid) < 0 ||
	    read_number(h, 0, domid, "memory/static-max", &max) < 0)
		goto out;
	if (kib > max) {
		cli_error("%" PRIu64 " KiB is more than domain %" PRIu32 "'s maximum (memory/static-max, %" PRIu64
			  " KiB)",
			  kib, domid, max);
		goto out;
	}
	char v[24];
	snprintf(v, sizeof(v), "%" PRIu64, kib);
	if (write_node(h, 0, domid, "memory/target", v)) {
		cli_error("%s", xg_last_error());
		goto out;
	}
	status = EXIT_OK;
out:
	xg_close(h);
	return status;
}

/* xl vcpu-set: cpu/<k>/availability "online" for k < N, "offline" for the
 * rest of the domain's vCPUs (libxl_set_vcpuonline; N at most maxvcpus). */
int cmd_vcpu_set(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(argc, argv, "vcpu-set", 2, 2, NULL);
	if (first < 0)
		return cli_operands_status(first);
	char *end;
	errno = 0;
	unsigned long n = strtoul(argv[first + 1], &end, 10);
	if (errno || *end || argv[first + 1][0] == '-' || !argv[first + 1][0] || n == 0) {
		cli_error("'%s' is not a number of vCPUs (at least 1)", argv[first + 1]);
		return EXIT_FAIL;
	}
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	uint32_t domid;
	struct xg_domain_info info;
	int status = EXIT_FAIL;
	if (cli_guest_domain(h, argv[first], "xg vcpu-set does not apply to it", &domid) < 0)
		goto out;
	if (xg_domain_info(h, domid, &info) < 0) {
		cli_error("%s", xg_last_error());
		goto out;
	}
	if (n > info.nr_vcpus) {
		cli_error("domain %" PRIu32 " has at most %" PRIu32 " vCPUs (its maxvcpus); %lu asked for", domid,
			  info.nr_vcpus, n);
		goto out;
	}
	for (int tries = 0; tries < 10; tries++) {
		uint32_t tx;
		int rc = xg_xs_transaction_start(h, &tx);
		for (uint32_t k = 0; !rc && k < info.nr_vcpus; k++) {
			char rel[48];
			snprintf(rel, sizeof(rel), "cpu/%" PRIu32 "/availability", k);
			rc = write_node(h, tx, domid, rel, k < n ? "online" : "offline");
		}
		if (rc) {
			xg_xs_transaction_end(h, tx, false);
			cli_error("%s", xg_last_error());
			goto out;
		}
		rc = xg_xs_transaction_end(h, tx, true);
		if (rc == -EAGAIN)
			continue;
		if (rc) {
			cli_error("%s", xg_last_error());
			goto out;
		}
		status = EXIT_OK;
		break;
	}
out:
	xg_close(h);
	return status;
}
