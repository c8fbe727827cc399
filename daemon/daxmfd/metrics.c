/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "macro.h"
#include "metrics.h"

/* The results journal.h names; with every event kind they are series from the start. */
static const char *const known_results[] = { "complete", "partial", "failed", "stopped", "logged" };
/* A memory failure's result is the kernel's (enum mf_result), lowercased. */
static const char *const memory_failure_results[] = { "recovered", "failed", "ignored", "delayed" };
/* Where the kernel's memory failures come from: one of these is 1, the others 0. */
static const char *const memory_failure_sources[] = { "module", "tracefs", "none" };

static const char *const lost_names[_METRICS_LOST_MAX] = {
        [METRICS_LOST_FILES] = "files",
        [METRICS_LOST_PROCESSES] = "processes",
        [METRICS_LOST_JOURNAL] = "journal",
        [METRICS_LOST_MEMORY_FAILURE] = "memory-failure",
};

static struct metrics_counters counters;
static void (*on_change)(void *userdata);
static void *on_change_userdata;

static void changed(void) {
        if (on_change)
                on_change(on_change_userdata);
}

static struct metrics_event_series *series_get(const char *event, const char *result) {
        struct metrics_event_series *s;

        for (size_t i = 0; i < counters.n_events; i++)
                if (strcmp(counters.events[i].event, event) == 0 && strcmp(counters.events[i].result, result) == 0)
                        return &counters.events[i];
        if (counters.n_events >= ELEMENTSOF(counters.events) ||
            strlen(event) >= sizeof(s->event) || strlen(result) >= sizeof(s->result))
                return NULL;
        s = &counters.events[counters.n_events++];
        *s = (struct metrics_event_series) {};
        strcpy(s->event, event);
        strcpy(s->result, result);
        return s;
}

void metrics_reset(void) {
        counters = (struct metrics_counters) {};
        /*
         * A series that appears only with its first event has no earlier
         * sample, so increase() and rate() miss that event: start every
         * known one at 0.
         */
        for (enum daxmf_event_kind k = 0; k < _DAXMF_EVENT_KIND_MAX; k++)
                if (k == DAXMF_EVENT_MEMORY_FAILURE)
                        for (size_t r = 0; r < ELEMENTSOF(memory_failure_results); r++)
                                (void) series_get(daxmf_event_kind_to_string(k), memory_failure_results[r]);
                else
                        for (size_t r = 0; r < ELEMENTSOF(known_results); r++)
                                (void) series_get(daxmf_event_kind_to_string(k), known_results[r]);
}

const struct metrics_counters *metrics_counters(void) {
        return &counters;
}

void metrics_on_change(void (*callback)(void *userdata), void *userdata) {
        on_change = callback;
        on_change_userdata = userdata;
}

