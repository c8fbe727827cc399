/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "rangeset.h"

void rangeset_done(struct daxmf_rangeset *s) {
        free(s->ranges ? s->ranges - s->head : NULL);
        *s = (struct daxmf_rangeset) {};
}

static int reserve(struct daxmf_rangeset *s, size_t n) {
        struct daxmf_range *base = s->ranges ? s->ranges - s->head : NULL, *r;
        size_t a;

        if (n <= s->allocated - s->head)
                return 0;
        /* Slots freed at the front are worth a move once they are a quarter of the room. */
        if (s->head > 0 && s->head >= s->allocated / 4 && n <= s->allocated) {
                memmove(base, s->ranges, s->n * sizeof(*base));
                s->ranges = base;
                s->head = 0;
                return 0;
        }
        a = s->allocated ? s->allocated * 2 : 8;
        while (a < n + s->head)
                a *= 2;
        r = reallocarray(base, a, sizeof(*r));
        if (!r)
                return -ENOMEM;
        s->ranges = r + s->head;
        s->allocated = a;
        return 0;
}

/* Index of the first range whose end is >= start (it may touch start). */
static size_t first_touching(const struct daxmf_rangeset *s, uint64_t start) {
        size_t lo = 0, hi = s->n;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;

                if (s->ranges[mid].end < start)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return lo;
}

int rangeset_add(struct daxmf_rangeset *s, uint64_t start, uint64_t end) {
        size_t i, j;
        int r;

        if (start > end)
                return -EINVAL;
        if (start == end)
                return 0;

        /* Ranges i..j-1 overlap or touch [start, end): they merge into one. */
        i = first_touching(s, start);
        for (j = i; j < s->n && s->ranges[j].start <= end; j++) {
                if (s->ranges[j].start < start)
                        start = s->ranges[j].start;
                if (s->ranges[j].end > end)
                        end = s->ranges[j].end;
        }

        if (j == i) {
                r = reserve(s, s->n + 1);
                if (r < 0)
                        return r;
                memmove(s->ranges + i + 1, s->ranges + i, (s->n - i) * sizeof(*s->ranges));
                s->n++;
        } else if (j > i + 1) {
                memmove(s->ranges + i + 1, s->ranges + j, (s->n - j) * sizeof(*s->ranges));
                s->n -= j - i - 1;
        }
        s->ranges[i] = (struct daxmf_range) { start, end };
        return 0;
}

int rangeset_remove(struct daxmf_rangeset *s, uint64_t start, uint64_t end) {
        struct daxmf_range *x;
        size_t i, j;
        int r;

        if (start > end)
                return -EINVAL;
        if (start == end)
                return 0;

        /* The first range ending after start: the only one that may stick out on the left. */
        i = first_touching(s, start + 1);
        if (i == s->n || s->ranges[i].start >= end)
                return 0;
        x = &s->ranges[i];
        if (x->start < start && x->end > end) {
                /* Splits in two. */
                r = reserve(s, s->n + 1);
                if (r < 0)
                        return r;
                x = &s->ranges[i];
                memmove(x + 1, x, (s->n - i) * sizeof(*x));
                s->n++;
                s->ranges[i].end = start;
                s->ranges[i + 1].start = end;
                return 0;
        }
        if (x->start < start) {
                x->end = start;
                i++;
        }
        /*
         * Ranges i..j-1 lie wholly inside: they go with one move of the
         * rest (one move per range made a large removal quadratic).
         */
        for (j = i; j < s->n && s->ranges[j].end <= end; j++)
                ;
        if (j < s->n && s->ranges[j].start < end)
                s->ranges[j].start = end;
        if (j == i)
                return 0;
        if (i == 0) {
                /* From the front: no move at all, the slots are kept for later. */
                s->ranges += j;
                s->head += j;
        } else
                memmove(s->ranges + i, s->ranges + j, (s->n - j) * sizeof(*s->ranges));
        s->n -= j - i;
        return 0;
}

int rangeset_remove_set(struct daxmf_rangeset *s, const struct daxmf_rangeset *other) {
        size_t j;

        if (s->n == 0)
                return 0;
        /* Only other's ranges that can meet s: a small s minus a large set stays cheap. */
        j = first_touching(other, s->ranges[0].start + 1);
        for (; j < other->n && s->n > 0 && other->ranges[j].start < s->ranges[s->n - 1].end; j++) {
                int r = rangeset_remove(s, other->ranges[j].start, other->ranges[j].end);

                if (r < 0)
                        return r;
        }
        return 0;
}

uint64_t rangeset_count(const struct daxmf_rangeset *s, uint64_t start, uint64_t end) {
        uint64_t n = 0;

        if (start >= end)
                return 0;
        for (size_t i = first_touching(s, start + 1); i < s->n && s->ranges[i].start < end; i++) {
                uint64_t a = s->ranges[i].start > start ? s->ranges[i].start : start;
                uint64_t b = s->ranges[i].end < end ? s->ranges[i].end : end;

                n += b - a;
        }
        return n;
}

bool rangeset_overlaps(const struct daxmf_rangeset *s, uint64_t start, uint64_t end) {
        size_t i;

        if (start >= end)
                return false;
        /* The first range ending after start is the only candidate. */
        i = first_touching(s, start + 1);
        return i < s->n && s->ranges[i].start < end;
}

bool rangeset_contains(const struct daxmf_rangeset *s, uint64_t start, uint64_t end) {
        size_t i;

        if (start >= end)
                return true;
        i = first_touching(s, start + 1);
        return i < s->n && s->ranges[i].start <= start && s->ranges[i].end >= end;
}

uint64_t rangeset_pages(const struct daxmf_rangeset *s) {
        uint64_t n = 0;

        for (size_t i = 0; i < s->n; i++)
                n += s->ranges[i].end - s->ranges[i].start;
        return n;
}
