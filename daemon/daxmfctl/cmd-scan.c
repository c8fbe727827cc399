/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "badblocks.h"
#include "commands.h"
#include "log.h"
#include "lookup.h"
#include "macro.h"
#include "mountinfo.h"
#include "output.h"
#include "parse-util.h"
#include "topology.h"

/*
 * scan: the bad ranges the pmem disks list now (/sys/block/pmemN/badblocks,
 * 512-byte sectors from the disk's start), and what each holds, as `files`
 * would say.  Read-only, no daxmfd needed.
 */

#define SECTOR_SIZE 512

/* $DAXMF_SYSFS_ROOT stands for /sys (tests: a made-up disk with bad blocks). */
static const char *sysfs_root(void) {
        const char *e = getenv("DAXMF_SYSFS_ROOT");

        return e && e[0] ? e : "/sys";
}

/* One disk's answer, or why there is none. */
struct disk_scan {
        char name[NAME_MAX + 1];        /* pmem0 */
        char node[PATH_MAX];            /* /dev/pmem0 */
        char namespace[64];
        char mountpoint[PATH_MAX];
        char fstype[64];
        struct daxmf_rangeset bad;      /* sectors */
        bool truncated;
        struct lookup lookup;
        struct lookup_result *results;  /* one per bad range */
        size_t n_results;
        int error;
        char message[PATH_MAX + 256];
};

static void disk_scan_done(struct disk_scan *d) {
        rangeset_done(&d->bad);
        lookup_results_free(d->results, d->n_results);
        d->results = NULL;
        lookup_done(&d->lookup);
}

_printf_(3, 4)
static int disk_fail(struct disk_scan *d, int error, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vsnprintf(d->message, sizeof(d->message), format, ap);
        va_end(ap);
        d->error = error;
        return error;
}

/* The attribute's text: sysfs gives at most a page, a made-up file what it holds. */
static int read_badblocks(struct disk_scan *d, char *buf, size_t size, size_t *ret) {
        char path[PATH_MAX];
        size_t have = 0;
        int fd;

        snprintf(path, sizeof(path), "%s/block/%s/badblocks", sysfs_root(), d->name);
        fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0)
                return disk_fail(d, -errno, "cannot read %s (only pmem disks keep a bad block list)", path);
        for (;;) {
                ssize_t n = read(fd, buf + have, size - have);

                if (n < 0 && errno == EINTR)
                        continue;
                if (n < 0) {
                        int e = -errno;

                        close(fd);
                        return disk_fail(d, e, "cannot read %s", path);
                }
                if (n == 0)
                        break;
                have += (size_t) n;
                if (have == size) {
                        close(fd);
                        return disk_fail(d, -EFBIG, "%s is longer than %zu bytes: not a sysfs attribute", path, size);
                }
        }
        close(fd);
        *ret = have;
        return 0;
}

static int scan_disk(struct disk_scan *d, const struct daxmf_topology *t) {
        _cleanup_(range_list_done) struct range_list ranges = {};
        const struct daxmf_device *dev;
        char text[4 * BADBLOCKS_SYSFS_PAGE];
        unsigned line = 0;
        size_t size = 0;
        int r;

        dev = t ? topology_find_blockdev(t, d->name) : NULL;
        if (dev && dev->namespace[0])
                snprintf(d->namespace, sizeof(d->namespace), "%s", dev->namespace);

        r = read_badblocks(d, text, sizeof(text), &size);
        if (r < 0)
                return r;
        r = badblocks_parse(text, size, &d->bad, &line, &d->truncated);
        if (r == -EBADMSG)
                return disk_fail(d, r, "%s/block/%s/badblocks: line %u is not 'SECTOR COUNT'", sysfs_root(), d->name,
                                 line);
        if (r < 0)
                return disk_fail(d, r, "cannot parse the bad block list of %s", d->name);
        if (d->truncated)
                log_warning("%s: the bad block list is longer than sysfs shows (one page): bad ranges past sector "
                            "%" PRIu64 " are not listed here", d->name,
                            d->bad.n ? d->bad.ranges[d->bad.n - 1].end : 0);

        if (d->bad.n == 0) {
                struct stat st;

                /* Nothing to look up: where it is mounted is still worth saying. */
                if (stat(d->node, &st) == 0 && S_ISBLK(st.st_mode))
                        (void) mountinfo_find("/proc/self/mountinfo", major(st.st_rdev), minor(st.st_rdev),
                                              d->mountpoint, sizeof(d->mountpoint), d->fstype, sizeof(d->fstype));
                return 0;
        }

        for (size_t i = 0; i < d->bad.n; i++) {
                uint64_t start = d->bad.ranges[i].start, end = d->bad.ranges[i].end;

                if (end > UINT64_MAX / SECTOR_SIZE)
                        return disk_fail(d, -ERANGE, "%s: bad sector %" PRIu64 " is past any device", d->name, start);
                r = range_list_add(&ranges, start * SECTOR_SIZE, (end - start) * SECTOR_SIZE);
                if (r < 0)
                        return disk_fail(d, r, "out of memory");
        }
        r = lookup_open(&d->lookup, d->node, LOOKUP_OPTIONAL);
        if (r < 0)
                return disk_fail(d, r, "%s", d->lookup.error);
        snprintf(d->mountpoint, sizeof(d->mountpoint), "%s", d->lookup.mountpoint);
        snprintf(d->fstype, sizeof(d->fstype), "%s", d->lookup.fstype);
        if (!d->namespace[0] && d->lookup.have_snapshot)
                snprintf(d->namespace, sizeof(d->namespace), "%s", d->lookup.snapshot.header.device);
        d->results = calloc(ranges.n, sizeof(*d->results));
        if (!d->results)
                return disk_fail(d, -ENOMEM, "out of memory");
        d->n_results = ranges.n;
        r = lookup_query(&d->lookup, ranges.ranges, ranges.n, d->results);
        if (r < 0)
                return disk_fail(d, r, "%s", d->lookup.error);
        return 0;
}

