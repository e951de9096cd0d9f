/*
 * The control socket (see include/public/xg_control.h for the protocol).
 *
 * Two sockets in the run directory: hypervisor.sock (mode 0600, full
 * control, peers must be root or the hypervisor's own user) and
 * hypervisor-ro.sock (mode 0666, monitoring only: domain list, domain
 * info, physinfo, version).  One thread per client; a client that sends
 * anything malformed is disconnected and nothing else is affected.
 */
#ifndef HV_CONTROL_H
#define HV_CONTROL_H

#define CONTROL_SOCKET "hypervisor.sock"
#define CONTROL_SOCKET_RO "hypervisor-ro.sock"

/* Bind both sockets (refusing if a live hypervisor owns them) and start
 * accepting.  Returns 0 or -errno with a message logged. */
int control_start(const char *rundir);
void control_stop(void);

#endif
