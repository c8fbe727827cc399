/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <systemd/sd-daemon.h>

#include <linux/daxmf.h>

#include "affected.h"
#include "badblocks.h"
#include "control.h"
#include "journal-writer.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "memory-failure.h"
#include "parse-util.h"
#include "state.h"
#include "textfile.h"
#include "topology-worker.h"
#include "uevent.h"

#define STATE_FILE "ranges"
/* A state file not saved (full or read-only directory) is tried again this often. */
#define STATE_RETRY_USEC (2 * 1000 * 1000)
#define HARD_OFFLINE_PAGE "/sys/devices/system/memory/hard_offline_page"
/* Quiet time after udev events before the topology is read again. */
#define TOPOLOGY_SETTLE_USEC (500 * 1000)
/* How often to look for the module while running without it. */
#define RECONNECT_USEC (2 * 1000 * 1000)

uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* ---- status ---- */

/* Why the state file is not saved, "" when it is. */
static const char *state_problem(const struct manager *m, char *buf, size_t size) {
        if (!m->state.error)
                snprintf(buf, size, "%s", "");
        else
                snprintf(buf, size, "cannot save the state file %s/" STATE_FILE ": %s (%s); pending and failed "
                         "pages kept in memory, saved again every %u s", m->state.dir, strerror(-m->state.error),
                         strerrorname_np(-m->state.error) ?: "?", (unsigned) (STATE_RETRY_USEC / 1000000));
        return buf;
}

const char *manager_degraded(const struct manager *m, char *buf, size_t size) {
        char state[PATH_MAX + 192];

        state_problem(m, state, sizeof(state));
        snprintf(buf, size, "%s%s%s", m->degraded, m->degraded[0] && state[0] ? "; " : "", state);
        return buf;
}

void manager_update_status(struct manager *m) {
        char mf[256], journal[160], degraded[PATH_MAX + 512];

        journal_writer_describe(journal, sizeof(journal));
        sd_notifyf(false, "STATUS=watching %zu pmem disk(s); %" PRIu64 " page(s) pending, %" PRIu64
                   " in flight%s; memory failures: %s%s%s%s%s",
                   m->n_disks, daxmf_engine_pending_pages(&m->engine),
                   daxmf_engine_in_flight_pages(&m->engine),
                   m->removal_handler ? "; removal handler" : "",
                   memory_failure_describe(m, mf, sizeof(mf)),
                   manager_degraded(m, degraded, sizeof(degraded))[0] ? "; degraded: " : "", degraded,
                   journal[0] ? "; " : "", journal);
        /* What STATUS= says the metrics say too. */
        textfile_changed(m);
}

static void manager_set_degraded(struct manager *m, const char *reason) {
        if (strcmp(m->degraded, reason) == 0)
                return;
        snprintf(m->degraded, sizeof(m->degraded), "%s", reason);
        if (reason[0])
                journal_log_degraded(reason);
        manager_update_status(m);
}

static void manager_write_state(struct manager *m) {
        int r;

        m->state_dirty = false;
        r = daxmf_state_save(m->state_dir_fd, STATE_FILE, m->boot_id, &m->engine.pending, m->engine.batches,
                             m->engine.n_batches, &m->engine.completed);
        if (r < 0) {
                /*
                 * Keep running: the ranges are still in memory, saved at the
                 * next change and on the timer, so that space coming back is
                 * used before the next event (or a crash) needs it.
                 */
                if (r != m->state.error) {
                        char why[PATH_MAX + 192];

                        m->state.error = r;
                        journal_log_degraded(state_problem(m, why, sizeof(why)));
                        manager_update_status(m);
                }
                if (m->state.retry_timer) {
                        (void) sd_event_source_set_time_relative(m->state.retry_timer, STATE_RETRY_USEC);
                        (void) sd_event_source_set_enabled(m->state.retry_timer, SD_EVENT_ONESHOT);
                }
                return;
        }
        if (m->state.error) {
                m->state.error = 0;
                log_info("state file %s/" STATE_FILE " saved again", m->state.dir);
                (void) sd_event_source_set_enabled(m->state.retry_timer, SD_EVENT_OFF);
                manager_update_status(m);
        }
}

static int on_state_retry(sd_event_source *s, uint64_t usec, void *userdata) {
        manager_write_state(userdata);
        return 0;
}

static int on_save_state(sd_event_source *s, void *userdata) {
        struct manager *m = userdata;

        if (m->state_dirty)
                manager_write_state(m);
        return 0;
}

/*
 * Saved once per turn of the loop, before anything is sent: a burst of
 * changes (512 bad ranges in one badblocks read) is one write and two
 * fsyncs, not two fsyncs per range (which stalled the loop for seconds,
 * past the watchdog, in a badblocks storm).  The save's priority puts it
 * ahead of the pump and of the sysfs batches.
 */
static void manager_save_state(struct manager *m) {
        if (!m->save_source) {
                manager_write_state(m);
                return;
        }
        m->state_dirty = true;
        (void) sd_event_source_set_enabled(m->save_source, SD_EVENT_ONESHOT);
}

/* ---- events ---- */

static struct open_event *event_find_overlapping(struct manager *m, size_t from, uint64_t start, uint64_t end,
                                                 size_t *ret_index) {
        for (size_t i = from; i < m->n_events; i++)
                if (m->events[i].start_pfn < end && start < m->events[i].end_pfn) {
                        *ret_index = i;
                        return &m->events[i];
                }
        return NULL;
}

static void event_log_full(struct manager *m, const struct open_event *e, const char *result, const char *via,
                           const struct daxmf_removal *rm) {
        struct event_record rec = {
                .id = e->id,
                .kind = e->kind,
                .device = e->device,
                .phys_start = e->end_pfn > e->start_pfn ? e->start_pfn * m->page_size : 0,
                .phys_end = e->end_pfn > e->start_pfn ? e->end_pfn * m->page_size - 1 : 0,
                .sector = e->sector,
                .sectors = e->sectors,
                .action = e->action,
                .result = result,
                .pages = e->end_pfn - e->start_pfn,
                .pages_failed = e->pages_failed,
                .elapsed_usec = now_usec() - e->started_usec,
                .via = via,
                .removal_mode = rm ? daxmf_removal_mode_name(rm->mode) : NULL,
                .handshake = rm && rm->has_handshake ? daxmf_handshake_name(rm->handshake) : NULL,
                .waited_usec = rm ? rm->waited_ns / 1000 : 0,
        };

        journal_log_event(&rec);
}

static void event_log(struct manager *m, const struct open_event *e, const char *result, const char *via) {
        event_log_full(m, e, result, via, NULL);
}

/* Log and forget every event none of whose pages is still on its way. */
static void manager_close_events(struct manager *m) {
        size_t i = 0;

        while (i < m->n_events) {
                struct open_event *e = &m->events[i];

                if (rangeset_overlaps(&m->engine.pending, e->start_pfn, e->end_pfn) ||
                    rangeset_overlaps(&m->engine.in_flight, e->start_pfn, e->end_pfn)) {
                        i++;
                        continue;
                }
                event_log(m, e,
                          !rangeset_contains(&m->engine.completed, e->start_pfn, e->end_pfn) ? "stopped" :
                          e->pages_failed == 0 ? "complete" :
                          e->pages_failed >= e->end_pfn - e->start_pfn ? "failed" : "partial",
                          m->kernel ? "module" : "sysfs");
                m->events[i] = m->events[--m->n_events];
        }
        manager_update_status(m);
}

