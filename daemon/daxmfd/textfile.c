/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "journal-writer.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "metrics.h"
#include "textfile.h"

#define USEC_PER_SEC UINT64_C(1000000)
/* Changes closer together than this make one write. */
#define TEXTFILE_MIN_INTERVAL_USEC USEC_PER_SEC
/* A write that failed (the directory is not there yet) is tried again this often, besides at changes. */
#define TEXTFILE_RETRY_USEC (30 * USEC_PER_SEC)

static void forget(struct manager *m) {
        free(m->metrics.path);
        m->metrics.path = NULL;
        free(m->metrics.written);
        m->metrics.written = NULL;
        m->metrics.written_size = 0;
}

static void on_counters_changed(void *userdata) {
        textfile_changed(userdata);
}

void textfile_init(struct manager *m) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        m->metrics.start_realtime_usec = (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
        metrics_reset();
        metrics_on_change(on_counters_changed, m);
}

static void gauges(const struct manager *m, struct metrics_gauges *g, char *degraded, size_t size) {
        struct journal_writer_status js;
        uint64_t bad = 0;

        for (size_t i = 0; i < m->n_disks; i++)
                bad += m->disks[i]->bad.n;
        *g = (struct metrics_gauges) {
                .degraded = manager_degraded(m, degraded, size),
                .module_connected = m->kernel != NULL,
                .removal_handler = m->removal_handler,
                .pages_pending = daxmf_engine_pending_pages(&m->engine),
                .pages_in_flight = daxmf_engine_in_flight_pages(&m->engine),
                .disks_watched = m->n_disks,
                .bad_ranges = bad,
                .memory_failure_source = memory_failure_source_to_string(m->mf.source),
                .start_realtime_usec = m->metrics.start_realtime_usec,
        };
        journal_writer_status(&js);
        g->journal_unavailable = !js.available;
        g->journal_queued = js.queued;
}

static void arm(struct manager *m, uint64_t at) {
        (void) sd_event_source_set_time(m->metrics.timer, at);
        (void) sd_event_source_set_enabled(m->metrics.timer, SD_EVENT_ONESHOT);
}

static void textfile_write(struct manager *m) {
        const char *path = m->config.metrics_textfile;
        _cleanup_free_ char *text = NULL;
        char degraded[PATH_MAX + 512];
        struct metrics_gauges g;
        size_t size = 0;
        FILE *f;
        int r;

        if (!path[0])
                return;
        gauges(m, &g, degraded, sizeof(degraded));
        f = open_memstream(&text, &size);
        if (!f) {
                log_error("cannot format the metrics: %s", strerror(errno));
                return;
        }
        r = metrics_format(f, metrics_counters(), &g);
        fclose(f);
        if (r < 0) {
                log_error("cannot format the metrics: %s", strerror(-r));
                return;
        }
        /* Status updates come often and mostly change nothing the file shows. */
        if (m->metrics.written && m->metrics.written_size == size && memcmp(m->metrics.written, text, size) == 0)
                return;

        m->metrics.last_usec = now_usec();
        r = metrics_write_file(path, text, size);
        if (r < 0) {
                /* Once: a missing node_exporter directory would otherwise be said every second. */
                if (!m->metrics.warned)
                        log_warning("cannot write the metrics to %s: %s; trying again at the next change and "
                                    "every %u s", path, strerror(-r), (unsigned) (TEXTFILE_RETRY_USEC / USEC_PER_SEC));
                m->metrics.warned = true;
                if (m->metrics.timer)
                        arm(m, now_usec() + TEXTFILE_RETRY_USEC);
                return;
        }
        if (m->metrics.warned)
                log_info("metrics written to %s", path);
        m->metrics.warned = false;
        free(m->metrics.written);
        m->metrics.written = TAKE_PTR(text);
        m->metrics.written_size = size;
        if (!m->metrics.path || strcmp(m->metrics.path, path) != 0) {
                free(m->metrics.path);
                m->metrics.path = strdup(path);
        }
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        textfile_write(userdata);
        return 0;
}

void textfile_changed(struct manager *m) {
        uint64_t next = m->metrics.last_usec + TEXTFILE_MIN_INTERVAL_USEC, now = now_usec(), at;
        int enabled = SD_EVENT_OFF;

        if (!m->metrics.timer || !m->config.metrics_textfile[0])
                return;
        if (next < now)
                next = now;
        /* Already due by then (a burst): this change goes with it.  A retry later than that comes forward. */
        if (sd_event_source_get_enabled(m->metrics.timer, &enabled) >= 0 && enabled != SD_EVENT_OFF &&
            sd_event_source_get_time(m->metrics.timer, &at) >= 0 && at <= next)
                return;
        arm(m, next);
}

int textfile_start(struct manager *m) {
        int r;

        r = sd_event_add_time(m->event, &m->metrics.timer, CLOCK_MONOTONIC, 0, 0, on_timer, m);
        if (r < 0)
                return log_error_errno(r, "cannot set up the metrics timer: %s", strerror(-r));
        (void) sd_event_source_set_enabled(m->metrics.timer, SD_EVENT_OFF);
        textfile_write(m);
        return 0;
}

void textfile_configure(struct manager *m) {
        const char *path = m->config.metrics_textfile;

        if (m->metrics.path && strcmp(m->metrics.path, path) == 0)
                return;
        /* Left there, the old file would be read as this daemon's, with values that no longer move. */
        if (m->metrics.path && unlink(m->metrics.path) < 0 && errno != ENOENT)
                log_warning("cannot remove the old metrics file %s: %s", m->metrics.path, strerror(errno));
        forget(m);
        m->metrics.warned = false;
        if (m->metrics.timer)
                (void) sd_event_source_set_enabled(m->metrics.timer, SD_EVENT_OFF);
        if (path[0])
                log_info("metrics go to %s", path);
        textfile_write(m);
}

void textfile_flush(struct manager *m) {
        textfile_write(m);
}

void textfile_done(struct manager *m) {
        metrics_on_change(NULL, NULL);
        m->metrics.timer = sd_event_source_disable_unref(m->metrics.timer);
        forget(m);
}
