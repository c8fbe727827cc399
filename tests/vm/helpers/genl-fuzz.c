/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * genl-fuzz: random and mutated requests to the daxmf generic netlink family,
 * over raw NETLINK_GENERIC sockets (static guest helper, no libnl).
 *
 * usage: genl-fuzz [--seed N] [--count N] [--first N] [--pmem PFN:PAGES]
 *                  [--expect-eperm] [--join] [--batch N] [--timeout-ms N]
 *                  [--dump]
 *        genl-fuzz --print-only [--family ID] ...: the messages, not sent
 *
 * Message i is generated from (seed, i) alone, never from a reply: rerun with
 * the printed seed to get the same messages, or --first i --count 1 to send
 * one of them again (--dump prints it).
 *
 * Every datagram's replies are predicted by walking it the way the kernel's
 * netlink_rcv_skb() and genl_family_rcv_msg() do, and checked once a NOOP
 * sentinel sent after the batch has been acknowledged (replies come in order:
 * the kernel handles each datagram inside sendmsg).  A reply that does not
 * come within the timeout, a missing or unexpected reply, or a request that
 * never returns (alarm) fails the run.  As root (no --expect-eperm) a known
 * command may get any answer; unprivileged (--expect-eperm) each known
 * command must get EPERM, and joining the events group must be refused.
 *
 * Safety, as root: FAIL_RANGE fails what it is given.  The module refuses
 * System RAM unless DAXMF_FLAG_ALLOW_RAM is set, so that flag is cleared
 * from every request whose PFN/PAGES attributes could reach outside the
 * --pmem range (all combinations, as the kernel might read any of them), and
 * a range inside the pmem is clamped to a few pages (each page is one
 * memory_failure() and one kernel log line).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <inttypes.h>
#include <linux/daxmf.h>
#include <linux/genetlink.h>
#include <linux/netlink.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef NLA_TYPE_MASK
#define NLA_TYPE_MASK (~(NLA_F_NESTED | NLA_F_NET_BYTEORDER))
#endif

#define MAX_MSG 1024            /* one datagram */
#define MAX_BATCH 64
#define MAX_PRED 8              /* nlmsgs the kernel handles in one datagram */
#define MAX_ATTRS 16
#define RECV_BUF 16384
#define CLAMP_PAGES 4           /* largest range let through inside the pmem */
#define SENTINEL_SEQ 0x80000000u

/* The commands the family has an op for: the others are events only. */
static const uint8_t known_cmds[] = {
        DAXMF_CMD_GET_INFO, DAXMF_CMD_FAIL_RANGE, DAXMF_CMD_GET_JOB,
        DAXMF_CMD_SET_REMOVAL_HANDLER, DAXMF_CMD_REMOVAL_ACK,
};

static bool is_known_cmd(uint8_t cmd) {
        for (size_t i = 0; i < sizeof(known_cmds); i++)
                if (known_cmds[i] == cmd)
                        return true;
        return false;
}

/* ---- options and state ---- */

static uint64_t opt_seed;
static uint64_t opt_count = 100000, opt_first;
static uint64_t pmem_pfn, pmem_pages;
static bool opt_eperm, opt_join, opt_dump, opt_print_only;
static unsigned opt_batch = 32, opt_timeout_ms = 5000;

static uint16_t family_id;
static uint32_t events_grp;
static int nl_fd = -1;

static volatile sig_atomic_t cur_index;

/* ---- deterministic random numbers ---- */

struct rng { uint64_t s; };

