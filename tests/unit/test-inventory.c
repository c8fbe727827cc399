/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>
#include <cmocka.h>
#include <linux/fsmap.h>

#include "inventory.h"
#include "macro.h"

/* The reasons inventory_parse() gives, one per check. */
#define REASON_SHORT "shorter than its header"
#define REASON_MAGIC "not a daxmf inventory (bad magic)"
#define REASON_VERSION "an inventory of another version"
#define REASON_HEADER_NAME "a name in the header is not terminated"
#define REASON_COUNTS_LARGE "counts larger than the file"
#define REASON_COUNTS_SUM "counts do not add up to the file's size"
#define REASON_WRAPS "the physical range wraps around"
#define REASON_CHECKSUM "checksum mismatch (damaged)"
#define REASON_LAST_PATH "the last path is not terminated"
#define REASON_NO_PATHS "names without paths"
#define REASON_EXTENT "an extent is empty or wraps around"
#define REASON_EXTENT_ORDER "extents out of order"
#define REASON_NAME_OUTSIDE "a name points outside the paths"
#define REASON_NAME_ORDER "names out of order"

#define HEADER_SIZE sizeof(struct inventory_header)

/* A name record as the file has it: the inode, then the offset of its path. */
struct name_record {
        uint64_t ino;
        uint64_t path;
};

struct test_name {
        uint64_t ino;
        const char *path;
};

/* XFS's special owners (xfs_fs.h), which <linux/fsmap.h> does not have. */
#define OWN_FS FMR_OWNER('X', 1)
#define OWN_LOG FMR_OWNER('X', 2)
#define OWN_AG FMR_OWNER('X', 3)
#define OWN_INODES FMR_OWNER('X', 5)

#define FILE_EXTENT(dev, len, ino, off, fl) \
        { .dev_offset = (dev), .length = (len), .owner = (ino), .file_offset = (off), .flags = (fl) }
#define META_EXTENT(dev, len, own) \
        { .dev_offset = (dev), .length = (len), .owner = (own), .flags = FMR_OF_SPECIAL_OWNER }

/* Given out of order on purpose: the seal sorts them. */
static const struct extent small_extents[] = {
        FILE_EXTENT(131072, 8192, 131, 16384, 0),
        FILE_EXTENT(65536, 16384, 132, 8192, FMR_OF_SHARED),
        META_EXTENT(0, 4096, OWN_FS),
        FILE_EXTENT(98304, 4096, 131, 0, FMR_OF_EXTENT_MAP),
        FILE_EXTENT(262144, 4096, 150, 0, 0),                   /* a file without a name */
        FILE_EXTENT(65536, 16384, 131, 0, FMR_OF_SHARED),       /* reflinked with 132 */
        META_EXTENT(4096, 8192, OWN_INODES),
        FILE_EXTENT(81920, 4096, 133, 0, FMR_OF_PREALLOC),
        META_EXTENT(1048576, 65536, OWN_LOG),
};

/* Sorted by inode, then path; 132 has two names, 140 no data. */
static const struct test_name small_names[] = {
        { 128, "" },
        { 130, "dir" },
        { 131, "a" },
        { 132, "dir/b" },
        { 132, "dir/b-link" },
        { 133, "c with space" },
        { 140, "dir/empty" },
};

static uint64_t fnv1a(const void *buf, size_t size) {
        const unsigned char *p = buf;
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        for (size_t i = 0; i < size; i++) {
                h ^= p[i];
                h *= UINT64_C(0x100000001b3);
        }
        return h;
}

static struct inventory_header *header_of(void *buf) {
        return buf;
}

/* After an edit of the body: the checksum right again, so that the check behind it is what fails. */
static void fix_checksum(void *buf, size_t size) {
        assert_true(size >= HEADER_SIZE);
        header_of(buf)->checksum = fnv1a((const char *) buf + HEADER_SIZE, size - HEADER_SIZE);
}

static void set_string(char *field, size_t size, const char *s) {
        assert_true(strlen(s) < size);
        memset(field, 0, size);
        strcpy(field, s);
}

static void fill_header(struct inventory_header *h, const char *device, const char *disk, uint32_t major,
                        uint32_t minor, const char *mountpoint) {
        *h = (struct inventory_header) {};
        memcpy(h->magic, INVENTORY_MAGIC, sizeof(h->magic));
        h->version = INVENTORY_VERSION;
        h->header_size = sizeof(*h);
        h->built_realtime_usec = UINT64_C(1700000000123456);
        h->build_usec = 4321;
        h->data_start = UINT64_C(0x140000000);
        h->data_size = UINT64_C(0x80000000);
        h->major = major;
        h->minor = minor;
        set_string(h->device, sizeof(h->device), device);
        set_string(h->disk, sizeof(h->disk), disk);
        set_string(h->fstype, sizeof(h->fstype), "xfs");
        set_string(h->mountpoint, sizeof(h->mountpoint), mountpoint);
}

static void set_names(struct inode_index *idx, dev_t dev, const struct test_name *names, size_t n) {
        size_t size = 0;

        for (size_t i = 0; i < n; i++)
                size += strlen(names[i].path) + 1;
        *idx = (struct inode_index) { .dev = dev };
        idx->entries = calloc(n ? n : 1, sizeof(*idx->entries));
        idx->names = malloc(size ? size : 1);
        assert_non_null(idx->entries);
        assert_non_null(idx->names);
        idx->allocated = n;
        idx->names_allocated = size;
        for (size_t i = 0; i < n; i++) {
                size_t len = strlen(names[i].path);

                memcpy(idx->names + idx->names_size, names[i].path, len + 1);
                idx->entries[idx->n++] = (struct inode_name) { .ino = names[i].ino, .path = idx->names_size };
                idx->names_size += len + 1;
        }
        assert_int_equal(idx->names_size, size);
}

