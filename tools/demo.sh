#!/bin/sh
# Set up, build and run the demo: Debian's kernel boots under QEMU with
# emulated pmem, daxmf.ko loads, an fsdax XFS holds a file and its reflinked
# copy mapped by processes, and one fail-range call signals exactly the
# processes mapping those pages.
#   tools/demo.sh            (as root on a fresh Debian 12)
set -eu
cd "$(dirname "$0")/.."

tools/install-deps.sh
[ -d build ] || meson setup build
ninja -C build
exec tests/vm/run-vm.sh --initrd build/tests/vm/initramfs.img \
	--kernel-release "$(cat build/kmod/kernel-release)" \
	--test demo --log-dir build/tests/vm/logs
