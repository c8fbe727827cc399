/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "badblocks.h"

static int parse(const char *text, struct daxmf_rangeset *s, unsigned *line) {
        return badblocks_parse(text, strlen(text), s, line, NULL);
}

static void assert_ranges(const struct daxmf_rangeset *s, size_t n, const uint64_t *pairs) {
        assert_int_equal(s->n, n);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(s->ranges[i].start, pairs[2 * i]);
                assert_int_equal(s->ranges[i].end, pairs[2 * i + 1]);
        }
}

static void test_parse(void **state) {
        struct daxmf_rangeset s = {};

        assert_int_equal(parse("", &s, NULL), 0);
        assert_int_equal(s.n, 0);

        assert_int_equal(parse("8 8\n", &s, NULL), 0);
        assert_ranges(&s, 1, (const uint64_t[]) { 8, 16 });

        /* Adjacent and overlapping entries are one bad range. */
        assert_int_equal(parse("100 4\n8 8\n16 8\n20 2\n", &s, NULL), 0);
        assert_ranges(&s, 2, (const uint64_t[]) { 8, 24, 100, 104 });

        assert_int_equal(parse("18446744073709551614 1\n", &s, NULL), 0);
        assert_ranges(&s, 1, (const uint64_t[]) { UINT64_MAX - 1, UINT64_MAX });
        rangeset_done(&s);
}

static void test_parse_bad(void **state) {
        static const struct {
                const char *text;
                unsigned line;
        } cases[] = {
                { "8 8", 1 },                   /* no newline */
                { "\n", 1 },
                { "8 8\n\n", 2 },
                { "8\n", 1 },
                { "8 0\n", 1 },
                { "a 8\n", 1 },
                { "8 b\n", 1 },
                { "8 8 8\n", 1 },
                { "-8 8\n", 1 },
                { "8  8\n", 1 },
                { " 8 8\n", 1 },
                { "0x8 8\n", 1 },
                { "18446744073709551615 1\n", 1 },
                { "8 8\n99999999999999999999 1\n", 2 },
                { "1 1\n2 2\n3 3 \n", 3 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct daxmf_rangeset s = {};
                unsigned line = 0;

                assert_int_equal(rangeset_add(&s, 1, 2), 0);
                if (parse(cases[i].text, &s, &line) != -EBADMSG || line != cases[i].line)
                        fail_msg("case %zu (\"%s\"): not rejected at line %u (line %u)", i, cases[i].text,
                                 cases[i].line, line);
                assert_ranges(&s, 1, (const uint64_t[]) { 1, 2 });
                rangeset_done(&s);
        }
}

static void test_diff(void **state) {
        struct daxmf_rangeset before = {}, now = {}, appeared = {}, cleared = {};

        assert_int_equal(parse("8 8\n100 10\n", &before, NULL), 0);
        assert_int_equal(parse("8 16\n104 2\n500 1\n", &now, NULL), 0);
        assert_int_equal(badblocks_diff(&before, &now, &appeared, &cleared), 0);
        assert_ranges(&appeared, 2, (const uint64_t[]) { 16, 24, 500, 501 });
        assert_ranges(&cleared, 2, (const uint64_t[]) { 100, 104, 106, 110 });

        /* Same listing: nothing appeared, nothing cleared. */
        assert_int_equal(badblocks_diff(&now, &now, &appeared, &cleared), 0);
        assert_int_equal(appeared.n, 0);
        assert_int_equal(cleared.n, 0);

        rangeset_done(&before);
        rangeset_done(&now);
        rangeset_done(&appeared);
        rangeset_done(&cleared);
}

static void test_truncated_by_sysfs(void **state) {
        struct daxmf_rangeset s = {};
        char text[BADBLOCKS_SYSFS_PAGE];
        size_t len = 0;
        unsigned line = 0, lines = 0;
        bool truncated = false;

        /* Whole lines until the page is nearly full, then a cut one. */
        while (len + 16 < sizeof(text) - 8) {
                len += (size_t) snprintf(text + len, sizeof(text) - len, "%u 512\n", lines * 1024);
                lines++;
        }
        memcpy(text + len, "99999", 5);
        len += 5;

        assert_int_equal(badblocks_parse(text, len, &s, &line, &truncated), 0);
        assert_true(truncated);
        assert_int_equal(s.n, lines);
        assert_int_equal(s.ranges[lines - 1].start, (lines - 1) * 1024);

        /* A short listing without its newline is not sysfs output: an error. */
        assert_int_equal(badblocks_parse("8 8", 3, &s, &line, &truncated), -EBADMSG);

        /* A full listing that ends cleanly is not truncated. */
        truncated = true;
        assert_int_equal(badblocks_parse(text, len - 5, &s, &line, &truncated), 0);
        assert_false(truncated);
        rangeset_done(&s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse),
                cmocka_unit_test(test_parse_bad),
                cmocka_unit_test(test_diff),
                cmocka_unit_test(test_truncated_by_sysfs),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
