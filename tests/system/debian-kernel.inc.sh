# Debian's own kernel for the tests that need it: the package
# linux-image-amd64 depends on, fetched once with apt-get download and
# unpacked into $XG_KVM_CACHE (default tests/kvm-cache in the build tree).
# fetch_debian_kernel sets KERNEL_ROOT, KERNEL_IMAGE and KERNEL_MODULES, or
# returns 1 with the reason in FETCH_ERROR.
fetch_debian_kernel() {
	local cache=${XG_KVM_CACHE:-$top_builddir/tests/kvm-cache} pkg
	mkdir -p "$cache" || { FETCH_ERROR="cannot create $cache"; return 1; }
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		sed -n 's/.*Depends: \(linux-image-[0-9].*-amd64\)$/\1/p' | head -n1)
	[ -n "$pkg" ] || { FETCH_ERROR="cannot find Debian's kernel package (apt-cache depends linux-image-amd64)"; return 1; }
	KERNEL_ROOT="$cache/$pkg"
	# The unpacked package appears whole (a rename), so one already there
	# needs no lock: the cache may be read-only then (kvm-nested.sh).
	# Tests run in parallel: one fetches, the others wait for it.
	if [ ! -d "$KERNEL_ROOT/boot" ]; then
		exec 9>"$cache/.lock"
		flock 9
		if [ ! -d "$KERNEL_ROOT/boot" ]; then
			( cd "$cache" && apt-get download "$pkg" >/dev/null 2>&1 ) ||
				{ FETCH_ERROR="cannot download $pkg"; flock -u 9; return 1; }
			rm -rf "$KERNEL_ROOT.tmp"
			dpkg-deb -x "$cache/$pkg"_*.deb "$KERNEL_ROOT.tmp" && mv "$KERNEL_ROOT.tmp" "$KERNEL_ROOT" &&
				rm -f "$cache/$pkg"_*.deb || { FETCH_ERROR="cannot unpack $pkg"; flock -u 9; return 1; }
		fi
		flock -u 9
	fi
	KERNEL_IMAGE=$(ls "$KERNEL_ROOT"/boot/vmlinuz-* 2>/dev/null | head -n1)
	KERNEL_MODULES=$(ls -d "$KERNEL_ROOT"/lib/modules/* 2>/dev/null | head -n1)
	[ -n "$KERNEL_IMAGE" ] && [ -n "$KERNEL_MODULES" ] || { FETCH_ERROR="$pkg has no kernel or modules"; return 1; }
}
