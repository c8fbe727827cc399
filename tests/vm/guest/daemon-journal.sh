# daxmfd while journald is unavailable: its records wait in daxmfd's bounded
# queue, in order, and reach the journal once journald is back, each once,
# with the time it was made in DAXMF_RECORD_USEC.  Poison (badblocks) makes
# the records: each bad page of f is one event, its record and four file
# records (f and three reflinked copies).
# vmvariant=keep: journald stopped (SIGSTOP: alive, not reading, its queue
# fills: EAGAIN), then killed (its socket there, nobody bound: ECONNREFUSED),
# then its socket gone (ENOENT), with events each time; journald started
# again -> every record there exactly once, with the fields of the one made
# before the outage; the status, the metrics and an outage record say it.
# vmvariant=drop: the queue bound at 8 records: the first 8 are kept, the
# rest are counted in a record at their place, in the status and the metrics.
. /tests/lib.sh

variant=$(sed -n 's/.*vmvariant=\([a-z-]*\).*/\1/p' /proc/cmdline)
[ "$variant" = keep ] || [ "$variant" = drop ] || die "vmvariant=keep or drop, not '$variant'"

ev=cf97945658094f1db7308336789c695b
file_id=e9e6f5a8dc7349b6bb7d82c6eeda5933
dropped_id=3fccda1058a44fd0aa8ca5c1d75f0cda
outage_id=a0368a79a0594472a427fbd7c49c226b
socket=/run/systemd/journal/socket

start_journald
load_daxmf
mount_xfs_dax
xfs_io -f -c "pwrite -q -S 0x70 0 1m" -c fsync /mnt/f || die "write f"
for c in 1 2 3; do cp --reflink=always /mnt/f /mnt/c$c || die "reflink"; done
base=$(pmem_data_phys)
set -- $(file-pfns /mnt/f "$base")
sector=$(( ($1 * 4096 - base) / 512 ))

mkdir -p /etc/daxmf /run/daxmf-test
prom=/run/daxmf-test/daxmf.prom
bound=
[ "$variant" = drop ] && bound='[Journal]\nQueueMaxRecords=8\n'
printf "[Poison]\nRescanIntervalSec=0\n[Metrics]\nTextfilePath=$prom\n$bound" >/etc/daxmf/daxmfd.conf
daxmfd --config /etc/daxmf/daxmfd.conf 2>daxmfd.err &
daemon=$!
n=100
until journalctl --no-pager 2>/dev/null | grep -q 'watching pmem0'; do
	n=$((n - 1)); [ $n -gt 0 ] || die "daxmfd did not start: $(cat daxmfd.err)"
	sleep 0.1
done
wait_for /run/daxmf/control || die "no control socket"

# poison PAGE...: those pages of f go bad, and daxmfd looks.
poison() {
	for p in "$@"; do echo "$((sector + p * 8)) 8" >/sys/block/pmem0/badblocks; done
	timeout 20 daxmfctl rescan >/dev/null || fail "daxmfctl rescan (daxmfd blocked?)"
}
# jstatus KEY: a value of the status's journal object (daxmfctl answers: the loop is not blocked).
jstatus() {
	timeout 20 daxmfctl status --json | tr -d ' \n' | sed 's/.*"journal":{\([^}]*\)}.*/\1/' |
		tr ',' '\n' | sed -n "s/^\"$1\":\"*\([^\"]*\)\"*\$/\1/p"
}
# settled N: N events logged or queued, none open, no page pending or in flight.
settled() {
	s=$(timeout 20 daxmfctl status --json | tr -d ' \n')
	echo "$s" | grep -q '"events_open":0' && echo "$s" | grep -q '"pages_pending":0,"pages_in_flight":0' &&
		[ "$(metric $prom 'daxmf_events_total{event="poison",result="complete"}')" = "$1" ]
}
wait_settled() {
	n=200
	until settled "$1"; do
		n=$((n - 1)); [ $n -gt 0 ] || { fail "events not settled at $1: $(daxmfctl status --json | tr -d ' \n')"; return 1; }
		sleep 0.1
	done
}
# wait_journal_status KEY VALUE
wait_journal_status() {
	n=200
	until [ "$(jstatus "$1")" = "$2" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		sleep 0.1
	done
}
# Field names of the first record matching (not journald's own), one line.
# (JSON, one record a line: the export format's binary fields, such as the
# AppArmor label, do not split lines for awk.)
names() {
	journalctl --no-pager -o json "$@" | head -n 1 | grep -o '"[A-Z][A-Z0-9_]*":' | tr -d '":' | sort | tr '\n' ' '
}
# records FIELDS MATCH...: per record, the values of the comma-separated FIELDS.
records() {
	fields=$1
	shift
	journalctl --no-pager -o json --output-fields="$fields" "$@" | while read -r line; do
		out=
		for k in $(echo "$fields" | tr ',' ' '); do
			out="$out $(echo "$line" | sed -n "s/.*\"$k\":\"\([^\"]*\)\".*/\1/p")"
		done
		echo "${out# }"
	done
}

