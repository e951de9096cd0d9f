#!/bin/bash
# The PV CPU from inside a guest: the traps guest installs a virtual IDT,
# takes exceptions and software interrupts in kernel mode, runs a 32-bit
# user process and 64-bit user mode, each coming back through int $0x80, a
# page fault, syscall (and sysenter from 32-bit code).  Then the
# hostile endings: an iret to a non-canonical address, a kernel stack
# nothing maps and an iret to 16-bit code (which XG does not run) each
# crash that guest alone.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)

# QEMU 7.2's emulated SVM does not fire a nested guest's instruction
# breakpoints (its single steps work); there the traps guests check that a
# breakpoint is armed, not that it fires, for data breakpoints too (their
# misses are still checked; the guest says whether they fired).  Nor does
# QEMU's emulated CPU check segment limits and rights on data accesses
# (nolimits: traps32 then checks bases only).
cmdline=${XG_UNDER_QEMU_TCG:+\"cmdline\": \"nohwbp nolimits\"}
guest_run_matches "exceptions, software interrupts, iret, 32-bit and 64-bit user mode, syscall and GS bases work as in Xen" \
	"$(guest_config traps traps "$cmdline")" \
	'*32-bit user process without*32-bit user process with*entering user mode*RESULT: PASS traps*'
check "the traps guest is gone and its frames are back" wait_frames "$free0" 10

# The same for a 32-bit PAE kernel in ring 1 and its user mode in ring 3.
guest_run_matches "a 32-bit kernel's exceptions, software interrupts, iret and ring 3 work as in Xen" \
	"$(guest_config traps32 traps32 "$cmdline")" '0:*sysenter in ring 1 with a callback*entering ring 3*RESULT: PASS traps32*'
check "the 32-bit traps guest is gone and its frames are back" wait_frames "$free0" 10

# A vCPU context naming data selectors that do not load: the vCPU starts
# in its failsafe callback with Xen's frame (tests/guests/failsafe.c).
for g in failsafe failsafe32; do
	guest_run_matches "$g: a context's unloadable data selectors enter the failsafe callback with Xen's frame" \
		"$(guest_config "$g" "$g" '"vcpus": 2')" "0:*RESULT: PASS $g*"
	check "the $g guest is gone and its frames are back" wait_frames "$free0" 10
done

# Hypercalls made while a 1 ms periodic timer interrupts the vCPU: on KVM
# some of those interruptions land between the guest's syscall and the
# trampoline's `out` (docs/backend-kvm.md, "Kicks").
for g in events events32; do
	guest_run_matches "$g: two seconds of hypercalls under a 1 ms timer all return their values" \
		"$(guest_config "$g-storm" "$g" '"cmdline": "storm"')" '0:*storm: *RESULT: PASS events*'
	check "the $g storm guest is gone and its frames are back" wait_frames "$free0" 10
done

# The same timer in 64-bit user mode on a user L4 of its own: every event
# switches to the kernel's tables and back (on KVM, a flush each time).
guest_run_matches "events: two seconds of user mode under a 1 ms timer, each event a switch of page tables" \
	"$(guest_config userstorm events '"cmdline": "userstorm"')" "0:*userstorm: *RESULT: PASS events*"
check "the userstorm guest is gone and its frames are back" wait_frames "$free0" 10

# Descriptor tables, both widths.
for g in descriptors descriptors32; do
	guest_run_matches "$g: set_gdt and update_descriptor check, correct and refuse descriptors as Xen does" \
		"$(guest_config "$g" "$g")" '0:*RESULT: PASS descriptors*'
	check "the $g guest is gone and its frames are back" wait_frames "$free0" 10
done

for mode in badiret badstack iret16; do
	cfg=$(guest_config "traps-$mode" traps "\"on_crash\": \"preserve\", \"cmdline\": \"$mode\"")
	check "traps guest ($mode) starts" xg create "$cfg"
	check "the $mode guest is crashed (state c)" wait_state "traps-$mode" c 60
done
log=$(xg dmesg)
case "$log" in *"crashed: vCPU 0: iret to 0x8000000000000000"*) ok "the log names the non-canonical iret" ;;
*) not_ok "the log names the non-canonical iret"; diag "$log" ;; esac
case "$log" in *"crashed: vCPU 0: fault writing the exception frame"*) ok "the log names the unwritable kernel stack" ;;
*) not_ok "the log names the unwritable kernel stack"; diag "$log" ;; esac
case "$log" in *"crashed: vCPU 0: iret to code segment 0x63: 16-bit"*) ok "the log names the 16-bit code segment XG cannot run" ;;
*) not_ok "the log names the 16-bit code segment XG cannot run"; diag "$log" ;; esac
for mode in badiret badstack iret16; do
	check "the $mode guest can be destroyed" xg destroy "traps-$mode"
done
check "every frame is back" wait_frames "$free0" 10
finish
