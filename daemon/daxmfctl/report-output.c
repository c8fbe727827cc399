/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <inttypes.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>

#include "macro.h"
#include "output.h"
#include "report-output.h"

#define ADD(o, key, value) json_object_object_add((o), (key), (value))

static struct json_object *number(uint64_t v) {
        return v == REPORT_UNSET ? NULL : json_object_new_uint64(v);
}

static struct json_object *string(const char *s) {
        return s ? json_object_new_string(s) : NULL;
}

/* Local time, as journalctl shows it: the operator's clock, not UTC. */
static const char *format_time(uint64_t usec, char buf[static 32]) {
        time_t t = (time_t) (usec / 1000000);
        struct tm tm;

        if (!localtime_r(&t, &tm) || strftime(buf, 32, "%Y-%m-%d %H:%M:%S", &tm) == 0)
                snprintf(buf, 32, "@%" PRIu64, usec / 1000000);
        return buf;
}

static void add_writer(struct json_object *o, const char *boot_id, uint64_t pid, uint64_t usec) {
        char t[32];

        ADD(o, "boot_id", json_object_new_string(boot_id));
        ADD(o, "pid", json_object_new_uint64(pid));
        ADD(o, "realtime_usec", json_object_new_uint64(usec));
        ADD(o, "time", json_object_new_string(format_time(usec, t)));
}

static struct json_object *file_json(const struct report_file *f) {
        struct json_object *o = json_object_new_object();

        if (f->path) {
                ADD(o, "path", json_object_new_string(f->path));
                ADD(o, "inode", number(f->inode));
                ADD(o, "file_offset", number(f->file_offset));
        } else
                ADD(o, "metadata", string(f->metadata));
        ADD(o, "length", number(f->length));
        if (f->path)
                ADD(o, "shared", json_object_new_boolean(f->shared));
        ADD(o, "phys_start", number(f->phys_start));
        ADD(o, "phys_end", number(f->phys_end));
        ADD(o, "ns_offset", number(f->ns_offset));
        ADD(o, "source", string(f->source));
        ADD(o, "inventory_usec", number(f->inventory_usec));
        return o;
}

static struct json_object *process_json(const struct report_process *p) {
        struct json_object *o = json_object_new_object();

        ADD(o, "pid", number(p->pid));
        ADD(o, "comm", string(p->comm));
        ADD(o, "unit", string(p->unit));
        ADD(o, "file", string(p->path));
        ADD(o, "addr_start", number(p->addr_start));
        ADD(o, "addr_end", number(p->addr_end));
        ADD(o, "file_offset", number(p->file_offset));
        return o;
}

static struct json_object *event_json(const void *element) {
        const struct report_event *ev = element;
        struct json_object *o = json_object_new_object();
        struct json_object *files = json_object_new_array(), *metadata = json_object_new_array();
        struct json_object *processes = json_object_new_array();

        add_writer(o, ev->boot_id, ev->daemon_pid, ev->realtime_usec);
        ADD(o, "event_id", json_object_new_uint64(ev->id));
        ADD(o, "event", string(ev->event));
        ADD(o, "device", string(ev->device));
        ADD(o, "complete", json_object_new_boolean(ev->complete));
        ADD(o, "summary_realtime_usec", number(ev->summary_usec));
        ADD(o, "phys_start", number(ev->phys_start));
        ADD(o, "phys_end", number(ev->phys_end));
        ADD(o, "sector", number(ev->sector));
        ADD(o, "sectors", number(ev->sectors));
        ADD(o, "pages", number(ev->pages));
        ADD(o, "pages_failed", number(ev->pages_failed));
        ADD(o, "action", string(ev->action));
        ADD(o, "result", string(ev->result));
        ADD(o, "via", string(ev->via));
        ADD(o, "elapsed_usec", number(ev->elapsed_usec));
        ADD(o, "removal_mode", string(ev->removal_mode));
        ADD(o, "handshake", string(ev->handshake));
        ADD(o, "waited_usec", number(ev->waited_usec));
        ADD(o, "page_type", string(ev->page_type));
        ADD(o, "kernel_result", string(ev->kernel_result));
        ADD(o, "origin", string(ev->origin));
        ADD(o, "mf_events", number(ev->mf_events));
        ADD(o, "job_id", number(ev->job_id));
        ADD(o, "first_realtime_usec", number(ev->first_usec));
        ADD(o, "last_realtime_usec", number(ev->last_usec));
        for (size_t i = 0; i < ev->n_files; i++)
                json_object_array_add(ev->files[i].path ? files : metadata, file_json(&ev->files[i]));
        for (size_t i = 0; i < ev->n_processes; i++)
                json_object_array_add(processes, process_json(&ev->processes[i]));
        ADD(o, "files", files);
        ADD(o, "metadata", metadata);
        ADD(o, "processes", processes);
        ADD(o, "files_not_logged", json_object_new_uint64(ev->files_not_logged));
        ADD(o, "processes_not_logged", json_object_new_uint64(ev->processes_not_logged));
        return o;
}

