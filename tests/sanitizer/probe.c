/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A program with one known defect per mode, built with the sanitizers, so
 * that wrap.sh is shown to catch each kind of report (selftest.sh): a leak,
 * a use after free, undefined behaviour, and a leak in a child whose exit
 * status nobody reads.
 *   probe clean|leak|use-after-free|ub|child-leak
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static void *volatile keep;

static int leak(void)
{
	keep = malloc(64);
	memset(keep, 1, 64);
	keep = NULL;
	return 0;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "clean";

	if (!strcmp(mode, "clean")) {
		free(malloc(16));
		return 0;
	}
	if (!strcmp(mode, "leak"))
		return leak();
	if (!strcmp(mode, "use-after-free")) {
		char *volatile p = malloc(8);

		free(p);
		return p[0] == 42;
	}
	if (!strcmp(mode, "ub")) {
		volatile int big = 2147483647;

		return big + argc > 0 ? 0 : 2;
	}
	if (!strcmp(mode, "child-leak")) {
		pid_t pid = fork();

		if (pid < 0)
			return 2;
		if (pid == 0)
			exit(leak());
		waitpid(pid, NULL, 0);
		return 0;
	}
	fprintf(stderr, "probe: unknown mode %s\n", mode);
	return 2;
}
