/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The decoders of the kernel's memory failures: MEMORY_FAILURE, MEMORY_FAILURE_LOST, GET_INFO's fields. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <linux/daxmf.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "daxmf-reply.h"
#include "macro.h"

/* Any id will do: the decoders leave checking the family to the socket. */
#define FAMILY_ID 0x20

DEFINE_TRIVIAL_CLEANUP_FUNC(struct nl_msg *, nlmsg_free);
#define _cleanup_nlmsg_ _cleanup_(nlmsg_freep)

static struct nl_msg *new_message(uint8_t cmd) {
        struct nl_msg *m = nlmsg_alloc();

        assert_non_null(m);
        assert_non_null(genlmsg_put(m, 0, 0, FAMILY_ID, 0, 0, cmd, DAXMF_GENL_VERSION));
        return m;
}

/* An attribute of raw bytes: what a broken or hostile sender could put. */
static void put_raw(struct nl_msg *m, int type, const void *data, int len) {
        assert_int_equal(nla_put(m, type, len, data), 0);
}

/* ---- MEMORY_FAILURE ---- */

/* 300 pages of fsdax poisoned through hwpoison-inject, one of them twice. */
static const struct daxmf_memory_failure kernel_mf = {
        .seq = 3,
        .pfn = 0x240000,
        .pages = 300,
        .events = 301,
        .page_type = 17,
        .page_type_name = "dax page",
        .result = 3,
        .result_name = "Recovered",
        .origin = DAXMF_MF_ORIGIN_KERNEL,
        .first_ns = UINT64_C(1764019805123456789),
        .last_ns = UINT64_C(1764019805173456789),
};

/* Four pages of another requester's FAIL_RANGE job. */
static const struct daxmf_memory_failure job_mf = {
        .seq = UINT64_MAX,
        .pfn = 0x40018,
        .pages = 4,
        .events = 4,
        .page_type = 17,
        .page_type_name = "dax page",
        .result = 1,
        .result_name = "Failed",
        .origin = DAXMF_MF_ORIGIN_FAIL_RANGE,
        .first_ns = 1000,
        .last_ns = 1000,
        .job_id = UINT64_C(0x8000000000000001),
        .cookie = 7,
        .requester_portid = 4242,
};

/*
 * What the module sends for mf: JOB_ID, COOKIE and REQUESTER_PORTID when
 * with_job, nothing of type omit.
 */
static struct nl_msg *mf_message(uint8_t cmd, const struct daxmf_memory_failure *mf, bool with_job, int omit) {
        struct nl_msg *m = new_message(cmd);

#define PUT(type, put, value)                                                   \
        do {                                                                    \
                if (omit != (type))                                             \
                        assert_int_equal(put(m, (type), (value)), 0);           \
        } while (0)

        /* nla_put_u64_64bit() may put an empty PAD first; it must be ignored. */
        assert_int_equal(nla_put(m, DAXMF_ATTR_PAD, 0, NULL), 0);
        PUT(DAXMF_ATTR_MF_SEQ, nla_put_u64, mf->seq);
        PUT(DAXMF_ATTR_PFN, nla_put_u64, mf->pfn);
        PUT(DAXMF_ATTR_PAGES, nla_put_u64, mf->pages);
        PUT(DAXMF_ATTR_MF_EVENTS, nla_put_u64, mf->events);
        PUT(DAXMF_ATTR_MF_PAGE_TYPE, nla_put_u32, mf->page_type);
        PUT(DAXMF_ATTR_MF_PAGE_TYPE_NAME, nla_put_string, mf->page_type_name);
        PUT(DAXMF_ATTR_MF_RESULT, nla_put_u32, mf->result);
        PUT(DAXMF_ATTR_MF_RESULT_NAME, nla_put_string, mf->result_name);
        PUT(DAXMF_ATTR_MF_ORIGIN, nla_put_u32, mf->origin);
        PUT(DAXMF_ATTR_FIRST_NS, nla_put_u64, mf->first_ns);
        PUT(DAXMF_ATTR_LAST_NS, nla_put_u64, mf->last_ns);
        if (with_job) {
                PUT(DAXMF_ATTR_JOB_ID, nla_put_u64, mf->job_id);
                PUT(DAXMF_ATTR_COOKIE, nla_put_u64, mf->cookie);
                PUT(DAXMF_ATTR_REQUESTER_PORTID, nla_put_u32, mf->requester_portid);
        }
#undef PUT
        return m;
}

#define assert_mf_fails(nlh)                                                    \
        do {                                                                    \
                struct daxmf_memory_failure _got, _before;                      \
                memset(&_got, 0xa5, sizeof(_got));                              \
                memset(&_before, 0xa5, sizeof(_before));                        \
                assert_int_equal(daxmf_decode_memory_failure((nlh), &_got), -EBADMSG); \
                assert_memory_equal(&_got, &_before, sizeof(_got));             \
        } while (0)

static void assert_mf_message_fails(const struct daxmf_memory_failure *mf) {
        _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, mf, true, 0);

        assert_mf_fails(nlmsg_hdr(m));
}

