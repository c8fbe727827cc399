/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
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

int resolver_open(struct resolver *r, const char *mountpoint, uint64_t max_age_usec) {
        *r = (struct resolver) { .fd = -1, .max_age_usec = max_age_usec };
        r->mountpoint = strdup(mountpoint);
        if (!r->mountpoint)
                return -ENOMEM;
        r->fd = open(mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (r->fd < 0) {
                int e = -errno;

                resolver_done(r);
                return e;
        }
        return 0;
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

static int query_once(struct resolver *r, uint64_t start, uint64_t end, struct owner_list *ret, bool *ret_incomplete) {
        _cleanup_(extent_map_done) struct extent_map map = {};
        _cleanup_(rangeset_done) struct daxmf_rangeset unknown = {};
        int k;

        *ret_incomplete = false;
        k = ensure_names(r);
        if (k < 0)
                return k;
        k = extent_map_add_fsmap(&map, r->fd, start, end, true, &unknown);
        /* No reverse map at all: every byte's owner comes from the files. */
        if (k == -ENOTTY || k == -EOPNOTSUPP)
                k = rangeset_add(&unknown, start, end);
        if (k < 0)
                return k;
        if (unknown.n > 0) {
                _cleanup_(rangeset_done) struct daxmf_rangeset explained = {};
                struct fill f = { .map = &map, .explained = &explained };

                k = ensure_file_extents(r);
                for (size_t i = 0; k >= 0 && i < unknown.n; i++)
                        k = extent_map_lookup(&r->file_extents, unknown.ranges[i].start, unknown.ranges[i].end,
                                              add_explained, &f);
                if (k >= 0)
                        k = rangeset_remove_set(&unknown, &explained);
                /* Still nobody: say so, rather than leave the bytes out. */
                for (size_t i = 0; k >= 0 && i < unknown.n; i++) {
                        *ret_incomplete = true;
                        k = extent_map_add(&map, &(struct extent) {
                                .dev_offset = unknown.ranges[i].start,
                                .length = unknown.ranges[i].end - unknown.ranges[i].start,
                                .owner = FMR_OWN_UNKNOWN,
                                .flags = FMR_OF_SPECIAL_OWNER,
                        });
                }
                if (k < 0)
                        return k;
        }
        k = extent_map_seal(&map);
        if (k >= 0)
                k = extent_map_lookup(&map, start, end, add_owner, ret);
        if (k >= 0 && owner_list_has_unnamed(ret, &r->names))
                *ret_incomplete = true;
        return k;
}

int resolver_query(struct resolver *r, uint64_t start, uint64_t end, struct owner_list *ret) {
        bool incomplete;
        int k;

        *ret = (struct owner_list) {};
        k = query_once(r, start, end, ret, &incomplete);
        /* A file created since the walk: walk again, once. */
        if (k >= 0 && incomplete && monotonic_usec() - r->names_usec >= RESOLVER_RETRY_AGE_USEC) {
                owner_list_done(ret);
                resolver_forget(r);
                k = query_once(r, start, end, ret, &incomplete);
        }
        if (k < 0)
                owner_list_done(ret);
        return k;
}
