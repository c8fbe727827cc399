# daxmfctl's read-only commands on real pmem: `scan` reads pmem0's badblocks
# and names the files (a reflinked pair) and the early-kill mapper a bad
# range hits; `files` names the mapper of a page and nobody for a page no
# one maps; `inventory` lists daxmfd's inventory, `inventory --refresh` makes
# daxmfd take it again (a file written since is then in it), refuses an
# unknown and an unmounted device, and answers two askers at once; a
# corrupt inventory is shown with its reason.
. /tests/lib.sh

# json_has FILE TEXT: TEXT (no blanks) is in FILE's JSON with blanks and newlines taken out.
json_has() { tr -d ' \n' <"$1" | grep -qF -- "$(printf '%s' "$2" | tr -d ' ')"; }

load_daxmf
mount_xfs_dax
xfs_io -f -c "pwrite -q -S 0x70 0 64k" -c fsync /mnt/f || die "write f"
cp --reflink=always /mnt/f /mnt/f-copy || die "reflink"
xfs_io -f -c "pwrite -q -S 0x71 0 64k" -c fsync /mnt/g || die "write g"
base=$(pmem_data_phys)
set -- $(file-pfns /mnt/f "$base")
sector=$(( ($1 * 4096 - base) / 512 ))
set -- $(file-pfns /mnt/g "$base")
g_offset=$(( $1 * 4096 - base ))

mapper --path /mnt/f --length 65536 --kill early --ready f.ready --report f.rep &
mapper_job=$!
wait_for f.ready || die "mapper did not start"
mpid=$(field pid f.ready)

# scan, before any bad block.
out=$(daxmfctl scan) || fail "scan exit status"
echo "# $out"
[ "$out" = "pmem0 (namespace0.0) on /mnt (xfs): no bad blocks" ] && pass "scan: pmem0 has no bad blocks" || fail "scan: $out"
daxmfctl --json scan >scan.json || fail "scan --json"
json_has scan.json '"device":"pmem0","path":"/dev/pmem0","namespace":"namespace0.0","mountpoint":"/mnt","fstype":"xfs","source":null,"truncated":false,"bad_ranges":[]' &&
	pass "scan --json: pmem0, namespace0.0, /mnt, no bad range" || { sed 's/^/# /' scan.json; fail "scan --json"; }

# Page 1 of f goes bad (8 sectors), and sector 0 (the superblock).
echo "$((sector + 8)) 8" >/sys/block/pmem0/badblocks
echo "0 1" >/sys/block/pmem0/badblocks
daxmfctl --json scan >scan.json || fail "scan --json with bad blocks"
sed 's/^/# /' scan.json
off=$(( (sector + 8) * 512 ))
json_has scan.json '"source":"live","truncated":false' && pass "scan: owners from the live filesystem" || fail "scan source"
json_has scan.json '"sector":0,"sectors":1,"offset":0,"length":512,"owners":[{"kind":"metadata","device_offset":0,"length":512,"owner":"filesystem metadata (superblock, static)"}],"processes":[]' &&
	pass "scan: sector 0 is the superblock, mapped by nobody" || fail "scan: sector 0"
json_has scan.json "\"sector\":$((sector + 8)),\"sectors\":8,\"offset\":$off,\"length\":4096," &&
	pass "scan: the bad range of f, sector $((sector + 8)), 8 sectors" || fail "scan: f's range"
json_has scan.json '"paths":["f"],"file_offset":4096,"shared":true' && json_has scan.json '"paths":["f-copy"],"file_offset":4096,"shared":true' &&
	pass "scan: f and its reflinked copy at file offset 4096" || fail "scan: owners of f's range"
json_has scan.json "\"pid\":$mpid,\"comm\":\"mapper\",\"unit\":null,\"path\":\"/mnt/f\",\"maps\":\"file\"," &&
	json_has scan.json '"file_offset":4096,"length":4096,' && pass "scan: the mapper of f, at file offset 4096" ||
	fail "scan: processes"
for dev in pmem0 /dev/pmem0 namespace0.0; do
	daxmfctl --json scan $dev >one.json && [ "$(tr -d ' \n' <one.json)" = "$(tr -d ' \n' <scan.json)" ] &&
		pass "scan $dev: the same" || fail "scan $dev"
