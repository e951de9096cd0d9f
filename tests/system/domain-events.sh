#!/bin/bash
# Domain events through libxg's watch API (the C side is test_domain_events):
# exact sequences, a watcher that never reads, one that hangs up, the limit.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)
run_tap_program "$top_builddir/tests/system/test_domain_events" "$GUESTS"
check "every frame is back" wait_frames "$free0" 10
check "no domain is left" [ "$(xg list | wc -l)" = 2 ]
finish
