/*
 * Domain configurations in JSON, xl.cfg and libvirt XML: the good examples
 * give exactly the fields they say, every bad one in the corpus gives the
 * documented error (field and reason, from its .expect file) and leaves
 * nothing allocated, formats are told apart by content, XML written from a
 * configuration reads back to the same one, and KEY=VALUE overrides change
 * only what they name (or nothing, when one is wrong).
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
	TAP_CHECK(cfg.memory_mib == 256 && cfg.maxmem_mib == 512 && cfg.vcpus == 2 && cfg.maxvcpus == 4,
		  "memory, maxmem, vcpus and maxvcpus");
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

/* The loader a corpus file is for, by its extension. */
static int load_by_extension(const char *path, struct xg_config *cfg, struct xg_config_error *err)
{
	const char *dot = strrchr(path, '.');
	if (!strcmp(dot, ".cfg"))
		return xg_config_load_xlcfg(path, cfg, err);
	if (!strcmp(dot, ".xml"))
		return xg_config_load_xml(path, cfg, err);
	return xg_config_load_json(path, cfg, err);
}

static void test_bad_one(const char *file)
{
	char path[1024], expect_path[1024], text[1024] = "";
	path_of(path, sizeof(path), file);
	snprintf(expect_path, sizeof(expect_path), "%.*s.expect", (int)(strrchr(path, '.') - path), path);
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
	int rc = load_by_extension(path, &cfg, &err);
	bool ok = f && *reason && rc == -EINVAL && !strcmp(err.field, field) && strstr(err.reason, reason) &&
		  !strcmp(err.file, path) && cfg.kernel == NULL && cfg.cmdline == NULL && cfg.ramdisk == NULL &&
		  !cfg.name[0];
	TAP_CHECK(ok, "%s: field '%s', reason '%s'", file, err.field, err.reason);
	if (!ok)
		tap_diag("expected field '%s' and a reason containing '%s' (from %s)", field, reason, expect_path);
	/* Detection reads it as the same format, so `xg create` gives the same error. */
	struct xg_config cfg2;
	struct xg_config_error err2;
	enum xg_config_format fmt;
	rc = xg_config_load_file(path, &cfg2, &err2, &fmt);
	TAP_CHECK(rc == -EINVAL && !strcmp(err2.field, err.field) && !strcmp(err2.reason, err.reason),
		  "%s: xg_config_load_file reads it as %s with the same error", file, xg_config_format_name(fmt));
}

static bool same_config(const struct xg_config *a, const struct xg_config *b)
{
	return !strcmp(a->name, b->name) && !memcmp(a->uuid, b->uuid, 16) && !strcmp(a->kernel, b->kernel) &&
	       !a->cmdline == !b->cmdline && (!a->cmdline || !strcmp(a->cmdline, b->cmdline)) &&
	       !a->ramdisk == !b->ramdisk && (!a->ramdisk || !strcmp(a->ramdisk, b->ramdisk)) &&
	       a->memory_mib == b->memory_mib && a->maxmem_mib == b->maxmem_mib && a->vcpus == b->vcpus &&
	       a->maxvcpus == b->maxvcpus &&
	       a->on_poweroff == b->on_poweroff && a->on_crash == b->on_crash && a->weight == b->weight &&
	       a->cap == b->cap;
}

