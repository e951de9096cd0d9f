/* crash: writes to an address nothing maps.  Without a trap table the
 * hypervisor must crash this domain alone. */
#include "guest.h"

const char guest_name[] = "crash";

int guest_main(start_info_t *si)
{
	(void)si;
	guest_puts("crash guest: about to fault\n");
	*(volatile uint64_t *)0xffffc90000000000ul = 1;
	guest_puts("crash guest: the write did not fault\n");
	return GUEST_FAIL;
}
