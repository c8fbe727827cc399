# fsdax: XFS (reflink, rmapbt) mounted dax=always.  A maps a file, B maps a
# reflinked copy sharing A's extent, C maps an unrelated file; all three ask
# for early kill.  Failing the file's physical pages (fsmap -> physical
# address) must signal A and B with BUS_MCEERR_AO at an address inside their
# mapping and tear the mapping down, leave C alone, and go through the
# pagemap's range op.
. /tests/lib.sh

# B's read fault on the shared page warns in 6.1 (one page, two files).
known_warning dax-shared-extent
load_daxmf
mount_xfs_dax

xfs_io -f -c "pwrite -q -S 0x61 0 64k" -c fsync /mnt/a || die "write a"
xfs_io -f -c "reflink /mnt/a 0 0 64k" /mnt/b || die "reflink b"
xfs_io -f -c "pwrite -q -S 0x63 0 64k" -c fsync /mnt/c || die "write c"

base=$(pmem_data_phys)
ext_a=$(file-pfns /mnt/a "$base")
ext_b=$(file-pfns /mnt/b "$base")
ext_c=$(file-pfns /mnt/c "$base")
echo "# data starts at phys $base; a: $ext_a; b: $ext_b; c: $ext_c"
[ "$(echo "$ext_a" | wc -l)" -eq 1 ] || die "a is not one extent: $ext_a"
set -- $ext_a
pfn=$1 pages=$2
[ "$pages" -eq 16 ] && pass "fsmap gives a's 16 pages at pfn $pfn" || fail "a has $pages pages"
[ "$ext_a" = "$ext_b" ] && pass "b shares a's extent (reflink)" || fail "b does not share a's extent"
[ "$ext_a" != "$ext_c" ] || fail "c shares a's extent"

# Early-kill mappers; B's mapping is read-only so the shared extent stays shared.
mapper --path /mnt/a --length 65536 --kill early --ready a.ready --report a.rep &
mapper --path /mnt/b --length 65536 --kill early --ready b.ready --report b.rep &
mapper --path /mnt/c --length 65536 --kill early --ready c.ready --report c.rep &
for m in a b c; do wait_for $m.ready || die "mapper $m did not start"; done

# The address chain: fsmap's physical pages are the ones the mappers see.
[ "$(field first_pfn a.ready)" = "$pfn" ] && [ "$(field contiguous a.ready)" = 1 ] &&
	pass "a's mapping is backed by pfn $pfn (pagemap agrees with fsmap)" || fail "a mapped at $(field first_pfn a.ready)"
[ "$(field first_pfn b.ready)" = "$pfn" ] && pass "b's mapping is backed by the same pages" || fail "b mapped at $(field first_pfn b.ready)"

daxmfctl monitor --json --count 1 >events.json 2>monitor.err &
monitor=$!
sleep 1         # let it join the group

out=$(daxmfctl fail-range --yes --pfn "$pfn" --pages 16 --cookie 4242) || fail "fail-range exit status"
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q '^path: *pagemap$' && pass "reply says the pagemap path was used" || fail "path"
echo "$out" | grep -q '^pages handled: *16$' && pass "16 pages handled" || fail "pages handled"
echo "$out" | grep -q '^pages failed: *0$' && pass "no page failed" || fail "pages failed"
echo "$out" | grep -q '^result: *complete$' && pass "result complete" || fail "result"

for m in a b c; do kill -USR1 "$(field pid $m.ready)"; done
wait_for a.rep && wait_for b.rep && wait_for c.rep || die "mapper reports missing"
for m in a b c; do echo "# $m: $(tr '\n' ' ' <$m.rep)"; done

BUS_MCEERR_AO=5
for m in a b; do
	n=$(field sigbus $m.rep)
	[ "$n" -ge 1 ] && pass "$m received SIGBUS ($n)" || fail "$m received no SIGBUS"
	[ "$(field sigbus_first_code $m.rep)" = $BUS_MCEERR_AO ] && [ "$(field sigbus_other_code $m.rep)" = 0 ] &&
		pass "$m: every si_code is BUS_MCEERR_AO" || fail "$m: si_code $(field sigbus_first_code $m.rep)/$(field sigbus_other_code $m.rep)"
	addr=$(field sigbus_first_addr $m.rep)
	start=$(field map_start $m.rep) end=$(field map_end $m.rep)
	[ "$(field sigbus_outside $m.rep)" = 0 ] && [ $((addr)) -ge $((start)) ] && [ $((addr)) -lt $((end)) ] &&
		pass "$m: si_addr $addr inside its mapping" || fail "$m: si_addr $addr outside $start-$end"
	[ "$(field sigbus_first_lsb $m.rep)" = 12 ] && pass "$m: si_addr_lsb is a page" || fail "$m: lsb $(field sigbus_first_lsb $m.rep)"
	[ "$(field present_after $m.rep)" = 0 ] && pass "$m: mapping torn down" || fail "$m: $(field present_after $m.rep) pages still mapped"
done
[ "$(field sigbus c.rep)" = 0 ] && pass "c received nothing" || fail "c received $(field sigbus c.rep) SIGBUS"
[ "$(field present_after c.rep)" = 16 ] && pass "c's mapping is intact" || fail "c: $(field present_after c.rep) of 16 mapped"

# The completion event carries the same as the reply.
n=50
while [ ! -s events.json ] && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
kill "$monitor" 2>/dev/null
tr -d ' \n' <events.json >events.flat
echo "# event: $(cat events.flat)"
grep -q '"event":"range-done"' events.flat && grep -q '"cookie":4242' events.flat &&
	grep -q '"pages_done":16' events.flat && grep -q '"paths":\["pagemap"\]' events.flat &&
	pass "completion event multicast with the reply's counts" || fail "completion event"
finish
