/*
 * libxg's public API against a running hypervisor (started by libxg.sh):
 * errors, building a domain, its frames, foreign mappings, vCPU contexts,
 * requests to a guest and triggers.
 *   test_libxg GUEST_DIR
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "public/xen.h"
#include "tests/tap.h"
#include "xg/xg.h"

/* The store node /local/domain/DOMID/rel as a string ("" if unreadable). */
static const char *node(xg_handle *h, uint32_t domid, const char *rel)
{
	static char value[64];
	char path[128], *v;
	size_t len;
	snprintf(path, sizeof(path), "/local/domain/%u/%s", domid, rel);
	value[0] = '\0';
	if (xg_xs_read(h, 0, path, &v, &len) == 0) {
		snprintf(value, sizeof(value), "%s", v);
		free(v);
	}
	return value;
}

static unsigned int gone_reported;

static void on_progress(const struct xg_shutdown_progress *p, void *arg)
{
	gone_reported += p->gone && p->domid == *(uint32_t *)arg;
}

/* Requests through the store, triggers and waiting, on a paused guest
 * with 2 vCPUs (it never acts on a request). */
static void test_requests(xg_handle *h, const char *guests)
{
	struct xg_config cfg;
	xg_config_init(&cfg);
	snprintf(cfg.name, sizeof(cfg.name), "requests");
	char kernel[1024];
	snprintf(kernel, sizeof(kernel), "%s/spin.elf", guests);
	cfg.kernel = strdup(kernel);
	cfg.memory_mib = 16;
	cfg.vcpus = 2;
	uint32_t d = 0;
	if (!TAP_CHECK(xg_domain_create(h, &cfg, XG_CREATE_PAUSED, NULL, &d) == 0, "a guest for the requests: %s",
		       xg_last_error())) {
		xg_config_dispose(&cfg);
		return;
	}
	TAP_CHECK(xg_domain_set_memory_target(h, d, 8192, 0) == 0 && !strcmp(node(h, d, "memory/target"), "8192"),
		  "xg_domain_set_memory_target writes memory/target (%s)", node(h, d, "memory/target"));
	TAP_CHECK(xg_domain_set_memory_target(h, d, 32768, 0) == -EINVAL && strstr(xg_last_error(), "static-max") &&
			  !strcmp(node(h, d, "memory/target"), "8192"),
		  "above memory/static-max: -EINVAL, nothing written (%s)", xg_last_error());
	TAP_CHECK(xg_domain_set_memory_target(h, d, 32768, XG_FORCE) == 0 && !strcmp(node(h, d, "memory/target"), "32768"),
		  "with XG_FORCE it is written");
	TAP_CHECK(xg_domain_set_memory_target(h, d, 0, 0) == -EINVAL, "a target of 0: -EINVAL");
	TAP_CHECK(xg_domain_set_memory_target(h, d, 8192, 0x80) == -EINVAL, "unknown flags: -EINVAL");
	TAP_CHECK(xg_domain_set_memory_target(h, 0, 8192, 0) == -EINVAL, "domain 0: -EINVAL");
	TAP_CHECK(xg_domain_set_memory_target(h, 0x7000, 8192, 0) == -ESRCH, "no such domain: -ESRCH");

	TAP_CHECK(xg_domain_set_online_vcpus(h, d, 1) == 0 && !strcmp(node(h, d, "cpu/0/availability"), "online") &&
			  !strcmp(node(h, d, "cpu/1/availability"), "offline"),
		  "xg_domain_set_online_vcpus 1: cpu/0 online, cpu/1 offline");
	TAP_CHECK(xg_domain_set_online_vcpus(h, d, 3) == -EINVAL && !strcmp(node(h, d, "cpu/1/availability"), "offline"),
		  "more than its vCPUs: -EINVAL, nothing written");
	TAP_CHECK(xg_domain_set_online_vcpus(h, d, 0) == -EINVAL, "0 vCPUs: -EINVAL");

	TAP_CHECK(xg_domain_shutdown(h, d, XG_SHUTDOWN_REBOOT) == 0 && !strcmp(node(h, d, "control/shutdown"), "reboot"),
		  "xg_domain_shutdown reboot writes control/shutdown");
	TAP_CHECK(xg_domain_shutdown(h, d, XG_SHUTDOWN_CRASH) == -EINVAL && !strcmp(node(h, d, "control/shutdown"), "reboot"),
		  "a crash cannot be asked for: -EINVAL, nothing written");
	TAP_CHECK(xg_domain_wait_shutdown(h, &d, 1, false, 200, NULL, NULL) == -ETIMEDOUT,
		  "waiting for a guest that does not act times out (%s)", xg_last_error());

	enum xg_trigger t = XG_TRIGGER_RESET;
	TAP_CHECK(xg_trigger_from_name("nmi", &t) == 0 && t == XG_TRIGGER_NMI && !strcmp(xg_trigger_name(t), "nmi"),
		  "the trigger named nmi");
	TAP_CHECK(xg_trigger_from_name("bogus", &t) == -EINVAL && strstr(xg_last_error(), "'bogus'"),
		  "an unknown trigger name: -EINVAL naming it");
	TAP_CHECK(xg_domain_trigger(h, d, XG_TRIGGER_NMI, 1) == 0, "an NMI to vCPU 1");
	TAP_CHECK(xg_domain_trigger(h, d, XG_TRIGGER_NMI, 2) == -ESRCH, "vCPU 2 it does not have: -ESRCH, as Xen");
	TAP_CHECK(xg_domain_trigger(h, d, XG_TRIGGER_POWER, 0) == -EINVAL, "power (HVM only): -EINVAL, as Xen");
	TAP_CHECK(xg_domain_trigger(h, d, XG_TRIGGER_SLEEP, 0) == -EINVAL, "sleep (HVM only): -EINVAL, as Xen");
	TAP_CHECK(xg_domain_trigger(h, d, XG_TRIGGER_RESET, 0) == -ENOSYS, "reset: -ENOSYS, as Xen");
	TAP_CHECK(xg_domain_trigger(h, d, XG_TRIGGER_INIT, 0) == -ENOSYS, "init: -ENOSYS, as Xen");
	TAP_CHECK(xg_domain_trigger(h, d, XG_TRIGGER_S3RESUME, 0) == -EINVAL, "s3resume (HVM only): -EINVAL, as libxl");
	TAP_CHECK(xg_domain_trigger(h, d, (enum xg_trigger)77, 0) == -EINVAL, "a trigger that does not exist: -EINVAL");
	TAP_CHECK(xg_domain_trigger(h, 0, XG_TRIGGER_NMI, 0) == -EINVAL, "domain 0: -EINVAL");

	TAP_CHECK(xg_domain_destroy(h, d) == 0, "destroying it");
	int rc = xg_domain_wait_shutdown(h, &d, 1, true, 5000, on_progress, &d);
	TAP_CHECK(rc == 0 && gone_reported == 1, "waiting until it is gone returns at once, reporting it gone once (%d, %u)",
		  rc, gone_reported);
	TAP_CHECK(xg_domain_shutdown(h, d, XG_SHUTDOWN_POWEROFF) == -ESRCH, "asking a domain that is gone: -ESRCH");
	xg_config_dispose(&cfg);
}

