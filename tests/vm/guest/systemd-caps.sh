# The unit's privileges, measured: daxmfd as installed, then with each
# capability of its CapabilityBoundingSet= taken away (a drop-in, as an
# operator would write it), with CAP_NET_ADMIN added, and as a user of its
# own with the same capabilities as ambient ones.  Each round restarts the
# unit and makes the same poison: a page of a file in a directory only
# another user can read, mapped by that user's process.  A row says what
# worked: the module (and so the removal handshake), the range failed, the
# file named, the process named, the receive buffer of the module's events
# socket; the source of memory failures; the metrics file; and the daemon's
# own warnings.  The installed set must do all of it, and each capability
# must be needed for something.  The rounds as a user are printed, not
# judged: they say why daxmfd stays root (see the unit's comments).
. /tests/lib.sh

unit=daxmfd.service
event_id=cf97945658094f1db7308336789c695b
file_id=e9e6f5a8dc7349b6bb7d82c6eeda5933
proc_id=08ba4d232db046c68873be316a481358
dropin=/run/systemd/system/daxmfd.service.d
prop() { systemctl show -P "$1" "$unit"; }
wait_active() {
	n=${1:-150}
	until [ "$(prop ActiveState)" = active ] && [ "$(prop SubState)" = running ]; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

# collect PID SECTOR FILE MAPPER_PID: what daxmfd PID did with the poison at
# SECTOR, from its journal records (result and path; whether FILE and the
# mapper were named; its warnings, not the event records), and the largest
# receive buffer among its generic netlink sockets (the module's events
# socket asks for 16 MiB: above net.core.rmem_max only with CAP_NET_ADMIN),
# read through a duplicate of the socket (pidfd_getfd).  key=value lines.
collect() {
	journalctl --no-pager -o json _PID="$1" >round.json 2>/dev/null
	python3 - "$@" <<'EOF'
import ctypes, json, os, socket, sys
pid, sector, path, mapper = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
EVENT, FILE, PROC = ("cf97945658094f1db7308336789c695b", "e9e6f5a8dc7349b6bb7d82c6eeda5933",
                     "08ba4d232db046c68873be316a481358")
recs = [json.loads(l) for l in open("round.json") if l.strip()]
ev = [r for r in recs if r.get("MESSAGE_ID") == EVENT and r.get("DAXMF_SECTOR") == sector]
result = "%s via %s" % (ev[0].get("DAXMF_RESULT"), ev[0].get("DAXMF_VIA")) if ev else "none"
eid = ev[0].get("DAXMF_EVENT_ID") if ev else None
files = sorted({r.get("DAXMF_FILE") for r in recs if r.get("MESSAGE_ID") == FILE and r.get("DAXMF_EVENT_ID") == eid})
pids = sorted({r.get("DAXMF_PID") for r in recs if r.get("MESSAGE_ID") == PROC and r.get("DAXMF_EVENT_ID") == eid})
warn = sorted({str(r.get("MESSAGE")) for r in recs if int(r.get("PRIORITY", 6)) <= 4 and "MESSAGE_ID" not in r})
inodes = {}
for fd in os.listdir("/proc/%d/fd" % pid):
    try:
        link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
    except OSError:
        continue
    if link.startswith("socket:["):
        inodes[link[8:-1]] = int(fd)
libc = ctypes.CDLL(None, use_errno=True)
pidfd = os.pidfd_open(pid)
buf = 0
for line in open("/proc/%d/net/netlink" % pid).readlines()[1:]:
    f = line.split()
    if f[1] != "16" or f[9] not in inodes:
        continue
    fd = libc.syscall(438, pidfd, inodes[f[9]], 0)  # pidfd_getfd
    if fd >= 0:
        s = socket.socket(fileno=fd)
        buf = max(buf, s.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF))
        s.close()
print("result=%s" % result)
print("files=%s" % ("named" if files == [path] else repr(files)))
print("procs=%s" % ("mapper" if pids == [mapper] else repr(pids)))
print("buf=%d" % buf)
print("warn=%s" % " | ".join(warn))
EOF
}

