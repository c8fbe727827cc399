/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <systemd/sd-event.h>

#include "topology.h"

/*
 * The topology read on a thread of its own.  libndctl reads namespace
 * attributes that take the device's lock; an unbind holds that lock while
 * the module waits for daxmfd's answer to its removal handshake.  Read on
 * the event loop, a scan that met an unbind stalled the loop until the
 * module gave up on us (seen in a storm of unbind/bind cycles: the watchdog
 * killed daxmfd).  On a thread, the loop answers and the scan goes on.
 */
struct topology_worker;

/* done gets the scan's result (it owns *t when r >= 0), on the event loop. */
typedef void (*topology_worker_done_t)(struct daxmf_topology *t, int r, void *userdata);

int topology_worker_start(sd_event *e, const char *mountinfo, topology_worker_done_t done, void *userdata,
                          struct topology_worker **ret);
/* Waits for the thread (a scan stuck on a lock ends when the unbind does). */
void topology_worker_free(struct topology_worker *w);
