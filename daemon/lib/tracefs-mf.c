/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <linux/daxmf.h>
#include <linux/magic.h>

#include "log.h"
#include "macro.h"
#include "tracefs-mf.h"

#define INSTANCE "instances/daxmfd"
#define EVENT_DIR "events/ras/" TRACEFS_MF_EVENT

/* Bytes read in one call: a storm must not hold the caller's loop. */
#define READ_BUDGET (256u * 1024)

struct tracefs_mf {
        int tracing_fd;                 /* the tracefs */
        int instance_fd;                /* our instance in it */
        int pipe_fd;                    /* the instance's trace_pipe */
        bool mono;                      /* its clock is CLOCK_MONOTONIC's */

        struct daxmf_mf_coalescer coalescer;
        struct daxmf_mf_range *ring;
        /* Ranges set aside, closed, when the coalescer filled up; taken first. */
        struct daxmf_mf_range *full;
        size_t n_full;
        /* Events dropped whose pfn is unknown (not in the coalescer's span). */
        uint64_t lost_unknown;

        /* The line read so far: trace_pipe hands out bytes, not lines. */
        char line[TRACEFS_MF_LINE_MAX];
        size_t line_len;
        bool line_overlong;             /* more came than fits: what did not is gone */
};

static int write_at(int dir_fd, const char *path, const char *s) {
        size_t len = strlen(s);
        ssize_t n;
        int fd, r = 0;

        fd = openat(dir_fd, path, O_WRONLY | O_TRUNC | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        do
                n = write(fd, s, len);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                r = -errno;
        else if ((size_t) n != len)
                r = -EIO;
        close(fd);
        return r;
}

static int read_at(int dir_fd, const char *path, char *buf, size_t size) {
        ssize_t n;
        int fd;

        fd = openat(dir_fd, path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        do
                n = read(fd, buf, size - 1);
        while (n < 0 && errno == EINTR);
        close(fd);
        if (n < 0)
                return -errno;
        buf[n] = '\0';
        return 0;
}

/*
 * /sys/kernel/tracing when tracefs is mounted there (an empty directory
 * otherwise), else debugfs's tracing, which mounts it when looked at.
 */
static int open_tracefs(void) {
        static const char *const paths[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                struct statfs sfs;
                int fd;

                fd = open(paths[i], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
                if (fd < 0)
                        continue;
                if ((fstatfs(fd, &sfs) == 0 && sfs.f_type == TRACEFS_MAGIC) ||
                    faccessat(fd, "instances", F_OK, 0) == 0)
                        return fd;
                close(fd);
        }
        return -ENOENT;
}

static bool permission_error(int r) {
        return r == -EACCES || r == -EPERM || r == -EROFS;
}

static void disable_and_remove(int tracing_fd, int instance_fd) {
        if (instance_fd < 0)
                return;         /* never got that far: not ours to remove */
        (void) write_at(instance_fd, EVENT_DIR "/enable", "0");
        /* An instance goes away with its buffer; busy while anybody reads it. */
        if (unlinkat(tracing_fd, INSTANCE, AT_REMOVEDIR) < 0 && errno != ENOENT)
                log_debug("tracefs: cannot remove the instance %s: %s", INSTANCE, strerror(errno));
}

struct tracefs_mf *tracefs_mf_close(struct tracefs_mf *t) {
        if (!t)
                return NULL;
        if (t->pipe_fd >= 0)
                close(t->pipe_fd);
        disable_and_remove(t->tracing_fd, t->instance_fd);
        if (t->instance_fd >= 0)
                close(t->instance_fd);
        close(t->tracing_fd);
        free(t->ring);
        free(t->full);
        free(t);
        return NULL;
}
DEFINE_TRIVIAL_CLEANUP_FUNC(struct tracefs_mf *, tracefs_mf_close)

/*
 * "mono", so events carry their own CLOCK_MONOTONIC time.  Setting the
 * clock empties the buffer: an instance left by a crashed run keeps the
 * events it caught when its clock is already right.
 */
static bool set_clock_mono(int instance_fd) {
        char clocks[512];
        int r;

        if (read_at(instance_fd, "trace_clock", clocks, sizeof(clocks)) == 0 && strstr(clocks, "[mono]"))
                return true;
        r = write_at(instance_fd, "trace_clock", "mono");
        if (r < 0) {
                log_info("tracefs: the trace clock 'mono' was refused (%s): memory failures are timed when read",
                         strerror(-r));
                return false;
        }
        return true;
}

static int open_instance(struct tracefs_mf *t, const char **why) {
        int r;

        if (faccessat(t->tracing_fd, EVENT_DIR, F_OK, 0) < 0) {
                r = -errno;
                /* tracefs is 0700 root: a daemon without the right to look in is not told "no tracepoint". */
                *why = r == -ENOENT ? "the kernel has no tracepoint ras:" TRACEFS_MF_EVENT :
                       permission_error(r) ? "not allowed to look into tracefs for ras:" TRACEFS_MF_EVENT :
                       "cannot look up the tracepoint ras:" TRACEFS_MF_EVENT;
                return r;
        }
        /* Left by a crashed run: ours, taken over. */
        if (mkdirat(t->tracing_fd, INSTANCE, 0750) < 0 && errno != EEXIST) {
                r = -errno;
                *why = "cannot make the trace instance " INSTANCE;
                return r;
        }
        t->instance_fd = openat(t->tracing_fd, INSTANCE, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (t->instance_fd < 0) {
                r = -errno;
                *why = "cannot open the trace instance " INSTANCE;
                return r;
        }

        t->mono = set_clock_mono(t->instance_fd);

        r = write_at(t->instance_fd, EVENT_DIR "/enable", "1");
        if (r < 0) {
                *why = r == -ENOENT ? "the trace instance has no event ras:" TRACEFS_MF_EVENT :
                       permission_error(r) ? "not allowed to enable ras:" TRACEFS_MF_EVENT :
                       "cannot enable ras:" TRACEFS_MF_EVENT;
                return r;
        }
        t->pipe_fd = openat(t->instance_fd, "trace_pipe", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        if (t->pipe_fd < 0) {
                r = -errno;
                *why = "cannot open the instance's trace_pipe";
                return r;
        }
        return 0;
}

static int open_fd(int tracing_fd, struct tracefs_mf **ret, uint32_t records, uint64_t window_ns,
                   uint64_t max_delay_ns, const char **ret_why) {
        _cleanup_(tracefs_mf_closep) struct tracefs_mf *t = NULL;
        const char *why = NULL;
        int r;

        if (records == 0) {
                close(tracing_fd);
                why = "no room for a range (records 0)";
                r = -EINVAL;
                goto fail;
        }
        t = calloc(1, sizeof(*t));
        if (!t) {
                close(tracing_fd);
                return -ENOMEM;
        }
        t->tracing_fd = tracing_fd;
        t->instance_fd = t->pipe_fd = -1;
        t->ring = calloc(records, sizeof(*t->ring));
        t->full = calloc(records, sizeof(*t->full));
        if (!t->ring || !t->full)
                return -ENOMEM;
        daxmf_mf_init(&t->coalescer, t->ring, records, window_ns, max_delay_ns);

        r = open_instance(t, &why);
        if (r < 0)
                goto fail;

        *ret = TAKE_PTR(t);
        return 0;

fail:
        if (ret_why)
                *ret_why = why;
        return r;
}

int tracefs_mf_open_at(const char *tracing, struct tracefs_mf **ret, uint32_t records, uint64_t window_ns,
                       uint64_t max_delay_ns, const char **ret_why) {
        int fd;

        fd = open(tracing, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                if (ret_why)
                        *ret_why = "cannot open tracefs";
                return -errno;
        }
        return open_fd(fd, ret, records, window_ns, max_delay_ns, ret_why);
}

int tracefs_mf_open(struct tracefs_mf **ret, uint32_t records, uint64_t window_ns, uint64_t max_delay_ns,
                    const char **ret_why) {
        int fd;

        fd = open_tracefs();
        if (fd < 0) {
                if (ret_why)
                        *ret_why = "no tracefs (neither /sys/kernel/tracing nor /sys/kernel/debug/tracing)";
                return fd;
        }
        return open_fd(fd, ret, records, window_ns, max_delay_ns, ret_why);
}

int tracefs_mf_fd(struct tracefs_mf *t) {
        return t->pipe_fd;
}

bool tracefs_mf_clock_mono(struct tracefs_mf *t) {
        return t->mono;
}

/* ---- reading ---- */

/* An event that cannot be coalesced, its pfn known: counted as the coalescer counts its own. */
static void lose_pfn(struct tracefs_mf *t, uint64_t pfn) {
        t->coalescer.events_total++;
        daxmf_mf_lose(&t->coalescer, 1, pfn, pfn);
}

static void lose_unknown(struct tracefs_mf *t, uint64_t events) {
        t->lost_unknown += events;
        t->coalescer.events_total += events;
        t->coalescer.lost_total += events;
}

/* A full coalescer is emptied at once, as the module sends a full buffer at once. */
static void set_aside_if_full(struct tracefs_mf *t, uint64_t now) {
        size_t room = t->coalescer.cap - t->n_full;

        if (!daxmf_mf_full(&t->coalescer) || room == 0)
                return;
        t->n_full += daxmf_mf_take(&t->coalescer, now, true, t->full + t->n_full, (uint32_t) room);
}

static void handle_line(struct tracefs_mf *t, const char *line, size_t len, uint64_t now_ns) {
        struct tracefs_mf_line l;
        struct daxmf_mf_key key = {
                .origin = DAXMF_MF_ORIGIN_KERNEL,
        };
        uint64_t lost, now;
        int r;

        if (len == 0)
                return;
        if (tracefs_mf_parse_lost_line(line, len, &lost) == 0) {
                /* Told by tracefs_mf_take_lost(): here only the details. */
                log_debug("tracefs: the trace buffer overwrote %" PRIu64 " memory-failure events", lost);
                lose_unknown(t, lost);
                return;
        }
        r = tracefs_mf_parse_line(line, len, &l);
        if (r == -ENOENT)
                return;                 /* not ours: the instance has only our event enabled */
        if (r < 0) {
                /* Our event, its pfn unreadable: lost, and said so. */
                if (memmem(line, len, TRACEFS_MF_EVENT, strlen(TRACEFS_MF_EVENT))) {
                        log_debug("tracefs: cannot parse a %s line: %.*s", TRACEFS_MF_EVENT, (int) len, line);
                        lose_unknown(t, 1);
                }
                return;
        }
        if (tracefs_mf_page_type_id(l.page_type, &key.type) < 0 || tracefs_mf_result_id(l.result, &key.result) < 0) {
                log_debug("tracefs: too many page types or results unknown to 6.1 (\"%s\", \"%s\")",
                          l.page_type, l.result);
                lose_pfn(t, l.pfn);
                return;
        }

        now = t->mono ? l.timestamp_ns : now_ns;
        (void) daxmf_mf_add(&t->coalescer, l.pfn, &key, now);
        set_aside_if_full(t, now);
}

/* Split what was read into lines; the last, unfinished one is kept for the next read. */
static void feed(struct tracefs_mf *t, const char *buf, size_t size, uint64_t now_ns) {
        while (size > 0) {
                const char *nl = memchr(buf, '\n', size);
                size_t len = nl ? (size_t) (nl - buf) : size, room = sizeof(t->line) - t->line_len;

                if (len > room) {
                        t->line_overlong = true;
                        memcpy(t->line + t->line_len, buf, room);
                        t->line_len += room;
                } else {
                        memcpy(t->line + t->line_len, buf, len);
                        t->line_len += len;
                }
                if (!nl)
                        return;

                if (!t->line_overlong)
                        handle_line(t, t->line, t->line_len, now_ns);
                else if (memmem(t->line, t->line_len, TRACEFS_MF_EVENT, strlen(TRACEFS_MF_EVENT))) {
                        log_debug("tracefs: a %s line longer than %zu bytes", TRACEFS_MF_EVENT, sizeof(t->line));
                        lose_unknown(t, 1);
                }
                t->line_len = 0;
                t->line_overlong = false;
                buf = nl + 1;
                size -= len + 1;
        }
}

int tracefs_mf_read(struct tracefs_mf *t, uint64_t now_ns) {
        size_t budget = READ_BUDGET;
        char buf[4096];

        while (budget > 0) {
                ssize_t n;

                n = read(t->pipe_fd, buf, sizeof(buf) < budget ? sizeof(buf) : budget);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0 && errno == EAGAIN)
                        return 0;
                if (n < 0)
                        return -errno;
                if (n == 0)
                        return 0;
                feed(t, buf, (size_t) n, now_ns);
                budget -= (size_t) n;
        }
        return 0;
}

size_t tracefs_mf_take(struct tracefs_mf *t, uint64_t now_ns, bool force, struct daxmf_mf_range *out, size_t max) {
        size_t n = t->n_full < max ? t->n_full : max;

        /* Set aside first: they are older than any range still held. */
        if (n > 0) {
                memcpy(out, t->full, n * sizeof(*out));
                memmove(t->full, t->full + n, (t->n_full - n) * sizeof(*t->full));
                t->n_full -= n;
        }
        max -= n;
        if (max == 0)
                return n;
        if (max > UINT32_MAX)
                max = UINT32_MAX;
        return n + daxmf_mf_take(&t->coalescer, now_ns, force, out + n, (uint32_t) max);
}

bool tracefs_mf_next_close(struct tracefs_mf *t, uint64_t *ret_ns) {
        if (t->n_full > 0) {
                *ret_ns = 0;
                return true;
        }
        return daxmf_mf_next_close(&t->coalescer, ret_ns);
}

uint64_t tracefs_mf_take_lost(struct tracefs_mf *t, uint64_t *ret_first_pfn, uint64_t *ret_last_pfn) {
        uint64_t lost = daxmf_mf_take_lost(&t->coalescer, ret_first_pfn, ret_last_pfn);

        lost += t->lost_unknown;
        t->lost_unknown = 0;
        return lost;
}
