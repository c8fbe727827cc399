/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/fsmap.h>

#include "fsmap.h"
#include "macro.h"
#include "rangeset.h"
#include "resolver.h"

/* A walk younger than this is not repeated for a missing name: the answer would be the same. */
#define RESOLVER_RETRY_AGE_USEC (1000 * 1000)

static uint64_t monotonic_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

void owner_list_done(struct owner_list *l) {
        free(l->owners);
        *l = (struct owner_list) {};
}

int owner_list_add_extent(struct owner_list *l, const struct extent *e) {
        struct owner o = {
                .owner = e->owner,
                .dev_offset = e->dev_offset,
                .length = e->length,
                .file_offset = e->file_offset,
                .flags = e->flags & ~(uint32_t) (FMR_OF_SPECIAL_OWNER | FMR_OF_LAST),
        };

        if (!(e->flags & FMR_OF_SPECIAL_OWNER))
                o.kind = OWNER_FILE;
        else
                o.kind = e->owner == FMR_OWN_FREE ? OWNER_FREE : OWNER_METADATA;
        if (l->n == l->allocated) {
                size_t a = l->allocated ? l->allocated * 2 : 64;
                struct owner *n = reallocarray(l->owners, a, sizeof(*n));

                if (!n)
                        return -ENOMEM;
                l->owners = n;
                l->allocated = a;
        }
        l->owners[l->n++] = o;
        return 0;
}

bool owner_list_has_unnamed(const struct owner_list *l, const struct inode_index *idx) {
        const struct inode_name *first;

        for (size_t i = 0; i < l->n; i++)
                if (l->owners[i].kind == OWNER_FILE && inode_index_lookup(idx, l->owners[i].owner, &first) == 0)
                        return true;
        return false;
}

