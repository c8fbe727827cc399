#!/bin/bash
# daxmfctl on the host, without the module or daxmfd:
# - every command's usage errors: exit 2, the reason on stderr, and with
#   --json the same as {"error": {...}} on stdout;
# - status, rescan and inventory --refresh without daxmfd: exit 1, "cannot
#   reach daxmfd";
# - files and scan on a real XFS (reflink, rmapbt) on a loop device, with a
#   process mapping a page of a reflinked copy and bytes of the device node:
#   the JSON's shape and values, owners and processes; scan reads a made-up
#   sysfs ($DAXMF_SYSFS_ROOT) with the loop device's badblocks, a list cut
#   short as sysfs cuts it, bad lines, and pmem disks that do not exist;
# - inventory listings of real inventories (inventory-check builds them), a
#   damaged one, one set aside, and none at all.
# What needs pmem (scan of a real pmem disk's badblocks, inventory --refresh
# through daxmfd) is tested in the VM, not here.
# Needs root for the loop device; without it only the first two parts run.
# usage: cli.sh DAXMFCTL INVENTORY_CHECK
set -euo pipefail

daxmfctl=$1 inventory_check=$2
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/daxmf-cli.XXXXXX")
loop= helper=
cleanup() {
	set +e
	if [ -n "$helper" ]; then kill "$helper" 2>/dev/null; wait "$helper" 2>/dev/null; fi
	mountpoint -q "$work/mnt" && umount "$work/mnt"
	[ -n "$loop" ] && losetup -d "$loop"
	rm -rf "$work"
}
trap cleanup EXIT
failures=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failures=$((failures + 1)); }
# run ARGS...: daxmfctl with stdout in $work/out, stderr in $work/err, the exit status in $rc.
run() { rc=0; "$daxmfctl" "$@" >"$work/out" 2>"$work/err" || rc=$?; }

# usage COMMAND|- NEEDLE ARGS...: a usage error naming NEEDLE, told the same way with --json.
usage() {
	local command=$1 needle=$2
	shift 2
	run "$@"
	if [ $rc != 2 ] || [ -s "$work/out" ] || ! grep -qF -- "$needle" "$work/err" || [ "$(wc -l <"$work/err")" != 1 ]; then
		fail "usage error '$*': exit $rc, stderr: $(cat "$work/err"), stdout: $(head -c 200 "$work/out")"
		return
	fi
	cp "$work/err" "$work/human-err"
	run --json "$@"
	if [ $rc = 2 ] && cmp -s "$work/err" "$work/human-err" &&
	   python3 - "$command" "$work/out" "$work/err" <<'PY'
import json, sys
command, out, err = sys.argv[1], json.load(open(sys.argv[2])), open(sys.argv[3]).read()
want = {"error": {"command": None if command == "-" else command, "errno": 22, "name": "EINVAL",
                  "description": "Invalid argument", "message": err.rstrip("\n").removeprefix("daxmfctl: "),
                  "pfn": None, "missing_attribute": None, "usage": True}}
if out != want:
    print("# want:", want)
    print("# got: ", out)
    sys.exit(1)
PY
	then pass "usage error, also as JSON: daxmfctl $* -> $needle"
	else fail "usage error with --json: daxmfctl --json $*: exit $rc, $(cat "$work/out")"
	fi
}

