// SPDX-License-Identifier: GPL-2.0
/*
 * daxmf: the removal handshake with a userspace handler (daxmfd).
 *
 * While a dax device is being unbound its pages are still alive; once its
 * driver lets go, the files and processes on it can no longer be named.
 * So the unbind tells the handler first (REMOVAL_PENDING) and waits,
 * bounded, for its REMOVAL_ACK: the handler records what sits on the range
 * and may fail the pages itself.  Whatever happens -- no handler, no answer
 * in time, the handler's socket closed, module unload, the unbinding task
 * killed -- the wait ends and the unbind goes on.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/minmax.h>
#include <linux/spinlock.h>

#include "internal.h"

struct daxmf_waiter {
	struct list_head node;
	u64 id;
	struct completion done;
	u32 handshake;		/* DAXMF_HANDSHAKE_*, 0 while waiting */
	u32 verdict;
};

static DEFINE_SPINLOCK(daxmf_handshake_lock);
static u32 daxmf_handler_portid;	/* under the lock; 0: none */
static unsigned int daxmf_handler_timeout_ms;
static LIST_HEAD(daxmf_waiters);
static u64 daxmf_last_removal_id;
static bool daxmf_handshake_closed;

static unsigned int daxmf_default_timeout_ms(void)
{
	/* The parameter is writable at run time: keep it in its range. */
	return clamp_val(READ_ONCE(daxmf_removal_timeout_ms), 1,
			 DAXMF_MAX_REMOVAL_TIMEOUT_MS);
}

/* Under the lock: end one wait, once. */
static void daxmf_waiter_end(struct daxmf_waiter *w, u32 handshake, u32 verdict)
{
	if (w->handshake)
		return;
	w->handshake = handshake;
	w->verdict = verdict;
	complete(&w->done);
}

unsigned int daxmf_handler_timeout(unsigned int timeout_ms)
{
	return timeout_ms ?: daxmf_default_timeout_ms();
}

int daxmf_handler_set(u32 portid, unsigned int timeout_ms,
		      struct netlink_ext_ack *extack)
{
	int ret = 0;

	spin_lock(&daxmf_handshake_lock);
	if (daxmf_handshake_closed) {
		NL_SET_ERR_MSG(extack, "daxmf is being unloaded");
		ret = -ESHUTDOWN;
	} else if (daxmf_handler_portid && daxmf_handler_portid != portid) {
		NL_SET_ERR_MSG(extack, "another socket is the removal handler");
		ret = -EBUSY;
	} else {
		daxmf_handler_portid = portid;
		daxmf_handler_timeout_ms = timeout_ms;
	}
	spin_unlock(&daxmf_handshake_lock);
	if (!ret)
		pr_info("removal handler: port %u, timeout %u ms\n", portid,
			timeout_ms);
	return ret;
}

void daxmf_handler_get(u32 *ret_portid, unsigned int *ret_timeout_ms)
{
	spin_lock(&daxmf_handshake_lock);
	*ret_portid = daxmf_handler_portid;
	*ret_timeout_ms = daxmf_handler_portid ? daxmf_handler_timeout_ms :
		daxmf_default_timeout_ms();
	spin_unlock(&daxmf_handshake_lock);
}

void daxmf_handler_released(u32 portid)
{
	struct daxmf_waiter *w;
	bool was = false;

	spin_lock(&daxmf_handshake_lock);
	if (portid && portid == daxmf_handler_portid) {
		daxmf_handler_portid = 0;
		was = true;
		list_for_each_entry(w, &daxmf_waiters, node)
			daxmf_waiter_end(w, DAXMF_HANDSHAKE_HANDLER_GONE, 0);
	}
	spin_unlock(&daxmf_handshake_lock);
	if (was)
		pr_info("removal handler (port %u) gone\n", portid);
}

int daxmf_removal_ack(u32 portid, u64 id, u32 verdict,
		      struct netlink_ext_ack *extack)
{
	struct daxmf_waiter *w;
	int ret = -ENOENT;

	spin_lock(&daxmf_handshake_lock);
	if (portid != daxmf_handler_portid) {
		NL_SET_ERR_MSG(extack, "only the removal handler may acknowledge a removal");
		ret = -EPERM;
		goto out;
	}
	list_for_each_entry(w, &daxmf_waiters, node) {
		if (w->id != id)
			continue;
		if (w->handshake) {
			NL_SET_ERR_MSG(extack, "this removal stopped waiting already");
			goto out;
		}
		daxmf_waiter_end(w, DAXMF_HANDSHAKE_ACKED, verdict);
		ret = 0;
		goto out;
	}
	NL_SET_ERR_MSG(extack, "no removal with this id is waiting (timed out, or never was)");
out:
	spin_unlock(&daxmf_handshake_lock);
	return ret;
}

u32 daxmf_removal_handshake(const char *device, u32 mode, u64 pfn, u64 pages,
			    struct daxmf_removal_outcome *out)
{
	struct daxmf_waiter w = { .handshake = 0 };
	unsigned int timeout_ms;
	ktime_t start = ktime_get();
	u32 portid;
	long left;
	int ret;

	init_completion(&w.done);
	spin_lock(&daxmf_handshake_lock);
	w.id = ++daxmf_last_removal_id;
	portid = daxmf_handler_portid;
	timeout_ms = daxmf_handler_timeout_ms;
	if (daxmf_handshake_closed)
		w.handshake = DAXMF_HANDSHAKE_ABORTED;
	else if (!portid)
		w.handshake = DAXMF_HANDSHAKE_NO_HANDLER;
	else
		list_add_tail(&w.node, &daxmf_waiters);
	spin_unlock(&daxmf_handshake_lock);

	out->id = w.id;
	out->verdict = 0;
	out->waited_ns = 0;
	if (w.handshake) {
		out->handshake = w.handshake;
		return out->handshake;
	}

	/*
	 * Sent after the waiter is listed: an answer cannot come before it
	 * can be matched.  A handler that cannot be told is not waited for.
	 */
	ret = daxmf_genl_notify_pending(device, mode, pfn, pages, w.id,
					timeout_ms, portid);
	if (ret) {
		spin_lock(&daxmf_handshake_lock);
		daxmf_waiter_end(&w, ret == -ECONNREFUSED ?
				 DAXMF_HANDSHAKE_HANDLER_GONE :
				 DAXMF_HANDSHAKE_UNDELIVERED, 0);
		spin_unlock(&daxmf_handshake_lock);
	}

	left = wait_for_completion_killable_timeout(&w.done,
						    msecs_to_jiffies(timeout_ms));

	spin_lock(&daxmf_handshake_lock);
	if (left == 0)
		daxmf_waiter_end(&w, DAXMF_HANDSHAKE_TIMEOUT, 0);
	else if (left < 0)
		daxmf_waiter_end(&w, DAXMF_HANDSHAKE_ABORTED, 0);
	list_del(&w.node);
	spin_unlock(&daxmf_handshake_lock);

	out->handshake = w.handshake;
	out->verdict = w.verdict;
	out->waited_ns = ktime_to_ns(ktime_sub(ktime_get(), start));
	return out->handshake;
}

void daxmf_handshake_stop(void)
{
	struct daxmf_waiter *w;

	spin_lock(&daxmf_handshake_lock);
	daxmf_handshake_closed = true;
	daxmf_handler_portid = 0;
	list_for_each_entry(w, &daxmf_waiters, node)
		daxmf_waiter_end(w, DAXMF_HANDSHAKE_ABORTED, 0);
	spin_unlock(&daxmf_handshake_lock);
}
