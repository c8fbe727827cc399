// SPDX-License-Identifier: GPL-2.0
/*
 * daxmf: the generic netlink family, its policies, replies and events.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/slab.h>
#include <linux/utsname.h>
#include <net/genetlink.h>

#include "internal.h"
#include "mf-coalesce.h"

static struct genl_family daxmf_family;

enum daxmf_mcgrp {
	DAXMF_MCGRP_EVENTS,
};

#ifndef GENL_MCAST_CAP_SYS_ADMIN
#error "this kernel cannot restrict multicast groups to CAP_SYS_ADMIN (GENL_MCAST_CAP_SYS_ADMIN)"
#endif

static const struct genl_multicast_group daxmf_mcgrps[] = {
	[DAXMF_MCGRP_EVENTS] = {
		.name = DAXMF_GENL_MCGRP_EVENTS,
		/* Events carry physical addresses: admins only. */
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
	},
};

static const struct nla_policy daxmf_fail_range_policy[DAXMF_ATTR_MAX + 1] = {
	[DAXMF_ATTR_PFN]	= { .type = NLA_U64 },
	[DAXMF_ATTR_PAGES]	= { .type = NLA_U64 },
	[DAXMF_ATTR_FLAGS]	= { .type = NLA_U32 },
	[DAXMF_ATTR_COOKIE]	= { .type = NLA_U64 },
};

static const struct nla_policy daxmf_get_job_policy[DAXMF_ATTR_MAX + 1] = {
	[DAXMF_ATTR_COOKIE]	= { .type = NLA_U64 },
};

/* Past what NLA_POLICY_RANGE's s16 bounds hold; 6.1 takes no const here. */
static struct netlink_range_validation daxmf_timeout_range = {
	.min = 1,
	.max = DAXMF_MAX_REMOVAL_TIMEOUT_MS,
};

static const struct nla_policy daxmf_set_handler_policy[DAXMF_ATTR_MAX + 1] = {
	[DAXMF_ATTR_TIMEOUT_MS]	= NLA_POLICY_FULL_RANGE(NLA_U32,
							&daxmf_timeout_range),
};

static const struct nla_policy daxmf_removal_ack_policy[DAXMF_ATTR_MAX + 1] = {
	[DAXMF_ATTR_REMOVAL_ID]	= { .type = NLA_U64 },
	[DAXMF_ATTR_VERDICT]	= NLA_POLICY_RANGE(NLA_U32, DAXMF_VERDICT_FAILED,
						   DAXMF_VERDICT_RECORDED),
};

/* GET_INFO takes no attribute: every entry is NLA_UNSPEC, refused strictly. */
static const struct nla_policy daxmf_no_attr_policy[DAXMF_ATTR_MAX + 1];

static const struct nla_policy *daxmf_cmd_policy(u8 cmd)
{
	switch (cmd) {
	case DAXMF_CMD_FAIL_RANGE:
		return daxmf_fail_range_policy;
	case DAXMF_CMD_GET_JOB:
		return daxmf_get_job_policy;
	case DAXMF_CMD_SET_REMOVAL_HANDLER:
		return daxmf_set_handler_policy;
	case DAXMF_CMD_REMOVAL_ACK:
		return daxmf_removal_ack_policy;
	default:
		return daxmf_no_attr_policy;
	}
}

/* What the core's genl_header_check() would have refused. */
static int daxmf_header_check(const struct genl_info *info)
{
	u16 flags = info->nlhdr->nlmsg_flags;

	if (info->genlhdr->reserved) {
		NL_SET_ERR_MSG(info->extack, "genlmsghdr.reserved field is not 0");
		return -EINVAL;
	}
	/* Dumps never get here: this family has none (-EOPNOTSUPP). */
	if (flags & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) {
		NL_SET_ERR_MSG(info->extack, "ambiguous or reserved bits set in nlmsg_flags");
		return -EINVAL;
	}
	return 0;
}

/*
 * Every command is admin-only, and the permission comes first: a caller
 * without CAP_SYS_ADMIN gets -EPERM whatever the request holds, and its
 * attributes are never parsed.  In 6.1 the core checks the header and
 * parses the op's policy before pre_doit runs; the only check it makes
 * earlier is GENL_ADMIN_PERM, which asks for CAP_NET_ADMIN (daxmfd's unit
 * has CAP_SYS_ADMIN only) and gives no extack message.  So the ops carry no
 * policy and every command sits below resv_start_op: the core hands the
 * request over unparsed and unchecked, and this function makes the
 * capability check, then the core's header check and its strict parse with
 * the command's policy (same errors, same extack messages).  The cost:
 * CTRL_CMD_GETPOLICY no longer shows the policies.
 */
