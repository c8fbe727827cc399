/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <linux/daxmf.h>

#include "macro.h"
#include "output.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

/* The member key of o; fails the test when o has no such key. */
static struct json_object *member(struct json_object *o, const char *key) {
        struct json_object *v = NULL;

        if (!json_object_is_type(o, json_type_object))
                fail_msg("looking up \"%s\" in a non-object: %s", key, json_object_to_json_string(o));
        if (!json_object_object_get_ex(o, key, &v))
                fail_msg("no key \"%s\" in %s", key, json_object_to_json_string(o));
        return v;
}

static void check_absent(struct json_object *o, const char *key) {
        if (json_object_object_get_ex(o, key, NULL))
                fail_msg("unexpected key \"%s\" in %s", key, json_object_to_json_string(o));
}

static void check_null(struct json_object *o, const char *key) {
        struct json_object *v = member(o, key);

        if (v)
                fail_msg("%s: expected null, got %s", key, json_object_to_json_string(v));
}

static void check_u64(struct json_object *o, const char *key, uint64_t expected) {
        struct json_object *v = member(o, key);

        if (!json_object_is_type(v, json_type_int) || json_object_get_uint64(v) != expected)
                fail_msg("%s: expected %" PRIu64 ", got %s", key, expected, json_object_to_json_string(v));
}

static void check_int(struct json_object *o, const char *key, int64_t expected) {
        struct json_object *v = member(o, key);

        if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) != expected)
                fail_msg("%s: expected %" PRId64 ", got %s", key, expected, json_object_to_json_string(v));
}

static void check_string(struct json_object *o, const char *key, const char *expected) {
        struct json_object *v = member(o, key);

        if (!json_object_is_type(v, json_type_string) || strcmp(json_object_get_string(v), expected) != 0)
                fail_msg("%s: expected \"%s\", got %s", key, expected, json_object_to_json_string(v));
}

/* An array of exactly the given strings, in order; names is NULL-terminated. */
static void check_names(struct json_object *o, const char *key, const char *const *names) {
        struct json_object *v = member(o, key);
        size_t n = 0;

        while (names[n])
                n++;
        if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != n)
                fail_msg("%s: expected %zu names, got %s", key, n, json_object_to_json_string(v));
        for (size_t i = 0; i < n; i++) {
                struct json_object *e = json_object_array_get_idx(v, i);

                if (!json_object_is_type(e, json_type_string) || strcmp(json_object_get_string(e), names[i]) != 0)
                        fail_msg("%s[%zu]: expected \"%s\", got %s", key, i, names[i], json_object_to_json_string(e));
        }
}

#define NAMES(...) ((const char *const[]) { __VA_ARGS__, NULL })
#define NO_NAMES ((const char *const[]) { NULL })

/* Printed and parsed back, the document must be the same. */
static void check_round_trip(struct json_object *o) {
        static const int formats[] = {
                JSON_C_TO_STRING_PLAIN,
                JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE,
        };

        for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
                const char *text = json_object_to_json_string_ext(o, formats[i]);
                _cleanup_json_ struct json_object *back = NULL;

                assert_non_null(text);
                back = json_tokener_parse(text);
                if (!back)
                        fail_msg("does not parse back: %s", text);
                if (!json_object_equal(o, back))
                        fail_msg("parses back different: %s\nvs %s", text, json_object_to_json_string(back));
        }
}

/*
 * What fn(arg) prints on stdout, into buf.  Nothing may fail a test while
 * stdout is redirected: cmocka's own report would go into the file.
 */
#define CAPTURE(buf, call)                                                      \
        do {                                                                    \
                FILE *_f = tmpfile();                                           \
                int _saved, _r1, _r2;                                           \
                size_t _n;                                                      \
                                                                                \
                assert_non_null(_f);                                            \
                fflush(stdout);                                                 \
                _saved = dup(STDOUT_FILENO);                                    \
                assert_true(_saved >= 0);                                       \
                _r1 = dup2(fileno(_f), STDOUT_FILENO);                          \
                if (_r1 >= 0) {                                                 \
                        call;                                                   \
                        fflush(stdout);                                         \
                }                                                               \
                _r2 = dup2(_saved, STDOUT_FILENO);                              \
                close(_saved);                                                  \
                assert_true(_r1 >= 0);                                          \
                assert_true(_r2 >= 0);                                          \
                rewind(_f);                                                     \
                _n = fread((buf), 1, sizeof(buf) - 1, _f);                      \
                (buf)[_n] = '\0';                                               \
                assert_true(_n < sizeof(buf) - 1);                              \
                fclose(_f);                                                     \
        } while (0)

static void check_text(const char *got, const char *expected) {
        if (strcmp(got, expected) != 0)
                fail_msg("printed:\n%s\nexpected:\n%s", got, expected);
}

/* Every range document has these, and no more. */
static const char *const range_keys[] = {
        "pfn", "pages", "job_id", "phys_start", "phys_end", "flags", "flag_names", "cookie",
        "result", "status", "status_name", "pages_done", "pages_failed", "pages_unmapped",
        "first_error", "first_error_name", "first_error_pfn", "paths",
        "pagemap_pages", "per_page_pages", "batches", "elapsed_ns", "stop_reason",
};

/* Only a RANGE_DONE has these: a progress event leaves them out. */
static const char *const done_only_keys[] = {
        "result", "status", "status_name", "first_error", "first_error_name",
        "first_error_pfn", "paths", "pagemap_pages", "per_page_pages", "batches", "stop_reason",
};

static void check_range_keys(struct json_object *o) {
        assert_int_equal(ELEMENTSOF(range_keys), 23);
        for (size_t i = 0; i < ELEMENTSOF(range_keys); i++)
                (void) member(o, range_keys[i]);
        assert_int_equal(json_object_object_length(o), ELEMENTSOF(range_keys));
}

/* A done event: the range's keys, plus "event" and "requester_port". */
static void check_done_event_keys(struct json_object *o) {
        for (size_t i = 0; i < ELEMENTSOF(range_keys); i++)
                (void) member(o, range_keys[i]);
        (void) member(o, "event");
        (void) member(o, "requester_port");
        assert_int_equal(json_object_object_length(o), ELEMENTSOF(range_keys) + 2);
        assert_int_equal(json_object_object_length(o), 25);
}

/* A progress event: the counters, no verdict and no per-path totals. */
static void check_progress_event_keys(struct json_object *o) {
        static const char *const keys[] = {
                "pfn", "pages", "job_id", "phys_start", "phys_end", "flags", "flag_names",
                "cookie", "pages_done", "pages_failed", "pages_unmapped", "elapsed_ns",
                "event", "requester_port",
        };

        for (size_t i = 0; i < ELEMENTSOF(keys); i++)
                (void) member(o, keys[i]);
        for (size_t i = 0; i < ELEMENTSOF(done_only_keys); i++)
                check_absent(o, done_only_keys[i]);
        assert_int_equal(json_object_object_length(o), ELEMENTSOF(keys));
        assert_int_equal(json_object_object_length(o), 14);
}

