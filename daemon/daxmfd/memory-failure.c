/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <time.h>

#include <linux/daxmf.h>

#include "affected.h"
#include "daxmf-kernel.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "memory-failure.h"
#include "tracefs-mf.h"

#define NSEC_PER_MSEC UINT64_C(1000000)
/* tracefs is coalesced as the module coalesces, with its defaults (mf_records, mf_window_ms, mf_max_delay_ms). */
#define TRACEFS_RECORDS 1024
#define TRACEFS_WINDOW_NS (500 * NSEC_PER_MSEC)
#define TRACEFS_MAX_DELAY_NS (5000 * NSEC_PER_MSEC)
/* A range may be logged this much after it closed: one wakeup for several. */
#define TRACEFS_TIMER_ACCURACY_USEC (10 * 1000)

const char *memory_failure_source_to_string(enum memory_failure_source s) {
        static const char *const names[_MEMORY_FAILURE_SOURCE_MAX] = {
                [MEMORY_FAILURE_NONE] = "none",
                [MEMORY_FAILURE_MODULE] = "module",
                [MEMORY_FAILURE_TRACEFS] = "tracefs",
        };

        return s < _MEMORY_FAILURE_SOURCE_MAX ? names[s] : NULL;
}

static uint64_t clock_ns(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000000 + (uint64_t) ts.tv_nsec;
}

/* ---- one range, from either source ---- */

struct mf_range {
        uint64_t pfn, pages;
        uint64_t events;                /* the kernel's events coalesced, >= pages */
        const char *page_type;          /* as the kernel names them */
        const char *result;
        uint32_t origin;                /* DAXMF_MF_ORIGIN_* */
        uint64_t job_id;                /* fail-range: the module's job */
        uint64_t first_usec, last_usec; /* CLOCK_REALTIME */
        const char *via;                /* module, tracefs */
};

/*
 * The device whose pages [pfn, *ret_end) are, NULL for pages of none
 * (System RAM, or memory libndctl does not know); *ret_end stops where
 * that changes, at most at end.  A device spans its namespace (info block
 * and memmap included), or its data when the namespace is not known (a dax
 * device of none); a page partly in it counts as in it.
 */
static const struct daxmf_device *device_at(const struct daxmf_topology *t, uint64_t page_size, uint64_t pfn,
                                            uint64_t end, uint64_t *ret_end) {
        const struct daxmf_device *found = NULL;

        for (size_t i = 0; i < t->n; i++) {
                const struct daxmf_device *d = &t->devices[i];
                uint64_t start = d->ns_size ? d->ns_start : d->data_start;
                uint64_t size = d->ns_size ? d->ns_size : d->data_size;
                uint64_t first, last;

                if (size == 0 || start > UINT64_MAX - size)
                        continue;
                first = start / page_size;
                last = (start + size - 1) / page_size + 1;
                if (pfn >= first && pfn < last) {
                        if (!found)
                                found = d;
                        if (last < end)
                                end = last;
                } else if (first > pfn && first < end)
                        end = first;
        }
        *ret_end = end;
        return found;
}

static const char *device_name(const struct daxmf_device *d) {
        return d->blockdev[0] ? d->blockdev : d->dax[0] ? d->dax : d->namespace;
}

/* The kernel's result as DAXMF_RESULT has it: "Recovered" -> "recovered". */
static void result_lowercase(const char *name, char *buf, size_t size) {
        size_t i;

        if (!name || !name[0])
                name = "unknown";
        for (i = 0; name[i] && i + 1 < size; i++)
                buf[i] = (char) tolower((unsigned char) name[i]);
        buf[i] = '\0';
}

