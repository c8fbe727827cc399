/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/daxmf.h>

#include "args.h"
#include "macro.h"

static char error[256];

/*
 * Run the parser on "daxmfctl" followed by the NULL-terminated args.  getopt
 * wants writable strings (and may permute them), so hand it copies.
 */
static int parse(struct daxmfctl_args *ret, const char *const *args) {
        char *argv[32];
        int argc = 0, r;

        argv[argc++] = strdup("daxmfctl");
        for (size_t i = 0; args[i]; i++) {
                assert_true(argc < (int) ELEMENTSOF(argv) - 1);
                argv[argc++] = strdup(args[i]);
        }
        argv[argc] = NULL;
        for (int i = 0; i < argc; i++)
                assert_non_null(argv[i]);

        memset(error, 0, sizeof(error));
        r = daxmfctl_parse_args(argc, argv, ret, error, sizeof(error));

        for (int i = 0; i < argc; i++)
                free(argv[i]);
        return r;
}

#define PARSE(ret, ...) parse((ret), (const char *const[]) { __VA_ARGS__, NULL })

/* The parse must fail with -EINVAL and a message containing each needle. */
#define assert_parse_fails(needle, ...)                                         \
        do {                                                                    \
                struct daxmfctl_args _a;                                        \
                assert_int_equal(PARSE(&_a, __VA_ARGS__), -EINVAL);             \
                if (!strstr(error, (needle)))                                   \
                        fail_msg("error \"%s\" does not mention \"%s\"", error, (needle)); \
        } while (0)

static void assert_no_range(const struct daxmfctl_args *a) {
        assert_false(a->range.has_pfn);
        assert_int_equal(a->range.pfn, 0);
        assert_false(a->range.has_pages);
        assert_int_equal(a->range.pages, 0);
        assert_int_equal(a->range.flags, 0);
        assert_int_equal(a->range.cookie, 0);
}

static void test_info(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "info"), 0);
        assert_int_equal(a.command, DAXMFCTL_INFO);
        assert_false(a.json);
        assert_no_range(&a);
        assert_int_equal(a.count, 0);
}

static void test_json_before_and_after_command(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "--json", "info"), 0);
        assert_int_equal(a.command, DAXMFCTL_INFO);
        assert_true(a.json);

        assert_int_equal(PARSE(&a, "info", "--json"), 0);
        assert_int_equal(a.command, DAXMFCTL_INFO);
        assert_true(a.json);

        assert_int_equal(PARSE(&a, "-j", "info"), 0);
        assert_int_equal(a.command, DAXMFCTL_INFO);
        assert_true(a.json);
}

static void test_fail_range(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "fail-range", "--pfn", "0x40018", "--pages", "16"), 0);
        assert_int_equal(a.command, DAXMFCTL_FAIL_RANGE);
        assert_false(a.json);
        assert_true(a.range.has_pfn);
        assert_int_equal(a.range.pfn, 0x40018);
        assert_true(a.range.has_pages);
        assert_int_equal(a.range.pages, 16);
        assert_int_equal(a.range.flags, 0);
        assert_int_equal(a.range.cookie, 0);
        assert_int_equal(a.count, 0);
}

static void test_fail_range_equals_syntax(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "--json", "fail-range", "--pages=1", "--pfn=262168"), 0);
        assert_int_equal(a.command, DAXMFCTL_FAIL_RANGE);
        assert_true(a.json);
        assert_true(a.range.has_pfn);
        assert_int_equal(a.range.pfn, 262168);
        assert_true(a.range.has_pages);
        assert_int_equal(a.range.pages, 1);
}

static void test_fail_range_without_range(void **state) {
        struct daxmfctl_args a;

        /* Whether pfn and pages are needed is the module's call, not the parser's. */
        assert_int_equal(PARSE(&a, "fail-range"), 0);
        assert_int_equal(a.command, DAXMFCTL_FAIL_RANGE);
        assert_no_range(&a);
}

