/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "journal-writer.h"
#include "journal.h"
#include "macro.h"
#include "metrics.h"

/*
 * Every record goes through journal-writer.c, which writes it or keeps it
 * while journald is away (and counts those it had to drop).  A record that
 * cannot be written at all (out of memory, or malformed) goes to stderr
 * instead and is counted here as lost to the journal.
 */
static int counted(int r) {
        if (r < 0)
                metrics_count_lost(METRICS_LOST_JOURNAL, 1);
        return r;
}

/*
 * A record's fields, each "NAME=value", for journal-writer.c: a field a
 * record does not have is left out rather than written empty.
 */
#define RECORD_FIELDS_MAX 32

struct record {
        struct iovec iov[RECORD_FIELDS_MAX];
        size_t n;
        bool failed;                    /* out of memory, or out of slots: not sent */
};

static void record_add(struct record *r, const char *format, ...) _printf_(2, 3);
static void record_add(struct record *r, const char *format, ...) {
        char *field;
        va_list ap;
        int n;

        if (r->failed || r->n >= ELEMENTSOF(r->iov)) {
                r->failed = true;
                return;
        }
        va_start(ap, format);
        n = vasprintf(&field, format, ap);
        va_end(ap);
        if (n < 0) {
                r->failed = true;
                return;
        }
        r->iov[r->n++] = (struct iovec) { .iov_base = field, .iov_len = (size_t) n };
}

static void record_done(struct record *r) {
        for (size_t i = 0; i < r->n; i++)
                free(r->iov[i].iov_base);
        r->n = 0;
}

static int record_send(struct record *r) {
        if (r->failed)
                return -ENOMEM;
        return journal_writer_submit(r->iov, r->n);
}

int journal_sink(enum log_level level, const char *message) {
        _cleanup_(record_done) struct record rec = {};

        record_add(&rec, "PRIORITY=%d", (int) level);
        record_add(&rec, "MESSAGE=%s", message);
        return record_send(&rec);
}

/* The MESSAGE of a memory failure: the kernel acted, daxmfd only says where and what it hit. */
static void memory_failure_message(struct record *rec, const struct event_record *ev) {
        const struct event_memory_failure *mf = ev->memory_failure;

        if (ev->device[0])
                record_add(rec, "MESSAGE=memory failure on %s: phys 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64
                           " pages, %s): %s by the kernel (origin %s)", ev->device, ev->phys_start, ev->phys_end,
                           ev->pages, mf->page_type, mf->kernel_result, mf->origin);
        else
                record_add(rec, "MESSAGE=memory failure outside any dax/pmem device (System RAM or other memory): "
                           "phys 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " pages, %s): %s by the kernel (origin %s)",
                           ev->phys_start, ev->phys_end, ev->pages, mf->page_type, mf->kernel_result, mf->origin);
}

