/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "state.h"

static int read_string(const char *text, struct daxmf_state *st, unsigned *line) {
        FILE *f = fmemopen((void *) text, strlen(text), "r");
        int r;

        assert_non_null(f);
        r = daxmf_state_read(f, st, line);
        fclose(f);
        return r;
}

static void assert_ranges(const struct daxmf_rangeset *s, size_t n, const uint64_t *pairs) {
        assert_int_equal(s->n, n);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(s->ranges[i].start, pairs[2 * i]);
                assert_int_equal(s->ranges[i].end, pairs[2 * i + 1]);
        }
}

static void test_round_trip(void **state) {
        struct daxmf_rangeset pending = {}, completed = {};
        const struct daxmf_batch in_flight[] = {
                { .cookie = 0x5eed000000000007, .start = 0x40200, .pages = 0x200 },
                { .cookie = 8, .start = 0x60000, .pages = 1 },
        };
        struct daxmf_state st = {};
        char *text = NULL;
        size_t size = 0;
        FILE *f;

        assert_int_equal(rangeset_add(&pending, 0x40000, 0x40200), 0);
        assert_int_equal(rangeset_add(&pending, 0x50000, 0x50001), 0);
        assert_int_equal(rangeset_add(&completed, 0x41000, 0x41010), 0);
        assert_int_equal(rangeset_add(&completed, UINT64_MAX - 2, UINT64_MAX), 0);

        f = open_memstream(&text, &size);
        assert_int_equal(daxmf_state_write(f, "0123456789abcdef0123456789abcdef", &pending, in_flight, 2,
                                           &completed), 0);
        fclose(f);
        assert_string_equal(text,
                "# daxmfd state 1\n"
                "boot 0123456789abcdef0123456789abcdef\n"
                "pending 0x40000 0x40200\n"
                "pending 0x50000 0x50001\n"
                "in-flight 0x5eed000000000007 0x40200 0x40400\n"
                "in-flight 0x8 0x60000 0x60001\n"
                "completed 0x41000 0x41010\n"
                "completed 0xfffffffffffffffd 0xffffffffffffffff\n");

        /* Batches in flight keep their cookies, apart from pending pages. */
        assert_int_equal(read_string(text, &st, NULL), 0);
        assert_string_equal(st.boot_id, "0123456789abcdef0123456789abcdef");
        assert_ranges(&st.pending, 2, (const uint64_t[]) { 0x40000, 0x40200, 0x50000, 0x50001 });
        assert_ranges(&st.completed, 2, (const uint64_t[]) { 0x41000, 0x41010, UINT64_MAX - 2, UINT64_MAX });
        assert_int_equal(st.n_in_flight, 2);
        assert_int_equal(st.in_flight[0].cookie, 0x5eed000000000007);
        assert_int_equal(st.in_flight[0].start, 0x40200);
        assert_int_equal(st.in_flight[0].pages, 0x200);
        assert_int_equal(st.in_flight[1].cookie, 8);
        assert_int_equal(st.in_flight[1].pages, 1);

        free(text);
        rangeset_done(&pending);
        rangeset_done(&completed);
        daxmf_state_done(&st);
}

static void test_completed_wins(void **state) {
        struct daxmf_state st = {};

        assert_int_equal(read_string("# daxmfd state 1\npending 10 20\ncompleted 15 30\n", &st, NULL), 0);
        assert_string_equal(st.boot_id, "");
        assert_ranges(&st.pending, 1, (const uint64_t[]) { 10, 15 });
        assert_ranges(&st.completed, 1, (const uint64_t[]) { 15, 30 });
        assert_int_equal(st.n_in_flight, 0);
        daxmf_state_done(&st);
}

