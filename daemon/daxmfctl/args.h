/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "daxmf-kernel.h"

enum daxmfctl_command {
        DAXMFCTL_HELP,
        DAXMFCTL_VERSION,
        DAXMFCTL_INFO,
        DAXMFCTL_FAIL_RANGE,
        DAXMFCTL_MONITOR,
        DAXMFCTL_STATUS,
        DAXMFCTL_RESCAN,
        DAXMFCTL_FILES,
        DAXMFCTL_REPORT,
        DAXMFCTL_SCAN,
        DAXMFCTL_INVENTORY,
};

struct daxmfctl_args {
        enum daxmfctl_command command;
        bool json;
        struct daxmf_range_request range;
        uint64_t count;         /* monitor: stop after this many ranges; 0: never */
        char device[256];       /* files: DEVICE OFFSET LENGTH, or DEVICE --ranges FILE */
        uint64_t offset;
        uint64_t length;
        const char *ranges;     /* files: "OFFSET LENGTH" lines, "-" for stdin; NULL: the operands */
        bool inventory;         /* files: from daxmfd's saved snapshot, not the live filesystem */
        bool yes;               /* fail-range: the operator means it (it poisons memory) */
        /* report: which journal records; since/until in CLOCK_REALTIME usec, 0: unbounded */
        uint64_t since_usec;
        uint64_t until_usec;
        const char *filter_device;      /* report: DAXMF_DEVICE (pmem0, dax0.0); NULL: any */
        const char *filter_file;        /* report: only events that named this file; NULL: any */
        const char *journal_directory;  /* report: read this journal directory, not the system's */
        bool has_device;        /* scan, inventory: DEVICE given (in device[]) */
        bool refresh;           /* inventory: ask daxmfd to take every inventory again now */
};

/*
 * Parse the command line.  Returns 0, or -EINVAL with a sentence in
 * error[] saying what is wrong.  Numbers are checked here (they cannot be
 * encoded otherwise); whether a range makes sense is the module's call.
 */
int daxmfctl_parse_args(int argc, char *argv[], struct daxmfctl_args *ret,
                        char *error, size_t error_size);

/*
 * For a command line that did not parse: whether it asks for JSON (--json
 * or -j anywhere, also inside a cluster such as -jh), and the command it
 * names (NULL when its first operand is none), so that the usage error can
 * be told on stdout as JSON as well.
 */
void daxmfctl_usage_context(int argc, char *argv[], bool *ret_json, const char **ret_command);

void daxmfctl_print_help(void);