static void make_inventory(struct inventory *inv, const char *device, const char *disk, uint32_t major,
                           uint32_t minor, const char *mountpoint, const struct extent *extents, size_t n_extents,
                           const struct test_name *names, size_t n_names) {
        *inv = (struct inventory) {};
        fill_header(&inv->header, device, disk, major, minor, mountpoint);
        for (size_t i = 0; i < n_extents; i++)
                assert_int_equal(extent_map_add(&inv->extents, &extents[i]), 0);
        assert_int_equal(extent_map_seal(&inv->extents), 0);
        set_names(&inv->names, makedev(major, minor), names, n_names);
}

static void make_small(struct inventory *inv) {
        make_inventory(inv, "namespace0.0", "pmem0", 259, 3, "/mnt/pmem 0", small_extents,
                       ELEMENTSOF(small_extents), small_names, ELEMENTSOF(small_names));
}

static void read_all(int dir_fd, const char *name, void **ret, size_t *ret_size) {
        struct stat st;
        char *buf;
        size_t done = 0;
        int fd;

        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(fstat(fd, &st), 0);
        buf = malloc(st.st_size ? (size_t) st.st_size : 1);
        assert_non_null(buf);
        while (done < (size_t) st.st_size) {
                ssize_t n = read(fd, buf + done, (size_t) st.st_size - done);

                assert_true(n > 0);
                done += (size_t) n;
        }
        close(fd);
        *ret = buf;
        *ret_size = done;
}

static void write_all(int dir_fd, const char *name, const void *buf, size_t size) {
        int fd;

        fd = openat(dir_fd, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, buf, size), (ssize_t) size);
        close(fd);
}

static int open_temp_dir(char *dir) {
        int fd;

        assert_non_null(mkdtemp(dir));
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        assert_true(fd >= 0);
        return fd;
}

/* The small inventory, saved and read back as bytes. */
static void small_bytes(void **ret, size_t *ret_size) {
        _cleanup_(inventory_done) struct inventory inv = {};
        char dir[] = "/tmp/test-inventory-XXXXXX";
        int dfd = open_temp_dir(dir);

        make_small(&inv);
        assert_int_equal(inventory_save(dfd, "small.inv", &inv), 0);
        read_all(dfd, "small.inv", ret, ret_size);
        assert_int_equal(unlinkat(dfd, "small.inv", 0), 0);
        close(dfd);
        assert_int_equal(rmdir(dir), 0);
}

/* Parse a copy of exactly size bytes (so that ASan sees any read past the end). */
static int parse_copy(const void *buf, size_t size, struct inventory *ret, const char **reason) {
        _cleanup_free_ void *copy = malloc(size ? size : 1);

        assert_non_null(copy);
        if (size)
                memcpy(copy, buf, size);
        return inventory_parse(copy, size, ret, reason);
}

static void check_parse_fails(const void *buf, size_t size, const char *want_reason) {
        struct inventory inv = {}, zero = {};
        const char *reason = NULL;

        assert_int_equal(parse_copy(buf, size, &inv, &reason), -EBADMSG);
        assert_non_null(reason);
        if (want_reason && strcmp(reason, want_reason) != 0)
                fail_msg("refused for \"%s\", expected \"%s\"", reason, want_reason);
        /* Never half-read: nothing handed out. */
        assert_memory_equal(&inv, &zero, sizeof(inv));
}

static void check_parse_ok(const void *buf, size_t size) {
        _cleanup_(inventory_done) struct inventory inv = {};
        const char *reason = "unset";

        int r;

        r = parse_copy(buf, size, &inv, &reason);
        if (r != 0)
                fail_msg("refused (%d) for \"%s\"", r, reason ?: "(null)");
        assert_null(reason);
        assert_int_equal(inv.extents.n, ELEMENTSOF(small_extents));
        assert_int_equal(inv.names.n, ELEMENTSOF(small_names));
}

static void check_owner(const struct owner *o, enum owner_kind kind, uint64_t owner, uint64_t dev_offset,
                        uint64_t length, uint64_t file_offset, uint32_t flags) {
        assert_int_equal(o->kind, kind);
        assert_int_equal(o->owner, owner);
        assert_int_equal(o->dev_offset, dev_offset);
        assert_int_equal(o->length, length);
        assert_int_equal(o->file_offset, file_offset);
        assert_int_equal(o->flags, flags);
}

static void check_names(const struct inode_index *idx, const struct test_name *names, size_t n) {
        const struct inode_name *first;

        assert_int_equal(idx->n, n);
        for (size_t i = 0; i < n; i++) {
                size_t count = 0;

                for (size_t k = 0; k < n; k++)
                        count += names[k].ino == names[i].ino;
                assert_int_equal(inode_index_lookup(idx, names[i].ino, &first), count);
                assert_non_null(first);
                assert_int_equal(first->ino, names[i].ino);
                /* The i-th name is among those of its inode, in order. */
                for (size_t k = 0; k < count; k++)
                        if (strcmp(inode_index_path(idx, &first[k]), names[i].path) == 0)
                                goto found;
                fail_msg("name \"%s\" of %" PRIu64 " not found", names[i].path, names[i].ino);
found:
                assert_string_equal(inode_index_path(idx, &idx->entries[i]), names[i].path);
                assert_int_equal(idx->entries[i].ino, names[i].ino);
        }
}

