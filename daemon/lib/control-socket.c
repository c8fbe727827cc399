/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdlib.h>

#include "control-socket.h"

const char *daxmf_control_socket_path(void) {
        const char *e = getenv("DAXMF_CONTROL_SOCKET");

        return e && e[0] ? e : DAXMF_CONTROL_SOCKET;
}
