#!/bin/bash
# Benchmark: name every file behind 1,000 bad ranges of an XFS filesystem
# (reflink, rmapbt) holding 100,000 files with reflinked copies and hard
# links, from a cold cache, with daxmfctl and with the best stock-tool
# script (one `xfs_io -c fsmap` dump, one `find -printf '%i %P'` walk, a
# sorted join in awk).  Prints both times and their ratio; fails only when
# the two answers differ.  Needs root (loop device, mount, drop_caches).
#
# usage: resolve.sh DAXMFCTL POPULATE [FILES] [RANGES]
set -euo pipefail

daxmfctl=$1 populate=$2 files=${3:-100000} nranges=${4:-1000}
[ "$(id -u)" = 0 ] || { echo "skip: needs root (loop devices, mount, drop_caches)"; exit 77; }
for t in losetup mkfs.xfs xfs_io python3 find awk; do
	command -v $t >/dev/null || { echo "skip: $t missing"; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/daxmf-bench.XXXXXX")
loop=
cleanup() {
	mountpoint -q "$work/mnt" && umount "$work/mnt"
	[ -n "$loop" ] && losetup -d "$loop"
	rm -rf "$work"
}
trap cleanup EXIT
mkdir "$work/mnt"
mnt=$work/mnt

truncate -s 2G "$work/fs.img"
mkfs.xfs -q -f -m reflink=1,rmapbt=1 "$work/fs.img"
loop=$(losetup -f --show "$work/fs.img")
mount "$loop" "$mnt"
usec() { echo "${EPOCHREALTIME/./}"; }
seconds() { printf '%d.%06d' $(($1 / 1000000)) $(($1 % 1000000)); }
t0=$(usec)
"$populate" "$mnt" "$files"
echo "# tree: $files files ($((files / 10)) reflinked copies, $((files / 10)) hard links), made in $(seconds $(($(usec) - t0))) s"

# The bad ranges: one 4 KiB block each, 90% inside extents some file owns,
# the rest anywhere in the used part of the device (metadata, free space).
xfs_io -c "fsmap -d -m" "$mnt" > "$work/fsmap-pick.csv"
python3 - "$work/fsmap-pick.csv" "$nranges" > "$work/ranges.txt" <<'PY'
import random, sys
random.seed(20261124)
recs = []
top = 0
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split(",")
    if f[0] == "EXT":
        continue
    start, end = int(f[3]) * 512, (int(f[4]) + 1) * 512
    top = max(top, end)
    if f[5].startswith("inode_"):
        recs.append((start, end))
n = int(sys.argv[2])
picked = set()
while len(picked) < n:
    if random.random() < 0.9:
        s, e = random.choice(recs)
        off = s + random.randrange(0, (e - s) // 4096) * 4096
    else:
        off = random.randrange(0, top // 4096) * 4096
    picked.add(off)
for off in sorted(picked):
    print(off, 4096)
PY

cold() { sync; echo 3 > /proc/sys/vm/drop_caches; }
warm() { :; }

# run_ours CACHE: daxmfctl, one command; its time in $ours (microseconds).
run_ours() {
	$1
	local a=$(usec)
	"$daxmfctl" --json files "$loop" --ranges "$work/ranges.txt" > "$work/daxmfctl.json"
	ours=$(($(usec) - a))
}

# run_stock CACHE: the stock tools; the time in $stock.
run_stock() {
	$1
	local a=$(usec)
	xfs_io -c "fsmap -d -m" "$mnt" > "$work/fsmap.csv"
	find "$mnt" -xdev -printf '%i %P\n' > "$work/names.txt"
	# Ranges and records both sorted by start: a sweep finds each record's overlapping ranges.
	sort -t, -k4,4n "$work/fsmap.csv" | awk -F'[ ,]' -v ranges="$work/ranges.txt" -v names="$work/names.txt" '
		BEGIN {
			while ((getline line < ranges) > 0) { split(line, f, " "); n++; rs[n] = f[1]; re[n] = f[1] + f[2] }
			while ((getline line < names) > 0) {
				sp = index(line, " "); ino = substr(line, 1, sp - 1); path = substr(line, sp + 1)
				# (mawk creates name[ino] before it evaluates the right side: test first.)
				if (ino in name) path = name[ino] "\n" path
				name[ino] = path
			}
			first = 1
		}
		$6 ~ /^inode_/ {
			ps = $4 * 512; pe = ($5 + 1) * 512
			split($6, o, "_"); ino = o[2]
			# Ranges never overlap each other: those ending before this record are done for good.
			while (first <= n && re[first] <= ps) first++
			for (i = first; i <= n && rs[i] < pe; i++)
				if (re[i] > ps && (ino in name)) {
					k = split(name[ino], p, "\n")
					for (j = 1; j <= k; j++) print rs[i], p[j]
				}
		}
	' | sort -u > "$work/stock.txt"
	stock=$(($(usec) - a))
}

ratio() { echo "$(($1 / $2)).$((($1 * 10 / $2) % 10))x"; }

# Cold: the page cache dropped before each (directories and reverse map read from the disk).
# Warm: the page cache as the first run left it; neither tool keeps anything between runs.
for cache in cold warm; do
	run_ours $cache
	run_stock $cache
	echo "$cache cache: daxmfctl files --ranges $(seconds "$ours") s, stock fsmap+find+join $(seconds "$stock") s: $(ratio "$stock" "$ours") faster"
done

python3 - "$work/daxmfctl.json" > "$work/ours.txt" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
out = set()
for r in doc["ranges"]:
    for o in r["owners"]:
        if o["kind"] == "file":
            for p in o["paths"]:
                out.add("%d %s" % (r["offset"], p))
for line in sorted(out):
    print(line)
PY
sort -u -o "$work/ours.txt" "$work/ours.txt"

hits=$(wc -l < "$work/ours.txt")
echo "# $nranges bad ranges -> $hits (range, path) answers"
if ! cmp -s "$work/ours.txt" "$work/stock.txt"; then
	echo "not ok - the answers differ:"
	diff "$work/stock.txt" "$work/ours.txt" | head -20
	exit 1
fi
echo "ok - identical answers"
