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

#include "conf.h"
#include "engine.h"

#define R(a, b) { (a), (b) }

static struct daxmf_config config(uint64_t batch_pages, unsigned max_in_flight) {
        struct daxmf_config c;

        daxmf_config_defaults(&c);
        c.batch_pages = batch_pages;
        c.max_in_flight = max_in_flight;
        return c;
}

static void init(struct daxmf_engine *e, uint64_t batch_pages, unsigned max_in_flight) {
        struct daxmf_config c = config(batch_pages, max_in_flight);

        assert_int_equal(daxmf_engine_init(e, &c), 0);
}

static void check_set(const struct daxmf_rangeset *s, const struct daxmf_range *want, size_t n) {
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

#define CHECK_SET(s, ...)                                                                       \
        do {                                                                                    \
                const struct daxmf_range _want[] = { __VA_ARGS__ };                             \
                check_set((s), _want, sizeof(_want) / sizeof(_want[0]));                        \
        } while (0)

#define CHECK_EMPTY(s) assert_int_equal((s)->n, 0)

static uint64_t submit(struct daxmf_engine *e, enum daxmf_event_kind kind, uint64_t start, uint64_t end) {
        uint64_t queued = 0xdeadbeef;

        assert_int_equal(daxmf_engine_submit(e, kind, start, end, &queued), DAXMF_ACTION_FAIL);
        return queued;
}

/* The next batch must be exactly [start, start + pages). */
static struct daxmf_batch next(struct daxmf_engine *e, uint64_t start, uint64_t pages) {
        struct daxmf_batch b = {};

        assert_true(daxmf_engine_next(e, &b));
        if (b.start != start || b.pages != pages)
                print_error("  got batch [%" PRIu64 ", +%" PRIu64 "), want [%" PRIu64 ", +%" PRIu64 ")\n",
                            b.start, b.pages, start, pages);
        assert_int_equal(b.start, start);
        assert_int_equal(b.pages, pages);
        return b;
}

static void no_next(struct daxmf_engine *e) {
        struct daxmf_batch b = { .cookie = 0x1234, .start = 0x5678, .pages = 0x9abc };

        assert_false(daxmf_engine_next(e, &b));
}

static void test_kind_names(void **state) {
        assert_string_equal(daxmf_event_kind_to_string(DAXMF_EVENT_POISON), "poison");
        assert_string_equal(daxmf_event_kind_to_string(DAXMF_EVENT_REMOVAL), "removal");
        assert_string_equal(daxmf_event_kind_to_string(DAXMF_EVENT_MANUAL), "manual");
        assert_string_equal(daxmf_event_kind_to_string(DAXMF_EVENT_MEMORY_FAILURE), "memory-failure");
        assert_null(daxmf_event_kind_to_string(_DAXMF_EVENT_KIND_MAX));
}

static void test_init_invalid(void **state) {
        struct daxmf_engine e;
        struct daxmf_config c = config(0, 4);

        assert_int_equal(daxmf_engine_init(&e, &c), -EINVAL);
        daxmf_engine_done(&e);
        c = config(512, 0);
        assert_int_equal(daxmf_engine_init(&e, &c), -EINVAL);
        daxmf_engine_done(&e);

        /* configure() refuses the same and leaves the engine as it was. */
        init(&e, 16, 2);
        c = config(0, 8);
        assert_int_equal(daxmf_engine_configure(&e, &c), -EINVAL);
        c = config(8, 0);
        assert_int_equal(daxmf_engine_configure(&e, &c), -EINVAL);
        assert_int_equal(e.batch_pages, 16);
        assert_int_equal(e.max_in_flight, 2);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 40), 40);
        next(&e, 0, 16);
        next(&e, 16, 16);
        no_next(&e);
        daxmf_engine_done(&e);
}

