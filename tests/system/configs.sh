#!/bin/bash
# Domain configurations in xl.cfg and libvirt XML through xg: create from
# each, `xg list` shows the right memory, `xg dumpxml` gives XML that
# `xg create` takes back to the same configuration, KEY=VALUE overrides,
# and bad files create nothing.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)

domain_count() { xg list | awk 'NR > 1' | wc -l; }
# Memory (MiB) and max memory (KiB) of a domain, from xg list --json.
mem_of() { xg list --json "$1" | python3 -c 'import json,sys; d=json.load(sys.stdin)[0]; print(d["memory_kib"] // 1024, d["max_memory_kib"] // 1024, d["vcpus"])'; }

# ---- xl.cfg -------------------------------------------------------------
cat >"$WORK/xlguest.cfg" <<CFG
# an xl.cfg(5) file
name = "xlguest"
type = "pv"
kernel = "$GUESTS/hello.elf"
memory = 20; maxmem = 0x20   # 32 MiB
vcpus = 1
extra = 'xl-extra-args'
on_poweroff = 'preserve'
on_crash = "destroy"
CFG
out=$(xg -v create "$WORK/xlguest.cfg" -p 2>&1); rc=$?
check "xg create takes an xl.cfg file" [ "$rc" = 0 ]
case "$out" in *"read as xl.cfg"*) ok "it is read as xl.cfg (by content)" ;; *) not_ok "it is read as xl.cfg"; diag "$out" ;; esac
check "xg list shows it with 20 MiB, room for 32 MiB, 1 vCPU" [ "$(mem_of xlguest)" = "20 32 1" ]
check "its effective configuration has the command line xl makes of extra" \
	sh -c "'$XG_BIN' list -l xlguest | grep -q '\"cmdline\":\"xl-extra-args\"'"
check "xg unpause starts it" xg unpause xlguest
wait_state xlguest s 60 || not_ok "xlguest shut down"
out=$(timeout 10 "$XG_BIN" console xlguest </dev/null 2>&1)
case "$out" in *"cmdline: xl-extra-args"*"RESULT: PASS hello"*) ok "the guest got extra as its command line and passed" ;; *) not_ok "the guest got extra as its command line and passed"; diag "$out" ;; esac

# ---- dumpxml and back -------------------------------------------------------
xg dumpxml xlguest >"$WORK/xlguest.xml"; rc=$?
check "xg dumpxml prints the domain as XML" [ "$rc" = 0 ]
check "as <domain type=\"xen\"> with its memory in KiB" \
	sh -c "grep -q '<domain type=\"xen\">' '$WORK/xlguest.xml' && grep -q '<memory unit=\"KiB\">32768</memory>' '$WORK/xlguest.xml' && grep -q '<currentMemory unit=\"KiB\">20480</currentMemory>' '$WORK/xlguest.xml'"
xg list -l xlguest | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0]["config"], sort_keys=True))' >"$WORK/before.json"
xg destroy xlguest
wait_gone xlguest 5
out=$(xg -v create "$WORK/xlguest.xml" -p 2>&1); rc=$?
check "xg create takes the dumped XML back" [ "$rc" = 0 ]
case "$out" in *"read as libvirt XML"*) ok "it is read as libvirt XML" ;; *) not_ok "it is read as libvirt XML"; diag "$out" ;; esac
xg list -l xlguest | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0]["config"], sort_keys=True))' >"$WORK/after.json"
if cmp -s "$WORK/before.json" "$WORK/after.json"; then ok "the re-created domain has the same configuration (uuid included)"; else not_ok "the re-created domain has the same configuration"; diag "$(cat "$WORK/before.json")" "$(cat "$WORK/after.json")"; fi
xg dumpxml xlguest >"$WORK/again.xml"
check "and dumpxml prints the same XML again" cmp -s "$WORK/xlguest.xml" "$WORK/again.xml"
xg destroy xlguest
wait_gone xlguest 5

# ---- libvirt XML written by hand ---------------------------------------------
cat >"$WORK/virt.xml" <<XML
<domain type='xen'>
  <name>virtguest</name>
  <memory unit='MiB'>24</memory>
  <vcpu>2</vcpu>
  <os>
    <type arch='x86_64' machine='xenpv'>linux</type>
    <kernel>$GUESTS/hello.elf</kernel>
    <cmdline>from-libvirt-xml</cmdline>
  </os>
  <on_poweroff>preserve</on_poweroff>
  <on_crash>preserve</on_crash>
  <devices>
    <console type='pty'><target type='xen' port='0'/></console>
  </devices>
