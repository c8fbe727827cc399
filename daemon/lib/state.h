/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdio.h>

#include "engine.h"
#include "rangeset.h"

/*
 * daxmfd's memory across restarts: which pages still have to be failed and
 * which were failed already.  One text file in the state directory,
 * replaced atomically (write a temporary file, fsync, rename, fsync the
 * directory), so a crash leaves either the old or the new state.
 *
 *   # daxmfd state 1
 *   boot 4f0c1c9ad0e94b7c8d0f3b3c1e6a2d11
 *   pending 0x40000 0x40200
 *   in-flight 0x5eed000000000007 0x40200 0x40400
 *   completed 0x41000 0x41010
 *
 * Batches in flight keep their cookie: after a crash the module is asked
 * what became of each (it remembers recent jobs by cookie), so a batch it
 * finished is not sent again and one it never saw is.  The boot id says
 * whether any of it still holds: a failed page is failed in kernel memory
 * only, and a reboot may also change what sits at those addresses.
 */

struct daxmf_state {
        char boot_id[33];               /* "" when the file names none */
        struct daxmf_rangeset pending;
        struct daxmf_rangeset completed;
        struct daxmf_batch *in_flight;
        size_t n_in_flight;
};

void daxmf_state_done(struct daxmf_state *s);

int daxmf_state_write(FILE *f, const char *boot_id, const struct daxmf_rangeset *pending,
                      const struct daxmf_batch *in_flight, size_t n_in_flight,
                      const struct daxmf_rangeset *completed);

/* Parse a state file; -EBADMSG with *ret_line set on the first bad line. */
int daxmf_state_read(FILE *f, struct daxmf_state *ret, unsigned *ret_line);

int daxmf_state_save(int dir_fd, const char *name, const char *boot_id, const struct daxmf_rangeset *pending,
                     const struct daxmf_batch *in_flight, size_t n_in_flight,
                     const struct daxmf_rangeset *completed);

/*
 * Load NAME from the directory: -ENOENT when there is none.  A file that
 * cannot be parsed is renamed to NAME.corrupt (kept for the operator) and
 * -EBADMSG returned with *ret_line set.
 */
int daxmf_state_load(int dir_fd, const char *name, struct daxmf_state *ret, unsigned *ret_line);