# Before the outage: one event, written at once.
poison 1
wait_settled 1
n=50
until [ "$(journal_field $ev DAXMF_EVENT_ID | wc -l)" = 1 ]; do
	n=$((n - 1)); [ $n -gt 0 ] || die "no first event record"
	sleep 0.1
done
first_id=$(journal_field $ev DAXMF_EVENT_ID)
event_names=$(names MESSAGE_ID=$ev DAXMF_EVENT_ID=$first_id)
file_names=$(names MESSAGE_ID=$file_id DAXMF_EVENT_ID=$first_id DAXMF_FILE=/mnt/f)
echo "# event record fields: $event_names"
echo "$event_names" | grep -q 'DAXMF_RECORD_USEC' && pass "records carry the time they were made (DAXMF_RECORD_USEC)" ||
	fail "no DAXMF_RECORD_USEC"
[ "$(jstatus available)" = true ] && [ "$(jstatus records_waiting)" = 0 ] && pass "status: journal written, nothing waiting" ||
	fail "status before: $(daxmfctl status --json | tr -d ' \n')"
jpid=$(pidof systemd-journald) || die "no journald pid"
outage_start=$(date +%s)

if [ "$variant" = keep ]; then
	# journald alive but not reading: its socket's queue (net.unix.max_dgram_qlen) fills.
	echo "# max_dgram_qlen $(cat /proc/sys/net/unix/max_dgram_qlen)"
	kill -STOP "$jpid"
	poison 3 5 7
	wait_settled 4
	wait_journal_status error EAGAIN && pass "journald not reading: status says EAGAIN, $(jstatus records_waiting) record(s) waiting" ||
		fail "status with journald stopped: $(daxmfctl status --json | tr -d ' \n')"
	[ "$(jstatus records_waiting)" -gt 0 ] && [ "$(jstatus available)" = false ] || fail "nothing waiting"
	wait_metric $prom daxmf_journal_unavailable 1 && [ "$(metric $prom daxmf_journal_queued_records)" -gt 0 ] &&
		pass "metrics: journal unavailable, $(metric $prom daxmf_journal_queued_records) record(s) queued" ||
		fail "metrics: $(grep journal $prom)"
	kill -CONT "$jpid"
	wait_journal_status records_waiting 0 && wait_journal_status available true &&
		pass "journald reading again: the queue drained ($(jstatus records_written_late) written late)" ||
		fail "after SIGCONT: $(daxmfctl status --json | tr -d ' \n')"
	# Everything journald has read is written: let it settle before it is killed.
	n=50
	until [ "$(journal_field $ev DAXMF_EVENT_ID | wc -l)" = 4 ]; do
		n=$((n - 1)); [ $n -gt 0 ] || die "events of the first outage not in the journal"
		sleep 0.1
	done
	events=4
else
	events=1
fi

# journald gone, its socket still there: nobody to take the datagrams.
kill -KILL "$jpid"
wait "$jpid" 2>/dev/null
[ -S $socket ] || die "journald's socket went with it"
if [ "$variant" = keep ]; then
	poison 9 11
	wait_settled 6
	wait_journal_status error ECONNREFUSED && pass "journald gone: status says ECONNREFUSED, $(jstatus records_waiting) record(s) waiting" ||
		fail "status with journald killed: $(daxmfctl status --json | tr -d ' \n')"
	# Its socket gone too.
	rm -f $socket
	poison 13
	wait_settled 7
	wait_journal_status error ENOENT && pass "journald's socket gone: status says ENOENT, $(jstatus records_waiting) record(s) waiting" ||
		fail "status without the socket: $(daxmfctl status --json | tr -d ' \n')"
	events=7
	daxmfctl status | grep '^journal:' | sed 's/^/# /'
	daxmfctl status | grep -q '^journal: *unavailable (ENOENT), [0-9]* record(s) waiting (at most 4096)' &&
		pass "daxmfctl status: journal unavailable, records waiting, the bound" || fail "daxmfctl status text"
	[ "$(jstatus records_dropped)" = 0 ] || fail "records dropped: $(jstatus records_dropped)"