void metrics_count_event(const char *event, const char *result, uint64_t pages, uint64_t pages_failed) {
        struct metrics_event_series *s = series_get(event ? event : "unknown", result ? result : "unknown");
        struct timespec ts;

        /* Full only if journal.h grew kinds or results by the dozen: their pages still count. */
        if (s)
                s->n++;
        counters.pages += pages;
        counters.pages_failed += pages_failed;
        clock_gettime(CLOCK_REALTIME, &ts);
        counters.last_event_realtime_usec = (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
        changed();
}

void metrics_count_files(uint64_t n) {
        counters.files += n;
        changed();
}

void metrics_count_processes(uint64_t n) {
        counters.processes += n;
        changed();
}

void metrics_count_lost(enum metrics_lost kind, uint64_t n) {
        if (kind >= _METRICS_LOST_MAX)
                return;
        counters.lost[kind] += n;
        changed();
}

/* ---- the exposition format ---- */

/* A label value's escapes: backslash, double quote and line feed; the rest is as is (UTF-8). */
static void put_label_value(FILE *f, const char *s) {
        for (; *s; s++)
                switch (*s) {
                case '\\':
                        fputs("\\\\", f);
                        break;
                case '"':
                        fputs("\\\"", f);
                        break;
                case '\n':
                        fputs("\\n", f);
                        break;
                default:
                        fputc(*s, f);
                }
}

static void put_family(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void put_u64(FILE *f, const char *name, const char *type, const char *help, uint64_t v) {
        put_family(f, name, type, help);
        fprintf(f, "%s %" PRIu64 "\n", name, v);
}

/* Seconds since the epoch, to the microsecond. */
static void put_time(FILE *f, const char *name, const char *help, uint64_t usec) {
        put_family(f, name, "gauge", help);
        fprintf(f, "%s %" PRIu64 ".%06" PRIu64 "\n", name, usec / 1000000, usec % 1000000);
}

int metrics_format(FILE *f, const struct metrics_counters *c, const struct metrics_gauges *g) {
        const char *degraded = g->degraded ? g->degraded : "";
        const char *mf_source = g->memory_failure_source ? g->memory_failure_source : "none";

        put_family(f, "daxmf_events_total", "counter",
                   "Events daxmfd logged (one journal summary record each), by kind and result.");
        for (size_t i = 0; i < c->n_events; i++) {
                fputs("daxmf_events_total{event=\"", f);
                put_label_value(f, c->events[i].event);
                fputs("\",result=\"", f);
                put_label_value(f, c->events[i].result);
                fprintf(f, "\"} %" PRIu64 "\n", c->events[i].n);
        }
        put_u64(f, "daxmf_pages_total", "counter", "Pages of the events logged.", c->pages);
        put_u64(f, "daxmf_pages_failed_total", "counter",
                "Pages of the events logged whose handling failed.", c->pages_failed);
        put_u64(f, "daxmf_files_affected_total", "counter",
                "File and metadata records of events, logged one by one or counted in an N-more record.",
                c->files);
        put_u64(f, "daxmf_processes_affected_total", "counter",
                "Process mapping records of events, logged one by one or counted in an N-more record.",
                c->processes);
        put_family(f, "daxmf_records_lost_total", "counter",
                   "Records not logged one by one (files, processes: the per-event cap), not written to "
                   "the journal (journal: dropped while journald was unavailable and the queue was full, or not sendable), or the kernel's "
                   "memory-failure events dropped before daxmfd could log them (memory-failure).");
        for (enum metrics_lost k = 0; k < _METRICS_LOST_MAX; k++)
                fprintf(f, "daxmf_records_lost_total{kind=\"%s\"} %" PRIu64 "\n", lost_names[k], c->lost[k]);

        put_u64(f, "daxmf_degraded", "gauge",
                "1 when daxmfd runs degraded (see daxmf_degraded_info for why), else 0.", degraded[0] != '\0');
        put_family(f, "daxmf_degraded_info", "gauge", "Why daxmfd runs degraded; present only while it does.");
        if (degraded[0]) {
                fputs("daxmf_degraded_info{reason=\"", f);
                put_label_value(f, degraded);
                fputs("\"} 1\n", f);
        }
        put_u64(f, "daxmf_journal_unavailable", "gauge",
                "1 while journald does not take daxmfd's records (they wait in daxmfd's queue), else 0.",
                g->journal_unavailable);
        put_u64(f, "daxmf_journal_queued_records", "gauge",
                "Records waiting in daxmfd's queue for journald to take them.", g->journal_queued);
        put_u64(f, "daxmf_module_connected", "gauge", "1 when daxmfd is connected to the daxmf kernel module.",
                g->module_connected);
        put_u64(f, "daxmf_removal_handler", "gauge", "1 when daxmfd is the module's removal handler.",
                g->removal_handler);
        put_family(f, "daxmf_memory_failure_source", "gauge",
                   "Where daxmfd takes the kernel's own memory failures from: 1 for the source in use (module: the "
                   "daxmf module's events; tracefs: the ras:memory_failure_event tracepoint; none: not followed).");
        for (size_t i = 0; i < ELEMENTSOF(memory_failure_sources); i++)
                fprintf(f, "daxmf_memory_failure_source{source=\"%s\"} %d\n", memory_failure_sources[i],
                        strcmp(memory_failure_sources[i], mf_source) == 0);
        put_u64(f, "daxmf_pages_pending", "gauge", "Pages queued to be failed, not yet sent.", g->pages_pending);
        put_u64(f, "daxmf_pages_in_flight", "gauge", "Pages sent to be failed, not yet done.", g->pages_in_flight);
        put_u64(f, "daxmf_disks_watched", "gauge", "pmem disks whose badblocks daxmfd watches.", g->disks_watched);
        put_u64(f, "daxmf_bad_ranges", "gauge", "Bad sector ranges known, over every watched disk.",
                g->bad_ranges);
        put_time(f, "daxmf_last_event_timestamp_seconds",
                 "When daxmfd last logged an event, seconds since the epoch; 0 before the first.",
                 c->last_event_realtime_usec);
        put_time(f, "daxmf_start_time_seconds", "When daxmfd started, seconds since the epoch.",
                 g->start_realtime_usec);

        return fflush(f) != 0 || ferror(f) ? -EIO : 0;
}

/* ---- the file ---- */

static int write_all(int fd, const char *p, size_t size) {
        while (size > 0) {
                ssize_t n = write(fd, p, size);

                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                p += n;
                size -= (size_t) n;
        }
        return 0;
}

int metrics_write_file(const char *path, const char *text, size_t size) {
        _cleanup_free_ char *tmp = NULL;
        const char *base = strrchr(path, '/');
        int fd, r;

        base = base ? base + 1 : path;
        if (!*base)
                return -EISDIR;
        if (asprintf(&tmp, "%.*s.%s.XXXXXX", (int) (base - path), path, base) < 0)
                return -ENOMEM;
        fd = mkostemp(tmp, O_CLOEXEC);
        if (fd < 0)
                return -errno;
        /*
         * mkostemp() makes it 0600; node_exporter may run as its own user.
         * No fsync: the file is written again at every start and change, and
         * after a crash of the machine its counters mean nothing anyway
         * (they start again at 0 with daxmfd); the rename alone makes every
         * reader see an old or a new file, whole.  An fsync per second
         * would also make the event loop wait on the disk.
         */
        r = fchmod(fd, 0644) < 0 ? -errno : write_all(fd, text, size);
        if (close(fd) < 0 && r >= 0)
                r = -errno;
        if (r >= 0 && rename(tmp, path) < 0)
                r = -errno;
        if (r < 0)
                (void) unlink(tmp);
        return r;
}
