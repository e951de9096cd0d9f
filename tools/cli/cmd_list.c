/* xg list and xg info. */
#include <stdio.h>
#include <stdlib.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "cli.h"

json_object *cli_domain_json(const struct xg_domain_info *d)
{
	char uuid[37];
	uuid_unparse_lower(d->uuid, uuid);
	json_object *o = json_object_new_object();
	json_object_object_add(o, "domid", json_object_new_int64(d->domid));
	json_object_object_add(o, "name", json_object_new_string(d->name));
	json_object_object_add(o, "uuid", json_object_new_string(uuid));
	json_object_object_add(o, "state", json_object_new_string(xg_domain_state_name(d->state)));
	if (d->state == XG_DOMAIN_SHUTDOWN)
		json_object_object_add(o, "shutdown_reason",
				       json_object_new_string(xg_shutdown_reason_name(d->shutdown_reason)));
	json_object_object_add(o, "paused", json_object_new_boolean(d->paused));
	json_object_object_add(o, "memory_kib", json_object_new_int64((int64_t)(d->tot_frames * 4)));
	json_object_object_add(o, "max_memory_kib", json_object_new_int64((int64_t)(d->max_frames * 4)));
	json_object_object_add(o, "vcpus", json_object_new_int64(d->nr_vcpus));
	json_object_object_add(o, "online_vcpus", json_object_new_int64(d->nr_online_vcpus));
	json_object_object_add(o, "cpu_time_s", json_object_new_double((double)d->cpu_time_ns / 1e9));
	json_object_object_add(o, "hypercalls", json_object_new_int64((int64_t)d->hypercalls));
	return o;
}

/* xl's state column: one position per flag, '-' where it is not set. */
static void state_letters(const struct xg_domain_info *d, char out[7])
{
	memcpy(out, "------", 7);
	if (d->state == XG_DOMAIN_RUNNING)
		out[0] = 'r';
	if (d->state == XG_DOMAIN_BLOCKED)
		out[1] = 'b';
	if (d->paused)
		out[2] = 'p';
	if (d->state == XG_DOMAIN_SHUTDOWN)
		out[3] = 's';
	if (d->state == XG_DOMAIN_CRASHED)
		out[4] = 'c';
	if (d->state == XG_DOMAIN_DYING)
		out[5] = 'd';
}

static bool wanted(const struct xg_domain_info *d, char **names, int n)
{
	if (!n)
		return true;
	char id[16];
	snprintf(id, sizeof(id), "%u", d->domid);
	for (int i = 0; i < n; i++)
		if (!strcmp(names[i], d->name) || !strcmp(names[i], id))
			return true;
	return false;
}

/* The domain's record with its effective configuration (xl list -l). */
static json_object *long_json(xg_handle *h, const struct xg_domain_info *d)
{
	json_object *o = cli_domain_json(d);
	struct xg_config cfg;
	if (d->domid && xg_domain_config(h, d->domid, &cfg) == 0) {
		char *text = xg_config_to_json(&cfg);
		json_object *c = text ? json_tokener_parse(text) : NULL;
		if (c)
			json_object_object_add(o, "config", c);
		free(text);
		xg_config_dispose(&cfg);
	}
	return o;
}