/* cpu_weight and cap (docs/scheduling.md) in each format. */
/* max_event_channels (xl's key; Xen's max_evtchn_port) in JSON and xl.cfg. */
static void test_event_channel_key(void)
{
	struct xg_config cfg;
	struct xg_config_error err;
	int rc = xg_config_parse_json("{ \"name\": \"a\", \"kernel\": \"/k\" }", &cfg, &err);
	TAP_CHECK(rc == 0 && cfg.max_event_channels == 1023, "JSON: max_event_channels 1023 by default, as libxl's");
	if (!rc)
		xg_config_dispose(&cfg);
	rc = xg_config_parse_json("{ \"name\": \"a\", \"kernel\": \"/k\", \"max_event_channels\": 4095 }", &cfg, &err);
	char *json = rc ? NULL : xg_config_to_json(&cfg);
	TAP_CHECK(rc == 0 && cfg.max_event_channels == 4095 && json && strstr(json, "max_event_channels") && strstr(json, "4095"),
		  "JSON: 4095 is taken and written back");
	free(json);
	if (!rc)
		xg_config_dispose(&cfg);
	rc = xg_config_parse_json("{ \"name\": \"a\", \"kernel\": \"/k\", \"max_event_channels\": 4096 }", &cfg, &err);
	TAP_CHECK(rc == -EINVAL && !strcmp(err.field, "max_event_channels"), "JSON: 4096 is refused (%s)", err.reason);
	rc = xg_config_parse_xlcfg("name='a'\nkernel='/k'\nmax_event_channels = 200\n", &cfg, &err);
	TAP_CHECK(rc == 0 && cfg.max_event_channels == 200, "xl.cfg: max_event_channels = 200 (%s %s)", err.field,
		  err.reason);
	if (!rc)
		xg_config_dispose(&cfg);
	rc = xg_config_parse_xlcfg("name='a'\nkernel='/k'\nmax_event_channels = 0\n", &cfg, &err);
	TAP_CHECK(rc == -EINVAL && !strcmp(err.field, "max_event_channels"), "xl.cfg: 0 is refused (%s)", err.reason);
}

static void test_sched_keys(void)
{
	struct xg_config cfg, back;
	struct xg_config_error err;
	int rc = xg_config_parse_json("{ \"name\": \"a\", \"kernel\": \"/k\" }", &cfg, &err);
	TAP_CHECK(rc == 0 && cfg.weight == 256 && cfg.cap == 0, "JSON: cpu_weight 256 and no cap by default");
	char *json = rc ? NULL : xg_config_to_json(&cfg);
	TAP_CHECK(json && !strstr(json, "cpu_weight") && !strstr(json, "\"cap\""),
		  "and xg_config_to_json leaves the defaults out");
	free(json);
	if (!rc)
		xg_config_dispose(&cfg);
	rc = xg_config_parse_json("{ \"name\": \"a\", \"kernel\": \"/k\", \"vcpus\": 2, \"cpu_weight\": 512, "
				  "\"cap\": 200 }",
				  &cfg, &err);
	TAP_CHECK(rc == 0 && cfg.weight == 512 && cfg.cap == 200, "JSON: cpu_weight 512, cap 200 with 2 vCPUs (%s %s)",
		  err.field, err.reason);
	json = rc ? NULL : xg_config_to_json(&cfg);
	int rc2 = json ? xg_config_parse_json(json, &back, &err) : -1;
	TAP_CHECK(rc2 == 0 && same_config(&cfg, &back), "JSON round trip keeps them");
	if (!rc2)
		xg_config_dispose(&back);
	free(json);
	char *xml = rc ? NULL : xg_config_to_xml(&cfg);
	TAP_CHECK(xml && strstr(xml, "<cputune>") && strstr(xml, "<shares>512</shares>"),
		  "XML: the weight is <cputune><shares>");
	rc2 = xml ? xg_config_parse_xml(xml, strlen(xml), &back, &err) : -1;
	TAP_CHECK(rc2 == 0 && back.weight == 512 && back.cap == 0,
		  "which reads back as the weight; libvirt has no cap, the XML none (%u, %u)", back.weight, back.cap);
	if (!rc2)
		xg_config_dispose(&back);
	free(xml);
	if (!rc)
		xg_config_dispose(&cfg);
	rc = xg_config_parse_xlcfg("name='a'\nkernel='/k'\ncpu_weight = 128\ncap = 50\n", &cfg, &err);
	TAP_CHECK(rc == 0 && cfg.weight == 128 && cfg.cap == 50, "xl.cfg: cpu_weight and cap (%s %s)", err.field,
		  err.reason);
	if (!rc) {
		const char *ovr[] = { "cpu_weight=1000", "cap=0" };
		rc2 = xg_config_apply_overrides(&cfg, ovr, 2, &err);
		TAP_CHECK(rc2 == 0 && cfg.weight == 1000 && cfg.cap == 0, "overrides change them (%s)", err.reason);
		const char *bad[] = { "cap=101" };
		rc2 = xg_config_apply_overrides(&cfg, bad, 1, &err);
		TAP_CHECK(rc2 == -EINVAL && !strcmp(err.field, "cap") && cfg.cap == 0,
			  "an override's cap above 100 per vCPU is refused, nothing changed (%s)", err.reason);
		xg_config_dispose(&cfg);
	}
	rc = xg_config_parse_xml("<domain type='xen'><name>a</name><cputune><shares>65535</shares></cputune>"
				 "<os><type>linux</type><kernel>/k</kernel></os></domain>",
				 strlen("<domain type='xen'><name>a</name><cputune><shares>65535</shares></cputune>"
					"<os><type>linux</type><kernel>/k</kernel></os></domain>"),
				 &cfg, &err);
	TAP_CHECK(rc == 0 && cfg.weight == 65535, "XML: <shares>65535</shares> (%s %s)", err.field, err.reason);
	if (!rc)
		xg_config_dispose(&cfg);
}

