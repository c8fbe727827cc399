# kill -9 of daxmfd at random points, ten times in one boot.  Each run adds
# a new poison range (random size, after a random gap), kills daxmfd once a
# random number of that range's batches have completed plus a random delay,
# and starts it again with a random batch size; the restart finishes the
# range.  At the end the module's own completion events (daxmfctl monitor)
# must tile the ten ranges exactly once: a batch that ended with status 0
# counts whole, one that was cut (ECONNRESET: its requester was killed)
# counts the pages it handled.  No page twice, none missing, and every range
# has a journal record saying complete.  The kernel's tracepoint counts the
# same: one memory_failure() per page.  The seed is printed; vmseed=N on the
# guest's command line (DAXMF_VM_SEED=N for run-vm.sh) replays a run.
. /tests/lib.sh
. /tests/mf-trace.sh

runs=10
seed=$(sed -n 's/.*vmseed=\([0-9]*\).*/\1/p' /proc/cmdline)
[ -n "$seed" ] || seed=$(od -An -N3 -tu4 /dev/urandom | tr -d ' ')
echo "# seed $seed"

start_journald
load_daxmf
base=$(pmem_data_phys)
mf_trace_start
data_pfn=$((base / 4096))
mkdir -p /etc/daxmf

# The plan, from the seed: per run its gap and size in badblocks entries of
# 512 sectors (64 pages; the most one entry holds), the batch size of the
# daemon that finishes it, the completed batches to wait for and the extra
# delay before the kill.  All ranges together stay within the one page
# sysfs shows of the badblocks list (~300 entries).
awk -v seed="$seed" -v runs=$runs 'BEGIN {
	srand(seed); prev = 64
	split("32 64 256 512", bp)
	for (r = 1; r <= runs; r++) {
		gap = 1 + int(rand() * 4); n = 16 + int(rand() * 13)
		b = bp[1 + int(rand() * 4)]
		nb = int((n * 64 + prev - 1) / prev)
		k = 1 + int(rand() * (nb - 2 > 1 ? nb - 2 : 1))
		printf "%d %d %d %d %d %d 0.%03d\n", r, gap, n, b, prev, k, int(rand() * 16)
		prev = b
	}
}' >plan.txt

conf() { printf '[Poison]\nRescanIntervalSec=200ms\n[Engine]\nBatchPages=%s\nMaxInFlight=1\n' "$1" >/etc/daxmf/daxmfd.conf; }

# pages_in FIRST END: pages handled so far within [FIRST, END), from the
# completion events: whole batches with status 0, the handled part of others.
pages_in() {
	grep '"event":"range-done"' events.json | sed 's/.*"pfn":\([0-9]*\),"pages":\([0-9]*\),.*"status":\(-*[0-9]*\),.*"pages_done":\([0-9]*\),.*/\1 \2 \3 \4/' |
		awk -v f="$1" -v e="$2" '$1 >= f && $1 < e { s += ($3 == 0 ? $2 : $4) } END { print s + 0 }'
}
# batches_ok_in FIRST END: batches completed with status 0 within the range.
batches_ok_in() {
	grep '"event":"range-done"' events.json | grep '"status":0,' | sed 's/.*"pfn":\([0-9]*\),.*/\1/' |
		awk -v f="$1" -v e="$2" '$1 >= f && $1 < e { n++ } END { print n + 0 }'
}
start_daemon() {
	daxmfd --config /etc/daxmf/daxmfd.conf 2>>daxmfd.err &
	daemon=$!
}

daxmfctl monitor --json >events.json 2>monitor.err &
monitor=$!
conf 64
start_daemon
n=100
until journalctl --no-pager 2>/dev/null | grep -q 'watching pmem0'; do
	n=$((n - 1)); [ $n -gt 0 ] || die "daxmfd did not start: $(cat daxmfd.err)"
	sleep 0.1
done

t0=$(awk '{ print $1 }' /proc/uptime)
entry=0		# next free badblocks entry (512 sectors)
: >ranges.txt
mid_job=0
while read -r r gap nent bp_next bp_now k delay; do
	entry=$((entry + gap))
	first=$((data_pfn + entry * 64))
	end=$((first + nent * 64))
	# The kill's trigger: a monitor that ends after k completions (a poll
	# would come too late: a range takes a fraction of a second).
	daxmfctl monitor --count "$k" >/dev/null 2>&1 &
	counter=$!
	(sleep 30; kill $counter 2>/dev/null) &
	watchdog=$!
	sleep 0.3
	i=0
	while [ $i -lt "$nent" ]; do
		echo "$(((entry + i) * 512)) 512" >/sys/block/pmem0/badblocks
		i=$((i + 1))
	done
	entry=$((entry + nent))
	echo "$first $end" >>ranges.txt

	wait $counter
	kill $watchdog 2>/dev/null
	[ "$delay" = 0.000 ] || sleep "$delay"
	kill -9 $daemon
	wait $daemon 2>/dev/null
	seen=$(batches_ok_in $first $end)
	handled=$(pages_in $first $end)
	inflight=$(grep -c '^in-flight ' /var/lib/daxmf/ranges 2>/dev/null)
	echo "# run $r: pfn $first+$((end - first)) at batch size $bp_now: kill after $k completions + $delay s;" \
		"$seen batches ($handled pages) done at the kill, $inflight batch(es) in flight; restart at batch size $bp_next"
	[ "$handled" -lt $((end - first)) ] || echo "# run $r: the range was already complete at the kill"

	conf "$bp_next"
	start_daemon
	n=600
	until [ "$(pages_in $first $end)" -ge $((end - first)) ] &&
		! grep -qE '^(pending|in-flight) ' /var/lib/daxmf/ranges 2>/dev/null; do
		n=$((n - 1)); [ $n -gt 0 ] || { fail "run $r: range not finished after the restart ($(pages_in $first $end) of $((end - first)) pages)"; break; }
		sleep 0.05
	done
	[ "$(pages_in $first $end)" -lt $((end - first)) ] || pass "run $r: range done after the kill and restart"
