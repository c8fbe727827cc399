// SPDX-License-Identifier: GPL-2.0
/*
 * daxmf: validate a pfn range and fail it in batches.
 *
 * A range is cut into segments, each lying in one kind of memory: a pagemap
 * whose ops have a memory_failure callback (fsdax on pmem: the whole chunk is
 * handed to the driver and filesystem in one call), a pagemap without one
 * (device-dax: memory_failure() page by page), or online System RAM (only on
 * request, page by page).  Segments are at most one batch long, so a
 * pagemap reference is never held for longer than one batch: a device being
 * unbound waits for that reference, and the next lookup sees it gone.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/kernel.h>
#include <linux/mm.h>
#include <linux/memremap.h>
#include <linux/fs.h>
#include <linux/rcupdate.h>
#include <linux/memory_hotplug.h>
#include <linux/sched/signal.h>
#include <linux/atomic.h>
#include <linux/ktime.h>
#include <linux/minmax.h>

#include "internal.h"

enum daxmf_seg_kind {
	DAXMF_SEG_NONE,		/* neither device memory nor online RAM */
	DAXMF_SEG_METADATA,	/* the pagemap's own struct-page area */
	DAXMF_SEG_FOREIGN,	/* device memory that is not dax/pmem */
	DAXMF_SEG_PAGEMAP,	/* dax pagemap with a memory_failure op */
	DAXMF_SEG_DEVICE,	/* dax pagemap without one */
	DAXMF_SEG_RAM,		/* online System RAM */
};

struct daxmf_seg {
	unsigned long pfn;
	unsigned long nr;
	enum daxmf_seg_kind kind;
	struct dev_pagemap *pgmap;	/* referenced for PAGEMAP and DEVICE */
};

static unsigned long daxmf_pgmap_first_pfn(struct dev_pagemap *pgmap, int i)
{
	unsigned long pfn = PHYS_PFN(pgmap->ranges[i].start);
	struct vmem_altmap *altmap = pgmap_altmap(pgmap);

	/*
	 * Mirrors the kernel's pfn_first(): with an altmap the first pages of
	 * the first range hold the struct pages themselves.
	 */
	if (i == 0 && altmap)
		pfn += altmap->reserve + altmap->free;
	return pfn;
}

/*
 * Classify the memory at @pfn and find how far, below @end, it stays the
 * same.  On return seg->pgmap holds a reference when it is set.
 */
static void daxmf_seg_lookup(unsigned long pfn, unsigned long end,
			     struct daxmf_seg *seg)
{
	struct dev_pagemap *pgmap;
	unsigned long next;
	int i;

	seg->pfn = pfn;
	seg->pgmap = NULL;

	pgmap = get_dev_pagemap(pfn, NULL);
	if (pgmap) {
		for (i = 0; i < pgmap->nr_range; i++) {
			const struct range *r = &pgmap->ranges[i];
			unsigned long first = daxmf_pgmap_first_pfn(pgmap, i);

			if (pfn < PHYS_PFN(r->start) || pfn > PHYS_PFN(r->end))
				continue;
			if (pfn < first) {
				seg->kind = DAXMF_SEG_METADATA;
				seg->nr = min(end, first) - pfn;
				put_dev_pagemap(pgmap);
				return;
			}
			seg->nr = min(end, PHYS_PFN(r->end) + 1) - pfn;
			if (pgmap->type != MEMORY_DEVICE_FS_DAX &&
			    pgmap->type != MEMORY_DEVICE_GENERIC) {
				seg->kind = DAXMF_SEG_FOREIGN;
				put_dev_pagemap(pgmap);
				return;
			}
			seg->kind = pgmap_has_memory_failure(pgmap) ?
				    DAXMF_SEG_PAGEMAP : DAXMF_SEG_DEVICE;
			seg->pgmap = pgmap;
			return;
		}
		put_dev_pagemap(pgmap);
	}

