# kill -9 of daxmfd in the middle of a large range, then a restart: every
# page of the range is failed, and no batch completes twice.  The module's
# own completion events (daxmfctl monitor) are the count: batches that ended
# with status 0 must tile the range exactly once.
. /tests/lib.sh

start_journald
load_daxmf
base=$(pmem_data_phys)
mkdir -p /etc/daxmf
# Small batches, few at a time: the range takes long enough to be cut.
printf '[Poison]\nRescanIntervalSec=300ms\n[Engine]\nBatchPages=64\nMaxInFlight=2\n' >/etc/daxmf/daxmfd.conf

daxmfctl monitor --json >events.json 2>monitor.err &
monitor=$!
daxmfd --config /etc/daxmf/daxmfd.conf 2>daxmfd.err &
daemon=$!
n=50
until journalctl --no-pager 2>/dev/null | grep -q 'watching pmem0'; do
	n=$((n - 1)); [ $n -gt 0 ] || die "daxmfd did not start"
	sleep 0.1
done

# 64 MiB of bad sectors, in entries of 512 (the most one entry holds); a
# longer list would not fit in the one page sysfs shows.
i=0
while [ $i -lt 256 ]; do
	echo "$((i * 512)) 512" >/sys/block/pmem0/badblocks
	i=$((i + 1))
done
pages=16384
first=$((base / 4096))

# Kill it once some batches are done, long before all are.
n=200
until [ "$(grep -c '"event":"range-done"' events.json)" -ge 20 ]; do
	n=$((n - 1)); [ $n -gt 0 ] || die "no progress: $(tail -3 events.json; cat daxmfd.err monitor.err; journalctl --no-pager | tail -15; head -c 300 /sys/block/pmem0/badblocks)"
	sleep 0.05
done
kill -9 $daemon
wait $daemon 2>/dev/null
sed 's/^/# state at the kill: /' /var/lib/daxmf/ranges | grep -v completed
done_at_kill=$(grep '"event":"range-done"' events.json | grep -c '"status":0,')
echo "# killed after $done_at_kill completed batches"
[ "$done_at_kill" -lt $((pages / 64)) ] && pass "killed in the middle ($done_at_kill of $((pages / 64)) batches)" ||
	fail "the range was already done at the kill"
grep -q '^in-flight ' /var/lib/daxmf/ranges && pass "state file holds the batches in flight" ||
	echo "# no batch was in flight at the kill"

daxmfd --config /etc/daxmf/daxmfd.conf 2>daxmfd2.err &
daemon=$!
n=300
until ! grep -qE '^(pending|in-flight) ' /var/lib/daxmf/ranges 2>/dev/null &&
	[ "$(grep '"event":"range-done"' events.json | grep '"status":0,' |
		awk '{ match($0, /"pages":[0-9]+/); s += substr($0, RSTART + 8, RLENGTH - 8) } END { print s + 0 }')" -ge $pages ]; do
	n=$((n - 1)); [ $n -gt 0 ] || break
	sleep 0.1
done
sleep 0.5
kill $monitor 2>/dev/null
journalctl --no-pager | grep -F 'daxmfd[' | grep -v 'watching' | sed 's/^/# /' | tail -6

# Completed batches: "pfn pages" per line, sorted; they must tile [first, first+pages).
grep '"event":"range-done"' events.json | grep '"status":0,' |
	sed 's/.*"pfn":\([0-9]*\),"pages":\([0-9]*\),.*/\1 \2/' | sort -n >completed.txt
awk -v first=$first -v total=$pages '
	{ if ($1 != next_pfn && NR > 1) { gap = 1; print "# gap or overlap at pfn " $1 " (expected " next_pfn ")" }
	  if (NR == 1 && $1 != first) { gap = 1; print "# starts at " $1 " not " first }
	  next_pfn = $1 + $2; sum += $2 }
	END { print "# " NR " completed batches, " sum " pages"; exit !(gap == 0 && sum == total && next_pfn == first + total) }' \
	completed.txt && pass "every page completed exactly once across the kill" || fail "completions do not tile the range"
grep -q '"status_name":"ECONNRESET"' events.json && pass "the killed run's jobs were cancelled (ECONNRESET)" ||
	echo "# no job was running at the kill"
kill -TERM $daemon
wait $daemon && pass "the restarted daxmfd stops cleanly" || fail "exit status: $(cat daxmfd2.err)"
finish
