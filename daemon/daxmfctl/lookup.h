/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <json-c/json.h>

#include "inventory.h"
#include "mappers.h"
#include "range-list.h"
#include "resolver.h"

/*
 * What bytes of a device hold, for the read-only commands (files, scan):
 * the owners, from the live filesystem when it is mounted, else from
 * daxmfd's inventory of it; and the processes mapping those bytes, through
 * a file that owns them or through the device node itself.  Nothing is
 * failed or told.
 */
struct lookup {
        char disk[PATH_MAX];            /* /dev/pmem0 */
        dev_t dev;                      /* the disk's number; 0 when it is gone */
        char mountpoint[PATH_MAX];
        char fstype[64];
        struct resolver live;
        bool have_live;
        struct inventory snapshot;
        bool have_snapshot;
        char no_source[PATH_MAX + 160]; /* LOOKUP_OPTIONAL without either: why */
        struct mapping_snapshot mappers;
        bool have_mappers;
        char error[PATH_MAX + 160];     /* the last failure, for the caller to tell */
};

/* One range's answer. */
struct lookup_result {
        uint64_t offset, length;
        struct owner_list owners;
        struct mapper_targets targets;  /* what the processes were matched against */
        struct mapper_hits processes;
};

enum {
        LOOKUP_INVENTORY = 1 << 0,      /* from the inventory even when mounted (files --inventory) */
        LOOKUP_OPTIONAL = 1 << 1,       /* neither mounted nor in an inventory: go on without owners (scan) */
};

/*
 * DEVICE as a block device node: a path, a disk name, or a namespace's
 * name (from the topology).  path gets the node, symlinks resolved.
 * -ENOTBLK for a path that is no block device, -ENODEV for a name that is
 * none.
 */
int lookup_find_disk(const char *device, char *path, size_t size, dev_t *ret);

/*
 * Open where the owners of device's bytes come from.  -errno with the
 * reason in l->error; l is then to be given to lookup_done all the same.
 */
int lookup_open(struct lookup *l, const char *device, unsigned flags);
void lookup_done(struct lookup *l);

/* "live", "inventory", or NULL without either. */
const char *lookup_source(const struct lookup *l);

/*
 * The owners and the mapping processes of each of n ranges, results[i]
 * for ranges[i] (the processes are read from /proc once).  -errno with
 * the reason in l->error.
 */
int lookup_query(struct lookup *l, const struct byte_range *ranges, size_t n, struct lookup_result *results);
void lookup_results_free(struct lookup_result *results, size_t n);

struct json_object *lookup_owners_json(const struct lookup *l, const struct lookup_result *r);
struct json_object *lookup_processes_json(const struct lookup *l, const struct lookup_result *r);
/* The owners as a table, then the processes; each line starts with indent. */
void lookup_print(const struct lookup *l, const struct lookup_result *r, const char *indent);
