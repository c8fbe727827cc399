/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <unistd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <systemd/sd-journal.h>

#include "journal.h"
#include "metrics.h"

/*
 * sd_journal_send() reports success when journald is not running at all
 * (it drops the message), so look for its socket first: without it,
 * messages go to stderr instead of nowhere.
 */
static int journal_available(void) {
        return access("/run/systemd/journal/socket", W_OK) == 0 ? 0 : -ENOENT;
}

/*
 * Every record is counted here, the one path they all take (metrics.c):
 * one journald did not take went to stderr instead, and is counted as
 * lost to the journal.
 */
static int counted(int r) {
        if (r < 0)
                metrics_count_lost(METRICS_LOST_JOURNAL, 1);
        return r;
}

int journal_sink(enum log_level level, const char *message) {
        int r = journal_available();

        if (r < 0)
                return r;
        return sd_journal_print((int) level, "%s", message);
}

int journal_log_event(const struct event_record *ev) {
        const char *kind = daxmf_event_kind_to_string(ev->kind);
        int r;

        metrics_count_event(kind, ev->result, ev->pages, ev->pages_failed);
        r = journal_available();
        if (r >= 0)
                r = sd_journal_send(
                "MESSAGE_ID=" DAXMF_MESSAGE_RANGE_EVENT,
                "MESSAGE=%s on %s: phys 0x%" PRIx64 "-0x%" PRIx64 " (%" PRIu64 " pages): %s, %s",
                kind, ev->device, ev->phys_start, ev->phys_end, ev->pages,
                daxmf_action_to_string(ev->action), ev->result,
                "PRIORITY=%d", ev->pages_failed ? LOG_LEVEL_ERR : LOG_LEVEL_WARNING,
                "DAXMF_EVENT_ID=%" PRIu64, ev->id,
                "DAXMF_EVENT=%s", kind,
                "DAXMF_DEVICE=%s", ev->device,
                "DAXMF_PHYS_START=0x%" PRIx64, ev->phys_start,
                "DAXMF_PHYS_END=0x%" PRIx64, ev->phys_end,
                "DAXMF_SECTOR=%" PRIu64, ev->sector,
                "DAXMF_SECTORS=%" PRIu64, ev->sectors,
                "DAXMF_ACTION=%s", daxmf_action_to_string(ev->action),
                "DAXMF_RESULT=%s", ev->result,
                "DAXMF_PAGES=%" PRIu64, ev->pages,
                "DAXMF_PAGES_FAILED=%" PRIu64, ev->pages_failed,
                "DAXMF_ELAPSED_USEC=%" PRIu64, ev->elapsed_usec,
                "DAXMF_VIA=%s", ev->via,
                "DAXMF_REMOVAL_MODE=%s", ev->removal_mode ? ev->removal_mode : "",
                "DAXMF_HANDSHAKE=%s", ev->handshake ? ev->handshake : "",
                "DAXMF_WAITED_USEC=%" PRIu64, ev->waited_usec,
                NULL);
        if (r < 0)
                fprintf(stderr, "daxmfd: journal unavailable (%d): %s on %s 0x%" PRIx64 "-0x%" PRIx64 " %s %s\n",
                        r, kind, ev->device, ev->phys_start, ev->phys_end,
                        daxmf_action_to_string(ev->action), ev->result);
        return counted(r);
}

int journal_log_cleared(const char *device, uint64_t sector, uint64_t sectors, uint64_t phys_start,
                        uint64_t phys_end) {
        int r;

        r = journal_available();
        if (r >= 0)
                r = sd_journal_send(
                "MESSAGE_ID=" DAXMF_MESSAGE_POISON_CLEARED,
                "MESSAGE=poison cleared on %s: sectors %" PRIu64 "+%" PRIu64, device, sector, sectors,
                "PRIORITY=%d", LOG_LEVEL_INFO,
                "DAXMF_EVENT=poison-cleared",
                "DAXMF_DEVICE=%s", device,
                "DAXMF_SECTOR=%" PRIu64, sector,
                "DAXMF_SECTORS=%" PRIu64, sectors,
                "DAXMF_PHYS_START=0x%" PRIx64, phys_start,
                "DAXMF_PHYS_END=0x%" PRIx64, phys_end,
                NULL);
        if (r < 0)
                fprintf(stderr, "daxmfd: journal unavailable (%d): poison cleared on %s sectors %" PRIu64 "+%" PRIu64 "\n",
                        r, device, sector, sectors);
        return counted(r);
}

int journal_log_degraded(const char *reason) {
        int r;

        r = journal_available();
        if (r >= 0)
                r = sd_journal_send(
                "MESSAGE_ID=" DAXMF_MESSAGE_DEGRADED,
                "MESSAGE=degraded: %s", reason,
                "PRIORITY=%d", LOG_LEVEL_WARNING,
                "DAXMF_DEGRADED=%s", reason,
                NULL);
        if (r < 0)
                fprintf(stderr, "daxmfd: degraded: %s\n", reason);
        return counted(r);
}

