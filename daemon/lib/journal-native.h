/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <sys/uio.h>

/*
 * One record in journald's native protocol (systemd.io/JOURNAL_NATIVE_PROTOCOL),
 * the datagram sd_journal_sendv() would send: each iovec one "NAME=value"
 * field; "NAME=value\n" when the value has no line feed, else NAME, '\n',
 * the value's length as 64-bit little endian, the value, '\n'.  daxmfd
 * builds the datagram itself so that it can send it without blocking and
 * keep it, as bytes, while journald is away.
 *
 * 0 and a malloc'd *ret of *ret_size bytes; -EINVAL for a field without '='
 * or with a bad name (empty, or a line feed in it); -ENOMEM.
 */
int journal_native_format(const struct iovec *iov, size_t n, char **ret, size_t *ret_size);
