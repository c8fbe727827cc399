/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <linux/fsmap.h>

#include "fsmap.h"
#include "lookup.h"
#include "macro.h"
#include "mountinfo.h"
#include "output.h"
#include "topology.h"

_printf_(3, 4)
static int fail(struct lookup *l, int error, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vsnprintf(l->error, sizeof(l->error), format, ap);
        va_end(ap);
        return error;
}

/* The node itself, not a symlink to it: /proc/PID/maps names the node a process mapped. */
static int block_node(const char *path, char *buf, size_t size, dev_t *ret) {
        _cleanup_free_ char *real = NULL;
        struct stat st;

        if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
                return -ENOTBLK;
        real = realpath(path, NULL);
        if (real && strlen(real) < size)
                strcpy(buf, real);
        *ret = st.st_rdev;
        return 0;
}

int lookup_find_disk(const char *device, char *path, size_t size, dev_t *ret) {
        struct daxmf_topology t = {};
        const struct daxmf_device *d;
        int r;

        snprintf(path, size, "%s%s", device[0] == '/' ? "" : "/dev/", device);
        if (block_node(path, path, size, ret) == 0)
                return 0;
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
        r = block_node(path, path, size, ret);
        return r < 0 ? -ENODEV : 0;
}

/* The snapshot of device (its name, or its number when not 0); why: what made it the source. */
static int open_snapshot(struct lookup *l, const char *device, dev_t dev, const char *why, unsigned flags) {
        char dir[PATH_MAX];
        int r;

        r = inventory_dir(dir, sizeof(dir));
        if (r < 0)
                return fail(l, r, "%s, and the inventory directory cannot be told", why);
        r = inventory_find(dir, device, dev, &l->snapshot);
        if (r == -ENOENT && (flags & LOOKUP_OPTIONAL)) {
                snprintf(l->no_source, sizeof(l->no_source), "%s, and daxmfd has no inventory of it in %s", why, dir);
                return 0;
        }
        if (r == -ENOENT)
                return fail(l, r, "%s, and daxmfd has no inventory of it in %s", why, dir);
        if (r < 0)
                return fail(l, r, "cannot read the inventories in %s", dir);
        l->have_snapshot = true;
        snprintf(l->disk, sizeof(l->disk), "/dev/%s", l->snapshot.header.disk);
        snprintf(l->mountpoint, sizeof(l->mountpoint), "%s", l->snapshot.header.mountpoint);
        snprintf(l->fstype, sizeof(l->fstype), "%s", l->snapshot.header.fstype);
        return 0;
}

int lookup_open(struct lookup *l, const char *device, unsigned flags) {
        char why[PATH_MAX + 64];
        int r;

        r = lookup_find_disk(device, l->disk, sizeof(l->disk), &l->dev);
        if (r < 0) {
                l->dev = 0;
                if (!(flags & LOOKUP_INVENTORY)) {
                        snprintf(why, sizeof(why), "'%s' is not a block device, disk or namespace with a disk",
                                 device);
                        return open_snapshot(l, device, 0, why, flags);
                }
        }
        if (flags & LOOKUP_INVENTORY)
                return open_snapshot(l, device, l->dev, "--inventory", flags);
        r = mountinfo_find("/proc/self/mountinfo", major(l->dev), minor(l->dev), l->mountpoint,
                           sizeof(l->mountpoint), l->fstype, sizeof(l->fstype));
        if (r < 0) {
                snprintf(why, sizeof(why), "%s is not mounted", l->disk);
                return open_snapshot(l, device, l->dev, why, flags);
        }
        r = resolver_open(&l->live, l->mountpoint, 0);
        if (r < 0)
                return fail(l, r, "cannot open %s", l->mountpoint);
        l->have_live = true;
        return 0;
}

void lookup_done(struct lookup *l) {
        if (l->have_live)
                resolver_done(&l->live);
        if (l->have_snapshot)
                inventory_done(&l->snapshot);
        mapping_snapshot_done(&l->mappers);
        l->have_live = l->have_snapshot = l->have_mappers = false;
}

const char *lookup_source(const struct lookup *l) {
        return l->have_live ? "live" : l->have_snapshot ? "inventory" : NULL;
}

static const struct inode_index *names(const struct lookup *l) {
        return l->have_live ? &l->live.names : &l->snapshot.names;
}

