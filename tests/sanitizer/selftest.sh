#!/bin/sh
# wrap.sh catches each kind of report, also where the test would not see it:
# a child's leak, a report whose exit status is thrown away; and a clean
# program passes through with its own exit status.
#   selftest.sh WRAP PROBE
set -u
wrap=$1 probe=$2
out=${TMPDIR:-/tmp}/daxmf-sanitizer-selftest.$$
trap 'rm -f "$out"' EXIT
failures=0

# expect WANT_RC PATTERN COMMAND...: wrap.sh COMMAND exits WANT_RC and its
# output matches PATTERN (a report of that kind), or has no report (-).
expect() {
	want=$1 pat=$2
	shift 2
	"$wrap" "$@" >"$out" 2>&1
	rc=$?
	if [ "$pat" = - ]; then
		! grep -q 'sanitizer report' "$out"
	else
		grep -q -- "$pat" "$out"
	fi
	seen=$?
	if [ "$rc" = "$want" ] && [ "$seen" = 0 ]; then
		[ "$pat" = - ] && pat="no report"
		echo "ok - $* -> exit $rc, $pat"
	else
		echo "not ok - $* -> exit $rc, want $want and '$pat':"
		sed 's/^/#  /' "$out"
		failures=$((failures + 1))
	fi
}

expect 0 - "$probe" clean
expect 3 - sh -c "'$probe' clean && exit 3"
expect 1 'ERROR: LeakSanitizer: detected memory leaks' "$probe" leak
expect 1 'ERROR: AddressSanitizer: heap-use-after-free' "$probe" use-after-free
expect 1 'runtime error: signed integer overflow' "$probe" ub
# The parent exits 0, the leaking child's status is never looked at.
expect 1 'ERROR: LeakSanitizer: detected memory leaks' "$probe" child-leak
# A script that wants a failure and discards stderr.
expect 1 'heap-use-after-free' sh -c "'$probe' use-after-free 2>/dev/null || true"
[ "$failures" = 0 ]
