/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

struct manager;

/* Listen on path (its directory is made if missing); the manager's loop serves it. */
int control_start(struct manager *m, const char *path);
void control_stop(struct manager *m, const char *path);
