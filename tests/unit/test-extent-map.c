/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <linux/fsmap.h>

#include "extent-map.h"
#include "macro.h"

/* XFS's special owners (xfs_fs.h), which <linux/fsmap.h> does not have. */
#define OWN_FS FMR_OWNER('X', 1)
#define OWN_LOG FMR_OWNER('X', 2)
#define OWN_AG FMR_OWNER('X', 3)
#define OWN_INODES FMR_OWNER('X', 5)

#define FILE_EXTENT(dev, len, ino, off, fl) \
        { .dev_offset = (dev), .length = (len), .owner = (ino), .file_offset = (off), .flags = (fl) }
#define META_EXTENT(dev, len, own) \
        { .dev_offset = (dev), .length = (len), .owner = (own), .flags = FMR_OF_SPECIAL_OWNER }

/* What a lookup handed to its callback, in order. */
struct collected {
        struct extent *e;
        size_t n, allocated;
        size_t stop_at;         /* return stop_value on this call (1-based); 0: never */
        int stop_value;
        size_t calls;
};

static void collected_done(struct collected *c) {
        free(c->e);
        *c = (struct collected) {};
}

static int collect(const struct extent *e, void *userdata) {
        struct collected *c = userdata;

        c->calls++;
        if (c->n == c->allocated) {
                size_t a = c->allocated ? c->allocated * 2 : 16;

                c->e = reallocarray(c->e, a, sizeof(*c->e));
                assert_non_null(c->e);
                c->allocated = a;
        }
        c->e[c->n++] = *e;
        if (c->stop_at != 0 && c->calls == c->stop_at)
                return c->stop_value;
        return 0;
}

static void print_extents(const char *what, const struct extent *e, size_t n) {
        for (size_t i = 0; i < n; i++)
                print_error("  %s [%zu] dev 0x%" PRIx64 " len 0x%" PRIx64 " owner %" PRIu64 " off 0x%" PRIx64
                            " flags 0x%" PRIx32 "\n",
                            what, i, e[i].dev_offset, e[i].length, e[i].owner, e[i].file_offset, e[i].flags);
}

static void check_extents(const struct extent *have, size_t n_have, const struct extent *want, size_t n_want) {
        if (n_have != n_want) {
                print_extents("have", have, n_have);
                print_extents("want", want, n_want);
        }
        assert_int_equal(n_have, n_want);
        for (size_t i = 0; i < n_want; i++) {
                if (memcmp(&have[i], &want[i], sizeof(want[i])) != 0) {
                        print_extents("have", have, n_have);
                        print_extents("want", want, n_want);
                        fail_msg("entry %zu differs", i);
                }
        }
}

/* Look [start, end) up; the result must be exactly want, in that order. */
static void check_lookup(const struct extent_map *m, uint64_t start, uint64_t end, const struct extent *want,
                         size_t n_want) {
        struct collected c = {};

        assert_int_equal(extent_map_lookup(m, start, end, collect, &c), 0);
        assert_int_equal(c.calls, n_want);
        check_extents(c.e, c.n, want, n_want);
        collected_done(&c);
}

#define CHECK_LOOKUP(m, start, end, ...)                                                        \
        do {                                                                                    \
                const struct extent _want[] = { __VA_ARGS__ };                                  \
                check_lookup((m), (start), (end), _want, ELEMENTSOF(_want));                   \
        } while (0)

#define CHECK_NOTHING(m, start, end) check_lookup((m), (start), (end), NULL, 0)

static void add_all(struct extent_map *m, const struct extent *e, size_t n) {
        for (size_t i = 0; i < n; i++)
                assert_int_equal(extent_map_add(m, &e[i]), 0);
}

