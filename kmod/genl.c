// SPDX-License-Identifier: GPL-2.0
/*
 * daxmf: the generic netlink family, its policies, replies and events.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/capability.h>
#include <linux/utsname.h>
#include <net/genetlink.h>

#include "internal.h"

static struct genl_family daxmf_family;

enum daxmf_mcgrp {
	DAXMF_MCGRP_EVENTS,
};

static const struct genl_multicast_group daxmf_mcgrps[] = {
	[DAXMF_MCGRP_EVENTS] = {
		.name = DAXMF_GENL_MCGRP_EVENTS,
#ifdef GENL_MCAST_CAP_SYS_ADMIN
		/* Events carry physical addresses: admins only. */
		.flags = GENL_MCAST_CAP_SYS_ADMIN,
#endif
	},
};

/* GET_INFO takes no attributes: strict validation rejects any. */
static const struct nla_policy daxmf_get_info_policy[DAXMF_ATTR_MAX + 1] = {
};

static const struct nla_policy daxmf_fail_range_policy[DAXMF_ATTR_MAX + 1] = {
	[DAXMF_ATTR_PFN]	= { .type = NLA_U64 },
	[DAXMF_ATTR_PAGES]	= { .type = NLA_U64 },
	[DAXMF_ATTR_FLAGS]	= { .type = NLA_U32 },
	[DAXMF_ATTR_COOKIE]	= { .type = NLA_U64 },
};

static int daxmf_pre_doit(const struct genl_ops *ops, struct sk_buff *skb,
			  struct genl_info *info)
{
	/*
	 * Every command is admin-only.  GENL_ADMIN_PERM would only ask for
	 * CAP_NET_ADMIN and reject without an extack message, so the check
	 * is made here, for CAP_SYS_ADMIN, with one.
	 */
	if (!netlink_capable(skb, CAP_SYS_ADMIN)) {
		NL_SET_ERR_MSG(info->extack, "daxmf requires CAP_SYS_ADMIN");
		return -EPERM;
	}
	return 0;
}

static int daxmf_get_info(struct sk_buff *skb, struct genl_info *info)
{
	struct sk_buff *msg;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;

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
	if (nla_put_u64_64bit(msg, DAXMF_ATTR_COOKIE, req->cookie,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PFN, req->pfn, DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES, req->pages,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u32(msg, DAXMF_ATTR_FLAGS, req->flags) ||
	    nla_put_u32(msg, DAXMF_ATTR_REQUESTER_PORTID, req->portid) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES_DONE, res->pages_done,
			      DAXMF_ATTR_PAD) ||
	    nla_put_u64_64bit(msg, DAXMF_ATTR_PAGES_FAILED, res->pages_failed,
			      DAXMF_ATTR_PAD) ||
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
		pr_warn_ratelimited("cannot build event for pfn %#llx+%llu\n",
				    req->pfn, req->pages);
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

static int daxmf_fail_range(struct sk_buff *skb, struct genl_info *info)
{
	struct daxmf_range_req req = {
		.portid = info->snd_portid,
	};
	struct daxmf_range_result res;
	struct sk_buff *reply;
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

	daxmf_range_fail(&req, &res);
	daxmf_multicast(&req, &res, DAXMF_CMD_RANGE_DONE);

	reply = daxmf_range_msg(&req, &res, DAXMF_CMD_RANGE_DONE,
				info->snd_portid, info->snd_seq);
	if (!reply) {
		/* The range was failed; only the reply is lost. */
		NL_SET_ERR_MSG(info->extack, "range handled, but the reply could not be built");
		return -ENOMEM;
	}
	return genlmsg_reply(reply, info);
}

static const struct genl_ops daxmf_ops[] = {
	{
		.cmd = DAXMF_CMD_GET_INFO,
		.doit = daxmf_get_info,
		.policy = daxmf_get_info_policy,
		.maxattr = DAXMF_ATTR_MAX,
	},
	{
		.cmd = DAXMF_CMD_FAIL_RANGE,
		.doit = daxmf_fail_range,
		.policy = daxmf_fail_range_policy,
		.maxattr = DAXMF_ATTR_MAX,
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
	/* Strict validation of header and attributes for every command. */
	.resv_start_op = __DAXMF_CMD_MAX,
	/*
	 * A range may run for seconds: do not hold genl_mutex (and with it
	 * every other generic netlink family) meanwhile.
	 */
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
