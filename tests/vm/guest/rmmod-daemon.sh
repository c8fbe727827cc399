# rmmod of the module while daxmfd depends on it.  Nothing is mounted on
# pmem0: its pagemap has no holder, pages go one by one.
# vmvariant=range:     daxmfd fails a long poison range; rmmod while its
#                      batches run → they stop with ESHUTDOWN, daxmfd says
#                      so, keeps running, goes on without the module
#                      (hard_offline_page) and with it again once it is
#                      back: every page of the range failed exactly once
#                      (the kernel's tracepoint counts), the record says
#                      complete.
# vmvariant=handshake: daxmfd is the removal handler and hangs (SIGSTOP)
#                      while namespace0.0 is unbound; rmmod during the
#                      wait → the wait is aborted, the module acts alone,
#                      the unbind completes, the module unloads; daxmfd,
#                      woken, records the removal, keeps running, and is
#                      the handler again after modprobe.
. /tests/lib.sh
. /tests/mf-trace.sh

variant=$(sed -n 's/.*vmvariant=\([a-z]*\).*/\1/p' /proc/cmdline)
case $variant in
range | handshake) ;;
*) die "vmvariant=range or handshake, not '$variant'" ;;
esac

uptime_cs() { awk '{ printf "%d\n", $1 * 100 }' /proc/uptime; }
data_pfn=$(($(pmem_data_phys) / 4096))
id=cf97945658094f1db7308336789c695b

