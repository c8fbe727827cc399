/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The daxmf family's replies and events, and netlink errors: the input is
 * one message as a recv() on the genl socket delivers it to libnl's
 * callback.  libnl passes on only messages with nlmsg_ok() (NLMSG_HDRLEN <=
 * nlmsg_len <= the bytes received); an input whose nlmsg_len says otherwise
 * gets its real size there.  The message sits in a buffer of exactly
 * nlmsg_len bytes: a decoder reading past it is caught.  Every decoder sees
 * every message (each must refuse the others' commands).
 */
#include <errno.h>
#include <linux/daxmf.h>
#include <linux/netlink.h>

#include "daxmf-reply.h"
#include "fuzz.h"
#include "macro.h"

static void names(uint32_t bits, const char *(*name)(uint32_t)) {
        for (unsigned i = 0; i < 32; i++)
                if (bits & (UINT32_C(1) << i))
                        (void) name(UINT32_C(1) << i);
}

static void check_string(const char *s, size_t size) {
        FUZZ_CHECK(strnlen(s, size) < size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_free_ struct nlmsghdr *nlh = NULL;
        struct nlmsghdr hdr;
        int r;

        if (size < NLMSG_HDRLEN || size > 65536)
                return -1;
        memcpy(&hdr, data, sizeof(hdr));
        if (hdr.nlmsg_len < NLMSG_HDRLEN || hdr.nlmsg_len > size)
                hdr.nlmsg_len = (uint32_t) size;
        nlh = fuzz_bytes(data, hdr.nlmsg_len);
        nlh->nlmsg_len = hdr.nlmsg_len;

        {
                struct daxmf_info info;

                r = daxmf_decode_info(nlh, &info);
                FUZZ_CHECK(r == 0 || r == -EBADMSG);
                if (r == 0) {
                        check_string(info.version, sizeof(info.version));
                        check_string(info.kernel_release, sizeof(info.kernel_release));
                        names(info.supported_flags, daxmf_flag_name);
                        FUZZ_CHECK(info.mf_lost_total <= info.mf_events_total);
                }
        }
        {
                struct daxmf_range_result res;

                r = daxmf_decode_range(nlh, &res);
                FUZZ_CHECK(r == 0 || r == -EBADMSG);
                if (r == 0) {
                        names(res.flags, daxmf_flag_name);
                        names(res.paths, daxmf_path_name);
                }
        }
        {
                uint64_t job;

                r = daxmf_decode_accepted(nlh, &job);
                FUZZ_CHECK(r == 0 || r == -EBADMSG);
        }
        {
                struct daxmf_error e;

                r = daxmf_decode_error(nlh, &e);
                FUZZ_CHECK(r == 0 || r == -EBADMSG);
                if (r == 0) {
                        FUZZ_CHECK(e.error <= 0);
                        check_string(e.message, sizeof(e.message));
                        FUZZ_CHECK(!strchr(e.message, '\n'));
                }
        }
        {
                struct daxmf_removal rm;

                r = daxmf_decode_removal(nlh, &rm);
                FUZZ_CHECK(r == 0 || r == -EBADMSG);
                if (r == 0) {
                        check_string(rm.device, sizeof(rm.device));
                        FUZZ_CHECK(daxmf_removal_mode_name(rm.mode));
                        FUZZ_CHECK(daxmf_handshake_name(rm.handshake));
                        FUZZ_CHECK(daxmf_verdict_name(rm.verdict));
                }
        }
        {
                struct daxmf_removal_pending p;

                r = daxmf_decode_removal_pending(nlh, &p);
                FUZZ_CHECK(r == 0 || r == -EBADMSG);
                if (r == 0)
                        check_string(p.device, sizeof(p.device));
        }
        {
                struct daxmf_memory_failure mf;

                r = daxmf_decode_memory_failure(nlh, &mf);
                FUZZ_CHECK(r == 0 || r == -EBADMSG);
                if (r == 0) {
                        FUZZ_CHECK(mf.pages > 0 && mf.events >= mf.pages);
                        check_string(mf.page_type_name, sizeof(mf.page_type_name));
                        check_string(mf.result_name, sizeof(mf.result_name));
                        (void) daxmf_mf_origin_name(mf.origin);
                }
        }
        {
                struct daxmf_memory_failure_lost lost;

                r = daxmf_decode_memory_failure_lost(nlh, &lost);
                FUZZ_CHECK(r == 0 || r == -EBADMSG);
                if (r == 0)
                        FUZZ_CHECK(lost.lost > 0);
        }
        {
                uint32_t portid, timeout;

                r = daxmf_decode_handler(nlh, &portid, &timeout);
                FUZZ_CHECK(r == 0 || r == -EBADMSG);
        }
        return 0;
}
