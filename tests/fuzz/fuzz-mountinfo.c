/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /proc/self/mountinfo: every line through mountinfo_parse_line(), and the
 * whole text as a file through mountinfo_find() (a memfd, read by path as
 * the daemon reads /proc/self/mountinfo).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "macro.h"
#include "mountinfo.h"

static void check_string(const char *s, const char *line, size_t size) {
        FUZZ_CHECK(s && s >= line && s <= line + size);
        FUZZ_CHECK(strlen(s) <= size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char mountpoint[4096], fstype[64], path[64];
        unsigned major = 0, minor = 0;
        bool have_dev = false;
        /* The mounts of that device: the answer must be one of them, whole. */
        char *mounts[64][2];
        size_t n_mounts = 0, pos = 0;
        int fd, r;

        if (size > 65536)
                return -1;
        /* Line by line, each in a buffer of its own size. */
        while (pos < size) {
                const uint8_t *nl = memchr(data + pos, '\n', size - pos);
                size_t len = nl ? (size_t) (nl - data - pos) + 1 : size - pos;
                _cleanup_free_ char *line = fuzz_string(data + pos, len);
                struct mountinfo_entry e;

                pos += len;
                r = mountinfo_parse_line(line, &e);
                FUZZ_CHECK(r == 0 || r == -EBADMSG);
                if (r < 0)
                        continue;
                check_string(e.root, line, len);
                check_string(e.mountpoint, line, len);
                check_string(e.fstype, line, len);
                check_string(e.source, line, len);
                check_string(e.super_options, line, len);
                if (!have_dev) {
                        major = e.major;
                        minor = e.minor;
                        have_dev = true;
                }
                if (e.major == major && e.minor == minor && n_mounts < ELEMENTSOF(mounts)) {
                        mounts[n_mounts][0] = strdup(e.mountpoint);
                        mounts[n_mounts][1] = strdup(e.fstype);
                        FUZZ_CHECK(mounts[n_mounts][0] && mounts[n_mounts][1]);
                        n_mounts++;
                }
        }

        fd = memfd_create("mountinfo", MFD_CLOEXEC);
        FUZZ_CHECK(fd >= 0);
        FUZZ_CHECK(size == 0 || write(fd, data, size) == (ssize_t) size);
        snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
        r = mountinfo_find(path, major, minor, mountpoint, sizeof(mountpoint), fstype, sizeof(fstype));
        FUZZ_CHECK(r == 0 || r == -ENOENT || r == -ENAMETOOLONG || r == -EBADMSG);
        if (r == 0 && n_mounts < ELEMENTSOF(mounts)) {
                bool one_of_them = false;

                for (size_t i = 0; i < n_mounts; i++)
                        if (strcmp(mounts[i][0], mountpoint) == 0 && strcmp(mounts[i][1], fstype) == 0)
                                one_of_them = true;
                FUZZ_CHECK(one_of_them);
        }
        for (size_t i = 0; i < n_mounts; i++) {
                free(mounts[i][0]);
                free(mounts[i][1]);
        }
        close(fd);
        return 0;
}
