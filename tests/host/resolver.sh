#!/bin/bash
# The resolver against real filesystems on loop devices: XFS (reflink,
# rmapbt) and ext4, each with files at known places, a reflinked copy, hard
# links, and ranges over metadata and free space.  `daxmfctl --json files`
# must name exactly the expected owners and paths, nothing else.
# Needs root and loop devices; skipped (77) without them.
# The inventory (daxmfd's snapshot) must give the same owners as the live
# filesystem over the whole device, and `daxmfctl files` answers from it
# once the filesystem is unmounted.
# usage: resolver.sh DAXMFCTL INVENTORY_CHECK
set -euo pipefail

daxmfctl=$1 inventory_check=$2
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

	# Many ranges at once: the same answers as one by one.
	printf '%s 4096\n%s 4096\n' $((a + 8192)) "$alone" > "$work/ranges.txt"
	if "$daxmfctl" --json files "$loop" --ranges "$work/ranges.txt" > "$work/many.json" &&
	   one=$("$daxmfctl" --json files "$loop" "$alone" 4096) &&
	   python3 - "$work/many.json" "$one" <<'PY'
import json, sys
many = json.load(open(sys.argv[1]))
one = json.loads(sys.argv[2])
assert [r["offset"] for r in many["ranges"]] == [int(x.split()[0]) for x in open(sys.argv[1].replace("many.json", "ranges.txt"))]
assert many["ranges"][1]["owners"] == one["owners"], (many["ranges"][1], one["owners"])
assert any(o["kind"] == "file" and "dir/a" in o["paths"] for o in many["ranges"][0]["owners"])
PY
	then pass "$fs: --ranges gives each range's owners, in order"; else fail "$fs: --ranges"; fi
	printf '0 4096\nnot-a-number 4096\n' > "$work/bad-ranges.txt"
	if "$daxmfctl" files "$loop" --ranges "$work/bad-ranges.txt" 2> "$work/err.txt"; then
		fail "$fs: a bad ranges file is refused"
	else
		grep -q "bad-ranges.txt:2: OFFSET is not a number" "$work/err.txt" && pass "$fs: a bad ranges file: line and reason" ||
			fail "$fs: bad ranges file: $(cat "$work/err.txt")"
	fi

	# The inventory against the live answers, 64 KiB at a time over the whole device.
	seq 0 65536 $((512 * 1024 * 1024 - 65536)) | sed 's/$/ 65536/' > "$work/all.txt"
	mkdir -p "$work/state/inventory"
	if out=$("$inventory_check" "$m" "$work/all.txt" "$work/state/inventory" "$(basename "$loop")"); then
		pass "$fs: inventory equals the live filesystem over the whole device ${out#\# }"
	else
		echo "$out"; fail "$fs: inventory differs from the live filesystem"
	fi
	live=$("$daxmfctl" --json files "$loop" "$alone" 4096)

	umount "$work/mnt"
	# Not mounted: the answer comes from the inventory, and says so.
	if inv=$(DAXMF_STATE_DIRECTORY=$work/state "$daxmfctl" --json files "$loop" "$alone" 4096) &&
	   python3 - "$live" "$inv" <<'PY'
import json, sys
live, inv = json.loads(sys.argv[1]), json.loads(sys.argv[2])
assert live["source"] == "live" and inv["source"] == "inventory", (live["source"], inv["source"])
assert inv["inventory_realtime_usec"] > 0
assert [o for o in live["owners"] if o["kind"] != "free"] == inv["owners"], (live["owners"], inv["owners"])
PY
	then pass "$fs: unmounted, daxmfctl files answers from the inventory, as live"; else fail "$fs: files from the inventory"; fi
	if DAXMF_STATE_DIRECTORY=$work/nowhere "$daxmfctl" files "$loop" 0 4096 2> "$work/err.txt"; then
		fail "$fs: unmounted without an inventory is refused"
	else
		grep -q "is not mounted, and daxmfd has no inventory of it" "$work/err.txt" && pass "$fs: unmounted, no inventory: clear error" ||
			fail "$fs: $(cat "$work/err.txt")"
	fi
	rm -rf "$work/state"

	losetup -d "$loop"
	loop=
done

# Bad input: a clear error and a non-zero exit.
if "$daxmfctl" files /nonexistent 0 4096 2>err.txt; then fail "a missing device is refused"; else
	grep -q "not a block device" err.txt && pass "a missing device: clear error" || fail "$(cat err.txt)"; fi
rm -f err.txt
[ "$failures" = 0 ]
