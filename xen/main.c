/* xg-hypervisor: start-up, options, and orderly shutdown. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/console.h"
#include "hv/control.h"
#include "hv/domain.h"
#include "hv/event.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/xenstore.h"
#include "hv/m2p.h"

#ifndef XG_VERSION
#define XG_VERSION "0.0"
#endif

static struct hypervisor the_hypervisor;
struct hypervisor *hv = &the_hypervisor;


static void usage(FILE *out)
{
	fprintf(out,
		"Usage: xg-hypervisor [OPTION]...\n"
		"Run the XG hypervisor: machine memory, domains, and the control socket.\n\n"
		"  --rundir DIR      directory of the control sockets (default $XG_RUNDIR or /run/xg)\n"
		"  --memory SIZE     machine RAM, e.g. 4G (default 8G; untouched memory costs nothing)\n"
		"  --quota SIZE      most memory all domains together may own (default: all RAM)\n"
		"  --backend NAME    kvm, emu, or auto (default auto: kvm if /dev/kvm works, else emu)\n"
		"  --daemon          detach and run in the background (log: `xg dmesg`)\n"
		"  --help            show this help\n"
		"  --version         show the version\n");
}

static const struct exec_backend *pick_backend(const char *name)
{
	const struct exec_backend *all[] = { &exec_backend_kvm, &exec_backend_emu };
	char why[200];
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(name, "auto") && strcmp(name, all[i]->name))
			continue;
		why[0] = '\0';
		int rc = all[i]->probe(why, sizeof(why));
		if (!rc)
			return all[i];
		printk("backend %s unavailable: %s\n", all[i]->name, why[0] ? why : strerror(-rc));
		if (strcmp(name, "auto"))
			return NULL;
	}
	return NULL;
}

/*
 * Detach before any thread exists.  The parent waits until the child is
 * serving (or failed), so `xg-hypervisor --daemon` returns only when the
 * socket works and its exit status says whether it did.
 */
static int ready_fd = -1;

static int daemonize(void)
{
	int p[2];
	if (pipe(p) < 0)
		return -errno;
	pid_t pid = fork();
	if (pid < 0)
		return -errno;
	if (pid > 0) {
		close(p[1]);
		char status = 1;
		if (read(p[0], &status, 1) != 1)
			status = 1;
		_exit(status);
	}
	close(p[0]);
	ready_fd = p[1];
	if (setsid() < 0)
		return -errno;
	return 0;
}

/* Tell a waiting parent we are up, and leave the terminal. */
static void daemon_ready(void)
{
	if (ready_fd < 0)
		return;
	int fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
	char ok = 0;
	if (write(ready_fd, &ok, 1) != 1)
		_exit(1);
	close(ready_fd);
	ready_fd = -1;
}

