/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "commands.h"
#include "inventory.h"
#include "log.h"
#include "macro.h"
#include "output.h"
#include "parse-util.h"
#include "topology.h"

/*
 * inventory: daxmfd's saved inventories, read from their files (no daemon
 * needed): what each is of, when it was taken, what it holds, and whether
 * it loads.  --refresh first makes daxmfd take them again and waits for it.
 */

/* How long --refresh waits for daxmfd's builds (a walk of a large filesystem takes a while). */
#define REFRESH_TIMEOUT_SEC 120

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put)

struct entry {
        char file[NAME_MAX + 1];        /* namespace0.0.inv */
        char name[NAME_MAX + 1];        /* namespace0.0 */
        bool set_aside;                 /* .corrupt: daxmfd refused it and took a new one */
        uint64_t size;
        struct inventory inv;
        bool loaded;
        int error;                      /* not loaded: why */
        const char *reason;
        char claims_device[64], claims_disk[32];        /* what a file that does not load says it is of */
};

static void entries_free(struct entry *e, size_t n) {
        for (size_t i = 0; e && i < n; i++)
                if (e[i].loaded)
                        inventory_done(&e[i].inv);
        free(e);
}

static bool terminated(const char *s, size_t size) {
        return memchr(s, '\0', size) != NULL;
}

/* What a file that does not load says it is of, when its header is still readable. */
static void read_claims(int dir_fd, struct entry *e) {
        struct inventory_header h;
        int fd;

        fd = openat(dir_fd, e->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return;
        if (read(fd, &h, sizeof(h)) == (ssize_t) sizeof(h) && memcmp(h.magic, INVENTORY_MAGIC, sizeof(h.magic)) == 0 &&
            terminated(h.device, sizeof(h.device)) && terminated(h.disk, sizeof(h.disk))) {
                snprintf(e->claims_device, sizeof(e->claims_device), "%s", h.device);
                snprintf(e->claims_disk, sizeof(e->claims_disk), "%s", h.disk);
        }
        close(fd);
}

static int inventory_file(const struct dirent *de) {
        size_t len = strlen(de->d_name);

        if (de->d_name[0] == '.')
                return 0;       /* a build's temporary file */
        return (len > 4 && strcmp(de->d_name + len - 4, ".inv") == 0) ||
               (len > 8 && strcmp(de->d_name + len - 8, ".corrupt") == 0);
}

static int compare_names(const struct dirent **a, const struct dirent **b) {
        return strverscmp((*a)->d_name, (*b)->d_name);
}

/* Every inventory file of dir, loaded or with its reason; a missing directory holds none. */
static int read_entries(const char *dir, struct entry **ret, size_t *ret_n) {
        _cleanup_free_ struct dirent **names = NULL;
        struct entry *entries;
        int dir_fd, n;

        dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0 && errno == ENOENT) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        if (dir_fd < 0)
                return -errno;
        n = scandirat(dir_fd, ".", &names, inventory_file, compare_names);
        if (n < 0) {
                int r = -errno;

                close(dir_fd);
                return r;
        }
        entries = calloc(n ? (size_t) n : 1, sizeof(*entries));
        for (int i = 0; i < n; i++) {
                struct entry *e = entries ? &entries[i] : NULL;
                const char *file = names[i]->d_name;
                size_t len = strlen(file);
                struct stat st;
                int r;

                if (e) {
                        size_t suffix = 4;      /* .inv */

                        e->set_aside = len > 8 && strcmp(file + len - 8, ".corrupt") == 0;
                        if (e->set_aside)
                                suffix = len > 12 && strcmp(file + len - 12, ".inv.corrupt") == 0 ? 12 : 8;
                        snprintf(e->file, sizeof(e->file), "%s", file);
                        snprintf(e->name, sizeof(e->name), "%.*s", (int) (len - suffix), file);
                        if (fstatat(dir_fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0)
                                e->size = (uint64_t) st.st_size;
                        r = inventory_load(dir_fd, file, &e->inv, &e->reason);
                        if (r >= 0)
                                e->loaded = true;
                        else {
                                e->error = r;
                                read_claims(dir_fd, e);
                        }
                }
                free(names[i]);
        }
        close(dir_fd);
        if (!entries)
                return -ENOMEM;
        *ret = entries;
        *ret_n = (size_t) n;
        return 0;
}

/* DEVICE and what else the same device is called: pmem0 is also namespace0.0, and the other way. */
struct device_names {
        char names[3][256];
        size_t n;
};

static void device_names(const char *device, struct device_names *ret) {
        struct daxmf_topology t = {};
        const struct daxmf_device *d;

        *ret = (struct device_names) {};
        if (strncmp(device, "/dev/", 5) == 0)
                device += 5;
        snprintf(ret->names[ret->n++], sizeof(ret->names[0]), "%s", device);
        if (topology_scan(&t, "/proc/self/mountinfo") < 0)
                return;
        d = topology_find_blockdev(&t, device);
        if (!d)
                d = topology_find_namespace(&t, device);
        if (d && d->namespace[0])
                snprintf(ret->names[ret->n++], sizeof(ret->names[0]), "%s", d->namespace);
        if (d && d->blockdev[0])
                snprintf(ret->names[ret->n++], sizeof(ret->names[0]), "%s", d->blockdev);
        topology_done(&t);
}

static bool named(const struct device_names *dn, const char *s) {
        for (size_t i = 0; s[0] && i < dn->n; i++)
                if (strcmp(dn->names[i], s) == 0)
                        return true;
        return false;
}

static bool entry_is_of(const struct entry *e, const struct device_names *dn) {
        if (named(dn, e->name))
                return true;
        if (e->loaded)
                return named(dn, e->inv.header.device) || named(dn, e->inv.header.disk);
        return named(dn, e->claims_device) || named(dn, e->claims_disk);
}

static uint64_t realtime_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void format_time(uint64_t usec, char *buf, size_t size) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S %Z", &tm) == 0)
                snprintf(buf, size, "@%" PRIu64, usec / 1000000);
}