static void test_policy(void **state) {
        struct daxmf_engine e;
        struct daxmf_config c = config(512, 4);
        uint64_t queued;

        c.on_poison = DAXMF_ACTION_LOG;
        c.on_removal = DAXMF_ACTION_FAIL;
        assert_int_equal(daxmf_engine_init(&e, &c), 0);

        /* Logged only: nothing queued, and *ret_queued says so. */
        queued = 77;
        assert_int_equal(daxmf_engine_submit(&e, DAXMF_EVENT_POISON, 100, 200, &queued), DAXMF_ACTION_LOG);
        assert_int_equal(queued, 0);
        assert_int_equal(daxmf_engine_submit(&e, DAXMF_EVENT_POISON, 300, 400, NULL), DAXMF_ACTION_LOG);
        assert_int_equal(daxmf_engine_pending_pages(&e), 0);
        assert_int_equal(daxmf_engine_in_flight_pages(&e), 0);
        no_next(&e);

        /* Removal is failed. */
        assert_int_equal(submit(&e, DAXMF_EVENT_REMOVAL, 100, 110), 10);
        assert_int_equal(daxmf_engine_pending_pages(&e), 10);

        /* Manual always is, whatever both policies say. */
        c.on_poison = DAXMF_ACTION_LOG;
        c.on_removal = DAXMF_ACTION_LOG;
        assert_int_equal(daxmf_engine_configure(&e, &c), 0);
        queued = 77;
        assert_int_equal(daxmf_engine_submit(&e, DAXMF_EVENT_REMOVAL, 200, 210, &queued), DAXMF_ACTION_LOG);
        assert_int_equal(queued, 0);
        assert_int_equal(submit(&e, DAXMF_EVENT_MANUAL, 200, 205), 5);
        assert_int_equal(daxmf_engine_submit(&e, DAXMF_EVENT_MANUAL, 300, 301, NULL), DAXMF_ACTION_FAIL);
        CHECK_SET(&e.pending, R(100, 110), R(200, 205), R(300, 301));

        /* Reconfiguring the policy takes effect for the next event. */
        c.on_poison = DAXMF_ACTION_FAIL;
        assert_int_equal(daxmf_engine_configure(&e, &c), 0);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 400, 402), 2);
        CHECK_SET(&e.pending, R(100, 110), R(200, 205), R(300, 301), R(400, 402));

        /* The kernel's own memory failures are logged, whatever the policy says. */
        c.on_poison = DAXMF_ACTION_FAIL;
        c.on_removal = DAXMF_ACTION_FAIL;
        assert_int_equal(daxmf_engine_configure(&e, &c), 0);
        queued = 77;
        assert_int_equal(daxmf_engine_submit(&e, DAXMF_EVENT_MEMORY_FAILURE, 500, 510, &queued), DAXMF_ACTION_LOG);
        assert_int_equal(queued, 0);

        /* Bad arguments. */
        queued = 77;
        assert_int_equal(daxmf_engine_submit(&e, _DAXMF_EVENT_KIND_MAX, 0, 1, &queued), -EINVAL);
        assert_int_equal(daxmf_engine_submit(&e, DAXMF_EVENT_MANUAL, 10, 10, &queued), -EINVAL);
        assert_int_equal(daxmf_engine_submit(&e, DAXMF_EVENT_MANUAL, 11, 10, &queued), -EINVAL);
        assert_int_equal(daxmf_engine_pending_pages(&e), 10 + 5 + 1 + 2);
        daxmf_engine_done(&e);
}

static void test_coalescing(void **state) {
        struct daxmf_engine e;

        init(&e, 512, 4);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 10, 20), 10);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 15, 30), 10);         /* overlapping */
        assert_int_equal(submit(&e, DAXMF_EVENT_REMOVAL, 30, 40), 10);        /* adjacent above */
        assert_int_equal(submit(&e, DAXMF_EVENT_MANUAL, 5, 10), 5);           /* adjacent below */
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 12, 38), 0);          /* already queued */
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 100, 110), 10);       /* apart */
        CHECK_SET(&e.pending, R(5, 40), R(100, 110));
        assert_int_equal(daxmf_engine_pending_pages(&e), 45);

        /* One batch per coalesced run (a batch is contiguous), lowest first. */
        next(&e, 5, 35);
        next(&e, 100, 10);
        no_next(&e);
        assert_int_equal(daxmf_engine_pending_pages(&e), 0);
        assert_int_equal(daxmf_engine_in_flight_pages(&e), 45);
        daxmf_engine_done(&e);

        /* Lowest pages go first whatever the order of arrival. */
        init(&e, 512, 4);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 5000, 5100), 100);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 100, 200), 100);
        next(&e, 100, 100);
        next(&e, 5000, 100);    /* the boundary at 5120 is past its end */
        no_next(&e);
        daxmf_engine_done(&e);
}

static void test_dedupe(void **state) {
        struct daxmf_engine e;
        struct daxmf_batch b1, b2;

        init(&e, 8, 2);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 32), 32);
        b1 = next(&e, 0, 8);
        b2 = next(&e, 8, 8);
        assert_int_equal(daxmf_engine_complete(&e, b1.cookie, 8, 0), 0);
        CHECK_SET(&e.completed, R(0, 8));
        CHECK_SET(&e.in_flight, R(8, 16));
        CHECK_SET(&e.pending, R(16, 32));

        /* Completed, in flight, and pending pages are not queued again. */
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 48), 16);
        CHECK_SET(&e.pending, R(16, 48));
        assert_int_equal(submit(&e, DAXMF_EVENT_REMOVAL, 0, 16), 0);
        assert_int_equal(submit(&e, DAXMF_EVENT_REMOVAL, 3, 12), 0);
        assert_int_equal(submit(&e, DAXMF_EVENT_MANUAL, 7, 9), 0);
        CHECK_SET(&e.pending, R(16, 48));
        CHECK_SET(&e.in_flight, R(8, 16));
        CHECK_SET(&e.completed, R(0, 8));

        /* Straddling the in-flight batch on one side. */
        assert_int_equal(daxmf_engine_complete(&e, b2.cookie, 0, 0), 0);
        b2 = next(&e, 16, 8);
        CHECK_SET(&e.completed, R(0, 16));
        CHECK_SET(&e.in_flight, R(16, 24));
        CHECK_SET(&e.pending, R(24, 48));
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 60, 70), 10);
        /* [10, 64): [10, 16) done, [16, 24) in flight, [24, 48) pending: only [48, 60) is new. */
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 10, 64), 12);
        CHECK_SET(&e.pending, R(24, 70));
        CHECK_SET(&e.in_flight, R(16, 24));
        CHECK_SET(&e.completed, R(0, 16));
        assert_int_equal(daxmf_engine_pending_pages(&e), 46);
        assert_int_equal(daxmf_engine_complete(&e, b2.cookie, 8, 0), 0);
        next(&e, 24, 8);
        next(&e, 32, 8);
        no_next(&e);
        daxmf_engine_done(&e);
}