static void test_good_xlcfg(void)
{
	char path[1024], expect[1100];
	struct xg_config cfg;
	struct xg_config_error err;
	path_of(path, sizeof(path), "good-full.cfg");
	int rc = xg_config_load_xlcfg(path, &cfg, &err);
	TAP_CHECK(rc == 0, "good-full.cfg loads (%s %s)", err.field, err.reason);
	if (rc)
		return;
	TAP_CHECK(!strcmp(cfg.name, "web-1"), "xl.cfg: name");
	TAP_CHECK(cfg.uuid[0] == 0x6f && cfg.uuid[1] == 0x2b && cfg.uuid[15] == 0x5b, "xl.cfg: uuid in single quotes");
	snprintf(expect, sizeof(expect), "%s/kernels/vmlinux", corpus);
	TAP_CHECK(!strcmp(cfg.kernel, expect), "xl.cfg: kernel relative to the file (%s)", cfg.kernel);
	snprintf(expect, sizeof(expect), "%s/kernels/initrd.img", corpus);
	TAP_CHECK(cfg.ramdisk && !strcmp(cfg.ramdisk, expect), "xl.cfg: ramdisk, with a trailing ';' (%s)",
		  cfg.ramdisk);
	TAP_CHECK(cfg.memory_mib == 256, "xl.cfg: memory = 0x100 is 256 MiB (%llu)", (unsigned long long)cfg.memory_mib);
	TAP_CHECK(cfg.maxmem_mib == 512, "xl.cfg: maxmem = 01000 (octal) is 512 MiB (%llu)",
		  (unsigned long long)cfg.maxmem_mib);
	TAP_CHECK(cfg.vcpus == 2 && cfg.maxvcpus == 4 && cfg.on_poweroff == XG_ACTION_PRESERVE && cfg.on_crash == XG_ACTION_DESTROY,
		  "xl.cfg: three statements on one line separated by ';'");
	const char *want = "root=/dev/xvda1 ro console=hvc0 msg=\"it's\"\tq=AA # not a comment";
	TAP_CHECK(cfg.cmdline && !strcmp(cfg.cmdline, want),
		  "xl.cfg: cmdline is \"root=ROOT EXTRA\", escapes decoded, '#' in a string kept (%s)", cfg.cmdline);
	xg_config_dispose(&cfg);

	path_of(path, sizeof(path), "good-minimal.cfg");
	rc = xg_config_load_xlcfg(path, &cfg, &err);
	TAP_CHECK(rc == 0 && !strcmp(cfg.name, "min") && cfg.memory_mib == 64 && !cfg.maxmem_mib && cfg.vcpus == 1 &&
			  !cfg.cmdline && !cfg.ramdisk && cfg.on_poweroff == XG_ACTION_DESTROY &&
			  cfg.on_crash == XG_ACTION_DESTROY && !strcmp(cfg.kernel, "/boot/k"),
		  "xl.cfg: the same defaults as JSON");
	xg_config_dispose(&cfg);

	static const struct {
		const char *text, *cmdline;
	} lines[] = {
		{ "name='a'\nkernel='/k'\nroot='/dev/xvda'\n", "root=/dev/xvda" },
		{ "name='a'\nkernel='/k'\nextra='single'\n", "single" },
		{ "name='a'\nkernel='/k'\ncmdline='x y'\n", "x y" },
		{ "name='a'\r\nkernel='/k'\r\ncmdline=''\r\n", "" },
	};
	for (size_t i = 0; i < sizeof(lines) / sizeof(lines[0]); i++) {
		rc = xg_config_parse_xlcfg(lines[i].text, &cfg, &err);
		TAP_CHECK(rc == 0 && cfg.cmdline && !strcmp(cfg.cmdline, lines[i].cmdline),
			  "xl.cfg: command line '%s' (%s %s)", lines[i].cmdline, err.field, err.reason);
		xg_config_dispose(&cfg);
	}
	rc = xg_config_parse_xlcfg("name='a'\nkernel='k'\n", &cfg, &err);
	TAP_CHECK(rc == 0 && !strcmp(cfg.kernel, "k"), "xl.cfg text in memory: a relative kernel path stays as given");
	xg_config_dispose(&cfg);
	rc = xg_config_parse_xlcfg("name='a'\nkernel='k'\nvif=['a',\n\n 'b',\n]\n", &cfg, &err);
	TAP_CHECK(rc == -EINVAL && !strcmp(err.field, "vif") && strstr(err.reason, "line 3: 'vif' is not supported by XG"),
		  "xl.cfg: a list across lines with a trailing comma parses, then its key is refused (%s)", err.reason);
	rc = xg_config_parse_xlcfg("name='a'\nkernel='k'\nvnuma=[ [ 'pnode=0', 'size=512' ], [ 'pnode=1' ] ]\n", &cfg,
				   &err);
	TAP_CHECK(rc == -EINVAL && !strcmp(err.field, "vnuma") && strstr(err.reason, "not supported by XG"),
		  "xl.cfg: nested lists parse (%s)", err.reason);
}

