# daxmfd: poison in a file on fsdax XFS becomes a range failure through the
# module.  A bad range written into the pmem disk's badblocks (the kernel does
# not wake pollers for that; the rescan timer is off here and `daxmfctl
# rescan` makes daxmfd look, through its control socket) -> the early-kill
# mapper of those sectors gets BUS_MCEERR_AO, and the journal holds one
# poison record with the whole chain: device, sectors, physical range,
# action, result.
. /tests/lib.sh

start_journald
load_daxmf
mount_xfs_dax
xfs_io -f -c "pwrite -q -S 0x70 0 64k" -c fsync /mnt/f || die "write f"
# A reflinked copy shares the extent; a hard link is another name of f.
cp --reflink=always /mnt/f /mnt/f-copy || die "reflink"
mkdir /mnt/d && ln /mnt/f /mnt/d/f-link || die "link"
base=$(pmem_data_phys)
set -- $(file-pfns /mnt/f "$base")
pfn=$1
sector=$(( (pfn * 4096 - base) / 512 ))

mapper --path /mnt/f --length 65536 --kill early --ready f.ready --report f.rep &
wait_for f.ready || die "mapper did not start"

mkdir -p /etc/daxmf /run/daxmf-test
conf='[Poison]\nRescanIntervalSec=0\n[Metrics]\nTextfilePath=/run/daxmf-test/%s\n'
prom=/run/daxmf-test/daxmf.prom
# shellcheck disable=SC2059
printf "$conf" daxmf.prom >/etc/daxmf/daxmfd.conf
daxmfd --config /etc/daxmf/daxmfd.conf 2>daxmfd.err &
daemon=$!
n=50
until journalctl --no-pager 2>/dev/null | grep -q 'watching pmem0'; do
	n=$((n - 1)); [ $n -gt 0 ] || die "daxmfd did not start watching pmem0: $(journalctl --no-pager | tail -8; cat daxmfd.err)"
	sleep 0.1
done
pass "daxmfd watches pmem0"
wait_for /run/daxmf/control || die "no control socket"
daxmfctl status --json >status.json || fail "daxmfctl status"
sed 's/^/# /' status.json
grep -q '"name": *"pmem0"' status.json && grep -q '"module": *true' status.json &&
	grep -q '"removal_handler": *true' status.json && pass "status: pmem0 watched, module connected, removal handler" ||
	fail "status"
# The topology, from libndctl: the namespace, its disk, its data's physical range, the mounted filesystem.
tr -d ' \n' <status.json | grep -q '"devices":\[{"namespace":"namespace0.0","region":"region0","mode":"[a-z]*","blockdev":"pmem0","data_start":1073741824,"data_size":1073741824,"mountpoint":"/mnt","fstype":"xfs"}\]' &&
	pass "status: namespace0.0, pmem0, data at 1 GiB, XFS on /mnt (libndctl topology)" || fail "topology in status"
# The Prometheus textfile, written at start.
wait_metric $prom daxmf_disks_watched 1 && [ "$(metric $prom daxmf_module_connected)" = 1 ] &&
	[ "$(metric $prom daxmf_degraded)" = 0 ] && [ "$(metric $prom 'daxmf_events_total{event="poison",result="complete"}')" = 0 ] &&
	pass "metrics at start: 1 disk watched, module connected, not degraded, no event yet" || fail "metrics at start: $(cat $prom)"

# Two pages of the file go bad.
echo "$((sector + 8)) 16" >/sys/block/pmem0/badblocks
out=$(daxmfctl rescan) || fail "daxmfctl rescan"
echo "# $out"
[ "$out" = "rescanned 1 pmem disk(s): 1 new bad range(s)" ] && pass "daxmfctl rescan found the new bad range" ||
	fail "rescan: $out"
out=$(daxmfctl rescan --json) || fail "daxmfctl rescan --json"
echo "$out" | tr -d ' \n' | grep -q '"disks_scanned":1,"new_bad_ranges":0' &&
	pass "a second rescan finds nothing new" || fail "second rescan: $out"
n=100
until [ -n "$(journal_field cf97945658094f1db7308336789c695b DAXMF_RESULT)" ]; do
	n=$((n - 1)); [ $n -gt 0 ] || break
	sleep 0.1
