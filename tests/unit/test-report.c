/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
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
#include <cmocka.h>
#include <json-c/json.h>

#include "macro.h"
#include "report-output.h"
#include "../../daemon/daxmfd/journal.h"
#include "report.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put);
#define _cleanup_json_ _cleanup_(json_object_putp)

#define BOOT_A "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define BOOT_B "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define SEC(s) ((uint64_t) (s) * 1000000)
#define END _REPORT_FIELD_INVALID

/* Adds one record: field, value pairs up to END. */
static void add(struct report *r, enum report_kind kind, const char *boot, uint64_t pid, uint64_t usec, ...) {
        struct report_record rec = { .kind = kind, .pid = pid, .realtime_usec = usec };
        va_list ap;

        snprintf(rec.boot_id, sizeof(rec.boot_id), "%s", boot);
        va_start(ap, usec);
        for (;;) {
                int f = va_arg(ap, int);

                if (f == END)
                        break;
                rec.fields[f] = va_arg(ap, const char *);
        }
        va_end(ap);
        assert_int_equal(report_add(r, &rec), 0);
}

static void summary(struct report *r, const char *boot, uint64_t pid, uint64_t usec, const char *id,
                    const char *device) {
        add(r, REPORT_KIND_EVENT, boot, pid, usec, REPORT_FIELD_EVENT_ID, id, REPORT_FIELD_EVENT, "poison",
            REPORT_FIELD_DEVICE, device, REPORT_FIELD_PHYS_START, "0x140000000", REPORT_FIELD_PHYS_END,
            "0x140000fff", REPORT_FIELD_PAGES, "1", REPORT_FIELD_PAGES_FAILED, "0", REPORT_FIELD_ACTION, "fail",
            REPORT_FIELD_RESULT, "complete", REPORT_FIELD_VIA, "module", REPORT_FIELD_REMOVAL_MODE, "",
            REPORT_FIELD_HANDSHAKE, "", REPORT_FIELD_WAITED_USEC, "0", END);
}

static void file(struct report *r, const char *boot, uint64_t pid, uint64_t usec, const char *id,
                 const char *device, const char *path) {
        add(r, REPORT_KIND_FILE, boot, pid, usec, REPORT_FIELD_EVENT_ID, id, REPORT_FIELD_EVENT, "poison",
            REPORT_FIELD_DEVICE, device, REPORT_FIELD_FILE, path, REPORT_FIELD_FILE_OFFSET, "0x2000",
            REPORT_FIELD_LENGTH, "4096", REPORT_FIELD_SHARED, "1", REPORT_FIELD_SOURCE, "live",
            REPORT_FIELD_INVENTORY_USEC, "", END);
}

static const struct report_event *find(const struct report *r, const char *boot, uint64_t pid, uint64_t id) {
        for (size_t i = 0; i < r->n_events; i++)
                if (strcmp(r->events[i].boot_id, boot) == 0 && r->events[i].daemon_pid == pid &&
                    r->events[i].id == id)
                        return &r->events[i];
        fail_msg("no event %s/%" PRIu64 "/%" PRIu64, boot, pid, id);
        return NULL;
}

static void test_names(void **state) {
        for (enum report_field f = 0; f < _REPORT_FIELD_MAX; f++) {
                const char *n = report_field_name(f);

                assert_non_null(n);
                assert_int_equal(report_field_from_name(n, strlen(n)), f);
        }
        /* Not NUL-terminated: the length decides, so "DAXMF_EVENT_ID=1" is DAXMF_EVENT_ID. */
        assert_int_equal(report_field_from_name("DAXMF_EVENT_ID=1", 14), REPORT_FIELD_EVENT_ID);
        assert_int_equal(report_field_from_name("DAXMF_EVENT_ID=1", 11), REPORT_FIELD_EVENT);
        assert_int_equal(report_field_from_name("DAXMF_EVEN", 10), _REPORT_FIELD_INVALID);
        assert_int_equal(report_field_from_name("MESSAGE", 7), _REPORT_FIELD_INVALID);

        for (enum report_kind k = 0; k < _REPORT_KIND_MAX; k++)
                assert_int_equal(report_kind_from_message_id(report_kind_message_id(k)), k);
        assert_int_equal(report_kind_from_message_id("cf97945658094f1db7308336789c695b"), REPORT_KIND_EVENT);
        assert_int_equal(report_kind_from_message_id("cf97945658094f1db7308336789c695"), _REPORT_KIND_INVALID);
        assert_int_equal(report_kind_from_message_id(NULL), _REPORT_KIND_INVALID);
}

