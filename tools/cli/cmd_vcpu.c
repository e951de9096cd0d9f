/* xg mem-max, vcpu-list, vcpu-pin, top, save, restore, migrate. */
#include <ctype.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* A domain operand that must not be domain 0; prints the error. */
static int guest_domain(xg_handle *h, const char *arg, const char *what, uint32_t *domid)
{
	char why_not[80];
	snprintf(why_not, sizeof(why_not), "%s does not apply to it", what);
	return cli_guest_domain(h, arg, why_not, domid);
}

/* xl's memory sizes: a number with an optional unit t, g, m (the default),
 * k or b; the result in KiB. */
static int parse_mem_kib(const char *s, uint64_t *kib)
{
	char *end;
	errno = 0;
	if (!isdigit((unsigned char)*s))
		return -1;
	unsigned long long n = strtoull(s, &end, 10);
	if (errno || (end[0] && end[1]))
		return -1;
	unsigned int shift;
	switch (tolower((unsigned char)*end)) {
	case 't': shift = 30; break;
	case 'g': shift = 20; break;
	case '\0':
	case 'm': shift = 10; break;
	case 'k': shift = 0; break;
	case 'b': *kib = n / 1024; return 0;
	default: return -1;
	}
	if (n > (ULLONG_MAX >> shift))
		return -1;
	*kib = (uint64_t)n << shift;
	return 0;
}

int cli_memory_operand(const char *arg, uint64_t *kib)
{
	if (parse_mem_kib(arg, kib) == 0 && *kib)
		return 0;
	cli_error("'%s' is not a memory size (a number, optionally with a unit t, g, m, k or b; no unit is MiB)", arg);
	return -1;
}

int cmd_mem_max(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "mem-max", 2, 2);
	if (first < 0)
		return cli_options_status(first);
	uint64_t kib;
	if (cli_memory_operand(argv[first + 1], &kib) < 0)
		return EXIT_FAIL;
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	uint32_t domid;
	char name[XG_NAME_MAX];
	int rc = guest_domain(h, argv[first], "mem-max", &domid);
	if (!rc)
		rc = cli_domain_name(h, domid, name);
	if (!rc && (rc = xg_domain_set_max_memory_flags(h, domid, kib, cli->force ? XG_FORCE : 0)) < 0)
		cli_error("%s%s", xg_last_error(), strstr(xg_last_error(), "less than") ? " (-f sets it anyway)" : "");
	if (!rc && cli->json) {
		json_object *o = cli_domain_ref(domid, name);
		/* what the hypervisor keeps: whole pages */
		json_object_object_add(o, "max_memory_kib", json_object_new_int64((int64_t)(kib / 4 * 4)));
		cli_print_json(o);
	}
	xg_close(h);
	return rc ? EXIT_FAIL : EXIT_OK;
}

/* "all" or the CPUs as ranges, "0,2-3". */
static void format_cpus(const struct xg_vcpu_info *v, unsigned int nr_cpus, char *out, size_t size)
{
	if (!v->pinned) {
		snprintf(out, size, "all");
		return;
	}
	size_t len = 0;
	out[0] = '\0';
	for (unsigned int c = 0; c < nr_cpus && c < XG_MAX_HOST_CPUS;) {
		if (!(v->affinity[c / 8] & (1u << (c % 8)))) {
			c++;
			continue;
		}
		unsigned int e = c;
		while (e + 1 < nr_cpus && (v->affinity[(e + 1) / 8] & (1u << ((e + 1) % 8))))
			e++;
		int n = e == c ? snprintf(out + len, size - len, "%s%u", len ? "," : "", c)
			       : snprintf(out + len, size - len, "%s%u-%u", len ? "," : "", c, e);
		if (n < 0 || (size_t)n >= size - len)
			break;
		len += (size_t)n;
		c = e + 1;
	}
}

