/*
 * fuzz-owners.c — who owns the SoC's pins (CSources/CStrobe/owners.c): the device tree's pin
 * groups and the nodes that name them.
 *
 * The input is
 *
 *     flags, part SEP part SEP ...        (SEP = "\n====\n")
 *
 * flags bit 0 clear: the first four parts are one pin group's `brcm,pins`, `brcm,function`,
 * `pins` and `function` property bytes (an empty part is an absent property when flags bit 1..4
 * says so), fed to strobe_owner_parse_group() from memory. flags bit 0 set: a device tree is
 * written below a temporary root — a GPIO controller (compatible brcm,bcm2835-gpio) with up to
 * 3 groups (each 4 parts as above, phandles 1-3) and up to 3 consumer nodes (each: a status part,
 * a pinctrl-0 part, a pinctrl-names part) — and strobe_kernel_pin_owners() walks it.
 *
 * Checks: parse_group returns -EINVAL or the number of pins it newly marked, and marks nothing
 * else; every mark is a device-tree mark of a pin below the table's size with terminated
 * strings; the tree walk returns the number of owned pins, each owned by one of the consumer
 * nodes' names.
 *
 * fuzz-sources: CSources/CStrobe/owners.c CSources/CStrobe/io.c
 */
#define _GNU_SOURCE
#include "strobe_owners.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SEP "\n====\n"
#define MAX_PARTS 24
#define NPINS 58

static void must(int ok, const char *what) {
    if (!ok) {
        fprintf(stderr, "fuzz-owners: invariant broken: %s\n", what);
        abort();
    }
}

typedef struct part {
    const uint8_t *data;
    size_t len;
} part;

static size_t split(const uint8_t *at, const uint8_t *end, part *parts) {
    size_t n = 0;
    while (at <= end && n < MAX_PARTS) {
        const uint8_t *sep = at < end ? memmem(at, (size_t)(end - at), SEP, strlen(SEP)) : NULL;
        const uint8_t *stop = sep ? sep : end;
        parts[n].data = at;
        parts[n].len = (size_t)(stop - at);
        n++;
        if (!sep) break;
        at = sep + strlen(SEP);
    }
    return n;
}

static void check_table(const strobe_pin_owner *o, unsigned n) {
    for (unsigned i = 0; i < n; i++) {
        must(memchr(o[i].owner, 0, sizeof o[i].owner) != NULL && memchr(o[i].detail, 0, sizeof o[i].detail) != NULL,
             "owner strings are terminated");
        must(o[i].source == STROBE_OWNER_NONE || o[i].source == STROBE_OWNER_DEVICE_TREE ||
                 o[i].source == STROBE_OWNER_GPIO_LINE,
             "a known source");
    }
}

static int count(const strobe_pin_owner *o, unsigned n) {
    int c = 0;
    for (unsigned i = 0; i < n; i++) c += o[i].source != STROBE_OWNER_NONE;
    return c;
}

static void parse_in_memory(uint8_t flags, const part *p, size_t n) {
    const part none = {NULL, 0};
    const part *q[4];
    for (int i = 0; i < 4; i++) q[i] = (size_t)i < n && !(flags & (2u << i)) ? &p[i] : &none;
    strobe_pin_owner o[NPINS];
    memset(o, 0, sizeof o);
    int rc = strobe_owner_parse_group("group", "owner", q[0]->data, q[0]->len, q[1]->data, q[1]->len,
                                      (const char *)q[2]->data, q[2]->len, (const char *)q[3]->data, q[3]->len, o, NPINS);
    check_table(o, NPINS);
    must(rc == -EINVAL || rc >= 0, "parse_group returns -EINVAL or a count");
    if (rc >= 0) must(rc == count(o, NPINS), "parse_group's count is what it marked");
    for (unsigned i = 0; i < NPINS; i++)
        if (o[i].source) must(o[i].source == STROBE_OWNER_DEVICE_TREE && strcmp(o[i].owner, "owner") == 0, "a device-tree mark");
    /* A second parse of the same group marks nothing new. */
    if (rc > 0) {
        int again = strobe_owner_parse_group("group", "owner", q[0]->data, q[0]->len, q[1]->data, q[1]->len,
                                             (const char *)q[2]->data, q[2]->len, (const char *)q[3]->data, q[3]->len, o,
                                             NPINS);
        must(again == 0, "a pin is marked once");
    }
}

