/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* `daxmfctl files --ranges FILE`'s list of byte ranges. */
#define _GNU_SOURCE
#include <errno.h>

#include "fuzz.h"
#include "macro.h"
#include "range-list.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(range_list_done) struct range_list l = {};
        _cleanup_free_ void *buf = fuzz_bytes(data, size);
        const char *reason = NULL;
        unsigned line = 0;
        FILE *f;
        int r;

        if (size > 65536)
                return -1;
        f = size ? fmemopen(buf, size, "r") : fopen("/dev/null", "re");
        FUZZ_CHECK(f);
        r = range_list_read(f, &l, &line, &reason);
        fclose(f);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r < 0) {
                /* Nothing half-taken, and a reason to print. */
                FUZZ_CHECK(l.n == 0 && line >= 1 && reason && reason[0]);
                return 0;
        }
        for (size_t i = 0; i < l.n; i++)
                FUZZ_CHECK(l.ranges[i].length > 0 && l.ranges[i].offset + l.ranges[i].length > l.ranges[i].offset);
        return 0;
}