static struct json_object *cleared_json(const void *element) {
        const struct report_cleared *c = element;
        struct json_object *o = json_object_new_object();

        add_writer(o, c->boot_id, c->daemon_pid, c->realtime_usec);
        ADD(o, "device", string(c->device));
        ADD(o, "sector", number(c->sector));
        ADD(o, "sectors", number(c->sectors));
        ADD(o, "phys_start", number(c->phys_start));
        ADD(o, "phys_end", number(c->phys_end));
        return o;
}

static struct json_object *degraded_json(const void *element) {
        const struct report_degraded *d = element;
        struct json_object *o = json_object_new_object();

        add_writer(o, d->boot_id, d->daemon_pid, d->realtime_usec);
        ADD(o, "reason", string(d->reason));
        return o;
}

static struct json_object *mf_lost_json(const void *element) {
        const struct report_mf_lost *l = element;
        struct json_object *o = json_object_new_object();

        add_writer(o, l->boot_id, l->daemon_pid, l->realtime_usec);
        ADD(o, "lost", number(l->lost));
        ADD(o, "reason", string(l->reason));
        ADD(o, "phys_start", number(l->phys_start));
        ADD(o, "phys_end", number(l->phys_end));
        ADD(o, "via", string(l->via));
        return o;
}

/* One member of the document: {"name":[...]}, each element laid out as json-c's pretty print would. */
static void print_json_array(FILE *f, const char *name, const void *elements, size_t n, size_t size,
                             struct json_object *(*make)(const void *element), bool last) {
        fprintf(f, "  \"%s\":[", name);
        for (size_t i = 0; i < n; i++) {
                struct json_object *o = make((const char *) elements + i * size);

                fputs(i ? ",\n    " : "\n    ", f);
                /* JSON strings hold no raw newline: every one is the layout's, so indent after it. */
                for (const char *s = json_object_to_json_string_ext(
                             o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE); *s; s++) {
                        fputc(*s, f);
                        if (*s == '\n')
                                fputs("    ", f);
                }
                json_object_put(o);
        }
        fprintf(f, "%s]%s\n", n ? "\n  " : "", last ? "" : ",");
}

void report_print_json(const struct report *r, FILE *f) {
        fputs("{\n", f);
        print_json_array(f, "events", r->events, r->n_events, sizeof(*r->events), event_json, false);
        print_json_array(f, "cleared", r->cleared, r->n_cleared, sizeof(*r->cleared), cleared_json, false);
        print_json_array(f, "degraded", r->degraded, r->n_degraded, sizeof(*r->degraded), degraded_json, false);
        print_json_array(f, "memory_failures_lost", r->mf_lost, r->n_mf_lost, sizeof(*r->mf_lost), mf_lost_json,
                         true);
        fputs("}\n", f);
        fflush(f);
}

/* A number for people: "?" where the record did not say. */
static const char *dec(uint64_t v, char buf[static 24]) {
        if (v == REPORT_UNSET)
                return "?";
        snprintf(buf, 24, "%" PRIu64, v);
        return buf;
}

static const char *hex(uint64_t v, char buf[static 24]) {
        if (v == REPORT_UNSET)
                return "?";
        snprintf(buf, 24, "0x%" PRIx64, v);
        return buf;
}