static int daxmf_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			  struct genl_info *info)
{
	struct nlattr **attrs;
	int ret;

	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack, "daxmf requires CAP_SYS_ADMIN");
		return -EPERM;
	}

	ret = daxmf_header_check(info);
	if (ret)
		return ret;

	attrs = kmalloc_array(DAXMF_ATTR_MAX + 1, sizeof(*attrs), GFP_KERNEL);
	if (!attrs)
		return -ENOMEM;
	ret = __nlmsg_parse(info->nlhdr, GENL_HDRLEN, attrs, DAXMF_ATTR_MAX,
			    daxmf_cmd_policy(ops->cmd), NL_VALIDATE_STRICT,
			    info->extack);
	if (ret) {
		kfree(attrs);
		return ret;
	}
	info->attrs = attrs;
	return 0;
}

/* Runs after every doit whose pre_doit succeeded. */
static void daxmf_post_doit(const struct genl_ops *ops, struct sk_buff *skb,
			    struct genl_info *info)
{
	kfree(info->attrs);
	info->attrs = NULL;
}

static int daxmf_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct daxmf_mf_info mf;
	unsigned int timeout_ms;
	struct sk_buff *msg;
	u32 handler;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

	daxmf_handler_get(&handler, &timeout_ms);
	daxmf_mf_info(&mf);
	hdr = genlmsg_put_reply(msg, info, &daxmf_family, 0,
				DAXMF_CMD_GET_INFO);
	if (!hdr)
		goto too_big;

	if (nla_put_string(msg, DAXMF_ATTR_VERSION, DAXMF_VERSION) ||
	    nla_put_string(msg, DAXMF_ATTR_KERNEL_RELEASE,
			   init_utsname()->release) ||
	    nla_put_u32(msg, DAXMF_ATTR_SUPPORTED_FLAGS, DAXMF_FLAGS_ALL) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_MAX_PAGES, daxmf_max_pages,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_BATCH_PAGES,
			      max(READ_ONCE(daxmf_batch_pages), 1UL),
			      DAXMF_ATTR_PAD) ||
	    nla_put_u32(msg, DAXMF_ATTR_PAGE_SHIFT, PAGE_SHIFT) ||
	    nla_put_u32(msg, DAXMF_ATTR_MAX_JOBS, READ_ONCE(daxmf_max_jobs)) ||
	    nla_put_u32(msg, DAXMF_ATTR_JOBS_RUNNING, daxmf_jobs_running()) ||
	    nla_put_u32(msg, DAXMF_ATTR_HISTORY_JOBS, DAXMF_HISTORY_JOBS) ||
	    nla_put_u32(msg, DAXMF_ATTR_HANDLER_PORTID, handler) ||
	    nla_put_u32(msg, DAXMF_ATTR_TIMEOUT_MS, timeout_ms) ||
	    nla_put_u32(msg, DAXMF_ATTR_MF_WATCH, mf.watching) ||
	    nla_put_u32(msg, DAXMF_ATTR_MF_RECORDS, mf.records) ||
	    nla_put_u32(msg, DAXMF_ATTR_MF_WINDOW_MS, mf.window_ms) ||
	    nla_put_u32(msg, DAXMF_ATTR_MF_MAX_DELAY_MS, mf.max_delay_ms) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_MF_EVENTS_TOTAL, mf.events_total,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_MF_LOST_TOTAL, mf.lost_total,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_MF_REPORTED, mf.reported,
			      DAXMF_ATTR_PAD))
		goto too_big;

	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