usage - "no command given"
usage - "unknown command 'frobnicate'" frobnicate
usage info "unknown option '--bogus'" info --bogus
usage info "unknown option '-x'" info -x
usage info "unexpected argument 'extra'" info extra
usage version "unexpected argument 'x'" version x
usage fail-range "add --yes to do it" fail-range --pfn 0x40018 --pages 16
usage fail-range "--pfn: '12abc' is not a number" fail-range --yes --pfn 12abc --pages 1
usage fail-range "--flags: '0x100000000' does not fit in 32 bits" fail-range --yes --flags 0x100000000
usage fail-range "--count is only for 'monitor'" fail-range --yes --count 1
usage monitor "'--count' needs a value" monitor --count
usage monitor "only for 'fail-range'" monitor --simulated
usage status "unexpected argument 'pmem0'" status pmem0
usage status "--refresh is only for 'inventory'" status --refresh
usage rescan "--yes is only for 'fail-range'" rescan --yes
usage files "files needs DEVICE OFFSET LENGTH" files pmem0 0
usage files "OFFSET 'x' is not a number" files pmem0 x 4096
usage files "LENGTH '0' is not a number above 0" files pmem0 0 0
usage files "OFFSET + LENGTH overflows" files pmem0 0xffffffffffffffff 2
usage files "files --ranges FILE takes DEVICE alone" files pmem0 0 1 --ranges r
usage files "unexpected argument '9'" files pmem0 0 1 9
usage files "--since, --until, --device, --file and --directory are only for 'report'" files pmem0 0 1 --device pmem1
usage scan "scan takes at most one DEVICE ('pmem1' is one too many)" scan pmem0 pmem1
usage scan "scan: DEVICE is empty" scan ""
usage scan "--ranges and --inventory are only for 'files'" scan --inventory
usage scan "--refresh is only for 'inventory'" scan --refresh
usage inventory "inventory takes at most one DEVICE ('b' is one too many)" inventory --refresh a b
usage inventory "only for 'report'" inventory --since -1h
usage report "--since: 'later' is not a time" report --since later
usage report "--until: '2026-02-30' is not a time" report --until 2026-02-30
usage report "--since is after --until" report --since @200 --until @100
usage report "--until: '@0' is the epoch itself" report --until @0
usage report "--file: 'mnt/f' is not an absolute path" report --file mnt/f
usage report "--device needs a device name" report --device ""
usage report "unexpected argument 'pmem0'" report pmem0
usage report "--yes is only for 'fail-range'" report --yes
# -j, and --json after an error, are JSON requests too.
run -j scan a b
[ $rc = 2 ] && python3 -c 'import json,sys; e = json.load(open(sys.argv[1]))["error"]; assert e["usage"] and e["command"] == "scan"' "$work/out" &&
	pass "-j: the usage error as JSON" || fail "-j usage error: $rc $(cat "$work/out")"
run info --bogus --json
[ $rc = 2 ] && grep -q '"usage":true' "$work/out" && pass "--json after the bad option: JSON too" || fail "--json after: $(cat "$work/out")"
# An option's value is not a request for JSON.
run report --since -j
[ $rc = 2 ] && [ ! -s "$work/out" ] && pass "'--since -j': -j is the time, no JSON" || fail "'--since -j': $(cat "$work/out")"
run help
[ $rc = 0 ] && grep -q '^  scan \[DEVICE\]' "$work/out" && grep -q 'inventory \[--refresh\] \[DEVICE\]' "$work/out" &&
	pass "help: exit 0, lists scan and inventory" || fail "help: $rc"

# Without daxmfd: a clear error, exit 1.
export DAXMF_CONTROL_SOCKET=$work/no-daxmfd
for args in "status" "rescan" "inventory --refresh" "inventory --refresh pmem0"; do
	command=${args%% *}
	# shellcheck disable=SC2086
	run $args
	if [ $rc = 1 ] && grep -q "^daxmfctl: $command: ENOENT (No such file or directory): cannot reach daxmfd at $work/no-daxmfd (is it running?)$" "$work/err"; then
		# shellcheck disable=SC2086
		run --json $args
		if [ $rc = 1 ] && python3 - "$work/out" "$command" <<'PY'
import json, sys
e = json.load(open(sys.argv[1]))["error"]
assert e["command"] == sys.argv[2] and e["name"] == "ENOENT" and e["message"].startswith("cannot reach daxmfd at "), e
assert "usage" not in e
PY
		then pass "$args without daxmfd: exit 1, cannot reach daxmfd (also as JSON)"
		else fail "$args --json without daxmfd: $rc $(cat "$work/out")"
		fi
	else
		fail "$args without daxmfd: exit $rc, $(cat "$work/err")"
	fi
done
unset DAXMF_CONTROL_SOCKET

# inventory without any: nothing to list, exit 0; a device asked for: exit 1.
export DAXMF_STATE_DIRECTORY=$work/no-state
run inventory
[ $rc = 0 ] && [ "$(cat "$work/out")" = "No inventories in $work/no-state/inventory" ] && pass "inventory: none" ||
	fail "inventory without any: $rc $(cat "$work/out" "$work/err")"
run --json inventory
[ $rc = 0 ] && python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == {"directory": sys.argv[2], "inventories": []}' \
	"$work/out" "$work/no-state/inventory" && pass "inventory --json: none" || fail "inventory --json without any: $(cat "$work/out")"
