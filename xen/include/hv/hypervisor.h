/* The one hypervisor instance: what every part of the core shares. */
#ifndef HV_HYPERVISOR_H
#define HV_HYPERVISOR_H

#include <stdint.h>

#include "hv/exec.h"
#include "hv/machine.h"
#include "hv/page_alloc.h"

struct hypervisor {
	struct machine machine;
	struct heap heap;
	const struct exec_backend *backend;
	struct exec_machine exec_machine;
	uint64_t start_ns;
	unsigned int nr_cpus;
};

extern struct hypervisor *hv;

/* Interface version the guest ABI emulates (XENVER_version). */
#define XG_XEN_MAJOR 4
#define XG_XEN_MINOR 17
#define XG_XEN_EXTRA "-xg"

#endif
