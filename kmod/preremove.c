// SPDX-License-Identifier: GPL-2.0
/*
 * daxmf: act on an fsdax pmem device before its driver lets go of it.
 *
 * BUS_NOTIFY_UNBIND_DRIVER runs before the driver's remove, while the dax
 * device and its pages are alive.  6.1 itself tears mappings down at
 * removal only through a dax holder (XFS with rmapbt, from kill_dax()); for
 * ext4, XFS without rmapbt or nothing mounted it does nothing, and mappers
 * keep page table entries to memory that is about to vanish.  For those,
 * the notifier fails every mapped page of the device first: early-kill
 * mappers get BUS_MCEERR_AO, every mapping is torn down, and a later touch
 * faults on a dead device (SIGBUS) instead of reaching vanished memory.
 * Where the holder does it (XFS with rmapbt), kill_dax() signals the
 * early-kill mappers but unmaps only the files it had someone to signal for,
 * and it runs after page tables could be zapped here (a zapped page gets no
 * signal).  So the notifier makes that same holder call itself, once over
 * the whole device (kill_dax()'s own later pass then finds the filesystem
 * shut down and does nothing), and then zaps what is still mapped.
 *
 * Device-dax: 6.1's kill_dev_dax() unmaps every mapping but signals nobody.
 * Before it, the notifier fails the mapped pages (early-kill mappers get
 * BUS_MCEERR_AO) and zaps the device's mappings.  The dax bus is found
 * through the nd bus (a dev_dax is the child of an nd_dax); a dev_dax
 * removed through its nd_dax (ndctl disable-namespace) is handled at the
 * nd_dax's unbind, while it is still alive.
 *
 * Before any of it, the removal handler (daxmfd) is told and waited for,
 * bounded (handshake.c): it records what sits on the range while that can
 * still be read, and may fail the pages itself; then only the zap is left.
 * From then on the range is fenced: no job of ours runs over it, and none
 * is accepted, until the driver has let go of the device entirely.
 *
 * See docs/design/preremove.md for the facts behind each step.  Not yet
 * here: dax devices not below an nd_dax (hmem).
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/blkdev.h>
#include <linux/dax.h>
#include <linux/memremap.h>
#include <linux/device.h>
#include <linux/nd.h>
#include <linux/notifier.h>
#include <linux/pfn_t.h>
#include <linux/string.h>
#include <linux/kstrtox.h>
#include <linux/mutex.h>
#include <linux/gfp.h>
#include <linux/slab.h>
#include <linux/list.h>

#include "internal.h"

/*
 * libnvdimm's bus type is static.  A driver that matches no device (type
 * bit 63: nd device types are 0..7) gives its address, and linking to
 * libnvdimm pins the module, so the bus outlives our notifier.
 */
static int daxmf_nd_probe(struct device *dev)
{
	return -ENODEV;
}

static struct nd_device_driver daxmf_nd_driver = {
	.probe = daxmf_nd_probe,
	.drv = {
		.name = "daxmf",
		.suppress_bind_attrs = true,
	},
	.type = 1UL << 63,
};

static int daxmf_match_disk(struct device *dev, void *data)
{
	return dev->type && dev->type->name && !strcmp(dev->type->name, "disk");
}

/*
 * The data pages of the fsdax device behind @dev (a namespace or pfn device
 * bound to nd_pmem), and whether the kernel's own teardown covers them.
 * Returns 0 with *ret_pages == 0 when the device has no dax pages.
 */
static int daxmf_fsdax_range(struct device *dev, u64 *ret_pfn, u64 *ret_pages,
			     bool *ret_covered)
{
	struct dax_device *dax_dev;
	struct device *disk_dev;
	struct gendisk *disk;
	u64 start_off;
	pfn_t pfn;
	long avail;
	int id, probe;

	*ret_pages = 0;
	disk_dev = device_find_child(dev, NULL, daxmf_match_disk);
	if (!disk_dev)
		return 0;	/* raw namespace without pages, or btt */
	disk = dev_to_disk(disk_dev);

	dax_dev = fs_dax_get_by_bdev(disk->part0, &start_off, NULL, NULL);
	if (!dax_dev) {
		put_device(disk_dev);
		return 0;
	}

	/* Page 0 of the dax device is the first data page (info block and
	 * struct pages excluded); the disk's capacity is the data's size.
	 */
	id = dax_read_lock();
	avail = dax_direct_access(dax_dev, 0, 1, DAX_RECOVERY_WRITE, NULL, &pfn);
	dax_read_unlock(id);
	if (avail < 1) {
		put_dax(dax_dev);
		put_device(disk_dev);
		return avail < 0 ? avail : -ENXIO;
	}
	*ret_pfn = pfn_t_to_pfn(pfn);
	*ret_pages = get_capacity(disk) >> (PAGE_SHIFT - SECTOR_SHIFT);

	/*
	 * A notification past any end the holder accepts has no effect: XFS
	 * with rmapbt answers -ENXIO (its range check), and that holder will
	 * walk the whole device from kill_dax().  Everything else (no holder,
	 * XFS without rmapbt) answers -EOPNOTSUPP: nobody tears mappings down.
	 */
	probe = dax_holder_notify_failure(dax_dev, U64_MAX - 1, 1, 0);
	*ret_covered = probe == -ENXIO;

	put_dax(dax_dev);
	put_device(disk_dev);
	return 0;
}

