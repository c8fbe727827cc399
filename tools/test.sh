#!/bin/sh
# Set up, build and run the whole test suite: cmocka unit tests, checkpatch
# on the module, the VM tests (Debian's kernel under QEMU with emulated pmem),
# then the unit and host tests again in an ASan+UBSan build (every test
# through tests/sanitizer/wrap.sh: any ASan, UBSan or LeakSanitizer report of
# any process fails it), then every parser's libFuzzer harness over its seeds
# and for a short smoke time (clang).
#   tools/test.sh            (as root on a fresh Debian 12)
set -eu
cd "$(dirname "$0")/.."

tools/install-deps.sh --test

[ -d build ] || meson setup build
ninja -C build
rc=0
meson test -C build --print-errorlogs || rc=1

[ -d build-sanitize ] || meson setup build-sanitize -Db_sanitize=address,undefined \
	-Db_lundef=false -Dkmod=false -Dvm_tests=false
ninja -C build-sanitize
meson test -C build-sanitize --suite unit --suite host --print-errorlogs || rc=1

# libFuzzer: each harness over its seeds and regressions, then fuzz_seconds (10 s) of fuzzing.
[ -d build-fuzz ] || CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined \
	-Db_lundef=false -Dkmod=false -Dvm_tests=false
ninja -C build-fuzz
meson test -C build-fuzz --suite fuzz --print-errorlogs || rc=1

python3 tools/test-summary.py build/meson-logs/testlog.json build-sanitize/meson-logs/testlog.json \
	build-fuzz/meson-logs/testlog.json
exit $rc