static void test_dedupe_holes(void **state) {
        struct daxmf_engine e;
        struct daxmf_batch a, b, c;

        /* Completed [0, 8) and [16, 24), in flight [32, 40): a wide event queues only the holes. */
        init(&e, 8, 4);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 8), 8);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 16, 24), 8);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 32, 40), 8);
        a = next(&e, 0, 8);
        b = next(&e, 16, 8);
        c = next(&e, 32, 8);
        no_next(&e);
        assert_int_equal(daxmf_engine_complete(&e, a.cookie, 8, 0), 0);
        assert_int_equal(daxmf_engine_complete(&e, b.cookie, 8, 0), 0);

        assert_int_equal(submit(&e, DAXMF_EVENT_MANUAL, 0, 50), 8 + 8 + 10);
        CHECK_SET(&e.pending, R(8, 16), R(24, 32), R(40, 50));
        CHECK_SET(&e.in_flight, R(32, 40));
        CHECK_SET(&e.completed, R(0, 8), R(16, 24));
        assert_int_equal(daxmf_engine_pending_pages(&e), 26);
        assert_int_equal(daxmf_engine_in_flight_pages(&e), 8);

        /* Nothing new at all. */
        assert_int_equal(submit(&e, DAXMF_EVENT_MANUAL, 0, 50), 0);
        assert_int_equal(daxmf_engine_pending_pages(&e), 26);

        assert_int_equal(daxmf_engine_complete(&e, c.cookie, 8, 0), 0);
        next(&e, 8, 8);
        next(&e, 24, 8);
        next(&e, 40, 8);
        next(&e, 48, 2);
        no_next(&e);
        daxmf_engine_done(&e);
}

static void test_aligned_batches(void **state) {
        struct daxmf_engine e;

        init(&e, 512, 8);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 1000, 3000), 2000);
        next(&e, 1000, 24);
        next(&e, 1024, 512);
        next(&e, 1536, 512);
        next(&e, 2048, 512);
        next(&e, 2560, 440);
        no_next(&e);
        assert_int_equal(daxmf_engine_pending_pages(&e), 0);
        assert_int_equal(daxmf_engine_in_flight_pages(&e), 2000);
        CHECK_SET(&e.in_flight, R(1000, 3000));
        daxmf_engine_done(&e);

        /* Aligned start, aligned end, a range inside one block, one crossing a single boundary. */
        init(&e, 512, 8);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 512, 1536), 1024);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 2100, 2200), 100);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 3000, 3100), 100);
        next(&e, 512, 512);
        next(&e, 1024, 512);
        next(&e, 2100, 100);
        next(&e, 3000, 72);
        next(&e, 3072, 28);
        no_next(&e);
        daxmf_engine_done(&e);

        /* A batch size that is not a power of two. */
        init(&e, 100, 8);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 250, 420), 170);
        next(&e, 250, 50);
        next(&e, 300, 100);
        next(&e, 400, 20);
        no_next(&e);
        daxmf_engine_done(&e);

        /* At the top of the pfn space the last block is cut at UINT64_MAX. */
        init(&e, 512, 8);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, UINT64_MAX - 600, UINT64_MAX), 600);
        next(&e, UINT64_MAX - 600, 89);         /* up to 2^64 - 512 */
        next(&e, UINT64_MAX - 511, 511);
        no_next(&e);
        daxmf_engine_done(&e);
}

static void test_in_flight_limit(void **state) {
        struct daxmf_engine e;
        struct daxmf_batch a, b, c;

        init(&e, 4, 2);
        no_next(&e);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 40), 40);
        a = next(&e, 0, 4);
        b = next(&e, 4, 4);
        no_next(&e);
        no_next(&e);
        assert_int_equal(e.n_batches, 2);
        assert_int_equal(daxmf_engine_in_flight_pages(&e), 8);
        assert_int_equal(daxmf_engine_pending_pages(&e), 32);

        /* A completion makes room for exactly one. */
        assert_int_equal(daxmf_engine_complete(&e, b.cookie, 4, 0), 0);
        c = next(&e, 8, 4);
        no_next(&e);
        assert_int_equal(daxmf_engine_complete(&e, a.cookie, 4, 0), 0);
        assert_int_equal(daxmf_engine_complete(&e, c.cookie, 4, 0), 0);
        next(&e, 12, 4);
        next(&e, 16, 4);
        no_next(&e);
        assert_int_equal(daxmf_engine_in_flight_pages(&e), 8);
        assert_int_equal(daxmf_engine_pending_pages(&e), 20);
        CHECK_SET(&e.completed, R(0, 12));
        daxmf_engine_done(&e);
}

