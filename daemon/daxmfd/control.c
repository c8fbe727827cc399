/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>

#include "control.h"
#include "control-request.h"
#include "control-socket.h"
#include "journal-writer.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put)

/* Clients served at once; more are turned away (each holds an fd until it sends). */
#define CONTROL_MAX_CLIENTS 16

struct control_client {
        struct manager *m;
        int fd;
        sd_event_source *source;
        struct inventory_request *refresh;      /* refresh-inventory: parked until the builds end */
        struct control_client *next;
};

static void client_free(struct control_client *c) {
        struct control_client **p;

        if (!c)
                return;
        if (c->refresh)
                inventories_refresh_cancel(c->m, c->refresh);
        for (p = &c->m->control_clients; *p; p = &(*p)->next)
                if (*p == c) {
                        *p = c->next;
                        break;
                }
        sd_event_source_disable_unref(c->source);
        if (c->fd >= 0)
                close(c->fd);
        c->m->n_control_clients--;
        free(c);
}

static struct json_object *error_reply(int error, const char *text) {
        struct json_object *o = json_object_new_object();

        json_object_object_add(o, "ok", json_object_new_boolean(false));
        json_object_object_add(o, "errno", json_object_new_int(-error));
        json_object_object_add(o, "error", json_object_new_string(text));
        return o;
}

static void add_string(struct json_object *o, const char *key, const char *value) {
        if (value[0])
                json_object_object_add(o, key, json_object_new_string(value));
}

static struct json_object *devices_json(const struct daxmf_topology *t) {
        struct json_object *a = json_object_new_array();

        for (size_t i = 0; i < t->n; i++) {
                const struct daxmf_device *d = &t->devices[i];
                struct json_object *j = json_object_new_object();

                add_string(j, "namespace", d->namespace);
                add_string(j, "region", d->region);
                add_string(j, "mode", d->mode);
                add_string(j, "blockdev", d->blockdev);
                add_string(j, "dax", d->dax);
                json_object_object_add(j, "data_start", json_object_new_uint64(d->data_start));
                json_object_object_add(j, "data_size", json_object_new_uint64(d->data_size));
                add_string(j, "mountpoint", d->mountpoint);
                add_string(j, "fstype", d->fstype);
                json_object_array_add(a, j);
        }
        return a;
}

/* The kernel's own memory failures: where from (and why not the module), what came of them this run. */
static struct json_object *memory_failures_json(const struct manager *m) {
        struct json_object *j = json_object_new_object();

        json_object_object_add(j, "source", json_object_new_string(memory_failure_source_to_string(m->mf.source)));
        json_object_object_add(j, "reason", json_object_new_string(m->mf.why));
        json_object_object_add(j, "ranges_logged", json_object_new_uint64(m->mf.ranges));
        json_object_object_add(j, "events_logged", json_object_new_uint64(m->mf.events));
        json_object_object_add(j, "own_ranges_skipped", json_object_new_uint64(m->mf.own_skipped));
        json_object_object_add(j, "events_lost", json_object_new_uint64(m->mf.lost));
        return j;
}

static struct json_object *journal_json(void) {
        struct json_object *j = json_object_new_object();
        struct journal_writer_status s;

        journal_writer_status(&s);
        json_object_object_add(j, "available", json_object_new_boolean(s.available));
        json_object_object_add(j, "error", json_object_new_string(s.error ? strerrorname_np(-s.error) ?: "" : ""));
        json_object_object_add(j, "unavailable_since_usec", json_object_new_uint64(s.since_usec));
        json_object_object_add(j, "records_waiting", json_object_new_uint64(s.queued));
        json_object_object_add(j, "bytes_waiting", json_object_new_uint64(s.queued_bytes));
        json_object_object_add(j, "queue_max_records", json_object_new_uint64(s.max_records));
        json_object_object_add(j, "queue_max_bytes", json_object_new_uint64(s.max_bytes));
        json_object_object_add(j, "records_written_late", json_object_new_uint64(s.delayed));
        json_object_object_add(j, "records_dropped", json_object_new_uint64(s.dropped));
        return j;
}

static struct json_object *status_reply(struct manager *m) {
        struct json_object *o = json_object_new_object(), *disks = json_object_new_array();
        struct json_object *state = json_object_new_object();
        char degraded[PATH_MAX + 512];

        struct json_object *daemon = json_object_new_object();