too_big:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int daxmf_put_range(struct sk_buff *msg,
			   const struct daxmf_range_req *req,
			   const struct daxmf_range_result *res, bool done)
{
	if (nla_put_u64_64bit(msg, DAXMF_ATTR_JOB_ID, req->job_id,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_COOKIE, req->cookie,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PFN, req->pfn, DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES, req->pages,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u32(msg, DAXMF_ATTR_FLAGS, req->flags & DAXMF_FLAGS_ALL) ||
	    nla_put_u32(msg, DAXMF_ATTR_REQUESTER_PORTID, req->portid) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES_DONE, res->pages_done,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES_FAILED, res->pages_failed,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES_UNMAPPED,
			      res->pages_unmapped, DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_ELAPSED_NS, res->elapsed_ns,
			      DAXMF_ATTR_PAD))
		return -EMSGSIZE;

	if (!done)
		return 0;

	if (nla_put_s32(msg, DAXMF_ATTR_STATUS, res->status) ||
	    nla_put_s32(msg, DAXMF_ATTR_FIRST_ERROR, res->first_error) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_FIRST_ERROR_PFN,
			      res->first_error_pfn, DAXMF_ATTR_PAD) ||
	    nla_put_u32(msg, DAXMF_ATTR_PATHS, res->paths) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGEMAP_PAGES,
			      res->pagemap_pages, DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PER_PAGE_PAGES,
			      res->per_page_pages, DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_BATCHES, res->batches,
			      DAXMF_ATTR_PAD))
		return -EMSGSIZE;
	return 0;
}

static struct sk_buff *daxmf_range_msg(const struct daxmf_range_req *req,
				       const struct daxmf_range_result *res,
				       u8 cmd, u32 portid, u32 seq)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return NULL;

	hdr = genlmsg_put(msg, portid, seq, &daxmf_family, 0, cmd);
	if (!hdr || daxmf_put_range(msg, req, res, cmd == DAXMF_CMD_RANGE_DONE)) {
		nlmsg_free(msg);
		return NULL;
	}
	genlmsg_end(msg, hdr);
	return msg;
}

static void daxmf_multicast(const struct daxmf_range_req *req,
			    const struct daxmf_range_result *res, u8 cmd)
{
	struct sk_buff *msg;

	if (!genl_has_listeners(&daxmf_family, &init_net, DAXMF_MCGRP_EVENTS))
		return;

	msg = daxmf_range_msg(req, res, cmd, 0, 0);
	if (!msg) {
		pr_warn_ratelimited("job %llu: cannot build an event\n",
				    req->job_id);
		return;
	}
	genlmsg_multicast(&daxmf_family, msg, 0, DAXMF_MCGRP_EVENTS,
			  GFP_KERNEL);
}

void daxmf_genl_notify_progress(const struct daxmf_range_req *req,
				const struct daxmf_range_result *res)
{
	daxmf_multicast(req, res, DAXMF_CMD_RANGE_PROGRESS);
}

void daxmf_genl_notify_done(const struct daxmf_range_req *req,
			    const struct daxmf_range_result *res)
{
	struct sk_buff *msg;
	int ret;

	daxmf_multicast(req, res, DAXMF_CMD_RANGE_DONE);
	if (!req->portid)
		return;

	msg = daxmf_range_msg(req, res, DAXMF_CMD_RANGE_DONE, req->portid, 0);
	if (!msg) {
		pr_warn_ratelimited("job %llu: cannot build the reply\n",
				    req->job_id);
		return;
	}
	/* A requester that went away or overran its buffer misses it; the
	 * multicast above is the record.
	 */
	ret = genlmsg_unicast(&init_net, msg, req->portid);
	if (ret && ret != -ECONNREFUSED)
		pr_warn_ratelimited("job %llu: reply to port %u lost: %d\n",
				    req->job_id, req->portid, ret);
}

void daxmf_genl_notify_removal(const char *device, u32 mode,
			       const struct daxmf_removal_outcome *out,
			       const struct daxmf_range_req *req,
			       const struct daxmf_range_result *res)
{
	struct sk_buff *msg;
	void *hdr;

	if (!genl_has_listeners(&daxmf_family, &init_net, DAXMF_MCGRP_EVENTS))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		goto lost;
	hdr = genlmsg_put(msg, 0, 0, &daxmf_family, 0, DAXMF_CMD_REMOVAL);
	if (!hdr ||
	    nla_put_string(msg, DAXMF_ATTR_DEVICE, device) ||
	    nla_put_u32(msg, DAXMF_ATTR_REMOVAL_MODE, mode) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PFN, req->pfn, DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES, req->pages,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES_DONE, res->pages_done,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES_FAILED, res->pages_failed,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES_UNMAPPED,
			      res->pages_unmapped, DAXMF_ATTR_PAD) ||
	    nla_put_s32(msg, DAXMF_ATTR_STATUS, res->status) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_ELAPSED_NS, res->elapsed_ns,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_REMOVAL_ID, out->id,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u32(msg, DAXMF_ATTR_HANDSHAKE, out->handshake) ||
	    (out->verdict &&
	     nla_put_u32(msg, DAXMF_ATTR_VERDICT, out->verdict)) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_WAITED_NS, out->waited_ns,
			      DAXMF_ATTR_PAD)) {
		nlmsg_free(msg);
		goto lost;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&daxmf_family, msg, 0, DAXMF_MCGRP_EVENTS,
			  GFP_KERNEL);
	return;
