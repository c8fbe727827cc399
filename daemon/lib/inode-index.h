/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * Every name of every inode of one mounted filesystem, from one walk of its
 * directories.  The inode numbers come from the directory entries
 * themselves (no stat per file: one fstat per directory, to stay on this
 * filesystem), which keeps a walk of 100,000 files near 0.1 s.
 */
struct inode_name {
        uint64_t ino;
        size_t path;            /* offset in names: the path below the mount point, "a/b" */
};

struct inode_index {
        dev_t dev;
        struct inode_name *entries;     /* sorted by inode, then path */
        size_t n, allocated;
        char *names;
        size_t names_size, names_allocated;
        uint64_t directories;
};

void inode_index_done(struct inode_index *idx);
/* Walk the filesystem mounted on mountpoint. */
int inode_index_build(struct inode_index *idx, const char *mountpoint);
/* The names of ino: *ret_first and the count (0 when unknown). */
size_t inode_index_lookup(const struct inode_index *idx, uint64_t ino, const struct inode_name **ret_first);
static inline const char *inode_index_path(const struct inode_index *idx, const struct inode_name *e) {
        return idx->names + e->path;
}