static void test_add_rejects(void **state) {
        _cleanup_(extent_map_done) struct extent_map m = {};

        assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(4096, 0, 12, 0, 0)), -EINVAL);
        assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(0, 0, 12, 0, 0)), -EINVAL);
        /* The end would wrap around. */
        assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(UINT64_MAX, 1, 12, 0, 0)), -EINVAL);
        assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(UINT64_MAX - 10, 11, 12, 0, 0)), -EINVAL);
        assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(1, UINT64_MAX, 12, 0, 0)), -EINVAL);
        assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(UINT64_MAX, UINT64_MAX, 12, 0, 0)),
                         -EINVAL);
        assert_int_equal(m.n, 0);

        /* Right up to the last byte is fine: the end is UINT64_MAX itself. */
        assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(UINT64_MAX - 10, 10, 12, 0, 0)), 0);
        assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(0, UINT64_MAX, 13, 0, 0)), 0);
        assert_int_equal(m.n, 2);
        assert_false(m.sealed);

        assert_int_equal(extent_map_seal(&m), 0);
        assert_true(m.sealed);
        CHECK_LOOKUP(&m, UINT64_MAX - 4, UINT64_MAX,
                     FILE_EXTENT(UINT64_MAX - 4, 4, 13, UINT64_MAX - 4, 0),
                     FILE_EXTENT(UINT64_MAX - 4, 4, 12, 6, 0));
        CHECK_LOOKUP(&m, 0, UINT64_MAX,
                     FILE_EXTENT(0, UINT64_MAX, 13, 0, 0),
                     FILE_EXTENT(UINT64_MAX - 10, 10, 12, 0, 0));
}

static void test_add_clears_reserved(void **state) {
        _cleanup_(extent_map_done) struct extent_map m = {};
        struct extent e = FILE_EXTENT(100, 10, 7, 0, 0);

        e.reserved = 0xdeadbeef;
        assert_int_equal(extent_map_add(&m, &e), 0);
        assert_int_equal(m.n, 1);
        assert_int_equal(m.entries[0].reserved, 0);
        assert_int_equal(m.entries[0].dev_offset, 100);
        assert_int_equal(m.entries[0].length, 10);
        assert_int_equal(m.entries[0].owner, 7);

        extent_map_done(&m);
        assert_null(m.entries);
        assert_null(m.max_end);
        assert_int_equal(m.n, 0);
        assert_false(m.sealed);
}

static void test_unsealed(void **state) {
        _cleanup_(extent_map_done) struct extent_map m = {};
        struct collected c = {};

        /* Never sealed, not even empty. */
        assert_int_equal(extent_map_lookup(&m, 0, 100, collect, &c), -ESTALE);
        assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(0, 100, 5, 0, 0)), 0);
        assert_int_equal(extent_map_lookup(&m, 0, 100, collect, &c), -ESTALE);
        assert_int_equal(c.calls, 0);

        assert_int_equal(extent_map_seal(&m), 0);
        CHECK_LOOKUP(&m, 0, 100, FILE_EXTENT(0, 100, 5, 0, 0));

        /* An add after the seal makes the index stale again. */
        assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(50, 100, 6, 0, 0)), 0);
        assert_false(m.sealed);
        assert_int_equal(extent_map_lookup(&m, 0, 1000, collect, &c), -ESTALE);
        assert_int_equal(c.calls, 0);

        assert_int_equal(extent_map_seal(&m), 0);
        CHECK_LOOKUP(&m, 0, 1000, FILE_EXTENT(0, 100, 5, 0, 0), FILE_EXTENT(50, 100, 6, 0, 0));
        collected_done(&c);
}


static void test_sorted_and_reflinks(void **state) {
        _cleanup_(extent_map_done) struct extent_map m = {};
        /* Given out of order; two files (and a third) share the bytes [0x10000, 0x14000). */
        const struct extent in[] = {
                FILE_EXTENT(0x20000, 0x1000, 140, 0x0, 0),
                FILE_EXTENT(0x10000, 0x4000, 133, 0x8000, FMR_OF_SHARED),
                META_EXTENT(0x0, 0x1000, OWN_FS),
                FILE_EXTENT(0x10000, 0x4000, 131, 0x0, FMR_OF_SHARED),
                FILE_EXTENT(0x10000, 0x2000, 131, 0x10000, FMR_OF_SHARED),
                META_EXTENT(0x1000, 0x3000, OWN_INODES),
        };

        add_all(&m, in, ELEMENTSOF(in));
        assert_int_equal(extent_map_seal(&m), 0);
        assert_int_equal(m.n, ELEMENTSOF(in));

        /* Everything: by device offset, then owner, then file offset. */
        CHECK_LOOKUP(&m, 0, UINT64_MAX,
                     META_EXTENT(0x0, 0x1000, OWN_FS),
                     META_EXTENT(0x1000, 0x3000, OWN_INODES),
                     FILE_EXTENT(0x10000, 0x4000, 131, 0x0, FMR_OF_SHARED),
                     FILE_EXTENT(0x10000, 0x2000, 131, 0x10000, FMR_OF_SHARED),
                     FILE_EXTENT(0x10000, 0x4000, 133, 0x8000, FMR_OF_SHARED),
                     FILE_EXTENT(0x20000, 0x1000, 140, 0x0, 0));
        for (size_t i = 0; i + 1 < m.n; i++)
                assert_true(m.max_end[i] <= m.max_end[i + 1]);
        assert_int_equal(m.max_end[m.n - 1], 0x21000);

        /* One shared byte: every sharer, each at its own place in its file. */
        CHECK_LOOKUP(&m, 0x11000, 0x11001,
                     FILE_EXTENT(0x11000, 1, 131, 0x1000, FMR_OF_SHARED),
                     FILE_EXTENT(0x11000, 1, 131, 0x11000, FMR_OF_SHARED),
                     FILE_EXTENT(0x11000, 1, 133, 0x9000, FMR_OF_SHARED));
        /* Past the shorter sharer's end. */
        CHECK_LOOKUP(&m, 0x12000, 0x13000,
                     FILE_EXTENT(0x12000, 0x1000, 131, 0x2000, FMR_OF_SHARED),
                     FILE_EXTENT(0x12000, 0x1000, 133, 0xa000, FMR_OF_SHARED));
        /* Ends are exclusive on both sides. */
        CHECK_LOOKUP(&m, 0x13fff, 0x20001,
                     FILE_EXTENT(0x13fff, 1, 131, 0x3fff, FMR_OF_SHARED),
                     FILE_EXTENT(0x13fff, 1, 133, 0xbfff, FMR_OF_SHARED),
                     FILE_EXTENT(0x20000, 1, 140, 0x0, 0));
}

