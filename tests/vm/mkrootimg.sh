#!/bin/sh
# Build the root filesystem image of the systemd guest: a minimal Debian 12
# (debootstrap from the archive apt already uses) with systemd, udev,
# journald and the tools the tests drive, as an ext4 image.  Built once per
# build directory; each boot runs on a throw-away overlay (QEMU
# snapshot=on), and what is under test (the meson install tree, the module)
# comes in with the initramfs, not in this image.
#
# usage: mkrootimg.sh OUTPUT
set -eu

out=$1
[ "$(id -u)" -eq 0 ] || { echo "mkrootimg: debootstrap needs root" >&2; exit 1; }
command -v debootstrap >/dev/null || { echo "mkrootimg: debootstrap missing (tools/install-deps.sh --test)" >&2; exit 1; }

# The mirror apt is configured with (deb822 sources, then the classic list).
mirror=$(sed -n 's/^URIs: *\([^ ]*\).*/\1/p' /etc/apt/sources.list.d/*.sources 2>/dev/null |
	grep -v security | head -n 1 || true)
[ -n "$mirror" ] || mirror=$(awk '$1 == "deb" && $0 !~ /security/ { print $2; exit }' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian

root=$(mktemp -d "${TMPDIR:-/tmp}/daxmf-rootfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

# What daxmfd and daxmfctl link to, what the guest scripts run (xfs_io,
# mkfs, ndctl, journalctl, python3 to read JSON), and no more.
packages=systemd,systemd-sysv,udev,kmod,procps,xfsprogs,e2fsprogs,ndctl,daxctl
packages=$packages,libnl-3-200,libnl-genl-3-200,libjson-c5,libndctl6,libdaxctl1,libsystemd0,python3-minimal
debootstrap --variant=minbase --include="$packages" bookworm "$root" "$mirror" >"$out.debootstrap.log" 2>&1 || {
	tail -n 20 "$out.debootstrap.log" >&2
	echo "mkrootimg: debootstrap from $mirror failed (log: $out.debootstrap.log)" >&2
	exit 1
}
rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/*

echo '/dev/vda / ext4 rw,errors=remount-ro 0 1' >"$root/etc/fstab"
echo daxmf-guest >"$root/etc/hostname"
chroot "$root" passwd -d root >/dev/null
# Units that have nothing to do in a test VM, or fail there: consoles (the
# serial line carries the test's output), clocks and apt timers, ndctl's
# DIMM monitor (no DIMMs on e820 pmem), binfmt (no module).
systemctl --root="$root" mask --quiet serial-getty@ttyS0.service getty@tty1.service getty.target \
	systemd-timesyncd.service apt-daily.timer apt-daily-upgrade.timer ndctl-monitor.service \
	systemd-binfmt.service proc-sys-fs-binfmt_misc.automount proc-sys-fs-binfmt_misc.mount \
	e2scrub_all.timer e2scrub_reap.service fstrim.timer xfs_scrub_all.timer 2>/dev/null || true
mkdir -p "$root/mnt"

mkfs.ext4 -q -F -L daxmf-root -d "$root" "$out.tmp" 1G >/dev/null
mv "$out.tmp" "$out"
