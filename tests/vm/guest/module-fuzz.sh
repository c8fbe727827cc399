# The module's netlink interface under random and mutated requests
# (tests/vm/helpers/genl-fuzz.c): as root, then unprivileged (every request
# for a command the family has must get EPERM, and the events group must stay
# closed).  Between and after, the module must still work, and unload on the
# first try.  run-vm.sh then checks the kernel log for oops, WARN and BUG.
#
# The seeds are random and printed; fuzzseed=N on the kernel command line
# fixes the root run's (the unprivileged one uses N+1), fuzzcount=N the
# number of messages per run (100000).  To replay one
# message: genl-fuzz --seed N --first I --count 1 --pmem ... --dump
. /tests/lib.sh

count=$(sed -n 's/.*fuzzcount=\([0-9]*\).*/\1/p' /proc/cmdline)
count=${count:-100000}
load_daxmf

dev=$(readlink -f /sys/block/pmem0/device)
pmem_pfn=$(printf '0x%x' $(($(cat "$dev/resource") / 4096)))
pmem_pages=$(($(cat /sys/block/pmem0/size) / 8))
seed=$(sed -n 's/.*fuzzseed=\([0-9]*\).*/\1/p' /proc/cmdline)
[ -n "$seed" ] || seed=$(od -An -N6 -tu8 /dev/urandom | tr -d ' ')
echo "# pmem0: pfn $pmem_pfn, $pmem_pages pages; seed $seed"

# run_fuzz NAME ARGS...: one fuzzer run, its output shown, its verdict checked.
run_fuzz() {
	name=$1
	shift
	start=$(cut -d' ' -f1 /proc/uptime)
	timeout -s KILL 600 "$@" --count $count --pmem "$pmem_pfn:$pmem_pages" >fuzz.out 2>&1
	rc=$?
	end=$(cut -d' ' -f1 /proc/uptime)
	sed 's/^/# /' fuzz.out
	echo "# $name: rc $rc, $(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }') s (guest uptime)"
	[ $rc = 0 ] && pass "$name: $count messages, every reply as expected" || fail "$name: rc $rc"
}

# The module answers, has no job left and no removal handler.
module_idle() {
	n=100
	until daxmfctl info >info.txt 2>&1 && grep -q '^jobs: *0 running' info.txt; do
		n=$((n - 1)); [ $n -gt 0 ] || break
		sleep 0.1
	done
	grep -q '^jobs: *0 running' info.txt && pass "$1: info answers, no job left" || fail "$1: $(cat info.txt)"
	grep -q '^removal handler: *none' info.txt && pass "$1: no removal handler left" ||
		fail "$1: handler: $(grep -i handler info.txt)"
}

# 1. Root: anything may be refused, nothing may hang or break.
run_fuzz "root" genl-fuzz --seed "$seed" --join
module_idle "after the root run"
# Root still gets the strict checks and their reasons.
for msg in "genlmsghdr.reserved field is not 0" "ambiguous or reserved bits set in nlmsg_flags" \
	"Unsupported attribute" "Unknown attribute type" "invalid attribute length" \
	"bytes leftover after parsing attributes" "missing attribute DAXMF_ATTR_PFN (start pfn)"; do
	grep -q "extack messages:.*\"$msg\"" fuzz.out && pass "root: extack \"$msg\"" || fail "root: no extack \"$msg\""
done
# Every page memory_failure() was called on is in the pmem, never RAM (the
# kernel logs each one; HardwareCorrupted counts them all, poisoned or not).
dmesg | sed -n 's/.*Memory failure: \(0x[0-9a-f]*\):.*/\1/p' | sort -u >mf-pfns.txt
outside=0
while read -r pfn; do
	[ $((pfn)) -ge $((pmem_pfn)) ] && [ $((pfn)) -lt $((pmem_pfn + pmem_pages)) ] || outside=$((outside + 1))
done <mf-pfns.txt
[ "$outside" = 0 ] && pass "memory_failure() ran on $(wc -l <mf-pfns.txt) distinct pfns, all in the pmem" ||
	fail "memory_failure() on $outside pfn(s) outside the pmem: $(head -n 5 mf-pfns.txt | tr '\n' ' ')"

# 2. The module still fails a mapped page range and replies.
mount_xfs_dax
xfs_io -f -c "pwrite -q -S 0x5a 0 16k" -c fsync /mnt/f || die "write /mnt/f"
mapper --path /mnt/f --length 16384 --kill early --ready m.ready --report m.rep &
wait_for m.ready || die "mapper did not start"
set -- $(file-pfns /mnt/f "$(pmem_data_phys)")
f_pfn=$1 f_pages=$2
out=$(daxmfctl fail-range --yes --pfn "$f_pfn" --pages "$f_pages") || fail "fail-range after the fuzz: exit status"
kill -USR1 "$(field pid m.ready)"
wait_for m.rep || die "no mapper report"
echo "$out" | sed 's/^/# /'
echo "$out" | grep -q '^result: *complete$' && echo "$out" | grep -q "^pages handled: *$f_pages\$" &&
	pass "fail-range over $f_pages mapped pmem pages completes" || fail "fail-range: $out"
[ "$(field sigbus m.rep)" -ge 1 ] && pass "the mapper got its SIGBUS" || fail "mapper: $(tr '\n' ' ' <m.rep)"
umount /mnt || fail "umount"

# 3. Unprivileged: EPERM for every request, the events group closed.
run_fuzz "unprivileged" run-as 65534 65534 genl-fuzz --seed $((seed + 1)) --expect-eperm
module_idle "after the unprivileged run"
n_eperm=$(sed -n 's/.*answered EPERM: \([0-9]*\);.*/\1/p' fuzz.out)
grep -q "extack messages:.*\"daxmf requires CAP_SYS_ADMIN\" $n_eperm\(,\|\$\)" fuzz.out &&
	pass "unprivileged: each EPERM says \"daxmf requires CAP_SYS_ADMIN\"" || fail "unprivileged: $(grep extack fuzz.out)"

# Regression: before the capability check came first, about half of these
# (seed 8, messages 0..199: every command) got EINVAL or ERANGE instead.
count=200
run_fuzz "regression (seed 8)" run-as 65534 65534 genl-fuzz --seed 8 --expect-eperm

echo "# $(grep HardwareCorrupted /proc/meminfo) (6.1 counts every page memory_failure() was called on, poisoned or not)"

# 4. Unload on the first try, load again.
rmmod daxmf && pass "rmmod on the first try" || fail "rmmod"
modprobe daxmf && daxmfctl info >/dev/null && pass "modprobe again, info answers" || fail "reload"
finish
