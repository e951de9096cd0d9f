/* Domain configurations in JSON (schema: docs/config.md), parsed with json-c. */
#include <errno.h>
#include <json-c/json.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "xg_private.h"

#define CMDLINE_MAX 1023 /* Xen's MAX_GUEST_CMDLINE less the NUL */

XG_EXPORT void xg_config_init(struct xg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->memory_mib = 64;
	cfg->vcpus = 1;
	cfg->on_poweroff = XG_ACTION_DESTROY;
	cfg->on_crash = XG_ACTION_DESTROY;
}

XG_EXPORT void xg_config_dispose(struct xg_config *cfg)
{
	free(cfg->kernel);
	free(cfg->cmdline);
	free(cfg->ramdisk);
	xg_config_init(cfg);
}

static int bad(struct xg_config_error *err, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int bad(struct xg_config_error *err, const char *field, const char *fmt, ...)
{
	va_list ap;
	snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static const char *type_name(json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return "a boolean";
	case json_type_double: return "a fractional number";
	case json_type_int: return "an integer";
	case json_type_object: return "an object";
	case json_type_array: return "an array";
	case json_type_string: return "a string";
	}
	return "something else";
}

static int get_string(json_object *v, const char *field, const char **out, struct xg_config_error *err)
{
	if (!json_object_is_type(v, json_type_string))
		return bad(err, field, "expected a string, got %s", type_name(v));
	*out = json_object_get_string(v);
	return 0;
}

static int get_int(json_object *v, const char *field, int64_t min, int64_t max, const char *unit, int64_t *out,
		   struct xg_config_error *err)
{
	if (!json_object_is_type(v, json_type_int))
		return bad(err, field, "expected an integer%s%s, got %s", *unit ? " " : "", unit, type_name(v));
	errno = 0;
	int64_t n = json_object_get_int64(v);
	if (errno == ERANGE || n > max)
		return bad(err, field, "value %lld is above the maximum %lld", (long long)n, (long long)max);
	if (n < min)
		return bad(err, field, "value %lld is below the minimum %lld", (long long)n, (long long)min);
	*out = n;
	return 0;
}

static int get_action(json_object *v, const char *field, enum xg_action *out, struct xg_config_error *err)
{
	const char *s = NULL;
	int rc = get_string(v, field, &s, err);
	if (rc)
		return rc;
	if (!strcmp(s, "destroy"))
		*out = XG_ACTION_DESTROY;
	else if (!strcmp(s, "preserve"))
		*out = XG_ACTION_PRESERVE;
	else if (!strcmp(s, "restart") || !strcmp(s, "rename-restart") || !strcmp(s, "coredump-destroy") ||
		 !strcmp(s, "coredump-restart") || !strcmp(s, "soft-reset"))
		return bad(err, field, "'%s' is not supported yet (use \"destroy\" or \"preserve\")", s);
	else
		return bad(err, field, "unknown action '%s' (expected \"destroy\" or \"preserve\")", s);
	return 0;
}

static int check_name(const char *s, struct xg_config_error *err)
{
	size_t len = strlen(s);
	if (!len || len >= XG_NAME_MAX)
		return bad(err, "name", "must be 1 to %d characters long", XG_NAME_MAX - 1);
	bool all_digits = true;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
			  c == '-' || c == '.';
		if (!ok)
			return bad(err, "name", "character '%c' is not allowed (use letters, digits, '_', '-', '.')", c);
		if (c < '0' || c > '9')
			all_digits = false;
	}
	if (all_digits)
		return bad(err, "name", "a name of digits only would be mistaken for a domain id");
	return 0;
}

/* Relative kernel and ramdisk paths are relative to the configuration file. */
static char *resolve_path(const char *config_path, const char *path)
{
	if (path[0] == '/')
		return strdup(path);
	char *copy = strdup(config_path);
	if (!copy)
		return NULL;
	char *dir = dirname(copy);
	char *out = NULL;
	if (asprintf(&out, "%s/%s", dir, path) < 0)
		out = NULL;
	free(copy);
	return out;
}

