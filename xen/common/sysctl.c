/* HYPERVISOR_sysctl: the toolstack's view of the whole host. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/xenstore.h"
#include "public/xg_control.h"

static long getdomaininfolist(struct hcall_ctx *ctx, struct xg_sysctl_getdomaininfolist *g)
{
	g->num_domains = 0;
	unsigned int next = g->first_domain;
	while (g->num_domains < g->max_domains && next < 0x7ff0) {
		struct domain *d = domain_next((uint16_t)next);
		if (!d)
			break;
		struct xg_domaininfo info;
		fill_domaininfo(d, &info);
		next = d->id + 1u;
		domain_put(d);
		uint64_t dst = g->buffer + (uint64_t)g->num_domains * sizeof(info);
		if (copy_to_guest(ctx, dst, &info, sizeof(info)))
			return -EFAULT;
		g->num_domains++;
	}
	return 0;
}

static long xenstore(struct hcall_ctx *ctx, struct xg_sysctl_xenstore *x)
{
	size_t max = sizeof(struct xsd_sockmsg) + XENSTORE_PAYLOAD_MAX;
	if (x->len < sizeof(struct xsd_sockmsg) || x->len > max || x->size < max || x->size > XG_CTL_MAX_DATA)
		return -EINVAL;
	char *buf = malloc(max);
	if (!buf)
		return -ENOMEM;
	long rc = copy_from_guest(ctx, buf, x->buffer, x->len) ? -EFAULT : xs_control_request(buf, x->len, max);
	/* Watches the request fired wait in the guests' queues. */
	xenstore_kick_rings();
	if (rc >= 0) {
		x->len = (uint32_t)rc;
		rc = copy_to_guest(ctx, x->buffer, buf, x->len) ? -EFAULT : 0;
	}
	free(buf);
	return rc;
}

static long readconsole(struct hcall_ctx *ctx, struct xg_sysctl_readconsole *r)
{
	if (r->count > XG_CTL_MAX_DATA)
		return -EINVAL;
	char *tmp = malloc(r->count ? r->count : 1);
	if (!tmp)
		return -ENOMEM;
	size_t n = text_ring_read(console_log(), &r->pos, tmp, r->count, 0);
	long rc = copy_to_guest(ctx, r->buffer, tmp, n) ? -EFAULT : 0;
	free(tmp);
	r->count = (uint32_t)n;
	if (!rc && r->clear)
		text_ring_clear(console_log());
	return rc;
}

long do_sysctl(struct hcall_ctx *ctx, const uint64_t a[5])
{
	if (!ctx->caller->is_privileged)
		return -EPERM;
	struct xg_sysctl op;
	if (copy_from_guest(ctx, &op, a[0], sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XG_SYSCTL_INTERFACE_VERSION)
		return -EACCES;

	long rc;
	switch (op.cmd) {
	case XG_SYSCTL_physinfo: {
		struct xg_sysctl_physinfo *p = &op.u.physinfo;
		memset(p, 0, sizeof(*p));
		p->total_pages = hv->machine.ram_frames;
		p->free_pages = heap_free_frames(&hv->heap);
		p->used_pages = heap_used_frames(&hv->heap);
		p->quota_pages = hv->heap.quota_frames;
		p->nr_cpus = hv->nr_cpus;
		p->nr_domains = domain_count();
		p->uptime_ns = now_ns() - hv->start_ns;
		snprintf(p->backend, sizeof(p->backend), "%s", hv->backend->name);
		rc = 0;
		break;
	}
	case XG_SYSCTL_getdomaininfolist:
		rc = getdomaininfolist(ctx, &op.u.getdomaininfolist);
		break;
	case XG_SYSCTL_xenstore:
		rc = ctx->readonly ? -EPERM : xenstore(ctx, &op.u.xenstore);
		break;
	case XG_SYSCTL_readconsole:
		rc = ctx->readonly ? -EPERM : readconsole(ctx, &op.u.readconsole);
		break;
	default:
		rc = -ENOSYS;
		break;
	}
	if (copy_to_guest(ctx, a[0], &op, sizeof(op)))
		rc = -EFAULT;
	return rc;
}
