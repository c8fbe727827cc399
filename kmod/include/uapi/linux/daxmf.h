/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * daxmf: generic netlink ABI for failing ranges of device (dax/pmem) memory.
 *
 * This header is the single definition of the ABI; the kernel module and the
 * userspace tools both include it.
 *
 * Every command requires CAP_SYS_ADMIN, and so does joining the "events"
 * group.  The capability is checked first: without it a request gets -EPERM
 * whatever its header and attributes hold (a dump request gets -EOPNOTSUPP:
 * the family has no dumps).  Validation is strict: reserved header fields, unknown attributes,
 * attributes a command does not take, and trailing data are rejected with an
 * extended-ack message.  When a rejection concerns one page frame, the
 * extended ack's cookie (NLMSGERR_ATTR_COOKIE) carries that pfn as a
 * native-endian __u64.
 *
 * A range runs asynchronously, as a job: FAIL_RANGE is answered at once with
 * the job's id, and RANGE_DONE follows, sent to the requesting socket and
 * multicast on "events".  A job stops early when its requesting socket is
 * closed, or when the module is unloaded.
 */
#ifndef _UAPI_LINUX_DAXMF_H
#define _UAPI_LINUX_DAXMF_H

#include <linux/types.h>

#define DAXMF_GENL_NAME			"daxmf"
#define DAXMF_GENL_VERSION		1
#define DAXMF_GENL_MCGRP_EVENTS		"events"

enum daxmf_cmd {
	DAXMF_CMD_UNSPEC,
	/* request: no attributes; reply: VERSION, KERNEL_RELEASE,
	 * SUPPORTED_FLAGS, MAX_PAGES, BATCH_PAGES, PAGE_SHIFT, MAX_JOBS,
	 * JOBS_RUNNING, HISTORY_JOBS, HANDLER_PORTID, TIMEOUT_MS (the removal
	 * handler's, or the module's default), MF_WATCH, MF_RECORDS,
	 * MF_WINDOW_MS, MF_MAX_DELAY_MS, MF_EVENTS_TOTAL, MF_LOST_TOTAL
	 */
	DAXMF_CMD_GET_INFO,
	/* request: PFN, PAGES (required), FLAGS, COOKIE (optional);
	 * reply (same command): JOB_ID, COOKIE -- the range was accepted
	 */
	DAXMF_CMD_FAIL_RANGE,
	/* multicast on "events" while a range runs: JOB_ID, COOKIE, PFN,
	 * PAGES, FLAGS, REQUESTER_PORTID, PAGES_DONE, PAGES_FAILED,
	 * PAGES_UNMAPPED, ELAPSED_NS
	 */
	DAXMF_CMD_RANGE_PROGRESS,
	/* when a range ends, to the requester and multicast on "events": the
	 * progress attributes plus STATUS, FIRST_ERROR, FIRST_ERROR_PFN, PATHS,
	 * PAGEMAP_PAGES, PER_PAGE_PAGES, BATCHES
	 */
	DAXMF_CMD_RANGE_DONE,
	/* request: COOKIE; reply: RANGE_PROGRESS for a job with that cookie
	 * still running, else RANGE_DONE for the newest such job among the
	 * last finished ones (see HISTORY_JOBS), else -ENOENT.  Lets a
	 * requester that restarted learn what became of its ranges.
	 */
	DAXMF_CMD_GET_JOB,
	/* multicast on "events" after the module dealt with a dax device
	 * being removed (before its driver let go): DEVICE, REMOVAL_MODE, PFN,
	 * PAGES, PAGES_DONE, PAGES_FAILED, PAGES_UNMAPPED, STATUS, ELAPSED_NS,
	 * REMOVAL_ID, HANDSHAKE, WAITED_NS
	 */
	DAXMF_CMD_REMOVAL,
	/* request: TIMEOUT_MS (optional, 1..60000; default: the module's
	 * removal_timeout_ms).  The requesting socket becomes the removal
	 * handler: REMOVAL_PENDING is sent to it, and the module waits for its
	 * REMOVAL_ACK before acting on a removal.  One handler at a time
	 * (-EBUSY while another socket holds the role; the same socket may
	 * register again to change its timeout); closing the socket gives the
	 * role up.  Reply (same command): HANDLER_PORTID, TIMEOUT_MS.
	 */
	DAXMF_CMD_SET_REMOVAL_HANDLER,
	/* a dax device is being removed, its pages still alive: REMOVAL_ID,
	 * DEVICE, PFN, PAGES, REMOVAL_MODE (what the module does unless the
	 * handler failed the pages: FAILED_PAGES or HOLDER_WALK), TIMEOUT_MS.
	 * Sent to the removal handler, and multicast on "events".  The unbind
	 * waits for REMOVAL_ACK, at most TIMEOUT_MS.
	 */
	DAXMF_CMD_REMOVAL_PENDING,
	/* request, from the removal handler only: REMOVAL_ID, VERDICT
	 * (DAXMF_VERDICT_*).  -ENOENT when no removal with this id waits (it
	 * timed out, or never was).
	 */
	DAXMF_CMD_REMOVAL_ACK,
	/* multicast on "events": the kernel's own memory failures, as its
	 * ras:memory_failure_event tracepoint reports them (every
	 * memory_failure(): machine checks, firmware reports,
	 * hard_offline_page, MADV_HWPOISON, hwpoison-inject, this module's
	 * own ranges), consecutive pfns with one outcome and origin coalesced
	 * into one range: MF_SEQ, PFN, PAGES, MF_EVENTS, MF_PAGE_TYPE,
	 * MF_PAGE_TYPE_NAME, MF_RESULT, MF_RESULT_NAME, MF_ORIGIN, FIRST_NS,
	 * LAST_NS; with MF_ORIGIN_FAIL_RANGE also JOB_ID, COOKIE,
	 * REQUESTER_PORTID.  A range is sent once no page extended it for
	 * the module's mf_window_ms, or mf_max_delay_ms after its first page,
	 * or at once when the buffer fills up.
	 */
	DAXMF_CMD_MEMORY_FAILURE,
	/* multicast on "events" after memory-failure events were dropped
	 * (the module's buffer of mf_records ranges was full, or a message
	 * could not be built): MF_SEQ, MF_LOST (events), PFN and PAGES (the
	 * span from the lowest to the highest pfn lost).  Never silent: the
	 * totals are in GET_INFO as well.
	 */
	DAXMF_CMD_MEMORY_FAILURE_LOST,

