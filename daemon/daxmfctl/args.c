/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
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
        ARG_YES,
        ARG_SINCE,
        ARG_UNTIL,
        ARG_DEVICE,
        ARG_FILE,
        ARG_DIRECTORY,
        ARG_REFRESH,
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
        { "yes",             no_argument,       NULL, ARG_YES },
        { "since",           required_argument, NULL, ARG_SINCE },
        { "until",           required_argument, NULL, ARG_UNTIL },
        { "device",          required_argument, NULL, ARG_DEVICE },
        { "file",            required_argument, NULL, ARG_FILE },
        { "directory",       required_argument, NULL, ARG_DIRECTORY },
        { "refresh",         no_argument,       NULL, ARG_REFRESH },
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
        { "report",     DAXMFCTL_REPORT },
        { "scan",       DAXMFCTL_SCAN },
        { "inventory",  DAXMFCTL_INVENTORY },
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

/* The long option "--name" or an unambiguous abbreviation of it stands for, as getopt_long takes them. */
static const struct option *long_option(const char *name, size_t len) {
        const struct option *found = NULL;

        for (const struct option *o = options; o->name; o++) {
                if (strncmp(o->name, name, len) != 0)
                        continue;
                if (strlen(o->name) == len)
                        return o;
                if (found)
                        return NULL;    /* ambiguous */
                found = o;
        }
        return found;
}

void daxmfctl_usage_context(int argc, char *argv[], bool *ret_json, const char **ret_command) {
        const char *command = NULL;
        bool json = false, have_verb = false;

        for (int i = 1; i < argc; i++) {
                const char *arg = argv[i];

                if (strcmp(arg, "--") == 0)
                        break;
                if (strncmp(arg, "--", 2) == 0) {
                        size_t len = strcspn(arg + 2, "=");
                        const struct option *o = long_option(arg + 2, len);

                        if (o && o->val == 'j')
                                json = true;
                        /* Its value is the next argument: not an operand, not an option. */
                        if (o && o->has_arg == required_argument && arg[2 + len] != '=')
                                i++;
                } else if (arg[0] == '-' && arg[1]) {
                        if (strchr(arg + 1, 'j'))
                                json = true;
                } else if (!have_verb) {
                        have_verb = true;
                        for (size_t k = 0; k < ELEMENTSOF(commands); k++)
                                if (strcmp(arg, commands[k].name) == 0)
                                        command = commands[k].name;
                }
        }
        *ret_json = json;
        *ret_command = command;
}

void daxmfctl_print_help(void) {
        printf("Usage: daxmfctl [--json] COMMAND [OPTIONS]\n"
               "\n"
               "Look after dax/pmem memory that went bad or away: what daxmfd saw and did,\n"
               "which files and processes a range holds, and the daxmf kernel module.\n"
               "\n"
               "Commands:\n"
               "  status                    daxmfd: the module, watched disks, pending pages,\n"
               "                            degraded reasons, the dax/pmem devices\n"
               "  report [--since T] [--until T] [--device D] [--file F] [--directory DIR]\n"
               "                            Events daxmfd logged, with the files and processes\n"
               "                            they hit, read from the journal\n"
               "  files DEVICE OFFSET LENGTH  Which files (every reflink sharer and hard link),\n"
               "                            metadata, free space and processes hold those bytes\n"
               "                            of a device (pmem0, /dev/pmem0, namespace0.0);\n"
               "                            read-only, nothing is failed or told\n"
               "  files DEVICE --ranges FILE  The same for every 'OFFSET LENGTH' line of FILE\n"
               "                            ('-': standard input)\n"
               "  scan [DEVICE]             The bad ranges pmem disks know of now, and the\n"
               "                            files and processes on them; read-only\n"
               "  rescan                    Make daxmfd re-read every pmem disk's badblocks now\n"
               "  inventory [--refresh] [DEVICE]\n"
               "                            daxmfd's saved inventories (which file owns which\n"
               "                            extent); --refresh: make daxmfd take them again now\n"
               "  fail-range --pfn N --pages N --yes [--action-required] [--allow-ram]\n"
               "             [--per-page] [--simulated] [--removal] [--flags BITS]\n"
               "             [--cookie N]\n"
               "                            Run memory failure over a range of page frames:\n"
               "                            mappers are signalled and lose the pages\n"
               "  info                      Module version, kernel, flags and limits\n"
               "  monitor [--count N]       Print the module's range events as they come;\n"
               "                            stop after N completed ranges\n"
               "  version                   Version of this tool\n"
               "  help                      This text\n"
               "\n"
               "Options:\n"
               "  -j --json                 Machine-readable output (JSON)\n"
               "  --yes                     fail-range: yes, fail these pages\n"
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
               "  --since T, --until T      report: from, until a time: 'YYYY-MM-DD [HH:MM[:SS]]',\n"
               "                            'today', 'yesterday', '-1h', '-30min', '@EPOCH'\n"
               "  --device D                report: events of this device (pmem0, dax0.0)\n"
               "  --file F                  report: events that hit this file (absolute path)\n"
               "  --directory DIR           report: read the journal files in DIR\n"
               "  --ranges FILE             files: the ranges to look up, one per line\n"
               "  --inventory               files: answer from daxmfd's snapshot of the\n"
               "                            filesystem (also used when DEVICE is gone or not\n"
               "                            mounted); $DAXMF_STATE_DIRECTORY, default\n"
               "                            /var/lib/daxmf\n"
               "  --refresh                 inventory: take every inventory again now\n"
               "\n"
               "Exit status: 0 success, 1 failure (refused, unreachable, not every page\n"
               "handled), 2 usage error.\n");
}

