# What a default (late-kill) mapper sees when its file's pages are failed by
# software, on 6.1.  memory_failure() signals only processes that asked for
# early kill (and the current one, for action-required):
#  1. alone, a late-kill mapper gets no signal and keeps its mapping; its
#     reads go on returning the data (the media is not really bad);
#  2. next to an early-kill mapper of the same file, its page table entries
#     are torn down with the file's (the unmap is per file), still without a
#     signal; its next access faults the same pages back in and reads them.
# (A real poisoned line raises a machine check on access: BUS_MCEERR_AR then.)
. /tests/lib.sh

load_daxmf
mount_xfs_dax
base=$(pmem_data_phys)
xfs_io -f -c "pwrite -q -S 0x64 0 64k" -c fsync /mnt/d || die "write d"
xfs_io -f -c "pwrite -q -S 0x65 0 64k" -c fsync /mnt/e || die "write e"

# fail_file FILE: fail the file's pages through the module.
fail_file() {
	set -- $(file-pfns "$1" "$base")
	daxmfctl fail-range --yes --pfn "$1" --pages "$2" >out.txt || fail "fail-range $1+$2"
	grep -q '^path: *pagemap$' out.txt || fail "path: $(cat out.txt)"
}

# 1. Alone.
mapper --path /mnt/d --length 65536 --kill default --retouch --ready alone.ready --report alone.rep &
wait_for alone.ready || die "mapper did not start"
fail_file /mnt/d
kill -USR1 "$(field pid alone.ready)"
wait_for alone.rep || die "no report"
echo "# alone: $(tr '\n' ' ' <alone.rep)"
[ "$(field sigbus alone.rep)" = 0 ] && pass "alone: no signal" || fail "alone: $(field sigbus alone.rep) SIGBUS"
[ "$(field present_after alone.rep)" = 16 ] && pass "alone: mapping kept (16 pages present)" ||
	fail "alone: $(field present_after alone.rep) pages present"
[ "$(field retouch_faults alone.rep)" = 0 ] && [ "$(field sum_after alone.rep)" = "$(field sum_before alone.rep)" ] &&
	pass "alone: later reads return the data" || fail "alone: retouch faults $(field retouch_faults alone.rep)"

# 2. Beside an early-kill mapper of the same file.
mapper --path /mnt/e --length 65536 --kill default --retouch --ready late.ready --report late.rep &
mapper --path /mnt/e --length 65536 --kill early --ready early.ready --report early.rep &
wait_for late.ready && wait_for early.ready || die "mappers did not start"
fail_file /mnt/e
kill -USR1 "$(field pid late.ready)" "$(field pid early.ready)"
wait_for late.rep && wait_for early.rep || die "reports missing"
echo "# late: $(tr '\n' ' ' <late.rep)"
echo "# early: $(tr '\n' ' ' <early.rep)"
[ "$(field sigbus early.rep)" -ge 1 ] && [ "$(field sigbus_first_code early.rep)" = 5 ] &&
	[ "$(field present_after early.rep)" = 0 ] &&
	pass "beside: the early-kill mapper got BUS_MCEERR_AO and lost its mapping" || fail "early mapper: $(field sigbus early.rep) signals"
[ "$(field sigbus late.rep)" = 0 ] && pass "beside: the late-kill mapper got no signal" || fail "late: $(field sigbus late.rep) SIGBUS"
[ "$(field present_after late.rep)" = 0 ] && pass "beside: its page table entries were torn down with the file's" ||
	fail "late: $(field present_after late.rep) pages still present"
[ "$(field retouch_faults late.rep)" = 0 ] && [ "$(field sum_after late.rep)" = "$(field sum_before late.rep)" ] &&
	pass "beside: its next reads fault the pages back in and return the data" || fail "late: retouch faults $(field retouch_faults late.rep)"
finish
