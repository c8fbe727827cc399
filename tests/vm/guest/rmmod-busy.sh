# Ranges run as jobs: generic netlink stays responsive while one runs, the
# job limit is enforced, rmmod while a long range runs stops it at the next
# page (ESHUTDOWN in its reply and event) and the module loads again, and a
# requester that dies takes its range with it (ECONNRESET).
. /tests/lib.sh

load_daxmf
# Early progress events tell the test the range is under way, on any host speed.
echo 20 >/sys/module/daxmf/parameters/progress_ms

# wait_progress FILE COOKIE: until a progress event of that range is in FILE.
wait_progress() {
	n=200
	until grep '"event":"range-progress"' "$1" 2>/dev/null | grep -q "\"cookie\":$2,"; do
		n=$((n - 1))
		[ $n -gt 0 ] || return 1
		sleep 0.05
	done
}

pfn=$(printf '0x%x' $(($(cat /sys/block/pmem0/device/resource) / 4096)))
pages=262144     # the whole 1 GiB, page by page: seconds under TCG

daxmfctl monitor --json >events.json 2>monitor.err &
monitor=$!
sleep 0.5
daxmfctl fail-range --yes --pfn "$pfn" --pages $pages --per-page --cookie 77 >long.txt 2>long.err &
req=$!
wait_progress events.json 77 || fail "no progress event"

# While it runs: other requests are answered, and the job limit holds.
daxmfctl info >info.txt && grep -q '^jobs: *1 running' info.txt && pass "info answers while a range runs (1 job)" ||
	fail "info during a range: $(cat info.txt)"
echo 1 >/sys/module/daxmf/parameters/max_jobs
daxmfctl fail-range --yes --pfn "$pfn" --pages 1 2>busy.err && fail "a second job beyond max_jobs was accepted" ||
	{ grep -q 'EBUSY.*too many ranges running' busy.err && pass "beyond max_jobs -> EBUSY" || fail "$(cat busy.err)"; }
echo 16 >/sys/module/daxmf/parameters/max_jobs
rmmod daxmf && pass "rmmod while a range runs" || fail "rmmod busy"
wait $req
echo "# reply: $(tr '\n' ' ' <long.txt)"
grep -q '^result: *stopped (ESHUTDOWN' long.txt && pass "the range stopped with ESHUTDOWN" || fail "reply: $(cat long.txt long.err)"
handled=$(sed -n 's/^pages handled: *//p' long.txt)
[ -n "$handled" ] && [ "$handled" -gt 0 ] && [ "$handled" -lt $pages ] && pass "$handled of $pages pages handled before the stop" || fail "handled: $handled"
grep -q '^daxmf ' /proc/modules && fail "module still loaded" || pass "module gone"

# The monitor notices the unload and ends by itself.
n=50
while kill -0 $monitor 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
if kill -0 $monitor 2>/dev/null; then
	fail "monitor still running after rmmod"
	kill $monitor
else
	wait $monitor && grep -q 'module was unloaded' monitor.err && pass "monitor ends when the module is unloaded" ||
		fail "monitor: $(cat monitor.err)"
fi

# Progress events while it ran, then the completion event with the stop reason.
progress=$(grep '"event":"range-progress"' events.json | grep -c '"cookie":77')
[ "$progress" -ge 2 ] && pass "$progress progress events during the range" || fail "progress events: $(head -c 600 events.json)"
grep '"event":"range-done"' events.json | grep '"cookie":77' | grep -q '"status_name":"ESHUTDOWN"' &&
	pass "completion event says ESHUTDOWN" || fail "done event: $(grep range-done events.json)"
grep '"event":"range-progress"' events.json | sed 's/.*"pages_done":\([0-9]*\).*/\1/' >done.txt
sort -n done.txt | cmp -s - done.txt && pass "progress counters only grow" || fail "progress out of order: $(cat done.txt)"

modprobe daxmf && daxmfctl info >/dev/null && pass "loads and answers again" || fail "reload"

# SIGKILL to the requester closes its socket: the module cancels its job.
daxmfctl monitor --json >events2.json 2>/dev/null &
monitor=$!
sleep 0.5
daxmfctl fail-range --yes --pfn "$pfn" --pages $pages --per-page --cookie 78 >/dev/null 2>&1 &
req=$!
wait_progress events2.json 78 || fail "no progress event"
kill -9 $req
wait $req
sleep 0.2
kill $monitor 2>/dev/null
grep '"event":"range-done"' events2.json | grep '"cookie":78,' | grep -q '"status_name":"ECONNRESET"' &&
	pass "completion event of the killed requester's range says ECONNRESET" || fail "done event: $(grep range-done events2.json)"
daxmfctl info >/dev/null && rmmod daxmf && pass "idle again, rmmod" || fail "rmmod after kill"
finish
