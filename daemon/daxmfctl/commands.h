/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "args.h"

/* Each returns a process exit status. */
int daxmfctl_info(const struct daxmfctl_args *args);
int daxmfctl_fail_range(const struct daxmfctl_args *args);
int daxmfctl_monitor(const struct daxmfctl_args *args);
