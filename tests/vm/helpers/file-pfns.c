/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Print the physical page frames of a file's data on a pmem-backed DAX
 * filesystem: the filesystem's reverse map (FS_IOC_GETFSMAP) gives the
 * device offsets owned by the file's inode; the device's data start plus
 * that offset is the physical address.  Prints "PFN PAGES" per extent (hex
 * pfn), merged when adjacent.
 *
 * file-pfns FILE DATA_PHYS
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fsmap.h>

#define RECS 128

int main(int argc, char *argv[]) {
        uint64_t base, run_start = 0, run_len = 0;
        struct fsmap_head *h;
        struct stat st;
        int fd;

        if (argc != 3)
                return fprintf(stderr, "usage: file-pfns FILE DATA_PHYS\n"), 2;
        base = strtoull(argv[2], NULL, 0);

        fd = open(argv[1], O_RDONLY);
        if (fd < 0 || fstat(fd, &st) < 0)
                return perror(argv[1]), 1;

        h = calloc(1, fsmap_sizeof(RECS));
        if (!h)
                return 1;
        h->fmh_count = RECS;
        h->fmh_keys[1].fmr_device = UINT32_MAX;
        h->fmh_keys[1].fmr_physical = UINT64_MAX;
        h->fmh_keys[1].fmr_owner = UINT64_MAX;
        h->fmh_keys[1].fmr_offset = UINT64_MAX;
        h->fmh_keys[1].fmr_flags = UINT32_MAX;

        for (;;) {
                if (ioctl(fd, FS_IOC_GETFSMAP, h) < 0)
                        return perror("FS_IOC_GETFSMAP"), 1;
                if (h->fmh_entries == 0)
                        break;
                for (unsigned i = 0; i < h->fmh_entries; i++) {
                        const struct fsmap *r = &h->fmh_recs[i];

                        if ((r->fmr_flags & FMR_OF_SPECIAL_OWNER) || r->fmr_owner != st.st_ino ||
                            (r->fmr_flags & (FMR_OF_ATTR_FORK | FMR_OF_EXTENT_MAP)))
                                continue;
                        if (run_len && run_start + run_len == r->fmr_physical)
                                run_len += r->fmr_length;
                        else {
                                if (run_len)
                                        printf("0x%" PRIx64 " %" PRIu64 "\n",
                                               (base + run_start) / 4096, run_len / 4096);
                                run_start = r->fmr_physical;
                                run_len = r->fmr_length;
                        }
                }
                if (h->fmh_recs[h->fmh_entries - 1].fmr_flags & FMR_OF_LAST)
                        break;
                fsmap_advance(h);
        }
        if (run_len)
                printf("0x%" PRIx64 " %" PRIu64 "\n", (base + run_start) / 4096, run_len / 4096);
        return 0;
}