/* 16 pages of fsdax, 3 of them refused by the filesystem, 1 mapped by nobody. */
static const struct daxmf_range_result partial_range = {
        .done = true,
        .job_id = 42,
        .cookie = 7,
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

static void test_range_partial(void **state) {
        _cleanup_json_ struct json_object *o = daxmfctl_range_json(&partial_range);

        assert_non_null(o);
        check_range_keys(o);
        check_u64(o, "pfn", 0x40018);
        check_u64(o, "pages", 16);
        check_u64(o, "job_id", 42);
        check_u64(o, "phys_start", UINT64_C(0x40018000));
        check_u64(o, "phys_end", UINT64_C(0x40027fff));
        check_u64(o, "flags", DAXMF_FLAG_ACTION_REQUIRED | DAXMF_FLAG_PER_PAGE);
        check_names(o, "flag_names", NAMES("action-required", "per-page"));
        check_u64(o, "cookie", 7);
        check_string(o, "result", "partial");
        check_int(o, "status", 0);
        check_null(o, "status_name");
        check_u64(o, "pages_done", 16);
        check_u64(o, "pages_failed", 3);
        check_u64(o, "pages_unmapped", 1);
        check_int(o, "first_error", -EBUSY);
        check_string(o, "first_error_name", "EBUSY");
        check_u64(o, "first_error_pfn", 0x4001a);
        check_names(o, "paths", NAMES("pagemap", "per-page"));
        check_u64(o, "pagemap_pages", 12);
        check_u64(o, "per_page_pages", 4);
        check_u64(o, "batches", 2);
        check_u64(o, "elapsed_ns", 123456789);
        check_round_trip(o);
}

static void test_range_complete(void **state) {
        struct daxmf_range_result r = partial_range;

        r.pages_failed = 0;
        r.first_error = 0;
        r.first_error_pfn = 0;
        r.flags = 0;
        r.paths = DAXMF_PATH_PAGEMAP;
        r.pagemap_pages = 16;
        r.per_page_pages = 0;

        _cleanup_json_ struct json_object *o = daxmfctl_range_json(&r);

        check_range_keys(o);
        check_string(o, "result", "complete");
        check_int(o, "status", 0);
        check_null(o, "status_name");
        check_u64(o, "pages_failed", 0);
        check_u64(o, "pages_unmapped", 1);
        check_int(o, "first_error", 0);
        check_null(o, "first_error_name");
        check_null(o, "first_error_pfn");
        check_u64(o, "flags", 0);
        check_names(o, "flag_names", NO_NAMES);
        check_names(o, "paths", NAMES("pagemap"));
        check_u64(o, "pagemap_pages", 16);
        check_u64(o, "per_page_pages", 0);
        check_round_trip(o);
}

static void test_range_failed(void **state) {
        struct daxmf_range_result r = partial_range;

        r.pages = 1;
        r.pages_done = 1;
        r.pages_failed = 1;
        r.first_error = -EIO;
        r.first_error_pfn = 0x40018;
        r.paths = DAXMF_PATH_PER_PAGE;
        r.pagemap_pages = 0;
        r.per_page_pages = 1;
        r.batches = 0;

        _cleanup_json_ struct json_object *o = daxmfctl_range_json(&r);

        check_string(o, "result", "failed");
        check_int(o, "status", 0);
        check_null(o, "status_name");
        check_u64(o, "phys_start", UINT64_C(0x40018000));
        check_u64(o, "phys_end", UINT64_C(0x40018fff));
        check_int(o, "first_error", -EIO);
        check_string(o, "first_error_name", "EIO");
        check_u64(o, "first_error_pfn", 0x40018);
        check_names(o, "paths", NAMES("per-page"));
        check_u64(o, "pages_failed", 1);
        check_u64(o, "pages_unmapped", 1);
        check_round_trip(o);

        /* Every page handled failed: failed, whatever the size. */
        r.pages = 16;
        r.pages_done = 16;
        r.pages_failed = 16;
        r.pages_unmapped = 0;
        _cleanup_json_ struct json_object *o2 = daxmfctl_range_json(&r);
        check_string(o2, "result", "failed");
        check_u64(o2, "pages_unmapped", 0);

        /* One page short of all: partial. */
        r.pages_failed = 15;
        r.pages_unmapped = 1;
        _cleanup_json_ struct json_object *o3 = daxmfctl_range_json(&r);
        check_string(o3, "result", "partial");
        check_u64(o3, "pages_failed", 15);
        check_u64(o3, "pages_unmapped", 1);
}

static void test_range_unmapped_is_no_failure(void **state) {
        struct daxmf_range_result r = partial_range;

        /* Device-dax nobody had mapped: every page -EBUSY, nothing failed. */
        r.flags = DAXMF_FLAG_SIMULATED;
        r.pages_failed = 0;
        r.pages_unmapped = 16;
        r.first_error = 0;
        r.first_error_pfn = 0;
        r.paths = DAXMF_PATH_PER_PAGE;
        r.pagemap_pages = 0;
        r.per_page_pages = 16;
        r.batches = 0;

        _cleanup_json_ struct json_object *o = daxmfctl_range_json(&r);

        check_range_keys(o);
        check_string(o, "result", "complete");
        check_int(o, "status", 0);
        check_null(o, "status_name");
        check_u64(o, "pages_done", 16);
        check_u64(o, "pages_failed", 0);
        check_u64(o, "pages_unmapped", 16);
        check_int(o, "first_error", 0);
        check_null(o, "first_error_name");
        check_null(o, "first_error_pfn");
        check_u64(o, "flags", DAXMF_FLAG_SIMULATED);
        check_names(o, "flag_names", NAMES("simulated"));
        check_round_trip(o);

        /* Some failed, the rest unmapped: partial, not failed. */
        r.pages_failed = 1;
        r.pages_unmapped = 15;
        r.first_error = -EIO;
        r.first_error_pfn = 0x40020;
        _cleanup_json_ struct json_object *o2 = daxmfctl_range_json(&r);
        check_string(o2, "result", "partial");
        check_u64(o2, "pages_failed", 1);
        check_u64(o2, "pages_unmapped", 15);
        check_string(o2, "first_error_name", "EIO");
}

static void test_range_nothing_done(void **state) {
        struct daxmf_range_result r = partial_range;

        /* No page handled and none failed is no failure ... */
        r.pages = 1;
        r.pages_done = 0;
        r.pages_failed = 0;
        r.pages_unmapped = 0;
        r.first_error = 0;
        r.first_error_pfn = 0;
        r.paths = 0;
        r.pagemap_pages = 0;
        r.per_page_pages = 0;
        r.batches = 0;

        _cleanup_json_ struct json_object *o = daxmfctl_range_json(&r);

        check_range_keys(o);
        check_string(o, "result", "complete");
        check_u64(o, "pages_done", 0);
        check_u64(o, "pages_failed", 0);
        check_names(o, "paths", NO_NAMES);
        check_round_trip(o);

        /* ... and stopped before the first page is stopped. */
        r.status = -ECONNRESET;
        _cleanup_json_ struct json_object *o2 = daxmfctl_range_json(&r);
        check_string(o2, "result", "stopped");
        check_int(o2, "status", -ECONNRESET);
        check_string(o2, "status_name", "ECONNRESET");
}

static void test_range_job_id_and_addresses(void **state) {
        struct daxmf_range_result r = partial_range;

        /* Above INT64_MAX: unsigned all the way. */
        r.job_id = UINT64_C(0x8000000000000017);
        /* A pfn above 4 GiB of pages: addresses beyond 2^44 bytes, 4 KiB pages. */
        r.pfn = UINT64_C(0x123456789);
        r.pages = 0x200;
        r.pages_done = 0x200;
        r.pages_failed = 0;
        r.pages_unmapped = 0x1ff;

        _cleanup_json_ struct json_object *o = daxmfctl_range_json(&r);

        check_range_keys(o);
        check_u64(o, "job_id", UINT64_C(0x8000000000000017));
        check_u64(o, "pfn", UINT64_C(0x123456789));
        check_u64(o, "phys_start", UINT64_C(0x123456789000));
        check_u64(o, "phys_end", UINT64_C(0x123456988fff));
        check_u64(o, "pages_unmapped", 0x1ff);
        check_string(o, "result", "complete");
        check_round_trip(o);

        _cleanup_json_ struct json_object *back = json_tokener_parse(json_object_to_json_string(o));
        assert_non_null(back);
        check_u64(back, "job_id", UINT64_C(0x8000000000000017));

        /* Job 0 is printed as such, not left out. */
        r.job_id = 0;
        _cleanup_json_ struct json_object *o2 = daxmfctl_range_json(&r);
        check_range_keys(o2);
        check_u64(o2, "job_id", 0);
}

static void test_range_stopped(void **state) {
        struct daxmf_range_result r = partial_range;

        r.status = -ESHUTDOWN;
        r.pages = 1024;
        r.pages_done = 512;
        r.pages_failed = 0;
        r.first_error = 0;
        r.first_error_pfn = 0;
        r.flags = DAXMF_FLAGS_ALL;
        r.paths = DAXMF_PATH_PER_PAGE | DAXMF_PATH_RAM;
        r.pagemap_pages = 0;
        r.per_page_pages = 512;

        _cleanup_json_ struct json_object *o = daxmfctl_range_json(&r);

        check_range_keys(o);
        check_string(o, "result", "stopped");
        check_int(o, "status", -108);
        check_string(o, "status_name", "ESHUTDOWN");
        check_string(o, "stop_reason", "the daxmf module is being unloaded");
        check_u64(o, "pages_done", 512);
        check_int(o, "first_error", 0);
        check_null(o, "first_error_name");
        check_null(o, "first_error_pfn");
        check_names(o, "flag_names", NAMES("action-required", "allow-ram", "per-page", "simulated", "removal"));
        check_names(o, "paths", NAMES("per-page", "ram"));
        check_round_trip(o);

        /* Stopped wins over failed pages. */
        r.pages_failed = r.pages_done;
        r.first_error = -EIO;
        _cleanup_json_ struct json_object *o2 = daxmfctl_range_json(&r);
        check_string(o2, "result", "stopped");
        check_string(o2, "first_error_name", "EIO");
}

static void test_range_unknown_bits(void **state) {
        struct daxmf_range_result r = partial_range;

        r.flags = DAXMF_FLAG_ACTION_REQUIRED | DAXMF_FLAG_SIMULATED | 0x20 | 0x80;
        r.paths = DAXMF_PATH_RAM | 0x80000000U;

        _cleanup_json_ struct json_object *o = daxmfctl_range_json(&r);

        check_u64(o, "flags", 0xa9);
        check_names(o, "flag_names", NAMES("action-required", "simulated", "0x20", "0x80"));
        check_names(o, "paths", NAMES("ram", "0x80000000"));
        check_round_trip(o);
}

static void test_range_large_values(void **state) {
        struct daxmf_range_result r = partial_range;

        /* Above INT64_MAX: must stay unsigned through print and parse. */
        r.cookie = UINT64_MAX;
        r.elapsed_ns = UINT64_C(0x8000000000000001);

        _cleanup_json_ struct json_object *o = daxmfctl_range_json(&r);

        check_u64(o, "cookie", UINT64_MAX);
        check_u64(o, "elapsed_ns", UINT64_C(0x8000000000000001));
        check_round_trip(o);

        _cleanup_json_ struct json_object *back = json_tokener_parse(json_object_to_json_string(o));
        assert_non_null(back);
        check_u64(back, "cookie", UINT64_MAX);
        check_u64(back, "elapsed_ns", UINT64_C(0x8000000000000001));
        check_null(back, "status_name");
}

static const struct daxmf_info good_info = {
        .version = "0.1.0",
        .kernel_release = "6.1.0-18-amd64",
        .supported_flags = DAXMF_FLAGS_ALL,
        .max_pages = UINT64_C(1) << 30,
        .batch_pages = 512,
        .page_shift = 12,
        .max_jobs = 4,
        .jobs_running = 3,
};

static void test_info(void **state) {
        _cleanup_json_ struct json_object *o = daxmfctl_info_json(&good_info);

        assert_non_null(o);
        assert_int_equal(json_object_object_length(o), 9);
        check_string(o, "module_version", "0.1.0");
        check_string(o, "kernel_release", "6.1.0-18-amd64");
        check_u64(o, "supported_flags", 0x1f);
        check_names(o, "supported_flag_names", NAMES("action-required", "allow-ram", "per-page", "simulated", "removal"));
        check_u64(o, "max_pages", UINT64_C(1) << 30);
        check_u64(o, "batch_pages", 512);
        check_u64(o, "page_size", 4096);
        check_u64(o, "max_jobs", 4);
        check_u64(o, "jobs_running", 3);
        check_absent(o, "page_shift");
        check_round_trip(o);
}

static void test_info_page_size_and_jobs(void **state) {
        static const struct {
                uint32_t shift;
                uint64_t size;
        } sizes[] = {
                { 12, 4096 },
                { 14, 16384 },
                { 16, 65536 },
                { 21, UINT64_C(2097152) },
                { 30, UINT64_C(1073741824) },
        };
        struct daxmf_info info = good_info;

        for (size_t i = 0; i < ELEMENTSOF(sizes); i++) {
                info.page_shift = sizes[i].shift;
                _cleanup_json_ struct json_object *o = daxmfctl_info_json(&info);

                assert_int_equal(json_object_object_length(o), 9);
                check_u64(o, "page_size", sizes[i].size);
                check_u64(o, "max_jobs", 4);
                check_u64(o, "jobs_running", 3);
                check_round_trip(o);
        }

        /* Job counts are unsigned 32-bit, and may be anything the module says. */
        info = good_info;
        info.max_jobs = UINT32_MAX;
        info.jobs_running = 0;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_info_json(&info);

                check_u64(o, "max_jobs", UINT64_C(4294967295));
                check_u64(o, "jobs_running", 0);
                check_round_trip(o);
        }

        info.max_jobs = 0;
        info.jobs_running = UINT32_MAX;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_info_json(&info);

                check_u64(o, "max_jobs", 0);
                check_u64(o, "jobs_running", UINT64_C(4294967295));
        }
}

