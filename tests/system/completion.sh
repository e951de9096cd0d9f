#!/bin/bash
# Bash completion for xg: commands, and live domain names.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/system/lib.sh"
start_hypervisor
PATH="$top_builddir:$PATH"
. "$top_srcdir/tools/cli/xg.bash-completion"
complete_line() { # words...
	COMP_WORDS=("$@")
	COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
	COMPREPLY=()
	_xg
	printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' '
}
check "xg de<TAB> offers destroy" [ "$(complete_line xg de)" = "destroy " ]
check "xg d<TAB> offers every d-command" [ "$(complete_line xg d)" = "destroy dmesg domid domname " ]
xg create "$(guest_config completed spin)" >/dev/null 2>&1
check "xg destroy <TAB> offers the live domain" [ "$(complete_line xg destroy co)" = "completed " ]
check "xg -v console <TAB> looks past options" [ "$(complete_line xg -v console "")" = "completed " ]
xg destroy completed
finish
