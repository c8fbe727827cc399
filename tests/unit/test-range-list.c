/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "macro.h"
#include "range-list.h"

#define REASON_WORDS "expected OFFSET LENGTH"
#define REASON_MORE "more than OFFSET LENGTH"
#define REASON_OFFSET "OFFSET is not a number (decimal or 0x-hex)"
#define REASON_LENGTH "LENGTH is not a number above 0"
#define REASON_OVERFLOW "OFFSET + LENGTH overflows"
#define REASON_NUL "a NUL byte in the line"

/* Read size bytes of text (NUL bytes and all). */
static int read_buffer(const char *text, size_t size, struct range_list *ret, unsigned *line, const char **reason) {
        FILE *f = fmemopen((void *) text, size, "r");
        int r;

        assert_non_null(f);
        r = range_list_read(f, ret, line, reason);
        fclose(f);
        return r;
}

static int read_string(const char *text, struct range_list *ret, unsigned *line, const char **reason) {
        return read_buffer(text, strlen(text), ret, line, reason);
}

static void assert_ranges(const struct range_list *l, size_t n, const uint64_t *pairs) {
        assert_int_equal(l->n, n);
        assert_true(l->n <= l->allocated);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(l->ranges[i].offset, pairs[2 * i]);
                assert_int_equal(l->ranges[i].length, pairs[2 * i + 1]);
        }
}

#define CHECK_GOOD(text, ...)                                                                   \
        do {                                                                                    \
                const uint64_t _want[] = { __VA_ARGS__ };                                       \
                struct range_list _l = {};                                                      \
                const char *_reason = "unset";                                                  \
                unsigned _line = 12345;                                                         \
                                                                                                \
                assert_int_equal(read_string((text), &_l, &_line, &_reason), 0);                \
                assert_int_equal(_line, 0);                                                     \
                assert_null(_reason);                                                           \
                assert_ranges(&_l, ELEMENTSOF(_want) / 2, _want);                               \
                range_list_done(&_l);                                                           \
        } while (0)

static void check_bad(const char *text, size_t size, unsigned want_line, const char *want_reason) {
        struct range_list l = {};
        const char *reason = NULL;
        unsigned line = 0;

        assert_int_equal(read_buffer(text, size, &l, &line, &reason), -EBADMSG);
        assert_int_equal(line, want_line);
        assert_non_null(reason);
        assert_string_equal(reason, want_reason);
        /* Nothing half-taken: the good lines before the bad one are not handed out either. */
        assert_int_equal(l.n, 0);
        assert_null(l.ranges);
        assert_int_equal(l.allocated, 0);
}

#define CHECK_BAD(text, line, reason) check_bad((text), strlen(text), (line), (reason))

static void test_empty(void **state) {
        struct range_list l = {};
        const char *reason = "unset";
        unsigned line = 7;

        assert_int_equal(read_string("", &l, &line, &reason), 0);
        assert_int_equal(line, 0);
        assert_null(reason);
        assert_int_equal(l.n, 0);

        /* Only comments and blanks: still nothing, and not an error. */
        assert_int_equal(read_string("# nothing here\n\n   \n\t\n#1 2\n  # 3 4\n\r\n", &l, &line, &reason), 0);
        assert_int_equal(line, 0);
        assert_int_equal(l.n, 0);
        range_list_done(&l);
}

