/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "inventories.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

#define INVENTORY_SUBDIR "inventory"
/* A build that failed is tried again after this long (or at the next topology change that moves it). */
#define INVENTORY_RETRY_USEC (60 * UINT64_C(1000000))

static uint64_t realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static const char *device_key(const struct daxmf_device *d) {
        return d->namespace[0] ? d->namespace : d->blockdev;
}

static struct inventory_slot *slot_find(struct manager *m, const char *name) {
        for (size_t i = 0; i < m->n_inventories; i++)
                if (strcmp(m->inventories[i].name, name) == 0)
                        return &m->inventories[i];
        return NULL;
}

static struct inventory_slot *slot_get(struct manager *m, const char *name) {
        struct inventory_slot *s = slot_find(m, name), *n;

        if (s)
                return s;
        n = reallocarray(m->inventories, m->n_inventories + 1, sizeof(*n));
        if (!n)
                return NULL;
        m->inventories = n;
        s = &m->inventories[m->n_inventories++];
        *s = (struct inventory_slot) {};
        snprintf(s->name, sizeof(s->name), "%s", name);
        return s;
}

static void slot_describe(const struct inventory_slot *s, const char *verb) {
        const struct inventory_header *h = &s->inv.header;

        log_info("inventory of %s (%s on %s, %s) %s: %" PRIu64 " files and directories with data, %" PRIu64
                 " extents, %" PRIu64 " names, taken in %" PRIu64 " ms", s->name, h->disk, h->mountpoint, h->fstype, verb,
                 inventory_files(&s->inv), (uint64_t) s->inv.extents.n, (uint64_t) s->inv.names.n,
                 h->build_usec / 1000);
}

/* Load <name>.inv into its slot; a file that does not check out is kept aside as .corrupt. */
static int slot_load(struct manager *m, const char *file, struct inventory_slot **ret) {
        struct inventory inv;
        struct inventory_slot *s;
        const char *reason;
        char name[64];
        size_t len = strlen(file);
        int r;

        if (len <= 4 || len - 4 >= sizeof(name))
                return -EINVAL;
        memcpy(name, file, len - 4);
        name[len - 4] = '\0';
        r = inventory_load(m->inventory_dir_fd, file, &inv, &reason);
        if (r == -EBADMSG) {
                _cleanup_free_ char *corrupt = NULL;

                log_warning("inventory %s/%s refused: %s; kept as %s.corrupt, taken again when mounted",
                            INVENTORY_SUBDIR, file, reason, file);
                if (asprintf(&corrupt, "%s.corrupt", file) >= 0)
                        (void) renameat(m->inventory_dir_fd, file, m->inventory_dir_fd, corrupt);
                return r;
        }
        if (r < 0)
                return log_error_errno(r, "cannot read inventory %s: %s", file, strerror(-r));
        s = slot_get(m, name);
        if (!s) {
                inventory_done(&inv);
                return -ENOMEM;
        }
        if (s->loaded)
                inventory_done(&s->inv);
        s->inv = inv;
        s->loaded = true;
        *ret = s;
        return 0;
}

struct inventory_request {
        struct inventory_request *next;
        struct inventory_refresh *items;
        size_t n;
        inventories_refreshed_t callback;
        void *userdata;
};

static void request_free(struct inventory_request *req) {
        if (!req)
                return;
        free(req->items);
        free(req);
}

static void request_unlink(struct manager *m, struct inventory_request *req) {
        for (struct inventory_request **p = &m->inventory_requests; *p; p = &(*p)->next)
                if (*p == req) {
                        *p = req->next;
                        return;
                }
}

/* Whether an asker waits for a build of name to start. */
static bool refresh_wanted(struct manager *m, const char *name) {
        for (struct inventory_request *req = m->inventory_requests; req; req = req->next)
                for (size_t i = 0; i < req->n; i++)
                        if (req->items[i].state == INVENTORY_REFRESH_WAITING && strcmp(req->items[i].name, name) == 0)
                                return true;
        return false;
}

