/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <linux/fsmap.h>

#include "extent-map.h"
#include "fsmap.h"
#include "macro.h"

void extent_map_done(struct extent_map *m) {
        free(m->entries);
        free(m->max_end);
        *m = (struct extent_map) {};
}

int extent_map_add(struct extent_map *m, const struct extent *e) {
        if (e->length == 0 || e->dev_offset + e->length < e->dev_offset)
                return -EINVAL;
        if (m->n == m->allocated) {
                size_t a = m->allocated ? m->allocated * 2 : 1024;
                struct extent *n = reallocarray(m->entries, a, sizeof(*n));

                if (!n)
                        return -ENOMEM;
                m->entries = n;
                m->allocated = a;
        }
        m->entries[m->n] = *e;
        m->entries[m->n].reserved = 0;
        m->n++;
        m->sealed = false;
        return 0;
}

static int compare(const void *a, const void *b) {
        const struct extent *x = a, *y = b;

        if (x->dev_offset != y->dev_offset)
                return x->dev_offset < y->dev_offset ? -1 : 1;
        if (x->owner != y->owner)
                return x->owner < y->owner ? -1 : 1;
        return x->file_offset < y->file_offset ? -1 : x->file_offset > y->file_offset;
}

int extent_map_seal(struct extent_map *m) {
        uint64_t *max_end;
        uint64_t furthest = 0;

        max_end = reallocarray(m->max_end, m->n ? m->n : 1, sizeof(uint64_t));
        if (!max_end)
                return -ENOMEM;
        m->max_end = max_end;
        if (m->n > 0)
                qsort(m->entries, m->n, sizeof(*m->entries), compare);
        for (size_t i = 0; i < m->n; i++) {
                uint64_t end = m->entries[i].dev_offset + m->entries[i].length;

                if (end > furthest)
                        furthest = end;
                m->max_end[i] = furthest;
        }
        m->sealed = true;
        return 0;
}

int extent_map_lookup(const struct extent_map *m, uint64_t start, uint64_t end,
                      int (*cb)(const struct extent *clipped, void *userdata), void *userdata) {
        size_t lo = 0, hi = m->n;

        if (!m->sealed)
                return -ESTALE;
        /* The first entry whose running maximum reaches past start: none before it can overlap. */
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (m->max_end[mid] <= start)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = lo; i < m->n && m->entries[i].dev_offset < end; i++) {
                struct extent c = m->entries[i];
                uint64_t a = c.dev_offset > start ? c.dev_offset : start;
                uint64_t b = c.dev_offset + c.length < end ? c.dev_offset + c.length : end;
                int r;

                if (a >= b)
                        continue;
                if (!(c.flags & (FMR_OF_SPECIAL_OWNER | FMR_OF_EXTENT_MAP | FMR_OF_ATTR_FORK)))
                        c.file_offset += a - c.dev_offset;
                c.dev_offset = a;
                c.length = b - a;
                r = cb(&c, userdata);
                if (r != 0)
                        return r;
        }
        return 0;
}

/* Add e, or only its pieces inside within. */
static int add_within(struct extent_map *m, const struct extent *e, const struct daxmf_rangeset *within) {
        size_t lo = 0, hi;
        int r;

        if (!within)
                return extent_map_add(m, e);
        hi = within->n;
        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (within->ranges[mid].end <= e->dev_offset)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        for (size_t i = lo; i < within->n && within->ranges[i].start < e->dev_offset + e->length; i++) {
                uint64_t a = within->ranges[i].start > e->dev_offset ? within->ranges[i].start : e->dev_offset;
                uint64_t b = within->ranges[i].end < e->dev_offset + e->length ? within->ranges[i].end :
                                                                                 e->dev_offset + e->length;
                struct extent piece = *e;

                if (a >= b)
                        continue;
                piece.dev_offset = a;
                piece.length = b - a;
                piece.file_offset += a - e->dev_offset;
                r = extent_map_add(m, &piece);
                if (r < 0)
                        return r;
        }
        return 0;
}