void manager_mark_failed(struct manager *m, uint64_t start_pfn, uint64_t end_pfn) {
        int r;

        r = daxmf_engine_mark_completed(&m->engine, start_pfn, end_pfn);
        if (r < 0) {
                log_error("cannot note pfn 0x%" PRIx64 "-0x%" PRIx64 " as failed: %s", start_pfn, end_pfn,
                          strerror(-r));
                return;
        }
        manager_save_state(m);
        /* An event that waited for these pages has them now. */
        manager_close_events(m);
}

static int manager_submit(struct manager *m, enum daxmf_event_kind kind, const char *device, uint64_t sector,
                          uint64_t sectors, uint64_t start_pfn, uint64_t end_pfn);

/* ---- sending batches ---- */

static void manager_pump(struct manager *m);

/* Sends happen from the loop, never from inside a netlink callback. */
void manager_schedule_pump(struct manager *m) {
        if (m->pump_source)
                (void) sd_event_source_set_enabled(m->pump_source, SD_EVENT_ONESHOT);
}

static int on_pump(sd_event_source *s, void *userdata) {
        manager_pump(userdata);
        return 0;
}

static int on_backoff(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;

        m->throttled = false;
        manager_schedule_pump(m);
        return 0;
}

static bool is_removal_batch(uint64_t cookie) {
        return cookie >> 63;
}

static void batch_finished(struct manager *m, uint64_t cookie, uint64_t start, uint64_t pages,
                           uint64_t pages_done, uint64_t pages_failed, int status) {
        size_t i = 0;
        int r;

        /* The kernel reports these pages' failures too: they are this batch's, not new events. */
        memory_failure_own_work(m, start, start + pages);
        if (is_removal_batch(cookie)) {
                r = daxmf_engine_complete(&m->removal_engine, cookie, pages_done, status);
                if (r < 0)
                        log_warning("completion of unknown removal batch %" PRIu64 " ignored", cookie);
                if (status < 0)
                        log_warning("removal batch (pfn 0x%" PRIx64 "+%" PRIu64 ") stopped after %" PRIu64
                                    " pages: %s", start, pages, pages_done, strerror(-status));
                removal_batch_finished(m, start, pages, pages_failed, status);
                manager_schedule_pump(m);
                return;
        }

        /* Failures count against the events that wanted those pages, at most their overlap. */
        for (struct open_event *e; (e = event_find_overlapping(m, i, start, start + pages, &i)); i++) {
                uint64_t lo = e->start_pfn > start ? e->start_pfn : start;
                uint64_t hi = e->end_pfn < start + pages ? e->end_pfn : start + pages;
                uint64_t size = e->end_pfn - e->start_pfn;

                e->pages_failed += pages_failed < hi - lo ? pages_failed : hi - lo;
                if (e->pages_failed > size)
                        e->pages_failed = size;
        }

        r = daxmf_engine_complete(&m->engine, cookie, pages_done, status);
        if (r < 0)
                log_warning("completion of unknown batch %" PRIu64 " ignored", cookie);
        if (status < 0)
                log_warning("batch %" PRIu64 " (pfn 0x%" PRIx64 "+%" PRIu64 ") stopped after %" PRIu64
                            " pages: %s", cookie, start, pages, pages_done, strerror(-status));
        manager_save_state(m);
        manager_close_events(m);
        manager_schedule_pump(m);
}

static bool batch_lookup(struct manager *m, uint64_t cookie, struct daxmf_batch *ret) {
        const struct daxmf_engine *e = is_removal_batch(cookie) ? &m->removal_engine : &m->engine;

        for (unsigned i = 0; i < e->n_batches; i++)
                if (e->batches[i].cookie == cookie) {
                        *ret = e->batches[i];
                        return true;
                }
        return false;
}

/* The cookie of request seq (0 if unknown), which is answered now. */
static uint64_t request_forget(struct manager *m, uint32_t seq) {
        for (size_t i = 0; i < m->n_requests; i++)
                if (m->requests[i].seq == seq) {
                        uint64_t cookie = m->requests[i].cookie;

                        m->requests[i] = m->requests[--m->n_requests];
                        return cookie;
                }
        return 0;
}

static void on_kernel_accepted(uint32_t seq, uint64_t job_id, uint64_t cookie, void *userdata) {
        struct manager *m = userdata;

        (void) request_forget(m, seq);
        log_debug("batch %" PRIu64 " is module job %" PRIu64, cookie, job_id);
}

/*
 * The module is being unloaded.  It stops every job and reports each before
 * its family goes, so the batches still in flight get their verdicts, with
 * the pages each handled: drop the connection only once none is left, or a
 * batch's handled pages would be sent again.
 */
static void kernel_going(struct manager *m) {
        m->kernel_going = true;
        if (m->engine.n_batches == 0 && m->removal_engine.n_batches == 0)
                m->kernel_failed = true;
        else if (m->events_check_timer) {
                /* Should a verdict never come, the family's end still ends the wait. */
                (void) sd_event_source_set_time_relative(m->events_check_timer, 1000 * 1000);
                (void) sd_event_source_set_enabled(m->events_check_timer, SD_EVENT_ONESHOT);
        }
}

static void on_kernel_refused(uint32_t seq, const struct daxmf_error *e, void *userdata) {
        struct manager *m = userdata;
        struct daxmf_batch b;
        uint64_t cookie;

        if (removal_on_refused(m, seq, e))
                return;
        cookie = request_forget(m, seq);
        if (!cookie || !batch_lookup(m, cookie, &b))
                return;
        if (e->error == -EBUSY) {
                /*
                 * The module runs as many jobs as it takes (others' too):
                 * back to pending, and nothing more goes out until one of
                 * ours ends, or a while has passed if none is running.
                 */
                log_debug("module busy; pfn 0x%" PRIx64 "+%" PRIu64 " waits", b.start, b.pages);
                m->throttled = true;
                batch_finished(m, cookie, b.start, b.pages, 0, 0, -ECONNRESET);
                if (m->engine.n_batches == 0 && m->backoff_timer) {
                        (void) sd_event_source_set_time_relative(m->backoff_timer, 500 * 1000);
                        (void) sd_event_source_set_enabled(m->backoff_timer, SD_EVENT_ONESHOT);
                }
                return;
        }
        if (e->error == -ENOENT || e->error == -ESHUTDOWN) {
                /* The family is gone or going: the module was unloaded. */
                batch_finished(m, cookie, b.start, b.pages, 0, 0, -ECONNRESET);
                kernel_going(m);
                return;
        }
        log_error("module refused pfn 0x%" PRIx64 "+%" PRIu64 ": %s%s%s", b.start, b.pages,
                  strerror(-e->error), e->message[0] ? ": " : "", e->message);
        batch_finished(m, cookie, b.start, b.pages, 0, b.pages, e->error);
}

static void on_kernel_done(const struct daxmf_range_result *res, void *userdata) {
        struct manager *m = userdata;
        struct daxmf_batch b;

        if (!batch_lookup(m, res->cookie, &b))
                return;         /* another requester's, or a batch from before a restart */
        m->throttled = false;
        batch_finished(m, res->cookie, b.start, b.pages, res->pages_done, res->pages_failed, res->status);
        if (res->status == -ESHUTDOWN || m->kernel_going)
                kernel_going(m);
}

static const struct daxmf_kernel_handlers kernel_handlers = {
        .accepted = on_kernel_accepted,
        .refused = on_kernel_refused,
        .done = on_kernel_done,
        .removal_pending = removal_on_pending,
        .handler_set = removal_on_handler_set,
};

static void manager_drop_kernel(struct manager *m, const char *why);

