/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <linux/daxmf.h>

#include "args.h"
#include "macro.h"
#include "parse-util.h"

enum {
        ARG_PFN = 0x100,
        ARG_PAGES,
        ARG_FLAGS,
        ARG_COOKIE,
        ARG_ACTION_REQUIRED,
        ARG_ALLOW_RAM,
        ARG_PER_PAGE,
        ARG_SIMULATED,
        ARG_REMOVAL,
        ARG_COUNT,
        ARG_RANGES,
        ARG_INVENTORY,
};

static const struct option options[] = {
        { "help",            no_argument,       NULL, 'h' },
        { "json",            no_argument,       NULL, 'j' },
        { "pfn",             required_argument, NULL, ARG_PFN },
        { "pages",           required_argument, NULL, ARG_PAGES },
        { "flags",           required_argument, NULL, ARG_FLAGS },
        { "cookie",          required_argument, NULL, ARG_COOKIE },
        { "action-required", no_argument,       NULL, ARG_ACTION_REQUIRED },
        { "allow-ram",       no_argument,       NULL, ARG_ALLOW_RAM },
        { "per-page",        no_argument,       NULL, ARG_PER_PAGE },
        { "simulated",       no_argument,       NULL, ARG_SIMULATED },
        { "removal",         no_argument,       NULL, ARG_REMOVAL },
        { "count",           required_argument, NULL, ARG_COUNT },
        { "ranges",          required_argument, NULL, ARG_RANGES },
        { "inventory",       no_argument,       NULL, ARG_INVENTORY },
        {}
};

static const struct {
        const char *name;
        enum daxmfctl_command command;
} commands[] = {
        { "help",       DAXMFCTL_HELP },
        { "version",    DAXMFCTL_VERSION },
        { "info",       DAXMFCTL_INFO },
        { "fail-range", DAXMFCTL_FAIL_RANGE },
        { "monitor",    DAXMFCTL_MONITOR },
        { "status",     DAXMFCTL_STATUS },
        { "rescan",     DAXMFCTL_RESCAN },
        { "files",      DAXMFCTL_FILES },
};

_printf_(3, 4)
static int fail(char *error, size_t size, const char *format, ...) {
        va_list ap;

        va_start(ap, format);
        vsnprintf(error, size, format, ap);
        va_end(ap);
        return -EINVAL;
}

static int number(const char *option, const char *value, uint64_t *ret,
                  char *error, size_t size) {
        int r;

        r = parse_u64(value, ret);
        if (r == -ERANGE)
                return fail(error, size, "--%s: '%s' is larger than 2^64-1", option, value);
        if (r < 0)
                return fail(error, size, "--%s: '%s' is not a number (decimal or 0x-hex)", option, value);
        return 0;
}

void daxmfctl_print_help(void) {
        printf("Usage: daxmfctl [--json] COMMAND [OPTIONS]\n"
               "\n"
               "Ask the daxmf kernel module to fail ranges of dax/pmem memory.\n"
               "\n"
               "Commands:\n"
               "  info                      Module version, kernel, flags and limits\n"
               "  fail-range --pfn N --pages N [--action-required] [--allow-ram]\n"
               "             [--per-page] [--simulated] [--removal] [--flags BITS]\n"
               "             [--cookie N]\n"
               "                            Run memory failure over a range of page frames\n"
               "  monitor [--count N]       Print the module's range events as they come;\n"
               "                            stop after N completed ranges\n"
               "  status                    What daxmfd watches: disks, pending pages, the\n"
               "                            module, degraded reasons\n"
               "  rescan                    Make daxmfd re-read every pmem disk's badblocks now\n"
               "  files DEVICE OFFSET LENGTH  Which files (every reflink sharer and hard link),\n"
               "                            metadata or free space hold those bytes of a device\n"
               "                            (pmem0, /dev/pmem0, namespace0.0); read-only\n"
               "  files DEVICE --ranges FILE  The same for every 'OFFSET LENGTH' line of FILE\n"
               "                            ('-': standard input)\n"
               "  version                   Version of this tool\n"
               "  help                      This text\n"
               "\n"
               "Options:\n"
               "  -j --json                 Machine-readable output (JSON)\n"
               "  --pfn N                   First page frame (decimal or 0x-hex)\n"
               "  --pages N                 Number of pages\n"
               "  --action-required         The poison was consumed (MF_ACTION_REQUIRED)\n"
               "  --allow-ram               Also accept online System RAM\n"
               "  --per-page                Call memory_failure() page by page, never the\n"
               "                            pagemap's range op\n"
               "  --simulated               A test, not a hardware error (MF_SW_SIMULATED):\n"
               "                            RAM failed so can be unpoisoned\n"
               "  --removal                 The range is going away: skip pages nobody\n"
               "                            mapped, zap every mapping met (device memory)\n"
               "  --flags BITS              Raw DAXMF_FLAG_* bits, ORed with the above\n"
               "  --cookie N                Opaque number echoed in the reply and event\n"
               "  --ranges FILE             files: the ranges to look up, one per line\n"
               "  --inventory               files: answer from daxmfd's snapshot of the\n"
               "                            filesystem (also used when DEVICE is gone or not\n"
               "                            mounted); $DAXMF_STATE_DIRECTORY, default\n"
               "                            /var/lib/daxmf\n");
}

