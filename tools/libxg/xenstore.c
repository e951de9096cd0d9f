/*
 * The xenstore as the control domain: each call is one request in Xen's
 * wire format (include/public/io/xs_wire.h), sent through
 * XG_SYSCTL_xenstore; an XS_ERROR answer becomes the errno it names.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "public/io/xs_wire.h"
#include "public/xen.h"
#include "public/xg_control.h"
#include "xg_private.h"

#define MSG_MAX (sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX)

static const char *const error_names[] = {
	"EINVAL", "EACCES", "EEXIST", "EISDIR", "ENOENT", "ENOMEM", "ENOSPC", "EIO",
	"ENOTEMPTY", "ENOSYS", "EROFS", "EBUSY", "EAGAIN", "EISCONN", "E2BIG", "EPERM",
};
static const int error_numbers[] = {
	EINVAL, EACCES, EEXIST, EISDIR, ENOENT, ENOMEM, ENOSPC, EIO,
	ENOTEMPTY, ENOSYS, EROFS, EBUSY, EAGAIN, EISCONN, E2BIG, EPERM,
};

/* Send type with the payload (two parts, either may be empty); the
 * answer's payload goes to out (MSG_MAX bytes), its length to *outlen. */
static int request(xg_handle *h, uint32_t type, uint32_t tx, const char *what, const char *path, const void *a,
		   size_t alen, const void *b, size_t blen, char *out, size_t *outlen)
{
	if (alen + blen > XENSTORE_PAYLOAD_MAX)
		return xg_error(-E2BIG, "xenstore %s %s: more than %u bytes", what, path ? path : "",
				XENSTORE_PAYLOAD_MAX);
	struct xg_call c = { 0 };
	uint64_t at = xg_call_put(&c, NULL, sizeof(struct xg_sysctl));
	uint64_t buf = xg_call_put(&c, NULL, MSG_MAX);
	if (!at || !buf) {
		xg_call_free(&c);
		return xg_error(-ENOMEM, "out of memory");
	}
	struct xsd_sockmsg hdr = { .type = type, .req_id = 0, .tx_id = tx, .len = (uint32_t)(alen + blen) };
	char *m = xg_call_at(&c, buf);
	memcpy(m, &hdr, sizeof(hdr));
	if (alen)
		memcpy(m + sizeof(hdr), a, alen);
	if (blen)
		memcpy(m + sizeof(hdr) + alen, b, blen);
	struct xg_sysctl op = { .cmd = XG_SYSCTL_xenstore, .interface_version = XG_SYSCTL_INTERFACE_VERSION };
	op.u.xenstore.buffer = buf;
	op.u.xenstore.len = (uint32_t)(sizeof(hdr) + alen + blen);
	op.u.xenstore.size = (uint32_t)MSG_MAX;
	memcpy(xg_call_at(&c, at), &op, sizeof(op));
	uint64_t args[5] = { at };
	long rc = xg_hypercall(h, __HYPERVISOR_sysctl, args, &c);
	if (rc < 0) {
		xg_call_free(&c);
		return xg_error((int)rc, "xenstore %s %s: %s", what, path ? path : "", strerror((int)-rc));
	}
	memcpy(&op, xg_call_at(&c, at), sizeof(op));
	struct xsd_sockmsg ans;
	if (op.u.xenstore.len < sizeof(ans) || op.u.xenstore.len > MSG_MAX) {
		xg_call_free(&c);
		return xg_error(-EPROTO, "xenstore %s: an impossible answer", what);
	}
	m = xg_call_at(&c, buf);
	memcpy(&ans, m, sizeof(ans));
	if (ans.len != op.u.xenstore.len - sizeof(ans)) {
		xg_call_free(&c);
		return xg_error(-EPROTO, "xenstore %s: an impossible answer", what);
	}
	memcpy(out, m + sizeof(ans), ans.len);
	*outlen = ans.len;
	xg_call_free(&c);
	if (ans.type == XS_ERROR) {
		char name[16] = "";
		snprintf(name, sizeof(name), "%.*s", (int)(ans.len < 15 ? ans.len : 15), out);
		int err = EINVAL;
		for (size_t i = 0; i < sizeof(error_names) / sizeof(error_names[0]); i++)
			if (!strcmp(name, error_names[i]))
				err = error_numbers[i];
		return xg_error(-err, "xenstore %s %s: %s", what, path ? path : "", strerror(err));
	}
	if (ans.type != type)
		return xg_error(-EPROTO, "xenstore %s: an answer of type %u", what, ans.type);
	return 0;
}

static int path_request(xg_handle *h, uint32_t type, uint32_t tx, const char *what, const char *path, char *out,
			size_t *outlen)
{
	return request(h, type, tx, what, path, path, strlen(path) + 1, NULL, 0, out, outlen);
}

XG_EXPORT int xg_xs_read(xg_handle *h, uint32_t tx, const char *path, char **value, size_t *len)
{
	char out[MSG_MAX];
	size_t n;
	int rc = path_request(h, XS_READ, tx, "read", path, out, &n);
	if (rc)
		return rc;
	char *v = malloc(n + 1);
	if (!v)
		return xg_error(-ENOMEM, "out of memory");
	memcpy(v, out, n);
	v[n] = 0;
	*value = v;
	if (len)
		*len = n;
	return 0;
}

