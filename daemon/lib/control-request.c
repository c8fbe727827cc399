/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>

#include "control-request.h"
#include "macro.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(struct json_object *, json_object_put)

void daxmf_control_request_done(struct daxmf_control_request *req) {
        free(req->device);
        req->device = NULL;
}

int daxmf_control_request_parse(const char *buf, size_t n, struct daxmf_control_request *ret,
                                const char **ret_error) {
        _cleanup_(json_object_putp) struct json_object *req = NULL;
        struct daxmf_control_request r = {};
        struct json_tokener *tok;
        struct json_object *cmd, *device = NULL;
        const char *name;

        if (n > INT_MAX) {
                *ret_error = "the request is too long";
                return -EMSGSIZE;
        }
        tok = json_tokener_new();
        if (!tok) {
                *ret_error = "out of memory";
                return -ENOMEM;
        }
        req = json_tokener_parse_ex(tok, buf, (int) n);
        /* One object and nothing after it: a second one would be ignored silently. */
        if (!req || json_tokener_get_error(tok) != json_tokener_success || tok->char_offset != (int) n) {
                json_tokener_free(tok);
                *ret_error = "the request is not one JSON object";
                return -EINVAL;
        }
        json_tokener_free(tok);
        if (!json_object_is_type(req, json_type_object) || !json_object_object_get_ex(req, "command", &cmd) ||
            !json_object_is_type(cmd, json_type_string)) {
                *ret_error = "the request has no \"command\" string";
                return -EINVAL;
        }
        name = json_object_get_string(cmd);
        if (strcmp(name, "status") == 0)
                r.command = DAXMF_CONTROL_STATUS;
        else if (strcmp(name, "rescan") == 0)
                r.command = DAXMF_CONTROL_RESCAN;
        else if (strcmp(name, "refresh-inventory") == 0) {
                r.command = DAXMF_CONTROL_REFRESH_INVENTORY;
                if (json_object_object_get_ex(req, "device", &device)) {
                        if (!json_object_is_type(device, json_type_string)) {
                                *ret_error = "\"device\" is not a string";
                                return -EINVAL;
                        }
                        r.device = strdup(json_object_get_string(device));
                        if (!r.device) {
                                *ret_error = "out of memory";
                                return -ENOMEM;
                        }
                }
        } else {
                *ret_error = "unknown command (status, rescan, refresh-inventory)";
                return -EOPNOTSUPP;
        }
        *ret = r;
        return 0;
}
