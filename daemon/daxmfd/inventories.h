/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "inventory.h"
#include "topology.h"

struct manager;

/*
 * daxmfd's snapshots of the mounted DAX filesystems (lib/inventory.h), one
 * file per device in <state>/inventory/.  Taken in a child process, one at
 * a time, so the event loop never waits on a filesystem walk: on start, on
 * mount and udev changes (after the topology is read again), and every
 * [Inventory] RefreshSec.  The child writes the file atomically; daxmfd
 * loads it when the child has exited.  Snapshots of devices that went away
 * stay: they are what names the files lost.
 */
struct inventory_slot {
        char name[64];                  /* the device it is of: namespace0.0, or pmem0 without a namespace */
        struct inventory inv;
        bool loaded;
        bool from_last_run;             /* loaded at start: files may have changed while daxmfd was down */
        uint64_t attempt_usec;          /* CLOCK_MONOTONIC of the last build started; 0: none */
        int last_error;                 /* the last build's, 0 when it worked */
};

int inventories_start(struct manager *m);
void inventories_stop(struct manager *m);
/* [Inventory] RefreshSec, at start and after a reload. */
void inventories_configure(struct manager *m);
/* The topology was read again: take snapshots of what is new, moved or old. */
void inventories_topology_changed(struct manager *m);
/* A device is about to go: do not read its filesystem any more. */
void inventories_device_going(struct manager *m, uint64_t phys_start, uint64_t phys_end);
/* The loaded snapshot whose device held physical address phys, or NULL. */
const struct inventory_slot *inventories_find_phys(const struct manager *m, uint64_t phys);
/* The loaded snapshot of device d as it is now (same name, same physical range), or NULL. */
const struct inventory_slot *inventories_find_device(const struct manager *m, const struct daxmf_device *d);

/*
 * Taking inventories again on request (daxmfctl inventory --refresh): each
 * device waits for a build that starts after the request, then for its end.
 */
struct inventory_refresh {
        char name[64];                  /* namespace0.0, or pmem0 without a namespace */
        char disk[32];
        char mountpoint[256];
        enum {
                INVENTORY_REFRESH_WAITING,      /* for a build to start */
                INVENTORY_REFRESH_BUILDING,     /* for the build that started to end */
                INVENTORY_REFRESH_DONE,
        } state;
        int error;                      /* done: 0, or why there is no new inventory (negative errno) */
        char message[128];              /* the error's reason */
        uint64_t built_realtime_usec;   /* done without error: the new inventory's time */
};

struct inventory_request;
typedef void (*inventories_refreshed_t)(struct manager *m, const struct inventory_refresh *items, size_t n,
                                        void *userdata);

/*
 * Ask for device's inventory (pmem0, /dev/pmem0, namespace0.0; NULL: every
 * mounted DAX filesystem's) to be taken again now.  callback is called once
 * every build has ended (from the event loop, never from this call); the
 * builds themselves start at the next inventories_topology_changed(),
 * which the caller runs once it is ready for the callback.  -ENODEV for an
 * unknown device, -ENOENT for one without a mounted filesystem, with the
 * reason in error.  *ret is NULL when there is nothing to take (no DAX
 * filesystem mounted): no callback then.
 */
int inventories_refresh(struct manager *m, const char *device, inventories_refreshed_t callback, void *userdata,
                        struct inventory_request **ret, char *error, size_t error_size);
/* The asker went away: no callback (builds already started run on). */
void inventories_refresh_cancel(struct manager *m, struct inventory_request *req);
