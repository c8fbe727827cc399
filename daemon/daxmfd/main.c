/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daxmfd: turns dax/pmem removal and poison events into batched range
 * failures through the daxmf kernel module, and records them in the journal.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "control-socket.h"
#include "journal-writer.h"
#include "journal.h"
#include "log.h"
#include "macro.h"
#include "manager.h"

#ifndef DAXMF_VERSION
#define DAXMF_VERSION "unknown"
#endif
#ifndef DAXMF_CONFIG_DIR
#define DAXMF_CONFIG_DIR "/etc/daxmf"
#endif

static void help(void) {
        printf("Usage: daxmfd [--config FILE] [--config-dir DIR] [--state-dir DIR]\n"
               "              [--control-socket PATH] [--log-to-stderr]\n"
               "\n"
               "  --config FILE      main configuration (default " DAXMF_CONFIG_DIR "/daxmfd.conf)\n"
               "  --config-dir DIR   drop-ins, *.conf (default " DAXMF_CONFIG_DIR "/daxmfd.conf.d)\n"
               "  --state-dir DIR    pending and completed ranges (default $STATE_DIRECTORY,\n"
               "                     else /var/lib/daxmf)\n"
               "  --control-socket PATH  where daxmfctl reaches the daemon (default\n"
               "                     $DAXMF_CONTROL_SOCKET, else " DAXMF_CONTROL_SOCKET ")\n"
               "  --log-to-stderr    log to stderr instead of the journal\n"
               "\n"
               "Signals: SIGHUP reloads the configuration, SIGUSR1 rescans badblocks,\n"
               "SIGTERM stops.\n");
}

int main(int argc, char *argv[]) {
        static const struct option options[] = {
                { "help", no_argument, NULL, 'h' },
                { "version", no_argument, NULL, 'V' },
                { "config", required_argument, NULL, 'c' },
                { "config-dir", required_argument, NULL, 'd' },
                { "state-dir", required_argument, NULL, 's' },
                { "log-to-stderr", no_argument, NULL, 'e' },
                { "control-socket", required_argument, NULL, 'C' },
                {}
        };
        const char *config = DAXMF_CONFIG_DIR "/daxmfd.conf", *config_dir = DAXMF_CONFIG_DIR "/daxmfd.conf.d";
        const char *state_dir = NULL, *control = daxmf_control_socket_path();
        _cleanup_free_ char *state_env = NULL;
        struct manager *m = NULL;
        bool to_stderr = false;
        int c, r;

        log_set_program("daxmfd");
        while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
                switch (c) {
                case 'h':
                        help();
                        return EXIT_SUCCESS;
                case 'V':
                        printf("daxmfd %s\n", DAXMF_VERSION);
                        return EXIT_SUCCESS;
                case 'c':
                        config = optarg;
                        break;
                case 'd':
                        config_dir = optarg;
                        break;
                case 's':
                        state_dir = optarg;
                        break;
                case 'e':
                        to_stderr = true;
                        break;
                case 'C':
                        control = optarg;
                        break;
                default:
                        return 2;
                }
        if (optind < argc) {
                log_error("unexpected argument '%s'", argv[optind]);
                return 2;
        }
        if (!state_dir) {
                const char *e = getenv("STATE_DIRECTORY");

                /* systemd may pass several directories, ':'-separated; the first is ours. */
                if (e && *e) {
                        state_env = strndup(e, strcspn(e, ":"));
                        if (!state_env)
                                return EXIT_FAILURE;
                        state_dir = state_env;
                } else
                        state_dir = "/var/lib/daxmf";
        }

        if (!to_stderr)
                log_set_sink(journal_sink);

        r = manager_new(&m, config, config_dir, state_dir, control);
        if (r >= 0)
                r = manager_start(m);
        if (r >= 0)
                r = manager_run(m);
        if (r < 0)
                log_error("daxmfd failed: %s", strerror(-r));
        manager_free(m);
        /* Last: what journald has not taken yet gets a final try, the rest is said and counted. */
        journal_writer_stop();
        return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
