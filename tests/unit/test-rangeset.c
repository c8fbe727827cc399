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
#include <string.h>
#include <cmocka.h>

#include "rangeset.h"

#define R(a, b) { (a), (b) }

/* Sorted, non-empty, disjoint and non-adjacent: what every operation must leave behind. */
static void check_invariants(const struct daxmf_rangeset *s) {
        assert_true(s->n <= s->allocated);
        if (s->n > 0)
                assert_non_null(s->ranges);
        for (size_t i = 0; i < s->n; i++) {
                assert_true(s->ranges[i].start < s->ranges[i].end);
                if (i + 1 < s->n)
                        assert_true(s->ranges[i].end < s->ranges[i + 1].start);
        }
}

static void check_ranges(const struct daxmf_rangeset *s, const struct daxmf_range *want, size_t n) {
        check_invariants(s);
        if (s->n != n) {
                for (size_t i = 0; i < s->n; i++)
                        print_error("  have [%" PRIu64 ", %" PRIu64 ")\n",
                                    s->ranges[i].start, s->ranges[i].end);
                for (size_t i = 0; i < n; i++)
                        print_error("  want [%" PRIu64 ", %" PRIu64 ")\n", want[i].start, want[i].end);
        }
        assert_int_equal(s->n, n);
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(s->ranges[i].start, want[i].start);
                assert_int_equal(s->ranges[i].end, want[i].end);
        }
}

#define CHECK(s, ...)                                                                           \
        do {                                                                                    \
                const struct daxmf_range _want[] = { __VA_ARGS__ };                             \
                check_ranges((s), _want, sizeof(_want) / sizeof(_want[0]));                     \
        } while (0)

static void check_empty(const struct daxmf_rangeset *s) {
        check_invariants(s);
        assert_int_equal(s->n, 0);
        assert_int_equal(rangeset_pages(s), 0);
}

/* A set from (start, end) pairs, every add checked. */
static void build(struct daxmf_rangeset *s, const struct daxmf_range *r, size_t n) {
        for (size_t i = 0; i < n; i++)
                assert_int_equal(rangeset_add(s, r[i].start, r[i].end), 0);
        check_invariants(s);
}

#define BUILD(s, ...)                                                                           \
        do {                                                                                    \
                const struct daxmf_range _in[] = { __VA_ARGS__ };                               \
                build((s), _in, sizeof(_in) / sizeof(_in[0]));                                  \
        } while (0)

static void test_add_into_empty(void **state) {
        struct daxmf_rangeset s = {};

        check_empty(&s);
        assert_int_equal(rangeset_add(&s, 10, 20), 0);
        CHECK(&s, R(10, 20));
        assert_int_equal(rangeset_pages(&s), 10);

        rangeset_done(&s);
        assert_null(s.ranges);
        check_empty(&s);

        /* A single page at 0. */
        assert_int_equal(rangeset_add(&s, 0, 1), 0);
        CHECK(&s, R(0, 1));
        assert_int_equal(rangeset_pages(&s), 1);
        rangeset_done(&s);
}

static void test_add_disjoint_any_order(void **state) {
        static const struct daxmf_range orders[][4] = {
                { R(10, 20), R(30, 40), R(50, 60), R(70, 80) },
                { R(70, 80), R(50, 60), R(30, 40), R(10, 20) },
                { R(50, 60), R(10, 20), R(70, 80), R(30, 40) },
                { R(30, 40), R(70, 80), R(10, 20), R(50, 60) },
        };

        for (size_t k = 0; k < sizeof(orders) / sizeof(orders[0]); k++) {
                struct daxmf_rangeset s = {};

                for (size_t i = 0; i < 4; i++) {
                        assert_int_equal(rangeset_add(&s, orders[k][i].start, orders[k][i].end), 0);
                        check_invariants(&s);
                        assert_int_equal(s.n, i + 1);
                }
                CHECK(&s, R(10, 20), R(30, 40), R(50, 60), R(70, 80));
                assert_int_equal(rangeset_pages(&s), 40);
                rangeset_done(&s);
        }
}

