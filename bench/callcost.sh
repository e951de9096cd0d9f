#!/bin/bash
# The cost of a hypercall against a bare exit, measured in one run by the
# callcost guest on the backend in use (KVM where /dev/kvm works, else the
# emulator): a bare exit (an unimplemented hypercall number), a null
# hypercall, a one-entry mmu_update, update_va_mapping and cpuid.
# Usage: bench/callcost.sh BUILDDIR
set -eu
top=${1:-}
[ -n "$top" ] || top=$(cd "$(dirname "$0")/.." && pwd)
run=$(mktemp -d "${TMPDIR:-/tmp}/xg-callcost.XXXXXX")
trap 'kill "$hv" 2>/dev/null; wait "$hv" 2>/dev/null; rm -rf "$run"' EXIT
"$top/xg-hypervisor" --rundir "$run" --memory 1G >"$run/log" 2>&1 &
hv=$!
for _ in $(seq 100); do [ -S "$run/hypervisor.sock" ] && break; sleep 0.05; done
printf '{ "name": "callcost", "kernel": "%s/tests/guests/callcost.elf", "memory": 32 }\n' "$top" >"$run/c.json"
backend=$(XG_RUNDIR=$run "$top/xg" info | sed -n 's/^backend *: *//p')
echo "callcost: backend $backend"
XG_RUNDIR=$run timeout 300 "$top/xg" create "$run/c.json" -c 2>"$run/err" | grep '^callcost:' ||
	{ cat "$run/err" >&2; exit 1; }
