#!/bin/bash
# `daxmfctl report` against real journal files, made without journald:
# records like daxmfd's, in the journal export format, turned into journal
# files by systemd-journal-remote (their __REALTIME_TIMESTAMP, _BOOT_ID and
# _PID are kept).  Two daxmfd runs on one boot and one on another each
# start their event ids at 1; the report must group by run, not by id.
# usage: report.sh DAXMFCTL
set -euo pipefail

daxmfctl=$1
remote=
for p in /usr/lib/systemd/systemd-journal-remote /lib/systemd/systemd-journal-remote; do
	[ -x "$p" ] && { remote=$p; break; }
done
[ -n "$remote" ] || { echo "skip: systemd-journal-remote missing (tools/install-deps.sh --test)"; exit 77; }
command -v python3 >/dev/null || { echo "skip: python3 missing"; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/daxmf-report.XXXXXX")
trap 'rm -rf "$work"' EXIT
failures=0
pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failures=$((failures + 1)); }
# Times in the records and on the command line are UTC here.
export TZ=UTC

# T: the first record, in seconds since the epoch (2026-11-18 11:13:20 UTC).
T=1795000400
boot_a=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
boot_b=bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb

# Write the export streams: one journal file per boot, as on a real host.
python3 - "$work" "$T" "$boot_a" "$boot_b" <<'PY'
import sys
work, T, boot_a, boot_b = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
RANGE = "cf97945658094f1db7308336789c695b"
FILE = "e9e6f5a8dc7349b6bb7d82c6eeda5933"
PROC = "08ba4d232db046c68873be316a481358"
MORE = "a907fbb7c0f04b959e5ac98be3bc89cd"
CLEARED = "7322afed445b41dc808683dc4764aceb"
DEGRADED = "fcab4ff2a61847178f10f2912581067f"
MF_LOST = "edf90d6c38bc4132a91e70ffacfcdfb3"

streams = {boot_a: [], boot_b: []}

def rec(boot, pid, sec, fields, uid=0, comm="daxmfd"):
    usec = (T + sec) * 1000000
    e = {"__REALTIME_TIMESTAMP": usec, "__MONOTONIC_TIMESTAMP": usec - (T - 3600) * 1000000,
         "_BOOT_ID": boot, "_PID": pid, "_UID": uid, "_GID": uid, "_COMM": comm,
         "SYSLOG_IDENTIFIER": comm}
    e.update(fields)
    streams[boot].append(e)

def summary(boot, pid, sec, eid, event, device, start, end, pages, failed, result, via,
            action="fail", mode="", handshake="", waited=0):
    rec(boot, pid, sec, {"MESSAGE_ID": RANGE, "PRIORITY": 4,
        "MESSAGE": f"{event} on {device}: phys {start:#x}-{end:#x} ({pages} pages): {action}, {result}",
        "DAXMF_EVENT_ID": eid, "DAXMF_EVENT": event, "DAXMF_DEVICE": device,
        "DAXMF_PHYS_START": f"{start:#x}", "DAXMF_PHYS_END": f"{end:#x}",
        "DAXMF_SECTOR": 2048, "DAXMF_SECTORS": 8, "DAXMF_ACTION": action, "DAXMF_RESULT": result,
        "DAXMF_PAGES": pages, "DAXMF_PAGES_FAILED": failed, "DAXMF_ELAPSED_USEC": 1234,
        "DAXMF_VIA": via, "DAXMF_REMOVAL_MODE": mode, "DAXMF_HANDSHAKE": handshake,
        "DAXMF_WAITED_USEC": waited})

def file(boot, pid, sec, eid, event, device, path, offset, shared=0, inventory=""):
    rec(boot, pid, sec, {"MESSAGE_ID": FILE, "PRIORITY": 3,
        "MESSAGE": f"{event} on {device} hits {path} at offset {offset:#x} (4096 bytes)",
        "DAXMF_EVENT_ID": eid, "DAXMF_EVENT": event, "DAXMF_DEVICE": device,
        "DAXMF_PHYS_START": "0x140000000", "DAXMF_PHYS_END": "0x140000fff",
        "DAXMF_NS_OFFSET": "0x2000000", "DAXMF_SECTOR": 65536,
        "DAXMF_FILE": path, "DAXMF_INODE": 131, "DAXMF_FILE_OFFSET": f"{offset:#x}",
        "DAXMF_LENGTH": 4096, "DAXMF_SHARED": shared,
        "DAXMF_SOURCE": "inventory" if inventory else "live", "DAXMF_INVENTORY_USEC": inventory})

