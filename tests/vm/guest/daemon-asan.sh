# daxmfd and daxmfctl built with AddressSanitizer and UBSan (LeakSanitizer
# at exit), core library included, through a whole scenario: start as the
# module's removal handler; poison in badblocks failed through the module,
# files and mapper named; a kernel memory failure (MADV_HWPOISON) followed;
# a SIGHUP reload; the CLI's commands against the daemon, the module and the
# journal; a removal of the namespace under a mapped file; SIGTERM and a
# clean exit.  Every process of both writes its sanitizer reports into one
# directory: any report fails the test.
. /tests/lib.sh

event_id=cf97945658094f1db7308336789c695b
file_id=e9e6f5a8dc7349b6bb7d82c6eeda5933
proc_id=08ba4d232db046c68873be316a481358
san=/tmp/sanitizer
mkdir -p $san
# One log_path for both runtimes: in one process the last option string read wins.
common="log_path=$san/report:print_summary=1:halt_on_error=1"
ASAN_OPTIONS="$common:detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
UBSAN_OPTIONS="$common:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS
ctl=daxmfctl-asan

# The guest can catch a report at all: the runtimes are there (libasan and
# libubsan came along into the initramfs), LeakSanitizer can stop the world
# here, and a known leak lands in a log of its own.
ASAN_OPTIONS="log_path=/tmp/probe:detect_leaks=1" sanitizer-probe-asan leak
grep -q 'ERROR: LeakSanitizer: detected memory leaks' /tmp/probe.* 2>/dev/null &&
	pass "a known leak is reported in this guest (LeakSanitizer works here)" ||
	die "the probe's leak was not reported: $(cat /tmp/probe.* 2>/dev/null)"
for b in daxmfd-asan $ctl; do
	ASAN_OPTIONS=help=1 $b version 2>&1 | grep -q 'Available flags for AddressSanitizer' ||
		die "$b has no ASan runtime"
done
pass "daxmfd-asan and daxmfctl-asan run with the ASan runtime"

start_journald
load_daxmf
mount_xfs_dax
xfs_io -f -c "pwrite -q -S 0x70 0 64k" -c fsync /mnt/f || die "write f"
cp --reflink=always /mnt/f /mnt/f-copy || die "reflink"
mkdir /mnt/d && ln /mnt/f /mnt/d/f-link || die "link"
xfs_io -f -c "pwrite -q -S 0x71 0 64k" -c fsync /mnt/g || die "write g"
base=$(pmem_data_phys)
set -- $(file-pfns /mnt/f "$base")
sector=$(( ($1 * 4096 - base) / 512 ))

mkdir -p /etc/daxmf /run/daxmf-test
conf='[Poison]\nRescanIntervalSec=0\n[Metrics]\nTextfilePath=/run/daxmf-test/%s\n'
# shellcheck disable=SC2059
printf "$conf" daxmf.prom >/etc/daxmf/daxmfd.conf
start=$(cut -d' ' -f1 /proc/uptime)
daxmfd-asan --config /etc/daxmf/daxmfd.conf 2>daxmfd.err &
daemon=$!
n=300
until journalctl --no-pager 2>/dev/null | grep -q 'removal handler for the module'; do
	n=$((n - 1)); [ $n -gt 0 ] || die "daxmfd-asan did not become the removal handler: $(cat daxmfd.err)"
	sleep 0.1
done
pass "daxmfd-asan runs and is the module's removal handler ($(awk -v a="$start" -v b="$(cut -d' ' -f1 /proc/uptime)" 'BEGIN { printf "%.1f", b - a }') s)"
wait_for /run/daxmf/control || die "no control socket"
$ctl --json status >status.json && grep -q '"module": *true' status.json &&
	grep -q '"removal_handler": *true' status.json && pass "status: module connected, removal handler" ||
	fail "status: $(cat status.json)"

# --- poison through badblocks ---------------------------------------------------
mapper --path /mnt/f --length 65536 --kill early --ready f.ready --report f.rep &
wait_for f.ready || die "mapper f did not start"
echo "$((sector + 8)) 16" >/sys/block/pmem0/badblocks
out=$($ctl rescan) && [ "$out" = "rescanned 1 pmem disk(s): 1 new bad range(s)" ] &&
	pass "rescan: $out" || fail "rescan: $out"
n=200
until [ "$(journal_field $event_id DAXMF_EVENT)" = poison ]; do
	n=$((n - 1)); [ $n -gt 0 ] || break
	sleep 0.1
done
[ "$(journal_field $event_id DAXMF_RESULT)" = complete ] && [ "$(journal_field $event_id DAXMF_VIA)" = module ] &&
	[ "$(journal_field $event_id DAXMF_PAGES)" = 2 ] && pass "poison: 2 pages failed through the module, complete" ||
	fail "poison record: $(journal_field $event_id DAXMF_RESULT) $(journal_field $event_id DAXMF_VIA)"
[ "$(journal_field $file_id DAXMF_FILE | sort | tr '\n' ' ')" = "/mnt/d/f-link /mnt/f /mnt/f-copy " ] &&
	pass "poison: f, its hard link and its reflinked copy named" ||
	fail "files: $(journal_field $file_id DAXMF_FILE | tr '\n' ' ')"
[ "$(journal_field $proc_id DAXMF_PID)" = "$(field pid f.ready)" ] && pass "poison: f's mapper named" ||
	fail "processes: $(journal_field $proc_id DAXMF_PID)"
kill -USR1 "$(field pid f.ready)"

