/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "../daxmfd/journal.h"  /* the MESSAGE_IDs: one definition for writer and reader */
#include "macro.h"
#include "parse-util.h"
#include "report.h"

static const char *const message_ids[_REPORT_KIND_MAX] = {
        [REPORT_KIND_EVENT] = DAXMF_MESSAGE_RANGE_EVENT,
        [REPORT_KIND_FILE] = DAXMF_MESSAGE_FILE,
        [REPORT_KIND_PROCESS] = DAXMF_MESSAGE_PROCESS,
        [REPORT_KIND_MORE] = DAXMF_MESSAGE_MORE,
        [REPORT_KIND_CLEARED] = DAXMF_MESSAGE_POISON_CLEARED,
        [REPORT_KIND_DEGRADED] = DAXMF_MESSAGE_DEGRADED,
        [REPORT_KIND_MEMORY_FAILURE_LOST] = DAXMF_MESSAGE_MEMORY_FAILURE_LOST,
};

static const char *const field_names[_REPORT_FIELD_MAX] = {
        [REPORT_FIELD_EVENT_ID] = "DAXMF_EVENT_ID",
        [REPORT_FIELD_EVENT] = "DAXMF_EVENT",
        [REPORT_FIELD_DEVICE] = "DAXMF_DEVICE",
        [REPORT_FIELD_PHYS_START] = "DAXMF_PHYS_START",
        [REPORT_FIELD_PHYS_END] = "DAXMF_PHYS_END",
        [REPORT_FIELD_SECTOR] = "DAXMF_SECTOR",
        [REPORT_FIELD_SECTORS] = "DAXMF_SECTORS",
        [REPORT_FIELD_ACTION] = "DAXMF_ACTION",
        [REPORT_FIELD_RESULT] = "DAXMF_RESULT",
        [REPORT_FIELD_PAGES] = "DAXMF_PAGES",
        [REPORT_FIELD_PAGES_FAILED] = "DAXMF_PAGES_FAILED",
        [REPORT_FIELD_ELAPSED_USEC] = "DAXMF_ELAPSED_USEC",
        [REPORT_FIELD_VIA] = "DAXMF_VIA",
        [REPORT_FIELD_REMOVAL_MODE] = "DAXMF_REMOVAL_MODE",
        [REPORT_FIELD_HANDSHAKE] = "DAXMF_HANDSHAKE",
        [REPORT_FIELD_WAITED_USEC] = "DAXMF_WAITED_USEC",
        [REPORT_FIELD_FILE] = "DAXMF_FILE",
        [REPORT_FIELD_INODE] = "DAXMF_INODE",
        [REPORT_FIELD_FILE_OFFSET] = "DAXMF_FILE_OFFSET",
        [REPORT_FIELD_LENGTH] = "DAXMF_LENGTH",
        [REPORT_FIELD_SHARED] = "DAXMF_SHARED",
        [REPORT_FIELD_SOURCE] = "DAXMF_SOURCE",
        [REPORT_FIELD_INVENTORY_USEC] = "DAXMF_INVENTORY_USEC",
        [REPORT_FIELD_METADATA] = "DAXMF_METADATA",
        [REPORT_FIELD_NS_OFFSET] = "DAXMF_NS_OFFSET",
        [REPORT_FIELD_PID] = "DAXMF_PID",
        [REPORT_FIELD_COMM] = "DAXMF_COMM",
        [REPORT_FIELD_UNIT] = "DAXMF_UNIT",
        [REPORT_FIELD_ADDR_START] = "DAXMF_ADDR_START",
        [REPORT_FIELD_ADDR_END] = "DAXMF_ADDR_END",
        [REPORT_FIELD_MORE_KIND] = "DAXMF_MORE_KIND",
        [REPORT_FIELD_MORE] = "DAXMF_MORE",
        [REPORT_FIELD_DEGRADED] = "DAXMF_DEGRADED",
        [REPORT_FIELD_PAGE_TYPE] = "DAXMF_PAGE_TYPE",
        [REPORT_FIELD_KERNEL_RESULT] = "DAXMF_KERNEL_RESULT",
        [REPORT_FIELD_ORIGIN] = "DAXMF_ORIGIN",
        [REPORT_FIELD_MF_EVENTS] = "DAXMF_MF_EVENTS",
        [REPORT_FIELD_JOB_ID] = "DAXMF_JOB_ID",
        [REPORT_FIELD_FIRST_USEC] = "DAXMF_FIRST_USEC",
        [REPORT_FIELD_LAST_USEC] = "DAXMF_LAST_USEC",
        [REPORT_FIELD_LOST] = "DAXMF_LOST",
        [REPORT_FIELD_LOST_REASON] = "DAXMF_LOST_REASON",
};