/* One record for the pages [start, end) of one device (or of none). */
static void log_piece(struct manager *m, const struct mf_range *r, const struct daxmf_device *d, uint64_t start,
                      uint64_t end, uint64_t events, const char *result) {
        const char *device = d ? device_name(d) : "";
        const struct event_memory_failure mf = {
                .page_type = r->page_type && r->page_type[0] ? r->page_type : "unknown",
                .kernel_result = r->result && r->result[0] ? r->result : "unknown",
                .origin = daxmf_mf_origin_name(r->origin) ?: "unknown",
                .events = events,
                .job_id = r->origin == DAXMF_MF_ORIGIN_FAIL_RANGE ? r->job_id : 0,
                .first_usec = r->first_usec,
                .last_usec = r->last_usec,
        };
        struct event_record rec = {
                .id = m->next_event_id++,
                .kind = DAXMF_EVENT_MEMORY_FAILURE,
                .device = device,
                .phys_start = start * m->page_size,
                .phys_end = end * m->page_size - 1,
                .action = DAXMF_ACTION_LOG,
                .result = result,
                .pages = end - start,
                /* The kernel could not handle them: these pages are the ones to look at first. */
                .pages_failed = strcmp(result, "failed") == 0 ? end - start : 0,
                .elapsed_usec = r->last_usec > r->first_usec ? r->last_usec - r->first_usec : 0,
                .via = r->via,
                .memory_failure = &mf,
        };

        /* Files and processes first, as for every event: the summary closes it. */
        if (d && d->data_size) {
                uint64_t lo = start * m->page_size, hi = end * m->page_size;

                if (lo < d->data_start)
                        lo = d->data_start;
                if (hi > d->data_start + d->data_size)
                        hi = d->data_start + d->data_size;
                if (lo < hi)
                        affected_report(m, rec.id, "memory-failure", device, lo, hi);
        }
        journal_log_event(&rec);
        m->mf.ranges++;
        m->mf.events += events;
}

/* A range that is not daxmfd's own work: one record per device it lies on. */
static void memory_failure_log(struct manager *m, const struct mf_range *r) {
        uint64_t end, extra;
        char result[32];

        if (r->pages == 0 || r->pages > UINT64_MAX / m->page_size || r->pfn > UINT64_MAX / m->page_size - r->pages) {
                log_warning("memory failure at pfn 0x%" PRIx64 "+%" PRIu64 " ignored: not a range of memory",
                            r->pfn, r->pages);
                return;
        }
        result_lowercase(r->result, result, sizeof(result));
        end = r->pfn + r->pages;
        /* Pages failed more than once: their events go with the first piece, so the pieces add up. */
        extra = r->events > r->pages ? r->events - r->pages : 0;
        for (uint64_t pfn = r->pfn, piece_end; pfn < end; pfn = piece_end) {
                const struct daxmf_device *d = device_at(&m->topology, m->page_size, pfn, end, &piece_end);

                log_piece(m, r, d, pfn, piece_end, piece_end - pfn + extra, result);
                extra = 0;
        }
        /* A poison event over them later is logged, but the pages are not failed again. */
        if (r->result && strcasecmp(r->result, "Recovered") == 0)
                manager_mark_failed(m, r->pfn, end);
}

void memory_failure_own_work(struct manager *m, uint64_t start, uint64_t end) {
        if (start >= end)
                return;
        m->mf.own[m->mf.own_next++ % ELEMENTSOF(m->mf.own)] = (struct memory_failure_own_work) {
                .start = start,
                .end = end,
                .usec = now_usec(),
        };
}

static int add_set(struct daxmf_rangeset *to, const struct daxmf_rangeset *from) {
        for (size_t i = 0; i < from->n; i++) {
                int r = rangeset_add(to, from->ranges[i].start, from->ranges[i].end);

                if (r < 0)
                        return r;
        }
        return 0;
}

/*
 * Whether [start, end) lies wholly in pages daxmfd failed itself lately or
 * is failing now: hard_offline_page leaves no trace of who wrote to it, and
 * tracefs none of who called memory_failure().
 */
static bool own_work_covers(struct manager *m, uint64_t start, uint64_t end) {
        _cleanup_(rangeset_done) struct daxmf_rangeset own = {};
        uint64_t now = now_usec();

        for (size_t i = 0; i < ELEMENTSOF(m->mf.own); i++) {
                const struct memory_failure_own_work *o = &m->mf.own[i];

                if (o->usec && now - o->usec <= MEMORY_FAILURE_OWN_WORK_USEC &&
                    rangeset_add(&own, o->start, o->end) < 0)
                        return false;   /* out of memory: better a record twice than none */
        }
        if (add_set(&own, &m->engine.in_flight) < 0 || add_set(&own, &m->removal_engine.in_flight) < 0)
                return false;
        return rangeset_contains(&own, start, end);
}

