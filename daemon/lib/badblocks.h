/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rangeset.h"

/*
 * A block device's bad sectors, as its sysfs "badblocks" attribute lists
 * them: one "SECTOR COUNT" line (512-byte sectors, decimal) per range.
 * Held as a set of sector ranges, so listings can be compared.
 */

/*
 * sysfs shows one page of the list: a longer one is cut, mid-line, near the
 * page size.  Such a listing parses up to its last whole line and sets
 * *ret_truncated (the rest of the list is not visible there).
 */
#define BADBLOCKS_SYSFS_PAGE 4096

/* Parse the attribute's text; -EBADMSG with *ret_line on a bad line. */
int badblocks_parse(const char *text, size_t size, struct daxmf_rangeset *ret, unsigned *ret_line,
                    bool *ret_truncated);

/*
 * What changed from before to now: sectors that became bad (appeared) and
 * sectors that are no longer bad (cleared).
 */
int badblocks_diff(const struct daxmf_rangeset *before, const struct daxmf_rangeset *now,
                   struct daxmf_rangeset *ret_appeared, struct daxmf_rangeset *ret_cleared);
