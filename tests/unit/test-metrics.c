/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "macro.h"
#include "metrics.h"

static const struct metrics_gauges quiet = {
        .degraded = "",
        .module_connected = true,
        .removal_handler = true,
        .pages_pending = 7,
        .pages_in_flight = 3,
        .disks_watched = 2,
        .bad_ranges = 5,
        .memory_failure_source = "tracefs",
        .start_realtime_usec = UINT64_C(1700000000123456),
};

/* The exposition text; the caller frees it. */
static char *format(const struct metrics_counters *c, const struct metrics_gauges *g) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        assert_int_equal(metrics_format(f, c, g), 0);
        fclose(f);
        assert_int_equal(strlen(text), size);
        return text;
}

/* The value of the sample line "series value" (series with its labels), or -1 when there is none. */
static double sample(const char *text, const char *series) {
        size_t n = strlen(series);

        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, series, n) == 0 && l[n] == ' ')
                        return strtod(l + n + 1, NULL);
        return -1;
}

static bool has_line(const char *text, const char *line) {
        size_t n = strlen(line);

        for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
                if (strncmp(l, line, n) == 0 && (l[n] == '\n' || l[n] == '\0'))
                        return true;
        return false;
}

static const struct {
        const char *name, *type;
} families[] = {
        { "daxmf_events_total", "counter" },
        { "daxmf_pages_total", "counter" },
        { "daxmf_pages_failed_total", "counter" },
        { "daxmf_files_affected_total", "counter" },
        { "daxmf_processes_affected_total", "counter" },
        { "daxmf_records_lost_total", "counter" },
        { "daxmf_degraded", "gauge" },
        { "daxmf_degraded_info", "gauge" },
        { "daxmf_journal_unavailable", "gauge" },
        { "daxmf_journal_queued_records", "gauge" },
        { "daxmf_module_connected", "gauge" },
        { "daxmf_removal_handler", "gauge" },
        { "daxmf_memory_failure_source", "gauge" },
        { "daxmf_pages_pending", "gauge" },
        { "daxmf_pages_in_flight", "gauge" },
        { "daxmf_disks_watched", "gauge" },
        { "daxmf_bad_ranges", "gauge" },
        { "daxmf_last_event_timestamp_seconds", "gauge" },
        { "daxmf_start_time_seconds", "gauge" },
};

/*
 * The format's rules a lax parser lets through: every family once, HELP
 * then TYPE before its samples, a family's samples together, every sample
 * of a declared family, no timestamps (node_exporter refuses them in
 * textfiles), a newline at the end.
 */
static void check_structure(const char *text) {
        _cleanup_free_ char *copy = strdup(text);
        char current[128] = "", *save = NULL;
        unsigned seen[ELEMENTSOF(families)] = {};

        assert_true(text[0] && text[strlen(text) - 1] == '\n');
        for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
                char name[128], type[16];

                if (sscanf(l, "# HELP %127s", name) == 1) {
                        size_t i;

                        for (i = 0; i < ELEMENTSOF(families) && strcmp(families[i].name, name) != 0; i++)
                                ;
                        assert_true(i < ELEMENTSOF(families));
                        assert_int_equal(seen[i]++, 0);
                        assert_true(strlen(l) > strlen("# HELP ") + strlen(name) + 1);   /* some help */
                        snprintf(current, sizeof(current), "%s", name);
                } else if (sscanf(l, "# TYPE %127s %15s", name, type) == 2) {
                        assert_string_equal(name, current);
                        for (size_t i = 0; i < ELEMENTSOF(families); i++)
                                if (strcmp(families[i].name, name) == 0)
                                        assert_string_equal(type, families[i].type);
                } else {
                        size_t n = strcspn(l, "{ ");
                        const char *value;

                        assert_true(l[0] != '#');
                        assert_int_equal(n, strlen(current));
                        assert_memory_equal(l, current, n);
                        /* One space, one number, nothing after: no timestamp. */
                        value = strrchr(l, ' ');
                        assert_non_null(value);
                        assert_true(value[1] >= '0' && value[1] <= '9');
                        assert_null(strchr(value + 1, ' '));
                        if (l[n] == '{')
                                assert_true(value[-1] == '}');
                }
        }
        for (size_t i = 0; i < ELEMENTSOF(families); i++)
                assert_int_equal(seen[i], 1);
}

