/* The hypervisor core inside a test or benchmark process (inproc_hypervisor.h). */
#include "tests/lib/inproc_hypervisor.h"

#include "hv/hypervisor.h"
#include "hv/m2p.h"

static struct hypervisor the_hypervisor;
struct hypervisor *hv = &the_hypervisor;

struct domain *inproc_hypervisor_start(uint64_t machine_bytes, const char **why)
{
	if (machine_init(&hv->machine, machine_bytes) || heap_init(&hv->heap, &hv->machine, hv->machine.ram_frames)) {
		*why = "no machine memory";
		return NULL;
	}
	if (m2p_init()) {
		*why = "no M2P";
		return NULL;
	}
	hv->backend = &exec_backend_emu;
	hv->exec_machine = (struct exec_machine){ hv->machine.base, hv->machine.nr_frames, hv->machine.memfd };
	hv->nr_cpus = 1;
	console_init(false);
	if (domain_subsystem_init() || domain_create_control()) {
		*why = "no domain subsystem";
		return NULL;
	}
	return domain_get(DOMID_CONTROL);
}

void inproc_hypervisor_stop(struct domain *d0)
{
	domain_put(d0);
	domain_subsystem_fini();
	console_fini();
	m2p_fini();
	heap_destroy(&hv->heap);
	machine_destroy(&hv->machine);
}
