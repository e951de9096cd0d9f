#include "bench/private_hypervisor.h"

#include <fcntl.h>
#include <ftw.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define SOCKET_WAIT_TRIES 500 /* 10 ms each: a loaded host can be slow to start it */

int private_hypervisor_start(struct private_hypervisor *hv, const char *builddir, const char *memory)
{
	memset(hv, 0, sizeof(*hv));
	hv->pid = -1;
	snprintf(hv->builddir, sizeof(hv->builddir), "%s", builddir);
	snprintf(hv->xg, sizeof(hv->xg), "%s/.libs/xg", builddir);
	snprintf(hv->libs, sizeof(hv->libs), "%s/.libs", builddir);
	if (access(hv->xg, X_OK))
		snprintf(hv->xg, sizeof(hv->xg), "%s/xg", builddir);
	const char *tmp = getenv("TMPDIR");
	snprintf(hv->rundir, sizeof(hv->rundir), "%s/xg-bench.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(hv->rundir)) {
		perror("mkdtemp");
		hv->rundir[0] = 0;
		return -1;
	}
	char program[1024], log[1024];
	snprintf(program, sizeof(program), "%s/xg-hypervisor", builddir);
	snprintf(log, sizeof(log), "%s/hypervisor.log", hv->rundir);
	hv->pid = fork();
	if (hv->pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 1);
		dup2(fd, 2);
		execl(program, "xg-hypervisor", "--rundir", hv->rundir, "--memory", memory, (char *)NULL);
		_exit(127);
	}
	if (hv->pid < 0) {
		perror("fork");
		return -1;
	}
	char sock[1024];
	snprintf(sock, sizeof(sock), "%s/hypervisor.sock", hv->rundir);
	for (int i = 0; i < SOCKET_WAIT_TRIES && access(sock, F_OK); i++) {
		if (waitpid(hv->pid, NULL, WNOHANG) == hv->pid) {
			fprintf(stderr, "%s exited at start (log: %s)\n", program, log);
			hv->pid = -1;
			return -1;
		}
		usleep(10000);
	}
	if (access(sock, F_OK)) {
		fprintf(stderr, "%s did not open its socket %s\n", program, sock);
		return -1;
	}
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	(void)st, (void)type, (void)ftw;
	remove(path);
	return 0;
}

void private_hypervisor_stop(struct private_hypervisor *hv)
{
	if (hv->pid > 0) {
		kill(hv->pid, SIGTERM);
		waitpid(hv->pid, NULL, 0);
		hv->pid = -1;
	}
	if (hv->rundir[0])
		nftw(hv->rundir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
	hv->rundir[0] = 0;
}

int private_hypervisor_guest_config(const struct private_hypervisor *hv, const char *name, unsigned int memory_mib,
				    unsigned int vcpus, const char *cmdline, char *path, size_t pathlen)
{
	snprintf(path, pathlen, "%s/%s.json", hv->rundir, name);
	FILE *f = fopen(path, "w");
	if (!f) {
		perror(path);
		return -1;
	}
	fprintf(f, "{ \"name\": \"%s\", \"kernel\": \"%s/tests/guests/%s.elf\", \"memory\": %u", name, hv->builddir,
		name, memory_mib);
	if (vcpus)
		fprintf(f, ", \"vcpus\": %u", vcpus);
	if (cmdline)
		fprintf(f, ", \"cmdline\": \"%s\"", cmdline);
	fprintf(f, " }\n");
	return fclose(f) ? -1 : 0;
}

static void copy_to_stderr(const char *path)
{
	FILE *f = fopen(path, "r");
	if (!f)
		return;
	char buf[4096];
	size_t n;
	while ((n = fread(buf, 1, sizeof(buf), f)) > 0)
		fwrite(buf, 1, n, stderr);
	fclose(f);
}

int private_hypervisor_xg(const struct private_hypervisor *hv, const char *const args[],
			  void (*on_line)(const char *line, void *ctx), void *ctx)
{
	enum { MAX_ARGS = 16 };
	const char *argv[MAX_ARGS + 2] = { "xg" };
	int argc = 1;
	while (args[argc - 1] && argc <= MAX_ARGS) {
		argv[argc] = args[argc - 1];
		argc++;
	}
	argv[argc] = NULL;
	char err[1024];
	snprintf(err, sizeof(err), "%s/xg.stderr", hv->rundir);
	int p[2];
	if (pipe(p))
		return -1;
	pid_t pid = fork();
	if (pid == 0) {
		dup2(p[1], 1);
		close(p[0]);
		close(p[1]);
		setenv("XG_RUNDIR", hv->rundir, 1);
		setenv("LD_LIBRARY_PATH", hv->libs, 1);
		int fd = open(err, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		dup2(fd, 2);
		execv(hv->xg, (char *const *)argv);
		_exit(127);
	}
	close(p[1]);
	if (pid < 0) {
		close(p[0]);
		return -1;
	}
	FILE *out = fdopen(p[0], "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	while ((len = getline(&line, &cap, out)) >= 0) {
		if (len > 0 && line[len - 1] == '\n')
			line[len - 1] = 0;
		if (on_line)
			on_line(line, ctx);
	}
	free(line);
	fclose(out);
	int status;
	waitpid(pid, &status, 0);
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	copy_to_stderr(err);
	return -1;
}

struct backend_name {
	char *buf;
	size_t len;
};

static void parse_backend(const char *line, void *ctx)
{
	struct backend_name *b = ctx;
	/* `xg info` prints "backend                : emu". */
	const char *colon = strchr(line, ':');
	if (!strncmp(line, "backend ", 8) && colon)
		snprintf(b->buf, b->len, "%s", colon + 1 + strspn(colon + 1, " "));
}

void private_hypervisor_backend(const struct private_hypervisor *hv, char *backend, size_t len)
{
	snprintf(backend, len, "unknown");
	const char *info[] = { "info", NULL };
	struct backend_name b = { backend, len };
	private_hypervisor_xg(hv, info, parse_backend, &b);
}
