/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fsmap.h>

#include "affected.h"
#include "fsmap.h"
#include "inventories.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "manager.h"
#include "mappers.h"
#include "resolver.h"

/* A filesystem's names are walked again when older than this, or when an owner has none. */
#define INDEX_MAX_AGE_USEC (30 * 1000 * 1000)

static struct resolver *resolver_for(struct manager *m, const char *mountpoint) {
        int r;

        if (m->have_resolver && strcmp(m->resolver.mountpoint, mountpoint) == 0)
                return &m->resolver;
        if (m->have_resolver)
                resolver_done(&m->resolver);
        m->have_resolver = false;
        r = resolver_open(&m->resolver, mountpoint, INDEX_MAX_AGE_USEC);
        if (r < 0) {
                log_error("cannot open %s to name the files hit: %s", mountpoint, strerror(-r));
                return NULL;
        }
        m->have_resolver = true;
        return &m->resolver;
}

static int compare_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;

        return x < y ? -1 : x > y;
}

/* Mappings of dax/pmem devices (their files, or the dax character devices) are the only ones kept. */
static bool worth_keeping(const struct maps_entry *e, void *userdata) {
        const struct manager *m = userdata;

        if (strncmp(e->path, "/dev/dax", 8) == 0)
                return true;
        for (size_t i = 0; i < m->topology.n; i++)
                if (m->topology.devices[i].major == e->major && m->topology.devices[i].minor == e->minor &&
                    (e->major || e->minor))
                        return true;
        for (size_t i = 0; i < m->n_inventories; i++)
                if (m->inventories[i].loaded && m->inventories[i].inv.header.major == e->major &&
                    m->inventories[i].inv.header.minor == e->minor)
                        return true;
        return false;
}

/*
 * Every process's dax mappings, read once per burst: a storm of bad ranges
 * would otherwise read every /proc/PID/maps once per range.  A snapshot
 * younger than MAPPINGS_MAX_AGE_USEC is used again.
 */
#define MAPPINGS_MAX_AGE_USEC (1000 * 1000)

static void mappings_refresh(struct manager *m) {
        int r;

        if (m->mappings_usec && now_usec() - m->mappings_usec < MAPPINGS_MAX_AGE_USEC)
                return;
        mapping_snapshot_done(&m->mappings);
        m->mappings_usec = now_usec();
        r = mapping_snapshot_take(&m->mappings, "/proc", worth_keeping, m);
        if (r < 0)
                log_error("cannot list the processes' mappings: %s", strerror(-r));
}

void affected_forget_mappings(struct manager *m) {
        mapping_snapshot_done(&m->mappings);
        m->mappings_usec = 0;
}

static void log_process(const struct mapping *e, uint64_t event_id, const char *event, const char *device,
                        uint64_t *logged, uint64_t *more) {
        if (*logged >= AFFECTED_MAX_RECORDS) {
                (*more)++;
                return;
        }
        journal_log_process(&(struct process_record) {
                .event_id = event_id,
                .event = event,
                .device = device,
                .pid = e->pid,
                .comm = e->comm,
                .unit = e->unit,
                .path = e->path,
                .addr_start = e->start,
                .addr_end = e->end - 1,
                .map_offset = e->offset,
        });
        (*logged)++;
}

/*
 * Every mapping of the files hit (at any offset: a mapping of another part
 * of an affected file is reported too) or of the dax device, in every
 * process, one record each.  For a removal (whole_fs) also every mapping of
 * any file on the filesystem major:minor: all of it goes, and a file
 * written after the last inventory is not among the files named.
 */
static void report_processes(struct manager *m, struct mapper_targets *targets, bool whole_fs, unsigned major,
                             unsigned minor, uint64_t event_id, const char *event, const char *device) {
        _cleanup_(mapper_hits_done) struct mapper_hits hits = {};
        _cleanup_free_ bool *hit = NULL;
        uint64_t logged = 0, more = 0;
        int r;

        mappings_refresh(m);
        r = mappers_match(&m->mappings, targets, &hits);
        if (r < 0) {
                log_error("cannot match the processes' mappings: %s", strerror(-r));
                return;
        }
        hit = calloc(m->mappings.n ? m->mappings.n : 1, sizeof(bool));
        if (!hit) {
                log_error("out of memory: the processes mapping what event %" PRIu64 " hit are not named", event_id);
                return;
        }
        /* Hits come by mapping: one that maps several targets is still one mapping. */
        for (size_t i = 0; i < hits.n; i++)
                hit[hits.hits[i].mapping] = true;
        for (size_t i = 0; i < m->mappings.n; i++) {
                const struct mapping *e = &m->mappings.mappings[i];

                if (hit[i] || (whole_fs && (major || minor) && e->inode && e->major == major && e->minor == minor))
                        log_process(e, event_id, event, device, &logged, &more);
        }
        if (more)
                journal_log_more(event_id, event, device, DAXMF_MORE_PROCESSES, more);
}

/* Where an event's owners come from: the live filesystem, or the snapshot of it. */
struct owners_source {
        const struct inode_index *names;
        const char *mountpoint;
        uint64_t data_start;            /* physical address of device offset 0 */
        uint64_t inventory_usec;        /* 0: live */
};

static int owners_live(struct manager *m, const struct daxmf_device *d, uint64_t phys_start, uint64_t phys_end,
                       struct owner_list *owners, struct owners_source *src) {
        uint64_t end = phys_end < d->data_start + d->data_size ? phys_end : d->data_start + d->data_size;
        struct resolver *res;
        int r;

        res = resolver_for(m, d->mountpoint);
        if (!res)
                return -ENOENT;
        r = resolver_query(res, phys_start - d->data_start, end - d->data_start, owners);
        /* An fd held on the mount point would keep the operator from unmounting it. */
        resolver_release(res);
        if (r < 0)
                return log_error_errno(r, "cannot name the files on %s: %s", d->mountpoint, strerror(-r));
        *src = (struct owners_source) {
                .names = &res->names,
                .mountpoint = d->mountpoint,
                .data_start = d->data_start,
        };
        return 0;
}