enum report_kind report_kind_from_message_id(const char *id) {
        for (size_t k = 0; k < _REPORT_KIND_MAX; k++)
                if (id && strcmp(id, message_ids[k]) == 0)
                        return (enum report_kind) k;
        return _REPORT_KIND_INVALID;
}

const char *report_kind_message_id(enum report_kind k) {
        return k >= 0 && k < _REPORT_KIND_MAX ? message_ids[k] : NULL;
}

const char *report_field_name(enum report_field f) {
        return f >= 0 && f < _REPORT_FIELD_MAX ? field_names[f] : NULL;
}

enum report_field report_field_from_name(const char *name, size_t len) {
        for (size_t f = 0; f < _REPORT_FIELD_MAX; f++)
                if (strlen(field_names[f]) == len && memcmp(name, field_names[f], len) == 0)
                        return (enum report_field) f;
        return _REPORT_FIELD_INVALID;
}

void report_entry_clear(struct report_entry *e) {
        for (size_t f = 0; f < _REPORT_FIELD_MAX; f++)
                free(e->values[f]);
        *e = (struct report_entry) {};
}

/* "NAME=value" (not NUL-terminated) against a field name. */
static bool is_field(const char *data, size_t name_len, const char *name) {
        return strlen(name) == name_len && memcmp(data, name, name_len) == 0;
}

int report_entry_add_data(struct report_entry *e, const void *data, size_t len) {
        const char *s = data, *eq = memchr(s, '=', len);
        const char *value;
        size_t name_len, value_len;
        enum report_field f;
        char buf[40];

        if (!eq)
                return 0;
        name_len = (size_t) (eq - s);
        value = eq + 1;
        value_len = len - name_len - 1;

        if (is_field(s, name_len, "MESSAGE_ID") || is_field(s, name_len, "_PID")) {
                if (value_len >= sizeof(buf))
                        return 0;
                memcpy(buf, value, value_len);
                buf[value_len] = '\0';
                if (s[0] == 'M')
                        e->rec.kind = report_kind_from_message_id(buf);
                else if (parse_u64(buf, &e->rec.pid) < 0)
                        e->rec.pid = 0;
                return 0;
        }
        f = report_field_from_name(s, name_len);
        if (f < 0 || e->values[f])
                return 0;       /* not ours, or a repeated field: the first counts */
        /*
         * Journal data is a byte run, not a C string: there is no NUL after
         * it, so it is copied by length (strndup() may read past the end
         * looking for one).
         */
        e->values[f] = malloc(value_len + 1);
        if (!e->values[f])
                return -ENOMEM;
        memcpy(e->values[f], value, value_len);
        e->values[f][value_len] = '\0';
        return 0;
}

void report_entry_finish(struct report_entry *e) {
        for (size_t i = 0; i < _REPORT_FIELD_MAX; i++)
                e->rec.fields[i] = e->values[i];
}

/* A field as a number; daxmfd writes addresses as 0x hex, counts in decimal. */
static uint64_t number(const char *s) {
        uint64_t v;

        return s && parse_u64(s, &v) >= 0 ? v : REPORT_UNSET;
}

/* A copy of a text field; daxmfd writes "" for "none", which is no text. */
static int text(const char *s, char **ret) {
        char *c;

        if (!s || !s[0]) {
                *ret = NULL;
                return 0;
        }
        c = strdup(s);
        if (!c)
                return -ENOMEM;
        *ret = c;
        return 0;
}