static void format_age(uint64_t built, uint64_t now, char *buf, size_t size) {
        uint64_t s;

        if (built > now) {
                snprintf(buf, size, "in the future: the clock was changed");
                return;
        }
        s = (now - built) / 1000000;
        if (s < 120)
                snprintf(buf, size, "%" PRIu64 " s ago", s);
        else if (s < 2 * 3600)
                snprintf(buf, size, "%" PRIu64 " min ago", s / 60);
        else if (s < 2 * 86400)
                snprintf(buf, size, "%" PRIu64 " h ago", s / 3600);
        else
                snprintf(buf, size, "%" PRIu64 " days ago", s / 86400);
}

static struct json_object *entry_json(const struct entry *e, uint64_t now) {
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "file", json_object_new_string(e->file));
        json_object_object_add(o, "name", json_object_new_string(e->name));
        json_object_object_add(o, "set_aside", json_object_new_boolean(e->set_aside));
        json_object_object_add(o, "size", json_object_new_uint64(e->size));
        json_object_object_add(o, "loads", json_object_new_boolean(e->loaded));
        if (e->loaded) {
                const struct inventory_header *h = &e->inv.header;
                char when[64];

                format_time(h->built_realtime_usec, when, sizeof(when));
                json_object_object_add(o, "device", json_object_new_string(h->device));
                json_object_object_add(o, "disk", json_object_new_string(h->disk));
                json_object_object_add(o, "major", json_object_new_uint64(h->major));
                json_object_object_add(o, "minor", json_object_new_uint64(h->minor));
                json_object_object_add(o, "mountpoint", json_object_new_string(h->mountpoint));
                json_object_object_add(o, "fstype", json_object_new_string(h->fstype));
                json_object_object_add(o, "data_start", json_object_new_uint64(h->data_start));
                json_object_object_add(o, "data_size", json_object_new_uint64(h->data_size));
                json_object_object_add(o, "built_realtime_usec", json_object_new_uint64(h->built_realtime_usec));
                json_object_object_add(o, "built", json_object_new_string(when));
                json_object_object_add(o, "age_sec", h->built_realtime_usec <= now ?
                                       json_object_new_uint64((now - h->built_realtime_usec) / 1000000) : NULL);
                json_object_object_add(o, "build_usec", json_object_new_uint64(h->build_usec));
                json_object_object_add(o, "files", json_object_new_uint64(inventory_files(&e->inv)));
                json_object_object_add(o, "extents", json_object_new_uint64(e->inv.extents.n));
                json_object_object_add(o, "names", json_object_new_uint64(e->inv.names.n));
        } else {
                json_object_object_add(o, "errno", json_object_new_int(-e->error));
                json_object_object_add(o, "error", json_object_new_string(errno_name(e->error) ?: "?"));
                json_object_object_add(o, "reason", json_object_new_string(e->reason ? e->reason : strerror(-e->error)));
                if (e->claims_device[0] || e->claims_disk[0]) {
                        json_object_object_add(o, "device", json_object_new_string(e->claims_device));
                        json_object_object_add(o, "disk", json_object_new_string(e->claims_disk));
                }
        }
        return o;
}