def metadata(boot, pid, sec, eid, event, device, what):
    rec(boot, pid, sec, {"MESSAGE_ID": FILE, "PRIORITY": 3,
        "MESSAGE": f"{event} on {device} hits filesystem metadata: {what} (4096 bytes)",
        "DAXMF_EVENT_ID": eid, "DAXMF_EVENT": event, "DAXMF_DEVICE": device,
        "DAXMF_PHYS_START": "0x140001000", "DAXMF_PHYS_END": "0x140001fff",
        "DAXMF_NS_OFFSET": "0x2001000", "DAXMF_SECTOR": 65544,
        "DAXMF_METADATA": what, "DAXMF_LENGTH": 4096, "DAXMF_SOURCE": "live",
        "DAXMF_INVENTORY_USEC": ""})

def process(boot, pid, sec, eid, event, device, ppid, comm, unit, path):
    rec(boot, pid, sec, {"MESSAGE_ID": PROC, "PRIORITY": 4,
        "MESSAGE": f"{event} on {device}: process {ppid} ({comm}) maps {path}",
        "DAXMF_EVENT_ID": eid, "DAXMF_EVENT": event, "DAXMF_DEVICE": device,
        "DAXMF_PID": ppid, "DAXMF_COMM": comm, "DAXMF_UNIT": unit, "DAXMF_FILE": path,
        "DAXMF_ADDR_START": "0x7f0000000000", "DAXMF_ADDR_END": "0x7f0000000fff",
        "DAXMF_FILE_OFFSET": "0x0"})

def more(boot, pid, sec, eid, event, device, kind, n):
    rec(boot, pid, sec, {"MESSAGE_ID": MORE, "PRIORITY": 4,
        "MESSAGE": f"{event} on {device}: {n} more {kind} not logged one by one",
        "DAXMF_EVENT_ID": eid, "DAXMF_EVENT": event, "DAXMF_DEVICE": device,
        "DAXMF_MORE_KIND": kind, "DAXMF_MORE": n})

# Boot A, daxmfd pid 100.  Event 1: poison hitting a reflinked file (both
# sharers named), metadata and a process; named before the summary.
file(boot_a, 100, 10, 1, "poison", "pmem0", "/mnt/pmem/data/a", 0x3000, shared=1)
file(boot_a, 100, 10, 1, "poison", "pmem0", "/mnt/pmem/data/a-copy", 0x3000, shared=1)
metadata(boot_a, 100, 10, 1, "poison", "pmem0", "inode btree")
process(boot_a, 100, 10, 1, "poison", "pmem0", 4242, "postgres", "postgresql.service", "/mnt/pmem/data/a")
# Not daxmfd's: another MESSAGE_ID with the same fields, and a forged record from a user.
rec(boot_a, 100, 11, {"MESSAGE_ID": "0123456789abcdef0123456789abcdef", "MESSAGE": "other",
    "DAXMF_EVENT_ID": 1, "DAXMF_DEVICE": "pmem0", "DAXMF_FILE": "/etc/other-program"})
rec(boot_a, 3000, 11, {"MESSAGE_ID": FILE, "MESSAGE": "forged", "DAXMF_EVENT_ID": 1,
    "DAXMF_EVENT": "poison", "DAXMF_DEVICE": "pmem0", "DAXMF_FILE": "/forged"}, uid=1000, comm="evil")
