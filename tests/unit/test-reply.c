/* SPDX-License-Identifier: LGPL-2.1-or-later */
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

/* ---- GET_INFO ---- */

struct info_spec {
        const char *version;
        const char *kernel_release;
        uint32_t supported_flags;
        uint64_t max_pages;
        uint64_t batch_pages;
        uint32_t page_shift;
        uint32_t max_jobs;
        uint32_t jobs_running;
        /* HANDLER_PORTID and TIMEOUT_MS: a module with the removal handshake */
        bool has_handshake;
        uint32_t handler_portid;
        uint32_t timeout_ms;
};

static const struct info_spec good_info = {
        .version = "0.1.0",
        .kernel_release = "6.1.0-18-amd64",
        .supported_flags = DAXMF_FLAGS_ALL,
        .max_pages = UINT64_C(1) << 30,
        .batch_pages = 512,
        .page_shift = 12,
        .max_jobs = 4,
        .jobs_running = 3,
};

/* The same module with the removal handshake, a handler registered. */
static const struct info_spec handshake_info = {
        .version = "0.1.0",
        .kernel_release = "6.1.0-18-amd64",
        .supported_flags = DAXMF_FLAGS_ALL,
        .max_pages = UINT64_C(1) << 30,
        .batch_pages = 512,
        .page_shift = 12,
        .max_jobs = 4,
        .jobs_running = 3,
        .has_handshake = true,
        .handler_portid = 4242,
        .timeout_ms = 5000,
};

/* A GET_INFO reply with every attribute but omit (0: all of them). */
static struct nl_msg *info_message(uint8_t cmd, const struct info_spec *s, int omit) {
        struct nl_msg *m = new_message(cmd);

        if (omit != DAXMF_ATTR_VERSION)
                assert_int_equal(nla_put_string(m, DAXMF_ATTR_VERSION, s->version), 0);
        if (omit != DAXMF_ATTR_KERNEL_RELEASE)
                assert_int_equal(nla_put_string(m, DAXMF_ATTR_KERNEL_RELEASE, s->kernel_release), 0);
        if (omit != DAXMF_ATTR_SUPPORTED_FLAGS)
                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_SUPPORTED_FLAGS, s->supported_flags), 0);
        if (omit != DAXMF_ATTR_MAX_PAGES)
                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_MAX_PAGES, s->max_pages), 0);
        if (omit != DAXMF_ATTR_BATCH_PAGES)
                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_BATCH_PAGES, s->batch_pages), 0);
        if (omit != DAXMF_ATTR_PAGE_SHIFT)
                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_PAGE_SHIFT, s->page_shift), 0);
        if (omit != DAXMF_ATTR_MAX_JOBS)
                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_MAX_JOBS, s->max_jobs), 0);
        if (omit != DAXMF_ATTR_JOBS_RUNNING)
                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_JOBS_RUNNING, s->jobs_running), 0);
        if (s->has_handshake && omit != DAXMF_ATTR_HANDLER_PORTID)
                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_HANDLER_PORTID, s->handler_portid), 0);
        if (s->has_handshake && omit != DAXMF_ATTR_TIMEOUT_MS)
                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_TIMEOUT_MS, s->timeout_ms), 0);
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

static void test_info(void **state) {
        _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &good_info, 0);
        struct daxmf_info info;

        memset(&info, 0xa5, sizeof(info));
        assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
        assert_string_equal(info.version, "0.1.0");
        assert_string_equal(info.kernel_release, "6.1.0-18-amd64");
        assert_int_equal(info.supported_flags, DAXMF_FLAGS_ALL);
        assert_int_equal(info.supported_flags, 0x1f);
        assert_int_equal(info.max_pages, UINT64_C(1) << 30);
        assert_int_equal(info.batch_pages, 512);
        assert_int_equal(info.page_shift, 12);
        assert_int_equal(info.max_jobs, 4);
        assert_int_equal(info.jobs_running, 3);
}

static void test_info_job_counts(void **state) {
        struct info_spec s = good_info;
        struct daxmf_info info;

        /*
         * max_jobs is a module parameter: lowered while jobs run, it may be
         * below jobs_running, or 0.  Not the decoder's to judge.
         */
        s.max_jobs = 0;
        s.jobs_running = UINT32_MAX;
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &s, 0);

                memset(&info, 0xa5, sizeof(info));
                assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
                assert_int_equal(info.max_jobs, 0);
                assert_int_equal(info.jobs_running, UINT32_MAX);
                assert_int_equal(info.page_shift, 12);
        }

        s.max_jobs = UINT32_MAX;
        s.jobs_running = 0;
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &s, 0);

                memset(&info, 0xa5, sizeof(info));
                assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
                assert_int_equal(info.max_jobs, UINT32_MAX);
                assert_int_equal(info.jobs_running, 0);
        }
}

static void test_info_page_shift(void **state) {
        /* 4 KiB to 1 GiB pages; anything else is no page size a kernel has. */
        static const uint32_t good[] = { 12, 13, 14, 16, 21, 30 };
        static const uint32_t bad[] = { 0, 1, 11, 31, 32, 63, 64, UINT32_MAX };
        struct info_spec s = good_info;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                struct daxmf_info info;

                s.page_shift = good[i];
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &s, 0);

                memset(&info, 0xa5, sizeof(info));
                assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
                assert_int_equal(info.page_shift, good[i]);
                assert_int_equal(info.max_jobs, 4);
                assert_string_equal(info.version, "0.1.0");
        }

        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                s.page_shift = bad[i];
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &s, 0);

                assert_info_fails(nlmsg_hdr(m));
        }
}

static void test_info_missing_attribute(void **state) {
        static const int required[] = {
                DAXMF_ATTR_VERSION, DAXMF_ATTR_KERNEL_RELEASE, DAXMF_ATTR_SUPPORTED_FLAGS,
                DAXMF_ATTR_MAX_PAGES, DAXMF_ATTR_BATCH_PAGES, DAXMF_ATTR_PAGE_SHIFT,
                DAXMF_ATTR_MAX_JOBS, DAXMF_ATTR_JOBS_RUNNING,
        };

        for (size_t i = 0; i < ELEMENTSOF(required); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &good_info, required[i]);

                assert_info_fails(nlmsg_hdr(m));
        }
}

static void test_info_wrong_command(void **state) {
        static const uint8_t cmds[] = {
                DAXMF_CMD_UNSPEC, DAXMF_CMD_FAIL_RANGE, DAXMF_CMD_RANGE_PROGRESS, DAXMF_CMD_RANGE_DONE, 99,
        };

        for (size_t i = 0; i < ELEMENTSOF(cmds); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(cmds[i], &good_info, 0);

                assert_info_fails(nlmsg_hdr(m));
        }
}

static void test_info_string_lengths(void **state) {
        char longest_version[64], long_version[65], longest_release[65], long_release[66];
        struct info_spec s = good_info;
        struct daxmf_info info;

        memset(longest_version, 'v', sizeof(longest_version) - 1);
        longest_version[sizeof(longest_version) - 1] = '\0';
        memset(long_version, 'v', sizeof(long_version) - 1);
        long_version[sizeof(long_version) - 1] = '\0';
        memset(longest_release, 'r', sizeof(longest_release) - 1);
        longest_release[sizeof(longest_release) - 1] = '\0';
        memset(long_release, 'r', sizeof(long_release) - 1);
        long_release[sizeof(long_release) - 1] = '\0';

        /* 63 and 64 characters fit the 64- and 65-byte buffers exactly. */
        s.version = longest_version;
        s.kernel_release = longest_release;
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &s, 0);

                assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
                assert_string_equal(info.version, longest_version);
                assert_string_equal(info.kernel_release, longest_release);
        }

        /* One more is refused rather than silently cut. */
        s.version = long_version;
        s.kernel_release = good_info.kernel_release;
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &s, 0);

                assert_info_fails(nlmsg_hdr(m));
        }

        s.version = good_info.version;
        s.kernel_release = long_release;
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &s, 0);

                assert_info_fails(nlmsg_hdr(m));
        }
}

static void test_info_wrong_length(void **state) {
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &good_info, DAXMF_ATTR_MAX_PAGES);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_MAX_PAGES, 1024), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &good_info, DAXMF_ATTR_SUPPORTED_FLAGS);

                assert_int_equal(nla_put_u16(m, DAXMF_ATTR_SUPPORTED_FLAGS, 7), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &good_info, DAXMF_ATTR_PAGE_SHIFT);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_PAGE_SHIFT, 12), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &good_info, DAXMF_ATTR_PAGE_SHIFT);

                assert_int_equal(nla_put_u8(m, DAXMF_ATTR_PAGE_SHIFT, 12), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &good_info, DAXMF_ATTR_MAX_JOBS);

                assert_int_equal(nla_put_u16(m, DAXMF_ATTR_MAX_JOBS, 4), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &good_info, DAXMF_ATTR_JOBS_RUNNING);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_JOBS_RUNNING, 3), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
}

static void test_info_without_handshake(void **state) {
        /* An older module: no HANDLER_PORTID, no TIMEOUT_MS. */
        _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &good_info, 0);
        struct daxmf_info info;

        memset(&info, 0xa5, sizeof(info));
        assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
        assert_false(info.has_handshake);
        assert_int_equal(info.handler_portid, 0);
        assert_int_equal(info.removal_timeout_ms, 0);
        assert_int_equal(info.jobs_running, 3);
}

static void test_info_handshake(void **state) {
        struct info_spec s = handshake_info;
        struct daxmf_info info;

        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &s, 0);

                memset(&info, 0xa5, sizeof(info));
                assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
                assert_true(info.has_handshake);
                assert_int_equal(info.handler_portid, 4242);
                assert_int_equal(info.removal_timeout_ms, 5000);
                assert_string_equal(info.version, "0.1.0");
                assert_string_equal(info.kernel_release, "6.1.0-18-amd64");
                assert_int_equal(info.supported_flags, 0x1f);
                assert_int_equal(info.max_pages, UINT64_C(1) << 30);
                assert_int_equal(info.batch_pages, 512);
                assert_int_equal(info.page_shift, 12);
                assert_int_equal(info.max_jobs, 4);
                assert_int_equal(info.jobs_running, 3);
        }

        /* No handler registered: port 0, and the module's default wait. */
        s.handler_portid = 0;
        s.timeout_ms = 2000;
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &s, 0);

                memset(&info, 0xa5, sizeof(info));
                assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
                assert_true(info.has_handshake);
                assert_int_equal(info.handler_portid, 0);
                assert_int_equal(info.removal_timeout_ms, 2000);
        }

        /* Unsigned 32-bit, passed on as sent. */
        s.handler_portid = UINT32_MAX;
        s.timeout_ms = UINT32_MAX;
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &s, 0);

                memset(&info, 0xa5, sizeof(info));
                assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
                assert_true(info.has_handshake);
                assert_int_equal(info.handler_portid, UINT32_MAX);
                assert_int_equal(info.removal_timeout_ms, UINT32_MAX);
        }
}

static void test_info_handshake_half(void **state) {
        /* Both are needed: one alone is no handshake, and no error either. */
        static const int attrs[] = { DAXMF_ATTR_HANDLER_PORTID, DAXMF_ATTR_TIMEOUT_MS };

        for (size_t i = 0; i < ELEMENTSOF(attrs); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &handshake_info, attrs[i]);
                struct daxmf_info info;

                memset(&info, 0xa5, sizeof(info));
                assert_int_equal(daxmf_decode_info(nlmsg_hdr(m), &info), 0);
                assert_false(info.has_handshake);
                assert_int_equal(info.handler_portid, 0);
                assert_int_equal(info.removal_timeout_ms, 0);
                assert_int_equal(info.max_jobs, 4);
                assert_string_equal(info.version, "0.1.0");
        }
}

static void test_info_handshake_wrong_length(void **state) {
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &handshake_info,
                                                                DAXMF_ATTR_HANDLER_PORTID);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_HANDLER_PORTID, 4242), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &handshake_info,
                                                                DAXMF_ATTR_HANDLER_PORTID);

                assert_int_equal(nla_put_u16(m, DAXMF_ATTR_HANDLER_PORTID, 4242), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &handshake_info, DAXMF_ATTR_TIMEOUT_MS);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_TIMEOUT_MS, 5000), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &handshake_info, DAXMF_ATTR_TIMEOUT_MS);

                assert_int_equal(nla_put_u8(m, DAXMF_ATTR_TIMEOUT_MS, 50), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
        {
                /* Checked even alone, when the pair is incomplete and so unused. */
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &good_info, 0);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_TIMEOUT_MS, 5000), 0);
                assert_info_fails(nlmsg_hdr(m));
        }
}

