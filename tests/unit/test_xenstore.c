/*
 * The xenstore's logic without rings or domains (xen/common/xenstore.c):
 * paths, permissions, quotas, watches, transactions, malformed requests.
 * Each request goes in as the wire carries it; answers are read back from
 * the connection's queue.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/xenstore.h"
#include "tests/tap.h"

static char ans[XENSTORE_PAYLOAD_MAX + 64];
static struct xsd_sockmsg ah;

/* Watch events that came before an answer, for event() to give out. */
#define STASH 512
static struct {
	struct xs_conn *c;
	char text[600];
} stash[STASH];
static unsigned int nstash;

/* Send one request; return the answer's type (payload in ans, length ah.len). */
static uint32_t req(struct xs_conn *c, uint32_t type, uint32_t tx, const char *p, size_t len)
{
	struct xsd_sockmsg h = { type, 77, tx, (uint32_t)len };
	xs_lock();
	xs_process_locked(c, &h, p);
	char buf[sizeof(h) + XENSTORE_PAYLOAD_MAX + 64];
	for (;;) {
		long n = xs_take_output_locked(c, buf, sizeof(buf));
		if (n < (long)sizeof(h)) {
			xs_unlock();
			return XS_INVALID;
		}
		memcpy(&ah, buf, sizeof(ah));
		if (ah.type != XS_WATCH_EVENT)
			break;
		const char *e = buf + sizeof(h);
		if (nstash < STASH) {
			stash[nstash].c = c;
			snprintf(stash[nstash].text, sizeof(stash[nstash].text), "%.290s %.290s", e, e + strlen(e) + 1);
			nstash++;
		}
	}
	xs_unlock();
	memcpy(ans, buf + sizeof(ah), ah.len);
	ans[ah.len] = 0;
	return ah.type;
}

/* A request whose payload is a string with its NUL. */
static uint32_t sreq(struct xs_conn *c, uint32_t type, uint32_t tx, const char *s)
{
	return req(c, type, tx, s, strlen(s) + 1);
}

static bool is_error(uint32_t type, const char *name)
{
	return type == XS_ERROR && !strcmp(ans, name);
}

static uint32_t wr(struct xs_conn *c, uint32_t tx, const char *path, const char *val)
{
	char buf[4200];
	size_t n = strlen(path) + 1;
	memcpy(buf, path, n);
	memcpy(buf + n, val, strlen(val));
	return req(c, XS_WRITE, tx, buf, n + strlen(val));
}

static uint32_t watch(struct xs_conn *c, uint32_t type, const char *path, const char *token)
{
	char buf[512];
	int n = snprintf(buf, sizeof(buf), "%s%c%s", path, 0, token);
	return req(c, type, 0, buf, (size_t)n + 1);
}

/* The next queued watch event of c: "path token", or "" if none. */
static const char *event(struct xs_conn *c)
{
	static char out[2 * XENSTORE_PAYLOAD_MAX + 8];
	for (unsigned int i = 0; i < nstash; i++)
		if (stash[i].c == c) {
			snprintf(out, sizeof(out), "%s", stash[i].text);
			memmove(&stash[i], &stash[i + 1], (nstash - i - 1) * sizeof(stash[0]));
			nstash--;
			return out;
		}
	char buf[sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX];
	xs_lock();
	long n = xs_take_output_locked(c, buf, sizeof(buf));
	xs_unlock();
	out[0] = 0;
	struct xsd_sockmsg h;
	if (n < (long)sizeof(h))
		return out;
	memcpy(&h, buf, sizeof(h));
	if (h.type != XS_WATCH_EVENT)
		return "not an event";
	const char *p = buf + sizeof(h);
	snprintf(out, sizeof(out), "%s %s", p, p + strlen(p) + 1);
	return out;
}

