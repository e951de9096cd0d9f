/* xg: manage XG domains, in the manner of Xen's xl. */
#include <ctype.h>
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
	{ "list", "[-l] [DOMAIN...]", "list domains (-l: with their configurations, as JSON)", cmd_list,
	  DRY_RUN_HARMLESS },
	{ "console", "DOMAIN", "show a domain's console and follow it (Ctrl-] detaches)", cmd_console,
	  DRY_RUN_REFUSED, true },
	{ "destroy", "DOMAIN", "stop a domain at once and free its memory", cmd_destroy },
	{ "pause", "DOMAIN", "stop running a domain's vCPUs", cmd_pause },
	{ "unpause", "DOMAIN", "let a paused domain run again", cmd_unpause },
	{ "info", "", "show information on the host and the hypervisor", cmd_info, DRY_RUN_HARMLESS },
	{ "rename", "DOMAIN NEWNAME", "give a domain another name", cmd_rename },
	{ "domid", "NAME", "print the id of the domain of that name", cmd_domid, DRY_RUN_HARMLESS },
	{ "domname", "ID", "print the name of the domain with that id", cmd_domname, DRY_RUN_HARMLESS },
	{ "uptime", "[DOMAIN...]", "how long domains have existed", cmd_uptime, DRY_RUN_HARMLESS },
	{ "dmesg", "[-c]", "show the hypervisor's log (-c: clear it afterwards)", cmd_dmesg, DRY_RUN_OWN },
	{ "mem-max", "DOMAIN MEM", "set the most memory a domain may have (MEM in MiB, or with t g m k b)",
	  cmd_mem_max },
	{ "vcpu-list", "[DOMAIN...]", "list vCPUs: host CPU, state, time, affinity", cmd_vcpu_list,
	  DRY_RUN_HARMLESS },
	{ "vcpu-pin", "DOMAIN VCPU|all CPUS", "pin vCPUs to host CPUs (all, N, N-M, ^N, comma separated)",
	  cmd_vcpu_pin },
	{ "sched-credit", "[-d DOMAIN [-w WEIGHT] [-c CAP]]",
	  "show or set domains' CPU weight (default 256) and cap (% of a CPU)", cmd_sched_credit },
	{ "top", "[XGTOP-OPTIONS]", "watch the domains live (runs xgtop)", cmd_top, DRY_RUN_REFUSED, true },
	{ "shutdown", "[-w] [-a] [-F] [DOMAIN]",
	  "ask a domain to shut down (control/shutdown; -w: wait until it has, -a: all domains)", cmd_shutdown },
	{ "reboot", "[-w] [-a] [-F] [DOMAIN]", "ask a domain to reboot (control/shutdown; -w: wait until it has shut down)",
	  cmd_reboot },
	{ "mem-set", "DOMAIN MEM", "ask a domain to use MEM (memory/target; MiB, or with t g m k b)", cmd_mem_set },
	{ "vcpu-set", "DOMAIN N", "ask a domain to have N vCPUs online (cpu/<k>/availability)", cmd_vcpu_set },
	{ "xenstore-read", "PATH...", "print the values of xenstore nodes", cmd_xenstore_read,
	  DRY_RUN_HARMLESS },
	{ "xenstore-write", "PATH VALUE...", "write xenstore nodes (made with their parents if need be)",
	  cmd_xenstore_write, DRY_RUN_REFUSED, false, true },
	{ "xenstore-ls", "[PATH]", "list the xenstore below PATH (default /) with values", cmd_xenstore_ls,
	  DRY_RUN_HARMLESS },
	{ "xenstore-rm", "PATH...", "remove xenstore nodes and everything below them", cmd_xenstore_rm },
	{ "trigger", "DOMAIN nmi|reset|init|power|sleep|s3resume [VCPU]",
	  "send a trigger to a vCPU (default 0); PV guests take nmi only", cmd_trigger },
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

/* What went wrong, for the error object of --json (docs/xg.md): every
 * message of the command, in order. */
static char error_text[2048];
static bool json_printed;

static void record_error(const char *msg)
{
	size_t len = strlen(error_text);
	if (len + 2 < sizeof(error_text))
		snprintf(error_text + len, sizeof(error_text) - len, "%s%s", len ? "; " : "", msg);
}

void cli_error(const char *fmt, ...)
{
	char msg[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "xg: %s\n", msg);
	record_error(msg);
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
	fflush(stdout);
	json_object_put(v);
	json_printed = true;
}

void cli_command_usage(const struct command *cmd, bool to_stderr)
{
	const char *json = cmd->no_json ? "" : " [--json]";
	fprintf(to_stderr ? stderr : stdout, "Usage: xg %s %s%s\n%s.\n", cmd->name, cmd->args, json, cmd->help);
	if (to_stderr) {
		char msg[256];
		snprintf(msg, sizeof(msg), "Usage: xg %s %s%s", cmd->name, cmd->args, json);
		record_error(msg);
	}
}

json_object *cli_domain_ref(uint32_t domid, const char *name)
{
	json_object *o = json_object_new_object();
	json_object_object_add(o, "domid", json_object_new_int64(domid));
	json_object_object_add(o, "name", json_object_new_string(name));
	return o;
}

json_object *cli_lines_json(const char *text, size_t len)
{
	json_object *arr = json_object_new_array();
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t end = nl ? (size_t)(nl - text) : len;
		json_object_array_add(arr, json_object_new_string_len(text + at, (int)(end - at)));
		at = end + 1;
	}
	return arr;
}

