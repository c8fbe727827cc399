#!/bin/sh
# Print the kernel release to build the module against: the running kernel's
# when its headers and image are installed, else the newest release that has
# both (CI and development hosts run a kernel of their own; the module is
# loaded in a VM booting Debian's).
set -eu
running=$(uname -r)
if [ -d "/lib/modules/$running/build" ] && [ -f "/boot/vmlinuz-$running" ]; then
	echo "$running"
	exit 0
fi
best=
for build in /lib/modules/*/build; do
	[ -d "$build" ] || continue
	rel=$(basename "$(dirname "$build")")
	[ -f "/boot/vmlinuz-$rel" ] || continue
	best="$best$rel
"
done
best=$(printf '%s' "$best" | sort -V | tail -n 1)
if [ -z "$best" ]; then
	echo "kernel-release.sh: no kernel with both headers and an image; install linux-image-amd64 and linux-headers-amd64" >&2
	exit 1
fi
echo "$best"
