#!/bin/bash
# libxg's public API against a private hypervisor (the C side is test_libxg).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)
run_tap_program "$top_builddir/tests/system/test_libxg" "$GUESTS"
check "every frame is back" wait_frames "$free0" 10
finish
