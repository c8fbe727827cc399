/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "mountinfo.h"

static void test_parse_plain(void **state) {
        char line[] = "36 35 259:0 / /mnt rw,relatime shared:1 - xfs /dev/pmem0 rw,attr2,dax=always,inode64\n";
        struct mountinfo_entry e;

        assert_int_equal(mountinfo_parse_line(line, &e), 0);
        assert_int_equal(e.major, 259);
        assert_int_equal(e.minor, 0);
        assert_string_equal(e.root, "/");
        assert_string_equal(e.mountpoint, "/mnt");
        assert_string_equal(e.fstype, "xfs");
        assert_string_equal(e.source, "/dev/pmem0");
        assert_string_equal(e.super_options, "rw,attr2,dax=always,inode64");
}

static void test_parse_no_optional_fields(void **state) {
        char line[] = "25 1 8:3 / / rw - ext4 /dev/sda3 rw";
        struct mountinfo_entry e;

        assert_int_equal(mountinfo_parse_line(line, &e), 0);
        assert_int_equal(e.major, 8);
        assert_int_equal(e.minor, 3);
        assert_string_equal(e.mountpoint, "/");
        assert_string_equal(e.fstype, "ext4");
}

static void test_parse_escapes(void **state) {
        char line[] = "40 35 259:1 /sub\\040dir /mnt/with\\040space\\011tab\\134 rw master:2 shared:3 - ext4 "
                      "/dev/my\\040disk rw,dax";
        struct mountinfo_entry e;

        assert_int_equal(mountinfo_parse_line(line, &e), 0);
        assert_string_equal(e.root, "/sub dir");
        assert_string_equal(e.mountpoint, "/mnt/with space\ttab\\");
        assert_string_equal(e.source, "/dev/my disk");
        /* Not an escape: kept as is. */
        char odd[] = "40 35 259:1 / /a\\9z\\000 rw - ext4 x rw";

        assert_int_equal(mountinfo_parse_line(odd, &e), 0);
        assert_string_equal(e.mountpoint, "/a\\9z\\000");
}

static void test_parse_bad(void **state) {
        static const char *const bad[] = {
                "",
                "36 35 259:0 / /mnt rw",                        /* no separator, no fstype */
                "36 35 259:0 / /mnt rw shared:1 -",             /* nothing after the separator */
                "36 35 259:0 / /mnt rw - xfs",                  /* no source */
                "36 35 259:0 / /mnt rw - xfs /dev/pmem0",       /* no super options */
                "36 35 2590 / /mnt rw - xfs /dev/pmem0 rw",     /* no colon */
                "36 35 :0 / /mnt rw - xfs /dev/pmem0 rw",
                "36 35 259: / /mnt rw - xfs /dev/pmem0 rw",
                "36 35 x:0 / /mnt rw - xfs /dev/pmem0 rw",
                "36 35 259:0x / /mnt rw - xfs /dev/pmem0 rw",
                "36 35 4294967296:0 / /mnt rw - xfs /dev/pmem0 rw",
                "36 35 -1:0 / /mnt rw - xfs /dev/pmem0 rw",
        };

        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                char *line = strdup(bad[i]);
                struct mountinfo_entry e;

                assert_non_null(line);
                if (mountinfo_parse_line(line, &e) != -EBADMSG)
                        fail_msg("accepted: '%s'", bad[i]);
                free(line);
        }
}

static char *write_file(const char *text) {
        char *path = strdup("/tmp/test-mountinfo-XXXXXX");
        int fd;

        assert_non_null(path);
        fd = mkstemp(path);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, text, strlen(text)), (ssize_t) strlen(text));
        close(fd);
        return path;
}

static void test_find(void **state) {
        char *path = write_file(
                "25 1 8:3 / / rw - ext4 /dev/sda3 rw\n"
                "garbage line\n"
                "41 25 259:0 /sub /srv/bind rw - xfs /dev/pmem0 rw,dax=always\n"
                "42 25 259:0 / /mnt/pmem\\040zero rw - xfs /dev/pmem0 rw,dax=always\n"
                "43 25 259:0 / /again rw - xfs /dev/pmem0 rw,dax=always\n"
                "44 25 259:1 /only-sub /srv/sub rw - ext4 /dev/pmem1 rw,dax\n");
        char mp[64], fs[16];

        /* The root mount wins over an earlier bind of a subdirectory, and the first root mount is kept. */
        assert_int_equal(mountinfo_find(path, 259, 0, mp, sizeof(mp), fs, sizeof(fs)), 0);
        assert_string_equal(mp, "/mnt/pmem zero");
        assert_string_equal(fs, "xfs");
        /* Only a bind of a subdirectory: that is where it is. */
        assert_int_equal(mountinfo_find(path, 259, 1, mp, sizeof(mp), fs, sizeof(fs)), 0);
        assert_string_equal(mp, "/srv/sub");
        assert_string_equal(fs, "ext4");
        assert_int_equal(mountinfo_find(path, 259, 2, mp, sizeof(mp), fs, sizeof(fs)), -ENOENT);
        /* A mount point longer than the buffer is not cut short: the next mount of it that fits. */
        assert_int_equal(mountinfo_find(path, 259, 0, mp, 8, fs, sizeof(fs)), 0);
        assert_string_equal(mp, "/again");
        assert_int_equal(mountinfo_find(path, 259, 0, mp, 6, fs, sizeof(fs)), -ENOENT);
        assert_int_equal(mountinfo_find("/nonexistent/mountinfo", 259, 0, mp, sizeof(mp), fs, sizeof(fs)), -ENOENT);
        unlink(path);
        free(path);
}

/*
 * Found by fuzz-mountinfo: a bind of a subdirectory matched first, then the
 * root mount's type did not fit; the answer was the bind's mount point with
 * the root mount's own (cut) written over it, a pair no line had.
 */
static void test_find_no_half_answer(void **state) {
        char *path = write_file(
                "41 25 259:2 /sub /srv/bind rw - xfs /dev/pmem2 rw,dax=always\n"
                "42 25 259:2 / /mnt/none rw - a-filesystem-type-name-longer-than-the-buffer /dev/pmem2 rw\n"
                "43 25 259:2 / /mnt/very/long/mount/point/name rw - xfs /dev/pmem2 rw\n");
        char mp[64], fs[16];

        assert_int_equal(mountinfo_find(path, 259, 2, mp, sizeof(mp), fs, sizeof(fs)), 0);
        assert_string_equal(mp, "/mnt/very/long/mount/point/name");
        assert_string_equal(fs, "xfs");
        /* Neither root mount fits: the bind, whole. */
        assert_int_equal(mountinfo_find(path, 259, 2, mp, 12, fs, sizeof(fs)), 0);
        assert_string_equal(mp, "/srv/bind");
        assert_string_equal(fs, "xfs");
        unlink(path);
        free(path);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_plain),
                cmocka_unit_test(test_parse_no_optional_fields),
                cmocka_unit_test(test_parse_escapes),
                cmocka_unit_test(test_parse_bad),
                cmocka_unit_test(test_find),
                cmocka_unit_test(test_find_no_half_answer),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
