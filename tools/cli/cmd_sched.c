/* xg sched-credit: Xen's credit scheduler parameters, weight and cap, as xl's. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A whole decimal number (no sign, no unit) that fits in 32 bits. */
static bool parse_number(const char *s, uint32_t *out)
{
	return cli_parse_u32(s, out) && *out != XG_SCHED_KEEP; /* UINT32_MAX is XG_SCHED_KEEP */
}

static void print_row(const char *name, uint32_t domid, const struct xg_sched_credit *sc)
{
	printf("%-33s %4u %6u %4u\n", name, domid, sc->weight, sc->cap);
}

static json_object *row_json(const char *name, uint32_t domid, const struct xg_sched_credit *sc)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "name", json_object_new_string(name));
	json_object_object_add(o, "domid", json_object_new_int64(domid));
	json_object_object_add(o, "weight", json_object_new_int64(sc->weight));
	json_object_object_add(o, "cap", json_object_new_int64(sc->cap));
	return o;
}

/* List one domain (domid) or every guest (domid < 0). */
static int show(struct cli *cli, const char *dom, bool json)
{
	xg_handle *h = cli_connect(cli, true);
	if (!h)
		return EXIT_FAIL;
	uint32_t only = 0;
	if (dom && cli_guest_domain(h, dom, "it has no scheduling parameters (the host kernel schedules it)",
				    &only) < 0) {
		xg_close(h);
		return EXIT_FAIL;
	}
	struct xg_domain_info *list = NULL;
	size_t n = 0;
	if (xg_domain_list(h, &list, &n) < 0) {
		cli_error("%s", xg_last_error());
		xg_close(h);
		return EXIT_FAIL;
	}
	int status = EXIT_OK;
	json_object *arr = json ? json_object_new_array() : NULL;
	/* Read everything first, so that an error leaves no half table. */
	struct xg_sched_credit *sc = calloc(n ? n : 1, sizeof(*sc));
	bool *shown = calloc(n ? n : 1, sizeof(bool));
	if (!sc || !shown) {
		cli_error("out of memory");
		status = EXIT_FAIL;
	}
	for (size_t i = 0; i < n && status == EXIT_OK; i++) {
		/* Domain 0 is the host: no vCPU threads of XG's to weigh. */
		if (list[i].domid == 0 || (dom && list[i].domid != only))
			continue;
		int rc = xg_sched_credit_get(h, list[i].domid, &sc[i]);
		if (rc == -ESRCH && !dom)
			continue; /* destroyed since the list was read */
		if (rc < 0) {
			cli_error("%s", xg_last_error());
			status = EXIT_FAIL;
			break;
		}
		shown[i] = true;
	}
	if (status == EXIT_OK) {
		if (!json)
			printf("%-33s %4s %6s %4s\n", "Name", "ID", "Weight", "Cap");
		for (size_t i = 0; i < n; i++) {
			if (!shown[i])
				continue;
			if (json)
				json_object_array_add(arr, row_json(list[i].name, list[i].domid, &sc[i]));
			else
				print_row(list[i].name, list[i].domid, &sc[i]);
		}
		if (json)
			cli_print_json(arr);
	} else if (json) {
		json_object_put(arr);
	}
	free(sc);
	free(shown);
	free(list);
	xg_close(h);
	return status;
}

/*
 * xl's forms:
 *   xg sched-credit                      every guest's weight and cap
 *   xg sched-credit -d DOMAIN            that domain's
 *   xg sched-credit -d DOMAIN [-w W] [-c C]   set them
 * -s (the scheduler's own parameters: time slice, rate limit, migration
 * delay) and -p (cpupools) have nothing to act on in XG and are refused.
 */
int cmd_sched_credit(struct cli *cli, int argc, char **argv)
{
	const struct command *self = cli_find_command("sched-credit");
	static const struct option opts[] = {
		{ "domain", required_argument, NULL, 'd' },
		{ "weight", required_argument, NULL, 'w' },
		{ "cap", required_argument, NULL, 'c' },
		{ "schedparam", no_argument, NULL, 's' },
		{ "tslice_ms", required_argument, NULL, 't' },
		{ "ratelimit_us", required_argument, NULL, 'r' },
		{ "migration_delay_us", required_argument, NULL, 'm' },
		{ "cpupool", required_argument, NULL, 'p' },
		CLI_COMMON_OPTIONS,
	};
	const char *dom = NULL, *weight_arg = NULL, *cap_arg = NULL, *pool = NULL;
	bool schedparam = false, pool_params = false;
	int c;
	optind = 0;
	while ((c = cli_getopt(cli, self, argc, argv, "d:w:c:st:r:m:p:h", opts)) >= 0) {
		switch (c) {
		case 'd': dom = optarg; break;
		case 'w': weight_arg = optarg; break;
		case 'c': cap_arg = optarg; break;
		case 's': schedparam = true; break;
		case 't':
		case 'r':
		case 'm': pool_params = true; break;
		case 'p': pool = optarg; break;
		}
	}
	if (c != -1)
		return cli_options_status(c);
	if (optind != argc) {
		cli_command_usage(self, true);
		return EXIT_USAGE;
	}
	bool setting = weight_arg || cap_arg;
	if ((pool || schedparam) && (dom || setting)) {
		cli_error("-p and -s cannot be combined with domain options (-d, -w, -c)");
		return EXIT_USAGE;
	}
	if (setting && !dom) {
		cli_error("-w and -c need the domain to set them for (-d DOMAIN)");
		return EXIT_USAGE;
	}
	if (schedparam || pool_params) {
		cli_error("the credit scheduler's own parameters (-s: time slice, rate limit, migration delay) are not "
			  "supported by XG: the host kernel schedules the vCPU threads (docs/scheduling.md)");
		return EXIT_FAIL;
	}
	if (pool) {
		cli_error("cpupools are not supported by XG: every domain shares every host CPU (see xg vcpu-pin)");
		return EXIT_FAIL;
	}
	if (!setting)
		return show(cli, dom, cli->json);

	struct xg_sched_credit sc = { .weight = XG_SCHED_KEEP, .cap = XG_SCHED_KEEP };
	if (weight_arg && !parse_number(weight_arg, &sc.weight)) {
		cli_error("'%s' is not a weight (a whole number, 1 to %u)", weight_arg, XG_SCHED_WEIGHT_MAX);
		return EXIT_FAIL;
	}
	if (cap_arg && !parse_number(cap_arg, &sc.cap)) {
		cli_error("'%s' is not a cap (a whole number of percent of one host CPU, 0 for none)", cap_arg);
		return EXIT_FAIL;
	}
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	uint32_t domid;
	int rc = cli_guest_domain(h, dom, "it has no scheduling parameters (the host kernel schedules it)", &domid);
	if (!rc && xg_sched_credit_set(h, domid, &sc) < 0) {
		cli_error("%s", xg_last_error());
		rc = -1;
	}
	char name[XG_NAME_MAX];
	/* --json: the parameters now in force, both of them. */
	if (!rc && cli->json && !(rc = cli_domain_name(h, domid, name))) {
		if (xg_sched_credit_get(h, domid, &sc) < 0) {
			cli_error("%s", xg_last_error());
			rc = -1;
		} else {
			cli_print_json(row_json(name, domid, &sc));
		}
	}
	xg_close(h);
	return rc ? EXIT_FAIL : EXIT_OK;
}
