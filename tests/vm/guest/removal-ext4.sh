# Surprise removal under ext4 -o dax (no dax holder: 6.1 tears nothing down).
# The module's pre-removal notifier fails every mapped page of the device
# before nd_pmem lets go: the early-kill mapper gets BUS_MCEERR_AO during the
# unbind, every mapping is gone, and the default (late-kill) mapper's next
# touch gets SIGBUS instead of reaching vanished memory.  The unbind
# completes.  (No umount afterwards: 6.1 oopses on it.)
# vmvariant=alone: no daemon; vmvariant=daemon: daxmfd runs and the journal
# gets one removal record from the module's event.
. /tests/lib.sh

variant=$(sed -n 's/.*vmvariant=\([a-z]*\).*/\1/p' /proc/cmdline)
[ "$variant" = alone ] || [ "$variant" = daemon ] || die "vmvariant=alone or daemon, not '$variant'"
load_daxmf
mkfs.ext4 -q -F -b 4096 /dev/pmem0 || die "mkfs.ext4"
mount -o dax /dev/pmem0 /mnt || die "mount -o dax"
xfs_io -f -c "pwrite -q -S 0x72 0 64k" -c fsync /mnt/early || die "write"
xfs_io -f -c "pwrite -q -S 0x73 0 64k" -c fsync /mnt/late || die "write"

mapper --path /mnt/early --length 65536 --kill early --ready early.ready --report early.rep &
mapper --path /mnt/late --length 65536 --kill default --retouch --ready late.ready --report late.rep &
wait_for early.ready && wait_for late.ready || die "mappers did not start"

[ "$variant" = daemon ] && start_daxmfd

echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/unbind && pass "the unbind completed" || fail "unbind failed"
[ -e /dev/pmem0 ] && fail "pmem0 still there" || pass "pmem0 is gone"

kill -USR1 "$(field pid early.ready)" "$(field pid late.ready)"
wait_for early.rep && wait_for late.rep || die "reports missing"
echo "# early: $(tr '\n' ' ' <early.rep)"
echo "# late: $(tr '\n' ' ' <late.rep)"
[ "$(field sigbus early.rep)" -ge 1 ] && [ "$(field sigbus_first_code early.rep)" = 5 ] &&
	pass "early-kill mapper got BUS_MCEERR_AO during the removal" || fail "early: $(field sigbus early.rep) signals"
[ "$(field sigbus_outside early.rep)" = 0 ] && pass "si_addr inside its mapping" || fail "si_addr outside"
[ "$(field present_after early.rep)" = 0 ] && [ "$(field present_after late.rep)" = 0 ] &&
	pass "no page of either mapping is still mapped" || fail "pages still mapped"
[ "$(field retouch_faults late.rep)" = 16 ] && pass "the late-kill mapper's next touch of each page: SIGBUS" ||
	fail "late retouch faults: $(field retouch_faults late.rep) of 16"
if [ "$variant" = daemon ]; then
	dmesg | grep -q 'daxmf: removal [0-9]* of pfn .* (acknowledged after [0-9]* ms): the handler failed the pages; mappings of' &&
		pass "daxmfd failed the pages during the handshake; the module zapped what was left" ||
		fail "no handler-failed removal line in dmesg"
else
	dmesg | grep -q 'daxmf: removal [0-9]* of pfn .* (no handler after 0 ms): [0-9]* mapped pages failed' &&
		pass "without a handler the module failed the pages at once" || fail "no removal line in dmesg"
fi
if [ "$variant" = daemon ]; then
	# Recorded while the pages were alive: the files on the device (ext4: their extents) and their mappers.
	file_id=e9e6f5a8dc7349b6bb7d82c6eeda5933
	proc_id=08ba4d232db046c68873be316a481358
	journal_field $file_id DAXMF_FILE | grep -qx /mnt/early && journal_field $file_id DAXMF_FILE | grep -qx /mnt/late &&
		pass "the removal's file records name /mnt/early and /mnt/late" ||
		fail "files: $(journal_field $file_id DAXMF_FILE | tr '\n' ' ')"
	[ "$(journal_field $proc_id DAXMF_PID | sort | tr '\n' ' ')" = "$(printf '%s\n' "$(field pid early.ready)" "$(field pid late.ready)" | sort | tr '\n' ' ')" ] &&
		pass "process records: both mappers" || fail "processes: $(journal_field $proc_id DAXMF_PID | tr '\n' ' ')"
	journalctl --no-pager | grep -q 'removal 1 of namespace0.0 answered: failed' &&
		pass "daxmfd answered the handshake after failing the range" || fail "no answer logged by daxmfd"
	check_removal_record namespace0.0 handler-failed daxmfd
fi
finish