static struct json_object *string_or_null(const char *s) {
        return s[0] ? json_object_new_string(s) : NULL;
}

static struct json_object *disk_json(const struct disk_scan *d) {
        struct json_object *o = json_object_new_object(), *list;
        const char *source = lookup_source(&d->lookup);

        json_object_object_add(o, "device", json_object_new_string(d->name));
        json_object_object_add(o, "path", json_object_new_string(d->node));
        json_object_object_add(o, "namespace", string_or_null(d->namespace));
        json_object_object_add(o, "mountpoint", string_or_null(d->mountpoint));
        json_object_object_add(o, "fstype", string_or_null(d->fstype));
        json_object_object_add(o, "source", source ? json_object_new_string(source) : NULL);
        if (d->lookup.have_snapshot)
                json_object_object_add(o, "inventory_realtime_usec",
                                       json_object_new_uint64(d->lookup.snapshot.header.built_realtime_usec));
        if (!source && d->lookup.no_source[0])
                json_object_object_add(o, "source_missing", json_object_new_string(d->lookup.no_source));
        if (d->error) {
                struct json_object *e = json_object_new_object();

                json_object_object_add(e, "errno", json_object_new_int(-d->error));
                json_object_object_add(e, "name", string_or_null(errno_name(d->error) ?: ""));
                json_object_object_add(e, "message", json_object_new_string(d->message));
                json_object_object_add(o, "error", e);
                return o;
        }
        json_object_object_add(o, "truncated", json_object_new_boolean(d->truncated));
        list = json_object_new_array();
        for (size_t i = 0; i < d->bad.n; i++) {
                struct json_object *b = json_object_new_object();
                uint64_t start = d->bad.ranges[i].start, count = d->bad.ranges[i].end - start;

                json_object_object_add(b, "sector", json_object_new_uint64(start));
                json_object_object_add(b, "sectors", json_object_new_uint64(count));
                json_object_object_add(b, "offset", json_object_new_uint64(start * SECTOR_SIZE));
                json_object_object_add(b, "length", json_object_new_uint64(count * SECTOR_SIZE));
                json_object_object_add(b, "owners", lookup_owners_json(&d->lookup, &d->results[i]));
                json_object_object_add(b, "processes", lookup_processes_json(&d->lookup, &d->results[i]));
                json_object_array_add(list, b);
        }
        json_object_object_add(o, "bad_ranges", list);
        return o;
}

static void disk_print(const struct disk_scan *d) {
        printf("%s", d->name);
        if (d->namespace[0])
                printf(" (%s)", d->namespace);
        if (d->mountpoint[0])
                printf(" on %s (%s)", d->mountpoint, d->fstype);
        if (d->error) {
                printf(": not scanned (see the error)\n");
                return;
        }
        if (d->bad.n == 0) {
                printf(": no bad blocks\n");
                return;
        }
        printf(": %zu bad range%s%s", d->bad.n, d->bad.n == 1 ? "" : "s",
               d->truncated ? " (the list is cut short: more past them)" : "");
        if (d->lookup.have_live)
                printf(", owners from the live filesystem\n");
        else if (d->lookup.have_snapshot) {
                time_t t = (time_t) (d->lookup.snapshot.header.built_realtime_usec / 1000000);
                char when[64];

                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
                printf(", owners from daxmfd's inventory taken %s\n", when);
        } else
                printf("\n");
        for (size_t i = 0; i < d->bad.n; i++) {
                uint64_t start = d->bad.ranges[i].start, count = d->bad.ranges[i].end - start;

                printf("  sector %" PRIu64 ", %" PRIu64 " sector%s: device bytes 0x%" PRIx64 "-0x%" PRIx64 "\n", start,
                       count, count == 1 ? "" : "s", start * SECTOR_SIZE, (start + count) * SECTOR_SIZE - 1);
                lookup_print(&d->lookup, &d->results[i], "    ");
        }
}