	/*
	 * Not device memory: online-ness is tracked per subsection, and a
	 * pagemap may start at any subsection, so look again at the next one.
	 */
	next = min(end, ALIGN(pfn + 1, PAGES_PER_SUBSECTION));
	seg->nr = next - pfn;
	seg->kind = pfn_to_online_page(pfn) ? DAXMF_SEG_RAM : DAXMF_SEG_NONE;
}

static void daxmf_seg_release(struct daxmf_seg *seg)
{
	if (seg->pgmap)
		put_dev_pagemap(seg->pgmap);
	seg->pgmap = NULL;
}

/* Say why a segment of this kind is refused; the pfn goes in the ack cookie. */
static int daxmf_seg_reject(const struct daxmf_seg *seg,
			    struct netlink_ext_ack *extack)
{
	nl_set_extack_cookie_u64(extack, seg->pfn);
	switch (seg->kind) {
	case DAXMF_SEG_RAM:
		NL_SET_ERR_MSG(extack, "range has online System RAM (allowed only with ALLOW_RAM)");
		return -EACCES;
	case DAXMF_SEG_METADATA:
		NL_SET_ERR_MSG(extack, "range includes a dax device's struct-page metadata area");
		return -ENXIO;
	case DAXMF_SEG_FOREIGN:
		NL_SET_ERR_MSG(extack, "range includes device memory that is not dax/pmem");
		return -ENXIO;
	default:
		NL_SET_ERR_MSG(extack, "range has a pfn outside every dev_pagemap");
		return -ENXIO;
	}
}

int daxmf_range_validate(const struct daxmf_range_req *req,
			 struct netlink_ext_ack *extack)
{
	unsigned long pfn, end;
	struct daxmf_seg seg;

	if (req->flags & ~DAXMF_FLAGS_ALL) {
		NL_SET_ERR_MSG(extack, "unknown flag bits (see GET_INFO supported flags)");
		return -EINVAL;
	}
	if ((req->flags & DAXMF_FLAG_REMOVAL) &&
	    (req->flags & DAXMF_FLAG_ALLOW_RAM)) {
		NL_SET_ERR_MSG(extack, "REMOVAL applies to device memory, not with ALLOW_RAM");
		return -EINVAL;
	}
	if (!req->pages) {
		NL_SET_ERR_MSG(extack, "page count must be greater than zero");
		return -EINVAL;
	}
	if (req->pfn + req->pages < req->pfn ||
	    req->pfn + req->pages > PHYS_PFN(U64_MAX) + 1) {
		NL_SET_ERR_MSG(extack, "pfn + page count overflows the physical address space");
		return -EOVERFLOW;
	}
	if (req->pages > daxmf_max_pages) {
		NL_SET_ERR_MSG(extack, "page count is above the module's max_pages");
		return -E2BIG;
	}

	end = req->pfn + req->pages;
	for (pfn = req->pfn; pfn < end; pfn += seg.nr) {
		/* RAM is looked at per subsection: millions of steps at most. */
		cond_resched();
		if (fatal_signal_pending(current))
			return -EINTR;
		if (daxmf_stopping()) {
			NL_SET_ERR_MSG(extack, "daxmf is being unloaded");
			return -ESHUTDOWN;
		}

		daxmf_seg_lookup(pfn, end, &seg);
		daxmf_seg_release(&seg);

		if (seg.kind == DAXMF_SEG_PAGEMAP || seg.kind == DAXMF_SEG_DEVICE)
			continue;
		if (seg.kind == DAXMF_SEG_RAM &&
		    (req->flags & DAXMF_FLAG_ALLOW_RAM))
			continue;

		return daxmf_seg_reject(&seg, extack);
	}
	return 0;
}

static void daxmf_note_error(struct daxmf_range_result *res, unsigned long pfn,
			     unsigned long nr, int err)
{
	res->pages_failed += nr;
	if (!res->first_error) {
		res->first_error = err;
		res->first_error_pfn = pfn;
	}
}

struct daxmf_run {
	const struct daxmf_range_req *req;
	const atomic_t *cancelled;
	struct daxmf_range_result *res;
	int mf_flags;
	struct inode *last_owner;	/* compared, never dereferenced */
	u64 start_ns;
	u64 last_progress_ns;
};

