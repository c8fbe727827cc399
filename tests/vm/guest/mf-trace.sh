# Ground truth for "each page failed exactly once" (sourced): every
# memory_failure() call ends in the tracepoint ras:memory_failure_event,
# whoever made it (the module, hard_offline_page, the kernel itself).  A
# tracefs instance of the test's own keeps them apart from daxmfd's.

mf_trace_dir=

# mf_trace_start: record every memory_failure() call from now on.
mf_trace_start() {
	for t in /sys/kernel/tracing /sys/kernel/debug/tracing; do
		[ -d "$t/instances" ] && { mf_trace_dir=$t/instances/mftest; break; }
	done
	[ -n "$mf_trace_dir" ] || die "no tracefs"
	mkdir -p "$mf_trace_dir" || die "cannot make a tracefs instance"
	# ~20 bytes a page: room for far more than a test fails.
	echo 8192 >"$mf_trace_dir/buffer_size_kb"
	echo 1 >"$mf_trace_dir/events/ras/memory_failure_event/enable" || die "no ras:memory_failure_event"
}

# mf_trace_pfns FILE: the pfns recorded so far, one per call, sorted, in FILE;
# fails when the buffer overran (the count would lie).
mf_trace_pfns() {
	sed -n 's/.*memory_failure_event: pfn \(0x[0-9a-f]*\):.*/\1/p' "$mf_trace_dir/trace" |
		awk '{ print $1 + 0 }' | sort -n >"$1"
	[ "$(sed -n 's/^overrun: *//p' "$mf_trace_dir/per_cpu/cpu0/stats")" = 0 ] &&
		[ "$(sed -n 's/^overrun: *//p' "$mf_trace_dir/per_cpu/cpu1/stats" 2>/dev/null || echo 0)" = 0 ]
}

# mf_trace_check FILE RANGES: FILE's pfns are each page of the ranges in
# RANGES ("first end" lines, end excluded) exactly once, and nothing else.
# Prints what differs.
mf_trace_check() {
	# Both as runs of consecutive pages: the ranges merged, the pfns too
	# (a repeated pfn is a page failed twice).
	sort -n "$2" | awk '{ if (n && $1 <= e) { if ($2 > e) e = $2; next }
			if (n) print s, e
			s = $1; e = $2; n = 1 }
		END { if (n) print s, e }' >"$1.want"
	uniq -d "$1" | awk '{ if (n && $1 == e) { e++; next }
			if (n) print "# twice: pfn " s "-" e - 1
			s = $1; e = $1 + 1; n = 1 }
		END { if (n) print "# twice: pfn " s "-" e - 1 }' | head -5
	awk '{ if (n && $1 == e - 1) { dup++; next }
		if (n && $1 == e) { e++; next }
		if (n) print s, e
		s = $1; e = $1 + 1; n = 1 }
		END { if (n) print s, e; print dup + 0 >"/dev/stderr" }' "$1" >"$1.got" 2>"$1.dup"
	awk '{ s += $2 - $1 } END { printf "# memory_failure() calls (tracefs): %d pages in %d runs, ", s, NR }' "$1.got"
	awk '{ s += $2 - $1 } END { printf "%d pages in %d runs wanted, ", s, NR }' "$1.want"
	echo "$(cat "$1.dup") twice"
	[ "$(cat "$1.dup")" = 0 ] && cmp -s "$1.want" "$1.got"
}
