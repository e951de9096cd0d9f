/* What the configuration readers share: defaults, the rules for each value,
 * reading a file, and choosing the reader by the file's content. */
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <uuid/uuid.h>

#include "config_private.h"
#include "xg_private.h"

XG_EXPORT void xg_config_init(struct xg_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->memory_mib = 64;
	cfg->vcpus = 1;
	cfg->on_poweroff = XG_ACTION_DESTROY;
	cfg->on_crash = XG_ACTION_DESTROY;
	cfg->on_reboot = XG_ACTION_RESTART;
	cfg->on_watchdog = XG_ACTION_DESTROY;
	cfg->weight = XG_SCHED_WEIGHT_DEFAULT;
	cfg->max_event_channels = XG_EVENT_CHANNELS_DEFAULT;
}

XG_EXPORT enum xg_action xg_config_action_for(const struct xg_config *cfg, enum xg_domain_state state,
					      unsigned int shutdown_reason)
{
	if (state == XG_DOMAIN_CRASHED)
		return cfg->on_crash;
	switch (shutdown_reason) {
	case XG_SHUTDOWN_POWEROFF: return cfg->on_poweroff;
	case XG_SHUTDOWN_REBOOT: return cfg->on_reboot;
	case XG_SHUTDOWN_WATCHDOG: return cfg->on_watchdog;
	case XG_SHUTDOWN_CRASH: return cfg->on_crash;
	default: return XG_ACTION_PRESERVE;
	}
}

XG_EXPORT const char *xg_action_name(enum xg_action action)
{
	switch (action) {
	case XG_ACTION_DESTROY: return "destroy";
	case XG_ACTION_PRESERVE: return "preserve";
	case XG_ACTION_RESTART: return "restart";
	case XG_ACTION_RENAME_RESTART: return "rename-restart";
	}
	return "unknown";
}

XG_EXPORT void xg_config_dispose(struct xg_config *cfg)
{
	free(cfg->kernel);
	free(cfg->cmdline);
	free(cfg->ramdisk);
	xg_config_init(cfg);
}

int xg_cfg_bad(struct xg_config_error *err, const char *field, const char *fmt, ...)
{
	va_list ap;
	snprintf(err->field, sizeof(err->field), "%s", field);
	va_start(ap, fmt);
	vsnprintf(err->reason, sizeof(err->reason), fmt, ap);
	va_end(ap);
	return -EINVAL;
}

void xg_cfg_at_line(struct xg_config_error *err, int line)
{
	char reason[sizeof(err->reason)];
	memcpy(reason, err->reason, sizeof(reason));
	snprintf(err->reason, sizeof(err->reason), "line %d: %.*s", line, (int)sizeof(reason) - 20, reason);
}

int xg_cfg_set_name(struct xg_config *cfg, const char *field, const char *s, struct xg_config_error *err)
{
	size_t len = strlen(s);
	if (!len || len >= XG_NAME_MAX)
		return xg_cfg_bad(err, field, "must be 1 to %d characters long", XG_NAME_MAX - 1);
	bool all_digits = true;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
			  c == '-' || c == '.';
		if (!ok) {
			if (c >= ' ' && c < 0x7f)
				return xg_cfg_bad(err, field,
						  "character '%c' is not allowed (use letters, digits, '_', '-', '.')", c);
			return xg_cfg_bad(err, field,
					  "character 0x%02x is not allowed (use letters, digits, '_', '-', '.')",
					  (unsigned char)c);
		}
		if (c < '0' || c > '9')
			all_digits = false;
	}
	if (all_digits)
		return xg_cfg_bad(err, field, "a name of digits only would be mistaken for a domain id");
	memcpy(cfg->name, s, len + 1);
	return 0;
}

int xg_cfg_set_uuid(struct xg_config *cfg, const char *field, const char *s, struct xg_config_error *err)
{
	if (uuid_parse(s, cfg->uuid))
		return xg_cfg_bad(err, field, "'%.64s' is not a UUID (expected 8-4-4-4-12 hexadecimal digits)", s);
	return 0;
}