static void test_cookies(void **state) {
        struct daxmf_engine e;
        struct daxmf_config c = config(1, 3);
        uint64_t cookies[40];
        unsigned n = 0;
        struct daxmf_batch b;

        assert_int_equal(daxmf_engine_init(&e, &c), 0);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 40), 40);
        while (n < 40) {
                while (daxmf_engine_next(&e, &b)) {
                        assert_int_equal(b.start, n);
                        assert_int_equal(b.pages, 1);
                        cookies[n++] = b.cookie;
                }
                /* Complete the oldest outstanding with a re-queue-free status, reconfigure now and then. */
                assert_int_equal(daxmf_engine_complete(&e, cookies[n - e.n_batches], 1, 0), 0);
                if (n % 7 == 0) {
                        c.max_in_flight = 1 + n % 4;
                        assert_int_equal(daxmf_engine_configure(&e, &c), 0);
                }
        }
        for (unsigned i = 1; i < 40; i++)
                assert_true(cookies[i] > cookies[i - 1]);

        /* Re-sent pages get a fresh cookie too. */
        while (e.n_batches > 0)
                assert_int_equal(daxmf_engine_complete(&e, e.batches[0].cookie, 0, -ECONNRESET), 0);
        while (daxmf_engine_next(&e, &b)) {
                assert_true(b.cookie > cookies[39]);
                cookies[39] = b.cookie;
        }
        daxmf_engine_done(&e);
}

static void test_complete_ok(void **state) {
        struct daxmf_engine e;
        struct daxmf_batch a, b;

        init(&e, 8, 4);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 16), 16);
        a = next(&e, 0, 8);
        b = next(&e, 8, 8);

        /* Status 0: pages_done is not looked at, the whole batch is done. */
        assert_int_equal(daxmf_engine_complete(&e, a.cookie, 0, 0), 0);
        CHECK_SET(&e.completed, R(0, 8));
        CHECK_SET(&e.in_flight, R(8, 16));
        assert_int_equal(daxmf_engine_complete(&e, b.cookie, 3, 0), 0);
        CHECK_SET(&e.completed, R(0, 16));
        CHECK_EMPTY(&e.in_flight);
        CHECK_EMPTY(&e.pending);
        assert_int_equal(e.n_batches, 0);
        assert_int_equal(daxmf_engine_in_flight_pages(&e), 0);
        assert_int_equal(daxmf_engine_pending_pages(&e), 0);
        no_next(&e);

        /* Done pages are not queued again. */
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 16), 0);
        no_next(&e);
        daxmf_engine_done(&e);
}

/* Pages the kernel failed itself: done, not pending any more, never sent; in flight stays in flight. */
static void test_mark_completed(void **state) {
        struct daxmf_engine e;
        struct daxmf_batch a;

        init(&e, 8, 1);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 32), 32);
        a = next(&e, 0, 8);
        CHECK_SET(&e.pending, R(8, 32));

        assert_int_equal(daxmf_engine_mark_completed(&e, 4, 12), 0);
        CHECK_SET(&e.completed, R(4, 12));
        CHECK_SET(&e.in_flight, R(0, 8));
        CHECK_SET(&e.pending, R(12, 32));
        assert_int_equal(daxmf_engine_mark_completed(&e, 20, 24), 0);
        assert_int_equal(daxmf_engine_mark_completed(&e, 100, 104), 0);        /* never asked for */
        CHECK_SET(&e.completed, R(4, 12), R(20, 24), R(100, 104));
        CHECK_SET(&e.pending, R(12, 20), R(24, 32));
        assert_int_equal(daxmf_engine_mark_completed(&e, 5, 5), -EINVAL);
        assert_int_equal(daxmf_engine_mark_completed(&e, 6, 5), -EINVAL);

        /* The batch in flight ends as it would have. */
        assert_int_equal(daxmf_engine_complete(&e, a.cookie, 8, 0), 0);
        CHECK_SET(&e.completed, R(0, 12), R(20, 24), R(100, 104));
        CHECK_EMPTY(&e.in_flight);

        /* A later event over them queues only what was not failed. */
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 96, 108), 8);
        CHECK_SET(&e.pending, R(12, 20), R(24, 32), R(96, 100), R(104, 108));
        next(&e, 12, 4);        /* cut at the batch boundary of 8 */
        daxmf_engine_done(&e);
}