static int apply(const char *path, json_object *root, struct xg_config *cfg, struct xg_config_error *err)
{
	if (!json_object_is_type(root, json_type_object))
		return bad(err, "", "the configuration must be a JSON object, got %s", type_name(root));
	bool have_name = false, have_kernel = false;
	json_object_object_foreach(root, key, v)
	{
		int rc = 0;
		const char *s = NULL;
		int64_t n;
		if (!strcmp(key, "name")) {
			if (!(rc = get_string(v, key, &s, err)) && !(rc = check_name(s, err))) {
				snprintf(cfg->name, sizeof(cfg->name), "%s", s);
				have_name = true;
			}
		} else if (!strcmp(key, "uuid")) {
			if (!(rc = get_string(v, key, &s, err)) && uuid_parse(s, cfg->uuid))
				rc = bad(err, key, "'%s' is not a UUID (expected 8-4-4-4-12 hexadecimal digits)", s);
		} else if (!strcmp(key, "type")) {
			if (!(rc = get_string(v, key, &s, err)) && strcmp(s, "pv"))
				rc = bad(err, key, !strcmp(s, "pvh") ? "type \"pvh\" is not supported yet"
								    : "unknown type '%s' (expected \"pv\")",
					 s);
		} else if (!strcmp(key, "kernel")) {
			if (!(rc = get_string(v, key, &s, err))) {
				if (!*s)
					rc = bad(err, key, "must not be empty");
				else if (!(cfg->kernel = resolve_path(path, s)))
					rc = -ENOMEM;
				have_kernel = true;
			}
		} else if (!strcmp(key, "ramdisk")) {
			if (!(rc = get_string(v, key, &s, err))) {
				if (!*s)
					rc = bad(err, key, "must not be empty (leave the key out for no ramdisk)");
				else if (!(cfg->ramdisk = resolve_path(path, s)))
					rc = -ENOMEM;
			}
		} else if (!strcmp(key, "memory")) {
			if (!(rc = get_int(v, key, 1, 1 << 20, "number of MiB", &n, err)))
				cfg->memory_mib = (uint64_t)n;
		} else if (!strcmp(key, "maxmem")) {
			if (!(rc = get_int(v, key, 1, 1 << 20, "number of MiB", &n, err)))
				cfg->maxmem_mib = (uint64_t)n;
		} else if (!strcmp(key, "vcpus")) {
			if (!(rc = get_int(v, key, 1, 128, "", &n, err)))
				cfg->vcpus = (uint32_t)n;
		} else if (!strcmp(key, "cmdline")) {
			if (!(rc = get_string(v, key, &s, err))) {
				if (strlen(s) > CMDLINE_MAX)
					rc = bad(err, key, "is %zu bytes long; the most a guest can take is %d",
						 strlen(s), CMDLINE_MAX);
				else if (!(cfg->cmdline = strdup(s)))
					rc = -ENOMEM;
			}
		} else if (!strcmp(key, "on_poweroff")) {
			rc = get_action(v, key, &cfg->on_poweroff, err);
		} else if (!strcmp(key, "on_crash")) {
			rc = get_action(v, key, &cfg->on_crash, err);
		} else {
			rc = bad(err, key, "unknown key");
		}
		if (rc)
			return rc;
	}
	if (!have_name)
		return bad(err, "name", "is required");
	if (!have_kernel)
		return bad(err, "kernel", "is required");
	if (cfg->maxmem_mib && cfg->maxmem_mib < cfg->memory_mib)
		return bad(err, "maxmem", "is %llu MiB, less than memory (%llu MiB)", (unsigned long long)cfg->maxmem_mib,
			   (unsigned long long)cfg->memory_mib);
	return 0;
}

/* Line and column of a byte offset, for syntax errors. */
static void position(const char *text, size_t offset, int *line, int *col)
{
	*line = 1;
	*col = 1;
	for (size_t i = 0; i < offset && text[i]; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*col = 1;
		} else {
			(*col)++;
		}
	}
}

