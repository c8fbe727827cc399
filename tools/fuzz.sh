#!/bin/bash
# Fuzz daxmf's parsers for as long as asked, each harness from a working
# corpus (build-fuzz/corpus-work/NAME, seeded from tests/fuzz/corpus/NAME and
# kept between runs), crash inputs kept in build-fuzz/fuzz-artifacts/NAME.
#   tools/fuzz.sh [SECONDS] [NAME...]      (default 60 s each, every harness)
#   FUZZ_JOBS=N tools/fuzz.sh ...          (N harnesses at once; default 1)
# Sets up build-fuzz (clang, ASan+UBSan, libFuzzer) when it is not there.
# Prints one row per harness: executions, exec/s, coverage, corpus, findings.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
	seconds=$1
	shift
fi
jobs=${FUZZ_JOBS:-1}
build=build-fuzz

if [ ! -d "$build" ]; then
	CC=clang meson setup "$build" -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		-Dkmod=false -Dvm_tests=false >/dev/null
fi
ninja -C "$build" >/dev/null

all=$(cd tests/fuzz && ls fuzz-*.c | sed 's/^fuzz-//; s/\.c$//')
names=("$@")
[ ${#names[@]} -gt 0 ] || read -r -a names <<< "$(echo $all)"
for n in "${names[@]}"; do
	[ -x "$build/tests/fuzz/fuzz-$n" ] || { echo "fuzz.sh: no harness '$n' (have: $(echo $all))" >&2; exit 2; }
done

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"

run_one() {
	local n=$1 work=$build/corpus-work/$1 artifacts=$build/fuzz-artifacts/$1 log=$build/fuzz-logs/$1.log
	local dict=tests/fuzz/dict/$1.dict
	mkdir -p "$work" "$artifacts" "$build/fuzz-logs"
	cp -n tests/fuzz/corpus/"$n"/* "$work"/ 2>/dev/null || true
	local before
	before=$(find "$artifacts" -type f | wc -l)
	local args=(-error_exitcode=1 -timeout_exitcode=1 -artifact_prefix="$artifacts/" -timeout=10
		-rss_limit_mb=2048 -malloc_limit_mb=1024 -max_total_time="$seconds" -print_final_stats=1)
	[ -f "$dict" ] && args+=(-dict="$dict")
	# Keep going after a finding (each is kept), until the time is up.
	args+=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1)
	"$build/tests/fuzz/fuzz-$n" "${args[@]}" "$work" > "$log" 2>&1 || true
	echo "$before" > "$build/fuzz-logs/$n.before"
}

pids=()
for n in "${names[@]}"; do
	run_one "$n" &
	pids+=($!)
	if [ ${#pids[@]} -ge "$jobs" ]; then
		wait "${pids[0]}"
		pids=("${pids[@]:1}")
	fi
done
wait

printf '%-12s %12s %8s %6s %7s %8s\n' harness executions exec/s cov corpus findings
total=0
for n in "${names[@]}"; do
	log=$build/fuzz-logs/$n.log
	# -fork=1 prints "#N: cov: C ft: F corp: K exec/s: E oom/timeout/crash: ..." lines, then DONE.
	last=$(grep -E '^#[0-9]+: cov: ' "$log" | tail -1 || true)
	execs=$(sed -nE 's/^#([0-9]+): cov:.*/\1/p' <<< "$last")
	cov=$(sed -nE 's/.* cov: ([0-9]+) .*/\1/p' <<< "$last")
	eps=$(sed -nE 's/.* exec\/s:? ([0-9]+) .*/\1/p' <<< "$last")
	corpus=$(find "$build/corpus-work/$n" -type f | wc -l)
	findings=$(( $(find "$build/fuzz-artifacts/$n" -type f | wc -l) - $(cat "$build/fuzz-logs/$n.before") ))
	total=$((total + findings))
	printf '%-12s %12s %8s %6s %7s %8s\n' "$n" "${execs:-?}" "${eps:-?}" "${cov:-?}" "$corpus" "$findings"
done
echo "logs: $build/fuzz-logs/NAME.log; findings: $build/fuzz-artifacts/NAME/"
[ "$total" -eq 0 ]