/* Every asker's item of name in state from moves on: to BUILDING, or to DONE with error. */
_printf_(5, 6)
static void refresh_advance(struct manager *m, const char *name, int from, int error, const char *format, ...) {
        const struct inventory_slot *s = slot_find(m, name);

        for (struct inventory_request *req = m->inventory_requests; req; req = req->next)
                for (size_t i = 0; i < req->n; i++) {
                        struct inventory_refresh *it = &req->items[i];
                        va_list ap;

                        if ((int) it->state != from || strcmp(it->name, name) != 0)
                                continue;
                        if (from == INVENTORY_REFRESH_WAITING && !format) {
                                it->state = INVENTORY_REFRESH_BUILDING;
                                continue;
                        }
                        it->state = INVENTORY_REFRESH_DONE;
                        it->error = error;
                        if (format) {
                                va_start(ap, format);
                                vsnprintf(it->message, sizeof(it->message), format, ap);
                                va_end(ap);
                        }
                        if (!error && s && s->loaded)
                                it->built_realtime_usec = s->inv.header.built_realtime_usec;
                }
}

/* Answer every asker whose devices are all done. */
static void requests_check(struct manager *m) {
        struct inventory_request *req = m->inventory_requests, *next;

        for (; req; req = next) {
                bool done = true;

                next = req->next;
                for (size_t i = 0; done && i < req->n; i++)
                        done = req->items[i].state == INVENTORY_REFRESH_DONE;
                if (!done)
                        continue;
                request_unlink(m, req);
                req->callback(m, req->items, req->n, req->userdata);
                request_free(req);
                /* The callback may have cancelled others: start over. */
                next = m->inventory_requests;
        }
}

/* Waiting devices that went away, or whose filesystem did: no build will come. */
static void requests_sweep(struct manager *m) {
        for (struct inventory_request *req = m->inventory_requests; req; req = req->next)
                for (size_t i = 0; i < req->n; i++) {
                        struct inventory_refresh *it = &req->items[i];
                        const struct daxmf_device *d = NULL;

                        if (it->state != INVENTORY_REFRESH_WAITING)
                                continue;
                        for (size_t k = 0; !d && k < m->topology.n; k++)
                                if (strcmp(device_key(&m->topology.devices[k]), it->name) == 0)
                                        d = &m->topology.devices[k];
                        if (d && d->mountpoint[0] && d->blockdev[0])
                                continue;
                        it->state = INVENTORY_REFRESH_DONE;
                        it->error = d ? -ENOENT : -ENODEV;
                        snprintf(it->message, sizeof(it->message), "%s %s before its inventory was taken", it->name,
                                 d ? "was unmounted" : "went away");
                }
}

/* Whether d's filesystem needs a (new) snapshot now. */
static bool needs_build(struct manager *m, const struct daxmf_device *d) {
        const struct inventory_slot *s;
        uint64_t now = now_usec();

        if (!d->mountpoint[0] || !d->blockdev[0])
                return false;
        /* Asked for: whatever the last one was, and however recent. */
        if (refresh_wanted(m, device_key(d)))
                return true;
        s = slot_find(m, device_key(d));
        if (!s)
                return true;
        if (s->last_error && now - s->attempt_usec < INVENTORY_RETRY_USEC)
                return false;
        if (!s->loaded || s->from_last_run)
                return true;
        /* Mounted elsewhere, another disk or another place: not the same filesystem view. */
        if (strcmp(s->inv.header.mountpoint, d->mountpoint) != 0 || s->inv.header.major != d->major ||
            s->inv.header.minor != d->minor || s->inv.header.data_start != d->data_start ||
            s->inv.header.data_size != d->data_size)
                return true;
        return m->config.inventory_refresh_usec &&
               realtime_usec() - s->inv.header.built_realtime_usec >= m->config.inventory_refresh_usec;
}

/* In the child: take the snapshot and write it; the exit status is the errno. */
_Noreturn static void child_build(struct manager *m, const struct daxmf_device *d) {
        struct inventory inv;
        char file[80];
        int r;

        r = inventory_build(&inv, d->mountpoint);
        if (r >= 0) {
                snprintf(inv.header.device, sizeof(inv.header.device), "%s", device_key(d));
                snprintf(inv.header.disk, sizeof(inv.header.disk), "%s", d->blockdev);
                snprintf(inv.header.fstype, sizeof(inv.header.fstype), "%s", d->fstype);
                inv.header.data_start = d->data_start;
                inv.header.data_size = d->data_size;
                snprintf(file, sizeof(file), "%s.inv", device_key(d));
                r = inventory_save(m->inventory_dir_fd, file, &inv);
        }
        _exit(r < 0 ? (-r & 0xff) : 0);
}

