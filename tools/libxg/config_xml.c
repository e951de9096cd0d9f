/*
 * Domain configurations in libvirt's domain XML (<domain type='xen'>),
 * read and written with libxml2.  Only what maps onto struct xg_config is
 * taken; every other element or attribute is an error naming it, so
 * nothing in a file goes unnoticed (docs/config.md).
 */
#include <errno.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlerror.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uuid/uuid.h>

#include "config_private.h"
#include "xg_private.h"

static pthread_once_t xml_once = PTHREAD_ONCE_INIT;

static void xml_init(void)
{
	xmlInitParser();
}

static const char *name_of(const xmlNode *n)
{
	return (const char *)n->name;
}

static int line_of(const xmlNode *n)
{
	long l = xmlGetLineNo(n);
	return l > 0 && l < INT_MAX ? (int)l : 0;
}

static int bad_at(struct xg_config_error *err, const xmlNode *n, const char *field, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static int bad_at(struct xg_config_error *err, const xmlNode *n, const char *field, const char *fmt, ...)
{
	char reason[sizeof(err->reason) - 24];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return xg_cfg_bad(err, field, "line %d: %s", line_of(n), reason);
}

/* An error from the common value rules, placed at the node's line. */
static int at(int rc, struct xg_config_error *err, const xmlNode *n)
{
	if (rc == -EINVAL)
		xg_cfg_at_line(err, line_of(n));
	return rc;
}

/* Refuse attributes other than those allowed (NULL-terminated). */
static int check_attrs(const xmlNode *n, const char *field, const char *const *allowed,
		       struct xg_config_error *err)
{
	for (const xmlAttr *a = n->properties; a; a = a->next) {
		bool ok = !a->ns;
		if (ok) {
			ok = false;
			for (const char *const *p = allowed; p && *p; p++)
				ok = ok || !strcmp((const char *)a->name, *p);
		}
		if (!ok)
			return bad_at(err, n, field, "attribute '%s' of <%s> is not supported by XG",
				      (const char *)a->name, name_of(n));
	}
	return 0;
}

/* An attribute's value, or NULL when absent; *out is malloc'd by libxml2. */
static char *attr(const xmlNode *n, const char *name)
{
	return (char *)xmlGetNoNsProp(n, (const xmlChar *)name);
}

/* Only comments, processing instructions and white space may sit between
 * elements. */
static int check_other(const xmlNode *c, const char *field, struct xg_config_error *err)
{
	switch (c->type) {
	case XML_COMMENT_NODE:
	case XML_PI_NODE:
		return 0;
	case XML_TEXT_NODE:
	case XML_CDATA_SECTION_NODE:
		for (const xmlChar *p = c->content; p && *p; p++) {
			if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
				continue;
			/* Text nodes carry no reliable line of their own: name the
			 * element before it (or the one it is in). */
			const xmlNode *near = c->prev;
			while (near && near->type != XML_ELEMENT_NODE)
				near = near->prev;
			int len = (int)strcspn((const char *)p, "\r\n");
			return bad_at(err, near ? near : c->parent, field, "text outside an element %s <%s>: '%.*s'",
				      near ? "after" : "in", name_of(near ? near : c->parent), len < 40 ? len : 40,
				      (const char *)p);
		}
		return 0;
	case XML_ENTITY_REF_NODE:
		return bad_at(err, c, field, "entity references (&%s;) are not accepted", name_of(c));
	default:
		return bad_at(err, c, field, "unexpected XML node (type %d)", (int)c->type);
	}
}

/* The text an element holds (no child elements); malloc'd in *out. */
static int text_of(const xmlNode *n, const char *field, char **out, struct xg_config_error *err)
{
	size_t len = 0;
	char *s = strdup("");
	if (!s)
		return -ENOMEM;
	for (const xmlNode *c = n->children; c; c = c->next) {
		if (c->type == XML_COMMENT_NODE || c->type == XML_PI_NODE)
			continue;
		if (c->type == XML_ELEMENT_NODE) {
			free(s);
			return bad_at(err, c, field, "<%s> must hold text only, found <%s>", name_of(n), name_of(c));
		}
		if (c->type == XML_ENTITY_REF_NODE) {
			free(s);
			return bad_at(err, c, field, "entity references (&%s;) are not accepted", name_of(c));
		}
		if (c->type != XML_TEXT_NODE && c->type != XML_CDATA_SECTION_NODE)
			continue;
		size_t add = c->content ? strlen((const char *)c->content) : 0;
		char *grown = realloc(s, len + add + 1);
		if (!grown) {
			free(s);
			return -ENOMEM;
		}
		s = grown;
		memcpy(s + len, c->content, add);
		len += add;
		s[len] = '\0';
	}
	*out = s;
	return 0;
}

/* A whole number, with white space around it allowed. */
static int number_of(const xmlNode *n, const char *field, const char *s, uint64_t *out, struct xg_config_error *err)
{
	const char *p = s;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	uint64_t v = 0;
	const char *digits = p;
	for (; *p >= '0' && *p <= '9'; p++)
		if (__builtin_mul_overflow(v, 10, &v) || __builtin_add_overflow(v, (uint64_t)(*p - '0'), &v))
			return bad_at(err, n, field, "'%.40s' is too large", digits);
	const char *end = p;
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	if (end == digits || *p)
		return bad_at(err, n, field, "'%.40s' is not a whole number", s);
	*out = v;
	return 0;
}

static const struct {
	const char *name;
	uint64_t bytes;
} units[] = {
	{ "b", 1 },
	{ "bytes", 1 },
	{ "KB", 1000ull },
	{ "k", 1ull << 10 },
	{ "KiB", 1ull << 10 },
	{ "MB", 1000000ull },
	{ "M", 1ull << 20 },
	{ "MiB", 1ull << 20 },
	{ "GB", 1000000000ull },
	{ "G", 1ull << 30 },
	{ "GiB", 1ull << 30 },
	{ "TB", 1000000000000ull },
	{ "T", 1ull << 40 },
	{ "TiB", 1ull << 40 },
	{ "PB", 1000000000000000ull },
	{ "P", 1ull << 50 },
	{ "PiB", 1ull << 50 },
	{ "EB", 1000000000000000000ull },
	{ "E", 1ull << 60 },
	{ "EiB", 1ull << 60 },
};

/* <memory> and <currentMemory>: a size with a unit (KiB by default), to
 * be a whole number of MiB. */
static int memory_of(const xmlNode *n, const char *field, uint64_t *mib, struct xg_config_error *err)
{
	static const char *const allowed[] = { "unit", NULL };
	int rc = check_attrs(n, field, allowed, err);
	if (rc)
		return rc;
	char *unit = attr(n, "unit");
	uint64_t mult = 1024;
	if (unit) {
		size_t i;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (!strcmp(unit, units[i].name))
				break;
		if (i == sizeof(units) / sizeof(units[0])) {
			rc = bad_at(err, n, field, "unknown unit '%.32s' (b, KB, KiB, MB, MiB, GB, GiB, TB, TiB, ...)",
				    unit);
			xmlFree(unit);
			return rc;
		}
		mult = units[i].bytes;
	}
	char *text = NULL;
	uint64_t v = 0, bytes;
	if ((rc = text_of(n, field, &text, err)) || (rc = number_of(n, field, text, &v, err)))
		goto out;
	if (__builtin_mul_overflow(v, mult, &bytes)) {
		rc = bad_at(err, n, field, "%llu %s overflows: more than 2^64 bytes", (unsigned long long)v,
			    unit ? unit : "KiB");
		goto out;
	}
	if (bytes % (1ull << 20)) {
		rc = bad_at(err, n, field, "%llu %s is not a whole number of MiB (XG gives domains memory in MiB)",
			    (unsigned long long)v, unit ? unit : "KiB");
		goto out;
	}
	*mib = bytes >> 20;
	if ((rc = xg_cfg_check_range(field, *mib, 1, XG_MEMORY_MAX_MIB, err)))
		snprintf(err->reason, sizeof(err->reason), "line %d: %llu MiB is %s", line_of(n),
			 (unsigned long long)*mib,
			 *mib ? "above the maximum 1048576 MiB" : "below the minimum 1 MiB");
out:
	xmlFree(unit);
	free(text);
	return rc;
}

/* Checks that an element appears once; first[] keeps where it did. */
static int once(const xmlNode *n, const char *field, const xmlNode **first, struct xg_config_error *err)
{
	if (*first)
		return bad_at(err, n, field, "<%s> appears twice (first at line %d)", name_of(n), line_of(*first));
	*first = n;
	return 0;
}

struct xml_state {
	struct xg_config *cfg;
	const char *path;
	const xmlNode *name, *uuid, *memory, *current, *vcpu, *os, *poweroff, *reboot, *crash, *devices;
	const xmlNode *cputune, *shares;
	const xmlNode *type, *kernel, *initrd, *cmdline, *console;
	uint64_t memory_mib, current_mib;
};

static int parse_os(struct xml_state *st, const xmlNode *os, struct xg_config_error *err)
{
	int rc = check_attrs(os, "os", NULL, err);
	for (const xmlNode *c = os->children; c && !rc; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			rc = check_other(c, "os", err);
			continue;
		}
		char field[80];
		snprintf(field, sizeof(field), "os/%.60s", name_of(c));
		if (c->ns) {
			rc = bad_at(err, c, field, "<%s> in a namespace is not supported by XG", name_of(c));
			break;
		}
		char *text = NULL;
		if (!strcmp(name_of(c), "type")) {
			static const char *const allowed[] = { "arch", "machine", NULL };
			if ((rc = once(c, field, &st->type, err)) || (rc = check_attrs(c, field, allowed, err)) ||
			    (rc = text_of(c, field, &text, err)))
				break;
			char *arch = attr(c, "arch"), *machine = attr(c, "machine");
			if (arch && strcmp(arch, "x86_64") && strcmp(arch, "i686"))
				rc = bad_at(err, c, field, "arch '%.32s' is not supported by XG (x86_64 or i686)", arch);
			else if (machine && strcmp(machine, "xenpv"))
				rc = bad_at(err, c, field, "machine '%.32s' is not supported by XG (xenpv)", machine);
			else if (!strcmp(text, "xenpvh"))
				rc = bad_at(err, c, field, "os type 'xenpvh' (PVH) is not supported yet");
			else if (!strcmp(text, "hvm"))
				rc = bad_at(err, c, field, "os type 'hvm' is not supported by XG (PV guests only)");
			else if (strcmp(text, "linux") && strcmp(text, "xen"))
				rc = bad_at(err, c, field, "unknown os type '%.40s' (expected 'linux', a PV guest)", text);
			xmlFree(arch);
			xmlFree(machine);
		} else if (!strcmp(name_of(c), "kernel") || !strcmp(name_of(c), "initrd")) {
			bool kernel = !strcmp(name_of(c), "kernel");
			if (!(rc = once(c, field, kernel ? &st->kernel : &st->initrd, err)) &&
			    !(rc = check_attrs(c, field, NULL, err)) && !(rc = text_of(c, field, &text, err)))
				rc = at(xg_cfg_set_path(kernel ? &st->cfg->kernel : &st->cfg->ramdisk, st->path, field,
							text, !kernel, err),
					err, c);
		} else if (!strcmp(name_of(c), "cmdline")) {
			if (!(rc = once(c, field, &st->cmdline, err)) && !(rc = check_attrs(c, field, NULL, err)) &&
			    !(rc = text_of(c, field, &text, err)))
				rc = at(xg_cfg_set_cmdline(st->cfg, field, text, err), err, c);
		} else {
			rc = bad_at(err, c, field, "<%s> is not supported by XG", name_of(c));
		}
		free(text);
	}
	if (!rc && !st->type)
		rc = bad_at(err, os, "os/type", "<os> needs <type>linux</type>");
	return rc;
}