int extent_map_add_fiemap(struct extent_map *m, int mount_fd, const struct inode_index *idx,
                          const struct daxmf_rangeset *within) {
        enum { EXTENTS = 256 };
        _cleanup_free_ struct fiemap *fm = NULL;
        int r;

        fm = malloc(sizeof(*fm) + EXTENTS * sizeof(struct fiemap_extent));
        if (!fm)
                return -ENOMEM;
        for (size_t i = 0; i < idx->n; i++) {
                const struct inode_name *e = &idx->entries[i];
                uint64_t next = 0;
                int fd;

                /* One look per inode, through its first name; the root ("") holds no file data. */
                if ((i > 0 && e->ino == idx->entries[i - 1].ino) || !inode_index_path(idx, e)[0])
                        continue;
                fd = openat(mount_fd, inode_index_path(idx, e), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
                if (fd < 0)
                        continue;       /* gone since the walk, a socket, a symlink: no extents */
                for (;;) {
                        memset(fm, 0, sizeof(*fm));
                        fm->fm_start = next;
                        fm->fm_length = FIEMAP_MAX_OFFSET - next;
                        fm->fm_extent_count = EXTENTS;
                        if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0 || fm->fm_mapped_extents == 0)
                                break;
                        for (uint32_t k = 0; k < fm->fm_mapped_extents; k++) {
                                const struct fiemap_extent *x = &fm->fm_extents[k];

                                next = x->fe_logical + x->fe_length;
                                /* Not yet on the device, or inline in metadata: no bytes of its own. */
                                if (x->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC |
                                                   FIEMAP_EXTENT_DATA_INLINE | FIEMAP_EXTENT_NOT_ALIGNED) ||
                                    x->fe_length == 0)
                                        continue;
                                r = add_within(m, &(struct extent) {
                                        .dev_offset = x->fe_physical,
                                        .length = x->fe_length,
                                        .owner = e->ino,
                                        .file_offset = x->fe_logical,
                                        .flags = (x->fe_flags & FIEMAP_EXTENT_UNWRITTEN ? FMR_OF_PREALLOC : 0) |
                                                 (x->fe_flags & FIEMAP_EXTENT_SHARED ? FMR_OF_SHARED : 0),
                                }, within);
                                if (r < 0 && r != -EINVAL) {
                                        close(fd);
                                        return r;
                                }
                        }
                        if (fm->fm_extents[fm->fm_mapped_extents - 1].fe_flags & FIEMAP_EXTENT_LAST)
                                break;
                }
                close(fd);
        }
        return 0;
}

struct fsmap_state {
        struct extent_map *map;
        struct daxmf_rangeset *unknown;
        struct daxmf_rangeset covered;
        uint64_t start, end;
        bool keep_free;
};

static int on_fsmap(const struct fsmap *rec, void *userdata) {
        struct fsmap_state *s = userdata;
        uint64_t lo = rec->fmr_physical > s->start ? rec->fmr_physical : s->start;
        uint64_t hi = rec->fmr_physical + rec->fmr_length < s->end ? rec->fmr_physical + rec->fmr_length : s->end;
        struct extent e = {
                .dev_offset = lo,
                .length = hi - lo,
                .owner = rec->fmr_owner,
                .flags = rec->fmr_flags & ~(uint32_t) FMR_OF_LAST,
        };
        int r;

        if (lo >= hi)
                return 0;
        if (s->unknown) {
                r = rangeset_add(&s->covered, lo, hi);
                if (r < 0)
                        return r;
        }
        if (!fsmap_is_file(rec)) {
                if (rec->fmr_owner == FMR_OWN_FREE && !s->keep_free)
                        return 0;
                if (rec->fmr_owner == FMR_OWN_UNKNOWN)
                        return s->unknown ? rangeset_add(s->unknown, lo, hi) : 0;
        } else if (!(rec->fmr_flags & (FMR_OF_EXTENT_MAP | FMR_OF_ATTR_FORK)))
                e.file_offset = rec->fmr_offset + (lo - rec->fmr_physical);
        return extent_map_add(s->map, &e);
}

int extent_map_add_fsmap(struct extent_map *m, int mount_fd, uint64_t start, uint64_t end, bool keep_free,
                         struct daxmf_rangeset *unknown) {
        struct fsmap_state s = { .map = m, .unknown = unknown, .start = start, .end = end, .keep_free = keep_free };
        _cleanup_(rangeset_done) struct daxmf_rangeset gaps = {};
        int r;

        r = fsmap_walk(mount_fd, start, end, on_fsmap, &s);
        if (r >= 0 && unknown) {
                /* ext4 leaves some file data out of its map altogether: what nobody spoke of is unknown too. */
                r = rangeset_add(&gaps, start, end);
                if (r >= 0)
                        r = rangeset_remove_set(&gaps, &s.covered);
                for (size_t i = 0; r >= 0 && i < gaps.n; i++)
                        r = rangeset_add(unknown, gaps.ranges[i].start, gaps.ranges[i].end);
        }
        rangeset_done(&s.covered);
        return r;
}
