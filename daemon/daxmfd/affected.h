/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "mappers.h"

struct manager;

/*
 * Which files (every name, every reflink sharer), filesystem metadata and
 * processes the physical bytes [phys_start, phys_end) hit, one journal
 * record each, at most AFFECTED_MAX_RECORDS of each kind per event and an
 * honest "N more" record after that.  Called before anything is failed:
 * after it, mappings are gone and nobody can say who had them.
 */
#define AFFECTED_MAX_RECORDS 100

/* Drop the processes' mappings snapshot (at exit). */
void affected_forget_mappings(struct manager *m);

void affected_report(struct manager *m, uint64_t event_id, const char *event, const char *device,
                     uint64_t phys_start, uint64_t phys_end);
