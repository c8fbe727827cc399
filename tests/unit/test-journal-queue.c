/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <endian.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "journal-native.h"
#include "journal-queue.h"
#include "macro.h"

static void push_str(struct journal_queue *q, const char *s, uint64_t usec, int expect) {
        assert_int_equal(journal_queue_push(q, s, strlen(s), usec), expect);
}

/* The next entry is the record s, made at usec. */
static void pop_record(struct journal_queue *q, const char *s, uint64_t usec) {
        const struct journal_queue_entry *e = journal_queue_peek(q);

        assert_non_null(e);
        assert_int_equal(e->dropped, 0);
        assert_int_equal(e->usec, usec);
        assert_int_equal(e->size, strlen(s));
        assert_memory_equal(e->data, s, e->size);
        journal_queue_pop(q);
}

/* The next entry is a marker: n dropped, the first at first, the last at last. */
static void pop_marker(struct journal_queue *q, uint64_t n, uint64_t first, uint64_t last) {
        const struct journal_queue_entry *e = journal_queue_peek(q);

        assert_non_null(e);
        assert_int_equal(e->dropped, n);
        assert_int_equal(e->usec, first);
        assert_int_equal(e->dropped_last_usec, last);
        journal_queue_pop(q);
}

static void test_order(void **state) {
        struct journal_queue q;

        journal_queue_init(&q, 8, 1024);
        assert_true(journal_queue_empty(&q));
        assert_null(journal_queue_peek(&q));
        push_str(&q, "a", 1, 0);
        push_str(&q, "bb", 2, 0);
        push_str(&q, "ccc", 3, 0);
        assert_int_equal(q.records, 3);
        assert_int_equal(q.bytes, 6);
        pop_record(&q, "a", 1);
        push_str(&q, "d", 4, 0);
        pop_record(&q, "bb", 2);
        pop_record(&q, "ccc", 3);
        pop_record(&q, "d", 4);
        assert_true(journal_queue_empty(&q));
        assert_int_equal(q.records, 0);
        assert_int_equal(q.bytes, 0);
        assert_int_equal(q.dropped, 0);
        journal_queue_pop(&q);  /* empty: nothing */
        journal_queue_done(&q);
}

/* Full by count: the newest are dropped, one marker counts them where they were. */
static void test_full_records(void **state) {
        struct journal_queue q;

        journal_queue_init(&q, 2, 1024);
        push_str(&q, "a", 10, 0);
        push_str(&q, "b", 11, 0);
        push_str(&q, "c", 12, 1);
        push_str(&q, "d", 13, 1);
        push_str(&q, "e", 14, 1);
        assert_int_equal(q.records, 2);
        assert_int_equal(q.dropped, 3);
        /* Room again: the next record goes after the marker. */
        pop_record(&q, "a", 10);
        push_str(&q, "f", 15, 0);
        /* Full again: a second marker, after f. */
        push_str(&q, "g", 16, 1);
        pop_record(&q, "b", 11);
        pop_marker(&q, 3, 12, 14);
        pop_record(&q, "f", 15);
        pop_marker(&q, 1, 16, 16);
        assert_true(journal_queue_empty(&q));
        assert_int_equal(q.dropped, 4);
        journal_queue_done(&q);
        assert_int_equal(q.dropped, 0);
}

/* Full by bytes: a record larger than the room left is dropped, a smaller one still fits. */
static void test_full_bytes(void **state) {
        struct journal_queue q;

        journal_queue_init(&q, 100, 8);
        push_str(&q, "12345", 1, 0);
        push_str(&q, "6789", 2, 1);
        push_str(&q, "abcdefghi", 3, 1);        /* larger than the whole bound */
        assert_int_equal(q.bytes, 5);
        assert_int_equal(q.records, 1);
        /* Fits, but after the marker: order is the order things happened. */
        push_str(&q, "678", 4, 0);
        assert_int_equal(q.bytes, 8);
        pop_record(&q, "12345", 1);
        pop_marker(&q, 2, 2, 3);
        pop_record(&q, "678", 4);
        assert_true(journal_queue_empty(&q));
        journal_queue_done(&q);
}

/*
 * However long the outage, the queue holds at most max records and max + 1
 * markers, and every record pushed is queued, written or counted dropped.
 */
