/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>
#include <linux/daxmf.h>

#include "daxmf-reply.h"
#include "macro.h"

/* libnl checks only a minimum length for integers; the ABI's sizes are exact. */
#define POLICY_U32 { .type = NLA_U32, .maxlen = sizeof(uint32_t) }
#define POLICY_U64 { .type = NLA_U64, .maxlen = sizeof(uint64_t) }

static struct nla_policy reply_policy[DAXMF_ATTR_MAX + 1] = {
        [DAXMF_ATTR_VERSION]            = { .type = NLA_NUL_STRING },
        [DAXMF_ATTR_KERNEL_RELEASE]     = { .type = NLA_NUL_STRING },
        [DAXMF_ATTR_SUPPORTED_FLAGS]    = POLICY_U32,
        [DAXMF_ATTR_MAX_PAGES]          = POLICY_U64,
        [DAXMF_ATTR_BATCH_PAGES]        = POLICY_U64,
        [DAXMF_ATTR_PFN]                = POLICY_U64,
        [DAXMF_ATTR_PAGES]              = POLICY_U64,
        [DAXMF_ATTR_FLAGS]              = POLICY_U32,
        [DAXMF_ATTR_COOKIE]             = POLICY_U64,
        [DAXMF_ATTR_PAGES_DONE]         = POLICY_U64,
        [DAXMF_ATTR_PAGES_FAILED]       = POLICY_U64,
        [DAXMF_ATTR_FIRST_ERROR]        = POLICY_U32,
        [DAXMF_ATTR_FIRST_ERROR_PFN]    = POLICY_U64,
        [DAXMF_ATTR_PATHS]              = POLICY_U32,
        [DAXMF_ATTR_PAGEMAP_PAGES]      = POLICY_U64,
        [DAXMF_ATTR_PER_PAGE_PAGES]     = POLICY_U64,
        [DAXMF_ATTR_BATCHES]            = POLICY_U64,
        [DAXMF_ATTR_ELAPSED_NS]         = POLICY_U64,
        [DAXMF_ATTR_STATUS]             = POLICY_U32,
        [DAXMF_ATTR_REQUESTER_PORTID]   = POLICY_U32,
        [DAXMF_ATTR_JOB_ID]             = POLICY_U64,
        [DAXMF_ATTR_PAGES_UNMAPPED]     = POLICY_U64,
        [DAXMF_ATTR_PAGE_SHIFT]         = POLICY_U32,
        [DAXMF_ATTR_MAX_JOBS]           = POLICY_U32,
        [DAXMF_ATTR_JOBS_RUNNING]       = POLICY_U32,
        [DAXMF_ATTR_HISTORY_JOBS]       = POLICY_U32,
        [DAXMF_ATTR_DEVICE]             = { .type = NLA_NUL_STRING },
        [DAXMF_ATTR_REMOVAL_MODE]       = POLICY_U32,
        [DAXMF_ATTR_REMOVAL_ID]         = POLICY_U64,
        [DAXMF_ATTR_TIMEOUT_MS]         = POLICY_U32,
        [DAXMF_ATTR_VERDICT]            = POLICY_U32,
        [DAXMF_ATTR_HANDSHAKE]          = POLICY_U32,
        [DAXMF_ATTR_HANDLER_PORTID]     = POLICY_U32,
        [DAXMF_ATTR_WAITED_NS]          = POLICY_U64,
        [DAXMF_ATTR_MF_SEQ]             = POLICY_U64,
        [DAXMF_ATTR_MF_EVENTS]          = POLICY_U64,
        [DAXMF_ATTR_MF_PAGE_TYPE]       = POLICY_U32,
        [DAXMF_ATTR_MF_PAGE_TYPE_NAME]  = { .type = NLA_NUL_STRING },
        [DAXMF_ATTR_MF_RESULT]          = POLICY_U32,
        [DAXMF_ATTR_MF_RESULT_NAME]     = { .type = NLA_NUL_STRING },
        [DAXMF_ATTR_MF_ORIGIN]          = POLICY_U32,
        [DAXMF_ATTR_FIRST_NS]           = POLICY_U64,
        [DAXMF_ATTR_LAST_NS]            = POLICY_U64,
        [DAXMF_ATTR_MF_LOST]            = POLICY_U64,
        [DAXMF_ATTR_MF_WATCH]           = POLICY_U32,
        [DAXMF_ATTR_MF_RECORDS]         = POLICY_U32,
        [DAXMF_ATTR_MF_WINDOW_MS]       = POLICY_U32,
        [DAXMF_ATTR_MF_MAX_DELAY_MS]    = POLICY_U32,
        [DAXMF_ATTR_MF_EVENTS_TOTAL]    = POLICY_U64,
        [DAXMF_ATTR_MF_LOST_TOTAL]      = POLICY_U64,
        [DAXMF_ATTR_MF_REPORTED]        = POLICY_U64,
};