/* The device number files on the filesystem have in /proc/PID/maps. */
static void fs_dev(const struct lookup *l, unsigned *ret_major, unsigned *ret_minor) {
        if (l->dev) {
                *ret_major = major(l->dev);
                *ret_minor = minor(l->dev);
        } else if (l->have_snapshot) {
                *ret_major = l->snapshot.header.major;
                *ret_minor = l->snapshot.header.minor;
        } else
                *ret_major = *ret_minor = 0;
}

/* Only the filesystem's files and the disk's node: every library of every process is not of interest. */
static bool keep_mapping(const struct maps_entry *e, void *userdata) {
        const struct lookup *l = userdata;
        unsigned maj, min;

        fs_dev(l, &maj, &min);
        return ((maj || min) && e->major == maj && e->minor == min) || strcmp(e->path, l->disk) == 0;
}

/* What maps a range: the file data that owns it, at its file offsets, and the device at its own. */
static int match_processes(struct lookup *l, struct lookup_result *res) {
        unsigned maj, min;
        int r;

        fs_dev(l, &maj, &min);
        for (size_t i = 0; i < res->owners.n; i++) {
                const struct owner *o = &res->owners.owners[i];

                /* An attribute fork or a block map is no data a process can map. */
                if (o->kind != OWNER_FILE || (o->flags & (FMR_OF_ATTR_FORK | FMR_OF_EXTENT_MAP)) ||
                    (maj == 0 && min == 0))
                        continue;
                r = mapper_targets_add_file(&res->targets, maj, min, o->owner, o->file_offset,
                                            o->file_offset + o->length);
                if (r < 0)
                        return r;
        }
        r = mapper_targets_add_device(&res->targets, l->disk, res->offset, res->offset + res->length);
        if (r < 0)
                return r;
        return mappers_match(&l->mappers, &res->targets, &res->processes);
}

int lookup_query(struct lookup *l, const struct byte_range *ranges, size_t n, struct lookup_result *results) {
        _cleanup_free_ struct owner_list *owners = NULL;
        int r = 0;

        owners = calloc(n ? n : 1, sizeof(*owners));
        if (!owners)
                return fail(l, -ENOMEM, "out of memory");
        if (l->have_live)
                r = resolver_query_many(&l->live, ranges, n, owners);
        for (size_t i = 0; l->have_snapshot && r >= 0 && i < n; i++)
                r = inventory_lookup(&l->snapshot, ranges[i].offset, ranges[i].offset + ranges[i].length, &owners[i]);
        for (size_t i = 0; i < n; i++)
                results[i] = (struct lookup_result) {
                        .offset = ranges[i].offset,
                        .length = ranges[i].length,
                        .owners = owners[i],
                };
        if (r == -ENOTTY || r == -EOPNOTSUPP)
                return fail(l, r, "%s (%s) has no reverse map (FS_IOC_GETFSMAP)", l->mountpoint, l->fstype);
        if (r < 0)
                return fail(l, r, "cannot map %s", l->mountpoint);

        if (!l->have_mappers) {
                r = mapping_snapshot_take(&l->mappers, "/proc", keep_mapping, l);
                if (r < 0)
                        return fail(l, r, "cannot read the processes' mappings in /proc");
                l->have_mappers = true;
        }
        for (size_t i = 0; i < n; i++) {
                r = match_processes(l, &results[i]);
                if (r < 0)
                        return fail(l, r, "cannot match the processes' mappings");
        }
        return 0;
}