static void test_bounded(void **state) {
        struct journal_queue q;
        uint64_t written = 0, marked = 0, kept = 0, pushed = 100000;
        size_t entries = 0;

        journal_queue_init(&q, 16, 1 << 20);
        for (uint64_t i = 0; i < pushed; i++) {
                /* Now and then journald takes one. */
                if (i % 1000 == 500) {
                        const struct journal_queue_entry *e = journal_queue_peek(&q);

                        if (e->dropped)
                                marked += e->dropped;
                        else
                                written++;
                        journal_queue_pop(&q);
                }
                (void) journal_queue_push(&q, "record", 6, i);
        }
        assert_int_equal(q.records, 16);
        for (const struct journal_queue_entry *e = journal_queue_peek(&q); e; e = e->next) {
                entries++;
                if (e->dropped)
                        marked += e->dropped;
                else
                        kept++;
        }
        assert_true(entries <= 2 * 16 + 1);
        assert_int_equal(kept, 16);
        assert_int_equal(written + kept + q.dropped, pushed);
        assert_int_equal(marked, q.dropped);
        journal_queue_done(&q);
        assert_true(journal_queue_empty(&q));
}

/* A bound of 0 records would drop everything: it means 1. */
static void test_zero_bound(void **state) {
        struct journal_queue q;

        journal_queue_init(&q, 0, 100);
        push_str(&q, "a", 1, 0);
        push_str(&q, "b", 2, 1);
        pop_record(&q, "a", 1);
        pop_marker(&q, 1, 2, 2);
        journal_queue_done(&q);
}

static void test_native_plain(void **state) {
        struct iovec iov[] = {
                { .iov_base = (char *) "MESSAGE=hello", .iov_len = 13 },
                { .iov_base = (char *) "PRIORITY=6", .iov_len = 10 },
                { .iov_base = (char *) "EMPTY=", .iov_len = 6 },
        };
        _cleanup_free_ char *buf = NULL;
        size_t size;

        assert_int_equal(journal_native_format(iov, ELEMENTSOF(iov), &buf, &size), 0);
        assert_int_equal(size, strlen("MESSAGE=hello\nPRIORITY=6\nEMPTY=\n"));
        assert_memory_equal(buf, "MESSAGE=hello\nPRIORITY=6\nEMPTY=\n", size);
}

/* A value with a line feed: the binary form, its length little endian. */
static void test_native_binary(void **state) {
        struct iovec iov[] = {
                { .iov_base = (char *) "MESSAGE=a\nb=c", .iov_len = 13 },
                { .iov_base = (char *) "X=1", .iov_len = 3 },
        };
        _cleanup_free_ char *buf = NULL;
        const char want[] = "MESSAGE\n\x05\0\0\0\0\0\0\0a\nb=c\nX=1\n";
        size_t size;

        assert_int_equal(journal_native_format(iov, ELEMENTSOF(iov), &buf, &size), 0);
        assert_int_equal(size, sizeof(want) - 1);
        assert_memory_equal(buf, want, size);
}

static void test_native_bad(void **state) {
        struct iovec no_eq = { .iov_base = (char *) "MESSAGE", .iov_len = 7 };
        struct iovec no_name = { .iov_base = (char *) "=x", .iov_len = 2 };
        struct iovec lf_name = { .iov_base = (char *) "A\nB=x", .iov_len = 5 };
        char *buf = NULL;
        size_t size = 0;

        assert_int_equal(journal_native_format(&no_eq, 1, &buf, &size), -EINVAL);
        assert_int_equal(journal_native_format(&no_name, 1, &buf, &size), -EINVAL);
        assert_int_equal(journal_native_format(&lf_name, 1, &buf, &size), -EINVAL);
        assert_null(buf);
        assert_int_equal(journal_native_format(NULL, 0, &buf, &size), 0);
        assert_int_equal(size, 0);
        free(buf);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_order),
                cmocka_unit_test(test_full_records),
                cmocka_unit_test(test_full_bytes),
                cmocka_unit_test(test_bounded),
                cmocka_unit_test(test_zero_bound),
                cmocka_unit_test(test_native_plain),
                cmocka_unit_test(test_native_binary),
                cmocka_unit_test(test_native_bad),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