static int on_kernel_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;
        int r;

        r = daxmf_kernel_dispatch(m->kernel, &kernel_handlers, m);
        /* Only now, with dispatch done with it, may the connection go. */
        if (r == -ENOBUFS)
                /* A reply was dropped: its batch would wait forever.  Start over. */
                manager_drop_kernel(m, "module connection overran");
        else if (r < 0 || m->kernel_failed)
                manager_drop_kernel(m, m->kernel_failed ? "the daxmf module went away" : "module connection failed");
        return 0;
}

/*
 * Without the module: hard_offline_page, one page at a time.  Its batches
 * are pmem pages (poison), so the errors mean what they mean to the module:
 * EBUSY is a dax page no process mapped (the kernel cannot lock it: nothing
 * to tear down) and EHWPOISON one failed already; neither is a failure.
 */
static int run_batch_sysfs(struct daxmf_batch *b, uint64_t page_size, uint64_t *ret_failed) {
        char buf[32];
        int fd;

        *ret_failed = 0;
        fd = open(HARD_OFFLINE_PAGE, O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        for (uint64_t p = 0; p < b->pages; p++) {
                int len = snprintf(buf, sizeof(buf), "0x%" PRIx64 "\n", (b->start + p) * page_size);
                ssize_t n = pwrite(fd, buf, (size_t) len, 0);

                if (n != len && !(n < 0 && (errno == EBUSY || errno == EHWPOISON)))
                        (*ret_failed)++;
        }
        close(fd);
        return 0;
}

static int on_sysfs_defer(sd_event_source *s, void *userdata) {
        struct manager *m = userdata;
        struct daxmf_batch b;
        uint64_t failed;
        int r;

        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        if (!daxmf_engine_next(&m->engine, &b))
                return 0;
        r = run_batch_sysfs(&b, m->page_size, &failed);
        if (r < 0) {
                log_error("cannot fail pfn 0x%" PRIx64 "+%" PRIu64 " through " HARD_OFFLINE_PAGE ": %s",
                          b.start, b.pages, strerror(-r));
                failed = b.pages;
        }
        /* One batch per loop iteration: other events get their turn. */
        batch_finished(m, b.cookie, b.start, b.pages, b.pages, failed, 0);
        return 0;
}

static void manager_drop_kernel(struct manager *m, const char *why);

/* Send one batch; < 0 when the connection was dropped. */
static int send_batch(struct manager *m, const struct daxmf_batch *b, uint32_t flags) {
        struct daxmf_range_request req = {
                .has_pfn = true,
                .pfn = b->start,
                .has_pages = true,
                .pages = b->pages,
                .flags = flags,
                .cookie = b->cookie,
        };
        struct request *nr;
        uint32_t seq;
        int r;

        r = daxmf_kernel_send_fail_range(m->kernel, &req, &seq);
        if (r < 0) {
                log_error("cannot send pfn 0x%" PRIx64 "+%" PRIu64 " to the module: %s", req.pfn, req.pages,
                          strerror(-r));
                /* Pump runs from the loop, never inside dispatch: safe to drop here. */
                manager_drop_kernel(m, "module connection failed");
                return r;
        }
        nr = reallocarray(m->requests, m->n_requests + 1, sizeof(*nr));
        if (nr) {
                m->requests = nr;
                m->requests[m->n_requests++] = (struct request) { seq, req.cookie };
        }
        return 0;
}

static int send_batches(struct manager *m, struct daxmf_engine *e, uint32_t flags) {
        struct daxmf_batch b;
        int r;

        while (daxmf_engine_next(e, &b)) {
                r = send_batch(m, &b, flags);
                if (r < 0)
                        return r;
        }
        return 0;
}

static void manager_pump(struct manager *m) {
        struct daxmf_batch batches[64], b;
        size_t n = 0;

        if (!m->kernel) {
                if (daxmf_engine_pending_pages(&m->engine) > 0)
                        (void) sd_event_source_set_enabled(m->sysfs_source, SD_EVENT_ONESHOT);
                return;
        }
        if (m->kernel_failed || m->kernel_going || m->throttled)
                return;

        /* A removal has a deadline: its batches go first, and are never saved. */
        if (send_batches(m, &m->removal_engine, DAXMF_FLAG_REMOVAL | DAXMF_FLAG_SIMULATED) < 0)
                return;

        while (n < ELEMENTSOF(batches) && daxmf_engine_next(&m->engine, &b))
                batches[n++] = b;
        if (n == 0) {
                manager_update_status(m);
                return;
        }

        /*
         * On disk as in flight before the module sees them: a restart then
         * asks the module about each instead of sending it again blindly.
         * Now, not at the deferred save: that runs after these are sent
         * (vm-daemon-restart, vm-daemon-kill9 saw batches done twice).
         */
        manager_write_state(m);
        for (size_t i = 0; i < n; i++)
                if (send_batch(m, &batches[i], 0) < 0)
                        return;
        manager_update_status(m);
}

static void manager_arm_reconnect(struct manager *m) {
        if (!m->reconnect_timer)
                return;
        (void) sd_event_source_set_time_relative(m->reconnect_timer, RECONNECT_USEC);
        (void) sd_event_source_set_enabled(m->reconnect_timer, SD_EVENT_ONESHOT);
}

static void manager_drop_kernel(struct manager *m, const char *why) {
        /*
         * Verdicts already queued on the socket (the module reports every
         * job before its family goes): taken first, so the pages they
         * handled are not sent again.  Not after an overrun: that is why
         * we start over.
         */
        if (m->kernel && !m->kernel_dropping && strcmp(why, "module connection overran") != 0) {
                m->kernel_dropping = true;
                (void) daxmf_kernel_dispatch(m->kernel, &kernel_handlers, m);
                m->kernel_dropping = false;
        }
        removal_reset(m);
        /* Batches in flight come back as pending and go out again. */
        while (m->engine.n_batches > 0)
                (void) daxmf_engine_complete(&m->engine, m->engine.batches[0].cookie, 0, -ECONNRESET);
        m->kernel_source = sd_event_source_disable_unref(m->kernel_source);
        m->kernel = daxmf_kernel_close(m->kernel);
        m->kernel_failed = false;
        m->kernel_going = false;
        m->throttled = false;
        m->n_requests = 0;
        manager_set_degraded(m, why);
        manager_schedule_pump(m);
        manager_arm_reconnect(m);
        memory_failure_select(m);
}

/* Connect (blocking, for the start-up questions); attached to the loop later. */
static void manager_connect_kernel(struct manager *m) {
        struct daxmf_info info;
        int r;

        r = daxmf_kernel_open(&m->kernel);
        if (r < 0) {
                manager_set_degraded(m, r == -ENOENT ?
                                     "daxmf module not loaded: poison goes through hard_offline_page page by page, removals are only logged" :
                                     "cannot talk to the daxmf module");
                return;
        }
        r = daxmf_kernel_get_info(m->kernel, &info, NULL);
        /* Whether the kernel's memory failures can come from the module. */
        memory_failure_module_info(m, r >= 0 ? &info : NULL);
        /* More requests than the module runs at once would only be refused. */
        if (r >= 0 && info.max_jobs > 0 && m->engine.max_in_flight > info.max_jobs) {
                log_info("MaxInFlight=%u is above the module's max_jobs, using %u", m->engine.max_in_flight,
                         info.max_jobs);
                m->engine.max_in_flight = info.max_jobs;
        }
}

/* The event id PENDING gave this removal (its file and process records carry it), else a new one. */
static uint64_t removal_event_id(struct manager *m, uint64_t removal_id) {
        for (size_t i = 0; removal_id && i < ELEMENTSOF(m->removal_events); i++)
                if (m->removal_events[i].removal_id == removal_id) {
                        m->removal_events[i].removal_id = 0;
                        return m->removal_events[i].event_id;
                }
        return m->next_event_id++;
}

/* The module dealt with a device being removed, before its teardown. */
static int on_module_removal(const struct daxmf_removal *rm, void *userdata) {
        struct manager *m = userdata;
        struct open_event e = {
                .id = removal_event_id(m, rm->has_handshake ? rm->id : 0),
                .kind = DAXMF_EVENT_REMOVAL,
                .action = DAXMF_ACTION_FAIL,
                .start_pfn = rm->pfn,
                .end_pfn = rm->pfn + rm->pages,
                .started_usec = now_usec() - (rm->elapsed_ns + rm->waited_ns) / 1000,
        };

        e.pages_failed = rm->pages_failed;
        if (rm->has_handshake && rm->mode == DAXMF_REMOVAL_HANDLER_FAILED)
                e.pages_failed += removal_take_failed(m, rm->id);

        /* The pages daxmfd failed during the handshake are in the module's count of mapped pages. */
        snprintf(e.device, sizeof(e.device), "%s", rm->device);
        /* Without the module's origins (tracefs), its page failures are told from new events by this. */
        memory_failure_own_work(m, rm->pfn, rm->pfn + rm->pages);
        event_log_full(m, &e, rm->status < 0 ? "stopped" : rm->pages_failed ? "partial" : "complete",
                       rm->mode == DAXMF_REMOVAL_HANDLER_FAILED ? "daxmfd" : "module", rm);
        return 0;
}

static const struct daxmf_event_handlers event_handlers = {
        .removal = on_module_removal,
        .memory_failure = memory_failure_on_module,
        .memory_failure_lost = memory_failure_on_module_lost,
};

static bool module_is_live(void);

/* The module was unloaded: its family, and with it this group, are gone. */
static void manager_events_gone(struct manager *m) {
        m->module_events_source = sd_event_source_disable_unref(m->module_events_source);
        m->module_events = daxmf_kernel_close(m->module_events);
        if (m->kernel)
                manager_drop_kernel(m, "the daxmf module was unloaded");
        /* The kernel's memory failures: through tracefs now. */
        memory_failure_select(m);
}

static bool module_in_state(const char *state);

static int on_events_check(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;

        if (m->kernel_going && m->kernel) {
                /* Its verdicts all come before its exit ends: once it is gone (or back), take them and drop. */
                if (module_in_state("going")) {
                        (void) sd_event_source_set_time_relative(s, 200 * 1000);
                        (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
                } else
                        manager_events_gone(m);
                return 0;
        }
        if (m->module_events && !module_is_live()) {
                log_info("the daxmf module is gone (its farewell was among the events lost)");
                manager_events_gone(m);
        }
        return 0;
}

static int on_events_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;
        int r;

        r = daxmf_kernel_receive_all_events(m->module_events, &event_handlers, m);
        if (r == -ESHUTDOWN)
                manager_events_gone(m);
        else if (r == -ENOBUFS) {
                log_warning("module events were lost (receive buffer overrun)");
                /* Memory failures among them show as a gap in the numbers of the next one, if one comes. */
                memory_failure_events_overrun(m);
                /*
                 * The family's removal may have been among them (a storm while
                 * the module is unloaded): look now, and again in a while, as
                 * an unload takes time.
                 */
                if (!module_is_live())
                        manager_events_gone(m);
                else if (m->events_check_timer) {
                        (void) sd_event_source_set_time_relative(m->events_check_timer, 1000 * 1000);
                        (void) sd_event_source_set_enabled(m->events_check_timer, SD_EVENT_ONESHOT);
                }
        }
        if (m->module_events)
                memory_failure_events_read(m, m->module_events);
        return 0;
}

/*
 * A storm of memory failures is a storm of messages: a receive buffer as
 * large as the kernel allows (above rmem_max only with CAP_NET_ADMIN).
 */
static void events_enlarge_buffer(struct manager *m) {
        int fd = daxmf_kernel_fd(m->module_events), size = 16 << 20;

        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
}

static void manager_attach_events(struct manager *m) {
        int r;

        /* A module loaded again has a new family and group: start afresh. */
        m->module_events_source = sd_event_source_disable_unref(m->module_events_source);
        m->module_events = daxmf_kernel_close(m->module_events);

        r = daxmf_kernel_open_events(&m->module_events);
        if (r >= 0) {
                events_enlarge_buffer(m);
                r = daxmf_kernel_set_nonblocking(m->module_events);
        }
        if (r >= 0)
                r = sd_event_add_io(m->event, &m->module_events_source, daxmf_kernel_fd(m->module_events), EPOLLIN,
                                    on_events_io, m);
        if (r < 0) {
                m->module_events = daxmf_kernel_close(m->module_events);
                log_warning("cannot follow the module's events (%s): removals it handles go unrecorded",
                            strerror(-r));
        }
}

static int manager_attach_kernel(struct manager *m) {
        int r;

        if (!m->kernel)
                return 0;
        r = daxmf_kernel_set_nonblocking(m->kernel);
        if (r >= 0)
                r = sd_event_add_io(m->event, &m->kernel_source, daxmf_kernel_fd(m->kernel), EPOLLIN,
                                    on_kernel_io, m);
        if (r < 0) {
                m->kernel = daxmf_kernel_close(m->kernel);
                manager_set_degraded(m, "cannot watch the daxmf module connection");
                return 0;
        }
        manager_attach_events(m);
        removal_register(m);
        return 0;
}

/* Whether the module is loaded and initialised, without loading it (opening the family would). */
static bool module_in_state(const char *state) {
        char buf[16] = "";
        FILE *f;

        f = fopen("/sys/module/daxmf/initstate", "re");
        if (!f)
                return false;
        if (!fgets(buf, sizeof(buf), f))
                buf[0] = '\0';
        fclose(f);
        return strncmp(buf, state, strlen(state)) == 0 && buf[strlen(state)] == '\n';
}

static bool module_is_live(void) {
        return module_in_state("live");
}

/* After the module went away: connect again once it is back (modprobe after rmmod). */
static int on_reconnect(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;

        if (!m->kernel && module_is_live()) {
                manager_connect_kernel(m);
                (void) manager_attach_kernel(m);
                if (m->kernel) {
                        log_info("connected to the daxmf module again");
                        manager_set_degraded(m, "");
                        manager_schedule_pump(m);
                }
        }
        if (!m->kernel)
                manager_arm_reconnect(m);
        /* The module, or tracefs again if that failed before (it may be mounted by now). */
        memory_failure_select(m);
        return 0;
}

static int manager_submit(struct manager *m, enum daxmf_event_kind kind, const char *device, uint64_t sector,
                          uint64_t sectors, uint64_t start_pfn, uint64_t end_pfn) {
        struct open_event e = {
                .id = m->next_event_id++,
                .kind = kind,
                .sector = sector,
                .sectors = sectors,
                .start_pfn = start_pfn,
                .end_pfn = end_pfn,
                .started_usec = now_usec(),
        };
        struct open_event *n;
        uint64_t queued;
        int r;

        snprintf(e.device, sizeof(e.device), "%s", device);
        /* Before anything is failed: then the mappings are still there to be seen. */
        affected_report(m, e.id, daxmf_event_kind_to_string(kind), device, start_pfn * m->page_size,
                        end_pfn * m->page_size);
        r = daxmf_engine_submit(&m->engine, kind, start_pfn, end_pfn, &queued);
        if (r < 0)
                return log_error_errno(r, "cannot queue %s event on %s: %s", daxmf_event_kind_to_string(kind),
                                       device, strerror(-r));
        e.action = (enum daxmf_action) r;
        if (e.action != DAXMF_ACTION_FAIL) {
                event_log(m, &e, "logged", "none");
                return 0;
        }

        n = reallocarray(m->events, m->n_events + 1, sizeof(*n));
        if (!n)
                return log_error_errno(-ENOMEM, "out of memory");
        m->events = n;
        m->events[m->n_events++] = e;
        manager_save_state(m);
        manager_schedule_pump(m);
        /* Nothing new to send (already failed): it is complete now. */
        manager_close_events(m);
        return 0;
}

/* ---- pmem disks and their badblocks ---- */

static void disk_free(struct pmem_disk *d) {
        if (!d)
                return;
        sd_event_source_disable_unref(d->badblocks_source);
        if (d->badblocks_fd >= 0)
                close(d->badblocks_fd);
        rangeset_done(&d->bad);
        free(d->name);
        free(d);
}

static int disk_read_badblocks(struct manager *m, struct pmem_disk *d) {
        _cleanup_(rangeset_done) struct daxmf_rangeset now = {}, appeared = {}, cleared = {};
        char buf[8192];
        unsigned line = 0;
        bool truncated = false;
        ssize_t n;
        int r;

        n = pread(d->badblocks_fd, buf, sizeof(buf), 0);
        if (n < 0) {
                int r2 = -errno;

                /* A removed sysfs node polls ready forever: stop listening until udev says it is gone. */
                (void) sd_event_source_set_enabled(d->badblocks_source, SD_EVENT_OFF);
                return log_error_errno(r2, "%s: cannot read badblocks: %s", d->name, strerror(-r2));
        }
        r = badblocks_parse(buf, (size_t) n, &now, &line, &truncated);
        if (r < 0)
                return log_error_errno(r, "%s: badblocks line %u is not 'SECTOR COUNT'; listing ignored", d->name,
                                       line);
        if (truncated && !d->truncated_warned) {
                log_warning("%s: the badblocks list is longer than sysfs shows (one page); bad ranges past "
                            "sector %" PRIu64 " are not seen", d->name,
                            now.n ? now.ranges[now.n - 1].end : 0);
                d->truncated_warned = true;
        }
        /*
         * Past the cut the kernel's list goes on: what we saw before there
         * is not "cleared" just because this read stopped short.
         */
        if (truncated && now.n)
                for (size_t i = 0; i < d->bad.n; i++)
                        if (d->bad.ranges[i].start >= now.ranges[now.n - 1].end)
                                (void) rangeset_add(&now, d->bad.ranges[i].start, d->bad.ranges[i].end);
        r = badblocks_diff(&d->bad, &now, &appeared, &cleared);
        if (r < 0)
                return r;

        for (size_t i = 0; i < cleared.n; i++) {
                uint64_t s = cleared.ranges[i].start, c = cleared.ranges[i].end - s, start, end;

                journal_log_cleared(d->name, s, c, d->data_phys + s * 512, d->data_phys + (s + c) * 512 - 1);
                /* A page that is whole again may go bad again: it must be failable then. */
                if (daxmf_sectors_to_pfns(d->data_phys, s, c, m->page_size, &start, &end) >= 0)
                        (void) rangeset_remove(&m->engine.completed, start, end);
        }
        /* ...except pages that still have a bad sector. */
        for (size_t i = 0; cleared.n && i < now.n; i++) {
                uint64_t start, end;

                if (daxmf_sectors_to_pfns(d->data_phys, now.ranges[i].start,
                                          now.ranges[i].end - now.ranges[i].start, m->page_size, &start, &end) >= 0 &&
                    rangeset_overlaps(&m->engine.completed, start, end))
                        (void) rangeset_add(&m->engine.completed, start, end);
        }
        if (cleared.n)
                manager_save_state(m);
        for (size_t i = 0; i < appeared.n; i++) {
                uint64_t s = appeared.ranges[i].start, c = appeared.ranges[i].end - s, start, end;

                r = daxmf_sectors_to_pfns(d->data_phys, s, c, m->page_size, &start, &end);
                if (r < 0) {
                        log_error("%s: bad sectors %" PRIu64 "+%" PRIu64 " do not map to memory", d->name, s, c);
                        continue;
                }
                (void) manager_submit(m, DAXMF_EVENT_POISON, d->name, s, c, start, end);
        }

        rangeset_done(&d->bad);
        d->bad = now;
        now = (struct daxmf_rangeset) {};
        textfile_changed(m);    /* the bad ranges, cleared ones too */
        return (int) (appeared.n > INT32_MAX ? INT32_MAX : appeared.n);
}

static int on_badblocks_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;

        for (size_t i = 0; i < m->n_disks; i++)
                if (m->disks[i]->badblocks_fd == fd)
                        (void) disk_read_badblocks(m, m->disks[i]);
        return 0;
}