static void test_good_xml(void)
{
	char path[1024], expect[1100];
	struct xg_config cfg;
	struct xg_config_error err;
	path_of(path, sizeof(path), "good-full.xml");
	int rc = xg_config_load_xml(path, &cfg, &err);
	TAP_CHECK(rc == 0, "good-full.xml loads (%s %s)", err.field, err.reason);
	if (rc)
		return;
	TAP_CHECK(!strcmp(cfg.name, "web-1") && cfg.uuid[0] == 0x6f && cfg.uuid[15] == 0x5b, "XML: name and uuid");
	TAP_CHECK(cfg.memory_mib == 256 && cfg.maxmem_mib == 1024,
		  "XML: currentMemory 256 MiB is memory, <memory> 1 GiB is maxmem (%llu, %llu)",
		  (unsigned long long)cfg.memory_mib, (unsigned long long)cfg.maxmem_mib);
	TAP_CHECK(cfg.vcpus == 2 && cfg.maxvcpus == 4, "XML: vcpu (maxvcpus) with current (vcpus)");
	snprintf(expect, sizeof(expect), "%s/kernels/vmlinux", corpus);
	TAP_CHECK(!strcmp(cfg.kernel, expect), "XML: os/kernel relative to the file (%s)", cfg.kernel);
	snprintf(expect, sizeof(expect), "%s/kernels/initrd.img", corpus);
	TAP_CHECK(cfg.ramdisk && !strcmp(cfg.ramdisk, expect), "XML: os/initrd is the ramdisk (%s)", cfg.ramdisk);
	TAP_CHECK(cfg.cmdline && !strcmp(cfg.cmdline, "console=hvc0 a<b & \"q\" <raw>"),
		  "XML: os/cmdline with entities and CDATA (%s)", cfg.cmdline);
	TAP_CHECK(cfg.on_poweroff == XG_ACTION_PRESERVE && cfg.on_crash == XG_ACTION_DESTROY, "XML: actions");
	xg_config_dispose(&cfg);

	path_of(path, sizeof(path), "good-minimal.xml");
	rc = xg_config_load_xml(path, &cfg, &err);
	TAP_CHECK(rc == 0 && cfg.memory_mib == 32 && !cfg.maxmem_mib && cfg.vcpus == 1 && !cfg.cmdline &&
			  !cfg.ramdisk && cfg.on_poweroff == XG_ACTION_DESTROY && !strcmp(cfg.kernel, "/boot/k"),
		  "XML: <memory> alone (KiB by default) is memory; the rest defaults (%s %s)", err.field, err.reason);
	xg_config_dispose(&cfg);
}