/* <cputune> holding at most <shares>, the weight as libvirt's libxl driver
 * maps it (b_info->sched_params.weight = cputune.shares). */
static int parse_cputune(struct xml_state *st, const xmlNode *cputune, struct xg_config_error *err)
{
	int rc = check_attrs(cputune, "cputune", NULL, err);
	for (const xmlNode *c = cputune->children; c && !rc; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			rc = check_other(c, "cputune", err);
			continue;
		}
		char field[80];
		snprintf(field, sizeof(field), "cputune/%.60s", name_of(c));
		char *text = NULL;
		uint64_t n = 0;
		if (c->ns)
			rc = bad_at(err, c, field, "<%s> in a namespace is not supported by XG", name_of(c));
		else if (strcmp(name_of(c), "shares"))
			rc = bad_at(err, c, field, "<%s> is not supported by XG (only <shares>, the CPU weight)",
				    name_of(c));
		else if (!(rc = once(c, field, &st->shares, err)) && !(rc = check_attrs(c, field, NULL, err)) &&
			 !(rc = text_of(c, field, &text, err)) && !(rc = number_of(c, field, text, &n, err)) &&
			 !(rc = at(xg_cfg_check_range(field, n, 1, XG_SCHED_WEIGHT_MAX, err), err, c)))
			st->cfg->weight = (uint32_t)n;
		free(text);
	}
	return rc;
}

