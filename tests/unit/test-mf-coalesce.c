/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/daxmf.h>

#include "macro.h"
#include "mf-coalesce.h"

/* Times are the caller's: small numbers read best. */
#define WINDOW 100
#define MAX_DELAY 1000

/* The kernel's dax page (17) recovered (3), and failed (1). */
static const struct daxmf_mf_key dax_recovered = { .type = 17, .result = 3, .origin = DAXMF_MF_ORIGIN_KERNEL };
static const struct daxmf_mf_key dax_failed = { .type = 17, .result = 1, .origin = DAXMF_MF_ORIGIN_KERNEL };
static const struct daxmf_mf_key lru_recovered = { .type = 13, .result = 3, .origin = DAXMF_MF_ORIGIN_KERNEL };

struct fixture {
        struct daxmf_mf_coalescer c;
        struct daxmf_mf_range ring[64];
        struct daxmf_mf_range out[64];
};

static void init(struct fixture *f, uint32_t cap) {
        assert_true(cap <= ELEMENTSOF(f->ring));
        /* Stale bytes must not show: the coalescer sets every field it hands out. */
        memset(f->ring, 0xa5, sizeof(f->ring));
        memset(f->out, 0x5a, sizeof(f->out));
        daxmf_mf_init(&f->c, f->ring, cap, WINDOW, MAX_DELAY);
}

static void add(struct fixture *f, uint64_t pfn, const struct daxmf_mf_key *key, uint64_t now,
                enum daxmf_mf_add_result expected) {
        assert_int_equal(daxmf_mf_add(&f->c, pfn, key, now), expected);
}

static void check_key(const struct daxmf_mf_key *got, const struct daxmf_mf_key *want) {
        assert_int_equal(got->type, want->type);
        assert_int_equal(got->result, want->result);
        assert_int_equal(got->origin, want->origin);
        assert_int_equal(got->portid, want->portid);
        assert_int_equal(got->job_id, want->job_id);
        assert_int_equal(got->cookie, want->cookie);
}

static void check_range(const struct daxmf_mf_range *r, uint64_t pfn, uint64_t pages, uint64_t events,
                        uint64_t first_ns, uint64_t last_ns, const struct daxmf_mf_key *key) {
        assert_int_equal(r->pfn, pfn);
        assert_int_equal(r->pages, pages);
        assert_int_equal(r->events, events);
        assert_int_equal(r->first_ns, first_ns);
        assert_int_equal(r->last_ns, last_ns);
        check_key(&r->key, key);
}

/* Everything held, oldest first, forced out. */
static uint32_t take_all(struct fixture *f) {
        return daxmf_mf_take(&f->c, 0, true, f->out, ELEMENTSOF(f->out));
}

static void test_ascending(void **state) {
        struct fixture f;

        init(&f, 8);
        add(&f, 0x40018, &dax_recovered, 10, DAXMF_MF_OPENED);
        for (uint64_t i = 1; i < 300; i++)
                add(&f, 0x40018 + i, &dax_recovered, 10 + i / 10, DAXMF_MF_JOINED);
        assert_int_equal(f.c.count, 1);
        assert_int_equal(f.c.events_total, 300);
        assert_int_equal(f.c.lost_total, 0);

        /* Open until a window after its last page (39). */
        assert_int_equal(daxmf_mf_take(&f.c, 39 + WINDOW - 1, false, f.out, 64), 0);
        assert_int_equal(f.c.count, 1);
        assert_int_equal(daxmf_mf_take(&f.c, 39 + WINDOW, false, f.out, 64), 1);
        check_range(&f.out[0], 0x40018, 300, 300, 10, 39, &dax_recovered);
        assert_int_equal(f.c.count, 0);
}

