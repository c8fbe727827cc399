// SPDX-License-Identifier: GPL-2.0 OR LGPL-2.1-or-later
/*
 * daxmf: coalesce the kernel's per-page memory-failure events into ranges
 * (see mf-coalesce.h).  Built into the module and into daxmfd.
 */
#include "mf-coalesce.h"

void daxmf_mf_init(struct daxmf_mf_coalescer *c, struct daxmf_mf_range *ring,
		   u32 cap, u64 window_ns, u64 max_delay_ns)
{
	*c = (struct daxmf_mf_coalescer) {
		.ring = ring,
		.cap = cap,
		.window_ns = window_ns,
		.max_delay_ns = max_delay_ns,
	};
}

static struct daxmf_mf_range *daxmf_mf_at(struct daxmf_mf_coalescer *c, u32 i)
{
	return &c->ring[(c->head + i) % c->cap];
}

static bool daxmf_mf_key_equal(const struct daxmf_mf_key *a,
			       const struct daxmf_mf_key *b)
{
	return a->type == b->type && a->result == b->result &&
	       a->origin == b->origin && a->portid == b->portid &&
	       a->job_id == b->job_id && a->cookie == b->cookie;
}

/* When a range closes by itself: the earlier of its two limits. */
static u64 daxmf_mf_close_time(const struct daxmf_mf_coalescer *c,
			       const struct daxmf_mf_range *r)
{
	u64 quiet = r->last_ns + c->window_ns;
	u64 age = r->first_ns + c->max_delay_ns;

	return quiet < age ? quiet : age;
}

static bool daxmf_mf_closed(const struct daxmf_mf_coalescer *c,
			    const struct daxmf_mf_range *r, u64 now)
{
	return now >= daxmf_mf_close_time(c, r);
}

/* Whether pfn extends r (either end) or lies in it; extends it if so. */
static bool daxmf_mf_join(struct daxmf_mf_range *r, u64 pfn)
{
	if (pfn >= r->pfn && pfn - r->pfn < r->pages)
		return true;
	/* Not past the last pfn there is, round to 0. */
	if (pfn > r->pfn && pfn - r->pfn == r->pages) {
		r->pages++;
		return true;
	}
	if (r->pfn && pfn + 1 == r->pfn) {
		r->pfn = pfn;
		r->pages++;
		return true;
	}
	return false;
}

enum daxmf_mf_add_result daxmf_mf_add(struct daxmf_mf_coalescer *c, u64 pfn,
				      const struct daxmf_mf_key *key, u64 now)
{
	u32 i, look = c->count < DAXMF_MF_JOIN_LOOKBACK ?
		      c->count : DAXMF_MF_JOIN_LOOKBACK;
	struct daxmf_mf_range *r;

	c->events_total++;
	/* Newest first: a storm's next page almost always joins the last. */
	for (i = 0; i < look; i++) {
		r = daxmf_mf_at(c, c->count - 1 - i);
		if (!daxmf_mf_key_equal(&r->key, key) ||
		    daxmf_mf_closed(c, r, now) || !daxmf_mf_join(r, pfn))
			continue;
		r->events++;
		if (now > r->last_ns)
			r->last_ns = now;
		return DAXMF_MF_JOINED;
	}

	if (c->count == c->cap) {
		daxmf_mf_lose(c, 1, pfn, pfn);
		return DAXMF_MF_DROPPED;
	}

	r = daxmf_mf_at(c, c->count);
	*r = (struct daxmf_mf_range) {
		.key = *key,
		.pfn = pfn,
		.pages = 1,
		.events = 1,
		.first_ns = now,
		.last_ns = now,
	};
	c->count++;
	return DAXMF_MF_OPENED;
}

bool daxmf_mf_full(const struct daxmf_mf_coalescer *c)
{
	return c->count == c->cap;
}

u32 daxmf_mf_take(struct daxmf_mf_coalescer *c, u64 now, bool force,
		  struct daxmf_mf_range *out, u32 max)
{
	u32 i, kept = 0, taken = 0, count = c->count;

	/* Compact the ranges kept towards the head, in place and in order. */
	for (i = 0; i < count; i++) {
		struct daxmf_mf_range *r = daxmf_mf_at(c, i);

		if (taken < max && (force || daxmf_mf_closed(c, r, now)))
			out[taken++] = *r;
		else
			*daxmf_mf_at(c, kept++) = *r;
	}
	c->count = kept;
	return taken;
}

bool daxmf_mf_next_close(const struct daxmf_mf_coalescer *c, u64 *ret)
{
	u64 first = 0, t;
	u32 i;

	for (i = 0; i < c->count; i++) {
		t = daxmf_mf_close_time(c, &c->ring[(c->head + i) % c->cap]);
		if (!i || t < first)
			first = t;
	}
	if (!c->count)
		return false;
	*ret = first;
	return true;
}

void daxmf_mf_lose(struct daxmf_mf_coalescer *c, u64 events, u64 first_pfn,
		   u64 last_pfn)
{
	if (!c->lost || first_pfn < c->lost_first_pfn)
		c->lost_first_pfn = first_pfn;
	if (!c->lost || last_pfn > c->lost_last_pfn)
		c->lost_last_pfn = last_pfn;
	c->lost += events;
	c->lost_total += events;
}

u64 daxmf_mf_take_lost(struct daxmf_mf_coalescer *c, u64 *ret_first_pfn,
		       u64 *ret_last_pfn)
{
	u64 lost = c->lost;

	*ret_first_pfn = c->lost_first_pfn;
	*ret_last_pfn = c->lost_last_pfn;
	c->lost = 0;
	c->lost_first_pfn = 0;
	c->lost_last_pfn = 0;
	return lost;
}