rec(boot_a, 1, 11, {"MESSAGE": "Started something.", "PRIORITY": 6}, comm="systemd")
summary(boot_a, 100, 12, 1, "poison", "pmem0", 0x140000000, 0x140000fff, 1, 0, "complete", "module")
# Event 2: a removal named from the inventory, over the per-event cap.
file(boot_a, 100, 100, 2, "removal", "dax0.0", "/mnt/dax/x", 0, inventory=(T - 600) * 1000000)
file(boot_a, 100, 100, 2, "removal", "dax0.0", "/mnt/dax/y", 0x200000, inventory=(T - 600) * 1000000)
more(boot_a, 100, 100, 2, "removal", "dax0.0", "files", 250)
process(boot_a, 100, 100, 2, "removal", "dax0.0", 777, "qemu", "", "/mnt/dax/x")
more(boot_a, 100, 100, 2, "removal", "dax0.0", "processes", 3)
summary(boot_a, 100, 106, 2, "removal", "dax0.0", 0x200000000, 0x2ffffffff, 262144, 0, "complete",
        "daxmfd", mode="failed-pages", handshake="acknowledged", waited=5000)
rec(boot_a, 100, 200, {"MESSAGE_ID": CLEARED, "MESSAGE": "poison cleared on pmem0: sectors 2048+8",
    "DAXMF_EVENT": "poison-cleared", "DAXMF_DEVICE": "pmem0", "DAXMF_SECTOR": 2048, "DAXMF_SECTORS": 8,
    "DAXMF_PHYS_START": "0x140000000", "DAXMF_PHYS_END": "0x140000fff"})
rec(boot_a, 100, 300, {"MESSAGE_ID": DEGRADED, "MESSAGE": "degraded: the daxmf module is not loaded",
    "DAXMF_DEGRADED": "the daxmf module is not loaded"})
# daxmfd restarted (pid 200): its event ids start at 1 again.
file(boot_a, 200, 1000, 1, "poison", "pmem1", "/mnt/pmem1/b", 0x1000)
summary(boot_a, 200, 1001, 1, "poison", "pmem1", 0x180000000, 0x180000fff, 1, 0, "complete", "module")
# It died before event 2's summary.
file(boot_a, 200, 1100, 2, "poison", "pmem0", "/mnt/pmem/data/c", 0)
# Boot B: daxmfd got pid 100 again, and event id 1 again.
summary(boot_b, 100, 5000, 1, "manual", "pmem0", 0x140010000, 0x14001ffff, 16, 2, "partial", "module")
rec(boot_b, 100, 5001, {"MESSAGE_ID": DEGRADED, "MESSAGE": "degraded: no module",
    "DAXMF_DEGRADED": "the daxmf module went away"})
# The kernel's own memory failure (another program's fail-range), only logged;
# then events the module had to drop.
file(boot_b, 100, 6000, 2, "memory-failure", "pmem0", "/mnt/pmem/data/e", 0x8000)
summary(boot_b, 100, 6000, 2, "memory-failure", "pmem0", 0x140020000, 0x140023fff, 4, 0, "recovered", "module",
        action="log")
streams[boot_b][-1].update({"DAXMF_PAGE_TYPE": "dax page", "DAXMF_KERNEL_RESULT": "Recovered",
    "DAXMF_ORIGIN": "fail-range", "DAXMF_MF_EVENTS": 4, "DAXMF_JOB_ID": 9,
    "DAXMF_FIRST_USEC": (T + 5999) * 1000000, "DAXMF_LAST_USEC": (T + 5999) * 1000000 + 2000})
rec(boot_b, 100, 6001, {"MESSAGE_ID": MF_LOST, "PRIORITY": 3,
    "MESSAGE": "60 memory-failure event(s) of the kernel not logged (module-buffer, via module)",
    "DAXMF_EVENT": "memory-failure-lost", "DAXMF_LOST": 60, "DAXMF_LOST_REASON": "module-buffer",
    "DAXMF_PHYS_START": "0x140040000", "DAXMF_PHYS_END": "0x14007ffff", "DAXMF_VIA": "module"})

for boot, entries in streams.items():
    with open(f"{work}/{boot}.export", "w") as f:
        for e in entries:
            for k, v in e.items():
                v = str(v)
                assert "\n" not in v
                f.write(f"{k}={v}\n")
            f.write("\n")