static void test_good_lines(void **state) {
        CHECK_GOOD("0 1\n", 0, 1);
        CHECK_GOOD("4096 8192\n", 4096, 8192);
        /* No newline at the end of the last line. */
        CHECK_GOOD("4096 8192", 4096, 8192);
        CHECK_GOOD("0x1000 0x2000\n", 0x1000, 0x2000);
        CHECK_GOOD("0X1f 0xABCdef\n", 0x1f, 0xabcdef);
        /* Leading zeros are decimal, not octal. */
        CHECK_GOOD("010 0010\n", 10, 10);
        /* Blanks around and between, tabs too. */
        CHECK_GOOD("   7    9   \n", 7, 9);
        CHECK_GOOD("\t7\t\t9\t\n", 7, 9);
        CHECK_GOOD(" \t 7 \t 9\n", 7, 9);
        /* CRLF line ends. */
        CHECK_GOOD("1 2\r\n3 4\r\n", 1, 2, 3, 4);
        /* Comments, whole-line and trailing, even without a blank before them. */
        CHECK_GOOD("# bad ranges\n1 2 # first\n3 4#second\n#5 6\n", 1, 2, 3, 4);
        /* The largest values that do not overflow. */
        CHECK_GOOD("0xfffffffffffffffe 1\n", UINT64_MAX - 1, 1);
        CHECK_GOOD("0 18446744073709551615\n", 0, UINT64_MAX);
        CHECK_GOOD("18446744073709551614 0x1\n", UINT64_MAX - 1, 1);
}

static void test_order_kept(void **state) {
        /* Not sorted, overlapping, duplicated: kept as given. */
        CHECK_GOOD("# a mix\n"
                   "\n"
                   "0x300000 0x1000\r\n"
                   "\t4096\t4096  # a page\n"
                   "   \n"
                   "0x300000 0x1000\n"
                   "0 0x400000\n"
                   "12288 1",
                   0x300000, 0x1000, 4096, 4096, 0x300000, 0x1000, 0, 0x400000, 12288, 1);
}

static void test_many(void **state) {
        _cleanup_free_ char *text = NULL;
        struct range_list l = {};
        const char *reason;
        unsigned line;
        size_t size = 0;
        FILE *f;

        f = open_memstream(&text, &size);
        assert_non_null(f);
        for (unsigned i = 0; i < 5000; i++)
                fprintf(f, i % 2 ? "%u %u\n" : "0x%x 0x%x\n", i * 4096, i + 1);
        fclose(f);

        assert_int_equal(read_string(text, &l, &line, &reason), 0);
        assert_int_equal(l.n, 5000);
        for (unsigned i = 0; i < 5000; i++) {
                assert_int_equal(l.ranges[i].offset, (uint64_t) i * 4096);
                assert_int_equal(l.ranges[i].length, i + 1);
        }
        range_list_done(&l);
        assert_null(l.ranges);
        assert_int_equal(l.n, 0);
}

static void test_bad_words(void **state) {
        struct range_list l = {};
        const char *reason = NULL;
        unsigned line = 0;

        CHECK_BAD("4096\n", 1, REASON_WORDS);
        CHECK_BAD("1 2\n4096 # length forgotten\n", 2, REASON_WORDS);
        CHECK_BAD("1 2 3 4\n", 1, REASON_MORE);
        CHECK_BAD("1 2\n\n# c\n1 2 3 4 5\n", 4, REASON_MORE);

        /* Three words: refused on the right line; either wording says what is wrong. */
        assert_int_equal(read_string("1 2\n\n# c\n1 2 3\n5 6\n", &l, &line, &reason), -EBADMSG);
        assert_int_equal(line, 4);
        assert_non_null(reason);
        if (strcmp(reason, REASON_MORE) != 0 && strcmp(reason, REASON_WORDS) != 0)
                fail_msg("unexpected reason \"%s\"", reason);
        assert_int_equal(l.n, 0);
        assert_null(l.ranges);
        CHECK_BAD("1,2\n", 1, REASON_WORDS);
}

