/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <linux/daxmf.h>

#include "log.h"
#include "output.h"
#include "parse-util.h"

static const char *errno_name_or(int error, const char *fallback) {
        const char *n = errno_name(error);

        return n ? n : fallback;
}

static struct json_object *bit_names(uint32_t bits, const char *(*name)(uint32_t)) {
        struct json_object *a = json_object_new_array();

        for (unsigned i = 0; i < 32; i++) {
                uint32_t bit = UINT32_C(1) << i;
                char unknown[16];

                if (!(bits & bit))
                        continue;
                if (name(bit))
                        json_object_array_add(a, json_object_new_string(name(bit)));
                else {
                        snprintf(unknown, sizeof(unknown), "0x%" PRIx32, bit);
                        json_object_array_add(a, json_object_new_string(unknown));
                }
        }
        return a;
}

static void print_bit_names(uint32_t bits, const char *(*name)(uint32_t)) {
        bool first = true;

        for (unsigned i = 0; i < 32; i++) {
                uint32_t bit = UINT32_C(1) << i;

                if (!(bits & bit))
                        continue;
                printf("%s", first ? "" : ", ");
                if (name(bit))
                        printf("%s", name(bit));
                else
                        printf("0x%" PRIx32, bit);
                first = false;
        }
        if (first)
                printf("none");
}

#define ADD(o, key, value) json_object_object_add((o), (key), (value))

struct json_object *daxmfctl_info_json(const struct daxmf_info *info) {
        struct json_object *o = json_object_new_object();

        ADD(o, "module_version", json_object_new_string(info->version));
        ADD(o, "kernel_release", json_object_new_string(info->kernel_release));
        ADD(o, "supported_flags", json_object_new_uint64(info->supported_flags));
        ADD(o, "supported_flag_names", bit_names(info->supported_flags, daxmf_flag_name));
        ADD(o, "max_pages", json_object_new_uint64(info->max_pages));
        ADD(o, "batch_pages", json_object_new_uint64(info->batch_pages));
        ADD(o, "page_size", json_object_new_uint64(UINT64_C(1) << info->page_shift));
        ADD(o, "max_jobs", json_object_new_uint64(info->max_jobs));
        ADD(o, "jobs_running", json_object_new_uint64(info->jobs_running));
        if (info->has_handshake) {
                ADD(o, "removal_handler_port", json_object_new_uint64(info->handler_portid));
                ADD(o, "removal_timeout_ms", json_object_new_uint64(info->removal_timeout_ms));
        }
        if (info->has_mf) {
                ADD(o, "mf_watch", json_object_new_boolean(info->mf_watch));
                ADD(o, "mf_records", json_object_new_uint64(info->mf_records));
                ADD(o, "mf_window_ms", json_object_new_uint64(info->mf_window_ms));
                ADD(o, "mf_max_delay_ms", json_object_new_uint64(info->mf_max_delay_ms));
                ADD(o, "mf_events_total", json_object_new_uint64(info->mf_events_total));
                ADD(o, "mf_lost_total", json_object_new_uint64(info->mf_lost_total));
        }
        return o;
}

