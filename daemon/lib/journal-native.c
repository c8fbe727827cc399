/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "journal-native.h"

int journal_native_format(const struct iovec *iov, size_t n, char **ret, size_t *ret_size) {
        size_t size = 0, at = 0;
        char *buf;

        /* Sized first: the binary form is the longest, 8 bytes more than the field and its '\n'. */
        for (size_t i = 0; i < n; i++) {
                const char *f = iov[i].iov_base, *eq = memchr(f, '=', iov[i].iov_len);

                if (!eq || eq == f || memchr(f, '\n', (size_t) (eq - f)))
                        return -EINVAL;
                if (iov[i].iov_len > SIZE_MAX / 2 - size - 9)
                        return -ENOMEM;
                size += iov[i].iov_len + 9;
        }
        buf = malloc(size ? size : 1);
        if (!buf)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                const char *f = iov[i].iov_base, *eq = memchr(f, '=', iov[i].iov_len);
                size_t name = (size_t) (eq - f), value = iov[i].iov_len - name - 1;

                if (!memchr(eq + 1, '\n', value)) {
                        memcpy(buf + at, f, iov[i].iov_len);
                        at += iov[i].iov_len;
                } else {
                        uint64_t le = htole64((uint64_t) value);

                        memcpy(buf + at, f, name);
                        at += name;
                        buf[at++] = '\n';
                        memcpy(buf + at, &le, sizeof(le));
                        at += sizeof(le);
                        memcpy(buf + at, eq + 1, value);
                        at += value;
                }
                buf[at++] = '\n';
        }
        *ret = buf;
        *ret_size = at;
        return 0;
}