static int on_child(sd_event_source *source, const siginfo_t *si, void *userdata) {
        struct manager *m = userdata;
        struct inventory_slot *s = slot_find(m, m->inventory_building);
        char file[80];
        int error;

        int r;

        m->inventory_child_source = sd_event_source_disable_unref(m->inventory_child_source);
        m->inventory_child = 0;
        if (si->si_code == CLD_EXITED && si->si_status == 0) {
                snprintf(file, sizeof(file), "%s.inv", m->inventory_building);
                r = slot_load(m, file, &s);
                if (r >= 0) {
                        s->last_error = 0;
                        s->from_last_run = false;
                        slot_describe(s, "taken");
                        refresh_advance(m, m->inventory_building, INVENTORY_REFRESH_BUILDING, 0, NULL);
                } else
                        refresh_advance(m, m->inventory_building, INVENTORY_REFRESH_BUILDING, r,
                                        "the inventory written does not load back");
        } else {
                error = si->si_code == CLD_EXITED ? si->si_status : EINTR;
                if (s)
                        s->last_error = error;
                if (si->si_code == CLD_EXITED) {
                        log_warning("cannot take the inventory of %s: %s; tried again in %" PRIu64 " s",
                                    m->inventory_building, strerror(error), INVENTORY_RETRY_USEC / 1000000);
                        refresh_advance(m, m->inventory_building, INVENTORY_REFRESH_BUILDING, -error,
                                        "taking the inventory failed");
                } else {
                        log_info("inventory of %s not taken: its build was stopped", m->inventory_building);
                        refresh_advance(m, m->inventory_building, INVENTORY_REFRESH_BUILDING, -EINTR,
                                        "the build was stopped (the device is being removed, or daxmfd stops)");
                }
        }
        m->inventory_building[0] = '\0';
        inventories_topology_changed(m);
        return 0;
}

static int build_start(struct manager *m, const struct daxmf_device *d) {
        struct inventory_slot *s = slot_get(m, device_key(d));
        pid_t pid;
        int r;

        if (!s) {
                /* An operator waiting for this inventory must hear of it, not time out. */
                refresh_advance(m, device_key(d), INVENTORY_REFRESH_WAITING, -ENOMEM, "out of memory");
                return -ENOMEM;
        }
        s->attempt_usec = now_usec();
        s->last_error = 0;
        pid = fork();
        if (pid < 0) {
                r = -errno;
                refresh_advance(m, device_key(d), INVENTORY_REFRESH_WAITING, r, "cannot start the build");
                return log_error_errno(r, "cannot start an inventory build: %s", strerror(-r));
        }
        if (pid == 0)
                child_build(m, d);
        m->inventory_child = pid;
        snprintf(m->inventory_building, sizeof(m->inventory_building), "%s", device_key(d));
        m->inventory_building_start = d->data_start;
        m->inventory_building_end = d->data_start + d->data_size;
        r = sd_event_add_child(m->event, &m->inventory_child_source, pid, WEXITED, on_child, m);
        if (r < 0) {
                /* Nobody would reap it: stop it now. */
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                m->inventory_child = 0;
                m->inventory_building[0] = '\0';
                refresh_advance(m, device_key(d), INVENTORY_REFRESH_WAITING, r, "cannot watch the build");
                return log_error_errno(r, "cannot watch the inventory build: %s", strerror(-r));
        }
        /* Those who asked before now get this build's snapshot; those who ask later, the next one. */
        refresh_advance(m, device_key(d), INVENTORY_REFRESH_WAITING, 0, NULL);
        log_debug("taking the inventory of %s (%s on %s), pid %d", device_key(d), d->blockdev, d->mountpoint,
                  (int) pid);
        return 0;
}

void inventories_topology_changed(struct manager *m) {
        requests_sweep(m);
        requests_check(m);
        if (m->inventory_dir_fd < 0 || m->inventory_child > 0)
                return;
        /* Not while an unbind waits for us: its filesystem is going, and reads of it could stall. */
        if (m->n_removal_waits > 0)
                return;
        for (size_t i = 0; i < m->topology.n; i++)
                if (needs_build(m, &m->topology.devices[i])) {
                        if (build_start(m, &m->topology.devices[i]) < 0)
                                requests_check(m);
                        return;
                }
}

