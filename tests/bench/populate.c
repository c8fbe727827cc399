/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Fill a directory with the benchmark's tree: FILES names in directories of
 * 1,000, each file 1 to 4 blocks of data; every 10th file a reflinked copy
 * (FICLONE) of the one before, every 10th (offset by 5) also hard-linked
 * into links/.  Deterministic, so every run builds the same tree.
 *
 * usage: populate DIR FILES
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fs.h>

int main(int argc, char *argv[]) {
        static char block[4096 * 4];
        char path[4096], prev[4096] = "", link_path[4096];
        unsigned long files;
        int dir;

        if (argc != 3 || (files = strtoul(argv[2], NULL, 10)) == 0) {
                fprintf(stderr, "usage: populate DIR FILES\n");
                return 2;
        }
        dir = open(argv[1], O_RDONLY | O_DIRECTORY);
        if (dir < 0 || mkdirat(dir, "links", 0755) < 0) {
                perror(argv[1]);
                return 1;
        }
        for (unsigned long i = 0; i < files; i++) {
                size_t blocks = 1 + i % 4;
                int fd;

                if (i % 1000 == 0) {
                        snprintf(path, sizeof(path), "d%03lu", i / 1000);
                        if (mkdirat(dir, path, 0755) < 0) {
                                perror(path);
                                return 1;
                        }
                }
                snprintf(path, sizeof(path), "d%03lu/f%06lu", i / 1000, i);
                fd = openat(dir, path, O_WRONLY | O_CREAT | O_EXCL, 0644);
                if (fd < 0) {
                        perror(path);
                        return 1;
                }
                if (i % 10 == 9 && prev[0]) {
                        int src = openat(dir, prev, O_RDONLY);

                        if (src < 0 || ioctl(fd, FICLONE, src) < 0) {
                                fprintf(stderr, "reflink %s -> %s: %s\n", prev, path, strerror(errno));
                                return 1;
                        }
                        close(src);
                } else {
                        memset(block, (int) (i & 0xff), sizeof(block));
                        if (pwrite(fd, block, blocks * 4096, 0) != (ssize_t) (blocks * 4096)) {
                                perror(path);
                                return 1;
                        }
                }
                close(fd);
                if (i % 10 == 5) {
                        snprintf(link_path, sizeof(link_path), "links/l%06lu", i);
                        if (linkat(dir, path, dir, link_path, 0) < 0) {
                                perror(link_path);
                                return 1;
                        }
                }
                snprintf(prev, sizeof(prev), "%s", path);
        }
        syncfs(dir);
        close(dir);
        return 0;
}