/* ---- FAIL_RANGE's answer: the range was accepted as a job ---- */

/* What the module answers FAIL_RANGE with, without the attribute omit. */
static struct nl_msg *accepted_message(uint8_t cmd, uint64_t job_id, uint64_t cookie, int omit) {
        struct nl_msg *m = new_message(cmd);

        /* nla_put_u64_64bit() may put an empty PAD first; it must be ignored. */
        assert_int_equal(nla_put(m, DAXMF_ATTR_PAD, 0, NULL), 0);
        if (omit != DAXMF_ATTR_JOB_ID)
                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_JOB_ID, job_id), 0);
        if (omit != DAXMF_ATTR_COOKIE)
                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_COOKIE, cookie), 0);
        return m;
}

/* Fails with -EBADMSG and leaves *ret as it was. */
#define assert_accepted_fails(nlh)                                              \
        do {                                                                    \
                uint64_t _job_id = UINT64_C(0xa5a5a5a5a5a5a5a5);                \
                assert_int_equal(daxmf_decode_accepted((nlh), &_job_id), -EBADMSG); \
                assert_int_equal(_job_id, UINT64_C(0xa5a5a5a5a5a5a5a5));        \
        } while (0)

/* ---- RANGE_DONE and RANGE_PROGRESS ---- */

/* The attributes a RANGE_DONE message needs beyond those of a progress event. */
static const int verdict_attrs[] = {
        DAXMF_ATTR_STATUS, DAXMF_ATTR_FIRST_ERROR, DAXMF_ATTR_FIRST_ERROR_PFN,
        DAXMF_ATTR_PATHS, DAXMF_ATTR_PAGEMAP_PAGES, DAXMF_ATTR_PER_PAGE_PAGES,
        DAXMF_ATTR_BATCHES,
};

static const int counter_attrs[] = {
        DAXMF_ATTR_JOB_ID, DAXMF_ATTR_COOKIE, DAXMF_ATTR_PFN, DAXMF_ATTR_PAGES,
        DAXMF_ATTR_FLAGS, DAXMF_ATTR_PAGES_DONE, DAXMF_ATTR_PAGES_FAILED,
        DAXMF_ATTR_PAGES_UNMAPPED, DAXMF_ATTR_ELAPSED_NS,
};

/*
 * What the kernel would send for r: verdict attributes only for
 * RANGE_DONE, the requester's port only when set, nothing of type omit.
 * Signed values go out as the u32 of the int, as the module puts them.
 */
static struct nl_msg *range_message(uint8_t cmd, const struct daxmf_range_result *r, int omit) {
        struct nl_msg *m = new_message(cmd);

#define PUT(type, put, value)                                                   \
        do {                                                                    \
                if (omit != (type))                                             \
                        assert_int_equal(put(m, (type), (value)), 0);           \
        } while (0)

        /* nla_put_u64_64bit() may put an empty PAD first; it must be ignored. */
        assert_int_equal(nla_put(m, DAXMF_ATTR_PAD, 0, NULL), 0);
        PUT(DAXMF_ATTR_JOB_ID, nla_put_u64, r->job_id);
        PUT(DAXMF_ATTR_COOKIE, nla_put_u64, r->cookie);
        PUT(DAXMF_ATTR_PFN, nla_put_u64, r->pfn);
        PUT(DAXMF_ATTR_PAGES, nla_put_u64, r->pages);
        PUT(DAXMF_ATTR_FLAGS, nla_put_u32, r->flags);
        if (r->portid)
                PUT(DAXMF_ATTR_REQUESTER_PORTID, nla_put_u32, r->portid);
        PUT(DAXMF_ATTR_PAGES_DONE, nla_put_u64, r->pages_done);
        PUT(DAXMF_ATTR_PAGES_FAILED, nla_put_u64, r->pages_failed);
        PUT(DAXMF_ATTR_PAGES_UNMAPPED, nla_put_u64, r->pages_unmapped);
        PUT(DAXMF_ATTR_ELAPSED_NS, nla_put_u64, r->elapsed_ns);
        if (cmd == DAXMF_CMD_RANGE_DONE) {
                PUT(DAXMF_ATTR_STATUS, nla_put_u32, (uint32_t) r->status);
                PUT(DAXMF_ATTR_FIRST_ERROR, nla_put_u32, (uint32_t) r->first_error);
                PUT(DAXMF_ATTR_FIRST_ERROR_PFN, nla_put_u64, r->first_error_pfn);
                PUT(DAXMF_ATTR_PATHS, nla_put_u32, r->paths);
                PUT(DAXMF_ATTR_PAGEMAP_PAGES, nla_put_u64, r->pagemap_pages);
                PUT(DAXMF_ATTR_PER_PAGE_PAGES, nla_put_u64, r->per_page_pages);
                PUT(DAXMF_ATTR_BATCHES, nla_put_u64, r->batches);
        }
#undef PUT
        return m;
}

/* 16 pages of fsdax, 3 of them refused by the filesystem, 1 mapped by nobody. */
static const struct daxmf_range_result partial_range = {
        .done = true,
        .job_id = UINT64_C(0x8000000000000017),
        .cookie = UINT64_C(0x1122334455667788),
        .pfn = 0x40018,
        .pages = 16,
        .flags = DAXMF_FLAG_ACTION_REQUIRED | DAXMF_FLAG_PER_PAGE,
        .portid = 4242,
        .pages_done = 16,
        .pages_failed = 3,
        .pages_unmapped = 1,
        .elapsed_ns = 123456789,
        .status = 0,
        .first_error = -EBUSY,
        .first_error_pfn = 0x4001a,
        .paths = DAXMF_PATH_PAGEMAP | DAXMF_PATH_PER_PAGE,
        .pagemap_pages = 12,
        .per_page_pages = 4,
        .batches = 2,
};

#define assert_range_fails(nlh)                                                 \
        do {                                                                    \
                struct daxmf_range_result _got, _before;                        \
                memset(&_got, 0xa5, sizeof(_got));                              \
                memset(&_before, 0xa5, sizeof(_before));                        \
                assert_int_equal(daxmf_decode_range((nlh), &_got), -EBADMSG);   \
                assert_memory_equal(&_got, &_before, sizeof(_got));             \
        } while (0)

static void assert_range_message_fails(uint8_t cmd, const struct daxmf_range_result *r) {
        _cleanup_nlmsg_ struct nl_msg *m = range_message(cmd, r, 0);

        assert_range_fails(nlmsg_hdr(m));
}

static void test_range_done(void **state) {
        _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, 0);
        struct daxmf_range_result r;

        memset(&r, 0xa5, sizeof(r));
        assert_int_equal(daxmf_decode_range(nlmsg_hdr(m), &r), 0);
        assert_true(r.done);
        assert_int_equal(r.job_id, UINT64_C(0x8000000000000017));
        assert_int_equal(r.cookie, UINT64_C(0x1122334455667788));
        assert_int_equal(r.pfn, 0x40018);
        assert_int_equal(r.pages, 16);
        assert_int_equal(r.flags, DAXMF_FLAG_ACTION_REQUIRED | DAXMF_FLAG_PER_PAGE);
        assert_int_equal(r.portid, 4242);
        assert_int_equal(r.pages_done, 16);
        assert_int_equal(r.pages_failed, 3);
        assert_int_equal(r.pages_unmapped, 1);
        assert_int_equal(r.elapsed_ns, 123456789);
        assert_int_equal(r.status, 0);
        assert_int_equal(r.first_error, -EBUSY);
        assert_int_equal(r.first_error_pfn, 0x4001a);
        assert_int_equal(r.paths, DAXMF_PATH_PAGEMAP | DAXMF_PATH_PER_PAGE);
        assert_int_equal(r.pagemap_pages, 12);
        assert_int_equal(r.per_page_pages, 4);
        assert_int_equal(r.batches, 2);
}

static void test_range_done_without_portid(void **state) {
        struct daxmf_range_result in = partial_range, r;

        in.portid = 0;
        _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &in, 0);

        memset(&r, 0xa5, sizeof(r));
        assert_int_equal(daxmf_decode_range(nlmsg_hdr(m), &r), 0);
        assert_true(r.done);
        assert_int_equal(r.portid, 0);
        assert_int_equal(r.job_id, UINT64_C(0x8000000000000017));
        assert_int_equal(r.cookie, UINT64_C(0x1122334455667788));
        assert_int_equal(r.pages_unmapped, 1);
        assert_int_equal(r.batches, 2);
}

static void test_range_stopped(void **state) {
        /*
         * The module was unloaded half way; the pages done had no error,
         * and no process had mapped 500 of them.
         */
        static const struct daxmf_range_result stopped = {
                .job_id = 1,
                .cookie = 1,
                .pfn = 0x100000,
                .pages = 1024,
                .pages_done = 512,
                .pages_failed = 0,
                .pages_unmapped = 500,
                .elapsed_ns = 42,
                .status = -ESHUTDOWN,
                .first_error = -EHWPOISON,
                .first_error_pfn = 0x100001,
                .paths = DAXMF_PATH_PER_PAGE,
                .per_page_pages = 512,
        };
        _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &stopped, 0);
        struct daxmf_range_result r;

        memset(&r, 0xa5, sizeof(r));
        assert_int_equal(daxmf_decode_range(nlmsg_hdr(m), &r), 0);
        assert_true(r.done);
        assert_int_equal(r.status, -108);
        assert_int_equal(r.status, -ESHUTDOWN);
        assert_int_equal(r.first_error, -EHWPOISON);
        assert_int_equal(r.first_error_pfn, 0x100001);
        assert_int_equal(r.pages, 1024);
        assert_int_equal(r.pages_done, 512);
        assert_int_equal(r.pages_failed, 0);
        assert_int_equal(r.pages_unmapped, 500);
        assert_int_equal(r.job_id, 1);
        assert_int_equal(r.paths, DAXMF_PATH_PER_PAGE);
        assert_int_equal(r.pagemap_pages, 0);
        assert_int_equal(r.per_page_pages, 512);
        assert_int_equal(r.batches, 0);
        assert_int_equal(r.portid, 0);
}

static void test_range_progress(void **state) {
        static const struct daxmf_range_result progress = {
                .job_id = 12,
                .cookie = 9,
                .pfn = 0x40000,
                .pages = 4096,
                .flags = DAXMF_FLAG_ALLOW_RAM | DAXMF_FLAG_SIMULATED,
                .portid = 77,
                .pages_done = 1024,
                .pages_failed = 1,
                .pages_unmapped = 1023,
                .elapsed_ns = 5000000,
        };
        _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_PROGRESS, &progress, 0);
        struct daxmf_range_result r;

        memset(&r, 0xa5, sizeof(r));
        assert_int_equal(daxmf_decode_range(nlmsg_hdr(m), &r), 0);
        assert_false(r.done);
        assert_int_equal(r.job_id, 12);
        assert_int_equal(r.cookie, 9);
        assert_int_equal(r.pfn, 0x40000);
        assert_int_equal(r.pages, 4096);
        assert_int_equal(r.flags, DAXMF_FLAG_ALLOW_RAM | DAXMF_FLAG_SIMULATED);
        assert_int_equal(r.portid, 77);
        assert_int_equal(r.pages_done, 1024);
        assert_int_equal(r.pages_failed, 1);
        assert_int_equal(r.pages_unmapped, 1023);
        assert_int_equal(r.elapsed_ns, 5000000);
        /* No verdict yet: those fields are zero, not left over. */
        assert_int_equal(r.status, 0);
        assert_int_equal(r.first_error, 0);
        assert_int_equal(r.first_error_pfn, 0);
        assert_int_equal(r.paths, 0);
        assert_int_equal(r.pagemap_pages, 0);
        assert_int_equal(r.per_page_pages, 0);
        assert_int_equal(r.batches, 0);
}

