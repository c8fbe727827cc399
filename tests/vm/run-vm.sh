#!/bin/bash
# Boot Debian's kernel under QEMU with emulated pmem, run one guest test, and
# judge it: the test's own verdict, then the kernel log (no WARNING, BUG or
# oops beyond the known 6.1 issues the test declares).
#
# usage: run-vm.sh --initrd FILE --kernel-release REL --test NAME
#                  [--variant NAME] [--log-dir DIR] [--mem 3G] [--memmap 1G!1G]
#                  [--timeout SEC] [--root IMAGE --install BUILDDIR]
#                  [--append-initrd ARCHIVE]
# --variant passes vmvariant=NAME to the guest script (one script, several cases).
# DAXMF_VM_SEED=N in the environment passes vmseed=N (tests that draw random points print theirs).
# --append-initrd adds a cpio archive after the initramfs (the kernel unpacks
# both): binaries only some tests need (mkinitramfs.sh --binaries).
# --root boots systemd as PID 1 from IMAGE (tests/vm/mkrootimg.sh; changes go to
# a throw-away overlay) with BUILDDIR's `meson install` tree copied onto it, so
# the test sees the installed unit, udev rules and catalog as a system would.
# Exit: 0 pass, 1 fail, 77 skip (meson's convention).
set -euo pipefail

initrd= krel= test= variant= logdir=${MESON_BUILD_ROOT:-.}/vm-logs mem=3G memmap='1G!1G' timeout=300
rootimg= installdir= append=
while [ $# -gt 0 ]; do
	case $1 in
	--initrd) initrd=$2; shift 2 ;;
	--kernel-release) krel=$2; shift 2 ;;
	--test) test=$2; shift 2 ;;
	--variant) variant=$2; shift 2 ;;
	--log-dir) logdir=$2; shift 2 ;;
	--mem) mem=$2; shift 2 ;;
	--memmap) memmap=$2; shift 2 ;;
	--timeout) timeout=$2; shift 2 ;;
	--root) rootimg=$2; shift 2 ;;
	--install) installdir=$2; shift 2 ;;
	--append-initrd) append=$2; shift 2 ;;
	*) echo "run-vm: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$initrd" ] && [ -n "$krel" ] && [ -n "$test" ] || { echo "run-vm: --initrd, --kernel-release and --test are required" >&2; exit 2; }

kernel=/boot/vmlinuz-$krel
for f in "$kernel" "$initrd"; do
	[ -r "$f" ] || { echo "run-vm: cannot read $f" >&2; exit 1; }
done
command -v qemu-system-x86_64 >/dev/null || { echo "run-vm: qemu-system-x86_64 missing (apt-get install qemu-system-x86)" >&2; exit 1; }

mkdir -p "$logdir"
log=$logdir/$test${variant:+-$variant}.log
: >"$log"

work=$(mktemp -d "${TMPDIR:-/tmp}/daxmf-vm.XXXXXX")
trap 'rm -rf "$work"' EXIT
if [ -n "$append" ]; then
	[ -r "$append" ] || { echo "run-vm: cannot read $append" >&2; exit 1; }
	cat "$initrd" "$append" >"$work/initrd-appended.img"
	initrd=$work/initrd-appended.img
fi

rootargs= append_extra=
if [ -n "$rootimg" ]; then
	[ -r "$rootimg" ] && [ -n "$installdir" ] || { echo "run-vm: --root needs a readable image and --install BUILDDIR" >&2; exit 2; }
	# What a package would install, as `meson install` puts it, under /payload
	# of a second initramfs archive (the kernel unpacks both).  The image's
	# /lib, /bin and /sbin are links into /usr (merged /usr): move what is
	# installed there into /usr so the copy does not replace those links.
	meson install -C "$installdir" --no-rebuild --quiet --destdir "$work/payload" >"$work/install.log" 2>&1 ||
		{ cat "$work/install.log"; echo "run-vm: meson install failed" >&2; exit 1; }
	for d in lib bin sbin; do
		[ -d "$work/payload/$d" ] || continue
		mkdir -p "$work/payload/usr/$d"
		cp -a "$work/payload/$d/." "$work/payload/usr/$d/"
		rm -rf "${work:?}/payload/$d"
	done
	(cd "$work" && find payload | cpio -o -H newc --quiet | gzip -1) >"$work/payload.cpio.gz"
	cat "$initrd" "$work/payload.cpio.gz" >"$work/initrd.img"
	initrd=$work/initrd.img
	rootargs="-drive file=$rootimg,format=raw,if=virtio,snapshot=on"
	append_extra=" vmroot=systemd quiet systemd.show_status=error"
fi
# Test parameters from the caller (e.g. DAXMF_VM_APPEND=fuzzseed=42).
append_extra="$append_extra${DAXMF_VM_APPEND:+ $DAXMF_VM_APPEND}"