static void test_add_many_grows(void **state) {
        struct daxmf_rangeset s = {};

        /* Past the first allocation (8) and a few doublings, inserted backwards. */
        for (uint64_t i = 100; i-- > 0;)
                assert_int_equal(rangeset_add(&s, i * 10, i * 10 + 5), 0);
        check_invariants(&s);
        assert_int_equal(s.n, 100);
        for (size_t i = 0; i < 100; i++) {
                assert_int_equal(s.ranges[i].start, i * 10);
                assert_int_equal(s.ranges[i].end, i * 10 + 5);
        }
        assert_int_equal(rangeset_pages(&s), 500);

        /* Fill every gap: one range. */
        for (uint64_t i = 0; i < 99; i++)
                assert_int_equal(rangeset_add(&s, i * 10 + 5, i * 10 + 10), 0);
        CHECK(&s, R(0, 995));
        rangeset_done(&s);
}

static void test_add_overlapping(void **state) {
        struct daxmf_rangeset s = {};

        BUILD(&s, R(10, 20), R(40, 50));

        /* Overlaps the tail of the first. */
        assert_int_equal(rangeset_add(&s, 15, 25), 0);
        CHECK(&s, R(10, 25), R(40, 50));

        /* Overlaps the head of the second. */
        assert_int_equal(rangeset_add(&s, 35, 45), 0);
        CHECK(&s, R(10, 25), R(35, 50));

        /* Overlaps the head of the first, from below. */
        assert_int_equal(rangeset_add(&s, 5, 11), 0);
        CHECK(&s, R(5, 25), R(35, 50));
        assert_int_equal(rangeset_pages(&s), 35);
        rangeset_done(&s);
}

static void test_add_adjacent_merges(void **state) {
        struct daxmf_rangeset s = {};

        BUILD(&s, R(10, 20));

        /* end == start of the existing one. */
        assert_int_equal(rangeset_add(&s, 5, 10), 0);
        CHECK(&s, R(5, 20));

        /* start == end of the existing one. */
        assert_int_equal(rangeset_add(&s, 20, 21), 0);
        CHECK(&s, R(5, 21));

        /* One page off on each side: stays apart. */
        assert_int_equal(rangeset_add(&s, 22, 30), 0);
        assert_int_equal(rangeset_add(&s, 0, 4), 0);
        CHECK(&s, R(0, 4), R(5, 21), R(22, 30));

        /* A single page touching both neighbours joins all three. */
        assert_int_equal(rangeset_add(&s, 21, 22), 0);
        CHECK(&s, R(0, 4), R(5, 30));
        assert_int_equal(rangeset_add(&s, 4, 5), 0);
        CHECK(&s, R(0, 30));
        rangeset_done(&s);
}

static void test_add_contained_and_containing(void **state) {
        struct daxmf_rangeset s = {};

        BUILD(&s, R(10, 20), R(30, 40));

        /* Contained: nothing changes. */
        assert_int_equal(rangeset_add(&s, 12, 18), 0);
        CHECK(&s, R(10, 20), R(30, 40));
        assert_int_equal(rangeset_add(&s, 10, 20), 0);
        CHECK(&s, R(10, 20), R(30, 40));
        assert_int_equal(rangeset_add(&s, 30, 31), 0);
        CHECK(&s, R(10, 20), R(30, 40));

        /* Containing one. */
        assert_int_equal(rangeset_add(&s, 28, 45), 0);
        CHECK(&s, R(10, 20), R(28, 45));

        /* Containing one with an equal start, then with an equal end. */
        assert_int_equal(rangeset_add(&s, 10, 22), 0);
        CHECK(&s, R(10, 22), R(28, 45));
        assert_int_equal(rangeset_add(&s, 8, 22), 0);
        CHECK(&s, R(8, 22), R(28, 45));
        assert_int_equal(rangeset_pages(&s), 31);
        rangeset_done(&s);
}