void lookup_results_free(struct lookup_result *results, size_t n) {
        for (size_t i = 0; results && i < n; i++) {
                owner_list_done(&results[i].owners);
                mapper_targets_done(&results[i].targets);
                mapper_hits_done(&results[i].processes);
        }
        free(results);
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

struct json_object *lookup_owners_json(const struct lookup *l, const struct lookup_result *r) {
        struct json_object *a = json_object_new_array();

        for (size_t i = 0; i < r->owners.n; i++)
                json_object_array_add(a, owner_json(&r->owners.owners[i], names(l)));
        return a;
}

struct json_object *lookup_processes_json(const struct lookup *l, const struct lookup_result *r) {
        struct json_object *a = json_object_new_array();

        for (size_t i = 0; i < r->processes.n; i++) {
                const struct mapper_hit *h = &r->processes.hits[i];
                const struct mapping *m = &l->mappers.mappings[h->mapping];
                const struct mapper_target *t = &r->targets.targets[h->target];
                struct json_object *j = json_object_new_object();

                json_object_object_add(j, "pid", json_object_new_int(m->pid));
                json_object_object_add(j, "comm", json_object_new_string(m->comm));
                json_object_object_add(j, "unit", m->unit[0] ? json_object_new_string(m->unit) : NULL);
                json_object_object_add(j, "path", json_object_new_string(m->path));
                json_object_object_add(j, "maps", json_object_new_string(t->inode ? "file" : "device"));
                if (t->inode) {
                        json_object_object_add(j, "inode", json_object_new_uint64(t->inode));
                        json_object_object_add(j, "file_offset", json_object_new_uint64(h->offset));
                } else
                        json_object_object_add(j, "device_offset", json_object_new_uint64(h->offset));
                json_object_object_add(j, "length", json_object_new_uint64(h->length));
                json_object_object_add(j, "address", json_object_new_uint64(h->address));
                json_object_object_add(j, "mapping_start", json_object_new_uint64(m->start));
                json_object_object_add(j, "mapping_end", json_object_new_uint64(m->end - 1));
                json_object_object_add(j, "mapping_offset", json_object_new_uint64(m->offset));
                json_object_array_add(a, j);
        }
        return a;
}

static void owner_print(const struct owner *o, const struct inode_index *idx, const char *mountpoint,
                        const char *indent) {
        const struct inode_name *first;
        char buf[64];
        size_t n;

        printf("%s0x%-12" PRIx64 " %-10" PRIu64 " ", indent, o->dev_offset, o->length);
        if (o->kind != OWNER_FILE) {
                printf("%s\n", fsmap_owner_name(o->owner, buf, sizeof(buf)));
                return;
        }
        n = inode_index_lookup(idx, o->owner, &first);
        printf("inode %" PRIu64 " at file offset 0x%" PRIx64 "%s%s%s%s", o->owner, o->file_offset,
               o->flags & FMR_OF_SHARED ? " shared" : "", o->flags & FMR_OF_PREALLOC ? " unwritten" : "",
               o->flags & FMR_OF_ATTR_FORK ? " attr-fork" : "", o->flags & FMR_OF_EXTENT_MAP ? " extent-map" : "");
        if (n == 0)
                printf(" (no name found: deleted or unlinked)");
        printf("\n");
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *name = daxmfctl_escape(inode_index_path(idx, &first[i]));

                printf("%s%28s%s/%s\n", indent, "", strcmp(mountpoint, "/") == 0 ? "" : mountpoint,
                       name ? name : "?");
        }
}

void lookup_print(const struct lookup *l, const struct lookup_result *r, const char *indent) {
        if (lookup_source(l)) {
                printf("%s%-14s %-10s %s\n", indent, "DEVICE OFFSET", "LENGTH", "OWNER");
                for (size_t i = 0; i < r->owners.n; i++)
                        owner_print(&r->owners.owners[i], names(l), l->mountpoint, indent);
        } else
                printf("%sowners unknown: %s\n", indent, l->no_source);
        if (r->processes.n == 0) {
                printf("%sno process maps these bytes\n", indent);
                return;
        }
        printf("%sPROCESSES\n", indent);
        for (size_t i = 0; i < r->processes.n; i++) {
                const struct mapper_hit *h = &r->processes.hits[i];
                const struct mapping *m = &l->mappers.mappings[h->mapping];
                const struct mapper_target *t = &r->targets.targets[h->target];
                _cleanup_free_ char *comm = daxmfctl_escape(m->comm), *path = daxmfctl_escape(m->path);

                printf("%s%-7d %s%s%s%s maps %s %s bytes 0x%" PRIx64 "-0x%" PRIx64 " at 0x%" PRIx64
                       " (mapping 0x%" PRIx64 "-0x%" PRIx64 ")\n",
                       indent, m->pid, comm ? comm : "?", m->unit[0] ? " (" : "", m->unit, m->unit[0] ? ")" : "",
                       path ? path : "?",
                       t->inode ? "file" : "device", h->offset, h->offset + h->length - 1, h->address, m->start,
                       m->end - 1);
        }
}