int main(int argc, char **argv)
{
	int err = 0;
	TAP_CHECK(!xg_open("/nonexistent-xg-dir", 0, &err) && err == -ENOENT &&
			  strstr(xg_last_error(), "/nonexistent-xg-dir/hypervisor.sock"),
		  "connecting to a missing hypervisor fails naming the socket (%s)", xg_last_error());
	xg_handle *h = xg_open(NULL, 0, &err);
	if (!h || argc < 2) {
		printf("Bail out! cannot connect: %s\n", xg_last_error());
		return 1;
	}
	struct xg_config cfg;
	xg_config_init(&cfg);
	snprintf(cfg.name, sizeof(cfg.name), "api");
	char kernel[1024];
	snprintf(kernel, sizeof(kernel), "%s/hello.elf", argv[1]);
	cfg.kernel = strdup(kernel);
	cfg.memory_mib = 16;
	uint32_t domid = 0;
	TAP_CHECK(xg_domain_create(h, &cfg, XG_CREATE_PAUSED, NULL, &domid) == 0, "xg_domain_create (paused): %s",
		  xg_last_error());

	struct xg_domain_info info;
	TAP_CHECK(xg_domain_info(h, domid, &info) == 0 && info.paused && info.tot_frames == 4096 &&
			  !strcmp(info.name, "api"),
		  "xg_domain_info: paused, 4096 frames");
	TAP_CHECK(xg_domain_info(h, 0x7000, &info) == -ESRCH, "xg_domain_info of no domain: -ESRCH");

	uint64_t *frames = calloc(8192, sizeof(uint64_t));
	long n = xg_domain_frames(h, domid, 0, frames, 8192);
	bool sorted = n == 4096;
	for (long i = 1; i < n; i++)
		sorted = sorted && frames[i] > frames[i - 1];
	TAP_CHECK(sorted, "xg_domain_frames lists its 4096 frames in order (%ld)", n);
	TAP_CHECK(xg_domain_frames(h, domid, 4000, frames + 4096, 200) == 96, "listing from an index");

	void *p = xg_map_foreign(h, domid, frames[0], 2, PROT_READ);
	TAP_CHECK(p != NULL, "mapping two of its frames: %s", p ? "" : xg_last_error());
	xg_unmap_foreign(p, 2);
	uint64_t outside = frames[4095] + 1;
	p = xg_map_foreign(h, domid, frames[4095], 2, PROT_READ);
	TAP_CHECK(!p && strstr(xg_last_error(), "do not all belong"),
		  "a range reaching a frame it does not own (%#llx) is refused: %s", (unsigned long long)outside,
		  xg_last_error());
	TAP_CHECK(!xg_map_foreign(h, 0x7000, frames[0], 1, PROT_READ), "mapping for a domain that does not exist fails");

	struct vcpu_guest_context ctxt;
	TAP_CHECK(xg_vcpu_getcontext(h, domid, 0, &ctxt, sizeof(ctxt)) == 0 &&
			  ctxt.user_regs.rip == 0xffffffff80000000ull && (ctxt.flags & VGCF_online),
		  "vCPU 0's context: at the kernel entry, online");
	TAP_CHECK(xg_vcpu_getcontext(h, domid, 0, &ctxt, 100) == -EINVAL, "a context of the wrong size is refused");
	TAP_CHECK(xg_vcpu_getcontext(h, domid, 5, &ctxt, sizeof(ctxt)) == -EINVAL, "a vCPU that does not exist: -EINVAL");
	struct vcpu_guest_context bad = ctxt;
	bad.ctrlreg[3] = xen_pfn_to_cr3(outside);
	TAP_CHECK(xg_vcpu_setcontext(h, domid, 0, &bad, sizeof(bad)) == -EINVAL,
		  "a CR3 outside the domain is refused");
	bad = ctxt;
	bad.ctrlreg[3] = xen_pfn_to_cr3(frames[0]); /* the kernel's first page: not a valid L4 */
	TAP_CHECK(xg_vcpu_setcontext(h, domid, 0, &bad, sizeof(bad)) < 0, "a CR3 naming a page that is not a page table is refused");
	bad = ctxt;
	bad.user_regs.rip = 0x0000800000000000ull;
	TAP_CHECK(xg_vcpu_setcontext(h, domid, 0, &bad, sizeof(bad)) == -EINVAL, "a non-canonical rip is refused");
	TAP_CHECK(xg_vcpu_setcontext(h, domid, 0, &ctxt, sizeof(ctxt)) == 0, "the original context is accepted again");

	TAP_CHECK(xg_domain_populate(h, domid, 1, 0, 0, frames) == 0, "populating beyond the domain's limit gives nothing");
	TAP_CHECK(xg_domain_populate(h, 0x7000, 1, 0, 0, frames) == -ESRCH, "populating no domain: -ESRCH");

	TAP_CHECK(xg_domain_unpause(h, domid) == 0, "unpause");
	char buf[4096];
	uint64_t pos = 0;
	size_t got = 0;
	long r;
	while ((r = xg_console_read(h, domid, &pos, buf + got, sizeof(buf) - 1 - got, 5000)) > 0)
		got += (size_t)r;
	buf[got] = '\0';
	TAP_CHECK(strstr(buf, "RESULT: PASS hello") != NULL, "the guest runs to a PASS after its context was reset");
	TAP_CHECK(r == -ESRCH || r == -ENOENT, "the console read ends when the domain stops (%ld)", r);
	test_requests(h, argv[1]);
	free(frames);
	xg_config_dispose(&cfg);
	xg_close(h);
	return tap_done();
}