/* Files come before the summary, processes may come after; runs of daxmfd reuse ids. */
static void test_group(void **state) {
        _cleanup_(report_done) struct report r;
        const struct report_event *ev;

        report_init(&r, &(struct report_filter) {});
        file(&r, BOOT_A, 100, SEC(10), "1", "pmem0", "/a");
        file(&r, BOOT_A, 200, SEC(11), "1", "pmem1", "/b");     /* another run, same id */
        file(&r, BOOT_B, 100, SEC(12), "1", "pmem0", "/c");     /* another boot, same pid and id */
        summary(&r, BOOT_A, 100, SEC(13), "1", "pmem0");
        add(&r, REPORT_KIND_PROCESS, BOOT_A, 100, SEC(14), REPORT_FIELD_EVENT_ID, "1", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_PID, "4242", REPORT_FIELD_COMM, "db", REPORT_FIELD_UNIT, "", REPORT_FIELD_FILE, "/a",
            REPORT_FIELD_ADDR_START, "0x7f0000000000", REPORT_FIELD_ADDR_END, "0x7f0000000fff",
            REPORT_FIELD_FILE_OFFSET, "0x1000", END);
        add(&r, REPORT_KIND_FILE, BOOT_A, 100, SEC(14), REPORT_FIELD_EVENT_ID, "1", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_METADATA, "refcount btree", REPORT_FIELD_LENGTH, "4096", END);
        add(&r, REPORT_KIND_MORE, BOOT_A, 100, SEC(14), REPORT_FIELD_EVENT_ID, "1", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_MORE_KIND, DAXMF_MORE_FILES, REPORT_FIELD_MORE, "7", END);
        add(&r, REPORT_KIND_MORE, BOOT_A, 100, SEC(14), REPORT_FIELD_EVENT_ID, "1", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_MORE_KIND, "files", REPORT_FIELD_MORE, "3", END);
        add(&r, REPORT_KIND_MORE, BOOT_A, 100, SEC(14), REPORT_FIELD_EVENT_ID, "1", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_MORE_KIND, DAXMF_MORE_PROCESSES, REPORT_FIELD_MORE, "2", END);
        /* What daxmfd wrote before the kinds were shared with the reader. */
        add(&r, REPORT_KIND_MORE, BOOT_A, 100, SEC(14), REPORT_FIELD_EVENT_ID, "1", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_MORE_KIND, "process mappings", REPORT_FIELD_MORE, "5", END);
        add(&r, REPORT_KIND_MORE, BOOT_A, 100, SEC(14), REPORT_FIELD_EVENT_ID, "1", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_MORE_KIND, "widgets", REPORT_FIELD_MORE, "99", END);
        /* No event id: nothing to group it with. */
        add(&r, REPORT_KIND_FILE, BOOT_A, 100, SEC(15), REPORT_FIELD_DEVICE, "pmem0", REPORT_FIELD_FILE, "/lost", END);
        add(&r, REPORT_KIND_FILE, BOOT_A, 100, SEC(15), REPORT_FIELD_EVENT_ID, "x1", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_FILE, "/lost", END);
        report_finish(&r);

        assert_int_equal(r.n_events, 3);
        ev = find(&r, BOOT_A, 100, 1);
        assert_true(ev->complete);
        assert_int_equal(ev->realtime_usec, SEC(10));
        assert_int_equal(ev->summary_usec, SEC(13));
        assert_int_equal(ev->phys_start, 0x140000000);
        assert_int_equal(ev->phys_end, 0x140000fff);
        assert_string_equal(ev->result, "complete");
        assert_null(ev->removal_mode);         /* "" is none */
        assert_int_equal(ev->n_files, 2);
        assert_string_equal(ev->files[0].path, "/a");
        assert_int_equal(ev->files[0].file_offset, 0x2000);
        assert_true(ev->files[0].shared);
        assert_int_equal(ev->files[0].inventory_usec, REPORT_UNSET);
        assert_null(ev->files[1].path);
        assert_string_equal(ev->files[1].metadata, "refcount btree");
        assert_int_equal(ev->n_processes, 1);
        assert_int_equal(ev->processes[0].pid, 4242);
        assert_null(ev->processes[0].unit);
        assert_int_equal(ev->processes[0].addr_end, 0x7f0000000fff);
        assert_int_equal(ev->files_not_logged, 10);
        assert_int_equal(ev->processes_not_logged, 7);

        ev = find(&r, BOOT_A, 200, 1);
        assert_false(ev->complete);
        assert_int_equal(ev->n_files, 1);
        assert_string_equal(ev->files[0].path, "/b");
        assert_string_equal(ev->device, "pmem1");
        assert_int_equal(ev->pages, REPORT_UNSET);
        assert_null(ev->result);

        ev = find(&r, BOOT_B, 100, 1);
        assert_false(ev->complete);
        assert_int_equal(ev->n_files, 1);
        assert_string_equal(ev->files[0].path, "/c");
}

