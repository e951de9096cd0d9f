/* crash: writes where it may not.  Without a trap table the hypervisor
 * must crash this domain alone.  The command line picks the target:
 * "m2p" writes the read-only M2P, anything else an address nothing maps.
 * Built for both widths (crash32: a 32-bit PAE guest). */
#include "guest.h"

const char guest_name[] = "crash";

#ifdef __i386__
#define M2P_VA 0xf5800000ul       /* the compat M2P */
#define UNMAPPED_VA 0xa0000000ul  /* below the kernel: nothing maps it */
#else
#define M2P_VA 0xffff800000000000ul
#define UNMAPPED_VA 0xffffc90000000000ul
#endif

int guest_main(start_info_t *si)
{
	bool m2p = !guest_strncmp((const char *)si->cmd_line, "m2p", 4);
	guest_printf("crash guest: about to fault (%s)\n", m2p ? "writing the M2P" : "writing unmapped memory");
	*(volatile uint32_t *)(m2p ? M2P_VA : UNMAPPED_VA) = 1;
	guest_puts("crash guest: the write did not fault\n");
	return GUEST_FAIL;
}