lost:
	pr_warn_ratelimited("%s: cannot build the removal event\n", device);
}

bool daxmf_genl_has_listeners(void)
{
	return genl_has_listeners(&daxmf_family, &init_net, DAXMF_MCGRP_EVENTS);
}

static int daxmf_put_mf_range(struct sk_buff *msg,
			      const struct daxmf_mf_range *r, u64 seq,
			      u64 reported, u64 first_real_ns,
			      u64 last_real_ns, const char *type_name,
			      const char *result_name)
{
	if (nla_put_u64_64bit(msg, DAXMF_ATTR_MF_SEQ, seq, DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_MF_REPORTED, reported,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PFN, r->pfn, DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES, r->pages,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_MF_EVENTS, r->events,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u32(msg, DAXMF_ATTR_MF_PAGE_TYPE, r->key.type) ||
	    nla_put_string(msg, DAXMF_ATTR_MF_PAGE_TYPE_NAME, type_name) ||
	    nla_put_u32(msg, DAXMF_ATTR_MF_RESULT, r->key.result) ||
	    nla_put_string(msg, DAXMF_ATTR_MF_RESULT_NAME, result_name) ||
	    nla_put_u32(msg, DAXMF_ATTR_MF_ORIGIN, r->key.origin) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_FIRST_NS, first_real_ns,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_LAST_NS, last_real_ns,
			      DAXMF_ATTR_PAD))
		return -EMSGSIZE;
	if (r->key.origin != DAXMF_MF_ORIGIN_FAIL_RANGE)
		return 0;
	if (nla_put_u64_64bit(msg, DAXMF_ATTR_JOB_ID, r->key.job_id,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_COOKIE, r->key.cookie,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u32(msg, DAXMF_ATTR_REQUESTER_PORTID, r->key.portid))
		return -EMSGSIZE;
	return 0;
}

int daxmf_genl_notify_memory_failure(const struct daxmf_mf_range *r, u64 seq,
				     u64 reported, u64 first_real_ns,
				     u64 last_real_ns, const char *type_name,
				     const char *result_name)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &daxmf_family, 0,
			  DAXMF_CMD_MEMORY_FAILURE);
	if (!hdr || daxmf_put_mf_range(msg, r, seq, reported, first_real_ns,
				       last_real_ns, type_name, result_name)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	/*
	 * A listener whose receive buffer is full sees ENOBUFS, a gap in
	 * MF_SEQ and MF_REPORTED: not counted as lost here.
	 */
	genlmsg_multicast(&daxmf_family, msg, 0, DAXMF_MCGRP_EVENTS,
			  GFP_KERNEL);
	return 0;
}

int daxmf_genl_notify_mf_lost(u64 seq, u64 reported, u64 lost, u64 first_pfn,
			      u64 last_pfn)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put(msg, 0, 0, &daxmf_family, 0,
			  DAXMF_CMD_MEMORY_FAILURE_LOST);
	if (!hdr ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_MF_SEQ, seq, DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_MF_REPORTED, reported,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_MF_LOST, lost, DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PFN, first_pfn, DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES, last_pfn - first_pfn + 1,
			      DAXMF_ATTR_PAD)) {
		nlmsg_free(msg);
		return -EMSGSIZE;
	}
	genlmsg_end(msg, hdr);
	genlmsg_multicast(&daxmf_family, msg, 0, DAXMF_MCGRP_EVENTS,
			  GFP_KERNEL);
	return 0;
}

