/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "conf.h"

struct warnings {
        unsigned n;
        char text[16][256];
};

static void collect(const char *file, unsigned line, const char *message, void *userdata) {
        struct warnings *w = userdata;

        if (w->n < 16)
                snprintf(w->text[w->n], sizeof(w->text[0]), "%s:%u: %s", file, line, message);
        w->n++;
}

static unsigned parse_string(struct daxmf_config *c, const char *text, struct warnings *w) {
        FILE *f = fmemopen((void *) text, strlen(text), "r");
        unsigned n;

        assert_non_null(f);
        n = daxmf_config_parse(c, f, "test.conf", collect, w);
        fclose(f);
        return n;
}

static void test_defaults(void **state) {
        struct daxmf_config c;

        daxmf_config_defaults(&c);
        assert_int_equal(c.on_poison, DAXMF_ACTION_FAIL);
        assert_int_equal(c.on_removal, DAXMF_ACTION_FAIL);
        assert_int_equal(c.rescan_interval_usec, 60 * 1000000ULL);
        assert_int_equal(c.batch_pages, 512);
        assert_int_equal(c.max_in_flight, 4);
        assert_int_equal(c.removal_timeout_usec, 5 * 1000000ULL);
        assert_int_equal(c.inventory_refresh_usec, 300 * 1000000ULL);
        assert_string_equal(c.metrics_textfile, "/var/lib/prometheus/node-exporter/daxmf.prom");
        assert_int_equal(c.journal_queue_records, 4096);
}

/* The journal queue's bound: 1 to 1048576 records; anything else keeps the value before. */
static void test_journal_queue(void **state) {
        struct daxmf_config c;
        struct warnings w = {};

        daxmf_config_defaults(&c);
        assert_int_equal(parse_string(&c, "[Journal]\nQueueMaxRecords=16\n", &w), 0);
        assert_int_equal(c.journal_queue_records, 16);
        assert_int_equal(parse_string(&c, "[Journal]\nQueueMaxRecords=1048576\n", &w), 0);
        assert_int_equal(c.journal_queue_records, 1048576);
        assert_int_equal(parse_string(&c,
                "[Journal]\nQueueMaxRecords=0\nQueueMaxRecords=1048577\nQueueMaxRecords=-1\nQueueMaxRecords=x\n",
                &w), 4);
        assert_int_equal(c.journal_queue_records, 1048576);
        assert_non_null(strstr(w.text[0], "test.conf:2: bad value '0' for QueueMaxRecords="));
}

static void test_good_file(void **state) {
        struct daxmf_config c;
        struct warnings w = {};

        daxmf_config_defaults(&c);
        assert_int_equal(parse_string(&c,
                "# comment\n"
                "; also a comment\n"
                "\n"
                "[Policy]\n"
                "OnPoison = log\n"
                "  OnRemoval=fail  \n"
                "[Poison]\n"
                "RescanIntervalSec=500ms\n"
                "[Engine]\n"
                "BatchPages=0x100\n"
                "MaxInFlight=8\n"
                "[Removal]\n"
                "TimeoutSec=2min\n"
                "[Inventory]\n"
                "RefreshSec=0\n", &w), 0);
        assert_int_equal(w.n, 0);
        assert_int_equal(c.on_poison, DAXMF_ACTION_LOG);
        assert_int_equal(c.on_removal, DAXMF_ACTION_FAIL);
        assert_int_equal(c.rescan_interval_usec, 500000);
        assert_int_equal(c.batch_pages, 256);
        assert_int_equal(c.max_in_flight, 8);
        assert_int_equal(c.removal_timeout_usec, 120 * 1000000ULL);
        assert_int_equal(c.inventory_refresh_usec, 0);
}

static void test_bad_values_keep_defaults(void **state) {
        struct daxmf_config c, d;
        struct warnings w = {};

        daxmf_config_defaults(&c);
        d = c;
        assert_int_equal(parse_string(&c,
                "[Policy]\n"
                "OnPoison=maybe\n"
                "[Engine]\n"
                "BatchPages=0\n"
                "MaxInFlight=-1\n"
                "MaxInFlight=100000\n"
                "[Poison]\n"
                "RescanIntervalSec=soon\n"
                "[Removal]\n"
                "TimeoutSec=0\n", &w), 6);
        assert_memory_equal(&c, &d, sizeof(c));
        assert_non_null(strstr(w.text[0], "test.conf:2: bad value 'maybe' for OnPoison="));
        assert_non_null(strstr(w.text[1], "test.conf:4: bad value '0' for BatchPages="));
        assert_non_null(strstr(w.text[2], "test.conf:5:"));
        assert_non_null(strstr(w.text[3], "test.conf:6:"));
        assert_non_null(strstr(w.text[4], "test.conf:8:"));
        assert_non_null(strstr(w.text[5], "test.conf:10:"));
}

