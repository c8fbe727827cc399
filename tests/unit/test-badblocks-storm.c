/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A badblocks listing of 1,000,000 lines through the parser, the diff and
 * the engine: what daxmfd would do if a kernel ever showed a list that long
 * (6.1 holds at most 512 entries and sysfs shows one page).  Behaviour is
 * asserted; time and peak memory are printed.
 *
 * - 1,000,000 distinct single-page ranges (every other page), sorted as the
 *   kernel prints them: every range appears, every page is failed exactly
 *   once through the engine's batches, and the same listing again adds
 *   nothing;
 * - 1,000,000 lines re-reporting 1,000 ranges 1,000 times each: 1,000 ranges.
 */
#define _GNU_SOURCE
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <cmocka.h>

#include "badblocks.h"
#include "conf.h"
#include "engine.h"
#include "macro.h"

#define LINES 1000000u
#define DATA_PHYS UINT64_C(0x40000000)

static double now_s(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static long peak_kb(void) {
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return ru.ru_maxrss;
}

/* LINES lines; line i names range (i / repeat): "SECTOR 8", 16 sectors apart. */
static char *listing(unsigned repeat, size_t *ret_size) {
        size_t size = 0, allocated = (size_t) LINES * 24;
        char *text = malloc(allocated);

        assert_non_null(text);
        for (unsigned i = 0; i < LINES; i++)
                size += (size_t) snprintf(text + size, allocated - size, "%" PRIu64 " 8\n",
                                          (uint64_t) (i / repeat) * 16);
        *ret_size = size;
        return text;
}

static void test_distinct(void **state) {
        _cleanup_(rangeset_done) struct daxmf_rangeset before = {}, now = {}, again = {}, appeared = {},
                                                      cleared = {};
        struct daxmf_engine e;
        struct daxmf_config c;
        struct daxmf_batch b;
        uint64_t queued = 0, batches = 0, pages = 0;
        double t0, t_parse, t_diff, t_submit, t_drain, t_again;
        bool truncated = true;
        unsigned line = 0;
        size_t size;
        char *text = listing(1, &size);

        t0 = now_s();
        assert_int_equal(badblocks_parse(text, size, &now, &line, &truncated), 0);
        t_parse = now_s();
        assert_false(truncated);
        assert_int_equal(now.n, LINES);

        assert_int_equal(badblocks_diff(&before, &now, &appeared, &cleared), 0);
        t_diff = now_s();
        assert_int_equal(appeared.n, LINES);
        assert_int_equal(cleared.n, 0);

        daxmf_config_defaults(&c);
        assert_int_equal(daxmf_engine_init(&e, &c), 0);
        for (size_t i = 0; i < appeared.n; i++) {
                uint64_t start, end, q;

                assert_int_equal(daxmf_sectors_to_pfns(DATA_PHYS, appeared.ranges[i].start,
                                                       appeared.ranges[i].end - appeared.ranges[i].start, 4096,
                                                       &start, &end), 0);
                assert_int_equal(end - start, 1);
                assert_int_equal(daxmf_engine_submit(&e, DAXMF_EVENT_POISON, start, end, &q), DAXMF_ACTION_FAIL);
                queued += q;
        }
        t_submit = now_s();
        assert_int_equal(queued, LINES);

        /* Drain: the module's answers, all complete. */
        for (;;) {
                uint64_t cookies[64];
                unsigned n = 0;

                while (n < 64 && daxmf_engine_next(&e, &b)) {
                        cookies[n++] = b.cookie;
                        pages += b.pages;
                        batches++;
                }
                if (n == 0)
                        break;
                for (unsigned i = 0; i < n; i++)
                        assert_int_equal(daxmf_engine_complete(&e, cookies[i], 0, 0), 0);
        }
        t_drain = now_s();
        assert_int_equal(pages, LINES);
        assert_int_equal(daxmf_engine_pending_pages(&e), 0);
        assert_int_equal(daxmf_engine_in_flight_pages(&e), 0);
        assert_int_equal(rangeset_pages(&e.completed), LINES);

        /* The same listing again (a rescan): nothing appears, nothing is queued. */
        assert_int_equal(badblocks_parse(text, size, &again, &line, &truncated), 0);
        rangeset_done(&appeared);
        rangeset_done(&cleared);
        assert_int_equal(badblocks_diff(&now, &again, &appeared, &cleared), 0);
        assert_int_equal(appeared.n, 0);
        assert_int_equal(cleared.n, 0);
        for (size_t i = 0; i < now.n; i += 997) {
                uint64_t start, end, q = 1;

                assert_int_equal(daxmf_sectors_to_pfns(DATA_PHYS, now.ranges[i].start, 8, 4096, &start, &end), 0);
                assert_int_equal(daxmf_engine_submit(&e, DAXMF_EVENT_POISON, start, end, &q), DAXMF_ACTION_FAIL);
                assert_int_equal(q, 0);
        }
        t_again = now_s();

        printf("# 1,000,000 distinct lines (%zu bytes): parse %.3f s, diff %.3f s, engine submit %.3f s, "
               "%" PRIu64 " batches failed and completed %.3f s, rescan + diff + resubmit %.3f s; peak RSS %ld kB\n",
               size, t_parse - t0, t_diff - t_parse, t_submit - t_diff, batches, t_drain - t_submit,
               t_again - t_drain, peak_kb());
        daxmf_engine_done(&e);
        free(text);
}

static void test_repeated(void **state) {
        _cleanup_(rangeset_done) struct daxmf_rangeset now = {};
        bool truncated = true;
        unsigned line = 0;
        size_t size;
        char *text = listing(1000, &size);
        double t0 = now_s();

        assert_int_equal(badblocks_parse(text, size, &now, &line, &truncated), 0);
        assert_false(truncated);
        assert_int_equal(now.n, LINES / 1000);
        assert_int_equal(rangeset_pages(&now), (uint64_t) LINES / 1000 * 8);
        printf("# 1,000,000 lines re-reporting 1,000 ranges: parse %.3f s; peak RSS %ld kB\n", now_s() - t0,
               peak_kb());
        free(text);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_distinct),
                cmocka_unit_test(test_repeated),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