# wait_journal TEXT [tenths]: until a daxmfd line has TEXT.
wait_journal() {
	n=${2:-100}
	until journalctl --no-pager 2>/dev/null | grep -F 'daxmfd[' | grep -qF "$1"; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

# after_reload: modprobe again; daxmfd connects and is the handler again.
after_reload() {
	modprobe daxmf && pass "modprobe again" || fail "modprobe"
	wait_journal 'connected to the daxmf module again' 100 && pass "daxmfd connected again" ||
		fail "daxmfd did not reconnect"
	n=50
	until daxmfctl info --json 2>/dev/null | grep -q '"removal_handler_port": *[1-9]'; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	[ $n -gt 0 ] && pass "daxmfd is the removal handler again" || fail "no removal handler after the reload"
}

load_daxmf
mf_trace_start
daxmfctl monitor --json >events.json 2>monitor.err &
monitor=$!

if [ "$variant" = range ]; then
	start_daxmfd '[Poison]\nRescanIntervalSec=200ms\n[Engine]\nBatchPages=2048\nMaxInFlight=2\n'
	# 240 entries of 512 sectors: 15360 pages, 60 MiB.
	pages=15360
	i=0
	while [ $i -lt 240 ]; do
		echo "$((i * 512)) 512" >/sys/block/pmem0/badblocks
		i=$((i + 1))
	done
	n=400
	until [ "$(grep '"event":"range-done"' events.json | grep -c '"status":0,')" -ge 1 ]; do
		n=$((n - 1)); [ $n -gt 0 ] || die "no progress: $(tail -5 daxmfd.err)"
		sleep 0.02
	done
	rmmod daxmf && pass "rmmod while daxmfd's batches run" || fail "rmmod"
	t_rmmod=$(uptime_cs)
	n=50
	while kill -0 $monitor 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	before=$(grep '"event":"range-done"' events.json | grep -c '"status":0,')
	stopped=$(grep '"event":"range-done"' events.json | grep '"status_name":"ESHUTDOWN"' |
		sed 's/.*"pfn":\([0-9]*\),"pages":\([0-9]*\),.*"pages_done":\([0-9]*\),.*/pfn \1: \3 of \2 pages/')
	echo "# before the rmmod: $before batches complete; stopped by it: ${stopped:-none}"

	[ -n "$stopped" ] && pass "daxmfd's running batches stopped with ESHUTDOWN" ||
		echo "# no batch of daxmfd's was running at the rmmod"
	wait_journal 'the daxmf module went away' 50 || wait_journal 'the daxmf module was unloaded' 10 &&
		pass "daxmfd says the module went away" || fail "no word from daxmfd about the module"
	journalctl --no-pager | grep -F 'daxmfd[' | grep -E 'stopped after|went away|unloaded|degraded|hard_offline' | sed 's/^/# /' | head -6
	kill -0 $daxmfd_pid && pass "daxmfd runs on without the module" || die "daxmfd died: $(tail -5 daxmfd.err)"

	# The module comes back.
	daxmfctl monitor --json >events2.json 2>monitor2.err &
	monitor=$!
	after_reload
	n=300
	until ! grep -qE '^(pending|in-flight) ' /var/lib/daxmf/ranges 2>/dev/null &&
		[ -n "$(journal_field $id DAXMF_RESULT)" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || { fail "the range did not finish: $(grep -v completed /var/lib/daxmf/ranges)"; break; }
		sleep 0.1
	done
	echo "# the rest took $(( $(uptime_cs) - t_rmmod )) cs after the rmmod"
	sleep 0.3
	after=$(grep '"event":"range-done"' events2.json | grep '"status":0,' |
		awk '{ match($0, /"pages":[0-9]+/); s += substr($0, RSTART + 8, RLENGTH - 8) } END { print s + 0 }')
	echo "# after the reload the module failed $after pages; the rest before it went through hard_offline_page"
	journalctl --no-pager -o short-monotonic | grep -F 'daxmfd[' | grep -E 'went away|again|stopped after|poison' | sed 's/^/# /' | head -8
	# One record, or a few where a rescan read the list while it was written.
	journalctl --no-pager -o verbose MESSAGE_ID=$id DAXMF_EVENT=poison |
		sed -n 's/^ *DAXMF_RESULT=//p; s/^ *DAXMF_PAGES_FAILED=/failed /p' | sort | uniq -c | sed 's/^ */# poison records: /'
	journalctl --no-pager -o verbose MESSAGE_ID=$id DAXMF_EVENT=poison | sed -n 's/^ *DAXMF_RESULT=//p' >results.txt
	journalctl --no-pager -o verbose MESSAGE_ID=$id DAXMF_EVENT=poison | sed -n 's/^ *DAXMF_PAGES_FAILED=//p' >failed.txt
	[ -s results.txt ] && ! grep -qv '^complete$' results.txt && ! grep -qv '^0$' failed.txt &&
		pass "the poison records say complete, no page failed" || fail "poison records: $(sort results.txt failed.txt | uniq -c | tr '\n' ' ')"
	echo "$data_pfn $((data_pfn + pages))" >want.txt
	mf_trace_pfns mf-pfns.txt || fail "the trace buffer overran"
	mf_trace_check mf-pfns.txt want.txt && pass "every page of the range failed exactly once across the rmmod" ||
		fail "memory_failure() calls do not match the range"
else
	start_daxmfd '[Removal]\nTimeoutSec=60\n'
	# A hung handler: daxmfd stopped, the PENDING waits in its socket.
	kill -STOP $daxmfd_pid
	t0=$(uptime_cs)
	echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/unbind &
	unbind=$!
	n=100
	until grep -q '"event":"removal-pending"' events.json; do
		n=$((n - 1)); [ $n -gt 0 ] || { fail "no REMOVAL_PENDING"; break; }
		sleep 0.1
	done
	sleep 1
	kill -0 $unbind 2>/dev/null && pass "the unbind waits for daxmfd" || fail "the unbind did not wait"
	rmmod daxmf && pass "rmmod during the wait" || fail "rmmod during the wait"
	n=300
	while kill -0 $unbind 2>/dev/null && [ $n -gt 0 ]; do sleep 0.1; n=$((n - 1)); done
	kill -0 $unbind 2>/dev/null && die "the unbind hangs"
	wait $unbind && pass "the unbind completed" || fail "unbind failed"
	elapsed=$(($(uptime_cs) - t0))
	echo "# the unbind took $elapsed cs (daxmfd asked for 60 s)"
	[ $elapsed -lt 3000 ] && pass "rmmod ended the wait" || fail "waited $elapsed cs"
	[ -e /dev/pmem0 ] && fail "pmem0 still there" || pass "pmem0 is gone"
	grep -q '^daxmf ' /proc/modules && fail "module still loaded" || pass "module gone"
	dmesg | grep -q "daxmf: removal [0-9]* of pfn .* (wait aborted after [0-9]* ms)" &&
		pass "the module acted alone: wait aborted" || fail "no 'wait aborted' removal line in dmesg"
	grep '"event":"removal"' events.json | grep -q '"handshake":"aborted"' &&
		pass "the REMOVAL event says aborted" || fail "removal event: $(grep '"event":"removal' events.json)"

	# daxmfd wakes up to a module that is gone.
	kill -CONT $daxmfd_pid
	n=50
	until [ -n "$(journal_field $id DAXMF_HANDSHAKE)" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	journalctl --no-pager -o verbose MESSAGE_ID=$id DAXMF_EVENT=removal | grep -E ' (MESSAGE|DAXMF_RESULT|DAXMF_HANDSHAKE|DAXMF_VIA)=' | sed 's/^/# /'
	[ "$(journal_field $id DAXMF_HANDSHAKE)" = aborted ] && pass "daxmfd recorded the removal: handshake aborted" ||
		fail "removal record: handshake '$(journal_field $id DAXMF_HANDSHAKE)'"
	wait_journal 'the daxmf module' 50 && pass "daxmfd says the module went away" || fail "no word from daxmfd about the module"
	journalctl --no-pager | grep -F 'daxmfd[' | grep -E 'removal|went away|unloaded|answer|degraded' | sed 's/^/# /' | head -8
	kill -0 $daxmfd_pid && pass "daxmfd runs on" || die "daxmfd died: $(tail -5 daxmfd.err)"
	after_reload
fi

kill -TERM $daxmfd_pid
wait $daxmfd_pid && pass "daxmfd stops cleanly" || fail "daxmfd exit status: $(tail -5 daxmfd.err)"
kill $monitor 2>/dev/null
rmmod daxmf && pass "rmmod" || fail "rmmod at the end"
finish