static void test_error_full(void **state) {
        static const struct daxmf_error e = {
                .error = -ENXIO,
                .message = "pfn is not in a dax device",
                .has_pfn = true,
                .pfn = 0x40018,
                .missing_attr = DAXMF_ATTR_PAGES,
        };
        _cleanup_json_ struct json_object *o = daxmfctl_error_json("fail-range", &e);
        struct json_object *err;

        assert_non_null(o);
        assert_int_equal(json_object_object_length(o), 1);
        err = member(o, "error");
        assert_true(json_object_is_type(err, json_type_object));
        assert_int_equal(json_object_object_length(err), 7);
        check_string(err, "command", "fail-range");
        check_int(err, "errno", ENXIO);
        check_int(err, "errno", 6);
        check_string(err, "name", "ENXIO");
        check_string(err, "description", "No such device or address");
        check_string(err, "message", "pfn is not in a dax device");
        check_u64(err, "pfn", 0x40018);
        check_u64(err, "missing_attribute", DAXMF_ATTR_PAGES);
        check_round_trip(o);
}

static void test_error_plain(void **state) {
        static const struct daxmf_error e = {
                .error = -EPERM,
        };
        _cleanup_json_ struct json_object *o = daxmfctl_error_json("info", &e);
        struct json_object *err = member(o, "error");

        assert_int_equal(json_object_object_length(err), 7);
        check_string(err, "command", "info");
        check_int(err, "errno", EPERM);
        check_string(err, "name", "EPERM");
        check_string(err, "description", "Operation not permitted");
        check_null(err, "message");
        check_null(err, "pfn");
        check_null(err, "missing_attribute");
        check_round_trip(o);
}