/* Junk in a number is no number (null), not 0; a second summary is not the event's. */
static void test_bad_numbers(void **state) {
        _cleanup_(report_done) struct report r;
        const struct report_event *ev;

        report_init(&r, &(struct report_filter) {});
        add(&r, REPORT_KIND_EVENT, BOOT_A, 1, SEC(1), REPORT_FIELD_EVENT_ID, "0x10", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_PHYS_START, "0xzz", REPORT_FIELD_PHYS_END, "-1", REPORT_FIELD_PAGES, "18446744073709551616",
            REPORT_FIELD_PAGES_FAILED, "3", REPORT_FIELD_RESULT, "partial", END);
        add(&r, REPORT_KIND_EVENT, BOOT_A, 1, SEC(2), REPORT_FIELD_EVENT_ID, "16", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_PAGES_FAILED, "0", REPORT_FIELD_RESULT, "complete", END);
        report_finish(&r);

        assert_int_equal(r.n_events, 1);
        ev = &r.events[0];
        assert_int_equal(ev->id, 16);
        assert_int_equal(ev->phys_start, REPORT_UNSET);
        assert_int_equal(ev->phys_end, REPORT_UNSET);
        assert_int_equal(ev->pages, REPORT_UNSET);
        assert_int_equal(ev->pages_failed, 3);
        assert_string_equal(ev->result, "partial");
        assert_int_equal(ev->summary_usec, SEC(1));
        assert_int_equal(ev->sector, REPORT_UNSET);     /* absent */
}

/*
 * The window: an event is the window's when its first record is.  One
 * that began before --since is swallowed whole; one in the window gets its
 * summary from after --until, as long as one is open and for a while only.
 */
static void test_window(void **state) {
        _cleanup_(report_done) struct report r;
        const struct report_filter filter = { .since_usec = SEC(100), .until_usec = SEC(200) };

        report_init(&r, &filter);
        file(&r, BOOT_A, 1, SEC(99), "1", "pmem0", "/early");
        assert_true(report_wants(&r, SEC(150)));
        summary(&r, BOOT_A, 1, SEC(101), "1", "pmem0");         /* the early one's: not a new event */
        file(&r, BOOT_A, 1, SEC(150), "2", "pmem0", "/in");
        assert_int_equal(r.open, 1);
        assert_true(report_wants(&r, SEC(200)));
        assert_true(report_wants(&r, SEC(201)));
        assert_false(report_wants(&r, SEC(200) + REPORT_SLACK_USEC + 1));
        file(&r, BOOT_A, 1, SEC(201), "3", "pmem0", "/late");   /* began after the window */
        summary(&r, BOOT_A, 1, SEC(250), "2", "pmem0");
        assert_int_equal(r.open, 0);
        assert_false(report_wants(&r, SEC(251)));       /* nothing open: the rest cannot matter */
        add(&r, REPORT_KIND_CLEARED, BOOT_A, 1, SEC(99), REPORT_FIELD_DEVICE, "pmem0", END);
        add(&r, REPORT_KIND_CLEARED, BOOT_A, 1, SEC(100), REPORT_FIELD_DEVICE, "pmem0", REPORT_FIELD_SECTOR, "8", END);
        add(&r, REPORT_KIND_DEGRADED, BOOT_A, 1, SEC(200), REPORT_FIELD_DEGRADED, "no module", END);
        add(&r, REPORT_KIND_DEGRADED, BOOT_A, 1, SEC(201), REPORT_FIELD_DEGRADED, "too late", END);
        report_finish(&r);

        assert_int_equal(r.n_events, 1);
        assert_int_equal(r.events[0].id, 2);
        assert_true(r.events[0].complete);
        assert_string_equal(r.events[0].files[0].path, "/in");
        assert_int_equal(r.n_cleared, 1);
        assert_int_equal(r.cleared[0].sector, 8);
        assert_int_equal(r.n_degraded, 1);
        assert_string_equal(r.degraded[0].reason, "no module");
}