</domain>
XML
check "xg create takes libvirt XML" xg create "$WORK/virt.xml" -p
check "xg list shows it with 24 MiB and 2 vCPUs" [ "$(mem_of virtguest)" = "24 24 2" ]
xg unpause virtguest
wait_state virtguest s 60 || not_ok "virtguest shut down"
out=$(timeout 10 "$XG_BIN" console virtguest </dev/null 2>&1)
case "$out" in *"cmdline: from-libvirt-xml"*"RESULT: PASS hello"*) ok "the XML guest got its command line and passed" ;; *) not_ok "the XML guest got its command line and passed"; diag "$out" ;; esac
xg destroy virtguest
wait_gone virtguest 5

# ---- overrides ---------------------------------------------------------------
check "xg create FILE KEY=VALUE... overrides keys" xg create "$WORK/xlguest.cfg" memory=28 'name="renamed"' -p
check "the override's name and memory are used" [ "$(mem_of renamed)" = "28 32 1" ]
check "and the file's name is not" sh -c "! '$XG_BIN' domid xlguest 2>/dev/null"
xg destroy renamed
wait_gone renamed 5
check "overrides apply to JSON files too" xg create "$(guest_config jsonguest spin)" memory=12 -p
check "a JSON guest with memory overridden to 12 MiB" [ "$(mem_of jsonguest)" = "12 12 1" ]
xg destroy jsonguest
wait_gone jsonguest 5

# ---- bad input creates nothing ----------------------------------------------------
count0=$(domain_count)
bad() { # description expected-text command...
	local what=$1 want=$2 out rc; shift 2
	out=$("$@" 2>&1); rc=$?
	case "$rc:$out" in 1:*"$want"*) ok "$what" ;; *) not_ok "$what"; diag "exit $rc: $out" ;; esac
}
printf 'name = "badxl"\nkernel = "%s"\nmemory = 16\nvif = [ "bridge=xenbr0" ]\n' "$GUESTS/hello.elf" >"$WORK/bad-vif.cfg"
bad "an xl.cfg with vif is refused, naming file, key and line" \
	"$WORK/bad-vif.cfg: field 'vif': line 4: 'vif' is not supported by XG" xg create "$WORK/bad-vif.cfg"
printf 'name = "badxl"\nkernel = "%s"\nmemory = "16\n' "$GUESTS/hello.elf" >"$WORK/bad-string.cfg"
bad "an unterminated string is refused" "field 'memory': line 3: unterminated string" xg create "$WORK/bad-string.cfg"
sed 's|<devices>|<devices><disk type="file"/>|' "$WORK/virt.xml" >"$WORK/bad-disk.xml"
bad "an XML disk is refused, naming the element" "field 'devices/disk': line 12: device <disk> is not supported by XG" \
	xg create "$WORK/bad-disk.xml"
sed 's|</domain>|</domian>|' "$WORK/virt.xml" >"$WORK/bad-malformed.xml"
bad "malformed XML is refused" "malformed XML" xg create "$WORK/bad-malformed.xml"
bad "a bad override is refused" "field 'memory': override 1 'memory=0': value 0 is below the minimum 1" \
	xg create "$WORK/xlguest.cfg" memory=0
bad "an override of an unsupported key is refused" "'disk' is not supported by XG" \
	xg create "$WORK/xlguest.cfg" "disk=['phy:/dev/sda,xvda,w']"
check "no bad file or override created a domain" [ "$(domain_count)" = "$count0" ]
out=$(xg create "$WORK/xlguest.cfg" bogus 2>&1); rc=$?
check "an operand that is not KEY=VALUE is a usage error" [ "$rc" = 2 ]
out=$(xg dumpxml 0 2>&1); rc=$?
case "$rc:$out" in 1:*"host itself"*) ok "xg dumpxml 0 is refused" ;; *) not_ok "xg dumpxml 0 is refused"; diag "$rc: $out" ;; esac
out=$(xg dumpxml nosuch 2>&1); rc=$?
check "xg dumpxml of an unknown domain fails" [ "$rc" = 1 ]

check "all frames are back" wait_frames "$free0" 10
finish