static bool skip_own_work(struct manager *m, const struct mf_range *r) {
        if (!own_work_covers(m, r->pfn, r->pfn + r->pages))
                return false;
        m->mf.own_skipped++;
        log_debug("memory failure pfn 0x%" PRIx64 "+%" PRIu64 " (%" PRIu64 " events, via %s): pages daxmfd failed "
                  "itself, its own record covers them (%" PRIu64 " such ranges)", r->pfn, r->pages, r->events,
                  r->via, m->mf.own_skipped);
        return true;
}

static void log_lost(struct manager *m, const struct memory_failure_lost_record *l) {
        m->mf.lost += l->lost;
        journal_log_memory_failure_lost(l);
}

/* ---- the source ---- */

static void set_source(struct manager *m, enum memory_failure_source source, const char *why) {
        if (m->mf.source == source && strcmp(m->mf.why, why) == 0)
                return;
        m->mf.source = source;
        snprintf(m->mf.why, sizeof(m->mf.why), "%s", why);
        switch (source) {
        case MEMORY_FAILURE_MODULE:
                log_info("the kernel's memory failures: from the daxmf module's events");
                break;
        case MEMORY_FAILURE_TRACEFS:
                log_info("the kernel's memory failures: through tracefs (%s)", why);
                break;
        default:
                log_warning("the kernel's memory failures are not followed (%s): they go unrecorded", why);
                break;
        }
        manager_update_status(m);
}

/* ---- tracefs ---- */

static void tracefs_take(struct manager *m, bool force) {
        struct daxmf_mf_range out[64];
        uint64_t mono = clock_ns(CLOCK_MONOTONIC), real = clock_ns(CLOCK_REALTIME);
        uint64_t lost, first, last, next;
        size_t n;

        do {
                n = tracefs_mf_take(m->mf.tracefs, mono, force, out, ELEMENTSOF(out));
                for (size_t i = 0; i < n; i++) {
                        const struct daxmf_mf_range *t = &out[i];
                        /* The instance's trace clock is "mono": the records want the wall clock. */
                        struct mf_range r = {
                                .pfn = t->pfn,
                                .pages = t->pages,
                                .events = t->events,
                                .page_type = tracefs_mf_page_type_name(t->key.type),
                                .result = tracefs_mf_result_name(t->key.result),
                                .origin = DAXMF_MF_ORIGIN_KERNEL,
                                .first_usec = (real - (mono > t->first_ns ? mono - t->first_ns : 0)) / 1000,
                                .last_usec = (real - (mono > t->last_ns ? mono - t->last_ns : 0)) / 1000,
                                .via = "tracefs",
                        };

                        if (!skip_own_work(m, &r))
                                memory_failure_log(m, &r);
                }
        } while (n == ELEMENTSOF(out));

        lost = tracefs_mf_take_lost(m->mf.tracefs, &first, &last);
        if (lost > 0)
                log_lost(m, &(struct memory_failure_lost_record) {
                        .lost = lost,
                        /* Lines that did not parse and events the ring buffer overwrote have no pfn. */
                        .has_span = last != 0 && first <= last && last < UINT64_MAX / m->page_size,
                        .phys_start = first * m->page_size,
                        .phys_end = (last + 1) * m->page_size - 1,
                        .reason = "tracefs",
                        .via = "tracefs",
                });

        if (!m->mf.tracefs_timer)
                return;
        if (tracefs_mf_next_close(m->mf.tracefs, &next)) {
                (void) sd_event_source_set_time(m->mf.tracefs_timer, next / 1000 + 1);
                (void) sd_event_source_set_enabled(m->mf.tracefs_timer, SD_EVENT_ONESHOT);
        } else
                (void) sd_event_source_set_enabled(m->mf.tracefs_timer, SD_EVENT_OFF);
}

