/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
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
#include "proc-maps.h"
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

/* The systemd unit of a process, from its cgroup path; "" when none. */
static void read_unit(int pid, char *buf, size_t size) {
        char path[64], line[512];
        FILE *f;

        buf[0] = '\0';
        snprintf(path, sizeof(path), "/proc/%d/cgroup", pid);
        f = fopen(path, "re");
        if (!f)
                return;
        while (fgets(line, sizeof(line), f)) {
                char *p = strstr(line, "::/"), *c, *u = NULL;

                if (!p)
                        continue;
                line[strcspn(line, "\n")] = '\0';
                /* The innermost .service or .scope component names the unit. */
                for (c = strtok(p + 3, "/"); c; c = strtok(NULL, "/")) {
                        size_t n = strlen(c);

                        if ((n > 8 && strcmp(c + n - 8, ".service") == 0) || (n > 6 && strcmp(c + n - 6, ".scope") == 0))
                                u = c;
                }
                if (u)
                        snprintf(buf, size, "%s", u);
                break;
        }
        fclose(f);
}

static void read_comm(int pid, char *buf, size_t size) {
        char path[64];
        FILE *f;

        snprintf(buf, size, "?");
        snprintf(path, sizeof(path), "/proc/%d/comm", pid);
        f = fopen(path, "re");
        if (!f)
                return;
        if (fgets(buf, (int) size, f))
                buf[strcspn(buf, "\n")] = '\0';
        fclose(f);
}

struct process_match {
        unsigned major, minor;
        const uint64_t *inodes;         /* sorted */
        size_t n_inodes;
        const char *dax_path;           /* "/dev/dax0.0", or NULL */
};

static bool maps_match(const struct process_match *pm, const struct mapping *e) {
        if (pm->dax_path && strcmp(e->path, pm->dax_path) == 0)
                return true;
        if (e->major != pm->major || e->minor != pm->minor || pm->n_inodes == 0)
                return false;
        return bsearch(&e->inode, pm->inodes, pm->n_inodes, sizeof(uint64_t), compare_u64) != NULL;
}

static void mappings_clear(struct manager *m) {
        for (size_t i = 0; i < m->n_mappings; i++)
                free(m->mappings[i].path);
        free(m->mappings);
        m->mappings = NULL;
        m->n_mappings = 0;
}

/* Mappings of dax/pmem devices (their files, or the dax character devices) are the only ones kept. */
static bool worth_keeping(const struct manager *m, const struct maps_entry *e) {
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

static int mappings_add(struct manager *m, int pid, const char *comm, const char *unit, const struct maps_entry *e) {
        struct mapping *n;

        n = reallocarray(m->mappings, m->n_mappings + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        m->mappings = n;
        n = &m->mappings[m->n_mappings];
        *n = (struct mapping) {
                .pid = pid,
                .start = e->start,
                .end = e->end,
                .offset = e->offset,
                .major = e->major,
                .minor = e->minor,
                .inode = e->inode,
                .path = strdup(e->path),
        };
        snprintf(n->comm, sizeof(n->comm), "%s", comm);
        snprintf(n->unit, sizeof(n->unit), "%s", unit);
        if (!n->path)
                return -ENOMEM;
        m->n_mappings++;
        return 0;
}

/*
 * Every process's dax mappings, read once per burst: a storm of bad ranges
 * would otherwise read every /proc/PID/maps once per range.  A snapshot
 * younger than MAPPINGS_MAX_AGE_USEC is used again.
 */
#define MAPPINGS_MAX_AGE_USEC (1000 * 1000)

static void mappings_refresh(struct manager *m) {
        struct dirent *de;
        DIR *proc;

        if (m->mappings_usec && now_usec() - m->mappings_usec < MAPPINGS_MAX_AGE_USEC)
                return;
        mappings_clear(m);
        m->mappings_usec = now_usec();
        proc = opendir("/proc");
        if (!proc) {
                log_error("cannot list processes: %s", strerror(errno));
                return;
        }
        while ((de = readdir(proc))) {
                char path[64], comm[64] = "", unit[256] = "", *line = NULL;
                size_t allocated = 0;
                int pid;
                FILE *f;

                if (!isdigit((unsigned char) de->d_name[0]))
                        continue;
                pid = atoi(de->d_name);
                snprintf(path, sizeof(path), "/proc/%d/maps", pid);
                f = fopen(path, "re");
                if (!f)
                        continue;       /* gone, or a kernel thread */
                while (getline(&line, &allocated, f) >= 0) {
                        struct maps_entry e;

                        if (maps_parse_line(line, &e) < 0 || !e.path[0] || !worth_keeping(m, &e))
                                continue;
                        if (!comm[0]) {
                                read_comm(pid, comm, sizeof(comm));
                                read_unit(pid, unit, sizeof(unit));
                        }
                        if (mappings_add(m, pid, comm, unit, &e) < 0) {
                                log_error("out of memory listing the processes' mappings");
                                break;
                        }
                }
                free(line);
                fclose(f);
        }
        closedir(proc);
}

void affected_forget_mappings(struct manager *m) {
        mappings_clear(m);
        m->mappings_usec = 0;
}

/* Every mapping of the matched files or device, in every process. */
static void report_processes(struct manager *m, const struct process_match *pm, uint64_t event_id, const char *event,
                             const char *device) {
        uint64_t logged = 0, more = 0;

        mappings_refresh(m);
        for (size_t i = 0; i < m->n_mappings; i++) {
                const struct mapping *e = &m->mappings[i];

                if (!maps_match(pm, e))
                        continue;
                if (logged >= AFFECTED_MAX_RECORDS) {
                        more++;
                        continue;
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
                logged++;
        }
        if (more)
                journal_log_more(event_id, event, device, "process mappings", more);
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
        const struct daxmf_device *d;
        struct owners_source src = {};
        struct process_match pm = {};
        char dax_path[64], buf[64];
        uint64_t logged = 0, more = 0;
        size_t n_inodes = 0;
        bool removal = strcmp(event, "removal") == 0;
        int r = -ENOENT;

        d = topology_find_phys(&m->topology, phys_start);
        /* Of a device still there, only its own snapshot: another may be of what sat there before. */
        slot = d ? inventories_find_device(m, d) : inventories_find_phys(m, phys_start);
        if (!d && !slot)
                return;
        if (d) {
                pm.major = d->major;
                pm.minor = d->minor;
                if (d->dax[0]) {
                        snprintf(dax_path, sizeof(dax_path), "/dev/%s", d->dax);
                        pm.dax_path = dax_path;
                }
        } else {
                pm.major = slot->inv.header.major;
                pm.minor = slot->inv.header.minor;
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
                journal_log_more(event_id, event, device, "files", more);

        if (inodes && n_inodes > 1)
                qsort(inodes, n_inodes, sizeof(uint64_t), compare_u64);
        pm.inodes = inodes;
        pm.n_inodes = n_inodes;
        if (pm.n_inodes > 0 || pm.dax_path)
                report_processes(m, &pm, event_id, event, device);
}