static const char *str(const char *s) {
        return s ? s : "?";
}

static void print_file(const struct report_file *f, uint64_t common_inventory_usec, FILE *out) {
        _cleanup_free_ char *path = daxmfctl_escape(f->path);
        char a[24], b[24], t[32];

        fprintf(out, "    file:      %s at offset %s, %s bytes%s", path ? path : "?", hex(f->file_offset, a),
                dec(f->length, b), f->shared ? ", shared (reflink)" : "");
        /* A name from a snapshot may be out of date: say how old (once per event when all agree). */
        if (f->inventory_usec != REPORT_UNSET && f->inventory_usec != common_inventory_usec)
                fprintf(out, ", from the inventory of %s", format_time(f->inventory_usec, t));
        fprintf(out, "\n");
}

/*
 * Metadata comes one record per extent and per bad range (a removal's
 * range is failed in batches): one line per kind, with the extents and
 * bytes summed, says the same in a few lines.
 */
static void print_metadata(const struct report_event *ev, FILE *out) {
        char a[24];

        for (size_t i = 0; i < ev->n_files; i++) {
                const struct report_file *f = &ev->files[i];
                uint64_t bytes = 0, extents = 0;
                bool seen = false;

                if (f->path)
                        continue;
                for (size_t k = 0; k < i && !seen; k++)
                        seen = !ev->files[k].path && strcmp(str(ev->files[k].metadata), str(f->metadata)) == 0;
                if (seen)
                        continue;
                for (size_t k = i; k < ev->n_files; k++)
                        if (!ev->files[k].path && strcmp(str(ev->files[k].metadata), str(f->metadata)) == 0) {
                                extents++;
                                if (ev->files[k].length != REPORT_UNSET)
                                        bytes += ev->files[k].length;
                        }
                fprintf(out, "    metadata:  %s: %" PRIu64 " extent%s, %s bytes\n", str(f->metadata), extents,
                        extents == 1 ? "" : "s", dec(bytes, a));
        }
}

static void print_process(const struct report_process *p, FILE *out) {
        _cleanup_free_ char *comm = daxmfctl_escape(str(p->comm)), *path = daxmfctl_escape(str(p->path));
        char a[24], b[24], c[24];

        fprintf(out, "    process:   %s (%s)%s%s maps %s at %s-%s\n", dec(p->pid, a), comm ? comm : "?",
                p->unit ? " of " : "", p->unit ? p->unit : "", path ? path : "?", hex(p->addr_start, b),
                hex(p->addr_end, c));
}

/* What the kernel did, for its own memory failures: daxmfd only recorded them. */
static void print_kernel(const struct report_event *ev, FILE *out) {
        char t[32], u[32], a[24], b[24];

        fprintf(out, "    kernel:    %s: %s, origin %s", str(ev->page_type), str(ev->kernel_result), str(ev->origin));
        if (ev->job_id != REPORT_UNSET)
                fprintf(out, " (job %s)", dec(ev->job_id, a));
        fprintf(out, ", %s events\n", dec(ev->mf_events, b));
        if (ev->first_usec != REPORT_UNSET && ev->last_usec != REPORT_UNSET)
                fprintf(out, "    failed:    %s to %s\n", format_time(ev->first_usec, t),
                        format_time(ev->last_usec, u));
}

