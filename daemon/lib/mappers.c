/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "mappers.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(DIR *, closedir)
DEFINE_TRIVIAL_CLEANUP_FUNC(FILE *, fclose)

/* The systemd unit of a process, from its cgroup path; "" when none. */
static void read_unit(const char *proc_root, int pid, char *buf, size_t size) {
        _cleanup_(fclosep) FILE *f = NULL;
        char path[PATH_MAX], line[512];

        buf[0] = '\0';
        snprintf(path, sizeof(path), "%s/%d/cgroup", proc_root, pid);
        f = fopen(path, "re");
        if (!f)
                return;
        while (fgets(line, sizeof(line), f)) {
                char *p = strstr(line, "::/"), *c, *u = NULL, *save = NULL;

                if (!p)
                        continue;
                line[strcspn(line, "\n")] = '\0';
                /* The innermost .service or .scope component names the unit. */
                for (c = strtok_r(p + 3, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
                        size_t n = strlen(c);

                        if ((n > 8 && strcmp(c + n - 8, ".service") == 0) || (n > 6 && strcmp(c + n - 6, ".scope") == 0))
                                u = c;
                }
                if (u)
                        snprintf(buf, size, "%s", u);
                break;
        }
}

static void read_comm(const char *proc_root, int pid, char *buf, size_t size) {
        _cleanup_(fclosep) FILE *f = NULL;
        char path[PATH_MAX];

        snprintf(buf, size, "?");
        snprintf(path, sizeof(path), "%s/%d/comm", proc_root, pid);
        f = fopen(path, "re");
        if (!f)
                return;
        if (fgets(buf, (int) size, f))
                buf[strcspn(buf, "\n")] = '\0';
}

void mapping_snapshot_done(struct mapping_snapshot *s) {
        for (size_t i = 0; i < s->n; i++)
                free(s->mappings[i].path);
        free(s->mappings);
        *s = (struct mapping_snapshot) {};
}

static int snapshot_add(struct mapping_snapshot *s, int pid, const char *comm, const char *unit,
                        const struct maps_entry *e) {
        struct mapping *n;
        char *path;

        path = strdup(e->path);
        if (!path)
                return -ENOMEM;
        n = reallocarray(s->mappings, s->n + 1, sizeof(*n));
        if (!n) {
                free(path);
                return -ENOMEM;
        }
        s->mappings = n;
        n = &s->mappings[s->n++];
        *n = (struct mapping) {
                .pid = pid,
                .path = path,
                .start = e->start,
                .end = e->end,
                .offset = e->offset,
                .major = e->major,
                .minor = e->minor,
                .inode = e->inode,
        };
        snprintf(n->comm, sizeof(n->comm), "%s", comm);
        snprintf(n->unit, sizeof(n->unit), "%s", unit);
        return 0;
}

/* One process's entries; comm and unit are read once, for the first entry kept. */
static int snapshot_process(struct mapping_snapshot *s, const char *proc_root, int pid, mapping_filter_t filter,
                            void *userdata) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        char path[PATH_MAX], comm[64] = "", unit[256] = "";
        size_t allocated = 0;
        int r;

        snprintf(path, sizeof(path), "%s/%d/maps", proc_root, pid);
        f = fopen(path, "re");
        if (!f)
                return 0;       /* gone, or not ours to read */
        while (getline(&line, &allocated, f) >= 0) {
                struct maps_entry e;

                if (maps_parse_line(line, &e) < 0 || !e.path[0] || (filter && !filter(&e, userdata)))
                        continue;
                if (!comm[0]) {
                        read_comm(proc_root, pid, comm, sizeof(comm));
                        read_unit(proc_root, pid, unit, sizeof(unit));
                }
                r = snapshot_add(s, pid, comm, unit, &e);
                if (r < 0)
                        return r;
        }
        return 0;
}

int mapping_snapshot_take(struct mapping_snapshot *ret, const char *proc_root, mapping_filter_t filter,
                          void *userdata) {
        _cleanup_(mapping_snapshot_done) struct mapping_snapshot s = {};
        _cleanup_(closedirp) DIR *proc = NULL;
        struct dirent *de;
        int r;

        proc = opendir(proc_root);
        if (!proc)
                return -errno;
        while ((de = readdir(proc))) {
                char *end;
                long pid;

                if (!isdigit((unsigned char) de->d_name[0]))
                        continue;
                pid = strtol(de->d_name, &end, 10);
                if (*end || pid <= 0 || pid > INT32_MAX)
                        continue;
                r = snapshot_process(&s, proc_root, (int) pid, filter, userdata);
                if (r < 0)
                        return r;
        }
        *ret = s;
        s = (struct mapping_snapshot) {};
        return 0;
}