static void test_metrics_textfile(void **state) {
        char text[8192], long_path[PATH_MAX + 16];
        struct daxmf_config c, d;
        struct warnings w = {};

        daxmf_config_defaults(&c);
        assert_int_equal(parse_string(&c, "[Metrics]\nTextfilePath = /run/daxmf-test/daxmf.prom \n", &w), 0);
        assert_string_equal(c.metrics_textfile, "/run/daxmf-test/daxmf.prom");

        /* Empty: no file at all. */
        assert_int_equal(parse_string(&c, "[Metrics]\nTextfilePath=\n", &w), 0);
        assert_string_equal(c.metrics_textfile, "");
        assert_int_equal(w.n, 0);

        /* Refused, each with its file and line; the value before stays. */
        memset(long_path, 'a', sizeof(long_path));
        long_path[0] = '/';
        strcpy(long_path + sizeof(long_path) - 6, ".prom");
        snprintf(text, sizeof(text),
                 "[Metrics]\n"
                 "TextfilePath=/x/ok.prom\n"
                 "TextfilePath=daxmf.prom\n"           /* 3: relative */
                 "TextfilePath=./daxmf.prom\n"         /* 4: relative */
                 "TextfilePath=/var/lib/daxmf.txt\n"   /* 5: not read by node_exporter */
                 "TextfilePath=/var/lib/prometheus/\n" /* 6: a directory */
                 "TextfilePath=/var/lib/.prom\n"       /* 7: no name before .prom */
                 "TextfilePath=%s\n", long_path);      /* 8: longer than PATH_MAX */
        daxmf_config_defaults(&c);
        assert_int_equal(parse_string(&c, text, &w), 6);
        assert_string_equal(c.metrics_textfile, "/x/ok.prom");
        assert_non_null(strstr(w.text[0], "test.conf:3: bad value 'daxmf.prom' for TextfilePath= (expected an absolute path"));
        assert_non_null(strstr(w.text[1], "test.conf:4: bad value './daxmf.prom'"));
        assert_non_null(strstr(w.text[2], "test.conf:5: bad value '/var/lib/daxmf.txt' for TextfilePath= (expected a file name ending in .prom"));
        assert_non_null(strstr(w.text[3], "test.conf:6: bad value '/var/lib/prometheus/'"));
        assert_non_null(strstr(w.text[4], "test.conf:7: bad value '/var/lib/.prom'"));
        /* (the message is cut short before the reason: the value alone is longer than a message) */
        assert_non_null(strstr(w.text[5], "test.conf:8: bad value '/aaaa"));

        /* A bad value keeps the default too, not only an earlier value. */
        w.n = 0;
        daxmf_config_defaults(&c);
        d = c;
        assert_int_equal(parse_string(&c, "[Metrics]\nTextfilePath=metrics\n[Metrics]\nTextfile=/a.prom\n", &w), 2);
        assert_memory_equal(&c, &d, sizeof(c));
        assert_non_null(strstr(w.text[1], "test.conf:4: unknown key 'Textfile' in [Metrics]"));
}

static void test_structure_errors(void **state) {
        struct daxmf_config c, d;
        struct warnings w = {};

        daxmf_config_defaults(&c);
        d = c;
        assert_int_equal(parse_string(&c,
                "OnPoison=log\n"                /* 1: outside a section */
                "[Nope]\n"                      /* 2: unknown section */
                "OnPoison=log\n"                /* 3: skipped silently */
                "[Policy\n"                     /* 4: malformed header */
                "[Policy]\n"
                "OnPoisson=log\n"               /* 6: unknown key */
                "just words\n"                  /* 7: no '=' */
                "[Policy] trailing\n", &w), 6);
        assert_memory_equal(&c, &d, sizeof(c));
        assert_non_null(strstr(w.text[0], ":1: 'OnPoison' outside any section"));
        assert_non_null(strstr(w.text[1], ":2: unknown section [Nope]"));
        assert_non_null(strstr(w.text[2], ":4: malformed section header"));
        assert_non_null(strstr(w.text[3], ":6: unknown key 'OnPoisson' in [Policy]"));
        assert_non_null(strstr(w.text[4], ":7: expected KEY=VALUE"));
        assert_non_null(strstr(w.text[5], ":8: malformed section header"));
}