/* Without --until everything is wanted. */
static void test_wants_unbounded(void **state) {
        _cleanup_(report_done) struct report r;

        report_init(&r, &(struct report_filter) { .since_usec = SEC(5) });
        assert_true(report_wants(&r, UINT64_MAX - 1));
        assert_true(report_wants(&r, 0));
}

static void test_filters(void **state) {
        _cleanup_(report_done) struct report r;
        const struct report_filter filter = { .device = "/dev/pmem0", .file = "/shared-copy" };

        report_init(&r, &filter);
        file(&r, BOOT_A, 1, SEC(1), "1", "pmem0", "/shared");
        file(&r, BOOT_A, 1, SEC(1), "1", "pmem0", "/shared-copy");
        add(&r, REPORT_KIND_PROCESS, BOOT_A, 1, SEC(1), REPORT_FIELD_EVENT_ID, "1", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_PID, "7", REPORT_FIELD_FILE, "/shared", END);
        summary(&r, BOOT_A, 1, SEC(2), "1", "pmem0");
        file(&r, BOOT_A, 1, SEC(3), "2", "pmem0", "/other");
        summary(&r, BOOT_A, 1, SEC(4), "2", "pmem0");
        file(&r, BOOT_A, 1, SEC(5), "3", "pmem10", "/shared-copy");    /* another device, by prefix too */
        add(&r, REPORT_KIND_PROCESS, BOOT_A, 1, SEC(6), REPORT_FIELD_EVENT_ID, "4", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_PID, "7", REPORT_FIELD_FILE, "/shared-copy", END);    /* a process record is no file record */
        add(&r, REPORT_KIND_CLEARED, BOOT_A, 1, SEC(7), REPORT_FIELD_DEVICE, "pmem0", END);
        add(&r, REPORT_KIND_CLEARED, BOOT_A, 1, SEC(7), REPORT_FIELD_DEVICE, "pmem1", END);
        add(&r, REPORT_KIND_CLEARED, BOOT_A, 1, SEC(7), END);
        add(&r, REPORT_KIND_DEGRADED, BOOT_A, 1, SEC(8), REPORT_FIELD_DEGRADED, "no module", END);
        report_finish(&r);

        assert_int_equal(r.n_events, 1);
        assert_int_equal(r.events[0].id, 1);
        assert_int_equal(r.events[0].n_files, 2);       /* all of its files, not just the one asked for */
        assert_int_equal(r.events[0].n_processes, 1);
        assert_int_equal(r.n_cleared, 1);
        assert_string_equal(r.cleared[0].device, "pmem0");
        assert_int_equal(r.n_degraded, 1);
}

/* In time order (an event's first record), equal times as read, whatever order they came in. */
static void test_order(void **state) {
        _cleanup_(report_done) struct report r;

        report_init(&r, &(struct report_filter) {});
        summary(&r, BOOT_B, 1, SEC(300), "1", "pmem0");
        summary(&r, BOOT_A, 1, SEC(100), "5", "pmem0");
        summary(&r, BOOT_A, 1, SEC(100), "4", "pmem0");
        summary(&r, BOOT_A, 1, SEC(100), "3", "pmem0");
        summary(&r, BOOT_A, 2, SEC(200), "1", "pmem0");
        file(&r, BOOT_A, 2, SEC(50), "1", "pmem0", "/x");      /* read later, written first */
        add(&r, REPORT_KIND_DEGRADED, BOOT_A, 1, SEC(9), REPORT_FIELD_DEGRADED, "b", END);
        add(&r, REPORT_KIND_DEGRADED, BOOT_A, 1, SEC(8), REPORT_FIELD_DEGRADED, "a", END);
        add(&r, REPORT_KIND_DEGRADED, BOOT_A, 1, SEC(9), REPORT_FIELD_DEGRADED, "c", END);
        report_finish(&r);

        assert_int_equal(r.n_events, 5);
        assert_int_equal(r.events[0].daemon_pid, 2);
        assert_int_equal(r.events[0].realtime_usec, SEC(50));
        assert_int_equal(r.events[1].id, 5);
        assert_int_equal(r.events[2].id, 4);
        assert_int_equal(r.events[3].id, 3);
        assert_string_equal(r.events[4].boot_id, BOOT_B);
        assert_string_equal(r.degraded[0].reason, "a");
        assert_string_equal(r.degraded[1].reason, "b");
        assert_string_equal(r.degraded[2].reason, "c");
}