static void test_descending(void **state) {
        struct fixture f;

        init(&f, 8);
        add(&f, 0x40018 + 299, &dax_recovered, 0, DAXMF_MF_OPENED);
        for (uint64_t i = 1; i < 300; i++)
                add(&f, 0x40018 + 299 - i, &dax_recovered, 1, DAXMF_MF_JOINED);
        assert_int_equal(take_all(&f), 1);
        check_range(&f.out[0], 0x40018, 300, 300, 0, 1, &dax_recovered);

        /* Down to pfn 0, and not past it. */
        init(&f, 8);
        add(&f, 2, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, 1, &dax_recovered, 0, DAXMF_MF_JOINED);
        add(&f, 0, &dax_recovered, 0, DAXMF_MF_JOINED);
        add(&f, UINT64_MAX, &dax_recovered, 0, DAXMF_MF_OPENED);
        assert_int_equal(take_all(&f), 2);
        check_range(&f.out[0], 0, 3, 3, 0, 0, &dax_recovered);
        check_range(&f.out[1], UINT64_MAX, 1, 1, 0, 0, &dax_recovered);
}

static void test_top_of_pfns(void **state) {
        struct fixture f;

        /* The last pfn there is does not wrap around to 0. */
        init(&f, 8);
        add(&f, UINT64_MAX, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, 0, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, UINT64_MAX - 1, &dax_recovered, 0, DAXMF_MF_JOINED);
        assert_int_equal(take_all(&f), 2);
        check_range(&f.out[0], UINT64_MAX - 1, 2, 2, 0, 0, &dax_recovered);
        check_range(&f.out[1], 0, 1, 1, 0, 0, &dax_recovered);
}

static void test_both_ways(void **state) {
        struct fixture f;

        /* From the middle out: one range however the pages come. */
        init(&f, 8);
        add(&f, 1000, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, 1001, &dax_recovered, 1, DAXMF_MF_JOINED);
        add(&f, 999, &dax_recovered, 2, DAXMF_MF_JOINED);
        add(&f, 998, &dax_recovered, 3, DAXMF_MF_JOINED);
        add(&f, 1002, &dax_recovered, 4, DAXMF_MF_JOINED);
        assert_int_equal(take_all(&f), 1);
        check_range(&f.out[0], 998, 5, 5, 0, 4, &dax_recovered);
}

static void test_gap(void **state) {
        struct fixture f;

        init(&f, 8);
        add(&f, 100, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, 101, &dax_recovered, 1, DAXMF_MF_JOINED);
        add(&f, 103, &dax_recovered, 2, DAXMF_MF_OPENED);
        add(&f, 104, &dax_recovered, 3, DAXMF_MF_JOINED);
        add(&f, 99, &dax_recovered, 4, DAXMF_MF_JOINED);
        assert_int_equal(f.c.count, 2);
        assert_int_equal(take_all(&f), 2);
        check_range(&f.out[0], 99, 3, 3, 0, 4, &dax_recovered);
        check_range(&f.out[1], 103, 2, 2, 2, 3, &dax_recovered);

        /* A page two away is a gap too. */
        init(&f, 8);
        add(&f, 100, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, 102, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, 98, &dax_recovered, 0, DAXMF_MF_OPENED);
        assert_int_equal(take_all(&f), 3);
        check_range(&f.out[0], 100, 1, 1, 0, 0, &dax_recovered);
        check_range(&f.out[1], 102, 1, 1, 0, 0, &dax_recovered);
        check_range(&f.out[2], 98, 1, 1, 0, 0, &dax_recovered);
}

static void test_same_page_again(void **state) {
        struct fixture f;

        init(&f, 8);
        add(&f, 0x40018, &dax_recovered, 5, DAXMF_MF_OPENED);
        add(&f, 0x40018, &dax_recovered, 7, DAXMF_MF_JOINED);
        assert_int_equal(take_all(&f), 1);
        check_range(&f.out[0], 0x40018, 1, 2, 5, 7, &dax_recovered);

        /* Inside a longer range: counted, the range as it was. */
        init(&f, 8);
        for (uint64_t i = 0; i < 4; i++)
                add(&f, 200 + i, &dax_recovered, i, i ? DAXMF_MF_JOINED : DAXMF_MF_OPENED);
        add(&f, 201, &dax_recovered, 10, DAXMF_MF_JOINED);
        add(&f, 203, &dax_recovered, 11, DAXMF_MF_JOINED);
        add(&f, 200, &dax_recovered, 12, DAXMF_MF_JOINED);
        assert_int_equal(take_all(&f), 1);
        check_range(&f.out[0], 200, 4, 7, 0, 12, &dax_recovered);
        assert_int_equal(f.c.events_total, 7);
}

