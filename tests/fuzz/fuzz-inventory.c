/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * An inventory file (a DAX filesystem's snapshot in daxmfd's state
 * directory).  Its checksum would stop the fuzzer at the door: the harness
 * sets it over the body it was given, as a writer would, so the parser's
 * checks behind it are reached (a wrong checksum is refused before
 * anything else is read; the unit tests cover that).  Then names are
 * looked up in what parsed, as `daxmfctl files` and daxmfd do.
 */
#include <errno.h>

#include "fuzz.h"
#include "inventory.h"
#include "macro.h"

static uint64_t fnv1a(const unsigned char *p, size_t size) {
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        for (size_t i = 0; i < size; i++) {
                h ^= p[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

static void lookup(const struct inventory *inv, uint64_t start, uint64_t end) {
        _cleanup_(owner_list_done) struct owner_list owners = {};
        int r;

        r = inventory_lookup(inv, start, end, &owners);
        FUZZ_CHECK(r == 0 || r == -EINVAL);
        for (size_t i = 0; i < owners.n; i++) {
                const struct inode_name *first;
                size_t n = inode_index_lookup(&inv->names, owners.owners[i].owner, &first);

                FUZZ_CHECK(owners.owners[i].length > 0);
                for (size_t k = 0; k < n; k++) {
                        const char *path = inode_index_path(&inv->names, &first[k]);

                        FUZZ_CHECK(path && strnlen(path, inv->names.names_size) < inv->names.names_size);
                }
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ unsigned char *buf = NULL;
        struct inventory inv = {};
        const char *reason = NULL;
        int r;

        if (size > 1 << 20)
                return -1;
        buf = fuzz_bytes(data, size);
        if (size >= sizeof(struct inventory_header)) {
                struct inventory_header h;

                memcpy(&h, buf, sizeof(h));
                h.checksum = fnv1a(buf + sizeof(h), size - sizeof(h));
                memcpy(buf, &h, sizeof(h));
        }
        r = inventory_parse(buf, size, &inv, &reason);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r < 0) {
                FUZZ_CHECK(reason && reason[0]);
                return 0;
        }
        (void) inventory_files(&inv);
        lookup(&inv, 0, UINT64_MAX);
        for (size_t i = 0; i < inv.extents.n && i < 8; i++) {
                const struct extent *e = &inv.extents.entries[i];

                lookup(&inv, e->dev_offset, e->dev_offset + 1);
                lookup(&inv, e->dev_offset + e->length - 1, e->dev_offset + e->length);
        }
        inventory_done(&inv);
        return 0;
}
