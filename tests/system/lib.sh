# Shared helpers for the end-to-end tests: a private hypervisor per test
# script, the xg command, TAP output, and leak checks.
#   . "$top_srcdir/tests/system/lib.sh"; start_hypervisor; ...; finish
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
XG_BIN="$top_builddir/xg"
HV_BIN="$top_builddir/xg-hypervisor"
GUESTS="$top_builddir/tests/guests"

tap_n=0
tap_failed=0
ok() { tap_n=$((tap_n + 1)); echo "ok $tap_n - $*"; }
not_ok() { tap_n=$((tap_n + 1)); tap_failed=$((tap_failed + 1)); echo "not ok $tap_n - $*"; }
skip() { tap_n=$((tap_n + 1)); echo "ok $tap_n # SKIP $*"; }
diag() { printf '%s\n' "$@" | sed 's/^/# /'; }
# check "description" command...: one test point, passing when the command succeeds.
check() {
	local what=$1; shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/xg-test.XXXXXX")
export XG_RUNDIR="$WORK/run"
HV_PID=

# expect_fail "what" status pattern command...: one test point, passing when
# the command exits with that status and its output matches the glob.
expect_fail() {
	local what=$1 want=$2 pattern=$3 out rc
	shift 3
	out=$("$@" 2>&1); rc=$?
	case "$rc:$out" in "$want":*$pattern*) ok "$what" ;; *) not_ok "$what"; diag "$rc: $out" ;; esac
}

# Every xg command is bounded: a hang becomes a failing test point, not a
# stuck test run.
xg() { timeout "${XG_CMD_TIMEOUT:-60}" "$XG_BIN" "$@"; }

# Deadlines are wall-clock: under a slow emulator one `xg list` can take
# longer than the pause between polls.
deadline_in() { echo $((SECONDS + $1)); }

# Wait until a file (a console or log followed in the background) has a
# line matching the pattern; on a timeout, show the file.
wait_file_match() { # file pattern seconds
	local end
	end=$(deadline_in "$3")
	while [ "$SECONDS" -le "$end" ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.05
	done
	diag "$1 never showed '$2':" "$(cat "$1" 2>&1)"
	return 1
}

cleanup() {
	if [ -n "$HV_PID" ] && kill -0 "$HV_PID" 2>/dev/null; then
		kill -TERM "$HV_PID" 2>/dev/null
		for _ in $(seq 50); do kill -0 "$HV_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$HV_PID" 2>/dev/null
	fi
	rm -rf "$WORK"
}
trap cleanup EXIT

# Start a private hypervisor in the background and wait for its socket.
start_hypervisor() {
	"$HV_BIN" --rundir "$XG_RUNDIR" --memory "${HV_MEMORY:-2G}" ${XG_TEST_BACKEND:+--backend "$XG_TEST_BACKEND"} \
		"$@" >"$WORK/hypervisor.log" 2>&1 &
	HV_PID=$!
	for _ in $(seq 400); do
		[ -S "$XG_RUNDIR/hypervisor.sock" ] && { diag "$(grep -m1 'MiB RAM' "$WORK/hypervisor.log" | sed 's/.*backend/backend/')"; return 0; }
		kill -0 "$HV_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "Bail out! the hypervisor did not start"
	sed 's/^/# /' "$WORK/hypervisor.log"
	exit 1
}

hypervisor_alive() { kill -0 "$HV_PID" 2>/dev/null && xg list >/dev/null 2>&1; }

# Frames not owned by any domain, from `xg info --json`.
free_frames() { xg info --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["free_frames"])'; }

# Run a TAP-speaking program and fold its test points into ours; a program
# that fails without saying why, or ends without its plan, is a failure too.
run_tap_program() {
	local line status plan=
	"$@" >"$WORK/tap.out" 2>&1
	status=$?
	while IFS= read -r line; do
		case "$line" in
		"ok "*) ok "${line#ok [0-9]* - }" ;;
		"not ok "*) not_ok "${line#not ok [0-9]* - }" ;;
		"1.."*) plan=$line ;;
		*) echo "# $line" ;;
		esac
	done <"$WORK/tap.out"
	if [ -z "$plan" ] || { [ "$status" != 0 ] && [ "$tap_failed" = 0 ]; }; then
		not_ok "$(basename "$1") ran to its end (exit status $status)"
	fi
}

# Wait until the free-frame count is back to $1.
wait_frames() {
	local end
	end=$(deadline_in "$2")
	while [ "$SECONDS" -le "$end" ]; do
		[ "$(free_frames)" = "$1" ] && return 0
		sleep 0.1
	done
	diag "free frames: $(free_frames), expected $1"
	return 1
}

