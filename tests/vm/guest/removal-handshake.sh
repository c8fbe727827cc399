# The removal handshake with a stand-in handler that misbehaves on purpose.
# An ext4 -o dax namespace (no dax holder: the module fails the pages) is
# unbound while an early-kill and a default mapper map a file on it.
# vmvariant=timeout:  the handler never answers → the unbind waits its
#                     timeout, then the module acts alone;
# vmvariant=gone:     the handler exits on REMOVAL_PENDING → the wait ends at
#                     once (handler gone), the module acts;
# vmvariant=rmmod:    the handler never answers and asked for 60 s; rmmod
#                     daxmf during the wait → the wait is aborted, the module
#                     acts, the unbind completes, the module unloads;
# vmvariant=flood:    the handler never answers and keeps failing the range
#                     with DAXMF_FLAG_REMOVAL, round after round, through
#                     the whole unbind and past it → after the timeout its
#                     ranges are stopped and new ones refused (ENXIO, "being
#                     removed") until the driver has let go of the device
#                     (then the range has no pagemap): not one is accepted
#                     after the module's pass began; the unbind still ends;
#                     bound again, the new device's range works;
# vmvariant=protocol: no removal; the handler role and the ACK's errors.
# In each removal case the early-kill mapper gets BUS_MCEERR_AO, nothing stays
# mapped, the default mapper's next touch gets SIGBUS, the unbind completes.
. /tests/lib.sh

variant=$(sed -n 's/.*vmvariant=\([a-z]*\).*/\1/p' /proc/cmdline)
load_daxmf

# Seconds since boot, with hundredths.
uptime_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }

if [ "$variant" = protocol ]; then
	removal-handler --on-pending silent --timeout-ms 2500 --ready h1.ready &
	h1=$!
	wait_for h1.ready || die "the handler did not register"
	[ "$(field timeout_ms h1.ready)" = 2500 ] && pass "handler registered with its timeout" ||
		fail "handler: $(tr '\n' ' ' <h1.ready)"
	daxmfctl info --json >info.json || fail "daxmfctl info"
	grep -q "\"removal_handler_port\": *$(field port h1.ready)[,}]" info.json &&
		grep -q '"removal_timeout_ms": *2500' info.json &&
		pass "GET_INFO names the handler and its timeout" || fail "info: $(cat info.json)"
	removal-handler --register-only >second.out
	[ "$(field error second.out)" = -16 ] && pass "a second handler: EBUSY ($(field message second.out))" ||
		fail "second handler: $(tr '\n' ' ' <second.out)"
	removal-handler --ack 1 --verdict 2 >other.out
	[ "$(field error other.out)" = -1 ] && pass "an ACK from another socket: EPERM ($(field message other.out))" ||
		fail "ack from another socket: $(tr '\n' ' ' <other.out)"
	kill $h1; wait $h1 2>/dev/null
	n=20
	until daxmfctl info --json | grep -q '"removal_handler_port": *0[,}]'; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	[ $n -gt 0 ] && pass "the role is given up when the handler's socket closes" || fail "handler still listed"
	removal-handler --ack 7 --verdict 2 --as-handler >unknown.out || fail "could not become the handler again"
	[ "$(field error unknown.out)" = -2 ] && pass "an ACK for no waiting removal: ENOENT ($(field message unknown.out))" ||
		fail "unknown id: $(tr '\n' ' ' <unknown.out)"
	removal-handler --ack 7 --verdict 3 --as-handler >verdict.out || fail "could not become the handler"
	[ "$(field error verdict.out)" = -34 ] && pass "an unknown verdict: ERANGE ($(field message verdict.out))" ||
		fail "verdict 3: $(tr '\n' ' ' <verdict.out)"
	for t in 0 60001; do
		removal-handler --register-only --timeout-ms $t >t$t.out
		[ "$(field error t$t.out)" = -34 ] && pass "timeout $t ms: ERANGE ($(field message t$t.out))" ||
			fail "timeout $t: $(tr '\n' ' ' <t$t.out)"
	done
	removal-handler --register-only --timeout-ms 60000 >t60000.out
	[ "$(field error t60000.out)" = 0 ] && [ "$(field timeout_ms t60000.out)" = 60000 ] &&
		pass "timeout 60000 ms accepted" || fail "timeout 60000: $(tr '\n' ' ' <t60000.out)"
	run-as 65534 65534 removal-handler --register-only >user.out 2>&1
	[ "$(field error user.out)" = -1 ] && pass "unprivileged: EPERM" || fail "unprivileged: $(tr '\n' ' ' <user.out)"
	rmmod daxmf && pass "rmmod" || fail "rmmod"
	finish