int main(int argc, char **argv)
{
	const char *rundir = getenv("XG_RUNDIR");
	const char *backend_name = "auto";
	uint64_t memory = 8ull << 30, quota = 0;
	bool daemon = false;
	static const struct option opts[] = {
		{ "rundir", required_argument, NULL, 'r' },
		{ "memory", required_argument, NULL, 'm' },
		{ "quota", required_argument, NULL, 'q' },
		{ "backend", required_argument, NULL, 'b' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			rundir = optarg;
			break;
		case 'm':
		case 'q':
			if (parse_size(optarg, c == 'm' ? &memory : &quota)) {
				fprintf(stderr, "xg-hypervisor: bad size '%s' for --%s\n", optarg,
					c == 'm' ? "memory" : "quota");
				return 2;
			}
			break;
		case 'b':
			backend_name = optarg;
			break;
		case 'd':
			daemon = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("xg-hypervisor %s (Xen %d.%d%s interface)\n", XG_VERSION, XG_XEN_MAJOR,
			       XG_XEN_MINOR, XG_XEN_EXTRA);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "xg-hypervisor: unexpected argument '%s'\n", argv[optind]);
		usage(stderr);
		return 2;
	}
	if (!rundir || !*rundir)
		rundir = "/run/xg";
	if (strcmp(backend_name, "auto") && strcmp(backend_name, "kvm") && strcmp(backend_name, "emu")) {
		fprintf(stderr, "xg-hypervisor: unknown backend '%s' (kvm, emu or auto)\n", backend_name);
		return 2;
	}

	if (daemon && daemonize()) {
		fprintf(stderr, "xg-hypervisor: cannot detach: %s\n", strerror(errno));
		return 1;
	}
	console_init(!daemon);
	static char cmdline[1024];
	size_t off = 0;
	for (int i = 0; i < argc && off < sizeof(cmdline) - 1; i++)
		off += (size_t)snprintf(cmdline + off, sizeof(cmdline) - off, "%s%s", i ? " " : "", argv[i]);
	version_set_cmdline(cmdline);

	hv->backend = pick_backend(backend_name);
	if (!hv->backend) {
		fprintf(stderr, "xg-hypervisor: no usable execution backend (asked for %s)\n", backend_name);
		return 1;
	}
	int rc = machine_init(&hv->machine, memory);
	if (rc) {
		fprintf(stderr, "xg-hypervisor: cannot set up %llu bytes of machine memory: %s\n",
			(unsigned long long)memory, strerror(-rc));
		return 1;
	}
	rc = heap_init(&hv->heap, &hv->machine, quota ? quota >> PAGE_SHIFT : hv->machine.ram_frames);
	if (rc) {
		fprintf(stderr, "xg-hypervisor: cannot allocate the frame table: %s\n", strerror(-rc));
		return 1;
	}
	rc = m2p_init();
	if (rc) {
		fprintf(stderr, "xg-hypervisor: cannot allocate the machine-to-physical table: %s\n", strerror(-rc));
		return 1;
	}
	hv->exec_machine = (struct exec_machine){
		.base = hv->machine.base, .nr_frames = hv->machine.nr_frames, .memfd = hv->machine.memfd,
	};
	hv->start_ns = now_ns();
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	hv->nr_cpus = cpus > 0 ? (unsigned int)cpus : 1;

	/* Signals that end the hypervisor are taken synchronously below; every
	 * thread created from here on inherits the mask. */
	sigset_t stop_signals;
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	sigaddset(&stop_signals, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	xs_reset(); /* an empty store (the in-process tests start several hypervisors) */
	if (domain_subsystem_init() || domain_create_control()) {
		fprintf(stderr, "xg-hypervisor: cannot start the domain subsystem\n");
		return 1;
	}
	if (control_start(rundir)) {
		fprintf(stderr, "xg-hypervisor: cannot open the control socket in %s\n", rundir);
		return 1;
	}
	char pidfile[4096];
	snprintf(pidfile, sizeof(pidfile), "%s/hypervisor.pid", rundir);
	FILE *pf = fopen(pidfile, "w");
	if (pf) {
		fprintf(pf, "%d\n", (int)getpid());
		fclose(pf);
	}
	time_calibrate();
	printk("xg-hypervisor %s: %llu MiB RAM (%llu MiB quota), backend %s, %u CPUs\n", XG_VERSION,
	       (unsigned long long)(hv->machine.ram_frames >> 8),
	       (unsigned long long)(hv->heap.quota_frames >> 8), hv->backend->name, hv->nr_cpus);
	daemon_ready();

	int sig = 0;
	sigwait(&stop_signals, &sig);
	printk("signal %d: shutting down\n", sig);
	control_stop();
	unlink(pidfile);
	domain_subsystem_fini();
	m2p_fini();
	printk("stopped; %llu frames still allocated\n", (unsigned long long)heap_used_frames(&hv->heap));
	heap_destroy(&hv->heap);
	machine_destroy(&hv->machine);
	console_fini();
	return 0;
}
