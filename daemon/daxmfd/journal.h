/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "engine.h"
#include "log.h"

/* MESSAGE_IDs of daxmfd's records (see the journal catalog). */
#define DAXMF_MESSAGE_RANGE_EVENT       "cf97945658094f1db7308336789c695b"
#define DAXMF_MESSAGE_POISON_CLEARED    "7322afed445b41dc808683dc4764aceb"
#define DAXMF_MESSAGE_DEGRADED          "fcab4ff2a61847178f10f2912581067f"
#define DAXMF_MESSAGE_FILE              "e9e6f5a8dc7349b6bb7d82c6eeda5933"
#define DAXMF_MESSAGE_PROCESS           "08ba4d232db046c68873be316a481358"
#define DAXMF_MESSAGE_MORE              "a907fbb7c0f04b959e5ac98be3bc89cd"
#define DAXMF_MESSAGE_MEMORY_FAILURE_LOST "edf90d6c38bc4132a91e70ffacfcdfb3"
/* journal-writer.c: records the full queue dropped while journald was away, and the outage's end. */
#define DAXMF_MESSAGE_JOURNAL_DROPPED   "3fccda1058a44fd0aa8ca5c1d75f0cda"
#define DAXMF_MESSAGE_JOURNAL_OUTAGE    "a0368a79a0594472a427fbd7c49c226b"

/* DAXMF_MORE_KIND of a "N more" record: one definition for writer and reader. */
#define DAXMF_MORE_FILES                "files"
#define DAXMF_MORE_PROCESSES            "processes"
/* What daxmfd 0.1.0 before the report wrote for processes: still read. */
#define DAXMF_MORE_PROCESSES_OLD        "process mappings"

/* What the kernel did over a range it failed itself (DAXMF_EVENT_MEMORY_FAILURE). */
struct event_memory_failure {
        const char *page_type;          /* as the kernel names it: "dax page" */
        const char *kernel_result;      /* as the kernel names it: "Recovered" */
        const char *origin;             /* kernel, fail-range */
        uint64_t events;                /* the kernel's events coalesced into the range */
        uint64_t job_id;                /* fail-range: the module's job; 0 otherwise */
        uint64_t first_usec, last_usec; /* CLOCK_REALTIME of the first and the last event */
};

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
        const struct event_memory_failure *memory_failure;     /* memory failures only, else NULL */
};

/* device "" is memory outside any dax/pmem device (System RAM): the record says so. */
int journal_log_event(const struct event_record *ev);

/* The kernel's memory-failure events that were dropped before daxmfd could log them. */
struct memory_failure_lost_record {
        uint64_t lost;                  /* events (at least: a message missed holds one or more); 0: not known */
        bool has_span;                  /* the pages are known */
        uint64_t phys_start, phys_end;  /* bytes, inclusive: from the lowest to the highest page lost */
        const char *reason;             /* module-buffer, receive-buffer, tracefs */
        const char *via;                /* module, tracefs */
};

int journal_log_memory_failure_lost(const struct memory_failure_lost_record *l);

/* One owner of an event's bytes: a file (one record per name), or metadata. */
struct file_record {
        uint64_t event_id;
        const char *event;              /* poison, removal, manual */
        const char *device;
        uint64_t phys_start, phys_end;  /* the owner's bytes, physical, inclusive */
        uint64_t dev_offset;            /* the same, from the disk's start (DAXMF_NS_OFFSET) */
        uint64_t length;
        const char *path;               /* absolute; NULL for metadata */
        uint64_t inode;
        uint64_t file_offset;
        bool shared;
        const char *metadata;           /* what the metadata is, for non-files */
        uint64_t inventory_usec;        /* 0: read from the live filesystem; else when the inventory was taken */
};

/* A process that maps an affected file or device. */
struct process_record {
        uint64_t event_id;
        const char *event;
        const char *device;
        int pid;
        const char *comm;
        const char *unit;               /* "" when not in a systemd unit */
        const char *path;
        uint64_t addr_start, addr_end;  /* the mapping, inclusive */
        uint64_t map_offset;            /* file offset of addr_start */
};

int journal_log_file(const struct file_record *f);
int journal_log_process(const struct process_record *p);
/* A storm cap: n more records of kind ("files", "processes") not logged one by one. */
int journal_log_more(uint64_t event_id, const char *event, const char *device, const char *kind, uint64_t n);
int journal_log_cleared(const char *device, uint64_t sector, uint64_t sectors, uint64_t phys_start,
                        uint64_t phys_end);
int journal_log_degraded(const char *reason);

/* The daemon's log sink: the journal, with the priority. */
int journal_sink(enum log_level level, const char *message);