static void test_flag_options(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "fail-range", "--action-required"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_ACTION_REQUIRED);

        assert_int_equal(PARSE(&a, "fail-range", "--allow-ram"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_ALLOW_RAM);

        assert_int_equal(PARSE(&a, "fail-range", "--per-page"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_PER_PAGE);

        assert_int_equal(PARSE(&a, "fail-range", "--simulated"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_SIMULATED);
        assert_int_equal(a.range.flags, 0x8);

        assert_int_equal(PARSE(&a, "fail-range", "--pfn", "1", "--pages", "2",
                               "--action-required", "--allow-ram", "--per-page"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_ACTION_REQUIRED | DAXMF_FLAG_ALLOW_RAM | DAXMF_FLAG_PER_PAGE);
        assert_int_equal(a.range.flags, 0x7);
        assert_int_equal(a.range.pfn, 1);
        assert_int_equal(a.range.pages, 2);

        assert_int_equal(PARSE(&a, "fail-range", "--pfn", "1", "--pages", "2",
                               "--action-required", "--allow-ram", "--per-page", "--simulated", "--removal"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_ACTION_REQUIRED | DAXMF_FLAG_ALLOW_RAM |
                                        DAXMF_FLAG_PER_PAGE | DAXMF_FLAG_SIMULATED | DAXMF_FLAG_REMOVAL);
        assert_int_equal(a.range.flags, DAXMF_FLAGS_ALL);
        assert_int_equal(a.range.flags, 0x1f);
        assert_int_equal(a.range.pfn, 1);
        assert_int_equal(a.range.pages, 2);
}

static void test_simulated(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "fail-range", "--pfn", "0x40018", "--pages", "16", "--simulated",
                               "--allow-ram", "--cookie", "5"), 0);
        assert_int_equal(a.command, DAXMFCTL_FAIL_RANGE);
        assert_false(a.json);
        assert_true(a.range.has_pfn);
        assert_int_equal(a.range.pfn, 0x40018);
        assert_true(a.range.has_pages);
        assert_int_equal(a.range.pages, 16);
        assert_int_equal(a.range.flags, DAXMF_FLAG_SIMULATED | DAXMF_FLAG_ALLOW_RAM);
        assert_int_equal(a.range.cookie, 5);
        assert_int_equal(a.count, 0);

        /* Before the command, with --json on either side. */
        assert_int_equal(PARSE(&a, "--simulated", "-j", "fail-range", "--pfn", "3"), 0);
        assert_int_equal(a.command, DAXMFCTL_FAIL_RANGE);
        assert_true(a.json);
        assert_int_equal(a.range.flags, DAXMF_FLAG_SIMULATED);
        assert_int_equal(a.range.pfn, 3);
        assert_false(a.range.has_pages);

        /* Given twice is given once; the same bit by --flags is the same request. */
        assert_int_equal(PARSE(&a, "fail-range", "--simulated", "--simulated"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_SIMULATED);

        assert_int_equal(PARSE(&a, "fail-range", "--flags", "0x8"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_SIMULATED);

        assert_int_equal(PARSE(&a, "fail-range", "--flags", "0x8", "--simulated"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_SIMULATED);

        /* A switch: it takes no value. */
        assert_parse_fails("'--simulated=1'", "fail-range", "--simulated=1");
        assert_parse_fails("unexpected argument 'yes'", "fail-range", "--simulated", "yes");
}

static void test_raw_flags(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "fail-range", "--flags", "0x80"), 0);
        assert_int_equal(a.range.flags, 0x80);

        assert_int_equal(PARSE(&a, "fail-range", "--flags", "0x80", "--action-required"), 0);
        assert_int_equal(a.range.flags, 0x80 | DAXMF_FLAG_ACTION_REQUIRED);

        assert_int_equal(PARSE(&a, "fail-range", "--per-page", "--flags", "0x80", "--allow-ram"), 0);
        assert_int_equal(a.range.flags, 0x80 | DAXMF_FLAG_PER_PAGE | DAXMF_FLAG_ALLOW_RAM);

        assert_int_equal(PARSE(&a, "fail-range", "--simulated", "--flags", "0x10"), 0);
        assert_int_equal(a.range.flags, 0x10 | DAXMF_FLAG_SIMULATED);
        assert_int_equal(a.range.flags, 0x18);

        assert_int_equal(PARSE(&a, "fail-range", "--flags", "1", "--flags", "0x100"), 0);
        assert_int_equal(a.range.flags, 0x101);

        assert_int_equal(PARSE(&a, "fail-range", "--flags", "0xffffffff"), 0);
        assert_int_equal(a.range.flags, UINT32_MAX);
}

static void test_cookie(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "fail-range", "--pfn", "1", "--pages", "1", "--cookie", "7"), 0);
        assert_int_equal(a.range.cookie, 7);
        assert_int_equal(a.range.flags, 0);

        assert_int_equal(PARSE(&a, "fail-range", "--cookie", "0xffffffffffffffff"), 0);
        assert_int_equal(a.range.cookie, UINT64_MAX);
}

static void test_monitor(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "monitor", "--count", "3"), 0);
        assert_int_equal(a.command, DAXMFCTL_MONITOR);
        assert_int_equal(a.count, 3);
        assert_false(a.json);
        assert_no_range(&a);

        assert_int_equal(PARSE(&a, "--json", "monitor"), 0);
        assert_int_equal(a.command, DAXMFCTL_MONITOR);
        assert_int_equal(a.count, 0);
        assert_true(a.json);
}