int daxmfctl_parse_args(int argc, char *argv[], struct daxmfctl_args *ret,
                        char *error, size_t size) {
        struct daxmfctl_args a = { .command = DAXMFCTL_HELP };
        const char *verb = NULL;
        bool have_verb = false, range_option = false, count_option = false, files_option = false;
        const char *operands[3];
        size_t n_operands = 0;
        uint64_t v;
        int c, r;

        optind = 0;     /* full reset: the parser may run more than once */
        opterr = 0;
        for (;;) {
                /*
                 * The argument getopt looks at, for error messages: within a
                 * cluster ("-pfn") optind has not moved past it yet, after a
                 * long option it has.
                 */
                int arg = optind > 0 ? optind : 1;

                c = getopt_long(argc, argv, "+:hj", options, NULL);
                if (c < 0 && optind >= argc)
                        break;
                if (c < 0) {
                        /* A non-option: the command, then its operands (only 'files' has any). */
                        if (!have_verb) {
                                verb = argv[optind++];
                                have_verb = true;
                        } else if (strcmp(verb, "files") == 0 && n_operands < ELEMENTSOF(operands))
                                operands[n_operands++] = argv[optind++];
                        else
                                return fail(error, size, "unexpected argument '%s'", argv[optind]);
                        continue;
                }

                switch (c) {
                case 'h':
                        a.command = DAXMFCTL_HELP;
                        *ret = a;
                        return 0;
                case 'j':
                        a.json = true;
                        break;
                case ARG_PFN:
                        range_option = true;
                        r = number("pfn", optarg, &a.range.pfn, error, size);
                        if (r < 0)
                                return r;
                        a.range.has_pfn = true;
                        break;
                case ARG_PAGES:
                        range_option = true;
                        r = number("pages", optarg, &a.range.pages, error, size);
                        if (r < 0)
                                return r;
                        a.range.has_pages = true;
                        break;
                case ARG_FLAGS:
                        range_option = true;
                        r = number("flags", optarg, &v, error, size);
                        if (r < 0)
                                return r;
                        if (v > UINT32_MAX)
                                return fail(error, size, "--flags: '%s' does not fit in 32 bits", optarg);
                        a.range.flags |= (uint32_t) v;
                        break;
                case ARG_COOKIE:
                        range_option = true;
                        r = number("cookie", optarg, &a.range.cookie, error, size);
                        if (r < 0)
                                return r;
                        break;
                case ARG_ACTION_REQUIRED:
                        range_option = true;
                        a.range.flags |= DAXMF_FLAG_ACTION_REQUIRED;
                        break;
                case ARG_ALLOW_RAM:
                        range_option = true;
                        a.range.flags |= DAXMF_FLAG_ALLOW_RAM;
                        break;
                case ARG_COUNT:
                        count_option = true;
                        r = number("count", optarg, &a.count, error, size);
                        if (r < 0)
                                return r;
                        break;
                case ARG_PER_PAGE:
                        range_option = true;
                        a.range.flags |= DAXMF_FLAG_PER_PAGE;
                        break;
                case ARG_SIMULATED:
                        range_option = true;
                        a.range.flags |= DAXMF_FLAG_SIMULATED;
                        break;
                case ARG_REMOVAL:
                        range_option = true;
                        a.range.flags |= DAXMF_FLAG_REMOVAL;
                        break;
                case ARG_RANGES:
                        files_option = true;
                        a.ranges = optarg;
                        break;
                case ARG_INVENTORY:
                        files_option = true;
                        a.inventory = true;
                        break;
                case ':':
                        return fail(error, size, "option '%s' needs a value", argv[arg]);
                default:
                        return fail(error, size, "unknown option '%s'", argv[arg]);
                }
        }

        if (!have_verb)
                return fail(error, size, "no command given (try 'daxmfctl help')");

        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (strcmp(verb, commands[i].name) == 0) {
                        a.command = commands[i].command;
                        have_verb = false;
                        break;
                }
        if (have_verb)
                return fail(error, size, "unknown command '%s' (try 'daxmfctl help')", verb);

        /* Given is given, even with a value of 0. */
        if (a.command != DAXMFCTL_FAIL_RANGE && range_option)
                return fail(error, size, "range options are only for 'fail-range'");

        if (a.command != DAXMFCTL_MONITOR && count_option)
                return fail(error, size, "--count is only for 'monitor'");

        if (a.command != DAXMFCTL_FILES && files_option)
                return fail(error, size, "--ranges and --inventory are only for 'files'");

        if (a.command == DAXMFCTL_FILES) {
                if (a.ranges && n_operands != 1)
                        return fail(error, size, "files --ranges FILE takes DEVICE alone");
                if (!a.ranges && n_operands != 3)
                        return fail(error, size, "files needs DEVICE OFFSET LENGTH (bytes from the device's start)");
                if (a.ranges && !a.ranges[0])
                        return fail(error, size, "files: --ranges needs a file name ('-' for standard input)");
                if (snprintf(a.device, sizeof(a.device), "%s", operands[0]) >= (int) sizeof(a.device))
                        return fail(error, size, "files: DEVICE is too long");
                if (a.ranges)
                        goto done;
                r = parse_u64(operands[1], &a.offset);
                if (r < 0)
                        return fail(error, size, "files: OFFSET '%s' is not a number (decimal or 0x-hex)", operands[1]);
                r = parse_u64(operands[2], &a.length);
                if (r < 0 || a.length == 0)
                        return fail(error, size, "files: LENGTH '%s' is not a number above 0", operands[2]);
                if (a.offset + a.length < a.offset)
                        return fail(error, size, "files: OFFSET + LENGTH overflows");
        }

done:
        *ret = a;
        return 0;
}
