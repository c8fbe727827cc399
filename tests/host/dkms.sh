#!/bin/sh
# DKMS builds the module from the source tree meson installs
# (/usr/src/daxmf-VERSION) against Debian's 6.1 headers, signs it, and
# installs it under updates/dkms; and it refuses kernels the dkms.conf
# excludes (another release, or a configuration without what the module
# needs).  Everything happens in a private dkms tree, source tree, install
# tree and signing key below a temporary directory: /var/lib/dkms, /usr/src
# and /lib/modules are not touched (no depmod).
# usage: dkms.sh BUILD_DIR VERSION [MESON]
# Exit 77 (skipped) without dkms or without 6.1 headers.
set -eu
build=$1 version=$2 meson=${3:-meson}

command -v dkms >/dev/null || { echo "SKIP: dkms is not installed (tools/install-deps.sh --test)"; exit 77; }
kver=
for b in /lib/modules/6.1.*/build; do
	[ -d "$b" ] && kver="$kver$(basename "$(dirname "$b")")
"
done
kver=$(printf '%s' "$kver" | sort -V | tail -n 1)
[ -n "$kver" ] || { echo "SKIP: no 6.1 kernel headers in /lib/modules (linux-headers-amd64)"; exit 77; }
ksrc=/lib/modules/$kver/build
arch=$(uname -m)

tmp=$(mktemp -d "${TMPDIR:-/tmp}/daxmf-dkms.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
status=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; status=1; }
check() {	# check DESCRIPTION COMMAND...
	d=$1; shift
	if "$@"; then ok "$d"; else not_ok "$d"; fi
}

"$meson" install -C "$build" --destdir "$tmp/root" --no-rebuild --quiet >"$tmp/install.log" 2>&1 ||
	{ cat "$tmp/install.log"; echo "not ok - meson install"; exit 1; }
src=$tmp/root/usr/src/daxmf-$version
for f in dkms.conf Kbuild Makefile main.c genl.c internal.h include/uapi/linux/daxmf.h; do
	check "installed source has $f" test -f "$src/$f"
done
check "dkms.conf names version $version" grep -qx "PACKAGE_VERSION=\"$version\"" "$src/dkms.conf"

# The private trees; a signing key of our own (dkms would make one in /var/lib/dkms).
mkdir -p "$tmp/src" "$tmp/dkms" "$tmp/modules/$kver"
cp -a "$src" "$tmp/src/"
export mok_signing_key="$tmp/mok.key" mok_certificate="$tmp/mok.pub"
trees="--dkmstree $tmp/dkms --sourcetree $tmp/src --installtree $tmp/modules"
mv="-m daxmf -v $version"

# shellcheck disable=SC2086
dkms add $mv $trees >"$tmp/add.log" 2>&1 || { cat "$tmp/add.log"; not_ok "dkms add"; exit 1; }
ok "dkms add $version"

# Refused: BUILD_EXCLUSIVE_KERNEL (exit 77, before any headers are looked for).
for k in 6.2.0-1-amd64 6.12.0-1-amd64 5.10.0-30-amd64; do
	r=0
	# shellcheck disable=SC2086
	dkms build $mv $trees -k "$k/$arch" >"$tmp/excl.log" 2>&1 || r=$?
	if [ "$r" -eq 77 ] && grep -q 'BUILD_EXCLUSIVE' "$tmp/excl.log"; then
		ok "dkms build -k $k refused (BUILD_EXCLUSIVE, exit 77)"
	else
		cat "$tmp/excl.log"; not_ok "dkms build -k $k: exit $r, expected 77"
	fi
done
# Refused: BUILD_EXCLUSIVE_CONFIG, the 6.1 headers with a .config lacking CONFIG_ZONE_DEVICE.
mkdir -p "$tmp/noconfig"
grep -v '^CONFIG_ZONE_DEVICE=' "$ksrc/.config" >"$tmp/noconfig/.config"
r=0
# shellcheck disable=SC2086
dkms build $mv $trees -k "$kver/$arch" --kernelsourcedir "$tmp/noconfig" >"$tmp/excl.log" 2>&1 || r=$?
if [ "$r" -eq 77 ]; then
	ok "dkms build for $kver without CONFIG_ZONE_DEVICE refused (exit 77)"
else
	cat "$tmp/excl.log"; not_ok "dkms build without CONFIG_ZONE_DEVICE: exit $r, expected 77"
fi

# Built for the real 6.1 headers.
r=0
# shellcheck disable=SC2086
dkms build $mv $trees -k "$kver/$arch" --kernelsourcedir "$ksrc" >"$tmp/build.log" 2>&1 || r=$?
if [ "$r" -ne 0 ]; then
	cat "$tmp/build.log"
	cat "$tmp/dkms/daxmf/$version/build/make.log" 2>/dev/null || true
	not_ok "dkms build -k $kver: exit $r"
	exit 1
fi
ok "dkms build -k $kver"
ko=$(find "$tmp/dkms/daxmf/$version/$kver/$arch/module" -name 'daxmf.ko*' | head -n 1)
check "built module kept by dkms" test -n "$ko"
field() { modinfo -F "$1" "$ko"; }
check "modinfo name daxmf" test "$(field name)" = daxmf
check "modinfo license GPL" test "$(field license)" = GPL
check "modinfo version $version" test "$(field version)" = "$version"
check "modinfo alias is the genl family" test "$(field alias)" = net-pf-16-proto-16-family-daxmf
check "modinfo depends libnvdimm" test "$(field depends)" = libnvdimm
vermagic=$(field vermagic)
case $vermagic in
"$kver "*) ok "vermagic '$vermagic'" ;;
*) not_ok "vermagic '$vermagic' is not for $kver" ;;
esac
if grep -q '^Signing module' "$tmp/build.log"; then
	check "signed with the private DKMS key" test "$(field signer)" = "DKMS module signing key"
else
	echo "ok - # SKIP signing: dkms found no sign-file"
fi
for p in max_pages batch_pages progress_ms max_jobs removal_timeout_ms; do
	check "parameter $p" sh -c "modinfo -F parm '$ko' | grep -q '^$p:'"
done

# Installed where Debian's dkms puts modules, without depmod (dkms install
# wants root even with a private install tree).
if [ "$(id -u)" -ne 0 ]; then
	echo "ok - # SKIP dkms install: not root"
	exit $status
fi
r=0
# shellcheck disable=SC2086
dkms install $mv $trees -k "$kver/$arch" --kernelsourcedir "$ksrc" --no-depmod >"$tmp/inst.log" 2>&1 || r=$?
if [ "$r" -eq 0 ] && ls "$tmp/modules/$kver/updates/dkms/daxmf.ko"* >/dev/null 2>&1; then
	ok "dkms install puts daxmf.ko in updates/dkms"
else
	cat "$tmp/inst.log"; not_ok "dkms install: exit $r, or no updates/dkms/daxmf.ko"
fi
# shellcheck disable=SC2086
dkms status $trees >"$tmp/status.log" 2>&1 || true
check "dkms status: installed for $kver" grep -q "^daxmf/$version, $kver, $arch: installed" "$tmp/status.log"
exit $status
