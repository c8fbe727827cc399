# device-dax: a process maps /dev/dax0.0 (early kill) and touches it; failing
# its pages must signal it with BUS_MCEERR_AO inside its mapping and tear
# the mapping down.  Device-dax pagemaps have no range op: the reply must say
# the per-page path was used.
. /tests/lib.sh

load_daxmf
ndctl create-namespace -f -e namespace0.0 -m devdax >ns.json 2>ndctl.err || die "create devdax: $(cat ndctl.err)"
[ -c /dev/dax0.0 ] || die "no /dev/dax0.0"
res=$(cat /sys/bus/dax/devices/dax0.0/resource)
pfn=$(printf '0x%x' $((res / 4096)))
pass "devdax namespace: /dev/dax0.0 at phys $res"

mapper --path /dev/dax0.0 --length 2097152 --write --kill early --ready dax.ready --report dax.rep &
wait_for dax.ready || die "mapper did not start"
[ "$(field first_pfn dax.ready)" = "$pfn" ] && [ "$(field contiguous dax.ready)" = 1 ] &&
	pass "the mapping is backed by pfn $pfn.. (pagemap agrees with the device resource)" || fail "mapped at $(field first_pfn dax.ready)"

out=$(daxmfctl fail-range --yes --pfn "$pfn" --pages 512) || fail "fail-range exit status"
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q '^path: *per-page$' && pass "reply says the per-page path was used" || fail "path"
echo "$out" | grep -q '^pages handled: *512$' && pass "512 pages handled" || fail "pages handled"
echo "$out" | grep -q '^pages failed: *0$' && pass "no page failed" || fail "pages failed"

kill -USR1 "$(field pid dax.ready)"
wait_for dax.rep || die "no report"
echo "# dax: $(tr '\n' ' ' <dax.rep)"
[ "$(field sigbus dax.rep)" -ge 1 ] && pass "mapper received SIGBUS" || fail "no SIGBUS"
[ "$(field sigbus_first_code dax.rep)" = 5 ] && [ "$(field sigbus_other_code dax.rep)" = 0 ] &&
	pass "every si_code is BUS_MCEERR_AO" || fail "si_code $(field sigbus_first_code dax.rep)"
addr=$(field sigbus_first_addr dax.rep)
[ "$(field sigbus_outside dax.rep)" = 0 ] && [ $((addr)) -ge $(($(field map_start dax.rep))) ] &&
	[ $((addr)) -lt $(($(field map_end dax.rep))) ] && pass "si_addr $addr inside the mapping" || fail "si_addr $addr"
[ "$(field present_after dax.rep)" = 0 ] && pass "mapping torn down" || fail "$(field present_after dax.rep) pages still mapped"

# Pages no process has mapped: nothing to tear down; the kernel marks them
# nothing (-EBUSY) and the reply counts them apart from failures.
next=$(printf '0x%x' $((pfn + 512)))
out=$(daxmfctl fail-range --yes --pfn "$next" --pages 512) && pass "unmapped range: exit 0" || fail "unmapped range: exit status"
echo "$out" | grep -q '^pages unmapped: *512 ' && echo "$out" | grep -q '^pages failed: *0$' &&
	echo "$out" | grep -q '^result: *complete$' && pass "512 unmapped pages counted apart from failures" ||
	fail "unmapped: $out"
finish