static void test_range_missing_attribute(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(counter_attrs); i++) {
                _cleanup_nlmsg_ struct nl_msg *done = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, counter_attrs[i]);
                _cleanup_nlmsg_ struct nl_msg *progress = range_message(DAXMF_CMD_RANGE_PROGRESS, &partial_range, counter_attrs[i]);

                assert_range_fails(nlmsg_hdr(done));
                assert_range_fails(nlmsg_hdr(progress));
        }

        for (size_t i = 0; i < ELEMENTSOF(verdict_attrs); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, verdict_attrs[i]);

                assert_range_fails(nlmsg_hdr(m));
        }
}

static void test_range_wrong_command(void **state) {
        assert_range_message_fails(DAXMF_CMD_GET_INFO, &partial_range);
        assert_range_message_fails(DAXMF_CMD_FAIL_RANGE, &partial_range);
        assert_range_message_fails(DAXMF_CMD_UNSPEC, &partial_range);
        assert_range_message_fails(DAXMF_CMD_MAX + 1, &partial_range);

        /* A real GET_INFO reply, too. */
        _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &good_info, 0);
        assert_range_fails(nlmsg_hdr(m));

        /* And FAIL_RANGE's answer: accepted is not done. */
        _cleanup_nlmsg_ struct nl_msg *a = accepted_message(DAXMF_CMD_FAIL_RANGE, 5, 7, 0);
        assert_range_fails(nlmsg_hdr(a));
}

/* The message for r decodes, and to exactly r. */
static void assert_range_message_decodes(uint8_t cmd, const struct daxmf_range_result *r) {
        _cleanup_nlmsg_ struct nl_msg *m = range_message(cmd, r, 0);
        struct daxmf_range_result got;

        memset(&got, 0xa5, sizeof(got));
        assert_int_equal(daxmf_decode_range(nlmsg_hdr(m), &got), 0);
        assert_int_equal(got.done, cmd == DAXMF_CMD_RANGE_DONE);
        assert_int_equal(got.job_id, r->job_id);
        assert_int_equal(got.pages, r->pages);
        assert_int_equal(got.pages_done, r->pages_done);
        assert_int_equal(got.pages_failed, r->pages_failed);
        assert_int_equal(got.pages_unmapped, r->pages_unmapped);
        if (cmd == DAXMF_CMD_RANGE_DONE) {
                assert_int_equal(got.pagemap_pages, r->pagemap_pages);
                assert_int_equal(got.per_page_pages, r->per_page_pages);
                assert_int_equal(got.batches, r->batches);
        } else {
                assert_int_equal(got.pagemap_pages, 0);
                assert_int_equal(got.per_page_pages, 0);
                assert_int_equal(got.batches, 0);
        }
}

static void test_range_contradictory_counters(void **state) {
        struct daxmf_range_result r;

        /* More pages done than asked for. */
        r = partial_range;
        r.pages_done = r.pages + 1;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);
        assert_range_message_fails(DAXMF_CMD_RANGE_PROGRESS, &r);

        r = partial_range;
        r.pages_failed = r.pages_done + 1;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);
        assert_range_message_fails(DAXMF_CMD_RANGE_PROGRESS, &r);

        r = partial_range;
        r.pages_unmapped = r.pages_done + 1;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);
        assert_range_message_fails(DAXMF_CMD_RANGE_PROGRESS, &r);

        /* Nothing done yet, yet something unmapped. */
        r = partial_range;
        r.pages_done = 0;
        r.pages_failed = 0;
        r.pages_unmapped = 1;
        r.pagemap_pages = 0;
        r.per_page_pages = 0;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);
        assert_range_message_fails(DAXMF_CMD_RANGE_PROGRESS, &r);

        r = partial_range;
        r.pagemap_pages = r.pages_done + 1;
        r.per_page_pages = 0;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);

        r = partial_range;
        r.pagemap_pages = 0;
        r.per_page_pages = r.pages_done + 1;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);
}

static void test_range_counter_limits(void **state) {
        struct daxmf_range_result r;

        /* Each counter may reach pages_done, and pages_done may reach pages. */
        r = partial_range;
        r.pages_failed = r.pages_done;
        r.pages_unmapped = r.pages_done;
        r.pagemap_pages = r.pages_done;
        r.per_page_pages = r.pages_done;
        assert_range_message_decodes(DAXMF_CMD_RANGE_DONE, &r);
        assert_range_message_decodes(DAXMF_CMD_RANGE_PROGRESS, &r);

        /* The whole range nobody had mapped: no failure. */
        r = partial_range;
        r.pages_failed = 0;
        r.pages_unmapped = 16;
        r.first_error = 0;
        r.first_error_pfn = 0;
        r.paths = DAXMF_PATH_PER_PAGE;
        r.pagemap_pages = 0;
        r.per_page_pages = 16;
        r.batches = 0;
        assert_range_message_decodes(DAXMF_CMD_RANGE_DONE, &r);

        /* Stopped before the first page. */
        r = partial_range;
        r.status = -ECONNRESET;
        r.pages_done = 0;
        r.pages_failed = 0;
        r.pages_unmapped = 0;
        r.pagemap_pages = 0;
        r.per_page_pages = 0;
        r.batches = 0;
        assert_range_message_decodes(DAXMF_CMD_RANGE_DONE, &r);
        assert_range_message_decodes(DAXMF_CMD_RANGE_PROGRESS, &r);
}

static void test_range_paths_need_not_add_up(void **state) {
        struct daxmf_range_result r;

        /*
         * How the module splits pages_done between its paths may change (a
         * later kernel may add a path), so the split is not checked against
         * the total: only each part against it.
         */
        r = partial_range;
        r.per_page_pages++;                     /* 12 + 5 = 17 > 16 */
        assert_range_message_decodes(DAXMF_CMD_RANGE_DONE, &r);

        r = partial_range;
        r.pagemap_pages--;                      /* 11 + 4 = 15 < 16 */
        assert_range_message_decodes(DAXMF_CMD_RANGE_DONE, &r);

        r = partial_range;
        r.pagemap_pages = 0;
        r.per_page_pages = 0;
        assert_range_message_decodes(DAXMF_CMD_RANGE_DONE, &r);

        r = partial_range;
        r.pagemap_pages = 16;
        r.per_page_pages = 16;
        assert_range_message_decodes(DAXMF_CMD_RANGE_DONE, &r);
}

static void test_range_counters_wrapping_around(void **state) {
        struct daxmf_range_result r;

        /*
         * (UINT64_MAX - 15) + 32 is 16 in u64 arithmetic: the parts must be
         * bounded each on its own, not through a sum that wraps.
         */
        r = partial_range;
        r.pagemap_pages = UINT64_MAX - 15;
        r.per_page_pages = 32;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);

        r = partial_range;
        r.pagemap_pages = 32;
        r.per_page_pages = UINT64_MAX - 15;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);

        r = partial_range;
        r.pagemap_pages = UINT64_MAX;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);

        r = partial_range;
        r.pages_unmapped = UINT64_MAX;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);
        assert_range_message_fails(DAXMF_CMD_RANGE_PROGRESS, &r);
}

static void test_range_positive_errors(void **state) {
        struct daxmf_range_result r;

        r = partial_range;
        r.status = EINTR;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);

        r = partial_range;
        r.status = 1;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);

        r = partial_range;
        r.first_error = EBUSY;
        assert_range_message_fails(DAXMF_CMD_RANGE_DONE, &r);
}

static void test_range_attribute_too_short(void **state) {
        {
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, DAXMF_ATTR_PFN);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_PFN, 0x40018), 0);
                assert_range_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_PROGRESS, &partial_range, DAXMF_ATTR_PAGES_DONE);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_PAGES_DONE, 16), 0);
                assert_range_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, DAXMF_ATTR_STATUS);

                assert_int_equal(nla_put_u16(m, DAXMF_ATTR_STATUS, 0), 0);
                assert_range_fails(nlmsg_hdr(m));
        }
        {
                /* An optional attribute is checked as well when present. */
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range,
                                                                 DAXMF_ATTR_REQUESTER_PORTID);

                assert_int_equal(nla_put_u8(m, DAXMF_ATTR_REQUESTER_PORTID, 1), 0);
                assert_range_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_PROGRESS, &partial_range, DAXMF_ATTR_JOB_ID);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_JOB_ID, 0x17), 0);
                assert_range_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, DAXMF_ATTR_PAGES_UNMAPPED);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_PAGES_UNMAPPED, 1), 0);
                assert_range_fails(nlmsg_hdr(m));
        }
}

static void test_range_attribute_too_long(void **state) {
        {
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, DAXMF_ATTR_FLAGS);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_FLAGS, DAXMF_FLAG_PER_PAGE), 0);
                assert_range_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, DAXMF_ATTR_STATUS);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_STATUS, 0), 0);
                assert_range_fails(nlmsg_hdr(m));
        }
        {
                static const uint64_t pfn[2] = { 0x40018, 0 };
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, DAXMF_ATTR_PFN);

                assert_int_equal(nla_put(m, DAXMF_ATTR_PFN, sizeof(pfn), pfn), 0);
                assert_range_fails(nlmsg_hdr(m));
        }
        {
                static const uint64_t job_id[2] = { 0x17, 0 };
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, DAXMF_ATTR_JOB_ID);

                assert_int_equal(nla_put(m, DAXMF_ATTR_JOB_ID, sizeof(job_id), job_id), 0);
                assert_range_fails(nlmsg_hdr(m));
        }
        {
                static const uint64_t unmapped[2] = { 1, 0 };
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_PROGRESS, &partial_range,
                                                                 DAXMF_ATTR_PAGES_UNMAPPED);

                assert_int_equal(nla_put(m, DAXMF_ATTR_PAGES_UNMAPPED, sizeof(unmapped), unmapped), 0);
                assert_range_fails(nlmsg_hdr(m));
        }
}

static void test_range_truncated(void **state) {
        assert_range_fails(NULL);

        {
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, 0);

                /* Not even room for the generic netlink header. */
                nlmsg_hdr(m)->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN - 1;
                assert_range_fails(nlmsg_hdr(m));
                nlmsg_hdr(m)->nlmsg_len = NLMSG_HDRLEN - 1;
                assert_range_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, 0);

                /* The last attribute (BATCHES) cut in half. */
                nlmsg_hdr(m)->nlmsg_len -= 4;
                assert_range_fails(nlmsg_hdr(m));
        }
}

/* ---- FAIL_RANGE accepted ---- */

static void test_accepted(void **state) {
        static const struct {
                uint64_t job_id, cookie;
        } cases[] = {
                { 1, 0 },
                { 42, UINT64_C(0x1122334455667788) },
                /* Above INT64_MAX: unsigned all the way. */
                { UINT64_C(0x8000000000000017), UINT64_MAX },
                { UINT64_MAX, 7 },
                /* The decoder does not judge ids; 0 is passed on as sent. */
                { 0, 7 },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = accepted_message(DAXMF_CMD_FAIL_RANGE, cases[i].job_id,
                                                                    cases[i].cookie, 0);
                uint64_t job_id = UINT64_C(0xa5a5a5a5a5a5a5a5);

                assert_int_equal(daxmf_decode_accepted(nlmsg_hdr(m), &job_id), 0);
                assert_int_equal(job_id, cases[i].job_id);
        }
}

static void test_accepted_missing_attribute(void **state) {
        static const int required[] = { DAXMF_ATTR_JOB_ID, DAXMF_ATTR_COOKIE };

        for (size_t i = 0; i < ELEMENTSOF(required); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = accepted_message(DAXMF_CMD_FAIL_RANGE, 5, 7, required[i]);

                assert_accepted_fails(nlmsg_hdr(m));
        }

        /* Neither: an ack-like empty reply is no acceptance. */
        _cleanup_nlmsg_ struct nl_msg *empty = new_message(DAXMF_CMD_FAIL_RANGE);
        assert_accepted_fails(nlmsg_hdr(empty));
}

static void test_accepted_wrong_command(void **state) {
        static const uint8_t cmds[] = {
                DAXMF_CMD_UNSPEC, DAXMF_CMD_GET_INFO, DAXMF_CMD_RANGE_PROGRESS, DAXMF_CMD_RANGE_DONE,
                DAXMF_CMD_MAX + 1, 99,
        };

        for (size_t i = 0; i < ELEMENTSOF(cmds); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = accepted_message(cmds[i], 5, 7, 0);

                assert_accepted_fails(nlmsg_hdr(m));
        }

        /* RANGE_DONE and RANGE_PROGRESS carry JOB_ID and COOKIE as well: the command decides. */
        {
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, 0);

                assert_accepted_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_PROGRESS, &partial_range, 0);

                assert_accepted_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &good_info, 0);

                assert_accepted_fails(nlmsg_hdr(m));
        }
}

