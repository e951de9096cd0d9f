/* Shared by the xg command's source files. */
#ifndef XG_CLI_H
#define XG_CLI_H

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
};

/* Connect, or print why not; NULL on failure. */
xg_handle *cli_connect(struct cli *cli, bool readonly);
/* Resolve a domain argument; prints the error.  Returns 0 or -1. */
int cli_lookup(xg_handle *h, const char *arg, uint32_t *domid);
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print a JSON value on stdout (pretty) and drop it. */
void cli_print_json(json_object *v);
/* Parse the common --json/--help options of a command; returns -1 on
 * --help (usage printed), -2 on a usage error, else the index of the first
 * operand. */
int cli_simple_options(int argc, char **argv, const struct command *cmd, bool *json);
void cli_command_usage(const struct command *cmd, bool to_stderr);
json_object *cli_domain_json(const struct xg_domain_info *d);
/* Parse a command's --json/--help options and check it has between min and
 * max operands (max < 0: no limit): -1 after help (exit 0), -2 after a
 * usage message (exit 2), else the index of the first operand. */
int cli_operands(int argc, char **argv, const char *name, int min, int max, bool *json);
/* The exit status for cli_operands()'s -1 and -2. */
int cli_operands_status(int first);
/* Resolve a DOMAIN operand that must not be domain 0 (why_not says what
 * domain 0 cannot do); prints the error.  Returns 0 or -1. */
int cli_guest_domain(xg_handle *h, const char *arg, const char *why_not, uint32_t *domid);
/* Connect and resolve a guest domain (cli_guest_domain's rules); prints
 * the error and returns NULL if either fails. */
xg_handle *cli_connect_guest(struct cli *cli, const char *arg, const char *why_not, uint32_t *domid);
/* A command whose one operand is a DOMAIN (not domain 0): parse, connect,
 * resolve, run op; op's failure message comes from xg_last_error().
 * Returns the exit status. */
int cli_on_domain(struct cli *cli, int argc, char **argv, const struct command *self,
		  int (*op)(xg_handle *h, uint32_t domid));

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