static uint64_t rnd(struct rng *r) {
        /* splitmix64 */
        uint64_t z = (r->s += 0x9e3779b97f4a7c15ULL);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static uint64_t rn(struct rng *r, uint64_t n) { return n ? rnd(r) % n : 0; }
static bool chance(struct rng *r, unsigned pct) { return rn(r, 100) < pct; }

/* ---- message model: a genl request as a list of attributes ---- */

struct attr {
        uint16_t type;          /* with NLA_F_* bits */
        uint16_t len;           /* payload bytes */
        uint8_t data[96];
};

struct req {
        uint16_t nl_type, nl_flags;
        uint8_t cmd, version;
        uint16_t reserved;
        unsigned n;
        struct attr a[MAX_ATTRS];
};

struct dgram {
        uint8_t buf[MAX_MSG];
        size_t len;
        uint32_t seq;
        const char *kind;
};

static void attr_u64(struct attr *a, uint16_t type, uint64_t v) {
        a->type = type, a->len = 8;
        memcpy(a->data, &v, 8);
}

static void attr_u32(struct attr *a, uint16_t type, uint32_t v) {
        a->type = type, a->len = 4;
        memcpy(a->data, &v, 4);
}

static uint64_t extreme_u64(struct rng *r) {
        const uint64_t v[] = {
                0, 1, 2, 3, 0x7fffffffffffffffULL, 0x8000000000000000ULL, UINT64_MAX,
                UINT32_MAX, (uint64_t) UINT32_MAX + 1, (uint64_t) UINT32_MAX + 2,
                pmem_pfn, pmem_pfn - 1, pmem_pfn + pmem_pages, pmem_pfn + pmem_pages - 1,
                pmem_pages, pmem_pages + 1, 1ULL << 52, (1ULL << 52) - 1, 0x1000, 0x100000,
                UINT64_MAX - pmem_pfn,
        };
        return chance(r, 85) ? v[rn(r, sizeof(v) / sizeof(v[0]))] : rnd(r);
}

static uint32_t extreme_u32(struct rng *r) {
        const uint32_t v[] = {
                0, 1, 2, 3, 4, 0x1f, 0x20, 0x80, 0x7fffffff, 0x80000000, UINT32_MAX,
                DAXMF_MAX_REMOVAL_TIMEOUT_MS, DAXMF_MAX_REMOVAL_TIMEOUT_MS + 1,
                DAXMF_FLAG_ALLOW_RAM, DAXMF_FLAG_REMOVAL | DAXMF_FLAG_ALLOW_RAM,
        };
        return chance(r, 85) ? v[rn(r, sizeof(v) / sizeof(v[0]))] : (uint32_t) rnd(r);
}

static void fill_random(struct rng *r, uint8_t *p, size_t n) {
        for (size_t i = 0; i < n; i++)
                p[i] = (uint8_t) rnd(r);
}

static uint8_t pick_known(struct rng *r) { return known_cmds[rn(r, sizeof(known_cmds))]; }

static uint16_t random_flags(struct rng *r) {
        const uint16_t f[] = {
                NLM_F_REQUEST, NLM_F_REQUEST | NLM_F_ACK, NLM_F_REQUEST | NLM_F_DUMP,
                NLM_F_REQUEST | NLM_F_DUMP | NLM_F_ACK, NLM_F_REQUEST | NLM_F_ECHO,
                NLM_F_REQUEST | NLM_F_ROOT, NLM_F_REQUEST | NLM_F_MATCH,
                NLM_F_REQUEST | NLM_F_ATOMIC, NLM_F_REQUEST | NLM_F_MULTI, 0, NLM_F_ACK,
                NLM_F_DUMP, NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO,
        };
        return chance(r, 80) ? f[rn(r, sizeof(f) / sizeof(f[0]))] : (uint16_t) rnd(r);
}

/* A valid request for cmd, aimed at the pmem. */
static void template(struct rng *r, struct req *q, uint8_t cmd) {
        memset(q, 0, sizeof(*q));
        q->nl_type = family_id;
        q->nl_flags = NLM_F_REQUEST | (chance(r, 50) ? NLM_F_ACK : 0);
        q->cmd = cmd;
        q->version = DAXMF_GENL_VERSION;

        switch (cmd) {
        case DAXMF_CMD_FAIL_RANGE: {
                uint64_t pages = 1 + rn(r, 2);
                uint32_t flags = (uint32_t) rnd(r) & DAXMF_FLAGS_ALL;

                if (flags & DAXMF_FLAG_REMOVAL)
                        flags &= ~DAXMF_FLAG_ALLOW_RAM;
                attr_u64(&q->a[q->n++], DAXMF_ATTR_PFN,
                         pmem_pfn + rn(r, pmem_pages > pages ? pmem_pages - pages : 1));
                attr_u64(&q->a[q->n++], DAXMF_ATTR_PAGES, pages);
                if (chance(r, 70))
                        attr_u32(&q->a[q->n++], DAXMF_ATTR_FLAGS, chance(r, 50) ? flags : 0);
                if (chance(r, 70))
                        attr_u64(&q->a[q->n++], DAXMF_ATTR_COOKIE, rnd(r));
                break;
        }
        case DAXMF_CMD_GET_JOB:
                attr_u64(&q->a[q->n++], DAXMF_ATTR_COOKIE, chance(r, 50) ? rn(r, 8) : rnd(r));
                break;
        case DAXMF_CMD_SET_REMOVAL_HANDLER:
                if (chance(r, 70))
                        attr_u32(&q->a[q->n++], DAXMF_ATTR_TIMEOUT_MS,
                                 1 + (uint32_t) rn(r, DAXMF_MAX_REMOVAL_TIMEOUT_MS));
                break;
        case DAXMF_CMD_REMOVAL_ACK:
                attr_u64(&q->a[q->n++], DAXMF_ATTR_REMOVAL_ID, rnd(r));
                attr_u32(&q->a[q->n++], DAXMF_ATTR_VERDICT, 1 + (uint32_t) rn(r, 2));
                break;
        default:
                break;
        }
}

static size_t put_attrs(uint8_t *p, size_t room, const struct attr *a, unsigned n);

/* A random attribute: types in and beyond the policy, any length, nesting. */
static void random_attr(struct rng *r, struct attr *a, unsigned depth) {
        unsigned k = (unsigned) rn(r, 10);

        if (k < 6)
                a->type = (uint16_t) rn(r, DAXMF_ATTR_MAX + 4);
        else if (k < 8)
                a->type = (uint16_t) (DAXMF_ATTR_PFN + rn(r, 4));
        else
                a->type = (uint16_t) rnd(r);
        if (chance(r, 10))
                a->type |= NLA_F_NET_BYTEORDER;

        if (depth < 6 && chance(r, 12)) {
                struct attr inner[3];
                unsigned n = 1 + (unsigned) rn(r, 3);

                for (unsigned i = 0; i < n; i++)
                        random_attr(r, &inner[i], depth + 1);
                a->type |= chance(r, 80) ? NLA_F_NESTED : 0;
                a->len = (uint16_t) put_attrs(a->data, sizeof(a->data), inner, n);
                return;
        }
        switch (rn(r, 4)) {
        case 0: attr_u64(a, a->type, extreme_u64(r)); break;
        case 1: attr_u32(a, a->type, extreme_u32(r)); break;
        default:
                a->len = (uint16_t) rn(r, 20);
                fill_random(r, a->data, a->len);
        }
}

static size_t put_attrs(uint8_t *p, size_t room, const struct attr *a, unsigned n) {
        size_t off = 0;

        for (unsigned i = 0; i < n; i++) {
                size_t total = NLA_HDRLEN + a[i].len;
                struct nlattr nla = { .nla_len = (uint16_t) total, .nla_type = a[i].type };

                if (off + NLA_ALIGN(total) > room)
                        break;
                memcpy(p + off, &nla, sizeof(nla));
                memcpy(p + off + NLA_HDRLEN, a[i].data, a[i].len);
                memset(p + off + total, 0, NLA_ALIGN(total) - total);
                off += NLA_ALIGN(total);
        }
        return off;
}

static size_t put_req(uint8_t *p, size_t room, const struct req *q, uint32_t seq) {
        struct nlmsghdr nlh = { .nlmsg_type = q->nl_type, .nlmsg_flags = q->nl_flags, .nlmsg_seq = seq };
        struct genlmsghdr g = { .cmd = q->cmd, .version = q->version, .reserved = q->reserved };
        size_t len;

        if (room < NLMSG_HDRLEN + GENL_HDRLEN)
                return 0;
        len = NLMSG_HDRLEN + GENL_HDRLEN;
        len += put_attrs(p + len, room - len, q->a, q->n);
        nlh.nlmsg_len = (uint32_t) len;
        memcpy(p, &nlh, sizeof(nlh));
        memcpy(p + NLMSG_HDRLEN, &g, sizeof(g));
        return len;
}

/* Structured mutations of a request. */
static void mutate_req(struct rng *r, struct req *q) {
        unsigned i, j;
        struct attr t;

        switch (rn(r, 12)) {
        case 0:         /* drop one */
                if (q->n) {
                        i = (unsigned) rn(r, q->n);
                        memmove(&q->a[i], &q->a[i + 1], (q->n - i - 1) * sizeof(q->a[0]));
                        q->n--;
                }
                break;
        case 1:         /* duplicate one (the kernel keeps the last) */
                if (q->n && q->n < MAX_ATTRS) {
                        q->a[q->n] = q->a[rn(r, q->n)];
                        if (chance(r, 50)) {
                                if (q->a[q->n].len == 8)
                                        attr_u64(&q->a[q->n], q->a[q->n].type, extreme_u64(r));
                                else if (q->a[q->n].len == 4)
                                        attr_u32(&q->a[q->n], q->a[q->n].type, extreme_u32(r));
                        }
                        q->n++;
                }
                break;
        case 2:         /* reorder */
                if (q->n > 1) {
                        i = (unsigned) rn(r, q->n), j = (unsigned) rn(r, q->n);
                        t = q->a[i], q->a[i] = q->a[j], q->a[j] = t;
                }
                break;
        case 3: case 4: /* value extremes */
                if (q->n) {
                        struct attr *a = &q->a[rn(r, q->n)];

                        if (a->len == 8)
                                attr_u64(a, a->type, extreme_u64(r));
                        else
                                attr_u32(a, a->type, extreme_u32(r));
                }
                break;
        case 5:         /* another type, in or out of the policy */
                if (q->n)
                        q->a[rn(r, q->n)].type = (uint16_t) (chance(r, 80) ? rn(r, DAXMF_ATTR_MAX + 4) : rnd(r));
                break;
        case 6:         /* another payload length */
                if (q->n) {
                        struct attr *a = &q->a[rn(r, q->n)];
                        uint16_t len = (uint16_t) rn(r, 17);

                        if (len > a->len)
                                fill_random(r, a->data + a->len, len - a->len);
                        a->len = len;
                }
                break;
        case 7:         /* type flag bits */
                if (q->n)
                        q->a[rn(r, q->n)].type ^= chance(r, 50) ? NLA_F_NESTED : NLA_F_NET_BYTEORDER;
                break;
        case 8:         /* one more attribute */
                if (q->n < MAX_ATTRS)
                        random_attr(r, &q->a[q->n++], 0);
                break;
        case 9:         /* header fields */
                switch (rn(r, 4)) {
                case 0: q->version = (uint8_t) rnd(r); break;
                case 1: q->reserved = (uint16_t) (1 + rn(r, 0xffff)); break;
                case 2: q->nl_flags = random_flags(r); break;
                default: q->cmd = (uint8_t) (chance(r, 50) ? pick_known(r) : rnd(r));
                }
                break;
        default:        /* a valid template's attribute under another command */
                q->cmd = pick_known(r);
        }
}

/* Byte-level mutations of the serialized datagram (first nlmsg at 0). */
static void mutate_bytes(struct rng *r, struct dgram *d) {
        struct nlmsghdr *nlh = (struct nlmsghdr *) d->buf;
        size_t attrs = NLMSG_HDRLEN + GENL_HDRLEN;

        switch (rn(r, 8)) {
        case 0: case 1: {       /* bit flips past the netlink header */
                unsigned n = 1 + (unsigned) rn(r, 4);

                for (unsigned i = 0; i < n && d->len > NLMSG_HDRLEN; i++) {
                        size_t at = NLMSG_HDRLEN + rn(r, d->len - NLMSG_HDRLEN);

                        d->buf[at] ^= (uint8_t) (1u << rn(r, 8));
                }
                break;
        }
        case 2:         /* an nla_len that lies (beyond the message, too small, odd) */
                if (d->len > attrs + NLA_HDRLEN) {
                        struct nlattr *nla = (struct nlattr *) (d->buf + attrs);
                        const uint16_t v[] = { 0, 1, 3, 4, 5, 7, 9, 0xffff, 0x8000 };

                        nla->nla_len = chance(r, 50) ? v[rn(r, 9)]
                                                     : (uint16_t) (nla->nla_len + rn(r, 64));
                }
                break;
        case 3:         /* truncated: cut the datagram, nlmsg_len follows */
                if (d->len > attrs) {
                        d->len = attrs + rn(r, d->len - attrs);
                        nlh->nlmsg_len = (uint32_t) d->len;
                }
                break;
        case 4:         /* truncated: cut the datagram, nlmsg_len does not */
                d->len = rn(r, d->len);
                break;
        case 5:         /* nlmsg_len larger than what was sent */
                nlh->nlmsg_len = (uint32_t) d->len + 1 + (uint32_t) rn(r, chance(r, 50) ? 16 : 0x10000);
                break;
        case 6:         /* nlmsg_len smaller: the rest is read as more messages */
                nlh->nlmsg_len = (uint32_t) rn(r, d->len);
                break;
        default:        /* trailing bytes after the message */
                if (d->len + 8 < MAX_MSG) {
                        size_t n = 1 + rn(r, 8);

                        fill_random(r, d->buf + d->len, n);
                        d->len += n;
                        if (chance(r, 50))
                                nlh->nlmsg_len = (uint32_t) d->len;
                }
        }
}

/* ---- the kernel's view of a datagram ---- */

enum pred_kind {
        P_NONE,                 /* no reply */
        P_ACK,                  /* an ack with error 0 */
        P_ERR,                  /* exactly this errno */
        P_ANY,                  /* root and a known command: any answer */
};

struct pred {
        enum pred_kind kind;
        int err;
        bool ack;               /* NLM_F_ACK: a success is acked too */
        bool known;             /* a request for a command the family has */
};

/* Walk the nlmsgs as netlink_rcv_skb() does; call fn on each one handled. */
static unsigned walk(uint8_t *buf, size_t len, void (*fn)(struct nlmsghdr *, void *), void *ctx) {
        size_t off = 0;
        unsigned n = 0;

        while (len - off >= NLMSG_HDRLEN) {
                struct nlmsghdr *nlh = (struct nlmsghdr *) (buf + off);
                size_t msglen;

                if (nlh->nlmsg_len < NLMSG_HDRLEN || nlh->nlmsg_len > len - off)
                        break;
                fn(nlh, ctx);
                n++;
                msglen = NLMSG_ALIGN(nlh->nlmsg_len);
                off += msglen > len - off ? len - off : msglen;
        }
        return n;
}

struct predict_ctx {
        struct pred p[MAX_PRED];
        unsigned n;
        bool overflow;
};

static void predict_one(struct nlmsghdr *nlh, void *v) {
        struct predict_ctx *c = v;
        struct pred *p;
        struct genlmsghdr *g = NLMSG_DATA(nlh);
        uint16_t f = nlh->nlmsg_flags;

        if (c->n == MAX_PRED) {
                c->overflow = true;
                return;
        }
        p = &c->p[c->n++];
        memset(p, 0, sizeof(*p));
        p->ack = f & NLM_F_ACK;
        if (!(f & NLM_F_REQUEST) || nlh->nlmsg_type < NLMSG_MIN_TYPE) {
                p->kind = p->ack ? P_ACK : P_NONE;
                return;
        }
        p->kind = P_ERR;
        if (nlh->nlmsg_type != family_id) {
                p->err = ENOENT;
                return;
        }
        if (nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN) {
                p->err = EINVAL;
                return;
        }
        if (g->cmd >= __DAXMF_CMD_MAX) {
                /* resv_start_op: the core's header check, then no op */
                uint16_t ff = f;

                if ((ff & NLM_F_DUMP) == NLM_F_DUMP)
                        ff &= ~NLM_F_DUMP;
                p->err = g->reserved || (ff & ~(NLM_F_REQUEST | NLM_F_ACK | NLM_F_ECHO)) ? EINVAL : EOPNOTSUPP;
                return;
        }
        if (!is_known_cmd(g->cmd) || (f & NLM_F_DUMP) == NLM_F_DUMP) {
                /* events only, or a dump: the family has no dumps */
                p->err = EOPNOTSUPP;
                return;
        }
        p->known = true;
        if (opt_eperm)
                p->err = EPERM;
        else
                p->kind = P_ANY;
}

/* Keep every nlmsg on this family (or control/unknown ids) and our seq. */
static void sanitize_hdr(struct nlmsghdr *nlh, void *v) {
        uint32_t seq = *(uint32_t *) v;

        if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && nlh->nlmsg_type != family_id && nlh->nlmsg_type < 0xff00)
                nlh->nlmsg_type = family_id;
        nlh->nlmsg_seq = seq;
}

