/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "mountinfo.h"

/* Decode \ooo escapes in place (the kernel escapes space, tab, newline and backslash). */
static void unescape(char *s) {
        char *w = s;

        for (char *r = s; *r; ) {
                if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' &&
                    r[3] <= '7') {
                        char c = (char) (((r[1] - '0') << 6) | ((r[2] - '0') << 3) | (r[3] - '0'));

                        if (c != '\0') {
                                *w++ = c;
                                r += 4;
                                continue;
                        }
                }
                *w++ = *r++;
        }
        *w = '\0';
}

/* Next space-separated field, or NULL. */
static char *field(char **p) {
        char *s = *p, *e;

        if (!s || !*s)
                return NULL;
        e = strchr(s, ' ');
        if (e) {
                *e = '\0';
                *p = e + 1;
        } else
                *p = s + strlen(s);
        return s;
}

int mountinfo_parse_line(char *line, struct mountinfo_entry *ret) {
        char *p = line, *f[6], *devno, *sep, *end, *fstype, *source, *super;
        struct mountinfo_entry e = {};
        unsigned long major, minor;
        size_t len = strlen(line);

        if (len > 0 && line[len - 1] == '\n')
                line[len - 1] = '\0';
        /* id parent major:minor root mountpoint options [optional...] - fstype source super */
        for (size_t i = 0; i < 6; i++) {
                f[i] = field(&p);
                if (!f[i])
                        return -EBADMSG;
        }
        devno = f[2];
        sep = strchr(devno, ':');
        if (!sep)
                return -EBADMSG;
        *sep = '\0';
        errno = 0;
        major = strtoul(devno, &end, 10);
        if (errno || end == devno || *end || major > UINT32_MAX)
                return -EBADMSG;
        minor = strtoul(sep + 1, &end, 10);
        if (errno || end == sep + 1 || *end || minor > UINT32_MAX)
                return -EBADMSG;

        /* Optional fields up to the lone "-". */
        for (;;) {
                char *o = field(&p);

                if (!o)
                        return -EBADMSG;
                if (strcmp(o, "-") == 0)
                        break;
        }
        fstype = field(&p);
        source = field(&p);
        super = field(&p);
        if (!fstype || !source || !super)
                return -EBADMSG;

        unescape(f[3]);
        unescape(f[4]);
        unescape(source);
        e.major = (unsigned) major;
        e.minor = (unsigned) minor;
        e.root = f[3];
        e.mountpoint = f[4];
        e.fstype = fstype;
        e.source = source;
        e.super_options = super;
        *ret = e;
        return 0;
}

static void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

int mountinfo_find(const char *path, unsigned major, unsigned minor, char *mountpoint, size_t mountpoint_size,
                   char *fstype, size_t fstype_size) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_free_ char *line = NULL;
        size_t allocated = 0;
        bool found = false;

        f = fopen(path, "re");
        if (!f)
                return -errno;
        while (getline(&line, &allocated, f) >= 0) {
                struct mountinfo_entry e;

                if (mountinfo_parse_line(line, &e) < 0 || e.major != major || e.minor != minor)
                        continue;
                /* A bind mount of a subdirectory names only part of the filesystem. */
                if (found && strcmp(e.root, "/") != 0)
                        continue;
                /*
                 * One that does not fit is skipped whole: written in part, it
                 * would leave an earlier match's answer half overwritten.
                 */
                if (strlen(e.mountpoint) >= mountpoint_size || strlen(e.fstype) >= fstype_size)
                        continue;
                memcpy(mountpoint, e.mountpoint, strlen(e.mountpoint) + 1);
                memcpy(fstype, e.fstype, strlen(e.fstype) + 1);
                found = true;
                if (strcmp(e.root, "/") == 0)
                        return 0;
        }
        return found ? 0 : -ENOENT;
}