int journal_log_event(const struct event_record *ev) {
        _cleanup_(record_done) struct record rec = {};
        const struct event_memory_failure *mf = ev->memory_failure;
        const char *kind = daxmf_event_kind_to_string(ev->kind);
        int r;

        metrics_count_event(kind, ev->result, ev->pages, ev->pages_failed);
        record_add(&rec, "MESSAGE_ID=" DAXMF_MESSAGE_RANGE_EVENT);
        if (mf)
                memory_failure_message(&rec, ev);
        else
                record_add(&rec, "MESSAGE=%s on %s: phys 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " pages): %s, %s",
                           kind, ev->device, ev->phys_start, ev->phys_end, ev->pages,
                           daxmf_action_to_string(ev->action), ev->result);
        record_add(&rec, "PRIORITY=%d", ev->pages_failed ? LOG_LEVEL_ERR : LOG_LEVEL_WARNING);
        record_add(&rec, "DAXMF_EVENT_ID=%" PRIu64, ev->id);
        record_add(&rec, "DAXMF_EVENT=%s", kind);
        record_add(&rec, "DAXMF_DEVICE=%s", ev->device);
        record_add(&rec, "DAXMF_PHYS_START=0x%" PRIx64, ev->phys_start);
        record_add(&rec, "DAXMF_PHYS_END=0x%" PRIx64, ev->phys_end);
        record_add(&rec, "DAXMF_SECTOR=%" PRIu64, ev->sector);
        record_add(&rec, "DAXMF_SECTORS=%" PRIu64, ev->sectors);
        record_add(&rec, "DAXMF_ACTION=%s", daxmf_action_to_string(ev->action));
        record_add(&rec, "DAXMF_RESULT=%s", ev->result);
        record_add(&rec, "DAXMF_PAGES=%" PRIu64, ev->pages);
        record_add(&rec, "DAXMF_PAGES_FAILED=%" PRIu64, ev->pages_failed);
        record_add(&rec, "DAXMF_ELAPSED_USEC=%" PRIu64, ev->elapsed_usec);
        record_add(&rec, "DAXMF_VIA=%s", ev->via);
        record_add(&rec, "DAXMF_REMOVAL_MODE=%s", ev->removal_mode ? ev->removal_mode : "");
        record_add(&rec, "DAXMF_HANDSHAKE=%s", ev->handshake ? ev->handshake : "");
        record_add(&rec, "DAXMF_WAITED_USEC=%" PRIu64, ev->waited_usec);
        if (mf) {
                record_add(&rec, "DAXMF_PAGE_TYPE=%s", mf->page_type);
                record_add(&rec, "DAXMF_KERNEL_RESULT=%s", mf->kernel_result);
                record_add(&rec, "DAXMF_ORIGIN=%s", mf->origin);
                record_add(&rec, "DAXMF_MF_EVENTS=%" PRIu64, mf->events);
                if (mf->job_id)
                        record_add(&rec, "DAXMF_JOB_ID=%" PRIu64, mf->job_id);
                record_add(&rec, "DAXMF_FIRST_USEC=%" PRIu64, mf->first_usec);
                record_add(&rec, "DAXMF_LAST_USEC=%" PRIu64, mf->last_usec);
        }
        r = record_send(&rec);
        if (r < 0)
                fprintf(stderr, "daxmfd: journal unavailable (%d): %s on %s 0x%" PRIx64 "-0x%" PRIx64 " %s %s%s%s\n",
                        r, kind, ev->device[0] ? ev->device : "(no dax/pmem device)", ev->phys_start, ev->phys_end,
                        daxmf_action_to_string(ev->action), ev->result, mf ? " origin " : "", mf ? mf->origin : "");
        return counted(r);
}

int journal_log_memory_failure_lost(const struct memory_failure_lost_record *l) {
        _cleanup_(record_done) struct record rec = {};
        int r;

        metrics_count_lost(METRICS_LOST_MEMORY_FAILURE, l->lost);
        if (l->has_span) {
                record_add(&rec, "MESSAGE_ID=" DAXMF_MESSAGE_MEMORY_FAILURE_LOST);
                record_add(&rec, "MESSAGE=%" PRIu64 " memory-failure event(s) of the kernel not logged (%s, via %s): "
                           "pages within phys 0x%" PRIx64 "-0x%" PRIx64, l->lost, l->reason, l->via, l->phys_start,
                           l->phys_end);
                record_add(&rec, "PRIORITY=%d", LOG_LEVEL_ERR);
                record_add(&rec, "DAXMF_EVENT=memory-failure-lost");
                record_add(&rec, "DAXMF_LOST=%" PRIu64, l->lost);
                record_add(&rec, "DAXMF_LOST_REASON=%s", l->reason);
                record_add(&rec, "DAXMF_PHYS_START=0x%" PRIx64, l->phys_start);
                record_add(&rec, "DAXMF_PHYS_END=0x%" PRIx64, l->phys_end);
                record_add(&rec, "DAXMF_VIA=%s", l->via);
        } else if (l->lost == 0) {
                record_add(&rec, "MESSAGE_ID=" DAXMF_MESSAGE_MEMORY_FAILURE_LOST);
                record_add(&rec, "MESSAGE=memory-failure events of the kernel may not have been logged (%s, via %s): "
                           "how many, and which pages, is not known", l->reason, l->via);
                record_add(&rec, "PRIORITY=%d", LOG_LEVEL_ERR);
                record_add(&rec, "DAXMF_EVENT=memory-failure-lost");
                record_add(&rec, "DAXMF_LOST=0");
                record_add(&rec, "DAXMF_LOST_REASON=%s", l->reason);
                record_add(&rec, "DAXMF_VIA=%s", l->via);
        } else {
                record_add(&rec, "MESSAGE_ID=" DAXMF_MESSAGE_MEMORY_FAILURE_LOST);
                record_add(&rec, "MESSAGE=at least %" PRIu64 " memory-failure event(s) of the kernel not logged "
                           "(%s, via %s): pages unknown", l->lost, l->reason, l->via);
                record_add(&rec, "PRIORITY=%d", LOG_LEVEL_ERR);
                record_add(&rec, "DAXMF_EVENT=memory-failure-lost");
                record_add(&rec, "DAXMF_LOST=%" PRIu64, l->lost);
                record_add(&rec, "DAXMF_LOST_REASON=%s", l->reason);
                record_add(&rec, "DAXMF_VIA=%s", l->via);
        }
        r = record_send(&rec);
        if (r < 0)
                fprintf(stderr, "daxmfd: %" PRIu64 " memory-failure event(s) not logged (%s, via %s)\n", l->lost,
                        l->reason, l->via);
        return counted(r);
}

