/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include <linux/fsmap.h>

#include "commands.h"
#include "fsmap.h"
#include "inode-index.h"
#include "inventory.h"
#include "log.h"
#include "macro.h"
#include "mountinfo.h"
#include "output.h"
#include "range-list.h"
#include "resolver.h"
#include "topology.h"

/* DEVICE as a block device node: a path, a disk name, or a namespace/dax name from the topology. */
static int find_disk(const char *device, char *path, size_t size, dev_t *ret) {
        struct daxmf_topology t = {};
        const struct daxmf_device *d;
        struct stat st;

        snprintf(path, size, "%s%s", device[0] == '/' ? "" : "/dev/", device);
        if (stat(path, &st) == 0 && S_ISBLK(st.st_mode)) {
                *ret = st.st_rdev;
                return 0;
        }
        if (device[0] == '/')
                return -ENOTBLK;
        if (topology_scan(&t, "/proc/self/mountinfo") < 0)
                return -ENODEV;
        d = topology_find_namespace(&t, device);
        if (!d || !d->blockdev[0]) {
                topology_done(&t);
                return -ENODEV;
        }
        snprintf(path, size, "/dev/%s", d->blockdev);
        topology_done(&t);
        if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
                return -ENODEV;
        *ret = st.st_rdev;
        return 0;
}

static const char *kind_name(enum owner_kind k) {
        return k == OWNER_FILE ? "file" : k == OWNER_FREE ? "free" : "metadata";
}

static struct json_object *owner_json(const struct owner *o, const struct inode_index *idx) {
        struct json_object *j = json_object_new_object();
        char buf[64];

        json_object_object_add(j, "kind", json_object_new_string(kind_name(o->kind)));
        json_object_object_add(j, "device_offset", json_object_new_uint64(o->dev_offset));
        json_object_object_add(j, "length", json_object_new_uint64(o->length));
        if (o->kind == OWNER_FILE) {
                const struct inode_name *first;
                size_t n = inode_index_lookup(idx, o->owner, &first);
                struct json_object *paths = json_object_new_array();

                for (size_t i = 0; i < n; i++)
                        json_object_array_add(paths, json_object_new_string(inode_index_path(idx, &first[i])));
                json_object_object_add(j, "inode", json_object_new_uint64(o->owner));
                json_object_object_add(j, "paths", paths);
                json_object_object_add(j, "file_offset", json_object_new_uint64(o->file_offset));
                json_object_object_add(j, "shared", json_object_new_boolean(o->flags & FMR_OF_SHARED));
                json_object_object_add(j, "unwritten", json_object_new_boolean(o->flags & FMR_OF_PREALLOC));
                json_object_object_add(j, "attr_fork", json_object_new_boolean(o->flags & FMR_OF_ATTR_FORK));
                json_object_object_add(j, "extent_map", json_object_new_boolean(o->flags & FMR_OF_EXTENT_MAP));
        } else
                json_object_object_add(j, "owner", json_object_new_string(fsmap_owner_name(o->owner, buf, sizeof(buf))));
        return j;
}

static void owner_print(const struct owner *o, const struct inode_index *idx, const char *mountpoint) {
        char buf[64];

        printf("0x%-12" PRIx64 " %-10" PRIu64 " ", o->dev_offset, o->length);
        if (o->kind != OWNER_FILE) {
                printf("%s\n", fsmap_owner_name(o->owner, buf, sizeof(buf)));
                return;
        }
        const struct inode_name *first;
        size_t n = inode_index_lookup(idx, o->owner, &first);

        printf("inode %" PRIu64 " at file offset 0x%" PRIx64 "%s%s%s%s", o->owner, o->file_offset,
               o->flags & FMR_OF_SHARED ? " shared" : "", o->flags & FMR_OF_PREALLOC ? " unwritten" : "",
               o->flags & FMR_OF_ATTR_FORK ? " attr-fork" : "", o->flags & FMR_OF_EXTENT_MAP ? " extent-map" : "");
        if (n == 0)
                printf(" (no name found: deleted or unlinked)");
        printf("\n");
        for (size_t i = 0; i < n; i++)
                printf("%28s%s/%s\n", "", strcmp(mountpoint, "/") == 0 ? "" : mountpoint,
                       inode_index_path(idx, &first[i]));
}

