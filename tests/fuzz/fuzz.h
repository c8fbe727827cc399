/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Helpers of the libFuzzer harnesses: each fuzz-NAME.c defines
 * LLVMFuzzerTestOneInput() for one parser.  Inputs are copied into buffers
 * of exactly their size, so ASan sees any read past what a parser was given.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* A property every result must have: its failure is a finding, like a crash. */
#define FUZZ_CHECK(cond)                                                                                  \
        do {                                                                                              \
                if (!(cond)) {                                                                            \
                        fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #cond);     \
                        abort();                                                                          \
                }                                                                                         \
        } while (0)

/* The input as a C string: NUL added, exactly size + 1 bytes. */
static inline char *fuzz_string(const uint8_t *data, size_t size) {
        char *s = malloc(size + 1);

        if (!s)
                abort();
        if (size)
                memcpy(s, data, size);
        s[size] = '\0';
        return s;
}

/* The input as bytes, exactly size of them (at least one byte allocated). */
static inline void *fuzz_bytes(const uint8_t *data, size_t size) {
        void *p = malloc(size ? size : 1);

        if (!p)
                abort();
        if (size)
                memcpy(p, data, size);
        return p;
}

/* Messages are formatted (that is code too) and dropped: the fuzzer's output stays readable. */
static inline int fuzz_log_sink(enum log_level level, const char *message) {
        return 0;
}

static inline void fuzz_quiet(void) {
        log_set_sink(fuzz_log_sink);
}
