/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>
#include <systemd/sd-event.h>

#include "journal-queue.h"

/*
 * How daxmfd's records reach journald: its own non-blocking datagram to
 * /run/systemd/journal/socket (the native protocol, as sd_journal_sendv()
 * writes it), so that a journald that is gone (no socket: ENOENT; nobody
 * bound to it: ECONNREFUSED) or not reading (its queue full: EAGAIN) never
 * blocks the event loop nor loses a record silently.  What journald does not
 * take waits in a bounded queue (journal-queue.h), in order, each record with
 * its own time in DAXMF_RECORD_USEC (journald stamps the arrival), and is
 * written on a timer once journald is back; records the full queue dropped
 * are counted in a record at their place, and the outage is summed up in one
 * more record when it ends.
 */

/* Every record carries the time it was made, microseconds since the epoch. */
#define JOURNAL_FIELD_RECORD_USEC "DAXMF_RECORD_USEC"

/* A record's fields ("NAME=value"): 0 written or queued, < 0 lost (counted). */
int journal_writer_submit(const struct iovec *iov, size_t n);

/* Bounds of the queue (records, bytes); records beyond them are dropped and counted. */
void journal_writer_set_bounds(size_t max_records, size_t max_bytes);

/* Retries on e's timer from now on; changed() whenever the journal comes or goes. */
int journal_writer_attach(sd_event *e, void (*changed)(void *userdata), void *userdata);

/* At exit: a last try; what is still queued is said on stderr and counted lost. */
void journal_writer_stop(void);

struct journal_writer_status {
        bool available;
        int error;                      /* why not (negative errno), 0 when available */
        uint64_t since_usec;            /* realtime: unavailable since */
        size_t queued, queued_bytes, max_records, max_bytes;
        uint64_t delayed;               /* records written late, over the run */
        uint64_t dropped;               /* records dropped from the full queue, over the run */
};

void journal_writer_status(struct journal_writer_status *ret);

/* For STATUS=: "" while journald takes everything, else what is wrong and how much waits. */
const char *journal_writer_describe(char *buf, size_t size);

/* The manager is going away: no more changed() calls (records still go out or wait). */
void journal_writer_detach(void);