/* Parse a daxmf message; the command must be one of cmd_a, cmd_b. */
static int parse(const struct nlmsghdr *nlh, uint8_t cmd_a, uint8_t cmd_b,
                 uint8_t *ret_cmd, struct nlattr *tb[static DAXMF_ATTR_MAX + 1]) {
        const struct genlmsghdr *gnlh;
        struct nlmsghdr *h = (struct nlmsghdr *) nlh;

        if (!nlh || nlh->nlmsg_len < NLMSG_HDRLEN || !genlmsg_valid_hdr(h, 0))
                return -EBADMSG;

        gnlh = nlmsg_data(h);
        if (gnlh->cmd != cmd_a && gnlh->cmd != cmd_b)
                return -EBADMSG;

        if (genlmsg_parse(h, 0, tb, DAXMF_ATTR_MAX, reply_policy) < 0)
                return -EBADMSG;

        *ret_cmd = gnlh->cmd;
        return 0;
}

/*
 * A name attribute: libnl does not check NLA_NUL_STRING's terminator, so
 * here: not empty, NUL-terminated, no NUL inside, fits buf.
 */
static int copy_name(const struct nlattr *a, char *buf, size_t size) {
        const char *s = nla_data(a);
        int len = nla_len(a);

        if (len < 2 || s[len - 1] != '\0' || strlen(s) != (size_t) len - 1 || (size_t) len > size)
                return -EBADMSG;
        memcpy(buf, s, (size_t) len);
        return 0;
}

static bool has_all(struct nlattr *tb[], const int *types, size_t n) {
        for (size_t i = 0; i < n; i++)
                if (!tb[types[i]])
                        return false;
        return true;
}

/*
 * The memory-failure fields, absent from modules without them.  MF_WATCH
 * says the module has them: then the rest must come too, or the module
 * would seem to follow the kernel's failures and report none of them.
 */
static int decode_info_mf(struct nlattr *tb[], struct daxmf_info *info) {
        static const int required[] = {
                DAXMF_ATTR_MF_RECORDS, DAXMF_ATTR_MF_WINDOW_MS, DAXMF_ATTR_MF_MAX_DELAY_MS,
                DAXMF_ATTR_MF_EVENTS_TOTAL, DAXMF_ATTR_MF_LOST_TOTAL,
        };
        uint32_t watch;

        if (!tb[DAXMF_ATTR_MF_WATCH])
                return 0;
        if (!has_all(tb, required, ELEMENTSOF(required)))
                return -EBADMSG;

        watch = nla_get_u32(tb[DAXMF_ATTR_MF_WATCH]);
        info->has_mf = true;
        info->mf_watch = watch != 0;
        info->mf_records = nla_get_u32(tb[DAXMF_ATTR_MF_RECORDS]);
        info->mf_window_ms = nla_get_u32(tb[DAXMF_ATTR_MF_WINDOW_MS]);
        info->mf_max_delay_ms = nla_get_u32(tb[DAXMF_ATTR_MF_MAX_DELAY_MS]);
        info->mf_events_total = nla_get_u64(tb[DAXMF_ATTR_MF_EVENTS_TOTAL]);
        info->mf_lost_total = nla_get_u64(tb[DAXMF_ATTR_MF_LOST_TOTAL]);
        /* A flag, and "of which dropped": anything else is no module's answer. */
        if (watch > 1 || info->mf_lost_total > info->mf_events_total)
                return -EBADMSG;
        if (tb[DAXMF_ATTR_MF_REPORTED]) {
                info->has_mf_reported = true;
                info->mf_reported = nla_get_u64(tb[DAXMF_ATTR_MF_REPORTED]);
        }
        return 0;
}