static void check_requeue(int status) {
        struct daxmf_engine e;
        struct daxmf_batch a, b;

        init(&e, 8, 1);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 16), 16);
        a = next(&e, 0, 8);
        no_next(&e);

        /* 3 pages done, then the connection went: the rest goes back. */
        assert_int_equal(daxmf_engine_complete(&e, a.cookie, 3, status), 0);
        CHECK_SET(&e.completed, R(0, 3));
        CHECK_EMPTY(&e.in_flight);
        CHECK_SET(&e.pending, R(3, 16));
        assert_int_equal(daxmf_engine_pending_pages(&e), 13);

        /* Re-sent from where it stopped, still cut at the batch boundary. */
        b = next(&e, 3, 5);
        assert_true(b.cookie > a.cookie);
        assert_int_equal(daxmf_engine_complete(&e, b.cookie, 5, 0), 0);
        CHECK_SET(&e.completed, R(0, 8));
        b = next(&e, 8, 8);

        /* Nothing done at all: everything back. */
        assert_int_equal(daxmf_engine_complete(&e, b.cookie, 0, status), 0);
        CHECK_SET(&e.pending, R(8, 16));
        CHECK_SET(&e.completed, R(0, 8));
        b = next(&e, 8, 8);

        /* All done, but interrupted anyway: nothing to re-queue. */
        assert_int_equal(daxmf_engine_complete(&e, b.cookie, 8, status), 0);
        CHECK_SET(&e.completed, R(0, 16));
        CHECK_EMPTY(&e.pending);
        CHECK_EMPTY(&e.in_flight);
        no_next(&e);
        daxmf_engine_done(&e);
}

static void test_complete_econnreset(void **state) {
        check_requeue(-ECONNRESET);
}

static void test_complete_eshutdown(void **state) {
        check_requeue(-ESHUTDOWN);
}

static void test_requeue_merges_with_pending(void **state) {
        struct daxmf_engine e;
        struct daxmf_batch a, b;

        /* The rest goes back next to what is still pending and is sent first. */
        init(&e, 8, 2);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 24), 24);
        a = next(&e, 0, 8);
        b = next(&e, 8, 8);
        assert_int_equal(daxmf_engine_complete(&e, b.cookie, 2, -ECONNRESET), 0);
        CHECK_SET(&e.pending, R(10, 24));
        CHECK_SET(&e.completed, R(8, 10));
        CHECK_SET(&e.in_flight, R(0, 8));
        next(&e, 10, 6);
        no_next(&e);
        assert_int_equal(daxmf_engine_complete(&e, a.cookie, 0, -ESHUTDOWN), 0);
        CHECK_SET(&e.pending, R(0, 8), R(16, 24));
        next(&e, 0, 8);
        daxmf_engine_done(&e);
}

static void check_drop(int status) {
        struct daxmf_engine e;
        struct daxmf_batch a;

        init(&e, 8, 1);
        assert_int_equal(submit(&e, DAXMF_EVENT_REMOVAL, 0, 16), 16);
        a = next(&e, 0, 8);
        assert_int_equal(daxmf_engine_complete(&e, a.cookie, 3, status), 0);
        CHECK_SET(&e.completed, R(0, 3));
        CHECK_EMPTY(&e.in_flight);
        CHECK_SET(&e.pending, R(8, 16));        /* the rest of the batch is gone; the next batch is not */
        next(&e, 8, 8);
        no_next(&e);

        /* Dropped pages are neither done nor on their way: a new event queues them. */
        assert_int_equal(submit(&e, DAXMF_EVENT_MANUAL, 0, 8), 5);
        CHECK_SET(&e.pending, R(3, 8));
        daxmf_engine_done(&e);
}

static void test_complete_enxio(void **state) {
        check_drop(-ENXIO);
}

static void test_complete_other_errors(void **state) {
        check_drop(-EIO);
        check_drop(-EINTR);
        check_drop(-ENOMEM);
}

static void test_complete_unknown_cookie(void **state) {
        struct daxmf_engine e;
        struct daxmf_batch a, b;

        init(&e, 8, 4);
        assert_int_equal(daxmf_engine_complete(&e, 1, 8, 0), -ENOENT);
        assert_int_equal(daxmf_engine_complete(&e, 0, 8, 0), -ENOENT);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 16), 16);
        a = next(&e, 0, 8);
        b = next(&e, 8, 8);

        assert_int_equal(daxmf_engine_complete(&e, b.cookie + 1, 8, 0), -ENOENT);
        assert_int_equal(daxmf_engine_complete(&e, UINT64_MAX, 8, -ECONNRESET), -ENOENT);
        assert_int_equal(e.n_batches, 2);
        CHECK_SET(&e.in_flight, R(0, 16));
        CHECK_EMPTY(&e.completed);
        CHECK_EMPTY(&e.pending);

        /* Twice the same cookie: the second is unknown and changes nothing. */
        assert_int_equal(daxmf_engine_complete(&e, a.cookie, 2, -ECONNRESET), 0);
        assert_int_equal(daxmf_engine_complete(&e, a.cookie, 8, 0), -ENOENT);
        CHECK_SET(&e.completed, R(0, 2));
        CHECK_SET(&e.pending, R(2, 8));
        CHECK_SET(&e.in_flight, R(8, 16));
        assert_int_equal(daxmf_engine_complete(&e, b.cookie, 8, 0), 0);
        assert_int_equal(daxmf_engine_complete(&e, b.cookie, 8, 0), -ENOENT);
        CHECK_SET(&e.completed, R(0, 2), R(8, 16));
        assert_int_equal(e.n_batches, 0);
        daxmf_engine_done(&e);
}

