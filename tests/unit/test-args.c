/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>
#include <linux/daxmf.h>

#include "args.h"
#include "macro.h"

static char error[256];

/*
 * Run the parser on "daxmfctl" followed by the NULL-terminated args.  getopt
 * wants writable strings (and may permute them), so hand it copies; they
 * live until the next parse, as the result points into them (--ranges,
 * --device, --file, --directory).
 */
static char *argv_copy[32];

static void argv_free(void) {
        for (size_t i = 0; i < ELEMENTSOF(argv_copy); i++) {
                free(argv_copy[i]);
                argv_copy[i] = NULL;
        }
}

static int parse(struct daxmfctl_args *ret, const char *const *args) {
        int argc = 0;

        argv_free();
        argv_copy[argc++] = strdup("daxmfctl");
        for (size_t i = 0; args[i]; i++) {
                assert_true(argc < (int) ELEMENTSOF(argv_copy) - 1);
                argv_copy[argc++] = strdup(args[i]);
        }
        for (int i = 0; i < argc; i++)
                assert_non_null(argv_copy[i]);

        memset(error, 0, sizeof(error));
        return daxmfctl_parse_args(argc, argv_copy, ret, error, sizeof(error));
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

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--pfn", "0x40018", "--pages", "16"), 0);
        assert_int_equal(a.command, DAXMFCTL_FAIL_RANGE);
        assert_false(a.json);
        assert_true(a.range.has_pfn);
        assert_int_equal(a.range.pfn, 0x40018);
        assert_true(a.range.has_pages);
        assert_int_equal(a.range.pages, 16);
        assert_int_equal(a.range.flags, 0);
        assert_int_equal(a.range.cookie, 0);
        assert_int_equal(a.count, 0);
        assert_true(a.yes);
}

static void test_fail_range_equals_syntax(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "--json", "fail-range", "--yes", "--pages=1", "--pfn=262168"), 0);
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
        assert_int_equal(PARSE(&a, "fail-range", "--yes"), 0);
        assert_int_equal(a.command, DAXMFCTL_FAIL_RANGE);
        assert_no_range(&a);
}

static void test_flag_options(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--action-required"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_ACTION_REQUIRED);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--allow-ram"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_ALLOW_RAM);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--per-page"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_PER_PAGE);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--simulated"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_SIMULATED);
        assert_int_equal(a.range.flags, 0x8);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--pfn", "1", "--pages", "2",
                               "--action-required", "--allow-ram", "--per-page"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_ACTION_REQUIRED | DAXMF_FLAG_ALLOW_RAM | DAXMF_FLAG_PER_PAGE);
        assert_int_equal(a.range.flags, 0x7);
        assert_int_equal(a.range.pfn, 1);
        assert_int_equal(a.range.pages, 2);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--pfn", "1", "--pages", "2",
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

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--pfn", "0x40018", "--pages", "16", "--simulated",
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
        assert_int_equal(PARSE(&a, "--simulated", "-j", "fail-range", "--yes", "--pfn", "3"), 0);
        assert_int_equal(a.command, DAXMFCTL_FAIL_RANGE);
        assert_true(a.json);
        assert_int_equal(a.range.flags, DAXMF_FLAG_SIMULATED);
        assert_int_equal(a.range.pfn, 3);
        assert_false(a.range.has_pages);

        /* Given twice is given once; the same bit by --flags is the same request. */
        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--simulated", "--simulated"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_SIMULATED);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--flags", "0x8"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_SIMULATED);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--flags", "0x8", "--simulated"), 0);
        assert_int_equal(a.range.flags, DAXMF_FLAG_SIMULATED);

        /* A switch: it takes no value. */
        assert_parse_fails("'--simulated=1'", "fail-range", "--simulated=1");
        assert_parse_fails("unexpected argument 'yes'", "fail-range", "--simulated", "yes");
}

static void test_raw_flags(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--flags", "0x80"), 0);
        assert_int_equal(a.range.flags, 0x80);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--flags", "0x80", "--action-required"), 0);
        assert_int_equal(a.range.flags, 0x80 | DAXMF_FLAG_ACTION_REQUIRED);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--per-page", "--flags", "0x80", "--allow-ram"), 0);
        assert_int_equal(a.range.flags, 0x80 | DAXMF_FLAG_PER_PAGE | DAXMF_FLAG_ALLOW_RAM);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--simulated", "--flags", "0x10"), 0);
        assert_int_equal(a.range.flags, 0x10 | DAXMF_FLAG_SIMULATED);
        assert_int_equal(a.range.flags, 0x18);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--flags", "1", "--flags", "0x100"), 0);
        assert_int_equal(a.range.flags, 0x101);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--flags", "0xffffffff"), 0);
        assert_int_equal(a.range.flags, UINT32_MAX);
}

