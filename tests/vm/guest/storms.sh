# Storms, under systemd as PID 1 with the installed daxmfd unit (real udev,
# real journald, the unit's watchdog shortened to 4 s): daxmfd must stay
# responsive, keep its memory and fds bounded, and log coalesced, honest
# records.  During each storm `daxmfctl status` is run every 250 ms and
# timed (storm-probe), and the unit's watchdog timestamp is sampled.
# vmvariant=namespace: 1,000 unbind/bind cycles of namespace0.0 (stormcycles=N; every
#   100th with an ext4 -o dax mount and a read before the unbind): one
#   removal record per unbind, the disk table does not grow.
# vmvariant=badblocks: 1,000,000 writes to pmem0's badblocks (512 distinct
#   ranges: the kernel's table is full; the same entries again and again;
#   every 1000th a new one the kernel refuses), SIGUSR1 (rescan) after each:
#   each range failed and logged once.
# vmvariant=memory-failure: 100,000 memory failures through
#   hard_offline_page (98,000 consecutive pages, 2,000 every other page):
#   the records' events plus the logged lost counts are 100,000, as the
#   module counted.
. /tests/lib.sh

unit=daxmfd.service
event_id=cf97945658094f1db7308336789c695b
prop() { systemctl show -P "$1" "$unit"; }
now() { cut -d' ' -f1 /proc/uptime; }
kb() { awk -v k="$1:" '$1 == k { print $2 }' "/proc/$pid/status"; }
fds() { ls "/proc/$pid/fd" | wc -l; }
# umount_busy: umount /mnt; daxmfd may hold the new mount for a moment (its
# inventory walk): retried, and the retries counted in $busy.
busy=0
umount_busy() {
	n=100
	until umount /mnt 2>/dev/null; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		busy=$((busy + 1))
		sleep 0.05
	done
}
info_field() { daxmfctl info | sed -n "s/^$1: *//p"; }
# sum FIELD MATCH...: the sum of FIELD over the journal records matching.
sum() {
	f=$1
	shift
	journalctl --no-pager -o verbose --output-fields="$f" "$@" 2>/dev/null | sed -n "s/^ *$f=//p" |
		awk '{ s += $1 } END { print s + 0 }'
}
count() { journalctl --no-pager -o verbose --output-fields=DAXMF_EVENT "$@" 2>/dev/null | grep -c '^ *DAXMF_EVENT='; }

variant=$(sed -n 's/.*vmvariant=\([a-z-]*\).*/\1/p' /proc/cmdline)
case "$variant" in
namespace | badblocks | memory-failure) ;;
*) die "vmvariant=namespace, badblocks or memory-failure, not '$variant'" ;;
esac

# --- daxmfd as installed, with a 4 s watchdog --------------------------------
n=150
until [ "$(prop ActiveState)" = active ]; do
	n=$((n - 1)); [ $n -gt 0 ] || die "daxmfd did not start: $(systemctl --no-pager status $unit)"
	sleep 0.1
done
mkdir -p /run/systemd/system/$unit.d
printf '[Service]\nWatchdogSec=4s\n' >/run/systemd/system/$unit.d/storm.conf
systemctl daemon-reload && systemctl restart $unit || die "restart with WatchdogSec=4s"
n=150
until [ "$(prop ActiveState)" = active ] && daxmfctl status >/dev/null 2>&1; do
	n=$((n - 1)); [ $n -gt 0 ] || die "daxmfd did not come back"
	sleep 0.1
done
pid=$(prop MainPID)
[ "$(prop WatchdogUSec)" = 4000000 ] || [ "$(prop WatchdogUSec)" = 4s ] &&
	pass "daxmfd (pid $pid) runs with WatchdogSec=4s" || fail "WatchdogUSec=$(prop WatchdogUSec)"
disks() { daxmfctl --json status | python3 -c 'import json, sys; print(len(json.load(sys.stdin)["disks"]))'; }

# Idle: the same probe for 2 s, for comparison.
storm-probe --pid "$pid" --interval-ms 250 --timeout-ms 10000 --stop idle.stop --report idle.rep -- daxmfctl status &
probe=$!
sleep 2
touch idle.stop
wait $probe
echo "# idle: daxmfctl status $(field probes idle.rep) probes, worst $(field worst_ms idle.rep) ms, mean $(field mean_ms idle.rep) ms"

