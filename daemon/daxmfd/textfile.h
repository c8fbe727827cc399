/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

struct manager;

/*
 * daxmfd's Prometheus textfile ([Metrics] TextfilePath): the counters of
 * metrics.c and the manager's gauges, written at start, within a second of
 * a change (one write per second at most, from a timer: the loop never
 * waits for more than a small file's write and rename), and at exit.
 */

/* Before anything is logged: the counters start at 0, and changes arm the timer once it exists. */
void textfile_init(struct manager *m);
/* With the event loop: the timer, and the first file. */
int textfile_start(struct manager *m);
/* Something the file shows may have changed. */
void textfile_changed(struct manager *m);
/* After a reload: a new path is written at once, and the file at the old one removed. */
void textfile_configure(struct manager *m);
/* Now, whatever the last write's time (at exit: the final values). */
void textfile_flush(struct manager *m);
void textfile_done(struct manager *m);