/* The message for mf decodes, and to exactly mf. */
static void assert_mf_message_decodes(const struct daxmf_memory_failure *mf) {
        _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, mf, true, 0);
        struct daxmf_memory_failure got;

        memset(&got, 0xa5, sizeof(got));
        assert_int_equal(daxmf_decode_memory_failure(nlmsg_hdr(m), &got), 0);
        assert_int_equal(got.seq, mf->seq);
        assert_int_equal(got.pfn, mf->pfn);
        assert_int_equal(got.pages, mf->pages);
        assert_int_equal(got.events, mf->events);
        assert_int_equal(got.page_type, mf->page_type);
        assert_string_equal(got.page_type_name, mf->page_type_name);
        assert_int_equal(got.result, mf->result);
        assert_string_equal(got.result_name, mf->result_name);
        assert_int_equal(got.origin, mf->origin);
        assert_int_equal(got.first_ns, mf->first_ns);
        assert_int_equal(got.last_ns, mf->last_ns);
}

static void test_mf_kernel(void **state) {
        _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &kernel_mf, false, 0);
        struct daxmf_memory_failure mf;

        memset(&mf, 0xa5, sizeof(mf));
        assert_int_equal(daxmf_decode_memory_failure(nlmsg_hdr(m), &mf), 0);
        assert_int_equal(mf.seq, 3);
        assert_int_equal(mf.pfn, 0x240000);
        assert_int_equal(mf.pages, 300);
        assert_int_equal(mf.events, 301);
        assert_int_equal(mf.page_type, 17);
        assert_string_equal(mf.page_type_name, "dax page");
        assert_int_equal(mf.result, 3);
        assert_string_equal(mf.result_name, "Recovered");
        assert_int_equal(mf.origin, DAXMF_MF_ORIGIN_KERNEL);
        assert_int_equal(mf.origin, 1);
        assert_int_equal(mf.first_ns, UINT64_C(1764019805123456789));
        assert_int_equal(mf.last_ns, UINT64_C(1764019805173456789));
        /* Not a job's: 0, not whatever was there. */
        assert_int_equal(mf.job_id, 0);
        assert_int_equal(mf.cookie, 0);
        assert_int_equal(mf.requester_portid, 0);
}

static void test_mf_fail_range(void **state) {
        _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &job_mf, true, 0);
        struct daxmf_memory_failure mf;

        memset(&mf, 0xa5, sizeof(mf));
        assert_int_equal(daxmf_decode_memory_failure(nlmsg_hdr(m), &mf), 0);
        assert_int_equal(mf.seq, UINT64_MAX);
        assert_int_equal(mf.pfn, 0x40018);
        assert_int_equal(mf.pages, 4);
        assert_int_equal(mf.events, 4);
        assert_string_equal(mf.result_name, "Failed");
        assert_int_equal(mf.result, 1);
        assert_int_equal(mf.origin, DAXMF_MF_ORIGIN_FAIL_RANGE);
        assert_int_equal(mf.origin, 2);
        assert_int_equal(mf.job_id, UINT64_C(0x8000000000000001));
        assert_int_equal(mf.cookie, 7);
        assert_int_equal(mf.requester_portid, 4242);
        assert_int_equal(mf.first_ns, 1000);
        assert_int_equal(mf.last_ns, 1000);
}

static void test_mf_removal(void **state) {
        struct daxmf_memory_failure in = kernel_mf, mf;

        in.origin = DAXMF_MF_ORIGIN_REMOVAL;
        in.job_id = 9;
        in.cookie = 9;
        in.requester_portid = 9;
        /* A job's attributes where they have no meaning are not taken. */
        for (int with_job = 0; with_job < 2; with_job++) {
                _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &in, with_job, 0);

                memset(&mf, 0xa5, sizeof(mf));
                assert_int_equal(daxmf_decode_memory_failure(nlmsg_hdr(m), &mf), 0);
                assert_int_equal(mf.origin, 3);
                assert_int_equal(mf.job_id, 0);
                assert_int_equal(mf.cookie, 0);
                assert_int_equal(mf.requester_portid, 0);
                assert_int_equal(mf.pages, 300);
        }
}