static int parse_devices(struct xml_state *st, const xmlNode *devices, struct xg_config_error *err)
{
	int rc = check_attrs(devices, "devices", NULL, err);
	for (const xmlNode *c = devices->children; c && !rc; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			rc = check_other(c, "devices", err);
			continue;
		}
		char field[80];
		snprintf(field, sizeof(field), "devices/%.50s", name_of(c));
		if (c->ns || strcmp(name_of(c), "console")) {
			rc = bad_at(err, c, field, "device <%s> is not supported by XG (only <console type='pty'/>)",
				    name_of(c));
			break;
		}
		static const char *const allowed[] = { "type", NULL };
		if ((rc = once(c, field, &st->console, err)) || (rc = check_attrs(c, field, allowed, err)))
			break;
		char *type = attr(c, "type");
		if (!type || strcmp(type, "pty"))
			rc = bad_at(err, c, field, "console type '%.32s' is not supported by XG (only 'pty')",
				    type ? type : "(none)");
		xmlFree(type);
		/* The console's one optional child: <target type='xen' port='0'/>. */
		for (const xmlNode *t = c->children; t && !rc; t = t->next) {
			if (t->type != XML_ELEMENT_NODE) {
				rc = check_other(t, field, err);
				continue;
			}
			if (strcmp(name_of(t), "target") || t->children) {
				rc = bad_at(err, t, field, "<%s> in <console> is not supported by XG", name_of(t));
				break;
			}
			static const char *const target_attrs[] = { "type", "port", NULL };
			if ((rc = check_attrs(t, field, target_attrs, err)))
				break;
			char *tt = attr(t, "type"), *port = attr(t, "port");
			if (tt && strcmp(tt, "xen"))
				rc = bad_at(err, t, field, "console target type '%.32s' is not supported by XG (only 'xen')",
					    tt);
			else if (port && strcmp(port, "0"))
				rc = bad_at(err, t, field, "console port %.32s is not supported by XG (only port 0)", port);
			xmlFree(tt);
			xmlFree(port);
		}
	}
	return rc;
}