static void test_error_pfn_zero(void **state) {
        /* has_pfn decides, not the value: pfn 0 is a pfn. */
        static const struct daxmf_error e = {
                .error = -EINVAL,
                .message = "pages must be > 0",
                .has_pfn = true,
                .pfn = 0,
        };
        _cleanup_json_ struct json_object *o = daxmfctl_error_json("fail-range", &e);
        struct json_object *err = member(o, "error");

        check_u64(err, "pfn", 0);
        check_string(err, "message", "pages must be > 0");
        check_string(err, "name", "EINVAL");
        check_null(err, "missing_attribute");
}

static void test_usage_error(void **state) {
        _cleanup_json_ struct json_object *o = daxmfctl_usage_error_json("scan", "scan takes at most one DEVICE");
        _cleanup_json_ struct json_object *none = daxmfctl_usage_error_json(NULL, "unknown command 'x'");
        struct json_object *err;

        /* The shape of every other error, so a script reads both the same way. */
        assert_int_equal(json_object_object_length(o), 1);
        err = member(o, "error");
        assert_int_equal(json_object_object_length(err), 8);
        check_string(err, "command", "scan");
        check_int(err, "errno", EINVAL);
        check_string(err, "name", "EINVAL");
        check_string(err, "description", "Invalid argument");
        check_string(err, "message", "scan takes at most one DEVICE");
        check_null(err, "pfn");
        check_null(err, "missing_attribute");
        assert_true(json_object_get_boolean(member(err, "usage")));
        check_round_trip(o);

        /* No command named: null, not a made-up one. */
        err = member(none, "error");
        check_null(err, "command");
        check_string(err, "message", "unknown command 'x'");
        assert_true(json_object_get_boolean(member(err, "usage")));
        check_round_trip(none);
}

static void test_event_done(void **state) {
        _cleanup_json_ struct json_object *o = daxmfctl_event_json(&partial_range);

        assert_non_null(o);
        check_done_event_keys(o);
        check_string(o, "event", "range-done");
        check_u64(o, "job_id", 42);
        check_u64(o, "pages_unmapped", 1);
        check_string(o, "first_error_name", "EBUSY");
        check_u64(o, "pagemap_pages", 12);
        check_u64(o, "per_page_pages", 4);
        check_u64(o, "batches", 2);
        check_string(o, "result", "partial");
        check_int(o, "status", 0);
        check_null(o, "status_name");
        check_u64(o, "requester_port", 4242);
        check_u64(o, "cookie", 7);
        check_u64(o, "pfn", 0x40018);
        check_u64(o, "pages_done", 16);
        check_u64(o, "pages_failed", 3);
        check_names(o, "paths", NAMES("pagemap", "per-page"));
        check_round_trip(o);
}

static void test_event_done_stopped(void **state) {
        struct daxmf_range_result r = partial_range;

        r.status = -EINTR;
        r.pages_done = 8;
        r.pages_failed = 0;
        r.first_error = 0;
        r.pagemap_pages = 8;
        r.per_page_pages = 0;

        _cleanup_json_ struct json_object *o = daxmfctl_event_json(&r);

        check_done_event_keys(o);
        check_string(o, "event", "range-done");
        check_string(o, "result", "stopped");
        check_int(o, "status", -EINTR);
        check_string(o, "status_name", "EINTR");
        check_round_trip(o);

        /* The requester's socket closed: the job was cancelled. */
        r.status = -ECONNRESET;
        _cleanup_json_ struct json_object *o2 = daxmfctl_event_json(&r);
        check_done_event_keys(o2);
        check_string(o2, "result", "stopped");
        check_int(o2, "status", -ECONNRESET);
        check_string(o2, "status_name", "ECONNRESET");
}

static void test_event_progress(void **state) {
        static const struct daxmf_range_result progress = {
                .done = false,
                .job_id = 12,
                .cookie = 9,
                .pfn = 0x40000,
                .pages = 4096,
                .flags = DAXMF_FLAG_ALLOW_RAM,
                .portid = 77,
                .pages_done = 1024,
                .pages_failed = 0,
                .pages_unmapped = 1000,
                .elapsed_ns = 5000000,
        };
        _cleanup_json_ struct json_object *o = daxmfctl_event_json(&progress);

        assert_non_null(o);
        check_progress_event_keys(o);
        check_string(o, "event", "range-progress");
        check_absent(o, "result");
        check_absent(o, "status");
        check_absent(o, "status_name");
        check_absent(o, "first_error");
        check_absent(o, "first_error_name");
        check_absent(o, "first_error_pfn");
        check_absent(o, "paths");
        check_absent(o, "pagemap_pages");
        check_absent(o, "per_page_pages");
        check_absent(o, "batches");
        check_u64(o, "job_id", 12);
        check_u64(o, "pages_unmapped", 1000);
        check_u64(o, "cookie", 9);
        check_u64(o, "pfn", 0x40000);
        check_u64(o, "pages", 4096);
        check_u64(o, "phys_start", UINT64_C(0x40000000));
        check_u64(o, "phys_end", UINT64_C(0x40ffffff));
        check_u64(o, "flags", DAXMF_FLAG_ALLOW_RAM);
        check_names(o, "flag_names", NAMES("allow-ram"));
        check_u64(o, "pages_done", 1024);
        check_u64(o, "pages_failed", 0);
        check_u64(o, "elapsed_ns", 5000000);
        check_u64(o, "requester_port", 77);
        check_round_trip(o);
}

static void test_event_progress_ignores_verdict_fields(void **state) {
        /* Whatever a caller left in the verdict fields, progress does not show it. */
        struct daxmf_range_result r = partial_range;

        r.done = false;
        r.status = -ESHUTDOWN;
        r.pages_failed = r.pages_done;

        _cleanup_json_ struct json_object *o = daxmfctl_event_json(&r);

        check_progress_event_keys(o);
        check_string(o, "event", "range-progress");
        check_u64(o, "job_id", 42);
        check_u64(o, "pages_done", 16);
        check_u64(o, "pages_failed", 16);
        check_u64(o, "pages_unmapped", 1);
        check_u64(o, "requester_port", 4242);
        check_round_trip(o);
}