/* Everything it still holds is logged: nobody else will. */
static void tracefs_stop(struct manager *m) {
        if (!m->mf.tracefs)
                return;
        (void) tracefs_mf_read(m->mf.tracefs, clock_ns(CLOCK_MONOTONIC));
        tracefs_take(m, true);
        m->mf.tracefs_source = sd_event_source_disable_unref(m->mf.tracefs_source);
        m->mf.tracefs_timer = sd_event_source_disable_unref(m->mf.tracefs_timer);
        m->mf.tracefs = tracefs_mf_close(m->mf.tracefs);
}

static int on_tracefs_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;
        char why[sizeof(m->mf.why)];
        int r;

        r = tracefs_mf_read(m->mf.tracefs, clock_ns(CLOCK_MONOTONIC));
        if (r < 0) {
                snprintf(why, sizeof(why), "tracefs: cannot read trace_pipe: %s", strerror(-r));
                tracefs_stop(m);
                set_source(m, MEMORY_FAILURE_NONE, why);
                return 0;
        }
        tracefs_take(m, false);
        return 0;
}

static int on_tracefs_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        tracefs_take(userdata, false);
        return 0;
}

static int tracefs_start(struct manager *m, char *why, size_t size) {
        const char *reason = NULL;
        int r;

        r = tracefs_mf_open(&m->mf.tracefs, TRACEFS_RECORDS, TRACEFS_WINDOW_NS, TRACEFS_MAX_DELAY_NS, &reason);
        if (r < 0) {
                m->mf.tracefs = NULL;
                snprintf(why, size, "tracefs: %s", reason ? reason : strerror(-r));
                return r;
        }
        r = sd_event_add_io(m->event, &m->mf.tracefs_source, tracefs_mf_fd(m->mf.tracefs), EPOLLIN, on_tracefs_io,
                            m);
        if (r >= 0)
                r = sd_event_add_time(m->event, &m->mf.tracefs_timer, CLOCK_MONOTONIC, 0,
                                      TRACEFS_TIMER_ACCURACY_USEC, on_tracefs_timer, m);
        if (r >= 0)
                r = sd_event_source_set_enabled(m->mf.tracefs_timer, SD_EVENT_OFF);
        if (r < 0) {
                tracefs_stop(m);
                snprintf(why, size, "tracefs: cannot watch trace_pipe: %s", strerror(-r));
                return r;
        }
        return 0;
}

/* ---- the module ---- */

static void remember_portid(struct manager *m, uint32_t portid) {
        size_t n = ELEMENTSOF(m->mf.own_portids);

        if (portid == 0 || m->mf.own_portids[n - 1] == portid)
                return;
        /* Its ranges may still come after a reconnection: the last few connections are all ours. */
        memmove(m->mf.own_portids, m->mf.own_portids + 1, (n - 1) * sizeof(m->mf.own_portids[0]));
        m->mf.own_portids[n - 1] = portid;
}

static bool portid_is_own(const struct manager *m, uint32_t portid) {
        for (size_t i = 0; portid && i < ELEMENTSOF(m->mf.own_portids); i++)
                if (m->mf.own_portids[i] == portid)
                        return true;
        return false;
}

void memory_failure_module_info(struct manager *m, const struct daxmf_info *info) {
        m->mf.module_has_mf = info && info->has_mf && info->mf_watch;
        snprintf(m->mf.module_why, sizeof(m->mf.module_why), "%s",
                 !info ? "the module did not answer GET_INFO" :
                 !info->has_mf ? "module without memory-failure events" :
                 !info->mf_watch ? "the module is not attached to ras:memory_failure_event" : "");
}

void memory_failure_events_overrun(struct manager *m) {
        if (m->mf.source == MEMORY_FAILURE_MODULE) {
                m->mf.overrun = true;
                m->mf.audit_wanted = true;
        }
}

/* An overrun no message came after to tell what it took: said all the same. */
static void module_overrun_unresolved(struct manager *m) {
        if (!m->mf.overrun)
                return;
        m->mf.overrun = false;
        log_lost(m, &(struct memory_failure_lost_record) {
                .lost = 0,              /* not known */
                .reason = "receive-buffer",
                .via = "module",
        });
}

