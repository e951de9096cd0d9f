/* xg create, dumpxml, destroy, pause, unpause. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uuid/uuid.h>

#include "cli.h"

/* -N: the layout the builder would give the domain, on stdout (--json:
 * in an object, a line per element). */
static int dry_run(struct cli *cli, const struct xg_config *cfg)
{
	char *text = NULL;
	size_t len = 0;
	FILE *out = cli->json ? open_memstream(&text, &len) : stdout;
	if (!out) {
		cli_error("out of memory");
		return -1;
	}
	int rc = xg_config_describe(cfg, out);
	if (cli->json)
		fclose(out);
	if (rc < 0) {
		cli_error("%s", xg_last_error());
	} else if (cli->json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "dry_run", json_object_new_boolean(true));
		json_object_object_add(o, "name", json_object_new_string(cfg->name));
		json_object_object_add(o, "memory_mib", json_object_new_int64((int64_t)cfg->memory_mib));
		json_object_object_add(o, "vcpus", json_object_new_int64(cfg->vcpus));
		json_object_object_add(o, "layout", cli_lines_json(text, len));
		cli_print_json(o);
	} else {
		printf("Dry run: domain %s would be created (%llu MiB, %u vCPU%s)\n", cfg->name,
		       (unsigned long long)cfg->memory_mib, cfg->vcpus, cfg->vcpus == 1 ? "" : "s");
	}
	free(text);
	return rc;
}

/* --json: the domain created. */
static void print_created(xg_handle *h, uint32_t domid, bool paused, bool monitor)
{
	struct xg_domain_info info;
	if (xg_domain_info(h, domid, &info) < 0) {
		/* It went at once (a guest that stops at its first
		 * instruction): what is known is its id. */
		memset(&info, 0, sizeof(info));
		info.domid = domid;
	}
	char uuid[37];
	uuid_unparse_lower(info.uuid, uuid);
	json_object *o = cli_domain_ref(domid, info.name);
	json_object_object_add(o, "uuid", json_object_new_string(uuid));
	json_object_object_add(o, "paused", json_object_new_boolean(paused));
	json_object_object_add(o, "monitor", json_object_new_boolean(monitor));
	cli_print_json(o);
}

