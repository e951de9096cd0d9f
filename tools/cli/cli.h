/* Shared by the xg command's source files. */
#ifndef XG_CLI_H
#define XG_CLI_H

#include <getopt.h>
#include <json-c/json.h>
#include <stdbool.h>

#include "xg/xg.h"

/* Exit codes (docs/xg.md). */
#define EXIT_OK 0
#define EXIT_FAIL 1
#define EXIT_USAGE 2

struct cli {
	const char *rundir;
	bool verbose;
	bool dry_run;
	bool force; /* -f: past xg's own checks (docs/xg.md) */
	bool json;  /* the command's --json */
};

/* What a command does under the global -N (dry run). */
enum dry_run_support {
	DRY_RUN_REFUSED,  /* (the default) it changes things and has no dry run: refused, nothing is done */
	DRY_RUN_HARMLESS, /* it only reads: it runs as usual */
	DRY_RUN_OWN,      /* it does its own dry run (create, dmesg -c) */
};

struct command {
	const char *name;
	const char *args;
	const char *help;
	int (*run)(struct cli *cli, int argc, char **argv);
	enum dry_run_support dry_run;
	bool no_json; /* console and top: interactive, no --json */
	/* Its operands may begin with '-' (xenstore values): its options come
	 * before them.  Other commands take options anywhere. */
	bool options_first;
};

/* Connect, or print why not; NULL on failure. */
xg_handle *cli_connect(struct cli *cli, bool readonly);
/* Resolve a domain argument; prints the error.  Returns 0 or -1. */
int cli_lookup(xg_handle *h, const char *arg, uint32_t *domid);
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a JSON value on stdout (pretty) and drop it: a command's result
 * under --json.  Without one, a failing command's --json prints the error
 * object (main). */
void cli_print_json(json_object *v);
void cli_command_usage(const struct command *cmd, bool to_stderr);
json_object *cli_domain_json(const struct xg_domain_info *d);
/* {"domid": domid, "name": name}: the domain a command acted on. */
json_object *cli_domain_ref(uint32_t domid, const char *name);
/* Text as an array of its lines (without their newlines). */
json_object *cli_lines_json(const char *text, size_t len);
/* A whole decimal number without sign or unit that fits in 32 bits. */
bool cli_parse_u32(const char *s, uint32_t *out);
/* The domain's name, or -1 after printing the error. */
int cli_domain_name(xg_handle *h, uint32_t domid, char name[XG_NAME_MAX]);
/* Under -N, a command that changes things and has no dry run is refused:
 * true after saying so. */
bool cli_dry_run_refused(const struct command *cmd, const struct cli *cli);

/* Every command's options end with these: --json sets cli->json. */
#define CLI_OPT_JSON 0x100
#define CLI_COMMON_OPTIONS                                                                                   \
	{ "json", no_argument, NULL, CLI_OPT_JSON }, { "help", no_argument, NULL, 'h' }, { NULL, 0, NULL, 0 }
#define CLI_OPTS_HELP (-2)  /* the usage was printed on stdout: exit 0 */
#define CLI_OPTS_USAGE (-3) /* a usage error was reported: exit 2 */
/* getopt_long for a command (optind = 0 before the first call): --json
 * and --help are handled here, and at the end of the options a command
 * refused under -N is refused.  Returns the command's next option, -1
 * after the last, or CLI_OPTS_HELP / CLI_OPTS_USAGE. */
int cli_getopt(struct cli *cli, const struct command *self, int argc, char **argv, const char *shortopts,
	       const struct option *opts);
/* The exit status for CLI_OPTS_HELP and CLI_OPTS_USAGE. */
int cli_options_status(int c);
/* Parse a command that has only the common options and check it has
 * between min and max operands (max < 0: no limit): the index of the
 * first operand, or CLI_OPTS_HELP / CLI_OPTS_USAGE. */
int cli_operands(struct cli *cli, int argc, char **argv, const char *name, int min, int max);
/* Resolve a DOMAIN operand that must not be domain 0 (why_not says what
 * domain 0 cannot do); prints the error.  Returns 0 or -1. */
