/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Range-failure benchmark, run inside the VM.  Fails a set of physical
 * extents by one method and prints what it cost:
 *
 *   bench --method sysfs|per-page|pagemap --extents PFN:PAGES[,PFN:PAGES...]
 *         [--map FILE --mappers N]
 *   bench --find-free PAGES --regions N --base DATA_PHYS MOUNTPOINT
 *
 * sysfs:    one write of the physical address per page to
 *           /sys/devices/system/memory/hard_offline_page (the baseline);
 *   per-page: daxmf FAIL_RANGE with DAXMF_FLAG_PER_PAGE (memory_failure() per page);
 *   pagemap:  daxmf FAIL_RANGE (the pagemap's memory_failure op per batch).
 * With --map, N early-kill children map FILE, read every page, and count the
 * SIGBUS they get; after the run they report it and how many of their pages
 * are still mapped.
 *
 * --find-free prints N regions of free space (GETFSMAP owner "free") of
 * PAGES pages each, as extent lists for --extents, one region per line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/daxmf.h>
#include <linux/fsmap.h>

#include "daxmf-kernel.h"

#define PAGE 4096UL
#define MAX_EXTENTS 4096
#define MAX_MAPPERS 64

struct extent {
        uint64_t pfn, pages;
};

static double now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int parse_extents(char *s, struct extent *e, size_t *n) {
        char *save = NULL;

        *n = 0;
        for (char *tok = strtok_r(s, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
                char *colon = strchr(tok, ':');

                if (!colon || *n >= MAX_EXTENTS)
                        return -EINVAL;
                *colon = '\0';
                e[*n].pfn = strtoull(tok, NULL, 0);
                e[*n].pages = strtoull(colon + 1, NULL, 0);
                (*n)++;
        }
        return *n ? 0 : -EINVAL;
}

/* ---- mappers ---- */

static volatile sig_atomic_t child_stop, child_sigbus;

static void child_on_sigbus(int sig) {
        (void) sig;
        child_sigbus++;
}

static void child_on_stop(int sig) {
        (void) sig;
        child_stop = 1;
}

/* Map FILE, read it all, tell the parent, count SIGBUS until SIGUSR1. */
static void mapper_child(const char *file, int ready_fd, int result_fd) {
        volatile unsigned char *map;
        unsigned long sum = 0, present = 0;
        struct stat st;
        size_t pages;
        int fd, pm;

        prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0);
        signal(SIGBUS, child_on_sigbus);
        signal(SIGUSR1, child_on_stop);

        fd = open(file, O_RDONLY);
        if (fd < 0 || fstat(fd, &st) < 0)
                _exit(1);
        pages = (size_t) st.st_size / PAGE;
        map = mmap(NULL, (size_t) st.st_size, PROT_READ, MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
                _exit(1);
        for (size_t i = 0; i < pages; i++)
                sum += map[i * PAGE];
        if (write(ready_fd, "r", 1) != 1)
                _exit(1);

        while (!child_stop)
                pause();

        pm = open("/proc/self/pagemap", O_RDONLY);
        for (size_t i = 0; pm >= 0 && i < pages; i++) {
                uint64_t e;

                if (pread(pm, &e, sizeof(e), (off_t) (((uintptr_t) map / PAGE + i) * sizeof(e))) == sizeof(e) &&
                    (e & (UINT64_C(1) << 63)))
                        present++;
        }
        dprintf(result_fd, "%d %lu %lu\n", (int) child_sigbus, present, sum & 1);
        _exit(0);
}

/* ---- methods ---- */

static int fail_sysfs(const struct extent *e, size_t n, uint64_t *failed) {
        char buf[32];
        int fd;

        fd = open("/sys/devices/system/memory/hard_offline_page", O_WRONLY);
        if (fd < 0)
                return -errno;
        for (size_t i = 0; i < n; i++)
                for (uint64_t p = 0; p < e[i].pages; p++) {
                        int len = snprintf(buf, sizeof(buf), "0x%" PRIx64 "\n", (e[i].pfn + p) * PAGE);

                        if (pwrite(fd, buf, (size_t) len, 0) != len)
                                (*failed)++;
                }
        close(fd);
        return 0;
}

static int fail_module(const struct extent *e, size_t n, uint32_t flags, uint64_t *failed,
                       uint64_t *batches) {
        struct daxmf_kernel *k = NULL;
        int r;

        r = daxmf_kernel_open(&k);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n; i++) {
                struct daxmf_range_request req = {
                        .has_pfn = true, .pfn = e[i].pfn,
                        .has_pages = true, .pages = e[i].pages,
                        .flags = flags,
                };
                struct daxmf_range_result res;
                struct daxmf_error err = {};

                r = daxmf_kernel_fail_range(k, &req, &res, &err);
                if (r < 0) {
                        fprintf(stderr, "bench: fail-range 0x%" PRIx64 "+%" PRIu64 ": %s %s\n",
                                e[i].pfn, e[i].pages, strerror(-r), err.message);
                        daxmf_kernel_close(k);
                        return r;
                }
                *failed += res.pages_failed;
                *batches += res.batches;
        }
        daxmf_kernel_close(k);
        return 0;
}

static uint64_t hardware_corrupted_kb(void) {
        char line[256];
        uint64_t kb = 0;
        FILE *f = fopen("/proc/meminfo", "r");

        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "HardwareCorrupted: %" SCNu64, &kb) == 1)
                        break;
        if (f)
                fclose(f);
        return kb;
}