static void test_outcome_change(void **state) {
        struct fixture f;

        init(&f, 8);
        add(&f, 100, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, 101, &dax_recovered, 1, DAXMF_MF_JOINED);
        /* Another result: a range of its own, even for a page of the first. */
        add(&f, 102, &dax_failed, 2, DAXMF_MF_OPENED);
        add(&f, 100, &dax_failed, 3, DAXMF_MF_OPENED);
        add(&f, 103, &dax_failed, 4, DAXMF_MF_JOINED);
        /* Another page type. */
        add(&f, 104, &lru_recovered, 5, DAXMF_MF_OPENED);
        /* The first outcome again, after the others: the first range is still open and touched. */
        add(&f, 99, &dax_recovered, 6, DAXMF_MF_JOINED);
        assert_int_equal(take_all(&f), 4);
        check_range(&f.out[0], 99, 3, 3, 0, 6, &dax_recovered);
        check_range(&f.out[1], 102, 2, 2, 2, 4, &dax_failed);
        check_range(&f.out[2], 100, 1, 1, 3, 3, &dax_failed);
        check_range(&f.out[3], 104, 1, 1, 5, 5, &lru_recovered);
}

static void test_origin_and_job_change(void **state) {
        static const struct daxmf_mf_key job1 = {
                .type = 17, .result = 3, .origin = DAXMF_MF_ORIGIN_FAIL_RANGE,
                .portid = 4242, .job_id = 1, .cookie = 7,
        };
        struct daxmf_mf_key removal = dax_recovered, job2 = job1, other_cookie = job1, other_port = job1;
        struct fixture f;

        removal.origin = DAXMF_MF_ORIGIN_REMOVAL;
        job2.job_id = 2;
        other_cookie.cookie = 8;
        other_port.portid = 4243;

        init(&f, 8);
        add(&f, 100, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, 101, &job1, 1, DAXMF_MF_OPENED);
        add(&f, 102, &job1, 2, DAXMF_MF_JOINED);
        add(&f, 103, &job2, 3, DAXMF_MF_OPENED);
        add(&f, 104, &other_cookie, 4, DAXMF_MF_OPENED);
        add(&f, 105, &other_port, 5, DAXMF_MF_OPENED);
        add(&f, 106, &removal, 6, DAXMF_MF_OPENED);
        add(&f, 107, &removal, 7, DAXMF_MF_JOINED);
        assert_int_equal(take_all(&f), 6);
        check_range(&f.out[0], 100, 1, 1, 0, 0, &dax_recovered);
        check_range(&f.out[1], 101, 2, 2, 1, 2, &job1);
        check_range(&f.out[2], 103, 1, 1, 3, 3, &job2);
        check_range(&f.out[3], 104, 1, 1, 4, 4, &other_cookie);
        check_range(&f.out[4], 105, 1, 1, 5, 5, &other_port);
        check_range(&f.out[5], 106, 2, 2, 6, 7, &removal);
}

