/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "daxmf-reply.h"

struct manager;

/*
 * daxmfd's side of the module's removal handshake.  A device being unbound
 * is announced (REMOVAL_PENDING) while its pages are alive; daxmfd records
 * it and, where the kernel will not act itself and the policy says fail,
 * fails the range in batches (DAXMF_FLAG_REMOVAL) through its own engine,
 * then answers.  Nothing of it is kept across restarts: a daemon that dies
 * mid-handshake leaves the module to act alone.
 */

/* One removal the module waits on us for. */
struct removal_wait {
        uint64_t id;
        char device[64];
        uint64_t start, end;            /* pfns */
        uint32_t mode;                  /* DAXMF_REMOVAL_* */
        bool stopped;                   /* a batch ended early: the module finishes */
        uint64_t since_usec;
        uint64_t pages_failed;          /* by our batches */
};

/* Removals answered lately, for their REMOVAL event's record. */
#define REMOVAL_ANSWERED_MAX 16

int removal_init(struct manager *m);
void removal_done(struct manager *m);
int removal_configure(struct manager *m);

/* Ask the module to make this connection its removal handler (again, with the configured timeout). */
void removal_register(struct manager *m);
/* The connection to the module is gone, and with it the handler role. */
void removal_reset(struct manager *m);

/* Handlers for the module connection. */
void removal_on_pending(const struct daxmf_removal_pending *p, void *userdata);
void removal_on_handler_set(uint32_t seq, uint32_t portid, uint32_t timeout_ms, void *userdata);
/* True when request seq was the handshake's (then it is dealt with). */
bool removal_on_refused(struct manager *m, uint32_t seq, const struct daxmf_error *e);

/* A batch of the removal engine ended: answer every removal now complete. */
void removal_batch_finished(struct manager *m, uint64_t start, uint64_t pages, uint64_t pages_failed, int status);

/* Pages our batches failed for removal id (0 when unknown); forgets it. */
uint64_t removal_take_failed(struct manager *m, uint64_t id);
