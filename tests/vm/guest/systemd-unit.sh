# daxmfd as a package installs it, under systemd as PID 1: the unit is not
# enabled, the udev rule starts it when pmem0 appears, it reaches READY,
# pings the watchdog (and is restarted when it stops), reloads, does its job
# inside its sandbox (a poisoned page of a reflinked file mapped by another
# user's process, a removal), `daxmfctl report --json` agrees with the
# journal, and `journalctl -x` explains the records with the catalog.
. /tests/lib.sh

unit=daxmfd.service
prop() { systemctl show -P "$1" "$unit"; }
wait_active() {
	n=${1:-150}
	until [ "$(prop ActiveState)" = active ]; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		sleep 0.1
	done
}
# wait_record MESSAGE_ID FIELD VALUE: until a record with FIELD=VALUE is in the journal.
wait_record() {
	n=100
	until journalctl --no-pager -o verbose "MESSAGE_ID=$1" "$2=$3" 2>/dev/null | grep -q "^ *$2="; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		sleep 0.1
	done
}
event_id=cf97945658094f1db7308336789c695b
file_id=e9e6f5a8dc7349b6bb7d82c6eeda5933
proc_id=08ba4d232db046c68873be316a481358

# --- started by the udev rule, not enabled -----------------------------------
wait_active || die "daxmfd did not become active: $(systemctl --no-pager status $unit)"
systemctl --no-pager status "$unit" | sed 's/^/# /'
[ "$(prop UnitFileState)" = disabled ] && pass "the unit is installed, not enabled" ||
	fail "UnitFileState=$(prop UnitFileState)"
prop WantedBy | grep -q 'namespace0\.0-block-pmem0\.device' &&
	pass "started because pmem0 appeared (the udev rule's SYSTEMD_WANTS): WantedBy=$(prop WantedBy)" ||
	fail "WantedBy=$(prop WantedBy)"
[ "$(prop Type)" = notify ] && [ "$(prop SubState)" = running ] && prop StatusText | grep -q 'watching' &&
	pass "Type=notify, READY=1 sent, STATUS: $(prop StatusText)" || fail "READY/STATUS: $(prop SubState) '$(prop StatusText)'"
[ -d /sys/module/daxmf ] && [ "$(systemctl show -P ActiveState systemd-modules-load.service)" = active ] &&
	pass "daxmf.ko loaded at boot by modules-load.d" || fail "module not loaded at boot"
daxmfctl --json status >status.json || fail "daxmfctl status"
grep -q '"module": *true' status.json && grep -q '"removal_handler": *true' status.json &&
	pass "daxmfd is connected to the module and its removal handler" || fail "status: $(cat status.json)"
python3 -c 'import json, sys; d = json.load(open("status.json"))["daemon"]; sys.exit(0 if d["pid"] == int(sys.argv[1]) and d["version"] and d["started_realtime_usec"] > 0 else 1)' "$(prop MainPID)" &&
	pass "status names daxmfd: pid $(prop MainPID), version, start time" || fail "status daemon: $(cat status.json)"

# --- udev starts it again when a pmem disk appears ---------------------------
systemctl stop "$unit" && [ "$(prop ActiveState)" = inactive ] && [ "$(prop Result)" = success ] &&
	pass "systemctl stop: a clean exit" || fail "stop: $(prop ActiveState) $(prop Result)"
echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/unbind || fail "unbind"
echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/bind || fail "bind"
wait_active && pass "pmem0 came back and udev started daxmfd again" || fail "not started on pmem0's return"

# --- the sandbox -------------------------------------------------------------
out=$(systemd-analyze security --no-pager "$unit" 2>&1 | tail -n 1)
echo "# systemd-analyze security: $out"
exposure=$(echo "$out" | sed -n 's/.*exposure level for [^:]*: \([0-9.]*\).*/\1/p')
# 2.2 as recorded with the capabilities measured by vm-systemd-caps,
# DevicePolicy=closed and ProtectProc=invisible (2.4 before): no regression.
[ -n "$exposure" ] && awk -v e="$exposure" 'BEGIN { exit !(e <= 2.2) }' &&
	pass "systemd-analyze security: exposure $exposure (at most 2.2, as recorded)" || fail "exposure: $out"

# --- the watchdog --------------------------------------------------------------
[ "$(prop WatchdogUSec)" = 30s ] && pass "WatchdogSec=30s as installed" || fail "WatchdogUSec=$(prop WatchdogUSec)"
# A shorter timeout (a drop-in, as an operator would) to see pings and a hang.
mkdir -p /run/systemd/system/daxmfd.service.d
printf '[Service]\nWatchdogSec=2s\n' >/run/systemd/system/daxmfd.service.d/watchdog.conf
systemctl daemon-reload
systemctl restart "$unit" && wait_active || die "restart with WatchdogSec=2s"
t1=$(prop WatchdogTimestampMonotonic)
sleep 2.5
t2=$(prop WatchdogTimestampMonotonic)
[ "$t1" -gt 0 ] && [ "$t2" -gt "$t1" ] && pass "watchdog pinged (last ping moved ${t1} -> ${t2} us)" ||
	fail "no watchdog pings: $t1 $t2"
