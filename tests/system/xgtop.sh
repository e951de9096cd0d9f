#!/bin/bash
# xgtop end to end: its errors, batch output with a spinning and a paused
# guest, then the screen driven through tmux (keys, pause, destroy, resize).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
XGTOP_BIN="$top_builddir/xgtop"
xgtop() { timeout "${XG_CMD_TIMEOUT:-60}" "$XGTOP_BIN" "$@"; }
start_hypervisor

# ---- the command line ------------------------------------------------------------
out=$(xgtop --help 2>&1); rc=$?
case "$rc:$out" in 0:"Usage: xgtop"*"--batch"*"--rundir DIR"*) ok "xgtop --help prints the usage, exit 0" ;; *) not_ok "xgtop --help prints the usage, exit 0"; diag "$rc: $out" ;; esac
out=$(xgtop --no-such-option 2>&1); rc=$?
case "$rc:$out" in 2:*"Usage: xgtop"*) ok "an unknown option is a usage error (exit 2)" ;; *) not_ok "an unknown option is a usage error (exit 2)"; diag "$rc: $out" ;; esac
out=$(xgtop -b -i 0 2>&1); rc=$?
case "$rc:$out" in "2:xgtop: -i needs a positive number of iterations, not '0'") ok "-i 0 is refused, saying why (exit 2)" ;; *) not_ok "-i 0 is refused, saying why (exit 2)"; diag "$rc: $out" ;; esac
out=$(xgtop -b -d soon 2>&1); rc=$?
case "$rc:$out" in "2:xgtop: -d needs a number of seconds"*"not 'soon'") ok "a delay that is not a number is refused (exit 2)" ;; *) not_ok "a delay that is not a number is refused (exit 2)"; diag "$rc: $out" ;; esac
out=$(xgtop -b -i 1 --rundir "$WORK/nowhere" 2>&1); rc=$?
case "$rc:$out" in "1:xgtop: "*"$WORK/nowhere"*"(is xg-hypervisor running?)") ok "no hypervisor in --rundir: a clear error, exit 1" ;; *) not_ok "no hypervisor in --rundir: a clear error, exit 1"; diag "$rc: $out" ;; esac
out=$(xgtop </dev/null 2>&1 >/dev/null); rc=$?
case "$rc:$out" in "1:xgtop: the interactive view needs a terminal; use -b for plain text") ok "the screen without a terminal: a clear error, exit 1" ;; *) not_ok "the screen without a terminal: a clear error, exit 1"; diag "$rc: $out" ;; esac

# ---- batch mode: a spinning guest and a paused one -----------------------------
check "a spinning guest starts" xg create "$(guest_config spinner spin)"
check "a second one is created paused" xg create -p "$(guest_config sleeper spin)"
wait_state spinner r 10
wait_state sleeper p 10
spinner_id=$(xg domid spinner)
sleeper_id=$(xg domid sleeper)

