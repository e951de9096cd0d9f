/* HYPERVISOR_domctl: the toolstack's operations on one domain. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "hv/console_ring.h"
#include "hv/xenstore.h"
#include "hv/hypercall.h"
#include "hv/hypervisor.h"
#include "hv/pv.h"
#include "hv/sched_credit.h"
#include "public/compat/x86_32.h"
#include "public/xen.h"
#include "public/xg_control.h"

void fill_domaininfo(struct domain *d, struct xg_domaininfo *info)
{
	memset(info, 0, sizeof(*info));
	pthread_mutex_lock(&d->lock);
	info->domid = d->id;
	bool any_running = false;
	for (unsigned int i = 0; i < d->max_vcpus; i++) {
		struct vcpu *v = d->vcpus[i];
		if (!v)
			continue;
		info->nr_vcpus++;
		if (v->initialised && !v->down)
			info->nr_online_vcpus++;
		info->cpu_time_ns += vcpu_cpu_time_ns(v);
		if (v->running)
			any_running = true;
	}
	if (d->is_dying)
		info->flags |= XG_DOMINF_dying;
	if (d->is_crashed)
		info->flags |= XG_DOMINF_crashed;
	if (d->is_shutdown)
		info->flags |= XG_DOMINF_shutdown;
	if (d->pause_count)
		info->flags |= XG_DOMINF_paused;
	if (!(info->flags & (XG_DOMINF_dying | XG_DOMINF_crashed | XG_DOMINF_shutdown |
			     XG_DOMINF_paused)))
		info->flags |= (any_running || d->is_privileged) ? XG_DOMINF_running : XG_DOMINF_blocked;
	if (d->is_privileged)
		info->nr_vcpus = info->nr_online_vcpus = hv->nr_cpus;
	/* As Xen's getdomaininfo (the flags' shutdown field, 8 bits): the
	 * latched shutdown code in every state, so the reason of a domain
	 * that shut down or crashed, or the code a running guest set with
	 * SCHEDOP_shutdown_code; 255 when there is none. */
	info->shutdown_reason =
		d->shutdown_code == SHUTDOWN_CODE_INVALID ? XG_CTL_SHUTDOWN_CODE_NONE : d->shutdown_code;
	info->tot_pages = d->frames.frames;
	info->max_pages = d->max_pages;
	info->shared_info_mfn = d->shared_info_mfn;
	info->hypercalls = atomic_load(&d->hypercalls);
	info->created_ns = d->created_ns;
	memcpy(info->uuid, d->uuid, 16);
	memcpy(info->name, d->name, sizeof(info->name));
	pthread_mutex_unlock(&d->lock);
}

static bool valid_name(const char *name, size_t size)
{
	size_t len = strnlen(name, size);
	if (!len || len == size)
		return false;
	bool all_digits = true;
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)name[i] < 0x21 || (unsigned char)name[i] > 0x7e)
			return false;
		if (name[i] < '0' || name[i] > '9')
			all_digits = false;
	}
	return !all_digits; /* a name of digits would read as a domain id */
}

static long createdomain(struct xg_domctl *op)
{
	struct xg_domctl_createdomain *c = &op->u.createdomain;
	if (!valid_name(c->name, sizeof(c->name)))
		return -EINVAL;
	if (c->flags & ~XG_DOMCRF_pv32)
		return -EINVAL;
	bool pv32 = c->flags & XG_DOMCRF_pv32;
	if (pv32 && !hv->backend->runs_compat) {
		printk("createdomain: the %s backend cannot run 32-bit guests\n", hv->backend->name);
		return -EOPNOTSUPP;
	}
	struct domain_create_args args = {
		.name = c->name,
		.uuid = c->uuid,
		.type = pv32 ? DOMAIN_PV32 : DOMAIN_PV64,
		.max_vcpus = c->max_vcpus,
		.max_pages = c->max_pages,
		.on_poweroff = c->on_poweroff,
		.on_crash = c->on_crash,
		.on_reboot = c->on_reboot,
		.on_watchdog = c->on_watchdog,
		.max_evtchn_port = c->max_evtchn_port,
	};
	struct domain *d;
	int rc = domain_create(&args, &d);
	if (rc)
		return rc;
	op->domain = d->id;
	domain_put(d);
	return 0;
}

