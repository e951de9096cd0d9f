/*
 * xg xenstore-read, -write, -ls, -rm: the store as the control domain,
 * printed as Xen's xenstore-* tools print it (docs/xg.md).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* A value as xenstore-ls shows it: printable bytes as they are, others
 * (and the quote and backslash) escaped. */
static void print_escaped(FILE *f, const char *v, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '\\' || c == '"')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\x%02x", c);
		else
			fputc(c, f);
	}
}

/* --json of a command that changes the store: {key: done} when all of it
 * was done (a failure stops at the first path). */
static int finish_json(json_object *done, const char *key, int status)
{
	if (done && status == EXIT_OK) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, key, done);
		cli_print_json(o);
	} else if (done) {
		json_object_put(done);
	}
	return status;
}

int cmd_xenstore_read(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "xenstore-read", 1, -1);
	if (first < 0)
		return cli_options_status(first);
	bool json = cli->json;
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	int status = EXIT_OK;
	json_object *out = json ? json_object_new_object() : NULL;
	for (int i = first; i < argc; i++) {
		char *v;
		size_t len;
		if (xg_xs_read(h, 0, argv[i], &v, &len)) {
			cli_error("%s", xg_last_error());
			status = EXIT_FAIL;
			break;
		}
		if (out)
			json_object_object_add(out, argv[i], json_object_new_string_len(v, (int)len));
		else {
			fwrite(v, 1, len, stdout);
			fputc('\n', stdout);
		}
		free(v);
	}
	if (out) {
		if (status == EXIT_OK)
			cli_print_json(out);
		else
			json_object_put(out);
	}
	xg_close(h);
	return status;
}

int cmd_xenstore_write(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "xenstore-write", 2, -1);
	if (first < 0)
		return cli_options_status(first);
	if ((argc - first) % 2) {
		cli_error("xenstore-write takes PATH VALUE pairs");
		return EXIT_USAGE;
	}
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	int status = EXIT_OK;
	json_object *written = cli->json ? json_object_new_object() : NULL;
	for (int i = first; i + 1 < argc; i += 2) {
		if (xg_xs_write(h, 0, argv[i], argv[i + 1], strlen(argv[i + 1]))) {
			cli_error("%s", xg_last_error());
			status = EXIT_FAIL;
			break;
		}
		if (written)
			json_object_object_add(written, argv[i], json_object_new_string(argv[i + 1]));
	}
	xg_close(h);
	return finish_json(written, "written", status);
}

int cmd_xenstore_rm(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "xenstore-rm", 1, -1);
	if (first < 0)
		return cli_options_status(first);
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	int status = EXIT_OK;
	json_object *removed = cli->json ? json_object_new_array() : NULL;
	for (int i = first; i < argc; i++) {
		if (xg_xs_rm(h, 0, argv[i])) {
			cli_error("%s", xg_last_error());
			status = EXIT_FAIL;
			break;
		}
		if (removed)
			json_object_array_add(removed, json_object_new_string(argv[i]));
	}
	xg_close(h);
	return finish_json(removed, "removed", status);
}

/* Print the children of path, depth spaces in (xenstore-ls's layout), or
 * add them to out as "path": "value". */
static int list(xg_handle *h, const char *path, int depth, json_object *out)
{
	char **names;
	unsigned int n;
	if (xg_xs_directory(h, 0, path, &names, &n))
		return -1;
	int rc = 0;
	for (unsigned int i = 0; i < n && !rc; i++) {
		size_t plen = strlen(path) + strlen(names[i]) + 2;
		char *child = malloc(plen);
		if (!child) {
			rc = -1;
			break;
		}
		snprintf(child, plen, "%s%s%s", path, strcmp(path, "/") ? "/" : "", names[i]);
		char *v;
		size_t len;
		/* A node may go between the listing and the read. */
		if (xg_xs_read(h, 0, child, &v, &len)) {
			free(child);
			continue;
		}
		if (out)
			json_object_object_add(out, child, json_object_new_string_len(v, (int)len));
		else {
			printf("%*s%s = \"", depth, "", names[i]);
			print_escaped(stdout, v, len);
			printf("\"\n");
		}
		free(v);
		rc = list(h, child, depth + 1, out);
		free(child);
	}
	free(names);
	return rc;
}

int cmd_xenstore_ls(struct cli *cli, int argc, char **argv)
{
	int first = cli_operands(cli, argc, argv, "xenstore-ls", 0, 1);
	if (first < 0)
		return cli_options_status(first);
	bool json = cli->json;
	xg_handle *h = cli_connect(cli, false);
	if (!h)
		return EXIT_FAIL;
	const char *path = first < argc ? argv[first] : "/";
	json_object *out = json ? json_object_new_object() : NULL;
	int rc = list(h, path, 0, out);
	if (rc)
		cli_error("%s", xg_last_error());
	if (out) {
		if (!rc)
			cli_print_json(out);
		else
			json_object_put(out);
	}
	xg_close(h);
	return rc ? EXIT_FAIL : EXIT_OK;
}
