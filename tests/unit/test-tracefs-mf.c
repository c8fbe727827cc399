/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <linux/daxmf.h>

#include "macro.h"
#include "tracefs-mf.h"

#define GOOD_LINE \
        "          <idle>-0       [001] d.h1.   123.456789: memory_failure_event: pfn 0x40018: " \
        "recovery action for dax page: Recovered"

/* Parse s (without its terminator: the parser is given a length, nothing more). */
static int parse(const char *s, struct tracefs_mf_line *ret) {
        size_t len = strlen(s);
        char *copy = malloc(len ? len : 1);
        int r;

        assert_non_null(copy);
        memcpy(copy, s, len);
        r = tracefs_mf_parse_line(copy, len, ret);
        free(copy);
        return r;
}

static void check_line(const char *s, uint64_t pfn, uint64_t timestamp_ns, const char *type, const char *result) {
        struct tracefs_mf_line l;

        memset(&l, 0xa5, sizeof(l));
        if (parse(s, &l) != 0)
                fail_msg("does not parse: \"%s\"", s);
        assert_int_equal(l.pfn, pfn);
        assert_int_equal(l.timestamp_ns, timestamp_ns);
        assert_string_equal(l.page_type, type);
        assert_string_equal(l.result, result);
}

/* Refused with error, *ret untouched. */
static void check_refused(const char *s, int error) {
        struct tracefs_mf_line l, before;
        int r;

        memset(&l, 0xa5, sizeof(l));
        memset(&before, 0xa5, sizeof(before));
        r = parse(s, &l);
        if (r != error)
                fail_msg("\"%s\": %d, expected %d", s, r, error);
        assert_memory_equal(&l, &before, sizeof(l));
}

static void test_parse_good(void **state) {
        check_line(GOOD_LINE, 0x40018, UINT64_C(123456789000), "dax page", "Recovered");
        check_line("            bash-242     [000] .....    57.123456: memory_failure_event: pfn 0x40018: "
                   "recovery action for dax page: Recovered",
                   0x40018, UINT64_C(57123456000), "dax page", "Recovered");
        /* With its newline, as read. */
        check_line(GOOD_LINE "\n", 0x40018, UINT64_C(123456789000), "dax page", "Recovered");
        /* Older kernels' four flags, and none at all (irq-info off). */
        check_line("    kworker/3:1-88      [003] ....  4711.000001: memory_failure_event: pfn 0x1: "
                   "recovery action for free buddy page: Ignored",
                   1, UINT64_C(4711000001000), "free buddy page", "Ignored");
        check_line("    kworker/3:1-88      [003]  0.000000: memory_failure_event: pfn 0x7fffffffff: "
                   "recovery action for huge page: Delayed",
                   UINT64_C(0x7fffffffff), 0, "huge page", "Delayed");
        /* No context at all. */
        check_line("1.000000: memory_failure_event: pfn 0xabcdef: recovery action for unsplit thp: Failed",
                   0xabcdef, UINT64_C(1000000000), "unsplit thp", "Failed");
        /* %#lx prints 0 without its 0x. */
        check_line("   madvise-1 [000] ..... 5.000000: memory_failure_event: pfn 0: recovery action for "
                   "reserved kernel page: Ignored",
                   0, UINT64_C(5000000000), "reserved kernel page", "Ignored");
        check_line("   madvise-1 [000] ..... 5.000000: memory_failure_event: pfn 0x0: recovery action for "
                   "reserved kernel page: Ignored",
                   0, UINT64_C(5000000000), "reserved kernel page", "Ignored");
        /* The longest name 6.1 has. */
        check_line("   a-1 [000] ..... 5.000000: memory_failure_event: pfn 0x10: recovery action for "
                   "different compound page after locking: Failed",
                   0x10, UINT64_C(5000000000), "different compound page after locking", "Failed");
        /* A value the kernel has no name for (__print_symbolic), a newer kernel's names. */
        check_line("   a-1 [000] ..... 5.000000: memory_failure_event: pfn 0x10: recovery action for 0x14: 0x4",
                   0x10, UINT64_C(5000000000), "0x14", "0x4");
        check_line("   a-1 [000] ..... 5.000000: memory_failure_event: pfn 0x10: recovery action for "
                   "odd: page: Recovered",
                   0x10, UINT64_C(5000000000), "odd: page", "Recovered");
}

static void test_parse_task_names(void **state) {
        /* A task's name is anybody's, and may look like anything but the marker (too long for it). */
        check_line("     my prog x-1234    [002] .....    57.000001: memory_failure_event: pfn 0x1: "
                   "recovery action for dax page: Recovered",
                   1, UINT64_C(57000001000), "dax page", "Recovered");
        check_line("1.000000: foo: -77     [000] .....     5.000000: memory_failure_event: pfn 0x2: "
                   "recovery action for dax page: Failed",
                   2, UINT64_C(5000000000), "dax page", "Failed");
        check_line("[9] 3.000000 x-7 [000] ..... 6.000000: memory_failure_event: pfn 0x3: "
                   "recovery action for dax page: Failed",
                   3, UINT64_C(6000000000), "dax page", "Failed");
        check_line(" memory_failure_-5     [000] .....     7.000000: memory_failure_event: pfn 0x4: "
                   "recovery action for dax page: Failed",
                   4, UINT64_C(7000000000), "dax page", "Failed");
        check_line("            \x1b[2J-5     [000] .....     7.000000: memory_failure_event: pfn 0x4: "
                   "recovery action for dax page: Failed",
                   4, UINT64_C(7000000000), "dax page", "Failed");
}

