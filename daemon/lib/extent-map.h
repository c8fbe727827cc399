/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inode-index.h"
#include "rangeset.h"

/*
 * Who owns which bytes of a filesystem's device, as a sorted array: one
 * entry per file extent (every reflink sharer has its own) or piece of
 * metadata.  Free space is not kept.  Entries may overlap (reflinks), so a
 * running maximum of their ends lets a lookup start at the first entry that
 * can reach the range: O(log n + answer).
 */
struct extent {
        uint64_t dev_offset;
        uint64_t length;
        uint64_t owner;         /* inode number, or the special owner code (FMR_OWN_*) */
        uint64_t file_offset;   /* files: where dev_offset is in the file */
        uint32_t flags;         /* FMR_OF_*; FMR_OF_SPECIAL_OWNER marks metadata */
        uint32_t reserved;      /* 0: keeps the on-disk inventory free of padding bytes */
};

struct extent_map {
        struct extent *entries;
        size_t n, allocated;
        uint64_t *max_end;      /* max_end[i]: the furthest end among entries[0..i] */
        bool sealed;            /* sorted, max_end valid */
};

void extent_map_done(struct extent_map *m);
int extent_map_add(struct extent_map *m, const struct extent *e);
/* Sort and index: needed once after the last add, before any lookup. */
int extent_map_seal(struct extent_map *m);
/*
 * Every entry overlapping [start, end), clipped to it, in device order; cb
 * returning non-zero stops the walk (returned).
 */
int extent_map_lookup(const struct extent_map *m, uint64_t start, uint64_t end,
                      int (*cb)(const struct extent *clipped, void *userdata), void *userdata);

/*
 * Add the extents of every inode named in idx (FS_IOC_FIEMAP, one open per
 * inode through its first name), clipped to within (NULL: all), for
 * filesystems whose GETFSMAP names no owner of file data (ext4; XFS
 * without rmapbt).  mount_fd: the mount point, directory.  Files that
 * cannot be opened are skipped.
 */
int extent_map_add_fiemap(struct extent_map *m, int mount_fd, const struct inode_index *idx,
                          const struct daxmf_rangeset *within);

/*
 * Add every GETFSMAP record of [start, end) with a known owner (free space
 * too with keep_free), clipped to the range; bytes the filesystem could not
 * attribute (FMR_OWN_UNKNOWN, and what no record covers) go to *unknown
 * when it is given.  -ENOTTY/-EOPNOTSUPP: no GETFSMAP on this filesystem.
 */
int extent_map_add_fsmap(struct extent_map *m, int mount_fd, uint64_t start, uint64_t end, bool keep_free,
                         struct daxmf_rangeset *unknown);
