/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <cmocka.h>

#include "macro.h"
#include "parse-util.h"

/* A value no test input parses to, to see that failures leave *ret alone. */
#define UNTOUCHED64 UINT64_C(0x5a5a5a5a5a5a5a5a)
#define UNTOUCHED32 UINT32_C(0x5a5a5a5a)

#define assert_u64(s, expected)                                         \
        do {                                                            \
                uint64_t _v = UNTOUCHED64;                              \
                assert_int_equal(parse_u64((s), &_v), 0);               \
                assert_int_equal(_v, (expected));                       \
        } while (0)

#define assert_u64_fails(s, error)                                      \
        do {                                                            \
                uint64_t _v = UNTOUCHED64;                              \
                assert_int_equal(parse_u64((s), &_v), (error));         \
                assert_int_equal(_v, UNTOUCHED64);                      \
        } while (0)

#define assert_u32(s, expected)                                         \
        do {                                                            \
                uint32_t _v = UNTOUCHED32;                              \
                assert_int_equal(parse_u32((s), &_v), 0);               \
                assert_int_equal(_v, (expected));                       \
        } while (0)

#define assert_u32_fails(s, error)                                      \
        do {                                                            \
                uint32_t _v = UNTOUCHED32;                              \
                assert_int_equal(parse_u32((s), &_v), (error));         \
                assert_int_equal(_v, UNTOUCHED32);                      \
        } while (0)

/* Inputs that are not numbers for either parser. */
static const char *const junk[] = {
        "",
        "-1",
        "-0",
        "+1",
        " 1",
        "\t1",
        "1 ",
        "1\n",
        "12abc",
        "1.5",
        "1e3",
        "abc",
        "x10",
        "0x",
        "0X",
        "0x ",
        "0x-1",
        "0x+1",
        "0x 1",
        "0xg",
        "0x1g",
        "0x0x1",
        "0b101",
        "99999999999999999999x",        /* too large and junk: junk wins */
        "0x10000000000000000g",
};

static void test_u64_decimal(void **state) {
        assert_u64("0", 0);
        assert_u64("1", 1);
        assert_u64("16", 16);
        assert_u64("262168", 262168);
        /* A leading zero does not make it octal. */
        assert_u64("010", 10);
        assert_u64("0009", 9);
        assert_u64("4294967296", UINT64_C(4294967296));
        assert_u64("18446744073709551615", UINT64_MAX);
}

static void test_u64_hex(void **state) {
        assert_u64("0x0", 0);
        assert_u64("0x40018", 0x40018);
        assert_u64("0X40018", 0x40018);
        assert_u64("0xff", 255);
        assert_u64("0XFF", 255);
        assert_u64("0xAbC", 0xabc);
        assert_u64("0x010", 16);
        assert_u64("0xffffffffffffffff", UINT64_MAX);
        assert_u64("0XFFFFFFFFFFFFFFFF", UINT64_MAX);
        assert_u64("0x00000000ffffffffffffffff", UINT64_MAX);
}

static void test_u64_too_large(void **state) {
        assert_u64_fails("18446744073709551616", -ERANGE);
        assert_u64_fails("99999999999999999999999", -ERANGE);
        assert_u64_fails("0x10000000000000000", -ERANGE);
        assert_u64_fails("0XFFFFFFFFFFFFFFFFF", -ERANGE);
}

static void test_u64_junk(void **state) {
        assert_u64_fails(NULL, -EINVAL);
        for (size_t i = 0; i < ELEMENTSOF(junk); i++) {
                uint64_t v = UNTOUCHED64;

                if (parse_u64(junk[i], &v) != -EINVAL || v != UNTOUCHED64)
                        fail_msg("parse_u64(\"%s\") was not rejected with -EINVAL", junk[i]);
        }
}

static void test_u32_values(void **state) {
        assert_u32("0", 0);
        assert_u32("7", 7);
        assert_u32("0x80", 0x80);
        assert_u32("0X7", 7);
        assert_u32("4294967295", UINT32_MAX);
        assert_u32("0xffffffff", UINT32_MAX);
}

static void test_u32_too_large(void **state) {
        assert_u32_fails("4294967296", -ERANGE);
        assert_u32_fails("0x100000000", -ERANGE);
        assert_u32_fails("18446744073709551615", -ERANGE);
        assert_u32_fails("18446744073709551616", -ERANGE);
}

static void test_u32_junk(void **state) {
        assert_u32_fails(NULL, -EINVAL);
        for (size_t i = 0; i < ELEMENTSOF(junk); i++) {
                uint32_t v = UNTOUCHED32;

                if (parse_u32(junk[i], &v) != -EINVAL || v != UNTOUCHED32)
                        fail_msg("parse_u32(\"%s\") was not rejected with -EINVAL", junk[i]);
        }
}

