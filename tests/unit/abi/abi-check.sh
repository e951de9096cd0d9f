#!/bin/bash
# Cross-checks XG's guest ABI headers (include/public) against Xen's public
# headers (Debian's libxen-dev, /usr/include/xen), as TAP.
#
#  1. Every header compiles on its own with -std=c11 -pedantic -Werror, for
#     x86_64 and for i386 (-m32 -ffreestanding), and as C++11; this also
#     runs the _Static_assert layout checks of the headers.
#  2. abi_table.c is compiled against both sets of headers; the tables of
#     facts (constants; sizes, alignments, member offsets, sizes and types)
#     are compared group by group (a struct, or a header's constants):
#       x86_64  XG vs Xen, both 64-bit
#       x86_32  XG vs Xen, both -m32 -ffreestanding
#       compat  XG's compat_ layouts (64-bit build) vs Xen -m32
#     The -m32 objects are never run: their .abi_table section is extracted
#     with objcopy and printed by abi_dump (built for the host).
#
# Environment: CC (gcc), CXX (g++; C++ check skipped if absent), OBJCOPY
# (objcopy), srcdir or top_srcdir (top of the source tree; default: found
# from this script), XEN_INCDIR (/usr/include: Xen's headers are $XEN_INCDIR/xen),
# ABI_KEEP (a directory to keep the tables and objects in).
set -u

# The source tree: $srcdir if it is the top of it, else $top_srcdir (the
# test harness sets srcdir for another test), else found from this script.
script_dir=$(cd "$(dirname "$0")" && pwd)
top=
for d in "${srcdir:-}" "${top_srcdir:-}" "$script_dir/../../.."; do
	if [ -n "$d" ] && [ -f "$d/include/public/xen.h" ] && [ -f "$d/tests/unit/abi/abi_table.c" ]; then
		top=$(cd "$d" && pwd)
		break
	fi
done
if [ -z "$top" ]; then
	echo "Bail out! cannot find the source tree (srcdir=${srcdir:-unset})"
	exit 1
fi
here="$top/tests/unit/abi"
CC=${CC:-gcc}
CXX=${CXX:-g++}
OBJCOPY=${OBJCOPY:-objcopy}
XEN_INCDIR=${XEN_INCDIR:-/usr/include}

if [ ! -f "$XEN_INCDIR/xen/xen.h" ]; then
	echo "1..0 # SKIP libxen-dev not installed"
	exit 0
fi

if [ -n "${ABI_KEEP:-}" ]; then
	work=$ABI_KEEP
	mkdir -p "$work"
else
	work=$(mktemp -d)
	trap 'rm -rf "$work"' EXIT
fi
out="$work/tap"
: >"$out"

# Differences made on purpose: NAME VALUE-IN-XG reason.  Xen's value is
# replaced by XG's before comparing (and the replacement reported).
overrides() {
	cat <<-'EOF'
	elfnote.h:XEN_ELFNOTE_MAX 19 XG also knows XEN_ELFNOTE_PHYS32_RELOC (19, Xen 4.19)
	EOF
}

ok() { echo "ok - $*" >>"$out"; }
not_ok() { echo "not ok - $*" >>"$out"; }
skip() { echo "ok - $* # SKIP" >>"$out"; }
comment() { sed 's/^/# /' >>"$out"; }

# ---- 1. the headers compile on their own ----------------------------------------------
headers=$(cd "$top/include" && find public -name '*.h' ! -name xg_control.h | LC_ALL=C sort)
cflags="-std=c11 -Wall -Wextra -Werror -pedantic -I$top/include"

# compile_headers WHAT OTHER-WIDTH-HEADER COMPILER LANG FLAGS...: each header
# alone, then all together (except the other width's arch header, which
# refuses to compile).  A typedef keeps macro-only headers from making an
# empty translation unit.
compile_headers() {
	local what=$1 other=$2 cc=$3 lang=$4 failed="" h list=""
	shift 4
	: >"$work/errors"
	for h in $headers; do
		[ "$h" = "public/arch-x86/$other" ] && continue
		list="$list $h"
		if ! printf '#include "%s"\ntypedef int abi_check_nonempty;\n' "$h" |
			$cc -x "$lang" "$@" -fsyntax-only - >>"$work/errors" 2>&1; then
			failed="$failed $h"
		fi
	done
	if ! { for h in $list; do printf '#include "%s"\n' "$h"; done; } |
		$cc -x "$lang" "$@" -fsyntax-only - >>"$work/errors" 2>&1; then
		failed="$failed (all-together)"
	fi
	if [ -z "$failed" ]; then
		ok "$what: every header compiles on its own"
	else
		not_ok "$what: headers that do not compile:$failed"
		head -n 40 "$work/errors" | comment
	fi
}

have_m32=no
if echo 'int x;' | $CC -m32 -ffreestanding -x c -c - -o "$work/probe.o" 2>/dev/null; then
	have_m32=yes
fi

compile_headers "x86_64 C11 -pedantic" xen-x86_32.h "$CC" c $cflags
if [ $have_m32 = yes ]; then
	compile_headers "x86_32 C11 -pedantic" xen-x86_64.h "$CC" c -m32 -ffreestanding $cflags
else
	skip "x86_32 C11 -pedantic: $CC cannot build 32-bit code"