/* Where the answer comes from: the live filesystem, or daxmfd's snapshot of it. */
struct source {
        char disk[PATH_MAX];
        char mountpoint[PATH_MAX];
        char fstype[64];
        struct resolver live;
        bool have_live;
        struct inventory snapshot;
        bool have_snapshot;
};

static void source_done(struct source *s) {
        if (s->have_live)
                resolver_done(&s->live);
        if (s->have_snapshot)
                inventory_done(&s->snapshot);
}

static const struct inode_index *source_names(const struct source *s) {
        return s->have_live ? &s->live.names : &s->snapshot.names;
}

/* results[i]: the owners of ranges[i]. */
static int source_query(struct source *s, const struct range_list *ranges, struct owner_list *results) {
        int r = 0;

        if (s->have_live)
                return resolver_query_many(&s->live, ranges->ranges, ranges->n, results);
        for (size_t i = 0; r >= 0 && i < ranges->n; i++)
                r = inventory_lookup(&s->snapshot, ranges->ranges[i].offset,
                                     ranges->ranges[i].offset + ranges->ranges[i].length, &results[i]);
        return r;
}

static void results_free(struct owner_list *results, size_t n) {
        for (size_t i = 0; results && i < n; i++)
                owner_list_done(&results[i]);
        free(results);
}

/* The snapshot of DEVICE; a clear error when there is none. */
static int open_snapshot(const struct daxmfctl_args *args, dev_t dev, struct source *s, const char *why) {
        char dir[PATH_MAX];
        int r;

        r = inventory_dir(dir, sizeof(dir));
        if (r >= 0)
                r = inventory_find(dir, args->device, dev, &s->snapshot);
        if (r == -ENOENT)
                return daxmfctl_fail("files", args->json, r, "%s, and daxmfd has no inventory of it in %s", why, dir);
        if (r < 0)
                return daxmfctl_fail("files", args->json, r, "cannot read the inventories in %s", dir);
        s->have_snapshot = true;
        snprintf(s->disk, sizeof(s->disk), "/dev/%s", s->snapshot.header.disk);
        snprintf(s->mountpoint, sizeof(s->mountpoint), "%s", s->snapshot.header.mountpoint);
        snprintf(s->fstype, sizeof(s->fstype), "%s", s->snapshot.header.fstype);
        return 0;
}

static int open_source(const struct daxmfctl_args *args, struct source *s) {
        char why[PATH_MAX + 64];
        dev_t dev = 0;
        int r;

        r = find_disk(args->device, s->disk, sizeof(s->disk), &dev);
        if (r < 0 && !args->inventory) {
                snprintf(why, sizeof(why), "'%s' is not a block device, disk or namespace with a disk", args->device);
                return open_snapshot(args, 0, s, why);
        }
        if (args->inventory)
                return open_snapshot(args, r < 0 ? 0 : dev, s, "--inventory");
        r = mountinfo_find("/proc/self/mountinfo", major(dev), minor(dev), s->mountpoint, sizeof(s->mountpoint),
                           s->fstype, sizeof(s->fstype));
        if (r < 0) {
                snprintf(why, sizeof(why), "%s is not mounted", s->disk);
                return open_snapshot(args, dev, s, why);
        }
        r = resolver_open(&s->live, s->mountpoint, 0);
        if (r < 0)
                return daxmfctl_fail("files", args->json, r, "cannot open %s", s->mountpoint);
        s->have_live = true;
        return 0;
}

static int lookup_error(const struct daxmfctl_args *args, const struct source *s, int r) {
        if (r == -ENOTTY || r == -EOPNOTSUPP)
                return daxmfctl_fail("files", args->json, r, "%s (%s) has no reverse map (FS_IOC_GETFSMAP)",
                                     s->mountpoint, s->fstype);
        return daxmfctl_fail("files", args->json, r, "cannot map %s", s->mountpoint);
}

static struct json_object *owners_json(const struct owner_list *owners, const struct inode_index *names) {
        struct json_object *a = json_object_new_array();

        for (size_t i = 0; i < owners->n; i++)
                json_object_array_add(a, owner_json(&owners->owners[i], names));
        return a;
}

