/* SPDX-License-Identifier: LGPL-2.1-or-later */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "macro.h"
#include "parse-util.h"

#define USEC_PER_SEC UINT64_C(1000000)

void daxmf_config_defaults(struct daxmf_config *c) {
        *c = (struct daxmf_config) {
                .on_poison = DAXMF_ACTION_FAIL,
                .on_removal = DAXMF_ACTION_FAIL,
                .rescan_interval_usec = 60 * USEC_PER_SEC,
                .batch_pages = 512,
                .max_in_flight = 4,
                .removal_timeout_usec = 5 * USEC_PER_SEC,
                .inventory_refresh_usec = 300 * USEC_PER_SEC,
                .metrics_textfile = DAXMF_METRICS_TEXTFILE_DEFAULT,
                .journal_queue_records = DAXMF_JOURNAL_QUEUE_RECORDS_DEFAULT,
        };
}

static const char *const action_names[_DAXMF_ACTION_MAX] = {
        [DAXMF_ACTION_LOG] = "log",
        [DAXMF_ACTION_FAIL] = "fail",
};

const char *daxmf_action_to_string(enum daxmf_action a) {
        return a < _DAXMF_ACTION_MAX ? action_names[a] : NULL;
}

int daxmf_action_from_string(const char *s, enum daxmf_action *ret) {
        for (enum daxmf_action a = 0; a < _DAXMF_ACTION_MAX; a++)
                if (strcmp(s, action_names[a]) == 0) {
                        *ret = a;
                        return 0;
                }
        return -EINVAL;
}

int parse_timespan_usec(const char *s, uint64_t *ret) {
        static const struct {
                const char *suffix;
                uint64_t usec;
        } units[] = {
                { "us", 1 },
                { "ms", 1000 },
                { "s", USEC_PER_SEC },
                { "sec", USEC_PER_SEC },
                { "min", 60 * USEC_PER_SEC },
                { "h", 3600 * USEC_PER_SEC },
                { "", USEC_PER_SEC },
        };
        char digits[32];
        const char *unit;
        uint64_t v;
        size_t n;

        if (!s)
                return -EINVAL;
        for (n = 0; isdigit((unsigned char) s[n]); n++)
                ;
        if (n == 0 || n >= sizeof(digits))
                return n == 0 ? -EINVAL : -ERANGE;
        memcpy(digits, s, n);
        digits[n] = '\0';
        unit = s + n;
        if (parse_u64(digits, &v) < 0)
                return -ERANGE;

        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (strcmp(unit, units[i].suffix) == 0) {
                        if (v > UINT64_MAX / units[i].usec)
                                return -ERANGE;
                        *ret = v * units[i].usec;
                        return 0;
                }
        return -EINVAL;
}

/* ---- the table of settings ---- */

typedef int (*setter_t)(void *field, const char *value, const char **why);

static int set_action(void *field, const char *value, const char **why) {
        if (daxmf_action_from_string(value, field) < 0) {
                *why = "expected 'log' or 'fail'";
                return -EINVAL;
        }
        return 0;
}

static int set_timespan(void *field, const char *value, const char **why) {
        uint64_t v;

        if (parse_timespan_usec(value, &v) < 0) {
                *why = "expected a time span such as 30s, 500ms, 2min";
                return -EINVAL;
        }
        *(uint64_t *) field = v;
        return 0;
}

static int set_positive_timespan(void *field, const char *value, const char **why) {
        uint64_t v;

        if (set_timespan(&v, value, why) < 0)
                return -EINVAL;
        if (v == 0) {
                *why = "must be greater than zero";
                return -EINVAL;
        }
        *(uint64_t *) field = v;
        return 0;
}

static int set_pages(void *field, const char *value, const char **why) {
        uint64_t v;

        if (parse_u64(value, &v) < 0 || v == 0 || v > (UINT64_C(1) << 32)) {
                *why = "expected a page count from 1 to 4294967296";
                return -EINVAL;
        }
        *(uint64_t *) field = v;
        return 0;
}

