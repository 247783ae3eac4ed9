/*
 * owners.c — the kernel's claims on the SoC's pins: the device tree's enabled devices and the
 * GPIO character device's line info (see strobe_owners.h for the sources and why both).
 */
#define _GNU_SOURCE
#include "strobe_owners.h"
#include "io.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/gpio.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#define DEVICE_TREE "proc/device-tree"
#define MAX_DEPTH 24         /* real trees are under 8 deep */
#define MAX_NODES 20000      /* a Pi 5 tree has about 1500 nodes */
#define MAX_GROUPS 2048      /* pin groups with a phandle under the GPIO controller */
#define PROP_MAX 4096        /* the largest property we read */

const char *strobe_layout_chip_label(strobe_layout layout) {
    switch (layout) {
    case STROBE_LAYOUT_BCM2835: return "pinctrl-bcm2835";
    case STROBE_LAYOUT_BCM2711: return "pinctrl-bcm2711";
    case STROBE_LAYOUT_RP1: return "pinctrl-rp1";
    default: return "";
    }
}

/* The GPIO controllers' compatible strings: upstream and Raspberry Pi kernels
 * (bindings/pinctrl/brcm,bcm2835-gpio.yaml; Raspberry Pi's rp1 binding for the Pi 5). */
static int is_gpio_controller(const char *compat, size_t len) {
    static const char *const names[] = {"brcm,bcm2835-gpio", "brcm,bcm2711-gpio", "brcm,bcm7211-gpio",
                                        "raspberrypi,rp1-gpio"};
    for (size_t at = 0; at < len;) {
        const char *e = compat + at;
        size_t n = strnlen(e, len - at);
        for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
            if (n == strlen(names[i]) && memcmp(e, names[i], n) == 0) return 1;
        at += n + 1;
    }
    return 0;
}