	__DAXMF_CMD_MAX,
};

#define DAXMF_CMD_MAX (__DAXMF_CMD_MAX - 1)

enum daxmf_attr {
	DAXMF_ATTR_UNSPEC,
	DAXMF_ATTR_PAD,
	DAXMF_ATTR_VERSION,		/* string: module version */
	DAXMF_ATTR_KERNEL_RELEASE,	/* string: utsname release */
	DAXMF_ATTR_SUPPORTED_FLAGS,	/* u32: DAXMF_FLAG_* understood */
	DAXMF_ATTR_MAX_PAGES,		/* u64: largest PAGES accepted */
	DAXMF_ATTR_BATCH_PAGES,		/* u64: pages per pagemap call */
	DAXMF_ATTR_PFN,			/* u64: first page frame of the range */
	DAXMF_ATTR_PAGES,		/* u64: number of pages, > 0 */
	DAXMF_ATTR_FLAGS,		/* u32: DAXMF_FLAG_* */
	DAXMF_ATTR_COOKIE,		/* u64: caller's cookie, echoed back */
	DAXMF_ATTR_PAGES_DONE,		/* u64: pages handled */
	DAXMF_ATTR_PAGES_FAILED,	/* u64: pages whose handling failed */
	DAXMF_ATTR_FIRST_ERROR,		/* s32: first negative errno, or 0 */
	DAXMF_ATTR_FIRST_ERROR_PFN,	/* u64: pfn of the first error */
	DAXMF_ATTR_PATHS,		/* u32: DAXMF_PATH_* bits used */
	DAXMF_ATTR_PAGEMAP_PAGES,	/* u64: pages handled by the pagemap op */
	DAXMF_ATTR_PER_PAGE_PAGES,	/* u64: pages handled one by one */
	DAXMF_ATTR_BATCHES,		/* u64: pagemap calls made */
	DAXMF_ATTR_ELAPSED_NS,		/* u64: time spent on the range */
	DAXMF_ATTR_STATUS,		/* s32: 0 = whole range handled, else
					 * why it stopped (-ECONNRESET: the
					 * requester's socket closed,
					 * -ESHUTDOWN: module unload, -ENXIO:
					 * the device went away)
					 */
	DAXMF_ATTR_REQUESTER_PORTID,	/* u32: netlink port of the requester */
	DAXMF_ATTR_JOB_ID,		/* u64: the module's id of a range */
	DAXMF_ATTR_PAGES_UNMAPPED,	/* u64: device pages no process had
					 * mapped: nothing to tear down, and
					 * the kernel marks them nothing
					 * (memory_failure() gives -EBUSY)
					 */
	DAXMF_ATTR_PAGE_SHIFT,		/* u32: log2 of the page size */
	DAXMF_ATTR_MAX_JOBS,		/* u32: ranges that may run at once */
	DAXMF_ATTR_JOBS_RUNNING,	/* u32: ranges queued or running now */
	DAXMF_ATTR_HISTORY_JOBS,	/* u32: finished jobs GET_JOB remembers */
	DAXMF_ATTR_DEVICE,		/* string: device name (namespace0.0) */
	DAXMF_ATTR_REMOVAL_MODE,	/* u32: DAXMF_REMOVAL_* */
	DAXMF_ATTR_REMOVAL_ID,		/* u64: one removal's handshake */
	DAXMF_ATTR_TIMEOUT_MS,		/* u32: how long an unbind waits
					 * for the removal handler
					 */
	DAXMF_ATTR_VERDICT,		/* u32: DAXMF_VERDICT_* */
	DAXMF_ATTR_HANDSHAKE,		/* u32: how the wait for the
					 * handler ended (DAXMF_HANDSHAKE_x)
					 */
	DAXMF_ATTR_HANDLER_PORTID,	/* u32: the removal handler's port, 0
					 * for none
					 */
	DAXMF_ATTR_WAITED_NS,		/* u64: time the unbind waited */
	DAXMF_ATTR_MF_SEQ,		/* u64: memory-failure messages are
					 * numbered from 1 per module load: a
					 * gap means the listener missed some
					 * (its receive buffer overran)
					 */
	DAXMF_ATTR_MF_EVENTS,		/* u64: tracepoint events in a range
					 * (above PAGES when a page failed
					 * more than once)
					 */
	DAXMF_ATTR_MF_PAGE_TYPE,	/* u32: the running kernel's enum
					 * mf_action_page_type
					 */
	DAXMF_ATTR_MF_PAGE_TYPE_NAME,	/* string: its name, as the kernel
					 * logs it ("dax page")
					 */
	DAXMF_ATTR_MF_RESULT,		/* u32: the kernel's enum mf_result */
	DAXMF_ATTR_MF_RESULT_NAME,	/* string: "Ignored", "Failed",
					 * "Delayed", "Recovered"
					 */
	DAXMF_ATTR_MF_ORIGIN,		/* u32: DAXMF_MF_ORIGIN_* */
	DAXMF_ATTR_FIRST_NS,		/* u64: CLOCK_REALTIME of the first
					 * event of a range
					 */
	DAXMF_ATTR_LAST_NS,		/* u64: and of the last */
	DAXMF_ATTR_MF_LOST,		/* u64: events dropped */
	DAXMF_ATTR_MF_WATCH,		/* u32: 1 when the module follows the
					 * tracepoint, 0 when it could not
					 * attach (GET_INFO)
					 */
	DAXMF_ATTR_MF_RECORDS,		/* u32: ranges the buffer holds */
	DAXMF_ATTR_MF_WINDOW_MS,	/* u32: quiet time that ends a range */
	DAXMF_ATTR_MF_MAX_DELAY_MS,	/* u32: longest a range is held */
	DAXMF_ATTR_MF_EVENTS_TOTAL,	/* u64: tracepoint events seen since
					 * load
					 */
	DAXMF_ATTR_MF_LOST_TOTAL,	/* u64: of which dropped */
	DAXMF_ATTR_MF_REPORTED,		/* u64: events reported since load,
					 * in ranges (MF_EVENTS) and lost
					 * counts (MF_LOST), this message's
					 * included; in GET_INFO, those of
					 * every message already multicast.
					 * A listener that overran knows
					 * from it how many events it missed
					 */