pid=$(prop MainPID)
kill -STOP "$pid"
n=150
until [ "$(prop MainPID)" != "$pid" ] && [ "$(prop ActiveState)" = active ]; do
	n=$((n - 1)); [ $n -gt 0 ] || break
	sleep 0.1
done
journalctl -b --no-pager -u "$unit" | grep -q 'Watchdog timeout' && [ "$(prop NRestarts)" -ge 1 ] &&
	[ "$(prop ActiveState)" = active ] &&
	pass "a hung daxmfd is killed by the watchdog and restarted (pid $pid -> $(prop MainPID))" ||
	fail "watchdog kill/restart: $(journalctl -b --no-pager -u $unit | tail -n 5)"
rm -rf /run/systemd/system/daxmfd.service.d
systemctl daemon-reload
systemctl restart "$unit" && wait_active || die "restart as installed"

# --- reload ----------------------------------------------------------------------
pid=$(prop MainPID)
mkdir -p /etc/daxmf/daxmfd.conf.d
printf '[Metrics]\nTextfilePath=/run/daxmf/daxmf.prom\n' >/etc/daxmf/daxmfd.conf.d/50-test.conf
systemctl reload "$unit" || fail "systemctl reload"
wait_for /run/daxmf/daxmf.prom 50 && [ "$(prop MainPID)" = "$pid" ] &&
	journalctl -b --no-pager -u "$unit" | grep -q 'configuration reloaded' &&
	pass "systemctl reload: same process, the new configuration applies (metrics file written)" ||
	fail "reload: pid $pid -> $(prop MainPID); $(ls /run/daxmf)"

# --- poison in a reflinked file, mapped by another user's process ----------------
mkfs.xfs -q -f -m reflink=1,rmapbt=1 /dev/pmem0 || die "mkfs.xfs"
mount -o dax=always /dev/pmem0 /mnt || die "mount"
xfs_io -f -c "pwrite -q -S 0x70 0 64k" -c fsync /mnt/f || die "write f"
cp --reflink=always /mnt/f /mnt/f-copy || die "reflink"
mkdir /mnt/d && ln /mnt/f /mnt/d/f-link || die "link"
chmod 644 /mnt/f /mnt/f-copy
base=$(pmem_data_phys)
set -- $(file-pfns /mnt/f "$base")
sector=$(( ($1 * 4096 - base) / 512 ))
mkdir -m 777 /tmp/vmtest/nobody
run-as 65534 65534 mapper --path /mnt/f --length 65536 --kill early \
	--ready /tmp/vmtest/nobody/f.ready --report /tmp/vmtest/nobody/f.rep &
wait_for /tmp/vmtest/nobody/f.ready || die "mapper did not start"
mapper_pid=$(field pid /tmp/vmtest/nobody/f.ready)
echo "$((sector + 8)) 16" >/sys/block/pmem0/badblocks
daxmfctl rescan | sed 's/^/# /'
wait_record $event_id DAXMF_EVENT poison || fail "no poison record"
[ "$(journal_field $file_id DAXMF_FILE | sort | tr '\n' ' ')" = "/mnt/d/f-link /mnt/f /mnt/f-copy " ] &&
	pass "inside the sandbox: the poisoned page's file, its hard link and its reflinked copy named" ||
	fail "files: $(journal_field $file_id DAXMF_FILE | tr '\n' ' ')"
[ "$(journal_field $proc_id DAXMF_PID)" = "$mapper_pid" ] &&
	pass "the mapper of another user named by pid (CAP_SYS_PTRACE reads its maps)" ||
	fail "process records: '$(journal_field $proc_id DAXMF_PID)', want $mapper_pid"
kill -USR1 "$mapper_pid"
wait_for /tmp/vmtest/nobody/f.rep || fail "no mapper report"
[ "$(field sigbus_first_code /tmp/vmtest/nobody/f.rep)" = 5 ] && pass "the mapper got BUS_MCEERR_AO" ||
	fail "mapper: $(tr '\n' ' ' </tmp/vmtest/nobody/f.rep)"

