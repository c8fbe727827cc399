/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"
#include "range-list.h"

/* A file of bad ranges this long is a mistake, not a list. */
#define RANGE_LIST_MAX (16u * 1024 * 1024)

void range_list_done(struct range_list *l) {
        free(l->ranges);
        *l = (struct range_list) {};
}

int range_list_add(struct range_list *l, uint64_t offset, uint64_t length) {
        if (l->n >= RANGE_LIST_MAX)
                return -E2BIG;
        if (l->n == l->allocated) {
                size_t a = l->allocated ? l->allocated * 2 : 64;
                struct byte_range *n = reallocarray(l->ranges, a, sizeof(*n));

                if (!n)
                        return -ENOMEM;
                l->ranges = n;
                l->allocated = a;
        }
        l->ranges[l->n++] = (struct byte_range) { .offset = offset, .length = length };
        return 0;
}

static int parse_line(char *s, uint64_t *ret_offset, uint64_t *ret_length, const char **ret_reason) {
        char *words[3], *save = NULL;
        size_t n = 0;

        s[strcspn(s, "#")] = '\0';
        for (char *w = strtok_r(s, " \t\r\n", &save); w; w = strtok_r(NULL, " \t\r\n", &save)) {
                if (n == ELEMENTSOF(words)) {
                        *ret_reason = "more than OFFSET LENGTH";
                        return -EBADMSG;
                }
                words[n++] = w;
        }
        if (n == 0)
                return 0;
        if (n != 2) {
                *ret_reason = "expected OFFSET LENGTH";
                return -EBADMSG;
        }
        if (parse_u64(words[0], ret_offset) < 0) {
                *ret_reason = "OFFSET is not a number (decimal or 0x-hex)";
                return -EBADMSG;
        }
        if (parse_u64(words[1], ret_length) < 0 || *ret_length == 0) {
                *ret_reason = "LENGTH is not a number above 0";
                return -EBADMSG;
        }
        if (*ret_offset + *ret_length < *ret_offset) {
                *ret_reason = "OFFSET + LENGTH overflows";
                return -EBADMSG;
        }
        return 1;
}

int range_list_read(FILE *f, struct range_list *ret, unsigned *ret_line, const char **ret_reason) {
        _cleanup_(range_list_done) struct range_list l = {};
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        unsigned line = 0;
        ssize_t len;
        int r;

        *ret_line = 0;
        *ret_reason = NULL;
        while ((len = getline(&buf, &size, f)) >= 0) {
                uint64_t offset, length;

                line++;
                if (memchr(buf, '\0', (size_t) len)) {
                        *ret_line = line;
                        *ret_reason = "a NUL byte in the line";
                        return -EBADMSG;
                }
                r = parse_line(buf, &offset, &length, ret_reason);
                if (r < 0) {
                        *ret_line = line;
                        return r;
                }
                if (r == 0)
                        continue;
                r = range_list_add(&l, offset, length);
                if (r < 0) {
                        *ret_line = line;
                        *ret_reason = r == -E2BIG ? "too many ranges" : NULL;
                        return r == -E2BIG ? -EBADMSG : r;
                }
        }
        if (ferror(f))
                return -EIO;
        *ret = l;
        l = (struct range_list) {};
        return 0;
}
