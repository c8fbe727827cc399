# The range-failure benchmark (meson benchmark, not a test): three methods,
# each on its own never-failed 256 MiB of an fsdax XFS, in one boot, for three
# cases: free space; files not mapped; files mapped and read by 8 early-kill
# processes.  Prints pages/s per method and the ratios to the sysfs baseline.
. /tests/lib.sh

load_daxmf
mkfs.xfs -q -f -m reflink=1,rmapbt=1 /dev/pmem0 || die "mkfs"
mount -o dax=always /dev/pmem0 /mnt || die "mount"
base=$(pmem_data_phys)
region=65536            # 256 MiB of 4 KiB pages
methods="sysfs per-page pagemap"

extents_of() { file-pfns "$1" "$base" | awk '{ printf "%s%s:%s", (NR > 1 ? "," : ""), $1, $2 }'; }

# All files first, so the free-space regions found afterwards are distinct.
for case in unmapped mapped; do
	for m in $methods; do
		xfs_io -f -c "pwrite -q -b 4m 0 256m" -c fsync /mnt/$case-$m || die "write $case-$m"
	done
done
bench --find-free $region --regions 3 --base "$base" /mnt >free.txt || die "no free space for 3 regions"
echo "# files: $(ls /mnt | wc -l), free-space regions: $(wc -l <free.txt)"

i=0
for m in $methods; do
	i=$((i + 1))
	bench --method $m --extents "$(sed -n "${i}p" free.txt)" >>results.txt || die "free space $m"
	sed 's/^/# free-space: /' results.txt | tail -n 1
done
for m in $methods; do
	bench --method $m --extents "$(extents_of /mnt/unmapped-$m)" >>results.txt || die "unmapped $m"
	sed 's/^/# unmapped: /' results.txt | tail -n 1
done
for m in $methods; do
	bench --method $m --extents "$(extents_of /mnt/mapped-$m)" --map /mnt/mapped-$m --mappers 8 >>results.txt ||
		die "mapped $m"
	sed 's/^/# mapped x8: /' results.txt | tail -n 1
done

echo
echo "BENCH case                 method     pages/s      ratio-to-sysfs  signals  still-mapped  HardwareCorrupted+"
n=0
for case in free-space files-unmapped files-mapped-x8; do
	sysfs=
	for m in $methods; do
		n=$((n + 1))
		line=$(sed -n "${n}p" results.txt)
		v() { echo "$line" | tr ' ' '\n' | sed -n "s/^$1=//p"; }
		pps=$(v pages_per_s)
		[ -z "$sysfs" ] && sysfs=$pps
		ratio=$(awk -v a="$pps" -v b="$sysfs" 'BEGIN { printf "%.1fx", a / b }')
		printf 'BENCH %-20s %-10s %-12s %-15s %-8s %-13s %s kB\n' "$case" "$m" "$pps" "$ratio" \
			"$(v signals)" "$(v pages_still_mapped)" "$(v hwcorrupted_kb)"
	done
done
finish
