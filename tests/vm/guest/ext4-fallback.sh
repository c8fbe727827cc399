# ext4 on fsdax has no dax holder: the pmem pagemap's failure op answers
# -EOPNOTSUPP, and the module falls back to memory_failure() per page, as the
# kernel does.  An early-kill mapper of an ext4 file still gets
# BUS_MCEERR_AO inside its mapping, and loses the mapping.
. /tests/lib.sh

load_daxmf
mkfs.ext4 -q -F -b 4096 /dev/pmem0 || die "mkfs.ext4"
mount -o dax /dev/pmem0 /mnt || die "mount -o dax"
grep -q ' /mnt ext4 .*dax' /proc/mounts || die "/mnt is not ext4 -o dax"
xfs_io -f -c "pwrite -q -S 0x66 0 64k" -c fsync /mnt/f || die "write"

# ext4's fsmap names no file owners: FIEMAP gives the blocks (512-byte units).
ext=$(xfs_io -c "fiemap" /mnt/f | sed -n 's/^[[:space:]]*0: \[0\.\.127\]: \([0-9]*\)\.\.\([0-9]*\)$/\1 \2/p')
[ -n "$ext" ] || die "no single 64 KiB extent: $(xfs_io -c fiemap /mnt/f)"
set -- $ext
pfn=$(printf '0x%x' $(( ($(pmem_data_phys) + $1 * 512) / 4096 )))

mapper --path /mnt/f --length 65536 --kill early --ready f.ready --report f.rep &
wait_for f.ready || die "mapper did not start"
[ "$(field first_pfn f.ready)" = "$pfn" ] && pass "fiemap -> pfn $pfn agrees with the mapping" || fail "mapped at $(field first_pfn f.ready), fiemap says $pfn"

out=$(daxmfctl fail-range --yes --pfn "$pfn" --pages 16) || fail "fail-range exit status"
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q '^path: *per-page$' && pass "the pagemap op declined, per-page fallback used" || fail "path"
echo "$out" | grep -q '^pagemap pages: *0 in 1 calls$' && pass "one pagemap call was tried" || fail "batches"
echo "$out" | grep -q '^pages failed: *0$' && pass "no page failed" || fail "pages failed"

kill -USR1 "$(field pid f.ready)"
wait_for f.rep || die "no report"
echo "# f: $(tr '\n' ' ' <f.rep)"
[ "$(field sigbus f.rep)" -ge 1 ] && [ "$(field sigbus_first_code f.rep)" = 5 ] && [ "$(field sigbus_other_code f.rep)" = 0 ] &&
	pass "BUS_MCEERR_AO" || fail "signals: $(field sigbus f.rep) code $(field sigbus_first_code f.rep)"
[ "$(field sigbus_outside f.rep)" = 0 ] && pass "si_addr inside the mapping" || fail "si_addr outside"
[ "$(field present_after f.rep)" = 0 ] && pass "mapping torn down" || fail "$(field present_after f.rep) pages still mapped"
finish