/* to_xml, then parse_xml: the same configuration, for awkward strings too. */
static void test_xml_round_trip(void)
{
	struct xg_config cfg, back;
	struct xg_config_error err;
	xg_config_init(&cfg);
	snprintf(cfg.name, sizeof(cfg.name), "rt.guest-1");
	for (int i = 0; i < 16; i++)
		cfg.uuid[i] = (uint8_t)(i * 17 + 3);
	cfg.kernel = strdup("/boot/vmlinuz <&> 'x' \"y\" é");
	cfg.ramdisk = strdup("/boot/initrd ]]> end");
	cfg.cmdline = strdup("  lead\ttab\r\ncrlf <b>&amp; ]]> \"'\xc3\xa9 trail  ");
	cfg.memory_mib = 48;
	cfg.maxmem_mib = 96;
	cfg.vcpus = 3;
	cfg.maxvcpus = 5;
	cfg.on_poweroff = XG_ACTION_PRESERVE;
	cfg.on_crash = XG_ACTION_PRESERVE;
	char *xml = xg_config_to_xml(&cfg);
	TAP_CHECK(xml != NULL, "xg_config_to_xml writes XML");
	int rc = xml ? xg_config_parse_xml(xml, strlen(xml), &back, &err) : -1;
	TAP_CHECK(rc == 0, "which xg_config_parse_xml reads (%s %s)", err.field, err.reason);
	TAP_CHECK(rc == 0 && same_config(&cfg, &back), "back to the same configuration, markup and white space intact");
	if (rc == 0 && back.cmdline && strcmp(back.cmdline, cfg.cmdline))
		tap_diag("cmdline came back as '%s'", back.cmdline);
	if (!rc)
		xg_config_dispose(&back);
	free(xml);

	cfg.maxmem_mib = 0;
	free(cfg.ramdisk);
	cfg.ramdisk = NULL;
	free(cfg.cmdline);
	cfg.cmdline = NULL;
	xml = xg_config_to_xml(&cfg);
	rc = xml ? xg_config_parse_xml(xml, strlen(xml), &back, &err) : -1;
	TAP_CHECK(rc == 0 && same_config(&cfg, &back), "without maxmem, ramdisk and cmdline too");
	if (!rc)
		xg_config_dispose(&back);
	free(xml);

	cfg.cmdline = strdup("bell\a");
	xml = xg_config_to_xml(&cfg);
	TAP_CHECK(!xml && strstr(xg_last_error(), "control character 0x07"),
		  "a control character XML cannot carry is refused, not written (%s)", xg_last_error());
	free(xml);
	free(cfg.cmdline);
	cfg.cmdline = strdup("bad \xff utf-8");
	xml = xg_config_to_xml(&cfg);
	TAP_CHECK(!xml && strstr(xg_last_error(), "UTF-8"), "so is invalid UTF-8 (%s)", xg_last_error());
	free(xml);
	xg_config_dispose(&cfg);

	/* An xl.cfg read, written as XML, read again. */
	char path[1024];
	path_of(path, sizeof(path), "good-full.cfg");
	rc = xg_config_load_xlcfg(path, &cfg, &err);
	xml = rc ? NULL : xg_config_to_xml(&cfg);
	rc = xml ? xg_config_parse_xml(xml, strlen(xml), &back, &err) : -1;
	TAP_CHECK(rc == 0 && same_config(&cfg, &back), "good-full.cfg survives XML (%s %s)", err.field, err.reason);
	if (!rc)
		xg_config_dispose(&back);
	free(xml);
	xg_config_dispose(&cfg);
}

