/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* run-as UID GID PROGRAM [ARGS...]: drop to an unprivileged user and exec. */
#define _GNU_SOURCE
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

int main(int argc, char *argv[]) {
        uid_t uid;
        gid_t gid;

        if (argc < 4)
                return fprintf(stderr, "usage: run-as UID GID PROGRAM [ARGS...]\n"), 2;
        uid = (uid_t) strtoul(argv[1], NULL, 10);
        gid = (gid_t) strtoul(argv[2], NULL, 10);
        if (setgroups(0, NULL) < 0 || setgid(gid) < 0 || setuid(uid) < 0)
                return perror("run-as"), 1;
        execvp(argv[3], argv + 3);
        perror(argv[3]);
        return 127;
}
