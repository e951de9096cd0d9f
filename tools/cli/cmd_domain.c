/* xg create, destroy, pause, unpause. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

int cmd_create(struct cli *cli, int argc, char **argv)
{
	const struct command *self = cli_find_command("create");
	static const struct option opts[] = {
		{ "console", no_argument, NULL, 'c' },
		{ "paused", no_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	bool console = false, paused = false;
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "cph", opts, NULL)) != -1) {
		switch (c) {
		case 'c': console = true; break;
		case 'p': paused = true; break;
		case 'h': cli_command_usage(self, false); return EXIT_OK;
		default: cli_command_usage(self, true); return EXIT_USAGE;
		}
	}
	if (argc - optind != 1) {
		cli_command_usage(self, true);
		return EXIT_USAGE;
	}
	const char *path = argv[optind];
	struct xg_config cfg;
	struct xg_config_error err;
	if (xg_config_load_json(path, &cfg, &err) < 0) {
		if (err.field[0])
			cli_error("%s: field '%s': %s", err.file, err.field, err.reason);
		else
			cli_error("%s: %s", err.file, err.reason);
		return EXIT_FAIL;
	}
	if (cli->dry_run) {
		int rc = xg_config_describe(&cfg, stdout);
		if (rc < 0)
			cli_error("%s", xg_last_error());
		else
			printf("Dry run: domain %s would be created (%llu MiB, %u vCPU%s)\n", cfg.name,
			       (unsigned long long)cfg.memory_mib, cfg.vcpus, cfg.vcpus == 1 ? "" : "s");
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
	if (rc < 0) {
		cli_error("%s", xg_last_error());
	} else {
		fprintf(stderr, "Created domain %s (domid %u)%s\n", cfg.name, domid, paused ? ", paused" : "");
		if (console && (rc = cli_follow_console(h, domid)) < 0)
			cli_error("%s", xg_last_error());
	}
	xg_config_dispose(&cfg);
	xg_close(h);
	return rc < 0 ? EXIT_FAIL : EXIT_OK;
}

int cmd_destroy(struct cli *cli, int argc, char **argv)
{
	return cli_on_domain(cli, argc, argv, cli_find_command("destroy"), xg_domain_destroy);
}

int cmd_pause(struct cli *cli, int argc, char **argv)
{
	return cli_on_domain(cli, argc, argv, cli_find_command("pause"), xg_domain_pause);
}

int cmd_unpause(struct cli *cli, int argc, char **argv)
{
	return cli_on_domain(cli, argc, argv, cli_find_command("unpause"), xg_domain_unpause);
}
