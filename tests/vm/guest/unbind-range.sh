# The device unbound in the middle of a range: the range stops with ENXIO
# for the pages not done, the pages done before are reported done (and are
# exactly the ones the kernel saw fail), the unbind completes, no oops or
# WARN, and the module unloads.  Nothing is mounted: the pagemap has no
# holder, so the range goes page by page (seconds for the whole device).
# vmvariant=ctl:    daxmfctl fail-range --per-page over all of pmem0;
# vmvariant=daemon: daxmfd fails a long poison range on pmem0 (it is the
#                   removal handler too); the namespace goes while its
#                   batches run.
. /tests/lib.sh
. /tests/mf-trace.sh

variant=$(sed -n 's/.*vmvariant=\([a-z]*\).*/\1/p' /proc/cmdline)
case $variant in
ctl | daemon) ;;
*) die "vmvariant=ctl or daemon, not '$variant'" ;;
esac

uptime_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }

# unbind: namespace0.0 off nd_pmem, bounded; sets unbind_cs.
unbind() {
	t0=$(uptime_cs)
	echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/unbind &
	u=$!
	n=600
	while kill -0 $u 2>/dev/null && [ $n -gt 0 ]; do sleep 0.05; n=$((n - 1)); done
	kill -0 $u 2>/dev/null && die "the unbind hangs"
	wait $u && pass "the unbind completed" || fail "unbind failed"
	unbind_cs=$(($(uptime_cs) - t0))
	echo "# the unbind took $unbind_cs cs"
	[ -e /dev/pmem0 ] && fail "pmem0 still there" || pass "pmem0 is gone"
}

# A range over the device once it is gone: refused, and says why.
after_removal() {
	daxmfctl fail-range --yes --pfn "$pfn" --pages 16 2>gone.err && fail "a range over the removed device was accepted" ||
		{ grep -q 'ENXIO' gone.err && pass "a new range over the removed device: $(cat gone.err)" || fail "$(cat gone.err)"; }
}

load_daxmf
echo 20 >/sys/module/daxmf/parameters/progress_ms
data_pfn=$(($(pmem_data_phys) / 4096))
pfn=$(printf '0x%x' $data_pfn)
mf_trace_start
daxmfctl monitor --json >events.json 2>monitor.err &
monitor=$!
sleep 0.5

if [ "$variant" = ctl ]; then
	pages=$(($(cat /sys/block/pmem0/size) / 8))
	daxmfctl fail-range --yes --pfn "$pfn" --pages $pages --per-page --cookie 91 >long.txt 2>long.err &
	req=$!
	n=200
	until grep '"event":"range-progress"' events.json | grep -q '"cookie":91,'; do
		n=$((n - 1)); [ $n -gt 0 ] || die "no progress event: $(cat long.err)"
		sleep 0.05
	done
	unbind
	wait $req && fail "daxmfctl fail-range exited 0 for a stopped range" || pass "daxmfctl fail-range exits non-zero"
	sed 's/^/# reply: /' long.txt long.err
	grep -q '^result: *stopped (ENXIO' long.txt && pass "the reply says stopped (ENXIO)" || fail "reply: $(cat long.txt long.err)"
	done_pages=$(sed -n 's/^pages handled: *//p' long.txt)
	[ -n "$done_pages" ] && [ "$done_pages" -gt 0 ] && [ "$done_pages" -lt $pages ] &&
		pass "$done_pages of $pages pages handled before the unbind" || fail "handled: $done_pages"
	grep -q "^pages not handled: *$((pages - done_pages)) from pfn 0x$(printf '%x' $((data_pfn + done_pages))): the device went away (unbound or disabled)" long.txt &&
		pass "the reply names the pages not handled and why" || fail "no 'pages not handled' line"
	grep -q '^pages failed: *0$' long.txt && grep -q '^first error: *none' long.txt &&
		pass "no per-page error for the pages not done" || fail "per-page errors in the reply"
	sleep 0.3
	grep '"event":"range-done"' events.json | grep '"cookie":91,' | grep '"status_name":"ENXIO"' |
		grep -q "\"pages_done\":$done_pages," && pass "the completion event: ENXIO, $done_pages pages done" ||
		fail "done event: $(grep range-done events.json)"
	grep '"event":"range-progress"' events.json | sed 's/.*"pages_done":\([0-9]*\).*/\1/' >progress.txt
	sort -n progress.txt | cmp -s - progress.txt && [ "$(tail -n 1 progress.txt)" -le "$done_pages" ] &&
		pass "$(wc -l <progress.txt) progress events, growing, none beyond the end" || fail "progress: $(tail -3 progress.txt)"
	echo "$data_pfn $((data_pfn + done_pages))" >done-range.txt
	mf_trace_pfns mf-pfns.txt || fail "the trace buffer overran"
	mf_trace_check mf-pfns.txt done-range.txt && pass "the kernel failed exactly the pages reported done" ||
		fail "memory_failure() calls differ from the pages reported done"
	after_removal
