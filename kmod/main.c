// SPDX-License-Identifier: GPL-2.0
/*
 * daxmf: fail whole ranges of dax/pmem device memory on request from
 * userspace, over generic netlink.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/module.h>
#include <linux/moduleparam.h>
#include <net/genetlink.h>

#include "internal.h"

unsigned long daxmf_max_pages = 1UL << 32;	/* 16 TiB of 4 KiB pages */
module_param_named(max_pages, daxmf_max_pages, ulong, 0444);
MODULE_PARM_DESC(max_pages, "Largest range, in pages, one request may fail");

unsigned long daxmf_batch_pages = 512;
module_param_named(batch_pages, daxmf_batch_pages, ulong, 0644);
MODULE_PARM_DESC(batch_pages,
		 "Pages handed to the pagemap's failure op per call (>= 1)");

unsigned int daxmf_progress_ms = 250;
module_param_named(progress_ms, daxmf_progress_ms, uint, 0644);
MODULE_PARM_DESC(progress_ms,
		 "Least interval between progress events of one range");

unsigned int daxmf_max_jobs = 16;
module_param_named(max_jobs, daxmf_max_jobs, uint, 0644);
MODULE_PARM_DESC(max_jobs, "Ranges that may be queued or running at once");

unsigned int daxmf_removal_timeout_ms = 10000;
module_param_named(removal_timeout_ms, daxmf_removal_timeout_ms, uint, 0644);
MODULE_PARM_DESC(removal_timeout_ms,
		 "How long an unbind waits for the removal handler, unless it set its own (1..60000)");

static int __init daxmf_init(void)
{
	int ret;

	if (!daxmf_max_pages) {
		pr_err("max_pages must be at least 1\n");
		return -EINVAL;
	}
	if (!daxmf_removal_timeout_ms ||
	    daxmf_removal_timeout_ms > DAXMF_MAX_REMOVAL_TIMEOUT_MS) {
		pr_err("removal_timeout_ms must be 1..%u\n",
		       DAXMF_MAX_REMOVAL_TIMEOUT_MS);
		return -EINVAL;
	}

	ret = daxmf_jobs_init();
	if (ret)
		return ret;

	ret = daxmf_genl_register();
	if (ret) {
		pr_err("cannot register generic netlink family: %d\n", ret);
		daxmf_jobs_exit();
		return ret;
	}

	/* After the family: the work multicasts what the probe records. */
	ret = daxmf_mf_watch_init();
	if (ret) {
		daxmf_jobs_stop();
		daxmf_genl_unregister();
		daxmf_jobs_exit();
		return ret;
	}

	ret = daxmf_preremove_init();
	if (ret) {
		pr_err("cannot watch the nd bus for removals: %d\n", ret);
		daxmf_jobs_stop();
		daxmf_mf_watch_exit();
		daxmf_genl_unregister();
		daxmf_jobs_exit();
		return ret;
	}

	pr_info("version %s loaded\n", DAXMF_VERSION);
	return 0;
}

static void __exit daxmf_exit(void)
{
	/*
	 * Stop the ranges first, while the family is still registered: each
	 * reports its -ESHUTDOWN to its requester and the events group.
	 * Requests arriving meanwhile are refused.  A removal waiting for
	 * the handler stops waiting and does its work before the notifier
	 * can be unregistered.  A device still being unbound keeps its range
	 * fenced until no range can be accepted any more.  The kernel's memory
	 * failures are followed until the ranges have stopped, and what is held
	 * is sent before the family goes.
	 */
	daxmf_handshake_stop();
	daxmf_preremove_exit();
	daxmf_jobs_stop();
	daxmf_preremove_free_fences();
	daxmf_mf_watch_exit();
	daxmf_genl_unregister();
	daxmf_jobs_exit();
	pr_info("unloaded\n");
}

module_init(daxmf_init);
module_exit(daxmf_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("Fail ranges of dax/pmem memory on request (generic netlink)");
MODULE_VERSION(DAXMF_VERSION);
MODULE_ALIAS_GENL_FAMILY(DAXMF_GENL_NAME);
