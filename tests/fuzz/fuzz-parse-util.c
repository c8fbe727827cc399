/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The small parsers under every other one and under daxmfctl's options:
 * numbers (parse_u64/u32), time spans (the config's), points in time
 * (--since/--until), actions.  The whole input is the string.
 */
#include <errno.h>
#include <inttypes.h>

#include "conf.h"
#include "fuzz.h"
#include "macro.h"
#include "parse-util.h"

/* A fixed "now" (2026-11-18 11:13:20 UTC), in UTC: runs are reproducible. */
#define NOW_USEC (UINT64_C(1795000400) * 1000000)

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        setenv("TZ", "UTC", 1);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *s = NULL;
        uint64_t v64 = 0, t = 0;
        uint32_t v32 = 0;
        enum daxmf_action a;
        int r64, r32, r;

        if (size > 256)
                return -1;
        s = fuzz_string(data, size);

        r64 = parse_u64(s, &v64);
        FUZZ_CHECK(r64 == 0 || r64 == -EINVAL || r64 == -ERANGE);
        r32 = parse_u32(s, &v32);
        FUZZ_CHECK(r32 == 0 || r32 == -EINVAL || r32 == -ERANGE);
        /* The same grammar: u32 takes what u64 takes below 2^32. */
        if (r32 == 0)
                FUZZ_CHECK(r64 == 0 && v64 == v32);
        if (r64 == 0 && v64 <= UINT32_MAX)
                FUZZ_CHECK(r32 == 0);
        if (r64 == 0) {
                /* What it read, printed in its base, reads back the same. */
                char buf[32];
                uint64_t back;

                snprintf(buf, sizeof(buf), s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? "0x%" PRIx64 : "%" PRIu64,
                         v64);
                FUZZ_CHECK(parse_u64(buf, &back) == 0 && back == v64);
        }

        r = parse_timespan_usec(s, &t);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
        r = parse_timestamp(s, NOW_USEC, &t);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -ERANGE);
        if (daxmf_action_from_string(s, &a) == 0)
                FUZZ_CHECK(strcmp(daxmf_action_to_string(a), s) == 0);
        if (r64 == 0 && v64 < 4096)
                (void) errno_name((int) v64);
        return 0;
}