/*
 * Devices and their physical ranges, afresh.  libndctl reads nd attributes
 * that take the device's lock; an unbind in progress holds it while it
 * waits for our answer, so a scan then would stall us (bounded by the
 * module's timeout).  Scans happen on udev events, which follow an unbind.
 */
static void manager_apply_topology(struct manager *m, struct daxmf_topology *t) {
        topology_done(&m->topology);
        /* Names are walked again at the next need: mounts may have moved. */
        if (m->have_resolver)
                resolver_done(&m->resolver);
        m->have_resolver = false;
        m->topology = *t;
        *t = (struct daxmf_topology) {};
        for (size_t i = 0; i < m->topology.n; i++) {
                const struct daxmf_device *d = &m->topology.devices[i];

                log_debug("topology: %s %s %s disk=%s dax=%s data 0x%" PRIx64 "+0x%" PRIx64 " mounted=%s", d->region,
                          d->namespace, d->mode, d->blockdev, d->dax, d->data_start, d->data_size, d->mountpoint);
        }
        inventories_topology_changed(m);
}

/* At start, before anything waits for us. */
static int manager_read_topology(struct manager *m) {
        struct daxmf_topology t;
        int r;

        r = topology_scan(&t, "/proc/self/mountinfo");
        if (r < 0)
                return log_error_errno(r, "cannot read the dax/pmem topology (libndctl): %s", strerror(-r));
        manager_apply_topology(m, &t);
        return 0;
}