static struct sk_buff *daxmf_pending_msg(const char *device, u32 mode,
					 u64 pfn, u64 pages, u64 id,
					 unsigned int timeout_ms)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return NULL;
	hdr = genlmsg_put(msg, 0, 0, &daxmf_family, 0,
			  DAXMF_CMD_REMOVAL_PENDING);
	if (!hdr ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_REMOVAL_ID, id, DAXMF_ATTR_PAD) ||
	    nla_put_string(msg, DAXMF_ATTR_DEVICE, device) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PFN, pfn, DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES, pages, DAXMF_ATTR_PAD) ||
	    nla_put_u32(msg, DAXMF_ATTR_REMOVAL_MODE, mode) ||
	    nla_put_u32(msg, DAXMF_ATTR_TIMEOUT_MS, timeout_ms)) {
		nlmsg_free(msg);
		return NULL;
	}
	genlmsg_end(msg, hdr);
	return msg;
}

int daxmf_genl_notify_pending(const char *device, u32 mode, u64 pfn,
			      u64 pages, u64 id, unsigned int timeout_ms,
			      u32 portid)
{
	struct sk_buff *msg;

	if (genl_has_listeners(&daxmf_family, &init_net, DAXMF_MCGRP_EVENTS)) {
		msg = daxmf_pending_msg(device, mode, pfn, pages, id,
					timeout_ms);
		if (msg)
			genlmsg_multicast(&daxmf_family, msg, 0,
					  DAXMF_MCGRP_EVENTS, GFP_KERNEL);
	}

	msg = daxmf_pending_msg(device, mode, pfn, pages, id, timeout_ms);
	if (!msg)
		return -ENOMEM;
	/* Frees msg whatever happens. */
	return genlmsg_unicast(&init_net, msg, portid);
}

static int daxmf_set_removal_handler(struct sk_buff *skb,
				     struct genl_info *info)
{
	unsigned int timeout_ms = 0;
	struct sk_buff *reply;
	void *hdr;
	int ret;

	if (info->attrs[DAXMF_ATTR_TIMEOUT_MS])
		timeout_ms = nla_get_u32(info->attrs[DAXMF_ATTR_TIMEOUT_MS]);
	timeout_ms = daxmf_handler_timeout(timeout_ms);

	/* The whole reply first: once the role is given, nothing fails. */
	reply = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &daxmf_family, 0,
				DAXMF_CMD_SET_REMOVAL_HANDLER);
	if (!hdr ||
	    nla_put_u32(reply, DAXMF_ATTR_HANDLER_PORTID, info->snd_portid) ||
	    nla_put_u32(reply, DAXMF_ATTR_TIMEOUT_MS, timeout_ms)) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);

	ret = daxmf_handler_set(info->snd_portid, timeout_ms, info->extack);
	if (ret) {
		nlmsg_free(reply);
		return ret;
	}
	return genlmsg_reply(reply, info);
}

static int daxmf_removal_ack_cmd(struct sk_buff *skb, struct genl_info *info)
{
	if (GENL_REQ_ATTR_CHECK(info, DAXMF_ATTR_REMOVAL_ID)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute DAXMF_ATTR_REMOVAL_ID");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, DAXMF_ATTR_VERDICT)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute DAXMF_ATTR_VERDICT");
		return -EINVAL;
	}
	return daxmf_removal_ack(info->snd_portid,
				 nla_get_u64(info->attrs[DAXMF_ATTR_REMOVAL_ID]),
				 nla_get_u32(info->attrs[DAXMF_ATTR_VERDICT]),
				 info->extack);
}

