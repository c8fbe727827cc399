# Shared helpers for the guest-side tests (sourced).
# Each check prints "ok - ..." or "not ok - ..."; a failed check makes the
# test exit non-zero at the end (or at once with die).

failures=0
skip_exit=77

pass() { echo "ok - $*"; }
fail() { echo "not ok - $*"; failures=$((failures + 1)); }
die() { echo "not ok - $*"; exit 1; }
skip() { echo "skip - $*"; exit "$skip_exit"; }
finish() {
	if [ "$failures" -ne 0 ]; then
		echo "# $failures check(s) failed"
		exit 1
	fi
	exit 0
}

# check DESCRIPTION COMMAND...: pass when the command succeeds.
check() {
	desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc"; fi
}

# Tell the host harness this test triggers a known kernel warning (by name,
# from the harness's own list of known 6.1 issues).
known_warning() { echo "DAXMF-KNOWN-WARN $1"; }

load_daxmf() {
	modprobe daxmf || die "modprobe daxmf"
	pass "daxmf module loaded"
}

# mkfs + mount an fsdax XFS with reflink and the reverse map on /dev/pmem0.
mount_xfs_dax() {
	mkfs.xfs -q -f -m reflink=1,rmapbt=1 /dev/pmem0 || die "mkfs.xfs"
	mount -o dax=always /dev/pmem0 /mnt || die "mount -o dax=always"
	grep -q ' /mnt xfs .*dax=always' /proc/mounts || die "/mnt is not dax=always"
}

# Physical address where the pmem disk's data (sector 0) starts: the resource
# of the device pmem0 sits on (a namespace, or its pfn device when present).
pmem_data_phys() {
	dev=$(readlink -f /sys/block/pmem0/device)
	cat "$dev/resource"
}

# wait_for FILE [tenths]: wait until FILE exists.
wait_for() {
	n=${2:-100}
	while [ ! -e "$1" ] && [ "$n" -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	[ -e "$1" ]
}

# field NAME FILE: value of "NAME=value" in a key=value report.
field() { sed -n "s/^$1=//p" "$2" | head -n 1; }

# Start journald (it opens its own sockets) and wait for it.
start_journald() {
	# journald wants to know its cgroup.
	grep -q ' /sys/fs/cgroup ' /proc/mounts || mount -t cgroup2 cgroup2 /sys/fs/cgroup || die "mount cgroup2"
	mkdir -p /run/systemd/journal
	/lib/systemd/systemd-journald >/dev/null 2>&1 &
	wait_for /run/systemd/journal/socket 50 || die "journald did not start"
}

# journal_field MESSAGE_ID FIELD: values of FIELD in that message's records.
journal_field() {
	journalctl --no-pager -o verbose "MESSAGE_ID=$1" 2>/dev/null | sed -n "s/^ *$2=//p"
}

# Start journald and daxmfd with the configuration text $1 (printf format),
# and wait until it is the module's removal handler.  Sets daxmfd_pid.
start_daxmfd() {
	start_journald
	mkdir -p /etc/daxmf
	# shellcheck disable=SC2059
	printf "${1:-}" >/etc/daxmf/daxmfd.conf
	daxmfd --config /etc/daxmf/daxmfd.conf 2>daxmfd.err &
	daxmfd_pid=$!
	n=50
	until journalctl --no-pager 2>/dev/null | grep -q 'removal handler for the module'; do
		n=$((n - 1)); [ $n -gt 0 ] || die "daxmfd did not become the removal handler: $(cat daxmfd.err)"
		sleep 0.1
	done
	pass "daxmfd runs and is the module's removal handler"
}

# After a removal with daxmfd running: one journal record of it, with the
# removal mode $2 and DAXMF_VIA $3, for device $1; then daxmfd stops cleanly.
check_removal_record() {
	id=cf97945658094f1db7308336789c695b
	n=50
	until [ -n "$(journal_field $id DAXMF_EVENT)" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	journalctl --no-pager -o verbose MESSAGE_ID=$id | grep -E ' (MESSAGE|DAXMF_[A-Z_]*)=' | sed 's/^/# /'
	[ "$(journal_field $id DAXMF_EVENT)" = removal ] && [ "$(journal_field $id DAXMF_DEVICE)" = "$1" ] &&
		pass "one removal record for $1" || fail "removal record: $(journal_field $id DAXMF_EVENT)"
	[ "$(journal_field $id DAXMF_EVENT | wc -l)" = 1 ] && pass "logged once" ||
		fail "logged $(journal_field $id DAXMF_EVENT | wc -l) times"
	[ "$(journal_field $id DAXMF_RESULT)" = complete ] && [ "$(journal_field $id DAXMF_REMOVAL_MODE)" = "$2" ] &&
		[ "$(journal_field $id DAXMF_HANDSHAKE)" = acknowledged ] && [ "$(journal_field $id DAXMF_VIA)" = "$3" ] &&
		pass "recorded: complete, $2, acknowledged, via $3" ||
		fail "record: $(journal_field $id DAXMF_RESULT) $(journal_field $id DAXMF_REMOVAL_MODE) $(journal_field $id DAXMF_HANDSHAKE) $(journal_field $id DAXMF_VIA)"
	kill -TERM "$daxmfd_pid"
	wait "$daxmfd_pid" && pass "daxmfd stops cleanly" || fail "daxmfd exit status"
}

# metric FILE SERIES: the value of one sample of a Prometheus textfile
# (SERIES with its labels, exactly as written: name{label="value",...}).
metric() {
	awk -v s="$2" 'index($0, s " ") == 1 { print substr($0, length(s) + 2) }' "$1" 2>/dev/null
}

# wait_metric FILE SERIES VALUE [tenths]: wait until the sample has that value.
wait_metric() {
	n=${4:-50}
	until [ "$(metric "$1" "$2")" = "$3" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		sleep 0.1
	done
}