static int run(const char *method, struct extent *e, size_t n, const char *map_file, int mappers) {
        int ready[2], result[2];
        pid_t pids[MAX_MAPPERS];
        uint64_t pages = 0, failed = 0, batches = 0, signals = 0, present = 0, hwc0, hwc1;
        double t0, t1;
        char c;
        int r;

        for (size_t i = 0; i < n; i++)
                pages += e[i].pages;

        if (mappers > 0) {
                if (pipe(ready) < 0 || pipe(result) < 0)
                        return 1;
                for (int i = 0; i < mappers; i++) {
                        pids[i] = fork();
                        if (pids[i] == 0)
                                mapper_child(map_file, ready[1], result[1]);
                }
                for (int i = 0; i < mappers; i++)
                        if (read(ready[0], &c, 1) != 1)
                                return 1;
        }

        hwc0 = hardware_corrupted_kb();
        t0 = now();
        if (strcmp(method, "sysfs") == 0)
                r = fail_sysfs(e, n, &failed);
        else if (strcmp(method, "per-page") == 0)
                r = fail_module(e, n, DAXMF_FLAG_PER_PAGE, &failed, &batches);
        else if (strcmp(method, "pagemap") == 0)
                r = fail_module(e, n, 0, &failed, &batches);
        else
                return fprintf(stderr, "bench: unknown method %s\n", method), 2;
        t1 = now();
        hwc1 = hardware_corrupted_kb();
        if (r < 0)
                return fprintf(stderr, "bench: %s: %s\n", method, strerror(-r)), 1;

        if (mappers > 0) {
                FILE *f = fdopen(result[0], "r");

                close(result[1]);
                for (int i = 0; i < mappers; i++)
                        kill(pids[i], SIGUSR1);
                for (int i = 0; i < mappers; i++) {
                        int s;
                        unsigned long p, x;

                        if (fscanf(f, "%d %lu %lu", &s, &p, &x) == 3) {
                                signals += (uint64_t) s;
                                present += p;
                        }
                }
                for (int i = 0; i < mappers; i++)
                        waitpid(pids[i], NULL, 0);
        }

        printf("method=%s pages=%" PRIu64 " seconds=%.6f pages_per_s=%.0f failed=%" PRIu64
               " batches=%" PRIu64 " hwcorrupted_kb=%" PRIu64 " mappers=%d signals=%" PRIu64
               " pages_still_mapped=%" PRIu64 "\n",
               method, pages, t1 - t0, (double) pages / (t1 - t0), failed, batches,
               hwc1 - hwc0, mappers, signals, present);
        return 0;
}