static void test_info_handshake(void **state) {
        struct daxmf_info info = good_info;

        /* A module without the handshake: no removal handler keys. */
        {
                _cleanup_json_ struct json_object *o = daxmfctl_info_json(&info);

                check_absent(o, "removal_handler_port");
                check_absent(o, "removal_timeout_ms");
        }

        info.has_handshake = true;
        info.handler_portid = 4242;
        info.removal_timeout_ms = 5000;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_info_json(&info);

                assert_int_equal(json_object_object_length(o), 11);
                check_u64(o, "removal_handler_port", 4242);
                check_u64(o, "removal_timeout_ms", 5000);
                check_string(o, "module_version", "0.1.0");
                check_u64(o, "jobs_running", 3);
                check_round_trip(o);
        }

        /* No handler: port 0 is shown, not left out. */
        info.handler_portid = 0;
        info.removal_timeout_ms = 2000;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_info_json(&info);

                assert_int_equal(json_object_object_length(o), 11);
                check_u64(o, "removal_handler_port", 0);
                check_u64(o, "removal_timeout_ms", 2000);
                check_round_trip(o);
        }

        info.handler_portid = UINT32_MAX;
        info.removal_timeout_ms = UINT32_MAX;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_info_json(&info);

                check_u64(o, "removal_handler_port", UINT64_C(4294967295));
                check_u64(o, "removal_timeout_ms", UINT64_C(4294967295));
                check_round_trip(o);
        }
}

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

/* Every removal document has these; one with the handshake has four more. */
static const char *const removal_keys[] = {
        "event", "device", "mode", "pfn", "pages", "phys_start", "phys_end", "pages_done",
        "pages_failed", "pages_unmapped", "status", "elapsed_ns",
};

static const char *const handshake_keys[] = { "removal_id", "handshake", "verdict", "waited_ns" };

static void check_removal_keys(struct json_object *o, bool handshake) {
        for (size_t i = 0; i < ELEMENTSOF(removal_keys); i++)
                (void) member(o, removal_keys[i]);
        for (size_t i = 0; i < ELEMENTSOF(handshake_keys); i++)
                if (handshake)
                        (void) member(o, handshake_keys[i]);
                else
                        check_absent(o, handshake_keys[i]);
        assert_int_equal(json_object_object_length(o), handshake ? 16 : 12);
}

static void test_removal_handshake(void **state) {
        _cleanup_json_ struct json_object *o = daxmfctl_removal_json(&acked_removal);

        assert_non_null(o);
        check_removal_keys(o, true);
        check_string(o, "event", "removal");
        check_string(o, "device", "dax0.0");
        check_string(o, "mode", "handler-failed");
        check_u64(o, "pfn", 0x240000);
        check_u64(o, "pages", 512);
        check_u64(o, "phys_start", UINT64_C(0x240000000));
        check_u64(o, "phys_end", UINT64_C(0x2401fffff));
        check_u64(o, "pages_done", 512);
        check_u64(o, "pages_failed", 2);
        check_u64(o, "pages_unmapped", 500);
        check_int(o, "status", 0);
        check_u64(o, "elapsed_ns", 2500000);
        check_u64(o, "removal_id", UINT64_C(0x8000000000000003));
        check_string(o, "handshake", "acknowledged");
        check_string(o, "verdict", "failed");
        check_u64(o, "waited_ns", 1234567);
        check_round_trip(o);
}

static void test_removal_handshake_names(void **state) {
        struct daxmf_removal rm = acked_removal;

        /* Nobody answered: the verdict is "none", still there. */
        rm.mode = DAXMF_REMOVAL_FAILED_PAGES;
        rm.handshake = DAXMF_HANDSHAKE_TIMEOUT;
        rm.verdict = 0;
        rm.id = 0;
        rm.waited_ns = UINT64_C(10000000000);
        {
                _cleanup_json_ struct json_object *o = daxmfctl_removal_json(&rm);

                check_removal_keys(o, true);
                check_string(o, "mode", "failed-pages");
                check_string(o, "handshake", "timeout");
                check_string(o, "verdict", "none");
                check_u64(o, "removal_id", 0);
                check_u64(o, "waited_ns", UINT64_C(10000000000));
                check_round_trip(o);
        }

        rm.mode = DAXMF_REMOVAL_HOLDER_WALK;
        rm.handshake = DAXMF_HANDSHAKE_ACKED;
        rm.verdict = DAXMF_VERDICT_RECORDED;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_removal_json(&rm);

                check_string(o, "mode", "holder-walk");
                check_string(o, "handshake", "acknowledged");
                check_string(o, "verdict", "recorded");
        }

        rm.handshake = DAXMF_HANDSHAKE_NO_HANDLER;
        rm.verdict = 0;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_removal_json(&rm);

                check_string(o, "handshake", "no-handler");
                check_string(o, "verdict", "none");
        }

        rm.handshake = DAXMF_HANDSHAKE_HANDLER_GONE;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_removal_json(&rm);

                check_string(o, "handshake", "handler-gone");
        }

        rm.handshake = DAXMF_HANDSHAKE_ABORTED;
        rm.status = -EINTR;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_removal_json(&rm);

                check_string(o, "handshake", "aborted");
                check_int(o, "status", -EINTR);
        }

        /* Values a later module may add. */
        rm.mode = 99;
        rm.handshake = 99;
        rm.verdict = 99;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_removal_json(&rm);

                check_removal_keys(o, true);
                check_string(o, "mode", "unknown");
                check_string(o, "handshake", "unknown");
                check_string(o, "verdict", "unknown");
                check_round_trip(o);
        }
}

static void test_removal_without_handshake(void **state) {
        struct daxmf_removal rm = acked_removal;

        /* An older module; whatever the other fields hold is not shown. */
        rm.has_handshake = false;
        rm.mode = DAXMF_REMOVAL_FAILED_PAGES;
        rm.status = -ENXIO;

        _cleanup_json_ struct json_object *o = daxmfctl_removal_json(&rm);

        check_removal_keys(o, false);
        check_string(o, "event", "removal");
        check_string(o, "mode", "failed-pages");
        check_int(o, "status", -ENXIO);
        check_u64(o, "pages_unmapped", 500);
        check_round_trip(o);
}

static const struct daxmf_removal_pending good_pending = {
        .id = 7,
        .device = "dax0.0",
        .pfn = 0x240000,
        .pages = 0x40000,
        .mode = DAXMF_REMOVAL_FAILED_PAGES,
        .timeout_ms = 10000,
};

static void test_removal_pending(void **state) {
        _cleanup_json_ struct json_object *o = daxmfctl_removal_pending_json(&good_pending);

        assert_non_null(o);
        assert_int_equal(json_object_object_length(o), 9);
        check_string(o, "event", "removal-pending");
        check_u64(o, "removal_id", 7);
        check_string(o, "device", "dax0.0");
        check_string(o, "mode", "failed-pages");
        check_u64(o, "pfn", 0x240000);
        check_u64(o, "pages", 0x40000);
        check_u64(o, "phys_start", UINT64_C(0x240000000));
        check_u64(o, "phys_end", UINT64_C(0x27fffffff));
        check_u64(o, "timeout_ms", 10000);
        check_absent(o, "status");
        check_absent(o, "handshake");
        check_round_trip(o);
}

static void test_removal_pending_values(void **state) {
        struct daxmf_removal_pending p = good_pending;

        /* fsdax, one page, an id above INT64_MAX. */
        p.id = UINT64_C(0xfffffffffffffffe);
        memcpy(p.device, "namespace0.0", sizeof("namespace0.0"));
        p.pfn = UINT64_C(0x123456789);
        p.pages = 1;
        p.mode = DAXMF_REMOVAL_HOLDER_WALK;
        p.timeout_ms = 60000;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_removal_pending_json(&p);

                assert_int_equal(json_object_object_length(o), 9);
                check_u64(o, "removal_id", UINT64_C(0xfffffffffffffffe));
                check_string(o, "device", "namespace0.0");
                check_string(o, "mode", "holder-walk");
                check_u64(o, "phys_start", UINT64_C(0x123456789000));
                check_u64(o, "phys_end", UINT64_C(0x123456789fff));
                check_u64(o, "timeout_ms", 60000);
                check_round_trip(o);
        }

        p.mode = 0;
        p.timeout_ms = 0;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_removal_pending_json(&p);

                check_string(o, "mode", "unknown");
                check_u64(o, "timeout_ms", 0);
        }
}

