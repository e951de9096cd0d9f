#!/bin/bash
# Event channels, upcalls, blocking, polling and timers from inside a
# guest (tests/guests/events.c), then two vCPUs (tests/guests/smp.c), each
# 64-bit and 32-bit PAE; shutdown codes and watchdogs (SCHEDOP_shutdown_code,
# SCHEDOP_watchdog) seen by the toolstack; the bench guest hypercall.c
# briefly; then a guest that blocks with no timer must use no host CPU, and
# can still be destroyed.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/system/lib.sh"
start_hypervisor
free_start=$(free_frames)

# Another guest, paused throughout, whose ports the events guests try
# (peer=ID on their command line).
check "a paused guest to be the events guests' peer" xg create "$(guest_config peer hello)" -p
peer=$("$XG_BIN" domid peer 2>/dev/null)
free0=$(free_frames)

# The 64-bit guest with max_event_channels 2000 (neither libxl's default
# 1023 nor the ABI's 4095: the configuration reaches the hypervisor), the
# 32-bit one with the default, its ABI's limit too.
for g in events events32; do
	limit=1023
	[ "$g" = events ] && limit=2000
	guest_run_matches "$g: ports, upcalls, block, poll, timers and hostile inputs behave as in Xen (ports up to $limit)" \
		"$(guest_config "$g" "$g" "\"cmdline\": \"peer=$peer maxport=$limit\"$([ "$g" = events ] && echo ', "max_event_channels": 2000')")" \
		"0:*ports: -ENOSPC after port $limit
*RESULT: PASS $g*" 300
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
free0=$free_start # the peer is gone: what the later checks come back to

# "STATE REASON" as `xg list --json` gives them (REASON only when shut down).
reason_of() { # name
	xg list --json "$1" | python3 -c '
import json, sys
d = json.load(sys.stdin)[0]
print(d["state"], d.get("shutdown_reason", "-"))'
}
# Follow a domain's console into a file in the background; wait_console
# then waits for a line in it (a few ms a look, where `xg console` alone
# blocks until the domain stops).
follow_console() { # name
	"$XG_BIN" console "$1" >"$WORK/$1.console" 2>&1 &
}
wait_console() { wait_file_match "$WORK/$1.console" "$2" "$3"; } # name text seconds
now_s() { date +%s.%N; }

# SCHEDOP_shutdown_code: the first code latched is the reason the toolstack
# is told and the action taken, whatever the later shutdown said.
for g in events events32; do
	cfg=$(guest_config "sc$g" "$g" '"cmdline": "shutdown-code", "on_watchdog": "preserve", "on_poweroff": "destroy"')
	guest_run_matches "$g: shutdown_code(watchdog), shutdown_code(crash), then a poweroff" "$cfg" \
		"0:*shutdown code latched*RESULT: PASS $g*" 60
	check "$g: it is shut down for reason watchdog, its on_watchdog (preserve) taken, not on_poweroff (destroy)" \
		[ "$(reason_of "sc$g")" = "shutdown watchdog" ]
	xg destroy "sc$g"
done
cfg=$(guest_config sccrash events '"cmdline": "shutdown-code-crash", "on_reboot": "preserve", "on_crash": "destroy"')
guest_run_matches "a guest that latches shutdown code reboot, then crashes" "$cfg" \
	"0:*crashing with shutdown code reboot*domain crashed*" 60
check "is shut down for reason reboot (on_reboot preserve), as Xen's domain_crash reports a latched code" \
	[ "$(reason_of sccrash)" = "shutdown reboot" ]
xg destroy sccrash
check "the shutdown-code guests are gone and their frames are back" wait_frames "$free0" 10