/* Make room for one more element of size bytes. */
static int grow(void **array, size_t *allocated, size_t n, size_t size) {
        size_t want;
        void *p;

        if (n < *allocated)
                return 0;
        want = *allocated ? *allocated * 2 : 16;
        if (want > SIZE_MAX / size)
                return -ENOMEM;
        p = realloc(*array, want * size);
        if (!p)
                return -ENOMEM;
        *array = p;
        *allocated = want;
        return 0;
}

static void file_done(struct report_file *f) {
        free(f->path);
        free(f->metadata);
        free(f->source);
}

static void process_done(struct report_process *p) {
        free(p->comm);
        free(p->unit);
        free(p->path);
}

static void event_done(struct report_event *ev) {
        for (size_t i = 0; i < ev->n_files; i++)
                file_done(&ev->files[i]);
        free(ev->files);
        for (size_t i = 0; i < ev->n_processes; i++)
                process_done(&ev->processes[i]);
        free(ev->processes);
        free(ev->event);
        free(ev->device);
        free(ev->action);
        free(ev->result);
        free(ev->via);
        free(ev->removal_mode);
        free(ev->handshake);
        free(ev->page_type);
        free(ev->kernel_result);
        free(ev->origin);
}

void report_init(struct report *r, const struct report_filter *filter) {
        *r = (struct report) { .filter = *filter };
        /* DAXMF_DEVICE is the kernel name: accept the node too. */
        if (r->filter.device && strncmp(r->filter.device, "/dev/", 5) == 0)
                r->filter.device += 5;
}

void report_done(struct report *r) {
        for (size_t i = 0; i < r->n_events; i++)
                event_done(&r->events[i]);
        free(r->events);
        free(r->index);
        for (size_t i = 0; i < r->n_cleared; i++)
                free(r->cleared[i].device);
        free(r->cleared);
        for (size_t i = 0; i < r->n_degraded; i++)
                free(r->degraded[i].reason);
        free(r->degraded);
        for (size_t i = 0; i < r->n_mf_lost; i++) {
                free(r->mf_lost[i].reason);
                free(r->mf_lost[i].via);
        }
        free(r->mf_lost);
        *r = (struct report) {};
}

static bool in_window(const struct report *r, uint64_t usec) {
        return (!r->filter.since_usec || usec >= r->filter.since_usec) &&
               (!r->filter.until_usec || usec <= r->filter.until_usec);
}

bool report_wants(const struct report *r, uint64_t usec) {
        if (!r->filter.until_usec || usec <= r->filter.until_usec)
                return true;
        if (usec - r->filter.until_usec > REPORT_SLACK_USEC)
                return false;
        return r->open > 0;
}

/* FNV-1a over the key. */
static size_t key_hash(const char *boot_id, uint64_t pid, uint64_t id) {
        uint64_t h = UINT64_C(0xcbf29ce484222325);

        for (const char *c = boot_id; *c; c++)
                h = (h ^ (unsigned char) *c) * UINT64_C(0x100000001b3);
        for (unsigned i = 0; i < 8; i++)
                h = (h ^ ((pid >> (8 * i)) & 0xff)) * UINT64_C(0x100000001b3);
        for (unsigned i = 0; i < 8; i++)
                h = (h ^ ((id >> (8 * i)) & 0xff)) * UINT64_C(0x100000001b3);
        return (size_t) h;
}

static bool key_equal(const struct report_event *ev, const char *boot_id, uint64_t pid, uint64_t id) {
        return ev->id == id && ev->daemon_pid == pid && strcmp(ev->boot_id, boot_id) == 0;
}

/* The slot of the key: its event's, or the empty one where it would go. */
static size_t *index_slot(const struct report *r, const char *boot_id, uint64_t pid, uint64_t id) {
        size_t mask = r->index_size - 1;

        for (size_t i = key_hash(boot_id, pid, id) & mask;; i = (i + 1) & mask) {
                size_t *slot = &r->index[i];

                if (!*slot || key_equal(&r->events[*slot - 1], boot_id, pid, id))
                        return slot;
        }
}

