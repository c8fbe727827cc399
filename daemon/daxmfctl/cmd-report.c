/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <systemd/sd-journal.h>

#include "commands.h"
#include "log.h"
#include "macro.h"
#include "output.h"
#include "parse-util.h"
#include "report-output.h"
#include "report.h"

/* sd-journal.h brings sd_journal_closep. */
static void report_donep(struct report *r) {
        report_done(r);
}

/* Reads the current entry; -ENOMEM, or < 0 when it cannot be read (then it is skipped). */
static int entry_read(sd_journal *j, struct report_entry *e) {
        const void *data;
        sd_id128_t boot_id;
        size_t len;
        int r;

        report_entry_clear(e);
        e->rec.kind = _REPORT_KIND_INVALID;
        r = sd_journal_get_realtime_usec(j, &e->rec.realtime_usec);
        if (r < 0)
                return r;
        /* The entry's own boot: the writer's run is (boot, _PID). */
        r = sd_journal_get_monotonic_usec(j, NULL, &boot_id);
        if (r < 0)
                return r;
        sd_id128_to_string(boot_id, e->rec.boot_id);

        /* One pass over the entry's data, rather than a lookup per field. */
        sd_journal_restart_data(j);
        while ((r = sd_journal_enumerate_available_data(j, &data, &len)) > 0) {
                r = report_entry_add_data(e, data, len);
                if (r < 0)
                        return r;
        }
        if (r < 0)
                return r;
        report_entry_finish(e);
        return 0;
}

/* Opens the journal with daxmfd's records matched; < 0 with a sentence in error[]. */
static int journal_open(const struct daxmfctl_args *args, sd_journal **ret, char *error, size_t size) {
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        const char *dir = args->journal_directory;
        uint64_t bytes = 0;
        struct stat st;
        int r;

        if (dir) {
                /* sd_journal_open_directory() takes a missing directory as an empty journal: say so. */
                if (stat(dir, &st) < 0) {
                        r = -errno;
                        snprintf(error, size, "journal directory %s", dir);
                        return r;
                }
                if (!S_ISDIR(st.st_mode)) {
                        snprintf(error, size, "journal directory %s: not a directory", dir);
                        return -ENOTDIR;
                }
                r = sd_journal_open_directory(&j, dir, 0);
        } else
                r = sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY);
        if (r < 0) {
                snprintf(error, size, "cannot open the journal%s%s", dir ? " in " : "", dir ? dir : "");
                return r;
        }
        r = sd_journal_get_usage(j, &bytes);
        if (r < 0 || bytes == 0) {
                if (dir)
                        snprintf(error, size, "no journal files that can be read in %s", dir);
                else
                        snprintf(error, size, "no journal files that can be read (is systemd-journald running?)");
                return r < 0 ? r : -ENOENT;
        }

        /*
         * Matches on one field are ORed, different fields ANDed: any of our
         * MESSAGE_IDs, from root only.  Anyone may send a record with these
         * ids; daxmfd runs as root, and a report must not show forged events.
         */
        for (enum report_kind k = 0; k < _REPORT_KIND_MAX; k++) {
                char match[64];

                snprintf(match, sizeof(match), "MESSAGE_ID=%s", report_kind_message_id(k));
                r = sd_journal_add_match(j, match, 0);
                if (r < 0)
                        break;
        }
        if (r >= 0)
                r = sd_journal_add_match(j, "_UID=0", 0);
        if (r < 0) {
                snprintf(error, size, "cannot match daxmfd's records in the journal");
                return r;
        }
        *ret = TAKE_PTR(j);
        return 0;
}

static int journal_read(sd_journal *j, struct report *report, char *error, size_t size) {
        uint64_t since = report->filter.since_usec;
        uint64_t from = since > REPORT_SLACK_USEC ? since - REPORT_SLACK_USEC : 0;
        struct report_entry e = {};
        size_t unreadable = 0;
        int r;

        /* From a while before --since: the events that had begun by then are not --since's. */
        r = from ? sd_journal_seek_realtime_usec(j, from) : sd_journal_seek_head(j);
        if (r < 0) {
                snprintf(error, size, "cannot seek in the journal");
                return r;
        }
        for (;;) {
                r = sd_journal_next(j);
                if (r < 0) {
                        snprintf(error, size, "cannot read the journal");
                        break;
                }
                if (r == 0)
                        break;
                r = entry_read(j, &e);
                if (r == -ENOMEM) {
                        snprintf(error, size, "out of memory");
                        break;
                }
                if (r < 0 || e.rec.kind < 0) {
                        unreadable++;
                        continue;
                }
                /* Entries are in the journal's order, not quite the clock's: report_add() checks each time. */
                if (!report_wants(report, e.rec.realtime_usec))
                        break;
                r = report_add(report, &e.rec);
                if (r < 0) {
                        snprintf(error, size, "out of memory");
                        break;
                }
        }
        report_entry_clear(&e);
        if (r >= 0 && unreadable > 0)
                log_warning("report: %zu journal records could not be read and are left out", unreadable);
        return r < 0 ? r : 0;
}

int daxmfctl_report(const struct daxmfctl_args *args) {
        const struct report_filter filter = {
                .since_usec = args->since_usec,
                .until_usec = args->until_usec,
                .device = args->filter_device,
                .file = args->filter_file,
        };
        _cleanup_(sd_journal_closep) sd_journal *j = NULL;
        _cleanup_(report_donep) struct report report = {};
        char error[512];
        int r;

        report_init(&report, &filter);
        r = journal_open(args, &j, error, sizeof(error));
        if (r < 0)
                return daxmfctl_fail("report", args->json, r, "%s", error);
        r = journal_read(j, &report, error, sizeof(error));
        if (r < 0)
                return daxmfctl_fail("report", args->json, r, "%s", error);
        report_finish(&report);

        if (args->json)
                report_print_json(&report, stdout);
        else
                report_print(&report, stdout);
        /* Only root and the journal's readers see a system service's records. */
        if (report.n_events == 0 && !args->journal_directory && geteuid() != 0)
                log_warning("report: not root: daxmfd's records may be hidden (root or the systemd-journal group can read them)");
        return EXIT_SUCCESS;
}