/* saved: as inventory_save() wrote it (the counts in the header filled in), or as built. */
static void check_small(const struct inventory *inv, bool saved) {
        const struct inventory_header *h = &inv->header;
        _cleanup_(owner_list_done) struct owner_list owners = {};
        const struct inode_name *first;

        assert_memory_equal(h->magic, INVENTORY_MAGIC, 8);
        assert_int_equal(h->version, INVENTORY_VERSION);
        assert_int_equal(h->header_size, HEADER_SIZE);
        assert_int_equal(h->built_realtime_usec, UINT64_C(1700000000123456));
        assert_int_equal(h->build_usec, 4321);
        assert_int_equal(h->data_start, UINT64_C(0x140000000));
        assert_int_equal(h->data_size, UINT64_C(0x80000000));
        assert_int_equal(h->major, 259);
        assert_int_equal(h->minor, 3);
        assert_string_equal(h->device, "namespace0.0");
        assert_string_equal(h->disk, "pmem0");
        assert_string_equal(h->fstype, "xfs");
        assert_string_equal(h->mountpoint, "/mnt/pmem 0");
        if (saved) {
                assert_int_equal(h->n_extents, ELEMENTSOF(small_extents));
                assert_int_equal(h->n_names, ELEMENTSOF(small_names));
                assert_int_equal(h->names_size, 1 + 4 + 2 + 6 + 11 + 13 + 10);
        }

        /* The extents, sorted, each as given. */
        assert_true(inv->extents.sealed);
        assert_int_equal(inv->extents.n, ELEMENTSOF(small_extents));
        for (size_t i = 0; i < inv->extents.n; i++) {
                const struct extent *e = &inv->extents.entries[i];
                bool found = false;

                if (i > 0)
                        assert_true(inv->extents.entries[i - 1].dev_offset <= e->dev_offset);
                assert_int_equal(e->reserved, 0);
                for (size_t k = 0; k < ELEMENTSOF(small_extents); k++)
                        found = found || memcmp(e, &small_extents[k], sizeof(*e)) == 0;
                assert_true(found);
        }

        /* The names. */
        check_names(&inv->names, small_names, ELEMENTSOF(small_names));
        assert_int_equal(inv->names.names_size, 1 + 4 + 2 + 6 + 11 + 13 + 10);
        assert_int_equal(inv->names.dev, makedev(259, 3));
        assert_int_equal(inode_index_lookup(&inv->names, 150, &first), 0);
        assert_int_equal(inode_index_lookup(&inv->names, 129, &first), 0);
        assert_int_equal(inode_index_lookup(&inv->names, 1000, &first), 0);
        assert_null(first);

        /* Files with data: 131, 132, 133, 150 (140 has none, metadata is no file). */
        assert_int_equal(inventory_files(inv), 4);

        /* Metadata, clipped. */
        assert_int_equal(inventory_lookup(inv, 0, 12288 - 100, &owners), 0);
        assert_int_equal(owners.n, 2);
        check_owner(&owners.owners[0], OWNER_METADATA, OWN_FS, 0, 4096, 0, 0);
        check_owner(&owners.owners[1], OWNER_METADATA, OWN_INODES, 4096, 8192 - 100, 0, 0);
        owner_list_done(&owners);

        /* Reflinked bytes: both files, each at its own offset. */
        assert_int_equal(inventory_lookup(inv, 69632, 73728, &owners), 0);
        assert_int_equal(owners.n, 2);
        check_owner(&owners.owners[0], OWNER_FILE, 131, 69632, 4096, 4096, FMR_OF_SHARED);
        check_owner(&owners.owners[1], OWNER_FILE, 132, 69632, 4096, 12288, FMR_OF_SHARED);
        owner_list_done(&owners);

        /* Across the reflink's end into the preallocated extent, and a file's extent map block. */
        assert_int_equal(inventory_lookup(inv, 81920 - 1, 98304 + 10, &owners), 0);
        assert_int_equal(owners.n, 4);
        check_owner(&owners.owners[0], OWNER_FILE, 131, 81919, 1, 16383, FMR_OF_SHARED);
        check_owner(&owners.owners[1], OWNER_FILE, 132, 81919, 1, 24575, FMR_OF_SHARED);
        check_owner(&owners.owners[2], OWNER_FILE, 133, 81920, 4096, 0, FMR_OF_PREALLOC);
        check_owner(&owners.owners[3], OWNER_FILE, 131, 98304, 10, 0, FMR_OF_EXTENT_MAP);
        owner_list_done(&owners);

        /* The log, and the unnamed file. */
        assert_int_equal(inventory_lookup(inv, 262144 + 4000, 1048576 + 1, &owners), 0);
        assert_int_equal(owners.n, 2);
        check_owner(&owners.owners[0], OWNER_FILE, 150, 266144, 96, 4000, 0);
        check_owner(&owners.owners[1], OWNER_METADATA, OWN_LOG, 1048576, 1, 0, 0);
        owner_list_done(&owners);

        /* Nothing there. */
        assert_int_equal(inventory_lookup(inv, 139264, 262144, &owners), 0);
        assert_int_equal(owners.n, 0);
        assert_int_equal(inventory_lookup(inv, 1048576 + 65536, UINT64_MAX, &owners), 0);
        assert_int_equal(owners.n, 0);
}