else
	poison 3 5 7 9
	wait_settled 5
	events=5
	wait_journal_status records_waiting 8 && pass "queue full at its bound: 8 records waiting" ||
		fail "status: $(daxmfctl status --json | tr -d ' \n')"
	dropped=$(jstatus records_dropped)
	[ "$dropped" -gt 0 ] && pass "status: $dropped record(s) dropped" || fail "nothing dropped"
	wait_metric $prom 'daxmf_records_lost_total{kind="journal"}' "$dropped" && pass "metrics: $dropped record(s) lost to the journal" ||
		fail "metrics lost: $(grep 'kind="journal"' $prom)"
	rm -f $socket
fi
waiting=$(jstatus records_waiting)
wait_metric $prom daxmf_journal_queued_records "$waiting" && [ "$(metric $prom daxmf_journal_unavailable)" = 1 ] &&
	pass "metrics: journal unavailable, $waiting record(s) queued" || fail "metrics: $(grep journal $prom)"
outage_secs=$(( $(date +%s) - outage_start ))

# journald back: everything waiting is written, in order, once.
start_journald
wait_journal_status records_waiting 0 && wait_journal_status available true &&
	pass "journald back: nothing waits, available" || fail "after journald returned: $(daxmfctl status --json | tr -d ' \n')"
wait_metric $prom daxmf_journal_unavailable 0 && [ "$(metric $prom daxmf_journal_queued_records)" = 0 ] &&
	pass "metrics: journal available, nothing queued" || fail "metrics after: $(grep journal $prom)"
# One outage record per outage: two with variant keep (EAGAIN, then
# ECONNREFUSED/ENOENT); more, EAGAIN only, if journald was slow to catch up.
outages=1
[ "$variant" = keep ] && outages=2
n=50
until [ "$(journal_field $outage_id DAXMF_DELAYED | wc -l)" -ge $outages ]; do
	n=$((n - 1)); [ $n -gt 0 ] || break
	sleep 0.1
done
journalctl --no-pager -o verbose MESSAGE_ID=$outage_id MESSAGE_ID=$dropped_id | grep -E ' (MESSAGE|DAXMF_[A-Z_]*)=' | sed 's/^/# /'

# The work went on regardless: every poison event failed its page.
[ "$(metric $prom 'daxmf_events_total{event="poison",result="complete"}')" = $events ] &&
	pass "daxmfd handled all $events events through the outage" || fail "events: $(grep events_total $prom)"

