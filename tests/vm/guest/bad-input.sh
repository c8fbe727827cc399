# Bad requests get a clear error: the errno and the module's extack text,
# shown by the CLI; nothing is failed.  Unprivileged callers get EPERM.
. /tests/lib.sh

load_daxmf
pmem_pfn=$(printf '0x%x' $(($(cat /sys/block/pmem0/device/resource) / 4096)))

# expect_error NAME ERRNO TEXT ARGS...: fail-range ARGS must exit 1 and say ERRNO and TEXT.
expect_error() {
	name=$1 errno=$2 text=$3
	shift 3
	if daxmfctl fail-range --yes "$@" >out.txt 2>err.txt; then
		fail "$name: accepted"
		return
	fi
	echo "# $name: $(cat err.txt)"
	grep -q "fail-range: $errno (.*): .*$text" err.txt && pass "$name -> $errno: $text" || fail "$name: $(cat err.txt)"
	[ -s out.txt ] && fail "$name printed a result"
}

expect_error "zero pages" EINVAL "page count must be greater than zero" --pfn "$pmem_pfn" --pages 0
expect_error "pfn+count overflow" EOVERFLOW "overflows" --pfn 0xfffffffffffff000 --pages 0x2000
expect_error "outside any pagemap" ENXIO "outside every dev_pagemap" --pfn 0x200000 --pages 1
expect_error "System RAM without the flag" EACCES "online System RAM" --pfn 0x1000 --pages 1
expect_error "range running from pmem into RAM" EACCES "online System RAM" --pfn $(printf '0x%x' $((pmem_pfn - 1))) --pages 2
expect_error "unknown flag bits" EINVAL "unknown flag bits" --pfn "$pmem_pfn" --pages 1 --flags 0x80
expect_error "missing page count" EINVAL "missing attribute DAXMF_ATTR_PAGES" --pfn "$pmem_pfn"
expect_error "missing pfn" EINVAL "missing attribute DAXMF_ATTR_PFN" --pages 1
expect_error "larger than max_pages" E2BIG "max_pages" --pfn 0 --pages 0x100000001

# The error names the offending pfn (the ack cookie).
daxmfctl fail-range --yes --pfn 0x200000 --pages 1 2>err.txt
grep -q '\[pfn 0x200000\]' err.txt && pass "the error names the pfn" || fail "no pfn in: $(cat err.txt)"
daxmfctl --json fail-range --yes --pfn 0x1000 --pages 1 >err.json 2>/dev/null
tr -d ' \n' <err.json | grep -q '"name":"EACCES".*"message":"rangehasonlineSystemRAM(allowedonlywithALLOW_RAM)","pfn":4096' &&
	pass "--json error object" || fail "json error: $(cat err.json)"

# The CLI's own checks: malformed numbers never reach the module.
daxmfctl fail-range --yes --pfn 12abc --pages 1 2>err.txt; [ $? -eq 2 ] && grep -q "not a number" err.txt &&
	pass "malformed number: usage error" || fail "malformed number: $(cat err.txt)"

# Unprivileged: EPERM from the module, with its reason.
run-as 65534 65534 daxmfctl info 2>err.txt && fail "nobody ran info" ||
	{ grep -q 'EPERM.*requires CAP_SYS_ADMIN' err.txt && pass "non-root info -> EPERM" || fail "$(cat err.txt)"; }
run-as 65534 65534 daxmfctl fail-range --yes --pfn "$pmem_pfn" --pages 1 2>err.txt && fail "nobody failed a range" ||
	{ grep -q 'EPERM.*requires CAP_SYS_ADMIN' err.txt && pass "non-root fail-range -> EPERM" || fail "$(cat err.txt)"; }
run-as 65534 65534 daxmfctl monitor --count 1 2>err.txt && fail "nobody joined the events group" ||
	{ grep -q 'EPERM' err.txt && pass "non-root monitor -> EPERM" || fail "monitor: $(cat err.txt)"; }

# Nothing was failed by any of that.
grep -q '^HardwareCorrupted: *0 kB' /proc/meminfo && pass "no page was poisoned" || fail "$(grep HardwareCorrupted /proc/meminfo)"
daxmfctl info >/dev/null && pass "module still answers" || fail "info"
rmmod daxmf && pass "rmmod afterwards" || fail "rmmod"
finish
