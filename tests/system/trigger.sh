#!/bin/bash
# xg trigger: an NMI from the toolstack reaches the guest's NMI callback
# (tests/guests/nmi-wait.c); the triggers a PV guest cannot take give
# Xen's errors, and nothing happens to the guest.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)

cfg=$(guest_config nw nmi-wait '"vcpus": 1, "maxvcpus": 2, "on_poweroff": "preserve"')
check "the nmi-wait guest starts" xg create -e "$cfg"
# The guest's console, collected in the background while the test goes on.
"$XG_BIN" console nw </dev/null >"$WORK/console.out" 2>&1 &
console_pid=$!
wait_console() { wait_file_match "$WORK/console.out" "$1" "$2"; } # pattern seconds
check "it waits for NMIs, its callback registered" wait_console "nmi-wait: waiting for NMIs" 60
sleep 0.5
check "no NMI arrives unasked" sh -c "! grep -q 'NMI 1' '$WORK/console.out'"

expect_fail "power (an ACPI button): Xen's EINVAL for PV, exit 1" 1 "trigger power (an ACPI button) is for HVM guests" xg trigger nw power
expect_fail "sleep: the same" 1 "trigger sleep (an ACPI button) is for HVM guests" xg trigger nw sleep
expect_fail "reset: Xen's ENOSYS for PV, exit 1" 1 "trigger reset is not supported for PV domains" xg trigger nw reset
expect_fail "init: the same" 1 "trigger init is not supported for PV domains" xg trigger nw init
expect_fail "s3resume: HVM only (libxl), exit 1" 1 "trigger s3resume is for HVM guests" xg trigger nw s3resume
expect_fail "an unknown trigger is named, exit 1" 1 "invalid trigger 'poke'" xg trigger nw poke
expect_fail "a vCPU the domain does not have: exit 1" 1 "has no vCPU 2 (it has 2)" xg trigger nw nmi 2
expect_fail "a malformed vCPU: exit 1" 1 "'x' is not a vCPU number" xg trigger nw nmi x
expect_fail "domain 0: exit 1" 1 "domain 0 is the host itself" xg trigger 0 nmi
expect_fail "an unknown domain: exit 1" 1 "no domain named 'nosuch'" xg trigger nosuch nmi
expect_fail "no trigger: usage, exit 2" 2 "Usage: xg trigger" xg trigger nw
expect_fail "under -N: refused, exit 2" 2 "trigger has no dry run" xg -N trigger nw nmi
sleep 0.5
check "none of these reached the guest" sh -c "! grep -q 'NMI 1' '$WORK/console.out'"

check "xg trigger nw nmi (vCPU 0)" xg trigger nw nmi
check "the guest's NMI callback ran" wait_console "nmi-wait: NMI 1" 30
out=$(xg trigger --json nw nmi 0)
check "a second one with --json says what was sent where ($out)" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d == {"domid": int(sys.argv[2]), "name": "nw", "trigger": "nmi", "vcpu": 0}, d
' "$out" "$(xg domid nw)"
check "the guest took the second NMI and finished" wait_console "RESULT: PASS nmi-wait" 30
check "and exactly two arrived" [ "$(grep -c 'nmi-wait: NMI' "$WORK/console.out")" = 2 ]
wait "$console_pid"
check "it is shut down (poweroff)" wait_state nw s 30
expect_fail "a stopped domain's vCPU still takes the pending bit (Xen's rule): exit 0" 0 "" xg trigger nw nmi
xg destroy nw
check "every frame is back" wait_frames "$free0" 10
finish
