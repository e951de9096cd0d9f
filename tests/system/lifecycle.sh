#!/bin/bash
# A guest's life through xg: create, console, list, pause, shutdown, destroy,
# and every frame returned afterwards.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)
diag "free frames at start: $free0"

# create -c: the console until the guest powers off.
cfg=$(guest_config hello hello '"cmdline": "xg-system-test"')
out=$(timeout 120 "$XG_BIN" create "$cfg" -c 2>&1); rc=$?
check "xg create -c exits 0 when the guest powers off" [ "$rc" = 0 ]
case "$out" in *"Hello from XG guest"*) ok "the console shows the guest's greeting" ;; *) not_ok "the console shows the guest's greeting"; diag "$out" ;; esac
case "$out" in *"cmdline: xg-system-test"*) ok "the guest received its command line" ;; *) not_ok "the guest received its command line" ;; esac
case "$out" in *"RESULT: PASS hello"*) ok "the guest's own checks passed" ;; *) not_ok "the guest's own checks passed"; diag "$out" ;; esac
check "on_poweroff=destroy removes the domain" wait_gone hello 10
check "all frames are back after the domain is gone" [ "$(free_frames)" = "$free0" ]

# The same guest through the hypercall page.
cfg=$(guest_config hcpage hello '"cmdline": "hypercall-page"')
out=$(timeout 120 "$XG_BIN" create "$cfg" -c 2>&1)
case "$out" in *"using hypercall page"*"RESULT: PASS hello"*) ok "a guest using the hypercall page passes" ;; *) not_ok "a guest using the hypercall page passes"; diag "$out" ;; esac
wait_gone hcpage 10

# hello-p2m asks for its P2M list at 0x8000000000 (an INIT_P2M note, as
# Linux has): 16 MiB take 8 list pages, after the 4 MiB initial mapping
# (pfn 0x400), mapped by an L3, an L2 and an L1 of their own (pfn 0x408).
cfg=$(guest_config p2mhello hello-p2m)
out=$("$XG_BIN" -N create "$cfg" 2>&1)
case "$out" in *"INIT_P2M = 0x8000000000"*"start info  : 0xffffffff8000c000 -> 0xffffffff8000d000  (pfn 0xc + 0x1 pages)"*"phys2mach   : 0x0000008000000000 -> 0x0000008000008000  (pfn 0x400 + 0x8 pages)"*"P2M tables  : pfn 0x408 + 0x3 (1 L3, 1 L2, 1 L1; not mapped); start_info first_p2m_pfn 0x400, nr_p2m_frames 0xb"*) ok "xg -N create maps the P2M list at the INIT_P2M address, after the initial mapping" ;; *) not_ok "xg -N create maps the P2M list at the INIT_P2M address, after the initial mapping"; diag "$out" ;; esac
out=$(timeout 120 "$XG_BIN" create "$cfg" -c 2>&1)
case "$out" in *"P2M list at 0x8000000000: pfns 400 + b"*"P2M list: 4096 entries agree with the M2P"*"RESULT: PASS hello"*) ok "the guest reads its whole P2M list at 0x8000000000 and it agrees with the M2P and its L1s" ;; *) not_ok "the guest reads its whole P2M list at 0x8000000000 and it agrees with the M2P and its L1s"; diag "$out" ;; esac
wait_gone p2mhello 10

# A module (ramdisk) from the configuration: 3 pages and 100 bytes of a
# pattern hello checks (its command line says "module"); the builder maps
# it after the kernel with mod_len rounded to whole pages, as Xen's does.
python3 -c 'import sys; sys.stdout.buffer.write(bytes(((7 * i + (i >> 9)) & 255) for i in range(12388)))' > "$WORK/initrd.img"
cfg=$(guest_config modhello hello "\"cmdline\": \"module\", \"ramdisk\": \"$WORK/initrd.img\"")
out=$("$XG_BIN" -N create "$cfg" 2>&1)
case "$out" in *"ramdisk $WORK/initrd.img: 12388 bytes"*"module      : 0xffffffff8000c000 -> 0xffffffff80010000  (pfn 0xc + 0x4 pages)"*"phys2mach   : 0xffffffff80010000"*"mod_start = address 0xffffffff8000c000, mod_len = 0x4000"*) ok "xg -N create places the ramdisk after the kernel" ;; *) not_ok "xg -N create places the ramdisk after the kernel"; diag "$out" ;; esac
out=$(timeout 120 "$XG_BIN" create "$cfg" -c 2>&1)
case "$out" in *"module: 16384 bytes at 0xffffffff8000c000 (12388 pattern bytes, 3996 zero padding)"*"RESULT: PASS hello"*) ok "the guest reads its ramdisk through start_info" ;; *) not_ok "the guest reads its ramdisk through start_info"; diag "$out" ;; esac
wait_gone modhello 10
cfg=$(guest_config nomod hello "\"ramdisk\": \"$WORK/no-such-initrd\"")
out=$(xg create "$cfg" 2>&1); rc=$?
case "$rc:$out" in 1:*"cannot open ramdisk $WORK/no-such-initrd: No such file or directory"*) ok "a missing ramdisk is a precise error" ;; *) not_ok "a missing ramdisk is a precise error"; diag "$rc: $out" ;; esac
check "and no domain is left" sh -c "! '$XG_BIN' domid nomod 2>/dev/null"
check "all frames are back after the ramdisk guests" wait_frames "$free0" 10