static long console_read(struct hcall_ctx *ctx, struct domain *d, struct xg_domctl_console_read *c)
{
	if (c->len > XG_CTL_MAX_DATA)
		return -EINVAL;
	char *tmp = malloc(c->len ? c->len : 1);
	if (!tmp)
		return -ENOMEM;
	int timeout = c->timeout_ms < -1 ? -1 : c->timeout_ms;
	size_t n = text_ring_read(&d->console, &c->pos, tmp, c->len, timeout);
	long rc = copy_to_guest(ctx, c->buffer, tmp, n) ? -EFAULT : 0;
	free(tmp);
	c->count = (uint32_t)n;
	pthread_mutex_lock(&d->lock);
	bool stopped = d->is_shutdown || d->is_crashed || d->is_dying;
	pthread_mutex_unlock(&d->lock);
	c->stopped = stopped && c->pos >= text_ring_head(&d->console);
	return rc;
}

static long console_write(struct hcall_ctx *ctx, struct domain *d, struct xg_domctl_console_write *c)
{
	if (c->len > XG_CTL_MAX_DATA)
		return -EINVAL;
	char *tmp = malloc(c->len ? c->len : 1);
	if (!tmp)
		return -ENOMEM;
	long rc = copy_from_guest(ctx, tmp, c->buffer, c->len) ? -EFAULT : console_ring_write_input(d, tmp, c->len);
	free(tmp);
	if (rc < 0)
		return rc;
	c->count = (uint32_t)rc;
	return 0;
}

