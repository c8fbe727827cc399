/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "conf.h"
#include "rangeset.h"

/*
 * The range engine: pure bookkeeping, no I/O and no clock.  Events add page
 * ranges; the engine coalesces them, leaves out what was already failed or
 * is being failed, and hands out batches (aligned to the batch size) while
 * fewer than max_in_flight are outstanding.  Completions move pages to the
 * completed set or, for an interrupted batch, back to pending.
 */

enum daxmf_event_kind {
        DAXMF_EVENT_POISON,
        DAXMF_EVENT_REMOVAL,
        DAXMF_EVENT_MANUAL,
        DAXMF_EVENT_MEMORY_FAILURE,     /* the kernel failed the pages itself: only ever logged */
        _DAXMF_EVENT_KIND_MAX,
};

const char *daxmf_event_kind_to_string(enum daxmf_event_kind k);

struct daxmf_batch {
        uint64_t cookie;        /* unique per engine; goes to the module */
        uint64_t start;         /* pfn */
        uint64_t pages;
};

struct daxmf_engine {
        uint64_t batch_pages;
        unsigned max_in_flight;
        enum daxmf_action action[_DAXMF_EVENT_KIND_MAX];

        struct daxmf_rangeset pending;
        struct daxmf_rangeset in_flight;
        struct daxmf_rangeset completed;
        struct daxmf_batch *batches;    /* outstanding, max_in_flight slots */
        unsigned n_batches;
        uint64_t next_cookie;
};

int daxmf_engine_init(struct daxmf_engine *e, const struct daxmf_config *c);
void daxmf_engine_done(struct daxmf_engine *e);
/* New limits and policy (on reload); outstanding batches stay as they are. */
int daxmf_engine_configure(struct daxmf_engine *e, const struct daxmf_config *c);

/*
 * An event over pfns [start, end).  Returns the action the policy gives the
 * kind; with DAXMF_ACTION_FAIL the pages not yet failed nor being failed
 * are queued, and *ret_queued (if given) says how many.
 */
int daxmf_engine_submit(struct daxmf_engine *e, enum daxmf_event_kind kind, uint64_t start,
                        uint64_t end, uint64_t *ret_queued);

/*
 * Pages [start, end) were failed by someone else (the kernel's own memory
 * failure handling recovered them): completed, and no longer pending, so a
 * later event over them is logged but does not fail them again.  Pages in
 * flight stay so: their batch's completion settles them.
 */
int daxmf_engine_mark_completed(struct daxmf_engine *e, uint64_t start, uint64_t end);

/* The next batch to send, or false when none may go now (nothing pending, or the limit is reached). */
bool daxmf_engine_next(struct daxmf_engine *e, struct daxmf_batch *ret);

/*
 * The module's verdict on a batch: pages_done pages from its start were
 * handled.  With status 0 the whole batch is completed.  A batch stopped
 * early by -ECONNRESET/-ESHUTDOWN (we or the module went away) has its rest
 * queued again; any other stop (-ENXIO: device gone) drops the rest.
 * -ENOENT when the cookie is not outstanding.
 */
int daxmf_engine_complete(struct daxmf_engine *e, uint64_t cookie, uint64_t pages_done, int status);

/* Pages waiting to be sent, being failed. */
uint64_t daxmf_engine_pending_pages(const struct daxmf_engine *e);
uint64_t daxmf_engine_in_flight_pages(const struct daxmf_engine *e);

/*
 * Device-relative bad sectors (512 bytes) to page frames, given where the
 * device's data starts in physical memory: every page any bad byte touches.
 * -EOVERFLOW when the numbers do not fit, -EINVAL for an empty range.
 */
int daxmf_sectors_to_pfns(uint64_t data_phys, uint64_t sector, uint64_t count, uint64_t page_size,
                          uint64_t *ret_start, uint64_t *ret_end);