static void test_detect(void)
{
	static const struct {
		const char *path, *text;
		enum xg_config_format want;
	} cases[] = {
		{ "a.cfg", "{ \"name\": \"a\" }", XG_CONFIG_JSON },
		{ "a.cfg", "\xef\xbb\xbf \n\t<domain/>", XG_CONFIG_XML },
		{ "a.json", "<domain/>", XG_CONFIG_XML },
		{ "a.xml", "  { }", XG_CONFIG_JSON },
		{ "a.cfg", "name = 'a'", XG_CONFIG_XLCFG },
		{ "guest", "# comment\nname = 'a'", XG_CONFIG_XLCFG },
		{ "a.json", "[ 1 ]", XG_CONFIG_JSON },
		{ "a.XML", "", XG_CONFIG_XML },
		{ "dir.json/guest", "", XG_CONFIG_XLCFG },
		{ NULL, "", XG_CONFIG_XLCFG },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		enum xg_config_format got = xg_config_detect_format(cases[i].path, cases[i].text);
		TAP_CHECK(got == cases[i].want, "detection case %zu (%s): %s", i, cases[i].path ? cases[i].path : "no path",
			  xg_config_format_name(got));
	}
	char path[1024];
	struct xg_config cfg;
	struct xg_config_error err;
	enum xg_config_format fmt;
	static const struct {
		const char *file;
		enum xg_config_format want;
	} files[] = {
		{ "good-full.json", XG_CONFIG_JSON },
		{ "good-full.cfg", XG_CONFIG_XLCFG },
		{ "good-full.xml", XG_CONFIG_XML },
	};
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		path_of(path, sizeof(path), files[i].file);
		int rc = xg_config_load_file(path, &cfg, &err, &fmt);
		TAP_CHECK(rc == 0 && fmt == files[i].want && !strcmp(cfg.name, "web-1") && cfg.vcpus == 2,
			  "xg_config_load_file reads %s as %s", files[i].file, xg_config_format_name(fmt));
		if (!rc)
			xg_config_dispose(&cfg);
	}
}

