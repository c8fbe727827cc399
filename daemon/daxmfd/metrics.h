/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

/*
 * daxmfd's Prometheus metrics: counters of what it logged, kept in memory
 * for the run (they start at zero when daxmfd starts; Prometheus takes a
 * counter going back as a restart), the text exposition format 0.0.4 that
 * node_exporter's textfile collector reads, and an atomic writer.  Nothing
 * here knows the manager: the gauges come in as values, so the formatter is
 * a pure function the unit tests call directly.
 */

/* Records not logged one by one, or not written to the journal at all. */
enum metrics_lost {
        METRICS_LOST_FILES,             /* files in "N more" records */
        METRICS_LOST_PROCESSES,         /* process mappings in "N more" records */
        METRICS_LOST_JOURNAL,           /* records journald never got: dropped from the full queue, or unsendable */
        METRICS_LOST_MEMORY_FAILURE,    /* the kernel's memory-failure events dropped before daxmfd saw them */
        _METRICS_LOST_MAX,
};

/* Every (event, result) pair met, the known ones from the start (at 0). */
#define METRICS_EVENT_SERIES_MAX 32

struct metrics_event_series {
        char event[16];
        char result[16];
        uint64_t n;
};

struct metrics_counters {
        struct metrics_event_series events[METRICS_EVENT_SERIES_MAX];
        size_t n_events;
        uint64_t pages;                 /* pages of the events logged */
        uint64_t pages_failed;          /* of those, pages whose handling failed */
        uint64_t files;                 /* file records, logged or in "N more" */
        uint64_t processes;             /* process records, logged or in "N more" */
        uint64_t lost[_METRICS_LOST_MAX];
        uint64_t last_event_realtime_usec; /* 0: none yet */
};

/* What the manager says at the time of writing. */
struct metrics_gauges {
        const char *degraded;           /* why, "" when not degraded */
        bool module_connected;
        bool removal_handler;
        uint64_t pages_pending;
        uint64_t pages_in_flight;
        uint64_t disks_watched;
        uint64_t bad_ranges;            /* over every watched disk */
        const char *memory_failure_source; /* module, tracefs, none (NULL: none) */
        uint64_t start_realtime_usec;
        bool journal_unavailable;       /* journald did not take the last record */
        uint64_t journal_queued;        /* records waiting for journald */
};

/*
 * The daemon's one set of counters.  journal.c, the one path every record
 * takes, counts each record here as it writes it; the counters then tell
 * whoever asked to be told (the textfile's timer).
 */
void metrics_reset(void);
const struct metrics_counters *metrics_counters(void);
void metrics_on_change(void (*changed)(void *userdata), void *userdata);

void metrics_count_event(const char *event, const char *result, uint64_t pages, uint64_t pages_failed);
void metrics_count_files(uint64_t n);
void metrics_count_processes(uint64_t n);
void metrics_count_lost(enum metrics_lost kind, uint64_t n);

/* The exposition text, every metric with its HELP and TYPE.  0 or -EIO. */
int metrics_format(FILE *f, const struct metrics_counters *c, const struct metrics_gauges *g);

/*
 * Replace path with text atomically: a new file in the same directory
 * (".NAME.XXXXXX", which node_exporter does not read: it takes *.prom),
 * mode 0644, renamed over path.  Nothing else is created; a missing
 * directory is -ENOENT.  0 or a negative errno.
 */
int metrics_write_file(const char *path, const char *text, size_t size);
