#!/bin/bash
# The xenstore through xg: the nodes the builder writes for a domain,
# xenstore-read/-write/-ls/-rm and their errors, and the domain's nodes
# removed when it is destroyed (docs/xenstore.md).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)

check "a spinning guest with 2 vCPUs and 32 MiB is created" xg create "$(guest_config xs spin '"vcpus": 2, "memory": 32')"
id=$(xg domid xs)
home=/local/domain/$id
check "xenstore-read of its name and domid" [ "$(xg xenstore-read $home/name $home/domid | tr '\n' ' ')" = "xs $id " ]
check "memory/target and static-max in KiB" [ "$(xg xenstore-read $home/memory/target $home/memory/static-max | tr '\n' ' ')" = "32768 32768 " ]
check "cpu/0 and cpu/1 are online" [ "$(xg xenstore-read $home/cpu/0/availability $home/cpu/1/availability | tr '\n' ' ')" = "online online " ]
vm=$(xg xenstore-read $home/vm)
check "vm names /vm/<uuid> ($vm), which holds the uuid" [ "$(xg xenstore-read "$vm/uuid")" = "${vm#/vm/}" ]
check "store/port and console/port are event channels" sh -c "'$XG_BIN' xenstore-read $home/store/port $home/console/port | grep -Eqx '[0-9]+'"
out=$(xg xenstore-ls $home)
check "xenstore-ls shows the tree indented, values quoted" sh -c "printf '%s\n' '$out' | grep -qx 'name = \"xs\"' && printf '%s\n' '$out' | grep -qx ' target = \"32768\"'"
check "xenstore-ls of / starts at local" sh -c "'$XG_BIN' xenstore-ls | head -1 | grep -qx 'local = \"\"'"
check "xenstore-ls --json parses" python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert d[sys.argv[2] + "/name"] == "xs", d' "$(xg xenstore-ls --json $home)" "$home"
check "xenstore-read --json" python3 -c 'import json,sys; assert json.loads(sys.argv[1]) == {sys.argv[2]: "xs"}' "$(xg xenstore-read --json $home/name)" "$home/name"
check "xenstore-write of two nodes, parents made" xg xenstore-write /test/a/b 1 /test/c "two words"
check "read back" [ "$(xg xenstore-read /test/a/b /test/c | tr '\n' ' ')" = "1 two words " ]
check "xenstore-rm" xg xenstore-rm /test/a
expect_fail "a removed node: exit 1, ENOENT's message" 1 "No such file or directory" xg xenstore-read /test/a/b
expect_fail "a malformed path: exit 1, EINVAL's message" 1 "Invalid argument" xg xenstore-read '/bad path'
expect_fail "a path with //: exit 1" 1 "Invalid argument" xg xenstore-write 'a//b' x
expect_fail "write without a value: usage, exit 2" 2 "Usage: xg xenstore-write" xg xenstore-write /x
expect_fail "write with an odd number of operands: exit 2" 2 "PATH VALUE pairs" xg xenstore-write /x 1 /y
expect_fail "read without a path: usage, exit 2" 2 "Usage: xg xenstore-read" xg xenstore-read
check "xenstore-rm of a node that is not there (its parent is): exit 0, as Xen" xg xenstore-rm /test/nosuch
xg xenstore-rm /test
check "xg destroy" xg destroy xs
expect_fail "destroy leaves no /local/domain/$id" 1 "No such file or directory" xg xenstore-read $home
expect_fail "nor its /vm path" 1 "No such file or directory" xg xenstore-read "$vm"

# The guest side: a client over the ring (tests/guests/xenstore.c), both widths.
for g in xenstore xenstore32; do
	guest_run_matches "$g: its nodes, writes, perms, a watch, transactions, malformed messages over the ring" \
		"$(guest_config $g $g)" "0:*RESULT: PASS $g*"
done
grep -q "d[0-9]*: xenstore ring: message longer than XENSTORE_PAYLOAD_MAX; the ring is no longer served" "$WORK/hypervisor.log"
check "an oversized message is logged, its ring no longer served" [ $? = 0 ]