static int set_in_flight(void *field, const char *value, const char **why) {
        uint32_t v;

        if (parse_u32(value, &v) < 0 || v == 0 || v > 1024) {
                *why = "expected a number from 1 to 1024";
                return -EINVAL;
        }
        *(unsigned *) field = v;
        return 0;
}

static int set_queue_records(void *field, const char *value, const char **why) {
        uint32_t v;

        if (parse_u32(value, &v) < 0 || v == 0 || v > DAXMF_JOURNAL_QUEUE_RECORDS_MAX) {
                *why = "expected a number of records from 1 to 1048576";
                return -EINVAL;
        }
        *(unsigned *) field = v;
        return 0;
}

/* Empty: none.  Else absolute, and a *.prom: node_exporter's textfile collector reads nothing else. */
static int set_textfile(void *field, const char *value, const char **why) {
        size_t n = strlen(value);

        if (n > 0 && value[0] != '/') {
                *why = "expected an absolute path, or nothing to write no metrics";
                return -EINVAL;
        }
        if (n > 0 && (n < 7 || strcmp(value + n - 5, ".prom") != 0 || value[n - 6] == '/')) {
                *why = "expected a file name ending in .prom (node_exporter's textfile collector reads only those)";
                return -EINVAL;
        }
        if (n >= sizeof(((struct daxmf_config *) NULL)->metrics_textfile)) {
                *why = "path too long";
                return -EINVAL;
        }
        memcpy(field, value, n + 1);
        return 0;
}

static const struct setting {
        const char *section;
        const char *key;
        setter_t set;
        size_t offset;
} settings[] = {
        { "Policy", "OnPoison", set_action, offsetof(struct daxmf_config, on_poison) },
        { "Policy", "OnRemoval", set_action, offsetof(struct daxmf_config, on_removal) },
        { "Poison", "RescanIntervalSec", set_timespan, offsetof(struct daxmf_config, rescan_interval_usec) },
        { "Engine", "BatchPages", set_pages, offsetof(struct daxmf_config, batch_pages) },
        { "Engine", "MaxInFlight", set_in_flight, offsetof(struct daxmf_config, max_in_flight) },
        { "Removal", "TimeoutSec", set_positive_timespan, offsetof(struct daxmf_config, removal_timeout_usec) },
        { "Inventory", "RefreshSec", set_timespan, offsetof(struct daxmf_config, inventory_refresh_usec) },
        { "Metrics", "TextfilePath", set_textfile, offsetof(struct daxmf_config, metrics_textfile) },
        { "Journal", "QueueMaxRecords", set_queue_records, offsetof(struct daxmf_config, journal_queue_records) },
};

static bool known_section(const char *s) {
        for (size_t i = 0; i < ELEMENTSOF(settings); i++)
                if (strcmp(settings[i].section, s) == 0)
                        return true;
        return false;
}

static char *strip(char *s) {
        char *e;

        while (isspace((unsigned char) *s))
                s++;
        e = s + strlen(s);
        while (e > s && isspace((unsigned char) e[-1]))
                *--e = '\0';
        return s;
}

_printf_(5, 6)
static void warnf(daxmf_config_warn_t warn, void *userdata, const char *name, unsigned line,
                  const char *format, ...) {
        char buf[512];
        va_list ap;

        va_start(ap, format);
        vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);
        if (warn)
                warn(name, line, buf, userdata);
}

