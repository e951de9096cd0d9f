#!/bin/bash
# The PV console ring end to end (docs/console.md): the echo guests of both
# widths talk only through their ring.  Input through `xg console` from a
# pipe and, interactively, from a terminal (tmux); 20 KB of output with
# flow control, by notifying and by yielding; a guest that breaks its ring
# and closes its port; the history kept for a console attached later.
. "$(dirname "$0")/lib.sh"
start_hypervisor

for g in echo echo32; do
	# Input from a pipe: the guest edits lines and powers off on "quit".
	cfg=$(guest_config "$g" "$g")
	xg create "$cfg" >/dev/null 2>&1
	out=$(printf 'hello\rwor\x7fld\rquit\r' | xg console "$g" 2>&1)
	rc=$?
	expected=$'echo: ready\nhello\necho: hello\nwor\b \bld\necho: wold\nquit\necho: bye\nRESULT: PASS '"$g"
	check "$g: input from a pipe reaches the guest and its answers come back, in order (exit $rc)" \
		[ "$rc:$(printf '%s' "$out" | tr -d '\r')" = "0:$expected" ]
	[ "$rc:$(printf '%s' "$out" | tr -d '\r')" = "0:$expected" ] || diag "$out"

	# Output ten times the ring's size: nothing lost, nothing repeated.
	cfg=$(guest_config "$g-flood" "$g" '"cmdline": "flood"')
	out=$(timeout 120 "$XG_BIN" create "$cfg" -c </dev/null 2>/dev/null | tr -d '\r')
	want=$(for i in $(seq 0 499); do printf 'flood %05d abcdefghijklmnopqrstuvwxyz\n' "$i"; done)
	check "$g: 500 lines through the ring, half notified and half only yielded, arrive whole and in order" \
		[ "$(printf '%s\n' "$out" | grep '^flood [0-9]')" = "$want" ]
	check "$g: and the guest saw the ring emptied each time ($(printf '%s\n' "$out" | tail -1))" \
		[ "$(printf '%s\n' "$out" | tail -2 | tr '\n' '|')" = "flood: done|RESULT: PASS $g|" ]

	# Impossible indexes, a closed port reused for an IPI.
	cfg=$(guest_config "$g-hostile" "$g" '"cmdline": "hostile"')
	guest_run_matches "$g: a guest that breaks its ring's indexes and closes its port is contained" "$cfg" \
		"0:*hostile: mended*hostile: unheard*RESULT: PASS $g*"
done
check "the broken indexes are reported once per domain in the hypervisor's log" \
	[ "$(grep -c 'console ring: output indexes impossible (cons 0, prod 100000)' "$WORK/hypervisor.log")" = 2 ]

# The history: a console attached after the output was written shows it.
cfg=$(guest_config later echo)
xg create "$cfg" >/dev/null 2>&1
wait_history() {
	local end
	end=$(deadline_in 20)
	while [ "$SECONDS" -le "$end" ]; do
		timeout 2 "$XG_BIN" console later </dev/null 2>/dev/null | grep -q 'echo: ready' && return 0
		sleep 0.2
	done
	return 1
}
check "a console attached later shows what the guest wrote before" wait_history

# Errors.
out=$(xg console nosuch 2>&1); rc=$?
check "xg console on an unknown domain: exit 1 and the reason ($out)" [ "$rc:$out" = "1:xg: no domain named 'nosuch'" ]
out=$(xg console 0 2>&1); rc=$?
check "xg console on domain 0 says why not ($out)" [ "$rc" = 1 ] && [[ "$out" == *"host itself"* ]]

# Interactively, from a terminal.
if ! command -v tmux >/dev/null 2>&1; then
	skip "xg console in a terminal: tmux is not installed (apt-get install tmux)"
	xg destroy later
	finish
	exit
fi
# A shell in the terminal, so what xg leaves behind (its exit status, the
# terminal's modes) can be seen after it detaches.
tmux_start con 100 30 "env -i PATH=/usr/bin:/bin XG_RUNDIR=$(printf %q "$XG_RUNDIR") PS1='$ ' bash --norc -i"
tm send-keys -t con "$(printf %q "$XG_BIN") console later; echo \"exit=\$?\"; stty -a | grep -o -- ' -*icanon' | tr -d ' '" Enter
check "the terminal shows the history" wait_screen '^echo: ready' 10
tm send-keys -t con 'typed' Enter
check "keys typed are echoed by the guest and the line is answered" wait_screen '^echo: typed' 10
tm send-keys -t con C-]
check "Ctrl-] detaches: xg console exits 0" wait_screen '^exit=0' 10
check "and gives the terminal back in canonical mode" wait_screen '^icanon$' 5
check "the domain keeps running after the detach" [ "$(xg list later 2>/dev/null | awk 'NR == 2 { print $1 }')" = later ]
tm send-keys -t con clear Enter
tm send-keys -t con "$(printf %q "$XG_BIN") console later; echo \"again=\$?\"" Enter
check "attached again, the earlier lines are still there" wait_screen '^echo: typed' 10
tm send-keys -t con 'quit' Enter
check "quit powers the guest off and xg console ends by itself (exit 0)" wait_screen '^again=0' 20
check "the domain is gone (on_poweroff destroy)" wait_gone later 10

finish