static void test_window(void **state) {
        struct fixture f;

        init(&f, 8);
        add(&f, 100, &dax_recovered, 1000, DAXMF_MF_OPENED);
        /* One short of the window after the last page: still open. */
        add(&f, 101, &dax_recovered, 1000 + WINDOW - 1, DAXMF_MF_JOINED);
        /* A whole window of quiet after that closes it: the next page opens another. */
        add(&f, 102, &dax_recovered, 1000 + 2 * WINDOW - 1, DAXMF_MF_OPENED);
        add(&f, 103, &dax_recovered, 1000 + 2 * WINDOW, DAXMF_MF_JOINED);
        assert_int_equal(f.c.count, 2);

        /* Only the closed one is taken. */
        assert_int_equal(daxmf_mf_take(&f.c, 1000 + 2 * WINDOW, false, f.out, 64), 1);
        check_range(&f.out[0], 100, 2, 2, 1000, 1000 + WINDOW - 1, &dax_recovered);
        assert_int_equal(f.c.count, 1);
        assert_int_equal(daxmf_mf_take(&f.c, 1000 + 3 * WINDOW - 1, false, f.out, 64), 0);
        assert_int_equal(daxmf_mf_take(&f.c, 1000 + 3 * WINDOW, false, f.out, 64), 1);
        check_range(&f.out[0], 102, 2, 2, 1000 + 2 * WINDOW - 1, 1000 + 2 * WINDOW, &dax_recovered);
        assert_int_equal(f.c.count, 0);

        /* A repeat of a page of a closed range is no part of it either. */
        init(&f, 8);
        add(&f, 100, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, 100, &dax_recovered, WINDOW, DAXMF_MF_OPENED);
        assert_int_equal(take_all(&f), 2);
        check_range(&f.out[0], 100, 1, 1, 0, 0, &dax_recovered);
        check_range(&f.out[1], 100, 1, 1, WINDOW, WINDOW, &dax_recovered);
}

static void test_max_delay(void **state) {
        struct fixture f;
        uint64_t t;

        /* A page every half window: the range stays open until MAX_DELAY after its first. */
        init(&f, 8);
        add(&f, 500, &dax_recovered, 0, DAXMF_MF_OPENED);
        for (t = WINDOW / 2; t < MAX_DELAY; t += WINDOW / 2)
                add(&f, 500 + t / (WINDOW / 2), &dax_recovered, t, DAXMF_MF_JOINED);
        assert_int_equal(t, MAX_DELAY);
        assert_int_equal(daxmf_mf_take(&f.c, MAX_DELAY - 1, false, f.out, 64), 0);
        /* The storm goes on: the next page begins the next range. */
        add(&f, 520, &dax_recovered, MAX_DELAY, DAXMF_MF_OPENED);
        add(&f, 521, &dax_recovered, MAX_DELAY + 1, DAXMF_MF_JOINED);

        assert_int_equal(daxmf_mf_take(&f.c, MAX_DELAY + 1, false, f.out, 64), 1);
        check_range(&f.out[0], 500, 20, 20, 0, MAX_DELAY - WINDOW / 2, &dax_recovered);
        assert_int_equal(f.c.count, 1);
        assert_int_equal(take_all(&f), 1);
        check_range(&f.out[0], 520, 2, 2, MAX_DELAY, MAX_DELAY + 1, &dax_recovered);
}

static void test_interleaved(void **state) {
        struct fixture f;

        /* Two storms at once, each one range. */
        init(&f, 8);
        for (uint64_t i = 0; i < 50; i++) {
                add(&f, 0x1000 + i, &dax_recovered, i, i ? DAXMF_MF_JOINED : DAXMF_MF_OPENED);
                add(&f, 0x9000 - i, &dax_recovered, i, i ? DAXMF_MF_JOINED : DAXMF_MF_OPENED);
        }
        assert_int_equal(take_all(&f), 2);
        check_range(&f.out[0], 0x1000, 50, 50, 0, 49, &dax_recovered);
        check_range(&f.out[1], 0x9000 - 49, 50, 50, 0, 49, &dax_recovered);

        /* Eight at once, the most a page looks back at. */
        init(&f, 16);
        for (uint64_t i = 0; i < 10; i++)
                for (uint64_t s = 0; s < DAXMF_MF_JOIN_LOOKBACK; s++)
                        add(&f, s * 0x1000 + i, &dax_recovered, i, i ? DAXMF_MF_JOINED : DAXMF_MF_OPENED);
        assert_int_equal(take_all(&f), DAXMF_MF_JOIN_LOOKBACK);
        for (uint64_t s = 0; s < DAXMF_MF_JOIN_LOOKBACK; s++)
                check_range(&f.out[s], s * 0x1000, 10, 10, 0, 9, &dax_recovered);
}