PY
mkdir "$work/journal" "$work/empty"
for b in $boot_a $boot_b; do
	"$remote" --output="$work/journal/$b.journal" - <"$work/$b.export" 2>"$work/remote.log" ||
		{ cat "$work/remote.log"; echo "Bail out! systemd-journal-remote failed"; exit 1; }
done

# check NAME EXPECT [daxmfctl arguments...]: EXPECT is Python run with
# doc (the parsed JSON), T, boot_a, boot_b, key(ev) and usec(seconds after
# T); it must leave ok true.
check() {
	local name=$1 expect=$2 out rc=0
	shift 2
	out=$("$daxmfctl" --json report --directory "$work/journal" "$@" 2>"$work/err") || rc=$?
	if [ $rc -ne 0 ]; then
		fail "$name: exit $rc: $(cat "$work/err")"
		return
	fi
	if python3 - "$expect" "$out" "$T" "$boot_a" "$boot_b" <<'PY'
import json, sys
expect, out, T, boot_a, boot_b = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
doc = json.loads(out)
def key(ev): return (ev["boot_id"][0], ev["pid"], ev["event_id"])
def usec(sec): return (T + sec) * 1000000
def paths(ev): return sorted(f["path"] for f in ev["files"])
ok = False
exec(expect)
if not ok:
    print("# got:", json.dumps(doc, indent=1)[:6000])
    sys.exit(1)
PY
	then pass "$name"; else fail "$name"; fi
}

all_keys="[('a', 100, 1), ('a', 100, 2), ('a', 200, 1), ('a', 200, 2), ('b', 100, 1), ('b', 100, 2)]"

check "every event once, grouped by boot and daxmfd run, in time order" "
ok = ([key(e) for e in doc['events']] == $all_keys and len(doc['cleared']) == 1 and len(doc['degraded']) == 2
      and len(doc['memory_failures_lost']) == 1)"

check "the kernel's memory failure: logged only, what the kernel did and who asked" "
e = doc['events'][5]
ok = (e['complete'] and e['event'] == 'memory-failure' and e['action'] == 'log' and e['result'] == 'recovered'
      and e['page_type'] == 'dax page' and e['kernel_result'] == 'Recovered' and e['origin'] == 'fail-range'
      and e['job_id'] == 9 and e['mf_events'] == 4 and e['first_realtime_usec'] == usec(5999)
      and e['last_realtime_usec'] == usec(5999) + 2000 and paths(e) == ['/mnt/pmem/data/e']
      and all(x['page_type'] is None and x['origin'] is None for x in doc['events'][:5]))"

check "memory-failure events lost" "
l = doc['memory_failures_lost']
ok = (len(l) == 1 and l[0]['lost'] == 60 and l[0]['reason'] == 'module-buffer' and l[0]['via'] == 'module'
      and l[0]['phys_start'] == 0x140040000 and l[0]['phys_end'] == 0x14007ffff and l[0]['pid'] == 100
      and l[0]['boot_id'] == boot_b and l[0]['realtime_usec'] == usec(6001))"

check "a poison's reflinked files, metadata and process, named before the summary" "
e = doc['events'][0]
f = e['files']
ok = (e['complete'] and e['event'] == 'poison' and e['device'] == 'pmem0'
      and e['phys_start'] == 0x140000000 and e['phys_end'] == 0x140000fff
      and e['pages'] == 1 and e['pages_failed'] == 0 and e['action'] == 'fail' and e['result'] == 'complete'
      and e['via'] == 'module' and e['removal_mode'] is None and e['handshake'] is None
      and paths(e) == ['/mnt/pmem/data/a', '/mnt/pmem/data/a-copy']
      and all(x['shared'] is True and x['file_offset'] == 0x3000 and x['length'] == 4096
              and x['inode'] == 131 and x['source'] == 'live' and x['inventory_usec'] is None for x in f)
      and [m['metadata'] for m in e['metadata']] == ['inode btree']
      and [(p['pid'], p['comm'], p['unit'], p['file'], p['addr_start']) for p in e['processes']]
          == [(4242, 'postgres', 'postgresql.service', '/mnt/pmem/data/a', 0x7f0000000000)]
      and e['files_not_logged'] == 0 and e['processes_not_logged'] == 0)"