start=$SECONDS
batch=$(xgtop -b -i 3 -d 1 2>&1); rc=$?
check "xgtop -b -i 3 -d 1 exits 0" [ "$rc" = 0 ]
check "and takes about 3 s (one per sample; $((SECONDS - start)) s)" [ $((SECONDS - start)) -le 15 ]
# The frames as a script would read them: split on whitespace.
parse_batch() {
	local out rc
	out=$(python3 -c '
import re, sys
text = sys.argv[1]
frames = [f for f in re.split(r"(?m)^(?=xgtop - )", text) if f.strip()]
assert len(frames) == 3, f"{len(frames)} frames"
header = ["NAME", "STATE", "CPU(sec)", "CPU(%)", "MEM(k)", "MEM(%)", "MAXMEM(k)", "MAXMEM(%)", "VCPUS", "HCALLS/s"]
seconds = []
for f in frames:
    lines = f.rstrip("\n").split("\n")
    assert re.fullmatch(r"xgtop - \d\d:\d\d:\d\d   Xen \d+\.\d+\S*   backend (emu|kvm)", lines[0]), lines[0]
    assert lines[1] == "3 domains: 2 running, 0 blocked, 1 paused, 0 crashed, 0 dying, 0 shutdown", lines[1]
    m = re.fullmatch(r"Mem: (\d+)k total, (\d+)k used, (\d+)k free    CPUs: (\d+)", lines[2])
    assert m and int(m[1]) == 2 * 1024 * 1024 and int(m[2]) + int(m[3]) == int(m[1]) and int(m[2]) >= 2 * 16384, lines[2]
    assert lines[3].split() == header, lines[3]
    rows = {r.split()[0]: r.split() for r in lines[4:]}
    assert sorted(rows) == ["Domain-0", "sleeper", "spinner"], rows
    assert [r.split()[0] for r in lines[4:]] == ["Domain-0", "spinner", "sleeper"], "not in domain id order"
    for name, r in rows.items():
        assert len(r) == 10, r
    spin, sleep = rows["spinner"], rows["sleeper"]
    assert spin[1] == "-----r" and sleep[1] == "----p-", (spin, sleep)
    assert spin[4] == sleep[4] == "16384" and spin[6] == "16384" and spin[8] == "1", spin
    assert abs(float(spin[5]) - 16384 * 100 / (2 * 1024 * 1024)) < 0.06, spin
    seconds.append(int(spin[2]))
    dom0 = rows["Domain-0"]
    print(f"spinner CPU(%) {spin[3]}, sleeper CPU(%) {sleep[3]}, Domain-0 HCALLS/s {dom0[9]}")
    # A guest computing flat out holds its one vCPU busy: up to one host
    # CPU.  CPU time is the CPU clock of its thread, so on a host whose cores
    # other tests keep busy it gets (and shows) less, hence the low bound;
    # an error of units would be far off either way.  A paused one uses none.
    assert 1.0 <= float(spin[3]) <= 105.0, f"spinner CPU(%) {spin[3]}"
    assert float(sleep[3]) == 0.0 and sleep[2] == "0", f"sleeper {sleep}"
    # xgtop itself makes Domain-0 hypercalls (list, physinfo) every sample.
    assert float(dom0[9]) > 0, dom0
assert seconds == sorted(seconds), f"spinner CPU(sec) {seconds}"
' "$1" 2>&1)
	rc=$?
	diag "$out"
	[ "$rc" = 0 ] || diag "$1"
	return "$rc"
}
check "batch output parses: three frames of summary, header and domain lines, real values" parse_batch "$batch"
out=$(XG_RUNDIR="$WORK/nowhere" xgtop -b -i 1 -d 0.2 --rundir "$XG_RUNDIR" 2>&1)
case "$out" in *"spinner "*) ok "--rundir wins over \$XG_RUNDIR" ;; *) not_ok "--rundir wins over \$XG_RUNDIR"; diag "$out" ;; esac
out=$(xgtop -b -v -i 1 -d 0.2 2>&1)
case "$out" in *"spinner "*$'\n'"    VCPUs: 1 of 1 online; per-vCPU CPU time and runstate: not available from XG yet"*) ok "-v adds each domain's vCPU line, saying what is not available" ;; *) not_ok "-v adds each domain's vCPU line, saying what is not available"; diag "$out" ;; esac

# ---- the screen, through tmux --------------------------------------------------
if ! command -v tmux >/dev/null 2>&1; then
	skip "xgtop's screen: tmux is not installed (apt-get install tmux)"
	xg destroy spinner; xg destroy sleeper
	finish
	exit
fi

# The NAME column of the domain rows, in screen order.
screen_names() { screen | awk '/^NAME +STATE/ { rows = 1; next } /^$|^Selected:|^\(no / { rows = 0 } rows && !/^    VCPUs:/ { print $1 }' | tr '\n' ' '; }
wait_names() { # "names in order " seconds
	local end
	end=$(deadline_in "$2")
	while [ "$SECONDS" -le "$end" ]; do
		[ "$(screen_names)" = "$1" ] && return 0
		sleep 0.2
	done
	diag "rows on screen: '$(screen_names)', expected '$1'" "$(screen)"
	return 1
}
row_of() { screen | awk -v n="$1" '$1 == n'; }
keys() { tm send-keys -t xgtop "$@"; }