static void test_lookback(void **state) {
        struct fixture f;

        assert_int_equal(DAXMF_MF_JOIN_LOOKBACK, 8);
        init(&f, 16);
        /* Nine ranges: R0 is the ninth newest, out of reach. */
        for (uint64_t s = 0; s < 9; s++)
                add(&f, s * 1000, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, 1, &dax_recovered, 1, DAXMF_MF_OPENED);          /* R9, not R0 */
        add(&f, 2001, &dax_recovered, 2, DAXMF_MF_JOINED);       /* R2 is the eighth newest now */
        add(&f, 1001, &dax_recovered, 3, DAXMF_MF_OPENED);       /* R1 the ninth: R10 */
        add(&f, 2, &dax_recovered, 4, DAXMF_MF_JOINED);          /* R9 */
        assert_int_equal(take_all(&f), 11);
        check_range(&f.out[0], 0, 1, 1, 0, 0, &dax_recovered);
        check_range(&f.out[1], 1000, 1, 1, 0, 0, &dax_recovered);
        check_range(&f.out[2], 2000, 2, 2, 0, 2, &dax_recovered);
        for (uint64_t s = 3; s < 9; s++)
                check_range(&f.out[s], s * 1000, 1, 1, 0, 0, &dax_recovered);
        check_range(&f.out[9], 1, 2, 2, 1, 4, &dax_recovered);
        check_range(&f.out[10], 1001, 1, 1, 3, 3, &dax_recovered);
}

static void test_full(void **state) {
        struct fixture f;
        uint64_t first, last;

        init(&f, 4);
        for (uint64_t s = 0; s < 4; s++) {
                assert_false(daxmf_mf_full(&f.c));
                add(&f, 10 + s * 10, &dax_recovered, s, DAXMF_MF_OPENED);
        }
        assert_true(daxmf_mf_full(&f.c));

        add(&f, 60, &dax_recovered, 4, DAXMF_MF_DROPPED);
        add(&f, 45, &dax_recovered, 5, DAXMF_MF_DROPPED);
        /* Joining needs no room. */
        add(&f, 11, &dax_recovered, 6, DAXMF_MF_JOINED);
        add(&f, 40, &dax_recovered, 7, DAXMF_MF_JOINED);
        add(&f, 70, &dax_failed, 8, DAXMF_MF_DROPPED);
        add(&f, 45, &dax_recovered, 9, DAXMF_MF_DROPPED);
        assert_int_equal(f.c.count, 4);
        assert_int_equal(f.c.events_total, 10);
        assert_int_equal(f.c.lost_total, 4);

        memset(&first, 0xa5, sizeof(first));
        memset(&last, 0xa5, sizeof(last));
        assert_int_equal(daxmf_mf_take_lost(&f.c, &first, &last), 4);
        assert_int_equal(first, 45);
        assert_int_equal(last, 70);
        /* Reset; the total is not. */
        assert_int_equal(daxmf_mf_take_lost(&f.c, &first, &last), 0);
        assert_int_equal(first, 0);
        assert_int_equal(last, 0);
        assert_int_equal(f.c.lost_total, 4);

        /* Room again once taken; the span starts over. */
        assert_int_equal(daxmf_mf_take(&f.c, 0, true, f.out, 1), 1);
        check_range(&f.out[0], 10, 2, 2, 0, 6, &dax_recovered);
        assert_false(daxmf_mf_full(&f.c));
        add(&f, 500, &dax_recovered, 10, DAXMF_MF_OPENED);
        add(&f, 0, &dax_recovered, 11, DAXMF_MF_DROPPED);
        add(&f, 7, &dax_recovered, 12, DAXMF_MF_DROPPED);
        assert_int_equal(daxmf_mf_take_lost(&f.c, &first, &last), 2);
        assert_int_equal(first, 0);
        assert_int_equal(last, 7);
        assert_int_equal(f.c.events_total, 13);
        assert_int_equal(f.c.lost_total, 6);
}

