// SPDX-License-Identifier: GPL-2.0
/*
 * daxmf: follow the kernel's own memory failures.
 *
 * Every memory_failure() ends in the tracepoint ras:memory_failure_event
 * (pfn, page type, result).  6.1 does not export it to modules by name, so
 * the probe is attached by walking the kernel's tracepoints.  The probe runs
 * in the failing context with preemption off: it only records the pfn into
 * the coalescer under a spinlock and kicks a delayed work item, which sends
 * the ranges that have closed as MEMORY_FAILURE events.  Nothing is dropped
 * silently: what the buffer cannot hold, or a message that cannot be
 * built, is counted and sent as MEMORY_FAILURE_LOST.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/tracepoint.h>
#include <linux/workqueue.h>

#include "internal.h"
#include "mf-coalesce.h"

static unsigned int daxmf_mf_records = 1024;
module_param_named(mf_records, daxmf_mf_records, uint, 0444);
MODULE_PARM_DESC(mf_records,
		 "Memory-failure ranges held before they are sent (1..65536)");

static unsigned int daxmf_mf_window_ms = 500;
module_param_named(mf_window_ms, daxmf_mf_window_ms, uint, 0444);
MODULE_PARM_DESC(mf_window_ms,
		 "Quiet time after which a memory-failure range is sent (1..60000)");

static unsigned int daxmf_mf_max_delay_ms = 5000;
module_param_named(mf_max_delay_ms, daxmf_mf_max_delay_ms, uint, 0444);
MODULE_PARM_DESC(mf_max_delay_ms,
		 "Longest a memory-failure range is held after its first page (1..600000)");

/* The names the kernel logs, from its own enums: right for the kernel built against. */
static const char * const daxmf_mf_type_names[] = {
	[MF_MSG_KERNEL]			= "reserved kernel page",
	[MF_MSG_KERNEL_HIGH_ORDER]	= "high-order kernel page",
	[MF_MSG_SLAB]			= "kernel slab page",
	[MF_MSG_DIFFERENT_COMPOUND]	= "different compound page after locking",
	[MF_MSG_HUGE]			= "huge page",
	[MF_MSG_FREE_HUGE]		= "free huge page",
	[MF_MSG_UNMAP_FAILED]		= "unmapping failed page",
	[MF_MSG_DIRTY_SWAPCACHE]	= "dirty swapcache page",
	[MF_MSG_CLEAN_SWAPCACHE]	= "clean swapcache page",
	[MF_MSG_DIRTY_MLOCKED_LRU]	= "dirty mlocked LRU page",
	[MF_MSG_CLEAN_MLOCKED_LRU]	= "clean mlocked LRU page",
	[MF_MSG_DIRTY_UNEVICTABLE_LRU]	= "dirty unevictable LRU page",
	[MF_MSG_CLEAN_UNEVICTABLE_LRU]	= "clean unevictable LRU page",
	[MF_MSG_DIRTY_LRU]		= "dirty LRU page",
	[MF_MSG_CLEAN_LRU]		= "clean LRU page",
	[MF_MSG_TRUNCATED_LRU]		= "already truncated LRU page",
	[MF_MSG_BUDDY]			= "free buddy page",
	[MF_MSG_DAX]			= "dax page",
	[MF_MSG_UNSPLIT_THP]		= "unsplit thp",
	[MF_MSG_UNKNOWN]		= "unknown page",
};

static const char * const daxmf_mf_result_names[] = {
	[MF_IGNORED]	= "Ignored",
	[MF_FAILED]	= "Failed",
	[MF_DELAYED]	= "Delayed",
	[MF_RECOVERED]	= "Recovered",
};

static const char *daxmf_mf_name(const char * const *names, size_t n, u32 v)
{
	return v < n && names[v] ? names[v] : "unknown";
}

static struct tracepoint *daxmf_mf_tp;

/* The coalescer and everything the probe touches. */
static DEFINE_SPINLOCK(daxmf_mf_lock);
static struct daxmf_mf_coalescer daxmf_mf;
static struct daxmf_mf_range *daxmf_mf_ring;
static bool daxmf_mf_stopping;

