/*
 * xenstore (and xenstore32, the same source as a 32-bit PAE kernel): a
 * tiny xenstore client over the ring start_info names (store_mfn,
 * store_evtchn), as Linux's xenbus is one: it writes requests into req[],
 * notifies the port, waits on it with SCHEDOP_poll and reads answers and
 * watch events from rsp[].  docs/xenstore.md.
 *
 * It checks its own nodes (relative and absolute paths), writes, removal,
 * mkdir, directory, permissions (another domain's nodes, /local/domain),
 * a watch, transactions (commit, abort, conflict), GET_DOMAIN_PATH and the
 * answers to malformed requests.  Its command line picks what follows:
 *   (nothing)      a message announcing more than XENSTORE_PAYLOAD_MAX
 *                  bytes: the store stops serving the ring and says why in
 *                  its `error` field; then the RESULT line;
 *   wait-shutdown  writes data/ready = "1", watches control/shutdown as
 *                  Linux does and shuts down with the reason written there
 *                  ("poweroff", "reboot"; acknowledged by writing "").
 * The framework's RESULT line goes out through console_io as usual.
 */
#include "guest.h"
#include "public/event_channel.h"
#include "public/io/xs_wire.h"

#ifdef __i386__
const char guest_name[] = "xenstore32";
#else
const char guest_name[] = "xenstore";
#endif

#define BITS_PER_WORD (sizeof(unsigned long) * 8)

static struct shared_info *shinfo;
static struct xenstore_domain_interface *intf;
static evtchn_port_t port;
static uint32_t next_req_id = 1;

/* Watch events that arrived while an answer was awaited. */
#define MAX_EVENTS 8
static struct {
	char path[128];
	char token[32];
} events[MAX_EVENTS];
static unsigned int nr_events;

/* The last answer. */
static struct xsd_sockmsg rsp_hdr;
static char rsp[XENSTORE_PAYLOAD_MAX + 1];

static void notify(void)
{
	struct evtchn_send s = { .port = port };
	hypercall(__HYPERVISOR_event_channel_op, EVTCHNOP_send, (unsigned long)&s, 0, 0, 0);
}

/* Sleep until the store's port is pending, then clear it. */
static void wait_for_store(void)
{
	struct sched_poll p = { .nr_ports = 1, .timeout = 0 };
	p.ports.p = &port;
	long rc = HYPERVISOR_sched_op(SCHEDOP_poll, &p);
	guest_check(rc == 0, "poll on the store port: %ld", rc);
	__atomic_fetch_and(&shinfo->evtchn_pending[port / BITS_PER_WORD], ~(1ul << (port % BITS_PER_WORD)),
			   __ATOMIC_SEQ_CST);
}

static void ring_write(const void *data, size_t len)
{
	const char *s = data;
	while (len) {
		XENSTORE_RING_IDX cons = __atomic_load_n(&intf->req_cons, __ATOMIC_ACQUIRE);
		XENSTORE_RING_IDX prod = intf->req_prod;
		size_t room = XENSTORE_RING_SIZE - (prod - cons);
		if (!room) {
			wait_for_store();
			continue;
		}
		size_t n = len < room ? len : room;
		for (size_t i = 0; i < n; i++)
			intf->req[MASK_XENSTORE_IDX(prod + i)] = s[i];
		__atomic_store_n(&intf->req_prod, prod + (XENSTORE_RING_IDX)n, __ATOMIC_RELEASE);
		notify();
		s += n;
		len -= n;
	}
}

static void ring_read(void *data, size_t len)
{
	char *s = data;
	while (len) {
		XENSTORE_RING_IDX cons = intf->rsp_cons;
		XENSTORE_RING_IDX prod = __atomic_load_n(&intf->rsp_prod, __ATOMIC_ACQUIRE);
		if (cons == prod) {
			wait_for_store();
			continue;
		}
		size_t n = prod - cons < len ? prod - cons : len;
		for (size_t i = 0; i < n; i++)
			s[i] = intf->rsp[MASK_XENSTORE_IDX(cons + i)];
		__atomic_store_n(&intf->rsp_cons, cons + (XENSTORE_RING_IDX)n, __ATOMIC_RELEASE);
		notify(); /* there is room again */
		s += n;
		len -= n;
	}
}

