/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "args.h"

/* Each returns a process exit status. */
int daxmfctl_info(const struct daxmfctl_args *args);
int daxmfctl_fail_range(const struct daxmfctl_args *args);
int daxmfctl_monitor(const struct daxmfctl_args *args);
/* Through daxmfd's control socket. */
int daxmfctl_status(const struct daxmfctl_args *args);
int daxmfctl_rescan(const struct daxmfctl_args *args);
/* Read-only: the owners of a device range (resolver). */
int daxmfctl_files(const struct daxmfctl_args *args);
