/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "journal-native.h"
#include "journal-queue.h"
#include "journal-writer.h"
#include "journal.h"
#include "macro.h"
#include "metrics.h"

#define JOURNAL_SOCKET "/run/systemd/journal/socket"
/* journald gone (no socket, or nobody bound to it): look again this often. */
#define RETRY_USEC (1000 * 1000)
/* journald there but its queue full: soon, then less and less often, up to RETRY_USEC. */
#define RETRY_FULL_FIRST_USEC (20 * 1000)
/* As sd_journal_sendv() asks: large records fit in one datagram. */
#define SNDBUF_SIZE (8 * 1024 * 1024)
/* Fields of a record, with the ones the writer adds. */
#define FIELDS_MAX 48

static struct {
        bool initialized;
        int fd;                         /* our datagram socket, opened on first use */
        struct journal_queue queue;
        int error;                      /* why journald did not take the last record; 0: it did */
        uint64_t since_usec;            /* realtime: the outage began */
        int errors[4];                  /* the outage's errors, each once, in the order met */
        size_t n_errors;
        uint64_t outage_delayed;        /* records of this outage written late so far */
        uint64_t outage_dropped_before; /* queue.dropped when it began */
        uint64_t delayed;               /* over the run */
        uint64_t dropped;               /* over the run */
        uint64_t retry_usec;
        bool flushing;
        sd_event_source *timer;
        void (*changed)(void *userdata);
        void *userdata;
} w = { .fd = -1 };

static void init_once(void) {
        if (w.initialized)
                return;
        journal_queue_init(&w.queue, JOURNAL_QUEUE_MAX_RECORDS_DEFAULT, JOURNAL_QUEUE_MAX_BYTES_DEFAULT);
        w.initialized = true;
}

static uint64_t realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void changed(void) {
        if (w.changed)
                w.changed(w.userdata);
}

/* One datagram, never waiting: a full journald queue is EAGAIN, not a stalled event loop. */
static int send_datagram(const void *buf, size_t size) {
        static const struct sockaddr_un sa = { .sun_family = AF_UNIX, .sun_path = JOURNAL_SOCKET };

        if (w.fd < 0) {
                int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0), v = SNDBUF_SIZE;

                if (fd < 0)
                        return -errno;
                if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &v, sizeof(v)) < 0)
                        (void) setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof(v));
                w.fd = fd;
        }
        /* Not connected: a journald started again binds a new socket at the same path. */
        if (sendto(w.fd, buf, size, MSG_NOSIGNAL | MSG_DONTWAIT, (const struct sockaddr *) &sa,
                   offsetof(struct sockaddr_un, sun_path) + sizeof(JOURNAL_SOCKET)) >= 0)
                return 0;
        return -errno;
}

/* The record itself cannot go, now or later; anything else is journald's absence. */
static bool error_is_permanent(int r) {
        return r == -EMSGSIZE || r == -EINVAL;
}

static int format(const struct iovec *iov, size_t n, uint64_t usec, char **ret, size_t *ret_size) {
        struct iovec all[FIELDS_MAX];
        char field[64];
        int k;

        if (n >= ELEMENTSOF(all))
                return -EINVAL;
        memcpy(all, iov, n * sizeof(*iov));
        k = snprintf(field, sizeof(field), JOURNAL_FIELD_RECORD_USEC "=%" PRIu64, usec);
        all[n] = (struct iovec) { .iov_base = field, .iov_len = (size_t) k };
        return journal_native_format(all, n + 1, ret, ret_size);
}

static void arm(int r) {
        if (!w.timer)
                return;
        if (r == -EAGAIN || r == -ENOBUFS)
                w.retry_usec = !w.retry_usec ? RETRY_FULL_FIRST_USEC :
                               w.retry_usec * 2 > RETRY_USEC ? RETRY_USEC : w.retry_usec * 2;
        else
                w.retry_usec = RETRY_USEC;
        (void) sd_event_source_set_time_relative(w.timer, w.retry_usec);
        (void) sd_event_source_set_enabled(w.timer, SD_EVENT_ONESHOT);
}

static void set_unavailable(int r) {
        bool began = w.error == 0;

        w.error = r;
        if (began)
                w.n_errors = 0;
        for (size_t i = 0; i <= w.n_errors && i < ELEMENTSOF(w.errors); i++)
                if (i == w.n_errors) {
                        w.errors[w.n_errors++] = r;
                        break;
                } else if (w.errors[i] == r)
                        break;
        if (began) {
                w.since_usec = realtime_usec();
                w.outage_delayed = 0;
                w.outage_dropped_before = w.queue.dropped;
        }
        arm(r);
        if (began)
                changed();
}

static void format_utc(uint64_t usec, char *buf, size_t size) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (!gmtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
                snprintf(buf, size, "@%" PRIu64, usec / 1000000);
        else
                snprintf(buf + strlen(buf), size - strlen(buf), ".%06" PRIu64 " UTC", usec % 1000000);
}