int journal_log_cleared(const char *device, uint64_t sector, uint64_t sectors, uint64_t phys_start,
                        uint64_t phys_end) {
        _cleanup_(record_done) struct record rec = {};
        int r;

        record_add(&rec, "MESSAGE_ID=" DAXMF_MESSAGE_POISON_CLEARED);
        record_add(&rec, "MESSAGE=poison cleared on %s: sectors %" PRIu64 "+%" PRIu64, device, sector, sectors);
        record_add(&rec, "PRIORITY=%d", LOG_LEVEL_INFO);
        record_add(&rec, "DAXMF_EVENT=poison-cleared");
        record_add(&rec, "DAXMF_DEVICE=%s", device);
        record_add(&rec, "DAXMF_SECTOR=%" PRIu64, sector);
        record_add(&rec, "DAXMF_SECTORS=%" PRIu64, sectors);
        record_add(&rec, "DAXMF_PHYS_START=0x%" PRIx64, phys_start);
        record_add(&rec, "DAXMF_PHYS_END=0x%" PRIx64, phys_end);
        r = record_send(&rec);
        if (r < 0)
                fprintf(stderr, "daxmfd: journal unavailable (%d): poison cleared on %s sectors %" PRIu64 "+%" PRIu64 "\n",
                        r, device, sector, sectors);
        return counted(r);
}

int journal_log_degraded(const char *reason) {
        _cleanup_(record_done) struct record rec = {};
        int r;

        record_add(&rec, "MESSAGE_ID=" DAXMF_MESSAGE_DEGRADED);
        record_add(&rec, "MESSAGE=degraded: %s", reason);
        record_add(&rec, "PRIORITY=%d", LOG_LEVEL_WARNING);
        record_add(&rec, "DAXMF_DEGRADED=%s", reason);
        r = record_send(&rec);
        if (r < 0)
                fprintf(stderr, "daxmfd: degraded: %s\n", reason);
        return counted(r);
}

int journal_log_file(const struct file_record *f) {
        char inventory[32] = "", note[64] = "";
        _cleanup_(record_done) struct record rec = {};
        int r;

        if (f->inventory_usec) {
                time_t t = (time_t) (f->inventory_usec / 1000000);
                struct tm tm;

                snprintf(inventory, sizeof(inventory), "%" PRIu64, f->inventory_usec);
        if (gmtime_r(&t, &tm))
                        strftime(note, sizeof(note), " (from the inventory of %Y-%m-%d %H:%M:%S UTC)", &tm);
        }
        metrics_count_files(1);
        record_add(&rec, "MESSAGE_ID=" DAXMF_MESSAGE_FILE);
        if (f->path)
                record_add(&rec, "MESSAGE=%s on %s hits %s at offset 0x%" PRIx64 " (%" PRIu64 " bytes)%s%s",
                           f->event, f->device, f->path, f->file_offset, f->length,
                           f->shared ? ", shared (reflink)" : "", note);
        else
                record_add(&rec, "MESSAGE=%s on %s hits filesystem metadata: %s (%" PRIu64 " bytes)%s",
                           f->event, f->device, f->metadata, f->length, note);
        record_add(&rec, "PRIORITY=%d", LOG_LEVEL_ERR);
        record_add(&rec, "DAXMF_EVENT_ID=%" PRIu64, f->event_id);
        record_add(&rec, "DAXMF_EVENT=%s", f->event);
        record_add(&rec, "DAXMF_DEVICE=%s", f->device);
        record_add(&rec, "DAXMF_PHYS_START=0x%" PRIx64, f->phys_start);
        record_add(&rec, "DAXMF_PHYS_END=0x%" PRIx64, f->phys_end);
        record_add(&rec, "DAXMF_NS_OFFSET=0x%" PRIx64, f->dev_offset);
        record_add(&rec, "DAXMF_SECTOR=%" PRIu64, f->dev_offset / 512);
        if (f->path) {
                record_add(&rec, "DAXMF_FILE=%s", f->path);
                record_add(&rec, "DAXMF_INODE=%" PRIu64, f->inode);
                record_add(&rec, "DAXMF_FILE_OFFSET=0x%" PRIx64, f->file_offset);
                record_add(&rec, "DAXMF_SHARED=%d", f->shared);
        } else
                record_add(&rec, "DAXMF_METADATA=%s", f->metadata);
        record_add(&rec, "DAXMF_LENGTH=%" PRIu64, f->length);
        record_add(&rec, "DAXMF_SOURCE=%s", f->inventory_usec ? "inventory" : "live");
        record_add(&rec, "DAXMF_INVENTORY_USEC=%s", inventory);
        r = record_send(&rec);
        if (r < 0)
                fprintf(stderr, "daxmfd: %s on %s hits %s at 0x%" PRIx64 "%s\n", f->event, f->device,
                        f->path ? f->path : f->metadata, f->file_offset, note);
        return counted(r);
}