int daxmf_decode_info(const struct nlmsghdr *nlh, struct daxmf_info *ret) {
        static const int required[] = {
                DAXMF_ATTR_VERSION, DAXMF_ATTR_KERNEL_RELEASE,
                DAXMF_ATTR_SUPPORTED_FLAGS, DAXMF_ATTR_MAX_PAGES,
                DAXMF_ATTR_BATCH_PAGES, DAXMF_ATTR_PAGE_SHIFT,
                DAXMF_ATTR_MAX_JOBS, DAXMF_ATTR_JOBS_RUNNING,
        };
        struct nlattr *tb[DAXMF_ATTR_MAX + 1];
        struct daxmf_info info = {};
        uint8_t cmd;
        int r;

        r = parse(nlh, DAXMF_CMD_GET_INFO, DAXMF_CMD_GET_INFO, &cmd, tb);
        if (r < 0)
                return r;
        if (!has_all(tb, required, ELEMENTSOF(required)))
                return -EBADMSG;

        if (copy_name(tb[DAXMF_ATTR_VERSION], info.version, sizeof(info.version)) < 0 ||
            copy_name(tb[DAXMF_ATTR_KERNEL_RELEASE], info.kernel_release, sizeof(info.kernel_release)) < 0)
                return -EBADMSG;
        info.supported_flags = nla_get_u32(tb[DAXMF_ATTR_SUPPORTED_FLAGS]);
        info.max_pages = nla_get_u64(tb[DAXMF_ATTR_MAX_PAGES]);
        info.batch_pages = nla_get_u64(tb[DAXMF_ATTR_BATCH_PAGES]);
        info.page_shift = nla_get_u32(tb[DAXMF_ATTR_PAGE_SHIFT]);
        info.max_jobs = nla_get_u32(tb[DAXMF_ATTR_MAX_JOBS]);
        info.jobs_running = nla_get_u32(tb[DAXMF_ATTR_JOBS_RUNNING]);
        /* Absent from modules without the removal handshake. */
        if (tb[DAXMF_ATTR_HANDLER_PORTID] && tb[DAXMF_ATTR_TIMEOUT_MS]) {
                info.has_handshake = true;
                info.handler_portid = nla_get_u32(tb[DAXMF_ATTR_HANDLER_PORTID]);
                info.removal_timeout_ms = nla_get_u32(tb[DAXMF_ATTR_TIMEOUT_MS]);
        }
        if (info.page_shift < 12 || info.page_shift > 30)
                return -EBADMSG;
        r = decode_info_mf(tb, &info);
        if (r < 0)
                return r;

        *ret = info;
        return 0;
}

