# Surprise removal under ext4 -o dax (no dax holder: 6.1 tears nothing down).
# The module's pre-removal notifier fails every mapped page of the device
# before nd_pmem lets go: the early-kill mapper gets BUS_MCEERR_AO during the
# unbind, every mapping is gone, and the default (late-kill) mapper's next
# touch gets SIGBUS instead of reaching vanished memory.  The unbind
# completes.  (No umount afterwards: 6.1 oopses on it.)
# vmvariant=alone: no daemon; vmvariant=daemon: daxmfd runs, takes its
# inventory of the filesystem, and at the removal the journal names every
# file on it (from the inventory: the device is not read while it goes) and
# both mappers, then one removal record from the module's event.
. /tests/lib.sh

variant=$(sed -n 's/.*vmvariant=\([a-z]*\).*/\1/p' /proc/cmdline)
[ "$variant" = alone ] || [ "$variant" = daemon ] || die "vmvariant=alone or daemon, not '$variant'"
load_daxmf
mkfs.ext4 -q -F -b 4096 /dev/pmem0 || die "mkfs.ext4"
mount -o dax /dev/pmem0 /mnt || die "mount -o dax"
xfs_io -f -c "pwrite -q -S 0x72 0 64k" -c fsync /mnt/early || die "write"
xfs_io -f -c "pwrite -q -S 0x73 0 64k" -c fsync /mnt/late || die "write"
if [ "$variant" = daemon ]; then
	# More files for the inventory to name: 3 directories of 8, and hard links.
	for d in 1 2 3; do
		mkdir -p /mnt/dir$d
		for f in 1 2 3 4 5 6 7 8; do
			xfs_io -f -c "pwrite -q -S 0x$d$f 0 $((f * 4096))" /mnt/dir$d/file$f || die "write"
		done
	done
	ln /mnt/dir1/file1 /mnt/dir2/link-to-dir1-file1 && ln /mnt/late /mnt/dir3/late-link || die "ln"
	sync
fi

mapper --path /mnt/early --length 65536 --kill early --ready early.ready --report early.rep &
mapper --path /mnt/late --length 65536 --kill default --retouch --ready late.ready --report late.rep &
wait_for early.ready && wait_for late.ready || die "mappers did not start"

if [ "$variant" = daemon ]; then
	start_daxmfd
	n=100
	until journalctl --no-pager | grep -q 'inventory of namespace0.0 (pmem0 on /mnt, ext4) taken'; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	journalctl --no-pager | grep 'inventory of' | sed 's/^/# /'
	[ -s /var/lib/daxmf/inventory/namespace0.0.inv ] && pass "daxmfd took its inventory of /mnt" ||
		fail "no inventory file: $(ls -la /var/lib/daxmf/inventory 2>&1)"
	find /mnt -xdev -type f | sort > expected-files
	find /mnt -xdev | sort > names-before
fi

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
	journal_field $file_id DAXMF_FILE | sort -u > logged-files
	echo "# $(wc -l <expected-files) files on /mnt, $(wc -l <logged-files) named in the journal"
	missing=$(comm -23 expected-files logged-files | tr '\n' ' ')
	[ -z "$missing" ] && pass "every file on /mnt ($(wc -l <expected-files), hard links too) is named in the journal" ||
		fail "files not named: $missing"
	extra=$(comm -13 names-before logged-files | tr '\n' ' ')
	[ -z "$extra" ] && pass "and nothing that was not on /mnt" || fail "named but not on /mnt: $extra"
	[ "$(journal_field $file_id DAXMF_SOURCE | sort -u)" = inventory ] &&
		pass "all of them from the inventory (DAXMF_SOURCE=inventory)" ||
		fail "sources: $(journal_field $file_id DAXMF_SOURCE | sort | uniq -c | tr '\n' ' ')"
	[ "$(journal_field $file_id DAXMF_EVENT | sort -u)" = removal ] && pass "file records are of the removal" ||
		fail "events: $(journal_field $file_id DAXMF_EVENT | sort -u | tr '\n' ' ')"
	journalctl --no-pager -o verbose MESSAGE_ID=$file_id DAXMF_FILE=/mnt/dir2/file3 | grep -E ' (MESSAGE|DAXMF_[A-Z_]*)=' | sed 's/^/# /'
	[ "$(journal_field $file_id DAXMF_LENGTH | head -1)" -gt 0 ] && [ -n "$(journal_field $file_id DAXMF_INVENTORY_USEC | head -1)" ] &&
		pass "each with its length and the inventory's time" || fail "no length or inventory time"
	[ "$(journal_field $proc_id DAXMF_PID | sort | tr '\n' ' ')" = "$(printf '%s\n' "$(field pid early.ready)" "$(field pid late.ready)" | sort | tr '\n' ' ')" ] &&
		pass "process records: both mappers" || fail "processes: $(journal_field $proc_id DAXMF_PID | tr '\n' ' ')"
	journalctl --no-pager | grep -q 'removal 1 of namespace0.0 answered: failed' &&
		pass "daxmfd answered the handshake after failing the range" || fail "no answer logged by daxmfd"
	check_removal_record namespace0.0 handler-failed daxmfd
fi
finish
