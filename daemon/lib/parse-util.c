/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "parse-util.h"

int parse_u64(const char *s, uint64_t *ret) {
        unsigned long long v;
        char *end = NULL;
        int base = 10;

        if (!s || !*s || !isdigit((unsigned char) *s))
                return -EINVAL;
        if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
                if (!isxdigit((unsigned char) s[2]))
                        return -EINVAL;
                base = 16;
        }

        errno = 0;
        v = strtoull(s, &end, base);
        /* Junk makes it no number at all, whatever its size. */
        if (!end || *end != '\0')
                return -EINVAL;
        if (errno == ERANGE)
                return -ERANGE;
        if (errno != 0)
                return -EINVAL;

        *ret = v;
        return 0;
}

int parse_u32(const char *s, uint32_t *ret) {
        uint64_t v;
        int r;

        r = parse_u64(s, &v);
        if (r < 0)
                return r;
        if (v > UINT32_MAX)
                return -ERANGE;
        *ret = (uint32_t) v;
        return 0;
}

const char *errno_name(int error) {
        if (error == INT_MIN)
                return NULL;    /* no such errno, and -INT_MIN overflows */
        return strerrorname_np(error < 0 ? -error : error);
}
