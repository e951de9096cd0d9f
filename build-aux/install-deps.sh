#!/bin/sh
# Install the Debian packages named as arguments that are missing.  As root
# this runs apt-get; otherwise it prints the command to run and fails.
missing=
for pkg in "$@"; do
	dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || missing="$missing $pkg"
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" != 0 ]; then
	echo "XG needs these Debian packages:$missing" >&2
	echo "Install them with: sudo apt-get install -y$missing" >&2
	exit 1
fi
echo "Installing build dependencies:$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null || exit 1
apt-get install -y -qq $missing >/dev/null || exit 1
