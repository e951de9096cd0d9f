/*
 * JSON domain configurations: the good examples give exactly the fields
 * they say, and every bad one in the corpus gives the documented error
 * (field and reason, from its .expect file) and leaves nothing allocated.
 */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"
#include "xg/xg.h"

static const char *corpus;

static void path_of(char *out, size_t size, const char *name)
{
	snprintf(out, size, "%s/%s", corpus, name);
}

static void test_good(void)
{
	char path[1024];
	struct xg_config cfg;
	struct xg_config_error err;
	path_of(path, sizeof(path), "good-full.json");
	int rc = xg_config_load_json(path, &cfg, &err);
	TAP_CHECK(rc == 0, "good-full.json loads (%s %s)", err.field, err.reason);
	if (rc)
		return;
	TAP_CHECK(!strcmp(cfg.name, "web-1"), "name");
	TAP_CHECK(cfg.uuid[0] == 0x6f && cfg.uuid[15] == 0x5b, "uuid is parsed");
	char expect[1100];
	snprintf(expect, sizeof(expect), "%s/kernels/vmlinux", corpus);
	TAP_CHECK(cfg.kernel && !strcmp(cfg.kernel, expect), "a relative kernel path is resolved against the file (%s)",
		  cfg.kernel);
	TAP_CHECK(cfg.memory_mib == 256 && cfg.maxmem_mib == 512 && cfg.vcpus == 2, "memory, maxmem and vcpus");
	TAP_CHECK(cfg.cmdline && !strcmp(cfg.cmdline, "console=hvc0"), "cmdline");
	snprintf(expect, sizeof(expect), "%s/kernels/initrd.img", corpus);
	TAP_CHECK(cfg.ramdisk && !strcmp(cfg.ramdisk, expect), "a relative ramdisk path is resolved against the file (%s)",
		  cfg.ramdisk);
	TAP_CHECK(cfg.on_poweroff == XG_ACTION_PRESERVE && cfg.on_crash == XG_ACTION_DESTROY, "actions");
	xg_config_dispose(&cfg);

	path_of(path, sizeof(path), "good-minimal.json");
	rc = xg_config_load_json(path, &cfg, &err);
	TAP_CHECK(rc == 0 && cfg.memory_mib == 64 && !cfg.maxmem_mib && cfg.vcpus == 1 && !cfg.cmdline && !cfg.ramdisk &&
			  cfg.on_poweroff == XG_ACTION_DESTROY && cfg.on_crash == XG_ACTION_DESTROY &&
			  !strcmp(cfg.kernel, "/boot/k"),
		  "defaults: 64 MiB, 1 vCPU, no cmdline, no ramdisk, destroy on poweroff and crash");
	xg_config_dispose(&cfg);

	rc = xg_config_load_json("/nonexistent/xg.json", &cfg, &err);
	TAP_CHECK(rc == -ENOENT && strstr(err.reason, "cannot open") && !strcmp(err.file, "/nonexistent/xg.json"),
		  "a missing file: -ENOENT naming the file");
}

static void expect_line(const char *text, const char *key, char *out, size_t size)
{
	out[0] = '\0';
	const char *p = strstr(text, key);
	if (!p)
		return;
	p += strlen(key);
	size_t n = strcspn(p, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

static void test_bad_one(const char *json)
{
	char path[1024], expect_path[1024], text[1024] = "";
	path_of(path, sizeof(path), json);
	snprintf(expect_path, sizeof(expect_path), "%.*s.expect", (int)(strlen(path) - 5), path);
	FILE *f = fopen(expect_path, "r");
	if (f) {
		size_t n = fread(text, 1, sizeof(text) - 1, f);
		text[n] = '\0';
		fclose(f);
	}
	char field[128], reason[256];
	expect_line(text, "field=", field, sizeof(field));
	expect_line(text, "reason~=", reason, sizeof(reason));

	struct xg_config cfg;
	struct xg_config_error err;
	int rc = xg_config_load_json(path, &cfg, &err);
	bool ok = rc == -EINVAL && !strcmp(err.field, field) && strstr(err.reason, reason) &&
		  !strcmp(err.file, path) && cfg.kernel == NULL && cfg.cmdline == NULL;
	TAP_CHECK(ok, "%s: field '%s', reason '%s'", json, err.field, err.reason);
	if (!ok)
		tap_diag("expected field '%s' and a reason containing '%s'", field, reason);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_bad_json(const struct dirent *d)
{
	size_t n = strlen(d->d_name);
	return !strncmp(d->d_name, "bad-", 4) && n > 5 && !strcmp(d->d_name + n - 5, ".json");
}

int main(int argc, char **argv)
{
	static char dir[1024];
	const char *src = argc > 1 ? argv[1] : getenv("srcdir");
	snprintf(dir, sizeof(dir), "%s/corpus", src ? src : "tests/unit/config");
	corpus = dir;
	test_good();
	struct dirent **list;
	int n = scandir(corpus, &list, is_bad_json, by_name);
	TAP_CHECK(n >= 20, "the corpus has its bad configurations (%d)", n);
	for (int i = 0; i < n; i++) {
		test_bad_one(list[i]->d_name);
		free(list[i]);
	}
	if (n > 0)
		free(list);
	return tap_done();
}