done
journalctl --no-pager -o verbose MESSAGE_ID=cf97945658094f1db7308336789c695b | sed 's/^/# /'
[ "$(journal_field cf97945658094f1db7308336789c695b DAXMF_EVENT)" = poison ] && pass "one poison record" || fail "poison record"
[ "$(journal_field cf97945658094f1db7308336789c695b DAXMF_RESULT)" = complete ] && pass "result complete" || fail "result"
[ "$(journal_field cf97945658094f1db7308336789c695b DAXMF_SECTOR)" = "$((sector + 8))" ] &&
	[ "$(journal_field cf97945658094f1db7308336789c695b DAXMF_SECTORS)" = 16 ] && pass "sectors recorded" || fail "sectors"
want=$(printf '0x%x' $((base + (sector + 8) * 512)))
[ "$(journal_field cf97945658094f1db7308336789c695b DAXMF_PHYS_START)" = "$want" ] && pass "physical start $want" || fail "phys start"
[ "$(journal_field cf97945658094f1db7308336789c695b DAXMF_PAGES)" = 2 ] && pass "2 pages" || fail "pages"
[ "$(journal_field cf97945658094f1db7308336789c695b DAXMF_VIA)" = module ] && pass "failed through the module" || fail "via"
[ "$(journal_field cf97945658094f1db7308336789c695b DAXMF_EVENT | wc -l)" = 1 ] && pass "logged once" || fail "logged more than once"

# Which files and processes: every name of f and its reflinked copy, at the
# bad page's file offset (page 1), and the mapper of f.
file_id=e9e6f5a8dc7349b6bb7d82c6eeda5933
proc_id=08ba4d232db046c68873be316a481358
journalctl --no-pager -o verbose MESSAGE_ID=$file_id MESSAGE_ID=$proc_id | grep -E ' (MESSAGE|DAXMF_(FILE|FILE_OFFSET|SHARED|PID|COMM|INODE|NS_OFFSET))=' | sed 's/^/# /'
[ "$(journal_field $file_id DAXMF_FILE | sort | tr '\n' ' ')" = "/mnt/d/f-link /mnt/f /mnt/f-copy " ] &&
	pass "file records: both names of f and its reflinked copy" || fail "files: $(journal_field $file_id DAXMF_FILE | tr '\n' ' ')"
[ "$(journal_field $file_id DAXMF_FILE_OFFSET | sort -u)" = 0x1000 ] && [ "$(journal_field $file_id DAXMF_SHARED | sort -u)" = 1 ] &&
	pass "each at file offset 0x1000, shared" || fail "offsets: $(journal_field $file_id DAXMF_FILE_OFFSET | tr '\n' ' ')"
[ "$(journal_field $file_id DAXMF_EVENT_ID | sort -u)" = "$(journal_field cf97945658094f1db7308336789c695b DAXMF_EVENT_ID)" ] &&
	pass "file records carry the event's id" || fail "event ids"
[ "$(journal_field $proc_id DAXMF_PID)" = "$(field pid f.ready)" ] && [ "$(journal_field $proc_id DAXMF_FILE)" = /mnt/f ] &&
	[ "$(journal_field $proc_id DAXMF_COMM)" = mapper ] && pass "process record: the mapper of f, by pid and name" ||
	fail "process: $(journal_field $proc_id DAXMF_PID) $(journal_field $proc_id DAXMF_FILE)"

# The metrics count the same event and records (written within a second of the change).
ev_id=cf97945658094f1db7308336789c695b
wait_metric $prom 'daxmf_events_total{event="poison",result="complete"}' 1 && pass "metrics: one poison event, complete" ||
	fail "metrics: no poison event"
grep -v '^#' $prom | sed 's/^/# /'
[ "$(metric $prom daxmf_pages_total)" = "$(journal_field $ev_id DAXMF_PAGES)" ] &&
	[ "$(metric $prom daxmf_pages_failed_total)" = "$(journal_field $ev_id DAXMF_PAGES_FAILED)" ] &&
	pass "metrics: pages $(metric $prom daxmf_pages_total), failed $(metric $prom daxmf_pages_failed_total), as recorded" ||
	fail "metrics pages: $(metric $prom daxmf_pages_total) $(metric $prom daxmf_pages_failed_total)"
files=$(journal_field $file_id DAXMF_EVENT_ID | grep -cx "$(journal_field $ev_id DAXMF_EVENT_ID)")
[ "$(metric $prom daxmf_files_affected_total)" = "$files" ] && [ "$files" = 3 ] &&
	[ "$(metric $prom daxmf_processes_affected_total)" = 1 ] &&
	pass "metrics: $files files and 1 process affected, as the event's records" ||
	fail "metrics: files $(metric $prom daxmf_files_affected_total) (records: $files), processes $(metric $prom daxmf_processes_affected_total)"
