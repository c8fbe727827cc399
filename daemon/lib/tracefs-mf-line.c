/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * trace_pipe's lines of ras:memory_failure_event, and the kernel's names in
 * them.  The lines hold a task's name, anybody's to choose: everything here
 * is bounded by the length it is given, and refuses rather than guesses.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "tracefs-mf.h"

#define EVENT_MARKER ": " TRACEFS_MF_EVENT ":"

#define sizeof_field(type, field) sizeof(((type *) NULL)->field)

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