static bool inside_pmem(uint64_t pfn, uint64_t pages) {
        return pmem_pages && pfn >= pmem_pfn && pages <= pmem_pages && pfn - pmem_pfn <= pmem_pages - pages;
}

/* The safety guard on each FAIL_RANGE (see the top of the file). */
static void sanitize_range(struct nlmsghdr *nlh, void *v) {
        struct genlmsghdr *g = NLMSG_DATA(nlh);
        struct nlattr *pfn[32], *pages[32], *flags[32];
        unsigned np = 0, nn = 0, nf = 0;
        uint8_t *p = (uint8_t *) nlh + NLMSG_HDRLEN + GENL_HDRLEN;
        long rem;
        bool unsafe = false;

        (void) v;
        if (nlh->nlmsg_type != family_id || nlh->nlmsg_len < NLMSG_HDRLEN + GENL_HDRLEN ||
            g->cmd != DAXMF_CMD_FAIL_RANGE)
                return;
        rem = (long) nlh->nlmsg_len - NLMSG_HDRLEN - GENL_HDRLEN;
        while (rem >= NLA_HDRLEN) {
                struct nlattr *nla = (struct nlattr *) p;
                uint16_t type = nla->nla_type & NLA_TYPE_MASK;
                long step;

                if (nla->nla_len < NLA_HDRLEN || nla->nla_len > rem)
                        break;
                if (type == DAXMF_ATTR_PFN && nla->nla_len >= NLA_HDRLEN + 8 && np < 32)
                        pfn[np++] = nla;
                if (type == DAXMF_ATTR_PAGES && nla->nla_len >= NLA_HDRLEN + 8 && nn < 32)
                        pages[nn++] = nla;
                if (type == DAXMF_ATTR_FLAGS && nla->nla_len >= NLA_HDRLEN + 4 && nf < 32)
                        flags[nf++] = nla;
                step = NLA_ALIGN(nla->nla_len);
                p += step, rem -= step;
        }
        if (np == 32 || nn == 32)
                unsafe = true;

        for (unsigned i = 0; i < np; i++)
                for (unsigned j = 0; j < nn; j++) {
                        uint64_t a, n;

                        memcpy(&a, (uint8_t *) pfn[i] + NLA_HDRLEN, 8);
                        memcpy(&n, (uint8_t *) pages[j] + NLA_HDRLEN, 8);
                        if (inside_pmem(a, n) && n > CLAMP_PAGES) {
                                n = 1 + n % CLAMP_PAGES;
                                memcpy((uint8_t *) pages[j] + NLA_HDRLEN, &n, 8);
                        }
                        if (!inside_pmem(a, n))
                                unsafe = true;
                }
        /* Nothing to compare a lone PFN or PAGES with: the module refuses it. */
        if (unsafe || !pmem_pages)
                for (unsigned k = 0; k < nf; k++)
                        ((uint8_t *) flags[k] + NLA_HDRLEN)[0] &= (uint8_t) ~DAXMF_FLAG_ALLOW_RAM;
}

