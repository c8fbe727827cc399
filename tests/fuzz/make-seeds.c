/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seeds made by the real writers: state files by daxmf_state_save(), and
 * the daxmf family's messages built attribute by attribute in the order,
 * widths and header fields kmod/genl.c puts them (libnl's nla_put_u64 is
 * the kernel's nla_put_u64_64bit on x86-64: no pad attribute).  Netlink
 * errors as the kernel acks a refused request, with extack TLVs.
 *   fuzz-make-seeds CORPUS_DIR     (writes CORPUS_DIR/state, CORPUS_DIR/reply)
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <linux/daxmf.h>
#include <linux/netlink.h>
#include <netlink/attr.h>
#include <netlink/msg.h>
#include <netlink/genl/genl.h>

#include "engine.h"
#include "rangeset.h"
#include "state.h"

/* A family id as the kernel gives one to a family registered after the stock ones. */
#define FAMILY_ID 0x22

static int subdir(const char *corpus, const char *name) {
        char path[4096];
        int fd;

        snprintf(path, sizeof(path), "%s/%s", corpus, name);
        (void) mkdir(path, 0755);
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (fd < 0) {
                perror(path);
                exit(1);
        }
        return fd;
}

static void write_file(int dir, const char *name, const void *data, size_t size) {
        int fd = openat(dir, name, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

        if (fd < 0 || write(fd, data, size) != (ssize_t) size || close(fd) < 0) {
                perror(name);
                exit(1);
        }
}

/* ---- state ---- */

static void state_seeds(const char *corpus) {
        static const char boot[] = "4f0c1c9ad0e94b7c8d0f3b3c1e6a2d11";
        struct daxmf_rangeset pending = {}, completed = {}, none = {};
        struct daxmf_batch in_flight[] = {
                { .cookie = UINT64_C(0x5eed000000000007), .start = 0x40200, .pages = 0x200 },
                { .cookie = UINT64_C(0x5eed000000000008), .start = 0x40400, .pages = 0x200 },
        };
        int dir = subdir(corpus, "state");

        rangeset_add(&pending, 0x40000, 0x40200);
        rangeset_add(&pending, 0x48000, 0x48001);
        rangeset_add(&completed, 0x41000, 0x41010);
        rangeset_add(&completed, 0x7ff000, 0x800000);
        if (daxmf_state_save(dir, "empty", "", &none, NULL, 0, &none) < 0 ||
            daxmf_state_save(dir, "pending", boot, &pending, NULL, 0, &none) < 0 ||
            daxmf_state_save(dir, "in-flight", boot, &pending, in_flight, 2, &completed) < 0 ||
            daxmf_state_save(dir, "completed", boot, &none, NULL, 0, &completed) < 0) {
                fprintf(stderr, "cannot write the state seeds\n");
                exit(1);
        }
        rangeset_done(&pending);
        rangeset_done(&completed);
        close(dir);
}

/* ---- genl ---- */

static struct nl_msg *message(uint8_t cmd, uint32_t portid, uint32_t seq) {
        struct nl_msg *m = nlmsg_alloc();

        if (!m || !genlmsg_put(m, portid, seq, FAMILY_ID, 0, 0, cmd, DAXMF_GENL_VERSION))
                exit(1);
        return m;
}

static void save(int dir, const char *name, struct nl_msg *m) {
        struct nlmsghdr *h = nlmsg_hdr(m);

        write_file(dir, name, h, h->nlmsg_len);
        nlmsg_free(m);
}

#define CHECK(x) do { if ((x) < 0) { fprintf(stderr, "%s failed\n", #x); exit(1); } } while (0)

/* daxmf_get_info()'s reply. */
static struct nl_msg *info(uint32_t handler, uint32_t watch) {
        struct nl_msg *m = message(DAXMF_CMD_GET_INFO, 1234, 7);

        CHECK(nla_put_string(m, DAXMF_ATTR_VERSION, "0.1.0"));
        CHECK(nla_put_string(m, DAXMF_ATTR_KERNEL_RELEASE, "6.1.0-18-amd64"));
        CHECK(nla_put_u32(m, DAXMF_ATTR_SUPPORTED_FLAGS, DAXMF_FLAGS_ALL));
        CHECK(nla_put_u64(m, DAXMF_ATTR_MAX_PAGES, UINT64_C(1) << 26));
        CHECK(nla_put_u64(m, DAXMF_ATTR_BATCH_PAGES, 512));
        CHECK(nla_put_u32(m, DAXMF_ATTR_PAGE_SHIFT, 12));
        CHECK(nla_put_u32(m, DAXMF_ATTR_MAX_JOBS, 4));
        CHECK(nla_put_u32(m, DAXMF_ATTR_JOBS_RUNNING, 1));
        CHECK(nla_put_u32(m, DAXMF_ATTR_HISTORY_JOBS, 64));
        CHECK(nla_put_u32(m, DAXMF_ATTR_HANDLER_PORTID, handler));
        CHECK(nla_put_u32(m, DAXMF_ATTR_TIMEOUT_MS, 5000));
        CHECK(nla_put_u32(m, DAXMF_ATTR_MF_WATCH, watch));
        CHECK(nla_put_u32(m, DAXMF_ATTR_MF_RECORDS, 256));
        CHECK(nla_put_u32(m, DAXMF_ATTR_MF_WINDOW_MS, 100));
        CHECK(nla_put_u32(m, DAXMF_ATTR_MF_MAX_DELAY_MS, 1000));
        CHECK(nla_put_u64(m, DAXMF_ATTR_MF_EVENTS_TOTAL, 4096));
        CHECK(nla_put_u64(m, DAXMF_ATTR_MF_LOST_TOTAL, 17));
        return m;
}

/* daxmf_put_range(): a RANGE_PROGRESS event, or RANGE_DONE (reply or event) with its result. */
static struct nl_msg *range(uint8_t cmd, uint32_t portid) {
        struct nl_msg *m = message(cmd, portid, 0);

        CHECK(nla_put_u64(m, DAXMF_ATTR_JOB_ID, 42));
        CHECK(nla_put_u64(m, DAXMF_ATTR_COOKIE, UINT64_C(0x5eed000000000007)));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PFN, 0x240000));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PAGES, 512));
        CHECK(nla_put_u32(m, DAXMF_ATTR_FLAGS, DAXMF_FLAG_ACTION_REQUIRED));
        CHECK(nla_put_u32(m, DAXMF_ATTR_REQUESTER_PORTID, portid));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PAGES_DONE, cmd == DAXMF_CMD_RANGE_DONE ? 512 : 256));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PAGES_FAILED, 0));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PAGES_UNMAPPED, 500));
        CHECK(nla_put_u64(m, DAXMF_ATTR_ELAPSED_NS, 1843000));
        if (cmd != DAXMF_CMD_RANGE_DONE)
                return m;
        CHECK(nla_put_s32(m, DAXMF_ATTR_STATUS, 0));
        CHECK(nla_put_s32(m, DAXMF_ATTR_FIRST_ERROR, 0));
        CHECK(nla_put_u64(m, DAXMF_ATTR_FIRST_ERROR_PFN, 0));
        CHECK(nla_put_u32(m, DAXMF_ATTR_PATHS, DAXMF_PATH_PAGEMAP));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PAGEMAP_PAGES, 12));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PER_PAGE_PAGES, 0));
        CHECK(nla_put_u64(m, DAXMF_ATTR_BATCHES, 1));
        return m;
}

