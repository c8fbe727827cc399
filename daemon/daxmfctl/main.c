/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>

#include "args.h"
#include "commands.h"
#include "log.h"
#include "output.h"

#ifndef DAXMF_VERSION
#define DAXMF_VERSION "unknown"
#endif

int main(int argc, char *argv[]) {
        struct daxmfctl_args args;
        char error[256];

        log_set_program("daxmfctl");

        if (daxmfctl_parse_args(argc, argv, &args, error, sizeof(error)) < 0) {
                const char *command;
                bool json;

                log_error("%s", error);
                /* A script that asked for JSON reads stdout: the error goes there too. */
                daxmfctl_usage_context(argc, argv, &json, &command);
                if (json)
                        daxmfctl_print_json(daxmfctl_usage_error_json(command, error));
                return 2;
        }

        switch (args.command) {
        case DAXMFCTL_HELP:
                daxmfctl_print_help();
                return EXIT_SUCCESS;
        case DAXMFCTL_VERSION:
                printf("daxmfctl %s\n", DAXMF_VERSION);
                return EXIT_SUCCESS;
        case DAXMFCTL_INFO:
                return daxmfctl_info(&args);
        case DAXMFCTL_FAIL_RANGE:
                return daxmfctl_fail_range(&args);
        case DAXMFCTL_MONITOR:
                return daxmfctl_monitor(&args);
        case DAXMFCTL_STATUS:
                return daxmfctl_status(&args);
        case DAXMFCTL_RESCAN:
                return daxmfctl_rescan(&args);
        case DAXMFCTL_FILES:
                return daxmfctl_files(&args);
        case DAXMFCTL_REPORT:
                return daxmfctl_report(&args);
        case DAXMFCTL_SCAN:
                return daxmfctl_scan(&args);
        case DAXMFCTL_INVENTORY:
                return daxmfctl_inventory(&args);
        }
        return EXIT_FAILURE;
}
