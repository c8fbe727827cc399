/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "fsmap.h"
#include "macro.h"

/*
 * Records per call: few at first (a bad range is small, and the kernel
 * allocates and clears room for as many records as asked), many after.
 */
#define FSMAP_FIRST_BATCH 32
#define FSMAP_BATCH 512

int fsmap_walk(int fd, uint64_t start, uint64_t end, int (*cb)(const struct fsmap *rec, void *userdata),
               void *userdata) {
        _cleanup_free_ struct fsmap_head *head = NULL;
        struct stat st;
        int r;

        if (start >= end)
                return 0;
        if (fstat(fd, &st) < 0)
                return -errno;
        head = calloc(1, fsmap_sizeof(FSMAP_BATCH));
        if (!head)
                return -ENOMEM;
        head->fmh_count = FSMAP_FIRST_BATCH;
        /*
         * The data device only, from start to end - 1.  Both keys name it: a
         * low key of another device makes XFS and ext4 start that device
         * from 0, and a high key of another device never limits it, so each
         * call would walk the whole map.  The kernel encodes fmr_device as
         * stat() does st_dev.
         */
        head->fmh_keys[0].fmr_device = (uint32_t) st.st_dev;
        head->fmh_keys[0].fmr_physical = start;
        head->fmh_keys[1].fmr_device = (uint32_t) st.st_dev;
        head->fmh_keys[1].fmr_physical = end - 1;
        head->fmh_keys[1].fmr_owner = UINT64_MAX;
        head->fmh_keys[1].fmr_offset = UINT64_MAX;
        head->fmh_keys[1].fmr_flags = UINT32_MAX;

        for (;;) {
                if (ioctl(fd, FS_IOC_GETFSMAP, head) < 0)
                        return -errno;
                if (head->fmh_entries == 0)
                        return 0;
                for (uint32_t i = 0; i < head->fmh_entries; i++) {
                        const struct fsmap *rec = &head->fmh_recs[i];

                        /* The kernel may start with the record that holds start. */
                        if (rec->fmr_physical + rec->fmr_length <= start || rec->fmr_physical >= end)
                                continue;
                        r = cb(rec, userdata);
                        if (r != 0)
                                return r;
                }
                if (head->fmh_recs[head->fmh_entries - 1].fmr_flags & FMR_OF_LAST)
                        return 0;
                fsmap_advance(head);
                head->fmh_count = FSMAP_BATCH;
        }
}

const char *fsmap_owner_name(uint64_t owner, char *buf, size_t size) {
        uint32_t type = FMR_OWNER_TYPE(owner), code = FMR_OWNER_CODE(owner);

        if (type == 0) {
                switch (code) {
                case 1:
                        return "free space";
                case 2:
                        return "unknown owner";
                case 3:
                        return "filesystem metadata";
                }
        } else if (type == 'X') {
                /* XFS (and ext4 for codes 1, 2, 5), see xfs_fs.h and ext4's fsmap.h. */
                static const char *const xfs[] = {
                        [1] = "filesystem metadata (superblock, static)",
                        [2] = "journal (log)",
                        [3] = "allocation group metadata (free space btrees, headers)",
                        [4] = "inode btree",
                        [5] = "inode table",
                        [6] = "reference count btree",
                        [7] = "copy-on-write staging",
                        [8] = "known defective blocks",
                };

                if (code < ELEMENTSOF(xfs) && xfs[code])
                        return xfs[code];
        } else if (type == 'f') {
                static const char *const ext4[] = {
                        [1] = "group descriptors",
                        [2] = "reserved group descriptor blocks",
                        [3] = "block bitmap",
                        [4] = "inode bitmap",
                };

                if (code < ELEMENTSOF(ext4) && ext4[code])
                        return ext4[code];
        }
        snprintf(buf, size, "special owner 0x%" PRIx64, owner);
        return buf;
}