/* FAIL_RANGE's reply: the job accepted. */
static struct nl_msg *accepted(void) {
        struct nl_msg *m = message(DAXMF_CMD_FAIL_RANGE, 1234, 9);

        CHECK(nla_put_u64(m, DAXMF_ATTR_JOB_ID, 42));
        CHECK(nla_put_u64(m, DAXMF_ATTR_COOKIE, UINT64_C(0x5eed000000000007)));
        return m;
}

/* daxmf_genl_notify_removal(). */
static struct nl_msg *removal(uint32_t handshake, uint32_t verdict) {
        struct nl_msg *m = message(DAXMF_CMD_REMOVAL, 0, 0);

        CHECK(nla_put_string(m, DAXMF_ATTR_DEVICE, "dax0.0"));
        CHECK(nla_put_u32(m, DAXMF_ATTR_REMOVAL_MODE, DAXMF_REMOVAL_HOLDER_WALK));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PFN, 0x240000));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PAGES, 0x3f000));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PAGES_DONE, 0x3f000));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PAGES_FAILED, 0));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PAGES_UNMAPPED, 0x3e000));
        CHECK(nla_put_s32(m, DAXMF_ATTR_STATUS, 0));
        CHECK(nla_put_u64(m, DAXMF_ATTR_ELAPSED_NS, 91000000));
        CHECK(nla_put_u64(m, DAXMF_ATTR_REMOVAL_ID, 3));
        CHECK(nla_put_u32(m, DAXMF_ATTR_HANDSHAKE, handshake));
        if (verdict)
                CHECK(nla_put_u32(m, DAXMF_ATTR_VERDICT, verdict));
        CHECK(nla_put_u64(m, DAXMF_ATTR_WAITED_NS, 12000000));
        return m;
}