# --- a removal while processes map files ---------------------------------------------
xfs_io -f -c "pwrite -q -S 0x71 0 64k" -c fsync /mnt/g || die "write g"
# A removal's files come from the inventory (the device is not read while its
# memory goes): take it now that g exists.
daxmfctl inventory --refresh | sed 's/^/# /' || fail "daxmfctl inventory --refresh"
mapper --path /mnt/g --length 65536 --kill early --ready g.ready --report g.rep &
wait_for g.ready || die "mapper g did not start"
# A file written after the inventory is not among the files named, but its
# mapper is: all of the filesystem goes.
xfs_io -f -c "pwrite -q -S 0x72 0 64k" -c fsync /mnt/h || die "write h"
mapper --path /mnt/h --length 65536 --ready h.ready --report h.rep &
wait_for h.ready || die "mapper h did not start"
echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/unbind || fail "unbind"
wait_record $event_id DAXMF_EVENT removal && pass "a removal record" || fail "no removal record"
journalctl --no-pager -o verbose MESSAGE_ID=$file_id DAXMF_EVENT=removal | grep -q '^ *DAXMF_FILE=/mnt/g$' &&
	pass "the removal names /mnt/g" ||
	fail "removal files: $(journal_field $file_id DAXMF_FILE | tr '\n' ' ')"
journalctl --no-pager -o verbose MESSAGE_ID=$proc_id DAXMF_EVENT=removal | sed -n 's/^ *DAXMF_PID=//p' | sort >pids.txt
printf '%s\n' "$(field pid g.ready)" "$(field pid h.ready)" | sort | cmp -s - pids.txt &&
	pass "the removal names both mappers, also of a file newer than the inventory" ||
	fail "removal mappers: $(tr '\n' ' ' <pids.txt), want $(field pid g.ready) $(field pid h.ready)"
[ "$(prop ActiveState)" = active ] && pass "daxmfd keeps running after its device went" || fail "daxmfd: $(prop ActiveState)"
kill -USR1 "$(field pid g.ready)" "$(field pid h.ready)" 2>/dev/null

# --- daxmfctl report agrees with the journal ----------------------------------------
daxmfctl --json report >report.json || fail "daxmfctl report --json"
journalctl -b -o json --no-pager MESSAGE_ID=$event_id >events.jsonl
journalctl -b -o json --no-pager MESSAGE_ID=$file_id >files.jsonl
journalctl -b -o json --no-pager MESSAGE_ID=$proc_id >procs.jsonl
python3 - <<'EOF' && pass "daxmfctl report --json parses and agrees with the journal records" || fail "report vs journal"
import json, sys

report = json.load(open("report.json"))
journal = {}
for name in ("events", "files", "procs"):
    journal[name] = [json.loads(line) for line in open(name + ".jsonl") if line.strip()]

def key(r):
    return (r["_PID"], int(r["DAXMF_EVENT_ID"]))

want = {}
for r in journal["events"]:
    want[key(r)] = {"event": r["DAXMF_EVENT"], "device": r["DAXMF_DEVICE"],
                    "phys_start": int(r["DAXMF_PHYS_START"], 16), "phys_end": int(r["DAXMF_PHYS_END"], 16),
                    "pages": int(r["DAXMF_PAGES"]), "files": set(), "pids": set()}
for r in journal["files"]:
    if "DAXMF_FILE" in r:
        want[key(r)]["files"].add(r["DAXMF_FILE"])
for r in journal["procs"]:
    want[key(r)]["pids"].add(int(r["DAXMF_PID"]))

got = {}
for e in report["events"]:
    got[(str(e["pid"]), e["event_id"])] = {
        "event": e["event"], "device": e["device"], "phys_start": e["phys_start"],
        "phys_end": e["phys_end"], "pages": e["pages"],
        "files": {f["path"] for f in e["files"]}, "pids": {p["pid"] for p in e["processes"]}}
ok = True
if set(got) != set(want):
    print("# events: report %s, journal %s" % (sorted(got), sorted(want)))
    ok = False
for k in want:
    if k in got and got[k] != want[k]:
        print("# event %s: report %s, journal %s" % (k, got[k], want[k]))
        ok = False
print("# %d events, %d file names, %d processes compared" % (
    len(want), sum(len(v["files"]) for v in want.values()), sum(len(v["pids"]) for v in want.values())))
sys.exit(0 if ok and len(want) == 2 else 1)
EOF
daxmfctl report | sed 's/^/# /'

# --- the catalog -----------------------------------------------------------------------
journalctl --update-catalog || fail "journalctl --update-catalog"
journalctl -b -x --no-pager MESSAGE_ID=$event_id DAXMF_EVENT=poison | grep -q 'A poison event covered the physical range' &&
	pass "journalctl -x shows the catalog's text" || fail "no catalog text: $(journalctl -b -x --no-pager MESSAGE_ID=$event_id | head)"

finish
