#!/bin/bash
# xg mem-max, vcpu-list, vcpu-pin, top, shutdown, reboot, mem-set, vcpu-set, save, restore and
# migrate end to end: output layouts, --json, exit codes, errors.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)
ncpus=$(xg info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["nr_cpus"])')
last=$((ncpus - 1))
max_kib() { xg list --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["max_memory_kib"])'; }

# ---- mem-max ----
check "a spinning guest with 2 vCPUs is created" xg create "$(guest_config mm spin '"vcpus": 2')"
check "xg mem-max mm 32 (MiB, as xl)" xg mem-max mm 32
check "sets its limit to 32768 KiB" [ "$(max_kib mm)" = 32768 ]
check "xg mem-max mm 40000k" xg mem-max mm 40000k
check "sets 40000 KiB" [ "$(max_kib mm)" = 40000 ]
check "xg mem-max mm 1g" xg mem-max mm 1g
check "sets 1 GiB" [ "$(max_kib mm)" = 1048576 ]
expect_fail "below what it has now: exit 1, saying so" 1 "less than domain" xg mem-max mm 8
check "and the limit is unchanged" [ "$(max_kib mm)" = 1048576 ]
expect_fail "more than the host has: exit 1" 1 "more than the host's memory" xg mem-max mm 64t
expect_fail "a malformed size: exit 1, naming it" 1 "'12q' is not a memory size" xg mem-max mm 12q
expect_fail "an unknown domain: exit 1" 1 "no domain named 'nosuch'" xg mem-max nosuch 32
expect_fail "domain 0: exit 1" 1 "domain 0 is the host itself" xg mem-max 0 32
expect_fail "a missing operand: usage, exit 2" 2 "Usage: xg mem-max DOMAIN MEM" xg mem-max mm

# ---- vcpu-list ----
id=$(xg domid mm)
out=$(xg vcpu-list mm)
check "vcpu-list prints xl's header" [ "$(printf '%s\n' "$out" | head -1)" = "$(printf '%-32s %5s %5s %5s %5s %9s %s' Name ID VCPU CPU State 'Time(s)' 'Affinity (Hard / Soft)')" ]
check "a row per vCPU" [ "$(printf '%s\n' "$out" | wc -l)" = 3 ]
row0=$(printf '%s\n' "$out" | awk '$3 == 0')
row1=$(printf '%s\n' "$out" | awk '$3 == 1')
check "vCPU 0 runs on a host CPU, state r or b, with CPU time, unpinned ($row0)" sh -c "printf '%s\n' '$row0' | grep -Eq '^mm +$id +0 +[0-$last] +(r--|-b-) +[0-9]+\.[0-9]  all / all\$'"
check "vCPU 1 (never brought up) is offline: no CPU, state --p ($row1)" sh -c "printf '%s\n' '$row1' | grep -Eq '^mm +$id +1 +- +--p +0\.0  all / all\$'"
check "vcpu-list --json parses, with each vCPU's fields" python3 -c '
import json, sys
v = json.loads(sys.argv[1])
assert [x["vcpu"] for x in v] == [0, 1], v
assert v[0]["online"] and v[0]["state"] in ("running", "blocked") and v[0]["cpu"] is not None and v[0]["hard_affinity"] == "all", v[0]
assert not v[1]["online"] and v[1]["state"] == "offline" and v[1]["cpu"] is None and v[1]["cpu_time_s"] == 0, v[1]
' "$(xg vcpu-list --json mm)"
xg pause mm
check "a paused domain's vCPU is neither running nor blocked (---)" sh -c "'$XG_BIN' vcpu-list mm | awk '\$3 == 0 { print \$5 }' | grep -qx -- '---'"
xg unpause mm
check "without operands it lists every guest's vCPUs (not Domain-0)" sh -c "'$XG_BIN' vcpu-list | awk 'NR > 1 { print \$1 }' | sort -u | grep -qx mm && ! '$XG_BIN' vcpu-list | grep -q Domain-0"
expect_fail "vcpu-list of an unknown domain: exit 1" 1 "no domain named 'nosuch'" xg vcpu-list nosuch

