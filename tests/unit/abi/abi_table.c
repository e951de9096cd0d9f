/*
 * Evaluates every item of abi_items.h against one set of headers: XG's
 * (-DABI_OURS, -I include) or Xen's (Debian's libxen-dev).  The values go
 * into the section .abi_values, 64 bits each, in list order, so that a
 * 32-bit build can be compared without running it; with -DABI_MAIN the
 * program prints "value  item" lines.
 */
#include <stddef.h>
#include <stdint.h>

#ifdef ABI_OURS
#include "public/elfnote.h"
#include "public/event_channel.h"
#include "public/features.h"
#include "public/memory.h"
#include "public/sched.h"
#include "public/version.h"
#include "public/xen.h"
#else
#include <xen/elfnote.h>
#include <xen/event_channel.h>
#include <xen/features.h>
#include <xen/memory.h>
#include <xen/sched.h>
#include <xen/version.h>
#include <xen/xen.h>
#endif

#include "abi_items.h"

#define VALUE(x) (uint64_t)(x),
#define NAME(x) #x,

__attribute__((section(".abi_values"), used)) const uint64_t abi_values[] = {
	ABI_COMMON(VALUE)
#ifdef __x86_64__
	ABI_64(VALUE)
#else
	ABI_32(VALUE)
#endif
};

#ifdef ABI_MAIN
#include <stdio.h>

int main(void)
{
	static const char *const names[] = { ABI_COMMON(NAME)
#ifdef __x86_64__
		ABI_64(NAME)
#else
		ABI_32(NAME)
#endif
	};
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		printf("%llu %s\n", (unsigned long long)abi_values[i], names[i]);
	return 0;
}
#endif