static void test_add_bridging(void **state) {
        struct daxmf_rangeset s = {};

        BUILD(&s, R(0, 2), R(10, 20), R(30, 40), R(50, 60), R(70, 80), R(100, 110));

        /* From inside the second to inside the fifth. */
        assert_int_equal(rangeset_add(&s, 15, 75), 0);
        CHECK(&s, R(0, 2), R(10, 80), R(100, 110));

        /* Exactly touching both ends: everything becomes one. */
        assert_int_equal(rangeset_add(&s, 2, 100), 0);
        CHECK(&s, R(0, 110));
        rangeset_done(&s);

        /* Covering several from outside both ends. */
        BUILD(&s, R(10, 20), R(30, 40), R(50, 60), R(200, 210));
        assert_int_equal(rangeset_add(&s, 5, 65), 0);
        CHECK(&s, R(5, 65), R(200, 210));
        assert_int_equal(rangeset_pages(&s), 70);
        rangeset_done(&s);

        /* Bridging at the very end and at the very start of the array. */
        BUILD(&s, R(10, 20), R(30, 40), R(50, 60));
        assert_int_equal(rangeset_add(&s, 35, 1000), 0);
        CHECK(&s, R(10, 20), R(30, 1000));
        assert_int_equal(rangeset_add(&s, 0, 31), 0);
        CHECK(&s, R(0, 1000));
        rangeset_done(&s);
}

static void test_add_empty_and_invalid(void **state) {
        struct daxmf_rangeset s = {};

        /* Empty range into an empty set: nothing allocated. */
        assert_int_equal(rangeset_add(&s, 5, 5), 0);
        check_empty(&s);
        assert_null(s.ranges);

        BUILD(&s, R(10, 20), R(30, 40));
        /* Empty ranges anywhere, including in a gap and touching ranges: no-op. */
        assert_int_equal(rangeset_add(&s, 25, 25), 0);
        assert_int_equal(rangeset_add(&s, 20, 20), 0);
        assert_int_equal(rangeset_add(&s, 30, 30), 0);
        assert_int_equal(rangeset_add(&s, 15, 15), 0);
        assert_int_equal(rangeset_add(&s, UINT64_MAX, UINT64_MAX), 0);
        CHECK(&s, R(10, 20), R(30, 40));

        /* start > end: refused, set untouched. */
        assert_int_equal(rangeset_add(&s, 21, 20), -EINVAL);
        assert_int_equal(rangeset_add(&s, 50, 0), -EINVAL);
        assert_int_equal(rangeset_add(&s, UINT64_MAX, 0), -EINVAL);
        CHECK(&s, R(10, 20), R(30, 40));
        assert_int_equal(rangeset_remove(&s, 35, 15), -EINVAL);
        assert_int_equal(rangeset_remove(&s, UINT64_MAX, 0), -EINVAL);
        CHECK(&s, R(10, 20), R(30, 40));
        rangeset_done(&s);
}

static void test_remove_middle_split(void **state) {
        struct daxmf_rangeset s = {};

        BUILD(&s, R(0, 5), R(10, 100), R(200, 210));
        assert_int_equal(rangeset_remove(&s, 40, 60), 0);
        CHECK(&s, R(0, 5), R(10, 40), R(60, 100), R(200, 210));
        assert_int_equal(rangeset_pages(&s), 5 + 30 + 40 + 10);

        /* A single page out of the middle. */
        assert_int_equal(rangeset_remove(&s, 20, 21), 0);
        CHECK(&s, R(0, 5), R(10, 20), R(21, 40), R(60, 100), R(200, 210));
        rangeset_done(&s);

        /* Splits that need the array to grow (8 slots in use). */
        for (uint64_t i = 0; i < 8; i++)
                assert_int_equal(rangeset_add(&s, i * 100, i * 100 + 50), 0);
        assert_int_equal(s.n, 8);
        assert_int_equal(rangeset_remove(&s, 310, 320), 0);
        assert_int_equal(rangeset_remove(&s, 10, 20), 0);
        assert_int_equal(rangeset_remove(&s, 730, 740), 0);
        CHECK(&s, R(0, 10), R(20, 50), R(100, 150), R(200, 250), R(300, 310), R(320, 350),
              R(400, 450), R(500, 550), R(600, 650), R(700, 730), R(740, 750));
        rangeset_done(&s);
}

