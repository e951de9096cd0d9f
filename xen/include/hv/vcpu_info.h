/*
 * A vCPU's vcpu_info (xen/common/vcpu_info.c): in shared_info, or where the
 * guest registered it.
 */
#ifndef HV_VCPU_INFO_H
#define HV_VCPU_INFO_H

#include <stdint.h>

#include "hv/domain.h"

struct hcall_ctx;

/* Its 64 bytes (either guest layout), or NULL if the vCPU has none (no
 * shared_info slot and none registered). */
uint8_t *vcpu_info_bytes(struct vcpu *v);
/* VCPUOP_register_vcpu_info: move it to {mfn, offset} at arg, once. */
long vcpu_register_vcpu_info(struct hcall_ctx *ctx, struct vcpu *v, uint64_t arg);

#endif
