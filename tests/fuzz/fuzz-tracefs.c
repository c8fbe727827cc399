/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Lines of the daxmfd trace instance's trace_pipe (ras:memory_failure_event,
 * or trace_pipe's "[LOST N EVENTS]"), given with their length and no NUL, as
 * tracefs-mf.c hands them over; then the names' ids as the coalescer keys
 * them.  The input is split at newlines; each line keeps its '\n'.
 */
#include <errno.h>

#include "fuzz.h"
#include "macro.h"
#include "tracefs-mf.h"

static void one_line(const uint8_t *data, size_t len) {
        _cleanup_free_ char *line = fuzz_bytes(data, len);
        struct tracefs_mf_line l;
        uint64_t lost;
        uint32_t id;
        int r;

        r = tracefs_mf_parse_lost_line(line, len, &lost);
        FUZZ_CHECK(r == 0 || r == -ENOENT);
        if (r == 0)
                FUZZ_CHECK(lost >= 1);

        r = tracefs_mf_parse_line(line, len, &l);
        FUZZ_CHECK(r == 0 || r == -ENOENT || r == -EBADMSG);
        if (r < 0)
                return;
        FUZZ_CHECK(len <= TRACEFS_MF_LINE_MAX);
        FUZZ_CHECK(strnlen(l.page_type, sizeof(l.page_type)) < sizeof(l.page_type));
        FUZZ_CHECK(strnlen(l.result, sizeof(l.result)) < sizeof(l.result));
        r = tracefs_mf_page_type_id(l.page_type, &id);
        FUZZ_CHECK(r == 0 || r == -ENOSPC || r == -EINVAL);
        if (r == 0)
                FUZZ_CHECK(id < TRACEFS_MF_EXTRA_ID ? tracefs_mf_page_type_from_name(l.page_type, &id) == 0
                                                   : strcmp(tracefs_mf_page_type_name(id), l.page_type) == 0);
        r = tracefs_mf_result_id(l.result, &id);
        FUZZ_CHECK(r == 0 || r == -ENOSPC || r == -EINVAL);
        if (r == 0)
                FUZZ_CHECK(id < TRACEFS_MF_EXTRA_ID ? tracefs_mf_result_from_name(l.result, &id) == 0
                                                   : strcmp(tracefs_mf_result_name(id), l.result) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        size_t pos = 0;

        if (size > 16 * TRACEFS_MF_LINE_MAX)
                return -1;
        /* The whole input as one line too: lines longer than the limit must be refused, not read. */
        one_line(data, size);
        while (pos < size) {
                const uint8_t *nl = memchr(data + pos, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - data - pos) + 1 : size - pos;

                if (len < size)
                        one_line(data + pos, len);
                pos += len;
        }
        return 0;
}