static void test_errno_name(void **state) {
        assert_string_equal(errno_name(22), "EINVAL");
        assert_string_equal(errno_name(-22), "EINVAL");
        assert_string_equal(errno_name(EINVAL), "EINVAL");
        assert_string_equal(errno_name(-ENXIO), "ENXIO");
        assert_string_equal(errno_name(-ESHUTDOWN), "ESHUTDOWN");
        assert_string_equal(errno_name(EHWPOISON), "EHWPOISON");
        assert_null(errno_name(100000));
        assert_null(errno_name(-100000));
        assert_null(errno_name(INT_MIN));
}

#define USEC UINT64_C(1000000)
/* 2026-01-02 03:04:05 UTC: what "now" is in the timestamp tests. */
#define NOW (UINT64_C(1767323045) * USEC + 123456)

#define assert_time(s, now, expected)                                   \
        do {                                                            \
                uint64_t _v = UNTOUCHED64;                              \
                int _r = parse_timestamp((s), (now), &_v);              \
                if (_r != 0 || _v != (uint64_t) (expected))             \
                        fail_msg("parse_timestamp(\"%s\"): %d, %" PRIu64 ", expected %" PRIu64, \
                                 (s), _r, _v, (uint64_t) (expected));   \
        } while (0)

#define assert_time_fails(s, error)                                     \
        do {                                                            \
                uint64_t _v = UNTOUCHED64;                              \
                int _r = parse_timestamp((s), NOW, &_v);                \
                if (_r != (error) || _v != UNTOUCHED64)                 \
                        fail_msg("parse_timestamp(\"%s\"): %d, expected %d with nothing written", \
                                 (s), _r, (error));                     \
        } while (0)

static void set_tz(const char *tz) {
        assert_int_equal(setenv("TZ", tz, 1), 0);
        tzset();
}

static void test_timestamp_absolute(void **state) {
        set_tz("UTC");
        assert_time("2026-01-02 03:04:05", NOW, UINT64_C(1767323045) * USEC);
        assert_time("2026-01-02T03:04:05", NOW, UINT64_C(1767323045) * USEC);
        assert_time("2026-01-02T03:04", NOW, UINT64_C(1767323040) * USEC);
        assert_time("2026-01-02 03:04", NOW, UINT64_C(1767323040) * USEC);
        assert_time("2026-01-02", NOW, UINT64_C(1767312000) * USEC);
        assert_time("2024-02-29", NOW, UINT64_C(1709164800) * USEC);         /* a leap day */
        assert_time("2026-12-31 23:59:59", NOW, UINT64_C(1798761599) * USEC);
        assert_time("1970-01-01", NOW, 0);
        /* "now" does not matter for an absolute time. */
        assert_time("2026-01-02", 0, UINT64_C(1767312000) * USEC);
}

static void test_timestamp_local_time(void **state) {
        /* A fixed zone two hours east (POSIX TZ, no tzdata needed): local 03:04 is 01:04 UTC. */
        set_tz("EET-2");
        assert_time("2026-01-02 03:04:05", NOW, (UINT64_C(1767323045) - 7200) * USEC);
        assert_time("2026-01-02", NOW, (UINT64_C(1767312000) - 7200) * USEC);
        /* Local midnight of NOW (05:04 local on 2026-01-02). */
        assert_time("today", NOW, (UINT64_C(1767312000) - 7200) * USEC);
        set_tz("UTC");
}

static void test_timestamp_words(void **state) {
        set_tz("UTC");
        assert_time("now", NOW, NOW);
        assert_time("today", NOW, UINT64_C(1767312000) * USEC);
        assert_time("yesterday", NOW, (UINT64_C(1767312000) - 86400) * USEC);
        assert_time("tomorrow", NOW, (UINT64_C(1767312000) + 86400) * USEC);
        /* Across a month end, and at midnight itself. */
        assert_time("yesterday", UINT64_C(1772323200) * USEC + 1, UINT64_C(1772236800) * USEC);
        assert_time("today", UINT64_C(1767312000) * USEC, UINT64_C(1767312000) * USEC);
}

static void test_timestamp_epoch(void **state) {
        assert_time("@0", NOW, 0);
        assert_time("@1767323045", NOW, UINT64_C(1767323045) * USEC);
        assert_time("@18446744073709", NOW, UINT64_C(18446744073709) * USEC);
        assert_time_fails("@18446744073710", -ERANGE);
        assert_time_fails("@18446744073709551616", -ERANGE);
        assert_time_fails("@", -EINVAL);
        assert_time_fails("@-1", -EINVAL);
        assert_time_fails("@+1", -EINVAL);
        assert_time_fails("@0x10", -EINVAL);
        assert_time_fails("@1.5", -EINVAL);
        assert_time_fails("@ 1", -EINVAL);
        assert_time_fails("@1 ", -EINVAL);
}