static void test_accepted_attribute_wrong_length(void **state) {
        static const uint64_t two[2] = { 5, 0 };

        {
                _cleanup_nlmsg_ struct nl_msg *m = accepted_message(DAXMF_CMD_FAIL_RANGE, 5, 7, DAXMF_ATTR_JOB_ID);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_JOB_ID, 5), 0);
                assert_accepted_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = accepted_message(DAXMF_CMD_FAIL_RANGE, 5, 7, DAXMF_ATTR_JOB_ID);

                assert_int_equal(nla_put(m, DAXMF_ATTR_JOB_ID, sizeof(two), two), 0);
                assert_accepted_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = accepted_message(DAXMF_CMD_FAIL_RANGE, 5, 7, DAXMF_ATTR_COOKIE);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_COOKIE, 7), 0);
                assert_accepted_fails(nlmsg_hdr(m));
        }
        {
                /* An attribute the answer does not need is still checked when present. */
                _cleanup_nlmsg_ struct nl_msg *m = accepted_message(DAXMF_CMD_FAIL_RANGE, 5, 7, 0);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_PFN, 0x40018), 0);
                assert_accepted_fails(nlmsg_hdr(m));
        }
}

static void test_accepted_truncated(void **state) {
        assert_accepted_fails(NULL);

        {
                _cleanup_nlmsg_ struct nl_msg *m = accepted_message(DAXMF_CMD_FAIL_RANGE, 5, 7, 0);

                nlmsg_hdr(m)->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN - 1;
                assert_accepted_fails(nlmsg_hdr(m));
                nlmsg_hdr(m)->nlmsg_len = NLMSG_HDRLEN - 1;
                assert_accepted_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = accepted_message(DAXMF_CMD_FAIL_RANGE, 5, 7, 0);

                /* The last attribute (COOKIE) cut in half. */
                nlmsg_hdr(m)->nlmsg_len -= 4;
                assert_accepted_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = accepted_message(DAXMF_CMD_FAIL_RANGE, 5, 7, 0);

                /* COOKIE cut off whole: JOB_ID alone is not enough. */
                nlmsg_hdr(m)->nlmsg_len -= NLA_HDRLEN + 8;
                assert_accepted_fails(nlmsg_hdr(m));
        }
}

/* ---- REMOVAL ---- */

/* A device-dax removal the handler failed the pages of, and said so. */
static const struct daxmf_removal acked_removal = {
        .device = "dax0.0",
        .mode = DAXMF_REMOVAL_HANDLER_FAILED,
        .pfn = 0x240000,
        .pages = 512,
        .pages_done = 512,
        .pages_failed = 2,
        .pages_unmapped = 500,
        .status = 0,
        .elapsed_ns = 2500000,
        .has_handshake = true,
        .id = UINT64_C(0x8000000000000003),
        .handshake = DAXMF_HANDSHAKE_ACKED,
        .verdict = DAXMF_VERDICT_FAILED,
        .waited_ns = 1234567,
};

/*
 * What the module sends for rm: REMOVAL_ID, HANDSHAKE and WAITED_NS only
 * when has_handshake, VERDICT only when not 0 (whatever has_handshake
 * says), nothing of type omit.
 */
static struct nl_msg *removal_message(uint8_t cmd, const struct daxmf_removal *rm, int omit) {
        struct nl_msg *m = new_message(cmd);

#define PUT(type, put, value)                                                   \
        do {                                                                    \
                if (omit != (type))                                             \
                        assert_int_equal(put(m, (type), (value)), 0);           \
        } while (0)

        /* nla_put_u64_64bit() may put an empty PAD first; it must be ignored. */
        assert_int_equal(nla_put(m, DAXMF_ATTR_PAD, 0, NULL), 0);
        PUT(DAXMF_ATTR_DEVICE, nla_put_string, rm->device);
        PUT(DAXMF_ATTR_REMOVAL_MODE, nla_put_u32, rm->mode);
        PUT(DAXMF_ATTR_PFN, nla_put_u64, rm->pfn);
        PUT(DAXMF_ATTR_PAGES, nla_put_u64, rm->pages);
        PUT(DAXMF_ATTR_PAGES_DONE, nla_put_u64, rm->pages_done);
        PUT(DAXMF_ATTR_PAGES_FAILED, nla_put_u64, rm->pages_failed);
        PUT(DAXMF_ATTR_PAGES_UNMAPPED, nla_put_u64, rm->pages_unmapped);
        PUT(DAXMF_ATTR_STATUS, nla_put_u32, (uint32_t) rm->status);
        PUT(DAXMF_ATTR_ELAPSED_NS, nla_put_u64, rm->elapsed_ns);
        if (rm->has_handshake) {
                PUT(DAXMF_ATTR_REMOVAL_ID, nla_put_u64, rm->id);
                PUT(DAXMF_ATTR_HANDSHAKE, nla_put_u32, rm->handshake);
                PUT(DAXMF_ATTR_WAITED_NS, nla_put_u64, rm->waited_ns);
        }
        if (rm->verdict)
                PUT(DAXMF_ATTR_VERDICT, nla_put_u32, rm->verdict);
#undef PUT
        return m;
}

#define assert_removal_fails(nlh)                                               \
        do {                                                                    \
                struct daxmf_removal _got, _before;                             \
                memset(&_got, 0xa5, sizeof(_got));                              \
                memset(&_before, 0xa5, sizeof(_before));                        \
                assert_int_equal(daxmf_decode_removal((nlh), &_got), -EBADMSG); \
                assert_memory_equal(&_got, &_before, sizeof(_got));             \
        } while (0)

static void assert_removal_message_fails(uint8_t cmd, const struct daxmf_removal *rm) {
        _cleanup_nlmsg_ struct nl_msg *m = removal_message(cmd, rm, 0);

        assert_removal_fails(nlmsg_hdr(m));
}

static void test_removal_handshake(void **state) {
        _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &acked_removal, 0);
        struct daxmf_removal rm;

        memset(&rm, 0xa5, sizeof(rm));
        assert_int_equal(daxmf_decode_removal(nlmsg_hdr(m), &rm), 0);
        assert_string_equal(rm.device, "dax0.0");
        assert_int_equal(rm.mode, DAXMF_REMOVAL_HANDLER_FAILED);
        assert_int_equal(rm.mode, 3);
        assert_int_equal(rm.pfn, 0x240000);
        assert_int_equal(rm.pages, 512);
        assert_int_equal(rm.pages_done, 512);
        assert_int_equal(rm.pages_failed, 2);
        assert_int_equal(rm.pages_unmapped, 500);
        assert_int_equal(rm.status, 0);
        assert_int_equal(rm.elapsed_ns, 2500000);
        assert_true(rm.has_handshake);
        assert_int_equal(rm.id, UINT64_C(0x8000000000000003));
        assert_int_equal(rm.handshake, DAXMF_HANDSHAKE_ACKED);
        assert_int_equal(rm.handshake, 2);
        assert_int_equal(rm.verdict, DAXMF_VERDICT_FAILED);
        assert_int_equal(rm.verdict, 1);
        assert_int_equal(rm.waited_ns, 1234567);
}

static void test_removal_handshake_without_verdict(void **state) {
        static const uint32_t handshakes[] = {
                DAXMF_HANDSHAKE_NO_HANDLER, DAXMF_HANDSHAKE_TIMEOUT,
                DAXMF_HANDSHAKE_HANDLER_GONE, DAXMF_HANDSHAKE_ABORTED, DAXMF_HANDSHAKE_UNDELIVERED,
        };
        struct daxmf_removal in = acked_removal;

        /* Nobody answered: no VERDICT, and 0 rather than anything left over. */
        in.mode = DAXMF_REMOVAL_FAILED_PAGES;
        in.verdict = 0;
        in.id = 0;
        in.waited_ns = 0;
        for (size_t i = 0; i < ELEMENTSOF(handshakes); i++) {
                struct daxmf_removal rm;

                in.handshake = handshakes[i];
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &in, 0);

                memset(&rm, 0xa5, sizeof(rm));
                assert_int_equal(daxmf_decode_removal(nlmsg_hdr(m), &rm), 0);
                assert_true(rm.has_handshake);
                assert_int_equal(rm.handshake, handshakes[i]);
                assert_int_equal(rm.verdict, 0);
                assert_int_equal(rm.id, 0);
                assert_int_equal(rm.waited_ns, 0);
                assert_int_equal(rm.mode, DAXMF_REMOVAL_FAILED_PAGES);
                assert_string_equal(rm.device, "dax0.0");
        }

        /* A handler that only recorded it, after the longest wait there is. */
        in = acked_removal;
        in.mode = DAXMF_REMOVAL_HOLDER_WALK;
        in.verdict = DAXMF_VERDICT_RECORDED;
        in.id = UINT64_MAX;
        in.waited_ns = UINT64_C(60000000000);
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &in, 0);
                struct daxmf_removal rm;

                memset(&rm, 0xa5, sizeof(rm));
                assert_int_equal(daxmf_decode_removal(nlmsg_hdr(m), &rm), 0);
                assert_true(rm.has_handshake);
                assert_int_equal(rm.mode, DAXMF_REMOVAL_HOLDER_WALK);
                assert_int_equal(rm.handshake, DAXMF_HANDSHAKE_ACKED);
                assert_int_equal(rm.verdict, DAXMF_VERDICT_RECORDED);
                assert_int_equal(rm.id, UINT64_MAX);
                assert_int_equal(rm.waited_ns, UINT64_C(60000000000));
        }
}

static void test_removal_without_handshake(void **state) {
        /* A module without the handshake: none of the four attributes. */
        struct daxmf_removal in = acked_removal, rm;

        in.mode = DAXMF_REMOVAL_FAILED_PAGES;
        in.status = -ENXIO;
        in.has_handshake = false;
        in.verdict = 0;
        _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &in, 0);

        memset(&rm, 0xa5, sizeof(rm));
        assert_int_equal(daxmf_decode_removal(nlmsg_hdr(m), &rm), 0);
        assert_false(rm.has_handshake);
        assert_int_equal(rm.id, 0);
        assert_int_equal(rm.handshake, 0);
        assert_int_equal(rm.verdict, 0);
        assert_int_equal(rm.waited_ns, 0);
        assert_string_equal(rm.device, "dax0.0");
        assert_int_equal(rm.mode, DAXMF_REMOVAL_FAILED_PAGES);
        assert_int_equal(rm.pfn, 0x240000);
        assert_int_equal(rm.pages, 512);
        assert_int_equal(rm.pages_done, 512);
        assert_int_equal(rm.pages_failed, 2);
        assert_int_equal(rm.pages_unmapped, 500);
        assert_int_equal(rm.status, -ENXIO);
        assert_int_equal(rm.elapsed_ns, 2500000);
}

static void test_removal_handshake_incomplete(void **state) {
        /* All three are needed; VERDICT without them is not taken either. */
        static const int attrs[] = { DAXMF_ATTR_REMOVAL_ID, DAXMF_ATTR_HANDSHAKE, DAXMF_ATTR_WAITED_NS };

        for (size_t i = 0; i < ELEMENTSOF(attrs); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &acked_removal, attrs[i]);
                struct daxmf_removal rm;

                memset(&rm, 0xa5, sizeof(rm));
                assert_int_equal(daxmf_decode_removal(nlmsg_hdr(m), &rm), 0);
                assert_false(rm.has_handshake);
                assert_int_equal(rm.id, 0);
                assert_int_equal(rm.handshake, 0);
                assert_int_equal(rm.verdict, 0);
                assert_int_equal(rm.waited_ns, 0);
                assert_string_equal(rm.device, "dax0.0");
                assert_int_equal(rm.pages_unmapped, 500);
        }

        {
                struct daxmf_removal in = acked_removal, rm;

                in.has_handshake = false;
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &in, 0);

                memset(&rm, 0xa5, sizeof(rm));
                assert_int_equal(daxmf_decode_removal(nlmsg_hdr(m), &rm), 0);
                assert_false(rm.has_handshake);
                assert_int_equal(rm.verdict, 0);
        }
}

