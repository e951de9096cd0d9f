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
check "xg vcpu-<TAB> offers vcpu-list, vcpu-pin and vcpu-set" [ "$(complete_line xg vcpu-)" = "vcpu-list vcpu-pin vcpu-set " ]
check "xg m<TAB> offers mem-max, mem-set and migrate" [ "$(complete_line xg m)" = "mem-max mem-set migrate " ]
check "xg x<TAB> offers the xenstore commands" [ "$(complete_line xg x)" = "xenstore-ls xenstore-read xenstore-rm xenstore-write " ]
check "xg s<TAB> offers save, sched-credit and shutdown" [ "$(complete_line xg s)" = "save sched-credit shutdown " ]
check "xg r<TAB> offers reboot, rename and restore" [ "$(complete_line xg r)" = "reboot rename restore " ]
check "xg t<TAB> offers top and trigger" [ "$(complete_line xg t)" = "top trigger " ]
check "xg trigger <TAB> offers the live domain" [ "$(complete_line xg trigger "")" = "completed " ]
check "xg trigger completed n<TAB> offers nmi" [ "$(complete_line xg trigger completed n)" = "nmi " ]
check "xg destroy -<TAB> offers --json" [ "$(complete_line xg destroy -)" = "--json " ]
check "xg create -<TAB> offers its options and --json" [ "$(complete_line xg create -)" = "--json -F -c -e -p " ]
check "xg console -<TAB> offers no --json (it is interactive)" [ "$(complete_line xg console -)" = " " ]
check "xg -<TAB> offers the global options, -f among them" sh -c "printf '%s' '$(complete_line xg -)' | grep -q -- '-f '"
for cmd in mem-max mem-set vcpu-list vcpu-pin vcpu-set shutdown reboot; do
	check "xg $cmd <TAB> offers the live domain" [ "$(complete_line xg "$cmd" "")" = "completed " ]
done
check "xg shutdown -<TAB> offers its options" [ "$(complete_line xg shutdown -)" = "--json -F -a -w " ]
check "xg reboot -w <TAB> offers the live domain" [ "$(complete_line xg reboot -w "")" = "completed " ]
id=$(xg domid completed)
check "xg xenstore-read /lo<TAB> offers /local" [ "$(complete_line xg xenstore-read /lo)" = "/local " ]
check "xg xenstore-ls /local/domain/<TAB> offers the domains' homes" [ "$(complete_line xg xenstore-ls /local/domain/)" = "/local/domain/0 /local/domain/$id " ]
check "xg xenstore-read /local/domain/$id/na<TAB> offers name" [ "$(complete_line xg xenstore-read /local/domain/$id/na)" = "/local/domain/$id/name " ]
check "xg xenstore-rm <TAB> starts at /" [ "$(complete_line xg xenstore-rm "")" = "/ " ]
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
