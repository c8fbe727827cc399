/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A pmem disk's sysfs badblocks listing, read twice: the text before the
 * first NUL is the earlier read, the rest the later one; what appeared and
 * what cleared between them (daxmfd's poison and clearing records).
 */
#include <errno.h>

#include "badblocks.h"
#include "fuzz.h"
#include "macro.h"

static void check_set(const struct daxmf_rangeset *s) {
        for (size_t i = 0; i < s->n; i++) {
                FUZZ_CHECK(s->ranges[i].start < s->ranges[i].end);
                /* Sorted and merged: touching ranges are one. */
                if (i > 0)
                        FUZZ_CHECK(s->ranges[i - 1].end < s->ranges[i].start);
        }
}

static int parse(const uint8_t *data, size_t size, struct daxmf_rangeset *ret) {
        _cleanup_free_ char *text = fuzz_bytes(data, size);
        unsigned line = 0;
        bool truncated = false;
        int r;

        r = badblocks_parse(text, size, ret, &line, &truncated);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r == 0)
                check_set(ret);
        else
                FUZZ_CHECK(line >= 1);
        return r;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(rangeset_done) struct daxmf_rangeset before = {}, now = {}, appeared = {}, cleared = {};
        const uint8_t *sep = memchr(data, '\0', size);
        size_t first = sep ? (size_t) (sep - data) : size;
        int r;

        if (size > 2 * 8192)
                return -1;      /* twice the daemon's read buffer */
        if (parse(data, first, &before) < 0)
                return 0;
        if (!sep) {
                /* One listing: against nothing before, all of it appeared. */
                r = badblocks_diff(&now, &before, &appeared, &cleared);
                FUZZ_CHECK(r == 0 && cleared.n == 0 && rangeset_pages(&appeared) == rangeset_pages(&before));
                return 0;
        }
        if (parse(sep + 1, size - first - 1, &now) < 0)
                return 0;
        r = badblocks_diff(&before, &now, &appeared, &cleared);
        FUZZ_CHECK(r == 0);
        check_set(&appeared);
        check_set(&cleared);
        for (size_t i = 0; i < appeared.n; i++) {
                FUZZ_CHECK(rangeset_contains(&now, appeared.ranges[i].start, appeared.ranges[i].end));
                FUZZ_CHECK(!rangeset_overlaps(&before, appeared.ranges[i].start, appeared.ranges[i].end));
        }
        for (size_t i = 0; i < cleared.n; i++) {
                FUZZ_CHECK(rangeset_contains(&before, cleared.ranges[i].start, cleared.ranges[i].end));
                FUZZ_CHECK(!rangeset_overlaps(&now, cleared.ranges[i].start, cleared.ranges[i].end));
        }
        return 0;
}