static void test_removal_missing_attribute(void **state) {
        static const int required[] = {
                DAXMF_ATTR_DEVICE, DAXMF_ATTR_REMOVAL_MODE, DAXMF_ATTR_PFN, DAXMF_ATTR_PAGES,
                DAXMF_ATTR_PAGES_DONE, DAXMF_ATTR_PAGES_FAILED, DAXMF_ATTR_PAGES_UNMAPPED,
                DAXMF_ATTR_STATUS, DAXMF_ATTR_ELAPSED_NS,
        };

        for (size_t i = 0; i < ELEMENTSOF(required); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &acked_removal, required[i]);

                assert_removal_fails(nlmsg_hdr(m));
        }

        _cleanup_nlmsg_ struct nl_msg *empty = new_message(DAXMF_CMD_REMOVAL);
        assert_removal_fails(nlmsg_hdr(empty));
}

static void test_removal_wrong_command(void **state) {
        static const uint8_t cmds[] = {
                DAXMF_CMD_UNSPEC, DAXMF_CMD_GET_INFO, DAXMF_CMD_RANGE_DONE, DAXMF_CMD_RANGE_PROGRESS,
                DAXMF_CMD_REMOVAL_PENDING, DAXMF_CMD_SET_REMOVAL_HANDLER, DAXMF_CMD_REMOVAL_ACK,
                DAXMF_CMD_MAX + 1, 99,
        };

        for (size_t i = 0; i < ELEMENTSOF(cmds); i++)
                assert_removal_message_fails(cmds[i], &acked_removal);
}

static void test_removal_counters(void **state) {
        struct daxmf_removal r;

        r = acked_removal;
        r.pages_done = r.pages + 1;
        assert_removal_message_fails(DAXMF_CMD_REMOVAL, &r);

        r = acked_removal;
        r.pages_failed = r.pages_done + 1;
        assert_removal_message_fails(DAXMF_CMD_REMOVAL, &r);

        r = acked_removal;
        r.pages_unmapped = r.pages_done + 1;
        assert_removal_message_fails(DAXMF_CMD_REMOVAL, &r);

        r = acked_removal;
        r.status = ENXIO;
        assert_removal_message_fails(DAXMF_CMD_REMOVAL, &r);
}

static void test_removal_attribute_wrong_length(void **state) {
        static const uint64_t two[2] = { 1, 0 };

        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &acked_removal, DAXMF_ATTR_REMOVAL_ID);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_REMOVAL_ID, 3), 0);
                assert_removal_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &acked_removal, DAXMF_ATTR_REMOVAL_ID);

                assert_int_equal(nla_put(m, DAXMF_ATTR_REMOVAL_ID, sizeof(two), two), 0);
                assert_removal_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &acked_removal, DAXMF_ATTR_HANDSHAKE);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_HANDSHAKE, DAXMF_HANDSHAKE_ACKED), 0);
                assert_removal_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &acked_removal, DAXMF_ATTR_HANDSHAKE);

                assert_int_equal(nla_put_u16(m, DAXMF_ATTR_HANDSHAKE, DAXMF_HANDSHAKE_ACKED), 0);
                assert_removal_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &acked_removal, DAXMF_ATTR_WAITED_NS);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_WAITED_NS, 1234567), 0);
                assert_removal_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &acked_removal, DAXMF_ATTR_VERDICT);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_VERDICT, DAXMF_VERDICT_FAILED), 0);
                assert_removal_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &acked_removal, DAXMF_ATTR_VERDICT);

                assert_int_equal(nla_put_u8(m, DAXMF_ATTR_VERDICT, DAXMF_VERDICT_FAILED), 0);
                assert_removal_fails(nlmsg_hdr(m));
        }
        {
                /* Checked as well when the handshake is incomplete and so unused. */
                struct daxmf_removal in = acked_removal;

                in.has_handshake = false;
                in.verdict = 0;
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &in, 0);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_VERDICT, DAXMF_VERDICT_FAILED), 0);
                assert_removal_fails(nlmsg_hdr(m));
        }
        {
                struct daxmf_removal in = acked_removal;

                in.has_handshake = false;
                in.verdict = 0;
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &in, 0);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_WAITED_NS, 1), 0);
                assert_removal_fails(nlmsg_hdr(m));
        }
}

/* ---- REMOVAL_PENDING ---- */

/* A 1 GiB device-dax going away, its pages still alive. */
static const struct daxmf_removal_pending good_pending = {
        .id = 7,
        .device = "dax0.0",
        .pfn = 0x240000,
        .pages = 0x40000,
        .mode = DAXMF_REMOVAL_FAILED_PAGES,
        .timeout_ms = 10000,
};

/* What the module sends the handler for p, without the attribute omit. */
static struct nl_msg *removal_pending_message(uint8_t cmd, const struct daxmf_removal_pending *p, int omit) {
        struct nl_msg *m = new_message(cmd);

#define PUT(type, put, value)                                                   \
        do {                                                                    \
                if (omit != (type))                                             \
                        assert_int_equal(put(m, (type), (value)), 0);           \
        } while (0)

        /* nla_put_u64_64bit() may put an empty PAD first; it must be ignored. */
        assert_int_equal(nla_put(m, DAXMF_ATTR_PAD, 0, NULL), 0);
        PUT(DAXMF_ATTR_REMOVAL_ID, nla_put_u64, p->id);
        PUT(DAXMF_ATTR_DEVICE, nla_put_string, p->device);
        PUT(DAXMF_ATTR_PFN, nla_put_u64, p->pfn);
        PUT(DAXMF_ATTR_PAGES, nla_put_u64, p->pages);
        PUT(DAXMF_ATTR_REMOVAL_MODE, nla_put_u32, p->mode);
        PUT(DAXMF_ATTR_TIMEOUT_MS, nla_put_u32, p->timeout_ms);
#undef PUT
        return m;
}

#define assert_removal_pending_fails(nlh)                                       \
        do {                                                                    \
                struct daxmf_removal_pending _got, _before;                     \
                memset(&_got, 0xa5, sizeof(_got));                              \
                memset(&_before, 0xa5, sizeof(_before));                        \
                assert_int_equal(daxmf_decode_removal_pending((nlh), &_got), -EBADMSG); \
                assert_memory_equal(&_got, &_before, sizeof(_got));             \
        } while (0)

static void assert_removal_pending_message_fails(uint8_t cmd, const struct daxmf_removal_pending *p) {
        _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(cmd, p, 0);

        assert_removal_pending_fails(nlmsg_hdr(m));
}

/* The message for p decodes, and to exactly p. */
static void assert_removal_pending_message_decodes(const struct daxmf_removal_pending *p) {
        _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, p, 0);
        struct daxmf_removal_pending got;

        memset(&got, 0xa5, sizeof(got));
        assert_int_equal(daxmf_decode_removal_pending(nlmsg_hdr(m), &got), 0);
        assert_int_equal(got.id, p->id);
        assert_string_equal(got.device, p->device);
        assert_int_equal(got.pfn, p->pfn);
        assert_int_equal(got.pages, p->pages);
        assert_int_equal(got.mode, p->mode);
        assert_int_equal(got.timeout_ms, p->timeout_ms);
}

static void test_removal_pending(void **state) {
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending, 0);
                struct daxmf_removal_pending p;

                memset(&p, 0xa5, sizeof(p));
                assert_int_equal(daxmf_decode_removal_pending(nlmsg_hdr(m), &p), 0);
                assert_int_equal(p.id, 7);
                assert_string_equal(p.device, "dax0.0");
                assert_int_equal(p.pfn, 0x240000);
                assert_int_equal(p.pages, 0x40000);
                assert_int_equal(p.mode, DAXMF_REMOVAL_FAILED_PAGES);
                assert_int_equal(p.mode, 1);
                assert_int_equal(p.timeout_ms, 10000);
        }
        {
                /* fsdax, the longest wait, an id above INT64_MAX. */
                static const struct daxmf_removal_pending fsdax = {
                        .id = UINT64_C(0xfffffffffffffffe),
                        .device = "namespace0.0",
                        .pfn = 0x1080000,
                        .pages = 1,
                        .mode = DAXMF_REMOVAL_HOLDER_WALK,
                        .timeout_ms = DAXMF_MAX_REMOVAL_TIMEOUT_MS,
                };
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &fsdax, 0);
                struct daxmf_removal_pending p;

                memset(&p, 0xa5, sizeof(p));
                assert_int_equal(daxmf_decode_removal_pending(nlmsg_hdr(m), &p), 0);
                assert_int_equal(p.id, UINT64_C(0xfffffffffffffffe));
                assert_string_equal(p.device, "namespace0.0");
                assert_int_equal(p.pfn, 0x1080000);
                assert_int_equal(p.pages, 1);
                assert_int_equal(p.mode, DAXMF_REMOVAL_HOLDER_WALK);
                assert_int_equal(p.timeout_ms, 60000);
        }
}

static void test_removal_pending_missing_attribute(void **state) {
        static const int required[] = {
                DAXMF_ATTR_REMOVAL_ID, DAXMF_ATTR_DEVICE, DAXMF_ATTR_PFN, DAXMF_ATTR_PAGES,
                DAXMF_ATTR_REMOVAL_MODE, DAXMF_ATTR_TIMEOUT_MS,
        };

        for (size_t i = 0; i < ELEMENTSOF(required); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending,
                                                                           required[i]);

                assert_removal_pending_fails(nlmsg_hdr(m));
        }

        _cleanup_nlmsg_ struct nl_msg *empty = new_message(DAXMF_CMD_REMOVAL_PENDING);
        assert_removal_pending_fails(nlmsg_hdr(empty));
}

static void test_removal_pending_wrong_command(void **state) {
        static const uint8_t cmds[] = {
                DAXMF_CMD_UNSPEC, DAXMF_CMD_GET_INFO, DAXMF_CMD_FAIL_RANGE, DAXMF_CMD_RANGE_DONE,
                DAXMF_CMD_REMOVAL, DAXMF_CMD_SET_REMOVAL_HANDLER, DAXMF_CMD_REMOVAL_ACK,
                DAXMF_CMD_MAX + 1, 99,
        };

        for (size_t i = 0; i < ELEMENTSOF(cmds); i++)
                assert_removal_pending_message_fails(cmds[i], &good_pending);

        /* A REMOVAL event with every attribute REMOVAL_PENDING takes: the command decides. */
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_message(DAXMF_CMD_REMOVAL, &acked_removal, 0);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_TIMEOUT_MS, 10000), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
        /* Nor is a pending removal one that happened. */
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending, 0);

                assert_removal_fails(nlmsg_hdr(m));
        }
}

static void test_removal_pending_pages(void **state) {
        struct daxmf_removal_pending p;

        p = good_pending;
        p.pages = 0;
        assert_removal_pending_message_fails(DAXMF_CMD_REMOVAL_PENDING, &p);

        p.pfn = 0;
        assert_removal_pending_message_fails(DAXMF_CMD_REMOVAL_PENDING, &p);

        p = good_pending;
        p.pages = 1;
        assert_removal_pending_message_decodes(&p);

        /* The range must end within u64 pfns, without wrapping around. */
        p = good_pending;
        p.pfn = UINT64_MAX;
        p.pages = 1;
        assert_removal_pending_message_fails(DAXMF_CMD_REMOVAL_PENDING, &p);

        p.pfn = UINT64_MAX - 15;
        p.pages = 16;
        assert_removal_pending_message_fails(DAXMF_CMD_REMOVAL_PENDING, &p);

        p.pfn = 1;
        p.pages = UINT64_MAX;
        assert_removal_pending_message_fails(DAXMF_CMD_REMOVAL_PENDING, &p);

        p.pfn = UINT64_MAX;
        p.pages = UINT64_MAX;
        assert_removal_pending_message_fails(DAXMF_CMD_REMOVAL_PENDING, &p);

        p.pfn = 0x240000;
        p.pages = UINT64_MAX - 0x240000 + 1;
        assert_removal_pending_message_fails(DAXMF_CMD_REMOVAL_PENDING, &p);

        /* Up to the very last sum that does not wrap. */
        p.pfn = 0x240000;
        p.pages = UINT64_MAX - 0x240000;
        assert_removal_pending_message_decodes(&p);

        p.pfn = UINT64_MAX - 16;
        p.pages = 16;
        assert_removal_pending_message_decodes(&p);

        p.pfn = 0;
        p.pages = UINT64_MAX;
        assert_removal_pending_message_decodes(&p);

        p.pfn = UINT64_MAX - 1;
        p.pages = 1;
        assert_removal_pending_message_decodes(&p);
}

