/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>

#include "commands.h"
#include "lookup.h"
#include "macro.h"
#include "output.h"
#include "range-list.h"

static int read_ranges(const struct daxmfctl_args *args, struct range_list *ret) {
        const char *reason;
        unsigned line;
        FILE *f;
        int r;

        if (!args->ranges)
                return range_list_add(ret, args->offset, args->length);
        f = strcmp(args->ranges, "-") == 0 ? stdin : fopen(args->ranges, "re");
        if (!f)
                return daxmfctl_fail("files", args->json, -errno, "cannot open %s", args->ranges);
        r = range_list_read(f, ret, &line, &reason);
        if (f != stdin)
                fclose(f);
        if (r == -EBADMSG)
                return daxmfctl_fail("files", args->json, r, "%s:%u: %s", args->ranges, line, reason);
        if (r < 0)
                return daxmfctl_fail("files", args->json, r, "cannot read %s", args->ranges);
        return 0;
}

static void print_range(const struct lookup *l, const struct lookup_result *r) {
        printf("%s on %s (%s), bytes 0x%" PRIx64 "-0x%" PRIx64 ":\n", l->disk, l->mountpoint, l->fstype, r->offset,
               r->offset + r->length - 1);
        lookup_print(l, r, "");
}

int daxmfctl_files(const struct daxmfctl_args *args) {
        _cleanup_(range_list_done) struct range_list ranges = {};
        _cleanup_(lookup_done) struct lookup l = {};
        struct json_object *doc = NULL, *list = NULL;
        struct lookup_result *results;
        int r;

        r = read_ranges(args, &ranges);
        if (r != 0)
                return r < 0 ? daxmfctl_fail("files", args->json, r, "out of memory") : r;
        r = lookup_open(&l, args->device, args->inventory ? LOOKUP_INVENTORY : 0);
        if (r < 0)
                return daxmfctl_fail("files", args->json, r, "%s", l.error);
        results = calloc(ranges.n ? ranges.n : 1, sizeof(*results));
        if (!results)
                return daxmfctl_fail("files", args->json, -ENOMEM, "out of memory");
        r = lookup_query(&l, ranges.ranges, ranges.n, results);
        if (r < 0) {
                lookup_results_free(results, ranges.n);
                return daxmfctl_fail("files", args->json, r, "%s", l.error);
        }

        if (args->json) {
                doc = json_object_new_object();
                json_object_object_add(doc, "device", json_object_new_string(l.disk));
                json_object_object_add(doc, "mountpoint", json_object_new_string(l.mountpoint));
                json_object_object_add(doc, "fstype", json_object_new_string(l.fstype));
                json_object_object_add(doc, "source", json_object_new_string(lookup_source(&l)));
                if (l.have_snapshot) {
                        json_object_object_add(doc, "namespace", json_object_new_string(l.snapshot.header.device));
                        json_object_object_add(doc, "inventory_realtime_usec",
                                               json_object_new_uint64(l.snapshot.header.built_realtime_usec));
                }
                if (args->ranges) {
                        list = json_object_new_array();
                        json_object_object_add(doc, "ranges", list);
                }
        } else if (l.have_snapshot) {
                time_t t = (time_t) (l.snapshot.header.built_realtime_usec / 1000000);
                char when[64];

                strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S %Z", localtime(&t));
                printf("From daxmfd's inventory of %s taken %s (the filesystem is not read):\n",
                       l.snapshot.header.device[0] ? l.snapshot.header.device : l.disk, when);
        }

        for (size_t i = 0; i < ranges.n; i++) {
                const struct lookup_result *res = &results[i];
                struct json_object *o = list ? json_object_new_object() : doc;

                if (!o) {
                        print_range(&l, res);
                        continue;
                }
                json_object_object_add(o, "offset", json_object_new_uint64(res->offset));
                json_object_object_add(o, "length", json_object_new_uint64(res->length));
                json_object_object_add(o, "owners", lookup_owners_json(&l, res));
                json_object_object_add(o, "processes", lookup_processes_json(&l, res));
                if (list)
                        json_object_array_add(list, o);
        }
        lookup_results_free(results, ranges.n);
        if (doc)
                daxmfctl_print_json(doc);
        return EXIT_SUCCESS;
}
