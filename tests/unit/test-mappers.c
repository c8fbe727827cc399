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
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "macro.h"
#include "mappers.h"

/*
 * A /proc of our own: PID/maps, comm and cgroup as the kernel writes them,
 * so that the snapshot is read the way daxmfd and daxmfctl read /proc.
 */
static char proc_root[] = "/tmp/daxmf-test-mappers.XXXXXX";

static void write_file(const char *pid, const char *name, const char *text) {
        char path[256];
        FILE *f;

        snprintf(path, sizeof(path), "%s/%s", proc_root, pid);
        (void) mkdir(path, 0755);
        snprintf(path, sizeof(path), "%s/%s/%s", proc_root, pid, name);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(fputs(text, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

/* The tests' files are on 259:3 (a pmem disk; maps prints hex: 103:03); /dev is devtmpfs, 0:5. */
static int setup_proc(void **state) {
        assert_non_null(mkdtemp(proc_root));

        /* A database mapping a file twice (two windows) and libc; a heap and anonymous memory. */
        write_file("1234", "maps",
                   "55d0c0800000-55d0c0828000 r--p 00000000 fe:01 1835093                    /usr/bin/db\n"
                   "55d0c0a00000-55d0c0a21000 rw-p 00000000 00:00 0                          [heap]\n"
                   "7f8e52a56000-7f8e52a66000 rw-s 00001000 103:03 131                        /mnt/data/table one\n"
                   "7f8e52b00000-7f8e52b10000 r--s 00100000 103:03 131                        /mnt/data/table one\n"
                   "7f8e52c00000-7f8e52c28000 r--p 00000000 fe:01 1835094                    /usr/lib/x86_64-linux-gnu/libc.so.6\n"
                   "7ffd4a1c0000-7ffd4a1e1000 rw-p 00000000 00:00 0                          [stack]\n");
        write_file("1234", "comm", "db\n");
        write_file("1234", "cgroup", "0::/system.slice/db.service\n");
        /* A raw reader of the disk itself, in a session scope. */
        write_file("77", "maps",
                   "7f0000000000-7f0000200000 r--s 00100000 00:05 300                        /dev/pmem0\n"
                   "7f0000400000-7f0000401000 r--s 00000000 00:05 301                        /dev/pmem1\n");
        write_file("77", "comm", "dd\n");
        write_file("77", "cgroup", "0::/user.slice/user-0.slice/session-3.scope\n");
        /* The same inode number on another filesystem is another file. */
        write_file("5", "maps", "7f1000000000-7f1000010000 rw-s 00000000 103:04 131                        /other/x\n");
        write_file("5", "comm", "other\n");
        write_file("5", "cgroup", "0::/init.scope\n");
        /* A kernel thread: empty maps. */
        write_file("2", "maps", "");
        write_file("2", "comm", "kthreadd\n");
        /* Not processes. */
        write_file("self", "maps", "7f00-8000 rw-s 00000000 103:03 131 /mnt/data/table one\n");
        write_file("12ab", "maps", "7f00-8000 rw-s 00000000 103:03 131 /mnt/data/table one\n");
        /* A process gone between readdir and open: a directory without maps. */
        write_file("999", "comm", "gone\n");
        return 0;
}

static int teardown_proc(void **state) {
        char cmd[128];

        snprintf(cmd, sizeof(cmd), "rm -rf '%s'", proc_root);
        assert_int_equal(system(cmd), 0);
        return 0;
}

/* What daxmfctl keeps: files of one filesystem, and its disk's node. */
struct keep {
        unsigned major, minor;
        const char *device;
};

static bool keep_fs_and_device(const struct maps_entry *e, void *userdata) {
        const struct keep *k = userdata;

        return (e->major == k->major && e->minor == k->minor) || strcmp(e->path, k->device) == 0;
}

static const struct mapping *find(const struct mapping_snapshot *s, int pid, uint64_t start) {
        for (size_t i = 0; i < s->n; i++)
                if (s->mappings[i].pid == pid && s->mappings[i].start == start)
                        return &s->mappings[i];
        return NULL;
}

static void test_snapshot(void **state) {
        _cleanup_(mapping_snapshot_done) struct mapping_snapshot s = {};
        struct keep k = { 0x103, 3, "/dev/pmem0" };
        const struct mapping *m;

        assert_int_equal(mapping_snapshot_take(&s, proc_root, keep_fs_and_device, &k), 0);
        /* The two windows of the table, the disk: not libc, the heap, the other filesystem, pmem1. */
        assert_int_equal(s.n, 3);

        m = find(&s, 1234, UINT64_C(0x7f8e52a56000));
        assert_non_null(m);
        assert_string_equal(m->comm, "db");
        assert_string_equal(m->unit, "db.service");
        assert_string_equal(m->path, "/mnt/data/table one");
        assert_int_equal(m->end, UINT64_C(0x7f8e52a66000));
        assert_int_equal(m->offset, 0x1000);
        assert_int_equal(m->major, 0x103);
        assert_int_equal(m->minor, 3);
        assert_int_equal(m->inode, 131);
        m = find(&s, 1234, UINT64_C(0x7f8e52b00000));
        assert_non_null(m);
        assert_int_equal(m->offset, 0x100000);

        m = find(&s, 77, UINT64_C(0x7f0000000000));
        assert_non_null(m);
        assert_string_equal(m->comm, "dd");
        assert_string_equal(m->unit, "session-3.scope");
        assert_string_equal(m->path, "/dev/pmem0");
        assert_null(find(&s, 77, UINT64_C(0x7f0000400000)));
        assert_null(find(&s, 5, UINT64_C(0x7f1000000000)));
}

static bool keep_all(const struct maps_entry *e, void *userdata) {
        return true;
}

static void test_snapshot_everything(void **state) {
        _cleanup_(mapping_snapshot_done) struct mapping_snapshot s = {};
        const struct mapping *m;

        /* Entries with a path only: [heap] and [stack] have one, anonymous memory has none. */
        assert_int_equal(mapping_snapshot_take(&s, proc_root, keep_all, NULL), 0);
        assert_int_equal(s.n, 6 + 2 + 1);
        m = find(&s, 5, UINT64_C(0x7f1000000000));
        assert_non_null(m);
        assert_string_equal(m->unit, "init.scope");
        m = find(&s, 1234, UINT64_C(0x7ffd4a1c0000));
        assert_non_null(m);
        assert_string_equal(m->path, "[stack]");
        for (size_t i = 0; i < s.n; i++)
                assert_true(s.mappings[i].pid == 1234 || s.mappings[i].pid == 77 || s.mappings[i].pid == 5);
}

static void test_snapshot_no_proc(void **state) {
        struct mapping_snapshot s = { .n = 42 };

        assert_int_equal(mapping_snapshot_take(&s, "/nonexistent/proc", keep_all, NULL), -ENOENT);
        assert_int_equal(s.n, 42);
}

static void test_unit_from_cgroup(void **state) {
        _cleanup_(mapping_snapshot_done) struct mapping_snapshot s = {};
        static const struct {
                const char *cgroup, *unit;
        } cases[] = {
                { "0::/system.slice/db.service\n", "db.service" },
                /* The innermost unit: a service's own sub-cgroup. */
                { "0::/system.slice/db.service/worker\n", "db.service" },
                { "0::/user.slice/user-1000.slice/user@1000.service/app.slice/app-gnome-x.scope\n",
                  "app-gnome-x.scope" },
                /* cgroup v1 lines first, the unified one last. */
                { "12:pids:/system.slice/a.service\n1:name=systemd:/system.slice/a.service\n0::/system.slice/a.service\n",
                  "a.service" },
                { "0::/\n", "" },
                { "0::/machine.slice\n", "" },
                { "", "" },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                write_file("4242", "maps", "7f00-8000 rw-s 00000000 103:03 131 /mnt/data/table one\n");
                write_file("4242", "comm", "c\n");
                write_file("4242", "cgroup", cases[i].cgroup);
                assert_int_equal(mapping_snapshot_take(&s, proc_root, keep_all, NULL), 0);
                for (size_t k = 0; k < s.n; k++)
                        if (s.mappings[k].pid == 4242 && strcmp(s.mappings[k].unit, cases[i].unit) != 0)
                                fail_msg("cgroup \"%s\": unit \"%s\", expected \"%s\"", cases[i].cgroup,
                                         s.mappings[k].unit, cases[i].unit);
                mapping_snapshot_done(&s);
        }
        {
                char cmd[128];

                snprintf(cmd, sizeof(cmd), "rm -rf '%s/4242'", proc_root);
                assert_int_equal(system(cmd), 0);
        }
}

static void test_match(void **state) {
        _cleanup_(mapping_snapshot_done) struct mapping_snapshot s = {};
        _cleanup_(mapper_targets_done) struct mapper_targets t = {};
        _cleanup_(mapper_hits_done) struct mapper_hits h = {};
        struct keep k = { 0x103, 3, "/dev/pmem0" };
        const struct mapper_hit *hit;

        assert_int_equal(mapping_snapshot_take(&s, proc_root, keep_fs_and_device, &k), 0);

        /*
         * Bytes 0x2000..0x2fff of the table: its first window maps file
         * offsets 0x1000..0x10fff, the second 0x100000..0x10ffff.
         */
        assert_int_equal(mapper_targets_add_file(&t, 0x103, 3, 131, 0x2000, 0x3000), 0);
        /* Device bytes 0x180000..0x180fff: the raw reader maps 0x100000..0x2fffff. */
        assert_int_equal(mapper_targets_add_device(&t, "/dev/pmem0", 0x180000, 0x181000), 0);
        assert_int_equal(mappers_match(&s, &t, &h), 0);
        assert_int_equal(h.n, 2);
        for (size_t i = 0; i < h.n; i++) {
                hit = &h.hits[i];
                if (s.mappings[hit->mapping].pid == 1234) {
                        assert_int_equal(hit->target, 0);
                        assert_int_equal(s.mappings[hit->mapping].start, UINT64_C(0x7f8e52a56000));
                        assert_int_equal(hit->offset, 0x2000);
                        assert_int_equal(hit->length, 0x1000);
                        assert_int_equal(hit->address, UINT64_C(0x7f8e52a57000));
                } else {
                        assert_int_equal(s.mappings[hit->mapping].pid, 77);
                        assert_int_equal(hit->target, 1);
                        assert_int_equal(hit->offset, 0x180000);
                        assert_int_equal(hit->length, 0x1000);
                        assert_int_equal(hit->address, UINT64_C(0x7f0000080000));
                }
        }
}

/* Just past either end of a window: no hit; across an end: clipped to the window. */
static void test_match_edges(void **state) {
        _cleanup_(mapping_snapshot_done) struct mapping_snapshot s = {};
        struct keep k = { 0x103, 3, "/dev/pmem0" };
        static const struct {
                uint64_t start, end;
                size_t hits;
                uint64_t offset, length;
        } cases[] = {
                { 0x0, 0x1000, 0, 0, 0 },               /* ends where the first window starts */
                { 0x0, 0x1001, 1, 0x1000, 1 },
                { 0x11000, 0x100000, 0, 0, 0 },         /* between the windows */
                { 0x10fff, 0x11000, 1, 0x10fff, 1 },    /* the last byte of the first window */
                { 0x10000, 0x100001, 2, 0, 0 },         /* the end of one, the start of the other */
                { 0x110000, 0x200000, 0, 0, 0 },        /* past the second */
                { 0, UINT64_MAX, 2, 0, 0 },             /* any offset */
        };

        assert_int_equal(mapping_snapshot_take(&s, proc_root, keep_fs_and_device, &k), 0);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(mapper_targets_done) struct mapper_targets t = {};
                _cleanup_(mapper_hits_done) struct mapper_hits h = {};

                assert_int_equal(mapper_targets_add_file(&t, 0x103, 3, 131, cases[i].start, cases[i].end), 0);
                assert_int_equal(mappers_match(&s, &t, &h), 0);
                if (h.n != cases[i].hits)
                        fail_msg("[0x%lx, 0x%lx): %zu hits, expected %zu", (unsigned long) cases[i].start,
                                 (unsigned long) cases[i].end, h.n, cases[i].hits);
                if (cases[i].hits == 1) {
                        assert_int_equal(h.hits[0].offset, cases[i].offset);
                        assert_int_equal(h.hits[0].length, cases[i].length);
                        assert_int_equal(h.hits[0].address,
                                         UINT64_C(0x7f8e52a56000) + cases[i].offset - 0x1000);
                }
        }
}

static void test_match_other_file_or_device(void **state) {
        _cleanup_(mapping_snapshot_done) struct mapping_snapshot s = {};
        _cleanup_(mapper_targets_done) struct mapper_targets t = {};
        _cleanup_(mapper_hits_done) struct mapper_hits h = {};

        assert_int_equal(mapping_snapshot_take(&s, proc_root, keep_all, NULL), 0);
        /* Inode 131 of another filesystem, another inode of ours, another disk, a path prefix. */
        assert_int_equal(mapper_targets_add_file(&t, 0x103, 5, 131, 0, UINT64_MAX), 0);
        assert_int_equal(mapper_targets_add_file(&t, 0x103, 3, 132, 0, UINT64_MAX), 0);
        assert_int_equal(mapper_targets_add_device(&t, "/dev/pmem", 0, UINT64_MAX), 0);
        assert_int_equal(mapper_targets_add_device(&t, "/dev/pmem0", 0, 0x100000), 0);     /* before its window */
        assert_int_equal(mappers_match(&s, &t, &h), 0);
        assert_int_equal(h.n, 0);

        /* Bad targets. */
        assert_int_equal(mapper_targets_add_file(&t, 0x103, 3, 0, 0, 1), -EINVAL);
        assert_int_equal(mapper_targets_add_file(&t, 0x103, 3, 131, 5, 5), -EINVAL);
        assert_int_equal(mapper_targets_add_device(&t, "pmem0", 0, 1), -EINVAL);
        assert_int_equal(mapper_targets_add_device(&t, NULL, 0, 1), -EINVAL);
        assert_int_equal(t.n, 4);
}

/* Several targets in one mapping: one hit each, in the order they were added. */
static void test_match_order(void **state) {
        _cleanup_(mapping_snapshot_done) struct mapping_snapshot s = {};
        _cleanup_(mapper_targets_done) struct mapper_targets t = {};
        _cleanup_(mapper_hits_done) struct mapper_hits h = {};
        struct keep k = { 0x103, 3, "/dev/pmem0" };
        size_t prev_mapping = 0;

        assert_int_equal(mapping_snapshot_take(&s, proc_root, keep_fs_and_device, &k), 0);
        assert_int_equal(mapper_targets_add_device(&t, "/dev/pmem0", 0x200000, 0x201000), 0);   /* 0 */
        assert_int_equal(mapper_targets_add_file(&t, 0x103, 3, 131, 0x8000, 0x9000), 0);       /* 1 */
        assert_int_equal(mapper_targets_add_file(&t, 0x103, 4, 131, 0, UINT64_MAX), 0);        /* 2 */
        assert_int_equal(mapper_targets_add_file(&t, 0x103, 3, 131, 0x2000, 0x3000), 0);       /* 3 */
        assert_int_equal(mapper_targets_add_device(&t, "/dev/pmem0", 0x100000, 0x101000), 0);   /* 4 */
        assert_int_equal(mapper_targets_add_file(&t, 0x103, 3, 131, 0x100000, 0x100001), 0);   /* 5 */
        assert_int_equal(mappers_match(&s, &t, &h), 0);
        assert_int_equal(h.n, 5);
        for (size_t i = 0; i < h.n; i++) {
                const struct mapping *m = &s.mappings[h.hits[i].mapping];

                assert_true(h.hits[i].mapping >= prev_mapping);
                if (i > 0 && h.hits[i].mapping == h.hits[i - 1].mapping)
                        assert_true(h.hits[i].target > h.hits[i - 1].target);
                prev_mapping = h.hits[i].mapping;
                if (m->pid == 77)
                        assert_true(h.hits[i].target == 0 || h.hits[i].target == 4);
                else if (m->offset == 0x1000)
                        assert_true(h.hits[i].target == 1 || h.hits[i].target == 3);
                else
                        assert_int_equal(h.hits[i].target, 5);
        }
        /* Matching again after another target: the order is made afresh. */
        assert_int_equal(mapper_targets_add_file(&t, 0x103, 3, 131, 0x10fff, 0x10000000), 0);  /* 6: both windows */
        assert_int_equal(mappers_match(&s, &t, &h), 0);
        assert_int_equal(h.n, 7);
}

/* The bisection against every pair, on random mappings and targets. */
static void test_match_random(void **state) {
        srandom(20260102);
        for (unsigned round = 0; round < 200; round++) {
                _cleanup_(mapper_targets_done) struct mapper_targets t = {};
                _cleanup_(mapper_hits_done) struct mapper_hits h = {};
                struct mapping maps[40];
                struct mapping_snapshot s = { .mappings = maps, .n = 1 + (size_t) random() % 40 };
                size_t expected = 0, n_targets = 1 + (size_t) random() % 30, k = 0;
                char *paths[] = { (char *) "/dev/pmem0", (char *) "/dev/pmem1", (char *) "/mnt/f" };

                for (size_t i = 0; i < s.n; i++) {
                        uint64_t pages = 1 + (uint64_t) random() % 8;

                        maps[i] = (struct mapping) {
                                .pid = (int) i,
                                .path = paths[random() % 3],
                                .start = UINT64_C(0x7f0000000000) + i * 0x100000,
                                .offset = ((uint64_t) random() % 16) * 0x1000,
                                .major = 259,
                                .minor = (unsigned) (random() % 2),
                                .inode = (uint64_t) random() % 4,
                        };
                        maps[i].end = maps[i].start + pages * 0x1000;
                }
                for (size_t i = 0; i < n_targets; i++) {
                        uint64_t start = (uint64_t) random() % 0x18000, end = start + 1 + (uint64_t) random() % 0x8000;

                        if (random() % 4 == 0)
                                assert_int_equal(mapper_targets_add_device(&t, paths[random() % 2], start, end), 0);
                        else
                                assert_int_equal(mapper_targets_add_file(&t, 259, (unsigned) (random() % 2),
                                                                         1 + (uint64_t) random() % 3, start, end), 0);
                }
                assert_int_equal(mappers_match(&s, &t, &h), 0);

                /* Every pair, in the promised order. */
                for (size_t i = 0; i < s.n; i++)
                        for (size_t j = 0; j < t.n; j++) {
                                const struct mapping *m = &maps[i];
                                const struct mapper_target *x = &t.targets[j];
                                uint64_t m_end = m->offset + (m->end - m->start);
                                uint64_t from = m->offset > x->start ? m->offset : x->start;
                                uint64_t to = m_end < x->end ? m_end : x->end;
                                bool same = x->inode ? m->inode == x->inode && m->major == x->major &&
                                                       m->minor == x->minor :
                                                       strcmp(m->path, x->path) == 0;

                                if (!same || from >= to)
                                        continue;
                                expected++;
                                if (k >= h.n)
                                        fail_msg("round %u: missing hit of mapping %zu, target %zu", round, i, j);
                                if (h.hits[k].mapping != i || h.hits[k].target != j || h.hits[k].offset != from ||
                                    h.hits[k].length != to - from || h.hits[k].address != m->start + from - m->offset)
                                        fail_msg("round %u: hit %zu is mapping %zu target %zu, expected %zu %zu",
                                                 round, k, h.hits[k].mapping, h.hits[k].target, i, j);
                                k++;
                        }
                assert_int_equal(h.n, expected);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_snapshot),
                cmocka_unit_test(test_snapshot_everything),
                cmocka_unit_test(test_snapshot_no_proc),
                cmocka_unit_test(test_unit_from_cgroup),
                cmocka_unit_test(test_match),
                cmocka_unit_test(test_match_edges),
                cmocka_unit_test(test_match_other_file_or_device),
                cmocka_unit_test(test_match_order),
                cmocka_unit_test(test_match_random),
        };

        return cmocka_run_group_tests(tests, setup_proc, teardown_proc);
}
