# Without the module daxmfd still runs, says it is degraded (journal), and
# fails poison pages through hard_offline_page, page by page: the early-kill
# mapper is still signalled, and the record says how.  Once the module is
# loaded daxmfd connects to it (without loading it itself), and again after
# an rmmod and a modprobe; poison then goes through the module.
. /tests/lib.sh

start_journald
# Keep the module out: its family alias would load it on first use.
echo /bin/true >/proc/sys/kernel/modprobe
mount_xfs_dax
xfs_io -f -c "pwrite -q -S 0x71 0 64k" -c fsync /mnt/g || die "write g"
base=$(pmem_data_phys)
set -- $(file-pfns /mnt/g "$base")
sector=$(( ($1 * 4096 - base) / 512 ))

mapper --path /mnt/g --length 65536 --kill early --ready g.ready --report g.rep &
wait_for g.ready || die "mapper did not start"

mkdir -p /etc/daxmf
# The metrics' directory is not there yet: daxmfd says so once, and writes the file once it is.
prom=/run/daxmf-test/daxmf.prom
printf '[Poison]\nRescanIntervalSec=500ms\n[Metrics]\nTextfilePath=%s\n' $prom >/etc/daxmf/daxmfd.conf
daxmfd --config /etc/daxmf/daxmfd.conf 2>daxmfd.err &
daemon=$!
n=50
until [ -n "$(journal_field fcab4ff2a61847178f10f2912581067f DAXMF_DEGRADED)" ]; do
	n=$((n - 1)); [ $n -gt 0 ] || die "no degraded record: $(journalctl --no-pager | tail -5; cat daxmfd.err)"
	sleep 0.1
done
journal_field fcab4ff2a61847178f10f2912581067f DAXMF_DEGRADED | grep -q 'module not loaded' &&
	pass "journal says degraded: module not loaded" || fail "degraded reason"
grep -q '^daxmf ' /proc/modules && fail "the module got loaded"

echo "$((sector + 8)) 8" >/sys/block/pmem0/badblocks
n=100
until [ -n "$(journal_field cf97945658094f1db7308336789c695b DAXMF_RESULT)" ]; do
	n=$((n - 1)); [ $n -gt 0 ] || break
	sleep 0.1
done
[ "$(journal_field cf97945658094f1db7308336789c695b DAXMF_VIA)" = sysfs ] && pass "failed through hard_offline_page" ||
	fail "via: $(journal_field cf97945658094f1db7308336789c695b DAXMF_VIA)"
[ "$(journal_field cf97945658094f1db7308336789c695b DAXMF_RESULT)" = complete ] && pass "result complete" || fail "result"
grep -q '^HardwareCorrupted: *4 kB' /proc/meminfo && pass "the kernel counted the page (HardwareCorrupted 4 kB)" ||
	fail "$(grep HardwareCorrupted /proc/meminfo)"

kill -USR1 "$(field pid g.ready)"
wait_for g.rep || die "no report"
[ "$(field sigbus g.rep)" -ge 1 ] && [ "$(field sigbus_first_code g.rep)" = 5 ] && pass "the mapper got BUS_MCEERR_AO" ||
	fail "mapper: $(tr '\n' ' ' <g.rep)"

# Writes were tried every second or so (badblocks every 0.5 s): one warning.
[ "$(journalctl --no-pager | grep -c "cannot write the metrics to $prom")" = 1 ] &&
	pass "missing metrics directory: said once" ||
	fail "metrics warnings: $(journalctl --no-pager | grep -c 'cannot write the metrics')"
mkdir -p /run/daxmf-test
wait_metric $prom daxmf_degraded 1 && [ "$(metric $prom daxmf_module_connected)" = 0 ] &&
	grep -q '^daxmf_degraded_info{reason="daxmf module not loaded: .*"} 1$' $prom &&
	[ "$(metric $prom 'daxmf_events_total{event="poison",result="complete"}')" = 1 ] &&
	pass "metrics once the directory is there: degraded (module not loaded), the sysfs poison event" ||
	fail "metrics: $(cat $prom)"

# The module arrives: daxmfd finds it within its 2 s look-out.
wait_connected() {
	n=60
	until [ "$(journalctl --no-pager | grep -c 'connected to the daxmf module again')" -ge "$1" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		sleep 0.1
	done
}
modprobe daxmf || die "modprobe daxmf"
wait_connected 1 && pass "daxmfd connected to the module once it was loaded" || fail "no connection to the module"
daxmfctl status --json >status.json || fail "status"
tr -d ' \n' <status.json | grep -q '"module":true,"removal_handler":true,"degraded":""' &&
	pass "status: module connected, removal handler, not degraded" || fail "status: $(cat status.json)"
wait_metric $prom daxmf_degraded 0 && [ "$(metric $prom daxmf_module_connected)" = 1 ] &&
	! grep -q '^daxmf_degraded_info{' $prom && pass "metrics: degraded 0, module connected" ||
	fail "metrics after modprobe: $(grep degraded $prom)"
echo "$((sector + 24)) 8" >/sys/block/pmem0/badblocks
n=100
until [ "$(journal_field cf97945658094f1db7308336789c695b DAXMF_VIA | wc -l)" -ge 2 ]; do
	n=$((n - 1)); [ $n -gt 0 ] || break
	sleep 0.1
done
[ "$(journal_field cf97945658094f1db7308336789c695b DAXMF_VIA | sed -n 2p)" = module ] &&
	pass "the next poison went through the module" || fail "second poison: $(journal_field cf97945658094f1db7308336789c695b DAXMF_VIA)"

rmmod daxmf || fail "rmmod"
n=50
until journal_field fcab4ff2a61847178f10f2912581067f DAXMF_DEGRADED | grep -q 'unloaded\|went away'; do
	n=$((n - 1)); [ $n -gt 0 ] || break
	sleep 0.1
done
[ $n -gt 0 ] && pass "degraded again after rmmod" || fail "no degraded record after rmmod"
wait_metric $prom daxmf_degraded 1 && [ "$(metric $prom daxmf_module_connected)" = 0 ] &&
	pass "metrics: degraded 1 again" || fail "metrics after rmmod: $(grep degraded $prom)"
sleep 2.5	# a look-out round or more
grep -q '^daxmf ' /proc/modules && fail "daxmfd loaded the module by itself" || pass "daxmfd does not load the module"
modprobe daxmf || die "modprobe daxmf"
wait_connected 2 && pass "daxmfd connected again after rmmod + modprobe" || fail "no reconnection"
wait_metric $prom daxmf_degraded 0 && pass "metrics: degraded 0 again" || fail "metrics after the second modprobe"
kill -TERM $daemon
wait $daemon && pass "daxmfd stops cleanly" || fail "exit status"
finish