static int parse_domain(struct xml_state *st, const xmlNode *root, struct xg_config_error *err)
{
	struct xg_config *cfg = st->cfg;
	if (root->ns)
		return bad_at(err, root, "", "<domain> in a namespace is not libvirt's domain XML");
	static const char *const allowed[] = { "type", NULL };
	int rc = check_attrs(root, "", allowed, err);
	if (rc)
		return rc;
	char *type = attr(root, "type");
	if (!type || strcmp(type, "xen"))
		rc = bad_at(err, root, "", "domain type '%.32s' is not supported by XG (<domain type='xen'>)",
			    type ? type : "(none)");
	xmlFree(type);
	for (const xmlNode *c = root->children; c && !rc; c = c->next) {
		if (c->type != XML_ELEMENT_NODE) {
			rc = check_other(c, "", err);
			continue;
		}
		const char *el = name_of(c);
		char *text = NULL;
		if (c->ns) {
			rc = bad_at(err, c, el, "<%s> in a namespace is not supported by XG", el);
		} else if (!strcmp(el, "name") || !strcmp(el, "uuid")) {
			bool is_name = !strcmp(el, "name");
			if (!(rc = once(c, el, is_name ? &st->name : &st->uuid, err)) &&
			    !(rc = check_attrs(c, el, NULL, err)) && !(rc = text_of(c, el, &text, err)))
				rc = at(is_name ? xg_cfg_set_name(cfg, el, text, err) : xg_cfg_set_uuid(cfg, el, text, err),
					err, c);
		} else if (!strcmp(el, "memory")) {
			if (!(rc = once(c, el, &st->memory, err)))
				rc = memory_of(c, el, &st->memory_mib, err);
		} else if (!strcmp(el, "currentMemory")) {
			if (!(rc = once(c, el, &st->current, err)))
				rc = memory_of(c, el, &st->current_mib, err);
		} else if (!strcmp(el, "vcpu")) {
			static const char *const vcpu_attrs[] = { "placement", "current", NULL };
			uint64_t n = 0, cur = 0;
			char *placement = NULL, *current = NULL;
			if (!(rc = once(c, el, &st->vcpu, err)) && !(rc = check_attrs(c, el, vcpu_attrs, err)) &&
			    !(rc = text_of(c, el, &text, err)) && !(rc = number_of(c, el, text, &n, err)) &&
			    !(rc = at(xg_cfg_check_range(el, n, 1, XG_VCPUS_MAX, err), err, c))) {
				placement = attr(c, "placement");
				current = attr(c, "current");
				if (placement && strcmp(placement, "static"))
					rc = bad_at(err, c, el, "placement '%.32s' is not supported by XG (only 'static')",
						    placement);
				else if (current && !(rc = number_of(c, el, current, &cur, err)) && (cur < 1 || cur > n))
					rc = bad_at(err, c, el, "current='%llu' must be between 1 and the count, %llu",
						    (unsigned long long)cur, (unsigned long long)n);
				/* libvirt's count is the maximum, current those online at boot. */
				if (!rc && current && cur < n) {
					cfg->vcpus = (uint32_t)cur;
					cfg->maxvcpus = (uint32_t)n;
				} else if (!rc) {
					cfg->vcpus = (uint32_t)n;
				}
			}
			xmlFree(placement);
			xmlFree(current);
		} else if (!strcmp(el, "os")) {
			if (!(rc = once(c, el, &st->os, err)))
				rc = parse_os(st, c, err);
		} else if (!strcmp(el, "on_poweroff") || !strcmp(el, "on_crash") || !strcmp(el, "on_reboot")) {
			const xmlNode **seen = !strcmp(el, "on_poweroff") ? &st->poweroff
					       : !strcmp(el, "on_crash")  ? &st->crash
									  : &st->reboot;
			enum xg_action *action = !strcmp(el, "on_poweroff") ? &cfg->on_poweroff
						 : !strcmp(el, "on_crash")  ? &cfg->on_crash
									    : &cfg->on_reboot;
			if (!(rc = once(c, el, seen, err)) && !(rc = check_attrs(c, el, NULL, err)) &&
			    !(rc = text_of(c, el, &text, err)))
				rc = at(xg_cfg_action(el, text, action, err), err, c);
		} else if (!strcmp(el, "cputune")) {
			if (!(rc = once(c, el, &st->cputune, err)))
				rc = parse_cputune(st, c, err);
		} else if (!strcmp(el, "devices")) {
			if (!(rc = once(c, el, &st->devices, err)))
				rc = parse_devices(st, c, err);
		} else {
			rc = bad_at(err, c, el, "<%s> is not supported by XG", el);
		}
		free(text);
	}
	if (rc)
		return rc;
	if (st->current && !st->memory)
		return bad_at(err, st->current, "memory", "<currentMemory> without <memory>");
	if (st->memory) {
		uint64_t cur = st->current ? st->current_mib : st->memory_mib;
		if (cur > st->memory_mib)
			return bad_at(err, st->current, "currentMemory",
				      "%llu MiB is more than <memory> (%llu MiB), the most the domain may have",
				      (unsigned long long)cur, (unsigned long long)st->memory_mib);
		cfg->memory_mib = cur;
		cfg->maxmem_mib = st->memory_mib > cur ? st->memory_mib : 0;
	}
	rc = xg_cfg_check_whole(cfg, st->name, st->kernel, err);
	if (rc == -EINVAL && !strcmp(err->field, "kernel"))
		snprintf(err->reason, sizeof(err->reason), "is required (<os><kernel>PATH</kernel></os>)");
	else if (rc == -EINVAL && !strcmp(err->field, "name"))
		snprintf(err->reason, sizeof(err->reason), "is required (<name>NAME</name>)");
	if (rc == -EINVAL && !strcmp(err->field, "kernel"))
		snprintf(err->field, sizeof(err->field), "os/kernel");
	return rc;
}

