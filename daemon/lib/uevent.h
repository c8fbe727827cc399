/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>

/*
 * What daxmfd makes of a udev event, from the properties libsystemd parsed
 * out of it: its SUBSYSTEM, its sysname (DEVPATH's last component) and its
 * ACTION.  Pure: the manager carries it out.
 */
enum daxmf_uevent_do {
        DAXMF_UEVENT_NOTHING,
        DAXMF_UEVENT_WATCH_DISK,        /* a pmem disk appeared or changed: watch its badblocks */
        DAXMF_UEVENT_DISK_REMOVED,      /* a pmem disk went: stop watching it */
        DAXMF_UEVENT_LOG_DAX_REMOVAL,   /* a dax device went and the module does not tell us: log it */
};

struct daxmf_uevent_decision {
        /*
         * A disk that appears needs its range now; everything else waits for
         * the burst to end (settle): while a region goes, the next
         * namespace's unbind holds the region's lock and waits for us, and a
         * scan then would block on it.
         */
        bool refresh_now;
        bool settle;
        enum daxmf_uevent_do what;
};

/*
 * The kernel's uevent actions (enum kobject_action, which sd_device_action_t
 * follows) by number: "add", "remove", ...; NULL past the last.
 */
const char *daxmf_uevent_action_name(unsigned action);

/*
 * module_events: the module reports removals itself (then a dax removal
 * needs no record of ours).  -EINVAL when a property is missing (NULL) or
 * the action is none the kernel sends: such an event is ignored.
 */
int daxmf_uevent_decide(const char *subsystem, const char *sysname, const char *action, bool module_events,
                        struct daxmf_uevent_decision *ret);