static void test_help_and_version(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "-h"), 0);
        assert_int_equal(a.command, DAXMFCTL_HELP);

        assert_int_equal(PARSE(&a, "--help"), 0);
        assert_int_equal(a.command, DAXMFCTL_HELP);

        assert_int_equal(PARSE(&a, "info", "-h"), 0);
        assert_int_equal(a.command, DAXMFCTL_HELP);

        assert_int_equal(PARSE(&a, "help"), 0);
        assert_int_equal(a.command, DAXMFCTL_HELP);

        assert_int_equal(PARSE(&a, "version"), 0);
        assert_int_equal(a.command, DAXMFCTL_VERSION);
}

static void test_no_command(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(parse(&a, (const char *const[]) { NULL }), -EINVAL);
        assert_non_null(strstr(error, "no command"));

        assert_parse_fails("no command", "--json");
}

static void test_unknown_command(void **state) {
        assert_parse_fails("unknown command 'frobnicate'", "frobnicate");
        assert_parse_fails("unknown command 'fail_range'", "--json", "fail_range", "--pfn", "1");
}

static void test_unknown_option(void **state) {
        assert_parse_fails("unknown option '--bogus'", "info", "--bogus");
        assert_parse_fails("unknown option '--bogus'", "--bogus", "info");
        assert_parse_fails("unknown option '-x'", "-x", "info");
        assert_parse_fails("'--json=1'", "--json=1", "info");
}

static void test_unknown_short_option_in_cluster(void **state) {
        /*
         * getopt leaves optind on "-pfn" while it walks the cluster, so the
         * message must not name the argument before it.
         */
        assert_parse_fails("'-p", "fail-range", "-pfn", "5");
        assert_parse_fails("'-p", "-pfn", "5", "fail-range");
        assert_parse_fails("'-x", "info", "-xj");
}

static void test_option_without_value(void **state) {
        assert_parse_fails("'--pages' needs a value", "fail-range", "--pages");
        assert_parse_fails("'--pfn' needs a value", "fail-range", "--pages", "1", "--pfn");
        assert_parse_fails("'--count' needs a value", "monitor", "--count");
}

static void test_malformed_number(void **state) {
        assert_parse_fails("not a number", "fail-range", "--pfn", "12abc", "--pages", "1");
        assert_parse_fails("'12abc'", "fail-range", "--pfn", "12abc", "--pages", "1");
        assert_parse_fails("--pfn", "fail-range", "--pfn", "12abc", "--pages", "1");
        assert_parse_fails("not a number", "fail-range", "--pages", "-1");
        assert_parse_fails("not a number", "fail-range", "--pages", "");
        assert_parse_fails("not a number", "fail-range", "--cookie", "0x");
        assert_parse_fails("not a number", "fail-range", "--flags", "ram");
        assert_parse_fails("not a number", "monitor", "--count", " 3");
}