static void test_complete_clamps(void **state) {
        struct daxmf_engine e;
        struct daxmf_batch a;

        /* More pages reported than the batch has: only the batch counts. */
        init(&e, 8, 1);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 24), 24);
        a = next(&e, 0, 8);
        assert_int_equal(daxmf_engine_complete(&e, a.cookie, 1000, -ENXIO), 0);
        CHECK_SET(&e.completed, R(0, 8));
        CHECK_SET(&e.pending, R(8, 24));
        CHECK_EMPTY(&e.in_flight);

        a = next(&e, 8, 8);
        assert_int_equal(daxmf_engine_complete(&e, a.cookie, 9, -ECONNRESET), 0);
        CHECK_SET(&e.completed, R(0, 16));
        CHECK_SET(&e.pending, R(16, 24));

        a = next(&e, 16, 8);
        assert_int_equal(daxmf_engine_complete(&e, a.cookie, UINT64_MAX, -ESHUTDOWN), 0);
        CHECK_SET(&e.completed, R(0, 24));
        CHECK_EMPTY(&e.pending);
        CHECK_EMPTY(&e.in_flight);
        daxmf_engine_done(&e);
}

static void test_reconfigure_smaller_limit(void **state) {
        struct daxmf_engine e;
        struct daxmf_config c = config(8, 4);
        struct daxmf_batch b[4];

        assert_int_equal(daxmf_engine_init(&e, &c), 0);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 64), 64);
        for (unsigned i = 0; i < 4; i++)
                b[i] = next(&e, i * 8, 8);
        no_next(&e);

        c.max_in_flight = 1;
        assert_int_equal(daxmf_engine_configure(&e, &c), 0);
        assert_int_equal(e.n_batches, 4);
        no_next(&e);

        /* Completions in any order still work; nothing goes out until below one. */
        assert_int_equal(daxmf_engine_complete(&e, b[2].cookie, 8, 0), 0);
        no_next(&e);
        assert_int_equal(daxmf_engine_complete(&e, b[0].cookie, 3, -ECONNRESET), 0);
        no_next(&e);
        assert_int_equal(daxmf_engine_complete(&e, b[3].cookie, 0, -ENXIO), 0);
        no_next(&e);
        assert_int_equal(e.n_batches, 1);
        CHECK_SET(&e.in_flight, R(8, 16));
        CHECK_SET(&e.completed, R(0, 3), R(16, 24));
        CHECK_SET(&e.pending, R(3, 8), R(32, 64));
        assert_int_equal(daxmf_engine_complete(&e, b[1].cookie, 8, 0), 0);
        assert_int_equal(e.n_batches, 0);

        /* Now one at a time. */
        b[0] = next(&e, 3, 5);
        no_next(&e);
        assert_int_equal(daxmf_engine_complete(&e, b[0].cookie, 5, 0), 0);
        b[0] = next(&e, 32, 8);
        no_next(&e);

        /* Raised again, with a bigger batch: more go out, cut at the new size. */
        c.max_in_flight = 3;
        c.batch_pages = 16;
        assert_int_equal(daxmf_engine_configure(&e, &c), 0);
        next(&e, 40, 8);
        next(&e, 48, 16);
        no_next(&e);
        assert_int_equal(daxmf_engine_complete(&e, b[0].cookie, 8, 0), 0);
        CHECK_SET(&e.completed, R(0, 24), R(32, 40));   /* [24, 32) was dropped */
        CHECK_SET(&e.in_flight, R(40, 64));
        CHECK_EMPTY(&e.pending);
        daxmf_engine_done(&e);
}

