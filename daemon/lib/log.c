/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdarg.h>
#include <stdio.h>

#include "log.h"

static const char *log_program = "daxmf";
static enum log_level log_max_level = LOG_LEVEL_INFO;
static log_sink_t log_sink;

void log_set_sink(log_sink_t sink) {
        log_sink = sink;
}

void log_set_program(const char *name) {
        log_program = name;
}

void log_set_max_level(enum log_level level) {
        log_max_level = level;
}

int log_full(enum log_level level, int error, const char *format, ...) {
        int saved_errno = errno;
        va_list ap;

        if (level <= log_max_level) {
                char message[1024];

                va_start(ap, format);
                vsnprintf(message, sizeof(message), format, ap);
                va_end(ap);
                if (!log_sink || log_sink(level, message) < 0)
                        fprintf(stderr, "%s: %s\n", log_program, message);
        }

        errno = saved_errno;
        return error < 0 ? error : -error;
}
