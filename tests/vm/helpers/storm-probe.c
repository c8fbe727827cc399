/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Watch a daemon through a storm: every INTERVAL ms run COMMAND (e.g.
 * `daxmfctl status`) and time it, and sample the daemon's memory (VmRSS,
 * VmHWM) and open fds from /proc/PID.  Runs until STOPFILE exists, then
 * writes a key=value report:
 *
 *   probes, probe_failures (non-zero exit or killed), worst_ms, mean_ms,
 *   rss_max_kb, hwm_kb, fds_min, fds_max, alive (the pid still existed)
 *
 * A probe that does not answer within TIMEOUT ms is killed and counted as a
 * failure (its latency is then TIMEOUT).
 *
 * storm-probe --pid PID --interval-ms N --timeout-ms N --stop STOPFILE
 *             --report FILE -- COMMAND [ARG...]
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* "Name:   1234 kB" of /proc/PID/status; -1 when gone. */
static long status_kb(int pid, const char *name) {
        char path[64], line[256];
        size_t n = strlen(name);
        long v = -1;
        FILE *f;

        snprintf(path, sizeof(path), "/proc/%d/status", pid);
        f = fopen(path, "re");
        if (!f)
                return -1;
        while (fgets(line, sizeof(line), f))
                if (strncmp(line, name, n) == 0 && line[n] == ':') {
                        v = strtol(line + n + 1, NULL, 10);
                        break;
                }
        fclose(f);
        return v;
}

static long count_fds(int pid) {
        char path[64];
        struct dirent *de;
        long n = 0;
        DIR *d;

        snprintf(path, sizeof(path), "/proc/%d/fd", pid);
        d = opendir(path);
        if (!d)
                return -1;
        while ((de = readdir(d)))
                if (de->d_name[0] != '.')
                        n++;
        closedir(d);
        return n;
}

/* Run argv with stdout/stderr to /dev/null; its latency in ms, *failed on error or timeout. */
static double run_probe(char **argv, double timeout_ms, int *failed) {
        double start = now_ms(), elapsed;
        int status;
        pid_t pid;

        *failed = 0;
        pid = fork();
        if (pid < 0) {
                *failed = 1;
                return 0;
        }
        if (pid == 0) {
                int fd = open("/dev/null", O_WRONLY);

                if (fd >= 0) {
                        dup2(fd, 1);
                        dup2(fd, 2);
                }
                execvp(argv[0], argv);
                _exit(127);
        }
        for (;;) {
                pid_t r = waitpid(pid, &status, WNOHANG);

                elapsed = now_ms() - start;
                if (r == pid)
                        break;
                if (elapsed > timeout_ms) {
                        kill(pid, SIGKILL);
                        waitpid(pid, &status, 0);
                        *failed = 1;
                        return timeout_ms;
                }
                usleep(2000);
        }
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
                *failed = 1;
        return elapsed;
}

int main(int argc, char *argv[]) {
        static const struct option opts[] = {
                { "pid", required_argument, NULL, 'p' },
                { "interval-ms", required_argument, NULL, 'i' },
                { "timeout-ms", required_argument, NULL, 't' },
                { "stop", required_argument, NULL, 's' },
                { "report", required_argument, NULL, 'r' },
                {},
        };
        const char *stop = NULL, *report = NULL;
        long interval = 200, timeout = 10000, rss_max = 0, hwm = 0, fds_min = -1, fds_max = 0;
        double worst = 0, sum = 0;
        unsigned long probes = 0, failures = 0;
        int pid = 0, c, alive = 1;
        FILE *out;

        while ((c = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (c) {
                case 'p': pid = atoi(optarg); break;
                case 'i': interval = atol(optarg); break;
                case 't': timeout = atol(optarg); break;
                case 's': stop = optarg; break;
                case 'r': report = optarg; break;
                default: return 2;
                }
        if (pid <= 0 || !stop || !report || optind >= argc || interval <= 0 || timeout <= 0) {
                fprintf(stderr, "usage: storm-probe --pid PID --interval-ms N --timeout-ms N --stop FILE "
                                "--report FILE -- COMMAND...\n");
                return 2;
        }

        /* At least one probe, then until told to stop. */
        do {
                long rss = status_kb(pid, "VmRSS"), h = status_kb(pid, "VmHWM"), fds = count_fds(pid);
                int failed;
                double ms;

                if (rss < 0 || fds < 0) {
                        alive = 0;
                        break;
                }
                if (rss > rss_max)
                        rss_max = rss;
                if (h > hwm)
                        hwm = h;
                if (fds_min < 0 || fds < fds_min)
                        fds_min = fds;
                if (fds > fds_max)
                        fds_max = fds;

                ms = run_probe(argv + optind, (double) timeout, &failed);
                probes++;
                failures += failed;
                sum += ms;
                if (ms > worst)
                        worst = ms;
                usleep((useconds_t) interval * 1000);
        } while (access(stop, F_OK) < 0);

        out = fopen(report, "we");
        if (!out)
                return perror(report), 1;
        fprintf(out, "probes=%lu\nprobe_failures=%lu\nworst_ms=%.0f\nmean_ms=%.0f\nrss_max_kb=%ld\nhwm_kb=%ld\n"
                     "fds_min=%ld\nfds_max=%ld\nalive=%d\n",
                probes, failures, worst, probes ? sum / (double) probes : 0.0, rss_max, hwm, fds_min, fds_max,
                alive);
        return fclose(out) == 0 ? 0 : 1;
}
