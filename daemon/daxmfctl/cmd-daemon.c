/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>

#include "commands.h"
#include "control-socket.h"
#include "log.h"
#include "macro.h"
#include "output.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put)

static void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}

/* One request, one answer; the daemon's "ok": false comes back as its errno. */
int daxmfctl_call(const char *label, const char *command, struct json_object *request, bool json,
                  unsigned timeout_sec, struct json_object **ret) {
        struct sockaddr_un sa = { .sun_family = AF_UNIX };
        const char *path = daxmf_control_socket_path();
        _cleanup_(closep) int fd = -1;
        _cleanup_free_ char *buf = NULL;
        _cleanup_(json_object_putp) struct json_object *reply = NULL, *req = NULL;
        struct json_object *ok, *err, *msg;
        const char *text;
        ssize_t n;

        if (strlen(path) >= sizeof(sa.sun_path))
                return daxmfctl_fail(label, json, -ENAMETOOLONG, "control socket path too long: %s", path);
        strcpy(sa.sun_path, path);
        fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
        if (fd < 0)
                return daxmfctl_fail(label, json, -errno, "cannot make a socket");
        if (connect(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                return daxmfctl_fail(label, json, -errno, "cannot reach daxmfd at %s (is it running?)", path);
        if (timeout_sec > 0 &&
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &(struct timeval) { .tv_sec = timeout_sec }, sizeof(struct timeval)) < 0)
                return daxmfctl_fail(label, json, -errno, "cannot set a timeout on the control socket");

        req = request ? json_object_get(request) : json_object_new_object();
        json_object_object_add(req, "command", json_object_new_string(command));
        text = json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
        if (send(fd, text, strlen(text), MSG_NOSIGNAL) < 0)
                return daxmfctl_fail(label, json, -errno, "cannot send to daxmfd");
        buf = malloc(DAXMF_CONTROL_MAX_MESSAGE + 1);
        if (!buf)
                return daxmfctl_fail(label, json, -ENOMEM, "out of memory");
        n = recv(fd, buf, DAXMF_CONTROL_MAX_MESSAGE, 0);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
                return daxmfctl_fail(label, json, -ETIMEDOUT, "daxmfd did not answer within %u s", timeout_sec);
        if (n < 0)
                return daxmfctl_fail(label, json, -errno, "no answer from daxmfd");
        if (n == 0)
                return daxmfctl_fail(label, json, -ECONNRESET, "daxmfd closed the connection without answering");
        buf[n] = '\0';

        reply = json_tokener_parse(buf);
        if (!reply || !json_object_is_type(reply, json_type_object) ||
            !json_object_object_get_ex(reply, "ok", &ok))
                return daxmfctl_fail(label, json, -EBADMSG, "daxmfd's answer is not understood");
        if (!json_object_get_boolean(ok)) {
                int e = json_object_object_get_ex(reply, "errno", &err) ? json_object_get_int(err) : EIO;

                return daxmfctl_fail(label, json, e > 0 ? -e : -EIO, "daxmfd: %s",
                            json_object_object_get_ex(reply, "error", &msg) ? json_object_get_string(msg) : "failed");
        }
        json_object_object_del(reply, "ok");
        *ret = TAKE_PTR(reply);
        return 0;
}

static uint64_t get_u64(struct json_object *o, const char *key) {
        struct json_object *v;

        return json_object_object_get_ex(o, key, &v) ? json_object_get_uint64(v) : 0;
}

static bool get_bool(struct json_object *o, const char *key) {
        struct json_object *v;

        return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static const char *get_string(struct json_object *o, const char *key) {
        struct json_object *v;

        return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

int daxmfctl_status(const struct daxmfctl_args *args) {
        struct json_object *reply = NULL, *disks, *daemon, *mf;
        size_t n = 0;
        int r;

        r = daxmfctl_call("status", "status", NULL, args->json, 0, &reply);
        if (r != 0)
                return r;
        if (args->json) {
                daxmfctl_print_json(reply);
                return EXIT_SUCCESS;
        }

        if (json_object_object_get_ex(reply, "daemon", &daemon)) {
                time_t t = (time_t) (get_u64(daemon, "started_realtime_usec") / 1000000);
                char since[64] = "?";
                struct tm tm;

                if (t > 0 && localtime_r(&t, &tm))
                        strftime(since, sizeof(since), "%Y-%m-%d %H:%M:%S", &tm);
                printf("daxmfd:           pid %" PRIu64 ", version %s, running since %s, %" PRIu64
                       " event(s) open\n", get_u64(daemon, "pid"), get_string(daemon, "version"), since,
                       get_u64(daemon, "events_open"));
        }
        printf("module:           %s\n", !get_bool(reply, "module") ? "not connected" :
               get_bool(reply, "removal_handler") ? "connected, daxmfd is its removal handler" : "connected");
        if (json_object_object_get_ex(reply, "memory_failures", &mf)) {
                const char *source = get_string(mf, "source"), *reason = get_string(mf, "reason");

                printf("memory failures:  %s%s%s%s, %" PRIu64 " range(s) logged, %" PRIu64 " event(s) lost\n",
                       strcmp(source, "none") == 0 ? "not followed" : source, reason[0] ? " (" : "", reason,
                       reason[0] ? ")" : "", get_u64(mf, "ranges_logged"), get_u64(mf, "events_lost"));
        }
        printf("degraded:         %s\n", get_string(reply, "degraded")[0] ? get_string(reply, "degraded") : "no");
        if (json_object_object_get_ex(reply, "journal", &mf)) {
                if (get_bool(mf, "available") && get_u64(mf, "records_waiting") == 0)
                        printf("journal:          written");
                else
                        printf("journal:          unavailable (%s), %" PRIu64 " record(s) waiting (at most %" PRIu64 ")",
                               get_string(mf, "error"), get_u64(mf, "records_waiting"),
                               get_u64(mf, "queue_max_records"));
                printf(", %" PRIu64 " written late, %" PRIu64 " dropped\n", get_u64(mf, "records_written_late"),
                       get_u64(mf, "records_dropped"));
        }
        printf("pages:            %" PRIu64 " pending, %" PRIu64 " in flight, %" PRIu64 " failed\n",
               get_u64(reply, "pages_pending"), get_u64(reply, "pages_in_flight"), get_u64(reply, "pages_completed"));
        printf("removals waiting: %" PRIu64 "\n", get_u64(reply, "removals_waiting"));
        if (json_object_object_get_ex(reply, "disks", &disks))
                n = json_object_array_length(disks);
        printf("pmem disks:       %zu watched\n", n);
        for (size_t i = 0; i < n; i++) {
                struct json_object *d = json_object_array_get_idx(disks, i);

                printf("  %-8s phys 0x%" PRIx64 "-0x%" PRIx64 ", %" PRIu64 " bad range(s), %" PRIu64 " bad sector(s)\n",
                       get_string(d, "name"), get_u64(d, "phys_start"),
                       get_u64(d, "phys_start") + get_u64(d, "size") - 1, get_u64(d, "bad_ranges"),
                       get_u64(d, "bad_sectors"));
        }
        n = 0;
        if (json_object_object_get_ex(reply, "devices", &disks))
                n = json_object_array_length(disks);
        printf("dax/pmem devices: %zu\n", n);
        for (size_t i = 0; i < n; i++) {
                struct json_object *d = json_object_array_get_idx(disks, i);
                const char *name = get_string(d, "namespace")[0] ? get_string(d, "namespace") : get_string(d, "dax");

                printf("  %-14s %-7s %-8s %-8s", name, get_string(d, "mode"), get_string(d, "blockdev"),
                       get_string(d, "dax"));
                if (get_u64(d, "data_size"))
                        printf(" phys 0x%" PRIx64 "-0x%" PRIx64, get_u64(d, "data_start"),
                               get_u64(d, "data_start") + get_u64(d, "data_size") - 1);
                if (get_string(d, "mountpoint")[0])
                        printf(" on %s (%s)", get_string(d, "mountpoint"), get_string(d, "fstype"));
                printf("\n");
        }
        json_object_put(reply);
        return EXIT_SUCCESS;
}

int daxmfctl_rescan(const struct daxmfctl_args *args) {
        struct json_object *reply = NULL;
        int r;

        r = daxmfctl_call("rescan", "rescan", NULL, args->json, 0, &reply);
        if (r != 0)
                return r;
        if (args->json) {
                daxmfctl_print_json(reply);
                return EXIT_SUCCESS;
        }
        printf("rescanned %" PRIu64 " pmem disk(s): %" PRIu64 " new bad range(s)\n", get_u64(reply, "disks_scanned"),
               get_u64(reply, "new_bad_ranges"));
        json_object_put(reply);
        return EXIT_SUCCESS;
}
