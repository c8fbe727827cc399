/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/*
 * The dax/pmem devices of the machine, from libndctl and libdaxctl: each
 * enabled namespace with its mode, and the physical range its data (sector
 * 0 of the pmem disk, offset 0 of the dax device) occupies; dax devices
 * outside any namespace (hmem) as well.
 */
struct daxmf_device {
        char namespace[32];             /* namespace0.0; "" for a dax device of no namespace */
        char region[32];                /* region0, or the dax region's id */
        char mode[16];                  /* fsdax, devdax, raw, sector */
        char blockdev[32];              /* pmem0; "" without a disk */
        char dax[32];                   /* dax0.0; "" without a dax device */
        uint64_t ns_start;              /* the namespace's physical start (0 when unknown) */
        uint64_t ns_size;
        uint64_t data_start;            /* physical address of the data's first byte */
        uint64_t data_size;
        unsigned major, minor;          /* the disk's, 0:0 without one */
        char mountpoint[256];           /* where the disk's filesystem is mounted, "" */
        char fstype[32];
};

struct daxmf_topology {
        struct daxmf_device *devices;
        size_t n;
};

void topology_done(struct daxmf_topology *t);
/* Read it all afresh; mountinfo is normally /proc/self/mountinfo. */
int topology_scan(struct daxmf_topology *ret, const char *mountinfo);
/*
 * Only where each disk's filesystem is mounted, read again: cheap, and
 * without libndctl (whose attribute reads can wait on an unbind).
 */
void topology_update_mounts(struct daxmf_topology *t, const char *mountinfo);

const struct daxmf_device *topology_find_blockdev(const struct daxmf_topology *t, const char *name);
const struct daxmf_device *topology_find_namespace(const struct daxmf_topology *t, const char *name);
/* The device whose data holds physical address phys, or NULL. */
const struct daxmf_device *topology_find_phys(const struct daxmf_topology *t, uint64_t phys);
