/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <linux/daxmf.h>

#include "affected.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "removal.h"

/* Removal batches' cookies live in a space of their own: bit 63 set. */
#define REMOVAL_COOKIE_BASE (UINT64_C(1) << 63)

int removal_init(struct manager *m) {
        int r;

        r = daxmf_engine_init(&m->removal_engine, &m->config);
        if (r < 0)
                return r;
        m->removal_engine.next_cookie = REMOVAL_COOKIE_BASE | 1;
        /* The handshake decides for itself whether to fail (see removal_on_pending). */
        m->removal_engine.action[DAXMF_EVENT_REMOVAL] = DAXMF_ACTION_FAIL;
        return 0;
}

void removal_done(struct manager *m) {
        daxmf_engine_done(&m->removal_engine);
        free(m->removal_waits);
        m->removal_waits = NULL;
        m->n_removal_waits = 0;
}

int removal_configure(struct manager *m) {
        int r;

        r = daxmf_engine_configure(&m->removal_engine, &m->config);
        if (r < 0)
                return r;
        m->removal_engine.action[DAXMF_EVENT_REMOVAL] = DAXMF_ACTION_FAIL;
        return 0;
}

static uint32_t timeout_ms(const struct manager *m) {
        uint64_t ms = m->config.removal_timeout_usec / 1000;

        /* The module's range. */
        if (ms < 1)
                ms = 1;
        if (ms > DAXMF_MAX_REMOVAL_TIMEOUT_MS) {
                log_warning("[Removal] TimeoutSec= is above the module's limit of %u s; using that",
                            DAXMF_MAX_REMOVAL_TIMEOUT_MS / 1000);
                ms = DAXMF_MAX_REMOVAL_TIMEOUT_MS;
        }
        return (uint32_t) ms;
}

void removal_register(struct manager *m) {
        uint32_t ms = timeout_ms(m);
        int r;

        if (!m->kernel)
                return;
        r = daxmf_kernel_send_set_removal_handler(m->kernel, &ms, &m->handler_seq);
        if (r < 0)
                log_warning("cannot ask to be the module's removal handler: %s", strerror(-r));
}

void removal_on_handler_set(uint32_t seq, uint32_t portid, uint32_t timeout, void *userdata) {
        struct manager *m = userdata;

        if (seq != m->handler_seq)
                return;
        m->handler_seq = 0;
        m->removal_handler = true;
        log_info("removal handler for the module (port %" PRIu32 "): each removal waits up to %" PRIu32 " ms for us",
                 portid, timeout);
        manager_update_status(m);
}

bool removal_on_refused(struct manager *m, uint32_t seq, const struct daxmf_error *e) {
        if (seq != 0 && seq == m->handler_seq) {
                m->handler_seq = 0;
                m->removal_handler = false;
                if (e->error == -EOPNOTSUPP || e->error == -EINVAL)
                        log_warning("the daxmf module has no removal handshake: it acts on removals alone");
                else
                        log_warning("cannot be the module's removal handler: %s%s%s", strerror(-e->error),
                                    e->message[0] ? ": " : "", e->message);
                manager_update_status(m);
                return true;
        }
        for (size_t i = 0; i < m->n_ack_seqs; i++)
                if (m->ack_seqs[i] == seq) {
                        m->ack_seqs[i] = m->ack_seqs[--m->n_ack_seqs];
                        /* Late: it timed out and the module acted alone; the REMOVAL event tells. */
                        log_warning("the module did not take our answer to a removal: %s%s%s", strerror(-e->error),
                                    e->message[0] ? ": " : "", e->message);
                        return true;
                }
        return false;
}

static void send_ack(struct manager *m, const struct removal_wait *w, uint32_t verdict) {
        uint32_t seq, *n;
        int r;

        if (!m->kernel)
                return;
        r = daxmf_kernel_send_removal_ack(m->kernel, w->id, verdict, &seq);
        if (r < 0) {
                log_error("cannot answer removal %" PRIu64 " of %s: %s; the module acts after its timeout", w->id,
                          w->device, strerror(-r));
                return;
        }
        n = reallocarray(m->ack_seqs, m->n_ack_seqs + 1, sizeof(*n));
        if (n) {
                m->ack_seqs = n;
                m->ack_seqs[m->n_ack_seqs++] = seq;
        }
        log_info("removal %" PRIu64 " of %s answered: %s after %.1f ms", w->id, w->device,
                 daxmf_verdict_name(verdict), (double) (now_usec() - w->since_usec) / 1000.0);
}

/* Answer every wait none of whose pages is still pending or on its way. */
static void answer_complete(struct manager *m) {
        size_t i = 0;

        while (i < m->n_removal_waits) {
                struct removal_wait *w = &m->removal_waits[i];

                if (rangeset_overlaps(&m->removal_engine.pending, w->start, w->end) ||
                    rangeset_overlaps(&m->removal_engine.in_flight, w->start, w->end)) {
                        i++;
                        continue;
                }
                send_ack(m, w, w->stopped ? DAXMF_VERDICT_RECORDED : DAXMF_VERDICT_FAILED);
                m->removal_answered[m->n_removal_answered++ % REMOVAL_ANSWERED_MAX] = *w;
                /* The same addresses may come back with a new device: fail them again then. */
                (void) rangeset_remove(&m->removal_engine.completed, w->start, w->end);
                m->removal_waits[i] = m->removal_waits[--m->n_removal_waits];
        }
}