static int manager_enumerate_disks(struct manager *m);
static int manager_refresh_topology(struct manager *m);

static void on_topology_scanned(struct daxmf_topology *t, int r, void *userdata) {
        struct manager *m = userdata;

        topology_worker_free(m->topology_worker);
        m->topology_worker = NULL;
        if (r < 0)
                log_error("cannot read the dax/pmem topology (libndctl): %s", strerror(-r));
        else {
                manager_apply_topology(m, t);
                /* The scan read the mount table when it began: a mount since is known now too. */
                topology_update_mounts(&m->topology, "/proc/self/mountinfo");
        }
        /* Disks that appeared while it ran are known now. */
        (void) manager_enumerate_disks(m);
        if (m->topology_again) {
                m->topology_again = false;
                (void) manager_refresh_topology(m);
        }
}

/*
 * Devices and their physical ranges, afresh, on a thread: libndctl reads nd
 * attributes that take the device's lock, and an unbind in progress holds
 * it while it waits for our answer (see topology-worker.h).  One scan at a
 * time; what comes during it asks for one more.
 */
static int manager_refresh_topology(struct manager *m) {
        int r;

        if (m->topology_worker) {
                m->topology_again = true;
                return 0;
        }
        r = topology_worker_start(m->event, "/proc/self/mountinfo", on_topology_scanned, m, &m->topology_worker);
        if (r < 0)
                return log_error_errno(r, "cannot read the dax/pmem topology: %s", strerror(-r));
        return 0;
}