static void test_mf_missing_attribute(void **state) {
        static const int required[] = {
                DAXMF_ATTR_MF_SEQ, DAXMF_ATTR_PFN, DAXMF_ATTR_PAGES, DAXMF_ATTR_MF_EVENTS,
                DAXMF_ATTR_MF_PAGE_TYPE, DAXMF_ATTR_MF_PAGE_TYPE_NAME, DAXMF_ATTR_MF_RESULT,
                DAXMF_ATTR_MF_RESULT_NAME, DAXMF_ATTR_MF_ORIGIN, DAXMF_ATTR_FIRST_NS, DAXMF_ATTR_LAST_NS,
        };
        static const int job[] = { DAXMF_ATTR_JOB_ID, DAXMF_ATTR_COOKIE, DAXMF_ATTR_REQUESTER_PORTID };

        for (size_t i = 0; i < ELEMENTSOF(required); i++) {
                _cleanup_nlmsg_ struct nl_msg *k = mf_message(DAXMF_CMD_MEMORY_FAILURE, &kernel_mf, false, required[i]);
                _cleanup_nlmsg_ struct nl_msg *j = mf_message(DAXMF_CMD_MEMORY_FAILURE, &job_mf, true, required[i]);

                assert_mf_fails(nlmsg_hdr(k));
                assert_mf_fails(nlmsg_hdr(j));
        }
        /* A job's range without its job. */
        for (size_t i = 0; i < ELEMENTSOF(job); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &job_mf, true, job[i]);

                assert_mf_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &job_mf, false, 0);

                assert_mf_fails(nlmsg_hdr(m));
        }

        _cleanup_nlmsg_ struct nl_msg *empty = new_message(DAXMF_CMD_MEMORY_FAILURE);
        assert_mf_fails(nlmsg_hdr(empty));
}

static void test_mf_wrong_command(void **state) {
        static const uint8_t cmds[] = {
                DAXMF_CMD_UNSPEC, DAXMF_CMD_GET_INFO, DAXMF_CMD_FAIL_RANGE, DAXMF_CMD_RANGE_PROGRESS,
                DAXMF_CMD_RANGE_DONE, DAXMF_CMD_REMOVAL, DAXMF_CMD_REMOVAL_PENDING,
                DAXMF_CMD_MEMORY_FAILURE_LOST, DAXMF_CMD_MAX + 1, 99,
        };

        for (size_t i = 0; i < ELEMENTSOF(cmds); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = mf_message(cmds[i], &job_mf, true, 0);

                assert_mf_fails(nlmsg_hdr(m));
        }
}

static void test_mf_pages_and_events(void **state) {
        struct daxmf_memory_failure mf;

        mf = kernel_mf;
        mf.pages = 0;
        mf.events = 0;
        assert_mf_message_fails(&mf);
        mf.events = 1;
        assert_mf_message_fails(&mf);

        /* Every page failed once at least. */
        mf = kernel_mf;
        mf.events = mf.pages - 1;
        assert_mf_message_fails(&mf);
        mf.events = 0;
        assert_mf_message_fails(&mf);
        mf.events = mf.pages;
        assert_mf_message_decodes(&mf);
        mf.events = UINT64_MAX;
        assert_mf_message_decodes(&mf);

        mf = kernel_mf;
        mf.pfn = 0;
        mf.pages = 1;
        mf.events = 1;
        assert_mf_message_decodes(&mf);

        /* The range ends within u64 pfns. */
        mf = kernel_mf;
        mf.pfn = UINT64_MAX;
        mf.pages = 1;
        mf.events = 1;
        assert_mf_message_fails(&mf);
        mf.pfn = UINT64_MAX - 1;
        assert_mf_message_decodes(&mf);
        mf.pfn = 1;
        mf.pages = UINT64_MAX;
        mf.events = UINT64_MAX;
        assert_mf_message_fails(&mf);
        mf.pfn = 0;
        assert_mf_message_decodes(&mf);
}

static void test_mf_seq_and_times(void **state) {
        struct daxmf_memory_failure mf;

        /* Numbered from 1. */
        mf = kernel_mf;
        mf.seq = 0;
        assert_mf_message_fails(&mf);
        mf.seq = 1;
        assert_mf_message_decodes(&mf);

        /* The last event is never before the first. */
        mf = kernel_mf;
        mf.last_ns = mf.first_ns - 1;
        assert_mf_message_fails(&mf);
        mf.first_ns = 0;
        mf.last_ns = 0;
        assert_mf_message_decodes(&mf);
        mf.first_ns = UINT64_MAX;
        mf.last_ns = UINT64_MAX;
        assert_mf_message_decodes(&mf);
        mf.first_ns = 1;
        mf.last_ns = 0;
        assert_mf_message_fails(&mf);
}

static void test_mf_origin(void **state) {
        static const uint32_t unknown[] = { 0, 4, 99, UINT32_MAX };
        struct daxmf_memory_failure mf = job_mf;

        for (size_t i = 0; i < ELEMENTSOF(unknown); i++) {
                mf.origin = unknown[i];
                assert_mf_message_fails(&mf);
        }
        mf.origin = DAXMF_MF_ORIGIN_KERNEL;
        assert_mf_message_decodes(&mf);
}

static void test_mf_kernel_values_passed_on(void **state) {
        /* The running kernel's enums: whatever they hold, with their names. */
        static const uint32_t values[] = { 0, 19, 20, 1000, UINT32_MAX };
        struct daxmf_memory_failure mf = kernel_mf;

        for (size_t i = 0; i < ELEMENTSOF(values); i++) {
                mf.page_type = values[i];
                mf.result = values[ELEMENTSOF(values) - 1 - i];
                assert_mf_message_decodes(&mf);
        }
        memcpy(mf.page_type_name, "unknown", sizeof("unknown"));
        memcpy(mf.result_name, "0x7", sizeof("0x7"));
        assert_mf_message_decodes(&mf);
}