int main(void)
{
	xs_reset();
	struct xs_conn *tools = xs_conn_new(0, true);
	struct xs_conn *d1 = xs_conn_new(1, false);
	struct xs_conn *d2 = xs_conn_new(2, false);

	/* The toolstack's set-up of domains 1 and 2 as the builder does it. */
	TAP_CHECK(sreq(tools, XS_MKDIR, 0, "/local/domain/1") == XS_MKDIR && !strcmp(ans, "OK") && ah.req_id == 77,
		  "mkdir by the tools: OK, req_id echoed");
	TAP_CHECK(req(tools, XS_SET_PERMS, 0, "/local/domain/1\0n1", 19) == XS_SET_PERMS, "home owned by domain 1");
	TAP_CHECK(wr(tools, 0, "/local/domain/1/name", "one") == XS_WRITE, "the tools write its name");
	TAP_CHECK(req(tools, XS_SET_PERMS, 0, "/local/domain/1/name\0n0\0r1", 27) == XS_SET_PERMS,
		  "name: owned by 0, readable by 1");
	sreq(tools, XS_MKDIR, 0, "/local/domain/2");
	req(tools, XS_SET_PERMS, 0, "/local/domain/2\0n2", 19);
	wr(tools, 0, "/local/domain/2/secret", "x");

	/* Paths. */
	TAP_CHECK(sreq(d1, XS_READ, 0, "name") == XS_READ && ah.len == 3 && !memcmp(ans, "one", 3),
		  "a relative path is below /local/domain/<id>; the value has no NUL");
	TAP_CHECK(sreq(d1, XS_READ, 0, "/local/domain/1/name") == XS_READ, "the absolute path names the same node");
	TAP_CHECK(is_error(sreq(d1, XS_READ, 0, "nosuch"), "ENOENT"), "a missing node in its own area: ENOENT");
	TAP_CHECK(is_error(sreq(d1, XS_READ, 0, "a//b"), "EINVAL"), "'//': EINVAL");
	TAP_CHECK(is_error(sreq(d1, XS_READ, 0, "a/"), "EINVAL"), "a trailing '/': EINVAL");
	TAP_CHECK(is_error(sreq(d1, XS_READ, 0, "a b"), "EINVAL"), "a character outside Xen's set: EINVAL");
	TAP_CHECK(is_error(sreq(d1, XS_READ, 0, ""), "EINVAL"), "an empty path: EINVAL");
	TAP_CHECK(is_error(sreq(d1, XS_READ, 0, "@releaseDomain"), "EINVAL"), "'@' paths only for watches");
	TAP_CHECK(is_error(req(d1, XS_READ, 0, "name", 4), "EINVAL"), "a path without its NUL: EINVAL");
	TAP_CHECK(is_error(req(d1, XS_READ, 0, "name\0x", 7), "EINVAL"), "two strings where one is due: EINVAL");
	TAP_CHECK(is_error(req(d1, XS_READ, 0, "", 0), "EINVAL"), "no payload: EINVAL");
	char longp[XENSTORE_REL_PATH_MAX + 10];
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = 0;
	TAP_CHECK(is_error(wr(d1, 0, longp, "v"), "EINVAL"), "a relative path over XENSTORE_REL_PATH_MAX: EINVAL");
	longp[XENSTORE_REL_PATH_MAX] = 0;
	for (int i = 100; i < XENSTORE_REL_PATH_MAX; i += 101)
		longp[i] = '/';
	TAP_CHECK(wr(d1, 0, longp, "v") == XS_WRITE, "one of XENSTORE_REL_PATH_MAX bytes is fine");
	longp[100] = 0;
	sreq(d1, XS_RM, 0, longp);

	/* Permissions. */
	TAP_CHECK(is_error(wr(d1, 0, "name", "evil"), "EACCES"), "the guest cannot change what the tools own");
	TAP_CHECK(is_error(sreq(d1, XS_READ, 0, "/local/domain/2/secret"), "EACCES"),
		  "nor read another domain's node");
	TAP_CHECK(is_error(sreq(d1, XS_READ, 0, "/local/domain/2/nosuch"), "EACCES"),
		  "a missing node where it may not look: EACCES, not ENOENT");
	TAP_CHECK(is_error(wr(d1, 0, "/local/domain/2/x", "v"), "EACCES"), "nor write in another domain's area");
	TAP_CHECK(is_error(wr(d1, 0, "/local/domain/x", "v"), "EACCES"), "nor in /local/domain itself");
	TAP_CHECK(is_error(sreq(d1, XS_DIRECTORY, 0, "/local/domain"), "EACCES"), "nor list /local/domain");
	TAP_CHECK(wr(d1, 0, "data/a/b", "v") == XS_WRITE, "it writes in its own area, parents made");
	TAP_CHECK(sreq(d1, XS_GET_PERMS, 0, "data/a") == XS_GET_PERMS && !strcmp(ans, "n1"),
		  "what it makes it owns");
	TAP_CHECK(req(d1, XS_SET_PERMS, 0, "data/a\0n1\0r2", 13) == XS_SET_PERMS, "and may share it");
	TAP_CHECK(sreq(d2, XS_READ, 0, "/local/domain/1/data/a") == XS_READ, "domain 2 then reads it");
	TAP_CHECK(is_error(wr(d2, 0, "/local/domain/1/data/a", "x"), "EACCES"), "but may not write it");
	TAP_CHECK(is_error(req(d1, XS_SET_PERMS, 0, "data/a\0n2", 10), "EPERM"), "a guest cannot give a node away");
	TAP_CHECK(is_error(req(d1, XS_SET_PERMS, 0, "data/a\0x1", 10), "EINVAL"), "a malformed permission: EINVAL");
	TAP_CHECK(is_error(req(d1, XS_SET_PERMS, 0, "data/a\0n1\0r2\0r3\0r4\0r5\0r6", 25), "ENOSPC"),
		  "more than 5 permission entries: ENOSPC");
	TAP_CHECK(is_error(req(d2, XS_SET_PERMS, 0, "/local/domain/1/data/a\0n2", 26), "EACCES"),
		  "only the owner sets permissions");
	TAP_CHECK(is_error(sreq(d1, XS_RM, 0, "name"), "EACCES"), "the guest cannot remove the tools' node");

	/* Directory, mkdir, rm. */
	TAP_CHECK(sreq(d1, XS_MKDIR, 0, "data/dir") == XS_MKDIR, "mkdir");
	TAP_CHECK(sreq(d1, XS_MKDIR, 0, "data/dir") == XS_MKDIR, "mkdir of an existing node: OK");
	TAP_CHECK(sreq(d1, XS_DIRECTORY, 0, "data") == XS_DIRECTORY && ah.len == 6 && !memcmp(ans, "a\0dir\0", 6),
		  "directory: each name NUL-terminated, in creation order");
	TAP_CHECK(sreq(d1, XS_READ, 0, "data/dir") == XS_READ && ah.len == 0, "a directory's value is empty");
	TAP_CHECK(sreq(d1, XS_RM, 0, "data/a") == XS_RM, "rm removes a subtree");
	TAP_CHECK(is_error(sreq(d1, XS_READ, 0, "data/a/b"), "ENOENT"), "its children are gone");
	TAP_CHECK(sreq(d1, XS_RM, 0, "data/a") == XS_RM, "rm of a missing node whose parent exists: OK");
	TAP_CHECK(is_error(sreq(d1, XS_RM, 0, "data/x/y"), "ENOENT"), "rm below a missing parent: ENOENT");
	TAP_CHECK(is_error(sreq(tools, XS_RM, 0, "/"), "EINVAL"), "the root cannot go");
	TAP_CHECK(wr(d1, 0, "data/bin", "") == XS_WRITE, "an empty value");
	TAP_CHECK(req(d1, XS_WRITE, 0, "data/bin\0a\0b", 12) == XS_WRITE && sreq(d1, XS_READ, 0, "data/bin") == XS_READ &&
			  ah.len == 3 && !memcmp(ans, "a\0b", 3),
		  "a value with a NUL inside comes back whole");

	/* Other requests. */
	TAP_CHECK(sreq(d1, XS_GET_DOMAIN_PATH, 0, "7") == XS_GET_DOMAIN_PATH && !strcmp(ans, "/local/domain/7") &&
			  ah.len == 16,
		  "get_domain_path");
	TAP_CHECK(is_error(sreq(d1, XS_GET_DOMAIN_PATH, 0, "x"), "EINVAL"), "get_domain_path of a non-number: EINVAL");
	TAP_CHECK(is_error(sreq(d1, XS_INTRODUCE, 0, "x"), "EACCES"), "a tools' request from a guest: EACCES");
	TAP_CHECK(is_error(sreq(d1, 9999, 0, "x"), "ENOSYS"), "an unknown type: ENOSYS");
	TAP_CHECK(is_error(sreq(d1, XS_WATCH_EVENT, 0, "x"), "ENOSYS"), "a store-to-client type: ENOSYS");
	TAP_CHECK(is_error(sreq(d1, XS_READ, 12345, "name"), "ENOENT"), "an unknown transaction: ENOENT");

	/* Watches. */
	TAP_CHECK(watch(d1, XS_WATCH, "data", "tok") == XS_WATCH && !strcmp(ans, "OK"), "watch");
	TAP_CHECK(!strcmp(event(d1), "data tok"), "it fires once on registration (relative path given back)");
	TAP_CHECK(!strcmp(event(d1), ""), "and only once");
	wr(d1, 0, "data/x/y", "1");
	TAP_CHECK(!strcmp(event(d1), "data/x/y tok"), "a write below fires it");
	wr(d1, 0, "data2", "1");
	TAP_CHECK(!strcmp(event(d1), ""), "a sibling with the same prefix does not");
	TAP_CHECK(watch(d2, XS_WATCH, "/local/domain/1/data", "t2") == XS_WATCH &&
			  !strcmp(event(d2), "/local/domain/1/data t2"),
		  "another domain may watch anywhere (the first event is always sent)");
	wr(d1, 0, "data/x/z", "1");
	TAP_CHECK(!strcmp(event(d2), ""), "but gets no event for nodes it may not read");
	event(d1);
	sreq(d1, XS_RM, 0, "data/x");
	TAP_CHECK(!strcmp(event(d1), "data/x tok"), "rm fires the watch");
	TAP_CHECK(watch(d1, XS_WATCH, "data/w/deep", "t3") == XS_WATCH, "a watch below");
	event(d1);
	wr(d1, 0, "data/w/deep/er", "1");
	event(d1);
	event(d1);
	sreq(d1, XS_RM, 0, "data/w");
	const char *e1 = event(d1), *e1copy = e1;
	char first[2 * XENSTORE_PAYLOAD_MAX + 8];
	snprintf(first, sizeof(first), "%s", e1copy);
	const char *e2 = event(d1);
	TAP_CHECK((!strcmp(first, "data/w tok") && !strcmp(e2, "data/w/deep t3")) ||
			  (!strcmp(first, "data/w/deep t3") && !strcmp(e2, "data/w tok")),
		  "removing a parent fires the watches on the nodes removed below it");
	while (event(d1)[0])
		;
	TAP_CHECK(is_error(watch(d1, XS_WATCH, "data", "tok"), "EEXIST"), "the same watch twice: EEXIST");
	TAP_CHECK(watch(d1, XS_UNWATCH, "data", "tok") == XS_UNWATCH, "unwatch");
	TAP_CHECK(is_error(watch(d1, XS_UNWATCH, "data", "tok"), "ENOENT"), "unwatch again: ENOENT");
	wr(d1, 0, "data/q", "1");
	TAP_CHECK(!strcmp(event(d1), ""), "no event after unwatch");
	TAP_CHECK(watch(tools, XS_WATCH, "@releaseDomain", "rel") == XS_WATCH && !strcmp(event(tools), "@releaseDomain rel"),
		  "the tools watch @releaseDomain");
	int wn = 0;
	uint32_t wt = XS_WATCH;
	for (int i = 0; i < XS_QUOTA_WATCHES + 1 && wt == XS_WATCH; i++) {
		char tok[16];
		snprintf(tok, sizeof(tok), "q%d", i);
		wt = watch(d2, XS_WATCH, "/local/domain/2", tok);
		wn++;
	}
	TAP_CHECK(is_error(wt, "ENOSPC") && wn == XS_QUOTA_WATCHES, "128 watches at most (the 128th is refused: one is there)");
	TAP_CHECK(sreq(d2, XS_RESET_WATCHES, 0, "") == XS_RESET_WATCHES, "reset_watches");
	while (event(d2)[0])
		;
	TAP_CHECK(watch(d2, XS_WATCH, "/local/domain/2", "again") == XS_WATCH, "then watches may be set again");
	event(d2);

	/* Transactions. */
	TAP_CHECK(sreq(d1, XS_TRANSACTION_START, 0, "") == XS_TRANSACTION_START, "transaction_start");
	uint32_t tx = (uint32_t)strtoul(ans, NULL, 10);
	TAP_CHECK(tx != 0, "gives a transaction id");
	TAP_CHECK(wr(d1, tx, "data/t", "1") == XS_WRITE && ah.tx_id == tx, "a write in it (tx_id echoed)");
	TAP_CHECK(is_error(sreq(d1, XS_READ, 0, "data/t"), "ENOENT"), "unseen outside the transaction");
	TAP_CHECK(sreq(d1, XS_READ, tx, "data/t") == XS_READ, "seen inside");
	TAP_CHECK(watch(d1, XS_WATCH, "data/t", "tt") == XS_WATCH, "a watch on it");
	event(d1);
	TAP_CHECK(sreq(d1, XS_TRANSACTION_END, tx, "T") == XS_TRANSACTION_END, "commit");
	TAP_CHECK(sreq(d1, XS_READ, 0, "data/t") == XS_READ && !strcmp(ans, "1"), "the write is there after it");
	TAP_CHECK(!strcmp(event(d1), "data/t tt"), "and the watch fires at the commit");
	TAP_CHECK(is_error(sreq(d1, XS_TRANSACTION_END, tx, "T"), "ENOENT"), "the transaction is gone");
	sreq(d1, XS_TRANSACTION_START, 0, "");
	tx = (uint32_t)strtoul(ans, NULL, 10);
	wr(d1, tx, "data/t", "2");
	TAP_CHECK(sreq(d1, XS_TRANSACTION_END, tx, "F") == XS_TRANSACTION_END, "abort");
	TAP_CHECK(sreq(d1, XS_READ, 0, "data/t") == XS_READ && !strcmp(ans, "1"), "an aborted write is not there");
	TAP_CHECK(!strcmp(event(d1), ""), "and fired nothing");
	sreq(d1, XS_TRANSACTION_START, 0, "");
	tx = (uint32_t)strtoul(ans, NULL, 10);
	wr(d1, tx, "data/t", "3");
	wr(d2, 0, "/local/domain/2/other", "x");
	TAP_CHECK(is_error(sreq(d1, XS_TRANSACTION_END, tx, "T"), "EAGAIN"),
		  "a commit after another change in the store: EAGAIN");
	TAP_CHECK(sreq(d1, XS_READ, 0, "data/t") == XS_READ && !strcmp(ans, "1"), "and nothing of it is applied");
	sreq(d1, XS_TRANSACTION_START, 0, "");
	tx = (uint32_t)strtoul(ans, NULL, 10);
	TAP_CHECK(is_error(sreq(d1, XS_TRANSACTION_END, tx, "X"), "EINVAL"), "an end that is neither T nor F: EINVAL");
	sreq(d1, XS_TRANSACTION_END, tx, "F");

	/* Copies of the tree: none for a transaction that only reads, one
	 * from its first change, XS_TRANS_COPIES store-wide. */
	xs_lock();
	unsigned int copies0 = xs_trans_copies_locked();
	xs_unlock();
	sreq(d1, XS_TRANSACTION_START, 0, "");
	tx = (uint32_t)strtoul(ans, NULL, 10);
	TAP_CHECK(sreq(d1, XS_READ, tx, "data/t") == XS_READ && !strcmp(ans, "1"), "a transaction reads the store");
	xs_lock();
	TAP_CHECK(xs_trans_copies_locked() == copies0, "without a copy of the tree while it only reads");
	xs_unlock();
	TAP_CHECK(sreq(d1, XS_TRANSACTION_END, tx, "T") == XS_TRANSACTION_END, "a read-only transaction commits");
	struct xs_conn *many[XS_TRANS_COPIES + 1];
	uint32_t mtx[XS_TRANS_COPIES + 1];
	for (int i = 0; i <= XS_TRANS_COPIES; i++) {
		many[i] = xs_conn_new(0, true);
		sreq(many[i], XS_TRANSACTION_START, 0, "");
		mtx[i] = (uint32_t)strtoul(ans, NULL, 10);
	}
	bool all_ok = true;
	for (int i = 0; i <= XS_TRANS_COPIES; i++) {
		char p[48];
		snprintf(p, sizeof(p), "/tx/n%d", i);
		all_ok = all_ok && wr(many[i], mtx[i], p, "v") == XS_WRITE;
	}
	TAP_CHECK(all_ok, "%d transactions write (each acknowledged)", XS_TRANS_COPIES + 1);
	xs_lock();
	TAP_CHECK(xs_trans_copies_locked() == copies0 + XS_TRANS_COPIES, "%d copies of the tree at most, store-wide (%u)",
		  XS_TRANS_COPIES, xs_trans_copies_locked() - copies0);
	xs_unlock();
	TAP_CHECK(is_error(sreq(many[XS_TRANS_COPIES], XS_TRANSACTION_END, mtx[XS_TRANS_COPIES], "T"), "EAGAIN"),
		  "the one beyond: its commit is EAGAIN");
	TAP_CHECK(is_error(sreq(tools, XS_READ, 0, "/tx/n16"), "ENOENT"), "and nothing of it is applied");
	TAP_CHECK(sreq(many[0], XS_TRANSACTION_END, mtx[0], "T") == XS_TRANSACTION_END, "the first commits");
	TAP_CHECK(sreq(tools, XS_READ, 0, "/tx/n0") == XS_READ, "its write is there");
	TAP_CHECK(is_error(sreq(many[1], XS_TRANSACTION_END, mtx[1], "T"), "EAGAIN"), "the others then conflict");
	for (int i = 2; i < XS_TRANS_COPIES; i++)
		sreq(many[i], XS_TRANSACTION_END, mtx[i], "F");
	xs_lock();
	TAP_CHECK(xs_trans_copies_locked() == copies0, "every copy is freed with its transaction");
	xs_unlock();
	/* A transaction whose first change comes after another change in
	 * the store: no copy, acknowledged, EAGAIN at the end. */
	sreq(d1, XS_TRANSACTION_START, 0, "");
	tx = (uint32_t)strtoul(ans, NULL, 10);
	wr(tools, 0, "/tx/n0", "w");
	TAP_CHECK(wr(d1, tx, "data/late", "1") == XS_WRITE, "a late first change is acknowledged");
	xs_lock();
	TAP_CHECK(xs_trans_copies_locked() == copies0, "and takes no copy");
	xs_unlock();
	TAP_CHECK(is_error(sreq(d1, XS_TRANSACTION_END, tx, "T"), "EAGAIN"), "its commit: EAGAIN");
	TAP_CHECK(is_error(sreq(d1, XS_READ, 0, "data/late"), "ENOENT"), "nothing of it applied");
	for (int i = 0; i <= XS_TRANS_COPIES; i++)
		xs_conn_free(many[i]);
	sreq(tools, XS_RM, 0, "/tx");

	int tn = 0;
	uint32_t tt = XS_TRANSACTION_START;
	for (int i = 0; i < XS_QUOTA_TRANS + 1 && tt == XS_TRANSACTION_START; i++, tn++)
		tt = sreq(d2, XS_TRANSACTION_START, 0, "");
	TAP_CHECK(is_error(tt, "ENOSPC") && tn == XS_QUOTA_TRANS + 1, "10 open transactions at most: ENOSPC");
	sreq(d2, XS_RESET_WATCHES, 0, "");

	/* Quotas on nodes. */
	uint32_t t = XS_WRITE;
	int made = 0;
	for (int i = 0; i < XS_QUOTA_NODES + 5 && t == XS_WRITE; i++) {
		char p[32];
		snprintf(p, sizeof(p), "/local/domain/2/n%d", i);
		t = wr(d2, 0, p, "");
		made += t == XS_WRITE;
	}
	TAP_CHECK(is_error(t, "ENOSPC") && made < XS_QUOTA_NODES, "a domain owns 1000 nodes at most: ENOSPC");
	char big[XS_QUOTA_NODESZ + 10];
	memset(big, 'v', sizeof(big) - 1);
	big[sizeof(big) - 1] = 0;
	TAP_CHECK(is_error(wr(d1, 0, "data/big", big), "ENOSPC"), "a value over the node size quota: ENOSPC");
	TAP_CHECK(wr(tools, 0, "/tool/big", big) == XS_WRITE, "the tools have no quota");

	/* A domain goes. */
	wr(tools, 0, "/local/domain/1/vm", "/vm/abc");
	req(tools, XS_SET_PERMS, 0, "/local/domain/1/vm\0n0\0r1", 25);
	wr(tools, 0, "/vm/abc/name", "one");
	while (event(tools)[0])
		;
	xs_lock();
	xs_domain_gone_locked(1);
	xs_fire_special_locked("@releaseDomain");
	xs_unlock();
	TAP_CHECK(is_error(sreq(tools, XS_READ, 0, "/local/domain/1"), "ENOENT"), "its home is removed");
	TAP_CHECK(is_error(sreq(tools, XS_READ, 0, "/vm/abc"), "ENOENT"), "and its /vm path");
	TAP_CHECK(sreq(tools, XS_READ, 0, "/local/domain/2/secret") == XS_READ, "other domains' nodes stay");
	TAP_CHECK(!strcmp(event(tools), "@releaseDomain rel"), "@releaseDomain fires");

	xs_conn_free(d1);
	xs_conn_free(d2);
	xs_conn_free(tools);
	xs_reset();
	return tap_done();
}