fi

case $variant in
timeout) handler_args="--on-pending silent --timeout-ms 1500" ;;
gone) handler_args="--on-pending exit --timeout-ms 20000" ;;
flood) handler_args="--on-pending flood --timeout-ms 1500" ;;
rmmod) handler_args="--on-pending silent --timeout-ms 60000" ;;
*) die "vmvariant=timeout, gone, flood, rmmod or protocol, not '$variant'" ;;
esac

mkfs.ext4 -q -F -b 4096 /dev/pmem0 || die "mkfs.ext4"
mount -o dax /dev/pmem0 /mnt || die "mount -o dax"
xfs_io -f -c "pwrite -q -S 0x72 0 64k" -c fsync /mnt/early || die "write"
xfs_io -f -c "pwrite -q -S 0x73 0 64k" -c fsync /mnt/late || die "write"
mapper --path /mnt/early --length 65536 --kill early --ready early.ready --report early.rep &
mapper --path /mnt/late --length 65536 --kill default --retouch --ready late.ready --report late.rep &
wait_for early.ready && wait_for late.ready || die "mappers did not start"

daxmfctl monitor --json >monitor.out 2>&1 &
monitor=$!
# shellcheck disable=SC2086
removal-handler $handler_args --ready handler.ready --report handler.rep &
handler=$!
wait_for handler.ready || die "the handler did not register"
sleep 0.3	# the monitor has joined the events group

t0=$(uptime_cs)
echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/unbind &
unbind=$!
wait_for handler.rep 100 || fail "no REMOVAL_PENDING reached the handler"
echo "# handler: $(tr '\n' ' ' <handler.rep)"
[ "$(field pending_device handler.rep)" = namespace0.0 ] && [ "$(field pending_mode handler.rep)" = failed-pages ] &&
	[ "$(field pending_pfn handler.rep)" = $((0x40000000 / 4096)) ] &&
	pass "REMOVAL_PENDING: device, mode and range while the pages are alive" || fail "pending fields"
if [ "$variant" = rmmod ]; then
	sleep 1
	kill -0 $unbind 2>/dev/null && pass "the unbind waits for the handler" || fail "the unbind did not wait"
	rmmod daxmf && pass "rmmod during the wait" || fail "rmmod during the wait"
fi
wait $unbind && pass "the unbind completed" || fail "unbind failed"
elapsed=$(( $(uptime_cs) - t0 ))
echo "# the unbind took $elapsed cs"
[ -e /dev/pmem0 ] && fail "pmem0 still there" || pass "pmem0 is gone"
case $variant in
timeout)
	[ $elapsed -ge 140 ] && [ $elapsed -lt 1000 ] && pass "it waited the handler's 1.5 s, and no longer" ||
		fail "waited $elapsed cs for a 1.5 s timeout"
	want="handler timed out" json=timeout ;;
gone)
	[ $elapsed -lt 1000 ] && pass "it stopped waiting when the handler went (of 20 s)" ||
		fail "waited $elapsed cs"
	want="handler gone" json=handler-gone ;;
flood)
	[ $elapsed -ge 140 ] && [ $elapsed -lt 1000 ] && pass "it waited the 1.5 s timeout, then ended the handler's ranges" ||
		fail "waited $elapsed cs for a 1.5 s timeout"
	n=50
	until grep -q '^flood_refused_errno=' handler.rep; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	[ "$(field flood_accepted handler.rep)" -ge 1 ] && [ "$(field flood_refused_errno handler.rep)" = -6 ] &&
		pass "the handler's ranges ran during the wait, then were refused: ENXIO ($(field flood_refused_message handler.rep))" ||
		fail "flood: accepted $(field flood_accepted handler.rep), refused $(field flood_refused_errno handler.rep)"
	# It kept sending through the unbind; its replies are in the order the
	# module decided, so what follows the first refusal covers the rest of
	# the module's pass, the driver's teardown and the end of the unbind.
	kill -USR1 $handler
	n=100
	until grep -q '^stopped=' handler.rep; do
		n=$((n - 1)); [ $n -gt 0 ] || die "the handler did not stop"
		sleep 0.1
	done
	echo "# handler: $(tr '\n' ' ' <handler.rep)"
	[ "$(field after_accepted handler.rep)" = 0 ] &&
		pass "no range accepted from the module's pass to the end of the unbind ($(field after_removing handler.rep) refused as being removed, then $(field after_other handler.rep) as gone)" ||
		fail "$(field after_accepted handler.rep) ranges accepted after the module's pass began"
	[ "$(field after_removing handler.rep)" -ge 1 ] && [ "$(field after_gone_first handler.rep)" -gt 1 ] &&
		[ "$(field after_removing_after_gone handler.rep)" = 0 ] &&
		pass "refused as being removed until the device was gone, then as outside every pagemap: the flood outlasted the unbind" ||
		fail "refusals: $(field after_removing handler.rep) removing, first gone at $(field after_gone_first handler.rep), $(field after_removing_after_gone handler.rep) removing after gone, last other: $(field after_other_message handler.rep)"
	want="handler timed out" json=timeout ;;