static int daxmf_fail_range(struct sk_buff *skb, struct genl_info *info)
{
	struct daxmf_range_req req = {
		.portid = info->snd_portid,
	};
	struct sk_buff *reply;
	void *hdr;
	int ret;

	/* The missing attribute's type also goes out in the extended ack. */
	if (GENL_REQ_ATTR_CHECK(info, DAXMF_ATTR_PFN)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute DAXMF_ATTR_PFN (start pfn)");
		return -EINVAL;
	}
	if (GENL_REQ_ATTR_CHECK(info, DAXMF_ATTR_PAGES)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute DAXMF_ATTR_PAGES (page count)");
		return -EINVAL;
	}

	req.pfn = nla_get_u64(info->attrs[DAXMF_ATTR_PFN]);
	req.pages = nla_get_u64(info->attrs[DAXMF_ATTR_PAGES]);
	if (info->attrs[DAXMF_ATTR_FLAGS])
		req.flags = nla_get_u32(info->attrs[DAXMF_ATTR_FLAGS]);
	if (info->attrs[DAXMF_ATTR_COOKIE])
		req.cookie = nla_get_u64(info->attrs[DAXMF_ATTR_COOKIE]);

	ret = daxmf_range_validate(&req, info->extack);
	if (ret)
		return ret;
	/* What a removal of the module's own does, asked for by a handler. */
	if (req.flags & DAXMF_FLAG_REMOVAL)
		req.flags |= DAXMF_FLAG_PER_PAGE | DAXMF_FLAG_MAPPED_ONLY |
			     DAXMF_FLAG_UNMAP_ALL;

	/* Built before queueing: once queued, the range is not refused. */
	reply = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!reply)
		return -ENOMEM;
	hdr = genlmsg_put_reply(reply, info, &daxmf_family, 0,
				DAXMF_CMD_FAIL_RANGE);
	if (!hdr) {
		nlmsg_free(reply);
		return -EMSGSIZE;
	}

	ret = daxmf_job_submit(&req, &req.job_id, info->extack);
	if (ret) {
		nlmsg_free(reply);
		return ret;
	}

	if (nla_put_u64_64bit(reply, DAXMF_ATTR_JOB_ID, req.job_id,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(reply, DAXMF_ATTR_COOKIE, req.cookie,
			      DAXMF_ATTR_PAD)) {
		/* Cannot happen with a default-size message; the job runs. */
		nlmsg_free(reply);
		return -EMSGSIZE;
	}
	genlmsg_end(reply, hdr);
	return genlmsg_reply(reply, info);
}

static int daxmf_get_job(struct sk_buff *skb, struct genl_info *info)
{
	struct daxmf_range_result res;
	struct daxmf_range_req req;
	struct sk_buff *reply;
	bool done;
	int ret;

	if (GENL_REQ_ATTR_CHECK(info, DAXMF_ATTR_COOKIE)) {
		NL_SET_ERR_MSG(info->extack, "missing attribute DAXMF_ATTR_COOKIE");
		return -EINVAL;
	}

	ret = daxmf_job_lookup(nla_get_u64(info->attrs[DAXMF_ATTR_COOKIE]),
			       &req, &res, &done);
	if (ret) {
		NL_SET_ERR_MSG(info->extack, "no running or recently finished job has this cookie");
		return ret;
	}

	reply = daxmf_range_msg(&req, &res, done ? DAXMF_CMD_RANGE_DONE :
				DAXMF_CMD_RANGE_PROGRESS,
				info->snd_portid, info->snd_seq);
	if (!reply)
		return -ENOMEM;
	return genlmsg_reply(reply, info);
}

static const struct genl_ops daxmf_ops[] = {
	/* Policies are applied by daxmf_pre_doit(), after the capability. */
	{
		.cmd = DAXMF_CMD_GET_INFO,
		.doit = daxmf_get_info,
	},
	{
		.cmd = DAXMF_CMD_FAIL_RANGE,
		.doit = daxmf_fail_range,
	},
	{
		.cmd = DAXMF_CMD_GET_JOB,
		.doit = daxmf_get_job,
	},
	{
		.cmd = DAXMF_CMD_SET_REMOVAL_HANDLER,
		.doit = daxmf_set_removal_handler,
	},
	{
		.cmd = DAXMF_CMD_REMOVAL_ACK,
		.doit = daxmf_removal_ack_cmd,
	},
};

static struct genl_family daxmf_family __ro_after_init = {
	.name = DAXMF_GENL_NAME,
	.version = DAXMF_GENL_VERSION,
	.module = THIS_MODULE,
	.ops = daxmf_ops,
	.n_ops = ARRAY_SIZE(daxmf_ops),
	.mcgrps = daxmf_mcgrps,
	.n_mcgrps = ARRAY_SIZE(daxmf_mcgrps),
	.pre_doit = daxmf_pre_doit,
	.post_doit = daxmf_post_doit,
	/*
	 * Every command below resv_start_op: the core leaves the header check
	 * and the parsing to daxmf_pre_doit(), after the capability check.
	 * Commands numbered from here on (none yet) would be checked by the
	 * core first.
	 */
	.resv_start_op = __DAXMF_CMD_MAX,
	/* Requests are short (ranges run as jobs) and need no genl_mutex. */
	.parallel_ops = true,
};

int daxmf_genl_register(void)
{
	return genl_register_family(&daxmf_family);
}

void daxmf_genl_unregister(void)
{
	genl_unregister_family(&daxmf_family);
}
