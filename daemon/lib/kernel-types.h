/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The kernel's short integer types, for the module's files daxmfd builds
 * too (kmod/mf-coalesce.c): the same widths, and the formats of stdint.h.
 */
#include <stdbool.h>
#include <stdint.h>

typedef uint64_t u64;
typedef uint32_t u32;
