/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>

#include "macro.h"
#include "uevent.h"

/* The kernel's kobject_action names (lib/kobject_uevent.c), in its order: sd_device_action_t's too. */
static const char *const actions[] = {
        "add", "remove", "change", "move", "online", "offline", "bind", "unbind",
};

const char *daxmf_uevent_action_name(unsigned action) {
        return action < ELEMENTSOF(actions) ? actions[action] : NULL;
}

static bool known_action(const char *action) {
        for (size_t i = 0; i < ELEMENTSOF(actions); i++)
                if (strcmp(action, actions[i]) == 0)
                        return true;
        return false;
}

int daxmf_uevent_decide(const char *subsystem, const char *sysname, const char *action, bool module_events,
                        struct daxmf_uevent_decision *ret) {
        struct daxmf_uevent_decision d = {};
        bool pmem_disk, appeared;

        if (!subsystem || !sysname || !action || !known_action(action))
                return -EINVAL;

        pmem_disk = strcmp(subsystem, "block") == 0 && strncmp(sysname, "pmem", 4) == 0;
        appeared = strcmp(action, "add") == 0 || strcmp(action, "change") == 0;
        if (pmem_disk && appeared)
                d.refresh_now = true;
        else
                d.settle = true;

        if (pmem_disk) {
                if (appeared)
                        d.what = DAXMF_UEVENT_WATCH_DISK;
                else if (strcmp(action, "remove") == 0)
                        d.what = DAXMF_UEVENT_DISK_REMOVED;
        } else if (strcmp(subsystem, "dax") == 0 && strcmp(action, "remove") == 0 && !module_events)
                d.what = DAXMF_UEVENT_LOG_DAX_REMOVAL;

        *ret = d;
        return 0;
}