static void test_number_too_large(void **state) {
        assert_parse_fails("2^64", "fail-range", "--pfn", "1", "--pages", "18446744073709551616");
        assert_parse_fails("--pages", "fail-range", "--pfn", "1", "--pages", "18446744073709551616");
        assert_parse_fails("2^64", "fail-range", "--pfn", "0x10000000000000000", "--pages", "1");
        assert_parse_fails("2^64", "fail-range", "--flags", "18446744073709551616");
}

static void test_flags_wider_than_32_bits(void **state) {
        assert_parse_fails("32 bits", "fail-range", "--flags", "0x100000000");
        assert_parse_fails("'0x100000000'", "fail-range", "--flags", "0x100000000");
        assert_parse_fails("32 bits", "fail-range", "--flags", "18446744073709551615");
}

static void test_daemon_commands(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "status"), 0);
        assert_int_equal(a.command, DAXMFCTL_STATUS);
        assert_false(a.json);
        assert_no_range(&a);

        assert_int_equal(PARSE(&a, "rescan", "--json"), 0);
        assert_int_equal(a.command, DAXMFCTL_RESCAN);
        assert_true(a.json);
        assert_no_range(&a);

        assert_parse_fails("only for 'fail-range'", "status", "--pfn", "1");
        assert_parse_fails("only for 'fail-range'", "rescan", "--removal");
        assert_parse_fails("--count is only for 'monitor'", "status", "--count", "1");
        assert_parse_fails("unexpected argument", "rescan", "pmem0");
}

static void test_files(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "files", "pmem0", "0x1000", "4096"), 0);
        assert_int_equal(a.command, DAXMFCTL_FILES);
        assert_string_equal(a.device, "pmem0");
        assert_int_equal(a.offset, 0x1000);
        assert_int_equal(a.length, 4096);
        assert_no_range(&a);

        assert_int_equal(PARSE(&a, "--json", "files", "/dev/pmem0", "0", "1"), 0);
        assert_true(a.json);
        assert_string_equal(a.device, "/dev/pmem0");

        assert_parse_fails("files needs DEVICE OFFSET LENGTH", "files");
        assert_parse_fails("files needs DEVICE OFFSET LENGTH", "files", "pmem0", "0");
        assert_parse_fails("unexpected argument '9'", "files", "pmem0", "0", "1", "9");
        assert_parse_fails("OFFSET 'x' is not a number", "files", "pmem0", "x", "1");
        assert_parse_fails("LENGTH '0' is not a number above 0", "files", "pmem0", "0", "0");
        assert_parse_fails("OFFSET + LENGTH overflows", "files", "pmem0", "0xffffffffffffffff", "2");
        assert_parse_fails("unexpected argument 'pmem0'", "status", "pmem0");
}

static void test_range_options_outside_fail_range(void **state) {
        assert_parse_fails("only for 'fail-range'", "info", "--pfn", "1");
        assert_parse_fails("only for 'fail-range'", "info", "--pages", "1");
        assert_parse_fails("only for 'fail-range'", "info", "--action-required");
        assert_parse_fails("only for 'fail-range'", "info", "--allow-ram");
        assert_parse_fails("only for 'fail-range'", "info", "--per-page");
        assert_parse_fails("only for 'fail-range'", "info", "--simulated");
        assert_parse_fails("only for 'fail-range'", "--simulated", "info");
        assert_parse_fails("only for 'fail-range'", "monitor", "--simulated");
        assert_parse_fails("only for 'fail-range'", "-j", "monitor", "--count", "1", "--simulated");
        assert_parse_fails("only for 'fail-range'", "version", "--simulated");
        assert_parse_fails("only for 'fail-range'", "help", "--simulated");
        assert_parse_fails("only for 'fail-range'", "info", "--flags", "0x1");
        assert_parse_fails("only for 'fail-range'", "info", "--cookie", "7");
        assert_parse_fails("only for 'fail-range'", "monitor", "--pfn", "0x40018", "--pages", "16");
        assert_parse_fails("only for 'fail-range'", "version", "--pfn", "0");
}

