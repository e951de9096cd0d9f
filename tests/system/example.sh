#!/bin/bash
# docs/examples/list_domains.c builds with nothing but pkg-config's flags
# for libxg and lists the domains of a running hypervisor.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
start_hypervisor
export PKG_CONFIG_PATH="$top_builddir/tools/libxg"
# Under --enable-sanitizers libxg carries the ASan runtime while the example,
# built with pkg-config's flags alone, does not load it first: allow that.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
flags=$(pkg-config --cflags --libs libxg)
check "pkg-config knows libxg" [ -n "$flags" ]
check "the example builds with pkg-config's flags alone" \
	${CC:-cc} "$top_srcdir/docs/examples/list_domains.c" $flags -o "$WORK/list_domains"
xg create "$(guest_config example-guest spin)" >/dev/null 2>&1
out=$(LD_LIBRARY_PATH="$top_builddir/.libs" "$WORK/list_domains" 2>&1)
check "it lists Domain-0 and the running guest" sh -c "printf '%s\n' '$out' | grep -q '^0 Domain-0 running' && printf '%s\n' '$out' | grep -q ' example-guest running 16384 KiB'"
xg destroy example-guest
out=$(XG_RUNDIR="$WORK/nowhere" LD_LIBRARY_PATH="$top_builddir/.libs" "$WORK/list_domains" 2>&1)
case "$out" in *"cannot connect to the hypervisor at $WORK/nowhere/hypervisor-ro.sock"*) ok "without a hypervisor it says where it looked" ;;
*) not_ok "without a hypervisor it says where it looked"; diag "$out" ;; esac
finish
