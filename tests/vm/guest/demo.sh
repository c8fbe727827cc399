# The demo (README's first command): one range failure, end to end.
. /tests/lib.sh

say() { echo; echo "== $*"; }

say "Debian's kernel $(uname -r), emulated pmem: $(cat /sys/block/pmem0/size) sectors at phys $(pmem_data_phys)"
load_daxmf
daxmfctl info

say "An fsdax XFS (reflink, rmapbt) mounted -o dax=always"
mount_xfs_dax
xfs_io -f -c "pwrite -q -S 0x61 0 64k" -c fsync /mnt/report.db || die "write"
xfs_io -f -c "reflink /mnt/report.db 0 0 64k" /mnt/report.db.snapshot >/dev/null || die "reflink"
xfs_io -f -c "pwrite -q -S 0x63 0 64k" -c fsync /mnt/unrelated.log || die "write"
xfs_io -c "fsmap -d" /mnt | grep ' data ' | sed 's/^/   /'

base=$(pmem_data_phys)
set -- $(file-pfns /mnt/report.db "$base")
pfn=$1 pages=$2
echo "   report.db and its reflinked snapshot share pfn $pfn + $pages pages"

say "Three processes map the files and ask for early kill (PR_MCE_KILL_EARLY)"
mapper --path /mnt/report.db --length 65536 --kill early --ready a.ready --report a.rep &
mapper --path /mnt/report.db.snapshot --length 65536 --kill early --ready b.ready --report b.rep &
mapper --path /mnt/unrelated.log --length 65536 --kill early --ready c.ready --report c.rep &
for m in a b c; do wait_for $m.ready || die "mapper $m"; done
echo "   A pid $(field pid a.ready) maps report.db, B pid $(field pid b.ready) maps the snapshot, C pid $(field pid c.ready) maps unrelated.log"

daxmfctl monitor >events.txt &
monitor=$!
sleep 0.5
say "daxmfctl fail-range --yes --pfn $pfn --pages $pages"
daxmfctl fail-range --yes --pfn "$pfn" --pages "$pages" | sed 's/^/   /'

for m in a b c; do kill -USR1 "$(field pid $m.ready)"; done
for m in a b c; do wait_for $m.rep || die "report $m"; done
say "What each process saw"
for m in a b c; do
	n=$(field sigbus $m.rep)
	if [ "$n" -gt 0 ]; then
		echo "   $m: SIGBUS x$n, si_code $(field sigbus_first_code $m.rep) (BUS_MCEERR_AO), si_addr $(field sigbus_first_addr $m.rep) in its mapping; $(field present_after $m.rep) of 16 pages still mapped"
	else
		echo "   $m: no signal; $(field present_after $m.rep) of 16 pages still mapped"
	fi
done

say "The module's completion event (daxmfctl monitor)"
kill $monitor 2>/dev/null
sed 's/^/   /' events.txt

[ "$(field sigbus a.rep)" -gt 0 ] && [ "$(field sigbus b.rep)" -gt 0 ] && [ "$(field sigbus c.rep)" = 0 ] ||
	die "unexpected signals"
echo
pass "demo finished"
# B's fault on the shared page warns in 6.1 (one page, two files).
known_warning dax-shared-extent