static void test_remove_head_tail_whole(void **state) {
        struct daxmf_rangeset s = {};

        BUILD(&s, R(10, 20), R(30, 40), R(50, 60));

        /* Head of the middle one (exactly from its start). */
        assert_int_equal(rangeset_remove(&s, 30, 33), 0);
        CHECK(&s, R(10, 20), R(33, 40), R(50, 60));

        /* Head, starting before it in the gap. */
        assert_int_equal(rangeset_remove(&s, 45, 52), 0);
        CHECK(&s, R(10, 20), R(33, 40), R(52, 60));

        /* Tail exactly to its end. */
        assert_int_equal(rangeset_remove(&s, 18, 20), 0);
        CHECK(&s, R(10, 18), R(33, 40), R(52, 60));

        /* Tail, reaching into the gap. */
        assert_int_equal(rangeset_remove(&s, 38, 45), 0);
        CHECK(&s, R(10, 18), R(33, 38), R(52, 60));

        /* Whole, exactly. */
        assert_int_equal(rangeset_remove(&s, 33, 38), 0);
        CHECK(&s, R(10, 18), R(52, 60));

        /* Whole, with room on both sides. */
        assert_int_equal(rangeset_remove(&s, 40, 70), 0);
        CHECK(&s, R(10, 18));

        /* The last one. */
        assert_int_equal(rangeset_remove(&s, 10, 18), 0);
        check_empty(&s);

        /* Removing from an empty set. */
        assert_int_equal(rangeset_remove(&s, 0, 100), 0);
        check_empty(&s);
        rangeset_done(&s);
}

static void test_remove_spanning(void **state) {
        struct daxmf_rangeset s = {};

        BUILD(&s, R(0, 5), R(10, 20), R(30, 40), R(50, 60), R(70, 80), R(90, 95));

        /* Tail of one, three whole, head of another. */
        assert_int_equal(rangeset_remove(&s, 15, 75), 0);
        CHECK(&s, R(0, 5), R(10, 15), R(75, 80), R(90, 95));
        assert_int_equal(rangeset_pages(&s), 5 + 5 + 5 + 5);

        /* Everything. */
        assert_int_equal(rangeset_remove(&s, 0, 1000), 0);
        check_empty(&s);
        rangeset_done(&s);

        /* Whole ones only, with exact ends. */
        BUILD(&s, R(0, 5), R(10, 20), R(30, 40), R(50, 60));
        assert_int_equal(rangeset_remove(&s, 10, 40), 0);
        CHECK(&s, R(0, 5), R(50, 60));
        rangeset_done(&s);
}

static void test_remove_no_overlap(void **state) {
        struct daxmf_rangeset s = {};

        BUILD(&s, R(10, 20), R(30, 40));

        assert_int_equal(rangeset_remove(&s, 0, 10), 0);       /* touches the first from below */
        assert_int_equal(rangeset_remove(&s, 20, 30), 0);      /* exactly the gap */
        assert_int_equal(rangeset_remove(&s, 22, 28), 0);      /* inside the gap */
        assert_int_equal(rangeset_remove(&s, 40, 41), 0);      /* touches the last from above */
        assert_int_equal(rangeset_remove(&s, 1000, UINT64_MAX), 0);
        assert_int_equal(rangeset_remove(&s, 15, 15), 0);      /* empty, inside a range */
        assert_int_equal(rangeset_remove(&s, 30, 30), 0);
        CHECK(&s, R(10, 20), R(30, 40));
        assert_int_equal(rangeset_pages(&s), 20);
        rangeset_done(&s);
}