/* The work's alone (and unload's, once the work is cancelled). */
static struct daxmf_mf_range *daxmf_mf_out;
static u64 daxmf_mf_seq;
/*
 * Events in the messages sent so far (MF_REPORTED).  Raised only after a
 * multicast, so that GET_INFO's value covers messages already queued to
 * every listener, or dropped at its full receive buffer.
 */
static atomic64_t daxmf_mf_reported = ATOMIC64_INIT(0);

static void daxmf_mf_work_fn(struct work_struct *work);
static DECLARE_DELAYED_WORK(daxmf_mf_work, daxmf_mf_work_fn);

/* Ranges this module is failing, by the task doing it. */
static DEFINE_SPINLOCK(daxmf_mf_own_lock);
static LIST_HEAD(daxmf_mf_owners);

void daxmf_mf_own_begin(struct daxmf_mf_own *own,
			const struct daxmf_range_req *req)
{
	unsigned long flags;

	own->task = current;
	own->job_id = req->job_id;
	own->cookie = req->cookie;
	own->portid = req->portid;
	spin_lock_irqsave(&daxmf_mf_own_lock, flags);
	list_add(&own->node, &daxmf_mf_owners);
	spin_unlock_irqrestore(&daxmf_mf_own_lock, flags);
}

void daxmf_mf_own_end(struct daxmf_mf_own *own)
{
	unsigned long flags;

	spin_lock_irqsave(&daxmf_mf_own_lock, flags);
	list_del(&own->node);
	spin_unlock_irqrestore(&daxmf_mf_own_lock, flags);
}

/* Whether this failure is one of ours: the task failing it says. */
static void daxmf_mf_whose(struct daxmf_mf_key *key)
{
	struct daxmf_mf_own *own;
	unsigned long flags;

	key->origin = DAXMF_MF_ORIGIN_KERNEL;
	spin_lock_irqsave(&daxmf_mf_own_lock, flags);
	list_for_each_entry(own, &daxmf_mf_owners, node) {
		if (own->task != current)
			continue;
		/* Jobs have ids from 1; a removal runs without one. */
		key->origin = own->job_id ? DAXMF_MF_ORIGIN_FAIL_RANGE :
					    DAXMF_MF_ORIGIN_REMOVAL;
		key->job_id = own->job_id;
		key->cookie = own->cookie;
		key->portid = own->portid;
		break;
	}
	spin_unlock_irqrestore(&daxmf_mf_own_lock, flags);
}

static unsigned long daxmf_mf_delay(u64 when, u64 now)
{
	return when > now ? nsecs_to_jiffies(when - now) + 1 : 0;
}

/* Runs with preemption off, in whatever context failed the page. */
static void daxmf_mf_probe(void *data, unsigned long pfn, int type,
			   int result)
{
	struct daxmf_mf_key key = {
		.type = type,
		.result = result,
	};
	enum daxmf_mf_add_result added;
	unsigned long flags;

	daxmf_mf_whose(&key);
	spin_lock_irqsave(&daxmf_mf_lock, flags);
	if (daxmf_mf_stopping) {
		spin_unlock_irqrestore(&daxmf_mf_lock, flags);
		return;
	}
	added = daxmf_mf_add(&daxmf_mf, pfn, &key, ktime_get_ns());
	/*
	 * Queued under the lock: unload sets daxmf_mf_stopping under it
	 * before cancelling the work, so nothing queues it after that.
	 */
	if (added == DAXMF_MF_DROPPED || daxmf_mf_full(&daxmf_mf))
		mod_delayed_work(system_wq, &daxmf_mf_work, 0);
	else if (added == DAXMF_MF_OPENED)
		/* A no-op when already queued, as early or earlier. */
		queue_delayed_work(system_wq, &daxmf_mf_work,
				   msecs_to_jiffies(daxmf_mf_window_ms));
	spin_unlock_irqrestore(&daxmf_mf_lock, flags);
}