check "journal times: the first record's, the summary's, local time text" "
e = doc['events'][0]
ok = (e['realtime_usec'] == usec(10) and e['summary_realtime_usec'] == usec(12)
      and e['time'] == '2026-11-18 11:13:30' and doc['events'][4]['realtime_usec'] == usec(5000)
      and doc['cleared'][0]['realtime_usec'] == usec(200))"

check "a removal from the inventory, with what was not logged one by one" "
e = doc['events'][1]
ok = (e['event'] == 'removal' and e['device'] == 'dax0.0' and e['pages'] == 262144
      and e['phys_end'] == 0x2ffffffff and e['via'] == 'daxmfd' and e['removal_mode'] == 'failed-pages'
      and e['handshake'] == 'acknowledged' and e['waited_usec'] == 5000
      and paths(e) == ['/mnt/dax/x', '/mnt/dax/y']
      and all(x['source'] == 'inventory' and x['inventory_usec'] == (T - 600) * 1000000 for x in e['files'])
      and [p['unit'] for p in e['processes']] == [None]
      and e['files_not_logged'] == 250 and e['processes_not_logged'] == 3)"

check "event id 1 of another run and another boot keeps its own records" "
b1, c1 = doc['events'][2], doc['events'][4]
ok = (paths(b1) == ['/mnt/pmem1/b'] and b1['processes'] == [] and b1['metadata'] == []
      and b1['device'] == 'pmem1' and c1['files'] == [] and c1['processes'] == []
      and c1['event'] == 'manual' and c1['result'] == 'partial' and c1['pages_failed'] == 2
      and c1['boot_id'] == boot_b and b1['boot_id'] == boot_a)"

check "an event without its summary is reported, incomplete" "
e = doc['events'][3]
ok = (not e['complete'] and e['result'] is None and e['pages'] is None and e['phys_start'] is None
      and e['summary_realtime_usec'] is None and paths(e) == ['/mnt/pmem/data/c'] and e['event'] == 'poison'
      and all(x['complete'] for i, x in enumerate(doc['events']) if i != 3))"

check "other programs' records and a user's forged record are left out" "
names = [f['path'] for e in doc['events'] for f in e['files']]
ok = '/forged' not in names and '/etc/other-program' not in names and len(names) == 7"

check "cleared and degraded records" "
c, d = doc['cleared'][0], doc['degraded']
ok = (c['device'] == 'pmem0' and c['sector'] == 2048 and c['sectors'] == 8 and c['phys_start'] == 0x140000000
      and c['pid'] == 100 and [x['reason'] for x in d] == ['the daxmf module is not loaded', 'the daxmf module went away'])"

check "--device pmem0: its events and cleared records, degraded and lost ones still" "
ok = ([key(e) for e in doc['events']] == [('a', 100, 1), ('a', 200, 2), ('b', 100, 1), ('b', 100, 2)]
      and len(doc['cleared']) == 1 and len(doc['degraded']) == 2 and len(doc['memory_failures_lost']) == 1)" \
	--device pmem0

check "--device /dev/pmem1 is pmem1" "
ok = [key(e) for e in doc['events']] == [('a', 200, 1)] and doc['cleared'] == []" --device /dev/pmem1

check "--file names the event with all its files and processes" "
e = doc['events']
ok = ([key(x) for x in e] == [('a', 100, 1)] and paths(e[0]) == ['/mnt/pmem/data/a', '/mnt/pmem/data/a-copy']
      and len(e[0]['processes']) == 1 and len(e[0]['metadata']) == 1)" --file /mnt/pmem/data/a-copy

check "--file of no event: nothing" "ok = doc['events'] == []" --file /mnt/pmem/none

check "--since between an event's files and its summary: that event began before" "
ok = ([key(e) for e in doc['events']] == [('a', 100, 2), ('a', 200, 1), ('a', 200, 2), ('b', 100, 1), ('b', 100, 2)])" \
	--since @$((T + 11))