int daxmf_decode_range(const struct nlmsghdr *nlh, struct daxmf_range_result *ret) {
        static const int required[] = {
                DAXMF_ATTR_JOB_ID, DAXMF_ATTR_COOKIE, DAXMF_ATTR_PFN,
                DAXMF_ATTR_PAGES, DAXMF_ATTR_FLAGS, DAXMF_ATTR_PAGES_DONE,
                DAXMF_ATTR_PAGES_FAILED, DAXMF_ATTR_PAGES_UNMAPPED,
                DAXMF_ATTR_ELAPSED_NS,
        };
        static const int required_done[] = {
                DAXMF_ATTR_STATUS, DAXMF_ATTR_FIRST_ERROR,
                DAXMF_ATTR_FIRST_ERROR_PFN, DAXMF_ATTR_PATHS,
                DAXMF_ATTR_PAGEMAP_PAGES, DAXMF_ATTR_PER_PAGE_PAGES,
                DAXMF_ATTR_BATCHES,
        };
        struct nlattr *tb[DAXMF_ATTR_MAX + 1];
        struct daxmf_range_result res = {};
        uint8_t cmd;
        int r;

        r = parse(nlh, DAXMF_CMD_RANGE_DONE, DAXMF_CMD_RANGE_PROGRESS, &cmd, tb);
        if (r < 0)
                return r;
        if (!has_all(tb, required, ELEMENTSOF(required)))
                return -EBADMSG;

        res.done = cmd == DAXMF_CMD_RANGE_DONE;
        res.job_id = nla_get_u64(tb[DAXMF_ATTR_JOB_ID]);
        res.cookie = nla_get_u64(tb[DAXMF_ATTR_COOKIE]);
        res.pfn = nla_get_u64(tb[DAXMF_ATTR_PFN]);
        res.pages = nla_get_u64(tb[DAXMF_ATTR_PAGES]);
        res.flags = nla_get_u32(tb[DAXMF_ATTR_FLAGS]);
        if (tb[DAXMF_ATTR_REQUESTER_PORTID])
                res.portid = nla_get_u32(tb[DAXMF_ATTR_REQUESTER_PORTID]);
        res.pages_done = nla_get_u64(tb[DAXMF_ATTR_PAGES_DONE]);
        res.pages_failed = nla_get_u64(tb[DAXMF_ATTR_PAGES_FAILED]);
        res.pages_unmapped = nla_get_u64(tb[DAXMF_ATTR_PAGES_UNMAPPED]);
        res.elapsed_ns = nla_get_u64(tb[DAXMF_ATTR_ELAPSED_NS]);

        /*
         * Only structural checks: counters that cannot be (more pages done
         * than asked for).  How the module splits them may change.
         */
        if (res.pages_done > res.pages || res.pages_failed > res.pages_done ||
            res.pages_unmapped > res.pages_done)
                return -EBADMSG;

        if (res.done) {
                if (!has_all(tb, required_done, ELEMENTSOF(required_done)))
                        return -EBADMSG;
                res.status = (int32_t) nla_get_u32(tb[DAXMF_ATTR_STATUS]);
                res.first_error = (int32_t) nla_get_u32(tb[DAXMF_ATTR_FIRST_ERROR]);
                res.first_error_pfn = nla_get_u64(tb[DAXMF_ATTR_FIRST_ERROR_PFN]);
                res.paths = nla_get_u32(tb[DAXMF_ATTR_PATHS]);
                res.pagemap_pages = nla_get_u64(tb[DAXMF_ATTR_PAGEMAP_PAGES]);
                res.per_page_pages = nla_get_u64(tb[DAXMF_ATTR_PER_PAGE_PAGES]);
                res.batches = nla_get_u64(tb[DAXMF_ATTR_BATCHES]);
                if (res.status > 0 || res.first_error > 0 ||
                    res.pagemap_pages > res.pages_done || res.per_page_pages > res.pages_done)
                        return -EBADMSG;
        }

        *ret = res;
        return 0;
}

