#!/bin/bash
# The end-to-end tests on the KVM backend, where the host has no usable
# /dev/kvm: inside a QEMU machine (software emulation with AMD SVM, which
# QEMU emulates), running Debian's kernel with kvm-amd, the host's root
# filesystem shared read-only over 9p.  Each inner test's TAP lines are
# passed through, prefixed with the test's name.
#
# Needs qemu-system-x86, busybox-static and cpio, and fetches Debian's
# kernel package once (into $XG_KVM_CACHE, default tests/kvm-cache in the
# build tree).  Skips, saying why, when any of that is missing, and when
# the host has a usable /dev/kvm (the other tests run on it directly).
# XG_NESTED_TESTS names the inner tests to run (default: all of them);
# each may run XG_NESTED_TEST_TIMEOUT seconds (default 500).
set -u
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
skip_all() { echo "1..0 # SKIP $*"; exit 0; }

if [ -c /dev/kvm ] && [ -r /dev/kvm ] && [ -w /dev/kvm ] && \
   "$top_builddir/xg-hypervisor" --help >/dev/null 2>&1 && \
   python3 -c 'import fcntl,os; fd=os.open("/dev/kvm", os.O_RDWR); fcntl.ioctl(fd, 0xae00)' 2>/dev/null; then
	skip_all "this host has /dev/kvm: the other system tests already run on the KVM backend"
fi
for tool in qemu-system-x86_64 busybox cpio; do
	command -v "$tool" >/dev/null || skip_all "$tool is not installed (Debian: qemu-system-x86 busybox-static cpio)"
done

. "$top_srcdir/tests/system/debian-kernel.inc.sh"
fetch_debian_kernel || skip_all "$FETCH_ERROR"
vmlinuz=$KERNEL_IMAGE
moddir=$KERNEL_MODULES

work=$(mktemp -d "${TMPDIR:-/tmp}/xg-kvm.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/initrd/bin" "$work/initrd/lib/modules" "$work/initrd/proc" "$work/initrd/sys" \
	"$work/initrd/dev" "$work/initrd/mnt"
cp "$(command -v busybox)" "$work/initrd/bin/busybox"
for applet in sh mount insmod cat sed grep chroot poweroff ln; do ln -s busybox "$work/initrd/bin/$applet"; done

# Modules in dependency order, from the depends= line of each.
order=
add_module() {
	local name=$1 file dep
	case " $order " in *" $name "*) return ;; esac
	file=$(find "$moddir" -name "$name.ko" -o -name "${name//_/-}.ko" | head -n1)
	[ -n "$file" ] || return 0 # built into the kernel
	for dep in $(strings "$file" | sed -n 's/^depends=//p' | tr ',' ' '); do add_module "$dep"; done
	cp "$file" "$work/initrd/lib/modules/$name.ko"
	order="$order $name"
}
for m in kvm_amd virtio_pci 9pnet_virtio 9p; do add_module "$m"; done

cat > "$work/initrd/init" <<INIT
#!/bin/sh
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t devtmpfs dev /dev
for m in $order; do insmod /lib/modules/\$m.ko || echo "# insmod \$m failed"; done
mount -t 9p -o trans=virtio,version=9p2000.L,ro hostroot /mnt || echo "Bail out! cannot mount the host's root"
mount -t proc proc /mnt/proc; mount -t sysfs sys /mnt/sys; mount -t devtmpfs dev /mnt/dev
# What udev would make: bash's process substitution needs /dev/fd.
ln -s /proc/self/fd /mnt/dev/fd; ln -s /proc/self/fd/0 /mnt/dev/stdin
ln -s /proc/self/fd/1 /mnt/dev/stdout; ln -s /proc/self/fd/2 /mnt/dev/stderr
mount -t tmpfs run /mnt/run
echo "XGTAP machine: # kvm_amd nested paging (npt): \$(cat /sys/module/kvm_amd/parameters/npt 2>/dev/null || echo unknown)"
chroot /mnt /bin/sh -c 'cd "$top_builddir" && export TMPDIR=/run XG_LINUX_BOOT_TIMEOUT=${XG_LINUX_BOOT_TIMEOUT:-900} XG_TEST_BACKEND=kvm XG_UNDER_QEMU_TCG=1 top_srcdir="$top_srcdir" top_builddir="$top_builddir"
	for t in ${XG_NESTED_TESTS:-lifecycle containment memory cpu libxg}; do
		timeout ${XG_NESTED_TEST_TIMEOUT:-500} bash "$top_srcdir/tests/system/\$t.sh" 2>&1 | sed "s/^/XGTAP \$t: /"
		echo "XGTAP \$t: # \$t ended at \$(cut -d" " -f1 /proc/uptime) s"
	done'
