# The kernel's own memory failures, followed by the module's tracepoint probe
# (or by daxmfd through tracefs without the module), become one journal
# record per coalesced range, naming the files and processes hit.
# vmvariant=module: MADV_HWPOISON on a DAX file mapping, a write to
#   hard_offline_page, and corrupt-pfn (hwpoison-inject) over 300 consecutive
#   pages -> one record each (not 300), with the right file, offset and
#   process; a FAIL_RANGE of another requester is logged once, marked so;
#   the module's counts agree with what was logged.
# vmvariant=own: ext4 (per-page memory_failure() in the module): daxmfd's
#   own poison ranges and the module's removal work are not logged a second
#   time as memory failures, though the tracepoint saw them.
# vmvariant=overflow: a buffer of 4 ranges; a storm while nobody listens and
#   one while daxmfd listens: every event the module saw is either in a
#   record or in a lost count that daxmfd logged.
# vmvariant=rmmod: rmmod in the middle of a storm is clean; daxmfd goes on
#   through tracefs and logs what comes after.
# vmvariant=tracefs: no module at all: daxmfd follows tracefs, one record
#   for 300 pages, files and processes named; its own sysfs failures are not
#   logged twice.
. /tests/lib.sh

variant=$(sed -n 's/.*vmvariant=\([a-z-]*\).*/\1/p' /proc/cmdline)
case "$variant" in
module | own | overflow | rmmod | tracefs) ;;
*) die "vmvariant=module, own, overflow, rmmod or tracefs, not '$variant'" ;;
esac

event_id=cf97945658094f1db7308336789c695b
file_id=e9e6f5a8dc7349b6bb7d82c6eeda5933
proc_id=08ba4d232db046c68873be316a481358
inject=/sys/kernel/debug/hwpoison/corrupt-pfn
offline=/sys/devices/system/memory/hard_offline_page

hex() { printf '0x%x' "$1"; }

# mf_field PHYS FIELD: FIELD of the memory-failure record(s) starting at PHYS.
mf_field() {
	journalctl --no-pager -o verbose MESSAGE_ID=$event_id DAXMF_EVENT=memory-failure "DAXMF_PHYS_START=$1" \
		2>/dev/null | sed -n "s/^ *$2=//p"
}