/* ---- one message ---- */

static void generate(uint64_t index, struct dgram *d) {
        struct rng r = { opt_seed ^ (index * 0xd1342543de82ef95ULL) };
        struct req q;
        unsigned k = (unsigned) rn(&r, 100);
        size_t off;

        rnd(&r);
        memset(d, 0, sizeof(*d));
        d->seq = (uint32_t) (index % 0x7fffffff) + 1;

        if (k < 14) {
                d->kind = "valid";
                template(&r, &q, pick_known(&r));
        } else if (k < 56) {
                unsigned n = 1 + (unsigned) rn(&r, 4);

                d->kind = "mutated";
                template(&r, &q, pick_known(&r));
                for (unsigned i = 0; i < n; i++)
                        mutate_req(&r, &q);
        } else if (k < 78) {
                unsigned n = (unsigned) rn(&r, 9);

                d->kind = "random";
                memset(&q, 0, sizeof(q));
                q.nl_type = family_id;
                q.nl_flags = chance(&r, 70) ? NLM_F_REQUEST | (chance(&r, 50) ? NLM_F_ACK : 0) : random_flags(&r);
                q.cmd = (uint8_t) (chance(&r, 50) ? pick_known(&r) : rnd(&r));
                q.version = (uint8_t) (chance(&r, 80) ? DAXMF_GENL_VERSION : rnd(&r));
                q.reserved = chance(&r, 90) ? 0 : (uint16_t) rnd(&r);
                for (unsigned i = 0; i < n; i++)
                        random_attr(&r, &q.a[q.n++], 0);
        } else if (k < 84) {
                d->kind = "nested";
                template(&r, &q, pick_known(&r));
                while (q.n < 4)
                        random_attr(&r, &q.a[q.n++], 0);
                for (unsigned i = 0; i < q.n; i++)
                        if (chance(&r, 50)) {
                                struct attr inner[2];

                                random_attr(&r, &inner[0], 4);
                                inner[1] = q.a[i];
                                inner[1].len = inner[1].len > 40 ? 40 : inner[1].len;
                                q.a[i].type = (uint16_t) (q.a[i].type | NLA_F_NESTED);
                                q.a[i].len = (uint16_t) put_attrs(q.a[i].data, sizeof(q.a[i].data), inner, 2);
                        }
        } else {
                d->kind = "malformed";
                template(&r, &q, pick_known(&r));
                if (chance(&r, 30))
                        mutate_req(&r, &q);
        }

        if (k >= 84 && k < 90) {
                /* header-only forms: short, control types, unknown families */
                d->kind = "header";
                q.nl_flags = random_flags(&r);
                if (chance(&r, 20))
                        q.nl_type = chance(&r, 50) ? (uint16_t) rn(&r, NLMSG_MIN_TYPE) : (uint16_t) (0xff00 + rn(&r, 256));
                if (chance(&r, 30))
                        q.reserved = (uint16_t) rnd(&r);
                if (chance(&r, 30))
                        q.version = (uint8_t) rnd(&r);
        }
        d->len = put_req(d->buf, MAX_MSG, &q, d->seq);
        if (k >= 84 && k < 90 && chance(&r, 25)) {
                /* a header alone, or less */
                d->len = rn(&r, NLMSG_HDRLEN + GENL_HDRLEN + 1);
                ((struct nlmsghdr *) d->buf)->nlmsg_len = (uint32_t) (chance(&r, 70) ? d->len : rn(&r, 40));
        }
        if (k >= 90) {
                unsigned n = 1 + (unsigned) rn(&r, 2);

                for (unsigned i = 0; i < n; i++)
                        mutate_bytes(&r, d);
        }
        if (k >= 96) {
                /* more requests in the same datagram */
                d->kind = "multi";
                for (unsigned i = 0, n = 1 + (unsigned) rn(&r, 2); i < n; i++) {
                        template(&r, &q, pick_known(&r));
                        if (chance(&r, 50))
                                mutate_req(&r, &q);
                        off = NLMSG_ALIGN(d->len);
                        if (off + 256 > MAX_MSG)
                                break;
                        memset(d->buf + d->len, 0, off - d->len);
                        d->len = off + put_req(d->buf + off, MAX_MSG - off, &q, d->seq);
                }
        }

        /* netlink refuses an empty datagram at sendmsg (-ENODATA). */
        if (!d->len)
                d->len = 1;
        walk(d->buf, d->len, sanitize_hdr, &d->seq);
        walk(d->buf, d->len, sanitize_range, NULL);
}