int cmd_list(struct cli *cli, int argc, char **argv)
{
	const struct command *self = cli_find_command("list");
	static const struct option opts[] = {
		{ "long", no_argument, NULL, 'l' },
		CLI_COMMON_OPTIONS,
	};
	bool longform = false;
	int c;
	optind = 0;
	while ((c = cli_getopt(cli, self, argc, argv, "lh", opts)) >= 0)
		longform = true; /* -l, which is JSON */
	if (c != -1)
		return cli_options_status(c);
	cli->json = cli->json || longform;
	bool json = cli->json;
	int first = optind;
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	struct xg_domain_info *list;
	size_t n;
	if (xg_domain_list(h, &list, &n) < 0) {
		cli_error("%s", xg_last_error());
		xg_close(h);
		return EXIT_FAIL;
	}
	char **names = argv + first;
	int nnames = argc - first;
	int status = EXIT_OK;
	for (int i = 0; i < nnames; i++) {
		bool found = false;
		for (size_t j = 0; j < n; j++)
			if (wanted(&list[j], &names[i], 1))
				found = true;
		if (!found) {
			cli_error("no domain named '%s'", names[i]);
			status = EXIT_FAIL;
		}
	}
	if (json && status == EXIT_OK) {
		json_object *arr = json_object_new_array();
		for (size_t i = 0; i < n; i++)
			if (wanted(&list[i], names, nnames))
				json_object_array_add(arr, longform ? long_json(h, &list[i]) : cli_domain_json(&list[i]));
		cli_print_json(arr);
	} else if (status == EXIT_OK) {
		printf("%-40s %5s %5s %5s     %-6s  %8s\n", "Name", "ID", "Mem", "VCPUs", "State", "Time(s)");
		for (size_t i = 0; i < n; i++) {
			if (!wanted(&list[i], names, nnames))
				continue;
			char state[7];
			state_letters(&list[i], state);
			printf("%-40s %5u %5llu %5u     %s  %8.1f\n", list[i].name, list[i].domid,
			       (unsigned long long)(list[i].tot_frames >> 8), list[i].nr_online_vcpus, state,
			       (double)list[i].cpu_time_ns / 1e9);
		}
	}
	free(list);
	xg_close(h);
	return status;
}

int cmd_info(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "info", 0, 0);
	if (first < 0)
		return cli_options_status(first);
	bool json = cli->json;
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	struct xg_physinfo p;
	if (xg_physinfo(h, &p) < 0) {
		cli_error("%s", xg_last_error());
		xg_close(h);
		return EXIT_FAIL;
	}
	xg_close(h);
	char host[256] = "";
	gethostname(host, sizeof(host) - 1);
	char release[64];
	snprintf(release, sizeof(release), "%u.%u%s", p.xen_major, p.xen_minor, p.xen_extra);
	if (json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "host", json_object_new_string(host));
		json_object_object_add(o, "xen_version", json_object_new_string(release));
		json_object_object_add(o, "backend", json_object_new_string(p.backend));
		json_object_object_add(o, "nr_cpus", json_object_new_int64(p.nr_cpus));
		json_object_object_add(o, "total_frames", json_object_new_int64((int64_t)p.total_frames));
		json_object_object_add(o, "free_frames", json_object_new_int64((int64_t)p.free_frames));
		json_object_object_add(o, "used_frames", json_object_new_int64((int64_t)p.used_frames));
		json_object_object_add(o, "quota_frames", json_object_new_int64((int64_t)p.quota_frames));
		json_object_object_add(o, "nr_domains", json_object_new_int64(p.nr_domains));
		json_object_object_add(o, "uptime_s", json_object_new_double((double)p.uptime_ns / 1e9));
		json_object_object_add(o, "xg_version", json_object_new_string(XG_VERSION));
		cli_print_json(o);
		return EXIT_OK;
	}
	printf("host                   : %s\n", host);
	printf("xen_version            : %s\n", release);
	printf("xg_version             : %s\n", XG_VERSION);
	printf("backend                : %s\n", p.backend);
	printf("nr_cpus                : %u\n", p.nr_cpus);
	printf("total_memory           : %llu\n", (unsigned long long)(p.total_frames >> 8));
	printf("free_memory            : %llu\n", (unsigned long long)(p.free_frames >> 8));
	printf("quota_memory           : %llu\n", (unsigned long long)(p.quota_frames >> 8));
	printf("nr_domains             : %u\n", p.nr_domains);
	printf("uptime                 : %.0f\n", (double)p.uptime_ns / 1e9);
	return EXIT_OK;
}
