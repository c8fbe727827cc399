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

/* One line of trace_pipe: "... memory_failure_event: pfn 0x40018: recovery action for dax page: Recovered". */
struct tracefs_mf_line {
        uint64_t pfn;
        uint64_t timestamp_ns;          /* the trace clock's (the instance is set to "mono") */
        char page_type[64];             /* "dax page" */
        char result[32];                /* "Recovered" */
};

/* 0 for a memory_failure_event line, -ENOENT for another event's, -EBADMSG when malformed. */
int tracefs_mf_parse_line(const char *line, size_t len, struct tracefs_mf_line *ret);

/* The kernel's enum values for its names (6.1's tables); -ENOENT for a name 6.1 does not have. */
int tracefs_mf_page_type_from_name(const char *name, uint32_t *ret);
int tracefs_mf_result_from_name(const char *name, uint32_t *ret);

struct tracefs_mf;

/*
 * Find tracefs (/sys/kernel/tracing, else debugfs's tracing), make the
 * instance, set its clock, enable the event and open trace_pipe
 * non-blocking.  -ENOENT without tracefs or without the event, -EACCES/-EROFS
 * when not allowed; *ret_why says which, for STATUS.
 */
int tracefs_mf_open(struct tracefs_mf **ret, uint32_t records, uint64_t window_ns, uint64_t max_delay_ns,
                    const char **ret_why);
/* Disable the event and remove the instance. */
struct tracefs_mf *tracefs_mf_close(struct tracefs_mf *t);
int tracefs_mf_fd(struct tracefs_mf *t);

/* Read what trace_pipe has (never blocks) and coalesce it; now_ns on CLOCK_MONOTONIC. */
int tracefs_mf_read(struct tracefs_mf *t, uint64_t now_ns);
/* Ranges closed by now (all with force), oldest first; see daxmf_mf_take(). */
size_t tracefs_mf_take(struct tracefs_mf *t, uint64_t now_ns, bool force, struct daxmf_mf_range *out, size_t max);
/* When the next range closes, or false when none is held. */
bool tracefs_mf_next_close(struct tracefs_mf *t, uint64_t *ret_ns);
/* Events dropped (buffer full, or unparsable lines), see daxmf_mf_take_lost(). */
uint64_t tracefs_mf_take_lost(struct tracefs_mf *t, uint64_t *ret_first_pfn, uint64_t *ret_last_pfn);
/* The names of a key's page type and result, for the journal. */
const char *tracefs_mf_page_type_name(uint32_t type);
const char *tracefs_mf_result_name(uint32_t result);