/* The module asks the handler before it removes (REMOVAL_PENDING). */
static struct nl_msg *removal_pending(void) {
        struct nl_msg *m = message(DAXMF_CMD_REMOVAL_PENDING, 0, 0);

        CHECK(nla_put_u64(m, DAXMF_ATTR_REMOVAL_ID, 3));
        CHECK(nla_put_string(m, DAXMF_ATTR_DEVICE, "namespace0.0"));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PFN, 0x240000));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PAGES, 0x3f000));
        CHECK(nla_put_u32(m, DAXMF_ATTR_REMOVAL_MODE, DAXMF_REMOVAL_FAILED_PAGES));
        CHECK(nla_put_u32(m, DAXMF_ATTR_TIMEOUT_MS, 5000));
        return m;
}

/* SET_REMOVAL_HANDLER's reply. */
static struct nl_msg *handler(void) {
        struct nl_msg *m = message(DAXMF_CMD_SET_REMOVAL_HANDLER, 1234, 11);

        CHECK(nla_put_u32(m, DAXMF_ATTR_HANDLER_PORTID, 1234));
        CHECK(nla_put_u32(m, DAXMF_ATTR_TIMEOUT_MS, 5000));
        return m;
}

/* daxmf_put_mf_range(): one coalesced range of the kernel's memory failures. */
static struct nl_msg *memory_failure(uint32_t origin, uint32_t type, const char *type_name, uint32_t result,
                                     const char *result_name) {
        struct nl_msg *m = message(DAXMF_CMD_MEMORY_FAILURE, 0, 0);

        CHECK(nla_put_u64(m, DAXMF_ATTR_MF_SEQ, 5));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PFN, 0x240018));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PAGES, 8));
        CHECK(nla_put_u64(m, DAXMF_ATTR_MF_EVENTS, 8));
        CHECK(nla_put_u32(m, DAXMF_ATTR_MF_PAGE_TYPE, type));
        CHECK(nla_put_string(m, DAXMF_ATTR_MF_PAGE_TYPE_NAME, type_name));
        CHECK(nla_put_u32(m, DAXMF_ATTR_MF_RESULT, result));
        CHECK(nla_put_string(m, DAXMF_ATTR_MF_RESULT_NAME, result_name));
        CHECK(nla_put_u32(m, DAXMF_ATTR_MF_ORIGIN, origin));
        CHECK(nla_put_u64(m, DAXMF_ATTR_FIRST_NS, UINT64_C(1795000400000000000)));
        CHECK(nla_put_u64(m, DAXMF_ATTR_LAST_NS, UINT64_C(1795000400090000000)));
        if (origin != DAXMF_MF_ORIGIN_FAIL_RANGE)
                return m;
        CHECK(nla_put_u64(m, DAXMF_ATTR_JOB_ID, 42));
        CHECK(nla_put_u64(m, DAXMF_ATTR_COOKIE, UINT64_C(0x5eed000000000007)));
        CHECK(nla_put_u32(m, DAXMF_ATTR_REQUESTER_PORTID, 1234));
        return m;
}

static struct nl_msg *memory_failure_lost(void) {
        struct nl_msg *m = message(DAXMF_CMD_MEMORY_FAILURE_LOST, 0, 0);