/*
 * The holder's whole-device walk, as kill_dax() would make it: one call.
 * In batches the first one would meet metadata and shut XFS down, and the
 * walk of every later batch would stop at once.
 */
static int daxmf_notify_holder(u64 pfn, u64 pages)
{
	struct dev_pagemap *pgmap;
	int ret = -ENXIO;

	pgmap = get_dev_pagemap(pfn, NULL);
	if (!pgmap)
		return ret;
	if (pgmap_has_memory_failure(pgmap))
		ret = pgmap->ops->memory_failure(pgmap, pfn, pages, 0);
	put_dev_pagemap(pgmap);
	return ret;
}

/*
 * A dev_dax's first physical address, from its own "resource" attribute
 * (struct dev_dax is private; the attribute's show() takes no lock).
 */
static int daxmf_dev_dax_start(struct device *dev, u64 *ret)
{
	const struct attribute_group *const *g;
	struct device_attribute *dattr = NULL;
	char *buf;
	int ret_code = -ENOENT;

	if (!dev->type || !dev->type->groups)
		return -ENOENT;
	for (g = dev->type->groups; *g && !dattr; g++) {
		struct attribute *const *a;

		for (a = (*g)->attrs; a && *a; a++)
			if (!strcmp((*a)->name, "resource")) {
				dattr = container_of(*a, struct device_attribute, attr);
				break;
			}
	}
	if (!dattr || !dattr->show)
		return -ENOENT;

	buf = (char *)get_zeroed_page(GFP_KERNEL);
	if (!buf)
		return -ENOMEM;
	if (dattr->show(dev, dattr, buf) > 0)
		ret_code = kstrtoull(strim(buf), 0, ret);
	free_page((unsigned long)buf);
	return ret_code;
}

/*
 * The fence a removal raises outlives the notifier: it is lowered only at
 * BUS_NOTIFY_UNBOUND_DRIVER of the device whose unbind raised it, once the
 * driver's remove and its devres release have run.  Lowered any earlier, a
 * range accepted in between would hold a pagemap reference across that
 * release: pmem's pagemap op reaches the dax_device that pmem_release_disk()
 * has killed and put (freed when nothing else holds it), and a device-dax
 * range would fail pages kill_dev_dax() has already unmapped.  An unbind
 * always ends with UNBOUND; the only fences left are those of unbinds still
 * running when the module goes, and daxmf_preremove_free_fences() drops
 * them once no new range can be accepted.  The device is only compared.
 */
struct daxmf_held_fence {
	struct list_head node;
	struct device *dev;
	struct daxmf_fence fence;
};

static DEFINE_MUTEX(daxmf_held_lock);
static LIST_HEAD(daxmf_held);

static void daxmf_fence_hold(struct daxmf_held_fence *held, struct device *dev)
{
	held->dev = dev;
	mutex_lock(&daxmf_held_lock);
	list_add(&held->node, &daxmf_held);
	mutex_unlock(&daxmf_held_lock);
}

/* Lower the fences @dev's unbind raised; every one left when @dev is NULL. */
static void daxmf_fences_release(struct device *dev)
{
	struct daxmf_held_fence *held, *next;

	mutex_lock(&daxmf_held_lock);
	list_for_each_entry_safe(held, next, &daxmf_held, node) {
		if (dev && held->dev != dev)
			continue;
		list_del(&held->node);
		daxmf_jobs_unfence(&held->fence);
		if (dev)
			dev_dbg(dev, "daxmf: unbound: pfn %#llx+%llu open again\n",
				held->fence.pfn, held->fence.pages);
		kfree(held);
	}
	mutex_unlock(&daxmf_held_lock);
}

