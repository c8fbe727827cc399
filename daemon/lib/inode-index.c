/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "inode-index.h"
#include "macro.h"

/*
 * Directories are read by several threads at once: from a cold cache the
 * walk waits on the disk, one directory block at a time, and several reads
 * in flight shorten that wait more than any amount of CPU would.
 */
#define WALK_THREADS 8

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

/* The directories still to read, shared by the walkers. */
struct walk {
        int mount_fd;
        dev_t dev;
        pthread_mutex_t lock;
        pthread_cond_t more;
        char **queue;                   /* paths below the mount point; "" is the root */
        size_t n_queue, allocated;
        unsigned busy;                  /* walkers reading a directory: they may queue more */
        int error;                      /* the first error; stops everyone */
        struct inode_index parts[WALK_THREADS];
};

static int queue_push(struct walk *w, const char *path, size_t len) {
        char *p = strndup(path, len);
        int r = 0;

        if (!p)
                return -ENOMEM;
        pthread_mutex_lock(&w->lock);
        if (w->n_queue == w->allocated) {
                size_t a = w->allocated ? w->allocated * 2 : 256;
                char **q = reallocarray(w->queue, a, sizeof(*q));

                if (!q)
                        r = -ENOMEM;
                else {
                        w->queue = q;
                        w->allocated = a;
                }
        }
        if (r == 0) {
                w->queue[w->n_queue++] = p;
                pthread_cond_signal(&w->more);
        }
        pthread_mutex_unlock(&w->lock);
        if (r < 0)
                free(p);
        return r;
}

/* Read one directory: its entries to idx, its subdirectories to the queue. */
static int read_directory(struct walk *w, struct inode_index *idx, const char *dir) {
        char buf[32768], path[PATH_MAX];
        size_t len = strlen(dir);
        struct stat st;
        int dfd, r = 0;

        dfd = openat(w->mount_fd, dir[0] ? dir : ".", O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (dfd < 0)
                return 0;       /* gone since it was listed, or not ours to read */
        if (fstat(dfd, &st) < 0 || st.st_dev != w->dev) {
                close(dfd);
                return 0;       /* another filesystem mounted here: not ours */
        }
        idx->directories++;
        memcpy(path, dir, len);
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
                        size_t nlen = strlen(de->d_name), plen = len + (len ? 1 : 0) + nlen;
                        unsigned char type = de->d_type;

                        off += de->d_reclen;
                        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
                                continue;
                        if (plen >= PATH_MAX)
                                continue;       /* cannot be named */
                        if (len)
                                path[len] = '/';
                        memcpy(path + len + (len ? 1 : 0), de->d_name, nlen + 1);

                        r = add_name(idx, de->d_ino, path, plen);
                        if (r < 0)
                                goto out;
                        if (type == DT_UNKNOWN) {
                                struct stat cst;

                                if (fstatat(dfd, de->d_name, &cst, AT_SYMLINK_NOFOLLOW) == 0 && S_ISDIR(cst.st_mode))
                                        type = DT_DIR;
                        }
                        if (type == DT_DIR) {
                                r = queue_push(w, path, plen);
                                if (r < 0)
                                        goto out;
                        }
                }
        }
out:
        close(dfd);
        return r;
}

static void *walker(void *userdata) {
        struct walk *w = ((void **) userdata)[0];
        struct inode_index *idx = ((void **) userdata)[1];

        pthread_mutex_lock(&w->lock);
        for (;;) {
                char *dir;
                int r;

                while (w->n_queue == 0 && w->busy > 0 && w->error == 0)
                        pthread_cond_wait(&w->more, &w->lock);
                if (w->n_queue == 0 || w->error != 0)
                        break;  /* nothing queued and nobody who could queue more: done */
                dir = w->queue[--w->n_queue];
                w->busy++;
                pthread_mutex_unlock(&w->lock);

                r = read_directory(w, idx, dir);
                free(dir);

                pthread_mutex_lock(&w->lock);
                w->busy--;
                if (r < 0 && w->error == 0)
                        w->error = r;
                if (w->busy == 0 || r < 0)
                        pthread_cond_broadcast(&w->more);
        }
        pthread_cond_broadcast(&w->more);
        pthread_mutex_unlock(&w->lock);
        return NULL;
}