static uint32_t be32(const unsigned char *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void copy_str(char *dst, size_t cap, const char *src) {
    snprintf(dst, cap, "%s", src);
}

/* A BCM FSEL code as a name: [BCM2835] 6.1 table 6-2. */
static const char *fsel_name(uint32_t code) {
    static const char *const names[8] = {"input", "output", "ALT5", "ALT4", "ALT0", "ALT1", "ALT2", "ALT3"};
    return code < 8 ? names[code] : "an unknown function";
}

/* Whether a NUL-separated list is well formed: non-empty entries, the last one terminated. */
static int string_list_ok(const char *s, size_t len) {
    if (len == 0) return 1;
    if (s[len - 1] != '\0') return 0;
    return 1;
}

/* "gpio14" → 14; -1 for anything else. */
static long gpio_name_number(const char *name) {
    if (strncmp(name, "gpio", 4) != 0 || name[4] < '0' || name[4] > '9') return -1;
    long v = 0;
    for (const char *p = name + 4; *p; p++) {
        if (*p < '0' || *p > '9' || v > 100000) return -1;
        v = v * 10 + (*p - '0');
    }
    return v;
}

static int mark(strobe_pin_owner *owners, unsigned npins, unsigned long pin, const char *owner, const char *group,
                const char *function) {
    if (pin >= npins || owners[pin].source != STROBE_OWNER_NONE) return 0;
    owners[pin].source = STROBE_OWNER_DEVICE_TREE;
    copy_str(owners[pin].owner, sizeof owners[pin].owner, owner);
    snprintf(owners[pin].detail, sizeof owners[pin].detail, "pin group %s, %s", group, function);
    return 1;
}

int strobe_owner_parse_group(const char *group, const char *owner, const unsigned char *brcm_pins, size_t brcm_pins_len,
                             const unsigned char *brcm_function, size_t brcm_function_len, const char *pins,
                             size_t pins_len, const char *function, size_t function_len, strobe_pin_owner *owners,
                             unsigned npins) {
    if (!group || !owner || (!owners && npins)) return -EINVAL;
    int marked = 0;
    if (brcm_pins && brcm_pins_len) {
        if (brcm_pins_len % 4 || brcm_function_len % 4) return -EINVAL;
        size_t n = brcm_pins_len / 4, nf = brcm_function_len / 4;
        if (nf != 0 && nf != 1 && nf != n) return -EINVAL;
        for (size_t i = 0; i < n; i++) {
            /* No function: the group only sets pulls, and the pin stays whatever it was. */
            if (nf == 0 || !brcm_function) continue;
            uint32_t code = be32(brcm_function + 4 * (nf == 1 ? 0 : i));
            if (code > 7) return -EINVAL;
            if (code == 0 || code == 1) continue; /* plain GPIO: given to nobody */
            marked += mark(owners, npins, be32(brcm_pins + 4 * i), owner, group, fsel_name(code));
        }
    }
    if (pins && pins_len) {
        if (!string_list_ok(pins, pins_len) || (function && !string_list_ok(function, function_len))) return -EINVAL;
        /* Without a function the group only configures pads (bias, drive): no owner. */
        if (!function || function_len == 0 || function[0] == '\0') return marked;
        if (strcmp(function, "gpio") == 0) return marked;
        char what[48];
        snprintf(what, sizeof what, "function %s", function);
        for (size_t at = 0; at < pins_len;) {
            const char *e = pins + at;
            size_t n = strnlen(e, pins_len - at);
            long pin = gpio_name_number(e);
            if (pin >= 0) marked += mark(owners, npins, (unsigned long)pin, owner, group, what);
            at += n + 1;
        }
    }
    return marked;
}

/* ---- reading the tree ------------------------------------------------------------------- */

typedef struct {
    int dtfd;                      /* the tree's root directory */
    char controller[256];          /* the GPIO controller's path below the root, "" until found */
    uint32_t phandles[MAX_GROUPS]; /* pin groups below the controller */
    char *paths[MAX_GROUPS];
    unsigned ngroups;
    unsigned nodes;
    strobe_pin_owner *owners;
    unsigned npins;
    int marked;
} walk_state;

/* Read property `name` of the node at `dirfd` (no links followed). Returns its length or -errno. */
static ssize_t read_prop(int dirfd, const char *name, void *buf, size_t cap) {
    return strobe_read_file_at(dirfd, name, O_NOFOLLOW, buf, cap);
}

/* A node is enabled when it has no `status` or its status is "okay"/"ok" (DT spec 2.3.4). */
static int node_enabled(int dirfd) {
    char s[32];
    ssize_t n = read_prop(dirfd, "status", s, sizeof s - 1);
    if (n < 0) return n == -ENOENT;
    s[n] = '\0';
    return strcmp(s, "okay") == 0 || strcmp(s, "ok") == 0;
}

typedef void (*node_fn)(walk_state *st, int dirfd, const char *path, const char *name, int enabled);

static void walk(walk_state *st, int dirfd, char *path, size_t path_len, int depth, int enabled, node_fn fn) {
    if (depth > MAX_DEPTH || st->nodes++ > MAX_NODES) return;
    const char *name = strrchr(path, '/');
    name = name ? name + 1 : path;
    enabled = enabled && node_enabled(dirfd);
    fn(st, dirfd, path, name, enabled);
    int dup = fcntl(dirfd, F_DUPFD_CLOEXEC, 0);
    if (dup < 0) return;
    DIR *d = fdopendir(dup);
    if (!d) { close(dup); return; }
    rewinddir(d); /* the duplicate shares its offset with `dirfd`, which an earlier pass read to the end */
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        int child = openat(dirfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (child < 0) continue; /* a property, or a link */
        size_t len = strlen(e->d_name);
        if (path_len + 1 + len < 256) {
            path[path_len] = '/';
            memcpy(path + path_len + 1, e->d_name, len + 1);
            walk(st, child, path, path_len + 1 + len, depth + 1, enabled, fn);
            path[path_len] = '\0';
        }
        close(child);
    }
    closedir(d);
}

static int below(const char *path, const char *dir) {
    size_t n = strlen(dir);
    return n && strncmp(path, dir, n) == 0 && (path[n] == '/' || path[n] == '\0');
}

/* Pass 1: the GPIO controller and the phandles of the groups below it. The walk visits a node
 * before its children, so the controller is known by the time its groups come. */
static void find_controller_and_groups(walk_state *st, int dirfd, const char *path, const char *name, int enabled) {
    (void)name; (void)enabled;
    if (!st->controller[0]) {
        char compat[512];
        ssize_t n = read_prop(dirfd, "compatible", compat, sizeof compat);
        if (n > 0 && is_gpio_controller(compat, (size_t)n)) copy_str(st->controller, sizeof st->controller, path[0] ? path : "/");
        return;
    }
    if (!below(path, st->controller) || strcmp(path, st->controller) == 0 || st->ngroups >= MAX_GROUPS) return;
    unsigned char b[4];
    if (read_prop(dirfd, "phandle", b, sizeof b) != 4) return;
    char *copy = strdup(path);
    if (!copy) return;
    st->phandles[st->ngroups] = be32(b);
    st->paths[st->ngroups++] = copy;
}

/* One group node's properties → owners. */
static void parse_group_node(walk_state *st, int gfd, const char *group, const char *owner) {
    unsigned char *bp = malloc(PROP_MAX), *bf = malloc(PROP_MAX);
    char *sp = malloc(PROP_MAX), *sf = malloc(PROP_MAX);
    if (bp && bf && sp && sf) {
        ssize_t nbp = read_prop(gfd, "brcm,pins", bp, PROP_MAX);
        ssize_t nbf = read_prop(gfd, "brcm,function", bf, PROP_MAX);
        ssize_t nsp = read_prop(gfd, "pins", sp, PROP_MAX);
        ssize_t nsf = read_prop(gfd, "function", sf, PROP_MAX);
        int r = strobe_owner_parse_group(group, owner, nbp > 0 ? bp : NULL, nbp > 0 ? (size_t)nbp : 0, nbf > 0 ? bf : NULL,
                                         nbf > 0 ? (size_t)nbf : 0, nsp > 0 ? sp : NULL, nsp > 0 ? (size_t)nsp : 0,
                                         nsf > 0 ? sf : NULL, nsf > 0 ? (size_t)nsf : 0, st->owners, st->npins);
        if (r > 0) st->marked += r;
    }
    free(bp); free(bf); free(sp); free(sf);
}

static void claim_group(walk_state *st, const char *group_path, const char *owner) {
    int gfd = openat(st->dtfd, group_path[0] == '/' ? group_path + 1 : group_path,
                     O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (gfd < 0) return;
    const char *group = strrchr(group_path, '/');
    group = group ? group + 1 : group_path;
    parse_group_node(st, gfd, group, owner);
    /* Generic bindings put the properties in child nodes (uart0_pins { pin_txd { … } }). */
    int dup = fcntl(gfd, F_DUPFD_CLOEXEC, 0);
    DIR *d = dup >= 0 ? fdopendir(dup) : NULL;
    if (!d && dup >= 0) close(dup);
    if (d) rewinddir(d);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') continue;
        int cfd = openat(gfd, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        if (cfd < 0) continue;
        parse_group_node(st, cfd, group, owner);
        close(cfd);
    }
    if (d) closedir(d);
    close(gfd);
}

/* Pass 2: every enabled node outside the controller whose default state names its groups. */
static void find_consumers(walk_state *st, int dirfd, const char *path, const char *name, int enabled) {
    if (!enabled || below(path, st->controller)) return;
    unsigned char ph[256];
    ssize_t n = read_prop(dirfd, "pinctrl-0", ph, sizeof ph);
    if (n <= 0 || n % 4) return;
    /* pinctrl-0 is the default state unless pinctrl-names says otherwise (bindings/pinctrl/
     * pinctrl-bindings.txt); a node without names uses state 0 as its default. */
    char names[64];
    ssize_t nn = read_prop(dirfd, "pinctrl-names", names, sizeof names - 1);
    if (nn > 0) {
        names[nn] = '\0';
        if (strcmp(names, "default") != 0) return;
    }
    for (ssize_t i = 0; i < n; i += 4) {
        uint32_t h = be32(ph + i);
        for (unsigned g = 0; g < st->ngroups; g++)
            if (st->phandles[g] == h) claim_group(st, st->paths[g], name);
    }
}

static void run_pass(walk_state *st, node_fn fn) {
    char path[256] = "";
    st->nodes = 0;
    walk(st, st->dtfd, path, 0, 0, 1, fn);
}

static int device_tree_owners(const char *root, strobe_pin_owner *owners, unsigned npins) {
    char dir[4096];
    int len = snprintf(dir, sizeof dir, "%s/%s", root, DEVICE_TREE);
    if (len < 0 || (size_t)len >= sizeof dir) return -ENAMETOOLONG; /* cut, it would name another directory */
    walk_state *st = calloc(1, sizeof *st);
    if (!st) return -ENOMEM;
    st->dtfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC); /* /proc/device-tree is itself a link */
    if (st->dtfd < 0) { int e = errno; free(st); return -e; }
    st->owners = owners;
    st->npins = npins;
    run_pass(st, find_controller_and_groups);
    if (st->controller[0]) run_pass(st, find_consumers);
    int marked = st->marked;
    for (unsigned g = 0; g < st->ngroups; g++) free(st->paths[g]);
    close(st->dtfd);
    free(st);
    return marked;
}

/* ---- the GPIO character device ------------------------------------------------------------ */

static int line_used(int fd, unsigned offset, char *consumer, size_t cap) {
#ifdef GPIO_V2_GET_LINEINFO_IOCTL
    struct gpio_v2_line_info v2;
    memset(&v2, 0, sizeof v2);
    v2.offset = offset;
    if (ioctl(fd, GPIO_V2_GET_LINEINFO_IOCTL, &v2) == 0) {
        snprintf(consumer, cap, "%.*s", (int)sizeof v2.consumer, v2.consumer);
        return (v2.flags & GPIO_V2_LINE_FLAG_USED) != 0;
    }
    if (errno != EINVAL && errno != ENOTTY) return -errno;
#endif
    struct gpioline_info v1;
    memset(&v1, 0, sizeof v1);
    v1.line_offset = offset;
    if (ioctl(fd, GPIO_GET_LINEINFO_IOCTL, &v1) != 0) return -errno;
    snprintf(consumer, cap, "%.*s", (int)sizeof v1.consumer, v1.consumer);
    return (v1.flags & GPIOLINE_FLAG_KERNEL) != 0;
}

static int line_info_owners(const char *root, strobe_layout layout, strobe_pin_owner *owners, unsigned npins) {
    const char *want = strobe_layout_chip_label(layout);
    char dir[4096];
    int len = snprintf(dir, sizeof dir, "%s/dev", root);
    if (len < 0 || (size_t)len >= sizeof dir) return 0;
    DIR *d = opendir(dir);
    if (!d) return 0;
    int read_any = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, "gpiochip", 8) != 0) continue;
        int fd = openat(dirfd(d), e->d_name, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) continue;
        struct gpiochip_info ci;
        memset(&ci, 0, sizeof ci);
        struct stat sb;
        if (fstat(fd, &sb) != 0 || !S_ISCHR(sb.st_mode) || ioctl(fd, GPIO_GET_CHIPINFO_IOCTL, &ci) != 0 ||
            strncmp(ci.label, want, sizeof ci.label) != 0) {
            close(fd);
            continue;
        }
        read_any = 1;
        unsigned n = ci.lines < npins ? ci.lines : npins;
        for (unsigned o = 0; o < n; o++) {
            char consumer[64] = "";
            if (line_used(fd, o, consumer, sizeof consumer) != 1 || owners[o].source != STROBE_OWNER_NONE) continue;
            owners[o].source = STROBE_OWNER_GPIO_LINE;
            copy_str(owners[o].owner, sizeof owners[o].owner, consumer[0] ? consumer : "the kernel");
            snprintf(owners[o].detail, sizeof owners[o].detail, "%.40s line %u", e->d_name, o);
        }
        close(fd);
        break;
    }
    closedir(d);
    return read_any;
}

int strobe_kernel_pin_owners(const char *root, strobe_layout layout, strobe_pin_owner *owners, unsigned npins,
                             int *lines_read) {
    if (!owners || npins == 0 || strobe_layout_chip_label(layout)[0] == '\0') return -EINVAL;
    if (!root || !*root) root = "/";
    memset(owners, 0, sizeof *owners * npins);
    int rc = device_tree_owners(root, owners, npins);
    if (rc < 0) return rc;
    int lines = line_info_owners(root, layout, owners, npins);
    if (lines_read) *lines_read = lines;
    int count = 0;
    for (unsigned i = 0; i < npins; i++) count += owners[i].source != STROBE_OWNER_NONE;
    return count;
}