/* ---- netlink plumbing ---- */

static int nl_open(void) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        struct timeval tv = { .tv_sec = opt_timeout_ms / 1000, .tv_usec = (opt_timeout_ms % 1000) * 1000 };
        int fd, one = 1, rcvbuf = 1 << 20;

        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0 ||
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0 ||
            setsockopt(fd, SOL_NETLINK, NETLINK_EXT_ACK, &one, sizeof(one)) < 0 ||
            setsockopt(fd, SOL_NETLINK, NETLINK_CAP_ACK, &one, sizeof(one)) < 0) {
                int e = -errno;
                close(fd);
                return e;
        }
        /* Root may go past rmem_max; the others get what they get. */
        if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
                (void) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
        return fd;
}

/* CTRL_CMD_GETFAMILY "daxmf": the family id and the events group id. */
static int resolve_family(int fd) {
        struct {
                struct nlmsghdr n;
                struct genlmsghdr g;
                uint8_t attrs[64];
        } req = { 0 };
        static uint8_t buf[RECV_BUF];
        struct nlattr *nla;
        size_t namelen = strlen(DAXMF_GENL_NAME) + 1;
        ssize_t len;
        long rem;

        req.n.nlmsg_type = GENL_ID_CTRL;
        req.n.nlmsg_flags = NLM_F_REQUEST;
        req.n.nlmsg_seq = 1;
        req.g.cmd = CTRL_CMD_GETFAMILY;
        req.g.version = 1;
        nla = (struct nlattr *) req.attrs;
        nla->nla_type = CTRL_ATTR_FAMILY_NAME;
        nla->nla_len = (uint16_t) (NLA_HDRLEN + namelen);
        memcpy(req.attrs + NLA_HDRLEN, DAXMF_GENL_NAME, namelen);
        req.n.nlmsg_len = NLMSG_HDRLEN + GENL_HDRLEN + NLA_ALIGN(nla->nla_len);
        if (send(fd, &req, req.n.nlmsg_len, 0) < 0)
                return -errno;
        len = recv(fd, buf, sizeof(buf), 0);
        if (len < 0)
                return -errno;
        if (len < (ssize_t) NLMSG_HDRLEN || ((struct nlmsghdr *) buf)->nlmsg_type == NLMSG_ERROR) {
                struct nlmsgerr *e = NLMSG_DATA(buf);
                return len >= (ssize_t) (NLMSG_HDRLEN + sizeof(*e)) && e->error ? e->error : -EIO;
        }

        nla = (struct nlattr *) (buf + NLMSG_HDRLEN + GENL_HDRLEN);
        rem = len - NLMSG_HDRLEN - GENL_HDRLEN;
        for (; rem >= NLA_HDRLEN && nla->nla_len >= NLA_HDRLEN && nla->nla_len <= rem;
             rem -= NLA_ALIGN(nla->nla_len), nla = (struct nlattr *) ((uint8_t *) nla + NLA_ALIGN(nla->nla_len))) {
                if ((nla->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_FAMILY_ID)
                        memcpy(&family_id, (uint8_t *) nla + NLA_HDRLEN, 2);
                if ((nla->nla_type & NLA_TYPE_MASK) != CTRL_ATTR_MCAST_GROUPS)
                        continue;
                /* an array of nests, each NAME and ID */
                struct nlattr *grp = (struct nlattr *) ((uint8_t *) nla + NLA_HDRLEN);
                long grem = nla->nla_len - NLA_HDRLEN;
                for (; grem >= NLA_HDRLEN && grp->nla_len >= NLA_HDRLEN && grp->nla_len <= grem;
                     grem -= NLA_ALIGN(grp->nla_len), grp = (struct nlattr *) ((uint8_t *) grp + NLA_ALIGN(grp->nla_len))) {
                        struct nlattr *a = (struct nlattr *) ((uint8_t *) grp + NLA_HDRLEN);
                        long arem = grp->nla_len - NLA_HDRLEN;
                        uint32_t id = 0;
                        bool ours = false;

                        for (; arem >= NLA_HDRLEN && a->nla_len >= NLA_HDRLEN && a->nla_len <= arem;
                             arem -= NLA_ALIGN(a->nla_len), a = (struct nlattr *) ((uint8_t *) a + NLA_ALIGN(a->nla_len))) {
                                if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GRP_ID)
                                        memcpy(&id, (uint8_t *) a + NLA_HDRLEN, 4);
                                if ((a->nla_type & NLA_TYPE_MASK) == CTRL_ATTR_MCAST_GRP_NAME &&
                                    !strcmp((char *) a + NLA_HDRLEN, DAXMF_GENL_MCGRP_EVENTS))
                                        ours = true;
                        }
                        if (ours)
                                events_grp = id;
                }
        }
        return family_id ? 0 : -ENOENT;
}

/* ---- replies ---- */

