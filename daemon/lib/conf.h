/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* What daxmfd does with an event of one kind. */
enum daxmf_action {
        DAXMF_ACTION_LOG,       /* record it, touch nothing */
        DAXMF_ACTION_FAIL,      /* fail the range: tear down mappings, signal */
        _DAXMF_ACTION_MAX,
};

struct daxmf_config {
        enum daxmf_action on_poison;
        enum daxmf_action on_removal;
        uint64_t rescan_interval_usec;  /* badblocks rescan; 0 = only on events */
        uint64_t batch_pages;           /* pages per request to the module */
        unsigned max_in_flight;         /* requests outstanding at once */
        uint64_t removal_timeout_usec;  /* how long the module waits for us */
        uint64_t inventory_refresh_usec; /* snapshot of each DAX filesystem; 0 = on mount and udev only */
        char metrics_textfile[PATH_MAX]; /* Prometheus textfile, absolute, *.prom; "" = none */
        unsigned journal_queue_records; /* records kept while journald is unavailable */
};

#define DAXMF_JOURNAL_QUEUE_RECORDS_DEFAULT 4096
#define DAXMF_JOURNAL_QUEUE_RECORDS_MAX (1024 * 1024)

/* Debian's prometheus-node-exporter reads its textfile collector's files there. */
#define DAXMF_METRICS_TEXTFILE_DEFAULT "/var/lib/prometheus/node-exporter/daxmf.prom"

/* Called for every problem found in a file; the value concerned keeps its default. */
typedef void (*daxmf_config_warn_t)(const char *file, unsigned line, const char *message, void *userdata);

void daxmf_config_defaults(struct daxmf_config *c);

/*
 * Parse one file's contents into *c (over whatever is there already).
 * Unknown sections and keys, malformed lines and bad values are reported
 * through warn and skipped.  Returns the number of warnings.
 */
unsigned daxmf_config_parse(struct daxmf_config *c, FILE *f, const char *name,
                            daxmf_config_warn_t warn, void *userdata);

/*
 * Defaults, then main_path (if present), then every *.conf in dropin_dir in
 * lexical order, each overriding the earlier ones.  A file that exists but
 * cannot be read is a warning.  Returns the number of warnings.
 */
unsigned daxmf_config_load(struct daxmf_config *c, const char *main_path, const char *dropin_dir,
                           daxmf_config_warn_t warn, void *userdata);

const char *daxmf_action_to_string(enum daxmf_action a);
int daxmf_action_from_string(const char *s, enum daxmf_action *ret);

/* "30s", "500ms", "2min", "1h", "250us"; a bare number is seconds. */
int parse_timespan_usec(const char *s, uint64_t *ret);
