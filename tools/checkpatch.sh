#!/bin/sh
# Run the kernel's checkpatch.pl (--strict) over the module's sources.  The
# script comes from Debian's linux-source-6.1 tarball, extracted once into
# the cache directory.
#   checkpatch.sh CACHE_DIR FILE...
set -eu
cache=$1
shift
tarball=$(ls /usr/src/linux-source-*.tar.xz 2>/dev/null | sort -V | tail -n 1)
if [ ! -f "$cache/scripts/checkpatch.pl" ]; then
	[ -n "$tarball" ] || { echo "checkpatch: no /usr/src/linux-source-*.tar.xz (apt-get install linux-source-6.1)"; exit 77; }
	mkdir -p "$cache"
	top=$(basename "$tarball" .tar.xz)
	tar -xJf "$tarball" -C "$cache" --strip-components=1 \
		"$top/scripts/checkpatch.pl" "$top/scripts/spelling.txt" \
		"$top/scripts/const_structs.checkpatch"
fi
out=$(perl "$cache/scripts/checkpatch.pl" --no-tree --strict --terse --show-types -f "$@" 2>&1) || true
echo "$out"
# --terse prints one line per problem plus a total per file.
if echo "$out" | grep -qE ': (ERROR|WARNING|CHECK):'; then
	exit 1
fi
