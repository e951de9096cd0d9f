/*
 * XG guest ABI, x86 machine-check hypercall: only its number.
 *
 * XG virtualises no machine checks, so the operation's structures (Xen's
 * xen-mca.h) are not described here; a guest calling it gets an error.
 */
#ifndef XG_PUBLIC_ARCH_X86_XEN_MCA_H
#define XG_PUBLIC_ARCH_X86_XEN_MCA_H

/* Machine-check reporting and injection: x86's first arch hypercall. */
#define __HYPERVISOR_mca __HYPERVISOR_arch_0

/* Version a caller puts in its requests. */
#define XEN_MCA_INTERFACE_VERSION 0x01ecc003

#endif