static void test_reconfigure_shrink_then_grow(void **state) {
        struct daxmf_engine e;
        struct daxmf_config c = config(1, 6);
        struct daxmf_batch b[6], x;

        /* Shrink twice while six are out, then let it drain and refill up to the new limit. */
        assert_int_equal(daxmf_engine_init(&e, &c), 0);
        assert_int_equal(submit(&e, DAXMF_EVENT_POISON, 0, 100), 100);
        for (unsigned i = 0; i < 6; i++)
                b[i] = next(&e, i, 1);
        c.max_in_flight = 4;
        assert_int_equal(daxmf_engine_configure(&e, &c), 0);
        assert_int_equal(daxmf_engine_complete(&e, b[5].cookie, 1, 0), 0);
        c.max_in_flight = 2;
        assert_int_equal(daxmf_engine_configure(&e, &c), 0);
        for (unsigned i = 0; i < 3; i++) {
                no_next(&e);
                assert_int_equal(daxmf_engine_complete(&e, b[i].cookie, 1, 0), 0);
        }
        no_next(&e);    /* two left: at the limit */
        assert_int_equal(daxmf_engine_complete(&e, b[3].cookie, 1, 0), 0);
        x = next(&e, 6, 1);
        no_next(&e);
        assert_int_equal(daxmf_engine_complete(&e, b[4].cookie, 1, 0), 0);
        assert_int_equal(daxmf_engine_complete(&e, x.cookie, 1, 0), 0);
        next(&e, 7, 1);
        next(&e, 8, 1);
        no_next(&e);

        c.max_in_flight = 8;
        assert_int_equal(daxmf_engine_configure(&e, &c), 0);
        for (unsigned i = 9; i < 15; i++)
                next(&e, i, 1);
        no_next(&e);
        assert_int_equal(e.n_batches, 8);
        CHECK_SET(&e.completed, R(0, 7));
        CHECK_SET(&e.in_flight, R(7, 15));
        CHECK_SET(&e.pending, R(15, 100));
        daxmf_engine_done(&e);
}

static void check_pfns(uint64_t data_phys, uint64_t sector, uint64_t count, uint64_t page_size,
                       uint64_t start, uint64_t end) {
        uint64_t s = 0xdead, e = 0xbeef;
        int r;

        r = daxmf_sectors_to_pfns(data_phys, sector, count, page_size, &s, &e);
        if (r != 0 || s != start || e != end)
                print_error("  phys %#" PRIx64 " sector %#" PRIx64 " count %#" PRIx64 " page %#" PRIx64
                            ": r=%d [%#" PRIx64 ", %#" PRIx64 "), want [%#" PRIx64 ", %#" PRIx64 ")\n",
                            data_phys, sector, count, page_size, r, s, e, start, end);
        assert_int_equal(r, 0);
        assert_int_equal(s, start);
        assert_int_equal(e, end);
}

static void check_pfns_fail(uint64_t data_phys, uint64_t sector, uint64_t count, uint64_t page_size, int err) {
        uint64_t s = 0xdead, e = 0xbeef;

        assert_int_equal(daxmf_sectors_to_pfns(data_phys, sector, count, page_size, &s, &e), err);
        assert_int_equal(s, 0xdead);
        assert_int_equal(e, 0xbeef);
}

static void test_sectors_basic(void **state) {
        /* One whole page. */
        check_pfns(0x40000000, 0, 8, 4096, 0x40000, 0x40001);
        /* One sector, first and last of a page. */
        check_pfns(0x40000000, 0, 1, 4096, 0x40000, 0x40001);
        check_pfns(0x40000000, 7, 1, 4096, 0x40000, 0x40001);
        check_pfns(0x40000000, 8, 1, 4096, 0x40001, 0x40002);
        /* Crossing a page boundary: both pages. */
        check_pfns(0x40000000, 7, 2, 4096, 0x40000, 0x40002);
        /* Many pages, ending exactly on a boundary and one sector past it. */
        check_pfns(0x40000000, 8, 24, 4096, 0x40001, 0x40004);
        check_pfns(0x40000000, 8, 25, 4096, 0x40001, 0x40005);
        /* Data at 0. */
        check_pfns(0, 0, 1, 4096, 0, 1);
        /* Huge pages. */
        check_pfns(0x40000000, 4095, 2, 2 << 20, 0x200, 0x202);
        check_pfns(0x40000000, 0, 4096, 2 << 20, 0x200, 0x201);
        /* Pages smaller than a sector: every one the sector covers. */
        check_pfns(0x1000, 1, 1, 256, 0x12, 0x14);
}

static void test_sectors_unaligned(void **state) {
        /* data_phys sector aligned but not page aligned: sector 7 is the next page's first. */
        check_pfns(0x40000200, 6, 1, 4096, 0x40000, 0x40001);
        check_pfns(0x40000200, 7, 1, 4096, 0x40001, 0x40002);
        check_pfns(0x40000200, 0, 8, 4096, 0x40000, 0x40002);
        check_pfns(0x40000200, 0, 7, 4096, 0x40000, 0x40001);
        /* Not even sector aligned: one sector can straddle two pages. */
        check_pfns(0x40000100, 7, 1, 4096, 0x40000, 0x40002);
        check_pfns(0x40000100, 6, 1, 4096, 0x40000, 0x40001);
        check_pfns(0x40000fff, 0, 1, 4096, 0x40000, 0x40002);
        check_pfns(0x40000e01, 0, 1, 4096, 0x40000, 0x40002);
        check_pfns(0x40000e00, 0, 1, 4096, 0x40000, 0x40001);
}

