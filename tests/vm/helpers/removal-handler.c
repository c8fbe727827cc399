/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A stand-in removal handler for the handshake tests, misbehaving on
 * purpose where the test asks:
 *
 *   removal-handler --on-pending silent|exit|ack-recorded|flood
 *                   [--timeout-ms N] [--ready FILE] [--report FILE]
 *       become the module's removal handler; write FILE (port=...,
 *       timeout_ms=...) once it is, then per REMOVAL_PENDING: stay silent,
 *       exit at once (the socket closes), answer RECORDED, or never answer
 *       and keep failing the range with DAXMF_FLAG_REMOVAL, round after
 *       round, whatever the module says (a handler that will not stop),
 *       until SIGUSR1.
 *       The report gets pending_id=, pending_device=, pending_mode=,
 *       pending_pfn=, pending_pages=, pending_timeout_ms=, ack_error= and,
 *       for flood, at the first refusal flood_accepted=,
 *       flood_refused_errno=, flood_refused_message= lines, and at SIGUSR1
 *       what came after that refusal, in the order the module decided:
 *       after_accepted= (ranges accepted), after_removing= (refused as
 *       "being removed"), after_other= (refused otherwise), after_gone_first=
 *       (the first "outside every dev_pagemap" refusal: the device is gone),
 *       after_removing_after_gone= (refused as being removed after that:
 *       0 when both kinds follow each other once), after_other_message=.
 *   removal-handler --register-only [--timeout-ms N]
 *   removal-handler --ack ID --verdict V [--as-handler]
 *       one request (--as-handler: after becoming the handler); print
 *       error=ERRNO and message=EXTACK (error=0 when accepted) and exit 0
 *       whatever the module said.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/daxmf.h>

#include "daxmf-kernel.h"

enum on_pending { SILENT, EXIT, ACK_RECORDED, FLOOD };

#define FLOOD_BATCH 512
#define FLOOD_IN_FLIGHT 4

struct handler {
        struct daxmf_kernel *k;
        enum on_pending on_pending;
        const char *report;
        bool answered;          /* SET_REMOVAL_HANDLER or ACK answered */
        int error;
        char message[256];
        uint32_t portid, timeout_ms;
        uint32_t ack_seq;
        /* flood: */
        bool flooding;
        bool refused;           /* the first refusal came */
        uint64_t pfn, pages, next;
        unsigned in_flight;
        uint64_t accepted;
        /* after the first refusal: */
        uint64_t after_accepted, after_removing, after_other, after_removing_after_gone, replies;
        uint64_t after_gone_first;      /* reply number, 0: none yet */
        char after_other_message[300];
};

static volatile sig_atomic_t stop;

static void on_usr1(int sig) {
        stop = 1;
}

