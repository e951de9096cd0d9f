/*
 * XG guest ABI: interface version.
 *
 * XG's headers describe one interface, the latest one Xen's headers of the
 * same generation describe (what Xen builds itself and its tools with);
 * they contain none of the variants Xen keeps for guests that ask for an
 * older __XEN_INTERFACE_VERSION__ (those differ in names, not in layout).
 * A guest may still define __XEN_INTERFACE_VERSION__; it changes nothing.
 */
#ifndef XG_PUBLIC_XEN_COMPAT_H
#define XG_PUBLIC_XEN_COMPAT_H

/* The interface version of Xen 4.17's headers (tests/unit/abi checks it). */
#define __XEN_LATEST_INTERFACE_VERSION__ 0x00040e00

#ifndef __XEN_INTERFACE_VERSION__
#define __XEN_INTERFACE_VERSION__ __XEN_LATEST_INTERFACE_VERSION__
#endif

#endif
