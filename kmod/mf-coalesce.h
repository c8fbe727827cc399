/* SPDX-License-Identifier: GPL-2.0 OR LGPL-2.1-or-later */
/*
 * daxmf: coalesce the kernel's per-page memory-failure events into ranges.
 *
 * Pure bookkeeping, no locking, no allocation and no clock: the caller
 * passes the time in.  The module runs it under a spinlock, fed by its
 * tracepoint probe; daxmfd runs the same code over tracefs when the module
 * is not there; the unit tests run it on the host.
 *
 * A range stays open while pages keep extending it: it is closed once no
 * page came for window_ns, or max_delay_ns after its first page, whichever
 * comes first.  Pages join an open range with the same key (page type,
 * result, origin, job) when they touch it or fall inside it (a page failed
 * again).  The buffer holds at most cap ranges; an event that would need
 * one more is dropped and counted, with the span of pfns dropped.
 */
#ifndef DAXMF_MF_COALESCE_H
#define DAXMF_MF_COALESCE_H

#ifdef __KERNEL__
#include <linux/types.h>
#else
/* daxmfd's: u64 and u32 as uint64_t and uint32_t. */
#include "kernel-types.h"
#endif

/* How many of the newest ranges an event may join: a few interleaved storms. */
#define DAXMF_MF_JOIN_LOOKBACK	8

/* What makes pages of one range alike, besides being consecutive. */
struct daxmf_mf_key {
	u32 type;		/* the kernel's enum mf_action_page_type */
	u32 result;		/* the kernel's enum mf_result */
	u32 origin;		/* DAXMF_MF_ORIGIN_* */
	u32 portid;		/* FAIL_RANGE: the requester's port */
	u64 job_id;		/* FAIL_RANGE: the job */
	u64 cookie;		/* FAIL_RANGE: the requester's cookie */
};

struct daxmf_mf_range {
	struct daxmf_mf_key key;
	u64 pfn;
	u64 pages;
	u64 events;		/* events coalesced, >= pages */
	u64 first_ns;		/* the caller's clock */
	u64 last_ns;
};

struct daxmf_mf_coalescer {
	struct daxmf_mf_range *ring;	/* cap slots, owned by the caller */
	u32 cap;
	u32 head;			/* oldest range */
	u32 count;
	u64 window_ns;
	u64 max_delay_ns;

	/* Dropped since daxmf_mf_take_lost(), and their span of pfns. */
	u64 lost;
	u64 lost_first_pfn;
	u64 lost_last_pfn;
	/* Since init. */
	u64 events_total;
	u64 lost_total;
};

enum daxmf_mf_add_result {
	DAXMF_MF_JOINED,	/* extended or repeated an open range */
	DAXMF_MF_OPENED,	/* began a new range */
	DAXMF_MF_DROPPED,	/* the buffer was full: counted as lost */
};

/* ring: cap >= 1 slots. */
void daxmf_mf_init(struct daxmf_mf_coalescer *c, struct daxmf_mf_range *ring,
		   u32 cap, u64 window_ns, u64 max_delay_ns);

enum daxmf_mf_add_result daxmf_mf_add(struct daxmf_mf_coalescer *c, u64 pfn,
				      const struct daxmf_mf_key *key, u64 now);

/* Whether the buffer has no room for one more range. */
bool daxmf_mf_full(const struct daxmf_mf_coalescer *c);

/*
 * Move the closed ranges (all of them with force) into out, oldest first,
 * at most max; the open ones stay, in order.  Returns how many were moved.
 */
u32 daxmf_mf_take(struct daxmf_mf_coalescer *c, u64 now, bool force,
		  struct daxmf_mf_range *out, u32 max);

/*
 * When the next range closes by itself (the time to take it), or false
 * when none is held.
 */
bool daxmf_mf_next_close(const struct daxmf_mf_coalescer *c, u64 *ret);

/*
 * Count events dropped (no room, or they could not be sent), with their
 * span of pfns, in the lost count and its total.
 */
void daxmf_mf_lose(struct daxmf_mf_coalescer *c, u64 events, u64 first_pfn,
		   u64 last_pfn);

/* The events dropped since the last call, and their span; resets them. */
u64 daxmf_mf_take_lost(struct daxmf_mf_coalescer *c, u64 *ret_first_pfn,
		       u64 *ret_last_pfn);

#endif /* DAXMF_MF_COALESCE_H */