printf -v cmd '%q -d 1; echo $? > %q' "$XGTOP_BIN" "$WORK/xgtop.status"
tmux_start xgtop 120 40 "XG_RUNDIR=$(printf %q "$XG_RUNDIR") $cmd"
check "the screen shows the live domains in domain id order" wait_names "Domain-0 spinner sleeper " 20
summary_and_header() {
	screen | head -4 | tr '\n' '|' | grep -qE '^xgtop - [0-9:]+   Xen .*\|3 domains: 2 running, 0 blocked, 1 paused, 0 crashed, 0 dying, 0 shutdown\|Mem: .*CPUs: [0-9]+\|NAME +STATE +CPU\(sec\) +CPU\(%\) +MEM\(k\) +MEM\(%\) +MAXMEM\(k\) +MAXMEM\(%\) +VCPUS +HCALLS/s *\|' || { diag "$(screen)"; return 1; }
}
check "with the summary lines and the column header" summary_and_header
check "the key line names the keys" wait_screen '^Delay  VCPUs  Sort  Reverse  / filter  Pause  X destroy  Quit' 5
spin_pct=$(row_of spinner | awk '{ print $4 }')
check "the spinner's CPU(%) on screen is well above the paused one's ($spin_pct)" python3 -c "import sys; assert 1 <= float(sys.argv[1]) <= 105" "$spin_pct"
check "the sleeper's is 0.0" [ "$(row_of sleeper | awk '{ print $2, $4 }')" = "----p- 0.0" ]

# S cycles the sort column (ID, NAME, STATE, CPU(sec), CPU(%)), R reverses.
keys S
check "S sorts by NAME: the order changes" wait_names "Domain-0 sleeper spinner " 5
check "the status line names the sort column" wait_screen '^Selected: .*Sort: NAME   ' 5
keys R
check "R reverses it" wait_names "spinner sleeper Domain-0 " 5
check "and says so" wait_screen 'Sort: NAME \(reversed\)' 5
keys R S S S
check "S up to CPU(%): the spinner leads" wait_screen 'Sort: CPU\(%\)   ' 5
first_row_is() { case "$(screen_names)" in "$1 "*) return 0 ;; esac; diag "rows: $(screen_names)"; return 1; }
check "the spinner is first by CPU(%)" first_row_is spinner

# / filters by a name substring.
keys / s p i n Enter
check "/spin hides the other domains" wait_names "spinner " 5
check "the status line shows the filter" wait_screen 'Filter: spin   ' 5
keys / BSpace BSpace BSpace BSpace Enter
check "an empty filter shows every domain again" wait_screen 'Filter: \(none\)' 5
check "all three rows are back" [ "$(screen_names | wc -w)" = 3 ]

# Select with the arrow keys; p + y pauses the selected domain.
keys Home
check "Home selects the first row" wait_screen '^Selected: spinner \(id '"$spinner_id"'\)' 5
keys p
check "p asks before pausing the selected domain" wait_screen "^Pause domain spinner \\(id $spinner_id\\)\\? \\[y/n\\]" 5
keys y
check "y pauses it: xgtop says so" wait_screen "^paused spinner \\(id $spinner_id\\)" 5
check "and xg list shows it paused" wait_state spinner p 10
check "the screen shows it paused" wait_screen '^spinner +----p- ' 5
# Two refreshes later its CPU(%) has fallen to nothing.
check "its CPU(%) falls to 0.0 once paused" wait_screen '^spinner +----p- +[0-9]+ +0\.0 ' 10
keys p y
check "p + y again unpauses it" wait_state spinner r 10

