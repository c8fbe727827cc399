/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <netlink/errno.h>
#include <netlink/msg.h>
#include <netlink/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <linux/genetlink.h>
#include <linux/daxmf.h>

#include "daxmf-kernel.h"
#include "macro.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

static int put_range_request(struct nl_msg *msg, const struct daxmf_range_request *req);

struct daxmf_kernel {
        struct nl_sock *sock;
        int family;
};

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_sock *, nl_socket_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free)
DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_cb *, nl_cb_put)

struct daxmf_kernel *daxmf_kernel_close(struct daxmf_kernel *k) {
        if (k) {
                nl_socket_free(k->sock);
                free(k);
        }
        return NULL;
}

int daxmf_kernel_open(struct daxmf_kernel **ret) {
        _cleanup_(daxmf_kernel_closep) struct daxmf_kernel *k = NULL;
        int one = 1, r;

        k = calloc(1, sizeof(*k));
        if (!k)
                return -ENOMEM;

        k->sock = nl_socket_alloc();
        if (!k->sock)
                return -ENOMEM;

        /* Room for many replies at once: an overrun loses a job's end. */
        (void) nl_socket_set_buffer_size(k->sock, 1 << 20, 0);
        r = genl_connect(k->sock);
        if (r < 0)
                return -EIO;

        /* Ask for the module's reasons with every error; skip the echo. */
        (void) setsockopt(nl_socket_get_fd(k->sock), SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one));
        (void) setsockopt(nl_socket_get_fd(k->sock), SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one));

        r = genl_ctrl_resolve(k->sock, DAXMF_GENL_NAME);
        if (r < 0)
                return r == -NLE_OBJ_NOTFOUND ? -ENOENT : -EIO;
        k->family = r;

        *ret = TAKE_PTR(k);
        return 0;
}

static int no_seq_check(struct nl_msg *msg _unused_, void *userdata _unused_) {
        return NL_OK;
}

/*
 * Callbacks for one receive loop.  Sequence numbers are not checked: a
 * job's RANGE_DONE and multicast events carry none of ours, and each
 * socket has one request outstanding at a time; messages are matched by
 * type, command and id instead.
 */
static struct nl_cb *callbacks_new(nl_recvmsg_msg_cb_t on_message, void *userdata) {
        struct nl_cb *cb;

        cb = nl_cb_alloc(NL_CB_DEFAULT);
        if (!cb)
                return NULL;
        nl_cb_set(cb, NL_CB_VALID, NL_CB_CUSTOM, on_message, userdata);
        nl_cb_set(cb, NL_CB_SEQ_CHECK, NL_CB_CUSTOM, no_seq_check, NULL);
        return cb;
}

struct transaction {
        struct daxmf_kernel *k;
        uint8_t want_cmd;
        bool done;
        int error;                      /* negative errno, 0 */
        struct daxmf_error *kernel_error;
        struct daxmf_info *info;
        uint64_t job_id;                /* FAIL_RANGE: the accepted job */
        bool accepted;
        /* A small range can end before its acceptance is sent. */
        bool have_done;
        struct daxmf_range_result early_done;
};

static int on_valid(struct nl_msg *msg, void *userdata) {
        struct transaction *t = userdata;
        struct nlmsghdr *nlh = nlmsg_hdr(msg);
        int r;

        if (nlh->nlmsg_type != t->k->family)
                return NL_SKIP;

        if (t->want_cmd == DAXMF_CMD_GET_INFO)
                r = daxmf_decode_info(nlh, t->info);
        else if (t->want_cmd == DAXMF_CMD_GET_JOB) {
                r = daxmf_decode_range(nlh, &t->early_done);
                if (r == 0)
                        t->have_done = true;
        } else if (daxmf_decode_range(nlh, &t->early_done) == 0 && t->early_done.done) {
                t->have_done = true;
                return NL_OK;
        } else {
                r = daxmf_decode_accepted(nlh, &t->job_id);
                if (r == 0)
                        t->accepted = true;
        }
        if (r < 0)
                t->error = r;
        /* Wait for the ack that follows the reply. */
        return NL_OK;
}

static int on_ack(struct nl_msg *msg _unused_, void *userdata) {
        struct transaction *t = userdata;

        t->done = true;
        return NL_STOP;
}

