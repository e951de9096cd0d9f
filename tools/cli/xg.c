/* xg: manage XG domains, in the manner of Xen's xl. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

#ifndef XG_VERSION
#define XG_VERSION "0.0"
#endif

const struct command cli_commands[] = {
	{ "create", "CONFIG [KEY=VALUE...] [-c] [-p] [-F] [-e]",
	  "build and start a domain (JSON, xl.cfg or libvirt XML; KEY=VALUE overrides)",
	  cmd_create, DRY_RUN_OWN },
	{ "dumpxml", "DOMAIN", "print a domain's configuration as libvirt domain XML", cmd_dumpxml,
	  DRY_RUN_HARMLESS },
	{ "list", "[-l] [--json] [DOMAIN...]", "list domains (-l: with their configurations, as JSON)", cmd_list,
	  DRY_RUN_HARMLESS },
	{ "console", "DOMAIN", "show a domain's console and follow it (Ctrl-] detaches)", cmd_console },
	{ "destroy", "DOMAIN", "stop a domain at once and free its memory", cmd_destroy },
	{ "pause", "DOMAIN", "stop running a domain's vCPUs", cmd_pause },
	{ "unpause", "DOMAIN", "let a paused domain run again", cmd_unpause },
	{ "info", "[--json]", "show information on the host and the hypervisor", cmd_info, DRY_RUN_HARMLESS },
	{ "rename", "DOMAIN NEWNAME", "give a domain another name", cmd_rename },
	{ "domid", "NAME", "print the id of the domain of that name", cmd_domid, DRY_RUN_HARMLESS },
	{ "domname", "ID", "print the name of the domain with that id", cmd_domname, DRY_RUN_HARMLESS },
	{ "uptime", "[--json] [DOMAIN...]", "how long domains have existed", cmd_uptime, DRY_RUN_HARMLESS },
	{ "dmesg", "[-c]", "show the hypervisor's log (-c: clear it afterwards)", cmd_dmesg, DRY_RUN_OWN },
	{ "mem-max", "DOMAIN MEM", "set the most memory a domain may have (MEM in MiB, or with t g m k b)",
	  cmd_mem_max },
	{ "vcpu-list", "[--json] [DOMAIN...]", "list vCPUs: host CPU, state, time, affinity", cmd_vcpu_list,
	  DRY_RUN_HARMLESS },
	{ "vcpu-pin", "DOMAIN VCPU|all CPUS", "pin vCPUs to host CPUs (all, N, N-M, ^N, comma separated)",
	  cmd_vcpu_pin },
	{ "sched-credit", "[-d DOMAIN [-w WEIGHT] [-c CAP]] [--json]",
	  "show or set domains' CPU weight (default 256) and cap (% of a CPU)", cmd_sched_credit },
	{ "top", "[XGTOP-OPTIONS]", "watch the domains live (runs xgtop)", cmd_top },
	{ "shutdown", "[-w] [-a] [-F] [DOMAIN]",
	  "ask a domain to shut down (control/shutdown; -w: wait until it has, -a: all domains)", cmd_shutdown },
	{ "reboot", "[-w] [-a] [-F] [DOMAIN]", "ask a domain to reboot (control/shutdown; -w: wait until it has shut down)",
	  cmd_reboot },
	{ "mem-set", "DOMAIN MEM", "ask a domain to use MEM (memory/target; MiB, or with t g m k b)", cmd_mem_set },
	{ "vcpu-set", "DOMAIN N", "ask a domain to have N vCPUs online (cpu/<k>/availability)", cmd_vcpu_set },
	{ "xenstore-read", "[--json] PATH...", "print the values of xenstore nodes", cmd_xenstore_read,
	  DRY_RUN_HARMLESS },
	{ "xenstore-write", "PATH VALUE...", "write xenstore nodes (made with their parents if need be)",
	  cmd_xenstore_write },
	{ "xenstore-ls", "[--json] [PATH]", "list the xenstore below PATH (default /) with values", cmd_xenstore_ls,
	  DRY_RUN_HARMLESS },
	{ "xenstore-rm", "PATH...", "remove xenstore nodes and everything below them", cmd_xenstore_rm },
	{ "save", "DOMAIN FILE", "save a domain to a file (not yet supported)", cmd_save },
	{ "restore", "FILE", "restore a saved domain (not yet supported)", cmd_restore },
	{ "migrate", "DOMAIN HOST", "move a domain to another host (not yet supported)", cmd_migrate },
	{ NULL, NULL, NULL, NULL },
};

const struct command *cli_find_command(const char *name)
{
	for (const struct command *c = cli_commands; c->name; c++)
		if (!strcmp(c->name, name))
			return c;
	return NULL;
}

void cli_error(const char *fmt, ...)
{
	va_list ap;
	fputs("xg: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

xg_handle *cli_connect(struct cli *cli, bool readonly)
{
	int err;
	xg_handle *h = xg_open(cli->rundir, readonly ? XG_OPEN_READONLY : 0, &err);
	if (!h)
		cli_error("%s (is xg-hypervisor running?)", xg_last_error());
	return h;
}

int cli_lookup(xg_handle *h, const char *arg, uint32_t *domid)
{
	if (xg_domain_lookup(h, arg, domid) < 0) {
		cli_error("%s", xg_last_error());
		return -1;
	}
	return 0;
}

void cli_print_json(json_object *v)
{
	puts(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(v);
}

void cli_command_usage(const struct command *cmd, bool to_stderr)
{
	fprintf(to_stderr ? stderr : stdout, "Usage: xg %s %s\n%s.\n", cmd->name, cmd->args, cmd->help);
}

int cli_simple_options(int argc, char **argv, const struct command *cmd, bool *json)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	optind = 0;
	while ((c = getopt_long(argc, argv, "+h", opts, NULL)) != -1) {
		if (c == 'j' && json) {
			*json = true;
		} else if (c == 'h') {
			cli_command_usage(cmd, false);
			return -1;
		} else {
			cli_command_usage(cmd, true);
			return -2;
		}
	}
	return optind;
}

int cli_operands(int argc, char **argv, const char *name, int min, int max, bool *json)
{
	const struct command *self = cli_find_command(name);
	int first = cli_simple_options(argc, argv, self, json);
	if (first >= 0 && (argc - first < min || (max >= 0 && argc - first > max))) {
		cli_command_usage(self, true);
		return -2;
	}
	return first;
}

int cli_operands_status(int first)
{
	return first == -1 ? EXIT_OK : EXIT_USAGE;
}

int cli_guest_domain(xg_handle *h, const char *arg, const char *why_not, uint32_t *domid)
{
	if (cli_lookup(h, arg, domid) < 0)
		return -1;
	if (*domid == 0) {
		cli_error("domain 0 is the host itself: %s", why_not);
		return -1;
	}
	return 0;
}

xg_handle *cli_connect_guest(struct cli *cli, const char *arg, const char *why_not, uint32_t *domid)
{
	xg_handle *h = cli_connect(cli, false);
	if (h && cli_guest_domain(h, arg, why_not, domid) < 0) {
		xg_close(h);
		h = NULL;
	}
	return h;
}

int cli_on_domain(struct cli *cli, int argc, char **argv, const struct command *self,
		  int (*op)(xg_handle *h, uint32_t domid))
{
	int first = cli_operands(argc, argv, self->name, 1, 1, NULL);
	if (first < 0)
		return cli_operands_status(first);
	uint32_t domid;
	char why_not[80];
	snprintf(why_not, sizeof(why_not), "xg %s does not apply to it", self->name);
	xg_handle *h = cli_connect_guest(cli, argv[first], why_not, &domid);
	if (!h)
		return EXIT_FAIL;
	int rc = 0;
	if (op(h, domid) < 0) {
		cli_error("%s", xg_last_error());
		rc = -1;
	}
	xg_close(h);
	return rc ? EXIT_FAIL : EXIT_OK;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: xg [-v] [-N] [--rundir DIR] COMMAND [ARGS]\n\n"
		     "  -v  verbose (create: print the builder's layout)\n"
		     "  -N  dry run (create: parse the configuration and the kernel, print the\n"
		     "      layout, create nothing; commands that only read run as usual, the\n"
		     "      others are refused)\n\nCommands:\n");
	for (const struct command *c = cli_commands; c->name; c++)
		fprintf(out, "  %-9s %-22s %s\n", c->name, c->args, c->help);
	fprintf(out, "\n`xg COMMAND --help` describes one command.  The hypervisor's sockets are found in\n"
		     "--rundir, else $XG_RUNDIR, else " XG_DEFAULT_RUNDIR ".\n");
}

int main(int argc, char **argv)
{
	struct cli cli = { 0 };
	static const struct option opts[] = {
		{ "verbose", no_argument, NULL, 'v' },
		{ "dry-run", no_argument, NULL, 'N' },
		{ "rundir", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+vNh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			cli.verbose = true;
			break;
		case 'N':
			cli.dry_run = true;
			break;
		case 'r':
			cli.rundir = optarg;
			break;
		case 'h':
			usage(stdout);
			return EXIT_OK;
		case 'V':
			printf("xg %s\n", XG_VERSION);
			return EXIT_OK;
		default:
			usage(stderr);
			return EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		usage(stderr);
		return EXIT_USAGE;
	}
	const char *name = argv[optind];
	if (!strcmp(name, "help")) {
		usage(stdout);
		return EXIT_OK;
	}
	const struct command *cmd = cli_find_command(name);
	if (cmd && cli.dry_run && cmd->dry_run == DRY_RUN_REFUSED) {
		cli_error("%s has no dry run (-N): nothing was done", cmd->name);
		return EXIT_USAGE;
	}
	if (cmd)
		return cmd->run(&cli, argc - optind, argv + optind);
	cli_error("unknown command '%s' (see xg help)", name);
	return EXIT_USAGE;
}
