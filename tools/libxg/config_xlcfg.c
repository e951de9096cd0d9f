/*
 * Domain configurations in Xen's xl.cfg syntax (xl.cfg(5)), and the
 * KEY=VALUE overrides `xg create` takes after the file, as xl does.
 *
 * The grammar, as xl reads it:
 *   file       := { statement }
 *   statement  := KEY '=' value end | end
 *   end        := newline | ';' | end of file
 *   value      := STRING | NUMBER | '[' { newline } [ items ] ']'
 *   items      := value { newline } { ',' { newline } value { newline } } [ ',' { newline } ]
 * KEY is [A-Za-z_][A-Za-z0-9_]*.  STRING is in single or double quotes on
 * one line, with C's backslash escapes (\n \t \\ \" \' \a \b \f \r \v
 * \xHH \ooo).  NUMBER is decimal, 0x hexadecimal or 0 octal.  '#' starts a
 * comment to the end of the line.  The whole file is parsed before any key
 * is looked at, so a syntax error anywhere is reported first.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_private.h"
#include "xg_private.h"

#define LIST_DEPTH_MAX 8

enum value_type { V_STRING, V_NUMBER, V_LIST };

struct value {
	enum value_type type;
	int line;
	char *text;          /* V_STRING: the string; V_NUMBER: as written */
	bool negative;       /* V_NUMBER */
	uint64_t magnitude;  /* V_NUMBER */
	struct value *items; /* V_LIST */
	size_t n;
};

struct statement {
	char key[64];
	int line;
	struct value v;
};

struct parser {
	const char *p;
	int line;
	char key[64]; /* the key being parsed, for errors */
	struct statement *stmts;
	size_t n, cap;
	struct xg_config_error *err;
};

static void value_free(struct value *v)
{
	free(v->text);
	for (size_t i = 0; i < v->n; i++)
		value_free(&v->items[i]);
	free(v->items);
	memset(v, 0, sizeof(*v));
}

static void statements_free(struct parser *ps)
{
	for (size_t i = 0; i < ps->n; i++)
		value_free(&ps->stmts[i].v);
	free(ps->stmts);
	ps->stmts = NULL;
	ps->n = ps->cap = 0;
}

