/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * daxmfd's journal records grouped into events, as `daxmfctl report` shows
 * them.  No journal here: the reader (cmd-report.c) hands over each record's
 * fields as text, so the grouping can be tested without one.
 */

/* A number a record did not carry (or carried as junk): null in JSON. */
#define REPORT_UNSET UINT64_MAX

/*
 * How far past --since and --until records are read.  An event's records
 * span time (files are named before the pages are failed, the summary
 * comes last), so its later records are looked for past --until, and
 * records just before --since tell which events had started already.
 */
#define REPORT_SLACK_USEC (UINT64_C(3600) * 1000000)

enum report_kind {
        REPORT_KIND_EVENT,      /* the summary, once the pages are all dealt with */
        REPORT_KIND_FILE,       /* a file name or metadata the event hit */
        REPORT_KIND_PROCESS,    /* a process mapping it */
        REPORT_KIND_MORE,       /* "N more" past the per-event cap */
        REPORT_KIND_CLEARED,    /* poison cleared: no event */
        REPORT_KIND_DEGRADED,   /* daxmfd degraded: no event */
        REPORT_KIND_MEMORY_FAILURE_LOST, /* the kernel's memory-failure events not logged: no event */
        _REPORT_KIND_MAX,
        _REPORT_KIND_INVALID = -1,
};

enum report_kind report_kind_from_message_id(const char *id);
/* The MESSAGE_ID of a kind (for the journal matches). */
const char *report_kind_message_id(enum report_kind k);

/* The DAXMF_ fields a report reads. */
enum report_field {
        REPORT_FIELD_EVENT_ID,
        REPORT_FIELD_EVENT,
        REPORT_FIELD_DEVICE,
        REPORT_FIELD_PHYS_START,
        REPORT_FIELD_PHYS_END,
        REPORT_FIELD_SECTOR,
        REPORT_FIELD_SECTORS,
        REPORT_FIELD_ACTION,
        REPORT_FIELD_RESULT,
        REPORT_FIELD_PAGES,
        REPORT_FIELD_PAGES_FAILED,
        REPORT_FIELD_ELAPSED_USEC,
        REPORT_FIELD_VIA,
        REPORT_FIELD_REMOVAL_MODE,
        REPORT_FIELD_HANDSHAKE,
        REPORT_FIELD_WAITED_USEC,
        REPORT_FIELD_FILE,
        REPORT_FIELD_INODE,
        REPORT_FIELD_FILE_OFFSET,
        REPORT_FIELD_LENGTH,
        REPORT_FIELD_SHARED,
        REPORT_FIELD_SOURCE,
        REPORT_FIELD_INVENTORY_USEC,
        REPORT_FIELD_METADATA,
        REPORT_FIELD_NS_OFFSET,
        REPORT_FIELD_PID,
        REPORT_FIELD_COMM,
        REPORT_FIELD_UNIT,
        REPORT_FIELD_ADDR_START,
        REPORT_FIELD_ADDR_END,
        REPORT_FIELD_MORE_KIND,
        REPORT_FIELD_MORE,
        REPORT_FIELD_DEGRADED,
        REPORT_FIELD_PAGE_TYPE,
        REPORT_FIELD_KERNEL_RESULT,
        REPORT_FIELD_ORIGIN,
        REPORT_FIELD_MF_EVENTS,
        REPORT_FIELD_JOB_ID,
        REPORT_FIELD_FIRST_USEC,
        REPORT_FIELD_LAST_USEC,
        REPORT_FIELD_LOST,
        REPORT_FIELD_LOST_REASON,
        _REPORT_FIELD_MAX,
        _REPORT_FIELD_INVALID = -1,
};

/* "DAXMF_EVENT_ID" and back; name need not be NUL-terminated. */
const char *report_field_name(enum report_field f);
enum report_field report_field_from_name(const char *name, size_t len);

/* One journal record, its values as text ("FIELD=" stripped). */
struct report_record {
        enum report_kind kind;
        char boot_id[33];               /* _BOOT_ID, 32 hex digits */
        uint64_t pid;                   /* _PID: the daxmfd that wrote it */
        uint64_t realtime_usec;
        const char *fields[_REPORT_FIELD_MAX];  /* NULL: absent */
};

/* One journal entry's values as they are read, owned here until report_add() has copied what it keeps. */
struct report_entry {
        struct report_record rec;
        char *values[_REPORT_FIELD_MAX];
};