ids=$(journal_field $ev DAXMF_EVENT_ID)
late=$(jstatus records_written_late)
if [ "$variant" = keep ]; then
	[ "$(echo "$ids" | wc -l)" = $events ] && [ -z "$(echo "$ids" | sort | uniq -d)" ] &&
		pass "$events event records, each once" || fail "event records: $(echo $ids)"
	pairs=$(records DAXMF_EVENT_ID,DAXMF_FILE MESSAGE_ID=$file_id)
	[ "$(echo "$pairs" | wc -l)" = $((events * 4)) ] && [ -z "$(echo "$pairs" | sort | uniq -d)" ] &&
		pass "$((events * 4)) file records (4 per event), each once" || fail "file records: $(echo "$pairs" | sort | uniq -c | tr '\n' ' ')"
	same=0
	for id in $ids; do
		[ "$(names MESSAGE_ID=$ev DAXMF_EVENT_ID=$id)" = "$event_names" ] &&
			[ "$(names MESSAGE_ID=$file_id DAXMF_EVENT_ID=$id DAXMF_FILE=/mnt/f)" = "$file_names" ] && same=$((same + 1))
	done
	[ $same = $events ] && pass "every event's records have the fields of the one made before the outage" ||
		fail "$same of $events events with the same fields"
	# The ones made while journald was gone arrived later than they were made, by the outage.
	delays=$(records __REALTIME_TIMESTAMP,DAXMF_RECORD_USEC MESSAGE_ID=$ev | awk '{ print int(($1 - $2) / 1000) }')
	echo "# arrival - made, ms, per event record: $(echo $delays)"
	[ "$(echo "$delays" | awk '$1 >= 1000' | wc -l)" -ge 3 ] && pass "records made in the outage arrived seconds later, their time kept" ||
		fail "delays: $(echo $delays)"
	[ "$(journal_field $outage_id DAXMF_DROPPED | sort -u)" = 0 ] &&
		[ "$(journal_field $outage_id DAXMF_DELAYED | awk '{ s += $1 } END { print s }')" = "$late" ] &&
		pass "outage records: $late record(s) written late in all, none dropped" ||
		fail "outage records: $(journal_field $outage_id DAXMF_DELAYED | tr '\n' ' ') late vs $late"
	errors=$(journal_field $outage_id DAXMF_JOURNAL_ERROR | tr '\n' ' ')
	case "$errors" in "EAGAIN ECONNREFUSED "*) ;; *) errors=bad ;; esac
	[ -z "$(echo "${errors#EAGAIN ECONNREFUSED }" | tr ' ' '\n' | grep -v '^EAGAIN$\|^$')" ] &&
		journal_field $outage_id DAXMF_JOURNAL_ERRORS | sed -n 2p | grep -q '^ECONNREFUSED,ENOENT' &&
		pass "outage records say why: EAGAIN; ECONNREFUSED, then ENOENT" ||
		fail "errors: $(journal_field $outage_id DAXMF_JOURNAL_ERROR | tr '\n' ' ') $(journal_field $outage_id DAXMF_JOURNAL_ERRORS | tr '\n' ' ')"
	[ "$(metric $prom 'daxmf_records_lost_total{kind="journal"}')" = 0 ] && pass "metrics: no record lost to the journal" ||
		fail "lost: $(metric $prom 'daxmf_records_lost_total{kind="journal"}')"
else
	[ "$(journal_field $dropped_id DAXMF_DROPPED)" = "$dropped" ] &&
		pass "one record says $dropped record(s) were dropped" || fail "dropped record: $(journal_field $dropped_id DAXMF_DROPPED)"
	[ "$(journal_field $outage_id DAXMF_DELAYED)" = 8 ] && [ "$late" = 8 ] &&
		[ "$(journal_field $outage_id DAXMF_DROPPED)" = "$dropped" ] &&
		pass "outage record: 8 written late, $dropped dropped" || fail "outage: $(journal_field $outage_id DAXMF_DELAYED)"
	# The first 8 made in the outage were kept, every one made after them is in the count.
	first_dropped=$(journal_field $dropped_id DAXMF_DROPPED_FIRST_USEC)
	made=$(records __REALTIME_TIMESTAMP,DAXMF_RECORD_USEC _PID=$daemon | awk '$1 - $2 >= 1000000 { print $2 }')
	kept=$(echo "$made" | awk -v f="$first_dropped" '$1 < f' | wc -l)
	[ "$kept" = 8 ] && pass "the 8 records kept were made before the first one dropped" || fail "kept before: $kept"
	# What the outage's events should have written: 4 events x 5 records; what is missing is in the count.
	got=$(( $(journal_field $ev DAXMF_EVENT_ID | wc -l) - 1 + $(journal_field $file_id DAXMF_EVENT_ID | wc -l) - 4 ))
	echo "# outage: 20 event and file records made, $got arrived, $dropped record(s) dropped in all"
	[ $((20 - got)) -le "$dropped" ] && [ $((20 - got)) -gt 0 ] &&
		pass "the $((20 - got)) event/file record(s) missing are within the $dropped counted as dropped" ||
		fail "missing $((20 - got)), dropped $dropped"
fi
# In the order made: journald's arrival order is the order of DAXMF_RECORD_USEC.
records DAXMF_RECORD_USEC _PID=$daemon >made.txt
sort -n -c made.txt && pass "all $(wc -l <made.txt) records of daxmfd arrived in the order they were made" ||
	fail "order: $(sort -n -c made.txt 2>&1)"
echo "# outage of about $outage_secs s; $late record(s) written late; status: $(daxmfctl status | grep '^journal:')"

kill -TERM $daemon
wait $daemon && pass "daxmfd stops cleanly" || fail "daxmfd exit status"
finish