/* Relative kernel and ramdisk paths are relative to the configuration file. */
static char *resolve_path(const char *config_path, const char *path)
{
	if (path[0] == '/' || !config_path)
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

int xg_cfg_set_path(char **slot, const char *config_path, const char *field, const char *s, bool optional,
		    struct xg_config_error *err)
{
	if (!*s)
		return optional ? xg_cfg_bad(err, field, "must not be empty (leave it out for no %s)", field)
				: xg_cfg_bad(err, field, "must not be empty");
	char *p = resolve_path(config_path, s);
	if (!p)
		return -ENOMEM;
	free(*slot);
	*slot = p;
	return 0;
}

int xg_cfg_set_cmdline(struct xg_config *cfg, const char *field, const char *s, struct xg_config_error *err)
{
	if (strlen(s) > XG_CMDLINE_MAX)
		return xg_cfg_bad(err, field, "is %zu bytes long; the most a guest can take is %d", strlen(s),
				  XG_CMDLINE_MAX);
	char *c = strdup(s);
	if (!c)
		return -ENOMEM;
	free(cfg->cmdline);
	cfg->cmdline = c;
	return 0;
}

int xg_cfg_check_range(const char *field, uint64_t n, uint64_t min, uint64_t max, struct xg_config_error *err)
{
	if (n > max)
		return xg_cfg_bad(err, field, "value %llu is above the maximum %llu", (unsigned long long)n,
				  (unsigned long long)max);
	if (n < min)
		return xg_cfg_bad(err, field, "value %llu is below the minimum %llu", (unsigned long long)n,
				  (unsigned long long)min);
	return 0;
}

int xg_cfg_action(const char *field, const char *s, enum xg_action *out, struct xg_config_error *err)
{
	if (!strcmp(s, "destroy"))
		*out = XG_ACTION_DESTROY;
	else if (!strcmp(s, "preserve"))
		*out = XG_ACTION_PRESERVE;
	else if (!strcmp(s, "restart"))
		*out = XG_ACTION_RESTART;
	else if (!strcmp(s, "rename-restart"))
		*out = XG_ACTION_RENAME_RESTART;
	else if (!strcmp(s, "coredump-destroy") || !strcmp(s, "coredump-restart") || !strcmp(s, "soft-reset"))
		return xg_cfg_bad(err, field,
				  "'%s' is not supported yet (use \"destroy\", \"restart\", \"rename-restart\" or "
				  "\"preserve\")",
				  s);
	else
		return xg_cfg_bad(err, field,
				  "unknown action '%.64s' (expected \"destroy\", \"restart\", \"rename-restart\" or "
				  "\"preserve\")",
				  s);
	return 0;
}

const char *xg_cfg_action_name(enum xg_action a)
{
	return xg_action_name(a);
}

int xg_cfg_check_type(const char *field, const char *s, struct xg_config_error *err)
{
	if (!strcmp(s, "pv"))
		return 0;
	if (!strcmp(s, "pvh"))
		return xg_cfg_bad(err, field, "type \"pvh\" is not supported yet");
	return xg_cfg_bad(err, field, "unknown type '%.64s' (expected \"pv\")", s);
}

int xg_cfg_check_whole(const struct xg_config *cfg, bool have_name, bool have_kernel, struct xg_config_error *err)
{
	if (!have_name)
		return xg_cfg_bad(err, "name", "is required");
	if (!have_kernel)
		return xg_cfg_bad(err, "kernel", "is required");
	if (cfg->maxmem_mib && cfg->maxmem_mib < cfg->memory_mib)
		return xg_cfg_bad(err, "maxmem", "is %llu MiB, less than memory (%llu MiB)",
				  (unsigned long long)cfg->maxmem_mib, (unsigned long long)cfg->memory_mib);
	/* libxl refuses it too (max_vcpus below avail_vcpus). */
	if (cfg->maxvcpus && cfg->maxvcpus < cfg->vcpus)
		return xg_cfg_bad(err, "maxvcpus", "is %u, less than vcpus (%u)", cfg->maxvcpus, cfg->vcpus);
	if ((uint64_t)cfg->cap > (uint64_t)cfg->vcpus * 100)
		return xg_cfg_bad(err, "cap", "is %u, more than 100 per vCPU (at most %u for %u vCPU%s)", cfg->cap,
				  cfg->vcpus * 100, cfg->vcpus, cfg->vcpus == 1 ? "" : "s");
	return 0;
}

int xg_cfg_copy(struct xg_config *dst, const struct xg_config *src)
{
	*dst = *src;
	dst->kernel = src->kernel ? strdup(src->kernel) : NULL;
	dst->cmdline = src->cmdline ? strdup(src->cmdline) : NULL;
	dst->ramdisk = src->ramdisk ? strdup(src->ramdisk) : NULL;
	if ((src->kernel && !dst->kernel) || (src->cmdline && !dst->cmdline) || (src->ramdisk && !dst->ramdisk)) {
		xg_config_dispose(dst);
		return -ENOMEM;
	}
	return 0;
}

char *xg_cfg_read_file(const char *path, int *rc, struct xg_config_error *err)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		*rc = -errno;
		snprintf(err->reason, sizeof(err->reason), "cannot open: %s", strerror(errno));
		return NULL;
	}
	size_t cap = 4096, len = 0;
	char *buf = malloc(cap);
	if (!buf)
		*rc = -ENOMEM;
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
	if (buf) {
		buf[len] = '\0';
		if (strlen(buf) != len) {
			*rc = -EINVAL;
			snprintf(err->reason, sizeof(err->reason),
				 "the file holds a NUL byte at offset %zu: not a configuration", strlen(buf));
			free(buf);
			buf = NULL;
		}
	}
	return buf;
}