void report_entry_clear(struct report_entry *e);
/*
 * One datum of the entry, "NAME=value" (not NUL-terminated, the value any
 * bytes): MESSAGE_ID gives the kind, _PID the writer, daxmfd's own fields
 * are kept (the first of a repeated one), the rest is not ours.  A datum
 * without '=' is skipped.  0, or -ENOMEM.
 */
int report_entry_add_data(struct report_entry *e, const void *data, size_t len);
/* After the last datum: rec.fields point at the values. */
void report_entry_finish(struct report_entry *e);

struct report_file {
        char *path;                     /* NULL: metadata */
        char *metadata;                 /* what the metadata is, for non-files */
        uint64_t inode, file_offset, length;
        uint64_t phys_start, phys_end, ns_offset;
        bool shared;
        char *source;                   /* live, inventory */
        uint64_t inventory_usec;        /* REPORT_UNSET: not from an inventory */
};

struct report_process {
        uint64_t pid;
        char *comm, *unit, *path;       /* unit NULL when not in one */
        uint64_t addr_start, addr_end, file_offset;
};

struct report_event {
        /* DAXMF_EVENT_ID counts from 1 in every daxmfd run: the run is part of the key. */
        char boot_id[33];
        uint64_t daemon_pid;
        uint64_t id;

        uint64_t realtime_usec;         /* its first record's: when daxmfd began with it */
        uint64_t summary_usec;          /* its summary's; REPORT_UNSET without one */
        size_t order;                   /* arrival, so that sorting is stable */
        bool complete;                  /* the summary was found */
        bool outside;                   /* began before --since: records absorbed, not shown */

        char *event, *device;
        /* From the summary; REPORT_UNSET or NULL without one. */
        uint64_t phys_start, phys_end, sector, sectors;
        uint64_t pages, pages_failed, elapsed_usec, waited_usec;
        char *action, *result, *via, *removal_mode, *handshake;
        /* The kernel's memory failures: what the kernel did, and who asked. */
        char *page_type, *kernel_result, *origin;
        uint64_t mf_events, job_id, first_usec, last_usec;

        struct report_file *files;      /* files and metadata, in journal order */
        size_t n_files, allocated_files;
        struct report_process *processes;
        size_t n_processes, allocated_processes;
        uint64_t files_not_logged, processes_not_logged;
};

struct report_cleared {
        char boot_id[33];
        uint64_t daemon_pid, realtime_usec;
        size_t order;
        char *device;
        uint64_t sector, sectors, phys_start, phys_end;
};

struct report_degraded {
        char boot_id[33];
        uint64_t daemon_pid, realtime_usec;
        size_t order;
        char *reason;
};

/* The kernel's memory-failure events daxmfd could not log. */
struct report_mf_lost {
        char boot_id[33];
        uint64_t daemon_pid, realtime_usec;
        size_t order;
        uint64_t lost;
        uint64_t phys_start, phys_end;  /* REPORT_UNSET: the pages are not known */
        char *reason, *via;
};

struct report_filter {
        uint64_t since_usec, until_usec;        /* 0: unbounded */
        const char *device;                     /* "pmem0" or "/dev/pmem0"; NULL: any */
        const char *file;                       /* NULL: any */
};

struct report {
        struct report_filter filter;

        struct report_event *events;
        size_t n_events, allocated_events;
        /* (boot, pid, id) -> position in events + 1; 0 is an empty slot. */
        size_t *index;
        size_t index_size;
        size_t open;                    /* events in the window still without a summary */

        struct report_cleared *cleared;
        size_t n_cleared, allocated_cleared;
        struct report_degraded *degraded;
        size_t n_degraded, allocated_degraded;
        struct report_mf_lost *mf_lost;
        size_t n_mf_lost, allocated_mf_lost;
};

/* filter's strings must outlive the report. */
void report_init(struct report *r, const struct report_filter *filter);
void report_done(struct report *r);

/*
 * Take one record: 0 when used or ignored (another device, outside the
 * window, no event id), -ENOMEM.  An event's records may come in any
 * order; the first one (whatever its kind) makes the event.
 */
int report_add(struct report *r, const struct report_record *rec);

/*
 * Whether records at realtime_usec can still change the report: past
 * --until only the summaries of open events can, and only for a while.
 */
bool report_wants(const struct report *r, uint64_t realtime_usec);

/* After the last record: drop what the filters leave out, sort by time. */
void report_finish(struct report *r);
