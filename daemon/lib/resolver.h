/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "inode-index.h"

/*
 * Who owns the bytes [start, end) of a mounted filesystem's device: files
 * (every reflink sharer is its own owner), filesystem metadata, free space.
 * From FS_IOC_GETFSMAP (XFS with rmapbt names every owner); where it names
 * none for file data (ext4: "unknown owner"), each file's extents
 * (FIEMAP) are asked instead.
 */
enum owner_kind {
        OWNER_FILE,
        OWNER_METADATA,
        OWNER_FREE,
};

struct owner {
        enum owner_kind kind;
        uint64_t owner;         /* inode number, or the special owner code */
        uint64_t dev_offset;    /* the overlap on the device, bytes */
        uint64_t length;
        uint64_t file_offset;   /* files: where dev_offset is in the file */
        uint32_t flags;         /* FMR_OF_*: shared, prealloc (unwritten), attr fork, extent map */
};

struct owner_list {
        struct owner *owners;
        size_t n, allocated;
};

void owner_list_done(struct owner_list *l);

/* fd: any open file or directory of the filesystem; idx: its names (for the FIEMAP fallback). */
int resolve_owners(int fd, const struct inode_index *idx, uint64_t start, uint64_t end, struct owner_list *ret);