static void test_round_trip(void **state) {
        _cleanup_(inventory_done) struct inventory inv = {}, loaded = {};
        _cleanup_free_ void *buf = NULL;
        char dir[] = "/tmp/test-inventory-XXXXXX";
        const char *reason = "unset";
        size_t size;
        int dfd = open_temp_dir(dir);

        make_small(&inv);
        /* What we built is what we expect to get back. */
        check_small(&inv, false);

        assert_int_equal(inventory_save(dfd, "pmem0.inv", &inv), 0);
        /* Atomically: no temporary file left behind. */
        assert_int_equal(faccessat(dfd, ".pmem0.inv.tmp", F_OK, 0), -1);

        assert_int_equal(inventory_load(dfd, "pmem0.inv", &loaded, &reason), 0);
        assert_null(reason);
        check_small(&loaded, true);

        /* The bytes: header, extents, name records, paths; the checksum over all but the header. */
        read_all(dfd, "pmem0.inv", &buf, &size);
        assert_int_equal(size, HEADER_SIZE + ELEMENTSOF(small_extents) * sizeof(struct extent) +
                               ELEMENTSOF(small_names) * sizeof(struct name_record) + loaded.header.names_size);
        assert_int_equal(header_of(buf)->checksum, fnv1a((char *) buf + HEADER_SIZE, size - HEADER_SIZE));
        assert_int_equal(loaded.header.checksum, header_of(buf)->checksum);
        assert_memory_equal((char *) buf + size - loaded.header.names_size, inv.names.names, inv.names.names_size);

        /* Saving again replaces it. */
        inv.header.build_usec = 99;
        assert_int_equal(inventory_save(dfd, "pmem0.inv", &inv), 0);
        inventory_done(&loaded);
        assert_int_equal(inventory_load(dfd, "pmem0.inv", &loaded, &reason), 0);
        assert_int_equal(loaded.header.build_usec, 99);

        assert_int_equal(unlinkat(dfd, "pmem0.inv", 0), 0);
        close(dfd);
        assert_int_equal(rmdir(dir), 0);
}

static void test_round_trip_empty(void **state) {
        _cleanup_(inventory_done) struct inventory inv = {}, loaded = {};
        _cleanup_(owner_list_done) struct owner_list owners = {};
        char dir[] = "/tmp/test-inventory-XXXXXX";
        const char *reason = "unset";
        const struct inode_name *first;
        int dfd = open_temp_dir(dir);

        /*
         * No extents, no names (and nothing allocated for either).  Saved unsealed: saving needs no
         * index, and the seal of a map that never had an entry is test-extent-map's business.
         */
        fill_header(&inv.header, "namespace2.0", "pmem2", 259, 7, "/");
        assert_int_equal(inventory_save(dfd, "empty.inv", &inv), 0);

        assert_int_equal(inventory_load(dfd, "empty.inv", &loaded, &reason), 0);
        assert_null(reason);
        assert_int_equal(loaded.header.n_extents, 0);
        assert_int_equal(loaded.header.n_names, 0);
        assert_int_equal(loaded.header.names_size, 0);
        assert_string_equal(loaded.header.mountpoint, "/");
        assert_int_equal(loaded.extents.n, 0);
        assert_int_equal(loaded.names.n, 0);
        assert_int_equal(inventory_files(&loaded), 0);
        assert_int_equal(inode_index_lookup(&loaded.names, 128, &first), 0);
        assert_int_equal(inventory_lookup(&loaded, 0, UINT64_MAX, &owners), 0);
        assert_int_equal(owners.n, 0);

        assert_int_equal(unlinkat(dfd, "empty.inv", 0), 0);
        close(dfd);
        assert_int_equal(rmdir(dir), 0);
}

static void test_load_errors(void **state) {
        _cleanup_(inventory_done) struct inventory inv = {};
        char dir[] = "/tmp/test-inventory-XXXXXX";
        const char *reason = "unset";
        int dfd = open_temp_dir(dir);

        assert_int_equal(inventory_load(dfd, "missing.inv", &inv, &reason), -ENOENT);
        assert_null(reason);

        assert_int_equal(mkdirat(dfd, "dir.inv", 0700), 0);
        assert_int_equal(inventory_load(dfd, "dir.inv", &inv, &reason), -EBADMSG);
        assert_non_null(reason);

        write_all(dfd, "empty.inv", "", 0);
        reason = NULL;
        assert_int_equal(inventory_load(dfd, "empty.inv", &inv, &reason), -EBADMSG);
        assert_non_null(reason);
        assert_string_equal(reason, REASON_SHORT);
        assert_null(inv.extents.entries);

        /* Not through a symlink. */
        assert_int_equal(symlinkat("empty.inv", dfd, "link.inv"), 0);
        assert_int_equal(inventory_load(dfd, "link.inv", &inv, &reason), -ELOOP);

        assert_int_equal(unlinkat(dfd, "link.inv", 0), 0);
        assert_int_equal(unlinkat(dfd, "empty.inv", 0), 0);
        assert_int_equal(unlinkat(dfd, "dir.inv", AT_REMOVEDIR), 0);
        close(dfd);
        assert_int_equal(rmdir(dir), 0);
}

static void test_truncated(void **state) {
        _cleanup_free_ void *buf = NULL;
        size_t size;

        small_bytes(&buf, &size);
        check_parse_ok(buf, size);
        for (size_t len = 0; len < size; len++)
                check_parse_fails(buf, len, len < HEADER_SIZE ? REASON_SHORT : NULL);
        /* Just past the header: the counts alone give it away. */
        check_parse_fails(buf, HEADER_SIZE, REASON_COUNTS_LARGE);
        check_parse_fails(buf, size - 1, REASON_COUNTS_SUM);
}

static void test_trailing_garbage(void **state) {
        _cleanup_free_ void *buf = NULL;
        _cleanup_free_ char *longer = NULL;
        size_t size;

        small_bytes(&buf, &size);
        longer = malloc(size + 1);
        assert_non_null(longer);
        memcpy(longer, buf, size);
        longer[size] = '\0';
        check_parse_fails(longer, size + 1, REASON_COUNTS_SUM);
        /* Even with a checksum that covers the extra byte. */
        fix_checksum(longer, size + 1);
        check_parse_fails(longer, size + 1, REASON_COUNTS_SUM);
}

