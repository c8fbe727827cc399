/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proc-maps.h"

/*
 * Which processes map given bytes of files or of a device: a snapshot of
 * the /proc/PID/maps entries worth keeping (a filter says which; keeping
 * every library of every process would be most of the work), then the
 * entries whose file or device offsets overlap a target's.  daxmfd names
 * the processes an event hits with it, daxmfctl those a range would hit.
 */

/* A process's mapping, as /proc/PID/maps has it. */
struct mapping {
        int pid;
        char comm[64];
        char unit[256];                 /* the systemd unit (/proc/PID/cgroup), "" when none */
        char *path;
        uint64_t start, end;            /* addresses [start, end) */
        uint64_t offset;                /* the file (or device) offset mapped at start */
        unsigned major, minor;          /* the filesystem holding path (a device node: its /dev) */
        uint64_t inode;
};

struct mapping_snapshot {
        struct mapping *mappings;
        size_t n;
};

/* Whether to keep an entry (with a path; anonymous ones are never kept). */
typedef bool (*mapping_filter_t)(const struct maps_entry *e, void *userdata);

/*
 * Every process's entries under proc_root ("/proc") that filter keeps, in
 * the order of the directory and of each maps file.  Processes that exit
 * meanwhile, and kernel threads, have none.  -errno when proc_root cannot
 * be listed, -ENOMEM; *ret is then untouched.
 */
int mapping_snapshot_take(struct mapping_snapshot *ret, const char *proc_root, mapping_filter_t filter,
                          void *userdata);
void mapping_snapshot_done(struct mapping_snapshot *s);

/*
 * What to look for: bytes [start, end) of the file major:minor inode, or of
 * the device node at path (a mapping of /dev/pmem0 or /dev/dax0.0 names the
 * node's own filesystem in major:minor, so the path is what tells it).
 * end UINT64_MAX: any offset.
 */
struct mapper_target {
        unsigned major, minor;
        uint64_t inode;                 /* 0: a device, by path */
        char *path;
        uint64_t start, end;
};

struct mapper_targets {
        struct mapper_target *targets;
        size_t n, allocated;
        size_t *order;                  /* file targets sorted by major, minor, inode (mappers_match) */
        size_t n_order;
};

int mapper_targets_add_file(struct mapper_targets *t, unsigned major, unsigned minor, uint64_t inode,
                            uint64_t start, uint64_t end);
int mapper_targets_add_device(struct mapper_targets *t, const char *path, uint64_t start, uint64_t end);
void mapper_targets_done(struct mapper_targets *t);

/* A mapping that maps some of a target's bytes: which, and where. */
struct mapper_hit {
        size_t mapping;                 /* index in the snapshot */
        size_t target;                  /* index in the targets, in the order they were added */
        uint64_t offset, length;        /* the bytes of the target it maps (file or device offsets) */
        uint64_t address;               /* where offset is mapped */
};

struct mapper_hits {
        struct mapper_hit *hits;
        size_t n, allocated;
};

/*
 * Every (mapping, target) pair that overlaps, by mapping in snapshot order,
 * then by target in the order added.  A mapping of a target's file or
 * device at other offsets is no hit.
 */
int mappers_match(const struct mapping_snapshot *s, struct mapper_targets *t, struct mapper_hits *ret);
void mapper_hits_done(struct mapper_hits *h);
