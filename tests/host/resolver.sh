#!/bin/bash
# The resolver against real filesystems on loop devices: XFS (reflink,
# rmapbt) and ext4, each with files at known places, a reflinked copy, hard
# links, and ranges over metadata and free space.  `daxmfctl --json files`
# must name exactly the expected owners and paths, nothing else.
# Needs root and loop devices; skipped (77) without them.
# usage: resolver.sh DAXMFCTL
set -euo pipefail

daxmfctl=$1
[ "$(id -u)" = 0 ] || { echo "skip: needs root (loop devices, mount)"; exit 77; }
for t in losetup mkfs.xfs mkfs.ext4 xfs_io python3; do
	command -v $t >/dev/null || { echo "skip: $t missing"; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/daxmf-resolver.XXXXXX")
loop=
cleanup() {
	mountpoint -q "$work/mnt" && umount "$work/mnt"
	[ -n "$loop" ] && losetup -d "$loop"
	rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/mnt"
failures=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failures=$((failures + 1)); }

# The device offset (bytes) of a file's first extent.
first_extent() { xfs_io -c "fiemap -v" "$1" | awk 'NR == 3 { split($3, a, "."); print a[1] * 512 }'; }

# check NAME OFFSET LENGTH EXPECTED: EXPECTED is a Python list of
# (kind, owner-or-paths, file_offset) tuples, compared as a set.
check() {
	local name=$1 offset=$2 length=$3 expected=$4 out
	out=$("$daxmfctl" --json files "$loop" "$offset" "$length") || { fail "$name: daxmfctl failed"; return; }
	if python3 - "$expected" "$out" <<'PY'
import json, sys
want = set(eval(sys.argv[1]))
doc = json.loads(sys.argv[2])
got = set()
for o in doc["owners"]:
    if o["kind"] == "file":
        got.add(("file", tuple(sorted(o["paths"])), o["file_offset"], o["shared"]))
    else:
        got.add((o["kind"], o["owner"], None, None))
if got != want:
    print("# want:", sorted(want, key=str))
    print("# got: ", sorted(got, key=str))
    sys.exit(1)
PY
	then pass "$name"; else fail "$name"; fi
}

for fs in xfs ext4; do
	truncate -s 512M "$work/$fs.img"
	if [ $fs = xfs ]; then
		mkfs.xfs -q -f -m reflink=1,rmapbt=1 "$work/$fs.img"
	else
		mkfs.ext4 -q -F -b 4096 "$work/$fs.img"
	fi
	loop=$(losetup -f --show "$work/$fs.img")
	mount "$loop" "$work/mnt"
	m=$work/mnt
	mkdir "$m/dir" "$m/other"
	xfs_io -f -c "pwrite -q -S 0x61 0 256k" -c fsync "$m/dir/a"
	xfs_io -f -c "pwrite -q -S 0x62 0 64k" -c fsync "$m/alone"
	ln "$m/dir/a" "$m/other/a-link"
	ln "$m/dir/a" "$m/a space"
	[ $fs = xfs ] && cp --reflink=always "$m/dir/a" "$m/dir/a-copy"
	sync

	a=$(first_extent "$m/dir/a")
	alone=$(first_extent "$m/alone")
	a_names="('a space', 'dir/a', 'other/a-link')"
	if [ $fs = xfs ]; then
		check "$fs: one page of a reflinked file names it (3 names) and its copy, at file offset 8 KiB" \
			$((a + 8192)) 4096 \
			"[('file', $a_names, 8192, True), ('file', ('dir/a-copy',), 8192, True)]"
	else
		check "$fs: one page of a hard-linked file names all 3 names, at file offset 8 KiB" \
			$((a + 8192)) 4096 "[('file', $a_names, 8192, False)]"
	fi
	check "$fs: a lone file, unshared, at file offset 0" "$alone" 4096 "[('file', ('alone',), 0, False)]"
	check "$fs: the superblock is filesystem metadata" 0 4096 \
		"[('metadata', 'filesystem metadata (superblock, static)', None, None)]"
	check "$fs: far past the data, free space" $((400 * 1024 * 1024)) 4096 "[('free', 'free space', None, None)]"

	umount "$work/mnt"
	losetup -d "$loop"
	loop=
done

# Bad input: a clear error and a non-zero exit.
if "$daxmfctl" files /nonexistent 0 4096 2>err.txt; then fail "a missing device is refused"; else
	grep -q "not a block device" err.txt && pass "a missing device: clear error" || fail "$(cat err.txt)"; fi
rm -f err.txt
[ "$failures" = 0 ]