static void test_remove_set(void **state) {
        struct daxmf_rangeset s = {}, o = {}, e = {};

        BUILD(&s, R(0, 100), R(200, 300), R(400, 500));
        BUILD(&o, R(10, 20), R(50, 250), R(299, 300), R(450, 460), R(600, 700));

        assert_int_equal(rangeset_remove_set(&s, &o), 0);
        CHECK(&s, R(0, 10), R(20, 50), R(250, 299), R(400, 450), R(460, 500));
        assert_int_equal(rangeset_pages(&s), 10 + 30 + 49 + 50 + 40);
        /* The other set is left alone. */
        CHECK(&o, R(10, 20), R(50, 250), R(299, 300), R(450, 460), R(600, 700));

        /* Removing an empty set changes nothing; removing into empty stays empty. */
        assert_int_equal(rangeset_remove_set(&s, &e), 0);
        CHECK(&s, R(0, 10), R(20, 50), R(250, 299), R(400, 450), R(460, 500));
        assert_int_equal(rangeset_remove_set(&e, &o), 0);
        check_empty(&e);

        /* Removing a superset empties it. */
        rangeset_done(&o);
        BUILD(&o, R(0, 1000));
        assert_int_equal(rangeset_remove_set(&s, &o), 0);
        check_empty(&s);

        rangeset_done(&s);
        rangeset_done(&o);
        rangeset_done(&e);
}

static void test_contains(void **state) {
        struct daxmf_rangeset s = {};

        /* Empty set: only empty ranges. */
        assert_true(rangeset_contains(&s, 0, 0));
        assert_true(rangeset_contains(&s, 7, 7));
        assert_false(rangeset_contains(&s, 0, 1));

        BUILD(&s, R(10, 20), R(30, 40));

        /* Exact. */
        assert_true(rangeset_contains(&s, 10, 20));
        assert_true(rangeset_contains(&s, 30, 40));
        /* Inside. */
        assert_true(rangeset_contains(&s, 11, 19));
        assert_true(rangeset_contains(&s, 10, 11));
        assert_true(rangeset_contains(&s, 19, 20));
        assert_true(rangeset_contains(&s, 39, 40));
        /* One page past either end. */
        assert_false(rangeset_contains(&s, 9, 20));
        assert_false(rangeset_contains(&s, 10, 21));
        assert_false(rangeset_contains(&s, 20, 21));
        assert_false(rangeset_contains(&s, 9, 10));
        assert_false(rangeset_contains(&s, 40, 41));
        /* Straddling the gap, both members at the ends. */
        assert_false(rangeset_contains(&s, 15, 35));
        assert_false(rangeset_contains(&s, 10, 40));
        /* Entirely in a gap / outside. */
        assert_false(rangeset_contains(&s, 22, 28));
        assert_false(rangeset_contains(&s, 0, 5));
        assert_false(rangeset_contains(&s, 100, 200));
        /* Empty range: always. */
        assert_true(rangeset_contains(&s, 25, 25));
        assert_true(rangeset_contains(&s, 15, 15));
        assert_true(rangeset_contains(&s, UINT64_MAX, UINT64_MAX));
        rangeset_done(&s);
}

static void test_pages(void **state) {
        struct daxmf_rangeset s = {};

        assert_int_equal(rangeset_pages(&s), 0);
        BUILD(&s, R(0, 1), R(2, 3), R(1000, 1512));
        assert_int_equal(rangeset_pages(&s), 514);
        assert_int_equal(rangeset_add(&s, 1, 2), 0);
        assert_int_equal(rangeset_pages(&s), 515);
        assert_int_equal(rangeset_remove(&s, 1100, 1200), 0);
        assert_int_equal(rangeset_pages(&s), 415);
        rangeset_done(&s);

        /* Big counts are not truncated anywhere. */
        BUILD(&s, R(0, 1ULL << 40), R(1ULL << 41, (1ULL << 41) + (1ULL << 36)));
        assert_int_equal(rangeset_pages(&s), (1ULL << 40) + (1ULL << 36));
        rangeset_done(&s);
}