static void test_cookie(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--pfn", "1", "--pages", "1", "--cookie", "7"), 0);
        assert_int_equal(a.range.cookie, 7);
        assert_int_equal(a.range.flags, 0);

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--cookie", "0xffffffffffffffff"), 0);
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

        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--pfn", "5", "--pages", "2", "--per-page"), 0);
        assert_int_equal(a.command, DAXMFCTL_FAIL_RANGE);
        assert_false(a.json);
        assert_true(a.range.has_pfn);
        assert_int_equal(a.range.pfn, 5);
        assert_true(a.range.has_pages);
        assert_int_equal(a.range.pages, 2);
        assert_int_equal(a.range.flags, DAXMF_FLAG_PER_PAGE);

        /* Flags do not accumulate from one parse to the next. */
        assert_int_equal(PARSE(&a, "fail-range", "--yes", "--simulated"), 0);
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

static uint64_t realtime_usec(void) {
        struct timespec ts;

        assert_int_equal(clock_gettime(CLOCK_REALTIME, &ts), 0);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void test_fail_range_needs_yes(void **state) {
        struct daxmfctl_args a;

        /* It poisons memory: never by accident. */
        assert_parse_fails("add --yes", "fail-range", "--pfn", "0x40018", "--pages", "16");
        assert_parse_fails("--yes", "--json", "fail-range", "--pfn", "1", "--pages", "1", "--simulated");
        assert_parse_fails("--yes", "fail-range");

        assert_int_equal(PARSE(&a, "--yes", "fail-range", "--pfn", "1", "--pages", "2"), 0);
        assert_int_equal(a.command, DAXMFCTL_FAIL_RANGE);
        assert_true(a.yes);
        assert_int_equal(a.range.pfn, 1);

        assert_int_equal(PARSE(&a, "fail-range", "--pfn", "1", "--pages", "2", "--yes", "--yes"), 0);
        assert_true(a.yes);

        assert_parse_fails("--yes is only for 'fail-range'", "info", "--yes");
        assert_parse_fails("--yes is only for 'fail-range'", "--yes", "status");
        assert_parse_fails("--yes is only for 'fail-range'", "files", "pmem0", "0", "1", "--yes");
        assert_parse_fails("--yes is only for 'fail-range'", "scan", "--yes");
        assert_parse_fails("--yes is only for 'fail-range'", "inventory", "--refresh", "--yes");
        assert_parse_fails("--yes is only for 'fail-range'", "report", "--yes");
        assert_parse_fails("'--yes=1'", "fail-range", "--yes=1");
}

static void test_report(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "report"), 0);
        assert_int_equal(a.command, DAXMFCTL_REPORT);
        assert_int_equal(a.since_usec, 0);
        assert_int_equal(a.until_usec, 0);
        assert_null(a.filter_device);
        assert_null(a.filter_file);
        assert_null(a.journal_directory);
        assert_false(a.json);

        assert_int_equal(PARSE(&a, "--json", "report", "--since", "2026-01-02", "--until", "2026-01-02 03:04:05",
                               "--device", "pmem0", "--file", "/mnt/a file", "--directory", "/var/log/journal"), 0);
        assert_int_equal(a.command, DAXMFCTL_REPORT);
        assert_true(a.json);
        assert_int_equal(a.since_usec, UINT64_C(1767312000) * 1000000);
        assert_int_equal(a.until_usec, UINT64_C(1767323045) * 1000000);
        assert_string_equal(a.filter_device, "pmem0");
        assert_string_equal(a.filter_file, "/mnt/a file");
        assert_string_equal(a.journal_directory, "/var/log/journal");

        assert_int_equal(PARSE(&a, "report", "--since=@100", "--until=2026-01-02T03:04"), 0);
        assert_int_equal(a.since_usec, 100 * 1000000);
        assert_int_equal(a.until_usec, UINT64_C(1767323040) * 1000000);

        /* The same instant twice is a bound, not an error. */
        assert_int_equal(PARSE(&a, "report", "--since", "@100", "--until", "@100"), 0);
        assert_int_equal(a.since_usec, a.until_usec);

        /* Only one side bounded. */
        assert_int_equal(PARSE(&a, "report", "--until", "@5"), 0);
        assert_int_equal(a.since_usec, 0);
        assert_int_equal(a.until_usec, 5 * 1000000);
}