static int compare(const void *a, const void *b, void *userdata) {
        const struct inode_name *x = a, *y = b;
        const char *names = userdata;

        if (x->ino != y->ino)
                return x->ino < y->ino ? -1 : 1;
        /* Hard links: their names in a stable order, whatever walker found them. */
        return strcmp(names + x->path, names + y->path);
}

/* All parts into idx, one buffer of names. */
static int merge(struct inode_index *idx, struct inode_index *parts, size_t n_parts) {
        size_t n = idx->n, names = idx->names_size;

        for (size_t i = 0; i < n_parts; i++) {
                n += parts[i].n;
                names += parts[i].names_size;
        }
        if (n > idx->allocated) {
                struct inode_name *e = reallocarray(idx->entries, n, sizeof(*e));

                if (!e)
                        return -ENOMEM;
                idx->entries = e;
                idx->allocated = n;
        }
        if (names > idx->names_allocated) {
                char *s = realloc(idx->names, names);

                if (!s)
                        return -ENOMEM;
                idx->names = s;
                idx->names_allocated = names;
        }
        for (size_t i = 0; i < n_parts; i++) {
                for (size_t k = 0; k < parts[i].n; k++)
                        idx->entries[idx->n++] = (struct inode_name) {
                                .ino = parts[i].entries[k].ino,
                                .path = parts[i].entries[k].path + idx->names_size,
                        };
                if (parts[i].names_size)
                        memcpy(idx->names + idx->names_size, parts[i].names, parts[i].names_size);
                idx->names_size += parts[i].names_size;
                idx->directories += parts[i].directories;
        }
        return 0;
}

int inode_index_build(struct inode_index *idx, const char *mountpoint) {
        struct walk w = { .lock = PTHREAD_MUTEX_INITIALIZER, .more = PTHREAD_COND_INITIALIZER };
        pthread_t threads[WALK_THREADS];
        void *args[WALK_THREADS][2];
        size_t started = 0;
        struct stat st;
        int r;

        *idx = (struct inode_index) {};
        w.mount_fd = open(mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (w.mount_fd < 0)
                return -errno;
        if (fstat(w.mount_fd, &st) < 0) {
                r = -errno;
                close(w.mount_fd);
                return r;
        }
        w.dev = idx->dev = st.st_dev;
        /* The root itself has a name too: "" (the mount point). */
        r = add_name(idx, st.st_ino, "", 0);
        if (r >= 0)
                r = queue_push(&w, "", 0);
        for (size_t i = 0; r >= 0 && i < WALK_THREADS; i++) {
                args[i][0] = &w;
                args[i][1] = &w.parts[i];
                if (pthread_create(&threads[i], NULL, walker, args[i]) != 0)
                        break;  /* fewer walkers, same result */
                started++;
        }
        if (r >= 0 && started == 0) {
                /* No thread at all: walk here. */
                args[0][0] = &w;
                args[0][1] = &w.parts[0];
                walker(args[0]);
        }
        for (size_t i = 0; i < started; i++)
                pthread_join(threads[i], NULL);
        if (r >= 0)
                r = w.error;
        if (r >= 0)
                r = merge(idx, w.parts, ELEMENTSOF(w.parts));
        for (size_t i = 0; i < ELEMENTSOF(w.parts); i++)
                inode_index_done(&w.parts[i]);
        for (size_t i = 0; i < w.n_queue; i++)
                free(w.queue[i]);
        free(w.queue);
        close(w.mount_fd);
        if (r < 0) {
                inode_index_done(idx);
                return r;
        }
        qsort_r(idx->entries, idx->n, sizeof(*idx->entries), compare, idx->names);
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