static void test_near_uint64_max(void **state) {
        const uint64_t M = UINT64_MAX;
        struct daxmf_rangeset s = {};

        BUILD(&s, R(M - 10, M));
        assert_int_equal(rangeset_pages(&s), 10);
        assert_true(rangeset_contains(&s, M - 1, M));
        assert_true(rangeset_contains(&s, M - 10, M));
        assert_false(rangeset_contains(&s, M - 11, M));

        /* Adjacent from below, then a disjoint one just under it. */
        assert_int_equal(rangeset_add(&s, M - 20, M - 10), 0);
        CHECK(&s, R(M - 20, M));
        assert_int_equal(rangeset_add(&s, M - 30, M - 25), 0);
        CHECK(&s, R(M - 30, M - 25), R(M - 20, M));

        /* Split at the top, remove the very last page, the head. */
        assert_int_equal(rangeset_remove(&s, M - 15, M - 14), 0);
        CHECK(&s, R(M - 30, M - 25), R(M - 20, M - 15), R(M - 14, M));
        assert_int_equal(rangeset_remove(&s, M - 1, M), 0);
        CHECK(&s, R(M - 30, M - 25), R(M - 20, M - 15), R(M - 14, M - 1));
        assert_false(rangeset_contains(&s, M - 1, M));
        assert_true(rangeset_contains(&s, M - 2, M - 1));
        assert_int_equal(rangeset_pages(&s), 5 + 5 + 13);

        /* The whole space. */
        assert_int_equal(rangeset_add(&s, 0, M), 0);
        CHECK(&s, R(0, M));
        assert_int_equal(rangeset_pages(&s), M);
        assert_true(rangeset_contains(&s, 0, M));
        assert_int_equal(rangeset_remove(&s, 1, M - 1), 0);
        CHECK(&s, R(0, 1), R(M - 1, M));
        assert_int_equal(rangeset_pages(&s), 2);
        rangeset_done(&s);
}

/* Differential test against a bitmap over a small universe. */

#define UNIVERSE 300

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

static void random_range(uint64_t *a, uint64_t *b) {
        /* Mostly short ranges, sometimes long ones; the ends inclusive of UNIVERSE. */
        *a = rnd(UNIVERSE + 1);
        if (rnd(4) == 0)
                *b = rnd(UNIVERSE + 1);
        else
                *b = *a + rnd(20);
        if (*b > UNIVERSE)
                *b = UNIVERSE;
        if (*a > *b && rnd(8) != 0) {
                uint64_t t = *a;
                *a = *b;
                *b = t;
        }
}

static void check_model(const struct daxmf_rangeset *s, const bool *model, unsigned step) {
        uint64_t pages = 0;
        size_t i = 0;

        check_invariants(s);
        for (uint64_t p = 0; p < UNIVERSE + 10; p++) {
                bool in = false;

                while (i < s->n && s->ranges[i].end <= p)
                        i++;
                if (i < s->n && s->ranges[i].start <= p)
                        in = true;
                if (in != (p < UNIVERSE && model[p]))
                        fail_msg("step %u: page %" PRIu64 " is %s the set but %s the model",
                                 step, p, in ? "in" : "not in", in ? "not in" : "in");
                assert_int_equal(rangeset_contains(s, p, p + 1), in);
                pages += in;
        }
        assert_int_equal(rangeset_pages(s), pages);
        if (s->n > 0)
                assert_true(s->ranges[s->n - 1].end <= UNIVERSE);
}

static bool model_contains(const bool *model, uint64_t a, uint64_t b) {
        for (uint64_t p = a; p < b; p++)
                if (p >= UNIVERSE || !model[p])
                        return false;
        return true;
}

/* Used as a queue (the engine pops the lowest range, events add higher ones): the freed front is reused. */
static void test_queue_front_pops(void **state) {
        struct daxmf_rangeset s = {};
        uint64_t next = 0;

        for (uint64_t i = 0; i < 64; i++, next += 2)
                assert_int_equal(rangeset_add(&s, next, next + 1), 0);
        for (unsigned round = 0; round < 10000; round++) {
                uint64_t first = s.ranges[0].start;

                assert_int_equal(rangeset_remove(&s, first, first + 1), 0);
                assert_int_equal(rangeset_add(&s, next, next + 1), 0);
                next += 2;
                assert_int_equal(s.n, 64);
                assert_int_equal(s.ranges[0].start, first + 2);
                assert_int_equal(s.ranges[63].start, next - 2);
                assert_true(s.allocated <= 256);
        }
        assert_int_equal(rangeset_count(&s, 0, next), 64);
        assert_int_equal(rangeset_count(&s, s.ranges[1].start, s.ranges[3].start), 2);
        /* A removal over several whole ranges and a part of one, from the front. */
        assert_int_equal(rangeset_remove(&s, 0, s.ranges[5].start + 1), 0);
        assert_int_equal(s.n, 58);
        assert_int_equal(rangeset_pages(&s), 58);
        /* Emptied from the front, then filled again. */
        assert_int_equal(rangeset_remove(&s, 0, UINT64_MAX), 0);
        assert_int_equal(s.n, 0);
        for (uint64_t i = 0; i < 1000; i++)
                assert_int_equal(rangeset_add(&s, 3 * i, 3 * i + 2), 0);
        assert_int_equal(s.n, 1000);
        assert_int_equal(rangeset_pages(&s), 2000);
        rangeset_done(&s);
}