static void test_report_relative_times(void **state) {
        struct daxmfctl_args a;
        uint64_t before, after;

        /* A value that starts with '-' is still --since's value, not an option. */
        before = realtime_usec();
        assert_int_equal(PARSE(&a, "report", "--since", "-1h", "--until", "now"), 0);
        after = realtime_usec();
        assert_in_range(a.since_usec, before - UINT64_C(3600000000), after - UINT64_C(3600000000));
        assert_in_range(a.until_usec, before, after);

        before = realtime_usec();
        assert_int_equal(PARSE(&a, "report", "--since=-30min"), 0);
        after = realtime_usec();
        assert_in_range(a.since_usec, before - 30 * UINT64_C(60000000), after - 30 * UINT64_C(60000000));

        /* TZ is UTC (main): today is the last multiple of a day. */
        before = realtime_usec();
        assert_int_equal(PARSE(&a, "report", "--since", "yesterday", "--until", "today"), 0);
        after = realtime_usec();
        assert_int_equal(a.until_usec % (UINT64_C(86400) * 1000000), 0);
        assert_in_range(a.until_usec, before - UINT64_C(86400) * 1000000, after);
        assert_int_equal(a.until_usec - a.since_usec, UINT64_C(86400) * 1000000);
}

static void test_report_bad_times(void **state) {
        assert_parse_fails("--since: 'later' is not a time", "report", "--since", "later");
        assert_parse_fails("--until: '2026-02-30' is not a time", "report", "--until", "2026-02-30");
        assert_parse_fails("--since: '2026-1-2' is not a time", "report", "--since", "2026-1-2");
        assert_parse_fails("--since: '-1' is not a time", "report", "--since", "-1");
        assert_parse_fails("--until: '' is not a time", "report", "--until", "");
        assert_parse_fails("--since: '1900-01-01' is before 1970", "report", "--since", "1900-01-01");
        assert_parse_fails("--until: '@0' is the epoch itself", "report", "--until", "@0");
        assert_parse_fails("--since: '1970-01-01' is the epoch itself", "report", "--since", "1970-01-01");
        assert_parse_fails("'--since' needs a value", "report", "--since");
        assert_parse_fails("'--until' needs a value", "report", "--until");
        assert_parse_fails("--since is after --until", "report", "--since", "@200", "--until", "@100");
        assert_parse_fails("--since is after --until", "report", "--until", "2026-01-01", "--since", "2026-01-02");
        assert_parse_fails("--since is after --until", "report", "--since", "now", "--until", "-1h");
}

static void test_report_filters(void **state) {
        assert_parse_fails("--device needs a device name", "report", "--device", "");
        assert_parse_fails("--file: 'mnt/f' is not an absolute path", "report", "--file", "mnt/f");
        assert_parse_fails("--file: '' is not an absolute path", "report", "--file", "");
        assert_parse_fails("--directory needs a directory", "report", "--directory", "");
        assert_parse_fails("'--device' needs a value", "report", "--device");
        assert_parse_fails("unexpected argument 'pmem0'", "report", "pmem0");
}

static void test_report_options_only_for_report(void **state) {
        static const char *const commands[] = { "status", "rescan", "info", "monitor", "scan", "inventory" };

        for (size_t i = 0; i < ELEMENTSOF(commands); i++) {
                assert_parse_fails("only for 'report'", commands[i], "--since", "-1h");
                assert_parse_fails("only for 'report'", commands[i], "--until", "now");
                assert_parse_fails("only for 'report'", commands[i], "--device", "pmem0");
                assert_parse_fails("only for 'report'", commands[i], "--file", "/mnt/f");
                assert_parse_fails("only for 'report'", commands[i], "--directory", "/tmp");
        }
        assert_parse_fails("only for 'report'", "files", "pmem0", "0", "1", "--device", "pmem1");
        assert_parse_fails("only for 'report'", "--since", "-1h", "fail-range", "--yes");
        /* Checked as it is read, before the command is known. */
        assert_parse_fails("not an absolute path", "status", "--file", "f");
}

