/* Prints the item names of the 32-bit table (names only: nothing is
 * evaluated, so this builds for the host). */
#include <stdio.h>

#include "abi_items.h"

#define NAME(x) #x,

int main(void)
{
	static const char *const names[] = { ABI_COMMON(NAME) ABI_32(NAME) };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		puts(names[i]);
	return 0;
}