static uint64_t err_hist[4096], n_ack, n_data[256], n_async[256], n_async_other;
static uint64_t n_dgrams, n_nlmsgs, n_known, n_known_eperm, n_noreply, n_enobufs;
static uint64_t n_kind[8];
static const char *kind_names[8];
static uint64_t n_failures;

struct slot {
        struct dgram d;
        struct predict_ctx pc;
        unsigned n_ack, n_data, n_err, errs[MAX_PRED * 2];
        uint64_t index;
};

static struct slot slots[MAX_BATCH];
static unsigned n_slots;
static uint32_t batch_first_seq;

static void hexdump(const struct dgram *d) {
        fprintf(stderr, "#   bytes (%zu):", d->len);
        for (size_t i = 0; i < d->len; i++)
                fprintf(stderr, "%s%02x", i % 32 ? "" : "\n#     ", d->buf[i]);
        fputc('\n', stderr);
}

static void replay_hint(uint64_t index) {
        fprintf(stderr, "#   replay: genl-fuzz --seed %" PRIu64 " --first %" PRIu64 " --count 1", opt_seed, index);
        if (pmem_pages)
                fprintf(stderr, " --pmem 0x%" PRIx64 ":%" PRIu64, pmem_pfn, pmem_pages);
        fprintf(stderr, "%s --dump\n", opt_eperm ? " --expect-eperm" : "");
}

static void failure(const struct slot *s, const char *what) {
        n_failures++;
        if (n_failures > 20)
                return;
        fprintf(stderr, "not ok - message %" PRIu64 " (%s, seq %u): %s\n", s->index, s->d.kind, s->d.seq, what);
        replay_hint(s->index);
        hexdump(&s->d);
}

/* Extended-ack messages seen, by count: strict validation, and why. */
static struct { char text[96]; uint64_t n; } extack[64];
static uint64_t extack_other;

static void count_extack(const struct nlmsghdr *nlh) {
        const struct nlmsgerr *e = NLMSG_DATA(nlh);
        const uint8_t *p = (const uint8_t *) e + sizeof(*e);
        long rem = (long) nlh->nlmsg_len - NLMSG_HDRLEN - (long) sizeof(*e);

        if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
                return;
        while (rem >= NLA_HDRLEN) {
                const struct nlattr *nla = (const struct nlattr *) p;

                if (nla->nla_len < NLA_HDRLEN || nla->nla_len > rem)
                        return;
                if ((nla->nla_type & NLA_TYPE_MASK) == NLMSGERR_ATTR_MSG) {
                        char text[96];
                        size_t len = nla->nla_len - NLA_HDRLEN;

                        len = len < sizeof(text) - 1 ? len : sizeof(text) - 1;
                        memcpy(text, p + NLA_HDRLEN, len);
                        text[len] = 0;
                        for (unsigned i = 0; i < 64; i++) {
                                if (!extack[i].n)
                                        strcpy(extack[i].text, text);
                                if (!strcmp(extack[i].text, text)) {
                                        extack[i].n++;
                                        return;
                                }
                        }
                        extack_other++;
                        return;
                }
                p += NLA_ALIGN(nla->nla_len), rem -= NLA_ALIGN(nla->nla_len);
        }
}

static const char *errname(int e) {
        const char *n = strerrorname_np(e);
        return n ? n : "?";
}

static void on_reply(const struct nlmsghdr *nlh) {
        struct slot *s = NULL;

        if (nlh->nlmsg_seq >= batch_first_seq && nlh->nlmsg_seq < batch_first_seq + n_slots)
                s = &slots[nlh->nlmsg_seq - batch_first_seq];
        if (nlh->nlmsg_type == NLMSG_ERROR) {
                const struct nlmsgerr *e = NLMSG_DATA(nlh);
                int err = -e->error;

                if (!s)
                        return;
                count_extack(nlh);
                if (!err) {
                        s->n_ack++;
                        n_ack++;
                } else {
                        if (s->n_err < MAX_PRED * 2)
                                s->errs[s->n_err] = (unsigned) err;
                        s->n_err++;
                        err_hist[err > 0 && err < 4096 ? err : 0]++;
                }
                return;
        }
        if (nlh->nlmsg_type == family_id && nlh->nlmsg_len >= NLMSG_HDRLEN + GENL_HDRLEN) {
                const struct genlmsghdr *g = NLMSG_DATA(nlh);

                if (s) {
                        s->n_data++;
                        n_data[g->cmd]++;
                } else {
                        /* RANGE_DONE to the requester, or the events group */
                        n_async[g->cmd]++;
                }
                return;
        }
        n_async_other++;
}

