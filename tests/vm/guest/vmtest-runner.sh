# Run the test named by vmtest= on the kernel command line, with systemd as
# PID 1 (see daxmf-vmtest.service), then dump the kernel log for the host's
# checks and power off.  The serial line is the host's view.
exec >/dev/ttyS0 2>&1
export PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

test=$(sed -n 's/.*vmtest=\([^ ]*\).*/\1/p' /proc/cmdline)
echo "DAXMF-VMTEST-BEGIN $test uptime=$(cut -d' ' -f1 /proc/uptime)"
# Per-page memory-failure lines on a serial console cost milliseconds each;
# the whole log is dumped at the end.
dmesg -n 1
if [ -f "/tests/$test.sh" ]; then
	mkdir -p /tmp/vmtest
	(cd /tmp/vmtest && sh "/tests/$test.sh")
	rc=$?
else
	echo "vmtest-runner: no test named '$test'"
	rc=1
fi
echo "DAXMF-VMTEST-END $test rc=$rc uptime=$(cut -d' ' -f1 /proc/uptime)"
. /tests/dump-kmsg.sh
sync
# Nothing of this boot is kept (the root is a throw-away overlay).
systemctl poweroff --force --force