int xg_cfg_parse_xml_text(const char *path, const char *text, size_t len, struct xg_config *cfg,
			  struct xg_config_error *err)
{
	xg_config_init(cfg);
	pthread_once(&xml_once, xml_init);
	if (len > INT_MAX)
		return xg_cfg_bad(err, "", "the text is too long");
	xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
	if (!ctxt)
		return -ENOMEM;
	xmlDocPtr doc = xmlCtxtReadMemory(ctxt, text, (int)len, NULL, NULL,
					  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
						  XML_PARSE_BIG_LINES);
	int rc;
	if (!doc) {
		const xmlError *e = xmlCtxtGetLastError(ctxt);
		char msg[200] = "unknown error";
		if (e && e->message) {
			snprintf(msg, sizeof(msg), "%s", e->message);
			size_t n = strlen(msg);
			while (n && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
				msg[--n] = '\0';
		}
		rc = xg_cfg_bad(err, "", "line %d: malformed XML: %s", e ? e->line : 0, msg);
	} else if (doc->intSubset || doc->extSubset) {
		/* The DTD node has no line: find the declaration in the text. */
		const char *d = strstr(text, "<!DOCTYPE");
		int line = 1;
		for (const char *q = text; d && q < d; q++)
			line += *q == '\n';
		rc = xg_cfg_bad(err, "", "line %d: a DOCTYPE is not accepted in a domain configuration", line);
	} else {
		const xmlNode *root = xmlDocGetRootElement(doc);
		if (!root)
			rc = xg_cfg_bad(err, "", "no root element (expected <domain type='xen'>)");
		else if (strcmp(name_of(root), "domain"))
			rc = bad_at(err, root, "", "the root element is <%.40s>, expected <domain type='xen'>",
				    name_of(root));
		else {
			struct xml_state st = { .cfg = cfg, .path = path };
			rc = parse_domain(&st, root, err);
		}
	}
	if (doc)
		xmlFreeDoc(doc);
	xmlFreeParserCtxt(ctxt);
	if (rc)
		xg_config_dispose(cfg);
	return rc;
}

XG_EXPORT int xg_config_parse_xml(const char *text, size_t len, struct xg_config *cfg, struct xg_config_error *err)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "(configuration text)");
	return xg_cfg_parse_xml_text(NULL, text, len, cfg, err);
}