/* Each format's file reader: read, then parse. */
static int load(const char *path, struct xg_config *cfg, struct xg_config_error *err,
		enum xg_config_format want, enum xg_config_format *found)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", path);
	xg_config_init(cfg);
	int rc = 0;
	char *text = xg_cfg_read_file(path, &rc, err);
	if (!text)
		return rc;
	enum xg_config_format fmt = want == XG_CONFIG_AUTO ? xg_config_detect_format(path, text) : want;
	if (found)
		*found = fmt;
	switch (fmt) {
	case XG_CONFIG_XML: rc = xg_cfg_parse_xml_text(path, text, strlen(text), cfg, err); break;
	case XG_CONFIG_XLCFG: rc = xg_cfg_parse_xlcfg_text(path, text, cfg, err); break;
	default: rc = xg_cfg_parse_json_text(path, text, cfg, err); break;
	}
	free(text);
	return rc;
}

XG_EXPORT enum xg_config_format xg_config_detect_format(const char *path, const char *text)
{
	const unsigned char *p = (const unsigned char *)text;
	if (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) /* a UTF-8 byte order mark */
		p += 3;
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
		p++;
	if (*p == '{')
		return XG_CONFIG_JSON;
	if (*p == '<')
		return XG_CONFIG_XML;
	const char *dot = path ? strrchr(path, '.') : NULL;
	if (dot && strchr(dot, '/'))
		dot = NULL;
	if (dot && !strcasecmp(dot, ".json"))
		return XG_CONFIG_JSON;
	if (dot && !strcasecmp(dot, ".xml"))
		return XG_CONFIG_XML;
	return XG_CONFIG_XLCFG;
}

XG_EXPORT const char *xg_config_format_name(enum xg_config_format fmt)
{
	switch (fmt) {
	case XG_CONFIG_JSON: return "JSON";
	case XG_CONFIG_XLCFG: return "xl.cfg";
	case XG_CONFIG_XML: return "libvirt XML";
	case XG_CONFIG_AUTO: break;
	}
	return "unknown";
}

XG_EXPORT int xg_config_load_file(const char *path, struct xg_config *cfg, struct xg_config_error *err,
				  enum xg_config_format *format)
{
	return load(path, cfg, err, XG_CONFIG_AUTO, format);
}

XG_EXPORT int xg_config_load_json(const char *path, struct xg_config *cfg, struct xg_config_error *err)
{
	return load(path, cfg, err, XG_CONFIG_JSON, NULL);
}

XG_EXPORT int xg_config_load_xlcfg(const char *path, struct xg_config *cfg, struct xg_config_error *err)
{
	return load(path, cfg, err, XG_CONFIG_XLCFG, NULL);
}

XG_EXPORT int xg_config_load_xml(const char *path, struct xg_config *cfg, struct xg_config_error *err)
{
	return load(path, cfg, err, XG_CONFIG_XML, NULL);
}
