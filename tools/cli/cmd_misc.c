/* xg rename, domid, domname, uptime. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cmd_rename(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "rename", 2, 2);
	if (first < 0)
		return cli_options_status(first);
	uint32_t domid;
	xg_handle *h = cli_connect_guest(cli, argv[first], "it keeps its name", &domid);
	if (!h)
		return EXIT_FAIL;
	char old[XG_NAME_MAX];
	int rc = cli_domain_name(h, domid, old);
	if (!rc && xg_domain_rename(h, domid, argv[first + 1]) < 0) {
		cli_error("%s", xg_last_error());
		rc = -1;
	}
	if (!rc && cli->json) {
		json_object *o = cli_domain_ref(domid, argv[first + 1]);
		json_object_object_add(o, "old_name", json_object_new_string(old));
		cli_print_json(o);
	}
	xg_close(h);
	return rc ? EXIT_FAIL : EXIT_OK;
}

/* domid NAME and domname ID: one lookup, printing the other half. */
static int translate(struct cli *cli, int argc, char **argv, const char *name, bool want_id)
{
	int first = cli_operands(cli, argc, argv, name, 1, 1);
	if (first < 0)
		return cli_options_status(first);
	xg_handle *h = cli_connect(cli, true);
	if (!h)
		return EXIT_FAIL;
	struct xg_domain_info *list;
	size_t n;
	int rc = xg_domain_list(h, &list, &n);
	xg_close(h);
	if (rc < 0) {
		cli_error("%s", xg_last_error());
		return EXIT_FAIL;
	}
	const char *arg = argv[first];
	char *end;
	unsigned long id = strtoul(arg, &end, 10);
	bool numeric = *arg && !*end;
	int status = EXIT_FAIL;
	for (size_t i = 0; i < n && status; i++) {
		if (want_id ? strcmp(list[i].name, arg) : !numeric || list[i].domid != id)
			continue;
		status = EXIT_OK;
		if (cli->json)
			cli_print_json(cli_domain_ref(list[i].domid, list[i].name));
		else if (want_id)
			printf("%u\n", list[i].domid);
		else
			printf("%s\n", list[i].name);
	}
	if (status)
		cli_error(want_id ? "no domain named '%s'" : "no domain with id %s", arg);
	free(list);
	return status;
}

int cmd_domid(struct cli *cli, int argc, char **argv)
{
	return translate(cli, argc, argv, "domid", true);
}

int cmd_domname(struct cli *cli, int argc, char **argv)
{
	return translate(cli, argc, argv, "domname", false);
}

static void format_uptime(uint64_t ns, char *out, size_t size)
{
	uint64_t s = ns / 1000000000ull, days = s / 86400;
	unsigned int h = (unsigned int)(s % 86400 / 3600), m = (unsigned int)(s % 3600 / 60), sec = (unsigned int)(s % 60);
	if (days)
		snprintf(out, size, "%llu day%s, %u:%02u:%02u", (unsigned long long)days, days == 1 ? "" : "s", h, m,
			 sec);
	else
		snprintf(out, size, "%u:%02u:%02u", h, m, sec);
}

int cmd_uptime(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "uptime", 0, -1);
	if (first < 0)
		return cli_options_status(first);
	bool json = cli->json;
	xg_handle *h = cli_connect(cli, true);
	if (!h)
		return EXIT_FAIL;
	struct xg_physinfo p;
	struct xg_domain_info *list = NULL;
	size_t n = 0;
	if (xg_physinfo(h, &p) < 0 || xg_domain_list(h, &list, &n) < 0) {
		cli_error("%s", xg_last_error());
		xg_close(h);
		return EXIT_FAIL;
	}
	xg_close(h);
	int status = EXIT_OK;
	for (int a = first; a < argc; a++) {
		bool found = false;
		for (size_t i = 0; i < n; i++) {
			char id[16];
			snprintf(id, sizeof(id), "%u", list[i].domid);
			found = found || !strcmp(argv[a], list[i].name) || !strcmp(argv[a], id);
		}
		if (!found) {
			cli_error("no domain named '%s'", argv[a]);
			status = EXIT_FAIL;
		}
	}
	json_object *arr = json ? json_object_new_array() : NULL;
	if (!json)
		printf("%-40s %5s %s\n", "Name", "ID", "Uptime");
	for (size_t i = 0; i < n && (status == EXIT_OK || !json); i++) {
		bool wanted = first == argc;
		char id[16];
		snprintf(id, sizeof(id), "%u", list[i].domid);
		for (int a = first; a < argc; a++)
			wanted = wanted || !strcmp(argv[a], list[i].name) || !strcmp(argv[a], id);
		if (!wanted)
			continue;
		uint64_t ns = p.uptime_ns > list[i].created_ns ? p.uptime_ns - list[i].created_ns : 0;
		if (json) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "domid", json_object_new_int64(list[i].domid));
			json_object_object_add(o, "name", json_object_new_string(list[i].name));
			json_object_object_add(o, "uptime_s", json_object_new_double((double)ns / 1e9));
			json_object_array_add(arr, o);
		} else {
			char up[64];
			format_uptime(ns, up, sizeof(up));
			printf("%-40s %5u %s\n", list[i].name, list[i].domid, up);
		}
	}
	if (json && status == EXIT_OK)
		cli_print_json(arr);
	else if (json)
		json_object_put(arr);
	free(list);
	return status;
}