/* A storm: many events, ids reused by several runs; the index grows and still finds each. */
static void test_many(void **state) {
        _cleanup_(report_done) struct report r;
        const unsigned runs = 4, ids = 5000;

        report_init(&r, &(struct report_filter) {});
        for (unsigned pid = 1; pid <= runs; pid++)
                for (unsigned id = 1; id <= ids; id++) {
                        char sid[16], path[32];

                        snprintf(sid, sizeof(sid), "%u", id);
                        snprintf(path, sizeof(path), "/f-%u-%u", pid, id);
                        file(&r, BOOT_A, pid, SEC(pid * ids + id), sid, "pmem0", path);
                }
        for (unsigned id = ids; id >= 1; id--)
                for (unsigned pid = 1; pid <= runs; pid++) {
                        char sid[16];

                        snprintf(sid, sizeof(sid), "%u", id);
                        summary(&r, BOOT_A, pid, SEC(100000 + id), sid, "pmem0");
                }
        assert_int_equal(r.open, 0);
        report_finish(&r);

        assert_int_equal(r.n_events, runs * ids);
        for (size_t i = 0; i < r.n_events; i++) {
                const struct report_event *ev = &r.events[i];
                char path[32];

                snprintf(path, sizeof(path), "/f-%" PRIu64 "-%" PRIu64, ev->daemon_pid, ev->id);
                assert_true(ev->complete);
                assert_int_equal(ev->n_files, 1);
                assert_string_equal(ev->files[0].path, path);
                assert_int_equal(ev->realtime_usec, SEC(ev->daemon_pid * ids + ev->id));
                if (i > 0)
                        assert_true(ev->realtime_usec > r.events[i - 1].realtime_usec);
        }
}

/* What a printer writes, as a string. */
static char *print(const struct report *r, void (*printer)(const struct report *r, FILE *f)) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        printer(r, f);
        fclose(f);
        return text;
}

/* The JSON document, parsed back: it must be one, whole. */
static struct json_object *print_json(const struct report *r) {
        _cleanup_free_ char *text = print(r, report_print_json);
        struct json_tokener *tok = json_tokener_new();
        struct json_object *o;

        assert_non_null(tok);
        o = json_tokener_parse_ex(tok, text, (int) strlen(text));
        if (!o || json_tokener_get_error(tok) != json_tokener_success)
                fail_msg("not JSON: %s", text);
        /* Nothing past the document but its newline. */
        assert_int_equal(strspn(text + json_tokener_get_parse_end(tok), "\n"),
                         strlen(text) - json_tokener_get_parse_end(tok));
        assert_int_equal(text[strlen(text) - 1], '\n');
        json_tokener_free(tok);
        return o;
}

static struct json_object *member(struct json_object *o, const char *key) {
        struct json_object *v = NULL;

        if (!json_object_object_get_ex(o, key, &v))
                fail_msg("no key \"%s\" in %s", key, json_object_to_json_string(o));
        return v;
}

