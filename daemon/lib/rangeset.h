/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A half-open range of page frames, [start, end). */
struct daxmf_range {
        uint64_t start;
        uint64_t end;
};

/* A set of page frames kept as sorted, disjoint, non-adjacent ranges. */
struct daxmf_rangeset {
        struct daxmf_range *ranges;
        size_t n;
        size_t allocated;       /* slots from the allocation's start */
        size_t head;            /* slots before ranges, freed from the front (the engine pops there) */
};

void rangeset_done(struct daxmf_rangeset *s);

/* Add [start, end), merging with overlapping and adjacent ranges. */
int rangeset_add(struct daxmf_rangeset *s, uint64_t start, uint64_t end);
/* Remove [start, end), splitting ranges as needed. */
int rangeset_remove(struct daxmf_rangeset *s, uint64_t start, uint64_t end);
/* Remove every page of other from s. */
int rangeset_remove_set(struct daxmf_rangeset *s, const struct daxmf_rangeset *other);

/* Whether any page of [start, end) is in s. */
bool rangeset_overlaps(const struct daxmf_rangeset *s, uint64_t start, uint64_t end);
bool rangeset_contains(const struct daxmf_rangeset *s, uint64_t start, uint64_t end);
uint64_t rangeset_pages(const struct daxmf_rangeset *s);
/* Pages of [start, end) that are in s. */
uint64_t rangeset_count(const struct daxmf_rangeset *s, uint64_t start, uint64_t end);