echo XG-NESTED-DONE
poweroff -f
INIT
chmod +x "$work/initrd/init"
( cd "$work/initrd" && find . | cpio -o -H newc 2>/dev/null | gzip -1 > "$work/initrd.gz" )

# QEMU's software emulation of SVM occasionally hangs the emulated machine:
# its kernel then reports soft lockups and RCU stalls on every CPU, which
# no program inside can cause.  Such a run is stopped and started again;
# only a run whose kernel stayed alive reports test results.
stalled_kernel() { grep -q "soft lockup\|rcu_preempt detected stalls\|rcu_sched detected stalls" "$work/console.log"; }
# It can also stop without a word: once the inner tests have begun, none
# is silent for long (each waits at most a few minutes for a guest), so
# 300 s without any output counts as the same hang.  (Booting may be slow
# on a busy host and is left to the kernel's own stall reports.)
SILENCE_LIMIT=300
attempt=0
while :; do
	attempt=$((attempt + 1))
	timeout 1800 qemu-system-x86_64 -accel tcg -cpu max -m 3072 -smp 2 -nographic -no-reboot \
		-kernel "$vmlinuz" -initrd "$work/initrd.gz" -append "console=ttyS0 quiet panic=-1" \
		-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
		> "$work/console.log" 2>&1 </dev/null &
	qemu=$!
	silent=0 size=0 hung=
	while kill -0 "$qemu" 2>/dev/null; do
		stalled_kernel && { kill "$qemu"; break; }
		now=$(stat -c %s "$work/console.log" 2>/dev/null || echo 0)
		if [ "$now" != "$size" ] || ! grep -q XGTAP "$work/console.log"; then
			size=$now silent=0
		else
			silent=$((silent + 2))
		fi
		[ "$silent" -ge "$SILENCE_LIMIT" ] && { hung=1; kill "$qemu"; break; }
		sleep 2
	done
	wait "$qemu" 2>/dev/null
	stalled_kernel || [ -n "$hung" ] || break
	echo "# attempt $attempt: the emulated machine's kernel stalled or fell silent (QEMU), after:"
	tr -d '\r' < "$work/console.log" | grep XGTAP | tail -n 2 | sed 's/^/#   /'
	if [ "$attempt" = 3 ]; then
		echo "1..0 # SKIP the emulated machine hung in all 3 attempts (QEMU's SVM emulation), no result"
		exit 0
	fi
done

# Renumber the inner tests' points into one TAP stream.
n=0 failed=0
while IFS= read -r line; do
	case "$line" in
	*"XGTAP "*) ;;
	*) continue ;;
	esac
	body=${line#*XGTAP }
	test=${body%%: *}
	rest=${body#*: }
	case "$rest" in
	"ok "*|"not ok "*)
		n=$((n + 1))
		status=${rest%% [0-9]*}
		desc=${rest#* [0-9]* }
		[ "$status" = "not ok" ] && failed=$((failed + 1))
		echo "$status $n - kvm/$test: ${desc#- }" ;;
	"#"*) echo "$rest" ;;
	esac
done < <(tr -d '\r' < "$work/console.log")
if ! grep -q XG-NESTED-DONE "$work/console.log" || [ "$n" = 0 ]; then
	n=$((n + 1))
	echo "not ok $n - the nested KVM machine ran the tests to the end"
	tr -d '\r' < "$work/console.log" | tail -n 40 | sed 's/^/# /'
	failed=$((failed + 1))
fi
echo "1..$n"
[ "$failed" = 0 ]
