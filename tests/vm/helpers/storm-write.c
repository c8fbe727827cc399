/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Storm writers, as fast as they can, each write one line to a kernel file:
 *
 * storm-write badblocks PATH WRITES RANGES STRIDE SECTORS [SIGNAL_PID]
 *   "SECTOR SECTORS" to a disk's badblocks attribute, cycling over RANGES
 *   distinct ranges STRIDE sectors apart (the kernel's table is filled,
 *   then the same entries come again and again, as a scrub re-reports the
 *   errors it knows).  Every 1000th write is a range never written before:
 *   with the table full the kernel refuses it (ENOSPC, counted).  With
 *   SIGNAL_PID, SIGUSR1 ("rescan now") goes to it after every write: a
 *   write does not notify the attribute's pollers, and pending signals
 *   merge, so the daemon rescans as often as it can keep up.
 *
 * storm-write pfns PATH FIRST COUNT STRIDE [SCALE]
 *   COUNT page frame numbers FIRST, FIRST+STRIDE, ... (decimal, times SCALE:
 *   4096 for the physical addresses of /sys/devices/system/memory/
 *   hard_offline_page) to e.g. /sys/kernel/debug/hwpoison/corrupt-pfn: one
 *   memory failure each.
 *
 * Prints key=value: writes, ok, enospc, errors, first_errno, elapsed_ms,
 * us_per_write.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

struct counts {
        unsigned long writes, ok, enospc, errors;
        int first_errno;
};

static void put(int fd, const char *line, struct counts *c) {
        c->writes++;
        if (pwrite(fd, line, strlen(line), 0) >= 0) {
                c->ok++;
                return;
        }
        if (errno == ENOSPC)
                c->enospc++;
        else {
                c->errors++;
                if (!c->first_errno)
                        c->first_errno = errno;
        }
}

int main(int argc, char *argv[]) {
        struct counts c = {};
        int signal_errno = 0;
        char line[64];
        double start;
        int fd;

        if (argc < 3)
                goto usage;
        fd = open(argv[2], O_WRONLY | O_CLOEXEC);
        if (fd < 0)
                return perror(argv[2]), 1;
        start = now_ms();

        if (strcmp(argv[1], "badblocks") == 0 && (argc == 7 || argc == 8)) {
                unsigned long writes = strtoul(argv[3], NULL, 0), ranges = strtoul(argv[4], NULL, 0);
                uint64_t stride = strtoull(argv[5], NULL, 0), sectors = strtoull(argv[6], NULL, 0);
                pid_t pid = argc == 8 ? (pid_t) atoi(argv[7]) : 0;
                unsigned long fresh = 0;

                if (!ranges || !stride || !sectors)
                        goto usage;
                for (unsigned long i = 0; i < writes; i++) {
                        uint64_t k = (i + 1) % 1000 == 0 ? ranges + fresh++ : i % ranges;

                        snprintf(line, sizeof(line), "%" PRIu64 " %" PRIu64 "\n", k * stride, sectors);
                        put(fd, line, &c);
                        /* The daemon gone: said at the end, the writes go on. */
                        if (pid > 0 && kill(pid, SIGUSR1) < 0) {
                                signal_errno = errno;
                                pid = 0;
                        }
                }
        } else if (strcmp(argv[1], "pfns") == 0 && (argc == 6 || argc == 7)) {
                uint64_t first = strtoull(argv[3], NULL, 0), stride = strtoull(argv[5], NULL, 0);
                uint64_t scale = argc == 7 ? strtoull(argv[6], NULL, 0) : 1;
                unsigned long count = strtoul(argv[4], NULL, 0);

                for (unsigned long i = 0; i < count; i++) {
                        snprintf(line, sizeof(line), "%" PRIu64 "\n", (first + i * stride) * scale);
                        put(fd, line, &c);
                }
        } else
                goto usage;

        {
                double ms = now_ms() - start;

                printf("writes=%lu\nok=%lu\nenospc=%lu\nerrors=%lu\nfirst_errno=%d\nsignal_errno=%d\nelapsed_ms=%.0f\n"
                       "us_per_write=%.1f\n",
                       c.writes, c.ok, c.enospc, c.errors, c.first_errno, signal_errno, ms,
                       c.writes ? ms * 1000.0 / (double) c.writes : 0.0);
        }
        return 0;

usage:
        fprintf(stderr, "usage: storm-write badblocks PATH WRITES RANGES STRIDE SECTORS [SIGNAL_PID]\n"
                        "       storm-write pfns PATH FIRST COUNT STRIDE [SCALE]\n");
        return 2;
}
