/*
 * echo (and echo32, the same source as a 32-bit PAE kernel): a guest that
 * talks through its PV console ring (start_info.console.domU), as Linux's
 * hvc_xen does, instead of the console_io hypercall the other test guests
 * use.  It finds the ring through the P2M list, waits on the console port
 * with SCHEDOP_poll and clears the port's pending bit in shared_info.
 *
 * Its command line picks what it does:
 *   (nothing)  a tiny line editor: prints "echo: ready", echoes what is
 *              typed, answers each line with "echo: <line>", and on the
 *              line "quit" says "echo: bye" and powers off;
 *   flood      writes 500 numbered lines (20 KB, ten rings' worth) waiting
 *              for room as a guest must: the first half notifying the
 *              port, the second half only yielding (as Linux's console
 *              does when the ring is full);
 *   hostile    what a guest may do to its ring and port: impossible output
 *              indexes (ignored, then mended), closing the port (sends
 *              then fail; a new port reusing its number gets no console
 *              events).
 * The framework's RESULT line goes out through console_io as usual.
 */
#include "guest.h"
#include "public/event_channel.h"
#include "public/io/console.h"

#ifdef __i386__
const char guest_name[] = "echo32";
#else
const char guest_name[] = "echo";
#endif

#define EINVAL 22
#define BITS_PER_WORD (sizeof(unsigned long) * 8)
#define FLOOD_LINES 500

static struct shared_info *shinfo;
static struct xencons_interface *ring;
static evtchn_port_t port;

static long evtchn_op(unsigned int cmd, void *arg)
{
	return hypercall(__HYPERVISOR_event_channel_op, cmd, (unsigned long)arg, 0, 0, 0);
}

static long notify(void)
{
	struct evtchn_send s = { .port = port };
	return evtchn_op(EVTCHNOP_send, &s);
}

static bool port_pending(evtchn_port_t p)
{
	return __atomic_load_n(&shinfo->evtchn_pending[p / BITS_PER_WORD], __ATOMIC_SEQ_CST) &
	       (1ul << (p % BITS_PER_WORD));
}

static void clear_pending(evtchn_port_t p)
{
	__atomic_fetch_and(&shinfo->evtchn_pending[p / BITS_PER_WORD], ~(1ul << (p % BITS_PER_WORD)),
			   __ATOMIC_SEQ_CST);
}

/* Sleep until the console port is pending (the backend took output or
 * gave input), then clear it. */
static void wait_for_backend(void)
{
	struct sched_poll p = { .nr_ports = 1, .timeout = 0 };
	p.ports.p = &port;
	long rc = HYPERVISOR_sched_op(SCHEDOP_poll, &p);
	guest_check(rc == 0, "poll on the console port: %ld", rc);
	clear_pending(port);
}

/* Put len bytes in the output ring, waiting for room; tell the backend
 * by notifying the port, or (notify false) only by yielding when full. */
static void ring_write(const char *s, size_t len, bool notify_backend)
{
	while (len) {
		XENCONS_RING_IDX cons = __atomic_load_n(&ring->out_cons, __ATOMIC_ACQUIRE);
		XENCONS_RING_IDX prod = ring->out_prod;
		size_t room = sizeof(ring->out) - (prod - cons);
		if (!room) {
			if (notify_backend)
				wait_for_backend();
			else
				HYPERVISOR_sched_op(SCHEDOP_yield, 0);
			continue;
		}
		size_t n = len < room ? len : room;
		for (size_t i = 0; i < n; i++)
			ring->out[MASK_XENCONS_IDX(prod + i, ring->out)] = s[i];
		__atomic_store_n(&ring->out_prod, prod + (XENCONS_RING_IDX)n, __ATOMIC_RELEASE);
		if (notify_backend)
			notify();
		s += n;
		len -= n;
	}
}

static void ring_puts(const char *s)
{
	ring_write(s, guest_strlen(s), true);
}

/* The next input byte, waiting for one. */
static char ring_getc(void)
{
	for (;;) {
		XENCONS_RING_IDX cons = ring->in_cons;
		XENCONS_RING_IDX prod = __atomic_load_n(&ring->in_prod, __ATOMIC_ACQUIRE);
		if (cons != prod) {
			char c = ring->in[MASK_XENCONS_IDX(cons, ring->in)];
			__atomic_store_n(&ring->in_cons, cons + 1, __ATOMIC_RELEASE);
			notify(); /* there is room again */
			return c;
		}
		wait_for_backend();
	}
}