static void test_fresh(void **state) {
        _cleanup_free_ char *text = NULL;
        const struct metrics_counters *c;

        metrics_reset();
        c = metrics_counters();
        text = format(c, &quiet);
        check_structure(text);

        /* Every kind and result is there at 0 from the start: the first event is an increase. */
        assert_true(sample(text, "daxmf_events_total{event=\"poison\",result=\"complete\"}") == 0);
        assert_true(sample(text, "daxmf_events_total{event=\"removal\",result=\"stopped\"}") == 0);
        assert_true(sample(text, "daxmf_events_total{event=\"manual\",result=\"logged\"}") == 0);
        /* The kernel's memory failures with the kernel's results, not daxmfd's. */
        assert_true(sample(text, "daxmf_events_total{event=\"memory-failure\",result=\"recovered\"}") == 0);
        assert_true(sample(text, "daxmf_events_total{event=\"memory-failure\",result=\"delayed\"}") == 0);
        assert_true(sample(text, "daxmf_events_total{event=\"memory-failure\",result=\"complete\"}") == -1);
        assert_int_equal(c->n_events, 3 * 5 + 4);
        assert_true(sample(text, "daxmf_pages_total") == 0);
        assert_true(sample(text, "daxmf_records_lost_total{kind=\"files\"}") == 0);
        assert_true(sample(text, "daxmf_records_lost_total{kind=\"processes\"}") == 0);
        assert_true(sample(text, "daxmf_records_lost_total{kind=\"journal\"}") == 0);
        assert_true(sample(text, "daxmf_records_lost_total{kind=\"memory-failure\"}") == 0);
        assert_true(has_line(text, "daxmf_last_event_timestamp_seconds 0.000000"));

        /* The gauges as given. */
        assert_true(has_line(text, "daxmf_degraded 0"));
        assert_true(has_line(text, "# TYPE daxmf_degraded_info gauge"));
        assert_null(strstr(text, "daxmf_degraded_info{"));
        assert_true(has_line(text, "daxmf_module_connected 1"));
        assert_true(has_line(text, "daxmf_journal_unavailable 0"));
        assert_true(has_line(text, "daxmf_journal_queued_records 0"));
        assert_true(has_line(text, "daxmf_removal_handler 1"));
        /* One source is 1, every other one is there at 0. */
        assert_true(has_line(text, "daxmf_memory_failure_source{source=\"tracefs\"} 1"));
        assert_true(has_line(text, "daxmf_memory_failure_source{source=\"module\"} 0"));
        assert_true(has_line(text, "daxmf_memory_failure_source{source=\"none\"} 0"));
        assert_true(has_line(text, "daxmf_pages_pending 7"));
        assert_true(has_line(text, "daxmf_pages_in_flight 3"));
        assert_true(has_line(text, "daxmf_disks_watched 2"));
        assert_true(has_line(text, "daxmf_bad_ranges 5"));
        assert_true(has_line(text, "daxmf_start_time_seconds 1700000000.123456"));
}

