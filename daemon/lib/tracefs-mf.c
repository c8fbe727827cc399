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
#define EVENT_DIR "events/ras/memory_failure_event"
#define EVENT_NAME "memory_failure_event"
#define EVENT_MARKER ": " EVENT_NAME ":"

#define sizeof_field(type, field) sizeof(((type *) NULL)->field)

/* Bytes read in one call: a storm must not hold the caller's loop. */
#define READ_BUDGET (256u * 1024)

/* 6.1's enum mf_action_page_type (include/ras/ras_event.h, MF_PAGE_TYPE), by value. */
static const char *const page_types_6_1[] = {
        "reserved kernel page",
        "high-order kernel page",
        "kernel slab page",
        "different compound page after locking",
        "huge page",
        "free huge page",
        "unmapping failed page",
        "dirty swapcache page",
        "clean swapcache page",
        "dirty mlocked LRU page",
        "clean mlocked LRU page",
        "dirty unevictable LRU page",
        "clean unevictable LRU page",
        "dirty LRU page",
        "clean LRU page",
        "already truncated LRU page",
        "free buddy page",
        "dax page",
        "unsplit thp",
        "unknown page",
};

/* 6.1's enum mf_result (MF_ACTION_RESULT). */
static const char *const results_6_1[] = {
        "Ignored",
        "Failed",
        "Delayed",
        "Recovered",
};

/* Names a newer kernel logs that 6.1 has not: given ids of their own, so none is lost. */
struct extra_names {
        char names[TRACEFS_MF_EXTRA_NAMES][sizeof_field(struct tracefs_mf_line, page_type)];
        size_t n;
};

static struct extra_names extra_page_types, extra_results;

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

static int lookup(const char *const *table, size_t n, const char *name, uint32_t *ret) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(table[i], name) == 0) {
                        *ret = (uint32_t) i;
                        return 0;
                }
        return -ENOENT;
}

int tracefs_mf_page_type_from_name(const char *name, uint32_t *ret) {
        return lookup(page_types_6_1, ELEMENTSOF(page_types_6_1), name, ret);
}

int tracefs_mf_result_from_name(const char *name, uint32_t *ret) {
        return lookup(results_6_1, ELEMENTSOF(results_6_1), name, ret);
}

static int intern(struct extra_names *x, const char *name, uint32_t *ret) {
        size_t len = strlen(name);

        if (len == 0 || len >= sizeof(x->names[0]))
                return -EINVAL;
        for (size_t i = 0; i < x->n; i++)
                if (strcmp(x->names[i], name) == 0) {
                        *ret = TRACEFS_MF_EXTRA_ID + (uint32_t) i;
                        return 0;
                }
        if (x->n == ELEMENTSOF(x->names))
                return -ENOSPC;
        memcpy(x->names[x->n], name, len + 1);
        *ret = TRACEFS_MF_EXTRA_ID + (uint32_t) x->n++;
        return 0;
}

int tracefs_mf_page_type_id(const char *name, uint32_t *ret) {
        if (tracefs_mf_page_type_from_name(name, ret) == 0)
                return 0;
        return intern(&extra_page_types, name, ret);
}

int tracefs_mf_result_id(const char *name, uint32_t *ret) {
        /* Results are shorter: the same limit as the line's field. */
        if (strlen(name) >= sizeof_field(struct tracefs_mf_line, result))
                return -EINVAL;
        if (tracefs_mf_result_from_name(name, ret) == 0)
                return 0;
        return intern(&extra_results, name, ret);
}

static const char *name_of(const char *const *table, size_t n, const struct extra_names *x, uint32_t id) {
        if (id < n)
                return table[id];
        if (id >= TRACEFS_MF_EXTRA_ID && id - TRACEFS_MF_EXTRA_ID < x->n)
                return x->names[id - TRACEFS_MF_EXTRA_ID];
        return NULL;
}

const char *tracefs_mf_page_type_name(uint32_t type) {
        return name_of(page_types_6_1, ELEMENTSOF(page_types_6_1), &extra_page_types, type);
}