int daxmf_decode_removal(const struct nlmsghdr *nlh, struct daxmf_removal *ret) {
        static const int required[] = {
                DAXMF_ATTR_DEVICE, DAXMF_ATTR_REMOVAL_MODE, DAXMF_ATTR_PFN, DAXMF_ATTR_PAGES,
                DAXMF_ATTR_PAGES_DONE, DAXMF_ATTR_PAGES_FAILED, DAXMF_ATTR_PAGES_UNMAPPED,
                DAXMF_ATTR_STATUS, DAXMF_ATTR_ELAPSED_NS,
        };
        struct nlattr *tb[DAXMF_ATTR_MAX + 1];
        struct daxmf_removal rm = {};
        uint8_t cmd;
        int r;

        r = parse(nlh, DAXMF_CMD_REMOVAL, DAXMF_CMD_REMOVAL, &cmd, tb);
        if (r < 0)
                return r;
        if (!has_all(tb, required, ELEMENTSOF(required)))
                return -EBADMSG;
        if (copy_name(tb[DAXMF_ATTR_DEVICE], rm.device, sizeof(rm.device)) < 0)
                return -EBADMSG;
        rm.mode = nla_get_u32(tb[DAXMF_ATTR_REMOVAL_MODE]);
        rm.pfn = nla_get_u64(tb[DAXMF_ATTR_PFN]);
        rm.pages = nla_get_u64(tb[DAXMF_ATTR_PAGES]);
        rm.pages_done = nla_get_u64(tb[DAXMF_ATTR_PAGES_DONE]);
        rm.pages_failed = nla_get_u64(tb[DAXMF_ATTR_PAGES_FAILED]);
        rm.pages_unmapped = nla_get_u64(tb[DAXMF_ATTR_PAGES_UNMAPPED]);
        rm.status = (int32_t) nla_get_u32(tb[DAXMF_ATTR_STATUS]);
        rm.elapsed_ns = nla_get_u64(tb[DAXMF_ATTR_ELAPSED_NS]);
        if (tb[DAXMF_ATTR_REMOVAL_ID] && tb[DAXMF_ATTR_HANDSHAKE] && tb[DAXMF_ATTR_WAITED_NS]) {
                rm.has_handshake = true;
                rm.id = nla_get_u64(tb[DAXMF_ATTR_REMOVAL_ID]);
                rm.handshake = nla_get_u32(tb[DAXMF_ATTR_HANDSHAKE]);
                rm.waited_ns = nla_get_u64(tb[DAXMF_ATTR_WAITED_NS]);
                if (tb[DAXMF_ATTR_VERDICT])
                        rm.verdict = nla_get_u32(tb[DAXMF_ATTR_VERDICT]);
        }
        if (rm.pages == 0 || rm.pfn + rm.pages < rm.pfn || rm.pages_done > rm.pages ||
            rm.pages_failed > rm.pages_done || rm.pages_unmapped > rm.pages_done || rm.status > 0)
                return -EBADMSG;

        *ret = rm;
        return 0;
}

int daxmf_decode_removal_pending(const struct nlmsghdr *nlh, struct daxmf_removal_pending *ret) {
        static const int required[] = {
                DAXMF_ATTR_REMOVAL_ID, DAXMF_ATTR_DEVICE, DAXMF_ATTR_PFN, DAXMF_ATTR_PAGES,
                DAXMF_ATTR_REMOVAL_MODE, DAXMF_ATTR_TIMEOUT_MS,
        };
        struct nlattr *tb[DAXMF_ATTR_MAX + 1];
        struct daxmf_removal_pending p = {};
        uint8_t cmd;
        int r;

        r = parse(nlh, DAXMF_CMD_REMOVAL_PENDING, DAXMF_CMD_REMOVAL_PENDING, &cmd, tb);
        if (r < 0)
                return r;
        if (!has_all(tb, required, ELEMENTSOF(required)))
                return -EBADMSG;
        if (copy_name(tb[DAXMF_ATTR_DEVICE], p.device, sizeof(p.device)) < 0)
                return -EBADMSG;
        p.id = nla_get_u64(tb[DAXMF_ATTR_REMOVAL_ID]);
        p.pfn = nla_get_u64(tb[DAXMF_ATTR_PFN]);
        p.pages = nla_get_u64(tb[DAXMF_ATTR_PAGES]);
        p.mode = nla_get_u32(tb[DAXMF_ATTR_REMOVAL_MODE]);
        p.timeout_ms = nla_get_u32(tb[DAXMF_ATTR_TIMEOUT_MS]);
        if (p.pages == 0 || p.pfn + p.pages < p.pfn)
                return -EBADMSG;

        *ret = p;
        return 0;
}

