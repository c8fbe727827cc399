#!/bin/sh
# Build daxmf.ko out of the source tree: copy the sources into the meson
# build directory and run Kbuild there, so the source tree stays clean.
# usage: build.sh SRCDIR WORKDIR OUTPUT KERNEL_RELEASE VERSION
set -eu
src=$1 work=$2 out=$3 krel=$4 version=$5
mkdir -p "$work"
cp -p "$src"/Kbuild "$src"/*.c "$src"/*.h "$work"/
mkdir -p "$work/include/uapi/linux"
cp -p "$src"/include/uapi/linux/daxmf.h "$work/include/uapi/linux/"
rm -f "$work/daxmf.ko"
status=0
make -s -C "/lib/modules/$krel/build" M="$work" DAXMF_VERSION="$version" \
	DAXMF_WERROR=1 modules >"$work/build.log" 2>&1 || status=$?
# Without vmlinux Kbuild says it skips BTF; that is expected here.
grep -v 'Skipping BTF generation' "$work/build.log" >&2 || true
[ "$status" -eq 0 ] && [ -f "$work/daxmf.ko" ] || {
	echo "build.sh: building daxmf.ko for $krel failed" >&2
	exit 1
}
cp -p "$work/daxmf.ko" "$out"
