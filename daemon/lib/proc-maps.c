/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "proc-maps.h"

static int hex(const char **p, char stop, uint64_t *ret) {
        const char *s = *p;
        char *end;

        if (*s == '\0' || *s == '-' || *s == '+' || *s == ' ')
                return -EBADMSG;
        errno = 0;
        *ret = strtoull(s, &end, 16);
        if (errno || end == s || *end != stop)
                return -EBADMSG;
        *p = end + 1;
        return 0;
}

int maps_parse_line(char *line, struct maps_entry *ret) {
        struct maps_entry e = {};
        const char *p = line;
        uint64_t v;
        size_t len = strlen(line);

        if (len > 0 && line[len - 1] == '\n')
                line[--len] = '\0';
        if (hex(&p, '-', &e.start) < 0 || hex(&p, ' ', &e.end) < 0 || e.end < e.start)
                return -EBADMSG;
        if (strlen(p) < 5 || p[4] != ' ')
                return -EBADMSG;
        memcpy(e.perms, p, 4);
        p += 5;
        if (hex(&p, ' ', &e.offset) < 0 || hex(&p, ':', &v) < 0 || v > UINT32_MAX)
                return -EBADMSG;
        e.major = (unsigned) v;
        if (hex(&p, ' ', &v) < 0 || v > UINT32_MAX)
                return -EBADMSG;
        e.minor = (unsigned) v;
        /* The inode is decimal, then spaces up to the path (if any). */
        {
                char *end;

                if (*p < '0' || *p > '9')
                        return -EBADMSG;
                errno = 0;
                e.inode = strtoull(p, &end, 10);
                if (errno || (*end != ' ' && *end != '\0'))
                        return -EBADMSG;
                p = end;
        }
        while (*p == ' ')
                p++;
        e.path = p;
        *ret = e;
        return 0;
}