int cli_guest_domain(xg_handle *h, const char *arg, const char *why_not, uint32_t *domid);
/* Connect and resolve a guest domain (cli_guest_domain's rules); prints
 * the error and returns NULL if either fails. */
xg_handle *cli_connect_guest(struct cli *cli, const char *arg, const char *why_not, uint32_t *domid);
/* A command whose one operand is a DOMAIN (not domain 0): parse, connect,
 * resolve, run op; op's failure message comes from xg_last_error().  Its
 * --json result: the domain, and changed: value.  Returns the exit status. */
int cli_on_domain(struct cli *cli, int argc, char **argv, const struct command *self,
		  int (*op)(xg_handle *h, uint32_t domid), const char *changed, bool value);

int cmd_create(struct cli *cli, int argc, char **argv);
int cmd_dumpxml(struct cli *cli, int argc, char **argv);
int cmd_destroy(struct cli *cli, int argc, char **argv);
int cmd_pause(struct cli *cli, int argc, char **argv);
int cmd_unpause(struct cli *cli, int argc, char **argv);
int cmd_list(struct cli *cli, int argc, char **argv);
int cmd_info(struct cli *cli, int argc, char **argv);
int cmd_console(struct cli *cli, int argc, char **argv);
int cmd_dmesg(struct cli *cli, int argc, char **argv);
int cmd_rename(struct cli *cli, int argc, char **argv);
int cmd_domid(struct cli *cli, int argc, char **argv);
int cmd_domname(struct cli *cli, int argc, char **argv);
int cmd_uptime(struct cli *cli, int argc, char **argv);
int cmd_mem_max(struct cli *cli, int argc, char **argv);
int cmd_vcpu_list(struct cli *cli, int argc, char **argv);
int cmd_vcpu_pin(struct cli *cli, int argc, char **argv);
int cmd_sched_credit(struct cli *cli, int argc, char **argv);
int cmd_top(struct cli *cli, int argc, char **argv);
int cmd_shutdown(struct cli *cli, int argc, char **argv);
int cmd_reboot(struct cli *cli, int argc, char **argv);
int cmd_mem_set(struct cli *cli, int argc, char **argv);
int cmd_vcpu_set(struct cli *cli, int argc, char **argv);
int cmd_save(struct cli *cli, int argc, char **argv);
int cmd_restore(struct cli *cli, int argc, char **argv);
int cmd_migrate(struct cli *cli, int argc, char **argv);
int cmd_xenstore_read(struct cli *cli, int argc, char **argv);
int cmd_xenstore_write(struct cli *cli, int argc, char **argv);
int cmd_xenstore_ls(struct cli *cli, int argc, char **argv);
int cmd_xenstore_rm(struct cli *cli, int argc, char **argv);
int cmd_trigger(struct cli *cli, int argc, char **argv);
const struct command *cli_find_command(const char *name);
/* A memory-size operand as xl's: a number with an optional unit t, g, m
 * (the default), k or b; the result in KiB, not 0 (cmd_vcpu.c).  0, or -1
 * after saying what is wrong with it. */
int cli_memory_operand(const char *arg, uint64_t *kib);

/* Show a domain's console and forward stdin to it until ^] (the user
 * detaches), the end of the domain or SIGTERM/SIGHUP; the terminal is put
 * back as it was.  0, or -1 after printing the error. */
int cli_follow_console(struct cli *cli, xg_handle *h, uint32_t domid);

extern const struct command cli_commands[];

/* The domain monitor (monitor.c): does the configuration have an action
 * (restart, rename-restart) that needs one? */
bool cli_config_needs_monitor(const struct xg_config *cfg);
/* Start a detached monitor for domid (log and pid file under
 * RUNDIR/monitors/NAME.*); returns once it watches the domain's events, 0,
 * or -1 with the error printed. */
int cli_monitor_start(struct cli *cli, uint32_t domid, const char *name);
/* Be the monitor in this process (xg create -F); its log goes to stderr.
 * Returns the exit status when the domain is gone or kept. */
int cli_monitor_foreground(struct cli *cli, uint32_t domid);
/* Seconds between two starts of a restarted domain ($XG_MIN_RESTART_INTERVAL, default 10). */
double cli_min_restart_interval(void);

#endif