void daxmfctl_print_info(const struct daxmf_info *info) {
        printf("module version:   %s\n", info->version);
        printf("kernel release:   %s\n", info->kernel_release);
        printf("supported flags:  0x%" PRIx32 " (", info->supported_flags);
        print_bit_names(info->supported_flags, daxmf_flag_name);
        printf(")\n");
        printf("max pages:        %" PRIu64 "\n", info->max_pages);
        printf("batch pages:      %" PRIu64 "\n", info->batch_pages);
        printf("page size:        %" PRIu64 "\n", UINT64_C(1) << info->page_shift);
        printf("jobs:             %" PRIu32 " running, at most %" PRIu32 "\n", info->jobs_running, info->max_jobs);
        if (info->has_handshake) {
                if (info->handler_portid)
                        printf("removal handler:  netlink port %" PRIu32 ", waited for up to %" PRIu32 " ms\n",
                               info->handler_portid, info->removal_timeout_ms);
                else
                        printf("removal handler:  none (the module acts alone; default wait %" PRIu32 " ms)\n",
                               info->removal_timeout_ms);
        }
        if (info->has_mf) {
                /* Totals on lines of their own, a number each: easy to pick out of the text. */
                if (info->mf_watch)
                        printf("memory failures:  followed (ras:memory_failure_event)\n");
                else
                        printf("memory failures:  not followed (the module could not attach to"
                               " ras:memory_failure_event; daxmfd reads tracefs)\n");
                printf("memory-failure buffer:      %" PRIu32 " ranges, each sent after %" PRIu32
                       " ms without a new page or %" PRIu32 " ms at most\n",
                       info->mf_records, info->mf_window_ms, info->mf_max_delay_ms);
                printf("memory-failure events:      %" PRIu64 "\n", info->mf_events_total);
                printf("memory-failure events lost: %" PRIu64 "\n", info->mf_lost_total);
        }
}

/* Physical byte addresses of a range (the page size is the host's). */
static uint64_t page_size(void) {
        long p = sysconf(_SC_PAGESIZE);

        return p > 0 ? (uint64_t) p : 4096;
}

/* Why the module stopped a range early, in the user's words. */
static const char *stop_reason(int status) {
        switch (status) {
        case -ENXIO:
                return "the device went away (unbound or disabled)";
        case -ESHUTDOWN:
                return "the daxmf module is being unloaded";
        case -ECONNRESET:
                return "its requester went away";
        default:
                return strerror(-status);
        }
}

static const char *range_status(const struct daxmf_range_result *res) {
        if (res->status < 0)
                return "stopped";
        if (res->pages_failed > 0 && res->pages_failed == res->pages_done)
                return "failed";
        if (res->pages_failed > 0)
                return "partial";
        return "complete";
}

struct json_object *daxmfctl_range_json(const struct daxmf_range_result *res) {
        struct json_object *o = json_object_new_object();

        ADD(o, "pfn", json_object_new_uint64(res->pfn));
        ADD(o, "pages", json_object_new_uint64(res->pages));
        ADD(o, "job_id", json_object_new_uint64(res->job_id));
        ADD(o, "phys_start", json_object_new_uint64(res->pfn * page_size()));
        ADD(o, "phys_end", json_object_new_uint64((res->pfn + res->pages) * page_size() - 1));
        ADD(o, "flags", json_object_new_uint64(res->flags));
        ADD(o, "flag_names", bit_names(res->flags, daxmf_flag_name));
        ADD(o, "cookie", json_object_new_uint64(res->cookie));
        ADD(o, "result", json_object_new_string(range_status(res)));
        ADD(o, "status", json_object_new_int(res->status));
        ADD(o, "status_name", res->status ? json_object_new_string(errno_name_or(res->status, "?")) : NULL);
        ADD(o, "pages_done", json_object_new_uint64(res->pages_done));
        ADD(o, "pages_failed", json_object_new_uint64(res->pages_failed));
        ADD(o, "pages_unmapped", json_object_new_uint64(res->pages_unmapped));
        ADD(o, "first_error", json_object_new_int(res->first_error));
        ADD(o, "first_error_name",
            res->first_error ? json_object_new_string(errno_name_or(res->first_error, "?")) : NULL);
        ADD(o, "first_error_pfn", res->first_error ? json_object_new_uint64(res->first_error_pfn) : NULL);
        ADD(o, "paths", bit_names(res->paths, daxmf_path_name));
        ADD(o, "pagemap_pages", json_object_new_uint64(res->pagemap_pages));
        ADD(o, "per_page_pages", json_object_new_uint64(res->per_page_pages));
        ADD(o, "batches", json_object_new_uint64(res->batches));
        ADD(o, "elapsed_ns", json_object_new_uint64(res->elapsed_ns));
        ADD(o, "stop_reason", res->status < 0 ? json_object_new_string(stop_reason(res->status)) : NULL);
        return o;
}

