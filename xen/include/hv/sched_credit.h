/*
 * Xen's credit scheduler parameters for XG's vCPU threads
 * (xen/common/sched_credit.c, docs/scheduling.md): a domain's weight
 * becomes its vCPU threads' nice values, its cap is enforced by an
 * accountant thread that parks the domain's vCPUs when it has used more
 * than its share of a host CPU.
 */
#ifndef HV_SCHED_CREDIT_H
#define HV_SCHED_CREDIT_H

#include "hv/domain.h"

#define SCHED_CREDIT_DEFAULT_WEIGHT 256
#define SCHED_CREDIT_TICK_NS 10000000ull   /* cap accounting, as Xen's tick */
#define SCHED_CREDIT_PERIOD_NS 30000000ull /* active vCPUs counted, as Xen's accounting period */

/* Start and stop the accountant thread. */
int sched_credit_init(void);
void sched_credit_fini(void);
/* Give a new domain the default parameters (before it is visible). */
void sched_credit_domain_init(struct domain *d);
/* In v's own thread when it starts, d->lock held: give it its nice value. */
void sched_credit_thread_started(struct vcpu *v);
/* Something the accountant may now have to follow (a cap, a second vCPU
 * thread): have it look. */
void sched_credit_wake(void);

struct xg_domctl_scheduler_op;
/* XG_DOMCTL_scheduler_op on d (not the control domain). */
long sched_credit_adjust(struct domain *d, struct xg_domctl_scheduler_op *op);

/* The nice value for a thread of a domain of this weight whose weight is
 * shared by `active` vCPUs: the host's CFS weight nearest (by ratio) to
 * 1024 * weight / 256 / active, so the default weight is nice 0. */
int sched_credit_nice(unsigned int weight, unsigned int active);

#endif