int daxmf_decode_memory_failure(const struct nlmsghdr *nlh, struct daxmf_memory_failure *ret) {
        static const int required[] = {
                DAXMF_ATTR_MF_SEQ, DAXMF_ATTR_PFN, DAXMF_ATTR_PAGES, DAXMF_ATTR_MF_EVENTS,
                DAXMF_ATTR_MF_PAGE_TYPE, DAXMF_ATTR_MF_PAGE_TYPE_NAME, DAXMF_ATTR_MF_RESULT,
                DAXMF_ATTR_MF_RESULT_NAME, DAXMF_ATTR_MF_ORIGIN, DAXMF_ATTR_FIRST_NS, DAXMF_ATTR_LAST_NS,
        };
        static const int required_job[] = {
                DAXMF_ATTR_JOB_ID, DAXMF_ATTR_COOKIE, DAXMF_ATTR_REQUESTER_PORTID,
        };
        struct nlattr *tb[DAXMF_ATTR_MAX + 1];
        struct daxmf_memory_failure mf = {};
        uint8_t cmd;
        int r;

        r = parse(nlh, DAXMF_CMD_MEMORY_FAILURE, DAXMF_CMD_MEMORY_FAILURE, &cmd, tb);
        if (r < 0)
                return r;
        if (!has_all(tb, required, ELEMENTSOF(required)))
                return -EBADMSG;
        if (copy_name(tb[DAXMF_ATTR_MF_PAGE_TYPE_NAME], mf.page_type_name, sizeof(mf.page_type_name)) < 0 ||
            copy_name(tb[DAXMF_ATTR_MF_RESULT_NAME], mf.result_name, sizeof(mf.result_name)) < 0)
                return -EBADMSG;
        mf.seq = nla_get_u64(tb[DAXMF_ATTR_MF_SEQ]);
        if (tb[DAXMF_ATTR_MF_REPORTED]) {
                mf.has_reported = true;
                mf.reported = nla_get_u64(tb[DAXMF_ATTR_MF_REPORTED]);
        }
        mf.pfn = nla_get_u64(tb[DAXMF_ATTR_PFN]);
        mf.pages = nla_get_u64(tb[DAXMF_ATTR_PAGES]);
        mf.events = nla_get_u64(tb[DAXMF_ATTR_MF_EVENTS]);
        mf.page_type = nla_get_u32(tb[DAXMF_ATTR_MF_PAGE_TYPE]);
        mf.result = nla_get_u32(tb[DAXMF_ATTR_MF_RESULT]);
        mf.origin = nla_get_u32(tb[DAXMF_ATTR_MF_ORIGIN]);
        mf.first_ns = nla_get_u64(tb[DAXMF_ATTR_FIRST_NS]);
        mf.last_ns = nla_get_u64(tb[DAXMF_ATTR_LAST_NS]);
        if (!daxmf_mf_origin_name(mf.origin))
                return -EBADMSG;
        /* Whose job it was matters only for the module's own ranges; elsewhere not even read. */
        if (mf.origin == DAXMF_MF_ORIGIN_FAIL_RANGE) {
                if (!has_all(tb, required_job, ELEMENTSOF(required_job)))
                        return -EBADMSG;
                mf.job_id = nla_get_u64(tb[DAXMF_ATTR_JOB_ID]);
                mf.cookie = nla_get_u64(tb[DAXMF_ATTR_COOKIE]);
                mf.requester_portid = nla_get_u32(tb[DAXMF_ATTR_REQUESTER_PORTID]);
        }
        /*
         * Numbered from 1; every event is one page at least; the last event
         * of a range is never before its first (the module keeps the later).
         */
        if (mf.seq == 0 || mf.pages == 0 || mf.pfn + mf.pages < mf.pfn || mf.events < mf.pages ||
            mf.last_ns < mf.first_ns || (mf.has_reported && mf.reported < mf.events))
                return -EBADMSG;

        *ret = mf;
        return 0;
}