# x + n does not destroy; x + y does.
keys Home
wait_screen '^Selected: spinner ' 5
keys Down
check "Down selects the next row" wait_screen '^Selected: (sleeper|Domain-0) ' 5
end=$(deadline_in 10)
until screen | grep -q '^Selected: sleeper ' || [ "$SECONDS" -gt "$end" ]; do keys Down; sleep 0.3; done
check "the sleeper is selected" wait_screen "^Selected: sleeper \\(id $sleeper_id\\)" 5
keys x
check "x asks before destroying it" wait_screen "^Destroy domain sleeper \\(id $sleeper_id\\)\\? \\[y/n\\]" 5
keys n
check "n cancels: xgtop says so" wait_screen '^destroy of sleeper cancelled' 5
sleep 1
check "and the domain still exists" xg domid sleeper
keys x y
check "x + y destroys it" wait_gone sleeper 10
check "xgtop says so" wait_screen "^destroyed sleeper \\(id $sleeper_id\\)" 5
check "and its row is gone" wait_names "spinner Domain-0 " 5

# V shows the vCPU line under each domain.
keys V
check "V shows each domain's vCPUs, and what XG cannot tell yet" wait_screen '^    VCPUs: 1 of 1 online; per-vCPU CPU time and runstate: not available from XG yet' 5
keys V
# D asks for the delay.
keys D 0 . 5 Enter
check "D sets the delay" wait_screen 'Delay: 0\.5s' 5
keys D x Enter
check "a bad delay is refused, saying why" wait_screen "^the delay must be a number of seconds from 0.1 to 86400, not 'x'" 5

# Resizing redraws the whole screen at the new size.
clean_layout() { # width height: nothing beyond the width, the key line last, nothing stray
	local width=$1 height=$2 text
	text=$(screen)
	[ "$(printf '%s\n' "$text" | wc -l)" = "$height" ] || { diag "not $height lines"; return 1; }
	printf '%s\n' "$text" | awk -v w="$width" 'length($0) > w { exit 1 }' || { diag "a line is wider than $width"; return 1; }
	printf '%s\n' "$text" | tail -n 1 | grep -q '^Delay  VCPUs' || { diag "the key line is not last"; return 1; }
	# Summary (3), header, 2 domains, status, keys: no other line holds text.
	[ "$(printf '%s\n' "$text" | grep -c .)" = 8 ] || { diag "stray lines:" "$text"; return 1; }
	[ "$(printf '%s\n' "$text" | grep -c '^NAME ')" = 1 ] || { diag "not one header"; return 1; }
}
wait_layout() { # width height seconds
	local end
	end=$(deadline_in "$3")
	while [ "$SECONDS" -le "$end" ]; do
		clean_layout "$1" "$2" 2>/dev/null >/dev/null && return 0
		sleep 0.3
	done
	clean_layout "$1" "$2"
	diag "$(screen)"
	return 1
}
tm resize-window -t xgtop -x 70 -y 14
check "resized to 70x14: redrawn at the new size, nothing stray" wait_layout 70 14 10
check "the header is cut at the edge" wait_screen '^NAME +STATE +CPU\(sec\) +CPU\(%\) +MEM\(k\) +MEM\(%\) +MAXMEM\(k\) MAXME$' 5
tm resize-window -t xgtop -x 120 -y 40
check "back to 120x40: redrawn again, nothing stray" wait_layout 120 40 10
check "the whole header is back" wait_screen 'MAXMEM\(%\) VCPUS   HCALLS/s' 5

# q quits with status 0.
keys q
end=$(deadline_in 10)
while [ ! -s "$WORK/xgtop.status" ] && [ "$SECONDS" -le "$end" ]; do sleep 0.2; done
check "q quits with exit status 0" [ "$(cat "$WORK/xgtop.status" 2>/dev/null)" = 0 ]

xg destroy spinner
check "the spinner is destroyed at the end" wait_gone spinner 10
finish
