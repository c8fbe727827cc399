/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <daxctl/libdaxctl.h>
#include <ndctl/libndctl.h>

#include "macro.h"
#include "mountinfo.h"
#include "topology.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct ndctl_ctx *, ndctl_unref)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct daxctl_ctx *, daxctl_unref)

void topology_done(struct daxmf_topology *t) {
        free(t->devices);
        *t = (struct daxmf_topology) {};
}

static const char *mode_name(enum ndctl_namespace_mode m) {
        switch (m) {
        case NDCTL_NS_MODE_FSDAX:
                return "fsdax";
        case NDCTL_NS_MODE_DEVDAX:
                return "devdax";
        case NDCTL_NS_MODE_RAW:
                return "raw";
        case NDCTL_NS_MODE_SECTOR:
                return "sector";
        default:
                return "unknown";
        }
}

static int add(struct daxmf_topology *t, const struct daxmf_device *d) {
        struct daxmf_device *n;

        n = reallocarray(t->devices, t->n + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        t->devices = n;
        t->devices[t->n++] = *d;
        return 0;
}

#define COPY(dst, src) snprintf((dst), sizeof(dst), "%s", (src) ? (src) : "")

/* The disk's numbers and where its filesystem is mounted. */
static void find_mount(struct daxmf_device *d, const char *mountinfo) {
        char path[64];
        struct stat st;

        if (!d->blockdev[0])
                return;
        snprintf(path, sizeof(path), "/dev/%s", d->blockdev);
        if (stat(path, &st) < 0 || !S_ISBLK(st.st_mode))
                return;
        d->major = major(st.st_rdev);
        d->minor = minor(st.st_rdev);
        if (mountinfo_find(mountinfo, d->major, d->minor, d->mountpoint, sizeof(d->mountpoint), d->fstype,
                           sizeof(d->fstype)) < 0)
                d->mountpoint[0] = d->fstype[0] = '\0';
}

void topology_update_mounts(struct daxmf_topology *t, const char *mountinfo) {
        for (size_t i = 0; i < t->n; i++)
                find_mount(&t->devices[i], mountinfo);
}

/* The dax device of a devdax namespace, or of a region outside the nd bus. */
static void first_dax_dev(struct daxctl_region *region, struct daxmf_device *d) {
        struct daxctl_dev *dev;

        daxctl_dev_foreach(region, dev) {
                if (!daxctl_dev_get_size(dev))
                        continue;       /* the region's seed, not a device */
                COPY(d->dax, daxctl_dev_get_devname(dev));
                d->data_start = daxctl_dev_get_resource(dev);
                d->data_size = daxctl_dev_get_size(dev);
                return;
        }
}

static int scan_namespace(struct daxmf_topology *t, struct ndctl_region *region, struct ndctl_namespace *ndns,
                          const char *mountinfo) {
        struct daxmf_device d = {};
        struct ndctl_pfn *pfn;
        struct ndctl_dax *dax;
        struct ndctl_btt *btt;

        COPY(d.namespace, ndctl_namespace_get_devname(ndns));
        COPY(d.region, ndctl_region_get_devname(region));
        COPY(d.mode, mode_name(ndctl_namespace_get_mode(ndns)));
        d.ns_start = ndctl_namespace_get_resource(ndns);
        d.ns_size = ndctl_namespace_get_size(ndns);
        if (d.ns_start == ULLONG_MAX)
                d.ns_start = 0;

        pfn = ndctl_namespace_get_pfn(ndns);
        dax = ndctl_namespace_get_dax(ndns);
        btt = ndctl_namespace_get_btt(ndns);
        if (pfn && ndctl_pfn_is_enabled(pfn)) {
                /* The pfn device's resource is past its info block and struct pages: the data. */
                COPY(d.blockdev, ndctl_pfn_get_block_device(pfn));
                d.data_start = ndctl_pfn_get_resource(pfn);
                d.data_size = ndctl_pfn_get_size(pfn);
        } else if (dax && ndctl_dax_is_enabled(dax)) {
                struct daxctl_region *r = ndctl_dax_get_daxctl_region(dax);

                if (r)
                        first_dax_dev(r, &d);
        } else if (btt) {
                /* A sector-mode disk has no direct mapping: nothing to fail. */
                COPY(d.blockdev, ndctl_btt_get_block_device(btt));
        } else {
                /* A raw namespace's disk starts at the namespace. */
                COPY(d.blockdev, ndctl_namespace_get_block_device(ndns));
                d.data_start = d.ns_start;
                d.data_size = d.ns_size;
        }
        if (d.data_start == ULLONG_MAX)
                d.data_start = d.data_size = 0;
        find_mount(&d, mountinfo);
        return add(t, &d);
}

/* dax devices of no namespace (hmem, soft-reserved memory). */
static int scan_other_dax(struct daxmf_topology *t) {
        _cleanup_(daxctl_unrefp) struct daxctl_ctx *ctx = NULL;
        struct daxctl_region *region;
        int r;

        r = daxctl_new(&ctx);
        if (r < 0)
                return r;
        daxctl_region_foreach(ctx, region) {
                struct daxctl_dev *dev;

                daxctl_dev_foreach(region, dev) {
                        struct daxmf_device d = {};
                        const char *name = daxctl_dev_get_devname(dev);
                        bool known = false;

                        if (!name || !daxctl_dev_get_size(dev))
                                continue;
                        for (size_t i = 0; i < t->n; i++)
                                if (strcmp(t->devices[i].dax, name) == 0)
                                        known = true;
                        if (known)
                                continue;
                        COPY(d.dax, name);
                        snprintf(d.region, sizeof(d.region), "dax_region%d", daxctl_region_get_id(region));
                        COPY(d.mode, "devdax");
                        d.data_start = daxctl_dev_get_resource(dev);
                        d.data_size = daxctl_dev_get_size(dev);
                        r = add(t, &d);
                        if (r < 0)
                                return r;
                }
        }
        return 0;
}

int topology_scan(struct daxmf_topology *ret, const char *mountinfo) {
        _cleanup_(ndctl_unrefp) struct ndctl_ctx *ctx = NULL;
        struct daxmf_topology t = {};
        struct ndctl_bus *bus;
        int r;

        r = ndctl_new(&ctx);
        if (r < 0)
                return r;
        /* libndctl logs to stderr by default; its complaints are not ours to print. */
        ndctl_set_log_priority(ctx, 0);
        ndctl_bus_foreach(ctx, bus) {
                struct ndctl_region *region;

                ndctl_region_foreach(bus, region) {
                        struct ndctl_namespace *ndns;

                        ndctl_namespace_foreach(region, ndns) {
                                if (!ndctl_namespace_is_enabled(ndns) && !ndctl_namespace_get_pfn(ndns) &&
                                    !ndctl_namespace_get_dax(ndns) && !ndctl_namespace_get_btt(ndns))
                                        continue;
                                if (ndctl_namespace_get_size(ndns) == 0)
                                        continue;       /* the region's seed */
                                r = scan_namespace(&t, region, ndns, mountinfo);
                                if (r < 0) {
                                        topology_done(&t);
                                        return r;
                                }
                        }
                }
        }
        r = scan_other_dax(&t);
        if (r < 0 && r != -ENOENT) {
                topology_done(&t);
                return r;
        }
        *ret = t;
        return 0;
}

const struct daxmf_device *topology_find_blockdev(const struct daxmf_topology *t, const char *name) {
        for (size_t i = 0; i < t->n; i++)
                if (strcmp(t->devices[i].blockdev, name) == 0)
                        return &t->devices[i];
        return NULL;
}

const struct daxmf_device *topology_find_namespace(const struct daxmf_topology *t, const char *name) {
        for (size_t i = 0; i < t->n; i++)
                if (strcmp(t->devices[i].namespace, name) == 0 || strcmp(t->devices[i].dax, name) == 0)
                        return &t->devices[i];
        return NULL;
}

const struct daxmf_device *topology_find_phys(const struct daxmf_topology *t, uint64_t phys) {
        for (size_t i = 0; i < t->n; i++) {
                const struct daxmf_device *d = &t->devices[i];

                if (d->data_size && phys >= d->data_start && phys - d->data_start < d->data_size)
                        return d;
        }
        return NULL;
}