# A guest that watches control/shutdown as Linux does, asked through the store.
wait_ready() { # name seconds: the guest wrote data/ready
	local end id
	end=$(deadline_in "$2")
	while [ "$SECONDS" -le "$end" ]; do
		id=$(xg domid "$1" 2>/dev/null) && [ "$(xg xenstore-read /local/domain/$id/data/ready 2>/dev/null)" = 1 ] && return 0
		sleep 0.1
	done
	return 1
}
timeout 120 "$XG_BIN" create "$(guest_config ws xenstore '"cmdline": "wait-shutdown"')" -c >"$WORK/ws.out" 2>&1 &
ws=$!
check "a guest waiting on control/shutdown says it is ready" wait_ready ws 60
id=$(xg domid ws)
check "xenstore-write control/shutdown poweroff" xg xenstore-write /local/domain/$id/control/shutdown poweroff
wait $ws
check "it powers off acknowledging the request" grep -q 'xenstore: shutdown request "poweroff"' "$WORK/ws.out"
check "and passes its checks" grep -q "RESULT: PASS xenstore" "$WORK/ws.out"
check "and is gone" wait_gone ws 20

# xg shutdown -w: the guest acts, xg waits for it (as xl: "has been shut
# down" or "destroyed", whichever it sees first).
timeout 120 "$XG_BIN" create "$(guest_config ws xenstore '"cmdline": "wait-shutdown"')" -c >"$WORK/ws.out" 2>&1 &
ws=$!
check "another waiting guest" wait_ready ws 60
id=$(xg domid ws)
out=$(xg shutdown -w ws 2>&1); rc=$?
case "$rc:$out" in "0:Shutting down domain $id"*"Waiting for 1 domains"*"Domain $id has been "*) ok "xg shutdown -w ws: exit 0 once it has shut down" ;; *) not_ok "xg shutdown -w ws: exit 0 once it has shut down"; diag "$rc: $out" ;; esac
wait $ws
check "the guest was asked to power off" grep -q 'xenstore: shutdown request "poweroff"' "$WORK/ws.out"
check "it is gone (on_poweroff destroy)" wait_gone ws 20

# xg reboot with on_reboot restart: the monitor makes a new domain, which
# boots and waits again.
check "a waiting guest with on_reboot restart" xg create "$(guest_config rb xenstore '"cmdline": "wait-shutdown", "on_reboot": "restart"')"
check "is ready" wait_ready rb 60
id=$(xg domid rb)
out=$(xg reboot -w rb 2>&1); rc=$?
case "$rc:$out" in "0:Rebooting domain $id"*"Domain $id has been shut down, reason code 1"*|"0:Rebooting domain $id"*"Domain $id has been destroyed"*) ok "xg reboot -w rb: exit 0, shut down for reboot" ;; *) not_ok "xg reboot -w rb: exit 0, shut down for reboot"; diag "$rc: $out" ;; esac
new_domain() { # name old-id seconds
	local end n
	end=$(deadline_in "$3")
	while [ "$SECONDS" -le "$end" ]; do
		n=$(xg domid "$1" 2>/dev/null) && [ "$n" != "$2" ] && return 0
		sleep 0.2
	done
	return 1
}
check "the monitor restarted it as a new domain" new_domain rb "$id" 60
check "which boots and waits on its store again" wait_ready rb 60
check "the old domain's nodes are gone" sh -c "! '$XG_BIN' xenstore-read /local/domain/$id/name 2>/dev/null"
check "the monitor says so" grep -q "restarted as domain" "$XG_RUNDIR/monitors/rb.log"

# mem-set and vcpu-set, seen by a guest's store.
nid=$(xg domid rb)
check "xg mem-set rb 8" xg mem-set rb 8
check "memory/target 8192" [ "$(xg xenstore-read /local/domain/$nid/memory/target)" = 8192 ]
check "xg vcpu-set rb 1" xg vcpu-set rb 1
check "cpu/0 online" [ "$(xg xenstore-read /local/domain/$nid/cpu/0/availability)" = online ]

# -a: every domain (but 0) is asked; -w waits for all of them.
check "a second waiting guest" xg create "$(guest_config all2 xenstore '"cmdline": "wait-shutdown"')"
check "is ready" wait_ready all2 60
out=$(xg shutdown -a -w 2>&1); rc=$?
case "$rc:$out" in 0:*"Waiting for 2 domains"*) ok "xg shutdown -a -w asks both, waits for both" ;; *) not_ok "xg shutdown -a -w asks both, waits for both"; diag "$rc: $out" ;; esac
check "rb is gone" wait_gone rb 20
check "all2 is gone" wait_gone all2 20
check "only Domain-0 is left" [ "$(xg list --json | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')" = 1 ]
check "every frame is back" wait_frames "$free0" 20
finish