/* Kept at most half full, so that probes stay short and always end. */
static int index_grow(struct report *r) {
        size_t size, *index;

        if ((r->n_events + 1) * 2 <= r->index_size)
                return 0;
        size = r->index_size ? r->index_size * 2 : 256;
        if (size > SIZE_MAX / sizeof(size_t))
                return -ENOMEM;
        index = calloc(size, sizeof(size_t));
        if (!index)
                return -ENOMEM;
        free(r->index);
        r->index = index;
        r->index_size = size;
        for (size_t i = 0; i < r->n_events; i++) {
                const struct report_event *ev = &r->events[i];

                *index_slot(r, ev->boot_id, ev->daemon_pid, ev->id) = i + 1;
        }
        return 0;
}

static struct report_event *event_find(const struct report *r, const char *boot_id, uint64_t pid, uint64_t id) {
        size_t *slot;

        if (!r->index_size)
                return NULL;
        slot = index_slot(r, boot_id, pid, id);
        return *slot ? &r->events[*slot - 1] : NULL;
}

static int event_new(struct report *r, const struct report_record *rec, uint64_t id, struct report_event **ret) {
        struct report_event *ev;
        int k;

        k = index_grow(r);
        if (k < 0)
                return k;
        k = grow((void **) &r->events, &r->allocated_events, r->n_events, sizeof(*r->events));
        if (k < 0)
                return k;
        ev = &r->events[r->n_events];
        *ev = (struct report_event) {
                .daemon_pid = rec->pid,
                .id = id,
                .realtime_usec = rec->realtime_usec,
                .summary_usec = REPORT_UNSET,
                .order = r->n_events,
                .phys_start = REPORT_UNSET, .phys_end = REPORT_UNSET,
                .sector = REPORT_UNSET, .sectors = REPORT_UNSET,
                .pages = REPORT_UNSET, .pages_failed = REPORT_UNSET,
                .elapsed_usec = REPORT_UNSET, .waited_usec = REPORT_UNSET,
                .mf_events = REPORT_UNSET, .job_id = REPORT_UNSET,
                .first_usec = REPORT_UNSET, .last_usec = REPORT_UNSET,
        };
        memcpy(ev->boot_id, rec->boot_id, sizeof(ev->boot_id));
        ev->boot_id[sizeof(ev->boot_id) - 1] = '\0';
        *index_slot(r, ev->boot_id, ev->daemon_pid, id) = ++r->n_events;
        *ret = ev;
        return 0;
}

static int event_summary(struct report *r, struct report_event *ev, const struct report_record *rec) {
        const char *const *f = rec->fields;
        int k;

        if (ev->complete)
                return 0;       /* daxmfd writes one; a second is not the event's */
        ev->phys_start = number(f[REPORT_FIELD_PHYS_START]);
        ev->phys_end = number(f[REPORT_FIELD_PHYS_END]);
        ev->sector = number(f[REPORT_FIELD_SECTOR]);
        ev->sectors = number(f[REPORT_FIELD_SECTORS]);
        ev->pages = number(f[REPORT_FIELD_PAGES]);
        ev->pages_failed = number(f[REPORT_FIELD_PAGES_FAILED]);
        ev->elapsed_usec = number(f[REPORT_FIELD_ELAPSED_USEC]);
        ev->waited_usec = number(f[REPORT_FIELD_WAITED_USEC]);
        ev->mf_events = number(f[REPORT_FIELD_MF_EVENTS]);
        ev->job_id = number(f[REPORT_FIELD_JOB_ID]);
        ev->first_usec = number(f[REPORT_FIELD_FIRST_USEC]);
        ev->last_usec = number(f[REPORT_FIELD_LAST_USEC]);
        if ((k = text(f[REPORT_FIELD_ACTION], &ev->action)) < 0 ||
            (k = text(f[REPORT_FIELD_RESULT], &ev->result)) < 0 ||
            (k = text(f[REPORT_FIELD_VIA], &ev->via)) < 0 ||
            (k = text(f[REPORT_FIELD_REMOVAL_MODE], &ev->removal_mode)) < 0 ||
            (k = text(f[REPORT_FIELD_HANDSHAKE], &ev->handshake)) < 0 ||
            (k = text(f[REPORT_FIELD_PAGE_TYPE], &ev->page_type)) < 0 ||
            (k = text(f[REPORT_FIELD_KERNEL_RESULT], &ev->kernel_result)) < 0 ||
            (k = text(f[REPORT_FIELD_ORIGIN], &ev->origin)) < 0)
                return k;
        ev->complete = true;
        ev->summary_usec = rec->realtime_usec;
        r->open--;
        return 0;
}

