#!/bin/sh
# The journal catalog parses with journalctl and has an entry for every
# MESSAGE_ID daxmfd logs (journal.h).
# usage: catalog.sh CATALOG JOURNAL_H
set -eu
catalog=$1 header=$2
root=$(mktemp -d "${TMPDIR:-/tmp}/daxmf-catalog.XXXXXX")
trap 'rm -rf "$root"' EXIT
mkdir -p "$root/usr/lib/systemd/catalog" "$root/var/lib/systemd/catalog"
cp "$catalog" "$root/usr/lib/systemd/catalog/daxmf.catalog"
journalctl --root="$root" --update-catalog
listed=$(journalctl --root="$root" --list-catalog)
status=0
for id in $(sed -n 's/^#define DAXMF_MESSAGE_[A-Z_]* *"\([0-9a-f]\{32\}\)"$/\1/p' "$header"); do
	if echo "$listed" | grep -q "^$id "; then
		echo "ok - $id in the catalog"
	else
		echo "not ok - $id missing from the catalog"
		status=1
	fi
done
exit $status