void removal_batch_finished(struct manager *m, uint64_t start, uint64_t pages, uint64_t pages_failed, int status) {
        for (size_t i = 0; i < m->n_removal_waits; i++) {
                struct removal_wait *w = &m->removal_waits[i];
                uint64_t lo = w->start > start ? w->start : start;
                uint64_t hi = w->end < start + pages ? w->end : start + pages;

                if (lo >= hi)
                        continue;
                w->pages_failed += pages_failed < hi - lo ? pages_failed : hi - lo;
                /*
                 * A batch that stopped early for good leaves pages the module
                 * must still see to.  -ECONNRESET/-ESHUTDOWN (the module was
                 * busy, or the connection is going) put the rest back in line.
                 */
                if (status < 0 && status != -ECONNRESET && status != -ESHUTDOWN)
                        w->stopped = true;
        }
        answer_complete(m);
}

uint64_t removal_take_failed(struct manager *m, uint64_t id) {
        for (size_t i = 0; i < REMOVAL_ANSWERED_MAX; i++)
                if (m->removal_answered[i].id == id) {
                        uint64_t failed = m->removal_answered[i].pages_failed;

                        m->removal_answered[i] = (struct removal_wait) {};
                        return failed;
                }
        return 0;
}

void removal_on_pending(const struct daxmf_removal_pending *p, void *userdata) {
        struct manager *m = userdata;
        struct removal_wait w = {
                .id = p->id,
                .start = p->pfn,
                .end = p->pfn + p->pages,
                .mode = p->mode,
                .since_usec = now_usec(),
        };
        const struct daxmf_device *d;
        struct removal_wait *n;
        uint64_t event_id;
        int r;

        snprintf(w.device, sizeof(w.device), "%s", p->device);
        /* From what was known before: reading the device now would wait for the unbind, which waits for us. */
        d = topology_find_phys(&m->topology, p->pfn * m->page_size);
        log_info("%s is being removed (removal %" PRIu64 ", pfn 0x%" PRIx64 "+%" PRIu64 ", %s%s%s%s%s); the module "
                 "waits up to %" PRIu32 " ms for us", p->device, p->id, p->pfn, p->pages,
                 daxmf_removal_mode_name(p->mode), d && d->blockdev[0] ? ", disk " : "", d ? d->blockdev : "",
                 d && d->mountpoint[0] ? " mounted on " : "", d ? d->mountpoint : "", p->timeout_ms);

        /*
         * What sits on the range, while it still can be read: files from the
         * filesystem's reverse map, processes from their mappings.  The
         * REMOVAL event's record later carries the same event id.
         */
        inventories_device_going(m, w.start * m->page_size, w.end * m->page_size);
        event_id = m->next_event_id++;
        m->removal_events[m->n_removal_events++ % ELEMENTSOF(m->removal_events)].removal_id = p->id;
        m->removal_events[(m->n_removal_events - 1) % ELEMENTSOF(m->removal_events)].event_id = event_id;
        affected_report(m, event_id, "removal", p->device, w.start * m->page_size, w.end * m->page_size);

        /* Poison queued for pages that are going away would only be refused later. */
        (void) rangeset_remove(&m->engine.pending, w.start, w.end);

        /*
         * Where the filesystem's dax holder walks the range (XFS with rmapbt),
         * failing it in batches would shut the filesystem down at the first
         * one: the module makes the single holder call.  Log only: the module
         * acts itself, and it always does, so nothing is left mapped.
         */
        if (p->mode != DAXMF_REMOVAL_FAILED_PAGES || m->config.on_removal != DAXMF_ACTION_FAIL) {
                send_ack(m, &w, DAXMF_VERDICT_RECORDED);
                return;
        }

        n = reallocarray(m->removal_waits, m->n_removal_waits + 1, sizeof(*n));
        if (!n) {
                send_ack(m, &w, DAXMF_VERDICT_RECORDED);
                return;
        }
        m->removal_waits = n;
        r = daxmf_engine_submit(&m->removal_engine, DAXMF_EVENT_REMOVAL, w.start, w.end, NULL);
        if (r < 0) {
                log_error("cannot queue removal %" PRIu64 ": %s", w.id, strerror(-r));
                send_ack(m, &w, DAXMF_VERDICT_RECORDED);
                return;
        }
        m->removal_waits[m->n_removal_waits++] = w;
        manager_schedule_pump(m);
}

void removal_reset(struct manager *m) {
        /* The module stopped waiting when our socket closed; it acts alone. */
        while (m->removal_engine.n_batches > 0)
                (void) daxmf_engine_complete(&m->removal_engine, m->removal_engine.batches[0].cookie, 0, -ENXIO);
        rangeset_done(&m->removal_engine.pending);
        rangeset_done(&m->removal_engine.completed);
        m->n_removal_waits = 0;
        m->n_ack_seqs = 0;
        m->handler_seq = 0;
        m->removal_handler = false;
}