[ "$(metric $prom 'daxmf_records_lost_total{kind="files"}')" = 0 ] &&
	[ "$(metric $prom 'daxmf_records_lost_total{kind="processes"}')" = 0 ] &&
	[ "$(metric $prom 'daxmf_records_lost_total{kind="journal"}')" = 0 ] && pass "metrics: no record lost" ||
	fail "metrics: records lost"
[ "$(metric $prom daxmf_bad_ranges)" = 1 ] && [ "$(metric $prom daxmf_pages_pending)" = 0 ] &&
	[ "$(metric $prom daxmf_pages_in_flight)" = 0 ] && [ "$(metric $prom daxmf_removal_handler)" = 1 ] &&
	pass "metrics: 1 bad range, nothing pending or in flight, removal handler" || fail "metrics gauges"
awk -v e="$(metric $prom daxmf_last_event_timestamp_seconds)" -v s="$(metric $prom daxmf_start_time_seconds)" \
	'BEGIN { exit !(s > 1600000000 && e >= s) }' && pass "metrics: start time, and the event after it" ||
	fail "metrics times"
[ "$(ls -A /run/daxmf-test)" = daxmf.prom ] && [ "$(ls -l $prom | cut -c1-10)" = -rw-r--r-- ] &&
	pass "metrics: the file alone in its directory (no temporary left), mode 0644" ||
	fail "metrics directory: $(ls -lA /run/daxmf-test)"

kill -USR1 "$(field pid f.ready)"
wait_for f.rep || die "no report"
echo "# f: $(tr '\n' ' ' <f.rep)"
[ "$(field sigbus f.rep)" -ge 1 ] && [ "$(field sigbus_first_code f.rep)" = 5 ] && pass "the mapper got BUS_MCEERR_AO" ||
	fail "mapper: $(field sigbus f.rep) signals"
[ "$(field sigbus_outside f.rep)" = 0 ] && pass "si_addr inside the mapping" || fail "si_addr outside"

# The state file knows those pages are done: a restart does not fail them again.
grep -q "^completed $(printf '0x%x' $((pfn + 1))) $(printf '0x%x' $((pfn + 3)))\$" /var/lib/daxmf/ranges &&
	pass "state file records the completed pages" || fail "state: $(cat /var/lib/daxmf/ranges)"
daxmfctl status | sed 's/^/# /'
daxmfctl status | grep -q '^  pmem0 .* 1 bad range(s), 16 bad sector(s)$' && pass "status shows the bad range" ||
	fail "status after the poison"
# A reload with a new path: the file moves there, with the counters of the run, and the old one goes.
# shellcheck disable=SC2059
printf "$conf" moved.prom >/etc/daxmf/daxmfd.conf
kill -HUP $daemon
prom=/run/daxmf-test/moved.prom
wait_metric $prom 'daxmf_events_total{event="poison",result="complete"}' 1 && [ "$(ls -A /run/daxmf-test)" = moved.prom ] &&
	pass "SIGHUP: metrics at the new path, counters kept, the old file removed" ||
	fail "reload: $(ls -A /run/daxmf-test)"
# daxmfd named the files through the mount point; it must not keep it busy.
# (An inventory being taken holds it for milliseconds: a few tries.)
n=20
until umount /mnt 2>umount.err; do
	n=$((n - 1)); [ $n -gt 0 ] || break
	sleep 0.1
done
grep -q ' /mnt ' /proc/mounts && fail "umount /mnt after the event: $(cat umount.err); daxmfd holds: $(ls -l /proc/$daemon/fd | grep ' /mnt')" ||
	pass "the filesystem unmounts after the event (daxmfd holds nothing on it)"
kill -TERM $daemon
wait $daemon && pass "daxmfd stops cleanly on SIGTERM" || fail "daxmfd exit status"
[ "$(metric $prom 'daxmf_events_total{event="poison",result="complete"}')" = 1 ] && [ "$(ls -A /run/daxmf-test)" = moved.prom ] &&
	pass "metrics: the final values stay after the exit" || fail "metrics after the exit: $(ls -A /run/daxmf-test)"
[ -e /run/daxmf/control ] && fail "control socket left behind" || pass "control socket removed"
daxmfctl status 2>err.txt && fail "status without daxmfd should fail" ||
	{ grep -q 'cannot reach daxmfd' err.txt && pass "status without daxmfd: a clear error" || fail "$(cat err.txt)"; }
finish
