/*
 * nmi-wait: registers an NMI callback and waits for NMIs from outside (the
 * toolstack's `xg trigger DOMAIN nmi`, tests/system/trigger.sh), printing
 * "nmi-wait: NMI N" as each arrives; after the second it finishes.  It
 * sends itself none.  While it waits it yields, so that each return from
 * the hypercall is an entry on which a pending NMI is delivered.
 */
#include "guest.h"
#include "public/callback.h"

const char guest_name[] = "nmi-wait";

static volatile unsigned int nmi_count;

/* The NMI callback: count, then return with the iret hypercall (Xen's
 * frame: rcx and r11 above the exception frame; iret takes rax, r11, rcx
 * and the flags word 0 above it).  The interrupted flags come back with
 * the frame, so the add may change them. */
void nmi_entry(void);
__asm__(".text\n.globl nmi_entry\nnmi_entry:\n"
	"pop %rcx\npop %r11\n"
	"lock incl nmi_count(%rip)\n"
	"push $0\npush %rcx\npush %r11\npush %rax\nmov $23, %eax\nsyscall\n");

int guest_main(start_info_t *si)
{
	(void)si;
	struct callback_register cb = { .type = CALLBACKTYPE_nmi, .address = (unsigned long)nmi_entry };
	long rc = hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
	if (!guest_check(rc == 0, "registering the NMI callback: %ld", rc))
		guest_finish(GUEST_FAIL);
	guest_puts("nmi-wait: waiting for NMIs\n");
	for (unsigned int seen = 0; seen < 2;) {
		HYPERVISOR_sched_op(SCHEDOP_yield, 0);
		unsigned int now = nmi_count;
		for (; seen < now; seen++)
			guest_printf("nmi-wait: NMI %u\n", seen + 1);
	}
	return GUEST_PASS;
}
