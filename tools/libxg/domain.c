/* Listing, inspecting and controlling domains; the host; the log; consoles. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "public/version.h"
#include "public/xen.h"
#include "public/xg_control.h"
#include "xg_private.h"

XG_EXPORT const char *xg_domain_state_name(enum xg_domain_state s)
{
	switch (s) {
	case XG_DOMAIN_RUNNING: return "running";
	case XG_DOMAIN_BLOCKED: return "blocked";
	case XG_DOMAIN_PAUSED: return "paused";
	case XG_DOMAIN_SHUTDOWN: return "shutdown";
	case XG_DOMAIN_CRASHED: return "crashed";
	case XG_DOMAIN_DYING: return "dying";
	}
	return "unknown";
}

XG_EXPORT const char *xg_shutdown_reason_name(unsigned int reason)
{
	static const char *const names[] = { "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset" };
	return reason < sizeof(names) / sizeof(names[0]) ? names[reason] : "unknown";
}

static void convert_info(const struct xg_domaininfo *in, struct xg_domain_info *out)
{
	memset(out, 0, sizeof(*out));
	out->domid = in->domid;
	memcpy(out->name, in->name, sizeof(out->name));
	out->name[sizeof(out->name) - 1] = '\0';
	memcpy(out->uuid, in->uuid, sizeof(out->uuid));
	out->paused = in->flags & XG_DOMINF_paused;
	if (in->flags & XG_DOMINF_dying)
		out->state = XG_DOMAIN_DYING;
	else if (in->flags & XG_DOMINF_crashed)
		out->state = XG_DOMAIN_CRASHED;
	else if (in->flags & XG_DOMINF_shutdown)
		out->state = XG_DOMAIN_SHUTDOWN;
	else if (in->flags & XG_DOMINF_paused)
		out->state = XG_DOMAIN_PAUSED;
	else if (in->flags & XG_DOMINF_running)
		out->state = XG_DOMAIN_RUNNING;
	else
		out->state = XG_DOMAIN_BLOCKED;
	out->shutdown_reason = in->shutdown_reason;
	out->tot_frames = in->tot_pages;
	out->max_frames = in->max_pages;
	out->nr_vcpus = in->nr_vcpus;
	out->nr_online_vcpus = in->nr_online_vcpus;
	out->cpu_time_ns = in->cpu_time_ns;
	out->hypercalls = in->hypercalls;
	out->created_ns = in->created_ns;
}

static int domctl_simple(xg_handle *h, uint32_t cmd, uint32_t domid, const char *what)
{
	struct xg_domctl op = { .cmd = cmd, .domain = (uint16_t)domid };
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	long rc = xg_do_domctl(h, &op);
	if (rc == -ESRCH)
		return xg_error((int)rc, "no domain with id %u", domid);
	if (rc < 0)
		return xg_error((int)rc, "cannot %s domain %u: %s", what, domid, strerror((int)-rc));
	return 0;
}

XG_EXPORT int xg_domain_pause(xg_handle *h, uint32_t domid)
{
	return domctl_simple(h, XG_DOMCTL_pausedomain, domid, "pause");
}

XG_EXPORT int xg_domain_unpause(xg_handle *h, uint32_t domid)
{
	return domctl_simple(h, XG_DOMCTL_unpausedomain, domid, "unpause");
}

XG_EXPORT int xg_domain_destroy(xg_handle *h, uint32_t domid)
{
	return domctl_simple(h, XG_DOMCTL_destroydomain, domid, "destroy");
}

XG_EXPORT int xg_domain_rename(xg_handle *h, uint32_t domid, const char *name)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_setdomainname, .domain = (uint16_t)domid };
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	if (strlen(name) >= sizeof(op.u.setdomainname.name))
		return xg_error(-EINVAL, "the name '%s' is too long (at most %zu characters)", name,
				sizeof(op.u.setdomainname.name) - 1);
	snprintf(op.u.setdomainname.name, sizeof(op.u.setdomainname.name), "%s", name);
	long rc = xg_do_domctl(h, &op);
	if (rc == -EEXIST)
		return xg_error((int)rc, "a domain named '%s' already exists", name);
	if (rc == -EINVAL)
		return xg_error((int)rc, "'%s' is not a valid name for domain %u", name, domid);
	if (rc < 0)
		return xg_error((int)rc, "cannot rename domain %u: %s", domid, strerror((int)-rc));
	return 0;
}

XG_EXPORT int xg_domain_config(xg_handle *h, uint32_t domid, struct xg_config *cfg)
{
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	uint32_t room = 4096;
	for (;;) {
		struct xg_call c = { 0 };
		uint64_t at = xg_call_put(&c, NULL, sizeof(struct xg_domctl));
		uint64_t buf = xg_call_put(&c, NULL, room + 1);
		if (!at || !buf) {
			xg_call_free(&c);
			return xg_error(-ENOMEM, "out of memory");
		}
		struct xg_domctl *op = xg_call_at(&c, at);
		op->cmd = XG_DOMCTL_get_toolstack_data;
		op->interface_version = XG_DOMCTL_INTERFACE_VERSION;
		op->domain = (uint16_t)domid;
		op->u.toolstack_data.buffer = buf;
		op->u.toolstack_data.size = room;
		uint64_t args[5] = { at };
		long rc = xg_hypercall(h, __HYPERVISOR_domctl, args, &c);
		uint32_t size = ((struct xg_domctl *)xg_call_at(&c, at))->u.toolstack_data.size;
		if (rc == -ENOBUFS && size > room && size <= XG_TOOLSTACK_DATA_MAX) {
			xg_call_free(&c);
			room = size;
			continue;
		}
		if (rc < 0) {
			xg_call_free(&c);
			return xg_error((int)rc, "cannot read the configuration of domain %u: %s", domid,
					strerror((int)-rc));
		}
		if (!size) {
			xg_call_free(&c);
			return xg_error(-ENODATA, "domain %u has no configuration recorded", domid);
		}
		char *text = xg_call_at(&c, buf);
		text[size] = '\0';
		struct xg_config_error err;
		rc = xg_config_parse_json(text, cfg, &err);
		xg_call_free(&c);
		if (rc < 0)
			return xg_error((int)rc, "the recorded configuration of domain %u is unreadable: %s", domid,
					err.reason);
		return 0;
	}
}

XG_EXPORT int xg_domain_info(xg_handle *h, uint32_t domid, struct xg_domain_info *out)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_getdomaininfo, .domain = (uint16_t)domid };
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	long rc = xg_do_domctl(h, &op);
	if (rc == -ESRCH)
		return xg_error((int)rc, "no domain with id %u", domid);
	if (rc < 0)
		return xg_error((int)rc, "cannot get information on domain %u: %s", domid, strerror((int)-rc));
	convert_info(&op.u.getdomaininfo, out);
	return 0;
}

XG_EXPORT int xg_domain_list(xg_handle *h, struct xg_domain_info **list, size_t *count)
{
	enum { BATCH = 64 };
	struct xg_domain_info *all = NULL;
	size_t n = 0;
	unsigned int next = 0;
	for (;;) {
		struct xg_call c = { 0 };
		struct xg_sysctl op = { .cmd = XG_SYSCTL_getdomaininfolist, .interface_version = XG_SYSCTL_INTERFACE_VERSION };
		uint64_t at = xg_call_put(&c, NULL, sizeof(op));
		uint64_t buf = xg_call_put(&c, NULL, BATCH * sizeof(struct xg_domaininfo));
		if (!at || !buf) {
			xg_call_free(&c);
			free(all);
			return xg_error(-ENOMEM, "out of memory");
		}
		op.u.getdomaininfolist.first_domain = (uint16_t)next;
		op.u.getdomaininfolist.max_domains = BATCH;
		op.u.getdomaininfolist.buffer = buf;
		memcpy(xg_call_at(&c, at), &op, sizeof(op));
		uint64_t args[5] = { at };
		long rc = xg_hypercall(h, __HYPERVISOR_sysctl, args, &c);
		if (rc < 0) {
			xg_call_free(&c);
			free(all);
			return xg_error((int)rc, "cannot list domains: %s", strerror((int)-rc));
		}
		memcpy(&op, xg_call_at(&c, at), sizeof(op));
		uint32_t got = op.u.getdomaininfolist.num_domains;
		if (got > BATCH)
			got = BATCH;
		struct xg_domain_info *grown = realloc(all, (n + got + 1) * sizeof(*all));
		if (!grown) {
			xg_call_free(&c);
			free(all);
			return xg_error(-ENOMEM, "out of memory");
		}
		all = grown;
		const struct xg_domaininfo *infos = xg_call_at(&c, buf);
		for (uint32_t i = 0; i < got; i++)
			convert_info(&infos[i], &all[n + i]);
		n += got;
		xg_call_free(&c);
		if (got < BATCH)
			break;
		next = all[n - 1].domid + 1u;
	}
	*list = all;
	*count = n;
	return 0;
}

XG_EXPORT int xg_domain_lookup(xg_handle *h, const char *name_or_id, uint32_t *domid)
{
	char *end;
	unsigned long id = strtoul(name_or_id, &end, 10);
	bool numeric = *name_or_id && !*end && name_or_id[0] != '-' && name_or_id[0] != '+';
	struct xg_domain_info *list;
	size_t n;
	int rc = xg_domain_list(h, &list, &n);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++) {
		if ((numeric && list[i].domid == id) || !strcmp(list[i].name, name_or_id)) {
			*domid = list[i].domid;
			free(list);
			return 0;
		}
	}
	free(list);
	if (numeric)
		return xg_error(-ENOENT, "no domain with id %s", name_or_id);
	return xg_error(-ENOENT, "no domain named '%s'", name_or_id);
}

XG_EXPORT int xg_physinfo(xg_handle *h, struct xg_physinfo *out)
{
	struct xg_sysctl op = { .cmd = XG_SYSCTL_physinfo };
	long rc = xg_do_sysctl(h, &op);
	if (rc < 0)
		return xg_error((int)rc, "cannot read host information: %s", strerror((int)-rc));
	memset(out, 0, sizeof(*out));
	out->total_frames = op.u.physinfo.total_pages;
	out->free_frames = op.u.physinfo.free_pages;
	out->quota_frames = op.u.physinfo.quota_pages;
	out->used_frames = op.u.physinfo.used_pages;
	out->nr_cpus = op.u.physinfo.nr_cpus;
	out->nr_domains = op.u.physinfo.nr_domains;
	out->uptime_ns = op.u.physinfo.uptime_ns;
	memcpy(out->backend, op.u.physinfo.backend, sizeof(out->backend));
	out->backend[sizeof(out->backend) - 1] = '\0';

	struct xg_call c = { 0 };
	uint64_t extra = xg_call_put(&c, NULL, sizeof(xen_extraversion_t));
	if (!extra)
		return xg_error(-ENOMEM, "out of memory");
	uint64_t args[5] = { XENVER_version };
	long ver = xg_hypercall(h, __HYPERVISOR_xen_version, args, NULL);
	uint64_t args2[5] = { XENVER_extraversion, extra };
	if (ver >= 0 && xg_hypercall(h, __HYPERVISOR_xen_version, args2, &c) == 0) {
		out->xen_major = (uint32_t)ver >> 16;
		out->xen_minor = (uint32_t)ver & 0xffff;
		memcpy(out->xen_extra, xg_call_at(&c, extra), sizeof(out->xen_extra) - 1);
	}
	xg_call_free(&c);
	return 0;
}

XG_EXPORT int xg_dmesg(xg_handle *h, bool clear, char **text, size_t *len)
{
	enum { CHUNK = 64 * 1024 };
	char *all = NULL;
	size_t n = 0;
	uint64_t pos = 0;
	for (;;) {
		struct xg_call c = { 0 };
		uint64_t at = xg_call_put(&c, NULL, sizeof(struct xg_sysctl));
		uint64_t buf = xg_call_put(&c, NULL, CHUNK);
		if (!at || !buf) {
			xg_call_free(&c);
			free(all);
			return xg_error(-ENOMEM, "out of memory");
		}
		struct xg_sysctl op = { .cmd = XG_SYSCTL_readconsole, .interface_version = XG_SYSCTL_INTERFACE_VERSION };
		op.u.readconsole.buffer = buf;
		op.u.readconsole.count = CHUNK;
		op.u.readconsole.pos = pos;
		memcpy(xg_call_at(&c, at), &op, sizeof(op));
		uint64_t args[5] = { at };
		long rc = xg_hypercall(h, __HYPERVISOR_sysctl, args, &c);
		if (rc < 0) {
			xg_call_free(&c);
			free(all);
			return xg_error((int)rc, "cannot read the hypervisor log: %s", strerror((int)-rc));
		}
		memcpy(&op, xg_call_at(&c, at), sizeof(op));
		uint32_t got = op.u.readconsole.count > CHUNK ? CHUNK : op.u.readconsole.count;
		char *grown = realloc(all, n + got + 1);
		if (!grown) {
			xg_call_free(&c);
			free(all);
			return xg_error(-ENOMEM, "out of memory");
		}
		all = grown;
		memcpy(all + n, xg_call_at(&c, buf), got);
		n += got;
		pos = op.u.readconsole.pos;
		xg_call_free(&c);
		if (got < CHUNK)
			break;
	}
	all[n] = '\0';
	if (clear) {
		struct xg_sysctl op = { .cmd = XG_SYSCTL_readconsole };
		op.u.readconsole.clear = 1;
		op.u.readconsole.pos = pos;
		long rc = xg_do_sysctl(h, &op);
		if (rc < 0) {
			free(all);
			return xg_error((int)rc, "cannot clear the hypervisor log: %s", strerror((int)-rc));
		}
	}
	*text = all;
	*len = n;
	return 0;
}

XG_EXPORT long xg_console_read(xg_handle *h, uint32_t domid, uint64_t *pos, char *buf, size_t len,
			       int timeout_ms)
{
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	if (len > XG_CTL_MAX_DATA / 2)
		len = XG_CTL_MAX_DATA / 2;
	struct xg_call c = { 0 };
	uint64_t at = xg_call_put(&c, NULL, sizeof(struct xg_domctl));
	uint64_t out = xg_call_put(&c, NULL, len);
	if (!at || !out) {
		xg_call_free(&c);
		return xg_error(-ENOMEM, "out of memory");
	}
	struct xg_domctl op = { .cmd = XG_DOMCTL_console_read, .interface_version = XG_DOMCTL_INTERFACE_VERSION,
				.domain = (uint16_t)domid };
	op.u.console_read.pos = *pos;
	op.u.console_read.buffer = out;
	op.u.console_read.len = (uint32_t)len;
	op.u.console_read.timeout_ms = timeout_ms;
	memcpy(xg_call_at(&c, at), &op, sizeof(op));
	uint64_t args[5] = { at };
	long rc = xg_hypercall(h, __HYPERVISOR_domctl, args, &c);
	if (rc < 0) {
		xg_call_free(&c);
		if (rc == -ESRCH)
			return xg_error(-ENOENT, "domain %u does not exist", domid);
		return xg_error((int)rc, "cannot read the console of domain %u: %s", domid, strerror((int)-rc));
	}
	memcpy(&op, xg_call_at(&c, at), sizeof(op));
	size_t got = op.u.console_read.count < len ? op.u.console_read.count : len;
	memcpy(buf, xg_call_at(&c, out), got);
	xg_call_free(&c);
	*pos = op.u.console_read.pos;
	if (!got && op.u.console_read.stopped)
		return xg_error(-ESRCH, "domain %u has stopped", domid);
	return (long)got;
}

XG_EXPORT long xg_console_write(xg_handle *h, uint32_t domid, const char *buf, size_t len)
{
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	if (!len)
		return 0;
	if (len > XG_CTL_MAX_DATA / 2)
		len = XG_CTL_MAX_DATA / 2;
	struct xg_call c = { 0 };
	uint64_t at = xg_call_put(&c, NULL, sizeof(struct xg_domctl));
	uint64_t in = xg_call_put(&c, buf, len);
	if (!at || !in) {
		xg_call_free(&c);
		return xg_error(-ENOMEM, "out of memory");
	}
	struct xg_domctl op = { .cmd = XG_DOMCTL_console_write, .interface_version = XG_DOMCTL_INTERFACE_VERSION,
				.domain = (uint16_t)domid };
	op.u.console_write.buffer = in;
	op.u.console_write.len = (uint32_t)len;
	memcpy(xg_call_at(&c, at), &op, sizeof(op));
	uint64_t args[5] = { at };
	long rc = xg_hypercall(h, __HYPERVISOR_domctl, args, &c);
	if (rc == 0)
		memcpy(&op, xg_call_at(&c, at), sizeof(op));
	xg_call_free(&c);
	switch (rc) {
	case 0:
		return op.u.console_write.count < len ? (long)op.u.console_write.count : (long)len;
	case -ESRCH:
		return xg_error(-ENOENT, "domain %u does not exist", domid);
	case -ENODEV:
		return xg_error(-ENODEV, "domain %u has no console ring", domid);
	case -EIO:
		return xg_error(-EIO, "domain %u has broken its console ring (impossible indexes)", domid);
	default:
		return xg_error((int)rc, "cannot write to the console of domain %u: %s", domid, strerror((int)-rc));
	}
}

XG_EXPORT int xg_domain_set_max_memory(xg_handle *h, uint32_t domid, uint64_t max_kib)
{
	return xg_domain_set_max_memory_flags(h, domid, max_kib, 0);
}

XG_EXPORT int xg_domain_set_max_memory_flags(xg_handle *h, uint32_t domid, uint64_t max_kib, unsigned int flags)
{
	if (flags & ~(unsigned int)XG_FORCE)
		return xg_error(-EINVAL, "unknown flags %#x", flags);
	struct xg_domain_info info;
	int rc = xg_domain_info(h, domid, &info);
	if (rc)
		return rc;
	if (max_kib / 4 < info.tot_frames && !(flags & XG_FORCE))
		return xg_error(-EINVAL, "%llu KiB is less than domain %u has now (%llu KiB)", (unsigned long long)max_kib,
				domid, (unsigned long long)info.tot_frames * 4);
	struct xg_domctl op = { .cmd = XG_DOMCTL_max_mem, .domain = (uint16_t)domid };
	op.u.max_mem.max_kb = max_kib;
	long r = xg_do_domctl(h, &op);
	if (r == -EINVAL)
		return xg_error((int)r, "%llu KiB is more than the host's memory, or domain %u cannot take it",
				(unsigned long long)max_kib, domid);
	if (r < 0)
		return xg_error((int)r, "cannot set the memory limit of domain %u: %s", domid, strerror((int)-r));
	return 0;
}

XG_EXPORT int xg_vcpu_info(xg_handle *h, uint32_t domid, uint32_t vcpu, struct xg_vcpu_info *out)
{
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	struct xg_domctl op = { .cmd = XG_DOMCTL_getvcpuinfo, .domain = (uint16_t)domid };
	op.u.vcpuinfo.vcpu = vcpu;
	long rc = xg_do_domctl(h, &op);
	if (rc == -ESRCH)
		return xg_error((int)rc, "no domain with id %u", domid);
	if (rc == -EINVAL)
		return xg_error((int)rc, "domain %u has no vCPU %u", domid, vcpu);
	if (rc < 0)
		return xg_error((int)rc, "cannot read vCPU %u of domain %u: %s", vcpu, domid, strerror((int)-rc));
	const struct xg_domctl_vcpuinfo *vi = &op.u.vcpuinfo;
	memset(out, 0, sizeof(*out));
	out->vcpu = vcpu;
	out->online = vi->flags & XG_VCPUINFO_online;
	out->running = vi->flags & XG_VCPUINFO_running;
	out->blocked = vi->flags & XG_VCPUINFO_blocked;
	out->pinned = vi->flags & XG_VCPUINFO_pinned;
	out->cpu = vi->cpu;
	out->cpu_time_ns = vi->cpu_time_ns;
	memcpy(out->affinity, vi->affinity, sizeof(out->affinity));
	return 0;
}

XG_EXPORT int xg_vcpu_set_affinity(xg_handle *h, uint32_t domid, uint32_t vcpu, const uint8_t mask[XG_MAX_HOST_CPUS / 8])
{
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	struct xg_domctl op = { .cmd = XG_DOMCTL_setvcpuaffinity, .domain = (uint16_t)domid };
	op.u.vcpuaffinity.vcpu = vcpu;
	memcpy(op.u.vcpuaffinity.affinity, mask, sizeof(op.u.vcpuaffinity.affinity));
	long rc = xg_do_domctl(h, &op);
	if (rc == -ESRCH)
		return xg_error((int)rc, "no domain with id %u", domid);
	if (rc == -EINVAL)
		return xg_error((int)rc, "cannot pin vCPU %u of domain %u: no such vCPU, no host CPU in the set, or the domain is being destroyed",
				vcpu, domid);
	if (rc < 0)
		return xg_error((int)rc, "cannot pin vCPU %u of domain %u: %s", vcpu, domid, strerror((int)-rc));
	return 0;
}

/* Xen's credit scheduler parameters (XG_DOMCTL_scheduler_op). */
static long sched_op(xg_handle *h, uint32_t domid, uint32_t cmd, uint16_t *weight, uint16_t *cap)
{
	struct xg_domctl op = { .cmd = XG_DOMCTL_scheduler_op, .domain = (uint16_t)domid };
	op.u.scheduler_op.sched_id = XG_SCHEDULER_CREDIT;
	op.u.scheduler_op.cmd = cmd;
	op.u.scheduler_op.u.credit.weight = *weight;
	op.u.scheduler_op.u.credit.cap = *cap;
	long rc = xg_do_domctl(h, &op);
	*weight = op.u.scheduler_op.u.credit.weight;
	*cap = op.u.scheduler_op.u.credit.cap;
	return rc;
}

