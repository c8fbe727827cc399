/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

/* A client's request on the control socket (control-socket.h), parsed. */
enum daxmf_control_command {
        DAXMF_CONTROL_STATUS,
        DAXMF_CONTROL_RESCAN,
        DAXMF_CONTROL_REFRESH_INVENTORY,
};

struct daxmf_control_request {
        enum daxmf_control_command command;
        char *device;           /* refresh-inventory's "device"; NULL: every one */
};

void daxmf_control_request_done(struct daxmf_control_request *req);

/*
 * Parse one message of n bytes (not NUL-terminated): exactly one JSON
 * object with a "command" string.  -EINVAL or -EOPNOTSUPP (an unknown
 * command) with *ret_error the sentence for the client; -ENOMEM.  *ret is
 * written only on success.
 */
int daxmf_control_request_parse(const char *buf, size_t n, struct daxmf_control_request *ret,
                                const char **ret_error);