/* Events that could not be sent: reported as lost, the next time. */
static void daxmf_mf_lose_locked(u64 events, u64 first_pfn, u64 last_pfn)
{
	unsigned long flags;

	spin_lock_irqsave(&daxmf_mf_lock, flags);
	daxmf_mf_lose(&daxmf_mf, events, first_pfn, last_pfn);
	spin_unlock_irqrestore(&daxmf_mf_lock, flags);
}

/*
 * Send the ranges that have closed (all of them with @force), then what
 * was lost.  Called by the work, and at unload once the work is cancelled.
 */
static void daxmf_mf_drain(bool force)
{
	u64 now, next, lost = 0, lost_first, lost_last, real_offset, reported;
	bool listening = daxmf_genl_has_listeners();
	unsigned long flags;
	u32 n, i;
	int ret;

	spin_lock_irqsave(&daxmf_mf_lock, flags);
	now = ktime_get_ns();
	if (!listening && !force && !daxmf_mf_full(&daxmf_mf)) {
		/*
		 * Nobody listens (daxmfd restarting): hold the ranges while
		 * there is room, and look again a window later.
		 */
		if (!daxmf_mf_stopping && daxmf_mf.count)
			queue_delayed_work(system_wq, &daxmf_mf_work,
					   msecs_to_jiffies(daxmf_mf_window_ms));
		spin_unlock_irqrestore(&daxmf_mf_lock, flags);
		return;
	}
	/* A full buffer is emptied at once, to make room. */
	n = daxmf_mf_take(&daxmf_mf, now, force || daxmf_mf_full(&daxmf_mf),
			  daxmf_mf_out, daxmf_mf.cap);
	if (!daxmf_mf_stopping && daxmf_mf_next_close(&daxmf_mf, &next))
		queue_delayed_work(system_wq, &daxmf_mf_work,
				   daxmf_mf_delay(next, now));
	spin_unlock_irqrestore(&daxmf_mf_lock, flags);

	real_offset = ktime_get_real_ns() - ktime_get_ns();
	for (i = 0; i < n; i++) {
		const struct daxmf_mf_range *r = &daxmf_mf_out[i];
		const char *type, *result;

		type = daxmf_mf_name(daxmf_mf_type_names,
				     ARRAY_SIZE(daxmf_mf_type_names),
				     r->key.type);
		result = daxmf_mf_name(daxmf_mf_result_names,
				       ARRAY_SIZE(daxmf_mf_result_names),
				       r->key.result);
		ret = -ESRCH;
		reported = atomic64_read(&daxmf_mf_reported) + r->events;
		if (listening)
			ret = daxmf_genl_notify_memory_failure(r, ++daxmf_mf_seq,
							       reported,
							       r->first_ns + real_offset,
							       r->last_ns + real_offset,
							       type, result);
		if (!ret)
			atomic64_set(&daxmf_mf_reported, reported);
		else
			daxmf_mf_lose_locked(r->events, r->pfn,
					     r->pfn + r->pages - 1);
	}

	/* Without a listener the count waits for one. */
	if (!listening)
		return;
	spin_lock_irqsave(&daxmf_mf_lock, flags);
	lost = daxmf_mf_take_lost(&daxmf_mf, &lost_first, &lost_last);
	spin_unlock_irqrestore(&daxmf_mf_lock, flags);
	if (!lost)
		return;
	reported = atomic64_read(&daxmf_mf_reported) + lost;
	ret = daxmf_genl_notify_mf_lost(++daxmf_mf_seq, reported, lost,
					lost_first, lost_last);
	if (!ret) {
		atomic64_set(&daxmf_mf_reported, reported);
	} else {
		/* Kept for the next report: still not silent. */
		pr_warn_ratelimited("%llu memory-failure events lost, and the report of it: %d\n",
				    lost, ret);
		spin_lock_irqsave(&daxmf_mf_lock, flags);
		daxmf_mf_lose(&daxmf_mf, lost, lost_first, lost_last);
		/* Counted in the total when they were dropped. */
		daxmf_mf.lost_total -= lost;
		spin_unlock_irqrestore(&daxmf_mf_lock, flags);
	}
}

