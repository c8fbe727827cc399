# The demo (README's first command): Debian with systemd as PID 1, daxmf as
# a package installs it.  udev starts daxmfd when pmem0 appears; a page of a
# reflinked database file goes bad while services map it; then the device is
# removed while they still do; `daxmfctl report` tells the story.
. /tests/lib.sh

say() { echo; echo "== $*"; }
unit=daxmfd.service
event_id=cf97945658094f1db7308336789c695b
# wait_event EVENT: until daxmfd has logged an event of that kind.
wait_event() {
	n=150
	until journalctl --no-pager -o cat "MESSAGE_ID=$event_id" "DAXMF_EVENT=$1" 2>/dev/null | grep -q .; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

say "Debian $(cat /etc/debian_version), kernel $(uname -r), systemd $(systemctl --version | sed -n '1s/systemd \([0-9]*\).*/\1/p') as PID 1; emulated pmem /dev/pmem0 at phys $(pmem_data_phys)"
n=150
until [ "$(systemctl show -P ActiveState $unit)" = active ]; do
	n=$((n - 1)); [ $n -gt 0 ] || die "daxmfd did not start"
	sleep 0.1
done
systemctl --no-pager status $unit | sed -n '1,4p;/Status:/p'
echo "   (not enabled: the udev rule started it when $(systemctl show -P WantedBy $unit | sed 's/.*-block-//; s/\.device//') appeared)"
daxmfctl status | sed -n '1,3p'

say "An fsdax XFS (reflink, rmapbt) mounted -o dax=always on /srv/pmem"
mkdir -p /srv/pmem
mkfs.xfs -q -f -m reflink=1,rmapbt=1 /dev/pmem0 || die "mkfs.xfs"
mount -o dax=always /dev/pmem0 /srv/pmem || die "mount"
mkdir -p /srv/pmem/db /srv/pmem/snapshots /srv/pmem/logs
xfs_io -f -c "pwrite -q -S 0x61 0 256k" -c fsync /srv/pmem/db/orders.db || die "write"
cp --reflink=always /srv/pmem/db/orders.db /srv/pmem/snapshots/orders.db.1 || die "reflink"
xfs_io -f -c "pwrite -q -S 0x63 0 64k" -c fsync /srv/pmem/logs/app.log || die "write"
echo "   db/orders.db (256 KiB), snapshots/orders.db.1 (a reflinked copy: same blocks), logs/app.log"
# daxmfd names a removed device's files from its inventory (it does not read
# a device whose memory is going away); take it now that the files are there.
daxmfctl inventory --refresh | sed 's/^/   /'

say "Services map the files (early kill: SIGBUS as soon as their memory is hit)"
mkdir -p /run/demo
systemd-run --quiet --unit=orders-db /usr/local/bin/mapper --path /srv/pmem/db/orders.db --length 262144 \
	--kill early --ready /run/demo/db.ready --report /run/demo/db.rep
systemd-run --quiet --unit=app-logger /usr/local/bin/mapper --path /srv/pmem/logs/app.log --length 65536 \
	--kill early --ready /run/demo/log.ready --report /run/demo/log.rep
wait_for /run/demo/db.ready && wait_for /run/demo/log.ready || die "the services did not start"
echo "   orders-db.service (pid $(field pid /run/demo/db.ready)) maps db/orders.db, app-logger.service (pid $(field pid /run/demo/log.ready)) maps logs/app.log"

base=$(pmem_data_phys)
set -- $(file-pfns /srv/pmem/db/orders.db "$base")
sector=$(( ($1 * 4096 - base) / 512 + 16 ))
say "Poison: two pages of orders.db go bad (pmem0 badblocks: sector $sector, 16 sectors, as a scrub would find them)"
echo "$sector 16" >/sys/block/pmem0/badblocks
daxmfctl rescan | sed 's/^/   /'
wait_event poison && pass "daxmfd failed the pages and logged the poison" || fail "no poison record"

say "Surprise removal: namespace0.0 leaves nd_pmem while the services still map their files"
echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/unbind || fail "unbind"
wait_event removal && pass "daxmfd handled the removal and logged it" || fail "no removal record"
sleep 0.5
for s in db log; do
	kill -USR1 "$(field pid /run/demo/$s.ready)" 2>/dev/null
	wait_for /run/demo/$s.rep 30
done
echo "   orders-db got $(field sigbus /run/demo/db.rep) SIGBUS (first si_code $(field sigbus_first_code /run/demo/db.rep): BUS_MCEERR_AO=5), app-logger $(field sigbus /run/demo/log.rep)"

say "daxmfctl report"
daxmfctl report || fail "daxmfctl report"
daxmfctl --json report >report.json || fail "daxmfctl report --json"
python3 -c '
import json
r = json.load(open("report.json"))
kinds = sorted(e["event"] for e in r["events"])
files = {f["path"] for e in r["events"] for f in e["files"]}
procs = {p["unit"] for e in r["events"] for p in e["processes"]}
want = {"/srv/pmem/db/orders.db", "/srv/pmem/snapshots/orders.db.1", "/srv/pmem/logs/app.log"}
assert kinds == ["poison", "removal"], kinds
assert want <= files, files
assert {"orders-db.service", "app-logger.service"} <= procs, procs
' && pass "the report has the poison and the removal, the three files and both services" ||
	fail "report: $(cat report.json)"

say "journalctl -x explains each record (the catalog)"
journalctl --update-catalog
journalctl -b -x --no-pager -n 12 MESSAGE_ID=$event_id DAXMF_EVENT=removal | sed 's/^/   /'
finish
