#!/bin/bash
# PV memory management from inside a guest: the mmu test guest changes its
# own page tables through mmu_update, update_va_mapping and multicall, and
# tries what Xen refuses.  Afterwards every frame is back.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/system/lib.sh"
# 8 GiB (sparse) so that guests get frames on both sides of 4 GiB.
HV_MEMORY=8G start_hypervisor
free0=$(free_frames)

cfg=$(guest_config mmu mmu)
out=$(timeout 120 "$XG_BIN" create "$cfg" -c 2>&1)
case "$out" in
*"RESULT: PASS mmu"*) ok "page-table updates from inside a guest work as in Xen, and bad ones are refused" ;;
*) not_ok "page-table updates from inside a guest work as in Xen, and bad ones are refused"; diag "$out" ;;
esac
log=$(xg dmesg)
case "$log" in *"mmu_update of"*"refused"*"update_va_mapping of"*"refused"*) ok "the hypervisor log says why each refused update was refused" ;;
*) not_ok "the hypervisor log says why each refused update was refused"; diag "$log" ;; esac
check "the guest is gone and every frame is back, page tables included" wait_frames "$free0" 10

# The same from inside a 32-bit PAE guest, with its own rules: the L3's
# fixed slots, the hypervisor's part of the slot-3 L2, the compat M2P, and
# an L3 above 4 GiB refused until the guest enables extended CR3.
cfg=$(guest_config mmu32 mmu32)
out=$(timeout 120 "$XG_BIN" create "$cfg" -c 2>&1); rc=$?
case "$rc:$out" in
0:*"above 4 GiB: the entry's high half was used"*"RESULT: PASS mmu32"*)
	case "$out" in
	*"SKIP:"*) not_ok "the 32-bit guest had frames above 4 GiB for every check"; diag "$out" ;;
	*) ok "32-bit PAE page-table rules from inside a guest, frames above 4 GiB included" ;;
	esac ;;
*) not_ok "32-bit PAE page-table rules from inside a guest, frames above 4 GiB included"; diag "$out" ;;
esac
check "every frame is back after the 32-bit guest" wait_frames "$free0" 10

# Where a 32-bit PAE guest's L3 lands on this 8 GiB machine: without
# extended CR3 (hello32, plain PAE) the builder asks for a frame below
# 4 GiB for it, while the rest of its memory comes from above 4 GiB;
# with extended CR3 (hello32-extcr3, here from a zstd bzImage) it is
# allocated like any other frame.
cfg=$(guest_config l3low hello32 '"memory": 64')
out=$(timeout 300 "$XG_BIN" -v create "$cfg" -c 2>&1)
l3=$(printf '%s\n' "$out" | sed -n 's/^L3 at mfn \([0-9a-f]*\), below 4 GiB$/\1/p')
high=$(printf '%s\n' "$out" | sed -n 's/^frames above 4 GiB: \([0-9]*\) of 16384$/\1/p')
case "$out" in *"L3 table    : pfn 0x1b, mfn 0x$l3 (below 4 GiB); must lie below 4 GiB"*"RESULT: PASS hello32"*) l3_ok=1 ;; *) l3_ok= ;; esac
if [ -n "$l3" ] && [ -n "$l3_ok" ] && [ "$((0x$l3))" -lt $((0x100000)) ] && [ "${high:-0}" = 16383 ]; then
	ok "plain PAE: the L3 (mfn 0x$l3) was allocated below 4 GiB, every other frame (16383 of 16384) above"
else
	not_ok "plain PAE: the L3 was allocated below 4 GiB, the other frames above"; diag "$out"
fi
case "$out" in *relocat*|*"moved"*) not_ok "no relocation step was involved"; diag "$out" ;; *) ok "no relocation step was involved" ;; esac
printf '{ "name": "l3ext", "kernel": "%s", "memory": 64 }\n' "$GUESTS/hello32-extcr3.zstd.bzImage" >"$WORK/l3ext.json"
out=$(timeout 300 "$XG_BIN" -v create "$WORK/l3ext.json" -c 2>&1)
l3=$(printf '%s\n' "$out" | sed -n 's/^L3 at mfn \([0-9a-f]*\) (above 4 GiB; extended CR3 allowed)$/\1/p')
case "$out" in *"L3 table    : pfn 0x1b, mfn 0x$l3 (above 4 GiB); may lie anywhere"*"frames above 4 GiB: 16384 of 16384"*"RESULT: PASS hello32"*)
	[ -n "$l3" ] && ok "extended CR3: the L3 (mfn 0x$l3) lies above 4 GiB like every other frame, the guest runs on it" ||
		{ not_ok "extended CR3: the L3 lies above 4 GiB like every other frame"; diag "$out"; } ;;
*) not_ok "extended CR3: the L3 lies above 4 GiB like every other frame"; diag "$out" ;;
esac
check "every frame is back after the L3 guests" wait_frames "$free0" 10

cfg=$(guest_config memops memops)
out=$(timeout 120 "$XG_BIN" create "$cfg" -c 2>&1)
case "$out" in
*"RESULT: PASS memops"*) ok "the M2P, exchange, page copy/clear, LDT and user base pointers work from inside a guest" ;;
*) not_ok "the M2P, exchange, page copy/clear, LDT and user base pointers work from inside a guest"; diag "$out" ;;
esac
check "every frame is back, exchanged ones included" wait_frames "$free0" 10

# The writable-pagetables assist: direct writes to an L1, checked.
cfg=$(guest_config ptwr ptwr)
out=$(timeout 120 "$XG_BIN" create "$cfg" -c 2>&1)
case "$out" in
*"RESULT: PASS ptwr"*) ok "with writable_pagetables a guest writes its L1 entries directly (mov, xchg, cmpxchg, lock and/or/bts)" ;;
*) not_ok "with writable_pagetables a guest writes its L1 entries directly (mov, xchg, cmpxchg, lock and/or/bts)"; diag "$out" ;;
esac
# The same for a 32-bit PAE guest: 4-byte halves in either order, cmpxchg8b.
cfg=$(guest_config ptwr32 ptwr32)
out=$(timeout 120 "$XG_BIN" create "$cfg" -c 2>&1)
guests="ptwr ptwr32"
case "$out" in
*"RESULT: PASS ptwr32"*) ok "a 32-bit PAE guest writes its L1 entries directly (mov of either half in either order, xchg, lock and/bts, cmpxchg8b)" ;;
*) not_ok "a 32-bit PAE guest writes its L1 entries directly (mov of either half in either order, xchg, lock and/bts, cmpxchg8b)"; diag "$out" ;;
esac
for guest in $guests; do
	for mode in refused noassist; do
		cfg=$(guest_config "$guest-$mode" "$guest" "\"on_crash\": \"preserve\", \"cmdline\": \"$mode\"")
		check "$guest guest ($mode) starts" xg create "$cfg"
		check "a $mode page-table write crashes the $guest writer (state c)" wait_state "$guest-$mode" c 60
		check "the $mode $guest writer can be destroyed" xg destroy "$guest-$mode"
	done
done
log=$(xg dmesg)
n=$(printf '%s\n' "$log" | grep -c "page-table write at.*refused")
want=$(echo $guests | wc -w)
case "$n" in "$want") ok "the log says why each refused page-table write was refused ($guests)" ;;
*) not_ok "the log says why each refused page-table write was refused ($guests): $n lines, not $want"; diag "$log" ;; esac
check "every frame is back after the page-table writers" wait_frames "$free0" 10
finish