const char *tracefs_mf_result_name(uint32_t result) {
        return name_of(results_6_1, ELEMENTSOF(results_6_1), &extra_results, result);
}

/* ---- lines ---- */

static bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

/* Decimal digits [p, end) into *ret: -EBADMSG when none, or too large. */
static int parse_decimal(const char *p, const char *end, uint64_t *ret) {
        uint64_t v = 0;

        if (p == end)
                return -EBADMSG;
        for (; p < end; p++) {
                if (!is_digit(*p) || v > (UINT64_MAX - (uint64_t) (*p - '0')) / 10)
                        return -EBADMSG;
                v = v * 10 + (uint64_t) (*p - '0');
        }
        *ret = v;
        return 0;
}

/*
 * The timestamp that ends at end: "SECONDS.USECONDS" (six digits, as the
 * trace prints a clock counting nanoseconds), starting the line or after a
 * space.  In nanoseconds.
 */
static int parse_timestamp(const char *line, const char *end, uint64_t *ret) {
        const char *start = end, *dot;
        uint64_t sec, usec;

        while (start > line && (is_digit(start[-1]) || start[-1] == '.'))
                start--;
        if (start > line && start[-1] != ' ')
                return -EBADMSG;
        dot = memchr(start, '.', (size_t) (end - start));
        if (!dot || end - (dot + 1) != 6)
                return -EBADMSG;
        if (parse_decimal(start, dot, &sec) < 0 || parse_decimal(dot + 1, end, &usec) < 0)
                return -EBADMSG;
        if (sec > (UINT64_MAX - usec * 1000) / 1000000000)
                return -EBADMSG;
        *ret = sec * 1000000000 + usec * 1000;
        return 0;
}

/* Whether [p, end) starts with s; if so, *p moves past it. */
static bool skip(const char **p, const char *end, const char *s) {
        size_t n = strlen(s);

        if ((size_t) (end - *p) < n || memcmp(*p, s, n) != 0)
                return false;
        *p += n;
        return true;
}

/* A pfn as %#lx prints it: "0", or "0x" and at most 16 hex digits. */
static int parse_pfn(const char **p, const char *end, uint64_t *ret) {
        const char *s;
        uint64_t v = 0;

        if (skip(p, end, "0x")) {
                for (s = *p; *p < end && *p - s < 17; (*p)++) {
                        char c = **p;
                        unsigned d;

                        if (is_digit(c))
                                d = (unsigned) (c - '0');
                        else if (c >= 'a' && c <= 'f')
                                d = (unsigned) (c - 'a' + 10);
                        else
                                break;
                        v = v << 4 | d;
                }
                if (*p == s || *p - s > 16)
                        return -EBADMSG;
        } else if (!skip(p, end, "0"))
                return -EBADMSG;
        *ret = v;
        return 0;
}

/* A name the kernel printed into buf: not empty, printable ASCII, no space around it, fits. */
static int copy_name(const char *p, const char *end, char *buf, size_t size) {
        size_t len = (size_t) (end - p);

        if (len == 0 || len >= size || p[0] == ' ' || end[-1] == ' ')
                return -EBADMSG;
        for (const char *c = p; c < end; c++)
                if (*c < 0x20 || *c > 0x7e)
                        return -EBADMSG;
        memcpy(buf, p, len);
        buf[len] = '\0';
        return 0;
}