/* ---- text output ---- */

static void test_print_info(void **state) {
        char out[1024];

        CAPTURE(out, daxmfctl_print_info(&good_info));
        check_text(out,
                   "module version:   0.1.0\n"
                   "kernel release:   6.1.0-18-amd64\n"
                   "supported flags:  0x1f (action-required, allow-ram, per-page, simulated, removal)\n"
                   "max pages:        1073741824\n"
                   "batch pages:      512\n"
                   "page size:        4096\n"
                   "jobs:             3 running, at most 4\n");
}

static void test_print_range(void **state) {
        struct daxmf_range_result r = partial_range;
        char out[2048];

        CAPTURE(out, daxmfctl_print_range(&r));
        check_text(out,
                   "range:           pfn 0x40018 + 16 pages (phys 0x40018000-0x40027fff)\n"
                   "job:             42\n"
                   "result:          partial\n"
                   "pages handled:   16\n"
                   "pages failed:    3\n"
                   "pages unmapped:  1 (no process mapped them: nothing torn down, not marked poisoned)\n"
                   "first error:     EBUSY (Device or resource busy) at pfn 0x4001a\n"
                   "path:            pagemap, per-page\n"
                   "pagemap pages:   12 in 2 calls\n"
                   "per-page pages:  4\n"
                   "elapsed:         123.457 ms\n");

        /* Nothing unmapped: no explanation. */
        r.job_id = 7;
        r.pages_failed = 0;
        r.pages_unmapped = 0;
        r.first_error = 0;
        r.first_error_pfn = 0;
        CAPTURE(out, daxmfctl_print_range(&r));
        check_text(out,
                   "range:           pfn 0x40018 + 16 pages (phys 0x40018000-0x40027fff)\n"
                   "job:             7\n"
                   "result:          complete\n"
                   "pages handled:   16\n"
                   "pages failed:    0\n"
                   "pages unmapped:  0\n"
                   "first error:     none\n"
                   "path:            pagemap, per-page\n"
                   "pagemap pages:   12 in 2 calls\n"
                   "per-page pages:  4\n"
                   "elapsed:         123.457 ms\n");

        /* Device-dax nobody mapped: explained, and still complete. */
        r.pages_unmapped = 16;
        r.paths = DAXMF_PATH_PER_PAGE;
        r.pagemap_pages = 0;
        r.per_page_pages = 16;
        r.batches = 0;
        CAPTURE(out, daxmfctl_print_range(&r));
        check_text(out,
                   "range:           pfn 0x40018 + 16 pages (phys 0x40018000-0x40027fff)\n"
                   "job:             7\n"
                   "result:          complete\n"
                   "pages handled:   16\n"
                   "pages failed:    0\n"
                   "pages unmapped:  16 (no process mapped them: nothing torn down, not marked poisoned)\n"
                   "first error:     none\n"
                   "path:            per-page\n"
                   "pagemap pages:   0 in 0 calls\n"
                   "per-page pages:  16\n"
                   "elapsed:         123.457 ms\n");
}

static void test_print_event(void **state) {
        struct daxmf_range_result r = partial_range;
        char out[512];

        CAPTURE(out, daxmfctl_print_event(&r));
        check_text(out, "range-done job=42 cookie=7 pfn=0x40018 pages=16 done=16 failed=3 unmapped=1"
                        " result=partial paths=pagemap, per-page elapsed=123.457ms\n");

        r.status = -ECONNRESET;
        CAPTURE(out, daxmfctl_print_event(&r));
        check_text(out, "range-done job=42 cookie=7 pfn=0x40018 pages=16 done=16 failed=3 unmapped=1"
                        " result=stopped paths=pagemap, per-page status=ECONNRESET elapsed=123.457ms\n");

        /* Progress: counters only. */
        r.done = false;
        r.job_id = 12;
        r.pages_done = 8;
        r.pages_failed = 0;
        r.pages_unmapped = 8;
        r.elapsed_ns = 5000000;
        CAPTURE(out, daxmfctl_print_event(&r));
        check_text(out, "range-progress job=12 cookie=7 pfn=0x40018 pages=16 done=8 failed=0 unmapped=8"
                        " elapsed=5.000ms\n");
}

static void test_print_info_handshake(void **state) {
        struct daxmf_info info = good_info;
        char out[1024];

        info.has_handshake = true;
        info.handler_portid = 4242;
        info.removal_timeout_ms = 5000;
        CAPTURE(out, daxmfctl_print_info(&info));
        check_text(out,
                   "module version:   0.1.0\n"
                   "kernel release:   6.1.0-18-amd64\n"
                   "supported flags:  0x1f (action-required, allow-ram, per-page, simulated, removal)\n"
                   "max pages:        1073741824\n"
                   "batch pages:      512\n"
                   "page size:        4096\n"
                   "jobs:             3 running, at most 4\n"
                   "removal handler:  netlink port 4242, waited for up to 5000 ms\n");

        info.handler_portid = 0;
        info.removal_timeout_ms = 2000;
        CAPTURE(out, daxmfctl_print_info(&info));
        check_text(out,
                   "module version:   0.1.0\n"
                   "kernel release:   6.1.0-18-amd64\n"
                   "supported flags:  0x1f (action-required, allow-ram, per-page, simulated, removal)\n"
                   "max pages:        1073741824\n"
                   "batch pages:      512\n"
                   "page size:        4096\n"
                   "jobs:             3 running, at most 4\n"
                   "removal handler:  none (the module acts alone; default wait 2000 ms)\n");

        /* Without the handshake, no line, whatever the fields hold. */
        info.has_handshake = false;
        info.handler_portid = 4242;
        CAPTURE(out, daxmfctl_print_info(&info));
        check_text(out,
                   "module version:   0.1.0\n"
                   "kernel release:   6.1.0-18-amd64\n"
                   "supported flags:  0x1f (action-required, allow-ram, per-page, simulated, removal)\n"
                   "max pages:        1073741824\n"
                   "batch pages:      512\n"
                   "page size:        4096\n"
                   "jobs:             3 running, at most 4\n");
}

static void test_print_removal(void **state) {
        struct daxmf_removal rm = acked_removal;
        char out[512];

        CAPTURE(out, daxmfctl_print_removal(&rm));
        check_text(out, "removal device=dax0.0 mode=handler-failed pfn=0x240000 pages=512 mapped=12 failed=2"
                        " status=0 elapsed=2.500ms id=9223372036854775811 handshake=acknowledged verdict=failed"
                        " waited=1.235ms\n");

        rm.mode = DAXMF_REMOVAL_FAILED_PAGES;
        rm.handshake = DAXMF_HANDSHAKE_TIMEOUT;
        rm.verdict = 0;
        rm.id = 3;
        rm.waited_ns = UINT64_C(10000000000);
        CAPTURE(out, daxmfctl_print_removal(&rm));
        check_text(out, "removal device=dax0.0 mode=failed-pages pfn=0x240000 pages=512 mapped=12 failed=2"
                        " status=0 elapsed=2.500ms id=3 handshake=timeout verdict=none waited=10000.000ms\n");

        /* An older module: the line as it was. */
        rm.has_handshake = false;
        rm.status = -ENXIO;
        CAPTURE(out, daxmfctl_print_removal(&rm));
        check_text(out, "removal device=dax0.0 mode=failed-pages pfn=0x240000 pages=512 mapped=12 failed=2"
                        " status=-6 elapsed=2.500ms\n");
}