static const char *vcpu_state_name(const struct xg_vcpu_info *v)
{
	if (!v->online)
		return "offline";
	return v->running ? "running" : v->blocked ? "blocked" : "paused";
}

int cmd_vcpu_list(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "vcpu-list", 0, -1);
	if (first < 0)
		return cli_options_status(first);
	bool json = cli->json;
	xg_handle *h = cli_connect(cli, true);
	if (!h)
		return EXIT_FAIL;
	struct xg_physinfo phys;
	struct xg_domain_info *list = NULL;
	size_t n = 0;
	if (xg_physinfo(h, &phys) < 0 || xg_domain_list(h, &list, &n) < 0) {
		cli_error("%s", xg_last_error());
		xg_close(h);
		return EXIT_FAIL;
	}
	int status = EXIT_OK;
	/* Which domains: the operands, each of which must exist. */
	bool *wanted = calloc(n ? n : 1, sizeof(bool));
	for (int a = first; a < argc; a++) {
		uint32_t domid;
		if (cli_lookup(h, argv[a], &domid) < 0) {
			status = EXIT_FAIL;
			continue;
		}
		for (size_t i = 0; i < n; i++)
			wanted[i] = wanted[i] || list[i].domid == domid;
	}
	json_object *arr = json ? json_object_new_array() : NULL;
	if (!json && status == EXIT_OK)
		printf("%-32s %5s %5s %5s %5s %9s %s\n", "Name", "ID", "VCPU", "CPU", "State", "Time(s)",
		       "Affinity (Hard / Soft)");
	for (size_t i = 0; i < n && status == EXIT_OK; i++) {
		/* Domain 0 is the host: its CPUs are not vCPUs XG runs. */
		if (list[i].domid == 0 || (first < argc && !wanted[i]))
			continue;
		for (uint32_t c = 0; c < list[i].nr_vcpus; c++) {
			struct xg_vcpu_info v;
			int rc = xg_vcpu_info(h, list[i].domid, c, &v);
			if (rc == -ESRCH)
				break; /* destroyed since the list was read */
			if (rc < 0) {
				cli_error("%s", xg_last_error());
				status = EXIT_FAIL;
				break;
			}
			char cpus[512];
			format_cpus(&v, phys.nr_cpus, cpus, sizeof(cpus));
			if (json) {
				json_object *o = json_object_new_object();
				json_object_object_add(o, "name", json_object_new_string(list[i].name));
				json_object_object_add(o, "domid", json_object_new_int64(list[i].domid));
				json_object_object_add(o, "vcpu", json_object_new_int64(c));
				json_object_object_add(o, "cpu", v.cpu >= 0 ? json_object_new_int64(v.cpu) : NULL);
				json_object_object_add(o, "state", json_object_new_string(vcpu_state_name(&v)));
				json_object_object_add(o, "online", json_object_new_boolean(v.online));
				json_object_object_add(o, "running", json_object_new_boolean(v.running));
				json_object_object_add(o, "blocked", json_object_new_boolean(v.blocked));
				json_object_object_add(o, "cpu_time_s", json_object_new_double((double)v.cpu_time_ns / 1e9));
				json_object_object_add(o, "hard_affinity", json_object_new_string(cpus));
				json_object_object_add(o, "soft_affinity", json_object_new_string("all"));
				json_object_array_add(arr, o);
			} else {
				char cpu[16], state[4] = { v.running ? 'r' : '-', v.blocked ? 'b' : '-', v.online ? '-' : 'p', 0 };
				/* xl shows no CPU for a vCPU that is not online. */
				if (v.online && v.cpu >= 0)
					snprintf(cpu, sizeof(cpu), "%d", v.cpu);
				else
					snprintf(cpu, sizeof(cpu), "-");
				printf("%-32s %5u %5u %5s %5s %9.1f  %s / all\n", list[i].name, list[i].domid, c, cpu, state,
				       (double)v.cpu_time_ns / 1e9, cpus);
			}
		}
	}
	if (json) {
		if (status == EXIT_OK)
			cli_print_json(arr);
		else
			json_object_put(arr);
	}
	free(wanted);
	free(list);
	xg_close(h);
	return status;
}