void daxmfctl_print_range(const struct daxmf_range_result *res) {
        printf("range:           pfn 0x%" PRIx64 " + %" PRIu64 " pages (phys 0x%" PRIx64 "-0x%" PRIx64 ")\n",
               res->pfn, res->pages, res->pfn * page_size(), (res->pfn + res->pages) * page_size() - 1);
        printf("job:             %" PRIu64 "\n", res->job_id);
        printf("result:          %s", range_status(res));
        if (res->status)
                printf(" (%s: %s)", errno_name_or(res->status, "?"), strerror(-res->status));
        printf("\n");
        printf("pages handled:   %" PRIu64 "\n", res->pages_done);
        /* A stopped range: what is left undone, from where, and why (the pages before it are done). */
        if (res->status < 0 && res->pages_done < res->pages)
                printf("pages not handled: %" PRIu64 " from pfn 0x%" PRIx64 ": %s\n", res->pages - res->pages_done,
                       res->pfn + res->pages_done,
                       stop_reason(res->status));
        printf("pages failed:    %" PRIu64 "\n", res->pages_failed);
        printf("pages unmapped:  %" PRIu64 "%s\n", res->pages_unmapped,
               res->pages_unmapped ? " (no process mapped them: nothing torn down, not marked poisoned)" : "");
        if (res->first_error)
                printf("first error:     %s (%s) at pfn 0x%" PRIx64 "\n",
                       errno_name_or(res->first_error, "?"), strerror(-res->first_error),
                       res->first_error_pfn);
        else
                printf("first error:     none\n");
        printf("path:            ");
        print_bit_names(res->paths, daxmf_path_name);
        printf("\n");
        printf("pagemap pages:   %" PRIu64 " in %" PRIu64 " calls\n", res->pagemap_pages, res->batches);
        printf("per-page pages:  %" PRIu64 "\n", res->per_page_pages);
        printf("elapsed:         %.3f ms\n", (double) res->elapsed_ns / 1e6);
}

struct json_object *daxmfctl_error_json(const char *command, const struct daxmf_error *e) {
        struct json_object *o = json_object_new_object(), *err = json_object_new_object();

        ADD(err, "command", json_object_new_string(command));
        ADD(err, "errno", json_object_new_int(-e->error));
        ADD(err, "name", json_object_new_string(errno_name_or(e->error, "?")));
        ADD(err, "description", json_object_new_string(strerror(-e->error)));
        ADD(err, "message", e->message[0] ? json_object_new_string(e->message) : NULL);
        ADD(err, "pfn", e->has_pfn ? json_object_new_uint64(e->pfn) : NULL);
        ADD(err, "missing_attribute", e->missing_attr ? json_object_new_uint64(e->missing_attr) : NULL);
        ADD(o, "error", err);
        return o;
}

struct json_object *daxmfctl_usage_error_json(const char *command, const char *message) {
        struct daxmf_error e = { .error = -EINVAL };
        struct json_object *o, *err;

        snprintf(e.message, sizeof(e.message), "%s", message);
        o = daxmfctl_error_json(command ? command : "", &e);
        json_object_object_get_ex(o, "error", &err);
        if (!command)
                json_object_object_add(err, "command", NULL);
        json_object_object_add(err, "usage", json_object_new_boolean(true));
        return o;
}

void daxmfctl_log_error(const char *command, const struct daxmf_error *e) {
        char where[48] = "";

        if (e->has_pfn)
                snprintf(where, sizeof(where), " [pfn 0x%" PRIx64 "]", e->pfn);
        else if (e->missing_attr)
                snprintf(where, sizeof(where), " [missing attribute %" PRIu32 "]", e->missing_attr);

        log_error("%s: %s (%s)%s%s%s", command, errno_name_or(e->error, "?"), strerror(-e->error),
                  e->message[0] ? ": " : "", e->message, where);
}

