#!/bin/bash
# Debian's own kernel (linux-image-amd64): xg parses it and lays it out the
# way Xen's builder would; it requires writable page tables, which XG offers
# 64-bit guests, so the dry run would create it.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
. "$top_srcdir/tests/system/debian-kernel.inc.sh"
fetch_debian_kernel || { echo "1..0 # SKIP $FETCH_ERROR"; exit 0; }
n=0 failed=0
check() { # description pattern
	n=$((n + 1))
	if grep -qE -- "$2" "$work/out"; then echo "ok $n - $1"; else echo "not ok $n - $1"; failed=$((failed + 1)); fi
}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
printf '{ "name": "debian", "kernel": "%s", "memory": 512 }\n' "$KERNEL_IMAGE" > "$work/debian.json"
"$top_builddir/xg" -N create "$work/debian.json" > "$work/out" 2>&1
status=$?
sed 's/^/# /' "$work/out"
check "the bzImage's xz payload is unpacked" "bzImage/xz kernel, [0-9]+ bytes of ELF"
check "its notes are read: a Linux guest for xen-3.0 and the generic loader" 'GUEST_OS = "linux".*XEN_VERSION = "xen-3.0", LOADER = "generic"'
check "VIRT_BASE and the entry point" "VIRT_BASE = 0xffffffff80000000, ENTRY = 0xffffffff8"
check "the features it requires" 'FEATURES = "!writable_page_tables'
check "the kernel is laid out at its physical load address" "kernel +: 0xffffffff81000000 -> "
check "a P2M for 512 MiB takes 256 pages" "phys2mach +: .*\+ 0x100 pages"
check "start_info, xenstore, console, page tables and boot stack follow" "boot stack +: "
check "the mapping ends on a 4 MiB boundary" "mapping ends at 0xffffffff8[0-9a-f]c00000|mapping ends at 0xffffffff8[0-9a-f][048]00000"
check "it requires writable page tables, so vCPU 0 starts with that VM assist" "VM assists  : 0x4 \(writable_pagetables\)"
n=$((n + 1))
if [ "$status" = 0 ] && grep -q "Dry run: domain debian would be created (512 MiB, 1 vCPU)" "$work/out" &&
	! grep -q "does not offer" "$work/out"; then
	echo "ok $n - writable page tables are offered: xg would create it"
else
	echo "not ok $n - writable page tables are offered: xg would create it"; failed=$((failed + 1))
fi
echo "1..$n"
[ "$failed" = 0 ]
