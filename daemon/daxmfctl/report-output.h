/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>
#include <json-c/json.h>

#include "report.h"

/*
 * A finished report as one JSON document:
 * {"events": [...], "cleared": [...], "degraded": [...],
 * "memory_failures_lost": [...]}, numbers as numbers, what a record did
 * not say as null.  Written an element at a
 * time: a storm's whole tree of json-c objects would take gigabytes.
 */
void report_print_json(const struct report *r, FILE *f);

/* The same for people: one block per event, times in local time. */
void report_print(const struct report *r, FILE *f);
