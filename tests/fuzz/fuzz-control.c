/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A client's request on daxmfd's control socket: one SEQPACKET message of
 * up to DAXMF_CONTROL_MAX_MESSAGE bytes, not NUL-terminated, as control.c
 * receives it.
 */
#include <errno.h>

#include "control-request.h"
#include "control-socket.h"
#include "fuzz.h"
#include "macro.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ char *buf = NULL;
        struct daxmf_control_request req;
        const char *error = NULL;
        int r;

        if (size > DAXMF_CONTROL_MAX_MESSAGE)
                return -1;
        buf = fuzz_bytes(data, size);
        r = daxmf_control_request_parse(buf, size, &req, &error);
        FUZZ_CHECK(r == 0 || r == -EINVAL || r == -EOPNOTSUPP);
        if (r < 0) {
                /* The client is told why. */
                FUZZ_CHECK(error && error[0]);
                return 0;
        }
        FUZZ_CHECK(req.command == DAXMF_CONTROL_STATUS || req.command == DAXMF_CONTROL_RESCAN ||
                   req.command == DAXMF_CONTROL_REFRESH_INVENTORY);
        FUZZ_CHECK(!req.device || req.command == DAXMF_CONTROL_REFRESH_INVENTORY);
        daxmf_control_request_done(&req);
        return 0;
}
