#!/bin/bash
# Both guest types from a Linux bzImage: the test guests wrapped by
# tests/tools/mkbzimage (boot protocol 2.15, gzip, xz or zstd payload)
# boot through xg create; a truncated or corrupt bzImage is a precise
# error and leaves no domain behind.
. "${top_srcdir:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/system/lib.sh"
start_hypervisor
free0=$(free_frames)

boot() { # name image format guest-result-name elfclass
	local cfg out rc
	cfg="$WORK/$1.json"
	printf '{ "name": "%s", "kernel": "%s", "memory": 16, "cmdline": "from a bzImage" }\n' "$1" "$2" >"$cfg"
	out=$("$XG_BIN" -N create "$cfg" 2>&1)
	case "$out" in *"$2: bzImage/$3 kernel, "*" bytes of ELF$5"*) ok "$1: xg -N create unpacks the $3 payload (ELF$5)" ;;
	*) not_ok "$1: xg -N create unpacks the $3 payload (ELF$5)"; diag "$out" ;; esac
	out=$(timeout 300 "$XG_BIN" create "$cfg" -c 2>&1); rc=$?
	case "$rc:$out" in
	0:*"Hello from XG guest $4!"*"cmdline: from a bzImage"*"RESULT: PASS $4"*) ok "$1: boots from the bzImage and passes its checks" ;;
	*) not_ok "$1: boots from the bzImage and passes its checks"; diag "$out" ;;
	esac
	wait_gone "$1" 10
}
boot bz64gz "$GUESTS/hello.gzip.bzImage" gzip hello 64
boot bz64xz "$GUESTS/hello.xz.bzImage" xz hello 64
boot bz32gz "$GUESTS/hello32.gzip.bzImage" gzip hello32 32
boot bz32xz "$GUESTS/hello32.xz.bzImage" xz hello32 32
check "every frame is back after the bzImage guests" wait_frames "$free0" 10

# Damaged images: each a precise error, no domain left.
size=$(stat -c %s "$GUESTS/hello.xz.bzImage")
head -c $((size - 100)) "$GUESTS/hello.xz.bzImage" >"$WORK/truncated.bzImage"
cp "$GUESTS/hello.gzip.bzImage" "$WORK/corrupt.bzImage"
# 2 KiB into the payload (it starts at 28 * 512 + 0x4000 = 0x7800).
printf '\xde\xad\xbe\xef\xde\xad\xbe\xef' | dd of="$WORK/corrupt.bzImage" bs=1 seek=$((0x7800 + 2048)) conv=notrunc 2>/dev/null
head -c 600 "$GUESTS/hello.gzip.bzImage" >"$WORK/header-only.bzImage"
for bad in "truncated:the bzImage payload lies outside the file" "corrupt:corrupt gzip payload" \
	"header-only:the bzImage payload lies outside the file"; do
	name=${bad%%:*} want=${bad#*:}
	printf '{ "name": "bad-%s", "kernel": "%s", "memory": 16 }\n' "$name" "$WORK/$name.bzImage" >"$WORK/bad-$name.json"
	out=$(xg create "$WORK/bad-$name.json" 2>&1); rc=$?
	case "$rc:$out" in 1:*"$want"*) ok "a $name bzImage is refused: $want" ;; *) not_ok "a $name bzImage is refused: $want"; diag "$rc: $out" ;; esac
	check "no domain is left by the $name bzImage" sh -c "! '$XG_BIN' domid bad-$name 2>/dev/null"
done
check "every frame is back after the refused images" wait_frames "$free0" 10
finish
