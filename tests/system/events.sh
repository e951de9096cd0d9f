#!/bin/bash
# Event channels, upcalls, blocking, polling and timers from inside a
# guest (tests/guests/events.c), 64-bit and 32-bit PAE; two vCPUs (smp.c,
# and the bench guest hypercall.c briefly); then a guest that blocks with
# no timer must use no host CPU, and can still be destroyed.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)

for g in events events32; do
	guest_run_matches "$g: ports, upcalls, block, poll, timers and hostile inputs behave as in Xen" \
		"$(guest_config "$g" "$g")" "0:*RESULT: PASS $g*" 300
	check "the $g guest is gone and its frames are back" wait_frames "$free0" 10
done

# Two vCPUs: the second brought up by the guest, IPIs both ways, runstates.
guest_run_matches "smp: a second vCPU comes up, IPIs go both ways, runstates add up" \
	"$(guest_config smp smp '"vcpus": 2')" '0:*RESULT: PASS smp*' 300
check "the smp guest is gone and its frames are back" wait_frames "$free0" 10

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
check "every frame is back" wait_frames "$free0" 10
finish