static void test_clipping(void **state) {
        _cleanup_(extent_map_done) struct extent_map m = {};
        const struct extent in[] = {
                FILE_EXTENT(1000, 1000, 20, 5000, 0),
                FILE_EXTENT(1000, 1000, 21, 7000, FMR_OF_PREALLOC | FMR_OF_SHARED),
                /* Not file data: their file_offset is not a place in a file, never moved. */
                FILE_EXTENT(1000, 1000, 22, 123, FMR_OF_EXTENT_MAP),
                FILE_EXTENT(1000, 1000, 23, 456, FMR_OF_ATTR_FORK),
                { .dev_offset = 1000, .length = 1000, .owner = OWN_LOG, .file_offset = 789,
                  .flags = FMR_OF_SPECIAL_OWNER },
        };

        add_all(&m, in, ELEMENTSOF(in));
        assert_int_equal(extent_map_seal(&m), 0);

        /* The range inside: both ends clipped. */
        CHECK_LOOKUP(&m, 1100, 1300,
                     FILE_EXTENT(1100, 200, 20, 5100, 0),
                     FILE_EXTENT(1100, 200, 21, 7100, FMR_OF_PREALLOC | FMR_OF_SHARED),
                     FILE_EXTENT(1100, 200, 22, 123, FMR_OF_EXTENT_MAP),
                     FILE_EXTENT(1100, 200, 23, 456, FMR_OF_ATTR_FORK),
                     { .dev_offset = 1100, .length = 200, .owner = OWN_LOG, .file_offset = 789,
                       .flags = FMR_OF_SPECIAL_OWNER });
        /* Starting before: only the tail is cut. */
        CHECK_LOOKUP(&m, 0, 1001,
                     FILE_EXTENT(1000, 1, 20, 5000, 0),
                     FILE_EXTENT(1000, 1, 21, 7000, FMR_OF_PREALLOC | FMR_OF_SHARED),
                     FILE_EXTENT(1000, 1, 22, 123, FMR_OF_EXTENT_MAP),
                     FILE_EXTENT(1000, 1, 23, 456, FMR_OF_ATTR_FORK),
                     { .dev_offset = 1000, .length = 1, .owner = OWN_LOG, .file_offset = 789,
                       .flags = FMR_OF_SPECIAL_OWNER });
        /* Ending after: only the head is cut. */
        CHECK_LOOKUP(&m, 1999, 5000,
                     FILE_EXTENT(1999, 1, 20, 5999, 0),
                     FILE_EXTENT(1999, 1, 21, 7999, FMR_OF_PREALLOC | FMR_OF_SHARED),
                     FILE_EXTENT(1999, 1, 22, 123, FMR_OF_EXTENT_MAP),
                     FILE_EXTENT(1999, 1, 23, 456, FMR_OF_ATTR_FORK),
                     { .dev_offset = 1999, .length = 1, .owner = OWN_LOG, .file_offset = 789,
                       .flags = FMR_OF_SPECIAL_OWNER });
        /* Exactly the extent: nothing changes. */
        CHECK_LOOKUP(&m, 1000, 2000,
                     FILE_EXTENT(1000, 1000, 20, 5000, 0),
                     FILE_EXTENT(1000, 1000, 21, 7000, FMR_OF_PREALLOC | FMR_OF_SHARED),
                     FILE_EXTENT(1000, 1000, 22, 123, FMR_OF_EXTENT_MAP),
                     FILE_EXTENT(1000, 1000, 23, 456, FMR_OF_ATTR_FORK),
                     { .dev_offset = 1000, .length = 1000, .owner = OWN_LOG, .file_offset = 789,
                       .flags = FMR_OF_SPECIAL_OWNER });
        /* The stored entries themselves are never touched by a lookup. */
        for (size_t i = 0; i < m.n; i++) {
                assert_int_equal(m.entries[i].dev_offset, 1000);
                assert_int_equal(m.entries[i].length, 1000);
        }
}