static void log_receive_lost(struct manager *m, uint64_t lost) {
        log_lost(m, &(struct memory_failure_lost_record) {
                .lost = lost,
                .reason = "receive-buffer",
                .via = "module",
        });
}

/*
 * Messages are numbered, and so are the events in them (MF_REPORTED, the
 * events of every message up to this one): a gap is what the receive
 * buffer lost, counted in events.  A module without MF_REPORTED numbers
 * messages only, and then the gap is a count of ranges.
 */
static void module_account(struct manager *m, uint64_t seq, bool has_reported, uint64_t reported,
                           uint64_t events) {
        uint64_t before = reported - events;

        m->mf.overrun = false;
        if (has_reported) {
                if (m->mf.has_reported && before > m->mf.reported)
                        log_receive_lost(m, before - m->mf.reported);
                if (!m->mf.has_reported || reported > m->mf.reported)
                        m->mf.reported = reported;
                m->mf.has_reported = true;
        } else if (m->mf.next_seq && seq > m->mf.next_seq)
                log_receive_lost(m, seq - m->mf.next_seq);
        m->mf.next_seq = seq + 1;
}

/* GET_INFO's MF_REPORTED: every message with events up to it is queued here or was dropped. */
static int overrun_audit(struct manager *m) {
        _cleanup_(daxmf_kernel_closep) struct daxmf_kernel *k = NULL;
        struct daxmf_info info;

        if (m->mf.source != MEMORY_FAILURE_MODULE)
                return -ENOENT;
        /* Its own connection: the daemon's is busy with jobs' answers. */
        if (daxmf_kernel_open(&k) < 0 || daxmf_kernel_get_info(k, &info, NULL) < 0 || !info.has_mf_reported)
                return -ENOENT; /* the next message's gap tells, or the "unknown" record at a switch */
        if (!m->mf.audit || info.mf_reported > m->mf.audit_reported)
                m->mf.audit_reported = info.mf_reported;
        m->mf.audit = true;
        return 0;
}

static void overrun_settle(struct manager *m) {
        m->mf.audit = false;
        if (m->mf.source != MEMORY_FAILURE_MODULE || !m->mf.has_reported)
                return;         /* no base to count from: the next message's gap tells */
        if (m->mf.audit_reported > m->mf.reported) {
                log_receive_lost(m, m->mf.audit_reported - m->mf.reported);
                m->mf.reported = m->mf.audit_reported;
        }
        m->mf.overrun = false;
}

/* Whether messages wait; an overrun the peek reports (and so clears) is noted, not lost. */
static bool events_pending(struct manager *m, struct daxmf_kernel *events) {
        int r;

        while ((r = daxmf_kernel_events_pending(events)) == -ENOBUFS) {
                log_debug("module events were lost (receive buffer overrun, seen while looking)");
                memory_failure_events_overrun(m);
        }
        return r > 0;
}

void memory_failure_events_read(struct manager *m, struct daxmf_kernel *events) {
        /*
         * Not at the overrun itself: the kernel reports ENOBUFS once, then
         * drops silently until the queue has been read empty.  So the
         * module is asked once it is empty, and what it answers is settled
         * once everything queued before the answer has been read.
         */
        for (unsigned i = 0; i < 8; i++) {
                if (events_pending(m, events))
                        return;         /* called again once they are read */
                if (m->mf.audit)
                        overrun_settle(m);
                if (!m->mf.audit_wanted)
                        return;
                m->mf.audit_wanted = false;
                if (overrun_audit(m) < 0)
                        return;
        }
}