static void test_mf_names(void **state) {
        static const struct {
                const char *bytes;
                int len;
        } malformed[] = {
                { "", 0 },              /* no byte at all */
                { "", 1 },              /* only the terminator */
                { "dax page", 8 },      /* not terminated */
                { "dax\0page", 9 },     /* a NUL inside */
        };
        static const int names[] = { DAXMF_ATTR_MF_PAGE_TYPE_NAME, DAXMF_ATTR_MF_RESULT_NAME };
        struct daxmf_memory_failure mf = kernel_mf;
        char longest_type[64], long_type[65], longest_result[32], long_result[33];

        for (size_t n = 0; n < ELEMENTSOF(names); n++)
                for (size_t i = 0; i < ELEMENTSOF(malformed); i++) {
                        _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &kernel_mf, false,
                                                                      names[n]);

                        put_raw(m, names[n], malformed[i].bytes, malformed[i].len);
                        assert_mf_fails(nlmsg_hdr(m));
                }

        /* 63 and 31 characters fit; one more is refused rather than cut. */
        memset(longest_type, 't', sizeof(longest_type) - 1);
        longest_type[sizeof(longest_type) - 1] = '\0';
        memset(longest_result, 'r', sizeof(longest_result) - 1);
        longest_result[sizeof(longest_result) - 1] = '\0';
        memcpy(mf.page_type_name, longest_type, sizeof(longest_type));
        memcpy(mf.result_name, longest_result, sizeof(longest_result));
        assert_mf_message_decodes(&mf);

        memset(long_type, 't', sizeof(long_type) - 1);
        long_type[sizeof(long_type) - 1] = '\0';
        memset(long_result, 'r', sizeof(long_result) - 1);
        long_result[sizeof(long_result) - 1] = '\0';
        {
                _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &kernel_mf, false,
                                                              DAXMF_ATTR_MF_PAGE_TYPE_NAME);

                assert_int_equal(nla_put_string(m, DAXMF_ATTR_MF_PAGE_TYPE_NAME, long_type), 0);
                assert_mf_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &kernel_mf, false,
                                                              DAXMF_ATTR_MF_RESULT_NAME);

                assert_int_equal(nla_put_string(m, DAXMF_ATTR_MF_RESULT_NAME, long_result), 0);
                assert_mf_fails(nlmsg_hdr(m));
        }
}

static void test_mf_attribute_wrong_length(void **state) {
        static const int u64s[] = {
                DAXMF_ATTR_MF_SEQ, DAXMF_ATTR_PFN, DAXMF_ATTR_PAGES, DAXMF_ATTR_MF_EVENTS,
                DAXMF_ATTR_FIRST_NS, DAXMF_ATTR_LAST_NS, DAXMF_ATTR_JOB_ID, DAXMF_ATTR_COOKIE,
        };
        static const int u32s[] = {
                DAXMF_ATTR_MF_PAGE_TYPE, DAXMF_ATTR_MF_RESULT, DAXMF_ATTR_MF_ORIGIN, DAXMF_ATTR_REQUESTER_PORTID,
        };
        static const uint64_t two[2] = { 1, 0 };

        for (size_t i = 0; i < ELEMENTSOF(u64s); i++) {
                {
                        _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &job_mf, true, u64s[i]);

                        assert_int_equal(nla_put_u32(m, u64s[i], 1), 0);
                        assert_mf_fails(nlmsg_hdr(m));
                }
                {
                        _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &job_mf, true, u64s[i]);

                        put_raw(m, u64s[i], two, sizeof(two));
                        assert_mf_fails(nlmsg_hdr(m));
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(u32s); i++) {
                {
                        _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &job_mf, true, u32s[i]);

                        assert_int_equal(nla_put_u64(m, u32s[i], DAXMF_MF_ORIGIN_FAIL_RANGE), 0);
                        assert_mf_fails(nlmsg_hdr(m));
                }
                {
                        _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &job_mf, true, u32s[i]);

                        assert_int_equal(nla_put_u16(m, u32s[i], DAXMF_MF_ORIGIN_FAIL_RANGE), 0);
                        assert_mf_fails(nlmsg_hdr(m));
                }
        }
        {
                /* A job's attribute where unused is still checked. */
                _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &kernel_mf, false, 0);

                assert_int_equal(nla_put_u16(m, DAXMF_ATTR_REQUESTER_PORTID, 1), 0);
                assert_mf_fails(nlmsg_hdr(m));
        }
}

static void test_mf_truncated(void **state) {
        assert_mf_fails(NULL);

        {
                _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &kernel_mf, false, 0);

                nlmsg_hdr(m)->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN - 1;
                assert_mf_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &kernel_mf, false, 0);

                /* The last attribute (LAST_NS) cut in half, and cut off whole. */
                nlmsg_hdr(m)->nlmsg_len -= 4;
                assert_mf_fails(nlmsg_hdr(m));
                nlmsg_hdr(m)->nlmsg_len -= NLA_HDRLEN + 4;
                assert_mf_fails(nlmsg_hdr(m));
        }
}