static void test_json(void **state) {
        _cleanup_(report_done) struct report r;
        _cleanup_json_ struct json_object *o = NULL;
        struct json_object *ev, *f;

        report_init(&r, &(struct report_filter) {});
        file(&r, BOOT_A, 100, SEC(10), "1", "pmem0", "/a");
        add(&r, REPORT_KIND_FILE, BOOT_A, 100, SEC(10), REPORT_FIELD_EVENT_ID, "1", REPORT_FIELD_DEVICE, "pmem0",
            REPORT_FIELD_METADATA, "log", REPORT_FIELD_INVENTORY_USEC, "1700000000000000", END);
        summary(&r, BOOT_A, 100, SEC(11), "1", "pmem0");
        file(&r, BOOT_A, 100, SEC(12), "2", "pmem0", "/b");
        add(&r, REPORT_KIND_CLEARED, BOOT_A, 100, SEC(13), REPORT_FIELD_DEVICE, "pmem0", REPORT_FIELD_PHYS_START,
            "0x1000", END);
        report_finish(&r);
        o = print_json(&r);

        assert_int_equal(json_object_array_length(member(o, "events")), 2);
        ev = json_object_array_get_idx(member(o, "events"), 0);
        assert_string_equal(json_object_get_string(member(ev, "boot_id")), BOOT_A);
        assert_int_equal(json_object_get_uint64(member(ev, "pid")), 100);
        assert_int_equal(json_object_get_uint64(member(ev, "event_id")), 1);
        assert_int_equal(json_object_get_uint64(member(ev, "realtime_usec")), SEC(10));
        assert_true(json_object_is_type(member(ev, "phys_start"), json_type_int));
        assert_int_equal(json_object_get_uint64(member(ev, "phys_start")), 0x140000000);
        assert_true(json_object_get_boolean(member(ev, "complete")));
        assert_null(member(ev, "removal_mode"));
        assert_null(member(ev, "sector"));
        assert_int_equal(json_object_array_length(member(ev, "files")), 1);
        assert_int_equal(json_object_array_length(member(ev, "metadata")), 1);
        f = json_object_array_get_idx(member(ev, "files"), 0);
        assert_string_equal(json_object_get_string(member(f, "path")), "/a");
        assert_int_equal(json_object_get_uint64(member(f, "file_offset")), 0x2000);
        assert_true(json_object_get_boolean(member(f, "shared")));
        assert_null(member(f, "inventory_usec"));
        f = json_object_array_get_idx(member(ev, "metadata"), 0);
        assert_string_equal(json_object_get_string(member(f, "metadata")), "log");
        assert_int_equal(json_object_get_uint64(member(f, "inventory_usec")), 1700000000000000);
        assert_int_equal(json_object_get_uint64(member(ev, "files_not_logged")), 0);

        ev = json_object_array_get_idx(member(o, "events"), 1);
        assert_false(json_object_get_boolean(member(ev, "complete")));
        assert_null(member(ev, "pages"));
        assert_null(member(ev, "result"));
        assert_null(member(ev, "summary_realtime_usec"));

        f = json_object_array_get_idx(member(o, "cleared"), 0);
        assert_int_equal(json_object_get_uint64(member(f, "phys_start")), 0x1000);
        assert_null(member(f, "sector"));
        assert_int_equal(json_object_array_length(member(o, "degraded")), 0);
}

static void test_json_empty(void **state) {
        _cleanup_(report_done) struct report r;
        _cleanup_json_ struct json_object *o = NULL;

        report_init(&r, &(struct report_filter) {});
        report_finish(&r);
        o = print_json(&r);
        assert_int_equal(json_object_object_length(o), 4);
        assert_int_equal(json_object_array_length(member(o, "events")), 0);
        assert_int_equal(json_object_array_length(member(o, "cleared")), 0);
        assert_int_equal(json_object_array_length(member(o, "degraded")), 0);
        assert_int_equal(json_object_array_length(member(o, "memory_failures_lost")), 0);
}

/* The kernel's memory failure on a device, as daxmfd writes it: files first, then the summary. */
static void memory_failure(struct report *r, uint64_t usec, const char *id, const char *device, const char *origin,
                           const char *job_id) {
        add(r, REPORT_KIND_FILE, BOOT_A, 100, usec, REPORT_FIELD_EVENT_ID, id, REPORT_FIELD_EVENT, "memory-failure",
            REPORT_FIELD_DEVICE, device, REPORT_FIELD_FILE, "/mnt/h", REPORT_FIELD_FILE_OFFSET, "0x0",
            REPORT_FIELD_LENGTH, "1228800", END);
        add(r, REPORT_KIND_EVENT, BOOT_A, 100, usec, REPORT_FIELD_EVENT_ID, id, REPORT_FIELD_EVENT, "memory-failure",
            REPORT_FIELD_DEVICE, device, REPORT_FIELD_PHYS_START, "0x140000000", REPORT_FIELD_PHYS_END,
            "0x14012bfff", REPORT_FIELD_PAGES, "300", REPORT_FIELD_PAGES_FAILED, "0", REPORT_FIELD_ACTION, "log",
            REPORT_FIELD_RESULT, "recovered", REPORT_FIELD_VIA, "module", REPORT_FIELD_ELAPSED_USEC, "1500000",
            REPORT_FIELD_REMOVAL_MODE, "", REPORT_FIELD_HANDSHAKE, "", REPORT_FIELD_PAGE_TYPE, "dax page",
            REPORT_FIELD_KERNEL_RESULT, "Recovered", REPORT_FIELD_ORIGIN, origin, REPORT_FIELD_MF_EVENTS, "302",
            REPORT_FIELD_JOB_ID, job_id, REPORT_FIELD_FIRST_USEC, "1795000410000000", REPORT_FIELD_LAST_USEC,
            "1795000411500000", END);
}