static struct pmem_disk *manager_find_disk(struct manager *m, const char *name, size_t *ret_index) {
        for (size_t i = 0; i < m->n_disks; i++)
                if (strcmp(m->disks[i]->name, name) == 0) {
                        if (ret_index)
                                *ret_index = i;
                        return m->disks[i];
                }
        return NULL;
}

static int manager_watch_disk(struct manager *m, sd_device *dev) {
        struct pmem_disk *d = NULL, **n;
        const struct daxmf_device *dev_info;
        const char *name, *syspath;
        _cleanup_free_ char *path = NULL;
        int r;

        if (sd_device_get_sysname(dev, &name) < 0 || strncmp(name, "pmem", 4) != 0 ||
            manager_find_disk(m, name, NULL))
                return 0;
        r = sd_device_get_syspath(dev, &syspath);
        if (r < 0)
                return r;

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->badblocks_fd = -1;
        d->name = strdup(name);
        if (!d->name) {
                disk_free(d);
                return -ENOMEM;
        }

        /* Where sector 0 lives: the namespace, or past its pfn device's info block. */
        dev_info = topology_find_blockdev(&m->topology, name);
        if (!dev_info || !dev_info->data_size) {
                log_error("%s: not a dax-capable disk of any namespace libndctl knows (sector mode, or "
                          "no physical range); not watched", name);
                disk_free(d);
                return -ENODEV;
        }
        d->data_phys = dev_info->data_start;
        d->size = dev_info->data_size;

        if (asprintf(&path, "%s/badblocks", syspath) < 0) {
                disk_free(d);
                return -ENOMEM;
        }
        d->badblocks_fd = open(path, O_RDONLY | O_CLOEXEC);
        if (d->badblocks_fd < 0) {
                r = -errno;
                log_error("%s: cannot open %s: %s; not watched", name, path, strerror(errno));
                disk_free(d);
                return r;
        }
        /* sysfs wakes pollers with POLLPRI when the driver re-reads the poison list. */
        r = sd_event_add_io(m->event, &d->badblocks_source, d->badblocks_fd, EPOLLPRI, on_badblocks_io, m);
        if (r < 0) {
                disk_free(d);
                return r;
        }

        n = reallocarray(m->disks, m->n_disks + 1, sizeof(*n));
        if (!n) {
                disk_free(d);
                return -ENOMEM;
        }
        m->disks = n;
        m->disks[m->n_disks++] = d;
        log_info("watching %s: data at phys 0x%" PRIx64 ", %" PRIu64 " bytes", name, d->data_phys, d->size);
        (void) disk_read_badblocks(m, d);
        manager_update_status(m);
        return 0;
}

static void manager_disk_removed(struct manager *m, const char *name) {
        struct pmem_disk *d;
        struct open_event e = { .kind = DAXMF_EVENT_REMOVAL, .action = DAXMF_ACTION_LOG };
        size_t i;

        d = manager_find_disk(m, name, &i);
        if (!d)
                return;
        if (m->module_events)
                goto forget;    /* the module reported it, before the teardown */
        /* On 6.1 the remove event comes after the device died: record it. */
        e.id = m->next_event_id++;
        snprintf(e.device, sizeof(e.device), "%s", name);
        e.start_pfn = d->data_phys / m->page_size;
        e.end_pfn = (d->data_phys + d->size + m->page_size - 1) / m->page_size;
        e.started_usec = now_usec();
        event_log(m, &e, "logged", "none");
forget:
        disk_free(d);
        m->disks[i] = m->disks[--m->n_disks];
        manager_update_status(m);
}

static int on_device_event(sd_device_monitor *mon, sd_device *dev, void *userdata) {
        struct manager *m = userdata;
        const char *subsystem, *name, *action_name;
        struct daxmf_uevent_decision d;
        sd_device_action_t action;

        if (sd_device_get_subsystem(dev, &subsystem) < 0 || sd_device_get_sysname(dev, &name) < 0 ||
            sd_device_get_action(dev, &action) < 0)
                return 0;
        action_name = daxmf_uevent_action_name((unsigned) action);
        /* The decision is uevent.c's (fuzzed on its own); here it is carried out. */
        if (daxmf_uevent_decide(subsystem, name, action_name, m->module_events, &d) < 0)
                return 0;
        if (d.refresh_now)
                (void) manager_refresh_topology(m);
        else if (d.settle && m->topology_timer) {
                (void) sd_event_source_set_time_relative(m->topology_timer, TOPOLOGY_SETTLE_USEC);
                (void) sd_event_source_set_enabled(m->topology_timer, SD_EVENT_ONESHOT);
        }

        switch (d.what) {
        case DAXMF_UEVENT_WATCH_DISK:
                /* Watched once the scan started above (refresh_now) knows its range. */
                break;
        case DAXMF_UEVENT_DISK_REMOVED:
                manager_disk_removed(m, name);
                break;
        case DAXMF_UEVENT_LOG_DAX_REMOVAL: {
                struct open_event e = {
                        .id = m->next_event_id++,
                        .kind = DAXMF_EVENT_REMOVAL,
                        .action = DAXMF_ACTION_LOG,
                        .started_usec = now_usec(),
                };

                snprintf(e.device, sizeof(e.device), "%s", name);
                event_log(m, &e, "logged", "none");
                break;
        }
        case DAXMF_UEVENT_NOTHING:
                break;
        }
        return 0;
}

/* uevent.c names the actions by sd_device_action_t's numbers. */
_Static_assert(SD_DEVICE_ADD == 0 && SD_DEVICE_REMOVE == 1 && SD_DEVICE_CHANGE == 2 && SD_DEVICE_UNBIND == 7,
               "sd_device_action_t follows the kernel's kobject_action");

static int on_topology_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;

        /* Not while an unbind waits for our answer (see above). */
        if (m->n_removal_waits > 0) {
                (void) sd_event_source_set_time_relative(s, TOPOLOGY_SETTLE_USEC);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
                return 0;
        }
        (void) manager_refresh_topology(m);
        return 0;
}

/* The kernel flags /proc/self/mountinfo with POLLPRI when a mount comes or goes. */
static int on_mountinfo(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;

        /*
         * Where the known devices are mounted, now: the mount table and a
         * stat() of /dev/pmemN, nothing that waits on a device lock.  The
         * full scan runs on a thread after the burst, and an event that
         * comes in between must still find the filesystem to name files.
         */
        topology_update_mounts(&m->topology, "/proc/self/mountinfo");
        if (m->topology_timer) {
                (void) sd_event_source_set_time_relative(m->topology_timer, TOPOLOGY_SETTLE_USEC);
                (void) sd_event_source_set_enabled(m->topology_timer, SD_EVENT_ONESHOT);
        }
        return 0;
}

