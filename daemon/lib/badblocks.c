/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "badblocks.h"
#include "macro.h"
#include "parse-util.h"

int badblocks_parse(const char *text, size_t size, struct daxmf_rangeset *ret, unsigned *ret_line,
                    bool *ret_truncated) {
        _cleanup_(rangeset_done) struct daxmf_rangeset set = {};
        bool truncated = false;
        unsigned line = 0;
        size_t pos = 0;
        int r;

        /* A listing that fills the page and ends mid-line was cut by sysfs. */
        if (size >= BADBLOCKS_SYSFS_PAGE - 64 && size > 0 && text[size - 1] != '\n') {
                const char *last = memrchr(text, '\n', size);

                size = last ? (size_t) (last - text) + 1 : 0;
                truncated = true;
        }

        while (pos < size) {
                const char *nl = memchr(text + pos, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - (text + pos)) : size - pos;
                char buf[64], *space;
                uint64_t sector, count;

                line++;
                if (!nl || len == 0 || len >= sizeof(buf))
                        goto bad;       /* every line ends in '\n'; no blank lines */
                memcpy(buf, text + pos, len);
                buf[len] = '\0';
                pos += len + 1;

                space = strchr(buf, ' ');
                if (!space)
                        goto bad;
                *space = '\0';
                /* The kernel prints decimal; anything else is not its output. */
                if (buf[0] == '0' && buf[1] == 'x')
                        goto bad;
                if (parse_u64(buf, &sector) < 0 || parse_u64(space + 1, &count) < 0 ||
                    count == 0 || sector > UINT64_MAX - count)
                        goto bad;

                r = rangeset_add(&set, sector, sector + count);
                if (r < 0)
                        return r;
        }

        rangeset_done(ret);
        *ret = set;
        set = (struct daxmf_rangeset) {};
        if (ret_truncated)
                *ret_truncated = truncated;
        return 0;

bad:
        if (ret_line)
                *ret_line = line;
        return -EBADMSG;
}

static int difference(const struct daxmf_rangeset *a, const struct daxmf_rangeset *b,
                      struct daxmf_rangeset *ret) {
        _cleanup_(rangeset_done) struct daxmf_rangeset d = {};
        int r;

        for (size_t i = 0; i < a->n; i++) {
                r = rangeset_add(&d, a->ranges[i].start, a->ranges[i].end);
                if (r < 0)
                        return r;
        }
        r = rangeset_remove_set(&d, b);
        if (r < 0)
                return r;
        rangeset_done(ret);
        *ret = d;
        d = (struct daxmf_rangeset) {};
        return 0;
}

int badblocks_diff(const struct daxmf_rangeset *before, const struct daxmf_rangeset *now,
                   struct daxmf_rangeset *ret_appeared, struct daxmf_rangeset *ret_cleared) {
        int r;

        r = difference(now, before, ret_appeared);
        if (r < 0)
                return r;
        return difference(before, now, ret_cleared);
}
