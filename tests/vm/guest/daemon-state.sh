# daxmfd's state directory full (vmvariant=full: a 256 KiB tmpfs filled to
# the last block) or read-only (vmvariant=ro: remounted ro) while poison
# comes: the pages are still failed and logged, daxmfd stays up and says it
# is degraded, why (ENOSPC, EROFS) and which file; once there is room again
# (or it is rw) the retry timer saves the state, with no new event; then
# kill -9 and a restart: the pages failed during the fault are known as
# failed, none is failed twice (the module's own completions count them).
. /tests/lib.sh

variant=$(sed -n 's/.*vmvariant=\([a-z-]*\).*/\1/p' /proc/cmdline)
case "$variant" in
full) error=ENOSPC ;;
ro) error=EROFS ;;
*) die "vmvariant=full or ro, not '$variant'" ;;
esac
ev=cf97945658094f1db7308336789c695b
degraded_id=fcab4ff2a61847178f10f2912581067f
state=/var/lib/daxmf

start_journald
load_daxmf
mount_xfs_dax
xfs_io -f -c "pwrite -q -S 0x70 0 1m" -c fsync /mnt/f || die "write f"
base=$(pmem_data_phys)
set -- $(file-pfns /mnt/f "$base")
pfn=$1
sector=$(( (pfn * 4096 - base) / 512 ))

mkdir -p $state /etc/daxmf
mount -t tmpfs -o size=256k,mode=0700 daxmf-state $state || die "tmpfs for the state"
printf '[Poison]\nRescanIntervalSec=0\n[Metrics]\nTextfilePath=\n' >/etc/daxmf/daxmfd.conf
daxmfctl monitor --json >events.json 2>monitor.err &
monitor=$!

start() {
	daxmfd --config /etc/daxmf/daxmfd.conf 2>>daxmfd.err &
	daemon=$!
	n=200
	until timeout 10 daxmfctl status --json 2>/dev/null | grep -q '"name": *"pmem0"'; do
		n=$((n - 1)); [ $n -gt 0 ] || die "daxmfd did not start: $(cat daxmfd.err)"
		sleep 0.1
	done
}
status() { timeout 20 daxmfctl status --json | tr -d ' \n'; }
# settled N: no event open, nothing pending or in flight, N pages failed.
settled() {
	s=$(status)
	echo "$s" | grep -q '"events_open":0' &&
		echo "$s" | grep -q "\"pages_pending\":0,\"pages_in_flight\":0,\"pages_completed\":$1,"
}
wait_until() {
	n=$1
	shift
	until "$@"; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		sleep 0.1
	done
}
saved_is() { status | grep -q "\"state\":{[^}]*\"saved\":$1"; }

start
pass "daxmfd runs, its state in a 256 KiB tmpfs"
if [ "$variant" = full ]; then
	dd if=/dev/zero of=$state/filler bs=4k 2>/dev/null
	echo x >>$state/filler 2>/dev/null && die "the state directory is not full"
	echo "# $(df -k $state | tail -n 1)"
else
	mount -o remount,ro $state || die "remount ro"
fi
before=$(cat $state/ranges 2>/dev/null)

# Two pages of f go bad while nothing can be saved.
echo "$((sector + 8)) 8" >/sys/block/pmem0/badblocks
echo "$((sector + 24)) 8" >/sys/block/pmem0/badblocks
timeout 20 daxmfctl rescan >/dev/null || fail "daxmfctl rescan"
wait_until 200 settled 2 && pass "both pages failed with the state directory $variant" || fail "not settled: $(status)"
wait_until 100 saved_is false || fail "state not said unsaved: $(status)"
s=$(status)
echo "# $(echo "$s" | sed 's/.*\("degraded":"[^"]*"\).*/\1/')"
# (status() took the spaces out of the JSON, the message's too.)
echo "$s" | grep -q "\"degraded\":\"cannotsavethestatefile$state/ranges:[^\"]*($error)" &&
	echo "$s" | grep -q "\"state\":{\"directory\":\"$state\",\"saved\":false,\"error\":\"$error\"}" &&
	pass "status: degraded, $error, and the file ($state/ranges)" || fail "status: $s"
