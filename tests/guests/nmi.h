/*
 * The NMI checks both traps guests run in their kernel: their NMI
 * callback (vector 0x102 of their trap handler) calls nmi_seen().  VCPUOP_send_nmi to itself: the
 * NMI callback runs once on the way back; a second NMI sent from inside
 * the handler waits for the handler's iret instead of nesting.
 */
#ifndef GUEST_NMI_H
#define GUEST_NMI_H

#include "public/callback.h"
#include "public/vcpu.h"

void nmi_entry(void);

static volatile unsigned int nmi_count, nmi_depth, nmi_nested, nmi_resend;

/* The handler's part: count, note nesting, send one more if asked. */
static void nmi_seen(void)
{
	nmi_nested |= nmi_depth;
	nmi_depth++;
	nmi_count++;
	if (nmi_resend) {
		nmi_resend = 0;
		hypercall(__HYPERVISOR_vcpu_op, VCPUOP_send_nmi, 0, 0, 0, 0);
	}
	nmi_depth--;
}

static long send_nmi_to_self(void)
{
	return hypercall(__HYPERVISOR_vcpu_op, VCPUOP_send_nmi, 0, 0, 0, 0);
}

static void test_nmi(void)
{
#ifdef __i386__
	struct callback_register cb = { .type = CALLBACKTYPE_nmi,
					.address = { FLAT_KERNEL_CS, (unsigned long)nmi_entry } };
#else
	struct callback_register cb = { .type = CALLBACKTYPE_nmi, .address = (unsigned long)nmi_entry };
#endif
	long rc = send_nmi_to_self();
	guest_check(rc == 0 && nmi_count == 0, "an NMI without a callback waits: %ld", rc);
	rc = hypercall(__HYPERVISOR_callback_op, CALLBACKOP_register, (unsigned long)&cb, 0, 0, 0);
	guest_check(rc == 0, "registering the NMI callback: %ld", rc);
	/* The pending NMI arrives on the way back from that call. */
	guest_check(nmi_count == 1, "the waiting NMI arrived once the callback existed (%u)", nmi_count);
	nmi_resend = 1;
	rc = send_nmi_to_self();
	guest_check(rc == 0 && nmi_count == 3 && !nmi_nested,
		    "an NMI sent from the handler waits for its iret: 3 in all, none nested (%u, %u)", nmi_count,
		    nmi_nested);
	rc = hypercall(__HYPERVISOR_vcpu_op, VCPUOP_send_nmi, 0, 1, 0, 0);
	guest_check(rc == -22, "send_nmi with an argument is -EINVAL: %ld", rc);
	struct callback_unregister un = { .type = CALLBACKTYPE_nmi };
	rc = hypercall(__HYPERVISOR_callback_op, CALLBACKOP_unregister, (unsigned long)&un, 0, 0, 0);
	guest_check(rc == 0, "unregistering it: %ld", rc);
}

#endif