static int syntax(struct parser *ps, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int syntax(struct parser *ps, const char *fmt, ...)
{
	char reason[sizeof(ps->err->reason) - 24];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	xg_cfg_bad(ps->err, ps->key, "line %d: %s", ps->line, reason);
	return -EINVAL;
}

/* How a character looks in an error message. */
static const char *shown(char c, char *buf, size_t size)
{
	if (c > ' ' && c < 0x7f)
		snprintf(buf, size, "'%c'", c);
	else
		snprintf(buf, size, "byte 0x%02x", (unsigned char)c);
	return buf;
}

/* Skip blanks and comments, not newlines. */
static void skip_blanks(struct parser *ps)
{
	for (;;) {
		char c = *ps->p;
		if (c == ' ' || c == '\t' || c == '\r')
			ps->p++;
		else if (c == '#')
			while (*ps->p && *ps->p != '\n')
				ps->p++;
		else
			return;
	}
}

/* Skip blanks, comments and newlines (inside lists). */
static void skip_space(struct parser *ps)
{
	for (;;) {
		skip_blanks(ps);
		if (*ps->p != '\n')
			return;
		ps->p++;
		ps->line++;
	}
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int parse_string(struct parser *ps, struct value *v)
{
	char quote = *ps->p++;
	size_t cap = 64, len = 0;
	char *out = malloc(cap);
	if (!out)
		return -ENOMEM;
	for (;;) {
		char c = *ps->p;
		if (!c || c == '\n') {
			free(out);
			return syntax(ps, "unterminated string (no closing %c on this line)", quote);
		}
		ps->p++;
		if (c == quote)
			break;
		if (c == '\\') {
			char e = *ps->p++;
			int d;
			switch (e) {
			case 'n': c = '\n'; break;
			case 't': c = '\t'; break;
			case 'r': c = '\r'; break;
			case 'a': c = '\a'; break;
			case 'b': c = '\b'; break;
			case 'f': c = '\f'; break;
			case 'v': c = '\v'; break;
			case '\\': case '"': case '\'': c = e; break;
			case 'x':
				if (hex_digit(ps->p[0]) < 0 || hex_digit(ps->p[1]) < 0) {
					free(out);
					return syntax(ps, "invalid escape: \\x needs two hexadecimal digits");
				}
				c = (char)(hex_digit(ps->p[0]) * 16 + hex_digit(ps->p[1]));
				ps->p += 2;
				break;
			default:
				if (e >= '0' && e <= '7') {
					d = e - '0';
					for (int i = 0; i < 2 && *ps->p >= '0' && *ps->p <= '7'; i++)
						d = d * 8 + (*ps->p++ - '0');
					if (d > 255) {
						free(out);
						return syntax(ps, "invalid escape: octal value %o is above 377", d);
					}
					c = (char)d;
					break;
				}
				if (!e || e == '\n') {
					free(out);
					return syntax(ps, "unterminated string (a backslash ends the line)");
				}
				char b[16];
				free(out);
				return syntax(ps, "invalid escape: backslash before %s", shown(e, b, sizeof(b)));
			}
			if (!c) {
				free(out);
				return syntax(ps, "a string must not hold a NUL character");
			}
		}
		if (len + 2 > cap) {
			char *grown = realloc(out, cap *= 2);
			if (!grown) {
				free(out);
				return -ENOMEM;
			}
			out = grown;
		}
		out[len++] = c;
	}
	out[len] = '\0';
	v->type = V_STRING;
	v->text = out;
	return 0;
}

static int parse_number(struct parser *ps, struct value *v)
{
	const char *start = ps->p;
	bool negative = *ps->p == '-';
	if (negative)
		ps->p++;
	const char *digits = ps->p;
	while (isalnum((unsigned char)*ps->p) || *ps->p == '_' || *ps->p == '.')
		ps->p++;
	size_t len = (size_t)(ps->p - start);
	char *text = strndup(start, len);
	if (!text)
		return -ENOMEM;
	const char *why = NULL;
	uint64_t n = 0;
	int base = 10;
	const char *d = digits;
	if (d[0] == '0' && (d[1] == 'x' || d[1] == 'X')) {
		base = 16;
		d += 2;
	} else if (d[0] == '0' && ps->p - d > 1) {
		base = 8;
		d++;
	}
	if (d == ps->p)
		why = "no digits";
	for (; !why && d < ps->p; d++) {
		int digit = hex_digit(*d);
		if (digit < 0 || digit >= base)
			why = base == 8 ? "not an octal digit (a leading 0 means octal)" : "not a digit";
		else if (__builtin_mul_overflow(n, (uint64_t)base, &n) || __builtin_add_overflow(n, (uint64_t)digit, &n))
			why = "too large";
	}
	if (why) {
		int rc = syntax(ps, "'%.40s' is not a number (%s; xl.cfg numbers are whole: decimal, 0x hexadecimal "
				    "or 0 octal)",
				text, why);
		free(text);
		return rc;
	}
	v->type = V_NUMBER;
	v->text = text;
	v->negative = negative && n;
	v->magnitude = n;
	return 0;
}

static int parse_value(struct parser *ps, struct value *v, int depth);

static int parse_list(struct parser *ps, struct value *v, int depth)
{
	int opened = ps->line;
	ps->p++; /* '[' */
	if (depth >= LIST_DEPTH_MAX)
		return syntax(ps, "lists nested more than %d deep", LIST_DEPTH_MAX);
	v->type = V_LIST;
	size_t cap = 0;
	skip_space(ps);
	while (*ps->p != ']') {
		if (!*ps->p)
			return syntax(ps, "unterminated list (the '[' at line %d has no ']')", opened);
		if (v->n == cap) {
			struct value *grown = realloc(v->items, (cap = cap ? cap * 2 : 4) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			v->items = grown;
		}
		memset(&v->items[v->n], 0, sizeof(v->items[0]));
		int rc = parse_value(ps, &v->items[v->n++], depth + 1);
		if (rc)
			return rc;
		skip_space(ps);
		if (*ps->p == ',') {
			ps->p++;
			skip_space(ps);
		} else if (*ps->p != ']') {
			if (!*ps->p)
				return syntax(ps, "unterminated list (the '[' at line %d has no ']')", opened);
			char b[16];
			return syntax(ps, "expected ',' or ']' in the list, found %s", shown(*ps->p, b, sizeof(b)));
		}
	}
	ps->p++;
	return 0;
}

static int parse_value(struct parser *ps, struct value *v, int depth)
{
	v->line = ps->line;
	char c = *ps->p;
	if (c == '"' || c == '\'')
		return parse_string(ps, v);
	if ((c >= '0' && c <= '9') || (c == '-' && ps->p[1] >= '0' && ps->p[1] <= '9'))
		return parse_number(ps, v);
	if (c == '[')
		return parse_list(ps, v, depth);
	if (!c || c == '\n' || c == ';')
		return syntax(ps, "expected a value after '='");
	if (isalpha((unsigned char)c) || c == '_') {
		const char *e = ps->p;
		while (isalnum((unsigned char)*e) || *e == '_' || *e == '-' || *e == '.' || *e == '/')
			e++;
		return syntax(ps, "%.*s is not a value: strings must be quoted (\"%.*s\")", (int)(e - ps->p), ps->p,
			      (int)(e - ps->p), ps->p);
	}
	char b[16];
	return syntax(ps, "expected a value, found %s", shown(c, b, sizeof(b)));
}

static int parse_statements(struct parser *ps)
{
	for (;;) {
		ps->key[0] = '\0';
		skip_blanks(ps);
		char c = *ps->p;
		if (!c)
			return 0;
		if (c == '\n') {
			ps->p++;
			ps->line++;
			continue;
		}
		if (c == ';') {
			ps->p++;
			continue;
		}
		if (!isalpha((unsigned char)c) && c != '_') {
			char b[16];
			return syntax(ps, "expected a key, found %s", shown(c, b, sizeof(b)));
		}
		const char *k = ps->p;
		while (isalnum((unsigned char)*ps->p) || *ps->p == '_')
			ps->p++;
		size_t klen = (size_t)(ps->p - k);
		if (klen >= sizeof(ps->key)) {
			return syntax(ps, "a key of %zu characters (at most %zu)", klen, sizeof(ps->key) - 1);
		}
		memcpy(ps->key, k, klen);
		ps->key[klen] = '\0';
		skip_blanks(ps);
		if (ps->p[0] == '+' && ps->p[1] == '=')
			return syntax(ps, "'+=' is not supported by XG (give the whole value with '=')");
		if (*ps->p != '=') {
			char b[16];
			return syntax(ps, "expected '=' after the key, found %s",
				      *ps->p == '\n' || !*ps->p ? "the end of the line" : shown(*ps->p, b, sizeof(b)));
		}
		ps->p++;
		skip_blanks(ps);
		if (ps->n == ps->cap) {
			struct statement *grown = realloc(ps->stmts, (ps->cap = ps->cap ? ps->cap * 2 : 16) * sizeof(*grown));
			if (!grown)
				return -ENOMEM;
			ps->stmts = grown;
		}
		struct statement *st = &ps->stmts[ps->n++];
		memset(st, 0, sizeof(*st));
		memcpy(st->key, ps->key, klen + 1);
		st->line = ps->line;
		int rc = parse_value(ps, &st->v, 0);
		if (rc)
			return rc;
		skip_blanks(ps);
		c = *ps->p;
		if (c && c != '\n' && c != ';') {
			char b[16];
			return syntax(ps, "expected the end of the line or ';' after the value, found %s",
				      shown(c, b, sizeof(b)));
		}
	}
}

/* ---- meaning -------------------------------------------------------------- */

/* Keys xl.cfg(5) defines that XG has no use for (yet): refused by name. */
static const char *const unsupported_keys[] = {
	"pvh", "seclabel", "init_seclabel", "max_grant_frames", "max_maptrack_frames", "max_grant_version",
	"nomigrate", "driver_domain", "device_tree", "passthrough", "cpus", "cpus_soft",
	"pool", "vnuma", "on_soft_reset", "bootloader", "bootloader_args",
	"bootloader_restrict", "bootloader_user", "e820_host", "iomem", "ioports", "irqs",
	"vdispl", "vsnd", "vtpm", "p9", "pvcalls", "vfb", "vkb", "vkb_device", "channel", "disk", "vif", "pci",
	"pci_permissive", "pci_msitranslate", "pci_seize", "pci_power_mgmt", "rdm", "rdm_mem_boundary", "dtdev",
	"usbctrl", "usbdev", "usb", "usbdevice", "serial", "vuart", "gfx_passthru", "tsc_mode", "localtime",
	"rtc_timeoffset", "cpuid", "nestedhvm", "altp2m", "altp2mhvm", "hap", "shadow_memory", "acpi", "acpi_s3",
	"acpi_s4", "acpi_laptop_slate", "apic", "pae", "hpet", "viridian", "timer_mode", "mmio_hole",
	"xen_platform_pci", "firmware", "bios", "bios_path_override", "firmware_override", "smbios_firmware",
	"acpi_firmware", "device_model_version", "device_model_override", "device_model_stubdomain_override",
	"device_model_stubdomain_seclabel", "device_model_args", "device_model_args_pv", "device_model_args_hvm",
	"device_model_user", "stdvga", "vga", "videoram", "vnc", "vnclisten", "vncdisplay", "vncunused",
	"vncpasswd", "keymap", "sdl", "opengl", "nographic", "spice", "spicehost", "spiceport", "spicetls_port",
	"spicedisable_ticketing", "spicepasswd", "spiceagent_mouse", "spicevdagent", "spice_clipboard_sharing",
	"spiceusbredirection", "spice_image_compression", "spice_streaming_video", "boot", "soundhw", "ms_vm_genid",
	"pvshim", "pvshim_path", "pvshim_cmdline", "pvshim_extra", "dm_restrict", "vpmu", "gic_version", "tee",
	"nr_spis", "trap_unmapped_accesses", "sve", "max_altp2m", "vcpu_hard_affinity", "vcpu_soft_affinity",
	"event_channels", "sched", "claim_mode", "xend_dev",
};

struct apply_state {
	struct xg_config *cfg;
	const char *path;         /* anchors relative paths; NULL: as given */
	bool overrides;           /* applying command-line overrides */
	bool have_name, have_kernel;
	const struct statement *seen[24]; /* the keys taken, by index in keys[] */
	const char *root, *extra, *cmdline;
	int root_line, extra_line, cmdline_line;
};

static const char *const keys[] = {
	"name", "uuid", "type", "builder", "kernel", "ramdisk", "cmdline", "root", "extra", "memory", "maxmem",
	"vcpus", "on_poweroff", "on_crash", "on_reboot", "on_watchdog", "maxvcpus", "cpu_weight", "cap", "max_event_channels",
};
_Static_assert(sizeof(keys) / sizeof(keys[0]) <= 24, "apply_state.seen holds every key");

static const char *type_of(const struct value *v)
{
	return v->type == V_STRING ? "a string" : v->type == V_NUMBER ? "a number" : "a list";
}

static int want_string(const struct statement *st, const char **out, struct xg_config_error *err)
{
	if (st->v.type != V_STRING)
		return xg_cfg_bad(err, st->key, "expected a quoted string, got %s", type_of(&st->v));
	*out = st->v.text;
	return 0;
}

static int want_number(const struct statement *st, const char *unit, uint64_t min, uint64_t max, uint64_t *out,
		       struct xg_config_error *err)
{
	if (st->v.type != V_NUMBER)
		return xg_cfg_bad(err, st->key, "expected a number%s%s, got %s", *unit ? " " : "", unit,
				  type_of(&st->v));
	if (st->v.negative)
		return xg_cfg_bad(err, st->key, "value %s is below the minimum %llu", st->v.text,
				  (unsigned long long)min);
	int rc = xg_cfg_check_range(st->key, st->v.magnitude, min, max, err);
	if (!rc)
		*out = st->v.magnitude;
	return rc;
}

static int apply_one(struct apply_state *as, const struct statement *st, struct xg_config_error *err)
{
	struct xg_config *cfg = as->cfg;
	const char *key = st->key, *s = NULL;
	uint64_t n;
	size_t k;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (!strcmp(key, keys[k]))
			break;
	if (k == sizeof(keys) / sizeof(keys[0])) {
		for (size_t i = 0; i < sizeof(unsupported_keys) / sizeof(unsupported_keys[0]); i++)
			if (!strcmp(key, unsupported_keys[i]))
				return xg_cfg_bad(err, key, "'%s' is not supported by XG", key);
		return xg_cfg_bad(err, key, "unknown key");
	}
	if (as->seen[k])
		return xg_cfg_bad(err, key, as->overrides ? "is overridden twice (first by override %d)"
							  : "is set twice (first at line %d)",
				  as->seen[k]->line);
	as->seen[k] = st;
	if (!strcmp(key, "name")) {
		int rc = want_string(st, &s, err);
		if (!rc && !(rc = xg_cfg_set_name(cfg, key, s, err)))
			as->have_name = true;
		return rc;
	}
	if (!strcmp(key, "uuid")) {
		int rc = want_string(st, &s, err);
		return rc ? rc : xg_cfg_set_uuid(cfg, key, s, err);
	}
	if (!strcmp(key, "type")) {
		int rc = want_string(st, &s, err);
		return rc ? rc : xg_cfg_check_type(key, s, err);
	}
	if (!strcmp(key, "builder")) {
		int rc = want_string(st, &s, err);
		if (rc || !strcmp(s, "generic"))
			return rc;
		return xg_cfg_bad(err, key, "builder '%.64s' is not supported by XG (\"generic\", a PV guest, is)", s);
	}
	if (!strcmp(key, "kernel")) {
		int rc = want_string(st, &s, err);
		if (!rc && !(rc = xg_cfg_set_path(&cfg->kernel, as->path, key, s, false, err)))
			as->have_kernel = true;
		return rc;
	}
	if (!strcmp(key, "ramdisk")) {
		int rc = want_string(st, &s, err);
		return rc ? rc : xg_cfg_set_path(&cfg->ramdisk, as->path, key, s, true, err);
	}
	if (!strcmp(key, "cmdline") || !strcmp(key, "root") || !strcmp(key, "extra")) {
		if (as->overrides && strcmp(key, "cmdline"))
			return xg_cfg_bad(err, key,
					  "'%s' cannot be overridden: give the whole command line with cmdline=\"...\"",
					  key);
		int rc = want_string(st, &s, err);
		if (rc)
			return rc;
		if (!strcmp(key, "cmdline")) {
			as->cmdline = s;
			as->cmdline_line = st->line;
		} else if (!strcmp(key, "root")) {
			as->root = s;
			as->root_line = st->line;
		} else {
			as->extra = s;
			as->extra_line = st->line;
		}
		if (as->cmdline && (as->root || as->extra)) {
			bool is_cmdline = !strcmp(key, "cmdline");
			const char *other = is_cmdline ? (as->root ? "root" : "extra") : "cmdline";
			int other_line = is_cmdline ? (as->root ? as->root_line : as->extra_line) : as->cmdline_line;
			return xg_cfg_bad(err, key,
					  "'%s' together with '%s' (line %d): xl would ignore root and extra; give "
					  "either cmdline or root and extra",
					  key, other, other_line);
		}
		return 0;
	}
	if (!strcmp(key, "memory") || !strcmp(key, "maxmem")) {
		int rc = want_number(st, "of MiB", 1, XG_MEMORY_MAX_MIB, &n, err);
		if (!rc)
			*(!strcmp(key, "memory") ? &cfg->memory_mib : &cfg->maxmem_mib) = n;
		return rc;
	}
	if (!strcmp(key, "vcpus") || !strcmp(key, "maxvcpus")) {
		int rc = want_number(st, "", 1, XG_VCPUS_MAX, &n, err);
		if (!rc)
			*(!strcmp(key, "vcpus") ? &cfg->vcpus : &cfg->maxvcpus) = (uint32_t)n;
		return rc;
	}
	if (!strcmp(key, "max_event_channels")) {
		int rc = want_number(st, "", 1, XG_EVENT_CHANNELS_MAX, &n, err);
		if (!rc)
			cfg->max_event_channels = (uint32_t)n;
		return rc;
	}
	if (!strcmp(key, "cpu_weight")) {
		int rc = want_number(st, "", 1, XG_SCHED_WEIGHT_MAX, &n, err);
		if (!rc)
			cfg->weight = (uint32_t)n;
		return rc;
	}
	if (!strcmp(key, "cap")) {
		int rc = want_number(st, "(percent of one host CPU)", 0, XG_CAP_MAX, &n, err);
		if (!rc)
			cfg->cap = (uint32_t)n;
		return rc;
	}
	/* on_poweroff, on_crash, on_reboot, on_watchdog */
	enum xg_action *action = !strcmp(key, "on_poweroff") ? &cfg->on_poweroff
				 : !strcmp(key, "on_crash")  ? &cfg->on_crash
				 : !strcmp(key, "on_reboot") ? &cfg->on_reboot
							     : &cfg->on_watchdog;
	int rc = want_string(st, &s, err);
	return rc ? rc : xg_cfg_action(key, s, action, err);
}

/* The command line xl builds: cmdline, else "root=ROOT EXTRA". */
static int finish_cmdline(struct apply_state *as, struct xg_config_error *err)
{
	if (as->cmdline) {
		int rc = xg_cfg_set_cmdline(as->cfg, "cmdline", as->cmdline, err);
		if (rc == -EINVAL && !as->overrides)
			xg_cfg_at_line(err, as->cmdline_line);
		return rc;
	}
	if (!as->root && !as->extra)
		return 0;
	char *line = NULL;
	int n = as->root && as->extra ? asprintf(&line, "root=%s %s", as->root, as->extra)
		: as->root	      ? asprintf(&line, "root=%s", as->root)
					      : asprintf(&line, "%s", as->extra);
	if (n < 0)
		return -ENOMEM;
	const char *field = as->extra ? "extra" : "root";
	int rc = xg_cfg_set_cmdline(as->cfg, field, line, err);
	if (rc == -EINVAL)
		snprintf(err->reason, sizeof(err->reason),
			 "the command line xl makes of root and extra (\"root=ROOT EXTRA\") is %zu bytes long; the "
			 "most a guest can take is %d",
			 strlen(line), XG_CMDLINE_MAX);
	free(line);
	if (rc == -EINVAL && !as->overrides)
		xg_cfg_at_line(err, as->extra ? as->extra_line : as->root_line);
	return rc;
}

int xg_cfg_parse_xlcfg_text(const char *path, const char *text, struct xg_config *cfg,
			    struct xg_config_error *err)
{
	xg_config_init(cfg);
	struct parser ps = { .p = text, .line = 1, .err = err };
	int rc = parse_statements(&ps);
	struct apply_state as = { .cfg = cfg, .path = path };
	for (size_t i = 0; !rc && i < ps.n; i++) {
		rc = apply_one(&as, &ps.stmts[i], err);
		if (rc == -EINVAL)
			xg_cfg_at_line(err, ps.stmts[i].line);
	}
	if (!rc)
		rc = finish_cmdline(&as, err);
	if (!rc)
		rc = xg_cfg_check_whole(cfg, as.have_name, as.have_kernel, err);
	if (rc == -EINVAL && err->field[0] && !strncmp(err->reason, "is required", 11))
		snprintf(err->reason, sizeof(err->reason), "is required (%s = ... is missing)", err->field);
	statements_free(&ps);
	if (rc)
		xg_config_dispose(cfg);
	return rc;
}

XG_EXPORT int xg_config_parse_xlcfg(const char *text, struct xg_config *cfg, struct xg_config_error *err)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "(configuration text)");
	return xg_cfg_parse_xlcfg_text(NULL, text, cfg, err);
}

XG_EXPORT int xg_config_apply_overrides(struct xg_config *cfg, const char *const *overrides, size_t n,
					struct xg_config_error *err)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "(command line)");
	struct xg_config work;
	int rc = xg_cfg_copy(&work, cfg);
	if (rc)
		return rc;
	struct parser *all = calloc(n ? n : 1, sizeof(*all));
	if (!all) {
		xg_config_dispose(&work);
		return -ENOMEM;
	}
	struct apply_state as = { .cfg = &work, .overrides = true, .have_name = true, .have_kernel = true };
	size_t parsed = 0;
	for (size_t i = 0; !rc && i < n; i++) {
		struct parser *ps = &all[parsed++];
		ps->p = overrides[i];
		ps->line = (int)i + 1;
		ps->err = err;
		if (strchr(overrides[i], '\n'))
			rc = xg_cfg_bad(err, "", "must be one line");
		else if (!(rc = parse_statements(ps)) && ps->n != 1)
			rc = xg_cfg_bad(err, ps->n ? ps->stmts[1].key : "",
					ps->n ? "one KEY=VALUE per argument" : "expected KEY=VALUE");
		if (!rc)
			rc = apply_one(&as, &ps->stmts[0], err);
		if (rc == -EINVAL) {
			/* Parse errors carry "line N: " for the override's number. */
			const char *reason = err->reason;
			if (!strncmp(reason, "line ", 5) && strstr(reason, ": "))
				reason = strstr(reason, ": ") + 2;
			char why[sizeof(err->reason)];
			memcpy(why, reason, strnlen(reason, sizeof(why) - 1) + 1);
			why[sizeof(why) - 1] = '\0';
			snprintf(err->reason, sizeof(err->reason), "override %zu '%.60s': %.150s", i + 1, overrides[i],
				 why);
		}
	}
	if (!rc)
		rc = finish_cmdline(&as, err);
	if (!rc)
		rc = xg_cfg_check_whole(&work, true, true, err);
	for (size_t i = 0; i < parsed; i++)
		statements_free(&all[i]);
	free(all);
	if (rc) {
		xg_config_dispose(&work);
		return rc;
	}
	xg_config_dispose(cfg);
	*cfg = work;
	return 0;
}