/* Why the range must stop now, or 0 to go on. */
static int daxmf_should_stop(const struct daxmf_run *run)
{
	if (daxmf_stopping())
		return -ESHUTDOWN;
	/* Holds the errno to stop with: -ECONNRESET, -ENXIO. */
	return atomic_read(run->cancelled);
}

static void daxmf_run_tick(struct daxmf_run *run)
{
	u64 now = ktime_get_ns();

	run->res->elapsed_ns = now - run->start_ns;
	/* Only jobs have an id to report progress under; removals do not. */
	if (run->req->job_id &&
	    now - run->last_progress_ns >=
	    (u64)READ_ONCE(daxmf_progress_ms) * NSEC_PER_MSEC) {
		run->last_progress_ns = now;
		daxmf_genl_notify_progress(run->req, run->res);
	}
	cond_resched();
}

/*
 * Whether a dax page was ever mapped: page->mapping is set at fault time
 * (on the head page for device-dax).  A shared (reflinked) fsdax page holds
 * a marker instead of a mapping, which memory_failure() would follow:
 * treated as not mapped, and left to the filesystem.  The caller holds the
 * pagemap reference that keeps the struct page.
 */
static bool daxmf_page_mapped(unsigned long pfn)
{
	struct page *page = compound_head(pfn_to_page(pfn));
	unsigned long mapping = (unsigned long)READ_ONCE(page->mapping);

	return mapping >= PAGE_SIZE;
}

/*
 * Zap every user mapping of the file (or device) this dax page belongs to.
 * page->mapping is read under RCU, the way dax_lock_page() does: the inode
 * cannot be freed meanwhile, and igrab() refuses one being torn down.
 * Private copy-on-write copies live in RAM, not on the device, and stay.
 */
static void daxmf_unmap_owner(unsigned long pfn, struct inode **last)
{
	struct page *page = compound_head(pfn_to_page(pfn));
	struct address_space *mapping;
	struct inode *inode = NULL;

	rcu_read_lock();
	mapping = READ_ONCE(page->mapping);
	if ((unsigned long)mapping >= PAGE_SIZE && mapping->host != *last)
		inode = igrab(mapping->host);
	rcu_read_unlock();
	if (!inode)
		return;

	if (inode->i_mapping == mapping)
		unmap_mapping_range(mapping, 0, 0, 0);
	/* Pages come in file runs: remember the owner, not the reference. */
	*last = inode;
	iput(inode);
}

/*
 * memory_failure() page by page.  On device memory -EBUSY means no process
 * had the page mapped (the kernel cannot lock an unmapped dax page): nothing
 * to tear down, counted apart from failures.
 */
static int daxmf_fail_per_page(struct daxmf_run *run, unsigned long pfn,
			       unsigned long nr, u32 path)
{
	struct daxmf_range_result *res = run->res;
	unsigned long i;
	int ret, stop;

	res->paths |= path;
	for (i = 0; i < nr; i++) {
		stop = daxmf_should_stop(run);
		if (stop)
			return stop;
		if ((run->req->flags & DAXMF_FLAG_MAPPED_ONLY) &&
		    !daxmf_page_mapped(pfn + i)) {
			res->pages_done++;
			res->per_page_pages++;
			res->pages_unmapped++;
			/* Cheap, but a device has millions of them. */
			if (!(i % 512))
				cond_resched();
			continue;
		}
		ret = 0;
		if (!(run->req->flags & DAXMF_FLAG_UNMAP_ONLY))
			ret = memory_failure(pfn + i, run->mf_flags);
		if (run->req->flags & DAXMF_FLAG_UNMAP_ALL)
			daxmf_unmap_owner(pfn + i, &run->last_owner);
		res->pages_done++;
		res->per_page_pages++;
		if (ret == -EBUSY && path != DAXMF_PATH_RAM)
			res->pages_unmapped++;
		else if (ret == -ENXIO && path != DAXMF_PATH_RAM)
			return -ENXIO;	/* the pagemap is going away */
		else if (ret && ret != -EHWPOISON)	/* RAM already poisoned */
			daxmf_note_error(res, pfn + i, 1, ret);
		daxmf_run_tick(run);
	}
	return 0;
}