static void copy_str(char *dst, size_t size, const char *src, size_t max)
{
	size_t i = 0;
	for (; i + 1 < size && i < max && src[i]; i++)
		dst[i] = src[i];
	dst[i] = 0;
}

/* Read one message into rsp_hdr/rsp (NUL-terminated for convenience). */
static void read_message(void)
{
	ring_read(&rsp_hdr, sizeof(rsp_hdr));
	if (!guest_check(rsp_hdr.len <= XENSTORE_PAYLOAD_MAX, "an answer of %u bytes", rsp_hdr.len))
		guest_finish(GUEST_FAIL);
	ring_read(rsp, rsp_hdr.len);
	rsp[rsp_hdr.len] = 0;
}

/* Keep a watch event that came in (path\0token\0). */
static void keep_event(void)
{
	size_t plen = guest_strlen(rsp);
	if (!guest_check(plen < rsp_hdr.len, "a watch event with one string") || nr_events == MAX_EVENTS)
		return;
	copy_str(events[nr_events].path, sizeof(events[0].path), rsp, plen);
	copy_str(events[nr_events].token, sizeof(events[0].token), rsp + plen + 1, rsp_hdr.len - plen - 1);
	nr_events++;
}

/* Send a request whose payload is parts[0..n) back to back (each with its
 * length, NULs included as given) and wait for its answer: its type is in
 * rsp_hdr.type, its payload in rsp.  Watch events on the way are kept. */
static uint32_t request(uint32_t type, uint32_t tx, const char *a, size_t alen, const char *b, size_t blen)
{
	struct xsd_sockmsg h = { .type = type, .req_id = next_req_id++, .tx_id = tx, .len = (uint32_t)(alen + blen) };
	ring_write(&h, sizeof(h));
	ring_write(a, alen);
	ring_write(b, blen);
	for (;;) {
		read_message();
		if (rsp_hdr.type == XS_WATCH_EVENT) {
			keep_event();
			continue;
		}
		guest_check(rsp_hdr.req_id == h.req_id && rsp_hdr.tx_id == tx,
			    "the answer echoes req_id %u and tx_id %u (got %u, %u)", h.req_id, tx, rsp_hdr.req_id,
			    rsp_hdr.tx_id);
		return rsp_hdr.type;
	}
}

/* A request with one string argument (its NUL included). */
static uint32_t req1(uint32_t type, uint32_t tx, const char *path)
{
	return request(type, tx, path, guest_strlen(path) + 1, "", 0);
}

/* Two strings: the first NUL-terminated, the second with or without its
 * NUL (XS_WRITE's value has none; XS_WATCH's token has one). */
static uint32_t req2(uint32_t type, uint32_t tx, const char *a, const char *b, bool b_nul)
{
	return request(type, tx, a, guest_strlen(a) + 1, b, guest_strlen(b) + (b_nul ? 1 : 0));
}

static bool streq(const char *a, const char *b)
{
	size_t n = guest_strlen(a);
	return n == guest_strlen(b) && !guest_strncmp(a, b, n);
}

/* The answer is the string want (an error's name or a value). */
static bool answer_is(uint32_t type, const char *want)
{
	size_t n = guest_strlen(want);
	return rsp_hdr.type == type && (rsp_hdr.len == n || (rsp_hdr.len == n + 1 && !rsp[n])) &&
	       !guest_strncmp(rsp, want, n);
}

static bool is_error(const char *err)
{
	return answer_is(XS_ERROR, err);
}

static bool is_ok(uint32_t type)
{
	return answer_is(type, "OK");
}