# begin_storm / end_storm: the probe and the watchdog sampler around the storm.
begin_storm() {
	hwm0=$(kb VmHWM) rss0=$(kb VmRSS) fds0=$(fds) disks0=$(disks)
	echo "# before: VmHWM $hwm0 kB, VmRSS $rss0 kB, $fds0 fds, $disks0 disk(s) watched"
	storm-probe --pid "$pid" --interval-ms 250 --timeout-ms 10000 --stop storm.stop --report storm.rep \
		-- daxmfctl status &
	probe=$!
	(while [ ! -e storm.stop ]; do
		echo "$(now) $(prop WatchdogTimestampMonotonic)"
		sleep 0.5
	done) >wd.log &
	sampler=$!
	t0=$(now)
}
end_storm() {
	t1=$(now)
	touch storm.stop
	wait $probe
	wait $sampler
	storm_s=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
	echo "# storm: ${storm_s} s; daxmfctl status: $(field probes storm.rep) probes, $(field probe_failures storm.rep) failed," \
		"worst $(field worst_ms storm.rep) ms, mean $(field mean_ms storm.rep) ms"
	echo "# during: VmRSS up to $(field rss_max_kb storm.rep) kB, VmHWM $(field hwm_kb storm.rep) kB," \
		"fds $(field fds_min storm.rep)..$(field fds_max storm.rep)"
	[ "$(field alive storm.rep)" = 1 ] && [ "$(field probe_failures storm.rep)" = 0 ] &&
		[ "$(field worst_ms storm.rep)" -lt 5000 ] && [ "$(field probes storm.rep)" -ge 2 ] &&
		pass "daxmfctl status answered every probe during the storm ($(field probes storm.rep)), each within 5 s (worst $(field worst_ms storm.rep) ms)" ||
		fail "responsiveness: $(tr '\n' ' ' <storm.rep)"
	# The watchdog: systemd's own verdict (a missed ping kills and restarts
	# daxmfd), and the unit's last-ping timestamp seen moving.  The sampler
	# may miss pings under load: its largest gap is an upper bound.
	wd=$(awk '$2 != "" && $2 != 0 && $2 != last { if (last != "") { g = ($2 - last) / 1000; if (g > max) max = g; n++ } last = $2 }
		END { printf "%d %d", n, max }' wd.log)
	echo "# watchdog: $(prop WatchdogTimestampMonotonic) last; ${wd% *} pings seen during the storm, gaps between the pings seen up to ${wd#* } ms"
	w0=$(prop WatchdogTimestampMonotonic)
	n=80
	until [ "$(prop WatchdogTimestampMonotonic)" != "$w0" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	[ "$(prop WatchdogTimestampMonotonic)" != "$w0" ] && [ "$(prop MainPID)" = "$pid" ] && [ "$(prop NRestarts)" = 0 ] &&
		{ [ "${wd% *}" -ge 1 ] || awk -v s="$storm_s" 'BEGIN { exit !(s < 6) }'; } &&
		pass "the 4 s watchdog was pinged through the storm: no watchdog kill, no restart (pid $pid)" ||
		{
			fail "watchdog: '$wd', MainPID $(prop MainPID), NRestarts $(prop NRestarts), $(prop Result)"
			journalctl -b --no-pager -u $unit | grep -iE 'watchdog|dumped|killed' | tail -n 5 | sed 's/^/#   /'
			echo "#   journald: $(systemctl show -P CPUUsageNSec systemd-journald) ns CPU;" \
				"$(journalctl -b -k --no-pager | grep -c 'Memory failure') kernel memory-failure lines in the journal"
		}
}
# after_storm: memory and fds once the storm's work is done.
after_storm() {
	if [ "$(prop MainPID)" != "$pid" ]; then
		fail "daxmfd (pid $pid) did not survive the storm: now pid $(prop MainPID)"
		return
	fi
	hwm1=$(kb VmHWM) rss1=$(kb VmRSS) fds1=$(fds) disks1=$(disks)
	echo "# after: VmHWM $hwm1 kB (+$((hwm1 - hwm0))), VmRSS $rss1 kB ($((rss1 - rss0)) change), $fds1 fds, $disks1 disk(s) watched"
	echo "STORM-FIGURES variant=$variant seconds=$storm_s hwm_before_kb=$hwm0 hwm_after_kb=$hwm1 rss_before_kb=$rss0" \
		"rss_after_kb=$rss1 fds_before=$fds0 fds_after=$fds1 status_worst_ms=$(field worst_ms storm.rep)" \
		"status_mean_ms=$(field mean_ms storm.rep) status_probes=$(field probes storm.rep) idle_worst_ms=$(field worst_ms idle.rep)" \
		"watchdog_max_gap_ms=${wd#* } $*"
	[ "$fds1" = "$fds0" ] && pass "open fds: $fds0 before, $fds1 after" || fail "fds: $fds0 before, $fds1 after"
	[ $((hwm1 - hwm0)) -le 8192 ] && pass "peak memory grew by $((hwm1 - hwm0)) kB (bound: 8 MiB)" ||
		fail "VmHWM grew by $((hwm1 - hwm0)) kB"
	[ "$(prop ActiveState)" = active ] || fail "daxmfd: $(prop ActiveState) $(prop Result)"
}

case "$variant" in
namespace)
	# stormcycles=N on the kernel command line (DAXMF_VM_APPEND) for another size.
	cycles=$(sed -n 's/.*stormcycles=\([0-9]*\).*/\1/p' /proc/cmdline)
	cycles=${cycles:-1000}
	mkfs.ext4 -q -F -b 4096 /dev/pmem0 || die "mkfs.ext4"
	mount -o dax /dev/pmem0 /mnt && echo hello >/mnt/f && umount_busy || die "ext4 -o dax"
	removals0=$(count MESSAGE_ID=$event_id DAXMF_EVENT=removal)
	begin_storm
	i=0 errs=0 mounts=0
	while [ $i -lt "$cycles" ]; do
		if [ $((i % 100)) = 50 ]; then
			mount -o dax /dev/pmem0 /mnt && [ "$(cat /mnt/f)" = hello ] && umount_busy && mounts=$((mounts + 1)) ||
				errs=$((errs + 1))
		fi
		echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/unbind || errs=$((errs + 1))
		echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/bind || errs=$((errs + 1))
		i=$((i + 1))
		[ $((i % 25)) != 0 ] || echo "# $i cycles at $(now) s: daxmfd VmRSS $(kb VmRSS) kB, VmHWM $(kb VmHWM) kB, $(fds) fds"
	done
	end_storm
	[ "$errs" = 0 ] && pass "$cycles unbind/bind cycles, $mounts of them with a mount, no error" || fail "$errs errors"
	echo "# umount found /mnt busy $busy time(s) (retried every 50 ms)"
	echo "# $(awk -v s="$storm_s" -v c="$cycles" 'BEGIN { printf "%.0f", s * 1000 / c }') ms per cycle"
	udevadm settle -t 120
	n=600
	until [ "$(count MESSAGE_ID=$event_id DAXMF_EVENT=removal)" -ge $((removals0 + cycles)) ]; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	sleep 2
	records=$(($(count MESSAGE_ID=$event_id DAXMF_EVENT=removal) - removals0))
	ids=$(journalctl --no-pager -o verbose MESSAGE_ID=$event_id DAXMF_EVENT=removal | sed -n 's/^ *DAXMF_EVENT_ID=//p' | sort -u | wc -l)
	kernel=$(dmesg | grep -cE 'daxmf: removal [0-9]+ of pfn')
	echo "# removal records: $records; distinct event ids: $ids; the module's removal lines: $kernel"
	[ "$records" = "$cycles" ] && [ "$ids" = "$((removals0 + cycles))" ] &&
		pass "one removal record per unbind: $records" || fail "$records removal records for $cycles unbinds"
	[ "$(disks)" = 1 ] && [ "$disks0" = 1 ] && pass "the disk table holds pmem0 once, before and after" ||
		fail "disks: $disks0 before, $(disks) after"
	daxmfctl --json status | grep -q '"removal_handler": *true' && pass "still the module's removal handler" || fail "no longer the removal handler"
	after_storm "cycles=$cycles removal_records=$records"
	;;

badblocks)
	writes=${STORM_WRITES:-1000000}
	bb=/sys/block/pmem0/badblocks
	poison0=$(count MESSAGE_ID=$event_id DAXMF_EVENT=poison)
	begin_storm
	storm-write badblocks $bb "$writes" 512 16 8 "$pid" >bb.rep || fail "storm-write"
	end_storm
	sed 's/^/# writer: /' bb.rep
	lines=$(wc -l <$bb)
	[ "$lines" = 512 ] && [ "$(field enospc bb.rep)" = $((writes / 1000)) ] && [ "$(field errors bb.rep)" = 0 ] &&
		pass "the kernel's table is full at 512 entries; it refused the $(field enospc bb.rep) new ranges (ENOSPC)" ||
		fail "table: $lines entries; writer: $(tr '\n' ' ' <bb.rep)"
	daxmfctl rescan >/dev/null || fail "rescan"
	n=600
	until [ "$(count MESSAGE_ID=$event_id DAXMF_EVENT=poison)" -ge $((poison0 + 512)) ]; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	sleep 2
	records=$(($(count MESSAGE_ID=$event_id DAXMF_EVENT=poison) - poison0))
	distinct=$(journalctl --no-pager -o verbose MESSAGE_ID=$event_id DAXMF_EVENT=poison | sed -n 's/^ *DAXMF_SECTOR=//p' | sort -u | wc -l)
	want=$(awk '{ print $1 }' $bb | sort -u | wc -l)
	wakeups=$(journalctl --no-pager _PID="$pid" | grep -c 'badblocks rescanned on request')
	results=$(journalctl --no-pager -o verbose MESSAGE_ID=$event_id DAXMF_EVENT=poison | sed -n 's/^ *DAXMF_RESULT=//p' | sort | uniq -c | tr '\n' ' ')
	echo "# poison records: $records ($distinct distinct sectors; results: $results); rescans logged: $wakeups"
	[ "$records" = 512 ] && [ "$distinct" = 512 ] && [ "$want" = 512 ] &&
		pass "each of the 512 bad ranges failed and logged once ($writes writes, $wakeups rescans)" ||
		fail "$records poison records, $distinct distinct, for $want ranges"
	after_storm "writes=$writes poison_records=$records rescans=$wakeups us_per_write=$(field us_per_write bb.rep)"
	;;

