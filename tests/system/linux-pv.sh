#!/bin/bash
# Debian's own kernel as a PV guest (docs/linux-pv.md): booted with a
# busybox initramfs, it should reach a shell on its console (hvc0, the PV
# console ring) and answer a command typed through `xg console`.  Needs the
# KVM backend (the emulating one has no FPU/SSE), so on hosts without a
# usable /dev/kvm it runs inside kvm-nested.sh (XG_NESTED_TESTS=linux-pv).
. "$(dirname "$0")/lib.sh"
. "$top_srcdir/tests/system/debian-kernel.inc.sh"

if [ "${XG_TEST_BACKEND:-}" != kvm ]; then
	echo "1..0 # SKIP Linux needs the KVM backend (run through kvm-nested.sh with XG_NESTED_TESTS=linux-pv)"
	exit 0
fi
fetch_debian_kernel || { echo "1..0 # SKIP $FETCH_ERROR"; exit 0; }
command -v busybox >/dev/null && command -v cpio >/dev/null ||
	{ echo "1..0 # SKIP busybox and cpio are needed for the guest's initramfs"; exit 0; }

# The guest's initramfs: busybox and an init that says it is up and then
# runs a shell on the console.
mkdir -p "$WORK/rd/bin" "$WORK/rd/proc" "$WORK/rd/sys" "$WORK/rd/dev"
cp "$(command -v busybox)" "$WORK/rd/bin/busybox"
for applet in sh mount echo cat uname poweroff; do ln -s busybox "$WORK/rd/bin/$applet"; done
cat > "$WORK/rd/init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sys /sys
echo "XG-LINUX-UP $(uname -r)"
exec sh
INIT
chmod +x "$WORK/rd/init"
( cd "$WORK/rd" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$WORK/initrd.gz" )

HV_MEMORY=1G start_hypervisor
cat > "$WORK/linux.json" <<JSON
{ "name": "linux", "kernel": "$KERNEL_IMAGE", "ramdisk": "$WORK/initrd.gz", "memory": 256,
  "cmdline": "console=hvc0 earlyprintk=xen loglevel=8", "on_crash": "preserve" }
JSON
check "Debian's kernel is built as a PV domain with a busybox initramfs" timeout 600 "$XG_BIN" create "$WORK/linux.json"
# Where the vCPU is, now and then, while it boots (the console may say nothing).
( while sleep 30; do
	"$XG_BIN" list linux >/dev/null 2>&1 || break
	echo "# $(date +%T) vCPU 0: $("$XG_BIN" vcpu-list linux 2>/dev/null | awk 'NR == 2') $(tail -n 1 "$WORK/hypervisor.log")"
  done ) &

# Type a command once the shell is there; follow the console meanwhile.
# A crashed or shut-down kernel ends the wait (the domain is then destroyed,
# which ends xg console): its log is what matters then.
stopped() { case "$(state_of linux)" in *c* | *s* | "") return 0 ;; esac; return 1; }
# The writer ends with xg console's timeout too: a pipeline waits for both.
boot_timeout=${XG_LINUX_BOOT_TIMEOUT:-900}
end=$((SECONDS + boot_timeout))
in_time() { [ "$SECONDS" -lt "$end" ]; }
( for _ in $(seq 600); do
	in_time || break
	grep -q XG-LINUX-UP "$WORK/console.out" 2>/dev/null && break
	stopped && { sleep 2; "$XG_BIN" destroy linux >/dev/null 2>&1; break; }
	sleep 1
  done
  if in_time && ! stopped; then
	sleep 2
	printf 'echo "XG-SHELL-ANSWER $((6 * 7))"\r'
	for _ in $(seq 60); do grep -q "XG-SHELL-ANSWER 42" "$WORK/console.out" 2>/dev/null && break; sleep 1; done
	printf 'poweroff -f\r'
  fi
  # Keep the input open until the domain is gone (xg console then ends) or
  # has crashed (then destroyed, after its state was noted).
  for _ in $(seq 600); do
	stopped && { state_of linux > "$WORK/final-state"; "$XG_BIN" destroy linux >/dev/null 2>&1; break; }
	in_time || break
	sleep 1
  done ) | timeout "$boot_timeout" "$XG_BIN" console linux > "$WORK/console.out" 2>&1
tr -d '\r' < "$WORK/console.out" | tail -n 60 | sed 's/^/# /'
check "its boot reaches init on the console (hvc0)" grep -q "^XG-LINUX-UP" "$WORK/console.out"
check "the shell answers a command typed through xg console" grep -q "XG-SHELL-ANSWER 42" "$WORK/console.out"
# poweroff -f: SCHEDOP_shutdown(poweroff), and on_poweroff's default destroy.
check "poweroff -f in the shell powers the domain off (it is gone, not crashed)" \
	sh -c "! grep -q c '$WORK/final-state' 2>/dev/null && ! '$XG_BIN' list linux >/dev/null 2>&1"
diag "hypervisor log (end):" "$(tail -n 30 "$WORK/hypervisor.log")"
xg destroy linux >/dev/null 2>&1
finish