# wait_mf PHYS: until a memory-failure record starting at PHYS is there.
wait_mf() {
	n=${2:-100}
	until [ -n "$(mf_field "$1" DAXMF_EVENT_ID)" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || return 1
		sleep 0.1
	done
}

mf_count() { journal_field $event_id DAXMF_EVENT | grep -c '^memory-failure$'; }

# show_mf PHYS: the record, for the log.
show_mf() {
	journalctl --no-pager -o verbose MESSAGE_ID=$event_id DAXMF_EVENT=memory-failure "DAXMF_PHYS_START=$1" |
		grep -E ' (MESSAGE|DAXMF_[A-Z_]*)=' | sed 's/^/# /'
}

# event_files ID: "path file_offset" of every file record of event ID, sorted
# (from JSON: verbose output does not keep the fields in the order sent).
event_files() {
	journalctl --no-pager -o json MESSAGE_ID=$file_id "DAXMF_EVENT_ID=$1" | awk '{
		f = ""; o = ""
		if (match($0, /"DAXMF_FILE":"[^"]*"/)) f = substr($0, RSTART + 14, RLENGTH - 15)
		if (match($0, /"DAXMF_FILE_OFFSET":"[^"]*"/)) o = substr($0, RSTART + 21, RLENGTH - 22)
		print f, o }' | sort
}

# event_pids ID: the pids of the process records of event ID, sorted.
event_pids() {
	journalctl --no-pager -o verbose MESSAGE_ID=$proc_id "DAXMF_EVENT_ID=$1" | sed -n 's/^ *DAXMF_PID=//p' | sort -n
}

# check_mf NAME PHYS PAGES EVENTS RESULT VIA ORIGIN: one record of that range.
check_mf() {
	name=$1 phys=$2
	wait_mf "$phys" || { fail "$name: no memory-failure record at phys $phys"; return 1; }
	show_mf "$phys"
	[ "$(mf_field "$phys" DAXMF_EVENT_ID | wc -l)" = 1 ] && pass "$name: one record" ||
		fail "$name: $(mf_field "$phys" DAXMF_EVENT_ID | wc -l) records"
	got="$(mf_field "$phys" DAXMF_PAGES) $(mf_field "$phys" DAXMF_MF_EVENTS) $(mf_field "$phys" DAXMF_PAGE_TYPE)"
	got="$got/$(mf_field "$phys" DAXMF_KERNEL_RESULT) $(mf_field "$phys" DAXMF_RESULT) $(mf_field "$phys" DAXMF_ACTION)"
	got="$got $(mf_field "$phys" DAXMF_VIA) $(mf_field "$phys" DAXMF_ORIGIN)"
	want="$3 $4 dax page/$5 $(echo "$5" | tr 'A-Z' 'a-z') log $6 $7"
	[ "$got" = "$want" ] && pass "$name: $3 page(s), $4 kernel event(s), dax page, $5, logged only, via $6, origin $7" ||
		fail "$name: got '$got', want '$want'"
}

# info_field NAME: a line of `daxmfctl info` ("NAME: value").
info_field() { daxmfctl info | sed -n "s/^$1: *//p"; }

mount_xfs() {
	mount_xfs_dax
	xfs_io -f -c "pwrite -q -S 0x70 0 64k" -c fsync /mnt/f || die "write f"
	cp --reflink=always /mnt/f /mnt/f-copy || die "reflink"
	mkdir /mnt/d && ln /mnt/f /mnt/d/f-link || die "link"
	xfs_io -f -c "pwrite -q -S 0x71 0 64k" -c fsync /mnt/g || die "write g"
	xfs_io -f -c "pwrite -q -S 0x72 0 1200k" -c fsync /mnt/h || die "write h"
	xfs_io -f -c "pwrite -q -S 0x73 0 4m" -c fsync /mnt/s || die "write s"
	base=$(pmem_data_phys)
	for x in f g h s; do
		ext=$(file-pfns /mnt/$x "$base")
		[ "$(echo "$ext" | wc -l)" = 1 ] || die "$x is not one extent: $ext"
		set -- $ext
		eval "${x}_pfn=\$(($1))"
	done
	# shellcheck disable=SC2154
	echo "# pfns: f $(hex "$f_pfn"), g $(hex "$g_pfn"), h $(hex "$h_pfn"), s $(hex "$s_pfn")"
}

# start_daxmfd_plain: daxmfd without the module (it is no removal handler then).
start_daxmfd_plain() {
	start_journald
	mkdir -p /etc/daxmf
	printf '[Poison]\nRescanIntervalSec=0\n' >/etc/daxmf/daxmfd.conf
	daxmfd --config /etc/daxmf/daxmfd.conf 2>daxmfd.err &
	daxmfd_pid=$!
	wait_for /run/daxmf/control || die "daxmfd did not start: $(cat daxmfd.err)"
}

# wait_source SOURCE: until `daxmfctl status` says memory failures come from SOURCE.
wait_source() {
	n=100
	until daxmfctl status | grep -q "^memory failures: *$1"; do
		n=$((n - 1)); [ $n -gt 0 ] || { fail "status: $(daxmfctl status | grep -i 'memory fail')"; return 1; }
		sleep 0.1
	done
	pass "status: memory failures followed through $1"
}

# storm FIRST COUNT STRIDE: corrupt-pfn on COUNT pfns from FIRST, STRIDE apart.
storm() {
	i=0
	while [ "$i" -lt "$2" ]; do
		echo $(($1 + i * $3)) >$inject || echo "# corrupt-pfn $(($1 + i * $3)) failed"
		i=$((i + 1))
	done
}

modprobe hwpoison-inject || die "modprobe hwpoison-inject"

case "$variant" in
module)
	load_daxmf
	mount_xfs
	start_daxmfd '[Poison]\nRescanIntervalSec=0\n'
	wait_source module

	# 1. MADV_HWPOISON on page 3 of f, by its own mapper: BUS_MCEERR_AR to it.
	mapper --path /mnt/f --length 65536 --hwpoison 3 --ready f.ready --report f.rep &
	wait_for f.ready || die "f's mapper did not start"
	[ "$(field hwpoison_rc f.ready)" = 0 ] && [ "$(field sigbus_first_code f.ready)" = 4 ] &&
		pass "MADV_HWPOISON: the caller got BUS_MCEERR_AR" || fail "MADV_HWPOISON: $(tr '\n' ' ' <f.ready)"
	[ "$(field hwpoison_pfn f.ready)" = "$(hex $((f_pfn + 3)))" ] || fail "poisoned pfn $(field hwpoison_pfn f.ready)"
	phys=$(hex $(((f_pfn + 3) * 4096)))
	check_mf "MADV_HWPOISON" "$phys" 1 1 Recovered module kernel
	id=$(mf_field "$phys" DAXMF_EVENT_ID)
	files=$(event_files "$id" | tr '\n' ';')
	[ "$files" = "/mnt/d/f-link 0x3000;/mnt/f 0x3000;/mnt/f-copy 0x3000;" ] &&
		pass "MADV_HWPOISON: f, its hard link and its reflinked copy, at offset 0x3000" || fail "files: $files"
	[ "$(event_pids "$id")" = "$(field pid f.ready)" ] && pass "MADV_HWPOISON: f's mapper named" ||
		fail "processes: $(event_pids "$id" | tr '\n' ' ')"

	# 2. hard_offline_page on page 5 of g, mapped by a late-kill mapper.
	mapper --path /mnt/g --length 65536 --kill late --ready g.ready --report g.rep &
	wait_for g.ready || die "g's mapper did not start"
	echo $(((g_pfn + 5) * 4096)) >$offline && pass "hard_offline_page took g's page 5" || fail "hard_offline_page"
	phys=$(hex $(((g_pfn + 5) * 4096)))
	check_mf "hard_offline_page" "$phys" 1 1 Recovered module kernel
	id=$(mf_field "$phys" DAXMF_EVENT_ID)
	[ "$(event_files "$id" | tr '\n' ';')" = "/mnt/g 0x5000;" ] && pass "hard_offline_page: /mnt/g at offset 0x5000" ||
		fail "files: $(event_files "$id" | tr '\n' ';')"
	[ "$(event_pids "$id")" = "$(field pid g.ready)" ] && pass "hard_offline_page: g's mapper named" ||
		fail "processes: $(event_pids "$id" | tr '\n' ' ')"

	# 3. corrupt-pfn over 300 consecutive pages of h: one record, not 300.
	mapper --path /mnt/h --length $((300 * 4096)) --kill late --ready h.ready --report h.rep &
	wait_for h.ready || die "h's mapper did not start"
	start=$(date +%s)
	storm "$h_pfn" 300 1
	echo "# 300 corrupt-pfn writes took about $(($(date +%s) - start)) s"
	phys=$(hex $((h_pfn * 4096)))
	check_mf "corrupt-pfn x300" "$phys" 300 300 Recovered module kernel
	id=$(mf_field "$phys" DAXMF_EVENT_ID)
	[ "$(event_files "$id" | tr '\n' ';')" = "/mnt/h 0x0;" ] && pass "corrupt-pfn x300: /mnt/h from offset 0" ||
		fail "files: $(event_files "$id" | tr '\n' ';')"
	journalctl --no-pager -o verbose MESSAGE_ID=$file_id "DAXMF_EVENT_ID=$id" | grep -q "DAXMF_LENGTH=$((300 * 4096))$" &&
		pass "corrupt-pfn x300: the whole 300 pages of h" || fail "length"
	[ "$(event_pids "$id")" = "$(field pid h.ready)" ] && pass "corrupt-pfn x300: h's mapper named" ||
		fail "processes: $(event_pids "$id" | tr '\n' ' ')"

	# 4. A range failed page by page by another requester: logged once, marked.
	out=$(daxmfctl fail-range --yes --per-page --pfn $((g_pfn + 8)) --pages 4) || fail "fail-range"
	echo "$out" | grep -q '^result: *complete$' || fail "fail-range: $out"
	phys=$(hex $(((g_pfn + 8) * 4096)))
	check_mf "another requester's FAIL_RANGE" "$phys" 4 4 Recovered module fail-range
	[ -n "$(mf_field "$phys" DAXMF_JOB_ID)" ] && pass "its job is named" || fail "no DAXMF_JOB_ID"

	sleep 1
	[ "$(mf_count)" = 4 ] && pass "4 memory-failure records in all" || fail "$(mf_count) memory-failure records"
	info=$(daxmfctl info)
	echo "$info" | sed 's/^/# /'
	echo "$info" | grep -Eq '^memory failures: *followed' && pass "info: the module follows the kernel's memory failures" ||
		fail "info does not say the module follows them"
	[ "$(info_field 'memory-failure events')" = 306 ] && [ "$(info_field 'memory-failure events lost')" = 0 ] &&
		pass "info: 306 kernel events seen (1 + 1 + 300 + 4), none lost" ||
		fail "info: $(info_field 'memory-failure events') events, $(info_field 'memory-failure events lost') lost"
	for m in f g h; do kill -USR1 "$(field pid $m.ready)"; done
	;;

own)
	load_daxmf
	mkfs.ext4 -q -F -b 4096 /dev/pmem0 || die "mkfs.ext4"
	mount -o dax /dev/pmem0 /mnt || die "mount -o dax"
	xfs_io -f -c "pwrite -q -S 0x66 0 64k" -c fsync /mnt/f || die "write"
	mapper --path /mnt/f --length 65536 --kill late --ready f.ready --report f.rep &
	wait_for f.ready || die "mapper did not start"
	start_daxmfd '[Poison]\nRescanIntervalSec=0\n'
	wait_source module
	ext=$(xfs_io -c "fiemap" /mnt/f | sed -n 's/^[[:space:]]*0: \[0\.\.127\]: \([0-9]*\)\.\.\([0-9]*\)$/\1/p')
	[ -n "$ext" ] || die "no single extent"
	# Poison in f: daxmfd fails it through the module, page by page (no dax holder on ext4).
	echo "$((ext + 8)) 16" >/sys/block/pmem0/badblocks
	daxmfctl rescan >/dev/null || fail "rescan"
	n=100
	until [ "$(journal_field $event_id DAXMF_EVENT | grep -c '^poison$')" = 1 ]; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	[ "$(journal_field $event_id DAXMF_RESULT)" = complete ] && pass "daxmfd failed the poison through the module" ||
		fail "poison record: $(journal_field $event_id DAXMF_RESULT)"
	sleep 1.5
	seen=$(info_field 'memory-failure events')
	[ "${seen:-0}" -ge 2 ] && pass "the tracepoint saw daxmfd's $seen page failures" || fail "events seen: '$seen'"
	[ "$(mf_count)" = 0 ] && pass "and none is logged again as a memory failure" || fail "$(mf_count) memory-failure records"

	# The removal: the module and daxmfd fail every mapped page, page by page.
	echo namespace0.0 >/sys/bus/nd/drivers/nd_pmem/unbind && pass "the unbind completed" || fail "unbind"
	n=100
	until journal_field $event_id DAXMF_EVENT | grep -q '^removal$'; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	journal_field $event_id DAXMF_EVENT | grep -q '^removal$' && pass "one removal record" || fail "no removal record"
	sleep 1.5
	after=$(info_field 'memory-failure events')
	[ "${after:-0}" -gt "$seen" ] && pass "the tracepoint saw the removal's $((after - seen)) page failures" ||
		fail "events seen after the removal: '$after'"
	[ "$(mf_count)" = 0 ] && pass "none of them is logged as a memory failure" || fail "$(mf_count) memory-failure records"
	kill -USR1 "$(field pid f.ready)"
	;;

