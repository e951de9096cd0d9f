/*
 * The xenstore: a tree of nodes (a value, a permission list, children)
 * and Xen's wire protocol over it, as Xen's xenstored serves it
 * (docs/xenstore.md).  Rings and domains are xenstore_ring.c's; this file
 * only sees connections, so the unit tests drive it directly.
 *
 * Every payload is the client's: lengths are the header's (checked by the
 * caller against XENSTORE_PAYLOAD_MAX), strings are looked for within
 * them, nothing is assumed NUL-terminated.
 */
#include "hv/xenstore.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PERM_READ 1u
#define PERM_WRITE 2u
#define PERM_OWNER 4u

struct xs_perm {
	uint32_t id;
	uint32_t perm; /* PERM_READ | PERM_WRITE; for entry 0: what others get */
};

struct xs_node {
	char *name; /* the last component ("" for the root) */
	struct xs_node *parent;
	struct xs_node **kids;
	size_t nkids, kcap;
	char *value;
	uint32_t vlen;
	uint32_t nperms;
	struct xs_perm *perms; /* [0]: the owner and everyone else's rights */
};

struct xs_watch {
	struct xs_watch *next;
	char *path;  /* canonical */
	char *token;
	size_t strip; /* bytes of path to leave out of events (a relative watch) */
};

/* An event a transaction's change will fire once it commits. */
struct xs_pending_event {
	struct xs_pending_event *next;
	bool exact;
	char path[];
};

struct xs_trans {
	struct xs_trans *next;
	uint32_t id;
	uint64_t start_gen;
	/* Its own copy of the tree, taken at its first change (NULL before:
	 * it reads the store itself, which has not changed since it began,
	 * or it is stale). */
	struct xs_node *root;
	/* It cannot commit (EAGAIN): the store changed before its first
	 * change, or no copy could be had; its changes are acknowledged and
	 * dropped. */
	bool stale;
	struct xs_pending_event *events, **events_tail;
};

struct xs_conn {
	struct xs_conn *next; /* all connections (store.conns) */
	uint32_t domid;
	bool privileged;
	struct xs_watch *watches;
	unsigned int nwatches;
	struct xs_trans *trans;
	unsigned int ntrans;
	char *outq; /* whole messages, oldest first */
	size_t outq_len, outq_cap;
	bool dropped_reported;
	bool control; /* the toolstack's: no ring, so no watches */
	void *ring;
	const struct xs_ring_ops *ops;
};

static struct {
	pthread_mutex_t lock;
	struct xs_node *root;
	/* Bumped by every change outside a transaction and every commit: a
	 * transaction that started at another generation cannot commit. */
	uint64_t gen;
	uint32_t next_tx;
	struct xs_conn *conns;
	unsigned int copies; /* transactions holding a copy of the tree */
} store = { .lock = PTHREAD_MUTEX_INITIALIZER, .next_tx = 1 };

void xs_lock(void)
{
	pthread_mutex_lock(&store.lock);
}

void xs_unlock(void)
{
	pthread_mutex_unlock(&store.lock);
}

/* ---- nodes ------------------------------------------------------------- */

static void node_free(struct xs_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		node_free(n->kids[i]);
	free(n->kids);
	free(n->name);
	free(n->value);
	free(n->perms);
	free(n);
}

static struct xs_node *node_new(const char *name, size_t namelen, const struct xs_perm *perms, uint32_t nperms)
{
	struct xs_node *n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->name = strndup(name, namelen);
	n->perms = malloc(nperms * sizeof(*perms));
	if (!n->name || !n->perms) {
		node_free(n);
		return NULL;
	}
	memcpy(n->perms, perms, nperms * sizeof(*perms));
	n->nperms = nperms;
	return n;
}

