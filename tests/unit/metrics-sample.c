/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Prints the metrics of a known run for metrics-parse.py, which reads them
 * with a real parser: poison, removal and memory-failure events, N-more
 * records, a record lost to the journal, memory-failure events lost, the
 * memory failures' source, and a degraded reason that needs every escape.
 */
#include <stdio.h>
#include <stdlib.h>

#include "metrics.h"

int main(void) {
        const struct metrics_gauges g = {
                .degraded = "module \"daxmf\" not loaded\nsee C:\\daxmf",
                .module_connected = false,
                .removal_handler = false,
                .pages_pending = 12,
                .pages_in_flight = 4,
                .disks_watched = 2,
                .bad_ranges = 3,
        .memory_failure_source = "module",
                .start_realtime_usec = 1700000000500000,
                .journal_unavailable = true,
                .journal_queued = 9,
        };

        metrics_reset();
        metrics_count_event("poison", "complete", 2, 0);
        metrics_count_event("poison", "partial", 16, 5);
        metrics_count_event("removal", "complete", 262144, 0);
        metrics_count_event("memory-failure", "recovered", 4, 0);
        metrics_count_lost(METRICS_LOST_MEMORY_FAILURE, 7);
        metrics_count_files(100);
        metrics_count_files(23);
        metrics_count_lost(METRICS_LOST_FILES, 23);
        metrics_count_processes(1);
        metrics_count_lost(METRICS_LOST_JOURNAL, 1);
        return metrics_format(stdout, metrics_counters(), &g) < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