overflow)
	modprobe daxmf mf_records=4 || die "modprobe daxmf mf_records=4"
	mount_xfs
	info=$(daxmfctl info)
	echo "$info" | grep -q '^memory-failure buffer: *4 ranges' && pass "a buffer of 4 ranges" || fail "info: $info"

	# Nobody listens: 4 ranges are held, the rest counted as lost.
	storm "$s_pfn" 64 2
	sleep 1
	seen=$(info_field 'memory-failure events')
	lost=$(info_field 'memory-failure events lost')
	echo "# without a listener: $seen events, $lost lost"
	[ "$seen" = 64 ] && [ "$lost" -ge 60 ] && pass "64 strided events, at least 60 lost ($lost)" ||
		fail "seen $seen, lost $lost"

	# daxmfd comes: the next event sends what was held, and the count of what was lost.
	start_daxmfd '[Poison]\nRescanIntervalSec=0\n'
	wait_source module
	echo $((s_pfn + 200)) >$inject
	n=100
	until [ -n "$(journal_field $event_id DAXMF_EVENT | grep '^memory-failure-lost$')" ] ||
		[ -n "$(journalctl --no-pager -o verbose DAXMF_EVENT=memory-failure-lost | grep DAXMF_LOST=)" ]; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	sleep 1
	journalctl --no-pager -o verbose DAXMF_EVENT=memory-failure-lost | grep -E ' (MESSAGE|DAXMF_[A-Z_]*)=' | sed 's/^/# /'
	logged_lost=$(journalctl --no-pager -o verbose DAXMF_EVENT=memory-failure-lost | sed -n 's/^ *DAXMF_LOST=//p' |
		awk '{ s += $1 } END { print s + 0 }')
	[ "$logged_lost" = "$lost" ] && pass "daxmfd logged the $lost lost events" || fail "logged lost: $logged_lost, module: $lost"
	span=$(journalctl --no-pager -o verbose DAXMF_EVENT=memory-failure-lost | sed -n 's/^ *DAXMF_PHYS_START=//p' | head -n 1)
	[ -n "$span" ] && [ $((span)) -ge $((s_pfn * 4096)) ] && [ $((span)) -lt $(((s_pfn + 128) * 4096)) ] &&
		pass "the lost events' span starts inside the storm's pages" || fail "lost span starts at '$span'"

	# A storm while daxmfd listens: whatever the timing, nothing is unaccounted for.
	storm $((s_pfn + 512)) 64 2
	sleep 2
	seen=$(info_field 'memory-failure events')
	lost=$(info_field 'memory-failure events lost')
	in_records=$(journalctl --no-pager -o verbose MESSAGE_ID=$event_id DAXMF_EVENT=memory-failure |
		sed -n 's/^ *DAXMF_MF_EVENTS=//p' | awk '{ s += $1 } END { print s + 0 }')
	logged_lost=$(journalctl --no-pager -o verbose DAXMF_EVENT=memory-failure-lost | sed -n 's/^ *DAXMF_LOST=//p' |
		awk '{ s += $1 } END { print s + 0 }')
	echo "# module: $seen events, $lost lost; journal: $in_records in records, $logged_lost logged as lost"
	[ "$seen" = 129 ] && [ $((in_records + logged_lost)) = "$seen" ] && [ "$logged_lost" = "$lost" ] &&
		pass "all 129 events are in records or in the lost counts" || fail "accounting"
	;;

