/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static int local_midnight(uint64_t now_usec, int day_delta, uint64_t *ret) {
        time_t t = (time_t) (now_usec / 1000000);
        struct tm tm;

        if (!localtime_r(&t, &tm))
                return -ERANGE;
        tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
        tm.tm_mday += day_delta;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        if (t < 0)
                return -ERANGE;
        *ret = (uint64_t) t * 1000000;
        return 0;
}

static int relative_usec(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                { "s", 1000000ULL }, { "sec", 1000000ULL },
                { "min", 60000000ULL }, { "m", 60000000ULL },
                { "h", 3600000000ULL }, { "hour", 3600000000ULL },
                { "d", 86400000000ULL }, { "day", 86400000000ULL },
                { "w", 604800000000ULL }, { "week", 604800000000ULL },
        };
        uint64_t n;
        char *end;

        if (!isdigit((unsigned char) s[0]))
                return -EINVAL;
        errno = 0;
        n = strtoull(s, &end, 10);
        if (errno == ERANGE)
                return -ERANGE;
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (strcmp(end, units[i].suffix) == 0) {
                        if (n > UINT64_MAX / units[i].usec)
                                return -ERANGE;
                        *ret = n * units[i].usec;
                        return 0;
                }
        return -EINVAL;
}

int parse_timestamp(const char *s, uint64_t now_usec, uint64_t *ret) {
        struct tm tm = {};
        uint64_t v;
        const char *end;
        time_t t;
        int r;

        if (!s || !s[0])
                return -EINVAL;
        if (strcmp(s, "now") == 0) {
                *ret = now_usec;
                return 0;
        }
        if (strcmp(s, "today") == 0)
                return local_midnight(now_usec, 0, ret);
        if (strcmp(s, "yesterday") == 0)
                return local_midnight(now_usec, -1, ret);
        if (strcmp(s, "tomorrow") == 0)
                return local_midnight(now_usec, 1, ret);
        if (s[0] == '@') {
                if (!isdigit((unsigned char) s[1]))
                        return -EINVAL;
                r = parse_u64(s + 1, &v);
                if (r < 0)
                        return r;
                if (v > UINT64_MAX / 1000000)
                        return -ERANGE;
                *ret = v * 1000000;
                return 0;
        }
        if (s[0] == '-' || s[0] == '+') {
                r = relative_usec(s + 1, &v);
                if (r < 0)
                        return r;
                if (s[0] == '-') {
                        if (v > now_usec)
                                return -ERANGE;
                        *ret = now_usec - v;
                } else {
                        if (now_usec > UINT64_MAX - v)
                                return -ERANGE;
                        *ret = now_usec + v;
                }
                return 0;
        }

        end = strptime(s, "%Y-%m-%d", &tm);
        if (!end)
                return -EINVAL;
        if (*end == ' ' || *end == 'T') {
                const char *rest = end + 1;

                end = strptime(rest, "%H:%M:%S", &tm);
                if (!end || *end) {
                        tm.tm_sec = 0;
                        end = strptime(rest, "%H:%M", &tm);
                }
                if (!end)
                        return -EINVAL;
        }
        if (*end)
                return -EINVAL;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        if (t < 0)
                return -ERANGE;
        *ret = (uint64_t) t * 1000000;
        return 0;
}
