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
