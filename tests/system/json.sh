#!/bin/bash
# Every xg command's --json (docs/xg.md): its result parses and holds the
# documented fields; a failure prints {"error", "exit_status"} with the
# same exit status; `xg list -l --json` gives back a configuration `xg
# create` recreates the domain from; the global -f.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)

# json_check "what" ASSERTION command...: the command exits 0 and prints one
# JSON document d on stdout for which the Python assertion holds.
json_check() {
	local what=$1 assertion=$2 out rc
	shift 2
	out=$("$@" 2>"$WORK/stderr"); rc=$?
	if [ "$rc" = 0 ] && python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert eval(sys.argv[2]), d
' "$out" "$assertion" 2>"$WORK/py.err"; then
		ok "$what"
	else
		not_ok "$what"
		diag "exit $rc: $out" "$(cat "$WORK/stderr" "$WORK/py.err")"
	fi
}
# json_error "what" STATUS PATTERN command...: the command exits STATUS,
# prints the error object on stdout with a message containing PATTERN,
# and the same message on stderr.
json_error() {
	local what=$1 want=$2 pattern=$3 out rc
	shift 3
	out=$("$@" 2>"$WORK/stderr"); rc=$?
	if [ "$rc" = "$want" ] && python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert set(d) == {"error", "exit_status"} and d["exit_status"] == int(sys.argv[3]), d
assert sys.argv[2] in d["error"], d
' "$out" "$pattern" "$want" && grep -qF -- "$pattern" "$WORK/stderr"; then
		ok "$what"
	else
		not_ok "$what"
		diag "exit $rc: $out" "$(cat "$WORK/stderr")"
	fi
}

# ---- create, -N create ----
cfg=$(guest_config js spin '"vcpus": 2')
json_check "create --json: domid, name, uuid, paused, monitor" \
	'set(d) == {"domid", "name", "uuid", "paused", "monitor"} and d["name"] == "js" and len(d["uuid"]) == 36 and d["paused"] is False and d["monitor"] is False and d["domid"] > 0' \
	xg create -e "$cfg" --json
id=$(xg domid js)
json_check "-N create --json: the layout, nothing created" \
	'd["dry_run"] is True and d["name"] == "dry" and d["memory_mib"] == 16 and d["vcpus"] == 1 and len(d["layout"]) > 3 and all(isinstance(l, str) for l in d["layout"])' \
	xg -N create "$(guest_config dry spin)" --json
check "and no domain dry exists" sh -c "! '$XG_BIN' domid dry 2>/dev/null"
json_error "create -c --json: a usage error (the console is interactive)" 2 "--json cannot be combined with -c" xg create -c "$cfg" --json
json_error "create of a configuration that does not parse" 1 "field 'memory'" xg create "$(guest_config bad spin '"memory": "x"')" --json

# ---- reading commands ----
json_check "list --json" 'd[0]["domid"] == 0 and any(x["name"] == "js" and x["vcpus"] == 2 for x in d)' xg list --json
json_check "info --json" '{"nr_cpus", "free_frames", "xen_version", "backend"} <= set(d)' xg info --json
json_check "uptime --json" 'd[0]["name"] == "js" and d[0]["uptime_s"] >= 0' xg uptime --json js
json_check "vcpu-list --json" '[v["vcpu"] for v in d] == [0, 1]' xg vcpu-list --json js
json_check "sched-credit --json" 'd == [{"name": "js", "domid": '"$id"', "weight": 256, "cap": 0}]' xg sched-credit -d js --json
json_check "domid --json: the domain" 'd == {"domid": '"$id"', "name": "js"}' xg domid js --json
json_check "domname --json: the same object" 'd == {"domid": '"$id"', "name": "js"}' xg domname "$id" --json
json_check "dumpxml --json: the XML in an object" 'd["domid"] == '"$id"' and d["name"] == "js" and d["xml"].startswith("<domain")' xg dumpxml js --json
json_check "dmesg --json: lines, not cleared" 'any("created" in l for l in d["lines"]) and d["cleared"] is False' xg dmesg --json
json_check "-N dmesg -c --json: not cleared under -N" 'd["cleared"] is False and len(d["lines"]) > 0' xg -N dmesg -c --json
json_check "xenstore-read --json" 'd == {"/local/domain/'"$id"'/name": "js"}' xg xenstore-read --json /local/domain/"$id"/name
json_check "xenstore-ls --json" 'd["/local/domain/'"$id"'/name"] == "js"' xg xenstore-ls --json /local/domain/"$id"

# ---- commands that act ----
json_check "pause --json (options after the operand too)" 'd == {"domid": '"$id"', "name": "js", "paused": True}' xg pause js --json
check "it is paused" wait_state js p 10
json_check "unpause --json" 'd == {"domid": '"$id"', "name": "js", "paused": False}' xg unpause js --json
json_check "rename --json: the new name and the old" 'd == {"domid": '"$id"', "name": "js2", "old_name": "js"}' xg rename js js2 --json
xg rename js2 js
json_check "mem-max --json: the limit set" 'd == {"domid": '"$id"', "name": "js", "max_memory_kib": 32768}' xg mem-max js 32 --json
json_check "mem-set --json: the target written" 'd == {"domid": '"$id"', "name": "js", "target_kib": 12288}' xg mem-set js 12 --json
check "memory/target is 12288" [ "$(xg xenstore-read /local/domain/"$id"/memory/target)" = 12288 ]
json_check "vcpu-set --json" 'd == {"domid": '"$id"', "name": "js", "online_vcpus": 1}' xg vcpu-set js 1 --json
json_check "vcpu-pin --json: the vCPUs and their affinity" 'd == {"domid": '"$id"', "name": "js", "vcpus": [0, 1], "hard_affinity": "0"}' xg vcpu-pin js all 0 --json
json_check "sched-credit -w --json: both parameters in force" 'd == {"name": "js", "domid": '"$id"', "weight": 300, "cap": 0}' xg sched-credit -d js -w 300 --json
json_check "xenstore-write --json" 'd == {"written": {"/local/domain/'"$id"'/data/a": "1", "/local/domain/'"$id"'/data/b": "-2"}}' \
	xg xenstore-write --json /local/domain/"$id"/data/a 1 /local/domain/"$id"/data/b -2