static bool read_is(uint32_t tx, const char *path, const char *want)
{
	req1(XS_READ, tx, path);
	return guest_check(answer_is(XS_READ, want), "read %s: type %u \"%s\" (want \"%s\")", path, rsp_hdr.type, rsp,
			   want);
}

static bool read_fails(uint32_t tx, const char *path, const char *err)
{
	req1(XS_READ, tx, path);
	return guest_check(is_error(err), "read %s: type %u \"%s\" (want %s)", path, rsp_hdr.type, rsp, err);
}

static void write_ok(uint32_t tx, const char *path, const char *value)
{
	req2(XS_WRITE, tx, path, value, false);
	guest_check(is_ok(XS_WRITE), "write %s: type %u \"%s\"", path, rsp_hdr.type, rsp);
}

/* A watch event for (path, token) arrived, waiting for one if need be;
 * it is taken off the list. */
static bool got_event(const char *path, const char *token)
{
	for (int tries = 0; tries < 2; tries++) {
		for (unsigned int i = 0; i < nr_events; i++) {
			if (streq(events[i].path, path) && streq(events[i].token, token)) {
				for (unsigned int j = i + 1; j < nr_events; j++)
					events[j - 1] = events[j];
				nr_events--;
				return true;
			}
		}
		if (tries)
			break;
		/* Not yet here: events go out with (before) the answer that
		 * caused them, so a round trip brings any in flight. */
		req1(XS_READ, 0, "domid");
	}
	return false;
}

static char domid[16];
static char home[64];

static void basics(void)
{
	req1(XS_READ, 0, "domid");
	if (!guest_check(rsp_hdr.type == XS_READ && rsp_hdr.len > 0 && rsp_hdr.len < sizeof(domid),
			 "read domid (relative): type %u \"%s\"", rsp_hdr.type, rsp))
		guest_finish(GUEST_FAIL);
	copy_str(domid, sizeof(domid), rsp, rsp_hdr.len);
	const char *pre = "/local/domain/";
	size_t n = 0;
	for (; pre[n]; n++)
		home[n] = pre[n];
	for (size_t i = 0; domid[i]; i++)
		home[n++] = domid[i];
	home[n] = 0;
	guest_printf("xenstore: domain %s, home %s\n", domid, home);

	char name[64], abs[128];
	req1(XS_READ, 0, "name");
	guest_check(rsp_hdr.type == XS_READ && rsp_hdr.len, "read name (relative): type %u \"%s\"", rsp_hdr.type, rsp);
	copy_str(name, sizeof(name), rsp, rsp_hdr.len);
	copy_str(abs, sizeof(abs), home, sizeof(abs));
	n = guest_strlen(abs);
	copy_str(abs + n, sizeof(abs) - n, "/name", 6);
	read_is(0, abs, name);
	copy_str(abs + n, sizeof(abs) - n, "/domid", 7);
	read_is(0, abs, domid);

	req1(XS_GET_DOMAIN_PATH, 0, domid);
	guest_check(answer_is(XS_GET_DOMAIN_PATH, home), "GET_DOMAIN_PATH %s: type %u \"%s\"", domid, rsp_hdr.type,
		    rsp);

	/* Write, read back, remove. */
	write_ok(0, "data/test", "hello");
	read_is(0, "data/test", "hello");
	copy_str(abs, sizeof(abs), home, sizeof(abs));
	copy_str(abs + n, sizeof(abs) - n, "/data/test", 11);
	read_is(0, abs, "hello");
	req1(XS_RM, 0, "data/test");
	guest_check(is_ok(XS_RM), "rm data/test: type %u \"%s\"", rsp_hdr.type, rsp);
	read_fails(0, "data/test", "ENOENT");

	/* A value with a NUL in it comes back whole. */
	request(XS_WRITE, 0, "data/nul", 9, "a\0b", 3);
	guest_check(is_ok(XS_WRITE), "write a value holding a NUL");
	req1(XS_READ, 0, "data/nul");
	guest_check(rsp_hdr.type == XS_READ && rsp_hdr.len == 3 && rsp[0] == 'a' && !rsp[1] && rsp[2] == 'b',
		    "the value with a NUL reads back whole (%u bytes)", rsp_hdr.len);

	/* mkdir and directory. */
	req1(XS_MKDIR, 0, "data/dir");
	guest_check(is_ok(XS_MKDIR), "mkdir data/dir: type %u \"%s\"", rsp_hdr.type, rsp);
	read_is(0, "data/dir", "");
	write_ok(0, "data/dir/a", "1");
	write_ok(0, "data/dir/b", "2");
	req1(XS_DIRECTORY, 0, "data/dir");
	guest_check(rsp_hdr.type == XS_DIRECTORY && rsp_hdr.len == 4 && !guest_strncmp(rsp, "a\0b\0", 4),
		    "directory data/dir is a, b: type %u, %u bytes", rsp_hdr.type, rsp_hdr.len);
	req1(XS_RM, 0, "data/dir");
	guest_check(is_ok(XS_RM), "rm data/dir (and below)");
	read_fails(0, "data/dir/a", "ENOENT");
}

