#!/bin/bash
# Event channels, upcalls, blocking, polling and timers from inside a
# guest (tests/guests/events.c), then two vCPUs (tests/guests/smp.c), each
# 64-bit and 32-bit PAE; then a guest that blocks with no timer must use
# no host CPU, and can still be destroyed.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/system/lib.sh"
start_hypervisor
free_start=$(free_frames)

# Another guest, paused throughout, whose ports the events guests try
# (peer=ID on their command line).
check "a paused guest to be the events guests' peer" xg create "$(guest_config peer hello)" -p
peer=$("$XG_BIN" domid peer 2>/dev/null)
free0=$(free_frames)

for g in events events32; do
	guest_run_matches "$g: ports, upcalls, block, poll, timers and hostile inputs behave as in Xen" \
		"$(guest_config "$g" "$g" "\"cmdline\": \"peer=$peer\"")" "0:*RESULT: PASS $g*" 300
	check "the $g guest is gone and its frames are back" wait_frames "$free0" 10
done

# Two vCPUs: the second brought up by the guest, IPIs both ways, runstates;
# frames given back while registered are held until the guest is gone.
for g in smp smp32; do
	guest_run_matches "$g: a second vCPU comes up, IPIs go both ways, runstates add up, hostile areas refused" \
		"$(guest_config "$g" "$g" '"vcpus": 2')" "0:*RESULT: PASS $g*" 300
	check "the $g guest is gone and its frames are back, those it gave back while registered too" \
		wait_frames "$free0" 10
done
check "the peer can be destroyed" xg destroy peer

# A guest taking down its last vCPU that is up is powered off, as in Xen,
# and runs nothing after (its console ends with the line before).
for g in smp smp32; do
	check "$g: a guest that takes down its last vCPU starts" \
		xg create "$(guest_config "last-$g" "$g" '"vcpus": 2, "cmdline": "lastdown", "on_poweroff": "preserve"')"
	check "it is shut down (state s)" wait_state "last-$g" s 60
	check "for poweroff" python3 -c '
import json, sys
d = json.loads(sys.argv[1])[0]
assert d["state"] == "shutdown" and d["shutdown_reason"] == "poweroff", d
' "$(xg list --json "last-$g")"
	out=$(timeout 10 "$XG_BIN" console "last-$g" </dev/null 2>&1)
	case "$out" in
	*"taking down its last vCPU"*RESULT*) not_ok "it ran nothing after taking its last vCPU down"; diag "$out" ;;
	*"taking down its last vCPU"*) ok "it ran nothing after taking its last vCPU down" ;;
	*) not_ok "it ran nothing after taking its last vCPU down"; diag "$out" ;;
	esac
	check "it can be destroyed" xg destroy "last-$g"
done
check "their frames are back" wait_frames "$free_start" 10

# CPU time of the host thread of vCPU 0 of domain $1 (utime + stime, ticks).
vcpu_ticks() {
	local t
	for t in /proc/"$HV_PID"/task/*; do
		if [ "$(cat "$t/comm" 2>/dev/null)" = "d${1}v0" ]; then
			awk '{ print $14 + $15 }' "$t/stat"
			return 0
		fi
	done
	return 1
}

cfg=$(guest_config blocker events '"cmdline": "block"')
check "a guest that blocks with no timer starts" xg create "$cfg"
ok_wait=
end=$(deadline_in 90)
while [ -z "$ok_wait" ] && [ "$SECONDS" -le "$end" ]; do
	# A few seconds per look: starting xg alone takes more than one under
	# QEMU's emulation (kvm-nested.sh).
	case "$(timeout 3 "$XG_BIN" console blocker 2>/dev/null)" in
	*"blocking with no timer"*) ok_wait=1 ;;
	esac
done
check "it reaches its block" [ -n "$ok_wait" ]
sleep 0.5
domid=$("$XG_BIN" domid blocker)
t0=$(vcpu_ticks "$domid"); sleep 1; t1=$(vcpu_ticks "$domid")
if [ -n "$t0" ] && [ -n "$t1" ] && [ $((t1 - t0)) -le 2 ]; then
	ok "a blocked vCPU uses no host CPU ($((t1 - t0)) ticks in 1 s)"
else
	not_ok "a blocked vCPU uses no host CPU"; diag "ticks: '$t0' then '$t1'"
fi
check "the blocked guest is still running (state b or r)" sh -c "'$XG_BIN' list blocker | awk 'NR == 2 { exit !(\$5 ~ /[rb]/) }'"
check "a blocked guest can be destroyed" xg destroy blocker
check "every frame is back" wait_frames "$free_start" 10
finish
