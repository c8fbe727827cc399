/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "daxmf-kernel.h"
#include "log.h"
#include "output.h"


static int connect_module(const char *command, bool json,
                          int (*open_fn)(struct daxmf_kernel **), struct daxmf_kernel **ret) {
        struct daxmf_error e = {};
        int r;

        r = open_fn(ret);
        if (r == 0)
                return 0;

        e.error = r;
        if (r == -ENOENT)
                snprintf(e.message, sizeof(e.message),
                         "the daxmf kernel module is not loaded and could not be loaded (no generic netlink family 'daxmf'; see 'modprobe daxmf')");
        else if (r == -EPERM)
                snprintf(e.message, sizeof(e.message), "joining the module's events group needs CAP_SYS_ADMIN");
        else
                snprintf(e.message, sizeof(e.message), "cannot talk to generic netlink");
        return daxmfctl_report_error(command, json, &e);
}

int daxmfctl_info(const struct daxmfctl_args *args) {
        _cleanup_(daxmf_kernel_closep) struct daxmf_kernel *k = NULL;
        struct daxmf_error e = {};
        struct daxmf_info info;
        int r;

        r = connect_module("info", args->json, daxmf_kernel_open, &k);
        if (r != 0)
                return r;

        r = daxmf_kernel_get_info(k, &info, &e);
        if (r < 0) {
                e.error = r;
                return daxmfctl_report_error("info", args->json, &e);
        }

        if (args->json)
                daxmfctl_print_json(daxmfctl_info_json(&info));
        else
                daxmfctl_print_info(&info);
        return EXIT_SUCCESS;
}

int daxmfctl_fail_range(const struct daxmfctl_args *args) {
        _cleanup_(daxmf_kernel_closep) struct daxmf_kernel *k = NULL;
        struct daxmf_range_result res;
        struct daxmf_error e = {};
        int r;

        r = connect_module("fail-range", args->json, daxmf_kernel_open, &k);
        if (r != 0)
                return r;

        r = daxmf_kernel_fail_range(k, &args->range, &res, &e);
        if (r < 0) {
                e.error = r;
                return daxmfctl_report_error("fail-range", args->json, &e);
        }

        if (args->json)
                daxmfctl_print_json(daxmfctl_range_json(&res));
        else
                daxmfctl_print_range(&res);

        /* A range that stopped early or had failed pages is not a success. */
        if (res.status < 0 || res.pages_failed > 0 || res.pages_done != res.pages) {
                log_error("fail-range: %" PRIu64 " of %" PRIu64 " pages handled, %" PRIu64 " failed",
                          res.pages_done, res.pages, res.pages_failed);
                return EXIT_FAILURE;
        }
        return EXIT_SUCCESS;
}

struct monitor_state {
        bool json;
        uint64_t count;
        uint64_t ranges_done;
        uint64_t mf_seq;                /* the last memory-failure message's, 0 before the first */
};

static int on_monitor_event(const struct daxmf_range_result *ev, void *userdata) {
        struct monitor_state *m = userdata;

        if (m->json)
                daxmfctl_print_json_line(daxmfctl_event_json(ev));
        else
                daxmfctl_print_event(ev);

        if (ev->done)
                m->ranges_done++;
        if (m->count && m->ranges_done >= m->count)
                return -ECANCELED;      /* enough: stop receiving */
        return 0;
}

static int on_monitor_removal(const struct daxmf_removal *rm, void *userdata) {
        struct monitor_state *m = userdata;

        if (m->json)
                daxmfctl_print_json_line(daxmfctl_removal_json(rm));
        else
                daxmfctl_print_removal(rm);
        return 0;
}

static int on_monitor_removal_pending(const struct daxmf_removal_pending *p, void *userdata) {
        struct monitor_state *m = userdata;

        if (m->json)
                daxmfctl_print_json_line(daxmfctl_removal_pending_json(p));
        else
                daxmfctl_print_removal_pending(p);
        return 0;
}

/* Memory-failure messages are numbered: a gap is messages this socket missed. */
static void check_mf_seq(struct monitor_state *m, uint64_t seq) {
        if (m->mf_seq && seq > m->mf_seq + 1)
                log_warning("monitor: memory-failure messages %" PRIu64 " to %" PRIu64 " were missed",
                            m->mf_seq + 1, seq - 1);
        m->mf_seq = seq;
}

static int on_monitor_memory_failure(const struct daxmf_memory_failure *mf, void *userdata) {
        struct monitor_state *m = userdata;

        check_mf_seq(m, mf->seq);
        if (m->json)
                daxmfctl_print_json_line(daxmfctl_memory_failure_json(mf));
        else
                daxmfctl_print_memory_failure(mf);
        return 0;
}

static int on_monitor_memory_failure_lost(const struct daxmf_memory_failure_lost *lost, void *userdata) {
        struct monitor_state *m = userdata;

        check_mf_seq(m, lost->seq);
        if (m->json)
                daxmfctl_print_json_line(daxmfctl_memory_failure_lost_json(lost));
        else
                daxmfctl_print_memory_failure_lost(lost);
        return 0;
}

int daxmfctl_monitor(const struct daxmfctl_args *args) {
        const struct daxmf_event_handlers handlers = {
                .range = on_monitor_event,
                .removal = on_monitor_removal,
                .removal_pending = on_monitor_removal_pending,
                .memory_failure = on_monitor_memory_failure,
                .memory_failure_lost = on_monitor_memory_failure_lost,
        };
        _cleanup_(daxmf_kernel_closep) struct daxmf_kernel *k = NULL;
        struct monitor_state m = {
                .json = args->json,
                .count = args->count,
        };
        int r;

        r = connect_module("monitor", args->json, daxmf_kernel_open_events, &k);
        if (r != 0)
                return r;

        for (;;) {
                r = daxmf_kernel_receive_all_events(k, &handlers, &m);
                if (r == -ECANCELED)
                        return EXIT_SUCCESS;
                if (r == -ESHUTDOWN) {
                        /* Asked for a number of ranges and did not see them all: a failure. */
                        log_full(m.count ? LOG_LEVEL_ERR : LOG_LEVEL_INFO, 0,
                                 "monitor: the daxmf module was unloaded");
                        return m.count ? EXIT_FAILURE : EXIT_SUCCESS;
                }
                if (r == -ENOBUFS) {
                        /* The socket overran: say so, events were lost. */
                        log_warning("monitor: events were lost (receive buffer overrun)");
                        continue;
                }
                if (r < 0)
                        return log_error_errno(r, "monitor: receiving events failed: %s", strerror(-r)), EXIT_FAILURE;
        }
}