static void test_parse_huge_numbers(void **state) {
        /* The largest pfn and timestamp there are. */
        check_line("   a-1 [000] ..... 18446744073.709551: memory_failure_event: pfn 0xffffffffffffffff: "
                   "recovery action for dax page: Recovered",
                   UINT64_MAX, UINT64_C(18446744073709551000), "dax page", "Recovered");
        check_line("   a-1 [000] ..... 0.000000: memory_failure_event: pfn 0x0000000000000001: "
                   "recovery action for dax page: Recovered",
                   1, 0, "dax page", "Recovered");

        check_refused("   a-1 [000] ..... 18446744073.709552: memory_failure_event: pfn 0x1: "
                      "recovery action for dax page: Recovered", -EBADMSG);
        check_refused("   a-1 [000] ..... 18446744074.000000: memory_failure_event: pfn 0x1: "
                      "recovery action for dax page: Recovered", -EBADMSG);
        check_refused("   a-1 [000] ..... 99999999999999999999999.000000: memory_failure_event: pfn 0x1: "
                      "recovery action for dax page: Recovered", -EBADMSG);
        check_refused("   a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x10000000000000000: "
                      "recovery action for dax page: Recovered", -EBADMSG);
        check_refused("   a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x00000000000000001: "
                      "recovery action for dax page: Recovered", -EBADMSG);
        check_refused("   a-1 [000] ..... 1.000000: memory_failure_event: pfn 0xffffffffffffffffffffffffffff: "
                      "recovery action for dax page: Recovered", -EBADMSG);
}

static void test_parse_other_events(void **state) {
        check_refused("            bash-242     [000] .....    57.123456: mm_page_alloc: page=0xffffea0004 pfn=0x1 "
                      "order=0 migratetype=0 gfp_flags=GFP_KERNEL", -ENOENT);
        check_refused("          <idle>-0       [001] d.h1.   123.456789: sched_switch: prev_comm=swapper/1 prev_pid=0",
                      -ENOENT);
        check_refused("            bash-1       [000] .....     2.000000: tracing_mark_write: memory_failure_event",
                      -ENOENT);
        check_refused("            bash-1       [000] .....     2.000000: mc_event: 1 Uncorrected error", -ENOENT);
        check_refused("            bash-1       [000] .....     2.000000: memory_failure_event_v2: pfn 0x1", -ENOENT);
}

static void test_parse_malformed(void **state) {
        static const char *const lines[] = {
                "",
                "\n",
                "garbage",
                "CPU:1 [LOST 3 EVENTS]",
                "no timestamp: here: nothing",
                /* pfn */
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 40018: recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x: recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0xg: recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0X1: recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0xABC: recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn -0x1: recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 00: recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn  0x1: recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1 : recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action dax page: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn=0x1: recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: 0x1: recovery action for dax page: Recovered",
                /* timestamp */
                "  a-1 [000] ..... 1.00000: memory_failure_event: pfn 0x1: recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1.0000000: memory_failure_event: pfn 0x1: recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1: memory_failure_event: pfn 0x1: recovery action for dax page: Recovered",
                "  a-1 [000] ..... .000001: memory_failure_event: pfn 0x1: recovery action for dax page: Recovered",
                "  a-1 [000] ..... 1.000001.1: memory_failure_event: pfn 0x1: recovery action for dax page: Recovered",
                "  a-1 [000] .....1.000001: memory_failure_event: pfn 0x1: recovery action for dax page: Recovered",
                "  a-1 [000] ..... x1.000001: memory_failure_event: pfn 0x1: recovery action for dax page: Recovered",
                "  a-1 [000] ..... : memory_failure_event: pfn 0x1: recovery action for dax page: Recovered",
                "memory_failure_event: pfn 0x1: recovery action for dax page: Recovered",
                /* names */
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for : Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax page: ",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax page:",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax page",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax page:Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax page: Recovered ",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for  dax page: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax page : Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax\tpage: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax page: Recov\x1b[2J",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for caf\xc3\xa9: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax\x7fpage: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax page: Recovered\r",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax page: Recovered\n\n",
                /* 64 and 32 characters: one more than the buffers hold */
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for "
                "tttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt: Recovered",
                "  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax page: "
                "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr",
        };

        for (size_t i = 0; i < ELEMENTSOF(lines); i++)
                check_refused(lines[i], -EBADMSG);

        /* 63 and 31 fit. */
        check_line("  a-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for "
                   "ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt: "
                   "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr",
                   1, UINT64_C(1000000000), "ttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttttt",
                   "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr");

        /* NULL, and a NUL inside. */
        {
                struct tracefs_mf_line l;
                char buf[] = GOOD_LINE;

                assert_int_equal(tracefs_mf_parse_line(NULL, 0, &l), -EBADMSG);
                buf[5] = '\0';
                assert_int_equal(tracefs_mf_parse_line(buf, sizeof(buf) - 1, &l), -EBADMSG);
                buf[5] = ' ';
                assert_int_equal(tracefs_mf_parse_line(buf, sizeof(buf) - 1, &l), 0);
                /* Only len bytes count: a NUL right after is no part of it. */
                assert_int_equal(tracefs_mf_parse_line(buf, sizeof(buf), &l), -EBADMSG);
        }
}

static void test_parse_truncated(void **state) {
        static const char line[] = GOOD_LINE;
        const char *result = strstr(line, ": Recovered") + 2;

        /* Every cut before the result is refused, and read within its bytes (ASan sees the rest). */
        for (size_t len = 0; len < (size_t) (result - line); len++) {
                struct tracefs_mf_line l;
                char *copy = malloc(len ? len : 1);
                int r;

                assert_non_null(copy);
                memcpy(copy, line, len);
                r = tracefs_mf_parse_line(copy, len, &l);
                free(copy);
                if (r != -EBADMSG)
                        fail_msg("cut at %zu: %d", len, r);
        }
        /* Cut inside the result it is a shorter name: a line is only ever handled whole. */
        check_line("          <idle>-0       [001] d.h1.   123.456789: memory_failure_event: pfn 0x40018: "
                   "recovery action for dax page: Recov", 0x40018, UINT64_C(123456789000), "dax page", "Recov");
}

static void test_parse_length(void **state) {
        char line[TRACEFS_MF_LINE_MAX + 2];
        const char *tail = "x-1 [000] ..... 1.000000: memory_failure_event: pfn 0x1: recovery action for dax page: Failed";
        size_t n = TRACEFS_MF_LINE_MAX - strlen(tail);
        struct tracefs_mf_line l;

        /* As long as a line may be, with and without its newline; one more is refused. */
        memset(line, ' ', n);
        memcpy(line + n, tail, strlen(tail));
        assert_int_equal(tracefs_mf_parse_line(line, TRACEFS_MF_LINE_MAX, &l), 0);
        assert_int_equal(l.pfn, 1);
        line[TRACEFS_MF_LINE_MAX] = '\n';
        assert_int_equal(tracefs_mf_parse_line(line, TRACEFS_MF_LINE_MAX + 1, &l), 0);

        memset(line, ' ', n + 1);
        memcpy(line + n + 1, tail, strlen(tail));
        assert_int_equal(tracefs_mf_parse_line(line, TRACEFS_MF_LINE_MAX + 1, &l), -EBADMSG);
}

static void test_parse_lost_line(void **state) {
        static const struct {
                const char *line;
                uint64_t lost;
        } good[] = {
                { "CPU:2 [LOST 17 EVENTS]", 17 },
                { "CPU:0 [LOST 1 EVENTS]\n", 1 },
                { "CPU:255 [LOST 18446744073709551615 EVENTS]", UINT64_MAX },
                /* The number unknown: one at least. */
                { "CPU:3 [LOST EVENTS]", 1 },
        };
        static const char *const other[] = {
                "",
                "CPU:2 [LOST 0 EVENTS]",
                "CPU:2 [LOST 18446744073709551616 EVENTS]",
                "CPU:2 [LOST 17 EVENTS] ",
                "CPU:2 [LOST 17 EVENTS]x",
                "CPU:2 [LOST -1 EVENTS]",
                "CPU:2 [LOST 17EVENTS]",
                "CPU: [LOST 17 EVENTS]",
                "CPU:x [LOST 17 EVENTS]",
                " CPU:2 [LOST 17 EVENTS]",
                "CPU:2 [LOST 17 EVENTS",
                "CPU:2 [LOST ",
                "CPU:2",
                GOOD_LINE,
        };
        uint64_t lost;

        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                lost = 0;
                assert_int_equal(tracefs_mf_parse_lost_line(good[i].line, strlen(good[i].line), &lost), 0);
                assert_int_equal(lost, good[i].lost);
        }
        for (size_t i = 0; i < ELEMENTSOF(other); i++) {
                lost = 12345;
                if (tracefs_mf_parse_lost_line(other[i], strlen(other[i]), &lost) != -ENOENT)
                        fail_msg("taken as a loss: \"%s\"", other[i]);
                assert_int_equal(lost, 12345);
        }
        assert_int_equal(tracefs_mf_parse_lost_line(NULL, 0, &lost), -ENOENT);
}

