#!/bin/bash
# Lifecycle actions: on_poweroff, on_reboot, on_watchdog, on_crash with
# destroy, preserve, restart and rename-restart.  Restarts are done by the
# monitor `xg create` leaves (RUNDIR/monitors/NAME.{log,pid}); a guest that
# reboots in a loop restarts no faster than $XG_MIN_RESTART_INTERVAL.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)
MON="$XG_RUNDIR/monitors"

uuid_of() { xg list --json "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["uuid"])'; }
restarts() { grep -c "restarted as domain" "$MON/$1.log" 2>/dev/null || echo 0; }
monitor_gone() { # name seconds: its monitor process has ended
	local end pid
	end=$(deadline_in "$2")
	pid=$(cat "$MON/$1.pid" 2>/dev/null)
	while [ "$SECONDS" -le "$end" ]; do
		[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 0
		sleep 0.1
	done
	return 1
}
# Wait until the monitor of $1 waits out the minimum interval (the domain is
# shut down, its restart not yet begun): a destroy then cannot race with a
# restart in progress.
wait_restart_pending() { # name seconds
	local end
	end=$(deadline_in "$2")
	while [ "$SECONDS" -le "$end" ]; do
		[ "$(grep -c "restarting in" "$MON/$1.log")" -gt "$(restarts "$1")" ] && return 0
		sleep 0.05
	done
	return 1
}
wait_log() { wait_file_match "$MON/$1.log" "$2" "$3"; } # name pattern seconds

# A monitor that cannot start: the domain is not left behind.
touch "$MON"
cfg=$(guest_config nomon hello '"cmdline": "shutdown=reboot", "on_reboot": "restart"')
out=$(xg create -p "$cfg" 2>&1); rc=$?
case "$rc:$out" in 1:*"cannot open the monitor's log $MON/nomon.log: Not a directory"*) ok "a monitor that cannot start is an error naming why (exit 1)" ;;
*) not_ok "a monitor that cannot start is an error naming why (exit 1)"; diag "$rc: $out" ;; esac
check "and the domain it was for is destroyed" sh -c "! '$XG_BIN' domid nomon 2>/dev/null"
rm -f "$MON"

# on_reboot restart (xl's default): the guest reboots in a loop; with a
# minimum of 3 s between starts it is restarted about every 3 s, not at
# full speed (it boots and reboots in well under a second).
export XG_MIN_RESTART_INTERVAL=3
cfg=$(guest_config looper hello '"cmdline": "shutdown=reboot"')
check "xg create starts a guest that reboots (on_reboot defaults to restart)" xg create "$cfg"
check "it leaves a monitor with a pid file" sh -c "kill -0 \$(cat '$MON/looper.pid')"
uuid0=$(uuid_of looper)
id0=$(xg domid looper)
check "the monitor restarts it" wait_log looper "restarted as domain" 20
id1=$(xg domid looper)
check "under the same name with a new id" [ -n "$id1" ] && [ "$id1" != "$id0" ]
check "and the same uuid" [ "$(uuid_of looper)" = "$uuid0" ]
check "the monitor logged the reason and the action" grep -q "domain looper ($id0) stopped: reboot; action restart" "$MON/looper.log"
start=$SECONDS
sleep 7
n=$(restarts looper)
check "a rebooting loop is slowed to the minimum interval: $n restarts after 7 s more (at most 4)" [ "$n" -ge 2 ] && [ "$n" -le 4 ]
check "the wait is logged" grep -q "less than the 3.0 s between restarts: restarting in" "$MON/looper.log"
check "the monitor is waiting to restart looper" wait_restart_pending looper 20
xg destroy looper
check "xg destroy ends the loop: the monitor exits" monitor_gone looper 10
check "and says why" grep -q "destroyed before its restart" "$MON/looper.log"
sleep 1
check "no domain looper is left" sh -c "! '$XG_BIN' domid looper 2>/dev/null"
check "every frame is back after the restart loop" wait_frames "$free0" 10

# rename-restart: the old domain is kept as NAME-1, NAME-2, ...  A longer
# interval here, so that the destroy below lands while the monitor waits
# even when a loaded machine makes each incarnation slow to reboot.
export XG_MIN_RESTART_INTERVAL=6
cfg=$(guest_config rr hello '"cmdline": "shutdown=reboot", "on_reboot": "rename-restart"')
check "a guest with on_reboot rename-restart is created" xg create "$cfg"
uuid0=$(uuid_of rr)
check "after its first reboot the old domain is rr-1" wait_state rr-1 s 20
check "after its second, rr-2" wait_state rr-2 s 20
check "rr-1 is kept shut down for reboot" python3 -c '
import json, sys
d = json.loads(sys.argv[1])[0]
assert d["state"] == "shutdown" and d["shutdown_reason"] == "reboot", d
' "$(xg list --json rr-1)"
check "rr-1 keeps the original uuid" [ "$(uuid_of rr-1)" = "$uuid0" ]
check "the new rr has another" [ "$(uuid_of rr)" != "$uuid0" ]
check "the monitor is waiting to restart rr" wait_restart_pending rr 20
xg destroy rr
check "destroying rr ends its monitor" monitor_gone rr 10
for d in $(xg list | awk '$1 ~ /^rr-[0-9]+$/ { print $1 }'); do xg destroy "$d"; done
check "every frame is back after rename-restart" wait_frames "$free0" 10
export XG_MIN_RESTART_INTERVAL=3

