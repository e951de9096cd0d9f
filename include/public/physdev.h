/*
 * XG guest ABI: __HYPERVISOR_physdev_op(cmd, arg) -- a guest's access to
 * physical devices.  XG gives guests no devices; what it offers is the
 * virtual I/O privilege level.
 */
#ifndef XG_PUBLIC_PHYSDEV_H
#define XG_PUBLIC_PHYSDEV_H

#include "xen.h"

/* The calling vCPU's virtual IOPL (0-3): the rings from which cli, sti,
 * in and out are allowed (see VMASST_TYPE_architectural_iopl). */
#define PHYSDEVOP_set_iopl 6
struct physdev_set_iopl {
	uint32_t iopl; /* IN */
};
typedef struct physdev_set_iopl physdev_set_iopl_t;
DEFINE_XEN_GUEST_HANDLE(physdev_set_iopl_t);

#endif