static void test_random_vs_bitmap(void **state) {
        struct daxmf_rangeset s = {};
        bool model[UNIVERSE] = {};
        unsigned adds = 0, removes = 0, sets = 0, invalid = 0;

        rng_state = 0x9E3779B97F4A7C15ULL;
        for (unsigned step = 0; step < 5000; step++) {
                uint64_t a, b, op = rnd(10);
                int r;

                random_range(&a, &b);
                if (op < 5) {
                        r = rangeset_add(&s, a, b);
                        if (a > b) {
                                assert_int_equal(r, -EINVAL);
                                invalid++;
                        } else {
                                assert_int_equal(r, 0);
                                for (uint64_t p = a; p < b; p++)
                                        model[p] = true;
                                adds++;
                        }
                } else if (op < 9) {
                        r = rangeset_remove(&s, a, b);
                        if (a > b) {
                                assert_int_equal(r, -EINVAL);
                                invalid++;
                        } else {
                                assert_int_equal(r, 0);
                                for (uint64_t p = a; p < b; p++)
                                        model[p] = false;
                                removes++;
                        }
                } else {
                        struct daxmf_rangeset o = {};
                        bool om[UNIVERSE] = {};
                        unsigned k = rnd(5);

                        for (unsigned j = 0; j < k; j++) {
                                random_range(&a, &b);
                                if (a > b)
                                        continue;
                                assert_int_equal(rangeset_add(&o, a, b), 0);
                                for (uint64_t p = a; p < b; p++)
                                        om[p] = true;
                        }
                        assert_int_equal(rangeset_remove_set(&s, &o), 0);
                        for (unsigned p = 0; p < UNIVERSE; p++)
                                if (om[p])
                                        model[p] = false;
                        rangeset_done(&o);
                        sets++;
                }
                check_model(&s, model, step);

                /* A few multi-page contains queries against the model. */
                for (unsigned q = 0; q < 4; q++) {
                        random_range(&a, &b);
                        if (a > b)
                                continue;
                        assert_int_equal(rangeset_contains(&s, a, b), a == b || model_contains(model, a, b));
                }
        }
        /* The op mix really happened. */
        assert_true(adds > 1000);
        assert_true(removes > 1000);
        assert_true(sets > 200);
        assert_true(invalid > 50);
        rangeset_done(&s);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_add_into_empty),
                cmocka_unit_test(test_add_disjoint_any_order),
                cmocka_unit_test(test_add_many_grows),
                cmocka_unit_test(test_add_overlapping),
                cmocka_unit_test(test_add_adjacent_merges),
                cmocka_unit_test(test_add_contained_and_containing),
                cmocka_unit_test(test_add_bridging),
                cmocka_unit_test(test_add_empty_and_invalid),
                cmocka_unit_test(test_remove_middle_split),
                cmocka_unit_test(test_remove_head_tail_whole),
                cmocka_unit_test(test_remove_spanning),
                cmocka_unit_test(test_remove_no_overlap),
                cmocka_unit_test(test_remove_set),
                cmocka_unit_test(test_queue_front_pops),
                cmocka_unit_test(test_contains),
                cmocka_unit_test(test_pages),
                cmocka_unit_test(test_near_uint64_max),
                cmocka_unit_test(test_random_vs_bitmap),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