static void test_bad_numbers(void **state) {
        CHECK_BAD("abc 1\n", 1, REASON_OFFSET);
        CHECK_BAD("1 abc\n", 1, REASON_LENGTH);
        CHECK_BAD("0x 1\n", 1, REASON_OFFSET);
        CHECK_BAD("0xg 1\n", 1, REASON_OFFSET);
        CHECK_BAD("12k 1\n", 1, REASON_OFFSET);
        CHECK_BAD("1 4K\n", 1, REASON_LENGTH);
        CHECK_BAD("1.5 1\n", 1, REASON_OFFSET);
        CHECK_BAD("+1 1\n", 1, REASON_OFFSET);
        /* Too big for 64 bits. */
        CHECK_BAD("18446744073709551616 1\n", 1, REASON_OFFSET);
        CHECK_BAD("1 0x10000000000000000\n", 1, REASON_LENGTH);
        /* Negative numbers, which strtoull() would wrap around. */
        CHECK_BAD("-1 1\n", 1, REASON_OFFSET);
        CHECK_BAD("1 -1\n", 1, REASON_LENGTH);
        CHECK_BAD("0 -0\n", 1, REASON_LENGTH);
        CHECK_BAD("1 2\n3 4\n-4096 4096\n", 3, REASON_OFFSET);
}

static void test_bad_length_and_overflow(void **state) {
        CHECK_BAD("4096 0\n", 1, REASON_LENGTH);
        CHECK_BAD("4096 0x0\n", 1, REASON_LENGTH);
        CHECK_BAD("1 1\n2 00\n", 2, REASON_LENGTH);
        CHECK_BAD("0xffffffffffffffff 1\n", 1, REASON_OVERFLOW);
        CHECK_BAD("1 0xffffffffffffffff\n", 1, REASON_OVERFLOW);
        CHECK_BAD("0x8000000000000000 0x8000000000000000\n", 1, REASON_OVERFLOW);
        CHECK_BAD("# ok so far\r\n5 5\r\n18446744073709551615 18446744073709551615\r\n", 3, REASON_OVERFLOW);
}

static void test_nul_byte(void **state) {
        static const char a[] = "1 2\n3\0 4\n5 6\n";
        static const char b[] = "\0\n";
        static const char c[] = "1 2\n3 4\n# a comment with a \0 in it\n";
        static const char d[] = "1 2\n3 4\0";

        check_bad(a, sizeof(a) - 1, 2, REASON_NUL);
        check_bad(b, sizeof(b) - 1, 1, REASON_NUL);
        check_bad(c, sizeof(c) - 1, 3, REASON_NUL);
        /* A NUL right at the end, no newline after it. */
        check_bad(d, sizeof(d) - 1, 2, REASON_NUL);
}

static void test_read_error(void **state) {
        char buf[16] = {};
        struct range_list l = {};
        const char *reason = "unset";
        unsigned line = 99;
        FILE *f;

        /* A stream that cannot be read: an I/O error, not a bad line. */
        f = fmemopen(buf, sizeof(buf), "w");
        assert_non_null(f);
        assert_int_equal(range_list_read(f, &l, &line, &reason), -EIO);
        fclose(f);
        assert_int_equal(l.n, 0);
        assert_null(l.ranges);
}

static void test_add(void **state) {
        struct range_list l = {};

        for (unsigned i = 0; i < 200; i++)
                assert_int_equal(range_list_add(&l, i, 1000 - i), 0);
        assert_int_equal(l.n, 200);
        assert_true(l.allocated >= 200);
        for (unsigned i = 0; i < 200; i++) {
                assert_int_equal(l.ranges[i].offset, i);
                assert_int_equal(l.ranges[i].length, 1000 - i);
        }
        range_list_done(&l);
        assert_null(l.ranges);
        assert_int_equal(l.n, 0);
        assert_int_equal(l.allocated, 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_empty),
                cmocka_unit_test(test_good_lines),
                cmocka_unit_test(test_order_kept),
                cmocka_unit_test(test_many),
                cmocka_unit_test(test_bad_words),
                cmocka_unit_test(test_bad_numbers),
                cmocka_unit_test(test_bad_length_and_overflow),
                cmocka_unit_test(test_nul_byte),
                cmocka_unit_test(test_read_error),
                cmocka_unit_test(test_add),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