/* Read until the sentinel's ack; false on a timeout. */
static bool drain(uint32_t sentinel) {
        static uint8_t bufs[64][RECV_BUF / 4];
        struct mmsghdr mm[64];
        struct iovec iov[64];

        for (;;) {
                int n;

                for (int i = 0; i < 64; i++) {
                        iov[i] = (struct iovec) { bufs[i], sizeof(bufs[i]) };
                        mm[i] = (struct mmsghdr) { .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
                }
                n = recvmmsg(nl_fd, mm, 64, MSG_WAITFORONE, NULL);
                if (n < 0) {
                        if (errno == ENOBUFS) {
                                n_enobufs++;
                                continue;
                        }
                        if (errno == EINTR)
                                continue;
                        if (errno == EAGAIN || errno == EWOULDBLOCK)
                                return false;
                        perror("recvmmsg");
                        exit(1);
                }
                for (int i = 0; i < n; i++) {
                        uint8_t *p = bufs[i];
                        long rem = mm[i].msg_len;
                        bool done = false;

                        if (mm[i].msg_hdr.msg_flags & MSG_TRUNC)
                                fprintf(stderr, "# a reply was truncated\n");
                        for (struct nlmsghdr *nlh = (struct nlmsghdr *) p; NLMSG_OK(nlh, rem); nlh = NLMSG_NEXT(nlh, rem)) {
                                if (nlh->nlmsg_type == NLMSG_ERROR && nlh->nlmsg_seq == sentinel)
                                        done = true;
                                else
                                        on_reply(nlh);
                        }
                        if (done)
                                return true;
                }
        }
}

/* Compare what came with what the walk predicted. */
static void judge(struct slot *s) {
        unsigned errs_left[MAX_PRED * 2], n_left = s->n_err < MAX_PRED * 2 ? s->n_err : MAX_PRED * 2;
        unsigned acks = s->n_ack, data = s->n_data, any = 0, any_ack = 0, want_acks = 0;
        char why[256];

        memcpy(errs_left, s->errs, sizeof(errs_left));
        if (s->pc.overflow) {
                failure(s, "more nlmsgs than the checker follows");
                return;
        }
        for (unsigned i = 0; i < s->pc.n; i++) {
                const struct pred *p = &s->pc.p[i];
                bool found = false;

                if (p->known)
                        n_known++;
                switch (p->kind) {
                case P_NONE:
                        n_noreply++;
                        break;
                case P_ACK:
                        want_acks++;
                        break;
                case P_ANY:
                        any++;
                        any_ack += p->ack;
                        break;
                case P_ERR:
                        for (unsigned j = 0; j < n_left; j++)
                                if (errs_left[j] == (unsigned) p->err) {
                                        errs_left[j] = errs_left[--n_left];
                                        found = true;
                                        break;
                                }
                        if (!found) {
                                snprintf(why, sizeof(why), "expected %s%s, got %u error(s) [%s...], %u data, %u ack",
                                         errname(p->err), p->known ? " (a known command, unprivileged)" : "",
                                         s->n_err, s->n_err ? errname((int) s->errs[0]) : "", s->n_data, s->n_ack);
                                failure(s, why);
                                return;
                        }
                        if (p->known && p->err == EPERM)
                                n_known_eperm++;
                }
        }
        /* Each P_ANY takes one error or one data reply, and maybe an ack. */
        if (acks < want_acks) {
                failure(s, "an acknowledgement is missing");
                return;
        }
        acks -= want_acks;
        if (s->n_err > MAX_PRED * 2 || n_left + data != any || acks > any_ack) {
                snprintf(why, sizeof(why),
                         "%u answer(s) expected (root), got %u error(s) left, %u data, %u extra ack(s)",
                         any, n_left, data, acks);
                failure(s, why);
        }
}

static void on_alarm(int sig) {
        char msg[160];
        int n;

        (void) sig;
        n = snprintf(msg, sizeof(msg),
                     "not ok - HANG: message %d got no answer in time (seed %" PRIu64 ")\n",
                     (int) cur_index, opt_seed);
        (void) !write(2, msg, (size_t) n);
        _exit(3);
}

static int join_events(int fd) {
        if (setsockopt(fd, SOL_NETLINK, NETLINK_ADD_MEMBERSHIP, &events_grp, sizeof(events_grp)) < 0)
                return -errno;
        return 0;
}

static int bind_events(void) {
        struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
        int fd, r = 0;

        if (events_grp == 0 || events_grp > 32)
                return -EDOM;
        sa.nl_groups = 1u << (events_grp - 1);
        fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_GENERIC);
        if (fd < 0)
                return -errno;
        if (bind(fd, (struct sockaddr *) &sa, sizeof(sa)) < 0)
                r = -errno;
        close(fd);
        return r;
}

static void usage(void) {
        fprintf(stderr, "usage: genl-fuzz [--seed N] [--count N] [--first N] [--pmem PFN:PAGES]\n"
                        "                 [--expect-eperm] [--join] [--batch N] [--timeout-ms N] [--dump]\n"
                        "       genl-fuzz --print-only [--family ID] [--seed N] [--first N] [--count N] [--pmem ...]\n");
        exit(2);
}