XG_EXPORT int xg_xs_write(xg_handle *h, uint32_t tx, const char *path, const void *value, size_t len)
{
	char out[MSG_MAX];
	size_t n;
	return request(h, XS_WRITE, tx, "write", path, path, strlen(path) + 1, value, len, out, &n);
}

XG_EXPORT int xg_xs_mkdir(xg_handle *h, uint32_t tx, const char *path)
{
	char out[MSG_MAX];
	size_t n;
	return path_request(h, XS_MKDIR, tx, "mkdir", path, out, &n);
}

XG_EXPORT int xg_xs_rm(xg_handle *h, uint32_t tx, const char *path)
{
	char out[MSG_MAX];
	size_t n;
	return path_request(h, XS_RM, tx, "rm", path, out, &n);
}

/* How many NUL-terminated strings a reply of n bytes holds (out[n] is 0,
 * so a last one without its NUL still counts). */
static unsigned int count_strings(const char *out, size_t n)
{
	unsigned int k = 0;
	for (size_t i = 0; i < n; i += strlen(out + i) + 1)
		k++;
	return k;
}

XG_EXPORT int xg_xs_directory(xg_handle *h, uint32_t tx, const char *path, char ***names, unsigned int *count)
{
	char out[MSG_MAX + 1];
	size_t n;
	int rc = path_request(h, XS_DIRECTORY, tx, "directory", path, out, &n);
	if (rc)
		return rc;
	out[n] = 0;
	unsigned int k = count_strings(out, n);
	char **v = malloc((k + 1) * sizeof(char *) + n + 1);
	if (!v)
		return xg_error(-ENOMEM, "out of memory");
	char *s = (char *)(v + k + 1);
	memcpy(s, out, n + 1);
	unsigned int j = 0;
	for (size_t i = 0; i < n; i += strlen(s + i) + 1)
		v[j++] = s + i;
	v[k] = NULL;
	*names = v;
	*count = k;
	return 0;
}

XG_EXPORT int xg_xs_get_perms(xg_handle *h, uint32_t tx, const char *path, struct xg_xs_perm **perms,
			      unsigned int *count)
{
	char out[MSG_MAX + 1];
	size_t n;
	int rc = path_request(h, XS_GET_PERMS, tx, "get-perms", path, out, &n);
	if (rc)
		return rc;
	out[n] = 0;
	unsigned int k = count_strings(out, n);
	struct xg_xs_perm *p = calloc(k ? k : 1, sizeof(*p));
	if (!p)
		return xg_error(-ENOMEM, "out of memory");
	unsigned int j = 0;
	for (size_t i = 0; i < n; i += strlen(out + i) + 1, j++) {
		const char *e = out + i;
		p[j].perms = e[0] == 'r' ? XG_XS_PERM_READ
			     : e[0] == 'w' ? XG_XS_PERM_WRITE
			     : e[0] == 'b' ? XG_XS_PERM_BOTH
					   : XG_XS_PERM_NONE;
		p[j].domid = (uint32_t)strtoul(e + 1, NULL, 10);
	}
	*perms = p;
	*count = k;
	return 0;
}

XG_EXPORT int xg_xs_set_perms(xg_handle *h, uint32_t tx, const char *path, const struct xg_xs_perm *perms,
			      unsigned int count)
{
	if (!count)
		return xg_error(-EINVAL, "xenstore set-perms %s: no permission given", path);
	char list[XENSTORE_PAYLOAD_MAX];
	size_t off = 0;
	for (unsigned int i = 0; i < count; i++) {
		if (off + 16 > sizeof(list))
			return xg_error(-E2BIG, "xenstore set-perms %s: too many permissions", path);
		static const char letters[] = "nrwb";
		off += (size_t)snprintf(list + off, sizeof(list) - off, "%c%u", letters[perms[i].perms & 3],
					perms[i].domid) + 1;
	}
	char out[MSG_MAX];
	size_t n;
	return request(h, XS_SET_PERMS, tx, "set-perms", path, path, strlen(path) + 1, list, off, out, &n);
}

XG_EXPORT int xg_xs_transaction_start(xg_handle *h, uint32_t *tx)
{
	char out[MSG_MAX + 1];
	size_t n;
	int rc = request(h, XS_TRANSACTION_START, 0, "transaction-start", NULL, "", 1, NULL, 0, out, &n);
	if (rc)
		return rc;
	out[n] = 0;
	*tx = (uint32_t)strtoul(out, NULL, 10);
	return 0;
}

XG_EXPORT int xg_xs_transaction_end(xg_handle *h, uint32_t tx, bool commit)
{
	char out[MSG_MAX];
	size_t n;
	return request(h, XS_TRANSACTION_END, tx, "transaction-end", NULL, commit ? "T" : "F", 2, NULL, 0, out,
		       &n);
}