static void permissions(void)
{
	read_fails(0, "/local/domain/0/name", "EACCES");
	req2(XS_WRITE, 0, "/local/domain/0/data/x", "1", false);
	guest_check(is_error("EACCES"), "write below domain 0's home: type %u \"%s\"", rsp_hdr.type, rsp);
	req1(XS_DIRECTORY, 0, "/local/domain");
	guest_check(is_error("EACCES"), "directory /local/domain: type %u \"%s\"", rsp_hdr.type, rsp);
	req2(XS_WRITE, 0, "/local/domain/x", "1", false);
	guest_check(is_error("EACCES"), "write /local/domain/x: type %u \"%s\"", rsp_hdr.type, rsp);
	req1(XS_RM, 0, "/local/domain");
	guest_check(is_error("EACCES"), "rm /local/domain: type %u \"%s\"", rsp_hdr.type, rsp);
	/* The toolstack's nodes in its home are read-only to it. */
	req2(XS_WRITE, 0, "name", "other", false);
	guest_check(is_error("EACCES"), "write its own name (the toolstack's): type %u \"%s\"", rsp_hdr.type, rsp);
	req1(XS_GET_PERMS, 0, "data");
	char want[16] = "n";
	copy_str(want + 1, sizeof(want) - 1, domid, sizeof(domid));
	guest_check(answer_is(XS_GET_PERMS, want), "data's permissions are %s: type %u \"%s\"", want, rsp_hdr.type,
		    rsp);
}

static void watches(void)
{
	req2(XS_WATCH, 0, "data/w", "tok", true);
	guest_check(is_ok(XS_WATCH), "watch data/w: type %u \"%s\"", rsp_hdr.type, rsp);
	guest_check(got_event("data/w", "tok"), "the watch fires when registered");
	write_ok(0, "data/w", "x");
	guest_check(got_event("data/w", "tok"), "and on a write of the node");
	write_ok(0, "data/w/below", "x");
	guest_check(got_event("data/w/below", "tok"), "and on a write below it");
	write_ok(0, "data/wother", "x");
	guest_check(!got_event("data/wother", "tok"), "not on a sibling sharing its prefix");
	req2(XS_WATCH, 0, "data/w", "tok", true);
	guest_check(is_error("EEXIST"), "the same watch twice: type %u \"%s\"", rsp_hdr.type, rsp);
	req2(XS_UNWATCH, 0, "data/w", "tok", true);
	guest_check(is_ok(XS_UNWATCH), "unwatch: type %u \"%s\"", rsp_hdr.type, rsp);
	write_ok(0, "data/w", "y");
	guest_check(!got_event("data/w", "tok"), "no event once unwatched");
	req2(XS_WATCH, 0, "@releaseDomain", "rel", true);
	guest_check(is_ok(XS_WATCH), "watch @releaseDomain: type %u \"%s\"", rsp_hdr.type, rsp);
	guest_check(got_event("@releaseDomain", "rel"), "a special watch fires once when registered too");
	req2(XS_UNWATCH, 0, "@releaseDomain", "rel", true);
}

