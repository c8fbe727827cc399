/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Records journald could not take yet, in the order they were made: a
 * bounded FIFO of opaque datagrams (the journal's native protocol, built by
 * the caller) with each record's own time.  Pure: no I/O, no clock.
 *
 * Bounded two ways, records and bytes.  A record that does not fit is
 * dropped, never silently: the drops are counted in a marker entry at the
 * place in the order where they happened (the queue's tail), with the time
 * of the first and the last one dropped.  Consecutive drops share one
 * marker; a marker is only added while the queue is full of records, so
 * there are never more markers than records + 1.  The oldest records are
 * kept (they say where an outage's events began); the newest are dropped.
 */

#define JOURNAL_QUEUE_MAX_RECORDS_DEFAULT 4096
#define JOURNAL_QUEUE_MAX_BYTES_DEFAULT (8u << 20)

struct journal_queue_entry {
        struct journal_queue_entry *next;
        uint64_t usec;                  /* the record's own time; a marker: the first record dropped */
        uint64_t dropped;               /* 0: a record; else a marker: records dropped here */
        uint64_t dropped_last_usec;     /* a marker: the last record dropped */
        size_t size;
        unsigned char data[];           /* a record's bytes */
};

struct journal_queue {
        struct journal_queue_entry *head, *tail;
        size_t max_records, max_bytes;
        size_t records;                 /* records queued (markers not counted) */
        size_t bytes;                   /* their data */
        uint64_t dropped;               /* records dropped, over the queue's life */
};

void journal_queue_init(struct journal_queue *q, size_t max_records, size_t max_bytes);
void journal_queue_done(struct journal_queue *q);

/*
 * Append a copy of a record made at usec: 0 queued, 1 dropped (the queue is
 * full; counted in the tail marker).  Out of memory counts as dropped too:
 * the record is lost either way, and the count says so.
 */
int journal_queue_push(struct journal_queue *q, const void *data, size_t size, uint64_t usec);

/* The oldest entry, a record or a marker (dropped > 0); NULL when empty. */
const struct journal_queue_entry *journal_queue_peek(const struct journal_queue *q);

/* Forget the oldest entry (once it was written). */
void journal_queue_pop(struct journal_queue *q);

static inline bool journal_queue_empty(const struct journal_queue *q) {
        return !q->head;
}