	__DAXMF_ATTR_MAX,
};

#define DAXMF_ATTR_MAX (__DAXMF_ATTR_MAX - 1)

/* DAXMF_ATTR_FLAGS */
enum daxmf_flags {
	/* pass MF_ACTION_REQUIRED.  The kernel sends BUS_MCEERR_AR only to
	 * the current task; ranges run in a kernel worker, so mappers still
	 * get BUS_MCEERR_AO.
	 */
	DAXMF_FLAG_ACTION_REQUIRED	= 1U << 0,
	/* also accept online System RAM (per-page memory_failure()) */
	DAXMF_FLAG_ALLOW_RAM		= 1U << 1,
	/* do not use the pagemap's range op even where it exists */
	DAXMF_FLAG_PER_PAGE		= 1U << 2,
	/* pass MF_SW_SIMULATED: a test, not a hardware error (RAM pages
	 * failed so can be unpoisoned)
	 */
	DAXMF_FLAG_SIMULATED		= 1U << 3,
	/* the range is being removed (device memory only): pages no process
	 * mapped are skipped, the others are failed page by page, and every
	 * mapping of each file or device met is torn down -- not only those
	 * of the early-kill processes the kernel signals
	 */
	DAXMF_FLAG_REMOVAL		= 1U << 4,
};