static int event_file(struct report_event *ev, const struct report_record *rec) {
        const char *const *f = rec->fields;
        struct report_file *file;
        int k;

        if (!f[REPORT_FIELD_FILE] && !f[REPORT_FIELD_METADATA])
                return 0;
        k = grow((void **) &ev->files, &ev->allocated_files, ev->n_files, sizeof(*ev->files));
        if (k < 0)
                return k;
        file = &ev->files[ev->n_files];
        *file = (struct report_file) {
                .inode = number(f[REPORT_FIELD_INODE]),
                .file_offset = number(f[REPORT_FIELD_FILE_OFFSET]),
                .length = number(f[REPORT_FIELD_LENGTH]),
                .phys_start = number(f[REPORT_FIELD_PHYS_START]),
                .phys_end = number(f[REPORT_FIELD_PHYS_END]),
                .ns_offset = number(f[REPORT_FIELD_NS_OFFSET]),
                .shared = number(f[REPORT_FIELD_SHARED]) == 1,
                .inventory_usec = number(f[REPORT_FIELD_INVENTORY_USEC]),
        };
        if ((k = text(f[REPORT_FIELD_FILE], &file->path)) < 0 ||
            (k = text(f[REPORT_FIELD_METADATA], &file->metadata)) < 0 ||
            (k = text(f[REPORT_FIELD_SOURCE], &file->source)) < 0) {
                file_done(file);
                return k;
        }
        ev->n_files++;
        return 0;
}

static int event_process(struct report_event *ev, const struct report_record *rec) {
        const char *const *f = rec->fields;
        struct report_process *p;
        int k;

        k = grow((void **) &ev->processes, &ev->allocated_processes, ev->n_processes, sizeof(*ev->processes));
        if (k < 0)
                return k;
        p = &ev->processes[ev->n_processes];
        *p = (struct report_process) {
                .pid = number(f[REPORT_FIELD_PID]),
                .addr_start = number(f[REPORT_FIELD_ADDR_START]),
                .addr_end = number(f[REPORT_FIELD_ADDR_END]),
                .file_offset = number(f[REPORT_FIELD_FILE_OFFSET]),
        };
        if ((k = text(f[REPORT_FIELD_COMM], &p->comm)) < 0 ||
            (k = text(f[REPORT_FIELD_UNIT], &p->unit)) < 0 ||
            (k = text(f[REPORT_FIELD_FILE], &p->path)) < 0) {
                process_done(p);
                return k;
        }
        ev->n_processes++;
        return 0;
}

static void event_more(struct report_event *ev, const struct report_record *rec) {
        const char *kind = rec->fields[REPORT_FIELD_MORE_KIND];
        uint64_t n = number(rec->fields[REPORT_FIELD_MORE]);

        if (!kind || n == REPORT_UNSET)
                return;
        if (strcmp(kind, DAXMF_MORE_FILES) == 0)
                ev->files_not_logged += n;
        else if (strcmp(kind, DAXMF_MORE_PROCESSES) == 0 || strcmp(kind, DAXMF_MORE_PROCESSES_OLD) == 0)
                ev->processes_not_logged += n;
}