int journal_log_file(const struct file_record *f) {
        char inventory[32] = "", note[64] = "";
        int r;

        if (f->inventory_usec) {
                time_t t = (time_t) (f->inventory_usec / 1000000);
                struct tm tm;

                snprintf(inventory, sizeof(inventory), "%" PRIu64, f->inventory_usec);
                if (gmtime_r(&t, &tm))
                        strftime(note, sizeof(note), " (from the inventory of %Y-%m-%d %H:%M:%S UTC)", &tm);
        }
        metrics_count_files(1);
        r = journal_available();
        if (r >= 0) {
                if (f->path)
                        r = sd_journal_send(
                        "MESSAGE_ID=" DAXMF_MESSAGE_FILE,
                        "MESSAGE=%s on %s hits %s at offset 0x%" PRIx64 " (%" PRIu64 " bytes)%s%s", f->event, f->device,
                        f->path, f->file_offset, f->length, f->shared ? ", shared (reflink)" : "", note,
                        "PRIORITY=%d", LOG_LEVEL_ERR,
                        "DAXMF_EVENT_ID=%" PRIu64, f->event_id,
                        "DAXMF_EVENT=%s", f->event,
                        "DAXMF_DEVICE=%s", f->device,
                        "DAXMF_PHYS_START=0x%" PRIx64, f->phys_start,
                        "DAXMF_PHYS_END=0x%" PRIx64, f->phys_end,
                        "DAXMF_NS_OFFSET=0x%" PRIx64, f->dev_offset,
                        "DAXMF_SECTOR=%" PRIu64, f->dev_offset / 512,
                        "DAXMF_FILE=%s", f->path,
                        "DAXMF_INODE=%" PRIu64, f->inode,
                        "DAXMF_FILE_OFFSET=0x%" PRIx64, f->file_offset,
                        "DAXMF_LENGTH=%" PRIu64, f->length,
                        "DAXMF_SHARED=%d", f->shared,
                        "DAXMF_SOURCE=%s", f->inventory_usec ? "inventory" : "live",
                        "DAXMF_INVENTORY_USEC=%s", inventory,
                        NULL);
                else
                        r = sd_journal_send(
                        "MESSAGE_ID=" DAXMF_MESSAGE_FILE,
                        "MESSAGE=%s on %s hits filesystem metadata: %s (%" PRIu64 " bytes)%s", f->event, f->device,
                        f->metadata, f->length, note,
                        "PRIORITY=%d", LOG_LEVEL_ERR,
                        "DAXMF_EVENT_ID=%" PRIu64, f->event_id,
                        "DAXMF_EVENT=%s", f->event,
                        "DAXMF_DEVICE=%s", f->device,
                        "DAXMF_PHYS_START=0x%" PRIx64, f->phys_start,
                        "DAXMF_PHYS_END=0x%" PRIx64, f->phys_end,
                        "DAXMF_NS_OFFSET=0x%" PRIx64, f->dev_offset,
                        "DAXMF_SECTOR=%" PRIu64, f->dev_offset / 512,
                        "DAXMF_METADATA=%s", f->metadata,
                        "DAXMF_LENGTH=%" PRIu64, f->length,
                        "DAXMF_SOURCE=%s", f->inventory_usec ? "inventory" : "live",
                        "DAXMF_INVENTORY_USEC=%s", inventory,
                        NULL);
        }
        if (r < 0)
                fprintf(stderr, "daxmfd: %s on %s hits %s at 0x%" PRIx64 "%s\n", f->event, f->device,
                        f->path ? f->path : f->metadata, f->file_offset, note);
        return counted(r);
}

int journal_log_process(const struct process_record *p) {
        int r;

        metrics_count_processes(1);
        r = journal_available();
        if (r >= 0)
                r = sd_journal_send(
                "MESSAGE_ID=" DAXMF_MESSAGE_PROCESS,
                "MESSAGE=%s on %s: process %d (%s)%s%s maps %s at 0x%" PRIx64 "-0x%" PRIx64, p->event, p->device,
                p->pid, p->comm, p->unit[0] ? " of " : "", p->unit, p->path, p->addr_start, p->addr_end,
                "PRIORITY=%d", LOG_LEVEL_WARNING,
                "DAXMF_EVENT_ID=%" PRIu64, p->event_id,
                "DAXMF_EVENT=%s", p->event,
                "DAXMF_DEVICE=%s", p->device,
                "DAXMF_PID=%d", p->pid,
                "DAXMF_COMM=%s", p->comm,
                "DAXMF_UNIT=%s", p->unit,
                "DAXMF_FILE=%s", p->path,
                "DAXMF_ADDR_START=0x%" PRIx64, p->addr_start,
                "DAXMF_ADDR_END=0x%" PRIx64, p->addr_end,
                "DAXMF_FILE_OFFSET=0x%" PRIx64, p->map_offset,
                NULL);
        if (r < 0)
                fprintf(stderr, "daxmfd: %s on %s: process %d (%s) maps %s\n", p->event, p->device, p->pid, p->comm,
                        p->path);
        return counted(r);
}

int journal_log_more(uint64_t event_id, const char *event, const char *device, const char *kind, uint64_t n) {
        int r;

        /* Affected all the same, only not logged one by one. */
        if (strcmp(kind, DAXMF_MORE_FILES) == 0) {
                metrics_count_files(n);
                metrics_count_lost(METRICS_LOST_FILES, n);
        } else if (strcmp(kind, DAXMF_MORE_PROCESSES) == 0) {
                metrics_count_processes(n);
                metrics_count_lost(METRICS_LOST_PROCESSES, n);
        }
        r = journal_available();
        if (r >= 0)
                r = sd_journal_send(
                "MESSAGE_ID=" DAXMF_MESSAGE_MORE,
                "MESSAGE=%s on %s: %" PRIu64 " more %s not logged one by one", event, device, n, kind,
                "PRIORITY=%d", LOG_LEVEL_WARNING,
                "DAXMF_EVENT_ID=%" PRIu64, event_id,
                "DAXMF_EVENT=%s", event,
                "DAXMF_DEVICE=%s", device,
                "DAXMF_MORE_KIND=%s", kind,
                "DAXMF_MORE=%" PRIu64, n,
                NULL);
        if (r < 0)
                fprintf(stderr, "daxmfd: %s on %s: %" PRIu64 " more %s\n", event, device, n, kind);
        return counted(r);
}
