/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "extent-map.h"
#include "inode-index.h"
#include "range-list.h"

/*
 * Who owns the bytes [start, end) of a mounted filesystem's device: files
 * (every reflink sharer is its own owner), filesystem metadata, free space.
 * From FS_IOC_GETFSMAP (XFS with rmapbt names every owner); where it names
 * none for file data (ext4, XFS without rmapbt: "unknown owner" or no
 * record at all), from every file's extents (FIEMAP), gathered once.
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
/* Append an extent map entry as an owner. */
int owner_list_add_extent(struct owner_list *l, const struct extent *e);
/* Whether some file owner has no name in idx. */
bool owner_list_has_unnamed(const struct owner_list *l, const struct inode_index *idx);

struct resolver {
        int fd;                         /* the mount point; -1 while released */
        char *mountpoint;
        dev_t dev;                      /* the filesystem the names are of */
        uint64_t max_age_usec;          /* names older than this are walked again; 0: kept */
        struct inode_index names;
        uint64_t names_usec;            /* CLOCK_MONOTONIC of the walk; 0: none yet */
        struct extent_map file_extents; /* FIEMAP of every file, when GETFSMAP lacks owners */
        bool have_file_extents;
        uint64_t walks;                 /* how many times names were walked */
};

int resolver_open(struct resolver *r, const char *mountpoint, uint64_t max_age_usec);
void resolver_done(struct resolver *r);
/*
 * Let go of the mount point: an open fd on it keeps it from being
 * unmounted.  The names stay; the next query opens the mount point again
 * and keeps them only if the same filesystem is still mounted there.
 */
void resolver_release(struct resolver *r);
/* Walk the names (and file extents) again at the next need. */
void resolver_forget(struct resolver *r);
/*
 * The owners of [start, end), in device order, names in r->names.  A file
 * without a name, or bytes nobody owns, make one fresh walk (when the last
 * is older than a second): a file created since.  Bytes still unexplained
 * are reported as metadata of unknown owner, never left out.
 */
int resolver_query(struct resolver *r, uint64_t start, uint64_t end, struct owner_list *ret);
/*
 * The same for n ranges at once, results[i] for ranges[i]: the reverse map
 * is asked for several ranges side by side while the names are walked,
 * which from a cold cache keeps the disk busy instead of waiting on it.
 */
int resolver_query_many(struct resolver *r, const struct byte_range *ranges, size_t n, struct owner_list *results);