#define DAXMF_FLAGS_ALL (DAXMF_FLAG_ACTION_REQUIRED | DAXMF_FLAG_ALLOW_RAM | \
			 DAXMF_FLAG_PER_PAGE | DAXMF_FLAG_SIMULATED | \
			 DAXMF_FLAG_REMOVAL)

/* DAXMF_ATTR_REMOVAL_MODE: what the module did before the teardown */
enum daxmf_removal_mode {
	/* failed every mapped page and zapped the mappings */
	DAXMF_REMOVAL_FAILED_PAGES	= 1,
	/* made the filesystem's dax holder walk once, zapped what was left */
	DAXMF_REMOVAL_HOLDER_WALK	= 2,
	/* the removal handler failed the pages; the module zapped what was
	 * still mapped
	 */
	DAXMF_REMOVAL_HANDLER_FAILED	= 3,
};

/* DAXMF_ATTR_TIMEOUT_MS: the longest wait a removal handler may ask for */
#define DAXMF_MAX_REMOVAL_TIMEOUT_MS	60000

/* DAXMF_ATTR_VERDICT: the removal handler's answer */
enum daxmf_verdict {
	/* every page of the range was failed with DAXMF_FLAG_REMOVAL and all
	 * those ranges have ended: the module only zaps what is left.  Taken
	 * as RECORDED for a HOLDER_WALK removal.
	 */
	DAXMF_VERDICT_FAILED		= 1,
	/* recorded; the module does its own work now */
	DAXMF_VERDICT_RECORDED		= 2,
};

/* DAXMF_ATTR_HANDSHAKE: how the wait for the removal handler ended */
enum daxmf_handshake {
	DAXMF_HANDSHAKE_NO_HANDLER	= 1,	/* nobody to wait for */
	DAXMF_HANDSHAKE_ACKED		= 2,	/* see VERDICT */
	DAXMF_HANDSHAKE_TIMEOUT		= 3,	/* no answer in TIMEOUT_MS */
	DAXMF_HANDSHAKE_HANDLER_GONE	= 4,	/* its socket closed */
	DAXMF_HANDSHAKE_ABORTED		= 5,	/* module unload, or the
						 * unbinding task was killed
						 */
	DAXMF_HANDSHAKE_UNDELIVERED	= 6,	/* REMOVAL_PENDING could not
						 * be sent (the handler's
						 * receive buffer was full)
						 */
};

/* DAXMF_ATTR_MF_ORIGIN: who called memory_failure() */
enum daxmf_mf_origin {
	/* not this module: a machine check, a firmware report, an injection,
	 * another driver
	 */
	DAXMF_MF_ORIGIN_KERNEL		= 1,
	/* a FAIL_RANGE job of this module (JOB_ID, COOKIE, REQUESTER_PORTID
	 * say whose): its requester already knows of it
	 */
	DAXMF_MF_ORIGIN_FAIL_RANGE	= 2,
	/* this module, dealing with a device being removed (see REMOVAL) */
	DAXMF_MF_ORIGIN_REMOVAL		= 3,
};

/* DAXMF_ATTR_PATHS */
enum daxmf_path {
	/* dev_pagemap_ops->memory_failure over whole chunks (fsdax) */
	DAXMF_PATH_PAGEMAP		= 1U << 0,
	/* memory_failure() page by page (device-dax, ext4, fallback) */
	DAXMF_PATH_PER_PAGE		= 1U << 1,
	/* memory_failure() page by page on online System RAM */
	DAXMF_PATH_RAM			= 1U << 2,
};

#endif /* _UAPI_LINUX_DAXMF_H */