static int on_error(struct sockaddr_nl *nla _unused_, struct nlmsgerr *err, void *userdata) {
        struct transaction *t = userdata;
        /* libnl hands over the payload; the header sits right before it. */
        const struct nlmsghdr *nlh = (const struct nlmsghdr *) ((const char *) err - NLMSG_HDRLEN);
        struct daxmf_error e = {};
        int r;

        r = daxmf_decode_error(nlh, &e);
        if (r < 0) {
                e.error = err->error < 0 ? err->error : -EBADMSG;
                e.message[0] = '\0';
        }
        if (t->kernel_error)
                *t->kernel_error = e;
        t->error = e.error;
        t->done = true;
        return NL_STOP;
}

static int transact(struct daxmf_kernel *k, struct nl_msg *msg, struct transaction *t) {
        _cleanup_(nl_cb_putp) struct nl_cb *cb = NULL;
        int r;

        cb = callbacks_new(on_valid, t);
        if (!cb)
                return -ENOMEM;
        nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_ack, t);
        nl_cb_err(cb, NL_CB_CUSTOM, on_error, t);

        r = nl_send_auto(k->sock, msg);
        if (r < 0)
                return -EIO;

        /*
         * The kernel answers inside sendmsg(): reply and ack are queued
         * by now, so this does not wait on the module's work.
         */
        while (!t->done) {
                r = nl_recvmsgs(k->sock, cb);
                if (r < 0 && !t->done)
                        return t->error < 0 ? t->error : -EIO;
        }
        return t->error;
}

static struct nl_msg *new_request(struct daxmf_kernel *k, uint8_t cmd) {
        struct nl_msg *msg;

        msg = nlmsg_alloc();
        if (!msg)
                return NULL;
        if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, k->family, 0,
                         NLM_F_REQUEST | NLM_F_ACK, cmd, DAXMF_GENL_VERSION)) {
                nlmsg_free(msg);
                return NULL;
        }
        return msg;
}

/* Send without waiting; *ret_seq identifies the answer. */
static int send_async(struct daxmf_kernel *k, struct nl_msg *msg, uint32_t *ret_seq) {
        int r;

        r = nl_send_auto(k->sock, msg);
        if (r < 0)
                return r == -NLE_AGAIN ? -EAGAIN : -EIO;
        *ret_seq = nlmsg_hdr(msg)->nlmsg_seq;
        return 0;
}

int daxmf_kernel_get_info(struct daxmf_kernel *k, struct daxmf_info *ret,
                          struct daxmf_error *ret_error) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        struct daxmf_info info = {};
        struct transaction t = {
                .k = k,
                .want_cmd = DAXMF_CMD_GET_INFO,
                .info = &info,
                .kernel_error = ret_error,
        };
        int r;

        msg = new_request(k, DAXMF_CMD_GET_INFO);
        if (!msg)
                return -ENOMEM;

        r = transact(k, msg, &t);
        if (r < 0)
                return r;
        if (info.version[0] == '\0')
                return -EBADMSG;        /* acked without a reply */

        *ret = info;
        return 0;
}

int daxmf_kernel_get_job(struct daxmf_kernel *k, uint64_t cookie, struct daxmf_range_result *ret,
                         struct daxmf_error *ret_error) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        struct transaction t = {
                .k = k,
                .want_cmd = DAXMF_CMD_GET_JOB,
                .kernel_error = ret_error,
        };
        int r;

        msg = new_request(k, DAXMF_CMD_GET_JOB);
        if (!msg)
                return -ENOMEM;
        if (nla_put_u64(msg, DAXMF_ATTR_COOKIE, cookie) < 0)
                return -ENOMEM;

        r = transact(k, msg, &t);
        if (r < 0)
                return r;
        if (!t.have_done || t.early_done.cookie != cookie)
                return -EBADMSG;
        *ret = t.early_done;
        return 0;
}

int daxmf_kernel_send_set_removal_handler(struct daxmf_kernel *k, const uint32_t *timeout_ms, uint32_t *ret_seq) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;

        msg = new_request(k, DAXMF_CMD_SET_REMOVAL_HANDLER);
        if (!msg)
                return -ENOMEM;
        if (timeout_ms && nla_put_u32(msg, DAXMF_ATTR_TIMEOUT_MS, *timeout_ms) < 0)
                return -ENOMEM;
        return send_async(k, msg, ret_seq);
}