wait_active || die "daxmfd did not become active"
mount_xfs_dax
mkdir -m 700 /mnt/private
base=$(pmem_data_phys)
i=0
while [ $i -lt 8 ]; do
	xfs_io -f -c "pwrite -q -S 0x6$i 0 64k" -c fsync /mnt/private/p$i || die "write p$i"
	i=$((i + 1))
done
chown -R 65534:65534 /mnt/private
mkdir -m 777 /tmp/vmtest/nobody
# The textfile directory of the default configuration, as Debian's
# prometheus-node-exporter makes it: root's, 0755.
mkdir -p /var/lib/prometheus/node-exporter

# The bounding set as installed, from the unit itself.
installed=$(prop CapabilityBoundingSet)
echo "# installed CapabilityBoundingSet: $installed"

round=0
# row NAME DROP-IN-TEXT: one round; sets the globals module, result, files, procs, buf, warn.
row() {
	name=$1
	rm -rf $dropin
	if [ -n "$2" ]; then
		mkdir -p $dropin
		printf '[Service]\n%b\n' "$2" >$dropin/caps.conf
	fi
	systemctl daemon-reload
	rm -f /var/lib/prometheus/node-exporter/daxmf.prom
	systemctl restart "$unit"
	module=- result=- files=- procs=- buf=- warn= mf= metrics=
	if ! wait_active; then
		result="not started: $(journalctl -b --no-pager -o cat -u $unit | tail -n 2 | tr '\n' ' ')"
		echo "# $name: $result"
		return
	fi
	pid=$(prop MainPID)
	caps=$(sed -n 's/^CapEff:\t//p' /proc/$pid/status)
	uid=$(sed -n 's/^Uid:\t\([0-9]*\).*/\1/p' /proc/$pid/status)
	file=/mnt/private/p$round
	set -- $(file-pfns $file "$base")
	s=$(( ($1 * 4096 - base) / 512 + 8 ))
	rm -f /tmp/vmtest/nobody/m.ready
	run-as 65534 65534 mapper --path $file --length 65536 --kill late \
		--ready /tmp/vmtest/nobody/m.ready --report /tmp/vmtest/nobody/m.rep &
	wait_for /tmp/vmtest/nobody/m.ready || die "mapper did not start"
	mpid=$(field pid /tmp/vmtest/nobody/m.ready)
	daxmfctl --json status >st.json 2>&1
	module=$(python3 -c 'import json; d = json.load(open("st.json")); print("%s/%s" % (d["module"], d["removal_handler"]))' 2>/dev/null ||
		echo "no status")
	echo "$s 8" >/sys/block/pmem0/badblocks
	daxmfctl rescan >/dev/null 2>&1 || echo "# $name: daxmfctl rescan failed"
	n=150
	until [ -n "$(journalctl --no-pager -q -o cat MESSAGE_ID=$event_id _PID="$pid" DAXMF_SECTOR=$s 2>/dev/null)" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	sleep 0.5  # the file and process records follow the event's
	collect "$pid" "$s" "$file" "$mpid" >round.txt
	result=$(field result round.txt) files=$(field files round.txt) procs=$(field procs round.txt)
	buf=$(field buf round.txt) warn=$(field warn round.txt)
	mf=$(daxmfctl status 2>/dev/null | sed -n 's/^memory failures: *//p')
	metrics=no
	[ -s /var/lib/prometheus/node-exporter/daxmf.prom ] && metrics=yes
	echo "# $name (t=$(cut -d' ' -f1 /proc/uptime)): uid $uid CapEff $caps | module/handler $module | poison $result | file $files | process $procs | events rcvbuf $buf | memory failures: $mf | metrics file $metrics"
	[ -n "$warn" ] && echo "#   warnings: $warn"
	kill -USR1 "$mpid" 2>/dev/null
	round=$((round + 1))
}

without() {
	echo "$installed" | tr ' ' '\n' | grep -vx "$1" | tr '\n' ' '
}

# Every capability of the installed set, each round a fresh poison.
row installed ""
[ "$module" = True/True ] && [ "$result" = "complete via module" ] && [ "$files" = named ] && [ "$procs" = mapper ] &&
	[ "$metrics" = yes ] && [ -z "$warn" ] &&
	pass "as installed: module and handshake, poison failed, the other user's file and process named, metrics written, no warning" ||
	fail "as installed: $module, $result, $files, $procs, metrics $metrics, warnings: $warn"
installed_buf=$buf

for cap in $installed; do
	row "without $cap" "CapabilityBoundingSet=\nCapabilityBoundingSet=$(without "$cap")"
	case $cap in
	cap_sys_admin)
		[ "$module" = True/False ] && [ "$result" = "stopped via module" ] &&
			echo "$warn" | grep -q 'daxmf requires CAP_SYS_ADMIN' &&
			pass "$cap is needed: the module refuses daxmfd (EPERM), no removal handler, the poison is not failed" ||
			fail "without $cap: module $module, poison '$result'" ;;
	cap_dac_read_search)
		[ "$module" = True/True ] && [ "$result" = "complete via module" ] && [ "$files" != named ] &&
			pass "$cap is needed: the file in another user's directory is not named ($files)" ||
			fail "without $cap: file $files, poison '$result'" ;;
	cap_sys_ptrace)
		[ "$module" = True/True ] && [ "$files" = named ] && [ "$procs" != mapper ] &&
			pass "$cap is needed: the other user's process is not named ($procs)" ||
			fail "without $cap: process $procs" ;;
	*) fail "$cap: no expectation for it in this test" ;;
	esac