done
out=$(daxmfctl scan) && echo "$out" | sed 's/^/# /'
echo "$out" | grep -q "^pmem0 (namespace0.0) on /mnt (xfs): 2 bad ranges, owners from the live filesystem$" &&
	echo "$out" | grep -q "^    $mpid *mapper maps /mnt/f file bytes 0x1000-0x1fff at " && pass "scan: human output" ||
	fail "scan human output"
daxmfctl scan pmem9 2>err.txt && fail "scan of an unknown device" ||
	{ grep -q "'pmem9' is not a block device" err.txt && pass "scan pmem9: clear error" || fail "scan pmem9: $(cat err.txt)"; }

# files: the mapper of f's page; nobody maps g.
daxmfctl --json files pmem0 $off 4096 >files.json || fail "files"
json_has files.json "\"processes\":[{\"pid\":$mpid,\"comm\":\"mapper\"" && pass "files: names the mapper of f" ||
	{ sed 's/^/# /' files.json; fail "files: processes"; }
daxmfctl --json files pmem0 $g_offset 4096 >files.json || fail "files g"
json_has files.json '"paths":["g"]' && json_has files.json '"processes":[]' && pass "files: g, mapped by nobody" ||
	{ sed 's/^/# /' files.json; fail "files: g"; }

# daxmfd (poison only logged: the bad blocks above stay as they are) and its inventory.
start_daxmfd '[Policy]\nOnPoison=log\n[Poison]\nRescanIntervalSec=0\n'
n=100
until ls /var/lib/daxmf/inventory/namespace0.0.inv >/dev/null 2>&1 && journalctl --no-pager | grep -q 'inventory of namespace0.0 .* taken'; do
	n=$((n - 1)); [ $n -gt 0 ] || die "no inventory taken: $(journalctl --no-pager | tail -5)"
	sleep 0.1
done
daxmfctl inventory >inv.txt || fail "inventory"
sed 's/^/# /' inv.txt
grep -q '^namespace0.0.inv *namespace0.0 (pmem0, 259:0) on /mnt (xfs), phys 0x40000000-0x7fffffff$' inv.txt &&
	grep -q 'taken .* ago) in [0-9]* ms: [0-9]* files, [0-9]* extents, [0-9]* names, [0-9]* bytes$' inv.txt &&
	pass "inventory: namespace0.0 on /mnt, taken, with its counts" || fail "inventory listing"
daxmfctl --json inventory namespace0.0 >inv.json || fail "inventory --json namespace0.0"
json_has inv.json '"file":"namespace0.0.inv","name":"namespace0.0","set_aside":false,' &&
	json_has inv.json '"loads":true,"device":"namespace0.0","disk":"pmem0","major":259,"minor":0,"mountpoint":"/mnt","fstype":"xfs","data_start":1073741824,"data_size":1073741824,' &&
	pass "inventory --json: the inventory of namespace0.0, loads" || { sed 's/^/# /' inv.json; fail "inventory --json"; }
before=$(sed -n 's/.*"built_realtime_usec":\([0-9]*\).*/\1/p' inv.json | head -1)

# A file written now is in no inventory until one is taken again.
xfs_io -f -c "pwrite -q -S 0x72 0 64k" -c fsync /mnt/h || die "write h"
set -- $(file-pfns /mnt/h "$base")
h_offset=$(( $1 * 4096 - base ))
daxmfctl --json files --inventory pmem0 $h_offset 4096 >h.json
json_has h.json '"paths":["h"]' && fail "h in the old inventory?" || pass "h is not in the inventory taken before it"
asked=$(date +%s)
daxmfctl --json inventory --refresh >refresh.json || fail "inventory --refresh"
sed 's/^/# /' refresh.json
json_has refresh.json '"refreshed":[{"device":"namespace0.0","disk":"pmem0","mountpoint":"/mnt","ok":true,"built_realtime_usec":' &&
	pass "inventory --refresh: daxmfd took the inventory of namespace0.0" || fail "refresh reply"