static int timestamp(const char *option, const char *value, uint64_t *ret, char *error, size_t size) {
        struct timespec ts;
        int r;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        r = parse_timestamp(value, (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000, ret);
        if (r == -ERANGE)
                return fail(error, size, "--%s: '%s' is before 1970 or too far away", option, value);
        if (r < 0)
                return fail(error, size, "--%s: '%s' is not a time ('YYYY-MM-DD [HH:MM[:SS]]', 'today', "
                            "'yesterday', '-1h', '-30min', '@EPOCH')", option, value);
        /* 0 stands for "no bound" in since_usec/until_usec: the epoch itself cannot be told apart. */
        if (*ret == 0)
                return fail(error, size, "--%s: '%s' is the epoch itself; nothing was logged then", option, value);
        return 0;
}

/* How many operands a command takes at most (files: DEVICE OFFSET LENGTH; scan, inventory: [DEVICE]). */
static size_t max_operands(const char *verb) {
        if (strcmp(verb, "files") == 0)
                return 3;
        if (strcmp(verb, "scan") == 0 || strcmp(verb, "inventory") == 0)
                return 1;
        return 0;
}

int daxmfctl_parse_args(int argc, char *argv[], struct daxmfctl_args *ret,
                        char *error, size_t size) {
        struct daxmfctl_args a = { .command = DAXMFCTL_HELP };
        const char *verb = NULL;
        bool have_verb = false, range_option = false, count_option = false, files_option = false;
        bool report_option = false;
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
                        /* A non-option: the command, then its operands. */
                        if (!have_verb) {
                                verb = argv[optind++];
                                have_verb = true;
                        } else if (n_operands < max_operands(verb))
                                operands[n_operands++] = argv[optind++];
                        else if (max_operands(verb) == 1)
                                return fail(error, size, "%s takes at most one DEVICE ('%s' is one too many)",
                                            verb, argv[optind]);
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
                case ARG_YES:
                        a.yes = true;
                        break;
                case ARG_SINCE:
                        report_option = true;
                        r = timestamp("since", optarg, &a.since_usec, error, size);
                        if (r < 0)
                                return r;
                        break;
                case ARG_UNTIL:
                        report_option = true;
                        r = timestamp("until", optarg, &a.until_usec, error, size);
                        if (r < 0)
                                return r;
                        break;
                case ARG_DEVICE:
                        report_option = true;
                        if (!optarg[0])
                                return fail(error, size, "--device needs a device name (pmem0, dax0.0)");
                        a.filter_device = optarg;
                        break;
                case ARG_FILE:
                        report_option = true;
                        if (optarg[0] != '/')
                                return fail(error, size, "--file: '%s' is not an absolute path", optarg);
                        a.filter_file = optarg;
                        break;
                case ARG_DIRECTORY:
                        report_option = true;
                        if (!optarg[0])
                                return fail(error, size, "--directory needs a directory");
                        a.journal_directory = optarg;
                        break;
                case ARG_REFRESH:
                        a.refresh = true;
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

        if (a.command != DAXMFCTL_REPORT && report_option)
                return fail(error, size, "--since, --until, --device, --file and --directory are only for 'report'");

        if (a.command != DAXMFCTL_FAIL_RANGE && a.yes)
                return fail(error, size, "--yes is only for 'fail-range'");

        if (a.command != DAXMFCTL_INVENTORY && a.refresh)
                return fail(error, size, "--refresh is only for 'inventory'");

        if (a.command == DAXMFCTL_FAIL_RANGE && !a.yes)
                return fail(error, size, "fail-range poisons memory: mappers are signalled and lose the pages; "
                            "add --yes to do it");

        if (a.since_usec && a.until_usec && a.since_usec > a.until_usec)
                return fail(error, size, "report: --since is after --until");

        if (a.command == DAXMFCTL_SCAN || a.command == DAXMFCTL_INVENTORY) {
                if (n_operands == 1) {
                        if (!operands[0][0])
                                return fail(error, size, "%s: DEVICE is empty", verb);
                        if (snprintf(a.device, sizeof(a.device), "%s", operands[0]) >= (int) sizeof(a.device))
                                return fail(error, size, "%s: DEVICE is too long", verb);
                        a.has_device = true;
                }
        }

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