/* Open the mount point (again); names of another filesystem than before are forgotten. */
static int reopen(struct resolver *r) {
        struct stat st;

        if (r->fd >= 0)
                return 0;
        r->fd = open(r->mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (r->fd < 0)
                return -errno;
        if (fstat(r->fd, &st) < 0) {
                int e = -errno;

                resolver_release(r);
                return e;
        }
        if (st.st_dev != r->dev)
                resolver_forget(r);
        r->dev = st.st_dev;
        return 0;
}

int resolver_open(struct resolver *r, const char *mountpoint, uint64_t max_age_usec) {
        int k;

        *r = (struct resolver) { .fd = -1, .max_age_usec = max_age_usec };
        r->mountpoint = strdup(mountpoint);
        if (!r->mountpoint)
                return -ENOMEM;
        k = reopen(r);
        if (k < 0) {
                resolver_done(r);
                return k;
        }
        return 0;
}

void resolver_release(struct resolver *r) {
        if (r->fd >= 0)
                close(r->fd);
        r->fd = -1;
}

void resolver_forget(struct resolver *r) {
        inode_index_done(&r->names);
        extent_map_done(&r->file_extents);
        r->names_usec = 0;
        r->have_file_extents = false;
}

void resolver_done(struct resolver *r) {
        resolver_forget(r);
        if (r->fd >= 0)
                close(r->fd);
        free(r->mountpoint);
        *r = (struct resolver) { .fd = -1 };
}

static int ensure_names(struct resolver *r) {
        int k;

        if (r->names_usec && (!r->max_age_usec || monotonic_usec() - r->names_usec < r->max_age_usec))
                return 0;
        resolver_forget(r);
        k = inode_index_build(&r->names, r->mountpoint);
        if (k < 0)
                return k;
        r->names_usec = monotonic_usec();
        r->walks++;
        return 0;
}

static int ensure_file_extents(struct resolver *r) {
        int k;

        if (r->have_file_extents)
                return 0;
        k = extent_map_add_fiemap(&r->file_extents, r->fd, &r->names, NULL);
        if (k >= 0)
                k = extent_map_seal(&r->file_extents);
        if (k < 0) {
                extent_map_done(&r->file_extents);
                return k;
        }
        r->have_file_extents = true;
        return 0;
}

struct fill {
        struct extent_map *map;
        struct daxmf_rangeset *explained;
};

static int add_explained(const struct extent *e, void *userdata) {
        struct fill *f = userdata;
        int k;

        k = rangeset_add(f->explained, e->dev_offset, e->dev_offset + e->length);
        return k < 0 ? k : extent_map_add(f->map, e);
}

static int add_owner(const struct extent *e, void *userdata) {
        return owner_list_add_extent(userdata, e);
}

/* The reverse map's part of a query; no shared state, so queries can run side by side. */
static int query_fsmap(int fd, uint64_t start, uint64_t end, struct extent_map *map, struct daxmf_rangeset *unknown) {
        int k;

        k = extent_map_add_fsmap(map, fd, start, end, true, unknown);
        /* No reverse map at all: every byte's owner comes from the files. */
        if (k == -ENOTTY || k == -EOPNOTSUPP)
                k = rangeset_add(unknown, start, end);
        return k;
}

/* The rest, once the names are there: unknown bytes from the files' extents, then the owners in order. */
static int query_finish(struct resolver *r, uint64_t start, uint64_t end, struct extent_map *map,
                        struct daxmf_rangeset *unknown, struct owner_list *ret, bool *ret_incomplete) {
        int k;

        if (unknown->n > 0) {
                _cleanup_(rangeset_done) struct daxmf_rangeset explained = {};
                struct fill f = { .map = map, .explained = &explained };

                k = ensure_file_extents(r);
                for (size_t i = 0; k >= 0 && i < unknown->n; i++)
                        k = extent_map_lookup(&r->file_extents, unknown->ranges[i].start, unknown->ranges[i].end,
                                              add_explained, &f);
                if (k >= 0)
                        k = rangeset_remove_set(unknown, &explained);
                /* Still nobody: say so, rather than leave the bytes out. */
                for (size_t i = 0; k >= 0 && i < unknown->n; i++) {
                        *ret_incomplete = true;
                        k = extent_map_add(map, &(struct extent) {
                                .dev_offset = unknown->ranges[i].start,
                                .length = unknown->ranges[i].end - unknown->ranges[i].start,
                                .owner = FMR_OWN_UNKNOWN,
                                .flags = FMR_OF_SPECIAL_OWNER,
                        });
                }
                if (k < 0)
                        return k;
        }
        k = extent_map_seal(map);
        if (k >= 0)
                k = extent_map_lookup(map, start, end, add_owner, ret);
        if (k >= 0 && owner_list_has_unnamed(ret, &r->names))
                *ret_incomplete = true;
        return k;
}

/* Up to this many GETFSMAP calls in flight: from a cold cache each waits on the disk. */
#define QUERY_THREADS 8

struct batch {
        struct resolver *r;
        const struct byte_range *ranges;
        size_t n;
        struct extent_map *maps;
        struct daxmf_rangeset *unknown;
        int *errors;
        size_t next;                    /* the next range to take, atomically */
        int names_error;
};

static void *query_worker(void *userdata) {
        struct batch *b = userdata;
        size_t i;

        while ((i = __atomic_fetch_add(&b->next, 1, __ATOMIC_RELAXED)) < b->n)
                b->errors[i] = query_fsmap(b->r->fd, b->ranges[i].offset, b->ranges[i].offset + b->ranges[i].length,
                                           &b->maps[i], &b->unknown[i]);
        return NULL;
}

static void *names_worker(void *userdata) {
        struct batch *b = userdata;

        b->names_error = ensure_names(b->r);
        return NULL;
}

/* Every range's reverse map and the names, side by side; then each range's owners. */
static int query_batch(struct resolver *r, const struct byte_range *ranges, size_t n, struct owner_list *results,
                       bool *ret_incomplete) {
        struct batch b = { .r = r, .ranges = ranges, .n = n };
        pthread_t threads[QUERY_THREADS], names_thread;
        size_t started = 0;
        bool names_started = false;
        int k = 0;

        *ret_incomplete = false;
        b.maps = calloc(n, sizeof(*b.maps));
        b.unknown = calloc(n, sizeof(*b.unknown));
        b.errors = calloc(n, sizeof(*b.errors));
        if (!b.maps || !b.unknown || !b.errors) {
                k = -ENOMEM;
                goto out;
        }
        names_started = pthread_create(&names_thread, NULL, names_worker, &b) == 0;
        for (size_t i = 0; n > 1 && i < QUERY_THREADS && i < n; i++) {
                if (pthread_create(&threads[i], NULL, query_worker, &b) != 0)
                        break;
                started++;
        }
        query_worker(&b);       /* this thread helps, and does it all when no thread could start */
        for (size_t i = 0; i < started; i++)
                pthread_join(threads[i], NULL);
        if (names_started)
                pthread_join(names_thread, NULL);
        else
                names_worker(&b);
        k = b.names_error;
        for (size_t i = 0; k >= 0 && i < n; i++) {
                k = b.errors[i];
                if (k >= 0)
                        k = query_finish(r, ranges[i].offset, ranges[i].offset + ranges[i].length, &b.maps[i],
                                         &b.unknown[i], &results[i], ret_incomplete);
        }
out:
        for (size_t i = 0; b.maps && b.unknown && i < n; i++) {
                extent_map_done(&b.maps[i]);
                rangeset_done(&b.unknown[i]);
        }
        free(b.maps);
        free(b.unknown);
        free(b.errors);
        return k;
}

int resolver_query_many(struct resolver *r, const struct byte_range *ranges, size_t n, struct owner_list *results) {
        bool incomplete;
        int k;

        for (size_t i = 0; i < n; i++)
                results[i] = (struct owner_list) {};
        if (n == 0)
                return 0;
        k = reopen(r);
        if (k < 0)
                return k;
        k = query_batch(r, ranges, n, results, &incomplete);
        /* A file created since the walk: walk again, once. */
        if (k >= 0 && incomplete && monotonic_usec() - r->names_usec >= RESOLVER_RETRY_AGE_USEC) {
                for (size_t i = 0; i < n; i++)
                        owner_list_done(&results[i]);
                resolver_forget(r);
                k = query_batch(r, ranges, n, results, &incomplete);
        }
        if (k < 0)
                for (size_t i = 0; i < n; i++)
                        owner_list_done(&results[i]);
        return k;
}

int resolver_query(struct resolver *r, uint64_t start, uint64_t end, struct owner_list *ret) {
        return resolver_query_many(r, &(struct byte_range) { .offset = start, .length = end - start }, 1, ret);
}