static const char *const daxmf_handshake_names[] = {
	[DAXMF_HANDSHAKE_NO_HANDLER] = "no handler",
	[DAXMF_HANDSHAKE_ACKED] = "acknowledged",
	[DAXMF_HANDSHAKE_TIMEOUT] = "handler timed out",
	[DAXMF_HANDSHAKE_HANDLER_GONE] = "handler gone",
	[DAXMF_HANDSHAKE_ABORTED] = "wait aborted",
	[DAXMF_HANDSHAKE_UNDELIVERED] = "handler not reachable",
};

/*
 * One device range about to go: tell the removal handler and wait for it,
 * stop whatever still runs over the range, then do what the kernel will
 * not do itself.  @covered: the filesystem's dax holder walks the range.
 * @owner: the device whose unbind this is; the range stays fenced until it
 * is unbound.
 */
static void daxmf_removal(struct device *owner, struct device *dev, u64 pfn,
			  u64 pages, bool covered)
{
	struct daxmf_removal_outcome out;
	struct daxmf_range_result res;
	struct daxmf_range_req req = {
		.pfn = pfn,
		.pages = pages,
		.flags = DAXMF_FLAG_PER_PAGE | DAXMF_FLAG_SIMULATED |
			 DAXMF_FLAG_MAPPED_ONLY | DAXMF_FLAG_UNMAP_ALL,
	};
	atomic_t never = ATOMIC_INIT(0);
	u32 mode = covered ? DAXMF_REMOVAL_HOLDER_WALK :
			     DAXMF_REMOVAL_FAILED_PAGES;
	struct daxmf_held_fence *held;
	struct daxmf_fence on_stack, *fence = &on_stack;
	int holder = 0;

	daxmf_removal_handshake(dev_name(dev), mode, pfn, pages, &out);
	/*
	 * A handler that answered late, or never, may still have ranges here,
	 * and would send more: from now on the range is the module's alone,
	 * until the device is unbound.
	 */
	held = kzalloc(sizeof(*held), GFP_KERNEL);
	if (held)
		fence = &held->fence;
	daxmf_jobs_fence(fence, pfn, pages);

	if (covered) {
		holder = daxmf_notify_holder(pfn, pages);
		req.flags |= DAXMF_FLAG_UNMAP_ONLY;
	} else if (out.handshake == DAXMF_HANDSHAKE_ACKED &&
		   out.verdict == DAXMF_VERDICT_FAILED) {
		/* Failing the pages again would signal their mappers twice. */
		mode = DAXMF_REMOVAL_HANDLER_FAILED;
		req.flags |= DAXMF_FLAG_UNMAP_ONLY;
	}

	/* Synchronous: the pages must be dealt with before the driver goes. */
	daxmf_range_fail(&req, &never, &res);
	if (held) {
		daxmf_fence_hold(held, owner);
	} else {
		daxmf_jobs_unfence(fence);
		dev_warn(dev, "daxmf: out of memory: new ranges over pfn %#llx+%llu are accepted again before the driver is gone\n",
			 pfn, pages);
	}
	daxmf_genl_notify_removal(dev_name(dev), mode, &out, &req, &res);

	if (mode == DAXMF_REMOVAL_FAILED_PAGES)
		dev_info(dev, "daxmf: removal %llu of pfn %#llx+%llu (%s after %llu ms): %llu mapped pages failed (%llu failures), status %d\n",
			 out.id, pfn, pages, daxmf_handshake_names[out.handshake],
			 div_u64(out.waited_ns, NSEC_PER_MSEC),
			 res.pages_done - res.pages_unmapped, res.pages_failed,
			 res.status);
	else
		dev_info(dev, "daxmf: removal %llu of pfn %#llx+%llu (%s after %llu ms): %s; mappings of %llu mapped pages zapped, status %d\n",
			 out.id, pfn, pages, daxmf_handshake_names[out.handshake],
			 div_u64(out.waited_ns, NSEC_PER_MSEC),
			 covered ? "the filesystem's dax holder signalled mappers" :
				   "the handler failed the pages",
			 res.pages_done - res.pages_unmapped, res.status);
	if (covered && holder)
		dev_dbg(dev, "daxmf: holder walk: %d\n", holder);
}

/*
 * A device-dax instance about to go: fail and zap its mapped pages.
 * @owner: the device being unbound, @dev or its nd_dax.
 */