static long getmemlist(struct hcall_ctx *ctx, struct domain *d, struct xg_domctl_getmemlist *g)
{
	g->count = 0;
	pthread_mutex_lock(&d->lock);
	uint64_t index = 0;
	long rc = 0;
	for (size_t r = 0; r < d->frames.n && g->count < g->max; r++) {
		const struct frame_range *fr = &d->frames.v[r];
		for (uint64_t i = 0; i < fr->count && g->count < g->max; i++, index++) {
			if (index < g->start)
				continue;
			uint64_t mfn = fr->mfn + i;
			if (copy_to_guest(ctx, g->buffer + g->count * 8, &mfn, 8)) {
				rc = -EFAULT;
				goto out;
			}
			g->count++;
		}
	}
out:
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static long toolstack_data(struct hcall_ctx *ctx, struct domain *d, struct xg_domctl *op)
{
	uint32_t size = op->u.toolstack_data.size;
	uint64_t buffer = op->u.toolstack_data.buffer;
	if (op->cmd == XG_DOMCTL_set_toolstack_data) {
		if (size > XG_TOOLSTACK_DATA_MAX)
			return -E2BIG;
		void *copy = size ? malloc(size) : NULL;
		if (size && !copy)
			return -ENOMEM;
		if (copy_from_guest(ctx, copy, buffer, size)) {
			free(copy);
			return -EFAULT;
		}
		pthread_mutex_lock(&d->lock);
		free(d->toolstack_data);
		d->toolstack_data = copy;
		d->toolstack_size = size;
		pthread_mutex_unlock(&d->lock);
		return 0;
	}
	long rc = 0;
	pthread_mutex_lock(&d->lock);
	if (size < d->toolstack_size)
		rc = -ENOBUFS;
	else if (copy_to_guest(ctx, buffer, d->toolstack_data, d->toolstack_size))
		rc = -EFAULT;
	op->u.toolstack_data.size = d->toolstack_size;
	pthread_mutex_unlock(&d->lock);
	return rc;
}

static long vcpucontext(struct hcall_ctx *ctx, struct domain *d, struct xg_domctl *op)
{
	struct xg_domctl_vcpucontext *c = &op->u.vcpucontext;
	if (c->vcpu >= d->max_vcpus || !d->vcpus[c->vcpu])
		return -EINVAL;
	struct vcpu *v = d->vcpus[c->vcpu];
	/* The layout is the guest's width, as in Xen's domctl. */
	union {
		struct vcpu_guest_context native;
		struct compat_vcpu_guest_context compat;
	} gc;
	size_t size = pv_vcpu_context_size(d);
	if (op->cmd == XG_DOMCTL_getvcpucontext) {
		domain_pause(d);
		int rc = pv_get_vcpu_context(v, &gc, size);
		domain_unpause(d);
		if (rc)
			return rc;
		return copy_to_guest(ctx, c->ctxt, &gc, size) ? -EFAULT : 0;
	}
	if (copy_from_guest(ctx, &gc, c->ctxt, size))
		return -EFAULT;
	int rc = domain_pause(d);
	if (rc)
		return rc;
	rc = pv_set_vcpu_context(v, &gc, size, false);
	domain_unpause(d);
	if (!rc)
		rc = domain_start_vcpus(d);
	return rc;
}

/* Every host CPU, as an affinity bitmap. */
static void all_cpus(uint8_t mask[XG_MAX_HOST_CPUS / 8])
{
	memset(mask, 0, XG_MAX_HOST_CPUS / 8);
	for (unsigned int c = 0; c < hv->nr_cpus && c < XG_MAX_HOST_CPUS; c++)
		mask[c / 8] |= (uint8_t)(1u << (c % 8));
}

int vcpu_apply_affinity(struct vcpu *v)
{
	cpu_set_t set;
	CPU_ZERO(&set);
	uint8_t all[XG_MAX_HOST_CPUS / 8];
	all_cpus(all);
	const uint8_t *mask = v->pinned ? v->affinity : all;
	for (unsigned int c = 0; c < XG_MAX_HOST_CPUS && c < CPU_SETSIZE; c++)
		if (mask[c / 8] & (1u << (c % 8)))
			CPU_SET(c, &set);
	return -pthread_setaffinity_np(v->thread, sizeof(set), &set);
}

static long getvcpuinfo(struct domain *d, struct xg_domctl_vcpuinfo *vi)
{
	if (vi->vcpu >= d->max_vcpus || !d->vcpus[vi->vcpu])
		return -EINVAL;
	struct vcpu *v = d->vcpus[vi->vcpu];
	pthread_mutex_lock(&d->lock);
	bool online = v->initialised && !v->down;
	vi->flags = 0;
	if (online)
		vi->flags |= XG_VCPUINFO_online;
	/* Blocked: waiting in SCHEDOP_block or SCHEDOP_poll (schedule.c),
	 * during which its thread does not count as running. */
	if (online && atomic_load(&v->blocked))
		vi->flags |= XG_VCPUINFO_blocked;
	else if (v->running)
		vi->flags |= XG_VCPUINFO_running;
	if (v->pinned)
		vi->flags |= XG_VCPUINFO_pinned;
	vi->cpu = (int32_t)v->cpu_seen - 1;
	vi->max_vcpus = d->max_vcpus;
	vi->cpu_time_ns = vcpu_cpu_time_ns(v);
	if (v->pinned)
		memcpy(vi->affinity, v->affinity, sizeof(vi->affinity));
	else
		all_cpus(vi->affinity);
	pthread_mutex_unlock(&d->lock);
	return 0;
}

/* Pin a vCPU's host thread (Xen's hard affinity).  The mask must name at
 * least one host CPU and no other. */
static long setvcpuaffinity(struct domain *d, const struct xg_domctl_vcpuaffinity *va)
{
	if (va->vcpu >= d->max_vcpus || !d->vcpus[va->vcpu])
		return -EINVAL;
	uint8_t all[XG_MAX_HOST_CPUS / 8];
	all_cpus(all);
	bool any = false, everything = true;
	for (unsigned int i = 0; i < sizeof(all); i++) {
		if (va->affinity[i] & ~all[i])
			return -EINVAL; /* a CPU the host does not have */
		any = any || va->affinity[i];
		everything = everything && va->affinity[i] == all[i];
	}
	if (!any)
		return -EINVAL;
	struct vcpu *v = d->vcpus[va->vcpu];
	long rc = 0;
	pthread_mutex_lock(&d->lock);
	/* While d->lock is held and the domain is not dying, its vCPU
	 * threads are not joined (domain_destroy marks it dying first). */
	if (d->is_dying) {
		rc = -EINVAL;
	} else {
		bool was_pinned = v->pinned;
		uint8_t old[sizeof(v->affinity)];
		memcpy(old, v->affinity, sizeof(old));
		v->pinned = !everything;
		memcpy(v->affinity, va->affinity, sizeof(v->affinity));
		if (v->thread_started && (rc = vcpu_apply_affinity(v))) {
			v->pinned = was_pinned;
			memcpy(v->affinity, old, sizeof(old));
		}
		/* The host has moved the thread already; a kick makes a vCPU
		 * that computes without exits note where it now runs
		 * (vcpu-list's CPU).  Under the lock: once the domain is
		 * dying, destruction frees the vCPU's backend state. */
		if (!rc && v->thread_started)
			vcpu_kick(v);
	}
	pthread_mutex_unlock(&d->lock);
	return rc;
}

/* Xen's XEN_DOMCTL_sendtrigger for a PV domain (arch/x86/domctl.c). */
static long sendtrigger(struct domain *d, uint32_t trigger, uint32_t vcpu)
{
	if (vcpu >= d->max_vcpus || !d->vcpus[vcpu])
		return -ESRCH;
	struct vcpu *v = d->vcpus[vcpu];
	switch (trigger) {
	case XG_DOMCTL_SENDTRIGGER_NMI:
		break;
	case XG_DOMCTL_SENDTRIGGER_POWER:
	case XG_DOMCTL_SENDTRIGGER_SLEEP:
		return -EINVAL; /* ACPI buttons: HVM guests only */
	default:
		return -ENOSYS;
	}
	/* Under d->lock while it is not dying: domain_destroy marks it dying
	 * under the lock before it frees the vCPUs' backend state the kick
	 * uses. */
	pthread_mutex_lock(&d->lock);
	long rc = d->is_dying ? -EINVAL : 0;
	if (!rc && !atomic_exchange(&v->nmi_pending, true))
		vcpu_kick(v);
	pthread_mutex_unlock(&d->lock);
	return rc;
}

long do_domctl(struct hcall_ctx *ctx, const uint64_t a[5])
{
	if (!ctx->caller->is_privileged)
		return -EPERM;
	struct xg_domctl op;
	if (copy_from_guest(ctx, &op, a[0], sizeof(op)))
		return -EFAULT;
	if (op.interface_version != XG_DOMCTL_INTERFACE_VERSION)
		return -EACCES;
	if (ctx->readonly && op.cmd != XG_DOMCTL_getdomaininfo && op.cmd != XG_DOMCTL_getvcpuinfo &&
	    !(op.cmd == XG_DOMCTL_scheduler_op && op.u.scheduler_op.cmd == XG_DOMCTL_SCHEDOP_getinfo))
		return -EPERM;

	if (op.cmd == XG_DOMCTL_createdomain) {
		long rc = createdomain(&op);
		if (!rc && copy_to_guest(ctx, a[0], &op, sizeof(op)))
			rc = -EFAULT;
		return rc;
	}

	struct domain *d = domain_get(op.domain);
	if (!d && op.cmd == XG_DOMCTL_console_read)
		d = domain_get_destroyed(op.domain);
	if (!d)
		return -ESRCH;
	long rc;
	bool copy_back = false;
	switch (op.cmd) {
	case XG_DOMCTL_destroydomain:
		rc = domain_destroy(d);
		break;
	case XG_DOMCTL_pausedomain:
		rc = d->is_privileged ? -EINVAL : domain_toolstack_pause(d);
		break;
	case XG_DOMCTL_unpausedomain:
		rc = d->is_privileged ? -EINVAL : domain_toolstack_unpause(d);
		break;
	case XG_DOMCTL_getdomaininfo:
		fill_domaininfo(d, &op.u.getdomaininfo);
		rc = 0;
		copy_back = true;
		break;
	case XG_DOMCTL_max_mem:
		if (d->is_privileged || op.u.max_mem.max_kb / 4 > hv->machine.ram_frames) {
			rc = -EINVAL;
			break;
		}
		pthread_mutex_lock(&d->lock);
		d->max_pages = op.u.max_mem.max_kb / 4;
		pthread_mutex_unlock(&d->lock);
		rc = 0;
		break;
	case XG_DOMCTL_setvcpucontext:
	case XG_DOMCTL_getvcpucontext:
		rc = d->is_privileged ? -EINVAL : vcpucontext(ctx, d, &op);
		break;
	case XG_DOMCTL_hypercall_init:
		pthread_mutex_lock(&d->lock);
		rc = -EINVAL;
		if (!d->is_privileged && !d->is_dying && domain_owns(d, op.u.hypercall_init.gmfn)) {
			pv_write_hypercall_page(d, op.u.hypercall_init.gmfn);
			rc = 0;
		}
		pthread_mutex_unlock(&d->lock);
		break;
	case XG_DOMCTL_console_read:
		rc = console_read(ctx, d, &op.u.console_read);
		copy_back = true;
		break;
	case XG_DOMCTL_console_attach:
		rc = d->is_privileged ? -EINVAL
				      : console_ring_attach(d, op.u.console_attach.mfn, &op.u.console_attach.port);
		copy_back = rc == 0;
		break;
	case XG_DOMCTL_xenstore_attach:
		rc = d->is_privileged ? -EINVAL
				      : xenstore_ring_attach(d, op.u.xenstore_attach.mfn, &op.u.xenstore_attach.port);
		copy_back = rc == 0;
		break;
	case XG_DOMCTL_console_write:
		rc = d->is_privileged ? -EINVAL : console_write(ctx, d, &op.u.console_write);
		copy_back = rc == 0;
		break;
	case XG_DOMCTL_setdomainname:
		rc = d->is_privileged || !valid_name(op.u.setdomainname.name, sizeof(op.u.setdomainname.name))
			     ? -EINVAL
			     : domain_rename(d, op.u.setdomainname.name);
		break;
	case XG_DOMCTL_set_toolstack_data:
	case XG_DOMCTL_get_toolstack_data:
		rc = d->is_privileged ? -EINVAL : toolstack_data(ctx, d, &op);
		copy_back = op.cmd == XG_DOMCTL_get_toolstack_data;
		break;
	case XG_DOMCTL_getvcpuinfo:
		rc = d->is_privileged ? -EINVAL : getvcpuinfo(d, &op.u.vcpuinfo);
		copy_back = true;
		break;
	case XG_DOMCTL_setvcpuaffinity:
		rc = d->is_privileged ? -EINVAL : setvcpuaffinity(d, &op.u.vcpuaffinity);
		break;
	case XG_DOMCTL_scheduler_op:
		rc = d->is_privileged ? -EINVAL : sched_credit_adjust(d, &op.u.scheduler_op);
		copy_back = true;
		break;
	case XG_DOMCTL_sendtrigger:
		rc = d->is_privileged ? -EINVAL : sendtrigger(d, op.u.sendtrigger.trigger, op.u.sendtrigger.vcpu);
		break;
	case XG_DOMCTL_getmemlist:
		rc = getmemlist(ctx, d, &op.u.getmemlist);
		copy_back = true;
		break;
	default:
		rc = -ENOSYS;
		break;
	}
	domain_put(d);
	if (copy_back && copy_to_guest(ctx, a[0], &op, sizeof(op)))
		rc = -EFAULT;
	return rc;
}