static void daxmf_mf_work_fn(struct work_struct *work)
{
	daxmf_mf_drain(false);
}

void daxmf_mf_info(struct daxmf_mf_info *info)
{
	unsigned long flags;

	spin_lock_irqsave(&daxmf_mf_lock, flags);
	info->watching = !!daxmf_mf_tp;
	info->records = daxmf_mf_records;
	info->window_ms = daxmf_mf_window_ms;
	info->max_delay_ms = daxmf_mf_max_delay_ms;
	info->events_total = daxmf_mf.events_total;
	info->lost_total = daxmf_mf.lost_total;
	info->reported = atomic64_read(&daxmf_mf_reported);
	spin_unlock_irqrestore(&daxmf_mf_lock, flags);
}

static void daxmf_mf_find(struct tracepoint *tp, void *priv)
{
	struct tracepoint **found = priv;

	if (!strcmp(tp->name, "memory_failure_event"))
		*found = tp;
}

int daxmf_mf_watch_init(void)
{
	struct tracepoint *tp = NULL;
	int ret;

	if (!daxmf_mf_records || daxmf_mf_records > 65536 ||
	    !daxmf_mf_window_ms || daxmf_mf_window_ms > 60000 ||
	    !daxmf_mf_max_delay_ms || daxmf_mf_max_delay_ms > 600000) {
		pr_err("mf_records must be 1..65536, mf_window_ms 1..60000, mf_max_delay_ms 1..600000\n");
		return -EINVAL;
	}

	daxmf_mf_ring = kvcalloc(daxmf_mf_records, sizeof(*daxmf_mf_ring),
				 GFP_KERNEL);
	daxmf_mf_out = kvcalloc(daxmf_mf_records, sizeof(*daxmf_mf_out),
				GFP_KERNEL);
	if (!daxmf_mf_ring || !daxmf_mf_out) {
		kvfree(daxmf_mf_ring);
		kvfree(daxmf_mf_out);
		return -ENOMEM;
	}
	daxmf_mf_init(&daxmf_mf, daxmf_mf_ring, daxmf_mf_records,
		      (u64)daxmf_mf_window_ms * NSEC_PER_MSEC,
		      (u64)daxmf_mf_max_delay_ms * NSEC_PER_MSEC);

	/*
	 * Without the tracepoint the module still fails ranges; GET_INFO says
	 * it does not follow the kernel's failures, and daxmfd reads them
	 * through tracefs instead.
	 */
	for_each_kernel_tracepoint(daxmf_mf_find, &tp);
	if (!tp) {
		pr_warn("no tracepoint memory_failure_event: the kernel's own memory failures are not followed\n");
		return 0;
	}
	ret = tracepoint_probe_register(tp, daxmf_mf_probe, NULL);
	if (ret) {
		pr_warn("cannot attach to memory_failure_event (%d): the kernel's own memory failures are not followed\n",
			ret);
		return 0;
	}
	daxmf_mf_tp = tp;
	return 0;
}

void daxmf_mf_watch_exit(void)
{
	unsigned long flags;

	if (daxmf_mf_tp) {
		tracepoint_probe_unregister(daxmf_mf_tp, daxmf_mf_probe, NULL);
		/* No probe runs any more once this returns. */
		tracepoint_synchronize_unregister();
	}
	spin_lock_irqsave(&daxmf_mf_lock, flags);
	daxmf_mf_stopping = true;
	spin_unlock_irqrestore(&daxmf_mf_lock, flags);
	/* The work queues itself again only while not stopping. */
	cancel_delayed_work_sync(&daxmf_mf_work);
	/* What is held goes out now, with what was lost. */
	daxmf_mf_drain(true);

	spin_lock_irqsave(&daxmf_mf_lock, flags);
	daxmf_mf_tp = NULL;
	spin_unlock_irqrestore(&daxmf_mf_lock, flags);
	kvfree(daxmf_mf_ring);
	kvfree(daxmf_mf_out);
}