static uint32_t tx_start(void)
{
	req1(XS_TRANSACTION_START, 0, "");
	uint32_t id = 0;
	for (const char *p = rsp; *p >= '0' && *p <= '9'; p++)
		id = id * 10 + (uint32_t)(*p - '0');
	guest_check(rsp_hdr.type == XS_TRANSACTION_START && id, "transaction start: type %u \"%s\"", rsp_hdr.type,
		    rsp);
	return id;
}

static void transactions(void)
{
	uint32_t t = tx_start();
	write_ok(t, "data/tx", "1");
	read_is(t, "data/tx", "1");
	read_fails(0, "data/tx", "ENOENT");
	req1(XS_TRANSACTION_START, t, "");
	guest_check(is_error("EBUSY"), "a transaction inside one: type %u \"%s\"", rsp_hdr.type, rsp);
	req1(XS_TRANSACTION_END, t, "T");
	guest_check(is_ok(XS_TRANSACTION_END), "commit: type %u \"%s\"", rsp_hdr.type, rsp);
	read_is(0, "data/tx", "1");
	req1(XS_READ, t, "data/tx");
	guest_check(is_error("ENOENT"), "the ended transaction is gone: type %u \"%s\"", rsp_hdr.type, rsp);

	t = tx_start();
	write_ok(t, "data/tx", "2");
	req1(XS_RM, t, "data/tx");
	req1(XS_TRANSACTION_END, t, "F");
	guest_check(is_ok(XS_TRANSACTION_END), "abort: type %u \"%s\"", rsp_hdr.type, rsp);
	read_is(0, "data/tx", "1");

	/* Another write to what it read, meanwhile: EAGAIN, nothing applied. */
	t = tx_start();
	read_is(t, "data/tx", "1");
	write_ok(t, "data/tx2", "t");
	write_ok(0, "data/tx", "outside");
	req1(XS_TRANSACTION_END, t, "T");
	guest_check(is_error("EAGAIN"), "a conflicting commit: type %u \"%s\"", rsp_hdr.type, rsp);
	read_fails(0, "data/tx2", "ENOENT");
	req1(XS_TRANSACTION_END, 9999, "T");
	guest_check(is_error("ENOENT"), "ending an unknown transaction: type %u \"%s\"", rsp_hdr.type, rsp);
}

static void malformed(void)
{
	request(999, 0, "x", 2, "", 0);
	guest_check(is_error("ENOSYS"), "an unknown type: type %u \"%s\"", rsp_hdr.type, rsp);
	request(XS_READ, 0, "data", 4, "", 0);
	guest_check(is_error("EINVAL"), "a path without its NUL: type %u \"%s\"", rsp_hdr.type, rsp);
	read_fails(0, "data/bad path", "EINVAL");
	read_fails(0, "data//x", "EINVAL");
	read_fails(0, "data/", "EINVAL");
	req1(XS_INTRODUCE, 0, "1");
	guest_check(is_error("EACCES"), "a tools-only request: type %u \"%s\"", rsp_hdr.type, rsp);
	/* The largest payload is a valid message, but a node that big is
	 * beyond a guest's entry-size quota (2048 bytes, xenstored's). */
	static char big[XENSTORE_PAYLOAD_MAX];
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = 'v';
	request(XS_WRITE, 0, "data/big", 9, big, sizeof(big) - 9);
	guest_check(is_error("ENOSPC"), "a write of the largest payload: type %u \"%s\"", rsp_hdr.type, rsp);
	request(XS_WRITE, 0, "data/big", 9, big, 1500);
	guest_check(is_ok(XS_WRITE), "a 1500-byte value: type %u \"%s\"", rsp_hdr.type, rsp);
	/* Still served after all that. */
	read_is(0, "domid", domid);
}

