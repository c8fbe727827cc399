/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "topology-worker.h"

struct topology_worker {
        pthread_t thread;
        bool joined;
        bool delivered;                 /* done() got t */
        int efd;
        sd_event_source *source;
        char *mountinfo;
        struct daxmf_topology t;
        int r;
        topology_worker_done_t done;
        void *userdata;
};

static void *scan(void *arg) {
        struct topology_worker *w = arg;

        w->r = topology_scan(&w->t, w->mountinfo);
        (void) eventfd_write(w->efd, 1);
        return NULL;
}

static void join(struct topology_worker *w) {
        if (!w->joined) {
                (void) pthread_join(w->thread, NULL);
                w->joined = true;
        }
}

static int on_done(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct topology_worker *w = userdata;
        eventfd_t v;

        (void) eventfd_read(fd, &v);
        join(w);
        (void) sd_event_source_set_enabled(s, SD_EVENT_OFF);
        /* The callback may free w: nothing of w is touched after it. */
        w->delivered = true;
        w->done(&w->t, w->r, w->userdata);
        return 0;
}

int topology_worker_start(sd_event *e, const char *mountinfo, topology_worker_done_t done, void *userdata,
                          struct topology_worker **ret) {
        struct topology_worker *w;
        int r;

        w = calloc(1, sizeof(*w));
        if (!w)
                return -ENOMEM;
        w->joined = true;
        w->efd = -1;
        w->done = done;
        w->userdata = userdata;
        w->mountinfo = strdup(mountinfo);
        w->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
        if (!w->mountinfo || w->efd < 0) {
                r = w->mountinfo ? -errno : -ENOMEM;
                goto fail;
        }
        r = sd_event_add_io(e, &w->source, w->efd, EPOLLIN, on_done, w);
        if (r < 0)
                goto fail;
        r = -pthread_create(&w->thread, NULL, scan, w);
        if (r < 0)
                goto fail;
        w->joined = false;
        *ret = w;
        return 0;
fail:
        topology_worker_free(w);
        return r;
}

void topology_worker_free(struct topology_worker *w) {
        if (!w)
                return;
        join(w);
        if (!w->delivered && w->r >= 0)
                topology_done(&w->t);
        sd_event_source_disable_unref(w->source);
        if (w->efd >= 0)
                close(w->efd);
        free(w->mountinfo);
        free(w);
}