void daxmfctl_print_json(struct json_object *o) {
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
        json_object_put(o);
}

struct json_object *daxmfctl_event_json(const struct daxmf_range_result *ev) {
        struct json_object *o = daxmfctl_range_json(ev);

        json_object_object_add(o, "event", json_object_new_string(ev->done ? "range-done" : "range-progress"));
        if (!ev->done) {
                /* Progress carries counters only: no verdict, no per-path totals. */
                static const char *const done_only[] = {
                        "result", "status", "status_name", "first_error", "first_error_name",
                        "first_error_pfn", "paths", "pagemap_pages", "per_page_pages", "batches", "stop_reason",
                };

                for (size_t i = 0; i < sizeof(done_only) / sizeof(done_only[0]); i++)
                        json_object_object_del(o, done_only[i]);
        }
        json_object_object_add(o, "requester_port", json_object_new_uint64(ev->portid));
        return o;
}

void daxmfctl_print_event(const struct daxmf_range_result *ev) {
        printf("%s job=%" PRIu64 " cookie=%" PRIu64 " pfn=0x%" PRIx64 " pages=%" PRIu64 " done=%" PRIu64
               " failed=%" PRIu64 " unmapped=%" PRIu64,
               ev->done ? "range-done" : "range-progress", ev->job_id, ev->cookie, ev->pfn, ev->pages,
               ev->pages_done, ev->pages_failed, ev->pages_unmapped);
        if (ev->done) {
                printf(" result=%s paths=", range_status(ev));
                print_bit_names(ev->paths, daxmf_path_name);
                if (ev->status)
                        printf(" status=%s", errno_name_or(ev->status, "?"));
        }
        printf(" elapsed=%.3fms\n", (double) ev->elapsed_ns / 1e6);
        fflush(stdout);
}

