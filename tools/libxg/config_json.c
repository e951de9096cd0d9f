/* Domain configurations in JSON (schema: docs/config.md), parsed with json-c. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "config_private.h"
#include "xg_private.h"

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
		return xg_cfg_bad(err, field, "expected a string, got %s", type_name(v));
	*out = json_object_get_string(v);
	return 0;
}

static int get_int(json_object *v, const char *field, int64_t min, int64_t max, const char *unit, int64_t *out,
		   struct xg_config_error *err)
{
	if (!json_object_is_type(v, json_type_int))
		return xg_cfg_bad(err, field, "expected an integer%s%s, got %s", *unit ? " " : "", unit, type_name(v));
	errno = 0;
	int64_t n = json_object_get_int64(v);
	if (errno == ERANGE || n > max)
		return xg_cfg_bad(err, field, "value %lld is above the maximum %lld", (long long)n, (long long)max);
	if (n < min)
		return xg_cfg_bad(err, field, "value %lld is below the minimum %lld", (long long)n, (long long)min);
	*out = n;
	return 0;
}

static int get_action(json_object *v, const char *field, enum xg_action *out, struct xg_config_error *err)
{
	const char *s = NULL;
	int rc = get_string(v, field, &s, err);
	return rc ? rc : xg_cfg_action(field, s, out, err);
}

static int apply(const char *path, json_object *root, struct xg_config *cfg, struct xg_config_error *err)
{
	if (!json_object_is_type(root, json_type_object))
		return xg_cfg_bad(err, "", "the configuration must be a JSON object, got %s", type_name(root));
	bool have_name = false, have_kernel = false;
	json_object_object_foreach(root, key, v)
	{
		int rc = 0;
		const char *s = NULL;
		int64_t n;
		if (!strcmp(key, "name")) {
			if (!(rc = get_string(v, key, &s, err)) && !(rc = xg_cfg_set_name(cfg, key, s, err)))
				have_name = true;
		} else if (!strcmp(key, "uuid")) {
			if (!(rc = get_string(v, key, &s, err)))
				rc = xg_cfg_set_uuid(cfg, key, s, err);
		} else if (!strcmp(key, "type")) {
			if (!(rc = get_string(v, key, &s, err)))
				rc = xg_cfg_check_type(key, s, err);
		} else if (!strcmp(key, "kernel")) {
			if (!(rc = get_string(v, key, &s, err)) &&
			    !(rc = xg_cfg_set_path(&cfg->kernel, path, key, s, false, err)))
				have_kernel = true;
		} else if (!strcmp(key, "ramdisk")) {
			if (!(rc = get_string(v, key, &s, err)))
				rc = xg_cfg_set_path(&cfg->ramdisk, path, key, s, true, err);
		} else if (!strcmp(key, "memory")) {
			if (!(rc = get_int(v, key, 1, XG_MEMORY_MAX_MIB, "number of MiB", &n, err)))
				cfg->memory_mib = (uint64_t)n;
		} else if (!strcmp(key, "maxmem")) {
			if (!(rc = get_int(v, key, 1, XG_MEMORY_MAX_MIB, "number of MiB", &n, err)))
				cfg->maxmem_mib = (uint64_t)n;
		} else if (!strcmp(key, "vcpus")) {
			if (!(rc = get_int(v, key, 1, XG_VCPUS_MAX, "", &n, err)))
				cfg->vcpus = (uint32_t)n;
		} else if (!strcmp(key, "maxvcpus")) {
			if (!(rc = get_int(v, key, 1, XG_VCPUS_MAX, "", &n, err)))
				cfg->maxvcpus = (uint32_t)n;
		} else if (!strcmp(key, "cmdline")) {
			if (!(rc = get_string(v, key, &s, err)))
				rc = xg_cfg_set_cmdline(cfg, key, s, err);
		} else if (!strcmp(key, "max_event_channels")) {
			if (!(rc = get_int(v, key, 1, XG_EVENT_CHANNELS_MAX, "", &n, err)))
				cfg->max_event_channels = (uint32_t)n;
		} else if (!strcmp(key, "cpu_weight")) {
			if (!(rc = get_int(v, key, 1, XG_SCHED_WEIGHT_MAX, "", &n, err)))
				cfg->weight = (uint32_t)n;
		} else if (!strcmp(key, "cap")) {
			if (!(rc = get_int(v, key, 0, XG_CAP_MAX, "percentage of a CPU", &n, err)))
				cfg->cap = (uint32_t)n;
		} else if (!strcmp(key, "on_poweroff")) {
			rc = get_action(v, key, &cfg->on_poweroff, err);
		} else if (!strcmp(key, "on_crash")) {
			rc = get_action(v, key, &cfg->on_crash, err);
		} else if (!strcmp(key, "on_reboot")) {
			rc = get_action(v, key, &cfg->on_reboot, err);
		} else if (!strcmp(key, "on_watchdog")) {
			rc = get_action(v, key, &cfg->on_watchdog, err);
		} else {
			rc = xg_cfg_bad(err, key, "unknown key");
		}
		if (rc)
			return rc;
	}
	return xg_cfg_check_whole(cfg, have_name, have_kernel, err);
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

/* Parse configuration text; path names it in errors and anchors relative
 * kernel paths. */
int xg_cfg_parse_json_text(const char *path, const char *text, struct xg_config *cfg, struct xg_config_error *err)
{
	xg_config_init(cfg);
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

XG_EXPORT int xg_config_parse_json(const char *text, struct xg_config *cfg, struct xg_config_error *err)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "(configuration text)");
	return xg_cfg_parse_json_text("./", text, cfg, err);
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
	if (cfg->maxvcpus > cfg->vcpus)
		json_object_object_add(o, "maxvcpus", json_object_new_int64(cfg->maxvcpus));
	if (cfg->cmdline)
		json_object_object_add(o, "cmdline", json_object_new_string(cfg->cmdline));
	if (cfg->max_event_channels != XG_EVENT_CHANNELS_DEFAULT)
		json_object_object_add(o, "max_event_channels", json_object_new_int64(cfg->max_event_channels));
	if (cfg->ramdisk)
		json_object_object_add(o, "ramdisk", json_object_new_string(cfg->ramdisk));
	json_object_object_add(o, "on_poweroff", json_object_new_string(xg_cfg_action_name(cfg->on_poweroff)));
	json_object_object_add(o, "on_reboot", json_object_new_string(xg_cfg_action_name(cfg->on_reboot)));
	json_object_object_add(o, "on_watchdog", json_object_new_string(xg_cfg_action_name(cfg->on_watchdog)));
	json_object_object_add(o, "on_crash", json_object_new_string(xg_cfg_action_name(cfg->on_crash)));
	/* Only when set, so that configurations without them read as before. */
	if (cfg->weight != XG_SCHED_WEIGHT_DEFAULT)
		json_object_object_add(o, "cpu_weight", json_object_new_int64(cfg->weight));
	if (cfg->cap)
		json_object_object_add(o, "cap", json_object_new_int64(cfg->cap));
	char *out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return out;
}