static void entry_print(const struct entry *e, uint64_t now) {
        if (!e->loaded) {
                printf("%-20s does not load: %s", e->file, e->reason ? e->reason : strerror(-e->error));
                if (e->claims_device[0])
                        printf(" (its header says %s, %s)", e->claims_device, e->claims_disk);
                printf("%s\n", e->set_aside ? "; set aside by daxmfd" : "");
                return;
        }

        const struct inventory_header *h = &e->inv.header;
        char when[64], age[64];

        format_time(h->built_realtime_usec, when, sizeof(when));
        format_age(h->built_realtime_usec, now, age, sizeof(age));
        printf("%-20s %s (%s, %u:%u) on %s (%s), phys 0x%" PRIx64 "-0x%" PRIx64 "%s\n", e->file,
               h->device[0] ? h->device : "?", h->disk, h->major, h->minor, h->mountpoint, h->fstype,
               h->data_start, h->data_start + h->data_size - (h->data_size ? 1 : 0),
               e->set_aside ? " (set aside by daxmfd, yet it loads)" : "");
        printf("%-20s taken %s (%s) in %" PRIu64 " ms: %" PRIu64 " files, %zu extents, %zu names, %" PRIu64 " bytes\n",
               "", when, age, h->build_usec / 1000, inventory_files(&e->inv), e->inv.extents.n, e->inv.names.n,
               e->size);
}

/* daxmfd takes them again; the answer comes once every build has ended. */
static int refresh(const struct daxmfctl_args *args, struct json_object **ret) {
        _cleanup_(json_object_putp) struct json_object *req = json_object_new_object();
        struct json_object *reply = NULL, *list;
        bool failed = false;
        int r;

        if (args->has_device)
                json_object_object_add(req, "device", json_object_new_string(args->device));
        r = daxmfctl_call("inventory", "refresh-inventory", req, args->json, REFRESH_TIMEOUT_SEC, &reply);
        if (r != 0)
                return r;
        if (!json_object_object_get_ex(reply, "inventories", &list) || !json_object_is_type(list, json_type_array)) {
                json_object_put(reply);
                return daxmfctl_fail("inventory", args->json, -EBADMSG, "daxmfd's answer has no \"inventories\"");
        }
        for (size_t i = 0; i < json_object_array_length(list); i++) {
                struct json_object *it = json_object_array_get_idx(list, i), *v;
                const char *device = json_object_object_get_ex(it, "device", &v) ? json_object_get_string(v) : "?";

                if (json_object_object_get_ex(it, "ok", &v) && json_object_get_boolean(v))
                        continue;
                failed = true;
                log_error("inventory: %s: %s", device,
                          json_object_object_get_ex(it, "error", &v) ? json_object_get_string(v) : "not taken");
        }
        if (json_object_array_length(list) == 0 && !args->json)
                printf("daxmfd: no DAX filesystem is mounted: no inventory to take\n");
        *ret = json_object_get(list);
        json_object_put(reply);
        return failed ? -EIO : 0;
}

int daxmfctl_inventory(const struct daxmfctl_args *args) {
        struct json_object *refreshed = NULL;
        struct device_names dn = {};
        struct entry *entries = NULL;
        char dir[PATH_MAX];
        size_t n = 0, shown = 0, good = 0;
        uint64_t now;
        int r, refresh_r = 0;

        r = inventory_dir(dir, sizeof(dir));
        if (r < 0)
                return daxmfctl_fail("inventory", args->json, r, "the inventory directory's name is too long");
        if (args->refresh) {
                refresh_r = refresh(args, &refreshed);
                if (refresh_r > 0)
                        return refresh_r;       /* told already */
        }
        r = read_entries(dir, &entries, &n);
        if (r < 0) {
                json_object_put(refreshed);
                return daxmfctl_fail("inventory", args->json, r, "cannot read the inventories in %s", dir);
        }
        if (args->has_device) {
                device_names(args->device, &dn);
                for (size_t i = 0; i < n; i++)
                        if (entry_is_of(&entries[i], &dn)) {
                                shown++;
                                good += entries[i].loaded && !entries[i].set_aside;
                        }
                if (shown == 0) {
                        entries_free(entries, n);
                        json_object_put(refreshed);
                        return daxmfctl_fail("inventory", args->json, -ENOENT, "daxmfd has no inventory of %s in %s",
                                             args->device, dir);
                }
        }
        now = realtime_usec();

        if (args->json) {
                struct json_object *doc = json_object_new_object(), *list = json_object_new_array();

                json_object_object_add(doc, "directory", json_object_new_string(dir));
                for (size_t i = 0; i < n; i++)
                        if (!args->has_device || entry_is_of(&entries[i], &dn))
                                json_object_array_add(list, entry_json(&entries[i], now));
                json_object_object_add(doc, "inventories", list);
                if (args->refresh)
                        json_object_object_add(doc, "refreshed", refreshed);
                daxmfctl_print_json(doc);
        } else {
                json_object_put(refreshed);
                if (n == 0 || (args->has_device && shown == 0))
                        printf("No inventories in %s\n", dir);
                else
                        printf("Inventories in %s:\n", dir);
                for (size_t i = 0; i < n; i++)
                        if (!args->has_device || entry_is_of(&entries[i], &dn))
                                entry_print(&entries[i], now);
        }
        entries_free(entries, n);

        /* Asked for one device: its inventory must be there and load (a .corrupt copy beside it is history). */
        if (args->has_device && good == 0) {
                log_error("inventory: the inventory of %s does not load", args->device);
                return EXIT_FAILURE;
        }
        return refresh_r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
