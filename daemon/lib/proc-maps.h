/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/*
 * One line of /proc/PID/maps, parsed in place:
 * "start-end perms offset major:minor inode   path".
 * The path is "" for anonymous mappings.  -EBADMSG for anything else.
 */
struct maps_entry {
        uint64_t start, end;
        char perms[5];
        uint64_t offset;
        unsigned major, minor;
        uint64_t inode;
        const char *path;
};

int maps_parse_line(char *line, struct maps_entry *ret);