check "--until between an event's files and its summary: it is complete all the same" "
e = doc['events']
ok = ([key(x) for x in e] == [('a', 100, 1)] and e[0]['complete'] and e[0]['pages'] == 1
      and len(e[0]['files']) == 2 and doc['cleared'] == [] and doc['degraded'] == [])" --until @$((T + 11))

check "--since and --until (local time): events, cleared and degraded in the window" "
ok = ([key(e) for e in doc['events']] == [('a', 100, 2), ('a', 200, 1)]
      and len(doc['cleared']) == 1 and [d['reason'] for d in doc['degraded']] == ['the daxmf module is not loaded'])" \
	--since "$(date -d @$((T + 100)) '+%Y-%m-%d %H:%M:%S')" --until @$((T + 1000))

check "a window with nothing in it" "
ok = doc == {'events': [], 'cleared': [], 'degraded': [], 'memory_failures_lost': []}" --since @$((T + 2000)) --until @$((T + 3000))

# Human output: the same events, readable.
rc=0
out=$("$daxmfctl" report --directory "$work/journal" 2>&1) || rc=$?
missing=
for want in "2026-11-18 11:13:30  poison on pmem0" "/mnt/pmem/data/a-copy at offset 0x3000, 4096 bytes, shared (reflink)" \
	"metadata:  inode btree" "4242 (postgres) of postgresql.service maps /mnt/pmem/data/a" \
	"and 250 more files not logged" "and 3 more processes not logged" "from the inventory of 2026-11-18 11:03:20" \
	"result:    complete (action fail, via module, 1234 us)" "result:    incomplete: no summary record" \
	"removal:   failed-pages, handshake acknowledged, waited 5000 us" "pmem0 sectors 2048+8" "the daxmf module went away" \
	"memory-failure on pmem0" "result:    recovered (action log, via module, 1234 us)" \
	"kernel:    dax page: Recovered, origin fail-range (job 9), 4 events" \
	"60 event(s) (module-buffer, via module), pages within phys 0x140040000-0x14007ffff"; do
	grep -qF -- "$want" <<<"$out" || missing="$missing [$want]"
done
[ $rc -eq 0 ] && [ -z "$missing" ] && pass "human output names the events, files, processes" ||
	{ echo "$out" | sed 's/^/# /'; fail "human output: exit $rc, missing$missing"; }

rc=0
out=$("$daxmfctl" report --directory "$work/journal" --since @$((T + 2000)) --until @$((T + 3000)) 2>&1) || rc=$?
[ $rc -eq 0 ] && [ "$out" = "no daxmf events" ] && pass "human output with nothing to show" ||
	fail "human output with nothing to show: exit $rc: $out"

# Errors: no journal, no such directory, bad times.
rc=0
out=$("$daxmfctl" report --directory "$work/nonexistent" 2>&1) || rc=$?
[ $rc -eq 1 ] && grep -q "$work/nonexistent" <<<"$out" && grep -q ENOENT <<<"$out" &&
	pass "a missing directory: exit 1, said" || fail "a missing directory: exit $rc: $out"
rc=0
out=$("$daxmfctl" --json report --directory "$work/nonexistent" 2>/dev/null) || rc=$?
[ $rc -eq 1 ] && python3 -c 'import json, sys; e = json.loads(sys.argv[1])["error"]; sys.exit(e["command"] != "report" or e["name"] != "ENOENT")' "$out" &&
	pass "a missing directory with --json: {\"error\": ...}" || fail "a missing directory with --json: exit $rc: $out"
rc=0
out=$("$daxmfctl" report --directory "$work/empty" 2>&1) || rc=$?
[ $rc -eq 1 ] && grep -q "no journal files" <<<"$out" && pass "a directory without journal files: exit 1, said" ||
	fail "a directory without journal files: exit $rc: $out"
rc=0
out=$("$daxmfctl" report --directory "$work/journal" --since yesterdayish 2>&1) || rc=$?
[ $rc -eq 2 ] && pass "a bad --since: usage error" || fail "a bad --since: exit $rc: $out"

[ $failures -eq 0 ] || { echo "# $failures failed"; exit 1; }