done <plan.txt
t1=$(awk '{ print $1 }' /proc/uptime)
sleep 0.3
kill $monitor 2>/dev/null

# Every segment a batch handled: "first end status".
grep '"event":"range-done"' events.json | sed 's/.*"pfn":\([0-9]*\),"pages":\([0-9]*\),.*"status":\(-*[0-9]*\),.*"pages_done":\([0-9]*\),.*/\1 \2 \3 \4/' |
	awk '{ p = ($3 == 0 ? $2 : $4); if (p > 0) print $1, $1 + p, $3 }' | sort -n >segments.txt
cut_batches=$(awk '$3 != 0' segments.txt | wc -l)
cut_all=$(grep '"event":"range-done"' events.json | grep -c '"status_name":"ECONNRESET"')
other=$(grep '"event":"range-done"' events.json | grep -v '"status":0,' | grep -vc '"status_name":"ECONNRESET"')
total=$(awk '{ s += $2 - $1 } END { print s }' ranges.txt)
echo "# $runs runs, $total pages in $(wc -l <ranges.txt) ranges, $(wc -l <segments.txt) segments handled," \
	"$cut_all batches cut by a kill ($cut_batches of them after handling pages), in $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }') s"
[ "$other" = 0 ] && pass "no batch ended with an error other than ECONNRESET" ||
	fail "$other batch(es) ended otherwise: $(grep '"event":"range-done"' events.json | grep -v '"status":0,' | grep -v ECONNRESET | head -3)"

# Merge the segments; any overlap is a page handled twice.  The merged runs
# must be exactly the ranges (they are apart, so none joins two).
awk 'NR == FNR { want[++nw] = $1 " " $2; next }
	{ if (n && $1 < e) { print "# overlap: " $1 "-" $2 " starts before " e; bad = 1 }
	  if (n && $1 == e) { e = $2; next }
	  if (n) got[++ng] = s " " e
	  s = $1; e = $2; n = 1 }
	END { if (n) got[++ng] = s " " e
	      if (ng != nw) { print "# " ng " merged runs for " nw " ranges"; bad = 1 }
	      for (i = 1; i <= nw && i <= ng; i++)
		if (got[i] != want[i]) { print "# range " want[i] " handled as " got[i]; bad = 1 }
	      exit bad }' ranges.txt segments.txt &&
	pass "every page of the $runs ranges handled exactly once across $runs kills" ||
	fail "the completions do not tile the ranges"

# The kernel's own count: one memory_failure() call per page, whoever made it.
mf_trace_pfns mf-pfns.txt || fail "the trace buffer overran"
mf_trace_check mf-pfns.txt ranges.txt && pass "the kernel saw one memory_failure() per page of the ranges, none twice" ||
	fail "memory_failure() calls do not match the ranges"

# The journal: each range has a poison record that says complete (the last
# daemon's, at least), and no poison record says anything else.
journalctl --no-pager -o verbose MESSAGE_ID=cf97945658094f1db7308336789c695b 2>/dev/null |
	awk 'function out() { if (ev == "poison") print s, e, r, f; ev = "" }
		/^[^ ]/ { out(); next }
		{ sub(/^ */, "") }
		/^DAXMF_EVENT=/ { ev = substr($0, 13) }
		/^DAXMF_RESULT=/ { r = substr($0, 14) }
		/^DAXMF_PHYS_START=/ { s = substr($0, 18) }
		/^DAXMF_PHYS_END=/ { e = substr($0, 16) }
		/^DAXMF_PAGES_FAILED=/ { f = substr($0, 20) }
		END { out() }' >records.txt
echo "# $(wc -l <records.txt) poison records, $(grep -c ' complete 0$' records.txt) of them complete"
# Complete records may cut a range where a rescan read the list while it was
# being written: their union must cover each range.
while read -r s e r f; do
	[ "$r" = complete ] && echo $((s / 4096)) $(((e + 1) / 4096))
done <records.txt | sort -n >complete-pfns.txt
missing=0
while read -r first end; do
	awk -v f="$first" -v e="$end" '$1 >= f && $2 <= e' complete-pfns.txt |
		awk -v f="$first" -v e="$end" '{ if ($1 <= c) { if ($2 > c) c = $2 } } BEGIN { c = f } END { exit !(c >= e) }' ||
		{ missing=$((missing + 1)); echo "# no complete record covers pfn $first-$end"; }
done <ranges.txt
[ $missing = 0 ] && pass "every range is covered by journal records that say complete, no page failed" ||
	fail "$missing range(s) not covered by complete records"
grep -v ' complete 0$' records.txt | sed 's/^/# other record: /'
[ -z "$(grep -v ' complete 0$' records.txt)" ] && pass "no poison record says stopped, partial or failed" ||
	fail "records other than complete"

kill -TERM $daemon
wait $daemon && pass "the last daxmfd stops cleanly" || fail "exit status: $(tail -5 daxmfd.err)"
finish
