/* crash: writes where it may not.  Without a trap table the hypervisor
 * must crash this domain alone.  The command line picks the target:
 * "m2p" writes the read-only M2P, anything else an address nothing maps. */
#include "guest.h"

const char guest_name[] = "crash";

int guest_main(start_info_t *si)
{
	bool m2p = !guest_strncmp((const char *)si->cmd_line, "m2p", 4);
	guest_printf("crash guest: about to fault (%s)\n", m2p ? "writing the M2P" : "writing unmapped memory");
	*(volatile uint64_t *)(m2p ? 0xffff800000000000ul : 0xffffc90000000000ul) = 1;
	guest_puts("crash guest: the write did not fault\n");
	return GUEST_FAIL;
}
