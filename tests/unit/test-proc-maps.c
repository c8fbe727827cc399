/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "proc-maps.h"

static void test_file_mapping(void **state) {
        char line[] = "7f8e52a56000-7f8e52a66000 rw-s 00001000 103:00 131                        /mnt/my file\n";
        struct maps_entry e;

        assert_int_equal(maps_parse_line(line, &e), 0);
        assert_int_equal(e.start, UINT64_C(0x7f8e52a56000));
        assert_int_equal(e.end, UINT64_C(0x7f8e52a66000));
        assert_string_equal(e.perms, "rw-s");
        assert_int_equal(e.offset, 0x1000);
        assert_int_equal(e.major, 0x103);
        assert_int_equal(e.minor, 0);
        assert_int_equal(e.inode, 131);
        /* A path keeps its spaces. */
        assert_string_equal(e.path, "/mnt/my file");
}

static void test_anonymous_and_special(void **state) {
        char anon[] = "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0";
        char heap[] = "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]";
        char deleted[] = "7f00-8000 r--s 00000000 fd:01 99 /dev/dax0.0 (deleted)";
        struct maps_entry e;

        assert_int_equal(maps_parse_line(anon, &e), 0);
        assert_string_equal(e.path, "");
        assert_int_equal(e.inode, 0);
        assert_int_equal(maps_parse_line(heap, &e), 0);
        assert_string_equal(e.path, "[heap]");
        assert_int_equal(maps_parse_line(deleted, &e), 0);
        assert_int_equal(e.major, 0xfd);
        assert_int_equal(e.minor, 1);
        assert_string_equal(e.path, "/dev/dax0.0 (deleted)");
}

static void test_bad(void **state) {
        static const char *const bad[] = {
                "",
                "7f00",
                "7f00-",
                "-7f00 rw-p 0 00:00 0",
                "8000-7f00 rw-p 00000000 00:00 0",              /* end before start */
                "7f00-8000 rw-p",
                "7f00-8000 rw- 00000000 00:00 0",               /* perms too short */
                "7f00-8000 rw-pp 00000000 00:00 0",
                "7f00-8000 rw-p 0000000g 00:00 0",
                "7f00-8000 rw-p 00000000 0000 0",               /* no colon */
                "7f00-8000 rw-p 00000000 100000000:00 0",       /* major too large */
                "7f00-8000 rw-p 00000000 00:00 x",
                "7f00-8000 rw-p 00000000 00:00 12x /a",
                "7f00-8000 rw-p 00000000 00:00",
                "7f00-18000000000000000 rw-p 00000000 00:00 0", /* past 64 bits */
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char *line = strdup(bad[i]);
                struct maps_entry e;

                assert_non_null(line);
                if (maps_parse_line(line, &e) != -EBADMSG)
                        fail_msg("accepted: '%s'", bad[i]);
                free(line);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_file_mapping),
                cmocka_unit_test(test_anonymous_and_special),
                cmocka_unit_test(test_bad),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