/* A header announcing more than XENSTORE_PAYLOAD_MAX: the store stops
 * serving the ring and says why in `error`. */
static void oversized(void)
{
	struct xsd_sockmsg h = { .type = XS_READ, .req_id = next_req_id++, .len = XENSTORE_PAYLOAD_MAX + 1 };
	ring_write(&h, sizeof(h));
	HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	uint32_t err = __atomic_load_n(&intf->error, __ATOMIC_ACQUIRE);
	guest_check(err == XENSTORE_ERROR_PROTO, "an oversized message: error %u (want XENSTORE_ERROR_PROTO)", err);
	guest_check(intf->rsp_cons == intf->rsp_prod, "and no answer");
	/* Further requests stay unread. */
	XENSTORE_RING_IDX cons = intf->req_cons;
	struct xsd_sockmsg r = { .type = XS_READ, .req_id = next_req_id++, .len = 6 };
	ring_write(&r, sizeof(r));
	ring_write("domid", 6);
	HYPERVISOR_sched_op(SCHEDOP_yield, 0);
	guest_check(intf->req_cons == cons && intf->rsp_cons == intf->rsp_prod,
		    "requests after it are not read (req_cons %u, was %u)", intf->req_cons, cons);
}

/* As Linux's shutdown_handler: on each event read control/shutdown in a
 * transaction, acknowledge a request by writing "", act on it. */
static int wait_shutdown(void)
{
	req2(XS_WATCH, 0, "control/shutdown", "shutdown", true);
	guest_check(is_ok(XS_WATCH), "watch control/shutdown: type %u \"%s\"", rsp_hdr.type, rsp);
	write_ok(0, "data/ready", "1");
	guest_printf("xenstore: waiting for control/shutdown\n");
	for (;;) {
		while (!nr_events) {
			read_message();
			if (rsp_hdr.type == XS_WATCH_EVENT)
				keep_event();
			else
				guest_check(false, "an answer nobody asked for: type %u", rsp_hdr.type);
		}
		nr_events = 0;
		char what[32];
		bool have;
		for (;;) {
			uint32_t t = tx_start();
			req1(XS_READ, t, "control/shutdown");
			have = rsp_hdr.type == XS_READ && rsp_hdr.len > 0;
			copy_str(what, sizeof(what), rsp, rsp_hdr.len);
			if (have)
				write_ok(t, "control/shutdown", "");
			req1(XS_TRANSACTION_END, t, "T");
			if (!is_error("EAGAIN"))
				break;
			/* The store changed meanwhile: Linux starts again at once
			 * (the event is taken; no other may come). */
		}
		guest_check(is_ok(XS_TRANSACTION_END), "commit the acknowledgement: type %u \"%s\"", rsp_hdr.type,
			    rsp);
		if (!have)
			continue;
		guest_printf("xenstore: shutdown request \"%s\"\n", what);
		if (streq(what, "poweroff") || streq(what, "halt")) {
			guest_exit_reason = SHUTDOWN_poweroff;
			break;
		}
		if (streq(what, "reboot")) {
			guest_exit_reason = SHUTDOWN_reboot;
			break;
		}
		guest_printf("xenstore: ignoring \"%s\"\n", what);
	}
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}

int guest_main(start_info_t *si)
{
	shinfo = guest_map_shared_info(si);
	intf = guest_frame_va(si, si->store_mfn);
	port = si->store_evtchn;
	if (!guest_check(shinfo && intf && port, "store ring %p, port %u", (void *)intf, port))
		return GUEST_FAIL;
	guest_check(intf->error == XENSTORE_ERROR_NONE && intf->connection == XENSTORE_CONNECTED,
		    "the ring is connected, no error (%u, %u)", intf->connection, intf->error);
	basics();
	permissions();
	watches();
	transactions();
	malformed();
	if (guest_strstr((const char *)si->cmd_line, "wait-shutdown"))
		return wait_shutdown();
	oversized();
	return guest_failed() ? GUEST_FAIL : GUEST_PASS;
}
