/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A process that maps a file or a device-dax device, touches every page,
 * and then records every SIGBUS it receives until told to stop (SIGUSR1).
 * It writes what it saw as key=value lines for the guest test to check.
 *
 * mapper --path P --length BYTES [--kill early|late|default] [--write]
 *        [--retouch] [--hwpoison PAGE] --ready FILE --report FILE
 *
 * --hwpoison: once every page is touched, madvise(MADV_HWPOISON) page PAGE
 * of the mapping (the kernel's memory_failure() on its pfn, in this
 * process: BUS_MCEERR_AR to itself), then stay mapped like the others.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#define PAGE 4096UL

static volatile sig_atomic_t stop;
static volatile sig_atomic_t sigbus_count;
static volatile sig_atomic_t sigbus_first_code = -1;
static volatile sig_atomic_t sigbus_other_code;       /* a code unlike the first */
static volatile sig_atomic_t sigbus_outside;          /* si_addr outside the map */
static volatile uintptr_t sigbus_first_addr;
static volatile sig_atomic_t sigbus_first_lsb;
static volatile sig_atomic_t in_retouch;
static sigjmp_buf retouch_jmp;
static uintptr_t map_start, map_end;

static void on_sigbus(int sig, siginfo_t *si, void *ctx) {
        uintptr_t a = (uintptr_t) si->si_addr;

        (void) sig;
        (void) ctx;
        if (sigbus_count == 0) {
                sigbus_first_code = si->si_code;
                sigbus_first_addr = a;
                sigbus_first_lsb = si->si_addr_lsb;
        } else if (si->si_code != sigbus_first_code)
                sigbus_other_code = si->si_code;
        if (a < map_start || a >= map_end)
                sigbus_outside = 1;
        sigbus_count++;
        /* A fault on our own access cannot be returned from: skip the page. */
        if (in_retouch)
                siglongjmp(retouch_jmp, 1);
}

static void on_stop(int sig) {
        (void) sig;
        stop = 1;
}

static int pagemap_fd = -1;

/* The page frame behind addr, 0 when not present. */
static uint64_t pfn_of(uintptr_t addr) {
        uint64_t e;

        if (pread(pagemap_fd, &e, sizeof(e), (off_t) (addr / PAGE * sizeof(e))) != sizeof(e))
                return 0;
        if (!(e & (UINT64_C(1) << 63)))
                return 0;
        return e & ((UINT64_C(1) << 55) - 1);
}

/* Read every page again; a SIGBUS on one skips it. */
static uint64_t retouch_pages(volatile unsigned char *map, size_t pages) {
        static volatile uint64_t sum;
        static volatile size_t i;

        sum = 0;
        for (i = 0; i < pages; i++) {
                in_retouch = 1;
                if (sigsetjmp(retouch_jmp, 1) == 0)
                        sum += map[i * PAGE] + map[i * PAGE + PAGE - 1];
                in_retouch = 0;
        }
        return sum;
}