        json_object_object_add(daemon, "pid", json_object_new_int((int) getpid()));
        json_object_object_add(daemon, "version", json_object_new_string(DAXMF_VERSION));
        json_object_object_add(daemon, "started_realtime_usec",
                               json_object_new_uint64(m->metrics.start_realtime_usec));
        json_object_object_add(daemon, "events_open", json_object_new_uint64(m->n_events));
        json_object_object_add(o, "ok", json_object_new_boolean(true));
        json_object_object_add(o, "daemon", daemon);
        json_object_object_add(o, "module", json_object_new_boolean(m->kernel != NULL));
        json_object_object_add(o, "removal_handler", json_object_new_boolean(m->removal_handler));
        json_object_object_add(o, "degraded", json_object_new_string(manager_degraded(m, degraded, sizeof(degraded))));
        json_object_object_add(state, "directory", json_object_new_string(m->state.dir));
        json_object_object_add(state, "saved", json_object_new_boolean(m->state.error == 0));
        json_object_object_add(state, "error",
                               json_object_new_string(m->state.error ? strerrorname_np(-m->state.error) ?: "" : ""));
        json_object_object_add(o, "state", state);
        json_object_object_add(o, "pages_pending", json_object_new_uint64(daxmf_engine_pending_pages(&m->engine)));
        json_object_object_add(o, "pages_in_flight",
                               json_object_new_uint64(daxmf_engine_in_flight_pages(&m->engine)));
        json_object_object_add(o, "pages_completed", json_object_new_uint64(rangeset_pages(&m->engine.completed)));
        json_object_object_add(o, "removals_waiting", json_object_new_uint64(m->n_removal_waits));
        json_object_object_add(o, "memory_failures", memory_failures_json(m));
        json_object_object_add(o, "journal", journal_json());
        for (size_t i = 0; i < m->n_disks; i++) {
                const struct pmem_disk *d = m->disks[i];
                struct json_object *j = json_object_new_object();
                uint64_t sectors = 0;

                for (size_t k = 0; k < d->bad.n; k++)
                        sectors += d->bad.ranges[k].end - d->bad.ranges[k].start;
                json_object_object_add(j, "name", json_object_new_string(d->name));
                json_object_object_add(j, "phys_start", json_object_new_uint64(d->data_phys));
                json_object_object_add(j, "size", json_object_new_uint64(d->size));
                json_object_object_add(j, "bad_ranges", json_object_new_uint64(d->bad.n));
                json_object_object_add(j, "bad_sectors", json_object_new_uint64(sectors));
                json_object_array_add(disks, j);
        }
        json_object_object_add(o, "disks", disks);
        json_object_object_add(o, "devices", devices_json(&m->topology));
        return o;
}

static struct json_object *rescan_reply(struct manager *m) {
        struct json_object *o = json_object_new_object();
        unsigned scanned = 0, appeared = 0;

        manager_rescan(m, &scanned, &appeared);
        json_object_object_add(o, "ok", json_object_new_boolean(true));
        json_object_object_add(o, "disks_scanned", json_object_new_uint64(scanned));
        json_object_object_add(o, "new_bad_ranges", json_object_new_uint64(appeared));
        return o;
}

static void client_answer(struct control_client *c, struct json_object *reply) {
        const char *text = json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);

        if (send(c->fd, text, strlen(text), MSG_NOSIGNAL) < 0)
                log_debug("control: cannot answer: %s", strerror(errno));
}

static struct json_object *refresh_reply(const struct inventory_refresh *items, size_t n) {
        struct json_object *o = json_object_new_object(), *a = json_object_new_array();

        json_object_object_add(o, "ok", json_object_new_boolean(true));
        for (size_t i = 0; i < n; i++) {
                struct json_object *j = json_object_new_object();

                json_object_object_add(j, "device", json_object_new_string(items[i].name));
                json_object_object_add(j, "disk", json_object_new_string(items[i].disk));
                json_object_object_add(j, "mountpoint", json_object_new_string(items[i].mountpoint));
                json_object_object_add(j, "ok", json_object_new_boolean(items[i].error == 0));
                if (items[i].error) {
                        json_object_object_add(j, "errno", json_object_new_int(-items[i].error));
                        json_object_object_add(j, "error", json_object_new_string(items[i].message));
                } else
                        json_object_object_add(j, "built_realtime_usec",
                                               json_object_new_uint64(items[i].built_realtime_usec));
                json_object_array_add(a, j);
        }
        json_object_object_add(o, "inventories", a);
        return o;
}

/* Every build asked for has ended: the parked client gets its answer now. */
static void on_refreshed(struct manager *m, const struct inventory_refresh *items, size_t n, void *userdata) {
        _cleanup_(json_object_putp) struct json_object *reply = refresh_reply(items, n);
        struct control_client *c = userdata;

        c->refresh = NULL;      /* being answered: nothing to cancel */
        client_answer(c, reply);
        client_free(c);
}

/*
 * refresh-inventory [device]: the builds run in a child, one at a time;
 * waiting for them here would stop the event loop, so the client is
 * parked and answered when they have ended (NULL: parked).
 */