static void test_overrides(void)
{
	struct xg_config cfg;
	struct xg_config_error err;
	int rc = xg_config_parse_xlcfg("name='a'\nkernel='/k'\nmemory=32\nmaxmem=64\ncmdline='old'\n", &cfg, &err);
	TAP_CHECK(rc == 0, "a configuration to override");
	if (rc)
		return;
	const char *good[] = { "memory=48", "name=\"b\"", "cmdline = 'new one' # comment", "on_crash='preserve'",
			       "vcpus=0x4;", "ramdisk='rd'" };
	rc = xg_config_apply_overrides(&cfg, good, sizeof(good) / sizeof(good[0]), &err);
	TAP_CHECK(rc == 0 && cfg.memory_mib == 48 && cfg.maxmem_mib == 64 && !strcmp(cfg.name, "b") &&
			  !strcmp(cfg.cmdline, "new one") && cfg.on_crash == XG_ACTION_PRESERVE && cfg.vcpus == 4 &&
			  !strcmp(cfg.ramdisk, "rd") && !strcmp(cfg.kernel, "/k"),
		  "overrides change what they name and nothing else (%s %s)", err.field, err.reason);
	static const struct {
		const char *override, *field, *reason;
	} bad[] = {
		{ "memory=0", "memory", "override 2 'memory=0': value 0 is below the minimum 1" },
		{ "memory=\"x\"", "memory", "expected a number of MiB, got a string" },
		{ "name=x", "name", "strings must be quoted" },
		{ "memory", "memory", "expected '=' after the key" },
		{ "frobnicate=1", "frobnicate", "unknown key" },
		{ "disk=['a']", "disk", "'disk' is not supported by XG" },
		{ "extra='single'", "extra", "cannot be overridden" },
		{ "memory=100", "maxmem", "is 64 MiB, less than memory (100 MiB)" },
		{ "memory=1; vcpus=2", "vcpus", "one KEY=VALUE per argument" },
		{ "name='unterminated", "name", "unterminated string" },
	};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *one[] = { "vcpus=1", bad[i].override };
		rc = xg_config_apply_overrides(&cfg, one, 2, &err);
		TAP_CHECK(rc == -EINVAL && !strcmp(err.field, bad[i].field) && strstr(err.reason, bad[i].reason) &&
				  cfg.vcpus == 4 && cfg.memory_mib == 48 && !strcmp(err.file, "(command line)"),
			  "override '%s' is refused and changes nothing: field '%s', %s", bad[i].override, err.field,
			  err.reason);
	}
	const char *twice[] = { "memory=40", "memory=50" };
	rc = xg_config_apply_overrides(&cfg, twice, 2, &err);
	TAP_CHECK(rc == -EINVAL && strstr(err.reason, "override 2 'memory=50': is overridden twice (first by override 1)") &&
			  cfg.memory_mib == 48,
		  "a key overridden twice is refused (%s)", err.reason);
	xg_config_dispose(&cfg);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_bad(const struct dirent *d, const char *ext)
{
	size_t n = strlen(d->d_name), e = strlen(ext);
	return !strncmp(d->d_name, "bad-", 4) && n > e + 4 && !strcmp(d->d_name + n - e, ext);
}

static int is_bad_json(const struct dirent *d)
{
	return is_bad(d, ".json");
}

static int is_bad_xlcfg(const struct dirent *d)
{
	return is_bad(d, ".cfg");
}

static int is_bad_xml(const struct dirent *d)
{
	return is_bad(d, ".xml");
}

static void run_corpus(const char *what, int (*filter)(const struct dirent *), int at_least)
{
	struct dirent **list;
	int n = scandir(corpus, &list, filter, by_name);
	TAP_CHECK(n >= at_least, "the corpus has its bad %s configurations (%d)", what, n);
	for (int i = 0; i < n; i++) {
		test_bad_one(list[i]->d_name);
		free(list[i]);
	}
	if (n > 0)
		free(list);
}

int main(int argc, char **argv)
{
	static char dir[1024];
	const char *src = argc > 1 ? argv[1] : getenv("srcdir");
	snprintf(dir, sizeof(dir), "%s/corpus", src ? src : "tests/unit/config");
	corpus = dir;
	test_good();
	test_good_xlcfg();
	test_good_xml();
	test_xml_round_trip();
	test_sched_keys();
	test_event_channel_key();
	test_detect();
	test_overrides();
	run_corpus("JSON", is_bad_json, 20);
	run_corpus("xl.cfg", is_bad_xlcfg, 30);
	run_corpus("XML", is_bad_xml, 30);
	return tap_done();
}