static void test_counting(void **state) {
        _cleanup_free_ char *text = NULL;
        struct timespec before, after;
        double t;

        metrics_reset();
        clock_gettime(CLOCK_REALTIME, &before);
        metrics_count_event("poison", "complete", 2, 0);
        metrics_count_event("poison", "complete", 16, 0);
        metrics_count_event("poison", "partial", 8, 3);
        metrics_count_event("removal", "logged", 262144, 0);
        metrics_count_event("removal", "shrugged", 1, 1);      /* a result not known yet: its own series */
        metrics_count_event("memory-failure", "recovered", 3, 0);
        clock_gettime(CLOCK_REALTIME, &after);
        metrics_count_files(1);
        metrics_count_files(1);
        metrics_count_files(98);
        metrics_count_files(40);
        metrics_count_lost(METRICS_LOST_FILES, 40);
        metrics_count_processes(100);
        metrics_count_processes(5);
        metrics_count_lost(METRICS_LOST_PROCESSES, 5);
        metrics_count_lost(METRICS_LOST_JOURNAL, 1);
        metrics_count_lost(METRICS_LOST_JOURNAL, 1);
        metrics_count_lost(METRICS_LOST_MEMORY_FAILURE, 12);
        metrics_count_lost(_METRICS_LOST_MAX, 9);                /* not a kind: nothing */

        text = format(metrics_counters(), &quiet);
        check_structure(text);
        assert_true(sample(text, "daxmf_events_total{event=\"poison\",result=\"complete\"}") == 2);
        assert_true(sample(text, "daxmf_events_total{event=\"poison\",result=\"partial\"}") == 1);
        assert_true(sample(text, "daxmf_events_total{event=\"poison\",result=\"failed\"}") == 0);
        assert_true(sample(text, "daxmf_events_total{event=\"removal\",result=\"logged\"}") == 1);
        assert_true(sample(text, "daxmf_events_total{event=\"removal\",result=\"shrugged\"}") == 1);
        assert_true(sample(text, "daxmf_events_total{event=\"memory-failure\",result=\"recovered\"}") == 1);
        assert_true(has_line(text, "daxmf_pages_total 262174"));
        assert_true(has_line(text, "daxmf_pages_failed_total 4"));
        assert_true(has_line(text, "daxmf_files_affected_total 140"));
        assert_true(has_line(text, "daxmf_processes_affected_total 105"));
        assert_true(has_line(text, "daxmf_records_lost_total{kind=\"files\"} 40"));
        assert_true(has_line(text, "daxmf_records_lost_total{kind=\"processes\"} 5"));
        assert_true(has_line(text, "daxmf_records_lost_total{kind=\"journal\"} 2"));
        assert_true(has_line(text, "daxmf_records_lost_total{kind=\"memory-failure\"} 12"));
        t = sample(text, "daxmf_last_event_timestamp_seconds");
        assert_true(t >= (double) before.tv_sec && t <= (double) after.tv_sec + 1);

        /* And from zero again. */
        metrics_reset();
        assert_int_equal(metrics_counters()->pages, 0);
        assert_int_equal(metrics_counters()->events[0].n, 0);
}

static unsigned changes;

static void count_change(void *userdata) {
        assert_ptr_equal(userdata, &changes);
        changes++;
}

static void test_change_callback(void **state) {
        metrics_reset();
        changes = 0;
        metrics_on_change(count_change, &changes);
        metrics_count_event("poison", "complete", 1, 0);
        metrics_count_files(1);
        metrics_count_processes(1);
        metrics_count_lost(METRICS_LOST_JOURNAL, 1);
        assert_int_equal(changes, 4);
        metrics_on_change(NULL, NULL);
        metrics_count_files(1);
        assert_int_equal(changes, 4);
}

static void test_label_escaping(void **state) {
        _cleanup_free_ char *text = NULL;
        struct metrics_gauges g = quiet;

        metrics_reset();
        g.degraded = "module \"daxmf\" gone\nC:\\path";
        text = format(metrics_counters(), &g);
        check_structure(text);
        assert_true(has_line(text, "daxmf_degraded 1"));
        /* backslash -> \\, double quote -> \", line feed -> \n; one line. */
        assert_true(has_line(text, "daxmf_degraded_info{reason=\"module \\\"daxmf\\\" gone\\nC:\\\\path\"} 1"));

        /* Label values of events are escaped the same way. */
        free(text);
        metrics_count_event("poi\"son", "a\\b\nc", 1, 0);
        text = format(metrics_counters(), &g);
        check_structure(text);
        assert_true(has_line(text, "daxmf_events_total{event=\"poi\\\"son\",result=\"a\\\\b\\nc\"} 1"));
}