json_check "xenstore-rm --json" 'd == {"removed": ["/local/domain/'"$id"'/data"]}' xg xenstore-rm --json /local/domain/"$id"/data
json_check "shutdown --json: the request and the domains asked" 'd == {"request": "poweroff", "waited": "no", "domains": [{"domid": '"$id"', "name": "js"}]}' xg shutdown js --json
json_check "reboot -a --json: every guest" 'd["request"] == "reboot" and [x["name"] for x in d["domains"]] == ["js"]' xg reboot -a --json

# A guest that has powered off: shutdown -w returns at once with its reason.
check "a hello guest, kept when it powers off" xg create -e "$(guest_config hw hello '"on_poweroff": "preserve"')"
check "it has shut down" wait_state hw s 60
hw=$(xg domid hw)
json_check "shutdown -w --json: the reason it stopped for" 'd == {"request": "poweroff", "waited": "shutdown", "domains": [{"domid": '"$hw"', "name": "hw", "shutdown_reason": "poweroff"}]}' xg shutdown -w hw --json
json_check "destroy --json" 'd == {"domid": '"$hw"', "name": "hw", "destroyed": True}' xg destroy hw --json

# ---- errors: the error object, the same exit status ----
json_error "an unknown domain: exit 1" 1 "no domain named 'nosuch'" xg destroy nosuch --json
json_error "list of an unknown domain: the error only, no partial list" 1 "no domain named 'nosuch'" xg list js nosuch --json
json_error "a missing operand: usage, exit 2" 2 "Usage: xg destroy DOMAIN" xg destroy --json
json_error "an unknown option before --json: usage, exit 2, naming it" 2 "--bogus: unknown option" xg pause --bogus --json js
json_error "an option without its argument: named" 2 "option -d needs an argument" xg sched-credit --json -d
json_error "-N destroy: refused, exit 2" 2 "destroy has no dry run" xg -N destroy js --json
json_error "console --json: a usage error naming why" 2 "it is interactive" xg console js --json
json_error "top --json: a usage error naming why" 2 "it is a live view" xg top --json
json_error "save: not yet supported, exit 1" 1 "save is not yet supported by XG" xg save js "$WORK/js.save" --json
json_error "restore: the same" 1 "restore is not yet supported by XG" xg restore "$WORK/js.save" --json
json_error "migrate: the same" 1 "migrate is not yet supported by XG" xg migrate js host --json
json_error "mem-set above static-max without -f: exit 1, naming -f" 1 "(-f writes it anyway)" xg mem-set js 17 --json
json_error "no hypervisor: exit 1" 1 "cannot connect" xg --rundir "$WORK/none" list --json
out=$(xg pause js 2>/dev/null); rc=$?
check "without --json an action prints nothing on stdout" [ "$rc:$out" = "0:" ]
xg unpause js

# ---- -f: past xg's own checks, not the hypervisor's ----
expect_fail "mem-set above memory/static-max: refused (exit 1)" 1 "more than domain $id's maximum" xg mem-set js 20
check "target unchanged" [ "$(xg xenstore-read /local/domain/"$id"/memory/target)" = 12288 ]
check "xg -f mem-set js 20 writes it" xg -f mem-set js 20
check "memory/target is 20480" [ "$(xg xenstore-read /local/domain/"$id"/memory/target)" = 20480 ]
expect_fail "mem-max below what it has: refused (exit 1), naming -f" 1 "(-f sets it anyway)" xg mem-max js 8
check "xg -f mem-max js 8 sets it" xg -f mem-max js 8
check "its limit is 8192 KiB, below the 16384 it keeps" python3 -c '
import json, sys
d = json.loads(sys.argv[1])[0]
assert d["max_memory_kib"] == 8192 and d["memory_kib"] == 16384, d
' "$(xg list --json js)"
expect_fail "-f does not pass the hypervisor's limit: more than the host has" 1 "more than the host's memory" xg -f mem-max js 64t
expect_fail "-f does not make a malformed size valid" 1 "is not a memory size" xg -f mem-set js 12q
xg mem-max js 16

# ---- list -l --json round trip through xg create ----
xg list -l --json js | python3 -c 'import json,sys; json.dump(json.load(sys.stdin)[0]["config"], sys.stdout)' >"$WORK/js-config.json"
check "list -l --json gives js's configuration" grep -q '"name"' "$WORK/js-config.json"
xg destroy js
check "xg create takes it back" xg create -e "$WORK/js-config.json"
check "the domain it recreates has the same configuration (uuid included)" python3 -c '
import json, sys
before = json.load(open(sys.argv[1]))
after = json.loads(sys.argv[2])[0]["config"]
assert before == after, (before, after)
' "$WORK/js-config.json" "$(xg list -l --json js)"
xg destroy js
check "every frame is back" wait_frames "$free0" 10
finish
