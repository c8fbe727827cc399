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