/* Build a record of the writer's own from printf-formatted fields, for send or queue. */
struct own_record {
        char *fields[12];
        struct iovec iov[12];
        size_t n;
};

static void own_add(struct own_record *o, const char *format, ...) _printf_(2, 3);
static void own_add(struct own_record *o, const char *format, ...) {
        va_list ap;
        int k;

        if (o->n >= ELEMENTSOF(o->fields))
                return;
        va_start(ap, format);
        k = vasprintf(&o->fields[o->n], format, ap);
        va_end(ap);
        if (k < 0)
                return;
        o->iov[o->n] = (struct iovec) { .iov_base = o->fields[o->n], .iov_len = (size_t) k };
        o->n++;
}

static void own_done(struct own_record *o) {
        for (size_t i = 0; i < o->n; i++)
                free(o->fields[i]);
        o->n = 0;
}

/* A marker of the queue, as the record it stands for: how many were dropped there, and when. */
static int send_marker(const struct journal_queue_entry *e) {
        _cleanup_(own_done) struct own_record o = {};
        _cleanup_free_ char *buf = NULL;
        char first[48], last[48];
        size_t size;
        int r;

        format_utc(e->usec, first, sizeof(first));
        format_utc(e->dropped_last_usec, last, sizeof(last));
        own_add(&o, "MESSAGE_ID=" DAXMF_MESSAGE_JOURNAL_DROPPED);
        own_add(&o, "MESSAGE=%" PRIu64 " record(s) dropped: journald was unavailable and daxmfd's queue was full "
                "(at most %zu records, %zu bytes); they were made from %s to %s", e->dropped, w.queue.max_records,
                w.queue.max_bytes, first, last);
        own_add(&o, "PRIORITY=%d", LOG_LEVEL_ERR);
        own_add(&o, "DAXMF_DROPPED=%" PRIu64, e->dropped);
        own_add(&o, "DAXMF_DROPPED_FIRST_USEC=%" PRIu64, e->usec);
        own_add(&o, "DAXMF_DROPPED_LAST_USEC=%" PRIu64, e->dropped_last_usec);
        own_add(&o, "DAXMF_QUEUE_MAX_RECORDS=%zu", w.queue.max_records);
        own_add(&o, "DAXMF_QUEUE_MAX_BYTES=%zu", w.queue.max_bytes);
        r = format(o.iov, o.n, e->usec, &buf, &size);
        if (r < 0)
                return r;
        return send_datagram(buf, size);
}

static int submit(const struct iovec *iov, size_t n, uint64_t usec);

/*
 * An outage record that itself had to wait (journald still catching up) is
 * not "written late" and ends no outage worth a record of its own: else
 * every such record would announce the next one while journald is slow.
 */
static bool is_outage_record(const struct journal_queue_entry *e) {
        static const char id[] = "MESSAGE_ID=" DAXMF_MESSAGE_JOURNAL_OUTAGE "\n";

        return e->dropped == 0 && e->size >= sizeof(id) - 1 && memcmp(e->data, id, sizeof(id) - 1) == 0;
}

/* journald took everything: say how long it was away and what that cost. */
static void outage_over(void) {
        _cleanup_(own_done) struct own_record o = {};
        uint64_t now = realtime_usec(), dropped = w.queue.dropped - w.outage_dropped_before;
        char errors[64] = "";
        /* What began it: journald gone or not reading; what followed (EAGAIN while it caught up) is listed. */
        int error = w.n_errors ? w.errors[0] : w.error;

        if (w.outage_delayed == 0 && dropped == 0) {
                /* Only an outage record waited: nothing new to say. */
                w.error = 0;
                w.retry_usec = 0;
                changed();
                return;
        }

        for (size_t i = 0; i < w.n_errors; i++)
                snprintf(errors + strlen(errors), sizeof(errors) - strlen(errors), "%s%s", i ? "," : "",
                         strerrorname_np(-w.errors[i]) ?: "unknown");

        w.error = 0;
        w.retry_usec = 0;
        own_add(&o, "MESSAGE_ID=" DAXMF_MESSAGE_JOURNAL_OUTAGE);
        own_add(&o, "MESSAGE=journald was unavailable for %" PRIu64 ".%01" PRIu64 " s (%s): %" PRIu64
                " record(s) kept and written late, each with its own time in " JOURNAL_FIELD_RECORD_USEC
                ", %" PRIu64 " dropped", (now - w.since_usec) / 1000000, (now - w.since_usec) / 100000 % 10,
                strerror(-error), w.outage_delayed, dropped);
        own_add(&o, "PRIORITY=%d", dropped ? LOG_LEVEL_ERR : LOG_LEVEL_WARNING);
        own_add(&o, "DAXMF_JOURNAL_ERROR=%s", strerrorname_np(-error) ?: "unknown");
        own_add(&o, "DAXMF_JOURNAL_ERRORS=%s", errors);
        own_add(&o, "DAXMF_OUTAGE_START_USEC=%" PRIu64, w.since_usec);
        own_add(&o, "DAXMF_OUTAGE_END_USEC=%" PRIu64, now);
        own_add(&o, "DAXMF_DELAYED=%" PRIu64, w.outage_delayed);
        own_add(&o, "DAXMF_DROPPED=%" PRIu64, dropped);
        changed();
        (void) submit(o.iov, o.n, now);
}