static void test_flipped_bytes(void **state) {
        _cleanup_free_ char *buf = NULL;
        size_t size;

        small_bytes((void **) &buf, &size);
        /* Any single byte of the body, any bit of it. */
        for (size_t i = HEADER_SIZE; i < size; i++) {
                for (unsigned bit = 0; bit < 8; bit += 3) {
                        buf[i] ^= (char) (1u << bit);
                        check_parse_fails(buf, size, REASON_CHECKSUM);
                        buf[i] ^= (char) (1u << bit);
                }
        }
        /* The checksum itself damaged. */
        header_of(buf)->checksum ^= UINT64_C(1) << 40;
        check_parse_fails(buf, size, REASON_CHECKSUM);
        header_of(buf)->checksum ^= UINT64_C(1) << 40;
        check_parse_ok(buf, size);
}

static void test_bad_header(void **state) {
        _cleanup_free_ char *buf = NULL;
        struct inventory_header *h;
        size_t size;

        small_bytes((void **) &buf, &size);
        h = header_of(buf);

        h->magic[0] ^= 0x20;
        check_parse_fails(buf, size, REASON_MAGIC);
        h->magic[0] ^= 0x20;
        h->magic[7] = '\0';
        check_parse_fails(buf, size, REASON_MAGIC);
        memcpy(h->magic, INVENTORY_MAGIC, sizeof(h->magic));
        check_parse_ok(buf, size);

        h->version = INVENTORY_VERSION + 1;
        check_parse_fails(buf, size, REASON_VERSION);
        h->version = 0;
        check_parse_fails(buf, size, REASON_VERSION);
        h->version = INVENTORY_VERSION;
        h->header_size = HEADER_SIZE + 8;
        check_parse_fails(buf, size, REASON_VERSION);
        h->header_size = HEADER_SIZE - 8;
        check_parse_fails(buf, size, REASON_VERSION);
        h->header_size = HEADER_SIZE;
        check_parse_ok(buf, size);

        /* Strings without their NUL: each one, filled to its last byte. */
#define UNTERMINATED(field)                                                     \
        do {                                                                    \
                char _saved[sizeof(h->field)];                                  \
                                                                                \
                memcpy(_saved, h->field, sizeof(h->field));                     \
                memset(h->field, 'x', sizeof(h->field));                        \
                check_parse_fails(buf, size, REASON_HEADER_NAME);               \
                memcpy(h->field, _saved, sizeof(h->field));                     \
                /* One short of full is fine. */                                \
                memset(h->field, 'y', sizeof(h->field) - 1);                    \
                check_parse_ok(buf, size);                                      \
                memcpy(h->field, _saved, sizeof(h->field));                     \
        } while (0)
        UNTERMINATED(device);
        UNTERMINATED(disk);
        UNTERMINATED(fstype);
        UNTERMINATED(mountpoint);
#undef UNTERMINATED

        h->data_start = UINT64_MAX;
        h->data_size = 1;
        check_parse_fails(buf, size, REASON_WRAPS);
        h->data_start = UINT64_MAX - 1;
        check_parse_ok(buf, size);
}

static void test_bad_counts(void **state) {
        _cleanup_free_ char *buf = NULL;
        struct inventory_header *h;
        uint64_t n_extents, n_names, names_size;
        size_t size;

        small_bytes((void **) &buf, &size);
        h = header_of(buf);
        n_extents = h->n_extents;
        n_names = h->n_names;
        names_size = h->names_size;

        /* Counts whose byte sizes wrap around to nothing (2^61 * 40 and 2^60 * 16 are 0 mod 2^64). */
        h->n_extents = UINT64_C(1) << 61;
        check_parse_fails(buf, size, REASON_COUNTS_LARGE);
        h->n_extents = UINT64_MAX;
        check_parse_fails(buf, size, REASON_COUNTS_LARGE);
        h->n_extents = n_extents;
        h->n_names = UINT64_C(1) << 60;
        check_parse_fails(buf, size, REASON_COUNTS_LARGE);
        h->n_names = UINT64_MAX;
        check_parse_fails(buf, size, REASON_COUNTS_LARGE);
        h->n_names = n_names;
        /* Both at once: each fits the file on its own, not together. */
        h->n_extents = (size - HEADER_SIZE) / sizeof(struct extent);
        h->n_names = (size - HEADER_SIZE) / sizeof(struct name_record);
        check_parse_fails(buf, size, REASON_COUNTS_SUM);
        /* ...even with a names_size that makes the sum of the three wrap around to the file's size. */
        h->names_size = (uint64_t) (size - HEADER_SIZE) - h->n_extents * sizeof(struct extent) -
                        h->n_names * sizeof(struct name_record);
        assert_true(h->names_size > size);
        assert_int_equal(h->n_extents * sizeof(struct extent) + h->n_names * sizeof(struct name_record) +
                         h->names_size, size - HEADER_SIZE);
        check_parse_fails(buf, size, REASON_COUNTS_SUM);
        h->names_size = names_size;
        h->n_extents = n_extents;
        h->n_names = n_names;
        check_parse_ok(buf, size);

        /* Counts that fit but do not add up to the size. */
        h->n_extents = n_extents - 1;
        check_parse_fails(buf, size, REASON_COUNTS_SUM);
        h->n_extents = n_extents + 1;
        check_parse_fails(buf, size, REASON_COUNTS_SUM);
        h->n_extents = n_extents;
        h->n_names = n_names - 1;
        check_parse_fails(buf, size, REASON_COUNTS_SUM);
        h->n_names = n_names + 1;
        check_parse_fails(buf, size, REASON_COUNTS_SUM);
        h->n_names = 0;
        check_parse_fails(buf, size, REASON_COUNTS_SUM);
        h->n_names = n_names;
        h->names_size = names_size + 1;
        check_parse_fails(buf, size, REASON_COUNTS_SUM);
        h->names_size = names_size - 1;
        check_parse_fails(buf, size, REASON_COUNTS_SUM);
        h->names_size = 0;
        check_parse_fails(buf, size, REASON_COUNTS_SUM);
        h->names_size = UINT64_MAX;
        check_parse_fails(buf, size, REASON_COUNTS_SUM);
        h->names_size = names_size;
        check_parse_ok(buf, size);
}