static char *read_file(const char *path, int *rc, struct xg_config_error *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		*rc = -errno;
		snprintf(err->reason, sizeof(err->reason), "cannot open: %s", strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	while (buf) {
		if (len + 1 >= cap) {
			char *grown = cap > (1u << 20) ? NULL : realloc(buf, cap * 2);
			if (!grown) {
				free(buf);
				buf = NULL;
				*rc = -EFBIG;
				snprintf(err->reason, sizeof(err->reason), "the file is larger than 1 MiB");
				break;
			}
			buf = grown;
			cap *= 2;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);
		len += n;
		if (n == 0)
			break;
	}
	if (buf && ferror(f)) {
		*rc = -EIO;
		snprintf(err->reason, sizeof(err->reason), "read error");
		free(buf);
		buf = NULL;
	}
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/* Parse configuration text; path names it in errors and anchors relative
 * kernel paths. */
static int parse_text(const char *path, const char *text, struct xg_config *cfg, struct xg_config_error *err)
{
	json_tokener *tok = json_tokener_new();
	if (!tok)
		return -ENOMEM;
	size_t len = strlen(text);
	json_object *root = json_tokener_parse_ex(tok, text, (int)len);
	enum json_tokener_error jerr = json_tokener_get_error(tok);
	size_t end = json_tokener_get_parse_end(tok);
	int rc;
	if (!root || jerr != json_tokener_success) {
		int line, col;
		position(text, end, &line, &col);
		const char *why = jerr == json_tokener_continue ? "unexpected end of file"
								 : json_tokener_error_desc(jerr);
		snprintf(err->reason, sizeof(err->reason), "invalid JSON at line %d, column %d: %s", line, col, why);
		rc = -EINVAL;
	} else {
		while (end < len && strchr(" \t\r\n", text[end]))
			end++;
		if (end < len) {
			int line, col;
			position(text, end, &line, &col);
			snprintf(err->reason, sizeof(err->reason),
				 "invalid JSON at line %d, column %d: text after the configuration", line, col);
			rc = -EINVAL;
		} else {
			rc = apply(path, root, cfg, err);
		}
	}
	json_object_put(root);
	json_tokener_free(tok);
	if (rc)
		xg_config_dispose(cfg);
	return rc;
}

XG_EXPORT int xg_config_load_json(const char *path, struct xg_config *cfg, struct xg_config_error *err)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	xg_config_init(cfg);
	int rc = 0;
	char *text = read_file(path, &rc, err);
	if (!text)
		return rc;
	rc = parse_text(path, text, cfg, err);
	free(text);
	return rc;
}

XG_EXPORT int xg_config_parse_json(const char *text, struct xg_config *cfg, struct xg_config_error *err)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "(configuration text)");
	xg_config_init(cfg);
	return parse_text("./", text, cfg, err);
}

static const char *action_name(enum xg_action a)
{
	return a == XG_ACTION_PRESERVE ? "preserve" : "destroy";
}

XG_EXPORT char *xg_config_to_json(const struct xg_config *cfg)
{
	json_object *o = json_object_new_object();
	char uuid[37];
	uuid_unparse_lower(cfg->uuid, uuid);
	json_object_object_add(o, "name", json_object_new_string(cfg->name));
	json_object_object_add(o, "uuid", json_object_new_string(uuid));
	json_object_object_add(o, "type", json_object_new_string("pv"));
	if (cfg->kernel)
		json_object_object_add(o, "kernel", json_object_new_string(cfg->kernel));
	json_object_object_add(o, "memory", json_object_new_int64((int64_t)cfg->memory_mib));
	if (cfg->maxmem_mib)
		json_object_object_add(o, "maxmem", json_object_new_int64((int64_t)cfg->maxmem_mib));
	json_object_object_add(o, "vcpus", json_object_new_int64(cfg->vcpus));
	if (cfg->cmdline)
		json_object_object_add(o, "cmdline", json_object_new_string(cfg->cmdline));
	if (cfg->ramdisk)
		json_object_object_add(o, "ramdisk", json_object_new_string(cfg->ramdisk));
	json_object_object_add(o, "on_poweroff", json_object_new_string(action_name(cfg->on_poweroff)));
	json_object_object_add(o, "on_crash", json_object_new_string(action_name(cfg->on_crash)));
	char *out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}