rmmod)
	[ $elapsed -lt 3000 ] && pass "rmmod ended the 60 s wait" || fail "waited $elapsed cs"
	want="wait aborted" json=aborted ;;
esac
dmesg | grep -q "daxmf: removal [0-9]* of pfn .* ($want after [0-9]* ms): [0-9]* mapped pages failed" &&
	pass "the module acted alone: $want" || fail "no '$want' removal line in dmesg"

kill -USR1 "$(field pid early.ready)" "$(field pid late.ready)"
wait_for early.rep && wait_for late.rep || die "reports missing"
echo "# early: $(tr '\n' ' ' <early.rep)"
echo "# late: $(tr '\n' ' ' <late.rep)"
[ "$(field sigbus early.rep)" -ge 1 ] && [ "$(field sigbus_first_code early.rep)" = 5 ] &&
	[ "$(field sigbus_outside early.rep)" = 0 ] &&
	pass "early-kill mapper got BUS_MCEERR_AO during the removal" || fail "early: $(field sigbus early.rep) signals"
[ "$(field present_after early.rep)" = 0 ] && [ "$(field present_after late.rep)" = 0 ] &&
	pass "no page of either mapping is still mapped" || fail "pages still mapped"
[ "$(field retouch_faults late.rep)" = 16 ] && pass "the default mapper's next touch of each page: SIGBUS" ||
	fail "late retouch faults: $(field retouch_faults late.rep) of 16"

n=30
until grep -q '"event": *"removal"' monitor.out; do
	n=$((n - 1)); [ $n -gt 0 ] || break
	sleep 0.1
done
grep -v '"event": *"range' monitor.out | sed 's/^/# monitor: /'
grep -q '"event": *"removal-pending"' monitor.out && pass "the monitor saw REMOVAL_PENDING" ||
	fail "no removal-pending event"
grep '"event": *"removal"' monitor.out | grep -q "\"handshake\": *\"$json\"" &&
	pass "the REMOVAL event says how the wait ended: $json" || fail "no removal event with handshake $json"
kill $monitor $handler 2>/dev/null

# Bound again: the new device's range is open (no fence left behind) and works.
# XFS this time: the ext4 of the removed pmem0 is still mounted, by that name.
if [ "$variant" = flood ]; then
	echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/bind || fail "bind"
	wait_for /dev/pmem0 50 || die "pmem0 did not come back"
	mkfs.xfs -q -f /dev/pmem0 || die "mkfs.xfs on the new pmem0"
	mkdir -p /mnt2
	mount -o dax=always /dev/pmem0 /mnt2 || die "mount -o dax=always the new pmem0"
	xfs_io -f -c "pwrite -q -S 0x74 0 64k" -c fsync /mnt2/again || die "write"
	mapper --path /mnt2/again --length 65536 --kill early --ready again.ready --report again.rep &
	wait_for again.ready || die "mapper did not start"
	out=$(daxmfctl fail-range --yes --pfn "$(field first_pfn again.ready)" --pages 16 2>&1) &&
		pass "bound again: a range over the new device is accepted" || fail "after the re-bind: $out"
	echo "$out" | grep -q '^result: *complete$' && echo "$out" | grep -q '^pages handled: *16$' &&
		pass "and completes over its 16 mapped pages" || fail "fail-range after the re-bind: $out"
	kill -USR1 "$(field pid again.ready)"
	wait_for again.rep || die "no mapper report"
	[ "$(field sigbus again.rep)" -ge 1 ] && pass "its mapper got SIGBUS" || fail "mapper: $(tr '\n' ' ' <again.rep)"
fi
[ "$variant" = rmmod ] || { rmmod daxmf && pass "rmmod" || fail "rmmod"; }
finish
