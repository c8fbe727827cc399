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
#include <unistd.h>
#include <json-c/json.h>
#include <linux/fsmap.h>

#include "commands.h"
#include "fsmap.h"
#include "inode-index.h"
#include "log.h"
#include "macro.h"
#include "mountinfo.h"
#include "output.h"
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

int daxmfctl_files(const struct daxmfctl_args *args) {
        _cleanup_(inode_index_done) struct inode_index idx = {};
        _cleanup_(owner_list_done) struct owner_list owners = {};
        char disk[PATH_MAX], mountpoint[PATH_MAX], fstype[64];
        dev_t dev;
        int fd, r;

        r = find_disk(args->device, disk, sizeof(disk), &dev);
        if (r < 0)
                return daxmfctl_fail("files", args->json, r, "'%s' is not a block device, disk or namespace with a disk", args->device);
        r = mountinfo_find("/proc/self/mountinfo", major(dev), minor(dev), mountpoint, sizeof(mountpoint), fstype,
                           sizeof(fstype));
        if (r < 0)
                return daxmfctl_fail("files", args->json, r, "%s is not mounted: no files to name", disk);
        r = inode_index_build(&idx, mountpoint);
        if (r < 0)
                return daxmfctl_fail("files", args->json, r, "cannot walk %s", mountpoint);
        fd = open(mountpoint, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0)
                return daxmfctl_fail("files", args->json, -errno, "cannot open %s", mountpoint);
        r = resolve_owners(fd, &idx, args->offset, args->offset + args->length, &owners);
        close(fd);
        if (r == -ENOTTY || r == -EOPNOTSUPP)
                return daxmfctl_fail("files", args->json, r, "%s (%s) has no reverse map (FS_IOC_GETFSMAP)", mountpoint, fstype);
        if (r < 0)
                return daxmfctl_fail("files", args->json, r, "cannot map %s", mountpoint);

        if (args->json) {
                struct json_object *o = json_object_new_object(), *a = json_object_new_array();

                json_object_object_add(o, "device", json_object_new_string(disk));
                json_object_object_add(o, "mountpoint", json_object_new_string(mountpoint));
                json_object_object_add(o, "fstype", json_object_new_string(fstype));
                json_object_object_add(o, "offset", json_object_new_uint64(args->offset));
                json_object_object_add(o, "length", json_object_new_uint64(args->length));
                for (size_t i = 0; i < owners.n; i++)
                        json_object_array_add(a, owner_json(&owners.owners[i], &idx));
                json_object_object_add(o, "owners", a);
                daxmfctl_print_json(o);
                return EXIT_SUCCESS;
        }
        printf("%s on %s (%s), bytes 0x%" PRIx64 "-0x%" PRIx64 ":\n", disk, mountpoint, fstype, args->offset,
               args->offset + args->length - 1);
        printf("%-14s %-10s %s\n", "DEVICE OFFSET", "LENGTH", "OWNER");
        for (size_t i = 0; i < owners.n; i++)
                owner_print(&owners.owners[i], &idx, mountpoint);
        return EXIT_SUCCESS;
}