fi
if command -v "$CXX" >/dev/null 2>&1; then
	compile_headers "x86_64 C++11" xen-x86_32.h "$CXX" c++ -std=c++11 -Wall -Wextra -Werror -I"$top/include"
else
	skip "C++11: no C++ compiler ($CXX)"
fi

# ---- 2. the tables ------------------------------------------------------------------------
tflags="-std=c11 -Wall -Wextra -Werror -c"
if ! $CC -std=c11 -Wall -Wextra -Werror "$here/abi_dump.c" -o "$work/abi_dump" 2>"$work/errors"; then
	not_ok "build abi_dump"
	comment <"$work/errors"
fi

# table NAME FLAGS...: compile abi_table.c, print its sorted table to NAME.txt.
table() {
	local name=$1
	shift
	rm -f "$work/$name.txt"
	if ! $CC $tflags "$@" "$here/abi_table.c" -o "$work/$name.o" 2>"$work/errors"; then
		not_ok "build table $name"
		head -n 40 "$work/errors" | comment
		return 1
	fi
	if ! $OBJCOPY -O binary --only-section=.abi_table "$work/$name.o" "$work/$name.bin" \
		2>"$work/errors" ||
		! "$work/abi_dump" <"$work/$name.bin" 2>"$work/errors" | LC_ALL=C sort >"$work/$name.txt"; then
		not_ok "read table $name"
		comment <"$work/errors"
		rm -f "$work/$name.txt"
		return 1
	fi
	return 0
}

# compare LABEL XG-TABLE XEN-TABLE: one test point per group of facts.
compare() {
	local label=$1 ours="$work/$2.txt" xen="$work/$3.txt"
	if [ ! -s "$ours" ] || [ ! -s "$xen" ]; then
		not_ok "$label: no tables to compare"
		return
	fi
	overrides >"$work/overrides"
	cut -d' ' -f1 "$ours" "$xen" | LC_ALL=C sort -u >"$work/names"
	awk -v label="$label" '
	function group(name,   g) {
		if (match(name, /^[A-Za-z0-9_\/.-]+\.h:/))
			return "constants of " substr(name, 1, RLENGTH - 1)
		g = name
		sub(/^[a-z]+\(/, "", g)
		sub(/[.,)(].*$/, "", g)
		return "layout of " g
	}
	FILENAME == ARGV[1] { over[$1] = $2; why[$1] = $0; sub(/^[^ ]+ [^ ]+ /, "", why[$1]); next }
	FILENAME == ARGV[2] { xg[$1] = $2; next }
	FILENAME == ARGV[4] { names[++nn] = $1; next }
	{
		if ($1 in over && over[$1] != $2) {
			printf "# %s: deliberate difference: %s is %s in Xen'"'"'s headers, %s in XG'"'"'s (%s)\n",
				label, $1, $2, over[$1], why[$1]
			$2 = over[$1]
		}
		xen[$1] = $2
	}
	END {
		for (k = 1; k <= nn; k++) {
			name = names[k]
			g = group(name)
			if (!(g in count)) groups[++ng] = g
			count[g]++
			if (!(name in xg))
				bad[g] = bad[g] sprintf("#   %s: missing in XG (Xen: %s)\n", name, xen[name])
			else if (!(name in xen))
				bad[g] = bad[g] sprintf("#   %s: missing in Xen (XG: %s)\n", name, xg[name])
			else if (xg[name] != xen[name])
				bad[g] = bad[g] sprintf("#   %s: XG %s, Xen %s\n", name, xg[name], xen[name])
			total++
		}
		# groups in a stable order
		for (i = 2; i <= ng; i++)
			for (j = i; j > 1 && groups[j - 1] > groups[j]; j--) {
				t = groups[j]; groups[j] = groups[j - 1]; groups[j - 1] = t
			}
		for (i = 1; i <= ng; i++) {
			g = groups[i]
			if (g in bad) {
				printf "not ok - %s: %s (facts: %d)\n", label, g, count[g]
				printf "%s", bad[g]
			} else
				printf "ok - %s: %s (facts: %d)\n", label, g, count[g]
		}
		printf "# %s: %d facts in %d groups compared\n", label, total, ng
	}' "$work/overrides" "$ours" "$xen" "$work/names" >>"$out"
}

xen_flags="-DABI_XEN -D__XEN_TOOLS__ -I$XEN_INCDIR"
if [ -x "$work/abi_dump" ]; then
	table ours64 -I"$top/include"
	table xen64 $xen_flags
	compare x86_64 ours64 xen64
	if [ $have_m32 = yes ]; then
		table ours32 -m32 -ffreestanding -I"$top/include"
		table xen32 -m32 -ffreestanding $xen_flags
		compare x86_32 ours32 xen32
		table compat -DABI_COMPAT -I"$top/include"
		table xen32c -m32 -ffreestanding -DABI_COMPAT_LIST $xen_flags
		compare compat compat xen32c
	else
		skip "x86_32 tables: $CC cannot build 32-bit code"
	fi
fi

# ---- TAP: number the test points, plan at the end ---------------------------------------
awk '/^(not )?ok - /{ n++; sub(/ok - /, "ok " n " - ") } { print } END { print "1.." n }' "$out"
! grep -q '^not ok' "$out"
