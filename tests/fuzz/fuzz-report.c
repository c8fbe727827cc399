/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * `daxmfctl report` over journal entries: the input is in the journal
 * export format (journalctl -o export, what systemd-journal-remote takes):
 * FIELD=value lines, or a binary field as FIELD\n, a 64-bit little-endian
 * size, the bytes and \n; a blank line ends an entry.  __REALTIME_TIMESTAMP
 * and _BOOT_ID are the entry's own (sd_journal gives them apart); every
 * datum goes through report_entry_add_data() as sd_journal hands it to
 * cmd-report.c.  The report is built twice (no filter, then filtered by a
 * device, a file and a window) and printed as text and as JSON.
 */
#include <errno.h>

#include "fuzz.h"
#include "macro.h"
#include "parse-util.h"
#include "report-output.h"
#include "report.h"

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        setenv("TZ", "UTC", 1);
        devnull = fopen("/dev/null", "we");
        return devnull ? 0 : -1;
}

struct reader {
        const uint8_t *data;
        size_t size, pos;
};

/* The next datum of the entry into *ret (len *ret_len): 1, 0 at the entry's end, -1 at the input's. */
static int next_datum(struct reader *rd, char **ret, size_t *ret_len) {
        const uint8_t *p = rd->data + rd->pos, *nl;
        size_t left = rd->size - rd->pos, line;
        char *d;

        if (left == 0)
                return -1;
        nl = memchr(p, '\n', left);
        line = nl ? (size_t) (nl - p) : left;
        if (line == 0) {
                rd->pos++;
                return 0;
        }
        if (!memchr(p, '=', line) && nl && left - line - 1 >= 8) {
                /* Binary: NAME\n, le64 size, data, \n. */
                uint64_t n = 0;

                for (int i = 7; i >= 0; i--)
                        n = n << 8 | nl[1 + i];
                if (n > left - line - 1 - 8)
                        return -1;
                d = malloc(line + 1 + n);
                FUZZ_CHECK(d);
                memcpy(d, p, line);
                d[line] = '=';
                memcpy(d + line + 1, nl + 9, n);
                *ret = d;
                *ret_len = line + 1 + n;
                rd->pos += line + 1 + 8 + n;
                if (rd->pos < rd->size && rd->data[rd->pos] == '\n')
                        rd->pos++;
                return 1;
        }
        *ret = fuzz_bytes(p, line);
        *ret_len = line;
        rd->pos += line + (nl ? 1 : 0);
        return 1;
}

static bool is_field(const char *d, size_t len, const char *name) {
        size_t n = strlen(name);

        return len > n && memcmp(d, name, n) == 0 && d[n] == '=';
}

static void build(const uint8_t *data, size_t size, const struct report_filter *filter) {
        struct reader rd = { .data = data, .size = size };
        struct report_entry e = {};
        struct report report = {};
        bool end = false;

        report_init(&report, filter);
        while (!end) {
                int r;

                report_entry_clear(&e);
                e.rec.kind = _REPORT_KIND_INVALID;
                for (;;) {
                        _cleanup_free_ char *d = NULL;
                        size_t len = 0;

                        r = next_datum(&rd, &d, &len);
                        if (r <= 0) {
                                end = r < 0;
                                break;
                        }
                        if (is_field(d, len, "__REALTIME_TIMESTAMP")) {
                                _cleanup_free_ char *v = fuzz_string((const uint8_t *) d + 21, len - 21);

                                (void) parse_u64(v, &e.rec.realtime_usec);
                                continue;
                        }
                        if (is_field(d, len, "_BOOT_ID")) {
                                size_t n = len - 9 < 32 ? len - 9 : 32;

                                memcpy(e.rec.boot_id, d + 9, n);
                                e.rec.boot_id[n] = '\0';
                                continue;
                        }
                        FUZZ_CHECK(report_entry_add_data(&e, d, len) == 0);
                }
                report_entry_finish(&e);
                if (e.rec.kind < 0)
                        continue;
                if (!report_wants(&report, e.rec.realtime_usec))
                        break;
                FUZZ_CHECK(report_add(&report, &e.rec) == 0);
        }
        report_entry_clear(&e);
        report_finish(&report);
        report_print(&report, devnull);
        report_print_json(&report, devnull);
        fflush(devnull);
        report_done(&report);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        /* The window of report.sh's records: 2026-11-18 11:13:20 UTC and a day on. */
        const struct report_filter filtered = {
                .since_usec = UINT64_C(1795000400) * 1000000,
                .until_usec = UINT64_C(1795086800) * 1000000,
                .device = "pmem0",
                .file = "/mnt/pmem0/a",
        };

        if (size > 65536)
                return -1;
        build(data, size, &(struct report_filter) {});
        build(data, size, &filtered);
        return 0;
}