static const struct daxmf_device *find_device(const struct manager *m, const char *name) {
        if (strncmp(name, "/dev/", 5) == 0)
                name += 5;
        for (size_t i = 0; i < m->topology.n; i++) {
                const struct daxmf_device *d = &m->topology.devices[i];

                if ((d->namespace[0] && strcmp(d->namespace, name) == 0) ||
                    (d->blockdev[0] && strcmp(d->blockdev, name) == 0) || (d->dax[0] && strcmp(d->dax, name) == 0))
                        return d;
        }
        return NULL;
}

static int request_add(struct inventory_request *req, const struct daxmf_device *d) {
        struct inventory_refresh *n;

        for (size_t i = 0; i < req->n; i++)
                if (strcmp(req->items[i].name, device_key(d)) == 0)
                        return 0;
        n = reallocarray(req->items, req->n + 1, sizeof(*n));
        if (!n)
                return -ENOMEM;
        req->items = n;
        n = &req->items[req->n++];
        *n = (struct inventory_refresh) { .state = INVENTORY_REFRESH_WAITING };
        snprintf(n->name, sizeof(n->name), "%s", device_key(d));
        snprintf(n->disk, sizeof(n->disk), "%s", d->blockdev);
        snprintf(n->mountpoint, sizeof(n->mountpoint), "%s", d->mountpoint);
        return 0;
}

int inventories_refresh(struct manager *m, const char *device, inventories_refreshed_t callback, void *userdata,
                        struct inventory_request **ret, char *error, size_t error_size) {
        struct inventory_request *req;
        int r = 0;

        if (m->inventory_dir_fd < 0) {
                snprintf(error, error_size, "the inventory directory could not be opened: no inventory is taken");
                return -EIO;
        }
        req = calloc(1, sizeof(*req));
        if (!req) {
                snprintf(error, error_size, "out of memory");
                return -ENOMEM;
        }
        /*
         * An operator who just mounted a filesystem and asks for its
         * inventory must not be told that nothing is mounted: the mount
         * table is read now, not when the topology is next read.
         */
        topology_update_mounts(&m->topology, "/proc/self/mountinfo");
        if (device) {
                const struct daxmf_device *d = find_device(m, device);

                if (!d) {
                        request_free(req);
                        snprintf(error, error_size, "no dax/pmem device '%s' (see daxmfctl status)", device);
                        return -ENODEV;
                }
                if (!d->mountpoint[0] || !d->blockdev[0]) {
                        request_free(req);
                        snprintf(error, error_size, "%s has no mounted filesystem: there is nothing to take an "
                                 "inventory of", device);
                        return -ENOENT;
                }
                r = request_add(req, d);
        } else
                for (size_t i = 0; r >= 0 && i < m->topology.n; i++)
                        if (m->topology.devices[i].mountpoint[0] && m->topology.devices[i].blockdev[0])
                                r = request_add(req, &m->topology.devices[i]);
        if (r < 0) {
                request_free(req);
                snprintf(error, error_size, "out of memory");
                return r;
        }
        if (req->n == 0) {
                request_free(req);
                *ret = NULL;
                return 0;
        }
        req->callback = callback;
        req->userdata = userdata;
        req->next = m->inventory_requests;
        m->inventory_requests = req;
        if (m->n_removal_waits > 0)
                log_info("inventory asked for: taken once the removal waiting for daxmfd is over");
        *ret = req;
        return 0;
}

void inventories_refresh_cancel(struct manager *m, struct inventory_request *req) {
        request_unlink(m, req);
        request_free(req);
}

void inventories_device_going(struct manager *m, uint64_t phys_start, uint64_t phys_end) {
        if (m->inventory_child <= 0 || m->inventory_building_end <= phys_start || m->inventory_building_start >= phys_end)
                return;
        log_info("stopping the inventory build of %s: the device is being removed", m->inventory_building);
        (void) kill(m->inventory_child, SIGKILL);
}