static void test_full_one_slot(void **state) {
        struct fixture f;
        uint64_t first, last;

        init(&f, 1);
        add(&f, 100, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, 101, &dax_recovered, 1, DAXMF_MF_JOINED);
        add(&f, 300, &dax_recovered, 2, DAXMF_MF_DROPPED);
        /* A closed range still takes its slot until taken. */
        add(&f, 102, &dax_recovered, 1 + WINDOW, DAXMF_MF_DROPPED);
        assert_int_equal(daxmf_mf_take_lost(&f.c, &first, &last), 2);
        assert_int_equal(first, 102);
        assert_int_equal(last, 300);
        assert_int_equal(daxmf_mf_take(&f.c, 1 + WINDOW, false, f.out, 64), 1);
        check_range(&f.out[0], 100, 2, 2, 0, 1, &dax_recovered);
        add(&f, 102, &dax_recovered, 1 + WINDOW, DAXMF_MF_OPENED);
}

/* Ranges the module could not send join the events dropped for want of room. */
static void test_lose(void **state) {
        struct fixture f;
        uint64_t first, last;

        init(&f, 1);
        add(&f, 50, &dax_recovered, 0, DAXMF_MF_OPENED);
        add(&f, 60, &dax_recovered, 0, DAXMF_MF_DROPPED);
        daxmf_mf_lose(&f.c, 300, 100, 399);
        daxmf_mf_lose(&f.c, 2, 10, 11);
        assert_int_equal(f.c.lost_total, 303);
        assert_int_equal(f.c.events_total, 2);
        assert_int_equal(daxmf_mf_take_lost(&f.c, &first, &last), 303);
        assert_int_equal(first, 10);
        assert_int_equal(last, 399);
        /* A fresh span after the report. */
        daxmf_mf_lose(&f.c, 1, 500, 500);
        assert_int_equal(daxmf_mf_take_lost(&f.c, &first, &last), 1);
        assert_int_equal(first, 500);
        assert_int_equal(last, 500);
        assert_int_equal(f.c.lost_total, 304);
}

static void test_take_closed_only(void **state) {
        struct fixture f;

        init(&f, 8);
        add(&f, 100, &dax_recovered, 0, DAXMF_MF_OPENED);        /* A: kept open until 190 */
        add(&f, 200, &dax_recovered, 10, DAXMF_MF_OPENED);       /* B: closes at 110 */
        add(&f, 300, &dax_recovered, 20, DAXMF_MF_OPENED);       /* C: closes at 120 */
        add(&f, 101, &dax_recovered, 90, DAXMF_MF_JOINED);
        add(&f, 400, &dax_recovered, 100, DAXMF_MF_OPENED);      /* D: closes at 200 */

        assert_int_equal(daxmf_mf_take(&f.c, 109, false, f.out, 64), 0);
        assert_int_equal(daxmf_mf_take(&f.c, 150, false, f.out, 64), 2);
        check_range(&f.out[0], 200, 1, 1, 10, 10, &dax_recovered);
        check_range(&f.out[1], 300, 1, 1, 20, 20, &dax_recovered);
        assert_int_equal(f.c.count, 2);

        /* The open ones stay, in their order, and go on taking pages. */
        add(&f, 500, &dax_recovered, 150, DAXMF_MF_OPENED);      /* E */
        add(&f, 102, &dax_recovered, 150, DAXMF_MF_JOINED);
        add(&f, 401, &dax_recovered, 150, DAXMF_MF_JOINED);
        assert_int_equal(take_all(&f), 3);
        check_range(&f.out[0], 100, 3, 3, 0, 150, &dax_recovered);
        check_range(&f.out[1], 400, 2, 2, 100, 150, &dax_recovered);
        check_range(&f.out[2], 500, 1, 1, 150, 150, &dax_recovered);
        assert_int_equal(f.c.count, 0);
        assert_int_equal(take_all(&f), 0);
}

