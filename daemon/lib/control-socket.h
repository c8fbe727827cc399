/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The daemon's control socket: an AF_UNIX SOCK_SEQPACKET socket, root only.
 * A client sends one JSON object, {"command": "status"} or
 * {"command": "rescan"}, and gets one JSON object back: {"ok": true, ...}
 * or {"ok": false, "errno": N, "error": "text"}.  Then the daemon closes.
 */
#define DAXMF_CONTROL_SOCKET "/run/daxmf/control"
#define DAXMF_CONTROL_MAX_MESSAGE 65536

/* $DAXMF_CONTROL_SOCKET when set (tests), else DAXMF_CONTROL_SOCKET. */
const char *daxmf_control_socket_path(void);