int daxmf_kernel_send_removal_ack(struct daxmf_kernel *k, uint64_t id, uint32_t verdict, uint32_t *ret_seq) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;

        msg = new_request(k, DAXMF_CMD_REMOVAL_ACK);
        if (!msg)
                return -ENOMEM;
        if (nla_put_u64(msg, DAXMF_ATTR_REMOVAL_ID, id) < 0 || nla_put_u32(msg, DAXMF_ATTR_VERDICT, verdict) < 0)
                return -ENOMEM;
        return send_async(k, msg, ret_seq);
}

struct job_wait {
        struct daxmf_kernel *k;
        uint64_t job_id;
        struct daxmf_range_result *result;
        bool done;
        int error;
};

static int on_job_message(struct nl_msg *msg, void *userdata) {
        struct job_wait *w = userdata;
        struct nlmsghdr *nlh = nlmsg_hdr(msg);
        struct daxmf_range_result res;

        if (nlh->nlmsg_type != w->k->family)
                return NL_SKIP;
        if (daxmf_decode_range(nlh, &res) < 0) {
                /* Only the job's end is sent to us: unreadable, it is lost. */
                w->error = -EBADMSG;
                return NL_STOP;
        }
        if (!res.done || res.job_id != w->job_id)
                return NL_SKIP;

        *w->result = res;
        w->done = true;
        return NL_STOP;
}

int daxmf_kernel_fail_range(struct daxmf_kernel *k, const struct daxmf_range_request *req,
                            struct daxmf_range_result *ret, struct daxmf_error *ret_error) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        _cleanup_(nl_cb_putp) struct nl_cb *cb = NULL;
        struct daxmf_range_result res = {};
        struct transaction t = {
                .k = k,
                .want_cmd = DAXMF_CMD_FAIL_RANGE,
                .kernel_error = ret_error,
        };
        struct job_wait w = {
                .k = k,
                .result = &res,
        };
        int r;

        msg = new_request(k, DAXMF_CMD_FAIL_RANGE);
        if (!msg)
                return -ENOMEM;

        r = put_range_request(msg, req);
        if (r < 0)
                return r;

        r = transact(k, msg, &t);
        if (r < 0)
                return r;
        if (!t.accepted)
                return -EBADMSG;        /* acked without a reply */
        if (t.have_done && t.early_done.job_id == t.job_id) {
                *ret = t.early_done;
                return 0;
        }

        /*
         * The range runs as a job; its RANGE_DONE comes to this socket.
         * Closing the socket before then cancels the job.
         */
        cb = callbacks_new(on_job_message, &w);
        if (!cb)
                return -ENOMEM;
        w.job_id = t.job_id;
        while (!w.done) {
                r = nl_recvmsgs(k->sock, cb);
                if (w.error < 0)
                        return w.error;
                if (r < 0 && !w.done)
                        /* An overrun drops the message: the job's end is lost to us. */
                        return r == -NLE_NOMEM ? -ENOBUFS : -EIO;
        }

        *ret = res;
        return 0;
}

int daxmf_kernel_open_events(struct daxmf_kernel **ret) {
        _cleanup_(daxmf_kernel_closep) struct daxmf_kernel *k = NULL;
        int group, ctrl_group, r;

        r = daxmf_kernel_open(&k);
        if (r < 0)
                return r;

        group = genl_ctrl_resolve_grp(k->sock, DAXMF_GENL_NAME, DAXMF_GENL_MCGRP_EVENTS);
        if (group < 0)
                return group == -NLE_OBJ_NOTFOUND ? -ENOENT : -EIO;
        /* The controller's notifications say when the module goes away. */
        ctrl_group = genl_ctrl_resolve_grp(k->sock, "nlctrl", "notify");
        if (ctrl_group < 0)
                return -EIO;

        r = nl_socket_add_memberships(k->sock, group, ctrl_group, 0);
        if (r < 0)
                return r == -NLE_PERM ? -EPERM : -EIO;

        *ret = TAKE_PTR(k);
        return 0;
}

int daxmf_kernel_fd(struct daxmf_kernel *k) {
        return nl_socket_get_fd(k->sock);
}

uint32_t daxmf_kernel_portid(struct daxmf_kernel *k) {
        return nl_socket_get_local_port(k->sock);
}