# create -p: built but paused; list shows it; unpause runs it.
cfg=$(guest_config paused hello '"on_poweroff": "preserve"')
check "xg create -p succeeds" xg create "$cfg" -p
check "xg list shows the paused domain in state p" wait_state paused p 5
check "its console is empty while paused" [ -z "$(timeout 1 "$XG_BIN" console paused </dev/null 2>/dev/null)" ]
check "xg unpause runs it" xg unpause paused
check "with on_poweroff=preserve it stays, shut down (state s)" wait_state paused s 60
out=$(xg console paused </dev/null 2>&1) # bounded by XG_CMD_TIMEOUT: slow under nested QEMU
case "$out" in *"RESULT: PASS hello"*) ok "xg console replays a stopped domain's history and exits" ;; *) not_ok "xg console replays a stopped domain's history and exits"; diag "$out" ;; esac
json=$(xg list --json paused)
check "xg list --json reports the shutdown reason" python3 -c '
import json, sys
d = json.loads(sys.argv[1])
d = d[0] if isinstance(d, list) else d
assert d["name"] == "paused" and d["state"] == "shutdown" and d["shutdown_reason"] == "poweroff", d
' "$json"
check "xg destroy removes it" xg destroy paused
check "and it is gone" wait_gone paused 5
check "all frames are back" [ "$(free_frames)" = "$free0" ]

# Names are unique; errors name what was wrong.
cfg=$(guest_config dup spin)
xg create "$cfg" >/dev/null
out=$(xg create "$cfg" 2>&1); rc=$?
check "a second domain with the same name is refused" [ "$rc" != 0 ]
case "$out" in *"already exists"*) ok "the error says the name exists" ;; *) not_ok "the error says the name exists"; diag "$out" ;; esac
# xg list -l shows the effective configuration, which xg create takes back.
xg list -l dup | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)[0]["config"]))' >"$WORK/again.json"
check "xg list -l gives the configuration with its generated uuid" grep -q '"uuid": "[0-9a-f-]\{36\}"' "$WORK/again.json"
uuid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["uuid"])' "$WORK/again.json")
xg destroy dup
wait_gone dup 5
check "that configuration creates the domain again" xg create "$WORK/again.json"
check "with the same uuid" [ "$(xg list --json dup | python3 -c 'import json,sys; print(json.load(sys.stdin)[0]["uuid"])')" = "$uuid" ]

# Names and ids.
id=$(xg domid dup)
check "xg domid prints the id of a name" [ -n "$id" ]
check "xg domname prints the name of an id" [ "$(xg domname "$id")" = dup ]
check "xg rename renames" xg rename dup renamed
check "the domain answers to its new name only" sh -c "'$XG_BIN' domid renamed >/dev/null && ! '$XG_BIN' domid dup 2>/dev/null"
out=$(xg rename renamed Domain-0 2>&1); rc=$?
check "renaming to a name in use is refused" [ "$rc" = 1 ]
case "$out" in *"already exists"*) ok "the refusal says the name exists" ;; *) not_ok "the refusal says the name exists"; diag "$out" ;; esac
check "a name of digits is refused" sh -c "! '$XG_BIN' rename renamed 4242 2>/dev/null"
check "xg uptime lists the domain" sh -c "'$XG_BIN' uptime renamed | grep -q '^renamed .* [0-9]*:[0-9][0-9]:[0-9][0-9]\$'"
xg destroy renamed
wait_gone renamed 5
check "all frames are back after the refused create" [ "$(free_frames)" = "$free0" ]