/* One batch through the pagemap's own failure op. */
static int daxmf_fail_pagemap(struct daxmf_run *run, struct daxmf_seg *seg)
{
	struct daxmf_range_result *res = run->res;
	struct dev_pagemap *pgmap = seg->pgmap;
	int ret;

	ret = pgmap->ops->memory_failure(pgmap, seg->pfn, seg->nr,
					 run->mf_flags);
	res->batches++;
	if (ret == -EOPNOTSUPP)
		/*
		 * No holder takes the range (ext4, XFS without rmapbt,
		 * nothing mounted): memory_failure() falls back to the
		 * generic per-page handler then, and so do we.
		 */
		return daxmf_fail_per_page(run, seg->pfn, seg->nr,
					   DAXMF_PATH_PER_PAGE);

	res->paths |= DAXMF_PATH_PAGEMAP;
	res->pages_done += seg->nr;
	res->pagemap_pages += seg->nr;
	if (ret)
		daxmf_note_error(res, seg->pfn, seg->nr, ret);
	daxmf_run_tick(run);
	/* -ENXIO: the dax device is dead (kill_dax() ran); stop here. */
	return ret == -ENXIO ? -ENXIO : 0;
}

void daxmf_range_fail(const struct daxmf_range_req *req,
		      const atomic_t *cancelled,
		      struct daxmf_range_result *res)
{
	unsigned long pfn = req->pfn, end = req->pfn + req->pages, batch;
	struct daxmf_run run = {
		.req = req,
		.cancelled = cancelled,
		.res = res,
	};
	struct daxmf_mf_own own;
	struct daxmf_seg seg;
	int status = 0;

	/*
	 * The kernel's own policy decides what a failure does to each kind of
	 * page; for dax pages it always unmaps and signals (MF_MUST_KILL).
	 */
	if (req->flags & DAXMF_FLAG_ACTION_REQUIRED)
		run.mf_flags |= MF_ACTION_REQUIRED;
	if (req->flags & DAXMF_FLAG_SIMULATED)
		run.mf_flags |= MF_SW_SIMULATED;

	memset(res, 0, sizeof(*res));
	run.start_ns = ktime_get_ns();
	run.last_progress_ns = run.start_ns;
	batch = max(READ_ONCE(daxmf_batch_pages), 1UL);
	/* The tracepoint's events of this range are ours: marked so. */
	daxmf_mf_own_begin(&own, req);

	while (pfn < end) {
		status = daxmf_should_stop(&run);
		if (status)
			break;

		daxmf_seg_lookup(pfn, min(end, pfn + batch), &seg);
		switch (seg.kind) {
		case DAXMF_SEG_PAGEMAP:
			if (req->flags & DAXMF_FLAG_PER_PAGE)
				status = daxmf_fail_per_page(&run, pfn, seg.nr,
							     DAXMF_PATH_PER_PAGE);
			else
				status = daxmf_fail_pagemap(&run, &seg);
			break;
		case DAXMF_SEG_DEVICE:
			status = daxmf_fail_per_page(&run, pfn, seg.nr,
						     DAXMF_PATH_PER_PAGE);
			break;
		case DAXMF_SEG_RAM:
			if (req->flags & DAXMF_FLAG_ALLOW_RAM)
				status = daxmf_fail_per_page(&run, pfn, seg.nr,
							     DAXMF_PATH_RAM);
			else
				status = -EACCES;
			break;
		default:
			/* Validated when queued: the device went away since. */
			status = -ENXIO;
			break;
		}
		daxmf_seg_release(&seg);
		if (status)
			break;
		pfn += seg.nr;
	}
	daxmf_mf_own_end(&own);

	res->status = status;
	res->elapsed_ns = ktime_get_ns() - run.start_ns;
}
