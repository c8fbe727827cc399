/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mf-coalesce.h"

/*
 * The kernel's memory failures without the daxmf module: the tracepoint
 * ras:memory_failure_event read through tracefs, in a trace instance of
 * daxmfd's own (instances/daxmfd), so neither the global buffer nor another
 * reader (rasdaemon) is disturbed.  Events are coalesced into ranges by the
 * module's own coalescer (kmod/mf-coalesce.c), with origin
 * DAXMF_MF_ORIGIN_KERNEL: tracefs cannot tell who called memory_failure().
 */

#define TRACEFS_MF_EVENT "memory_failure_event"

/* One line of trace_pipe: "... memory_failure_event: pfn 0x40018: recovery action for dax page: Recovered". */
struct tracefs_mf_line {
        uint64_t pfn;
        uint64_t timestamp_ns;          /* the trace clock's (the instance is set to "mono") */
        char page_type[64];             /* "dax page" */
        char result[32];                /* "Recovered" */
};

/*
 * 0 for a memory_failure_event line, -ENOENT for another event's, -EBADMSG when malformed.  The
 * line may end in one '\n'; at most TRACEFS_MF_LINE_MAX bytes.  Only the timestamp and what
 * follows it are read: the task's name before them is anybody's to choose.  *ret is written only
 * on success.
 */
#define TRACEFS_MF_LINE_MAX 1024
int tracefs_mf_parse_line(const char *line, size_t len, struct tracefs_mf_line *ret);

/*
 * "CPU:2 [LOST 17 EVENTS]": trace_pipe's word that the ring buffer overwrote events before they
 * were read.  0 and their number ("[LOST EVENTS]", number unknown: 1, at least one was), or
 * -ENOENT for any other line.
 */
int tracefs_mf_parse_lost_line(const char *line, size_t len, uint64_t *ret);

/* The kernel's enum values for its names (6.1's tables); -ENOENT for a name 6.1 does not have. */
int tracefs_mf_page_type_from_name(const char *name, uint32_t *ret);
int tracefs_mf_result_from_name(const char *name, uint32_t *ret);

/*
 * The id of any name: 6.1's enum value, else an id from TRACEFS_MF_EXTRA_ID given to the name
 * the first time it is met (a newer kernel's), so that it is not lost.  -ENOSPC once
 * TRACEFS_MF_EXTRA_NAMES such names are held, -EINVAL for an empty or too long name.  Not
 * thread-safe: the table is the process's.
 */
#define TRACEFS_MF_EXTRA_ID 1000
#define TRACEFS_MF_EXTRA_NAMES 16
int tracefs_mf_page_type_id(const char *name, uint32_t *ret);
int tracefs_mf_result_id(const char *name, uint32_t *ret);

struct tracefs_mf;

/*
 * Find tracefs (/sys/kernel/tracing, else debugfs's tracing), make the
 * instance, set its clock, enable the event and open trace_pipe
 * non-blocking.  -ENOENT without tracefs or without the event, -EACCES/-EROFS
 * when not allowed; *ret_why says which, for STATUS.
 */
int tracefs_mf_open(struct tracefs_mf **ret, uint32_t records, uint64_t window_ns, uint64_t max_delay_ns,
                    const char **ret_why);
/* The same in the tracefs at tracing (for tests: any directory laid out like one). */
int tracefs_mf_open_at(const char *tracing, struct tracefs_mf **ret, uint32_t records, uint64_t window_ns,
                       uint64_t max_delay_ns, const char **ret_why);
/* Disable the event and remove the instance. */
struct tracefs_mf *tracefs_mf_close(struct tracefs_mf *t);
int tracefs_mf_fd(struct tracefs_mf *t);
/*
 * Whether the instance's clock is "mono": then events are timed by the trace itself, else (the
 * kernel refused it; logged at open) by the now_ns of the read that met them.
 */
bool tracefs_mf_clock_mono(struct tracefs_mf *t);

/*
 * Read what trace_pipe has (never blocks) and coalesce it; now_ns on CLOCK_MONOTONIC.  At most
 * 256 KiB a call, so a storm does not hold the caller's loop: trace_pipe stays readable.  When the
 * buffer fills up its ranges are set aside at once, closed, for tracefs_mf_take() (the module
 * sends a full buffer at once); only when that is full too are events dropped.  0, or a negative
 * errno from read().
 */
int tracefs_mf_read(struct tracefs_mf *t, uint64_t now_ns);
/* Ranges closed by now (all with force), oldest first; see daxmf_mf_take(). */
size_t tracefs_mf_take(struct tracefs_mf *t, uint64_t now_ns, bool force, struct daxmf_mf_range *out, size_t max);
/*
 * When the next range closes, or false when none is held.  The time may have passed already
 * (ranges set aside when the buffer filled up: 0).
 */
bool tracefs_mf_next_close(struct tracefs_mf *t, uint64_t *ret_ns);
/*
 * Events dropped (buffer full, or unparsable lines), see daxmf_mf_take_lost().  The span is of the
 * events whose pfn is known: lines that did not parse, and events the ring buffer overwrote, are
 * counted without one.
 */
uint64_t tracefs_mf_take_lost(struct tracefs_mf *t, uint64_t *ret_first_pfn, uint64_t *ret_last_pfn);
/* The names of a key's page type and result, for the journal; NULL for an id never given out. */
const char *tracefs_mf_page_type_name(uint32_t type);
const char *tracefs_mf_result_name(uint32_t result);
