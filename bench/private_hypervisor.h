/*
 * A benchmark's own xg-hypervisor: started from the build directory with a
 * run directory of its own (so nothing else's domains or load share it),
 * driven with the build's xg, and taken down with its run directory.
 */
#ifndef XG_BENCH_PRIVATE_HYPERVISOR_H
#define XG_BENCH_PRIVATE_HYPERVISOR_H

#include <stddef.h>
#include <sys/types.h>

struct private_hypervisor {
	pid_t pid;
	char rundir[512];
	char builddir[512];
	/* The real xg binary and its libraries, not libtool's wrapper script,
	 * which costs a shell and more per run than a guest's start-up. */
	char xg[1024], libs[1024];
};

/* Start BUILDDIR/xg-hypervisor --memory MEMORY and wait for its control
 * socket.  0, or -1 (reported on stderr). */
int private_hypervisor_start(struct private_hypervisor *hv, const char *builddir, const char *memory);
void private_hypervisor_stop(struct private_hypervisor *hv);

/* Write RUNDIR/NAME.json: domain NAME running BUILDDIR/tests/guests/NAME.elf
 * with memory_mib MiB, vcpus vCPUs (0: the default, 1) and the command
 * line (NULL: none).  The path goes to path.  0 or -1. */
int private_hypervisor_guest_config(const struct private_hypervisor *hv, const char *name, unsigned int memory_mib,
				    unsigned int vcpus, const char *cmdline, char *path, size_t pathlen);

/* Run `xg ARGS...` (args NULL-terminated, without "xg") against this
 * hypervisor; on_line (if not NULL) gets each line of its standard output,
 * without the newline, as it arrives.  0 if xg exited with 0; otherwise -1,
 * and xg's standard error is copied to ours. */
int private_hypervisor_xg(const struct private_hypervisor *hv, const char *const args[],
			  void (*on_line)(const char *line, void *ctx), void *ctx);

/* The backend it runs guests on, as `xg info` names it ("kvm", "emu"),
 * into backend; "unknown" if xg does not say. */
void private_hypervisor_backend(const struct private_hypervisor *hv, char *backend, size_t len);

#endif