XG_EXPORT int xg_sched_credit_get(xg_handle *h, uint32_t domid, struct xg_sched_credit *out)
{
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	uint16_t weight = 0, cap = 0;
	long rc = sched_op(h, domid, XG_DOMCTL_SCHEDOP_getinfo, &weight, &cap);
	if (rc == -ESRCH)
		return xg_error((int)rc, "no domain with id %u", domid);
	if (rc == -EINVAL && domid == 0)
		return xg_error((int)rc, "domain 0 is the host itself: it has no scheduling parameters");
	if (rc == -ENOSYS)
		return xg_error((int)rc, "this hypervisor has no scheduling parameters (it predates them)");
	if (rc < 0)
		return xg_error((int)rc, "cannot read the scheduling parameters of domain %u: %s", domid,
				strerror((int)-rc));
	out->weight = weight;
	out->cap = cap;
	return 0;
}

XG_EXPORT int xg_sched_credit_set(xg_handle *h, uint32_t domid, const struct xg_sched_credit *params)
{
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	if (domid == 0)
		return xg_error(-EINVAL, "domain 0 is the host itself: it has no scheduling parameters");
	/* libxl's checks: weight 1-65535, cap 0 to 100 per vCPU. */
	if (params->weight != XG_SCHED_KEEP && (params->weight < 1 || params->weight > XG_SCHED_WEIGHT_MAX))
		return xg_error(-EINVAL, "weight %u is out of range: it must be 1 to %u", params->weight,
				XG_SCHED_WEIGHT_MAX);
	struct xg_domain_info info;
	int err = 0;
	if (params->cap != XG_SCHED_KEEP && (err = xg_domain_info(h, domid, &info)) < 0)
		return err;
	if (params->cap != XG_SCHED_KEEP && (uint64_t)params->cap > (uint64_t)info.nr_vcpus * 100)
		return xg_error(-EINVAL, "cap %u is out of range for domain %s: it must be 0 to %u (100 per vCPU, %u vCPU%s)",
				params->cap, info.name, info.nr_vcpus * 100, info.nr_vcpus, info.nr_vcpus == 1 ? "" : "s");
	uint16_t weight = params->weight == XG_SCHED_KEEP ? 0 : (uint16_t)params->weight;
	uint16_t cap = params->cap == XG_SCHED_KEEP ? XG_SCHED_CAP_KEEP : (uint16_t)params->cap;
	long rc = sched_op(h, domid, XG_DOMCTL_SCHEDOP_putinfo, &weight, &cap);
	if (rc == -ESRCH)
		return xg_error((int)rc, "no domain with id %u", domid);
	if (rc == -EPERM)
		return xg_error((int)rc, "cannot give domain %u weight %u: the hypervisor may not raise its threads' "
				"priority (weights above 256 need CAP_SYS_NICE: run it as root)",
				domid, params->weight);
	if (rc == -ENOSYS)
		return xg_error((int)rc, "this hypervisor has no scheduling parameters (it predates them)");
	if (rc < 0)
		return xg_error((int)rc, "cannot set the scheduling parameters of domain %u: %s", domid,
				strerror((int)-rc));
	return 0;
}

