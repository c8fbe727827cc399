/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
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
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