static void append(const char *path, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void append(const char *path, const char *fmt, ...) {
        va_list ap;
        FILE *f;

        if (!path)
                return;
        f = fopen(path, "ae");
        if (!f)
                return;
        va_start(ap, fmt);
        vfprintf(f, fmt, ap);
        va_end(ap);
        fclose(f);
}

static void on_set(uint32_t seq, uint32_t portid, uint32_t timeout_ms, void *userdata) {
        struct handler *h = userdata;

        h->answered = true;
        h->portid = portid;
        h->timeout_ms = timeout_ms;
}

static void on_refused(uint32_t seq, const struct daxmf_error *e, void *userdata) {
        struct handler *h = userdata;

        h->answered = true;
        h->error = e->error;
        snprintf(h->message, sizeof(h->message), "%s", e->message);
        if (seq == h->ack_seq)
                append(h->report, "ack_error=%d\n", e->error);
        else if (h->flooding) {
                h->in_flight--;
                if (e->error == -EBUSY)
                        return;
                if (!h->refused) {
                        h->refused = true;
                        append(h->report,
                               "flood_accepted=%" PRIu64 "\nflood_refused_errno=%d\nflood_refused_message=%s\n",
                               h->accepted, e->error, e->message);
                }
                /* Refusals and acceptances come back in the order the module decided them. */
                h->replies++;
                if (e->error == -ENXIO && strstr(e->message, "being removed")) {
                        h->after_removing++;
                        if (h->after_gone_first)
                                h->after_removing_after_gone++;
                } else {
                        h->after_other++;
                        if (!h->after_gone_first && strstr(e->message, "outside every dev_pagemap"))
                                h->after_gone_first = h->replies;
                        snprintf(h->after_other_message, sizeof(h->after_other_message), "%d %s", e->error,
                                 e->message);
                }
        }
}

static void on_accepted(uint32_t seq, uint64_t job_id, uint64_t cookie, void *userdata) {
        struct handler *h = userdata;

        h->accepted++;
        if (h->refused) {
                h->replies++;
                h->after_accepted++;
        }
}

static void on_done(const struct daxmf_range_result *res, void *userdata) {
        struct handler *h = userdata;

        if (h->in_flight > 0)
                h->in_flight--;
}

/* Keep FLOOD_IN_FLIGHT ranges going over the removed range, round after round. */
static int flood(struct handler *h) {
        while (h->flooding && h->in_flight < FLOOD_IN_FLIGHT) {
                struct daxmf_range_request req = {
                        .has_pfn = true,
                        .pfn = h->pfn + h->next,
                        .has_pages = true,
                        .pages = h->pages - h->next < FLOOD_BATCH ? h->pages - h->next : FLOOD_BATCH,
                        .flags = DAXMF_FLAG_REMOVAL | DAXMF_FLAG_SIMULATED,
                };
                uint32_t seq;
                int r;

                r = daxmf_kernel_send_fail_range(h->k, &req, &seq);
                if (r < 0)
                        return r;
                h->in_flight++;
                h->next = (h->next + req.pages) % h->pages;
        }
        return 0;
}

static void on_pending(const struct daxmf_removal_pending *p, void *userdata) {
        struct handler *h = userdata;
        int r;

        append(h->report, "pending_id=%" PRIu64 "\npending_device=%s\npending_mode=%s\npending_pfn=%" PRIu64
               "\npending_pages=%" PRIu64 "\npending_timeout_ms=%" PRIu32 "\n", p->id, p->device,
               daxmf_removal_mode_name(p->mode), p->pfn, p->pages, p->timeout_ms);
        switch (h->on_pending) {
        case SILENT:
                break;
        case EXIT:
                _exit(0);
        case ACK_RECORDED:
                r = daxmf_kernel_send_removal_ack(h->k, p->id, DAXMF_VERDICT_RECORDED, &h->ack_seq);
                if (r < 0)
                        append(h->report, "ack_error=%d\n", r);
                break;
        case FLOOD:
                h->flooding = true;
                h->pfn = p->pfn;
                h->pages = p->pages;
                h->next = 0;
                break;
        }
}

static const struct daxmf_kernel_handlers handlers = {
        .accepted = on_accepted,
        .done = on_done,
        .refused = on_refused,
        .removal_pending = on_pending,
        .handler_set = on_set,
};

/*
 * Dispatch until the answer to the last request came, or until SIGUSR1
 * (until = false).  A flood always has a reply ready, and a signal waiting
 * is delivered by no poll that has one: the flag is checked every turn,
 * and the poll is bounded for a signal that came just before it.
 */
static int pump(struct handler *h, bool until_answered) {
        struct pollfd pfd = { .fd = daxmf_kernel_fd(h->k), .events = POLLIN };
        int r;

        h->answered = false;
        for (;;) {
                r = daxmf_kernel_dispatch(h->k, &handlers, h);
                if (r < 0)
                        return r;
                if (until_answered && h->answered)
                        return 0;
                if (stop)
                        return 0;
                r = flood(h);
                if (r < 0)
                        return r;
                if (poll(&pfd, 1, 100) < 0 && errno != EINTR)
                        return -errno;
        }
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                { "on-pending", required_argument, NULL, 'p' },
                { "timeout-ms", required_argument, NULL, 't' },
                { "ready", required_argument, NULL, 'r' },
                { "report", required_argument, NULL, 'o' },
                { "register-only", no_argument, NULL, 'R' },
                { "ack", required_argument, NULL, 'a' },
                { "verdict", required_argument, NULL, 'v' },
                { "as-handler", no_argument, NULL, 'H' },
                {}
        };
        struct handler h = { .on_pending = SILENT };
        const char *ready = NULL;
        bool register_only = false, ack = false, as_handler = false;
        uint64_t ack_id = 0;
        uint32_t timeout_ms = 0, verdict = 0, seq;
        bool has_timeout = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "", options, NULL)) >= 0)
                switch (c) {
                case 'p':
                        h.on_pending = strcmp(optarg, "exit") == 0 ? EXIT :
                                       strcmp(optarg, "ack-recorded") == 0 ? ACK_RECORDED :
                                       strcmp(optarg, "flood") == 0 ? FLOOD : SILENT;
                        break;
                case 't':
                        timeout_ms = (uint32_t) strtoul(optarg, NULL, 0);
                        has_timeout = true;
                        break;
                case 'r':
                        ready = optarg;
                        break;
                case 'o':
                        h.report = optarg;
                        break;
                case 'R':
                        register_only = true;
                        break;
                case 'a':
                        ack = true;
                        ack_id = strtoull(optarg, NULL, 0);
                        break;
                case 'v':
                        verdict = (uint32_t) strtoul(optarg, NULL, 0);
                        break;
                case 'H':
                        as_handler = true;
                        break;
                default:
                        return 2;
                }

        if (sigaction(SIGUSR1, &(struct sigaction) { .sa_handler = on_usr1 }, NULL) < 0)
                return 1;

        r = daxmf_kernel_open(&h.k);
        if (r < 0 || daxmf_kernel_set_nonblocking(h.k) < 0) {
                fprintf(stderr, "removal-handler: cannot open the daxmf family: %s\n", strerror(-r));
                return 1;
        }

        if (ack && as_handler) {
                r = daxmf_kernel_send_set_removal_handler(h.k, has_timeout ? &timeout_ms : NULL, &seq);
                if (r >= 0)
                        r = pump(&h, true);
                if (r < 0 || h.error) {
                        fprintf(stderr, "removal-handler: cannot become the handler: %s\n", h.message);
                        return 1;
                }
        }
        if (ack) {
                r = daxmf_kernel_send_removal_ack(h.k, ack_id, verdict, &h.ack_seq);
                if (r >= 0)
                        r = pump(&h, true);
                if (r < 0)
                        return 1;
                printf("error=%d\nmessage=%s\n", h.error, h.message);
                return 0;
        }

        r = daxmf_kernel_send_set_removal_handler(h.k, has_timeout ? &timeout_ms : NULL, &seq);
        if (r >= 0)
                r = pump(&h, true);
        if (r < 0)
                return 1;
        if (register_only || h.error) {
                printf("error=%d\nmessage=%s\nport=%" PRIu32 "\ntimeout_ms=%" PRIu32 "\n", h.error, h.message,
                       h.portid, h.timeout_ms);
                return 0;
        }
        append(ready, "port=%" PRIu32 "\ntimeout_ms=%" PRIu32 "\n", h.portid, h.timeout_ms);
        r = pump(&h, false);
        if (r >= 0 && h.refused)
                append(h.report,
                       "after_accepted=%" PRIu64 "\nafter_removing=%" PRIu64 "\nafter_other=%" PRIu64
                       "\nafter_gone_first=%" PRIu64 "\nafter_removing_after_gone=%" PRIu64
                       "\nafter_other_message=%s\n",
                       h.after_accepted, h.after_removing, h.after_other, h.after_gone_first,
                       h.after_removing_after_gone, h.after_other_message);
        append(h.report, "stopped=%d\n", r);
        return r < 0 ? 1 : 0;
}