int cmd_create(struct cli *cli, int argc, char **argv)
{
	const struct command *self = cli_find_command("create");
	static const struct option opts[] = {
		{ "console", no_argument, NULL, 'c' },
		{ "paused", no_argument, NULL, 'p' },
		{ "foreground", no_argument, NULL, 'F' },
		{ "no-monitor", no_argument, NULL, 'e' },
		CLI_COMMON_OPTIONS,
	};
	bool console = false, paused = false, foreground = false, no_monitor = false;
	int c;
	optind = 0;
	while ((c = cli_getopt(cli, self, argc, argv, "cpFeh", opts)) >= 0) {
		switch (c) {
		case 'c': console = true; break;
		case 'p': paused = true; break;
		case 'F': foreground = true; break;
		case 'e': no_monitor = true; break;
		}
	}
	if (c != -1)
		return cli_options_status(c);
	if (console && cli->json) {
		cli_error("--json cannot be combined with -c: the console is interactive");
		cli_command_usage(self, true);
		return EXIT_USAGE;
	}
	if (argc - optind < 1) {
		cli_command_usage(self, true);
		return EXIT_USAGE;
	}
	if (foreground && (console || no_monitor)) {
		cli_error("-F (stay as the domain's monitor) cannot be combined with %s", console ? "-c" : "-e");
		cli_command_usage(self, true);
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	/* After the file, KEY=VALUE overrides in xl.cfg syntax, as xl takes them. */
	const char *const *overrides = (const char *const *)argv + optind + 1;
	size_t n_overrides = (size_t)(argc - optind - 1);
	for (size_t i = 0; i < n_overrides; i++) {
		if (!strchr(overrides[i], '=')) {
			cli_error("'%s' is not KEY=VALUE (xg create takes one configuration file, then overrides)",
				  overrides[i]);
			cli_command_usage(self, true);
			return EXIT_USAGE;
		}
	}
	struct xg_config cfg;
	struct xg_config_error err;
	enum xg_config_format format;
	if (xg_config_load_file(path, &cfg, &err, &format) < 0 ||
	    (n_overrides && xg_config_apply_overrides(&cfg, overrides, n_overrides, &err) < 0)) {
		if (err.field[0])
			cli_error("%s: field '%s': %s", err.file, err.field, err.reason);
		else
			cli_error("%s: %s", err.file, err.reason);
		xg_config_dispose(&cfg);
		return EXIT_FAIL;
	}
	if (cli->verbose)
		fprintf(stderr, "%s: read as %s\n", path, xg_config_format_name(format));
	if (cli->dry_run) {
		int rc = dry_run(cli, &cfg);
		xg_config_dispose(&cfg);
		return rc < 0 ? EXIT_FAIL : EXIT_OK;
	}
	xg_handle *h = cli_connect(cli, false);
	if (!h) {
		xg_config_dispose(&cfg);
		return EXIT_FAIL;
	}
	uint32_t domid;
	int rc = xg_domain_create(h, &cfg, paused ? XG_CREATE_PAUSED : 0, cli->verbose ? stderr : NULL, &domid);
	int status = EXIT_OK;
	if (rc < 0) {
		cli_error("%s", xg_last_error());
		status = EXIT_FAIL;
	} else if (foreground) {
		fprintf(stderr, "Created domain %s (domid %u)%s; monitoring it (-F)\n", cfg.name, domid,
			paused ? ", paused" : "");
		if (cli->json)
			print_created(h, domid, paused, true);
		status = cli_monitor_foreground(cli, domid);
	} else if (!no_monitor && cli_config_needs_monitor(&cfg) && cli_monitor_start(cli, domid, cfg.name) < 0) {
		/* A domain whose restart nobody would carry out is not what
		 * the configuration asks for: nothing is left. */
		xg_domain_destroy(h, domid);
		status = EXIT_FAIL;
	} else {
		fprintf(stderr, "Created domain %s (domid %u)%s\n", cfg.name, domid, paused ? ", paused" : "");
		if (cli->json)
			print_created(h, domid, paused, !no_monitor && cli_config_needs_monitor(&cfg));
		if (console && cli_follow_console(cli, h, domid) < 0)
			status = EXIT_FAIL;
	}
	xg_config_dispose(&cfg);
	xg_close(h);
	return status;
}

int cmd_destroy(struct cli *cli, int argc, char **argv)
{
	return cli_on_domain(cli, argc, argv, cli_find_command("destroy"), xg_domain_destroy, "destroyed", true);
}

int cmd_pause(struct cli *cli, int argc, char **argv)
{
	return cli_on_domain(cli, argc, argv, cli_find_command("pause"), xg_domain_pause, "paused", true);
}

int cmd_unpause(struct cli *cli, int argc, char **argv)
{
	return cli_on_domain(cli, argc, argv, cli_find_command("unpause"), xg_domain_unpause, "paused", false);
}

/* The domain's effective configuration as libvirt domain XML. */
int cmd_dumpxml(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "dumpxml", 1, 1);
	if (first < 0)
		return cli_options_status(first);
	uint32_t domid;
	xg_handle *h = cli_connect_guest(cli, argv[first], "it has no domain configuration", &domid);
	if (!h)
		return EXIT_FAIL;
	int rc = 0;
	struct xg_config cfg;
	if (xg_domain_config(h, domid, &cfg) < 0) {
		cli_error("%s", xg_last_error());
		rc = -1;
	} else {
		char *xml = xg_config_to_xml(&cfg);
		if (xml && cli->json) {
			json_object *o = cli_domain_ref(domid, cfg.name);
			json_object_object_add(o, "xml", json_object_new_string(xml));
			cli_print_json(o);
		} else if (xml) {
			fputs(xml, stdout);
		} else
			cli_error("domain %s: %s", argv[first], xg_last_error());
		rc = xml ? 0 : -1;
		free(xml);
		xg_config_dispose(&cfg);
	}
	xg_close(h);
	return rc ? EXIT_FAIL : EXIT_OK;
}
