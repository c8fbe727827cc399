#!/bin/sh
# Build the guest's initramfs from this machine's own binaries: busybox, the
# Debian kernel's modules for pmem/dax/xfs/ext4, xfsprogs and ndctl, our
# module and tools, and the guest-side tests.  No network, no debootstrap.
#
# usage: mkinitramfs.sh OUTPUT KERNEL_RELEASE DAXMF_KO GUEST_DIR BINARY...
#        mkinitramfs.sh --binaries OUTPUT BINARY...
#   BINARY: programs to put in /usr/bin (dynamic ones get their libraries)
#   --binaries: only those, an archive to append to the initramfs for the
#   tests that need them (run-vm.sh --append-initrd): the sanitized builds
#   and their runtimes would add 7 MB to every test's boot.
set -eu

root=$(mktemp -d "${TMPDIR:-/tmp}/daxmf-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT
chmod 755 "$root"       # mktemp's 0700 would lock unprivileged test users out

# Copy a dynamic program and every library it loads, at the same paths.
copy_with_libs() {
	src=$1 dst=$2
	cp -L "$src" "$root$dst"
	ldd "$src" 2>/dev/null | awk '/=>/ { print $3 } /^\t\/lib/ { print $1 }' |
	while read -r lib; do
		[ -n "$lib" ] && [ -f "$lib" ] || continue
		[ -e "$root$lib" ] && continue
		mkdir -p "$root$(dirname "$lib")"
		cp -L "$lib" "$root$lib"
	done
}

if [ "$1" = --binaries ]; then
	out=$2
	shift 2
	mkdir -p "$root/usr/bin"
	for bin in "$@"; do
		copy_with_libs "$bin" "/usr/bin/$(basename "$bin")"
	done
	(cd "$root" && find . -mindepth 1 | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
	mv "$out.tmp" "$out"
	exit 0
fi

out=$1 krel=$2 ko=$3 guest=$4
shift 4

moddir=/lib/modules/$krel
[ -d "$moddir/kernel" ] || { echo "mkinitramfs: $moddir missing (apt-get install linux-image-amd64)" >&2; exit 1; }

mkdir -p "$root"/bin "$root"/usr/bin "$root"/etc "$root"/proc "$root"/sys \
	"$root"/dev "$root"/tmp "$root"/run "$root"/mnt "$root"/root "$root"/tests \
	"$root"/lib64 "$root"/lib/x86_64-linux-gnu
ln -s bin "$root/sbin"
ln -s ../bin "$root/usr/sbin"

# busybox and one link per applet (not "busybox" itself: that would loop).
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
	[ "$applet" = busybox ] && continue
	ln -sf busybox "$root/bin/$applet"
done

for tool in /usr/sbin/mkfs.xfs /usr/sbin/xfs_io /usr/sbin/xfs_db /usr/bin/ndctl \
	/usr/bin/daxctl /usr/sbin/mkfs.ext4; do
	[ -x "$tool" ] || { echo "mkinitramfs: $tool missing" >&2; exit 1; }
	copy_with_libs "$tool" "/usr/bin/$(basename "$tool")"
done
for bin in "$@"; do
	copy_with_libs "$bin" "/usr/bin/$(basename "$bin")"
done

# journald and journalctl: the daemon's records are read back from a real journal.
mkdir -p "$root/lib/systemd" "$root/etc/systemd" "$root/var/lib/daxmf"
copy_with_libs /lib/systemd/systemd-journald /lib/systemd/systemd-journald
copy_with_libs /bin/journalctl /usr/bin/journalctl
echo 0123456789abcdef0123456789abcdef >"$root/etc/machine-id"

# Kernel modules: only what the tests load, plus depmod's data.
mkdir -p "$root$moddir/kernel" "$root$moddir/extra"
for m in drivers/nvdimm drivers/dax drivers/acpi/nfit fs/xfs fs/ext4 fs/jbd2 \
	fs/mbcache.ko lib/libcrc32c.ko lib/crc16.ko crypto/crc32c_generic.ko \
	arch/x86/crypto/crc32c-intel.ko mm/hwpoison-inject.ko \
	drivers/virtio drivers/block/virtio_blk.ko fs/autofs drivers/char/hw_random/virtio-rng.ko \
	drivers/char/hw_random/rng-core.ko; do
	[ -e "$moddir/kernel/$m" ] || continue
	mkdir -p "$root$moddir/kernel/$(dirname "$m")"
	cp -a "$moddir/kernel/$m" "$root$moddir/kernel/$(dirname "$m")/"
done
cp "$moddir"/modules.order "$moddir"/modules.builtin "$moddir"/modules.builtin.modinfo "$root$moddir/"
cp "$ko" "$root$moddir/extra/daxmf.ko"
depmod -b "$root" "$krel"

# Users for the unprivileged tests.
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"

cp "$guest"/init "$root/init"
chmod 755 "$root/init"
cp "$guest"/*.sh "$root/tests/"
mkdir -p "$root/tests/systemd" && cp "$guest"/systemd/* "$root/tests/systemd/"

(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$out.tmp"
mv "$out.tmp" "$out"