# A domain config for one of the test guests.
guest_config() { # name guest [extra JSON members]
	local name=$1 guest=$2 extra=${3:-}
	cat >"$WORK/$name.json" <<JSON
{ "name": "$name", "kernel": "$GUESTS/$guest.elf", "memory": 16${extra:+, $extra} }
JSON
	echo "$WORK/$name.json"
}

# Run a domain to its end with `xg create -c` (bounded by seconds, default
# 120): ok "what" if "EXIT_STATUS:OUTPUT" matches the glob (callers that
# need exit status 0 start it with 0:; quotes in it are literal
# characters), else not_ok with the output.
guest_run_matches() { # what config glob [seconds]
	local out rc
	out=$(timeout "${4:-120}" "$XG_BIN" create "$2" -c 2>&1); rc=$?
	# shellcheck disable=SC2053 # the glob is the caller's pattern
	if [[ "$rc:$out" == $3 ]]; then ok "$1"; else not_ok "$1"; diag "$out"; diag_backend_notes; fi
}

# What the KVM backend logged about its last runs when it gave up on a
# vCPU (docs/backend-kvm.md), for a failure that shows only a crash.
diag_backend_notes() {
	local notes
	notes=$(grep '^(XG) \[[ 0-9.]*\] kvm: ' "$WORK/hypervisor.log" 2>/dev/null | tail -n 24)
	[ -z "$notes" ] || diag "hypervisor log, the KVM backend's last notes:" "$notes"
}

# Wait until `xg list` no longer shows the domain (or the timeout passes).
wait_gone() { # name seconds
	local end
	end=$(deadline_in "$2")
	while [ "$SECONDS" -le "$end" ]; do
		xg list "$1" >/dev/null 2>&1 || return 0
		sleep 0.1
	done
	diag "$(xg list 2>&1)"
	return 1
}

# State letters of a domain as `xg list` prints them (e.g. "--p---").
state_of() { xg list "$1" 2>/dev/null | awk 'NR == 2 { print $5 }'; }

wait_state() { # name letter seconds
	local end
	end=$(deadline_in "$3")
	while [ "$SECONDS" -le "$end" ]; do
		case "$(state_of "$1")" in *"$2"*) return 0 ;; esac
		sleep 0.1
	done
	diag "$1 is not in state $2 after $3 s:" "$(xg list 2>&1)" "hypervisor log:" "$(tail -n 20 "$WORK/hypervisor.log")"
	return 1
}

# A terminal of the test's own (tmux), for tests that drive a full-screen
# or interactive program: tmux_start SESSION WIDTH HEIGHT COMMAND, then keys
# (tm send-keys -t SESSION ...), screen (what it shows now) and
# wait_screen PATTERN SECONDS (until it shows a line matching the extended
# regular expression).  The tmux server goes with the test.
tmux_start() {
	TMUX_SOCKET="$WORK/tmux.sock"
	TMUX_SESSION=$1
	trap 'tm kill-server >/dev/null 2>&1; cleanup' EXIT
	tm new-session -d -s "$1" -x "$2" -y "$3" "$4"
}
tm() { timeout 10 tmux -S "$TMUX_SOCKET" "$@"; }
screen() { tm capture-pane -p -t "$TMUX_SESSION"; }
wait_screen() { # pattern seconds
	local end
	end=$(deadline_in "$2")
	while [ "$SECONDS" -le "$end" ]; do
		screen | grep -qE -- "$1" && return 0
		sleep 0.2
	done
	diag "the screen never matched /$1/:" "$(screen)"
	return 1
}

# The hypervisor must still run, then stop cleanly on SIGTERM with nothing
# reported by the sanitizers (when built with them) and no frame in use.
finish() {
	if kill -0 "$HV_PID" 2>/dev/null; then
		ok "the hypervisor is still running at the end"
		kill -TERM "$HV_PID"
		wait "$HV_PID"
		check "it stops cleanly on SIGTERM" [ $? = 0 ]
		check "it reports no frame in use when it stops" grep -q "stopped; 0 frames still allocated" "$WORK/hypervisor.log"
	else
		not_ok "the hypervisor is still running at the end"
	fi
	HV_PID=
	if grep -q "ERROR: AddressSanitizer\|ERROR: LeakSanitizer\|runtime error:" "$WORK/hypervisor.log"; then
		not_ok "the sanitizers found nothing in the hypervisor"
		sed 's/^/# /' "$WORK/hypervisor.log" | head -60
	else
		ok "the sanitizers found nothing in the hypervisor"
	fi
	echo "1..$tap_n"
	[ "$tap_failed" = 0 ]
}