/* ---- writing -------------------------------------------------------------- */

/* Whether XML 1.0 can carry s as element text. */
static int carriable(const char *what, const char *s)
{
	if (!xmlCheckUTF8((const xmlChar *)s))
		return xg_error(-EINVAL, "the %s is not valid UTF-8: XML cannot carry it", what);
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 && *p != '\t' && *p != '\n' && *p != '\r')
			return xg_error(-EINVAL, "the %s holds control character 0x%02x: XML 1.0 cannot carry it", what,
					*p);
	return 0;
}

static bool add_text(xmlNode *parent, const char *name, const char *text)
{
	return xmlNewTextChild(parent, NULL, (const xmlChar *)name, (const xmlChar *)text) != NULL;
}

XG_EXPORT char *xg_config_to_xml(const struct xg_config *cfg)
{
	pthread_once(&xml_once, xml_init);
	if (carriable("name", cfg->name) || (cfg->kernel && carriable("kernel path", cfg->kernel)) ||
	    (cfg->ramdisk && carriable("ramdisk path", cfg->ramdisk)) ||
	    (cfg->cmdline && carriable("command line", cfg->cmdline)))
		return NULL;
	char uuid[37], num[32];
	uuid_unparse_lower(cfg->uuid, uuid);
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNode *root = doc ? xmlNewNode(NULL, (const xmlChar *)"domain") : NULL;
	bool ok = root != NULL;
	if (ok) {
		xmlDocSetRootElement(doc, root);
		ok = xmlNewProp(root, (const xmlChar *)"type", (const xmlChar *)"xen") && add_text(root, "name", cfg->name) &&
		     add_text(root, "uuid", uuid);
	}
	uint64_t max = cfg->maxmem_mib > cfg->memory_mib ? cfg->maxmem_mib : cfg->memory_mib;
	xmlNode *n;
	if (ok) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)max * 1024);
		ok = (n = xmlNewTextChild(root, NULL, (const xmlChar *)"memory", (const xmlChar *)num)) &&
		     xmlNewProp(n, (const xmlChar *)"unit", (const xmlChar *)"KiB");
	}
	if (ok) {
		snprintf(num, sizeof(num), "%llu", (unsigned long long)cfg->memory_mib * 1024);
		ok = (n = xmlNewTextChild(root, NULL, (const xmlChar *)"currentMemory", (const xmlChar *)num)) &&
		     xmlNewProp(n, (const xmlChar *)"unit", (const xmlChar *)"KiB");
	}
	if (ok) {
		snprintf(num, sizeof(num), "%u", cfg->maxvcpus > cfg->vcpus ? cfg->maxvcpus : cfg->vcpus);
		ok = (n = xmlNewTextChild(root, NULL, (const xmlChar *)"vcpu", (const xmlChar *)num)) &&
		     xmlNewProp(n, (const xmlChar *)"placement", (const xmlChar *)"static");
		if (ok && cfg->maxvcpus > cfg->vcpus) {
			snprintf(num, sizeof(num), "%u", cfg->vcpus);
			ok = xmlNewProp(n, (const xmlChar *)"current", (const xmlChar *)num) != NULL;
		}
	}
	/* The weight as libvirt's libxl driver has it; libvirt has no cap for
	 * Xen: the XML does not carry it (docs/config.md). */
	xmlNode *cputune = NULL;
	if (ok && cfg->weight != XG_SCHED_WEIGHT_DEFAULT) {
		snprintf(num, sizeof(num), "%u", cfg->weight);
		ok = (cputune = xmlNewChild(root, NULL, (const xmlChar *)"cputune", NULL)) &&
		     add_text(cputune, "shares", num);
	}
	xmlNode *os = ok ? xmlNewChild(root, NULL, (const xmlChar *)"os", NULL) : NULL;
	ok = os && add_text(os, "type", "linux") && (!cfg->kernel || add_text(os, "kernel", cfg->kernel)) &&
	     (!cfg->ramdisk || add_text(os, "initrd", cfg->ramdisk)) &&
	     (!cfg->cmdline || add_text(os, "cmdline", cfg->cmdline));
	/* libvirt has no on_watchdog (its <watchdog> device carries its own
	 * action): the XML does not carry it (docs/config.md). */
	ok = ok && add_text(root, "on_poweroff", xg_cfg_action_name(cfg->on_poweroff)) &&
	     add_text(root, "on_reboot", xg_cfg_action_name(cfg->on_reboot)) &&
	     add_text(root, "on_crash", xg_cfg_action_name(cfg->on_crash));
	xmlNode *devices = ok ? xmlNewChild(root, NULL, (const xmlChar *)"devices", NULL) : NULL;
	ok = devices && (n = xmlNewChild(devices, NULL, (const xmlChar *)"console", NULL)) &&
	     xmlNewProp(n, (const xmlChar *)"type", (const xmlChar *)"pty");
	char *out = NULL;
	xmlBufferPtr buf = ok ? xmlBufferCreate() : NULL;
	if (buf && xmlNodeDump(buf, doc, root, 0, 1) >= 0) {
		const char *content = (const char *)xmlBufferContent(buf);
		if (asprintf(&out, "%s\n", content) < 0)
			out = NULL;
	}
	if (buf)
		xmlBufferFree(buf);
	if (doc)
		xmlFreeDoc(doc);
	if (!out)
		xg_error(-ENOMEM, "out of memory");
	return out;
}