static void daxmf_devdax_removal(struct device *owner, struct device *dev)
{
	struct dev_pagemap *pgmap;
	u64 start, ranges[4][2];
	int i, n = 0;

	if (daxmf_dev_dax_start(dev, &start))
		return;
	pgmap = get_dev_pagemap(PHYS_PFN(start), NULL);
	if (!pgmap)
		return;		/* not bound, or already dead */
	if (pgmap->type == MEMORY_DEVICE_GENERIC) {
		for (i = 0; i < pgmap->nr_range && n < ARRAY_SIZE(ranges); i++) {
			u64 first = PHYS_PFN(pgmap->ranges[i].start);
			u64 end = PHYS_PFN(pgmap->ranges[i].end) + 1;

			/* A static pmem pagemap begins with its info block. */
			if (first < PHYS_PFN(start) && end > PHYS_PFN(start))
				first = PHYS_PFN(start);
			ranges[n][0] = first;
			ranges[n][1] = end - first;
			n++;
		}
	}
	/* The range code takes its own references, batch by batch. */
	put_dev_pagemap(pgmap);

	for (i = 0; i < n; i++)
		daxmf_removal(owner, dev, ranges[i][0], ranges[i][1], false);
}

static int daxmf_match_bus(struct device *dev, void *data)
{
	return dev->bus && !strcmp(dev->bus->name, data);
}

static void daxmf_fsdax_removal(struct device *dev)
{
	bool covered = false;
	u64 pfn, pages;
	int ret;

	ret = daxmf_fsdax_range(dev, &pfn, &pages, &covered);
	if (ret) {
		dev_warn(dev, "daxmf: cannot find the pages being removed: %d\n", ret);
		return;
	}
	if (pages)
		daxmf_removal(dev, dev, pfn, pages, covered);
}

static void daxmf_watch_dax_bus(const struct bus_type *bus);

/*
 * A dev_dax removed through its nd_dax is dealt with at the nd_dax's
 * unbind; its own unbind follows from inside that one (kill_dev_dax() ->
 * device_del()) and must not be announced and failed again.  Noted from
 * the nd_dax's unbind until it has ended; the pointers are only compared.
 */
static DEFINE_MUTEX(daxmf_handled_lock);
static struct {
	struct device *nd_dax;
	struct device *dev_dax;
} daxmf_handled[8];

static void daxmf_handled_note(struct device *nd_dax, struct device *dev_dax)
{
	int i;

	mutex_lock(&daxmf_handled_lock);
	for (i = 0; i < ARRAY_SIZE(daxmf_handled); i++)
		if (!daxmf_handled[i].nd_dax) {
			daxmf_handled[i].nd_dax = nd_dax;
			daxmf_handled[i].dev_dax = dev_dax;
			break;
		}
	mutex_unlock(&daxmf_handled_lock);
}

static void daxmf_handled_forget(struct device *nd_dax)
{
	int i;

	mutex_lock(&daxmf_handled_lock);
	for (i = 0; i < ARRAY_SIZE(daxmf_handled); i++)
		if (daxmf_handled[i].nd_dax == nd_dax)
			daxmf_handled[i].nd_dax = NULL;
	mutex_unlock(&daxmf_handled_lock);
}

static bool daxmf_handled_already(struct device *dev_dax)
{
	bool found = false;
	int i;

	mutex_lock(&daxmf_handled_lock);
	for (i = 0; i < ARRAY_SIZE(daxmf_handled); i++)
		if (daxmf_handled[i].nd_dax &&
		    daxmf_handled[i].dev_dax == dev_dax)
			found = true;
	mutex_unlock(&daxmf_handled_lock);
	return found;
}

static int daxmf_dax_event(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct device *dev = data;

	/* After its driver's remove and devres: its pagemap is gone. */
	if (action == BUS_NOTIFY_UNBOUND_DRIVER) {
		daxmf_fences_release(dev);
		return NOTIFY_DONE;
	}
	if (action != BUS_NOTIFY_UNBIND_DRIVER || daxmf_stopping())
		return NOTIFY_DONE;
	if (!dev->driver || strcmp(dev->driver->name, "device_dax"))
		return NOTIFY_DONE;
	if (!daxmf_handled_already(dev))
		daxmf_devdax_removal(dev, dev);
	return NOTIFY_DONE;
}

static struct notifier_block daxmf_dax_nb = {
	.notifier_call = daxmf_dax_event,
};

