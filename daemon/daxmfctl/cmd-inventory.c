/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>

#include "commands.h"
#include "output.h"

/* PLACEHOLDER: being written (issue 6); must not land as is. */
int daxmfctl_inventory(const struct daxmfctl_args *args) {
        return daxmfctl_fail("inventory", args->json, -EOPNOTSUPP, "not built yet");
}
