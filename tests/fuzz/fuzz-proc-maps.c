/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/PID/maps, line by line, as mappers.c reads every process's. */
#include <errno.h>

#include "fuzz.h"
#include "macro.h"
#include "proc-maps.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        size_t pos = 0;

        if (size > 65536)
                return -1;
        while (pos < size) {
                const uint8_t *nl = memchr(data + pos, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - data - pos) + 1 : size - pos;
                _cleanup_free_ char *line = fuzz_string(data + pos, len);
                struct maps_entry e;
                int r;

                pos += len;
                r = maps_parse_line(line, &e);
                FUZZ_CHECK(r == 0 || r == -EBADMSG);
                if (r < 0)
                        continue;
                FUZZ_CHECK(e.start <= e.end);
                FUZZ_CHECK(e.path >= line && e.path <= line + len && strlen(e.path) <= len);
                FUZZ_CHECK(strlen(e.perms) <= 4);
        }
        return 0;
}
