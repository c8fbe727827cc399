# Surprise removal under XFS -o dax=always, with and without the reverse map.
# vmvariant=rmapbt: XFS's dax holder walks the reverse map; 6.1's kill_dax()
# would signal early-kill mappers but leave other files mapped, so the
# module's pre-removal notifier makes that walk itself, then zaps what is
# still mapped.  vmvariant=normap: no holder op; the notifier fails the
# mapped pages and zaps the mappings.
# vmvariant=rmapbt-daemon, normap-daemon: the same with daxmfd as the removal
# handler (it answers at once for the holder walk; it fails the pages itself
# without rmapbt), and one journal record of the removal.
# Either way: the early-kill mapper gets BUS_MCEERR_AO during the unbind,
# nothing stays mapped, the default mapper's next touch gets SIGBUS, and the
# unbind completes.  (No umount afterwards: 6.1 oopses on it.)
. /tests/lib.sh

variant=$(sed -n 's/.*vmvariant=\([a-z-]*\).*/\1/p' /proc/cmdline)
rmapbt=${variant%-daemon}
[ "$rmapbt" = rmapbt ] || [ "$rmapbt" = normap ] || die "vmvariant=rmapbt[-daemon] or normap[-daemon], not '$variant'"
load_daxmf
if [ "$rmapbt" = rmapbt ]; then
	mkfs.xfs -q -f -m reflink=1,rmapbt=1 /dev/pmem0 || die "mkfs.xfs"
else
	mkfs.xfs -q -f -m reflink=0,rmapbt=0 /dev/pmem0 || die "mkfs.xfs"
fi
mount -o dax=always /dev/pmem0 /mnt || die "mount"
xfs_io -f -c "pwrite -q -S 0x74 0 64k" -c fsync /mnt/early || die "write"
xfs_io -f -c "pwrite -q -S 0x75 0 64k" -c fsync /mnt/late || die "write"

mapper --path /mnt/early --length 65536 --kill early --ready early.ready --report early.rep &
mapper --path /mnt/late --length 65536 --kill default --retouch --ready late.ready --report late.rep &
wait_for early.ready && wait_for late.ready || die "mappers did not start"
[ "$variant" = "$rmapbt" ] && handshake='no handler after 0 ms' || { start_daxmfd; handshake='acknowledged after [0-9]* ms'; }

echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/unbind && pass "the unbind completed" || fail "unbind failed"

kill -USR1 "$(field pid early.ready)" "$(field pid late.ready)"
wait_for early.rep && wait_for late.rep || die "reports missing"
echo "# early: $(tr '\n' ' ' <early.rep)"
echo "# late: $(tr '\n' ' ' <late.rep)"
[ "$(field sigbus early.rep)" -ge 1 ] && [ "$(field sigbus_first_code early.rep)" = 5 ] &&
	pass "early-kill mapper got BUS_MCEERR_AO during the removal" || fail "early: $(field sigbus early.rep) signals"
[ "$(field present_after early.rep)" = 0 ] && [ "$(field present_after late.rep)" = 0 ] &&
	pass "no page of either mapping is still mapped" || fail "pages still mapped"
[ "$(field retouch_faults late.rep)" = 16 ] && pass "the late-kill mapper's next touch of each page: SIGBUS" ||
	fail "late retouch faults: $(field retouch_faults late.rep) of 16"
if [ "$rmapbt" = rmapbt ]; then
	dmesg | grep -q "daxmf: removal [0-9]* of pfn .* ($handshake): the filesystem's dax holder signalled mappers; mappings of" &&
		pass "the module made XFS's own holder walk, then zapped what was left" || fail "no 'holder' line in dmesg"
	[ "$variant" = "$rmapbt" ] || check_removal_record namespace0.0 holder-walk module
elif [ "$variant" = "$rmapbt" ]; then
	dmesg | grep -q "daxmf: removal [0-9]* of pfn .* ($handshake): [0-9]* mapped pages failed" &&
		pass "the module failed the mapped pages" || fail "no removal line in dmesg"
else
	dmesg | grep -q "daxmf: removal [0-9]* of pfn .* ($handshake): the handler failed the pages; mappings of" &&
		pass "daxmfd failed the mapped pages during the handshake" || fail "no handler-failed line in dmesg"
	check_removal_record namespace0.0 handler-failed daxmfd
fi
finish