int daxmf_kernel_events_pending(struct daxmf_kernel *k) {
        char c;

        if (recv(nl_socket_get_fd(k->sock), &c, sizeof(c), MSG_PEEK | MSG_DONTWAIT) >= 0)
                return 1;
        return errno == ENOBUFS ? -ENOBUFS : 0;
}

struct event_dispatch {
        struct daxmf_kernel *k;
        const struct daxmf_event_handlers *h;
        void *userdata;
        int error;
};

/* Is this the controller saying the daxmf family was removed? */
static bool is_family_removal(struct nlmsghdr *nlh) {
        struct nlattr *tb[CTRL_ATTR_MAX + 1];
        struct genlmsghdr *gnlh;

        if (nlh->nlmsg_type != GENL_ID_CTRL || !genlmsg_valid_hdr(nlh, 0))
                return false;
        gnlh = nlmsg_data(nlh);
        if (gnlh->cmd != CTRL_CMD_DELFAMILY)
                return false;
        if (genlmsg_parse(nlh, 0, tb, CTRL_ATTR_MAX, NULL) < 0 || !tb[CTRL_ATTR_FAMILY_NAME])
                return false;
        return strcmp(nla_get_string(tb[CTRL_ATTR_FAMILY_NAME]), DAXMF_GENL_NAME) == 0;
}

static int on_event(struct nl_msg *msg, void *userdata) {
        struct event_dispatch *d = userdata;
        struct nlmsghdr *nlh = nlmsg_hdr(msg);
        struct daxmf_memory_failure_lost mf_lost;
        struct daxmf_removal_pending pending;
        struct daxmf_memory_failure mf;
        struct daxmf_range_result ev;
        struct daxmf_removal rm;
        int r;

        if (is_family_removal(nlh)) {
                d->error = -ESHUTDOWN;
                return NL_STOP;
        }

        if (nlh->nlmsg_type != d->k->family)
                return NL_SKIP;         /* other families' notifications */

        if (daxmf_decode_range(nlh, &ev) == 0)
                r = d->h->range ? d->h->range(&ev, d->userdata) : 0;
        else if (daxmf_decode_removal(nlh, &rm) == 0)
                r = d->h->removal ? d->h->removal(&rm, d->userdata) : 0;
        else if (daxmf_decode_removal_pending(nlh, &pending) == 0)
                r = d->h->removal_pending ? d->h->removal_pending(&pending, d->userdata) : 0;
        else if (daxmf_decode_memory_failure(nlh, &mf) == 0)
                r = d->h->memory_failure ? d->h->memory_failure(&mf, d->userdata) : 0;
        else if (daxmf_decode_memory_failure_lost(nlh, &mf_lost) == 0)
                r = d->h->memory_failure_lost ? d->h->memory_failure_lost(&mf_lost, d->userdata) : 0;
        else
                return NL_SKIP;         /* not ours to judge: a newer event kind */
        if (r < 0) {
                d->error = r;
                return NL_STOP;
        }
        return NL_OK;
}

int daxmf_kernel_receive_all_events(struct daxmf_kernel *k, const struct daxmf_event_handlers *h,
                                    void *userdata) {
        _cleanup_(nl_cb_putp) struct nl_cb *cb = NULL;
        struct event_dispatch d = {
                .k = k,
                .h = h,
                .userdata = userdata,
        };
        int r;

        cb = callbacks_new(on_event, &d);
        if (!cb)
                return -ENOMEM;

        r = nl_recvmsgs(k->sock, cb);
        if (d.error < 0)
                return d.error;
        if (r == -NLE_AGAIN)
                return 0;       /* non-blocking, drained */
        if (r < 0)
                return r == -NLE_NOMEM ? -ENOBUFS : -EIO;
        return 0;
}

int daxmf_kernel_set_nonblocking(struct daxmf_kernel *k) {
        return nl_socket_set_nonblocking(k->sock) < 0 ? -EIO : 0;
}

/*
 * Only what the caller gave is sent: the module is the one judge of a
 * request, and says what is missing or wrong.
 */