static void test_misses(void **state) {
        _cleanup_(extent_map_done) struct extent_map m = {};
        const struct extent in[] = {
                FILE_EXTENT(100, 100, 1, 0, 0),
                FILE_EXTENT(300, 100, 2, 0, 0),
                META_EXTENT(1000, 24, OWN_AG),
        };

        add_all(&m, in, ELEMENTSOF(in));
        assert_int_equal(extent_map_seal(&m), 0);

        CHECK_NOTHING(&m, 0, 100);              /* before everything, touching the first */
        CHECK_NOTHING(&m, 200, 300);            /* the gap, touching both sides */
        CHECK_NOTHING(&m, 250, 260);
        CHECK_NOTHING(&m, 400, 1000);
        CHECK_NOTHING(&m, 1024, UINT64_MAX);    /* after everything */
        CHECK_NOTHING(&m, 150, 150);            /* empty ranges, even inside an extent */
        CHECK_NOTHING(&m, 150, 120);            /* and reversed ones */
        CHECK_NOTHING(&m, UINT64_MAX, 0);

        CHECK_LOOKUP(&m, 199, 301, FILE_EXTENT(199, 1, 1, 99, 0), FILE_EXTENT(300, 1, 2, 0, 0));
        CHECK_LOOKUP(&m, 1023, 1024, { .dev_offset = 1023, .length = 1, .owner = OWN_AG,
                                       .flags = FMR_OF_SPECIAL_OWNER });
}

static void test_long_early_extent(void **state) {
        _cleanup_(extent_map_done) struct extent_map m = {};

        /* A few short ones, one that reaches far, then many short ones it spans. */
        for (uint64_t i = 0; i < 10; i++)
                assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(i * 0x100, 0x10, 100 + i, 0, 0)), 0);
        assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(0x1000, 0x10000000, 7, 0x40000, 0)), 0);
        for (uint64_t i = 0; i < 5000; i++)
                assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(0x2000 + i * 0x1000, 0x100,
                                                                                  1000 + i, i * 0x100, 0)), 0);
        assert_int_equal(extent_map_seal(&m), 0);
        assert_int_equal(m.n, 5011);

        /* Past every short one: only the long one covers it. */
        CHECK_LOOKUP(&m, 0x8000000, 0x8000010, FILE_EXTENT(0x8000000, 0x10, 7, 0x40000 + 0x7fff000, 0));
        /* In a gap between two late short ones. */
        CHECK_LOOKUP(&m, 0x2000 + 4000 * 0x1000 + 0x800, 0x2000 + 4000 * 0x1000 + 0x900,
                     FILE_EXTENT(0x2000 + 4000 * 0x1000 + 0x800, 0x100, 7,
                                 0x40000 + 0x1000 + 4000 * 0x1000 + 0x800, 0));
        /* On a late short one: both, the long one first (it starts earlier). */
        CHECK_LOOKUP(&m, 0x2000 + 4999 * 0x1000 + 0x80, 0x2000 + 4999 * 0x1000 + 0x90,
                     FILE_EXTENT(0x2000 + 4999 * 0x1000 + 0x80, 0x10, 7, 0x40000 + 0x1000 + 4999 * 0x1000 + 0x80, 0),
                     FILE_EXTENT(0x2000 + 4999 * 0x1000 + 0x80, 0x10, 1000 + 4999, 4999 * 0x100 + 0x80, 0));
        /* Its very last byte, and just past it. */
        CHECK_LOOKUP(&m, 0x10000fff, 0x20000000, FILE_EXTENT(0x10000fff, 1, 7, 0x40000 + 0xfffffff, 0));
        CHECK_NOTHING(&m, 0x10001000, 0x20000000);
        /* Before it, among the first short ones: it is not there. */
        CHECK_LOOKUP(&m, 0x900, 0x1000, FILE_EXTENT(0x900, 0x10, 109, 0, 0));
        CHECK_NOTHING(&m, 0x910, 0x1000);
        CHECK_LOOKUP(&m, 0xff0, 0x1001, FILE_EXTENT(0x1000, 1, 7, 0x40000, 0));
}

