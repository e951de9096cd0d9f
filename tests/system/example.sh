#!/bin/bash
# The programs in docs/examples build with nothing but pkg-config's flags
# for libxg: list_domains lists the domains of a running hypervisor,
# watch_domains prints their events as a guest lives and dies.
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

check "watch_domains builds with pkg-config's flags alone" \
	${CC:-cc} -Wall -Wextra -Werror "$top_srcdir/docs/examples/watch_domains.c" $flags -o "$WORK/watch_domains"
# Five events: a hello guest's whole life (it powers off; on_poweroff destroy).
LD_LIBRARY_PATH="$top_builddir/.libs" timeout 120 "$WORK/watch_domains" 5 >"$WORK/watch.out" 2>&1 &
watcher=$!
end=$(deadline_in 20)
until grep -q '^watching$' "$WORK/watch.out" || [ "$SECONDS" -gt "$end" ]; do sleep 0.1; done
check "watch_domains subscribes and lists what exists" grep -q '^exists 0 Domain-0 running$' "$WORK/watch.out"
xg create "$(guest_config watched hello)" >/dev/null 2>&1
wait "$watcher"
check "watch_domains exits 0 after its five events" [ $? = 0 ]
id=$(sed -n 's/^created \([0-9]*\) watched paused$/\1/p' "$WORK/watch.out")
expected="watching
exists 0 Domain-0 running
created $id watched paused
state $id watched running
state $id watched shutdown poweroff
state $id watched dying
destroyed $id watched dying"
if [ -n "$id" ] && [ "$(cat "$WORK/watch.out")" = "$expected" ]; then
	ok "it printed the guest's life: created, running, shutdown poweroff, dying, destroyed"
else
	not_ok "it printed the guest's life: created, running, shutdown poweroff, dying, destroyed"
	diag "$(cat "$WORK/watch.out")"
fi
out=$(XG_RUNDIR="$WORK/nowhere" LD_LIBRARY_PATH="$top_builddir/.libs" "$WORK/watch_domains" 2>&1); rc=$?
case "$rc:$out" in 1:*"watch_domains: cannot connect to the hypervisor at $WORK/nowhere/hypervisor-ro.sock"*) ok "watch_domains without a hypervisor: exit 1, says where it looked" ;;
*) not_ok "watch_domains without a hypervisor: exit 1, says where it looked"; diag "$rc: $out" ;; esac
finish
