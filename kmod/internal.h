/* SPDX-License-Identifier: GPL-2.0 */
/*
 * daxmf: internal interfaces between the module's files.
 */
#ifndef DAXMF_INTERNAL_H
#define DAXMF_INTERNAL_H

#include <linux/types.h>
#include <linux/atomic.h>
#include <linux/list.h>
#include <linux/netlink.h>
#include <uapi/linux/daxmf.h>

#if BITS_PER_LONG != 64
#error "daxmf handles u64 page frame numbers as unsigned long: 64-bit only"
#endif

#ifndef DAXMF_VERSION
#define DAXMF_VERSION "0.1.0"
#endif

/* Module parameters (main.c). */
extern unsigned long daxmf_max_pages;
extern unsigned long daxmf_batch_pages;
extern unsigned int daxmf_progress_ms;
extern unsigned int daxmf_max_jobs;
extern unsigned int daxmf_removal_timeout_ms;

struct daxmf_range_req {
	u64 pfn;
	u64 pages;
	u64 cookie;
	u64 job_id;
	u32 flags;
	u32 portid;		/* requesting socket, 0 for none */
};

struct daxmf_range_result {
	u64 pages_done;
	u64 pages_failed;
	u64 pages_unmapped;
	u64 first_error_pfn;
	u64 pagemap_pages;
	u64 per_page_pages;
	u64 batches;
	u64 elapsed_ns;
	int first_error;
	int status;
	u32 paths;
};

/* range.c */
int daxmf_range_validate(const struct daxmf_range_req *req,
			 struct netlink_ext_ack *extack);
void daxmf_range_fail(const struct daxmf_range_req *req,
		      const atomic_t *cancelled,
		      struct daxmf_range_result *res);

/* job.c: ranges run on a workqueue, one job each. */
int daxmf_jobs_init(void);
int daxmf_job_submit(const struct daxmf_range_req *req, u64 *ret_job_id,
		     struct netlink_ext_ack *extack);
unsigned int daxmf_jobs_running(void);
#define DAXMF_HISTORY_JOBS 1024
/*
 * The newest job with this cookie: running (*ret_done false, counters so
 * far) or among the last DAXMF_HISTORY_JOBS finished.  -ENOENT otherwise.
 */
int daxmf_job_lookup(u64 cookie, struct daxmf_range_req *ret_req,
		     struct daxmf_range_result *ret_res, bool *ret_done);
/*
 * A range being removed: new jobs over it are refused (-ENXIO), the running
 * ones are stopped (-ENXIO) and waited for, until the fence is lifted.
 */
struct daxmf_fence {
	struct list_head node;
	u64 pfn;
	u64 pages;
};

void daxmf_jobs_fence(struct daxmf_fence *fence, u64 pfn, u64 pages);
void daxmf_jobs_unfence(struct daxmf_fence *fence);
/* Set once unload has begun: running ranges stop at the next page/batch. */
bool daxmf_stopping(void);
/* Refuse new jobs, stop and wait for the running ones. */
void daxmf_jobs_stop(void);
void daxmf_jobs_exit(void);

/* Internal request flags, for removals. */
/* Skip pages no process ever mapped. */
#define DAXMF_FLAG_MAPPED_ONLY	BIT(31)
/*
 * Also zap every mapping of each file (or device) met: memory_failure()
 * unmaps only where it has an early-kill process to signal.
 */
#define DAXMF_FLAG_UNMAP_ALL	BIT(30)
/* Only that zap, no memory_failure(): the kernel signals mappers itself. */
#define DAXMF_FLAG_UNMAP_ONLY	BIT(29)

/* handshake.c: the removal handler (daxmfd) and the waits for it. */
struct daxmf_removal_outcome {
	u64 id;
	u64 waited_ns;
	u32 handshake;		/* DAXMF_HANDSHAKE_* */
	u32 verdict;		/* DAXMF_VERDICT_* when acked, else 0 */
};

/* The timeout a handler asking for timeout_ms (0: the default) gets. */
unsigned int daxmf_handler_timeout(unsigned int timeout_ms);
int daxmf_handler_set(u32 portid, unsigned int timeout_ms,
		      struct netlink_ext_ack *extack);
void daxmf_handler_get(u32 *ret_portid, unsigned int *ret_timeout_ms);
/* A netlink socket closed: if it was the handler, nobody is now. */
void daxmf_handler_released(u32 portid);
int daxmf_removal_ack(u32 portid, u64 id, u32 verdict,
		      struct netlink_ext_ack *extack);
/*
 * Tell the handler a device is being removed and wait for its answer,
 * bounded.  Returns out->handshake.
 */
u32 daxmf_removal_handshake(const char *device, u32 mode, u64 pfn, u64 pages,
			    struct daxmf_removal_outcome *out);
/* Unload: end every wait now, take no new handler. */
void daxmf_handshake_stop(void);

/* preremove.c */
int daxmf_preremove_init(void);
void daxmf_preremove_exit(void);
/* Unload, once no range can be accepted: drop the fences still up. */
void daxmf_preremove_free_fences(void);

/* mf-watch.c: the kernel's own memory failures, from its tracepoint. */
struct daxmf_mf_range;

/* A range this module is failing: its failures are marked as its own. */
struct daxmf_mf_own {
	struct list_head node;
	struct task_struct *task;
	u64 job_id;		/* 0: a removal */
	u64 cookie;
	u32 portid;
};

struct daxmf_mf_info {
	bool watching;
	u32 records;
	u32 window_ms;
	u32 max_delay_ms;
	u64 events_total;
	u64 lost_total;
	u64 reported;
};

int daxmf_mf_watch_init(void);
void daxmf_mf_watch_exit(void);
void daxmf_mf_own_begin(struct daxmf_mf_own *own,
			const struct daxmf_range_req *req);
void daxmf_mf_own_end(struct daxmf_mf_own *own);
void daxmf_mf_info(struct daxmf_mf_info *info);

/* genl.c */
bool daxmf_genl_has_listeners(void);
int daxmf_genl_notify_memory_failure(const struct daxmf_mf_range *r, u64 seq,
				     u64 reported, u64 first_real_ns,
				     u64 last_real_ns,
				     const char *type_name,
				     const char *result_name);
int daxmf_genl_notify_mf_lost(u64 seq, u64 reported, u64 lost, u64 first_pfn,
			      u64 last_pfn);
int daxmf_genl_register(void);
void daxmf_genl_unregister(void);
void daxmf_genl_notify_progress(const struct daxmf_range_req *req,
				const struct daxmf_range_result *res);
void daxmf_genl_notify_done(const struct daxmf_range_req *req,
			    const struct daxmf_range_result *res);
int daxmf_genl_notify_pending(const char *device, u32 mode, u64 pfn,
			      u64 pages, u64 id, unsigned int timeout_ms,
			      u32 portid);
void daxmf_genl_notify_removal(const char *device, u32 mode,
			       const struct daxmf_removal_outcome *out,
			       const struct daxmf_range_req *req,
			       const struct daxmf_range_result *res);

#endif /* DAXMF_INTERNAL_H */
