#!/bin/sh
# One fuzz test: the harness over its seeds and regression inputs, then
# SECONDS of fuzzing from a copy of the seeds ($DAXMF_FUZZ_SECONDS overrides;
# 0: only the corpus).  Any crash, leak, UBSan report, failed invariant or
# timeout fails it; the input is kept in BUILDDIR/fuzz-artifacts/NAME/.
#   run-fuzz.sh HARNESS NAME SOURCEDIR BUILDDIR SECONDS
set -eu
harness=$1 name=$2 src=$3 build=$4
seconds=${DAXMF_FUZZ_SECONDS:-$5}

seeds=$src/corpus/$name
regressions=$src/regressions/$name
artifacts=$build/fuzz-artifacts/$name
work=$build/fuzz-work/$name
rm -rf "$work"
mkdir -p "$artifacts" "$work"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
# libFuzzer exits 77 on a finding by default: meson would call that a skip.
set -- -error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$artifacts/" -timeout=10 -rss_limit_mb=2048 -malloc_limit_mb=1024
[ -f "$src/dict/$name.dict" ] && set -- "$@" -dict="$src/dict/$name.dict"

# Every seed and every regression input, once each (a file list: libFuzzer runs them and stops).
inputs=$(find "$seeds" "$regressions" -type f 2>/dev/null | sort)
count=$(printf '%s\n' "$inputs" | grep -c . || true)
[ "$count" -gt 0 ] || { echo "fuzz-$name: no seeds in $seeds"; exit 1; }
echo "fuzz-$name: $count seed and regression inputs"
# shellcheck disable=SC2086
"$harness" "$@" $inputs

[ "$seconds" -gt 0 ] || exit 0
cp "$seeds"/* "$work"/
echo "fuzz-$name: fuzzing for $seconds s"
"$harness" "$@" -max_total_time="$seconds" -print_final_stats=1 "$work"