/* ---- names ---- */

static const char *const page_types[] = {
        "reserved kernel page", "high-order kernel page", "kernel slab page",
        "different compound page after locking", "huge page", "free huge page", "unmapping failed page",
        "dirty swapcache page", "clean swapcache page", "dirty mlocked LRU page", "clean mlocked LRU page",
        "dirty unevictable LRU page", "clean unevictable LRU page", "dirty LRU page", "clean LRU page",
        "already truncated LRU page", "free buddy page", "dax page", "unsplit thp", "unknown page",
};

static const char *const results[] = { "Ignored", "Failed", "Delayed", "Recovered" };

static void test_names_6_1(void **state) {
        uint32_t v;

        assert_int_equal(ELEMENTSOF(page_types), 20);
        for (uint32_t i = 0; i < ELEMENTSOF(page_types); i++) {
                v = 12345;
                assert_int_equal(tracefs_mf_page_type_from_name(page_types[i], &v), 0);
                assert_int_equal(v, i);
                assert_int_equal(tracefs_mf_page_type_id(page_types[i], &v), 0);
                assert_int_equal(v, i);
                assert_string_equal(tracefs_mf_page_type_name(i), page_types[i]);
        }
        assert_int_equal(tracefs_mf_page_type_from_name("dax page", &v), 0);
        assert_int_equal(v, 17);
        for (uint32_t i = 0; i < ELEMENTSOF(results); i++) {
                v = 12345;
                assert_int_equal(tracefs_mf_result_from_name(results[i], &v), 0);
                assert_int_equal(v, i);
                assert_int_equal(tracefs_mf_result_id(results[i], &v), 0);
                assert_int_equal(v, i);
                assert_string_equal(tracefs_mf_result_name(i), results[i]);
        }
        assert_int_equal(tracefs_mf_result_from_name("Recovered", &v), 0);
        assert_int_equal(v, 3);

        /* Exact names only. */
        v = 12345;
        assert_int_equal(tracefs_mf_page_type_from_name("Dax page", &v), -ENOENT);
        assert_int_equal(tracefs_mf_page_type_from_name("dax page ", &v), -ENOENT);
        assert_int_equal(tracefs_mf_page_type_from_name("", &v), -ENOENT);
        assert_int_equal(tracefs_mf_page_type_from_name("Recovered", &v), -ENOENT);
        assert_int_equal(tracefs_mf_result_from_name("recovered", &v), -ENOENT);
        assert_int_equal(tracefs_mf_result_from_name("dax page", &v), -ENOENT);
        assert_int_equal(v, 12345);

        /* No name for an id never given out. */
        assert_null(tracefs_mf_page_type_name(20));
        assert_null(tracefs_mf_page_type_name(999));
        assert_null(tracefs_mf_page_type_name(UINT32_MAX));
        assert_null(tracefs_mf_result_name(4));
        assert_null(tracefs_mf_result_name(UINT32_MAX));
}

