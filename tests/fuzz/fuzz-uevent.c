/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A udev event's properties in the kernel's uevent shape, KEY=VALUE pairs
 * each ending in NUL, reduced to what libsystemd hands daxmfd (SUBSYSTEM,
 * the sysname from DEVPATH, ACTION) and decided on by uevent.c, the code
 * manager.c's on_device_event() runs.  The decision is checked against
 * what it must mean.
 */
#include <errno.h>
#include <stdbool.h>

#include "fuzz.h"
#include "macro.h"
#include "uevent.h"

/* sd_device's sysname: DEVPATH's last component, '!' standing for '/' (block/cciss!c0d0). */
static char *sysname_of(const char *devpath) {
        const char *slash = strrchr(devpath, '/');
        char *s;

        if (!slash || !slash[1])
                return NULL;
        s = strdup(slash + 1);
        FUZZ_CHECK(s);
        for (char *p = s; *p; p++)
                if (*p == '!')
                        *p = '/';
        return s;
}

static bool known_action(const char *action) {
        for (unsigned a = 0; daxmf_uevent_action_name(a); a++)
                if (strcmp(daxmf_uevent_action_name(a), action) == 0)
                        return true;
        return false;
}

static void check(const char *subsystem, const char *sysname, const char *action, bool module_events,
                  const struct daxmf_uevent_decision *d) {
        bool pmem_disk = strcmp(subsystem, "block") == 0 && strncmp(sysname, "pmem", 4) == 0;

        /* Now or after the burst, never both, never neither. */
        FUZZ_CHECK(d->refresh_now != d->settle);
        switch (d->what) {
        case DAXMF_UEVENT_WATCH_DISK:
                FUZZ_CHECK(pmem_disk && d->refresh_now);
                FUZZ_CHECK(strcmp(action, "add") == 0 || strcmp(action, "change") == 0);
                break;
        case DAXMF_UEVENT_DISK_REMOVED:
                FUZZ_CHECK(pmem_disk && strcmp(action, "remove") == 0 && d->settle);
                break;
        case DAXMF_UEVENT_LOG_DAX_REMOVAL:
                FUZZ_CHECK(!module_events && strcmp(subsystem, "dax") == 0 && strcmp(action, "remove") == 0);
                break;
        case DAXMF_UEVENT_NOTHING:
                /* A pmem disk that comes, changes or goes is never let pass. */
                FUZZ_CHECK(!pmem_disk || (strcmp(action, "add") != 0 && strcmp(action, "change") != 0 &&
                                          strcmp(action, "remove") != 0));
                break;
        default:
                FUZZ_CHECK(!"unknown decision");
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *buf = NULL, *sysname = NULL;
        const char *action = NULL, *subsystem = NULL, *devpath = NULL;
        size_t pos = 0;

        if (size > 8192)        /* the kernel's UEVENT_BUFFER_SIZE is 2048; udev's messages are larger */
                return -1;
        buf = fuzz_string(data, size);
        /* KEY=VALUE\0 ...; the last one may lack its NUL (fuzz_string added one). */
        while (pos < size) {
                char *p = buf + pos, *eq = strchr(p, '=');

                pos += strlen(p) + 1;
                if (!eq)
                        continue;
                *eq = '\0';
                /* The first of a repeated key counts. */
                if (strcmp(p, "ACTION") == 0 && !action)
                        action = eq + 1;
                else if (strcmp(p, "SUBSYSTEM") == 0 && !subsystem)
                        subsystem = eq + 1;
                else if (strcmp(p, "DEVPATH") == 0 && !devpath)
                        devpath = eq + 1;
        }
        if (devpath)
                sysname = sysname_of(devpath);

        for (int module_events = 0; module_events <= 1; module_events++) {
                struct daxmf_uevent_decision d;
                int r = daxmf_uevent_decide(subsystem, sysname, action, module_events, &d);

                FUZZ_CHECK(r == 0 || r == -EINVAL);
                if (r == 0)
                        check(subsystem, sysname, action, module_events, &d);
                else
                        FUZZ_CHECK(!subsystem || !sysname || !action || !known_action(action));
        }
        for (unsigned a = 0; a < 16; a++) {
                const char *name = daxmf_uevent_action_name(a);

                FUZZ_CHECK(a < 8 ? name != NULL : name == NULL);
        }
        return 0;
}