static void test_sectors_invalid(void **state) {
        check_pfns_fail(0x40000000, 0, 0, 4096, -EINVAL);
        check_pfns_fail(0x40000000, 100, 0, 4096, -EINVAL);
        check_pfns_fail(0x40000000, 0, 8, 0, -EINVAL);
        check_pfns_fail(0x40000000, 0, 8, 3, -EINVAL);
        check_pfns_fail(0x40000000, 0, 8, 4095, -EINVAL);
        check_pfns_fail(0x40000000, 0, 8, 4097, -EINVAL);
        check_pfns_fail(0x40000000, 0, 8, 12288, -EINVAL);
        check_pfns_fail(0x40000000, 0, 8, UINT64_MAX, -EINVAL);
}

static void test_sectors_overflow(void **state) {
        const uint64_t M = UINT64_MAX;

        check_pfns_fail(0, M, 1, 4096, -EOVERFLOW);
        check_pfns_fail(0, 0, M, 4096, -EOVERFLOW);
        check_pfns_fail(0, 1ULL << 55, 1, 4096, -EOVERFLOW);           /* starts at 2^64 */
        check_pfns_fail(0, (1ULL << 55) - 1, 2, 4096, -EOVERFLOW);     /* one sector past the top */
        /* sector + count wraps to a small number. */
        check_pfns_fail(0, 1ULL << 54, M - (1ULL << 54) + 2, 4096, -EOVERFLOW);
        /* sector * 512 wraps. */
        check_pfns_fail(0, 1ULL << 56, 1, 4096, -EOVERFLOW);
        check_pfns_fail(0, (M / 512) + 1, 1, 4096, -EOVERFLOW);
        /* data_phys + offset wraps. */
        check_pfns_fail(M - 100, 0, 1, 4096, -EOVERFLOW);
        check_pfns_fail(M, 0, 1, 4096, -EOVERFLOW);
        check_pfns_fail(0xfffffffffffff000ULL, 8, 1, 4096, -EOVERFLOW);
        check_pfns_fail(0xfffffffffffff000ULL, 0, 9, 4096, -EOVERFLOW);
}

static void test_sectors_top(void **state) {
        /* The last full page below the top page: well inside the limits. */
        check_pfns(0, (1ULL << 55) - 16, 8, 4096, (1ULL << 52) - 2, (1ULL << 52) - 1);
        /* The top page, its last sector left out: the pfn range ends at the top (2^52). */
        check_pfns(0, (1ULL << 55) - 8, 7, 4096, (1ULL << 52) - 1, 1ULL << 52);
        check_pfns(0xfffffffffffff000ULL, 0, 7, 4096, (1ULL << 52) - 1, 1ULL << 52);
        check_pfns(0, (1ULL << 55) - 2, 1, 1, UINT64_MAX - 1023, UINT64_MAX - 511);
}

static void test_sectors_last_byte(void **state) {
        /* The very last sector of the address space (last bad byte is UINT64_MAX): it fits. */
        check_pfns(0, (1ULL << 55) - 1, 1, 4096, (1ULL << 52) - 1, 1ULL << 52);
        check_pfns(0xfffffffffffff000ULL, 0, 8, 4096, (1ULL << 52) - 1, 1ULL << 52);
        check_pfns(0xfffffffffffffe00ULL, 0, 1, 4096, (1ULL << 52) - 1, 1ULL << 52);
        check_pfns(0xfffffffffffffe00ULL, 0, 1, 2 << 20, (1ULL << 43) - 1, 1ULL << 43);
        /* With 1-byte pages the end pfn would be 2^64: that does not fit. */
        check_pfns_fail(0, (1ULL << 55) - 1, 1, 1, -EOVERFLOW);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kind_names),
                cmocka_unit_test(test_init_invalid),
                cmocka_unit_test(test_policy),
                cmocka_unit_test(test_coalescing),
                cmocka_unit_test(test_dedupe),
                cmocka_unit_test(test_dedupe_holes),
                cmocka_unit_test(test_aligned_batches),
                cmocka_unit_test(test_in_flight_limit),
                cmocka_unit_test(test_cookies),
                cmocka_unit_test(test_complete_ok),
                cmocka_unit_test(test_mark_completed),
                cmocka_unit_test(test_complete_econnreset),
                cmocka_unit_test(test_complete_eshutdown),
                cmocka_unit_test(test_requeue_merges_with_pending),
                cmocka_unit_test(test_complete_enxio),
                cmocka_unit_test(test_complete_other_errors),
                cmocka_unit_test(test_complete_unknown_cookie),
                cmocka_unit_test(test_complete_clamps),
                cmocka_unit_test(test_reconfigure_smaller_limit),
                cmocka_unit_test(test_reconfigure_shrink_then_grow),
                cmocka_unit_test(test_sectors_basic),
                cmocka_unit_test(test_sectors_unaligned),
                cmocka_unit_test(test_sectors_invalid),
                cmocka_unit_test(test_sectors_overflow),
                cmocka_unit_test(test_sectors_top),
                cmocka_unit_test(test_sectors_last_byte),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
