/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <linux/netlink.h>

/* What GET_INFO tells about the module. */
struct daxmf_info {
        char version[64];
        char kernel_release[65];
        uint32_t supported_flags;
        uint64_t max_pages;
        uint64_t batch_pages;
        uint32_t page_shift;
        uint32_t max_jobs;
        uint32_t jobs_running;
        bool has_handshake;             /* the module has a removal handshake */
        uint32_t handler_portid;        /* 0: no removal handler */
        uint32_t removal_timeout_ms;
        /* The kernel's memory failures (DAXMF_CMD_MEMORY_FAILURE); false from a module without them. */
        bool has_mf;
        bool mf_watch;                  /* the module follows ras:memory_failure_event */
        uint32_t mf_records;            /* ranges its buffer holds */
        uint32_t mf_window_ms;
        uint32_t mf_max_delay_ms;
        uint64_t mf_events_total;       /* tracepoint events seen since load */
        uint64_t mf_lost_total;         /* of which dropped */
        bool has_mf_reported;           /* modules since issue 8 */
        uint64_t mf_reported;           /* events in the messages multicast so far */
};

/* A RANGE_DONE reply or event, or a RANGE_PROGRESS event (done == false). */
struct daxmf_range_result {
        bool done;
        uint64_t job_id;
        uint64_t cookie;
        uint64_t pfn;
        uint64_t pages;
        uint32_t flags;
        uint32_t portid;
        uint64_t pages_done;
        uint64_t pages_failed;
        uint64_t pages_unmapped;        /* device pages nobody mapped: not failures */
        uint64_t elapsed_ns;
        /* only when done: */
        int32_t status;
        int32_t first_error;
        uint64_t first_error_pfn;
        uint32_t paths;
        uint64_t pagemap_pages;
        uint64_t per_page_pages;
        uint64_t batches;
};

/* What the module did about a dax device being removed (DAXMF_CMD_REMOVAL). */
struct daxmf_removal {
        char device[64];
        uint32_t mode;          /* DAXMF_REMOVAL_* */
        uint64_t pfn;
        uint64_t pages;
        uint64_t pages_done;
        uint64_t pages_failed;
        uint64_t pages_unmapped;
        int32_t status;
        uint64_t elapsed_ns;
        bool has_handshake;
        uint64_t id;
        uint32_t handshake;     /* DAXMF_HANDSHAKE_* */
        uint32_t verdict;       /* DAXMF_VERDICT_*, 0 without an answer */
        uint64_t waited_ns;
};

int daxmf_decode_removal(const struct nlmsghdr *nlh, struct daxmf_removal *ret);

/* A dax device is being removed; the module waits for the handler's answer. */
struct daxmf_removal_pending {
        uint64_t id;
        char device[64];
        uint64_t pfn;
        uint64_t pages;
        uint32_t mode;          /* what the module does unless the handler failed the pages */
        uint32_t timeout_ms;
};

int daxmf_decode_removal_pending(const struct nlmsghdr *nlh, struct daxmf_removal_pending *ret);

/* The kernel's memory failures over one range (DAXMF_CMD_MEMORY_FAILURE). */
struct daxmf_memory_failure {
        uint64_t seq;                   /* from 1 per module load: a gap is a missed message */
        bool has_reported;
        uint64_t reported;              /* events in every message up to this one, this one's included */
        uint64_t pfn;
        uint64_t pages;                 /* > 0 */
        uint64_t events;                /* tracepoint events coalesced, >= pages */
        uint32_t page_type;             /* the kernel's enum mf_action_page_type */
        char page_type_name[64];        /* "dax page" */
        uint32_t result;                /* the kernel's enum mf_result */
        char result_name[32];           /* "Recovered" */
        uint32_t origin;                /* DAXMF_MF_ORIGIN_* */
        uint64_t first_ns, last_ns;     /* CLOCK_REALTIME */
        /* origin DAXMF_MF_ORIGIN_FAIL_RANGE only: */
        uint64_t job_id;
        uint64_t cookie;
        uint32_t requester_portid;
};

int daxmf_decode_memory_failure(const struct nlmsghdr *nlh, struct daxmf_memory_failure *ret);

/* Memory-failure events the module dropped (DAXMF_CMD_MEMORY_FAILURE_LOST). */
struct daxmf_memory_failure_lost {
        uint64_t seq;
        bool has_reported;
        uint64_t reported;              /* as in struct daxmf_memory_failure */
        uint64_t lost;                  /* events, > 0 */
        uint64_t pfn;                   /* lowest pfn among them */
        uint64_t pages;                 /* span up to the highest */
};

int daxmf_decode_memory_failure_lost(const struct nlmsghdr *nlh, struct daxmf_memory_failure_lost *ret);

const char *daxmf_mf_origin_name(uint32_t origin);      /* "kernel", "fail-range", "removal"; NULL if unknown */

/* The answer to SET_REMOVAL_HANDLER. */
int daxmf_decode_handler(const struct nlmsghdr *nlh, uint32_t *ret_portid, uint32_t *ret_timeout_ms);

const char *daxmf_removal_mode_name(uint32_t mode);
const char *daxmf_handshake_name(uint32_t handshake);
const char *daxmf_verdict_name(uint32_t verdict);

/* Why the kernel refused a request, from its netlink error and extended ack. */
struct daxmf_error {
        int error;              /* negative errno */
        char message[256];      /* extack text, "" when none */
        bool has_pfn;           /* the ack cookie named a pfn */
        uint64_t pfn;
        uint32_t missing_attr;  /* attribute type the kernel missed, or 0 */
};

/*
 * Decoders for messages of the daxmf family.  Each takes a whole netlink
 * message (header included), validates it against the reply policy, and
 * returns -EBADMSG when it is malformed or of another command.  ret is
 * written only on success.
 */
int daxmf_decode_info(const struct nlmsghdr *nlh, struct daxmf_info *ret);
int daxmf_decode_range(const struct nlmsghdr *nlh, struct daxmf_range_result *ret);

/* The answer to FAIL_RANGE: the range was accepted as job *ret_job_id. */
int daxmf_decode_accepted(const struct nlmsghdr *nlh, uint64_t *ret_job_id);

/* Decode an NLMSG_ERROR message: errno, extack text, cookie pfn, missing attribute. */
int daxmf_decode_error(const struct nlmsghdr *nlh, struct daxmf_error *ret);

/* Human names of DAXMF_FLAG_* and DAXMF_PATH_* bits; NULL for unknown bits. */
const char *daxmf_flag_name(uint32_t bit);
const char *daxmf_path_name(uint32_t bit);
