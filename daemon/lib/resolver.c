/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/fiemap.h>
#include <linux/fs.h>

#include "fsmap.h"
#include "macro.h"
#include "rangeset.h"
#include "resolver.h"

void owner_list_done(struct owner_list *l) {
        free(l->owners);
        *l = (struct owner_list) {};
}

static int add(struct owner_list *l, const struct owner *o) {
        if (l->n == l->allocated) {
                size_t a = l->allocated ? l->allocated * 2 : 64;
                struct owner *n = reallocarray(l->owners, a, sizeof(*n));

                if (!n)
                        return -ENOMEM;
                l->owners = n;
                l->allocated = a;
        }
        l->owners[l->n++] = *o;
        return 0;
}

struct walk_state {
        uint64_t start, end;
        struct owner_list *list;
        struct owner_list unknown;      /* file data GETFSMAP could not attribute */
        struct daxmf_rangeset covered;  /* bytes some record spoke of */
};

static int on_record(const struct fsmap *rec, void *userdata) {
        struct walk_state *w = userdata;
        uint64_t lo = rec->fmr_physical > w->start ? rec->fmr_physical : w->start;
        uint64_t hi = rec->fmr_physical + rec->fmr_length < w->end ? rec->fmr_physical + rec->fmr_length : w->end;
        struct owner o = {
                .owner = rec->fmr_owner,
                .dev_offset = lo,
                .length = hi - lo,
                .flags = rec->fmr_flags & ~(uint32_t) (FMR_OF_SPECIAL_OWNER | FMR_OF_LAST),
        };
        int r;

        r = rangeset_add(&w->covered, lo, hi);
        if (r < 0)
                return r;

        if (fsmap_is_file(rec)) {
                o.kind = OWNER_FILE;
                /* Block-map blocks and attribute forks have no file offset to speak of. */
                o.file_offset = rec->fmr_flags & (FMR_OF_EXTENT_MAP | FMR_OF_ATTR_FORK) ? 0 :
                                rec->fmr_offset + (lo - rec->fmr_physical);
        } else if (rec->fmr_owner == FMR_OWN_FREE)
                o.kind = OWNER_FREE;
        else if (rec->fmr_owner == FMR_OWN_UNKNOWN)
                return add(&w->unknown, &o);
        else
                o.kind = OWNER_METADATA;
        return add(w->list, &o);
}

/* Which files' extents (FIEMAP) overlap [lo, hi): for filesystems without a reverse map of file data. */
static int fiemap_owners(int mount_fd, const struct inode_index *idx, uint64_t lo, uint64_t hi,
                         struct owner_list *list) {
        enum { EXTENTS = 256 };
        _cleanup_free_ struct fiemap *fm = NULL;
        uint64_t last_ino = 0;
        int r;

        fm = malloc(sizeof(*fm) + EXTENTS * sizeof(struct fiemap_extent));
        if (!fm)
                return -ENOMEM;
        for (size_t i = 0; i < idx->n; i++) {
                const struct inode_name *e = &idx->entries[i];
                uint64_t next = 0;
                int fd;

                /* One look per inode, through its first name. */
                if (i > 0 && e->ino == last_ino)
                        continue;
                last_ino = e->ino;
                if (!inode_index_path(idx, e)[0])
                        continue;
                fd = openat(mount_fd, inode_index_path(idx, e), O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
                if (fd < 0)
                        continue;
                for (;;) {
                        memset(fm, 0, sizeof(*fm));
                        fm->fm_start = next;
                        fm->fm_length = FIEMAP_MAX_OFFSET - next;
                        fm->fm_extent_count = EXTENTS;
                        if (ioctl(fd, FS_IOC_FIEMAP, fm) < 0 || fm->fm_mapped_extents == 0)
                                break;
                        for (uint32_t k = 0; k < fm->fm_mapped_extents; k++) {
                                const struct fiemap_extent *x = &fm->fm_extents[k];
                                uint64_t a = x->fe_physical > lo ? x->fe_physical : lo;
                                uint64_t b = x->fe_physical + x->fe_length < hi ? x->fe_physical + x->fe_length : hi;
                                struct owner o = {
                                        .kind = OWNER_FILE,
                                        .owner = e->ino,
                                        .dev_offset = a,
                                        .length = b - a,
                                        .file_offset = x->fe_logical + (a - x->fe_physical),
                                        .flags = (x->fe_flags & FIEMAP_EXTENT_UNWRITTEN ? FMR_OF_PREALLOC : 0) |
                                                 (x->fe_flags & FIEMAP_EXTENT_SHARED ? FMR_OF_SHARED : 0),
                                };

                                if (a < b && !(x->fe_flags & (FIEMAP_EXTENT_UNKNOWN | FIEMAP_EXTENT_DELALLOC))) {
                                        r = add(list, &o);
                                        if (r < 0) {
                                                close(fd);
                                                return r;
                                        }
                                }
                                next = x->fe_logical + x->fe_length;
                        }
                        if (fm->fm_extents[fm->fm_mapped_extents - 1].fe_flags & FIEMAP_EXTENT_LAST)
                                break;
                }
                close(fd);
        }
        return 0;
}

int resolve_owners(int fd, const struct inode_index *idx, uint64_t start, uint64_t end, struct owner_list *ret) {
        struct walk_state w = { .start = start, .end = end, .list = ret };
        int r;

        *ret = (struct owner_list) {};
        r = fsmap_walk(fd, start, end, on_record, &w);
        /* ext4 leaves file data out of its map altogether: what nobody spoke of is unknown too. */
        if (r >= 0) {
                _cleanup_(rangeset_done) struct daxmf_rangeset gaps = {};

                r = rangeset_add(&gaps, start, end);
                if (r >= 0)
                        r = rangeset_remove_set(&gaps, &w.covered);
                for (size_t i = 0; r >= 0 && i < gaps.n; i++)
                        r = add(&w.unknown, &(struct owner) {
                                .owner = FMR_OWN_UNKNOWN,
                                .dev_offset = gaps.ranges[i].start,
                                .length = gaps.ranges[i].end - gaps.ranges[i].start,
                        });
        }
        for (size_t i = 0; r >= 0 && i < w.unknown.n; i++) {
                size_t before = ret->n;
                const struct owner *u = &w.unknown.owners[i];

                r = idx ? fiemap_owners(fd, idx, u->dev_offset, u->dev_offset + u->length, ret) : 0;
                /* Still nobody: say so, rather than leave the bytes out. */
                if (r >= 0 && ret->n == before) {
                        struct owner o = *u;

                        o.kind = OWNER_METADATA;
                        r = add(ret, &o);
                }
        }
        owner_list_done(&w.unknown);
        rangeset_done(&w.covered);
        if (r < 0)
                owner_list_done(ret);
        return r;
}