unsigned daxmf_config_parse(struct daxmf_config *c, FILE *f, const char *name,
                            daxmf_config_warn_t warn, void *userdata) {
        _cleanup_free_ char *buf = NULL;
        char section[64] = "";
        bool section_known = false;
        unsigned line = 0, warnings = 0;
        size_t size = 0;

        while (getline(&buf, &size, f) >= 0) {
                char *l, *eq, *key, *value;
                const struct setting *s = NULL;
                const char *why = NULL;
                struct daxmf_config candidate;

                line++;
                l = strip(buf);
                if (*l == '\0' || *l == '#' || *l == ';')
                        continue;

                if (*l == '[') {
                        char *end = strchr(l, ']');

                        if (!end || end[1] != '\0' || end - l - 1 <= 0 || (size_t) (end - l - 1) >= sizeof(section)) {
                                warnf(warn, userdata, name, line, "malformed section header '%s'", l);
                                warnings++;
                                section[0] = '\0';
                                section_known = false;
                                continue;
                        }
                        *end = '\0';
                        snprintf(section, sizeof(section), "%s", l + 1);
                        section_known = known_section(section);
                        if (!section_known) {
                                warnf(warn, userdata, name, line, "unknown section [%s], ignored", section);
                                warnings++;
                        }
                        continue;
                }

                eq = strchr(l, '=');
                if (!eq) {
                        warnf(warn, userdata, name, line, "expected KEY=VALUE, got '%s'", l);
                        warnings++;
                        continue;
                }
                *eq = '\0';
                key = strip(l);
                value = strip(eq + 1);

                if (section[0] == '\0') {
                        warnf(warn, userdata, name, line, "'%s' outside any section, ignored", key);
                        warnings++;
                        continue;
                }
                if (!section_known)
                        continue;       /* said once, at the section */

                for (size_t i = 0; i < ELEMENTSOF(settings); i++)
                        if (strcmp(settings[i].section, section) == 0 && strcmp(settings[i].key, key) == 0) {
                                s = &settings[i];
                                break;
                        }
                if (!s) {
                        warnf(warn, userdata, name, line, "unknown key '%s' in [%s], ignored", key, section);
                        warnings++;
                        continue;
                }

                /* Parse into a copy: a bad value leaves the old one in place. */
                candidate = *c;
                if (s->set((char *) &candidate + s->offset, value, &why) < 0) {
                        warnf(warn, userdata, name, line, "bad value '%s' for %s= (%s); keeping %s",
                              value, key, why ? why : "invalid", "the previous value");
                        warnings++;
                        continue;
                }
                *c = candidate;
        }
        return warnings;
}

static int filter_conf(const struct dirent *d) {
        size_t n = strlen(d->d_name);

        return d->d_name[0] != '.' && n > 5 && strcmp(d->d_name + n - 5, ".conf") == 0;
}

static unsigned load_file(struct daxmf_config *c, const char *path, bool must_exist,
                          daxmf_config_warn_t warn, void *userdata) {
        FILE *f;
        unsigned w;

        f = fopen(path, "re");
        if (!f) {
                if (errno == ENOENT && !must_exist)
                        return 0;
                warnf(warn, userdata, path, 0, "cannot read: %s", strerror(errno));
                return 1;
        }
        w = daxmf_config_parse(c, f, path, warn, userdata);
        fclose(f);
        return w;
}

unsigned daxmf_config_load(struct daxmf_config *c, const char *main_path, const char *dropin_dir,
                           daxmf_config_warn_t warn, void *userdata) {
        struct dirent **names = NULL;
        unsigned warnings = 0;
        int n;

        daxmf_config_defaults(c);
        if (main_path)
                warnings += load_file(c, main_path, false, warn, userdata);
        if (!dropin_dir)
                return warnings;

        n = scandir(dropin_dir, &names, filter_conf, alphasort);
        if (n < 0) {
                if (errno != ENOENT) {
                        warnf(warn, userdata, dropin_dir, 0, "cannot list drop-ins: %s", strerror(errno));
                        warnings++;
                }
                return warnings;
        }
        for (int i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL;

                if (asprintf(&path, "%s/%s", dropin_dir, names[i]->d_name) >= 0)
                        warnings += load_file(c, path, true, warn, userdata);
                free(names[i]);
        }
        free(names);
        return warnings;
}