int daxmf_decode_memory_failure_lost(const struct nlmsghdr *nlh, struct daxmf_memory_failure_lost *ret) {
        static const int required[] = {
                DAXMF_ATTR_MF_SEQ, DAXMF_ATTR_MF_LOST, DAXMF_ATTR_PFN, DAXMF_ATTR_PAGES,
        };
        struct nlattr *tb[DAXMF_ATTR_MAX + 1];
        struct daxmf_memory_failure_lost lost = {};
        uint8_t cmd;
        int r;

        r = parse(nlh, DAXMF_CMD_MEMORY_FAILURE_LOST, DAXMF_CMD_MEMORY_FAILURE_LOST, &cmd, tb);
        if (r < 0)
                return r;
        if (!has_all(tb, required, ELEMENTSOF(required)))
                return -EBADMSG;
        lost.seq = nla_get_u64(tb[DAXMF_ATTR_MF_SEQ]);
        if (tb[DAXMF_ATTR_MF_REPORTED]) {
                lost.has_reported = true;
                lost.reported = nla_get_u64(tb[DAXMF_ATTR_MF_REPORTED]);
        }
        lost.lost = nla_get_u64(tb[DAXMF_ATTR_MF_LOST]);
        lost.pfn = nla_get_u64(tb[DAXMF_ATTR_PFN]);
        lost.pages = nla_get_u64(tb[DAXMF_ATTR_PAGES]);
        /* The span runs from the lowest pfn lost to the highest: a page at least. */
        if (lost.seq == 0 || lost.lost == 0 || lost.pages == 0 || lost.pfn + lost.pages < lost.pfn ||
            (lost.has_reported && lost.reported < lost.lost))
                return -EBADMSG;

        *ret = lost;
        return 0;
}

const char *daxmf_mf_origin_name(uint32_t origin) {
        switch (origin) {
        case DAXMF_MF_ORIGIN_KERNEL:
                return "kernel";
        case DAXMF_MF_ORIGIN_FAIL_RANGE:
                return "fail-range";
        case DAXMF_MF_ORIGIN_REMOVAL:
                return "removal";
        default:
                return NULL;
        }
}

int daxmf_decode_handler(const struct nlmsghdr *nlh, uint32_t *ret_portid, uint32_t *ret_timeout_ms) {
        static const int required[] = { DAXMF_ATTR_HANDLER_PORTID, DAXMF_ATTR_TIMEOUT_MS };
        struct nlattr *tb[DAXMF_ATTR_MAX + 1];
        uint8_t cmd;
        int r;

        r = parse(nlh, DAXMF_CMD_SET_REMOVAL_HANDLER, DAXMF_CMD_SET_REMOVAL_HANDLER, &cmd, tb);
        if (r < 0)
                return r;
        if (!has_all(tb, required, ELEMENTSOF(required)))
                return -EBADMSG;
        *ret_portid = nla_get_u32(tb[DAXMF_ATTR_HANDLER_PORTID]);
        *ret_timeout_ms = nla_get_u32(tb[DAXMF_ATTR_TIMEOUT_MS]);
        return 0;
}

int daxmf_decode_accepted(const struct nlmsghdr *nlh, uint64_t *ret_job_id) {
        static const int required[] = { DAXMF_ATTR_JOB_ID, DAXMF_ATTR_COOKIE };
        struct nlattr *tb[DAXMF_ATTR_MAX + 1];
        uint8_t cmd;
        int r;

        r = parse(nlh, DAXMF_CMD_FAIL_RANGE, DAXMF_CMD_FAIL_RANGE, &cmd, tb);
        if (r < 0)
                return r;
        if (!has_all(tb, required, ELEMENTSOF(required)))
                return -EBADMSG;

        *ret_job_id = nla_get_u64(tb[DAXMF_ATTR_JOB_ID]);
        return 0;
}