const struct inventory_slot *inventories_find_phys(const struct manager *m, uint64_t phys) {
        const struct inventory_slot *best = NULL;

        /* Namespaces can be laid out again: of several snapshots of the address, the newest. */
        for (size_t i = 0; i < m->n_inventories; i++) {
                const struct inventory_slot *s = &m->inventories[i];

                if (s->loaded && phys >= s->inv.header.data_start &&
                    phys - s->inv.header.data_start < s->inv.header.data_size &&
                    (!best || s->inv.header.built_realtime_usec > best->inv.header.built_realtime_usec))
                        best = s;
        }
        return best;
}

const struct inventory_slot *inventories_find_device(const struct manager *m, const struct daxmf_device *d) {
        for (size_t i = 0; i < m->n_inventories; i++) {
                const struct inventory_slot *s = &m->inventories[i];

                if (s->loaded && strcmp(s->name, device_key(d)) == 0 && s->inv.header.data_start == d->data_start &&
                    s->inv.header.data_size == d->data_size)
                        return s;
        }
        return NULL;
}

static int on_refresh_timer(sd_event_source *source, uint64_t usec, void *userdata) {
        struct manager *m = userdata;

        inventories_topology_changed(m);
        (void) sd_event_source_set_time_relative(source, m->config.inventory_refresh_usec);
        (void) sd_event_source_set_enabled(source, SD_EVENT_ON);
        return 0;
}

void inventories_configure(struct manager *m) {
        uint64_t every = m->config.inventory_refresh_usec;

        if (!every) {
                m->inventory_timer = sd_event_source_disable_unref(m->inventory_timer);
                return;
        }
        if (!m->inventory_timer &&
            sd_event_add_time_relative(m->event, &m->inventory_timer, CLOCK_MONOTONIC, every, 0, on_refresh_timer, m) < 0) {
                log_error("cannot arm the inventory timer: snapshots only on mount and udev changes");
                return;
        }
        (void) sd_event_source_set_time_relative(m->inventory_timer, every);
        (void) sd_event_source_set_enabled(m->inventory_timer, SD_EVENT_ON);
}

int inventories_start(struct manager *m) {
        _cleanup_free_ struct dirent **entries = NULL;
        int n;

        m->inventory_dir_fd = -1;
        (void) mkdirat(m->state_dir_fd, INVENTORY_SUBDIR, 0700);
        m->inventory_dir_fd = openat(m->state_dir_fd, INVENTORY_SUBDIR, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (m->inventory_dir_fd < 0)
                return log_error_errno(-errno, "cannot open the inventory directory: %s; files on a removed "
                                       "device cannot be named", strerror(errno));
        n = scandirat(m->inventory_dir_fd, ".", &entries, NULL, alphasort);
        for (int i = 0; i < n; i++) {
                size_t len = strlen(entries[i]->d_name);
                struct inventory_slot *s;

                if (len > 4 && strcmp(entries[i]->d_name + len - 4, ".inv") == 0 &&
                    slot_load(m, entries[i]->d_name, &s) >= 0) {
                        /* Used until it is taken again, which its device (if mounted) is at once. */
                        s->from_last_run = true;
                        slot_describe(s, "loaded");
                }
                /* A temporary file of a build that was cut short. */
                if (entries[i]->d_name[0] == '.' && len > 4 && strcmp(entries[i]->d_name + len - 4, ".tmp") == 0)
                        (void) unlinkat(m->inventory_dir_fd, entries[i]->d_name, 0);
                free(entries[i]);
        }
        inventories_configure(m);
        return 0;
}

void inventories_stop(struct manager *m) {
        /* Askers still waiting are the control socket's, gone before us. */
        while (m->inventory_requests) {
                struct inventory_request *req = m->inventory_requests;

                m->inventory_requests = req->next;
                request_free(req);
        }
        if (m->inventory_child > 0) {
                (void) kill(m->inventory_child, SIGKILL);
                (void) waitpid(m->inventory_child, NULL, 0);
                m->inventory_child = 0;
        }
        m->inventory_child_source = sd_event_source_disable_unref(m->inventory_child_source);
        m->inventory_timer = sd_event_source_disable_unref(m->inventory_timer);
        for (size_t i = 0; i < m->n_inventories; i++)
                if (m->inventories[i].loaded)
                        inventory_done(&m->inventories[i].inv);
        free(m->inventories);
        m->inventories = NULL;
        m->n_inventories = 0;
        if (m->inventory_dir_fd >= 0)
                close(m->inventory_dir_fd);
        m->inventory_dir_fd = -1;
}