/* xl's CPU lists: "all", or N, N-M, ^N (excluded), comma separated. */
static int parse_cpus(const char *s, unsigned int nr_cpus, uint8_t mask[XG_MAX_HOST_CPUS / 8])
{
	memset(mask, 0, XG_MAX_HOST_CPUS / 8);
	if (!strcmp(s, "all")) {
		for (unsigned int c = 0; c < nr_cpus && c < XG_MAX_HOST_CPUS; c++)
			mask[c / 8] |= (uint8_t)(1u << (c % 8));
		return 0;
	}
	char *copy = strdup(s), *save = NULL;
	if (!copy)
		return -1;
	uint8_t excluded[XG_MAX_HOST_CPUS / 8] = { 0 };
	int rc = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok && !rc; tok = strtok_r(NULL, ",", &save)) {
		bool exclude = *tok == '^';
		if (exclude)
			tok++;
		char *end;
		if (!isdigit((unsigned char)*tok)) {
			rc = -1;
			break;
		}
		unsigned long lo = strtoul(tok, &end, 10), hi = lo;
		if (*end == '-') {
			if (!isdigit((unsigned char)end[1])) {
				rc = -1;
				break;
			}
			hi = strtoul(end + 1, &end, 10);
		}
		if (*end || hi < lo) {
			rc = -1;
			break;
		}
		if (hi >= nr_cpus) {
			cli_error("CPU %lu does not exist on this host (it has %u CPU%s, 0-%u)", hi, nr_cpus,
				  nr_cpus == 1 ? "" : "s", nr_cpus - 1);
			rc = -2;
			break;
		}
		for (unsigned long c = lo; c <= hi; c++)
			(exclude ? excluded : mask)[c / 8] |= (uint8_t)(1u << (c % 8));
	}
	free(copy);
	if (rc)
		return rc;
	/* "^1" alone means every CPU but 1, as in xl. */
	bool any = false;
	for (size_t i = 0; i < XG_MAX_HOST_CPUS / 8; i++)
		any = any || mask[i];
	if (!any)
		for (unsigned int c = 0; c < nr_cpus; c++)
			mask[c / 8] |= (uint8_t)(1u << (c % 8));
	any = false;
	for (size_t i = 0; i < XG_MAX_HOST_CPUS / 8; i++) {
		mask[i] &= (uint8_t)~excluded[i];
		any = any || mask[i];
	}
	if (!any) {
		cli_error("'%s' leaves no CPU to run on", s);
		return -2;
	}
	return 0;
}

