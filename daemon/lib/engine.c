/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "macro.h"

const char *daxmf_event_kind_to_string(enum daxmf_event_kind k) {
        static const char *const names[_DAXMF_EVENT_KIND_MAX] = {
                [DAXMF_EVENT_POISON] = "poison",
                [DAXMF_EVENT_REMOVAL] = "removal",
                [DAXMF_EVENT_MANUAL] = "manual",
                [DAXMF_EVENT_MEMORY_FAILURE] = "memory-failure",
        };

        return k < _DAXMF_EVENT_KIND_MAX ? names[k] : NULL;
}

int daxmf_engine_configure(struct daxmf_engine *e, const struct daxmf_config *c) {
        struct daxmf_batch *b;

        if (c->batch_pages == 0 || c->max_in_flight == 0)
                return -EINVAL;
        /* Room for the new limit and for what is outstanding now. */
        b = reallocarray(e->batches, c->max_in_flight > e->n_batches ? c->max_in_flight : e->n_batches,
                         sizeof(*b));
        if (!b)
                return -ENOMEM;
        e->batches = b;
        e->batch_pages = c->batch_pages;
        e->max_in_flight = c->max_in_flight;
        e->action[DAXMF_EVENT_POISON] = c->on_poison;
        e->action[DAXMF_EVENT_REMOVAL] = c->on_removal;
        /* Asked for by an operator: always acted on. */
        e->action[DAXMF_EVENT_MANUAL] = DAXMF_ACTION_FAIL;
        /* The kernel already acted: failing the pages again would only fail. */
        e->action[DAXMF_EVENT_MEMORY_FAILURE] = DAXMF_ACTION_LOG;
        return 0;
}

int daxmf_engine_init(struct daxmf_engine *e, const struct daxmf_config *c) {
        *e = (struct daxmf_engine) { .next_cookie = 1 };
        return daxmf_engine_configure(e, c);
}

void daxmf_engine_done(struct daxmf_engine *e) {
        rangeset_done(&e->pending);
        rangeset_done(&e->in_flight);
        rangeset_done(&e->completed);
        free(e->batches);
        *e = (struct daxmf_engine) {};
}

int daxmf_engine_submit(struct daxmf_engine *e, enum daxmf_event_kind kind, uint64_t start,
                        uint64_t end, uint64_t *ret_queued) {
        _cleanup_(rangeset_done) struct daxmf_rangeset add = {};
        uint64_t queued = 0;
        int r;

        if (kind >= _DAXMF_EVENT_KIND_MAX || start >= end)
                return -EINVAL;
        if (ret_queued)
                *ret_queued = 0;
        if (e->action[kind] != DAXMF_ACTION_FAIL)
                return (int) e->action[kind];

        /* Only what is neither failed already nor on its way. */
        r = rangeset_add(&add, start, end);
        if (r < 0)
                return r;
        r = rangeset_remove_set(&add, &e->completed);
        if (r < 0)
                return r;
        r = rangeset_remove_set(&add, &e->in_flight);
        if (r < 0)
                return r;

        /* Counted over the new pages only: the whole pending set may be large. */
        for (size_t i = 0; i < add.n; i++) {
                uint64_t fresh = add.ranges[i].end - add.ranges[i].start -
                                 rangeset_count(&e->pending, add.ranges[i].start, add.ranges[i].end);

                r = rangeset_add(&e->pending, add.ranges[i].start, add.ranges[i].end);
                if (r < 0)
                        return r;
                queued += fresh;
        }
        if (ret_queued)
                *ret_queued = queued;
        return DAXMF_ACTION_FAIL;
}

int daxmf_engine_mark_completed(struct daxmf_engine *e, uint64_t start, uint64_t end) {
        int r;

        if (start >= end)
                return -EINVAL;
        r = rangeset_add(&e->completed, start, end);
        if (r < 0)
                return r;
        return rangeset_remove(&e->pending, start, end);
}

bool daxmf_engine_next(struct daxmf_engine *e, struct daxmf_batch *ret) {
        struct daxmf_range *first;
        uint64_t start, end, boundary;

        if (e->n_batches >= e->max_in_flight || e->pending.n == 0)
                return false;

        /*
         * Lowest pages first, cut at multiples of the batch size: the same
         * range always splits the same way, however it arrived.
         */
        first = &e->pending.ranges[0];
        start = first->start;
        boundary = start - start % e->batch_pages;
        end = boundary > UINT64_MAX - e->batch_pages ? UINT64_MAX : boundary + e->batch_pages;
        if (end > first->end)
                end = first->end;

        if (rangeset_add(&e->in_flight, start, end) < 0)
                return false;
        if (rangeset_remove(&e->pending, start, end) < 0) {
                (void) rangeset_remove(&e->in_flight, start, end);
                return false;
        }

        e->batches[e->n_batches] = (struct daxmf_batch) {
                .cookie = e->next_cookie++,
                .start = start,
                .pages = end - start,
        };
        *ret = e->batches[e->n_batches++];
        return true;
}

int daxmf_engine_complete(struct daxmf_engine *e, uint64_t cookie, uint64_t pages_done, int status) {
        struct daxmf_batch b;
        unsigned i;
        int r;

        for (i = 0; i < e->n_batches; i++)
                if (e->batches[i].cookie == cookie)
                        break;
        if (i == e->n_batches)
                return -ENOENT;
        b = e->batches[i];
        e->batches[i] = e->batches[--e->n_batches];

        if (pages_done > b.pages)
                pages_done = b.pages;
        if (status == 0)
                pages_done = b.pages;

        r = rangeset_remove(&e->in_flight, b.start, b.start + b.pages);
        if (r < 0)
                return r;
        r = rangeset_add(&e->completed, b.start, b.start + pages_done);
        if (r < 0)
                return r;
        if (pages_done < b.pages && (status == -ECONNRESET || status == -ESHUTDOWN))
                r = rangeset_add(&e->pending, b.start + pages_done, b.start + b.pages);
        return r;
}

uint64_t daxmf_engine_pending_pages(const struct daxmf_engine *e) {
        return rangeset_pages(&e->pending);
}

uint64_t daxmf_engine_in_flight_pages(const struct daxmf_engine *e) {
        return rangeset_pages(&e->in_flight);
}

int daxmf_sectors_to_pfns(uint64_t data_phys, uint64_t sector, uint64_t count, uint64_t page_size,
                          uint64_t *ret_start, uint64_t *ret_end) {
        uint64_t first, last, off_last;

        if (count == 0 || page_size == 0 || (page_size & (page_size - 1)))
                return -EINVAL;
        /* The last bad byte, data_phys + (sector + count) * 512 - 1, must fit. */
        if (sector > UINT64_MAX / 512 || count - 1 > UINT64_MAX / 512 - sector)
                return -EOVERFLOW;
        off_last = (sector + count - 1) * 512 + 511;
        if (off_last > UINT64_MAX - data_phys)
                return -EOVERFLOW;

        first = data_phys + sector * 512;
        last = data_phys + off_last;
        if (last / page_size == UINT64_MAX)     /* only with 1-byte pages */
                return -EOVERFLOW;
        *ret_start = first / page_size;
        *ret_end = last / page_size + 1;
        return 0;
}