void daxmfctl_print_json_line(struct json_object *o) {
        printf("%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
        fflush(stdout);
        json_object_put(o);
}

struct json_object *daxmfctl_removal_json(const struct daxmf_removal *rm) {
        struct json_object *o = json_object_new_object();

        ADD(o, "event", json_object_new_string("removal"));
        ADD(o, "device", json_object_new_string(rm->device));
        ADD(o, "mode", json_object_new_string(daxmf_removal_mode_name(rm->mode)));
        ADD(o, "pfn", json_object_new_uint64(rm->pfn));
        ADD(o, "pages", json_object_new_uint64(rm->pages));
        ADD(o, "phys_start", json_object_new_uint64(rm->pfn * page_size()));
        ADD(o, "phys_end", json_object_new_uint64((rm->pfn + rm->pages) * page_size() - 1));
        ADD(o, "pages_done", json_object_new_uint64(rm->pages_done));
        ADD(o, "pages_failed", json_object_new_uint64(rm->pages_failed));
        ADD(o, "pages_unmapped", json_object_new_uint64(rm->pages_unmapped));
        ADD(o, "status", json_object_new_int(rm->status));
        ADD(o, "elapsed_ns", json_object_new_uint64(rm->elapsed_ns));
        if (rm->has_handshake) {
                ADD(o, "removal_id", json_object_new_uint64(rm->id));
                ADD(o, "handshake", json_object_new_string(daxmf_handshake_name(rm->handshake)));
                ADD(o, "verdict", json_object_new_string(daxmf_verdict_name(rm->verdict)));
                ADD(o, "waited_ns", json_object_new_uint64(rm->waited_ns));
        }
        return o;
}

void daxmfctl_print_removal(const struct daxmf_removal *rm) {
        printf("removal device=%s mode=%s pfn=0x%" PRIx64 " pages=%" PRIu64 " mapped=%" PRIu64 " failed=%" PRIu64
               " status=%d elapsed=%.3fms",
               rm->device, daxmf_removal_mode_name(rm->mode), rm->pfn, rm->pages, rm->pages_done - rm->pages_unmapped,
               rm->pages_failed, rm->status, (double) rm->elapsed_ns / 1e6);
        if (rm->has_handshake)
                printf(" id=%" PRIu64 " handshake=%s verdict=%s waited=%.3fms", rm->id,
                       daxmf_handshake_name(rm->handshake), daxmf_verdict_name(rm->verdict),
                       (double) rm->waited_ns / 1e6);
        printf("\n");
        fflush(stdout);
}

struct json_object *daxmfctl_removal_pending_json(const struct daxmf_removal_pending *p) {
        struct json_object *o = json_object_new_object();

        ADD(o, "event", json_object_new_string("removal-pending"));
        ADD(o, "removal_id", json_object_new_uint64(p->id));
        ADD(o, "device", json_object_new_string(p->device));
        ADD(o, "mode", json_object_new_string(daxmf_removal_mode_name(p->mode)));
        ADD(o, "pfn", json_object_new_uint64(p->pfn));
        ADD(o, "pages", json_object_new_uint64(p->pages));
        ADD(o, "phys_start", json_object_new_uint64(p->pfn * page_size()));
        ADD(o, "phys_end", json_object_new_uint64((p->pfn + p->pages) * page_size() - 1));
        ADD(o, "timeout_ms", json_object_new_uint64(p->timeout_ms));
        return o;
}

void daxmfctl_print_removal_pending(const struct daxmf_removal_pending *p) {
        printf("removal-pending id=%" PRIu64 " device=%s mode=%s pfn=0x%" PRIx64 " pages=%" PRIu64 " timeout=%" PRIu32
               "ms\n", p->id, p->device, daxmf_removal_mode_name(p->mode), p->pfn, p->pages, p->timeout_ms);
        fflush(stdout);
}

static const char *mf_origin_name(uint32_t origin) {
        const char *n = daxmf_mf_origin_name(origin);

        return n ? n : "unknown";
}

struct json_object *daxmfctl_memory_failure_json(const struct daxmf_memory_failure *mf) {
        struct json_object *o = json_object_new_object();

        ADD(o, "event", json_object_new_string("memory-failure"));
        ADD(o, "seq", json_object_new_uint64(mf->seq));
        ADD(o, "origin", json_object_new_string(mf_origin_name(mf->origin)));
        ADD(o, "pfn", json_object_new_uint64(mf->pfn));
        ADD(o, "pages", json_object_new_uint64(mf->pages));
        ADD(o, "phys_start", json_object_new_uint64(mf->pfn * page_size()));
        ADD(o, "phys_end", json_object_new_uint64((mf->pfn + mf->pages) * page_size() - 1));
        ADD(o, "events", json_object_new_uint64(mf->events));
        ADD(o, "page_type", json_object_new_uint64(mf->page_type));
        ADD(o, "page_type_name", json_object_new_string(mf->page_type_name));
        ADD(o, "result", json_object_new_uint64(mf->result));
        ADD(o, "result_name", json_object_new_string(mf->result_name));
        ADD(o, "first_ns", json_object_new_uint64(mf->first_ns));
        ADD(o, "last_ns", json_object_new_uint64(mf->last_ns));
        if (mf->origin == DAXMF_MF_ORIGIN_FAIL_RANGE) {
                ADD(o, "job_id", json_object_new_uint64(mf->job_id));
                ADD(o, "cookie", json_object_new_uint64(mf->cookie));
                ADD(o, "requester_port", json_object_new_uint64(mf->requester_portid));
        }
        return o;
}

/* CLOCK_REALTIME nanoseconds as local time to the microsecond, without spaces (key=value lines). */
static void format_realtime(uint64_t ns, char *buf, size_t size) {
        time_t t = (time_t) (ns / 1000000000);
        char when[32];
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
                snprintf(buf, size, "@%" PRIu64 ".%06" PRIu64, ns / 1000000000, ns % 1000000000 / 1000);
                return;
        }
        snprintf(buf, size, "%s.%06" PRIu64, when, ns % 1000000000 / 1000);
}