static void print_event(const struct report_event *ev, FILE *out) {
        char t[32], a[24], b[24], c[24], d[24];
        uint64_t inventory_usec;

        /* The kernel's memory failure of System RAM, say: it is on no device. */
        if (!ev->device && ev->event && strcmp(ev->event, "memory-failure") == 0)
                fprintf(out, "%s  %s outside any dax/pmem device (System RAM)\n", format_time(ev->realtime_usec, t),
                        ev->event);
        else
                fprintf(out, "%s  %s on %s\n", format_time(ev->realtime_usec, t), str(ev->event), str(ev->device));
        if (ev->complete) {
                fprintf(out, "    range:     phys %s-%s, %s pages, %s failed\n", hex(ev->phys_start, a),
                        hex(ev->phys_end, b), dec(ev->pages, c), dec(ev->pages_failed, d));
                fprintf(out, "    result:    %s (action %s, via %s, %s us)\n", str(ev->result), str(ev->action),
                        str(ev->via), dec(ev->elapsed_usec, a));
                if (ev->page_type || ev->kernel_result || ev->origin)
                        print_kernel(ev, out);
                if (ev->removal_mode || ev->handshake)
                        fprintf(out, "    removal:   %s, handshake %s, waited %s us\n", str(ev->removal_mode),
                                str(ev->handshake), dec(ev->waited_usec, a));
        } else
                fprintf(out, "    result:    incomplete: no summary record (daxmfd stopped before its pages "
                        "were all dealt with?)\n");
        fprintf(out, "    daxmfd:    pid %" PRIu64 ", boot %s, event %" PRIu64 "\n", ev->daemon_pid, ev->boot_id,
                ev->id);
        inventory_usec = ev->n_files > 0 ? ev->files[0].inventory_usec : REPORT_UNSET;
        for (size_t i = 1; i < ev->n_files; i++)
                if (ev->files[i].inventory_usec != inventory_usec)
                        inventory_usec = REPORT_UNSET;
        if (inventory_usec != REPORT_UNSET)
                fprintf(out, "    names:     from the inventory of %s (a file written since is not named)\n",
                        format_time(inventory_usec, t));
        for (size_t i = 0; i < ev->n_files; i++)
                if (ev->files[i].path)
                        print_file(&ev->files[i], inventory_usec, out);
        print_metadata(ev, out);
        if (ev->files_not_logged)
                fprintf(out, "    and %" PRIu64 " more files not logged\n", ev->files_not_logged);
        for (size_t i = 0; i < ev->n_processes; i++)
                print_process(&ev->processes[i], out);
        if (ev->processes_not_logged)
                fprintf(out, "    and %" PRIu64 " more processes not logged\n", ev->processes_not_logged);
}

void report_print(const struct report *r, FILE *out) {
        char t[32], a[24], b[24], c[24], d[24];

        if (r->n_events == 0)
                fprintf(out, "no daxmf events\n");
        for (size_t i = 0; i < r->n_events; i++) {
                if (i > 0)
                        fprintf(out, "\n");
                print_event(&r->events[i], out);
        }
        if (r->n_cleared > 0)
                fprintf(out, "\npoison cleared:\n");
        for (size_t i = 0; i < r->n_cleared; i++) {
                const struct report_cleared *cl = &r->cleared[i];

                fprintf(out, "    %s  %s sectors %s+%s (phys %s-%s)\n", format_time(cl->realtime_usec, t),
                        str(cl->device), dec(cl->sector, a), dec(cl->sectors, b), hex(cl->phys_start, c),
                        hex(cl->phys_end, d));
        }
        if (r->n_degraded > 0)
                fprintf(out, "\ndaxmfd degraded:\n");
        for (size_t i = 0; i < r->n_degraded; i++)
                fprintf(out, "    %s  %s\n", format_time(r->degraded[i].realtime_usec, t),
                        str(r->degraded[i].reason));
        if (r->n_mf_lost > 0)
                fprintf(out, "\nthe kernel's memory-failure events not logged:\n");
        for (size_t i = 0; i < r->n_mf_lost; i++) {
                const struct report_mf_lost *l = &r->mf_lost[i];

                /* A message missed holds one event or more; 0 is an overrun nothing came after to count. */
                if (l->lost == 0)
                        fprintf(out, "    %s  an unknown number of events, perhaps none (%s, via %s)",
                                format_time(l->realtime_usec, t), str(l->reason), str(l->via));
                else
                        fprintf(out, "    %s  %s%s event(s) (%s, via %s)", format_time(l->realtime_usec, t),
                                l->reason && strcmp(l->reason, "receive-buffer") == 0 ? "at least " : "",
                                dec(l->lost, a), str(l->reason), str(l->via));
                if (l->phys_start != REPORT_UNSET && l->phys_end != REPORT_UNSET)
                        fprintf(out, ", pages within phys %s-%s\n", hex(l->phys_start, b), hex(l->phys_end, c));
                else
                        fprintf(out, ", pages not known\n");
        }
}
