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
# The layout Xen's builder would give it, computed by xen-layout.py from
# the kernel file alone (its bzImage header, xz payload, PT_LOAD headers
# and notes, following xg_dom_core.c/xg_dom_x86.c): every region, the P2M
# list at its INIT_P2M address with its own tables, the unmapped ramdisk
# MOD_START_PFN asks for, and the page-table counts.  At 256 MiB and 2 GiB,
# with and without a ramdisk.
head -c 3000000 /dev/zero >"$work/initrd"
for case in "256:" "2048:" "512:$work/initrd"; do
	mib=${case%%:*} rd=${case#*:}
	printf '{ "name": "debian", "kernel": "%s", "memory": %d%s }\n' "$KERNEL_IMAGE" "$mib" \
		"${rd:+, \"ramdisk\": \"$rd\"}" >"$work/d.json"
	"$top_builddir/xg" -N create "$work/d.json" >"$work/ours" 2>&1
	if ! python3 "$top_srcdir/tests/system/xen-layout.py" "$KERNEL_IMAGE" "$mib" ${rd:+3000000} >"$work/xen" 2>&1 ||
		[ "$(wc -l <"$work/xen")" -lt 9 ]; then
		n=$((n + 1)); echo "not ok $n - Xen's layout for $mib MiB${rd:+ and a ramdisk} could be computed"
		sed 's/^/# /' "$work/xen"; failed=$((failed + 1)); continue
	fi
	missing=$(grep -vxFf "$work/ours" "$work/xen")
	n=$((n + 1))
	if [ -z "$missing" ]; then
		echo "ok $n - $mib MiB${rd:+ and a ramdisk}: all $(wc -l <"$work/xen") layout lines are what Xen's builder computes"
	else
		echo "not ok $n - $mib MiB${rd:+ and a ramdisk}: the layout is what Xen's builder computes"
		{ echo "Xen's builder, not printed by xg:"; echo "$missing"; echo "xg:"; cat "$work/ours"; } | sed 's/^/# /'
		failed=$((failed + 1))
	fi
done
check "INIT_P2M is read and used" "INIT_P2M = 0x8000000000$"
echo "1..$n"
[ "$failed" = 0 ]
