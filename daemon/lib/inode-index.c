/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inode-index.h"
#include "macro.h"

void inode_index_done(struct inode_index *idx) {
        free(idx->entries);
        free(idx->names);
        *idx = (struct inode_index) {};
}

static int add_name(struct inode_index *idx, uint64_t ino, const char *path, size_t len) {
        if (idx->n == idx->allocated) {
                size_t a = idx->allocated ? idx->allocated * 2 : 4096;
                struct inode_name *e = reallocarray(idx->entries, a, sizeof(*e));

                if (!e)
                        return -ENOMEM;
                idx->entries = e;
                idx->allocated = a;
        }
        if (idx->names_size + len + 1 > idx->names_allocated) {
                size_t a = idx->names_allocated ? idx->names_allocated * 2 : 65536;
                char *s;

                while (a < idx->names_size + len + 1)
                        a *= 2;
                s = realloc(idx->names, a);
                if (!s)
                        return -ENOMEM;
                idx->names = s;
                idx->names_allocated = a;
        }
        memcpy(idx->names + idx->names_size, path, len);
        idx->names[idx->names_size + len] = '\0';
        idx->entries[idx->n++] = (struct inode_name) { .ino = ino, .path = idx->names_size };
        idx->names_size += len + 1;
        return 0;
}

/* path holds the directory's path (len bytes, "" for the root); dfd is the directory, closed here. */
static int walk(struct inode_index *idx, int dfd, char *path, size_t len) {
        char buf[32768];
        struct stat st;
        int r = 0;

        if (fstat(dfd, &st) < 0 || st.st_dev != idx->dev) {
                close(dfd);
                return 0;       /* another filesystem mounted here: not ours */
        }
        idx->directories++;
        for (;;) {
                ssize_t n = getdents64(dfd, buf, sizeof(buf));

                if (n < 0) {
                        r = -errno;
                        break;
                }
                if (n == 0)
                        break;
                for (ssize_t off = 0; off < n; ) {
                        struct dirent64 *de = (struct dirent64 *) (buf + off);
                        size_t nlen = strlen(de->d_name);
                        unsigned char type = de->d_type;

                        off += de->d_reclen;
                        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                                continue;
                        if (len + (len ? 1 : 0) + nlen >= PATH_MAX)
                                continue;       /* cannot be named */
                        if (len)
                                path[len] = '/';
                        memcpy(path + len + (len ? 1 : 0), de->d_name, nlen + 1);

                        r = add_name(idx, de->d_ino, path, len + (len ? 1 : 0) + nlen);
                        if (r < 0)
                                goto out;
                        if (type == DT_UNKNOWN) {
                                struct stat cst;

                                if (fstatat(dfd, de->d_name, &cst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(cst.st_mode))
                                        type = DT_DIR;
                        }
                        if (type == DT_DIR) {
                                int cfd = openat(dfd, de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

                                if (cfd >= 0) {
                                        r = walk(idx, cfd, path, len + (len ? 1 : 0) + nlen);
                                        if (r < 0)
                                                goto out;
                                }
                        }
                        path[len] = '\0';
                }
        }
out:
        close(dfd);
        return r;
}

static int compare(const void *a, const void *b) {
        const struct inode_name *x = a, *y = b;

        if (x->ino != y->ino)
                return x->ino < y->ino ? -1 : 1;
        return x->path < y->path ? -1 : x->path > y->path;
}

int inode_index_build(struct inode_index *idx, const char *mountpoint) {
        char path[PATH_MAX] = "";
        struct stat st;
        int fd, r;

        *idx = (struct inode_index) {};
        fd = open(mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                close(fd);
                return r;
        }
        idx->dev = st.st_dev;
        /* The root itself has a name too: "" (the mount point). */
        r = add_name(idx, st.st_ino, "", 0);
        if (r >= 0)
                r = walk(idx, fd, path, 0);
        if (r < 0) {
                inode_index_done(idx);
                return r;
        }
        /* Walk order within one inode's names is kept: the offsets grow with it. */
        qsort(idx->entries, idx->n, sizeof(*idx->entries), compare);
        return 0;
}

size_t inode_index_lookup(const struct inode_index *idx, uint64_t ino, const struct inode_name **ret_first) {
        size_t lo = 0, hi = idx->n, first;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (idx->entries[mid].ino < ino)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        first = lo;
        while (lo < idx->n && idx->entries[lo].ino == ino)
                lo++;
        *ret_first = first < idx->n ? &idx->entries[first] : NULL;
        return lo - first;
}
