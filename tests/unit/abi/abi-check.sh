#!/bin/bash
# Compares XG's public headers with Xen's (Debian's libxen-dev) item by item:
# every constant, size and offset of abi_items.h, for 64-bit guests (built
# and run) and for 32-bit guests (built with -m32 -ffreestanding, compared
# from the object's data).  TAP: one test point per item and width.
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../../.." && pwd)}"
CC=${CC:-gcc}
here="$top_srcdir/tests/unit/abi"
if [ ! -f /usr/include/xen/xen.h ]; then
	echo "1..0 # SKIP libxen-dev (Xen's public headers) is not installed"
	exit 0
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
n=0 failed=0

# compare NAMES OURS XEN WIDTH: three files of one item per line.
compare() {
	local i=0 name ours xen
	while IFS= read -r name; do
		i=$((i + 1))
		ours=$(sed -n "${i}p" "$2"); xen=$(sed -n "${i}p" "$3")
		n=$((n + 1))
		if [ -n "$ours" ] && [ "$ours" = "$xen" ]; then
			echo "ok $n - $4: $name = $ours"
		else
			failed=$((failed + 1))
			echo "not ok $n - $4: $name"
			echo "#   XG: ${ours:-missing}  Xen: ${xen:-missing}"
		fi
	done < "$1"
}

flags="-std=gnu11 -I$here"
build() { # out extra-flags...
	local out=$1; shift
	if ! $CC $flags "$@" -o "$out" 2>"$work/err"; then
		echo "Bail out! cannot build $out: $(head -c 2000 "$work/err")"
		exit 1
	fi
}

# 64-bit: run both tables.
build "$work/ours64" -DABI_OURS -DABI_MAIN -I"$top_srcdir/include" "$here/abi_table.c"
build "$work/xen64" -DABI_MAIN -D__XEN_TOOLS__ "$here/abi_table.c"
"$work/ours64" > "$work/ours64.txt"
"$work/xen64" > "$work/xen64.txt"
cut -d' ' -f2- "$work/xen64.txt" > "$work/names64"
cut -d' ' -f1 "$work/ours64.txt" > "$work/o64"
cut -d' ' -f1 "$work/xen64.txt" > "$work/x64"
compare "$work/names64" "$work/o64" "$work/x64" x86_64

# 32-bit: compare the data the compiler laid out.
if $CC -m32 -ffreestanding -c -x c /dev/null -o "$work/probe.o" 2>/dev/null; then
	build "$work/ours32.o" -m32 -ffreestanding -c -DABI_OURS -I"$top_srcdir/include" "$here/abi_table.c"
	build "$work/xen32.o" -m32 -ffreestanding -c -D__XEN_TOOLS__ "$here/abi_table.c"
	build "$work/names32" "$here/abi_names.c"
	"$work/names32" > "$work/names32.txt"
	for t in ours32 xen32; do
		objcopy -O binary -j .abi_values "$work/$t.o" "$work/$t.bin"
		od -An -tu8 -v "$work/$t.bin" | tr -s ' ' '\n' | sed '/^$/d' > "$work/$t.txt"
	done
	compare "$work/names32.txt" "$work/ours32.txt" "$work/xen32.txt" x86_32
else
	n=$((n + 1))
	echo "ok $n # SKIP $CC cannot build 32-bit code"
fi
echo "1..$n"
[ "$failed" = 0 ]
