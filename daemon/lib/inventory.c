/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <linux/fsmap.h>

#include "inventory.h"
#include "macro.h"

static uint64_t clock_usec(clockid_t id) {
        struct timespec ts;

        clock_gettime(id, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

void inventory_done(struct inventory *inv) {
        extent_map_done(&inv->extents);
        inode_index_done(&inv->names);
        *inv = (struct inventory) {};
}

/* The size of the block device behind st_dev, in bytes, from sysfs. */
static int device_bytes(dev_t dev, uint64_t *ret) {
        char path[64];
        uint64_t sectors;
        FILE *f;
        int r = 0;

        snprintf(path, sizeof(path), "/sys/dev/block/%u:%u/size", major(dev), minor(dev));
        f = fopen(path, "re");
        if (!f)
                return -errno;
        if (fscanf(f, "%" SCNu64, &sectors) != 1 || sectors > UINT64_MAX / 512)
                r = -EBADMSG;
        fclose(f);
        *ret = sectors * 512;
        return r;
}

int inventory_build(struct inventory *inv, const char *mountpoint) {
        _cleanup_(rangeset_done) struct daxmf_rangeset unknown = {};
        uint64_t started = clock_usec(CLOCK_MONOTONIC), size = 0;
        struct stat st;
        int fd, r;

        *inv = (struct inventory) {};
        memcpy(inv->header.magic, INVENTORY_MAGIC, sizeof(inv->header.magic));
        inv->header.version = INVENTORY_VERSION;
        inv->header.header_size = sizeof(inv->header);
        inv->header.built_realtime_usec = clock_usec(CLOCK_REALTIME);
        if (strlen(mountpoint) >= sizeof(inv->header.mountpoint))
                return -ENAMETOOLONG;
        strcpy(inv->header.mountpoint, mountpoint);

        fd = open(mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0) {
                r = -errno;
                goto out;
        }
        inv->header.major = major(st.st_dev);
        inv->header.minor = minor(st.st_dev);
        r = device_bytes(st.st_dev, &size);
        if (r < 0)
                goto out;
        r = inode_index_build(&inv->names, mountpoint);
        if (r < 0)
                goto out;
        r = extent_map_add_fsmap(&inv->extents, fd, 0, size, false, &unknown);
        /* No reverse map at all: every byte's owner comes from the files. */
        if (r == -ENOTTY || r == -EOPNOTSUPP)
                r = rangeset_add(&unknown, 0, size);
        /* File data the reverse map does not attribute: every file's own extents. */
        if (r >= 0 && unknown.n > 0)
                r = extent_map_add_fiemap(&inv->extents, fd, &inv->names, &unknown);
        if (r >= 0)
                r = extent_map_seal(&inv->extents);
out:
        close(fd);
        if (r < 0) {
                inventory_done(inv);
                return r;
        }
        inv->header.build_usec = clock_usec(CLOCK_MONOTONIC) - started;
        return 0;
}

static uint64_t fnv1a(uint64_t h, const void *buf, size_t size) {
        const unsigned char *p = buf;

        for (size_t i = 0; i < size; i++) {
                h ^= p[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

#define FNV_OFFSET UINT64_C(0xcbf29ce484222325)

struct name_record {
        uint64_t ino;
        uint64_t path;
};

static bool terminated(const char *field, size_t size) {
        return memchr(field, '\0', size) != NULL;
}

#define BAD(reason) do { *ret_reason = (reason); r = -EBADMSG; goto fail; } while (0)

int inventory_parse(const void *buf, size_t size, struct inventory *ret, const char **ret_reason) {
        _cleanup_(inventory_done) struct inventory inv = {};
        const struct inventory_header *h = buf;
        const unsigned char *body = (const unsigned char *) buf + sizeof(*h);
        const struct name_record *names;
        uint64_t extent_bytes, name_bytes;
        int r;

        *ret_reason = NULL;
        if (size < sizeof(*h))
                BAD("shorter than its header");
        if (memcmp(h->magic, INVENTORY_MAGIC, sizeof(h->magic)) != 0)
                BAD("not a daxmf inventory (bad magic)");
        if (h->version != INVENTORY_VERSION || h->header_size != sizeof(*h))
                BAD("an inventory of another version");
        if (!terminated(h->device, sizeof(h->device)) || !terminated(h->disk, sizeof(h->disk)) ||
            !terminated(h->fstype, sizeof(h->fstype)) || !terminated(h->mountpoint, sizeof(h->mountpoint)))
                BAD("a name in the header is not terminated");
        if (h->n_extents > (size - sizeof(*h)) / sizeof(struct extent) ||
            h->n_names > (size - sizeof(*h)) / sizeof(struct name_record))
                BAD("counts larger than the file");
        extent_bytes = h->n_extents * sizeof(struct extent);
        name_bytes = h->n_names * sizeof(struct name_record);
        if (extent_bytes + name_bytes > size - sizeof(*h) || h->names_size != size - sizeof(*h) - extent_bytes - name_bytes)
                BAD("counts do not add up to the file's size");
        if (h->data_start + h->data_size < h->data_start)
                BAD("the physical range wraps around");
        if (fnv1a(FNV_OFFSET, body, size - sizeof(*h)) != h->checksum)
                BAD("checksum mismatch (damaged)");
        if (h->names_size > 0 && body[extent_bytes + name_bytes + h->names_size - 1] != '\0')
                BAD("the last path is not terminated");
        if (h->n_names > 0 && h->names_size == 0)
                BAD("names without paths");

        inv.header = *h;
        /* Copies: the body need not be aligned, and the caller's buffer goes away. */
        inv.extents.entries = malloc(extent_bytes ? extent_bytes : 1);
        inv.names.entries = calloc(h->n_names ? h->n_names : 1, sizeof(struct inode_name));
        inv.names.names = malloc(h->names_size ? h->names_size : 1);
        if (!inv.extents.entries || !inv.names.entries || !inv.names.names)
                return -ENOMEM;
        memcpy(inv.extents.entries, body, extent_bytes);
        inv.extents.n = inv.extents.allocated = h->n_extents;
        for (size_t i = 0; i < inv.extents.n; i++) {
                const struct extent *e = &inv.extents.entries[i];

                if (e->length == 0 || e->dev_offset + e->length < e->dev_offset || e->reserved != 0)
                        BAD("an extent is empty or wraps around");
                if (i > 0 && e->dev_offset < inv.extents.entries[i - 1].dev_offset)
                        BAD("extents out of order");
        }
        r = extent_map_seal(&inv.extents);
        if (r < 0)
                return r;

        names = (const struct name_record *) (body + extent_bytes);
        memcpy(inv.names.names, body + extent_bytes + name_bytes, h->names_size);
        inv.names.names_size = inv.names.names_allocated = h->names_size;
        for (size_t i = 0; i < h->n_names; i++) {
                struct name_record n;

                memcpy(&n, &names[i], sizeof(n));
                if (n.path >= h->names_size)
                        BAD("a name points outside the paths");
                if (i > 0 && n.ino < inv.names.entries[i - 1].ino)
                        BAD("names out of order");
                inv.names.entries[i] = (struct inode_name) { .ino = n.ino, .path = n.path };
        }
        inv.names.n = inv.names.allocated = h->n_names;
        inv.names.dev = makedev(h->major, h->minor);

        *ret = inv;
        inv = (struct inventory) {};
        return 0;
fail:
        return r;
}

int inventory_load(int dir_fd, const char *name, struct inventory *ret, const char **ret_reason) {
        _cleanup_free_ void *buf = NULL;
        struct stat st;
        size_t done = 0;
        int fd, r = 0;

        *ret_reason = NULL;
        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
                close(fd);
                *ret_reason = "not a regular file";
                return -EBADMSG;
        }
        buf = malloc(st.st_size ? (size_t) st.st_size : 1);
        if (!buf) {
                close(fd);
                return -ENOMEM;
        }
        while (done < (size_t) st.st_size) {
                ssize_t n = read(fd, (char *) buf + done, (size_t) st.st_size - done);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0) {
                        r = n < 0 ? -errno : -EBADMSG;
                        *ret_reason = n < 0 ? NULL : "shorter than it was a moment ago";
                        break;
                }
                done += (size_t) n;
        }
        close(fd);
        if (r < 0)
                return r;
        return inventory_parse(buf, done, ret, ret_reason);
}

static int write_all(int fd, const void *buf, size_t size) {
        const char *p = buf;

        while (size > 0) {
                ssize_t n = write(fd, p, size);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0)
                        return -errno;
                p += n;
                size -= (size_t) n;
        }
        return 0;
}

int inventory_save(int dir_fd, const char *name, const struct inventory *inv) {
        struct inventory_header h = inv->header;
        _cleanup_free_ struct name_record *names = NULL;
        _cleanup_free_ char *tmp = NULL;
        int fd, r;

        names = calloc(inv->names.n ? inv->names.n : 1, sizeof(*names));
        if (!names)
                return -ENOMEM;
        for (size_t i = 0; i < inv->names.n; i++)
                names[i] = (struct name_record) { .ino = inv->names.entries[i].ino, .path = inv->names.entries[i].path };
        h.n_extents = inv->extents.n;
        h.n_names = inv->names.n;
        h.names_size = inv->names.names_size;
        h.checksum = fnv1a(FNV_OFFSET, inv->extents.entries, inv->extents.n * sizeof(struct extent));
        h.checksum = fnv1a(h.checksum, names, inv->names.n * sizeof(*names));
        h.checksum = fnv1a(h.checksum, inv->names.names, inv->names.names_size);

        if (asprintf(&tmp, ".%s.tmp", name) < 0)
                return -ENOMEM;
        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        r = write_all(fd, &h, sizeof(h));
        if (r >= 0)
                r = write_all(fd, inv->extents.entries, inv->extents.n * sizeof(struct extent));
        if (r >= 0)
                r = write_all(fd, names, inv->names.n * sizeof(*names));
        if (r >= 0)
                r = write_all(fd, inv->names.names, inv->names.names_size);
        if (r >= 0 && fsync(fd) < 0)
                r = -errno;
        close(fd);
        if (r >= 0 && renameat(dir_fd, tmp, dir_fd, name) < 0)
                r = -errno;
        if (r < 0) {
                (void) unlinkat(dir_fd, tmp, 0);
                return r;
        }
        /* The rename itself must reach the disk. */
        return fsync(dir_fd) < 0 ? -errno : 0;
}

static int add_owner(const struct extent *e, void *userdata) {
        return owner_list_add_extent(userdata, e);
}

int inventory_lookup(const struct inventory *inv, uint64_t start, uint64_t end, struct owner_list *ret) {
        int r;

        *ret = (struct owner_list) {};
        r = extent_map_lookup(&inv->extents, start, end, add_owner, ret);
        if (r < 0)
                owner_list_done(ret);
        return r;
}

static int compare_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

uint64_t inventory_files(const struct inventory *inv) {
        _cleanup_free_ uint64_t *inodes = NULL;
        size_t n = 0;
        uint64_t files = 0;

        inodes = calloc(inv->extents.n ? inv->extents.n : 1, sizeof(uint64_t));
        if (!inodes)
                return 0;
        for (size_t i = 0; i < inv->extents.n; i++)
                if (!(inv->extents.entries[i].flags & FMR_OF_SPECIAL_OWNER))
                        inodes[n++] = inv->extents.entries[i].owner;
        qsort(inodes, n, sizeof(uint64_t), compare_u64);
        for (size_t i = 0; i < n; i++)
                if (i == 0 || inodes[i] != inodes[i - 1])
                        files++;
        return files;
}

int inventory_dir(char *buf, size_t size) {
        const char *e = getenv("DAXMF_STATE_DIRECTORY");
        int n;

        if (e && e[0])
                n = snprintf(buf, size, "%.*s/inventory", (int) strcspn(e, ":"), e);
        else
                n = snprintf(buf, size, "/var/lib/daxmf/inventory");
        return n < 0 || (size_t) n >= size ? -ENAMETOOLONG : 0;
}

static bool header_matches(const struct inventory_header *h, const char *name, dev_t dev) {
        const char *base;

        if (dev != 0 && makedev(h->major, h->minor) == dev)
                return true;
        if (!name)
                return false;
        base = strncmp(name, "/dev/", 5) == 0 ? name + 5 : name;
        return (h->device[0] && strcmp(h->device, base) == 0) || (h->disk[0] && strcmp(h->disk, base) == 0);
}

int inventory_find(const char *dir, const char *name, dev_t dev, struct inventory *ret) {
        _cleanup_free_ struct dirent **entries = NULL;
        int dir_fd, n, r = -ENOENT;

        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return errno == ENOENT ? -ENOENT : -errno;
        n = scandirat(dir_fd, ".", &entries, NULL, alphasort);
        if (n < 0) {
                r = -errno;
                close(dir_fd);
                return r;
        }
        for (int i = 0; i < n; i++) {
                struct inventory_header h;
                const char *reason;
                size_t len = strlen(entries[i]->d_name);
                int fd;

                if (r == -ENOENT && len > 4 && strcmp(entries[i]->d_name + len - 4, ".inv") == 0 &&
                    (fd = openat(dir_fd, entries[i]->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) >= 0) {
                        bool match = read(fd, &h, sizeof(h)) == (ssize_t) sizeof(h) &&
                                     memcmp(h.magic, INVENTORY_MAGIC, sizeof(h.magic)) == 0 &&
                                     terminated(h.device, sizeof(h.device)) && terminated(h.disk, sizeof(h.disk)) &&
                                     header_matches(&h, name, dev);

                        close(fd);
                        if (match && inventory_load(dir_fd, entries[i]->d_name, ret, &reason) >= 0)
                                r = 0;
                }
                free(entries[i]);
        }
        close(dir_fd);
        return r;
}
