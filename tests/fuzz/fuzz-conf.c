/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * daxmfd.conf and its drop-ins: the input is the main file, then (after a
 * line "#--- drop-in") a drop-in parsed over it, as daxmf_config_load()
 * layers them.  Whatever the text, the result is a configuration the
 * daemon can run with.
 */
#define _GNU_SOURCE
#include <errno.h>

#include "conf.h"
#include "fuzz.h"
#include "macro.h"

static void warn(const char *file, unsigned line, const char *message, void *userdata) {
        unsigned *n = userdata;

        FUZZ_CHECK(file && message && message[0]);
        FUZZ_CHECK(line >= 1);
        (*n)++;
}

static void parse(struct daxmf_config *c, const uint8_t *data, size_t size, const char *name) {
        _cleanup_free_ void *buf = fuzz_bytes(data, size);
        unsigned warnings = 0, r;
        FILE *f;

        /* glibc's fmemopen takes no empty buffer: an empty file is an empty stream. */
        f = size ? fmemopen(buf, size, "r") : fopen("/dev/null", "re");
        FUZZ_CHECK(f);
        r = daxmf_config_parse(c, f, name, warn, &warnings);
        FUZZ_CHECK(r == warnings);
        fclose(f);
}

static void check(const struct daxmf_config *c) {
        size_t len = strnlen(c->metrics_textfile, sizeof(c->metrics_textfile));

        FUZZ_CHECK(c->on_poison < _DAXMF_ACTION_MAX && c->on_removal < _DAXMF_ACTION_MAX);
        FUZZ_CHECK(daxmf_action_to_string(c->on_poison) && daxmf_action_to_string(c->on_removal));
        FUZZ_CHECK(c->batch_pages >= 1 && c->batch_pages <= (UINT64_C(1) << 32));
        FUZZ_CHECK(c->max_in_flight >= 1 && c->max_in_flight <= 1024);
        FUZZ_CHECK(c->removal_timeout_usec > 0);
        FUZZ_CHECK(len < sizeof(c->metrics_textfile));
        /* "" (none), or an absolute *.prom path. */
        FUZZ_CHECK(len == 0 || (c->metrics_textfile[0] == '/' && len > 5 &&
                                strcmp(c->metrics_textfile + len - 5, ".prom") == 0));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        static const char marker[] = "#--- drop-in\n";
        const uint8_t *dropin = memmem(data, size, marker, sizeof(marker) - 1);
        size_t main_size = dropin ? (size_t) (dropin - data) : size;
        struct daxmf_config c;

        if (size > 65536)
                return -1;
        daxmf_config_defaults(&c);
        check(&c);
        parse(&c, data, main_size, "/etc/daxmf/daxmfd.conf");
        check(&c);
        if (dropin) {
                size_t skip = main_size + sizeof(marker) - 1;

                parse(&c, data + skip, size - skip, "/etc/daxmf/daxmfd.conf.d/50-local.conf");
                check(&c);
        }
        return 0;
}