static int targets_add(struct mapper_targets *t, const struct mapper_target *target) {
        struct mapper_target *n;

        if (t->n == t->allocated) {
                size_t want = t->allocated ? t->allocated * 2 : 16;

                n = reallocarray(t->targets, want, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                t->targets = n;
                t->allocated = want;
        }
        t->targets[t->n++] = *target;
        /* The sorted order is made again at the next match. */
        t->n_order = 0;
        return 0;
}

int mapper_targets_add_file(struct mapper_targets *t, unsigned major, unsigned minor, uint64_t inode,
                            uint64_t start, uint64_t end) {
        if (inode == 0 || start >= end)
                return -EINVAL;
        return targets_add(t, &(struct mapper_target) {
                .major = major,
                .minor = minor,
                .inode = inode,
                .start = start,
                .end = end,
        });
}

int mapper_targets_add_device(struct mapper_targets *t, const char *path, uint64_t start, uint64_t end) {
        char *p;
        int r;

        if (!path || path[0] != '/' || start >= end)
                return -EINVAL;
        p = strdup(path);
        if (!p)
                return -ENOMEM;
        r = targets_add(t, &(struct mapper_target) { .path = p, .start = start, .end = end });
        if (r < 0)
                free(p);
        return r;
}

void mapper_targets_done(struct mapper_targets *t) {
        for (size_t i = 0; i < t->n; i++)
                free(t->targets[i].path);
        free(t->targets);
        free(t->order);
        *t = (struct mapper_targets) {};
}

void mapper_hits_done(struct mapper_hits *h) {
        free(h->hits);
        *h = (struct mapper_hits) {};
}

static int compare_key(unsigned major_a, unsigned minor_a, uint64_t inode_a, unsigned major_b, unsigned minor_b,
                       uint64_t inode_b) {
        if (major_a != major_b)
                return major_a < major_b ? -1 : 1;
        if (minor_a != minor_b)
                return minor_a < minor_b ? -1 : 1;
        if (inode_a != inode_b)
                return inode_a < inode_b ? -1 : 1;
        return 0;
}

static int compare_targets(const void *a, const void *b, void *userdata) {
        const struct mapper_target *t = userdata, *x = &t[*(const size_t *) a], *y = &t[*(const size_t *) b];
        int c = compare_key(x->major, x->minor, x->inode, y->major, y->minor, y->inode);

        if (c)
                return c;
        /* Equal keys stay in the order added: hits come out in that order. */
        return *(const size_t *) a < *(const size_t *) b ? -1 : 1;
}

/* The file targets' indices, sorted by file: a mapping then finds its file's targets by bisection. */
static int targets_sort(struct mapper_targets *t) {
        size_t *order, n = 0;

        if (t->n_order > 0 || t->n == 0)
                return 0;
        order = reallocarray(t->order, t->n, sizeof(size_t));
        if (!order)
                return -ENOMEM;
        t->order = order;
        for (size_t i = 0; i < t->n; i++)
                if (t->targets[i].inode)
                        order[n++] = i;
        qsort_r(order, n, sizeof(size_t), compare_targets, t->targets);
        t->n_order = n;
        return 0;
}

static int hits_add(struct mapper_hits *h, const struct mapper_hit *hit) {
        struct mapper_hit *n;

        if (h->n == h->allocated) {
                size_t want = h->allocated ? h->allocated * 2 : 16;

                n = reallocarray(h->hits, want, sizeof(*n));
                if (!n)
                        return -ENOMEM;
                h->hits = n;
                h->allocated = want;
        }
        h->hits[h->n++] = *hit;
        return 0;
}

/* The overlap of mapping m with target t's bytes, as a hit; false when they do not meet. */
static bool overlap(const struct mapping *m, const struct mapper_target *t, struct mapper_hit *ret) {
        uint64_t size = m->end - m->start;
        uint64_t m_end = m->offset > UINT64_MAX - size ? UINT64_MAX : m->offset + size;
        uint64_t from = m->offset > t->start ? m->offset : t->start;
        uint64_t to = m_end < t->end ? m_end : t->end;

        if (from >= to)
                return false;
        ret->offset = from;
        ret->length = to - from;
        ret->address = m->start + (from - m->offset);
        return true;
}

/* Mapping i against every target of its file, and every device target of its path. */
static int match_one(const struct mapping_snapshot *s, size_t i, const struct mapper_targets *t,
                     struct mapper_hits *ret, size_t *scratch) {
        const struct mapping *m = &s->mappings[i];
        size_t lo = 0, hi = t->n_order, n = 0;
        int r;

        /* The first sorted target not below the mapping's file. */
        while (m->inode && lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                const struct mapper_target *x = &t->targets[t->order[mid]];

                if (compare_key(x->major, x->minor, x->inode, m->major, m->minor, m->inode) < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t k = lo; m->inode && k < t->n_order; k++) {
                const struct mapper_target *x = &t->targets[t->order[k]];

                if (compare_key(x->major, x->minor, x->inode, m->major, m->minor, m->inode) != 0)
                        break;
                scratch[n++] = t->order[k];
        }
        for (size_t k = 0; k < t->n; k++)
                if (!t->targets[k].inode && strcmp(t->targets[k].path, m->path) == 0)
                        scratch[n++] = k;
        /* In the order the targets were added: the file's are, the devices' come after; merge them. */
        for (size_t a = 1; a < n; a++)
                for (size_t b = a; b > 0 && scratch[b - 1] > scratch[b]; b--) {
                        size_t x = scratch[b];

                        scratch[b] = scratch[b - 1];
                        scratch[b - 1] = x;
                }
        for (size_t k = 0; k < n; k++) {
                struct mapper_hit hit = { .mapping = i, .target = scratch[k] };

                if (!overlap(m, &t->targets[scratch[k]], &hit))
                        continue;
                r = hits_add(ret, &hit);
                if (r < 0)
                        return r;
        }
        return 0;
}

int mappers_match(const struct mapping_snapshot *s, struct mapper_targets *t, struct mapper_hits *ret) {
        _cleanup_(mapper_hits_done) struct mapper_hits hits = {};
        _cleanup_free_ size_t *scratch = NULL;
        int r;

        r = targets_sort(t);
        if (r < 0)
                return r;
        scratch = calloc(t->n ? t->n : 1, sizeof(size_t));
        if (!scratch)
                return -ENOMEM;
        for (size_t i = 0; i < s->n; i++) {
                r = match_one(s, i, t, &hits, scratch);
                if (r < 0)
                        return r;
        }
        mapper_hits_done(ret);
        *ret = hits;
        hits = (struct mapper_hits) {};
        return 0;
}
