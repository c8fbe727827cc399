/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
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
        for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
                if (strcmp(end, units[i].suffix) == 0) {
                        /* Junk wins over size: checked after the unit. */
                        if (errno == ERANGE || n > UINT64_MAX / units[i].usec)
                                return -ERANGE;
                        *ret = n * units[i].usec;
                        return 0;
                }
        return -EINVAL;
}

/* n digits exactly at *p, advancing it. */
static int digits(const char **p, unsigned n, int *ret) {
        int v = 0;

        for (unsigned i = 0; i < n; i++) {
                if (!isdigit((unsigned char) (*p)[i]))
                        return -EINVAL;
                v = v * 10 + ((*p)[i] - '0');
        }
        *p += n;
        *ret = v;
        return 0;
}

static bool leap_year(int y) {
        return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/*
 * "YYYY-MM-DD[( |T)HH:MM[:SS]]", every field its full width.  strptime()
 * is not used: it skips blanks before numbers and takes one-digit fields,
 * so " 2026-1-2" would pass; and mktime() makes February 30 March 2.
 */
static int parse_local_time(const char *s, uint64_t *ret) {
        static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
        int year, month, day, hour = 0, min = 0, sec = 0;
        const char *p = s;
        struct tm tm = {};
        time_t t;

        if (digits(&p, 4, &year) < 0 || *p++ != '-' || digits(&p, 2, &month) < 0 || *p++ != '-' ||
            digits(&p, 2, &day) < 0)
                return -EINVAL;
        if (*p == ' ' || *p == 'T') {
                p++;
                if (digits(&p, 2, &hour) < 0 || *p++ != ':' || digits(&p, 2, &min) < 0)
                        return -EINVAL;
                if (*p == ':') {
                        p++;
                        if (digits(&p, 2, &sec) < 0)
                                return -EINVAL;
                }
        }
        if (*p)
                return -EINVAL;
        if (month < 1 || month > 12 || day < 1 ||
            day > mdays[month - 1] + (month == 2 && leap_year(year)) || hour > 23 || min > 59 || sec > 59)
                return -EINVAL;

        tm.tm_year = year - 1900;
        tm.tm_mon = month - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = min;
        tm.tm_sec = sec;
        tm.tm_isdst = -1;
        t = mktime(&tm);
        /* -1 is also 1969-12-31 23:59:59 UTC: before the epoch either way. */
        if (t < 0)
                return -ERANGE;
        *ret = (uint64_t) t * 1000000;
        return 0;
}

int parse_timestamp(const char *s, uint64_t now_usec, uint64_t *ret) {
        uint64_t v;
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
                /* Seconds in decimal, as date +%s prints them; parse_u64 would also take 0x. */
                if (!s[1] || strspn(s + 1, "0123456789") != strlen(s + 1))
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
        return parse_local_time(s, ret);
}