/* ---- MEMORY_FAILURE_LOST ---- */

static const struct daxmf_memory_failure_lost good_lost = {
        .seq = 12,
        .lost = 60,
        .pfn = 0x240000,
        .pages = 127,
};

static struct nl_msg *lost_message(uint8_t cmd, const struct daxmf_memory_failure_lost *l, int omit) {
        struct nl_msg *m = new_message(cmd);

#define PUT(type, put, value)                                                   \
        do {                                                                    \
                if (omit != (type))                                             \
                        assert_int_equal(put(m, (type), (value)), 0);           \
        } while (0)

        assert_int_equal(nla_put(m, DAXMF_ATTR_PAD, 0, NULL), 0);
        PUT(DAXMF_ATTR_MF_SEQ, nla_put_u64, l->seq);
        PUT(DAXMF_ATTR_MF_LOST, nla_put_u64, l->lost);
        PUT(DAXMF_ATTR_PFN, nla_put_u64, l->pfn);
        PUT(DAXMF_ATTR_PAGES, nla_put_u64, l->pages);
#undef PUT
        return m;
}

#define assert_lost_fails(nlh)                                                  \
        do {                                                                    \
                struct daxmf_memory_failure_lost _got, _before;                 \
                memset(&_got, 0xa5, sizeof(_got));                              \
                memset(&_before, 0xa5, sizeof(_before));                        \
                assert_int_equal(daxmf_decode_memory_failure_lost((nlh), &_got), -EBADMSG); \
                assert_memory_equal(&_got, &_before, sizeof(_got));             \
        } while (0)

static void assert_lost_message_fails(const struct daxmf_memory_failure_lost *l) {
        _cleanup_nlmsg_ struct nl_msg *m = lost_message(DAXMF_CMD_MEMORY_FAILURE_LOST, l, 0);

        assert_lost_fails(nlmsg_hdr(m));
}

static void assert_lost_message_decodes(const struct daxmf_memory_failure_lost *l) {
        _cleanup_nlmsg_ struct nl_msg *m = lost_message(DAXMF_CMD_MEMORY_FAILURE_LOST, l, 0);
        struct daxmf_memory_failure_lost got;

        memset(&got, 0xa5, sizeof(got));
        assert_int_equal(daxmf_decode_memory_failure_lost(nlmsg_hdr(m), &got), 0);
        assert_int_equal(got.seq, l->seq);
        assert_int_equal(got.lost, l->lost);
        assert_int_equal(got.pfn, l->pfn);
        assert_int_equal(got.pages, l->pages);
}

static void test_lost(void **state) {
        _cleanup_nlmsg_ struct nl_msg *m = lost_message(DAXMF_CMD_MEMORY_FAILURE_LOST, &good_lost, 0);
        struct daxmf_memory_failure_lost l;

        memset(&l, 0xa5, sizeof(l));
        assert_int_equal(daxmf_decode_memory_failure_lost(nlmsg_hdr(m), &l), 0);
        assert_int_equal(l.seq, 12);
        assert_int_equal(l.lost, 60);
        assert_int_equal(l.pfn, 0x240000);
        assert_int_equal(l.pages, 127);
}

/* MF_REPORTED (events in every message so far): optional, and never below this message's own. */
static void test_reported(void **state) {
        struct daxmf_memory_failure mf;
        struct daxmf_memory_failure_lost l;

        {
                _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &kernel_mf, false, 0);

                assert_int_equal(daxmf_decode_memory_failure(nlmsg_hdr(m), &mf), 0);
                assert_false(mf.has_reported);
                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_MF_REPORTED, 1000 + kernel_mf.events), 0);
                assert_int_equal(daxmf_decode_memory_failure(nlmsg_hdr(m), &mf), 0);
                assert_true(mf.has_reported);
                assert_int_equal(mf.reported, 1000 + kernel_mf.events);
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &kernel_mf, false, 0);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_MF_REPORTED, kernel_mf.events - 1), 0);
                assert_mf_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = lost_message(DAXMF_CMD_MEMORY_FAILURE_LOST, &good_lost, 0);

                assert_int_equal(daxmf_decode_memory_failure_lost(nlmsg_hdr(m), &l), 0);
                assert_false(l.has_reported);
                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_MF_REPORTED, good_lost.lost), 0);
                assert_int_equal(daxmf_decode_memory_failure_lost(nlmsg_hdr(m), &l), 0);
                assert_true(l.has_reported);
                assert_int_equal(l.reported, good_lost.lost);
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = lost_message(DAXMF_CMD_MEMORY_FAILURE_LOST, &good_lost, 0);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_MF_REPORTED, good_lost.lost - 1), 0);
                assert_lost_fails(nlmsg_hdr(m));
        }
}