static char root[160];

static void put(const char *dir, const char *name, const part *p) {
    if (!p) return;
    char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    must(fd >= 0, "create a property");
    must(p->len == 0 || write(fd, p->data, p->len) == (ssize_t)p->len, "write a property");
    close(fd);
}

static int rm_one(const char *path, const struct stat *st, int type, struct FTW *ftw) {
    (void)st; (void)type; (void)ftw;
    return remove(path);
}

static void rm_tree(const char *path) {
    if (access(path, F_OK) == 0) must(nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS) == 0, "remove the tree");
}

static void walk_a_tree(const part *p, size_t n) {
    if (!root[0]) {
        const char *tmp = getenv("TMPDIR");
        snprintf(root, sizeof root, "%s/fuzz-owners.XXXXXX", tmp && *tmp && strlen(tmp) < 100 ? tmp : "/tmp");
        must(mkdtemp(root) != NULL, "make a temporary root");
    }
    char dt[256], soc[300], ctl[320], node[400];
    snprintf(dt, sizeof dt, "%s/proc/device-tree", root);
    rm_tree(dt);
    snprintf(node, sizeof node, "%s/proc", root);
    mkdir(node, 0700);
    must(mkdir(dt, 0700) == 0, "mkdir device-tree");
    snprintf(soc, sizeof soc, "%s/soc", dt);
    must(mkdir(soc, 0700) == 0, "mkdir soc");
    snprintf(ctl, sizeof ctl, "%s/gpio@7e200000", soc);
    must(mkdir(ctl, 0700) == 0, "mkdir the controller");
    const part compat = {(const uint8_t *)"brcm,bcm2835-gpio", sizeof "brcm,bcm2835-gpio"};
    put(ctl, "compatible", &compat);
    size_t at = 0;
    static const uint8_t phandles[3][4] = {{0, 0, 0, 1}, {0, 0, 0, 2}, {0, 0, 0, 3}};
    static const char *const props[4] = {"brcm,pins", "brcm,function", "pins", "function"};
    for (int g = 0; g < 3 && at + 4 <= n; g++) {
        snprintf(node, sizeof node, "%s/group%d", ctl, g);
        must(mkdir(node, 0700) == 0, "mkdir a group");
        const part ph = {phandles[g], 4};
        put(node, "phandle", &ph);
        for (int k = 0; k < 4; k++, at++)
            if (p[at].len) put(node, props[k], &p[at]);
    }
    static const char *const names[3] = {"serial@1", "mmc@2", "i2c@3"};
    for (int c = 0; c < 3 && at + 3 <= n; c++) {
        snprintf(node, sizeof node, "%s/%s", soc, names[c]);
        must(mkdir(node, 0700) == 0, "mkdir a consumer");
        if (p[at].len) put(node, "status", &p[at]);
        if (p[at + 1].len) put(node, "pinctrl-0", &p[at + 1]);
        if (p[at + 2].len) put(node, "pinctrl-names", &p[at + 2]);
        at += 3;
    }
    strobe_pin_owner o[NPINS];
    int lines = -1;
    int rc = strobe_kernel_pin_owners(root, STROBE_LAYOUT_BCM2711, o, NPINS, &lines);
    must(rc >= 0, "a tree that exists is walked");
    must(lines == 0, "no gpiochip below the root");
    check_table(o, NPINS);
    must(rc == count(o, NPINS), "the walk's count is what it marked");
    for (unsigned i = 0; i < NPINS; i++) {
        if (!o[i].source) continue;
        must(o[i].source == STROBE_OWNER_DEVICE_TREE, "a device-tree owner");
        must(strcmp(o[i].owner, names[0]) == 0 || strcmp(o[i].owner, names[1]) == 0 || strcmp(o[i].owner, names[2]) == 0,
             "the owner is a consumer node");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    part p[MAX_PARTS];
    size_t n = split(data + 1, data + size, p);
    if (data[0] & 1) walk_a_tree(p, n);
    else parse_in_memory(data[0], p, n);
    return 0;
}
