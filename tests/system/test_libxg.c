/*
 * libxg's public API against a running hypervisor (started by libxg.sh):
 * errors, building a domain, its frames, foreign mappings, vCPU contexts.
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
	free(frames);
	xg_config_dispose(&cfg);
	xg_close(h);
	return tap_done();
}