int daxmf_decode_error(const struct nlmsghdr *nlh, struct daxmf_error *ret) {
        static struct nla_policy ack_policy[NLMSGERR_ATTR_MAX + 1] = {
                [NLMSGERR_ATTR_MSG]       = { .type = NLA_NUL_STRING },
                [NLMSGERR_ATTR_OFFS]      = { .type = NLA_U32 },
                [NLMSGERR_ATTR_COOKIE]    = { .type = NLA_UNSPEC },
                [NLMSGERR_ATTR_MISS_TYPE] = { .type = NLA_U32 },
                [NLMSGERR_ATTR_MISS_NEST] = { .type = NLA_U32 },
        };
        struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
        struct daxmf_error e = {};
        const struct nlmsgerr *err;
        size_t len, off;

        if (!nlh || nlh->nlmsg_len < NLMSG_HDRLEN + sizeof(*err) ||
            nlh->nlmsg_type != NLMSG_ERROR)
                return -EBADMSG;

        err = NLMSG_DATA(nlh);
        if (err->error > 0)
                return -EBADMSG;
        e.error = err->error;

        len = nlh->nlmsg_len - NLMSG_HDRLEN;
        off = sizeof(*err);
        if (!(nlh->nlmsg_flags & NLM_F_CAPPED)) {
                /* The whole request is echoed before the TLVs. */
                if (err->msg.nlmsg_len < NLMSG_HDRLEN)
                        return -EBADMSG;
                off += NLMSG_ALIGN(err->msg.nlmsg_len) - NLMSG_HDRLEN;
        }

        if ((nlh->nlmsg_flags & NLM_F_ACK_TLVS) && off < len) {
                if (nla_parse(tb, NLMSGERR_ATTR_MAX,
                              (struct nlattr *) ((const char *) err + off),
                              (int) (len - off), ack_policy) < 0)
                        return -EBADMSG;

                if (tb[NLMSGERR_ATTR_MSG]) {
                        nla_strlcpy(e.message, tb[NLMSGERR_ATTR_MSG], sizeof(e.message));
                        /* The kernel's messages end without a newline; keep it that way. */
                        e.message[strcspn(e.message, "\n")] = '\0';
                }
                if (tb[NLMSGERR_ATTR_COOKIE] && nla_len(tb[NLMSGERR_ATTR_COOKIE]) == sizeof(uint64_t)) {
                        memcpy(&e.pfn, nla_data(tb[NLMSGERR_ATTR_COOKIE]), sizeof(e.pfn));
                        e.has_pfn = true;
                }
                if (tb[NLMSGERR_ATTR_MISS_TYPE])
                        e.missing_attr = nla_get_u32(tb[NLMSGERR_ATTR_MISS_TYPE]);
        } else if (off > len)
                return -EBADMSG;

        *ret = e;
        return 0;
}

const char *daxmf_flag_name(uint32_t bit) {
        switch (bit) {
        case DAXMF_FLAG_ACTION_REQUIRED:
                return "action-required";
        case DAXMF_FLAG_ALLOW_RAM:
                return "allow-ram";
        case DAXMF_FLAG_PER_PAGE:
                return "per-page";
        case DAXMF_FLAG_SIMULATED:
                return "simulated";
        case DAXMF_FLAG_REMOVAL:
                return "removal";
        default:
                return NULL;
        }
}

const char *daxmf_path_name(uint32_t bit) {
        switch (bit) {
        case DAXMF_PATH_PAGEMAP:
                return "pagemap";
        case DAXMF_PATH_PER_PAGE:
                return "per-page";
        case DAXMF_PATH_RAM:
                return "ram";
        default:
                return NULL;
        }
}

const char *daxmf_removal_mode_name(uint32_t mode) {
        switch (mode) {
        case DAXMF_REMOVAL_FAILED_PAGES:
                return "failed-pages";
        case DAXMF_REMOVAL_HOLDER_WALK:
                return "holder-walk";
        case DAXMF_REMOVAL_HANDLER_FAILED:
                return "handler-failed";
        default:
                return "unknown";
        }
}

const char *daxmf_handshake_name(uint32_t handshake) {
        switch (handshake) {
        case DAXMF_HANDSHAKE_NO_HANDLER:
                return "no-handler";
        case DAXMF_HANDSHAKE_ACKED:
                return "acknowledged";
        case DAXMF_HANDSHAKE_TIMEOUT:
                return "timeout";
        case DAXMF_HANDSHAKE_HANDLER_GONE:
                return "handler-gone";
        case DAXMF_HANDSHAKE_ABORTED:
                return "aborted";
        case DAXMF_HANDSHAKE_UNDELIVERED:
                return "undelivered";
        default:
                return "unknown";
        }
}

const char *daxmf_verdict_name(uint32_t verdict) {
        switch (verdict) {
        case 0:
                return "none";
        case DAXMF_VERDICT_FAILED:
                return "failed";
        case DAXMF_VERDICT_RECORDED:
                return "recorded";
        default:
                return "unknown";
        }
}