static void test_lost_values(void **state) {
        struct daxmf_memory_failure_lost l;

        /* Many events over one page, one event, more events than pages: all fine. */
        l = good_lost;
        l.pages = 1;
        l.lost = UINT64_MAX;
        assert_lost_message_decodes(&l);
        l.lost = 1;
        assert_lost_message_decodes(&l);
        l.pfn = 0;
        l.pages = UINT64_MAX;
        assert_lost_message_decodes(&l);

        l = good_lost;
        l.lost = 0;
        assert_lost_message_fails(&l);
        l = good_lost;
        l.seq = 0;
        assert_lost_message_fails(&l);
        l = good_lost;
        l.pages = 0;
        assert_lost_message_fails(&l);
        l.pfn = 0;
        assert_lost_message_fails(&l);
        l = good_lost;
        l.pfn = UINT64_MAX;
        l.pages = 1;
        assert_lost_message_fails(&l);
        l.pfn = 2;
        l.pages = UINT64_MAX - 1;
        assert_lost_message_fails(&l);
        l.pfn = 1;
        assert_lost_message_decodes(&l);
}

static void test_lost_missing_attribute(void **state) {
        static const int required[] = { DAXMF_ATTR_MF_SEQ, DAXMF_ATTR_MF_LOST, DAXMF_ATTR_PFN, DAXMF_ATTR_PAGES };

        for (size_t i = 0; i < ELEMENTSOF(required); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = lost_message(DAXMF_CMD_MEMORY_FAILURE_LOST, &good_lost, required[i]);

                assert_lost_fails(nlmsg_hdr(m));
        }
        _cleanup_nlmsg_ struct nl_msg *empty = new_message(DAXMF_CMD_MEMORY_FAILURE_LOST);
        assert_lost_fails(nlmsg_hdr(empty));
}

static void test_lost_wrong_command(void **state) {
        static const uint8_t cmds[] = {
                DAXMF_CMD_UNSPEC, DAXMF_CMD_GET_INFO, DAXMF_CMD_RANGE_DONE, DAXMF_CMD_REMOVAL,
                DAXMF_CMD_MEMORY_FAILURE, DAXMF_CMD_MAX + 1, 99,
        };

        for (size_t i = 0; i < ELEMENTSOF(cmds); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = lost_message(cmds[i], &good_lost, 0);

                assert_lost_fails(nlmsg_hdr(m));
        }
        /* Nor is a range a loss, or a loss a range. */
        {
                _cleanup_nlmsg_ struct nl_msg *m = mf_message(DAXMF_CMD_MEMORY_FAILURE, &kernel_mf, false, 0);

                assert_lost_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = lost_message(DAXMF_CMD_MEMORY_FAILURE_LOST, &good_lost, 0);

                assert_mf_fails(nlmsg_hdr(m));
        }
}

static void test_lost_attribute_wrong_length(void **state) {
        static const int attrs[] = { DAXMF_ATTR_MF_SEQ, DAXMF_ATTR_MF_LOST, DAXMF_ATTR_PFN, DAXMF_ATTR_PAGES };
        static const uint64_t two[2] = { 60, 0 };

        for (size_t i = 0; i < ELEMENTSOF(attrs); i++) {
                {
                        _cleanup_nlmsg_ struct nl_msg *m = lost_message(DAXMF_CMD_MEMORY_FAILURE_LOST, &good_lost, attrs[i]);

                        assert_int_equal(nla_put_u32(m, attrs[i], 60), 0);
                        assert_lost_fails(nlmsg_hdr(m));
                }
                {
                        _cleanup_nlmsg_ struct nl_msg *m = lost_message(DAXMF_CMD_MEMORY_FAILURE_LOST, &good_lost, attrs[i]);

                        put_raw(m, attrs[i], two, sizeof(two));
                        assert_lost_fails(nlmsg_hdr(m));
                }
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = lost_message(DAXMF_CMD_MEMORY_FAILURE_LOST, &good_lost, 0);

                /* PAGES cut in half. */
                nlmsg_hdr(m)->nlmsg_len -= 4;
                assert_lost_fails(nlmsg_hdr(m));
        }
}

/* ---- GET_INFO's memory-failure fields ---- */

struct mf_info {
        uint32_t watch, records, window_ms, max_delay_ms;
        uint64_t events_total, lost_total;
};

static const struct mf_info good_mf_info = {
        .watch = 1,
        .records = 1024,
        .window_ms = 500,
        .max_delay_ms = 5000,
        .events_total = 306,
        .lost_total = 6,
};

/* A GET_INFO reply of a module with the handshake, and with mf unless NULL; nothing of type omit. */
static struct nl_msg *info_message(const struct mf_info *mf, int omit) {
        struct nl_msg *m = new_message(DAXMF_CMD_GET_INFO);

#define PUT(type, put, value)                                                   \
        do {                                                                    \
                if (omit != (type))                                             \
                        assert_int_equal(put(m, (type), (value)), 0);           \
        } while (0)