static int manager_watch_mounts(struct manager *m) {
        int fd, r;

        fd = open("/proc/self/mountinfo", O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return log_error_errno(-errno, "cannot watch mounts: %s", strerror(errno));
        r = sd_event_add_io(m->event, &m->mountinfo_source, fd, EPOLLPRI, on_mountinfo, m);
        if (r < 0) {
                close(fd);
                return log_error_errno(r, "cannot watch mounts: %s", strerror(-r));
        }
        (void) sd_event_source_set_io_fd_own(m->mountinfo_source, true);
        return 0;
}

static int manager_enumerate_disks(struct manager *m) {
        sd_device_enumerator *en = NULL;
        int r;

        r = sd_device_enumerator_new(&en);
        if (r >= 0)
                r = sd_device_enumerator_add_match_subsystem(en, "block", true);
        if (r >= 0)
                r = sd_device_enumerator_add_match_sysname(en, "pmem*");
        if (r >= 0)
                r = sd_device_enumerator_add_match_property(en, "DEVTYPE", "disk");
        /* A disk udev has not processed yet is still a disk to watch. */
        if (r >= 0)
                r = sd_device_enumerator_allow_uninitialized(en);
        if (r < 0) {
                sd_device_enumerator_unref(en);
                return r;
        }
        for (sd_device *d = sd_device_enumerator_get_device_first(en); d;
             d = sd_device_enumerator_get_device_next(en))
                (void) manager_watch_disk(m, d);
        sd_device_enumerator_unref(en);
        return 0;
}

/* ---- timers and signals ---- */

static int manager_arm_rescan(struct manager *m);

static int on_rescan(sd_event_source *s, uint64_t usec, void *userdata) {
        struct manager *m = userdata;

        for (size_t i = 0; i < m->n_disks; i++)
                (void) disk_read_badblocks(m, m->disks[i]);
        return manager_arm_rescan(m);
}

static int manager_arm_rescan(struct manager *m) {
        int r;

        if (m->config.rescan_interval_usec == 0) {
                m->rescan_timer = sd_event_source_disable_unref(m->rescan_timer);
                return 0;
        }
        if (!m->rescan_timer)
                return sd_event_add_time_relative(m->event, &m->rescan_timer, CLOCK_MONOTONIC,
                                                  m->config.rescan_interval_usec, 0, on_rescan, m);
        r = sd_event_source_set_time_relative(m->rescan_timer, m->config.rescan_interval_usec);
        if (r < 0)
                return r;
        return sd_event_source_set_enabled(m->rescan_timer, SD_EVENT_ONESHOT);
}

static void log_config_warning(const char *file, unsigned line, const char *message, void *userdata) {
        if (line)
                log_warning("%s:%u: %s", file, line, message);
        else
                log_warning("%s: %s", file, message);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct manager *m = userdata;
        struct daxmf_config c;
        int r;

        sd_notify(false, "RELOADING=1");
        daxmf_config_load(&c, m->config_path, m->dropin_dir, log_config_warning, NULL);
        r = daxmf_engine_configure(&m->engine, &c);
        if (r < 0)
                log_error("new configuration not applied: %s", strerror(-r));
        else {
                m->config = c;
                journal_writer_set_bounds(c.journal_queue_records, JOURNAL_QUEUE_MAX_BYTES_DEFAULT);
                (void) removal_configure(m);
                inventories_configure(m);
                (void) manager_arm_rescan(m);
                textfile_configure(m);
                /* The same socket again: only the timeout changes. */
                removal_register(m);
                log_info("configuration reloaded");
        }
        manager_schedule_pump(m);
        sd_notify(false, "READY=1");
        manager_update_status(m);
        return 0;
}

void manager_rescan(struct manager *m, unsigned *ret_scanned, unsigned *ret_appeared) {
        unsigned scanned = 0, appeared = 0;

        for (size_t i = 0; i < m->n_disks; i++) {
                int r = disk_read_badblocks(m, m->disks[i]);

                if (r >= 0) {
                        scanned++;
                        appeared += (unsigned) r;
                }
        }
        log_info("badblocks rescanned on request: %u of %zu disk(s), %u new bad range(s)", scanned, m->n_disks,
                 appeared);
        if (ret_scanned)
                *ret_scanned = scanned;
        if (ret_appeared)
                *ret_appeared = appeared;
}

static int on_sigusr1(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        manager_rescan(userdata, NULL, NULL);
        return 0;
}

/* ---- lifecycle ---- */

/* The kernel's boot id, dashes removed; "" when unknown. */
static void read_boot_id(char ret[static 33]) {
        char buf[64];
        size_t n = 0;
        FILE *f;

        ret[0] = '\0';
        f = fopen("/proc/sys/kernel/random/boot_id", "re");
        if (!f)
                return;
        if (fgets(buf, sizeof(buf), f))
                for (char *p = buf; *p && n < 32; p++)
                        if (strchr("0123456789abcdef", *p))
                                ret[n++] = *p;
        ret[n == 32 ? 32 : 0] = '\0';
        fclose(f);
}

int manager_new(struct manager **ret, const char *config_path, const char *dropin_dir, const char *state_dir,
                const char *control_path) {
        struct manager *m;

        m = calloc(1, sizeof(*m));
        if (!m)
                return -ENOMEM;
        m->state_dir_fd = -1;
        m->inventory_dir_fd = -1;
        m->next_event_id = 1;
        textfile_init(m);
        read_boot_id(m->boot_id);
        m->page_size = (uint64_t) sysconf(_SC_PAGESIZE);
        m->config_path = strdup(config_path);
        m->dropin_dir = strdup(dropin_dir);
        m->control_path = strdup(control_path);
        m->state.dir = strdup(state_dir);
        if (!m->config_path || !m->dropin_dir || !m->control_path || !m->state.dir) {
                manager_free(m);
                return -ENOMEM;
        }

        (void) mkdir(state_dir, 0700);
        m->state_dir_fd = open(state_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m->state_dir_fd < 0) {
                int r = -errno;

                log_error("cannot open state directory %s: %s", state_dir, strerror(errno));
                manager_free(m);
                return r;
        }
        *ret = m;
        return 0;
}

static void on_journal_changed(void *userdata) {
        manager_update_status(userdata);
}

struct manager *manager_free(struct manager *m) {
        if (!m)
                return NULL;
        /* Records logged from here on still go out, or wait (main.c stops the writer last). */
        journal_writer_detach();
        /* What tracefs still holds is logged while everything it needs is there. */
        memory_failure_stop(m);
        control_stop(m, m->control_path);
        free(m->control_path);
        textfile_done(m);
        for (size_t i = 0; i < m->n_disks; i++)
                disk_free(m->disks[i]);
        free(m->disks);
        sd_event_source_disable_unref(m->kernel_source);
        sd_event_source_disable_unref(m->module_events_source);
        sd_event_source_disable_unref(m->events_check_timer);
        daxmf_kernel_close(m->module_events);
        sd_event_source_disable_unref(m->sysfs_source);
        sd_event_source_disable_unref(m->pump_source);
        sd_event_source_disable_unref(m->save_source);
        sd_event_source_disable_unref(m->backoff_timer);
        sd_event_source_disable_unref(m->reconnect_timer);
        sd_event_source_disable_unref(m->topology_timer);
        topology_worker_free(m->topology_worker);
        sd_event_source_disable_unref(m->rescan_timer);
        sd_device_monitor_unref(m->monitor);
        daxmf_kernel_close(m->kernel);
        daxmf_engine_done(&m->engine);
        removal_done(m);
        topology_done(&m->topology);
        if (m->have_resolver)
                resolver_done(&m->resolver);
        inventories_stop(m);
        affected_forget_mappings(m);
        sd_event_source_disable_unref(m->mountinfo_source);
        free(m->ack_seqs);
        sd_event_source_disable_unref(m->state.retry_timer);
        free(m->state.dir);
        sd_event_unref(m->event);
        if (m->state_dir_fd >= 0)
                close(m->state_dir_fd);
        free(m->events);
        free(m->requests);
        free(m->config_path);
        free(m->dropin_dir);
        free(m);
        return NULL;
}

/*
 * Batches the last run had sent: ask the module what became of each, so a
 * batch it finished is not failed again and one it never saw is sent.
 */
static void manager_reconcile(struct manager *m, const struct daxmf_state *st) {
        /* Cancelled jobs end within a batch: one short budget for them all. */
        uint64_t deadline = now_usec() + 5 * 1000 * 1000;

        for (size_t i = 0; i < st->n_in_flight; i++) {
                const struct daxmf_batch *b = &st->in_flight[i];
                struct daxmf_range_result res = {};
                struct daxmf_error e = {};
                uint64_t done = 0;
                int r = -ENOENT;

                while (m->kernel) {
                        r = daxmf_kernel_get_job(m->kernel, b->cookie, &res, &e);
                        if (r < 0 || res.done || now_usec() > deadline)
                                break;
                        usleep(20 * 1000);
                }
                /* Still running past the budget: it may yet finish; sending it again is the safe side. */
                if (r == 0 && res.done && res.pfn == b->start && res.pages == b->pages)
                        done = res.status == 0 ? b->pages : res.pages_done;
                if (done > 0)
                        (void) rangeset_add(&m->engine.completed, b->start, b->start + done);
                if (done < b->pages)
                        (void) daxmf_engine_submit(&m->engine, DAXMF_EVENT_MANUAL, b->start + done,
                                                   b->start + b->pages, NULL);
                log_info("batch 0x%" PRIx64 " of the last run (pfn 0x%" PRIx64 "+%" PRIu64 "): %" PRIu64
                         " page(s) done by the module, %" PRIu64 " to send again", b->cookie, b->start, b->pages,
                         done, b->pages - done);
        }
}

int manager_start(struct manager *m) {
        _cleanup_(daxmf_state_done) struct daxmf_state st = {};
        unsigned line = 0;
        uint32_t base;
        sigset_t ss;
        int r;

        daxmf_config_load(&m->config, m->config_path, m->dropin_dir, log_config_warning, NULL);
        r = daxmf_engine_init(&m->engine, &m->config);
        if (r < 0)
                return r;
        /* Cookies name batches across restarts too: start each run elsewhere. */
        if (getrandom(&base, sizeof(base), 0) == sizeof(base))
                m->engine.next_cookie = ((uint64_t) (base & 0x7fffffff) << 32) | 1;
        r = removal_init(m);
        if (r < 0)
                return r;

        manager_connect_kernel(m);

        /* What an earlier run left: failed pages stay failed, pending ones go out. */
        r = daxmf_state_load(m->state_dir_fd, STATE_FILE, &st, &line);
        if (r == -EBADMSG)
                log_error("state file %s is corrupt at line %u; kept as %s.corrupt, starting empty", STATE_FILE, line,
                          STATE_FILE);
        else if (r < 0 && r != -ENOENT)
                log_error("cannot read the state file: %s", strerror(-r));
        else if (r == 0 && strcmp(st.boot_id, m->boot_id) != 0)
                /*
                 * Failed pages stay failed only until a reboot, and the
                 * addresses may now belong to something else: forget it all.
                 * The badblocks scan finds the poison that is still there.
                 */
                log_info("state file is from another boot: its ranges are not replayed");
        else if (r == 0) {
                rangeset_done(&m->engine.completed);
                m->engine.completed = st.completed;
                st.completed = (struct daxmf_rangeset) {};
                manager_reconcile(m, &st);
                for (size_t i = 0; i < st.pending.n; i++)
                        (void) daxmf_engine_submit(&m->engine, DAXMF_EVENT_MANUAL, st.pending.ranges[i].start,
                                                   st.pending.ranges[i].end, NULL);
                if (daxmf_engine_pending_pages(&m->engine) > 0)
                        log_info("resuming %" PRIu64 " page(s) left pending by the last run",
                                 daxmf_engine_pending_pages(&m->engine));
        }

        r = sd_event_default(&m->event);
        if (r < 0)
                return r;
        /* Records journald cannot take yet wait, and go out on this loop's timer. */
        journal_writer_set_bounds(m->config.journal_queue_records, JOURNAL_QUEUE_MAX_BYTES_DEFAULT);
        r = journal_writer_attach(m->event, on_journal_changed, m);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(m->event, &m->state.retry_timer, CLOCK_MONOTONIC, STATE_RETRY_USEC, 0,
                                       on_state_retry, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->state.retry_timer, SD_EVENT_OFF);

        sigemptyset(&ss);
        sigaddset(&ss, SIGTERM);
        sigaddset(&ss, SIGINT);
        sigaddset(&ss, SIGHUP);
        sigaddset(&ss, SIGUSR1);
        sigaddset(&ss, SIGCHLD);        /* inventory builds, through sd_event_add_child() */
        sigprocmask(SIG_BLOCK, &ss, NULL);
        if ((r = sd_event_add_signal(m->event, NULL, SIGTERM, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGINT, NULL, NULL)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGHUP, on_sighup, m)) < 0 ||
            (r = sd_event_add_signal(m->event, NULL, SIGUSR1, on_sigusr1, m)) < 0)
                return r;
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                return r;

        r = sd_event_add_defer(m->event, &m->sysfs_source, on_sysfs_defer, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->sysfs_source, SD_EVENT_OFF);
        r = sd_event_add_defer(m->event, &m->pump_source, on_pump, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->pump_source, SD_EVENT_OFF);
        r = sd_event_add_defer(m->event, &m->save_source, on_save_state, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_priority(m->save_source, SD_EVENT_PRIORITY_IMPORTANT);
        (void) sd_event_source_set_enabled(m->save_source, SD_EVENT_OFF);
        r = sd_event_add_time_relative(m->event, &m->backoff_timer, CLOCK_MONOTONIC, 500 * 1000, 0, on_backoff, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->backoff_timer, SD_EVENT_OFF);

        r = sd_event_add_time_relative(m->event, &m->reconnect_timer, CLOCK_MONOTONIC, RECONNECT_USEC, 0,
                                       on_reconnect, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->reconnect_timer, SD_EVENT_OFF);
        r = sd_event_add_time_relative(m->event, &m->events_check_timer, CLOCK_MONOTONIC, 1000 * 1000, 0,
                                       on_events_check, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->events_check_timer, SD_EVENT_OFF);

        r = manager_attach_kernel(m);
        if (r < 0)
                return r;
        if (!m->kernel)
                manager_arm_reconnect(m);

        r = sd_event_add_time_relative(m->event, &m->topology_timer, CLOCK_MONOTONIC, TOPOLOGY_SETTLE_USEC, 0,
                                       on_topology_timer, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_enabled(m->topology_timer, SD_EVENT_OFF);

        r = sd_device_monitor_new(&m->monitor);
        if (r >= 0)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(m->monitor, "block", "disk");
        if (r >= 0)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(m->monitor, "dax", NULL);
        if (r >= 0)
                r = sd_device_monitor_filter_add_match_subsystem_devtype(m->monitor, "nd", NULL);
        if (r >= 0)
                r = sd_device_monitor_attach_event(m->monitor, m->event);
        if (r >= 0)
                r = sd_device_monitor_start(m->monitor, on_device_event, m);
        if (r < 0)
                return log_error_errno(r, "cannot watch udev events: %s", strerror(-r));

        (void) inventories_start(m);
        (void) manager_watch_mounts(m);
        (void) manager_read_topology(m);
        (void) manager_enumerate_disks(m);
        /* With the topology known: the first ranges are named. */
        memory_failure_select(m);
        r = manager_arm_rescan(m);
        if (r < 0)
                return r;
        /* Without it daxmfctl cannot reach us, but the work goes on. */
        (void) control_start(m, m->control_path);

        manager_pump(m);
        sd_notify(false, "READY=1");
        manager_update_status(m);
        return textfile_start(m);
}

int manager_run(struct manager *m) {
        int r;

        r = sd_event_loop(m->event);
        sd_notify(false, "STOPPING=1");
        memory_failure_stop(m);
        /* Whatever is still pending is in the state file for the next run. */
        manager_write_state(m);
        textfile_flush(m);      /* the final values */
        return r;
}