static void test_removal_pending_values_passed_on(void **state) {
        /* Mode, timeout and id are the module's to judge, not the decoder's. */
        static const uint32_t modes[] = {
                DAXMF_REMOVAL_FAILED_PAGES, DAXMF_REMOVAL_HOLDER_WALK, DAXMF_REMOVAL_HANDLER_FAILED, 0, 99,
                UINT32_MAX,
        };
        static const uint32_t timeouts[] = { 0, 1, DAXMF_MAX_REMOVAL_TIMEOUT_MS, UINT32_MAX };
        static const uint64_t ids[] = { 0, 1, UINT64_C(0x8000000000000000), UINT64_MAX };
        struct daxmf_removal_pending p = good_pending;

        for (size_t i = 0; i < ELEMENTSOF(modes); i++) {
                p.mode = modes[i];
                assert_removal_pending_message_decodes(&p);
        }
        p = good_pending;
        for (size_t i = 0; i < ELEMENTSOF(timeouts); i++) {
                p.timeout_ms = timeouts[i];
                assert_removal_pending_message_decodes(&p);
        }
        p = good_pending;
        for (size_t i = 0; i < ELEMENTSOF(ids); i++) {
                p.id = ids[i];
                assert_removal_pending_message_decodes(&p);
        }
}

/* DEVICE must be a whole name: not empty, terminated, no NUL inside. */
static void test_removal_pending_device_malformed(void **state) {
        static const struct {
                const char *bytes;
                int len;
        } names[] = {
                { "", 0 },              /* no byte at all */
                { "", 1 },              /* only the terminator */
                { "dax0.0", 6 },        /* not terminated */
                { "dax\0evil", 9 },     /* a NUL inside */
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending,
                                                                           DAXMF_ATTR_DEVICE);

                assert_int_equal(nla_put(m, DAXMF_ATTR_DEVICE, names[i].len, names[i].bytes), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
}

static void test_removal_pending_device_length(void **state) {
        struct daxmf_removal_pending p = good_pending;
        char longest[64], too_long[65], much_too_long[300];

        memset(longest, 'd', sizeof(longest) - 1);
        longest[sizeof(longest) - 1] = '\0';
        memset(too_long, 'd', sizeof(too_long) - 1);
        too_long[sizeof(too_long) - 1] = '\0';
        memset(much_too_long, 'd', sizeof(much_too_long) - 1);
        much_too_long[sizeof(much_too_long) - 1] = '\0';

        /* 63 characters fit the 64-byte buffer exactly. */
        memcpy(p.device, longest, sizeof(longest));
        assert_removal_pending_message_decodes(&p);
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &p, 0);
                struct daxmf_removal_pending got;

                assert_int_equal(daxmf_decode_removal_pending(nlmsg_hdr(m), &got), 0);
                assert_int_equal(strlen(got.device), 63);
                assert_memory_equal(got.device, longest, sizeof(longest));
        }

        /* One more is refused rather than silently cut. */
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending,
                                                                           DAXMF_ATTR_DEVICE);

                assert_int_equal(nla_put_string(m, DAXMF_ATTR_DEVICE, too_long), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending,
                                                                           DAXMF_ATTR_DEVICE);

                assert_int_equal(nla_put_string(m, DAXMF_ATTR_DEVICE, much_too_long), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
}

static void test_removal_pending_attribute_wrong_length(void **state) {
        static const uint64_t two[2] = { 7, 0 };

        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending,
                                                                           DAXMF_ATTR_REMOVAL_ID);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_REMOVAL_ID, 7), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending,
                                                                           DAXMF_ATTR_REMOVAL_ID);

                assert_int_equal(nla_put(m, DAXMF_ATTR_REMOVAL_ID, sizeof(two), two), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending,
                                                                           DAXMF_ATTR_PFN);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_PFN, 0x240000), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending,
                                                                           DAXMF_ATTR_PAGES);

                assert_int_equal(nla_put(m, DAXMF_ATTR_PAGES, sizeof(two), two), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending,
                                                                           DAXMF_ATTR_REMOVAL_MODE);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_REMOVAL_MODE, DAXMF_REMOVAL_FAILED_PAGES), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending,
                                                                           DAXMF_ATTR_REMOVAL_MODE);

                assert_int_equal(nla_put_u8(m, DAXMF_ATTR_REMOVAL_MODE, DAXMF_REMOVAL_FAILED_PAGES), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending,
                                                                           DAXMF_ATTR_TIMEOUT_MS);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_TIMEOUT_MS, 10000), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending,
                                                                           DAXMF_ATTR_TIMEOUT_MS);

                assert_int_equal(nla_put_u16(m, DAXMF_ATTR_TIMEOUT_MS, 10000), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
        {
                /* An attribute the message does not need is still checked when present. */
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending, 0);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_HANDLER_PORTID, 4242), 0);
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
}

static void test_removal_pending_truncated(void **state) {
        assert_removal_pending_fails(NULL);

        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending, 0);

                nlmsg_hdr(m)->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN - 1;
                assert_removal_pending_fails(nlmsg_hdr(m));
                nlmsg_hdr(m)->nlmsg_len = NLMSG_HDRLEN - 1;
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending, 0);

                /* The last attribute (TIMEOUT_MS) cut in half. */
                nlmsg_hdr(m)->nlmsg_len -= 2;
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending, 0);

                /* TIMEOUT_MS cut off whole. */
                nlmsg_hdr(m)->nlmsg_len -= NLA_HDRLEN + 4;
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
}

/* ---- SET_REMOVAL_HANDLER's answer ---- */

/* What the module answers SET_REMOVAL_HANDLER with, without the attribute omit. */
static struct nl_msg *handler_message(uint8_t cmd, uint32_t portid, uint32_t timeout_ms, int omit) {
        struct nl_msg *m = new_message(cmd);

        if (omit != DAXMF_ATTR_HANDLER_PORTID)
                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_HANDLER_PORTID, portid), 0);
        if (omit != DAXMF_ATTR_TIMEOUT_MS)
                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_TIMEOUT_MS, timeout_ms), 0);
        return m;
}

/* Fails with -EBADMSG and leaves both results as they were. */
#define assert_handler_fails(nlh)                                               \
        do {                                                                    \
                uint32_t _portid = UINT32_C(0xa5a5a5a5), _timeout = UINT32_C(0x5a5a5a5a); \
                assert_int_equal(daxmf_decode_handler((nlh), &_portid, &_timeout), -EBADMSG); \
                assert_int_equal(_portid, UINT32_C(0xa5a5a5a5));                \
                assert_int_equal(_timeout, UINT32_C(0x5a5a5a5a));               \
        } while (0)

static void test_handler(void **state) {
        static const struct {
                uint32_t portid, timeout_ms;
        } cases[] = {
                { 4242, 5000 },
                { 1, 1 },
                { UINT32_MAX, DAXMF_MAX_REMOVAL_TIMEOUT_MS },
                /* The decoder does not judge; passed on as sent. */
                { 0, 0 },
                { 0x80000001, UINT32_MAX },
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(DAXMF_CMD_SET_REMOVAL_HANDLER, cases[i].portid,
                                                                   cases[i].timeout_ms, 0);
                uint32_t portid = UINT32_C(0xa5a5a5a5), timeout_ms = UINT32_C(0x5a5a5a5a);

                assert_int_equal(daxmf_decode_handler(nlmsg_hdr(m), &portid, &timeout_ms), 0);
                assert_int_equal(portid, cases[i].portid);
                assert_int_equal(timeout_ms, cases[i].timeout_ms);
        }

        /* Not swapped. */
        {
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(DAXMF_CMD_SET_REMOVAL_HANDLER, 4242, 5000, 0);
                uint32_t portid = 0, timeout_ms = 0;

                assert_int_equal(daxmf_decode_handler(nlmsg_hdr(m), &portid, &timeout_ms), 0);
                assert_int_equal(portid, 4242);
                assert_int_equal(timeout_ms, 5000);
        }
}

static void test_handler_missing_attribute(void **state) {
        static const int required[] = { DAXMF_ATTR_HANDLER_PORTID, DAXMF_ATTR_TIMEOUT_MS };

        for (size_t i = 0; i < ELEMENTSOF(required); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(DAXMF_CMD_SET_REMOVAL_HANDLER, 4242, 5000,
                                                                   required[i]);

                assert_handler_fails(nlmsg_hdr(m));
        }

        /* An ack-like empty reply is no registration. */
        _cleanup_nlmsg_ struct nl_msg *empty = new_message(DAXMF_CMD_SET_REMOVAL_HANDLER);
        assert_handler_fails(nlmsg_hdr(empty));
}

static void test_handler_wrong_command(void **state) {
        static const uint8_t cmds[] = {
                DAXMF_CMD_UNSPEC, DAXMF_CMD_GET_INFO, DAXMF_CMD_FAIL_RANGE, DAXMF_CMD_REMOVAL,
                DAXMF_CMD_REMOVAL_PENDING, DAXMF_CMD_REMOVAL_ACK, DAXMF_CMD_MAX + 1, 99,
        };

        for (size_t i = 0; i < ELEMENTSOF(cmds); i++) {
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(cmds[i], 4242, 5000, 0);

                assert_handler_fails(nlmsg_hdr(m));
        }

        /* GET_INFO carries HANDLER_PORTID and TIMEOUT_MS as well: the command decides. */
        {
                _cleanup_nlmsg_ struct nl_msg *m = info_message(DAXMF_CMD_GET_INFO, &handshake_info, 0);

                assert_handler_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = removal_pending_message(DAXMF_CMD_REMOVAL_PENDING, &good_pending, 0);

                assert_handler_fails(nlmsg_hdr(m));
        }
        /* And the other way round. */
        {
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(DAXMF_CMD_SET_REMOVAL_HANDLER, 4242, 5000, 0);

                assert_info_fails(nlmsg_hdr(m));
                assert_removal_pending_fails(nlmsg_hdr(m));
        }
}

static void test_handler_attribute_wrong_length(void **state) {
        {
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(DAXMF_CMD_SET_REMOVAL_HANDLER, 4242, 5000,
                                                                   DAXMF_ATTR_HANDLER_PORTID);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_HANDLER_PORTID, 4242), 0);
                assert_handler_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(DAXMF_CMD_SET_REMOVAL_HANDLER, 4242, 5000,
                                                                   DAXMF_ATTR_HANDLER_PORTID);

                assert_int_equal(nla_put_u16(m, DAXMF_ATTR_HANDLER_PORTID, 4242), 0);
                assert_handler_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(DAXMF_CMD_SET_REMOVAL_HANDLER, 4242, 5000,
                                                                   DAXMF_ATTR_TIMEOUT_MS);

                assert_int_equal(nla_put_u64(m, DAXMF_ATTR_TIMEOUT_MS, 5000), 0);
                assert_handler_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(DAXMF_CMD_SET_REMOVAL_HANDLER, 4242, 5000,
                                                                   DAXMF_ATTR_TIMEOUT_MS);

                assert_int_equal(nla_put_u8(m, DAXMF_ATTR_TIMEOUT_MS, 50), 0);
                assert_handler_fails(nlmsg_hdr(m));
        }
        {
                /* An attribute the answer does not need is still checked when present. */
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(DAXMF_CMD_SET_REMOVAL_HANDLER, 4242, 5000, 0);

                assert_int_equal(nla_put_u32(m, DAXMF_ATTR_REMOVAL_ID, 1), 0);
                assert_handler_fails(nlmsg_hdr(m));
        }
}