static int put_range_request(struct nl_msg *msg, const struct daxmf_range_request *req) {
        if ((req->has_pfn && nla_put_u64(msg, DAXMF_ATTR_PFN, req->pfn) < 0) ||
            (req->has_pages && nla_put_u64(msg, DAXMF_ATTR_PAGES, req->pages) < 0) ||
            nla_put_u32(msg, DAXMF_ATTR_FLAGS, req->flags) < 0 ||
            nla_put_u64(msg, DAXMF_ATTR_COOKIE, req->cookie) < 0)
                return -ENOMEM;
        return 0;
}

int daxmf_kernel_send_fail_range(struct daxmf_kernel *k, const struct daxmf_range_request *req,
                                 uint32_t *ret_seq) {
        _cleanup_(nlmsg_freep) struct nl_msg *msg = NULL;
        int r;

        msg = new_request(k, DAXMF_CMD_FAIL_RANGE);
        if (!msg)
                return -ENOMEM;
        r = put_range_request(msg, req);
        if (r < 0)
                return r;

        return send_async(k, msg, ret_seq);
}

struct dispatch {
        struct daxmf_kernel *k;
        const struct daxmf_kernel_handlers *h;
        void *userdata;
};

static int on_async_valid(struct nl_msg *msg, void *userdata) {
        struct dispatch *d = userdata;
        struct nlmsghdr *nlh = nlmsg_hdr(msg);
        struct daxmf_removal_pending pending;
        struct daxmf_range_result res;
        uint32_t portid, timeout_ms;
        uint64_t job_id;

        if (nlh->nlmsg_type != d->k->family)
                return NL_SKIP;
        if (daxmf_decode_removal_pending(nlh, &pending) == 0) {
                if (d->h->removal_pending)
                        d->h->removal_pending(&pending, d->userdata);
        } else if (daxmf_decode_handler(nlh, &portid, &timeout_ms) == 0) {
                if (d->h->handler_set)
                        d->h->handler_set(nlh->nlmsg_seq, portid, timeout_ms, d->userdata);
        } else if (daxmf_decode_accepted(nlh, &job_id) == 0) {
                struct nlattr *tb[DAXMF_ATTR_MAX + 1];
                uint64_t cookie = 0;

                if (genlmsg_parse(nlh, 0, tb, DAXMF_ATTR_MAX, NULL) == 0 && tb[DAXMF_ATTR_COOKIE])
                        cookie = nla_get_u64(tb[DAXMF_ATTR_COOKIE]);
                if (d->h->accepted)
                        d->h->accepted(nlh->nlmsg_seq, job_id, cookie, d->userdata);
        } else if (daxmf_decode_range(nlh, &res) == 0 && res.done) {
                if (d->h->done)
                        d->h->done(&res, d->userdata);
        }
        return NL_OK;
}

static int on_async_error(struct sockaddr_nl *nla _unused_, struct nlmsgerr *err, void *userdata) {
        struct dispatch *d = userdata;
        const struct nlmsghdr *nlh = (const struct nlmsghdr *) ((const char *) err - NLMSG_HDRLEN);
        struct daxmf_error e = {};

        if (daxmf_decode_error(nlh, &e) < 0)
                e.error = err->error < 0 ? err->error : -EBADMSG;
        if (e.error == 0)
                return NL_OK;           /* the ack after an accepted request */
        if (d->h->refused)
                d->h->refused(nlh->nlmsg_seq, &e, d->userdata);
        return NL_OK;
}

static int on_async_ack(struct nl_msg *msg _unused_, void *userdata _unused_) {
        return NL_OK;
}

int daxmf_kernel_dispatch(struct daxmf_kernel *k, const struct daxmf_kernel_handlers *h, void *userdata) {
        _cleanup_(nl_cb_putp) struct nl_cb *cb = NULL;
        struct dispatch d = {
                .k = k,
                .h = h,
                .userdata = userdata,
        };
        int r;

        cb = callbacks_new(on_async_valid, &d);
        if (!cb)
                return -ENOMEM;
        nl_cb_set(cb, NL_CB_ACK, NL_CB_CUSTOM, on_async_ack, &d);
        nl_cb_err(cb, NL_CB_CUSTOM, on_async_error, &d);

        for (;;) {
                r = nl_recvmsgs(k->sock, cb);
                if (r == -NLE_AGAIN)
                        return 0;
                if (r < 0)
                        return r == -NLE_NOMEM ? -ENOBUFS : -EIO;
        }
}