after=$(sed -n 's/.*"built_realtime_usec":\([0-9]*\).*/\1/p' refresh.json | head -1)
[ "$after" -gt "$before" ] && [ "$after" -ge $((asked * 1000000)) ] && pass "inventory --refresh: taken after the request" ||
	fail "refresh times: before $before, asked $asked, after $after"
daxmfctl --json files --inventory pmem0 $h_offset 4096 >h.json
json_has h.json '"paths":["h"]' && pass "h is in the new inventory" || { sed 's/^/# /' h.json; fail "h after refresh"; }

# Two askers at once, by another name of the device: both answered.
daxmfctl inventory --refresh pmem0 >a.txt 2>&1 &
a=$!
daxmfctl inventory --refresh /dev/pmem0 >b.txt 2>&1 &
b=$!
wait $a && wait $b && grep -q '^namespace0.0.inv' a.txt && grep -q '^namespace0.0.inv' b.txt &&
	pass "two askers at once: both answered" || fail "two askers: $(cat a.txt b.txt)"
# One that gives up before the answer: daxmfd goes on.
daxmfctl inventory --refresh & c=$!
kill -9 $c
wait $c 2>/dev/null
daxmfctl status >/dev/null && pass "an asker that went away: daxmfd still answers" || fail "daxmfd after a vanished asker"
journalctl --no-pager | grep -c 'inventory of namespace0.0 .* taken' | sed 's/^/# inventories taken: /'

daxmfctl inventory --refresh pmem9 2>err.txt && fail "refresh of an unknown device" ||
	{ grep -q "ENODEV.*no dax/pmem device 'pmem9'" err.txt && pass "refresh pmem9: ENODEV" || fail "refresh pmem9: $(cat err.txt)"; }

# Unmounted: nothing to take, the old inventory still listed.  (daxmfd is
# stopped for the umount: after the poison event it keeps /mnt open.)
kill -USR1 "$mpid"
wait $mapper_job
kill -TERM "$daxmfd_pid"
wait "$daxmfd_pid"
umount /mnt || die "umount"
rm -f /run/daxmf/control
daxmfd --config /etc/daxmf/daxmfd.conf 2>>daxmfd.err &
daxmfd_pid=$!
wait_for /run/daxmf/control || die "daxmfd did not start again"
daxmfctl inventory --refresh pmem0 2>err.txt && fail "refresh of an unmounted device" ||
	{ grep -q "pmem0 has no mounted filesystem" err.txt && pass "refresh of unmounted pmem0: clear error" || fail "refresh unmounted: $(cat err.txt)"; }
out=$(daxmfctl --json inventory --refresh) && echo "$out" | tr -d ' \n' | grep -q '"refreshed":\[\]' &&
	pass "refresh with nothing mounted: nothing to take" || fail "refresh nothing mounted: $out"
daxmfctl inventory pmem0 | grep -q '^namespace0.0.inv *namespace0.0 (pmem0' && pass "unmounted: the inventory is still listed" ||
	fail "inventory after umount"
# scan now answers from the inventory.
daxmfctl --json scan >scan.json || fail "scan unmounted"
json_has scan.json '"source":"inventory"' && json_has scan.json '"paths":["f"],"file_offset":4096' &&
	pass "scan, unmounted: owners from the inventory" || { sed 's/^/# /' scan.json; fail "scan from the inventory"; }

# A damaged inventory: listed with its reason; asked for by name, exit 1.
kill -TERM "$daxmfd_pid"
wait "$daxmfd_pid"
printf 'XXXX' | dd of=/var/lib/daxmf/inventory/namespace0.0.inv bs=1 seek=2000 conv=notrunc 2>/dev/null
out=$(daxmfctl inventory) && echo "$out" | sed 's/^/# /' && echo "$out" | grep -q '^namespace0.0.inv *does not load: .*(its header says namespace0.0, pmem0)$' &&
	pass "a damaged inventory: listed with its reason, exit 0" || fail "damaged inventory listing: $out"
daxmfctl inventory pmem0 >/dev/null 2>err.txt && fail "inventory pmem0 of a damaged one: exit 0" ||
	{ grep -q 'the inventory of pmem0 does not load' err.txt && pass "inventory pmem0, damaged: exit 1" || fail "$(cat err.txt)"; }
finish