        PUT(DAXMF_ATTR_VERSION, nla_put_string, "0.1.0");
        PUT(DAXMF_ATTR_KERNEL_RELEASE, nla_put_string, "6.1.0-18-amd64");
        PUT(DAXMF_ATTR_SUPPORTED_FLAGS, nla_put_u32, DAXMF_FLAGS_ALL);
        PUT(DAXMF_ATTR_MAX_PAGES, nla_put_u64, UINT64_C(1) << 30);
        PUT(DAXMF_ATTR_BATCH_PAGES, nla_put_u64, 512);
        PUT(DAXMF_ATTR_PAGE_SHIFT, nla_put_u32, 12);
        PUT(DAXMF_ATTR_MAX_JOBS, nla_put_u32, 4);
        PUT(DAXMF_ATTR_JOBS_RUNNING, nla_put_u32, 3);
        PUT(DAXMF_ATTR_HISTORY_JOBS, nla_put_u32, 16);
        PUT(DAXMF_ATTR_HANDLER_PORTID, nla_put_u32, 4242);
        PUT(DAXMF_ATTR_TIMEOUT_MS, nla_put_u32, 5000);
        if (mf) {
                PUT(DAXMF_ATTR_MF_WATCH, nla_put_u32, mf->watch);
                PUT(DAXMF_ATTR_MF_RECORDS, nla_put_u32, mf->records);
                PUT(DAXMF_ATTR_MF_WINDOW_MS, nla_put_u32, mf->window_ms);
                PUT(DAXMF_ATTR_MF_MAX_DELAY_MS, nla_put_u32, mf->max_delay_ms);
                PUT(DAXMF_ATTR_MF_EVENTS_TOTAL, nla_put_u64, mf->events_total);
                PUT(DAXMF_ATTR_MF_LOST_TOTAL, nla_put_u64, mf->lost_total);
        }
#undef PUT
        return m;
}

#define assert_info_fails(nlh)                                                  \
        do {                                                                    \
                struct daxmf_info _got, _before;                                \
                memset(&_got, 0xa5, sizeof(_got));                              \
                memset(&_before, 0xa5, sizeof(_before));                        \
                assert_int_equal(daxmf_decode_info((nlh), &_got), -EBADMSG);    \
                assert_memory_equal(&_got, &_before, sizeof(_got));             \
        } while (0)

static void test_info_mf(void **state) {
        struct mf_info in = good_mf_info;
        struct daxmf_info info;

        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(&in, 0);

                memset(&info, 0xa5, sizeof(info));
                assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
                assert_true(info.has_mf);
                assert_true(info.mf_watch);
                assert_int_equal(info.mf_records, 1024);
                assert_int_equal(info.mf_window_ms, 500);
                assert_int_equal(info.mf_max_delay_ms, 5000);
                assert_int_equal(info.mf_events_total, 306);
                assert_int_equal(info.mf_lost_total, 6);
                /* The rest as before. */
                assert_string_equal(info.version, "0.1.0");
                assert_int_equal(info.page_shift, 12);
                assert_true(info.has_handshake);
                assert_int_equal(info.handler_portid, 4242);
        }

        /* Not attached to the tracepoint: said so, the rest still given. */
        in.watch = 0;
        in.events_total = 0;
        in.lost_total = 0;
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(&in, 0);

                memset(&info, 0xa5, sizeof(info));
                assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
                assert_true(info.has_mf);
                assert_false(info.mf_watch);
                assert_int_equal(info.mf_records, 1024);
                assert_int_equal(info.mf_events_total, 0);
                assert_int_equal(info.mf_lost_total, 0);
        }

        /* The limits are the module's to judge; every event lost is possible. */
        in = (struct mf_info) {
                .watch = 1,
                .records = UINT32_MAX,
                .window_ms = 0,
                .max_delay_ms = UINT32_MAX,
                .events_total = UINT64_MAX,
                .lost_total = UINT64_MAX,
        };
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(&in, 0);

                memset(&info, 0xa5, sizeof(info));
                assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
                assert_int_equal(info.mf_records, UINT32_MAX);
                assert_int_equal(info.mf_window_ms, 0);
                assert_int_equal(info.mf_max_delay_ms, UINT32_MAX);
                assert_int_equal(info.mf_events_total, UINT64_MAX);
                assert_int_equal(info.mf_lost_total, UINT64_MAX);
        }
}

static void test_info_without_mf(void **state) {
        /* An older module: none of them, and all zero rather than left over. */
        _cleanup_nlmsg_ struct nl_msg *m = info_message(NULL, 0);
        struct daxmf_info info;

        memset(&info, 0xa5, sizeof(info));
        assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
        assert_false(info.has_mf);
        assert_false(info.mf_watch);
        assert_int_equal(info.mf_records, 0);
        assert_int_equal(info.mf_window_ms, 0);
        assert_int_equal(info.mf_max_delay_ms, 0);
        assert_int_equal(info.mf_events_total, 0);
        assert_int_equal(info.mf_lost_total, 0);
        assert_int_equal(info.max_jobs, 4);

        /* Without MF_WATCH the others say nothing, however complete. */
        {
                _cleanup_nlmsg_ struct nl_msg *w = info_message(&good_mf_info, DAXMF_ATTR_MF_WATCH);

                memset(&info, 0xa5, sizeof(info));
                assert_int_equal(daxmf_decode_info(nlmsg_hdr(w), &info), 0);
                assert_false(info.has_mf);
                assert_int_equal(info.mf_records, 0);
                assert_int_equal(info.mf_events_total, 0);
        }
}