static void test_scan(void **state) {
        struct daxmfctl_args a;
        char longname[300];

        assert_int_equal(PARSE(&a, "scan"), 0);
        assert_int_equal(a.command, DAXMFCTL_SCAN);
        assert_false(a.has_device);
        assert_false(a.json);

        assert_int_equal(PARSE(&a, "scan", "pmem0", "--json"), 0);
        assert_int_equal(a.command, DAXMFCTL_SCAN);
        assert_true(a.has_device);
        assert_string_equal(a.device, "pmem0");
        assert_true(a.json);

        assert_int_equal(PARSE(&a, "-j", "scan", "/dev/pmem1"), 0);
        assert_string_equal(a.device, "/dev/pmem1");

        assert_parse_fails("scan takes at most one DEVICE ('pmem1' is one too many)", "scan", "pmem0", "pmem1");
        assert_parse_fails("scan takes at most one DEVICE", "scan", "a", "b", "c", "d");
        assert_parse_fails("scan: DEVICE is empty", "scan", "");
        memset(longname, 'x', sizeof(longname) - 1);
        longname[sizeof(longname) - 1] = '\0';
        assert_parse_fails("scan: DEVICE is too long", "scan", longname);
        assert_parse_fails("--ranges and --inventory are only for 'files'", "scan", "--inventory");
        assert_parse_fails("--ranges and --inventory are only for 'files'", "scan", "pmem0", "--ranges", "-");
        assert_parse_fails("--refresh is only for 'inventory'", "scan", "--refresh");
        assert_parse_fails("only for 'fail-range'", "scan", "--pfn", "1");
        assert_parse_fails("--count is only for 'monitor'", "scan", "--count", "1");
}

static void test_inventory(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "inventory"), 0);
        assert_int_equal(a.command, DAXMFCTL_INVENTORY);
        assert_false(a.has_device);
        assert_false(a.refresh);

        assert_int_equal(PARSE(&a, "inventory", "--refresh"), 0);
        assert_true(a.refresh);
        assert_false(a.has_device);

        assert_int_equal(PARSE(&a, "--refresh", "--json", "inventory", "namespace0.0"), 0);
        assert_int_equal(a.command, DAXMFCTL_INVENTORY);
        assert_true(a.refresh);
        assert_true(a.json);
        assert_true(a.has_device);
        assert_string_equal(a.device, "namespace0.0");

        assert_int_equal(PARSE(&a, "inventory", "pmem0"), 0);
        assert_false(a.refresh);
        assert_string_equal(a.device, "pmem0");

        assert_parse_fails("inventory takes at most one DEVICE ('pmem1' is one too many)",
                           "inventory", "--refresh", "pmem0", "pmem1");
        assert_parse_fails("inventory: DEVICE is empty", "inventory", "");
        assert_parse_fails("'--refresh=yes'", "inventory", "--refresh=yes");
        assert_parse_fails("--ranges and --inventory are only for 'files'", "inventory", "--inventory");
}

static void test_refresh_only_for_inventory(void **state) {
        assert_parse_fails("--refresh is only for 'inventory'", "status", "--refresh");
        assert_parse_fails("--refresh is only for 'inventory'", "--refresh", "rescan");
        assert_parse_fails("--refresh is only for 'inventory'", "files", "pmem0", "0", "1", "--refresh");
        assert_parse_fails("--refresh is only for 'inventory'", "report", "--refresh");
        assert_parse_fails("--refresh is only for 'inventory'", "fail-range", "--yes", "--refresh");
}

static void test_files_options(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "files", "pmem0", "--ranges", "/tmp/ranges"), 0);
        assert_int_equal(a.command, DAXMFCTL_FILES);
        assert_string_equal(a.device, "pmem0");
        assert_string_equal(a.ranges, "/tmp/ranges");
        assert_false(a.inventory);

        assert_int_equal(PARSE(&a, "files", "--inventory", "--ranges=-", "namespace0.0"), 0);
        assert_string_equal(a.ranges, "-");
        assert_true(a.inventory);
        assert_string_equal(a.device, "namespace0.0");

        assert_int_equal(PARSE(&a, "files", "--inventory", "pmem0", "0", "1"), 0);
        assert_true(a.inventory);
        assert_null(a.ranges);

        assert_parse_fails("files --ranges FILE takes DEVICE alone", "files", "pmem0", "0", "1", "--ranges", "r");
        assert_parse_fails("files --ranges FILE takes DEVICE alone", "files", "--ranges", "r");
        assert_parse_fails("--ranges needs a file name", "files", "pmem0", "--ranges", "");
        assert_parse_fails("--ranges and --inventory are only for 'files'", "status", "--inventory");
        assert_parse_fails("--ranges and --inventory are only for 'files'", "inventory", "--ranges", "r");
}

