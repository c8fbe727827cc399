/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <json-c/json.h>

#include "daxmf-reply.h"

/* JSON documents the commands print with --json. */
struct json_object *daxmfctl_info_json(const struct daxmf_info *info);
struct json_object *daxmfctl_range_json(const struct daxmf_range_result *res);
struct json_object *daxmfctl_error_json(const char *command, const struct daxmf_error *e);

struct json_object *daxmfctl_event_json(const struct daxmf_range_result *ev);
void daxmfctl_print_event(const struct daxmf_range_result *ev);

struct json_object *daxmfctl_removal_json(const struct daxmf_removal *rm);
void daxmfctl_print_removal(const struct daxmf_removal *rm);
struct json_object *daxmfctl_removal_pending_json(const struct daxmf_removal_pending *p);
void daxmfctl_print_removal_pending(const struct daxmf_removal_pending *p);

/* The kernel's memory failures: one coalesced range, and events the module dropped. */
struct json_object *daxmfctl_memory_failure_json(const struct daxmf_memory_failure *mf);
void daxmfctl_print_memory_failure(const struct daxmf_memory_failure *mf);
struct json_object *daxmfctl_memory_failure_lost_json(const struct daxmf_memory_failure_lost *lost);
void daxmfctl_print_memory_failure_lost(const struct daxmf_memory_failure_lost *lost);

void daxmfctl_print_info(const struct daxmf_info *info);
void daxmfctl_print_range(const struct daxmf_range_result *res);

/* "ENXIO (No such device or address): <extack text> [pfn 0x...]" on stderr. */
void daxmfctl_log_error(const char *command, const struct daxmf_error *e);

/*
 * A command's failure, told once: on stderr, and as {"error": ...} on
 * stdout with --json.  Returns EXIT_FAILURE.
 */
int daxmfctl_report_error(const char *command, bool json, const struct daxmf_error *e);
int daxmfctl_fail(const char *command, bool json, int error, const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/*
 * A command line that did not parse: {"error": {...}} as for any failure
 * (EINVAL, the message), with "usage": true; command may be NULL.
 */
struct json_object *daxmfctl_usage_error_json(const char *command, const char *message);

/* Print a JSON document on stdout and drop it. */
void daxmfctl_print_json(struct json_object *o);
/* The same, on one line (for streams of events). */
void daxmfctl_print_json_line(struct json_object *o);

/*
 * s for a terminal: control characters as \xNN and backslash as \\.  File
 * and process names are anybody's to choose, and an escape sequence in
 * one must not rewrite what root reads.  (JSON escapes its own.)  Free the
 * result; NULL when out of memory.
 */
char *daxmfctl_escape(const char *s);