static void test_take_max(void **state) {
        struct fixture f;

        init(&f, 8);
        for (uint64_t s = 0; s < 5; s++)
                add(&f, s * 10, &dax_recovered, s, DAXMF_MF_OPENED);
        add(&f, 1000, &dax_recovered, 2 * WINDOW, DAXMF_MF_OPENED);

        /* Five closed, at most two at a time, oldest first; the open one stays last. */
        assert_int_equal(daxmf_mf_take(&f.c, 2 * WINDOW, false, f.out, 2), 2);
        check_range(&f.out[0], 0, 1, 1, 0, 0, &dax_recovered);
        check_range(&f.out[1], 10, 1, 1, 1, 1, &dax_recovered);
        assert_int_equal(f.c.count, 4);
        assert_int_equal(daxmf_mf_take(&f.c, 2 * WINDOW, false, f.out, 2), 2);
        check_range(&f.out[0], 20, 1, 1, 2, 2, &dax_recovered);
        check_range(&f.out[1], 30, 1, 1, 3, 3, &dax_recovered);
        assert_int_equal(daxmf_mf_take(&f.c, 2 * WINDOW, false, f.out, 0), 0);
        assert_int_equal(f.c.count, 2);
        assert_int_equal(daxmf_mf_take(&f.c, 2 * WINDOW, false, f.out, 2), 1);
        check_range(&f.out[0], 40, 1, 1, 4, 4, &dax_recovered);
        assert_int_equal(f.c.count, 1);

        /* Forced, still limited. */
        add(&f, 2000, &dax_recovered, 2 * WINDOW, DAXMF_MF_OPENED);
        assert_int_equal(daxmf_mf_take(&f.c, 0, true, f.out, 1), 1);
        check_range(&f.out[0], 1000, 1, 1, 2 * WINDOW, 2 * WINDOW, &dax_recovered);
        assert_int_equal(daxmf_mf_take(&f.c, 0, true, f.out, 1), 1);
        check_range(&f.out[0], 2000, 1, 1, 2 * WINDOW, 2 * WINDOW, &dax_recovered);
        assert_int_equal(f.c.count, 0);
}

static void test_next_close(void **state) {
        struct fixture f;
        uint64_t t;

        init(&f, 8);
        t = 12345;
        assert_false(daxmf_mf_next_close(&f.c, &t));
        assert_int_equal(t, 12345);

        add(&f, 100, &dax_recovered, 0, DAXMF_MF_OPENED);
        assert_true(daxmf_mf_next_close(&f.c, &t));
        assert_int_equal(t, WINDOW);
        add(&f, 101, &dax_recovered, 90, DAXMF_MF_JOINED);
        assert_true(daxmf_mf_next_close(&f.c, &t));
        assert_int_equal(t, 90 + WINDOW);
        add(&f, 500, &dax_recovered, 50, DAXMF_MF_OPENED);
        assert_true(daxmf_mf_next_close(&f.c, &t));
        assert_int_equal(t, 50 + WINDOW);

        /* A long storm: its age decides. */
        init(&f, 8);
        for (uint64_t i = 0; i < 20; i++)
                add(&f, 100 + i, &dax_recovered, i * (WINDOW / 2), i ? DAXMF_MF_JOINED : DAXMF_MF_OPENED);
        assert_true(daxmf_mf_next_close(&f.c, &t));
        assert_int_equal(t, MAX_DELAY);
        add(&f, 5000, &dax_recovered, MAX_DELAY - 1, DAXMF_MF_OPENED);
        assert_true(daxmf_mf_next_close(&f.c, &t));
        assert_int_equal(t, MAX_DELAY);

        /* Nothing held any more. */
        assert_int_equal(take_all(&f), 2);
        assert_false(daxmf_mf_next_close(&f.c, &t));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_ascending),
                cmocka_unit_test(test_descending),
                cmocka_unit_test(test_top_of_pfns),
                cmocka_unit_test(test_both_ways),
                cmocka_unit_test(test_gap),
                cmocka_unit_test(test_same_page_again),
                cmocka_unit_test(test_outcome_change),
                cmocka_unit_test(test_origin_and_job_change),
                cmocka_unit_test(test_window),
                cmocka_unit_test(test_max_delay),
                cmocka_unit_test(test_interleaved),
                cmocka_unit_test(test_lookback),
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_full_one_slot),
                cmocka_unit_test(test_lose),
                cmocka_unit_test(test_take_closed_only),
                cmocka_unit_test(test_take_max),
                cmocka_unit_test(test_next_close),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