run --json inventory pmem0
[ $rc = 1 ] && python3 -c 'import json,sys; e = json.load(open(sys.argv[1]))["error"]; assert e["name"] == "ENOENT" and e["message"] == "daxmfd has no inventory of pmem0 in " + sys.argv[2], e' \
	"$work/out" "$work/no-state/inventory" && pass "inventory pmem0 without one: exit 1, ENOENT" || fail "inventory pmem0: $rc $(cat "$work/out")"
unset DAXMF_STATE_DIRECTORY

# scan, real sysfs: this host's pmem disks (usually none); an unknown device.
run --json scan
if ls -d /sys/block/pmem* >/dev/null 2>&1; then
	echo "# this host has pmem disks: 'no pmem disks' is checked on a made-up sysfs only"
else
	[ $rc = 0 ] && python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == {"disks": []}' "$work/out" &&
		run scan && [ "$(cat "$work/out")" = "no pmem disks (/sys/block/pmem*)" ] && pass "scan: no pmem disks, exit 0" ||
		fail "scan without pmem disks: $rc $(cat "$work/out")"
fi
mkdir -p "$work/empty-sys/block"
DAXMF_SYSFS_ROOT=$work/empty-sys run --json scan
[ $rc = 0 ] && python3 -c 'import json,sys; assert json.load(open(sys.argv[1])) == {"disks": []}' "$work/out" &&
	pass "scan, a sysfs without pmem disks: {\"disks\": []}" || fail "scan on an empty sysfs: $rc $(cat "$work/out")"
run --json scan pmem77
[ $rc = 1 ] && python3 -c 'import json,sys; e = json.load(open(sys.argv[1]))["error"]; assert e["name"] == "ENODEV" and "'"'"'pmem77'"'"' is not a block device" in e["message"], e' "$work/out" &&
	pass "scan of an unknown device: exit 1, ENODEV" || fail "scan pmem77: $rc $(cat "$work/out")"

[ "$(id -u)" = 0 ] || { echo "skip: the rest needs root (loop device, mount)"; [ "$failures" = 0 ] && exit 77; exit 1; }
for t in losetup mkfs.xfs xfs_io; do
	command -v $t >/dev/null || { echo "skip: $t missing"; [ "$failures" = 0 ] && exit 77; exit 1; }
done

# XFS with reflink and the reverse map; a, its reflinked copy b, and c.
truncate -s 512M "$work/xfs.img"
mkfs.xfs -q -f -m reflink=1,rmapbt=1 "$work/xfs.img"
loop=$(losetup -f --show "$work/xfs.img")
disk=$(basename "$loop")
mkdir "$work/mnt"
mount "$loop" "$work/mnt"
m=$work/mnt
xfs_io -f -c "pwrite -q -S 0x61 0 256k" -c fsync "$m/a"
cp --reflink=always "$m/a" "$m/b"
xfs_io -f -c "pwrite -q -S 0x63 0 64k" -c fsync "$m/c"
sync
first_extent() { xfs_io -c "fiemap -v" "$1" | awk 'NR == 3 { split($3, a, "."); print a[1] * 512 }'; }
a=$(first_extent "$m/a")
c=$(first_extent "$m/c")