static void test_timestamp_relative(void **state) {
        assert_time("-1h", NOW, NOW - 3600 * USEC);
        assert_time("-30min", NOW, NOW - 1800 * USEC);
        assert_time("-30m", NOW, NOW - 1800 * USEC);
        assert_time("-5s", NOW, NOW - 5 * USEC);
        assert_time("-5sec", NOW, NOW - 5 * USEC);
        assert_time("-2d", NOW, NOW - 2 * 86400 * USEC);
        assert_time("-1w", NOW, NOW - 7 * 86400 * USEC);
        assert_time("+1hour", NOW, NOW + 3600 * USEC);
        assert_time("+1day", NOW, NOW + 86400 * USEC);
        assert_time("-0s", NOW, NOW);
}

/* Before the epoch, or past 2^64 microseconds. */
static void test_timestamp_relative_range(void **state) {
        uint64_t v = UNTOUCHED64;

        assert_int_equal(parse_timestamp("-1h", 3599 * USEC, &v), -ERANGE);
        assert_int_equal(v, UNTOUCHED64);
        assert_int_equal(parse_timestamp("-1h", 3600 * USEC, &v), 0);
        assert_int_equal(v, 0);
        v = UNTOUCHED64;
        assert_int_equal(parse_timestamp("+1s", UINT64_MAX, &v), -ERANGE);
        assert_int_equal(v, UNTOUCHED64);
        assert_time_fails("-99999999999999999999h", -ERANGE);
        assert_time_fails("-18446744073709552w", -ERANGE);
}

static void test_timestamp_bad(void **state) {
        static const char *const bad[] = {
                "",
                "later",
                "Today",
                "today ",
                "-1",                   /* no unit */
                "-h",
                "-1x",
                "-1 h",
                "- 1h",
                "--1h",
                "-1h ",
                "1h",                   /* no sign */
                "-99999999999999999999x",       /* junk wins over size */
                "2026-13-01",           /* month 13 */
                "2026-00-10",
                "2026-01-00",
                "2026-02-29",           /* not a leap year */
                "2026-02-30",           /* mktime() would make it March 2 */
                "2026-04-31",
                "2026-01-32",
                "2026-01-02 24:00",
                "2026-01-02 03:60",
                "2026-01-02 03:04:60",
                "2026-01-02 03:04:61",
                "2026-1-2",             /* every field its full width */
                "26-01-02",
                "02026-01-02",
                " 2026-01-02",          /* strptime() would skip the blank */
                "2026- 1-02",
                "2026-01-02 ",
                "2026-01-02T",
                "2026-01-02  03:04",
                "2026-01-02 03",
                "2026-01-02 3:04",
                "2026-01-02 03:4",
                "2026-01-02 03:04:5",
                "2026-01-02 03:04:05:06",
                "2026-01-02 03:04:05Z",
                "2026-01-02x",
                "2026/01/02",
                "20260102",
        };

        set_tz("UTC");
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint64_t v = UNTOUCHED64;
                int r = parse_timestamp(bad[i], NOW, &v);

                if (r != -EINVAL || v != UNTOUCHED64)
                        fail_msg("parse_timestamp(\"%s\") = %d, not -EINVAL with nothing written", bad[i], r);
        }
        assert_int_equal(parse_timestamp(NULL, NOW, &(uint64_t) { 0 }), -EINVAL);
        /* Before the epoch is out of range, not junk. */
        assert_time_fails("1969-12-31 23:59:59", -ERANGE);
        assert_time_fails("1900-01-01", -ERANGE);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_u64_decimal),
                cmocka_unit_test(test_u64_hex),
                cmocka_unit_test(test_u64_too_large),
                cmocka_unit_test(test_u64_junk),
                cmocka_unit_test(test_u32_values),
                cmocka_unit_test(test_u32_too_large),
                cmocka_unit_test(test_u32_junk),
                cmocka_unit_test(test_errno_name),
                cmocka_unit_test(test_timestamp_absolute),
                cmocka_unit_test(test_timestamp_local_time),
                cmocka_unit_test(test_timestamp_words),
                cmocka_unit_test(test_timestamp_epoch),
                cmocka_unit_test(test_timestamp_relative),
                cmocka_unit_test(test_timestamp_relative_range),
                cmocka_unit_test(test_timestamp_bad),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