static void test_handler_truncated(void **state) {
        assert_handler_fails(NULL);

        {
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(DAXMF_CMD_SET_REMOVAL_HANDLER, 4242, 5000, 0);

                nlmsg_hdr(m)->nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN - 1;
                assert_handler_fails(nlmsg_hdr(m));
                nlmsg_hdr(m)->nlmsg_len = NLMSG_HDRLEN - 1;
                assert_handler_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(DAXMF_CMD_SET_REMOVAL_HANDLER, 4242, 5000, 0);

                /* The last attribute (TIMEOUT_MS) cut in half. */
                nlmsg_hdr(m)->nlmsg_len -= 2;
                assert_handler_fails(nlmsg_hdr(m));
        }
        {
                _cleanup_nlmsg_ struct nl_msg *m = handler_message(DAXMF_CMD_SET_REMOVAL_HANDLER, 4242, 5000, 0);

                /* TIMEOUT_MS cut off whole: the port alone is not enough. */
                nlmsg_hdr(m)->nlmsg_len -= NLA_HDRLEN + 4;
                assert_handler_fails(nlmsg_hdr(m));
        }
}

/* ---- NLMSG_ERROR ---- */

/*
 * An NLMSG_ERROR message put together byte by byte, as the kernel's
 * netlink_ack() lays it out.
 */
struct ack {
        union {
                struct nlmsghdr nlh;
                uint8_t raw[1024];
        };
        size_t len;
};

/* The FAIL_RANGE request being answered: genl header, PFN, FLAGS (24 bytes). */
struct request {
        union {
                struct nlmsghdr nlh;
                uint8_t raw[256];
        };
};

static void request_init(struct request *req, size_t junk) {
        struct genlmsghdr g = { .cmd = DAXMF_CMD_FAIL_RANGE, .version = DAXMF_GENL_VERSION };
        struct nlattr pfn = { .nla_len = NLA_HDRLEN + 8, .nla_type = DAXMF_ATTR_PFN };
        struct nlattr flags = { .nla_len = NLA_HDRLEN + 4, .nla_type = DAXMF_ATTR_FLAGS };
        uint64_t pfn_value = 0x40018;
        uint32_t flags_value = DAXMF_FLAG_PER_PAGE;
        size_t len = NLMSG_HDRLEN;

        memset(req, 0, sizeof(*req));
        memcpy(req->raw + len, &g, sizeof(g));
        len += GENL_HDRLEN;
        memcpy(req->raw + len, &pfn, sizeof(pfn));
        memcpy(req->raw + len + NLA_HDRLEN, &pfn_value, sizeof(pfn_value));
        len += NLA_HDRLEN + 8;
        memcpy(req->raw + len, &flags, sizeof(flags));
        memcpy(req->raw + len + NLA_HDRLEN, &flags_value, sizeof(flags_value));
        len += NLA_HDRLEN + 4;
        /* Trailing bytes make the length unaligned, as a sloppy request may. */
        memset(req->raw + len, 0xee, junk);
        len += junk;

        req->nlh.nlmsg_len = len;
        req->nlh.nlmsg_type = FAMILY_ID;
        req->nlh.nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
        req->nlh.nlmsg_seq = 7;
        req->nlh.nlmsg_pid = 0;
}

static void ack_init(struct ack *a, int error, uint16_t flags, const struct request *req) {
        struct nlmsgerr err = { .error = error, .msg = req->nlh };

        memset(a, 0, sizeof(*a));
        a->nlh.nlmsg_type = NLMSG_ERROR;
        a->nlh.nlmsg_flags = flags;
        a->nlh.nlmsg_seq = req->nlh.nlmsg_seq;
        a->nlh.nlmsg_pid = 4242;
        a->len = NLMSG_HDRLEN;
        memcpy(a->raw + a->len, &err, sizeof(err));
        a->len += sizeof(err);
        if (!(flags & NLM_F_CAPPED)) {
                size_t payload = req->nlh.nlmsg_len - NLMSG_HDRLEN;

                memcpy(a->raw + a->len, req->raw + NLMSG_HDRLEN, payload);
                a->len += NLMSG_ALIGN(payload);
        }
        a->nlh.nlmsg_len = a->len;
}

static void ack_put(struct ack *a, uint16_t type, const void *data, size_t size) {
        struct nlattr nla = { .nla_len = NLA_HDRLEN + size, .nla_type = type };

        assert_true(a->len + NLA_ALIGN(NLA_HDRLEN + size) <= sizeof(a->raw));
        memcpy(a->raw + a->len, &nla, sizeof(nla));
        memcpy(a->raw + a->len + NLA_HDRLEN, data, size);
        a->len += NLA_ALIGN(NLA_HDRLEN + size);
        a->nlh.nlmsg_len = a->len;
}

static void ack_put_string(struct ack *a, uint16_t type, const char *s) {
        ack_put(a, type, s, strlen(s) + 1);
}

static void ack_put_u32(struct ack *a, uint16_t type, uint32_t v) {
        ack_put(a, type, &v, sizeof(v));
}

static void ack_put_u64(struct ack *a, uint16_t type, uint64_t v) {
        ack_put(a, type, &v, sizeof(v));
}

/* The extended ack of a refused FAIL_RANGE: text, offending pfn, missing attribute. */
static void ack_put_refusal(struct ack *a) {
        ack_put_string(a, NLMSGERR_ATTR_MSG, "pfn is not in a dax device");
        ack_put_u32(a, NLMSGERR_ATTR_OFFS, NLMSG_HDRLEN + GENL_HDRLEN);
        ack_put_u64(a, NLMSGERR_ATTR_COOKIE, 0x40018);
        ack_put_u32(a, NLMSGERR_ATTR_MISS_TYPE, DAXMF_ATTR_PAGES);
}

#define assert_error_fails(nlh)                                                 \
        do {                                                                    \
                struct daxmf_error _got, _before;                               \
                memset(&_got, 0xa5, sizeof(_got));                              \
                memset(&_before, 0xa5, sizeof(_before));                        \
                assert_int_equal(daxmf_decode_error((nlh), &_got), -EBADMSG);   \
                assert_memory_equal(&_got, &_before, sizeof(_got));             \
        } while (0)

static void assert_refusal(const struct ack *a) {
        struct daxmf_error e;

        memset(&e, 0xa5, sizeof(e));
        assert_int_equal(daxmf_decode_error(&a->nlh, &e), 0);
        assert_int_equal(e.error, -ENXIO);
        assert_string_equal(e.message, "pfn is not in a dax device");
        assert_true(e.has_pfn);
        assert_int_equal(e.pfn, 0x40018);
        assert_int_equal(e.missing_attr, DAXMF_ATTR_PAGES);
}

static void test_error_capped(void **state) {
        struct request req;
        struct ack a;

        request_init(&req, 0);
        ack_init(&a, -ENXIO, NLM_F_CAPPED | NLM_F_ACK_TLVS, &req);
        ack_put_refusal(&a);
        assert_refusal(&a);
}

static void test_error_whole_request_echoed(void **state) {
        struct request req;
        struct ack a;

        request_init(&req, 0);
        assert_int_equal(req.nlh.nlmsg_len, NLMSG_HDRLEN + 24);
        ack_init(&a, -ENXIO, NLM_F_ACK_TLVS, &req);
        ack_put_refusal(&a);
        assert_refusal(&a);
}

static void test_error_unaligned_request_echoed(void **state) {
        struct request req;
        struct ack a;

        request_init(&req, 3);
        assert_int_equal(req.nlh.nlmsg_len, NLMSG_HDRLEN + 27);
        ack_init(&a, -ENXIO, NLM_F_ACK_TLVS, &req);
        ack_put_refusal(&a);
        assert_refusal(&a);
}

static void test_error_without_tlvs(void **state) {
        struct request req;
        struct daxmf_error e;
        struct ack a;

        request_init(&req, 0);

        ack_init(&a, -EPERM, 0, &req);
        memset(&e, 0xa5, sizeof(e));
        assert_int_equal(daxmf_decode_error(&a.nlh, &e), 0);
        assert_int_equal(e.error, -EPERM);
        assert_string_equal(e.message, "");
        assert_false(e.has_pfn);
        assert_int_equal(e.pfn, 0);
        assert_int_equal(e.missing_attr, 0);

        ack_init(&a, -EOPNOTSUPP, NLM_F_CAPPED, &req);
        memset(&e, 0xa5, sizeof(e));
        assert_int_equal(daxmf_decode_error(&a.nlh, &e), 0);
        assert_int_equal(e.error, -EOPNOTSUPP);
        assert_string_equal(e.message, "");
        assert_false(e.has_pfn);
        assert_int_equal(e.missing_attr, 0);

        /* The flag says TLVs, but none came. */
        ack_init(&a, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, &req);
        memset(&e, 0xa5, sizeof(e));
        assert_int_equal(daxmf_decode_error(&a.nlh, &e), 0);
        assert_int_equal(e.error, -EINVAL);
        assert_string_equal(e.message, "");
        assert_false(e.has_pfn);
        assert_int_equal(e.missing_attr, 0);
}

static void test_error_message_only(void **state) {
        struct request req;
        struct daxmf_error e;
        struct ack a;

        request_init(&req, 0);
        ack_init(&a, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, &req);
        ack_put_string(&a, NLMSGERR_ATTR_MSG, "pages must be > 0\n");

        memset(&e, 0xa5, sizeof(e));
        assert_int_equal(daxmf_decode_error(&a.nlh, &e), 0);
        assert_int_equal(e.error, -EINVAL);
        assert_string_equal(e.message, "pages must be > 0");
        assert_false(e.has_pfn);
        assert_int_equal(e.pfn, 0);
        assert_int_equal(e.missing_attr, 0);
}

static void test_error_cookie_wrong_size(void **state) {
        static const uint8_t long_cookie[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16 };
        struct request req;
        struct daxmf_error e;
        struct ack a;

        request_init(&req, 0);

        ack_init(&a, -ENXIO, NLM_F_CAPPED | NLM_F_ACK_TLVS, &req);
        ack_put_string(&a, NLMSGERR_ATTR_MSG, "bad pfn");
        ack_put_u32(&a, NLMSGERR_ATTR_COOKIE, 0x40018);
        memset(&e, 0xa5, sizeof(e));
        assert_int_equal(daxmf_decode_error(&a.nlh, &e), 0);
        assert_int_equal(e.error, -ENXIO);
        assert_string_equal(e.message, "bad pfn");
        assert_false(e.has_pfn);
        assert_int_equal(e.pfn, 0);

        ack_init(&a, -ENXIO, NLM_F_CAPPED | NLM_F_ACK_TLVS, &req);
        ack_put(&a, NLMSGERR_ATTR_COOKIE, long_cookie, sizeof(long_cookie));
        memset(&e, 0xa5, sizeof(e));
        assert_int_equal(daxmf_decode_error(&a.nlh, &e), 0);
        assert_false(e.has_pfn);
        assert_int_equal(e.pfn, 0);
        assert_string_equal(e.message, "");
}

static void test_error_long_message(void **state) {
        char text[400];
        struct request req;
        struct daxmf_error e;
        struct ack a;

        memset(text, 'm', sizeof(text) - 1);
        text[sizeof(text) - 1] = '\0';
        request_init(&req, 0);
        ack_init(&a, -EINVAL, NLM_F_CAPPED | NLM_F_ACK_TLVS, &req);
        ack_put_string(&a, NLMSGERR_ATTR_MSG, text);

        assert_int_equal(daxmf_decode_error(&a.nlh, &e), 0);
        assert_int_equal(strlen(e.message), sizeof(e.message) - 1);
        assert_memory_equal(e.message, text, sizeof(e.message) - 1);
}

static void test_error_truncated(void **state) {
        struct request req;
        struct ack a;

        assert_error_fails(NULL);

        request_init(&req, 0);

        /* Shorter than struct nlmsgerr. */
        ack_init(&a, -ENXIO, NLM_F_CAPPED, &req);
        a.nlh.nlmsg_len = NLMSG_HDRLEN + sizeof(struct nlmsgerr) - 1;
        assert_error_fails(&a.nlh);
        a.nlh.nlmsg_len = NLMSG_HDRLEN;
        assert_error_fails(&a.nlh);

        /* Not capped, but the echoed request is cut short. */
        ack_init(&a, -ENXIO, 0, &req);
        a.nlh.nlmsg_len -= 8;
        assert_error_fails(&a.nlh);

        ack_init(&a, -ENXIO, NLM_F_ACK_TLVS, &req);
        a.nlh.nlmsg_len -= 8;
        assert_error_fails(&a.nlh);

        /* Not capped, and the echoed request header is nonsense. */
        ack_init(&a, -ENXIO, 0, &req);
        ((struct nlmsgerr *) NLMSG_DATA(&a.nlh))->msg.nlmsg_len = NLMSG_HDRLEN - 1;
        assert_error_fails(&a.nlh);

        ack_init(&a, -ENXIO, NLM_F_ACK_TLVS, &req);
        ((struct nlmsgerr *) NLMSG_DATA(&a.nlh))->msg.nlmsg_len = UINT32_MAX;
        assert_error_fails(&a.nlh);
}

