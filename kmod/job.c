// SPDX-License-Identifier: GPL-2.0
/*
 * daxmf: ranges run as jobs on a workqueue.
 *
 * A range may take seconds to hours.  Running it inside the netlink request
 * would hold generic netlink's cb_lock for that long, and with it every
 * family's (un)registration and, behind a waiting writer, every generic
 * netlink message on the system.  So FAIL_RANGE only validates and queues;
 * the job reports to its requester and to the events group when done.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/list.h>
#include <linux/mm.h>
#include <linux/netlink.h>
#include <linux/notifier.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <net/net_namespace.h>

#include "internal.h"

struct daxmf_job {
	struct list_head node;
	struct work_struct work;
	struct daxmf_range_req req;
	struct daxmf_range_result res;	/* counters, updated as it runs */
	atomic_t cancelled;	/* 0, or why to stop: -ECONNRESET (the
				 * requester's socket closed), -ENXIO (the
				 * device is being removed)
				 */
};

/* What became of the last finished jobs, for requesters that restarted. */
struct daxmf_finished {
	struct daxmf_range_req req;
	struct daxmf_range_result res;
};

static struct workqueue_struct *daxmf_wq;
static DEFINE_SPINLOCK(daxmf_jobs_lock);
static LIST_HEAD(daxmf_jobs);		/* queued and running, under the lock */
static unsigned int daxmf_jobs_count;
static u64 daxmf_last_job_id;
static bool daxmf_jobs_closed;
static LIST_HEAD(daxmf_fences);		/* ranges being removed, under the lock */
static DECLARE_WAIT_QUEUE_HEAD(daxmf_jobs_ended);
static struct daxmf_finished *daxmf_history;	/* ring, under the lock */
static unsigned int daxmf_history_next;
static unsigned int daxmf_history_count;

static bool daxmf_overlaps(u64 a, u64 a_pages, u64 b, u64 b_pages)
{
	return a < b + b_pages && b < a + a_pages;
}

bool daxmf_stopping(void)
{
	return READ_ONCE(daxmf_jobs_closed);
}

unsigned int daxmf_jobs_running(void)
{
	return READ_ONCE(daxmf_jobs_count);
}

static void daxmf_job_run(struct work_struct *work)
{
	struct daxmf_job *job = container_of(work, struct daxmf_job, work);
	struct daxmf_range_result *res = &job->res;
	struct daxmf_finished *f;

	daxmf_range_fail(&job->req, &job->cancelled, res);

	/* Recorded before it is announced: GET_JOB never misses a told end. */
	spin_lock(&daxmf_jobs_lock);
	list_del(&job->node);
	daxmf_jobs_count--;
	f = &daxmf_history[daxmf_history_next];
	f->req = job->req;
	f->res = *res;
	daxmf_history_next = (daxmf_history_next + 1) % DAXMF_HISTORY_JOBS;
	if (daxmf_history_count < DAXMF_HISTORY_JOBS)
		daxmf_history_count++;
	spin_unlock(&daxmf_jobs_lock);
	wake_up_all(&daxmf_jobs_ended);

	daxmf_genl_notify_done(&job->req, res);
	pr_info_ratelimited("job %llu: pfn %#llx+%llu: %llu handled, %llu failed, %llu unmapped, status %d\n",
			    job->req.job_id, job->req.pfn, job->req.pages,
			    res->pages_done, res->pages_failed,
			    res->pages_unmapped, res->status);
	kfree(job);
}

int daxmf_job_lookup(u64 cookie, struct daxmf_range_req *ret_req,
		     struct daxmf_range_result *ret_res, bool *ret_done)
{
	struct daxmf_job *job;
	unsigned int i, slot;
	int ret = -ENOENT;

	spin_lock(&daxmf_jobs_lock);
	list_for_each_entry_reverse(job, &daxmf_jobs, node) {
		if (job->req.cookie != cookie)
			continue;
		/* Counters of a running job: a snapshot, each value whole. */
		*ret_req = job->req;
		*ret_res = job->res;
		*ret_done = false;
		ret = 0;
		goto out;
	}
	for (i = 1; i <= daxmf_history_count; i++) {
		slot = (daxmf_history_next + DAXMF_HISTORY_JOBS - i) %
		       DAXMF_HISTORY_JOBS;
		if (daxmf_history[slot].req.cookie != cookie)
			continue;
		*ret_req = daxmf_history[slot].req;
		*ret_res = daxmf_history[slot].res;
		*ret_done = true;
		ret = 0;
		break;
	}
out:
	spin_unlock(&daxmf_jobs_lock);
	return ret;
}

int daxmf_job_submit(const struct daxmf_range_req *req, u64 *ret_job_id,
		     struct netlink_ext_ack *extack)
{
	struct daxmf_fence *fence;
	struct daxmf_job *job;

	job = kzalloc(sizeof(*job), GFP_KERNEL);
	if (!job)
		return -ENOMEM;
	job->req = *req;
	INIT_WORK(&job->work, daxmf_job_run);