/* Run daxmfctl_usage_context on "daxmfctl" and the NULL-terminated args. */
static void usage_context(const char *const *args, bool *ret_json, const char **ret_command) {
        char *argv[32];
        int argc = 0;

        argv[argc++] = (char *) "daxmfctl";
        for (size_t i = 0; args[i]; i++)
                argv[argc++] = (char *) args[i];
        argv[argc] = NULL;
        daxmfctl_usage_context(argc, argv, ret_json, ret_command);
}

#define assert_usage_context(json, command, ...)                                                \
        do {                                                                                    \
                const char *_c = (const char *) 0x1;                                            \
                bool _j = !(json);                                                              \
                usage_context((const char *const[]) { __VA_ARGS__, NULL }, &_j, &_c);            \
                assert_int_equal(_j, (json));                                                   \
                if ((command) == NULL)                                                          \
                        assert_null(_c);                                                        \
                else                                                                            \
                        assert_string_equal(_c, (const char *) (command));                       \
        } while (0)

static void test_usage_context(void **state) {
        bool json = true;
        const char *command = "x";

        daxmfctl_usage_context(1, (char *[]) { (char *) "daxmfctl", NULL }, &json, &command);
        assert_false(json);
        assert_null(command);

        assert_usage_context(true, NULL, "--json", "frobnicate");
        assert_usage_context(true, NULL, "--json");
        assert_usage_context(true, "info", "info", "--bogus", "--json");
        assert_usage_context(true, "info", "-jz", "info");
        assert_usage_context(true, "info", "-zj", "info");
        assert_usage_context(true, "scan", "--js", "scan", "a", "b");  /* getopt takes abbreviations */
        assert_usage_context(true, "info", "--json=1", "info");
        assert_usage_context(false, "fail-range", "fail-range", "--pfn", "1");
        assert_usage_context(false, "files", "files", "pmem0", "x", "1");
        /* An option's value is neither the command nor --json. */
        assert_usage_context(false, "report", "--since", "-j", "report", "--bogus");
        assert_usage_context(true, "status", "--device", "files", "status", "-j");
        assert_usage_context(true, "report", "report", "--device=scan", "--json", "extra");
        assert_usage_context(true, "report", "report", "--dev", "scan", "--json");
        /* The first operand is the command, whatever follows. */
        assert_usage_context(true, NULL, "-j", "pmem0", "scan");
        /* After "--" nothing is an option. */
        assert_usage_context(false, "scan", "scan", "--", "-j");
}

static void test_new_fields_reset(void **state) {
        struct daxmfctl_args a;

        assert_int_equal(PARSE(&a, "report", "--since", "@100", "--until", "@200", "--device", "pmem0",
                               "--file", "/f", "--directory", "/d"), 0);
        assert_int_equal(PARSE(&a, "report"), 0);
        assert_int_equal(a.since_usec, 0);
        assert_int_equal(a.until_usec, 0);
        assert_null(a.filter_device);
        assert_null(a.filter_file);
        assert_null(a.journal_directory);

        assert_int_equal(PARSE(&a, "inventory", "--refresh", "pmem0"), 0);
        assert_int_equal(PARSE(&a, "inventory"), 0);
        assert_false(a.refresh);
        assert_false(a.has_device);
        assert_string_equal(a.device, "");

        assert_int_equal(PARSE(&a, "fail-range", "--yes"), 0);
        assert_int_equal(PARSE(&a, "scan"), 0);
        assert_false(a.yes);
        assert_false(a.has_device);
}

int main(void) {
        /* The absolute times below are in UTC. */
        setenv("TZ", "UTC", 1);
        tzset();

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
                cmocka_unit_test(test_fail_range_needs_yes),
                cmocka_unit_test(test_report),
                cmocka_unit_test(test_report_relative_times),
                cmocka_unit_test(test_report_bad_times),
                cmocka_unit_test(test_report_filters),
                cmocka_unit_test(test_report_options_only_for_report),
                cmocka_unit_test(test_scan),
                cmocka_unit_test(test_inventory),
                cmocka_unit_test(test_refresh_only_for_inventory),
                cmocka_unit_test(test_files_options),
                cmocka_unit_test(test_usage_context),
                cmocka_unit_test(test_new_fields_reset),
        };

        int r = cmocka_run_group_tests(tests, NULL, NULL);

        argv_free();
        return r;
}