# A process mapping page 2 of b (file bytes 8192..12287, through the page
# cache: a loop device is not DAX) and the first 64 KiB of a's extent on the device node.
python3 - "$m/b" "$loop" "$a" "$work/ready" <<'PY' &
import mmap, sys, time
b, dev, a, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
fb = open(b, "rb")
mb = mmap.mmap(fb.fileno(), 4096, prot=mmap.PROT_READ, offset=8192)
fd = open(dev, "rb")
md = mmap.mmap(fd.fileno(), 65536, prot=mmap.PROT_READ, offset=a)
mb[0], md[0]
open(ready, "w").close()
time.sleep(600)
PY
helper=$!
for _ in $(seq 100); do [ -e "$work/ready" ] && break; sleep 0.1; done
[ -e "$work/ready" ] || { fail "the mapping process did not start"; exit 1; }
# Where the kernel says it mapped them: start address and offset of each mapping.
maps_line() {
	local range perms off dev inode path
	while read -r range perms off dev inode path; do
		[ "$path" = "$1" ] && { echo $((16#${range%-*})) $((16#${range#*-})) $((16#$off)); return; }
	done <"/proc/$helper/maps"
}
read -r b_start b_end b_off <<<"$(maps_line "$m/b")"
read -r d_start d_end d_off <<<"$(maps_line "$loop")"
echo "# process $helper maps $m/b at $b_start (offset $b_off), $loop at $d_start (offset $d_off); a at device byte $a"

# check_json NAME FILE CODE: CODE (Python asserts on doc, with the expected
# owners and hits built from what the kernel says of the process's mappings).
check_json() {
	local name=$1 file=$2 code=$3
	if python3 - "$file" "$helper" "$m" "$loop" "$a" "$b_start" "$b_end" "$b_off" "$d_start" "$d_end" "$d_off" "$c" "$disk" <<PY
import json, sys
doc = json.load(open(sys.argv[1]))
pid, m, loop, a, b_start, b_end, b_off, d_start, d_end, d_off, c, disk = (
    int(sys.argv[2]), sys.argv[3], sys.argv[4], int(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7]),
    int(sys.argv[8]), int(sys.argv[9]), int(sys.argv[10]), int(sys.argv[11]), int(sys.argv[12]), sys.argv[13])
def b_hit(file_offset, length):
    return {"pid": pid, "comm": "python3", "unit": unit, "path": m + "/b", "maps": "file", "inode": b_inode,
            "file_offset": file_offset, "length": length, "address": b_start + file_offset - b_off,
            "mapping_start": b_start, "mapping_end": b_end - 1, "mapping_offset": b_off}
def dev_hit(offset, length):
    return {"pid": pid, "comm": "python3", "unit": unit, "path": loop, "maps": "device",
            "device_offset": offset, "length": length, "address": d_start + offset - d_off,
            "mapping_start": d_start, "mapping_end": d_end - 1, "mapping_offset": d_off}
import os
b_inode = os.stat(m + "/b").st_ino
a_inode = os.stat(m + "/a").st_ino
unit = None
for line in open("/proc/%d/cgroup" % pid):
    if "::/" in line:
        parts = [p for p in line.strip().split("::/", 1)[1].split("/") if p.endswith(".service") or p.endswith(".scope")]
        unit = parts[-1] if parts else None
def owner(inode, name, device_offset, file_offset, length=4096):
    return {"kind": "file", "device_offset": device_offset, "length": length, "inode": inode, "paths": [name],
            "file_offset": file_offset, "shared": True, "unwritten": False, "attr_fork": False, "extent_map": False}
$code
PY
	then pass "$name"; else fail "$name"; fi
}

# files: page 2 of a and b -> both owners; the process through b and through the device.
run --json files "$loop" $((a + 8192)) 4096
[ $rc = 0 ] || fail "files: exit $rc $(cat "$work/err")"
check_json "files: a and b own the page; the process maps it through b (file offset 8192) and the device node" "$work/out" '
assert set(doc) == {"device", "mountpoint", "fstype", "source", "offset", "length", "owners", "processes"}, sorted(doc)
assert (doc["device"], doc["mountpoint"], doc["fstype"], doc["source"]) == (loop, m, "xfs", "live"), doc
assert (doc["offset"], doc["length"]) == (a + 8192, 4096)
owners = sorted(doc["owners"], key=lambda o: o["inode"])
assert owners == [owner(a_inode, "a", a + 8192, 8192), owner(b_inode, "b", a + 8192, 8192)], owners
want = sorted([b_hit(8192, 4096), dev_hit(a + 8192, 4096)], key=lambda h: h["address"])
got = sorted(doc["processes"], key=lambda h: h["address"])
assert got == want, (got, want)
'
# A range the process maps neither way: page 16 of a and b (past its 64 KiB of the device, outside b's page 2).
run --json files "$loop" $((a + 65536)) 4096
check_json "files: a page nobody maps: owners, no process" "$work/out" '
assert len(doc["owners"]) == 2 and doc["processes"] == [], doc
'
# Straddling: the last page of the device mapping and page 16.
run --json files "$loop" $((a + 61440)) 8192
check_json "files: a range half in the device mapping: only that half" "$work/out" '
assert doc["processes"] == [dev_hit(a + 61440, 4096)], doc["processes"]
'
run --json files "$loop" "$c" 4096
check_json "files: c, mapped by nobody" "$work/out" '
assert [o["paths"] for o in doc["owners"]] == [["c"]] and doc["processes"] == [], doc
'
printf '%s 4096\n%s 4096\n' $((a + 8192)) "$c" >"$work/ranges"
run --json files "$loop" --ranges "$work/ranges"
check_json "files --ranges: processes per range" "$work/out" '
r = doc["ranges"]
assert [x["offset"] for x in r] == [a + 8192, c], r
assert sorted(r[0]["processes"], key=lambda h: h["address"]) == sorted([b_hit(8192, 4096), dev_hit(a + 8192, 4096)], key=lambda h: h["address"])
assert r[1]["processes"] == []
assert set(r[0]) == {"offset", "length", "owners", "processes"}, sorted(r[0])
'
run files "$loop" $((a + 8192)) 4096
[ $rc = 0 ] && grep -q "^PROCESSES$" "$work/out" &&
	grep -q "^$helper *python3.* maps $m/b file bytes 0x2000-0x2fff at 0x" "$work/out" &&
	grep -q "^$helper *python3.* maps $loop device bytes $(printf '0x%x-0x%x' $((a + 8192)) $((a + 12287))) at 0x" "$work/out" &&
	pass "files: the processes in the human output" || { sed 's/^/# /' "$work/out"; fail "files human output"; }
run files "$loop" "$c" 4096
grep -q "^no process maps these bytes$" "$work/out" && pass "files: 'no process maps these bytes'" || fail "files human, c"

# scan on a made-up sysfs: the loop device's badblocks (sector 0, and a's page 2).
sys=$work/sys
mkdir -p "$sys/block/$disk"
printf '0 1\n%d 8\n' $(((a + 8192) / 512)) >"$sys/block/$disk/badblocks"
DAXMF_SYSFS_ROOT=$sys run --json scan "$loop"
[ $rc = 0 ] && [ ! -s "$work/err" ] || fail "scan $loop: exit $rc, $(cat "$work/err")"
check_json "scan: the loop device's two bad ranges, their owners and the process" "$work/out" '
assert list(doc) == ["disks"] and len(doc["disks"]) == 1, doc
d = doc["disks"][0]
assert list(d) == ["device", "path", "namespace", "mountpoint", "fstype", "source", "truncated", "bad_ranges"], list(d)
assert (d["device"], d["path"], d["namespace"], d["mountpoint"], d["fstype"], d["source"], d["truncated"]) == (disk, loop, None, m, "xfs", "live", False), d
r = d["bad_ranges"]
assert [(x["sector"], x["sectors"], x["offset"], x["length"]) for x in r] == [(0, 1, 0, 512), ((a + 8192) // 512, 8, a + 8192, 4096)], r
assert r[0]["owners"] == [{"kind": "metadata", "device_offset": 0, "length": 512, "owner": "filesystem metadata (superblock, static)"}], r[0]
assert r[0]["processes"] == []
assert sorted(r[1]["owners"], key=lambda o: o["inode"]) == [owner(a_inode, "a", a + 8192, 8192), owner(b_inode, "b", a + 8192, 8192)]
assert sorted(r[1]["processes"], key=lambda h: h["address"]) == sorted([b_hit(8192, 4096), dev_hit(a + 8192, 4096)], key=lambda h: h["address"])
'
DAXMF_SYSFS_ROOT=$sys run scan "$disk"
[ $rc = 0 ] && grep -q "^$disk on $m (xfs): 2 bad ranges, owners from the live filesystem$" "$work/out" &&
	grep -q "^  sector $(((a + 8192) / 512)), 8 sectors: device bytes $(printf '0x%x-0x%x' $((a + 8192)) $((a + 12287)))$" "$work/out" &&
	grep -q "^  sector 0, 1 sector: device bytes 0x0-0x1ff$" "$work/out" && grep -q "^    $helper *python3" "$work/out" &&
	pass "scan: human output (by disk name too)" || { sed 's/^/# /' "$work/out"; fail "scan human output"; }
: >"$sys/block/$disk/badblocks"
DAXMF_SYSFS_ROOT=$sys run scan "$loop"
[ $rc = 0 ] && [ "$(cat "$work/out")" = "$disk on $m (xfs): no bad blocks" ] && pass "scan: no bad blocks" ||
	fail "scan, clean: $(cat "$work/out")"
# As sysfs shows a long list: one page, cut mid-line.
for i in $(seq 0 600); do echo "$((1000 + i * 16)) 1"; done >"$work/long-list"
head -c 4096 "$work/long-list" >"$sys/block/$disk/badblocks"
DAXMF_SYSFS_ROOT=$sys run --json scan "$loop"
[ $rc = 0 ] && grep -q "^daxmfctl: $disk: the bad block list is longer than sysfs shows (one page)" "$work/err" &&
	python3 - "$work/out" <<'PY' && pass "scan: a list cut short says truncated, and warns" || fail "scan truncated: $rc $(cat "$work/err")"
import json, sys
d = json.load(open(sys.argv[1]))["disks"][0]
text = open(sys.argv[1]).read()
assert d["truncated"] is True
whole = [(1000 + i * 16, 1) for i in range(601)]
got = [(r["sector"], r["sectors"]) for r in d["bad_ranges"]]
assert got == whole[:len(got)] and 300 < len(got) < 601, len(got)
PY
printf '12 x\n' >"$sys/block/$disk/badblocks"
DAXMF_SYSFS_ROOT=$sys run scan "$loop"
[ $rc = 1 ] && grep -q "badblocks: line 1 is not 'SECTOR COUNT'" "$work/err" && pass "scan: a bad line, exit 1" ||
	fail "scan, bad line: $rc $(cat "$work/err")"
run scan "$loop"
[ $rc = 1 ] && grep -q "cannot read /sys/block/$disk/badblocks (only pmem disks keep a bad block list)" "$work/err" &&
	pass "scan of a disk without badblocks: exit 1, says why" || fail "scan, no badblocks: $rc $(cat "$work/err")"

# Every pmem disk of a made-up sysfs, none of them real: one with a bad
# range (no filesystem, no inventory: owners unknown), clean ones, one
# without a readable list; pmem10 after pmem2.
if [ -e /dev/pmem0 ] || [ -e /dev/pmem1 ]; then
	echo "# this host has /dev/pmem0: the made-up pmem disks are skipped"
else
	mkdir -p "$sys/block/pmem0" "$sys/block/pmem1" "$sys/block/pmem2" "$sys/block/pmem10"
	echo "8 8" >"$sys/block/pmem0/badblocks"
	: >"$sys/block/pmem1/badblocks"
	: >"$sys/block/pmem10/badblocks"
	DAXMF_STATE_DIRECTORY=$work/no-state DAXMF_SYSFS_ROOT=$sys run --json scan
	[ $rc = 1 ] && grep -q "^daxmfctl: pmem2: cannot read $sys/block/pmem2/badblocks" "$work/err" &&
		python3 - "$work/out" "$work/no-state/inventory" <<'PY' && pass "scan of every pmem disk: each its answer, pmem2's error, exit 1" || fail "scan all: $rc $(cat "$work/out" "$work/err")"
import json, sys
disks = json.load(open(sys.argv[1]))["disks"]
assert [d["device"] for d in disks] == ["pmem0", "pmem1", "pmem2", "pmem10"], disks
p0, p1, p2, p10 = disks
assert p0["source"] is None and p0["source_missing"] == \
    "'/dev/pmem0' is not a block device, disk or namespace with a disk, and daxmfd has no inventory of it in " + sys.argv[2], p0
assert p0["bad_ranges"] == [{"sector": 8, "sectors": 8, "offset": 4096, "length": 4096, "owners": [], "processes": []}], p0
assert p1["bad_ranges"] == [] and p1["truncated"] is False and "error" not in p1
assert p2["error"]["name"] == "ENOENT" and "bad_ranges" not in p2, p2
assert p10["bad_ranges"] == []
PY
	DAXMF_STATE_DIRECTORY=$work/no-state DAXMF_SYSFS_ROOT=$sys run scan
	[ $rc = 1 ] && grep -q "^pmem0: 1 bad range$" "$work/out" && grep -q "^    owners unknown: '/dev/pmem0' is not a block device" "$work/out" &&
		grep -q "^pmem1: no bad blocks$" "$work/out" && grep -q "^pmem2: not scanned (see the error)$" "$work/out" &&
		pass "scan of every pmem disk: human output" || { sed 's/^/# /' "$work/out"; fail "scan all, human"; }
fi

# Inventories: a real one, a damaged one, one daxmfd set aside, a file that is none.
state=$work/state
mkdir -p "$state/inventory"
echo "0 4096" >"$work/one-range"
"$inventory_check" "$m" "$work/one-range" "$state/inventory" goodns >/dev/null
"$inventory_check" "$m" "$work/one-range" "$state/inventory" badns >/dev/null
printf 'XXXX' | dd of="$state/inventory/badns.inv" bs=1 seek=2000 conv=notrunc 2>/dev/null
cp "$state/inventory/goodns.inv" "$state/inventory/oldns.inv.corrupt"
echo "not an inventory" >"$state/inventory/junk.inv"
: >"$state/inventory/.goodns.inv.tmp"
export DAXMF_STATE_DIRECTORY=$state
run --json inventory
[ $rc = 0 ] && python3 - "$work/out" "$state/inventory" "$m" "$(stat -c '%t %T' "$loop")" <<'PY' && pass "inventory --json: good, damaged, set aside, junk; exit 0" || fail "inventory --json: $rc $(cat "$work/out" "$work/err")"
import json, os, sys, time
doc, d, m = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3]
major, minor = (int(x, 16) for x in sys.argv[4].split())
assert doc["directory"] == d
inv = {e["file"]: e for e in doc["inventories"]}
assert [e["file"] for e in doc["inventories"]] == ["badns.inv", "goodns.inv", "junk.inv", "oldns.inv.corrupt"], list(inv)
g = inv["goodns.inv"]
assert set(g) == {"file", "name", "set_aside", "size", "loads", "device", "disk", "major", "minor", "mountpoint", "fstype",
                  "data_start", "data_size", "built_realtime_usec", "built", "age_sec", "build_usec", "files", "extents", "names"}, sorted(g)
assert (g["name"], g["set_aside"], g["loads"], g["device"], g["disk"], g["mountpoint"], g["fstype"]) == \
    ("goodns", False, True, "goodns", "goodns", m, "test"), g
assert (g["major"], g["minor"]) == (major, minor), g
assert g["size"] == os.stat(d + "/goodns.inv").st_size
assert abs(g["built_realtime_usec"] / 1e6 - time.time()) < 120 and 0 <= g["age_sec"] < 120, g
assert g["files"] == 3 and g["extents"] > 0 and g["names"] >= 3, g
b = inv["badns.inv"]
assert (b["loads"], b["errno"], b["error"], b["device"], b["disk"]) == (False, 74, "EBADMSG", "badns", "badns"), b
assert b["reason"] and "built" not in b, b
j = inv["junk.inv"]
assert (j["loads"], j["error"]) == (False, "EBADMSG") and j["reason"] and "device" not in j, j
o = inv["oldns.inv.corrupt"]
assert (o["name"], o["set_aside"], o["loads"]) == ("oldns", True, True), o
PY
run inventory
[ $rc = 0 ] && sed 's/^/# /' "$work/out" && grep -q "^Inventories in $state/inventory:$" "$work/out" &&
	grep -q "^goodns.inv  *goodns (goodns, [0-9]*:[0-9]*) on $m (test), phys 0x0-0x0$" "$work/out" &&
	grep -q "^ *taken .* (.* s ago) in [0-9]* ms: 3 files, [0-9]* extents, [0-9]* names, [0-9]* bytes$" "$work/out" &&
	grep -q "^badns.inv  *does not load: .* (its header says badns, badns)$" "$work/out" &&
	grep -q "^junk.inv  *does not load: " "$work/out" && grep -q "^oldns.inv.corrupt .*(set aside by daxmfd, yet it loads)$" "$work/out" &&
	pass "inventory: the listing" || fail "inventory listing: $rc"
# By name: its file, and the one set aside whose header names it too.
run --json inventory goodns
[ $rc = 0 ] && python3 -c 'import json,sys; assert [e["file"] for e in json.load(open(sys.argv[1]))["inventories"]] == ["goodns.inv", "oldns.inv.corrupt"]' "$work/out" &&
	pass "inventory goodns: its inventories, exit 0" || fail "inventory goodns: $rc $(cat "$work/out")"
run --json inventory badns
[ $rc = 1 ] && grep -q "the inventory of badns does not load" "$work/err" &&
	python3 -c 'import json,sys; e = json.load(open(sys.argv[1]))["inventories"]; assert [(x["file"], x["loads"]) for x in e] == [("badns.inv", False)], e' "$work/out" &&
	pass "inventory badns (damaged): listed, exit 1" || fail "inventory badns: $rc $(cat "$work/out" "$work/err")"
run inventory nons
[ $rc = 1 ] && grep -q "ENOENT.*daxmfd has no inventory of nons in $state/inventory" "$work/err" && pass "inventory of no such device: exit 1" ||
	fail "inventory nons: $rc $(cat "$work/err")"
unset DAXMF_STATE_DIRECTORY

[ "$failures" = 0 ]
