#!/bin/bash
# A guest that faults or spins harms no one else; a bad client harms no one.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)

spin=$(guest_config spinner spin)
check "a spinning guest starts" xg create "$spin"
check "the spinning guest is running (state r)" wait_state spinner r 10

crash=$(guest_config crasher crash '"on_crash": "preserve"')
check "a guest that faults starts" xg create "$crash"
check "the faulting guest ends up crashed (state c)" wait_state crasher c 60
out=$(timeout 10 "$XG_BIN" console crasher </dev/null 2>&1)
case "$out" in *"about to fault"*"domain crashed"*) ok "its console ends with the crash report" ;; *) not_ok "its console ends with the crash report"; diag "$out" ;; esac
log=$(xg dmesg)
case "$log" in *"crashed"*"#PF"*) ok "the hypervisor log names the page fault" ;; *) not_ok "the hypervisor log names the page fault"; diag "$log" ;; esac
check "the spinning guest still runs" wait_state spinner r 5
check "the hypervisor still serves" hypervisor_alive

check "a crashed domain can be destroyed" xg destroy crasher

m2pw=$(guest_config m2pwriter crash '"on_crash": "preserve", "cmdline": "m2p"')
check "a guest that writes the M2P starts" xg create "$m2pw"
check "it ends up crashed: the M2P is read-only" wait_state m2pwriter c 60
log=$(xg dmesg)
case "$log" in *"#PF (vector 14) error 0x7 cr2 0xffff800000000000"*) ok "the log shows a write fault on a present page at the M2P" ;;
*) not_ok "the log shows a write fault on a present page at the M2P"; diag "$log" ;; esac
check "the M2P writer can be destroyed" xg destroy m2pwriter

# The same from a 32-bit PAE guest: its kernel writes the compat M2P at
# CPL 1 (a supervisor write to a present page: error 0x3).
m2pw32=$(guest_config m2pwriter32 crash32 '"on_crash": "preserve", "cmdline": "m2p"')
out=$("$XG_BIN" create "$m2pw32" 2>&1); rc=$?
[ $rc = 0 ] || diag "$out"
check "the 32-bit M2P writer is created" [ $rc = 0 ]
check "a 32-bit guest writing the compat M2P ends up crashed" wait_state m2pwriter32 c 60
log=$(xg dmesg)
case "$log" in *"#PF (vector 14) error 0x3 cr2 0xf5800000"*) ok "the log shows its write fault at the compat M2P" ;;
*) not_ok "the log shows its write fault at the compat M2P"; diag "$log" ;; esac
check "the 32-bit M2P writer can be destroyed" xg destroy m2pwriter32
check "destroying a spinning guest works" xg destroy spinner
check "both are gone" wait_gone spinner 5
check "every frame is back" [ "$(free_frames)" = "$free0" ]

# A guest trying what it should not: each attempt fails with Xen's error.
cfg=$(guest_config hostile hostile)
out=$(timeout 120 "$XG_BIN" create "$cfg" -c 2>&1)
case "$out" in *"RESULT: PASS hostile"*) ok "every hostile hypercall a guest tries is refused with the right error" ;;
*) not_ok "every hostile hypercall a guest tries is refused with the right error"; diag "$(printf '%s\n' "$out" | grep -v '^[a-z]*$')" ;; esac
body=$(printf '%s\n' "$out" | sed -n '/^long write begins$/,/^long write ends$/p' | sed '1d;$d')
check "a 20000-byte console write, continued by the hypervisor, arrives whole" \
	[ "$(printf '%s\n' "$body" | grep -c '^[a-z]\{99\}$')" = 200 ]
check "the hostile guest is gone and its frames are back" wait_frames "$free0" 10

# Malformed client messages: each client is dropped, nothing else happens.
if command -v python3 >/dev/null; then
	python3 - "$XG_RUNDIR/hypervisor.sock" <<'PY'
import socket, struct, sys
path = sys.argv[1]
def send(data):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(path)
    s.sendall(data)
    s.shutdown(socket.SHUT_WR)
    try:
        s.recv(100)
    except OSError:
        pass
    s.close()
send(b"garbage" * 10)                                    # wrong magic
send(struct.pack("<IIII5Q", 0x31434758, 0xffffffff, 36, 0, 0, 0, 0, 0, 0))  # absurd size
send(struct.pack("<IIII5Q", 0x31434758, 56 + 100, 36, 0, 0, 0, 0, 0, 0))    # truncated data
send(struct.pack("<IIII5Q", 0x31434758, 56, 36, 0, 0x12345678, 0, 0, 0, 0)) # handle outside the data
send(struct.pack("<IIII5Q", 0x31434758, 56, 9999, 0, 0, 0, 0, 0, 0))         # unknown hypercall
PY
	check "after malformed messages the hypervisor still serves" hypervisor_alive
else
	skip "python3 is not installed"
fi

# The monitoring socket lists but cannot control.
version=$(sed -n 's/^#define XG_DOMCTL_INTERFACE_VERSION \([0-9]*\).*/\1/p' "$top_srcdir/include/public/xg_control.h")
out=$(XG_RUNDIR="$XG_RUNDIR" python3 - "$XG_RUNDIR/hypervisor-ro.sock" "$version" <<'PY'
import socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
# domctl destroydomain (cmd 2) for domain 1 through the read-only socket,
# in the current interface version
dom = struct.pack("<IIH6x", 2, int(sys.argv[2]), 1) + bytes(256)
s.sendall(struct.pack("<IIII5Q", 0x31434758, 56 + len(dom), 36, 0, 0x10000, 0, 0, 0, 0) + dom)
rep = s.recv(16)
print(struct.unpack("<IIq", rep)[2])
PY
)
check "the read-only socket refuses control operations (-EPERM)" [ "$out" = "-1" ]
finish