# ---- vcpu-pin ----
tid=$(grep -lx "d${id}v0" /proc/"$HV_PID"/task/*/comm | head -1 | cut -d/ -f5)
allowed() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/"$HV_PID"/task/"$tid"/status; }
check "the vCPU 0 thread of mm is found in the hypervisor" [ -n "$tid" ]
check "xg vcpu-pin mm 0 $last" xg vcpu-pin mm 0 "$last"
check "its host thread may now run on CPU $last only" [ "$(allowed)" = "$last" ]
check "vcpu-list shows the hard affinity" sh -c "'$XG_BIN' vcpu-list mm | awk '\$3 == 0' | grep -q '  $last / all\$'"
end=$(deadline_in 10)
until [ "$(xg vcpu-list --json mm | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["cpu"])')" = "$last" ] || [ "$SECONDS" -gt "$end" ]; do sleep 0.2; done
check "and it runs there (its CPU column is $last)" [ "$(xg vcpu-list --json mm | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["cpu"])')" = "$last" ]
check "xg vcpu-pin mm all 0 pins every vCPU, the offline one included" xg vcpu-pin mm all 0
check "both show CPU 0" [ "$(xg vcpu-list --json mm | python3 -c 'import json,sys; print(",".join(v["hard_affinity"] for v in json.load(sys.stdin)))')" = "0,0" ]
check "xg vcpu-pin mm 0 all unpins vCPU 0" xg vcpu-pin mm 0 all
check "its thread may run anywhere again" [ "$(allowed)" = "$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/"$HV_PID"/status)" ]
check "and vcpu-list says all" sh -c "'$XG_BIN' vcpu-list mm | awk '\$3 == 0' | grep -q '  all / all\$'"
if [ "$ncpus" -ge 2 ]; then
	check "^0 (every CPU but 0) is taken" xg vcpu-pin mm 0 ^0
	check "and leaves CPUs 1-$last" [ "$(allowed)" = "$( [ "$last" = 1 ] && echo 1 || echo "1-$last")" ]
	xg vcpu-pin mm 0 all
fi
expect_fail "a CPU the host does not have: exit 1, saying how many it has" 1 "CPU $ncpus does not exist on this host" xg vcpu-pin mm 0 "$ncpus"
expect_fail "a malformed CPU list: exit 1" 1 "'1-' is not a CPU list" xg vcpu-pin mm 0 1-
expect_fail "a vCPU the domain does not have: exit 1" 1 "domain mm has no vCPU 7" xg vcpu-pin mm 7 0
expect_fail "a soft affinity: exit 1, not supported" 1 "soft affinity is not supported by XG" xg vcpu-pin mm 0 0 1
expect_fail "missing operands: exit 2" 2 "Usage: xg vcpu-pin" xg vcpu-pin mm 0

# ---- top ----
out=$(xg top -b -i 1 2>&1); rc=$?
case "$rc:$out" in 0:*NAME*STATE*"CPU(sec)"*mm*) ok "xg top runs xgtop (batch frame with mm)" ;; *) not_ok "xg top runs xgtop (batch frame with mm)"; diag "$rc: $out" ;; esac
expect_fail "xg top passes xgtop's own usage errors through (exit 2)" 2 "xgtop" xg top --no-such-option

# ---- shutdown, reboot, mem-set, vcpu-set: requests through the xenstore ----
# The spinning guest never reads its store: the requests are written and
# stay there (tests/system/xenstore.sh has a guest that acts on them).
id=$(xg domid mm)
out=$(xg shutdown mm 2>&1); rc=$?
case "$rc:$out" in "0:Shutting down domain $id") ok "xg shutdown mm: exit 0, as xl says it" ;; *) not_ok "xg shutdown mm: exit 0, as xl says it"; diag "$rc: $out" ;; esac
check "control/shutdown is poweroff" [ "$(xg xenstore-read /local/domain/$id/control/shutdown)" = poweroff ]
check "xg reboot -F mm (-F: xl's ACPI fallback, never needed by a PV guest)" xg reboot -F mm
check "control/shutdown is reboot" [ "$(xg xenstore-read /local/domain/$id/control/shutdown)" = reboot ]
out=$(timeout 3 "$XG_BIN" shutdown -w mm 2>&1); rc=$?
case "$rc:$out" in "124:"*"Waiting for 1 domains"*) ok "xg shutdown -w waits for a guest that does not act (as xl)" ;; *) not_ok "xg shutdown -w waits for a guest that does not act (as xl)"; diag "$rc: $out" ;; esac
expect_fail "xg shutdown of an unknown domain: exit 1" 1 "no domain named 'nosuch'" xg shutdown nosuch
expect_fail "xg shutdown of domain 0: exit 1" 1 "domain 0 is the host itself" xg shutdown 0
expect_fail "xg shutdown without a domain: exit 2" 2 "Usage: xg shutdown" xg shutdown
expect_fail "xg reboot -a with a domain: exit 2" 2 "Usage: xg reboot" xg reboot -a mm
check "and mm still runs" sh -c "'$XG_BIN' list mm | awk 'NR == 2 { print \$5 }' | grep -q '^[rb]'"
check "xg mem-set mm 12 (MiB)" xg mem-set mm 12
check "memory/target is 12288 (KiB)" [ "$(xg xenstore-read /local/domain/$id/memory/target)" = 12288 ]
check "xg mem-set mm 16m: its whole maximum" xg mem-set mm 16m
expect_fail "above memory/static-max: exit 1, saying so" 1 "more than domain $id's maximum (memory/static-max, 16384 KiB)" xg mem-set mm 17m
check "memory/target is unchanged" [ "$(xg xenstore-read /local/domain/$id/memory/target)" = 16384 ]
expect_fail "a malformed size: exit 1" 1 "'x1' is not a memory size" xg mem-set mm x1
expect_fail "mem-set without a size: exit 2" 2 "Usage: xg mem-set" xg mem-set mm
check "xg vcpu-set mm 1" xg vcpu-set mm 1
check "cpu/0 online, cpu/1 offline" [ "$(xg xenstore-read /local/domain/$id/cpu/0/availability /local/domain/$id/cpu/1/availability | tr '\n' ' ')" = "online offline " ]
expect_fail "more than its vCPUs: exit 1" 1 "has at most 2 vCPUs" xg vcpu-set mm 3
expect_fail "zero: exit 1" 1 "'0' is not a number of vCPUs" xg vcpu-set mm 0
check "xg vcpu-set mm 2" xg vcpu-set mm 2
check "both online again" [ "$(xg xenstore-read /local/domain/$id/cpu/1/availability)" = online ]

# maxvcpus: vCPUs up to it exist, those beyond vcpus down and "offline".
check "a guest with vcpus 1, maxvcpus 3" xg create "$(guest_config mv spin '"vcpus": 1, "maxvcpus": 3')"
mv=$(xg domid mv)
check "has 3 vCPUs, 1 online" sh -c "'$XG_BIN' list --json mv | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; assert (d[\"vcpus\"], d[\"online_vcpus\"]) == (3, 1), d'"
check "cpu/0 online, cpu/1 and cpu/2 offline" [ "$(xg xenstore-read /local/domain/$mv/cpu/0/availability /local/domain/$mv/cpu/1/availability /local/domain/$mv/cpu/2/availability | tr '\n' ' ')" = "online offline offline " ]
check "xg vcpu-set mv 3 (up to maxvcpus)" xg vcpu-set mv 3
check "all three online in the store" [ "$(xg xenstore-read /local/domain/$mv/cpu/2/availability)" = online ]
xg destroy mv
expect_fail "maxvcpus below vcpus is refused" 1 "maxvcpus" xg create "$(guest_config mv2 spin '"vcpus": 2, "maxvcpus": 1')"

# ---- save, restore, migrate ----
expect_fail "xg save: not yet supported by XG (exit 1)" 1 "save is not yet supported by XG" xg save mm "$WORK/mm.save"
expect_fail "xg restore: not yet supported by XG (exit 1)" 1 "restore is not yet supported by XG" xg restore "$WORK/mm.save"
expect_fail "xg migrate: not yet supported by XG (exit 1)" 1 "migrate is not yet supported by XG" xg migrate mm otherhost
check "xg save --help exits 0" xg save --help

# ---- -N: a dry run changes nothing ----
expect_fail "xg -N destroy is refused: exit 2, nothing done" 2 "destroy has no dry run (-N): nothing was done" xg -N destroy mm
expect_fail "xg -N pause the same" 2 "pause has no dry run" xg -N pause mm
check "mm still runs, unpaused" sh -c "'$XG_BIN' list mm | awk 'NR == 2 { print \$5 }' | grep -q '^[rb]'"
check "xg -N list runs as usual" sh -c "'$XG_BIN' -N list | grep -q '^mm '"
xg dmesg >/dev/null
out=$(xg -N dmesg -c 2>&1 >/dev/null); rc=$?
check "xg -N dmesg -c shows the log and says it is not cleared ($out)" [ "$rc:$out" = "0:xg: dry run (-N): the log is shown, not cleared" ]
check "and the log is still there" sh -c "'$XG_BIN' dmesg | grep -q '(XG) \\['"

xg destroy mm
check "every frame is back" wait_frames "$free0" 10
finish
