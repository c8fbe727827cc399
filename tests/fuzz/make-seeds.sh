#!/bin/bash
# Regenerate the seeds that real writer code makes, into tests/fuzz/corpus:
#   state/, reply/   fuzz-make-seeds (daxmf_state_save(); messages as kmod/genl.c builds them)
#   inventory/       inventory-check on real XFS (rmapbt, reflink) and ext4 images
#                    on loop devices, saved as daxmfd saves them (root)
#   mountinfo/host-* and proc-maps/host-*: this host's own files
# The other seeds are written by hand from the kernel's and daxmf's formats.
#   tests/fuzz/make-seeds.sh BUILD_FUZZ_DIR
set -euo pipefail
build=$(realpath "$1")
cd "$(dirname "$0")"
corpus=$PWD/corpus

"$build/tests/fuzz/fuzz-make-seeds" "$corpus"

# Real mounts and mappings, whatever this host has (a line with a space escaped among them below).
head -c 4096 /proc/self/mountinfo | sed '$d' > "$corpus/mountinfo/host-mountinfo"
sleep 30 & pid=$!
head -c 4096 "/proc/$pid/maps" | sed '$d' > "$corpus/proc-maps/host-sleep-maps"
kill "$pid"

[ "$(id -u)" -eq 0 ] || { echo "not root: inventory seeds left as they are"; exit 0; }
work=$(mktemp -d)
cleanup() {
	umount "$work/mnt" 2>/dev/null || true
	[ -n "${loop:-}" ] && losetup -d "$loop" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/mnt" "$corpus/inventory"
for fs in xfs ext4; do
	truncate -s 320M "$work/img"
	if [ "$fs" = xfs ]; then
		mkfs.xfs -q -f -m rmapbt=1,reflink=1 "$work/img"
	else
		mkfs.ext4 -q -F "$work/img"
	fi
	loop=$(losetup --show -f "$work/img")
	mount "$loop" "$work/mnt"
	mkdir -p "$work/mnt/dir with space/sub"
	head -c 65536 /dev/urandom > "$work/mnt/data.bin"
	head -c 12288 /dev/urandom > "$work/mnt/dir with space/sub/file"
	ln "$work/mnt/data.bin" "$work/mnt/dir with space/hardlink"
	[ "$fs" = xfs ] && cp --reflink=always "$work/mnt/data.bin" "$work/mnt/reflinked"
	sync
	echo "0 4096" > "$work/ranges"
	"$build/tests/inventory-check" "$work/mnt" "$work/ranges" "$work" "pmem-$fs" >/dev/null
	cp "$work/pmem-$fs.inv" "$corpus/inventory/$fs.inv"
	umount "$work/mnt"
	losetup -d "$loop"
	loop=
	rm -f "$work/img"
done
ls -l "$corpus/inventory"