static void test_error_other_type(void **state) {
        struct request req;
        struct ack a;

        request_init(&req, 0);

        ack_init(&a, -ENXIO, NLM_F_CAPPED, &req);
        a.nlh.nlmsg_type = NLMSG_DONE;
        assert_error_fails(&a.nlh);

        ack_init(&a, -ENXIO, NLM_F_CAPPED, &req);
        a.nlh.nlmsg_type = FAMILY_ID;
        assert_error_fails(&a.nlh);

        /* A daxmf reply is no error either. */
        _cleanup_nlmsg_ struct nl_msg *m = range_message(DAXMF_CMD_RANGE_DONE, &partial_range, 0);
        assert_error_fails(nlmsg_hdr(m));
}

static void test_error_positive_errno(void **state) {
        struct request req;
        struct ack a;

        request_init(&req, 0);
        ack_init(&a, ENXIO, NLM_F_CAPPED, &req);
        assert_error_fails(&a.nlh);
}

/* ---- names ---- */

static void test_flag_names(void **state) {
        assert_string_equal(daxmf_flag_name(DAXMF_FLAG_ACTION_REQUIRED), "action-required");
        assert_string_equal(daxmf_flag_name(DAXMF_FLAG_ALLOW_RAM), "allow-ram");
        assert_string_equal(daxmf_flag_name(DAXMF_FLAG_PER_PAGE), "per-page");
        assert_string_equal(daxmf_flag_name(1U << 0), "action-required");
        assert_string_equal(daxmf_flag_name(1U << 1), "allow-ram");
        assert_string_equal(daxmf_flag_name(1U << 2), "per-page");
        assert_string_equal(daxmf_flag_name(DAXMF_FLAG_SIMULATED), "simulated");
        assert_string_equal(daxmf_flag_name(1U << 3), "simulated");
        assert_string_equal(daxmf_flag_name(DAXMF_FLAG_REMOVAL), "removal");
        assert_string_equal(daxmf_flag_name(1U << 4), "removal");
        assert_null(daxmf_flag_name(0));
        assert_null(daxmf_flag_name(1U << 5));
        assert_null(daxmf_flag_name(0x80));
        assert_null(daxmf_flag_name(1U << 31));
        /* Names are for single bits, not sets. */
        assert_null(daxmf_flag_name(DAXMF_FLAGS_ALL));
        assert_null(daxmf_flag_name(DAXMF_FLAG_PER_PAGE | DAXMF_FLAG_SIMULATED));
        /* Every bit of the set has a name, and no other bit does. */
        assert_int_equal(DAXMF_FLAGS_ALL, 0x1f);
        for (unsigned i = 0; i < 32; i++)
                if (DAXMF_FLAGS_ALL & (1U << i))
                        assert_non_null(daxmf_flag_name(1U << i));
                else
                        assert_null(daxmf_flag_name(1U << i));
}

static void test_path_names(void **state) {
        assert_string_equal(daxmf_path_name(DAXMF_PATH_PAGEMAP), "pagemap");
        assert_string_equal(daxmf_path_name(DAXMF_PATH_PER_PAGE), "per-page");
        assert_string_equal(daxmf_path_name(DAXMF_PATH_RAM), "ram");
        assert_null(daxmf_path_name(0));
        assert_null(daxmf_path_name(1U << 3));
        assert_null(daxmf_path_name(1U << 31));
        assert_null(daxmf_path_name(DAXMF_PATH_PAGEMAP | DAXMF_PATH_PER_PAGE));
}

static void test_removal_mode_names(void **state) {
        assert_string_equal(daxmf_removal_mode_name(DAXMF_REMOVAL_FAILED_PAGES), "failed-pages");
        assert_string_equal(daxmf_removal_mode_name(DAXMF_REMOVAL_HOLDER_WALK), "holder-walk");
        assert_string_equal(daxmf_removal_mode_name(DAXMF_REMOVAL_HANDLER_FAILED), "handler-failed");
        assert_string_equal(daxmf_removal_mode_name(1), "failed-pages");
        assert_string_equal(daxmf_removal_mode_name(2), "holder-walk");
        assert_string_equal(daxmf_removal_mode_name(3), "handler-failed");
        assert_string_equal(daxmf_removal_mode_name(0), "unknown");
        assert_string_equal(daxmf_removal_mode_name(4), "unknown");
        assert_string_equal(daxmf_removal_mode_name(1U << 31), "unknown");
        assert_string_equal(daxmf_removal_mode_name(UINT32_MAX), "unknown");
}

static void test_handshake_names(void **state) {
        assert_string_equal(daxmf_handshake_name(DAXMF_HANDSHAKE_NO_HANDLER), "no-handler");
        assert_string_equal(daxmf_handshake_name(DAXMF_HANDSHAKE_ACKED), "acknowledged");
        assert_string_equal(daxmf_handshake_name(DAXMF_HANDSHAKE_TIMEOUT), "timeout");
        assert_string_equal(daxmf_handshake_name(DAXMF_HANDSHAKE_HANDLER_GONE), "handler-gone");
        assert_string_equal(daxmf_handshake_name(DAXMF_HANDSHAKE_ABORTED), "aborted");
        assert_string_equal(daxmf_handshake_name(DAXMF_HANDSHAKE_UNDELIVERED), "undelivered");
        assert_string_equal(daxmf_handshake_name(1), "no-handler");
        assert_string_equal(daxmf_handshake_name(5), "aborted");
        assert_string_equal(daxmf_handshake_name(6), "undelivered");
        assert_string_equal(daxmf_handshake_name(0), "unknown");
        assert_string_equal(daxmf_handshake_name(7), "unknown");
        assert_string_equal(daxmf_handshake_name(UINT32_MAX), "unknown");
}

static void test_verdict_names(void **state) {
        /* 0: the handler gave no answer. */
        assert_string_equal(daxmf_verdict_name(0), "none");
        assert_string_equal(daxmf_verdict_name(DAXMF_VERDICT_FAILED), "failed");
        assert_string_equal(daxmf_verdict_name(DAXMF_VERDICT_RECORDED), "recorded");
        assert_string_equal(daxmf_verdict_name(1), "failed");
        assert_string_equal(daxmf_verdict_name(2), "recorded");
        assert_string_equal(daxmf_verdict_name(3), "unknown");
        assert_string_equal(daxmf_verdict_name(1U << 31), "unknown");
        assert_string_equal(daxmf_verdict_name(UINT32_MAX), "unknown");
}

static void test_enum_names_distinct(void **state) {
        /* Every value of each enum has its own name, and "unknown" is none of them. */
        static const uint32_t modes[] = {
                DAXMF_REMOVAL_FAILED_PAGES, DAXMF_REMOVAL_HOLDER_WALK, DAXMF_REMOVAL_HANDLER_FAILED,
        };
        static const uint32_t handshakes[] = {
                DAXMF_HANDSHAKE_NO_HANDLER, DAXMF_HANDSHAKE_ACKED, DAXMF_HANDSHAKE_TIMEOUT,
                DAXMF_HANDSHAKE_HANDLER_GONE, DAXMF_HANDSHAKE_ABORTED, DAXMF_HANDSHAKE_UNDELIVERED,
        };
        static const uint32_t verdicts[] = { 0, DAXMF_VERDICT_FAILED, DAXMF_VERDICT_RECORDED };

        for (size_t i = 0; i < ELEMENTSOF(modes); i++) {
                assert_string_not_equal(daxmf_removal_mode_name(modes[i]), "unknown");
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(daxmf_removal_mode_name(modes[i]), daxmf_removal_mode_name(modes[j]));
        }
        for (size_t i = 0; i < ELEMENTSOF(handshakes); i++) {
                assert_string_not_equal(daxmf_handshake_name(handshakes[i]), "unknown");
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(daxmf_handshake_name(handshakes[i]), daxmf_handshake_name(handshakes[j]));
        }
        for (size_t i = 0; i < ELEMENTSOF(verdicts); i++) {
                assert_string_not_equal(daxmf_verdict_name(verdicts[i]), "unknown");
                for (size_t j = 0; j < i; j++)
                        assert_string_not_equal(daxmf_verdict_name(verdicts[i]), daxmf_verdict_name(verdicts[j]));
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_info),
                cmocka_unit_test(test_info_job_counts),
                cmocka_unit_test(test_info_page_shift),
                cmocka_unit_test(test_info_missing_attribute),
                cmocka_unit_test(test_info_wrong_command),
                cmocka_unit_test(test_info_string_lengths),
                cmocka_unit_test(test_info_wrong_length),
                cmocka_unit_test(test_info_without_handshake),
                cmocka_unit_test(test_info_handshake),
                cmocka_unit_test(test_info_handshake_half),
                cmocka_unit_test(test_info_handshake_wrong_length),
                cmocka_unit_test(test_range_done),
                cmocka_unit_test(test_range_done_without_portid),
                cmocka_unit_test(test_range_stopped),
                cmocka_unit_test(test_range_progress),
                cmocka_unit_test(test_range_missing_attribute),
                cmocka_unit_test(test_range_wrong_command),
                cmocka_unit_test(test_range_contradictory_counters),
                cmocka_unit_test(test_range_counter_limits),
                cmocka_unit_test(test_range_paths_need_not_add_up),
                cmocka_unit_test(test_range_counters_wrapping_around),
                cmocka_unit_test(test_range_positive_errors),
                cmocka_unit_test(test_range_attribute_too_short),
                cmocka_unit_test(test_range_attribute_too_long),
                cmocka_unit_test(test_range_truncated),
                cmocka_unit_test(test_accepted),
                cmocka_unit_test(test_accepted_missing_attribute),
                cmocka_unit_test(test_accepted_wrong_command),
                cmocka_unit_test(test_accepted_attribute_wrong_length),
                cmocka_unit_test(test_accepted_truncated),
                cmocka_unit_test(test_removal_handshake),
                cmocka_unit_test(test_removal_handshake_without_verdict),
                cmocka_unit_test(test_removal_without_handshake),
                cmocka_unit_test(test_removal_handshake_incomplete),
                cmocka_unit_test(test_removal_missing_attribute),
                cmocka_unit_test(test_removal_wrong_command),
                cmocka_unit_test(test_removal_counters),
                cmocka_unit_test(test_removal_attribute_wrong_length),
                cmocka_unit_test(test_removal_pending),
                cmocka_unit_test(test_removal_pending_missing_attribute),
                cmocka_unit_test(test_removal_pending_wrong_command),
                cmocka_unit_test(test_removal_pending_pages),
                cmocka_unit_test(test_removal_pending_values_passed_on),
                cmocka_unit_test(test_removal_pending_device_length),
                cmocka_unit_test(test_removal_pending_device_malformed),
                cmocka_unit_test(test_removal_pending_attribute_wrong_length),
                cmocka_unit_test(test_removal_pending_truncated),
                cmocka_unit_test(test_handler),
                cmocka_unit_test(test_handler_missing_attribute),
                cmocka_unit_test(test_handler_wrong_command),
                cmocka_unit_test(test_handler_attribute_wrong_length),
                cmocka_unit_test(test_handler_truncated),
                cmocka_unit_test(test_error_capped),
                cmocka_unit_test(test_error_whole_request_echoed),
                cmocka_unit_test(test_error_unaligned_request_echoed),
                cmocka_unit_test(test_error_without_tlvs),
                cmocka_unit_test(test_error_message_only),
                cmocka_unit_test(test_error_cookie_wrong_size),
                cmocka_unit_test(test_error_long_message),
                cmocka_unit_test(test_error_truncated),
                cmocka_unit_test(test_error_other_type),
                cmocka_unit_test(test_error_positive_errno),
                cmocka_unit_test(test_flag_names),
                cmocka_unit_test(test_path_names),
                cmocka_unit_test(test_removal_mode_names),
                cmocka_unit_test(test_handshake_names),
                cmocka_unit_test(test_verdict_names),
                cmocka_unit_test(test_enum_names_distinct),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