	spin_lock(&daxmf_jobs_lock);
	if (daxmf_jobs_closed) {
		spin_unlock(&daxmf_jobs_lock);
		kfree(job);
		NL_SET_ERR_MSG(extack, "daxmf is being unloaded");
		return -ESHUTDOWN;
	}
	list_for_each_entry(fence, &daxmf_fences, node) {
		if (!daxmf_overlaps(fence->pfn, fence->pages, req->pfn,
				    req->pages))
			continue;
		spin_unlock(&daxmf_jobs_lock);
		kfree(job);
		NL_SET_ERR_MSG(extack, "the device of this range is being removed");
		return -ENXIO;
	}
	if (daxmf_jobs_count >= READ_ONCE(daxmf_max_jobs)) {
		spin_unlock(&daxmf_jobs_lock);
		kfree(job);
		NL_SET_ERR_MSG(extack, "too many ranges running (see max_jobs); retry later");
		return -EBUSY;
	}
	job->req.job_id = ++daxmf_last_job_id;
	list_add_tail(&job->node, &daxmf_jobs);
	daxmf_jobs_count++;
	*ret_job_id = job->req.job_id;
	/*
	 * Queued under the lock: daxmf_jobs_stop() sets jobs_closed under it
	 * too, so every job it must wait for is on the workqueue by then.
	 */
	queue_work(daxmf_wq, &job->work);
	spin_unlock(&daxmf_jobs_lock);
	return 0;
}

/* Whether no job runs over the range any more. */
static bool daxmf_range_idle(u64 pfn, u64 pages)
{
	struct daxmf_job *job;
	bool busy = false;

	spin_lock(&daxmf_jobs_lock);
	list_for_each_entry(job, &daxmf_jobs, node)
		if (daxmf_overlaps(job->req.pfn, job->req.pages, pfn, pages))
			busy = true;
	spin_unlock(&daxmf_jobs_lock);
	return !busy;
}

void daxmf_jobs_fence(struct daxmf_fence *fence, u64 pfn, u64 pages)
{
	struct daxmf_job *job;

	fence->pfn = pfn;
	fence->pages = pages;
	spin_lock(&daxmf_jobs_lock);
	list_add(&fence->node, &daxmf_fences);
	list_for_each_entry(job, &daxmf_jobs, node)
		if (daxmf_overlaps(job->req.pfn, job->req.pages, pfn, pages))
			atomic_cmpxchg(&job->cancelled, 0, -ENXIO);
	spin_unlock(&daxmf_jobs_lock);

	/* Each job checks between pages: this is short, and nothing new starts. */
	wait_event(daxmf_jobs_ended, daxmf_range_idle(pfn, pages));
}

void daxmf_jobs_unfence(struct daxmf_fence *fence)
{
	spin_lock(&daxmf_jobs_lock);
	list_del(&fence->node);
	spin_unlock(&daxmf_jobs_lock);
}

/*
 * A closed socket cancels its jobs (nobody waits for them) and gives up
 * the removal handler's role if it had it.
 */
static int daxmf_netlink_event(struct notifier_block *nb, unsigned long event,
			       void *ptr)
{
	struct netlink_notify *n = ptr;
	struct daxmf_job *job;

	if (event != NETLINK_URELEASE || n->protocol != NETLINK_GENERIC ||
	    !net_eq(n->net, &init_net))
		return NOTIFY_DONE;

	spin_lock(&daxmf_jobs_lock);
	list_for_each_entry(job, &daxmf_jobs, node)
		if (job->req.portid && job->req.portid == n->portid)
			atomic_cmpxchg(&job->cancelled, 0, -ECONNRESET);
	spin_unlock(&daxmf_jobs_lock);
	daxmf_handler_released(n->portid);
	return NOTIFY_DONE;
}

static struct notifier_block daxmf_netlink_nb = {
	.notifier_call = daxmf_netlink_event,
};

int daxmf_jobs_init(void)
{
	int ret;

	daxmf_history = kvcalloc(DAXMF_HISTORY_JOBS, sizeof(*daxmf_history),
				 GFP_KERNEL);
	if (!daxmf_history)
		return -ENOMEM;

	/* Unbound: a long range must not hold up a per-CPU worker pool. */
	daxmf_wq = alloc_workqueue("daxmf", WQ_UNBOUND, 0);
	if (!daxmf_wq) {
		kvfree(daxmf_history);
		return -ENOMEM;
	}

	ret = netlink_register_notifier(&daxmf_netlink_nb);
	if (ret) {
		destroy_workqueue(daxmf_wq);
		kvfree(daxmf_history);
		return ret;
	}
	return 0;
}

void daxmf_jobs_stop(void)
{
	spin_lock(&daxmf_jobs_lock);
	daxmf_jobs_closed = true;
	spin_unlock(&daxmf_jobs_lock);

	/* Running jobs see jobs_closed and end with -ESHUTDOWN. */
	flush_workqueue(daxmf_wq);
}

void daxmf_jobs_exit(void)
{
	netlink_unregister_notifier(&daxmf_netlink_nb);
	destroy_workqueue(daxmf_wq);
	kvfree(daxmf_history);
}