void daxmfctl_print_memory_failure(const struct daxmf_memory_failure *mf) {
        /* The kernel's names, but no more trusted on a terminal than any other. */
        _cleanup_free_ char *type = daxmfctl_escape(mf->page_type_name);
        _cleanup_free_ char *result = daxmfctl_escape(mf->result_name);
        char first[64];

        format_realtime(mf->first_ns, first, sizeof(first));
        printf("memory-failure seq=%" PRIu64 " origin=%s pfn=0x%" PRIx64 " pages=%" PRIu64 " events=%" PRIu64
               " page-type=\"%s\" result=%s first=%s span=%.3fms",
               mf->seq, mf_origin_name(mf->origin), mf->pfn, mf->pages, mf->events, type ? type : "?",
               result ? result : "?", first, (double) (mf->last_ns - mf->first_ns) / 1e6);
        if (mf->origin == DAXMF_MF_ORIGIN_FAIL_RANGE)
                printf(" job=%" PRIu64 " cookie=%" PRIu64 " requester=%" PRIu32, mf->job_id, mf->cookie,
                       mf->requester_portid);
        printf("\n");
        fflush(stdout);
}

struct json_object *daxmfctl_memory_failure_lost_json(const struct daxmf_memory_failure_lost *lost) {
        struct json_object *o = json_object_new_object();

        ADD(o, "event", json_object_new_string("memory-failure-lost"));
        ADD(o, "seq", json_object_new_uint64(lost->seq));
        ADD(o, "lost", json_object_new_uint64(lost->lost));
        ADD(o, "pfn", json_object_new_uint64(lost->pfn));
        ADD(o, "pages", json_object_new_uint64(lost->pages));
        ADD(o, "phys_start", json_object_new_uint64(lost->pfn * page_size()));
        ADD(o, "phys_end", json_object_new_uint64((lost->pfn + lost->pages) * page_size() - 1));
        return o;
}

void daxmfctl_print_memory_failure_lost(const struct daxmf_memory_failure_lost *lost) {
        printf("memory-failure-lost seq=%" PRIu64 " lost=%" PRIu64 " pfn=0x%" PRIx64 " pages=%" PRIu64 "\n",
               lost->seq, lost->lost, lost->pfn, lost->pages);
        fflush(stdout);
}

int daxmfctl_report_error(const char *command, bool json, const struct daxmf_error *e) {
        daxmfctl_log_error(command, e);
        if (json)
                daxmfctl_print_json(daxmfctl_error_json(command, e));
        return EXIT_FAILURE;
}

int daxmfctl_fail(const char *command, bool json, int error, const char *fmt, ...) {
        struct daxmf_error e = { .error = error };
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(e.message, sizeof(e.message), fmt, ap);
        va_end(ap);
        return daxmfctl_report_error(command, json, &e);
}

char *daxmfctl_escape(const char *s) {
        size_t n = 0;
        char *ret, *p;

        for (const char *c = s; *c; c++)
                n += ((unsigned char) *c < 0x20 || *c == 0x7f) ? 4 : *c == '\\' ? 2 : 1;
        ret = malloc(n + 1);
        if (!ret)
                return NULL;
        p = ret;
        for (const char *c = s; *c; c++) {
                if ((unsigned char) *c < 0x20 || *c == 0x7f)
                        p += sprintf(p, "\\x%02x", (unsigned char) *c);
                else if (*c == '\\') {
                        *p++ = '\\';
                        *p++ = '\\';
                } else
                        *p++ = *c;
        }
        *p = '\0';
        return ret;
}