static struct json_object *refresh_inventory(struct control_client *c, const char *device) {
        char error[256];
        int r;

        r = inventories_refresh(c->m, device, on_refreshed, c, &c->refresh, error, sizeof(error));
        if (r < 0)
                return error_reply(r, error);
        if (!c->refresh)
                return refresh_reply(NULL, 0);  /* no DAX filesystem mounted */
        return NULL;
}

static struct json_object *handle(struct control_client *c, const char *buf, size_t n) {
        struct daxmf_control_request req;
        struct json_object *reply = NULL;
        const char *error;
        int r;

        /* The parsing is control-request.c's (fuzzed on its own). */
        r = daxmf_control_request_parse(buf, n, &req, &error);
        if (r < 0)
                return error_reply(r, error);
        switch (req.command) {
        case DAXMF_CONTROL_STATUS:
                reply = status_reply(c->m);
                break;
        case DAXMF_CONTROL_RESCAN:
                reply = rescan_reply(c->m);
                break;
        case DAXMF_CONTROL_REFRESH_INVENTORY:
                reply = refresh_inventory(c, req.device);
                break;
        }
        daxmf_control_request_done(&req);
        return reply;
}

static int on_client(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct control_client *c = userdata;
        _cleanup_(json_object_putp) struct json_object *reply = NULL;
        _cleanup_free_ char *buf = NULL;
        struct ucred cred;
        socklen_t len = sizeof(cred);
        ssize_t n;

        /* Parked: it asked once; all it can do now is hang up (or break the protocol). */
        if (c->refresh) {
                client_free(c);
                return 0;
        }
        buf = malloc(DAXMF_CONTROL_MAX_MESSAGE);
        if (!buf) {
                client_free(c);
                return 0;
        }
        n = recv(fd, buf, DAXMF_CONTROL_MAX_MESSAGE, MSG_TRUNC);
        if (n < 0 && (errno == EAGAIN || errno == EINTR))
                return 0;
        if (n <= 0) {
                client_free(c);
                return 0;
        }
        /* The socket is root's only (0600); asking the kernel too costs nothing. */
        if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || cred.uid != 0)
                reply = error_reply(-EPERM, "only root may use the control socket");
        else if (n > DAXMF_CONTROL_MAX_MESSAGE)
                reply = error_reply(-EMSGSIZE, "the request is too long");
        else
                reply = handle(c, buf, (size_t) n);

        if (!reply) {
                /* Parked; the builds start now that an answer from them finds the client waiting. */
                inventories_topology_changed(c->m);
                return 0;
        }
        client_answer(c, reply);
        client_free(c);
        return 0;
}

static int on_accept(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct manager *m = userdata;
        struct control_client *c;
        int cfd, r;

        cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (cfd < 0)
                return 0;
        if (m->n_control_clients >= CONTROL_MAX_CLIENTS) {
                log_warning("control: %d clients already; one turned away", CONTROL_MAX_CLIENTS);
                close(cfd);
                return 0;
        }
        c = calloc(1, sizeof(*c));
        if (!c) {
                close(cfd);
                return 0;
        }
        c->m = m;
        c->fd = cfd;
        c->next = m->control_clients;
        m->control_clients = c;
        m->n_control_clients++;
        r = sd_event_add_io(m->event, &c->source, cfd, EPOLLIN, on_client, c);
        if (r < 0)
                client_free(c);
        return 0;
}

int control_start(struct manager *m, const char *path) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        _cleanup_free_ char *dir = NULL;
        int fd, r;

        if (strlen(path) >= sizeof(sa.sun_path))
                return log_error_errno(-ENAMETOOLONG, "control socket path too long: %s", path);
        strcpy(sa.sun_path, path);
        dir = strdup(path);
        if (!dir)
                return -ENOMEM;
        (void) mkdir(dirname(dir), 0755);

        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return -errno;
        /* A stale socket of an earlier run that did not stop cleanly. */
        (void) unlink(path);
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 || chmod(path, 0600) < 0 || listen(fd, 16) < 0) {
                r = -errno;
                close(fd);
                return log_error_errno(r, "cannot listen on %s: %s", path, strerror(-r));
        }
        r = sd_event_add_io(m->event, &m->control_source, fd, EPOLLIN, on_accept, m);
        if (r < 0) {
                close(fd);
                return r;
        }
        (void) sd_event_source_set_io_fd_own(m->control_source, true);
        return 0;
}

void control_stop(struct manager *m, const char *path) {
        /* Clients that connected and never asked. */
        while (m->control_clients)
                client_free(m->control_clients);
        if (!m->control_source)
                return;
        m->control_source = sd_event_source_disable_unref(m->control_source);
        (void) unlink(path);
}