int main(int argc, char *argv[]) {
        struct timespec t0, t1;
        bool seeded = false;
        double secs;
        int r;

        for (int i = 1; i < argc; i++) {
                const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

                if (!strcmp(a, "--expect-eperm"))
                        opt_eperm = true;
                else if (!strcmp(a, "--join"))
                        opt_join = true;
                else if (!strcmp(a, "--dump"))
                        opt_dump = true;
                else if (!strcmp(a, "--print-only"))
                        opt_print_only = opt_dump = true;
                else if (!v)
                        usage();
                else if (!strcmp(a, "--seed"))
                        opt_seed = strtoull(v, NULL, 0), seeded = true, i++;
                else if (!strcmp(a, "--family"))
                        family_id = (uint16_t) strtoul(v, NULL, 0), i++;
                else if (!strcmp(a, "--count"))
                        opt_count = strtoull(v, NULL, 0), i++;
                else if (!strcmp(a, "--first"))
                        opt_first = strtoull(v, NULL, 0), i++;
                else if (!strcmp(a, "--batch"))
                        opt_batch = (unsigned) strtoul(v, NULL, 0), i++;
                else if (!strcmp(a, "--timeout-ms"))
                        opt_timeout_ms = (unsigned) strtoul(v, NULL, 0), i++;
                else if (!strcmp(a, "--pmem")) {
                        char *end;

                        pmem_pfn = strtoull(v, &end, 0);
                        if (*end != ':')
                                usage();
                        pmem_pages = strtoull(end + 1, NULL, 0);
                        i++;
                } else
                        usage();
        }
        if (opt_batch < 1 || opt_batch > MAX_BATCH)
                usage();
        if (!seeded) {
                struct timespec ts;

                clock_gettime(CLOCK_REALTIME, &ts);
                opt_seed = ((uint64_t) ts.tv_sec * 1000000007ULL) ^ (uint64_t) ts.tv_nsec ^ ((uint64_t) getpid() << 32);
        }

        if (opt_print_only) {
                /* Offline: what message i is, for a family id given or 32. */
                struct slot *s = &slots[0];

                family_id = family_id ? family_id : 32;
                for (uint64_t i = opt_first; i < opt_first + opt_count; i++) {
                        memset(s, 0, sizeof(*s));
                        generate(i, &s->d);
                        walk(s->d.buf, s->d.len, predict_one, &s->pc);
                        printf("# message %" PRIu64 " (%s, seq %u, %zu bytes, %u nlmsg(s) handled)\n",
                               i, s->d.kind, s->d.seq, s->d.len, s->pc.n);
                        fflush(stdout);
                        hexdump(&s->d);
                }
                return 0;
        }

        nl_fd = nl_open();
        if (nl_fd < 0)
                return fprintf(stderr, "genl-fuzz: socket: %s\n", strerror(-nl_fd)), 1;
        r = resolve_family(nl_fd);
        if (r < 0)
                return fprintf(stderr, "genl-fuzz: family %s: %s\n", DAXMF_GENL_NAME, strerror(-r)), 1;
        printf("# genl-fuzz: seed %" PRIu64 ", messages %" PRIu64 "..%" PRIu64 ", %s, family id %u, events group %u, pmem 0x%" PRIx64 ":%" PRIu64 "\n",
               opt_seed, opt_first, opt_first + opt_count - 1,
               opt_eperm ? "unprivileged (every known command must get EPERM)" : "privileged",
               family_id, events_grp, pmem_pfn, pmem_pages);

        /* The events group: admins only. */
        if (opt_eperm) {
                r = join_events(nl_fd);
                if (r == -EPERM)
                        printf("ok - joining the events group (setsockopt) refused: EPERM\n");
                else
                        printf("not ok - joining the events group (setsockopt): %s\n", r ? errname(-r) : "allowed"), n_failures++;
                r = bind_events();
                if (r == -EPERM)
                        printf("ok - joining the events group (bind) refused: EPERM\n");
                else
                        printf("not ok - joining the events group (bind): %s\n", r ? errname(-r) : "allowed"), n_failures++;
        } else if (opt_join) {
                r = join_events(nl_fd);
                if (r)
                        printf("not ok - joining the events group: %s\n", errname(-r)), n_failures++;
                else
                        printf("ok - joined the events group (its events are read and counted)\n");
        }

        signal(SIGALRM, on_alarm);
        clock_gettime(CLOCK_MONOTONIC, &t0);
        for (uint64_t next = opt_first; next < opt_first + opt_count;) {
                struct mmsghdr mm[MAX_BATCH + 1];
                struct iovec iov[MAX_BATCH + 1];
                struct sockaddr_nl kernel = { .nl_family = AF_NETLINK };
                struct nlmsghdr sentinel = {
                        .nlmsg_len = NLMSG_HDRLEN, .nlmsg_type = NLMSG_NOOP,
                        .nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK,
                };
                unsigned sent = 0;

                n_slots = 0;
                while (n_slots < opt_batch && next < opt_first + opt_count) {
                        struct slot *s = &slots[n_slots];

                        memset(s, 0, sizeof(*s));
                        s->index = next;
                        generate(next, &s->d);
                        walk(s->d.buf, s->d.len, predict_one, &s->pc);
                        if (n_slots && s->d.seq != slots[0].d.seq + n_slots)
                                break;  /* seq wrapped: next batch */
                        for (unsigned k = 0; k < 8; k++)
                                if (!kind_names[k] || kind_names[k] == s->d.kind) {
                                        kind_names[k] = s->d.kind;
                                        n_kind[k]++;
                                        break;
                                }
                        if (opt_dump) {
                                printf("# message %" PRIu64 " (%s, seq %u)\n", next, s->d.kind, s->d.seq);
                                fflush(stdout);
                                hexdump(&s->d);
                        }
                        iov[n_slots] = (struct iovec) { s->d.buf, s->d.len };
                        mm[n_slots] = (struct mmsghdr) { .msg_hdr = {
                                .msg_name = &kernel, .msg_namelen = sizeof(kernel),
                                .msg_iov = &iov[n_slots], .msg_iovlen = 1 } };
                        n_slots++, next++;
                }
                batch_first_seq = slots[0].d.seq;
                sentinel.nlmsg_seq = SENTINEL_SEQ | (uint32_t) (next & 0x7fffffff);
                iov[n_slots] = (struct iovec) { &sentinel, sizeof(sentinel) };
                mm[n_slots] = (struct mmsghdr) { .msg_hdr = {
                        .msg_name = &kernel, .msg_namelen = sizeof(kernel),
                        .msg_iov = &iov[n_slots], .msg_iovlen = 1 } };

                /* The kernel answers inside sendmsg: a stuck request stops here. */
                cur_index = (sig_atomic_t) slots[0].index;
                alarm((opt_timeout_ms + 999) / 1000 + 25);
                while (sent < n_slots + 1) {
                        int n = sendmmsg(nl_fd, mm + sent, n_slots + 1 - sent, 0);

                        if (n < 0) {
                                if (errno == EINTR)
                                        continue;
                                fprintf(stderr, "genl-fuzz: sendmmsg (message %" PRIu64 "): %m\n",
                                        slots[sent < n_slots ? sent : 0].index);
                                return 1;
                        }
                        sent += (unsigned) n;
                }
                alarm(0);
                n_dgrams += n_slots;

                if (!drain(sentinel.nlmsg_seq)) {
                        fprintf(stderr, "not ok - no answer within %u ms after messages %" PRIu64 "..%" PRIu64 " (seed %" PRIu64 ")\n",
                                opt_timeout_ms, slots[0].index, slots[n_slots - 1].index, opt_seed);
                        return 1;
                }
                for (unsigned i = 0; i < n_slots; i++) {
                        n_nlmsgs += slots[i].pc.n;
                        judge(&slots[i]);
                }
        }
        /* Let the last jobs' RANGE_DONE come in before the socket closes. */
        clock_gettime(CLOCK_MONOTONIC, &t1);
        secs = (double) (t1.tv_sec - t0.tv_sec) + (double) (t1.tv_nsec - t0.tv_nsec) / 1e9;

        printf("# datagrams sent: %" PRIu64 " in %.1f s (%.0f/s); nlmsgs the kernel handled: %" PRIu64 "\n",
               n_dgrams, secs, (double) n_dgrams / secs, n_nlmsgs);
        printf("# by kind:");
        for (unsigned k = 0; k < 8 && kind_names[k]; k++)
                printf(" %s %" PRIu64, kind_names[k], n_kind[k]);
        printf("\n# replies by errno:");
        for (int e = 0; e < 4096; e++)
                if (err_hist[e])
                        printf(" %s %" PRIu64, e ? errname(e) : "(out of range)", err_hist[e]);
        printf(" ack(0) %" PRIu64 "\n# data replies:", n_ack);
        for (int c = 0; c < 256; c++)
                if (n_data[c])
                        printf(" cmd%d %" PRIu64, c, n_data[c]);
        printf("\n# async (jobs, events):");
        for (int c = 0; c < 256; c++)
                if (n_async[c])
                        printf(" cmd%d %" PRIu64, c, n_async[c]);
        printf(" other %" PRIu64 "\n", n_async_other);
        printf("# extack messages:");
        for (unsigned i = 0; i < 64 && extack[i].n; i++)
                printf("%s \"%s\" %" PRIu64, i ? "," : "", extack[i].text, extack[i].n);
        printf("%s\n", extack_other ? ", and others" : "");
        printf("# requests for known commands: %" PRIu64 ", answered EPERM: %" PRIu64 "; nlmsgs needing no reply: %" PRIu64 "; ENOBUFS: %" PRIu64 "\n",
               n_known, n_known_eperm, n_noreply, n_enobufs);
        if (opt_eperm && n_known_eperm != n_known)
                printf("not ok - %" PRIu64 " known-command request(s) not answered EPERM\n", n_known - n_known_eperm), n_failures++;
        if (n_enobufs)
                printf("not ok - the receive buffer overran %" PRIu64 " time(s): replies may be lost\n", n_enobufs), n_failures++;
        if (n_failures)
                printf("not ok - %" PRIu64 " failure(s) (seed %" PRIu64 ")\n", n_failures, opt_seed);
        else
                printf("ok - %" PRIu64 " messages, every one answered as expected (seed %" PRIu64 ")\n", n_dgrams, opt_seed);
        close(nl_fd);
        return n_failures ? 1 : 0;
}