static void test_print_removal_pending(void **state) {
        struct daxmf_removal_pending p = good_pending;
        char out[512];

        CAPTURE(out, daxmfctl_print_removal_pending(&p));
        check_text(out, "removal-pending id=7 device=dax0.0 mode=failed-pages pfn=0x240000 pages=262144"
                        " timeout=10000ms\n");

        p.id = UINT64_MAX;
        memcpy(p.device, "namespace0.0", sizeof("namespace0.0"));
        p.pfn = UINT64_C(0x123456789);
        p.pages = 1;
        p.mode = DAXMF_REMOVAL_HOLDER_WALK;
        p.timeout_ms = UINT32_MAX;
        CAPTURE(out, daxmfctl_print_removal_pending(&p));
        check_text(out, "removal-pending id=18446744073709551615 device=namespace0.0 mode=holder-walk"
                        " pfn=0x123456789 pages=1 timeout=4294967295ms\n");

        p.mode = 99;
        CAPTURE(out, daxmfctl_print_removal_pending(&p));
        check_text(out, "removal-pending id=18446744073709551615 device=namespace0.0 mode=unknown"
                        " pfn=0x123456789 pages=1 timeout=4294967295ms\n");
}

/* Names anybody can choose must not reach root's terminal as escape sequences. */
static void test_escape(void **state) {
        struct {
                const char *in, *out;
        } cases[] = {
                { "", "" },
                { "/mnt/plain name", "/mnt/plain name" },
                { "/mnt/\x1b[2J\x1b[Hgone", "/mnt/\\x1b[2J\\x1b[Hgone" },
                { "line\nbreak\ttab\x7f", "line\\x0abreak\\x09tab\\x7f" },
                { "back\\slash", "back\\\\slash" },
                { "caf\xc3\xa9", "caf\xc3\xa9" },     /* UTF-8 stays */
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                char *e = daxmfctl_escape(cases[i].in);

                assert_non_null(e);
                assert_string_equal(e, cases[i].out);
                free(e);
        }
}

/* ---- the kernel's memory failures ---- */

static void check_bool(struct json_object *o, const char *key, bool expected) {
        struct json_object *v = member(o, key);

        if (!json_object_is_type(v, json_type_boolean) || json_object_get_boolean(v) != expected)
                fail_msg("%s: expected %s, got %s", key, expected ? "true" : "false", json_object_to_json_string(v));
}

static const char *const info_mf_keys[] = {
        "mf_watch", "mf_records", "mf_window_ms", "mf_max_delay_ms", "mf_events_total", "mf_lost_total",
};

static void test_info_mf(void **state) {
        struct daxmf_info info = good_info;

        /* A module without them: no keys, whatever the fields hold. */
        info.mf_watch = true;
        info.mf_records = 1024;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_info_json(&info);

                assert_int_equal(json_object_object_length(o), 9);
                for (size_t i = 0; i < ELEMENTSOF(info_mf_keys); i++)
                        check_absent(o, info_mf_keys[i]);
        }

        info.has_mf = true;
        info.mf_window_ms = 500;
        info.mf_max_delay_ms = 5000;
        info.mf_events_total = 306;
        info.mf_lost_total = 6;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_info_json(&info);

                assert_int_equal(json_object_object_length(o), 15);
                check_bool(o, "mf_watch", true);
                check_u64(o, "mf_records", 1024);
                check_u64(o, "mf_window_ms", 500);
                check_u64(o, "mf_max_delay_ms", 5000);
                check_u64(o, "mf_events_total", 306);
                check_u64(o, "mf_lost_total", 6);
                check_string(o, "module_version", "0.1.0");
                check_round_trip(o);
        }

        /* Not attached; and with the handshake too. */
        info.mf_watch = false;
        info.mf_events_total = UINT64_MAX;
        info.mf_lost_total = 0;
        info.has_handshake = true;
        info.handler_portid = 4242;
        info.removal_timeout_ms = 5000;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_info_json(&info);

                assert_int_equal(json_object_object_length(o), 17);
                check_bool(o, "mf_watch", false);
                check_u64(o, "mf_events_total", UINT64_MAX);
                check_u64(o, "mf_lost_total", 0);
                check_u64(o, "removal_handler_port", 4242);
                check_round_trip(o);
        }
}

static void test_print_info_mf(void **state) {
        struct daxmf_info info = good_info;
        char out[2048];

        info.has_mf = true;
        info.mf_watch = true;
        info.mf_records = 1024;
        info.mf_window_ms = 500;
        info.mf_max_delay_ms = 5000;
        info.mf_events_total = 306;
        info.mf_lost_total = 0;
        CAPTURE(out, daxmfctl_print_info(&info));
        check_text(out,
                   "module version:   0.1.0\n"
                   "kernel release:   6.1.0-18-amd64\n"
                   "supported flags:  0x1f (action-required, allow-ram, per-page, simulated, removal)\n"
                   "max pages:        1073741824\n"
                   "batch pages:      512\n"
                   "page size:        4096\n"
                   "jobs:             3 running, at most 4\n"
                   "memory failures:  followed (ras:memory_failure_event)\n"
                   "memory-failure buffer:      1024 ranges, each sent after 500 ms without a new page or 5000 ms at most\n"
                   "memory-failure events:      306\n"
                   "memory-failure events lost: 0\n");

        info.mf_watch = false;
        info.mf_records = 4;
        info.mf_events_total = UINT64_MAX;
        info.mf_lost_total = UINT64_MAX - 1;
        info.has_handshake = true;
        info.handler_portid = 0;
        info.removal_timeout_ms = 2000;
        CAPTURE(out, daxmfctl_print_info(&info));
        check_text(out,
                   "module version:   0.1.0\n"
                   "kernel release:   6.1.0-18-amd64\n"
                   "supported flags:  0x1f (action-required, allow-ram, per-page, simulated, removal)\n"
                   "max pages:        1073741824\n"
                   "batch pages:      512\n"
                   "page size:        4096\n"
                   "jobs:             3 running, at most 4\n"
                   "removal handler:  none (the module acts alone; default wait 2000 ms)\n"
                   "memory failures:  not followed (the module could not attach to ras:memory_failure_event;"
                   " daxmfd reads tracefs)\n"
                   "memory-failure buffer:      4 ranges, each sent after 500 ms without a new page or 5000 ms at most\n"
                   "memory-failure events:      18446744073709551615\n"
                   "memory-failure events lost: 18446744073709551614\n");
}

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
        .first_ns = UINT64_C(1764019805123456789),      /* 2025-11-24 21:30:05.123456789 UTC */
        .last_ns = UINT64_C(1764019805173456789),
};

static const char *const mf_keys[] = {
        "event", "seq", "origin", "pfn", "pages", "phys_start", "phys_end", "events", "page_type",
        "page_type_name", "result", "result_name", "first_ns", "last_ns",
};

