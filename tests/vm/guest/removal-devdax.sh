# Surprise removal of a device-dax instance with an early-kill and a default
# mapper.  6.1's kill_dev_dax() unmaps everything and signals nobody; the
# module's notifier first fails the mapped pages (the early-kill mapper gets
# BUS_MCEERR_AO inside its mapping) and zaps the mappings.  After it, every
# touch gets SIGBUS, the unbind completes, the kernel log stays clean.
# vmvariant=unbind: device_dax unbound on the dax bus; vmvariant=disable:
# ndctl disable-namespace (the nd_dax goes first, taking the dev_dax along).
# *-daemon: with daxmfd as the removal handler, failing the pages itself.
. /tests/lib.sh

variant=$(sed -n 's/.*vmvariant=\([a-z-]*\).*/\1/p' /proc/cmdline)
load_daxmf
ndctl create-namespace -f -e namespace0.0 -m devdax >ns.json 2>ndctl.err || die "create devdax: $(cat ndctl.err)"
[ -c /dev/dax0.0 ] || die "no /dev/dax0.0"

mapper --path /dev/dax0.0 --length 2097152 --kill early --ready early.ready --report early.rep &
mapper --path /dev/dax0.0 --length 2097152 --kill default --retouch --ready late.ready --report late.rep &
wait_for early.ready && wait_for late.ready || die "mappers did not start"

handshake='no handler after 0 ms'
case $variant in
*-daemon)
	start_daxmfd
	handshake='acknowledged after [0-9]* ms' ;;
esac

case $variant in
unbind|unbind-daemon) echo dax0.0 >/sys/bus/dax/drivers/device_dax/unbind && pass "device_dax unbound" || fail "unbind failed" ;;
disable|disable-daemon) ndctl disable-namespace namespace0.0 >/dev/null 2>&1 && pass "namespace disabled" || fail "disable-namespace failed" ;;
*) die "vmvariant=unbind[-daemon] or disable[-daemon], not '$variant'" ;;
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
# Once: a dev_dax removed through its nd_dax is not handled again at its own unbind.
[ "$(dmesg | grep -c 'dax0.0: daxmf: removal [0-9]* of pfn')" = 1 ] && pass "one removal of dax0.0, handled once" ||
	fail "$(dmesg | grep -c 'dax0.0: daxmf: removal [0-9]* of pfn') removal lines for dax0.0 in dmesg"
if [ "${variant%-daemon}" != "$variant" ]; then
	dmesg | grep -q "daxmf: removal [0-9]* of pfn .* ($handshake): the handler failed the pages; mappings of" &&
		pass "daxmfd failed the mapped pages during the handshake" || fail "no handler-failed line in dmesg"
	check_removal_record dax0.0 handler-failed daxmfd
else
	dmesg | grep -q "daxmf: removal [0-9]* of pfn .* ($handshake): [0-9]* mapped pages failed" &&
		pass "the module failed the mapped pages" || fail "no removal line in dmesg"
fi
rmmod daxmf && pass "rmmod with the nd and dax bus notifiers registered" || fail "rmmod"
finish