/* ---- reading trace_pipe: a directory laid out like tracefs, a FIFO for the pipe ---- */

#define WINDOW_NS UINT64_C(100000000)
#define MAX_DELAY_NS UINT64_C(1000000000)
#define SEC UINT64_C(1000000000)

struct fake {
        char root[64];
        char path[128];
        int writer;
        struct tracefs_mf *t;
};

static void write_file(const char *root, const char *path, const char *content) {
        char p[256];
        FILE *f;

        snprintf(p, sizeof(p), "%s/%s", root, path);
        f = fopen(p, "we");
        assert_non_null(f);
        assert_int_equal(fputs(content, f) >= 0, 1);
        assert_int_equal(fclose(f), 0);
}

static char *read_file(const char *root, const char *path, char *buf, size_t size) {
        char p[256];
        FILE *f;
        size_t n;

        snprintf(p, sizeof(p), "%s/%s", root, path);
        f = fopen(p, "re");
        assert_non_null(f);
        n = fread(buf, 1, size - 1, f);
        buf[n] = '\0';
        fclose(f);
        return buf;
}

static void make_dir(const char *root, const char *path) {
        char p[256];

        snprintf(p, sizeof(p), "%s/%s", root, path);
        assert_int_equal(mkdir(p, 0755), 0);
}

/* The tracefs root with the event, and an instance as a crashed run would have left it. */
static void fake_tracefs(struct fake *f, const char *clock) {
        char fifo[256];

        memset(f, 0, sizeof(*f));
        f->writer = -1;
        snprintf(f->root, sizeof(f->root), "/tmp/test-tracefs-mf.XXXXXX");
        assert_non_null(mkdtemp(f->root));
        make_dir(f->root, "events");
        make_dir(f->root, "events/ras");
        make_dir(f->root, "events/ras/memory_failure_event");
        make_dir(f->root, "instances");
        make_dir(f->root, "instances/daxmfd");
        make_dir(f->root, "instances/daxmfd/events");
        make_dir(f->root, "instances/daxmfd/events/ras");
        make_dir(f->root, "instances/daxmfd/events/ras/memory_failure_event");
        write_file(f->root, "instances/daxmfd/events/ras/memory_failure_event/enable", "0\n");
        if (clock)
                write_file(f->root, "instances/daxmfd/trace_clock", clock);
        else
                make_dir(f->root, "instances/daxmfd/trace_clock");      /* refuses every write */
        snprintf(fifo, sizeof(fifo), "%s/instances/daxmfd/trace_pipe", f->root);
        assert_int_equal(mkfifo(fifo, 0600), 0);
}