static int line_editor(void)
{
	char line[80];
	size_t n = 0;
	ring_puts("echo: ready\r\n");
	for (;;) {
		char c = ring_getc();
		if (c == '\r' || c == '\n') {
			line[n] = 0;
			ring_puts("\r\n");
			if (n == 4 && !guest_strncmp(line, "quit", 4)) {
				ring_puts("echo: bye\r\n");
				return GUEST_PASS;
			}
			if (n) {
				ring_puts("echo: ");
				ring_puts(line);
				ring_puts("\r\n");
			}
			n = 0;
		} else if ((c == 0x7f || c == '\b') && n) {
			n--;
			ring_puts("\b \b");
		} else if (c >= ' ' && c < 0x7f && n < sizeof(line) - 1) {
			line[n++] = c;
			ring_write(&c, 1, true);
		}
	}
}

static int flood(void)
{
	char line[64];
	for (unsigned int i = 0; i < FLOOD_LINES; i++) {
		int len = 0;
		/* "flood 00042 abcdefghijklmnopqrstuvwxyz\r\n": 40 bytes */
		const char *head = "flood ";
		while (head[len])
			line[len] = head[len], len++;
		for (unsigned int div = 10000; div; div /= 10)
			line[len++] = (char)('0' + i / div % 10);
		line[len++] = ' ';
		for (char c = 'a'; c <= 'z'; c++)
			line[len++] = c;
		line[len++] = '\r';
		line[len++] = '\n';
		ring_write(line, (size_t)len, i < FLOOD_LINES / 2);
	}
	/* Yielding moved the rest along; nothing may be left behind. */
	HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	guest_check(ring->out_cons == ring->out_prod, "the backend took all output (cons %u, prod %u)",
		    ring->out_cons, ring->out_prod);
	ring_puts("flood: done\r\n");
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}

static int hostile(void)
{
	/* Output indexes 100000 bytes apart: nothing is read from beyond the
	 * ring, and nothing is taken; mended, the ring works again. */
	XENCONS_RING_IDX cons = ring->out_cons;
	__atomic_store_n(&ring->out_prod, cons + 100000, __ATOMIC_RELEASE);
	long rc = notify();
	guest_check(rc == 0, "notify with broken indexes: %ld", rc);
	HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	guest_check(ring->out_cons == cons, "the backend left broken output alone (cons %u, was %u)", ring->out_cons,
		    cons);
	__atomic_store_n(&ring->out_prod, cons, __ATOMIC_RELEASE);
	ring_puts("hostile: mended\r\n");
	guest_check(ring->out_cons == ring->out_prod, "the mended ring is served");

	/* The port is the guest's to close: then sends fail, and a new port
	 * with the same number is not the console's. */
	struct evtchn_close cl = { .port = port };
	rc = evtchn_op(EVTCHNOP_close, &cl);
	guest_check(rc == 0, "closing the console port: %ld", rc);
	rc = notify();
	guest_check(rc == -EINVAL, "send on the closed console port: %ld (want -EINVAL)", rc);
	struct evtchn_bind_ipi bi = { .vcpu = 0 };
	rc = evtchn_op(EVTCHNOP_bind_ipi, &bi);
	guest_check(rc == 0 && bi.port == port, "an IPI port takes the number back: %ld, port %u", rc, bi.port);
	/* Output the backend would have answered with an event. */
	XENCONS_RING_IDX prod = ring->out_prod;
	const char *msg = "hostile: unheard\r\n";
	for (size_t i = 0; msg[i]; i++)
		ring->out[MASK_XENCONS_IDX(prod + i, ring->out)] = msg[i];
	__atomic_store_n(&ring->out_prod, prod + (XENCONS_RING_IDX)guest_strlen(msg), __ATOMIC_RELEASE);
	HYPERVISOR_sched_op(SCHEDOP_yield, 0); /* still drained, but no event */
	guest_check(ring->out_cons == ring->out_prod, "a yield still drains the ring");
	guest_check(!port_pending(bi.port), "the IPI port got no console event");
	guest_puts("hostile: done\n");
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}

int guest_main(start_info_t *si)
{
	shinfo = guest_map_shared_info(si);
	ring = guest_frame_va(si, si->console.domU.mfn);
	port = si->console.domU.evtchn;
	if (!guest_check(shinfo && ring && port, "console ring %p, port %u", (void *)ring, port))
		return GUEST_FAIL;
	struct evtchn_status st = { .dom = DOMID_SELF, .port = port };
	long rc = evtchn_op(EVTCHNOP_status, &st);
	guest_check(rc == 0 && st.status == EVTCHNSTAT_interdomain && st.u.interdomain.dom == 0,
		    "the console port is interdomain with domain 0: rc %ld, status %u, dom %u", rc, st.status,
		    st.u.interdomain.dom);
	const char *cmdline = (const char *)si->cmd_line;
	if (guest_strstr(cmdline, "flood"))
		return flood();
	if (guest_strstr(cmdline, "hostile"))
		return hostile();
	return line_editor();
}