static int daxmf_nd_event(struct notifier_block *nb, unsigned long action,
			  void *data)
{
	struct device *dev = data;
	struct device *child;

	/*
	 * After its driver's remove and devres: its pagemap and dax device
	 * are gone, and so is the dev_dax of an nd_dax.
	 */
	if (action == BUS_NOTIFY_UNBOUND_DRIVER) {
		daxmf_fences_release(dev);
		daxmf_handled_forget(dev);
		return NOTIFY_DONE;
	}
	if (daxmf_stopping() || !dev->driver)
		return NOTIFY_DONE;

	/* An nd_dax bound to dax_pmem has its dev_dax child: the dax bus. */
	if (action == BUS_NOTIFY_BOUND_DRIVER &&
	    !strcmp(dev->driver->name, "dax_pmem")) {
		child = device_find_child(dev, "dax", daxmf_match_bus);
		if (child) {
			daxmf_watch_dax_bus(child->bus);
			put_device(child);
		}
		return NOTIFY_DONE;
	}
	if (action != BUS_NOTIFY_UNBIND_DRIVER)
		return NOTIFY_DONE;

	/* fsdax leaves: namespaces and pfn devices bound to nd_pmem. */
	if (!strcmp(dev->driver->name, "nd_pmem"))
		daxmf_fsdax_removal(dev);
	/*
	 * devdax through its nd_dax: the dev_dax below dies in this driver's
	 * remove, before its own (dax bus) unbind would let us act.
	 */
	else if (!strcmp(dev->driver->name, "dax_pmem")) {
		child = device_find_child(dev, "dax", daxmf_match_bus);
		if (child) {
			if (child->driver &&
			    !strcmp(child->driver->name, "device_dax")) {
				daxmf_devdax_removal(dev, child);
				daxmf_handled_note(dev, child);
			}
			put_device(child);
		}
	}
	return NOTIFY_DONE;
}

static struct notifier_block daxmf_nd_nb = {
	.notifier_call = daxmf_nd_event,
};

/*
 * The dax bus is built into the kernel and never goes away; it is taken
 * from the first dev_dax seen.  Registered from the nd chain, never from
 * the dax chain itself (its lock is held while it runs).
 */
static DEFINE_MUTEX(daxmf_dax_bus_lock);
static const struct bus_type *daxmf_dax_bus;

static void daxmf_watch_dax_bus(const struct bus_type *bus)
{
	mutex_lock(&daxmf_dax_bus_lock);
	if (!daxmf_dax_bus && !bus_register_notifier((struct bus_type *)bus,
						     &daxmf_dax_nb))
		daxmf_dax_bus = bus;
	mutex_unlock(&daxmf_dax_bus_lock);
}

static int daxmf_find_dax_bus(struct device *dev, void *data)
{
	struct device *child;

	if (!dev->type || !dev->type->name || strcmp(dev->type->name, "nd_dax"))
		return 0;
	child = device_find_child(dev, "dax", daxmf_match_bus);
	if (!child)
		return 0;
	daxmf_watch_dax_bus(child->bus);
	put_device(child);
	return 1;
}

int daxmf_preremove_init(void)
{
	int ret;

	ret = nd_driver_register(&daxmf_nd_driver);
	if (ret)
		return ret;
	ret = bus_register_notifier(daxmf_nd_driver.drv.bus, &daxmf_nd_nb);
	if (ret) {
		nd_driver_unregister(&daxmf_nd_driver);
		return ret;
	}
	/* Device-dax instances that exist already show the dax bus. */
	bus_for_each_dev(daxmf_nd_driver.drv.bus, NULL, NULL,
			 daxmf_find_dax_bus);
	return 0;
}

void daxmf_preremove_exit(void)
{
	/* Unregistering waits for a notifier call in progress. */
	bus_unregister_notifier(daxmf_nd_driver.drv.bus, &daxmf_nd_nb);
	mutex_lock(&daxmf_dax_bus_lock);
	if (daxmf_dax_bus)
		bus_unregister_notifier((struct bus_type *)daxmf_dax_bus,
					&daxmf_dax_nb);
	daxmf_dax_bus = NULL;
	mutex_unlock(&daxmf_dax_bus_lock);
	nd_driver_unregister(&daxmf_nd_driver);
}

/*
 * After daxmf_preremove_exit() and daxmf_jobs_stop(): no notifier can run
 * and no range can be accepted, so the fences of unbinds that have not
 * ended yet have nothing left to guard.
 */
void daxmf_preremove_free_fences(void)
{
	daxmf_fences_release(NULL);
}