static struct xs_node *node_copy(const struct xs_node *src, struct xs_node *parent)
{
	struct xs_node *n = node_new(src->name, strlen(src->name), src->perms, src->nperms);
	if (!n)
		return NULL;
	n->parent = parent;
	if (src->vlen) {
		n->value = malloc(src->vlen);
		if (!n->value)
			goto fail;
		memcpy(n->value, src->value, src->vlen);
		n->vlen = src->vlen;
	}
	if (src->nkids) {
		n->kids = calloc(src->nkids, sizeof(*n->kids));
		if (!n->kids)
			goto fail;
		n->kcap = src->nkids;
		for (size_t i = 0; i < src->nkids; i++) {
			n->kids[i] = node_copy(src->kids[i], n);
			if (!n->kids[i])
				goto fail;
			n->nkids++;
		}
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

static struct xs_node *child(const struct xs_node *n, const char *name, size_t len)
{
	for (size_t i = 0; i < n->nkids; i++)
		if (strlen(n->kids[i]->name) == len && !memcmp(n->kids[i]->name, name, len))
			return n->kids[i];
	return NULL;
}

static int add_child(struct xs_node *parent, struct xs_node *n)
{
	if (parent->nkids == parent->kcap) {
		size_t cap = parent->kcap ? parent->kcap * 2 : 4;
		struct xs_node **k = realloc(parent->kids, cap * sizeof(*k));
		if (!k)
			return -ENOMEM;
		parent->kids = k;
		parent->kcap = cap;
	}
	parent->kids[parent->nkids++] = n;
	n->parent = parent;
	return 0;
}

static void unlink_child(struct xs_node *n)
{
	struct xs_node *p = n->parent;
	for (size_t i = 0; i < p->nkids; i++)
		if (p->kids[i] == n) {
			memmove(&p->kids[i], &p->kids[i + 1], (p->nkids - i - 1) * sizeof(*p->kids));
			p->nkids--;
			break;
		}
	n->parent = NULL;
}

/* The node at canonical path (absolute, "/" for the root). */
static struct xs_node *lookup(struct xs_node *root, const char *path)
{
	struct xs_node *n = root;
	const char *p = path + 1;
	while (n && *p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		n = child(n, p, len);
		p += len + (slash ? 1 : 0);
	}
	return n;
}

/* The deepest existing node on the way to path (the node itself if it exists). */
static struct xs_node *nearest(struct xs_node *root, const char *path)
{
	struct xs_node *n = root;
	const char *p = path + 1;
	while (*p) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		struct xs_node *k = child(n, p, len);
		if (!k)
			break;
		n = k;
		p += len + (slash ? 1 : 0);
	}
	return n;
}

static size_t childlen(const struct xs_node *n)
{
	size_t len = 0;
	for (size_t i = 0; i < n->nkids; i++)
		len += strlen(n->kids[i]->name) + 1;
	return len;
}

/* Xen's record size: a header, the permissions, the value, the children's names. */
static size_t node_size(const struct xs_node *n, size_t vlen, size_t extra_child)
{
	return 24 + 8 * (size_t)n->nperms + vlen + childlen(n) + extra_child;
}

static unsigned int count_owned(const struct xs_node *n, uint32_t domid)
{
	unsigned int c = n->perms[0].id == domid;
	for (size_t i = 0; i < n->nkids; i++)
		c += count_owned(n->kids[i], domid);
	return c;
}

/* ---- permissions ------------------------------------------------------- */

static unsigned int perm_for(const struct xs_conn *c, const struct xs_node *n)
{
	if (c->privileged || n->perms[0].id == c->domid)
		return PERM_READ | PERM_WRITE | PERM_OWNER;
	for (uint32_t i = 1; i < n->nperms; i++)
		if (n->perms[i].id == c->domid)
			return n->perms[i].perm;
	return n->perms[0].perm;
}

/* For a missing node: ENOENT if the caller may see its nearest existing
 * ancestor that way, else EACCES (Xen's errno_from_parents). */
static int missing(const struct xs_conn *c, struct xs_node *root, const char *path, unsigned int want)
{
	return perm_for(c, nearest(root, path)) & want ? -ENOENT : -EACCES;
}

static char perm_letter(uint32_t p)
{
	switch (p & (PERM_READ | PERM_WRITE)) {
	case PERM_READ:
		return 'r';
	case PERM_WRITE:
		return 'w';
	case PERM_READ | PERM_WRITE:
		return 'b';
	default:
		return 'n';
	}
}

/* ---- paths ------------------------------------------------------------- */

static int home_path(uint32_t domid, char *buf, size_t len)
{
	return snprintf(buf, len, "/local/domain/%u", domid);
}

/* The canonical form of a client's path: relative paths are below the
 * connection's home.  Xen's rules: only [A-Za-z0-9-/_@], no "//", no
 * trailing '/' (but "/"), '@' first only where special paths are
 * allowed (watches), at most XENSTORE_REL_PATH_MAX bytes below
 * /local/domain/<id>/ for an unprivileged client and
 * XENSTORE_ABS_PATH_MAX in all.  *strip: bytes a relative watch's events
 * leave out. */
static int canonicalize(const struct xs_conn *c, const char *in, bool special, char *out, size_t *strip)
{
	size_t len = strlen(in);
	if (!len || strspn(in, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-/_@") != len)
		return -EINVAL;
	if (in[0] == '@' && !special)
		return -EINVAL;
	size_t pre = 0;
	if (in[0] != '/' && in[0] != '@') {
		pre = (size_t)home_path(c->domid, out, XENSTORE_ABS_PATH_MAX + 1) + 1;
		if (pre + len > XENSTORE_ABS_PATH_MAX)
			return -EINVAL;
		out[pre - 1] = '/';
		memcpy(out + pre, in, len + 1);
	} else {
		if (len > XENSTORE_ABS_PATH_MAX)
			return -EINVAL;
		memcpy(out, in, len + 1);
	}
	if (strip)
		*strip = pre;
	size_t n = strlen(out);
	if ((n > 1 && out[n - 1] == '/') || strstr(out, "//"))
		return -EINVAL;
	unsigned int domid;
	int off = 0;
	if (sscanf(out, "/local/domain/%5u/%n", &domid, &off) < 1 || off == 0)
		off = 0;
	if (!c->privileged && n - (size_t)off > XENSTORE_REL_PATH_MAX)
		return -EINVAL;
	return 0;
}

/* A payload's NUL-terminated strings: how many, their starts in v (at most
 * max).  -1 if the payload does not end with a NUL. */
static int split(const char *p, uint32_t len, const char **v, int max)
{
	if (!len || p[len - 1])
		return -1;
	int n = 0;
	for (uint32_t i = 0; i < len; i += (uint32_t)strlen(p + i) + 1) {
		if (n < max)
			v[n] = p + i;
		n++;
	}
	return n;
}

/* ---- output ------------------------------------------------------------ */

static int queue(struct xs_conn *c, uint32_t type, uint32_t req_id, uint32_t tx_id, const void *a,
		 size_t alen, const void *b, size_t blen)
{
	size_t need = sizeof(struct xsd_sockmsg) + alen + blen;
	if (c->outq_len + need > c->outq_cap) {
		size_t cap = c->outq_cap ? c->outq_cap : 4096;
		while (cap < c->outq_len + need)
			cap *= 2;
		char *q = realloc(c->outq, cap);
		if (!q)
			return -ENOMEM;
		c->outq = q;
		c->outq_cap = cap;
	}
	struct xsd_sockmsg h = { type, req_id, tx_id, (uint32_t)(alen + blen) };
	memcpy(c->outq + c->outq_len, &h, sizeof(h));
	if (alen)
		memcpy(c->outq + c->outq_len + sizeof(h), a, alen);
	if (blen)
		memcpy(c->outq + c->outq_len + sizeof(h) + alen, b, blen);
	c->outq_len += need;
	return 0;
}

static const char *const error_names[] = {
	[EINVAL] = "EINVAL", [EACCES] = "EACCES", [EEXIST] = "EEXIST",       [EISDIR] = "EISDIR",
	[ENOENT] = "ENOENT", [ENOMEM] = "ENOMEM", [ENOSPC] = "ENOSPC",       [EIO] = "EIO",
	[ENOTEMPTY] = "ENOTEMPTY", [ENOSYS] = "ENOSYS", [EROFS] = "EROFS", [EBUSY] = "EBUSY",
	[EAGAIN] = "EAGAIN", [EISCONN] = "EISCONN", [E2BIG] = "E2BIG",       [EPERM] = "EPERM",
};

static void reply_error(struct xs_conn *c, const struct xsd_sockmsg *h, int err)
{
	const char *name = err > 0 && (size_t)err < sizeof(error_names) / sizeof(error_names[0]) &&
					   error_names[err]
				   ? error_names[err]
				   : "EINVAL"; /* xenstored's answer for an errno it has no name for */
	queue(c, XS_ERROR, h->req_id, h->tx_id, name, strlen(name) + 1, NULL, 0);
}

static void reply(struct xs_conn *c, const struct xsd_sockmsg *h, const void *p, size_t len)
{
	if (queue(c, h->type, h->req_id, h->tx_id, p, len, NULL, 0))
		reply_error(c, h, ENOMEM);
}

static void ack(struct xs_conn *c, const struct xsd_sockmsg *h)
{
	reply(c, h, "OK", 3);
}

/* ---- watches ----------------------------------------------------------- */

/* Whether path is base or below it. */
static bool is_below(const char *path, const char *base)
{
	size_t n = strlen(base);
	if (!strcmp(base, "/"))
		return path[0] == '/';
	return !strncmp(path, base, n) && (path[n] == 0 || path[n] == '/');
}

static void send_event(struct xs_conn *c, const struct xs_watch *w, const char *path)
{
	const char *p = path;
	if (w->strip && strlen(path) >= w->strip)
		p = path + w->strip;
	size_t plen = strlen(p) + 1, tlen = strlen(w->token) + 1;
	if (c->outq_len + sizeof(struct xsd_sockmsg) + plen + tlen > XS_OUTQ_MAX) {
		/* A client that does not read its events loses them, not the store its memory. */
		if (!c->dropped_reported)
			fprintf(stderr, "xenstore: d%u does not read its watch events; dropping them\n", c->domid);
		c->dropped_reported = true;
		return;
	}
	queue(c, XS_WATCH_EVENT, 0, 0, p, plen, w->token, tlen);
}

/* Fire the watches on path (exact: only watches on path itself, for the
 * nodes below a removed one), for clients that may read the node or,
 * once it is gone, its nearest existing ancestor. */
static void fire(const char *path, bool exact)
{
	bool special = path[0] == '@';
	for (struct xs_conn *c = store.conns; c; c = c->next) {
		if (special ? !c->privileged : !(perm_for(c, nearest(store.root, path)) & PERM_READ))
			continue;
		for (struct xs_watch *w = c->watches; w; w = w->next)
			if (exact ? !strcmp(w->path, path) : is_below(path, w->path))
				send_event(c, w, path);
	}
}

unsigned int xs_trans_copies_locked(void)
{
	return store.copies;
}

void xs_fire_special_locked(const char *path)
{
	fire(path, false);
}

static void record_event(struct xs_trans *t, const char *path, bool exact)
{
	if (!t) {
		fire(path, exact);
		return;
	}
	struct xs_pending_event *e = malloc(sizeof(*e) + strlen(path) + 1);
	if (!e)
		return;
	e->next = NULL;
	e->exact = exact;
	strcpy(e->path, path);
	*t->events_tail = e;
	t->events_tail = &e->next;
}

static void record_removed(struct xs_trans *t, const struct xs_node *n, char *path, size_t len)
{
	for (size_t i = 0; i < n->nkids; i++) {
		size_t l = strlen(path);
		snprintf(path + l, len - l, "/%s", n->kids[i]->name);
		record_event(t, path, true);
		record_removed(t, n->kids[i], path, len);
		path[l] = 0;
	}
}

static void watch_free(struct xs_watch *w)
{
	free(w->path);
	free(w->token);
	free(w);
}

/* ---- transactions ------------------------------------------------------ */

static void trans_free(struct xs_trans *t)
{
	if (t->root)
		store.copies--;
	node_free(t->root);
	while (t->events) {
		struct xs_pending_event *e = t->events;
		t->events = e->next;
		free(e);
	}
	free(t);
}

static struct xs_trans *trans_find(struct xs_conn *c, uint32_t id)
{
	for (struct xs_trans *t = c->trans; t; t = t->next)
		if (t->id == id)
			return t;
	return NULL;
}

static void trans_remove(struct xs_conn *c, struct xs_trans *t)
{
	for (struct xs_trans **p = &c->trans; *p; p = &(*p)->next)
		if (*p == t) {
			*p = t->next;
			c->ntrans--;
			break;
		}
	trans_free(t);
}

/* ---- operations -------------------------------------------------------- */

struct op {
	struct xs_conn *c;
	const struct xsd_sockmsg *h;
	const char *p;
	struct xs_trans *t;
	struct xs_node *root; /* the transaction's tree or the store's */
	char path[XENSTORE_ABS_PATH_MAX + 1];
};

/*
 * Before a change in a transaction: its copy of the tree, taken now if it
 * has none.  A transaction that only reads costs no copy; one whose first
 * change comes after the store changed would fail its commit anyway, and
 * so does one beyond the store-wide number of copies (XS_TRANS_COPIES):
 * these are marked stale, their changes acknowledged and dropped (1), so
 * that the client learns at TRANSACTION_END (EAGAIN) and starts again, as
 * after any conflict.  0: change o->root.
 */
static int trans_prepare_change(struct op *o)
{
	struct xs_trans *t = o->t;
	if (!t || t->root)
		return 0;
	if (!t->stale && t->start_gen == store.gen && store.copies < XS_TRANS_COPIES &&
	    (t->root = node_copy(store.root, NULL))) {
		store.copies++;
		o->root = t->root;
		return 0;
	}
	t->stale = true;
	ack(o->c, o->h);
	return 1;
}

/* A change outside a transaction makes every open transaction stale. */
static void changed(struct op *o)
{
	if (!o->t)
		store.gen++;
}

static int one_path(struct op *o)
{
	const char *v[1];
	if (split(o->p, o->h->len, v, 1) != 1)
		return -EINVAL;
	return canonicalize(o->c, v[0], false, o->path, NULL);
}

/* The node a request that only reads names, if the caller may read it. */
static int readable_node(struct op *o, struct xs_node **out)
{
	int rc = one_path(o);
	if (rc)
		return rc;
	struct xs_node *n = lookup(o->root, o->path);
	if (!n)
		return missing(o->c, o->root, o->path, PERM_READ);
	if (!(perm_for(o->c, n) & PERM_READ))
		return -EACCES;
	*out = n;
	return 0;
}

static int do_read(struct op *o)
{
	struct xs_node *n;
	int rc = readable_node(o, &n);
	if (rc)
		return rc;
	reply(o->c, o->h, n->value, n->vlen);
	return 0;
}

static int do_directory(struct op *o)
{
	struct xs_node *n;
	int rc = readable_node(o, &n);
	if (rc)
		return rc;
	size_t len = childlen(n);
	if (len > XENSTORE_PAYLOAD_MAX)
		return -E2BIG;
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t off = 0;
	for (size_t i = 0; i < n->nkids; i++) {
		size_t l = strlen(n->kids[i]->name) + 1;
		memcpy(buf + off, n->kids[i]->name, l);
		off += l;
	}
	reply(o->c, o->h, buf, off);
	return 0;
}

static int do_get_perms(struct op *o)
{
	struct xs_node *n;
	int rc = readable_node(o, &n);
	if (rc)
		return rc;
	char buf[XENSTORE_PAYLOAD_MAX];
	size_t off = 0;
	for (uint32_t i = 0; i < n->nperms && off + 16 < sizeof(buf); i++)
		off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%c%u", perm_letter(n->perms[i].perm),
					n->perms[i].id) + 1;
	reply(o->c, o->h, buf, off);
	return 0;
}

/* The node at o->path, made with its missing ancestors if need be (write
 * permission on the nearest existing one; new nodes inherit its
 * permissions, and an unprivileged creator owns them, as in xenstored). */
static int create(struct op *o, struct xs_node **out, bool *created)
{
	struct xs_node *n = o->root;
	const char *rest = o->path + 1;
	*created = false;
	while (*rest) {
		const char *slash = strchr(rest, '/');
		size_t len = slash ? (size_t)(slash - rest) : strlen(rest);
		struct xs_node *k = child(n, rest, len);
		if (!k)
			break;
		n = k;
		rest += len + (slash ? 1 : 0);
	}
	if (!*rest) {
		*out = n;
		return 0;
	}
	if (!(perm_for(o->c, n) & PERM_WRITE))
		return -EACCES;
	unsigned int newcount = 0;
	for (const char *p = rest; p; p = strchr(p, '/'), p = p ? p + 1 : NULL)
		newcount++;
	if (!o->c->privileged) {
		if (count_owned(o->root, o->c->domid) + newcount > XS_QUOTA_NODES)
			return -ENOSPC;
		const char *slash = strchr(rest, '/');
		size_t first = slash ? (size_t)(slash - rest) : strlen(rest);
		if (node_size(n, n->vlen, first + 1) > XS_QUOTA_NODESZ)
			return -ENOSPC;
	}
	struct xs_perm perms[XS_QUOTA_PERMS + 64];
	uint32_t nperms = n->nperms < sizeof(perms) / sizeof(perms[0]) ? n->nperms : sizeof(perms) / sizeof(perms[0]);
	memcpy(perms, n->perms, nperms * sizeof(perms[0]));
	if (!o->c->privileged)
		perms[0].id = o->c->domid;
	struct xs_node *top = NULL, *parent = n;
	for (const char *p = rest; p;) {
		const char *slash = strchr(p, '/');
		size_t len = slash ? (size_t)(slash - p) : strlen(p);
		struct xs_node *k = node_new(p, len, perms, nperms);
		if (!k || add_child(parent, k)) {
			node_free(k);
			if (top) {
				unlink_child(top);
				node_free(top);
			}
			return -ENOMEM;
		}
		if (!top)
			top = k;
		parent = k;
		p = slash ? slash + 1 : NULL;
	}
	*out = parent;
	*created = true;
	return 0;
}

static int do_write(struct op *o)
{
	if (trans_prepare_change(o))
		return 0;
	uint32_t len = o->h->len;
	const char *nul = memchr(o->p, 0, len);
	if (!nul)
		return -EINVAL;
	int rc = canonicalize(o->c, o->p, false, o->path, NULL);
	if (rc)
		return rc;
	const char *val = nul + 1;
	uint32_t vlen = len - (uint32_t)(val - o->p);
	struct xs_node *n = lookup(o->root, o->path);
	if (n) {
		if (!(perm_for(o->c, n) & PERM_WRITE))
			return -EACCES;
		if (!o->c->privileged && node_size(n, vlen, 0) > XS_QUOTA_NODESZ)
			return -ENOSPC;
	} else {
		bool created;
		if (!o->c->privileged && 24 + 8 * (size_t)nearest(o->root, o->path)->nperms + vlen > XS_QUOTA_NODESZ)
			return -ENOSPC;
		if ((rc = create(o, &n, &created)))
			return rc;
	}
	char *copy = NULL;
	if (vlen && !(copy = malloc(vlen)))
		return -ENOMEM;
	if (vlen)
		memcpy(copy, val, vlen);
	free(n->value);
	n->value = copy;
	n->vlen = vlen;
	changed(o);
	record_event(o->t, o->path, false);
	ack(o->c, o->h);
	return 0;
}

static int do_mkdir(struct op *o)
{
	if (trans_prepare_change(o))
		return 0;
	int rc = one_path(o);
	if (rc)
		return rc;
	struct xs_node *n = lookup(o->root, o->path);
	if (n) {
		/* xenstored answers OK for an existing node the caller may write. */
		if (!(perm_for(o->c, n) & PERM_WRITE))
			return -EACCES;
	} else {
		bool created;
		if ((rc = create(o, &n, &created)))
			return rc;
		changed(o);
		record_event(o->t, o->path, false);
	}
	ack(o->c, o->h);
	return 0;
}

static int do_rm(struct op *o)
{
	if (trans_prepare_change(o))
		return 0;
	int rc = one_path(o);
	if (rc)
		return rc;
	struct xs_node *n = lookup(o->root, o->path);
	if (!n) {
		/* Already gone: fine if its parent exists (xenstored). */
		char parent[XENSTORE_ABS_PATH_MAX + 1];
		strcpy(parent, o->path);
		char *slash = strrchr(parent, '/');
		if (slash == parent)
			slash[1] = 0;
		else if (slash)
			*slash = 0;
		if (lookup(o->root, parent)) {
			rc = missing(o->c, o->root, o->path, PERM_WRITE);
			if (rc == -ENOENT) {
				ack(o->c, o->h);
				return 0;
			}
			return rc;
		}
		return missing(o->c, o->root, o->path, PERM_WRITE);
	}
	if (!(perm_for(o->c, n) & PERM_WRITE))
		return -EACCES;
	if (!n->parent)
		return -EINVAL;
	unlink_child(n);
	changed(o);
	record_event(o->t, o->path, false);
	char path[XENSTORE_ABS_PATH_MAX + 1];
	strcpy(path, o->path);
	record_removed(o->t, n, path, sizeof(path));
	node_free(n);
	ack(o->c, o->h);
	return 0;
}

static int parse_perm(const char *s, struct xs_perm *p)
{
	switch (s[0]) {
	case 'n':
		p->perm = 0;
		break;
	case 'r':
		p->perm = PERM_READ;
		break;
	case 'w':
		p->perm = PERM_WRITE;
		break;
	case 'b':
		p->perm = PERM_READ | PERM_WRITE;
		break;
	default:
		return -EINVAL;
	}
	char *end;
	if (!s[1] || s[1] < '0' || s[1] > '9')
		return -EINVAL;
	unsigned long id = strtoul(s + 1, &end, 10);
	if (*end || id > 0xffff)
		return -EINVAL;
	p->id = (uint32_t)id;
	return 0;
}

static int do_set_perms(struct op *o)
{
	if (trans_prepare_change(o))
		return 0;
	const char *v[XS_QUOTA_PERMS + 2];
	int n = split(o->p, o->h->len, v, XS_QUOTA_PERMS + 2);
	if (n < 2)
		return -EINVAL;
	unsigned int nperms = (unsigned int)n - 1;
	if (nperms > XS_QUOTA_PERMS && !o->c->privileged)
		return -ENOSPC;
	struct xs_perm *perms = calloc(nperms, sizeof(*perms));
	if (!perms)
		return -ENOMEM;
	const char *s = v[1];
	int rc = 0;
	for (unsigned int i = 0; i < nperms && !rc; i++) {
		rc = parse_perm(s, &perms[i]);
		s += strlen(s) + 1;
	}
	if (!rc)
		rc = canonicalize(o->c, v[0], false, o->path, NULL);
	struct xs_node *node = rc ? NULL : lookup(o->root, o->path);
	if (!rc && !node)
		rc = missing(o->c, o->root, o->path, PERM_WRITE);
	if (!rc && !(perm_for(o->c, node) & PERM_OWNER))
		rc = -EACCES;
	if (!rc && !o->c->privileged && perms[0].id != node->perms[0].id)
		rc = -EPERM; /* only the tools give a node away */
	if (rc) {
		free(perms);
		return rc;
	}
	free(node->perms);
	node->perms = perms;
	node->nperms = nperms;
	changed(o);
	record_event(o->t, o->path, false);
	ack(o->c, o->h);
	return 0;
}

static int do_watch(struct op *o, bool add)
{
	const char *v[2];
	if (split(o->p, o->h->len, v, 2) != 2)
		return -EINVAL;
	size_t strip;
	int rc = canonicalize(o->c, v[0], true, o->path, &strip);
	if (rc)
		return rc;
	struct xs_watch **pw = &o->c->watches;
	for (; *pw; pw = &(*pw)->next)
		if (!strcmp((*pw)->path, o->path) && !strcmp((*pw)->token, v[1]))
			break;
	if (!add) {
		if (!*pw)
			return -ENOENT;
		struct xs_watch *w = *pw;
		*pw = w->next;
		o->c->nwatches--;
		watch_free(w);
		ack(o->c, o->h);
		return 0;
	}
	if (*pw)
		return -EEXIST;
	if (!o->c->privileged && o->c->nwatches >= XS_QUOTA_WATCHES)
		return -ENOSPC;
	struct xs_watch *w = calloc(1, sizeof(*w));
	if (!w || !(w->path = strdup(o->path)) || !(w->token = strdup(v[1]))) {
		if (w)
			watch_free(w);
		return -ENOMEM;
	}
	w->strip = strip;
	*pw = w;
	o->c->nwatches++;
	ack(o->c, o->h);
	/* xenstored fires a new watch once at once: clients need not read first. */
	send_event(o->c, w, w->path);
	return 0;
}

static int do_transaction_start(struct op *o)
{
	if (o->t)
		return -EBUSY;
	if (!o->c->privileged && o->c->ntrans >= XS_QUOTA_TRANS)
		return -ENOSPC;
	struct xs_trans *t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	do {
		t->id = store.next_tx++;
	} while (!t->id);
	t->start_gen = store.gen;
	t->events_tail = &t->events;
	t->next = o->c->trans;
	o->c->trans = t;
	o->c->ntrans++;
	char buf[16];
	int n = snprintf(buf, sizeof(buf), "%u", t->id);
	struct xsd_sockmsg h = *o->h;
	reply(o->c, &h, buf, (size_t)n + 1);
	return 0;
}

static int do_transaction_end(struct op *o)
{
	const char *v[1];
	if (!o->t)
		return -ENOENT;
	if (split(o->p, o->h->len, v, 1) != 1 || (strcmp(v[0], "T") && strcmp(v[0], "F")))
		return -EINVAL;
	struct xs_trans *t = o->t;
	bool commit = !strcmp(v[0], "T");
	if (commit && (t->stale || t->start_gen != store.gen)) {
		trans_remove(o->c, t);
		return -EAGAIN;
	}
	if (commit && t->root && t->events) {
		node_free(store.root);
		store.root = t->root;
		t->root = NULL;
		store.copies--; /* it is the store now */
		store.gen++;
		for (struct xs_pending_event *e = t->events; e; e = e->next)
			fire(e->path, e->exact);
	}
	trans_remove(o->c, t);
	ack(o->c, o->h);
	return 0;
}

static int do_get_domain_path(struct op *o)
{
	const char *v[1];
	if (split(o->p, o->h->len, v, 1) != 1)
		return -EINVAL;
	char *end;
	unsigned long id = strtoul(v[0], &end, 10);
	if (!v[0][0] || *end || v[0][0] < '0' || v[0][0] > '9' || id > 0xffff)
		return -EINVAL;
	char buf[32];
	int n = home_path((uint32_t)id, buf, sizeof(buf));
	reply(o->c, o->h, buf, (size_t)n + 1);
	return 0;
}

static void drop_watches_and_trans(struct xs_conn *c)
{
	while (c->watches) {
		struct xs_watch *w = c->watches;
		c->watches = w->next;
		watch_free(w);
	}
	c->nwatches = 0;
	while (c->trans)
		trans_remove(c, c->trans);
}

void xs_process_locked(struct xs_conn *c, const struct xsd_sockmsg *h, const char *payload)
{
	static struct op o; /* under the store lock: too big for a vCPU thread's stack frame twice over */
	memset(&o, 0, sizeof(o));
	o.c = c;
	o.h = h;
	o.p = payload;
	o.root = store.root;
	int rc;
	switch (h->type) {
	case XS_READ:
	case XS_DIRECTORY:
	case XS_GET_PERMS:
	case XS_WRITE:
	case XS_MKDIR:
	case XS_RM:
	case XS_SET_PERMS:
	case XS_TRANSACTION_END:
		if (h->tx_id) {
			o.t = trans_find(c, h->tx_id);
			if (!o.t) {
				reply_error(c, h, ENOENT);
				return;
			}
			if (o.t->root)
				o.root = o.t->root;
		}
		break;
	case XS_TRANSACTION_START:
		if (h->tx_id && trans_find(c, h->tx_id))
			o.t = trans_find(c, h->tx_id);
		break;
	}
	switch (h->type) {
	case XS_READ:
		rc = do_read(&o);
		break;
	case XS_DIRECTORY:
		rc = do_directory(&o);
		break;
	case XS_GET_PERMS:
		rc = do_get_perms(&o);
		break;
	case XS_WRITE:
		rc = do_write(&o);
		break;
	case XS_MKDIR:
		rc = do_mkdir(&o);
		break;
	case XS_RM:
		rc = do_rm(&o);
		break;
	case XS_SET_PERMS:
		rc = do_set_perms(&o);
		break;
	case XS_WATCH:
	case XS_UNWATCH:
		/* The control socket has no ring to deliver events to. */
		rc = c->control ? -ENOSYS : do_watch(&o, h->type == XS_WATCH);
		break;
	case XS_TRANSACTION_START:
		rc = do_transaction_start(&o);
		break;
	case XS_TRANSACTION_END:
		rc = do_transaction_end(&o);
		break;
	case XS_GET_DOMAIN_PATH:
		rc = do_get_domain_path(&o);
		break;
	case XS_RESET_WATCHES:
		drop_watches_and_trans(c);
		ack(c, h);
		rc = 0;
		break;
	case XS_CONTROL:
	case XS_INTRODUCE:
	case XS_RELEASE:
	case XS_IS_DOMAIN_INTRODUCED:
	case XS_RESUME:
	case XS_SET_TARGET:
		/* The tools' operations: refused to guests as by xenstored;
		 * domains come and go with the hypervisor's own domains here. */
		rc = c->privileged ? -ENOSYS : -EACCES;
		break;
	default: /* XS_WATCH_EVENT, XS_ERROR, XS_DIRECTORY_PART, unknown */
		rc = -ENOSYS;
		break;
	}
	if (rc)
		reply_error(c, h, -rc);
}

/* ---- connections ------------------------------------------------------- */

struct xs_conn *xs_conn_new(uint32_t domid, bool privileged)
{
	struct xs_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->domid = domid;
	c->privileged = privileged;
	xs_lock();
	c->next = store.conns;
	store.conns = c;
	xs_unlock();
	return c;
}

static void conn_unlink_locked(struct xs_conn *c)
{
	for (struct xs_conn **p = &store.conns; *p; p = &(*p)->next)
		if (*p == c) {
			*p = c->next;
			break;
		}
	drop_watches_and_trans(c);
}

void xs_conn_free(struct xs_conn *c)
{
	if (!c)
		return;
	xs_lock();
	conn_unlink_locked(c);
	xs_unlock();
	free(c->outq);
	free(c);
}

void xs_conn_set_ring(struct xs_conn *c, void *ring, const struct xs_ring_ops *ops)
{
	c->ring = ring;
	c->ops = ops;
}

void *xs_conn_ring(struct xs_conn *c)
{
	return c->ring;
}

size_t xs_conn_outq_len(const struct xs_conn *c)
{
	return c->outq_len;
}

size_t xs_conn_outq_peek(const struct xs_conn *c, char *buf, size_t len)
{
	size_t n = len < c->outq_len ? len : c->outq_len;
	memcpy(buf, c->outq, n);
	return n;
}

void xs_conn_outq_drop(struct xs_conn *c, size_t n)
{
	memmove(c->outq, c->outq + n, c->outq_len - n);
	c->outq_len -= n;
}

long xs_take_output_locked(struct xs_conn *c, void *buf, size_t room)
{
	if (c->outq_len < sizeof(struct xsd_sockmsg))
		return 0;
	struct xsd_sockmsg h;
	memcpy(&h, c->outq, sizeof(h));
	size_t n = sizeof(h) + h.len;
	if (n > room)
		return -ENOSPC;
	memcpy(buf, c->outq, n);
	xs_conn_outq_drop(c, n);
	return (long)n;
}

void xs_flush_all_locked(void (*moved)(void *ring, void *arg), void *arg)
{
	for (struct xs_conn *c = store.conns; c; c = c->next)
		if (c->ops && c->outq_len && c->ops->flush(c))
			moved(c->ring, arg);
}

/* ---- the store --------------------------------------------------------- */

static struct xs_conn *control_conn; /* the toolstack's requests (domain 0) */

static void put(const char *path, const char *value, const struct xs_perm *perms, uint32_t nperms)
{
	struct xs_conn tools = { .domid = 0, .privileged = true };
	struct xsd_sockmsg h = { .type = XS_WRITE };
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s%c%s", path, 0, value);
	h.len = (uint32_t)n;
	xs_process_locked(&tools, &h, buf);
	struct xs_node *node = lookup(store.root, path);
	if (node && perms) {
		struct xs_perm *p = malloc(nperms * sizeof(*p));
		if (p) {
			memcpy(p, perms, nperms * sizeof(*p));
			free(node->perms);
			node->perms = p;
			node->nperms = nperms;
		}
	}
	free(tools.outq);
}

void xs_reset(void)
{
	xs_lock();
	while (store.conns)
		conn_unlink_locked(store.conns);
	node_free(store.root);
	static const struct xs_perm none = { 0, 0 };
	store.root = node_new("", 0, &none, 1);
	store.gen++;
	put("/local/domain/0/name", "Domain-0", NULL, 0);
	put("/local/domain/0/domid", "0", NULL, 0);
	xs_unlock();
	free(control_conn);
	control_conn = NULL;
}

long xs_control_request(void *msg, size_t len, size_t room)
{
	struct xsd_sockmsg h;
	if (len < sizeof(h))
		return -EINVAL;
	memcpy(&h, msg, sizeof(h));
	if (h.len > XENSTORE_PAYLOAD_MAX || sizeof(h) + h.len != len)
		return -EINVAL;
	xs_lock();
	if (!control_conn) {
		control_conn = calloc(1, sizeof(*control_conn));
		if (!control_conn) {
			xs_unlock();
			return -ENOMEM;
		}
		control_conn->privileged = true;
		control_conn->control = true;
		/* Not on store.conns: it holds no watches and gets no events. */
	}
	if (!store.root) {
		xs_unlock();
		return -ENODEV;
	}
	xs_process_locked(control_conn, &h, (const char *)msg + sizeof(h));
	long rc = xs_take_output_locked(control_conn, msg, room);
	control_conn->outq_len = 0;
	xs_unlock();
	return rc;
}

static void strip_domain(struct xs_node *n, uint32_t domid)
{
	if (n->perms[0].id == domid)
		n->perms[0].id = 0;
	for (uint32_t i = 1; i < n->nperms;)
		if (n->perms[i].id == domid) {
			memmove(&n->perms[i], &n->perms[i + 1], (n->nperms - i - 1) * sizeof(n->perms[0]));
			n->nperms--;
		} else {
			i++;
		}
	for (size_t i = 0; i < n->nkids; i++)
		strip_domain(n->kids[i], domid);
}

static void remove_tree_locked(const char *path)
{
	struct xs_node *n = lookup(store.root, path);
	if (!n || !n->parent)
		return;
	unlink_child(n);
	fire(path, false);
	char p[XENSTORE_ABS_PATH_MAX + 1];
	snprintf(p, sizeof(p), "%s", path);
	record_removed(NULL, n, p, sizeof(p));
	node_free(n);
}

void xs_domain_gone_locked(uint32_t domid)
{
	if (!store.root)
		return;
	char home[64], vm[XENSTORE_ABS_PATH_MAX + 1] = "";
	home_path(domid, home, sizeof(home));
	char vmnode[80];
	snprintf(vmnode, sizeof(vmnode), "%s/vm", home);
	struct xs_node *v = lookup(store.root, vmnode);
	/* Only a /vm/<...> path the toolstack wrote: the guest may have written anything. */
	if (v && v->vlen > 4 && v->vlen < sizeof(vm) && v->perms[0].id != domid) {
		memcpy(vm, v->value, v->vlen);
		vm[v->vlen] = 0;
		if (strncmp(vm, "/vm/", 4) || strlen(vm) != v->vlen || strchr(vm + 4, '/'))
			vm[0] = 0;
	}
	remove_tree_locked(home);
	if (vm[0])
		remove_tree_locked(vm);
	strip_domain(store.root, domid);
	store.gen++;
}