        CHECK(nla_put_u64(m, DAXMF_ATTR_MF_SEQ, 6));
        CHECK(nla_put_u64(m, DAXMF_ATTR_MF_LOST, 17));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PFN, 0x240100));
        CHECK(nla_put_u64(m, DAXMF_ATTR_PAGES, 0x40));
        return m;
}

/*
 * The kernel's ack of a refused FAIL_RANGE (netlink_ack()): the request
 * echoed unless capped, then the extack TLVs, as a socket with
 * NETLINK_EXT_ACK and (capped) NETLINK_CAP_ACK gets it.
 */
static void error_seed(int dir, const char *name, int error, bool capped, const char *text, bool cookie,
                       uint32_t missing) {
        struct nl_msg *req = message(DAXMF_CMD_FAIL_RANGE, 0, 9), *m = nlmsg_alloc();
        struct nlmsghdr *reqh = nlmsg_hdr(req), *h;
        struct nlmsgerr *err;
        uint64_t pfn = 0x240018;
        size_t payload = sizeof(*err) - sizeof(err->msg) + (capped ? sizeof(*reqh) : reqh->nlmsg_len);

        CHECK(nla_put_u64(req, DAXMF_ATTR_PFN, pfn));
        CHECK(nla_put_u64(req, DAXMF_ATTR_PAGES, 512));
        reqh = nlmsg_hdr(req);
        payload = sizeof(*err) - sizeof(err->msg) + (capped ? sizeof(*reqh) : reqh->nlmsg_len);
        h = nlmsg_put(m, 1234, 9, NLMSG_ERROR, (int) payload,
                      (capped ? NLM_F_CAPPED : 0) | (text || cookie || missing ? NLM_F_ACK_TLVS : 0));
        if (!h)
                exit(1);
        err = nlmsg_data(h);
        err->error = error;
        memcpy(&err->msg, reqh, capped ? sizeof(*reqh) : reqh->nlmsg_len);
        if (text)
                CHECK(nla_put_string(m, NLMSGERR_ATTR_MSG, text));
        if (missing)
                CHECK(nla_put_u32(m, NLMSGERR_ATTR_MISS_TYPE, missing));
        if (cookie)
                CHECK(nla_put(m, NLMSGERR_ATTR_COOKIE, sizeof(pfn), &pfn));
        nlmsg_free(req);
        save(dir, name, m);
}

static void reply_seeds(const char *corpus) {
        int dir = subdir(corpus, "reply");

        save(dir, "info", info(0, 1));
        save(dir, "info-handler", info(1234, 0));
        save(dir, "range-progress", range(DAXMF_CMD_RANGE_PROGRESS, 0));
        save(dir, "range-done", range(DAXMF_CMD_RANGE_DONE, 1234));
        save(dir, "accepted", accepted());
        save(dir, "removal-acked", removal(DAXMF_HANDSHAKE_ACKED, DAXMF_VERDICT_FAILED));
        save(dir, "removal-no-handler", removal(DAXMF_HANDSHAKE_NO_HANDLER, 0));
        save(dir, "removal-pending", removal_pending());
        save(dir, "handler", handler());
        save(dir, "mf-kernel", memory_failure(DAXMF_MF_ORIGIN_KERNEL, 7, "dax page", 5, "Recovered"));
        save(dir, "mf-fail-range", memory_failure(DAXMF_MF_ORIGIN_FAIL_RANGE, 7, "dax page", 5, "Recovered"));
        save(dir, "mf-removal", memory_failure(DAXMF_MF_ORIGIN_REMOVAL, 7, "dax page", 2, "Failed"));
        save(dir, "mf-lost", memory_failure_lost());
        error_seed(dir, "error-extack", -EINVAL, true, "pfn range is not ZONE_DEVICE memory", true, 0);
        error_seed(dir, "error-missing", -EINVAL, true, "missing attribute", false, DAXMF_ATTR_PAGES);
        error_seed(dir, "error-uncapped", -EBUSY, false, "too many jobs running", false, 0);
        error_seed(dir, "error-plain", -EPERM, true, NULL, false, 0);
        error_seed(dir, "ack", 0, true, NULL, false, 0);
        close(dir);
}

int main(int argc, char *argv[]) {
        if (argc != 2) {
                fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
                return 2;
        }
        state_seeds(argv[1]);
        reply_seeds(argv[1]);
        return 0;
}