# SCHEDOP_watchdog left to expire: the domain shuts down with reason
# watchdog.  As in Xen a toolstack pause does not stop a domain's
# watchdogs: paused right after arming, it still shuts down.
cfg=$(guest_config wdx events '"cmdline": "watchdog-expire", "on_watchdog": "preserve"')
check "a guest that arms an 8 s watchdog and blocks starts" xg create -e "$cfg"
follow_console wdx
check "it arms its watchdog" wait_console wdx "watchdog armed" 60
check "xg pause pauses it" xg pause wdx
st=$(state_of wdx)
check "it is paused and not shut down yet (state $st)" [ "$st" = "--p---" ]
check "the watchdog shuts it down while it is paused (state s, still p)" wait_state wdx s 30
domid=$("$XG_BIN" domid wdx)
check "the hypervisor logs which watchdog fired" grep -q "d$domid: watchdog timer 1 fired" "$WORK/hypervisor.log"
# From the guest's console line, written just after arming, to the expiry,
# by the log's timestamps (the console follower may see the line late).
el=$(python3 -c '
import re, sys
armed = fired = None
for line in open(sys.argv[1]):
    m = re.match(r"\(XG\) \[ *([0-9.]+)\] (.*)", line)
    if m and m.group(2) == "(d%s) watchdog armed" % sys.argv[2]:
        armed = float(m.group(1))
    if m and m.group(2) == "d%s: watchdog timer 1 fired" % sys.argv[2]:
        fired = float(m.group(1))
print("%.2f" % (fired - armed) if armed is not None and fired is not None else "none")
' "$WORK/hypervisor.log" "$domid")
check "it fired 8 s after it was armed (${el} s by the hypervisor's log)" \
	python3 -c 'import sys; sys.exit(not 7.5 <= float(sys.argv[1]) < 15)' "$el"
st=$(state_of wdx)
check "paused still (state $st)" [ "$st" = "--ps--" ]
check "for reason watchdog" [ "$(reason_of wdx)" = "shutdown watchdog" ]
xg destroy wdx

cfg=$(guest_config wdd events '"cmdline": "watchdog-expire"')
check "the same guest with on_watchdog left at destroy starts" xg create -e "$cfg"
check "its watchdog's expiry destroys it" wait_gone wdd 30

# A domain destroyed with two armed watchdogs (6 s and 7 s): they are
# killed with it, none fires after its destruction (the sanitizers, at the
# end, would also see a callback on freed memory).
cfg=$(guest_config wdk events '"cmdline": "watchdog-destroy", "on_watchdog": "preserve"')
check "a guest that arms two watchdogs and blocks starts" xg create -e "$cfg"
follow_console wdk
check "it arms them" wait_console wdk "watchdogs armed" 60
t0=$(now_s)
domid=$("$XG_BIN" domid wdk)
check "it can be destroyed with its watchdogs armed" xg destroy wdk
python3 -c 'import sys, time; time.sleep(max(0.0, float(sys.argv[1]) + 8 - time.time()))' "$t0"
check "no watchdog of it fires after its destruction (8 s after they were armed)" \
	awk -v d="d$domid:" '$0 ~ d " destroyed" { gone = 1 } gone && $0 ~ d " watchdog" { bad = 1 } END { exit !gone || bad }' \
	"$WORK/hypervisor.log"
check "the watchdog guests are gone and their frames are back" wait_frames "$free0" 10

# bench/hypercall's guest, briefly: its event and timer latencies run on
# two vCPUs, and a missing vCPU or a lost IPI or timer ends it with FAIL
# after its timeout, not with a hang.
guest_run_matches "hypercall (bench guest): every operation, IPIs between 2 vCPUs and timers included, passes" \
	"$(guest_config hcbench hypercall '"vcpus": 2, "cmdline": "iterations=200 runs=1"')" \
	'0:*hypercall: op ipi_rtt_blocked *hypercall: op timer_late_running *RESULT: PASS hypercall*' 300
guest_run_matches "hypercall with one vCPU fails, naming the missing vCPU" \
	"$(guest_config hcbench1 hypercall '"cmdline": "iterations=200 runs=1"')" \
	'0:*FAIL: vCPU 1 exists*RESULT: FAIL hypercall*' 120
guest_run_matches "hypercall with a lost IPI fails after its timeout" \
	"$(guest_config hcbench-ipi hypercall '"vcpus": 2, "cmdline": "iterations=200 runs=1 timeout_ms=500 fault=ipi"')" \
	'0:*FAIL: IPI * is answered*RESULT: FAIL hypercall*' 120
guest_run_matches "hypercall with a lost timer fails after its timeout (vCPU 1 wakes the blocked vCPU 0)" \
	"$(guest_config hcbench-timer hypercall '"vcpus": 2, "cmdline": "iterations=200 runs=1 timeout_ms=500 fault=timer"')" \
	'0:*FAIL: timer 0 (SCHEDOP_block) fires within 500 ms*RESULT: FAIL hypercall*' 120
check "the hypercall guests are gone and their frames are back" wait_frames "$free0" 10

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
