/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daxmfd's state file.  What reads must write back and read again to the
 * same state: a restart must not change what is pending or completed.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "fuzz.h"
#include "macro.h"
#include "state.h"

static FILE *open_input(void *buf, size_t size) {
        FILE *f = size ? fmemopen(buf, size, "r") : fopen("/dev/null", "re");

        FUZZ_CHECK(f);
        return f;
}

static bool same_set(const struct daxmf_rangeset *a, const struct daxmf_rangeset *b) {
        return a->n == b->n && (a->n == 0 || memcmp(a->ranges, b->ranges, a->n * sizeof(*a->ranges)) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(daxmf_state_done) struct daxmf_state st = {}, again = {};
        _cleanup_free_ void *buf = fuzz_bytes(data, size);
        _cleanup_free_ char *out = NULL;
        size_t out_size = 0;
        unsigned line = 0;
        FILE *f;
        int r;

        if (size > 65536)
                return -1;
        f = open_input(buf, size);
        r = daxmf_state_read(f, &st, &line);
        fclose(f);
        FUZZ_CHECK(r == 0 || r == -EBADMSG);
        if (r < 0) {
                FUZZ_CHECK(line >= 1 || size == 0);
                return 0;
        }
        FUZZ_CHECK(strlen(st.boot_id) == 0 || strlen(st.boot_id) == 32);
        for (size_t i = 0; i < st.n_in_flight; i++)
                FUZZ_CHECK(st.in_flight[i].pages > 0);
        /* Completed wins over pending. */
        for (size_t i = 0; i < st.completed.n; i++)
                FUZZ_CHECK(!rangeset_overlaps(&st.pending, st.completed.ranges[i].start, st.completed.ranges[i].end));

        f = open_memstream(&out, &out_size);
        FUZZ_CHECK(f);
        r = daxmf_state_write(f, st.boot_id, &st.pending, st.in_flight, st.n_in_flight, &st.completed);
        FUZZ_CHECK(r == 0);
        fclose(f);

        f = open_input(out, out_size);
        r = daxmf_state_read(f, &again, &line);
        fclose(f);
        if (r != 0)
                fprintf(stderr, "written state does not read back (line %u):\n%s", line, out);
        FUZZ_CHECK(r == 0);
        FUZZ_CHECK(strcmp(st.boot_id, again.boot_id) == 0);
        FUZZ_CHECK(same_set(&st.pending, &again.pending));
        FUZZ_CHECK(same_set(&st.completed, &again.completed));
        FUZZ_CHECK(st.n_in_flight == again.n_in_flight);
        FUZZ_CHECK(st.n_in_flight == 0 ||
                   memcmp(st.in_flight, again.in_flight, st.n_in_flight * sizeof(*st.in_flight)) == 0);
        return 0;
}