static const char *const trigger_names[] = {
	[XG_TRIGGER_NMI] = "nmi",     [XG_TRIGGER_RESET] = "reset", [XG_TRIGGER_INIT] = "init",
	[XG_TRIGGER_POWER] = "power", [XG_TRIGGER_SLEEP] = "sleep", [XG_TRIGGER_S3RESUME] = "s3resume",
};

XG_EXPORT const char *xg_trigger_name(enum xg_trigger trigger)
{
	return (unsigned int)trigger < sizeof(trigger_names) / sizeof(trigger_names[0]) ? trigger_names[trigger] : NULL;
}

XG_EXPORT int xg_trigger_from_name(const char *name, enum xg_trigger *trigger)
{
	for (unsigned int i = 0; i < sizeof(trigger_names) / sizeof(trigger_names[0]); i++) {
		if (!strcmp(name, trigger_names[i])) {
			*trigger = (enum xg_trigger)i;
			return 0;
		}
	}
	return xg_error(-EINVAL, "invalid trigger '%s' (nmi, reset, init, power, sleep or s3resume)", name);
}

XG_EXPORT int xg_domain_trigger(xg_handle *h, uint32_t domid, enum xg_trigger trigger, uint32_t vcpu)
{
	const char *name = xg_trigger_name(trigger);
	if (!name)
		return xg_error(-EINVAL, "unknown trigger %d", (int)trigger);
	if (domid > 0xffff)
		return xg_error(-EINVAL, "invalid domain id %u", domid);
	if (domid == 0)
		return xg_error(-EINVAL, "domain 0 is the host itself: it takes no triggers");
	/* libxl's: s3resume wakes an HVM guest through its device model. */
	if (trigger == XG_TRIGGER_S3RESUME)
		return xg_error(-EINVAL, "trigger s3resume is for HVM guests: domain %u is PV", domid);
	struct xg_domctl op = { .cmd = XG_DOMCTL_sendtrigger, .domain = (uint16_t)domid };
	op.u.sendtrigger.trigger = (uint32_t)trigger;
	op.u.sendtrigger.vcpu = vcpu;
	long rc = xg_do_domctl(h, &op);
	if (rc == -ESRCH) {
		struct xg_domain_info info;
		if (xg_domain_info(h, domid, &info) == 0)
			return xg_error((int)rc, "domain %u has no vCPU %u (it has %u)", domid, vcpu, info.nr_vcpus);
		return xg_error((int)rc, "no domain with id %u", domid);
	}
	if (rc == -EINVAL && (trigger == XG_TRIGGER_POWER || trigger == XG_TRIGGER_SLEEP))
		return xg_error((int)rc, "trigger %s (an ACPI button) is for HVM guests: domain %u is PV", name, domid);
	if (rc == -ENOSYS && trigger == XG_TRIGGER_NMI)
		return xg_error((int)rc, "this hypervisor takes no triggers (it predates them)");
	if (rc == -ENOSYS)
		return xg_error((int)rc, "trigger %s is not supported for PV domains (Xen's ENOSYS)", name);
	if (rc < 0)
		return xg_error((int)rc, "cannot send trigger %s to domain %u: %s", name, domid, strerror((int)-rc));
	return 0;
}