static void test_timespans(void **state) {
        uint64_t v = 7;

        assert_int_equal(parse_timespan_usec("5", &v), 0);
        assert_int_equal(v, 5000000);
        assert_int_equal(parse_timespan_usec("250us", &v), 0);
        assert_int_equal(v, 250);
        assert_int_equal(parse_timespan_usec("3sec", &v), 0);
        assert_int_equal(v, 3000000);
        assert_int_equal(parse_timespan_usec("1h", &v), 0);
        assert_int_equal(v, 3600000000ULL);
        v = 7;
        assert_int_equal(parse_timespan_usec("", &v), -EINVAL);
        assert_int_equal(parse_timespan_usec("s", &v), -EINVAL);
        assert_int_equal(parse_timespan_usec("5 s", &v), -EINVAL);
        assert_int_equal(parse_timespan_usec("5days", &v), -EINVAL);
        assert_int_equal(parse_timespan_usec("-5s", &v), -EINVAL);
        assert_int_equal(parse_timespan_usec("99999999999999999999h", &v), -ERANGE);
        assert_int_equal(parse_timespan_usec("18446744073709551615h", &v), -ERANGE);
        assert_int_equal(v, 7);
}

static void write_file(const char *path, const char *text) {
        FILE *f = fopen(path, "w");

        assert_non_null(f);
        fputs(text, f);
        fclose(f);
}

static void test_dropins_override_in_order(void **state) {
        char dir[] = "/tmp/daxmf-conf-XXXXXX", main_path[128], dropins[128], p[192];
        struct daxmf_config c;
        struct warnings w = {};

        assert_non_null(mkdtemp(dir));
        snprintf(main_path, sizeof(main_path), "%s/daxmfd.conf", dir);
        snprintf(dropins, sizeof(dropins), "%s/daxmfd.conf.d", dir);
        assert_int_equal(mkdir(dropins, 0755), 0);

        write_file(main_path, "[Engine]\nBatchPages=100\nMaxInFlight=2\n");
        snprintf(p, sizeof(p), "%s/20-late.conf", dropins);
        write_file(p, "[Engine]\nBatchPages=300\n");
        snprintf(p, sizeof(p), "%s/10-early.conf", dropins);
        write_file(p, "[Engine]\nBatchPages=200\nMaxInFlight=3\n[Policy]\nOnRemoval=bogus\n");
        snprintf(p, sizeof(p), "%s/30-ignored.txt", dropins);
        write_file(p, "[Engine]\nBatchPages=999\n");

        assert_int_equal(daxmf_config_load(&c, main_path, dropins, collect, &w), 1);
        assert_int_equal(c.batch_pages, 300);
        assert_int_equal(c.max_in_flight, 3);
        assert_int_equal(c.on_removal, DAXMF_ACTION_FAIL);
        assert_non_null(strstr(w.text[0], "10-early.conf:5: bad value 'bogus' for OnRemoval="));

        /* Nothing there: defaults, no warning. */
        w.n = 0;
        assert_int_equal(daxmf_config_load(&c, "/nonexistent/daxmfd.conf", "/nonexistent/d", collect, &w), 0);
        assert_int_equal(c.batch_pages, 512);

        unlink(p);
        snprintf(p, sizeof(p), "%s/20-late.conf", dropins);
        unlink(p);
        snprintf(p, sizeof(p), "%s/10-early.conf", dropins);
        unlink(p);
        rmdir(dropins);
        unlink(main_path);
        rmdir(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_good_file),
                cmocka_unit_test(test_journal_queue),
                cmocka_unit_test(test_bad_values_keep_defaults),
                cmocka_unit_test(test_metrics_textfile),
                cmocka_unit_test(test_structure_errors),
                cmocka_unit_test(test_timespans),
                cmocka_unit_test(test_dropins_override_in_order),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