static void test_callback_stops(void **state) {
        _cleanup_(extent_map_done) struct extent_map m = {};
        struct collected c = {};

        for (uint64_t i = 0; i < 10; i++)
                assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(i * 10, 10, i, 0, 0)), 0);
        assert_int_equal(extent_map_seal(&m), 0);

        c.stop_at = 3;
        c.stop_value = 42;
        assert_int_equal(extent_map_lookup(&m, 0, 100, collect, &c), 42);
        assert_int_equal(c.calls, 3);
        assert_int_equal(c.e[2].owner, 2);
        collected_done(&c);

        c.stop_at = 1;
        c.stop_value = -EIO;
        assert_int_equal(extent_map_lookup(&m, 55, 100, collect, &c), -EIO);
        assert_int_equal(c.calls, 1);
        assert_int_equal(c.e[0].dev_offset, 55);
        assert_int_equal(c.e[0].owner, 5);
        collected_done(&c);

        /* The last call stopping looks no different from a full walk, but is still returned. */
        c.stop_at = 10;
        c.stop_value = 1;
        assert_int_equal(extent_map_lookup(&m, 0, 100, collect, &c), 1);
        assert_int_equal(c.calls, 10);
        collected_done(&c);
}

/* Random extents against a brute-force scan. */

static uint64_t rng_state;

static uint64_t rng(void) {
        /* xorshift64*: fixed sequence for a given seed on every platform. */
        rng_state ^= rng_state >> 12;
        rng_state ^= rng_state << 25;
        rng_state ^= rng_state >> 27;
        return rng_state * 0x2545F4914F6CDD1DULL;
}

static uint64_t rnd(uint64_t n) {
        return rng() % n;
}

#define SPACE (UINT64_C(1) << 28)

static int compare_all(const void *a, const void *b) {
        const struct extent *x = a, *y = b;

        if (x->dev_offset != y->dev_offset)
                return x->dev_offset < y->dev_offset ? -1 : 1;
        if (x->owner != y->owner)
                return x->owner < y->owner ? -1 : 1;
        if (x->file_offset != y->file_offset)
                return x->file_offset < y->file_offset ? -1 : 1;
        if (x->length != y->length)
                return x->length < y->length ? -1 : 1;
        return x->flags < y->flags ? -1 : x->flags > y->flags;
}

static size_t brute_force(const struct extent *all, size_t n, uint64_t start, uint64_t end, struct extent *ret) {
        size_t k = 0;

        for (size_t i = 0; i < n; i++) {
                uint64_t a = all[i].dev_offset > start ? all[i].dev_offset : start;
                uint64_t b = all[i].dev_offset + all[i].length < end ? all[i].dev_offset + all[i].length : end;
                struct extent c = all[i];

                if (a >= b)
                        continue;
                if (!(c.flags & (FMR_OF_SPECIAL_OWNER | FMR_OF_EXTENT_MAP | FMR_OF_ATTR_FORK)))
                        c.file_offset += a - all[i].dev_offset;
                c.dev_offset = a;
                c.length = b - a;
                ret[k++] = c;
        }
        return k;
}