/* Write what waits, oldest first, until journald refuses one. */
static void flush(void) {
        const struct journal_queue_entry *e;
        bool progress = false;
        int r;

        if (w.flushing || !w.initialized)
                return;
        w.flushing = true;
        while ((e = journal_queue_peek(&w.queue))) {
                r = e->dropped ? send_marker(e) : send_datagram(e->data, e->size);
                if (r < 0 && !error_is_permanent(r)) {
                        set_unavailable(r);
                        w.flushing = false;
                        if (progress)
                                changed();
                        return;
                }
                if (r < 0 && !e->dropped) {
                        fprintf(stderr, "daxmfd: a queued record journald refuses (%s) is lost\n", strerror(-r));
                        metrics_count_lost(METRICS_LOST_JOURNAL, 1);
                } else if (r >= 0 && !e->dropped && !is_outage_record(e)) {
                        w.delayed++;
                        w.outage_delayed++;
                }
                journal_queue_pop(&w.queue);
                progress = true;
                /* Written after a full queue: the room comes back in steps, the status follows. */
                w.retry_usec = 0;
        }
        w.flushing = false;
        if (w.error)
                outage_over();
}

static int submit(const struct iovec *iov, size_t n, uint64_t usec) {
        _cleanup_free_ char *buf = NULL;
        size_t size;
        int r;

        init_once();
        r = format(iov, n, usec, &buf, &size);
        if (r < 0)
                return r;
        /* Order: whatever waits goes first. */
        if (!journal_queue_empty(&w.queue))
                flush();
        if (journal_queue_empty(&w.queue) && !w.flushing) {
                r = send_datagram(buf, size);
                if (r >= 0 || error_is_permanent(r))
                        return r;
                set_unavailable(r);
        }
        if (journal_queue_push(&w.queue, buf, size, usec) > 0) {
                /* Counted in the queue's marker, written at its place once journald is back. */
                w.dropped++;
                metrics_count_lost(METRICS_LOST_JOURNAL, 1);
        }
        /* The status says how many wait. */
        changed();
        return 0;
}

int journal_writer_submit(const struct iovec *iov, size_t n) {
        return submit(iov, n, realtime_usec());
}

void journal_writer_set_bounds(size_t max_records, size_t max_bytes) {
        init_once();
        /* What is queued stays; the new bounds apply to what comes. */
        w.queue.max_records = max_records ? max_records : 1;
        w.queue.max_bytes = max_bytes;
}

static int on_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        flush();
        return 0;
}

int journal_writer_attach(sd_event *e, void (*changed_cb)(void *userdata), void *userdata) {
        int r;

        init_once();
        w.changed = changed_cb;
        w.userdata = userdata;
        r = sd_event_add_time_relative(e, &w.timer, CLOCK_MONOTONIC, RETRY_USEC, 0, on_retry, NULL);
        if (r < 0)
                return r;
        /* Records queued before the loop existed (start-up) go out on it. */
        (void) sd_event_source_set_enabled(w.timer, journal_queue_empty(&w.queue) ? SD_EVENT_OFF : SD_EVENT_ONESHOT);
        return 0;
}

void journal_writer_stop(void) {
        flush();
        if (w.queue.records > 0) {
                fprintf(stderr, "daxmfd: exiting with %zu record(s) journald never took (%s)\n", w.queue.records,
                        strerror(-w.error));
                metrics_count_lost(METRICS_LOST_JOURNAL, w.queue.records);
        }
        journal_queue_done(&w.queue);
        w.timer = sd_event_source_disable_unref(w.timer);
        w.changed = NULL;
        if (w.fd >= 0)
                close(w.fd);
        w.fd = -1;
}

void journal_writer_status(struct journal_writer_status *ret) {
        init_once();
        *ret = (struct journal_writer_status) {
                .available = w.error == 0,
                .error = w.error,
                .since_usec = w.error ? w.since_usec : 0,
                .queued = w.queue.records,
                .queued_bytes = w.queue.bytes,
                .max_records = w.queue.max_records,
                .max_bytes = w.queue.max_bytes,
                .delayed = w.delayed,
                .dropped = w.dropped,
        };
}

const char *journal_writer_describe(char *buf, size_t size) {
        init_once();
        if (!w.error && journal_queue_empty(&w.queue))
                snprintf(buf, size, "%s", "");
        else
                snprintf(buf, size, "journal unavailable (%s): %zu record(s) waiting, %" PRIu64 " dropped",
                         w.error ? strerror(-w.error) : "writing", w.queue.records,
                         w.queue.dropped - w.outage_dropped_before);
        return buf;
}

void journal_writer_detach(void) {
        w.changed = NULL;
        w.userdata = NULL;
}