static void test_range_options_with_zero_outside_fail_range(void **state) {
        /* Given is given, whatever the value. */
        assert_parse_fails("only for 'fail-range'", "info", "--flags", "0");
        assert_parse_fails("only for 'fail-range'", "info", "--cookie", "0");
        assert_parse_fails("only for 'fail-range'", "monitor", "--flags", "0x0");
}

static void test_count_outside_monitor(void **state) {
        assert_parse_fails("--count is only for 'monitor'", "fail-range", "--pfn", "1", "--pages", "1", "--count", "3");
        assert_parse_fails("--count is only for 'monitor'", "info", "--count", "1");
        assert_parse_fails("--count is only for 'monitor'", "info", "--count", "0");
}

static void test_second_positional(void **state) {
        assert_parse_fails("unexpected argument 'extra'", "info", "extra");
        assert_parse_fails("unexpected argument 'info'", "fail-range", "--pfn", "1", "info");
        assert_parse_fails("unexpected argument 'monitor'", "--json", "monitor", "--count", "1", "monitor");
}

static void test_parse_twice(void **state) {
        struct daxmfctl_args a;

        /* Leave getopt in the middle of an argv, and in the middle of a cluster. */
        assert_int_equal(PARSE(&a, "fail-range", "--pfn", "12abc", "--pages", "3"), -EINVAL);
        assert_int_equal(PARSE(&a, "-jz", "info"), -EINVAL);
        assert_int_equal(PARSE(&a, "-zj", "info"), -EINVAL);

        assert_int_equal(PARSE(&a, "fail-range", "--pfn", "5", "--pages", "2", "--per-page"), 0);
        assert_int_equal(a.command, DAXMFCTL_FAIL_RANGE);
        assert_false(a.json);
        assert_true(a.range.has_pfn);
        assert_int_equal(a.range.pfn, 5);
        assert_true(a.range.has_pages);
        assert_int_equal(a.range.pages, 2);
        assert_int_equal(a.range.flags, DAXMF_FLAG_PER_PAGE);

        /* Flags do not accumulate from one parse to the next. */
        assert_int_equal(PARSE(&a, "fail-range", "--simulated"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_SIMULATED);
        assert_false(a.range.has_pfn);
        assert_false(a.range.has_pages);

        /* A fresh result: nothing carried over from the parse before. */
        assert_int_equal(PARSE(&a, "-j", "monitor", "--count", "9"), 0);
        assert_int_equal(a.command, DAXMFCTL_MONITOR);
        assert_true(a.json);
        assert_int_equal(a.count, 9);
        assert_no_range(&a);

        assert_int_equal(PARSE(&a, "info"), 0);
        assert_int_equal(a.command, DAXMFCTL_INFO);
        assert_false(a.json);
        assert_int_equal(a.count, 0);
        assert_no_range(&a);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_info),
                cmocka_unit_test(test_json_before_and_after_command),
                cmocka_unit_test(test_fail_range),
                cmocka_unit_test(test_fail_range_equals_syntax),
                cmocka_unit_test(test_fail_range_without_range),
                cmocka_unit_test(test_flag_options),
                cmocka_unit_test(test_simulated),
                cmocka_unit_test(test_raw_flags),
                cmocka_unit_test(test_cookie),
                cmocka_unit_test(test_monitor),
                cmocka_unit_test(test_help_and_version),
                cmocka_unit_test(test_no_command),
                cmocka_unit_test(test_unknown_command),
                cmocka_unit_test(test_unknown_option),
                cmocka_unit_test(test_unknown_short_option_in_cluster),
                cmocka_unit_test(test_option_without_value),
                cmocka_unit_test(test_malformed_number),
                cmocka_unit_test(test_number_too_large),
                cmocka_unit_test(test_flags_wider_than_32_bits),
                cmocka_unit_test(test_daemon_commands),
                cmocka_unit_test(test_files),
                cmocka_unit_test(test_range_options_outside_fail_range),
                cmocka_unit_test(test_range_options_with_zero_outside_fail_range),
                cmocka_unit_test(test_count_outside_monitor),
                cmocka_unit_test(test_second_positional),
                cmocka_unit_test(test_parse_twice),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
