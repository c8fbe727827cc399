/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Byte ranges of a device, one "OFFSET LENGTH" per line (decimal or
 * 0x-hex, blanks around and between), '#' comments and blank lines
 * allowed, kept in the order given.
 */
struct byte_range {
        uint64_t offset;
        uint64_t length;
};

struct range_list {
        struct byte_range *ranges;
        size_t n, allocated;
};

void range_list_done(struct range_list *l);
int range_list_add(struct range_list *l, uint64_t offset, uint64_t length);
/*
 * Read every line of f.  -EBADMSG with *ret_line and *ret_reason on the
 * first bad line (nothing is half-taken: the list is emptied).
 */
int range_list_read(FILE *f, struct range_list *ret, unsigned *ret_line, const char **ret_reason);
