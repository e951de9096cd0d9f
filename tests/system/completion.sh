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
check "xg d<TAB> offers every d-command" [ "$(complete_line xg d)" = "destroy dmesg domid domname dumpxml " ]
xg create "$(guest_config completed spin)" >/dev/null 2>&1
check "xg destroy <TAB> offers the live domain" [ "$(complete_line xg destroy co)" = "completed " ]
check "xg dumpxml <TAB> offers the live domain" [ "$(complete_line xg dumpxml "")" = "completed " ]
check "xg vcpu-<TAB> offers vcpu-list and vcpu-pin" [ "$(complete_line xg vcpu-)" = "vcpu-list vcpu-pin " ]
check "xg m<TAB> offers mem-max and migrate" [ "$(complete_line xg m)" = "mem-max migrate " ]
check "xg s<TAB> offers save, sched-credit and shutdown" [ "$(complete_line xg s)" = "save sched-credit shutdown " ]
check "xg r<TAB> offers reboot, rename and restore" [ "$(complete_line xg r)" = "reboot rename restore " ]
check "xg t<TAB> offers top" [ "$(complete_line xg t)" = "top " ]
for cmd in mem-max vcpu-list vcpu-pin shutdown reboot; do
	check "xg $cmd <TAB> offers the live domain" [ "$(complete_line xg "$cmd" "")" = "completed " ]
done
check "xg sched-credit <TAB> offers its options" [ "$(complete_line xg sched-credit "")" = "--json -c -d -w " ]
check "xg sched-credit -d <TAB> offers the live domain" [ "$(complete_line xg sched-credit -d "")" = "completed " ]
check "xg sched-credit -d completed -<TAB> offers its options" [ "$(complete_line xg sched-credit -d completed -)" = "--json -c -d -w " ]
C=$WORK/configs
mkdir -p "$C/sub"
touch "$C/g.cfg" "$C/d.xml" "$C/j.json" "$C/other.txt"
check "xg create <TAB> offers JSON, xl.cfg and XML files and directories" \
	[ "$(complete_line xg create "$C/")" = "$C/d.xml $C/g.cfg $C/j.json $C/sub " ]
check "xg -v console <TAB> looks past options" [ "$(complete_line xg -v console "")" = "completed " ]
xg destroy completed
finish
