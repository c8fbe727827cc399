#!/bin/sh
# meson test's wrapper in a sanitized build (-Db_sanitize=address,undefined;
# the test setup "sanitize" in tests/meson.build): every program a test runs,
# down to the children of its scripts, writes its AddressSanitizer,
# UndefinedBehaviorSanitizer and LeakSanitizer reports into one directory of
# this run, and the test fails when any report is there, whatever it
# concluded itself: a script that expects a failing exit status, or throws
# stderr away, would otherwise take a report for the failure it wanted.
#   wrap.sh COMMAND [ARG...]
set -u

dir=$(mktemp -d "${TMPDIR:-/tmp}/daxmf-sanitizer.XXXXXX") || exit 1
trap 'rm -rf "$dir"' EXIT
# One log_path for both: in one process the last option string read wins.
common="log_path=$dir/report:print_summary=1:halt_on_error=1"
ASAN_OPTIONS="$common:detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
UBSAN_OPTIONS="$common:print_stacktrace=1"
export ASAN_OPTIONS UBSAN_OPTIONS
unset LSAN_OPTIONS

"$@"
rc=$?

reports=$(find "$dir" -type f -name 'report.*' | sort)
if [ -n "$reports" ]; then
	n=$(echo "$reports" | wc -l)
	for f in $reports; do
		echo "# sanitizer report of pid ${f##*.}:"
		sed 's/^/#   /' "$f"
	done
	echo "not ok - $n process(es) wrote sanitizer reports (the test itself exited $rc)"
	exit 1
fi
exit $rc
