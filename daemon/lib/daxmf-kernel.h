/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daxmf-reply.h"
#include "macro.h"

/* A connection to the daxmf module's generic netlink family. */
struct daxmf_kernel;

/*
 * Connect and resolve the family: -ENOENT when the module is not loaded,
 * -EIO when generic netlink itself fails.
 */
int daxmf_kernel_open(struct daxmf_kernel **ret);
struct daxmf_kernel *daxmf_kernel_close(struct daxmf_kernel *k);
DEFINE_TRIVIAL_CLEANUP_FUNC(struct daxmf_kernel *, daxmf_kernel_close)

int daxmf_kernel_get_info(struct daxmf_kernel *k, struct daxmf_info *ret,
                          struct daxmf_error *ret_error);

struct daxmf_range_request {
        bool has_pfn;
        uint64_t pfn;
        bool has_pages;
        uint64_t pages;
        uint32_t flags;
        uint64_t cookie;
};

/*
 * Fail a range and wait until the module has run it.  Returns 0 and the
 * result when the module accepted the request (the result may still report
 * failed pages or an early stop), or a negative errno with *ret_error filled
 * when the module refused it.  The module runs the range as a job; closing
 * the connection before it ends cancels it.
 */
int daxmf_kernel_fail_range(struct daxmf_kernel *k, const struct daxmf_range_request *req,
                            struct daxmf_range_result *ret, struct daxmf_error *ret_error);

/*
 * What became of the newest job with this cookie: *ret_done tells a finished
 * job (RANGE_DONE) from a running one (counters so far).  -ENOENT when the
 * module knows none (never received, or too long ago).
 */
int daxmf_kernel_get_job(struct daxmf_kernel *k, uint64_t cookie, struct daxmf_range_result *ret,
                         struct daxmf_error *ret_error);

/*
 * Events: open a connection subscribed to the family's "events" group.
 * daxmf_kernel_receive_all_events() takes the next batch of messages
 * (blocking unless the connection is non-blocking) and calls the handler
 * of each event's kind; a negative handler return stops and is returned;
 * -ESHUTDOWN when the module was unloaded.
 */
int daxmf_kernel_open_events(struct daxmf_kernel **ret);
int daxmf_kernel_fd(struct daxmf_kernel *k);

/*
 * The connection's own netlink port: what the module names as
 * REQUESTER_PORTID in the events of the ranges this connection asked for.
 */
uint32_t daxmf_kernel_portid(struct daxmf_kernel *k);

/* A NULL handler skips that kind. */
struct daxmf_event_handlers {
        int (*range)(const struct daxmf_range_result *event, void *userdata);
        int (*removal)(const struct daxmf_removal *event, void *userdata);
        int (*removal_pending)(const struct daxmf_removal_pending *event, void *userdata);
        int (*memory_failure)(const struct daxmf_memory_failure *event, void *userdata);
        int (*memory_failure_lost)(const struct daxmf_memory_failure_lost *event, void *userdata);
};
int daxmf_kernel_receive_all_events(struct daxmf_kernel *k, const struct daxmf_event_handlers *h,
                                    void *userdata);
/*
 * Whether a message waits on the events connection: 1 or 0; -ENOBUFS when
 * the peek met an overrun (the socket reports it once, and that was it).
 */
int daxmf_kernel_events_pending(struct daxmf_kernel *k);

/*
 * Asynchronous use, for an event loop: send requests without waiting, then
 * call daxmf_kernel_dispatch() whenever the fd is readable.
 */
struct daxmf_kernel_handlers {
        /* FAIL_RANGE request seq was accepted as job_id. */
        void (*accepted)(uint32_t seq, uint64_t job_id, uint64_t cookie, void *userdata);
        /* Request seq was refused. */
        void (*refused)(uint32_t seq, const struct daxmf_error *error, void *userdata);
        /* A job of ours ended. */
        void (*done)(const struct daxmf_range_result *result, void *userdata);
        /* We are the removal handler, and a removal waits for our answer. */
        void (*removal_pending)(const struct daxmf_removal_pending *pending, void *userdata);
        /* SET_REMOVAL_HANDLER request seq made us the handler. */
        void (*handler_set)(uint32_t seq, uint32_t portid, uint32_t timeout_ms, void *userdata);
};

/* Make the connection non-blocking (for daxmf_kernel_dispatch()). */
int daxmf_kernel_set_nonblocking(struct daxmf_kernel *k);

/* Queue a FAIL_RANGE request; *ret_seq identifies its answer. */
int daxmf_kernel_send_fail_range(struct daxmf_kernel *k, const struct daxmf_range_request *req,
                                 uint32_t *ret_seq);

/*
 * Ask to become the module's removal handler: REMOVAL_PENDING then comes to
 * this connection, and each removal waits up to *timeout_ms (NULL: the
 * module's default) for daxmf_kernel_send_removal_ack().  The answer comes to
 * handler_set, or to refused (-EBUSY: another socket is the handler;
 * -EOPNOTSUPP: the module has no handshake).
 */
int daxmf_kernel_send_set_removal_handler(struct daxmf_kernel *k, const uint32_t *timeout_ms, uint32_t *ret_seq);

/* Answer a pending removal; a refusal comes to the refused handler under *ret_seq. */
int daxmf_kernel_send_removal_ack(struct daxmf_kernel *k, uint64_t id, uint32_t verdict, uint32_t *ret_seq);

/* Handle every message waiting on the socket; 0 when drained. */
int daxmf_kernel_dispatch(struct daxmf_kernel *k, const struct daxmf_kernel_handlers *h, void *userdata);