journal_field $degraded_id DAXMF_DEGRADED | grep -q "cannot save the state file $state/ranges: .*($error)" &&
	pass "journal: a degraded record with the file and $error" || fail "degraded record: $(journal_field $degraded_id DAXMF_DEGRADED)"
[ "$(journal_field $degraded_id DAXMF_DEGRADED | grep -c 'cannot save the state file')" = 1 ] &&
	pass "said once, however many saves failed" || fail "degraded records: $(journal_field $degraded_id DAXMF_DEGRADED | wc -l)"
wait_until 100 [ "$(journal_field $ev DAXMF_RESULT | grep -c complete)" = 2 ] &&
	pass "two poison records, complete" || fail "records: $(journal_field $ev DAXMF_RESULT | tr '\n' ' ')"
kill -0 $daemon && pass "daxmfd still runs" || die "daxmfd died: $(cat daxmfd.err)"
[ "$(cat $state/ranges 2>/dev/null)" = "$before" ] && pass "the state file as before (nothing half written)" ||
	fail "state file changed: $(cat $state/ranges)"
ls -A $state | grep -q '^\.ranges\.tmp$' && fail "a temporary file left: $(ls -A $state)" || pass "no temporary file left"

# Room again: saved by the retry timer, no new event needed.
events_before=$(journal_field $ev DAXMF_EVENT_ID | wc -l)
if [ "$variant" = full ]; then rm $state/filler; else mount -o remount,rw $state || die "remount rw"; fi
t0=$(date +%s)
wait_until 100 saved_is true && pass "state saved again within $(( $(date +%s) - t0 )) s, by the retry timer" ||
	fail "not saved again: $(status)"
[ "$(journal_field $ev DAXMF_EVENT_ID | wc -l)" = "$events_before" ] || fail "a new event came in between"
status | grep -q '"degraded":""' && pass "degraded cleared" || fail "still degraded: $(status)"
journalctl --no-pager | grep -q "state file $state/ranges saved again" && pass "journal: saved again" || fail "no 'saved again'"
sed 's/^/# ranges: /' $state/ranges
grep -q "^completed $(printf '0x%x' $((pfn + 1))) $(printf '0x%x' $((pfn + 2)))\$" $state/ranges &&
	grep -q "^completed $(printf '0x%x' $((pfn + 3))) $(printf '0x%x' $((pfn + 4)))\$" $state/ranges &&
	! grep -q '^\(pending\|in-flight\) ' $state/ranges && pass "the state file has both pages failed, nothing pending" ||
	fail "state: $(cat $state/ranges)"

# kill -9 and a restart: the pages are known as failed; the module fails neither again.
kill -9 $daemon
wait $daemon 2>/dev/null
start
wait_until 200 settled 2 && pass "restarted: 2 pages failed, from the state file; nothing pending" || fail "after restart: $(status)"
sleep 1
kill $monitor 2>/dev/null
wait $monitor 2>/dev/null
grep '"event":"range-done"' events.json | grep '"status":0,' |
	sed 's/.*"pfn":\([0-9]*\),"pages":\([0-9]*\),.*/\1 \2/' | sort -n >done.txt
sed 's/^/# module completion: /' done.txt
awk -v a=$((pfn + 1)) -v b=$((pfn + 3)) '
	{ for (p = $1; p < $1 + $2; p++) n[p]++ }
	END { bad = 0; for (p in n) if (n[p] != 1 || (p != a && p != b)) bad++; exit !(bad == 0 && n[a] == 1 && n[b] == 1) }' done.txt &&
	pass "the module failed each page exactly once across the fault and the kill" || fail "completions: $(cat done.txt | tr '\n' ' ')"
kill -TERM $daemon
wait $daemon && pass "daxmfd stops cleanly" || fail "exit status"
finish