static void test_bad_files(void **state) {
        static const struct {
                const char *text;
                unsigned line;
        } cases[] = {
                { "", 0 },
                { "pending 1 2\n", 1 },
                { "# daxmfd state 2\n", 1 },
                { "# daxmfd state 1\npending 1\n", 2 },
                { "# daxmfd state 1\npending 1 2 3\n", 2 },
                { "# daxmfd state 1\npending 2 2\n", 2 },
                { "# daxmfd state 1\npending 3 2\n", 2 },
                { "# daxmfd state 1\npending -1 2\n", 2 },
                { "# daxmfd state 1\npending 0x 2\n", 2 },
                { "# daxmfd state 1\nfailed 1 2\n", 2 },
                { "# daxmfd state 1\ncompleted 1 2\n\n", 3 },
                { "# daxmfd state 1\ncompleted 1 99999999999999999999\n", 2 },
                { "# daxmfd state 1\nin-flight 1 2\n", 2 },
                { "# daxmfd state 1\nin-flight 1 2 3 4\n", 2 },
                { "# daxmfd state 1\nin-flight x 2 3\n", 2 },
                { "# daxmfd state 1\nin-flight 1 3 3\n", 2 },
                { "# daxmfd state 1\nboot 0123\n", 2 },
                { "# daxmfd state 1\nboot 0123456789ABCDEF0123456789abcdef\n", 2 },
                { "# daxmfd state 1\nboot\n", 2 },
                { "# daxmfd state 1\n \n", 2 },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct daxmf_state st = {};
                unsigned line = 12345;

                assert_int_equal(rangeset_add(&st.pending, 7, 8), 0);
                if (read_string(cases[i].text, &st, &line) != -EBADMSG || line != cases[i].line)
                        fail_msg("case %zu: not rejected at line %u (got line %u)", i, cases[i].line, line);
                /* The caller's state is untouched on failure. */
                assert_int_equal(st.pending.n, 1);
                assert_int_equal(st.completed.n, 0);
                assert_int_equal(st.n_in_flight, 0);
                daxmf_state_done(&st);
        }
}

static void test_save_and_load(void **state) {
        char dir[] = "/tmp/daxmf-state-XXXXXX", path[96];
        struct daxmf_rangeset pending = {}, completed = {};
        const struct daxmf_batch b = { .cookie = 3, .start = 250, .pages = 10 };
        struct daxmf_state st = {};
        unsigned line = 0;
        int dfd;
        FILE *f;

        assert_non_null(mkdtemp(dir));
        dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(dfd >= 0);

        assert_int_equal(daxmf_state_load(dfd, "ranges", &st, &line), -ENOENT);

        assert_int_equal(rangeset_add(&pending, 100, 200), 0);
        assert_int_equal(rangeset_add(&completed, 300, 400), 0);
        assert_int_equal(daxmf_state_save(dfd, "ranges", "", &pending, &b, 1, &completed), 0);
        /* Saving again replaces the file; no temporary is left behind. */
        assert_int_equal(rangeset_add(&completed, 400, 500), 0);
        assert_int_equal(daxmf_state_save(dfd, "ranges", "", &pending, &b, 1, &completed), 0);
        assert_int_equal(faccessat(dfd, ".ranges.tmp", F_OK, 0), -1);

        assert_int_equal(daxmf_state_load(dfd, "ranges", &st, &line), 0);
        assert_ranges(&st.pending, 1, (const uint64_t[]) { 100, 200 });
        assert_ranges(&st.completed, 1, (const uint64_t[]) { 300, 500 });
        assert_int_equal(st.n_in_flight, 1);
        assert_int_equal(st.in_flight[0].cookie, 3);

        /* A corrupt file is kept aside for the operator, never silently used. */
        snprintf(path, sizeof(path), "%s/ranges", dir);
        f = fopen(path, "w");
        assert_non_null(f);
        fputs("# daxmfd state 1\npending 5 x\n", f);
        fclose(f);
        assert_int_equal(daxmf_state_load(dfd, "ranges", &st, &line), -EBADMSG);
        assert_int_equal(line, 2);
        assert_int_equal(faccessat(dfd, "ranges", F_OK, 0), -1);
        assert_int_equal(faccessat(dfd, "ranges.corrupt", F_OK, 0), 0);
        assert_ranges(&st.pending, 1, (const uint64_t[]) { 100, 200 });

        assert_int_equal(unlinkat(dfd, "ranges.corrupt", 0), 0);
        close(dfd);
        assert_int_equal(rmdir(dir), 0);
        rangeset_done(&pending);
        rangeset_done(&completed);
        daxmf_state_done(&st);
}

/* A full disk is reported as such (the status names it), not as EIO. */
static void test_write_error(void **state) {
        struct daxmf_rangeset pending = {};
        FILE *f = fopen("/dev/full", "we");

        if (!f)
                skip();
        assert_int_equal(rangeset_add(&pending, 0x40000, 0x40010), 0);
        assert_int_equal(daxmf_state_write(f, NULL, &pending, NULL, 0, NULL), -ENOSPC);
        fclose(f);
        rangeset_done(&pending);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_completed_wins),
                cmocka_unit_test(test_bad_files),
                cmocka_unit_test(test_save_and_load),
                cmocka_unit_test(test_write_error),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
