/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

/*
 * Strict unsigned parsers: decimal or 0x-prefixed hexadecimal, the whole
 * string, no sign, no spaces.  -EINVAL for junk, -ERANGE when too large.
 * *ret is written only on success.
 */
int parse_u64(const char *s, uint64_t *ret);
int parse_u32(const char *s, uint32_t *ret);

/* "EINVAL" for 22, or NULL when unknown. */
const char *errno_name(int error);

/*
 * A point in time as journalctl's --since takes it, in CLOCK_REALTIME
 * microseconds: "now", "today", "yesterday", "tomorrow" (local midnight),
 * "@SECONDS" (since the epoch), "-N" or "+N" with a unit (s, min, h, d, w;
 * e.g. "-1h", "-30min") relative to now_usec, or "YYYY-MM-DD[ HH:MM[:SS]]"
 * (also with 'T') in local time.  -EINVAL for anything else, -ERANGE when
 * out of range.  *ret is written only on success.
 */
int parse_timestamp(const char *s, uint64_t now_usec, uint64_t *ret);
