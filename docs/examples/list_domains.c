/*
 * The smallest libxg program: connect to the hypervisor (XG_RUNDIR or
 * /run/xg), list the domains, and report errors the way libxg gives them.
 *
 *   cc list_domains.c $(pkg-config --cflags --libs libxg) -o list_domains
 */
#include <stdio.h>
#include <stdlib.h>
#include <xg/xg.h>

int main(void)
{
	int err;
	xg_handle *h = xg_open(NULL, XG_OPEN_READONLY, &err);
	if (!h) {
		fprintf(stderr, "list_domains: %s\n", xg_last_error());
		return 1;
	}
	struct xg_domain_info *domains;
	size_t n;
	if (xg_domain_list(h, &domains, &n) < 0) {
		fprintf(stderr, "list_domains: %s\n", xg_last_error());
		xg_close(h);
		return 1;
	}
	for (size_t i = 0; i < n; i++)
		printf("%u %s %s %llu KiB\n", domains[i].domid, domains[i].name,
		       xg_domain_state_name(domains[i].state), (unsigned long long)domains[i].tot_frames * 4);
	free(domains);
	xg_close(h);
	return 0;
}