rmmod)
	load_daxmf
	mount_xfs
	start_daxmfd '[Poison]\nRescanIntervalSec=0\n'
	wait_source module
	storm "$s_pfn" 512 2 &
	storm_pid=$!
	sleep 0.5
	n=0
	until rmmod daxmf 2>/dev/null; do
		n=$((n + 1)); [ $n -lt 50 ] || break
		sleep 0.1
	done
	grep -q '^daxmf ' /proc/modules && fail "rmmod during the storm" || pass "rmmod during the storm ($n retries)"
	wait $storm_pid
	kill -0 "$daxmfd_pid" && pass "daxmfd still runs" || fail "daxmfd died"
	wait_source tracefs
	journal_field $event_id DAXMF_VIA | grep -q module && pass "ranges of the storm came through the module first" ||
		fail "no record through the module"
	# After the module: tracefs.
	echo $((s_pfn + 1023)) >$inject
	check_mf "after rmmod" "$(hex $(((s_pfn + 1023) * 4096)))" 1 1 Recovered tracefs kernel
	;;

tracefs)
	# No module, and none loaded on demand.
	echo /bin/true >/proc/sys/kernel/modprobe
	mount_xfs
	start_daxmfd_plain
	wait_source tracefs
	mapper --path /mnt/f --length 65536 --hwpoison 3 --ready f.ready --report f.rep &
	wait_for f.ready || die "f's mapper did not start"
	phys=$(hex $(((f_pfn + 3) * 4096)))
	check_mf "MADV_HWPOISON" "$phys" 1 1 Recovered tracefs kernel
	id=$(mf_field "$phys" DAXMF_EVENT_ID)
	files=$(event_files "$id" | tr '\n' ';')
	[ "$files" = "/mnt/d/f-link 0x3000;/mnt/f 0x3000;/mnt/f-copy 0x3000;" ] &&
		pass "MADV_HWPOISON: f, its hard link and its reflinked copy, at offset 0x3000" || fail "files: $files"
	[ "$(event_pids "$id")" = "$(field pid f.ready)" ] && pass "MADV_HWPOISON: f's mapper named" ||
		fail "processes: $(event_pids "$id" | tr '\n' ' ')"

	storm "$h_pfn" 300 1
	check_mf "corrupt-pfn x300" "$(hex $((h_pfn * 4096)))" 300 300 Recovered tracefs kernel

	# daxmfd's own failures through hard_offline_page are not logged again.
	sector=$(((g_pfn * 4096 - base) / 512))
	echo "$((sector + 8)) 16" >/sys/block/pmem0/badblocks
	daxmfctl rescan >/dev/null || fail "rescan"
	n=100
	until journal_field $event_id DAXMF_EVENT | grep -q '^poison$'; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	[ "$(journal_field $event_id DAXMF_VIA | grep -c sysfs)" = 1 ] && pass "daxmfd failed the poison through sysfs" ||
		fail "poison record: $(journal_field $event_id DAXMF_VIA | tr '\n' ' ')"
	sleep 2
	[ "$(mf_count)" = 2 ] && pass "its page failures are not logged as memory failures" || fail "$(mf_count) memory-failure records"
	kill -USR1 "$(field pid f.ready)"
	;;
esac

finish