static void test_memory_failure_json(void **state) {
        struct daxmf_memory_failure mf = kernel_mf;

        {
                _cleanup_json_ struct json_object *o = daxmfctl_memory_failure_json(&mf);

                for (size_t i = 0; i < ELEMENTSOF(mf_keys); i++)
                        (void) member(o, mf_keys[i]);
                assert_int_equal(json_object_object_length(o), ELEMENTSOF(mf_keys));
                check_string(o, "event", "memory-failure");
                check_u64(o, "seq", 3);
                check_string(o, "origin", "kernel");
                check_u64(o, "pfn", 0x240000);
                check_u64(o, "pages", 300);
                check_u64(o, "phys_start", 0x240000000);
                check_u64(o, "phys_end", 0x24012bfff);
                check_u64(o, "events", 301);
                check_u64(o, "page_type", 17);
                check_string(o, "page_type_name", "dax page");
                check_u64(o, "result", 3);
                check_string(o, "result_name", "Recovered");
                check_u64(o, "first_ns", UINT64_C(1764019805123456789));
                check_u64(o, "last_ns", UINT64_C(1764019805173456789));
                check_absent(o, "job_id");
                check_round_trip(o);
        }

        /* Another requester's job: whose it was. */
        mf.origin = DAXMF_MF_ORIGIN_FAIL_RANGE;
        mf.job_id = UINT64_MAX;
        mf.cookie = 7;
        mf.requester_portid = 4242;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_memory_failure_json(&mf);

                assert_int_equal(json_object_object_length(o), ELEMENTSOF(mf_keys) + 3);
                check_string(o, "origin", "fail-range");
                check_u64(o, "job_id", UINT64_MAX);
                check_u64(o, "cookie", 7);
                check_u64(o, "requester_port", 4242);
                check_round_trip(o);
        }

        mf.origin = DAXMF_MF_ORIGIN_REMOVAL;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_memory_failure_json(&mf);

                assert_int_equal(json_object_object_length(o), ELEMENTSOF(mf_keys));
                check_string(o, "origin", "removal");
                check_absent(o, "requester_port");
        }
        mf.origin = 99;
        {
                _cleanup_json_ struct json_object *o = daxmfctl_memory_failure_json(&mf);

                check_string(o, "origin", "unknown");
        }
}

static void test_memory_failure_lost_json(void **state) {
        static const struct daxmf_memory_failure_lost lost = {
                .seq = 12,
                .lost = 60,
                .pfn = 0x240000,
                .pages = 127,
        };
        _cleanup_json_ struct json_object *o = daxmfctl_memory_failure_lost_json(&lost);

        assert_int_equal(json_object_object_length(o), 7);
        check_string(o, "event", "memory-failure-lost");
        check_u64(o, "seq", 12);
        check_u64(o, "lost", 60);
        check_u64(o, "pfn", 0x240000);
        check_u64(o, "pages", 127);
        check_u64(o, "phys_start", 0x240000000);
        check_u64(o, "phys_end", 0x24007efff);
        check_round_trip(o);
}

static void test_print_memory_failure(void **state) {
        struct daxmf_memory_failure mf = kernel_mf;
        char out[1024];

        assert_int_equal(setenv("TZ", "UTC", 1), 0);
        tzset();

        CAPTURE(out, daxmfctl_print_memory_failure(&mf));
        check_text(out, "memory-failure seq=3 origin=kernel pfn=0x240000 pages=300 events=301 page-type=\"dax page\""
                        " result=Recovered first=2025-11-24T21:30:05.123456 span=50.000ms\n");

        mf.origin = DAXMF_MF_ORIGIN_FAIL_RANGE;
        mf.job_id = 42;
        mf.cookie = 7;
        mf.requester_portid = 4242;
        mf.last_ns = mf.first_ns;
        memcpy(mf.result_name, "Failed", sizeof("Failed"));
        CAPTURE(out, daxmfctl_print_memory_failure(&mf));
        check_text(out, "memory-failure seq=3 origin=fail-range pfn=0x240000 pages=300 events=301"
                        " page-type=\"dax page\" result=Failed first=2025-11-24T21:30:05.123456 span=0.000ms"
                        " job=42 cookie=7 requester=4242\n");

        /* Names are the kernel's, and still escaped on a terminal. */
        mf.origin = DAXMF_MF_ORIGIN_KERNEL;
        memcpy(mf.page_type_name, "odd\x1b[2Jpage", sizeof("odd\x1b[2Jpage"));
        CAPTURE(out, daxmfctl_print_memory_failure(&mf));
        check_text(out, "memory-failure seq=3 origin=kernel pfn=0x240000 pages=300 events=301"
                        " page-type=\"odd\\x1b[2Jpage\" result=Failed first=2025-11-24T21:30:05.123456 span=0.000ms\n");
}

static void test_print_memory_failure_lost(void **state) {
        struct daxmf_memory_failure_lost lost = {
                .seq = 12,
                .lost = 60,
                .pfn = 0x240000,
                .pages = 127,
        };
        char out[512];

        CAPTURE(out, daxmfctl_print_memory_failure_lost(&lost));
        check_text(out, "memory-failure-lost seq=12 lost=60 pfn=0x240000 pages=127\n");

        lost.seq = UINT64_MAX;
        lost.lost = UINT64_MAX;
        lost.pfn = 0;
        lost.pages = 1;
        CAPTURE(out, daxmfctl_print_memory_failure_lost(&lost));
        check_text(out, "memory-failure-lost seq=18446744073709551615 lost=18446744073709551615 pfn=0x0 pages=1\n");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_range_partial),
                cmocka_unit_test(test_range_complete),
                cmocka_unit_test(test_range_failed),
                cmocka_unit_test(test_range_unmapped_is_no_failure),
                cmocka_unit_test(test_range_nothing_done),
                cmocka_unit_test(test_range_job_id_and_addresses),
                cmocka_unit_test(test_range_stopped),
                cmocka_unit_test(test_range_unknown_bits),
                cmocka_unit_test(test_range_large_values),
                cmocka_unit_test(test_info),
                cmocka_unit_test(test_info_page_size_and_jobs),
                cmocka_unit_test(test_info_handshake),
                cmocka_unit_test(test_error_full),
                cmocka_unit_test(test_error_plain),
                cmocka_unit_test(test_error_pfn_zero),
                cmocka_unit_test(test_usage_error),
                cmocka_unit_test(test_event_done),
                cmocka_unit_test(test_event_done_stopped),
                cmocka_unit_test(test_event_progress),
                cmocka_unit_test(test_event_progress_ignores_verdict_fields),
                cmocka_unit_test(test_removal_handshake),
                cmocka_unit_test(test_removal_handshake_names),
                cmocka_unit_test(test_removal_without_handshake),
                cmocka_unit_test(test_removal_pending),
                cmocka_unit_test(test_removal_pending_values),
                cmocka_unit_test(test_print_info),
                cmocka_unit_test(test_print_range),
                cmocka_unit_test(test_print_event),
                cmocka_unit_test(test_print_info_handshake),
                cmocka_unit_test(test_print_removal),
                cmocka_unit_test(test_print_removal_pending),
                cmocka_unit_test(test_escape),
                cmocka_unit_test(test_info_mf),
                cmocka_unit_test(test_print_info_mf),
                cmocka_unit_test(test_memory_failure_json),
                cmocka_unit_test(test_memory_failure_lost_json),
                cmocka_unit_test(test_print_memory_failure),
                cmocka_unit_test(test_print_memory_failure_lost),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