/* Whether this is a line of another event: a timestamp, then "name: ". */
static bool is_event_line(const char *line, size_t len) {
        const char *end = line + len, *p = line, *q;
        uint64_t ts;

        while ((q = memmem(p, (size_t) (end - p), ": ", 2))) {
                const char *name = q + 2, *n = name;

                while (n < end && (is_digit(*n) || (*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || *n == '_'))
                        n++;
                if (n > name && n < end && *n == ':' && parse_timestamp(line, q, &ts) == 0)
                        return true;
                p = q + 1;
        }
        return false;
}

int tracefs_mf_parse_line(const char *line, size_t len, struct tracefs_mf_line *ret) {
        struct tracefs_mf_line l = {};
        const char *end, *m, *p, *sep;

        if (!line)
                return -EBADMSG;
        if (len > 0 && line[len - 1] == '\n')
                len--;
        if (len > TRACEFS_MF_LINE_MAX || memchr(line, '\0', len))
                return -EBADMSG;
        end = line + len;

        /*
         * The task's name comes first and may hold anything, but not the
         * marker (it is longer than a task's name): whatever precedes the
         * marker right away is the kernel's, and so is all after it.
         */
        m = memmem(line, len, EVENT_MARKER, strlen(EVENT_MARKER));
        if (!m)
                return is_event_line(line, len) ? -ENOENT : -EBADMSG;
        if (parse_timestamp(line, m, &l.timestamp_ns) < 0)
                return -EBADMSG;

        /* "pfn %#lx: recovery action for %s: %s" */
        p = m + strlen(EVENT_MARKER);
        if (!skip(&p, end, " pfn ") || parse_pfn(&p, end, &l.pfn) < 0 || !skip(&p, end, ": recovery action for "))
                return -EBADMSG;
        /* Results have no ": "; should a page type ever have one, it stays whole. */
        sep = NULL;
        for (const char *q = p; (q = memmem(q, (size_t) (end - q), ": ", 2)); q++)
                sep = q;
        if (!sep || copy_name(p, sep, l.page_type, sizeof(l.page_type)) < 0 ||
            copy_name(sep + 2, end, l.result, sizeof(l.result)) < 0)
                return -EBADMSG;

        *ret = l;
        return 0;
}

int tracefs_mf_parse_lost_line(const char *line, size_t len, uint64_t *ret) {
        const char *p = line, *end, *s;
        uint64_t cpu, lost;

        if (!line)
                return -ENOENT;
        if (len > 0 && line[len - 1] == '\n')
                len--;
        end = line + len;
        /* "CPU:%d [LOST %lu EVENTS]", or "CPU:%d [LOST EVENTS]" when the number is unknown. */
        if (!skip(&p, end, "CPU:"))
                return -ENOENT;
        for (s = p; p < end && is_digit(*p); p++)
                ;
        if (parse_decimal(s, p, &cpu) < 0 || !skip(&p, end, " [LOST "))
                return -ENOENT;
        if (skip(&p, end, "EVENTS]") && p == end) {
                *ret = 1;
                return 0;
        }
        for (s = p; p < end && is_digit(*p); p++)
                ;
        if (parse_decimal(s, p, &lost) < 0 || lost == 0 || !skip(&p, end, " EVENTS]") || p != end)
                return -ENOENT;
        *ret = lost;
        return 0;
}

/* ---- the instance ---- */

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
                *why = "the kernel has no tracepoint ras:" EVENT_NAME;
                return -ENOENT;
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
                *why = r == -ENOENT ? "the trace instance has no event ras:" EVENT_NAME :
                       permission_error(r) ? "not allowed to enable ras:" EVENT_NAME :
                       "cannot enable ras:" EVENT_NAME;
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
        struct daxmf_mf_coalescer *c = &t->coalescer;

        if (!c->lost || pfn < c->lost_first_pfn)
                c->lost_first_pfn = pfn;
        if (!c->lost || pfn > c->lost_last_pfn)
                c->lost_last_pfn = pfn;
        c->lost++;
        c->events_total++;
        c->lost_total++;
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
                if (memmem(line, len, EVENT_NAME, strlen(EVENT_NAME))) {
                        log_debug("tracefs: cannot parse a %s line: %.*s", EVENT_NAME, (int) len, line);
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
                else if (memmem(t->line, t->line_len, EVENT_NAME, strlen(EVENT_NAME))) {
                        log_debug("tracefs: a %s line longer than %zu bytes", EVENT_NAME, sizeof(t->line));
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