int journal_log_process(const struct process_record *p) {
        _cleanup_(record_done) struct record rec = {};
        int r;

        metrics_count_processes(1);
        record_add(&rec, "MESSAGE_ID=" DAXMF_MESSAGE_PROCESS);
        record_add(&rec, "MESSAGE=%s on %s: process %d (%s)%s%s maps %s at 0x%" PRIx64 "-0x%" PRIx64, p->event,
                   p->device, p->pid, p->comm, p->unit[0] ? " of " : "", p->unit, p->path, p->addr_start, p->addr_end);
        record_add(&rec, "PRIORITY=%d", LOG_LEVEL_WARNING);
        record_add(&rec, "DAXMF_EVENT_ID=%" PRIu64, p->event_id);
        record_add(&rec, "DAXMF_EVENT=%s", p->event);
        record_add(&rec, "DAXMF_DEVICE=%s", p->device);
        record_add(&rec, "DAXMF_PID=%d", p->pid);
        record_add(&rec, "DAXMF_COMM=%s", p->comm);
        record_add(&rec, "DAXMF_UNIT=%s", p->unit);
        record_add(&rec, "DAXMF_FILE=%s", p->path);
        record_add(&rec, "DAXMF_ADDR_START=0x%" PRIx64, p->addr_start);
        record_add(&rec, "DAXMF_ADDR_END=0x%" PRIx64, p->addr_end);
        record_add(&rec, "DAXMF_FILE_OFFSET=0x%" PRIx64, p->map_offset);
        r = record_send(&rec);
        if (r < 0)
                fprintf(stderr, "daxmfd: %s on %s: process %d (%s) maps %s\n", p->event, p->device, p->pid, p->comm,
                        p->path);
        return counted(r);
}

int journal_log_more(uint64_t event_id, const char *event, const char *device, const char *kind, uint64_t n) {
        _cleanup_(record_done) struct record rec = {};
        int r;

        /* Affected all the same, only not logged one by one. */
        if (strcmp(kind, DAXMF_MORE_FILES) == 0) {
                metrics_count_files(n);
                metrics_count_lost(METRICS_LOST_FILES, n);
        } else if (strcmp(kind, DAXMF_MORE_PROCESSES) == 0) {
                metrics_count_processes(n);
                metrics_count_lost(METRICS_LOST_PROCESSES, n);
        }
        record_add(&rec, "MESSAGE_ID=" DAXMF_MESSAGE_MORE);
        record_add(&rec, "MESSAGE=%s on %s: %" PRIu64 " more %s not logged one by one", event, device, n, kind);
        record_add(&rec, "PRIORITY=%d", LOG_LEVEL_WARNING);
        record_add(&rec, "DAXMF_EVENT_ID=%" PRIu64, event_id);
        record_add(&rec, "DAXMF_EVENT=%s", event);
        record_add(&rec, "DAXMF_DEVICE=%s", device);
        record_add(&rec, "DAXMF_MORE_KIND=%s", kind);
        record_add(&rec, "DAXMF_MORE=%" PRIu64, n);
        r = record_send(&rec);
        if (r < 0)
                fprintf(stderr, "daxmfd: %s on %s: %" PRIu64 " more %s\n", event, device, n, kind);
        return counted(r);
}