else
	start_daxmfd '[Poison]\nRescanIntervalSec=200ms\n[Engine]\nBatchPages=512\nMaxInFlight=2\n'
	# 240 entries of 512 sectors: 15360 pages, 60 MiB.
	i=0
	while [ $i -lt 240 ]; do
		echo "$((i * 512)) 512" >/sys/block/pmem0/badblocks
		i=$((i + 1))
	done
	pages=15360
	n=400
	until [ "$(grep '"event":"range-done"' events.json | grep -c '"status":0,')" -ge 2 ]; do
		n=$((n - 1)); [ $n -gt 0 ] || die "no progress: $(tail -5 daxmfd.err)"
		sleep 0.02
	done
	unbind
	sleep 0.5
	grep '"event":"removal' events.json | sed 's/^/# monitor: /'
	# What the kernel saw fail: daxmfd's poison batches (the device's first
	# pages) before the unbind, nothing of them after it.
	grep '"event":"range-done"' events.json | grep -v '"flag_names":[^]]*"removal"' |
		sed 's/.*"pfn":\([0-9]*\),"pages":\([0-9]*\),.*"status":\(-*[0-9]*\),.*"pages_done":\([0-9]*\),.*/\1 \2 \3 \4/' |
		awk '{ p = ($3 == 0 ? $2 : $4); if (p > 0) print $1, $1 + p, $3 }' | sort -n >segments.txt
	done_pages=$(awk '{ s += $2 - $1 } END { print s + 0 }' segments.txt)
	awk -v f=$data_pfn 'BEGIN { e = f } $1 != e { exit 1 } { e = $2 } END { exit e <= f }' segments.txt &&
		pass "$done_pages of $pages poison pages done before the unbind, from the start, no gap" ||
		fail "poison segments: $(tr '\n' ' ' <segments.txt)"
	awk '{ print $1, $2 }' segments.txt >done-range.txt
	mf_trace_pfns mf-pfns.txt || fail "the trace buffer overran"
	mf_trace_check mf-pfns.txt done-range.txt && pass "the kernel failed exactly the pages reported done" ||
		fail "memory_failure() calls differ from the pages reported done"
	other=$(awk '$3 != 0 && $3 != -6' segments.txt | wc -l)
	[ "$other" = 0 ] && pass "no poison batch ended with an error other than ENXIO" || fail "$other batches ended otherwise"
	id=cf97945658094f1db7308336789c695b
	journalctl --no-pager -o verbose MESSAGE_ID=$id DAXMF_EVENT=poison | grep -E ' (MESSAGE|DAXMF_RESULT|DAXMF_PAGES[A-Z_]*)=' | sed 's/^/# /'
	# A rescan may have read the list while it was written: one record or
	# a few.  Those over pages not done say stopped, the others complete.
	journalctl --no-pager -o verbose MESSAGE_ID=$id DAXMF_EVENT=poison | sed -n 's/^ *DAXMF_RESULT=//p' >results.txt
	results=$(sort results.txt | uniq -c | tr '\n' ' ')
	echo "# poison records: $results"
	grep -q '^stopped$' results.txt && ! grep -qvE '^(stopped|complete)$' results.txt &&
		pass "the poison record of the pages not done says stopped" || fail "poison records: $results"
	kill -0 $daxmfd_pid && pass "daxmfd runs on" || fail "daxmfd died: $(tail -5 daxmfd.err)"
	journalctl --no-pager | grep -F 'daxmfd[' | grep -E 'being removed|stopped after|answered|removal' | sed 's/^/# /' | tail -8
	after_removal
	kill -TERM $daxmfd_pid
	wait $daxmfd_pid && pass "daxmfd stops cleanly" || fail "daxmfd exit status"
fi

kill $monitor 2>/dev/null
rmmod daxmf && pass "the module unloads" || fail "rmmod"
grep -q '^daxmf ' /proc/modules && fail "module still loaded" || true
finish