# on_reboot destroy: no monitor is needed, the hypervisor destroys it.
cfg=$(guest_config rbd hello '"cmdline": "shutdown=reboot", "on_reboot": "destroy"')
check "a guest with on_reboot destroy is created" xg create "$cfg"
check "its reboot destroys it" wait_gone rbd 20
check "no monitor was started for it" [ ! -e "$MON/rbd.log" ]

# on_watchdog: its own action now, not on_crash's.
cfg=$(guest_config wd hello '"cmdline": "shutdown=watchdog", "on_watchdog": "preserve", "on_crash": "destroy"')
check "a guest whose watchdog fires, on_watchdog preserve" xg create "$cfg"
check "stays shut down (on_crash destroy does not apply)" wait_state wd s 20
check "for reason watchdog" python3 -c '
import json, sys
assert json.loads(sys.argv[1])[0]["shutdown_reason"] == "watchdog"
' "$(xg list --json wd)"
xg destroy wd
cfg=$(guest_config wdr hello '"cmdline": "shutdown=watchdog", "on_watchdog": "restart"')
check "on_watchdog restart" xg create "$cfg"
check "restarts it" wait_log wdr "stopped: watchdog; action restart" 20
check "its monitor then waits out the interval" wait_restart_pending wdr 20
xg destroy wdr
check "destroying wdr ends its monitor" monitor_gone wdr 10

# on_crash restart with the crashing guest.
cfg=$(guest_config cr crash '"on_crash": "restart"')
check "a guest that crashes, on_crash restart" xg create "$cfg"
check "is restarted after its crash" wait_log cr "stopped: crashed; action restart" 20
check "and runs again" wait_log cr "restarted as domain" 20
check "its monitor then waits out the interval" wait_restart_pending cr 20
xg destroy cr
check "destroying cr ends its monitor" monitor_gone cr 10

# -e: no monitor; the hypervisor keeps the domain for the toolstack.
cfg=$(guest_config nomon2 hello '"cmdline": "shutdown=reboot"')
check "xg create -e starts it without a monitor" xg create -e "$cfg"
check "its reboot leaves it shut down" wait_state nomon2 s 20
check "and no monitor log exists" [ ! -e "$MON/nomon2.log" ]
xg destroy nomon2

# -F: xg itself is the monitor and returns when the domain is gone.
cfg=$(guest_config fg hello)
out=$(xg create -F "$cfg" 2>&1); rc=$?
case "$rc:$out" in 0:*"monitoring it (-F)"*"stopped: poweroff; action destroy"*) ok "xg create -F follows a guest to its end and exits 0" ;;
*) not_ok "xg create -F follows a guest to its end and exits 0"; diag "$rc: $out" ;; esac
out=$(xg create -F -c "$cfg" 2>&1); rc=$?
check "-F with -c is a usage error" [ "$rc" = 2 ]
cfg=$(guest_config fgr hello '"cmdline": "shutdown=reboot", "on_reboot": "restart"')
XG_MIN_RESTART_INTERVAL=30 timeout 60 "$XG_BIN" create -F "$cfg" >"$WORK/fg.out" 2>&1 &
fg=$!
end=$(deadline_in 20)
until grep -q "restarting in" "$WORK/fg.out" || [ "$SECONDS" -gt "$end" ]; do sleep 0.1; done
xg destroy fgr
wait "$fg"
check "xg create -F exits 0 when the domain is destroyed while it waits to restart it" [ $? = 0 ]
check "saying so" grep -q "destroyed before its restart" "$WORK/fg.out"

# The actions in each configuration format.
printf 'name = "xlc"\nkernel = "%s"\nmemory = 16\non_reboot = "rename-restart"\non_watchdog = "restart"\non_poweroff = "preserve"\n' \
	"$GUESTS/spin.elf" >"$WORK/xlc.cfg"
check "xl.cfg takes on_reboot and on_watchdog" xg create -p -e "$WORK/xlc.cfg"
check "its effective configuration has them" python3 -c '
import json, sys
c = json.loads(sys.argv[1])[0]["config"]
assert (c["on_reboot"], c["on_watchdog"], c["on_poweroff"], c["on_crash"]) == ("rename-restart", "restart", "preserve", "destroy"), c
' "$(xg list -l xlc)"
check "dumpxml has <on_reboot>" sh -c "'$XG_BIN' dumpxml xlc | grep -q '<on_reboot>rename-restart</on_reboot>'"
xg dumpxml xlc | sed 's/xlc/xmlc/' >"$WORK/xmlc.xml"
xg destroy xlc
check "and that XML creates a domain with the same on_reboot" sh -c "'$XG_BIN' create -p -e '$WORK/xmlc.xml' && '$XG_BIN' list -l xmlc | grep -q '\"on_reboot\":\"rename-restart\"'"
xg destroy xmlc
check "every frame is back at the end" wait_frames "$free0" 10
finish