/* What the kernel did and who asked; the events it lost, whatever device was asked for. */
static void test_memory_failure(void **state) {
        _cleanup_(report_done) struct report r;
        _cleanup_json_ struct json_object *o = NULL;
        _cleanup_free_ char *text = NULL;
        const struct report_event *ev;
        struct json_object *j;

        setenv("TZ", "UTC", 1);
        tzset();
        report_init(&r, &(struct report_filter) { .device = "pmem0" });
        memory_failure(&r, SEC(1795000412), "1", "pmem0", "kernel", NULL);
        memory_failure(&r, SEC(1795000413), "2", "pmem0", "fail-range", "17");
        memory_failure(&r, SEC(1795000414), "3", "pmem1", "kernel", NULL);     /* another device */
        add(&r, REPORT_KIND_MEMORY_FAILURE_LOST, BOOT_A, 100, SEC(1795000415), REPORT_FIELD_LOST, "60",
            REPORT_FIELD_LOST_REASON, "module-buffer", REPORT_FIELD_PHYS_START, "0x140000000",
            REPORT_FIELD_PHYS_END, "0x14007ffff", REPORT_FIELD_VIA, "module", END);
        add(&r, REPORT_KIND_MEMORY_FAILURE_LOST, BOOT_A, 100, SEC(1795000416), REPORT_FIELD_LOST, "2",
            REPORT_FIELD_LOST_REASON, "receive-buffer", REPORT_FIELD_VIA, "module", END);
        add(&r, REPORT_KIND_MEMORY_FAILURE_LOST, BOOT_A, 100, SEC(1795000417), REPORT_FIELD_LOST, "0",
            REPORT_FIELD_LOST_REASON, "receive-buffer", REPORT_FIELD_VIA, "module", END);
        report_finish(&r);

        assert_int_equal(r.n_events, 2);
        ev = &r.events[0];
        assert_true(ev->complete);
        assert_string_equal(ev->event, "memory-failure");
        assert_string_equal(ev->action, "log");
        assert_string_equal(ev->result, "recovered");
        assert_string_equal(ev->page_type, "dax page");
        assert_string_equal(ev->kernel_result, "Recovered");
        assert_string_equal(ev->origin, "kernel");
        assert_int_equal(ev->mf_events, 302);
        assert_int_equal(ev->job_id, REPORT_UNSET);
        assert_int_equal(ev->first_usec, SEC(1795000410));
        assert_int_equal(ev->last_usec, SEC(1795000411) + 500000);
        assert_int_equal(ev->n_files, 1);
        assert_string_equal(r.events[1].origin, "fail-range");
        assert_int_equal(r.events[1].job_id, 17);
        /* Not of a device: --device keeps them. */
        assert_int_equal(r.n_mf_lost, 3);
        assert_int_equal(r.mf_lost[0].lost, 60);
        assert_string_equal(r.mf_lost[0].reason, "module-buffer");
        assert_int_equal(r.mf_lost[0].phys_end, 0x14007ffff);
        assert_int_equal(r.mf_lost[1].phys_start, REPORT_UNSET);

        o = print_json(&r);
        j = json_object_array_get_idx(member(o, "events"), 1);
        assert_string_equal(json_object_get_string(member(j, "kernel_result")), "Recovered");
        assert_string_equal(json_object_get_string(member(j, "origin")), "fail-range");
        assert_int_equal(json_object_get_uint64(member(j, "job_id")), 17);
        assert_int_equal(json_object_get_uint64(member(j, "mf_events")), 302);
        assert_int_equal(json_object_get_uint64(member(j, "first_realtime_usec")), SEC(1795000410));
        j = json_object_array_get_idx(member(o, "events"), 0);
        assert_null(member(j, "job_id"));
        assert_int_equal(json_object_array_length(member(o, "memory_failures_lost")), 3);
        j = json_object_array_get_idx(member(o, "memory_failures_lost"), 1);
        assert_int_equal(json_object_get_uint64(member(j, "lost")), 2);
        assert_string_equal(json_object_get_string(member(j, "reason")), "receive-buffer");
        assert_null(member(j, "phys_start"));
        assert_string_equal(json_object_get_string(member(j, "time")), "2026-11-18 11:13:36");

        text = print(&r, report_print);
        assert_non_null(strstr(text, "2026-11-18 11:13:32  memory-failure on pmem0\n"));
        assert_non_null(strstr(text, "    result:    recovered (action log, via module, 1500000 us)\n"));
        assert_non_null(strstr(text, "    kernel:    dax page: Recovered, origin kernel, 302 events\n"));
        assert_non_null(strstr(text, "    kernel:    dax page: Recovered, origin fail-range (job 17), 302 events\n"));
        assert_non_null(strstr(text, "    failed:    2026-11-18 11:13:30 to 2026-11-18 11:13:31\n"));
        assert_non_null(strstr(text, "\nthe kernel's memory-failure events not logged:\n"
                                     "    2026-11-18 11:13:35  60 event(s) (module-buffer, via module), "
                                     "pages within phys 0x140000000-0x14007ffff\n"
                                     "    2026-11-18 11:13:36  at least 2 event(s) (receive-buffer, via module), "
                                     "pages not known\n"
                                     "    2026-11-18 11:13:37  an unknown number of events, perhaps none "
                                     "(receive-buffer, via module), pages not known\n"));
}