# maxmem above memory: the guest starts pre-ballooned with room to grow.
check "a guest with memory 16 and maxmem 48 is created paused" xg create -p "$(guest_config balloon spin '"maxmem": 48')"
check "it has 16 MiB and may grow to 48 MiB" python3 -c '
import json, sys
d = json.loads(sys.argv[1])[0]
assert d["memory_kib"] == 16 * 1024 and d["max_memory_kib"] == 48 * 1024, d
' "$(xg list --json balloon)"
check "its effective configuration keeps maxmem" sh -c "'$XG_BIN' list -l balloon | grep -q '\"maxmem\":48'"
xg destroy balloon
wait_gone balloon 5

# A 32-bit PAE guest (pv32pae): the dry run lays it out as Xen's builder
# would.  hello32 declares plain PAE the way Xen reads it, in a legacy
# __xen_guest section (no notes): its L3 must lie below 4 GiB.
# hello32-extcr3 has notes, PAE_MODE "yes": extended CR3.  A real create
# boots it (every backend runs 32-bit guests).
cfg=$(guest_config h32 hello32)
out=$("$XG_BIN" -N create "$cfg" 2>&1); rc=$?
check "xg -N create lays out the 32-bit hello guest" [ "$rc" = 0 ]
case "$out" in *"bytes of ELF32"*"no Xen ELF notes; legacy __xen_guest section: "*"HYPERCALL_PAGE=0x002,PAE=yes"*) ok "its __xen_guest section is read" ;; *) not_ok "its __xen_guest section is read"; diag "$out" ;; esac
case "$out" in *"HYPERCALL_PAGE = 0xc0002000"*"PAE = \"yes\" (PAE, L3 below 4 GiB)"*"pv32pae guest (xen-3.0-x86_32p)"*) ok "it is a pv32pae guest with plain PAE and its hypercall page" ;; *) not_ok "it is a pv32pae guest with plain PAE and its hypercall page"; diag "$out" ;; esac
case "$out" in *"VM assists  : 0 (none)"*) ok "plain PAE: no VM assist" ;; *) not_ok "plain PAE: no VM assist"; diag "$out" ;; esac
case "$out" in *"phys2mach   : 0xc0008000 -> 0xc000c000  (pfn 0x8 + 0x4 pages)"*) ok "its P2M takes 4 bytes per page" ;; *) not_ok "its P2M takes 4 bytes per page"; diag "$out" ;; esac
case "$out" in *"1 L3, 1 L2 (through L3 slot 3), 2 L1; mapping ends at 0xc0400000"*) ok "one L3, the slot-3 L2, a 4 MiB mapping" ;; *) not_ok "one L3, the slot-3 L2, a 4 MiB mapping"; diag "$out" ;; esac
case "$out" in *"L3 table    : pfn 0xf; must lie below 4 GiB"*) ok "the L3 is to be placed below 4 GiB" ;; *) not_ok "the L3 is to be placed below 4 GiB"; diag "$out" ;; esac
out=$("$XG_BIN" -N create "$(guest_config h32x hello32-extcr3)" 2>&1)
case "$out" in *"ELF notes:"*"PAE_MODE = \"yes\" (PAE, extended CR3)"*"VM assists  : 0x8 (pae_extended_cr3)"*) ok "hello32-extcr3: PAE_MODE \"yes\" is extended CR3, with its VM assist" ;; *) not_ok "hello32-extcr3: PAE_MODE \"yes\" is extended CR3, with its VM assist"; diag "$out" ;; esac
case "$out" in *"L3 table    : pfn 0xf; may lie anywhere (extended CR3"*) ok "with extended CR3 the L3 may lie anywhere" ;; *) not_ok "with extended CR3 the L3 may lie anywhere"; diag "$out" ;; esac
backend=$(xg info | sed -n 's/^backend *: *//p')
out=$(timeout 300 "$XG_BIN" -v create "$cfg" -c 2>&1); rc=$?
case "$backend:$rc:$out" in
*:0:*"RESULT: PASS hello32"*) ok "the 32-bit hello guest boots and passes its checks ($backend)" ;;
*) not_ok "the 32-bit hello guest boots ($backend backend)"; diag "$out" ;;
esac
wait_gone h32 10
check "all frames are back after the 32-bit guest" wait_frames "$free0" 10
finish
