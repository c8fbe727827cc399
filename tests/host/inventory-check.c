/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inventory against the live filesystem: take a snapshot of the
 * filesystem mounted on MOUNTPOINT, write it, read it back, and for every
 * range of RANGES compare its owners with the resolver's live answer
 * (files and metadata; free space and bytes of unknown owner are not kept
 * in a snapshot).  Exit 0 when every range agrees.
 *
 * With SAVE_DIR and DISK, the snapshot is also left in SAVE_DIR/DISK.inv
 * as daxmfd would write it (device and disk named DISK), for daxmfctl.
 *
 * usage: inventory-check MOUNTPOINT RANGES [SAVE_DIR DISK]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/fsmap.h>

#include "inventory.h"
#include "macro.h"
#include "range-list.h"
#include "resolver.h"

/* An owner as text, with its names: what both sides must agree on. */
static char **describe(const struct owner_list *l, const struct inode_index *names, size_t *ret_n) {
        char **out = calloc(l->n ? l->n : 1, sizeof(char *));
        size_t n = 0;

        for (size_t i = 0; out && i < l->n; i++) {
                const struct owner *o = &l->owners[i];
                const struct inode_name *first;
                size_t k = 0, len = 0;
                char *s = NULL;
                FILE *f;

                if (o->kind == OWNER_FREE || (o->kind == OWNER_METADATA && o->owner == FMR_OWN_UNKNOWN))
                        continue;
                f = open_memstream(&s, &len);
                if (!f)
                        break;
                fprintf(f, "%s 0x%" PRIx64 "+0x%" PRIx64 " owner %" PRIu64 " offset 0x%" PRIx64 " flags 0x%x",
                        o->kind == OWNER_FILE ? "file" : "metadata", o->dev_offset, o->length, o->owner,
                        o->file_offset, o->flags);
                if (o->kind == OWNER_FILE)
                        k = inode_index_lookup(names, o->owner, &first);
                for (size_t j = 0; j < k; j++)
                        fprintf(f, " '%s'", inode_index_path(names, &first[j]));
                fclose(f);
                out[n++] = s;
        }
        *ret_n = n;
        return out;
}

static int compare_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

int main(int argc, char *argv[]) {
        _cleanup_(range_list_done) struct range_list ranges = {};
        struct inventory built, loaded;
        struct resolver live;
        char dir[] = "/tmp/daxmf-inventory-check.XXXXXX";
        const char *reason;
        unsigned line, bad = 0;
        uint64_t compared = 0;
        int dir_fd, r;
        FILE *f;

        if (argc != 3 && argc != 5) {
                fprintf(stderr, "usage: inventory-check MOUNTPOINT RANGES [SAVE_DIR DISK]\n");
                return 2;
        }
        f = fopen(argv[2], "re");
        if (!f || range_list_read(f, &ranges, &line, &reason) < 0) {
                fprintf(stderr, "%s: cannot read ranges\n", argv[2]);
                return 2;
        }
        fclose(f);
        r = inventory_build(&built, argv[1]);
        if (r < 0) {
                fprintf(stderr, "inventory_build(%s): %s\n", argv[1], strerror(-r));
                return 1;
        }
        if (argc == 5) {
                _cleanup_free_ char *name = NULL;
                int save_fd = open(argv[3], O_RDONLY | O_DIRECTORY | O_CLOEXEC);

                snprintf(built.header.device, sizeof(built.header.device), "%s", argv[4]);
                snprintf(built.header.disk, sizeof(built.header.disk), "%s", argv[4]);
                snprintf(built.header.fstype, sizeof(built.header.fstype), "test");
                if (save_fd < 0 || asprintf(&name, "%s.inv", argv[4]) < 0 ||
                    inventory_save(save_fd, name, &built) < 0) {
                        fprintf(stderr, "cannot save the inventory in %s\n", argv[3]);
                        return 1;
                }
                close(save_fd);
        }
        if (!mkdtemp(dir) || (dir_fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
                perror(dir);
                return 1;
        }
        r = inventory_save(dir_fd, "check.inv", &built);
        if (r >= 0)
                r = inventory_load(dir_fd, "check.inv", &loaded, &reason);
        (void) unlinkat(dir_fd, "check.inv", 0);
        close(dir_fd);
        (void) rmdir(dir);
        if (r < 0) {
                fprintf(stderr, "inventory save/load: %s%s%s\n", strerror(-r), reason ? ": " : "", reason ? reason : "");
                return 1;
        }
        r = resolver_open(&live, argv[1], 0);
        if (r < 0) {
                fprintf(stderr, "resolver_open(%s): %s\n", argv[1], strerror(-r));
                return 1;
        }
        for (size_t i = 0; i < ranges.n; i++) {
                uint64_t start = ranges.ranges[i].offset, end = start + ranges.ranges[i].length;
                struct owner_list a = {}, b = {};
                char **da, **db;
                size_t na, nb;

                if (resolver_query(&live, start, end, &a) < 0 || inventory_lookup(&loaded, start, end, &b) < 0) {
                        fprintf(stderr, "query 0x%" PRIx64 "-0x%" PRIx64 " failed\n", start, end);
                        return 1;
                }
                da = describe(&a, &live.names, &na);
                db = describe(&b, &loaded.names, &nb);
                qsort(da, na, sizeof(char *), compare_str);
                qsort(db, nb, sizeof(char *), compare_str);
                if (na != nb)
                        bad++;
                for (size_t k = 0; k < na || k < nb; k++) {
                        if (k < na && k < nb && strcmp(da[k], db[k]) == 0)
                                continue;
                        if (bad++ < 20)
                                printf("# 0x%" PRIx64 ": live %s | inventory %s\n", start, k < na ? da[k] : "-",
                                       k < nb ? db[k] : "-");
                }
                compared += na;
                for (size_t k = 0; k < na; k++)
                        free(da[k]);
                for (size_t k = 0; k < nb; k++)
                        free(db[k]);
                free(da);
                free(db);
                owner_list_done(&a);
                owner_list_done(&b);
        }
        printf("# %zu ranges, %" PRIu64 " owners compared, %" PRIu64 " files and %zu extents in the inventory, "
               "%u differences\n", ranges.n, compared, inventory_files(&loaded), loaded.extents.n, bad);
        resolver_done(&live);
        inventory_done(&built);
        inventory_done(&loaded);
        return bad ? 1 : 0;
}
