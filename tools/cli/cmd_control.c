/*
 * xg shutdown, reboot, mem-set, vcpu-set, trigger: requests to a guest,
 * made by libxg (xg_domain_shutdown, xg_domain_wait_shutdown,
 * xg_domain_set_memory_target, xg_domain_set_online_vcpus,
 * xg_domain_trigger), printed as xl prints them (docs/xg.md).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* The domains a shutdown or reboot asks, with what became of them. */
struct asked {
	uint32_t *ids;
	char (*names)[XG_NAME_MAX];
	json_object **outcome; /* --json: each domain's object */
	size_t n;
	bool until_gone;
};

/* xl's words as each domain stops, on stderr; and the JSON outcome. */
static void on_progress(const struct xg_shutdown_progress *p, void *arg)
{
	struct asked *a = arg;
	if (p->gone)
		fprintf(stderr, "Domain %" PRIu32 " has been destroyed\n", p->domid);
	else
		fprintf(stderr, "Domain %" PRIu32 " has been shut down, reason code %u\n", p->domid, p->reason);
	if (!p->gone && a->until_gone)
		fprintf(stderr, "Domain %" PRIu32 " continue waiting for death\n", p->domid);
	for (size_t i = 0; i < a->n; i++) {
		if (a->ids[i] != p->domid || !a->outcome)
			continue;
		if (p->gone)
			json_object_object_add(a->outcome[i], "destroyed", json_object_new_boolean(true));
		else
			json_object_object_add(a->outcome[i], "shutdown_reason",
					       json_object_new_string(xg_shutdown_reason_name(p->reason)));
	}
}

static void asked_free(struct asked *a)
{
	for (size_t i = 0; a->outcome && i < a->n; i++)
		json_object_put(a->outcome[i]);
	free(a->outcome);
	free(a->ids);
	free(a->names);
}

/* The domains named: every guest (all), or the one operand. */
static int choose(xg_handle *h, bool all, const char *arg, const char *name, struct asked *a)
{
	struct xg_domain_info *list = NULL;
	size_t nlist = 0;
	if (all && xg_domain_list(h, &list, &nlist) < 0) {
		cli_error("%s", xg_last_error());
		return -1;
	}
	size_t room = all ? (nlist ? nlist : 1) : 1;
	a->ids = calloc(room, sizeof(*a->ids));
	a->names = calloc(room, sizeof(*a->names));
	if (!a->ids || !a->names) {
		free(list);
		cli_error("out of memory");
		return -1;
	}
	int rc = 0;
	if (all) {
		for (size_t i = 0; i < nlist; i++) {
			if (list[i].domid == 0)
				continue;
			a->ids[a->n] = list[i].domid;
			memcpy(a->names[a->n++], list[i].name, XG_NAME_MAX);
		}
	} else {
		char why_not[64];
		snprintf(why_not, sizeof(why_not), "xg %s does not apply to it", name);
		rc = cli_guest_domain(h, arg, why_not, &a->ids[0]);
		if (!rc)
			rc = cli_domain_name(h, a->ids[0], a->names[0]);
		a->n = rc ? 0 : 1;
	}
	free(list);
	return rc;
}

