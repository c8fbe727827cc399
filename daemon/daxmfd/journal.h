/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "engine.h"
#include "log.h"

/* MESSAGE_IDs of daxmfd's records (see the journal catalog). */
#define DAXMF_MESSAGE_RANGE_EVENT       "cf97945658094f1db7308336789c695b"
#define DAXMF_MESSAGE_POISON_CLEARED    "7322afed445b41dc808683dc4764aceb"
#define DAXMF_MESSAGE_DEGRADED          "fcab4ff2a61847178f10f2912581067f"

/* One event, once, with the whole address chain known so far. */
struct event_record {
        uint64_t id;
        enum daxmf_event_kind kind;
        const char *device;             /* pmem0, dax0.0 */
        uint64_t phys_start;            /* bytes, inclusive */
        uint64_t phys_end;              /* bytes, inclusive */
        uint64_t sector;                /* device-relative, 512 bytes */
        uint64_t sectors;               /* 0 when not from badblocks */
        enum daxmf_action action;
        const char *result;             /* complete, partial, failed, logged, stopped */
        uint64_t pages;                 /* pages of the event */
        uint64_t pages_failed;
        uint64_t elapsed_usec;
        const char *via;                /* module, sysfs, none */
        const char *removal_mode;       /* removals by the module: failed-pages, holder-walk, handler-failed */
        const char *handshake;          /* removals: how the module's wait for daxmfd ended, or NULL */
        uint64_t waited_usec;           /* removals: how long the unbind waited for daxmfd */
};

int journal_log_event(const struct event_record *ev);
int journal_log_cleared(const char *device, uint64_t sector, uint64_t sectors, uint64_t phys_start,
                        uint64_t phys_end);
int journal_log_degraded(const char *reason);

/* The daemon's log sink: the journal, with the priority. */
int journal_sink(enum log_level level, const char *message);