static int add_to_event(struct report *r, const struct report_record *rec) {
        struct report_event *ev;
        uint64_t id = number(rec->fields[REPORT_FIELD_EVENT_ID]);
        int k;

        if (id == REPORT_UNSET)
                return 0;       /* not of an event: nothing to group it with */

        ev = event_find(r, rec->boot_id, rec->pid, id);
        if (!ev) {
                if (r->filter.until_usec && rec->realtime_usec > r->filter.until_usec)
                        return 0;       /* began after the window */
                k = event_new(r, rec, id, &ev);
                if (k < 0)
                        return k;
                /* Kept only to swallow the rest of an event that began before the window. */
                ev->outside = r->filter.since_usec && rec->realtime_usec < r->filter.since_usec;
                if (!ev->outside)
                        r->open++;
        }
        if (ev->outside)
                return 0;
        if (rec->realtime_usec < ev->realtime_usec)
                ev->realtime_usec = rec->realtime_usec;
        if (!ev->event && (k = text(rec->fields[REPORT_FIELD_EVENT], &ev->event)) < 0)
                return k;
        if (!ev->device && (k = text(rec->fields[REPORT_FIELD_DEVICE], &ev->device)) < 0)
                return k;

        switch (rec->kind) {
        case REPORT_KIND_EVENT:
                return event_summary(r, ev, rec);
        case REPORT_KIND_FILE:
                return event_file(ev, rec);
        case REPORT_KIND_PROCESS:
                return event_process(ev, rec);
        case REPORT_KIND_MORE:
                event_more(ev, rec);
                return 0;
        default:
                return 0;
        }
}

static int add_cleared(struct report *r, const struct report_record *rec) {
        const char *const *f = rec->fields;
        struct report_cleared *c;
        int k;

        if (!in_window(r, rec->realtime_usec))
                return 0;
        k = grow((void **) &r->cleared, &r->allocated_cleared, r->n_cleared, sizeof(*r->cleared));
        if (k < 0)
                return k;
        c = &r->cleared[r->n_cleared];
        *c = (struct report_cleared) {
                .daemon_pid = rec->pid,
                .realtime_usec = rec->realtime_usec,
                .order = r->n_cleared,
                .sector = number(f[REPORT_FIELD_SECTOR]),
                .sectors = number(f[REPORT_FIELD_SECTORS]),
                .phys_start = number(f[REPORT_FIELD_PHYS_START]),
                .phys_end = number(f[REPORT_FIELD_PHYS_END]),
        };
        memcpy(c->boot_id, rec->boot_id, sizeof(c->boot_id));
        c->boot_id[sizeof(c->boot_id) - 1] = '\0';
        k = text(f[REPORT_FIELD_DEVICE], &c->device);
        if (k < 0)
                return k;
        r->n_cleared++;
        return 0;
}

static int add_degraded(struct report *r, const struct report_record *rec) {
        struct report_degraded *d;
        int k;

        if (!in_window(r, rec->realtime_usec))
                return 0;
        k = grow((void **) &r->degraded, &r->allocated_degraded, r->n_degraded, sizeof(*r->degraded));
        if (k < 0)
                return k;
        d = &r->degraded[r->n_degraded];
        *d = (struct report_degraded) {
                .daemon_pid = rec->pid,
                .realtime_usec = rec->realtime_usec,
                .order = r->n_degraded,
        };
        memcpy(d->boot_id, rec->boot_id, sizeof(d->boot_id));
        d->boot_id[sizeof(d->boot_id) - 1] = '\0';
        k = text(rec->fields[REPORT_FIELD_DEGRADED], &d->reason);
        if (k < 0)
                return k;
        r->n_degraded++;
        return 0;
}