/* ---- free space ---- */

static int find_free(const char *mount, uint64_t base, uint64_t region_pages, int regions) {
        struct fsmap_head *h = calloc(1, fsmap_sizeof(256));
        uint64_t have = 0;
        int fd, done = 0;

        fd = open(mount, O_RDONLY);
        if (fd < 0 || !h)
                return 1;
        h->fmh_count = 256;
        /* Reserved fields must stay zero: set the high key field by field. */
        h->fmh_keys[1].fmr_device = UINT32_MAX;
        h->fmh_keys[1].fmr_physical = UINT64_MAX;
        h->fmh_keys[1].fmr_owner = UINT64_MAX;
        h->fmh_keys[1].fmr_offset = UINT64_MAX;
        h->fmh_keys[1].fmr_flags = UINT32_MAX;

        while (done < regions) {
                if (ioctl(fd, FS_IOC_GETFSMAP, h) < 0)
                        return perror("GETFSMAP"), 1;
                if (!h->fmh_entries)
                        break;
                for (unsigned i = 0; i < h->fmh_entries && done < regions; i++) {
                        const struct fsmap *r = &h->fmh_recs[i];
                        uint64_t start = (r->fmr_physical + PAGE - 1) / PAGE;
                        uint64_t end = (r->fmr_physical + r->fmr_length) / PAGE;

                        if (!(r->fmr_flags & FMR_OF_SPECIAL_OWNER) || r->fmr_owner != FMR_OWN_FREE)
                                continue;
                        while (start < end && done < regions) {
                                uint64_t take = end - start < region_pages - have ? end - start : region_pages - have;

                                printf("%s0x%" PRIx64 ":%" PRIu64, have ? "," : "", base / PAGE + start, take);
                                have += take;
                                start += take;
                                if (have == region_pages) {
                                        printf("\n");
                                        have = 0;
                                        done++;
                                }
                        }
                }
                if (h->fmh_recs[h->fmh_entries - 1].fmr_flags & FMR_OF_LAST)
                        break;
                fsmap_advance(h);
        }
        return done == regions ? 0 : 1;
}

int main(int argc, char *argv[]) {
        static const struct option opts[] = {
                { "method", required_argument, NULL, 'm' },
                { "extents", required_argument, NULL, 'e' },
                { "map", required_argument, NULL, 'f' },
                { "mappers", required_argument, NULL, 'n' },
                { "find-free", required_argument, NULL, 'F' },
                { "regions", required_argument, NULL, 'R' },
                { "base", required_argument, NULL, 'b' },
                {}
        };
        static struct extent ext[MAX_EXTENTS];
        const char *method = NULL, *map_file = NULL;
        char *extents = NULL;
        uint64_t free_pages = 0, base = 0;
        int mappers = 0, regions = 1, c;
        size_t n;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'm': method = optarg; break;
                case 'e': extents = optarg; break;
                case 'f': map_file = optarg; break;
                case 'n': mappers = atoi(optarg); break;
                case 'F': free_pages = strtoull(optarg, NULL, 0); break;
                case 'R': regions = atoi(optarg); break;
                case 'b': base = strtoull(optarg, NULL, 0); break;
                default: return 2;
                }

        if (free_pages) {
                if (optind >= argc)
                        return fprintf(stderr, "bench: --find-free needs a mount point\n"), 2;
                return find_free(argv[optind], base, free_pages, regions);
        }
        if (!method || !extents || parse_extents(extents, ext, &n) < 0 ||
            mappers < 0 || mappers > MAX_MAPPERS || (mappers && !map_file))
                return fprintf(stderr, "bench: see the usage at the top of bench.c\n"), 2;
        return run(method, ext, n, map_file, mappers);
}