bool cli_parse_u32(const char *s, uint32_t *out)
{
	if (!isdigit((unsigned char)*s))
		return false;
	char *end;
	errno = 0;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno || *end || n > UINT32_MAX)
		return false;
	*out = (uint32_t)n;
	return true;
}

int cli_domain_name(xg_handle *h, uint32_t domid, char name[XG_NAME_MAX])
{
	struct xg_domain_info info;
	if (xg_domain_info(h, domid, &info) < 0) {
		cli_error("%s", xg_last_error());
		return -1;
	}
	memcpy(name, info.name, XG_NAME_MAX);
	return 0;
}

bool cli_dry_run_refused(const struct command *cmd, const struct cli *cli)
{
	if (!cli->dry_run || cmd->dry_run != DRY_RUN_REFUSED)
		return false;
	cli_error("%s has no dry run (-N): nothing was done", cmd->name);
	return true;
}

/* What getopt_long found wrong (it said nothing: opterr is 0). */
static void option_error(char **argv, const char *shortopts, const struct option *opts)
{
	bool known = optopt && strchr(shortopts, optopt);
	for (const struct option *o = opts; optopt && o->name; o++)
		known = known || o->val == optopt;
	if (known && optopt < 0x80)
		cli_error("option -%c needs an argument", optopt);
	else if (known || !optopt)
		cli_error("%s: %s", argv[optind - 1], known ? "needs an argument" : "unknown option");
	else
		cli_error("-%c: unknown option", optopt);
}

int cli_getopt(struct cli *cli, const struct command *self, int argc, char **argv, const char *shortopts,
	       const struct option *opts)
{
	int c;
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) == CLI_OPT_JSON)
		cli->json = true;
	if (c == 'h') {
		cli_command_usage(self, false);
		return CLI_OPTS_HELP;
	}
	if (c == '?' || c == ':') {
		option_error(argv, shortopts, opts);
		/* The rest is still read for --json, so that the usage error is
		 * reported the way the caller asked for. */
		while ((c = getopt_long(argc, argv, shortopts, opts, NULL)) != -1)
			if (c == CLI_OPT_JSON)
				cli->json = true;
		cli_command_usage(self, true);
		return CLI_OPTS_USAGE;
	}
	if (c == -1 && cli_dry_run_refused(self, cli))
		return CLI_OPTS_USAGE;
	return c;
}

int cli_options_status(int c)
{
	return c == CLI_OPTS_HELP ? EXIT_OK : EXIT_USAGE;
}

int cli_operands(struct cli *cli, int argc, char **argv, const char *name, int min, int max)
{
	static const struct option opts[] = { CLI_COMMON_OPTIONS };
	const struct command *self = cli_find_command(name);
	optind = 0;
	int c = cli_getopt(cli, self, argc, argv, self->options_first ? "+h" : "h", opts);
	if (c != -1)
		return c == CLI_OPTS_HELP ? CLI_OPTS_HELP : CLI_OPTS_USAGE; /* it has no options of its own */
	if (argc - optind < min || (max >= 0 && argc - optind > max)) {
		cli_command_usage(self, true);
		return CLI_OPTS_USAGE;
	}
	return optind;
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
		  int (*op)(xg_handle *h, uint32_t domid), const char *changed, bool value)
{
	int first = cli_operands(cli, argc, argv, self->name, 1, 1);
	if (first < 0)
		return cli_options_status(first);
	uint32_t domid;
	char why_not[80];
	snprintf(why_not, sizeof(why_not), "xg %s does not apply to it", self->name);
	xg_handle *h = cli_connect_guest(cli, argv[first], why_not, &domid);
	if (!h)
		return EXIT_FAIL;
	char name[XG_NAME_MAX];
	int rc = cli_domain_name(h, domid, name);
	if (!rc && op(h, domid) < 0) {
		cli_error("%s", xg_last_error());
		rc = -1;
	}
	if (!rc && cli->json) {
		json_object *o = cli_domain_ref(domid, name);
		json_object_object_add(o, changed, json_object_new_boolean(value));
		cli_print_json(o);
	}
	xg_close(h);
	return rc ? EXIT_FAIL : EXIT_OK;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: xg [-v] [-N] [-f] [--rundir DIR] COMMAND [ARGS] [--json]\n\n"
		     "  -v  verbose (create: print the builder's layout)\n"
		     "  -N  dry run (create: parse the configuration and the kernel, print the\n"
		     "      layout, create nothing; commands that only read run as usual, the\n"
		     "      others are refused)\n"
		     "  -f  force past xg's own checks that a guest could not honour a request:\n"
		     "      mem-set above the guest's memory/static-max, mem-max below the memory\n"
		     "      the domain has now (the hypervisor's limits still hold)\n"
		     "Every command takes --json: its result as JSON on stdout, or on failure\n"
		     "{\"error\": MESSAGE, \"exit_status\": N} (docs/xg.md).\n\nCommands:\n");
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
		{ "force", no_argument, NULL, 'f' },
		{ "rundir", required_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "+vNfh", opts, NULL)) != -1) {
		switch (c) {
		case 'v':
			cli.verbose = true;
			break;
		case 'N':
			cli.dry_run = true;
			break;
		case 'f':
			cli.force = true;
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
	if (cmd) {
		int status = cmd->run(&cli, argc - optind, argv + optind);
		if (cli.json && status != EXIT_OK && !json_printed) {
			json_object *o = json_object_new_object();
			json_object_object_add(o, "error", json_object_new_string(error_text));
			json_object_object_add(o, "exit_status", json_object_new_int(status));
			cli_print_json(o);
		}
		return status;
	}
	cli_error("unknown command '%s' (see xg help)", name);
	return EXIT_USAGE;
}
