/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "extent-map.h"
#include "inode-index.h"
#include "resolver.h"

/*
 * A snapshot of one DAX filesystem: every extent's owner and every inode's
 * names, taken while the device is healthy, so that the files on it can
 * still be named when it is being removed or already gone (reading the
 * filesystem then would touch memory that is going away, or is not there).
 *
 * On disk, in daxmfd's state directory, native byte order (the file never
 * leaves the machine): a fixed header, the extents sorted by device offset,
 * the names sorted by inode, then the path strings.  A checksum over the body
 * catches a damaged file; any file that does not check out is refused
 * with the reason and rebuilt, never half-read.
 */
#define INVENTORY_MAGIC "DAXMFINV"
#define INVENTORY_VERSION 1

struct inventory_header {
        char magic[8];
        uint32_t version;
        uint32_t header_size;
        uint64_t built_realtime_usec;   /* when the snapshot was taken */
        uint64_t build_usec;            /* how long taking it took */
        uint64_t data_start, data_size; /* the physical bytes the device's offset 0.. stand for */
        uint32_t major, minor;          /* the block device the filesystem was mounted from */
        char device[64];                /* namespace0.0 */
        char disk[32];                  /* pmem0 */
        char fstype[32];
        char mountpoint[1024];
        uint64_t n_extents;
        uint64_t n_names;
        uint64_t names_size;
        uint64_t checksum;              /* FNV-1a (64 bit) of everything after the header */
};

struct inventory {
        struct inventory_header header;
        struct extent_map extents;
        struct inode_index names;
};

void inventory_done(struct inventory *inv);

/*
 * Take a snapshot of the filesystem mounted on mountpoint: its full reverse
 * map (GETFSMAP), and every file's extents (FIEMAP) where the reverse map
 * names no owner of file data.  The caller fills in the physical place.
 */
int inventory_build(struct inventory *inv, const char *mountpoint);

/* Parse a snapshot from memory; -EBADMSG with *ret_reason on anything that does not check out. */
int inventory_parse(const void *buf, size_t size, struct inventory *ret, const char **ret_reason);
int inventory_load(int dir_fd, const char *name, struct inventory *ret, const char **ret_reason);
/* Write it atomically (temporary file, fsync, rename, fsync of the directory). */
int inventory_save(int dir_fd, const char *name, const struct inventory *inv);

/* The owners of device bytes [start, end), as the snapshot has them; names in inv->names. */
int inventory_lookup(const struct inventory *inv, uint64_t start, uint64_t end, struct owner_list *ret);
/* How many distinct files (inodes with data) the snapshot holds. */
uint64_t inventory_files(const struct inventory *inv);

/* The inventory directory: $DAXMF_STATE_DIRECTORY (its first entry) or /var/lib/daxmf, then "/inventory". */
int inventory_dir(char *buf, size_t size);
/*
 * The snapshot of a device, in dir: the one whose namespace or disk is
 * called name ("namespace0.0", "pmem0", "/dev/pmem0"; NULL: by dev alone), or that was taken
 * from the block device dev (when not 0).  -ENOENT when there is none;
 * files that do not check out are skipped.
 */
int inventory_find(const char *dir, const char *name, dev_t dev, struct inventory *ret);