static int request_stop(struct cli *cli, int argc, char **argv, const char *name, bool reboot)
{
	const struct command *self = cli_find_command(name);
	static const struct option opts[] = {
		{ "wait", no_argument, NULL, 'w' },
		{ "all", no_argument, NULL, 'a' },
		CLI_COMMON_OPTIONS,
	};
	bool all = false;
	int wait = 0, c;
	optind = 0;
	while ((c = cli_getopt(cli, self, argc, argv, "wahF", opts)) >= 0) {
		if (c == 'a')
			all = true;
		else if (c == 'w')
			wait++;
		/* -F: xl's ACPI fallback for HVM guests; every guest here is PV */
	}
	if (c != -1)
		return cli_options_status(c);
	if (all ? optind != argc : argc - optind != 1) {
		cli_command_usage(self, true);
		return EXIT_USAGE;
	}
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	struct asked a = { 0 };
	int status = EXIT_FAIL;
	if (choose(h, all, all ? NULL : argv[optind], name, &a) < 0)
		goto out;
	if (cli->json && !(a.outcome = calloc(a.n ? a.n : 1, sizeof(*a.outcome)))) {
		cli_error("out of memory");
		goto out;
	}
	for (size_t i = 0; i < a.n; i++) {
		fprintf(stderr, "%s domain %" PRIu32 "\n", reboot ? "Rebooting" : "Shutting down", a.ids[i]);
		if (xg_domain_shutdown(h, a.ids[i], reboot ? XG_SHUTDOWN_REBOOT : XG_SHUTDOWN_POWEROFF) < 0) {
			cli_error("%s failed for domain %" PRIu32 ": %s", name, a.ids[i], xg_last_error());
			goto out; /* as xl: the first failure ends the command */
		}
		if (a.outcome)
			a.outcome[i] = cli_domain_ref(a.ids[i], a.names[i]);
	}
	a.until_gone = wait > 1;
	if (wait) {
		fprintf(stderr, "Waiting for %zu domains\n", a.n);
		if (xg_domain_wait_shutdown(h, a.ids, a.n, a.until_gone, -1, on_progress, &a) < 0) {
			cli_error("%s", xg_last_error());
			goto out;
		}
	}
	status = EXIT_OK;
	if (cli->json) {
		json_object *o = json_object_new_object(), *arr = json_object_new_array();
		json_object_object_add(o, "request", json_object_new_string(reboot ? "reboot" : "poweroff"));
		json_object_object_add(o, "waited", json_object_new_string(!wait ? "no" : wait > 1 ? "gone" : "shutdown"));
		for (size_t i = 0; i < a.n; i++) {
			json_object_array_add(arr, a.outcome[i]);
			a.outcome[i] = NULL;
		}
		json_object_object_add(o, "domains", arr);
		cli_print_json(o);
	}
out:
	asked_free(&a);
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

/* Connect and resolve the DOMAIN operand of a request; NULL after the error. */
static xg_handle *request_target(struct cli *cli, const char *arg, const char *name, uint32_t *domid,
				 char domname[XG_NAME_MAX])
{
	char why_not[64];
	snprintf(why_not, sizeof(why_not), "xg %s does not apply to it", name);
	xg_handle *h = cli_connect_guest(cli, arg, why_not, domid);
	if (h && cli_domain_name(h, *domid, domname) < 0) {
		xg_close(h);
		h = NULL;
	}
	return h;
}

/* The end of a request: rc (of its libxg call) reported, the error with
 * hint after it; under --json the domain with the fields of what
 * changed.  h is closed, fields dropped.  Returns the exit status. */
static int request_done(struct cli *cli, xg_handle *h, int rc, const char *hint, uint32_t domid, const char *name,
			json_object *fields)
{
	if (rc < 0) {
		cli_error("%s%s", xg_last_error(), hint);
	} else if (cli->json) {
		json_object *o = cli_domain_ref(domid, name);
		json_object_object_foreach(fields, key, value)
			json_object_object_add(o, key, json_object_get(value));
		cli_print_json(o);
	}
	json_object_put(fields);
	xg_close(h);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

/* xl mem-set: memory/target for the guest's balloon driver; -f writes a
 * target above memory/static-max. */
int cmd_mem_set(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "mem-set", 2, 2);
	if (first < 0)
		return cli_options_status(first);
	uint64_t kib;
	if (cli_memory_operand(argv[first + 1], &kib) < 0)
		return EXIT_FAIL;
	uint32_t domid;
	char name[XG_NAME_MAX];
	xg_handle *h = request_target(cli, argv[first], "mem-set", &domid, name);
	if (!h)
		return EXIT_FAIL;
	int rc = xg_domain_set_memory_target(h, domid, kib, cli->force ? XG_FORCE : 0);
	json_object *fields = json_object_new_object();
	json_object_object_add(fields, "target_kib", json_object_new_int64((int64_t)kib));
	return request_done(cli, h, rc, strstr(xg_last_error(), "static-max") ? " (-f writes it anyway)" : "", domid,
			    name, fields);
}

/* xl vcpu-set: cpu/<k>/availability, online for k < N. */
int cmd_vcpu_set(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "vcpu-set", 2, 2);
	if (first < 0)
		return cli_options_status(first);
	uint32_t n;
	if (!cli_parse_u32(argv[first + 1], &n) || n == 0) {
		cli_error("'%s' is not a number of vCPUs (at least 1)", argv[first + 1]);
		return EXIT_FAIL;
	}
	uint32_t domid;
	char name[XG_NAME_MAX];
	xg_handle *h = request_target(cli, argv[first], "vcpu-set", &domid, name);
	if (!h)
		return EXIT_FAIL;
	int rc = xg_domain_set_online_vcpus(h, domid, n);
	json_object *fields = json_object_new_object();
	json_object_object_add(fields, "online_vcpus", json_object_new_int64(n));
	return request_done(cli, h, rc, "", domid, name, fields);
}

/* xl trigger DOMAIN TRIGGER [VCPU] (VCPU 0 by default). */
int cmd_trigger(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "trigger", 2, 3);
	if (first < 0)
		return cli_options_status(first);
	enum xg_trigger trigger;
	if (xg_trigger_from_name(argv[first + 1], &trigger) < 0) {
		cli_error("%s", xg_last_error());
		return EXIT_FAIL;
	}
	uint32_t vcpu = 0;
	if (argc - first == 3 && !cli_parse_u32(argv[first + 2], &vcpu)) {
		cli_error("'%s' is not a vCPU number", argv[first + 2]);
		return EXIT_FAIL;
	}
	uint32_t domid;
	char name[XG_NAME_MAX];
	xg_handle *h = request_target(cli, argv[first], "trigger", &domid, name);
	if (!h)
		return EXIT_FAIL;
	int rc = xg_domain_trigger(h, domid, trigger, vcpu);
	json_object *fields = json_object_new_object();
	json_object_object_add(fields, "trigger", json_object_new_string(xg_trigger_name(trigger)));
	json_object_object_add(fields, "vcpu", json_object_new_int64(vcpu));
	return request_done(cli, h, rc, "", domid, name, fields);
}