int memory_failure_on_module(const struct daxmf_memory_failure *e, void *userdata) {
        struct manager *m = userdata;
        struct mf_range r = {
                .pfn = e->pfn,
                .pages = e->pages,
                .events = e->events,
                .page_type = e->page_type_name,
                .result = e->result_name,
                .origin = e->origin,
                .job_id = e->job_id,
                .first_usec = e->first_ns / 1000,
                .last_usec = e->last_ns / 1000,
                .via = "module",
        };

        /* GET_INFO did not say so, but the module has them: it is the source, and tracefs stops. */
        if (m->mf.source != MEMORY_FAILURE_MODULE) {
                m->mf.module_has_mf = true;
                memory_failure_select(m);
        }
        module_account(m, e->seq, e->has_reported, e->reported, e->events);

        if (e->origin == DAXMF_MF_ORIGIN_REMOVAL) {
                log_debug("memory failure pfn 0x%" PRIx64 "+%" PRIu64 " (%" PRIu64 " events): the module's removal "
                          "work, its removal record covers it", e->pfn, e->pages, e->events);
                return 0;
        }
        if (e->origin == DAXMF_MF_ORIGIN_FAIL_RANGE && portid_is_own(m, e->requester_portid)) {
                m->mf.own_skipped++;
                log_debug("memory failure pfn 0x%" PRIx64 "+%" PRIu64 " (%" PRIu64 " events): daxmfd's own job %"
                          PRIu64 ", its own record covers it (%" PRIu64 " such ranges)", e->pfn, e->pages, e->events,
                          e->job_id, m->mf.own_skipped);
                return 0;
        }
        /* hard_offline_page by daxmfd while its own connection was down: the kernel's origin. */
        if (e->origin == DAXMF_MF_ORIGIN_KERNEL && skip_own_work(m, &r))
                return 0;
        memory_failure_log(m, &r);
        return 0;
}

int memory_failure_on_module_lost(const struct daxmf_memory_failure_lost *e, void *userdata) {
        struct manager *m = userdata;

        module_account(m, e->seq, e->has_reported, e->reported, e->lost);
        log_lost(m, &(struct memory_failure_lost_record) {
                .lost = e->lost,
                .has_span = e->pages > 0 && e->pages <= UINT64_MAX / m->page_size &&
                            e->pfn <= UINT64_MAX / m->page_size - e->pages,
                .phys_start = e->pfn * m->page_size,
                .phys_end = (e->pfn + e->pages) * m->page_size - 1,
                .reason = "module-buffer",
                .via = "module",
        });
        return 0;
}

/* ---- choosing ---- */

void memory_failure_select(struct manager *m) {
        char why[sizeof(m->mf.why)], failed[sizeof(m->mf.why)];

        if (m->kernel)
                remember_portid(m, daxmf_kernel_portid(m->kernel));
        if (!m->event)
                return;         /* manager_start() chooses once the loop is there */

        if (m->module_events && m->mf.module_has_mf) {
                if (m->mf.source == MEMORY_FAILURE_MODULE)
                        return;
                /*
                 * What tracefs holds is logged now.  An event of the moment
                 * of the switch may be in a record twice; none is in none.
                 */
                tracefs_stop(m);
                m->mf.next_seq = 0;
                m->mf.has_reported = false;
                m->mf.audit = false;
                m->mf.audit_wanted = false;
                m->mf.overrun = false;
                set_source(m, MEMORY_FAILURE_MODULE, "");
                return;
        }
        module_overrun_unresolved(m);

        snprintf(why, sizeof(why), "%s",
                 m->module_events ? m->mf.module_why :
                 m->kernel ? "the module's events are not followed" : "module not loaded");
        if (!m->mf.tracefs && tracefs_start(m, failed, sizeof(failed)) < 0) {
                set_source(m, MEMORY_FAILURE_NONE, failed);
                return;
        }
        set_source(m, MEMORY_FAILURE_TRACEFS, why);
}

void memory_failure_stop(struct manager *m) {
        module_overrun_unresolved(m);
        tracefs_stop(m);
}

const char *memory_failure_describe(const struct manager *m, char *buf, size_t size) {
        switch (m->mf.source) {
        case MEMORY_FAILURE_MODULE:
                snprintf(buf, size, "module");
                break;
        case MEMORY_FAILURE_TRACEFS:
                snprintf(buf, size, "tracefs (%s)", m->mf.why);
                break;
        default:
                if (m->mf.why[0])
                        snprintf(buf, size, "not followed (%s)", m->mf.why);
                else    /* before the first choice, at start-up: nothing has failed yet */
                        snprintf(buf, size, "not followed yet");
                break;
        }
        return buf;
}
