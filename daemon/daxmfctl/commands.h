/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <json-c/json.h>

#include "args.h"

/* Each returns a process exit status. */
int daxmfctl_info(const struct daxmfctl_args *args);
int daxmfctl_fail_range(const struct daxmfctl_args *args);
int daxmfctl_monitor(const struct daxmfctl_args *args);
/* Through daxmfd's control socket. */
int daxmfctl_status(const struct daxmfctl_args *args);
int daxmfctl_rescan(const struct daxmfctl_args *args);
/*
 * One request to daxmfd and its answer, for the commands above and inventory
 * --refresh: request (NULL: none beyond the command) gets "command" added;
 * timeout_sec 0 waits as long as daxmfd takes.  0 with the answer (without
 * "ok") in *ret, or an exit status after telling the failure (as label's).
 */
int daxmfctl_call(const char *label, const char *command, struct json_object *request, bool json,
                  unsigned timeout_sec, struct json_object **ret);
/* Read-only: the owners of a device range (resolver). */
int daxmfctl_files(const struct daxmfctl_args *args);
/* The journal's daxmfd records, grouped by event. */
int daxmfctl_report(const struct daxmfctl_args *args);
/* Read-only: the bad ranges pmem disks know of now, and what they hold. */
int daxmfctl_scan(const struct daxmfctl_args *args);
/* daxmfd's saved inventories; --refresh through the control socket. */
int daxmfctl_inventory(const struct daxmfctl_args *args);