done

# Outside the set: CAP_NET_ADMIN would only lift the events buffer above
# rmem_max (an overrun is counted and logged, not silent).
row "with CAP_NET_ADMIN" "CapabilityBoundingSet=CAP_NET_ADMIN"
[ "$module" = True/True ] && [ "$result" = "complete via module" ] && [ "$files" = named ] && [ "$procs" = mapper ] &&
	[ "$buf" -gt "$installed_buf" ] &&
	pass "CAP_NET_ADMIN adds only a larger events buffer: $installed_buf -> $buf bytes" ||
	fail "with CAP_NET_ADMIN: $module, $result, $files, $procs, buffer $installed_buf -> $buf"

# A user of its own with the set as ambient capabilities: the module's path works.
row "user, ambient caps" "DynamicUser=yes\nAmbientCapabilities=$installed"
user_module="$module, poison $result, file $files, process $procs, metrics file $metrics"

# Without the module: poison through hard_offline_page, memory failures
# through tracefs (as root: vm-memory-failure-tracefs, vm-daemon-degraded).
# (daxmfd asking for the family would load it again: genl's module alias.)
systemctl stop "$unit"
mkdir -p /run/modprobe.d
echo 'install daxmf /bin/false' >/run/modprobe.d/daxmf-off.conf
rmmod daxmf || fail "rmmod daxmf"
row "user, ambient caps, no module" "DynamicUser=yes\nAmbientCapabilities=$installed"
echo "# as a user of its own, with the module: $user_module"
echo "# as a user of its own, without it: poison $result, memory failures '$mf', metrics file $metrics"
# tracefs is root's 0700: refused, and said so (not "no tracepoint").
case $mf in
*"not allowed to look into tracefs"*)
	pass "as a user without the module: tracefs refused, and the status says so ($mf)" ;;
*)	fail "as a user without the module: memory failures '$mf' (expected the refusal named)" ;;
esac

rm -rf $dropin
systemctl daemon-reload

# --- the sandbox, as systemd judges it ----------------------------------------
systemd-analyze security --no-pager "$unit" 2>&1 | sed 's/^/# /'
finish
