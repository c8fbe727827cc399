/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/*
 * One line of /proc/self/mountinfo, parsed in place: the strings point
 * into the line, their octal escapes (\040 for a space) decoded.
 * -EBADMSG for a line that is not a mountinfo line.
 */
struct mountinfo_entry {
        unsigned major, minor;
        const char *root;               /* the filesystem's directory mounted */
        const char *mountpoint;
        const char *fstype;
        const char *source;
        const char *super_options;      /* "rw,dax=always,..." */
};

int mountinfo_parse_line(char *line, struct mountinfo_entry *ret);

/*
 * Where the filesystem on block device major:minor is mounted (its first
 * mount of its root, else its first mount): a copy of the mount point and
 * the filesystem type in the caller's buffers.  -ENOENT when not mounted.
 */
int mountinfo_find(const char *path, unsigned major, unsigned minor, char *mountpoint, size_t mountpoint_size,
                   char *fstype, size_t fstype_size);
