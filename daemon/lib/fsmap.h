/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <linux/fsmap.h>

/*
 * FS_IOC_GETFSMAP over a byte range of a mounted filesystem's device(s):
 * every record that overlaps [start, end) goes to cb, in the kernel's
 * order, until cb returns non-zero (returned) or the range is done (0).
 * fd is any open file or directory of the filesystem.  -ENOTTY/-EOPNOTSUPP
 * when the filesystem has no reverse map to offer.
 */
int fsmap_walk(int fd, uint64_t start, uint64_t end, int (*cb)(const struct fsmap *rec, void *userdata),
               void *userdata);

/* A record's owner is a file (inode number in fmr_owner), not metadata or free space. */
static inline bool fsmap_is_file(const struct fsmap *rec) {
        return !(rec->fmr_flags & FMR_OF_SPECIAL_OWNER);
}

/* What a special owner is, for people: "free space", "XFS log", ...; "special owner 0x..." if unknown. */
const char *fsmap_owner_name(uint64_t owner, char *buf, size_t size);