int main(int argc, char *argv[]) {
        static const struct option opts[] = {
                { "path", required_argument, NULL, 'p' },
                { "length", required_argument, NULL, 'l' },
                { "kill", required_argument, NULL, 'k' },
                { "write", no_argument, NULL, 'w' },
                { "retouch", no_argument, NULL, 't' },
                { "ready", required_argument, NULL, 'r' },
                { "report", required_argument, NULL, 'o' },
                { "hwpoison", required_argument, NULL, 'H' },
                {}
        };
        const char *path = NULL, *kill = "default", *ready = NULL, *report = NULL;
        bool write_access = false, retouch = false;
        long hwpoison = -1;
        int hwpoison_rc = 0;
        uint64_t hwpoison_pfn = 0;
        size_t length = 0, pages, present_before = 0, present_after = 0, retouch_faults = 0;
        uint64_t first_pfn = 0, sum_before = 0, sum_after = 0;
        bool contiguous = true;
        struct sigaction sa = {};
        volatile unsigned char *map;
        FILE *f;
        int c, fd;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'p': path = optarg; break;
                case 'l': length = strtoul(optarg, NULL, 0); break;
                case 'k': kill = optarg; break;
                case 'w': write_access = true; break;
                case 't': retouch = true; break;
                case 'r': ready = optarg; break;
                case 'o': report = optarg; break;
                case 'H': hwpoison = strtol(optarg, NULL, 0); break;
                default: return 2;
                }
        if (!path || !length || !ready || !report || length % PAGE ||
            (hwpoison >= 0 && (size_t) hwpoison >= length / PAGE)) {
                fprintf(stderr, "mapper: --path, --length (pages), --ready and --report are required\n");
                return 2;
        }
        pages = length / PAGE;

        if (strcmp(kill, "early") == 0) {
                if (prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_EARLY, 0, 0) < 0)
                        return perror("prctl"), 1;
        } else if (strcmp(kill, "late") == 0) {
                if (prctl(PR_MCE_KILL, PR_MCE_KILL_SET, PR_MCE_KILL_LATE, 0, 0) < 0)
                        return perror("prctl"), 1;
        } else if (strcmp(kill, "default") != 0)
                return fprintf(stderr, "mapper: --kill early|late|default\n"), 2;

        sa.sa_sigaction = on_sigbus;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigaction(SIGBUS, &sa, NULL);
        signal(SIGUSR1, on_stop);
        signal(SIGTERM, on_stop);

        fd = open(path, write_access ? O_RDWR : O_RDONLY);
        if (fd < 0)
                return perror(path), 1;
        map = mmap(NULL, length, PROT_READ | (write_access ? PROT_WRITE : 0), MAP_SHARED, fd, 0);
        if (map == MAP_FAILED)
                return perror("mmap"), 1;
        map_start = (uintptr_t) map;
        map_end = map_start + length;

        pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
        if (pagemap_fd < 0)
                return perror("pagemap"), 1;

        for (size_t i = 0; i < pages; i++) {
                if (write_access)
                        map[i * PAGE] = map[i * PAGE];
                sum_before += map[i * PAGE] + map[i * PAGE + PAGE - 1];
        }
        for (size_t i = 0; i < pages; i++) {
                uint64_t pfn = pfn_of(map_start + i * PAGE);

                if (pfn)
                        present_before++;
                if (i == 0)
                        first_pfn = pfn;
                else if (pfn != first_pfn + i)
                        contiguous = false;
        }

        if (hwpoison >= 0) {
                hwpoison_pfn = pfn_of(map_start + (size_t) hwpoison * PAGE);
                if (madvise((void *) (map_start + (size_t) hwpoison * PAGE), PAGE, MADV_HWPOISON) < 0)
                        hwpoison_rc = -errno;
        }

        f = fopen(ready, "w");
        if (!f)
                return perror(ready), 1;
        fprintf(f, "pid=%d\nfirst_pfn=0x%" PRIx64 "\ncontiguous=%d\npresent=%zu\n",
                getpid(), first_pfn, contiguous, present_before);
        if (hwpoison >= 0)
                fprintf(f, "hwpoison_pfn=0x%" PRIx64 "\nhwpoison_rc=%d\nsigbus=%d\nsigbus_first_code=%d\n",
                        hwpoison_pfn, hwpoison_rc, (int) sigbus_count, (int) sigbus_first_code);
        fclose(f);

        while (!stop)
                pause();

        for (size_t i = 0; i < pages; i++)
                if (pfn_of(map_start + i * PAGE))
                        present_after++;

        /* What a later access finds: data, or a SIGBUS (counted, skipped). */
        if (retouch) {
                int before = sigbus_count;

                sum_after = retouch_pages(map, pages);
                retouch_faults = (size_t) (sigbus_count - before);
        }

        f = fopen(report, "w");
        if (!f)
                return perror(report), 1;
        fprintf(f, "map_start=0x%" PRIxPTR "\nmap_end=0x%" PRIxPTR "\n", map_start, map_end);
        fprintf(f, "pages=%zu\npresent_before=%zu\npresent_after=%zu\n", pages, present_before, present_after);
        fprintf(f, "first_pfn=0x%" PRIx64 "\ncontiguous=%d\n", first_pfn, contiguous);
        fprintf(f, "sigbus=%d\nsigbus_first_code=%d\nsigbus_other_code=%d\n",
                (int) sigbus_count, (int) sigbus_first_code, (int) sigbus_other_code);
        fprintf(f, "sigbus_first_addr=0x%" PRIxPTR "\nsigbus_first_lsb=%d\nsigbus_outside=%d\n",
                (uintptr_t) sigbus_first_addr, (int) sigbus_first_lsb, (int) sigbus_outside);
        if (retouch)
                fprintf(f, "retouch_faults=%zu\nsum_before=%" PRIu64 "\nsum_after=%" PRIu64 "\n",
                        retouch_faults, sum_before, sum_after);
        fclose(f);
        return 0;
}