# --- a kernel memory failure ------------------------------------------------------
set -- $(file-pfns /mnt/g "$base")
g_phys=$(printf '0x%x' $((($1 + 3) * 4096)))
mapper --path /mnt/g --length 65536 --hwpoison 3 --ready g.ready --report g.rep &
wait_for g.ready || die "mapper g did not start"
n=200
until journalctl --no-pager -o verbose MESSAGE_ID=$event_id DAXMF_EVENT=memory-failure \
	DAXMF_PHYS_START="$g_phys" 2>/dev/null | grep -q 'DAXMF_RESULT='; do
	n=$((n - 1)); [ $n -gt 0 ] || break
	sleep 0.1
done
id=$(journalctl --no-pager -o verbose MESSAGE_ID=$event_id DAXMF_EVENT=memory-failure DAXMF_PHYS_START="$g_phys" |
	sed -n 's/^ *DAXMF_EVENT_ID=//p')
[ -n "$id" ] && journalctl --no-pager -o verbose MESSAGE_ID=$file_id DAXMF_EVENT_ID="$id" | grep -q '^ *DAXMF_FILE=/mnt/g$' &&
	pass "MADV_HWPOISON on g: a memory-failure record naming /mnt/g" || fail "no memory-failure record for $g_phys"
kill -USR1 "$(field pid g.ready)"

# --- reload --------------------------------------------------------------------------
# shellcheck disable=SC2059
printf "$conf" moved.prom >/etc/daxmf/daxmfd.conf
kill -HUP $daemon
wait_metric /run/daxmf-test/moved.prom 'daxmf_events_total{event="poison",result="complete"}' 1 100 &&
	journalctl --no-pager | grep -q 'configuration reloaded' &&
	pass "SIGHUP: configuration reloaded, metrics at the new path, counters kept" ||
	fail "reload: $(ls -A /run/daxmf-test)"

# --- the CLI -------------------------------------------------------------------------
for cmd in status "--json status" info "--json info" "inventory --refresh" inventory "--json inventory" \
	scan "--json scan" "files pmem0 0 1048576" "--json files pmem0 $((sector * 512)) 8192" \
	"files pmem0 0 1048576 --inventory" report "--json report" "report --file /mnt/f" "report --device pmem0"; do
	# shellcheck disable=SC2086
	$ctl $cmd >cli.out 2>&1 || fail "daxmfctl $cmd: $(cat cli.out)"
done
$ctl files pmem0 $((sector * 512)) 8192 | grep -q '/mnt/f-copy' && pass "the CLI's commands ran (files names f-copy)" ||
	fail "files: $($ctl files pmem0 $((sector * 512)) 8192)"
$ctl fail-range --pfn 1 --pages 1 --yes >cli.out 2>&1 && fail "fail-range of pfn 1 accepted" ||
	pass "fail-range outside pmem refused: $(head -n 1 cli.out)"
$ctl files nosuchdev 0 1 >cli.out 2>&1; [ $? = 1 ] || fail "files of no device: $(cat cli.out)"
$ctl --bogus >cli.out 2>&1; [ $? = 2 ] && pass "bad usage and an unknown device: clear errors" || fail "usage: $(cat cli.out)"

# --- a removal under a mapped file ---------------------------------------------------
xfs_io -f -c "pwrite -q -S 0x72 0 64k" -c fsync /mnt/h || die "write h"
$ctl inventory --refresh >/dev/null || fail "inventory --refresh"
mapper --path /mnt/h --length 65536 --kill early --ready h.ready --report h.rep &
wait_for h.ready || die "mapper h did not start"
echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/unbind && pass "the unbind completed" || fail "unbind"
n=200
until [ -n "$(journalctl --no-pager -o verbose MESSAGE_ID=$event_id DAXMF_EVENT=removal | grep DAXMF_RESULT=)" ]; do
	n=$((n - 1)); [ $n -gt 0 ] || break
	sleep 0.1
done
journalctl --no-pager -o verbose MESSAGE_ID=$event_id DAXMF_EVENT=removal | grep -q '^ *DAXMF_HANDSHAKE=acknowledged$' &&
	journalctl --no-pager -o verbose MESSAGE_ID=$proc_id DAXMF_EVENT=removal | grep -q "^ *DAXMF_PID=$(field pid h.ready)$" &&
	pass "removal: acknowledged, h's mapper named" || fail "removal record"
kill -USR1 "$(field pid h.ready)"
$ctl status >cli.out 2>&1 || fail "status after the removal: $(cat cli.out)"
$ctl --json report >cli.out 2>&1 || fail "report after the removal"

# --- exit -----------------------------------------------------------------------------
kill -TERM $daemon
wait $daemon
rc=$?
[ $rc = 0 ] && pass "daxmfd-asan stops cleanly on SIGTERM (LeakSanitizer ran at exit)" ||
	fail "daxmfd-asan exit status $rc: $(tail -n 20 daxmfd.err)"

reports=$(ls $san 2>/dev/null)
if [ -z "$reports" ]; then
	pass "no ASan, UBSan or LeakSanitizer report from daxmfd-asan or daxmfctl-asan"
else
	for f in $reports; do
		echo "# sanitizer report $f:"
		sed 's/^/#   /' "$san/$f"
	done
	fail "$(echo "$reports" | wc -l) process(es) wrote sanitizer reports"
fi
grep -qE 'Sanitizer|runtime error' daxmfd.err && fail "sanitizer output on daxmfd's stderr: $(cat daxmfd.err)"
finish
