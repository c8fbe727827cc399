/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "daxmf-reply.h"

struct manager;

/*
 * The kernel's own memory failures (machine checks, firmware reports,
 * hard_offline_page, MADV_HWPOISON, another requester's FAIL_RANGE), as
 * ranges: from the module's events when it follows the tracepoint, else
 * from tracefs.  Each range that is not daxmfd's own work is one event
 * record (DAXMF_EVENT=memory-failure) per device it lies on, naming the
 * files and processes hit; the kernel already acted, so nothing is failed
 * again.  Events dropped on the way are logged as such, never silently.
 */

enum memory_failure_source {
        MEMORY_FAILURE_NONE,            /* not followed: no module events, no tracefs */
        MEMORY_FAILURE_MODULE,
        MEMORY_FAILURE_TRACEFS,
        _MEMORY_FAILURE_SOURCE_MAX,
};

const char *memory_failure_source_to_string(enum memory_failure_source s);

/* How long pages daxmfd failed itself are taken as its own, when the kernel's events say no more. */
#define MEMORY_FAILURE_OWN_WORK_USEC (15 * 1000 * 1000)
#define MEMORY_FAILURE_OWN_WORK_MAX 64

/* Pages daxmfd itself failed, lately. */
struct memory_failure_own_work {
        uint64_t start, end;            /* pfns */
        uint64_t usec;                  /* CLOCK_MONOTONIC; 0: free slot */
};

/* What GET_INFO said of the module just connected; NULL when it did not answer. */
void memory_failure_module_info(struct manager *m, const struct daxmf_info *info);

/*
 * Choose the source again: the module's events when they are followed and
 * the module has them, else tracefs, else none.  Called whenever the module
 * or its events connection comes or goes; nothing happens when the choice
 * stands.
 */
void memory_failure_select(struct manager *m);

/* At exit: whatever tracefs still holds is logged, its instance removed. */
void memory_failure_stop(struct manager *m);

/*
 * Pages [start, end) daxmfd just failed itself (a batch ended, a removal
 * was dealt with): where the kernel's events cannot say whose they were,
 * they are taken as its own for MEMORY_FAILURE_OWN_WORK_USEC.
 */
void memory_failure_own_work(struct manager *m, uint64_t start, uint64_t end);

/*
 * The module's events overran the receive buffer: memory failures may be
 * among what was lost.  The next message's number tells how many; if none
 * comes (the module went away), that some may have been is logged.
 */
void memory_failure_events_overrun(struct manager *m);

/*
 * The events connection's queue has been read empty.  An overrun at the
 * end of a storm has no later message whose gap would tell what it took:
 * so after one, once the queue is empty, the module is asked how many
 * events its messages have held so far (GET_INFO's MF_REPORTED, raised
 * only once a message is queued to every listener); once everything
 * queued before that answer has been read, the events no message brought
 * are logged as lost, exactly.  Called after every read of the events
 * connection.
 */
void memory_failure_events_read(struct manager *m, struct daxmf_kernel *events);

/* The module's events. */
int memory_failure_on_module(const struct daxmf_memory_failure *e, void *userdata);
int memory_failure_on_module_lost(const struct daxmf_memory_failure_lost *e, void *userdata);

/* For STATUS= and daxmfctl status: "module", "tracefs (module not loaded)", "not followed (tracefs: ...)". */
const char *memory_failure_describe(const struct manager *m, char *buf, size_t size);
