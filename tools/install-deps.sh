#!/bin/sh
# Install what daxmf needs on Debian 12, by package name.
#   install-deps.sh          build + demo
#   install-deps.sh --test   also what the test suite needs
set -eu

packages="build-essential meson ninja-build pkg-config
	libnl-3-dev libnl-genl-3-dev libjson-c-dev libcmocka-dev
	libsystemd-dev libudev-dev libndctl-dev libdaxctl-dev
	linux-image-amd64 linux-headers-amd64 kmod
	qemu-system-x86 busybox-static cpio
	xfsprogs e2fsprogs ndctl daxctl
	scdoc debootstrap"
if [ "${1:-}" = --test ]; then
	# The kernel's own checkpatch.pl comes with the kernel source.
	packages="$packages linux-source-6.1 xz-utils"
	# Journal files without journald (host-report).
	packages="$packages systemd-journal-remote"
	# DKMS builds the installed module source (host-dkms).
	packages="$packages dkms"
	# A real parser of the metrics' text format (unit-metrics-parse).
	packages="$packages python3-prometheus-client"
	# The parsers' libFuzzer harnesses (build-fuzz): clang and its sanitizer and libFuzzer runtimes.
	packages="$packages clang libclang-rt-14-dev llvm"
fi

missing=
for p in $packages; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$' ||
		missing="$missing $p"
done
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: missing packages:$missing; run as root (or install them)" >&2
	exit 1
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