/* Memory outside any dax/pmem device: the record has an empty device, the report says where. */
static void test_memory_failure_ram(void **state) {
        _cleanup_(report_done) struct report r;
        _cleanup_free_ char *text = NULL;

        setenv("TZ", "UTC", 1);
        tzset();
        report_init(&r, &(struct report_filter) {});
        add(&r, REPORT_KIND_EVENT, BOOT_A, 100, SEC(1795000410), REPORT_FIELD_EVENT_ID, "4", REPORT_FIELD_EVENT,
            "memory-failure", REPORT_FIELD_DEVICE, "", REPORT_FIELD_PHYS_START, "0x1000000", REPORT_FIELD_PHYS_END,
            "0x1000fff", REPORT_FIELD_PAGES, "1", REPORT_FIELD_PAGES_FAILED, "1", REPORT_FIELD_ACTION, "log",
            REPORT_FIELD_RESULT, "failed", REPORT_FIELD_VIA, "tracefs", REPORT_FIELD_PAGE_TYPE, "unknown page",
            REPORT_FIELD_KERNEL_RESULT, "Failed", REPORT_FIELD_ORIGIN, "kernel", REPORT_FIELD_MF_EVENTS, "1", END);
        report_finish(&r);
        assert_int_equal(r.n_events, 1);
        assert_null(r.events[0].device);
        text = print(&r, report_print);
        assert_non_null(strstr(text, "2026-11-18 11:13:30  memory-failure outside any dax/pmem device (System RAM)\n"));
        assert_non_null(strstr(text, "    kernel:    unknown page: Failed, origin kernel, 1 events\n"));
        assert_null(strstr(text, "    failed:  "));
}

static void test_print(void **state) {
        _cleanup_(report_done) struct report r;
        _cleanup_free_ char *empty = NULL, *text = NULL;

        setenv("TZ", "UTC", 1);
        tzset();        /* localtime_r() read TZ once already (test_json) */
        report_init(&r, &(struct report_filter) {});
        empty = print(&r, report_print);
        assert_string_equal(empty, "no daxmf events\n");

        file(&r, BOOT_A, 100, SEC(1795000410), "1", "pmem0", "/a b");
        add(&r, REPORT_KIND_MORE, BOOT_A, 100, SEC(1795000410), REPORT_FIELD_EVENT_ID, "1", REPORT_FIELD_DEVICE,
            "pmem0", REPORT_FIELD_MORE_KIND, "files", REPORT_FIELD_MORE, "250", END);
        add(&r, REPORT_KIND_DEGRADED, BOOT_A, 100, SEC(1795000411), REPORT_FIELD_DEGRADED, "no module", END);
        report_finish(&r);
        text = print(&r, report_print);
        assert_non_null(strstr(text, "2026-11-18 11:13:30  poison on pmem0\n"));
        assert_non_null(strstr(text, "    result:    incomplete: no summary record"));
        assert_non_null(strstr(text, "file:      /a b at offset 0x2000, 4096 bytes, shared (reflink)\n"));
        assert_non_null(strstr(text, "and 250 more files not logged\n"));
        assert_non_null(strstr(text, "\ndaxmfd degraded:\n    2026-11-18 11:13:31  no module\n"));
        assert_null(strstr(text, "no daxmf events"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_group),
                cmocka_unit_test(test_bad_numbers),
                cmocka_unit_test(test_window),
                cmocka_unit_test(test_wants_unbounded),
                cmocka_unit_test(test_filters),
                cmocka_unit_test(test_order),
                cmocka_unit_test(test_many),
                cmocka_unit_test(test_json),
                cmocka_unit_test(test_json_empty),
                cmocka_unit_test(test_print),
                cmocka_unit_test(test_memory_failure),
                cmocka_unit_test(test_memory_failure_ram),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
