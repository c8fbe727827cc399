# The module loads, registers its family, answers GET_INFO, and unloads.
. /tests/lib.sh

load_daxmf
out=$(daxmfctl info) || die "daxmfctl info failed: $out"
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q "^module version: *0\." && pass "info names the module version" || fail "module version"
echo "$out" | grep -q "^kernel release: *$(uname -r)\$" && pass "info names the running kernel" || fail "kernel release"
echo "$out" | grep -q '^supported flags: *0x1f (action-required, allow-ram, per-page, simulated, removal)' && pass "info lists the flags" || fail "flags"
echo "$out" | grep -q '^page size: *4096$' && pass "info gives the page size" || fail "page size"
echo "$out" | grep -q '^jobs: *0 running, at most 16$' && pass "info gives the job limits" || fail "jobs"
echo "$out" | grep -q '^max pages: *4294967296$' && pass "info gives the largest range" || fail "max pages"

json=$(daxmfctl --json info) || die "daxmfctl --json info"
echo "$json" | grep -q '"module_version":"0\.' && pass "--json info" || fail "--json info: $json"

# The family is visible to generic netlink's controller, events group too.
grep -q '^daxmf ' /proc/modules && pass "listed in /proc/modules" || fail "/proc/modules"
rmmod daxmf && pass "rmmod while idle" || fail "rmmod while idle"
# The family alias lets generic netlink load the module on first use.
daxmfctl info >/dev/null && grep -q '^daxmf ' /proc/modules && pass "autoloaded through the family alias" || fail "autoload"

# With module loading disabled, the tool says the module is missing.
rmmod daxmf || fail "rmmod"
saved=$(cat /proc/sys/kernel/modprobe)
echo /bin/true >/proc/sys/kernel/modprobe
daxmfctl info 2>err.txt && fail "info without the module should fail" || {
	grep -q 'ENOENT.*module is not loaded' err.txt && pass "info without the module says it is not loaded" || fail "$(cat err.txt)"
}
echo "$saved" >/proc/sys/kernel/modprobe
modprobe daxmf && daxmfctl info >/dev/null && pass "reload and answer again" || fail "reload"
finish