static void test_series_limit(void **state) {
        char result[16];

        metrics_reset();
        for (unsigned i = 0; i < 2 * METRICS_EVENT_SERIES_MAX; i++) {
                snprintf(result, sizeof(result), "r%u", i);
                metrics_count_event("poison", result, 1, 0);
        }
        /* Too long for a series' name: counted in the pages, not as a series. */
        metrics_count_event("poison", "a-result-longer-than-sixteen", 1, 0);
        assert_int_equal(metrics_counters()->n_events, METRICS_EVENT_SERIES_MAX);
        assert_int_equal(metrics_counters()->pages, 2 * METRICS_EVENT_SERIES_MAX + 1);
}

/* Names in dir, sorted, space-separated. */
static void list_dir(const char *dir, char *buf, size_t size) {
        struct dirent **names = NULL;
        int n = scandir(dir, &names, NULL, alphasort);

        assert_true(n >= 0);
        buf[0] = '\0';
        for (int i = 0; i < n; i++) {
                if (strcmp(names[i]->d_name, ".") != 0 && strcmp(names[i]->d_name, "..") != 0)
                        snprintf(buf + strlen(buf), size - strlen(buf), "%s ", names[i]->d_name);
                free(names[i]);
        }
        free(names);
}

static void read_file(const char *path, char *buf, size_t size) {
        FILE *f = fopen(path, "re");
        size_t n;

        assert_non_null(f);
        n = fread(buf, 1, size - 1, f);
        buf[n] = '\0';
        fclose(f);
}

static void test_write_file(void **state) {
        char dir[] = "/tmp/daxmf-metrics-XXXXXX", path[128], missing[160], buf[256], names[256];
        struct stat st1, st2;
        mode_t old_umask;

        assert_non_null(mkdtemp(dir));
        snprintf(path, sizeof(path), "%s/daxmf.prom", dir);

        /* Readable by node_exporter's user whatever the umask. */
        old_umask = umask(077);
        assert_int_equal(metrics_write_file(path, "a 1\n", 4), 0);
        umask(old_umask);
        read_file(path, buf, sizeof(buf));
        assert_string_equal(buf, "a 1\n");
        assert_int_equal(stat(path, &st1), 0);
        assert_int_equal(st1.st_mode & 07777, 0644);
        assert_true(S_ISREG(st1.st_mode));

        /* Replaced, not rewritten in place: a reader holding the old file sees it whole. */
        assert_int_equal(metrics_write_file(path, "b 2\nc 3\n", 8), 0);
        read_file(path, buf, sizeof(buf));
        assert_string_equal(buf, "b 2\nc 3\n");
        assert_int_equal(stat(path, &st2), 0);
        assert_true(st1.st_ino != st2.st_ino);
        assert_int_equal(st2.st_mode & 07777, 0644);

        /* Nothing but the file: no temporary left behind. */
        list_dir(dir, names, sizeof(names));
        assert_string_equal(names, "daxmf.prom ");

        /* A missing directory is not created. */
        snprintf(missing, sizeof(missing), "%s/node-exporter/daxmf.prom", dir);
        assert_int_equal(metrics_write_file(missing, "a 1\n", 4), -ENOENT);
        list_dir(dir, names, sizeof(names));
        assert_string_equal(names, "daxmf.prom ");

        /* The target a directory: refused, and the temporary removed. */
        assert_int_equal(unlink(path), 0);
        assert_int_equal(mkdir(path, 0755), 0);
        assert_int_equal(metrics_write_file(path, "a 1\n", 4), -EISDIR);
        list_dir(dir, names, sizeof(names));
        assert_string_equal(names, "daxmf.prom ");
        assert_int_equal(rmdir(path), 0);
        assert_int_equal(metrics_write_file("/tmp/", "a 1\n", 4), -EISDIR);

        assert_int_equal(rmdir(dir), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_fresh),
                cmocka_unit_test(test_counting),
                cmocka_unit_test(test_change_callback),
                cmocka_unit_test(test_label_escaping),
                cmocka_unit_test(test_series_limit),
                cmocka_unit_test(test_write_file),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