static int compare_names(const struct dirent **a, const struct dirent **b) {
        return strverscmp((*a)->d_name, (*b)->d_name);
}

static int is_pmem_disk(const struct dirent *de) {
        return strncmp(de->d_name, "pmem", 4) == 0;
}

/* Every pmem disk sysfs lists, in pmem0, pmem1, ..., pmem10 order. */
static int list_disks(struct disk_scan **ret, size_t *ret_n, char *error, size_t size) {
        _cleanup_free_ struct dirent **entries = NULL;
        struct disk_scan *disks;
        char dir[PATH_MAX];
        int n;

        snprintf(dir, sizeof(dir), "%s/block", sysfs_root());
        n = scandir(dir, &entries, is_pmem_disk, compare_names);
        if (n < 0) {
                snprintf(error, size, "cannot list %s", dir);
                return -errno;
        }
        disks = calloc(n ? (size_t) n : 1, sizeof(*disks));
        for (int i = 0; i < n; i++) {
                if (disks) {
                        snprintf(disks[i].name, sizeof(disks[i].name), "%s", entries[i]->d_name);
                        snprintf(disks[i].node, sizeof(disks[i].node), "/dev/%s", entries[i]->d_name);
                }
                free(entries[i]);
        }
        if (!disks) {
                snprintf(error, size, "out of memory");
                return -ENOMEM;
        }
        *ret = disks;
        *ret_n = (size_t) n;
        return 0;
}

/* DEVICE: pmem0, /dev/pmem0, namespace0.0, or any block device node. */
static int one_disk(const struct daxmfctl_args *args, struct disk_scan **ret, size_t *ret_n, char *error,
                    size_t size) {
        struct disk_scan *d;
        char node[PATH_MAX];
        const char *slash;
        dev_t dev;

        if (lookup_find_disk(args->device, node, sizeof(node), &dev) < 0) {
                snprintf(error, size, "'%s' is not a block device, disk or namespace with a disk", args->device);
                return -ENODEV;
        }
        d = calloc(1, sizeof(*d));
        if (!d) {
                snprintf(error, size, "out of memory");
                return -ENOMEM;
        }
        slash = strrchr(node, '/');
        if (strlen(slash ? slash + 1 : node) >= sizeof(d->name)) {
                free(d);
                snprintf(error, size, "'%s': the name is too long", node);
                return -ENAMETOOLONG;
        }
        strcpy(d->name, slash ? slash + 1 : node);
        snprintf(d->node, sizeof(d->node), "%s", node);
        *ret = d;
        *ret_n = 1;
        return 0;
}

int daxmfctl_scan(const struct daxmfctl_args *args) {
        struct daxmf_topology topology = {};
        struct json_object *doc = NULL, *list = NULL;
        struct disk_scan *disks = NULL;
        size_t n = 0;
        bool have_topology, failed = false;
        char error[PATH_MAX + 128];
        int r;

        r = args->has_device ? one_disk(args, &disks, &n, error, sizeof(error)) :
                               list_disks(&disks, &n, error, sizeof(error));
        if (r < 0)
                return daxmfctl_fail("scan", args->json, r, "%s", error);
        /* Without libndctl's view the namespace is only unknown, not an error. */
        have_topology = topology_scan(&topology, "/proc/self/mountinfo") >= 0;

        for (size_t i = 0; i < n; i++) {
                r = scan_disk(&disks[i], have_topology ? &topology : NULL);
                if (r < 0 && args->has_device) {
                        r = daxmfctl_fail("scan", args->json, r, "%s", disks[i].message);
                        goto out;
                }
                if (r < 0) {
                        log_error("%s: %s", disks[i].name, disks[i].message);
                        failed = true;
                }
        }

        if (args->json) {
                doc = json_object_new_object();
                list = json_object_new_array();
                for (size_t i = 0; i < n; i++)
                        json_object_array_add(list, disk_json(&disks[i]));
                json_object_object_add(doc, "disks", list);
                daxmfctl_print_json(doc);
        } else {
                if (n == 0)
                        printf("no pmem disks (%s/block/pmem*)\n", sysfs_root());
                for (size_t i = 0; i < n; i++)
                        disk_print(&disks[i]);
        }
        r = failed ? EXIT_FAILURE : EXIT_SUCCESS;
out:
        for (size_t i = 0; i < n; i++)
                disk_scan_done(&disks[i]);
        free(disks);
        if (have_topology)
                topology_done(&topology);
        return r;
}