static void test_info_mf_missing_attribute(void **state) {
        /* MF_WATCH claims the rest. */
        static const int required[] = {
                DAXMF_ATTR_MF_RECORDS, DAXMF_ATTR_MF_WINDOW_MS, DAXMF_ATTR_MF_MAX_DELAY_MS,
                DAXMF_ATTR_MF_EVENTS_TOTAL, DAXMF_ATTR_MF_LOST_TOTAL,
        };

        for (size_t i = 0; i < ELEMENTSOF(required); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(&good_mf_info, required[i]);

                assert_info_fails(nlmsg_hdr(m));
        }
}

static void test_info_mf_values(void **state) {
        struct mf_info in;

        /* A flag. */
        in = good_mf_info;
        in.watch = 2;
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(&in, 0);

                assert_info_fails(nlmsg_hdr(m));
        }
        in.watch = UINT32_MAX;
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(&in, 0);

                assert_info_fails(nlmsg_hdr(m));
        }
        /* Lost "of which": never more than seen. */
        in = good_mf_info;
        in.lost_total = in.events_total + 1;
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(&in, 0);

                assert_info_fails(nlmsg_hdr(m));
        }
        in.lost_total = in.events_total;
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(&in, 0);
                struct daxmf_info info;

                assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
                assert_int_equal(info.mf_lost_total, 306);
        }
}

static void test_info_mf_wrong_length(void **state) {
        static const int u32s[] = {
                DAXMF_ATTR_MF_WATCH, DAXMF_ATTR_MF_RECORDS, DAXMF_ATTR_MF_WINDOW_MS, DAXMF_ATTR_MF_MAX_DELAY_MS,
        };
        static const int u64s[] = { DAXMF_ATTR_MF_EVENTS_TOTAL, DAXMF_ATTR_MF_LOST_TOTAL };

        for (size_t i = 0; i < ELEMENTSOF(u32s); i++) {
                {
                        _cleanup_nlmsg_ struct nl_msg *m = info_message(&good_mf_info, u32s[i]);

                        assert_int_equal(nla_put_u64(m, u32s[i], 1), 0);
                        assert_info_fails(nlmsg_hdr(m));
                }
                {
                        _cleanup_nlmsg_ struct nl_msg *m = info_message(&good_mf_info, u32s[i]);

                        assert_int_equal(nla_put_u8(m, u32s[i], 1), 0);
                        assert_info_fails(nlmsg_hdr(m));
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(u64s); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(&good_mf_info, u64s[i]);

                assert_int_equal(nla_put_u32(m, u64s[i], 1), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
        {
                /* Checked even without MF_WATCH, when they are unused. */
                _cleanup_nlmsg_ struct nl_msg *m = info_message(NULL, 0);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_MF_RECORDS, 1024), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
}

/* ---- names ---- */

static void test_origin_names(void **state) {
        assert_string_equal(daxmf_mf_origin_name(DAXMF_MF_ORIGIN_KERNEL), "kernel");
        assert_string_equal(daxmf_mf_origin_name(DAXMF_MF_ORIGIN_FAIL_RANGE), "fail-range");
        assert_string_equal(daxmf_mf_origin_name(DAXMF_MF_ORIGIN_REMOVAL), "removal");
        assert_string_equal(daxmf_mf_origin_name(1), "kernel");
        assert_string_equal(daxmf_mf_origin_name(2), "fail-range");
        assert_string_equal(daxmf_mf_origin_name(3), "removal");
        assert_null(daxmf_mf_origin_name(0));
        assert_null(daxmf_mf_origin_name(4));
        assert_null(daxmf_mf_origin_name(UINT32_MAX));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_mf_kernel),
                cmocka_unit_test(test_mf_fail_range),
                cmocka_unit_test(test_mf_removal),
                cmocka_unit_test(test_mf_missing_attribute),
                cmocka_unit_test(test_mf_wrong_command),
                cmocka_unit_test(test_mf_pages_and_events),
                cmocka_unit_test(test_mf_seq_and_times),
                cmocka_unit_test(test_mf_origin),
                cmocka_unit_test(test_mf_kernel_values_passed_on),
                cmocka_unit_test(test_mf_names),
                cmocka_unit_test(test_mf_attribute_wrong_length),
                cmocka_unit_test(test_mf_truncated),
                cmocka_unit_test(test_lost),
                cmocka_unit_test(test_reported),
                cmocka_unit_test(test_lost_values),
                cmocka_unit_test(test_lost_missing_attribute),
                cmocka_unit_test(test_lost_wrong_command),
                cmocka_unit_test(test_lost_attribute_wrong_length),
                cmocka_unit_test(test_info_mf),
                cmocka_unit_test(test_info_without_mf),
                cmocka_unit_test(test_info_mf_missing_attribute),
                cmocka_unit_test(test_info_mf_values),
                cmocka_unit_test(test_info_mf_wrong_length),
                cmocka_unit_test(test_origin_names),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