/* The byte offsets of the parts of a file in the small inventory's shape. */
static char *extent_at(char *buf, size_t i) {
        return buf + HEADER_SIZE + i * sizeof(struct extent);
}

static char *name_at(char *buf, size_t i) {
        return extent_at(buf, ELEMENTSOF(small_extents)) + i * sizeof(struct name_record);
}

static char *paths_at(char *buf) {
        return name_at(buf, ELEMENTSOF(small_names));
}

static void test_bad_body(void **state) {
        _cleanup_free_ char *buf = NULL;
        struct extent e, e0, e1;
        struct name_record n, n2, n3;
        size_t size;

        small_bytes((void **) &buf, &size);
        assert_int_equal(paths_at(buf) + header_of(buf)->names_size, buf + size);
        /* The fixer alone changes nothing. */
        fix_checksum(buf, size);
        check_parse_ok(buf, size);

        /* A name outside the paths: just past them, and far away. */
        memcpy(&n, name_at(buf, 3), sizeof(n));
        assert_int_equal(n.ino, 132);
        n.path = header_of(buf)->names_size;
        memcpy(name_at(buf, 3), &n, sizeof(n));
        check_parse_fails(buf, size, REASON_CHECKSUM);
        fix_checksum(buf, size);
        check_parse_fails(buf, size, REASON_NAME_OUTSIDE);
        n.path = UINT64_MAX;
        memcpy(name_at(buf, 3), &n, sizeof(n));
        fix_checksum(buf, size);
        check_parse_fails(buf, size, REASON_NAME_OUTSIDE);
        /* The last byte (the NUL of the last path) is inside. */
        n.path = header_of(buf)->names_size - 1;
        memcpy(name_at(buf, 3), &n, sizeof(n));
        fix_checksum(buf, size);
        check_parse_ok(buf, size);
        n.path = 7;     /* "dir/b", where it was */
        memcpy(name_at(buf, 3), &n, sizeof(n));
        fix_checksum(buf, size);
        check_parse_ok(buf, size);

        /* Names out of order: 131 and 132 swapped. */
        memcpy(&n2, name_at(buf, 2), sizeof(n2));
        memcpy(&n3, name_at(buf, 3), sizeof(n3));
        assert_int_equal(n2.ino, 131);
        assert_int_equal(n3.ino, 132);
        memcpy(name_at(buf, 2), &n3, sizeof(n3));
        memcpy(name_at(buf, 3), &n2, sizeof(n2));
        fix_checksum(buf, size);
        check_parse_fails(buf, size, REASON_NAME_ORDER);
        /* The last one smaller than all. */
        memcpy(name_at(buf, 2), &n2, sizeof(n2));
        memcpy(name_at(buf, 3), &n3, sizeof(n3));
        memcpy(&n, name_at(buf, ELEMENTSOF(small_names) - 1), sizeof(n));
        n.ino = 1;
        memcpy(name_at(buf, ELEMENTSOF(small_names) - 1), &n, sizeof(n));
        fix_checksum(buf, size);
        check_parse_fails(buf, size, REASON_NAME_ORDER);
        n.ino = 140;
        memcpy(name_at(buf, ELEMENTSOF(small_names) - 1), &n, sizeof(n));
        fix_checksum(buf, size);
        check_parse_ok(buf, size);

        /* Extents out of order: the first two swapped (0 and 4096). */
        memcpy(&e0, extent_at(buf, 0), sizeof(e0));
        memcpy(&e1, extent_at(buf, 1), sizeof(e1));
        assert_int_equal(e0.dev_offset, 0);
        assert_int_equal(e1.dev_offset, 4096);
        memcpy(extent_at(buf, 0), &e1, sizeof(e1));
        memcpy(extent_at(buf, 1), &e0, sizeof(e0));
        fix_checksum(buf, size);
        check_parse_fails(buf, size, REASON_EXTENT_ORDER);
        memcpy(extent_at(buf, 0), &e0, sizeof(e0));
        memcpy(extent_at(buf, 1), &e1, sizeof(e1));

        /* An empty extent, first and last. */
        e = e0;
        e.length = 0;
        memcpy(extent_at(buf, 0), &e, sizeof(e));
        fix_checksum(buf, size);
        check_parse_fails(buf, size, REASON_EXTENT);
        memcpy(extent_at(buf, 0), &e0, sizeof(e0));
        memcpy(&e, extent_at(buf, ELEMENTSOF(small_extents) - 1), sizeof(e));
        assert_int_equal(e.dev_offset, 1048576);
        e.length = 0;
        memcpy(extent_at(buf, ELEMENTSOF(small_extents) - 1), &e, sizeof(e));
        fix_checksum(buf, size);
        check_parse_fails(buf, size, REASON_EXTENT);
        /* One that wraps around, by one byte. */
        e.dev_offset = UINT64_MAX - 4095;
        e.length = 4096;
        memcpy(extent_at(buf, ELEMENTSOF(small_extents) - 1), &e, sizeof(e));
        fix_checksum(buf, size);
        check_parse_fails(buf, size, REASON_EXTENT);
        /* Up to the very end (UINT64_MAX itself, the largest end there is) is fine. */
        e.length = 4095;
        memcpy(extent_at(buf, ELEMENTSOF(small_extents) - 1), &e, sizeof(e));
        fix_checksum(buf, size);
        check_parse_ok(buf, size);
        /* Padding that is not 0. */
        e.reserved = 1;
        memcpy(extent_at(buf, ELEMENTSOF(small_extents) - 1), &e, sizeof(e));
        fix_checksum(buf, size);
        check_parse_fails(buf, size, REASON_EXTENT);
        e.reserved = 0;
        memcpy(extent_at(buf, ELEMENTSOF(small_extents) - 1), &e, sizeof(e));
        fix_checksum(buf, size);
        check_parse_ok(buf, size);

        /* The last path without its NUL. */
        assert_int_equal(buf[size - 1], '\0');
        buf[size - 1] = 'x';
        fix_checksum(buf, size);
        check_parse_fails(buf, size, REASON_LAST_PATH);
        buf[size - 1] = '\0';
        fix_checksum(buf, size);
        check_parse_ok(buf, size);
}