memory-failure)
	first=$(($(pmem_data_phys) / 4096 + 256))
	offline=/sys/devices/system/memory/hard_offline_page
	seen0=$(info_field 'memory-failure events')
	begin_storm
	storm-write pfns $offline "$first" 98000 1 4096 >mf1.rep || fail "storm-write"
	storm-write pfns $offline $((first + 100000)) 2000 2 4096 >mf2.rep || fail "storm-write"
	end_storm
	sed 's/^/# consecutive: /' mf1.rep
	sed 's/^/# strided: /' mf2.rep
	n=600
	until [ "$(info_field 'memory-failure events')" = $((seen0 + 100000)) ]; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	seen=$(($(info_field 'memory-failure events') - seen0))
	[ "$seen" = 100000 ] && pass "the module saw the 100,000 memory failures" || fail "the module saw $seen"
	# Until everything the module saw is in a record or a lost count: ranges
	# close within 5 s, but journald is still digesting the kernel's 100,000
	# per-page lines, so daxmfd's records may wait in its journal queue.
	n=120
	until [ $(($(sum DAXMF_MF_EVENTS MESSAGE_ID=$event_id DAXMF_EVENT=memory-failure) + $(sum DAXMF_LOST DAXMF_EVENT=memory-failure-lost))) -ge 100000 ]; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 1
	done
	sleep 2
	echo "# daxmfd's journal queue: $(daxmfctl status | grep '^journal' || echo '?')"
	# daxmfd's own count of what it logged and counted lost, against the journal's.
	daxmfctl --json status >mfstatus.json 2>/dev/null
	echo "# daxmfd's memory failures: $(python3 -c 'import json; print(json.load(open("mfstatus.json"))["memory_failures"])' 2>&1)"
	echo "# journald: $(journalctl -b --no-pager -u systemd-journald 2>/dev/null | grep -iE 'suppress|rotat|vacuum|delet|full' | tail -n 5 | tr '\n' ' ')"
	echo "# journal disk usage: $(journalctl --disk-usage 2>&1)"
	dropped=$(sum DAXMF_DROPPED _PID="$pid")
	[ "$dropped" = 0 ] && pass "no record dropped from daxmfd's journal queue" ||
		fail "$dropped record(s) dropped from daxmfd's journal queue"
	in_records=$(sum DAXMF_MF_EVENTS MESSAGE_ID=$event_id DAXMF_EVENT=memory-failure)
	records=$(count MESSAGE_ID=$event_id DAXMF_EVENT=memory-failure)
	logged_lost=$(sum DAXMF_LOST DAXMF_EVENT=memory-failure-lost)
	lost_records=$(count DAXMF_EVENT=memory-failure-lost)
	lost=$(info_field 'memory-failure events lost')
	# What the module's buffer dropped is its own count; what daxmfd's receive buffer dropped, daxmfd's.
	module_lost=$(sum DAXMF_LOST DAXMF_EVENT=memory-failure-lost DAXMF_LOST_REASON=module-buffer)
	receive_lost=$(sum DAXMF_LOST DAXMF_EVENT=memory-failure-lost DAXMF_LOST_REASON=receive-buffer)
	echo "# memory-failure records: $records holding $in_records events; $lost_records lost record(s) counting $logged_lost ($module_lost module-buffer, $receive_lost receive-buffer); module: $lost lost"
	[ $((in_records + logged_lost)) = 100000 ] && [ "$module_lost" = "$lost" ] &&
		pass "every event accounted for: $in_records in $records records + $logged_lost logged lost = 100,000" ||
		fail "accounting: $in_records + $logged_lost, module lost $lost"
	[ "$records" -lt 5000 ] && pass "coalesced: $records records for 100,000 events" || fail "$records records"
	after_storm "events=100000 mf_records=$records in_records=$in_records lost=$logged_lost"
	;;
esac

if [ "$failures" -ne 0 ]; then
	echo "# daxmfd's journal, last lines:"
	journalctl -b --no-pager -u $unit | tail -n 80 | sed 's/^/#   /'
fi
finish
