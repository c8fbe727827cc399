#!/bin/bash
# `meson install` into a temporary DESTDIR puts every file where Debian 12
# expects it, with sane modes, and each installed file works where it is:
# the unit passes systemd-analyze verify (its ExecStart is the installed
# daxmfd, its man: links resolve), the udev rules parse and pull in the
# unit, journalctl takes the catalog with every MESSAGE_ID, the man pages
# render without warnings and cover every command, option and setting,
# and the bash completion completes commands, options and devices.
# usage: install.sh BUILD_DIR PREFIX VERSION JOURNAL_H [MESON]
# Exit 77 (skipped) when the build's prefix is not /usr.
set -u
build=$1 prefix=$2 version=$3 journal_h=$4 meson=${5:-meson}

if [ "$prefix" != /usr ]; then
	echo "SKIP: prefix is $prefix; the Debian layout is checked for prefix /usr"
	exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/daxmf-install.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
root=$tmp/root
status=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; status=1; }
check() {	# check DESCRIPTION COMMAND...
	local d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

if ! "$meson" install -C "$build" --destdir "$root" --no-rebuild --quiet >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "not ok - meson install --destdir"
	exit 1
fi
ok "meson install --destdir"

# ---- every file, and nothing else, with its mode ----
src=usr/src/daxmf-$version
expected="755 usr/sbin/daxmfctl
755 usr/libexec/daxmfd
644 lib/systemd/system/daxmfd.service
644 lib/udev/rules.d/70-daxmf.rules
644 lib/modprobe.d/daxmf.conf
644 usr/lib/modules-load.d/daxmf.conf
644 usr/lib/systemd/catalog/daxmf.catalog
644 etc/daxmf/daxmfd.conf
644 usr/share/doc/daxmf/README.md
644 usr/share/man/man8/daxmfd.8
644 usr/share/man/man8/daxmfctl.8
644 usr/share/man/man5/daxmfd.conf.5
644 usr/share/bash-completion/completions/daxmfctl
644 $src/dkms.conf
644 $src/Kbuild
644 $src/Makefile
644 $src/main.c
644 $src/genl.c
644 $src/handshake.c
644 $src/job.c
644 $src/mf-coalesce.c
644 $src/mf-coalesce.h
644 $src/mf-watch.c
644 $src/preremove.c
644 $src/range.c
644 $src/internal.h
644 $src/include/uapi/linux/daxmf.h"
while read -r mode path; do
	if [ ! -f "$root/$path" ]; then
		not_ok "/$path missing"
	elif [ "$(stat -c %a "$root/$path")" != "$mode" ]; then
		not_ok "/$path has mode $(stat -c %a "$root/$path"), expected $mode"
	else
		ok "/$path ($mode)"
	fi
done <<EOF
$expected
EOF
# Anything installed that is not in the list is a path nobody checked.
(cd "$root" && find . ! -type d | sed 's|^\./||' | sort) >"$tmp/found"
echo "$expected" | awk '{print $2}' | sort >"$tmp/wanted"
extra=$(comm -23 "$tmp/found" "$tmp/wanted")
check "nothing else installed${extra:+: $(echo "$extra" | tr "\n" " ")}" test -z "$extra"
# Directories: 0755, root's.
bad_dirs=$(cd "$root" && find . -type d ! -perm 755 | sed 's|^\./|/|')
check "directories are 0755${bad_dirs:+: $(echo "$bad_dirs" | tr "\n" " ")}" test -z "$bad_dirs"

# ---- the unit ----
unit=$root/lib/systemd/system/daxmfd.service
exec_start=$(sed -n 's/^ExecStart=[-@:+!]*\([^ ]*\).*/\1/p' "$unit")
check "ExecStart=$exec_start is the installed daxmfd" test "$exec_start" = /usr/libexec/daxmfd -a -x "$root$exec_start"
# systemd-analyze verify needs what the unit refers to (sysinit.target,
# /bin/kill, the man pages), all looked up inside --root: a copy of the
# installed tree with the host's own units beside ours (systemd need not be
# PID 1 for this).
vroot=$tmp/vroot
cp -a "$root" "$vroot"
mkdir -p "$vroot/lib/systemd/system" "$vroot/bin" "$vroot/usr/bin"
cp -an /lib/systemd/system/. "$vroot/lib/systemd/system/"
for c in $(sed -n 's/^Exec[A-Za-z]*=[-@:+!]*\(\/[^ ]*\).*/\1/p' "$unit"); do
	[ -e "$vroot$c" ] || { [ -x "$c" ] && cp "$c" "$vroot$c"; }
done
if MANPATH=$vroot/usr/share/man systemd-analyze verify --root="$vroot" daxmfd.service >"$tmp/verify.log" 2>&1 &&
	[ ! -s "$tmp/verify.log" ]; then
	ok "systemd-analyze verify --root: no complaints (man: links resolve to the installed pages)"
else
	cat "$tmp/verify.log"
	not_ok "systemd-analyze verify --root"
fi

# ---- udev rules: parsed by udevadm test (252 has no udevadm verify) in a
# private mount namespace, /run/udev/rules.d a tmpfs there ----
rules=$root/lib/udev/rules.d/70-daxmf.rules
udev_test() {	# udev_test RULES_FILE ACTION SYSPATH
	unshare -m sh -c 'mount -t tmpfs tmpfs /run && mkdir -p /run/udev/rules.d &&
		cp "$1" /run/udev/rules.d/70-daxmf.rules && udevadm test --action="$2" "$3" 2>&1' sh "$@"
}
disk=$(for d in /sys/class/block/loop* /sys/class/block/vd? /sys/class/block/sd?; do
	[ -e "$d/dev" ] && [ ! -e "$d/partition" ] && { basename "$d"; break; }; done)
if ! command -v unshare >/dev/null || ! unshare -m true 2>/dev/null || [ -z "$disk" ]; then
	echo "ok - # SKIP udev rules: no unshare -m (root) or no block device"
else
	udev_test "$rules" add "/sys/class/block/$disk" >"$tmp/udev.log"
	if grep -q 'Reading rules file: /run/udev/rules.d/70-daxmf.rules' "$tmp/udev.log" &&
		! grep -q '70-daxmf.rules:[0-9]' "$tmp/udev.log"; then
		ok "udevadm test reads 70-daxmf.rules without complaint"
	else
		grep 70-daxmf "$tmp/udev.log"
		not_ok "udevadm test: 70-daxmf.rules not read cleanly"
	fi
	# No pmem disk here: the same rules aimed at $disk show what a pmem disk gets.
	sed "s/KERNEL==\"pmem\*\"/KERNEL==\"$disk\"/" "$rules" >"$tmp/aimed.rules"
	udev_test "$tmp/aimed.rules" add "/sys/class/block/$disk" >"$tmp/udev-add.log"
	check "a disk the rules match gets SYSTEMD_WANTS=daxmfd.service" \
		grep -qx 'SYSTEMD_WANTS=daxmfd.service' "$tmp/udev-add.log"
	udev_test "$tmp/aimed.rules" remove "/sys/class/block/$disk" >"$tmp/udev-remove.log"
	check "but not on remove" bash -c '! grep -q "^SYSTEMD_WANTS=.*daxmfd" "$1"' sh "$tmp/udev-remove.log"
fi

# ---- the catalog, where it is installed ----
mkdir -p "$root/var/lib/systemd/catalog"
if journalctl --root="$root" --update-catalog >"$tmp/catalog.log" 2>&1 && [ ! -s "$tmp/catalog.log" ]; then
	ok "journalctl --update-catalog takes the installed catalog"
else
	cat "$tmp/catalog.log"; not_ok "journalctl --update-catalog"
fi
listed=$(journalctl --root="$root" --list-catalog 2>&1)
for id in $(sed -n 's/^#define DAXMF_MESSAGE_[A-Z_]* *"\([0-9a-f]\{32\}\)"$/\1/p' "$journal_h"); do
	check "catalog lists MESSAGE_ID $id" grep -q "^$id " <<<"$listed"
done
rm -rf "${root:?}/var"

# ---- man pages ----
render() { MANWIDTH=80 man --warnings -l "$1" 2>"$tmp/man.err" | col -b; }
for page in usr/share/man/man8/daxmfd.8 usr/share/man/man8/daxmfctl.8 usr/share/man/man5/daxmfd.conf.5; do
	render "$root/$page" >"$tmp/$(basename "$page").txt"
	if [ -s "$tmp/man.err" ]; then
		cat "$tmp/man.err"; not_ok "man --warnings -l /$page: warnings"
	else
		ok "man --warnings -l /$page renders without warnings"
	fi
	for s in NAME SYNOPSIS DESCRIPTION "SEE ALSO"; do
		[ "$page" = usr/share/man/man5/daxmfd.conf.5 ] && [ "$s" = SYNOPSIS ] && continue
		grep -q "^$s" "$tmp/$(basename "$page").txt" || not_ok "/$page has no $s section"
	done
done
ctl_help=$("$root/usr/sbin/daxmfctl" help)
ctl_commands=$(sed -n '/^Commands:/,/^Options:/p' <<<"$ctl_help" | sed -n 's/^  \([a-z][a-z-]*\).*/\1/p' | sort -u)
ctl_options=$(grep -oE -- '--[a-z][a-z-]*' <<<"$ctl_help" | sort -u)
missing=
for w in $ctl_commands $ctl_options DAXMF_CONTROL_SOCKET DAXMF_STATE_DIRECTORY; do
	grep -qw -- "$w" "$tmp/daxmfctl.8.txt" || missing="$missing $w"
done
check "daxmfctl(8) names every command and option of 'daxmfctl help'${missing:+ (missing:$missing)}" test -z "$missing"
missing=
for w in $("$root/usr/libexec/daxmfd" --help | grep -oE -- '--[a-z][a-z-]*' | sort -u) SIGHUP SIGUSR1 SIGTERM \
	$(sed -n 's/^#define DAXMF_MESSAGE_[A-Z_]* *"\([0-9a-f]\{32\}\)"$/\1/p' "$journal_h"); do
	grep -qw -- "$w" "$tmp/daxmfd.8.txt" || missing="$missing $w"
done
check "daxmfd(8) names every option, signal and MESSAGE_ID${missing:+ (missing:$missing)}" test -z "$missing"
missing=
for w in $(sed -n 's/^\[\([A-Za-z]*\)\]$/\1/p; s/^#\([A-Z][A-Za-z]*\)=.*/\1/p' "$root/etc/daxmf/daxmfd.conf"); do
	grep -qw -- "$w" "$tmp/daxmfd.conf.5.txt" || missing="$missing $w"
done
check "daxmfd.conf(5) names every section and key of the installed daxmfd.conf${missing:+ (missing:$missing)}" \
	test -z "$missing"

# ---- bash completion ----
comp=$root/usr/share/bash-completion/completions/daxmfctl
check "bash -n completions/daxmfctl" bash -n "$comp"
mkdir -p "$tmp/sys/class/block/pmem0" "$tmp/sys/class/block/pmem0p1" "$tmp/sys/class/block/pmem1" \
	"$tmp/sys/bus/nd/devices/namespace0.0" "$tmp/sys/bus/nd/devices/region0" "$tmp/sys/bus/dax/devices/dax1.0" \
	"$tmp/cwd/journal"
touch "$tmp/cwd/ranges.txt"
# complete WORD... (the last one is the word being completed): the sorted candidates.
complete_words() {
	(cd "$tmp/cwd" && DAXMF_SYSFS_ROOT=$tmp/sys bash -c '
		. "$1"; shift
		COMP_WORDS=("$@"); COMP_CWORD=$(( $# - 1 )); COMPREPLY=()
		_daxmfctl 2>/dev/null
		printf "%s\n" "${COMPREPLY[@]}" | sort | tr "\n" " " | sed "s/ $//"' sh "$comp" "$@")
}
expect() {	# expect "CANDIDATES" WORD...
	local want=$1 got; shift
	got=$(complete_words "$@")
	if [ "$got" = "$want" ]; then ok "complete '$*' -> $want"; else not_ok "complete '$*': got '$got', expected '$want'"; fi
}
sorted() { tr ' ' '\n' <<<"$*" | sort | tr '\n' ' ' | sed 's/ $//'; }
expect "$(sorted $ctl_commands)" daxmfctl ''
expect "$(sorted $ctl_commands)" daxmfctl --json ''
expect "--json" daxmfctl --j
expect "$(sorted --pfn --pages --yes --action-required --allow-ram --per-page --simulated --removal --flags --cookie --json --help)" \
	daxmfctl fail-range --
expect "$(sorted --since --until --device --file --directory --json --help)" daxmfctl report --
expect "$(sorted --ranges --inventory --json --help)" daxmfctl files --
expect "--refresh" daxmfctl inventory --r
expect "--count" daxmfctl monitor --c
expect "" daxmfctl fail-range --pfn ''
expect "$(sorted namespace0.0 pmem0 pmem1)" daxmfctl files ''
expect "$(sorted pmem0 pmem1)" daxmfctl scan pm
expect "$(sorted namespace0.0 pmem0 pmem1)" daxmfctl scan ''
expect "$(sorted dax1.0 namespace0.0 pmem0 pmem1)" daxmfctl --json inventory --refresh ''
expect "" daxmfctl files pmem0 ''
expect "" daxmfctl files pmem0 0x1000 ''
expect "$(sorted - journal ranges.txt)" daxmfctl files pmem0 --ranges ''
expect "ranges.txt" daxmfctl files pmem0 --ranges = r
expect "journal" daxmfctl report --directory ''
expect "$(sorted dax1.0 namespace0.0 pmem0 pmem1)" daxmfctl report --device ''
expect "" daxmfctl rescan ''
# Every option 'daxmfctl help' names is offered for some command.
all=$(for c in $ctl_commands; do complete_words daxmfctl "$c" --; echo; done | tr ' ' '\n' | sort -u)
missing=
for o in $ctl_options; do grep -qx -- "$o" <<<"$all" || missing="$missing $o"; done
check "completion offers every option of 'daxmfctl help'${missing:+ (missing:$missing)}" test -z "$missing"

exit $status
