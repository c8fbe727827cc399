#!/bin/sh
# Set up, build and run the demo: Debian's kernel boots under QEMU with
# emulated pmem and systemd as PID 1, with daxmf installed as a package
# installs it (`meson install`).  udev starts daxmfd when pmem0 appears; a
# page of a reflinked file goes bad while services map it; then the device
# is removed while they still do; `daxmfctl report` tells the story.
#   tools/demo.sh            (as root on a fresh Debian 12)
set -eu
cd "$(dirname "$0")/.."

tools/install-deps.sh
[ -d build ] || meson setup build
ninja -C build
exec tests/vm/run-vm.sh --initrd build/tests/vm/initramfs.img \
	--kernel-release "$(cat build/kmod/kernel-release)" \
	--root build/tests/vm/rootfs.img --install build \
	--test demo-systemd --log-dir build/tests/vm/logs