static void test_names_without_paths(void **state) {
        _cleanup_free_ char *buf = NULL, *cut = NULL;
        struct inventory_header *h;
        size_t size, cut_size;

        small_bytes((void **) &buf, &size);
        /* Name records, then no paths at all. */
        cut_size = (size_t) (paths_at(buf) - buf);
        cut = malloc(cut_size);
        assert_non_null(cut);
        memcpy(cut, buf, cut_size);
        h = header_of(cut);
        h->names_size = 0;
        fix_checksum(cut, cut_size);
        check_parse_fails(cut, cut_size, REASON_NO_PATHS);

        /* Without the names either, it is a valid inventory of extents alone. */
        cut_size = (size_t) (name_at(buf, 0) - buf);
        h->n_names = 0;
        fix_checksum(cut, cut_size);
        {
                _cleanup_(inventory_done) struct inventory inv = {};
                const char *reason;

                assert_int_equal(parse_copy(cut, cut_size, &inv, &reason), 0);
                assert_int_equal(inv.extents.n, ELEMENTSOF(small_extents));
                assert_int_equal(inv.names.n, 0);
                assert_int_equal(inventory_files(&inv), 4);
        }
}

/* Random damage anywhere: refused or not, never a crash (ASan), never a half-filled result. */
static void test_random_damage(void **state) {
        _cleanup_free_ char *buf = NULL, *copy = NULL;
        uint64_t x = 0x9E3779B97F4A7C15ULL;
        size_t size, refused = 0, accepted = 0;

        small_bytes((void **) &buf, &size);
        copy = malloc(size);
        assert_non_null(copy);
        for (unsigned round = 0; round < 3000; round++) {
                _cleanup_(inventory_done) struct inventory inv = {};
                const char *reason = NULL;
                unsigned edits;
                int r;

                memcpy(copy, buf, size);
                x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
                edits = 1 + (unsigned) (x % 4);
                for (unsigned k = 0; k < edits; k++) {
                        x ^= x >> 12, x ^= x << 25, x ^= x >> 27;
                        /* Mostly the body and the counts, where the structure is. */
                        if (x & 1)
                                copy[HEADER_SIZE + (x >> 8) % (size - HEADER_SIZE)] ^= (char) (x >> 1);
                        else
                                copy[offsetof(struct inventory_header, n_extents) + (x >> 8) % 24] ^=
                                        (char) (x >> 1);
                }
                /* Half the time with a fitting checksum, to get past it. */
                if (round % 2)
                        fix_checksum(copy, size);
                r = parse_copy(copy, size, &inv, &reason);
                if (r < 0) {
                        assert_int_equal(r, -EBADMSG);
                        assert_non_null(reason);
                        assert_null(inv.extents.entries);
                        refused++;
                } else {
                        assert_null(reason);
                        assert_true(inv.extents.sealed);
                        for (size_t i = 0; i < inv.names.n; i++)
                                assert_true(inv.names.entries[i].path < inv.names.names_size);
                        accepted++;
                }
        }
        /* Both ways really happened. */
        assert_true(refused > 1500);
        assert_true(accepted > 100);
}

static void save_as(int dfd, const char *name, const char *device, const char *disk, uint32_t major, uint32_t minor,
                    const char *mountpoint, size_t n_extents) {
        _cleanup_(inventory_done) struct inventory inv = {};

        assert_true(n_extents <= ELEMENTSOF(small_extents));
        make_inventory(&inv, device, disk, major, minor, mountpoint, small_extents, n_extents, small_names,
                       ELEMENTSOF(small_names));
        assert_int_equal(inventory_save(dfd, name, &inv), 0);
}

static void check_find(const char *dir, const char *name, dev_t dev, const char *want_mountpoint) {
        _cleanup_(inventory_done) struct inventory inv = {};

        assert_int_equal(inventory_find(dir, name, dev, &inv), 0);
        assert_string_equal(inv.header.mountpoint, want_mountpoint);
        /* Loaded in full, not just the header. */
        assert_true(inv.extents.sealed);
        assert_true(inv.extents.n > 0);
        assert_int_equal(inv.names.n, ELEMENTSOF(small_names));
        assert_int_equal(inv.extents.n, strcmp(want_mountpoint, "/mnt/a") == 0 ? ELEMENTSOF(small_extents) : 3);
}

static void check_not_found(const char *dir, const char *name, dev_t dev) {
        struct inventory inv = {}, zero = {};

        assert_int_equal(inventory_find(dir, name, dev, &inv), -ENOENT);
        assert_memory_equal(&inv, &zero, sizeof(inv));
}

