/* spin: computes forever without a hypercall, until it is destroyed. */
#include "guest.h"

const char guest_name[] = "spin";

int guest_main(start_info_t *si)
{
	(void)si;
	guest_puts("spin guest: looping until destroyed\n");
	volatile unsigned long n = 0;
	for (;;)
		n++;
	return GUEST_FAIL;
}