static void test_random_vs_brute_force(void **state) {
        enum { N = 2000, QUERIES = 3000 };
        static const uint32_t flag_choices[] = {
                0, 0, 0, FMR_OF_SHARED, FMR_OF_PREALLOC, FMR_OF_EXTENT_MAP, FMR_OF_ATTR_FORK,
                FMR_OF_SPECIAL_OWNER,
        };
        _cleanup_(extent_map_done) struct extent_map m = {};
        _cleanup_free_ struct extent *all = NULL, *want = NULL;
        struct collected c = {};
        size_t total = 0, nonempty = 0, max_hits = 0;

        all = calloc(N, sizeof(*all));
        want = calloc(N, sizeof(*want));
        assert_non_null(all);
        assert_non_null(want);

        rng_state = 0x9E3779B97F4A7C15ULL;
        for (size_t i = 0; i < N; i++) {
                uint64_t r = rnd(100);
                struct extent e = {
                        .dev_offset = rnd(SPACE),
                        /* Mostly short, some medium, a few spanning much of the space. */
                        .length = r < 80 ? 1 + rnd(0x1000) : r < 99 ? 1 + rnd(0x100000) : 1 + rnd(SPACE / 8),
                        .owner = rnd(4) == 0 ? rnd(8) : 100 + rnd(500),        /* repeats: reflinks */
                        .file_offset = rnd(1u << 30),
                        .flags = flag_choices[rnd(ELEMENTSOF(flag_choices))],
                };

                /* Now and then a second owner of exactly the same bytes. */
                if (i > 0 && rnd(10) == 0) {
                        e.dev_offset = all[i - 1].dev_offset;
                        e.length = all[i - 1].length;
                }
                all[i] = e;
                assert_int_equal(extent_map_add(&m, &e), 0);
        }
        assert_int_equal(extent_map_seal(&m), 0);
        assert_int_equal(m.n, N);

        for (unsigned q = 0; q < QUERIES; q++) {
                uint64_t start, end, r = rnd(100);
                size_t n;

                start = rnd(SPACE + 0x10000);
                if (r < 60)
                        end = start + rnd(0x2000);
                else if (r < 90)
                        end = start + rnd(0x100000);
                else if (r < 97)
                        end = start + rnd(SPACE);
                else {
                        start = rnd(4) == 0 ? 0 : start;
                        end = UINT64_MAX;
                }

                n = brute_force(all, N, start, end, want);
                assert_int_equal(extent_map_lookup(&m, start, end, collect, &c), 0);
                if (c.n != n)
                        fail_msg("query %u [0x%" PRIx64 ", 0x%" PRIx64 "): %zu entries, brute force %zu",
                                 q, start, end, c.n, n);
                /* In device order... */
                for (size_t i = 0; i + 1 < c.n; i++)
                        assert_true(c.e[i].dev_offset <= c.e[i + 1].dev_offset);
                /* ...and the same clipped entries as the scan (ties in any order). */
                if (n > 0) {
                        qsort(c.e, c.n, sizeof(*c.e), compare_all);
                        qsort(want, n, sizeof(*want), compare_all);
                }
                check_extents(c.e, c.n, want, n);
                for (size_t i = 0; i < c.n; i++) {
                        assert_true(c.e[i].dev_offset >= start);
                        assert_true(c.e[i].dev_offset + c.e[i].length <= end);
                        assert_true(c.e[i].length > 0);
                }
                total += n;
                nonempty += n > 0;
                if (n > max_hits)
                        max_hits = n;
                collected_done(&c);
        }
        /* The queries really hit things, sometimes a lot of them. */
        assert_true(nonempty > QUERIES / 2);
        assert_true(nonempty < QUERIES);
        assert_true(total > 10 * QUERIES);
        assert_true(max_hits > N / 4);
}

static void test_empty(void **state) {
        _cleanup_(extent_map_done) struct extent_map m = {};

        /* Never had an entry: entries is NULL. */
        assert_null(m.entries);
        assert_int_equal(extent_map_seal(&m), 0);
        assert_true(m.sealed);
        CHECK_NOTHING(&m, 0, UINT64_MAX);
        CHECK_NOTHING(&m, 5, 5);

        /* Emptied after it had some: sealed again, nothing found. */
        assert_int_equal(extent_map_add(&m, &(struct extent) FILE_EXTENT(0, 100, 5, 0, 0)), 0);
        extent_map_done(&m);
        assert_int_equal(extent_map_seal(&m), 0);
        CHECK_NOTHING(&m, 0, UINT64_MAX);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_add_rejects),
                cmocka_unit_test(test_add_clears_reserved),
                cmocka_unit_test(test_unsealed),
                cmocka_unit_test(test_sorted_and_reflinks),
                cmocka_unit_test(test_clipping),
                cmocka_unit_test(test_misses),
                cmocka_unit_test(test_long_early_extent),
                cmocka_unit_test(test_callback_stops),
                cmocka_unit_test(test_random_vs_brute_force),
                /* Last: under UBSan (halt_on_error) it stops the run, see the seal of an empty map. */
                cmocka_unit_test(test_empty),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
