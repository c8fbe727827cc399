# Surprise removal of a device-dax instance with an early-kill and a default
# mapper.  6.1's kill_dev_dax() unmaps everything and signals nobody; the
# module's notifier first fails the mapped pages (the early-kill mapper gets
# BUS_MCEERR_AO inside its mapping) and zaps the mappings.  After it, every
# touch gets SIGBUS, the unbind completes, the kernel log stays clean.
# vmvariant=unbind: device_dax unbound on the dax bus (unbind-daemon: with
# daxmfd as the removal handler, failing the pages itself); vmvariant=disable:
# ndctl disable-namespace (the nd_dax goes first, taking the dev_dax along).
. /tests/lib.sh

variant=$(sed -n 's/.*vmvariant=\([a-z-]*\).*/\1/p' /proc/cmdline)
load_daxmf
ndctl create-namespace -f -e namespace0.0 -m devdax >ns.json 2>ndctl.err || die "create devdax: $(cat ndctl.err)"
[ -c /dev/dax0.0 ] || die "no /dev/dax0.0"

mapper --path /dev/dax0.0 --length 2097152 --kill early --ready early.ready --report early.rep &
mapper --path /dev/dax0.0 --length 2097152 --kill default --retouch --ready late.ready --report late.rep &
wait_for early.ready && wait_for late.ready || die "mappers did not start"

handshake='no handler after 0 ms'
if [ "$variant" = unbind-daemon ]; then
	start_daxmfd
	handshake='acknowledged after [0-9]* ms'
fi

case $variant in
unbind|unbind-daemon) echo dax0.0 >/sys/bus/dax/drivers/device_dax/unbind && pass "device_dax unbound" || fail "unbind failed" ;;
disable) ndctl disable-namespace namespace0.0 >/dev/null 2>&1 && pass "namespace disabled" || fail "disable-namespace failed" ;;
*) die "vmvariant=unbind, unbind-daemon or disable, not '$variant'" ;;
esac

kill -USR1 "$(field pid early.ready)" "$(field pid late.ready)"
wait_for early.rep && wait_for late.rep || die "reports missing"
echo "# early: $(tr '\n' ' ' <early.rep)"
echo "# late: $(tr '\n' ' ' <late.rep)"
[ "$(field sigbus early.rep)" -ge 1 ] && [ "$(field sigbus_first_code early.rep)" = 5 ] &&
	[ "$(field sigbus_outside early.rep)" = 0 ] &&
	pass "early-kill mapper got BUS_MCEERR_AO inside its mapping during the removal" ||
	fail "early: $(field sigbus early.rep) signals, code $(field sigbus_first_code early.rep)"
[ "$(field present_after early.rep)" = 0 ] && [ "$(field present_after late.rep)" = 0 ] &&
	pass "nothing stays mapped" || fail "pages still mapped"
[ "$(field retouch_faults late.rep)" = 512 ] && pass "the default mapper's next touch of each page: SIGBUS" ||
	fail "late retouch faults: $(field retouch_faults late.rep) of 512"
if [ "$variant" = unbind-daemon ]; then
	dmesg | grep -q "daxmf: removal [0-9]* of pfn .* ($handshake): the handler failed the pages; mappings of" &&
		pass "daxmfd failed the mapped pages during the handshake" || fail "no handler-failed line in dmesg"
	check_removal_record dax0.0 handler-failed daxmfd
else
	dmesg | grep -q "daxmf: removal [0-9]* of pfn .* ($handshake): [0-9]* mapped pages failed" &&
		pass "the module failed the mapped pages" || fail "no removal line in dmesg"
fi
rmmod daxmf && pass "rmmod with the nd and dax bus notifiers registered" || fail "rmmod"
finish
