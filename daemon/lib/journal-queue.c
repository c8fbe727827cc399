/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "journal-queue.h"

void journal_queue_init(struct journal_queue *q, size_t max_records, size_t max_bytes) {
        *q = (struct journal_queue) {
                .max_records = max_records ? max_records : 1,
                .max_bytes = max_bytes,
        };
}

void journal_queue_done(struct journal_queue *q) {
        while (q->head)
                journal_queue_pop(q);
        q->dropped = 0;
}

static void append(struct journal_queue *q, struct journal_queue_entry *e) {
        if (q->tail)
                q->tail->next = e;
        else
                q->head = e;
        q->tail = e;
}

/* Count one record dropped at usec in the tail's marker, adding one if the tail is a record. */
static int drop(struct journal_queue *q, uint64_t usec) {
        struct journal_queue_entry *m = q->tail;

        q->dropped++;
        if (!m || m->dropped == 0) {
                m = calloc(1, sizeof(*m));
                /* Not even a marker: the total above still counts it. */
                if (!m)
                        return 1;
                m->usec = usec;
                append(q, m);
        }
        m->dropped++;
        m->dropped_last_usec = usec;
        return 1;
}

int journal_queue_push(struct journal_queue *q, const void *data, size_t size, uint64_t usec) {
        struct journal_queue_entry *e;

        if (q->records >= q->max_records || size > q->max_bytes - q->bytes || q->bytes > q->max_bytes)
                return drop(q, usec);
        e = malloc(sizeof(*e) + size);
        if (!e)
                return drop(q, usec);
        *e = (struct journal_queue_entry) { .usec = usec, .size = size };
        memcpy(e->data, data, size);
        append(q, e);
        q->records++;
        q->bytes += size;
        return 0;
}

const struct journal_queue_entry *journal_queue_peek(const struct journal_queue *q) {
        return q->head;
}

void journal_queue_pop(struct journal_queue *q) {
        struct journal_queue_entry *e = q->head;

        if (!e)
                return;
        q->head = e->next;
        if (!q->head)
                q->tail = NULL;
        if (e->dropped == 0) {
                q->records--;
                q->bytes -= e->size;
        }
        free(e);
}
