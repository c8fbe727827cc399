# rmmod while a long range runs: unload waits only for the current page,
# the range stops with ESHUTDOWN in its reply, and the module loads again.
# A fatal signal to the requester stops a range the same way (EINTR).
. /tests/lib.sh

load_daxmf
pfn=$(printf '0x%x' $(($(cat /sys/block/pmem0/device/resource) / 4096)))
pages=262144     # the whole 1 GiB, page by page: seconds under TCG

daxmfctl fail-range --pfn "$pfn" --pages $pages --per-page >long.txt 2>long.err &
req=$!
sleep 1
t0=$(date +%s%N 2>/dev/null || echo 0)
rmmod daxmf && pass "rmmod while a range runs" || fail "rmmod busy"
wait $req
echo "# reply: $(tr '\n' ' ' <long.txt)"
grep -q '^result: *stopped (ESHUTDOWN' long.txt && pass "the range stopped with ESHUTDOWN" || fail "reply: $(cat long.txt long.err)"
handled=$(sed -n 's/^pages handled: *//p' long.txt)
[ -n "$handled" ] && [ "$handled" -gt 0 ] && [ "$handled" -lt $pages ] && pass "$handled of $pages pages handled before the stop" || fail "handled: $handled"
grep -q '^daxmf ' /proc/modules && fail "module still loaded" || pass "module gone"

modprobe daxmf && daxmfctl info >/dev/null && pass "loads and answers again" || fail "reload"

# SIGKILL to the requester: the module notices the fatal signal and stops.
daxmfctl fail-range --pfn "$pfn" --pages $pages --per-page >/dev/null 2>&1 &
req=$!
sleep 1
kill -9 $req
s=$(cut -d' ' -f1 /proc/uptime)
wait $req
e=$(cut -d' ' -f1 /proc/uptime)
awk -v s="$s" -v e="$e" 'BEGIN { exit !(e - s < 1.0) }' && pass "a killed requester exits at once ($s -> $e)" || fail "killed requester took $s -> $e"
daxmfctl info >/dev/null && rmmod daxmf && pass "idle again, rmmod" || fail "rmmod after kill"
finish
