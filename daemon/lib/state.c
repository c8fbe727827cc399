/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "macro.h"
#include "parse-util.h"
#include "state.h"

#define STATE_HEADER "# daxmfd state 1"

static void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}

/* Why a write failed, as the caller must report it: ENOSPC and EROFS are not EIO. */
static int write_error(void) {
        return errno > 0 ? -errno : -EIO;
}

static int write_set(FILE *f, const char *word, const struct daxmf_rangeset *s) {
        for (size_t i = 0; s && i < s->n; i++)
                if (fprintf(f, "%s 0x%" PRIx64 " 0x%" PRIx64 "\n", word, s->ranges[i].start, s->ranges[i].end) < 0)
                        return write_error();
        return 0;
}

void daxmf_state_done(struct daxmf_state *s) {
        rangeset_done(&s->pending);
        rangeset_done(&s->completed);
        free(s->in_flight);
        *s = (struct daxmf_state) {};
}

int daxmf_state_write(FILE *f, const char *boot_id, const struct daxmf_rangeset *pending,
                      const struct daxmf_batch *in_flight, size_t n_in_flight,
                      const struct daxmf_rangeset *completed) {
        int r;

        errno = 0;
        if (fprintf(f, STATE_HEADER "\n") < 0 ||
            (boot_id && boot_id[0] && fprintf(f, "boot %s\n", boot_id) < 0))
                return write_error();
        r = write_set(f, "pending", pending);
        if (r < 0)
                return r;
        for (size_t i = 0; i < n_in_flight; i++)
                if (fprintf(f, "in-flight 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n", in_flight[i].cookie,
                            in_flight[i].start, in_flight[i].start + in_flight[i].pages) < 0)
                        return write_error();
        r = write_set(f, "completed", completed);
        if (r < 0)
                return r;
        if (fflush(f) != 0)
                return write_error();
        return 0;
}

int daxmf_state_read(FILE *f, struct daxmf_state *ret, unsigned *ret_line) {
        _cleanup_(daxmf_state_done) struct daxmf_state st = {};
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        unsigned line = 0;
        bool header = false;
        ssize_t n;
        int r;

        while ((n = getline(&buf, &size, f)) >= 0) {
                char word[16] = "", a[40], b[24], c[24], extra;
                uint64_t start, end, cookie;
                int fields;

                line++;
                if (n > 0 && buf[n - 1] == '\n')
                        buf[--n] = '\0';
                if (!header) {
                        if (strcmp(buf, STATE_HEADER) != 0)
                                goto bad;
                        header = true;
                        continue;
                }
                fields = sscanf(buf, "%15s %39s %23s %23s %c", word, a, b, c, &extra);
                if (strcmp(word, "boot") == 0) {
                        if (fields != 2 || strlen(a) != 32 || a[strspn(a, "0123456789abcdef")] != '\0')
                                goto bad;
                        memcpy(st.boot_id, a, sizeof(st.boot_id));
                        continue;
                }
                if (strcmp(word, "in-flight") == 0) {
                        struct daxmf_batch *nb;

                        if (fields != 4 || parse_u64(a, &cookie) < 0 || parse_u64(b, &start) < 0 ||
                            parse_u64(c, &end) < 0 || start >= end)
                                goto bad;
                        nb = reallocarray(st.in_flight, st.n_in_flight + 1, sizeof(*nb));
                        if (!nb)
                                return -ENOMEM;
                        st.in_flight = nb;
                        st.in_flight[st.n_in_flight++] = (struct daxmf_batch) {
                                .cookie = cookie, .start = start, .pages = end - start,
                        };
                        continue;
                }
                if (fields != 3 || parse_u64(a, &start) < 0 || parse_u64(b, &end) < 0 || start >= end)
                        goto bad;
                if (strcmp(word, "pending") == 0)
                        r = rangeset_add(&st.pending, start, end);
                else if (strcmp(word, "completed") == 0)
                        r = rangeset_add(&st.completed, start, end);
                else
                        goto bad;
                if (r < 0)
                        return r;
        }
        if (!header)
                goto bad;       /* empty or truncated before the header */

        /* Pages both pending and completed were finished: completed wins. */
        r = rangeset_remove_set(&st.pending, &st.completed);
        if (r < 0)
                return r;

        daxmf_state_done(ret);
        *ret = st;
        st = (struct daxmf_state) {};
        return 0;

bad:
        if (ret_line)
                *ret_line = line;
        return -EBADMSG;
}

int daxmf_state_save(int dir_fd, const char *name, const char *boot_id, const struct daxmf_rangeset *pending,
                     const struct daxmf_batch *in_flight, size_t n_in_flight,
                     const struct daxmf_rangeset *completed) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_free_ char *tmp = NULL;
        int fd, r;

        if (asprintf(&tmp, ".%s.tmp", name) < 0)
                return -ENOMEM;

        fd = openat(dir_fd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "w");
        if (!f) {
                r = -errno;
                close(fd);
                goto fail;
        }

        r = daxmf_state_write(f, boot_id, pending, in_flight, n_in_flight, completed);
        if (r < 0)
                goto fail;
        if (fsync(fileno(f)) < 0) {
                r = -errno;
                goto fail;
        }
        if (renameat(dir_fd, tmp, dir_fd, name) < 0) {
                r = -errno;
                goto fail;
        }
        /* The rename itself must reach the disk. */
        if (fsync(dir_fd) < 0)
                return -errno;
        return 0;

fail:
        (void) unlinkat(dir_fd, tmp, 0);
        return r;
}

int daxmf_state_load(int dir_fd, const char *name, struct daxmf_state *ret, unsigned *ret_line) {
        _cleanup_(fclosep) FILE *f = NULL;
        _cleanup_free_ char *corrupt = NULL;
        int fd, r;

        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0)
                return -errno;
        f = fdopen(fd, "r");
        if (!f) {
                r = -errno;
                close(fd);
                return r;
        }

        r = daxmf_state_read(f, ret, ret_line);
        if (r != -EBADMSG)
                return r;

        /* Keep the bad file for the operator; start over without it. */
        if (asprintf(&corrupt, "%s.corrupt", name) < 0)
                return -ENOMEM;
        /* Where it cannot even be moved (read-only), it stays and is reported again. */
        (void) renameat(dir_fd, name, dir_fd, corrupt);
        return -EBADMSG;
}
