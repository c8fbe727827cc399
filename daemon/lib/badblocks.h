/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "rangeset.h"

/*
 * A block device's bad sectors, as its sysfs "badblocks" attribute lists
 * them: one "SECTOR COUNT" line (512-byte sectors, decimal) per range.
 * Held as a set of sector ranges, so listings can be compared.
 */

/* Parse the attribute's text; -EBADMSG with *ret_line on a bad line. */
int badblocks_parse(const char *text, size_t size, struct daxmf_rangeset *ret, unsigned *ret_line);

/*
 * What changed from before to now: sectors that became bad (appeared) and
 * sectors that are no longer bad (cleared).
 */
int badblocks_diff(const struct daxmf_rangeset *before, const struct daxmf_rangeset *now,
                   struct daxmf_rangeset *ret_appeared, struct daxmf_rangeset *ret_cleared);