static int owners_inventory(const struct inventory_slot *slot, uint64_t phys_start, uint64_t phys_end,
                            struct owner_list *owners, struct owners_source *src) {
        const struct inventory_header *h = &slot->inv.header;
        uint64_t end = phys_end < h->data_start + h->data_size ? phys_end : h->data_start + h->data_size;
        int r;

        r = inventory_lookup(&slot->inv, phys_start - h->data_start, end - h->data_start, owners);
        if (r < 0)
                return log_error_errno(r, "cannot look up the inventory of %s: %s", slot->name, strerror(-r));
        *src = (struct owners_source) {
                .names = &slot->inv.names,
                .mountpoint = h->mountpoint,
                .data_start = h->data_start,
                .inventory_usec = h->built_realtime_usec,
        };
        return 0;
}

void affected_report(struct manager *m, uint64_t event_id, const char *event, const char *device,
                     uint64_t phys_start, uint64_t phys_end) {
        _cleanup_(owner_list_done) struct owner_list owners = {};
        _cleanup_free_ uint64_t *inodes = NULL;
        const struct inventory_slot *slot;
        _cleanup_(mapper_targets_done) struct mapper_targets targets = {};
        const struct daxmf_device *d;
        struct owners_source src = {};
        char dax_path[64] = "", buf[64];
        uint64_t logged = 0, more = 0;
        size_t n_inodes = 0;
        unsigned major, minor;
        bool removal = strcmp(event, "removal") == 0;
        int r = -ENOENT;

        d = topology_find_phys(&m->topology, phys_start);
        /* Of a device still there, only its own snapshot: another may be of what sat there before. */
        slot = d ? inventories_find_device(m, d) : inventories_find_phys(m, phys_start);
        if (!d && !slot)
                return;
        if (d) {
                major = d->major;
                minor = d->minor;
                if (d->dax[0])
                        snprintf(dax_path, sizeof(dax_path), "/dev/%s", d->dax);
        } else {
                major = slot->inv.header.major;
                minor = slot->inv.header.minor;
        }

        /*
         * A device being removed is not read: its memory is going away, and
         * a read could meet it gone.  Its snapshot names the files, as for
         * a device no longer there or no longer mounted.  When there is no
         * snapshot yet, the live filesystem is the only source left.
         */
        if (slot && (removal || !d || !d->mountpoint[0]))
                r = owners_inventory(slot, phys_start, phys_end, &owners, &src);
        if (r < 0 && d && d->mountpoint[0])
                r = owners_live(m, d, phys_start, phys_end, &owners, &src);

        inodes = calloc(owners.n ? owners.n : 1, sizeof(uint64_t));
        for (size_t i = 0; r >= 0 && i < owners.n; i++) {
                const struct owner *o = &owners.owners[i];
                struct file_record f = {
                        .event_id = event_id,
                        .event = event,
                        .device = device,
                        .phys_start = src.data_start + o->dev_offset,
                        .phys_end = src.data_start + o->dev_offset + o->length - 1,
                        .dev_offset = o->dev_offset,
                        .length = o->length,
                        .inode = o->owner,
                        .file_offset = o->file_offset,
                        .shared = o->flags & FMR_OF_SHARED,
                        .inventory_usec = src.inventory_usec,
                };
                const struct inode_name *first;
                size_t n = 0;

                if (o->kind == OWNER_FREE)
                        continue;
                if (o->kind == OWNER_FILE) {
                        if (inodes)
                                inodes[n_inodes++] = o->owner;
                        n = inode_index_lookup(src.names, o->owner, &first);
                } else
                        f.metadata = fsmap_owner_name(o->owner, buf, sizeof(buf));
                for (size_t k = 0; k < (n ? n : 1); k++) {
                        _cleanup_free_ char *path = NULL;

                        if (logged >= AFFECTED_MAX_RECORDS) {
                                more++;
                                continue;
                        }
                        if (o->kind == OWNER_FILE) {
                                if (n == 0)
                                        path = strdup("(unnamed: deleted or not reachable)");
                                else if (asprintf(&path, "%s/%s", strcmp(src.mountpoint, "/") == 0 ? "" : src.mountpoint,
                                                  inode_index_path(src.names, &first[k])) < 0)
                                        path = NULL;
                                if (!path)
                                        continue;
                                f.path = path;
                        }
                        journal_log_file(&f);
                        logged++;
                }
        }
        if (more)
                journal_log_more(event_id, event, device, DAXMF_MORE_FILES, more);

        if (inodes && n_inodes > 1)
                qsort(inodes, n_inodes, sizeof(uint64_t), compare_u64);
        for (size_t i = 0; i < n_inodes; i++)
                if ((i == 0 || inodes[i] != inodes[i - 1]) &&
                    mapper_targets_add_file(&targets, major, minor, inodes[i], 0, UINT64_MAX) < 0)
                        goto oom;
        if (dax_path[0] && mapper_targets_add_device(&targets, dax_path, 0, UINT64_MAX) < 0)
                goto oom;
        if (targets.n > 0 || removal)
                report_processes(m, &targets, removal, major, minor, event_id, event, device);
        return;
oom:
        log_error("out of memory: the processes mapping what event %" PRIu64 " hit are not named", event_id);
}