static void print_range(const struct source *s, const struct owner_list *owners, uint64_t offset, uint64_t length) {
        printf("%s on %s (%s), bytes 0x%" PRIx64 "-0x%" PRIx64 ":\n", s->disk, s->mountpoint, s->fstype, offset,
               offset + length - 1);
        printf("%-14s %-10s %s\n", "DEVICE OFFSET", "LENGTH", "OWNER");
        for (size_t i = 0; i < owners->n; i++)
                owner_print(&owners->owners[i], source_names(s), s->mountpoint);
}

static int read_ranges(const struct daxmfctl_args *args, struct range_list *ret) {
        const char *reason;
        unsigned line;
        FILE *f;
        int r;

        if (!args->ranges)
                return range_list_add(ret, args->offset, args->length);
        f = strcmp(args->ranges, "-") == 0 ? stdin : fopen(args->ranges, "re");
        if (!f)
                return daxmfctl_fail("files", args->json, -errno, "cannot open %s", args->ranges);
        r = range_list_read(f, ret, &line, &reason);
        if (f != stdin)
                fclose(f);
        if (r == -EBADMSG)
                return daxmfctl_fail("files", args->json, r, "%s:%u: %s", args->ranges, line, reason);
        if (r < 0)
                return daxmfctl_fail("files", args->json, r, "cannot read %s", args->ranges);
        return 0;
}

int daxmfctl_files(const struct daxmfctl_args *args) {
        _cleanup_(range_list_done) struct range_list ranges = {};
        _cleanup_(source_done) struct source s = {};
        struct json_object *doc = NULL, *list = NULL;
        struct owner_list *results;
        int r;

        r = read_ranges(args, &ranges);
        if (r != 0)
                return r < 0 ? daxmfctl_fail("files", args->json, r, "out of memory") : r;
        r = open_source(args, &s);
        if (r != 0)
                return r;
        results = calloc(ranges.n ? ranges.n : 1, sizeof(*results));
        if (!results)
                return daxmfctl_fail("files", args->json, -ENOMEM, "out of memory");
        r = source_query(&s, &ranges, results);
        if (r < 0) {
                results_free(results, ranges.n);
                return lookup_error(args, &s, r);
        }

        if (args->json) {
                doc = json_object_new_object();
                json_object_object_add(doc, "device", json_object_new_string(s.disk));
                json_object_object_add(doc, "mountpoint", json_object_new_string(s.mountpoint));
                json_object_object_add(doc, "fstype", json_object_new_string(s.fstype));
                json_object_object_add(doc, "source", json_object_new_string(s.have_live ? "live" : "inventory"));
                if (s.have_snapshot) {
                        json_object_object_add(doc, "namespace", json_object_new_string(s.snapshot.header.device));
                        json_object_object_add(doc, "inventory_realtime_usec",
                                               json_object_new_uint64(s.snapshot.header.built_realtime_usec));
                }
                if (args->ranges) {
                        list = json_object_new_array();
                        json_object_object_add(doc, "ranges", list);
                }
        } else if (s.have_snapshot) {
                time_t t = (time_t) (s.snapshot.header.built_realtime_usec / 1000000);
                char when[64];

                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
                printf("From daxmfd's inventory of %s taken %s (the filesystem is not read):\n",
                       s.snapshot.header.device[0] ? s.snapshot.header.device : s.disk, when);
        }

        for (size_t i = 0; i < ranges.n; i++) {
                const struct owner_list *owners = &results[i];
                const struct byte_range *b = &ranges.ranges[i];

                if (list) {
                        struct json_object *o = json_object_new_object();

                        json_object_object_add(o, "offset", json_object_new_uint64(b->offset));
                        json_object_object_add(o, "length", json_object_new_uint64(b->length));
                        json_object_object_add(o, "owners", owners_json(owners, source_names(&s)));
                        json_object_array_add(list, o);
                } else if (doc) {
                        json_object_object_add(doc, "offset", json_object_new_uint64(b->offset));
                        json_object_object_add(doc, "length", json_object_new_uint64(b->length));
                        json_object_object_add(doc, "owners", owners_json(owners, source_names(&s)));
                } else
                        print_range(&s, owners, b->offset, b->length);
        }
        results_free(results, ranges.n);
        if (doc)
                daxmfctl_print_json(doc);
        return EXIT_SUCCESS;
}
