/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "macro.h"

/*
 * The one logging path: every message goes through log_full().  Tools log to
 * stderr prefixed with their name; the daemon will add the journal.
 */
enum log_level {
        LOG_LEVEL_ERR = 3,
        LOG_LEVEL_WARNING = 4,
        LOG_LEVEL_INFO = 6,
        LOG_LEVEL_DEBUG = 7,
};

void log_set_program(const char *name);

/*
 * Where messages go: stderr by default.  A sink returning < 0 did not
 * deliver the message; it then goes to stderr, so nothing is lost.
 */
typedef int (*log_sink_t)(enum log_level level, const char *message);
void log_set_sink(log_sink_t sink);
void log_set_max_level(enum log_level level);

/* Logs and returns -abs(error) (or 0 when error is 0) for "return log_...". */
int log_full(enum log_level level, int error, const char *format, ...) _printf_(3, 4);

#define log_error_errno(error, ...) log_full(LOG_LEVEL_ERR, (error), __VA_ARGS__)
#define log_error(...) log_full(LOG_LEVEL_ERR, 0, __VA_ARGS__)
#define log_warning(...) log_full(LOG_LEVEL_WARNING, 0, __VA_ARGS__)
#define log_info(...) log_full(LOG_LEVEL_INFO, 0, __VA_ARGS__)
#define log_debug(...) log_full(LOG_LEVEL_DEBUG, 0, __VA_ARGS__)