# KVM here cannot run a stock kernel (see shared notes): TCG unless told.
accel=${DAXMF_VM_ACCEL:-tcg}
# The guest reaches its test in ~6 s.  Under TCG a boot now and then stalls
# early (seen: in network init, never in a test); such a boot is tried once
# more, and said so.  A test that started is never retried.
boot_timeout=${DAXMF_VM_BOOT_TIMEOUT:-90}

boot() {
	local waited=0 qpid
	: >"$log"
	timeout --foreground -k 5 "$timeout" qemu-system-x86_64 \
		-accel "$accel" -smp 2 -m "$mem" -nodefaults -no-user-config \
		-kernel "$kernel" -initrd "$initrd" \
		-append "console=ttyS0 panic=-1 oops=panic log_buf_len=8M memmap=$memmap vmtest=$test${variant:+ vmvariant=$variant}${DAXMF_VM_SEED:+ vmseed=$DAXMF_VM_SEED}$append_extra" \
		-device virtio-rng-pci -display none -serial "file:$log" -no-reboot $rootargs \
		</dev/null >"$log.qemu" 2>&1 &
	qpid=$!
	while kill -0 "$qpid" 2>/dev/null && ! grep -aq '^DAXMF-VMTEST-BEGIN' "$log"; do
		if [ "$waited" -ge "$boot_timeout" ]; then
			kill "$qpid" 2>/dev/null || true
			wait "$qpid" || true
			return 124
		fi
		sleep 1
		waited=$((waited + 1))
	done
	wait "$qpid"
}

start=$(date +%s.%N)
status=0
boot || status=$?
if [ "$status" -eq 124 ] && ! grep -aq '^DAXMF-VMTEST-BEGIN' "$log"; then
	echo "# vm: the boot stalled before the test (${boot_timeout}s); last line: $(grep -a . "$log" | tail -n 1 | tr -d '\r')"
	echo "# vm: booting once more"
	cp "$log" "$log.stalled"
	status=0
	boot || status=$?
fi
elapsed=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')

# Everything between the markers is the test's own output.
sed -n '/^DAXMF-VMTEST-BEGIN/,/^DAXMF-VMTEST-END/p' "$log" | tr -d '\r' | grep -v '^DAXMF-KNOWN-WARN'
end=$(grep -a '^DAXMF-VMTEST-END' "$log" | tr -d '\r' || true)
echo "# vm: $test ran ${elapsed}s wall (qemu exit $status); serial log: $log"

if [ -z "$end" ]; then
	echo "# vm: the test did not finish (timeout, panic or oops); last lines of the log:"
	tail -n 60 "$log" | tr -d '\r'
	exit 1
fi
rc=${end##*rc=}
rc=${rc%% *}

# The kernel log: any oops/BUG fails; WARNINGs only when known and declared.
kmsg=$(sed -n '/^DAXMF-DMESG-BEGIN/,/^DAXMF-DMESG-END/p' "$log" | tr -d '\r')
if [ -z "$kmsg" ]; then
	echo "# vm: no kernel log was dumped"
	exit 1
fi
declared=$(grep -a '^DAXMF-KNOWN-WARN ' "$log" | tr -d '\r' | awk '{ print $2 }' | sort -u || true)
known_pattern() {
	case $1 in
	# 6.1 fsdax cannot map one page into two files (reflink sharers): the
	# second DAX fault warns in dax_insert_entry (fixed in later kernels).
	dax-shared-extent) echo 'at fs/dax\.c:[0-9]+ dax_(insert|disassociate)_entry' ;;
	*) echo "run-vm: unknown known-warning name '$1'" >&2; echo '^$NEVER' ;;
	esac
}
bad=$(echo "$kmsg" | grep -aE 'BUG:|Oops|general protection fault|kernel BUG|UBSAN:|KASAN:|list_(add|del) corruption|refcount_t:|Kernel panic' || true)
if [ -n "$bad" ]; then
	echo "# vm: kernel log has errors:"
	echo "$bad"
	exit 1
fi
warnings=$(echo "$kmsg" | grep -a 'WARNING:' || true)
allowed=0
if [ -n "$warnings" ]; then
	unexplained=$warnings
	for name in $declared; do
		pat=$(known_pattern "$name")
		unexplained=$(echo "$unexplained" | grep -avE "$pat" || true)
	done
	if [ -n "$unexplained" ]; then
		echo "# vm: kernel log has warnings:"
		echo "$unexplained"
		exit 1
	fi
	allowed=$(echo "$warnings" | wc -l)
	echo "# vm: $allowed known, declared kernel warning(s) ($declared)"
fi

case $rc in
0) exit 0 ;;
77) exit 77 ;;
*) exit 1 ;;
esac