static void fake_open(struct fake *f, uint32_t records) {
        const char *why = "untouched";
        char fifo[256];

        assert_int_equal(tracefs_mf_open_at(f->root, &f->t, records, WINDOW_NS, MAX_DELAY_NS, &why), 0);
        assert_string_equal(why, "untouched");
        assert_true(tracefs_mf_fd(f->t) >= 0);
        snprintf(fifo, sizeof(fifo), "%s/instances/daxmfd/trace_pipe", f->root);
        f->writer = open(fifo, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
        assert_true(f->writer >= 0);
}

static void fake_write(struct fake *f, const char *s) {
        size_t len = strlen(s);

        assert_int_equal(write(f->writer, s, len), (ssize_t) len);
}

/* A memory_failure_event line at sec.usec for pfn. */
static void fake_event(struct fake *f, uint64_t sec, unsigned usec, uint64_t pfn, const char *type, const char *result) {
        char line[256];

        snprintf(line, sizeof(line),
                 "%16s-%-7d [%03d] d..1. %5" PRIu64 ".%06u: memory_failure_event: pfn %#" PRIx64
                 ": recovery action for %s: %s\n",
                 "hwpoison-inj", 1234, 1, sec, usec, pfn, type, result);
        fake_write(f, line);
}

static void fake_done(struct fake *f) {
        char p[256];

        if (f->writer >= 0)
                close(f->writer);
        f->t = tracefs_mf_close(f->t);
        snprintf(p, sizeof(p), "rm -rf '%s'", f->root);
        assert_int_equal(system(p), 0);
}

static void check_range(const struct daxmf_mf_range *r, uint64_t pfn, uint64_t pages, uint64_t events,
                        uint64_t first_ns, uint64_t last_ns, const char *type, const char *result) {
        assert_int_equal(r->pfn, pfn);
        assert_int_equal(r->pages, pages);
        assert_int_equal(r->events, events);
        assert_int_equal(r->first_ns, first_ns);
        assert_int_equal(r->last_ns, last_ns);
        assert_int_equal(r->key.origin, DAXMF_MF_ORIGIN_KERNEL);
        assert_int_equal(r->key.portid, 0);
        assert_int_equal(r->key.job_id, 0);
        assert_int_equal(r->key.cookie, 0);
        assert_string_equal(tracefs_mf_page_type_name(r->key.type), type);
        assert_string_equal(tracefs_mf_result_name(r->key.result), result);
}

static void test_read_mono(void **state) {
        struct daxmf_mf_range out[8];
        char buf[64];
        struct fake f;
        uint64_t t;

        fake_tracefs(&f, "[local] global counter uptime perf mono mono_raw boot\n");
        fake_open(&f, 16);
        assert_true(tracefs_mf_clock_mono(f.t));
        assert_string_equal(read_file(f.root, "instances/daxmfd/trace_clock", buf, sizeof(buf)), "mono");
        assert_string_equal(read_file(f.root, "instances/daxmfd/events/ras/memory_failure_event/enable", buf,
                                      sizeof(buf)), "1");

        /* Nothing there yet. */
        assert_int_equal(tracefs_mf_read(f.t, 0), 0);
        assert_false(tracefs_mf_next_close(f.t, &t));

        /* 300 pages in 30 ms, and other things in between. */
        for (uint64_t i = 0; i < 300; i++) {
                fake_event(&f, 100, (unsigned) (i * 100), 0x40018 + i, "dax page", "Recovered");
                if (i == 150)
                        fake_write(&f, "            bash-1       [000] .....   100.015000: tracing_mark_write: hi\n"
                                       "garbage\n\n");
        }
        fake_event(&f, 100, 50000, 0x9000, "free buddy page", "Ignored");
        /* Timed by the trace: now_ns says nothing. */
        assert_int_equal(tracefs_mf_read(f.t, 5), 0);

        assert_true(tracefs_mf_next_close(f.t, &t));
        assert_int_equal(t, 100 * SEC + 29900000 + WINDOW_NS);
        assert_int_equal(tracefs_mf_take(f.t, 100 * SEC + 29900000 + WINDOW_NS - 1, false, out, 8), 0);
        assert_int_equal(tracefs_mf_take(f.t, 100 * SEC + 29900000 + WINDOW_NS, false, out, 8), 1);
        check_range(&out[0], 0x40018, 300, 300, 100 * SEC, 100 * SEC + 29900000, "dax page", "Recovered");
        assert_int_equal(out[0].key.type, 17);
        assert_int_equal(out[0].key.result, 3);
        assert_true(tracefs_mf_next_close(f.t, &t));
        assert_int_equal(t, 100 * SEC + 50000000 + WINDOW_NS);
        assert_int_equal(tracefs_mf_take(f.t, 0, true, out, 8), 1);
        check_range(&out[0], 0x9000, 1, 1, 100 * SEC + 50000000, 100 * SEC + 50000000, "free buddy page", "Ignored");
        assert_int_equal(out[0].key.type, 16);
        assert_int_equal(out[0].key.result, 0);

        /* Nothing lost. */
        {
                uint64_t first = 1, last = 1;

                assert_int_equal(tracefs_mf_take_lost(f.t, &first, &last), 0);
                assert_int_equal(first, 0);
                assert_int_equal(last, 0);
        }

        fake_done(&f);
}

static void test_read_partial_lines(void **state) {
        static const char line[] = GOOD_LINE "\n";
        struct daxmf_mf_range out[8];
        struct fake f;

        fake_tracefs(&f, "[mono] local\n");
        fake_open(&f, 16);

        /* Bit by bit: nothing is taken before its newline. */
        for (size_t i = 0; i + 1 < sizeof(line) - 1; i += 7) {
                char piece[8] = {};

                memcpy(piece, line + i, (sizeof(line) - 1 - 1 - i) < 7 ? (sizeof(line) - 1 - 1 - i) : 7);
                fake_write(&f, piece);
                assert_int_equal(tracefs_mf_read(f.t, 0), 0);
                assert_int_equal(tracefs_mf_take(f.t, 0, true, out, 8), 0);
        }
        fake_write(&f, "\n");
        assert_int_equal(tracefs_mf_read(f.t, 0), 0);
        assert_int_equal(tracefs_mf_take(f.t, 0, true, out, 8), 1);
        check_range(&out[0], 0x40018, 1, 1, UINT64_C(123456789000), UINT64_C(123456789000), "dax page", "Recovered");

        /* Two lines and a half in one read; the rest later. */
        fake_event(&f, 200, 0, 0x100, "dax page", "Failed");
        fake_event(&f, 200, 1, 0x101, "dax page", "Failed");
        fake_write(&f, "  a-1 [000] ..... 200.000002: memory_failure_event: pfn 0x10");
        assert_int_equal(tracefs_mf_read(f.t, 0), 0);
        fake_write(&f, "2: recovery action for dax page: Failed\n");
        assert_int_equal(tracefs_mf_read(f.t, 0), 0);
        assert_int_equal(tracefs_mf_take(f.t, 0, true, out, 8), 1);
        check_range(&out[0], 0x100, 3, 3, 200 * SEC, 200 * SEC + 2000, "dax page", "Failed");

        fake_done(&f);
}

static void test_read_not_mono(void **state) {
        struct daxmf_mf_range out[8];
        struct fake f;

        /* The clock refused: events are timed by the read that met them. */
        fake_tracefs(&f, NULL);
        fake_open(&f, 16);
        assert_false(tracefs_mf_clock_mono(f.t));

        fake_event(&f, 100, 0, 0x500, "dax page", "Recovered");
        fake_event(&f, 900, 0, 0x501, "dax page", "Recovered");
        assert_int_equal(tracefs_mf_read(f.t, 7 * SEC), 0);
        fake_event(&f, 100, 1, 0x502, "dax page", "Recovered");
        assert_int_equal(tracefs_mf_read(f.t, 7 * SEC + 5), 0);
        assert_int_equal(tracefs_mf_take(f.t, 7 * SEC + 5 + WINDOW_NS - 1, false, out, 8), 0);
        assert_int_equal(tracefs_mf_take(f.t, 7 * SEC + 5 + WINDOW_NS, false, out, 8), 1);
        check_range(&out[0], 0x500, 3, 3, 7 * SEC, 7 * SEC + 5, "dax page", "Recovered");

        fake_done(&f);
}

static void test_read_already_mono(void **state) {
        char buf[64];
        struct fake f;

        /* Left by a crashed run with the clock set: not set again (that would empty its buffer). */
        fake_tracefs(&f, "local global [mono] boot\n");
        fake_open(&f, 16);
        assert_true(tracefs_mf_clock_mono(f.t));
        assert_string_equal(read_file(f.root, "instances/daxmfd/trace_clock", buf, sizeof(buf)),
                            "local global [mono] boot\n");
        fake_done(&f);
}

static void test_read_lost(void **state) {
        struct daxmf_mf_range out[8];
        uint64_t first, last;
        struct fake f;

        /* One range held, one set aside: the next new range finds no room. */
        fake_tracefs(&f, "mono\n");
        fake_open(&f, 1);
        fake_event(&f, 10, 0, 0x100, "dax page", "Recovered");
        fake_event(&f, 10, 1, 0x300, "dax page", "Recovered");
        fake_event(&f, 10, 2, 0x500, "dax page", "Recovered");
        fake_event(&f, 10, 3, 0x301, "dax page", "Recovered");
        fake_event(&f, 10, 4, 0x80, "dax page", "Recovered");
        /* Ours, unreadable: lost, where unknown. */
        fake_write(&f, "  a-1 [000] ..... 10.000005: memory_failure_event: pfn 0xzz: recovery action for x: y\n");
        /* The ring buffer overwrote some. */
        fake_write(&f, "CPU:1 [LOST 7 EVENTS]\n");
        fake_write(&f, "CPU:0 [LOST EVENTS]\n");
        assert_int_equal(tracefs_mf_read(f.t, 0), 0);

        memset(&first, 0xa5, sizeof(first));
        memset(&last, 0xa5, sizeof(last));
        assert_int_equal(tracefs_mf_take_lost(f.t, &first, &last), 2 + 1 + 7 + 1);
        assert_int_equal(first, 0x80);
        assert_int_equal(last, 0x500);
        assert_int_equal(tracefs_mf_take_lost(f.t, &first, &last), 0);

        /* Unknown pfns only: the span stays as it was (none). */
        fake_write(&f, "CPU:1 [LOST 3 EVENTS]\n");
        fake_write(&f, "  a-1 [000] ..... 10.000006: memory_failure_event: pfn 0x1: recovery action for x\n");
        /* Not ours, not a loss. */
        fake_write(&f, "  a-1 [000] ..... 10.000006: other_event: pfn 0xzz\nnonsense\n");
        assert_int_equal(tracefs_mf_read(f.t, 0), 0);
        assert_int_equal(tracefs_mf_take_lost(f.t, &first, &last), 4);
        assert_int_equal(first, 0);
        assert_int_equal(last, 0);

        /* Set aside first, oldest first; the open one after. */
        assert_true(tracefs_mf_next_close(f.t, &first));
        assert_int_equal(first, 0);
        assert_int_equal(tracefs_mf_take(f.t, 10 * SEC, false, out, 8), 1);
        check_range(&out[0], 0x100, 1, 1, 10 * SEC, 10 * SEC, "dax page", "Recovered");
        assert_true(tracefs_mf_next_close(f.t, &first));
        assert_int_equal(first, 10 * SEC + 3000 + WINDOW_NS);
        assert_int_equal(tracefs_mf_take(f.t, 10 * SEC + 3000 + WINDOW_NS, false, out, 8), 1);
        check_range(&out[0], 0x300, 2, 2, 10 * SEC + 1000, 10 * SEC + 3000, "dax page", "Recovered");
        assert_false(tracefs_mf_next_close(f.t, &first));

        fake_done(&f);
}

static void test_read_full_set_aside(void **state) {
        struct daxmf_mf_range out[8];
        uint64_t first, last, t;
        struct fake f;

        /* As the module sends a full buffer at once: nothing is lost while there is room aside. */
        fake_tracefs(&f, "mono\n");
        fake_open(&f, 2);
        fake_event(&f, 10, 0, 0x10, "dax page", "Recovered");
        fake_event(&f, 10, 1, 0x20, "dax page", "Recovered");       /* full: both aside */
        fake_event(&f, 10, 2, 0x30, "dax page", "Recovered");
        fake_event(&f, 10, 3, 0x31, "dax page", "Recovered");
        assert_int_equal(tracefs_mf_read(f.t, 0), 0);
        assert_int_equal(tracefs_mf_take_lost(f.t, &first, &last), 0);

        assert_true(tracefs_mf_next_close(f.t, &t));
        assert_int_equal(t, 0);
        /* At most max at a time, the ones aside first. */
        assert_int_equal(tracefs_mf_take(f.t, 10 * SEC, false, out, 1), 1);
        check_range(&out[0], 0x10, 1, 1, 10 * SEC, 10 * SEC, "dax page", "Recovered");
        assert_int_equal(tracefs_mf_take(f.t, 10 * SEC, false, out, 0), 0);
        assert_int_equal(tracefs_mf_take(f.t, 10 * SEC, true, out, 8), 2);
        check_range(&out[0], 0x20, 1, 1, 10 * SEC + 1000, 10 * SEC + 1000, "dax page", "Recovered");
        check_range(&out[1], 0x30, 2, 2, 10 * SEC + 2000, 10 * SEC + 3000, "dax page", "Recovered");
        assert_false(tracefs_mf_next_close(f.t, &t));

        fake_done(&f);
}

static void test_read_overlong_line(void **state) {
        struct daxmf_mf_range out[8];
        char line[3000];
        uint64_t first, last;
        struct fake f;

        fake_tracefs(&f, "mono\n");
        fake_open(&f, 16);
        /* Ours, too long to hold: lost.  Another's: nothing. */
        memset(line, ' ', sizeof(line));
        memcpy(line, "  a-1 [000] ..... 10.000000: memory_failure_event: pfn 0x1: recovery action for ", 80);
        line[sizeof(line) - 1] = '\n';
        assert_int_equal(write(f.writer, line, sizeof(line)), (ssize_t) sizeof(line));
        memcpy(line, "  a-1 [000] ..... 10.000000: something_else: pfn 0x1: recovery action for xxxxxxx", 80);
        assert_int_equal(write(f.writer, line, sizeof(line)), (ssize_t) sizeof(line));
        /* What fits of it would read as an event ("...: Rec"): not taken as one. */
        {
                const char *tail = "  a-1 [000] ..... 10.000000: memory_failure_event: pfn 0x2: recovery action for "
                                   "dax page: Recovered\n";
                size_t pad = TRACEFS_MF_LINE_MAX + 6 + 1 - strlen(tail);

                memset(line, ' ', pad);
                memcpy(line + pad, tail, strlen(tail));
                assert_int_equal(write(f.writer, line, pad + strlen(tail)), (ssize_t) (pad + strlen(tail)));
        }
        /* And the line after is whole again. */
        fake_event(&f, 11, 0, 0x77, "dax page", "Recovered");
        assert_int_equal(tracefs_mf_read(f.t, 0), 0);
        assert_int_equal(tracefs_mf_take_lost(f.t, &first, &last), 2);
        assert_int_equal(tracefs_mf_take(f.t, 0, true, out, 8), 1);
        check_range(&out[0], 0x77, 1, 1, 11 * SEC, 11 * SEC, "dax page", "Recovered");

        fake_done(&f);
}

static void test_read_budget(void **state) {
        struct daxmf_mf_range out[8];
        size_t total = 0, first_read;
        struct fake f;
        char line[256];
        int n;

        fake_tracefs(&f, "mono\n");
        fake_open(&f, 16);
        /* More than one read's worth (256 KiB) in the pipe at once. */
        assert_true(fcntl(f.writer, F_SETPIPE_SZ, 1 << 20) >= (1 << 19));
        n = snprintf(line, sizeof(line),
                     "%100s-1 [000] ..... 10.000000: memory_failure_event: pfn 0x1: recovery action for dax page: "
                     "Recovered\n", "storm");
        for (; total + (size_t) n < 400 * 1024; total += (size_t) n)
                assert_int_equal(write(f.writer, line, (size_t) n), n);

        assert_int_equal(tracefs_mf_read(f.t, 0), 0);
        assert_int_equal(tracefs_mf_take(f.t, 0, true, out, 8), 1);
        first_read = out[0].events;
        assert_true(first_read * (size_t) n <= 256 * 1024);
        assert_true(first_read * (size_t) n > 255 * 1024 - (size_t) n);
        /* trace_pipe is still readable, and the rest comes with the next call. */
        assert_int_equal(tracefs_mf_read(f.t, 0), 0);
        assert_int_equal(tracefs_mf_take(f.t, 0, true, out, 8), 1);
        assert_int_equal(first_read + out[0].events, total / (size_t) n);
        check_range(&out[0], 1, 1, out[0].events, 10 * SEC, 10 * SEC, "dax page", "Recovered");

        fake_done(&f);
}

static void test_read_after_writer_gone(void **state) {
        struct fake f;

        fake_tracefs(&f, "mono\n");
        fake_open(&f, 16);
        close(f.writer);
        f.writer = -1;
        /* End of file: nothing more, no error. */
        assert_int_equal(tracefs_mf_read(f.t, 0), 0);
        fake_done(&f);
}

static void test_open_close(void **state) {
        char buf[64], p[256];
        struct fake f;

        fake_tracefs(&f, "mono\n");
        fake_open(&f, 16);
        close(f.writer);
        f.writer = -1;
        f.t = tracefs_mf_close(f.t);
        assert_null(f.t);
        /* The event disabled; the instance stays here only because a real directory is not empty. */
        assert_string_equal(read_file(f.root, "instances/daxmfd/events/ras/memory_failure_event/enable", buf,
                                      sizeof(buf)), "0");
        fake_done(&f);
        assert_null(tracefs_mf_close(NULL));

        /* No such event in the kernel: nothing made, nor removed (an empty instance stays). */
        fake_tracefs(&f, "mono\n");
        snprintf(p, sizeof(p), "%s/events/ras/memory_failure_event", f.root);
        assert_int_equal(rmdir(p), 0);
        snprintf(p, sizeof(p), "rm -rf '%s/instances/daxmfd' && mkdir '%s/instances/daxmfd'", f.root, f.root);
        assert_int_equal(system(p), 0);
        {
                const char *why = NULL;

                f.t = NULL;
                assert_int_equal(tracefs_mf_open_at(f.root, &f.t, 16, WINDOW_NS, MAX_DELAY_NS, &why), -ENOENT);
                assert_null(f.t);
                assert_non_null(why);
                assert_non_null(strstr(why, "memory_failure_event"));
                snprintf(p, sizeof(p), "%s/instances/daxmfd", f.root);
                assert_int_equal(access(p, F_OK), 0);
        }
        fake_done(&f);

        /* A new instance without the event: made, found wanting, removed again. */
        fake_tracefs(&f, "mono\n");
        snprintf(p, sizeof(p), "rm -rf '%s/instances/daxmfd'", f.root);
        assert_int_equal(system(p), 0);
        {
                const char *why = NULL;

                assert_int_equal(tracefs_mf_open_at(f.root, &f.t, 16, WINDOW_NS, MAX_DELAY_NS, &why), -ENOENT);
                assert_non_null(why);
                snprintf(p, sizeof(p), "%s/instances/daxmfd", f.root);
                assert_int_equal(access(p, F_OK), -1);
                assert_int_equal(errno, ENOENT);
        }
        fake_done(&f);

        /* No tracefs there; no room. */
        {
                const char *why = NULL;
                struct tracefs_mf *t = NULL;

                assert_int_equal(tracefs_mf_open_at("/nonexistent/tracing", &t, 16, WINDOW_NS, MAX_DELAY_NS, &why),
                                 -ENOENT);
                assert_non_null(why);
                why = NULL;
                assert_int_equal(tracefs_mf_open_at("/tmp", &t, 0, WINDOW_NS, MAX_DELAY_NS, &why), -EINVAL);
                assert_non_null(why);
                assert_null(t);
        }
}

/* Last: it fills the process's table of names 6.1 does not have. */
static void test_names_interned(void **state) {
        char name[32], longest[64], too_long[65];
        uint32_t v, first;

        assert_int_equal(tracefs_mf_page_type_id("dax page", &v), 0);
        assert_int_equal(v, 17);

        /* A newer kernel's name: an id of its own, the same every time. */
        assert_int_equal(tracefs_mf_page_type_id("poisoned zone device page", &first), 0);
        assert_true(first >= TRACEFS_MF_EXTRA_ID);
        assert_string_equal(tracefs_mf_page_type_name(first), "poisoned zone device page");
        assert_int_equal(tracefs_mf_page_type_id("poisoned zone device page", &v), 0);
        assert_int_equal(v, first);
        assert_int_equal(tracefs_mf_page_type_from_name("poisoned zone device page", &v), -ENOENT);
        /* Results have a table of their own. */
        assert_int_equal(tracefs_mf_result_id("poisoned zone device page", &v), 0);
        assert_true(v >= TRACEFS_MF_EXTRA_ID);
        assert_string_equal(tracefs_mf_result_name(v), "poisoned zone device page");
        assert_int_equal(tracefs_mf_result_id("Recovered", &v), 0);
        assert_int_equal(v, 3);

        /* Until the table is full; then refused, and those held still answer. */
        for (unsigned i = 0;; i++) {
                int r;

                snprintf(name, sizeof(name), "newer page %u", i);
                r = tracefs_mf_page_type_id(name, &v);
                if (r == -ENOSPC)
                        break;
                assert_int_equal(r, 0);
                assert_true(v < TRACEFS_MF_EXTRA_ID + TRACEFS_MF_EXTRA_NAMES);
                assert_string_equal(tracefs_mf_page_type_name(v), name);
                assert_true(i < TRACEFS_MF_EXTRA_NAMES);
        }
        assert_int_equal(v, TRACEFS_MF_EXTRA_ID + TRACEFS_MF_EXTRA_NAMES - 1);
        assert_null(tracefs_mf_page_type_name(TRACEFS_MF_EXTRA_ID + TRACEFS_MF_EXTRA_NAMES));
        assert_int_equal(tracefs_mf_page_type_id("poisoned zone device page", &v), 0);
        assert_int_equal(v, first);
        assert_int_equal(tracefs_mf_page_type_id("huge page", &v), 0);
        assert_int_equal(v, 4);

        /* Names that cannot be. */
        memset(longest, 'x', sizeof(longest) - 1);
        longest[sizeof(longest) - 1] = '\0';
        memset(too_long, 'x', sizeof(too_long) - 1);
        too_long[sizeof(too_long) - 1] = '\0';
        assert_int_equal(tracefs_mf_page_type_id("", &v), -EINVAL);
        assert_int_equal(tracefs_mf_page_type_id(too_long, &v), -EINVAL);
        assert_int_equal(tracefs_mf_page_type_id(longest, &v), -ENOSPC);
        assert_int_equal(tracefs_mf_result_id("", &v), -EINVAL);
        assert_int_equal(tracefs_mf_result_id("rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr", &v), -EINVAL);
        assert_int_equal(tracefs_mf_result_id("rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr", &v), 0);
        assert_string_equal(tracefs_mf_result_name(v), "rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr");
}

static void test_read_names_table_full(void **state) {
        uint64_t first, last;
        struct fake f;

        /* After test_names_interned: a name that finds no id is a loss, its pfn known. */
        fake_tracefs(&f, "mono\n");
        fake_open(&f, 16);
        fake_event(&f, 10, 0, 0x4444, "yet another page", "Recovered");
        fake_event(&f, 10, 1, 0x4445, "newer page 3", "Recovered");
        assert_int_equal(tracefs_mf_read(f.t, 0), 0);
        assert_int_equal(tracefs_mf_take_lost(f.t, &first, &last), 1);
        assert_int_equal(first, 0x4444);
        assert_int_equal(last, 0x4444);
        {
                struct daxmf_mf_range out[4];

                assert_int_equal(tracefs_mf_take(f.t, 0, true, out, 4), 1);
                check_range(&out[0], 0x4445, 1, 1, 10 * SEC + 1000, 10 * SEC + 1000, "newer page 3", "Recovered");
        }
        fake_done(&f);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_good),
                cmocka_unit_test(test_parse_task_names),
                cmocka_unit_test(test_parse_huge_numbers),
                cmocka_unit_test(test_parse_other_events),
                cmocka_unit_test(test_parse_malformed),
                cmocka_unit_test(test_parse_truncated),
                cmocka_unit_test(test_parse_length),
                cmocka_unit_test(test_parse_lost_line),
                cmocka_unit_test(test_names_6_1),
                cmocka_unit_test(test_read_mono),
                cmocka_unit_test(test_read_partial_lines),
                cmocka_unit_test(test_read_not_mono),
                cmocka_unit_test(test_read_already_mono),
                cmocka_unit_test(test_read_lost),
                cmocka_unit_test(test_read_full_set_aside),
                cmocka_unit_test(test_read_overlong_line),
                cmocka_unit_test(test_read_budget),
                cmocka_unit_test(test_read_after_writer_gone),
                cmocka_unit_test(test_open_close),
                /* These two last, in this order: they fill the table of names. */
                cmocka_unit_test(test_names_interned),
                cmocka_unit_test(test_read_names_table_full),
        };

        return cmocka_run_group_tests(tests, NULL, NULL);
}
