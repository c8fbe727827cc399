/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <systemd/sd-device.h>
#include <systemd/sd-event.h>

#include "affected.h"
#include "conf.h"
#include "daxmf-kernel.h"
#include "engine.h"
#include "memory-failure.h"
#include "rangeset.h"
#include "removal.h"
#include "topology.h"
#include "inventories.h"
#include "resolver.h"

/* A pmem block device whose badblocks are watched. */
struct pmem_disk {
        char *name;                     /* pmem0 */
        uint64_t data_phys;             /* where sector 0 lives */
        uint64_t size;                  /* bytes */
        int badblocks_fd;
        sd_event_source *badblocks_source;
        struct daxmf_rangeset bad;      /* sectors known bad */
        bool truncated_warned;
};

/* An event until its pages are all dealt with, then logged once. */
struct open_event {
        uint64_t id;
        enum daxmf_event_kind kind;
        char device[64];
        uint64_t sector, sectors;
        uint64_t start_pfn, end_pfn;
        enum daxmf_action action;
        uint64_t started_usec;
        uint64_t pages_failed;
};

/* A request on its way to the module. */
struct request {
        uint32_t seq;
        uint64_t cookie;
};

struct topology_worker;

struct manager {
        sd_event *event;
        char *config_path;
        char *dropin_dir;
        struct daxmf_config config;

        int state_dir_fd;
        /* The state file: why it was last not saved (0: it was), tried again on a timer until it is. */
        struct {
                char *dir;
                int error;
                sd_event_source *retry_timer;
        } state;
        struct daxmf_engine engine;

        struct daxmf_kernel *kernel;            /* NULL: degraded, sysfs per page */
        sd_event_source *kernel_source;
        bool kernel_failed;                     /* drop it once dispatch returns */
        bool kernel_going;                      /* being unloaded: send nothing, collect what is in flight */
        bool kernel_dropping;                   /* taking the last verdicts before the connection goes */
        bool throttled;                         /* the module said EBUSY: wait */
        sd_event_source *backoff_timer;
        sd_event_source *reconnect_timer;       /* looks for the module while without it */
        sd_event_source *pump_source;           /* sends, outside any callback */
        sd_event_source *save_source;           /* writes the state file once per burst of changes */
        bool state_dirty;
        struct daxmf_kernel *module_events;     /* the module's events group */
        sd_event_source *module_events_source;
        sd_event_source *events_check_timer;    /* after an overrun: is the module still there? */
        struct request *requests;
        size_t n_requests;
        sd_event_source *sysfs_source;          /* runs batches without the module */

        struct daxmf_topology topology;         /* libndctl/libdaxctl, refreshed on udev events */
        sd_event_source *topology_timer;        /* reads it once a burst of events is over */
        struct topology_worker *topology_worker; /* a scan running (topology-worker.c) */
        bool topology_again;                    /* something changed during it: scan once more */
        sd_event_source *mountinfo_source;      /* mounts come and go: read the topology again */
        struct resolver resolver;               /* affected.c: one filesystem's names, cached */
        bool have_resolver;
        struct mapping_snapshot mappings;       /* affected.c: processes' dax mappings, one read per burst */
        uint64_t mappings_usec;

        /* inventories.c: snapshots of the mounted DAX filesystems */
        struct inventory_slot *inventories;
        size_t n_inventories;
        int inventory_dir_fd;
        pid_t inventory_child;                  /* the build running, 0 when none */
        sd_event_source *inventory_child_source;
        char inventory_building[64];
        uint64_t inventory_building_start, inventory_building_end;
        sd_event_source *inventory_timer;
        struct inventory_request *inventory_requests;   /* daxmfctl inventory --refresh, waiting */
        struct {
                uint64_t removal_id, event_id;
        } removal_events[16];                   /* a removal's event id, from PENDING to REMOVAL */
        size_t n_removal_events;
        sd_device_monitor *monitor;
        struct pmem_disk **disks;
        size_t n_disks;
        sd_event_source *rescan_timer;

        /* The removal handshake (removal.c): its own batches, never saved. */
        struct daxmf_engine removal_engine;
        struct removal_wait *removal_waits;
        size_t n_removal_waits;
        struct removal_wait removal_answered[REMOVAL_ANSWERED_MAX];
        size_t n_removal_answered;
        uint32_t *ack_seqs;                     /* answers not yet acknowledged */
        size_t n_ack_seqs;
        uint32_t handler_seq;                   /* SET_REMOVAL_HANDLER on its way */
        bool removal_handler;                   /* the module waits for us */

        struct open_event *events;
        size_t n_events;
        uint64_t next_event_id;

        sd_event_source *control_source;        /* control.c */
        char *control_path;
        struct control_client *control_clients;
        unsigned n_control_clients;

        /* memory-failure.c: the kernel's own memory failures */
        struct {
                enum memory_failure_source source;
                char why[192];                  /* why not the module, or why not followed; "" with it */
                bool module_has_mf;             /* the last GET_INFO: the module follows the tracepoint */
                char module_why[96];            /* else why not */
                uint64_t next_seq;              /* the module's MF_SEQ expected next; 0: any */
                bool has_reported;              /* reported below is known (a message with MF_REPORTED came) */
                uint64_t reported;              /* the module's MF_REPORTED accounted for: received or logged lost */
                bool audit_wanted;              /* an overrun: ask GET_INFO once the queue is empty */
                bool audit;                     /* audit_reported waits for the queue to be read empty */
                uint64_t audit_reported;        /* GET_INFO's MF_REPORTED, asked after the overrun */
                bool overrun;                   /* events were lost since the last message */
                struct tracefs_mf *tracefs;
                sd_event_source *tracefs_source;
                sd_event_source *tracefs_timer; /* the next range tracefs holds closes */
                uint32_t own_portids[4];        /* daxmfd's connections to the module, newest last */
                struct memory_failure_own_work own[MEMORY_FAILURE_OWN_WORK_MAX];
                size_t own_next;
                uint64_t ranges;                /* range records logged */
                uint64_t events;                /* events in them */
                uint64_t own_skipped;           /* ranges of daxmfd's own work, not logged again */
                uint64_t lost;                  /* events lost, logged as such */
        } mf;

        /* textfile.c: the Prometheus textfile */
        struct {
                sd_event_source *timer;         /* a write due, coalescing changes */
                char *written;                  /* the text last written, not written again */
                size_t written_size;
                char *path;                     /* where it was written: removed when the path changes */
                uint64_t last_usec;             /* monotonic time of the last write */
                uint64_t start_realtime_usec;
                bool warned;                    /* the last write failed, and said so once */
        } metrics;

        char degraded[256];
        uint64_t page_size;
        char boot_id[33];
};

int manager_new(struct manager **ret, const char *config_path, const char *dropin_dir, const char *state_dir,
                const char *control_path);
struct manager *manager_free(struct manager *m);
int manager_start(struct manager *m);
int manager_run(struct manager *m);

/* For the manager's other files. */
uint64_t now_usec(void);
/* Why daxmfd is degraded, every reason ("" when it is not): for STATUS=, the status and the metrics. */
const char *manager_degraded(const struct manager *m, char *buf, size_t size);
void manager_update_status(struct manager *m);
void manager_schedule_pump(struct manager *m);
/* Pages [start, end) the kernel failed itself: never to be failed again; saved. */
void manager_mark_failed(struct manager *m, uint64_t start_pfn, uint64_t end_pfn);
/* Read every watched disk's badblocks now: how many disks, how many new bad ranges. */
void manager_rescan(struct manager *m, unsigned *ret_scanned, unsigned *ret_appeared);