static int add_mf_lost(struct report *r, const struct report_record *rec) {
        const char *const *f = rec->fields;
        struct report_mf_lost *l;
        int k;

        if (!in_window(r, rec->realtime_usec))
                return 0;
        k = grow((void **) &r->mf_lost, &r->allocated_mf_lost, r->n_mf_lost, sizeof(*r->mf_lost));
        if (k < 0)
                return k;
        l = &r->mf_lost[r->n_mf_lost];
        *l = (struct report_mf_lost) {
                .daemon_pid = rec->pid,
                .realtime_usec = rec->realtime_usec,
                .order = r->n_mf_lost,
                .lost = number(f[REPORT_FIELD_LOST]),
                .phys_start = number(f[REPORT_FIELD_PHYS_START]),
                .phys_end = number(f[REPORT_FIELD_PHYS_END]),
        };
        memcpy(l->boot_id, rec->boot_id, sizeof(l->boot_id));
        l->boot_id[sizeof(l->boot_id) - 1] = '\0';
        if ((k = text(f[REPORT_FIELD_LOST_REASON], &l->reason)) < 0 || (k = text(f[REPORT_FIELD_VIA], &l->via)) < 0) {
                free(l->reason);
                return k;
        }
        r->n_mf_lost++;
        return 0;
}

int report_add(struct report *r, const struct report_record *rec) {
        const char *device = rec->fields[REPORT_FIELD_DEVICE];

        /* Degraded is about daxmfd, not a device: --device does not apply. */
        if (rec->kind == REPORT_KIND_DEGRADED)
                return add_degraded(r, rec);
        /* Nor does it to lost memory failures: which devices they hit nobody knows. */
        if (rec->kind == REPORT_KIND_MEMORY_FAILURE_LOST)
                return add_mf_lost(r, rec);
        /* Every other record carries its device: one of another is no part of the report at all. */
        if (r->filter.device && (!device || strcmp(device, r->filter.device) != 0))
                return 0;
        if (rec->kind == REPORT_KIND_CLEARED)
                return add_cleared(r, rec);
        return add_to_event(r, rec);
}

static bool event_names_file(const struct report_event *ev, const char *path) {
        for (size_t i = 0; i < ev->n_files; i++)
                if (ev->files[i].path && strcmp(ev->files[i].path, path) == 0)
                        return true;
        return false;
}

/* By time, equal times as read (qsort alone is not stable). */
static int compare(uint64_t x_usec, size_t x_order, uint64_t y_usec, size_t y_order) {
        if (x_usec != y_usec)
                return x_usec < y_usec ? -1 : 1;
        return x_order < y_order ? -1 : x_order > y_order;
}

static int event_compare(const void *a, const void *b) {
        const struct report_event *x = a, *y = b;

        return compare(x->realtime_usec, x->order, y->realtime_usec, y->order);
}

static int cleared_compare(const void *a, const void *b) {
        const struct report_cleared *x = a, *y = b;

        return compare(x->realtime_usec, x->order, y->realtime_usec, y->order);
}

static int degraded_compare(const void *a, const void *b) {
        const struct report_degraded *x = a, *y = b;

        return compare(x->realtime_usec, x->order, y->realtime_usec, y->order);
}

static int mf_lost_compare(const void *a, const void *b) {
        const struct report_mf_lost *x = a, *y = b;

        return compare(x->realtime_usec, x->order, y->realtime_usec, y->order);
}

/* qsort() wants an array even for none, and an empty list has none allocated. */
static void sort(void *base, size_t n, size_t size, int (*cmp)(const void *, const void *)) {
        if (n > 1)
                qsort(base, n, size, cmp);
}

void report_finish(struct report *r) {
        size_t kept = 0;

        for (size_t i = 0; i < r->n_events; i++) {
                struct report_event *ev = &r->events[i];

                if (ev->outside || (r->filter.file && !event_names_file(ev, r->filter.file)))
                        event_done(ev);
                else
                        r->events[kept++] = *ev;
        }
        r->n_events = kept;
        /* Positions change now: no more records. */
        free(r->index);
        r->index = NULL;
        r->index_size = 0;

        sort(r->events, r->n_events, sizeof(*r->events), event_compare);
        sort(r->cleared, r->n_cleared, sizeof(*r->cleared), cleared_compare);
        sort(r->degraded, r->n_degraded, sizeof(*r->degraded), degraded_compare);
        sort(r->mf_lost, r->n_mf_lost, sizeof(*r->mf_lost), mf_lost_compare);
}