static void test_find(void **state) {
        _cleanup_free_ char *bytes = NULL;
        char dir[] = "/tmp/test-inventory-XXXXXX", missing[64];
        size_t size;
        int dfd = open_temp_dir(dir);

        save_as(dfd, "a.inv", "namespace0.0", "pmem0", 259, 0, "/mnt/a", ELEMENTSOF(small_extents));
        save_as(dfd, "b.inv", "namespace1.0", "pmem1", 259, 5, "/mnt/b", 3);
        /* Nothing to find this one by: no names, no device number. */
        save_as(dfd, "z.inv", "", "", 0, 0, "/mnt/z", 1);

        /* Corrupt copies of b's header that sort before it: skipped. */
        read_all(dfd, "b.inv", (void **) &bytes, &size);
        bytes[size - 2] ^= 1;
        write_all(dfd, "0-damaged.inv", bytes, size);
        write_all(dfd, "1-truncated.inv", bytes, size - 100);
        write_all(dfd, "2-short.inv", bytes, 10);
        assert_int_equal(mkdirat(dfd, "3-directory.inv", 0700), 0);
        /* A good inventory whose name does not end in .inv: not looked at. */
        bytes[size - 2] ^= 1;
        set_string(header_of(bytes)->device, sizeof(header_of(bytes)->device), "namespace9.0");
        write_all(dfd, "c.inv.tmp", bytes, size);

        check_find(dir, "namespace0.0", 0, "/mnt/a");
        check_find(dir, "pmem0", 0, "/mnt/a");
        check_find(dir, "/dev/pmem0", 0, "/mnt/a");
        check_find(dir, "/dev/namespace0.0", 0, "/mnt/a");
        check_find(dir, "namespace1.0", 0, "/mnt/b");
        check_find(dir, "pmem1", 0, "/mnt/b");
        check_find(dir, "/dev/pmem1", 0, "/mnt/b");
        check_find(dir, "unknown", makedev(259, 0), "/mnt/a");
        check_find(dir, "", makedev(259, 5), "/mnt/b");

        check_not_found(dir, "pmem7", 0);
        check_not_found(dir, "pmem", 0);
        check_not_found(dir, "namespace0", 0);
        check_not_found(dir, "pmem0 ", 0);
        check_not_found(dir, "/dev/", 0);
        check_not_found(dir, "", 0);
        check_not_found(dir, "/dev/", makedev(0, 0));
        check_not_found(dir, "unknown", 0);
        check_not_found(dir, "dev/pmem0", 0);
        check_not_found(dir, "pmem7", makedev(259, 1));
        check_not_found(dir, "pmem7", makedev(5, 0));
        check_not_found(dir, "namespace9.0", 0);
        snprintf(missing, sizeof(missing), "%s/missing", dir);
        check_not_found(missing, "pmem0", 0);
        check_not_found(missing, "pmem0", makedev(259, 0));

        /* With b itself damaged, only the damaged ones are left: none. */
        bytes[size - 1] = 'x';
        set_string(header_of(bytes)->device, sizeof(header_of(bytes)->device), "namespace1.0");
        write_all(dfd, "b.inv", bytes, size);
        check_not_found(dir, "pmem1", 0);
        check_not_found(dir, "namespace1.0", makedev(259, 5));
        check_find(dir, "pmem0", 0, "/mnt/a");

        assert_int_equal(unlinkat(dfd, "a.inv", 0), 0);
        assert_int_equal(unlinkat(dfd, "b.inv", 0), 0);
        assert_int_equal(unlinkat(dfd, "z.inv", 0), 0);
        assert_int_equal(unlinkat(dfd, "0-damaged.inv", 0), 0);
        assert_int_equal(unlinkat(dfd, "1-truncated.inv", 0), 0);
        assert_int_equal(unlinkat(dfd, "2-short.inv", 0), 0);
        assert_int_equal(unlinkat(dfd, "3-directory.inv", AT_REMOVEDIR), 0);
        assert_int_equal(unlinkat(dfd, "c.inv.tmp", 0), 0);
        close(dfd);
        assert_int_equal(rmdir(dir), 0);
        check_not_found(dir, "pmem0", 0);
}

static void test_dir(void **state) {
        char buf[256], tiny[8];

        assert_int_equal(setenv("DAXMF_STATE_DIRECTORY", "/run/state/daxmf:/other", 1), 0);
        assert_int_equal(inventory_dir(buf, sizeof(buf)), 0);
        assert_string_equal(buf, "/run/state/daxmf/inventory");
        assert_int_equal(inventory_dir(tiny, sizeof(tiny)), -ENAMETOOLONG);
        assert_int_equal(setenv("DAXMF_STATE_DIRECTORY", "", 1), 0);
        assert_int_equal(inventory_dir(buf, sizeof(buf)), 0);
        assert_string_equal(buf, "/var/lib/daxmf/inventory");
        assert_int_equal(unsetenv("DAXMF_STATE_DIRECTORY"), 0);
        assert_int_equal(inventory_dir(buf, sizeof(buf)), 0);
        assert_string_equal(buf, "/var/lib/daxmf/inventory");
        assert_int_equal(inventory_dir(buf, strlen("/var/lib/daxmf/inventory")), -ENAMETOOLONG);
        assert_int_equal(inventory_dir(buf, strlen("/var/lib/daxmf/inventory") + 1), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_round_trip),
                cmocka_unit_test(test_round_trip_empty),
                cmocka_unit_test(test_load_errors),
                cmocka_unit_test(test_truncated),
                cmocka_unit_test(test_trailing_garbage),
                cmocka_unit_test(test_flipped_bytes),
                cmocka_unit_test(test_bad_header),
                cmocka_unit_test(test_bad_counts),
                cmocka_unit_test(test_bad_body),
                cmocka_unit_test(test_names_without_paths),
                cmocka_unit_test(test_random_damage),
                cmocka_unit_test(test_find),
                cmocka_unit_test(test_dir),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