int cmd_vcpu_pin(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "vcpu-pin", 3, 4);
	if (first < 0)
		return cli_options_status(first);
	if (argc - first == 4 && strcmp(argv[first + 3], "-")) {
		cli_error("soft affinity is not supported by XG (give only the hard affinity, or '-')");
		return EXIT_FAIL;
	}
	const char *vcpu_arg = argv[first + 1];
	bool all_vcpus = !strcmp(vcpu_arg, "all");
	char *end;
	unsigned long vcpu = strtoul(vcpu_arg, &end, 10);
	if (!all_vcpus && (!isdigit((unsigned char)*vcpu_arg) || *end)) {
		cli_error("'%s' is not a vCPU number (or 'all')", vcpu_arg);
		return EXIT_FAIL;
	}
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	struct xg_physinfo phys;
	struct xg_domain_info info;
	uint32_t domid;
	int rc = guest_domain(h, argv[first], "vcpu-pin", &domid);
	if (!rc && (xg_physinfo(h, &phys) < 0 || xg_domain_info(h, domid, &info) < 0)) {
		cli_error("%s", xg_last_error());
		rc = -1;
	}
	uint8_t mask[XG_MAX_HOST_CPUS / 8];
	if (!rc && (rc = parse_cpus(argv[first + 2], phys.nr_cpus, mask)) == -1)
		cli_error("'%s' is not a CPU list (all, or N, N-M and ^N separated by commas)", argv[first + 2]);
	if (!rc && !all_vcpus && vcpu >= info.nr_vcpus) {
		cli_error("domain %s has no vCPU %lu (it has %u: 0-%u)", info.name, vcpu, info.nr_vcpus,
			  info.nr_vcpus - 1);
		rc = -1;
	}
	json_object *pinned = !rc && cli->json ? json_object_new_array() : NULL;
	for (uint32_t v = all_vcpus ? 0 : (uint32_t)vcpu; !rc && v < (all_vcpus ? info.nr_vcpus : vcpu + 1); v++) {
		if (xg_vcpu_set_affinity(h, domid, v, mask) < 0) {
			cli_error("%s", xg_last_error());
			rc = -1;
		} else if (pinned) {
			json_object_array_add(pinned, json_object_new_int64(v));
		}
	}
	if (pinned && !rc) {
		struct xg_vcpu_info now = { .pinned = true };
		memcpy(now.affinity, mask, sizeof(now.affinity));
		char cpus[512];
		format_cpus(&now, phys.nr_cpus, cpus, sizeof(cpus));
		json_object *o = cli_domain_ref(domid, info.name);
		json_object_object_add(o, "vcpus", pinned);
		json_object_object_add(o, "hard_affinity", json_object_new_string(cpus));
		cli_print_json(o);
	} else if (pinned) {
		json_object_put(pinned);
	}
	xg_close(h);
	return rc ? EXIT_FAIL : EXIT_OK;
}

/* xg top: xgtop, from next to this xg if it is there, else from PATH. */
int cmd_top(struct cli *cli, int argc, char **argv)
{
	/* Its options are xgtop's, but for the two that make no sense here. */
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++) {
		if (!strcmp(argv[i], "--json")) {
			cli->json = true;
			cli_error("top has no --json: it is a live view (xg list --json gives the same facts once)");
			return EXIT_USAGE;
		}
	}
	if (cli_dry_run_refused(cli_find_command("top"), cli))
		return EXIT_USAGE;
	char **args = calloc((size_t)argc + 4, sizeof(char *));
	if (!args)
		return EXIT_FAIL;
	int n = 0;
	args[n++] = "xgtop";
	if (cli->rundir) {
		args[n++] = "--rundir";
		args[n++] = (char *)cli->rundir;
	}
	for (int i = 1; i < argc; i++)
		args[n++] = argv[i];
	char self[PATH_MAX], path[PATH_MAX + 8];
	ssize_t len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len > 0) {
		self[len] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			snprintf(path, sizeof(path), "%s/xgtop", self);
			if (access(path, X_OK) == 0)
				execv(path, args);
		}
	}
	execvp("xgtop", args);
	cli_error("cannot run xgtop: %s", strerror(errno));
	free(args);
	return EXIT_FAIL;
}

static int not_supported(struct cli *cli, int argc, char **argv, const char *name, const char *what)
{
	int first = cli_operands(cli, argc, argv, name, 0, -1);
	if (first < 0)
		return cli_options_status(first);
	cli_error("%s is not yet supported by XG (%s)", name, what);
	return EXIT_FAIL;
}

int cmd_save(struct cli *cli, int argc, char **argv)
{
	return not_supported(cli, argc, argv, "save", "a domain's state cannot be written to a file yet");
}

int cmd_restore(struct cli *cli, int argc, char **argv)
{
	return not_supported(cli, argc, argv, "restore", "there is no saved state to restore from yet");
}

int cmd_migrate(struct cli *cli, int argc, char **argv)
{
	return not_supported(cli, argc, argv, "migrate", "a domain cannot be moved to another host yet");
}
